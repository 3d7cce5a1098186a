//! The banner above an S/MIME or OpenPGP message: while it is being opened, what protected it
//! once opened (each signature's verdict in words, good news marked ✔ and the rest ⚠ or ✘,
//! so that it reads without colour), or why it could not be opened and what to do.

use ratatui::text::Line;

use super::advice::para;
use super::theme::Theme;
use crate::app::protected::{ProtectedPane, ProtectedStage};
use crate::crypto::open::FailureKind;
use crate::detect::crypto::Protection;

/// Whether the message under the banner is shown: an encrypted message is shown only once
/// opened (before, its body is ciphertext and an attachment named smime.p7m).
pub fn shows_message(pane: &ProtectedPane) -> bool {
    match pane.stage {
        ProtectedStage::Opened { .. } => true,
        ProtectedStage::Opening | ProtectedStage::Failed { .. } => {
            matches!(pane.protection, Protection::Signed(_))
        }
    }
}

/// The banner's lines, a blank line after them.
pub fn banner_lines(pane: &ProtectedPane, width: usize, theme: Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let label = pane.protection.scheme().label();
    match &pane.stage {
        ProtectedStage::Opening => {
            let text = match pane.protection {
                Protection::Encrypted(_) => format!(
                    "🔐 Encrypted with {label}: decrypting in memory… (gpg may ask for a passphrase or a card)"
                ),
                Protection::Signed(_) => format!("✍ Signed with {label}: checking the signature…"),
            };
            para(&mut out, &text, width, theme.dim());
        }
        ProtectedStage::Opened { report, .. } => {
            match &report.encryption {
                Some((words, true)) => para(
                    &mut out,
                    &format!("🔓 Decrypted in memory, nothing kept on disk: {words}."),
                    width,
                    theme.header(),
                ),
                Some((words, false)) => para(
                    &mut out,
                    &format!("⚠ Decrypted in memory: {words}."),
                    width,
                    theme.warning(),
                ),
                None => para(
                    &mut out,
                    &format!("✍ Signed with {label}."),
                    width,
                    theme.header(),
                ),
            }
            if report.signatures.is_empty() && report.encryption.is_some() {
                para(&mut out, "  not signed", width, theme.dim());
            }
            for (words, verified) in &report.signatures {
                if *verified {
                    para(&mut out, &format!("✔ {words}"), width, theme.label());
                } else {
                    para(&mut out, &format!("⚠ {words}"), width, theme.error());
                }
            }
            if let Some(scope) = &report.scope {
                para(&mut out, &format!("⚠ {scope}"), width, theme.error());
            }
        }
        ProtectedStage::Failed { scheme, kind, why } => {
            let what = match pane.protection {
                Protection::Encrypted(_) => "encrypted",
                Protection::Signed(_) => "signed",
            };
            para(
                &mut out,
                &format!(
                    "✘ This message is {what} with {} and cannot be opened here:",
                    scheme.label()
                ),
                width,
                theme.error(),
            );
            para(&mut out, &format!("  {why}"), width, theme.error());
            para(
                &mut out,
                &format!("  {}", advice(*kind)),
                width,
                theme.dim(),
            );
        }
    }
    out.push(Line::raw(""));
    out
}

/// What the user can do about a failure.
fn advice(kind: FailureKind) -> &'static str {
    match kind {
        FailureKind::NoKey => {
            "It is encrypted for a key or certificate that is not here (or on a card not inserted)."
        }
        FailureKind::Passphrase => {
            "Unlock the key in gpg-agent first, or use a pinentry that does not need this terminal (see the user guide)."
        }
        FailureKind::Tampered | FailureKind::NotIntegrityProtected => {
            "Nothing of it is shown. Ask the sender to send it again."
        }
        FailureKind::Damaged => "It may have been cut short or damaged on the way.",
        FailureKind::Unsupported => "Ask the sender to use a current algorithm (AES).",
        FailureKind::Setup => "Check [crypto] in the config file (see the user guide).",
    }
}
