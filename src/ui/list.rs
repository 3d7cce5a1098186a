//! The message list: only the rows on screen are laid out, whatever the folder's size.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::{fit, fit_right, human_size};
use super::theme::Theme;
use crate::app::state::AppState;
use crate::mail::threads::ThreadLine;
use crate::mail::{ConnectionState, Flags, Row};

const FLAGS_W: usize = 6;
const DATE_W: usize = 10;
const SIZE_W: usize = 5;

fn from_width(total: usize) -> usize {
    (total / 4).clamp(12, 28)
}

/// The widths a row is laid out in.
#[derive(Clone, Copy)]
struct Columns {
    from: usize,
    subject: usize,
    total: usize,
}

pub fn render(frame: &mut Frame, area: Rect, state: &AppState, theme: Theme) {
    let width = area.width as usize;
    let from_w = from_width(width);
    let subject_w = width.saturating_sub(FLAGS_W + DATE_W + 1 + from_w + 1 + 1 + SIZE_W);
    let columns = Columns {
        from: from_w,
        subject: subject_w,
        total: width,
    };
    let mut lines = Vec::with_capacity(area.height as usize);
    let header = format!(
        "{}{} {} {} {}",
        " ".repeat(FLAGS_W),
        fit("Date", DATE_W),
        fit("From", from_w),
        fit("Subject", subject_w),
        fit_right("Size", SIZE_W)
    );
    lines.push(Line::styled(fit(&header, width), theme.header()));

    let list = &state.folder.rows;
    let body_rows = area.height.saturating_sub(1) as usize;
    if list.is_empty() {
        let text = empty_text(state);
        lines.push(Line::styled(fit(&format!("  {text}"), width), theme.dim()));
    }
    for position in list.offset..(list.offset + body_rows).min(list.len()) {
        let Some(row) = list.at(position) else { break };
        let selected = position == list.cursor();
        let tree = list.thread_line(position);
        lines.push(row_line(row, tree, state, theme, columns, selected));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn empty_text(state: &AppState) -> String {
    if let Some(search) = &state.folder.search {
        if let Some(why) = &search.failed {
            format!("Search failed: {why}")
        } else if search.answered {
            format!(
                "No message matches {}  (Esc returns to the folder)",
                search.shown
            )
        } else {
            "Searching…".into()
        }
    } else if state.folder.rows.is_filtered() {
        format!(
            "No loaded message matches \"{}\"",
            state.folder.rows.filter_query()
        )
    } else if state.folder.opened && state.folder.total == 0 {
        format!("No messages in {}", state.folder.display)
    } else {
        // Nothing will load until the connection is back: say why the list is empty.
        match &state.connection {
            ConnectionState::Failed { reason } => format!("Nothing listed: {reason}"),
            ConnectionState::Reconnecting { .. } => "Nothing listed yet: reconnecting…".into(),
            ConnectionState::Connecting | ConnectionState::Online { .. } => "Loading…".into(),
        }
    }
}

fn flags_text(row: &Row, selected: bool, marked: bool) -> String {
    let mut s = String::with_capacity(FLAGS_W);
    // The marker keeps the selection visible without colour or reverse video.
    s.push(if selected { '>' } else { ' ' });
    s.push(if row.flags.contains(Flags::SEEN) {
        ' '
    } else {
        'N'
    });
    s.push(if row.flags.contains(Flags::FLAGGED) {
        '!'
    } else {
        ' '
    });
    s.push(if row.flags.contains(Flags::ANSWERED) {
        'r'
    } else {
        ' '
    });
    s.push(if row.attachment { '+' } else { ' ' });
    s.push(if marked { '*' } else { ' ' });
    s
}

/// One row; `tree` is its line of the thread view, when the list shows threads.
fn row_line<'a>(
    row: &Row,
    tree: Option<&ThreadLine>,
    state: &AppState,
    theme: Theme,
    columns: Columns,
    selected: bool,
) -> Line<'a> {
    let Columns {
        from: from_w,
        subject: subject_w,
        total: width,
    } = columns;
    let mut subject = String::new();
    // The thread view: the tree drawing, and what a collapsed thread folds away.
    if let Some(line) = tree {
        subject.push_str(&line.prefix);
        match (line.hidden, line.unread_hidden) {
            (0, _) => {}
            (hidden, 0) => subject.push_str(&format!("[+{hidden}] ")),
            (hidden, unread) => subject.push_str(&format!("[+{hidden}, {unread} new] ")),
        }
    }
    if let Some(mark) = row.portal {
        if mark.suspicious {
            subject.push_str("⚠ ");
        } else if mark.unverified {
            subject.push_str("? ");
        } else {
            subject.push('🔒');
        }
        subject.push_str(mark.vendor.as_str());
        subject.push(' ');
    }
    if let Some(protection) = row.protection {
        subject.push_str(protection_mark(protection));
        subject.push(' ');
    }
    if row.subject().trim().is_empty() {
        subject.push_str("(no subject)");
    } else {
        subject.push_str(row.subject());
    }
    let date = state.clock.short_date(row.date);
    let mut base = if row.flags.contains(Flags::SEEN) {
        ratatui::style::Style::new()
    } else {
        theme.unseen()
    };
    if selected {
        base = base.patch(theme.selected());
    }
    let flags_style = if row.flags.contains(Flags::FLAGGED) {
        base.patch(theme.flagged())
    } else {
        base
    };
    let text = format!(
        "{} {} {} {}",
        fit_right(&date, DATE_W),
        fit(row.from(), from_w),
        fit(&subject, subject_w),
        fit_right(&human_size(row.size), SIZE_W)
    );
    let used = FLAGS_W + unicode_width::UnicodeWidthStr::width(text.as_str());
    let mut spans = vec![
        Span::styled(
            flags_text(row, selected, state.folder.marked.contains(&row.uid)),
            flags_style,
        ),
        Span::styled(text, base),
    ];
    if used < width {
        spans.push(Span::styled(" ".repeat(width - used), base));
    }
    Line::from(spans)
}

/// The list's word for a standard protection: short, and readable without colour.
fn protection_mark(protection: crate::detect::crypto::Protection) -> &'static str {
    use crate::detect::crypto::{Protection, Scheme};
    match protection {
        Protection::Encrypted(Scheme::Smime) => "🔐S/MIME",
        Protection::Encrypted(Scheme::OpenPgp) => "🔐PGP",
        Protection::Signed(Scheme::Smime) => "✍S/MIME",
        Protection::Signed(Scheme::OpenPgp) => "✍PGP",
    }
}
