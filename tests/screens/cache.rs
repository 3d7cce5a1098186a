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
    commands
        .iter()
        .filter_map(|c| match c {
            Command::Source(SourceCommand::SaveCache { rows, .. }) => Some(rows.count as usize),
            _ => None,
        })
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

#[test]
fn a_folder_loaded_from_the_server_is_kept_once_loaded() {
    let mut h = loaded(80, 24, 60, 60);
    // `loaded` finished before the version came: nothing to keep without one.
    let req = h.state.folder.req;
    h.apply(Msg::Source(SourceEvent::FolderVersion {
        req,
        version: VERSION,
    }));
    let commands = h.apply(Msg::Source(SourceEvent::FolderLoaded { req, total: 60 }));
    assert_eq!(saves(&commands), vec![60]);
    // Kept already: leaving the folder unchanged keeps nothing again.
    let commands = h.press("Q").unwrap_or_default();
    assert_eq!(saves(&commands), Vec::<usize>::new());
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
