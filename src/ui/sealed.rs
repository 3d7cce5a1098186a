//! The pane's part for a sealed message: every stage of its inline sign-in (the methods, the
//! passcode, the device sign-in, the countdowns), the verified sender, and its failures.

use ratatui::text::{Line, Span};

use super::advice::{para, qr};
use super::hints;
use super::theme::Theme;
use crate::app::action::Action;
use crate::app::clock::Clock;
use crate::app::context::Context;
use crate::app::keymap::{Bindings, Keymap};
use crate::app::state::{SealedPane, SealedStage};
use crate::mail::SignInState;
use crate::sanitize::Clean;
use crate::sealed::flow::{FlowFailure, InnerFrom, Method, Via, provider_label};

/// The host of a portal origin (`scheme://host[:port]`): what the verified-sender line names
/// (the full origin is on the pane until the message is decrypted).
fn origin_host(origin: &str) -> &str {
    let host = reqwest_free_host(origin);
    match host.rsplit_once(':') {
        Some((h, port)) if !h.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

/// `https://host[:port]/path` to `host[:port]`, without a URL crate (the view stays free of
/// network crates); anything unexpected is shown whole.
fn reqwest_free_host(url: &str) -> &str {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url);
    rest.split('/').next().unwrap_or(rest)
}

fn countdown(expires_at: i64, clock: &Clock) -> String {
    let left = (expires_at - clock.now()).max(0);
    format!("{}:{:02}", left / 60, left % 60)
}

/// Clean parts joined with a comma: still clean.
fn joined(parts: &[Clean]) -> String {
    parts
        .iter()
        .map(Clean::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// What went wrong, and the key hint for what the user can do next (empty: nothing).
fn failure_text(f: &FlowFailure, keys: Bindings<'_>) -> (String, String) {
    let new_passcode =
        || hints::fill(keys, Action::NewPasscode, "{} asks for a new passcode").unwrap_or_default();
    let choose_again = || hints::fill(keys, Action::Open, "{} to choose again").unwrap_or_default();
    match f {
        FlowFailure::Malformed(why) => (
            format!("This sealed message is damaged and cannot be opened: {why}"),
            String::new(),
        ),
        FlowFailure::BadPasscode { attempts_left } => (
            format!("That passcode is wrong: {attempts_left} tries left."),
            new_passcode(),
        ),
        FlowFailure::Locked { retry_after_s } => (
            match retry_after_s {
                Some(s) => format!(
                    "Too many wrong passcodes: this passcode is locked. Try again in {s} s."
                ),
                None => "Too many wrong passcodes: this passcode is locked.".into(),
            },
            new_passcode(),
        ),
        FlowFailure::PasscodeExpired => ("The passcode expired.".into(), new_passcode()),
        FlowFailure::MessageExpired => (
            "This message has expired: the sender set a time limit that has passed.".into(),
            String::new(),
        ),
        FlowFailure::Revoked => (
            "The sender revoked this message: it can no longer be opened.".into(),
            String::new(),
        ),
        FlowFailure::NotRecipient => (
            "The portal says you are not a recipient of this message.".into(),
            String::new(),
        ),
        FlowFailure::UnknownMessage => ("The portal does not know this message.".into(), String::new()),
        FlowFailure::SignInDenied => (
            "The sign-in was declined at the provider.".into(),
            choose_again(),
        ),
        FlowFailure::SignInExpired => (
            "The sign-in code expired before it was approved.".into(),
            choose_again(),
        ),
        FlowFailure::Tampered => (
            "This message was altered after it was sealed. Nothing of its content is shown.".into(),
            String::new(),
        ),
        FlowFailure::Forged(why) => (
            format!(
                "⚠ FORGED: this message lies about who sent it ({why}). Nothing of its content is shown."
            ),
            String::new(),
        ),
        FlowFailure::Unverified => (
            "The portal did not say who registered this message, so its sender cannot be verified. Nothing of its content is shown.".into(),
            String::new(),
        ),
        FlowFailure::Obsolete => (
            "This sealed message uses format version 1, whose sender cannot be verified: sealmail does not open it. Ask the sender to seal it again.".into(),
            String::new(),
        ),
        FlowFailure::Unreachable(why) => (
            format!("The portal could not be reached: {why}"),
            hints::fill(keys, Action::Back, "{}, then open it again").unwrap_or_default(),
        ),
        FlowFailure::Other(why) => (why.to_string(), String::new()),
    }
}

/// Every line of a sealed message's pane, before decryption; after it, the header line that
/// goes above the inner message.
pub fn sealed_lines(
    pane: &SealedPane,
    clock: &Clock,
    keys: &Keymap,
    width: usize,
    theme: Theme,
) -> Vec<Line<'static>> {
    // The hints of a question the pane asks are read in its context, the rest in the message's.
    let (message, choose, passcode) = (
        keys.within(Context::Message),
        keys.within(Context::Choose),
        keys.within(Context::Passcode),
    );
    let mut out = Vec::new();
    if let SealedStage::Decrypted { via, sender, .. } = &pane.stage {
        let how = match via {
            Via::Session => "with your portal session",
            Via::SignIn => "after signing in",
            Via::Passcode => "with the passcode",
        };
        out.push(Line::styled(
            format!("🔓 Sealed message, decrypted {how}. Nothing of it is kept on disk."),
            theme.header(),
        ));
        para(
            &mut out,
            &format!(
                "✔ Sender verified by the portal at {}: {}",
                origin_host(&sender.portal),
                sender.address
            ),
            width,
            theme.label(),
        );
        let warning = match &sender.inner_from {
            InnerFrom::Matches => None,
            InnerFrom::Differs(inner) => Some(format!(
                "⚠ WARNING: the message's own From: says {}, which is NOT the verified sender {}. \
                 Do not trust the From: below.",
                inner, sender.address
            )),
            InnerFrom::Missing => Some(format!(
                "⚠ WARNING: the message has no From: of its own; only {} is verified.",
                sender.address
            )),
        };
        if let Some(warning) = warning {
            para(&mut out, &warning, width, theme.error());
        }
        out.push(Line::raw(""));
        return out;
    }
    out.push(Line::styled("🔒 Sealed message", theme.header()));
    let field = |out: &mut Vec<Line<'static>>, name: &str, value: String| {
        out.extend(super::message::header_lines(name, &value, width, theme));
    };
    if let Some(info) = &pane.shown {
        // Nothing of the envelope is verified before the portal vouches for it: claims.
        out.push(Line::styled(
            "The envelope claims (not verified until the portal vouches for the sender):",
            theme.dim(),
        ));
        field(&mut out, "From:", format!("{} (claimed)", info.from));
        field(&mut out, "To:", format!("{} (claimed)", joined(&info.to)));
        let trust = if pane.trusted {
            "trusted"
        } else {
            "NOT trusted yet"
        };
        field(&mut out, "Portal:", format!("{} ({trust})", info.portal));
        field(&mut out, "Sealed:", info.created.to_string());
    }
    out.push(Line::raw(""));
    match &pane.stage {
        SealedStage::Opening => out.push(Line::styled("Reading the sealed envelope…", theme.dim())),
        SealedStage::Untrusted => {
            let origin = pane
                .shown
                .as_ref()
                .map_or("this portal", |i| i.portal.as_str());
            para(
                &mut out,
                &format!(
                    "sealmail has not contacted {} before. To open this message it would send the portal the message id, your address and your passcode or sign-in; the portal never sees the message itself.",
                    origin
                ),
                width,
                ratatui::style::Style::new(),
            );
            out.push(Line::raw(""));
            out.push(Line::styled(
                hints::line([
                    hints::fill(
                        message,
                        Action::TrustPortal,
                        "{} trusts this portal and signs in",
                    ),
                    hints::fill(message, Action::Back, "{} goes back"),
                ]),
                theme.label(),
            ));
        }
        SealedStage::Contacting => out.push(Line::styled("Contacting the portal…", theme.dim())),
        SealedStage::Choose { methods, cursor } => {
            out.push(Line::styled(
                "How do you want to prove this is your address?",
                theme.label(),
            ));
            for (i, m) in methods.iter().enumerate() {
                let marker = if i == *cursor { ">" } else { " " };
                let text = match m {
                    Method::Passcode { digits, ttl_s } => {
                        format!(
                            "{marker} A {digits}-digit passcode by mail (valid {} min)",
                            ttl_s / 60
                        )
                    }
                    // The name is the portal's claim; the issuer's host is what is contacted.
                    Method::OpenIdConnect { name, issuer, .. } => {
                        format!("{marker} Sign in at {}", provider_label(issuer, name))
                    }
                };
                let style = if i == *cursor {
                    theme.selected()
                } else {
                    ratatui::style::Style::new()
                };
                out.push(Line::styled(text, style));
            }
            out.push(Line::styled(
                hints::line([
                    hints::pair(choose, Action::Down, Action::Up, "choose"),
                    hints::fill(choose, Action::Open, "{} goes on"),
                    hints::fill(choose, Action::Back, "{} goes back"),
                ]),
                theme.dim(),
            ));
        }
        SealedStage::ChooseAddress { cursor } => {
            let mine = pane.email.as_ref();
            let question = match &mine {
                Some(mine) => format!(
                    "This message is not addressed to {mine}. Which of its recipients are you? \
                     The passcode goes to the address you choose."
                ),
                None => "Which of its recipients are you? The passcode goes to the address you \
                         choose."
                    .to_owned(),
            };
            para(&mut out, &question, width, theme.label());
            for (i, address) in pane.shown.iter().flat_map(|i| i.to.iter()).enumerate() {
                let marker = if i == *cursor { ">" } else { " " };
                let style = if i == *cursor {
                    theme.selected()
                } else {
                    ratatui::style::Style::new()
                };
                out.push(Line::styled(format!("{marker} {address}"), style));
            }
            out.push(Line::styled(
                hints::line([
                    hints::pair(choose, Action::Down, Action::Up, "choose"),
                    hints::fill(choose, Action::Open, "{} sends the passcode there"),
                    hints::fill(choose, Action::Back, "{} goes back"),
                ]),
                theme.dim(),
            ));
        }
        SealedStage::Requesting => out.push(Line::styled(
            "Asking the portal to mail you a passcode…",
            theme.dim(),
        )),
        SealedStage::Passcode {
            reference,
            expires_at,
            input,
            note,
        } => {
            let email = pane.email.as_deref().unwrap_or("your address");
            para(
                &mut out,
                &format!(
                    "A passcode was mailed to {} with the reference {}. It is valid for {} more.",
                    email,
                    reference,
                    countdown(*expires_at, clock)
                ),
                width,
                ratatui::style::Style::new(),
            );
            let shown = super::input::split(input, Some('•'));
            out.push(Line::from(vec![
                Span::styled("Passcode: ", theme.label()),
                Span::styled(shown.before, theme.input()),
                Span::styled("▏", theme.input()),
                Span::styled(shown.after, theme.input()),
            ]));
            if let Some(note) = note {
                out.push(Line::styled(note.clone(), theme.warning()));
            }
            if let Some((r, _)) = &pane.arrived {
                let fill = hints::fill(passcode, Action::FillPasscode, ": {} fills it in")
                    .unwrap_or_default();
                out.push(Line::styled(
                    format!("✉ The passcode mail (reference {}) arrived{fill}.", r),
                    theme.header(),
                ));
            }
            out.push(Line::styled(
                hints::line([
                    Some("type the passcode".to_owned()),
                    hints::fill(passcode, Action::Open, "{} checks it"),
                    hints::fill(passcode, Action::NewPasscode, "{} sends a new one"),
                    hints::fill(passcode, Action::Back, "{} goes back"),
                ]),
                theme.dim(),
            ));
        }
        SealedStage::Submitting { .. } => {
            out.push(Line::styled("Checking the passcode…", theme.dim()))
        }
        SealedStage::SignIn(shown) => {
            out.push(Line::styled(
                format!("{} on another device:", super::signin::title(shown)),
                theme.label(),
            ));
            let link = match &shown.state {
                SignInState::Waiting(prompt) => prompt.verification_uri_complete.as_deref(),
                _ => None,
            };
            for line in super::signin::lines(shown, clock.now(), link.is_some(), theme) {
                para(&mut out, &line.to_string(), width, line.style);
            }
            if let Some(link) = link {
                qr(&mut out, link, theme);
            }
            if shown.is_waiting()
                && let Some(cancel) = hints::fill(message, Action::Back, "{} cancels")
            {
                out.push(Line::styled(cancel, theme.dim()));
            }
        }
        SealedStage::Failed(f) => {
            let (text, next) = failure_text(f, message);
            let style = if matches!(f, FlowFailure::Tampered | FlowFailure::Forged(_)) {
                theme.error()
            } else {
                theme.warning()
            };
            para(&mut out, &text, width, style);
            if !next.is_empty() {
                let back = hints::fill(message, Action::Back, "{} goes back");
                out.push(Line::styled(hints::line([Some(next), back]), theme.dim()));
            }
        }
        SealedStage::Decrypted { .. } => {}
    }
    out
}
