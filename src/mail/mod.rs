//! The mail domain model and the interface every mail source speaks (IMAP, Maildir).
//!
//! A source is an actor: it owns its connection or directory, takes [`SourceCommand`]s from a
//! bounded channel and reports [`SourceEvent`]s. No ratatui or crossterm here.

pub mod parse_job;

use std::sync::Arc;

use crate::error::Error;
use crate::mime::MessageView;

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

/// What the message list knows of a portal message before its body is downloaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortalMark {
    pub vendor: crate::portal::detect::Vendor,
    /// The cheap signals already contradict each other, or the full classification found a
    /// look-alike: show a warning glyph.
    pub suspicious: bool,
    /// The full classification found an organisation portal whose sender is not verified.
    pub unverified: bool,
}

impl PortalMark {
    /// The mark a full classification gives, so the list says what the pane says.
    pub fn from_classification(c: &crate::portal::detect::Classification) -> Option<PortalMark> {
        use crate::portal::detect::Verdict;
        let vendor = c.vendor.filter(|_| c.portal)?;
        Some(PortalMark {
            vendor,
            suspicious: c.verdict != Some(Verdict::Genuine)
                && c.verdict != Some(Verdict::Unverified),
            unverified: c.verdict == Some(Verdict::Unverified),
        })
    }
}

/// The cheap facts about a message that IMAP gives with its envelope (BODYSTRUCTURE and a few
/// header fields): enough to mark portal mail in the list without downloading a body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheapSignals {
    /// (file name, lowercase MIME type) of every part that has a name or is an attachment.
    pub parts: Vec<(String, String)>,
    /// (lowercase header name, unfolded value) of the header fields asked for.
    pub headers: Vec<(String, String)>,
    /// The Message-ID, without angle brackets.
    pub message_id: Option<String>,
    /// The subject, decoded.
    pub subject: Option<String>,
}

/// One row of the message list. Text fields are already sanitised for the terminal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub uid: u32,
    pub flags: Flags,
    /// Unix seconds (the Date header, else the arrival time).
    pub date: i64,
    /// The sender's display name, else the address.
    pub from: Box<str>,
    pub subject: Box<str>,
    /// RFC822.SIZE in bytes.
    pub size: u32,
    pub attachment: bool,
    pub portal: Option<PortalMark>,
}

impl Row {
    /// A row for a message whose list entry could not be read: what is known (UID, size,
    /// flags) and a subject that says so, so that the rest of the folder still loads.
    pub fn unreadable(uid: u32, size: u32, flags: Flags) -> Row {
        Row {
            uid,
            flags,
            date: 0,
            from: "?".into(),
            subject: format!("[unreadable message, UID {uid}: its list entry could not be parsed]")
                .into(),
            size,
            attachment: false,
            portal: None,
        }
    }
}

/// A folder (mailbox).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Folder {
    /// The name to use in commands (as the server spells it).
    pub name: String,
    /// The name to show: decoded and sanitised.
    pub display: String,
    pub selectable: bool,
}

/// A message downloaded, parsed and classified off the UI task.
#[derive(Clone, Debug)]
pub struct LoadedMessage {
    pub uid: u32,
    /// The raw RFC 5322 bytes (the sealed-message code reads its envelope from them).
    pub raw: Arc<[u8]>,
    pub view: Arc<MessageView>,
    /// The full portal classification, when the message is portal mail.
    pub portal: Option<Arc<crate::portal::detect::Classification>>,
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
        let view = crate::mime::parse_partial(&raw, skipped)?;
        let classification = crate::portal::detect::classify(&raw);
        Ok(LoadedMessage {
            uid,
            raw: Arc::from(raw.into_boxed_slice()),
            view: Arc::new(view),
            portal: classification.portal.then(|| Arc::new(classification)),
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
    Shutdown,
}

/// What a source reports back.
#[derive(Debug)]
pub enum SourceEvent {
    Connection(ConnectionState),
    Folders(Vec<Folder>),
    /// The folder is selected and holds `total` messages; rows follow.
    FolderOpened {
        req: ReqId,
        folder: String,
        total: u32,
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
    Message {
        req: ReqId,
        result: Result<LoadedMessage, Error>,
    },
    /// Something the user should know that is not tied to a request.
    Notice(String),
    /// The server's own words that must reach the user: an `[ALERT]` (RFC 3501 7.1) or the
    /// text of a BYE, already in words ("alert from the server: …").
    Alert(String),
    /// Signing in to the account with OAuth2 (device authorization grant): what to show.
    SignIn(SignInState),
}

/// Where an OAuth2 sign-in to the mail account stands. Texts from the provider (the URL, the
/// code) are not sanitised here: the view does that.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignInState {
    /// Asking the provider for a code. `reason` says why a sign-in is needed again (a revoked
    /// or expired sign-in); `None` at the first start.
    Requesting {
        provider: String,
        reason: Option<String>,
    },
    /// The user approves on another device; updated every second (the countdown).
    Waiting(DevicePrompt),
    /// Approved: logging in to the mail server with the new token.
    SignedIn { provider: String },
    /// The user declined on the other device.
    Denied { provider: String },
    /// The code ran out before anyone approved it.
    Expired { provider: String },
    /// The provider refused the sign-in; `reason` is in plain words.
    Failed { provider: String, reason: String },
}

/// What the user needs to approve a device sign-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DevicePrompt {
    /// "Microsoft", "Google", or the issuer's host.
    pub provider: String,
    pub verification_uri: String,
    /// The URL with the code filled in (drawn as a QR code), when the provider gives one.
    pub verification_uri_complete: Option<String>,
    pub user_code: String,
    /// Seconds until the code expires.
    pub expires_in_s: u64,
    /// The provider asked to poll more slowly (`slow_down`).
    pub slow_down: bool,
    /// Why a new sign-in is needed, as in [`SignInState::Requesting`].
    pub reason: Option<String>,
}
