//! What a person is told about an S/MIME or OpenPGP message once sealmail opened it: how it
//! was encrypted and whether that protected it against change, each signature's verdict in
//! words read at a glance, and whether the protection covers the whole message or one part
//! of it. Built by [`super::open`], shown by the pane's banner. Every text from the message
//! (a signer's address) is untrusted; the view makes it safe.

use crate::detect::crypto::Scheme;

/// Everything the banner says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// How the message was encrypted, when it was.
    pub encryption: Option<Encryption>,
    /// Every signature found, outermost first.
    pub signatures: Vec<SignatureVerdict>,
    /// Whether the protection covers the whole message.
    pub scope: Scope,
}

/// How the message was encrypted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encryption {
    pub scheme: Scheme,
    /// The content cipher, when known ("AES-256-GCM").
    pub cipher: Option<String>,
    /// Whether a change to the ciphertext would have been detected.
    pub integrity: bool,
}

/// One signature, judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureVerdict {
    pub scheme: Scheme,
    pub status: SignatureStatus,
}

/// What a signature tells a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureStatus {
    /// Good, by a trusted key or certificate whose address is the sender's.
    Verified { signer: String },
    /// Good and trusted, but by someone other than the sender.
    NotSender { signer: String },
    /// Good, but the key or certificate is not trusted (not certified in the keyring, no
    /// chain to a trusted root), or is not known at all.
    Untrusted { signer: Option<String> },
    /// The signature does not match the message.
    Bad,
    /// Good once, but the key or certificate has expired or was revoked.
    Stale { signer: String, why: String },
    /// It could not be checked at all (an algorithm not supported, a damaged signature).
    Unchecked { why: String },
}

impl SignatureStatus {
    /// The verdict in the words the pane shows.
    pub fn words(&self) -> String {
        match self {
            SignatureStatus::Verified { signer } => format!("signed by {signer}, verified"),
            SignatureStatus::NotSender { signer } => {
                format!("signed, but by {signer}, not the sender")
            }
            SignatureStatus::Untrusted { signer: Some(who) } => {
                format!("signed by an unknown or untrusted key (it names {who})")
            }
            SignatureStatus::Untrusted { signer: None } => {
                "signed by an unknown or untrusted key".to_owned()
            }
            SignatureStatus::Bad => "signature does not match the message".to_owned(),
            SignatureStatus::Stale { signer, why } => format!("signed by {signer}, but {why}"),
            SignatureStatus::Unchecked { why } => {
                format!("signed, but it cannot be checked: {why}")
            }
        }
    }

    /// Only a verified signature earns the good style.
    pub fn is_verified(&self) -> bool {
        matches!(self, SignatureStatus::Verified { .. })
    }
}

/// How much of the message the protection covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    Whole,
    /// Encrypted and plain parts mixed: only the encrypted part is shown (the plain ones
    /// could be an attacker's addition).
    EncryptedPartOnly {
        part: String,
    },
    /// A signature covers one part; the rest of the message is not signed.
    SignedPartOnly {
        part: String,
    },
}

impl Scope {
    /// The warning line, when the protection does not cover the whole message.
    pub fn words(&self) -> Option<String> {
        match self {
            Scope::Whole => None,
            Scope::EncryptedPartOnly { part } => Some(format!(
                "the message mixes encrypted and plain parts: only the encrypted part ({part}) is shown"
            )),
            Scope::SignedPartOnly { part } => Some(format!(
                "signed content is only part of the message: {part}; the rest is not signed"
            )),
        }
    }
}

impl Encryption {
    /// "encrypted with S/MIME (AES-256-GCM)", and what its integrity means.
    pub fn words(&self) -> String {
        let cipher = self
            .cipher
            .as_deref()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default();
        let integrity = if self.integrity {
            ""
        } else {
            ", not integrity-protected: it could have been altered on the way"
        };
        format!("encrypted with {}{cipher}{integrity}", self.scheme.label())
    }
}

/// Whether `address` is one of the sender's addresses (whole addresses, case-insensitive).
pub fn is_sender(address: &str, from: &[String]) -> bool {
    let address = address.trim();
    !address.is_empty() && from.iter().any(|f| f.trim().eq_ignore_ascii_case(address))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_read_as_the_issue_words_them() {
        let signer = "alice@example.org".to_owned();
        assert_eq!(
            SignatureStatus::Verified {
                signer: signer.clone()
            }
            .words(),
            "signed by alice@example.org, verified"
        );
        assert_eq!(
            SignatureStatus::Bad.words(),
            "signature does not match the message"
        );
        assert_eq!(
            SignatureStatus::Untrusted { signer: None }.words(),
            "signed by an unknown or untrusted key"
        );
        assert_eq!(
            SignatureStatus::NotSender {
                signer: "bob@other.example".into()
            }
            .words(),
            "signed, but by bob@other.example, not the sender"
        );
        assert!(
            Scope::SignedPartOnly {
                part: "part 2 (text/plain)".into()
            }
            .words()
            .unwrap()
            .starts_with("signed content is only part of the message: part 2")
        );
    }

    #[test]
    fn the_sender_is_a_whole_address() {
        let from = vec!["Alice@Example.org".to_owned()];
        assert!(is_sender("alice@example.org", &from));
        assert!(!is_sender("lice@example.org", &from));
        assert!(!is_sender("alice@example.org.evil", &from));
        assert!(!is_sender("", &from));
    }
}
