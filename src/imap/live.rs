//! Keeping the open folder live between commands: IDLE when the server has it (left with DONE
//! as soon as a command arrives, re-issued every 25 minutes), else NOOP every 30 seconds.

use std::time::Duration;

use async_imap::extensions::idle::IdleResponse;

use super::actor::{Actor, Fault};
use super::errors::{imap_error, refused, timeout};
use super::fetch;
use super::mailbox::{Change, change_of};
use super::metrics::timed;
use crate::error::{Error, ErrorKind};
use crate::mail::SourceCommand;

/// Servers may drop an IDLE after 30 minutes (RFC 2177 asks clients to renew before 29).
const IDLE_RENEW: Duration = Duration::from_secs(25 * 60);
const POLL_EVERY: Duration = Duration::from_secs(30);
const DONE_TIMEOUT: Duration = Duration::from_secs(15);

/// What ended a wait.
pub enum Next {
    Command(SourceCommand),
    /// The server announced something that needs a command of ours (new rows, a resync).
    Work,
    /// The app closed its side.
    Closed,
}

enum Woke {
    Server(Option<Change>),
    Command(Option<SourceCommand>),
    Renew,
    Lost(Error),
}

impl Actor {
    /// Waits for the next command, reporting what the server announces meanwhile.
    pub(super) async fn wait_live(&mut self) -> Result<Next, Fault> {
        if self.caps.idle && self.open.is_some() {
            self.idle().await
        } else {
            self.poll().await
        }
    }

    async fn idle(&mut self) -> Result<Next, Fault> {
        loop {
            let session = self
                .session
                .take()
                .ok_or_else(|| Fault::Conn(Error::new(ErrorKind::Network, "not connected")))?;
            let mut handle = session.idle();
            if let Err(e) = handle.init().await {
                return Err(Fault::Conn(imap_error("idle", e)));
            }
            // Renewed early when the open folder's existence is due to be checked.
            let renew = IDLE_RENEW.min(self.until_folder_check());
            let woke = {
                let (wait, _interrupt) = handle.wait_with_timeout(IDLE_RENEW + POLL_EVERY);
                tokio::pin!(wait);
                tokio::select! {
                    r = &mut wait => match r {
                        Ok(IdleResponse::NewData(data)) => Woke::Server(change_of(data.parsed())),
                        Ok(IdleResponse::Timeout) => Woke::Renew,
                        Ok(IdleResponse::ManualInterrupt) => Woke::Lost(Error::new(
                            ErrorKind::Network,
                            "the server closed the connection",
                        )),
                        Err(e) => Woke::Lost(imap_error("idle", e)),
                    },
                    cmd = self.commands.recv() => Woke::Command(cmd),
                    // An [ALERT] in an untagged OK does not end async-imap's wait.
                    _ = self.traffic.words.said() => Woke::Renew,
                    _ = tokio::time::sleep(renew) => Woke::Renew,
                }
            };
            if let Woke::Lost(e) = woke {
                return Err(Fault::Conn(e));
            }
            let session = match tokio::time::timeout(DONE_TIMEOUT, handle.done()).await {
                Ok(Ok(session)) => session,
                Ok(Err(e)) => return Err(self.keep_waking_command(woke, imap_error("idle", e))),
                Err(_) => return Err(self.keep_waking_command(woke, timeout("idle"))),
            };
            self.session = Some(session);
            let mut changes = Vec::new();
            if let Woke::Server(Some(change)) = &woke {
                changes.push(change.clone());
            }
            if let Err(fault) = self.take_notices(changes).await {
                return Err(match fault {
                    Fault::Conn(e) => self.keep_waking_command(woke, e),
                    Fault::Stop => Fault::Stop,
                });
            }
            match woke {
                Woke::Command(Some(cmd)) => return Ok(Next::Command(cmd)),
                Woke::Command(None) => return Ok(Next::Closed),
                _ => {
                    if self.folder_check_due()
                        || self
                            .open
                            .as_ref()
                            .is_some_and(|o| o.new_pending || o.resync_needed)
                    {
                        // New mail first; `step` comes back here afterwards.
                        return Ok(Next::Work);
                    }
                }
            }
        }
    }

    async fn poll(&mut self) -> Result<Next, Fault> {
        loop {
            let wait = POLL_EVERY.min(self.until_folder_check());
            tokio::select! {
                cmd = self.commands.recv() => return Ok(cmd.map_or(Next::Closed, Next::Command)),
                _ = tokio::time::sleep(wait) => {}
            }
            let session = self.session()?;
            if let Err(e) = timed("noop", session.noop()).await {
                return Err(Fault::Conn(imap_error("noop", e)));
            }
            refused(session.get_mut(), "noop").map_err(Fault::Conn)?;
            self.take_notices(Vec::new()).await?;
            if self.folder_check_due()
                || self
                    .open
                    .as_ref()
                    .is_some_and(|o| o.new_pending || o.resync_needed)
            {
                return Ok(Next::Work);
            }
        }
    }

    /// The connection broke while leaving IDLE: the command that ended the wait is kept and
    /// served after the reconnect (it would otherwise be lost: a move asked for at the moment
    /// the server died never happened). Shutdown stops at once.
    fn keep_waking_command(&mut self, woke: Woke, error: Error) -> Fault {
        match woke {
            Woke::Command(Some(SourceCommand::Shutdown)) | Woke::Command(None) => Fault::Stop,
            Woke::Command(Some(cmd)) => {
                self.deferred.push_front(cmd);
                Fault::Conn(error)
            }
            _ => Fault::Conn(error),
        }
    }

    /// Applies `changes` plus whatever async-imap set aside.
    async fn take_notices(&mut self, mut changes: Vec<Change>) -> Result<(), Fault> {
        self.pass_on_words().await?;
        let session = self.session()?;
        let overflow = fetch::drain_unsolicited(session, &mut changes);
        if let Some(open) = self.open.as_mut() {
            open.resync_needed |= overflow;
            open.view_lost |= overflow;
        }
        self.apply_changes(changes).await
    }
}
