//! Threading a Maildir folder: each file's header read (a bounded head), its threading facts
//! parsed and the folder threaded ([`threads::thread`]), all on one blocking thread, with a
//! flag that stops it (a newer request does).

use std::io::{self, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use super::filename;
use super::rows::{self, RowSource};
use crate::mail::thread_input::thread_input;
use crate::mail::threads::{self, Thread};

/// The header is all threading reads: files are read up to this many bytes.
const HEAD_LIMIT: u64 = 64 * 1024;

/// Threads the messages of `sources`; `None` once `cancel` is set. A file that is gone or
/// unreadable is left out (the list does not show it either).
pub fn run(
    sources: &[RowSource],
    subject_fallback: bool,
    cancel: &AtomicBool,
) -> Option<Vec<Thread>> {
    let mut inputs = Vec::with_capacity(sources.len());
    for source in sources {
        if cancel.load(Ordering::Relaxed) {
            return None;
        }
        let entry = &source.entry;
        if let Some(head) = read_head(source) {
            inputs.push(thread_input(entry.uid, &head, entry.mtime));
        }
    }
    if cancel.load(Ordering::Relaxed) {
        return None;
    }
    Some(threads::thread(&inputs, subject_fallback))
}

/// The head of a message's file, following a rename by another program (a flag changed).
fn read_head(source: &RowSource) -> Option<Vec<u8>> {
    let entry = &source.entry;
    let path = source.folder_dir.join(entry.sub.dir()).join(&entry.name);
    match read(&path) {
        Ok(head) => Some(head),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let (found, _) = rows::relocate(&source.folder_dir, filename::unique(&entry.name))?;
            read(&found).ok()
        }
        Err(_) => None,
    }
}

fn read(path: &Path) -> io::Result<Vec<u8>> {
    let mut head = Vec::new();
    std::fs::File::open(path)?
        .take(HEAD_LIMIT)
        .read_to_end(&mut head)?;
    Ok(head)
}
