//! Where each pane goes for a given screen size and state: model geometry, which `update`
//! uses to page and scroll and the views use to draw, so the two never disagree.

use ratatui::layout::Rect;

use crate::app::state::{AppState, Focus, Layout};

/// Folder sidebar width.
const SIDEBAR: u16 = 22;
/// From this width on, the folder list is always shown.
const SIDEBAR_ALWAYS_FROM: u16 = 110;

/// The screen areas of every pane; `None` when a pane is not shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Areas {
    pub folders: Option<Rect>,
    /// The message list, its column header included.
    pub list: Option<Rect>,
    pub message: Option<Rect>,
    pub filter: Option<Rect>,
    pub metrics: Option<Rect>,
    pub status: Rect,
}

/// From this width on, the metrics panel is a column on the right; below it, a band at the
/// bottom.
const METRICS_SIDE_FROM: u16 = 120;
const METRICS_SIDE_WIDTH: u16 = 44;
const METRICS_BAND_HEIGHT: u16 = 9;

pub fn areas(screen: Rect, state: &AppState) -> Areas {
    let mut out = Areas::default();
    let mut body = screen;
    body.height = screen.height.saturating_sub(1);
    out.status = Rect {
        y: screen.y + body.height,
        height: screen.height.min(1),
        ..screen
    };
    let prompt = state.filter.is_some()
        || state.link_prompt.is_some()
        || state.triage.confirm.is_some()
        || state.save_prompt.is_some()
        || state.folder_prompt.is_some()
        || state.search_prompt.is_some();
    // A refused search query takes a second line, to point at the error.
    let prompt_height = if state
        .search_prompt
        .as_ref()
        .is_some_and(|p| p.error.is_some())
    {
        2
    } else {
        1
    };
    if prompt && body.height > 1 + prompt_height {
        body.height -= prompt_height;
        out.filter = Some(Rect {
            y: body.y + body.height,
            height: prompt_height,
            ..body
        });
    }
    if state.metrics_panel && state.metrics.is_on() {
        if screen.width >= METRICS_SIDE_FROM {
            body.width -= METRICS_SIDE_WIDTH;
            out.metrics = Some(Rect {
                x: body.x + body.width,
                width: METRICS_SIDE_WIDTH,
                ..body
            });
        } else if body.height > METRICS_BAND_HEIGHT + 6 {
            body.height -= METRICS_BAND_HEIGHT;
            out.metrics = Some(Rect {
                y: body.y + body.height,
                height: METRICS_BAND_HEIGHT,
                ..body
            });
        }
    }
    if state.message_full_screen() {
        out.message = Some(body);
        return out;
    }
    let show_sidebar = state.focus == Focus::Folders || screen.width >= SIDEBAR_ALWAYS_FROM;
    if show_sidebar && body.width > SIDEBAR + 20 {
        out.folders = Some(Rect {
            width: SIDEBAR,
            ..body
        });
        body.x += SIDEBAR;
        body.width -= SIDEBAR;
    }
    match (&state.pane, state.layout) {
        (Some(_), Layout::Split) if body.height >= 10 => {
            let list_height = (body.height * 2 / 5).max(5);
            out.list = Some(Rect {
                height: list_height,
                ..body
            });
            out.message = Some(Rect {
                y: body.y + list_height,
                height: body.height - list_height,
                ..body
            });
        }
        _ => out.list = Some(body),
    }
    out
}

/// How many message rows the list shows (its header line excluded).
pub fn list_rows(state: &AppState) -> usize {
    let (w, h) = state.viewport;
    areas(Rect::new(0, 0, w, h), state)
        .list
        .map_or(1, |r| r.height.saturating_sub(1).max(1) as usize)
}

/// How many lines of a message the pane shows.
pub fn message_rows(state: &AppState) -> usize {
    let (w, h) = state.viewport;
    areas(Rect::new(0, 0, w, h), state)
        .message
        .map_or(1, |r| r.height.saturating_sub(1).max(1) as usize)
}

/// How many actions the help overlay shows at once (the same arithmetic as `help::render`).
pub fn help_rows(state: &AppState) -> usize {
    let (_, h) = state.viewport;
    usize::from(h.saturating_sub(1).saturating_sub(2)).max(1)
}

/// How many folders the sidebar shows.
pub fn folder_rows(state: &AppState) -> usize {
    let (w, h) = state.viewport;
    areas(Rect::new(0, 0, w, h), state)
        .folders
        .map_or(1, |r| r.height.saturating_sub(1).max(1) as usize)
}
