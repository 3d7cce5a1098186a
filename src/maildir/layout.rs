//! The folders of a Maildir++ tree: the root is INBOX, each `.Name` directory below it with a
//! `cur/` is a folder (`.Archive.2024` is `Archive/2024`), names in IMAP's modified UTF-7.

use std::io;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::{GeneralPurpose, NO_PAD};

use crate::mail::{Flags, Folder, FolderAccess, FolderCount, SpecialUse, folder_tree};
use crate::sanitize::Clean;

/// The name the root folder goes by, as in IMAP.
pub const INBOX: &str = "INBOX";

/// True when `dir` holds a Maildir (its `cur/` and `new/` exist).
pub fn is_maildir(dir: &Path) -> bool {
    dir.join("cur").is_dir() && dir.join("new").is_dir()
}

/// Every folder of the tree, in the folder pane's order (see [`folder_tree::arrange`]).
pub fn folders(root: &Path) -> io::Result<Vec<Folder>> {
    let mut others = Vec::new();
    for entry in std::fs::read_dir(root)? {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if folder_path(root, &name).is_none() || !is_maildir(&entry.path()) {
            continue;
        }
        let path: Vec<Clean> = name
            .trim_start_matches('.')
            .split('.')
            .map(|part| Clean::line(&decode_modified_utf7(part)))
            .collect();
        // A Maildir has no special-use attributes: the usual names of the top level stand in.
        let special = match path.as_slice() {
            [only] => SpecialUse::from_name(only),
            _ => None,
        };
        others.push(Folder {
            display: display_name(&name),
            path,
            name,
            selectable: true,
            special,
            ..Folder::default()
        });
    }
    let inbox = Folder::plain(INBOX);
    Ok(folder_tree::order(
        std::iter::once(inbox).chain(others).collect(),
    ))
}

/// The Maildir++ name of a folder at `path` (`["Projects", "2026"]` is `.Projects.2026`, each
/// level in modified UTF-7); an error for a level that is empty or holds `.`, `/` or a
/// control character.
pub fn name_for(path: &[String]) -> Result<String, String> {
    let mut name = String::new();
    for level in path {
        let level = level.trim();
        if level.is_empty()
            || level.contains(['.', '/', '\\'])
            || level.chars().any(char::is_control)
        {
            return Err(
                "a folder name cannot be empty or hold . / \\ or control characters".into(),
            );
        }
        name.push('.');
        name.push_str(&crate::mail::mutf7::encode(level));
    }
    if name.is_empty() {
        return Err("a folder needs a name".into());
    }
    Ok(name)
}

/// Creates, renames or deletes a folder's directory. A rename takes the folders inside along
/// (`.A.B` with `.A`); a delete removes the folder and its messages, not the folders inside
/// (as IMAP's DELETE). INBOX is never renamed or deleted.
pub fn change(root: &Path, change: &crate::mail::FolderChange) -> Result<(), String> {
    use crate::mail::FolderChange;
    let dir_of = |name: &str| {
        folder_path(root, name)
            .filter(|_| name != INBOX)
            .ok_or_else(|| "INBOX cannot be renamed or deleted".to_owned())
    };
    match change {
        FolderChange::Create { path } => {
            let dir = root.join(name_for(path)?);
            if dir.exists() {
                return Err("that folder exists".into());
            }
            for sub in ["cur", "new", "tmp"] {
                std::fs::create_dir_all(dir.join(sub)).map_err(|e| e.to_string())?;
            }
            Ok(())
        }
        FolderChange::Rename { from, path } => {
            let from_dir = dir_of(from)?;
            let to = name_for(path)?;
            if root.join(&to).exists() {
                return Err("a folder of that name exists".into());
            }
            // The folder, then the folders inside it.
            let inner_prefix = format!("{from}.");
            let mut moves = vec![(from_dir, root.join(&to))];
            for entry in std::fs::read_dir(root).map_err(|e| e.to_string())? {
                let name = entry.map_err(|e| e.to_string())?.file_name();
                let name = name.to_string_lossy();
                if let Some(rest) = name.strip_prefix(&inner_prefix) {
                    moves.push((root.join(name.as_ref()), root.join(format!("{to}.{rest}"))));
                }
            }
            for (from, to) in moves {
                std::fs::rename(from, to).map_err(|e| e.to_string())?;
            }
            Ok(())
        }
        FolderChange::Delete { name } => {
            let dir = dir_of(name)?;
            if !is_maildir(&dir) {
                return Err("there is no such folder".into());
            }
            std::fs::remove_dir_all(dir).map_err(|e| e.to_string())
        }
    }
}

/// How many messages a folder's directory holds, and how many are unread: everything in
/// `new/`, and what in `cur/` lacks the `S` flag.
pub fn count(dir: &Path) -> io::Result<FolderCount> {
    let mut count = FolderCount::default();
    for (sub, all_unseen) in [("new", true), ("cur", false)] {
        for entry in std::fs::read_dir(dir.join(sub))? {
            let name = entry?.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') {
                continue;
            }
            count.total = count.total.saturating_add(1);
            if all_unseen || !super::filename::flags(&name).contains(Flags::SEEN) {
                count.unseen = count.unseen.saturating_add(1);
            }
        }
    }
    Ok(count)
}

/// What a folder lets the reader change: flags live in file names, so a `cur/` the reader
/// may not write to makes the folder read-only.
pub fn access(dir: &Path) -> FolderAccess {
    let read_only = std::fs::metadata(dir.join("cur")).is_ok_and(|m| m.permissions().readonly());
    FolderAccess {
        read_only,
        ..FolderAccess::default()
    }
}

/// The directory of a folder by its command name; `None` for a name that is not one of ours
/// (so a name can never reach outside the tree).
pub fn folder_path(root: &Path, name: &str) -> Option<PathBuf> {
    if name == INBOX {
        return Some(root.to_path_buf());
    }
    let valid = name.len() > 1
        && name.starts_with('.')
        && name != ".."
        && !name.contains(['/', '\\', '\0'])
        && !name.split('.').skip(1).any(str::is_empty);
    valid.then(|| root.join(name))
}

/// `.Archive.2024` -> `Archive/2024`, modified UTF-7 decoded and sanitised.
pub fn display_name(name: &str) -> Clean {
    let shown: Vec<String> = name
        .trim_start_matches('.')
        .split('.')
        .map(decode_modified_utf7)
        .collect();
    Clean::line(&shown.join("/"))
}

/// IMAP's modified UTF-7 (RFC 3501 5.1.3); a name that is not valid is shown as it is.
pub fn decode_modified_utf7(s: &str) -> String {
    try_decode(s).unwrap_or_else(|| s.to_owned())
}

fn try_decode(s: &str) -> Option<String> {
    const ENGINE: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::IMAP_MUTF7, NO_PAD);
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some((head, after)) = rest.split_once('&') {
        out.push_str(head);
        let (encoded, tail) = after.split_once('-')?;
        if encoded.is_empty() {
            out.push('&');
        } else {
            let bytes = ENGINE.decode(encoded).ok()?;
            let (pairs, odd) = bytes.as_chunks::<2>();
            if !odd.is_empty() {
                return None;
            }
            let units: Vec<u16> = pairs.iter().map(|pair| u16::from_be_bytes(*pair)).collect();
            out.push_str(&String::from_utf16(&units).ok()?);
        }
        rest = tail;
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modified_utf7_names_are_decoded() {
        assert_eq!(decode_modified_utf7("Entw&APw-rfe"), "Entwürfe");
        assert_eq!(decode_modified_utf7("&ZeVnLIqe-"), "日本語");
        assert_eq!(decode_modified_utf7("Tom &- Jerry"), "Tom & Jerry");
        assert_eq!(decode_modified_utf7("bad&AP"), "bad&AP");
    }

    #[test]
    fn display_names_use_slash_for_hierarchy() {
        assert_eq!(display_name(".Archive.2024"), "Archive/2024");
        assert_eq!(display_name(".Sent"), "Sent");
        assert_eq!(display_name(".Evil\u{1b}[2J"), "Evil␛[2J");
    }

    #[test]
    fn folder_names_cannot_leave_the_tree() {
        let root = Path::new("/m");
        assert_eq!(folder_path(root, "INBOX"), Some(PathBuf::from("/m")));
        assert_eq!(folder_path(root, ".Sent"), Some(PathBuf::from("/m/.Sent")));
        for bad in [
            "..",
            ".",
            "Sent",
            "./x",
            "../etc",
            ".a/../../b",
            ".a..b",
            "",
        ] {
            assert_eq!(folder_path(root, bad), None, "{bad}");
        }
    }
}
