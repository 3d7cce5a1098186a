//! Sealing as a sender: a new message sealed for its To and Cc and its key registered with a
//! sender token (`POST /v1/messages`). `sealmail seal` and the composer (for an account with
//! `seal_portal`) both seal this way. No terminal crates.

use super::client::{ClientError, PortalClient, Registration};
use super::fields;
use super::seal::{SealError, SealOptions, Sealed, seal};
use crate::secret::SecretString;

/// A portal and the sender token that may register messages there. The token never prints.
#[derive(Clone, Debug)]
pub struct SenderSeal {
    pub client: PortalClient,
    pub token: SecretString,
    /// When keys expire, as the config gives it (`30d`, an RFC 3339 time); none: never.
    pub expires: Option<String>,
}

/// Why a message was not sealed or its key not registered; nothing was sent either way.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SenderSealError {
    #[error("the message cannot be sealed: {0}")]
    Seal(#[from] SealError),
    #[error("seal_expires: {0}")]
    Expiry(String),
    #[error("the portal refused the sender token for this From address")]
    Forbidden,
    #[error("the portal did not register the key: {0}")]
    Portal(ClientError),
}

/// Seals `inner` for `portal` and registers its key with `token`: the sealed message to send.
pub async fn seal_and_register(
    client: &PortalClient,
    token: &SecretString,
    inner: &[u8],
    options: &SealOptions,
    expires: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<Sealed, SenderSealError> {
    let sealed = seal(inner, client.origin(), options)?;
    client
        .register(
            token,
            &Registration {
                id: &sealed.envelope.header.id,
                from: &sealed.from,
                to: &sealed.to,
                key: &sealed.key,
                expires,
            },
        )
        .await
        .map_err(|e| match e {
            ClientError::Forbidden => SenderSealError::Forbidden,
            other => SenderSealError::Portal(other),
        })?;
    Ok(sealed)
}

impl SenderSeal {
    /// Seals `inner` with this portal and token, its expiry counted from now.
    pub async fn seal(&self, inner: &[u8]) -> Result<Sealed, SenderSealError> {
        let expires = self
            .expires
            .as_deref()
            .map(|text| fields::parse_expiry_at(text, chrono::Utc::now()))
            .transpose()
            .map_err(SenderSealError::Expiry)?;
        seal_and_register(
            &self.client,
            &self.token,
            inner,
            &SealOptions::default(),
            expires,
        )
        .await
    }
}
