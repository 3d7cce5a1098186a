//! The folder tree (namespaces, special-use folders first, long shared names in the narrow
//! pane), a flag change the server refused, and a read-only folder, at 80x24.

use insta::assert_snapshot;
use sealmail::app::msg::Msg;
use sealmail::mail::{
    Flags, Folder, FolderAccess, FolderCount, Section, SourceEvent, SpecialUse, folder_tree,
};

use crate::fixtures::*;

fn folder(section: Section, name: &str, path: &[&str], special: Option<SpecialUse>) -> Folder {
    Folder {
        name: name.into(),
        display: sealmail::sanitize::Clean::join(path, "/"),
        selectable: true,
        section,
        path: path
            .iter()
            .map(|p| sealmail::sanitize::Clean::line(p))
            .collect(),
        special,
        ..Folder::default()
    }
}

/// What a Cyrus-style server with other users' and shared folders lists, in its own order.
fn tree() -> Vec<Folder> {
    let p = Section::Personal;
    folder_tree::arrange(vec![
        folder(p, "INBOX.Archive.2024", &["Archive", "2024"], None),
        folder(p, "INBOX.Trash", &["Trash"], Some(SpecialUse::Trash)),
        folder(p, "INBOX.Lists", &["Lists"], None),
        folder(p, "INBOX.Lists.rust-users", &["Lists", "rust-users"], None),
        folder(p, "INBOX.Archive", &["Archive"], Some(SpecialUse::Archive)),
        folder(p, "INBOX.Sent", &["Sent"], Some(SpecialUse::Sent)),
        folder(p, "INBOX.Drafts", &["Drafts"], Some(SpecialUse::Drafts)),
        folder(p, "INBOX.&AMQ-rger", &["Ärger"], None),
        folder(p, "INBOX", &["INBOX"], Some(SpecialUse::Inbox)),
        folder(
            Section::OtherUsers,
            "user.bob.Projects",
            &["bob", "Projects"],
            None,
        ),
        folder(
            Section::Shared,
            "Announcements.physics-department-2024",
            &["Announcements", "physics-department-2024"],
            None,
        ),
        folder(
            Section::Shared,
            "Announcements.physics-department-2025",
            &["Announcements", "physics-department-2025"],
            None,
        ),
    ])
}

#[test]
fn folder_tree_in_the_narrow_pane() {
    let mut h = loaded(80, 24, 60, 60);
    h.apply(Msg::Source(SourceEvent::Folders(tree())));
    h.press("tab");
    let screen = h.screen_text();
    // The two shared folders differ only at the end of their names: both ends are shown.
    assert!(screen.contains("physics-d…ment-2024"), "{screen}");
    assert!(screen.contains("physics-d…ment-2025"), "{screen}");
    assert_snapshot!(screen);
    // `bob` is not listed itself: it cannot be opened, and says why.
    for _ in 0..10 {
        h.press("j");
    }
    assert_eq!(h.state.folders.list[h.state.folders.cursor].label, "bob");
    let commands = h.press("enter").unwrap_or_default();
    assert!(commands.is_empty(), "{commands:?}");
    let notice = h.state.notice.clone().expect("a notice").text;
    assert_eq!(notice, "bob only holds other folders");
}

#[test]
fn a_refused_flag_change_is_undone_with_the_servers_reason() {
    let mut h = loaded(80, 24, 60, 60);
    let uid = h.state.folder.rows.selected().expect("a row").uid;
    let before = h.state.folder.rows.row_by_uid(uid).expect("row").flags;
    h.press("f");
    let flagged = h.state.folder.rows.row_by_uid(uid).expect("row").flags;
    assert_ne!(before, flagged, "the change shows at once");
    h.apply(Msg::Source(SourceEvent::FlagRefused {
        folder: "INBOX".into(),
        uid,
        flag: Flags::FLAGGED,
        on: !before.contains(Flags::FLAGGED),
        now: None,
        reason: "set flag: the server said NO: Permission denied".into(),
    }));
    assert_eq!(
        h.state.folder.rows.row_by_uid(uid).expect("row").flags,
        before
    );
    let screen = h.screen_text();
    assert!(screen.contains("not flagged: "), "{screen}");
    assert_snapshot!(screen);
}

#[test]
fn a_read_only_folder_says_so_and_offers_no_flag_changes() {
    let mut h = reader(80, 24);
    online(&mut h);
    h.apply(Msg::Source(SourceEvent::Folders(tree())));
    let req = h.state.folder.req;
    h.apply(Msg::Source(SourceEvent::FolderOpened {
        req,
        folder: "INBOX".into(),
        total: 30,
        access: FolderAccess {
            read_only: true,
            permanent: Flags::default(),
        },
    }));
    h.apply(Msg::Source(SourceEvent::Rows {
        req,
        rows: rows(30),
        loaded: 30,
        total: 30,
    }));
    h.apply(Msg::Source(SourceEvent::FolderLoaded { req, total: 30 }));
    let commands = h.press("f").unwrap_or_default();
    assert!(commands.is_empty(), "nothing is sent: {commands:?}");
    let screen = h.screen_text();
    assert!(screen.contains("read-only │ IDLE"), "{screen}");
    assert!(screen.contains("read-only: no flag changes"), "{screen}");
    assert_snapshot!(screen);
}

#[test]
fn a_folder_keeping_only_seen_says_which_flags_it_keeps() {
    let mut h = loaded(80, 24, 60, 60);
    h.state.folder.access = FolderAccess {
        read_only: false,
        permanent: Flags::SEEN,
    };
    let commands = h.press("f").unwrap_or_default();
    assert!(commands.is_empty(), "nothing is sent: {commands:?}");
    let notice = h.state.notice.clone().expect("a notice").text;
    assert_eq!(notice, "\\Flagged is not kept here (only \\Seen)");
    // \Seen is still offered.
    let commands = h.press("u").unwrap_or_default();
    assert_eq!(commands.len(), 1, "{commands:?}");
}

#[test]
fn folder_counts_show_unread_of_all_beside_each_name() {
    let mut h = loaded(100, 24, 60, 60);
    h.apply(Msg::Source(SourceEvent::FolderCounts(vec![
        (
            "Archive".into(),
            FolderCount {
                total: 1200,
                unseen: 0,
            },
        ),
        (
            "Sent".into(),
            FolderCount {
                total: 40,
                unseen: 0,
            },
        ),
        (
            "Trash".into(),
            FolderCount {
                total: 5,
                unseen: 2,
            },
        ),
        (
            "Lists/rust-users".into(),
            FolderCount {
                total: 300,
                unseen: 17,
            },
        ),
    ])));
    h.press("tab");
    let screen = h.screen_text();
    // The open folder's count is its list's: 60 messages, the unread ones among them.
    let unread = h
        .state
        .folder
        .rows
        .all()
        .iter()
        .filter(|r| !r.flags.contains(Flags::SEEN))
        .count();
    assert!(screen.contains(&format!("{unread}/60")), "{screen}");
    assert!(
        screen.contains("17/300") && screen.contains("1200"),
        "{screen}"
    );
    assert_snapshot!(screen);
}
