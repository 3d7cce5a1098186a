//! Moving, copying and deleting messages. A move is `UID MOVE` (RFC 6851) where the server
//! offers it, else `UID COPY`, then `UID STORE +FLAGS.SILENT (\Deleted)` and `UID EXPUNGE`
//! (RFC 4315) of exactly the copied messages: never a bare EXPUNGE, which would also remove
//! what another client marked deleted. Nothing is removed before its copy succeeded.
//!
//! UIDs go in sets of contiguous runs ([`uidset`]), one command per set, and the transfer
//! records its progress after each: when the connection drops, the actor keeps the transfer
//! and takes it up again after reconnecting. The command that was under way then may or may
//! not have been carried out (a server killed half way through a MOVE may have made the copy
//! and not removed the original): its messages still in the folder are looked for in the
//! target, among what arrived there since the transfer began, by their Message-ID, arrival
//! time and size (which a copy keeps); those found are only removed from the folder, the rest
//! are transferred again. So nothing is lost and
//! nothing is there twice. A transfer out of a folder that is not open (an undo) runs on a
//! connection of its own, so that the open folder's state is not disturbed.

use super::actor::{Actor, Fault};
use super::connect::{Capabilities, Session};
use super::errors::{is_connection_error, is_unreadable_response};
use super::mailbox::Change;
use super::select::{quote, select};
use super::tagged;
use super::uidset::{UidSet, uid_sets};
use crate::error::{Error, ErrorKind};
use crate::mail::transfer::not_in;
use crate::mail::{Erase, EraseDone, SourceCommand, SourceEvent, Transfer, TransferKind};

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
        let mut changes = Vec::new();
        let mut result = Ok(());
        if !job.progress.unsure.is_empty() {
            result = self.settle_unsure(&mut job, &mut changes).await;
        }
        let caps = self.caps;
        let session = self.session()?;
        let mut more = false;
        if result.is_ok() {
            result = step(session, caps, &mut job, &mut changes)
                .await
                .map(|left| more = left);
        }
        super::fetch::drain_unsolicited(session, &mut changes);
        // The list follows command by command.
        self.apply_changes(changes).await?;
        match result {
            Ok(()) if more => {
                // Its next command after what the reader asked meanwhile: opening a message
                // during a move of thousands waits for one command, not for the whole move.
                self.deferred.push_back(SourceCommand::Transfer(job));
                Ok(())
            }
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
        let result = match self.side_session(&job.folder).await {
            Err(e) => Err(e),
            Ok(mut connected) => {
                let mut changes = Vec::new();
                let mut result = Ok(true);
                while let Ok(true) = result {
                    result = step(
                        &mut connected.session,
                        connected.caps,
                        &mut job,
                        &mut changes,
                    )
                    .await;
                }
                log_out(connected.session).await;
                result.map(|_| ())
            }
        };
        self.transfer_ended(job, result.err()).await
    }

    /// A connection of its own, logged in, with `folder` selected.
    async fn side_session(&mut self, folder: &str) -> Result<super::connect::Connected, Error> {
        let tls = self.tls_config()?;
        let mut connected = self.connect_and_login(tls).await?;
        if let Err(e) = select(&mut connected.session, folder).await {
            log_out(connected.session).await;
            return Err(super::errors::imap_error("open the folder", e));
        }
        Ok(connected)
    }

    /// Finds out what became of the command under way when the connection dropped (see the
    /// module's documentation): `job` then holds, to do again, only what did not arrive.
    async fn settle_unsure(
        &mut self,
        job: &mut Transfer,
        changes: &mut Vec<Change>,
    ) -> Result<(), Error> {
        let unsure = std::mem::take(&mut job.progress.unsure);
        let what = verb(job.kind);
        let session = self
            .session
            .as_mut()
            .ok_or_else(|| Error::new(ErrorKind::Network, "not connected"))?;
        // Which of them are still in the folder.
        let mut present = Vec::new();
        for set in uid_sets(&unsure) {
            let answer = tagged::run(
                session,
                format!("UID SEARCH UID {}", set.text),
                what,
                set.uids.len(),
            )
            .await?;
            changes.extend(answer.changes);
            present.extend(answer.searched.into_iter().filter(|u| set.uids.contains(u)));
        }
        present.sort_unstable();
        present.dedup();
        if job.kind == TransferKind::Move {
            // Gone from the folder: moved (the folder is what counts).
            job.progress.done.extend(not_in(&unsure, &present));
            job.progress.done.sort_unstable();
        }
        if present.is_empty() {
            return Ok(());
        }
        let ids = identities(
            session,
            &uid_sets(&present)
                .into_iter()
                .map(|set| set.text)
                .collect::<Vec<_>>(),
            what,
            changes,
        )
        .await?;
        // What arrived in the target since the transfer began.
        let mut arrived: Vec<(Identity, u32)> = match job.progress.target_next {
            None => Vec::new(),
            Some(next) => {
                let mut side = self.side_session(&job.target).await?;
                let mut ignored = Vec::new();
                let found = identities(
                    &mut side.session,
                    &[format!("{next}:*")],
                    what,
                    &mut ignored,
                )
                .await;
                log_out(side.session).await;
                found?
                    .into_iter()
                    .filter(|(uid, _)| *uid >= next)
                    .map(|(uid, identity)| (identity, uid))
                    .collect()
            }
        };
        let mut copied = Vec::new();
        let mut again = Vec::new();
        for uid in present {
            // Each arrival stands for one message: two alike cannot both count it.
            let landed = ids
                .iter()
                .find(|(u, _)| *u == uid)
                .filter(|(_, id)| id.known())
                .and_then(|(_, id)| arrived.iter().position(|(a, _)| a == id))
                .map(|at| arrived.swap_remove(at).1);
            match landed {
                Some(to) => {
                    copied.push(uid);
                    job.progress.landed.push((uid, to));
                }
                None => again.push(uid),
            }
        }
        match job.kind {
            // The copy made it: only the original is left to remove (as after a COPY).
            TransferKind::Move => job.progress.copied.extend(copied),
            TransferKind::Copy => {
                job.progress.done.extend(copied);
                job.progress.done.sort_unstable();
            }
        }
        job.uids.extend(again);
        job.uids.sort_unstable();
        job.uids.dedup();
        Ok(())
    }

    async fn transfer_ended(&mut self, job: Transfer, error: Option<Error>) -> Result<(), Fault> {
        // The folders the messages left and reached count differently now.
        self.recount(&job.target);
        if self.open.as_ref().is_none_or(|o| o.name != job.folder) {
            self.recount(&job.folder);
        }
        self.emit(SourceEvent::Transferred(
            job.ended(error.map(|e| e.to_string())),
        ))
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
            let job = Erase { uids, ..job };
            return self.emit(SourceEvent::Erased(job.refused(why))).await;
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

/// Runs the next command of `job` on a session with its folder selected, recording progress
/// in `job` and the server's news in `changes`; whether commands are left.
async fn step(
    session: &mut Session,
    caps: Capabilities,
    job: &mut Transfer,
    changes: &mut Vec<Change>,
) -> Result<bool, Error> {
    let target = quote(&job.target).ok_or_else(|| {
        Error::new(
            ErrorKind::Config,
            "the target folder's name cannot be sent to the server",
        )
    })?;
    let what = verb(job.kind);
    if job.progress.target_next.is_none() {
        // Before anything arrives there: to tell, after a crash, what this transfer put there.
        let status = tagged::run(session, format!("STATUS {target} (UIDNEXT)"), what, 0).await?;
        changes.extend(status.changes);
        job.progress.target_next = Some(status.uid_next.unwrap_or(1));
    }
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
    if let Some(set) = uid_sets(&job.progress.copied).into_iter().next() {
        remove(session, caps, &set, changes).await?;
        job.progress.copied = not_in(&job.progress.copied, &set.uids);
        job.progress.done.extend(&set.uids);
        job.progress.done.sort_unstable();
        return Ok(!job.progress.copied.is_empty() || !job.uids.is_empty());
    }
    if let Some(set) = uid_sets(&job.uids).into_iter().next() {
        let n = set.uids.len();
        let command = match job.kind {
            TransferKind::Move if caps.moves => "MOVE",
            _ => "COPY",
        };
        // Until its answer is read, whether the command was carried out is unknown.
        job.progress.unsure = set.uids.clone();
        let answer = tagged::run(
            session,
            format!("UID {command} {} {target}", set.text),
            what,
            n,
        )
        .await?;
        job.progress.unsure.clear();
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
    Ok(!job.uids.is_empty())
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

/// The verb of a transfer, naming it in errors ("move: …") and metrics.
fn verb(kind: TransferKind) -> &'static str {
    match kind {
        TransferKind::Move => "move",
        TransferKind::Copy => "copy",
    }
}

async fn log_out(mut session: Session) {
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), session.logout()).await;
}

/// What tells a message and its copy from the others: its Message-ID (when its header has
/// one), its arrival time and its size, all of which a copy keeps.
#[derive(Debug, PartialEq, Eq)]
struct Identity {
    message_id: Option<String>,
    internal_date: Option<String>,
    size: Option<u32>,
}

impl Identity {
    /// Enough is known to tell the message from others.
    fn known(&self) -> bool {
        self.internal_date.is_some() && self.size.is_some()
    }
}

/// (UID, identity) of the messages of the UID sets `sets` (`"5:9"`, `"12:*"`), one command
/// per set.
async fn identities(
    session: &mut Session,
    sets: &[String],
    what: &'static str,
    changes: &mut Vec<Change>,
) -> Result<Vec<(u32, Identity)>, Error> {
    let mut found = Vec::new();
    for set in sets {
        let answer = tagged::run(
            session,
            format!(
                "UID FETCH {set} (UID INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"
            ),
            what,
            0,
        )
        .await?;
        changes.extend(answer.changes);
        found.extend(answer.fetched.into_iter().map(|f| {
            let identity = Identity {
                message_id: f.section.as_deref().and_then(message_id),
                internal_date: f.internal_date,
                size: f.size,
            };
            (f.uid, identity)
        }));
    }
    Ok(found)
}

/// The Message-ID of a header block (`Message-ID: <a@b>`, folded or not), without its
/// surrounding white space; `None` when there is none.
fn message_id(header: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(header)
        .replace("\r\n ", " ")
        .replace("\r\n\t", " ");
    text.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        let value = value.trim();
        (name.trim().eq_ignore_ascii_case("message-id") && !value.is_empty())
            .then(|| value.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_id_is_read_from_its_header_folded_or_not() {
        assert_eq!(
            message_id(b"Message-ID: <a.1@example.test>\r\n\r\n").as_deref(),
            Some("<a.1@example.test>")
        );
        assert_eq!(
            message_id(b"message-id:\r\n <b@example.test>\r\n").as_deref(),
            Some("<b@example.test>")
        );
        assert_eq!(message_id(b"\r\n"), None);
        assert_eq!(message_id(b"Message-ID:   \r\n"), None);
        assert_eq!(message_id(&[0xff, b':', 0xfe]), None);
    }
}
