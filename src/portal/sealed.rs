//! The sealed message: an ordinary RFC 5322 message with a `Sealed-Message` header, a human
//! notice, and the envelope as an `application/vnd.sealed-message+json` attachment. Builds one
//! from an inner message, and finds the envelope in a raw message (mail-parser).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use mail_parser::{MessageParser, MimeHeaders};

use super::envelope::{self, Envelope, EnvelopeError};
use super::fields;

/// Name of the header that marks a sealed message.
pub const HEADER: &str = "Sealed-Message";
/// File name of the envelope attachment.
pub const FILENAME: &str = "message.sealed";

/// The parameters of a `Sealed-Message: v=1; portal=<origin>; id=<id>` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedHeader {
    pub portal: String,
    pub id: String,
}

impl SealedHeader {
    /// Parses the header's value (unfolded or not; parameters in any order).
    pub fn parse(value: &str) -> Result<Self, EnvelopeError> {
        let unfolded: String = value.split(['\r', '\n']).collect::<Vec<_>>().join("");
        let (mut v, mut portal, mut id) = (None, None, None);
        for param in unfolded.split(';') {
            let param = param.trim();
            if param.is_empty() {
                continue;
            }
            let (name, val) = param.split_once('=').ok_or_else(|| {
                EnvelopeError::Malformed("Sealed-Message header: expected name=value".into())
            })?;
            let slot = match name.trim().to_ascii_lowercase().as_str() {
                "v" => &mut v,
                "portal" => &mut portal,
                "id" => &mut id,
                _ => continue,
            };
            if slot.replace(val.trim().to_owned()).is_some() {
                return Err(EnvelopeError::Malformed(
                    "Sealed-Message header: a parameter appears twice".into(),
                ));
            }
        }
        if v.as_deref() != Some("1") {
            return Err(EnvelopeError::Malformed(
                "Sealed-Message header: only v=1 is known".into(),
            ));
        }
        let portal = portal
            .ok_or_else(|| EnvelopeError::Malformed("Sealed-Message header: no portal".into()))?;
        let id =
            id.ok_or_else(|| EnvelopeError::Malformed("Sealed-Message header: no id".into()))?;
        fields::check_origin(&portal)
            .map_err(|e| EnvelopeError::Malformed(format!("Sealed-Message header: {e}")))?;
        if !fields::is_valid_id(&id) {
            return Err(EnvelopeError::Malformed(
                "Sealed-Message header: the id is not 22 characters of base64url".into(),
            ));
        }
        Ok(Self { portal, id })
    }

    pub fn to_value(&self) -> String {
        format!("v=1; portal={}; id={}", self.portal, self.id)
    }
}

/// Where the envelope was found, and whether the header agrees with it.
#[derive(Debug, Clone)]
pub struct Found {
    pub envelope: Envelope,
    /// The `Sealed-Message` header, when the message has one.
    pub header: Option<SealedHeader>,
}

/// Why no usable envelope could be taken from a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FindError {
    /// The message has no `Sealed-Message` header and no envelope part: not a sealed message.
    #[error("not a sealed message")]
    NotSealed,
    /// It claims to be sealed but its envelope is missing or broken.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
}

/// Finds and parses the envelope of a raw RFC 5322 message. The `Sealed-Message` header, when
/// present, must name the same portal and id as the envelope.
pub fn find_envelope(raw: &[u8]) -> Result<Found, FindError> {
    if let Some(found) = fast::find(raw) {
        return found;
    }
    let message = MessageParser::default()
        .parse(raw)
        .ok_or(FindError::NotSealed)?;
    find_envelope_in(&message)
}

/// [`find_envelope`] for a message the caller has already parsed (the reader parses every
/// message it shows, so a sealed one is not parsed twice).
pub fn find_envelope_in(message: &mail_parser::Message<'_>) -> Result<Found, FindError> {
    let header = message
        .header_raw(HEADER)
        .map(SealedHeader::parse)
        .transpose()?;
    let part = message.parts.iter().find(|part| {
        part.content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("application")
                && ct
                    .subtype()
                    .is_some_and(|s| s.eq_ignore_ascii_case("vnd.sealed-message+json"))
        })
    });
    let Some(part) = part else {
        return Err(match header {
            Some(_) => FindError::Envelope(EnvelopeError::Malformed(
                "the message has a Sealed-Message header but no envelope part".into(),
            )),
            None => FindError::NotSealed,
        });
    };
    let envelope = Envelope::parse(part.contents())?;
    check_header(header.as_ref(), &envelope)?;
    Ok(Found { envelope, header })
}

/// A fast path for large sealed mail: mail-parser reads only the header blocks, and only the
/// envelope part's body is decoded, instead of every part of the message. It answers only when
/// the message has the common shape (a `Sealed-Message` header, a top-level multipart whose
/// first `application/vnd.sealed-message+json` part is a direct child in base64); anything else
/// goes to the full parse, which decides.
mod fast {
    use base64::Engine as _;
    use mail_parser::{MessageParser, MimeHeaders};

    use super::{FindError, Found, HEADER, SealedHeader, check_header};
    use crate::portal::envelope::Envelope;

    const MEDIA: &[u8] = b"application/vnd.sealed-message+json";

    pub(super) fn find(raw: &[u8]) -> Option<Result<Found, FindError>> {
        let top = MessageParser::default().parse_headers(raw)?;
        let header = match SealedHeader::parse(top.header_raw(HEADER)?) {
            Ok(h) => h,
            Err(e) => return Some(Err(e.into())),
        };
        let ct = top.content_type()?;
        if !ct.ctype().eq_ignore_ascii_case("multipart") {
            return None;
        }
        let delimiter = format!("--{}", ct.attribute("boundary")?);
        let body_start = header_end(raw)?;
        // The first mention of the media type anywhere; no envelope part can come before it.
        let mention = body_start + find_ascii_ci(&raw[body_start..], MEDIA)?;
        // The top-level delimiter line that opens the part holding it.
        let part_start = line_after(raw, rfind(&raw[..mention], delimiter.as_bytes())?)?;
        let part = &raw[part_start..];
        let part_headers = MessageParser::default().parse_headers(part)?;
        let pct = part_headers.content_type()?;
        let is_envelope = pct.ctype().eq_ignore_ascii_case("application")
            && pct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("vnd.sealed-message+json"));
        let base64 = part_headers
            .header_raw("Content-Transfer-Encoding")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("base64"));
        if !is_envelope || !base64 {
            return None;
        }
        let json = decode_lines(&part[header_end(part)?..], delimiter.as_bytes())?;
        Some(
            Envelope::parse(&json)
                .map_err(FindError::from)
                .and_then(|envelope| {
                    check_header(Some(&header), &envelope)?;
                    Ok(Found {
                        envelope,
                        header: Some(header),
                    })
                }),
        )
    }

    /// Offset just after the blank line that ends a header block.
    fn header_end(bytes: &[u8]) -> Option<usize> {
        let mut pos = 0;
        while pos < bytes.len() {
            let line_end = bytes[pos..].iter().position(|&b| b == b'\n')? + pos + 1;
            let line = &bytes[pos..line_end];
            if line == b"\r\n" || line == b"\n" {
                return Some(line_end);
            }
            pos = line_end;
        }
        None
    }

    /// Base64 lines up to the delimiter line, decoded. Lines are found by their usual length
    /// first (76 characters), by a search otherwise.
    fn decode_lines(body: &[u8], delimiter: &[u8]) -> Option<Vec<u8>> {
        let mut text = Vec::with_capacity(body.len());
        let mut pos = 0;
        loop {
            let rest = body.get(pos..)?;
            let len = if rest.get(76..78) == Some(b"\r\n") {
                78
            } else {
                rest.iter().position(|&b| b == b'\n')? + 1
            };
            let line = &rest[..len];
            let content = line
                .strip_suffix(b"\n")
                .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
                .unwrap_or(line);
            if content.starts_with(delimiter) {
                break;
            }
            // Whitespace inside a line makes the decode below fail: then the full parse decides.
            text.extend_from_slice(content);
            pos += len;
        }
        base64::engine::general_purpose::STANDARD.decode(&text).ok()
    }

    fn find_ascii_ci(haystack: &[u8], needle: &[u8]) -> Option<usize> {
        haystack
            .windows(needle.len())
            .position(|w| w.eq_ignore_ascii_case(needle))
    }

    /// The last occurrence of `needle` that starts a line.
    fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
        haystack
            .windows(needle.len())
            .rposition(|w| w == needle)
            .filter(|&i| i == 0 || haystack[i - 1] == b'\n')
    }

    fn line_after(bytes: &[u8], from: usize) -> Option<usize> {
        Some(from + bytes[from..].iter().position(|&b| b == b'\n')? + 1)
    }
}

/// The `Sealed-Message` header, when present, must name the envelope's portal and id.
fn check_header(header: Option<&SealedHeader>, envelope: &Envelope) -> Result<(), FindError> {
    match header {
        Some(h) if h.portal != envelope.header.portal || h.id != envelope.header.id => {
            Err(FindError::Envelope(EnvelopeError::Malformed(
                "the Sealed-Message header names another portal or id than the envelope".into(),
            )))
        }
        _ => Ok(()),
    }
}

/// The headers of the outer message, as the sender chose them (raw values, already encoded).
#[derive(Debug, Clone, Default)]
pub struct OuterHeaders {
    pub from: String,
    pub to: Option<String>,
    pub cc: Option<String>,
    pub date: String,
    pub message_id: String,
    pub subject: Option<String>,
}

/// Builds the sealed RFC 5322 message (CRLF line ends) around an envelope.
pub fn build_message(outer: &OuterHeaders, envelope: &Envelope) -> Vec<u8> {
    let h = &envelope.header;
    let boundary = format!("sealed-{}", fields::new_message_id());
    let alt = format!("alt-{}", fields::new_message_id());
    let mut out = String::with_capacity(envelope.ciphertext_len() * 2 + 4096);
    let mut header = |name: &str, value: &str| {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(value.trim());
        out.push_str("\r\n");
    };
    header("From", &outer.from);
    if let Some(to) = &outer.to {
        header("To", to);
    }
    if let Some(cc) = &outer.cc {
        header("Cc", cc);
    }
    header("Date", &outer.date);
    header("Message-ID", &outer.message_id);
    if let Some(subject) = &outer.subject {
        header("Subject", subject);
    }
    header("MIME-Version", "1.0");
    header(
        HEADER,
        &SealedHeader {
            portal: h.portal.clone(),
            id: h.id.clone(),
        }
        .to_value(),
    );
    header(
        "Content-Type",
        &format!("multipart/mixed; boundary=\"{boundary}\""),
    );
    out.push_str("\r\nThis is a sealed message in MIME format.\r\n");

    out.push_str(&format!("\r\n--{boundary}\r\n"));
    out.push_str(&format!(
        "Content-Type: multipart/alternative; boundary=\"{alt}\"\r\n\r\n"
    ));
    out.push_str(&format!(
        "--{alt}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    ));
    out.push_str(&notice_text(h).replace('\n', "\r\n"));
    out.push_str(&format!(
        "\r\n--{alt}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    ));
    out.push_str(&notice_html(h).replace('\n', "\r\n"));
    out.push_str(&format!("\r\n--{alt}--\r\n"));

    out.push_str(&format!("\r\n--{boundary}\r\n"));
    out.push_str(&format!(
        "Content-Type: {}\r\nContent-Disposition: attachment; filename=\"{FILENAME}\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n",
        envelope::MEDIA_TYPE
    ));
    let encoded = STANDARD.encode(envelope.to_json());
    for line in encoded.as_bytes().chunks(76) {
        // Base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push_str("\r\n");
    }
    out.push_str(&format!("--{boundary}--\r\n"));
    out.into_bytes()
}

fn notice_text(h: &envelope::Header) -> String {
    format!(
        "{from} sent you a sealed message.\n\n\
         Its content is encrypted inside this mail. To read it, open it in a mail reader that\n\
         understands sealed messages (for example sealmail), which asks the portal\n\
         {portal} for the key after you prove that you own your address:\n\
         with a one-time passcode mailed to you, or by signing in with your identity provider.\n\n\
         The portal never sees the message itself.\n\
         Message id: {id}\n",
        from = h.from,
        portal = h.portal,
        id = h.id
    )
}

fn notice_html(h: &envelope::Header) -> String {
    // Every interpolated value passed the format's field rules: no markup characters.
    format!(
        "<!DOCTYPE html>\n<html><body>\n<p><b>{from}</b> sent you a sealed message.</p>\n\
         <p>Its content is encrypted inside this mail. To read it, open it in a mail reader that \
         understands sealed messages (for example sealmail), which asks the portal \
         <code>{portal}</code> for the key after you prove that you own your address: with a \
         one-time passcode mailed to you, or by signing in with your identity provider.</p>\n\
         <p>The portal never sees the message itself.</p>\n<p>Message id: <code>{id}</code></p>\n\
         </body></html>\n",
        from = html_escape(&h.from),
        portal = html_escape(&h.portal),
        id = h.id
    )
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portal::envelope::{ContentKey, Header};

    fn sealed() -> (Envelope, ContentKey) {
        let key = ContentKey::generate();
        let header = Header {
            portal: "http://127.0.0.1:8080".into(),
            id: fields::new_message_id(),
            from: "sender@example.com".into(),
            to: vec!["a@example.org".into()],
            created: "2026-11-24T10:00:00Z".into(),
        };
        let inner = b"From: sender@example.com\r\nSubject: secret\r\n\r\nHello\r\n";
        (Envelope::seal(header, &key, inner).unwrap(), key)
    }

    fn outer() -> OuterHeaders {
        OuterHeaders {
            from: "Sender <sender@example.com>".into(),
            to: Some("a@example.org".into()),
            cc: None,
            date: "Tue, 24 Nov 2026 10:00:00 +0000".into(),
            message_id: "<x@example.com>".into(),
            subject: Some("Quarterly numbers".into()),
        }
    }

    #[test]
    fn build_then_find() {
        let (envelope, key) = sealed();
        let raw = build_message(&outer(), &envelope);
        let found = find_envelope(&raw).unwrap();
        assert_eq!(found.envelope, envelope);
        assert_eq!(found.header.unwrap().id, envelope.header.id);
        assert!(
            found
                .envelope
                .open(&key)
                .unwrap()
                .expose()
                .ends_with(b"Hello\r\n")
        );
        let parsed = MessageParser::default().parse(&raw).unwrap();
        assert_eq!(parsed.subject(), Some("Quarterly numbers"));
        assert!(parsed.body_text(0).unwrap().contains("sealed message"));
    }

    fn full(raw: &[u8]) -> Result<Found, FindError> {
        find_envelope_in(&MessageParser::default().parse(raw).unwrap())
    }

    #[test]
    fn the_fast_path_agrees_with_the_full_parse() {
        let (envelope, _) = sealed();
        let raw = build_message(&outer(), &envelope);
        let fast = fast::find(&raw)
            .expect("the fast path answers for our own shape")
            .unwrap();
        assert_eq!(fast.envelope, full(&raw).unwrap().envelope);
        // Other writers: LF line ends, other line lengths, lowercase media type.
        let text = String::from_utf8(raw.clone()).unwrap();
        let lf = text.replace("\r\n", "\n");
        assert_eq!(
            fast::find(lf.as_bytes()).unwrap().unwrap().envelope,
            envelope
        );
        let marker = "Content-Transfer-Encoding: base64\r\n\r\n";
        let start = text.find(marker).unwrap() + marker.len();
        let end = start + text[start..].find("--sealed").unwrap();
        let joined: String = text[start..end].split("\r\n").collect();
        let rewrapped: Vec<&str> = joined
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let other = format!(
            "{}{}\r\n{}",
            &text[..start],
            rewrapped.join("\r\n"),
            &text[end..]
        )
        .replace(
            "application/vnd.sealed-message+json",
            "Application/Vnd.Sealed-Message+JSON",
        );
        assert_eq!(
            fast::find(other.as_bytes()).unwrap().unwrap().envelope,
            envelope
        );
        assert_eq!(full(other.as_bytes()).unwrap().envelope, envelope);
        // An envelope nested deeper is left to the full parse.
        let nested = text.replacen(
            "Content-Type: multipart/alternative;",
            "Content-Type: multipart/alternative; x=\"application/vnd.sealed-message+json\";",
            1,
        );
        assert!(fast::find(nested.as_bytes()).is_none());
        assert_eq!(find_envelope(nested.as_bytes()).unwrap().envelope, envelope);
        // Not sealed at all: the fast path does not answer.
        assert!(fast::find(b"From: a@b.c\r\n\r\nhello\r\n").is_none());
    }

    #[test]
    fn header_and_envelope_must_agree() {
        let (envelope, _) = sealed();
        let raw = String::from_utf8(build_message(&outer(), &envelope)).unwrap();
        let other = fields::new_message_id();
        let forged = raw.replacen(
            &format!("id={}", envelope.header.id),
            &format!("id={other}"),
            1,
        );
        assert!(matches!(
            find_envelope(forged.as_bytes()),
            Err(FindError::Envelope(EnvelopeError::Malformed(_)))
        ));
    }

    #[test]
    fn plain_mail_is_not_sealed() {
        let raw = b"From: a@b.c\r\nSubject: hi\r\n\r\nhello\r\n";
        assert_eq!(find_envelope(raw).unwrap_err(), FindError::NotSealed);
        let claims = b"From: a@b.c\r\nSealed-Message: v=1; portal=https://p.example; id=AAECAwQFBgcICQoLDA0ODw\r\n\r\nhello\r\n";
        assert!(matches!(find_envelope(claims), Err(FindError::Envelope(_))));
    }

    #[test]
    fn header_parameters() {
        let h =
            SealedHeader::parse(" v=1; portal=https://p.example;\r\n id=AAECAwQFBgcICQoLDA0ODw")
                .unwrap();
        assert_eq!(h.portal, "https://p.example");
        assert!(
            SealedHeader::parse("v=2; portal=https://p.example; id=AAECAwQFBgcICQoLDA0ODw")
                .is_err()
        );
        assert!(
            SealedHeader::parse("v=1; portal=http://p.example; id=AAECAwQFBgcICQoLDA0ODw").is_err()
        );
    }
}
