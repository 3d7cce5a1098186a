//! The IMAP actor: owns one async-imap session over rustls; commands in, events out.
//! No ratatui or crossterm here.
//!
//! | file          | role                                                                |
//! |---------------|---------------------------------------------------------------------|
//! | `settings`    | account URL, security, credentials; the plain-text policy           |
//! | `tls`         | verifying rustls config (system roots + CA file), the handshake     |
//! | `stream`      | the TLS or plain transport, with byte counters                      |
//! | `wire`        | follows the dialogue: BYE or EOF fails a command; ALERT text kept   |
//! | `connect`     | TCP, STARTTLS without downgrade, greeting, login                    |
//! | `sasl`        | AUTHENTICATE XOAUTH2 / OAUTHBEARER, the failure challenge           |
//! | `oauth`       | the token before a login: sign-in, refresh on refusal               |
//! | `rows`        | FETCH items of a list row and their conversion to `Row`             |
//! | `decode`      | RFC 2047 / 2231 decoding, dates, the cheap header fields            |
//! | `fetch`       | FETCH/STORE/SEARCH round trips; row conversion on the blocking pool |
//! | `parts`       | which parts of a message to fetch to show it; rebuilding it from them |
//! | `part`        | one part of a message by its section, on a connection of its own     |
//! | `append`      | one message appended to a folder, on a connection of its own        |
//! | `folders`     | LIST and modified UTF-7, each folder's place in the tree            |
//! | `folder_change` | CREATE, RENAME, DELETE with the server's spelling of the name     |
//! | `counts`      | each folder's message and unread counts (LIST-STATUS, else STATUS)  |
//! | `namespace`   | NAMESPACE: where personal, other users' and shared folders start    |
//! | `select`      | SELECT with `[READ-ONLY]` and PERMANENTFLAGS; a folder refused      |
//! | `store`       | UID STORE of a flag, its NO or BAD an error                         |
//! | `tagged`      | one command up to its tagged reply, with COPYUID and the news       |
//! | `uidset`      | UID sets of runs, split per command; a server's set read bounded    |
//! | `transfer`    | move (MOVE, or COPY + \Deleted + UID EXPUNGE), copy, delete for good |
//! | `mailbox`     | the open folder: sequence numbers to UIDs, server notices           |
//! | `load`        | windowed first rows, background chunks, new rows, resync            |
//! | `resume`      | a folder opened from the header cache: QRESYNC, else UID comparison |
//! | `search`      | UID SEARCH of a query's server part, ESEARCH ranges, UTF-8 literals |
//! | `filler`      | a second connection fetching the older part of a large folder       |
//! | `live`        | IDLE or NOOP polling between commands                               |
//! | `commands`    | folder list, open message, set flag                                 |
//! | `threading`   | THREAD=REFS or REFERENCES, else header fields threaded here         |
//! | `thread_reply` | a `* THREAD` answer's data read into trees, bounded                |
//! | `actor`       | the loop, command dispatch, reconnect with backoff                  |
//! | `metrics`     | timing seam for the metrics panel                                   |
// Input from mail and servers: every path is total, no slicing or indexing that can panic.
#![deny(clippy::string_slice, clippy::indexing_slicing)]

mod actor;
mod append;
mod commands;
mod connect;
mod counts;
mod decode;
mod errors;
mod fetch;
mod filler;
mod folder_change;
mod folders;
#[doc(hidden)]
pub mod fuzz_entry;
mod live;
mod load;
mod mailbox;
pub mod metrics;
mod namespace;
mod nesting;
mod oauth;
mod part;
mod parts;
mod resume;
mod retry;
mod rows;
mod sasl;
mod search;
mod select;
mod settings;
mod store;
mod stream;
mod tagged;
mod thread_reply;
mod threading;
mod tls;
mod transfer;
mod uidset;
mod wire;

pub use append::append;
pub use folders::decode_mutf7;
pub use part::fetch_part;
pub use rows::row_query;
pub use sasl::describe_challenge;
pub use settings::{
    Auth, IMAP_PORT, IMAPS_PORT, ImapSettings, ImapUrl, PARALLEL_FILL_MIN, Security,
    is_loopback_host, parse_url, plain_allowed,
};
pub use stream::Traffic;

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::mail::{SourceCommand, SourceEvent};

/// Starts the actor for one account. It connects at once, reports
/// [`SourceEvent::Connection`] states, and serves `commands` until `Shutdown` or until the
/// command channel closes. It never panics on server behaviour and retries lost connections
/// by itself; wrong credentials and untrusted certificates end in `Failed`.
pub fn spawn(
    settings: ImapSettings,
    commands: mpsc::Receiver<SourceCommand>,
    events: mpsc::Sender<SourceEvent>,
) -> JoinHandle<()> {
    spawn_counted(settings, commands, events, Arc::new(Traffic::default()))
}

/// [`spawn`], counting the bytes of every connection of the account into `traffic` (for the
/// metrics panel).
pub fn spawn_counted(
    settings: ImapSettings,
    commands: mpsc::Receiver<SourceCommand>,
    events: mpsc::Sender<SourceEvent>,
    traffic: Arc<Traffic>,
) -> JoinHandle<()> {
    tokio::spawn(actor::Actor::new(settings, commands, events, traffic).run())
}
