//! Signing and encrypting what the composer sends, with OpenPGP or S/MIME: `c` on the review
//! goes through what can be done (nothing, signed and encrypted, signed), a reply to an
//! encrypted message starts encrypted with the same standard, and an encrypted message's
//! text stays in memory like a sealed one (no draft in clear, no editor file). Called by
//! `app::compose`; the signing itself happens when it is sent (`submit::protect`).

use super::compose::Composer;
use super::state::{AppState, Notice};
use crate::detect::crypto::{Protection as Declared, Scheme};
use crate::mail::outgoing::{Outgoing, Protect};

/// How the message goes out: signed, and encrypted too when `encrypt`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Protection {
    pub scheme: Scheme,
    pub encrypt: bool,
}

impl Protection {
    /// The review's Encryption line.
    pub fn describe(self) -> String {
        match self.encrypt {
            true => format!(
                "{}: signed, and encrypted to every recipient and you",
                self.scheme.label()
            ),
            false => format!("{}: signed, not encrypted", self.scheme.label()),
        }
    }
}

/// The standards this reader can sign and encrypt with: OpenPGP (the user's gpg) always,
/// S/MIME when the user's certificate and key are loaded.
fn offered(state: &AppState) -> Vec<Scheme> {
    let mut schemes = vec![Scheme::OpenPgp];
    if matches!(state.settings.crypto.smime, Some(Ok(_))) {
        schemes.push(Scheme::Smime);
    }
    schemes
}

/// `c` on the review: the next of nothing, then for each standard offered signed and
/// encrypted, then signed only.
pub fn cycle(state: &mut AppState, composer: &mut Composer) {
    if composer.is_sealed() {
        state.notice = Some(Notice::new(
            "a sealed message is protected by its portal: S makes it plain first",
            false,
        ));
        return;
    }
    let mut choices: Vec<Option<Protection>> = vec![None];
    for scheme in offered(state) {
        choices.push(Some(Protection {
            scheme,
            encrypt: true,
        }));
        choices.push(Some(Protection {
            scheme,
            encrypt: false,
        }));
    }
    let at = choices
        .iter()
        .position(|c| *c == composer.protect)
        .unwrap_or(0);
    composer.protect = choices.get(at + 1).copied().flatten();
}

/// A reply to (or an inline forward of) the message in the pane starts encrypted when that
/// message was encrypted, with the same standard.
pub fn for_reply(state: &AppState) -> Option<Protection> {
    let protected = state.pane.as_ref()?.protected.as_ref()?;
    match protected.protection {
        Declared::Encrypted(scheme) if offered(state).contains(&scheme) => Some(Protection {
            scheme,
            encrypt: true,
        }),
        _ => None,
    }
}

/// The message to send, with the engine that signs and encrypts it as the composer says; an
/// error when that cannot be done (then nothing is sent, never the message in clear).
pub fn attach(
    state: &AppState,
    composer: &Composer,
    message: &mut Outgoing,
) -> Result<(), &'static str> {
    let Some(protection) = composer.protect else {
        return Ok(());
    };
    let engine: std::sync::Arc<dyn crate::mail::outgoing::Protector> = match protection.scheme {
        Scheme::OpenPgp => std::sync::Arc::new(crate::crypto::produce::OpenPgpProtector(
            state.settings.crypto.gpg.clone(),
        )),
        Scheme::Smime => match &state.settings.crypto.smime {
            Some(Ok(identity)) => std::sync::Arc::new(crate::crypto::produce::SmimeProtector {
                identity: std::sync::Arc::clone(identity),
                correspondents: std::sync::Arc::clone(&state.settings.crypto.correspondents),
            }),
            _ => return Err("no S/MIME certificate and key are loaded: c chooses another way"),
        },
    };
    message.protect = Some(Protect {
        label: protection.scheme.label(),
        encrypt: protection.encrypt,
        engine,
    });
    Ok(())
}
