//! The header cache's place in the source: a task between the reader and the IMAP actor.
//! Opening a folder with a cached list, it sends the cached rows to the reader at once (from
//! disk, before any login) and asks the actor to bring them up to date
//! ([`SourceCommand::ResumeFolder`]); a file that cannot be trusted is removed and the folder
//! loads from the server. It writes what the reader asks it to keep
//! ([`SourceCommand::SaveCache`], in parts, asking for each next one) and passes every other
//! command on, in order. While the server cannot be reached, the cached lists of folders
//! still open.

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::store::{Stepped, Store, Writing};
use crate::mail::{SourceCommand, SourceEvent};

/// Whether the cache is used; off, files of folders opened are removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    On,
    Off,
}

/// Starts the front: commands from the reader in `from_reader`, to the actor in `to_actor`;
/// its own events (cached rows, notices) go to `events` beside the actor's.
pub fn spawn(
    store: Store,
    use_: Use,
    mut from_reader: mpsc::Receiver<SourceCommand>,
    to_actor: mpsc::Sender<SourceCommand>,
    events: mpsc::Sender<SourceEvent>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut writing: Option<Writing> = None;
        while let Some(command) = from_reader.recv().await {
            let forward = match command {
                SourceCommand::OpenFolder {
                    req,
                    folder,
                    window,
                } => match use_ {
                    Use::On => open(&store, req, folder, window, &events).await,
                    Use::Off => {
                        let (store, name) = (store.clone(), folder.clone());
                        let _ = tokio::task::spawn_blocking(move || store.remove(&name)).await;
                        Some(SourceCommand::OpenFolder {
                            req,
                            folder,
                            window,
                        })
                    }
                },
                SourceCommand::SaveCache {
                    folder,
                    version,
                    rows,
                    first,
                    last,
                } => {
                    if use_ == Use::On {
                        let part = Part {
                            folder,
                            version,
                            rows,
                            first,
                            last,
                        };
                        writing = keep(&store, writing.take(), part, &events).await;
                    }
                    None
                }
                other => {
                    if matches!(
                        other,
                        SourceCommand::OpenFolder { .. } | SourceCommand::ResumeFolder { .. }
                    ) {
                        // A folder opened: a file the reader stopped handing rows to is dropped
                        // (and with it its temporary file).
                        writing = None;
                    }
                    Some(other)
                }
            };
            if let Some(command) = forward
                && to_actor.send(command).await.is_err()
            {
                break;
            }
        }
    })
}

/// One part of a folder's rows to keep ([`SourceCommand::SaveCache`]).
struct Part {
    folder: String,
    version: crate::mail::FolderVersion,
    rows: crate::mail::EncodedRows,
    first: bool,
    last: bool,
}

/// Writes a part on the blocking pool: the first starts a new file, the last puts it in
/// place; between the two, the reader is asked for the next part. A part that continues no
/// file being written (its first part failed, or belonged to another folder) is dropped.
/// Returns the file still being written.
async fn keep(
    store: &Store,
    writing: Option<Writing>,
    part: Part,
    events: &mpsc::Sender<SourceEvent>,
) -> Option<Writing> {
    let store = store.clone();
    let folder = part.folder.clone();
    let written = tokio::task::spawn_blocking(move || -> std::io::Result<Option<Writing>> {
        let writing = if part.first {
            Some(store.begin(&part.folder, part.version)?)
        } else {
            writing.filter(|w| w.folder == part.folder && w.version == part.version)
        };
        let Some(mut writing) = writing else {
            return Ok(None);
        };
        writing.append(&part.rows)?;
        if part.last {
            writing.finish()?;
            return Ok(None);
        }
        Ok(Some(writing))
    })
    .await;
    match written {
        Ok(Ok(Some(writing))) => {
            let _ = events.send(SourceEvent::CacheWanted { folder }).await;
            Some(writing)
        }
        Ok(Ok(None)) => None,
        Ok(Err(e)) => {
            let text = format!("the header cache could not be written: {e}");
            let text = crate::sanitize::line(&text).into_owned();
            let _ = events.send(SourceEvent::Notice(text)).await;
            None
        }
        Err(_) => None,
    }
}

/// Serves a folder's cached rows, if there are any to trust (the newest window first, the
/// rest after), and says what the actor is to do: bring them up to date, or load the folder.
async fn open(
    store: &Store,
    req: u64,
    folder: String,
    window: u32,
    events: &mpsc::Sender<SourceEvent>,
) -> Option<SourceCommand> {
    let (reading, name, sender) = (store.clone(), folder.clone(), events.clone());
    let first = usize::try_from(window).unwrap_or(100);
    let read = tokio::task::spawn_blocking(move || {
        let mut delivered = false;
        let mut deliver = |rows| {
            delivered = true;
            let _ = sender.blocking_send(SourceEvent::Cached {
                req,
                folder: name.clone(),
                rows,
            });
        };
        let read = reading.read_in_steps(&name, first, &mut deliver);
        (read, delivered)
    })
    .await
    .unwrap_or((Stepped::Missing, false));
    let open = SourceCommand::OpenFolder {
        req,
        folder: folder.clone(),
        window,
    };
    match read {
        (Stepped::Found(known), _) => Some(SourceCommand::ResumeFolder {
            req,
            folder,
            window,
            known: Box::new(known),
        }),
        (Stepped::Missing, _) => Some(open),
        (Stepped::Discarded(why), delivered) => {
            tracing::warn!(target: "sealmail::cache", ?why, "a header cache file was refused");
            let reason = "the cached list of this folder could not be trusted; loading it again";
            let event = if delivered {
                SourceEvent::Reload {
                    req,
                    reason: reason.into(),
                }
            } else {
                SourceEvent::Notice(reason.into())
            };
            events.send(event).await.ok()?;
            Some(open)
        }
    }
}
