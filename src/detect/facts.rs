//! Gathers from a raw message (parsed with mail-parser) the facts the vendor rules look at:
//! header fields, the parts (names, types, first bytes, HTML facts), every link with where it was
//! found, and the wording. Bounded, so hostile input costs little and never panics.

use mail_parser::{MessageParser, MimeHeaders, PartType};
use url::Url;

use super::html::{self, HtmlFacts};
use super::links::{self, Link, LinkKind, Place};

/// Parts looked at; a message with more is read only this far.
const MAX_PARTS: usize = 256;
/// Decoded bytes of a text or HTML part looked at.
const MAX_PART_TEXT: usize = 4 * 1024 * 1024;
/// Wording kept for phrase checks.
const MAX_WORDING: usize = 256 * 1024;
/// Bytes of a JSON part kept.
const MAX_JSON: usize = 1024 * 1024;
/// Links kept.
const MAX_LINKS: usize = 4_000;

/// One leaf part of the message.
#[derive(Clone, Debug, Default)]
pub struct Part {
    /// The file name as the message gives it.
    pub name: Option<String>,
    /// Lowercase `type/subtype`.
    pub mime: String,
    /// An attachment rather than the body shown to the reader.
    pub attachment: bool,
    /// HTML facts, for HTML parts (by type or by file name).
    pub html: Option<HtmlFacts>,
    /// The first bytes of the decoded content (for magic numbers).
    pub head: Vec<u8>,
    /// The decoded text of text and HTML parts, lowercase (for markers such as armour lines).
    pub text_lower: String,
    /// The content of JSON parts (the sealed envelope), bounded.
    pub json: Option<Vec<u8>>,
}

impl Part {
    /// The lowercase file name, or "".
    pub fn name_lower(&self) -> String {
        self.name.as_deref().unwrap_or("").trim().to_lowercase()
    }

    /// The file name as given, for signals and reasons.
    pub fn shown_name(&self) -> String {
        match self.name.as_deref().map(str::trim) {
            Some(n) if !n.is_empty() => n.to_owned(),
            _ => "(unnamed)".to_owned(),
        }
    }
}

/// Everything the vendor rules look at.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// (lowercase name, unfolded value) of every top-level header field.
    pub headers: Vec<(String, String)>,
    /// Without angle brackets.
    pub message_id: Option<String>,
    pub subject: String,
    pub from_name: String,
    pub from_addr: String,
    /// The registrable domain of the sender's address.
    pub from_domain: Option<String>,
    /// The top-level multipart boundary.
    pub boundary: Option<String>,
    pub parts: Vec<Part>,
    pub links: Vec<Link>,
    /// Subject, body text, HTML text and titles, lowercase with whitespace collapsed.
    pub wording: String,
    /// Something was too big to read whole (parts, links, a document): hidden links may exist.
    pub truncated: bool,
}

impl Facts {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The names of the header fields that start with `prefix` (lowercase).
    pub fn headers_starting(&self, prefix: &str) -> Vec<&str> {
        let prefix = prefix.to_ascii_lowercase();
        self.headers
            .iter()
            .filter(|(n, _)| n.starts_with(&prefix))
            .map(|(n, _)| n.as_str())
            .collect()
    }

    /// True when the wording holds `phrase` (lowercase) as whole words.
    pub fn says(&self, phrase: &str) -> bool {
        links::has_phrase(&self.wording, phrase)
    }

    /// The attachments whose lowercase file name satisfies `matches`.
    pub fn attachments_named(&self, matches: impl Fn(&str) -> bool) -> Vec<(usize, &Part)> {
        self.parts
            .iter()
            .enumerate()
            .filter(|(_, p)| p.attachment && matches(&p.name_lower()))
            .collect()
    }

    /// The links found in one place.
    pub fn links_in(&self, place: Place) -> impl Iterator<Item = &Link> {
        self.links.iter().filter(move |l| l.place == place)
    }
}

/// Unfolds a raw header value: line breaks followed by white space become one space.
pub fn unfold(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for (i, line) in raw.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if i > 0 {
            out.push(' ');
            out.push_str(line.trim_start());
        } else {
            out.push_str(line);
        }
    }
    out.trim().to_owned()
}

fn bounded_text(bytes: &[u8]) -> String {
    let cut = bytes.get(..MAX_PART_TEXT).unwrap_or(bytes);
    String::from_utf8_lossy(cut).into_owned()
}

fn bounded_str(s: &str) -> &str {
    links::prefix(s, MAX_PART_TEXT)
}

fn push_wording(out: &mut String, s: &str) {
    if out.len() >= MAX_WORDING {
        return;
    }
    let room = MAX_WORDING - out.len();
    // Typographic apostrophes read as plain ones, so phrases match either way.
    let chunk = links::collapse(s, room).replace(['\u{2019}', '\u{2018}'], "'");
    if !chunk.is_empty() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&chunk);
    }
}

fn add_html_links(facts: &mut Facts, h: &HtmlFacts, place: Place) {
    let base = h
        .base_href
        .as_deref()
        .and_then(|b| Url::parse(b.trim()).ok());
    for (kind, href, label) in &h.links {
        if facts.links.len() >= MAX_LINKS {
            facts.truncated = true;
            return;
        }
        let base = if *kind == LinkKind::Base || *kind == LinkKind::SavedFrom {
            None
        } else {
            base.as_ref()
        };
        facts.links.push(Link::new(href, *kind, place, label, base));
    }
}

/// Parses a raw message. Input mail-parser cannot read yields empty facts (not portal mail).
pub fn gather(raw: &[u8]) -> Facts {
    match MessageParser::default().parse(raw) {
        Some(msg) => gather_parsed(&msg),
        None => Facts::default(),
    }
}

/// [`gather`] of a message parsed already.
pub fn gather_parsed(msg: &mail_parser::Message<'_>) -> Facts {
    let mut facts = Facts {
        headers: msg
            .headers_raw()
            .map(|(n, v)| (n.to_ascii_lowercase(), unfold(v)))
            .collect(),
        ..Facts::default()
    };
    facts.message_id = msg.message_id().map(str::to_owned);
    facts.subject = msg.subject().unwrap_or("").to_owned();
    if let Some(addr) = msg.from().and_then(|a| a.first()) {
        facts.from_name = addr.name.as_deref().unwrap_or("").to_owned();
        facts.from_addr = addr.address.as_deref().unwrap_or("").to_owned();
        facts.from_domain = links::address_domain(&facts.from_addr);
    }
    facts.boundary = msg
        .root_part()
        .content_type()
        .and_then(|ct| ct.attribute("boundary"))
        .map(str::to_owned);
    let subject = facts.subject.clone();
    push_wording(&mut facts.wording, &subject);

    facts.truncated = msg.parts.len() > MAX_PARTS;
    for part in msg.parts.iter().take(MAX_PARTS) {
        if matches!(part.body, PartType::Multipart(_)) {
            continue;
        }
        let mime = crate::mime::declared_type(part).unwrap_or_else(|| "text/plain".to_owned());
        let name = part.attachment_name().map(str::to_owned);
        let disposed = part
            .content_disposition()
            .is_some_and(|cd| cd.ctype().eq_ignore_ascii_case("attachment"));
        let is_texty = mime == "text/plain" || mime == "text/html";
        let attachment = name.is_some() || disposed || !is_texty;
        let name_lower = name.as_deref().unwrap_or("").to_ascii_lowercase();
        let html_named = name_lower.ends_with(".html") || name_lower.ends_with(".htm");

        let text: Option<String> = match &part.body {
            PartType::Text(t) | PartType::Html(t) => Some(bounded_str(t).to_owned()),
            PartType::Binary(b) | PartType::InlineBinary(b) if html_named => Some(bounded_text(b)),
            _ => None,
        };
        if text.is_some() && part.contents().len() > MAX_PART_TEXT {
            facts.truncated = true;
        }
        let head: Vec<u8> = part.contents().iter().take(16).copied().collect();
        let index = facts.parts.len();
        let place = if attachment {
            Place::Attachment(index)
        } else {
            Place::Body
        };
        let mut p = Part {
            name,
            mime: mime.clone(),
            attachment,
            html: None,
            head,
            text_lower: String::new(),
            json: None,
        };
        if mime.ends_with("+json") || mime.ends_with("/json") {
            let c = part.contents();
            p.json = Some(c.get(..MAX_JSON).unwrap_or(c).to_vec());
        }
        if let Some(text) = text {
            let is_html = mime == "text/html" || html_named;
            if is_html {
                let h = html::scan(&text);
                facts.truncated |= h.truncated;
                add_html_links(&mut facts, &h, place);
                push_wording(&mut facts.wording, &h.title);
                push_wording(&mut facts.wording, &h.text);
                p.html = Some(h);
            } else if !attachment {
                let room = MAX_LINKS.saturating_sub(facts.links.len());
                let (urls, more) = links::text_urls(&text, room);
                facts.truncated |= more;
                for (url, label) in urls {
                    facts
                        .links
                        .push(Link::new(&url, LinkKind::Text, place, &label, None));
                }
                push_wording(&mut facts.wording, &text);
            }
            p.text_lower = text.to_lowercase();
        }
        facts.parts.push(p);
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfolds_header_values() {
        assert_eq!(unfold("a\r\n b\r\n\tc"), "a b c");
    }

    #[test]
    fn gathers_parts_links_and_wording() {
        let raw = b"From: A <a@mail.example.co.uk>\r\nSubject: Hi\r\nMessage-ID: <x@y>\r\n\
Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n\
Read it: https://portal.example/r?id=1\r\n--B\r\nContent-Type: application/octet-stream\r\n\
Content-Disposition: attachment; filename=\"page.html\"\r\n\r\n<form action=/post></form>\r\n--B--\r\n";
        let f = gather(raw);
        assert_eq!(f.from_domain.as_deref(), Some("example.co.uk"));
        assert_eq!(f.message_id.as_deref(), Some("x@y"));
        assert_eq!(f.boundary.as_deref(), Some("B"));
        assert_eq!(f.parts.len(), 2);
        assert!(f.parts[1].attachment && f.parts[1].html.is_some());
        assert_eq!(f.links[0].href, "https://portal.example/r?id=1");
        assert_eq!(f.links[0].label, "read it:");
        assert_eq!(f.links[1].kind, LinkKind::Form);
        assert_eq!(f.links[1].place, Place::Attachment(1));
        assert!(f.says("read it"));
    }

    #[test]
    fn garbage_gives_empty_facts() {
        let f = gather(b"\xff\xfe\x00garbage");
        assert!(f.links.is_empty());
    }
}
