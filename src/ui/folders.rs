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
        let count = count_text(state, &folder.name, current);
        // The count only where the name keeps room for a few characters beside it.
        let count = count.filter(|c| width >= 1 + indent.len() + 6 + 1 + c.len());
        if count.as_ref().is_some_and(|c| c.contains('/')) {
            style = style.patch(theme.unseen());
        }
        let count_width = count.as_ref().map_or(0, |c| c.len() + 1);
        let room = width.saturating_sub(1 + indent.len() + count_width);
        let label = fit_middle(&folder.label, room);
        let mut text = fit(&format!("{marker}{indent}{label}"), width - count_width);
        if let Some(count) = count {
            text.push(' ');
            text.push_str(&count);
        }
        lines.push(Line::styled(text, style));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// `3/120` (unread of all) or `120` for a folder whose counts are known: from the source, or
/// for the open folder from its list once it is loaded. Nothing while the source reports
/// no counts.
fn count_text(state: &AppState, name: &str, open: bool) -> Option<String> {
    if state.folders.counts.is_empty() {
        return None;
    }
    let (total, unseen) = if open {
        if !state.folder.done {
            return None;
        }
        let rows = state.folder.rows.all();
        let unseen = rows
            .iter()
            .filter(|r| !r.flags.contains(crate::mail::Flags::SEEN))
            .count();
        (state.folder.total as usize, unseen)
    } else {
        let count = state.folders.counts.get(name)?;
        (count.total as usize, count.unseen as usize)
    };
    Some(if unseen > 0 {
        format!("{unseen}/{total}")
    } else {
        total.to_string()
    })
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
