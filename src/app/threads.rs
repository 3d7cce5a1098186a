//! The thread view of a folder (`z`): the source threads the folder (the server, or the
//! source itself over the messages' header fields), the list shows the forest with a tree
//! column; threads collapse and expand one by one or all at once, and the selection moves
//! between threads and within one. New mail is threaded again (one request at a time; the
//! forest on screen stays, the new rows on top, until the answer). Which folders are shown
//! threaded is kept for the session. Called by `update` only.

use super::action::Action;
use super::context::Context;
use super::layout;
use super::msg::Command;
use super::state::{AppState, Notice};
use crate::mail::threads::Thread;
use crate::mail::{ReqId, SourceCommand, ThreadedBy};

/// The open folder's thread view.
#[derive(Debug, Default)]
pub struct ThreadView {
    /// The request whose answer is awaited, if one is.
    pub pending: Option<ReqId>,
    /// New mail came while a request was in flight: ask again when it answers.
    pub again: bool,
    /// Who threaded the forest shown (`None` until the first answer).
    pub by: Option<ThreadedBy>,
}

impl ThreadView {
    /// Waiting for the first forest: the list is still flat.
    pub fn waiting(&self) -> bool {
        self.by.is_none()
    }
}

/// `z`: shows the open folder threaded, or flat again.
pub fn toggle(state: &mut AppState) -> Vec<Command> {
    let height = layout::list_rows(state);
    if state.threaded.remove(&state.folder.name) {
        state.folder.threads = None;
        state.folder.rows.set_threads(None, height);
        return vec![];
    }
    state.threaded.insert(state.folder.name.clone());
    start(state)
}

/// A folder opened: threaded again if it was shown threaded before.
pub fn on_open(state: &mut AppState) -> Vec<Command> {
    if state.threaded.contains(&state.folder.name) {
        start(state)
    } else {
        vec![]
    }
}

fn start(state: &mut AppState) -> Vec<Command> {
    state.folder.threads = Some(ThreadView::default());
    ask(state)
}

/// Asks the source for the folder's threads.
fn ask(state: &mut AppState) -> Vec<Command> {
    let req = state.new_req();
    let Some(view) = state.folder.threads.as_mut() else {
        return vec![];
    };
    view.pending = Some(req);
    view.again = false;
    vec![Command::Source(SourceCommand::Threads {
        req,
        folder: state.folder.name.clone(),
        subject_fallback: state.settings.thread_by_subject,
    })]
}

/// The source's answer; an answer to an older request, or for another folder, is dropped.
/// A failure with no forest on screen turns the view off (`z` tries again); with one, the
/// forest stays.
pub fn on_threads(
    state: &mut AppState,
    req: ReqId,
    folder: &str,
    result: Result<Vec<Thread>, String>,
    by: ThreadedBy,
) -> Vec<Command> {
    let Some(view) = state
        .folder
        .threads
        .as_mut()
        .filter(|v| v.pending == Some(req) && folder == state.folder.name)
    else {
        return vec![];
    };
    view.pending = None;
    let again = std::mem::take(&mut view.again);
    match result {
        Ok(forest) => {
            view.by = Some(by);
            let height = layout::list_rows(state);
            state.folder.rows.set_threads(Some(forest), height);
        }
        Err(why) => {
            state.notice = Some(Notice::new(&format!("threading failed: {why}"), true));
            if !state.folder.rows.is_threaded() {
                state.threaded.remove(&state.folder.name);
                state.folder.threads = None;
                return vec![];
            }
        }
    }
    if again { ask(state) } else { vec![] }
}

/// New mail in a threaded folder: threaded again, at most one request at a time.
pub fn on_new_rows(state: &mut AppState) -> Vec<Command> {
    match state.folder.threads.as_mut() {
        Some(view) if view.pending.is_some() => {
            view.again = true;
            vec![]
        }
        Some(_) => ask(state),
        None => vec![],
    }
}

/// The thread actions: collapse, expand, all, and the moves.
pub fn on_action(state: &mut AppState, action: Action) -> Vec<Command> {
    let height = layout::list_rows(state);
    if !state.folder.rows.is_threaded() {
        let text = match &state.folder.threads {
            Some(view) if view.waiting() => "the threads are not ready yet".to_owned(),
            _ => {
                let key = state
                    .keymap
                    .within(Context::List)
                    .keys_for(Action::ToggleThreads)
                    .into_iter()
                    .next();
                match key {
                    Some(key) => format!("not shown as threads ({key} shows them)"),
                    None => "not shown as threads".to_owned(),
                }
            }
        };
        state.notice = Some(Notice::new(&text, false));
        return vec![];
    }
    let rows = &mut state.folder.rows;
    let edge = match action {
        Action::CollapseThread => {
            rows.collapse_selected(true, height);
            None
        }
        Action::ExpandThread => {
            rows.collapse_selected(false, height);
            None
        }
        Action::ToggleAllThreads => {
            let text = match rows.toggle_all_threads(height) {
                Some(true) => "every thread collapsed",
                _ => "every thread expanded",
            };
            state.notice = Some(Notice::new(text, false));
            None
        }
        Action::NextThread => (!rows.move_to_thread(true, height)).then_some("no thread below"),
        Action::PrevThread => (!rows.move_to_thread(false, height)).then_some("no thread above"),
        Action::NextInThread => {
            (!rows.move_in_thread(true, height)).then_some("the last message of this thread")
        }
        Action::PrevInThread => {
            (!rows.move_in_thread(false, height)).then_some("the first message of this thread")
        }
        _ => None,
    };
    if let Some(text) = edge {
        state.notice = Some(Notice::new(text, false));
    }
    vec![]
}
