//! One folder's messages and their session UIDs: assigned in arrival order (mtime, then name)
//! and kept for the whole session, whatever renames happen to the files.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::UNIX_EPOCH;

use super::filename::{self, Sub};
use crate::mail::Flags;

/// A message file as the index knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub uid: u32,
    pub sub: Sub,
    /// The file name, flags included.
    pub name: String,
    pub flags: Flags,
    /// Modification time in Unix seconds: the arrival time.
    pub mtime: i64,
    pub size: u64,
}

/// What a rescan found changed since the last one.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// New messages, in arrival order.
    pub added: Vec<u32>,
    pub removed: Vec<u32>,
    pub flags: Vec<(u32, Flags)>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.flags.is_empty()
    }
}

/// The messages of one folder directory.
#[derive(Debug)]
pub struct FolderIndex {
    dir: PathBuf,
    uids: HashMap<String, u32>,
    entries: BTreeMap<u32, Entry>,
    next_uid: u32,
}

impl FolderIndex {
    pub fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            uids: HashMap::new(),
            entries: BTreeMap::new(),
            next_uid: 1,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn get(&self, uid: u32) -> Option<&Entry> {
        self.entries.get(&uid)
    }

    /// The UID of the message whose file has this unique name.
    pub fn uid_of(&self, unique: &str) -> Option<u32> {
        self.uids.get(unique).copied()
    }

    pub fn path_of(&self, entry: &Entry) -> PathBuf {
        self.dir.join(entry.sub.dir()).join(&entry.name)
    }

    /// Every entry, newest (highest UID) first.
    pub fn newest_first(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values().rev()
    }

    /// Records that the file of `uid` was renamed (its flags changed, or it moved to `cur/`).
    pub fn renamed(&mut self, uid: u32, sub: Sub, name: String) {
        if let Some(entry) = self.entries.get_mut(&uid) {
            entry.flags = filename::flags(&name);
            entry.sub = sub;
            entry.name = name;
        }
    }

    /// Reads the directory again and brings the index up to date. New files get the next
    /// UIDs in arrival order; files whose unique name is gone are removed. Only files not seen
    /// before are stat'ed: a rename (a flag change) keeps a file's time and size.
    pub fn sync(&mut self) -> io::Result<Changes> {
        let mut listed = Vec::new();
        for sub in [Sub::New, Sub::Cur] {
            list(&self.dir.join(sub.dir()), sub, &mut listed)?;
        }
        let mut changes = Changes::default();
        let mut seen = HashSet::with_capacity(listed.len());
        let mut unknown = Vec::new();
        for file in listed {
            let known = self.uids.get(filename::unique(&file.name)).copied();
            match known.and_then(|uid| self.entries.get_mut(&uid)) {
                Some(entry) => {
                    seen.insert(entry.uid);
                    let flags = flags_of(file.sub, &file.name);
                    if entry.flags != flags {
                        changes.flags.push((entry.uid, flags));
                    }
                    entry.flags = flags;
                    entry.sub = file.sub;
                    entry.name = file.name;
                }
                None => unknown.push(file),
            }
        }
        // Files gone between listing and stat are left out: they will not be missed.
        let mut unknown = stat_all(unknown);
        unknown.sort_by(|a, b| (a.mtime, &a.name).cmp(&(b.mtime, &b.name)));
        for file in unknown {
            let uid = self.next_uid;
            self.next_uid = self.next_uid.saturating_add(1);
            self.uids
                .insert(filename::unique(&file.name).to_owned(), uid);
            seen.insert(uid);
            self.entries.insert(uid, Entry { uid, ..file });
            changes.added.push(uid);
        }
        let gone: Vec<u32> = self
            .entries
            .keys()
            .filter(|uid| !seen.contains(uid))
            .copied()
            .collect();
        for uid in &gone {
            if let Some(entry) = self.entries.remove(uid) {
                self.uids.remove(filename::unique(&entry.name));
            }
        }
        changes.removed = gone;
        Ok(changes)
    }
}

/// A directory entry not yet stat'ed.
struct Listed {
    sub: Sub,
    name: String,
    entry: std::fs::DirEntry,
}

/// Files in `new/` carry no info, whatever their name says.
fn flags_of(sub: Sub, name: &str) -> Flags {
    match sub {
        Sub::New => Flags::default(),
        Sub::Cur => filename::flags(name),
    }
}

/// The entries of one subdirectory; a missing directory holds none.
fn list(dir: &Path, sub: Sub, out: &mut Vec<Listed>) -> io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        // Dot files are not messages (Maildir++ keeps its own state in some).
        if name.starts_with('.') || entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        out.push(Listed { sub, name, entry });
    }
    Ok(())
}

/// Below this many files, stat'ing them on more than one thread costs more than it saves.
const PARALLEL_STAT_FROM: usize = 4096;

/// Stats every file, a large folder's on all cores (the first open of a folder with 100,000
/// messages is mostly this).
fn stat_all(files: Vec<Listed>) -> Vec<Entry> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if files.len() < PARALLEL_STAT_FROM || cores == 1 {
        return files.into_iter().filter_map(stat).collect();
    }
    let per_thread = files.len().div_ceil(cores);
    let mut files = files.into_iter();
    let mut parts = Vec::with_capacity(cores);
    loop {
        let part: Vec<Listed> = files.by_ref().take(per_thread).collect();
        if part.is_empty() {
            break;
        }
        parts.push(part);
    }
    let queue = Mutex::new(parts);
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..cores)
            .filter_map(|_| {
                std::thread::Builder::new()
                    .spawn_scoped(scope, || stat_queued(&queue))
                    .ok()
            })
            .collect();
        // This thread works too, so every part is done even when no helper could start.
        let mut out = stat_queued(&queue);
        for helper in helpers {
            out.extend(helper.join().unwrap_or_default());
        }
        out
    })
}

/// Stats the parts of `queue` until it is empty.
fn stat_queued(queue: &Mutex<Vec<Vec<Listed>>>) -> Vec<Entry> {
    let mut out = Vec::new();
    while let Some(part) = queue.lock().ok().and_then(|mut parts| parts.pop()) {
        out.extend(part.into_iter().filter_map(stat));
    }
    out
}

/// The arrival time and size of a listed file; `None` when it is gone or no regular file.
fn stat(file: Listed) -> Option<Entry> {
    let meta = file.entry.metadata().ok().filter(|m| m.is_file())?;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    Some(Entry {
        uid: 0,
        sub: file.sub,
        flags: flags_of(file.sub, &file.name),
        name: file.name,
        mtime,
        size: meta.len(),
    })
}

#[cfg(test)]
mod tests {
    use std::fs::{self, File, FileTimes};
    use std::time::{Duration, SystemTime};

    use super::*;

    fn put(dir: &Path, sub: &str, name: &str, mtime: u64) {
        let path = dir.join(sub).join(name);
        fs::write(&path, b"Subject: x\r\n\r\nx\r\n").expect("write");
        let when = SystemTime::UNIX_EPOCH + Duration::from_secs(mtime);
        File::options()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_times(FileTimes::new().set_modified(when)))
            .expect("mtime");
    }

    fn maildir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        for sub in ["cur", "new", "tmp"] {
            fs::create_dir(dir.path().join(sub)).expect("mkdir");
        }
        dir
    }

    #[test]
    fn uids_follow_arrival_and_survive_renames() {
        let dir = maildir();
        put(dir.path(), "cur", "b:2,S", 200);
        put(dir.path(), "new", "a", 100);
        put(dir.path(), "cur", "c:2,", 200);
        let mut index = FolderIndex::new(dir.path().to_path_buf());
        let first = index.sync().expect("sync");
        assert_eq!(first.added, [1, 2, 3]);
        let names: Vec<&str> = index.newest_first().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["c:2,", "b:2,S", "a"]);

        fs::rename(dir.path().join("new/a"), dir.path().join("cur/a:2,FS")).expect("rename");
        fs::remove_file(dir.path().join("cur/b:2,S")).expect("rm");
        put(dir.path(), "new", "d", 50);
        let changes = index.sync().expect("sync");
        assert_eq!(changes.added, [4], "a late file still gets the next UID");
        assert_eq!(changes.removed, [2]);
        assert_eq!(
            changes.flags,
            [(1, Flags(Flags::SEEN.0 | Flags::FLAGGED.0))]
        );
        assert_eq!(index.get(1).map(|e| e.sub), Some(Sub::Cur));
        assert!(index.sync().expect("sync").is_empty());
    }

    #[test]
    fn a_large_folder_is_stated_in_parallel_and_in_order() {
        let dir = maildir();
        let count = PARALLEL_STAT_FROM + 904;
        for i in 0..count {
            // Names sort against arrival order, so only the mtime can give the right order.
            put(
                dir.path(),
                "cur",
                &format!("{:05}:2,S", count - i),
                1000 + i as u64,
            );
        }
        let mut index = FolderIndex::new(dir.path().to_path_buf());
        let changes = index.sync().expect("sync");
        assert_eq!(changes.added.len(), count);
        let mtimes: Vec<i64> = index.newest_first().map(|e| e.mtime).collect();
        let expected: Vec<i64> = (0..count as i64).rev().map(|i| 1000 + i).collect();
        assert_eq!(mtimes, expected);
    }
}
