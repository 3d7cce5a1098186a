//! Searching the open folder: the prompt (`F`), its errors pointing at the position, and the
//! results shown in place of the folder's rows (newest first, growing as rows load, live as
//! new mail that matches arrives). Back ends the search and returns to the folder where it
//! was. Called by `update` only.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui_textarea::TextArea;

use super::layout;
use super::msg::Command;
use super::state::{AppState, Focus};
use crate::mail::query::{self, Query, QueryError};
use crate::mail::search::{Matcher, SearchDone, SearchRequest};
use crate::mail::{ReqId, Row, SourceCommand};
use crate::sanitize::Clean;

/// The longest query accepted, in characters (a literal of a search stays short).
const MAX_QUERY: usize = 1000;

/// The search prompt at the bottom of the list.
#[derive(Debug)]
pub struct SearchPrompt {
    pub input: Box<TextArea<'static>>,
    /// Why the last Enter was refused: the character position it names, and the words.
    pub error: Option<(usize, Clean)>,
    /// Search every folder rather than the open one (Tab switches).
    pub all_folders: bool,
}

impl SearchPrompt {
    pub fn label(&self) -> &'static str {
        if self.all_folders {
            "Search all folders: "
        } else {
            "Search: "
        }
    }
}

/// A search whose results the list shows.
#[derive(Debug)]
pub struct ActiveSearch {
    pub req: ReqId,
    pub query: Arc<Query>,
    /// The query as typed, for the status line.
    pub shown: Clean,
    /// How far a source that reads every message has come.
    pub progress: Option<(u32, u32)>,
    /// The source answered.
    pub answered: bool,
    /// Why the search failed, when it did.
    pub failed: Option<Clean>,
    /// Where the folder's list was, to return to it.
    pub before: (Option<u32>, usize),
}

/// `F`: opens the prompt, with the shown search's query to edit.
pub fn open_prompt(state: &mut AppState) -> Vec<Command> {
    let mut input = TextArea::default();
    if let Some(active) = &state.folder.search {
        input.insert_str(active.query.text());
    }
    state.search_prompt = Some(SearchPrompt {
        input: Box::new(input),
        error: None,
        all_folders: false,
    });
    state.focus = Focus::List;
    vec![]
}

/// The prompt's keys: Enter searches (or says what is wrong with the query), Esc cancels.
pub fn on_key(state: &mut AppState, key: &KeyEvent) -> Vec<Command> {
    let Some(mut prompt) = state.search_prompt.take() else {
        return vec![];
    };
    match key.code {
        KeyCode::Esc => return vec![],
        KeyCode::Enter => {
            let typed = prompt.input.lines().join(" ");
            let today = chrono::DateTime::from_timestamp(state.clock.now(), 0)
                .map(|t| t.date_naive())
                .unwrap_or_default();
            let parsed = if typed.chars().count() > MAX_QUERY {
                Err(QueryError {
                    position: MAX_QUERY,
                    message: format!("a query is at most {MAX_QUERY} characters"),
                })
            } else {
                query::parse(&typed, today)
            };
            match parsed {
                Ok(query) if prompt.all_folders => match super::search_all::start(state, query) {
                    Ok(commands) => return commands,
                    Err(refused) => prompt.error = Some(refused),
                },
                Ok(query) => return start(state, query),
                Err(error) => {
                    prompt.error = Some((error.position, Clean::line(&error.to_string())));
                }
            }
        }
        // Tab: this folder or every folder. A control character would put unclean text into
        // the input.
        KeyCode::Tab | KeyCode::BackTab => {
            prompt.all_folders = !prompt.all_folders;
            prompt.error = None;
        }
        KeyCode::Char(c) if c.is_control() => {}
        _ => {
            prompt.input.input(*key);
            prompt.error = None;
        }
    }
    state.search_prompt = Some(prompt);
    vec![]
}

/// Pasted text goes into the prompt, made clean (line breaks become spaces).
pub fn on_paste(state: &mut AppState, text: &str) {
    if let Some(prompt) = state.search_prompt.as_mut() {
        prompt.input.insert_str(Clean::line(text).as_str());
        prompt.error = None;
    }
}

/// Sends the search and shows its results in place of the folder's rows.
fn start(state: &mut AppState, query: Query) -> Vec<Command> {
    start_with(state, Arc::new(query))
}

/// Searches the open folder for `query` (also after the all-folders results opened it).
pub fn start_with(state: &mut AppState, query: Arc<Query>) -> Vec<Command> {
    let mut commands = cancel_running(state);
    let req = state.new_req();
    let height = layout::list_rows(state);
    let before = match state.folder.search.take() {
        Some(old) => old.before,
        None => (
            state.folder.rows.selected().map(|r| r.uid),
            state.folder.rows.offset,
        ),
    };
    state.folder.search = Some(ActiveSearch {
        req,
        shown: Clean::line(query.text()),
        query: Arc::clone(&query),
        progress: None,
        answered: false,
        failed: None,
        before,
    });
    state
        .folder
        .rows
        .set_search(Some(Matcher::new(&query)), height);
    state.folder.rows.select(0, height);
    commands.push(Command::Source(SourceCommand::Search(SearchRequest {
        req,
        folder: state.folder.name.clone(),
        query,
        within: None,
    })));
    commands
}

/// A search still running at the source is told to stop.
fn cancel_running(state: &AppState) -> Vec<Command> {
    match &state.folder.search {
        Some(active) if !active.answered => {
            vec![Command::Source(SourceCommand::CancelSearch {
                req: active.req,
            })]
        }
        _ => vec![],
    }
}

/// Back from the results: the folder's rows again, the selection where it was.
pub fn end(state: &mut AppState) -> Vec<Command> {
    let commands = cancel_running(state);
    let Some(active) = state.folder.search.take() else {
        return commands;
    };
    let height = layout::list_rows(state);
    state.folder.rows.set_search(None, height);
    let (uid, offset) = active.before;
    state.folder.rows.restore(uid, offset, height);
    commands
}

/// The source's answer.
pub fn on_searched(state: &mut AppState, done: SearchDone) {
    let Some(active) = state
        .folder
        .search
        .as_mut()
        .filter(|a| a.req == done.req && done.folder == state.folder.name)
    else {
        return;
    };
    active.answered = true;
    active.progress = None;
    if let Err(why) = &done.result {
        active.failed = Some(Clean::line(why));
    }
    let height = layout::list_rows(state);
    match done.result {
        Ok(hits) => state.folder.rows.search_found(hits, done.within, height),
        Err(why) => {
            let text = format!("search failed: {why}");
            let now = state.clock.now();
            state
                .notices
                .record(now, &text, super::notices::NoticeKind::Error);
            // Nothing is shown as found: the list says the search failed, and why.
            state.folder.rows.search_found(
                crate::mail::search::Hits::All(Vec::new()),
                done.within,
                height,
            );
        }
    }
}

/// A source that reads every message says how far it has come.
pub fn on_progress(state: &mut AppState, req: ReqId, done: u32, total: u32) {
    if let Some(active) = state.folder.search.as_mut().filter(|a| a.req == req) {
        active.progress = Some((done, total));
    }
}

/// New mail in the searched folder: the source is asked which of it matches.
pub fn on_new_rows(state: &AppState, rows: &[Row]) -> Vec<Command> {
    let Some(active) = &state.folder.search else {
        return vec![];
    };
    if rows.is_empty() {
        return vec![];
    }
    vec![Command::Source(SourceCommand::Search(SearchRequest {
        req: active.req,
        folder: state.folder.name.clone(),
        query: Arc::clone(&active.query),
        within: Some(rows.iter().map(|r| r.uid).collect()),
    }))]
}
