//! The header cache as the reader sees it: a folder's cached rows shown at once and marked
//! as not current until the source has brought them up to date; the rows handed back to be
//! kept when the folder is current (loaded, and again on leaving it or quitting if it changed
//! since); the rows dropped when the folder changed beyond them; and, while the server cannot
//! be reached, a cached list that can be browsed but not changed. Called by `update` only.

use super::layout;
use super::list::RowList;
use super::msg::Command;
use super::state::{AppState, Notice};
use crate::mail::{ConnectionState, FolderVersion, ReqId, Row, SourceCommand};

/// The cached rows of the folder being opened.
pub fn on_cached(state: &mut AppState, req: ReqId, rows: Vec<Row>) {
    if req != state.folder.req {
        return;
    }
    let height = layout::list_rows(state);
    state.folder.opened = true;
    state.folder.from_cache = true;
    state.folder.rows.insert(rows, height);
    // The newest window comes first, the rest after: the total is what has come.
    state.folder.total = u32::try_from(state.folder.rows.loaded()).unwrap_or(u32::MAX);
}

/// Which state of the folder the rows stand for.
pub fn on_version(state: &mut AppState, req: ReqId, version: FolderVersion) {
    if req == state.folder.req {
        state.folder.version = Some(version);
    }
}

/// The rows shown no longer stand for the folder: they go, and it loads again.
pub fn on_reload(state: &mut AppState, req: ReqId, reason: &str) -> Vec<Command> {
    if req != state.folder.req {
        return vec![];
    }
    let mut commands = super::sealed::on_close(state);
    state.pane = None;
    let folder = &mut state.folder;
    folder.rows = RowList::new(state.settings.oldest_first);
    folder.marked.clear();
    folder.search = None;
    folder.from_cache = false;
    folder.cache_dirty = false;
    folder.version = None;
    folder.done = false;
    folder.total = 0;
    folder.threads = None;
    state.notice = Some(Notice::new(reason, false));
    // A threaded folder is threaded again: the old forest named the old UIDs.
    commands.extend(super::threads::on_open(state));
    commands
}

/// The folder is current: its rows are kept when they were loaded from the server, or when
/// bringing the cached ones up to date changed them.
pub fn on_loaded(state: &mut AppState) -> Vec<Command> {
    if !std::mem::take(&mut state.folder.from_cache) {
        state.folder.cache_dirty = true;
    }
    save(state)
}

/// Something changed in the folder's rows since they were last kept.
pub fn changed(state: &mut AppState) {
    state.folder.cache_dirty = true;
}

/// The rows to keep, when the folder is current, has a version and changed since last kept.
pub fn save(state: &mut AppState) -> Vec<Command> {
    let folder = &mut state.folder;
    let Some(version) = folder.version else {
        return vec![];
    };
    if !state.settings.header_cache || !folder.done || folder.from_cache || !folder.cache_dirty {
        return vec![];
    }
    folder.cache_dirty = false;
    vec![Command::Source(SourceCommand::SaveCache {
        folder: folder.name.clone(),
        version,
        rows: crate::cache::file::encode_rows(folder.rows.all()),
    })]
}

/// The list on screen came from the cache and the server cannot be reached: it may be read,
/// not changed. Says so, and returns true, when that is the case.
pub fn refused_offline(state: &mut AppState) -> bool {
    let offline = matches!(
        state.connection,
        ConnectionState::Reconnecting { .. } | ConnectionState::Failed { .. }
    );
    if offline && state.folder.from_cache {
        state.notice = Some(Notice::new(
            "offline: the cached list can be read, not changed",
            true,
        ));
        return true;
    }
    false
}
