//! The status line: where you are, how much is loaded, the connection, and notices.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::fit;
use super::theme::Theme;
use crate::app::action::Action;
use crate::app::context::Context;
use crate::app::state::AppState;
use crate::mail::ConnectionState;

/// The loading figure: `41200/100000` while the folder fills, `100000 messages` when done.
pub fn progress(state: &AppState) -> String {
    let folder = &state.folder;
    let loaded = folder.rows.loaded();
    if let Some(search) = &folder.search {
        let found = match (search.answered, search.progress) {
            _ if search.failed.is_some() => "failed".to_string(),
            (true, _) => format!("{} found", folder.rows.matched()),
            (false, Some((done, total))) if total > 0 => {
                format!("searching… {}%", u64::from(done) * 100 / u64::from(total))
            }
            (false, _) => "searching…".into(),
        };
        // Results among rows still loading grow with them.
        let loading = if folder.done { "" } else { " (loading)" };
        return format!("search: {} │ {found}{loading}", search.shown);
    }
    if folder.rows.is_filtered() {
        return format!("{} of {} match", folder.rows.matched(), loaded);
    }
    if folder.from_cache {
        // Cached rows are never shown as current: the line says what they are.
        let offline = matches!(
            state.connection,
            ConnectionState::Reconnecting { .. } | ConnectionState::Failed { .. }
        );
        return if offline {
            format!("{loaded} cached │ offline, read-only")
        } else {
            format!("{loaded} cached, checking…")
        };
    }
    if !folder.opened {
        return "opening…".into();
    }
    if folder.done {
        let n = folder.total as usize;
        if n == 1 {
            "1 message".into()
        } else {
            format!("{n} messages")
        }
    } else {
        format!("{loaded}/{}", folder.total)
    }
}

fn connection_text(state: &AppState) -> Option<(String, bool)> {
    match &state.connection {
        ConnectionState::Connecting => Some(("connecting…".into(), false)),
        ConnectionState::Online { insecure: true, .. } => Some(("INSECURE: no TLS".into(), true)),
        ConnectionState::Online { .. } => None,
        ConnectionState::Reconnecting {
            reason,
            attempt,
            retry_in_s,
        } => Some((
            format!("reconnecting in {retry_in_s}s (try {attempt}): {reason}"),
            true,
        )),
        ConnectionState::Failed { reason } => Some((format!("offline: {reason}"), true)),
    }
}

pub fn render(frame: &mut Frame, area: Rect, state: &AppState, theme: Theme) {
    let width = area.width as usize;
    // The keys of the list, where the reader starts.
    let keys = state.keymap.within(Context::List);
    let help_keys = keys.keys_for(Action::Help);
    let mut right = format!(" {} help ", help_keys.first().map_or("?", String::as_str));
    // The account name only where there is room for it beside a notice.
    // With several accounts, which one is shown matters at any width.
    let mut left = if width >= 100 || state.accounts.len() > 1 {
        format!(
            " {} │ {} │ {}",
            state.account_label,
            state.folder.display,
            progress(state)
        )
    } else {
        format!(" {} │ {}", state.folder.display, progress(state))
    };
    if let Some(view) = &state.folder.threads {
        left.push_str(if view.waiting() {
            " │ threading…"
        } else {
            " │ threads"
        });
    }
    if state.folder.opened && state.folder.access.read_only {
        left.push_str(" │ read-only");
    }
    if !state.folder.marked.is_empty() {
        left.push_str(&format!(" │ {} marked", state.folder.marked.len()));
    }
    if let ConnectionState::Online { live, .. } = &state.connection {
        left.push_str(&format!(" │ {live}"));
    }
    let mut spans = vec![Span::styled(left.clone(), theme.status())];
    let mut used = unicode_width::UnicodeWidthStr::width(left.as_str());
    let mut extra: Vec<(String, ratatui::style::Style)> = Vec::new();
    if let Some((text, alarming)) = connection_text(state) {
        extra.push((
            format!(" {text} "),
            if alarming {
                theme.error()
            } else {
                theme.status()
            },
        ));
    }
    if let Some(notice) = &state.notice {
        extra.push((
            format!(" {} ", notice.text),
            if notice.error {
                theme.error()
            } else {
                theme.status()
            },
        ));
    }
    // A notice cut short: the right corner names the key that shows it whole.
    let wanted: usize = used
        + extra
            .iter()
            .map(|(t, _)| 2 + unicode_width::UnicodeWidthStr::width(t.as_str()))
            .sum::<usize>();
    if wanted + unicode_width::UnicodeWidthStr::width(right.as_str()) > width
        && let Some(key) = keys.keys_for(Action::Notices).first()
    {
        right = format!(" {key} more ");
    }
    let right_w = unicode_width::UnicodeWidthStr::width(right.as_str());
    for (text, style) in extra {
        // The same separator whatever follows: the connection's trouble or a notice.
        spans.push(Span::styled(" │", theme.status()));
        used += 2;
        let room = width.saturating_sub(used + right_w);
        let shown = fit(
            &text,
            room.min(unicode_width::UnicodeWidthStr::width(text.as_str())),
        );
        used += unicode_width::UnicodeWidthStr::width(shown.as_str());
        spans.push(Span::styled(shown, style));
    }
    let pad = width.saturating_sub(used + right_w);
    spans.push(Span::styled(" ".repeat(pad), theme.status()));
    if used + right_w <= width {
        spans.push(Span::styled(right, theme.status()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
