//! Verifying `application/pkcs7-mime` signed data (opaque: the content inside) and
//! `multipart/signed` with `application/pkcs7-signature` (detached: the caller passes the exact
//! bytes of the first part as received, with its headers, CRLF line ends). Per signer: its
//! certificate found among those the message carries, the signed attributes (content type,
//! message digest) checked against the content, the signature over them, and a path from the
//! certificate to the trust store; the verdict in a few words a person reads.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::Encode;
use der::asn1::OctetString;
use x509_cert::Certificate;
use zeroize::Zeroizing;

use super::chain::{self, PathError, TrustStore};
use super::hash::Hash;
use super::sig::{self, SigError};
use super::{SmimeError, oids, parse_cms};

/// What one signer's signature comes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignerStatus {
    /// The signature matches the content and the certificate chains to a trust anchor.
    Verified,
    /// The signature matches, but the certificate does not reach a trust anchor (or breaks a
    /// rule on the way: the reason).
    Untrusted(String),
    /// The signature matches, but a certificate was not valid at the time checked.
    Expired,
    /// The signature does not match the content.
    BadSignature,
    /// An algorithm sealmail cannot check (named).
    Unsupported(String),
}

/// Which time the certificates' validity was checked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckedAt {
    /// The signer's signingTime attribute (the signer's own claim).
    SigningTime,
    /// The time of the check: the signature carries no signing time.
    Now,
}

/// One signer, as the pane shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignerVerdict {
    /// The certificate's addresses (subjectAltName rfc822Name, the subject's emailAddress),
    /// lowercased; compare with [`signer_matches`].
    pub addresses: Vec<String>,
    /// The certificate's subject in brief (its common name).
    pub subject: String,
    /// The signingTime attribute, when there is one.
    pub signing_time: Option<SystemTime>,
    pub checked_at: CheckedAt,
    pub status: SignerStatus,
}

/// A verified signed message: the content the signatures cover, and each signer's verdict.
pub struct Verified {
    /// For opaque signed data, the encapsulated content (the inner MIME entity); for a
    /// detached signature, a copy of the content passed in.
    pub content: Zeroizing<Vec<u8>>,
    pub signers: Vec<SignerVerdict>,
}

impl std::fmt::Debug for Verified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verified")
            .field("size", &self.content.len())
            .field("signers", &self.signers)
            .finish()
    }
}

/// Verifies opaque signed data (`application/pkcs7-mime; smime-type=signed-data`).
pub fn verify_opaque(input: &[u8], trust: &TrustStore) -> Result<Verified, SmimeError> {
    verify_opaque_at(input, trust, SystemTime::now())
}

/// Verifies a detached signature (`application/pkcs7-signature`) over `content`, the exact
/// bytes of the signed part (with bare LF line ends, the CRLF form is tried too).
pub fn verify_detached(
    content: &[u8],
    signature: &[u8],
    trust: &TrustStore,
) -> Result<Verified, SmimeError> {
    verify_detached_at(content, signature, trust, SystemTime::now())
}

/// [`verify_opaque`] with `now` as the time when a signature has no signing time.
pub fn verify_opaque_at(
    input: &[u8],
    trust: &TrustStore,
    now: SystemTime,
) -> Result<Verified, SmimeError> {
    let signed = signed_data(input)?;
    let content = match &signed.encap_content_info.econtent {
        Some(any) => {
            let octets: OctetString = any.decode_as().map_err(|_| SmimeError::Corrupt)?;
            Zeroizing::new(octets.into_bytes())
        }
        None => {
            return Err(SmimeError::NotThisKind(
                "opaque signed data (it is detached)",
            ));
        }
    };
    let signers = verdicts(&signed, &content, trust, now)?;
    Ok(Verified { content, signers })
}

/// [`verify_detached`] with `now` as the time when a signature has no signing time.
pub fn verify_detached_at(
    content: &[u8],
    signature: &[u8],
    trust: &TrustStore,
    now: SystemTime,
) -> Result<Verified, SmimeError> {
    let signed = signed_data(signature)?;
    if signed.encap_content_info.econtent.is_some() {
        return Err(SmimeError::NotThisKind(
            "a detached signature (it carries its content)",
        ));
    }
    let signers = verdicts(&signed, content, trust, now)?;
    // Mail stored with bare LF line ends (a Maildir, an mbox) was signed with CRLF: when
    // every signature fails on the bytes as given, they are tried in canonical form.
    if signers
        .iter()
        .all(|s| s.status == SignerStatus::BadSignature)
        && let Some(canonical) = crlf(content)
    {
        let again = verdicts(&signed, &canonical, trust, now)?;
        if again.iter().any(|s| s.status != SignerStatus::BadSignature) {
            return Ok(Verified {
                content: canonical,
                signers: again,
            });
        }
    }
    Ok(Verified {
        content: Zeroizing::new(content.to_vec()),
        signers,
    })
}

/// `content` with every bare LF made CRLF, when it has any.
fn crlf(content: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let bare = content
        .iter()
        .enumerate()
        .any(|(i, b)| *b == b'\n' && (i == 0 || content.get(i - 1) != Some(&b'\r')));
    if !bare {
        return None;
    }
    let mut out = Zeroizing::new(Vec::with_capacity(content.len() + content.len() / 16));
    let mut previous = 0u8;
    for &b in content {
        if b == b'\n' && previous != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        previous = b;
    }
    Some(out)
}

/// Whether `from` (the bare address of `From:`) is one of the signer's `addresses`: the whole
/// address, ignoring ASCII case, nothing less.
pub fn signer_matches(addresses: &[String], from: &str) -> bool {
    let from = from.trim();
    let from = from
        .strip_prefix('<')
        .and_then(|f| f.strip_suffix('>'))
        .unwrap_or(from);
    !from.is_empty() && from.contains('@') && addresses.iter().any(|a| a.eq_ignore_ascii_case(from))
}

fn signed_data(input: &[u8]) -> Result<SignedData, SmimeError> {
    let info: ContentInfo = parse_cms(input)?;
    if info.content_type != oids::SIGNED_DATA {
        return Err(SmimeError::NotThisKind("signed S/MIME"));
    }
    info.content.decode_as().map_err(|_| SmimeError::Corrupt)
}

fn verdicts(
    signed: &SignedData,
    content: &[u8],
    trust: &TrustStore,
    now: SystemTime,
) -> Result<Vec<SignerVerdict>, SmimeError> {
    let certs: Vec<Certificate> = signed
        .certificates
        .as_ref()
        .map(|set| {
            set.0
                .iter()
                .filter_map(|c| match c {
                    CertificateChoices::Certificate(cert) => Some(cert.clone()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let signers: Vec<SignerVerdict> = signed
        .signer_infos
        .0
        .iter()
        .map(|info| {
            verdict(
                info,
                signed.encap_content_info.econtent_type,
                content,
                &certs,
                trust,
                now,
            )
        })
        .collect();
    if signers.is_empty() {
        return Err(SmimeError::Corrupt);
    }
    Ok(signers)
}

fn find_cert<'a>(sid: &SignerIdentifier, certs: &'a [Certificate]) -> Option<&'a Certificate> {
    certs.iter().find(|cert| match sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            ias.issuer == cert.tbs_certificate.issuer
                && ias.serial_number == cert.tbs_certificate.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            chain::subject_key_id(cert).is_some_and(|own| own == ski.0.as_bytes())
        }
    })
}

/// The single value of signed attribute `oid`, when present once.
fn attribute(info: &SignerInfo, oid: der::oid::ObjectIdentifier) -> Option<&der::Any> {
    let attrs = info.signed_attrs.as_ref()?;
    let mut found = attrs.iter().filter(|a| a.oid == oid);
    let attr = found.next()?;
    if found.next().is_some() || attr.values.len() != 1 {
        return None;
    }
    attr.values.iter().next()
}

fn verdict(
    info: &SignerInfo,
    content_type: der::oid::ObjectIdentifier,
    content: &[u8],
    certs: &[Certificate],
    trust: &TrustStore,
    now: SystemTime,
) -> SignerVerdict {
    let signing_time = attribute(info, oids::SIGNING_TIME)
        .and_then(|v| v.to_der().ok())
        .and_then(|d| <x509_cert::time::Time as der::Decode>::from_der(&d).ok())
        .map(|t| UNIX_EPOCH + t.to_unix_duration());
    let checked_at = if signing_time.is_some() {
        CheckedAt::SigningTime
    } else {
        CheckedAt::Now
    };
    let mut out = SignerVerdict {
        addresses: Vec::new(),
        subject: String::new(),
        signing_time,
        checked_at,
        status: SignerStatus::BadSignature,
    };
    let Some(cert) = find_cert(&info.sid, certs) else {
        out.status =
            SignerStatus::Untrusted("the signer's certificate is not in the message".into());
        return out;
    };
    out.addresses = chain::addresses(cert);
    out.subject = chain::short_name(&cert.tbs_certificate.subject);
    out.status = match signature_status(info, content_type, content, cert) {
        Err(status) => status,
        Ok(()) => {
            let at = signing_time
                .unwrap_or(now)
                .duration_since(UNIX_EPOCH)
                .unwrap_or(Duration::ZERO)
                .as_secs();
            match chain::check_signer(cert, certs, trust, at) {
                Ok(()) => SignerStatus::Verified,
                Err(PathError::Expired) => SignerStatus::Expired,
                Err(PathError::Untrusted(why)) => SignerStatus::Untrusted(why),
            }
        }
    };
    out
}

/// Whether the signature covers `content`: Ok, or the status that says why not.
fn signature_status(
    info: &SignerInfo,
    content_type: der::oid::ObjectIdentifier,
    content: &[u8],
    cert: &Certificate,
) -> Result<(), SignerStatus> {
    let hash = Hash::from_oid(info.digest_alg.oid).ok_or_else(|| {
        SignerStatus::Unsupported(format!("digest algorithm {}", info.digest_alg.oid))
    })?;
    let signed_bytes;
    let message: &[u8] = match &info.signed_attrs {
        Some(attrs) => {
            let declared = attribute(info, oids::CONTENT_TYPE)
                .and_then(|v| v.decode_as::<der::oid::ObjectIdentifier>().ok());
            if declared != Some(content_type) {
                return Err(SignerStatus::BadSignature);
            }
            let digest = attribute(info, oids::MESSAGE_DIGEST)
                .and_then(|v| v.decode_as::<OctetString>().ok())
                .ok_or(SignerStatus::BadSignature)?;
            if digest.as_bytes() != hash.digest(&[content]).as_slice() {
                return Err(SignerStatus::BadSignature);
            }
            // The signature is over the DER SET OF, not the [0] IMPLICIT as sent.
            signed_bytes = attrs.to_der().map_err(|_| SignerStatus::BadSignature)?;
            &signed_bytes
        }
        None => content,
    };
    sig::verify(
        &cert.tbs_certificate.subject_public_key_info,
        &info.signature_algorithm,
        Some(hash),
        message,
        info.signature.as_bytes(),
    )
    .map_err(|e| match e {
        SigError::Bad => SignerStatus::BadSignature,
        SigError::Unsupported(what) => SignerStatus::Unsupported(what),
    })
}
