//! The demo mailbox materializes as a private Maildir with recent dates, and every message in
//! it opens and parses cleanly through the Maildir actor.

use std::os::unix::fs::PermissionsExt;

use sealmail::mail::{Row, SourceCommand, SourceEvent};
use sealmail::sanitize::is_clean;

use super::fixture::Driver;

async fn rows_of(driver: &mut Driver, req: u64, folder: &str) -> Vec<Row> {
    driver
        .send(SourceCommand::OpenFolder {
            req,
            folder: folder.into(),
            window: 20,
        })
        .await;
    let mut rows = Vec::new();
    loop {
        match driver.next().await {
            SourceEvent::Rows {
                req: r,
                rows: chunk,
                ..
            } if r == req => rows.extend(chunk),
            SourceEvent::FolderLoaded { req: r, total } if r == req => {
                assert_eq!(rows.len(), total as usize);
                return rows;
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn the_demo_mailbox_materializes_and_every_message_parses() {
    let now = chrono::Utc::now().timestamp();
    let demo = sealmail::demo::materialize().expect("materializes");
    let root = demo.path().to_path_buf();
    let mode = std::fs::metadata(&root)
        .expect("exists")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700, "private to the user");
    assert!(demo.messages() >= 30);

    let mut driver = Driver::start(root.clone()).await;
    driver.send(SourceCommand::ListFolders).await;
    let folders = driver
        .until(|e| match e {
            SourceEvent::Folders(f) => Some(f),
            _ => None,
        })
        .await;
    let shown: Vec<&str> = folders.iter().map(|f| f.display.as_str()).collect();
    // The special-use folders by their names first, the empty Trash and Drafts among them;
    // Delivered (what the demo's SMTP server delivered to others) starts empty too.
    assert_eq!(
        shown,
        [
            "INBOX",
            "Sent",
            "Drafts",
            "Trash",
            "Archive",
            "Delivered",
            "Entwürfe"
        ]
    );

    let mut all = 0;
    let mut req = 0;
    for folder in &folders {
        req += 1;
        let rows = rows_of(&mut driver, req, &folder.name).await;
        if [".Trash", ".Drafts", ".Delivered"].contains(&folder.name.as_str()) {
            assert!(
                rows.is_empty(),
                "the demo's {} starts empty",
                folder.display
            );
            continue;
        }
        assert!(!rows.is_empty(), "{} has messages", folder.display);
        let dates: Vec<i64> = rows.iter().map(|r| r.date).collect();
        for row in &rows {
            assert!(is_clean(row.from()) && is_clean(row.subject()), "{row:?}");
            assert!(
                row.date <= now + 60,
                "no demo message is from the future: {row:?}"
            );
            assert!(
                row.date > now - 60 * 86_400,
                "every demo message is recent: {row:?}"
            );
            req += 1;
            driver
                .send(SourceCommand::FetchMessage {
                    req,
                    folder: folder.name.clone(),
                    uid: row.uid,
                    mark_seen: false,
                })
                .await;
            let loaded = driver
                .until(|e| match e {
                    SourceEvent::Message { req: r, result } if r == req => Some(result),
                    _ => None,
                })
                .await
                .unwrap_or_else(|e| panic!("{} uid {} parses: {e}", folder.display, row.uid));
            let v = &loaded.view;
            assert!(!v.from.is_empty(), "{row:?}");
            // An S/MIME-encrypted message has no text until it is opened (the pane does
            // that, below): its one part is the ciphertext.
            let encrypted =
                v.attachments.len() == 1 && v.attachments[0].mime == "application/pkcs7-mime";
            assert!(!v.body.is_empty() || encrypted, "{} has a body", v.subject);
            for field in [&v.from, &v.to, &v.cc, &v.subject]
                .into_iter()
                .chain(&v.body)
                .chain(&v.links)
            {
                assert!(is_clean(field), "{field:?}");
            }
            all += 1;
        }
        if folder.name == "INBOX" {
            assert_newest_first(&dates);
            check_inbox(&rows);
        }
    }
    assert_eq!(all, demo.messages());
    driver.shutdown().await;
    drop(demo);
    assert!(!root.exists(), "removed when dropped");
}

/// Arrival order follows the (moved) Date headers, so the list is newest first by date too.
fn assert_newest_first(dates: &[i64]) {
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");
    let newest = dates.first().copied().unwrap_or_default();
    let now = chrono::Utc::now().timestamp();
    assert!(
        now - newest < 3600,
        "the newest demo message arrived minutes ago"
    );
}

fn check_inbox(rows: &[Row]) {
    let find = |needle: &str| {
        rows.iter()
            .find(|r| r.subject().contains(needle))
            .unwrap_or_else(|| panic!("a message about {needle}"))
    };
    let hostile = find("attack your terminal");
    assert!(hostile.subject().contains('␛'), "{:?}", hostile.subject());
    assert!(hostile.from().contains("<U+202E>"), "{:?}", hostile.from());
    assert!(find("Invoice INV-2025-031").attachment);
    assert!(find("Q1 numbers").attachment);
    assert!(!find("Welcome to sealmail").attachment);
    assert!(rows.iter().any(|r| r.subject() == "会议纪要"));
    assert!(
        rows.iter()
            .any(|r| r.subject() == "来週の打ち合わせについて")
    );
    assert!(rows.iter().any(|r| r.subject() == "Отчёт о поездке"));
    assert!(rows.iter().any(|r| r.from() == "Jürgen Müller"));
    let thread = rows
        .iter()
        .filter(|r| r.subject().contains("Planning the spring offsite"))
        .count();
    assert!(thread >= 8, "a long thread: {thread}");
    assert!(
        rows.iter().any(|r| r.subject().is_empty()),
        "one message has no subject"
    );
}

/// The raw demo message in the INBOX on disk whose Subject is `subject`.
fn inbox_message(root: &std::path::Path, subject: &str) -> Vec<u8> {
    let wanted = format!("\nSubject: {subject}\n");
    let found: Vec<Vec<u8>> = ["new", "cur"]
        .iter()
        .flat_map(|sub| std::fs::read_dir(root.join(sub)).expect("INBOX"))
        .map(|entry| std::fs::read(entry.expect("entry").path()).expect("readable"))
        .filter(|raw| String::from_utf8_lossy(raw).contains(&wanted))
        .collect();
    assert_eq!(found.len(), 1, "one demo message about {subject}");
    found.into_iter().next().unwrap_or_default()
}

/// Each demo S/MIME message, as written into the demo INBOX, opened by the real code with
/// the demo's settings (its certificate and key, its root as the only trust anchor): the
/// decrypted text and the banner's words.
#[test]
fn the_demo_smime_messages_open_with_the_demo_certificate() {
    use sealmail::crypto::open::open;
    let demo = sealmail::demo::materialize().expect("materializes");
    let settings = sealmail::demo::smime::crypto_settings(Default::default());
    assert_eq!(settings.trust.len(), 1, "the demo root alone");
    let words = |report: &sealmail::crypto::verdict::Report| -> Vec<String> {
        report.signatures.iter().map(|s| s.status.words()).collect()
    };
    let text = |opened: &sealmail::crypto::open::Opened| -> String {
        opened
            .view
            .body
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    };

    // Signed by the correspondent inside, encrypted with AES-256-GCM.
    let raw = inbox_message(demo.path(), "Staging credentials for the release");
    let opened = open(&raw, &settings).unwrap_or_else(|e| panic!("{e}"));
    let encryption = opened.report.encryption.as_ref().expect("encrypted");
    assert_eq!(
        encryption.words(),
        "encrypted with S/MIME (AES-256-GCM)",
        "integrity-protected: no warning"
    );
    assert_eq!(
        words(&opened.report),
        ["signed by priya@devteam.example, verified"]
    );
    let body = text(&opened);
    assert!(
        body.contains("password: (demo only) plum-harbour-47"),
        "{body}"
    );
    assert_eq!(opened.view.subject, "Staging credentials for the release");
    assert!(opened.view.from.contains("priya@devteam.example"));

    // AES-256-CBC, not signed: shown, with the warning.
    let raw = inbox_message(demo.path(), "Your policy renewal");
    let opened = open(&raw, &settings).unwrap_or_else(|e| panic!("{e}"));
    let encryption = opened.report.encryption.as_ref().expect("encrypted");
    assert!(!encryption.integrity);
    assert_eq!(
        encryption.words(),
        "encrypted with S/MIME (AES-256-CBC), not integrity-protected: it could have been altered on the way"
    );
    assert!(opened.report.signatures.is_empty(), "not signed");
    assert!(text(&opened).contains("policy (HI-2025-88213) starts on 1 May"));

    // Detached-signed with a trusted certificate that is not the sender's.
    let raw = inbox_message(demo.path(), "Release freeze starts Friday");
    let opened = open(&raw, &settings).unwrap_or_else(|e| panic!("{e}"));
    assert!(opened.report.encryption.is_none());
    assert_eq!(
        words(&opened.report),
        ["signed, but by priya@devteam.example, not the sender"]
    );
    assert!(text(&opened).contains("the release freeze starts on Friday at noon"));

    // Detached-signed with a self-signed certificate.
    let raw = inbox_message(demo.path(), "Backup completed: 12.4 GB");
    let opened = open(&raw, &settings).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        words(&opened.report),
        ["signed by an unknown or untrusted key (it names alerts@lockbox-backup.example)"]
    );
    assert!(text(&opened).contains("your nightly backup finished at 02:14"));

    // Without the demo's root, Priya's signature is not trusted: the root is what vouches.
    let untrusting = sealmail::crypto::open::CryptoSettings {
        trust: Default::default(),
        ..settings.clone()
    };
    let raw = inbox_message(demo.path(), "Staging credentials for the release");
    let opened = open(&raw, &untrusting).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        words(&opened.report),
        ["signed by an unknown or untrusted key (it names priya@devteam.example)"]
    );
}
