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
            assert!(!v.body.is_empty(), "{} has a body", v.subject);
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
