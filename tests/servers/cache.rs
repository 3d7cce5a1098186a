//! The header cache on every server: a folder loaded once is kept; the next session shows
//! the kept rows at once (from disk, before the login) and only catches up with what changed:
//! nothing at all when nothing did (no row is fetched again; Dovecot's own session log shows
//! no envelope asked for or sent), and exactly the flag changes, expunges and new mail made
//! meanwhile by another client. A folder rebuilt on the server (new UIDVALIDITY) is loaded
//! afresh. A truncated or garbage file is refused and the folder
//! loads from the server; with the cache off nothing is kept. With the server down the
//! kept list is shown, and brought up to date when it is back. The same holds on a Dovecot
//! without QRESYNC or CONDSTORE.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use sealmail::cache::Store;
use sealmail::cache::front::{self, Use};
use sealmail::imap::{self, ImapSettings, Traffic};
use sealmail::mail::{ConnectionState, Flags, FolderVersion, Row, SourceCommand, SourceEvent};
use tokio::sync::mpsc;

use crate::common::Reader;
use crate::support::{Dovecot, DovecotOptions, Server, ServerKind};

const USER: &str = "alice";

on_every_server!(
    a_warm_start_with_no_changes_fetches_no_row,
    changes_made_elsewhere_are_caught_up_exactly,
    a_folder_rebuilt_on_the_server_is_loaded_afresh,
);

/// The reader's source as the reader starts it for an IMAP account: the cache's front
/// before the actor. Bytes are counted.
fn start(settings: ImapSettings, cache: &Path, use_: Use) -> (Reader, Arc<Traffic>) {
    let traffic = Arc::new(Traffic::default());
    let (commands, from_reader) = mpsc::channel(16);
    let (to_actor, actor_rx) = mpsc::channel(16);
    let (event_tx, events) = mpsc::channel(256);
    let store = Store::new(cache.to_path_buf(), "imap:test:alice");
    front::spawn(store, use_, from_reader, to_actor, event_tx.clone());
    let handle = imap::spawn_counted(settings, actor_rx, event_tx, traffic.clone());
    (
        Reader {
            commands,
            events,
            handle,
        },
        traffic,
    )
}

/// What a session showed of the folder: rows by UID, as the reader keeps them.
#[derive(Default)]
struct Shown {
    rows: BTreeMap<u32, Row>,
    version: Option<FolderVersion>,
    cached: usize,
    fetched_rows: usize,
    events: Vec<String>,
    total: u32,
}

impl Shown {
    /// Applies events of request `req` until the folder is loaded.
    async fn load(reader: &mut Reader, req: u64, folder: &str) -> Shown {
        let mut shown = Shown::default();
        loop {
            let event = reader.next().await;
            match event {
                SourceEvent::Cached { req: r, rows, .. } if r == req => {
                    shown.cached += rows.len();
                    shown.rows.extend(rows.into_iter().map(|r| (r.uid, r)));
                }
                SourceEvent::Rows { req: r, rows, .. } if r == req => {
                    shown.fetched_rows += rows.len();
                    shown.events.push(format!("rows {}", rows.len()));
                    shown.rows.extend(rows.into_iter().map(|r| (r.uid, r)));
                }
                SourceEvent::NewRows {
                    folder: f, rows, ..
                } if f == folder => {
                    shown.fetched_rows += rows.len();
                    shown.events.push(format!("new rows {}", rows.len()));
                    shown.rows.extend(rows.into_iter().map(|r| (r.uid, r)));
                }
                SourceEvent::Expunged {
                    folder: f, uids, ..
                } if f == folder => {
                    shown.events.push(format!("expunged {uids:?}"));
                    for uid in uids {
                        shown.rows.remove(&uid);
                    }
                }
                SourceEvent::FlagsChanged {
                    folder: f,
                    uid,
                    flags,
                } if f == folder => {
                    if let Some(row) = shown.rows.get_mut(&uid) {
                        shown.events.push(format!("flags {uid}"));
                        row.flags = flags;
                    }
                }
                SourceEvent::FolderVersion { req: r, version } if r == req => {
                    shown.version = Some(version);
                }
                SourceEvent::Reload { req: r, .. } if r == req => {
                    shown.events.push("reload".into());
                    shown.rows.clear();
                }
                SourceEvent::FolderOpened { req: r, total, .. } if r == req => shown.total = total,
                SourceEvent::FolderLoaded { req: r, total } if r == req => {
                    shown.total = total;
                    return shown;
                }
                _ => {}
            }
        }
    }

    /// Hands the rows to the cache, as the reader does once a folder is loaded.
    async fn keep(&self, reader: &Reader, folder: &str) {
        let rows: Vec<Row> = self.rows.values().rev().cloned().collect();
        reader
            .send(SourceCommand::SaveCache {
                folder: folder.into(),
                version: self.version.expect("the source said the folder's version"),
                rows: sealmail::cache::file::encode_rows(&rows),
                first: true,
                last: true,
            })
            .await;
    }
}

async fn open(reader: &mut Reader, req: u64, folder: &str) -> Shown {
    reader
        .send(SourceCommand::OpenFolder {
            req,
            folder: folder.into(),
            window: 50,
        })
        .await;
    Shown::load(reader, req, folder).await
}

/// A first session: the folder loaded from the server and kept; the bytes it read.
async fn first_session(server: &Server, cache: &Path, folder: &str) -> (Shown, u64) {
    let (mut reader, traffic) = start(server.settings(USER), cache, Use::On);
    let shown = open(&mut reader, 1, folder).await;
    assert_eq!(shown.cached, 0, "nothing was kept before");
    shown.keep(&reader, folder).await;
    let bytes = traffic.snapshot().0;
    reader.shutdown().await;
    (shown, bytes)
}

/// The server's UIDs and flags of a folder, by another client.
async fn server_state(server: &Server, folder: &str) -> BTreeMap<u32, Flags> {
    let mut client = server.client(USER).await;
    client.select(folder).await;
    let reply = client.ok("UID FETCH 1:* (FLAGS)").await;
    client.logout().await;
    let mut out = BTreeMap::new();
    for line in &reply.untagged {
        let Some(uid) = line
            .split("UID ")
            .nth(1)
            .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok())
        else {
            continue;
        };
        let names: Vec<&str> = line
            .split("FLAGS (")
            .nth(1)
            .and_then(|r| r.split(')').next())
            .map(|f| f.split_whitespace().collect())
            .unwrap_or_default();
        out.insert(uid, sealmail_flags(&names));
    }
    out
}

fn sealmail_flags(names: &[&str]) -> Flags {
    let mut flags = Flags::default();
    for name in names {
        match name.to_ascii_lowercase().as_str() {
            "\\seen" => flags.set(Flags::SEEN, true),
            "\\answered" => flags.set(Flags::ANSWERED, true),
            "\\flagged" => flags.set(Flags::FLAGGED, true),
            "\\deleted" => flags.set(Flags::DELETED, true),
            "\\draft" => flags.set(Flags::DRAFT, true),
            _ => {}
        }
    }
    flags
}

fn assert_matches_server(shown: &Shown, server: &BTreeMap<u32, Flags>, what: &str) {
    let shown_state: BTreeMap<u32, Flags> = shown
        .rows
        .iter()
        .map(|(uid, row)| (*uid, row.flags))
        .collect();
    assert_eq!(&shown_state, server, "{what}: {:?}", shown.events);
    assert_eq!(shown.total as usize, server.len(), "{what}");
}

async fn a_warm_start_with_no_changes_fetches_no_row(kind: ServerKind) {
    let server = Server::start(kind).await;
    server.populate(USER, "INBOX", 0, 400).await;
    let cache = tempfile::tempdir().unwrap();
    let (cold, cold_bytes) = first_session(&server, cache.path(), "INBOX").await;
    assert_eq!(cold.rows.len(), 400);

    let (mut reader, traffic) = start(server.settings(USER), cache.path(), Use::On);
    let warm = open(&mut reader, 1, "INBOX").await;
    let warm_bytes = traffic.snapshot().0;
    reader.shutdown().await;
    assert_eq!(warm.cached, 400, "every row came from the cache");
    assert_eq!(
        warm.fetched_rows, 0,
        "no row was fetched: {:?}",
        warm.events
    );
    assert!(warm.events.is_empty(), "nothing changed: {:?}", warm.events);
    assert_eq!(
        warm.rows.values().collect::<Vec<_>>(),
        cold.rows.values().collect::<Vec<_>>()
    );
    // No envelope crossed the wire: the whole session read a few percent of the first.
    assert!(
        warm_bytes * 10 < cold_bytes,
        "{}: warm {warm_bytes} bytes, cold {cold_bytes} bytes",
        server.name()
    );
}

/// Another client flags, marks read, expunges and delivers; the warm session ends up with
/// exactly the server's state, having fetched only the new rows.
async fn catch_up(server: &Server, what: &str) {
    let uids = server.populate(USER, "INBOX", 0, 300).await;
    let cache = tempfile::tempdir().unwrap();
    first_session(server, cache.path(), "INBOX").await;

    let mut client = server.client(USER).await;
    client.select("INBOX").await;
    let flagged = [uids[3], uids[100], uids[299]];
    let seen = [uids[7], uids[8]];
    let gone = [uids[0], uids[150], uids[298]];
    let set = |u: &[u32]| u.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
    client
        .ok(&format!("UID STORE {} +FLAGS (\\Flagged)", set(&flagged)))
        .await;
    client
        .ok(&format!("UID STORE {} +FLAGS (\\Seen)", set(&seen)))
        .await;
    client.expunge_uids(&gone).await;
    client.logout().await;
    let new = server.populate(USER, "INBOX", 300, 4).await;

    let (mut reader, _) = start(server.settings(USER), cache.path(), Use::On);
    let warm = open(&mut reader, 1, "INBOX").await;
    reader.shutdown().await;
    assert_eq!(warm.cached, 300, "{what}");
    assert_eq!(
        warm.fetched_rows,
        new.len(),
        "{what}: only the new rows: {:?}",
        warm.events
    );
    assert_matches_server(&warm, &server_state(server, "INBOX").await, what);
}

async fn changes_made_elsewhere_are_caught_up_exactly(kind: ServerKind) {
    let server = Server::start(kind).await;
    catch_up(&server, server.name()).await;
}

/// Dovecot's own record of every IMAP session (its rawlog: what the client sent and what the
/// server answered), in `dir`.
fn rawlog(dir: &Path) -> Vec<(String, String)> {
    let mut sessions: Vec<(String, String)> = std::fs::read_dir(dir)
        .expect("rawlog dir")
        .filter_map(|e| {
            let path = e.ok()?.path();
            let name = path.file_name()?.to_string_lossy().into_owned();
            let text = String::from_utf8_lossy(&std::fs::read(&path).ok()?).into_owned();
            Some((name, text))
        })
        .collect();
    sessions.sort();
    sessions
}

#[tokio::test]
async fn the_server_log_of_a_warm_start_shows_no_envelope_fetched() {
    let logs = tempfile::tempdir().unwrap();
    let dir = logs.path().join("rawlog");
    std::fs::create_dir(&dir).unwrap();
    // The imap processes run as the mail user, not as root.
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let server = Server::Dovecot(
        Dovecot::start(DovecotOptions::default().extra_config(&format!(
            "protocol imap {{\n  rawlog_dir = {}\n}}\n",
            dir.display()
        )))
        .await,
    );
    server.populate(USER, "INBOX", 0, 300).await;
    let cache = tempfile::tempdir().unwrap();
    let (cold, _) = first_session(&server, cache.path(), "INBOX").await;
    assert_eq!(cold.rows.len(), 300);
    // The log works: the first session's FETCH asked for envelopes and got them.
    let first = rawlog(&dir);
    let sent = |log: &[(String, String)]| -> String {
        log.iter()
            .filter(|(name, _)| name.ends_with(".in"))
            .map(|(_, text)| text.as_str())
            .collect()
    };
    let answered = |log: &[(String, String)]| -> String {
        log.iter()
            .filter(|(name, _)| name.ends_with(".out"))
            .map(|(_, text)| text.as_str())
            .collect()
    };
    assert!(
        sent(&first).contains("ENVELOPE") && answered(&first).contains("ENVELOPE ("),
        "the cold session's log: {first:?}"
    );
    for entry in std::fs::read_dir(&dir).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }

    let (mut reader, _) = start(server.settings(USER), cache.path(), Use::On);
    let warm = open(&mut reader, 1, "INBOX").await;
    reader.shutdown().await;
    assert_eq!((warm.cached, warm.fetched_rows), (300, 0));
    let log = rawlog(&dir);
    let (sent, answered) = (sent(&log), answered(&log));
    assert!(
        sent.contains("SELECT"),
        "the warm session was logged: {log:?}"
    );
    for item in ["ENVELOPE", "BODYSTRUCTURE", "HEADER.FIELDS", "RFC822.SIZE"] {
        assert!(
            !sent.contains(item),
            "the warm session asked for {item}: {sent}"
        );
        assert!(
            !answered.contains(item),
            "the warm session was sent {item}: {answered}"
        );
    }
}

#[tokio::test]
async fn without_qresync_or_condstore_changes_are_caught_up_as_well() {
    let caps = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE UNSELECT CHILDREN NAMESPACE \
                LIST-EXTENDED UIDPLUS MOVE LITERAL+ ESEARCH";
    let server = Server::Dovecot(
        Dovecot::start(
            DovecotOptions::default().extra_config(&format!("imap_capability = {caps}\n")),
        )
        .await,
    );
    catch_up(&server, "Dovecot without QRESYNC or CONDSTORE").await;
}

async fn a_folder_rebuilt_on_the_server_is_loaded_afresh(kind: ServerKind) {
    let server = Server::start(kind).await;
    let folder = server.folder("Work");
    server.create_folder(USER, &folder).await;
    server.populate(USER, &folder, 0, 20).await;
    let cache = tempfile::tempdir().unwrap();
    let (cold, _) = first_session(&server, cache.path(), &folder).await;
    // Deleted and made again: the same name, a new UIDVALIDITY, other messages.
    let mut client = server.client(USER).await;
    client.ok(&format!("DELETE \"{folder}\"")).await;
    client.ok(&format!("CREATE \"{folder}\"")).await;
    client.logout().await;
    server.populate(USER, &folder, 100, 5).await;

    let (mut reader, _) = start(server.settings(USER), cache.path(), Use::On);
    let warm = open(&mut reader, 1, &folder).await;
    reader.shutdown().await;
    assert_eq!(warm.cached, 20);
    assert!(
        warm.events.contains(&"reload".to_string()),
        "{:?}",
        warm.events
    );
    assert_ne!(warm.version, cold.version);
    assert_matches_server(&warm, &server_state(&server, &folder).await, server.name());
}

#[tokio::test]
async fn a_damaged_or_garbage_file_is_refused_and_the_folder_loads() {
    let server = Server::start(ServerKind::Dovecot).await;
    server.populate(USER, "INBOX", 0, 30).await;
    let cache = tempfile::tempdir().unwrap();
    first_session(&server, cache.path(), "INBOX").await;
    let store = Store::new(cache.path().to_path_buf(), "imap:test:alice");
    let path = store.path("INBOX");
    let whole = std::fs::read(&path).expect("the folder was kept");
    for (what, bytes) in [
        ("truncated", whole[..whole.len() / 2].to_vec()),
        ("garbage", b"\x00garbage\xff".repeat(100)),
    ] {
        std::fs::write(&path, &bytes).unwrap();
        let (mut reader, _) = start(server.settings(USER), cache.path(), Use::On);
        reader
            .send(SourceCommand::OpenFolder {
                req: 1,
                folder: "INBOX".into(),
                window: 50,
            })
            .await;
        let notice = reader
            .wait_for("the notice", |e| match e {
                SourceEvent::Notice(text) => Some(text),
                SourceEvent::Cached { .. } => panic!("{what}: a damaged file was trusted"),
                _ => None,
            })
            .await;
        assert!(notice.contains("could not be trusted"), "{what}: {notice}");
        let shown = Shown::load(&mut reader, 1, "INBOX").await;
        assert_eq!((shown.cached, shown.fetched_rows), (0, 30), "{what}");
        reader.shutdown().await;
        assert!(!path.exists(), "{what}: the refused file is gone");
    }
}

#[tokio::test]
async fn with_the_cache_off_nothing_is_kept_and_what_was_is_removed() {
    let server = Server::start(ServerKind::Dovecot).await;
    server.populate(USER, "INBOX", 0, 10).await;
    let cache = tempfile::tempdir().unwrap();
    first_session(&server, cache.path(), "INBOX").await;
    let store = Store::new(cache.path().to_path_buf(), "imap:test:alice");
    assert!(store.path("INBOX").exists());
    let (mut reader, _) = start(server.settings(USER), cache.path(), Use::Off);
    let shown = open(&mut reader, 1, "INBOX").await;
    assert_eq!((shown.cached, shown.fetched_rows), (0, 10));
    shown.keep(&reader, "INBOX").await;
    reader.shutdown().await;
    assert!(
        !store.path("INBOX").exists(),
        "nothing is kept with the cache off"
    );
}

#[tokio::test]
async fn with_the_server_down_the_kept_list_shows_and_catches_up_when_it_is_back() {
    let mut server = Server::start(ServerKind::Dovecot).await;
    let uids = server.populate(USER, "INBOX", 0, 40).await;
    let cache = tempfile::tempdir().unwrap();
    first_session(&server, cache.path(), "INBOX").await;
    server.stop().await;

    let (mut reader, _) = start(server.settings(USER), cache.path(), Use::On);
    reader
        .send(SourceCommand::OpenFolder {
            req: 1,
            folder: "INBOX".into(),
            window: 50,
        })
        .await;
    // The kept rows come although no connection is up.
    let mut offline = false;
    let cached = reader
        .wait_for("the kept rows", |e| match e {
            SourceEvent::Connection(ConnectionState::Online { .. }) => {
                panic!("the server is down")
            }
            SourceEvent::Connection(ConnectionState::Reconnecting { .. }) => {
                offline = true;
                None
            }
            SourceEvent::Cached { rows, .. } => Some(rows.len()),
            _ => None,
        })
        .await;
    assert_eq!(cached, 40);
    if !offline {
        reader
            .wait_for("the reconnect tries", |e| match e {
                SourceEvent::Connection(ConnectionState::Reconnecting { .. }) => Some(()),
                _ => None,
            })
            .await;
    }
    // Back up, with one message gone meanwhile: the list catches up by itself.
    server.start_again().await;
    let mut client = server.client(USER).await;
    client.select("INBOX").await;
    client.expunge_uids(&uids[..1]).await;
    client.logout().await;
    let loaded = Shown::load(&mut reader, 1, "INBOX").await;
    for uid in loaded
        .events
        .iter()
        .filter_map(|e| e.strip_prefix("expunged "))
    {
        assert!(uid.contains(&uids[0].to_string()), "{uid}");
    }
    assert!(
        loaded.events.iter().any(|e| e.starts_with("expunged")),
        "{:?}",
        loaded.events
    );
    assert_eq!(loaded.total, 39);
    reader.shutdown().await;
}
