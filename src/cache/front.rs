//! The header cache's place in the source: a task between the reader and the IMAP actor.
//! Opening a folder with a cached list, it sends the cached rows to the reader at once (from
//! disk, before any login) and asks the actor to bring them up to date
//! ([`SourceCommand::ResumeFolder`]); a file that cannot be trusted is removed and the folder
//! loads from the server. It writes what the reader asks it to keep
//! ([`SourceCommand::SaveCache`]) and passes every other command on, in order. While the
//! server cannot be reached, the cached lists of folders still open.

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::store::{Stepped, Store};
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
                } => {
                    if use_ == Use::On {
                        let store = store.clone();
                        let written = tokio::task::spawn_blocking(move || {
                            store.write_encoded(&folder, version, &rows)
                        })
                        .await;
                        if let Ok(Err(e)) = written {
                            let text = format!("the header cache could not be written: {e}");
                            let text = crate::sanitize::line(&text).into_owned();
                            let _ = events.send(SourceEvent::Notice(text)).await;
                        }
                    }
                    None
                }
                other => Some(other),
            };
            if let Some(command) = forward
                && to_actor.send(command).await.is_err()
            {
                break;
            }
        }
    })
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
