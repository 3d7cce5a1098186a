//! The help overlay, generated from the actions' own documentation and the live keymap.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::text::fit;
use super::theme::Theme;
use crate::app::action::Action;
use crate::app::state::AppState;

pub fn render(frame: &mut Frame, screen: Rect, state: &AppState, theme: Theme) {
    // One line per action and the title: at 80x24 every action fits above the status line.
    let rows = Action::ALL.len() as u16 + 1;
    let width = screen.width.min(76);
    let height = screen.height.saturating_sub(1).min(rows);
    let area = Rect {
        x: screen.x + (screen.width - width) / 2,
        y: screen.y + (screen.height.saturating_sub(1) - height) / 2,
        width,
        height,
    };
    let block = Block::new()
        .borders(Borders::TOP | Borders::LEFT | Borders::RIGHT)
        .border_style(theme.focused_border())
        .title(Span::styled(" Keys (q or ? to close) ", theme.header()));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let keys_w = 18usize;
    let lines: Vec<Line> = Action::ALL
        .iter()
        .map(|action| {
            let mut keys = String::new();
            for key in state.keymap.keys_for(*action) {
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
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
