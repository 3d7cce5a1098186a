//! Opening an S/MIME or OpenPGP message in memory: find what protects it (the message itself,
//! one of its parts, or inline armour in its text), decrypt and verify layer by layer
//! (a signature inside an encryption, or the other way round), and build the message the pane
//! shows: the outer message's header fields over the innermost content. The plaintext stays
//! in zeroizing memory; nothing is written, nothing is logged.
//!
//! The rules against the known attacks live here: nothing is shown from a part whose
//! integrity check failed (the engines refuse it); when encrypted and plain parts are mixed,
//! only the encrypted part is shown, and the report says so; a signature over one part is
//! reported as covering that part only. Nothing here fetches anything from a network.

use std::sync::Arc;

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};
use zeroize::Zeroizing;

use super::gpg::{self, GpgError, GpgSettings};
use super::smime;
use super::verdict::{Encryption, Report, Scope, SignatureStatus, SignatureVerdict, is_sender};
use crate::detect::crypto::{Protection, Scheme, declared};
use crate::mail::HeldMessage;
use crate::mime::MessageView;

/// Layers opened at most (an encryption inside a signature inside an encryption...).
const MAX_LAYERS: usize = 4;

/// What the engines need: where gpg and the keyring are, the user's S/MIME certificate and
/// key, the trust anchors S/MIME signatures are checked against, and the correspondents'
/// certificates S/MIME encrypts to.
#[derive(Clone, Debug, Default)]
pub struct CryptoSettings {
    pub gpg: GpgSettings,
    /// The S/MIME identity, loaded at start; `None`: none configured; an error: why it could
    /// not be loaded (said when an S/MIME message needs it).
    pub smime: Option<Result<Arc<smime::Identity>, String>>,
    pub trust: Arc<smime::TrustStore>,
    /// Certificates of people mail is encrypted to with S/MIME.
    pub correspondents: Arc<Vec<x509_cert::Certificate>>,
}

impl CryptoSettings {
    fn identity(&self) -> Result<&smime::Identity, OpenFailure> {
        match &self.smime {
            Some(Ok(identity)) => Ok(identity),
            Some(Err(why)) => Err(OpenFailure::new(
                Scheme::Smime,
                FailureKind::Setup,
                format!("your S/MIME certificate and key could not be loaded: {why}"),
            )),
            None => Err(smime_not_configured()),
        }
    }
}

fn from_smime(error: smime::SmimeError) -> OpenFailure {
    use smime::SmimeError as E;
    let kind = match &error {
        E::NoMatchingRecipient(_) | E::WrongKey => FailureKind::NoKey,
        E::Tampered => FailureKind::Tampered,
        E::UnsupportedCipher(_) => FailureKind::Unsupported,
        E::Corrupt | E::NotThisKind(_) | E::Produce(_) => FailureKind::Damaged,
    };
    OpenFailure::new(Scheme::Smime, kind, error.to_string())
}

/// An opened message: what the pane shows, the banner's report, and the opened message's
/// bytes (in memory only: a decrypted attachment is saved from them, when the user asks).
#[derive(Debug)]
pub struct Opened {
    pub view: Arc<MessageView>,
    pub report: Report,
    pub content: HeldMessage,
}

/// Why a message could not be opened, in words for the pane.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct OpenFailure {
    pub scheme: Scheme,
    pub kind: FailureKind,
    pub message: String,
}

/// What kind of failure, for what the pane suggests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// No key or certificate here opens it.
    NoKey,
    /// The passphrase was not given or was wrong.
    Passphrase,
    /// It fails its integrity check: nothing of it is shown.
    Tampered,
    /// Not integrity-protected where that is required: nothing of it is shown.
    NotIntegrityProtected,
    /// Damaged, truncated, or not what it says it is.
    Damaged,
    /// A format or algorithm sealmail does not read.
    Unsupported,
    /// The tool or the key store could not be used (gpg missing, a timeout, a key file).
    Setup,
}

impl OpenFailure {
    fn new(scheme: Scheme, kind: FailureKind, message: impl Into<String>) -> OpenFailure {
        OpenFailure {
            scheme,
            kind,
            message: message.into(),
        }
    }
}

fn from_gpg(error: GpgError) -> OpenFailure {
    let kind = match &error {
        GpgError::NoSecretKey(_) => FailureKind::NoKey,
        GpgError::Passphrase => FailureKind::Passphrase,
        GpgError::Tampered => FailureKind::Tampered,
        GpgError::NotIntegrityProtected => FailureKind::NotIntegrityProtected,
        GpgError::Corrupt => FailureKind::Damaged,
        GpgError::Timeout(_)
        | GpgError::NotRunnable(_)
        | GpgError::NoPublicKey(_)
        | GpgError::NoSigningKey(_)
        | GpgError::Failed(_) => FailureKind::Setup,
    };
    OpenFailure::new(Scheme::OpenPgp, kind, error.to_string())
}

/// Armour lines of inline OpenPGP.
const BEGIN_MESSAGE: &str = "-----BEGIN PGP MESSAGE-----";
const END_MESSAGE: &str = "-----END PGP MESSAGE-----";
const BEGIN_SIGNED: &str = "-----BEGIN PGP SIGNED MESSAGE-----";
const END_SIGNATURE: &str = "-----END PGP SIGNATURE-----";

/// Opens `raw`, a whole message some part of which is S/MIME or OpenPGP. CPU and process
/// work: call it off the UI task.
pub fn open(raw: &[u8], settings: &CryptoSettings) -> Result<Opened, OpenFailure> {
    let damaged =
        |scheme| OpenFailure::new(scheme, FailureKind::Damaged, "the message cannot be read");
    let message = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| damaged(Scheme::OpenPgp))?;
    let mut opener = Opener {
        settings,
        from: from_addresses(&message),
        report: Report {
            encryption: None,
            signatures: Vec::new(),
            scope: Scope::Whole,
        },
    };
    let found = message
        .parts
        .iter()
        .enumerate()
        .find_map(|(i, part)| declared(part).map(|p| (i, p)));
    let entity = match found {
        Some((index, protection)) => {
            if !covers_whole(&message, index) {
                let part = describe_part(&message, index);
                opener.report.scope = match protection {
                    Protection::Encrypted(_) => Scope::EncryptedPartOnly { part },
                    Protection::Signed(_) => Scope::SignedPartOnly { part },
                };
            }
            let entity = opener.unwrap_part(&message, index, protection, 0)?;
            if matches!(opener.report.scope, Scope::SignedPartOnly { .. }) {
                // The whole message is shown: the report names the one part signed.
                Zeroizing::new(raw.to_vec())
            } else {
                compose_display(raw, &entity)
            }
        }
        None => {
            let entity = opener.unwrap_inline(&message)?;
            compose_display(raw, &entity)
        }
    };
    let view = crate::mime::parse(&entity).map_err(|e| {
        OpenFailure::new(
            opener.scheme(),
            FailureKind::Damaged,
            format!("the protected content cannot be read: {}", e.summary),
        )
    })?;
    Ok(Opened {
        view: Arc::new(view),
        report: opener.report,
        content: HeldMessage::new(entity),
    })
}

struct Opener<'s> {
    settings: &'s CryptoSettings,
    /// The sender's addresses, lowercase: a signer is matched against them.
    from: Vec<String>,
    report: Report,
}

impl Opener<'_> {
    fn scheme(&self) -> Scheme {
        self.report
            .encryption
            .as_ref()
            .map(|e| e.scheme)
            .or_else(|| self.report.signatures.first().map(|s| s.scheme))
            .unwrap_or(Scheme::OpenPgp)
    }

    /// Opens the protected part at `index` of `message`, then whatever protects its content
    /// in turn: the innermost entity (header fields and body).
    fn unwrap_part(
        &mut self,
        message: &Message<'_>,
        index: usize,
        protection: Protection,
        depth: usize,
    ) -> Result<Zeroizing<Vec<u8>>, OpenFailure> {
        let scheme = protection.scheme();
        let damaged = |why: &str| OpenFailure::new(scheme, FailureKind::Damaged, why.to_owned());
        let part = message
            .parts
            .get(index)
            .ok_or_else(|| damaged("a part is missing"))?;
        let children: &[u32] = match &part.body {
            PartType::Multipart(ids) => ids,
            _ => &[],
        };
        let child = |n: usize| {
            children
                .get(n)
                .and_then(|&id| message.parts.get(id as usize))
        };
        let entity = match protection {
            Protection::Encrypted(Scheme::OpenPgp) => {
                let ciphertext = child(1)
                    .map(|p| p.contents())
                    .ok_or_else(|| damaged("the encrypted part is missing"))?;
                let decrypted = gpg::decrypt(&self.settings.gpg, ciphertext).map_err(from_gpg)?;
                self.report.encryption = Some(Encryption {
                    scheme,
                    cipher: None,
                    integrity: true,
                });
                for signature in &decrypted.signatures {
                    let status = self.judge_gpg(signature);
                    self.push(scheme, status);
                }
                decrypted.plaintext
            }
            Protection::Signed(_) if children.len() == 2 => {
                let boundary = part
                    .content_type()
                    .and_then(|ct| ct.attribute("boundary"))
                    .ok_or_else(|| damaged("the signed message has no boundary"))?;
                let body = message
                    .raw_message()
                    .get(part.offset_body as usize..part.offset_end as usize)
                    .ok_or_else(|| damaged("the signed message is cut short"))?;
                let pieces = crate::mime::split::multipart_parts(body, boundary);
                let signed = pieces
                    .first()
                    .ok_or_else(|| damaged("the signed part is missing"))?;
                let signature = child(1)
                    .map(|p| p.contents())
                    .ok_or_else(|| damaged("the signature is missing"))?;
                let canonical = super::armor::canonical_crlf(signed);
                match scheme {
                    Scheme::OpenPgp => {
                        let status =
                            match gpg::verify_detached(&self.settings.gpg, &canonical, signature) {
                                Ok(signatures) => signatures
                                    .iter()
                                    .map(|s| self.judge_gpg(s))
                                    .collect::<Vec<_>>(),
                                Err(GpgError::Corrupt) => vec![SignatureStatus::Unchecked {
                                    why: "the signature is damaged".into(),
                                }],
                                Err(e) => return Err(from_gpg(e)),
                            };
                        for s in status {
                            self.push(scheme, s);
                        }
                    }
                    Scheme::Smime => {
                        let der = smime::der_from_mime(signature).unwrap_or_default();
                        match smime::verify_detached(&canonical, &der, &self.settings.trust) {
                            Ok(verified) => self.push_smime(&verified.signers),
                            Err(e) => {
                                self.push(scheme, SignatureStatus::Unchecked { why: e.to_string() })
                            }
                        }
                    }
                }
                Zeroizing::new(signed.to_vec())
            }
            Protection::Signed(Scheme::OpenPgp) => {
                return Err(damaged("the signed message does not have two parts"));
            }
            Protection::Encrypted(Scheme::Smime) => {
                let identity = self.settings.identity()?;
                let der = smime::der_from_mime(part.contents())
                    .ok_or_else(|| damaged("the encrypted part is not S/MIME"))?;
                let decrypted = smime::decrypt(identity, &der).map_err(from_smime)?;
                self.report.encryption = Some(Encryption {
                    scheme,
                    cipher: Some(decrypted.cipher.as_str().to_owned()),
                    integrity: decrypted.integrity == smime::Integrity::Protected,
                });
                decrypted.plaintext
            }
            Protection::Signed(Scheme::Smime) => {
                let der = smime::der_from_mime(part.contents())
                    .ok_or_else(|| damaged("the signed part is not S/MIME"))?;
                let verified =
                    smime::verify_opaque(&der, &self.settings.trust).map_err(from_smime)?;
                self.push_smime(&verified.signers);
                verified.content
            }
        };
        self.unwrap_entity(entity, depth + 1)
    }

    /// An entity that came out of a layer: opened further when it is protected itself.
    fn unwrap_entity(
        &mut self,
        entity: Zeroizing<Vec<u8>>,
        depth: usize,
    ) -> Result<Zeroizing<Vec<u8>>, OpenFailure> {
        if depth >= MAX_LAYERS {
            return Ok(entity);
        }
        // The header alone says whether another layer follows; only then is it all parsed.
        let layered = MessageParser::default()
            .parse_headers(&entity)
            .and_then(|head| head.parts.first().and_then(declared))
            .is_some();
        if !layered {
            return Ok(entity);
        }
        let Some(inner) = MessageParser::default().parse(&entity) else {
            return Ok(entity);
        };
        match inner.parts.first().and_then(declared) {
            Some(protection) => self.unwrap_part(&inner, 0, protection, depth),
            None => Ok(entity),
        }
    }

    /// Inline OpenPGP in the first text part that has armour: the armoured block decrypted,
    /// or the clear-signed text verified, as a text entity.
    fn unwrap_inline(&mut self, message: &Message<'_>) -> Result<Zeroizing<Vec<u8>>, OpenFailure> {
        let scheme = Scheme::OpenPgp;
        let none = || {
            OpenFailure::new(
                scheme,
                FailureKind::Damaged,
                "no encrypted or signed content was found",
            )
        };
        let (index, text) = message
            .parts
            .iter()
            .enumerate()
            .find_map(|(i, part)| match &part.body {
                PartType::Text(text) if has_armour(text) => Some((i, text.as_ref())),
                _ => None,
            })
            .ok_or_else(none)?;
        let encrypted = text.lines().any(|l| l.trim_end() == BEGIN_MESSAGE);
        let (begin, end) = if encrypted {
            (BEGIN_MESSAGE, END_MESSAGE)
        } else {
            (BEGIN_SIGNED, END_SIGNATURE)
        };
        let (before, block, after) = armour_block(text, begin, end).ok_or_else(none)?;
        let alone = before.trim().is_empty()
            && after.trim().is_empty()
            && message.parts.iter().enumerate().all(|(i, p)| {
                i == index || matches!(p.body, PartType::Multipart(_)) || p.is_empty()
            });
        if !alone {
            let part = "the armoured block in the text".to_owned();
            self.report.scope = if encrypted {
                Scope::EncryptedPartOnly { part }
            } else {
                Scope::SignedPartOnly { part }
            };
        }
        let text = if encrypted {
            let decrypted = gpg::decrypt(&self.settings.gpg, block.as_bytes()).map_err(from_gpg)?;
            self.report.encryption = Some(Encryption {
                scheme,
                cipher: None,
                integrity: true,
            });
            for signature in &decrypted.signatures {
                let status = self.judge_gpg(signature);
                self.push(scheme, status);
            }
            decrypted.plaintext
        } else {
            let (text, signatures) =
                match gpg::verify_clearsigned(&self.settings.gpg, block.as_bytes()) {
                    Ok(found) => found,
                    Err(GpgError::Corrupt) => {
                        (Zeroizing::new(block.as_bytes().to_vec()), Vec::new())
                    }
                    Err(e) => return Err(from_gpg(e)),
                };
            if signatures.is_empty() {
                self.push(
                    scheme,
                    SignatureStatus::Unchecked {
                        why: "the signature is damaged".into(),
                    },
                );
            }
            for signature in &signatures {
                let status = self.judge_gpg(signature);
                self.push(scheme, status);
            }
            text
        };
        let mut entity =
            Zeroizing::new(b"Content-Type: text/plain; charset=utf-8\r\n\r\n".to_vec());
        entity.extend_from_slice(&text);
        Ok(entity)
    }

    /// S/MIME signers in the words of the verdict: a chain to a trust anchor counts as
    /// verified only when one of the certificate's addresses is the sender's.
    fn push_smime(&mut self, signers: &[smime::SignerVerdict]) {
        if signers.is_empty() {
            self.push(
                Scheme::Smime,
                SignatureStatus::Unchecked {
                    why: "it names no signer".into(),
                },
            );
        }
        for signer in signers {
            let shown = signer
                .addresses
                .first()
                .cloned()
                .unwrap_or_else(|| signer.subject.clone());
            let status = match &signer.status {
                smime::SignerStatus::BadSignature => SignatureStatus::Bad,
                smime::SignerStatus::Untrusted(_) => SignatureStatus::Untrusted {
                    signer: Some(shown),
                },
                smime::SignerStatus::Expired => SignatureStatus::Stale {
                    signer: shown,
                    why: match signer.checked_at {
                        smime::CheckedAt::SigningTime => {
                            "the certificate was not valid when it was signed".into()
                        }
                        smime::CheckedAt::Now => "the certificate has expired".into(),
                    },
                },
                smime::SignerStatus::Unsupported(what) => SignatureStatus::Unchecked {
                    why: format!("{what} is not supported"),
                },
                smime::SignerStatus::Verified => {
                    match signer.addresses.iter().find(|a| is_sender(a, &self.from)) {
                        Some(sender) => SignatureStatus::Verified {
                            signer: sender.clone(),
                        },
                        None => SignatureStatus::NotSender { signer: shown },
                    }
                }
            };
            self.push(Scheme::Smime, status);
        }
    }

    fn push(&mut self, scheme: Scheme, status: SignatureStatus) {
        self.report
            .signatures
            .push(SignatureVerdict { scheme, status });
    }

    /// A gpg signature in the words of the verdict: trusted keys only count as verified, and
    /// only when one of the key's user ids is the sender's address.
    fn judge_gpg(&self, signature: &gpg::Signature) -> SignatureStatus {
        match signature {
            gpg::Signature::Good {
                uid,
                fingerprint,
                trusted,
            } => {
                // The primary user id first; the key's other user ids only when it is not
                // the sender's (one more gpg run).
                let mut addresses: Vec<String> = gpg::address_of_uid(uid).into_iter().collect();
                if !addresses.iter().any(|a| is_sender(a, &self.from))
                    && let Some(f) = fingerprint.as_deref()
                {
                    addresses.extend(gpg::key_addresses(&self.settings.gpg, f));
                }
                let shown = addresses.first().cloned().unwrap_or_else(|| uid.clone());
                if !trusted {
                    return SignatureStatus::Untrusted {
                        signer: Some(shown),
                    };
                }
                match addresses.iter().find(|a| is_sender(a, &self.from)) {
                    Some(sender) => SignatureStatus::Verified {
                        signer: sender.clone(),
                    },
                    None => SignatureStatus::NotSender { signer: shown },
                }
            }
            gpg::Signature::Stale { uid, why } => SignatureStatus::Stale {
                signer: gpg::address_of_uid(uid).unwrap_or_else(|| uid.clone()),
                why: (*why).to_owned(),
            },
            gpg::Signature::Bad { .. } => SignatureStatus::Bad,
            gpg::Signature::Unchecked { .. } => SignatureStatus::Untrusted { signer: None },
        }
    }
}

fn smime_not_configured() -> OpenFailure {
    OpenFailure::new(
        Scheme::Smime,
        FailureKind::Setup,
        "S/MIME needs a certificate and key: see [crypto] in the user guide",
    )
}

/// Whether a text has a line of inline OpenPGP armour.
fn has_armour(text: &str) -> bool {
    text.lines()
        .any(|l| matches!(l.trim_end(), BEGIN_MESSAGE | BEGIN_SIGNED))
}

/// The text before the armoured block, the block (its begin and end lines included), and the
/// text after it.
fn armour_block<'t>(text: &'t str, begin: &str, end: &str) -> Option<(&'t str, &'t str, &'t str)> {
    let start = line_start_of(text, begin)?;
    let from_start = text.get(start..)?;
    let end_at = line_start_of(from_start, end)?;
    let end_line_end = from_start
        .get(end_at..)?
        .find('\n')
        .map_or(from_start.len(), |p| end_at + p + 1);
    let stop = start + end_line_end;
    Some((
        text.get(..start)?,
        text.get(start..stop)?,
        text.get(stop..)?,
    ))
}

/// Where the line that is `marker` (trailing whitespace aside) starts.
fn line_start_of(text: &str, marker: &str) -> Option<usize> {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_end() == marker {
            return Some(at);
        }
        at += line.len();
    }
    None
}

/// The message's `From:` addresses, lowercase.
fn from_addresses(message: &Message<'_>) -> Vec<String> {
    message
        .from()
        .into_iter()
        .flat_map(|a| a.iter())
        .filter_map(|a| a.address())
        .map(str::to_lowercase)
        .collect()
}

/// Child lists by parent, from mail-parser's flat list of parts.
fn parent_of<'m>(message: &'m Message<'_>, index: usize) -> Option<(usize, &'m [u32])> {
    message
        .parts
        .iter()
        .enumerate()
        .find_map(|(i, p)| match &p.body {
            PartType::Multipart(ids) if ids.iter().any(|&id| id as usize == index) => {
                Some((i, ids.as_slice()))
            }
            _ => None,
        })
}

/// Whether the part at `index` is the whole message: it is the root, or every multipart
/// above it holds it alone.
fn covers_whole(message: &Message<'_>, index: usize) -> bool {
    let mut at = index;
    for _ in 0..64 {
        if at == 0 {
            return true;
        }
        match parent_of(message, at) {
            Some((parent, siblings)) if siblings.len() == 1 => at = parent,
            _ => return false,
        }
    }
    false
}

/// "part 2 (multipart/signed)", numbered as IMAP numbers sections.
fn describe_part(message: &Message<'_>, index: usize) -> String {
    let mut numbers = Vec::new();
    let mut at = index;
    for _ in 0..64 {
        let Some((parent, siblings)) = parent_of(message, at) else {
            break;
        };
        let n = siblings
            .iter()
            .position(|&id| id as usize == at)
            .unwrap_or(0)
            + 1;
        numbers.push(n.to_string());
        at = parent;
    }
    numbers.reverse();
    let kind = message
        .parts
        .get(index)
        .and_then(|p| p.content_type())
        .map(|ct| {
            format!(
                "{}/{}",
                ct.ctype().to_ascii_lowercase(),
                ct.subtype().unwrap_or_default().to_ascii_lowercase()
            )
        })
        .unwrap_or_else(|| "text/plain".into());
    let kind = crate::sanitize::Clean::line(&kind).to_string();
    format!("part {} ({kind})", numbers.join("."))
}

/// The message to show: the outer message's own header fields (who, when, what about) over
/// the entity's content fields and body.
fn compose_display(raw: &[u8], entity: &[u8]) -> Zeroizing<Vec<u8>> {
    let envelope = crate::mime::split::envelope_fields(raw);
    let (content, body) = crate::mime::split::content_of(entity);
    let mut out = Zeroizing::new(Vec::with_capacity(envelope.len() + entity.len() + 2));
    out.extend_from_slice(&envelope);
    for field in content {
        out.extend_from_slice(field);
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_display_message_keeps_the_envelope_and_takes_the_content() {
        let raw = b"From: a@x.test\r\nSubject: Q4\r\nContent-Type: multipart/encrypted;\r\n boundary=b\r\n\r\n--b--";
        let entity = b"Content-Type: text/plain\r\nSubject: inner\r\n\r\nsecret";
        let shown = compose_display(raw, entity);
        assert_eq!(
            shown.as_slice(),
            b"From: a@x.test\r\nSubject: Q4\r\nContent-Type: text/plain\r\n\r\nsecret"
        );
    }

    #[test]
    fn armour_is_found_on_its_own_lines() {
        let text = "hi\n-----BEGIN PGP MESSAGE-----\nabc\n-----END PGP MESSAGE-----\nbye\n";
        let (before, block, after) = armour_block(text, BEGIN_MESSAGE, END_MESSAGE).unwrap();
        assert_eq!(before, "hi\n");
        assert!(block.starts_with(BEGIN_MESSAGE) && block.ends_with("-----END PGP MESSAGE-----\n"));
        assert_eq!(after, "bye\n");
        assert!(
            armour_block("x -----BEGIN PGP MESSAGE-----", BEGIN_MESSAGE, END_MESSAGE).is_none()
        );
    }

    #[test]
    fn parts_are_named_as_imap_numbers_them() {
        let raw = b"Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: text/plain\r\n\r\nplain\r\n--o\r\nContent-Type: multipart/signed; protocol=\"application/pgp-signature\"; boundary=i\r\n\r\n--i\r\nContent-Type: text/plain\r\n\r\nsigned\r\n--i\r\nContent-Type: application/pgp-signature\r\n\r\nsig\r\n--i--\r\n--o--\r\n";
        let message = MessageParser::default().parse(&raw[..]).unwrap();
        let (index, _) = message
            .parts
            .iter()
            .enumerate()
            .find_map(|(i, p)| declared(p).map(|d| (i, d)))
            .unwrap();
        assert!(!covers_whole(&message, index));
        assert_eq!(describe_part(&message, index), "part 2 (multipart/signed)");
    }
}
