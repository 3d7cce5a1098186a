//! The pane's S/MIME and OpenPGP messages, called by `update`: a message whose structure
//! says it is encrypted or signed is opened in memory off the reader's task
//! ([`Command::Unprotect`], `crypto::open`), and the pane then shows the decrypted or verified
//! message under a banner that says what protected it. The text the banner shows is made
//! safe once, here. No I/O.

use std::sync::Arc;

use super::msg::Command;
use super::state::{AppState, PaneContent};
use crate::crypto::open::{FailureKind, OpenFailure, Opened};
use crate::crypto::verdict::Report;
use crate::detect::crypto::{Protection, Scheme};
use crate::mail::{LoadedMessage, ReqId};
use crate::mime::MessageView;
use crate::sanitize::Clean;

/// An S/MIME or OpenPGP message in the pane.
#[derive(Debug)]
pub struct ProtectedPane {
    /// The opening's request: a late answer for a pane since closed is dropped.
    pub req: ReqId,
    pub protection: Protection,
    pub stage: ProtectedStage,
    /// The message as it arrived, before it was opened.
    pub outer: Arc<MessageView>,
}

/// Where opening it stands.
#[derive(Debug)]
pub enum ProtectedStage {
    /// Being decrypted or verified.
    Opening,
    /// Opened: the pane's content is the opened message; the banner's lines, and the opened
    /// message's bytes (its attachments are saved from them).
    Opened {
        report: ShownReport,
        content: crate::mail::HeldMessage,
    },
    /// It could not be opened: which scheme, what kind of failure, and why in words.
    Failed {
        scheme: Scheme,
        kind: FailureKind,
        why: Clean,
    },
}

/// The banner's lines, made safe: each with whether it is good news.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShownReport {
    pub encryption: Option<(Clean, bool)>,
    pub signatures: Vec<(Clean, bool)>,
    /// What the protection does not cover, when it does not cover the whole message.
    pub scope: Option<Clean>,
}

impl ShownReport {
    pub fn new(report: &Report) -> ShownReport {
        ShownReport {
            encryption: report
                .encryption
                .as_ref()
                .map(|e| (Clean::line(&e.words()), e.integrity)),
            signatures: report
                .signatures
                .iter()
                .map(|s| {
                    let words = format!("{}: {}", s.scheme.label(), s.status.words());
                    (Clean::line(&words), s.status.is_verified())
                })
                .collect(),
            scope: report.scope.words().map(|w| Clean::line(&w)),
        }
    }
}

/// A message arrived in the pane: an S/MIME or OpenPGP one is handed to be opened.
pub fn on_message_loaded(state: &mut AppState, loaded: &LoadedMessage) -> Vec<Command> {
    let Some(protection) = loaded.protection else {
        return vec![];
    };
    let req = state.new_req();
    let settings = Arc::clone(&state.settings.crypto);
    let Some(pane) = state.pane.as_mut().filter(|p| p.portal.is_none()) else {
        return vec![];
    };
    pane.protected = Some(ProtectedPane {
        req,
        protection,
        stage: ProtectedStage::Opening,
        outer: Arc::clone(&loaded.view),
    });
    vec![Command::Unprotect {
        req,
        raw: Arc::clone(&loaded.raw),
        settings,
    }]
}

/// Whether the open message is still being opened (a reply waits for it).
pub fn opening(state: &AppState) -> bool {
    state
        .pane
        .as_ref()
        .and_then(|p| p.protected.as_ref())
        .is_some_and(|p| matches!(p.stage, ProtectedStage::Opening))
}

/// The message was opened, or why not. The pane shows the opened message from now on.
pub fn on_unprotected(
    state: &mut AppState,
    req: ReqId,
    result: Result<Opened, OpenFailure>,
) -> Vec<Command> {
    let Some(pane) = state
        .pane
        .as_mut()
        .filter(|p| p.protected.as_ref().is_some_and(|x| x.req == req))
    else {
        // The pane has closed: the plaintext is dropped (and wiped) right here.
        return vec![];
    };
    let Some(protected) = pane.protected.as_mut() else {
        return vec![];
    };
    match result {
        Ok(opened) => {
            protected.stage = ProtectedStage::Opened {
                report: ShownReport::new(&opened.report),
                content: opened.content,
            };
            pane.content = PaneContent::Ready(opened.view);
        }
        Err(failure) => {
            let why = Clean::line(&failure.message);
            protected.stage = ProtectedStage::Failed {
                scheme: failure.scheme,
                kind: failure.kind,
                why,
            };
        }
    }
    pane.scroll = 0;
    pane.measured = None;
    super::compose::on_loaded(state)
}

/// The decrypted message the pane shows, when it shows one: its attachments are saved from
/// these bytes (and only after the user says yes to writing them unencrypted).
pub fn decrypted(state: &AppState) -> Option<crate::mail::HeldMessage> {
    let protected = state.pane.as_ref()?.protected.as_ref()?;
    match (&protected.protection, &protected.stage) {
        (Protection::Encrypted(_), ProtectedStage::Opened { content, .. }) => Some(content.clone()),
        _ => None,
    }
}
