//! Live updates without a keypress: files dropped into `new/`/`cur/` arrive as NewRows, deleted
//! files as Expunged, renames by another program as FlagsChanged.

use std::fs;

use sealmail::mail::{Flags, SourceCommand, SourceEvent};

use super::fixture::{Driver, TempMaildir, message};

const DAY0: i64 = 1_740_000_000;

/// Opens INBOX and waits until it is fully loaded; returns the UIDs by subject.
async fn open_inbox(driver: &mut Driver) -> Vec<(String, u32)> {
    driver
        .send(SourceCommand::OpenFolder {
            req: 1,
            folder: "INBOX".into(),
            window: 50,
        })
        .await;
    let mut rows = Vec::new();
    loop {
        match driver.next().await {
            SourceEvent::Rows { rows: chunk, .. } => {
                rows.extend(chunk.into_iter().map(|r| (r.subject().to_string(), r.uid)));
            }
            SourceEvent::FolderLoaded { .. } => return rows,
            _ => {}
        }
    }
}

#[tokio::test]
async fn delivered_files_arrive_as_new_rows() {
    let mail = TempMaildir::new();
    let inbox = mail.root();
    mail.deliver(&inbox, "cur", "1.a:2,S", &message("old", DAY0), 100);
    let mut driver = Driver::start(mail.root()).await;
    let listed = open_inbox(&mut driver).await;
    assert_eq!(listed, [("old".to_owned(), 1)]);

    // The Maildir way: written in tmp/, renamed into new/.
    mail.deliver(&inbox, "new", "2.b", &message("fresh", DAY0 + 60), 200);
    let (rows, total) = driver
        .until(|e| match e {
            SourceEvent::NewRows {
                folder,
                rows,
                total,
            } if folder == "INBOX" => Some((rows, total)),
            _ => None,
        })
        .await;
    assert_eq!(total, 2);
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].subject(), rows[0].uid), ("fresh", 2));
    assert_eq!(rows[0].flags, Flags::default());

    // Written in place by a careless program: the row still has the whole message.
    fs::write(
        inbox.join("cur/3.c:2,F"),
        message("in place", DAY0 + 120).replace('\n', "\r\n"),
    )
    .expect("write");
    let rows = driver
        .until(|e| match e {
            SourceEvent::NewRows { rows, .. } => Some(rows),
            _ => None,
        })
        .await;
    assert_eq!((rows[0].subject(), rows[0].uid), ("in place", 3));
    assert_eq!(rows[0].flags, Flags::FLAGGED);
    driver.shutdown().await;
}

#[tokio::test]
async fn deleted_files_are_expunged_and_renames_change_flags() {
    let mail = TempMaildir::new();
    let inbox = mail.root();
    let first = mail.deliver(&inbox, "cur", "1.a:2,S", &message("one", DAY0), 100);
    let second = mail.deliver(&inbox, "new", "2.b", &message("two", DAY0), 200);
    let mut driver = Driver::start(mail.root()).await;
    let listed = open_inbox(&mut driver).await;
    assert_eq!(listed.len(), 2);

    fs::remove_file(&first).expect("rm");
    let (uids, total) = driver
        .until(|e| match e {
            SourceEvent::Expunged {
                folder,
                uids,
                total,
            } if folder == "INBOX" => Some((uids, total)),
            _ => None,
        })
        .await;
    assert_eq!((uids, total), (vec![1], 1));

    // Another mail program reads "two" and flags it.
    fs::rename(&second, inbox.join("cur/2.b:2,FS")).expect("rename");
    let (uid, flags) = driver
        .until(|e| match e {
            SourceEvent::FlagsChanged { uid, flags, .. } => Some((uid, flags)),
            _ => None,
        })
        .await;
    assert_eq!((uid, flags), (2, Flags(Flags::SEEN.0 | Flags::FLAGGED.0)));
    driver.shutdown().await;
}
