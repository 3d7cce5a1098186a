//! Saving and opening the open message's attachments. `S` asks which (with several: a number,
//! or `a` for all; with one, that one), then shows the directory to save to, editable (the
//! configured default, `~/Downloads` when it exists, else the current directory). The source
//! writes the files; a name that is taken is not replaced until the user says yes to it. `O`
//! asks which one, has it saved into the driver's private directory and handed to its viewer
//! (mailcap, `xdg-open`, `$BROWSER` for HTML). Portal mail not verified genuine offers
//! nothing, and a sealed message's decrypted content is never among what is offered. Called
//! by `update` only.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

use super::msg::Command;
use super::state::{AppState, Notice, PaneContent, PortalPane};
use crate::mail::{SaveDone, SaveRequest, SourceCommand};
use crate::sanitize::Clean;

/// Save to a directory, or open in a viewer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Save,
    Open,
}

/// A save sent to the source and not answered yet; for an open, the type of what is opened.
#[derive(Debug)]
pub struct PendingSave {
    pub request: SaveRequest,
    pub open_as: Option<String>,
}

/// The prompt while it is open.
#[derive(Debug)]
pub enum SavePrompt {
    /// Which attachment: the digits typed so far (`a` for all, when saving).
    Choose {
        typed: String,
        count: usize,
        purpose: Purpose,
    },
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
            SavePrompt::Choose {
                count,
                purpose: Purpose::Save,
                ..
            } => format!("Save attachment (1–{count}, a for all): "),
            SavePrompt::Choose {
                count,
                purpose: Purpose::Open,
                ..
            } => format!("Open attachment (1–{count}): "),
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

/// `S` or `O`: the attachments of the open message, when it has some to offer.
pub fn start(state: &mut AppState, purpose: Purpose) -> Vec<Command> {
    let count = match offered(state) {
        Ok(count) => count,
        Err(why) => {
            state.notice = Some(Notice::new(why, false));
            return vec![];
        }
    };
    if purpose == Purpose::Open && state.settings.open_dir.is_none() {
        state.notice = Some(Notice::new("attachments cannot be opened here", false));
        return vec![];
    }
    match (count, purpose) {
        (1, Purpose::Save) => state.save_prompt = Some(directory_prompt(state, vec![0])),
        (1, Purpose::Open) => return open(state, 0),
        _ => {
            state.save_prompt = Some(SavePrompt::Choose {
                typed: String::new(),
                count,
                purpose,
            })
        }
    }
    vec![]
}

/// Has attachment `index` saved into the private directory, to be opened when it is there.
fn open(state: &mut AppState, index: usize) -> Vec<Command> {
    let (Some(dir), Some(pane)) = (state.settings.open_dir.clone(), state.pane.as_ref()) else {
        return vec![];
    };
    let PaneContent::Ready(view) = &pane.content else {
        return vec![];
    };
    let Some(attachment) = view.attachments.get(index) else {
        return vec![];
    };
    let mime = attachment.mime.to_string();
    let name = attachment.name.clone();
    let uid = pane.uid;
    let request = SaveRequest {
        req: state.new_req(),
        folder: state.folder.name.clone(),
        uid,
        indices: vec![index],
        dir,
        // The private directory is the reader's own: an earlier copy is replaced.
        overwrite: true,
    };
    state.save_pending = Some(PendingSave {
        request: request.clone(),
        open_as: Some(mime),
    });
    state.notice = Some(Notice::new(&format!("opening {name}…"), false));
    vec![Command::Source(SourceCommand::SaveAttachments(request))]
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
        SavePrompt::Choose {
            mut typed,
            count,
            purpose,
        } => {
            match key.code {
                KeyCode::Char('a' | 'A') if purpose == Purpose::Save => {
                    state.save_prompt = Some(directory_prompt(state, (0..count).collect()));
                    return vec![];
                }
                KeyCode::Char(c) if c.is_ascii_digit() && typed.len() < 4 => typed.push(c),
                KeyCode::Backspace => {
                    typed.pop();
                }
                KeyCode::Enter => match typed.parse::<usize>() {
                    Ok(n) if (1..=count).contains(&n) && purpose == Purpose::Open => {
                        return open(state, n - 1);
                    }
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
            state.save_prompt = Some(SavePrompt::Choose {
                typed,
                count,
                purpose,
            });
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
                state.save_pending = Some(PendingSave {
                    request: request.clone(),
                    open_as: None,
                });
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
    state.save_pending = Some(PendingSave {
        request: request.clone(),
        open_as: None,
    });
    state.notice = Some(Notice::new("saving…", false));
    vec![Command::Source(SourceCommand::SaveAttachments(request))]
}

/// The source saved (some of) them: say where, and ask before replacing what is there; an
/// attachment saved to be opened goes to its viewer.
pub fn on_saved(state: &mut AppState, done: SaveDone) -> Vec<Command> {
    let Some(pending) = state.save_pending.take_if(|p| p.request.req == done.req) else {
        return vec![];
    };
    if let Some(mime) = pending.open_as {
        return match (done.saved.first(), &done.error) {
            (Some(path), _) => vec![Command::OpenFile {
                path: path.clone(),
                mime,
            }],
            (None, error) => {
                let text = error
                    .clone()
                    .unwrap_or_else(|| "it could not be saved".into());
                state.notice = Some(Notice::new(&format!("not opened: {text}"), true));
                vec![]
            }
        };
    }
    let sent = pending.request;
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
    vec![]
}

/// The driver handed a file to its viewer, or could not.
pub fn on_opened(state: &mut AppState, result: Result<String, String>) {
    state.notice = Some(match result {
        Ok(viewer) => Notice::new(&format!("opened with {viewer}"), false),
        Err(why) => Notice::new(&why, true),
    });
}
