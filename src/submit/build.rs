//! An [`Outgoing`] message as RFC 5322 bytes (lettre's builder): UTF-8 text, RFC 2047 headers,
//! RFC 2231 attachment names, `MIME-Version`, `Date`, and a `Message-ID` on the sender's
//! domain; with the envelope it is sent with. No terminal crates.

use std::time::SystemTime;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use rand::RngCore;
use zeroize::Zeroizing;

use crate::mail::outgoing::Outgoing;

/// A message ready to go: the bytes sent (no `Bcc`), the bytes kept in Sent (with `Bcc`),
/// and the envelope.
pub struct Built {
    pub message_id: String,
    pub sent: Zeroizing<Vec<u8>>,
    pub sent_copy: Zeroizing<Vec<u8>>,
    pub envelope_from: lettre::Address,
    pub recipients: Vec<lettre::Address>,
}

impl std::fmt::Debug for Built {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Built")
            .field("size", &self.sent.len())
            .field("recipients", &self.recipients.len())
            .finish()
    }
}

/// Why a message cannot be built. It names the field, and quotes what the user typed (it is
/// shown to the user only, never logged).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("{field}: \"{text}\" is not an address")]
    Address { field: &'static str, text: String },
    #[error("the message has no recipient")]
    NoRecipient,
    #[error("from: give one address")]
    NoSender,
    #[error("{name}: {why}")]
    Attachment { name: String, why: String },
    #[error("the message cannot be built: {0}")]
    Mime(String),
}

/// Builds `message` as of `now`.
pub fn build(message: &Outgoing, now: SystemTime) -> Result<Built, BuildError> {
    build_checked(message, now, true)
}

/// Builds a message to keep as a draft: it may have no recipient yet.
pub fn build_draft(message: &Outgoing, now: SystemTime) -> Result<Built, BuildError> {
    build_checked(message, now, false)
}

fn build_checked(
    message: &Outgoing,
    now: SystemTime,
    need_recipient: bool,
) -> Result<Built, BuildError> {
    let from = mailbox("from", &message.from).map_err(|e| match &e {
        BuildError::Address { text, .. } if text.is_empty() => BuildError::NoSender,
        _ => e,
    })?;
    let to = mailboxes("to", &message.to)?;
    let cc = mailboxes("cc", &message.cc)?;
    let bcc = mailboxes("bcc", &message.bcc)?;
    if need_recipient && to.is_empty() && cc.is_empty() && bcc.is_empty() {
        return Err(BuildError::NoRecipient);
    }
    let message_id = new_message_id(from.email.domain());
    let mut builder = lettre::Message::builder()
        .from(from.clone())
        .subject(message.subject.clone())
        .date(now)
        .message_id(Some(message_id.clone()))
        .user_agent(concat!("sealmail/", env!("CARGO_PKG_VERSION")).to_owned());
    for mbox in &to {
        builder = builder.to(mbox.clone());
    }
    for mbox in &cc {
        builder = builder.cc(mbox.clone());
    }
    for mbox in &bcc {
        builder = builder.bcc(mbox.clone());
    }
    if let Some(id) = &message.in_reply_to {
        builder = builder.in_reply_to(id.clone());
    }
    if !message.references.is_empty() {
        builder = builder.references(message.references.join(" "));
    }
    let recipients: Vec<lettre::Address> = to
        .iter()
        .chain(&cc)
        .chain(&bcc)
        .map(|m| m.email.clone())
        .collect();
    // A draft without recipients is addressed to its sender (the envelope is never used).
    let envelope_to = if recipients.is_empty() {
        vec![from.email.clone()]
    } else {
        recipients.clone()
    };
    let envelope = lettre::address::Envelope::new(Some(from.email.clone()), envelope_to)
        .map_err(|e| BuildError::Mime(e.to_string()))?;
    let body = body_part(message)?;
    let finish = |builder: lettre::message::MessageBuilder| {
        let built = match &body {
            Body::Single(part) => builder.singlepart(part.clone()),
            Body::Mixed(parts) => builder.multipart(parts.clone()),
        };
        built
            .map(|m| Zeroizing::new(m.formatted()))
            .map_err(|e| BuildError::Mime(e.to_string()))
    };
    let builder = builder.envelope(envelope);
    let sent_copy = finish(builder.clone().keep_bcc())?;
    let sent = finish(builder)?;
    Ok(Built {
        message_id,
        sent,
        sent_copy,
        envelope_from: from.email,
        recipients,
    })
}

enum Body {
    Single(SinglePart),
    Mixed(MultiPart),
}

fn body_part(message: &Outgoing) -> Result<Body, BuildError> {
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(message.body.as_str().to_owned());
    if message.attachments.is_empty() {
        return Ok(Body::Single(text));
    }
    let mut mixed = MultiPart::mixed().singlepart(text);
    for file in &message.attachments {
        let content_type =
            ContentType::parse(&file.content_type).map_err(|e| BuildError::Attachment {
                name: file.name.clone(),
                why: format!("content type: {e}"),
            })?;
        let part = if file.content_type.starts_with("message/rfc822") {
            attached_message(file.name.clone(), file.bytes.to_vec(), content_type)
        } else {
            Attachment::new(file.name.clone()).body(file.bytes.to_vec(), content_type)
        };
        mixed = mixed.singlepart(part);
    }
    Ok(Body::Mixed(mixed))
}

/// A message attached whole: 7bit or 8bit as it is, never base64 (RFC 2046 5.2.1 allows only
/// 7bit, 8bit or binary for `message/rfc822`); lettre's own choice is kept only for bytes that
/// neither fits (lines over 998 octets).
fn attached_message(name: String, bytes: Vec<u8>, content_type: ContentType) -> SinglePart {
    use lettre::message::header::{ContentDisposition, ContentTransferEncoding};
    let encoding = if bytes.is_ascii() {
        ContentTransferEncoding::SevenBit
    } else {
        ContentTransferEncoding::EightBit
    };
    // lettre takes 8bit only for text it knows is UTF-8.
    let body = match String::from_utf8(bytes) {
        Ok(text) => lettre::message::Body::new_with_encoding(text, encoding),
        Err(e) => lettre::message::Body::new_with_encoding(e.into_bytes(), encoding),
    };
    match body {
        Ok(body) => SinglePart::builder()
            .header(content_type)
            .header(ContentDisposition::attachment(&name))
            .body(body),
        Err(bytes) => Attachment::new(name).body(bytes, content_type),
    }
}

fn mailbox(field: &'static str, text: &str) -> Result<Mailbox, BuildError> {
    text.trim()
        .parse::<Mailbox>()
        .map_err(|_| BuildError::Address {
            field,
            text: crate::sanitize::line(text.trim()).into_owned(),
        })
}

fn mailboxes(field: &'static str, texts: &[String]) -> Result<Vec<Mailbox>, BuildError> {
    texts
        .iter()
        .filter(|t| !t.trim().is_empty())
        .map(|t| mailbox(field, t))
        .collect()
}

/// `<random@domain>`: 128 random bits, so that no two messages share one.
fn new_message_id(domain: &str) -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("<{id}@{domain}>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::outgoing::OutgoingAttachment;
    use mail_parser::MimeHeaders;

    fn parsed(raw: &[u8]) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(raw)
            .expect("a message")
    }

    fn sample() -> Outgoing {
        Outgoing {
            from: "Zoë Ånström <zoe@example.test>".into(),
            to: vec!["bob@example.test".into()],
            cc: vec!["Carol <carol@example.test>".into()],
            bcc: vec!["dave@example.test".into()],
            subject: "Grüße aus Köln — ☕".into(),
            body: Zeroizing::new("Hallo Bob,\n\nça va? 日本語\n".into()),
            attachments: vec![OutgoingAttachment {
                name: "Bericht für Zoë.pdf".into(),
                content_type: "application/pdf".into(),
                bytes: Zeroizing::new(b"%PDF-1.4 not really".to_vec()),
            }],
            in_reply_to: Some("<first@example.test>".into()),
            references: vec!["<root@example.test>".into(), "<first@example.test>".into()],
            seal: None,
            protect: None,
        }
    }

    #[test]
    fn a_message_reads_back_as_written() {
        let built = build(&sample(), SystemTime::UNIX_EPOCH).unwrap();
        let raw = built.sent.as_slice();
        assert!(raw.is_ascii(), "headers and parts are encoded");
        let text = String::from_utf8_lossy(raw);
        assert!(text.contains("MIME-Version: 1.0"));
        assert!(text.contains("Subject: =?utf-8?"), "RFC 2047: {text}");
        assert!(text.contains("filename*"), "RFC 2231: {text}");
        assert!(!text.contains("dave@"), "no Bcc in what is sent");
        let msg = parsed(raw);
        assert_eq!(msg.subject(), Some("Grüße aus Köln — ☕"));
        assert_eq!(
            msg.from().unwrap().first().unwrap().name(),
            Some("Zoë Ånström")
        );
        // Text lines end in CRLF on the wire.
        assert_eq!(
            msg.body_text(0).unwrap().replace("\r\n", "\n"),
            "Hallo Bob,\n\nça va? 日本語\n"
        );
        assert_eq!(
            msg.attachment(0).unwrap().attachment_name(),
            Some("Bericht für Zoë.pdf")
        );
        assert_eq!(msg.in_reply_to().as_text(), Some("first@example.test"));
        assert_eq!(
            msg.references().as_text_list().unwrap(),
            vec!["root@example.test", "first@example.test"]
        );
        assert_eq!(msg.date().unwrap().to_timestamp(), 0);
        let id = msg.message_id().unwrap();
        assert!(id.ends_with("@example.test") && id.len() > 40, "{id}");
        assert_eq!(format!("<{id}>"), built.message_id);
        assert_eq!(built.recipients.len(), 3, "Bcc is in the envelope");
        let copy = String::from_utf8_lossy(&built.sent_copy);
        assert!(copy.contains("dave@example.test"), "Sent keeps Bcc");
    }

    #[test]
    fn an_attached_message_is_not_base64() {
        let mut m = sample();
        m.attachments = vec![OutgoingAttachment {
            name: "fwd.eml".into(),
            content_type: "message/rfc822".into(),
            bytes: Zeroizing::new("Subject: x\r\n\r\nbödy\r\n".as_bytes().to_vec()),
        }];
        let built = build(&m, SystemTime::UNIX_EPOCH).unwrap();
        let text = String::from_utf8_lossy(&built.sent);
        let part = text
            .split("Content-Type: message/rfc822")
            .nth(1)
            .expect("the part");
        let head = part.split("\r\n\r\n").next().unwrap_or_default();
        // RFC 2046 5.2.1: 7bit, 8bit or binary only.
        assert!(
            !head.contains("base64") && !head.contains("quoted-printable"),
            "{head}"
        );
        assert!(part.contains("Subject: x\r\n\r\nbödy"), "{part}");
        assert!(head.contains("8bit"), "{head}");
    }

    #[test]
    fn message_ids_differ() {
        let a = build(&sample(), SystemTime::now()).unwrap();
        let b = build(&sample(), SystemTime::now()).unwrap();
        assert_ne!(a.message_id, b.message_id);
    }

    #[test]
    fn bad_addresses_name_their_field() {
        let mut m = sample();
        m.cc = vec!["carol at example".into()];
        assert_eq!(
            build(&m, SystemTime::now()).unwrap_err().to_string(),
            "cc: \"carol at example\" is not an address"
        );
        let mut m = sample();
        m.to.clear();
        m.cc.clear();
        m.bcc = vec!["  ".into()];
        assert_eq!(
            build(&m, SystemTime::now()).unwrap_err(),
            BuildError::NoRecipient
        );
        let mut m = sample();
        m.from = String::new();
        assert_eq!(
            build(&m, SystemTime::now()).unwrap_err(),
            BuildError::NoSender
        );
        let mut m = sample();
        m.to = vec!["evil\u{1b}[2J@example.test".into()];
        let e = build(&m, SystemTime::now()).unwrap_err().to_string();
        assert!(!e.contains('\u{1b}'), "{e:?}");
    }

    #[test]
    fn a_plain_message_is_one_part() {
        let mut m = sample();
        m.attachments.clear();
        let built = build(&m, SystemTime::now()).unwrap();
        let msg = parsed(&built.sent);
        assert_eq!(msg.attachment_count(), 0);
        assert!(
            msg.content_type()
                .is_some_and(|c| c.ctype() == "text" && c.subtype() == Some("plain"))
        );
    }
}
