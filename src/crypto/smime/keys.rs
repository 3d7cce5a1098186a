//! The user's S/MIME identity: a certificate and its private key, from PEM (one or two files;
//! the key as PKCS#8, encrypted PKCS#8, PKCS#1 or SEC1) or from PKCS#12 (PBES2 with PBKDF2
//! and AES, as OpenSSL 3 writes it; the MAC checked with the passphrase). The key lives in
//! types that wipe it on drop and never print it; the passphrase comes in as a
//! [`SecretString`].

use std::path::Path;

use der::{Decode, Encode};
use hmac::{Hmac, Mac};
use pkcs8::DecodePrivateKey;
use rsa::RsaPrivateKey;
use rsa::pkcs1::DecodeRsaPrivateKey;
use x509_cert::Certificate;
use zeroize::Zeroizing;

use super::{ber, chain, oids};
use crate::secret::SecretString;

/// A private key sealmail can use. Each wipes itself on drop.
pub enum PrivateKey {
    Rsa(Box<RsaPrivateKey>),
    P256(p256::SecretKey),
    P384(p384::SecretKey),
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PrivateKey::Rsa(_) => "PrivateKey::Rsa([redacted])",
            PrivateKey::P256(_) => "PrivateKey::P256([redacted])",
            PrivateKey::P384(_) => "PrivateKey::P384([redacted])",
        })
    }
}

/// The user's certificate, the certificates that came with it, and its private key.
#[derive(Debug)]
pub struct Identity {
    pub certificate: Certificate,
    /// Other certificates of the file (issuers, usually), sent along when signing.
    pub chain: Vec<Certificate>,
    pub(crate) key: PrivateKey,
}

/// Why no identity was loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read {path}: {source}")]
    Unreadable {
        path: String,
        source: std::io::Error,
    },
    #[error("the key is encrypted and no passphrase was given")]
    PassphraseNeeded,
    #[error("the passphrase is wrong")]
    WrongPassphrase,
    #[error("unsupported key or certificate format: {0}")]
    Unsupported(String),
    #[error("no certificate found")]
    NoCertificate,
    #[error("no private key found")]
    NoKey,
    #[error("no certificate in the file(s) belongs to the private key")]
    KeyDoesNotMatch,
}

/// At most this many PBKDF2 or PKCS#12 KDF rounds (OpenSSL writes 2,048; 10,000 is common):
/// a hostile file cannot make loading take hours.
const MAX_ITERATIONS: u64 = 10_000_000;
/// What a PKCS#12 file in the old encryption is told.
const LEGACY: &str = "legacy PKCS#12 encryption (RC2/3DES, as `-legacy` and older tools write); \
re-export it with OpenSSL 3's defaults (PBES2, AES-256)";
/// At most this much memory for an scrypt-protected key.
const MAX_SCRYPT_BYTES: u64 = 256 << 20;

impl Identity {
    /// From the files the user named: a PKCS#12 file (`.p12`, `.pfx`, or DER that is not a
    /// certificate), or PEM with the certificate and the key in one file or in two.
    pub fn from_files(
        certificate: &Path,
        key: Option<&Path>,
        passphrase: Option<&SecretString>,
    ) -> Result<Identity, KeyError> {
        let read = |path: &Path| {
            std::fs::read(path)
                .map(Zeroizing::new)
                .map_err(|source| KeyError::Unreadable {
                    path: path.display().to_string(),
                    source,
                })
        };
        let first = read(certificate)?;
        let is_pem = first.windows(11).any(|w| w == b"-----BEGIN ");
        if !is_pem {
            let empty = SecretString::default();
            return Identity::from_pkcs12(&first, passphrase.unwrap_or(&empty));
        }
        let second = key.map(read).transpose()?;
        let mut all = Zeroizing::new(first.to_vec());
        if let Some(second) = second {
            all.push(b'\n');
            all.extend_from_slice(&second);
        }
        Identity::from_pem(&all, passphrase)
    }

    /// From PEM text holding the certificate(s) and the private key (concatenate the files
    /// when they are two).
    pub fn from_pem(pem: &[u8], passphrase: Option<&SecretString>) -> Result<Identity, KeyError> {
        let mut certs = Vec::new();
        let mut key = None;
        for block in pem_blocks(pem) {
            let (label, der) = der::pem::decode_vec(block).map_err(|_| {
                if block.windows(9).any(|w| w == b"Proc-Type") {
                    KeyError::Unsupported(
                        "an old OpenSSL-encrypted PEM key (convert it: openssl pkcs8 -topk8)"
                            .into(),
                    )
                } else {
                    KeyError::Unsupported("unreadable PEM".into())
                }
            })?;
            let der = Zeroizing::new(der);
            match label {
                "CERTIFICATE" => certs.push(
                    Certificate::from_der(&der)
                        .map_err(|_| KeyError::Unsupported("unreadable certificate".into()))?,
                ),
                "PRIVATE KEY" => key = Some(from_pkcs8(&der)?),
                "ENCRYPTED PRIVATE KEY" => {
                    let passphrase = passphrase.ok_or(KeyError::PassphraseNeeded)?;
                    key = Some(from_encrypted_pkcs8(&der, passphrase)?);
                }
                "RSA PRIVATE KEY" => {
                    key = Some(PrivateKey::Rsa(Box::new(
                        RsaPrivateKey::from_pkcs1_der(&der)
                            .map_err(|_| KeyError::Unsupported("unreadable RSA key".into()))?,
                    )))
                }
                "EC PRIVATE KEY" => key = Some(from_sec1(&der)?),
                _ => {}
            }
        }
        Identity::assemble(certs, key)
    }

    /// From a PKCS#12 (`.p12`, `.pfx`) file.
    pub fn from_pkcs12(der: &[u8], passphrase: &SecretString) -> Result<Identity, KeyError> {
        let (certs, key) = read_pkcs12(der, passphrase)?;
        Identity::assemble(certs, key)
    }

    /// The addresses of the certificate (subjectAltName rfc822Name and the subject's
    /// emailAddress).
    pub fn addresses(&self) -> Vec<String> {
        chain::addresses(&self.certificate)
    }

    fn assemble(certs: Vec<Certificate>, key: Option<PrivateKey>) -> Result<Identity, KeyError> {
        let key = key.ok_or(KeyError::NoKey)?;
        if certs.is_empty() {
            return Err(KeyError::NoCertificate);
        }
        let position = certs
            .iter()
            .position(|c| key_matches(&key, c))
            .ok_or(KeyError::KeyDoesNotMatch)?;
        let mut certs = certs;
        let certificate = certs.remove(position);
        Ok(Identity {
            certificate,
            chain: certs,
            key,
        })
    }
}

/// The `-----BEGIN` … `-----END …-----` blocks of a PEM text.
pub(super) fn pem_blocks(text: &[u8]) -> Vec<&[u8]> {
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = find(rest, b"-----BEGIN ") {
        let Some(from) = rest.get(start..) else { break };
        let Some(end) = find(from, b"-----END ") else {
            break;
        };
        let Some(after) = from.get(end + 9..) else {
            break;
        };
        let Some(close) = find(after, b"-----") else {
            break;
        };
        let total = end + 9 + close + 5;
        if let Some(block) = from.get(..total) {
            blocks.push(block);
        }
        rest = from.get(total..).unwrap_or_default();
    }
    blocks
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn unsupported_key() -> KeyError {
    KeyError::Unsupported("a key that is not RSA, P-256 or P-384".into())
}

pub(crate) fn from_pkcs8(der: &[u8]) -> Result<PrivateKey, KeyError> {
    let info = pkcs8::PrivateKeyInfo::try_from(der)
        .map_err(|_| KeyError::Unsupported("unreadable PKCS#8 key".into()))?;
    if info.algorithm.oid == oids::RSA_ENCRYPTION {
        return RsaPrivateKey::from_pkcs8_der(der)
            .map(|k| PrivateKey::Rsa(Box::new(k)))
            .map_err(|_| KeyError::Unsupported("unreadable RSA key".into()));
    }
    if info.algorithm.oid == oids::EC_PUBLIC_KEY {
        let curve = info.algorithm.parameters_oid().ok();
        if curve == Some(oids::SECP256R1) {
            return p256::SecretKey::from_pkcs8_der(der)
                .map(PrivateKey::P256)
                .map_err(|_| KeyError::Unsupported("unreadable P-256 key".into()));
        }
        if curve == Some(oids::SECP384R1) {
            return p384::SecretKey::from_pkcs8_der(der)
                .map(PrivateKey::P384)
                .map_err(|_| KeyError::Unsupported("unreadable P-384 key".into()));
        }
    }
    Err(unsupported_key())
}

fn from_sec1(der: &[u8]) -> Result<PrivateKey, KeyError> {
    if let Ok(key) = p256::SecretKey::from_sec1_der(der) {
        return Ok(PrivateKey::P256(key));
    }
    if let Ok(key) = p384::SecretKey::from_sec1_der(der) {
        return Ok(PrivateKey::P384(key));
    }
    Err(unsupported_key())
}

/// Refuses password-based encryption that would take unbounded time or memory.
fn check_cost(scheme: &pkcs5::EncryptionScheme<'_>) -> Result<(), KeyError> {
    let Some(params) = scheme.pbes2() else {
        return Err(KeyError::Unsupported(
            "PBES1 key encryption (re-export with PBES2/AES)".into(),
        ));
    };
    if let Some(p) = params.kdf.pbkdf2()
        && u64::from(p.iteration_count) > MAX_ITERATIONS
    {
        return Err(KeyError::Unsupported("too many PBKDF2 iterations".into()));
    }
    if let Some(s) = params.kdf.scrypt() {
        let n = s.cost_parameter;
        let cost = 128u64
            .saturating_mul(n)
            .saturating_mul(u64::from(s.block_size))
            .saturating_mul(u64::from(s.parallelization).max(1));
        if cost > MAX_SCRYPT_BYTES {
            return Err(KeyError::Unsupported("scrypt parameters too costly".into()));
        }
    }
    Ok(())
}

fn from_encrypted_pkcs8(der: &[u8], passphrase: &SecretString) -> Result<PrivateKey, KeyError> {
    let info = pkcs8::EncryptedPrivateKeyInfo::try_from(der).map_err(|_| {
        // PKCS#12's own password-based encryption (3DES, RC2), which pkcs5 does not know.
        let legacy = pkcs12::pbe_params::EncryptedPrivateKeyInfo::from_der(der).is_ok_and(|i| {
            i.encryption_algorithm
                .oid
                .to_string()
                .starts_with("1.2.840.113549.1.12.1.")
        });
        if legacy {
            KeyError::Unsupported(LEGACY.into())
        } else {
            KeyError::Unsupported("unreadable encrypted PKCS#8 key".into())
        }
    })?;
    check_cost(&info.encryption_algorithm)?;
    let plain = info
        .encryption_algorithm
        .decrypt(passphrase.expose(), info.encrypted_data)
        .map(Zeroizing::new)
        .map_err(|e| match e {
            pkcs5::Error::AlgorithmParametersInvalid { .. }
            | pkcs5::Error::UnsupportedAlgorithm { .. } => {
                KeyError::Unsupported("the key's encryption algorithm".into())
            }
            _ => KeyError::WrongPassphrase,
        })?;
    // A wrong passphrase can leave valid padding by chance: then the key does not parse.
    from_pkcs8(&plain).map_err(|_| KeyError::WrongPassphrase)
}

fn key_matches(key: &PrivateKey, cert: &Certificate) -> bool {
    let spki = &cert.tbs_certificate.subject_public_key_info;
    let Ok(spki_der) = spki.to_der() else {
        return false;
    };
    match key {
        PrivateKey::Rsa(k) => {
            use rsa::pkcs8::DecodePublicKey;
            rsa::RsaPublicKey::from_public_key_der(&spki_der)
                .is_ok_and(|public| public == k.to_public_key())
        }
        PrivateKey::P256(k) => {
            use p256::pkcs8::DecodePublicKey;
            p256::PublicKey::from_public_key_der(&spki_der).is_ok_and(|p| p == k.public_key())
        }
        PrivateKey::P384(k) => {
            use p384::pkcs8::DecodePublicKey;
            p384::PublicKey::from_public_key_der(&spki_der).is_ok_and(|p| p == k.public_key())
        }
    }
}

fn pkcs12_corrupt() -> KeyError {
    KeyError::Unsupported("not a readable PKCS#12 file".into())
}

type Pkcs12Contents = (Vec<Certificate>, Option<PrivateKey>);

fn read_pkcs12(input: &[u8], passphrase: &SecretString) -> Result<Pkcs12Contents, KeyError> {
    use pkcs12::pfx::Pfx;
    let normalised;
    let input = if Pfx::from_der(input).is_ok() {
        input
    } else {
        normalised = ber::to_der(input).ok_or_else(pkcs12_corrupt)?;
        &normalised
    };
    let pfx = Pfx::from_der(input).map_err(|_| pkcs12_corrupt())?;
    if pfx.auth_safe.content_type != oids::DATA {
        return Err(KeyError::Unsupported(
            "a public-key protected PKCS#12 file".into(),
        ));
    }
    let safe = pfx
        .auth_safe
        .content
        .decode_as::<der::asn1::OctetString>()
        .map_err(|_| pkcs12_corrupt())?;
    if let Some(mac) = &pfx.mac_data {
        check_mac(mac, safe.as_bytes(), passphrase)?;
    }
    let contents = Vec::<cms::content_info::ContentInfo>::from_der(safe.as_bytes())
        .map_err(|_| pkcs12_corrupt())?;
    let mut certs = Vec::new();
    let mut key = None;
    for info in contents {
        let bags: Zeroizing<Vec<u8>> = if info.content_type == oids::DATA {
            let data = info
                .content
                .decode_as::<der::asn1::OctetString>()
                .map_err(|_| pkcs12_corrupt())?;
            Zeroizing::new(data.as_bytes().to_vec())
        } else if info.content_type == oids::ENCRYPTED_DATA {
            let data = info
                .content
                .decode_as::<cms::encrypted_data::EncryptedData>()
                .map_err(|_| pkcs12_corrupt())?;
            decrypt_pbes2(
                &data.enc_content_info.content_enc_alg,
                data.enc_content_info
                    .encrypted_content
                    .as_ref()
                    .map(|c| c.as_bytes())
                    .unwrap_or_default(),
                passphrase,
            )?
        } else {
            continue;
        };
        let bags =
            Vec::<pkcs12::safe_bag::SafeBag>::from_der(&bags).map_err(|_| pkcs12_corrupt())?;
        for bag in bags {
            let value = der::asn1::ContextSpecific::<der::Any>::from_der(&bag.bag_value)
                .map_err(|_| pkcs12_corrupt())?
                .value
                .to_der()
                .map(Zeroizing::new)
                .map_err(|_| pkcs12_corrupt())?;
            if bag.bag_id == oids::CERT_BAG {
                let cert_bag =
                    pkcs12::cert_type::CertBag::from_der(&value).map_err(|_| pkcs12_corrupt())?;
                if cert_bag.cert_id == oids::X509_CERTIFICATE {
                    certs.push(
                        Certificate::from_der(cert_bag.cert_value.as_bytes())
                            .map_err(|_| pkcs12_corrupt())?,
                    );
                }
            } else if bag.bag_id == oids::PKCS8_SHROUDED_KEY_BAG {
                key = Some(from_encrypted_pkcs8(&value, passphrase)?);
            } else if bag.bag_id == oids::KEY_BAG {
                key = Some(from_pkcs8(&value)?);
            }
        }
    }
    Ok((certs, key))
}

/// The PKCS#12 MAC, keyed from the passphrase (RFC 7292 appendix B): a mismatch is a wrong
/// passphrase.
fn check_mac(
    mac: &pkcs12::mac_data::MacData,
    data: &[u8],
    passphrase: &SecretString,
) -> Result<(), KeyError> {
    use pkcs12::kdf::{Pkcs12KeyType, derive_key_utf8};
    if !(1..=MAX_ITERATIONS as i32).contains(&mac.iterations) {
        return Err(KeyError::Unsupported("PKCS#12 MAC iterations".into()));
    }
    let salt = mac.mac_salt.as_bytes();
    let expected = mac.mac.digest.as_bytes();
    let pass = passphrase.expose();
    let bad = |_| KeyError::WrongPassphrase;
    macro_rules! check {
        ($digest:ty, $len:expr) => {{
            let key = Zeroizing::new(
                derive_key_utf8::<$digest>(pass, salt, Pkcs12KeyType::Mac, mac.iterations, $len)
                    .map_err(|_| KeyError::WrongPassphrase)?,
            );
            let mut hmac = <Hmac<$digest>>::new_from_slice(&key).map_err(|_| pkcs12_corrupt())?;
            hmac.update(data);
            hmac.verify_slice(expected).map_err(bad)
        }};
    }
    let oid = mac.mac.algorithm.oid;
    if oid == oids::SHA256 {
        check!(sha2::Sha256, 32)
    } else if oid == oids::SHA1 {
        check!(sha1::Sha1, 20)
    } else if oid == oids::SHA384 {
        check!(sha2::Sha384, 48)
    } else if oid == oids::SHA512 {
        check!(sha2::Sha512, 64)
    } else {
        Err(KeyError::Unsupported(format!("PKCS#12 MAC digest {oid}")))
    }
}

fn decrypt_pbes2(
    alg: &spki::AlgorithmIdentifierOwned,
    ciphertext: &[u8],
    passphrase: &SecretString,
) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    if alg.oid != oids::PBES2 {
        return Err(KeyError::Unsupported(LEGACY.into()));
    }
    let params = alg
        .parameters
        .as_ref()
        .and_then(|p| p.to_der().ok())
        .ok_or_else(pkcs12_corrupt)?;
    let params = pkcs5::pbes2::Parameters::from_der(&params).map_err(|_| pkcs12_corrupt())?;
    let scheme = pkcs5::EncryptionScheme::from(params);
    check_cost(&scheme)?;
    scheme
        .decrypt(passphrase.expose(), ciphertext)
        .map(Zeroizing::new)
        .map_err(|_| KeyError::WrongPassphrase)
}
