//! List rows from message files: read (a bounded head of each), parsed, flags from the name.

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::filename::{self, Sub};
use super::index::Entry;
use crate::mail::{self, Row};

/// A row needs the headers and the MIME structure, not whole attachments: files are read up
/// to this many bytes for their row.
const ROW_READ_LIMIT: u64 = 256 * 1024;

/// What a row is built from, detached from the index so that it can move to a blocking thread.
#[derive(Clone, Debug)]
pub struct RowSource {
    /// The folder's directory, shared by every row of a load.
    pub folder_dir: Arc<Path>,
    pub entry: Entry,
}

/// Builds the row of one message file. A file renamed since the index saw it (another program
/// set a flag) is looked up again by its unique name; a file that is gone gives `None`.
pub fn build(source: &RowSource) -> Option<Row> {
    let entry = &source.entry;
    let path = source.folder_dir.join(entry.sub.dir()).join(&entry.name);
    let (head, name) = match read_head(&path) {
        Ok(head) => (head, entry.name.clone()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let (found, name) = relocate(&source.folder_dir, filename::unique(&entry.name))?;
            (read_head(&found).ok()?, name)
        }
        Err(_) => return None,
    };
    // Conversion is total by design; a defect in it costs this one row, not the batch.
    let flags = filename::flags(&name);
    let size = u32::try_from(entry.size).unwrap_or(u32::MAX);
    let mut row =
        std::panic::catch_unwind(|| mail::row_from_raw(entry.uid, &head, entry.mtime))
            .unwrap_or_else(|_| {
                tracing::error!(target: "sealmail::maildir", uid = entry.uid, "a list row could not be converted");
                Row::unreadable(entry.uid, size, flags)
            });
    row.flags = flags;
    row.size = u32::try_from(entry.size).unwrap_or(u32::MAX);
    Some(row)
}

/// A message file's first [`ROW_READ_LIMIT`] bytes: what a row (and a search of anything
/// but the body) needs.
pub(super) fn read_head(path: &Path) -> io::Result<Vec<u8>> {
    let mut head = Vec::new();
    std::fs::File::open(path)?
        .take(ROW_READ_LIMIT)
        .read_to_end(&mut head)?;
    Ok(head)
}

/// Finds the current file of a message by its unique name, in `cur/` then `new/`.
pub fn relocate(folder_dir: &Path, unique: &str) -> Option<(PathBuf, String)> {
    for sub in [Sub::Cur, Sub::New] {
        let dir = folder_dir.join(sub.dir());
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            if filename::unique(&name) == unique {
                return Some((dir.join(&name), name));
            }
        }
    }
    None
}
