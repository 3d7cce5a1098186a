//! Saving attachments through the reader's IMAP actor, with names that try to escape: the
//! files land in the chosen directory only, under names made safe; a file already there is
//! not replaced until asked, and a symlink planted at a name is never written through.

use std::path::Path;

use sealmail::mail::{SaveDone, SaveRequest, SourceCommand, SourceEvent};

use crate::common::{Reader, zip_part};
use crate::support::{Server, ServerKind};

const USER: &str = "alice";

/// A message whose attachments are named to escape, hide, reorder or collide.
pub fn hostile_attachments() -> (Vec<u8>, Vec<(&'static str, Vec<u8>)>) {
    let parts: Vec<(&str, Vec<u8>)> = vec![
        ("../../evil.sh", b"echo pwned\n".to_vec()),
        (".bashrc", b"alias ls=rm\n".to_vec()),
        (
            "=?UTF-8?B?aW52b2ljZeKArmZkcC5leGU=?=",
            b"MZ fake exe".to_vec(),
        ),
        ("taken.txt", b"new taken\n".to_vec()),
        ("link.txt", b"through the link\n".to_vec()),
    ];
    let mut raw = String::from(
        "From: Mallory <mallory@example.test>\r\nTo: alice@example.test\r\n\
         Subject: Files for you\r\nDate: Tue, 24 Nov 2026 08:00:00 +0000\r\n\
         Message-ID: <files@example.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the files.\r\n",
    );
    for (name, data) in &parts {
        raw.push_str(&zip_part("b1", name, data));
    }
    raw.push_str("--b1--\r\n");
    (raw.into_bytes(), parts)
}

/// Asks the source to save and waits for the answer.
pub async fn save(reader: &mut Reader, request: SaveRequest) -> SaveDone {
    let req = request.req;
    reader.send(SourceCommand::SaveAttachments(request)).await;
    reader
        .wait_for("Saved", |e| match e {
            SourceEvent::Saved(done) if done.req == req => Some(done),
            _ => None,
        })
        .await
}

/// The directory's entries, sorted, and that nothing else appeared beside it.
pub fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("readable")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Saves every attachment of the hostile message (the source's uid `uid` in INBOX) into a
/// fresh directory holding a file and a planted link, and checks what happened.
pub async fn save_hostile(reader: &mut Reader, uid: u32, what: &str) {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("downloads");
    std::fs::create_dir(&dir).expect("mkdir");
    let outside = root.path().join("outside");
    std::fs::write(&outside, b"keep me\n").expect("write");
    std::fs::write(dir.join("taken.txt"), b"old taken\n").expect("write");
    std::os::unix::fs::symlink(&outside, dir.join("link.txt")).expect("symlink");

    let request = SaveRequest {
        req: 10,
        folder: "INBOX".into(),
        uid,
        indices: (0..5).collect(),
        dir: dir.clone(),
        overwrite: false,
    };
    let done = save(reader, request.clone()).await;
    assert_eq!(done.error, None, "{what}: {done:?}");
    let mut saved: Vec<String> = done
        .saved
        .iter()
        .map(|p| {
            assert_eq!(
                p.parent(),
                Some(dir.as_path()),
                "{what}: {p:?} is in the directory"
            );
            p.file_name().unwrap().to_string_lossy().into_owned()
        })
        .collect();
    saved.sort();
    assert_eq!(saved, ["bashrc", "evil.sh", "invoicefdp.exe"], "{what}");
    let exist: Vec<&str> = done.exist.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(
        exist,
        ["taken.txt", "link.txt"],
        "{what}: not replaced without asking"
    );
    assert_eq!(std::fs::read(dir.join("evil.sh")).unwrap(), b"echo pwned\n");
    assert_eq!(
        std::fs::read(dir.join("taken.txt")).unwrap(),
        b"old taken\n"
    );
    assert_eq!(std::fs::read(&outside).unwrap(), b"keep me\n");
    assert_eq!(
        entries(root.path()),
        ["downloads", "outside"],
        "{what}: nothing escaped"
    );

    // Asked again with the user's yes: the file is replaced, the link still refused.
    let again = SaveRequest {
        req: 11,
        indices: done.exist.iter().map(|(i, _)| *i).collect(),
        overwrite: true,
        ..request
    };
    let done = save(reader, again).await;
    assert_eq!(
        std::fs::read(dir.join("taken.txt")).unwrap(),
        b"new taken\n",
        "{what}"
    );
    let error = done.error.unwrap_or_default();
    assert!(error.contains("link.txt"), "{what}: {error}");
    assert_eq!(std::fs::read(&outside).unwrap(), b"keep me\n", "{what}");
    assert!(
        std::fs::symlink_metadata(dir.join("link.txt"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        entries(&dir),
        [
            "bashrc",
            "evil.sh",
            "invoicefdp.exe",
            "link.txt",
            "taken.txt"
        ],
        "{what}: no partial file left"
    );
}

#[tokio::test]
async fn attachments_with_hostile_names_are_saved_safely_over_imap() {
    let server = Server::start(ServerKind::Dovecot).await;
    let (raw, _) = hostile_attachments();
    let uid = server.append(USER, "INBOX", &raw).await;
    let mut reader = Reader::start(server.settings(USER));
    reader.online_any().await;
    reader.open_all("INBOX", 1, 50).await;
    save_hostile(&mut reader, uid, "Dovecot").await;
    // The message was fetched whole without being marked read.
    let mut client = server.client(USER).await;
    client.select("INBOX").await;
    let flags = client.ok(&format!("UID FETCH {uid} FLAGS")).await;
    assert!(!format!("{flags:?}").contains("\\\\Seen"), "{flags:?}");
    client.logout().await;
    reader.shutdown().await;
}
