//! One reader core for the terminal and for scripts: a message goes through `app::update`, the
//! open message is measured ([`super::measure`]), and the commands leave in the order update
//! made them: to the source actor and the flow worker through an ordered outbox that never
//! blocks the reader, and to the side effects (clipboard, browser) through [`Effects`], which
//! the terminal performs and a script records.

use std::collections::VecDeque;
use std::io::Write as _;

use tokio::sync::mpsc;

use crate::app::msg::{Command, Msg};
use crate::app::state::AppState;
use crate::app::update;
use crate::mail::{SourceCommand, SourceEvent};
use crate::sealed::flow::{FlowEvent, FlowRequest};

/// The two ends of a source actor's channels, as the reader holds them.
pub struct SourceLink {
    pub commands: mpsc::Sender<SourceCommand>,
    pub events: mpsc::Receiver<SourceEvent>,
}

/// The two ends of the sealed-message flow worker's channels.
pub struct FlowLink {
    pub requests: mpsc::Sender<FlowRequest>,
    pub events: mpsc::Receiver<FlowEvent>,
}

/// What the reader does outside its state and its workers.
pub trait Effects {
    /// Puts text on the user's clipboard.
    fn copy(&mut self, text: &str);
    /// Opens a link in the user's browser.
    fn open(&mut self, url: &str);
    /// Opens a file with its viewer: which viewer, or why there is none.
    fn open_file(&mut self, path: &std::path::Path, mime: &str) -> Result<String, String>;
    /// The work of running `command` with the file on its standard input (what it wrote, or
    /// why it failed), for the core to run off the reader's task: it may take seconds.
    fn pipe_file(&mut self, path: &std::path::Path, command: &str) -> PipeRun;
}

/// Where the composer's messages go: sent with the account's SMTP settings (see
/// `submit::send`) with a copy filed (in the folder the server marks `\Sent`, given here,
/// unless the config names one), or kept as drafts (in the folder marked `\Drafts`, given
/// here, unless the config names one).
pub trait Outbox: Send + Sync {
    fn send(
        &self,
        message: Box<crate::mail::outgoing::Outgoing>,
        sent_folder: Option<String>,
    ) -> futures::future::BoxFuture<
        'static,
        Result<crate::submit::Receipt, crate::submit::SubmitError>,
    >;

    /// Keeps the message as a draft: the folder it went to, or why not.
    fn postpone(
        &self,
        message: Box<crate::mail::outgoing::Outgoing>,
        drafts_folder: Option<String>,
    ) -> futures::future::BoxFuture<'static, Result<String, String>>;
}

/// The account's outbox, shared with the tasks that send.
pub type Sender = std::sync::Arc<dyn Outbox>;

/// A file read whole if it is a regular file of at most `limit` bytes.
fn read_limited(path: &std::path::Path, limit: u64) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let meta = file.metadata().map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a file".into());
    }
    if meta.len() > limit {
        return Err(format!("larger than {} MB", limit / (1024 * 1024)));
    }
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > limit {
        return Err(format!("larger than {} MB", limit / (1024 * 1024)));
    }
    Ok(bytes)
}

/// A piped command, ready to run on a blocking thread.
pub type PipeRun = Box<dyn FnOnce() -> Result<Vec<u8>, String> + Send>;

/// The real terminal's effects: OSC 52 for the clipboard (it works over SSH), `$BROWSER`.
pub struct TerminalEffects;

impl Effects for TerminalEffects {
    fn copy(&mut self, text: &str) {
        let mut out = std::io::stdout();
        let _ = out.write_all(osc52(text).as_bytes());
        let _ = out.flush();
    }

    fn open(&mut self, url: &str) {
        if let Some(browser) = std::env::var_os("BROWSER").filter(|b| !b.is_empty()) {
            let _ = std::process::Command::new(browser)
                .arg(url)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn();
        }
    }

    fn open_file(&mut self, path: &std::path::Path, mime: &str) -> Result<String, String> {
        super::viewer::open(path, mime)
    }

    fn pipe_file(&mut self, path: &std::path::Path, command: &str) -> PipeRun {
        let (path, command) = (path.to_path_buf(), command.to_owned());
        Box::new(move || super::viewer::pipe(&path, &command))
    }
}

/// The OSC 52 sequence that puts `text` on the terminal's clipboard.
pub fn osc52(text: &str) -> String {
    use base64::Engine;
    format!(
        "\x1b]52;c;{}\x07",
        base64::engine::general_purpose::STANDARD.encode(text)
    )
}

/// One side effect, as a virtual screen keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    Copied(String),
    Opened(String),
    /// A file handed to its viewer: its path and type.
    OpenedFile(std::path::PathBuf, String),
    /// A file piped to a command line.
    Piped(std::path::PathBuf, String),
}

/// A virtual screen's effects: nothing leaves the process; each is recorded in order.
#[derive(Debug, Default)]
pub struct Recorded {
    pub effects: Vec<Effect>,
}

impl Effects for Recorded {
    fn copy(&mut self, text: &str) {
        self.effects.push(Effect::Copied(text.to_owned()));
    }

    fn open(&mut self, url: &str) {
        self.effects.push(Effect::Opened(url.to_owned()));
    }

    fn open_file(&mut self, path: &std::path::Path, mime: &str) -> Result<String, String> {
        self.effects
            .push(Effect::OpenedFile(path.to_path_buf(), mime.to_owned()));
        Ok("the recorded viewer".into())
    }

    fn pipe_file(&mut self, path: &std::path::Path, command: &str) -> PipeRun {
        self.effects
            .push(Effect::Piped(path.to_path_buf(), command.to_owned()));
        Box::new(|| Ok(b"(recorded: no command runs in a script)\n".to_vec()))
    }
}

/// Applies a message to the state and measures the open message: what every driver does with
/// every message.
pub fn step(state: &mut AppState, msg: Msg) -> Vec<Command> {
    let commands = update::update(state, msg);
    super::measure(state);
    commands
}

/// Starts the workers of account `n` (its source actor and flow worker), the first time the
/// reader switches to it.
pub type Starter = Box<dyn FnMut(usize) -> Result<Started, String> + Send>;

/// An account's workers once started, and its outbox when it can send.
pub struct Started {
    pub source: SourceLink,
    pub flow: FlowLink,
    pub sender: Option<Sender>,
}

/// An account the reader is not showing: its links and its waiting commands, as they were.
/// Its channels are not read meanwhile, so its events wait, in order, for the switch back.
struct Parked {
    source: SourceLink,
    flow: FlowLink,
    sender: Option<Sender>,
    to_source: VecDeque<SourceCommand>,
    to_flow: VecDeque<FlowRequest>,
    source_open: bool,
    flow_open: bool,
}

/// The reader's links to its workers, the commands waiting for room in their queues (in the
/// order update made them), and its effects. With several accounts, the links are the shown
/// account's; the others' are parked, or not started yet.
pub struct Core<E> {
    source: SourceLink,
    flow: FlowLink,
    effects: E,
    to_source: VecDeque<SourceCommand>,
    to_flow: VecDeque<FlowRequest>,
    source_open: bool,
    flow_open: bool,
    quit: bool,
    /// The shown account, and the others' parked links (`None`: not started yet).
    active: usize,
    parked: Vec<Option<Parked>>,
    starter: Option<Starter>,
    /// What effects that run elsewhere (a piped command) answer, when they are done.
    answers: mpsc::UnboundedSender<Msg>,
    answered: mpsc::UnboundedReceiver<Msg>,
    /// How the account sends; `None`: it cannot.
    sender: Option<Sender>,
    /// Messages to hand to the external editor: the driver, which owns the terminal, takes
    /// them ([`Core::take_edit`]).
    edits: VecDeque<crate::app::msg::ExternalEdit>,
}

impl<E: Effects> Core<E> {
    pub fn new(source: SourceLink, flow: FlowLink, effects: E) -> Self {
        let (answers, answered) = mpsc::unbounded_channel();
        Core {
            answers,
            answered,
            source,
            flow,
            effects,
            to_source: VecDeque::new(),
            to_flow: VecDeque::new(),
            source_open: true,
            flow_open: true,
            quit: false,
            active: 0,
            parked: Vec::new(),
            starter: None,
            sender: None,
            edits: VecDeque::new(),
        }
    }

    /// The account sends with `sender`.
    pub fn with_sender(mut self, sender: Option<Sender>) -> Self {
        self.sender = sender;
        self
    }

    /// Several accounts: `count` of them, `active` the one whose links the core holds, the
    /// others started by `starter` when the reader first switches to them.
    pub fn with_accounts(mut self, count: usize, active: usize, starter: Starter) -> Self {
        self.parked = (0..count).map(|_| None).collect();
        self.active = active;
        self.starter = Some(starter);
        self
    }

    /// Parks the shown account's links and takes up account `to`'s, starting its workers the
    /// first time. A failure to start is the account's: its state says so, the others go on.
    fn switch_to(&mut self, to: usize) -> Option<Msg> {
        if to == self.active || to >= self.parked.len() {
            return None;
        }
        let mut failed = None;
        let next = match self.parked.get_mut(to).and_then(Option::take) {
            Some(parked) => parked,
            None => {
                let started = match self.starter.as_mut() {
                    Some(start) => start(to),
                    None => Err("no way to start this account".into()),
                };
                let Started {
                    source,
                    flow,
                    sender,
                } = started.unwrap_or_else(|reason| {
                    failed = Some(reason);
                    let (source, flow) = closed_links();
                    Started {
                        source,
                        flow,
                        sender: None,
                    }
                });
                Parked {
                    source,
                    flow,
                    sender,
                    to_source: VecDeque::new(),
                    to_flow: VecDeque::new(),
                    source_open: failed.is_none(),
                    flow_open: failed.is_none(),
                }
            }
        };
        let shown = Parked {
            source: std::mem::replace(&mut self.source, next.source),
            flow: std::mem::replace(&mut self.flow, next.flow),
            sender: std::mem::replace(&mut self.sender, next.sender),
            to_source: std::mem::replace(&mut self.to_source, next.to_source),
            to_flow: std::mem::replace(&mut self.to_flow, next.to_flow),
            source_open: std::mem::replace(&mut self.source_open, next.source_open),
            flow_open: std::mem::replace(&mut self.flow_open, next.flow_open),
        };
        if let Some(slot) = self.parked.get_mut(self.active) {
            *slot = Some(shown);
        }
        self.active = to;
        failed.map(|reason| {
            Msg::Source(SourceEvent::Connection(
                crate::mail::ConnectionState::Failed { reason },
            ))
        })
    }

    /// Asks every parked account's source to stop (the shown one's goes through the outbox).
    fn stop_parked(&mut self) {
        for parked in self.parked.iter_mut().flatten() {
            let _ = parked.source.commands.try_send(SourceCommand::Shutdown);
        }
    }

    /// The commands that start the reader.
    pub fn start(&mut self, state: &mut AppState) {
        let commands = update::startup(state);
        if let Some(answer) = self.dispatch(commands) {
            self.apply(state, answer);
        }
    }

    /// Applies a message and sends what it asks for (and applies what an effect answers).
    pub fn apply(&mut self, state: &mut AppState, msg: Msg) {
        let mut next = Some(msg);
        while let Some(msg) = next.take() {
            let commands = step(state, msg);
            next = self.dispatch(commands);
        }
    }

    /// Sends commands in order. A command for a full queue waits in the outbox, and so does
    /// every later one for that queue: nothing overtakes it. The reader never waits here.
    /// Returns what an effect answered, for the reader to hear next.
    pub fn dispatch(&mut self, commands: Vec<Command>) -> Option<Msg> {
        let mut answer = None;
        for command in commands {
            match command {
                Command::Quit => self.quit = true,
                Command::SwitchAccount(to) => {
                    self.flush();
                    if let Some(msg) = self.switch_to(to) {
                        answer = Some(msg);
                    }
                }
                Command::Source(SourceCommand::Shutdown) => {
                    self.stop_parked();
                    self.to_source.push_back(SourceCommand::Shutdown);
                }
                Command::Source(c) => self.to_source.push_back(c),
                Command::Flow(r) => self.to_flow.push_back(r),
                Command::Clipboard(text) => self.effects.copy(&text),
                Command::OpenUrl(url) => self.effects.open(&url),
                Command::OpenFile { path, mime } => {
                    answer = Some(Msg::Opened(self.effects.open_file(&path, &mime)));
                }
                Command::Send {
                    req,
                    message,
                    sent_folder,
                } => match &self.sender {
                    // A send runs once, on its own task; its answer comes back once.
                    Some(sender) => {
                        let sending = sender.send(message, sent_folder);
                        let answers = self.answers.clone();
                        tokio::spawn(async move {
                            let result = sending.await;
                            let _ = answers.send(Msg::Sent { req, result });
                        });
                    }
                    None => {
                        answer = Some(Msg::Sent {
                            req,
                            result: Err(crate::submit::SubmitError::Settings(
                                "this account has no smtp setting; nothing was sent".into(),
                            )),
                        });
                    }
                },
                Command::Postpone {
                    req,
                    message,
                    drafts_folder,
                } => {
                    let result = self
                        .sender
                        .as_ref()
                        .map(|outbox| outbox.postpone(message, drafts_folder));
                    let answers = self.answers.clone();
                    tokio::spawn(async move {
                        let result = match result {
                            Some(postponing) => postponing.await,
                            None => Err("this account has no folder for drafts".into()),
                        };
                        let _ = answers.send(Msg::Postponed { req, result });
                    });
                }
                Command::ReadAttachment { req, path, limit } => {
                    let answers = self.answers.clone();
                    tokio::task::spawn_blocking(move || {
                        let result = read_limited(&path, limit);
                        let _ = answers.send(Msg::AttachmentRead { req, path, result });
                    });
                }
                Command::EditExternally(edit) => self.edits.push_back(edit),
                Command::LookUpAddresses {
                    req,
                    command,
                    typed,
                } => {
                    let answers = self.answers.clone();
                    tokio::task::spawn_blocking(move || {
                        let result = super::lookup::look_up(&command, &typed);
                        let _ = answers.send(Msg::AddressesFound { req, result });
                    });
                }
                Command::Unprotect { req, raw, settings } => {
                    // gpg may wait for a pinentry, and a large message takes CPU: never on
                    // the reader's task.
                    let answers = self.answers.clone();
                    tokio::task::spawn_blocking(move || {
                        let result = crate::crypto::open::open(&raw, &settings);
                        let _ = answers.send(Msg::Unprotected { req, result });
                    });
                }
                Command::SaveHeld { request, message } => {
                    let answers = self.answers.clone();
                    tokio::task::spawn_blocking(move || {
                        let done = crate::mail::save::save(&request, message.bytes());
                        let _ = answers.send(Msg::Source(crate::mail::SourceEvent::Saved(done)));
                    });
                }
                Command::ListDirectory { req, dir } => {
                    let answers = self.answers.clone();
                    tokio::task::spawn_blocking(move || {
                        let result = super::listing::list(&dir);
                        let _ = answers.send(Msg::DirectoryListed { req, result });
                    });
                }
                Command::PipeFile { path, command } => {
                    // The command may run for seconds: never on the reader's task.
                    let run = self.effects.pipe_file(&path, &command);
                    let answers = self.answers.clone();
                    tokio::task::spawn_blocking(move || {
                        let result = run();
                        let _ = answers.send(Msg::Piped { command, result });
                    });
                }
            }
        }
        self.flush();
        answer
    }

    /// Sends what the queues have room for, oldest first.
    fn flush(&mut self) {
        send_waiting(&self.source.commands, &mut self.to_source);
        send_waiting(&self.flow.requests, &mut self.to_flow);
    }

    /// An event that has already arrived, without waiting: the source's first.
    pub fn try_next(&mut self) -> Option<Msg> {
        if let Ok(answer) = self.answered.try_recv() {
            return Some(answer);
        }
        if let Ok(event) = self.source.events.try_recv() {
            return Some(Msg::Source(event));
        }
        self.flow.events.try_recv().ok().map(Msg::Flow)
    }

    /// Waits for the next event from the source, the flow worker or an effect that ran
    /// elsewhere (a piped command), or for room for a waiting
    /// command (then sends it and returns `None`). `None` also when the source has stopped.
    /// Cancel-safe: a driver may select on it beside its own events.
    pub async fn next(&mut self) -> Option<Msg> {
        let Core {
            source,
            flow,
            to_source,
            to_flow,
            source_open,
            flow_open,
            answered,
            ..
        } = self;
        let msg = tokio::select! {
            answer = answered.recv() => answer,
            event = source.events.recv(), if *source_open => match event {
                Some(event) => Some(Msg::Source(event)),
                None => {
                    *source_open = false;
                    None
                }
            },
            event = flow.events.recv(), if *flow_open => match event {
                Some(event) => Some(Msg::Flow(event)),
                None => {
                    *flow_open = false;
                    None
                }
            },
            permit = source.commands.reserve(), if !to_source.is_empty() => {
                match (permit, to_source.pop_front()) {
                    (Ok(permit), Some(command)) => permit.send(command),
                    (Err(_), _) => to_source.clear(),
                    (Ok(_), None) => {}
                }
                None
            }
            permit = flow.requests.reserve(), if !to_flow.is_empty() => {
                match (permit, to_flow.pop_front()) {
                    (Ok(permit), Some(request)) => permit.send(request),
                    (Err(_), _) => to_flow.clear(),
                    (Ok(_), None) => {}
                }
                None
            }
            else => std::future::pending().await,
        };
        self.flush();
        msg
    }

    /// A message waiting for the external editor, for the driver to run it.
    pub fn take_edit(&mut self) -> Option<crate::app::msg::ExternalEdit> {
        self.edits.pop_front()
    }

    /// The reader asked to quit.
    pub fn quit(&self) -> bool {
        self.quit
    }

    /// The source still sends events.
    pub fn source_open(&self) -> bool {
        self.source_open
    }

    pub fn effects(&self) -> &E {
        &self.effects
    }

    /// Asks the source to log out and stop, after every command still waiting, and waits up
    /// to `within` for them all to leave (events arriving meanwhile are dropped).
    pub async fn shutdown(&mut self, within: std::time::Duration) {
        self.stop_parked();
        self.to_source.push_back(SourceCommand::Shutdown);
        self.flush();
        let deadline = tokio::time::Instant::now() + within;
        while !self.to_source.is_empty() && tokio::time::Instant::now() < deadline {
            let _ = tokio::time::timeout_at(deadline, self.next()).await;
        }
    }
}

/// Links whose workers are gone: an account that could not start.
fn closed_links() -> (SourceLink, FlowLink) {
    let (commands, _) = mpsc::channel(1);
    let (_, events) = mpsc::channel(1);
    let (requests, _) = mpsc::channel(1);
    let (_, flow_events) = mpsc::channel(1);
    (
        SourceLink { commands, events },
        FlowLink {
            requests,
            events: flow_events,
        },
    )
}

/// Sends the oldest waiting items while the queue has room; a closed queue takes nothing more.
fn send_waiting<T>(queue: &mpsc::Sender<T>, waiting: &mut VecDeque<T>) {
    while let Some(item) = waiting.pop_front() {
        match queue.try_send(item) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(item)) => {
                waiting.push_front(item);
                return;
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                waiting.clear();
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_file_to_attach_is_read_only_when_it_is_a_small_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("note.txt");
        std::fs::write(&file, b"twelve bytes").unwrap();
        assert_eq!(read_limited(&file, 12).unwrap(), b"twelve bytes");
        assert_eq!(read_limited(&file, 11).unwrap_err(), "larger than 0 MB");
        assert_eq!(read_limited(dir.path(), 100).unwrap_err(), "not a file");
        assert!(read_limited(&dir.path().join("missing"), 100).is_err());
    }

    use super::*;

    fn links(
        room: usize,
    ) -> (
        SourceLink,
        FlowLink,
        mpsc::Receiver<SourceCommand>,
        mpsc::Sender<SourceEvent>,
    ) {
        let (commands, commands_rx) = mpsc::channel(room);
        let (events_tx, events) = mpsc::channel(8);
        let (requests, _requests_rx) = mpsc::channel(8);
        let (_flow_tx, flow_events) = mpsc::channel(8);
        (
            SourceLink { commands, events },
            FlowLink {
                requests,
                events: flow_events,
            },
            commands_rx,
            events_tx,
        )
    }

    fn fetch(uid: u32) -> Command {
        Command::Source(SourceCommand::SetFlag {
            folder: "INBOX".into(),
            uid,
            flag: crate::mail::Flags::SEEN,
            on: true,
        })
    }

    fn uid_of(command: &SourceCommand) -> u32 {
        match command {
            SourceCommand::SetFlag { uid, .. } => *uid,
            other => panic!("unexpected {other:?}"),
        }
    }

    /// Opening a file is an effect whose answer the reader hears at once.
    #[tokio::test]
    async fn an_opened_file_is_recorded_and_its_answer_reaches_the_reader() {
        let (source, flow, _actor, _events) = links(4);
        let mut core = Core::new(source, flow, Recorded::default());
        let answer = core.dispatch(vec![Command::OpenFile {
            path: "/tmp/x/chart.png".into(),
            mime: "image/png".into(),
        }]);
        assert!(matches!(answer, Some(Msg::Opened(Ok(_)))), "{answer:?}");
        assert_eq!(
            core.effects.effects,
            vec![Effect::OpenedFile(
                "/tmp/x/chart.png".into(),
                "image/png".into()
            )]
        );
    }

    /// A piped command runs off the reader's task; its answer comes as the next message.
    #[tokio::test]
    async fn a_piped_command_answers_later_as_a_message() {
        let (source, flow, _actor, _events) = links(4);
        let mut core = Core::new(source, flow, Recorded::default());
        let answer = core.dispatch(vec![Command::PipeFile {
            path: "/tmp/x/part".into(),
            command: "wc -l".into(),
        }]);
        assert!(answer.is_none(), "nothing is waited for: {answer:?}");
        // `None` is a closed channel or a command sent: the answer comes after.
        let next = tokio::time::timeout(std::time::Duration::from_secs(5), async {
            loop {
                if let Some(msg) = core.next().await {
                    return Some(msg);
                }
            }
        })
        .await
        .expect("an answer");
        assert!(
            matches!(&next, Some(Msg::Piped { command, result: Ok(_) }) if command == "wc -l"),
            "{next:?}"
        );
    }

    /// Commands go to the shown account's actor; another account starts on the first switch
    /// to it, one that cannot start says why, and quitting stops every started account.
    #[tokio::test]
    async fn commands_follow_the_shown_account_and_quitting_stops_them_all() {
        let (source, flow, mut first, _events) = links(4);
        let (second_source, second_flow, second, _second_events) = links(4);
        let mut second_links = Some(Started {
            source: second_source,
            flow: second_flow,
            sender: None,
        });
        let starter: Starter = Box::new(move |n| match n {
            1 => second_links
                .take()
                .ok_or_else(|| "started twice".to_owned()),
            _ => Err("the server is not there".into()),
        });
        let mut core = Core::new(source, flow, Recorded::default()).with_accounts(3, 0, starter);
        assert!(
            core.dispatch(vec![Command::SwitchAccount(1), fetch(7)])
                .is_none()
        );
        let mut second = second;
        assert_eq!(
            uid_of(&second.recv().await.expect("the second account's command")),
            7
        );
        assert!(first.try_recv().is_err(), "nothing for the parked account");
        let failed = core.dispatch(vec![Command::SwitchAccount(2)]);
        assert!(
            matches!(
                &failed,
                Some(Msg::Source(SourceEvent::Connection(
                    crate::mail::ConnectionState::Failed { reason }
                ))) if reason == "the server is not there"
            ),
            "{failed:?}"
        );
        core.dispatch(vec![Command::SwitchAccount(0), fetch(8)]);
        assert_eq!(uid_of(&first.recv().await.expect("back to the first")), 8);
        core.dispatch(vec![Command::Source(SourceCommand::Shutdown)]);
        assert!(matches!(first.recv().await, Some(SourceCommand::Shutdown)));
        assert!(matches!(second.recv().await, Some(SourceCommand::Shutdown)));
    }

    /// An outbox that names itself in every refusal, to see which account's sends.
    struct Named(&'static str);

    impl Outbox for Named {
        fn send(
            &self,
            _message: Box<crate::mail::outgoing::Outgoing>,
            _sent_folder: Option<String>,
        ) -> futures::future::BoxFuture<
            'static,
            Result<crate::submit::Receipt, crate::submit::SubmitError>,
        > {
            let name = self.0;
            Box::pin(async move { Err(crate::submit::SubmitError::Settings(name.into())) })
        }

        fn postpone(
            &self,
            _message: Box<crate::mail::outgoing::Outgoing>,
            _drafts_folder: Option<String>,
        ) -> futures::future::BoxFuture<'static, Result<String, String>> {
            Box::pin(async { Err("no".into()) })
        }
    }

    async fn sent_by(core: &mut Core<Recorded>, req: u64) -> String {
        core.dispatch(vec![Command::Send {
            req,
            message: Box::default(),
            sent_folder: None,
        }]);
        match tokio::time::timeout(std::time::Duration::from_secs(5), core.answered.recv()).await {
            Ok(Some(Msg::Sent {
                result: Err(crate::submit::SubmitError::Settings(name)),
                ..
            })) => name,
            other => panic!("{other:?}"),
        }
    }

    /// Each account sends with its own outbox: the driver swaps it with the account's links.
    #[tokio::test]
    async fn the_outbox_follows_the_shown_account() {
        let (source, flow, _first, _events) = links(4);
        let (second_source, second_flow, _second, _second_events) = links(4);
        let mut second = Some(Started {
            source: second_source,
            flow: second_flow,
            sender: Some(std::sync::Arc::new(Named("home"))),
        });
        let starter: Starter =
            Box::new(move |_| second.take().ok_or_else(|| "started twice".to_owned()));
        let mut core = Core::new(source, flow, Recorded::default())
            .with_sender(Some(std::sync::Arc::new(Named("work"))))
            .with_accounts(2, 0, starter);
        assert_eq!(sent_by(&mut core, 1).await, "work");
        core.dispatch(vec![Command::SwitchAccount(1)]);
        assert_eq!(sent_by(&mut core, 2).await, "home");
        core.dispatch(vec![Command::SwitchAccount(0)]);
        assert_eq!(sent_by(&mut core, 3).await, "work");
    }

    /// With room for one command, three commands reach the actor in the order they were made,
    /// and the reader never waited for them.
    #[tokio::test]
    async fn a_full_queue_keeps_the_order_of_commands() {
        let (source, flow, mut actor, _events) = links(1);
        let mut core = Core::new(source, flow, Recorded::default());
        core.dispatch(vec![fetch(1), fetch(2), fetch(3)]);
        let mut got = Vec::new();
        for _ in 0..3 {
            got.push(uid_of(&actor.recv().await.expect("a command")));
            // Room again: the core sends the next waiting command while it waits for events.
            let _ = tokio::time::timeout(std::time::Duration::from_millis(50), core.next()).await;
        }
        assert_eq!(got, [1, 2, 3]);
    }

    /// A later command does not overtake one still waiting for room.
    #[tokio::test]
    async fn a_new_command_waits_behind_the_waiting_ones() {
        let (source, flow, mut actor, _events) = links(1);
        let mut core = Core::new(source, flow, Recorded::default());
        core.dispatch(vec![fetch(1), fetch(2)]);
        assert_eq!(uid_of(&actor.recv().await.expect("first")), 1);
        // Room for one now, but 2 still waits in the outbox: 3 must come after it.
        core.dispatch(vec![fetch(3)]);
        let mut got = vec![uid_of(&actor.recv().await.expect("second"))];
        let _ = tokio::time::timeout(std::time::Duration::from_millis(50), core.next()).await;
        got.push(uid_of(&actor.recv().await.expect("third")));
        assert_eq!(got, [2, 3]);
    }

    #[tokio::test]
    async fn effects_are_recorded_in_order_and_quit_is_kept() {
        let (source, flow, _actor, _events) = links(4);
        let mut core = Core::new(source, flow, Recorded::default());
        core.dispatch(vec![
            Command::Clipboard("https://a.example".into()),
            Command::OpenUrl("https://b.example".into()),
            Command::Quit,
        ]);
        assert_eq!(
            core.effects().effects,
            [
                Effect::Copied("https://a.example".into()),
                Effect::Opened("https://b.example".into())
            ]
        );
        assert!(core.quit());
    }

    #[tokio::test]
    async fn events_arrive_and_a_stopped_source_is_noticed() {
        let (source, flow, _actor, events) = links(4);
        let mut core = Core::new(source, flow, Recorded::default());
        events
            .send(SourceEvent::Alert("hello".into()))
            .await
            .expect("sent");
        assert!(matches!(
            core.try_next(),
            Some(Msg::Source(SourceEvent::Alert(_)))
        ));
        drop(events);
        // The flow worker's sender is gone too (see `links`): both ends close, in either order.
        for _ in 0..2 {
            assert!(core.next().await.is_none());
        }
        assert!(!core.source_open());
    }
}
