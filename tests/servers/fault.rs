//! Nothing is lost and nothing is there twice when the server dies in the middle of a move:
//! Dovecot is killed (SIGKILL, as a crash) at different moments of a move of 1,500 marked
//! messages (three MOVE commands), started again, and after the reader has reconnected and
//! finished the move, both folders' files hold exactly the messages they should, each once.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use sealmail::mail::{ConnectionState, SourceCommand, SourceEvent, Transfer, TransferKind};

use crate::common::Reader;
use crate::server_common::View;
use crate::support::{Dovecot, DovecotOptions, Server};

const USER: &str = "alice";
const MESSAGES: usize = 3000;

/// When the server is killed.
#[derive(Clone, Copy, Debug)]
enum Moment {
    /// As soon as the move is asked for: during STATUS or the first MOVE.
    AtOnce,
    /// When the first messages leave the list: between or during the later MOVEs.
    FirstExpunge,
    /// A little after that.
    AfterFirstExpunge(u64),
}

/// Message-ID of every message file in a Maildir folder, with how many files carry it.
fn ids_on_disk(folder: &Path) -> BTreeMap<String, usize> {
    let mut ids = BTreeMap::new();
    for sub in ["cur", "new"] {
        for entry in std::fs::read_dir(folder.join(sub)).expect("readable") {
            let raw = std::fs::read(entry.expect("entry").path()).expect("a file");
            let text = String::from_utf8_lossy(&raw);
            let id = text
                .lines()
                .find_map(|l| l.strip_prefix("Message-ID: "))
                .unwrap_or_else(|| panic!("no Message-ID in {text:.200}"))
                .trim()
                .to_owned();
            *ids.entry(id).or_insert(0) += 1;
        }
    }
    ids
}

async fn kill_during_a_move(moment: Moment) {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    dovecot.populate(USER, MESSAGES);
    dovecot.create_folder(USER, "Archive");
    let before = ids_on_disk(&dovecot.maildir(USER));
    assert_eq!(before.len(), MESSAGES);
    let server = Server::Dovecot(dovecot);
    let uids = server.uids(USER, "INBOX").await;
    // Every other message: 1,500 ranges, three commands of at most 500.
    let marked: Vec<u32> = uids.iter().copied().step_by(2).collect();

    let mut reader = Reader::start(server.settings(USER));
    reader.online_any().await;
    let mut view = View::default();
    reader.open_inbox().await;
    loop {
        let event = reader.next().await;
        let loaded = matches!(event, SourceEvent::FolderLoaded { req: 1, .. });
        view.apply(1, "INBOX", event);
        if loaded {
            break;
        }
    }
    let Server::Dovecot(mut dovecot) = server else {
        unreachable!("started as Dovecot")
    };
    let job = Transfer::new(
        2,
        "INBOX".into(),
        "Archive".into(),
        TransferKind::Move,
        marked,
    );
    reader.send(SourceCommand::Transfer(job)).await;
    match moment {
        Moment::AtOnce => {}
        Moment::FirstExpunge | Moment::AfterFirstExpunge(_) => {
            reader
                .wait_for("the first expunge", |e| match e {
                    SourceEvent::Expunged { .. } => Some(()),
                    SourceEvent::Transferred(done) => {
                        panic!("{moment:?}: the move ended before the kill: {done:?}")
                    }
                    _ => None,
                })
                .await;
        }
    }
    if let Moment::AfterFirstExpunge(ms) = moment {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    dovecot.kill().await;
    let mut saw_drop = false;
    tokio::time::sleep(Duration::from_millis(300)).await;
    dovecot.start_again().await;
    // Every event until the move's end, for the failure message.
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let done = loop {
        let event = match tokio::time::timeout_at(deadline, reader.events.recv()).await {
            Ok(Some(event)) => event,
            Ok(None) => panic!("{moment:?}: the actor stopped; events: {seen:#?}"),
            Err(_) => panic!("{moment:?}: the move did not end; events: {seen:#?}"),
        };
        if let SourceEvent::Transferred(done) = event {
            break done;
        }
        if let SourceEvent::Connection(ConnectionState::Reconnecting { .. }) = event {
            saw_drop = true;
        }
        seen.push(format!("{event:?}").chars().take(300).collect::<String>());
    };
    assert!(saw_drop, "{moment:?}: the connection dropped");
    assert_eq!(done.error, None, "{moment:?}: {done:?}");
    assert!(done.failed.is_empty(), "{moment:?}: {done:?}");

    let inbox = ids_on_disk(&dovecot.maildir(USER));
    let archive = ids_on_disk(&dovecot.folder_dir(USER, "Archive"));
    let twice: Vec<&String> = inbox
        .iter()
        .chain(&archive)
        .filter(|(_, n)| **n > 1)
        .map(|(id, _)| id)
        .collect();
    assert!(twice.is_empty(), "{moment:?}: in a folder twice: {twice:?}");
    let both: Vec<&String> = inbox
        .keys()
        .filter(|id| archive.contains_key(*id))
        .collect();
    assert!(
        both.is_empty(),
        "{moment:?}: in both folders: {} messages",
        both.len()
    );
    let mut all: Vec<&String> = inbox.keys().chain(archive.keys()).collect();
    all.sort();
    let expected: Vec<&String> = before.keys().collect();
    assert_eq!(
        all, expected,
        "{moment:?}: every message is in one of the folders"
    );
    assert_eq!(
        (inbox.len(), archive.len()),
        (MESSAGES / 2, MESSAGES / 2),
        "{moment:?}: the move finished"
    );
    eprintln!("{moment:?}: {done:?}", done = done.progress.done.len());
    reader.shutdown().await;
}

#[tokio::test]
async fn a_server_killed_as_a_move_begins_loses_and_doubles_nothing() {
    kill_during_a_move(Moment::AtOnce).await;
}

#[tokio::test]
async fn a_server_killed_between_the_moves_commands_loses_and_doubles_nothing() {
    kill_during_a_move(Moment::FirstExpunge).await;
}

#[tokio::test]
async fn a_server_killed_later_in_a_move_loses_and_doubles_nothing() {
    kill_during_a_move(Moment::AfterFirstExpunge(20)).await;
}
