//! A second connection that fetches the older part of a large folder while the first one
//! fetches the newer part: Dovecot serves each connection with one single-threaded process,
//! so two connections use both cores of a small machine. Its rows are handed to the actor,
//! which reports them after the newer ones, so the list still fills newest first.

use std::sync::Arc;

use tokio::task::JoinHandle;

use super::connect;
use super::errors::imap_error;
use super::fetch::{self, Fetched, Set};
use super::metrics::timed;
use super::settings::ImapSettings;
use super::stream::Traffic;
use crate::error::{Error, ErrorKind};

const CHUNK: u32 = 5000;

/// One chunk the filler fetched: sequence numbers `lo..=hi`.
pub struct FilledChunk {
    pub lo: u32,
    pub hi: u32,
    pub fetched: Fetched,
}

/// The running filler; dropping it stops it.
pub struct Filler {
    /// The highest sequence number the filler fetches; the actor's own session stops above.
    pub split: u32,
    pub handle: JoinHandle<Result<Vec<FilledChunk>, Error>>,
}

impl Drop for Filler {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

/// Starts fetching sequence numbers `1..=split` of `folder` on a connection of its own.
pub fn start(
    settings: ImapSettings,
    tls: Arc<rustls::ClientConfig>,
    traffic: Arc<Traffic>,
    folder: String,
    uid_validity: Option<u32>,
    split: u32,
    query: String,
) -> Filler {
    let handle = tokio::spawn(async move {
        // A second login never signs in: it borrows the token the actor logged in with.
        let token =
            match settings.auth.token_keeper() {
                Some(keeper) => Some(keeper.held_token().await.ok_or_else(|| {
                    Error::new(ErrorKind::Auth, "no token for a second connection")
                })?),
                None => None,
            };
        let connected = connect::connect(&settings, token.as_ref(), tls, traffic).await?;
        let mut session = connected.session;
        // EXAMINE: read-only, so this session changes nothing (not even \Recent).
        let mailbox = timed("examine", session.examine(&folder))
            .await
            .map_err(|e| imap_error("open folder", e))?;
        if mailbox.uid_validity != uid_validity || mailbox.exists < split {
            return Err(Error::new(
                ErrorKind::Protocol,
                "the folder changed while it was opened",
            ));
        }
        let mut chunks = Vec::new();
        let mut hi = split;
        while hi > 0 {
            let lo = hi.saturating_sub(CHUNK - 1).max(1);
            let fetched = fetch::rows(&mut session, &query, Set::Seqs { lo, hi }).await?;
            chunks.push(FilledChunk { lo, hi, fetched });
            hi = lo - 1;
        }
        let _ = session.logout().await;
        Ok(chunks)
    });
    Filler { split, handle }
}
