//! Saving and opening the open message's attachments. `S` asks which (with several: a number,
//! or `a` for all; with one, that one), then shows the directory to save to, editable (the
//! configured default, `~/Downloads` when it exists, else the current directory). The source
//! writes the files; a name that is taken is not replaced until the user says yes to it. `O`
//! asks which one, has it saved into the driver's private directory and handed to its viewer
//! (mailcap, `xdg-open`, `$BROWSER` for HTML); `|` pipes it to a command the user types and
//! shows what the command wrote in the pane. Portal mail not verified genuine offers
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
    /// Pipe to a command the user types, its output shown in the pane.
    Pipe,
}

/// What follows a save the source has not answered yet.
#[derive(Debug)]
pub enum After {
    /// Say where the files went.
    Report,
    /// Open the file with the viewer for this type.
    Open(String),
    /// Pipe the file to this command line.
    Pipe(String),
}

/// A save sent to the source and not answered yet, and what follows it.
#[derive(Debug)]
pub struct PendingSave {
    pub request: SaveRequest,
    pub then: After,
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
    /// The command an attachment is piped to, being typed.
    Command {
        index: usize,
        input: Box<TextArea<'static>>,
    },
    /// The message was decrypted: its attachments leave memory unencrypted only on a yes.
    Decrypted { purpose: Purpose },
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
            SavePrompt::Choose {
                count,
                purpose: Purpose::Pipe,
                ..
            } => format!("Pipe attachment (1–{count}): "),
            SavePrompt::Command { .. } => "Pipe to: ".into(),
            SavePrompt::Decrypted { .. } => {
                "It was encrypted: write the attachment to disk decrypted? (y/n) ".into()
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

/// `S` or `O`: the attachments of the open message, when it has some to offer. Those of a
/// decrypted message are asked about first: saved, they are plaintext on disk.
pub fn start(state: &mut AppState, purpose: Purpose) -> Vec<Command> {
    if let Err(why) = offered(state) {
        state.notice = Some(Notice::new(why, false));
        return vec![];
    }
    if purpose != Purpose::Save && state.settings.open_dir.is_none() {
        state.notice = Some(Notice::new("attachments cannot be opened here", false));
        return vec![];
    }
    if super::protected::decrypted(state).is_some() {
        state.save_prompt = Some(SavePrompt::Decrypted { purpose });
        return vec![];
    }
    choose(state, purpose)
}

/// The attachment to save, open or pipe: asked for when there are several.
fn choose(state: &mut AppState, purpose: Purpose) -> Vec<Command> {
    let Ok(count) = offered(state) else {
        return vec![];
    };
    match (count, purpose) {
        (1, Purpose::Save) => state.save_prompt = Some(directory_prompt(state, vec![0])),
        (1, Purpose::Open) => return open(state, 0, None),
        (1, Purpose::Pipe) => state.save_prompt = Some(command_prompt(0)),
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

fn command_prompt(index: usize) -> SavePrompt {
    SavePrompt::Command {
        index,
        input: Box::default(),
    }
}

/// Has attachment `index` saved into the private directory, to be opened when it is there
/// (or piped to `command`).
fn open(state: &mut AppState, index: usize, command: Option<String>) -> Vec<Command> {
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
    let (then, doing) = match command {
        Some(command) => (After::Pipe(command), "piping"),
        None => (After::Open(mime), "opening"),
    };
    state.save_pending = Some(PendingSave {
        request: request.clone(),
        then,
    });
    state.notice = Some(Notice::new(&format!("{doing} {name}…"), false));
    vec![dispatch(state, request)]
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
                        return open(state, n - 1, None);
                    }
                    Ok(n) if (1..=count).contains(&n) && purpose == Purpose::Pipe => {
                        state.save_prompt = Some(command_prompt(n - 1));
                        return vec![];
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
        SavePrompt::Command { index, mut input } => {
            let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
            match key.code {
                KeyCode::Enter => {
                    let command = input.lines().join(" ").trim().to_owned();
                    if command.is_empty() {
                        state.save_prompt = Some(SavePrompt::Command { index, input });
                        return vec![];
                    }
                    return open(state, index, Some(command));
                }
                KeyCode::Tab | KeyCode::BackTab => {}
                KeyCode::Char(c) if c.is_control() || ctrl => {}
                _ => {
                    input.input(*key);
                }
            }
            state.save_prompt = Some(SavePrompt::Command { index, input });
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
        SavePrompt::Decrypted { purpose } => match key.code {
            KeyCode::Char('y' | 'Y') => choose(state, purpose),
            _ => {
                state.notice = Some(Notice::new("nothing saved", false));
                vec![]
            }
        },
        SavePrompt::Replace { mut request, .. } => match key.code {
            KeyCode::Char('y' | 'Y') => {
                request.req = state.new_req();
                request.overwrite = true;
                state.save_pending = Some(PendingSave {
                    request: request.clone(),
                    then: After::Report,
                });
                vec![dispatch(state, request)]
            }
            _ => {
                state.notice = Some(Notice::new("nothing replaced", false));
                vec![]
            }
        },
    }
}

/// A paste goes into the directory or command being typed, made clean.
pub fn on_paste(state: &mut AppState, text: &str) {
    if let Some(SavePrompt::Directory { input, .. } | SavePrompt::Command { input, .. }) =
        state.save_prompt.as_mut()
    {
        input.insert_str(Clean::line(text).as_str());
    }
}

/// The command's output (or why it failed) in the message pane, which `q` leaves.
pub fn on_piped(state: &mut AppState, command: &str, result: Result<Vec<u8>, String>) {
    let Some(pane) = state.pane.as_mut() else {
        return;
    };
    match result {
        Ok(output) => {
            let mut lines = vec![Clean::line(&format!("$ {command}"))];
            lines.extend(super::source::source_lines(&output));
            pane.view = super::state::PaneView::Output(lines);
            pane.scroll = 0;
            state.notice = None;
        }
        Err(why) => state.notice = Some(Notice::new(&why, true)),
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
        then: After::Report,
    });
    state.notice = Some(Notice::new("saving…", false));
    vec![dispatch(state, request)]
}

/// The save goes to the source, which reads the stored message; a decrypted message's
/// attachments are written from the bytes held in memory.
fn dispatch(state: &AppState, request: SaveRequest) -> Command {
    match super::protected::decrypted(state) {
        Some(message) => Command::SaveHeld { request, message },
        None => Command::Source(SourceCommand::SaveAttachments(request)),
    }
}

/// The source saved (some of) them: say where, and ask before replacing what is there; an
/// attachment saved to be opened goes to its viewer, one to be piped to its command.
pub fn on_saved(state: &mut AppState, done: SaveDone) -> Vec<Command> {
    let Some(pending) = state.save_pending.take_if(|p| p.request.req == done.req) else {
        return vec![];
    };
    let follow = |path: &std::path::PathBuf| match &pending.then {
        After::Open(mime) => Some(Command::OpenFile {
            path: path.clone(),
            mime: mime.clone(),
        }),
        After::Pipe(command) => Some(Command::PipeFile {
            path: path.clone(),
            command: command.clone(),
        }),
        After::Report => None,
    };
    if !matches!(pending.then, After::Report) {
        if let Some(command) = done.saved.first().and_then(follow) {
            return vec![command];
        }
        let text = done
            .error
            .clone()
            .unwrap_or_else(|| "it could not be saved".into());
        state.notice = Some(Notice::new(&format!("not done: {text}"), true));
        return vec![];
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
