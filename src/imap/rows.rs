//! Message-list rows from FETCH responses: the query that asks for them and the conversion
//! (envelope, flags, BODYSTRUCTURE, the cheap portal header fields) into sanitised [`Row`]s.
//! Pure functions; the loader runs them on the blocking pool.

use async_imap::imap_proto::{Address, BodyStructure, MessageSection, SectionPath};
use async_imap::types::{Fetch, Flag};

use super::decode;
use crate::detect::{CHEAP_HEADER_FIELDS, classify_cheap};
use crate::mail::{CheapSignals, Flags, Row, RowText};

/// The FETCH items of a list row.
pub fn row_query() -> String {
    format!(
        "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS ({})])",
        CHEAP_HEADER_FIELDS.join(" ")
    )
}

/// What one FETCH response turned out to be.
#[derive(Debug)]
pub enum Item {
    /// A full row (it had an envelope).
    Row { seq: u32, row: Row },
    /// Only flags: the server reporting a change while it answered something else.
    Flags {
        seq: u32,
        uid: Option<u32>,
        flags: Flags,
    },
}

/// The flags of a response, as bits.
pub fn flags_of(fetch: &Fetch) -> Flags {
    let mut flags = Flags::default();
    for flag in fetch.flags() {
        let bit = match flag {
            Flag::Seen => Flags::SEEN,
            Flag::Answered => Flags::ANSWERED,
            Flag::Flagged => Flags::FLAGGED,
            Flag::Deleted => Flags::DELETED,
            Flag::Draft => Flags::DRAFT,
            _ => continue,
        };
        flags.set(bit, true);
    }
    flags
}

/// Converts one FETCH response; never fails: a response whose conversion panics (a defect,
/// since every decoder here is meant to be total) becomes an unreadable row with its UID and
/// size, and is logged, so one hostile message never stops the rest of the folder.
pub fn convert(fetch: &Fetch) -> Item {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| convert_strict(fetch))) {
        Ok(item) => item,
        Err(_) => {
            tracing::error!(target: "sealmail::imap", uid = ?fetch.uid, "a list row could not be converted");
            match fetch.uid {
                Some(uid) => Item::Row {
                    seq: fetch.message,
                    row: Row::unreadable(uid, fetch.size.unwrap_or(0), flags_of(fetch)),
                },
                None => Item::Flags {
                    seq: fetch.message,
                    uid: None,
                    flags: flags_of(fetch),
                },
            }
        }
    }
}

pub(super) fn convert_strict(fetch: &Fetch) -> Item {
    let flags = flags_of(fetch);
    let (Some(envelope), Some(uid)) = (fetch.envelope(), fetch.uid) else {
        return Item::Flags {
            seq: fetch.message,
            uid: fetch.uid,
            flags,
        };
    };

    let subject = envelope
        .subject
        .as_deref()
        .map(decode::header_text)
        .unwrap_or_default();
    let from = envelope
        .from
        .as_deref()
        .and_then(|list| list.first())
        .map(sender)
        .unwrap_or_default();
    let date = envelope
        .date
        .as_deref()
        .and_then(decode::header_date)
        .or_else(|| fetch.internal_date().map(|d| d.timestamp()))
        .unwrap_or(0);

    let mut signals = CheapSignals::default();
    let mut attachment = false;
    if let Some(structure) = fetch.bodystructure() {
        walk_parts(structure, &mut signals.parts, &mut attachment, 0);
    }
    if let Some(raw) = fetch.section(&SectionPath::Full(MessageSection::Header)) {
        signals.headers = decode::header_fields(raw);
    }
    signals.message_id = envelope.message_id.as_deref().map(|id| {
        String::from_utf8_lossy(id)
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_owned()
    });
    signals.subject = Some(subject);
    let portal = classify_cheap(&signals);
    let protection = crate::detect::crypto::cheap(&signals);
    let subject = signals.subject.take().unwrap_or_default();

    Item::Row {
        seq: fetch.message,
        row: Row {
            uid,
            flags,
            date,
            text: RowText::line(&from, &subject),
            size: fetch.size.unwrap_or(0),
            attachment,
            portal,
            protection,
        },
    }
}

/// The display name, else the address.
fn sender(address: &Address<'_>) -> String {
    if let Some(name) = address.name.as_deref() {
        let name = decode::header_text(name);
        if !name.is_empty() {
            return name;
        }
    }
    let mailbox = address.mailbox.as_deref().unwrap_or_default();
    let host = address.host.as_deref().unwrap_or_default();
    let mut out = String::from_utf8_lossy(mailbox).into_owned();
    if !host.is_empty() {
        out.push('@');
        out.push_str(&String::from_utf8_lossy(host));
    }
    out
}

/// Collects (name, type) of every named or attached part and whether any is an attachment.
fn walk_parts(
    structure: &BodyStructure<'_>,
    parts: &mut Vec<(String, String)>,
    attachment: &mut bool,
    depth: u32,
) {
    // A hostile BODYSTRUCTURE can nest deeply; the parser bounds it, this bounds the walk.
    if depth > 32 {
        return;
    }
    let common = match structure {
        BodyStructure::Multipart { bodies, .. } => {
            for body in bodies {
                walk_parts(body, parts, attachment, depth + 1);
            }
            return;
        }
        BodyStructure::Basic { common, .. }
        | BodyStructure::Text { common, .. }
        | BodyStructure::Message { common, .. } => common,
    };
    let disposition = common.disposition.as_ref();
    let is_attachment_disposition = disposition
        .map(|d| d.ty.eq_ignore_ascii_case("attachment"))
        .unwrap_or(false);
    let name = decode::part_file_name(common);
    let is_attachment = is_attachment_disposition || (disposition.is_none() && name.is_some());
    if is_attachment || name.is_some() {
        *attachment |= is_attachment;
        let mime = format!("{}/{}", common.ty.ty, common.ty.subtype).to_ascii_lowercase();
        parts.push((name.unwrap_or_default(), mime));
    }
}
