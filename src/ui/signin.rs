//! The sign-in widget: where to go, the code to enter, a QR code of the link, a countdown on
//! the reader's clock, and each outcome in plain words. [`render`] draws it in place of the
//! list while the mail account signs in; [`lines`] gives the same words to a sealed message's
//! pane. What the provider sent arrives clean (`sanitize::Clean`, made in `auth`).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Padding, Paragraph, Wrap};

use super::qr::{QrStyle, qr_lines};
use super::theme::Theme;
use crate::app::clock::Clock;
use crate::app::signin::SignInShown;
use crate::mail::{SignInPrompt, SignInState};

/// Columns the text needs beside the QR code; narrower screens drop the code.
const TEXT_MIN_WIDTH: u16 = 36;

/// The sign-in's title: who signs the user in.
pub fn title(shown: &SignInShown) -> String {
    format!("Sign in with {}", shown.state.provider())
}

/// The full-screen sign-in of the mail account.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    shown: &SignInShown,
    clock: &Clock,
    keys: &crate::app::keymap::Keymap,
    theme: Theme,
) {
    let title = format!(" {} ", title(shown));
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.focused_border())
        .padding(Padding::horizontal(1))
        .title(Span::styled(title, theme.header()));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let (text_area, qr) = match &shown.state {
        SignInState::Waiting(prompt) => {
            let link = prompt
                .verification_uri_complete
                .as_deref()
                .unwrap_or(&prompt.verification_uri);
            split_for_qr(inner, link)
        }
        _ => (inner, None),
    };
    let mut text = lines(shown, clock.now(), qr.is_some(), theme);
    if shown.is_waiting()
        && let Some(quit) = super::hints::fill(
            keys.within(crate::app::context::Context::List),
            crate::app::action::Action::Back,
            "{} quits.",
        )
    {
        text.push(Line::raw(""));
        text.push(Line::styled(quit, theme.dim()));
    }
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), text_area);
    if let Some((qr_area, qr_text)) = qr {
        let qr_lines: Vec<Line> = qr_text.into_iter().map(Line::raw).collect();
        frame.render_widget(Paragraph::new(qr_lines), qr_area);
    }
}

/// The sign-in's words at `now`, one style a line (so a pane can wrap them); `qr`: a QR code
/// of the link is drawn beside or below them. Key hints are the caller's.
pub fn lines(shown: &SignInShown, now: i64, qr: bool, theme: Theme) -> Vec<Line<'static>> {
    match &shown.state {
        SignInState::Requesting { reason, .. } => {
            let mut lines = reason_lines(reason.as_deref(), theme);
            lines.push(Line::raw("Asking the provider for a sign-in code…"));
            lines
        }
        SignInState::Waiting(prompt) => waiting_lines(prompt, shown.seconds_left(now), qr, theme),
        SignInState::SignedIn { .. } => vec![
            Line::styled("Signed in.", theme.label()),
            Line::raw(""),
            Line::raw("Logging in to the mail server…"),
        ],
        SignInState::Denied { .. } => ending(
            "The sign-in was declined on the other device.",
            "Nothing was signed in. Quit with q and start sealmail again to retry.",
            theme,
        ),
        SignInState::Expired { .. } => ending(
            "The code expired before anyone approved it.",
            "Quit with q and start sealmail again for a new code.",
            theme,
        ),
        SignInState::Failed { reason, .. } => {
            ending("The provider refused the sign-in:", reason, theme)
        }
    }
}

/// Splits `inner` into text on the left and the QR code on the right, when both fit.
fn split_for_qr(inner: Rect, link: &str) -> (Rect, Option<(Rect, Vec<String>)>) {
    let Ok(lines) = qr_lines(link, QrStyle::default()) else {
        return (inner, None);
    };
    let width = lines.first().map_or(0, |l| l.chars().count()) as u16;
    let height = lines.len() as u16;
    if width + 1 + TEXT_MIN_WIDTH > inner.width || height > inner.height {
        return (inner, None);
    }
    let qr = Rect {
        x: inner.right() - width,
        y: inner.y,
        width,
        height,
    };
    let text = Rect {
        width: inner.width - width - 1,
        ..inner
    };
    (text, Some((qr, lines)))
}

fn reason_lines(reason: Option<&str>, theme: Theme) -> Vec<Line<'static>> {
    match reason {
        Some(reason) => vec![
            Line::styled(reason.to_string(), theme.warning()),
            Line::raw(""),
        ],
        None => Vec::new(),
    }
}

fn waiting_lines(
    prompt: &SignInPrompt,
    seconds_left: u64,
    qr: bool,
    theme: Theme,
) -> Vec<Line<'static>> {
    let mut lines = reason_lines(prompt.reason.as_deref(), theme);
    lines.push(Line::raw("On your phone or another computer, open"));
    lines.push(Line::styled(
        format!("  {}", prompt.verification_uri),
        theme.link(),
    ));
    lines.push(Line::raw("and enter the code"));
    lines.push(Line::styled(
        format!("  {}", prompt.user_code),
        theme.header(),
    ));
    lines.push(Line::raw(""));
    if qr {
        lines.push(Line::raw("Or scan the QR code with your phone."));
        lines.push(Line::raw(""));
    }
    lines.push(Line::raw("Waiting for you to approve the sign-in…"));
    lines.push(Line::raw(format!(
        "The code expires in {}.",
        countdown(seconds_left)
    )));
    if prompt.slow_down {
        lines.push(Line::styled(
            "The provider asked us to check less often; still waiting.",
            theme.dim(),
        ));
    }
    lines
}

fn ending(headline: &str, detail: &str, theme: Theme) -> Vec<Line<'static>> {
    vec![
        Line::styled(headline.to_owned(), theme.error()),
        Line::raw(""),
        Line::styled(detail.to_owned(), Style::default()),
    ]
}

/// `14:32`, `0:07`.
fn countdown(seconds: u64) -> String {
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_countdown_reads_minutes_and_seconds() {
        assert_eq!(countdown(872), "14:32");
        assert_eq!(countdown(7), "0:07");
        assert_eq!(countdown(0), "0:00");
    }
}
