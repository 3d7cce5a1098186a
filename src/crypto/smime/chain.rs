//! Certificates: what a signer's certificate says (addresses, key identifier, names), the
//! trust store (PEM files or directories, or the system's bundle), and the path from a
//! signer's certificate through the certificates a message carries to a trust anchor, each
//! link's signature, validity, basic constraints, key usage and extended key usage checked.

use der::Decode;
use x509_cert::Certificate;
use x509_cert::ext::pkix::SubjectKeyIdentifier;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::name::Name;

use super::oids;

/// The value of extension `oid` of `cert`, decoded as `T`, when present and readable.
pub(super) fn extension<T: for<'a> Decode<'a>>(
    cert: &Certificate,
    oid: der::oid::ObjectIdentifier,
) -> Option<(bool, T)> {
    let ext = cert
        .tbs_certificate
        .extensions
        .as_ref()?
        .iter()
        .find(|e| e.extn_id == oid)?;
    T::from_der(ext.extn_value.as_bytes())
        .ok()
        .map(|v| (ext.critical, v))
}

/// The subject key identifier of `cert`.
pub(super) fn subject_key_id(cert: &Certificate) -> Option<Vec<u8>> {
    extension::<SubjectKeyIdentifier>(cert, oids::SUBJECT_KEY_IDENTIFIER)
        .map(|(_, ski)| ski.0.as_bytes().to_vec())
}

/// A name in brief: its common name, else the whole RFC 4514 string.
pub(super) fn short_name(name: &Name) -> String {
    let cn = der::oid::ObjectIdentifier::new_unwrap("2.5.4.3");
    for rdn in name.0.iter() {
        for atv in rdn.0.iter() {
            if atv.oid == cn
                && let Some(text) = any_text(&atv.value)
            {
                return format!("CN={text}");
            }
        }
    }
    name.to_string()
}

fn any_text(value: &der::Any) -> Option<String> {
    if let Ok(s) = value.decode_as::<der::asn1::Utf8StringRef<'_>>() {
        return Some(s.as_str().to_owned());
    }
    if let Ok(s) = value.decode_as::<der::asn1::PrintableStringRef<'_>>() {
        return Some(s.as_str().to_owned());
    }
    if let Ok(s) = value.decode_as::<der::asn1::Ia5StringRef<'_>>() {
        return Some(s.as_str().to_owned());
    }
    None
}

/// The mail addresses of `cert`: its subjectAltName rfc822Names, then the subject's
/// emailAddress attributes, lowercased, without repeats.
pub fn addresses(cert: &Certificate) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if let Some((_, san)) =
        extension::<x509_cert::ext::pkix::SubjectAltName>(cert, oids::SUBJECT_ALT_NAME)
    {
        for name in san.0 {
            if let GeneralName::Rfc822Name(addr) = name {
                out.push(addr.as_str().to_ascii_lowercase());
            }
        }
    }
    for rdn in cert.tbs_certificate.subject.0.iter() {
        for atv in rdn.0.iter() {
            if atv.oid == oids::EMAIL_ADDRESS
                && let Some(text) = any_text(&atv.value)
            {
                out.push(text.to_ascii_lowercase());
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|a| seen.insert(a.clone()));
    out
}

/// The certificates a signature must chain to.
#[derive(Clone, Debug, Default)]
pub struct TrustStore {
    anchors: Vec<Certificate>,
}

/// The system's bundle of roots (Debian and its kin).
pub const SYSTEM_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

impl TrustStore {
    /// The certificates of PEM text (unreadable ones skipped).
    pub fn from_pem(text: &[u8]) -> TrustStore {
        let anchors = super::keys::pem_blocks(text)
            .into_iter()
            .filter_map(|block| der::pem::decode_vec(block).ok())
            .filter(|(label, _)| *label == "CERTIFICATE" || *label == "TRUSTED CERTIFICATE")
            .filter_map(|(_, der)| Certificate::from_der(&der).ok())
            .collect();
        TrustStore { anchors }
    }

    /// The certificates of PEM files, and of the `.pem`/`.crt` files of directories.
    pub fn from_paths(paths: &[std::path::PathBuf]) -> std::io::Result<TrustStore> {
        let mut store = TrustStore::default();
        for path in paths {
            if path.is_dir() {
                let mut files: Vec<_> = std::fs::read_dir(path)?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| {
                        p.extension()
                            .is_some_and(|e| e == "pem" || e == "crt" || e == "cer")
                    })
                    .collect();
                files.sort();
                for file in files {
                    store.add(&std::fs::read(file)?);
                }
            } else {
                store.add(&std::fs::read(path)?);
            }
        }
        Ok(store)
    }

    /// The system's roots ([`SYSTEM_BUNDLE`]), empty where there is no such file.
    pub fn system() -> TrustStore {
        std::fs::read(SYSTEM_BUNDLE)
            .map(|text| TrustStore::from_pem(&text))
            .unwrap_or_default()
    }

    /// Adds the certificates of PEM text.
    pub fn add(&mut self, text: &[u8]) {
        self.anchors.extend(TrustStore::from_pem(text).anchors);
    }

    /// Adds one certificate.
    pub fn add_certificate(&mut self, certificate: Certificate) {
        self.anchors.push(certificate);
    }

    /// The certificates held.
    pub fn anchors(&self) -> &[Certificate] {
        &self.anchors
    }

    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }
}

/// Why a certificate path does not hold, the best first.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum PathError {
    /// Every path to an anchor has a certificate outside its validity at that time.
    Expired,
    /// No path reaches an anchor, or a link breaks a rule (the reason).
    Untrusted(String),
}

/// At most this many certificates between the signer and the anchor.
const MAX_PATH: usize = 8;
/// At most this many signature checks in one path search: certificates that share a name and
/// a key would otherwise make the search try every ordering of them.
const MAX_SIGNATURE_CHECKS: usize = 64;

/// Whether `at` (seconds since 1970) is within `cert`'s validity.
pub(super) fn valid_at(cert: &Certificate, at: u64) -> bool {
    let v = &cert.tbs_certificate.validity;
    v.not_before.to_unix_duration().as_secs() <= at
        && at <= v.not_after.to_unix_duration().as_secs()
}

/// Checks the signer's own certificate: for signing, for email (when it says what it is
/// for), valid at `at`; then a path to an anchor of `trust` through `intermediates`.
pub(super) fn check_signer(
    signer: &Certificate,
    intermediates: &[Certificate],
    trust: &TrustStore,
    at: u64,
) -> Result<(), PathError> {
    use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage, KeyUsages};
    if let Some((_, ku)) = extension::<KeyUsage>(signer, oids::KEY_USAGE)
        && !ku.0.contains(KeyUsages::DigitalSignature)
        && !ku.0.contains(KeyUsages::NonRepudiation)
    {
        return Err(PathError::Untrusted(
            "the certificate is not for signing".into(),
        ));
    }
    if let Some((_, eku)) = extension::<ExtendedKeyUsage>(signer, oids::EXTENDED_KEY_USAGE)
        && !eku
            .0
            .iter()
            .any(|o| *o == oids::EMAIL_PROTECTION || *o == oids::ANY_EXTENDED_KEY_USAGE)
    {
        return Err(PathError::Untrusted(
            "the certificate is not for email".into(),
        ));
    }
    // A certificate the user put in the trust store is trusted as it is.
    if trust.anchors.iter().any(|a| a == signer) {
        return if valid_at(signer, at) {
            Ok(())
        } else {
            Err(PathError::Expired)
        };
    }
    let expired = !valid_at(signer, at);
    let mut budget = MAX_SIGNATURE_CHECKS;
    let result = path_from(
        signer,
        intermediates,
        trust,
        at,
        0,
        &mut Vec::new(),
        &mut budget,
    );
    match result {
        Ok(()) if expired => Err(PathError::Expired),
        other => other,
    }
}

/// A path from `cert` (whose own checks are done) to an anchor: the best outcome of every
/// issuer candidate.
fn path_from(
    cert: &Certificate,
    intermediates: &[Certificate],
    trust: &TrustStore,
    at: u64,
    depth: usize,
    seen: &mut Vec<Vec<u8>>,
    budget: &mut usize,
) -> Result<(), PathError> {
    let issuer_name = &cert.tbs_certificate.issuer;
    let mut best = PathError::Untrusted(format!("no trusted issuer ({})", short_name(issuer_name)));
    if depth > MAX_PATH {
        return Err(best);
    }
    // Anchors first: a path that ends here needs no further checks of the anchor but its
    // signature on `cert` and its validity.
    for anchor in trust
        .anchors
        .iter()
        .filter(|a| &a.tbs_certificate.subject == issuer_name)
    {
        if !signed_by(cert, anchor, budget) {
            continue;
        }
        if valid_at(anchor, at) {
            return Ok(());
        }
        best = best.min(PathError::Expired);
    }
    for issuer in intermediates
        .iter()
        .filter(|c| &c.tbs_certificate.subject == issuer_name)
    {
        let Ok(id) = der::Encode::to_der(&issuer.tbs_certificate) else {
            continue;
        };
        if seen.contains(&id) || !signed_by(cert, issuer, budget) {
            continue;
        }
        if let Err(reason) = may_issue(issuer, depth) {
            best = best.min(PathError::Untrusted(reason));
            continue;
        }
        seen.push(id);
        let above = path_from(issuer, intermediates, trust, at, depth + 1, seen, budget);
        seen.pop();
        let outcome = match above {
            Ok(()) if !valid_at(issuer, at) => Err(PathError::Expired),
            other => other,
        };
        match outcome {
            Ok(()) => return Ok(()),
            Err(e) => best = best.min(e),
        }
    }
    Err(best)
}

/// Whether `issuer` may issue certificates with `below` CA certificates under it.
fn may_issue(issuer: &Certificate, below: usize) -> Result<(), String> {
    use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};
    let name = short_name(&issuer.tbs_certificate.subject);
    match extension::<BasicConstraints>(issuer, oids::BASIC_CONSTRAINTS) {
        Some((_, bc)) if bc.ca => {
            if let Some(len) = bc.path_len_constraint
                && below > usize::from(len)
            {
                return Err(format!("{name} may not issue so long a chain"));
            }
        }
        _ => return Err(format!("{name} is not a certificate authority")),
    }
    if let Some((_, ku)) = extension::<KeyUsage>(issuer, oids::KEY_USAGE)
        && !ku.0.contains(KeyUsages::KeyCertSign)
    {
        return Err(format!("{name} may not sign certificates"));
    }
    Ok(())
}

/// Whether `issuer`'s key signed `cert`, while the budget of checks lasts.
fn signed_by(cert: &Certificate, issuer: &Certificate, budget: &mut usize) -> bool {
    let Some(left) = budget.checked_sub(1) else {
        return false;
    };
    *budget = left;
    let Ok(tbs) = der::Encode::to_der(&cert.tbs_certificate) else {
        return false;
    };
    let Some(signature) = cert.signature.as_bytes() else {
        return false;
    };
    super::sig::verify(
        &issuer.tbs_certificate.subject_public_key_info,
        &cert.signature_algorithm,
        None,
        &tbs,
        signature,
    )
    .is_ok()
}
