//! The run loop: owns the terminal, turns terminal and source events into messages, sends
//! commands to the source actor, and draws once per batch, only when something happened.
//! Idle costs nothing: the loop sleeps until an event arrives.

use std::io;
use std::time::Instant;

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste, Event, EventStream};
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::app::msg::{Command, Msg};
use crate::app::state::AppState;
use crate::app::update;
use crate::mail::{SourceCommand, SourceEvent};
use crate::sealed::flow::{FlowEvent, FlowRequest};

/// At most this many queued messages are handled before the screen is drawn again.
const BATCH: usize = 64;

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

/// Sends a request to the flow worker without blocking the UI.
pub fn send_to_flow(requests: &mpsc::Sender<FlowRequest>, request: FlowRequest) {
    match requests.try_send(request) {
        Ok(()) | Err(mpsc::error::TrySendError::Closed(_)) => {}
        Err(mpsc::error::TrySendError::Full(request)) => {
            let requests = requests.clone();
            tokio::spawn(async move {
                let _ = requests.send(request).await;
            });
        }
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

/// Opens a link with `$BROWSER`, detached from the terminal.
fn open_url(url: &str) {
    if let Some(browser) = std::env::var_os("BROWSER").filter(|b| !b.is_empty()) {
        let _ = std::process::Command::new(browser)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
    }
}

/// Runs the reader on the real terminal until the user quits. The terminal is restored on
/// return, on error and on panic (ratatui's hook restores it, then calls the previous hook).
pub async fn run(
    mut state: AppState,
    mut source: SourceLink,
    mut flow: Option<FlowLink>,
) -> anyhow::Result<()> {
    let mut terminal = ratatui::try_init()?;
    keep_terminal_on_worker_panics();
    let _ = crossterm::execute!(io::stdout(), EnableBracketedPaste);
    let result = event_loop(&mut terminal, &mut state, &mut source, flow.as_mut()).await;
    let _ = crossterm::execute!(io::stdout(), DisableBracketedPaste);
    ratatui::try_restore()?;
    result
}

/// ratatui's panic hook restores the terminal on any panic, on whichever thread. A panic on a
/// worker (a parse job, a blocking task) is caught by the code that spawned it and reported in
/// the status line; it must not tear the screen down. Only a panic on this thread, the one that
/// owns the terminal, goes to ratatui's hook. Worker panics are logged by location only: their
/// message may quote text from mail.
fn keep_terminal_on_worker_panics() {
    let ui_thread = std::thread::current().id();
    let restore_and_report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == ui_thread {
            restore_and_report(info);
        } else {
            let at = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            tracing::error!(target: "sealmail", thread = ?std::thread::current().name(), "panic in a background task at {at}");
        }
    }));
}

fn dispatch(commands: Vec<Command>, source: &SourceLink, flow: Option<&FlowLink>) -> bool {
    let mut quit = false;
    for command in commands {
        match command {
            Command::Quit => quit = true,
            Command::Source(c) => send_to_source(&source.commands, c),
            Command::Flow(r) => {
                if let Some(flow) = flow {
                    send_to_flow(&flow.requests, r);
                }
            }
            Command::Clipboard(text) => {
                use std::io::Write;
                let mut out = io::stdout();
                let _ = out.write_all(osc52(&text).as_bytes());
                let _ = out.flush();
            }
            Command::OpenUrl(url) => open_url(&url),
        }
    }
    quit
}

/// Never blocks the UI: when the actor's queue is full the command waits in its own task.
fn send_to_source(commands: &mpsc::Sender<SourceCommand>, command: SourceCommand) {
    match commands.try_send(command) {
        Ok(()) | Err(mpsc::error::TrySendError::Closed(_)) => {}
        Err(mpsc::error::TrySendError::Full(command)) => {
            let commands = commands.clone();
            tokio::spawn(async move {
                let _ = commands.send(command).await;
            });
        }
    }
}

fn terminal_msg(event: Event) -> Option<Msg> {
    match event {
        Event::Key(key) => Some(Msg::Key(key)),
        Event::Paste(text) => Some(Msg::Paste(text)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        _ => None,
    }
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    state: &mut AppState,
    source: &mut SourceLink,
    mut flow: Option<&mut FlowLink>,
) -> anyhow::Result<()> {
    let size = terminal.size()?;
    state.viewport = (size.width, size.height);
    let commands = update::startup(state);
    dispatch(commands, source, flow.as_deref());
    // One task owns the terminal's event stream and forwards what it reads, so the loop can
    // drain a batch without polling the stream from a foreign waker (which loses wake-ups).
    let (terminal_tx, mut terminal_events) = mpsc::channel::<io::Result<Event>>(256);
    let reader = tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(event) = events.next().await {
            if terminal_tx.send(event).await.is_err() {
                break;
            }
        }
    });
    let _stop_reader = AbortOnDrop(reader);
    terminal.draw(|frame| crate::ui::draw(frame, state))?;
    let mut source_open = true;
    loop {
        let first = tokio::select! {
            event = terminal_events.recv() => match event {
                Some(Ok(event)) => terminal_msg(event),
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(()),
            },
            event = source.events.recv(), if source_open => match event {
                Some(event) => Some(Msg::Source(event)),
                None => { source_open = false; None }
            },
            Some(event) = recv_flow(&mut flow) => Some(Msg::Flow(event)),
            () = tokio::time::sleep(std::time::Duration::from_secs(1)), if state.ticking() => Some(Msg::Tick),
        };
        let mut batch: Vec<Msg> = first.into_iter().collect();
        while batch.len() < BATCH {
            if let Ok(event) = terminal_events.try_recv() {
                batch.extend(event.ok().and_then(terminal_msg));
            } else if let Ok(event) = source.events.try_recv() {
                batch.push(Msg::Source(event));
            } else if let Some(event) = flow.as_mut().and_then(|f| f.events.try_recv().ok()) {
                batch.push(Msg::Flow(event));
            } else {
                break;
            }
        }
        if batch.is_empty() {
            continue;
        }
        let measuring = state.metrics.is_on();
        let first_key = measuring && batch.iter().any(|m| matches!(m, Msg::Key(_)));
        let batch_started = measuring.then(Instant::now);
        for msg in batch {
            let commands = update::update(state, msg);
            super::measure(state);
            if dispatch(commands, source, flow.as_deref()) {
                return Ok(());
            }
        }
        let draw_started = measuring.then(Instant::now);
        terminal.draw(|frame| crate::ui::draw(frame, state))?;
        if let (Some(draw_started), Some(batch_started)) = (draw_started, batch_started) {
            state.metrics.frame(draw_started.elapsed());
            if first_key {
                state.metrics.key_to_frame(batch_started.elapsed());
            }
        }
    }
}

/// Stops a background task when the loop ends, however it ends.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The next flow event, or never when there is no flow worker.
async fn recv_flow(flow: &mut Option<&mut FlowLink>) -> Option<FlowEvent> {
    match flow {
        Some(f) => f.events.recv().await,
        None => std::future::pending().await,
    }
}
