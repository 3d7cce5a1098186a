//! The folder tree and what a folder allows, against a real Dovecot: namespaces (a public
//! namespace beside the personal one), special-use folders, folders created and deleted by
//! another client while the reader runs (re-LIST on a key and on reconnect; the open folder
//! deleted), a read-only folder and one that keeps only \Seen (ACLs). A scripted server in
//! the shapes of a Debian-style Cyrus (namespaces `INBOX.` and `user.`, `\sent` in lower
//! case) lists a tree, refuses a STORE with NO and answers one with flags that lack the
//! change, which no real server does on demand, and sends more than the NAMESPACE reply.

use std::path::Path;
use std::time::Duration;

use sealmail::mail::{Flags, Folder, Section, SourceCommand, SourceEvent, SpecialUse, folder_tree};

use crate::common::{Reader, settings};
use crate::scripted::{self, Line, Reply};
use crate::support::{Dovecot, DovecotOptions, password};
use tokio::net::TcpStream;

/// Personal folders with `.` as the delimiter and two special-use folders; a public
/// namespace `Public.` whose folders carry their own ACL files (`dovecot-acl`).
fn namespaced(public: &Path) -> DovecotOptions {
    DovecotOptions::default().extra_config(&format!(
        "namespace inbox {{\n  inbox = yes\n  separator = .\n  prefix =\n\
         \x20 mailbox Sent {{\n    special_use = \\Sent\n  }}\n\
         \x20 mailbox Trash {{\n    special_use = \\Trash\n  }}\n}}\n\
         namespace public {{\n  type = public\n  separator = .\n  prefix = Public.\n\
         \x20 location = maildir:{}:INDEX=~/public-index\n  subscriptions = no\n  list = yes\n}}\n\
         mail_plugins = $mail_plugins acl\nplugin {{\n  acl = vfile\n}}\n",
        public.display()
    ))
}

/// A public folder `name` holding one message, with `rights` for anyone (RFC 4314 letters).
fn public_folder(public: &Path, name: &str, rights: &str) {
    let dir = public.join(format!(".{name}"));
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(dir.join(sub)).expect("public folder");
    }
    std::fs::write(
        dir.join("cur/1000.1.test:2,"),
        crate::common::message(&format!("about {name}"), "news"),
    )
    .expect("message");
    std::fs::write(dir.join("dovecot-acl"), format!("anyone {rights}\n")).expect("acl");
    chown(public);
}

fn chown(path: &Path) {
    let status = std::process::Command::new("chown")
        .args(["-R", "65534:65534"])
        .arg(path)
        .status()
        .expect("chown");
    assert!(status.success());
}

async fn alice(dovecot: &Dovecot) -> Reader {
    let mut reader = Reader::start(settings(
        &dovecot.imaps_url(),
        "alice",
        password("alice"),
        Some(dovecot.ca_pem()),
    ));
    reader.online().await;
    reader
}

async fn folders(reader: &mut Reader) -> Vec<Folder> {
    reader.send(SourceCommand::ListFolders).await;
    next_folders(reader).await
}

async fn next_folders(reader: &mut Reader) -> Vec<Folder> {
    reader
        .wait_for("Folders", |e| match e {
            SourceEvent::Folders(f) => Some(f),
            _ => None,
        })
        .await
}

/// The tree as the pane shows it (headings and unlisted parents added to what the source
/// reported): one line per entry, two spaces per level.
fn outline(folders: &[Folder]) -> Vec<String> {
    folder_tree::arrange(folders.to_vec())
        .iter()
        .map(|f| format!("{}{}", "  ".repeat(f.depth), f.label))
        .collect()
}

/// A second client, as another mail program of the same user would be.
async fn other_client(dovecot: &Dovecot) -> async_imap::Session<TcpStream> {
    let tcp = TcpStream::connect(("127.0.0.1", dovecot.imap_port()))
        .await
        .expect("connect");
    let mut client = async_imap::Client::new(tcp);
    client.read_response().await.expect("greeting");
    client
        .login("alice", password("alice"))
        .await
        .map_err(|(e, _)| e)
        .expect("login")
}

#[tokio::test]
async fn folders_form_a_tree_with_namespaces_and_special_use_first() {
    let public_dir = tempfile::tempdir().expect("temp dir");
    let public = public_dir.path().join("public");
    public_folder(&public, "Announcements-physics-department-2024", "lr");
    public_folder(&public, "Announcements-physics-department-2025", "lr");
    let dovecot = Dovecot::start(namespaced(&public)).await;
    for folder in [
        "Trash",
        "Sent",
        "zeta",
        "Archive.2024",
        "Archive.2023",
        "Ärger",
        "apple",
    ] {
        dovecot.create_folder("alice", &modified_utf7(folder));
    }
    let mut reader = alice(&dovecot).await;
    let list = folders(&mut reader).await;
    assert_eq!(
        outline(&list),
        [
            "INBOX",
            "Sent",
            "Trash",
            "apple",
            "Archive",
            "  2023",
            "  2024",
            "Ärger",
            "zeta",
            "Shared",
            "Announcements-physics-department-2024",
            "Announcements-physics-department-2025",
        ],
        "{list:#?}"
    );
    let find = |label: &str| list.iter().find(|f| f.label == label).expect(label);
    assert_eq!(find("Sent").special, Some(SpecialUse::Sent));
    assert_eq!(
        find("Ärger").name,
        "&AMQ-rger",
        "commands use the server's spelling"
    );
    // Dovecot lists the parent of Archive.2024 (the Maildir++ directory is implied).
    assert_eq!(find("2024").name, "Archive.2024");
    let announcements = find("Announcements-physics-department-2025");
    assert_eq!(announcements.section, Section::Shared);
    assert_eq!(
        announcements.name,
        "Public.Announcements-physics-department-2025"
    );
    // The source reports folders only: the headings are the pane's.
    assert!(list.iter().all(|f| !f.name.is_empty() && !f.is_heading()));
    reader.shutdown().await;
}

/// Modified UTF-7 for the few names the tests use.
fn modified_utf7(name: &str) -> String {
    name.replace('Ä', "&AMQ-")
}

#[tokio::test]
async fn a_read_only_folder_says_so_and_refuses_flag_changes_without_asking() {
    let public_dir = tempfile::tempdir().expect("temp dir");
    let public = public_dir.path().join("public");
    public_folder(&public, "News", "lr");
    public_folder(&public, "Board", "lrs");
    let dovecot = Dovecot::start(namespaced(&public)).await;
    let mut reader = alice(&dovecot).await;

    // Read-only: [READ-ONLY] at SELECT.
    let (access, uid) = open_one(&mut reader, "Public.News", 1).await;
    assert!(access.read_only, "{access:?}");
    reader
        .send(SourceCommand::SetFlag {
            folder: "Public.News".into(),
            uid,
            flag: Flags::FLAGGED,
            on: true,
        })
        .await;
    let (flag, on, reason) = refused(&mut reader).await;
    assert_eq!((flag, on), (Flags::FLAGGED, true));
    assert!(reason.contains("read-only"), "{reason}");
    // Opening a message there does not try to set \Seen (it would be refused every time).
    reader
        .send(SourceCommand::FetchMessage {
            req: 2,
            folder: "Public.News".into(),
            uid,
            mark_seen: true,
        })
        .await;
    reader
        .wait_for("Message", |e| match e {
            SourceEvent::Message { req: 2, result } => Some(result.expect("opens")),
            SourceEvent::FlagRefused { reason, .. } => panic!("\\Seen was tried: {reason}"),
            _ => None,
        })
        .await;
    assert!(
        quiet_for(&mut reader, Duration::from_millis(500)).await,
        "no flag change follows the message"
    );

    // Only \Seen is kept: PERMANENTFLAGS (\Seen), not read-only.
    let (access, uid) = open_one(&mut reader, "Public.Board", 3).await;
    assert!(!access.read_only, "{access:?}");
    assert_eq!(access.permanent, Flags::SEEN);
    reader
        .send(SourceCommand::SetFlag {
            folder: "Public.Board".into(),
            uid,
            flag: Flags::SEEN,
            on: true,
        })
        .await;
    let flags = reader
        .wait_for("FlagsChanged", |e| match e {
            SourceEvent::FlagsChanged { flags, .. } => Some(flags),
            SourceEvent::FlagRefused { reason, .. } => panic!("\\Seen refused: {reason}"),
            _ => None,
        })
        .await;
    assert!(flags.contains(Flags::SEEN));
    reader
        .send(SourceCommand::SetFlag {
            folder: "Public.Board".into(),
            uid,
            flag: Flags::FLAGGED,
            on: true,
        })
        .await;
    let (flag, _, reason) = refused(&mut reader).await;
    assert_eq!(flag, Flags::FLAGGED);
    assert!(reason.contains("\\Flagged"), "{reason}");
    reader.shutdown().await;
}

/// Opens a one-message folder; its access and the message's UID.
async fn open_one(
    reader: &mut Reader,
    folder: &str,
    req: u64,
) -> (sealmail::mail::FolderAccess, u32) {
    reader
        .send(SourceCommand::OpenFolder {
            req,
            folder: folder.into(),
            window: 50,
        })
        .await;
    let access = reader
        .wait_for("FolderOpened", |e| match e {
            SourceEvent::FolderOpened { req: r, access, .. } if r == req => Some(access),
            SourceEvent::FolderGone { reason, .. } => panic!("{folder} gone: {reason}"),
            _ => None,
        })
        .await;
    let uid = reader
        .wait_for("Rows", |e| match e {
            SourceEvent::Rows { req: r, rows, .. } if r == req => rows.first().map(|r| r.uid),
            _ => None,
        })
        .await;
    (access, uid)
}

async fn refused(reader: &mut Reader) -> (Flags, bool, String) {
    reader
        .wait_for("FlagRefused", |e| match e {
            SourceEvent::FlagRefused {
                flag, on, reason, ..
            } => Some((flag, on, reason)),
            SourceEvent::FlagsChanged { flags, .. } => panic!("accepted: {flags:?}"),
            _ => None,
        })
        .await
}

/// No event but folder loading and notices of it for `time`.
async fn quiet_for(reader: &mut Reader, time: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + time;
    loop {
        match tokio::time::timeout_at(deadline, reader.events.recv()).await {
            Err(_) => return true,
            Ok(Some(SourceEvent::FlagRefused { .. } | SourceEvent::FlagsChanged { .. })) => {
                return false;
            }
            Ok(Some(_)) => {}
            Ok(None) => return false,
        }
    }
}

#[tokio::test]
async fn folders_made_and_removed_elsewhere_appear_and_go() {
    let mut dovecot = Dovecot::start(DovecotOptions::default()).await;
    dovecot.create_folder("alice", "Doomed");
    let mut reader = alice(&dovecot).await;
    let mut other = other_client(&dovecot).await;
    other.create("Projects").await.expect("CREATE");
    let list = folders(&mut reader).await;
    assert!(list.iter().any(|f| f.name == "Projects"), "{list:?}");

    // The open folder is deleted by the other client. Dovecot drops the connection of a
    // client that has it selected; the SELECT after the reconnect is refused, the reader is
    // told the folder is gone, and the list is read again without it.
    reader.open_all("Doomed", 1, 50).await;
    other.delete("Doomed").await.expect("DELETE");
    let (folder, reason) = reader
        .wait_for("FolderGone", |e| match e {
            SourceEvent::FolderGone { folder, reason } => Some((folder, reason)),
            _ => None,
        })
        .await;
    assert_eq!(folder, "Doomed");
    assert!(!reason.is_empty());
    let list = next_folders(&mut reader).await;
    assert!(!list.iter().any(|f| f.name == "Doomed"), "{list:?}");
    let _ = other.logout().await;

    // Made while the connection is down: after the reconnect the list is read again
    // without being asked.
    let (chunks, _) = reader.open_all("INBOX", 2, 50).await;
    drop(chunks);
    dovecot.stop().await;
    dovecot.create_folder("alice", "Made.Offline");
    dovecot.start_again().await;
    let list = next_folders(&mut reader).await;
    assert!(
        list.iter()
            .any(|f| f.name == "Made.Offline" && f.depth == 1 && f.label == "Offline"),
        "{:?}",
        outline(&list)
    );
    reader.shutdown().await;
}

/// NAMESPACE as Cyrus answers it in its Debian-style configuration.
const CYRUS_NAMESPACE: &str =
    "* NAMESPACE ((\"INBOX.\" \".\")) ((\"user.\" \".\")) ((\"\" \".\"))\r\nTAG OK Completed\r\n";

/// A scripted server in the shapes of a Debian-style Cyrus: personal folders below `INBOX.`,
/// other users' below `user.`, shared ones at the top, special-use attributes in lower case.
/// Its SELECT allows every flag, but its STORE refuses \Flagged with NO and answers a \Seen
/// change with flags that do not have it. NAMESPACE is answered with `namespace` (`TAG`
/// stands for the command's tag).
fn scripted_answer(line: &Line, namespace: &str) -> Reply {
    let tag = &line.tag;
    let row = "* 1 FETCH (UID 1 FLAGS () INTERNALDATE \"24-Nov-2026 08:00:00 +0000\" \
RFC822.SIZE 120 ENVELOPE (\"Tue, 24 Nov 2026 08:00:00 +0000\" \"shared notice\" \
((\"Carol\" NIL \"carol\" \"example.test\")) NIL NIL NIL NIL NIL NIL \"<a@example.test>\") \
BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 10 1 NIL NIL NIL NIL))\r\n";
    Reply::Send(match (line.command.as_str(), line.sub.as_str()) {
        ("NAMESPACE", _) => namespace.replace("TAG", tag),
        ("LIST", _) => format!(
            "* LIST (\\HasChildren) \".\" INBOX\r\n\
             * LIST (\\HasNoChildren \\sent) \".\" INBOX.Sent\r\n\
             * LIST (\\HasNoChildren) \".\" INBOX.Archive.2024\r\n\
             * LIST (\\Noselect \\HasChildren) \".\" user.bob\r\n\
             * LIST (\\HasNoChildren) \".\" user.bob.Projects\r\n\
             * LIST (\\HasNoChildren) \".\" Announcements\r\n{tag} OK Completed\r\n"
        ),
        ("SELECT", _) => format!(
            "* 1 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 2] ok\r\n\
             * FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)\r\n{tag} OK [READ-WRITE] done\r\n"
        ),
        ("FETCH", _) => format!("{row}{tag} OK done\r\n"),
        ("UID", "SEARCH") => format!("* SEARCH 1\r\n{tag} OK done\r\n"),
        ("UID", "STORE") if line.text.contains("\\Flagged") => {
            format!("{tag} NO [NOPERM] Permission denied\r\n")
        }
        ("UID", "STORE") => format!("* 1 FETCH (UID 1 FLAGS ())\r\n{tag} OK done\r\n"),
        ("EXAMINE", _) => format!("{tag} OK done\r\n"),
        _ => return scripted::ordinary(line, ""),
    })
}

/// A reader for a scripted server answering NAMESPACE with `namespace`.
async fn scripted_reader(namespace: &'static str) -> Reader {
    scripted_reader_with(namespace, |_| {}).await
}

async fn scripted_reader_with(
    namespace: &'static str,
    adjust: impl FnOnce(&mut sealmail::imap::ImapSettings),
) -> Reader {
    let (port, _) = scripted::listen("* OK scripted server ready\r\n", move || {
        move |line: &Line| scripted_answer(line, namespace)
    })
    .await;
    let mut settings = settings(
        &format!("imap+plain://127.0.0.1:{port}"),
        "alice",
        "a-password",
        None,
    );
    adjust(&mut settings);
    Reader::start(settings)
}

#[tokio::test]
async fn cyrus_style_namespaces_and_lower_case_special_use_form_the_same_tree() {
    let mut reader = scripted_reader(CYRUS_NAMESPACE).await;
    let list = folders(&mut reader).await;
    assert_eq!(
        outline(&list),
        [
            "INBOX",
            "Sent",
            "Archive",
            "  2024",
            "Other users",
            "bob",
            "  Projects",
            "Shared",
            "Announcements",
        ]
    );
    let tree = folder_tree::arrange(list.clone());
    assert_eq!(tree[1].special, Some(SpecialUse::Sent));
    assert_eq!(tree[1].name, "INBOX.Sent");
    assert!(
        !tree[2].selectable,
        "Archive is not listed: a line, not a folder"
    );
    assert!(!tree[5].selectable, "\\Noselect");
    assert_eq!(tree[6].name, "user.bob.Projects");
    // What the source reports is exactly what LIST holds.
    let names: Vec<&str> = list.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "INBOX",
            "INBOX.Sent",
            "INBOX.Archive.2024",
            "user.bob",
            "user.bob.Projects",
            "Announcements"
        ]
    );
    reader.shutdown().await;
}

#[tokio::test]
async fn a_namespace_reply_with_more_after_it_costs_one_reconnect() {
    // Whatever follows the tagged reply in the raw exchange would be lost to the session:
    // the connection is dropped once, NAMESPACE is not asked again, and all else works.
    let mut reader =
        scripted_reader("* NAMESPACE ((\"\" \".\")) NIL NIL\r\nTAG OK done\r\n* 3 EXISTS\r\n")
            .await;
    let reason = reader
        .wait_for("Reconnecting", |e| match e {
            SourceEvent::Connection(sealmail::mail::ConnectionState::Reconnecting {
                reason,
                ..
            }) => Some(reason),
            _ => None,
        })
        .await;
    assert!(reason.contains("NAMESPACE"), "{reason}");
    let (_, total) = reader.open_all("INBOX", 1, 50).await;
    assert_eq!(total, 1);
    reader.shutdown().await;
}

#[tokio::test]
async fn a_refused_store_is_reported_with_the_servers_reason() {
    let mut reader = scripted_reader("TAG BAD unknown command\r\n").await;
    let (_, total) = reader.open_all("INBOX", 1, 50).await;
    assert_eq!(total, 1);
    reader
        .send(SourceCommand::SetFlag {
            folder: "INBOX".into(),
            uid: 1,
            flag: Flags::FLAGGED,
            on: true,
        })
        .await;
    let (flag, on, reason) = refused(&mut reader).await;
    assert_eq!((flag, on), (Flags::FLAGGED, true));
    assert!(reason.contains("Permission denied"), "{reason}");

    reader
        .send(SourceCommand::SetFlag {
            folder: "INBOX".into(),
            uid: 1,
            flag: Flags::SEEN,
            on: true,
        })
        .await;
    let now = reader
        .wait_for("FlagRefused", |e| match e {
            SourceEvent::FlagRefused { flag, now, .. } => {
                assert_eq!(flag, Flags::SEEN);
                Some(now)
            }
            SourceEvent::FlagsChanged { flags, .. } => panic!("taken as accepted: {flags:?}"),
            _ => None,
        })
        .await;
    assert_eq!(now, Some(Flags::default()), "the server's flags are kept");
    reader.shutdown().await;
}

#[tokio::test]
async fn an_open_folder_missing_from_the_list_is_reported_gone() {
    // Cyrus keeps a client whose selected folder was deleted elsewhere in the dark: NOOP and
    // IDLE stay quiet, only commands on the folder fail. Reading the list (on a key, after
    // a reconnect, after such a failure) is how the reader finds out.
    let mut reader = scripted_reader(CYRUS_NAMESPACE).await;
    let (_, total) = reader.open_all("INBOX.Deleted", 1, 50).await;
    assert_eq!(total, 1);
    reader.send(SourceCommand::ListFolders).await;
    let (folder, reason) = reader
        .wait_for("FolderGone", |e| match e {
            SourceEvent::FolderGone { folder, reason } => Some((folder, reason)),
            SourceEvent::Folders(list) => panic!("listed before the folder was reported: {list:?}"),
            _ => None,
        })
        .await;
    assert_eq!(folder, "INBOX.Deleted");
    assert!(reason.contains("no longer"), "{reason}");
    let list = next_folders(&mut reader).await;
    assert!(list.iter().all(|f| f.name != "INBOX.Deleted"));
    reader.shutdown().await;
}

#[tokio::test]
async fn an_open_folder_deleted_without_a_word_is_found_gone_while_idle() {
    // No command from the user: the reader looks for its folder now and then by itself
    // (every second here, every two minutes by default), so it does not say "polling" or
    // "IDLE" over a folder that is gone.
    let mut reader = scripted_reader_with(CYRUS_NAMESPACE, |s| {
        s.folder_check_every = Duration::from_secs(1);
    })
    .await;
    let (_, total) = reader.open_all("INBOX.Deleted", 1, 50).await;
    assert_eq!(total, 1);
    let started = std::time::Instant::now();
    let folder = reader
        .wait_for("FolderGone", |e| match e {
            SourceEvent::FolderGone { folder, .. } => Some(folder),
            _ => None,
        })
        .await;
    assert_eq!(folder, "INBOX.Deleted");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    reader.shutdown().await;
}
