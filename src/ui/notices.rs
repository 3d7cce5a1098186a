//! The notice history overlay: every notice the status line showed, whole, with its time,
//! newest first. Server alerts stand out; the text is wrapped, never cut.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::text::{fit, wrap};
use super::theme::Theme;
use crate::app::action::Action;
use crate::app::context::Context;
use crate::app::notices::{NoticeKind, text_width};
use crate::app::state::AppState;

/// The overlay's lines at `width` columns.
pub fn lines(state: &AppState, width: usize, theme: Theme) -> Vec<Line<'static>> {
    if state.notices.is_empty() {
        return vec![Line::styled(
            "Nothing yet: errors and the server's alerts are kept here.",
            theme.dim(),
        )];
    }
    let mut out = Vec::new();
    for notice in state.notices.newest_first() {
        let label = match notice.kind {
            NoticeKind::Alert => "server alert",
            NoticeKind::Error => "error",
            NoticeKind::Info => "notice",
        };
        let times = if notice.times > 1 {
            format!(" (×{})", notice.times)
        } else {
            String::new()
        };
        let style = match notice.kind {
            NoticeKind::Alert => theme.error(),
            NoticeKind::Error => theme.warning(),
            NoticeKind::Info => theme.label(),
        };
        out.push(Line::from(vec![
            Span::styled(state.clock.time_of_day(notice.at), theme.dim()),
            Span::raw("  "),
            Span::styled(format!("{label}{times}"), style),
        ]));
        for part in wrap(&notice.text, text_width(width)) {
            out.push(Line::raw(format!("  {part}")));
        }
    }
    out
}

/// The overlay's area on a screen: all of it but the status line.
fn overlay(screen: Rect) -> Rect {
    Rect {
        height: screen.height.saturating_sub(1),
        ..screen
    }
}

pub fn render(frame: &mut Frame, screen: Rect, state: &AppState, theme: Theme) {
    let area = overlay(screen);
    let close = state
        .keymap
        .within(Context::Notices)
        .keys_for(Action::Back)
        .into_iter()
        .find(|k| k == "esc")
        .unwrap_or_else(|| "esc".into());
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.focused_border())
        .title(Span::styled(
            fit(
                &format!(" Notices, newest first ({close} closes) "),
                (area.width as usize).saturating_sub(2),
            ),
            theme.header(),
        ));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let most = state.notices.max_scroll(state.viewport);
    let shown: Vec<Line> = lines(state, inner.width as usize, theme)
        .into_iter()
        .skip(state.notices.scroll.min(most))
        .take(inner.height as usize)
        .collect();
    frame.render_widget(Paragraph::new(shown), inner);
}
