//! A message signed, or signed and encrypted, with S/MIME or OpenPGP on its way out: the
//! message built as any other is split into its envelope fields (who, when, what about) and
//! its content entity; the content is handed to the message's [`Protector`] and put back under
//! the same envelope fields. The Sent copy is protected the same way (an encrypted one is
//! encrypted to the sender too). A Bcc is refused with encryption: the Bcc recipient's key
//! would be named in the copy everyone receives.

use zeroize::Zeroizing;

use super::{Built, SubmitError};
use crate::mail::outgoing::Protect;
use crate::mime::split::{envelope_and_entity, envelope_fields};

/// `built` protected as `protect` says.
/// `has_bcc`: the message has Bcc recipients.
pub fn protect(built: Built, has_bcc: bool, protect: &Protect) -> Result<Built, SubmitError> {
    if protect.encrypt && has_bcc {
        return Err(SubmitError::Sealing(format!(
            "an encrypted message has no Bcc: a Bcc recipient's {} key would be named to everyone",
            protect.label
        )));
    }
    let signer = built.envelope_from.to_string();
    let recipients: Vec<String> = built.recipients.iter().map(|r| r.to_string()).collect();
    let (_, entity) = envelope_and_entity(&built.sent);
    let wrapped = protect
        .engine
        .wrap(&entity, &signer, &recipients, protect.encrypt)
        .map_err(SubmitError::Sealing)?;
    let rebuild = |whole: &[u8]| -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(envelope_fields(whole));
        out.extend_from_slice(b"MIME-Version: 1.0\r\nContent-Type: ");
        out.extend_from_slice(wrapped.content_type.as_bytes());
        out.extend_from_slice(b"\r\n\r\n");
        out.extend_from_slice(&wrapped.body);
        out
    };
    Ok(Built {
        sent: rebuild(&built.sent),
        sent_copy: rebuild(&built.sent_copy),
        message_id: built.message_id,
        envelope_from: built.envelope_from,
        recipients: built.recipients,
    })
}
