//! Opening a folder whose rows the reader already shows from the header cache: the rows are
//! not sent again, only what changed since they were kept. With QRESYNC (RFC 7162 3.2.5)
//! the SELECT itself names the cached state, `(QRESYNC (uidvalidity modseq))`, and the
//! server answers with what vanished (`VANISHED (EARLIER)`) and the flags that changed; new
//! messages are fetched above the highest known UID. Without it, the known UIDs are compared
//! with `UID SEARCH ALL`, flags fetched again (`CHANGEDSINCE` with CONDSTORE), and new
//! messages fetched. A new UIDVALIDITY means the cached UIDs name other messages now: the
//! reader is told to drop them and the folder loads as if never seen.

use super::actor::{Actor, Fault};
use super::errors::imap_error;
use super::fetch;
use super::mailbox::OpenFolder;
use super::metrics::timed;
use crate::mail::{FolderVersion, KnownFolder, ReqId, SourceEvent};

impl Actor {
    /// Serves a [`crate::mail::SourceCommand::ResumeFolder`].
    pub(super) async fn resume_folder(
        &mut self,
        req: ReqId,
        folder: String,
        window: u32,
        known: KnownFolder,
    ) -> Result<(), Fault> {
        self.open = None;
        self.filler = None;
        self.retry.succeeded();
        let version = known.version;
        let qresync = self.qresync_on && version.highest_modseq.is_some();
        let parameters = match version.highest_modseq {
            Some(modseq) if qresync => Some(format!("QRESYNC ({} {modseq})", version.uid_validity)),
            _ => None,
        };
        let session = self.session()?;
        let selected = match timed(
            "select",
            super::select::select_with(session, &folder, parameters.as_deref()),
        )
        .await
        {
            Ok(s) => s,
            Err(e) => {
                return self
                    .folder_refused(folder, imap_error("open folder", e))
                    .await;
            }
        };
        let mut changes = selected.changes;
        fetch::drain_unsolicited(self.session()?, &mut changes);
        let mailbox = selected.mailbox;
        if mailbox.uid_validity != Some(version.uid_validity) {
            // The cached UIDs name other messages now (or the server gives no UIDVALIDITY to
            // compare with): the reader drops them, and the folder loads afresh.
            let reason = "the folder was rebuilt on the server; loading it again".to_string();
            self.emit(SourceEvent::Reload { req, reason }).await?;
            return self.open_folder(req, folder, window).await;
        }
        self.access = selected.access;
        let mut uids = known.uids;
        let mut flags = known.flags;
        flags.resize(uids.len(), crate::mail::Flags::default());
        if !uids.is_sorted_by(|a, b| a < b) {
            let mut pairs: Vec<(u32, crate::mail::Flags)> = uids.into_iter().zip(flags).collect();
            pairs.sort_unstable_by_key(|(uid, _)| *uid);
            pairs.dedup_by_key(|(uid, _)| *uid);
            (uids, flags) = pairs.into_iter().unzip();
        }
        let mut open = OpenFolder::resumed(
            req,
            folder.clone(),
            mailbox.exists,
            mailbox.uid_validity,
            uids,
            flags,
        );
        // The cached rows are what the reader shows: the map reports against them.
        open.sent = u32::try_from(open.known()).unwrap_or(u32::MAX);
        let applied = open.apply(changes);
        if qresync {
            // VANISHED (EARLIER) named everything expunged since the cached state, so every
            // known UID left is on the server, below any new one: positions hold.
            open.settle_after_qresync();
        } else {
            open.new_view(mailbox.exists);
        }
        self.open = Some(open);
        self.emit(SourceEvent::FolderOpened {
            req,
            folder,
            total: mailbox.exists,
            access: self.access,
        })
        .await?;
        if let Some(uid_validity) = mailbox.uid_validity {
            let version = FolderVersion {
                uid_validity,
                highest_modseq: mailbox.highest_modseq,
            };
            self.emit(SourceEvent::FolderVersion { req, version })
                .await?;
        }
        self.emit_applied(applied).await?;
        if !qresync {
            // Expunges by comparison, then the flags of what is left.
            self.resync().await?;
            self.resync_flags_since(version.highest_modseq).await?;
        }
        if self.open.as_ref().is_some_and(|o| o.new_pending) {
            self.fetch_new().await?;
        }
        Ok(())
    }

    /// The flags of every known message, or with CONDSTORE only of those changed since
    /// `modseq`, reported where they differ from the known ones.
    pub(super) async fn resync_flags_since(&mut self, modseq: Option<u64>) -> Result<(), Fault> {
        let Some(open) = &self.open else {
            return Ok(());
        };
        let (Some(min), Some(max)) = (open.min_uid(), open.max_uid()) else {
            return Ok(());
        };
        let set = format!("{min}:{max}");
        let condstore = self.condstore && modseq.is_some();
        let session = self.session()?;
        let now = match fetch::flags_since(session, &set, modseq.filter(|_| condstore)).await {
            Ok(now) => now,
            Err(e) => return self.report(e).await,
        };
        let Some(open) = self.open.as_mut() else {
            return Ok(());
        };
        let flags = now
            .into_iter()
            .filter(|(uid, flags)| open.note_flags(*uid, *flags))
            .collect();
        self.emit_applied(super::mailbox::Applied {
            expunged: Vec::new(),
            flags,
        })
        .await
    }
}
