//! UID sets (RFC 3501 9, `sequence-set`): ascending UIDs written as ranges, split so that no
//! command line grows past what servers accept; and the bounded reading of the sets a server
//! sends back in `COPYUID` (RFC 4315).

use async_imap::imap_proto::rfc4315::UidSetMember;

/// Ranges per command: 500 ranges of two 10-digit UIDs stay under 11 KB, well inside the
/// 8 KB..64 KB line limits servers set (Dovecot 64 KB, Cyrus 8 KB counts words, not bytes).
const MAX_RANGES: usize = 500;

/// One command's worth of UIDs: the set as sent, and the UIDs it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UidSet {
    pub text: String,
    pub uids: Vec<u32>,
}

/// `ascending` (sorted, no duplicates) as sets of contiguous runs, at most [`MAX_RANGES`]
/// ranges each: 10,000 messages in one run are one set, `1:10000`.
pub fn uid_sets(ascending: &[u32]) -> Vec<UidSet> {
    let mut sets = Vec::new();
    let mut current = UidSet {
        text: String::new(),
        uids: Vec::new(),
    };
    let mut ranges = 0;
    let mut run: Option<(u32, u32)> = None;
    let close = |current: &mut UidSet, ranges: &mut usize, (lo, hi): (u32, u32)| {
        if !current.text.is_empty() {
            current.text.push(',');
        }
        if lo == hi {
            current.text.push_str(&lo.to_string());
        } else {
            current.text.push_str(&format!("{lo}:{hi}"));
        }
        *ranges += 1;
    };
    for &uid in ascending {
        match run {
            Some((lo, hi)) if hi.checked_add(1) == Some(uid) => run = Some((lo, uid)),
            Some(done) => {
                close(&mut current, &mut ranges, done);
                if ranges >= MAX_RANGES {
                    sets.push(std::mem::replace(
                        &mut current,
                        UidSet {
                            text: String::new(),
                            uids: Vec::new(),
                        },
                    ));
                    ranges = 0;
                }
                run = Some((uid, uid));
            }
            None => run = Some((uid, uid)),
        }
        current.uids.push(uid);
    }
    if let Some(done) = run {
        close(&mut current, &mut ranges, done);
    }
    if !current.uids.is_empty() {
        sets.push(current);
    }
    sets
}

/// The UIDs of a set the server sent, in its order, or `None` when they would be more than
/// `limit` (a hostile `1:4294967295` costs nothing).
pub fn expand(members: &[UidSetMember], limit: usize) -> Option<Vec<u32>> {
    let mut uids = Vec::new();
    for member in members {
        match member {
            UidSetMember::Uid(uid) => uids.push(*uid),
            UidSetMember::UidRange(range) => {
                let (lo, hi) = (
                    *range.start().min(range.end()),
                    *range.start().max(range.end()),
                );
                let count = usize::try_from(hi - lo).ok()?.checked_add(1)?;
                if uids.len().checked_add(count)? > limit {
                    return None;
                }
                uids.extend(lo..=hi);
            }
        }
        if uids.len() > limit {
            return None;
        }
    }
    Some(uids)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn runs_become_ranges() {
        let sets = uid_sets(&[1, 2, 3, 5, 7, 8]);
        assert_eq!(sets.len(), 1);
        assert_eq!(sets[0].text, "1:3,5,7:8");
        assert_eq!(sets[0].uids, vec![1, 2, 3, 5, 7, 8]);
        let all: Vec<u32> = (1..=10_000).collect();
        assert_eq!(uid_sets(&all)[0].text, "1:10000");
        assert!(uid_sets(&[]).is_empty());
        assert_eq!(
            uid_sets(&[u32::MAX - 1, u32::MAX])[0].text,
            "4294967294:4294967295"
        );
    }

    #[test]
    fn scattered_uids_are_split_into_bounded_sets() {
        let scattered: Vec<u32> = (1..=2_000).map(|n| n * 2).collect();
        let sets = uid_sets(&scattered);
        assert_eq!(sets.len(), 4);
        assert!(sets.iter().all(|s| s.text.split(',').count() <= MAX_RANGES));
        let back: Vec<u32> = sets.iter().flat_map(|s| s.uids.clone()).collect();
        assert_eq!(back, scattered);
    }

    #[test]
    fn a_servers_set_is_read_within_a_bound() {
        let members = [UidSetMember::UidRange(5..=7), UidSetMember::Uid(9)];
        assert_eq!(expand(&members, 10), Some(vec![5, 6, 7, 9]));
        assert_eq!(expand(&members, 3), None);
        let hostile = [UidSetMember::UidRange(1..=u32::MAX)];
        assert_eq!(expand(&hostile, 10_000), None);
        // `7:5` is the same set as `5:7` (RFC 3501 9).
        let reversed = [UidSetMember::UidRange(std::ops::RangeInclusive::new(7, 5))];
        assert_eq!(expand(&reversed, 10), Some(vec![5, 6, 7]));
    }
}
