//! The names in a directory, for the attach prompt's path completion: the directory as typed
//! (`~` expanded, the current one when none is typed), at most [`MAX_LISTED`] names, those
//! that are not UTF-8 left out (they could not be typed back). Run off the reader's task.

use crate::app::compose_path::DirEntry;

/// Names listed at most.
pub const MAX_LISTED: usize = 5_000;

pub fn list(dir: &str) -> Result<Vec<DirEntry>, String> {
    let path = if dir.is_empty() {
        std::path::PathBuf::from(".")
    } else {
        crate::paths::expand_home(std::path::Path::new(dir))
    };
    let entries = std::fs::read_dir(&path).map_err(|e| e.to_string())?;
    Ok(entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            // A link to a directory completes as one.
            let dir = entry.path().is_dir();
            Some(DirEntry { name, dir })
        })
        .take(MAX_LISTED)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_lists_its_names_and_which_are_directories() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("sub")).unwrap();
        std::fs::write(root.path().join("note.txt"), b"x").unwrap();
        let dir = format!("{}/", root.path().display());
        let mut found = list(&dir).unwrap();
        found.sort_by(|a, b| a.name.cmp(&b.name));
        assert_eq!(
            found,
            [
                DirEntry {
                    name: "note.txt".into(),
                    dir: false
                },
                DirEntry {
                    name: "sub".into(),
                    dir: true
                }
            ]
        );
        assert!(list(&format!("{dir}missing/")).is_err());
    }
}
