//! A list row's sender and subject, made safe for the terminal, kept in one allocation: a
//! folder of 100,000 messages holds 100,000 of them, and two `String`s per row cost twice the
//! allocations and 32 bytes more per row than one boxed string with the place it splits.

use std::fmt;

use crate::sanitize::{self, Clean};

/// The sender (display name, else address) and the subject of a row, both clean.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct RowText {
    /// The sender followed by the subject.
    text: Box<str>,
    /// Where the subject starts in `text` (a character boundary).
    split: u32,
}

impl RowText {
    /// Sender and subject from mail, made safe as [`sanitize::line`] does.
    pub fn line(from: &str, subject: &str) -> RowText {
        RowText::joined(&sanitize::line(from), &sanitize::line(subject))
    }

    /// Sender and subject already made safe.
    pub fn clean(from: &Clean, subject: &Clean) -> RowText {
        RowText::joined(from, subject)
    }

    fn joined(from: &str, subject: &str) -> RowText {
        // A sender longer than a u32 can say is not something mail can carry to a list
        // row (an IMAP literal's size is a u32); cut it at a boundary all the same.
        let mut cut = from.len().min(u32::MAX as usize);
        while !from.is_char_boundary(cut) {
            cut -= 1;
        }
        let from = from.get(..cut).unwrap_or_default();
        let mut text = String::with_capacity(from.len() + subject.len());
        text.push_str(from);
        text.push_str(subject);
        RowText {
            text: text.into_boxed_str(),
            split: u32::try_from(from.len()).unwrap_or(0),
        }
    }

    pub fn from(&self) -> &str {
        self.text.get(..self.split as usize).unwrap_or_default()
    }

    pub fn subject(&self) -> &str {
        self.text.get(self.split as usize..).unwrap_or_default()
    }

    /// The same sender with another subject, made safe.
    pub fn with_subject(&self, subject: &str) -> RowText {
        RowText::joined(self.from(), &sanitize::line(subject))
    }
}

impl fmt::Debug for RowText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RowText")
            .field("from", &self.from())
            .field("subject", &self.subject())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sender_and_subject_come_back_apart_and_clean() {
        let text = RowText::line("Jürgen \u{1b}[31m", "Grüße 見積\u{202e}");
        assert_eq!(text.from(), sanitize::line("Jürgen \u{1b}[31m"));
        assert_eq!(text.subject(), sanitize::line("Grüße 見積\u{202e}"));
        assert!(sanitize::is_clean(text.from()) && sanitize::is_clean(text.subject()));
        let empty = RowText::default();
        assert_eq!((empty.from(), empty.subject()), ("", ""));
        let other = text.with_subject("Re: x");
        assert_eq!((other.from(), other.subject()), (text.from(), "Re: x"));
    }

    #[test]
    fn one_row_costs_less_than_two_strings() {
        assert!(std::mem::size_of::<RowText>() <= 24);
        assert!(std::mem::size_of::<crate::mail::Row>() <= 48);
    }
}
