//! The composer: a new message, a reply, a reply to all or a forward of the open message,
//! written in a pane of header fields and a body, then reviewed and sent (or discarded, after
//! asking). Only clean text enters its inputs (keys that are characters, pastes sanitised),
//! so the views draw it as it is. Called by `update` only; sending is a [`Command::Send`].

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

use super::msg::Command;
use super::state::{AppState, Notice, PaneContent, PortalPane, SealedStage};
use crate::mail::compose::{Draft, DraftKind, Identity};
use crate::mail::outgoing::Outgoing;
use crate::mail::{Flags, ReqId, SourceCommand};
use crate::sanitize::Clean;
use crate::sealed::reply::ReplyTicket;
use crate::submit::{Receipt, SubmitError};

/// The composer's inputs, in the order Tab visits them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    From,
    To,
    Cc,
    Bcc,
    Subject,
    Body,
}

impl Field {
    pub const HEADERS: [Field; 5] = [
        Field::From,
        Field::To,
        Field::Cc,
        Field::Bcc,
        Field::Subject,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Field::From => "From",
            Field::To => "To",
            Field::Cc => "Cc",
            Field::Bcc => "Bcc",
            Field::Subject => "Subject",
            Field::Body => "Body",
        }
    }

    fn next(self) -> Field {
        match self {
            Field::From => Field::To,
            Field::To => Field::Cc,
            Field::Cc => Field::Bcc,
            Field::Bcc => Field::Subject,
            Field::Subject => Field::Body,
            Field::Body => Field::From,
        }
    }

    fn previous(self) -> Field {
        match self {
            Field::From => Field::Body,
            Field::To => Field::From,
            Field::Cc => Field::To,
            Field::Bcc => Field::Cc,
            Field::Subject => Field::Bcc,
            Field::Body => Field::Subject,
        }
    }
}

/// Where the composer is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    Editing,
    /// The review screen: send, edit again, or discard.
    Review,
    /// "Discard this message?"
    ConfirmDiscard,
    /// Handed to the sender; the answer carries `req`.
    Sending {
        req: ReqId,
    },
    /// The send failed; `may_have_left` when the message may have reached someone.
    Failed {
        error: Clean,
        may_have_left: bool,
    },
    /// "It may have been sent: send it again?"
    ConfirmResend {
        error: Clean,
    },
    /// The path of a file to attach is typed (in [`Composer::attach_input`]).
    AttachPrompt,
    /// A file is being read to be attached.
    Attaching {
        req: ReqId,
    },
    /// "Remove which attachment?"
    RemovePrompt,
    /// Handed over to be kept as a draft; the answer carries `req`.
    Postponing {
        req: ReqId,
    },
    /// In the user's external editor (`app::compose_editor`); the answer carries `req`, and
    /// the composer goes back to the review when it came from there.
    ExternalEditor {
        req: ReqId,
        from_review: bool,
    },
}

/// Files larger than this are not attached (servers refuse larger mail anyway).
pub const MAX_ATTACHMENT: u64 = 25 * 1024 * 1024;

/// A file attached to the message being written.
#[derive(Clone)]
pub struct ComposeAttachment {
    /// The file's name, as the recipient sees it.
    pub name: Clean,
    pub content_type: String,
    pub bytes: std::sync::Arc<zeroize::Zeroizing<Vec<u8>>>,
}

impl std::fmt::Debug for ComposeAttachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComposeAttachment")
            .field("size", &self.bytes.len())
            .finish()
    }
}

/// The message being written.
#[derive(Debug)]
pub struct Composer {
    pub kind: DraftKind,
    pub from: TextArea<'static>,
    pub to: TextArea<'static>,
    pub cc: TextArea<'static>,
    pub bcc: TextArea<'static>,
    pub subject: TextArea<'static>,
    pub body: TextArea<'static>,
    pub focus: Field,
    pub stage: Stage,
    pub attachments: Vec<ComposeAttachment>,
    /// The path typed at [`Stage::AttachPrompt`].
    pub attach_input: Option<Box<TextArea<'static>>>,
    in_reply_to: Option<String>,
    references: Vec<String>,
    /// The draft this was resumed from (its folder and UID): deleted once this is sent or
    /// kept again.
    resumed_from: Option<(String, u32)>,
    /// The message answered (its folder and UID): flagged `\Answered` once this is sent.
    answers: Option<(String, u32)>,
    /// The address book command's lookup under way (`app::compose_complete`).
    pub lookup: super::compose_complete::Lookup,
    /// The attach prompt's path completion (`app::compose_path`).
    pub path_completion: super::compose_path::PathCompletion,
    /// The addresses offered for the field being typed (`app::compose_complete`).
    pub completion: Option<super::compose_complete::Completion>,
    /// A reply to a sealed message, sealed for its participants when sent: the ticket the
    /// opened message earned. Its text stays in memory (no editor file, no draft in clear).
    pub sealed: Option<Box<ReplyTicket>>,
    /// A new message sealed with the account's sender token (`S` on the review): the portal,
    /// as the review shows it.
    pub seal_as_sender: Option<Clean>,
    /// Signed, or signed and encrypted, with OpenPGP or S/MIME when sent (`c` on the review).
    pub protect: Option<super::compose_crypto::Protection>,
}

impl Drop for Composer {
    /// The text typed is wiped: the body's lines and every header's.
    fn drop(&mut self) {
        for input in [
            &mut self.body,
            &mut self.subject,
            &mut self.to,
            &mut self.cc,
            &mut self.bcc,
        ] {
            for mut line in std::mem::take(input).into_lines() {
                zeroize::Zeroize::zeroize(&mut line);
            }
        }
    }
}

/// A header input holding `text`, made clean and one line.
pub(super) fn line_input(text: &str) -> TextArea<'static> {
    let mut input = TextArea::default();
    input.insert_str(Clean::line(text).as_str());
    input
}

/// The body's input holding `text`, made clean, the cursor at the start of `cursor_line`.
pub(super) fn body_input(text: &str, cursor_line: usize) -> TextArea<'static> {
    let mut body = TextArea::new(
        Clean::text(text)
            .into_iter()
            .map(|l| l.as_str().to_owned())
            .collect(),
    );
    body.move_cursor(ratatui_textarea::CursorMove::Jump(
        u16::try_from(cursor_line).unwrap_or(u16::MAX),
        0,
    ));
    body
}

impl Composer {
    fn from_draft(draft: Draft, answers: Option<(String, u32)>) -> Composer {
        let line = line_input;
        let body = body_input(draft.body.as_str(), draft.cursor_line);
        let focus = match draft.kind {
            DraftKind::New
            | DraftKind::Forward
            | DraftKind::ForwardAttached
            | DraftKind::Resumed => Field::To,
            DraftKind::Reply | DraftKind::ReplyAll => Field::Body,
        };
        Composer {
            from: line(&draft.from),
            to: line(&draft.to),
            cc: line(&draft.cc),
            bcc: line(&draft.bcc),
            subject: line(&draft.subject),
            body,
            kind: draft.kind,
            focus,
            stage: Stage::Editing,
            attachments: Vec::new(),
            attach_input: None,
            resumed_from: None,
            in_reply_to: draft.in_reply_to,
            references: draft.references,
            answers,
            sealed: None,
            seal_as_sender: None,
            protect: None,
            completion: None,
            path_completion: Default::default(),
            lookup: Default::default(),
        }
    }

    pub fn title(&self) -> &'static str {
        if self.seal_as_sender.is_some() {
            return "Sealed message";
        }
        if self.sealed.is_some() {
            return match self.kind {
                DraftKind::ReplyAll => "Sealed reply to all",
                _ => "Sealed reply",
            };
        }
        match self.kind {
            DraftKind::New => "New message",
            DraftKind::Reply => "Reply",
            DraftKind::ReplyAll => "Reply to all",
            DraftKind::Forward => "Forward",
            DraftKind::ForwardAttached => "Forward as attachment",
            DraftKind::Resumed => "Draft",
        }
    }

    pub fn input(&self, field: Field) -> &TextArea<'static> {
        match field {
            Field::From => &self.from,
            Field::To => &self.to,
            Field::Cc => &self.cc,
            Field::Bcc => &self.bcc,
            Field::Subject => &self.subject,
            Field::Body => &self.body,
        }
    }

    pub(super) fn input_mut(&mut self, field: Field) -> &mut TextArea<'static> {
        match field {
            Field::From => &mut self.from,
            Field::To => &mut self.to,
            Field::Cc => &mut self.cc,
            Field::Bcc => &mut self.bcc,
            Field::Subject => &mut self.subject,
            Field::Body => &mut self.body,
        }
    }

    /// A header field's text (its one line).
    pub fn text(&self, field: Field) -> String {
        self.input(field).lines().join(" ")
    }

    /// The message as it stands.
    pub fn draft(&self) -> Draft {
        Draft {
            kind: self.kind.clone(),
            from: self.text(Field::From),
            to: self.text(Field::To),
            cc: self.text(Field::Cc),
            bcc: self.text(Field::Bcc),
            subject: self.text(Field::Subject),
            body: zeroize::Zeroizing::new(self.body.lines().join("\n")),
            in_reply_to: self.in_reply_to.clone(),
            references: self.references.clone(),
            cursor_line: self.body.cursor().0,
        }
    }

    /// The portal a sealed reply is sealed with, as the review shows it.
    pub fn sealed_portal(&self) -> Option<Clean> {
        match (&self.sealed, &self.seal_as_sender) {
            (Some(ticket), _) => Some(Clean::line(ticket.portal())),
            (None, portal) => portal.clone(),
        }
    }

    /// Whether it is sealed when sent: its text then never leaves memory in clear (no draft,
    /// no editor file).
    pub fn is_sealed(&self) -> bool {
        self.sealed.is_some() || self.seal_as_sender.is_some()
    }

    /// Whether its text must stay in memory: sealed, or encrypted when sent (no draft in
    /// clear, no editor file).
    pub fn keeps_off_disk(&self) -> bool {
        self.is_sealed() || self.protect.is_some_and(|p| p.encrypt)
    }

    /// Everyone the message goes to, as typed.
    pub fn recipients(&self) -> usize {
        let out = self.draft().outgoing();
        out.recipient_count()
    }
}

/// Who the user is when writing, when the account can send.
fn identity(state: &mut AppState) -> Option<Identity> {
    let identity = state.identity.clone();
    if let Some(me) = &identity {
        state.addresses.configure(&me.from);
        for choice in &me.choices {
            state.addresses.configure(&choice.from);
        }
        for mailbox in &state.settings.address_book {
            state.addresses.configure(mailbox);
        }
    }
    if identity.is_none() {
        state.notice = Some(Notice::new(
            "this account cannot send: give it smtp and from in the config (see the user guide)",
            true,
        ));
    }
    identity
}

/// A new message.
pub fn new_message(state: &mut AppState) -> Vec<Command> {
    let Some(me) = identity(state) else {
        return vec![];
    };
    open(state, Composer::from_draft(Draft::new(&me), None))
}

/// The composer opens; with `compose_in_editor`, in the external editor at once (the review
/// follows it).
fn open(state: &mut AppState, mut composer: Composer) -> Vec<Command> {
    let commands = if state.settings.compose_in_editor && !composer.keeps_off_disk() {
        super::compose_editor::start(state, &mut composer, true)
    } else {
        vec![]
    };
    state.composer = Some(Box::new(composer));
    commands
}

/// A reply (to all), or a forward, of the open message; from the list with none open, the
/// selected one is opened and the composer follows when it has loaded.
pub fn respond(state: &mut AppState, kind: DraftKind) -> Vec<Command> {
    if kind == DraftKind::Resumed
        && let Some(held) = state.held_sealed_reply.take()
    {
        // A sealed reply put aside comes back first: it is nowhere else.
        state.composer = Some(held);
        return vec![];
    }
    let Some(me) = identity(state) else {
        return vec![];
    };
    let selected = state.folder.rows.selected().map(|row| row.uid);
    let open_uid = state.pane.as_ref().map(|p| p.uid);
    if open_uid.is_none() || (state.focus == super::state::Focus::List && selected != open_uid) {
        if selected.is_none() {
            return vec![];
        }
        let commands = super::update::open_selected(state);
        state.compose_after_load = Some(kind);
        return commands;
    }
    start_from_pane(state, &me, kind)
}

/// The open message has loaded: a composer waiting for it opens.
pub fn on_loaded(state: &mut AppState) -> Vec<Command> {
    let Some(kind) = state.compose_after_load.take() else {
        return vec![];
    };
    match state.identity.clone() {
        Some(me) => start_from_pane(state, &me, kind),
        None => vec![],
    }
}

fn start_from_pane(state: &mut AppState, me: &Identity, kind: DraftKind) -> Vec<Command> {
    let Some(pane) = state.pane.as_ref() else {
        return vec![];
    };
    if let Some(PortalPane::Sealed(_)) = &pane.portal {
        return start_sealed_reply(state, me, kind);
    }
    let PaneContent::Ready(view) = &pane.content else {
        state.compose_after_load = Some(kind);
        return vec![];
    };
    let carries_files =
        matches!(kind, DraftKind::Forward | DraftKind::Resumed) && !view.attachments.is_empty();
    if kind == DraftKind::ForwardAttached || carries_files {
        // The pane's copy may lack parts it did not need: the whole source is fetched, for
        // the message attached whole, or for the attachments a forward or a draft keeps.
        let uid = pane.uid;
        let req = state.new_req();
        state.forward_pending = Some((req, kind));
        state.notice = Some(Notice::new("fetching the whole message…", false));
        return vec![Command::Source(SourceCommand::FetchSource {
            req,
            folder: state.folder.name.clone(),
            uid,
        })];
    }
    let draft = match kind {
        DraftKind::New => Draft::new(me),
        DraftKind::Resumed => Draft::resume(view, me),
        DraftKind::Reply => Draft::reply(view, me, false),
        DraftKind::ReplyAll => Draft::reply(view, me, true),
        DraftKind::Forward => Draft::forward(view, me),
        DraftKind::ForwardAttached => Draft::forward_attached(view, me),
    };
    let answers = matches!(kind, DraftKind::Reply | DraftKind::ReplyAll)
        .then(|| (state.folder.name.clone(), pane.uid));
    let mut composer = Composer::from_draft(draft, answers);
    if matches!(
        kind,
        DraftKind::Reply | DraftKind::ReplyAll | DraftKind::Forward
    ) {
        // Its text quotes what was decrypted: it leaves encrypted unless the user says not.
        composer.protect = super::compose_crypto::for_reply(state);
    }
    if kind == DraftKind::Resumed {
        composer.resumed_from = Some((state.folder.name.clone(), pane.uid));
    }
    open(state, composer)
}

/// A reply to the decrypted sealed message in the pane, sealed for its participants as the
/// portal vouched for them: the reply to its sender, the reply to all to everyone else who
/// took part too. A forward, or a sealed message not opened yet, is refused with a notice.
fn start_sealed_reply(state: &mut AppState, me: &Identity, kind: DraftKind) -> Vec<Command> {
    let Some(PortalPane::Sealed(sealed)) = state.pane.as_ref().and_then(|p| p.portal.as_ref())
    else {
        return vec![];
    };
    let refusal = match (&kind, &sealed.stage) {
        (DraftKind::Reply | DraftKind::ReplyAll, SealedStage::Decrypted { reply: None, .. }) => {
            Some("its portal names no participants: it cannot be answered sealed")
        }
        (DraftKind::Reply | DraftKind::ReplyAll, SealedStage::Decrypted { .. }) => None,
        (DraftKind::Reply | DraftKind::ReplyAll, _) => {
            Some("open the sealed message first, then answer it")
        }
        _ => Some("sealed mail is not forwarded: w answers it, sealed"),
    };
    if let Some(why) = refusal {
        state.notice = Some(Notice::new(why, true));
        return vec![];
    }
    let SealedStage::Decrypted {
        message,
        reply: Some(ticket),
        ..
    } = &sealed.stage
    else {
        return vec![];
    };
    let mut draft = Draft::reply(message, me, kind == DraftKind::ReplyAll);
    // The participants as the portal vouched for them, never the inner headers' claims.
    let own: Vec<String> = me.own.iter().map(|a| a.to_ascii_lowercase()).collect();
    let others: Vec<&String> = ticket
        .recipients
        .iter()
        .filter(|a| !own.contains(a) && **a != ticket.sender)
        .collect();
    draft.to = ticket.sender.clone();
    draft.cc = if kind == DraftKind::ReplyAll {
        others
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        String::new()
    };
    draft.bcc = String::new();
    let ticket = ticket.clone();
    let answers = state
        .pane
        .as_ref()
        .map(|p| (state.folder.name.clone(), p.uid));
    let mut composer = Composer::from_draft(draft, answers);
    composer.sealed = Some(ticket);
    state.composer = Some(Box::new(composer));
    vec![]
}

/// A message's whole source arrived: a forward waiting for it opens with it attached, or with
/// its attachments; a draft taken up again opens with its attachments. `None` when the source
/// was not asked for the composer.
pub fn on_source(
    state: &mut AppState,
    req: ReqId,
    result: Result<&[u8], String>,
) -> Option<Vec<Command>> {
    let kind = match &state.forward_pending {
        Some((pending, kind)) if *pending == req => kind.clone(),
        _ => return None,
    };
    state.forward_pending = None;
    let raw = match result {
        Ok(raw) => raw,
        Err(why) => {
            state.notice = Some(Notice::new(
                &format!("cannot open it to write: {why}"),
                true,
            ));
            return Some(vec![]);
        }
    };
    let (Some(me), Some(pane)) = (state.identity.clone(), state.pane.as_ref()) else {
        return Some(vec![]);
    };
    let PaneContent::Ready(view) = &pane.content else {
        return Some(vec![]);
    };
    let view = std::sync::Arc::clone(view);
    if kind != DraftKind::ForwardAttached {
        let draft = if kind == DraftKind::Resumed {
            Draft::resume(&view, &me)
        } else {
            Draft::forward(&view, &me)
        };
        let mut composer = Composer::from_draft(draft, None);
        if kind == DraftKind::Resumed {
            composer.resumed_from = Some((state.folder.name.clone(), pane.uid));
        }
        match files_of(raw) {
            Ok(files) => composer.attachments = files,
            Err(why) => {
                state.notice = Some(Notice::new(
                    &format!("its attachments cannot be read: {why}"),
                    true,
                ));
                return Some(vec![]);
            }
        }
        state.notice = None;
        return Some(open(state, composer));
    }
    let mut composer = Composer::from_draft(Draft::forward_attached(&view, &me), None);
    let subject: String = view.subject.chars().take(60).collect();
    let name = if subject.trim().is_empty() {
        "message.eml".to_owned()
    } else {
        format!("{}.eml", subject.trim().replace(['/', '\\'], "-"))
    };
    composer.attachments.push(ComposeAttachment {
        name: Clean::line(&name),
        content_type: "message/rfc822".into(),
        bytes: std::sync::Arc::new(zeroize::Zeroizing::new(raw.to_vec())),
    });
    state.notice = None;
    Some(open(state, composer))
}

/// `type/subtype` of RFC 2045 token characters, nothing else (no parameters).
fn is_media_type(text: &str) -> bool {
    let token = |t: &str| {
        !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
    };
    text.split_once('/')
        .is_some_and(|(kind, sub)| token(kind) && token(sub))
}

/// The attachments of a whole message, as the composer carries them on: the message's own
/// files (the parts of a message attached to it travel inside that message), with the names
/// and types it gives them.
fn files_of(raw: &[u8]) -> Result<Vec<ComposeAttachment>, String> {
    let view = crate::mime::parse(raw).map_err(|e| e.to_string())?;
    let contents = crate::mime::attachment_contents(raw).map_err(|e| e.to_string())?;
    Ok(view
        .attachments
        .iter()
        .zip(contents)
        .filter(|(shown, _)| !shown.name.as_str().starts_with('↳'))
        .map(|(shown, (name, bytes))| ComposeAttachment {
            name: Clean::line(&name),
            content_type: if is_media_type(shown.mime.as_str()) {
                shown.mime.to_string()
            } else {
                crate::mail::outgoing::content_type_for(&name).to_owned()
            },
            bytes: std::sync::Arc::new(zeroize::Zeroizing::new(bytes)),
        })
        .collect())
}

/// The composer's keys, whatever its stage.
pub fn on_key(state: &mut AppState, key: &KeyEvent) -> Vec<Command> {
    let Some(mut composer) = state.composer.take() else {
        return vec![];
    };
    let mut commands = Vec::new();
    let mut hold = false;
    let keep = match composer.stage.clone() {
        Stage::Editing if is_ctrl(key, 'o') => {
            commands = super::compose_editor::start(state, &mut composer, false);
            true
        }
        Stage::Editing => {
            match super::compose_complete::on_key(state, &mut composer, key) {
                Some(asked) => commands = asked,
                None if super::identities::on_from_key(
                    &mut composer,
                    state.identity.as_ref(),
                    key,
                ) => {}
                None => {
                    let was_open = composer.completion.take().is_some();
                    edit(&mut composer, key);
                    super::compose_complete::after_edit(&state.addresses, &mut composer, was_open);
                }
            }
            true
        }
        Stage::Review | Stage::Failed { .. } => match key.code {
            KeyCode::Char('s' | 'y') => {
                if let Stage::Failed {
                    error,
                    may_have_left: true,
                } = &composer.stage
                {
                    composer.stage = Stage::ConfirmResend {
                        error: error.clone(),
                    };
                } else {
                    commands = send(state, &mut composer);
                }
                true
            }
            KeyCode::Char('e') | KeyCode::Esc => {
                composer.stage = Stage::Editing;
                true
            }
            KeyCode::Char('E') => {
                commands = super::compose_editor::start(state, &mut composer, true);
                true
            }
            KeyCode::Char('d') => {
                composer.stage = Stage::ConfirmDiscard;
                true
            }
            KeyCode::Char('S') => {
                toggle_sealing(state, &mut composer);
                true
            }
            KeyCode::Char('c') => {
                super::compose_crypto::cycle(state, &mut composer);
                true
            }
            KeyCode::Char('p') if composer.keeps_off_disk() => {
                // Never to Drafts: it is kept in memory until resumed or the reader ends.
                hold = true;
                false
            }
            KeyCode::Char('p') => {
                commands = postpone(state, &mut composer);
                true
            }
            KeyCode::Char('a') => {
                composer.attach_input = Some(Box::default());
                composer.stage = Stage::AttachPrompt;
                true
            }
            KeyCode::Char('x') if composer.attachments.len() == 1 => {
                composer.attachments.clear();
                composer.stage = Stage::Review;
                true
            }
            KeyCode::Char('x') if composer.attachments.len() > 1 => {
                composer.stage = Stage::RemovePrompt;
                true
            }
            _ => true,
        },
        Stage::AttachPrompt => {
            commands = attach_key(state, &mut composer, key);
            true
        }
        Stage::RemovePrompt => {
            if let KeyCode::Char(c) = key.code
                && let Some(n) = c.to_digit(10)
                && (1..=composer.attachments.len()).contains(&(n as usize))
            {
                composer.attachments.remove(n as usize - 1);
            }
            composer.stage = Stage::Review;
            true
        }
        Stage::Attaching { .. } | Stage::Postponing { .. } | Stage::ExternalEditor { .. } => true,
        Stage::ConfirmDiscard => match key.code {
            KeyCode::Char('y') => {
                state.notice = Some(Notice::new("message discarded", false));
                false
            }
            KeyCode::Char('n') | KeyCode::Esc => {
                composer.stage = Stage::Review;
                true
            }
            _ => true,
        },
        Stage::ConfirmResend { error } => match key.code {
            KeyCode::Char('y') => {
                commands = send(state, &mut composer);
                true
            }
            KeyCode::Char('n') | KeyCode::Esc => {
                composer.stage = Stage::Failed {
                    error,
                    may_have_left: true,
                };
                true
            }
            _ => true,
        },
        // Nothing interrupts a send under way.
        Stage::Sending { .. } => true,
    };
    if keep {
        state.composer = Some(composer);
    } else if hold {
        composer.stage = Stage::Editing;
        state.held_sealed_reply = Some(composer);
        state.notice = Some(Notice::new(
            "kept in memory only, never in Drafts, until sealmail ends: E takes it up again",
            false,
        ));
    }
    commands
}

/// `key` is Ctrl and the letter `c`.
fn is_ctrl(key: &KeyEvent, c: char) -> bool {
    key.code == KeyCode::Char(c) && key.modifiers.contains(KeyModifiers::CONTROL)
}

/// The attach prompt: Enter reads the file, Esc goes back to the review.
fn attach_key(state: &mut AppState, composer: &mut Composer, key: &KeyEvent) -> Vec<Command> {
    if key.code == KeyCode::Tab && composer.attach_input.is_some() {
        return super::compose_path::on_tab(state, composer);
    }
    super::compose_path::forget(composer);
    let Some(input) = composer.attach_input.as_mut() else {
        composer.stage = Stage::Review;
        return vec![];
    };
    match key.code {
        KeyCode::Esc => {
            composer.attach_input = None;
            composer.stage = Stage::Review;
            vec![]
        }
        KeyCode::Enter => {
            let typed = input.lines().join("");
            let typed = typed.trim();
            if typed.is_empty() {
                return vec![];
            }
            let path = crate::paths::expand_home(std::path::Path::new(typed));
            composer.attach_input = None;
            let req = state.new_req();
            composer.stage = Stage::Attaching { req };
            vec![Command::ReadAttachment {
                req,
                path,
                limit: MAX_ATTACHMENT,
            }]
        }
        KeyCode::Char(c) if c.is_control() => vec![],
        KeyCode::Char('m' | 'j') if key.modifiers.contains(KeyModifiers::CONTROL) => vec![],
        _ => {
            input.input(*key);
            vec![]
        }
    }
}

/// A file to attach was read (or could not be).
pub fn on_attachment_read(
    state: &mut AppState,
    req: ReqId,
    path: &std::path::Path,
    result: Result<Vec<u8>, String>,
) {
    let Some(composer) = state
        .composer
        .as_mut()
        .filter(|c| c.stage == Stage::Attaching { req })
    else {
        return;
    };
    composer.stage = Stage::Review;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "attachment".into());
    match result {
        Ok(bytes) => composer.attachments.push(ComposeAttachment {
            content_type: crate::mail::outgoing::content_type_for(&name).to_owned(),
            name: Clean::line(&name),
            bytes: std::sync::Arc::new(zeroize::Zeroizing::new(bytes)),
        }),
        Err(why) => {
            state.notice = Some(Notice::new(&format!("cannot attach {name}: {why}"), true));
        }
    }
}

fn edit(composer: &mut Composer, key: &KeyEvent) {
    let field = composer.focus;
    match key.code {
        KeyCode::Esc => composer.stage = Stage::Review,
        KeyCode::Tab => composer.focus = field.next(),
        KeyCode::BackTab => composer.focus = field.previous(),
        KeyCode::Enter if field != Field::Body => composer.focus = field.next(),
        // Controls never enter the text (the views draw it as it is).
        KeyCode::Char(c) if c.is_control() => {}
        _ => {
            let alt_or_ctrl = key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
            // A header is one line: no key may split it.
            if field != Field::Body && alt_or_ctrl && matches!(key.code, KeyCode::Char('m' | 'j')) {
                return;
            }
            composer.input_mut(field).input(*key);
        }
    }
}

/// A paste goes to the field being edited, made clean (one line in a header).
pub fn on_paste(state: &mut AppState, text: &str) {
    let Some(composer) = state.composer.as_mut() else {
        return;
    };
    if composer.stage == Stage::AttachPrompt
        && let Some(input) = composer.attach_input.as_mut()
    {
        input.insert_str(Clean::line(text).as_str());
        super::compose_path::forget(composer);
        return;
    }
    if composer.stage != Stage::Editing {
        return;
    }
    composer.completion = None;
    let field = composer.focus;
    if field == Field::Body {
        let lines = Clean::text(text);
        let joined: Vec<&str> = lines.iter().map(|l| l.as_str()).collect();
        composer.body.insert_str(joined.join("\n"));
    } else {
        composer
            .input_mut(field)
            .insert_str(Clean::line(text).as_str());
    }
}

/// The message as it stands, attachments included.
fn message_of(composer: &Composer) -> Outgoing {
    let mut message: Outgoing = composer.draft().outgoing();
    message.attachments = composer
        .attachments
        .iter()
        .map(|a| crate::mail::outgoing::OutgoingAttachment {
            name: a.name.to_string(),
            content_type: a.content_type.clone(),
            bytes: zeroize::Zeroizing::new(a.bytes.to_vec()),
        })
        .collect();
    message.seal = composer
        .sealed
        .clone()
        .map(crate::mail::outgoing::Sealing::Reply);
    message
}

fn postpone(state: &mut AppState, composer: &mut Composer) -> Vec<Command> {
    let req = state.new_req();
    composer.stage = Stage::Postponing { req };
    let drafts_folder = special_folder(state, crate::mail::SpecialUse::Drafts);
    vec![Command::Postpone {
        req,
        message: Box::new(message_of(composer)),
        drafts_folder,
    }]
}

/// The open account's folder of this special use, by its name.
fn special_folder(state: &AppState, special: crate::mail::SpecialUse) -> Option<String> {
    state
        .folders
        .list
        .iter()
        .find(|f| f.special == Some(special))
        .map(|f| f.name.clone())
}

/// The draft a sent or postponed message was resumed from is deleted, when it is in the open
/// folder (where a delete for good can reach it).
fn forget_resumed(state: &mut AppState, resumed: Option<(String, u32)>) -> Vec<Command> {
    let Some((folder, uid)) = resumed.filter(|(folder, _)| *folder == state.folder.name) else {
        return vec![];
    };
    let req = state.new_req();
    vec![Command::Source(SourceCommand::Erase(crate::mail::Erase {
        req,
        folder,
        uids: vec![uid],
    }))]
}

/// What became of a postponement.
pub fn on_postponed(
    state: &mut AppState,
    req: ReqId,
    result: Result<String, String>,
) -> Vec<Command> {
    let Some(composer) = state
        .composer
        .as_mut()
        .filter(|c| c.stage == Stage::Postponing { req })
    else {
        return vec![];
    };
    match result {
        Ok(folder) => {
            let resumed = composer.resumed_from.take();
            state.composer = None;
            state.notice = Some(Notice::new(
                &format!("postponed: the draft is in {folder}"),
                false,
            ));
            forget_resumed(state, resumed)
        }
        Err(why) => {
            composer.stage = Stage::Review;
            state.notice = Some(Notice::new(&format!("not postponed: {why}"), true));
            vec![]
        }
    }
}

fn send(state: &mut AppState, composer: &mut Composer) -> Vec<Command> {
    let message = message_of(composer);
    let mut message = message;
    let unprotected = super::compose_crypto::attach(state, composer, &mut message).err();
    if composer.seal_as_sender.is_some() {
        message.seal = state
            .sender_seal
            .clone()
            .map(crate::mail::outgoing::Sealing::AsSender);
    }
    let refused = if message.recipient_count() == 0 {
        Some("the message has no recipient: give To, Cc or Bcc".to_owned())
    } else if let Some(why) = unprotected {
        Some(why.to_owned())
    } else if let Some(ticket) = &composer.sealed {
        sealed_refusal(&message, Some(ticket))
    } else if composer.seal_as_sender.is_some() {
        sealed_refusal(&message, None)
    } else {
        None
    };
    if let Some(why) = refused {
        composer.stage = Stage::Failed {
            error: Clean::line(&why),
            may_have_left: false,
        };
        return vec![];
    }
    let req = state.new_req();
    composer.stage = Stage::Sending { req };
    let sent_folder = special_folder(state, crate::mail::SpecialUse::Sent);
    vec![Command::Send {
        req,
        message: Box::new(message),
        sent_folder,
    }]
}

/// `S` on the review: a new message (or a forward) is sealed with the account's sender token,
/// or no longer; a sealed reply is always sealed.
fn toggle_sealing(state: &mut AppState, composer: &mut Composer) {
    if composer.sealed.is_some() {
        state.notice = Some(Notice::new(
            "a reply to a sealed message is always sealed",
            false,
        ));
        return;
    }
    if composer.seal_as_sender.take().is_some() {
        return;
    }
    match &state.sender_seal {
        Some(seal) => composer.seal_as_sender = Some(Clean::line(seal.client.origin())),
        None => {
            state.notice = Some(Notice::new(
                "this account seals nothing: give it seal_portal (see the user guide)",
                true,
            ));
        }
    }
}

/// Why a sealed message cannot go as it stands: a Bcc, or, for a reply (its `ticket`), someone
/// who did not take part in the conversation (the portal would refuse them; saying so first
/// sends nothing anywhere).
fn sealed_refusal(message: &Outgoing, ticket: Option<&ReplyTicket>) -> Option<String> {
    if !message.bcc.is_empty() {
        return Some(
            "a sealed message has no Bcc: Bcc recipients cannot be sealed for without revealing them"
                .into(),
        );
    }
    let ticket = ticket?;
    message
        .to
        .iter()
        .chain(&message.cc)
        .map(|entry| crate::mail::compose::address_of(entry).unwrap_or_else(|| entry.clone()))
        .find(|address| !ticket.is_participant(address))
        .map(|outsider| {
            format!(
                "{outsider} did not take part in the sealed conversation: a sealed reply goes only to its sender and recipients"
            )
        })
}

/// The sender's answer.
pub fn on_sent(
    state: &mut AppState,
    req: ReqId,
    result: Result<Receipt, SubmitError>,
) -> Vec<Command> {
    let Some(composer) = state
        .composer
        .as_mut()
        .filter(|c| c.stage == Stage::Sending { req })
    else {
        return vec![];
    };
    match result {
        Ok(receipt) => {
            let draft = composer.draft();
            for list in [&draft.to, &draft.cc, &draft.bcc] {
                state.addresses.note_list(list);
            }
            let answers = composer.answers.take();
            let resumed = composer.resumed_from.take();
            state.composer = None;
            let n = receipt.recipients;
            let sent = format!("sent to {n} recipient{}", if n == 1 { "" } else { "s" });
            state.notice = Some(match &receipt.filed {
                None => Notice::new(&sent, false),
                Some(Ok(folder)) => Notice::new(&format!("{sent}; a copy is in {folder}"), false),
                Some(Err(why)) => {
                    Notice::new(&format!("{sent}, but its copy was not filed: {why}"), true)
                }
            });
            let mut commands: Vec<Command> = answers
                .map(|(folder, uid)| {
                    Command::Source(SourceCommand::SetFlag {
                        folder,
                        uid,
                        flag: Flags::ANSWERED,
                        on: true,
                    })
                })
                .into_iter()
                .collect();
            commands.extend(forget_resumed(state, resumed));
            commands
        }
        Err(e) => {
            composer.stage = Stage::Failed {
                may_have_left: !e.nothing_sent(),
                error: Clean::line(&e.to_string()),
            };
            vec![]
        }
    }
}
