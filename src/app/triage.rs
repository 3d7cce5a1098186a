//! Acting on messages: delete (to Trash; in Trash, or where there is no Trash, for good after
//! a confirmation), archive, move and copy to a folder picked by name, and undo of the last
//! move. Each acts on the marked messages when there are any, else on the selected one (the
//! open one while the message has the keyboard). The list changes at once and corrects itself
//! from the source's answer, with the reason in the status line. Called by `update` only.

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent};

use super::layout;
use super::msg::Command;
use super::state::{AppState, Focus, Notice};
use crate::mail::{
    Erase, EraseDone, Folder, ReqId, Row, SourceCommand, SpecialUse, Transfer, TransferDone,
    TransferKind,
};
use crate::sanitize::Clean;

/// The reader's side of moves, copies and deletes in flight, and what can be undone.
#[derive(Debug, Default)]
pub struct Triage {
    /// Requests sent and not answered yet.
    pending: HashMap<ReqId, Pending>,
    /// The last completed move, while it can be undone.
    pub undo: Option<Undo>,
    /// A question waiting for y or n (deleting for good).
    pub confirm: Option<Confirm>,
}

/// A request in flight: what the list took out at once, to put back if it fails.
#[derive(Debug)]
struct Pending {
    op: Op,
    folder: String,
    /// The rows taken out of the list (a move or a delete): put back where it fails.
    rows: Vec<Row>,
    /// The target's name as shown.
    target: Clean,
    /// The folder a move back returns to, as shown (an undo).
    back_to: Clean,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Move,
    Copy,
    Erase,
    Undo,
}

/// A move that can be taken back: the messages' UIDs in the folder they went to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Undo {
    pub from: String,
    pub from_display: Clean,
    pub to: String,
    pub to_display: Clean,
    pub uids: Vec<u32>,
}

/// A question asked before deleting for good.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confirm {
    pub what: Confirmed,
    pub question: Clean,
}

/// What a yes deletes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Confirmed {
    /// These messages of the open folder.
    Erase(Vec<u32>),
    /// A folder (command name, shown name) and its messages.
    DeleteFolder { name: String, shown: Clean },
}

/// "1 message", "3 messages".
pub fn messages(n: usize) -> String {
    if n == 1 {
        "1 message".into()
    } else {
        format!("{n} messages")
    }
}

/// The messages an action applies to: the marked ones (ascending UIDs), else the open
/// message while the pane has the keyboard, else the selected one.
pub fn chosen(state: &AppState) -> Vec<u32> {
    if !state.folder.marked.is_empty() {
        return state.folder.marked.iter().copied().collect();
    }
    match (state.focus, &state.pane) {
        (Focus::Message, Some(pane)) => vec![pane.uid],
        _ => state
            .folder
            .rows
            .selected()
            .map(|row| vec![row.uid])
            .unwrap_or_default(),
    }
}

/// The account's folder for a special use: the one the server marks (RFC 6154), else a
/// personal top-level folder with one of the usual names.
pub fn special_folder(folders: &[Folder], use_: SpecialUse) -> Option<&Folder> {
    let usable = |f: &&Folder| f.selectable && !f.is_heading();
    let named = |f: &&Folder| {
        f.section == crate::mail::Section::Personal
            && matches!(f.path.as_slice(), [only] if SpecialUse::from_name(only) == Some(use_))
    };
    let mut candidates = folders.iter().filter(usable);
    candidates
        .clone()
        .find(|f| f.special == Some(use_))
        .or_else(|| candidates.find(named))
}

/// `d`: to Trash; in Trash (or with no Trash) for good, after a confirmation.
pub fn delete(state: &mut AppState) -> Vec<Command> {
    let uids = chosen(state);
    if uids.is_empty() {
        return say(state, "no message to delete", false);
    }
    if state.folder.access.read_only {
        return say(state, "read-only: messages cannot be deleted here", true);
    }
    let trash = special_folder(&state.folders.list, SpecialUse::Trash).cloned();
    match trash {
        Some(trash) if trash.name != state.folder.name => {
            transfer_to(state, &trash, TransferKind::Move)
        }
        trash => {
            let n = messages(uids.len());
            let question = match trash {
                Some(_) => format!("Delete {n} for good? (y deletes, n keeps)"),
                None => format!("No Trash folder: delete {n} for good? (y deletes, n keeps)"),
            };
            state.triage.confirm = Some(Confirm {
                what: Confirmed::Erase(uids),
                question: Clean::line(&question),
            });
            vec![]
        }
    }
}

/// `a`: to the Archive folder.
pub fn archive(state: &mut AppState) -> Vec<Command> {
    match special_folder(&state.folders.list, SpecialUse::Archive).cloned() {
        Some(archive) if archive.name == state.folder.name => {
            say(state, "these messages are in the archive already", false)
        }
        Some(archive) => transfer_to(state, &archive, TransferKind::Move),
        None => say(
            state,
            "no Archive folder (create one, or move with the folder picker)",
            true,
        ),
    }
}

/// Moves or copies the chosen messages to `target`.
pub fn transfer_to(state: &mut AppState, target: &Folder, kind: TransferKind) -> Vec<Command> {
    let uids = chosen(state);
    if uids.is_empty() {
        return say(state, "no message chosen", false);
    }
    if target.name == state.folder.name {
        return say(state, &format!("already in {}", target.display), false);
    }
    if kind == TransferKind::Move && state.folder.access.read_only {
        return say(
            state,
            "read-only: messages cannot leave this folder (copy them)",
            true,
        );
    }
    let req = state.new_req();
    let (rows, mut commands) = match kind {
        TransferKind::Move => take_rows(state, &uids),
        TransferKind::Copy => (vec![], vec![]),
    };
    state.folder.marked.clear();
    let n = messages(uids.len());
    let verb = match kind {
        TransferKind::Move => "moving",
        TransferKind::Copy => "copying",
    };
    state.notice = Some(Notice::new(
        &format!("{verb} {n} to {}…", target.display),
        false,
    ));
    let op = match kind {
        TransferKind::Move => Op::Move,
        TransferKind::Copy => Op::Copy,
    };
    state.triage.pending.insert(
        req,
        Pending {
            op,
            folder: state.folder.name.clone(),
            rows,
            target: target.display.clone(),
            back_to: state.folder.display.clone(),
        },
    );
    commands.push(Command::Source(SourceCommand::Transfer(Transfer::new(
        req,
        state.folder.name.clone(),
        target.name.clone(),
        kind,
        uids,
    ))));
    commands
}

/// `U`: moves the last moved messages back where they came from.
pub fn undo(state: &mut AppState) -> Vec<Command> {
    let Some(undo) = state.triage.undo.take() else {
        return say(state, "nothing to undo", false);
    };
    let req = state.new_req();
    state.notice = Some(Notice::new(
        &format!(
            "moving {} back to {}…",
            messages(undo.uids.len()),
            undo.to_display
        ),
        false,
    ));
    state.triage.pending.insert(
        req,
        Pending {
            op: Op::Undo,
            folder: undo.from.clone(),
            rows: vec![],
            target: undo.to_display.clone(),
            back_to: undo.from_display.clone(),
        },
    );
    vec![Command::Source(SourceCommand::Transfer(Transfer::new(
        req,
        undo.from,
        undo.to,
        TransferKind::Move,
        undo.uids,
    )))]
}

/// The confirmation's keys: y deletes for good, n or Esc keeps the messages.
pub fn on_confirm_key(state: &mut AppState, key: &KeyEvent) -> Vec<Command> {
    let yes = match key.code {
        KeyCode::Char('y' | 'Y') => true,
        KeyCode::Char('n' | 'N') | KeyCode::Esc => false,
        _ => return vec![],
    };
    let Some(confirm) = state.triage.confirm.take() else {
        return vec![];
    };
    if !yes {
        return say(state, "nothing deleted", false);
    }
    let uids = match confirm.what {
        Confirmed::Erase(uids) => uids,
        Confirmed::DeleteFolder { name, shown } => {
            return super::folder_edit::confirmed_delete(state, name, shown);
        }
    };
    let req = state.new_req();
    let (rows, mut commands) = take_rows(state, &uids);
    state.folder.marked.clear();
    state.notice = Some(Notice::new(
        &format!("deleting {}…", messages(uids.len())),
        false,
    ));
    state.triage.pending.insert(
        req,
        Pending {
            op: Op::Erase,
            folder: state.folder.name.clone(),
            rows,
            target: Clean::line(""),
            back_to: state.folder.display.clone(),
        },
    );
    commands.push(Command::Source(SourceCommand::Erase(Erase {
        req,
        folder: state.folder.name.clone(),
        uids,
    })));
    commands
}

/// A transfer ended: what failed goes back into the list, the status line says how it went,
/// and a move becomes the one that can be undone.
pub fn on_transferred(state: &mut AppState, done: TransferDone) {
    let Some(pending) = state.triage.pending.remove(&done.req) else {
        return;
    };
    put_back(state, &pending, &done.failed);
    let n = done.progress.done.len();
    let mut text = match pending.op {
        Op::Undo => format!("{} moved back to {}", messages(n), pending.target),
        _ => format!(
            "{} {} to {}",
            messages(n),
            done.kind.done_verb(),
            pending.target
        ),
    };
    if pending.op == Op::Move && n > 0 {
        let uids: Vec<u32> = done.progress.landed.iter().map(|(_, to)| *to).collect();
        if uids.is_empty() {
            text.push_str(" (no undo: the server did not say where they went)");
        } else {
            state.triage.undo = Some(Undo {
                from: done.target.clone(),
                from_display: pending.target.clone(),
                to: done.folder.clone(),
                to_display: pending.back_to.clone(),
                uids,
            });
            if let Some(key) = undo_key(state) {
                text.push_str(&format!(" ({key} undoes)"));
            }
        }
    }
    match done.error {
        Some(error) => {
            let stay = if done.failed.is_empty() {
                String::new()
            } else {
                let n = done.failed.len();
                let verb = if n == 1 { "stays" } else { "stay" };
                format!("; {} {verb} in {}", messages(n), pending.back_to)
            };
            let text = if n == 0 {
                format!("{error}{stay}")
            } else {
                format!("{text}, then: {error}{stay}")
            };
            state.notice = Some(Notice::new(&text, true));
        }
        None => state.notice = Some(Notice::new(&text, false)),
    }
}

/// A delete for good ended.
pub fn on_erased(state: &mut AppState, done: EraseDone) {
    let Some(pending) = state.triage.pending.remove(&done.req) else {
        return;
    };
    put_back(state, &pending, &done.failed);
    let text = match done.error {
        Some(error) => format!(
            "{error}; {} not deleted",
            messages(done.failed.len().max(1))
        ),
        None => format!("{} deleted for good", messages(done.erased.len())),
    };
    state.notice = Some(Notice::new(&text, !done.failed.is_empty()));
}

/// Takes the rows of `uids` out of the list (and closes the open message, if it is one of
/// them: a sealed message's worker forgets its secrets), keeping them to put back.
fn take_rows(state: &mut AppState, uids: &[u32]) -> (Vec<Row>, Vec<Command>) {
    let rows: Vec<Row> = uids
        .iter()
        .filter_map(|uid| state.folder.rows.row_by_uid(*uid).cloned())
        .collect();
    let height = layout::list_rows(state);
    state.folder.rows.remove(uids, height);
    state.folder.total = state.folder.total.saturating_sub(rows.len() as u32);
    let mut commands = Vec::new();
    if state.pane.as_ref().is_some_and(|p| uids.contains(&p.uid)) {
        commands = super::sealed::on_close(state);
        state.pane = None;
        if state.focus == Focus::Message {
            state.focus = Focus::List;
        }
    }
    (rows, commands)
}

/// Puts the rows of `failed` back into the list, when it still shows their folder.
fn put_back(state: &mut AppState, pending: &Pending, failed: &[u32]) {
    if pending.folder != state.folder.name || failed.is_empty() {
        return;
    }
    let back: Vec<Row> = pending
        .rows
        .iter()
        .filter(|r| failed.contains(&r.uid))
        .cloned()
        .collect();
    state.folder.total = state.folder.total.saturating_add(back.len() as u32);
    let height = layout::list_rows(state);
    state.folder.rows.insert(back, height);
}

/// The first key bound to undo, for the status line.
fn undo_key(state: &AppState) -> Option<String> {
    state
        .keymap
        .within(super::context::Context::List)
        .keys_for(super::action::Action::Undo)
        .first()
        .cloned()
}

fn say(state: &mut AppState, text: &str, error: bool) -> Vec<Command> {
    state.notice = Some(Notice::new(text, error));
    vec![]
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::app::clock::Clock;
    use crate::app::keymap::Keymap;
    use crate::app::state::{MessagePane, PortalPane, ReaderSettings, SealedPane, SealedStage};
    use crate::sealed::flow::FlowRequest;

    /// Moving the open sealed message away closes it: its worker forgets its secrets.
    #[test]
    fn moving_an_open_sealed_message_closes_its_flow() {
        let mut state = AppState::new(
            ReaderSettings::default(),
            Keymap::defaults(),
            Clock::fixed_utc(0),
            "test".into(),
        );
        state.folders.list = vec![Folder::plain("INBOX"), Folder::plain("Trash")];
        state.folder.name = "INBOX".into();
        state.folder.rows.insert(
            vec![Row {
                uid: 7,
                flags: crate::mail::Flags::default(),
                date: 0,
                text: crate::mail::RowText::line("a", "sealed"),
                size: 1,
                attachment: false,
                portal: None,
                protection: None,
            }],
            10,
        );
        let mut pane = MessagePane::loading(1, 7);
        pane.portal = Some(PortalPane::Sealed(Box::new(SealedPane {
            flow: 42,
            raw: Arc::from(&b""[..]),
            info: None,
            shown: None,
            trusted: true,
            stage: SealedStage::Opening,
            passcode_fetch: None,
            arrived: None,
            email: None,
        })));
        state.pane = Some(pane);
        state.focus = Focus::Message;
        let commands = delete(&mut state);
        assert!(state.pane.is_none());
        assert!(
            commands
                .iter()
                .any(|c| matches!(c, Command::Flow(FlowRequest::Close { flow: 42 }))),
            "{commands:?}"
        );
        assert!(
            commands
                .iter()
                .any(|c| matches!(c, Command::Source(SourceCommand::Transfer(_)))),
            "{commands:?}"
        );
    }
}
