//! The attachment list: name (RFC 2231 / RFC 2047 decoded), MIME type, decoded size; the parts
//! of forwarded messages follow their message, indented.

use mail_parser::{Message, MessagePart, MimeHeaders, PartType};

use super::sections::{self, Skipped};
use super::{Attachment, MAX_NESTING, subject_of};
use crate::sanitize::{self, Clean};

/// A message with more attachments than this lists the first ones only.
const MAX_ATTACHMENTS: usize = 500;

/// Every attachment of `message`, forwarded messages' own attachments included. Parts in
/// `skipped` (not downloaded) are listed with the size given there.
pub(super) fn list(message: &Message<'_>, skipped: &Skipped) -> Vec<Attachment> {
    let mut out = Vec::new();
    each_attachment(message, &mut |part, depth, section| {
        let size = section
            .and_then(|s| skipped.size(s))
            .unwrap_or_else(|| part.len());
        out.push(Attachment {
            name: Clean::line(&format!("{}{}", "↳ ".repeat(depth), name_of(part))),
            mime: Clean::line(&mime_of(part)),
            size,
            section: section.unwrap_or_default().to_owned(),
        });
    });
    out
}

/// True when the message has at least one attachment worth a paperclip in the list.
pub(super) fn any(message: &Message<'_>) -> bool {
    message
        .attachments
        .iter()
        .filter_map(|&id| message.parts.get(id as usize))
        .any(|part| is_listed(part))
}

/// The attachments of a whole message in the order [`list`] gives them (the same walk),
/// each with its decoded content: (its name as the message gives it, decoded, not yet fit for
/// a file system; its content). A forwarded message's content is the message itself.
pub(super) fn contents(message: &Message<'_>) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    each_attachment(message, &mut |part, _, _| {
        let content = match &part.body {
            PartType::Message(inner) => inner.raw_message.to_vec(),
            _ => part.contents().to_vec(),
        };
        out.push((raw_name_of(part), content));
    });
    out
}

/// Visits every attachment in list order, a forwarded message's own attachments after it
/// (down to [`MAX_NESTING`]), at most [`MAX_ATTACHMENTS`]: the part, its depth, its section
/// number when it has one.
fn each_attachment<F>(message: &Message<'_>, visit: &mut F)
where
    F: FnMut(&MessagePart<'_>, usize, Option<&str>),
{
    let mut seen = 0;
    walk(message, 0, "", &mut seen, visit);
}

/// `prefix` is the section number of the attached message `message` ("" at the top).
fn walk<F>(message: &Message<'_>, depth: usize, prefix: &str, seen: &mut usize, visit: &mut F)
where
    F: FnMut(&MessagePart<'_>, usize, Option<&str>),
{
    let numbers = sections::number(message, prefix);
    for &id in &message.attachments {
        let Some(part) = message.parts.get(id as usize) else {
            continue;
        };
        // A multipart whose boundary never came, and nothing in it, is no file.
        if part.is_empty() && mime_of(part).starts_with("multipart/") {
            continue;
        }
        if *seen >= MAX_ATTACHMENTS {
            return;
        }
        *seen += 1;
        let section = numbers.get(&(id as usize)).map(String::as_str);
        visit(part, depth, section);
        if let Some(inner) = part.message()
            && depth + 1 < MAX_NESTING
        {
            walk(inner, depth + 1, section.unwrap_or(""), seen, visit);
        }
    }
}

/// The decoded file name as the message gives it (unsanitised), or a name made up from the
/// part's kind.
fn raw_name_of(part: &MessagePart<'_>) -> String {
    match part
        .attachment_name()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        Some(name) => name.to_owned(),
        None => match &part.body {
            PartType::Message(_) => "forwarded-message.eml".into(),
            _ => "attachment".into(),
        },
    }
}

/// Text parts that mail-parser files as attachments only because they are a second body
/// (e.g. a text/plain footer after a mixed part) are still attachments for the reader; empty
/// parts are not worth a mark.
fn is_listed(part: &MessagePart<'_>) -> bool {
    !part.is_empty() || part.attachment_name().is_some()
}

/// The decoded file name; a forwarded message is named by its subject.
pub(super) fn name_of(part: &MessagePart<'_>) -> String {
    if let Some(name) = part
        .attachment_name()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        return sanitize::line(name).into_owned();
    }
    match &part.body {
        PartType::Message(inner) => {
            let subject = subject_of(inner);
            if subject.is_empty() {
                "(forwarded message)".into()
            } else {
                subject
            }
        }
        _ => "(no name)".into(),
    }
}

/// The part's declared `type/subtype`, lowercase; `None` without a Content-Type header.
pub fn declared_type(part: &MessagePart<'_>) -> Option<String> {
    part.content_type()
        .map(|ct| match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub),
            None => ct.ctype().to_owned(),
        })
        .map(|t| t.to_ascii_lowercase())
}

/// The lowercase `type/subtype`, defaulting as RFC 2045 says (and by what mail-parser found).
pub(super) fn mime_of(part: &MessagePart<'_>) -> String {
    let mime = declared_type(part).unwrap_or_else(|| {
        match &part.body {
            PartType::Text(_) => "text/plain",
            PartType::Html(_) => "text/html",
            PartType::Message(_) => "message/rfc822",
            PartType::Multipart(_) => "multipart/mixed",
            PartType::Binary(_) | PartType::InlineBinary(_) => "application/octet-stream",
        }
        .to_owned()
    });
    sanitize::line(&mime.trim().to_ascii_lowercase()).into_owned()
}
