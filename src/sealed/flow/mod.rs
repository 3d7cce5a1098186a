//! The sealed-message flow, without a UI: trust of portal origins, discovery, passcode and
//! OpenID Connect device sign-ins, key release, and decryption off the UI task. The reader
//! drives it with [`FlowRequest`]s and shows what it reports as [`FlowEvent`]s; the worker
//! keeps portal sessions in memory so the next sealed message from the same portal opens
//! without signing in again. Secrets never leave memory and are wiped when dropped.
//! No ratatui or crossterm here.

mod failure;
mod trust;
mod worker;

use std::sync::Arc;

pub use trust::{Trust, default_trust_file, normalize_origin};
pub use worker::{FlowSettings, spawn};

use crate::auth::oauth2::SignInPrompt;
use crate::mime::MessageView;
use crate::sanitize::Clean;
use crate::secret::SecretString;

/// One opened sealed message; replies carry it so stale ones can be dropped.
pub type FlowId = u64;

/// What the sealed message says about itself (from its envelope and `Sealed-Message` header).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedInfo {
    /// The portal origin, `https://host[:port]`.
    pub portal: String,
    pub id: String,
    pub from: String,
    pub to: Vec<String>,
    pub created: String,
}

/// A sign-in method the portal offers (from `/.well-known/sealed-portal`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Method {
    /// A passcode mailed to the recipient.
    Passcode { digits: u32, ttl_s: u64 },
    /// An OpenID Connect provider, signed in with the device authorization grant.
    OpenIdConnect {
        issuer: String,
        client_id: String,
        name: String,
    },
}

/// How a sealed message's key was obtained; the pane says it above the decrypted message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// The portal session kept from an earlier passcode or sign-in.
    Session,
    /// A passcode mailed to the recipient.
    Passcode,
    /// A sign-in with the identity provider the portal offered.
    SignIn,
}

impl Via {
    /// The name in logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Session => "session",
            Via::Passcode => "passcode",
            Via::SignIn => "sign-in",
        }
    }
}

/// How the pane names an identity provider: the host its sign-in really goes to, and the
/// portal's own name for it as the portal's claim (a portal may call any issuer "Google").
pub fn provider_label(issuer: &str, name: &str) -> String {
    let rest = issuer
        .strip_prefix("https://")
        .or_else(|| issuer.strip_prefix("http://"))
        .unwrap_or(issuer);
    let host = rest.split('/').next().unwrap_or(rest);
    format!(
        "{} (the portal calls it \u{201c}{}\u{201d})",
        crate::sanitize::line(host),
        crate::sanitize::line(name)
    )
}

/// What the reader asks the flow worker to do.
#[derive(Debug)]
pub enum FlowRequest {
    /// Parse the envelope of a raw sealed message, check whether its portal is trusted, and,
    /// when it is, try a portal session already held (no sign-in) or else discover the methods.
    Open { flow: FlowId, raw: Arc<[u8]> },
    /// The user confirmed the portal: remember the origin (only the origin) and go on as `Open`.
    TrustAndOpen { flow: FlowId, raw: Arc<[u8]> },
    /// Mail a passcode to `email` (a recipient address of the message).
    RequestPasscode { flow: FlowId, email: String },
    /// Unseal with a passcode the user typed or the autofill picked up.
    SubmitPasscode {
        flow: FlowId,
        email: String,
        passcode: SecretString,
    },
    /// Sign in at an OpenID Connect provider with the device grant, then unseal.
    StartSignIn {
        flow: FlowId,
        issuer: String,
        client_id: String,
    },
    /// A message arrived that may be a passcode mail: report its code if its reference matches
    /// the flow's pending passcode request.
    PasscodeMail { flow: FlowId, raw: Arc<[u8]> },
    /// The pane closed: stop polling, forget the flow's secrets.
    Close { flow: FlowId },
}

/// Why a step of the flow failed, in the terms the pane shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FlowFailure {
    /// The message is not a valid sealed message (malformed envelope or header).
    Malformed(Clean),
    /// Wrong passcode: this many tries are left.
    BadPasscode {
        attempts_left: u32,
    },
    /// Too many tries: the passcode is burnt; ask for a new one (after `retry_after_s`).
    Locked {
        retry_after_s: Option<u64>,
    },
    /// The passcode expired: ask for a new one.
    PasscodeExpired,
    /// The sender set an expiry and it has passed, or revoked the message.
    MessageExpired,
    Revoked,
    /// The signed-in identity is not a recipient of this message.
    NotRecipient,
    /// The portal does not know this message.
    UnknownMessage,
    /// The user declined the device sign-in.
    SignInDenied,
    /// The device code expired before the user approved it.
    SignInExpired,
    /// The key was released but the envelope does not decrypt: altered after sealing.
    Tampered,
    /// The envelope names another sender (or other recipients) than the portal registered:
    /// it lies about who sent it. Nothing is decrypted.
    Forged(Clean),
    /// The portal did not say who registered the message, so its sender cannot be verified.
    Unverified,
    /// A version 1 sealed message, whose sender no portal vouches for: not opened.
    Obsolete,
    /// The portal or the identity provider could not be reached or answered nonsense.
    Unreachable(Clean),
    Other(Clean),
}

/// Who sent a decrypted message, as verified: the portal vouches that `address` registered it
/// (and the envelope agrees); `inner_from` says whether the message's own `From:` agrees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedSender {
    pub address: Clean,
    /// The portal that vouches for it (its origin).
    pub portal: Clean,
    pub inner_from: InnerFrom,
}

/// The inner message's `From:` against the verified sender.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InnerFrom {
    /// Exactly the verified sender.
    Matches,
    /// Other addresses (as the message gives them): a loud warning.
    Differs(Clean),
    /// No From address at all.
    Missing,
}

/// What the flow worker reports.
#[derive(Debug)]
pub enum FlowEvent {
    /// The envelope parsed; `trusted` says whether the portal may be contacted.
    Opened {
        flow: FlowId,
        info: SealedInfo,
        trusted: bool,
    },
    /// The portal's sign-in methods.
    Methods {
        flow: FlowId,
        methods: Vec<Method>,
    },
    /// A passcode is on its way; the mail will carry this reference.
    PasscodeSent {
        flow: FlowId,
        email: String,
        reference: String,
        expires_in_s: u64,
    },
    /// The passcode mail with the pending reference arrived: offer to fill it in.
    PasscodeArrived {
        flow: FlowId,
        reference: String,
        passcode: SecretString,
    },
    /// The device sign-in waits for the user to approve: sent when the code arrives and again
    /// after each poll (with `slow_down` when the provider asked to poll more slowly). How it
    /// ends comes as `Decrypted` or `Failed`.
    SignIn {
        flow: FlowId,
        prompt: SignInPrompt,
    },
    /// The key came back and the message decrypted. `reply` is what answering it sealed
    /// takes (none for a message whose portal named no recipients).
    Decrypted {
        flow: FlowId,
        message: Arc<MessageView>,
        via: Via,
        sender: VerifiedSender,
        reply: Option<Box<crate::sealed::reply::ReplyTicket>>,
    },
    Failed {
        flow: FlowId,
        failure: FlowFailure,
    },
}
