//! The folder tree, read-only shared folders and folders deleted elsewhere, on every server:
//! Cyrus in both namespace styles (`INBOX.Sub` with ".", `Sub` with "/", other users' and
//! shared folders, special use in lower case) and Dovecot.

use sealmail::mail::{Flags, Folder, Section, SourceCommand, SourceEvent, SpecialUse, folder_tree};

use crate::common::{Reader, message};
use crate::support::{Server, ServerKind};

on_every_server!(
    folders_form_the_same_tree,
    read_only_and_seen_only_folders,
    the_open_folder_deleted_elsewhere
);

fn outline(folders: &[Folder]) -> Vec<String> {
    folder_tree::arrange(folders.to_vec())
        .iter()
        .map(|f| format!("{}{}", "  ".repeat(f.depth), f.label))
        .collect()
}

async fn listed(reader: &mut Reader) -> Vec<Folder> {
    reader.send(SourceCommand::ListFolders).await;
    reader
        .wait_for("Folders", |e| match e {
            SourceEvent::Folders(f) => Some(f),
            _ => None,
        })
        .await
}

async fn folders_form_the_same_tree(kind: ServerKind) {
    let server = Server::start(kind).await;
    let name = server.name();
    for path in ["Archive", "Archive/2024", "zeta", "apple"] {
        server.create_folder("alice", &server.folder(path)).await;
    }
    if let Some(cyrus) = server.cyrus() {
        let projects = cyrus.folder("Projects");
        let mut bob = cyrus.client("bob").await;
        bob.ok(&format!("CREATE \"{projects}\"")).await;
        bob.ok(&format!("SETACL \"{projects}\" alice lrs")).await;
        bob.logout().await;
        cyrus
            .read_only_shared_folder("Announcements", &[&message("Welcome", "to the list")])
            .await;
    }
    let mut reader = Reader::start(server.settings("alice"));
    reader.online().await;
    let list = listed(&mut reader).await;
    let tree = outline(&list);
    assert_eq!(tree.first().map(String::as_str), Some("INBOX"), "{name}");
    let archive = tree.iter().position(|l| l == "Archive").expect("Archive");
    assert_eq!(tree[archive + 1], "  2024", "{name}: {tree:?}");
    let apple = tree.iter().position(|l| l == "apple").expect("apple");
    let zeta = tree.iter().position(|l| l == "zeta").expect("zeta");
    assert!(apple < archive && archive < zeta, "{name}: {tree:?}");
    if server.cyrus().is_some() {
        let trash = list.iter().find(|f| f.label == "Trash").expect("Trash");
        assert_eq!(trash.special, Some(SpecialUse::Trash), "{name}: \\trash");
        assert!(
            tree.contains(&"Other users".to_string()),
            "{name}: {tree:?}"
        );
        assert!(tree.contains(&"Shared".to_string()), "{name}: {tree:?}");
        let projects = list
            .iter()
            .find(|f| f.label == "Projects")
            .expect("Projects");
        assert_eq!(projects.section, Section::OtherUsers, "{name}");
        let news = list
            .iter()
            .find(|f| f.label == "Announcements")
            .expect("Announcements");
        assert_eq!(news.section, Section::Shared, "{name}");
    }
    reader.shutdown().await;
}

async fn read_only_and_seen_only_folders(kind: ServerKind) {
    let server = Server::start(kind).await;
    let name = server.name();
    let Some(cyrus) = server.cyrus() else {
        // Dovecot's are in tests/reader/folders.rs (ACL files in a public namespace).
        return;
    };
    let read_only = cyrus
        .read_only_shared_folder("News", &[&message("Read me", "only")])
        .await;
    let seen_only = cyrus
        .seen_only_shared_folder("Board", &[&message("Pinned", "note")])
        .await;
    let mut reader = Reader::start(server.settings("alice"));
    reader.online().await;
    for (i, (folder, want_read_only, want_permanent)) in [
        (read_only, true, None),
        (seen_only, false, Some(Flags::SEEN)),
    ]
    .into_iter()
    .enumerate()
    {
        let req = 1 + i as u64;
        reader
            .send(SourceCommand::OpenFolder {
                req,
                folder: folder.clone(),
                window: 50,
            })
            .await;
        let access = reader
            .wait_for("FolderOpened", |e| match e {
                SourceEvent::FolderOpened { req: r, access, .. } if r == req => Some(access),
                SourceEvent::FolderGone { reason, .. } => panic!("{name}: {folder}: {reason}"),
                _ => None,
            })
            .await;
        assert_eq!(access.read_only, want_read_only, "{name}: {folder}");
        if let Some(p) = want_permanent {
            assert_eq!(access.permanent, p, "{name}: {folder}");
        }
        let uid = reader
            .wait_for("Rows", |e| match e {
                SourceEvent::Rows { req: r, rows, .. } if r == req => rows.first().map(|r| r.uid),
                _ => None,
            })
            .await;
        reader
            .send(SourceCommand::SetFlag {
                folder: folder.clone(),
                uid,
                flag: Flags::FLAGGED,
                on: true,
            })
            .await;
        let reason = reader
            .wait_for("FlagRefused", |e| match e {
                SourceEvent::FlagRefused { reason, .. } => Some(reason),
                SourceEvent::FlagsChanged { flags, .. } => panic!("{name}: accepted {flags:?}"),
                _ => None,
            })
            .await;
        assert!(!reason.is_empty(), "{name}: {folder}");
    }
    reader.shutdown().await;
}

async fn the_open_folder_deleted_elsewhere(kind: ServerKind) {
    let server = Server::start(kind).await;
    let name = server.name();
    let doomed = server.folder("Doomed");
    server.create_folder("alice", &doomed).await;
    let mut settings = server.settings("alice");
    settings.folder_check_every = std::time::Duration::from_secs(2);
    let mut reader = Reader::start(settings);
    reader.online().await;
    reader.open_all(&doomed, 1, 50).await;
    server.delete_folder("alice", &doomed).await;
    let started = std::time::Instant::now();
    let (folder, reason) = reader
        .wait_for("FolderGone", |e| match e {
            SourceEvent::FolderGone { folder, reason } => Some((folder, reason)),
            _ => None,
        })
        .await;
    assert_eq!(folder, doomed, "{name}");
    assert!(!reason.is_empty(), "{name}");
    // Dovecot drops the connection; Cyrus says nothing and the periodic check finds it.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "{name}: found gone after {:?}",
        started.elapsed()
    );
    reader.shutdown().await;
}
