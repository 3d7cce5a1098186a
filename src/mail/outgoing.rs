//! A message the user wrote, as the composer hands it to sending: addresses as typed, the
//! text in zeroizing memory, attachments read whole. No ratatui, no network crates.

use zeroize::Zeroizing;

/// One message to send (or to keep as a draft).
#[derive(Clone, Default)]
pub struct Outgoing {
    /// `Name <user@example.com>` or a bare address.
    pub from: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// Sent to, never shown to the others; kept in the copy in Sent.
    pub bcc: Vec<String>,
    pub subject: String,
    pub body: Zeroizing<String>,
    pub attachments: Vec<OutgoingAttachment>,
    /// The `Message-ID` of the message answered, with its angle brackets.
    pub in_reply_to: Option<String>,
    /// The thread's `Message-ID`s, oldest first, with their angle brackets.
    pub references: Vec<String>,
    /// Sealed before it is sent, and how.
    pub seal: Option<Sealing>,
    /// Signed, or signed and encrypted, with S/MIME or OpenPGP before it is sent (its Sent
    /// copy too).
    pub protect: Option<Protect>,
}

/// How a message is signed or encrypted on its way out, and the engine that does it.
#[derive(Clone)]
pub struct Protect {
    /// The standard's name, for errors ("OpenPGP").
    pub label: &'static str,
    /// Encrypted to every recipient and the sender, besides signed.
    pub encrypt: bool,
    pub engine: std::sync::Arc<dyn Protector>,
}

impl std::fmt::Debug for Protect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Protect")
            .field("label", &self.label)
            .field("encrypt", &self.encrypt)
            .finish()
    }
}

/// Signs or encrypts a MIME entity: implemented where the keys are (`crypto`), called where
/// the message is built (`submit`).
pub trait Protector: Send + Sync {
    /// `entity` (its content header fields and body, CRLF line ends) signed by `signer`, and
    /// encrypted to `recipients` and the signer when `encrypt`: the new content.
    fn wrap(
        &self,
        entity: &[u8],
        signer: &str,
        recipients: &[String],
        encrypt: bool,
    ) -> Result<Wrapped, String>;
}

/// A protected entity: its `Content-Type` field value (and any further content fields, each
/// on a line of its own after it), and its body.
pub struct Wrapped {
    pub content_type: String,
    pub body: Vec<u8>,
}

/// How a message is sealed on its way out (its Sent copy is the sealed message).
#[derive(Clone, Debug)]
pub enum Sealing {
    /// A reply to a sealed message, for its participants, with the session that opened it.
    Reply(Box<crate::sealed::reply::ReplyTicket>),
    /// A new sealed message, registered with the account's sender token.
    AsSender(Box<crate::sealed::sender::SenderSeal>),
}

impl std::fmt::Debug for Outgoing {
    /// Addresses and text stay out of logs and panics.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outgoing")
            .field("recipients", &self.recipient_count())
            .field("attachments", &self.attachments.len())
            .field("sealed", &self.seal.is_some())
            .field("protect", &self.protect)
            .field("body", &"[redacted]")
            .finish()
    }
}

impl Outgoing {
    /// To, Cc and Bcc together.
    pub fn recipients(&self) -> impl Iterator<Item = &str> {
        self.to
            .iter()
            .chain(&self.cc)
            .chain(&self.bcc)
            .map(String::as_str)
    }

    pub fn recipient_count(&self) -> usize {
        self.to.len() + self.cc.len() + self.bcc.len()
    }
}

/// The content type a file's name suggests (`application/octet-stream` when it says none).
pub fn content_type_for(name: &str) -> &'static str {
    let extension = name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "txt" | "text" | "log" | "md" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "html" | "htm" => "text/html; charset=utf-8",
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "zip" => "application/zip",
        "gz" => "application/gzip",
        "json" => "application/json",
        "ics" => "text/calendar; charset=utf-8",
        "eml" => "message/rfc822",
        "odt" => "application/vnd.oasis.opendocument.text",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    }
}

/// A file attached to an [`Outgoing`] message.
#[derive(Clone)]
pub struct OutgoingAttachment {
    /// The name the recipient sees (any Unicode; encoded as RFC 2231 says).
    pub name: String,
    /// `type/subtype`; `application/octet-stream` when unknown.
    pub content_type: String,
    pub bytes: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for OutgoingAttachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutgoingAttachment")
            .field("content_type", &self.content_type)
            .field("size", &self.bytes.len())
            .finish()
    }
}
