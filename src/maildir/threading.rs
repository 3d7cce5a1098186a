//! Threading a Maildir folder: each file's header read (up to the blank line, bounded), its
//! threading facts parsed and the folder threaded ([`threads::thread`]), all on one blocking
//! thread, with a flag that stops it (a newer request does). What was read is kept by the
//! file's unique name (a header never changes; a flag change renames the file but keeps that
//! part), so threading the folder again after new mail reads only the new files.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read as _};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use super::filename;
use super::rows::{self, RowSource};
use crate::mail::thread_input::thread_input;
use crate::mail::threads::{self, Thread, ThreadInput};

/// A header longer than this is cut here (what threading needs comes first in practice).
const HEAD_LIMIT: u64 = 64 * 1024;

/// The threading under way, and what was read of a folder before.
#[derive(Default)]
pub struct Threading {
    /// The flag that stops the threading under way.
    pub cancel: Option<super::search::Cancel>,
    /// Shared with the blocking thread, which takes it and puts back what it read.
    pub read: Arc<Mutex<ReadBefore>>,
}

/// A folder's threading facts as last read, by the files' unique names.
#[derive(Default)]
pub struct ReadBefore {
    folder: String,
    by_name: HashMap<String, ThreadInput>,
}

/// Threads the messages of `folder` (`sources`); `None` once `cancel` is set. A file that is
/// gone or unreadable is left out (the list does not show it either).
pub fn run(
    folder: &str,
    sources: &[RowSource],
    subject_fallback: bool,
    cancel: &AtomicBool,
    read: &Mutex<ReadBefore>,
) -> Option<Vec<Thread>> {
    let mut before = {
        let mut kept = read.lock().unwrap_or_else(PoisonError::into_inner);
        std::mem::take(&mut *kept)
    };
    if before.folder != folder {
        before.by_name.clear();
    }
    let mut names = Vec::with_capacity(sources.len());
    let mut inputs = Vec::with_capacity(sources.len());
    for source in sources {
        if cancel.load(Ordering::Relaxed) {
            break;
        }
        let entry = &source.entry;
        let name = filename::unique(&entry.name).to_owned();
        let input = match before.by_name.remove(&name) {
            Some(known) => ThreadInput {
                uid: entry.uid,
                ..known
            },
            None => match read_head(source) {
                Some(head) => thread_input(entry.uid, &head, entry.mtime),
                None => continue,
            },
        };
        names.push(name);
        inputs.push(input);
    }
    let stopped = cancel.load(Ordering::Relaxed);
    let forest = (!stopped).then(|| threads::thread(&inputs, subject_fallback));
    let mut by_name: HashMap<String, ThreadInput> = names.into_iter().zip(inputs).collect();
    if stopped {
        // Half done: what was not looked at yet is still good.
        by_name.extend(before.by_name);
    }
    *read.lock().unwrap_or_else(PoisonError::into_inner) = ReadBefore {
        folder: folder.to_owned(),
        by_name,
    };
    forest
}

/// The header of a message's file, following a rename by another program (a flag changed).
fn read_head(source: &RowSource) -> Option<Vec<u8>> {
    let entry = &source.entry;
    let path = source.folder_dir.join(entry.sub.dir()).join(&entry.name);
    match header(&path) {
        Ok(head) => Some(head),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let (found, _) = rows::relocate(&source.folder_dir, filename::unique(&entry.name))?;
            header(&found).ok()
        }
        Err(_) => None,
    }
}

/// A file's lines up to and including the blank line that ends the header, at most
/// [`HEAD_LIMIT`] bytes.
fn header(path: &Path) -> io::Result<Vec<u8>> {
    let mut file = BufReader::new(std::fs::File::open(path)?.take(HEAD_LIMIT));
    let mut head = Vec::new();
    loop {
        let start = head.len();
        if file.read_until(b'\n', &mut head)? == 0 {
            return Ok(head);
        }
        if matches!(head.get(start..), Some(b"\n" | b"\r\n")) {
            return Ok(head);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_is_read_up_to_its_blank_line() {
        let dir = tempfile::tempdir().expect("a directory");
        let path = dir.path().join("m");
        std::fs::write(&path, b"Subject: a\r\nX: b\r\n\r\nbody\r\n\r\nmore\r\n").expect("write");
        assert_eq!(header(&path).expect("read"), b"Subject: a\r\nX: b\r\n\r\n");
        std::fs::write(&path, b"Subject: a\nX: b\n\nbody\n").expect("write");
        assert_eq!(header(&path).expect("read"), b"Subject: a\nX: b\n\n");
        // No blank line: the whole file, within the bound.
        std::fs::write(&path, b"Subject: a").expect("write");
        assert_eq!(header(&path).expect("read"), b"Subject: a");
        let long = vec![b'x'; 200_000];
        std::fs::write(&path, &long).expect("write");
        assert_eq!(header(&path).expect("read").len() as u64, HEAD_LIMIT);
    }
}
