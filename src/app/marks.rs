//! Marked messages: a set of UIDs of the open folder that the triage actions apply to. A
//! mark stays on its message while rows come and go; a message that leaves loses its mark.
//! Called by `update` only.

use super::layout;
use super::state::{AppState, Notice};

/// Marks or unmarks the selected message and moves to the next, as mutt's tag does.
pub fn toggle(state: &mut AppState) {
    let Some(uid) = state.folder.rows.selected().map(|r| r.uid) else {
        return;
    };
    if !state.folder.marked.remove(&uid) {
        state.folder.marked.insert(uid);
    }
    let height = layout::list_rows(state);
    state.folder.rows.move_by(1, height);
}

/// Marks every message the list shows (all loaded, or the filter's matches).
pub fn mark_all(state: &mut AppState) {
    let rows = &state.folder.rows;
    let shown: Vec<u32> = (0..rows.len())
        .filter_map(|position| rows.at(position).map(|r| r.uid))
        .collect();
    state.folder.marked.extend(shown);
    let text = format!("{} marked", state.folder.marked.len());
    state.notice = Some(Notice::new(&text, false));
}

/// Clears every mark.
pub fn clear(state: &mut AppState) {
    state.folder.marked.clear();
}

/// Messages that left the folder lose their marks.
pub fn forget(state: &mut AppState, uids: &[u32]) {
    for uid in uids {
        state.folder.marked.remove(uid);
    }
}
