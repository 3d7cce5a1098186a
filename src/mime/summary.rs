//! What the message list shows of a message, from its raw bytes, for sources without a
//! server-side envelope (Maildir): the sender, the subject, the date and whether it has
//! attachments. `mail::row_from_raw` makes the list row from it.

use super::{address, attachments, date_of, parser, subject_of};

/// A message's list facts. Text fields are sanitised for the terminal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// The sender's display name, else the address.
    pub from: String,
    pub subject: String,
    /// Unix seconds of the Date header, when it has one that parses.
    pub date: Option<i64>,
    pub attachment: bool,
}

/// The list facts of a message; `None` when nothing in the bytes parses as a message.
pub fn summary(raw: &[u8]) -> Option<Summary> {
    let message = parser().parse(raw)?;
    Some(Summary {
        from: address::first_name_or_address(message.from()),
        subject: subject_of(&message),
        date: date_of(&message),
        attachment: attachments::any(&message),
    })
}
