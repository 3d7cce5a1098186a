//! Following any numbered link of the open message: `y` copies it (OSC 52, works over SSH),
//! `o` opens it in `$BROWSER`. With one link it acts at once; with several it asks for the
//! number in a prompt, and the status line then names the link's real target. Portal mail's own
//! link keeps its meaning (`app::sealed`), and a suspicious message offers no link at all.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;
use super::context::Context;
use super::msg::Command;
use super::state::{AppState, Notice, PaneContent, PortalPane, SealedStage};
use crate::sanitize::Clean;

/// Copy or open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkUse {
    Copy,
    Open,
}

/// The prompt for a link's number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkPrompt {
    pub use_: LinkUse,
    /// The digits typed so far.
    pub typed: String,
    /// How many links the message has (numbered from 1).
    pub count: usize,
}

impl LinkPrompt {
    /// What the prompt line says.
    pub fn label(&self) -> String {
        let verb = match self.use_ {
            LinkUse::Copy => "Copy",
            LinkUse::Open => "Open",
        };
        format!("{verb} link (1–{}): ", self.count)
    }
}

/// The links of the message the pane shows: the message's, or a decrypted sealed message's.
/// `None` when the pane's portal part owns the link keys (vendor portal mail, a sealed
/// message not decrypted yet).
fn links(state: &AppState) -> Option<&[Clean]> {
    let pane = state.pane.as_ref()?;
    let PaneContent::Ready(view) = &pane.content else {
        return None;
    };
    match &pane.portal {
        None => Some(&view.links),
        Some(PortalPane::Sealed(sealed)) => match &sealed.stage {
            SealedStage::Decrypted { message, .. } => Some(&message.links),
            _ => None,
        },
        Some(PortalPane::Vendor(_)) => None,
    }
}

/// `y` or `o` on a message of its own: the link at once when there is one, else the prompt.
/// `None` leaves the action to the portal part of the pane.
pub fn on_action(state: &mut AppState, action: Action) -> Option<Vec<Command>> {
    let use_ = match action {
        Action::CopyLink => LinkUse::Copy,
        Action::OpenLink => LinkUse::Open,
        _ => return None,
    };
    let count = links(state)?.len();
    Some(match count {
        0 => {
            state.notice = Some(Notice::new("this message has no links", false));
            vec![]
        }
        1 => follow(state, use_, 1),
        _ => {
            state.link_prompt = Some(LinkPrompt {
                use_,
                typed: String::new(),
                count,
            });
            vec![]
        }
    })
}

/// A key while the prompt is open: digits, Backspace, Enter to follow, Esc to cancel.
pub fn on_prompt_key(state: &mut AppState, key: &KeyEvent) -> Vec<Command> {
    let Some(prompt) = state.link_prompt.as_mut() else {
        return vec![];
    };
    if key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    {
        return vec![];
    }
    match key.code {
        KeyCode::Esc => state.link_prompt = None,
        KeyCode::Backspace => {
            prompt.typed.pop();
        }
        KeyCode::Char(c @ '0'..='9') if prompt.typed.len() < 6 => prompt.typed.push(c),
        KeyCode::Enter => {
            let (use_, count) = (prompt.use_, prompt.count);
            match prompt.typed.parse::<usize>() {
                Ok(n) if (1..=count).contains(&n) => {
                    state.link_prompt = None;
                    return follow(state, use_, n);
                }
                _ => {
                    let typed = prompt.typed.clone();
                    prompt.typed.clear();
                    state.notice = Some(Notice::new(
                        &format!("no link [{typed}]: this message has links 1 to {count}"),
                        true,
                    ));
                }
            }
        }
        _ => {}
    }
    vec![]
}

/// Copies or opens link `n` (from 1), and says which target it was.
fn follow(state: &mut AppState, use_: LinkUse, n: usize) -> Vec<Command> {
    let Some(link) = links(state).and_then(|l| l.get(n - 1)).cloned() else {
        return vec![];
    };
    match use_ {
        LinkUse::Copy => {
            state.notice = Some(Notice::new(&format!("copied link [{n}]: {link}"), false));
            vec![Command::Clipboard(link.into())]
        }
        LinkUse::Open if !state.display => {
            let copy = state
                .keymap
                .within(Context::Message)
                .hint_key(Action::CopyLink)
                .map(|k| format!(": copy it with {k} instead"))
                .unwrap_or_default();
            state.notice = Some(Notice::new(
                &format!("no display here to open link [{n}]{copy}"),
                false,
            ));
            vec![]
        }
        LinkUse::Open => {
            state.notice = Some(Notice::new(
                &format!("opened link [{n}] in $BROWSER: {link}"),
                false,
            ));
            vec![Command::OpenUrl(link.into())]
        }
    }
}
