//! Maildir file names: `unique[:2,INFO]`, the flags in INFO (`S`, `R`, `F`, `T`, `D`, ASCII
//! order), and the `new/` and `cur/` subdirectories.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::mail::Flags;

/// Which subdirectory a message file lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sub {
    New,
    Cur,
}

impl Sub {
    pub fn dir(self) -> &'static str {
        match self {
            Sub::New => "new",
            Sub::Cur => "cur",
        }
    }
}

/// The letters of the flags we know, in the order the Maildir spec sorts them.
const LETTERS: [(char, Flags); 5] = [
    ('D', Flags::DRAFT),
    ('F', Flags::FLAGGED),
    ('R', Flags::ANSWERED),
    ('S', Flags::SEEN),
    ('T', Flags::DELETED),
];

/// A unique part for a new file: the time, this process and a counter, so that two files
/// written in the same microsecond by this process never share a name.
pub fn fresh_unique() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format!(
        "{}.M{}P{}Q{}.sealmail",
        now.as_secs(),
        now.subsec_micros(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The unique part of a file name: what stays the same when its flags change.
pub fn unique(name: &str) -> &str {
    name.split_once(':').map_or(name, |(unique, _)| unique)
}

/// The flags of a file name's `:2,` info (none when it has no info).
pub fn flags(name: &str) -> Flags {
    let mut flags = Flags::default();
    for c in info(name).chars() {
        if let Some(&(_, flag)) = LETTERS.iter().find(|(letter, _)| *letter == c) {
            flags.set(flag, true);
        }
    }
    flags
}

/// The file name with `flags` as its info; letters we do not know (`P`, keywords) are kept.
pub fn with_flags(name: &str, flags: Flags) -> String {
    let mut letters: Vec<char> = info(name)
        .chars()
        .filter(|c| !LETTERS.iter().any(|(letter, _)| letter == c))
        .collect();
    letters.extend(
        LETTERS
            .iter()
            .filter(|(_, flag)| flags.contains(*flag))
            .map(|(letter, _)| *letter),
    );
    letters.sort_unstable();
    letters.dedup();
    let info: String = letters.into_iter().collect();
    format!("{}:2,{info}", unique(name))
}

fn info(name: &str) -> &str {
    name.split_once(":2,").map_or("", |(_, info)| info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_come_from_the_info() {
        let f = flags("1700000000.M1P2.host:2,FRS");
        assert!(
            f.contains(Flags::SEEN) && f.contains(Flags::FLAGGED) && f.contains(Flags::ANSWERED)
        );
        assert!(!f.contains(Flags::DRAFT) && !f.contains(Flags::DELETED));
        assert_eq!(flags("1700000000.M1P2.host"), Flags::default());
        assert_eq!(flags("x:2,DT"), Flags(Flags::DRAFT.0 | Flags::DELETED.0));
    }

    #[test]
    fn renaming_keeps_unknown_letters_and_sorts() {
        let seen_flagged = Flags(Flags::SEEN.0 | Flags::FLAGGED.0);
        assert_eq!(with_flags("u1", Flags::SEEN), "u1:2,S");
        assert_eq!(with_flags("u1:2,Pa", seen_flagged), "u1:2,FPSa");
        assert_eq!(with_flags("u1:2,FS", Flags::default()), "u1:2,");
        assert_eq!(unique("u1:2,FS"), "u1");
    }
}
