//! The folder sidebar.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph};

use super::text::fit;
use super::theme::Theme;
use crate::app::state::{AppState, Focus};

pub fn render(frame: &mut Frame, area: Rect, state: &AppState, theme: Theme) {
    let focused = state.focus == Focus::Folders;
    let block = Block::new()
        .borders(Borders::RIGHT)
        .border_style(if focused {
            theme.focused_border()
        } else {
            theme.dim()
        })
        .title(ratatui::text::Span::styled("Folders", theme.header()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let height = inner.height as usize;
    let list = &state.folders.list;
    let offset = state
        .folders
        .cursor
        .saturating_sub(height.saturating_sub(1));
    let mut lines = Vec::new();
    if list.is_empty() {
        lines.push(Line::styled(fit(" …", width), theme.dim()));
    }
    for (i, folder) in list.iter().enumerate().skip(offset).take(height) {
        let current = folder.name == state.folder.name;
        let marker = match (focused && i == state.folders.cursor, current) {
            (true, _) => '>',
            (false, true) => '•',
            (false, false) => ' ',
        };
        let mut style = if folder.selectable {
            ratatui::style::Style::new()
        } else {
            theme.dim()
        };
        if current {
            style = style.patch(theme.unseen());
        }
        if focused && i == state.folders.cursor {
            style = style.patch(theme.selected());
        }
        lines.push(Line::styled(
            fit(&format!("{marker}{}", folder.display), width),
            style,
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
