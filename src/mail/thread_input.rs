//! What threading reads of a message: its header block parsed by mail-parser into a
//! [`ThreadInput`] (the ids of Message-ID, In-Reply-To and References as they are written,
//! the decoded Subject, the Date). No I/O; total on any bytes.
// Input from mail: every path is total, no slicing or indexing that can panic.
#![deny(clippy::string_slice, clippy::indexing_slicing)]

use mail_parser::{HeaderName, Message, MessageParser};

use super::threads::{ThreadInput, message_ids};

/// The header fields threading reads, as an IMAP `HEADER.FIELDS` list names them.
pub const FIELDS: &str = "MESSAGE-ID IN-REPLY-TO REFERENCES SUBJECT DATE";

/// The threading facts of message `uid` from its header block (or the whole message: only
/// the header is read). `fallback_date` stands in for a missing or unreadable Date.
pub fn thread_input(uid: u32, head: &[u8], fallback_date: i64) -> ThreadInput {
    let mut input = ThreadInput {
        uid,
        date: fallback_date,
        ..ThreadInput::default()
    };
    let Some(message) = MessageParser::default().parse_headers(head) else {
        return input;
    };
    input.message_id = ids(&message, head, HeaderName::MessageId)
        .into_iter()
        .next();
    input.in_reply_to = ids(&message, head, HeaderName::InReplyTo)
        .into_iter()
        .next();
    input.references = ids(&message, head, HeaderName::References);
    input.subject = message
        .subject()
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    if let Some(date) = message.date().filter(|d| d.is_valid()) {
        input.date = date.to_timestamp();
    }
    input
}

/// The ids of the first `name` field, read from its raw value (mail-parser's own reading of
/// ids drops the broken forms [`message_ids`] still makes sense of).
fn ids(message: &Message<'_>, head: &[u8], name: HeaderName<'_>) -> Vec<String> {
    let Some(field) = message.headers().iter().find(|h| h.name == name) else {
        return Vec::new();
    };
    let (start, end) = (field.offset_start as usize, field.offset_end as usize);
    match head.get(start..end) {
        Some(raw) => message_ids(&String::from_utf8_lossy(raw)),
        None => Vec::new(),
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn reads_ids_subject_and_date() {
        let head = b"Message-ID: <a@x>\r\nIn-Reply-To: <p@x> <q@x>\r\n\
                     References: <r@x>\r\n <p@x>\r\n\
                     Subject: =?UTF-8?Q?Re:_Gr=C3=BC=C3=9Fe?=\r\n\
                     Date: Tue, 01 Apr 2025 10:00:00 +0200\r\n\r\n";
        let input = thread_input(7, head, 5);
        assert_eq!(input.uid, 7);
        assert_eq!(input.message_id.as_deref(), Some("a@x"));
        assert_eq!(input.in_reply_to.as_deref(), Some("p@x"));
        assert_eq!(input.references, ["r@x", "p@x"]);
        assert_eq!(input.subject, "Re: Grüße");
        assert_eq!(input.date, 1_743_494_400);
    }

    #[test]
    fn broken_fields_are_read_as_far_as_they_go() {
        let head = b"Message-ID: bare@x\r\nReferences: not an id at all\r\n\
                     Date: yesterday\r\n\r\n";
        let input = thread_input(1, head, 99);
        assert_eq!(input.message_id.as_deref(), Some("bare@x"));
        assert!(input.references.is_empty() && input.in_reply_to.is_none());
        assert_eq!((input.subject.as_str(), input.date), ("", 99));
        // Not UTF-8: the ids still come through.
        let head = b"References: <\xff@x> <b@x>\r\nSubject: \xfe\r\n\r\n";
        assert_eq!(thread_input(2, head, 0).references.len(), 2);
    }

    #[test]
    fn any_bytes_are_safe() {
        let mut x: u32 = 7;
        for len in 0..400 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    let pool = b"<>@:\r\n ()\"\\abRefMsgI-D\xff";
                    pool[(x >> 16) as usize % pool.len()]
                })
                .collect();
            let input = thread_input(1, &bytes, 0);
            assert_eq!(input.uid, 1);
        }
        assert_eq!(thread_input(3, b"", 4).date, 4);
    }
}
