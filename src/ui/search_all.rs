//! The results of a search of every folder: each folder with its count as it comes (`…`
//! while it is searched), the chosen one marked with `>` so that it shows without colour, and
//! how far the search has come in the title.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::text::{fit, fit_right};
use super::theme::Theme;
use crate::app::search_all::AllResults;

pub fn render(frame: &mut Frame, screen: Rect, all: &AllResults, theme: Theme) {
    let width = screen.width.saturating_sub(4).min(70);
    let room = screen.height.saturating_sub(3);
    let height = (all.folders.len() as u16 + 3).min(room.max(4));
    let area = Rect {
        x: screen.x + screen.width.saturating_sub(width) / 2,
        y: screen.y + 1,
        width,
        height,
    };
    let inner = width.saturating_sub(2) as usize;
    let rows = usize::from(height.saturating_sub(3)).max(1);
    let first = all.cursor.saturating_sub(rows.saturating_sub(1));
    let mut lines: Vec<Line> = all
        .folders
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(i, (_, shown, result))| {
            let chosen = i == all.cursor;
            let count = match result {
                None => "…".to_string(),
                Some(Ok(n)) => n.to_string(),
                Some(Err(_)) => "failed".to_string(),
            };
            let name_w = inner.saturating_sub(12);
            let text = format!(
                "{} {} {}",
                if chosen { '>' } else { ' ' },
                fit(shown.as_str(), name_w),
                fit_right(&count, 9)
            );
            let style = if chosen {
                theme.selected()
            } else if matches!(result, Some(Ok(0))) {
                theme.dim()
            } else {
                ratatui::style::Style::new()
            };
            Line::styled(fit(&text, inner), style)
        })
        .collect();
    let why = all
        .folders
        .get(all.cursor)
        .and_then(|(_, _, r)| r.as_ref())
        .and_then(|r| r.as_ref().err());
    let foot = match why {
        Some(why) => format!("failed: {why}"),
        None => "Enter opens the folder with the search, Esc closes".to_string(),
    };
    lines.push(Line::styled(fit(&foot, inner), theme.dim()));
    let progress = if all.finished() {
        format!("{} found", all.found())
    } else {
        format!(
            "{}/{} folders, {} found",
            all.done,
            all.folders.len(),
            all.found()
        )
    };
    let title = format!(" All folders: {} │ {progress} ", all.shown);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(fit(&title, inner), theme.header()));
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
