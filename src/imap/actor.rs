//! The actor: sole owner of the IMAP session. It takes commands from the app, reports
//! events, keeps the open folder live, and reconnects with backoff when the connection drops.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use std::panic::AssertUnwindSafe;
use tokio::sync::mpsc;

use super::connect::{Capabilities, Session};
use super::errors::{is_connection_error, is_unreadable_response};
use super::filler::Filler;
use super::live::Next;
use super::mailbox::OpenFolder;
use super::metrics::timed;
use super::namespace::{self, Namespaces};
use super::retry::{AfterFailure, Retry};
use super::settings::ImapSettings;
use super::stream::Traffic;
use super::tls;
use crate::error::{Error, ErrorKind};
use crate::mail::{ConnectionState, FolderAccess, SourceCommand, SourceEvent};

/// Why the actor stops what it is doing.
#[derive(Debug)]
pub enum Fault {
    /// The app is gone or asked to shut down.
    Stop,
    /// The connection broke: reconnect.
    Conn(Error),
}

/// The longest wait between reconnect attempts.
const MAX_BACKOFF_S: u64 = 30;
/// Commands kept while offline; beyond this the oldest are answered with an error.
const MAX_DEFERRED: usize = 256;

pub struct Actor {
    pub(super) settings: ImapSettings,
    pub(super) commands: mpsc::Receiver<SourceCommand>,
    pub(super) events: mpsc::Sender<SourceEvent>,
    tls: Option<Arc<rustls::ClientConfig>>,
    pub(super) traffic: Arc<Traffic>,
    pub(super) session: Option<Session>,
    pub(super) caps: Capabilities,
    pub(super) open: Option<OpenFolder>,
    pub(super) deferred: VecDeque<SourceCommand>,
    /// The FETCH items of a row, built once.
    pub(super) row_query: String,
    /// Size of the next background chunk of the folder being loaded.
    pub(super) chunk: u32,
    /// Shutdown arrived while connecting (e.g. during a sign-in).
    pub(super) stopping: bool,
    /// The second connection loading the older part of a large folder, while it runs.
    pub(super) filler: Option<Filler>,
    /// Failures of the open folder's background work (loading, resync) and its pause.
    pub(super) retry: Retry,
    /// What the open folder lets the user change (from its SELECT).
    pub(super) access: FolderAccess,
    /// The server's namespaces, asked for after each login.
    pub(super) namespaces: Namespaces,
    /// NAMESPACE once left the connection in an unknown state: it is not asked again.
    namespace_unframed: bool,
    /// Folder lists sent to the app so far.
    pub(super) lists: u64,
    /// When to check next that the open folder still exists (see `select::check_open_folder`).
    pub(super) folder_check_at: tokio::time::Instant,
    /// A connection was up before: after a reconnect the folder list is read again.
    connected_before: bool,
    /// Folders whose counts are still to be asked for (`counts.rs`).
    pub(super) counts_todo: VecDeque<String>,
    /// One LIST-STATUS for every folder is due.
    pub(super) list_status_due: bool,
    /// A folder was asked to be opened, or counting waited for one: counting waits until
    /// then, so that the first folder's SELECT never queues behind a LIST-STATUS (on Dovecot,
    /// counting a 100,000-message INBOX costs 0.15 s and slows the SELECT after it as much).
    pub(super) folder_asked: bool,
    /// QRESYNC is enabled on this session (RFC 7162): a folder can be resumed in its SELECT.
    pub(super) qresync_on: bool,
    /// The server offers CONDSTORE: flags can be asked for changed since a modseq.
    pub(super) condstore: bool,
    /// The search of every folder under way, on a connection of its own.
    pub(super) search_all: Option<(crate::mail::ReqId, tokio::task::JoinHandle<()>)>,
    /// The open folder being threaded by the client, a chunk of header fields per step, and
    /// what was read of it before.
    pub(super) threading: super::threading::Threading,
}

impl Actor {
    pub fn new(
        settings: ImapSettings,
        commands: mpsc::Receiver<SourceCommand>,
        events: mpsc::Sender<SourceEvent>,
        traffic: Arc<Traffic>,
    ) -> Self {
        let folder_check_at = tokio::time::Instant::now() + settings.folder_check_every;
        Self {
            settings,
            commands,
            events,
            tls: None,
            traffic,
            session: None,
            caps: Capabilities::default(),
            open: None,
            deferred: VecDeque::new(),
            row_query: super::rows::row_query(),
            chunk: 0,
            stopping: false,
            filler: None,
            retry: Retry::default(),
            access: FolderAccess::default(),
            namespaces: Namespaces::default(),
            namespace_unframed: false,
            lists: 0,
            folder_check_at,
            connected_before: false,
            counts_todo: VecDeque::new(),
            list_status_due: false,
            folder_asked: false,
            qresync_on: false,
            condstore: false,
            search_all: None,
            threading: super::threading::Threading::default(),
        }
    }

    pub async fn run(mut self) {
        if self
            .emit(SourceEvent::Connection(ConnectionState::Connecting))
            .await
            .is_err()
        {
            return;
        }
        let mut reason = None;
        loop {
            if self.session.is_none() {
                let why = reason.take();
                match AssertUnwindSafe(self.reconnect(why)).catch_unwind().await {
                    Ok(Ok(())) => {}
                    Ok(Err(_)) => break,
                    Err(_) => {
                        reason = Some(self.after_panic().await);
                        continue;
                    }
                }
            }
            if self.pass_on_words().await.is_err() {
                break;
            }
            let stepped = match AssertUnwindSafe(self.step()).catch_unwind().await {
                Ok(stepped) => stepped,
                Err(_) => {
                    reason = Some(self.after_panic().await);
                    continue;
                }
            };
            if self.pass_on_words().await.is_err() {
                break;
            }
            match stepped {
                Ok(()) => {}
                Err(Fault::Stop) => break,
                Err(Fault::Conn(e)) => {
                    // The main session's view is gone; the resync reloads what is missing.
                    self.filler = None;
                    tracing::info!(target: "sealmail::imap", kind = ?e.kind, "connection lost: {}", e.summary);
                    self.session = None;
                    reason = Some(e.to_string());
                }
            }
        }
        self.logout().await;
    }

    /// After a panic on this task. The IMAP library's parser is not total (imap-proto 0.17
    /// unwraps `INTERNALDATE NIL`), so a server can make it panic here. The session is
    /// dropped (its framing is lost) and the actor reconnects with backoff; the open folder's
    /// background work counts a failure, so a server that sends the same answer again and
    /// again ends in a notice and a stopped load, not in a loop. Returns the reason shown.
    async fn after_panic(&mut self) -> String {
        tracing::error!(target: "sealmail::imap", "the IMAP session panicked; reconnecting");
        self.session = None;
        self.filler = None;
        let error = Error::new(
            ErrorKind::Protocol,
            "the server sent an answer the IMAP library cannot read",
        );
        if self.retry.failed(tokio::time::Instant::now()) == AfterFailure::GiveUp {
            let _ = self.give_up_loading(&error).await;
        }
        error.to_string()
    }

    /// One unit of work: a command, one chunk of the folder being loaded, or waiting for the
    /// server or the app.
    async fn step(&mut self) -> Result<(), Fault> {
        while let Ok(cmd) = self.commands.try_recv() {
            self.defer(cmd).await?;
        }
        if let Some(cmd) = self.deferred.pop_front() {
            return self.handle(cmd).await;
        }
        // Asked for by the user: before the background load, between commands.
        if self.threading.busy() {
            return self.thread_step().await;
        }
        if let Some(open) = &self.open {
            let background = open.resync_needed || !open.loaded_all;
            if background && self.retry.ready(tokio::time::Instant::now()) {
                return if open.resync_needed {
                    self.resync().await
                } else {
                    self.load_step().await
                };
            }
            if background && let Some(until) = self.retry.paused_until() {
                // Paused after a failure: serve commands, nothing else, until the pause ends.
                return tokio::select! {
                    cmd = self.commands.recv() => match cmd {
                        Some(cmd) => self.handle(cmd).await,
                        None => Err(Fault::Stop),
                    },
                    _ = tokio::time::sleep_until(until) => Ok(()),
                };
            }
            if open.new_pending {
                return self.fetch_new().await;
            }
            if self.folder_check_due() {
                return self.check_open_folder().await;
            }
        }
        if self.counts_due() {
            return self.count_step_or_first_folder().await;
        }
        match self.wait_live().await? {
            Next::Command(cmd) => self.handle(cmd).await,
            Next::Work => Ok(()),
            Next::Closed => Err(Fault::Stop),
        }
    }

    async fn defer(&mut self, cmd: SourceCommand) -> Result<(), Fault> {
        if matches!(cmd, SourceCommand::Shutdown) {
            return Err(Fault::Stop);
        }
        if self.deferred.len() >= MAX_DEFERRED
            && let Some(old) = self.deferred.pop_front()
        {
            self.refuse(
                old,
                Error::new(ErrorKind::Network, "too many requests while offline"),
            )
            .await?;
        }
        self.deferred.push_back(cmd);
        Ok(())
    }

    pub(super) async fn handle(&mut self, cmd: SourceCommand) -> Result<(), Fault> {
        match cmd {
            SourceCommand::ListFolders => self.list_folders().await,
            SourceCommand::OpenFolder {
                req,
                folder,
                window,
            } => {
                self.folder_asked = true;
                self.open_folder(req, folder, window).await
            }
            SourceCommand::FetchMessage {
                req,
                folder,
                uid,
                mark_seen,
            } => self.fetch_message(req, folder, uid, mark_seen).await,
            SourceCommand::SetFlag {
                folder,
                uid,
                flag,
                on,
            } => self.set_flag(folder, uid, flag, on).await,
            SourceCommand::FetchSource { req, folder, uid } => {
                self.fetch_source(req, folder, uid).await
            }
            SourceCommand::Transfer(job) => self.transfer(job).await,
            SourceCommand::Erase(job) => self.erase(job).await,
            SourceCommand::SaveAttachments(request) => self.save_attachments(request).await,
            SourceCommand::ChangeFolder { req, change } => self.change_folder(req, change).await,
            SourceCommand::Search(job) => self.search(job).await,
            SourceCommand::ResumeFolder {
                req,
                folder,
                window,
                known,
            } => {
                self.folder_asked = true;
                self.resume_folder(req, folder, window, *known).await
            }
            // Kept by the header cache's front; without one there is nothing to keep.
            SourceCommand::SaveCache { .. } => Ok(()),
            SourceCommand::SearchAll(job) => {
                self.search_all(job);
                Ok(())
            }
            // A search of the open folder is one command: it cannot be stopped half way.
            SourceCommand::CancelSearch { req } => {
                self.cancel_search_all(req);
                Ok(())
            }
            SourceCommand::Threads {
                req,
                folder,
                subject_fallback,
            } => self.threads(req, folder, subject_fallback).await,
            SourceCommand::Shutdown => Err(Fault::Stop),
        }
    }

    /// Answers a command that cannot be served (offline for too long, or failed for good).
    async fn refuse(&mut self, cmd: SourceCommand, error: Error) -> Result<(), Fault> {
        match cmd {
            SourceCommand::FetchMessage { req, .. } => {
                self.emit(SourceEvent::Message {
                    req,
                    result: Err(error),
                })
                .await
            }
            SourceCommand::FetchSource { req, .. } => {
                self.emit(SourceEvent::Source {
                    req,
                    result: Err(error),
                })
                .await
            }
            SourceCommand::Transfer(job) => {
                self.emit(SourceEvent::Transferred(job.ended(Some(error.to_string()))))
                    .await
            }
            SourceCommand::Erase(job) => {
                self.emit(SourceEvent::Erased(job.refused(error.to_string())))
                    .await
            }
            SourceCommand::SaveAttachments(request) => {
                self.emit(SourceEvent::Saved(crate::mail::SaveDone::failed(
                    request.req,
                    error.to_string(),
                )))
                .await
            }
            SourceCommand::ChangeFolder { req, .. } => {
                self.emit(SourceEvent::FolderChanged {
                    req,
                    error: Some(error.to_string()),
                })
                .await
            }
            SourceCommand::Search(job) => {
                self.emit(SourceEvent::Searched(job.done(Err(error.to_string()))))
                    .await
            }
            SourceCommand::Threads { req, folder, .. } => {
                self.emit(SourceEvent::Threads {
                    req,
                    folder,
                    result: Err(error.to_string()),
                    by: crate::mail::ThreadedBy::Client,
                })
                .await
            }
            SourceCommand::Shutdown => Err(Fault::Stop),
            _ => Ok(()),
        }
    }

    pub(super) async fn emit(&self, event: SourceEvent) -> Result<(), Fault> {
        super::metrics::observe_here(&event);
        self.events.send(event).await.map_err(|_| Fault::Stop)
    }

    /// Passes on what the servers said that the user must see (ALERT, BYE), read on any of
    /// the account's connections since the last time.
    pub(super) async fn pass_on_words(&self) -> Result<(), Fault> {
        for words in self.traffic.words.take() {
            self.emit(SourceEvent::Alert(words.text)).await?;
        }
        Ok(())
    }

    pub(super) async fn notice(&self, error: &Error) -> Result<(), Fault> {
        self.emit(SourceEvent::Notice(error.to_string())).await
    }

    /// The session, or a connection fault when there is none.
    pub(super) fn session(&mut self) -> Result<&mut Session, Fault> {
        self.session
            .as_mut()
            .ok_or_else(|| Fault::Conn(Error::new(ErrorKind::Network, "not connected")))
    }

    /// Sorts a failed request: connection errors go up (reconnect), the rest is reported.
    pub(super) async fn report(&self, error: Error) -> Result<(), Fault> {
        if is_connection_error(&error) {
            Err(Fault::Conn(error))
        } else {
            self.notice(&error).await
        }
    }

    /// Sorts a failed step of the open folder's background work: connection errors go up
    /// (reconnect); anything else pauses the work with a growing delay and, after a few
    /// failures, stops it. Either way the status line says what happened.
    pub(super) async fn background_failed(&mut self, error: Error) -> Result<(), Fault> {
        if is_unreadable_response(&error) {
            // Reconnect (the framing is lost), but a server that sends the same answer every
            // time ends in a stopped load, not in endless reconnects.
            if self.retry.failed(tokio::time::Instant::now()) == AfterFailure::GiveUp {
                self.give_up_loading(&error).await?;
            }
            return Err(Fault::Conn(error));
        }
        if is_connection_error(&error) {
            return Err(Fault::Conn(error));
        }
        tracing::warn!(target: "sealmail::imap", kind = ?error.kind, "folder work failed: {}", error.summary);
        match self.retry.failed(tokio::time::Instant::now()) {
            AfterFailure::RetryIn(delay) => {
                let text = format!("{error}; trying again in {} s", delay.as_secs());
                self.emit(SourceEvent::Notice(text)).await
            }
            AfterFailure::GiveUp => self.give_up_loading(&error).await,
        }
    }

    /// Stops the open folder's background work after repeated failures, and says so.
    async fn give_up_loading(&mut self, error: &Error) -> Result<(), Fault> {
        let Some(open) = self.open.as_mut() else {
            return Ok(());
        };
        open.loaded_all = true;
        open.resync_needed = false;
        open.new_pending = false;
        let (req, total) = (open.req, open.exists);
        let text = format!("{error}; stopped loading this folder (open it again to retry)");
        self.emit(SourceEvent::FolderLoaded { req, total }).await?;
        self.emit(SourceEvent::Notice(text)).await
    }

    /// Connects, retrying with backoff while the network is the problem. `reason` is set when
    /// an established connection just dropped.
    async fn reconnect(&mut self, mut reason: Option<String>) -> Result<(), Fault> {
        let mut attempt = 0u32;
        loop {
            if let Some(why) = reason.take() {
                attempt += 1;
                let delay = backoff_s(attempt);
                self.emit(SourceEvent::Connection(ConnectionState::Reconnecting {
                    reason: why,
                    attempt,
                    retry_in_s: delay,
                }))
                .await?;
                self.sleep_listening(Duration::from_secs(delay)).await?;
            }
            let connected = self.connect().await;
            self.pass_on_words().await?;
            if self.stopping {
                return Err(Fault::Stop);
            }
            let lists_before = self.lists;
            match connected {
                Ok(()) => match self.reselect().await {
                    // Folders may have come and gone meanwhile (unless the reselect found
                    // its folder gone and read the list already).
                    Ok(()) if self.connected_before && self.lists == lists_before => {
                        return self.list_folders().await;
                    }
                    Ok(()) if self.connected_before => return Ok(()),
                    Ok(()) => {
                        self.connected_before = true;
                        return Ok(());
                    }
                    Err(Fault::Conn(e)) => {
                        self.session = None;
                        reason = Some(e.to_string());
                    }
                    Err(Fault::Stop) => return Err(Fault::Stop),
                },
                Err(e) if is_connection_error(&e) => reason = Some(e.to_string()),
                Err(e) => {
                    tracing::warn!(target: "sealmail::imap", kind = ?e.kind, "giving up: {}", e.summary);
                    self.emit(SourceEvent::Connection(ConnectionState::Failed {
                        reason: e.to_string(),
                    }))
                    .await?;
                    return self.park(e).await;
                }
            }
        }
    }

    pub(super) fn tls_config(&mut self) -> Result<Arc<rustls::ClientConfig>, Error> {
        match &self.tls {
            Some(config) => Ok(config.clone()),
            None => {
                let config = tls::client_config(self.settings.ca_file.as_deref())?;
                self.tls = Some(config.clone());
                Ok(config)
            }
        }
    }

    async fn connect(&mut self) -> Result<(), Error> {
        let tls = self.tls_config()?;
        let mut connected = self.connect_and_login(tls).await?;
        self.qresync_on = false;
        if connected.caps.qresync && self.settings.qresync {
            enable_qresync(&mut connected.session).await?;
            self.qresync_on = true;
        }
        self.condstore = connected.caps.condstore;
        self.caps = connected.caps;
        let mut session = connected.session;
        if !self.namespace_unframed {
            // Nothing is selected yet: the one moment the raw exchange meets no other news.
            match namespace::query(&mut session).await {
                Ok(namespaces) => self.namespaces = namespaces,
                Err(namespace::Unframed) => {
                    // Not asked again on this account: a server that mishandles it once will
                    // again, and the folders are still listed without it.
                    self.namespace_unframed = true;
                    return Err(Error::new(
                        ErrorKind::Network,
                        "the server did not answer NAMESPACE properly",
                    ));
                }
            }
        }
        self.session = Some(session);
        let live = if self.caps.idle { "IDLE" } else { "polling" };
        self.emit(SourceEvent::Connection(ConnectionState::Online {
            live,
            insecure: connected.insecure,
        }))
        .await
        .map_err(|_| Error::new(ErrorKind::Io, "the reader is gone"))
    }

    /// Waits out a backoff delay, keeping commands for later; Shutdown ends the wait.
    async fn sleep_listening(&mut self, delay: Duration) -> Result<(), Fault> {
        let deadline = tokio::time::Instant::now() + delay;
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => return Ok(()),
                cmd = self.commands.recv() => match cmd {
                    Some(cmd) => self.defer(cmd).await?,
                    None => return Err(Fault::Stop),
                },
            }
        }
    }

    /// After a failure that retrying will not cure: answer requests with the error until the
    /// app shuts the actor down.
    async fn park(&mut self, error: Error) -> Result<(), Fault> {
        for cmd in std::mem::take(&mut self.deferred) {
            self.refuse(cmd, error.clone()).await?;
        }
        while let Some(cmd) = self.commands.recv().await {
            self.refuse(cmd, error.clone()).await?;
        }
        Err(Fault::Stop)
    }

    async fn logout(&mut self) {
        if let Some(mut session) = self.session.take() {
            let _ = tokio::time::timeout(Duration::from_secs(2), session.logout()).await;
        }
    }
}

/// Turns on QRESYNC (RFC 7162), so that the server reports expunges as `VANISHED` UIDs: the
/// map then never has to infer which message a sequence number meant. A server that refuses
/// goes on with plain EXPUNGE, which the map handles as well; only a broken connection fails.
async fn enable_qresync(session: &mut Session) -> Result<(), Error> {
    match timed("enable", session.run_command_and_check_ok("ENABLE QRESYNC")).await {
        Ok(()) => Ok(()),
        Err(e) => {
            let e = super::errors::imap_error("enable QRESYNC", e);
            if is_connection_error(&e) {
                return Err(e);
            }
            tracing::info!(target: "sealmail::imap", "QRESYNC not enabled: {}", e.summary);
            Ok(())
        }
    }
}

/// 1, 2, 4, 8, 16, 30, 30, ... seconds.
pub fn backoff_s(attempt: u32) -> u64 {
    1u64.checked_shl(attempt.saturating_sub(1))
        .unwrap_or(MAX_BACKOFF_S)
        .min(MAX_BACKOFF_S)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_thirty_seconds() {
        let delays: Vec<u64> = (1..=8).map(backoff_s).collect();
        assert_eq!(delays, vec![1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(backoff_s(200), 30);
    }
}
