//! Searching every folder of the account: the prompt's Tab scope. The source searches the
//! folders one after the other on the side; their counts fill a list as they come (`3/12
//! folders`), Enter opens a folder with the same search shown, Esc closes the list and stops
//! what is left. Called by `update` only.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent};

use super::msg::Command;
use super::state::AppState;
use crate::mail::query::{Plan, Query};
use crate::mail::search::{FolderHits, SearchAllRequest};
use crate::mail::{ReqId, SourceCommand};
use crate::sanitize::Clean;

/// One folder of the results: its command name, its shown name, and its count once known
/// (or why it could not be searched).
pub type FolderLine = (String, Clean, Option<Result<u32, Clean>>);

/// The all-folders results, while they are shown.
#[derive(Debug)]
pub struct AllResults {
    pub req: ReqId,
    pub query: Arc<Query>,
    pub shown: Clean,
    /// Each folder searched: its command name, its shown name, and its count once known.
    pub folders: Vec<FolderLine>,
    pub cursor: usize,
    pub done: u32,
}

impl AllResults {
    pub fn finished(&self) -> bool {
        self.done as usize >= self.folders.len()
    }

    /// Messages found so far, in every folder.
    pub fn found(&self) -> u64 {
        self.folders
            .iter()
            .filter_map(|(_, _, r)| r.as_ref().and_then(|r| r.as_ref().ok()))
            .map(|n| u64::from(*n))
            .sum()
    }
}

/// Enter in the prompt with the all-folders scope: the search goes to the source, or the
/// query is refused (with the position and words for the prompt).
pub fn start(state: &mut AppState, query: Query) -> Result<Vec<Command>, (usize, Clean)> {
    if matches!(query.split(), Plan::Mixed { .. }) {
        let words = "at column 1: has: and portal: search the open folder only";
        return Err((0, Clean::line(words)));
    }
    let mut commands = cancel(state);
    let folders: Vec<FolderLine> = state
        .folders
        .list
        .iter()
        .filter(|f| f.selectable && !f.name.is_empty())
        .map(|f| (f.name.clone(), f.display.clone(), None))
        .collect();
    if folders.is_empty() {
        return Err((
            0,
            Clean::line("at column 1: the folder list has not come yet"),
        ));
    }
    let req = state.new_req();
    let query = Arc::new(query);
    commands.push(Command::Source(SourceCommand::SearchAll(
        SearchAllRequest {
            req,
            query: Arc::clone(&query),
            folders: folders.iter().map(|(name, _, _)| name.clone()).collect(),
        },
    )));
    state.search_all = Some(AllResults {
        req,
        shown: Clean::line(query.text()),
        query,
        folders,
        cursor: 0,
        done: 0,
    });
    Ok(commands)
}

/// The results still coming are not wanted any more.
fn cancel(state: &AppState) -> Vec<Command> {
    match &state.search_all {
        Some(all) if !all.finished() => {
            vec![Command::Source(SourceCommand::CancelSearch {
                req: all.req,
            })]
        }
        _ => vec![],
    }
}

/// A folder's count came.
pub fn on_hits(state: &mut AppState, hits: FolderHits) {
    let Some(all) = state.search_all.as_mut().filter(|a| a.req == hits.req) else {
        return;
    };
    all.done = all.done.max(hits.done);
    if let Some(line) = all
        .folders
        .iter_mut()
        .find(|(name, _, _)| *name == hits.folder)
    {
        line.2 = Some(hits.result.map_err(|why| Clean::line(&why)));
    }
}

/// The list's keys: move, Enter opens the folder with the search, Esc closes.
pub fn on_key(state: &mut AppState, key: &KeyEvent) -> Vec<Command> {
    let Some(all) = state.search_all.as_mut() else {
        return vec![];
    };
    let last = all.folders.len().saturating_sub(1);
    match key.code {
        KeyCode::Esc | KeyCode::Char('q') => {
            let commands = cancel(state);
            state.search_all = None;
            return commands;
        }
        KeyCode::Down | KeyCode::Char('j') => all.cursor = (all.cursor + 1).min(last),
        KeyCode::Up | KeyCode::Char('k') => all.cursor = all.cursor.saturating_sub(1),
        KeyCode::Enter => {
            let Some((name, display, _)) = all.folders.get(all.cursor).cloned() else {
                return vec![];
            };
            let query = Arc::clone(&all.query);
            let mut commands = cancel(state);
            state.search_all = None;
            commands.extend(super::update::open_folder(state, name, display));
            commands.extend(super::search::start_with(state, query));
            return commands;
        }
        _ => {}
    }
    vec![]
}
