//! Sending mail: an [`Outgoing`](crate::mail::outgoing::Outgoing) message built as MIME
//! ([`build`]) and submitted over SMTP ([`session`]) with the rules of [`crate::net::smtp`]
//! (TLS verified as for IMAP, STARTTLS required on `smtp://`, no AUTH without TLS). No terminal
//! crates; nothing here logs an address, a password, a token or the text.

pub mod build;
pub mod error;
pub mod protect;
pub mod sealed;
pub mod session;

use std::path::PathBuf;

pub use build::{BuildError, Built, build, build_draft};
pub use error::{Refusal, SubmitError};
pub use session::{Receipt, submit};

use crate::mail::outgoing::Outgoing;
use crate::secret::SecretString;

/// Builds `message` now and submits it; the built bytes (with `Bcc`, for the Sent copy) come
/// back with the receipt. A message to seal is sealed and registered first ([`sealed`]), and
/// its Sent copy is the sealed message.
pub async fn send(
    settings: &SubmitSettings,
    message: &Outgoing,
) -> Result<(Receipt, Built), SubmitError> {
    let built = build(message, std::time::SystemTime::now())
        .map_err(|e| SubmitError::Invalid(e.to_string()))?;
    let built = match &message.protect {
        Some(how) => {
            // gpg may wait for a pinentry or a card: off the runtime's threads.
            let (how, has_bcc) = (how.clone(), !message.bcc.is_empty());
            tokio::task::spawn_blocking(move || protect::protect(built, has_bcc, &how))
                .await
                .map_err(|_| SubmitError::Sealing("signing or encrypting failed".into()))??
        }
        None => built,
    };
    let built = match &message.seal {
        Some(sealing) => sealed::seal(built, message, sealing).await?,
        None => built,
    };
    let receipt = submit(settings, &built).await?;
    Ok((receipt, built))
}

/// Where and how to submit.
#[derive(Clone, Debug)]
pub struct SubmitSettings {
    /// `smtps://host:465`, `smtp://host:587` (STARTTLS required) or `smtp+insecure://` to a
    /// loopback address.
    pub url: String,
    pub auth: SubmitAuth,
    /// Extra CA certificates (PEM), as for the account's IMAP.
    pub ca_file: Option<PathBuf>,
}

/// How the submission signs in.
#[derive(Clone, Debug)]
pub enum SubmitAuth {
    /// No AUTH (a relay on this machine, or one that trusts the network).
    None,
    /// AUTH PLAIN (or LOGIN) over TLS.
    Password {
        user: String,
        password: SecretString,
    },
    /// AUTH XOAUTH2 with the account's OAuth2 access token (the one IMAP uses).
    XOAuth2 { user: String, token: SecretString },
}
