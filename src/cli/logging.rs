//! Logging to a file, never to the terminal the UI owns. Off unless asked for
//! (`--log-file PATH` or `SEALMAIL_LOG=debug|info|warn`).

use std::fs::OpenOptions;
use std::path::PathBuf;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

/// Starts logging to `path` (default: the state directory) when a file or a level was given.
pub fn init(path: Option<PathBuf>) -> anyhow::Result<()> {
    let level = std::env::var("SEALMAIL_LOG").ok();
    if path.is_none() && level.is_none() {
        return Ok(());
    }
    let path = match path {
        Some(p) => p,
        None => {
            let dir = crate::paths::state_dir()
                .ok_or_else(|| anyhow::anyhow!("no state directory for the log"))?;
            std::fs::create_dir_all(&dir)?;
            dir.join("sealmail.log")
        }
    };
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(&path)?;
    let filter = EnvFilter::try_new(level.as_deref().unwrap_or("info"))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(filter)
        .init();
    Ok(())
}
