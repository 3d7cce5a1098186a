//! Parsing and classifying a downloaded message on a thread of its own. The source that
//! fetched it does not wait (it goes on serving the list, other messages and Shutdown), and
//! nothing waits for it at exit: a hostile message that is slow to parse costs one core for a
//! while, never the reader's responsiveness, and quitting is immediate. The result goes
//! straight to the app as `SourceEvent::Message`; the request id lets the app drop it when the
//! user has moved on.

use tokio::sync::mpsc;

use super::{LoadedMessage, ReqId, SourceEvent};
use crate::error::{Error, ErrorKind};
use crate::mime::Skipped;

/// Starts parsing `raw` and reports the result on `events`.
pub fn spawn(req: ReqId, uid: u32, raw: Vec<u8>, events: mpsc::Sender<SourceEvent>) {
    spawn_partial(req, uid, raw, Skipped::default(), events);
}

/// [`spawn`] for a message downloaded without the parts in `skipped`.
pub fn spawn_partial(
    req: ReqId,
    uid: u32,
    raw: Vec<u8>,
    skipped: Skipped,
    events: mpsc::Sender<SourceEvent>,
) {
    let report = events.clone();
    let job = move || {
        let result =
            std::panic::catch_unwind(move || LoadedMessage::from_partial(uid, raw, &skipped))
                .unwrap_or_else(|_| Err(parse_panicked()));
        // The app may be gone; then nobody needs the answer.
        let _ = events.blocking_send(SourceEvent::Message { req, result });
    };
    let spawned = std::thread::Builder::new()
        .name("sealmail-parse".into())
        .spawn(job);
    if spawned.is_err() {
        let result = Err(Error::new(
            ErrorKind::Io,
            "cannot start parsing the message",
        ));
        tokio::spawn(async move {
            let _ = report.send(SourceEvent::Message { req, result }).await;
        });
    }
}

/// A defect in a parser: the message is not shown, the reader goes on.
fn parse_panicked() -> Error {
    tracing::error!(target: "sealmail", "parsing a message panicked");
    Error::new(
        ErrorKind::Parse,
        "this message could not be read (an internal error; see the log)",
    )
}
