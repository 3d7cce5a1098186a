//! Pure view functions over borrowed reader state: one file per screen or panel. No tokio, no
//! network crates; nothing here changes state.

pub mod accounts;
pub mod advice;
pub mod folders;
pub mod help;
pub mod hints;
pub mod input;
pub mod list;
pub mod message;
pub mod metrics;
pub mod notices;
pub mod picker;
pub mod qr;
pub mod sealed;
pub mod signin;
pub mod status;
pub mod text;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::app::layout;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::links::{LinkPrompt, LinkUse};
use crate::app::save::SavePrompt;
use crate::app::state::{AppState, FilterInput};
use theme::Theme;

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, state: &AppState) {
    let theme = Theme {
        color: state.settings.color,
    };
    let screen = frame.area();
    let areas = layout::areas(screen, state);
    if let Some(sign_in) = &state.sign_in {
        let body = Rect {
            height: screen.height.saturating_sub(1),
            ..screen
        };
        signin::render(frame, body, sign_in, &state.clock, &state.keymap, theme);
        status::render(frame, areas.status, state, theme);
        return;
    }
    if let Some(area) = areas.folders {
        folders::render(frame, area, state, theme);
    }
    if let Some(area) = areas.list {
        list::render(frame, area, state, theme);
    }
    if let (Some(area), Some(pane)) = (areas.message, state.pane.as_ref()) {
        message::render(frame, area, state, pane, theme);
    }
    if let (Some(area), Some(prompt)) = (areas.filter, state.link_prompt.as_ref()) {
        link_prompt(frame, area, prompt, theme);
    } else if let (Some(area), Some(prompt)) = (areas.filter, state.folder_prompt.as_ref()) {
        text_prompt(frame, area, &prompt.label(), &prompt.input, theme);
    } else if let (Some(area), Some(prompt)) = (areas.filter, state.save_prompt.as_ref()) {
        save_prompt(frame, area, prompt, theme);
    } else if let (Some(area), Some(confirm)) = (areas.filter, state.triage.confirm.as_ref()) {
        let line = Line::styled(confirm.question.to_string(), theme.warning());
        frame.render_widget(Paragraph::new(line), area);
    } else if let (Some(area), Some(filter)) = (areas.filter, state.filter.as_ref()) {
        filter_line(frame, area, filter, theme);
    }
    // The figures are computed only when the panel is on screen.
    if let Some(area) = areas.metrics
        && let Some(figures) = state.metrics.figures()
    {
        metrics::render(frame, area, &figures, theme);
    }
    status::render(frame, areas.status, state, theme);
    if let Some(picker) = state.picker.as_ref() {
        picker::render(frame, screen, state, picker, theme);
    }
    if let Some(cursor) = state.account_list {
        accounts::render(frame, screen, state, cursor, theme);
    }
    if state.notices.open {
        notices::render(frame, screen, state, theme);
    }
    if state.help {
        help::render(frame, screen, state, theme);
    }
}

/// The filter line: the query with its cursor, and while it is typed what Enter and Esc do.
fn filter_line(frame: &mut Frame, area: Rect, filter: &FilterInput, theme: Theme) {
    let label = Span::styled("Filter: ", theme.label());
    let shown = input::split(&filter.input, None);
    let hint = if filter.editing {
        "  (Enter keeps it, Esc clears)"
    } else {
        ""
    };
    let cursor_x = area.x
        + (label.width() + unicode_width::UnicodeWidthStr::width(shown.before.as_str())) as u16;
    let line = Line::from(vec![
        label,
        Span::raw(shown.before),
        Span::raw(shown.after),
        Span::styled(hint, theme.dim()),
    ]);
    frame.render_widget(Paragraph::new(line), area);
    if filter.editing {
        frame.set_cursor_position((cursor_x.min(area.right().saturating_sub(1)), area.y));
    }
}

/// The prompt for a link's number, in the filter's place.
fn link_prompt(frame: &mut Frame, area: Rect, prompt: &LinkPrompt, theme: Theme) {
    let label = Span::styled(prompt.label(), theme.label());
    let verb = match prompt.use_ {
        LinkUse::Copy => "copies",
        LinkUse::Open => "opens",
    };
    let cursor_x = area.x + (label.width() + prompt.typed.len()) as u16;
    let line = Line::from(vec![
        label,
        Span::raw(prompt.typed.clone()),
        Span::styled(format!("  (Enter {verb} it, Esc cancels)"), theme.dim()),
    ]);
    frame.render_widget(Paragraph::new(line), area);
    frame.set_cursor_position((cursor_x.min(area.right().saturating_sub(1)), area.y));
}

/// The attachment save's prompt, in the filter's place: which, where to (with its cursor), or
/// whether to replace.
fn save_prompt(frame: &mut Frame, area: Rect, prompt: &SavePrompt, theme: Theme) {
    let label = Span::styled(prompt.label(), theme.label());
    let (before, after, hint) = match prompt {
        SavePrompt::Choose { typed, .. } => (typed.clone(), String::new(), "  (Esc cancels)"),
        SavePrompt::Directory { input: text, .. } => {
            let shown = input::split(text, None);
            (shown.before, shown.after, "  (Enter saves, Esc cancels)")
        }
        SavePrompt::Command { input: text, .. } => {
            let shown = input::split(text, None);
            (shown.before, shown.after, "  (Enter runs it, Esc cancels)")
        }
        SavePrompt::Replace { .. } => (String::new(), String::new(), ""),
    };
    let cursor_x =
        area.x + (label.width() + unicode_width::UnicodeWidthStr::width(before.as_str())) as u16;
    let line = Line::from(vec![
        label,
        Span::raw(before),
        Span::raw(after),
        Span::styled(hint, theme.dim()),
    ]);
    frame.render_widget(Paragraph::new(line), area);
    frame.set_cursor_position((cursor_x.min(area.right().saturating_sub(1)), area.y));
}

/// A one-line prompt with an editable input and its cursor, in the filter's place.
fn text_prompt(
    frame: &mut Frame,
    area: Rect,
    label: &str,
    text: &ratatui_textarea::TextArea<'_>,
    theme: Theme,
) {
    let label = Span::styled(label.to_owned(), theme.label());
    let shown = input::split(text, None);
    let cursor_x = area.x
        + (label.width() + unicode_width::UnicodeWidthStr::width(shown.before.as_str())) as u16;
    let line = Line::from(vec![
        label,
        Span::raw(shown.before),
        Span::raw(shown.after),
        Span::styled("  (Enter goes, Esc cancels)", theme.dim()),
    ]);
    frame.render_widget(Paragraph::new(line), area);
    frame.set_cursor_position((cursor_x.min(area.right().saturating_sub(1)), area.y));
}
