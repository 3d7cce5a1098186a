//! The account list: each configured account, where it stands (shown, online, offline and
//! why, not opened yet), the chosen one marked with `>` so that it shows without colour.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::text::fit;
use super::theme::Theme;
use crate::app::accounts::standing;
use crate::app::state::AppState;

pub fn render(frame: &mut Frame, screen: Rect, state: &AppState, cursor: usize, theme: Theme) {
    let width = screen.width.saturating_sub(4).min(70);
    let height = (state.accounts.len() as u16 + 3).min(screen.height.saturating_sub(2));
    let area = Rect {
        x: screen.x + screen.width.saturating_sub(width) / 2,
        y: screen.y + 1,
        width,
        height,
    };
    let inner = width.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = state
        .accounts
        .iter()
        .enumerate()
        .map(|(i, account)| {
            let chosen = i == cursor;
            let marker = if chosen { '>' } else { ' ' };
            let text = format!("{marker} {}  ({})", account.label, standing(state, i));
            let style = if chosen {
                theme.selected()
            } else {
                ratatui::style::Style::new()
            };
            Line::styled(fit(&text, inner), style)
        })
        .collect();
    lines.push(Line::styled(
        fit("Enter switches, Esc closes", inner),
        theme.dim(),
    ));
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(" Accounts ", theme.header()));
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
