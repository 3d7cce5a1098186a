//! Raw RFC 5322 bytes -> the reader's message view model (headers, body text, attachments,
//! numbered links), with HTML rendered to text and every string sanitised for the terminal.
//! No ratatui, crossterm or tokio here.
//!
//! Decoding (MIME structure, transfer encodings, charsets, RFC 2047 words, RFC 2231
//! parameters) is mail-parser's; this module decides what to show and makes it safe.
// Input from mail and servers: every path is total, no slicing or indexing that can panic.
#![deny(clippy::string_slice, clippy::indexing_slicing)]

mod address;
mod attachments;
mod body;
mod html;
mod html_depth;
mod links;
mod repair;
mod reply_facts;
mod search_text;
mod sections;
pub mod split;
mod summary;

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod hostile_tests;
#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests;

use mail_parser::{Message, MessageParser};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{Error, ErrorKind};
use crate::sanitize::{self, Clean};

pub use attachments::declared_type;
pub use reply_facts::{Correspondent, ReplyFacts};
pub use search_text::{SearchText, search_text};
pub use sections::Skipped;
pub use summary::{Summary, summary};

/// An attachment as the pane lists it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Attachment {
    /// The file name (RFC 2231 and RFC 2047 decoded). Parts of a forwarded message are prefixed
    /// with `↳ ` once per level of nesting; a forwarded message itself is named by its subject.
    pub name: Clean,
    /// The lowercase MIME type, e.g. `application/pdf`.
    pub mime: Clean,
    /// The decoded size in bytes (for a part not downloaded, its size on the server).
    pub size: usize,
    /// The part's section number as IMAP numbers it ("2", "3.1"; RFC 3501 6.4.5), by which
    /// it can be fetched on its own (`imap::fetch_part`); empty when it cannot be numbered.
    pub section: String,
}

/// A parsed message, ready to show: its text is `Clean`. It may hold decrypted text, so
/// it is wiped when dropped.
#[derive(Clone, Debug, Default, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct MessageView {
    pub from: Clean,
    pub to: Clean,
    pub cc: Clean,
    /// Unix seconds from the Date header.
    pub date: Option<i64>,
    pub subject: Clean,
    /// The body as lines of text: text/plain preferred, else text/html rendered to text.
    /// Links carry their number as a `[n]` marker; forwarded messages follow, each under a
    /// separator line with its own headers.
    pub body: Vec<Clean>,
    pub attachments: Vec<Attachment>,
    /// The links of the body, numbered from 1 in the order shown.
    pub links: Vec<Clean>,
    /// What a reply or forward is built from (ids, correspondents).
    pub reply: ReplyFacts,
}

/// Forwarded messages inside forwarded messages are shown down to this depth, no deeper.
const MAX_NESTING: usize = 4;

/// The parser every caller uses: mail-parser with its default header handling.
fn parser() -> MessageParser {
    MessageParser::default()
}

/// Messages larger than this are not parsed beyond their header: the pane shows the header
/// and says how large the message is. Everything up to it opens within the reader's budget
/// (see docs/performance.md).
pub const MAX_DISPLAY_BYTES: usize = 32 * 1024 * 1024;

/// The attachments of a whole message, in the order of [`MessageView::attachments`], with
/// their decoded contents: (the name the message gives, unsanitised; the bytes). For saving
/// them: the names are not fit for a file system as they are.
pub fn attachment_contents(raw: &[u8]) -> Result<Vec<(String, Vec<u8>)>, Error> {
    let message = parser()
        .parse(raw)
        .ok_or_else(|| Error::new(ErrorKind::Parse, "the message cannot be read"))?;
    Ok(attachments::contents(&message))
}

/// Parses a whole message (only its header when it is larger than [`MAX_DISPLAY_BYTES`]).
pub fn parse(raw: &[u8]) -> Result<MessageView, Error> {
    parse_partial(raw, &Skipped::default())
}

/// Parses a message some of whose parts were not downloaded: they are in `raw` with their
/// headers and an empty body, and the attachment list gives them the sizes in `skipped`.
/// [`MAX_DISPLAY_BYTES`] applies to what was downloaded.
pub fn parse_partial(raw: &[u8], skipped: &Skipped) -> Result<MessageView, Error> {
    if raw.len() > MAX_DISPLAY_BYTES {
        return header_only(raw);
    }
    let no_headers = || {
        Error::new(ErrorKind::Parse, "this message has no headers to read")
            .with_details(format!("{} bytes", raw.len()))
    };
    let mut message = parser().parse(raw).ok_or_else(no_headers)?;
    // An attached message whose header runs into the next boundary swallows its siblings;
    // with the header closed there, the parts are the ones a server lists.
    let repaired;
    if has_attached_message(&message)
        && let Some(fixed) = repair::close_headers(raw)
    {
        repaired = fixed;
        message = parser().parse(&repaired).ok_or_else(no_headers)?;
    }
    Ok(view_of(&message, skipped))
}

fn has_attached_message(message: &Message<'_>) -> bool {
    message
        .parts
        .iter()
        .any(|p| matches!(p.body, mail_parser::PartType::Message(_)))
}

/// The view of a message too large to display: its header and a line that says so.
fn header_only(raw: &[u8]) -> Result<MessageView, Error> {
    let megabytes = raw.len() as f64 / (1024.0 * 1024.0);
    header_view(
        raw,
        &format!(
            "[this message is too large to display here: {megabytes:.1} MB; \
             the limit is {} MB]",
            MAX_DISPLAY_BYTES / (1024 * 1024)
        ),
    )
}

/// The view of a message whose content is ciphertext: its header, and `note` for a body
/// (reading the content through would decode what only a key makes readable).
pub fn parse_envelope(raw: &[u8], note: &str) -> Result<MessageView, Error> {
    header_view(raw, note)
}

fn header_view(raw: &[u8], note: &str) -> Result<MessageView, Error> {
    let message = parser().parse_headers(raw).ok_or_else(|| {
        Error::new(ErrorKind::Parse, "this message has no headers to read")
            .with_details(format!("{} bytes", raw.len()))
    })?;
    Ok(MessageView {
        from: Clean::line(&address::list(message.from())),
        to: Clean::line(&address::list(message.to())),
        cc: Clean::line(&address::list(message.cc())),
        date: date_of(&message),
        subject: Clean::line(&subject_of(&message)),
        body: vec![Clean::line(note)],
        attachments: Vec::new(),
        links: Vec::new(),
        reply: reply_facts::of(&message),
    })
}

fn view_of(message: &Message<'_>, skipped: &Skipped) -> MessageView {
    let mut links = links::LinkList::default();
    let mut body_lines = Vec::new();
    body::render(
        message,
        &mut body_lines,
        &mut links,
        &mut html::LayoutBudget::default(),
        0,
    );
    // The body's lines, addresses and subject are sanitised as they are made; `Clean` marks
    // them so (sanitising twice changes nothing).
    MessageView {
        from: Clean::line(&address::list(message.from())),
        to: Clean::line(&address::list(message.to())),
        cc: Clean::line(&address::list(message.cc())),
        date: date_of(message),
        subject: Clean::line(&subject_of(message)),
        body: body_lines.iter().map(|line| Clean::line(line)).collect(),
        attachments: attachments::list(message, skipped),
        links: links
            .into_vec()
            .iter()
            .map(|link| Clean::line(link))
            .collect(),
        reply: reply_facts::of(message),
    }
}

/// The Date header as Unix seconds, when it is present and a real date.
fn date_of(message: &Message<'_>) -> Option<i64> {
    message
        .date()
        .filter(|d| d.is_valid())
        .map(|d| d.to_timestamp())
}

/// The decoded, sanitised subject (empty when there is none).
fn subject_of(message: &Message<'_>) -> String {
    message
        .subject()
        .map(|s| sanitize::line(s.trim()).into_owned())
        .unwrap_or_default()
}
