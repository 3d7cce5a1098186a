//! Where sealmail keeps its files: the config directory, the state directory (logs, portal
//! trust), and `~` in paths the user wrote; and how a private file is made (0600, new).

use std::path::{Path, PathBuf};

/// The default config path: `$XDG_CONFIG_HOME/sealmail/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("sealmail").join("config.toml"))
}

/// sealmail's state directory (`$XDG_STATE_HOME/sealmail`): logs and portal trust, no secret.
pub fn state_dir() -> Option<PathBuf> {
    dirs::state_dir()
        .or_else(dirs::cache_dir)
        .map(|d| d.join("sealmail"))
}

/// Creates `path` (it must not exist), readable and writable by the user only, writes
/// `bytes` and syncs them; the open file comes back for anything more (its times).
pub fn write_private_new(path: &Path, bytes: &[u8]) -> std::io::Result<std::fs::File> {
    use std::io::Write as _;
    let mut options = std::fs::File::options();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(file)
}

/// `~/x` as the user's home joined with `x`; any other path as it is.
pub fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), dirs::home_dir()) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => path.to_path_buf(),
    }
}
