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
