//! A message-list row from raw bytes, for sources without a server-side envelope (Maildir).

use super::{address, attachments, date_of, parser, subject_of};
use crate::mail::Row;
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
        // The same cheap facts IMAP gives with its envelopes, so that both sources mark alike.
        portal: detect::classify_cheap(&detect::cheap_signals_from_raw(raw)),
    }
}
