//! The reader's whole state. Only `update` changes it; the view functions borrow it.

use std::sync::Arc;

use ratatui_textarea::TextArea;

use super::clock::Clock;
use super::keymap::Keymap;
use super::list::RowList;
use super::signin::SignInShown;
use crate::detect::Classification;
use crate::mail::{ConnectionState, Folder, ReqId};
use crate::mime::MessageView;
use crate::sanitize::Clean;
use crate::sealed::flow::{FlowFailure, FlowId, Method, SealedInfo, VerifiedSender, Via};
use crate::secret::SecretString;

/// Which pane has the keyboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Folders,
    List,
    Message,
}

/// How an open message shares the screen with the list (`reader.layout` in the config).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// The list above, the message below.
    Split,
    /// The message alone on the screen.
    Full,
}

/// Reader settings from the config file.
#[derive(Clone, Debug)]
pub struct ReaderSettings {
    pub oldest_first: bool,
    pub mark_seen: bool,
    pub layout: Layout,
    /// How many rows to fetch before the first paint.
    pub first_window: u32,
    pub color: bool,
    /// Where attachments are saved unless the user types another directory.
    pub save_dir: std::path::PathBuf,
    /// A private directory (0700, removed at exit) where attachments are put to be opened;
    /// `None` where the driver offers no viewers.
    pub open_dir: Option<std::path::PathBuf>,
    /// Hand folders' rows to the source's header cache.
    pub header_cache: bool,
    /// Threads also gather messages without references by their subject (RFC 5256 step 5).
    pub thread_by_subject: bool,
    /// The composer's external editor as configured; `None`: the driver's default.
    pub editor: Option<String>,
    /// Mailboxes the composer completes besides those seen (`Name <address>` each).
    pub address_book: Vec<String>,
    /// A command that looks addresses up (`address_book_cmd`), given what is typed.
    pub address_book_cmd: Option<String>,
    /// New messages, replies and forwards open in the external editor at once.
    pub compose_in_editor: bool,
    /// Where gpg and the S/MIME certificate are: S/MIME and OpenPGP mail opens with them.
    pub crypto: Arc<crate::crypto::open::CryptoSettings>,
}

impl Default for ReaderSettings {
    fn default() -> Self {
        ReaderSettings {
            oldest_first: false,
            mark_seen: true,
            layout: Layout::Split,
            first_window: 100,
            color: true,
            save_dir: std::path::PathBuf::from("."),
            open_dir: None,
            header_cache: true,
            thread_by_subject: false,
            editor: None,
            address_book: Vec::new(),
            address_book_cmd: None,
            crypto: Arc::default(),
            compose_in_editor: false,
        }
    }
}

/// The folder list.
#[derive(Debug, Default)]
pub struct FoldersState {
    pub list: Vec<Folder>,
    pub cursor: usize,
    /// Message and unread counts by folder name, as the source reported them.
    pub counts: std::collections::HashMap<String, crate::mail::FolderCount>,
}

/// The open folder.
#[derive(Debug, Default)]
pub struct FolderState {
    /// The folder's name as the source spells it.
    pub name: String,
    /// The name shown.
    pub display: Clean,
    /// The request whose rows fill this folder; replies to older requests are dropped.
    pub req: ReqId,
    /// Messages in the folder according to the source.
    pub total: u32,
    /// Every row is loaded.
    pub done: bool,
    /// The folder is selected (the source answered).
    pub opened: bool,
    /// What the folder lets the user change (read-only, permanent flags).
    pub access: crate::mail::FolderAccess,
    pub rows: RowList,
    /// The marked messages, by UID: the triage actions apply to them when there are any.
    pub marked: std::collections::BTreeSet<u32>,
    /// The search whose results the list shows, if any.
    pub search: Option<super::search::ActiveSearch>,
    /// Which state of the folder the rows stand for (sources with a header cache).
    pub version: Option<crate::mail::FolderVersion>,
    /// The rows came from the header cache and the source has not brought them up to date.
    pub from_cache: bool,
    /// The rows changed since they were last handed to the header cache.
    pub cache_dirty: bool,
    /// Handing the rows to the header cache in parts: the version they stand for, and the
    /// UID below which rows are still to be handed over.
    pub cache_saving: Option<(crate::mail::FolderVersion, u64)>,
    /// The thread view, when the folder is shown threaded.
    pub threads: Option<super::threads::ThreadView>,
}

/// What the message pane shows.
#[derive(Debug)]
pub enum PaneContent {
    Loading,
    Ready(Arc<MessageView>),
    Failed(Clean),
}

/// An open message.
#[derive(Debug)]
pub struct MessagePane {
    pub req: ReqId,
    pub uid: u32,
    pub content: PaneContent,
    pub scroll: usize,
    /// Portal mail: the advice for vendor mail, or the inline flow of a sealed message.
    pub portal: Option<PortalPane>,
    /// S/MIME or OpenPGP mail: its opening in memory, and what protected it.
    pub protected: Option<super::protected::ProtectedPane>,
    /// The message was expunged on the server while shown: what is shown is marked so.
    pub deleted: bool,
    /// The message's bytes as they were loaded (its header is whole; over IMAP, parts it did
    /// not need may be left out): what the headers view reads.
    pub raw: Option<Arc<[u8]>>,
    /// What the pane shows of the message: the message, its header fields, or its source.
    pub view: PaneView,
    /// How many lines the pane's text takes at the width it was measured for: set by the
    /// driver after an update (`tui::measure`), cleared by every update that may change what
    /// the pane shows, kept by scrolling (so `j` does not lay the message out again).
    pub measured: Option<Measured>,
}

/// The pane's wrapped length at one width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Measured {
    pub width: usize,
    pub lines: usize,
}

impl MessagePane {
    /// A pane for a message being loaded.
    pub fn loading(req: ReqId, uid: u32) -> MessagePane {
        MessagePane {
            req,
            uid,
            content: PaneContent::Loading,
            scroll: 0,
            portal: None,
            protected: None,
            deleted: false,
            raw: None,
            view: PaneView::Message,
            measured: None,
        }
    }
}

/// What the pane shows of the open message.
#[derive(Debug, Default)]
pub enum PaneView {
    #[default]
    Message,
    /// Every header field, as the message has them.
    Headers(Vec<Clean>),
    /// The message's whole source, fetched for this view.
    Source(SourceView),
    /// What a command an attachment was piped to wrote (its first line the command).
    Output(Vec<Clean>),
}

/// The source view: asked for, shown, or failed.
#[derive(Debug)]
pub enum SourceView {
    Loading(ReqId),
    Ready(Vec<Clean>),
    Failed(Clean),
}

/// What the pane adds for portal mail.
#[derive(Debug)]
pub enum PortalPane {
    /// Mail that only its vendor's portal can open (or a suspicious look-alike).
    Vendor(VendorPane),
    Sealed(Box<SealedPane>),
}

/// Vendor portal mail in the pane: its classification, and the text its advice shows, made
/// safe once here.
#[derive(Debug)]
pub struct VendorPane {
    pub classification: Arc<Classification>,
    /// Why a look-alike is suspicious.
    pub reason: Option<Clean>,
    /// The sender's domain an unverified message's portal lives on.
    pub sender_domain: Option<Clean>,
    /// Its links as the pane shows them.
    pub links: Vec<Clean>,
}

impl VendorPane {
    pub fn new(classification: Arc<Classification>) -> VendorPane {
        VendorPane {
            reason: classification.reason.as_deref().map(Clean::line),
            sender_domain: classification.sender_domain.as_deref().map(Clean::line),
            links: classification
                .links
                .iter()
                .map(|l| Clean::line(l))
                .collect(),
            classification,
        }
    }
}

/// A sealed message being opened inline.
#[derive(Debug)]
pub struct SealedPane {
    pub flow: FlowId,
    pub raw: Arc<[u8]>,
    /// What the envelope says (once the worker parsed it).
    pub info: Option<SealedInfo>,
    /// The envelope's claims as the pane shows them, made safe once when they arrive.
    pub shown: Option<ShownEnvelope>,
    pub trusted: bool,
    pub stage: SealedStage,
    /// The fetch of a passcode mail that arrived while waiting for one.
    pub passcode_fetch: Option<ReqId>,
    /// The passcode picked up from the inbox (its reference), offered for one-key fill-in.
    pub arrived: Option<(Clean, SecretString)>,
    /// The address the passcode goes to.
    pub email: Option<Clean>,
}

/// A sealed envelope's claims, as the pane shows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShownEnvelope {
    pub portal: Clean,
    pub from: Clean,
    pub to: Vec<Clean>,
    pub created: Clean,
}

impl ShownEnvelope {
    pub fn new(info: &SealedInfo) -> ShownEnvelope {
        ShownEnvelope {
            portal: Clean::line(&info.portal),
            from: Clean::line(&info.from),
            to: info.to.iter().map(|a| Clean::line(a)).collect(),
            created: Clean::line(&info.created),
        }
    }
}

/// Where a sealed message's sign-in stands.
#[derive(Debug)]
pub enum SealedStage {
    /// The worker is reading the envelope.
    Opening,
    /// The portal was never trusted: nothing is sent until the user confirms.
    Untrusted,
    /// Contacting the portal (discovery, or a session held from an earlier sign-in).
    Contacting,
    /// The portal's sign-in methods, one selected.
    Choose {
        methods: Vec<Method>,
        cursor: usize,
    },
    /// A passcode was asked for.
    Requesting,
    /// A passcode is on its way: the input, and what went wrong with the last try.
    Passcode {
        reference: Clean,
        expires_at: i64,
        input: Box<TextArea<'static>>,
        note: Option<String>,
    },
    /// The passcode is being checked.
    Submitting {
        reference: Clean,
        expires_at: i64,
    },
    /// An OpenID Connect device sign-in: asking for a code, then waiting for the user.
    SignIn(SignInShown),
    /// The user's address is not among the recipients: which of them is the user's?
    /// Nothing is sent until the user picks one.
    ChooseAddress {
        cursor: usize,
    },
    /// Decrypted: the inner message, shown like any other, under the sender the portal
    /// vouched for.
    Decrypted {
        message: Arc<MessageView>,
        via: Via,
        sender: VerifiedSender,
        /// What answering it sealed takes (the portal session among it).
        reply: Option<Box<crate::sealed::reply::ReplyTicket>>,
    },
    Failed(FlowFailure),
}

/// The filter input at the bottom of the list.
#[derive(Debug)]
pub struct FilterInput {
    pub input: TextArea<'static>,
    /// The input has the keyboard (false once Enter accepted the filter).
    pub editing: bool,
}

/// A status-line notice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub text: Clean,
    pub error: bool,
}

impl Notice {
    /// A notice saying `text`, made safe here; `error` shows it as one.
    pub fn new(text: &str, error: bool) -> Notice {
        Notice {
            text: Clean::line(text),
            error,
        }
    }
}

/// Everything the reader knows.
#[derive(Debug)]
pub struct AppState {
    pub settings: ReaderSettings,
    pub keymap: Keymap,
    pub clock: Clock,
    /// What the status line calls the mailbox (an account name, "demo", a path).
    pub account_label: String,
    pub connection: ConnectionState,
    pub folders: FoldersState,
    pub folder: FolderState,
    pub pane: Option<MessagePane>,
    pub focus: Focus,
    pub layout: Layout,
    pub help: bool,
    /// The first action the help shows (it scrolls on a small screen).
    pub help_scroll: usize,
    /// The prompt for the number of the link to copy or open, while it is open.
    pub link_prompt: Option<super::links::LinkPrompt>,
    /// Set by an update that only scrolled the message pane: its measured length still holds.
    pub pane_only_scrolled: bool,
    pub filter: Option<FilterInput>,
    pub notice: Option<Notice>,
    /// Every notice shown, in full, and the overlay that lists them.
    pub notices: super::notices::NoticeLog,
    /// The terminal size, for paging and scrolling.
    pub viewport: (u16, u16),
    pub next_req: ReqId,
    pub quitting: bool,
    /// The opt-in metrics (off: records nothing, the panel key does nothing).
    pub metrics: crate::metrics::Metrics,
    pub metrics_panel: bool,
    /// An OAuth2 sign-in to the account, shown in place of the list until the source is online.
    pub sign_in: Option<SignInShown>,
    /// The user's own address, for portal passcodes.
    pub user_email: Option<String>,
    /// The MTAs whose `Authentication-Results` the user trusts (portal-mail verdicts).
    pub trust: crate::detect::Trust,
    /// A graphical display is there, so `$BROWSER` can open links.
    pub display: bool,
    /// Moves, copies and deletes in flight, the last move to undo, a question to confirm.
    pub triage: super::triage::Triage,
    /// The folder picker of a move or copy, while it is open.
    pub picker: Option<super::picker::FolderPicker>,
    /// The prompt of an attachment save, while it is open.
    pub save_prompt: Option<super::save::SavePrompt>,
    /// The save sent to the source and not answered yet.
    pub save_pending: Option<super::save::PendingSave>,
    /// The prompt for a new folder's path, or a folder's new path, while it is open.
    pub folder_prompt: Option<super::folder_edit::FolderPrompt>,
    /// The search prompt, while it is open.
    pub search_prompt: Option<super::search::SearchPrompt>,
    /// The results of a search of every folder, while they are shown.
    pub search_all: Option<super::search_all::AllResults>,
    /// The folder change sent to the source and not answered yet.
    pub folder_change: Option<super::folder_edit::PendingChange>,
    /// The session's accounts (none listed: one account, the shown one).
    pub accounts: Vec<super::accounts::Account>,
    /// Which of them is shown.
    pub active_account: usize,
    /// The account list while it is open: the chosen line.
    pub account_list: Option<usize>,
    /// The shown account's folders shown threaded (by name), for the session.
    pub threaded: std::collections::BTreeSet<String>,
    /// The message being written, when the composer is open.
    pub composer: Option<Box<super::compose::Composer>>,
    /// A sealed reply put aside (`p`): kept in memory only, never in Drafts, until resumed
    /// (`E`) or the reader ends.
    pub held_sealed_reply: Option<Box<super::compose::Composer>>,
    /// The account's portal and sender token, when it can seal new messages (`seal_portal`).
    pub sender_seal: Option<Box<crate::sealed::sender::SenderSeal>>,
    /// Who the user writes as; `None`: the account cannot send.
    pub identity: Option<crate::mail::compose::Identity>,
    /// A reply or forward asked for from the list waits for its message to load.
    pub compose_after_load: Option<crate::mail::compose::DraftKind>,
    /// A forward, or a draft taken up again, waits for the message's whole source (this
    /// request): for the message attached whole, or for its attachments.
    pub forward_pending: Option<(ReqId, crate::mail::compose::DraftKind)>,
    /// Addresses configured or seen this session, for the composer's completion.
    pub addresses: crate::mail::address_book::AddressBook,
}

impl AppState {
    pub fn new(
        settings: ReaderSettings,
        keymap: Keymap,
        clock: Clock,
        account_label: String,
    ) -> AppState {
        AppState {
            layout: settings.layout,
            folder: FolderState {
                rows: RowList::new(settings.oldest_first),
                ..FolderState::default()
            },
            settings,
            keymap,
            clock,
            account_label,
            connection: ConnectionState::Connecting,
            folders: FoldersState::default(),
            pane: None,
            focus: Focus::List,
            help: false,
            help_scroll: 0,
            link_prompt: None,
            pane_only_scrolled: false,
            filter: None,
            notice: None,
            notices: super::notices::NoticeLog::default(),
            viewport: (80, 24),
            next_req: 1,
            quitting: false,
            metrics: crate::metrics::Metrics::off(),
            metrics_panel: false,
            sign_in: None,
            user_email: None,
            trust: crate::detect::Trust::default(),
            display: false,
            triage: super::triage::Triage::default(),
            picker: None,
            save_prompt: None,
            save_pending: None,
            folder_prompt: None,
            search_prompt: None,
            search_all: None,
            folder_change: None,
            accounts: Vec::new(),
            active_account: 0,
            account_list: None,
            threaded: std::collections::BTreeSet::new(),
            composer: None,
            held_sealed_reply: None,
            sender_seal: None,
            identity: None,
            compose_after_load: None,
            forward_pending: None,
            addresses: Default::default(),
        }
    }

    pub fn new_req(&mut self) -> ReqId {
        let req = self.next_req;
        self.next_req += 1;
        req
    }

    /// Something is in flight: connecting, the folder filling, a message loading.
    pub fn busy(&self) -> bool {
        let connecting = matches!(self.connection, crate::mail::ConnectionState::Connecting);
        let loading_message = matches!(
            self.pane,
            Some(MessagePane {
                content: PaneContent::Loading,
                ..
            })
        );
        connecting || !self.folder.done || loading_message
    }

    /// A countdown or the metrics panel is on screen: the run loop ticks once a second (and
    /// only then, so that an idle reader with neither costs no CPU).
    pub fn ticking(&self) -> bool {
        let metrics_shown = self.metrics_panel && self.metrics.is_on();
        let sealed_countdown = match self.pane.as_ref().and_then(|p| p.portal.as_ref()) {
            Some(PortalPane::Sealed(s)) => match &s.stage {
                SealedStage::SignIn(shown) => shown.is_waiting(),
                SealedStage::Passcode { .. } => true,
                _ => false,
            },
            _ => false,
        };
        metrics_shown
            || sealed_countdown
            || self.sign_in.as_ref().is_some_and(SignInShown::is_waiting)
    }

    /// The message pane has the whole screen.
    pub fn message_full_screen(&self) -> bool {
        self.pane.is_some() && self.layout == Layout::Full && self.focus == Focus::Message
    }
}
