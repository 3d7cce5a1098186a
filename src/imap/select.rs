//! SELECT, keeping what async-imap's own `select` drops: the tagged reply's `[READ-ONLY]`
//! (the folder cannot be changed, e.g. a shared folder without write rights) alongside
//! `PERMANENTFLAGS` (which flags a change sticks to), as the folder's [`FolderAccess`].
//! Also what the actor does when the server says a folder cannot be selected any more.

use std::io;
use std::time::Duration;

use futures::TryStreamExt;

use async_imap::error::Error as ImapError;
use async_imap::imap_proto::{MailboxDatum, Response, ResponseCode, Status};
use async_imap::types::Mailbox;

use super::actor::{Actor, Fault};
use super::connect::Session;
use super::errors::{imap_error, is_connection_error, refused};
use super::mailbox::{Change, change_of, flags_from_names};
use super::metrics::timed;
use crate::error::Error;
use crate::mail::{FolderAccess, SourceEvent};

/// What SELECT reported: the mailbox's figures, what may be changed in it, and the
/// message data it carried (with QRESYNC: VANISHED and FETCH), in order.
#[derive(Debug, Default)]
pub struct Selected {
    pub mailbox: Mailbox,
    pub access: FolderAccess,
    pub changes: Vec<Change>,
}

/// `SELECT name`. Errors have the shapes async-imap's `select` gives, so that they read the
/// same.
pub async fn select(session: &mut Session, name: &str) -> Result<Selected, ImapError> {
    select_with(session, name, None).await
}

/// `SELECT name (parameters)`, e.g. `(QRESYNC (...))` of RFC 7162.
pub async fn select_with(
    session: &mut Session,
    name: &str,
    parameters: Option<&str>,
) -> Result<Selected, ImapError> {
    let quoted = quote(name).ok_or_else(|| {
        ImapError::Bad("outcome: the folder name cannot be sent in a quoted string".into())
    })?;
    let command = match parameters {
        Some(p) => format!("SELECT {quoted} ({p})"),
        None => format!("SELECT {quoted}"),
    };
    let tag = session.run_command(command).await?;
    let mut selected = Selected::default();
    let mut permanent: Option<Vec<String>> = None;
    loop {
        let Some(response) = session.read_response().await? else {
            return Err(ImapError::ConnectionLost);
        };
        match response.parsed() {
            Response::Done {
                tag: done,
                status,
                outcome,
            } if *done == tag => match status {
                Status::Ok => {
                    selected.access.read_only |=
                        matches!(outcome.code, Some(ResponseCode::ReadOnly));
                    break;
                }
                Status::No => return Err(ImapError::No(format!("outcome: {outcome:?}"))),
                Status::Bad => return Err(ImapError::Bad(format!("outcome: {outcome:?}"))),
                _ => {
                    return Err(ImapError::Io(io::Error::other(format!(
                        "status: {status:?}, outcome: {outcome:?}"
                    ))));
                }
            },
            Response::Data {
                status: Status::Bye,
                outcome,
            } => {
                return Err(ImapError::Io(io::Error::other(format!(
                    "status: Bye, outcome: {outcome:?}"
                ))));
            }
            Response::Data { outcome, .. } => {
                let m = &mut selected.mailbox;
                match &outcome.code {
                    Some(ResponseCode::UidValidity(v)) => m.uid_validity = Some(*v),
                    Some(ResponseCode::UidNext(n)) => m.uid_next = Some(*n),
                    Some(ResponseCode::HighestModSeq(h)) => m.highest_modseq = Some(*h),
                    Some(ResponseCode::Unseen(n)) => m.unseen = Some(*n),
                    Some(ResponseCode::PermanentFlags(flags)) => {
                        permanent
                            .get_or_insert_default()
                            .extend(flags.iter().map(|f| f.to_string()));
                    }
                    Some(ResponseCode::ReadOnly) => selected.access.read_only = true,
                    _ => {}
                }
            }
            Response::MailboxData(MailboxDatum::Exists(n)) => selected.mailbox.exists = *n,
            Response::MailboxData(MailboxDatum::Recent(n)) => selected.mailbox.recent = *n,
            other => selected.changes.extend(change_of(other)),
        }
    }
    selected.access.permanent = permanent_flags(permanent.as_deref());
    Ok(selected)
}

/// The flags a change sticks to: every one when the server did not say (RFC 3501 7.1),
/// else those it named (`\*` only allows new keywords, which the reader does not set).
pub fn permanent_flags(named: Option<&[String]>) -> crate::mail::Flags {
    match named {
        None => crate::mail::Flags::ALL,
        Some(names) => flags_from_names(names),
    }
}

/// A quoted string (RFC 3501 4.3); `None` for a name with bytes a quoted string cannot hold.
pub(super) fn quote(name: &str) -> Option<String> {
    if name
        .bytes()
        .any(|b| matches!(b, b'\r' | b'\n' | 0) || b >= 0x80)
    {
        return None;
    }
    Some(format!(
        "\"{}\"",
        name.replace('\\', "\\\\").replace('"', "\\\"")
    ))
}

impl Actor {
    /// Time until the next check of the open folder; forever when none is open or it is
    /// INBOX, which always exists (so that no wait is cut short for nothing).
    pub(super) fn until_folder_check(&self) -> Duration {
        if self
            .open
            .as_ref()
            .is_none_or(|o| o.name.eq_ignore_ascii_case("INBOX"))
        {
            return Duration::MAX;
        }
        self.folder_check_at
            .saturating_duration_since(tokio::time::Instant::now())
    }

    /// A folder is open and its check is due.
    pub(super) fn folder_check_due(&self) -> bool {
        self.until_folder_check().is_zero()
    }

    /// `LIST "" name`: the open folder is still there, or it is reported gone (and the list
    /// read again).
    pub(super) async fn check_open_folder(&mut self) -> Result<(), Fault> {
        // Cyrus never tells a client that its selected folder was deleted (NOOP and IDLE
        // stay quiet): it is looked for every `folder_check_every`.
        self.folder_check_at = tokio::time::Instant::now() + self.settings.folder_check_every;
        let Some(name) = self.open.as_ref().map(|o| o.name.clone()) else {
            return Ok(());
        };
        let session = self.session()?;
        let listed = match timed("list", session.list(Some(""), Some(&name))).await {
            Ok(stream) => stream.try_collect::<Vec<_>>().await,
            Err(e) => Err(e),
        };
        let listed = match listed {
            Ok(names) => names,
            Err(e) => return self.report(imap_error("check the folder", e)).await,
        };
        // A refused LIST says nothing of the folder: it is not taken as gone.
        if let Err(e) = refused(self.session()?.get_mut(), "check the folder") {
            return self.report(e).await;
        }
        let mut changes = Vec::new();
        if let Ok(session) = self.session() {
            super::fetch::drain_unsolicited(session, &mut changes);
        }
        self.apply_changes(changes).await?;
        if listed.iter().any(|n| n.name() == name) {
            return Ok(());
        }
        // Gone: the full list says so to the app and carries the new state.
        self.list_folders().await
    }

    /// The server refused to select the open folder (deleted or renamed elsewhere, or the
    /// right to read it withdrawn): the reader is told, and the folder list is read again.
    /// A lost connection is not a verdict on the folder: it goes up to reconnect.
    pub(super) async fn folder_refused(
        &mut self,
        folder: String,
        error: Error,
    ) -> Result<(), Fault> {
        if is_connection_error(&error) {
            return Err(Fault::Conn(error));
        }
        self.open = None;
        self.emit(SourceEvent::FolderGone {
            folder,
            reason: error.to_string(),
        })
        .await?;
        self.list_folders().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Flags;

    #[test]
    fn permanent_flags_follow_rfc_3501() {
        assert_eq!(permanent_flags(None), Flags::ALL);
        assert_eq!(permanent_flags(Some(&[])), Flags::default());
        let seen = ["\\Seen".to_string(), "\\*".to_string()];
        assert_eq!(permanent_flags(Some(&seen)), Flags::SEEN);
    }

    #[test]
    fn names_are_quoted_or_refused() {
        assert_eq!(quote("INBOX").as_deref(), Some("\"INBOX\""));
        assert_eq!(quote("a\"b\\c").as_deref(), Some("\"a\\\"b\\\\c\""));
        assert_eq!(quote("x\r\ny"), None);
        assert_eq!(quote("Entwürfe"), None);
    }
}
