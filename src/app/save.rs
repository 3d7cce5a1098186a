//! Saving the open message's attachments: `S` asks which (with several: a number, or `a` for
//! all; with one, that one), then shows the directory to save to, editable (the configured
//! default, `~/Downloads` when it exists, else the current directory). The source writes the
//! files; a name that is taken is not replaced until the user says yes to it. A suspicious
//! message, and a sealed message's decrypted content, offer nothing to save. Called by
//! `update` only.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

use super::msg::Command;
use super::state::{AppState, Notice, PaneContent, PortalPane};
use crate::mail::{SaveDone, SaveRequest, SourceCommand};
use crate::sanitize::Clean;

/// The prompt while it is open.
#[derive(Debug)]
pub enum SavePrompt {
    /// Which attachment: the digits typed so far (`a` for all).
    Choose { typed: String, count: usize },
    /// Where to: the directory, editable.
    Directory {
        indices: Vec<usize>,
        input: Box<TextArea<'static>>,
    },
    /// Files of these names are there: replace them?
    Replace {
        request: SaveRequest,
        names: Vec<Clean>,
    },
}

impl SavePrompt {
    /// The prompt line's question.
    pub fn label(&self) -> String {
        match self {
            SavePrompt::Choose { count, .. } => {
                format!("Save attachment (1–{count}, a for all): ")
            }
            SavePrompt::Directory { indices, .. } => match indices.as_slice() {
                [_] => "Save to: ".into(),
                many => format!("Save {} attachments to: ", many.len()),
            },
            SavePrompt::Replace { names, .. } => {
                let shown: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
                format!("{} exists: replace? (y/n) ", shown.join(", "))
            }
        }
    }
}

/// `S`: the attachments of the open message, when it has some to offer.
pub fn start(state: &mut AppState) -> Vec<Command> {
    let count = match offered(state) {
        Ok(count) => count,
        Err(why) => {
            state.notice = Some(Notice::new(why, false));
            return vec![];
        }
    };
    state.save_prompt = Some(if count == 1 {
        directory_prompt(state, vec![0])
    } else {
        SavePrompt::Choose {
            typed: String::new(),
            count,
        }
    });
    vec![]
}

/// How many attachments the open message offers to save, or why it offers none.
fn offered(state: &AppState) -> Result<usize, &'static str> {
    let pane = state.pane.as_ref().ok_or("no message is open")?;
    let PaneContent::Ready(view) = &pane.content else {
        return Err("the message is not open yet");
    };
    match &pane.portal {
        Some(PortalPane::Vendor(vendor))
            if vendor.classification.verdict != Some(crate::detect::Verdict::Genuine) =>
        {
            return Err("portal mail not verified genuine: its attachments are not offered");
        }
        _ => {}
    }
    match view.attachments.len() {
        0 => Err("this message has no attachments"),
        n => Ok(n),
    }
}

fn directory_prompt(state: &AppState, indices: Vec<usize>) -> SavePrompt {
    let mut input = TextArea::default();
    let mut dir = state.settings.save_dir.display().to_string();
    if !dir.ends_with('/') {
        dir.push('/');
    }
    input.insert_str(Clean::line(&dir).as_str());
    SavePrompt::Directory {
        indices,
        input: Box::new(input),
    }
}

/// The prompt's keys.
pub fn on_key(state: &mut AppState, key: &KeyEvent) -> Vec<Command> {
    let Some(prompt) = state.save_prompt.take() else {
        return vec![];
    };
    if key.code == KeyCode::Esc {
        state.notice = Some(Notice::new("nothing saved", false));
        return vec![];
    }
    match prompt {
        SavePrompt::Choose { mut typed, count } => {
            match key.code {
                KeyCode::Char('a' | 'A') => {
                    state.save_prompt = Some(directory_prompt(state, (0..count).collect()));
                    return vec![];
                }
                KeyCode::Char(c) if c.is_ascii_digit() && typed.len() < 4 => typed.push(c),
                KeyCode::Backspace => {
                    typed.pop();
                }
                KeyCode::Enter => match typed.parse::<usize>() {
                    Ok(n) if (1..=count).contains(&n) => {
                        state.save_prompt = Some(directory_prompt(state, vec![n - 1]));
                        return vec![];
                    }
                    _ => {
                        let text = format!("attachment {typed} is not in this message");
                        state.notice = Some(Notice::new(&text, true));
                        typed.clear();
                    }
                },
                _ => {}
            }
            state.save_prompt = Some(SavePrompt::Choose { typed, count });
            vec![]
        }
        SavePrompt::Directory { indices, mut input } => {
            let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
            match key.code {
                KeyCode::Enter => {
                    let dir = input.lines().join("");
                    return save(state, indices, dir.trim(), false);
                }
                // A control character would put unclean text into the input.
                KeyCode::Tab | KeyCode::BackTab => {}
                KeyCode::Char(c) if c.is_control() || ctrl => {}
                _ => {
                    input.input(*key);
                }
            }
            state.save_prompt = Some(SavePrompt::Directory { indices, input });
            vec![]
        }
        SavePrompt::Replace { mut request, .. } => match key.code {
            KeyCode::Char('y' | 'Y') => {
                request.req = state.new_req();
                request.overwrite = true;
                state.save_pending = Some(request.clone());
                vec![Command::Source(SourceCommand::SaveAttachments(request))]
            }
            _ => {
                state.notice = Some(Notice::new("nothing replaced", false));
                vec![]
            }
        },
    }
}

/// A paste goes into the directory being typed, made clean.
pub fn on_paste(state: &mut AppState, text: &str) {
    if let Some(SavePrompt::Directory { input, .. }) = state.save_prompt.as_mut() {
        input.insert_str(Clean::line(text).as_str());
    }
}

fn save(state: &mut AppState, indices: Vec<usize>, dir: &str, overwrite: bool) -> Vec<Command> {
    let Some(uid) = state.pane.as_ref().map(|p| p.uid) else {
        return vec![];
    };
    let dir = if dir.is_empty() { "." } else { dir };
    let request = SaveRequest {
        req: state.new_req(),
        folder: state.folder.name.clone(),
        uid,
        indices,
        dir: crate::paths::expand_home(std::path::Path::new(dir)),
        overwrite,
    };
    state.save_pending = Some(request.clone());
    state.notice = Some(Notice::new("saving…", false));
    vec![Command::Source(SourceCommand::SaveAttachments(request))]
}

/// The source saved (some of) them: say where, and ask before replacing what is there.
pub fn on_saved(state: &mut AppState, done: SaveDone) {
    let Some(sent) = state.save_pending.take_if(|p| p.req == done.req) else {
        return;
    };
    let mut parts = Vec::new();
    match done.saved.as_slice() {
        [] => {}
        [one] => parts.push(format!("saved {}", one.display())),
        many => {
            let dir = many
                .first()
                .and_then(|p| p.parent())
                .map(|d| d.display().to_string())
                .unwrap_or_default();
            parts.push(format!("saved {} files to {dir}", many.len()));
        }
    }
    if let Some(error) = &done.error {
        parts.push(error.clone());
    }
    if !parts.is_empty() {
        state.notice = Some(Notice::new(&parts.join("; "), done.error.is_some()));
    }
    if !done.exist.is_empty() {
        let request = SaveRequest {
            indices: done.exist.iter().map(|(i, _)| *i).collect(),
            overwrite: true,
            ..sent
        };
        state.save_prompt = Some(SavePrompt::Replace {
            request,
            names: done.exist.iter().map(|(_, n)| Clean::line(n)).collect(),
        });
    }
}
