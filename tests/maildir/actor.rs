//! Folders, the first window then every row newest first, opening with the seen rename, flags.

use std::fs;

use sealmail::mail::{ConnectionState, Flags, Row, SourceCommand, SourceEvent};

use super::fixture::{Driver, TempMaildir, message};

const DAY0: i64 = 1_740_000_000;

/// Opens `folder` with `window` and collects (first window rows, every row, total).
async fn open(
    driver: &mut Driver,
    req: u64,
    folder: &str,
    window: u32,
) -> (Vec<Row>, Vec<Row>, u32) {
    driver
        .send(SourceCommand::OpenFolder {
            req,
            folder: folder.into(),
            window,
        })
        .await;
    let total = driver
        .until(|e| match e {
            SourceEvent::FolderOpened { req: r, total, .. } if r == req => Some(total),
            _ => None,
        })
        .await;
    let mut first = None;
    let mut all = Vec::new();
    loop {
        match driver.next().await {
            SourceEvent::Rows {
                req: r,
                rows,
                loaded,
                total: t,
            } if r == req => {
                assert_eq!(t, total);
                all.extend(rows.iter().cloned());
                assert_eq!(loaded as usize, all.len(), "loaded counts the rows sent");
                first.get_or_insert(rows);
            }
            SourceEvent::FolderLoaded { req: r, total: t } if r == req => {
                assert_eq!(t, total);
                break;
            }
            other => panic!("unexpected while loading: {other:?}"),
        }
    }
    (first.unwrap_or_default(), all, total)
}

#[tokio::test]
async fn folders_are_listed_decoded_inbox_first() {
    let mail = TempMaildir::new();
    mail.folder(".Sent");
    mail.folder(".Archive.2024");
    mail.folder(".Entw&APw-rfe");
    fs::create_dir(mail.root().join(".notmuch")).expect("a dot dir that is no folder");
    let mut driver = Driver::start(mail.root()).await;
    driver.send(SourceCommand::ListFolders).await;
    let folders = driver
        .until(|e| match e {
            SourceEvent::Folders(f) => Some(f),
            _ => None,
        })
        .await;
    let shown: Vec<(&str, &str, usize, &str)> = folders
        .iter()
        .map(|f| {
            (
                f.name.as_str(),
                f.display.as_str(),
                f.depth,
                f.label.as_str(),
            )
        })
        .collect();
    // In the tree's order, as IMAP's: `Sent` by its usual name a special-use folder, so
    // first after INBOX; `2024` one level below `Archive`, which has no directory of its own
    // (the pane shows it as a line that cannot be opened).
    assert_eq!(
        shown,
        [
            ("INBOX", "INBOX", 0, "INBOX"),
            (".Sent", "Sent", 0, "Sent"),
            (".Archive.2024", "Archive/2024", 1, "2024"),
            (".Entw&APw-rfe", "Entwürfe", 0, "Entwürfe"),
        ]
    );
    assert!(folders.iter().all(|f| f.selectable));
    driver.shutdown().await;
}

#[tokio::test]
async fn first_window_then_every_row_newest_first() {
    let mail = TempMaildir::new();
    let inbox = mail.root();
    let count = 1100;
    for i in 0..count {
        // Arrival order is mtime order, whatever the Date header or the file name says.
        let date = DAY0 + (i as i64) * 60;
        let (sub, name) = if i % 3 == 0 {
            ("new", format!("z{i:05}.M1.host"))
        } else {
            ("cur", format!("a{i:05}.M1.host:2,S"))
        };
        mail.deliver(
            &inbox,
            sub,
            &name,
            &message(&format!("m{i}"), date),
            1_000_000 + i as u64,
        );
    }
    let mut driver = Driver::start(mail.root()).await;
    let (first, all, total) = open(&mut driver, 1, "INBOX", 40).await;
    assert_eq!(total, count);
    assert_eq!(first.len(), 40, "the first window comes alone");
    assert_eq!(
        first[0].subject(),
        format!("m{}", count - 1),
        "newest at the top"
    );
    assert_eq!(all.len(), count as usize);
    let uids: Vec<u32> = all.iter().map(|r| r.uid).collect();
    let expected: Vec<u32> = (1..=count).rev().collect();
    assert_eq!(uids, expected, "UIDs in arrival order, sent newest first");
    for (row, i) in all.iter().zip((0..count).rev()) {
        assert_eq!(row.subject(), format!("m{i}"));
        assert_eq!(
            row.date,
            DAY0 + i as i64 * 60,
            "the Date header wins over the arrival"
        );
        assert_eq!(row.from(), "Alice");
        assert_eq!(row.flags.contains(Flags::SEEN), i % 3 != 0);
        assert!(row.size > 0);
    }

    // Opening again in the same session keeps every UID.
    let (_, again, _) = open(&mut driver, 2, "INBOX", 10).await;
    assert_eq!(again, all);
    driver.shutdown().await;
}

#[tokio::test]
async fn flags_come_from_the_file_names() {
    let mail = TempMaildir::new();
    let inbox = mail.root();
    mail.deliver(&inbox, "cur", "1.a:2,FRS", &message("answered", DAY0), 10);
    mail.deliver(&inbox, "cur", "2.b:2,DT", &message("draft", DAY0), 20);
    mail.deliver(&inbox, "new", "3.c", &message("unseen", DAY0), 30);
    let mut driver = Driver::start(mail.root()).await;
    let (_, rows, _) = open(&mut driver, 1, "INBOX", 50).await;
    let flags: Vec<(&str, Flags)> = rows.iter().map(|r| (r.subject(), r.flags)).collect();
    assert_eq!(
        flags,
        [
            ("unseen", Flags::default()),
            ("draft", Flags(Flags::DRAFT.0 | Flags::DELETED.0)),
            (
                "answered",
                Flags(Flags::FLAGGED.0 | Flags::ANSWERED.0 | Flags::SEEN.0)
            ),
        ]
    );
    driver.shutdown().await;
}

#[tokio::test]
async fn opening_a_message_parses_it_and_marks_it_seen_by_renaming() {
    let mail = TempMaildir::new();
    let inbox = mail.root();
    let raw = message("hello", DAY0);
    let delivered = mail.deliver(&inbox, "new", "1700.M1P1.host", &raw, 100);
    mail.deliver(
        &inbox,
        "new",
        "1701.M1P1.host",
        &message("other", DAY0),
        200,
    );
    let mut driver = Driver::start(mail.root()).await;
    let (_, rows, _) = open(&mut driver, 1, "INBOX", 50).await;
    let uid = rows
        .iter()
        .find(|r| r.subject() == "hello")
        .expect("listed")
        .uid;

    driver
        .send(SourceCommand::FetchMessage {
            req: 7,
            folder: "INBOX".into(),
            uid,
            mark_seen: true,
        })
        .await;
    // Parsed on its own thread while the actor sets \Seen: the events come in either order.
    let (mut loaded, mut seen) = (None, None);
    while loaded.is_none() || seen.is_none() {
        match driver.next().await {
            SourceEvent::Message { req: 7, result } => loaded = Some(result.expect("loads")),
            SourceEvent::FlagsChanged { uid, flags, .. } => seen = Some((uid, flags)),
            _ => {}
        }
    }
    let (loaded, (changed, flags)) = (loaded.expect("message"), seen.expect("flags"));
    assert_eq!(loaded.uid, uid);
    assert_eq!(&*loaded.raw, raw.replace('\n', "\r\n").as_bytes());
    assert_eq!(loaded.view.subject, "hello");
    assert_eq!(loaded.view.from, "Alice <alice@example.org>");
    assert_eq!(loaded.view.body, ["hello body"]);
    assert_eq!((changed, flags), (uid, Flags::SEEN));
    assert!(!delivered.exists(), "moved out of new/");
    assert!(
        inbox.join("cur/1700.M1P1.host:2,S").is_file(),
        "into cur/ with :2,S"
    );

    // Without mark_seen nothing moves.
    let other = rows
        .iter()
        .find(|r| r.subject() == "other")
        .expect("listed")
        .uid;
    driver
        .send(SourceCommand::FetchMessage {
            req: 8,
            folder: "INBOX".into(),
            uid: other,
            mark_seen: false,
        })
        .await;
    let result = driver
        .until(|e| match e {
            SourceEvent::Message { req: 8, result } => Some(result),
            _ => None,
        })
        .await;
    assert_eq!(result.expect("loads").view.subject, "other");
    assert!(inbox.join("new/1701.M1P1.host").is_file());

    // A UID the folder never had is an error, not a hang.
    driver
        .send(SourceCommand::FetchMessage {
            req: 9,
            folder: "INBOX".into(),
            uid: 999,
            mark_seen: true,
        })
        .await;
    let missing = driver
        .until(|e| match e {
            SourceEvent::Message { req: 9, result } => Some(result),
            _ => None,
        })
        .await;
    assert_eq!(
        missing.expect_err("no such message").kind,
        sealmail::error::ErrorKind::NotFound
    );

    // The source view gets the file as it is, moved or not, and never marks it seen.
    driver
        .send(SourceCommand::FetchSource {
            req: 10,
            folder: "INBOX".into(),
            uid: other,
        })
        .await;
    let source = driver
        .until(|e| match e {
            SourceEvent::Source { req: 10, result } => Some(result),
            _ => None,
        })
        .await
        .expect("the source");
    assert_eq!(
        &*source,
        std::fs::read(inbox.join("new/1701.M1P1.host"))
            .unwrap()
            .as_slice()
    );
    assert!(
        inbox.join("new/1701.M1P1.host").is_file(),
        "not marked seen"
    );
    driver
        .send(SourceCommand::FetchSource {
            req: 11,
            folder: "INBOX".into(),
            uid: 999,
        })
        .await;
    let missing = driver
        .until(|e| match e {
            SourceEvent::Source { req: 11, result } => Some(result),
            _ => None,
        })
        .await;
    assert_eq!(
        missing.expect_err("no such message").kind,
        sealmail::error::ErrorKind::NotFound
    );
    driver.shutdown().await;
}

#[tokio::test]
async fn set_flag_renames_and_reports() {
    let mail = TempMaildir::new();
    let inbox = mail.root();
    mail.deliver(&inbox, "cur", "5.x:2,S", &message("x", DAY0), 100);
    let mut driver = Driver::start(mail.root()).await;
    let (_, rows, _) = open(&mut driver, 1, "INBOX", 50).await;
    let uid = rows[0].uid;
    for (on, name, flags) in [
        (
            true,
            "cur/5.x:2,FS",
            Flags(Flags::SEEN.0 | Flags::FLAGGED.0),
        ),
        (false, "cur/5.x:2,S", Flags::SEEN),
    ] {
        driver
            .send(SourceCommand::SetFlag {
                folder: "INBOX".into(),
                uid,
                flag: Flags::FLAGGED,
                on,
            })
            .await;
        let reported = driver
            .until(|e| match e {
                SourceEvent::FlagsChanged { uid, flags, .. } => Some((uid, flags)),
                _ => None,
            })
            .await;
        assert_eq!(reported, (uid, flags));
        assert!(inbox.join(name).is_file(), "{name}");
    }
    driver.shutdown().await;
}

#[tokio::test]
async fn subfolders_open_by_name_and_unknown_ones_are_empty() {
    let mail = TempMaildir::new();
    let sent = mail.folder(".Sent");
    mail.deliver(&sent, "cur", "1.s:2,S", &message("sent one", DAY0), 100);
    let mut driver = Driver::start(mail.root()).await;
    let (_, rows, total) = open(&mut driver, 1, ".Sent", 50).await;
    assert_eq!(total, 1);
    assert_eq!(rows[0].subject(), "sent one");

    driver
        .send(SourceCommand::OpenFolder {
            req: 2,
            folder: "../../etc".into(),
            window: 50,
        })
        .await;
    let notice = driver
        .until(|e| match e {
            SourceEvent::Notice(text) => Some(text),
            _ => None,
        })
        .await;
    assert!(notice.contains("no folder"), "{notice}");
    let opened = driver.next().await;
    assert!(
        matches!(
            opened,
            SourceEvent::FolderOpened {
                req: 2,
                total: 0,
                ..
            }
        ),
        "{opened:?}"
    );
    let loaded = driver.next().await;
    assert!(
        matches!(loaded, SourceEvent::FolderLoaded { req: 2, total: 0 }),
        "{loaded:?}"
    );
    driver.shutdown().await;
}

#[tokio::test]
async fn a_directory_that_is_no_maildir_fails_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_commands, command_rx) = tokio::sync::mpsc::channel(4);
    let (event_tx, mut events) = tokio::sync::mpsc::channel(4);
    let task = sealmail::maildir::spawn(dir.path().to_path_buf(), command_rx, event_tx);
    assert!(matches!(
        events.recv().await,
        Some(SourceEvent::Connection(ConnectionState::Connecting))
    ));
    match events.recv().await {
        Some(SourceEvent::Connection(ConnectionState::Failed { reason })) => {
            assert!(reason.contains("not a Maildir"), "{reason}");
        }
        other => panic!("expected Failed, got {other:?}"),
    }
    task.await.expect("ends without panicking");
}

#[tokio::test]
async fn attached_messages_cut_short_stay_siblings_in_the_attachment_list() {
    // Three attached messages whose headers run into the next boundary: the server-less
    // source lists them as Dovecot's BODYSTRUCTURE does, side by side.
    let fixture = fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/mime/truncated-attached-messages.eml"),
    )
    .expect("fixture");
    let mail = TempMaildir::new();
    mail.deliver(
        &mail.root(),
        "cur",
        "1700.M1P1.host:2,S",
        &fixture.replace("\r\n", "\n"),
        100,
    );
    let mut driver = Driver::start(mail.root()).await;
    let (_, rows, _) = open(&mut driver, 1, "INBOX", 50).await;
    let uid = rows.first().expect("listed").uid;
    driver
        .send(SourceCommand::FetchMessage {
            req: 2,
            folder: "INBOX".into(),
            uid,
            mark_seen: false,
        })
        .await;
    let loaded = driver
        .until(|e| match e {
            SourceEvent::Message { req: 2, result } => Some(result.expect("loads")),
            _ => None,
        })
        .await;
    let names: Vec<&str> = loaded
        .view
        .attachments
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["training-mail.txt", "office-reply.txt", "shop-mail.txt"]
    );
    driver.shutdown().await;
}
