//! The message pane: headers, body, attachments and numbered links.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::hints;
use super::text::{fit, wrap};
use super::theme::Theme;
use crate::app::action::Action;
use crate::app::clock::Clock;
use crate::app::context::Context;
use crate::app::keymap::Keymap;
use crate::app::protected::ProtectedStage;
use crate::app::state::{
    AppState, Focus, MessagePane, PaneContent, PaneView, PortalPane, SealedStage, SourceView,
};
use crate::detect::crypto::Protection;
use crate::mime::MessageView;
use crate::sanitize::Clean;

/// Every line the pane can show for a message, at a given width.
/// A header field (`From:` and its value), wrapped under its label; nothing for an empty value.
pub fn header_lines(name: &str, value: &str, width: usize, theme: Theme) -> Vec<Line<'static>> {
    if value.is_empty() {
        return Vec::new();
    }
    wrap(value, width.saturating_sub(9).max(10))
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            let label = if i == 0 {
                format!("{name:<9}")
            } else {
                " ".repeat(9)
            };
            Line::from(vec![Span::styled(label, theme.label()), Span::raw(part)])
        })
        .collect()
}

pub fn lines(view: &MessageView, clock: &Clock, width: usize, theme: Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let header = |name: &str, value: &str, out: &mut Vec<Line<'static>>| {
        out.extend(header_lines(name, value, width, theme));
    };
    header("From:", &view.from, &mut out);
    header("To:", &view.to, &mut out);
    header("Cc:", &view.cc, &mut out);
    let date = view.date.map(|d| clock.long_date(d)).unwrap_or_default();
    header("Date:", &date, &mut out);
    header("Subject:", &view.subject, &mut out);
    out.push(Line::raw(""));
    for body_line in &view.body {
        out.extend(wrap(body_line, width).into_iter().map(Line::raw));
    }
    if !view.attachments.is_empty() {
        out.push(Line::raw(""));
        out.push(Line::styled("Attachments:", theme.label()));
        for a in &view.attachments {
            let size = super::text::human_size(a.size.min(u32::MAX as usize) as u32);
            out.push(Line::raw(format!("  {}  ({}, {})", a.name, a.mime, size)));
        }
    }
    if !view.links.is_empty() {
        out.push(Line::raw(""));
        out.push(Line::styled("Links:", theme.label()));
        for (i, link) in view.links.iter().enumerate() {
            for (j, part) in wrap(link, width.saturating_sub(6).max(10))
                .into_iter()
                .enumerate()
            {
                let number = if j == 0 {
                    format!("  [{}] ", i + 1)
                } else {
                    " ".repeat(6)
                };
                out.push(Line::from(vec![
                    Span::raw(number),
                    Span::styled(part, theme.link()),
                ]));
            }
        }
    }
    out
}

/// How many lines the message takes at the pane's current width (for scrolling).
pub fn line_count(view: &MessageView, state: &AppState) -> usize {
    let width = text_width(state);
    match state.pane.as_ref() {
        Some(pane) => pane_lines(
            pane,
            view,
            &state.clock,
            &state.keymap,
            width,
            Theme { color: false },
        )
        .len(),
        None => lines(view, &state.clock, width, Theme { color: false }).len(),
    }
}

/// The pane's lines for a loaded message: its headers or source view when one is on, else its
/// portal part (advice, or a sealed message's sign-in, or the decrypted inner message), then
/// the message itself where it is readable.
pub fn pane_lines(
    pane: &MessagePane,
    view: &MessageView,
    clock: &Clock,
    keys: &Keymap,
    width: usize,
    theme: Theme,
) -> Vec<Line<'static>> {
    match &pane.view {
        PaneView::Message => {}
        PaneView::Headers(fields) => return header_view(fields, width, theme),
        PaneView::Source(SourceView::Loading(_)) => {
            return vec![Line::styled("Reading the message's source…", theme.dim())];
        }
        PaneView::Source(SourceView::Failed(why)) => {
            return vec![
                Line::styled("The source could not be read:", theme.warning()),
                Line::raw(why.to_string()),
            ];
        }
        PaneView::Source(SourceView::Ready(lines)) | PaneView::Output(lines) => {
            return lines
                .iter()
                .flat_map(|line| wrap(line, width))
                .map(Line::raw)
                .collect();
        }
    }
    if let Some(protected) = &pane.protected {
        let mut out = super::protected::banner_lines(protected, width, theme);
        if super::protected::shows_message(protected) {
            out.extend(lines(view, clock, width, theme));
        }
        return out;
    }
    match &pane.portal {
        None => lines(view, clock, width, theme),
        Some(PortalPane::Vendor(c)) => {
            let mut out = super::advice::vendor_lines(c, keys, width, theme);
            out.extend(lines(view, clock, width, theme));
            out
        }
        Some(PortalPane::Sealed(sealed)) => {
            let mut out = super::sealed::sealed_lines(sealed, clock, keys, width, theme);
            // Only the decrypted inner message is shown: the outer notice says nothing new.
            if let SealedStage::Decrypted { message, .. } = &sealed.stage {
                out.extend(lines(message, clock, width, theme));
            }
            out
        }
    }
}

/// Every header field, wrapped, its name in the label style (a folded line keeps its indent).
fn header_view(fields: &[Clean], width: usize, theme: Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for field in fields {
        for (i, part) in wrap(field, width).into_iter().enumerate() {
            let named = (i == 0 && !part.starts_with([' ', '\t']))
                .then(|| part.split_once(':'))
                .flatten();
            out.push(match named {
                Some((name, rest)) => Line::from(vec![
                    Span::styled(format!("{name}:"), theme.label()),
                    Span::raw(rest.to_owned()),
                ]),
                None => Line::raw(part),
            });
        }
    }
    out
}

fn title(pane: &MessagePane) -> String {
    let of = match &pane.view {
        PaneView::Message => "",
        PaneView::Headers(_) => "Headers: ",
        PaneView::Source(_) => "Source: ",
        PaneView::Output(_) => "Output: ",
    };
    format!("{of}{}", message_title(pane))
}

fn message_title(pane: &MessagePane) -> String {
    match (&pane.content, &pane.portal) {
        (PaneContent::Ready(_), Some(PortalPane::Sealed(s))) => match &s.stage {
            SealedStage::Decrypted { message, .. } => format!("🔓 {}", message.subject),
            _ => "🔒 Sealed message".into(),
        },
        (PaneContent::Ready(view), _) => {
            match pane.protected.as_ref().map(|p| (&p.stage, p.protection)) {
                Some((ProtectedStage::Opened { .. }, Protection::Encrypted(_))) => {
                    format!("🔓 {}", view.subject)
                }
                Some((_, Protection::Encrypted(_))) => format!("🔐 {}", view.subject),
                _ => view.subject.to_string(),
            }
        }
        (PaneContent::Loading, _) => "Loading…".into(),
        (PaneContent::Failed(_), _) => "Could not open the message".into(),
    }
}

/// The width the message pane's text is laid out at.
pub fn text_width(state: &AppState) -> usize {
    let (w, h) = state.viewport;
    crate::app::layout::areas(Rect::new(0, 0, w, h), state)
        .message
        .map_or(w, |r| r.width) as usize
}

pub fn render(frame: &mut Frame, area: Rect, state: &AppState, pane: &MessagePane, theme: Theme) {
    let focused = state.focus == Focus::Message;
    let title = if pane.deleted {
        format!("Deleted on the server: {}", title(pane))
    } else {
        title(pane)
    };
    let border = if focused {
        theme.focused_border()
    } else {
        theme.dim()
    };
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(border)
        .title(Span::styled(
            fit(
                &format!(" {title} "),
                (area.width as usize).saturating_sub(4),
            )
            .trim_end()
            .to_owned(),
            border,
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let mut body: Vec<Line> = match &pane.content {
        PaneContent::Loading => vec![Line::styled("Loading the message…", theme.dim())],
        PaneContent::Failed(reason) => vec![
            Line::styled("This message could not be opened:", theme.warning()),
            Line::raw(reason.to_string()),
            Line::raw(""),
            Line::styled(
                hints::fill(
                    state.keymap.within(Context::Message),
                    Action::Back,
                    "Press {} to go back to the list.",
                )
                .unwrap_or_default(),
                theme.dim(),
            ),
        ],
        PaneContent::Ready(view) => {
            pane_lines(pane, view, &state.clock, &state.keymap, width, theme)
                .into_iter()
                .skip(pane.scroll)
                .take(inner.height as usize)
                .collect()
        }
    };
    if pane.deleted {
        // Kept on screen as it was loaded, but never mistaken for a message still there.
        body.insert(
            0,
            Line::styled(
                fit(
                    "This message was deleted on the server; this is the copy shown before.",
                    width,
                ),
                theme.warning(),
            ),
        );
        body.truncate(inner.height as usize);
    }
    frame.render_widget(Paragraph::new(body), inner);
}
