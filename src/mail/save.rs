//! Saving attachments to a directory. File names come from mail, so none is trusted: only
//! its last path component is kept, control and bidirectional-override characters go, as do
//! leading dots, dashes and spaces (no hidden files, no names read as options), and it is
//! shortened to what file systems take. A file is created only where none is (`O_EXCL`,
//! which also refuses a symlink planted at the target, dangling or not); replacing a file
//! needs the user's yes, and even then a symlink in the way is refused. Files are private to
//! the user (mode 0600). The work runs on a thread of its own and reports
//! [`SourceEvent::Saved`].

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tokio::sync::mpsc;

use super::{ReqId, SourceEvent};
use crate::error::{Error, ErrorKind};

/// The longest file name written, in bytes (most file systems take 255).
const MAX_NAME_BYTES: usize = 200;

/// Save some attachments of a message to a directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaveRequest {
    pub req: ReqId,
    pub folder: String,
    pub uid: u32,
    /// Which attachments, by their place in the message's attachment list (from 0).
    pub indices: Vec<usize>,
    pub dir: PathBuf,
    /// Replace files of the same names (the user said yes).
    pub overwrite: bool,
}

/// A message held in memory only (a decrypted one): its attachments are saved from these
/// bytes, never from the stored copy. Wiped when the last holder drops it; its `Debug` says
/// its size only.
#[derive(Clone, PartialEq, Eq)]
pub struct HeldMessage(std::sync::Arc<zeroize::Zeroizing<Vec<u8>>>);

impl HeldMessage {
    pub fn new(bytes: zeroize::Zeroizing<Vec<u8>>) -> HeldMessage {
        HeldMessage(std::sync::Arc::new(bytes))
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for HeldMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HeldMessage({} bytes)", self.0.len())
    }
}

/// How a save ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaveDone {
    pub req: ReqId,
    /// The files written.
    pub saved: Vec<PathBuf>,
    /// The attachments not written because a file of their name is there: (index, name).
    pub exist: Vec<(usize, String)>,
    /// Why the rest was not saved.
    pub error: Option<String>,
}

impl SaveDone {
    /// Nothing saved, for this reason.
    pub fn failed(req: ReqId, error: impl Into<String>) -> SaveDone {
        SaveDone {
            req,
            saved: vec![],
            exist: vec![],
            error: Some(error.into()),
        }
    }
}

/// A name from mail made fit to be a file's name in a directory the user chose.
pub fn safe_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let kept: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c) && *c != '\0')
        .collect();
    let trimmed = kept
        .trim_start_matches(['.', '-', ' ', '~'])
        .trim_end_matches(['.', ' '])
        .to_owned();
    let mut name = if trimmed.is_empty() {
        "attachment".to_owned()
    } else {
        trimmed
    };
    if name.len() > MAX_NAME_BYTES {
        // Keep the extension, cut the stem at a character boundary.
        let extension = name
            .rsplit_once('.')
            .map(|(_, e)| e)
            .filter(|e| e.len() <= 16)
            .map(|e| format!(".{e}"))
            .unwrap_or_default();
        let mut stem: String = String::new();
        for c in name.chars() {
            if stem.len() + c.len_utf8() + extension.len() > MAX_NAME_BYTES {
                break;
            }
            stem.push(c);
        }
        name = format!("{stem}{extension}");
    }
    name
}

/// The characters that reorder what a terminal or a file manager shows (`gpj.exe` shown as
/// `exe.jpg`).
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// Why a file was not written.
#[derive(Debug)]
pub enum NotWritten {
    /// A file (or a link) of that name is there, and replacing was not asked for.
    Exists,
    Failed(io::Error),
}

/// Writes `bytes` as `dir/name` (`name` already safe): a new file, or with `overwrite` one
/// that replaces a regular file of that name (never a symlink, never through one).
pub fn write_file(
    dir: &Path,
    name: &str,
    bytes: &[u8],
    overwrite: bool,
) -> Result<PathBuf, NotWritten> {
    let path = dir.join(name);
    match create_private(&path) {
        Ok(mut file) => {
            file.write_all(bytes).map_err(NotWritten::Failed)?;
            file.sync_all().map_err(NotWritten::Failed)?;
            Ok(path)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && !overwrite => Err(NotWritten::Exists),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let existing = std::fs::symlink_metadata(&path).map_err(NotWritten::Failed)?;
            if !existing.file_type().is_file() {
                return Err(NotWritten::Failed(io::Error::other(
                    "something other than a file is in the way (a link or a directory)",
                )));
            }
            // Written beside it, then renamed over it: the old file is whole until the new one is.
            let temporary = dir.join(format!(".{name}.sealmail-partial"));
            let mut file = create_private(&temporary).map_err(NotWritten::Failed)?;
            let written = file
                .write_all(bytes)
                .and_then(|()| file.sync_all())
                .and_then(|()| std::fs::rename(&temporary, &path));
            if let Err(e) = written {
                let _ = std::fs::remove_file(&temporary);
                return Err(NotWritten::Failed(e));
            }
            Ok(path)
        }
        Err(e) => Err(NotWritten::Failed(e)),
    }
}

/// A new file, readable by the user only; fails if anything (a link included) is at `path`.
fn create_private(path: &Path) -> io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Saves the chosen attachments of the message `raw`: what `SaveDone` reports.
pub fn save(request: &SaveRequest, raw: &[u8]) -> SaveDone {
    let mut done = SaveDone {
        req: request.req,
        saved: vec![],
        exist: vec![],
        error: None,
    };
    if !request.dir.is_dir() {
        done.error = Some(format!(
            "{} is not a directory",
            crate::sanitize::line(&request.dir.display().to_string())
        ));
        return done;
    }
    let attachments = match crate::mime::attachment_contents(raw) {
        Ok(list) => list,
        Err(e) => {
            done.error = Some(e.to_string());
            return done;
        }
    };
    let mut used: Vec<String> = Vec::new();
    for &index in &request.indices {
        let Some((name, bytes)) = attachments.get(index) else {
            done.error = Some("the message has fewer attachments".into());
            continue;
        };
        let mut name = safe_file_name(name);
        // Two attachments of one name in one save: the second gets a number.
        if used.contains(&name) {
            name = numbered(&name, used.len() + 1);
        }
        used.push(name.clone());
        match write_file(&request.dir, &name, bytes, request.overwrite) {
            Ok(path) => done.saved.push(path),
            Err(NotWritten::Exists) => done.exist.push((index, name)),
            Err(NotWritten::Failed(e)) => {
                done.error = Some(format!("cannot write {name}: {e}"));
                break;
            }
        }
    }
    done
}

/// `report.pdf` as `report-2.pdf`.
fn numbered(name: &str, n: usize) -> String {
    match name.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => format!("{stem}-{n}.{extension}"),
        _ => format!("{name}-{n}"),
    }
}

/// Saves on a thread of its own and reports `SourceEvent::Saved`.
pub fn spawn(request: SaveRequest, raw: Vec<u8>, events: mpsc::Sender<SourceEvent>) {
    let report = events.clone();
    let req = request.req;
    let job = move || {
        let done = std::panic::catch_unwind(|| save(&request, &raw)).unwrap_or_else(|_| {
            SaveDone::failed(req, "saving failed (an internal error; see the log)")
        });
        let _ = events.blocking_send(SourceEvent::Saved(done));
    };
    if std::thread::Builder::new()
        .name("sealmail-save".into())
        .spawn(job)
        .is_err()
    {
        let error = Error::new(ErrorKind::Io, "cannot start saving");
        tokio::spawn(async move {
            let _ = report
                .send(SourceEvent::Saved(SaveDone::failed(req, error.to_string())))
                .await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_mail_lose_directories_controls_and_leading_dots() {
        assert_eq!(safe_file_name("report.pdf"), "report.pdf");
        assert_eq!(safe_file_name("../../.bashrc"), "bashrc");
        assert_eq!(safe_file_name("/etc/passwd"), "passwd");
        assert_eq!(safe_file_name("..\\..\\win.ini"), "win.ini");
        assert_eq!(safe_file_name(".."), "attachment");
        assert_eq!(safe_file_name(""), "attachment");
        assert_eq!(safe_file_name("-rf"), "rf");
        assert_eq!(safe_file_name("~root"), "root");
        assert_eq!(safe_file_name("a\u{1b}[2Jb\r\n.txt"), "a[2Jb.txt");
        assert_eq!(safe_file_name("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        assert_eq!(safe_file_name("trailing. . "), "trailing");
        let long = format!("{}.pdf", "ü".repeat(300));
        let cut = safe_file_name(&long);
        assert!(
            cut.len() <= MAX_NAME_BYTES && cut.ends_with(".pdf"),
            "{cut}"
        );
    }

    #[test]
    fn a_file_is_never_replaced_without_asking_and_never_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_file(dir.path(), "a.txt", b"one", false).unwrap();
        assert!(matches!(
            write_file(dir.path(), "a.txt", b"two", false),
            Err(NotWritten::Exists)
        ));
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        write_file(dir.path(), "a.txt", b"two", true).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        // A link planted at the target, to a file elsewhere: never written through.
        let elsewhere = tempfile::tempdir().unwrap();
        let victim = elsewhere.path().join("victim");
        std::fs::write(&victim, b"keep").unwrap();
        std::os::unix::fs::symlink(&victim, dir.path().join("b.txt")).unwrap();
        assert!(matches!(
            write_file(dir.path(), "b.txt", b"evil", false),
            Err(NotWritten::Exists)
        ));
        assert!(matches!(
            write_file(dir.path(), "b.txt", b"evil", true),
            Err(NotWritten::Failed(_))
        ));
        // A dangling link too.
        std::os::unix::fs::symlink(elsewhere.path().join("new"), dir.path().join("c.txt")).unwrap();
        assert!(write_file(dir.path(), "c.txt", b"evil", false).is_err());
        assert!(!elsewhere.path().join("new").exists());
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
