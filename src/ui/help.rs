//! The help overlay, generated from the actions' own documentation and the live keymap;
//! on a screen with fewer rows than actions it scrolls.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::text::fit;
use super::theme::Theme;
use crate::app::action::Action;
use crate::app::context::Context;
use crate::app::state::AppState;

pub fn render(frame: &mut Frame, screen: Rect, state: &AppState, theme: Theme) {
    let rows = crate::app::action::help_lines() as u16 + 2;
    let width = screen.width.min(76);
    let height = screen.height.saturating_sub(1).min(rows);
    let area = Rect {
        x: screen.x + (screen.width - width) / 2,
        y: screen.y + (screen.height.saturating_sub(1) - height) / 2,
        width,
        height,
    };
    let mut block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.focused_border())
        .title(Span::styled(" Keys (q or ? to close) ", theme.header()));
    // More actions than rows: say which way the rest is.
    let shown = usize::from(height.saturating_sub(2));
    let last = crate::app::action::help_lines().saturating_sub(shown);
    let offset = state.help_scroll.min(last);
    // The help lists the keys of the message list, where the reader starts.
    let bindings = state.keymap.within(Context::List);
    let folder_bindings = state.keymap.within(Context::Folders);
    let key = |action| {
        bindings
            .keys_for(action)
            .first()
            .cloned()
            .unwrap_or_default()
    };
    let (up, down) = (key(Action::Up), key(Action::Down));
    let more = match (offset > 0, offset < last) {
        (true, true) => Some(format!(" ↑↓ more ({up} {down}) ")),
        (true, false) => Some(format!(" ↑ more ({up}) ")),
        (false, true) => Some(format!(" ↓ more ({down}) ")),
        (false, false) => None,
    };
    if let Some(more) = more {
        block = block.title_bottom(Span::styled(more, theme.header()));
    }
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let keys_w = 18usize;
    let actions = Action::ALL.iter().map(|action| {
        let mut keys = String::new();
        // An action of the folder pane only: its keys there.
        let mut listed = bindings.keys_for(*action);
        if listed.is_empty() {
            listed = folder_bindings.keys_for(*action);
        }
        for key in listed {
            if keys.len() + key.len() + 2 > keys_w {
                break;
            }
            keys.push_str(&key);
            keys.push(' ');
        }
        Line::from(vec![
            Span::styled(fit(&format!(" {keys}"), keys_w), theme.label()),
            Span::raw(fit(
                action.help(),
                (inner.width as usize).saturating_sub(keys_w),
            )),
        ])
    });
    // Below the keys, the search language, in the same two columns.
    let language = std::iter::once(Line::raw("")).chain(
        crate::mail::search::QUERY_HELP.iter().map(|(left, right)| {
            Line::from(vec![
                Span::styled(fit(&format!(" {left}"), keys_w), theme.label()),
                Span::raw(fit(right, (inner.width as usize).saturating_sub(keys_w))),
            ])
        }),
    );
    let lines: Vec<Line> = actions.chain(language).skip(offset).take(shown).collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
