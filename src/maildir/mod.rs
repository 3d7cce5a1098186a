//! The Maildir source: local mail behind the same interface as IMAP (an actor taking
//! `SourceCommand`s and reporting `SourceEvent`s), for offline users and the demo. Folders are
//! Maildir++ (`.Sent`, `.Archive.2024`); new mail is seen through inotify, never by polling.
//! No ratatui or crossterm here.
// Input from mail and servers: every path is total, no slicing or indexing that can panic.
#![deny(clippy::string_slice, clippy::indexing_slicing)]

mod actor;
mod deliver;
mod filename;
mod index;
pub mod layout;
mod rows;
mod search;
mod threading;
mod transfer;
mod watch;

use std::path::PathBuf;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::mail::{SourceCommand, SourceEvent};

pub use deliver::deliver;

/// How the status line names the way new mail arrives from a Maildir.
pub const LIVE: &str = "watching";

/// Starts the Maildir actor on `root` (the INBOX; Maildir++ folders below it). It reports
/// `Connection(Connecting)`, then `Connection(Online { live: "watching", .. })` once the
/// directory is found to be a Maildir (`Failed` when it is not),
/// answers commands until `Shutdown` or until either channel closes, and then ends.
pub fn spawn(
    root: PathBuf,
    commands: mpsc::Receiver<SourceCommand>,
    events: mpsc::Sender<SourceEvent>,
) -> JoinHandle<()> {
    tokio::spawn(actor::run(root, commands, events))
}
