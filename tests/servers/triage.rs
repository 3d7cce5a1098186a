//! Acting on mail on every server: marked messages move in a few commands and the reader's
//! list follows the server's expunges; a copy leaves the originals; an undo brings moved
//! messages back; deleting for good removes exactly the chosen messages and leaves another
//! client's `\Deleted` message alone; a refused move loses nothing. On Dovecot without MOVE
//! the COPY, `\Deleted`, UID EXPUNGE fallback does the same, and without UIDPLUS as well
//! nothing is copied.

use std::time::Duration;

use sealmail::mail::{
    Erase, EraseDone, Folder, FolderChange, SourceCommand, SourceEvent, Transfer, TransferDone,
    TransferKind,
};

use crate::common::Reader;
use crate::server_common::View;
use crate::support::{Dovecot, DovecotOptions, Server, ServerKind};

const USER: &str = "alice";
const SETTLE: Duration = Duration::from_secs(20);

on_every_server!(
    marked_messages_move_and_the_list_follows,
    a_copy_stays_and_an_undo_brings_moved_messages_back,
    deleting_for_good_leaves_another_clients_deleted_message_alone,
    a_move_to_a_folder_that_does_not_exist_loses_nothing,
    folder_counts_come_after_the_list_and_follow_a_move,
    folders_are_created_renamed_and_deleted,
);

/// Waits for the counts of `folder` equal to `want` (total, unseen).
async fn counts_of(reader: &mut Reader, folder: &str, want: (u32, u32), what: &str) {
    reader
        .wait_for(
            &format!("{what}: counts of {folder} = {want:?}"),
            |e| match e {
                SourceEvent::FolderCounts(counts) => counts
                    .iter()
                    .find(|(name, c)| name == folder && (c.total, c.unseen) == want)
                    .map(|_| ()),
                _ => None,
            },
        )
        .await;
}

/// Three messages in a folder, one of them read; INBOX's two newest moved there add two
/// unread ones.
async fn counts_then_move(server: &Server, what: &str) {
    let counted = server.folder("Counted");
    server.create_folder(USER, &counted).await;
    let mut client = server.client(USER).await;
    for (i, flags) in ["(\\Seen)", "", ""].iter().enumerate() {
        let raw = format!(
            "From: a@example.test\r\nSubject: counted {i}\r\nMessage-ID: <c{i}@example.test>\r\n\r\nx\r\n"
        );
        client.append(&counted, flags, raw.as_bytes()).await;
    }
    client.logout().await;
    let uids = server.populate(USER, "INBOX", 0, 4).await;
    let mut reader = Reader::start(server.settings(USER));
    reader.online_any().await;
    reader.send(SourceCommand::ListFolders).await;
    counts_of(&mut reader, &counted, (3, 2), what).await;
    let mut view = open_inbox(&mut reader).await;
    // Unread copies: the generated messages' own flags do not matter, the copy keeps them.
    let job = Transfer::new(
        2,
        "INBOX".into(),
        counted.clone(),
        TransferKind::Copy,
        uids[..2].to_vec(),
    );
    let done = transfer(&mut reader, &mut view, job).await;
    assert_eq!(done.error, None, "{what}: {done:?}");
    let seen = {
        let mut client = server.client(USER).await;
        client.select(&counted).await;
        let reply = client.ok("SEARCH SEEN").await;
        client.logout().await;
        reply
            .untagged
            .iter()
            .flat_map(|l| l.split_whitespace().skip(2))
            .count() as u32
    };
    counts_of(&mut reader, &counted, (5, 5 - seen), what).await;
    reader.shutdown().await;
}

async fn folder_counts_come_after_the_list_and_follow_a_move(kind: ServerKind) {
    let server = Server::start(kind).await;
    counts_then_move(&server, server.name()).await;
}

#[tokio::test]
async fn without_list_status_folders_are_counted_one_by_one() {
    let server = Server::Dovecot(
        Dovecot::start(DovecotOptions::default().extra_config(&without_move(true))).await,
    );
    let mut client = server.client(USER).await;
    let capabilities = format!("{:?}", client.ok("CAPABILITY").await);
    client.logout().await;
    assert!(!capabilities.contains("LIST-STATUS"), "{capabilities}");
    counts_then_move(&server, "Dovecot without LIST-STATUS").await;
}

/// Capabilities of a Dovecot without MOVE (and, with `uidplus` false, without UIDPLUS).
fn without_move(uidplus: bool) -> String {
    let mut caps = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE UNSELECT CHILDREN NAMESPACE \
                    LIST-EXTENDED CONDSTORE QRESYNC LITERAL+"
        .to_owned();
    if uidplus {
        caps.push_str(" UIDPLUS");
    }
    format!("imap_capability = {caps}\n")
}

/// Opens INBOX in the reader (request 1) and loads it whole; the view of its rows.
async fn open_inbox(reader: &mut Reader) -> View {
    let mut view = View::default();
    reader.open_inbox().await;
    loop {
        let event = reader.next().await;
        let loaded = matches!(event, SourceEvent::FolderLoaded { req: 1, .. });
        view.apply(1, "INBOX", event);
        if loaded {
            return view;
        }
    }
}

/// Sends a transfer and waits for its end, applying the events met meanwhile to `view`.
async fn transfer(reader: &mut Reader, view: &mut View, job: Transfer) -> TransferDone {
    let req = job.req;
    reader.send(SourceCommand::Transfer(job)).await;
    loop {
        match reader.next().await {
            SourceEvent::Transferred(done) if done.req == req => return done,
            other => view.apply(1, "INBOX", other),
        }
    }
}

async fn erase(reader: &mut Reader, view: &mut View, job: Erase) -> EraseDone {
    let req = job.req;
    reader.send(SourceCommand::Erase(job)).await;
    loop {
        match reader.next().await {
            SourceEvent::Erased(done) if done.req == req => return done,
            other => view.apply(1, "INBOX", other),
        }
    }
}

/// `rest` without the UIDs of `gone`.
fn without(all: &[u32], gone: &[u32]) -> Vec<u32> {
    all.iter().copied().filter(|u| !gone.contains(u)).collect()
}

/// Moves 17 marked messages in runs and singles; checks both folders, the reader's list, the
/// landing places and that the few sets were few commands.
async fn move_marked(server: &Server, name: &str) {
    let archive = server.folder("Archive");
    server.create_folder(USER, &archive).await;
    let uids = server.populate(USER, "INBOX", 0, 30).await;
    let marked: Vec<u32> = [&uids[0..10], &uids[14..15], &uids[19..25]].concat();

    let mut reader = Reader::start(server.settings(USER));
    reader.online_any().await;
    let mut view = open_inbox(&mut reader).await;
    let job = Transfer::new(
        2,
        "INBOX".into(),
        archive.clone(),
        TransferKind::Move,
        marked.clone(),
    );
    let done = transfer(&mut reader, &mut view, job).await;
    assert_eq!(done.error, None, "{name}: {done:?}");
    assert!(done.failed.is_empty(), "{name}: {done:?}");
    assert_eq!(done.progress.done, marked, "{name}");
    let left = without(&uids, &marked);
    view.settle(&mut reader, 1, "INBOX", &left, SETTLE, name)
        .await;
    assert_eq!(server.uids(USER, "INBOX").await, left, "{name}: INBOX");
    let in_archive = server.uids(USER, &archive).await;
    assert_eq!(in_archive.len(), marked.len(), "{name}: Archive");
    let mut landed: Vec<u32> = done.progress.landed.iter().map(|(_, to)| *to).collect();
    landed.sort_unstable();
    assert_eq!(landed, in_archive, "{name}: COPYUID names where they went");
    let from: Vec<u32> = done.progress.landed.iter().map(|(f, _)| *f).collect();
    assert_eq!(from, marked, "{name}: COPYUID names what moved");
    reader.shutdown().await;
}

async fn marked_messages_move_and_the_list_follows(kind: ServerKind) {
    let server = Server::start(kind).await;
    move_marked(&server, server.name()).await;
}

async fn a_copy_stays_and_an_undo_brings_moved_messages_back(kind: ServerKind) {
    let server = Server::start(kind).await;
    let name = server.name();
    let archive = server.folder("Archive");
    server.create_folder(USER, &archive).await;
    let uids = server.populate(USER, "INBOX", 0, 8).await;
    let mut reader = Reader::start(server.settings(USER));
    reader.online_any().await;
    let mut view = open_inbox(&mut reader).await;

    let copy = Transfer::new(
        2,
        "INBOX".into(),
        archive.clone(),
        TransferKind::Copy,
        uids[..3].to_vec(),
    );
    let done = transfer(&mut reader, &mut view, copy).await;
    assert_eq!(
        (done.error.as_deref(), done.progress.done.len()),
        (None, 3),
        "{name}: {done:?}"
    );
    assert_eq!(
        server.uids(USER, "INBOX").await,
        uids,
        "{name}: a copy leaves the originals"
    );
    assert_eq!(server.uids(USER, &archive).await.len(), 3, "{name}");

    let moved = uids[3..6].to_vec();
    let job = Transfer::new(
        3,
        "INBOX".into(),
        archive.clone(),
        TransferKind::Move,
        moved.clone(),
    );
    let done = transfer(&mut reader, &mut view, job).await;
    assert_eq!(done.error, None, "{name}: {done:?}");
    view.settle(
        &mut reader,
        1,
        "INBOX",
        &without(&uids, &moved),
        SETTLE,
        name,
    )
    .await;

    // The undo: out of a folder that is not open, back into the open one.
    let landed: Vec<u32> = done.progress.landed.iter().map(|(_, to)| *to).collect();
    assert_eq!(landed.len(), 3, "{name}: {done:?}");
    let undo = Transfer::new(
        4,
        archive.clone(),
        "INBOX".into(),
        TransferKind::Move,
        landed,
    );
    let done = transfer(&mut reader, &mut view, undo).await;
    assert_eq!(done.error, None, "{name}: {done:?}");
    assert_eq!(done.progress.done.len(), 3, "{name}");
    let inbox = server.uids(USER, "INBOX").await;
    assert_eq!(
        inbox.len(),
        uids.len(),
        "{name}: every message is back: {inbox:?}"
    );
    assert_eq!(
        server.uids(USER, &archive).await.len(),
        3,
        "{name}: the copies stay"
    );
    // The open folder learns of them as new mail.
    view.settle(&mut reader, 1, "INBOX", &inbox, SETTLE, name)
        .await;
    reader.shutdown().await;
}

async fn deleting_for_good_leaves_another_clients_deleted_message_alone(kind: ServerKind) {
    let server = Server::start(kind).await;
    let name = server.name();
    let uids = server.populate(USER, "INBOX", 0, 6).await;
    // Another client marks a message deleted and has not expunged it yet.
    let mut other = server.client(USER).await;
    other.select("INBOX").await;
    other
        .ok(&format!("UID STORE {} +FLAGS (\\Deleted)", uids[0]))
        .await;

    let mut reader = Reader::start(server.settings(USER));
    reader.online_any().await;
    let mut view = open_inbox(&mut reader).await;
    let chosen = vec![uids[2], uids[3]];
    let job = Erase {
        req: 2,
        folder: "INBOX".into(),
        uids: chosen.clone(),
    };
    let done = erase(&mut reader, &mut view, job).await;
    assert_eq!(done.error, None, "{name}: {done:?}");
    assert_eq!(done.erased, chosen, "{name}");
    let left = without(&uids, &chosen);
    view.settle(&mut reader, 1, "INBOX", &left, SETTLE, name)
        .await;
    assert_eq!(
        server.uids(USER, "INBOX").await,
        left,
        "{name}: {} is still there",
        uids[0]
    );
    other.logout().await;
    reader.shutdown().await;
}

async fn a_move_to_a_folder_that_does_not_exist_loses_nothing(kind: ServerKind) {
    let server = Server::start(kind).await;
    let name = server.name();
    let uids = server.populate(USER, "INBOX", 0, 4).await;
    let mut reader = Reader::start(server.settings(USER));
    reader.online_any().await;
    let mut view = open_inbox(&mut reader).await;
    let target = server.folder("Nowhere");
    let job = Transfer::new(2, "INBOX".into(), target, TransferKind::Move, uids.clone());
    let done = transfer(&mut reader, &mut view, job).await;
    let error = done.error.clone().unwrap_or_default();
    assert!(!error.is_empty(), "{name}: {done:?}");
    assert!(
        error.starts_with("move:") || error.starts_with("copy:"),
        "{name}: {error}"
    );
    assert_eq!(done.failed, uids, "{name}");
    assert!(done.progress.done.is_empty(), "{name}");
    assert_eq!(server.uids(USER, "INBOX").await, uids, "{name}");
    reader.shutdown().await;
}

#[tokio::test]
async fn without_move_dovecot_moves_by_copy_and_uid_expunge() {
    let server = Server::Dovecot(
        Dovecot::start(DovecotOptions::default().extra_config(&without_move(true))).await,
    );
    let mut client = server.client(USER).await;
    let capabilities = format!("{:?}", client.ok("CAPABILITY").await);
    client.logout().await;
    assert!(!capabilities.contains("MOVE"), "{capabilities}");
    move_marked(&server, "Dovecot without MOVE").await;
    // And the UID EXPUNGE leaves another client's \Deleted message alone.
    let uids = server.uids(USER, "INBOX").await;
    let mut other = server.client(USER).await;
    other.select("INBOX").await;
    other
        .ok(&format!("UID STORE {} +FLAGS (\\Deleted)", uids[0]))
        .await;
    let mut reader = Reader::start(server.settings(USER));
    reader.online_any().await;
    let mut view = open_inbox(&mut reader).await;
    let trash = server.folder("Trash");
    server.create_folder(USER, &trash).await;
    let job = Transfer::new(
        2,
        "INBOX".into(),
        trash.clone(),
        TransferKind::Move,
        vec![uids[1]],
    );
    let done = transfer(&mut reader, &mut view, job).await;
    assert_eq!(done.error, None, "{done:?}");
    assert_eq!(server.uids(USER, "INBOX").await, without(&uids, &[uids[1]]));
    assert_eq!(server.uids(USER, &trash).await.len(), 1);
    other.logout().await;
    reader.shutdown().await;
}

#[tokio::test]
async fn without_move_or_uidplus_nothing_is_copied() {
    let server = Server::Dovecot(
        Dovecot::start(DovecotOptions::default().extra_config(&without_move(false))).await,
    );
    let archive = server.folder("Archive");
    server.create_folder(USER, &archive).await;
    let uids = server.populate(USER, "INBOX", 0, 3).await;
    let mut reader = Reader::start(server.settings(USER));
    reader.online_any().await;
    let mut view = open_inbox(&mut reader).await;
    let job = Transfer::new(
        2,
        "INBOX".into(),
        archive.clone(),
        TransferKind::Move,
        uids.clone(),
    );
    let done = transfer(&mut reader, &mut view, job).await;
    let error = done.error.clone().unwrap_or_default();
    assert!(error.contains("cannot be moved"), "{done:?}");
    assert_eq!(done.failed, uids);
    assert_eq!(server.uids(USER, "INBOX").await, uids);
    assert!(server.uids(USER, &archive).await.is_empty(), "no copy made");
    // Deleting for good needs UID EXPUNGE as well: refused without touching anything.
    let done = erase(
        &mut reader,
        &mut view,
        Erase {
            req: 3,
            folder: "INBOX".into(),
            uids: vec![uids[0]],
        },
    )
    .await;
    assert!(done.error.unwrap_or_default().contains("UIDPLUS"));
    assert_eq!(server.uids(USER, "INBOX").await, uids);
    reader.shutdown().await;
}

/// Sends a folder change and waits for its answer; then the list that follows, when done.
async fn change_folder(
    reader: &mut Reader,
    req: u64,
    change: FolderChange,
) -> (Option<String>, Option<Vec<Folder>>) {
    reader
        .send(SourceCommand::ChangeFolder { req, change })
        .await;
    let error = reader
        .wait_for("FolderChanged", |e| match e {
            SourceEvent::FolderChanged { req: r, error } if r == req => Some(error),
            _ => None,
        })
        .await;
    if error.is_some() {
        return (error, None);
    }
    let list = reader
        .wait_for("Folders", |e| match e {
            SourceEvent::Folders(list) => Some(list),
            _ => None,
        })
        .await;
    (None, Some(list))
}

fn paths(list: &[Folder]) -> Vec<String> {
    list.iter()
        .filter(|f| f.selectable)
        .map(|f| {
            f.path
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect()
}

async fn folders_are_created_renamed_and_deleted(kind: ServerKind) {
    let server = Server::start(kind).await;
    let name = server.name();
    let mut reader = Reader::start(server.settings(USER));
    reader.online_any().await;
    let path = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let (error, list) = change_folder(
        &mut reader,
        2,
        FolderChange::Create {
            path: path(&["Projects", "2026"]),
        },
    )
    .await;
    assert_eq!(error, None, "{name}");
    let list = list.unwrap_or_default();
    assert!(
        paths(&list).contains(&"Projects/2026".to_owned()),
        "{name}: {:?}",
        paths(&list)
    );
    let created = list
        .iter()
        .find(|f| paths(std::slice::from_ref(f)) == ["Projects/2026"])
        .map(|f| f.name.clone())
        .unwrap_or_default();
    assert_eq!(
        created,
        server.folder("Projects/2026"),
        "{name}: the server's spelling"
    );

    let (error, list) = change_folder(
        &mut reader,
        3,
        FolderChange::Rename {
            from: created.clone(),
            path: path(&["Ablage 2026 ü"]),
        },
    )
    .await;
    assert_eq!(error, None, "{name}");
    let shown = paths(&list.unwrap_or_default());
    assert!(
        shown.contains(&"Ablage 2026 ü".to_owned()),
        "{name}: {shown:?}"
    );
    assert!(
        !shown.contains(&"Projects/2026".to_owned()),
        "{name}: {shown:?}"
    );

    let renamed = server.folder("Ablage 2026 &APw-");
    let (error, list) = change_folder(&mut reader, 4, FolderChange::Delete { name: renamed }).await;
    assert_eq!(error, None, "{name}");
    assert!(!paths(&list.unwrap_or_default()).contains(&"Ablage 2026 ü".to_owned()));

    // INBOX stays; an existing name is refused in the server's words.
    let (error, _) = change_folder(
        &mut reader,
        5,
        FolderChange::Delete {
            name: "INBOX".into(),
        },
    )
    .await;
    assert_eq!(error.as_deref(), Some("INBOX cannot be deleted"), "{name}");
    let twice = FolderChange::Create {
        path: path(&["Twice"]),
    };
    let (error, _) = change_folder(&mut reader, 6, twice.clone()).await;
    assert_eq!(error, None, "{name}");
    let (error, _) = change_folder(&mut reader, 7, twice).await;
    assert!(
        error
            .clone()
            .unwrap_or_default()
            .starts_with("create folder:"),
        "{name}: {error:?}"
    );
    reader.shutdown().await;
}
