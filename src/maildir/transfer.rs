//! Moving, copying and deleting message files between Maildir folders, on a blocking thread.
//!
//! A move links the file into the target's `cur/` under its own name and then unlinks the
//! original (a link never replaces a file, so nothing in the target is overwritten, and the
//! message is never in neither folder); where links are not possible it is copied through the
//! target's `tmp/`. A copy is a new file with a new unique name. Flags are kept: a message
//! from `new/` arrives in `cur/` with an empty `:2,` (still unread).

use std::io;
use std::path::{Path, PathBuf};

use super::filename::{self, Sub};
use super::rows;
use crate::mail::{Flags, TransferKind};

/// A message file to move, copy or delete, as the index last saw it.
#[derive(Clone, Debug)]
pub struct MessageFile {
    pub uid: u32,
    pub sub: Sub,
    pub name: String,
}

/// What a batch did: per message, the unique name it has in the target; and the first
/// failure, after which nothing more was tried.
#[derive(Debug, Default)]
pub struct Outcome {
    pub done: Vec<(u32, String)>,
    pub error: Option<io::Error>,
}

/// Moves or copies `files` of the folder in `from` into the Maildir `to`.
pub fn transfer(from: &Path, to: &Path, files: &[MessageFile], kind: TransferKind) -> Outcome {
    let mut outcome = Outcome::default();
    for file in files {
        let result = match current_path(from, file) {
            None => Err(io::Error::new(
                io::ErrorKind::NotFound,
                "a message is no longer in the folder",
            )),
            Some((path, name, sub)) => {
                // Into `cur/`, with its flags: one from `new/` gets an empty info.
                let name = match sub {
                    Sub::New => filename::with_flags(&name, Flags::default()),
                    Sub::Cur => name,
                };
                match kind {
                    TransferKind::Move => move_file(&path, &name, Sub::Cur, to),
                    TransferKind::Copy => copy_file(&path, &name, Sub::Cur, to),
                }
            }
        };
        match result {
            Ok(unique) => outcome.done.push((file.uid, unique)),
            Err(e) => {
                outcome.error = Some(e);
                break;
            }
        }
    }
    outcome
}

/// Deletes `files` of the folder in `from` for good; returns the UIDs deleted and the first
/// failure.
pub fn erase(from: &Path, files: &[MessageFile]) -> (Vec<u32>, Option<io::Error>) {
    let mut erased = Vec::new();
    for file in files {
        let result = match current_path(from, file) {
            // Someone else deleted it: it is gone all the same.
            None => Ok(()),
            Some((path, _, _)) => std::fs::remove_file(path),
        };
        match result {
            Ok(()) => erased.push(file.uid),
            Err(e) => return (erased, Some(e)),
        }
    }
    (erased, None)
}

/// Where the file is now: where the index saw it, or found again by its unique name after
/// another program renamed it (a flag change, or out of `new/`).
fn current_path(dir: &Path, file: &MessageFile) -> Option<(PathBuf, String, Sub)> {
    let path = dir.join(file.sub.dir()).join(&file.name);
    if path.is_file() {
        return Some((path, file.name.clone(), file.sub));
    }
    let (path, name) = rows::relocate(dir, filename::unique(&file.name))?;
    let sub = if path.parent().is_some_and(|p| p.ends_with("new")) {
        Sub::New
    } else {
        Sub::Cur
    };
    Some((path, name, sub))
}

/// Links `path` into `to` under `name` (a fresh name if the target holds that unique name
/// already), then removes the original. Returns the unique name in the target.
fn move_file(path: &Path, name: &str, sub: Sub, to: &Path) -> io::Result<String> {
    let name = if rows::relocate(to, filename::unique(name)).is_some() {
        renamed(name)
    } else {
        name.to_owned()
    };
    let dest = to.join(sub.dir()).join(&name);
    match std::fs::hard_link(path, &dest) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(e),
        // No links here (another file system, or one without them): copy, then remove.
        Err(_) => {
            copy_into(path, to, sub, &name)?;
        }
    }
    std::fs::remove_file(path)?;
    Ok(filename::unique(&name).to_owned())
}

/// A new file in `to` with the bytes of `path`, a fresh unique name and the same flags.
fn copy_file(path: &Path, name: &str, sub: Sub, to: &Path) -> io::Result<String> {
    let name = renamed(name);
    copy_into(path, to, sub, &name)?;
    Ok(filename::unique(&name).to_owned())
}

/// Writes a copy into `to/tmp/`, then links it into `to/sub/name` (never replacing a file).
fn copy_into(path: &Path, to: &Path, sub: Sub, name: &str) -> io::Result<()> {
    let tmp = to.join("tmp").join(filename::unique(name));
    std::fs::create_dir_all(to.join("tmp"))?;
    std::fs::copy(path, &tmp)?;
    let linked = std::fs::hard_link(&tmp, to.join(sub.dir()).join(name));
    let removed = std::fs::remove_file(&tmp);
    linked.and(removed)
}

/// `name` with a fresh unique part and the same `:2,` info.
fn renamed(name: &str) -> String {
    let unique = filename::fresh_unique();
    match name.split_once(':') {
        Some((_, info)) => format!("{unique}:{info}"),
        None => unique,
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn maildir(root: &Path, name: &str) -> PathBuf {
        let dir = root.join(name);
        for sub in ["cur", "new", "tmp"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        dir
    }

    #[test]
    fn a_move_keeps_flags_and_never_replaces_a_file() {
        let root = tempfile::tempdir().unwrap();
        let (inbox, trash) = (maildir(root.path(), "in"), maildir(root.path(), "trash"));
        std::fs::write(inbox.join("cur/m1:2,FS"), "one").unwrap();
        // The target already holds a message of that unique name (a different one).
        std::fs::write(trash.join("cur/m1:2,"), "other").unwrap();
        let file = MessageFile {
            uid: 1,
            sub: Sub::Cur,
            name: "m1:2,FS".into(),
        };
        let outcome = transfer(&inbox, &trash, &[file], TransferKind::Move);
        assert!(outcome.error.is_none(), "{outcome:?}");
        let (uid, unique) = &outcome.done[0];
        assert_eq!(*uid, 1);
        assert_ne!(unique, "m1");
        assert!(!inbox.join("cur/m1:2,FS").exists());
        assert_eq!(
            std::fs::read_to_string(trash.join("cur/m1:2,")).unwrap(),
            "other"
        );
        let moved = trash.join(format!("cur/{unique}:2,FS"));
        assert_eq!(std::fs::read_to_string(moved).unwrap(), "one");
    }

    #[test]
    fn a_copy_is_a_new_file_and_the_original_stays() {
        let root = tempfile::tempdir().unwrap();
        let (inbox, archive) = (maildir(root.path(), "in"), maildir(root.path(), "archive"));
        std::fs::write(inbox.join("new/m2"), "two").unwrap();
        let file = MessageFile {
            uid: 2,
            sub: Sub::New,
            name: "m2".into(),
        };
        let outcome = transfer(
            &inbox,
            &archive,
            std::slice::from_ref(&file),
            TransferKind::Copy,
        );
        assert!(outcome.error.is_none());
        assert!(inbox.join("new/m2").exists());
        let copy = archive
            .join("cur")
            .join(format!("{}:2,", outcome.done[0].1));
        assert_eq!(std::fs::read_to_string(copy).unwrap(), "two");
        assert_eq!(std::fs::read_dir(archive.join("tmp")).unwrap().count(), 0);
        let (erased, error) = erase(&inbox, &[file]);
        assert!(error.is_none());
        assert_eq!(erased, vec![2]);
        assert!(!inbox.join("new/m2").exists());
    }

    #[test]
    fn a_message_renamed_by_another_program_is_found_again() {
        let root = tempfile::tempdir().unwrap();
        let (inbox, archive) = (maildir(root.path(), "in"), maildir(root.path(), "archive"));
        std::fs::write(inbox.join("cur/m3:2,S"), "three").unwrap();
        let stale = MessageFile {
            uid: 3,
            sub: Sub::New,
            name: "m3".into(),
        };
        let outcome = transfer(&inbox, &archive, &[stale], TransferKind::Move);
        assert!(outcome.error.is_none(), "{outcome:?}");
        assert!(archive.join("cur/m3:2,S").exists());
    }
}
