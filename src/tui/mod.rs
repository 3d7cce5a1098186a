//! The drivers above the views: the terminal loop ([`run`]) and the virtual screen that screen
//! tests and scripted runs drive ([`headless`]). Both hold the reader's state, feed it
//! messages through `app::update`, and draw it with `ui::draw`. [`viewer`] opens a saved
//! attachment with its viewer for the terminal's effects; [`editor`] runs the composer's
//! external editor.

pub mod core;
pub mod editor;
pub mod headless;
pub mod listing;
pub mod lookup;
pub mod run;
pub mod viewer;

use crate::app::layout;
use crate::app::state::{AppState, Measured, PaneContent};

/// Measures the open message at the pane's width when its content or the width changed since
/// the last measure, and keeps its scroll within it. Both drivers call this after every
/// update, so `update` pages and clamps with a length the view computed, without calling the
/// view itself; scrolling keeps the measure, so a key press does not lay the message out
/// again.
pub fn measure(state: &mut AppState) {
    let Some(pane) = state.pane.as_ref() else {
        return;
    };
    let width = crate::ui::message::text_width(state);
    if pane.measured.is_some_and(|m| m.width == width) {
        return;
    }
    let lines = match &pane.content {
        PaneContent::Ready(view) => crate::ui::message::line_count(view, state),
        PaneContent::Loading | PaneContent::Failed(_) => 0,
    };
    let last = lines.saturating_sub(layout::message_rows(state));
    if let Some(pane) = state.pane.as_mut() {
        pane.measured = Some(Measured { width, lines });
        pane.scroll = pane.scroll.min(last);
    }
}
