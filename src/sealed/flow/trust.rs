//! Which portal origins may be contacted: those in the config (`trusted_portals`) and those the
//! user confirmed once, kept in the trust file (`$XDG_STATE_HOME/sealmail/trusted-portals`):
//! origins only, one per line, no secret, created 0600 in a 0700 directory.

use std::collections::HashSet;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::sealed::fields;

/// The default trust file, in sealmail's state directory.
pub fn default_trust_file() -> Option<PathBuf> {
    crate::paths::state_dir().map(|d| d.join("trusted-portals"))
}

/// An origin as compared: lowercase, no trailing slash. `None` when it is not a valid origin.
pub fn normalize_origin(origin: &str) -> Option<String> {
    let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    fields::check_origin(&origin).ok().map(|()| origin)
}

/// The trusted origins, in memory, backed by the trust file.
#[derive(Debug, Default)]
pub struct Trust {
    origins: HashSet<String>,
    file: Option<PathBuf>,
}

impl Trust {
    /// The configured origins plus those in `file` (a missing file is an empty one).
    pub fn load(configured: &[String], file: Option<PathBuf>) -> Self {
        let mut origins: HashSet<String> = configured
            .iter()
            .filter_map(|o| normalize_origin(o))
            .collect();
        if let Some(path) = &file
            && let Ok(text) = std::fs::read_to_string(path)
        {
            origins.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .filter_map(normalize_origin),
            );
        }
        Self { origins, file }
    }

    pub fn contains(&self, origin: &str) -> bool {
        normalize_origin(origin).is_some_and(|o| self.origins.contains(&o))
    }

    /// Trusts `origin` from now on and appends it to the trust file when it is new there.
    pub fn add(&mut self, origin: &str) -> io::Result<()> {
        let Some(origin) = normalize_origin(origin) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a portal origin",
            ));
        };
        if !self.origins.insert(origin.clone()) {
            return Ok(());
        }
        match &self.file {
            Some(path) => append_line(path, &origin),
            None => Ok(()),
        }
    }
}

fn append_line(path: &Path, line: &str) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(format!("{line}\n").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_and_file_are_trusted_and_confirmations_are_appended() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("state/sealmail/trusted-portals");
        let mut trust = Trust::load(
            &["https://Portal.Example.com/".into(), "not an origin".into()],
            Some(file.clone()),
        );
        assert!(trust.contains("https://portal.example.com"));
        assert!(!trust.contains("https://other.example.com"));
        trust.add("https://other.example.com").expect("written");
        trust.add("https://other.example.com").expect("known");
        trust.add("http://127.0.0.1:8080").expect("loopback http");
        assert!(trust.add("http://remote.example.com").is_err());
        assert_eq!(
            std::fs::read_to_string(&file).expect("the file"),
            "https://other.example.com\nhttp://127.0.0.1:8080\n"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = Trust::load(&[], Some(file));
        assert!(again.contains("https://other.example.com"));
        assert!(again.contains("http://127.0.0.1:8080"));
        assert!(!again.contains("https://portal.example.com"));
    }
}
