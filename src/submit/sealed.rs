//! A sealed message on its way out: the message built as any other becomes the inner message,
//! sealed for its To and Cc and its key registered at the portal: a reply with the session
//! that opened the original, to its participants only ([`crate::sealed::reply`]), a new message
//! with the account's sender token ([`crate::sealed::sender`]). What is sent, and kept in Sent,
//! is the sealed message; the text never leaves in clear.

use zeroize::Zeroizing;

use super::{Built, SubmitError};
use crate::mail::outgoing::{Outgoing, Sealing};
use crate::sealed::reply::seal_reply;

/// `built` (from `message`) sealed as `sealing` says, its key registered: ready to submit.
/// Nothing is registered when the message has a Bcc, or a reply's recipient did not take part.
pub async fn seal(
    built: Built,
    message: &Outgoing,
    sealing: &Sealing,
) -> Result<Built, SubmitError> {
    if !message.bcc.is_empty() {
        return Err(SubmitError::Sealing(
            "a sealed reply has no Bcc: Bcc recipients cannot be sealed for without revealing them"
                .into(),
        ));
    }
    let sealed = match sealing {
        Sealing::Reply(ticket) => seal_reply(ticket, &built.sent)
            .await
            .map_err(|e| SubmitError::Sealing(e.to_string()))?,
        Sealing::AsSender(sender) => sender
            .seal(&built.sent)
            .await
            .map_err(|e| SubmitError::Sealing(e.to_string()))?,
    };
    Ok(Built {
        message_id: built.message_id,
        sent: Zeroizing::new(sealed.message.clone()),
        sent_copy: Zeroizing::new(sealed.message),
        envelope_from: built.envelope_from,
        recipients: built.recipients,
    })
}
