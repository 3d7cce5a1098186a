//! Raw RFC 5322 bytes -> the reader's message view model (headers, body text, attachments,
//! numbered links), with HTML rendered to text and every string sanitised for the terminal.
//! No ratatui, crossterm or tokio here.

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::Error;
use crate::mail::Row;

/// An attachment as the pane lists it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Attachment {
    pub name: String,
    pub mime: String,
    pub size: usize,
}

/// A parsed message, ready to show. Every string is sanitised. It may hold decrypted text, so
/// it is wiped when dropped.
#[derive(Clone, Debug, Default, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct MessageView {
    pub from: String,
    pub to: String,
    pub cc: String,
    /// Unix seconds from the Date header.
    pub date: Option<i64>,
    pub subject: String,
    /// The body as lines of text: text/plain preferred, else text/html rendered to text.
    pub body: Vec<String>,
    pub attachments: Vec<Attachment>,
    /// The links of the body, numbered from 1 in the order shown.
    pub links: Vec<String>,
}

/// Parses a whole message.
pub fn parse(raw: &[u8]) -> Result<MessageView, Error> {
    let _ = raw;
    Err(Error::new(
        crate::error::ErrorKind::Parse,
        "message parsing is not built yet",
    ))
}

/// Builds a list row from a message's raw bytes (for sources that have no server-side
/// envelope, such as Maildir). `arrival` is used when the Date header is missing.
pub fn row_from_raw(uid: u32, raw: &[u8], arrival: i64) -> Row {
    let _ = raw;
    Row {
        uid,
        flags: Default::default(),
        date: arrival,
        from: "".into(),
        subject: "".into(),
        size: 0,
        attachment: false,
        portal: None,
    }
}
