//! The composer's screens over the whole window but the status line: the editor (header
//! fields, a rule, the body) and the review (who it goes to, the subject, attachments,
//! encryption, what the keys do, and why a send failed); the addresses offered for completion
//! in a box under their field. Its inputs hold clean text only
//! (`app::compose`), drawn as it is.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::input;
use super::theme::Theme;
use crate::app::compose::{Composer, Field, Stage};
use crate::app::compose_complete::Completion;

/// Width of the header labels, `Subject: ` included.
const LABEL: usize = 9;

/// The composer; `can_seal` when the account can seal new messages (`S` on the review).
pub fn render(frame: &mut Frame, area: Rect, composer: &Composer, can_seal: bool, theme: Theme) {
    match &composer.stage {
        Stage::Editing => editor(frame, area, composer, theme),
        stage => review(frame, area, composer, stage, can_seal, theme),
    }
}

fn editor(frame: &mut Frame, area: Rect, composer: &Composer, theme: Theme) {
    if area.height < 4 {
        return;
    }
    let row = |y: u16| Rect {
        y: area.y + y,
        height: 1,
        ..area
    };
    frame.render_widget(
        Paragraph::new(Line::styled(composer.title(), theme.header())),
        row(0),
    );
    let mut y = 1;
    let mut completing_at = None;
    for field in Field::HEADERS {
        if y + 3 > area.height {
            break;
        }
        header(frame, row(y), composer, field, theme);
        if composer
            .completion
            .as_ref()
            .is_some_and(|c| c.field == field)
        {
            completing_at = Some(y);
        }
        y += 1;
    }
    frame.render_widget(
        Paragraph::new(Line::styled("─".repeat(area.width as usize), theme.dim())),
        row(y),
    );
    y += 1;
    let hint_y = area.height - 1;
    let body = Rect {
        y: area.y + y,
        height: hint_y.saturating_sub(y),
        ..area
    };
    if composer.focus == Field::Body {
        frame.render_widget(&composer.body, body);
    } else {
        let lines: Vec<Line> = composer
            .body
            .lines()
            .iter()
            .take(body.height as usize)
            .map(|l| Line::raw(l.as_str()))
            .collect();
        frame.render_widget(Paragraph::new(lines), body);
    }
    let hint = if composer.completion.is_some() {
        "Tab or ↓ next · Shift-Tab or ↑ previous · Enter takes it · Esc closes the list"
    } else if composer.is_sealed() {
        // A sealed message's text never goes to an editor's file.
        "Tab next field · Shift-Tab previous · Esc review and send"
    } else {
        "Tab next field · Shift-Tab previous · Ctrl-O in $EDITOR · Esc review and send"
    };
    frame.render_widget(Paragraph::new(Line::styled(hint, theme.dim())), row(hint_y));
    if let (Some(field_y), Some(completion)) = (completing_at, composer.completion.as_ref()) {
        let below = Rect {
            y: area.y + field_y + 1,
            height: hint_y.saturating_sub(field_y + 1),
            ..area
        };
        completions(frame, below, completion, theme);
    }
}

/// The addresses offered, in a box under the field, the chosen one marked with `>` (seen
/// without colour too).
fn completions(frame: &mut Frame, below: Rect, completion: &Completion, theme: Theme) {
    let texts: Vec<String> = completion
        .offered
        .iter()
        .map(crate::mail::address_book::field_text)
        .collect();
    let widest = texts
        .iter()
        .map(|t| unicode_width::UnicodeWidthStr::width(t.as_str()))
        .max()
        .unwrap_or(0);
    let x = below.x + LABEL as u16;
    let room = below.right().saturating_sub(x);
    let width = u16::try_from(widest + 5)
        .unwrap_or(u16::MAX)
        .clamp(20, room.max(1));
    let height = u16::try_from(texts.len() + 2)
        .unwrap_or(u16::MAX)
        .min(below.height);
    if height < 3 || room < 8 {
        return;
    }
    let area = Rect {
        x,
        y: below.y,
        width: width.min(room),
        height,
    };
    let lines: Vec<Line> = texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let chosen = i == completion.chosen;
            let shown = format!("{} {text}", if chosen { '>' } else { ' ' });
            if chosen {
                Line::styled(shown, theme.selected())
            } else {
                Line::raw(shown)
            }
        })
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.dim());
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn header(frame: &mut Frame, area: Rect, composer: &Composer, field: Field, theme: Theme) {
    let label = Span::styled(
        format!("{:<LABEL$}", format!("{}:", field.label())),
        theme.label(),
    );
    let shown = input::split(composer.input(field), None);
    let focused = composer.focus == field;
    let before_width = unicode_width::UnicodeWidthStr::width(shown.before.as_str());
    // A line longer than the row shows its end, where typing goes.
    let room = (area.width as usize).saturating_sub(LABEL + 1);
    let before = if focused && before_width > room {
        tail(&shown.before, room)
    } else {
        shown.before
    };
    let cursor_x = area.x + (LABEL + unicode_width::UnicodeWidthStr::width(before.as_str())) as u16;
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            label,
            Span::raw(before),
            Span::raw(shown.after),
        ])),
        area,
    );
    if focused {
        frame.set_cursor_position((cursor_x.min(area.right().saturating_sub(1)), area.y));
    }
}

/// The end of `text` that fits `width` columns.
fn tail(text: &str, width: usize) -> String {
    let mut used = 0;
    let mut start = text.len();
    for (at, c) in text.char_indices().rev() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width {
            break;
        }
        used += w;
        start = at;
    }
    text.get(start..).unwrap_or_default().to_owned()
}

fn review(
    frame: &mut Frame,
    area: Rect,
    composer: &Composer,
    stage: &Stage,
    can_seal: bool,
    theme: Theme,
) {
    let draft = composer.draft();
    let out = draft.outgoing();
    let field = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{:<13}", format!("{name}:")), theme.label()),
            Span::raw(value),
        ])
    };
    let list = |items: &[String]| {
        if items.is_empty() {
            "—".to_owned()
        } else {
            items.join(", ")
        }
    };
    let body_lines = composer.body.lines().len();
    let mut lines = vec![
        Line::styled(format!("Review: {}", composer.title()), theme.header()),
        Line::raw(""),
        field("From", draft.from.clone()),
        field("To", list(&out.to)),
        field("Cc", list(&out.cc)),
        field("Bcc", list(&out.bcc)),
        field("Subject", draft.subject.clone()),
        field("Text", {
            let chars = draft.body.chars().count();
            format!(
                "{body_lines} line{}, {chars} character{}",
                if body_lines == 1 { "" } else { "s" },
                if chars == 1 { "" } else { "s" }
            )
        }),
        field(
            "Attachments",
            if composer.attachments.is_empty() {
                "none".to_owned()
            } else {
                format!("{}", composer.attachments.len())
            },
        ),
    ];
    for (i, file) in composer.attachments.iter().enumerate() {
        lines.push(Line::raw(format!(
            "  {}. {} ({}, {})",
            i + 1,
            file.name.as_str(),
            size(file.bytes.len()),
            file.content_type
        )));
    }
    lines.push(field(
        "Encryption",
        match (composer.sealed_portal(), composer.sealed.is_some()) {
            (Some(portal), true) => {
                format!("sealed for its participants; key at {}", portal.as_str())
            }
            (Some(portal), false) => {
                format!("sealed for its recipients; key at {}", portal.as_str())
            }
            (None, _) => match composer.protect {
                Some(protection) => format!("{} (c changes it)", protection.describe()),
                None if can_seal => {
                    "none: ordinary mail (S seals it, c signs or encrypts it)".to_owned()
                }
                None => "none: ordinary mail (c signs or encrypts it)".to_owned(),
            },
        },
    ));
    lines.push(Line::raw(""));
    let keys = match stage {
        Stage::Review if composer.sealed.is_some() => {
            "s seal and send · e edit · a attach · p keep in memory · d discard"
        }
        Stage::Review if composer.is_sealed() => {
            "s seal and send · e edit · a attach · S plain · p keep in memory · d discard"
        }
        Stage::Review if composer.keeps_off_disk() => {
            "s send · e edit · a attach · c crypto · p keep in memory · d discard"
        }
        Stage::Review if composer.attachments.is_empty() => {
            "s send · e edit · E in $EDITOR · a attach · c crypto · p postpone · d discard"
        }
        Stage::Review => {
            "s send · e edit · E $EDITOR · a attach · x remove one · p postpone · d discard"
        }
        Stage::AttachPrompt => "Tab completes the path · Enter attaches the file · Esc goes back",
        Stage::Attaching { .. } => "Reading the file…",
        Stage::Postponing { .. } => "Keeping it in Drafts…",
        Stage::RemovePrompt => "Remove which attachment? Its number",
        Stage::ConfirmDiscard => "Discard this message? y discards, n keeps it",
        Stage::Sending { .. } => "Sending…",
        Stage::Failed {
            may_have_left: true,
            ..
        } => "s send again (asks first) · e edit · d discard",
        Stage::Failed { .. } => "s try again · e edit · d discard",
        Stage::ConfirmResend { .. } => {
            "It may have been sent already. Send it again anyway? y sends, n does not"
        }
        Stage::ExternalEditor { .. } => "In your editor…",
        Stage::Editing => "",
    };
    if let Stage::Failed { error, .. } | Stage::ConfirmResend { error } = stage {
        lines.push(Line::from(vec![
            Span::styled("Not sent:", theme.error()),
            Span::raw(" "),
            Span::raw(error.as_str()),
        ]));
        lines.push(Line::raw(""));
    }
    if let (Stage::AttachPrompt, Some(input)) = (stage, composer.attach_input.as_ref()) {
        let shown = input::split(input, None);
        lines.push(Line::from(vec![
            Span::styled("Attach file: ", theme.label()),
            Span::raw(shown.before),
            Span::raw(shown.after),
        ]));
        let names = &composer.path_completion.shown;
        if !names.is_empty() {
            let names: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
            lines.push(Line::styled(format!("  {}", names.join("  ")), theme.dim()));
        }
    }
    let warn = matches!(
        stage,
        Stage::ConfirmDiscard | Stage::ConfirmResend { .. } | Stage::RemovePrompt
    );
    lines.push(Line::styled(
        keys,
        if warn { theme.warning() } else { theme.dim() },
    ));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

/// A size in bytes as people read it.
fn size(bytes: usize) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.1} KB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MB", bytes as f64 / 1_048_576.0),
    }
}
