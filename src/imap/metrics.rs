//! The seam for the metrics panel: every IMAP command is timed here (and the transport counts
//! bytes, see `stream::Traffic`), and every event the actor sends is read for the connection's
//! state, folders filling and envelopes received ([`observe`]): IMAP's figures are recorded in
//! this layer only. Only the duration is recorded, into the opt-in metrics when
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

/// Records what an event the actor sends says about IMAP: the connection's state and its
/// connect time, reconnects, a folder filling and the envelopes received. The actor calls it
/// for every event it sends (`Actor::emit`), so these figures are IMAP's own: a Maildir source
/// records none.
pub fn observe(metrics: &Metrics, event: &SourceEvent) {
    use crate::mail::ConnectionState as C;
    match event {
        SourceEvent::Connection(connection) => {
            match connection {
                C::Connecting => metrics.imap_connecting(),
                C::Reconnecting { .. } => metrics.imap_reconnecting(),
                C::Online { live, .. } => {
                    metrics.imap_online();
                    metrics.imap_live(live);
                }
                C::Failed { .. } => {}
            }
            metrics.imap_state(match connection {
                C::Connecting => "connecting",
                C::Online { .. } => "online",
                C::Reconnecting { .. } => "reconnecting",
                C::Failed { .. } => "failed",
            });
        }
        SourceEvent::FolderOpened { .. } => metrics.imap_folder_started(),
        SourceEvent::Rows { rows, .. } | SourceEvent::NewRows { rows, .. } => {
            metrics.imap_received(rows.len() as u64, 0);
        }
        SourceEvent::FolderLoaded { total, .. } => metrics.imap_folder_done(u64::from(*total)),
        _ => {}
    }
}

/// [`observe`] into the metrics of the actor task this runs in.
pub fn observe_here(event: &SourceEvent) {
    let _ = RECORDER.try_with(|m| observe(m, event));
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
