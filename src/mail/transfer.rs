//! Moving, copying and deleting messages: what the reader asks a source to do, and what the
//! source reports. A transfer carries its own progress, so that a source that loses its
//! connection half way can take it up again without copying anything twice.

use super::ReqId;

/// A move (the messages leave their folder) or a copy (they stay).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransferKind {
    Move,
    Copy,
}

impl TransferKind {
    /// The verb for the status line ("moved", "copied").
    pub fn done_verb(self) -> &'static str {
        match self {
            TransferKind::Move => "moved",
            TransferKind::Copy => "copied",
        }
    }
}

/// Move or copy `uids` of `folder` to `target`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    pub req: ReqId,
    pub folder: String,
    pub target: String,
    pub kind: TransferKind,
    /// The messages still to transfer, ascending.
    pub uids: Vec<u32>,
    /// What is done so far (empty when the reader sends it).
    pub progress: TransferProgress,
}

impl Transfer {
    pub fn new(
        req: ReqId,
        folder: String,
        target: String,
        kind: TransferKind,
        mut uids: Vec<u32>,
    ) -> Transfer {
        uids.sort_unstable();
        uids.dedup();
        Transfer {
            req,
            folder,
            target,
            kind,
            uids,
            progress: TransferProgress::default(),
        }
    }
}

/// What a transfer has done so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TransferProgress {
    /// Transferred: in the target, and (for a move) gone from the folder.
    pub done: Vec<u32>,
    /// Copied to the target but not yet removed from the folder (a move by COPY, then
    /// `\Deleted` and UID EXPUNGE): taken up again, they are not copied a second time.
    pub copied: Vec<u32>,
    /// Where each message landed, when the source can tell (`COPYUID` of RFC 4315, or the
    /// Maildir file found in the target): (UID in the folder, UID in the target).
    pub landed: Vec<(u32, u32)>,
    /// The messages of the command that was under way when the connection dropped: whether
    /// it was carried out is unknown until they are looked for in both folders.
    pub unsure: Vec<u32>,
    /// The target's next UID before the first command: what arrived there since is what this
    /// transfer may have put there.
    pub target_next: Option<u32>,
}

/// How a transfer ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferDone {
    pub req: ReqId,
    pub folder: String,
    pub target: String,
    pub kind: TransferKind,
    pub progress: TransferProgress,
    /// The messages that were not transferred (still where they were).
    pub failed: Vec<u32>,
    /// Why, when some failed or the move could not be completed.
    pub error: Option<String>,
}

impl Transfer {
    /// How it ended: what was done, and what was not (still to do, or copied and not yet
    /// removed from the folder), with the reason.
    pub fn ended(self, error: Option<String>) -> TransferDone {
        let mut failed: Vec<u32> = self
            .uids
            .iter()
            .chain(&self.progress.copied)
            .chain(&self.progress.unsure)
            .copied()
            .collect();
        failed.sort_unstable();
        failed.dedup();
        TransferDone {
            req: self.req,
            folder: self.folder,
            target: self.target,
            kind: self.kind,
            progress: self.progress,
            failed,
            error,
        }
    }
}

/// Delete `uids` of `folder` for good (in Trash, after the user confirmed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Erase {
    pub req: ReqId,
    pub folder: String,
    pub uids: Vec<u32>,
}

impl Erase {
    /// Nothing deleted, for this reason.
    pub fn refused(self, error: impl Into<String>) -> EraseDone {
        EraseDone {
            req: self.req,
            folder: self.folder,
            erased: vec![],
            failed: self.uids,
            error: Some(error.into()),
        }
    }
}

/// How an erase ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EraseDone {
    pub req: ReqId,
    pub folder: String,
    pub erased: Vec<u32>,
    pub failed: Vec<u32>,
    pub error: Option<String>,
}

/// The messages of `all` that are not in `done` (both ascending).
pub fn not_in(all: &[u32], done: &[u32]) -> Vec<u32> {
    all.iter()
        .copied()
        .filter(|u| done.binary_search(u).is_err())
        .collect()
}
