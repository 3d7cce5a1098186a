//! The app's one-off requests: the folder list, opening a message (its structure, then the
//! parts shown, downloaded here and parsed on a thread the actor does not wait for, then \Seen
//! set), and setting a flag.

use super::actor::{Actor, Fault};
use super::errors::{is_connection_error, is_unreadable_response};
use super::fetch;
use super::folders;
use crate::error::{Error, ErrorKind};
use std::sync::Arc;

use crate::mail::{Flags, ReqId, SourceEvent, parse_job};
use crate::mime::Skipped;

impl Actor {
    pub(super) async fn list_folders(&mut self) -> Result<(), Fault> {
        let namespaces = self.namespaces.clone();
        let session = self.session()?;
        match folders::list(session, &namespaces).await {
            Ok(list) => {
                self.lists += 1;
                // Cyrus says nothing to a client whose selected folder is deleted (NOOP and
                // IDLE stay quiet; only commands on it fail): a list without it is the news.
                // INBOX always exists (RFC 3501 5.1), listed or not, and an empty list
                // proves nothing.
                let gone = self.open.as_ref().map(|o| o.name.clone()).filter(|open| {
                    !open.eq_ignore_ascii_case("INBOX")
                        && !list.is_empty()
                        && !list.iter().any(|f| f.name == *open)
                });
                if let Some(folder) = gone {
                    self.open = None;
                    self.emit(SourceEvent::FolderGone {
                        folder,
                        reason: "it is no longer on the server".into(),
                    })
                    .await?;
                }
                self.queue_counts(&list);
                self.emit(SourceEvent::Folders(list)).await
            }
            Err(e) => self.report(e).await,
        }
    }

    pub(super) async fn fetch_message(
        &mut self,
        req: ReqId,
        folder: String,
        uid: u32,
        mark_seen: bool,
    ) -> Result<(), Fault> {
        let result = self.download(&folder, uid).await;
        let failed_connection = matches!(&result, Err(e) if is_connection_error(e));
        match result {
            Err(e) if is_unreadable_response(&e) => {
                // Asking again would get the same answer: the message says it cannot be read,
                // and the connection, whose framing is lost, is rebuilt.
                self.emit(SourceEvent::Message {
                    req,
                    result: Err(e.clone()),
                })
                .await?;
                Err(Fault::Conn(e))
            }
            Err(e) if failed_connection => {
                // Asked again once the connection is back.
                self.deferred
                    .push_front(crate::mail::SourceCommand::FetchMessage {
                        req,
                        folder,
                        uid,
                        mark_seen,
                    });
                Err(Fault::Conn(e))
            }
            Err(e) => {
                self.emit(SourceEvent::Message {
                    req,
                    result: Err(e),
                })
                .await?;
                // The folder may be gone without a word (Cyrus): the list tells.
                self.list_folders().await
            }
            Ok((raw, skipped)) => {
                // Parsed on a thread of its own that reports to the app: the actor goes on.
                parse_job::spawn_partial(req, uid, raw, skipped, self.events.clone());
                // A read-only folder is not asked (it would refuse at every message).
                if mark_seen && self.access.can_change(Flags::SEEN) {
                    self.set_flag(folder, uid, Flags::SEEN, true).await?;
                }
                Ok(())
            }
        }
    }

    /// The whole message (`BODY.PEEK[]`) for the source view. A lost connection asks again
    /// once it is back; any other failure is the answer.
    pub(super) async fn fetch_source(
        &mut self,
        req: ReqId,
        folder: String,
        uid: u32,
    ) -> Result<(), Fault> {
        let result = self.whole_message(&folder, uid).await?;
        match result {
            Err(e) if is_connection_error(&e) && !is_unreadable_response(&e) => {
                self.deferred
                    .push_front(crate::mail::SourceCommand::FetchSource { req, folder, uid });
                Err(Fault::Conn(e))
            }
            result => {
                let unreadable = matches!(&result, Err(e) if is_unreadable_response(e));
                let error = result.as_ref().err().cloned();
                self.emit(SourceEvent::Source {
                    req,
                    result: result.map(Arc::from),
                })
                .await?;
                match error {
                    // The connection's framing is lost: it is rebuilt.
                    Some(e) if unreadable => Err(Fault::Conn(e)),
                    _ => Ok(()),
                }
            }
        }
    }

    /// Saves attachments of a message: the whole message is fetched (`BODY.PEEK[]`), and a
    /// thread of its own decodes and writes them (`mail::save`). A lost connection asks again
    /// once it is back.
    pub(super) async fn save_attachments(
        &mut self,
        request: crate::mail::SaveRequest,
    ) -> Result<(), Fault> {
        match self.whole_message(&request.folder, request.uid).await? {
            Ok(raw) => {
                crate::mail::save::spawn(request, raw, self.events.clone());
                Ok(())
            }
            Err(e) if is_connection_error(&e) && !is_unreadable_response(&e) => {
                self.deferred
                    .push_front(crate::mail::SourceCommand::SaveAttachments(request));
                Err(Fault::Conn(e))
            }
            Err(e) => {
                let unreadable = is_unreadable_response(&e);
                self.emit(SourceEvent::Saved(crate::mail::SaveDone::failed(
                    request.req,
                    e.to_string(),
                )))
                .await?;
                if unreadable {
                    return Err(Fault::Conn(e));
                }
                Ok(())
            }
        }
    }

    /// The whole message (`BODY.PEEK[]`, never setting `\Seen`), with the notices the server
    /// sent meanwhile applied. The outer error is the reader being gone.
    async fn whole_message(
        &mut self,
        folder: &str,
        uid: u32,
    ) -> Result<Result<Vec<u8>, Error>, Fault> {
        if let Err(e) = self.require_open(folder) {
            return Ok(Err(e));
        }
        let Some(session) = self.session.as_mut() else {
            return Ok(Err(Error::new(ErrorKind::Network, "not connected")));
        };
        match fetch::message(session, uid).await {
            Ok((raw, mut changes)) => {
                fetch::drain_unsolicited(session, &mut changes);
                if self.apply_changes(changes).await.is_err() {
                    return Err(Fault::Stop);
                }
                Ok(Ok(raw))
            }
            Err(e) => Ok(Err(e)),
        }
    }

    /// The message to show, with the notices the server sent meanwhile applied: its structure
    /// first, then only the parts the reader shows or reads (attachments stay on the server and
    /// are listed in the `Skipped` with their sizes), or the whole message when its structure
    /// cannot be used or nothing would be left out.
    async fn download(&mut self, folder: &str, uid: u32) -> Result<(Vec<u8>, Skipped), Error> {
        self.require_open(folder)?;
        let session = self
            .session
            .as_mut()
            .ok_or_else(|| Error::new(ErrorKind::Network, "not connected"))?;
        let mut all = Vec::new();
        // A server that refuses the structure or the sections (BAD, NO: some do not know
        // `n.MIME`) may still send the whole message; only a lost connection ends it here.
        let plan = match fetch::plan(session, uid).await {
            Ok((plan, changes)) => {
                all.extend(changes);
                plan
            }
            Err(e) if is_connection_error(&e) => return Err(e),
            Err(e) => whole_instead(&e),
        };
        let mut partial = None;
        if let Some(plan) = plan {
            match fetch::partial(session, uid, &plan).await {
                Ok((rebuilt, changes)) => {
                    all.extend(changes);
                    partial = rebuilt;
                }
                Err(e) if is_connection_error(&e) => return Err(e),
                Err(e) => partial = whole_instead(&e),
            }
        }
        let message = match partial {
            Some(message) => message,
            None => {
                let (raw, changes) = fetch::message(session, uid).await?;
                all.extend(changes);
                (raw, Skipped::default())
            }
        };
        fetch::drain_unsolicited(session, &mut all);
        // Notices must not be lost, but a failure to report them is the app being gone.
        if self.apply_changes(all).await.is_err() {
            return Err(Error::new(ErrorKind::Io, "the reader is gone"));
        }
        Ok(message)
    }

    /// `UID STORE`. The app changed the flag already; when the server refuses (NO or BAD)
    /// or reports flags without the change, it is told to undo it, with the reason.
    pub(super) async fn set_flag(
        &mut self,
        folder: String,
        uid: u32,
        flag: Flags,
        on: bool,
    ) -> Result<(), Fault> {
        if let Err(e) = self.require_open(&folder) {
            return self.notice(&e).await;
        }
        if !self.access.can_change(flag) {
            let reason = refusal_without_asking(self.access.read_only, flag);
            return self.flag_refused(folder, uid, flag, on, None, reason).await;
        }
        let session = self.session()?;
        let (now, mut changes) = match super::store::store(session, uid, flag, on).await {
            Ok(r) => r,
            Err(e) if is_connection_error(&e) => return Err(Fault::Conn(e)),
            Err(e) => {
                self.flag_refused(folder, uid, flag, on, None, e.to_string())
                    .await?;
                // The folder may be gone without a word (Cyrus): the list tells.
                return self.list_folders().await;
            }
        };
        fetch::drain_unsolicited(session, &mut changes);
        self.apply_changes(changes).await?;
        let now = match now {
            Some(flags) => Some(flags),
            // The server need not report flags it did not change: ask.
            None => {
                let session = self.session()?;
                match fetch::flags(session, &uid.to_string()).await {
                    Ok(list) => list.into_iter().find(|(u, _)| *u == uid).map(|(_, f)| f),
                    Err(e) => return self.report(e).await,
                }
            }
        };
        let Some(flags) = now else {
            // The message is gone; its expunge tells the app.
            return Ok(());
        };
        if let Some(open) = self.open.as_mut() {
            open.note_flags(uid, flags);
        }
        if flags.contains(flag) != on {
            let verb = if on { "set" } else { "clear" };
            let reason = format!("the server did not {verb} {}", flag.imap_name());
            return self
                .flag_refused(folder, uid, flag, on, Some(flags), reason)
                .await;
        }
        self.emit(SourceEvent::FlagsChanged { folder, uid, flags })
            .await
    }

    async fn flag_refused(
        &mut self,
        folder: String,
        uid: u32,
        flag: Flags,
        on: bool,
        now: Option<Flags>,
        reason: String,
    ) -> Result<(), Fault> {
        self.emit(SourceEvent::FlagRefused {
            folder,
            uid,
            flag,
            on,
            now,
            reason,
        })
        .await
    }

    /// Messages are addressed in the open folder only; another folder must be opened first.
    fn require_open(&self, folder: &str) -> Result<(), Error> {
        match &self.open {
            Some(open) if open.name == folder => Ok(()),
            _ => Err(Error::new(
                ErrorKind::NotFound,
                "that folder is not open any more",
            )),
        }
    }
}

/// Logs why a message is downloaded whole after a refused partial fetch.
fn whole_instead<T>(error: &Error) -> Option<T> {
    tracing::info!(target: "sealmail::imap", "fetching the message whole: {}", error.summary);
    None
}

/// Why a flag change was not sent: what SELECT said of the folder.
fn refusal_without_asking(read_only: bool, flag: Flags) -> String {
    if read_only {
        "this folder is read-only".into()
    } else {
        format!("this folder does not keep the {} flag", flag.imap_name())
    }
}
