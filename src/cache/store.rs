//! Where the header cache lives and how its files are written: one file per account and
//! folder under `$XDG_CACHE_HOME/sealmail/headers/`, named by keys that hold neither the
//! account nor the folder name; the directory `0700`, files `0600`; each written whole to a
//! temporary file, flushed to disk and renamed over the old one, so that a crash leaves the
//! old file or the new one, never half of either.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::file::{self, Cached, Owner, Refused, Version};
use crate::mail::Row;
use std::io::Read as _;

/// One account's cache.
#[derive(Clone, Debug)]
pub struct Store {
    dir: PathBuf,
    account: String,
}

/// What reading a folder's file in steps gave.
#[derive(Debug)]
pub enum Stepped {
    Missing,
    /// Its rows were delivered; what the source needs to bring them up to date.
    Found(crate::mail::KnownFolder),
    /// A file that could not be trusted; it was removed (rows delivered, if any, must go).
    Discarded(Refused),
}

/// What reading a folder's file gave.
#[derive(Debug)]
pub enum Read {
    /// Nothing cached yet.
    Missing,
    Found(Cached),
    /// A file that could not be trusted; it was removed.
    Discarded(Refused),
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Store {
    /// The cache of an account, `account` naming it uniquely (server, port, user).
    pub fn new(root: PathBuf, account: &str) -> Store {
        let key = Owner::new(account, "").account;
        Store {
            dir: root.join(hex(key.get(..8).unwrap_or(&key))),
            account: account.to_owned(),
        }
    }

    /// The default place: `$XDG_CACHE_HOME/sealmail/headers`.
    pub fn default_root() -> Option<PathBuf> {
        dirs::cache_dir().map(|d| d.join("sealmail").join("headers"))
    }

    fn owner(&self, folder: &str) -> Owner {
        Owner::new(&self.account, folder)
    }

    /// The file of a folder.
    pub fn path(&self, folder: &str) -> PathBuf {
        self.dir
            .join(format!("{}.cache", hex(&self.owner(folder).folder)))
    }

    /// Reads a folder's file; one that cannot be trusted is removed.
    pub fn read(&self, folder: &str) -> Read {
        let path = self.path(folder);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(_) => return Read::Missing,
        };
        match file::decode(&self.owner(folder), &bytes) {
            Ok(cached) => Read::Found(cached),
            Err(why) => {
                let _ = std::fs::remove_file(&path);
                Read::Discarded(why)
            }
        }
    }

    /// Reads a folder's file in steps: the newest `first` rows are handed to `deliver` as
    /// soon as the file is checked, the rest after; the UIDs and flags of all of them come
    /// back for the server to bring up to date. A file that cannot be trusted is removed.
    /// `Damaged` after rows were delivered means they must be dropped (a file whose digest
    /// holds but whose rows do not read: never written by this version).
    pub fn read_in_steps(
        &self,
        folder: &str,
        first: usize,
        deliver: &mut dyn FnMut(Vec<Row>),
    ) -> Stepped {
        let path = self.path(folder);
        let Ok(mut input) = std::fs::File::open(&path) else {
            return Stepped::Missing;
        };
        let refused = |why| {
            let _ = std::fs::remove_file(&path);
            Stepped::Discarded(why)
        };
        // Checked whole first (format, then digest), then read again row by row: the file's
        // bytes are never all in memory beside its rows.
        let body_len = match checked(&mut input) {
            Ok(len) => len,
            Err(why) => return refused(why),
        };
        let body = io::BufReader::with_capacity(64 * 1024, (&input).take(body_len as u64));
        let mut decoder = match file::StreamDecoder::open(&self.owner(folder), body, body_len) {
            Ok(decoder) => decoder,
            Err(why) => return refused(why),
        };
        let version = decoder.version();
        let total = decoder.left();
        let mut uids = Vec::with_capacity(total);
        let mut flags = Vec::with_capacity(total);
        for most in [first.max(1), usize::MAX] {
            let rows = match decoder.rows(most) {
                Ok(rows) => rows,
                Err(why) => return refused(why),
            };
            if rows.is_empty() {
                continue;
            }
            uids.extend(rows.iter().map(|r| r.uid));
            flags.extend(rows.iter().map(|r| r.flags));
            deliver(rows);
        }
        if let Err(why) = decoder.finish() {
            return refused(why);
        }
        // Newest first in the file; the source wants them ascending.
        uids.reverse();
        flags.reverse();
        Stepped::Found(crate::mail::KnownFolder {
            version,
            uids,
            flags,
        })
    }

    /// Writes a folder's file whole, then puts it in place of the old one.
    pub fn write(&self, folder: &str, version: Version, rows: &[Row]) -> io::Result<()> {
        let mut writing = self.begin(folder, version)?;
        writing.append(&file::encode_rows(rows))?;
        writing.finish()
    }

    /// Starts a folder's new file beside the old one: rows are appended as they come, and
    /// the file takes the old one's place only when [`Writing::finish`] completes it.
    pub fn begin(&self, folder: &str, version: Version) -> io::Result<Writing> {
        private_dir(&self.dir)?;
        // tempfile creates the file 0600; dropped unfinished, it is removed.
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        // Room for the header, written when the count is known.
        tmp.write_all(&[0; file::HEADER_LEN])?;
        Ok(Writing {
            tmp: io::BufWriter::with_capacity(64 * 1024, tmp),
            owner: self.owner(folder),
            path: self.path(folder),
            folder: folder.to_owned(),
            version,
            count: 0,
        })
    }

    /// Forgets a folder (the cache is off, or the folder is gone).
    pub fn remove(&self, folder: &str) {
        let _ = std::fs::remove_file(self.path(folder));
    }
}

/// A folder's file being written, in parts.
pub struct Writing {
    tmp: io::BufWriter<tempfile::NamedTempFile>,
    owner: file::Owner,
    path: PathBuf,
    /// The folder and version the rows stand for (a part for another is not this file's).
    pub folder: String,
    pub version: Version,
    count: u32,
}

impl Writing {
    /// Appends encoded rows (newest first, after those appended before).
    pub fn append(&mut self, rows: &file::EncodedRows) -> io::Result<()> {
        self.count = self
            .count
            .checked_add(rows.count)
            .ok_or_else(|| io::Error::other("too many rows for one file"))?;
        self.tmp.write_all(&rows.bytes)
    }

    /// Completes the file (its header, then the digest over header and rows, read back from
    /// the file in blocks) and puts it in place of the old one, flushed to disk first.
    pub fn finish(self) -> io::Result<()> {
        use std::io::{Seek, SeekFrom};
        let mut tmp = self.tmp.into_inner().map_err(|e| e.into_error())?;
        let header = file::header(&self.owner, self.version, self.count);
        let file = tmp.as_file_mut();
        file.seek(SeekFrom::Start(0))?;
        file.write_all(&header)?;
        file.seek(SeekFrom::Start(0))?;
        let mut hasher = file::Hasher::default();
        io::copy(file, &mut hasher)?;
        file.seek(SeekFrom::End(0))?;
        file.write_all(&hasher.finish())?;
        file.sync_all()?;
        tmp.persist(&self.path).map_err(|e| e.error)?;
        Ok(())
    }
}

/// Checks a file's format and its digest, reading it in blocks, and leaves it at its start.
/// Returns the length of its header and rows (what the digest covers).
fn checked(input: &mut std::fs::File) -> Result<usize, Refused> {
    use std::io::{Read, Seek, SeekFrom};
    let damaged = |_| Refused::Damaged;
    let len = input.metadata().map_err(damaged)?.len();
    let body_len = usize::try_from(len)
        .ok()
        .and_then(|l| l.checked_sub(file::DIGEST))
        .ok_or(Refused::Damaged)?;
    let mut start = [0u8; 6];
    input.read_exact(&mut start).map_err(damaged)?;
    file::check_format(&start)?;
    input.seek(SeekFrom::Start(0)).map_err(damaged)?;
    let mut hasher = file::Hasher::default();
    let hashed =
        io::copy(&mut (&mut *input).take(body_len as u64), &mut hasher).map_err(damaged)?;
    if hashed != body_len as u64 {
        return Err(Refused::Damaged);
    }
    let mut digest = [0u8; file::DIGEST];
    input.read_exact(&mut digest).map_err(damaged)?;
    if hasher.finish() != digest {
        return Err(Refused::Damaged);
    }
    input.seek(SeekFrom::Start(0)).map_err(damaged)?;
    Ok(body_len)
}

/// Creates `dir` and its parents, the last ones `0700`.
fn private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::cache::file::Owner;
    use crate::mail::Flags;

    fn row(uid: u32) -> Row {
        Row {
            uid,
            flags: Flags::SEEN,
            date: 1,
            text: crate::mail::RowText::line("a", "b"),
            size: 2,
            attachment: false,
            portal: None,
            protection: None,
        }
    }

    #[test]
    fn a_file_written_in_parts_is_the_file_written_whole() {
        let root = tempfile::tempdir().expect("tmp");
        let store = Store::new(root.path().join("headers"), "imap.example.test:993:alice");
        let version = Version {
            uid_validity: 5,
            highest_modseq: Some(9),
        };
        let rows: Vec<Row> = (1..=5000).rev().map(row).collect();
        let mut writing = store.begin("INBOX", version).expect("begun");
        for part in rows.chunks(1999) {
            writing.append(&file::encode_rows(part)).expect("appended");
        }
        // Unfinished, the folder has no file (only a temporary one beside it).
        assert!(!store.path("INBOX").exists());
        writing.finish().expect("finished");
        let in_parts = std::fs::read(store.path("INBOX")).expect("file");
        let owner = Owner::new("imap.example.test:993:alice", "INBOX");
        assert_eq!(in_parts, file::encode(&owner, version, &rows));
        // An unfinished file is dropped with its temporary file; the old one stays.
        let mut writing = store.begin("INBOX", version).expect("begun");
        writing
            .append(&file::encode_rows(&rows[..10]))
            .expect("appended");
        drop(writing);
        let files = std::fs::read_dir(store.path("INBOX").parent().expect("dir"))
            .expect("dir")
            .count();
        assert_eq!(files, 1);
        assert_eq!(std::fs::read(store.path("INBOX")).expect("file"), in_parts);
    }

    /// Reads a folder's file in steps, as the front does: the rows delivered, and the result.
    fn read_stepped(store: &Store, folder: &str) -> (Vec<Row>, Stepped) {
        let mut delivered = Vec::new();
        let read = store.read_in_steps(folder, 50, &mut |rows| delivered.extend(rows));
        (delivered, read)
    }

    #[test]
    fn a_file_read_in_steps_gives_its_rows_and_refuses_any_damage() {
        let root = tempfile::tempdir().expect("tmp");
        let store = Store::new(root.path().join("headers"), "imap.example.test:993:alice");
        let version = Version {
            uid_validity: 5,
            highest_modseq: Some(9),
        };
        // Long texts among short ones: records of every size cross the reading blocks.
        let rows: Vec<Row> = (1..=6000u32)
            .rev()
            .map(|uid| Row {
                text: crate::mail::RowText::line(
                    &"é".repeat(uid as usize % 3000),
                    &format!("subject {uid} {}", "x".repeat(uid as usize % 5000)),
                ),
                ..row(uid)
            })
            .collect();
        store.write("INBOX", version, &rows).expect("written");
        let (delivered, read) = read_stepped(&store, "INBOX");
        match read {
            Stepped::Found(known) => {
                assert_eq!(known.version, version);
                assert_eq!(known.uids, (1..=6000).collect::<Vec<u32>>());
            }
            other => panic!("{other:?}"),
        }
        let expected = file::decode(&Owner::new("imap.example.test:993:alice", "INBOX"), &{
            std::fs::read(store.path("INBOX")).expect("file")
        })
        .expect("whole")
        .rows;
        assert_eq!(delivered, expected);
        assert_eq!(delivered.len(), 6000);
        let good = std::fs::read(store.path("INBOX")).expect("file");
        let damaged: Vec<(Vec<u8>, Refused)> = vec![
            (good[..good.len() - 1].to_vec(), Refused::Damaged),
            (good[..40].to_vec(), Refused::Damaged),
            (
                {
                    let mut b = good.clone();
                    b[good.len() / 2] ^= 1;
                    b
                },
                Refused::Damaged,
            ),
            (
                {
                    let mut b = good.clone();
                    b[0] = b'X';
                    b
                },
                Refused::Foreign,
            ),
            (
                file::encode(&Owner::new("other", "INBOX"), version, &rows[..3]),
                Refused::NotOurs,
            ),
            (Vec::new(), Refused::Damaged),
        ];
        for (bytes, why) in damaged {
            std::fs::write(store.path("INBOX"), &bytes).expect("write");
            let (_, read) = read_stepped(&store, "INBOX");
            assert!(
                matches!(read, Stepped::Discarded(w) if w == why),
                "{why:?}: {read:?}"
            );
            assert!(!store.path("INBOX").exists(), "{why:?}: removed");
        }
    }

    #[test]
    fn files_are_private_named_by_keys_and_replaced_whole() {
        let root = tempfile::tempdir().expect("tmp");
        let store = Store::new(root.path().join("headers"), "imap.example.test:993:alice");
        assert!(matches!(store.read("INBOX"), Read::Missing));
        let version = Version {
            uid_validity: 5,
            highest_modseq: Some(9),
        };
        store
            .write("INBOX", version, &[row(2), row(1)])
            .expect("written");
        let path = store.path("INBOX");
        let name = path.to_string_lossy();
        assert!(!name.contains("alice") && !name.contains("INBOX"), "{name}");
        let mode = std::fs::metadata(&path).expect("file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = std::fs::metadata(path.parent().expect("dir"))
            .expect("dir")
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700);
        store.write("INBOX", version, &[row(3)]).expect("written");
        match store.read("INBOX") {
            Read::Found(cached) => assert_eq!(cached.rows, vec![row(3)]),
            other => panic!("{other:?}"),
        }
        // No temporary file is left behind.
        let files = std::fs::read_dir(path.parent().expect("dir"))
            .expect("dir")
            .count();
        assert_eq!(files, 1);
        // A damaged file is refused and removed.
        std::fs::write(&path, b"SMHC\x01\x00 cut short").expect("write");
        assert!(matches!(store.read("INBOX"), Read::Discarded(_)));
        assert!(!path.exists());
    }
}
