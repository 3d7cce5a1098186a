//! The folder picker of a move or copy: a box over the screen with what is typed (and its
//! cursor) and the folders whose name holds it, the chosen one marked with `>` so that it
//! shows without colour.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::input;
use super::text::fit;
use super::theme::Theme;
use crate::app::picker::{FolderPicker, matches};
use crate::app::state::AppState;
use crate::mail::TransferKind;

/// The box's area: centred, at most 56 columns wide, above the status line.
fn area(screen: Rect, wanted_rows: usize) -> Rect {
    let width = screen.width.saturating_sub(4).min(56);
    let room = screen.height.saturating_sub(3);
    let height = (wanted_rows as u16)
        .saturating_add(2)
        .min(room)
        .max(3.min(room));
    Rect {
        x: screen.x + (screen.width.saturating_sub(width)) / 2,
        y: screen.y + 1,
        width,
        height,
    }
}

pub fn render(
    frame: &mut Frame,
    screen: Rect,
    state: &AppState,
    picker: &FolderPicker,
    theme: Theme,
) {
    let query = picker.query();
    let found = matches(state, &query);
    // The input, the folders (at least one line, for "no folder…"), the keys.
    let area = area(screen, found.len().max(1) + 2);
    let inner_width = area.width.saturating_sub(2) as usize;
    let list_rows = area.height.saturating_sub(4) as usize;
    let verb = match picker.kind {
        TransferKind::Move => "moves",
        TransferKind::Copy => "copies",
    };
    let shown = input::split(&picker.input, None);
    let label = Span::styled("Folder: ", theme.label());
    let cursor_x = area.x
        + 1
        + (label.width() + unicode_width::UnicodeWidthStr::width(shown.before.as_str())) as u16;
    let mut lines = vec![Line::from(vec![
        label,
        Span::raw(shown.before),
        Span::raw(shown.after),
    ])];
    let first = picker.cursor.saturating_sub(list_rows.saturating_sub(1));
    if found.is_empty() {
        lines.push(Line::styled(
            fit("  no folder has that name", inner_width),
            theme.dim(),
        ));
    }
    for (i, folder) in found.iter().enumerate().skip(first).take(list_rows) {
        let chosen = i == picker.cursor;
        let text = format!("{} {}", if chosen { '>' } else { ' ' }, folder.display);
        let style = if chosen {
            theme.selected()
        } else {
            ratatui::style::Style::new()
        };
        lines.push(Line::styled(fit(&text, inner_width), style));
    }
    while lines.len() < area.height.saturating_sub(3) as usize {
        lines.push(Line::raw(""));
    }
    lines.push(Line::styled(
        fit(&format!("Enter {verb} there, Esc cancels"), inner_width),
        theme.dim(),
    ));
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", picker.title()));
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
    if area.height > 2 {
        frame.set_cursor_position((cursor_x.min(area.right().saturating_sub(2)), area.y + 1));
    }
}
