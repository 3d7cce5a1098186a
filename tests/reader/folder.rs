//! Folders and messages: LIST, the windowed load of a 10,000-message folder, opening a
//! message and \Seen on the server.

use std::collections::HashSet;

use sealmail::mail::{Flags, SourceCommand, SourceEvent};

use crate::common::{Reader, message, settings};
use crate::support::{Dovecot, DovecotOptions, generate_message, password};

#[tokio::test]
async fn folders_are_listed_inbox_first_with_decoded_names() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    // Maildir++ folders: ".Name" directories; "Entw&APw-rfe" is "Entwürfe" in modified UTF-7.
    for dir in [".Archive", ".Entw&APw-rfe"] {
        let path = dovecot.maildir("alice").join(dir);
        for sub in ["cur", "new", "tmp"] {
            std::fs::create_dir_all(path.join(sub)).expect("create folder");
        }
        let status = std::process::Command::new("chown")
            .args(["-R", "65534:65534"])
            .arg(&path)
            .status()
            .expect("chown");
        assert!(status.success());
    }
    let mut reader = Reader::start(settings(
        &dovecot.imaps_url(),
        "alice",
        password("alice"),
        Some(dovecot.ca_pem()),
    ));
    reader.online().await;
    reader.send(SourceCommand::ListFolders).await;
    let folders = reader
        .wait_for("Folders", |e| match e {
            SourceEvent::Folders(f) => Some(f),
            _ => None,
        })
        .await;
    assert_eq!(folders[0].name, "INBOX");
    let displays: Vec<&str> = folders.iter().map(|f| f.display.as_str()).collect();
    assert!(displays.contains(&"Archive"), "{displays:?}");
    assert!(displays.contains(&"Entwürfe"), "{displays:?}");
    let drafts = folders
        .iter()
        .find(|f| f.display == "Entwürfe")
        .expect("listed");
    assert_eq!(
        drafts.name, "Entw&APw-rfe",
        "commands use the server's spelling"
    );
    assert!(folders.iter().all(|f| f.selectable));

    // A folder that does not exist is reported gone (the reader moves to INBOX), the list
    // is read again; the connection carries on.
    reader
        .send(SourceCommand::OpenFolder {
            req: 5,
            folder: "No such folder".into(),
            window: 50,
        })
        .await;
    // The counts of the first list may come first; they are the list's, not this answer.
    let not_counts = |e| match e {
        SourceEvent::FolderCounts(_) => None,
        other => Some(other),
    };
    match reader.wait_for("an answer", not_counts).await {
        SourceEvent::FolderGone { folder, reason } => {
            assert_eq!(folder, "No such folder");
            assert!(reason.contains("open folder"), "{reason}");
        }
        other => panic!("expected the folder reported gone, got {other:?}"),
    }
    assert!(matches!(
        reader.wait_for("the list", not_counts).await,
        SourceEvent::Folders(_)
    ));
    let (_, total) = reader.open_all("Archive", 6, 50).await;
    assert_eq!(total, 0, "an empty folder opens and is loaded at once");
    reader.shutdown().await;
}

#[tokio::test]
async fn a_large_folder_shows_its_newest_window_first_then_fills_in() {
    const COUNT: u32 = 10_000;
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    dovecot.populate("alice", COUNT as usize);
    // One connection, and with a second one loading the older half in parallel (which the
    // reader does for large folders).
    for parallel_fill_min in [None, Some(2_000)] {
        let mut settings = settings(
            &dovecot.imaps_url(),
            "alice",
            password("alice"),
            Some(dovecot.ca_pem()),
        );
        settings.parallel_fill_min = parallel_fill_min;
        let mut reader = Reader::start(settings);
        reader.online().await;
        check_windowed_load(&mut reader, COUNT, 50).await;
        reader.shutdown().await;
    }
}

async fn check_windowed_load(reader: &mut Reader, count: u32, window: u32) {
    let (chunks, total) = reader.open_all("INBOX", 1, window).await;
    assert_eq!(total, count);

    // The first Rows event holds exactly the newest `window` messages, newest first.
    let first: Vec<u32> = chunks[0].iter().map(|r| r.uid).collect();
    let newest: Vec<u32> = (count - window + 1..=count).rev().collect();
    assert_eq!(first, newest, "the first window");
    assert!(chunks.len() > 1, "the rest comes in later chunks");

    // Every message arrives once, newest first across all chunks.
    let all: Vec<u32> = chunks.iter().flatten().map(|r| r.uid).collect();
    assert_eq!(all.len(), count as usize);
    assert_eq!(
        all.iter().collect::<HashSet<_>>().len(),
        count as usize,
        "no duplicates"
    );
    assert!(all.windows(2).all(|w| w[0] > w[1]), "newest first");

    // Rows carry the decoded envelope: each subject (RFC 2047, folded) as a full message
    // parser reads it from the file, the sender, the flags.
    let mut non_ascii = 0;
    for row in chunks.iter().flatten().step_by(7) {
        let generated = generate_message(row.uid as usize - 1);
        let parsed = mail_parser::MessageParser::default()
            .parse(&generated.bytes)
            .expect("a generated message parses");
        let subject = parsed.subject().unwrap_or_default().trim();
        assert_eq!(row.subject(), subject, "subject of UID {}", row.uid);
        non_ascii += usize::from(!subject.is_ascii());
        assert!(
            !row.from().is_empty() && !row.from().contains("=?"),
            "from of UID {}",
            row.uid
        );
        assert_eq!(
            row.flags.contains(Flags::SEEN),
            generated.flags.contains('S'),
            "\\Seen of UID {}",
            row.uid
        );
        assert!(row.size > 0 && row.date > 1_500_000_000);
    }
    assert!(
        non_ascii > 10,
        "encoded subjects were checked ({non_ascii})"
    );
}

#[tokio::test]
async fn opening_a_message_returns_it_parsed_and_sets_seen_on_the_server() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    dovecot
        .deliver(
            "alice",
            &message("Quarterly numbers", "The numbers are in."),
        )
        .await;
    dovecot
        .deliver("alice", &message("Lunch on Friday", "Shall we?"))
        .await;
    let mut reader = Reader::start(settings(
        &dovecot.imaps_url(),
        "alice",
        password("alice"),
        Some(dovecot.ca_pem()),
    ));
    reader.online().await;
    let (chunks, total) = reader.open_all("INBOX", 1, 50).await;
    assert_eq!(total, 2);
    let rows: Vec<_> = chunks.into_iter().flatten().collect();
    let lunch = rows
        .iter()
        .find(|r| r.subject() == "Lunch on Friday")
        .expect("listed");
    assert_eq!(
        lunch.from(),
        "Carol Example",
        "the display name, not the address"
    );
    assert!(!lunch.flags.contains(Flags::SEEN), "delivered unread");

    reader
        .send(SourceCommand::FetchMessage {
            req: 2,
            folder: "INBOX".into(),
            uid: lunch.uid,
            mark_seen: true,
        })
        .await;
    // The message is parsed on its own thread while the actor sets \Seen: the two events
    // come in either order.
    let (mut message, mut seen) = (None, None);
    while message.is_none() || seen.is_none() {
        match reader.next().await {
            SourceEvent::Message { req: 2, result } => {
                message = Some(result.expect("the message opens"))
            }
            SourceEvent::FlagsChanged { uid, flags, .. } if uid == lunch.uid => seen = Some(flags),
            _ => {}
        }
    }
    let (message, flags) = (message.expect("message"), seen.expect("flags"));
    assert_eq!(message.uid, lunch.uid);
    assert_eq!(message.view.subject, "Lunch on Friday");
    assert!(message.view.body.iter().any(|l| l.contains("Shall we?")));
    assert!(String::from_utf8_lossy(&message.raw).contains("Shall we?"));
    assert!(flags.contains(Flags::SEEN));

    // Another session sees \Seen on the server, and only on that message.
    let mut other = Reader::start(settings(
        &dovecot.imaps_url(),
        "alice",
        password("alice"),
        Some(dovecot.ca_pem()),
    ));
    other.online().await;
    let (chunks, _) = other.open_all("INBOX", 7, 50).await;
    for row in chunks.iter().flatten() {
        assert_eq!(
            row.flags.contains(Flags::SEEN),
            row.uid == lunch.uid,
            "UID {}",
            row.uid
        );
    }

    // Flags can be set and cleared.
    reader
        .send(SourceCommand::SetFlag {
            folder: "INBOX".into(),
            uid: lunch.uid,
            flag: Flags::FLAGGED,
            on: true,
        })
        .await;
    let flags = reader
        .wait_for("FlagsChanged", |e| match e {
            SourceEvent::FlagsChanged { uid, flags, .. } if uid == lunch.uid => Some(flags),
            _ => None,
        })
        .await;
    assert!(flags.contains(Flags::FLAGGED) && flags.contains(Flags::SEEN));

    // A message that is gone is reported as such, not as a dropped connection.
    reader
        .send(SourceCommand::FetchMessage {
            req: 3,
            folder: "INBOX".into(),
            uid: 4242,
            mark_seen: false,
        })
        .await;
    let gone = reader
        .wait_for("Message", |e| match e {
            SourceEvent::Message { req: 3, result } => Some(result),
            _ => None,
        })
        .await;
    assert_eq!(
        gone.expect_err("no such message").kind,
        sealmail::error::ErrorKind::NotFound
    );
    other.shutdown().await;
    reader.shutdown().await;
}

#[tokio::test]
async fn rows_mark_portal_mail_as_the_full_message_would() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/portal");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("portal fixtures")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    files.sort();
    let mut expected = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let raw = std::fs::read(file).expect("fixture");
        let mark =
            sealmail::detect::classify_cheap(&sealmail::detect::cheap_signals_from_raw(&raw));
        dovecot.deliver("alice", &raw).await;
        expected.push((
            i as u32 + 1,
            file.file_name().map(|n| n.to_string_lossy().into_owned()),
            mark,
        ));
    }
    assert!(
        expected.iter().filter(|(_, _, m)| m.is_some()).count() >= 5,
        "the fixtures hold portal mail"
    );
    let mut reader = Reader::start(settings(
        &dovecot.imaps_url(),
        "alice",
        password("alice"),
        Some(dovecot.ca_pem()),
    ));
    reader.online().await;
    let (chunks, _) = reader.open_all("INBOX", 1, 50).await;
    let rows: Vec<_> = chunks.into_iter().flatten().collect();
    assert_eq!(rows.len(), expected.len());
    for (uid, name, mark) in expected {
        let row = rows
            .iter()
            .find(|r| r.uid == uid)
            .expect("every fixture listed");
        assert_eq!(row.portal, mark, "portal mark of {name:?}");
    }
    reader.shutdown().await;
}

#[tokio::test]
async fn hostile_headers_reach_the_rows_only_as_inert_text() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    // ESC and BEL inside RFC 2047 words (invisible to a naive header check), an OSC 52
    // clipboard write, a screen clear and a right-to-left override in the sender's name.
    let raw = "From: =?UTF-8?B?G101MjtjO1pYWnBiQT09B0Jhbmsg4oCuZ25pcmVlbmlnbkU=?= <x@example.test>\r\n\
               To: alice@example.test\r\n\
               Subject: =?UTF-8?Q?Invoice_=1B[2J=1B[31mPAID?= \x1b]0;title\x07\r\n\
               Date: Tue, 24 Nov 2026 08:00:00 +0000\r\n\
               Content-Type: text/plain\r\n\r\nhi\r\n";
    dovecot.deliver("alice", raw.as_bytes()).await;
    let mut reader = Reader::start(settings(
        &dovecot.imaps_url(),
        "alice",
        password("alice"),
        Some(dovecot.ca_pem()),
    ));
    reader.online().await;
    let (chunks, _) = reader.open_all("INBOX", 1, 50).await;
    let row = &chunks[0][0];
    for text in [row.from(), row.subject()] {
        assert!(sealmail::sanitize::is_clean(text), "{text:?}");
        assert!(!text.contains('\x1b') && !text.contains('\x07') && !text.contains('\u{202e}'));
    }
    assert!(
        row.subject().contains("Invoice") && row.subject().contains("PAID"),
        "{:?}",
        row.subject()
    );
    assert!(
        row.from().contains("<U+202E>"),
        "the override is shown, not obeyed: {:?}",
        row.from()
    );
    reader.shutdown().await;
}
