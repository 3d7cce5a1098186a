//! Creating, renaming and deleting folders from the folder pane: `c` asks for a new folder's
//! path (`Projects/2026`: `/` between levels, whatever the server's own delimiter), `r` for
//! the selected folder's new path, `D` asks before deleting the selected folder and its
//! messages. INBOX is never renamed or deleted. Called by `update` only.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

use super::msg::Command;
use super::state::{AppState, Notice};
use super::triage::{Confirm, Confirmed};
use crate::mail::{FolderChange, ReqId, SourceCommand};
use crate::sanitize::Clean;

/// The prompt for a folder's path.
#[derive(Debug)]
pub struct FolderPrompt {
    /// `None`: a new folder; else the folder renamed (command name, shown name).
    pub renaming: Option<(String, Clean)>,
    pub input: Box<TextArea<'static>>,
}

impl FolderPrompt {
    pub fn label(&self) -> String {
        match &self.renaming {
            None => "New folder: ".into(),
            Some((_, shown)) => format!("Rename {shown} to: "),
        }
    }
}

/// A change sent and not answered yet: what the status line says, and the open folder it
/// takes away (renamed or deleted), if it does.
#[derive(Debug)]
pub struct PendingChange {
    pub req: ReqId,
    pub done: String,
    pub takes_open: bool,
}

/// `c` in the folder pane.
pub fn create(state: &mut AppState) -> Vec<Command> {
    state.folder_prompt = Some(FolderPrompt {
        renaming: None,
        input: Box::default(),
    });
    vec![]
}

/// The folder under the folder pane's cursor, if it can be renamed or deleted.
fn selected(state: &mut AppState, verb: &str) -> Option<(String, Clean)> {
    let folder = state.folders.list.get(state.folders.cursor)?;
    if folder.name.is_empty() || !folder.selectable {
        let text = format!("choose a folder to {verb} in the folder pane");
        state.notice = Some(Notice::new(&text, false));
        return None;
    }
    if folder.name.eq_ignore_ascii_case("INBOX") {
        state.notice = Some(Notice::new(&format!("INBOX cannot be {verb}d"), true));
        return None;
    }
    Some((folder.name.clone(), folder.display.clone()))
}

/// `r` in the folder pane.
pub fn rename(state: &mut AppState) -> Vec<Command> {
    let Some((name, shown)) = selected(state, "rename") else {
        return vec![];
    };
    let mut input = TextArea::default();
    input.insert_str(shown.as_str());
    state.folder_prompt = Some(FolderPrompt {
        renaming: Some((name, shown)),
        input: Box::new(input),
    });
    vec![]
}

/// `D` in the folder pane: asks first.
pub fn delete(state: &mut AppState) -> Vec<Command> {
    let Some((name, shown)) = selected(state, "delete") else {
        return vec![];
    };
    let count = state
        .folders
        .counts
        .get(&name)
        .map(|c| format!(" and its {}", super::triage::messages(c.total as usize)))
        .unwrap_or_default();
    let question = format!("Delete the folder {shown}{count} for good? (y deletes, n keeps)");
    state.triage.confirm = Some(Confirm {
        what: Confirmed::DeleteFolder { name, shown },
        question: Clean::line(&question),
    });
    vec![]
}

/// After the question: the delete goes to the source.
pub fn confirmed_delete(state: &mut AppState, name: String, shown: Clean) -> Vec<Command> {
    let takes_open = state.folder.name == name;
    send(
        state,
        FolderChange::Delete { name },
        format!("deleted the folder {shown}"),
        takes_open,
    )
}

/// The prompt's keys.
pub fn on_key(state: &mut AppState, key: &KeyEvent) -> Vec<Command> {
    let Some(mut prompt) = state.folder_prompt.take() else {
        return vec![];
    };
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc => return vec![],
        KeyCode::Enter => {
            let typed = prompt.input.lines().join("");
            let path: Vec<String> = typed
                .split('/')
                .map(|level| level.trim().to_owned())
                .filter(|level| !level.is_empty())
                .collect();
            if path.is_empty() {
                state.notice = Some(Notice::new("a folder needs a name", true));
                state.folder_prompt = Some(prompt);
                return vec![];
            }
            let shown = Clean::line(&path.join("/"));
            return match prompt.renaming {
                None => send(
                    state,
                    FolderChange::Create { path },
                    format!("created the folder {shown}"),
                    false,
                ),
                Some((from, was)) => {
                    let takes_open = state.folder.name == from;
                    send(
                        state,
                        FolderChange::Rename { from, path },
                        format!("renamed {was} to {shown}"),
                        takes_open,
                    )
                }
            };
        }
        KeyCode::Tab | KeyCode::BackTab => {}
        KeyCode::Char(c) if c.is_control() || ctrl => {}
        _ => {
            prompt.input.input(*key);
        }
    }
    state.folder_prompt = Some(prompt);
    vec![]
}

/// A paste goes into the path being typed, made clean.
pub fn on_paste(state: &mut AppState, text: &str) {
    if let Some(prompt) = state.folder_prompt.as_mut() {
        prompt.input.insert_str(Clean::line(text).as_str());
    }
}

fn send(
    state: &mut AppState,
    change: FolderChange,
    done: String,
    takes_open: bool,
) -> Vec<Command> {
    let req = state.new_req();
    state.folder_change = Some(PendingChange {
        req,
        done,
        takes_open,
    });
    vec![Command::Source(SourceCommand::ChangeFolder { req, change })]
}

/// The source answered: say so; a change that took the open folder away opens INBOX.
pub fn on_changed(state: &mut AppState, req: ReqId, error: Option<String>) -> Vec<Command> {
    let Some(pending) = state.folder_change.take_if(|p| p.req == req) else {
        return vec![];
    };
    match error {
        Some(error) => {
            state.notice = Some(Notice::new(&error, true));
            vec![]
        }
        None => {
            state.notice = Some(Notice::new(&pending.done, false));
            if pending.takes_open {
                return super::update::open_inbox(state);
            }
            vec![]
        }
    }
}
