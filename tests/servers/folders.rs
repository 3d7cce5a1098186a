//! The folder list on every server: the reader lists exactly what the server's LIST holds, in
//! the server's own spelling and separator, INBOX first, names decoded; on Cyrus also other
//! users' and shared namespaces, and special-use flags in lower case (`\trash`).

use std::collections::BTreeSet;

use sealmail::mail::{SourceCommand, SourceEvent};

use crate::common::{Reader, message};
use crate::server_common::list_entries;
use crate::support::{Server, ServerKind};

on_every_server!(
    listing_matches_the_servers_namespaces,
    folders_made_and_removed_by_another_client,
);

async fn listing_matches_the_servers_namespaces(kind: ServerKind) {
    let server = Server::start(kind).await;
    let name = server.name();
    let archive = server.folder("Archive");
    let nested = server.folder("Archive/2024");
    // "Entwürfe" in modified UTF-7
    let drafts = server.folder("Entw&APw-rfe");
    for folder in [&archive, &nested, &drafts] {
        server.create_folder("alice", folder).await;
    }
    server
        .append("alice", &nested, &message("Old news", "from 2024"))
        .await;

    // Cyrus: bob shares a folder with alice, and the admin makes a read-only shared folder.
    let mut expected_others = Vec::new();
    if let Some(cyrus) = server.cyrus() {
        let projects = cyrus.folder("Projects");
        let mut bob = cyrus.client("bob").await;
        bob.ok(&format!("CREATE \"{projects}\"")).await;
        bob.ok(&format!("SETACL \"{projects}\" alice lrs")).await;
        bob.logout().await;
        let shared = cyrus
            .read_only_shared_folder("Announcements", &[&message("Welcome", "to the list")])
            .await;
        let bobs = match cyrus.style() {
            crate::support::CyrusStyle::Debian => "user.bob.Projects".to_owned(),
            crate::support::CyrusStyle::Upstream => "Other Users/bob/Projects".to_owned(),
        };
        expected_others.push((bobs, 0));
        expected_others.push((shared, 1));
    }

    // What the server itself lists for alice.
    let mut alice = server.client("alice").await;
    let listed = alice.ok("LIST \"\" \"*\"").await;
    alice.logout().await;
    let entries = list_entries(&listed.untagged);
    let server_names: BTreeSet<String> = entries.iter().map(|(_, n)| n.clone()).collect();
    for folder in [&archive, &nested, &drafts] {
        assert!(
            server_names.contains(folder),
            "{name}: LIST has {folder}: {listed:?}"
        );
    }
    for (other, _) in &expected_others {
        assert!(
            server_names.contains(other),
            "{name}: LIST has {other}: {listed:?}"
        );
    }
    let sep = server.separator();
    assert!(
        listed
            .untagged
            .iter()
            .filter(|l| l.starts_with("* LIST"))
            .all(|l| l.contains(&format!(" \"{sep}\" "))),
        "{name}: every LIST line names the separator {sep:?}: {listed:?}"
    );
    if server.cyrus().is_some() {
        // Cyrus reports special use in lower case, in every LIST (specialusealways)
        let trash = server.folder("Trash");
        let (attributes, _) = entries
            .iter()
            .find(|(_, n)| *n == trash)
            .unwrap_or_else(|| panic!("{name}: LIST has {trash}: {listed:?}"));
        assert!(
            attributes.contains("\\trash"),
            "{name}: {trash} is \\trash: {attributes}"
        );
    }

    // The reader lists exactly those, INBOX first, in the server's spelling.
    let mut reader = Reader::start(server.settings("alice"));
    reader.online().await;
    reader.send(SourceCommand::ListFolders).await;
    let folders = reader
        .wait_for("Folders", |e| match e {
            SourceEvent::Folders(f) => Some(f),
            _ => None,
        })
        .await;
    assert_eq!(folders[0].name, "INBOX", "{name}: INBOX first");
    let reader_names: BTreeSet<String> = folders.iter().map(|f| f.name.clone()).collect();
    assert_eq!(
        reader_names, server_names,
        "{name}: the reader lists what LIST says"
    );
    let decoded = folders
        .iter()
        .find(|f| f.name == drafts)
        .unwrap_or_else(|| panic!("{name}: {drafts} listed"));
    assert!(
        decoded.display.ends_with("Entwürfe"),
        "{name}: decoded {:?}",
        decoded.display
    );

    // Folders of every namespace open and load.
    let (_, total) = reader.open_all(&nested, 1, 50).await;
    assert_eq!(total, 1, "{name}: {nested}");
    for (i, (other, count)) in expected_others.iter().enumerate() {
        let (chunks, total) = reader.open_all(other, 2 + i as u64, 50).await;
        assert_eq!(total, *count, "{name}: {other}");
        assert_eq!(
            chunks.iter().flatten().count(),
            *count as usize,
            "{name}: {other}"
        );
    }
    reader.shutdown().await;
}

/// Another client creates and deletes folders: the next LIST the reader makes says so, and
/// opening a folder that is gone reports it gone (the reader says so and shows INBOX), not a
/// dropped connection.
async fn folders_made_and_removed_by_another_client(kind: ServerKind) {
    let server = Server::start(kind).await;
    let name = server.name();
    let old = server.folder("Old");
    server.create_folder("alice", &old).await;
    let mut reader = Reader::start(server.settings("alice"));
    reader.online().await;
    reader.send(SourceCommand::ListFolders).await;
    let before = folder_names(&mut reader).await;
    assert!(before.contains(&old), "{name}: {before:?}");

    let new = server.folder("Projects/2026");
    server
        .create_folder("alice", &server.folder("Projects"))
        .await;
    server.create_folder("alice", &new).await;
    server.delete_folder("alice", &old).await;
    reader.send(SourceCommand::ListFolders).await;
    let after = folder_names(&mut reader).await;
    assert!(after.contains(&new), "{name}: {after:?}");
    assert!(!after.contains(&old), "{name}: {after:?}");

    reader
        .send(SourceCommand::OpenFolder {
            req: 3,
            folder: old.clone(),
            window: 50,
        })
        .await;
    let notice = reader
        .wait_for("the folder reported gone", |e| match e {
            SourceEvent::FolderGone { folder, reason } if folder == old => Some(reason),
            SourceEvent::Connection(state) => panic!("{name}: the connection changed: {state:?}"),
            _ => None,
        })
        .await;
    assert!(!notice.is_empty(), "{name}");
    let (_, total) = reader.open_all(&new, 4, 50).await;
    assert_eq!(total, 0, "{name}: the new folder opens");
    reader.shutdown().await;
}

/// The names of the next `Folders` event.
async fn folder_names(reader: &mut Reader) -> BTreeSet<String> {
    reader
        .wait_for("Folders", |e| match e {
            SourceEvent::Folders(f) => Some(f),
            _ => None,
        })
        .await
        .into_iter()
        .map(|f| f.name)
        .collect()
}
