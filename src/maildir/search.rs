//! Searching a Maildir folder: every message file read on a blocking thread and the whole
//! query matched against it (headers always; the body only when the query names it), with
//! progress reported as it goes and a flag that stops it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::filename;
use super::rows::RowSource;
use crate::mail::query::{Facts, FlagTerm, HeaderField, PortalKind, Query};
use crate::mail::{Flags, Row};
use crate::mime::SearchText;

/// How often progress is reported, in messages.
pub const PROGRESS_EVERY: usize = 200;

/// One message as a search sees it.
struct Message {
    row: Row,
    text: SearchText,
}

impl Facts for Message {
    fn header(&self, field: HeaderField) -> Option<&str> {
        Some(match field {
            HeaderField::From => &self.text.from,
            HeaderField::To => &self.text.to,
            HeaderField::Cc => &self.text.cc,
            HeaderField::Subject => &self.text.subject,
        })
    }

    fn body(&self) -> Option<&str> {
        self.text.body.as_deref()
    }

    fn date(&self) -> i64 {
        self.row.date
    }

    fn size(&self) -> u64 {
        u64::from(self.row.size)
    }

    fn flag(&self, flag: FlagTerm) -> bool {
        self.row.flags.contains(match flag {
            FlagTerm::Seen => Flags::SEEN,
            FlagTerm::Flagged => Flags::FLAGGED,
            FlagTerm::Answered => Flags::ANSWERED,
        })
    }

    fn has_attachment(&self) -> bool {
        self.row.attachment
    }

    fn portal(&self) -> Option<PortalKind> {
        portal_kind(&self.row)
    }
}

/// The `portal:` kind of a list row's mark.
pub fn portal_kind(row: &Row) -> Option<PortalKind> {
    row.portal.map(|mark| {
        if mark.vendor == crate::detect::Vendor::Sealed {
            PortalKind::Sealed
        } else {
            PortalKind::Any
        }
    })
}

/// Matches `query` against the messages of `sources` (newest first), calling `progress` every
/// [`PROGRESS_EVERY`] messages; stops early, with `None`, once `cancel` is set. A file that is
/// gone or unreadable does not match.
pub fn run(
    sources: &[RowSource],
    query: &Query,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(usize),
) -> Option<Vec<u32>> {
    let with_body = query.needs_body();
    let mut hits = Vec::new();
    for (i, source) in sources.iter().enumerate() {
        if cancel.load(Ordering::Relaxed) {
            return None;
        }
        if i % PROGRESS_EVERY == 0 && i > 0 {
            progress(i);
        }
        let path = source
            .folder_dir
            .join(source.entry.sub.dir())
            .join(&source.entry.name);
        // A file renamed since it was indexed (another program set a flag) is found again by
        // its unique name; its flags are then those of its new name.
        let (raw, name) = match read(&path, with_body) {
            Ok(raw) => (raw, source.entry.name.clone()),
            Err(_) => {
                let unique = filename::unique(&source.entry.name);
                match super::rows::relocate(&source.folder_dir, unique) {
                    Some((found, name)) => match read(&found, with_body) {
                        Ok(raw) => (raw, name),
                        Err(_) => continue,
                    },
                    None => continue,
                }
            }
        };
        let mut row = crate::mail::row_from_raw(source.entry.uid, &raw, source.entry.mtime);
        row.flags = filename::flags(&name);
        row.size = u32::try_from(source.entry.size).unwrap_or(u32::MAX);
        let text = crate::mime::search_text(&raw, with_body).unwrap_or_default();
        if query.matches(&Message { row, text }) {
            hits.push(source.entry.uid);
        }
    }
    progress(sources.len());
    hits.sort_unstable();
    Some(hits)
}

/// How many messages of the Maildir folder `dir` match (its `cur/` and `new/` files read
/// directly: counting needs no UIDs); `None` once `cancel` is set.
pub fn count_in(dir: &std::path::Path, query: &Query, cancel: &AtomicBool) -> Option<u32> {
    let with_body = query.needs_body();
    let mut found = 0u32;
    for sub in [super::filename::Sub::Cur, super::filename::Sub::New] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub.dir())) else {
            continue;
        };
        for entry in entries.flatten() {
            if cancel.load(Ordering::Relaxed) {
                return None;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(raw) = read(&entry.path(), with_body) else {
                continue;
            };
            let metadata = entry.metadata().ok();
            let mtime = metadata
                .as_ref()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
            let mut row = crate::mail::row_from_raw(0, &raw, mtime);
            row.flags = filename::flags(&name);
            if let Some(m) = &metadata {
                row.size = u32::try_from(m.len()).unwrap_or(u32::MAX);
            }
            let text = crate::mime::search_text(&raw, with_body).unwrap_or_default();
            if query.matches(&Message { row, text }) {
                found = found.saturating_add(1);
            }
        }
    }
    Some(found)
}

/// A message file for a search: whole when the query reads bodies, else only the head a list
/// row is made from (the headers and the MIME structure).
fn read(path: &std::path::Path, whole: bool) -> std::io::Result<Vec<u8>> {
    if whole {
        std::fs::read(path)
    } else {
        super::rows::read_head(path)
    }
}

/// A cancel flag shared with a search's thread.
pub type Cancel = Arc<AtomicBool>;
