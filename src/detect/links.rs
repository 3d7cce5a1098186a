//! Links found in a message (by `href`, never by their text), their hosts and registrable
//! domains, and bare URLs in plain text. Hosts are compared by registrable domain (public-suffix
//! aware, through the `psl` crate), never by substring.

use url::{Host, Url};

/// Where in the markup (or text) a link was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    /// `<a href>` or `<area href>`.
    Anchor,
    /// `<form action>` or `<button formaction>`.
    Form,
    /// `<base href>`.
    Base,
    /// A `<!-- saved from url=(NNNN)... -->` comment.
    SavedFrom,
    /// `<meta http-equiv="refresh" content="0;url=...">`.
    Refresh,
    /// `<iframe src>` / `<frame src>`.
    Frame,
    /// A URL written in a script.
    Script,
    /// A bare URL in text (text/plain, or HTML text outside any anchor).
    Text,
}

/// Which part of the message a link came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// The message body (text or HTML shown to the reader).
    Body,
    /// The attachment with this index in `Facts::parts`.
    Attachment(usize),
}

/// One link, resolved against `<base href>` when relative.
#[derive(Clone, Debug)]
pub struct Link {
    /// The target as written (entities decoded, resolved when relative).
    pub href: String,
    pub kind: LinkKind,
    pub place: Place,
    /// The visible text of an anchor, or the words before a bare URL on its line (lowercase,
    /// whitespace collapsed, bounded).
    pub label: String,
    pub url: Option<Url>,
    /// Worked out once: every vendor's rules ask.
    host: Option<String>,
    domain: Option<String>,
}

impl Link {
    pub fn new(href: &str, kind: LinkKind, place: Place, label: &str, base: Option<&Url>) -> Self {
        let href = href.trim();
        let url = match base {
            Some(b) => b.join(href).ok(),
            // A scheme-relative link goes wherever the page is: judge it as a web link.
            None if href.starts_with("//") || href.starts_with("\\\\") => {
                Url::parse(&format!("https:{href}")).ok()
            }
            None => Url::parse(href).ok(),
        }
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(unwrap_rewriters);
        let href = url
            .as_ref()
            .map_or_else(|| href.to_owned(), |u| u.to_string());
        let host = url.as_ref().and_then(host_name);
        let domain = host.as_deref().and_then(registrable);
        Link {
            href,
            kind,
            place,
            label: collapse(label, 160),
            url,
            host,
            domain,
        }
    }

    /// The lowercase host name, without a trailing dot (None for IP literals and non-web links).
    pub fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }

    /// The registrable domain of the host (`outlook.office365.com` -> `office365.com`).
    pub fn domain(&self) -> Option<&str> {
        self.domain.as_deref()
    }

    /// The lowercase path.
    pub fn path(&self) -> String {
        self.url
            .as_ref()
            .map(|u| u.path().to_ascii_lowercase())
            .unwrap_or_default()
    }

    /// The lowercase query string (without `?`).
    pub fn query(&self) -> String {
        self.url
            .as_ref()
            .and_then(|u| u.query())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default()
    }

    /// True when the link is on one of these registrable domains.
    pub fn on_domain(&self, domains: &[&str]) -> bool {
        self.domain()
            .is_some_and(|d| domains.iter().any(|x| d.eq_ignore_ascii_case(x)))
    }

    /// True when the host is exactly one of these names.
    pub fn on_host(&self, hosts: &[&str]) -> bool {
        self.host()
            .is_some_and(|h| hosts.iter().any(|x| h.eq_ignore_ascii_case(x)))
    }

    /// What to show for where the link goes: the host, else the raw target, shortened.
    pub fn target_for_humans(&self) -> String {
        match (&self.url, self.host()) {
            (Some(u), Some(h)) if u.path() == "/" => h.to_owned(),
            (Some(u), Some(h)) => format!("{h}{}", short_path(u.path())),
            (Some(u), None) => u.host_str().unwrap_or("?").to_owned(),
            (None, _) => collapse(&self.href, 60),
        }
    }
}

fn short_path(p: &str) -> String {
    if p.chars().count() > 40 {
        let cut: String = p.chars().take(40).collect();
        format!("{cut}…")
    } else {
        p.to_owned()
    }
}

/// Link scanners rewrite every link of a mail to pass through them, then forward to the
/// original: judge the original. Known forms only; an opaque rewrite is left as it is.
fn unwrap_rewriters(url: Url) -> Url {
    let mut url = url;
    for _ in 0..3 {
        match rewritten_target(&url).filter(|u| matches!(u.scheme(), "http" | "https")) {
            Some(inner) => url = inner,
            None => break,
        }
    }
    url
}

fn query_param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn rewritten_target(url: &Url) -> Option<Url> {
    let host = host_name(url)?;
    if host.ends_with(".safelinks.protection.outlook.com") {
        return Url::parse(&query_param(url, "url")?).ok();
    }
    if host == "linkprotect.cudasvc.com" && url.path() == "/url" {
        return Url::parse(&query_param(url, "a")?).ok();
    }
    if host == "urldefense.proofpoint.com" && url.path().starts_with("/v2/url") {
        // `u` is the URL with `%` written as `-` and `/` as `_`.
        let encoded = query_param(url, "u")?.replace('-', "%").replace('_', "/");
        let decoded: String = url::form_urlencoded::parse(format!("u={encoded}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())?;
        return Url::parse(&decoded).ok();
    }
    if host == "urldefense.com" {
        // `/v3/__<url>__;<replaced characters>!!<signature>`; `*` marks replaced characters,
        // which are not restored here: such links stay as they are.
        let s = url.as_str();
        let start = s.find("/v3/__")? + "/v3/__".len();
        let end = start.saturating_add(s.get(start..)?.find("__;")?);
        let inner = s.get(start..end)?;
        return (!inner.contains('*')).then(|| Url::parse(inner).ok())?;
    }
    None
}

/// The lowercase host name of a URL, without a trailing dot; None for IP literals.
pub fn host_name(url: &Url) -> Option<String> {
    match url.host()? {
        Host::Domain(d) => Some(d.trim_end_matches('.').to_ascii_lowercase()),
        Host::Ipv4(_) | Host::Ipv6(_) => None,
    }
}

/// The registrable domain ("eTLD+1") of a host name, public-suffix aware. Names under a suffix
/// the list does not know (`.example`) fall back to the last two labels, as the list's
/// default rule says.
pub fn registrable(host: &str) -> Option<String> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() || host.parse::<std::net::IpAddr>().is_ok() {
        return None;
    }
    psl::domain_str(&host).map(str::to_owned)
}

/// The registrable domain of an e-mail address's domain part.
pub fn address_domain(addr: &str) -> Option<String> {
    let (_, domain) = addr.rsplit_once('@')?;
    registrable(domain.trim_end_matches('>'))
}

/// Lowercase, whitespace collapsed to single spaces, at most `max` characters.
pub fn collapse(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max));
    let mut count = 0;
    for word in s.split_whitespace() {
        if count > 0 {
            out.push(' ');
            count += 1;
        }
        for c in word.chars().flat_map(char::to_lowercase) {
            if count >= max {
                return out;
            }
            out.push(c);
            count += 1;
        }
    }
    out
}

/// True when `phrase` occurs in `hay` as whole words (`view message` is not in `purview
/// message`). Both are expected lowercase.
pub fn has_phrase(hay: &str, phrase: &str) -> bool {
    if phrase.is_empty() {
        return false;
    }
    hay.match_indices(phrase).any(|(i, _)| {
        let before = hay.get(..i).and_then(|s| s.chars().next_back());
        let after = hay
            .get(i.saturating_add(phrase.len())..)
            .and_then(|s| s.chars().next());
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// Bytes of the text before a URL kept as its label (the label is cut to 160 characters later;
/// the bound keeps a line of many URLs linear).
const LABEL_BYTES: usize = 1024;

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
pub fn prefix(s: &str, max: usize) -> &str {
    let mut cut = max.min(s.len());
    while !s.is_char_boundary(cut) {
        cut = cut.saturating_sub(1);
    }
    s.get(..cut).unwrap_or_default()
}

/// Bare `http(s)://` URLs in text, each with the words before it on its line; at most `max` of
/// them. The flag is true when more were there. One pass over the text: each byte is looked at
/// a bounded number of times, whatever the number of URLs.
pub fn text_urls(text: &str, max: usize) -> (Vec<(String, String)>, bool) {
    let mut found = Vec::new();
    // A URL alone on its line takes the line before it as its label ("Read the message:").
    let mut previous = "";
    for line in text.lines() {
        let bytes = line.as_bytes();
        let mut from = 0;
        while let Some(start) = find_scheme(bytes, from) {
            let rest = line.get(start..).unwrap_or_default();
            let end = rest
                .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | '`'))
                .unwrap_or(rest.len());
            let url = rest
                .get(..end)
                .unwrap_or_default()
                .trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '\'']);
            if url.len() > "https://".len() {
                if found.len() >= max {
                    return (found, true);
                }
                let before = prefix(line, start.min(LABEL_BYTES));
                let label = if before.trim().is_empty() {
                    previous
                } else {
                    before
                };
                found.push((url.to_owned(), label.to_owned()));
            }
            from = start.saturating_add(end.max(1));
        }
        if !line.trim().is_empty() {
            previous = prefix(line, LABEL_BYTES);
        }
    }
    (found, false)
}

/// The position of the next `http://` or `https://` (any case) at or after `from`.
fn find_scheme(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(rest) = bytes.get(i..) {
        let pos = rest
            .windows(4)
            .position(|w| w.eq_ignore_ascii_case(b"http"))?;
        let at = i.saturating_add(pos);
        let tail = bytes.get(at.saturating_add(4)..).unwrap_or_default();
        let scheme_end = if tail.starts_with(b"://") {
            Some(3)
        } else if tail.len() >= 4
            && tail.first().is_some_and(|b| b.eq_ignore_ascii_case(&b's'))
            && tail.get(1..4) == Some(b"://".as_slice())
        {
            Some(4)
        } else {
            None
        };
        if scheme_end.is_some() {
            return Some(at);
        }
        i = at.saturating_add(1);
    }
    None
}

/// A host name written in a link's visible text (`https://x.example/...`, `x.example/...` or
/// `x.example`), lowercased; None when the text does not look like an address.
pub fn host_in_text(text: &str) -> Option<String> {
    let t = text.trim();
    let candidate = if let Some((_, after)) = t.split_once("://") {
        after
    } else {
        t
    };
    let host = candidate
        .split(['/', '?', '#', ' ', ':'])
        .next()?
        .trim_end_matches('.');
    let valid = host.contains('.')
        && !host.contains('@')
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
        && host
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_alphabetic()));
    valid.then(|| host.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domains_are_public_suffix_aware() {
        assert_eq!(
            registrable("outlook.office365.com").as_deref(),
            Some("office365.com")
        );
        assert_eq!(
            registrable("office365.com.login-verify.example").as_deref(),
            Some("login-verify.example")
        );
        assert_eq!(
            registrable("portal.example.co.uk").as_deref(),
            Some("example.co.uk")
        );
        assert_eq!(registrable("127.0.0.1"), None);
    }

    #[test]
    fn phrases_match_whole_words() {
        assert!(has_phrase("click: view message now", "view message"));
        assert!(has_phrase("view message", "view message"));
        assert!(!has_phrase(
            "microsoft purview message encryption",
            "view message"
        ));
        assert!(!has_phrase("read messages", "read message"));
    }

    #[test]
    fn bare_urls_keep_their_label_and_drop_trailing_punctuation() {
        let (found, _) = text_urls("Open Message: https://web1.zixmail.net/s/e?b=1. Thanks", 10);
        assert_eq!(
            found,
            vec![(
                "https://web1.zixmail.net/s/e?b=1".to_owned(),
                "Open Message: ".to_owned()
            )]
        );
    }

    #[test]
    fn a_url_alone_on_its_line_takes_the_line_before_as_label() {
        let (found, _) = text_urls("Read the message:\n  https://x.example/r\n", 10);
        assert_eq!(found[0].1, "Read the message:");
    }

    #[test]
    fn bare_urls_are_found_in_any_case_and_bounded() {
        let (found, more) = text_urls(
            "see HTTPS://A.example/x, http and https: then Http://b.example",
            10,
        );
        let urls: Vec<&str> = found.iter().map(|(u, _)| u.as_str()).collect();
        assert_eq!(urls, ["HTTPS://A.example/x", "Http://b.example"]);
        assert!(!more);
        let line = "http://ab ".repeat(200_000);
        let (found, more) = text_urls(&line, 4_000);
        assert_eq!(found.len(), 4_000);
        assert!(more);
        // Labels are bounded however long the line before them.
        assert!(found.iter().all(|(_, l)| l.len() <= LABEL_BYTES));
        assert_eq!(text_urls("\u{e9}http", 10), (vec![], false));
    }

    #[test]
    fn host_in_text_reads_only_address_like_text() {
        assert_eq!(
            host_in_text("https://secure.virtru.com/start").as_deref(),
            Some("secure.virtru.com")
        );
        assert_eq!(
            host_in_text("outlook.office365.com").as_deref(),
            Some("outlook.office365.com")
        );
        assert_eq!(host_in_text("Read the message"), None);
        assert_eq!(host_in_text("v1.2"), None);
    }

    #[test]
    fn relative_links_resolve_against_base() {
        let base = Url::parse("https://res.cisco.com/envelopeopener/").ok();
        let l = Link::new(
            "open.action",
            LinkKind::Form,
            Place::Body,
            "",
            base.as_ref(),
        );
        assert_eq!(l.href, "https://res.cisco.com/envelopeopener/open.action");
        assert!(l.on_domain(&["cisco.com"]));
    }

    #[test]
    fn scheme_relative_links_are_judged_by_their_host() {
        let l = Link::new("//evil.example/x", LinkKind::Anchor, Place::Body, "", None);
        assert_eq!(l.host(), Some("evil.example"));
        let l = Link::new(
            "https://outlook.office365.com@evil.example/Encryption/retrieve.ashx",
            LinkKind::Anchor,
            Place::Body,
            "",
            None,
        );
        assert_eq!(l.domain(), Some("evil.example"));
    }

    #[test]
    fn link_scanners_are_looked_through() {
        let cases = [
            "https://nam02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fevil.example%2Fx&data=1",
            "https://urldefense.proofpoint.com/v2/url?u=https-3A__evil.example_x&d=DwMF",
            "https://urldefense.com/v3/__https://evil.example/x__;!!abc$",
            "https://linkprotect.cudasvc.com/url?a=https%3a%2f%2fevil.example%2fx&c=E",
        ];
        for c in cases {
            let l = Link::new(c, LinkKind::Anchor, Place::Body, "", None);
            assert_eq!(l.href, "https://evil.example/x", "{c}");
            assert_eq!(l.domain(), Some("evil.example"));
        }
        // A rewrite whose target cannot be read stays as it is.
        let opaque = "https://protect-eu.mimecast.com/s/abc?domain=example.org";
        let l = Link::new(opaque, LinkKind::Anchor, Place::Body, "", None);
        assert_eq!(l.domain(), Some("mimecast.com"));
    }

    #[test]
    fn non_web_links_have_no_host() {
        let l = Link::new(
            "javascript:alert(1)",
            LinkKind::Anchor,
            Place::Body,
            "",
            None,
        );
        assert!(l.url.is_none() && l.host().is_none());
        let l = Link::new(
            "https://10.0.0.1/x",
            LinkKind::Anchor,
            Place::Body,
            "",
            None,
        );
        assert!(l.domain().is_none());
    }
}
