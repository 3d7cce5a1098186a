//! The header cache on screen: kept rows shown at once and marked as not current until the
//! source has brought them up to date; offline, the kept list can be read and not changed;
//! the rows handed back to be kept only when they changed; a folder rebuilt on the server
//! drops its rows. At 80x24.

use insta::assert_snapshot;
use sealmail::app::msg::{Command, Msg};
use sealmail::mail::{ConnectionState, FolderVersion, SourceCommand, SourceEvent};

use crate::fixtures::*;

const VERSION: FolderVersion = FolderVersion {
    uid_validity: 7,
    highest_modseq: Some(4242),
};

/// A reader opening INBOX whose 60 rows come from the cache.
fn from_cache(connection: ConnectionState) -> sealmail::tui::headless::Headless {
    let mut h = reader(80, 24);
    h.apply(Msg::Source(SourceEvent::Connection(connection)));
    let req = h.state.folder.req;
    h.apply(Msg::Source(SourceEvent::Cached {
        req,
        folder: "INBOX".into(),
        rows: rows(60),
    }));
    h
}

fn saves(commands: &[Command]) -> Vec<usize> {
    parts(commands)
        .into_iter()
        .map(|(n, ..)| n as usize)
        .collect()
}

#[test]
fn kept_rows_show_at_once_and_say_they_are_being_checked() {
    let mut h = from_cache(ConnectionState::Connecting);
    let screen = h.screen_text();
    assert!(screen.contains("60 cached, checking…"), "{screen}");
    assert_snapshot!(screen);
    // Brought up to date with no change: current, and nothing to keep again.
    let req = h.state.folder.req;
    online(&mut h);
    h.apply(Msg::Source(SourceEvent::FolderOpened {
        req,
        folder: "INBOX".into(),
        total: 60,
        access: Default::default(),
    }));
    h.apply(Msg::Source(SourceEvent::FolderVersion {
        req,
        version: VERSION,
    }));
    let commands = h.apply(Msg::Source(SourceEvent::FolderLoaded { req, total: 60 }));
    assert_eq!(saves(&commands), Vec::<usize>::new());
    assert!(h.screen_text().contains("60 messages"));
    // A flag changed since: quitting keeps the rows again.
    h.apply(Msg::Source(SourceEvent::FlagsChanged {
        folder: "INBOX".into(),
        uid: 60,
        flags: sealmail::mail::Flags::FLAGGED,
    }));
    let commands = h.press("Q").unwrap_or_default();
    assert_eq!(saves(&commands), vec![60]);
}

/// A reader with INBOX's `n` rows loaded, then told the folder's version and that it is
/// loaded again (`loaded` finished before the version came, which keeps nothing): the reader
/// and the commands of that second `FolderLoaded`.
fn loaded_with_version(n: u32) -> (sealmail::tui::headless::Headless, Vec<Command>) {
    let mut h = loaded(80, 24, n, n);
    let req = h.state.folder.req;
    h.apply(Msg::Source(SourceEvent::FolderVersion {
        req,
        version: VERSION,
    }));
    let commands = h.apply(Msg::Source(SourceEvent::FolderLoaded { req, total: n }));
    (h, commands)
}

#[test]
fn a_folder_loaded_from_the_server_is_kept_once_loaded() {
    let (mut h, commands) = loaded_with_version(60);
    assert_eq!(saves(&commands), vec![60]);
    // Kept already: leaving the folder unchanged keeps nothing again.
    let commands = h.press("Q").unwrap_or_default();
    assert_eq!(saves(&commands), Vec::<usize>::new());
}

/// The `(rows, first, last)` of each part a list of `n` rows is kept in.
fn parts(commands: &[Command]) -> Vec<(u32, bool, bool)> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::Source(SourceCommand::SaveCache {
                rows, first, last, ..
            }) => Some((rows.count, *first, *last)),
            _ => None,
        })
        .collect()
}

/// The UIDs of the rows of the kept parts, decoded from what was handed over.
fn kept_uids(commands: &[Command], into: &mut Vec<u32>) {
    for command in commands {
        if let Command::Source(SourceCommand::SaveCache { rows, .. }) = command {
            let decoded = sealmail::cache::file::decode_rows(rows);
            assert_eq!(decoded.len(), rows.count as usize, "the part reads back");
            into.extend(decoded.iter().map(|r| r.uid));
        }
    }
}

#[test]
fn a_large_list_is_kept_in_parts_as_the_cache_asks_for_them() {
    let (mut h, commands) = loaded_with_version(4500);
    let mut uids = Vec::new();
    assert_eq!(parts(&commands), vec![(2000, true, false)]);
    kept_uids(&commands, &mut uids);
    // New mail and a flag change between parts: the parts go on below where they were.
    h.apply(Msg::Source(SourceEvent::NewRows {
        folder: "INBOX".into(),
        rows: rows(4501).into_iter().take(1).collect(),
        total: 4501,
    }));
    let wanted = || {
        Msg::Source(SourceEvent::CacheWanted {
            folder: "INBOX".into(),
        })
    };
    let commands = h.apply(wanted());
    assert_eq!(parts(&commands), vec![(2000, false, false)]);
    kept_uids(&commands, &mut uids);
    let commands = h.apply(wanted());
    assert_eq!(parts(&commands), vec![(500, false, true)]);
    kept_uids(&commands, &mut uids);
    let expected: Vec<u32> = (1..=4500).rev().collect();
    assert_eq!(uids, expected, "every row once, newest first");
    // Done: the cache asking again (a stale request) gets nothing; another folder's neither.
    assert!(parts(&h.apply(wanted())).is_empty());
    // The new mail made the rows dirty: leaving keeps them again, whole, in one part.
    let commands = h.press("Q").unwrap_or_default();
    assert_eq!(parts(&commands), vec![(4501, true, true)]);
}

#[test]
fn leaving_in_the_middle_of_keeping_hands_over_the_rest_at_once() {
    let (mut h, commands) = loaded_with_version(4500);
    let mut uids = Vec::new();
    kept_uids(&commands, &mut uids);
    let commands = h.apply(Msg::Source(SourceEvent::CacheWanted {
        folder: "Other".into(),
    }));
    assert!(parts(&commands).is_empty(), "another folder's request");
    let commands = h.press("Q").unwrap_or_default();
    assert_eq!(parts(&commands), vec![(2500, false, true)]);
    kept_uids(&commands, &mut uids);
    assert_eq!(uids, (1..=4500).rev().collect::<Vec<u32>>());
}

#[test]
fn offline_the_kept_list_is_read_only() {
    let mut h = from_cache(ConnectionState::Reconnecting {
        reason: "connection refused".into(),
        attempt: 2,
        retry_in_s: 4,
    });
    h.press("j");
    h.press("f");
    let screen = h.screen_text();
    assert!(
        screen.contains("60 cached │ offline, read-only"),
        "{screen}"
    );
    assert!(
        h.state
            .notice
            .as_ref()
            .is_some_and(|n| n.text.contains("can be read, not changed")),
        "{screen}"
    );
    assert!(
        !h.state
            .folder
            .rows
            .at(1)
            .expect("a row")
            .flags
            .contains(sealmail::mail::Flags::FLAGGED)
    );
    let commands = h.press("d").unwrap_or_default();
    assert!(commands.is_empty(), "{commands:?}");
    assert_snapshot!(screen);
}

#[test]
fn a_folder_rebuilt_on_the_server_drops_its_rows() {
    let mut h = from_cache(ConnectionState::Connecting);
    online(&mut h);
    let req = h.state.folder.req;
    h.apply(Msg::Source(SourceEvent::Reload {
        req,
        reason: "the folder was rebuilt on the server; loading it again".into(),
    }));
    assert_eq!(h.state.folder.rows.loaded(), 0);
    assert!(!h.state.folder.from_cache);
    let screen = h.screen_text();
    assert!(
        screen.contains("the folder was rebuilt on the server"),
        "{screen}"
    );
}
