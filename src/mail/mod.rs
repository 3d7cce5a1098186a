//! The mail domain model and the interface every mail source speaks (IMAP, Maildir).
//!
//! A source is an actor: it owns its connection or directory, takes [`SourceCommand`]s from a
//! bounded channel and reports [`SourceEvent`]s. No ratatui or crossterm here.

pub mod address_book;
pub mod compose;
pub mod edit_file;
pub mod folder_tree;
pub mod mutf7;
pub mod outgoing;
pub mod parse_job;
pub mod query;
mod row;
mod row_text;
pub mod save;
pub mod search;
pub mod thread_input;
pub mod threads;
pub mod transfer;

use std::sync::Arc;

/// Where a sign-in stands: one model for the mail account and sealed messages alike.
pub use crate::auth::oauth2::{SignInPrompt, SignInState};
pub use crate::detect::{CheapSignals, PortalMark};
use crate::error::Error;
use crate::mime::MessageView;
use crate::sanitize::Clean;
pub use row::row_from_raw;
pub use row_text::RowText;
pub use save::{HeldMessage, SaveDone, SaveRequest};
pub use transfer::{Erase, EraseDone, Transfer, TransferDone, TransferKind, TransferProgress};

/// Tags a request so that a stale reply (the user moved on) can be dropped.
pub type ReqId = u64;

/// IMAP system flags, as bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Flags(pub u8);

impl Flags {
    pub const SEEN: Flags = Flags(1);
    pub const ANSWERED: Flags = Flags(2);
    pub const FLAGGED: Flags = Flags(4);
    pub const DELETED: Flags = Flags(8);
    pub const DRAFT: Flags = Flags(16);
    /// Every system flag the reader knows.
    pub const ALL: Flags = Flags(31);

    pub fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn set(&mut self, other: Flags, on: bool) {
        if on {
            self.0 |= other.0;
        } else {
            self.0 &= !other.0;
        }
    }

    /// The IMAP name of a single flag.
    pub fn imap_name(self) -> &'static str {
        match self {
            Flags::SEEN => "\\Seen",
            Flags::ANSWERED => "\\Answered",
            Flags::FLAGGED => "\\Flagged",
            Flags::DELETED => "\\Deleted",
            Flags::DRAFT => "\\Draft",
            _ => "",
        }
    }
}

/// One row of the message list. Its text is clean: made safe for the terminal where the row
/// is made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub uid: u32,
    pub flags: Flags,
    /// Unix seconds (the Date header, else the arrival time).
    pub date: i64,
    /// The sender's display name (else the address) and the subject.
    pub text: RowText,
    /// RFC822.SIZE in bytes.
    pub size: u32,
    pub attachment: bool,
    pub portal: Option<PortalMark>,
    /// S/MIME or OpenPGP, encrypted or signed, as the message's structure says.
    pub protection: Option<crate::detect::crypto::Protection>,
}

impl Row {
    /// The sender's display name, else the address; clean.
    pub fn from(&self) -> &str {
        self.text.from()
    }

    /// The subject; clean.
    pub fn subject(&self) -> &str {
        self.text.subject()
    }

    /// A row for a message whose list entry could not be read: what is known (UID, size,
    /// flags) and a subject that says so, so that the rest of the folder still loads.
    pub fn unreadable(uid: u32, size: u32, flags: Flags) -> Row {
        Row {
            uid,
            flags,
            date: 0,
            text: RowText::line(
                "?",
                &format!("[unreadable message, UID {uid}: its list entry could not be parsed]"),
            ),
            size,
            attachment: false,
            portal: None,
            protection: None,
        }
    }
}

/// A folder (mailbox), or a line of the folder tree that stands for one: a parent the server
/// does not list, or the heading of a namespace section. Sources fill the name, its path and
/// section; [`folder_tree::arrange`] orders the list and fills `depth` and `label`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Folder {
    /// The name to use in commands (as the server spells it); empty for a heading.
    pub name: String,
    /// The name to show: decoded and sanitised, the whole path.
    pub display: Clean,
    pub selectable: bool,
    /// Which part of the account the folder belongs to (RFC 2342 namespaces).
    pub section: Section,
    /// The folder's place below its namespace, one decoded and sanitised name per level
    /// (`INBOX.Archive.2024` in a namespace `INBOX.` is `["Archive", "2024"]`).
    pub path: Vec<Clean>,
    /// A special-use folder (RFC 6154), or INBOX.
    pub special: Option<SpecialUse>,
    /// Levels below the top of its section, for indentation.
    pub depth: usize,
    /// The name shown in the tree: the last part of the path, or the section's heading.
    pub label: Clean,
}

impl Folder {
    /// A personal folder at the top level, named as shown (tests, simple sources).
    pub fn plain(name: &str) -> Folder {
        Folder {
            name: name.into(),
            display: Clean::line(name),
            selectable: true,
            path: vec![Clean::line(name)],
            special: name
                .eq_ignore_ascii_case("INBOX")
                .then_some(SpecialUse::Inbox),
            label: Clean::line(name),
            ..Folder::default()
        }
    }

    /// A heading line of the tree (not a folder).
    pub fn is_heading(&self) -> bool {
        self.name.is_empty() && self.path.is_empty()
    }
}

/// The parts of an account: one's own folders, other users' folders shared with one, and
/// folders shared by everyone (the three kinds of namespace of RFC 2342).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Section {
    #[default]
    Personal,
    OtherUsers,
    Shared,
}

impl Section {
    /// The heading above the section in the folder pane (the personal one has none).
    pub fn heading(self) -> &'static str {
        match self {
            Section::Personal => "",
            Section::OtherUsers => "Other users",
            Section::Shared => "Shared",
        }
    }
}

/// INBOX and the special-use folders of RFC 6154, in the order the folder pane lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SpecialUse {
    Inbox,
    Sent,
    Drafts,
    Trash,
    Junk,
    Archive,
}

impl SpecialUse {
    /// The special use named by a LIST attribute (`\Sent`, or `\sent` as Cyrus spells it).
    pub fn from_attribute(attribute: &str) -> Option<SpecialUse> {
        let name = attribute.strip_prefix('\\')?;
        [
            ("sent", SpecialUse::Sent),
            ("drafts", SpecialUse::Drafts),
            ("trash", SpecialUse::Trash),
            ("junk", SpecialUse::Junk),
            ("archive", SpecialUse::Archive),
        ]
        .into_iter()
        .find(|(n, _)| name.eq_ignore_ascii_case(n))
        .map(|(_, u)| u)
    }

    /// The special use a top-level folder's usual name stands for ("Trash", "Sent Items"),
    /// for servers and Maildirs that do not mark their folders (RFC 6154 is optional).
    pub fn from_name(name: &str) -> Option<SpecialUse> {
        [
            ("Sent", SpecialUse::Sent),
            ("Sent Messages", SpecialUse::Sent),
            ("Sent Items", SpecialUse::Sent),
            ("Drafts", SpecialUse::Drafts),
            ("Trash", SpecialUse::Trash),
            ("Deleted Messages", SpecialUse::Trash),
            ("Deleted Items", SpecialUse::Trash),
            ("Junk", SpecialUse::Junk),
            ("Spam", SpecialUse::Junk),
            ("Archive", SpecialUse::Archive),
            ("Archives", SpecialUse::Archive),
        ]
        .into_iter()
        .find(|(n, _)| name.eq_ignore_ascii_case(n))
        .map(|(_, u)| u)
    }
}

/// A change to the account's folders. Paths are as the user typed them, one name per level
/// (`["Projects", "2026"]`); the source spells them its own way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FolderChange {
    Create {
        path: Vec<String>,
    },
    /// Rename the folder `from` (its command name) to `path`.
    Rename {
        from: String,
        path: Vec<String>,
    },
    /// Delete the folder (its command name) and the messages in it.
    Delete {
        name: String,
    },
}

/// How many messages a folder holds, and how many of them are unread.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FolderCount {
    pub total: u32,
    pub unseen: u32,
}

/// Which state of a folder a list of its rows stands for: the folder's UIDVALIDITY (UIDs
/// mean the same messages only while it stays) and HIGHESTMODSEQ (RFC 7162: every change
/// after it can be asked for), when the server has one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FolderVersion {
    pub uid_validity: u32,
    pub highest_modseq: Option<u64>,
}

/// A folder's list rows encoded for the header cache (`cache::file::encode_rows`): how many,
/// and their bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EncodedRows {
    pub count: u32,
    pub bytes: Vec<u8>,
}

/// What the reader already knows of a folder (from the header cache): its version and every
/// message's UID (ascending) and flags, for the source to bring up to date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownFolder {
    pub version: FolderVersion,
    pub uids: Vec<u32>,
    pub flags: Vec<Flags>,
}

/// What the open folder lets the user change: SELECT's `[READ-ONLY]` and `PERMANENTFLAGS`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FolderAccess {
    /// Opened read-only (`[READ-ONLY]`, or EXAMINE): no flag can be changed.
    pub read_only: bool,
    /// The system flags a change of sticks to (RFC 3501: all when PERMANENTFLAGS is absent).
    pub permanent: Flags,
}

impl Default for FolderAccess {
    fn default() -> Self {
        FolderAccess {
            read_only: false,
            permanent: Flags::ALL,
        }
    }
}

impl FolderAccess {
    /// Whether a change of `flag` can be offered.
    pub fn can_change(self, flag: Flags) -> bool {
        !self.read_only && self.permanent.contains(flag)
    }
}

/// A message downloaded, parsed and classified off the UI task.
#[derive(Clone, Debug)]
pub struct LoadedMessage {
    pub uid: u32,
    /// The raw RFC 5322 bytes (the sealed-message code reads its envelope from them).
    pub raw: Arc<[u8]>,
    pub view: Arc<MessageView>,
    /// The full portal classification, when the message is portal mail.
    pub portal: Option<Arc<crate::detect::Classification>>,
    /// How S/MIME or OpenPGP protects it, when it does: the pane opens it in memory.
    pub protection: Option<crate::detect::crypto::Protection>,
}

impl LoadedMessage {
    /// Parses and classifies a downloaded message. CPU work: call it off the async executor.
    pub fn from_raw(uid: u32, raw: Vec<u8>) -> Result<LoadedMessage, Error> {
        LoadedMessage::from_partial(uid, raw, &crate::mime::Skipped::default())
    }

    /// [`LoadedMessage::from_raw`] for a message downloaded without some of its parts: they
    /// are in `raw` with an empty body, and `skipped` gives their sizes.
    pub fn from_partial(
        uid: u32,
        raw: Vec<u8>,
        skipped: &crate::mime::Skipped,
    ) -> Result<LoadedMessage, Error> {
        // An encrypted message is known from its header: its content is ciphertext, with
        // nothing to show or classify before it is opened. Any other message is parsed once
        // for its portal classification and its protection (inline armour).
        let (view, classification, protection) = match crate::detect::crypto::of_header(&raw) {
            Some(crate::detect::crypto::Protection::Encrypted(scheme)) => (
                crate::mime::parse_envelope(
                    &raw,
                    &format!(
                        "[encrypted with {}: opened in memory when shown]",
                        scheme.label()
                    ),
                )?,
                crate::detect::Classification::default(),
                Some(crate::detect::crypto::Protection::Encrypted(scheme)),
            ),
            _ => {
                let view = crate::mime::parse_partial(&raw, skipped)?;
                let (classification, protection) = crate::detect::classify_and_protection(&raw);
                (view, classification, protection)
            }
        };
        Ok(LoadedMessage {
            uid,
            raw: Arc::from(raw.into_boxed_slice()),
            view: Arc::new(view),
            portal: classification.portal.then(|| Arc::new(classification)),
            protection,
        })
    }
}

/// The state of a source's connection, for the status line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnectionState {
    Connecting,
    /// Connected and logged in; `live` is how new mail arrives ("IDLE", "polling", "watching").
    Online {
        live: &'static str,
        insecure: bool,
    },
    /// The connection dropped; the actor retries by itself.
    Reconnecting {
        reason: String,
        attempt: u32,
        retry_in_s: u64,
    },
    /// A failure that retrying will not cure (wrong password, untrusted certificate).
    Failed {
        reason: String,
    },
}

/// Who threaded a folder: the server (RFC 5256 `THREAD`) or sealmail over the messages'
/// header fields ([`threads::thread`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadedBy {
    Server,
    Client,
}

/// What the reader asks a source to do.
#[derive(Debug)]
pub enum SourceCommand {
    ListFolders,
    /// Select a folder and stream its rows, newest first: a first window of `window` rows at
    /// once, then the rest in chunks.
    OpenFolder {
        req: ReqId,
        folder: String,
        window: u32,
    },
    /// [`SourceCommand::OpenFolder`] for a folder whose rows the reader already shows (from
    /// the header cache): the source brings them up to date (expunges, flags, new messages)
    /// instead of sending them again, then reports [`SourceEvent::FolderLoaded`]. When the
    /// folder changed beyond that (a new UIDVALIDITY), it says [`SourceEvent::Reload`] and
    /// loads it as `OpenFolder` does.
    ResumeFolder {
        req: ReqId,
        folder: String,
        window: u32,
        known: Box<KnownFolder>,
    },
    /// Keep these rows (encoded, newest first) as the folder's header cache. A large list
    /// comes in parts, so that no copy of it is ever whole in memory: the first part starts
    /// the file, each part after a [`SourceEvent::CacheWanted`] continues it, the last puts it
    /// in place; a file whose last part never comes is never used. Only the header cache's
    /// front takes it; a source without a cache ignores it.
    SaveCache {
        folder: String,
        version: FolderVersion,
        rows: EncodedRows,
        first: bool,
        last: bool,
    },
    FetchMessage {
        req: ReqId,
        folder: String,
        uid: u32,
        mark_seen: bool,
    },
    SetFlag {
        folder: String,
        uid: u32,
        flag: Flags,
        on: bool,
    },
    /// The message's whole source, as the server or the file has it (for the source view: an
    /// opened message may have been fetched without its attachments). Never sets `\Seen`.
    FetchSource {
        req: ReqId,
        folder: String,
        uid: u32,
    },
    /// Move or copy messages to another folder (from the open folder, or from any folder, as
    /// an undo does). The source reports [`SourceEvent::Transferred`].
    Transfer(Transfer),
    /// Delete messages of the open folder for good; [`SourceEvent::Erased`] follows.
    Erase(Erase),
    /// Create, rename or delete a folder; [`SourceEvent::FolderChanged`] follows, and the
    /// folder list again when it was done.
    ChangeFolder {
        req: ReqId,
        change: FolderChange,
    },
    /// Save attachments of a message of the open folder to a directory (the message is
    /// fetched whole, never setting `\Seen`); [`SourceEvent::Saved`] follows.
    SaveAttachments(SaveRequest),
    /// Search the open folder; [`SourceEvent::Searched`] follows (and, for a source that
    /// reads files, [`SourceEvent::SearchProgress`] meanwhile).
    Search(search::SearchRequest),
    /// Search every folder of the account named in the request, one after the other, on
    /// the side (the open folder is not disturbed); [`SourceEvent::FolderHits`] follows for
    /// each.
    SearchAll(search::SearchAllRequest),
    /// Stop a search under way (the newest answer wins anyway; this saves the work).
    CancelSearch {
        req: ReqId,
    },
    /// Thread the open folder (every message, whatever the list has loaded);
    /// [`SourceEvent::Threads`] follows. `subject_fallback`: messages without references
    /// join threads of the same base subject (RFC 5256 step 5).
    Threads {
        req: ReqId,
        folder: String,
        subject_fallback: bool,
    },
    Shutdown,
}

/// What a source reports back.
#[derive(Debug)]
pub enum SourceEvent {
    Connection(ConnectionState),
    Folders(Vec<Folder>),
    /// Message and unread counts of folders (by command name), as the source learns them:
    /// after each folder list, and for the folders a move or copy changed. The open folder is
    /// not among them (its list is its count).
    FolderCounts(Vec<(String, FolderCount)>),
    /// The folder is selected and holds `total` messages; rows follow.
    FolderOpened {
        req: ReqId,
        folder: String,
        total: u32,
        /// What the folder lets the user change.
        access: FolderAccess,
    },
    /// The folder is gone from the server (deleted or renamed elsewhere): the reader says so
    /// and opens INBOX.
    FolderGone {
        folder: String,
        reason: String,
    },
    /// The header cache wrote a part of a folder's rows and wants the next one
    /// ([`SourceCommand::SaveCache`]).
    CacheWanted {
        folder: String,
    },
    /// The folder's rows as the header cache kept them, newest first, shown before the
    /// server answers: not current until [`SourceEvent::FolderLoaded`].
    Cached {
        req: ReqId,
        folder: String,
        rows: Vec<Row>,
    },
    /// Which state of the folder the rows stand for (IMAP, after the SELECT), so that the
    /// reader can keep them in the header cache.
    FolderVersion {
        req: ReqId,
        version: FolderVersion,
    },
    /// The rows shown no longer stand for the folder (its UIDVALIDITY changed): the reader
    /// drops them; the folder loads again under the same request.
    Reload {
        req: ReqId,
        reason: String,
    },
    /// More rows of the folder being loaded, newest first within the chunk.
    Rows {
        req: ReqId,
        rows: Vec<Row>,
        loaded: u32,
        total: u32,
    },
    /// Every row of the folder is loaded.
    FolderLoaded {
        req: ReqId,
        total: u32,
    },
    /// New messages arrived in the open folder (IDLE, polling or a directory watch).
    NewRows {
        folder: String,
        rows: Vec<Row>,
        total: u32,
    },
    /// Messages left the open folder.
    Expunged {
        folder: String,
        uids: Vec<u32>,
        total: u32,
    },
    FlagsChanged {
        folder: String,
        uid: u32,
        flags: Flags,
    },
    /// The server refused to set (`on`) or clear `flag`: the reader undoes its change. `now`
    /// is what the server reported the message's flags to be, when it did.
    FlagRefused {
        folder: String,
        uid: u32,
        flag: Flags,
        on: bool,
        now: Option<Flags>,
        reason: String,
    },
    Message {
        req: ReqId,
        result: Result<LoadedMessage, Error>,
    },
    /// The answer to [`SourceCommand::FetchSource`]: the message's bytes.
    Source {
        req: ReqId,
        result: Result<Arc<[u8]>, Error>,
    },
    /// How a [`SourceCommand::Transfer`] ended. The messages moved out of the open folder are
    /// also reported by [`SourceEvent::Expunged`], as the server tells of them.
    Transferred(TransferDone),
    /// How a [`SourceCommand::Erase`] ended.
    Erased(EraseDone),
    /// How a [`SourceCommand::ChangeFolder`] ended: `None`, done; else why not.
    FolderChanged {
        req: ReqId,
        error: Option<String>,
    },
    /// How a [`SourceCommand::SaveAttachments`] ended.
    Saved(SaveDone),
    /// How a [`SourceCommand::Search`] ended.
    Searched(search::SearchDone),
    /// One folder of a [`SourceCommand::SearchAll`] searched.
    FolderHits(search::FolderHits),
    /// How far a search that reads every message has come.
    SearchProgress {
        req: ReqId,
        done: u32,
        total: u32,
    },
    /// The answer to [`SourceCommand::Threads`]: the folder's threads (ordered as
    /// [`threads::thread`] orders them), or why there are none.
    Threads {
        req: ReqId,
        folder: String,
        result: Result<Vec<threads::Thread>, String>,
        by: ThreadedBy,
    },
    /// Something the user should know that is not tied to a request.
    Notice(String),
    /// The server's own words that must reach the user: an `[ALERT]` (RFC 3501 7.1) or the
    /// text of a BYE, already in words ("alert from the server: …").
    Alert(String),
    /// Signing in to the account with OAuth2 (device authorization grant): what to show.
    SignIn(SignInState),
}
