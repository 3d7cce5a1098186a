//! Where sealmail keeps its files: the config directory, the state directory (logs, portal
//! trust), and `~` in paths the user wrote.

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

/// `~/x` as the user's home joined with `x`; any other path as it is.
pub fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), dirs::home_dir()) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => path.to_path_buf(),
    }
}
