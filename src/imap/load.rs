//! Opening a folder and keeping its list in step with the server: the newest window first,
//! then the rest in growing chunks, newest first; new messages above the known ones; and a
//! resync (expunged and new UIDs) after a reconnect, without sending the whole list again.

use super::actor::{Actor, Fault};
use super::errors::{imap_error, refused};
use super::fetch::{self, Fetched, Set};
use super::filler;
use super::mailbox::{Applied, Change, OpenFolder, Reconciled};
use super::metrics::timed;
use crate::error::{Error, ErrorKind};
use crate::mail::{ReqId, Row, SourceEvent};

/// The first background chunk after the window; chunks double up to [`MAX_CHUNK`].
const FIRST_CHUNK: u32 = 500;
/// The largest chunk: a command that arrives meanwhile waits at most this long (~0.15 s).
const MAX_CHUNK: u32 = 5000;

impl Actor {
    pub(super) async fn open_folder(
        &mut self,
        req: ReqId,
        folder: String,
        window: u32,
    ) -> Result<(), Fault> {
        self.open = None;
        self.filler = None;
        self.retry.succeeded();
        let session = self.session()?;
        let (mailbox, access) = match timed("select", super::select::select(session, &folder)).await
        {
            Ok(s) => (s.mailbox, s.access),
            Err(e) => {
                return self
                    .folder_refused(folder, imap_error("open folder", e))
                    .await;
            }
        };
        let mut changes = Vec::new();
        fetch::drain_unsolicited(session, &mut changes);
        self.access = access;
        self.open = Some(OpenFolder::new(
            req,
            folder.clone(),
            mailbox.exists,
            mailbox.uid_validity,
        ));
        self.emit(SourceEvent::FolderOpened {
            req,
            folder,
            total: mailbox.exists,
            access,
        })
        .await?;
        if let Some(uid_validity) = mailbox.uid_validity {
            let version = crate::mail::FolderVersion {
                uid_validity,
                highest_modseq: mailbox.highest_modseq,
            };
            self.emit(SourceEvent::FolderVersion { req, version })
                .await?;
        }
        self.chunk = FIRST_CHUNK;
        self.load_chunk(window.max(1)).await
    }

    /// Loads the next background chunk of the open folder.
    pub(super) async fn load_step(&mut self) -> Result<(), Fault> {
        let size = self.chunk.clamp(1, MAX_CHUNK);
        self.chunk = (size * 2).min(MAX_CHUNK);
        self.load_chunk(size).await
    }

    /// Fetches the `size` newest rows not loaded yet, by sequence number, and reports them
    /// newest first. Sends `FolderLoaded` when nothing is left. While a filler loads the
    /// older part, stops above it and then takes its rows.
    async fn load_chunk(&mut self, size: u32) -> Result<(), Fault> {
        let Some(open) = &self.open else {
            return Ok(());
        };
        let hi = open.next_hi();
        if hi == 0 {
            return self.finish_load().await;
        }
        let floor = self.filler.as_ref().map_or(1, |f| f.split + 1);
        if hi < floor {
            return self.take_filler().await;
        }
        let lo = hi.saturating_sub(size - 1).max(floor);
        let query = self.row_query.clone();
        let session = self.session()?;
        let fetched = match fetch::rows(session, &query, Set::Seqs { lo, hi }).await {
            Ok(f) => f,
            Err(e) => return self.background_failed(e).await,
        };
        let mut changes = Vec::new();
        let overflow = fetch::drain_unsolicited(session, &mut changes);
        self.retry.succeeded();
        self.absorb(lo, hi, fetched, changes, overflow).await?;
        self.start_filler_if_large();
        if self
            .open
            .as_ref()
            .is_some_and(|o| o.next_hi() == 0 && !o.resync_needed)
        {
            return self.finish_load().await;
        }
        Ok(())
    }

    /// Records the rows of sequence numbers `lo..=hi` below what is loaded and reports them.
    async fn absorb(
        &mut self,
        lo: u32,
        hi: u32,
        fetched: Fetched,
        mut changes: Vec<Change>,
        overflow: bool,
    ) -> Result<(), Fault> {
        changes.extend(fetched.changes);
        let mut rows = fetched.rows;
        rows.sort_unstable_by_key(|(seq, _)| *seq);
        rows.dedup_by_key(|(seq, _)| *seq);
        let in_range = rows.iter().all(|(seq, _)| (lo..=hi).contains(seq));
        let complete = in_range && rows.len() as u32 == hi - lo + 1;
        let uids: Vec<u32> = rows.iter().map(|(_, row)| row.uid).collect();

        let Some(open) = self.open.as_mut() else {
            return Ok(());
        };
        open.prepend(lo, &uids);
        for (_, row) in &rows {
            open.note_flags(row.uid, row.flags);
        }
        if !complete {
            // The server answered something else than asked (a concurrent expunge): place
            // the rows by UID SEARCH before going on.
            open.resync_needed = true;
        }
        open.resync_needed |= overflow;
        open.view_lost |= overflow;
        let applied = open.apply(changes);
        open.sent += rows.len() as u32;
        let (req, loaded, total) = (open.req, open.sent, open.exists);
        let rows: Vec<Row> = rows.into_iter().rev().map(|(_, row)| row).collect();
        if !rows.is_empty() {
            self.emit(SourceEvent::Rows {
                req,
                rows,
                loaded,
                total,
            })
            .await?;
        }
        self.emit_applied(applied).await
    }

    /// After the first window of a large folder: a second connection loads the older half.
    fn start_filler_if_large(&mut self) {
        let Some(open) = &self.open else {
            return;
        };
        let left = open.next_hi();
        let Some(min) = self.settings.parallel_fill_min else {
            return;
        };
        if self.filler.is_some() || open.sent == 0 || left < min.max(2) || open.resync_needed {
            return;
        }
        let Ok(tls) = self.tls_config() else {
            return;
        };
        let Some(open) = &self.open else {
            return;
        };
        self.filler = Some(filler::start(
            self.settings.clone(),
            tls,
            self.traffic.clone(),
            open.name.clone(),
            open.uid_validity,
            left / 2,
            self.row_query.clone(),
        ));
    }

    /// Waits for the filler's rows, serving commands meanwhile, and reports them. If it
    /// failed, the actor's own session loads the rest.
    async fn take_filler(&mut self) -> Result<(), Fault> {
        let Some(filler) = self.filler.as_mut() else {
            return Ok(());
        };
        let result = tokio::select! {
            r = &mut filler.handle => Ok(r),
            cmd = self.commands.recv() => Err(cmd),
        };
        let result = match result {
            Ok(r) => r,
            // Boxed: a command may open another folder, which loads again.
            Err(Some(cmd)) => return Box::pin(self.handle(cmd)).await,
            Err(None) => return Err(Fault::Stop),
        };
        self.filler = None;
        let chunks = match result {
            Ok(Ok(chunks)) => chunks,
            Ok(Err(e)) => {
                tracing::debug!(target: "sealmail::imap", "second connection failed: {}", e.summary);
                return Ok(());
            }
            Err(e) => {
                tracing::debug!(target: "sealmail::imap", "second connection stopped: {e}");
                return Ok(());
            }
        };
        for chunk in chunks {
            if self.open.as_ref().is_none_or(|o| !fits_below(o, &chunk)) {
                // Out of step (an expunge meanwhile): the resync and the normal load go on.
                if let Some(open) = self.open.as_mut() {
                    open.resync_needed = true;
                }
                return Ok(());
            }
            self.absorb(chunk.lo, chunk.hi, chunk.fetched, Vec::new(), false)
                .await?;
        }
        if self
            .open
            .as_ref()
            .is_some_and(|o| o.next_hi() == 0 && !o.resync_needed)
        {
            return self.finish_load().await;
        }
        Ok(())
    }

    async fn finish_load(&mut self) -> Result<(), Fault> {
        if self.open.as_ref().is_some_and(|o| !o.consistent()) {
            self.resync().await?;
        }
        let Some(open) = self.open.as_mut() else {
            return Ok(());
        };
        if open.loaded_all || open.next_hi() > 0 {
            return Ok(());
        }
        open.loaded_all = true;
        let (req, total) = (open.req, open.exists);
        tracing::debug!(target: "sealmail::imap", total, "folder loaded");
        self.emit(SourceEvent::FolderLoaded { req, total }).await
    }

    /// Fetches messages above the highest known UID and reports them as new rows.
    pub(super) async fn fetch_new(&mut self) -> Result<(), Fault> {
        let Some(open) = self.open.as_mut() else {
            return Ok(());
        };
        open.new_pending = false;
        let from = open.max_uid().map_or(1, |m| m + 1);
        let query = self.row_query.clone();
        let session = self.session()?;
        let fetched = match fetch::rows(session, &query, Set::Uid(&format!("{from}:*"))).await {
            Ok(f) => f,
            Err(e) => return self.report(e).await,
        };
        let mut changes = fetched.changes;
        let overflow = fetch::drain_unsolicited(session, &mut changes);
        // `n:*` always names the last message, even when its UID is below n.
        let mut rows: Vec<(u32, Row)> = fetched
            .rows
            .into_iter()
            .filter(|(_, row)| row.uid >= from)
            .collect();
        rows.sort_unstable_by_key(|(_, row)| row.uid);
        rows.dedup_by_key(|(_, row)| row.uid);
        let Some(open) = self.open.as_mut() else {
            return Ok(());
        };
        let uids: Vec<u32> = rows.iter().map(|(_, row)| row.uid).collect();
        let applied_before = open.apply(changes);
        if !uids.is_empty() {
            open.append(&uids);
        }
        for (_, row) in &rows {
            open.note_flags(row.uid, row.flags);
        }
        open.resync_needed |= overflow;
        open.view_lost |= overflow;
        let (folder, total) = (open.name.clone(), open.exists);
        if !rows.is_empty() {
            let rows: Vec<Row> = rows.into_iter().rev().map(|(_, row)| row).collect();
            self.emit(SourceEvent::NewRows {
                folder,
                rows,
                total,
            })
            .await?;
        }
        self.emit_applied(applied_before).await
    }

    /// Compares the known UIDs with the server's (UID SEARCH ALL) and reports what went away,
    /// then fetches what is new. Used after a reconnect and whenever notices may be lost.
    ///
    /// A SEARCH result may already leave out messages whose EXPUNGE the server holds back
    /// (RFC 3501 7.4.1), so the map is never cut by it alone: a NOOP first lets the server
    /// send what it holds, every notice is applied in the order it came before the result is
    /// read, and what the result still leaves out keeps its sequence number as a tombstone
    /// until its EXPUNGE arrives (see [`OpenFolder::reconcile`]).
    pub(super) async fn resync(&mut self) -> Result<(), Fault> {
        if self.open.as_ref().is_some_and(|o| o.view_lost) {
            // Notices were dropped: a new SELECT gives an exact view.
            return Box::pin(self.reselect()).await;
        }
        const ATTEMPTS: usize = 3;
        let mut server = Vec::new();
        for _ in 0..ATTEMPTS {
            let session = self.session()?;
            if let Err(e) = timed("noop", session.noop()).await {
                return self.background_failed(imap_error("noop", e)).await;
            }
            if let Err(e) = refused(session.get_mut(), "noop") {
                return self.background_failed(e).await;
            }
            let mut changes = Vec::new();
            let mut lost = fetch::drain_unsolicited(session, &mut changes);
            self.apply_changes(changes).await?;
            let session = self.session()?;
            server = match fetch::all_uids(session).await {
                Ok(u) => u,
                Err(e) => return self.background_failed(e).await,
            };
            let mut changes = Vec::new();
            lost |= fetch::drain_unsolicited(session, &mut changes);
            self.apply_changes(changes).await?;
            let Some(open) = self.open.as_mut() else {
                return Ok(());
            };
            if lost {
                open.view_lost = true;
                return Box::pin(self.reselect()).await;
            }
            if let Reconciled::Done(gone) = open.reconcile(&server) {
                return self.after_reconcile(gone).await;
            }
        }
        // Still holding back expunges of messages not loaded: the result is the best view.
        let Some(open) = self.open.as_mut() else {
            return Ok(());
        };
        let gone = open.rebuild(&server);
        self.after_reconcile(gone).await
    }

    async fn after_reconcile(&mut self, gone: Vec<u32>) -> Result<(), Fault> {
        let Some(open) = self.open.as_mut() else {
            return Ok(());
        };
        let (folder, total, new) = (open.name.clone(), open.exists, open.new_pending);
        if !gone.is_empty() {
            self.emit(SourceEvent::Expunged {
                folder,
                uids: gone,
                total,
            })
            .await?;
        }
        if new {
            self.fetch_new().await?;
        }
        Ok(())
    }

    /// After a reconnect: select the open folder again and catch up with what changed.
    pub(super) async fn reselect(&mut self) -> Result<(), Fault> {
        let Some(open) = &self.open else {
            return Ok(());
        };
        let (name, validity, req) = (open.name.clone(), open.uid_validity, open.req);
        let session = self.session()?;
        let mailbox = match timed("select", session.select(&name)).await {
            Ok(m) => m,
            Err(e) => {
                return self
                    .folder_refused(name, imap_error("open folder", e))
                    .await;
            }
        };
        let mut changes = Vec::new();
        fetch::drain_unsolicited(session, &mut changes);
        // A missing UIDVALIDITY is not a change: only a different one is.
        if mailbox.uid_validity.is_some() && mailbox.uid_validity != validity {
            // Every UID changed meaning: the list must be built again.
            let window = self
                .open
                .as_ref()
                .map_or(50, |o| o.known().clamp(1, 200) as u32);
            let e = Error::new(
                ErrorKind::Protocol,
                "the folder was rebuilt on the server; reloading",
            );
            // The rows shown name other messages now: the reader drops them first.
            self.emit(SourceEvent::Reload {
                req,
                reason: e.to_string(),
            })
            .await?;
            return self.open_folder(req, name, window).await;
        }
        if let Some(open) = self.open.as_mut() {
            open.new_view(mailbox.exists);
        }
        self.apply_changes(changes).await?;
        self.resync().await?;
        // Flags changed elsewhere while the connection was down.
        self.resync_flags_since(None).await
    }

    pub(super) async fn emit_applied(&mut self, applied: Applied) -> Result<(), Fault> {
        let Some(open) = &self.open else {
            return Ok(());
        };
        let (folder, total) = (open.name.clone(), open.exists);
        if !applied.expunged.is_empty() {
            self.emit(SourceEvent::Expunged {
                folder: folder.clone(),
                uids: applied.expunged,
                total,
            })
            .await?;
        }
        for (uid, flags) in applied.flags {
            self.emit(SourceEvent::FlagsChanged {
                folder: folder.clone(),
                uid,
                flags,
            })
            .await?;
        }
        Ok(())
    }

    /// Applies notices to the open folder and reports them.
    pub(super) async fn apply_changes(&mut self, changes: Vec<Change>) -> Result<(), Fault> {
        let Some(open) = self.open.as_mut() else {
            return Ok(());
        };
        let applied = open.apply(changes);
        self.emit_applied(applied).await
    }
}

/// Whether the second connection's chunk can be placed at its sequence numbers in this
/// session's map. That connection selected the folder later, so its view may already lack
/// messages expunged below, whose EXPUNGE this session has not heard yet (a server may hold
/// it back during FETCH): its sequence numbers are then shifted, and its highest rows are
/// messages this session already loaded above the chunk. Views differ only by such expunges
/// (new mail goes on top), so a chunk fits when it holds exactly one row per sequence number
/// and every row lies below the known range.
fn fits_below(open: &OpenFolder, chunk: &filler::FilledChunk) -> bool {
    let below = open.min_uid().unwrap_or(u32::MAX);
    let mut seqs: Vec<u32> = chunk.fetched.rows.iter().map(|(seq, _)| *seq).collect();
    seqs.sort_unstable();
    open.next_hi() == chunk.hi
        && seqs.first() == Some(&chunk.lo)
        && seqs
            .windows(2)
            .all(|w| matches!(w, [a, b] if a.checked_add(1) == Some(*b)))
        && seqs.last() == Some(&chunk.hi)
        && chunk.fetched.rows.iter().all(|(_, row)| row.uid < below)
}
