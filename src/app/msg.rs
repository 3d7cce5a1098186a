//! What reaches `update` (messages) and what it asks the run loop to do (commands).

use crossterm::event::KeyEvent;

use crate::mail::{SourceCommand, SourceEvent};
use crate::sealed::flow::{FlowEvent, FlowRequest};

/// An input to `update`.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    Source(SourceEvent),
    Flow(FlowEvent),
    /// A second passed while a countdown is on screen (no ticks otherwise: idle costs nothing).
    Tick,
    /// What became of a [`Command::OpenFile`]: the viewer it went to, or why none.
    Opened(Result<String, String>),
    /// What became of a [`Command::ReadAttachment`]: the file's bytes, or why not.
    AttachmentRead {
        req: crate::mail::ReqId,
        path: std::path::PathBuf,
        result: Result<Vec<u8>, String>,
    },
    /// What became of a [`Command::Postpone`]: the folder it went to, or why not.
    Postponed {
        req: crate::mail::ReqId,
        result: Result<String, String>,
    },
    /// What became of a [`Command::Send`].
    Sent {
        req: crate::mail::ReqId,
        result: Result<crate::submit::Receipt, crate::submit::SubmitError>,
    },
    /// What a [`Command::PipeFile`]'s command wrote (its output), or why it failed.
    Piped {
        command: String,
        result: Result<Vec<u8>, String>,
    },
    /// What became of a [`Command::EditExternally`]: the file as the editor left it, or why
    /// it is not taken (the editor failed or exited with an error).
    Edited {
        req: crate::mail::ReqId,
        result: Result<crate::secret::SecretString, String>,
    },
    /// What the address book command found for a [`Command::LookUpAddresses`] (names and
    /// addresses), or why it failed.
    AddressesFound {
        req: crate::mail::ReqId,
        result: Result<Vec<(String, String)>, String>,
    },
    /// What became of a [`Command::Unprotect`]: the opened message, or why not.
    Unprotected {
        req: crate::mail::ReqId,
        result: Result<crate::crypto::open::Opened, crate::crypto::open::OpenFailure>,
    },
    /// What became of a [`Command::ListDirectory`]: the directory's names, or why not.
    DirectoryListed {
        req: crate::mail::ReqId,
        result: Result<Vec<super::compose_path::DirEntry>, String>,
    },
}

/// Work for the run loop; `update` itself does no I/O.
#[derive(Debug)]
pub enum Command {
    Source(SourceCommand),
    Flow(FlowRequest),
    /// Put text on the user's clipboard with OSC 52 (the terminal, even over SSH).
    Clipboard(String),
    /// Open a link in `$BROWSER`.
    OpenUrl(String),
    /// Pipe a saved attachment to a command line (`sh -c`), its output to come back as
    /// [`Msg::Piped`].
    PipeFile {
        path: std::path::PathBuf,
        command: String,
    },
    /// Show account `n` of several: the driver routes commands to its workers from now on,
    /// starting them the first time.
    SwitchAccount(usize),
    /// Open a saved attachment with its viewer (mailcap, `xdg-open`, `$BROWSER` for HTML);
    /// the driver answers [`Msg::Opened`].
    OpenFile {
        path: std::path::PathBuf,
        mime: String,
    },
    /// Keep a message the user wrote as a draft; the driver answers [`Msg::Postponed`].
    Postpone {
        req: crate::mail::ReqId,
        message: Box<crate::mail::outgoing::Outgoing>,
        /// The folder the account marks `\Drafts` (the config may name another).
        drafts_folder: Option<String>,
    },
    /// Read a file to attach (at most `limit` bytes); the driver answers
    /// [`Msg::AttachmentRead`].
    ReadAttachment {
        req: crate::mail::ReqId,
        path: std::path::PathBuf,
        limit: u64,
    },
    /// Send a message the user wrote; the driver answers [`Msg::Sent`] with `req`, once.
    Send {
        req: crate::mail::ReqId,
        message: Box<crate::mail::outgoing::Outgoing>,
        /// The folder the account marks `\Sent`, for the copy (the config may name another).
        sent_folder: Option<String>,
    },
    /// Hand the message to the user's editor: the driver writes `text` to a private file,
    /// runs the editor on it (on the terminal, given over meanwhile) and answers
    /// [`Msg::Edited`].
    EditExternally(ExternalEdit),
    /// Run the user's address book command for what is typed in an address field, off the
    /// reader's task and with a time limit; the driver answers [`Msg::AddressesFound`].
    LookUpAddresses {
        req: crate::mail::ReqId,
        command: String,
        typed: String,
    },
    /// List a directory as typed at the attach prompt (`~` allowed; empty: the current one),
    /// for its completion; the driver answers [`Msg::DirectoryListed`].
    ListDirectory {
        req: crate::mail::ReqId,
        dir: String,
    },
    /// Open an S/MIME or OpenPGP message in memory (decrypt, verify) off the reader's task;
    /// the driver answers [`Msg::Unprotected`].
    Unprotect {
        req: crate::mail::ReqId,
        raw: std::sync::Arc<[u8]>,
        settings: std::sync::Arc<crate::crypto::open::CryptoSettings>,
    },
    /// Save attachments of a message held in memory (a decrypted one) rather than the stored
    /// copy; the driver answers [`Msg::Source`] with [`crate::mail::SourceEvent::Saved`].
    SaveHeld {
        request: crate::mail::SaveRequest,
        message: crate::mail::HeldMessage,
    },
    Quit,
}

/// A message handed to an external editor: the file's text (`mail::edit_file`) and the
/// configured editor (`None`: `$VISUAL`, `$EDITOR`, `vi`).
#[derive(Debug)]
pub struct ExternalEdit {
    pub req: crate::mail::ReqId,
    pub text: crate::secret::SecretString,
    pub editor: Option<String>,
}
