//! The folder sidebar: the tree of [`crate::mail::folder_tree`], sections under their
//! headings, each level indented, names cut in the middle when the pane is narrow.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph};

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

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
        let cursor = focused && i == state.folders.cursor;
        if folder.is_heading() {
            let style = if cursor {
                theme.header().patch(theme.selected())
            } else {
                theme.header()
            };
            lines.push(Line::styled(fit(&folder.label, width), style));
            continue;
        }
        let current = !folder.name.is_empty() && folder.name == state.folder.name;
        let marker = match (cursor, current) {
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
        if cursor {
            style = style.patch(theme.selected());
        }
        let indent = " ".repeat(folder.depth.min(MAX_INDENT));
        let room = width.saturating_sub(1 + indent.len());
        let label = fit_middle(&folder.label, room);
        lines.push(Line::styled(
            fit(&format!("{marker}{indent}{label}"), width),
            style,
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Deeper levels are not indented further, so that names keep room in the narrow pane.
const MAX_INDENT: usize = 6;

/// `s` in `width` cells, cut in the middle: folders that differ only at the end of a long
/// name (`Announcements-2024`, `Announcements-2025`) still look different.
fn fit_middle(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_owned();
    }
    if width < 2 {
        return fit(s, width).trim_end().to_owned();
    }
    let tail_room = (width - 1) / 2;
    let head_room = width - 1 - tail_room;
    let mut head = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > head_room {
            break;
        }
        head.push(c);
        used += w;
    }
    let mut tail: Vec<char> = Vec::new();
    let mut used = 0;
    for c in s.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > tail_room {
            break;
        }
        tail.push(c);
        used += w;
    }
    head.push('…');
    head.extend(tail.into_iter().rev());
    head
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_keep_their_ends() {
        assert_eq!(fit_middle("Announcements-2024", 11), "Annou…-2024");
        assert_eq!(fit_middle("short", 11), "short");
        assert_eq!(fit_middle("日本語のフォルダ名", 9), "日本…ダ名");
        assert_eq!(fit_middle("abc", 1), "…");
        assert_eq!(fit_middle("abc", 0), "");
    }
}
