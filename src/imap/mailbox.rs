//! The state of the selected folder: which UID sits at which sequence number (to turn the
//! server's EXPUNGE and FETCH notices into UIDs), how far the list is loaded, and what the
//! server said changed.

use std::collections::VecDeque;

use async_imap::imap_proto::{AttributeValue, MailboxDatum, Response};
use async_imap::types::UnsolicitedResponse;

use crate::mail::{Flags, ReqId};

/// A change the server announced on its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Exists(u32),
    Expunge(u32),
    Flags {
        seq: u32,
        uid: Option<u32>,
        flags: Flags,
    },
}

/// Reads a change out of a parsed response (IDLE data, or anything sent during a command).
pub fn change_of(response: &Response<'_>) -> Option<Change> {
    match response {
        Response::MailboxData(MailboxDatum::Exists(n)) => Some(Change::Exists(*n)),
        Response::Expunge(seq) => Some(Change::Expunge(*seq)),
        Response::Fetch(seq, attrs) => {
            let mut flags = None;
            let mut uid = None;
            for attr in attrs {
                match attr {
                    AttributeValue::Flags(list) => flags = Some(flags_from_names(list)),
                    AttributeValue::Uid(u) => uid = Some(*u),
                    _ => {}
                }
            }
            flags.map(|flags| Change::Flags {
                seq: *seq,
                uid,
                flags,
            })
        }
        _ => None,
    }
}

/// The same for what async-imap set aside while it ran a command.
pub fn change_of_unsolicited(response: &UnsolicitedResponse) -> Option<Change> {
    match response {
        UnsolicitedResponse::Exists(n) => Some(Change::Exists(*n)),
        UnsolicitedResponse::Expunge(seq) => Some(Change::Expunge(*seq)),
        UnsolicitedResponse::Other(data) => change_of(data.parsed()),
        _ => None,
    }
}

pub fn flags_from_names<S: AsRef<str>>(names: &[S]) -> Flags {
    let mut flags = Flags::default();
    for name in names {
        let bit = match name.as_ref().to_ascii_lowercase().as_str() {
            "\\seen" => Flags::SEEN,
            "\\answered" => Flags::ANSWERED,
            "\\flagged" => Flags::FLAGGED,
            "\\deleted" => Flags::DELETED,
            "\\draft" => Flags::DRAFT,
            _ => continue,
        };
        flags.set(bit, true);
    }
    flags
}

/// What applying a batch of changes produced, for the events.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
    pub expunged: Vec<u32>,
    pub flags: Vec<(u32, Flags)>,
}

/// The selected folder.
#[derive(Debug)]
pub struct OpenFolder {
    pub req: ReqId,
    pub name: String,
    pub uid_validity: Option<u32>,
    /// The message count as the server last told it.
    pub exists: u32,
    /// UIDs of sequence numbers `lo ..= lo + uids.len() - 1`, ascending.
    uids: VecDeque<u32>,
    /// The flags of each of `uids`, as last reported to the app.
    flags: VecDeque<Flags>,
    /// Sequence number of `uids[0]`; everything below is not loaded yet.
    lo: u32,
    /// Rows sent to the app while loading.
    pub sent: u32,
    /// `FolderLoaded` was sent.
    pub loaded_all: bool,
    /// The server announced messages above what we know.
    pub new_pending: bool,
    /// Our map may be wrong (a notice was lost, counts disagree): check with UID SEARCH.
    pub resync_needed: bool,
}

impl OpenFolder {
    pub fn new(req: ReqId, name: String, exists: u32, uid_validity: Option<u32>) -> Self {
        Self {
            req,
            name,
            uid_validity,
            exists,
            uids: VecDeque::new(),
            flags: VecDeque::new(),
            lo: exists + 1,
            sent: 0,
            loaded_all: false,
            new_pending: false,
            resync_needed: false,
        }
    }

    /// The highest sequence number not loaded yet (0 when all are).
    pub fn next_hi(&self) -> u32 {
        self.lo.saturating_sub(1)
    }

    pub fn max_uid(&self) -> Option<u32> {
        self.uids.back().copied()
    }

    pub fn known(&self) -> usize {
        self.uids.len()
    }

    /// Records the UIDs of a chunk loaded below what is known: sequence numbers
    /// `lo ..= next_hi()`, ascending.
    pub fn prepend(&mut self, lo: u32, ascending_uids: &[u32]) {
        if lo + ascending_uids.len() as u32 != self.lo {
            self.resync_needed = true;
        }
        for &uid in ascending_uids.iter().rev() {
            self.uids.push_front(uid);
            self.flags.push_front(Flags::default());
        }
        self.lo = lo;
    }

    /// Records new messages at the top, ascending.
    pub fn append(&mut self, ascending_uids: &[u32]) {
        self.uids.extend(ascending_uids);
        self.flags
            .extend(std::iter::repeat_n(Flags::default(), ascending_uids.len()));
        if self.lo as usize + self.uids.len() != self.exists as usize + 1 {
            self.resync_needed = true;
        }
    }

    /// The smallest known UID.
    pub fn min_uid(&self) -> Option<u32> {
        self.uids.front().copied()
    }

    /// Records a message's flags; true when they differ from what was recorded.
    pub fn note_flags(&mut self, uid: u32, flags: Flags) -> bool {
        match self.uids.binary_search(&uid) {
            Ok(i) => self.flags.get_mut(i).is_some_and(|f| {
                let changed = *f != flags;
                *f = flags;
                changed
            }),
            Err(_) => false,
        }
    }

    /// True when every message of the folder is in the map and the counts agree.
    pub fn consistent(&self) -> bool {
        self.lo == 1 && self.uids.len() == self.exists as usize
    }

    pub fn uid_at(&self, seq: u32) -> Option<u32> {
        seq.checked_sub(self.lo)
            .and_then(|i| self.uids.get(i as usize).copied())
    }

    /// Applies the server's notices in the order they came.
    pub fn apply(&mut self, changes: impl IntoIterator<Item = Change>) -> Applied {
        let mut applied = Applied::default();
        for change in changes {
            match change {
                Change::Exists(n) => {
                    if n > self.exists {
                        self.new_pending = true;
                    } else if n < self.exists {
                        self.resync_needed = true;
                    }
                    self.exists = n;
                }
                Change::Expunge(seq) => {
                    self.exists = self.exists.saturating_sub(1);
                    if seq < self.lo {
                        self.lo -= 1;
                    } else if let Some(uid) = self.uids.remove((seq - self.lo) as usize) {
                        self.flags.remove((seq - self.lo) as usize);
                        applied.expunged.push(uid);
                        applied.flags.retain(|(u, _)| *u != uid);
                    }
                }
                Change::Flags { seq, uid, flags } => {
                    if let Some(uid) = uid.or_else(|| self.uid_at(seq)) {
                        self.note_flags(uid, flags);
                        applied.flags.retain(|(u, _)| *u != uid);
                        applied.flags.push((uid, flags));
                    }
                }
            }
        }
        applied
    }

    /// Takes the server's full UID list (after a reconnect): drops what is gone and returns
    /// it, and places the known range at its sequence numbers again. New UIDs above the
    /// known ones are left for the caller to fetch.
    pub fn reconcile(&mut self, server_ascending: &[u32]) -> Vec<u32> {
        let mut gone = Vec::new();
        let mut uids = VecDeque::with_capacity(self.uids.len());
        let mut flags = VecDeque::with_capacity(self.flags.len());
        for (uid, f) in self.uids.drain(..).zip(self.flags.drain(..)) {
            if server_ascending.binary_search(&uid).is_ok() {
                uids.push_back(uid);
                flags.push_back(f);
            } else {
                gone.push(uid);
            }
        }
        self.uids = uids;
        self.flags = flags;
        let max_known = self.uids.back().copied();
        let below = match self.uids.front() {
            Some(min) => server_ascending.partition_point(|u| u < min),
            None => server_ascending.len(),
        };
        let above = match max_known {
            Some(max) => server_ascending.len() - server_ascending.partition_point(|u| *u <= max),
            None => 0,
        };
        self.exists = server_ascending.len() as u32;
        self.lo = below as u32 + 1;
        self.new_pending = above > 0;
        if self.uids.is_empty() {
            // Nothing known: load again from the top.
            self.lo = self.exists + 1;
            self.loaded_all = false;
            self.new_pending = false;
        } else if self.lo > 1 {
            self.loaded_all = false;
        }
        self.resync_needed = false;
        gone
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder_with(uids: &[u32]) -> OpenFolder {
        let mut f = OpenFolder::new(1, "INBOX".into(), uids.len() as u32, Some(7));
        f.prepend(1, uids);
        f
    }

    #[test]
    fn chunks_loaded_newest_first_fill_the_map() {
        let mut f = OpenFolder::new(1, "INBOX".into(), 6, None);
        assert_eq!(f.next_hi(), 6);
        f.prepend(5, &[50, 60]);
        f.prepend(2, &[20, 30, 40]);
        assert_eq!(f.next_hi(), 1);
        assert!(!f.consistent());
        f.prepend(1, &[10]);
        assert!(f.consistent() && !f.resync_needed);
        assert_eq!(f.uid_at(3), Some(30));
        assert_eq!(f.max_uid(), Some(60));
    }

    #[test]
    fn expunges_map_sequence_numbers_to_uids_in_order() {
        let mut f = folder_with(&[10, 20, 30, 40]);
        // "* 2 EXPUNGE" twice removes the 2nd and then the (new) 2nd message.
        let applied = f.apply([Change::Expunge(2), Change::Expunge(2)]);
        assert_eq!(applied.expunged, vec![20, 30]);
        assert_eq!(f.exists, 2);
        assert!(f.consistent());
        assert_eq!(f.uid_at(2), Some(40));
    }

    #[test]
    fn expunges_below_the_loaded_range_shift_it() {
        let mut f = OpenFolder::new(1, "INBOX".into(), 5, None);
        f.prepend(4, &[40, 50]);
        let applied = f.apply([Change::Expunge(1)]);
        assert!(applied.expunged.is_empty());
        assert_eq!(f.next_hi(), 2);
        assert_eq!(f.uid_at(3), Some(40));
    }

    #[test]
    fn flag_notices_use_the_uid_or_the_sequence_number() {
        let mut f = folder_with(&[10, 20]);
        let applied = f.apply([
            Change::Flags {
                seq: 2,
                uid: None,
                flags: Flags::SEEN,
            },
            Change::Flags {
                seq: 1,
                uid: Some(10),
                flags: Flags::FLAGGED,
            },
        ]);
        assert_eq!(applied.flags, vec![(20, Flags::SEEN), (10, Flags::FLAGGED)]);
    }

    #[test]
    fn exists_growth_asks_for_new_rows() {
        let mut f = folder_with(&[10, 20]);
        f.apply([Change::Exists(3)]);
        assert!(f.new_pending);
        f.append(&[25]);
        assert!(f.consistent() && !f.resync_needed);
    }

    #[test]
    fn reconcile_after_reconnect_finds_gone_and_new_and_unloaded() {
        let mut f = OpenFolder::new(1, "INBOX".into(), 5, None);
        f.prepend(3, &[30, 40, 50]);
        // While away: 40 expunged, 60 and 70 arrived, 5 appeared below (older unloaded ones stay).
        let gone = f.reconcile(&[10, 20, 30, 50, 60, 70]);
        assert_eq!(gone, vec![40]);
        assert!(f.new_pending);
        assert_eq!(f.next_hi(), 2);
        assert_eq!(f.exists, 6);
        f.append(&[60, 70]);
        f.prepend(1, &[10, 20]);
        assert!(f.consistent() && !f.resync_needed);
    }

    #[test]
    fn flags_are_remembered_per_uid_through_expunges() {
        let mut f = folder_with(&[10, 20, 30]);
        assert!(f.note_flags(30, Flags::SEEN));
        assert!(!f.note_flags(30, Flags::SEEN), "unchanged");
        f.apply([Change::Expunge(1)]);
        assert!(
            !f.note_flags(30, Flags::SEEN),
            "still recorded after the shift"
        );
        f.reconcile(&[30]);
        assert!(!f.note_flags(30, Flags::SEEN), "kept by reconcile");
        assert!(!f.note_flags(99, Flags::SEEN), "unknown UIDs are ignored");
    }

    #[test]
    fn flags_from_names_ignore_unknown_keywords() {
        assert_eq!(
            flags_from_names(&["\\Seen", "$Junk", "\\Flagged"]),
            Flags(Flags::SEEN.0 | Flags::FLAGGED.0)
        );
    }
}
