//! S/MIME in memory, in pure Rust (RustCrypto's `cms`, `x509-cert`, `rsa`, `p256`, `p384`;
//! docs/smime.md says why and what is supported): the user's certificate and key
//! ([`keys`]), enveloped and authenticated-enveloped data opened ([`decrypt`]), signed data
//! verified and its signers' certificates chained to a trust store ([`verify`], [`chain`]),
//! and S/MIME made for outgoing mail ([`produce`]). Synchronous functions, total on any input
//! bytes; the plaintext and keys live in zeroizing memory and are never written or logged.
//! No terminal crates, no runtime.

mod asn1;
mod ber;
pub mod chain;
pub mod decrypt;
mod ecdh;
mod hash;
pub mod keys;
mod oids;
pub mod produce;
mod sig;
pub mod verify;

pub use chain::{TrustStore, addresses};
pub use decrypt::decrypt;
pub use keys::{Identity, KeyError};
pub use produce::{encrypt, sign};
pub use verify::{
    CheckedAt, SignerStatus, SignerVerdict, Verified, signer_matches, verify_detached,
    verify_opaque,
};

use zeroize::Zeroizing;

/// How the plaintext was protected against change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Integrity {
    /// Authenticated encryption (AES-GCM, RFC 5083/5084): the tag checked out.
    Protected,
    /// AES-CBC enveloped data: confidential but NOT integrity-protected (a changed message
    /// can decrypt to changed text); the pane says so.
    CbcOnly,
}

/// The content cipher a message was encrypted with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContentCipher {
    Aes128Cbc,
    Aes192Cbc,
    Aes256Cbc,
    Aes128Gcm,
    Aes192Gcm,
    Aes256Gcm,
}

impl ContentCipher {
    pub fn as_str(self) -> &'static str {
        match self {
            ContentCipher::Aes128Cbc => "AES-128-CBC",
            ContentCipher::Aes192Cbc => "AES-192-CBC",
            ContentCipher::Aes256Cbc => "AES-256-CBC",
            ContentCipher::Aes128Gcm => "AES-128-GCM",
            ContentCipher::Aes192Gcm => "AES-192-GCM",
            ContentCipher::Aes256Gcm => "AES-256-GCM",
        }
    }

    pub fn integrity(self) -> Integrity {
        match self {
            ContentCipher::Aes128Gcm | ContentCipher::Aes192Gcm | ContentCipher::Aes256Gcm => {
                Integrity::Protected
            }
            _ => Integrity::CbcOnly,
        }
    }

    fn key_len(self) -> usize {
        match self {
            ContentCipher::Aes128Cbc | ContentCipher::Aes128Gcm => 16,
            ContentCipher::Aes192Cbc | ContentCipher::Aes192Gcm => 24,
            ContentCipher::Aes256Cbc | ContentCipher::Aes256Gcm => 32,
        }
    }
}

/// A decrypted message: the inner MIME entity (which may itself be signed data).
pub struct Decrypted {
    pub plaintext: Zeroizing<Vec<u8>>,
    pub integrity: Integrity,
    pub cipher: ContentCipher,
}

impl std::fmt::Debug for Decrypted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decrypted")
            .field("size", &self.plaintext.len())
            .field("integrity", &self.integrity)
            .field("cipher", &self.cipher)
            .finish()
    }
}

/// Why a message was not decrypted, verified or made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SmimeError {
    #[error("it is encrypted for another certificate ({0})")]
    NoMatchingRecipient(String),
    #[error("the key does not open it (wrong key, or the message is damaged)")]
    WrongKey,
    #[error(
        "it fails its integrity check: it was altered, or damaged on the way; nothing of it is shown"
    )]
    Tampered,
    #[error("it uses an unsupported cipher or algorithm: {0}")]
    UnsupportedCipher(String),
    #[error("it is not a readable S/MIME message")]
    Corrupt,
    #[error("it is not {0}")]
    NotThisKind(&'static str),
    #[error("cannot make the message: {0}")]
    Produce(String),
}

/// The CMS DER in `input`: DER or BER as is, PEM (`-----BEGIN PKCS7-----`, `CMS`), or the
/// `application/pkcs7-mime` (or `application/pkcs7-signature`) part of a whole MIME message or
/// part, base64 decoded.
pub fn der_from_mime(input: &[u8]) -> Option<Vec<u8>> {
    if input.first() == Some(&0x30) {
        return Some(input.to_vec());
    }
    if let Some(block) = keys::pem_blocks(input).into_iter().next()
        && let Ok((label, der)) = der::pem::decode_vec(block)
        && matches!(label, "PKCS7" | "CMS")
    {
        return Some(der);
    }
    use mail_parser::MimeHeaders;
    let message = mail_parser::MessageParser::default().parse(input)?;
    message.parts.iter().find_map(|part| {
        let ct = part.content_type()?;
        let sub = ct.subtype()?.to_ascii_lowercase();
        let pkcs7 = ct.ctype().eq_ignore_ascii_case("application")
            && matches!(
                sub.as_str(),
                "pkcs7-mime" | "x-pkcs7-mime" | "pkcs7-signature" | "x-pkcs7-signature"
            );
        let contents = part.contents();
        (pkcs7 && contents.first() == Some(&0x30)).then(|| contents.to_vec())
    })
}

/// Parses CMS bytes (DER, or BER normalised) as `T`.
fn parse_cms<T: for<'a> der::Decode<'a>>(input: &[u8]) -> Result<T, SmimeError> {
    if let Ok(value) = T::from_der(input) {
        return Ok(value);
    }
    let der = ber::to_der(input).ok_or(SmimeError::Corrupt)?;
    T::from_der(&der).map_err(|_| SmimeError::Corrupt)
}
