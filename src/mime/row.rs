//! A message-list row from raw bytes, for sources without a server-side envelope (Maildir).

use mail_parser::{Message, MimeHeaders};

use super::{address, attachments, date_of, parser, subject_of};
use crate::mail::{CheapSignals, Row};
use crate::portal::detect;

/// Builds a list row from a message's raw bytes (for sources that have no server-side
/// envelope, such as Maildir). `arrival` is used when the Date header is missing.
pub fn row_from_raw(uid: u32, raw: &[u8], arrival: i64) -> Row {
    let size = u32::try_from(raw.len()).unwrap_or(u32::MAX);
    let Some(message) = parser().parse(raw) else {
        return Row {
            uid,
            flags: Default::default(),
            date: arrival,
            from: "".into(),
            subject: "".into(),
            size,
            attachment: false,
            portal: None,
        };
    };
    Row {
        uid,
        flags: Default::default(),
        date: date_of(&message).unwrap_or(arrival),
        from: address::first_name_or_address(message.from()).into(),
        subject: subject_of(&message).into(),
        size,
        attachment: attachments::any(&message),
        portal: detect::classify_cheap(&cheap_signals(&message)),
    }
}

/// What IMAP would give cheaply about this message (BODYSTRUCTURE names and types, a few header
/// fields), built from the parsed message so that Maildir rows get the same portal marks.
pub(super) fn cheap_signals(message: &Message<'_>) -> CheapSignals {
    let parts = message
        .parts
        .iter()
        .filter(|part| {
            part.attachment_name().is_some()
                || part
                    .content_disposition()
                    .is_some_and(|cd| cd.is_attachment())
        })
        .map(|part| {
            let name = part.attachment_name().unwrap_or_default().trim().to_owned();
            (name, attachments::mime_of(part))
        })
        .collect();
    let headers = detect::CHEAP_HEADER_FIELDS
        .iter()
        .filter_map(|&name| {
            let value = message.header_raw(name)?;
            Some((name.to_ascii_lowercase(), unfold(value)))
        })
        .collect();
    CheapSignals {
        parts,
        headers,
        message_id: message.message_id().map(str::to_owned),
        subject: message.subject().map(|s| s.trim().to_owned()),
    }
}

/// A header value on one line: folding white space becomes one space.
fn unfold(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}
