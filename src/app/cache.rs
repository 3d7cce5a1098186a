//! The header cache as the reader sees it: a folder's cached rows shown at once and marked
//! as not current until the source has brought them up to date; the rows handed back to be
//! kept when the folder is current (loaded, and again on leaving it or quitting if it changed
//! since), in parts; the rows dropped when the folder changed beyond them; and, while the
//! server cannot be reached, a cached list that can be browsed but not changed. Called by
//! `update` only.

use super::layout;
use super::list::RowList;
use super::msg::Command;
use super::state::{AppState, FolderState, Notice};
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
    folder.cache_saving = None;
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
    start_save(state)
}

/// Something changed in the folder's rows since they were last kept.
pub fn changed(state: &mut AppState) {
    state.folder.cache_dirty = true;
}

/// Rows handed to the header cache in one part: a large list goes in steps, each encoded
/// when the cache has written the one before, so its encoded copy is never whole in memory.
const PART_ROWS: usize = 2000;
/// "Below" every UID: the whole list.
const ALL: u64 = u32::MAX as u64 + 1;

/// Starts keeping the rows, when the folder is current, has a version and changed since last
/// kept: the first part now, the others as the cache asks for them ([`on_wanted`]).
pub fn start_save(state: &mut AppState) -> Vec<Command> {
    match to_keep(state) {
        Some(version) => next_part(&mut state.folder, version, ALL, true, PART_ROWS),
        None => vec![],
    }
}

/// The version to keep the rows under, when they are to be kept now (and no longer dirty).
fn to_keep(state: &mut AppState) -> Option<FolderVersion> {
    let folder = &mut state.folder;
    let version = folder.version?;
    if !state.settings.header_cache || !folder.done || folder.from_cache || !folder.cache_dirty {
        return None;
    }
    folder.cache_dirty = false;
    Some(version)
}

/// The cache wrote a part and wants the next one.
pub fn on_wanted(state: &mut AppState, folder: &str) -> Vec<Command> {
    let open = &mut state.folder;
    match open.cache_saving {
        Some((version, below)) if open.name == folder => {
            next_part(open, version, below, false, PART_ROWS)
        }
        _ => vec![],
    }
}

/// Leaving the folder or quitting: what is left of a save in progress goes in one last part
/// (the rows are about to go), else the rows are kept whole if they changed.
pub fn save(state: &mut AppState) -> Vec<Command> {
    if let Some((version, below)) = state.folder.cache_saving {
        return next_part(&mut state.folder, version, below, false, usize::MAX);
    }
    match to_keep(state) {
        Some(version) => next_part(&mut state.folder, version, ALL, true, usize::MAX),
        None => vec![],
    }
}

/// The part of at most `most` rows below UID `below` (newest first), and whether more follow.
fn next_part(
    folder: &mut FolderState,
    version: FolderVersion,
    below: u64,
    first: bool,
    most: usize,
) -> Vec<Command> {
    let rows = folder.rows.all();
    // Rows are held by descending UID.
    let start = rows.partition_point(|r| u64::from(r.uid) >= below);
    let part = rows.get(start..).unwrap_or_default();
    let part = part.get(..most.min(part.len())).unwrap_or_default();
    let last = part.len() == rows.len().saturating_sub(start);
    folder.cache_saving = match part.last() {
        Some(oldest) if !last => Some((version, u64::from(oldest.uid))),
        _ => None,
    };
    vec![Command::Source(SourceCommand::SaveCache {
        folder: folder.name.clone(),
        version,
        rows: crate::cache::file::encode_rows(part),
        first,
        last,
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
