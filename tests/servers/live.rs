//! Live updates on every server: IDLE brings new mail and expunges without a command, and a
//! restarted server is reconnected to with the list caught up to what changed.

use std::time::Duration;

use sealmail::mail::{ConnectionState, SourceEvent};

use crate::common::{Reader, message};
use crate::server_common::View;
use crate::support::{Server, ServerKind};

const USER: &str = "alice";

on_every_server!(
    idle_delivers_new_mail_and_expunges,
    a_restarted_server_is_reconnected_and_the_list_caught_up,
);

/// Opens INBOX and returns the view its load built.
async fn open_inbox(reader: &mut Reader, req: u64) -> View {
    let (chunks, total) = reader.open_all("INBOX", req, 50).await;
    let mut view = View {
        total,
        loaded: true,
        ..View::default()
    };
    view.uids.extend(chunks.iter().flatten().map(|row| row.uid));
    view
}

async fn idle_delivers_new_mail_and_expunges(kind: ServerKind) {
    let server = Server::start(kind).await;
    let name = server.name();
    let uids = server.populate(USER, "INBOX", 0, 20).await;
    let mut reader = Reader::start(server.settings(USER));
    reader.online().await;
    let mut view = open_inbox(&mut reader, 1).await;
    assert_eq!(view.total, 20, "{name}");
    // let the actor enter IDLE, then deliver over LMTP, as an MTA would
    tokio::time::sleep(Duration::from_millis(300)).await;
    server
        .deliver(USER, &message("Fresh news", "Delivered while idling."))
        .await;
    let (rows, total) = reader
        .wait_for("NewRows", |e| match e {
            SourceEvent::NewRows { rows, total, .. } => Some((rows, total)),
            _ => None,
        })
        .await;
    assert_eq!(total, 21, "{name}");
    assert_eq!(rows.len(), 1, "{name}");
    assert_eq!(rows[0].subject(), "Fresh news", "{name}");
    let truth = server.uids(USER, "INBOX").await;
    assert_eq!(Some(&rows[0].uid), truth.last(), "{name}: the new UID");
    view.uids.insert(rows[0].uid);
    view.total = total;

    // Another client removes two messages: IDLE reports them.
    let gone = [uids[3], uids[17]];
    server.expunge(USER, "INBOX", &gone).await;
    let truth = server.uids(USER, "INBOX").await;
    view.settle(
        &mut reader,
        1,
        "INBOX",
        &truth,
        Duration::from_secs(15),
        &format!("{name}: expunged in IDLE"),
    )
    .await;
    assert!(!view.uids.contains(&gone[0]) && !view.uids.contains(&gone[1]));
    reader.shutdown().await;
}

async fn a_restarted_server_is_reconnected_and_the_list_caught_up(kind: ServerKind) {
    let mut server = Server::start(kind).await;
    let name = server.name();
    let uids = server.populate(USER, "INBOX", 0, 30).await;
    let mut reader = Reader::start(server.settings(USER));
    reader.online().await;
    let mut view = open_inbox(&mut reader, 1).await;
    assert_eq!(view.total, 30, "{name}");
    tokio::time::sleep(Duration::from_millis(300)).await;

    server.stop().await;
    let (attempt, retry_in_s) = reader
        .wait_for("Reconnecting", |e| match e {
            SourceEvent::Connection(ConnectionState::Reconnecting {
                attempt,
                retry_in_s,
                ..
            }) => Some((attempt, retry_in_s)),
            _ => None,
        })
        .await;
    assert_eq!(
        (attempt, retry_in_s),
        (1, 1),
        "{name}: first retry after a second"
    );
    server.start_again().await;
    // Before the reader is back (it retries after a second): another client removes one
    // message and two new ones arrive.
    server.expunge(USER, "INBOX", &[uids[4]]).await;
    server
        .deliver(USER, &message("After the restart 1", "one"))
        .await;
    server
        .deliver(USER, &message("After the restart 2", "two"))
        .await;
    let truth = server.uids(USER, "INBOX").await;
    assert_eq!(truth.len(), 31, "{name}");

    let mut online = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !online {
        let event = tokio::time::timeout_at(deadline, reader.events.recv())
            .await
            .unwrap_or_else(|_| panic!("{name}: not back online within 30 s: {:?}", view.log))
            .expect("the actor runs");
        match event {
            SourceEvent::Connection(ConnectionState::Online { .. }) => online = true,
            SourceEvent::Rows { .. } | SourceEvent::FolderOpened { .. } => {
                panic!("{name}: the whole list was sent again")
            }
            other => view.apply(1, "INBOX", other),
        }
    }
    view.settle(
        &mut reader,
        1,
        "INBOX",
        &truth,
        Duration::from_secs(15),
        &format!("{name}: caught up after the restart"),
    )
    .await;

    // And it is live again.
    tokio::time::sleep(Duration::from_millis(300)).await;
    server
        .deliver(USER, &message("Live again", "Still here."))
        .await;
    let rows = reader
        .wait_for("NewRows", |e| match e {
            SourceEvent::NewRows { rows, .. } => Some(rows),
            _ => None,
        })
        .await;
    assert_eq!(rows[0].subject(), "Live again", "{name}");
    reader.shutdown().await;
}
