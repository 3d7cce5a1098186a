//! The sealed message (version 2): an ordinary RFC 5322 message with a `Sealed-Message` header,
//! a human notice, the envelope as an `application/vnd.sealed-message+json` part and the
//! ciphertext, once, as an `application/vnd.sealed-message.ciphertext` part in MIME's base64.
//! Builds one from an envelope, and finds the envelope in a raw message (mail-parser). Finding
//! is total: any bytes give an envelope or an error.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use mail_parser::{MessageParser, MimeHeaders};

use super::envelope::{self, Envelope, EnvelopeError};
use super::fields;

/// Name of the header that marks a sealed message.
pub const HEADER: &str = "Sealed-Message";
/// File name of the envelope attachment.
pub const FILENAME: &str = "message.sealed";
/// File name of the ciphertext attachment.
pub const CIPHERTEXT_FILENAME: &str = "message.sealed.bin";

/// The parameters of a `Sealed-Message: v=2; portal=<origin>; id=<id>` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedHeader {
    /// 2, or 1 for a message of the first version (recognised, never opened).
    pub version: u64,
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
        if !matches!(v.as_deref(), Some("1" | "2")) {
            return Err(EnvelopeError::Malformed(
                "Sealed-Message header: only v=2 is known".into(),
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
        let version = if v.as_deref() == Some("1") { 1 } else { 2 };
        Ok(Self {
            version,
            portal,
            id,
        })
    }

    pub fn to_value(&self) -> String {
        format!("v={}; portal={}; id={}", self.version, self.portal, self.id)
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
    let is = |part: &&mail_parser::MessagePart<'_>, subtype: &str| {
        part.content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("application")
                && ct
                    .subtype()
                    .is_some_and(|s| s.eq_ignore_ascii_case(subtype))
        })
    };
    let part = message
        .parts
        .iter()
        .find(|part| is(part, "vnd.sealed-message+json"));
    let Some(part) = part else {
        return Err(match header {
            Some(_) => FindError::Envelope(EnvelopeError::Malformed(
                "the message has a Sealed-Message header but no envelope part".into(),
            )),
            None => FindError::NotSealed,
        });
    };
    let json = part.contents();
    let ciphertext = message
        .parts
        .iter()
        .find(|part| is(part, "vnd.sealed-message.ciphertext"));
    let Some(ciphertext) = ciphertext else {
        // A version 1 envelope carries its ciphertext inside: say so rather than "no part".
        return Err(match Envelope::parse(json, Vec::new()) {
            Err(EnvelopeError::Obsolete) => EnvelopeError::Obsolete.into(),
            _ => FindError::Envelope(EnvelopeError::Malformed(
                "the message has an envelope but no ciphertext part".into(),
            )),
        });
    };
    let envelope = Envelope::parse(json, ciphertext.contents().to_vec())?;
    check_header(header.as_ref(), &envelope)?;
    Ok(Found { envelope, header })
}

/// A fast path for large sealed mail: mail-parser reads only the header blocks, and only the
/// envelope and ciphertext parts' bodies are decoded, instead of every part of the message. It
/// answers only when the message has the common shape (a `Sealed-Message` header, a top-level
/// multipart whose envelope and ciphertext parts are direct children in base64); anything else
/// goes to the full parse, which decides. Every index is checked: any bytes are safe here.
mod fast {
    use base64::Engine as _;
    use mail_parser::{MessageParser, MimeHeaders};

    use super::{FindError, Found, HEADER, SealedHeader, check_header};
    use crate::sealed::envelope::Envelope;

    const MEDIA: &[u8] = b"application/vnd.sealed-message+json";
    const CT_MEDIA: &[u8] = b"application/vnd.sealed-message.ciphertext";

    pub(super) fn find(raw: &[u8]) -> Option<Result<Found, FindError>> {
        let top = MessageParser::default().parse_headers(raw)?;
        let header = match SealedHeader::parse(top.header_raw(HEADER)?) {
            // A version 1 message has no ciphertext part: the full parse tells why.
            Ok(h) if h.version != crate::sealed::envelope::VERSION => return None,
            Ok(h) => h,
            Err(e) => return Some(Err(e.into())),
        };
        let ct = top.content_type()?;
        if !ct.ctype().eq_ignore_ascii_case("multipart") {
            return None;
        }
        let delimiter = format!("--{}", ct.attribute("boundary")?);
        let body_start = header_end(raw)?;
        let json = part_body(
            raw,
            body_start,
            delimiter.as_bytes(),
            MEDIA,
            "vnd.sealed-message+json",
        )?;
        let ciphertext = part_body(
            raw,
            body_start,
            delimiter.as_bytes(),
            CT_MEDIA,
            "vnd.sealed-message.ciphertext",
        )?;
        Some(
            Envelope::parse(&json, ciphertext)
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

    /// The decoded body of the top-level part of media type `media` (the first mention of it
    /// after `body_start`), when that part is a direct child in base64.
    fn part_body(
        raw: &[u8],
        body_start: usize,
        delimiter: &[u8],
        media: &[u8],
        subtype: &str,
    ) -> Option<Vec<u8>> {
        // The first mention of the media type anywhere; no such part can come before it.
        let mention = body_start.checked_add(find_ascii_ci(raw.get(body_start..)?, media)?)?;
        // The top-level delimiter line that opens the part holding it.
        let part_start = line_after(raw, rfind(raw.get(..mention)?, delimiter)?)?;
        let part = raw.get(part_start..)?;
        let part_headers = MessageParser::default().parse_headers(part)?;
        let pct = part_headers.content_type()?;
        let is_part = pct.ctype().eq_ignore_ascii_case("application")
            && pct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case(subtype));
        let base64 = part_headers
            .header_raw("Content-Transfer-Encoding")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("base64"));
        if !is_part || !base64 {
            return None;
        }
        decode_lines(part.get(header_end(part)?..)?, delimiter)
    }

    /// Offset just after the blank line that ends a header block.
    fn header_end(bytes: &[u8]) -> Option<usize> {
        let mut pos = 0;
        loop {
            let rest = bytes.get(pos..)?;
            let line_end = rest.iter().position(|&b| b == b'\n')? + 1;
            let line = rest.get(..line_end)?;
            pos += line_end;
            if line == b"\r\n" || line == b"\n" {
                return Some(pos);
            }
        }
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
            let line = rest.get(..len)?;
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
            .filter(|&i| i == 0 || haystack.get(i - 1) == Some(&b'\n'))
    }

    fn line_after(bytes: &[u8], from: usize) -> Option<usize> {
        Some(from + bytes.get(from..)?.iter().position(|&b| b == b'\n')? + 1)
    }
}

/// The `Sealed-Message` header, when present, must name the envelope's portal and id.
fn check_header(header: Option<&SealedHeader>, envelope: &Envelope) -> Result<(), FindError> {
    match header {
        Some(h)
            if h.version != envelope::VERSION
                || h.portal != envelope.header.portal
                || h.id != envelope.header.id =>
        {
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
    /// Threading (a sealed reply's): the message answered and the thread, as in the inner
    /// message. Ids only, never content.
    pub in_reply_to: Option<String>,
    pub references: Option<String>,
}

/// Builds the sealed RFC 5322 message (CRLF line ends) around an envelope.
pub fn build_message(outer: &OuterHeaders, envelope: &Envelope) -> Vec<u8> {
    let h = &envelope.header;
    let boundary = format!("sealed-{}", fields::new_message_id());
    let alt = format!("alt-{}", fields::new_message_id());
    let mut out = String::with_capacity(8192);
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
    if let Some(in_reply_to) = &outer.in_reply_to {
        header("In-Reply-To", in_reply_to);
    }
    if let Some(references) = &outer.references {
        header("References", references);
    }
    if let Some(subject) = &outer.subject {
        header("Subject", subject);
    }
    header("MIME-Version", "1.0");
    header(
        HEADER,
        &SealedHeader {
            version: envelope::VERSION,
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
    let mut out = out.into_bytes();
    push_base64_lines(&mut out, envelope.to_json().as_bytes());
    out.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Type: {}\r\nContent-Disposition: attachment; \
             filename=\"{CIPHERTEXT_FILENAME}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n",
            envelope::CIPHERTEXT_MEDIA_TYPE
        )
        .as_bytes(),
    );
    push_base64_lines(&mut out, envelope.ciphertext());
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    out
}

/// Appends `data` in standard base64, in CRLF-terminated lines of 76 characters (57 bytes).
fn push_base64_lines(out: &mut Vec<u8>, data: &[u8]) {
    const LINE: usize = 57;
    let mut line = [0u8; 76];
    out.reserve(data.len().div_ceil(LINE) * 78);
    for chunk in data.chunks(LINE) {
        // 57 bytes encode to at most 76 characters: the buffer always fits.
        let n = STANDARD.encode_slice(chunk, &mut line).unwrap_or(0);
        out.extend_from_slice(line.get(..n).unwrap_or_default());
        out.extend_from_slice(b"\r\n");
    }
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
    use crate::sealed::envelope::{ContentKey, Header};

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
            date: "Tue, 24 Nov 2026 10:00:00 +0000".into(),
            message_id: "<x@example.com>".into(),
            subject: Some("Quarterly numbers".into()),
            ..OuterHeaders::default()
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
        let claims = b"From: a@b.c\r\nSealed-Message: v=2; portal=https://p.example; id=AAECAwQFBgcICQoLDA0ODw\r\n\r\nhello\r\n";
        assert!(matches!(find_envelope(claims), Err(FindError::Envelope(_))));
    }

    #[test]
    fn header_parameters() {
        let h =
            SealedHeader::parse(" v=2; portal=https://p.example;\r\n id=AAECAwQFBgcICQoLDA0ODw")
                .unwrap();
        assert_eq!(h.portal, "https://p.example");
        assert!(
            SealedHeader::parse("v=3; portal=https://p.example; id=AAECAwQFBgcICQoLDA0ODw")
                .is_err()
        );
        assert!(
            SealedHeader::parse("v=2; portal=http://p.example; id=AAECAwQFBgcICQoLDA0ODw").is_err()
        );
        assert_eq!(
            SealedHeader::parse("v=1; portal=https://p.example; id=AAECAwQFBgcICQoLDA0ODw")
                .map(|h| h.version),
            Ok(1)
        );
    }

    /// The ciphertext travels once, in MIME's base64 only: a sealed mail is at most 1.4 times
    /// the inner message (version 1 carried base64url in JSON in base64: 1.8 times).
    #[test]
    fn the_ciphertext_is_carried_once() {
        let key = ContentKey::generate();
        let header = Header {
            portal: "https://portal.example.com".into(),
            id: fields::new_message_id(),
            from: "sender@example.com".into(),
            to: vec!["a@example.org".into()],
            created: "2026-11-24T10:00:00Z".into(),
        };
        let inner = vec![b'x'; 1 << 20];
        let envelope = Envelope::seal(header, &key, &inner).unwrap();
        let raw = build_message(&outer(), &envelope);
        let ratio = raw.len() as f64 / inner.len() as f64;
        assert!(ratio <= 1.4, "{ratio}");
        assert!(
            envelope.to_json().len() < 1024,
            "the envelope JSON holds no ciphertext"
        );
        let found = find_envelope(&raw).unwrap();
        assert_eq!(found.envelope.open(&key).unwrap().expose(), &inner[..]);
        assert_eq!(full(&raw).unwrap().envelope, envelope);
    }

    /// A version 1 sealed message (ciphertext inside the JSON) is recognised as such; a
    /// version 1 header on a version 2 envelope, or a broken version 1 envelope, is malformed.
    #[test]
    fn a_version_1_message_is_obsolete() {
        let v1 = |json: &str| {
            format!(
                "From: sender@example.com\r\nSealed-Message: v=1; portal=https://portal.example.com; \
                 id=AAECAwQFBgcICQoLDA0ODw\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; \
                 boundary=b\r\n\r\n--b\r\nContent-Type: application/vnd.sealed-message+json\r\n\
                 Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--b--\r\n",
                STANDARD.encode(json)
            )
        };
        let json = crate::sealed::envelope::tests::V1_VECTOR_JSON;
        assert_eq!(
            find_envelope(v1(json).as_bytes()).unwrap_err(),
            FindError::Envelope(EnvelopeError::Obsolete)
        );
        let broken = json.replace("\"nonce\":\"oKGio6Slpqeoqaqr\"", "\"nonce\":\"AA\"");
        assert!(matches!(
            find_envelope(v1(&broken).as_bytes()),
            Err(FindError::Envelope(EnvelopeError::Malformed(_)))
        ));
        let (envelope, _) = sealed();
        let raw = String::from_utf8(build_message(&outer(), &envelope)).unwrap();
        let mixed = raw.replacen("Sealed-Message: v=2;", "Sealed-Message: v=1;", 1);
        assert!(matches!(
            find_envelope(mixed.as_bytes()),
            Err(FindError::Envelope(EnvelopeError::Malformed(_)))
        ));
    }

    /// Finding the envelope is total: truncations and byte flips of a real sealed message, and
    /// hostile shapes, give an error or an envelope, never a panic.
    #[test]
    fn finding_is_total_on_damaged_input() {
        let (envelope, _) = sealed();
        let raw = build_message(&outer(), &envelope);
        for cut in (0..raw.len()).step_by(7) {
            let _ = find_envelope(&raw[..cut]);
        }
        for i in (0..raw.len()).step_by(3) {
            for byte in [0u8, b'\n', b'-', 0xff, 0xc3] {
                let mut bent = raw.clone();
                bent[i] = byte;
                let _ = find_envelope(&bent);
            }
        }
        let hostile: [&[u8]; 6] = [
            b"",
            b"Sealed-Message: v=2; portal=https://p.example; id=AAECAwQFBgcICQoLDA0ODw\r\n\
              Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\napplication/vnd.sealed-message+json",
            b"Sealed-Message: v=2; portal=https://p.example; id=AAECAwQFBgcICQoLDA0ODw\r\n\
              Content-Type: multipart/mixed; boundary=\"\"\r\n\r\napplication/vnd.sealed-message+json\n",
            b"Sealed-Message: \xc3\r\n\r\n",
            b"Sealed-Message: v=2; portal=https://p.example; id=AAECAwQFBgcICQoLDA0ODw\r\n\
              Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: \
              application/vnd.sealed-message+json\r\nContent-Transfer-Encoding: base64\r\n\r\n\
              e30=\r\n--b\r\nContent-Type: application/vnd.sealed-message.ciphertext\r\n\
              Content-Transfer-Encoding: base64\r\n\r\nAAAA",
            b"\n\n\n\r\r\r--",
        ];
        for bytes in hostile {
            assert!(find_envelope(bytes).is_err());
        }
    }
}
