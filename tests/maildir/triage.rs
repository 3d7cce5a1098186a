//! Acting on mail in a Maildir: a move renames the files into the target with their flags,
//! the open folder reports them gone, and an undo brings them back; a copy leaves the
//! originals; deleting for good removes exactly the chosen files; a move to a folder that
//! does not exist loses nothing; attachments are saved from the file under safe names.

use std::fs;
use std::path::Path;

use sealmail::mail::{
    Erase, EraseDone, FolderChange, FolderCount, Row, SaveRequest, SourceCommand, SourceEvent,
    Transfer, TransferDone, TransferKind,
};

use super::fixture::{Driver, TempMaildir, message};

const DAY0: u64 = 1_740_000_000;

/// Files of a Maildir folder (both `new/` and `cur/`), sorted.
fn files(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = ["new", "cur"]
        .iter()
        .flat_map(|sub| fs::read_dir(folder.join(sub)).expect("readable"))
        .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
        .collect();
    names.sort();
    names
}

/// Opens INBOX and returns its rows once loaded.
async fn open_inbox(driver: &mut Driver) -> Vec<Row> {
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
            SourceEvent::Rows {
                req: 1, rows: r, ..
            } => rows.extend(r),
            SourceEvent::FolderLoaded { req: 1, .. } => return rows,
            _ => {}
        }
    }
}

/// Sends a transfer; its end, and the UIDs the open folder reported gone meanwhile.
async fn transfer(driver: &mut Driver, job: Transfer) -> (TransferDone, Vec<u32>) {
    let req = job.req;
    driver.send(SourceCommand::Transfer(job)).await;
    let mut gone = Vec::new();
    loop {
        match driver.next().await {
            SourceEvent::Transferred(done) if done.req == req => return (done, gone),
            SourceEvent::Expunged { uids, .. } => gone.extend(uids),
            _ => {}
        }
    }
}

/// A Maildir with five INBOX messages (the third flagged and seen), an Archive and a Trash.
fn mailbox() -> TempMaildir {
    let mail = TempMaildir::new();
    let root = mail.root();
    for i in 0..5u64 {
        let (sub, name) = if i == 2 {
            ("cur", format!("m{i}:2,FS"))
        } else {
            ("new", format!("m{i}"))
        };
        mail.deliver(
            &root,
            sub,
            &name,
            &message(&format!("message {i}"), 0),
            DAY0 + i,
        );
    }
    mail.folder(".Archive");
    mail.folder(".Trash");
    mail
}

#[tokio::test]
async fn a_move_renames_into_the_target_and_an_undo_brings_the_messages_back() {
    let mail = mailbox();
    let root = mail.root();
    let mut driver = Driver::start(root.clone()).await;
    let rows = open_inbox(&mut driver).await;
    assert_eq!(rows.len(), 5, "{rows:?}");
    let uids = vec![2, 3];

    let job = Transfer::new(
        2,
        "INBOX".into(),
        ".Archive".into(),
        TransferKind::Move,
        uids.clone(),
    );
    let (done, mut gone) = transfer(&mut driver, job).await;
    assert_eq!(done.error, None, "{done:?}");
    assert_eq!(done.progress.done, uids);
    gone.sort_unstable();
    assert_eq!(gone, uids, "the open folder reports them gone");
    // UIDs follow arrival: 2 and 3 are m1 (new, so unread in cur/) and m2 (seen and flagged).
    assert_eq!(files(&root), ["m0", "m3", "m4"]);
    assert_eq!(files(&root.join(".Archive")), ["m1:2,", "m2:2,FS"]);
    assert!(
        root.join(".Archive/cur/m1:2,").is_file(),
        "into the target's cur/"
    );

    // The undo: out of the folder that is not open, by the UIDs the move reported.
    let landed: Vec<u32> = done.progress.landed.iter().map(|(_, to)| *to).collect();
    assert_eq!(landed.len(), 2, "{done:?}");
    let undo = Transfer::new(
        3,
        ".Archive".into(),
        "INBOX".into(),
        TransferKind::Move,
        landed,
    );
    driver.send(SourceCommand::Transfer(undo)).await;
    let mut back = Vec::new();
    loop {
        match driver.next().await {
            SourceEvent::Transferred(done) if done.req == 3 => {
                assert_eq!(done.error, None, "{done:?}");
                assert_eq!(done.progress.done.len(), 2);
                break;
            }
            SourceEvent::NewRows { rows, .. } => back.extend(rows),
            _ => {}
        }
    }
    assert_eq!(files(&root), ["m0", "m1:2,", "m2:2,FS", "m3", "m4"]);
    assert!(files(&root.join(".Archive")).is_empty());
    let mut subjects: Vec<String> = back.iter().map(|r| r.subject().to_string()).collect();
    subjects.sort();
    assert_eq!(
        subjects,
        ["message 1", "message 2"],
        "the list gets them back as new rows"
    );
    driver.shutdown().await;
}

#[tokio::test]
async fn a_copy_leaves_the_originals_and_deleting_for_good_removes_exactly_the_chosen() {
    let mail = mailbox();
    let root = mail.root();
    let mut driver = Driver::start(root.clone()).await;
    open_inbox(&mut driver).await;
    let job = Transfer::new(
        2,
        "INBOX".into(),
        ".Archive".into(),
        TransferKind::Copy,
        vec![1, 3],
    );
    let (done, gone) = transfer(&mut driver, job).await;
    assert_eq!(
        (done.error.as_deref(), done.progress.done.len()),
        (None, 2),
        "{done:?}"
    );
    assert!(gone.is_empty(), "a copy takes nothing away: {gone:?}");
    assert_eq!(files(&root).len(), 5);
    let copies = files(&root.join(".Archive"));
    assert_eq!(copies.len(), 2, "{copies:?}");
    assert!(
        copies.iter().any(|n| n.ends_with(":2,FS")),
        "flags are kept: {copies:?}"
    );

    driver
        .send(SourceCommand::Erase(Erase {
            req: 3,
            folder: "INBOX".into(),
            uids: vec![4, 5],
        }))
        .await;
    let done: EraseDone = driver
        .until(|e| match e {
            SourceEvent::Erased(done) => Some(done),
            _ => None,
        })
        .await;
    assert_eq!(done.error, None);
    assert_eq!(done.erased, vec![4, 5]);
    assert_eq!(files(&root), ["m0", "m1", "m2:2,FS"]);
    assert_eq!(files(&root.join(".Archive")).len(), 2);
    driver.shutdown().await;
}

#[tokio::test]
async fn a_move_to_a_folder_that_does_not_exist_loses_nothing() {
    let mail = mailbox();
    let root = mail.root();
    let mut driver = Driver::start(root.clone()).await;
    open_inbox(&mut driver).await;
    for target in [".Nowhere", "../escape", ".Archive/../../x"] {
        let job = Transfer::new(
            2,
            "INBOX".into(),
            target.into(),
            TransferKind::Move,
            vec![1, 2],
        );
        let (done, gone) = transfer(&mut driver, job).await;
        assert!(done.error.is_some(), "{target}: {done:?}");
        assert_eq!(done.failed, vec![1, 2], "{target}");
        assert!(gone.is_empty(), "{target}");
        assert_eq!(files(&root).len(), 5, "{target}");
    }
    driver.shutdown().await;
}

#[tokio::test]
async fn attachments_are_saved_from_the_file_under_safe_names() {
    let mail = TempMaildir::new();
    let root = mail.root();
    let raw = "From: Mallory <mallory@example.test>\nTo: alice@example.test\n\
               Subject: Files\nDate: Tue, 24 Nov 2026 08:00:00 +0000\nMIME-Version: 1.0\n\
               Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\n\
               Content-Type: text/plain\n\nHere.\n--b\n\
               Content-Type: text/plain; name=\"../../../tmp/evil.sh\"\n\
               Content-Disposition: attachment; filename=\"../../../tmp/evil.sh\"\n\n\
               echo pwned\n--b\n\
               Content-Type: text/plain\n\
               Content-Disposition: attachment; filename=\"notes.txt\"\n\nnew notes\n--b--\n";
    mail.deliver(&root, "new", "m1", raw, DAY0);
    let mut driver = Driver::start(root.clone()).await;
    open_inbox(&mut driver).await;
    let out = tempfile::tempdir().expect("tempdir");
    fs::write(out.path().join("notes.txt"), "old notes").expect("write");
    let request = SaveRequest {
        req: 5,
        folder: "INBOX".into(),
        uid: 1,
        indices: vec![0, 1],
        dir: out.path().to_path_buf(),
        overwrite: false,
    };
    driver
        .send(SourceCommand::SaveAttachments(request.clone()))
        .await;
    let done = driver
        .until(|e| match e {
            SourceEvent::Saved(done) => Some(done),
            _ => None,
        })
        .await;
    assert_eq!(done.error, None, "{done:?}");
    assert_eq!(done.saved, vec![out.path().join("evil.sh")]);
    assert_eq!(done.exist, vec![(1, "notes.txt".to_owned())]);
    assert_eq!(
        fs::read_to_string(out.path().join("evil.sh")).unwrap(),
        "echo pwned"
    );
    assert_eq!(
        fs::read_to_string(out.path().join("notes.txt")).unwrap(),
        "old notes"
    );
    driver
        .send(SourceCommand::SaveAttachments(SaveRequest {
            req: 6,
            indices: vec![1],
            overwrite: true,
            ..request
        }))
        .await;
    let done = driver
        .until(|e| match e {
            SourceEvent::Saved(done) => Some(done),
            _ => None,
        })
        .await;
    assert_eq!(done.error, None, "{done:?}");
    assert_eq!(
        fs::read_to_string(out.path().join("notes.txt")).unwrap(),
        "new notes"
    );
    driver.shutdown().await;
}

#[tokio::test]
async fn folders_are_counted_after_the_list_and_after_a_move() {
    let mail = mailbox();
    let mut driver = Driver::start(mail.root()).await;
    driver.send(SourceCommand::ListFolders).await;
    let counts = driver
        .until(|e| match e {
            SourceEvent::FolderCounts(counts) => Some(counts),
            _ => None,
        })
        .await;
    let of = |counts: &[(String, FolderCount)], name: &str| {
        counts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| (c.total, c.unseen))
    };
    assert_eq!(of(&counts, "INBOX"), Some((5, 4)), "{counts:?}");
    assert_eq!(of(&counts, ".Archive"), Some((0, 0)), "{counts:?}");
    open_inbox(&mut driver).await;
    let job = Transfer::new(
        2,
        "INBOX".into(),
        ".Archive".into(),
        TransferKind::Move,
        vec![2, 3],
    );
    driver.send(SourceCommand::Transfer(job)).await;
    let counts = driver
        .until(|e| match e {
            SourceEvent::FolderCounts(counts) => Some(counts),
            _ => None,
        })
        .await;
    assert_eq!(of(&counts, ".Archive"), Some((2, 1)), "{counts:?}");
    assert_eq!(
        of(&counts, "INBOX"),
        None,
        "the open folder's list is its count"
    );
    driver.shutdown().await;
}

#[tokio::test]
async fn folders_are_created_renamed_with_what_is_inside_and_deleted() {
    let mail = mailbox();
    let root = mail.root();
    let mut driver = Driver::start(root.clone()).await;
    let path = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let change = async |driver: &mut Driver, req: u64, change: FolderChange| {
        driver
            .send(SourceCommand::ChangeFolder { req, change })
            .await;
        driver
            .until(|e| match e {
                SourceEvent::FolderChanged { req: r, error } if r == req => Some(error),
                _ => None,
            })
            .await
    };
    let create = FolderChange::Create {
        path: path(&["Projekte", "2026"]),
    };
    assert_eq!(change(&mut driver, 1, create.clone()).await, None);
    assert!(root.join(".Projekte.2026/cur").is_dir());
    assert!(change(&mut driver, 2, create).await.is_some(), "exists");
    let create = FolderChange::Create {
        path: path(&["Projekte"]),
    };
    assert_eq!(change(&mut driver, 3, create).await, None);
    let rename = FolderChange::Rename {
        from: ".Projekte".into(),
        path: path(&["Ablage ü"]),
    };
    assert_eq!(change(&mut driver, 4, rename).await, None);
    assert!(root.join(".Ablage &APw-/cur").is_dir());
    assert!(
        root.join(".Ablage &APw-.2026/cur").is_dir(),
        "the folder inside came along"
    );
    assert!(!root.join(".Projekte.2026").exists());
    let delete = FolderChange::Delete {
        name: ".Ablage &APw-.2026".into(),
    };
    assert_eq!(change(&mut driver, 5, delete).await, None);
    assert!(!root.join(".Ablage &APw-.2026").exists());
    for refused in [
        FolderChange::Delete {
            name: "INBOX".into(),
        },
        FolderChange::Delete {
            name: "../outside".into(),
        },
        FolderChange::Create {
            path: path(&["a.b"]),
        },
        FolderChange::Create {
            path: path(&["../x"]),
        },
    ] {
        assert!(
            change(&mut driver, 6, refused.clone()).await.is_some(),
            "{refused:?}"
        );
    }
    assert!(root.join("cur").is_dir(), "INBOX is there");
    driver.shutdown().await;
}
