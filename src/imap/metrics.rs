//! The seam for the metrics panel: every IMAP command is timed here (and the transport counts
//! bytes, see `stream::Traffic`). Only the duration is recorded, into the opt-in metrics when
//! the actor runs with them, and to the debug log; nothing about the user or the mail.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::settings::ImapSettings;
use super::stream::Traffic;
use crate::mail::{SourceCommand, SourceEvent};
use crate::metrics::Metrics;

tokio::task_local! {
    /// The metrics of the actor task this command runs in (absent: nothing is recorded).
    static RECORDER: Metrics;
}

/// Runs one command and records how long it took.
pub async fn timed<T>(command: &'static str, fut: impl Future<Output = T>) -> T {
    let start = Instant::now();
    let out = fut.await;
    let took = start.elapsed();
    let _ = RECORDER.try_with(|m| m.imap_command(took));
    tracing::debug!(target: "sealmail::imap::metrics", command, ms = took.as_secs_f64() * 1000.0, "imap command");
    out
}

/// [`super::spawn_counted`] with the actor's command round trips and received bytes going into
/// `metrics` (a no-op when they are off).
pub fn spawn_measured(
    settings: ImapSettings,
    commands: mpsc::Receiver<SourceCommand>,
    events: mpsc::Sender<SourceEvent>,
    metrics: Metrics,
) -> JoinHandle<()> {
    let traffic = Arc::new(Traffic::default());
    if metrics.is_on() {
        let counted = Arc::clone(&traffic);
        metrics.imap_bytes_from(Arc::new(move || counted.snapshot().0));
    }
    let actor = super::actor::Actor::new(settings, commands, events, traffic);
    tokio::spawn(RECORDER.scope(metrics, actor.run()))
}
