//! What the rules saw for one vendor: agreeing signals (by independent class), claims, portal
//! links on the vendor's own domain, and links or forms that claim to be the portal but go
//! elsewhere; plus the shared tests (look-alike hosts, calls to action, shown-vs-real hosts).

use super::Vendor;
use super::facts::Facts;
use super::links::{self, Link, LinkKind, Place};

/// Entries of each list kept: enough to explain, bounded against hostile input.
const MAX_KEPT: usize = 32;

/// Independent kinds of signal: two signals of the same class do not count as two.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    /// A vendor header field.
    Header,
    /// The Message-ID's form.
    MessageId,
    /// The MIME structure (boundary, part types).
    Structure,
    /// A vendor attachment (name and type).
    Attachment,
    /// Markup inside the vendor attachment (hidden inputs, comments, base, armour).
    Markup,
    /// A portal link on the vendor's own domain with the vendor's path.
    Link,
    /// The vendor's wording or page title.
    Wording,
}

#[derive(Clone, Debug)]
pub struct Evidence {
    pub vendor: Vendor,
    pub signals: Vec<(Class, String)>,
    /// How the message presents itself as this vendor (file names, imitated hosts or paths).
    pub claims: Vec<String>,
    /// Portal links on the vendor's own domain (href).
    pub portal_links: Vec<String>,
    /// Links or forms that claim to be the portal but go elsewhere: (href, reason).
    pub elsewhere: Vec<(String, String)>,
    /// The message is (or pretends to be) this vendor's portal mail.
    pub present: bool,
    /// `genuine` needs a signal of each of these classes (the vendor's strongest signal).
    pub required: &'static [Class],
}

impl Evidence {
    pub fn new(vendor: Vendor, required: &'static [Class]) -> Self {
        Evidence {
            vendor,
            signals: Vec::new(),
            claims: Vec::new(),
            portal_links: Vec::new(),
            elsewhere: Vec::new(),
            present: false,
            required,
        }
    }

    pub fn signal(&mut self, class: Class, text: impl Into<String>) {
        let text = text.into();
        if self.signals.len() < MAX_KEPT && !self.signals.iter().any(|(_, t)| *t == text) {
            self.signals.push((class, text));
        }
    }

    pub fn claim(&mut self, text: impl Into<String>) {
        let text = text.into();
        if self.claims.len() < MAX_KEPT && !self.claims.contains(&text) {
            self.claims.push(text);
        }
    }

    pub fn portal(&mut self, link: &Link) {
        if self.portal_links.len() < MAX_KEPT && !self.portal_links.contains(&link.href) {
            self.portal_links.push(link.href.clone());
        }
    }

    pub fn elsewhere(&mut self, link: &Link, reason: impl Into<String>) {
        let reason = reason.into();
        if self.elsewhere.len() < MAX_KEPT
            && !self
                .elsewhere
                .iter()
                .any(|(h, r)| *h == link.href && *r == reason)
        {
            self.elsewhere.push((link.href.clone(), reason));
        }
    }

    pub fn has(&self, class: Class) -> bool {
        self.signals.iter().any(|(c, _)| *c == class)
    }

    /// How many independent classes of signal agree.
    pub fn classes(&self) -> usize {
        let mut seen: Vec<Class> = Vec::new();
        for (c, _) in &self.signals {
            if !seen.contains(c) {
                seen.push(*c);
            }
        }
        seen.len()
    }

    /// Adds a wording signal for each phrase found (at most two, to keep the list short).
    pub fn wording(&mut self, facts: &Facts, phrases: &[&str]) {
        for p in phrases.iter().filter(|p| facts.says(p)).take(2) {
            self.signal(Class::Wording, format!("wording \u{201c}{p}\u{201d}"));
        }
    }
}

/// Link kinds that take the reader somewhere (not `<base>` or `saved from` comments).
pub fn clickable(link: &Link) -> bool {
    matches!(
        link.kind,
        LinkKind::Anchor
            | LinkKind::Text
            | LinkKind::Form
            | LinkKind::Refresh
            | LinkKind::Frame
            | LinkKind::Script
    )
}

/// Button and link texts that ask the reader to go and read the message.
pub const CALL_WORDS: &[&str] = &[
    "read the message",
    "read message",
    "read your message",
    "read your secure message",
    "read secure message",
    "view message",
    "view the message",
    "view secure message",
    "view encrypted message",
    "view your message",
    "open message",
    "open the message",
    "open secure message",
    "open my email",
    "unlock message",
    "unlock the message",
    "view the email",
    "read the email",
    "sign in to view",
    "click to read",
];

/// True when a link's label asks the reader to go and read the message.
pub fn is_call_to_action(label: &str) -> bool {
    CALL_WORDS.iter().any(|c| links::has_phrase(label, c))
}

/// A Latin letter that a Cyrillic or Greek one looks like.
fn latin_twin(c: char) -> char {
    match c {
        'а' | 'α' => 'a',
        'с' | 'ϲ' => 'c',
        'ԁ' => 'd',
        'е' | 'ε' => 'e',
        'һ' => 'h',
        'і' | 'ι' | 'ӏ' => 'i',
        'ј' => 'j',
        'κ' | 'к' => 'k',
        'о' | 'ο' => 'o',
        'р' | 'ρ' => 'p',
        'ѕ' => 's',
        'τ' | 'т' => 't',
        'ս' => 'u',
        'ν' => 'v',
        'ԝ' | 'ѡ' => 'w',
        'х' | 'χ' => 'x',
        'у' | 'γ' => 'y',
        other => other,
    }
}

/// How a host with punycode labels reads to people: decoded, with Cyrillic and Greek letters
/// that look Latin replaced by those. None for plain ASCII hosts.
pub fn as_read(host: &str) -> Option<String> {
    if !host.contains("xn--") {
        return None;
    }
    let (unicode, _) = idna::domain_to_unicode(host);
    let read: String = unicode.chars().map(latin_twin).collect();
    (read != host).then_some(read)
}

/// True when `host` imitates one of `domains` (contains it at a label boundary, or has a label
/// made of a vendor brand token, also once its look-alike letters are read as Latin) while its
/// registrable domain is not one of them.
pub fn lookalike(host: &str, domains: &[&str], tokens: &[&str]) -> bool {
    let host = host.to_ascii_lowercase();
    let reg = links::registrable(&host).unwrap_or_default();
    if domains.iter().any(|d| reg.eq_ignore_ascii_case(d)) {
        return false;
    }
    if let Some(read) = as_read(&host)
        && imitates(&read, domains, tokens)
    {
        return true;
    }
    imitates(&host, domains, tokens)
}

fn imitates(host: &str, domains: &[&str], tokens: &[&str]) -> bool {
    let contains_domain = domains.iter().any(|d| {
        host.match_indices(d)
            .any(|(i, _)| i == 0 || host.as_bytes().get(i - 1) == Some(&b'.'))
    });
    let has_token = host.split('.').any(|label| {
        tokens.iter().any(|t| {
            label == *t
                || label.starts_with(&format!("{t}-"))
                || label.ends_with(&format!("-{t}"))
                || label.contains(&format!("-{t}-"))
        })
    });
    contains_domain || has_token
}

/// For an anchor whose visible text is an address on another registrable domain than its href:
/// the host shown.
pub fn shown_host(link: &Link) -> Option<String> {
    if link.kind != LinkKind::Anchor {
        return None;
    }
    let shown = links::host_in_text(&link.label)?;
    let shown_reg = links::registrable(&shown)?;
    match link.domain() {
        Some(real) if real == shown_reg => None,
        _ => Some(shown),
    }
}

/// Where a link really goes, for reasons shown to the user.
pub fn goes_to(link: &Link) -> String {
    link.target_for_humans()
}

/// True when a link sits in the message body (not inside an attachment).
pub fn in_body(link: &Link) -> bool {
    link.place == Place::Body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookalikes_are_caught_by_label_not_substring() {
        let ms = &["office365.com", "outlook.com"];
        assert!(lookalike(
            "office365.com.login-verify.example",
            ms,
            &["office365"]
        ));
        assert!(lookalike(
            "outlook-office365.secure-docs-view.example",
            ms,
            &["office365"]
        ));
        assert!(!lookalike("outlook.office365.com", ms, &["office365"]));
        assert!(!lookalike("myoffice365shop.example", ms, &["office365"]));
        assert!(!lookalike(
            "links.us.defend.egress.com",
            &["egress.com"],
            &["egress"]
        ));
    }

    #[test]
    fn homographs_are_read_as_their_latin_twins() {
        // "оffice365.com" with a Cyrillic о, as a URL parser gives it.
        let url = url::Url::parse("https://\u{43e}ffice365.com/Encryption/retrieve.ashx").ok();
        let host = url
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        assert!(host.starts_with("xn--"), "{host}");
        assert_eq!(as_read(&host).as_deref(), Some("office365.com"));
        assert!(lookalike(&host, &["office365.com"], &["office365"]));
        assert!(as_read("outlook.office365.com").is_none());
    }

    #[test]
    fn shown_host_needs_a_different_registrable_domain() {
        let l = Link::new(
            "https://evil.example/x",
            LinkKind::Anchor,
            Place::Body,
            "https://secure.virtru.com/start",
            None,
        );
        assert_eq!(shown_host(&l).as_deref(), Some("secure.virtru.com"));
        let l = Link::new(
            "https://secure.virtru.com/start#x",
            LinkKind::Anchor,
            Place::Body,
            "www.virtru.com",
            None,
        );
        assert_eq!(shown_host(&l), None);
    }
}
