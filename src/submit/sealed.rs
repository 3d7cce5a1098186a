//! A sealed reply on its way out: the message built as any other becomes the inner message,
//! sealed for its To and Cc (who must have taken part in the conversation) and registered at
//! the portal with the session that opened the original ([`crate::sealed::reply`]). What is
//! sent, and kept in Sent, is the sealed message; the text never leaves in clear.

use zeroize::Zeroizing;

use super::{Built, SubmitError};
use crate::mail::outgoing::Outgoing;
use crate::sealed::reply::{ReplyTicket, seal_reply};

/// `built` (from `message`) sealed for `ticket`'s conversation, its key registered: ready to
/// submit. Nothing is registered when a recipient did not take part or the message has a Bcc.
pub async fn seal(
    built: Built,
    message: &Outgoing,
    ticket: &ReplyTicket,
) -> Result<Built, SubmitError> {
    if !message.bcc.is_empty() {
        return Err(SubmitError::Sealing(
            "a sealed reply has no Bcc: Bcc recipients cannot be sealed for without revealing them"
                .into(),
        ));
    }
    let sealed = seal_reply(ticket, &built.sent)
        .await
        .map_err(|e| SubmitError::Sealing(e.to_string()))?;
    Ok(Built {
        message_id: built.message_id,
        sent: Zeroizing::new(sealed.message.clone()),
        sent_copy: Zeroizing::new(sealed.message),
        envelope_from: built.envelope_from,
        recipients: built.recipients,
    })
}
