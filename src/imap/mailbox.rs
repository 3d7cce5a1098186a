//! The state of the selected folder: which UID sits at which sequence number (to turn the
//! server's EXPUNGE and FETCH notices into UIDs), how far the list is loaded, and what the
//! server said changed.

use std::collections::{HashSet, VecDeque};
use std::ops::RangeInclusive;

use async_imap::imap_proto::{AttributeValue, MailboxDatum, Response};
use async_imap::types::UnsolicitedResponse;

use crate::mail::{Flags, ReqId};

/// A change the server announced on its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Exists(u32),
    Expunge(u32),
    /// RFC 7162 `VANISHED`: UIDs expunged, once QRESYNC is enabled. Without `earlier`, each
    /// named message leaves this session's view as an EXPUNGE would; `earlier` ones were
    /// gone before (the view never counted them).
    Vanished {
        earlier: bool,
        uids: Vec<RangeInclusive<u32>>,
    },
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
        Response::Vanished { earlier, uids } => Some(Change::Vanished {
            earlier: *earlier,
            uids: uids.clone(),
        }),
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
    /// Notices were dropped (the unsolicited-response queue overflowed): only a new SELECT
    /// gives an exact view again.
    pub view_lost: bool,
    /// Known UIDs the server no longer has but whose EXPUNGE it has not sent yet (RFC 3501
    /// 7.4.1 lets it hold them back). They keep their sequence numbers until the EXPUNGE
    /// comes, so that it removes the right message; the app was told they are gone.
    tombstones: HashSet<u32>,
    /// False after a new SELECT of the folder (a reconnect, lost notices) until a SEARCH
    /// result has placed the known UIDs in the new view: until then an EXPUNGE only counts.
    positions_known: bool,
}

/// What a UID SEARCH ALL result says about the map.
#[derive(Debug, PartialEq, Eq)]
pub enum Reconciled {
    /// The map agrees with the server (after recording what is gone, which is returned).
    Done(Vec<u32>),
    /// The server holds back expunges of messages the map cannot name: ask again after the
    /// server has had the chance to send them (a NOOP).
    Pending,
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
            view_lost: false,
            tombstones: HashSet::new(),
            positions_known: true,
        }
    }

    /// A folder opened with what the header cache knew of it: every message of the cached
    /// list, UIDs ascending, at sequence numbers from 1 (the cache holds whole folders only).
    pub fn resumed(
        req: ReqId,
        name: String,
        exists: u32,
        uid_validity: Option<u32>,
        ascending_uids: Vec<u32>,
        flags: Vec<Flags>,
    ) -> Self {
        let mut open = Self::new(req, name, exists, uid_validity);
        if !ascending_uids.is_empty() {
            open.lo = 1;
            open.uids = ascending_uids.into();
            open.flags = flags.into();
        }
        open
    }

    /// After a SELECT with QRESYNC and its `VANISHED (EARLIER)` applied: the known UIDs left
    /// are on the server, the first ones of the folder; anything above them is new mail.
    pub fn settle_after_qresync(&mut self) {
        let known = u32::try_from(self.uids.len()).unwrap_or(u32::MAX);
        self.resync_needed = self.exists < known && !self.uids.is_empty();
        self.new_pending = self.exists > known && !self.uids.is_empty();
    }

    /// The folder was selected again (a new session's view of `exists` messages): the known
    /// UIDs and flags stay, their sequence numbers are placed again by the next SEARCH.
    pub fn new_view(&mut self, exists: u32) {
        self.exists = exists;
        self.tombstones.clear();
        self.positions_known = false;
        self.view_lost = false;
        self.resync_needed = true;
    }

    /// The highest sequence number not loaded yet (0 when all are).
    pub fn next_hi(&self) -> u32 {
        self.lo.saturating_sub(1)
    }

    pub fn max_uid(&self) -> Option<u32> {
        self.uids.back().copied()
    }

    /// Messages known and still on the server.
    pub fn known(&self) -> usize {
        self.uids.len() - self.tombstones.len()
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
        if self.tombstones.contains(&uid) {
            return false;
        }
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
                    if !self.positions_known {
                        // Counted; the SEARCH that places the map tells which one it was.
                    } else if seq < self.lo {
                        self.lo -= 1;
                    } else if let Some(uid) = self.uids.remove((seq - self.lo) as usize) {
                        self.flags.remove((seq - self.lo) as usize);
                        // A tombstone's removal was reported when the SEARCH showed it gone.
                        if !self.tombstones.remove(&uid) {
                            applied.expunged.push(uid);
                        }
                        applied.flags.retain(|(u, _)| *u != uid);
                    }
                }
                Change::Vanished { earlier, uids } => {
                    for range in uids {
                        self.vanish(range, earlier, &mut applied);
                    }
                }
                Change::Flags { seq, uid, flags } => {
                    if let Some(uid) = uid
                        .or_else(|| self.positions_known.then(|| self.uid_at(seq)).flatten())
                        .filter(|u| !self.tombstones.contains(u))
                    {
                        self.note_flags(uid, flags);
                        applied.flags.retain(|(u, _)| *u != uid);
                        applied.flags.push((uid, flags));
                    }
                }
            }
        }
        applied
    }

    /// Applies one range of a `VANISHED` response. Known UIDs in it are removed by UID; the
    /// others are placed by comparing them with the known range (UIDs ascend with sequence
    /// numbers): below it they shift the loaded range down, above it they were new mail not
    /// fetched yet. Cost is bounded by what is known, whatever range a server names.
    fn vanish(&mut self, range: RangeInclusive<u32>, earlier: bool, applied: &mut Applied) {
        let (first, last) = (*range.start(), *range.end());
        if first > last {
            return;
        }
        let named = u64::from(last - first) + 1;
        let all_below = self.lo > self.exists;
        if earlier {
            // Gone before this view: not counted in `exists`, so positions may be off.
            self.resync_needed = true;
        } else {
            self.exists = u32::try_from(u64::from(self.exists).saturating_sub(named)).unwrap_or(0);
        }
        let (Some(min), Some(max)) = (self.min_uid(), self.max_uid()) else {
            // Nothing known to compare with. When every message is below the loaded range
            // (nothing new above it), these were too; otherwise only a SEARCH can place them.
            if earlier || !self.positions_known {
            } else if all_below {
                self.lo = self.exists + 1;
            } else if self.lo > 1 {
                self.resync_needed = true;
            }
            return;
        };
        let from = self.uids.partition_point(|u| *u < first);
        let to = self.uids.partition_point(|u| *u <= last);
        let removed = to.saturating_sub(from);
        if removed > 0 {
            for uid in self.uids.drain(from..to) {
                if !self.tombstones.remove(&uid) {
                    applied.expunged.push(uid);
                }
                applied.flags.retain(|(u, _)| *u != uid);
            }
            self.flags.drain(from..to);
        }
        if earlier {
            return;
        }
        let count = |a: u32, b: u32| if a <= b { u64::from(b - a) + 1 } else { 0 };
        let below = if first < min {
            count(first, last.min(min - 1))
        } else {
            0
        };
        let inside = count(first.max(min), last.min(max));
        if inside > removed as u64 {
            // The map did not hold every UID of its own range: it cannot be trusted.
            self.resync_needed = true;
        }
        if self.positions_known && below > 0 {
            match u32::try_from(below)
                .ok()
                .and_then(|b| self.lo.checked_sub(b))
            {
                Some(lo) if lo >= 1 => self.lo = lo,
                _ => self.resync_needed = true,
            }
        }
    }

    /// Takes a UID SEARCH ALL result, with every notice the server sent before it already
    /// applied. The view the server keeps for this session holds `exists` messages: the
    /// result, plus those expunged meanwhile whose EXPUNGE it still holds back. When those
    /// are exactly the known UIDs missing from the result, they become tombstones and every
    /// sequence number stays as it is. When nothing is held back, the result is the view
    /// and the map is rebuilt from it (a new session, lost notices). Otherwise the server
    /// holds back expunges of messages not loaded yet: [`Reconciled::Pending`].
    pub fn reconcile(&mut self, server_ascending: &[u32]) -> Reconciled {
        let missing: Vec<u32> = self
            .uids
            .iter()
            .copied()
            .filter(|uid| server_ascending.binary_search(uid).is_err())
            .collect();
        let held_back = (self.exists as usize).checked_sub(server_ascending.len());
        let below_known = match self.uids.front() {
            Some(min) => server_ascending.partition_point(|u| u < min),
            None => server_ascending.len(),
        };
        let positions_agree = self.positions_known && self.lo as usize == below_known + 1;
        match held_back {
            Some(0) => Reconciled::Done(self.rebuild(server_ascending)),
            Some(n) if n == missing.len() && positions_agree && !self.uids.is_empty() => {
                let mut gone = Vec::new();
                for uid in missing {
                    if self.tombstones.insert(uid) {
                        gone.push(uid);
                    }
                }
                let max_known = self.uids.back().copied().unwrap_or(0);
                self.new_pending = server_ascending.last().is_some_and(|u| *u > max_known);
                self.resync_needed = false;
                Reconciled::Done(gone)
            }
            _ => Reconciled::Pending,
        }
    }

    /// Rebuilds the map from a UID list that is the whole view: drops what is gone and
    /// returns it (tombstones excepted: already reported), and places the known range at its
    /// sequence numbers again. New UIDs above the known ones are left for the caller to fetch.
    pub fn rebuild(&mut self, server_ascending: &[u32]) -> Vec<u32> {
        let tombstones = std::mem::take(&mut self.tombstones);
        let mut gone = Vec::new();
        let mut uids = VecDeque::with_capacity(self.uids.len());
        let mut flags = VecDeque::with_capacity(self.flags.len());
        for (uid, f) in self.uids.drain(..).zip(self.flags.drain(..)) {
            if server_ascending.binary_search(&uid).is_ok() {
                uids.push_back(uid);
                flags.push_back(f);
            } else if !tombstones.contains(&uid) {
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
        self.view_lost = false;
        self.positions_known = true;
        gone
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
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
        let gone = f.rebuild(&[10, 20, 30, 50, 60, 70]);
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
        f.rebuild(&[30]);
        assert!(!f.note_flags(30, Flags::SEEN), "kept by rebuild");
        assert!(!f.note_flags(99, Flags::SEEN), "unknown UIDs are ignored");
    }

    fn vanished(ranges: &[RangeInclusive<u32>]) -> Change {
        Change::Vanished {
            earlier: false,
            uids: ranges.to_vec(),
        }
    }

    #[test]
    fn vanished_uids_are_removed_by_uid_and_shift_what_is_below() {
        // Loaded: seq 3..=6 = UIDs 30, 40, 50, 60; seq 1, 2 (UIDs 10, 20) not loaded; 70 new.
        let mut f = OpenFolder::new(1, "INBOX".into(), 6, None);
        f.prepend(3, &[30, 40, 50, 60]);
        f.apply([Change::Exists(7)]);
        let applied = f.apply([vanished(&[10..=10, 40..=40, 50..=50]), vanished(&[70..=70])]);
        assert_eq!(applied.expunged, vec![40, 50]);
        assert_eq!(f.exists, 3);
        assert_eq!(f.next_hi(), 1, "one unloaded message left below");
        assert_eq!(f.uid_at(2), Some(30));
        assert_eq!(f.uid_at(3), Some(60));
        assert!(!f.resync_needed);
    }

    #[test]
    fn a_hostile_vanished_range_costs_what_is_known_and_forces_a_check() {
        let mut f = folder_with(&[10, 20, 30]);
        let applied = f.apply([vanished(&[1..=u32::MAX])]);
        assert_eq!(applied.expunged, vec![10, 20, 30]);
        assert_eq!(f.exists, 0);
        assert!(f.resync_needed, "it named more than the map held");
        let mut f = folder_with(&[10, 20, 30]);
        // Backwards ranges are ignored; a UID inside the known range the map lacks is a lie.
        f.apply([vanished(&[RangeInclusive::new(20, 10), 15..=15])]);
        assert_eq!(f.known(), 3);
        assert!(f.resync_needed);
    }

    #[test]
    fn vanished_earlier_removes_known_uids_without_counting_them() {
        let mut f = folder_with(&[10, 20, 30]);
        let applied = f.apply([Change::Vanished {
            earlier: true,
            uids: vec![20..=20],
        }]);
        assert_eq!(applied.expunged, vec![20]);
        assert_eq!(f.exists, 3);
        assert!(f.resync_needed);
    }

    #[test]
    fn a_held_back_vanished_after_a_search_is_not_reported_twice() {
        let mut f = folder_with(&[10, 20, 30, 40, 50]);
        assert_eq!(f.reconcile(&[10, 20, 30, 50]), Reconciled::Done(vec![40]));
        let applied = f.apply([Change::Exists(6), vanished(&[40..=40])]);
        assert!(applied.expunged.is_empty(), "40 was reported already");
        f.append(&[60]);
        assert!(f.consistent() && !f.resync_needed);
        assert_eq!(f.uid_at(4), Some(50));
    }

    #[test]
    fn a_held_back_expunge_after_a_search_removes_the_right_message() {
        // The Cyrus shape: 40 is expunged elsewhere, the SEARCH already leaves it out, the
        // EXPUNGE comes later, after new mail.
        let mut f = folder_with(&[10, 20, 30, 40, 50]);
        assert_eq!(f.reconcile(&[10, 20, 30, 50]), Reconciled::Done(vec![40]));
        assert_eq!(f.known(), 4);
        let applied = f.apply([Change::Exists(6), Change::Expunge(4)]);
        assert!(applied.expunged.is_empty(), "40 was reported already");
        f.append(&[60]);
        assert!(f.consistent() && !f.resync_needed);
        assert_eq!(f.uid_at(4), Some(50));
    }

    /// A server as RFC 3501 allows it to behave: the session's view changes only when the
    /// server tells the client (EXPUNGE, EXISTS), which it may hold back during FETCH and
    /// SEARCH while another client expunges and delivers; SEARCH answers from the mailbox as it
    /// is. The client side is driven exactly as the actor drives it.
    struct Server {
        mailbox: Vec<u32>,
        view: Vec<u32>,
        held: VecDeque<Option<u32>>, // Some(uid): an EXPUNGE; None: EXISTS
        next_uid: u32,
        /// QRESYNC is enabled: expunges go out as VANISHED, several UIDs at a time.
        qresync: bool,
    }

    impl Server {
        fn send(&mut self, how_many: usize) -> Vec<Change> {
            let mut changes = Vec::new();
            for _ in 0..how_many {
                match self.held.pop_front() {
                    Some(Some(uid)) => {
                        // A message the session never saw goes without a word.
                        if let Some(at) = self.view.iter().position(|u| *u == uid) {
                            self.view.remove(at);
                            if !self.qresync {
                                changes.push(Change::Expunge(at as u32 + 1));
                                continue;
                            }
                            // One VANISHED names every expunge held back in a row.
                            let mut uids = vec![uid..=uid];
                            while let Some(Some(next)) = self.held.front().copied() {
                                self.held.pop_front();
                                if let Some(at) = self.view.iter().position(|u| *u == next) {
                                    self.view.remove(at);
                                    uids.push(next..=next);
                                }
                            }
                            changes.push(Change::Vanished {
                                earlier: false,
                                uids,
                            });
                        }
                    }
                    Some(None) => {
                        let known = self.view.last().copied().unwrap_or(0);
                        let new: Vec<u32> = self
                            .mailbox
                            .iter()
                            .copied()
                            .filter(|u| *u > known)
                            .collect();
                        self.view.extend(new);
                        changes.push(Change::Exists(self.view.len() as u32));
                    }
                    None => break,
                }
            }
            changes
        }
        fn flush(&mut self) -> Vec<Change> {
            self.send(usize::MAX)
        }
        fn expunge_elsewhere(&mut self, pick: usize) {
            if !self.mailbox.is_empty() {
                let uid = self.mailbox.remove(pick % self.mailbox.len());
                self.held.push_back(Some(uid));
            }
        }
        fn deliver_elsewhere(&mut self) {
            self.mailbox.push(self.next_uid);
            self.next_uid += 1;
            self.held.push_back(None);
        }
    }

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 11) as usize
        }
    }

    /// Everything the client was told is gone, checked against the mailbox as it is.
    fn check_gone(server: &Server, gone: &[u32]) {
        for uid in gone {
            assert!(
                !server.mailbox.contains(uid),
                "UID {uid} reported gone but still on the server"
            );
        }
    }

    fn resync(server: &mut Server, f: &mut OpenFolder, rng: &mut Rng) {
        for _ in 0..3 {
            let noop = server.flush();
            check_gone(server, &f.apply(noop).expunged);
            if rng.next().is_multiple_of(3) {
                server.expunge_elsewhere(rng.next());
            }
            let result = server.mailbox.clone();
            let during = server.send(rng.next() % 2);
            check_gone(server, &f.apply(during).expunged);
            if let Reconciled::Done(gone) = f.reconcile(&result) {
                check_gone(server, &gone);
                return;
            }
        }
        let result = server.mailbox.clone();
        check_gone(server, &f.rebuild(&result));
    }

    fn fetch_new(server: &mut Server, f: &mut OpenFolder, rng: &mut Rng) {
        f.new_pending = false;
        let during = server.send(rng.next() % 3);
        check_gone(server, &f.apply(during).expunged);
        let from = f.max_uid().map_or(1, |m| m + 1);
        let new: Vec<u32> = server.view.iter().copied().filter(|u| *u >= from).collect();
        if !new.is_empty() {
            f.append(&new);
        }
    }

    fn load_chunk(server: &mut Server, f: &mut OpenFolder, rng: &mut Rng) {
        let hi = f.next_hi();
        if hi == 0 {
            return;
        }
        let lo = hi.saturating_sub(rng.next() as u32 % 4).max(1);
        let uids: Vec<u32> = server.view[lo as usize - 1..hi as usize].to_vec();
        f.prepend(lo, &uids);
    }

    #[test]
    fn the_map_follows_the_server_under_random_legal_interleavings() {
        random_legal_interleavings(false);
    }

    #[test]
    fn the_map_follows_a_qresync_server_under_random_legal_interleavings() {
        random_legal_interleavings(true);
    }

    fn random_legal_interleavings(qresync: bool) {
        let mut rng = Rng(0x5eed_1234_abcd_0001 ^ u64::from(qresync));
        for _ in 0..3000 {
            let start: Vec<u32> = (1..=(rng.next() % 12 + 1) as u32).collect();
            let mut server = Server {
                mailbox: start.clone(),
                view: start.clone(),
                held: VecDeque::new(),
                next_uid: start.len() as u32 + 1,
                qresync,
            };
            let mut f = OpenFolder::new(1, "INBOX".into(), start.len() as u32, Some(1));
            for _ in 0..30 {
                match rng.next() % 7 {
                    0 => server.expunge_elsewhere(rng.next()),
                    1 => server.deliver_elsewhere(),
                    2 => load_chunk(&mut server, &mut f, &mut rng),
                    3 => {
                        let noop = server.send(rng.next() % 3);
                        check_gone(&server, &f.apply(noop).expunged);
                    }
                    4 => resync(&mut server, &mut f, &mut rng),
                    // What the actor's step does next: resync, load, then new mail.
                    _ => {
                        if f.resync_needed || (f.next_hi() == 0 && !f.consistent()) {
                            resync(&mut server, &mut f, &mut rng);
                        } else if f.next_hi() > 0 {
                            load_chunk(&mut server, &mut f, &mut rng);
                        } else if f.new_pending {
                            fetch_new(&mut server, &mut f, &mut rng);
                        }
                    }
                }
            }
            // Quiet: everything sent, everything loaded, then the list equals the mailbox.
            let last = server.flush();
            check_gone(&server, &f.apply(last).expunged);
            for _ in 0..100 {
                if f.next_hi() == 0 && !f.resync_needed && !f.new_pending && f.consistent() {
                    break;
                }
                if f.resync_needed || (f.next_hi() == 0 && !f.consistent()) {
                    resync(&mut server, &mut f, &mut rng);
                } else if f.next_hi() > 0 {
                    load_chunk(&mut server, &mut f, &mut rng);
                } else {
                    fetch_new(&mut server, &mut f, &mut rng);
                }
            }
            let shown: Vec<u32> = f
                .uids
                .iter()
                .copied()
                .filter(|u| !f.tombstones.contains(u))
                .collect();
            assert_eq!(shown, server.mailbox, "the list equals the mailbox");
        }
    }

    #[test]
    fn flags_from_names_ignore_unknown_keywords() {
        assert_eq!(
            flags_from_names(&["\\Seen", "$Junk", "\\Flagged"]),
            Flags(Flags::SEEN.0 | Flags::FLAGGED.0)
        );
    }
}
