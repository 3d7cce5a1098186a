//! Moving, copying and deleting messages. A move is `UID MOVE` (RFC 6851) where the server
//! offers it, else `UID COPY`, then `UID STORE +FLAGS.SILENT (\Deleted)` and `UID EXPUNGE`
//! (RFC 4315) of exactly the copied messages: never a bare EXPUNGE, which would also remove
//! what another client marked deleted. Nothing is removed before its copy succeeded.
//!
//! UIDs go in sets of contiguous runs ([`uidset`]), one command per set, and the transfer
//! records its progress after each: when the connection drops, the actor keeps the transfer
//! and takes it up again after reconnecting, so that a message copied already is not copied
//! again. A transfer out of a folder that is not open (an undo) runs on a connection of its
//! own, so that the open folder's state is not disturbed.

use super::actor::{Actor, Fault};
use super::connect::{Capabilities, Session};
use super::errors::{is_connection_error, is_unreadable_response};
use super::mailbox::Change;
use super::select::{quote, select};
use super::tagged;
use super::uidset::{UidSet, uid_sets};
use crate::error::{Error, ErrorKind};
use crate::mail::transfer::not_in;
use crate::mail::{
    Erase, EraseDone, SourceCommand, SourceEvent, Transfer, TransferDone, TransferKind,
};

impl Actor {
    /// Serves a [`SourceCommand::Transfer`].
    pub(super) async fn transfer(&mut self, mut job: Transfer) -> Result<(), Fault> {
        if self.open.as_ref().is_none_or(|o| o.name != job.folder) {
            return self.transfer_elsewhere(job).await;
        }
        if job.kind == TransferKind::Move && self.access.read_only {
            let error = Error::new(ErrorKind::Protocol, "this folder is read-only");
            return self.transfer_ended(job, Some(error)).await;
        }
        let caps = self.caps;
        let session = self.session()?;
        let mut changes = Vec::new();
        let result = run(session, caps, &mut job, &mut changes).await;
        super::fetch::drain_unsolicited(session, &mut changes);
        self.apply_changes(changes).await?;
        match result {
            Ok(()) => self.transfer_ended(job, None).await,
            Err(e) if is_connection_error(&e) && !is_unreadable_response(&e) => {
                // Taken up again once the connection is back, from where it stopped.
                self.deferred.push_front(SourceCommand::Transfer(job));
                Err(Fault::Conn(e))
            }
            Err(e) => {
                let unreadable = is_unreadable_response(&e);
                self.transfer_ended(job, Some(e.clone())).await?;
                if unreadable {
                    return Err(Fault::Conn(e));
                }
                Ok(())
            }
        }
    }

    /// A transfer out of a folder other than the open one, on a connection of its own.
    async fn transfer_elsewhere(&mut self, mut job: Transfer) -> Result<(), Fault> {
        let tls = match self.tls_config() {
            Ok(tls) => tls,
            Err(e) => return self.transfer_ended(job, Some(e)).await,
        };
        let result = match self.connect_and_login(tls).await {
            Err(e) => Err(e),
            Ok(mut connected) => {
                let mut changes = Vec::new();
                let result = match select(&mut connected.session, &job.folder).await {
                    Err(e) => Err(super::errors::imap_error("open the folder", e)),
                    Ok(_) => {
                        run(
                            &mut connected.session,
                            connected.caps,
                            &mut job,
                            &mut changes,
                        )
                        .await
                    }
                };
                let _ = tokio::time::timeout(
                    std::time::Duration::from_secs(2),
                    connected.session.logout(),
                )
                .await;
                result
            }
        };
        self.transfer_ended(job, result.err()).await
    }

    async fn transfer_ended(&self, job: Transfer, error: Option<Error>) -> Result<(), Fault> {
        let failed = job
            .uids
            .iter()
            .chain(&job.progress.copied)
            .copied()
            .collect();
        self.emit(SourceEvent::Transferred(TransferDone {
            req: job.req,
            folder: job.folder,
            target: job.target,
            kind: job.kind,
            progress: job.progress,
            failed,
            error: error.map(|e| e.to_string()),
        }))
        .await
    }

    /// Serves a [`SourceCommand::Erase`]: `\Deleted`, then UID EXPUNGE of exactly those.
    pub(super) async fn erase(&mut self, job: Erase) -> Result<(), Fault> {
        let mut uids = job.uids.clone();
        uids.sort_unstable();
        uids.dedup();
        let refused = if self.open.as_ref().is_none_or(|o| o.name != job.folder) {
            Some("that folder is not open any more")
        } else if self.access.read_only {
            Some("this folder is read-only")
        } else if !self.caps.uidplus {
            Some("the server cannot delete only these messages (it lacks UIDPLUS)")
        } else {
            None
        };
        if let Some(why) = refused {
            return self
                .emit(SourceEvent::Erased(EraseDone {
                    req: job.req,
                    folder: job.folder,
                    erased: vec![],
                    failed: uids,
                    error: Some(why.into()),
                }))
                .await;
        }
        let caps = self.caps;
        let session = self.session()?;
        let mut changes = Vec::new();
        let mut erased = Vec::new();
        let mut error = None;
        for set in uid_sets(&uids) {
            match remove(session, caps, &set, &mut changes).await {
                Ok(()) => erased.extend(set.uids),
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        super::fetch::drain_unsolicited(session, &mut changes);
        self.apply_changes(changes).await?;
        let connection_lost = error.as_ref().filter(|e| is_connection_error(e)).cloned();
        let failed = not_in(&uids, &erased);
        if let Some(e) = connection_lost {
            // Asked again once the connection is back: deleting twice deletes once.
            self.deferred.push_front(SourceCommand::Erase(Erase {
                req: job.req,
                folder: job.folder,
                uids,
            }));
            return Err(Fault::Conn(e));
        }
        self.emit(SourceEvent::Erased(EraseDone {
            req: job.req,
            folder: job.folder,
            erased,
            failed,
            error: error.map(|e| e.to_string()),
        }))
        .await
    }
}

/// Runs `job` on a session with its folder selected, one set at a time, recording progress
/// in `job` after each command and the server's news in `changes`.
async fn run(
    session: &mut Session,
    caps: Capabilities,
    job: &mut Transfer,
    changes: &mut Vec<Change>,
) -> Result<(), Error> {
    let target = quote(&job.target).ok_or_else(|| {
        Error::new(
            ErrorKind::Config,
            "the target folder's name cannot be sent to the server",
        )
    })?;
    if job.kind == TransferKind::Move && !caps.moves && !caps.uidplus {
        // A copy could be made, but the originals could only go by a bare EXPUNGE, which
        // would also remove what other clients marked deleted: nothing is copied.
        return Err(Error::new(
            ErrorKind::Protocol,
            "the server can neither MOVE nor remove only given messages (UIDPLUS): \
             messages cannot be moved here",
        ));
    }
    // Copied before the connection dropped: only their removal is left.
    let copied = std::mem::take(&mut job.progress.copied);
    for set in uid_sets(&copied) {
        if let Err(e) = remove(session, caps, &set, changes).await {
            job.progress.copied = not_in(&copied, &job.progress.done);
            return Err(e);
        }
        job.progress.done.extend(&set.uids);
        job.progress.done.sort_unstable();
    }
    while let Some(set) = uid_sets(&job.uids).into_iter().next() {
        let n = set.uids.len();
        let (verb, what) = match job.kind {
            TransferKind::Move if caps.moves => ("MOVE", "move"),
            _ => ("COPY", "copy"),
        };
        let answer = tagged::run(
            session,
            format!("UID {verb} {} {target}", set.text),
            what,
            n,
        )
        .await?;
        changes.extend(answer.changes);
        if let Some((from, to)) = answer.copy_uid {
            job.progress.landed.extend(from.into_iter().zip(to));
        }
        job.uids.drain(..n.min(job.uids.len()));
        if job.kind == TransferKind::Move && !caps.moves {
            job.progress.copied = set.uids.clone();
            remove(session, caps, &set, changes).await?;
            job.progress.copied.clear();
        }
        job.progress.done.extend(set.uids);
        job.progress.done.sort_unstable();
    }
    Ok(())
}

/// `\Deleted` on exactly `set`, then UID EXPUNGE of exactly `set`.
async fn remove(
    session: &mut Session,
    caps: Capabilities,
    set: &UidSet,
    changes: &mut Vec<Change>,
) -> Result<(), Error> {
    if !caps.uidplus {
        return Err(Error::new(
            ErrorKind::Protocol,
            "copied, but the server cannot remove only these messages from the folder (it \
             lacks UIDPLUS): they are still there",
        ));
    }
    let n = set.uids.len();
    let stored = tagged::run(
        session,
        format!("UID STORE {} +FLAGS.SILENT (\\Deleted)", set.text),
        "store flags",
        n,
    )
    .await?;
    changes.extend(stored.changes);
    let expunged = tagged::run(session, format!("UID EXPUNGE {}", set.text), "expunge", n).await?;
    changes.extend(expunged.changes);
    Ok(())
}
