//! A sealed reply: a message written in answer to a sealed message the reader opened, sealed
//! for that conversation's participants and registered at the same portal with the session
//! that opened it (`POST /v1/replies`, section 4.7 of `docs/protocol.md`). The [`ReplyTicket`]
//! is what opening the message earned: the portal, the message answered, who took part (as
//! the portal vouched), and the session. No terminal crates.

use super::client::{ClientError, PortalClient, Registration};
use super::seal::{SealError, SealOptions, Sealed, seal};
use crate::secret::SecretString;

/// What a reply to one decrypted sealed message needs: where, to whom it may go, and the
/// session that authorises it. The session never prints.
#[derive(Clone, Debug)]
pub struct ReplyTicket {
    /// The portal (and its HTTP client, with the account's CA settings).
    pub client: PortalClient,
    /// The id of the message answered.
    pub in_reply_to: String,
    /// The verified sender of the message answered.
    pub sender: String,
    /// Its registered recipients (lowercase, sorted, unique), as the portal said.
    pub recipients: Vec<String>,
    pub session: SecretString,
}

impl ReplyTicket {
    /// The portal's origin.
    pub fn portal(&self) -> &str {
        self.client.origin()
    }

    /// Whether `address` (any case) took part in the conversation: its sender or a recipient.
    pub fn is_participant(&self, address: &str) -> bool {
        let address = address.to_ascii_lowercase();
        address == self.sender || self.recipients.contains(&address)
    }
}

/// Why a sealed reply was not made or not registered. Nothing was sent in either case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    #[error("the reply cannot be sealed: {0}")]
    Seal(#[from] SealError),
    #[error(
        "{0} did not take part in the sealed conversation: a sealed reply goes only to its sender and recipients"
    )]
    NotParticipant(String),
    #[error(
        "the portal refused the reply: it is sent from the address you opened the message with, to the conversation's participants"
    )]
    Refused,
    #[error("the portal session has expired: open the message again to sign in, then send")]
    SessionExpired,
    #[error("the portal did not register the reply: {0}")]
    Portal(ClientError),
}

/// Seals `inner` (a whole RFC 5322 message, its To and Cc the participants it goes to) for
/// `ticket`'s portal and registers its key as a reply. The sealed message comes back to be
/// sent; nothing was registered when this fails.
pub async fn seal_reply(ticket: &ReplyTicket, inner: &[u8]) -> Result<Sealed, ReplyError> {
    let sealed = seal(inner, ticket.portal(), &SealOptions::default())?;
    if let Some(outsider) = sealed.to.iter().find(|a| !ticket.is_participant(a)) {
        return Err(ReplyError::NotParticipant(outsider.clone()));
    }
    let registration = Registration {
        id: &sealed.envelope.header.id,
        from: &sealed.from,
        to: &sealed.to,
        key: &sealed.key,
        expires: None,
    };
    ticket
        .client
        .register_reply(&ticket.session, &ticket.in_reply_to, &registration)
        .await
        .map_err(|e| match e {
            ClientError::Forbidden => ReplyError::Refused,
            ClientError::BadCredential { .. } => ReplyError::SessionExpired,
            other => ReplyError::Portal(other),
        })?;
    Ok(sealed)
}
