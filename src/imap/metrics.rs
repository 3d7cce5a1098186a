//! The seam for the metrics panel: every IMAP command is timed here (and the transport counts
//! bytes, see `stream::Traffic`). Today the figures go to the debug log only; nothing about
//! the user or the mail is recorded, just the command's kind and its duration.

use std::future::Future;
use std::time::Instant;

/// Runs one command and records how long it took.
pub async fn timed<T>(command: &'static str, fut: impl Future<Output = T>) -> T {
    let start = Instant::now();
    let out = fut.await;
    tracing::debug!(
        target: "sealmail::imap::metrics",
        command,
        ms = start.elapsed().as_secs_f64() * 1000.0,
        "imap command"
    );
    out
}
