//! The folder picker of a move or copy: the account's folders, narrowed as the user types a
//! part of a name; Up and Down (or Ctrl-P and Ctrl-N, Tab and Shift-Tab) choose, Enter moves
//! or copies there, Esc closes it. Called by `update` only.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

use super::msg::Command;
use super::state::{AppState, Notice};
use crate::mail::{Folder, TransferKind};
use crate::sanitize::Clean;

/// The picker while it is open.
#[derive(Debug)]
pub struct FolderPicker {
    pub kind: TransferKind,
    /// What is typed: a part of the folder's name.
    pub input: TextArea<'static>,
    /// The chosen line among the matches.
    pub cursor: usize,
    /// How many messages go.
    pub count: usize,
}

impl FolderPicker {
    /// The picker's title ("Move 3 messages to:").
    pub fn title(&self) -> String {
        let verb = match self.kind {
            TransferKind::Move => "Move",
            TransferKind::Copy => "Copy",
        };
        format!("{verb} {} to:", super::triage::messages(self.count))
    }

    pub fn query(&self) -> String {
        self.input.lines().join(" ")
    }
}

/// Opens the picker for the chosen messages.
pub fn open(state: &mut AppState, kind: TransferKind) -> Vec<Command> {
    let count = super::triage::chosen(state).len();
    if count == 0 {
        state.notice = Some(Notice::new("no message chosen", false));
        return vec![];
    }
    if kind == TransferKind::Move && state.folder.access.read_only {
        let text = "read-only: messages cannot leave this folder (copy them)";
        state.notice = Some(Notice::new(text, true));
        return vec![];
    }
    state.picker = Some(FolderPicker {
        kind,
        input: TextArea::default(),
        cursor: 0,
        count,
    });
    vec![]
}

/// The folders the picker offers for `query`: every folder the messages can go to (not the
/// open one, not a heading or a parent that holds no mail) whose name holds it, ignoring case.
pub fn matches<'a>(state: &'a AppState, query: &str) -> Vec<&'a Folder> {
    let query = query.trim().to_lowercase();
    state
        .folders
        .list
        .iter()
        .filter(|f| f.selectable && !f.is_heading() && f.name != state.folder.name)
        .filter(|f| query.is_empty() || f.display.to_lowercase().contains(&query))
        .collect()
}

/// The picker's keys.
pub fn on_key(state: &mut AppState, key: &KeyEvent) -> Vec<Command> {
    let Some(picker) = state.picker.as_mut() else {
        return vec![];
    };
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc => {
            state.picker = None;
            return vec![];
        }
        KeyCode::Enter => return choose(state),
        KeyCode::Up | KeyCode::BackTab => picker.cursor = picker.cursor.saturating_sub(1),
        KeyCode::Char('p') if ctrl => picker.cursor = picker.cursor.saturating_sub(1),
        KeyCode::Down | KeyCode::Tab => picker.cursor = picker.cursor.saturating_add(1),
        KeyCode::Char('n') if ctrl => picker.cursor = picker.cursor.saturating_add(1),
        // A control character would put unclean text into the input.
        KeyCode::Char(c) if c.is_control() || ctrl => {}
        _ => {
            picker.input.input(*key);
            picker.cursor = 0;
        }
    }
    let query = state
        .picker
        .as_ref()
        .map(FolderPicker::query)
        .unwrap_or_default();
    let last = matches(state, &query).len().saturating_sub(1);
    if let Some(picker) = state.picker.as_mut() {
        picker.cursor = picker.cursor.min(last);
    }
    vec![]
}

/// A paste goes into the picker's input, made clean.
pub fn on_paste(state: &mut AppState, text: &str) {
    if let Some(picker) = state.picker.as_mut() {
        picker.input.insert_str(Clean::line(text).as_str());
        picker.cursor = 0;
    }
}

fn choose(state: &mut AppState) -> Vec<Command> {
    let Some(picker) = state.picker.take() else {
        return vec![];
    };
    let target = matches(state, &picker.query())
        .get(picker.cursor)
        .map(|f| (*f).clone());
    match target {
        Some(target) => super::triage::transfer_to(state, &target, picker.kind),
        None => {
            state.notice = Some(Notice::new("no folder has that name", false));
            state.picker = Some(picker);
            vec![]
        }
    }
}
