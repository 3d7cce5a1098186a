//! Sign-in: the OAuth2 / OpenID Connect device sign-in (one engine for the mail account and
//! sealed messages) and the rules for what an identity provider sends. It knows nothing of the
//! reader's events: callers turn its steps into their own. No ratatui or crossterm here.

pub mod guard;
pub mod oauth2;

#[cfg(test)]
mod tests {
    /// The sign-in library knows nothing of the reader: no file under `src/auth` names the
    /// reader's events, state, views or the IMAP actor. (`cargo test --lib auth::tests`)
    #[test]
    fn auth_imports_nothing_of_the_reader() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/auth");
        let mut dirs = vec![root];
        let mut files = 0;
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("src/auth is readable") {
                let path = entry.expect("an entry").path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("a source file");
                files += 1;
                // Spelt in parts, so that this file does not name them itself.
                for above in ["mail", "app", "ui", "imap"] {
                    let path_of = format!("crate::{above}");
                    assert!(
                        !text.contains(&path_of),
                        "{} names {path_of}",
                        path.display()
                    );
                }
            }
        }
        assert!(files >= 8, "only {files} files under src/auth");
    }
}
