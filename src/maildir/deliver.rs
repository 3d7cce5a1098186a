//! Writing one new message into a Maildir folder, as a delivery agent does: the bytes go to
//! `tmp/` (mode 0600, synced), then are renamed into `new/` (unread, no flags) or into `cur/`
//! with the flags as the name's `:2,` info. A reader never sees a half-written file.

use std::io;
use std::path::{Path, PathBuf};

use super::filename::{self, Sub};
use crate::mail::Flags;

/// Delivers `raw` into the Maildir folder `folder` (the directory holding `tmp/`, `new/` and
/// `cur/`, created if missing). No flags: `new/`, as fresh mail; flags: `cur/` with them.
/// Returns the file's path.
pub fn deliver(folder: &Path, raw: &[u8], flags: Flags) -> io::Result<PathBuf> {
    for sub in ["tmp", "new", "cur"] {
        create_private_dir(&folder.join(sub))?;
    }
    let unique = filename::fresh_unique();
    let tmp = folder.join("tmp").join(&unique);
    let written = write_private(&tmp, raw);
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    let target = if flags == Flags::default() {
        folder.join(Sub::New.dir()).join(&unique)
    } else {
        folder
            .join(Sub::Cur.dir())
            .join(filename::with_flags(&unique, flags))
    };
    let renamed = std::fs::rename(&tmp, &target);
    if let Err(e) = renamed {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(target)
}

fn write_private(path: &Path, raw: &[u8]) -> io::Result<()> {
    crate::paths::write_private_new(path, raw).map(drop)
}

fn create_private_dir(path: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut out: Vec<String> = std::fs::read_dir(dir)
            .expect("a directory")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        out.sort();
        out
    }

    #[test]
    fn new_mail_goes_to_new_and_flagged_mail_to_cur_through_tmp() {
        let root = tempfile::tempdir().expect("temp dir");
        let inbox = root.path();
        deliver(inbox, b"Subject: one\r\n\r\nhi\r\n", Flags::default()).expect("delivered");
        deliver(inbox, b"Subject: two\r\n\r\nhi\r\n", Flags::default()).expect("delivered");
        let new = names(&inbox.join("new"));
        assert_eq!(new.len(), 2, "two distinct files: {new:?}");
        assert!(new.iter().all(|n| !n.contains(':')), "{new:?}");
        assert!(names(&inbox.join("tmp")).is_empty());

        let drafts = inbox.join(".Drafts");
        let mut draft = Flags::default();
        draft.set(Flags::DRAFT, true);
        draft.set(Flags::SEEN, true);
        let path = deliver(&drafts, b"Subject: later\r\n\r\n", draft).expect("kept");
        let cur = names(&drafts.join("cur"));
        assert_eq!(cur.len(), 1);
        assert!(cur[0].ends_with(":2,DS"), "{cur:?}");
        assert_eq!(filename::flags(&cur[0]), draft);
        assert_eq!(
            std::fs::read(&path).expect("the file"),
            b"Subject: later\r\n\r\n"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
