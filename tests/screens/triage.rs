//! Acting on mail, as the user sees it: marks in the list and their count in the status line,
//! the folder picker narrowed by typing, the question before deleting for good, the list
//! changed at once and put right when the source refuses, and the undo of a move.

use insta::assert_snapshot;
use sealmail::app::msg::{Command, Msg};
use sealmail::mail::{
    EraseDone, FolderChange, SourceCommand, SourceEvent, Transfer, TransferDone, TransferKind,
    TransferProgress,
};
use sealmail::tui::headless::Headless;

use crate::fixtures::*;

/// The transfer among `commands`.
fn transfer_of(commands: &[Command]) -> Transfer {
    commands
        .iter()
        .find_map(|c| match c {
            Command::Source(SourceCommand::Transfer(t)) => Some(t.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no transfer in {commands:?}"))
}

/// The source's answer that `job` went through, each message landing at UID 1000 + its own.
fn done(job: &Transfer) -> TransferDone {
    TransferDone {
        req: job.req,
        folder: job.folder.clone(),
        target: job.target.clone(),
        kind: job.kind,
        progress: TransferProgress {
            done: job.uids.clone(),
            copied: vec![],
            landed: job.uids.iter().map(|u| (*u, u + 1000)).collect(),
            ..TransferProgress::default()
        },
        failed: vec![],
        error: None,
    }
}

fn uids_shown(h: &Headless) -> Vec<u32> {
    let rows = &h.state.folder.rows;
    (0..rows.len())
        .filter_map(|p| rows.at(p))
        .map(|r| r.uid)
        .collect()
}

#[test]
fn marked_rows_show_a_star_and_the_status_line_counts_them() {
    let mut h = loaded(80, 24, 60, 60);
    h.press("t");
    h.press("j");
    h.press("t");
    let screen = h.screen_text();
    assert!(screen.contains("2 marked"), "{screen}");
    assert_eq!(
        h.state.folder.marked.iter().copied().collect::<Vec<_>>(),
        vec![58, 60],
        "t marks and moves down: 60 marked, j skips 59, 58 marked"
    );
    assert_snapshot!(screen);
    h.press("ctrl-t");
    assert!(h.state.folder.marked.is_empty());
    // Marking all marks what the filter shows.
    h.press("/");
    h.type_text("invoice");
    h.press("enter");
    h.press("ctrl-a");
    assert_eq!(h.state.folder.marked.len(), h.state.folder.rows.len());
    assert!(notice(&h).ends_with(" marked"), "{}", notice(&h));
}

#[test]
fn delete_moves_to_trash_at_once_and_undo_brings_the_messages_back() {
    let mut h = loaded(80, 24, 60, 60);
    h.press("t");
    h.press("t");
    let commands = h.press("d").expect("a key");
    let job = transfer_of(&commands);
    assert_eq!(
        (job.target.as_str(), job.kind),
        ("Trash", TransferKind::Move)
    );
    assert_eq!(job.uids, vec![59, 60]);
    assert!(!uids_shown(&h).contains(&60), "gone from the list at once");
    assert_eq!(h.state.folder.total, 58);
    assert!(h.state.folder.marked.is_empty());
    assert_eq!(notice(&h), "moving 2 messages to Trash…");
    h.apply(Msg::Source(SourceEvent::Transferred(done(&job))));
    assert_eq!(notice(&h), "2 messages moved to Trash (U undoes)");
    let commands = h.press("U").expect("a key");
    let undo = transfer_of(&commands);
    assert_eq!(
        (undo.folder.as_str(), undo.target.as_str()),
        ("Trash", "INBOX")
    );
    assert_eq!(undo.uids, vec![1059, 1060], "by their UIDs in Trash");
    h.apply(Msg::Source(SourceEvent::Transferred(done(&undo))));
    assert_eq!(notice(&h), "2 messages moved back to INBOX");
    h.press("U");
    assert_eq!(notice(&h), "nothing to undo");
}

#[test]
fn a_refused_move_puts_the_messages_back_with_the_servers_reason() {
    let mut h = loaded(80, 24, 60, 60);
    let before = uids_shown(&h);
    let commands = h.press("a").expect("a key");
    let job = transfer_of(&commands);
    assert_eq!(
        job.target, "Archive",
        "by its name: the fixture's server does not mark it"
    );
    assert_eq!(job.uids, vec![60]);
    let mut answer = done(&job);
    answer.progress = TransferProgress::default();
    answer.failed = job.uids.clone();
    answer.error = Some("move: Mailbox is over quota (NOPERM)".into());
    h.apply(Msg::Source(SourceEvent::Transferred(answer)));
    assert_eq!(uids_shown(&h), before, "back in the list");
    assert_eq!(h.state.folder.total, 60);
    assert_eq!(
        notice(&h),
        "move: Mailbox is over quota (NOPERM); 1 message stays in INBOX"
    );
    assert!(h.state.notice.as_ref().is_some_and(|n| n.error));
}

#[test]
fn the_folder_picker_narrows_as_you_type_and_moves_there() {
    let mut h = loaded(80, 24, 60, 60);
    h.press("s");
    let all = h.screen_text();
    assert!(all.contains("Move 1 message to:"), "{all}");
    assert!(
        all.contains("Lists/rust-users") && !all.contains("> INBOX"),
        "{all}"
    );
    h.type_text("us");
    let narrowed = h.screen_text();
    assert_snapshot!(narrowed);
    let commands = h.press("enter").expect("a key");
    let job = transfer_of(&commands);
    assert_eq!(job.target, "Lists/rust-users");
    assert!(h.state.picker.is_none());
    // Esc closes it and nothing moves; a name nothing has says so.
    h.press("C");
    h.type_text("zzz");
    assert!(h.screen_text().contains("no folder has that name"));
    assert!(h.press("enter").expect("a key").is_empty());
    h.press("esc");
    assert!(h.state.picker.is_none());
}

#[test]
fn deleting_in_trash_asks_first_and_n_keeps_the_messages() {
    let mut h = loaded(80, 24, 60, 60);
    h.state.folder.name = "Trash".into();
    h.state.folder.display = sealmail::sanitize::Clean::line("Trash");
    let commands = h.press("d").expect("a key");
    assert!(commands.is_empty(), "{commands:?}");
    let screen = h.screen_text();
    assert_snapshot!(screen);
    h.press("n");
    assert_eq!(notice(&h), "nothing deleted");
    assert_eq!(uids_shown(&h).len(), 60);
    h.press("d");
    let commands = h.press("y").expect("a key");
    let erase = commands
        .iter()
        .find_map(|c| match c {
            Command::Source(SourceCommand::Erase(e)) => Some(e.clone()),
            _ => None,
        })
        .expect("an erase");
    assert_eq!(erase.uids, vec![60]);
    assert!(!uids_shown(&h).contains(&60));
    h.apply(Msg::Source(SourceEvent::Erased(EraseDone {
        req: erase.req,
        folder: "Trash".into(),
        erased: vec![60],
        failed: vec![],
        error: None,
    })));
    assert_eq!(notice(&h), "1 message deleted for good");
}

#[test]
fn folders_are_created_and_deleted_from_the_folder_pane() {
    let mut h = loaded(80, 24, 60, 60);
    h.press("tab");
    h.press("c");
    h.type_text("Projects/2026");
    let screen = h.screen_text();
    assert!(screen.contains("New folder: Projects/2026"), "{screen}");
    let commands = h.press("enter").expect("a key");
    let change = commands
        .iter()
        .find_map(|c| match c {
            Command::Source(SourceCommand::ChangeFolder { req, change }) => {
                Some((*req, change.clone()))
            }
            _ => None,
        })
        .expect("a folder change");
    assert_eq!(
        change.1,
        FolderChange::Create {
            path: vec!["Projects".into(), "2026".into()]
        }
    );
    h.apply(Msg::Source(SourceEvent::FolderChanged {
        req: change.0,
        error: None,
    }));
    assert_eq!(notice(&h), "created the folder Projects/2026");
    // INBOX is refused; another folder is asked about first.
    h.press("D");
    assert_eq!(notice(&h), "INBOX cannot be deleted");
    h.press("j");
    h.press("D");
    let screen = h.screen_text();
    assert!(
        screen.contains("Delete the folder Sent for good?"),
        "{screen}"
    );
    assert_snapshot!(screen);
    let commands = h.press("y").expect("a key");
    assert!(
        commands.iter().any(|c| matches!(
            c,
            Command::Source(SourceCommand::ChangeFolder {
                change: FolderChange::Delete { name },
                ..
            }) if name == "Sent"
        )),
        "{commands:?}"
    );
}
