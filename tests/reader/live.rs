//! Live updates: IDLE delivers new mail without a command; a restarted server is reconnected
//! to and what changed meanwhile (new and expunged messages, flags) is caught up.

use std::time::Duration;

use sealmail::mail::{ConnectionState, Flags, SourceEvent};

use crate::common::{Reader, message, settings};
use crate::support::{Dovecot, DovecotOptions, password};

#[tokio::test]
async fn idle_delivers_a_new_message_without_a_command() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    dovecot.populate("alice", 20);
    let mut reader = Reader::start(settings(
        &dovecot.imaps_url(),
        "alice",
        password("alice"),
        Some(dovecot.ca_pem()),
    ));
    reader.online().await;
    let (_, total) = reader.open_all("INBOX", 1, 50).await;
    assert_eq!(total, 20);
    // Give the actor a moment to enter IDLE, then deliver over LMTP (another connection).
    tokio::time::sleep(Duration::from_millis(300)).await;
    dovecot
        .deliver("alice", &message("Fresh news", "Delivered while idling."))
        .await;
    let (rows, total) = reader
        .wait_for("NewRows", |e| match e {
            SourceEvent::NewRows { rows, total, .. } => Some((rows, total)),
            _ => None,
        })
        .await;
    assert_eq!(total, 21);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].subject(), "Fresh news");
    assert_eq!(rows[0].uid, 21);
    reader.shutdown().await;
}

#[tokio::test]
async fn a_restarted_server_is_reconnected_and_changes_are_caught_up() {
    let mut dovecot = Dovecot::start(DovecotOptions::default()).await;
    dovecot.populate("alice", 30);
    let mut reader = Reader::start(settings(
        &dovecot.imaps_url(),
        "alice",
        password("alice"),
        Some(dovecot.ca_pem()),
    ));
    reader.online().await;
    let (_, total) = reader.open_all("INBOX", 1, 10).await;
    assert_eq!(total, 30);
    tokio::time::sleep(Duration::from_millis(300)).await;

    // While the server is down: two new messages arrive, one old one is removed.
    dovecot.stop().await;
    dovecot.populate("alice", 2);
    let cur = dovecot.maildir("alice").join("cur");
    let mut files: Vec<_> = std::fs::read_dir(&cur)
        .expect("maildir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    // Generated file names start with the arrival time, so sorted order is UID order: the
    // fifth file is UID 5.
    std::fs::remove_file(cur.join(&files[4])).expect("remove a message");
    // ... and UID 11 is read (or unread) in another client: its \Seen flag flips.
    let (base, letters) = files[10].rsplit_once(":2,").expect("a Maildir file name");
    let was_seen = letters.contains('S');
    let mut flipped: Vec<char> = letters.chars().filter(|c| *c != 'S').collect();
    if !was_seen {
        flipped.push('S');
        flipped.sort_unstable();
    }
    let flipped: String = flipped.into_iter().collect();
    std::fs::rename(
        cur.join(&files[10]),
        cur.join(format!("{base}:2,{flipped}")),
    )
    .expect("change flags");

    let reconnecting = reader
        .wait_for("Reconnecting", |e| match e {
            SourceEvent::Connection(ConnectionState::Reconnecting {
                attempt,
                retry_in_s,
                ..
            }) => Some((attempt, retry_in_s)),
            _ => None,
        })
        .await;
    assert_eq!(reconnecting, (1, 1), "first retry after one second");
    dovecot.start_again().await;

    let mut expunged = Vec::new();
    let mut new_rows = Vec::new();
    let mut flags = None;
    let mut online = false;
    while !(online && expunged.len() == 1 && new_rows.len() == 2 && flags.is_some()) {
        match reader.next().await {
            SourceEvent::Connection(ConnectionState::Online { .. }) => online = true,
            SourceEvent::Connection(ConnectionState::Reconnecting { .. }) => {}
            SourceEvent::Expunged { uids, total, .. } => {
                assert_eq!(total, 31);
                expunged.extend(uids);
            }
            SourceEvent::NewRows { rows, .. } => new_rows.extend(rows.iter().map(|r| r.uid)),
            SourceEvent::FlagsChanged { uid, flags: f, .. } => {
                assert_eq!(uid, 11, "only the changed message is reported");
                flags = Some(f);
            }
            SourceEvent::Rows { .. } | SourceEvent::FolderOpened { .. } => {
                panic!("the whole list was sent again")
            }
            other => panic!("unexpected after reconnect: {other:?}"),
        }
    }
    assert_eq!(expunged, vec![5]);
    assert_eq!(new_rows, vec![32, 31], "newest first");
    assert_eq!(flags.map(|f| f.contains(Flags::SEEN)), Some(!was_seen));

    // And it is live again.
    tokio::time::sleep(Duration::from_millis(300)).await;
    dovecot
        .deliver("alice", &message("After the restart", "Still here."))
        .await;
    let rows = reader
        .wait_for("NewRows", |e| match e {
            SourceEvent::NewRows { rows, .. } => Some(rows),
            _ => None,
        })
        .await;
    assert_eq!(rows[0].subject(), "After the restart");
    reader.shutdown().await;
}
