//! Pure view functions over borrowed reader state: one file per screen or panel. No tokio, no
//! network crates; nothing here changes state.

pub mod accounts;
pub mod advice;
pub mod compose;
pub mod folders;
pub mod help;
pub mod hints;
pub mod input;
pub mod list;
pub mod message;
pub mod metrics;
pub mod notices;
pub mod picker;
pub mod protected;
pub mod qr;
pub mod sealed;
pub mod search_all;
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
use crate::app::search::SearchPrompt;
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
    if let Some(composer) = &state.composer {
        let body = Rect {
            height: screen.height.saturating_sub(1),
            ..screen
        };
        compose::render(frame, body, composer, state.sender_seal.is_some(), theme);
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
        PromptLine::over(prompt.label(), &prompt.input, "  (Enter goes, Esc cancels)")
            .draw(frame, area, theme);
    } else if let (Some(area), Some(prompt)) = (areas.filter, state.search_prompt.as_ref()) {
        search_prompt(frame, area, prompt, theme);
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
    if let Some(all) = state.search_all.as_ref() {
        search_all::render(frame, screen, all, theme);
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

/// One line in the filter's place: a label, what is typed (split at its cursor), a dim hint;
/// the terminal's cursor is put where typing goes, when `cursor`.
struct PromptLine {
    label: String,
    before: String,
    after: String,
    hint: String,
    cursor: bool,
}

impl PromptLine {
    /// A prompt over a one-line input, split at the input's own cursor.
    fn over(label: String, text: &ratatui_textarea::TextArea<'_>, hint: &str) -> PromptLine {
        let shown = input::split(text, None);
        PromptLine {
            label,
            before: shown.before,
            after: shown.after,
            hint: hint.to_owned(),
            cursor: true,
        }
    }

    fn draw(self, frame: &mut Frame, area: Rect, theme: Theme) {
        let label = Span::styled(self.label, theme.label());
        let cursor_x = area.x
            + (label.width() + unicode_width::UnicodeWidthStr::width(self.before.as_str())) as u16;
        let line = Line::from(vec![
            label,
            Span::raw(self.before),
            Span::raw(self.after),
            Span::styled(self.hint, theme.dim()),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        if self.cursor {
            frame.set_cursor_position((cursor_x.min(area.right().saturating_sub(1)), area.y));
        }
    }
}

/// The filter line: the query with its cursor, and while it is typed what Enter and Esc do.
fn filter_line(frame: &mut Frame, area: Rect, filter: &FilterInput, theme: Theme) {
    let hint = if filter.editing {
        "  (Enter keeps it, Esc clears)"
    } else {
        ""
    };
    let mut line = PromptLine::over("Filter: ".into(), &filter.input, hint);
    line.cursor = filter.editing;
    line.draw(frame, area, theme);
}

/// The search prompt; a refused query gets a second line whose caret points at the column
/// the error names.
fn search_prompt(frame: &mut Frame, area: Rect, prompt: &SearchPrompt, theme: Theme) {
    let label = prompt.label();
    let hint = match (prompt.error.is_some(), prompt.all_folders) {
        (true, _) => "",
        (false, false) => "  (Enter searches, Tab: all folders, Esc cancels)",
        (false, true) => "  (Enter searches, Tab: this folder, Esc cancels)",
    };
    let first = Rect {
        height: area.height.min(1),
        ..area
    };
    PromptLine::over(label.into(), &prompt.input, hint).draw(frame, first, theme);
    let Some((position, message)) = &prompt.error else {
        return;
    };
    if area.height < 2 {
        return;
    }
    let typed = prompt.input.lines().join(" ");
    let before: String = typed.chars().take(*position).collect();
    let column = label.len() + unicode_width::UnicodeWidthStr::width(before.as_str());
    let text = format!("{}^ {message}", " ".repeat(column));
    let line = Line::styled(text::fit(&text, area.width as usize), theme.error());
    let second = Rect {
        y: area.y + 1,
        height: 1,
        ..area
    };
    frame.render_widget(Paragraph::new(line), second);
}

/// The prompt for a link's number.
fn link_prompt(frame: &mut Frame, area: Rect, prompt: &LinkPrompt, theme: Theme) {
    let verb = match prompt.use_ {
        LinkUse::Copy => "copies",
        LinkUse::Open => "opens",
    };
    PromptLine {
        label: prompt.label(),
        before: prompt.typed.clone(),
        after: String::new(),
        hint: format!("  (Enter {verb} it, Esc cancels)"),
        cursor: true,
    }
    .draw(frame, area, theme);
}

/// The attachment prompt: which, where to, which command, or whether to replace.
fn save_prompt(frame: &mut Frame, area: Rect, prompt: &SavePrompt, theme: Theme) {
    let line = match prompt {
        SavePrompt::Choose { typed, .. } => PromptLine {
            label: prompt.label(),
            before: typed.clone(),
            after: String::new(),
            hint: "  (Esc cancels)".into(),
            cursor: true,
        },
        SavePrompt::Directory { input: text, .. } => {
            PromptLine::over(prompt.label(), text, "  (Enter saves, Esc cancels)")
        }
        SavePrompt::Command { input: text, .. } => {
            PromptLine::over(prompt.label(), text, "  (Enter runs it, Esc cancels)")
        }
        SavePrompt::Replace { .. } | SavePrompt::Decrypted { .. } => PromptLine {
            label: prompt.label(),
            before: String::new(),
            after: String::new(),
            hint: String::new(),
            cursor: true,
        },
    };
    line.draw(frame, area, theme);
}
