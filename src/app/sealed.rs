//! The pane's portal-mail features, called by `update`: a sealed message's inline sign-in,
//! driven through the flow worker, and the copy/open keys of vendor mail's advice. No I/O
//! here either.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

use super::action::Action;
use super::msg::Command;
use super::signin::SignInShown;
use super::state::{
    AppState, Focus, PortalPane, SealedPane, SealedStage, ShownEnvelope, VendorPane,
};
use crate::detect::Verdict;
use crate::mail::{LoadedMessage, ReqId, Row, SignInState, SourceCommand};
use crate::sanitize::Clean;
use crate::sealed::flow::{FlowEvent, FlowFailure, FlowRequest, Method};
use crate::secret::SecretString;

/// The subject of the portal's passcode mail (docs/protocol.md).
pub use crate::sealed::passcode_mail::SUBJECT as PASSCODE_SUBJECT;

fn sealed(state: &mut AppState) -> Option<&mut SealedPane> {
    match state.pane.as_mut()?.portal.as_mut()? {
        PortalPane::Sealed(s) => Some(s),
        PortalPane::Vendor(_) => None,
    }
}

/// A message arrived in the pane: attach its portal part, and start the flow of a sealed one.
pub fn on_message_loaded(state: &mut AppState, loaded: &LoadedMessage) -> Vec<Command> {
    let Some(classification) = loaded.portal.as_deref() else {
        // Read in full and not portal mail: a cheap mark from the list no longer holds.
        state.folder.rows.set_portal(loaded.uid, None);
        return vec![];
    };
    let classification = Arc::new(classification.clone().trusting(&state.trust));
    // The row says what the pane says, from now on.
    state.folder.rows.set_portal(
        loaded.uid,
        crate::mail::PortalMark::from_classification(&classification),
    );
    if let Some(vendor) = classification.vendor {
        state.metrics.portal_seen(vendor.as_str());
    }
    let flow = state.new_req();
    let email = state.user_email.as_deref().map(Clean::line);
    let Some(pane) = state.pane.as_mut() else {
        return vec![];
    };
    if classification.readable_inline && classification.verdict == Some(Verdict::Genuine) {
        pane.portal = Some(PortalPane::Sealed(Box::new(SealedPane {
            flow,
            raw: Arc::clone(&loaded.raw),
            info: None,
            shown: None,
            trusted: false,
            stage: SealedStage::Opening,
            passcode_fetch: None,
            arrived: None,
            email,
        })));
        state.focus = Focus::Message;
        return vec![Command::Flow(FlowRequest::Open {
            flow,
            raw: Arc::clone(&loaded.raw),
        })];
    }
    pane.portal = Some(PortalPane::Vendor(VendorPane::new(classification)));
    vec![]
}

/// The pane is closing: the flow worker forgets the flow and its secrets.
pub fn on_close(state: &AppState) -> Vec<Command> {
    match state.pane.as_ref().and_then(|p| p.portal.as_ref()) {
        Some(PortalPane::Sealed(s)) => vec![Command::Flow(FlowRequest::Close { flow: s.flow })],
        _ => vec![],
    }
}

/// The address to prove: the user's own when it is a recipient. `None` when it is not (or is
/// unknown): then the user is asked which recipient they are, never given someone else's.
fn own_recipient(pane: &SealedPane) -> Option<String> {
    let to = &pane.info.as_ref()?.to;
    let mine = crate::sealed::fields::normalize_address(pane.email.as_deref()?).ok()?;
    to.contains(&mine).then_some(mine)
}

fn passcode_input() -> Box<TextArea<'static>> {
    let mut input = TextArea::default();
    input.set_mask_char('•');
    input.set_cursor_line_style(ratatui::style::Style::new());
    Box::new(input)
}

fn failure_note(failure: &FlowFailure) -> Option<String> {
    match failure {
        FlowFailure::BadPasscode { attempts_left } => Some(match attempts_left {
            1 => "That passcode is wrong: 1 try left.".into(),
            n => format!("That passcode is wrong: {n} tries left."),
        }),
        _ => None,
    }
}

pub fn on_flow_event(state: &mut AppState, event: FlowEvent) -> Vec<Command> {
    let now = state.clock.now();
    let flow = match &event {
        FlowEvent::Opened { flow, .. }
        | FlowEvent::Methods { flow, .. }
        | FlowEvent::PasscodeSent { flow, .. }
        | FlowEvent::PasscodeArrived { flow, .. }
        | FlowEvent::SignIn { flow, .. }
        | FlowEvent::Decrypted { flow, .. }
        | FlowEvent::Failed { flow, .. } => *flow,
    };
    let Some(pane) = sealed(state).filter(|p| p.flow == flow) else {
        // A reply for a pane that has closed: its secrets are dropped right here.
        return vec![];
    };
    match event {
        FlowEvent::Opened { info, trusted, .. } => {
            pane.shown = Some(ShownEnvelope::new(&info));
            pane.info = Some(info);
            pane.trusted = trusted;
            pane.stage = if trusted {
                SealedStage::Contacting
            } else {
                SealedStage::Untrusted
            };
        }
        FlowEvent::Methods { methods, .. } => {
            pane.stage = SealedStage::Choose { methods, cursor: 0 };
        }
        FlowEvent::PasscodeSent {
            email,
            reference,
            expires_in_s,
            ..
        } => {
            pane.email = Some(Clean::line(&email));
            pane.arrived = None;
            pane.stage = SealedStage::Passcode {
                reference: Clean::line(&reference),
                expires_at: now + expires_in_s as i64,
                input: passcode_input(),
                note: None,
            };
        }
        FlowEvent::PasscodeArrived {
            reference,
            passcode,
            ..
        } => {
            pane.arrived = Some((Clean::line(&reference), passcode));
        }
        FlowEvent::SignIn { prompt, .. } => {
            pane.stage = SealedStage::SignIn(SignInShown::new(SignInState::Waiting(prompt), now));
        }
        FlowEvent::Decrypted {
            message,
            via,
            sender,
            reply,
            ..
        } => {
            pane.arrived = None;
            pane.stage = SealedStage::Decrypted {
                message,
                via,
                sender,
                reply,
            };
            if let Some(p) = state.pane.as_mut() {
                p.scroll = 0;
            }
        }
        FlowEvent::Failed { failure, .. } => {
            let retry_passcode = match (&failure, &mut pane.stage) {
                (
                    FlowFailure::BadPasscode { .. },
                    SealedStage::Submitting {
                        reference,
                        expires_at,
                    },
                ) => Some((reference.clone(), *expires_at)),
                _ => None,
            };
            pane.stage = match retry_passcode {
                Some((reference, expires_at)) => SealedStage::Passcode {
                    reference,
                    expires_at,
                    input: passcode_input(),
                    note: failure_note(&failure),
                },
                None => SealedStage::Failed(failure),
            };
        }
    }
    vec![]
}

/// Keys the passcode input takes before the keymap (in the passcode context): digits and
/// editing keys.
pub fn on_key(state: &mut AppState, key: &KeyEvent) -> bool {
    let Some(pane) = sealed(state) else {
        return false;
    };
    let SealedStage::Passcode { input, .. } = &mut pane.stage else {
        return false;
    };
    let editing = matches!(
        key.code,
        KeyCode::Char('0'..='9')
            | KeyCode::Backspace
            | KeyCode::Delete
            | KeyCode::Left
            | KeyCode::Right
    ) && !key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    if editing {
        input.input(*key);
    }
    editing
}

fn submit(pane: &mut SealedPane, passcode: SecretString) -> Vec<Command> {
    let (SealedStage::Passcode {
        reference,
        expires_at,
        ..
    }
    | SealedStage::Submitting {
        reference,
        expires_at,
    }) = &pane.stage
    else {
        return vec![];
    };
    let Some(email) = pane.email.clone() else {
        return vec![];
    };
    pane.stage = SealedStage::Submitting {
        reference: reference.clone(),
        expires_at: *expires_at,
    };
    vec![Command::Flow(FlowRequest::SubmitPasscode {
        flow: pane.flow,
        email: email.into(),
        passcode,
    })]
}

/// Asks for a passcode for the user's own address, or, when the user is not among the
/// recipients, asks the user which recipient they are first.
fn request_passcode(pane: &mut SealedPane) -> Vec<Command> {
    match own_recipient(pane) {
        Some(email) => request_passcode_for(pane, email),
        None => {
            pane.stage = SealedStage::ChooseAddress { cursor: 0 };
            vec![]
        }
    }
}

fn request_passcode_for(pane: &mut SealedPane, email: String) -> Vec<Command> {
    pane.stage = SealedStage::Requesting;
    pane.arrived = None;
    vec![Command::Flow(FlowRequest::RequestPasscode {
        flow: pane.flow,
        email,
    })]
}

fn choose(pane: &mut SealedPane, method: Method) -> Vec<Command> {
    match method {
        Method::Passcode { .. } => request_passcode(pane),
        Method::OpenIdConnect {
            issuer,
            client_id,
            name,
        } => {
            let asking = SignInState::Requesting {
                provider: Clean::line(&crate::sealed::flow::provider_label(&issuer, &name)),
                reason: None,
            };
            // No code yet, so nothing counts down: the time is not needed.
            pane.stage = SealedStage::SignIn(SignInShown::new(asking, 0));
            vec![Command::Flow(FlowRequest::StartSignIn {
                flow: pane.flow,
                issuer,
                client_id,
            })]
        }
    }
}

/// Actions with a meaning in a portal pane; `None` lets `update` handle the action as the
/// pane's.
pub fn on_action(state: &mut AppState, action: Action) -> Option<Vec<Command>> {
    let display = state.display;
    match state.pane.as_mut()?.portal.as_mut()? {
        PortalPane::Vendor(vendor) => {
            let c = &vendor.classification;
            // A suspicious message's links are never offered.
            let link = c
                .links
                .first()
                .cloned()
                .filter(|_| c.verdict == Some(Verdict::Genuine));
            match (action, link) {
                (Action::CopyLink, Some(link)) => Some(vec![Command::Clipboard(link)]),
                (Action::OpenLink, Some(_)) if !display => {
                    let copy = state
                        .keymap
                        .within(super::context::Context::Message)
                        .hint_key(Action::CopyLink)
                        .map(|k| format!("copy the link with {k}, or "))
                        .unwrap_or_default();
                    state.notice = Some(super::state::Notice::new(
                        &format!("no display here: {copy}scan the QR code"),
                        false,
                    ));
                    Some(vec![])
                }
                (Action::OpenLink, Some(link)) => Some(vec![Command::OpenUrl(link)]),
                (Action::CopyLink | Action::OpenLink, None) => Some(vec![]),
                _ => None,
            }
        }
        PortalPane::Sealed(pane) => {
            let flow = pane.flow;
            match (action, &mut pane.stage) {
                (Action::TrustPortal, SealedStage::Untrusted) => {
                    pane.stage = SealedStage::Contacting;
                    pane.trusted = true;
                    Some(vec![Command::Flow(FlowRequest::TrustAndOpen {
                        flow,
                        raw: Arc::clone(&pane.raw),
                    })])
                }
                (Action::Down, SealedStage::Choose { methods, cursor }) => {
                    *cursor = (*cursor + 1).min(methods.len().saturating_sub(1));
                    Some(vec![])
                }
                (Action::Up, SealedStage::Choose { cursor, .. }) => {
                    *cursor = cursor.saturating_sub(1);
                    Some(vec![])
                }
                (Action::Down, SealedStage::ChooseAddress { cursor }) => {
                    let n = pane.info.as_ref().map_or(0, |i| i.to.len());
                    *cursor = (*cursor + 1).min(n.saturating_sub(1));
                    Some(vec![])
                }
                (Action::Up, SealedStage::ChooseAddress { cursor }) => {
                    *cursor = cursor.saturating_sub(1);
                    Some(vec![])
                }
                (Action::Open, SealedStage::ChooseAddress { cursor }) => {
                    let email = pane.info.as_ref()?.to.get(*cursor).cloned()?;
                    Some(request_passcode_for(pane, email))
                }
                (Action::Open, SealedStage::Choose { methods, cursor }) => {
                    let method = methods.get(*cursor).cloned()?;
                    Some(choose(pane, method))
                }
                (Action::Open, SealedStage::Passcode { input, .. }) => {
                    let code = SecretString::from(input.lines().join(""));
                    if code.is_empty() {
                        return Some(vec![]);
                    }
                    Some(submit(pane, code))
                }
                (Action::FillPasscode, SealedStage::Passcode { .. }) => {
                    let (_, code) = pane.arrived.take()?;
                    Some(submit(pane, code))
                }
                (Action::NewPasscode, SealedStage::Passcode { .. } | SealedStage::Failed(_)) => {
                    Some(request_passcode(pane))
                }
                (
                    Action::Open,
                    SealedStage::Failed(FlowFailure::SignInDenied | FlowFailure::SignInExpired),
                ) => {
                    pane.stage = SealedStage::Contacting;
                    Some(vec![Command::Flow(FlowRequest::Open {
                        flow,
                        raw: Arc::clone(&pane.raw),
                    })])
                }
                _ => None,
            }
        }
    }
}

/// New rows arrived: fetch a passcode mail while a sealed pane waits for one.
pub fn on_new_rows(state: &mut AppState, rows: &[Row]) -> Vec<Command> {
    let folder = state.folder.name.clone();
    let waiting = sealed(state).is_some_and(|p| matches!(p.stage, SealedStage::Passcode { .. }));
    if !waiting {
        return vec![];
    }
    let Some(row) = rows
        .iter()
        .filter(|r| r.subject().contains(PASSCODE_SUBJECT))
        .max_by_key(|r| r.uid)
    else {
        return vec![];
    };
    let uid = row.uid;
    let req = state.new_req();
    if let Some(pane) = sealed(state) {
        pane.passcode_fetch = Some(req);
    }
    vec![Command::Source(SourceCommand::FetchMessage {
        req,
        folder,
        uid,
        mark_seen: false,
    })]
}

/// A fetched message may be the passcode mail the pane asked for: hand it to the worker.
pub fn on_fetched(
    state: &mut AppState,
    req: ReqId,
    loaded: &LoadedMessage,
) -> Option<Vec<Command>> {
    let pane = sealed(state).filter(|p| p.passcode_fetch == Some(req))?;
    pane.passcode_fetch = None;
    Some(vec![Command::Flow(FlowRequest::PasscodeMail {
        flow: pane.flow,
        raw: Arc::clone(&loaded.raw),
    })])
}
