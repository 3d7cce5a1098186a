//! Watches the open folder's `new/` and `cur/` with inotify (via `notify`): a change wakes the
//! actor; nothing runs while the directories are quiet.

use std::path::Path;

use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc;

/// The watcher of one folder. Dropping it stops the watch.
pub struct FolderWatch {
    _watcher: RecommendedWatcher,
}

/// A wake-up channel of capacity one: a burst of file events becomes one pending rescan.
pub fn channel() -> (mpsc::Sender<()>, mpsc::Receiver<()>) {
    mpsc::channel(1)
}

impl FolderWatch {
    /// Starts watching `folder_dir/new` and `folder_dir/cur`, waking `wake` on every change.
    pub fn start(folder_dir: &Path, wake: mpsc::Sender<()>) -> notify::Result<Self> {
        let mut watcher = notify::recommended_watcher(move |event: notify::Result<Event>| {
            let relevant = match &event {
                // Opening and reading files (our own reads among them) changes nothing.
                Ok(event) => !matches!(
                    event.kind,
                    EventKind::Access(AccessKind::Open(_))
                        | EventKind::Access(AccessKind::Read)
                        | EventKind::Access(AccessKind::Close(AccessMode::Read))
                        | EventKind::Access(AccessKind::Close(AccessMode::Execute))
                ),
                // A lost event (queue overflow) means "rescan to be sure".
                Err(_) => true,
            };
            if relevant {
                // Full means a rescan is already pending; closed means the actor is gone.
                let _ = wake.try_send(());
            }
        })?;
        for sub in ["new", "cur"] {
            watcher.watch(&folder_dir.join(sub), RecursiveMode::NonRecursive)?;
        }
        Ok(Self { _watcher: watcher })
    }
}
