//! The run loop: owns the terminal, turns terminal events into messages beside the core's
//! (`tui::core`: source and flow events, the ordered outbox), and draws once per batch, only
//! when something happened. Idle costs nothing: the loop sleeps until an event arrives.

use std::io;
use std::time::Instant;

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste, Event, EventStream};
use futures::StreamExt;
use tokio::sync::mpsc;

use super::core::{Core, FlowLink, SourceLink, TerminalEffects};
use crate::app::msg::Msg;
use crate::app::state::AppState;

/// At most this many queued messages are handled before the screen is drawn again.
const BATCH: usize = 64;

/// Runs the reader on the real terminal until the user quits. The terminal is restored on
/// return, on error and on panic (ratatui's hook restores it, then calls the previous hook).
pub async fn run(
    mut state: AppState,
    source: SourceLink,
    flow: FlowLink,
    several: Option<(usize, usize, super::core::Starter)>,
    sender: Option<super::core::Sender>,
) -> anyhow::Result<()> {
    // Attachments opened in a viewer go here: private to the user, removed at exit.
    let open_dir = private_dir();
    state.settings.open_dir = open_dir.as_ref().map(|d| d.path().to_path_buf());
    let mut terminal = ratatui::try_init()?;
    keep_terminal_on_worker_panics();
    let _ = crossterm::execute!(io::stdout(), EnableBracketedPaste);
    let mut core = Core::new(source, flow, TerminalEffects).with_sender(sender);
    if let Some((count, first, starter)) = several {
        core = core.with_accounts(count, first, starter);
    }
    let result = event_loop(&mut terminal, &mut state, &mut core).await;
    let _ = crossterm::execute!(io::stdout(), DisableBracketedPaste);
    ratatui::try_restore()?;
    result
}

/// A directory of the user's only (0700), removed when dropped; `None` if none can be made.
pub fn private_dir() -> Option<tempfile::TempDir> {
    private_dir_named("sealmail-open-")
}

/// A private directory as [`private_dir`], its name starting with `prefix`.
pub fn private_dir_named(prefix: &str) -> Option<tempfile::TempDir> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix);
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
    // The runtime directory is the user's own and in memory where the system has one.
    match std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        Some(runtime) => builder
            .tempdir_in(runtime)
            .or_else(|_| builder.tempdir())
            .ok(),
        None => builder.tempdir().ok(),
    }
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
    core: &mut Core<TerminalEffects>,
) -> anyhow::Result<()> {
    let size = terminal.size()?;
    state.viewport = (size.width, size.height);
    core.start(state);
    // One task owns the terminal's event stream and forwards what it reads, so the loop can
    // drain a batch without polling the stream from a foreign waker (which loses wake-ups).
    let (terminal_tx, mut terminal_events) = mpsc::channel::<io::Result<Event>>(256);
    let mut reader = read_terminal(terminal_tx.clone());
    terminal.draw(|frame| crate::ui::draw(frame, state))?;
    loop {
        let first = tokio::select! {
            event = terminal_events.recv() => match event {
                Some(Ok(event)) => terminal_msg(event),
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(()),
            },
            msg = core.next() => msg,
            () = tokio::time::sleep(std::time::Duration::from_secs(1)), if state.ticking() => Some(Msg::Tick),
        };
        let mut batch: Vec<Msg> = first.into_iter().collect();
        while batch.len() < BATCH {
            if let Ok(event) = terminal_events.try_recv() {
                batch.extend(event.ok().and_then(terminal_msg));
            } else if let Some(msg) = core.try_next() {
                batch.push(msg);
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
            core.apply(state, msg);
            if core.quit() {
                return Ok(());
            }
            while let Some(edit) = core.take_edit() {
                reader = hand_over(terminal, reader, &terminal_tx, edit, state, core).await?;
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

/// The task that reads the terminal's events and forwards them to the loop.
fn read_terminal(events_tx: mpsc::Sender<io::Result<Event>>) -> AbortOnDrop {
    AbortOnDrop(tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(event) = events.next().await {
            if events_tx.send(event).await.is_err() {
                break;
            }
        }
    }))
}

/// Gives the terminal to the external editor and takes it back: the event reader stops (its
/// stream dropped, so nothing reads the keys meant for the editor), the screen leaves raw
/// mode and the alternate screen, the editor runs on its own thread, and the terminal comes
/// back whole and redrawn. The editor's answer goes to the reader. Returns the new event
/// reader.
async fn hand_over(
    terminal: &mut ratatui::DefaultTerminal,
    reader: AbortOnDrop,
    events_tx: &mpsc::Sender<io::Result<Event>>,
    edit: crate::app::msg::ExternalEdit,
    state: &mut AppState,
    core: &mut Core<TerminalEffects>,
) -> anyhow::Result<AbortOnDrop> {
    reader.stop().await;
    let _ = crossterm::execute!(io::stdout(), DisableBracketedPaste);
    let _ = terminal.show_cursor();
    ratatui::try_restore()?;
    let req = edit.req;
    let result = tokio::task::spawn_blocking(move || super::editor::run(&edit, true))
        .await
        .unwrap_or_else(|_| Err("the editor's thread failed".into()));
    crossterm::terminal::enable_raw_mode()?;
    crossterm::execute!(
        io::stdout(),
        crossterm::terminal::EnterAlternateScreen,
        EnableBracketedPaste
    )?;
    terminal.clear()?;
    core.apply(state, Msg::Edited { req, result });
    Ok(read_terminal(events_tx.clone()))
}

/// Stops a background task when the loop ends, however it ends.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl AbortOnDrop {
    /// Stops the task and waits until it has stopped (what it owned is dropped).
    async fn stop(mut self) {
        self.0.abort();
        let _ = (&mut self.0).await;
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
