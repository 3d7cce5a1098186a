//! Signature checks with a certificate's public key: RSA PKCS#1 v1.5 (SHA-1/224/256/384/512),
//! RSASSA-PSS, ECDSA on P-256 and P-384, for a SignerInfo and for a certificate's issuer.

use der::Encode;
use signature::hazmat::PrehashVerifier;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use super::asn1::PssParams;
use super::hash::Hash;
use super::oids;

/// Why a signature did not check out.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum SigError {
    Bad,
    Unsupported(String),
}

/// The hash a signature algorithm names, if it names one.
fn hash_of(alg: &AlgorithmIdentifierOwned) -> Option<Hash> {
    Some(match alg.oid {
        o if o == oids::SHA1_WITH_RSA || o == oids::ECDSA_SHA1 => Hash::Sha1,
        o if o == oids::SHA224_WITH_RSA || o == oids::ECDSA_SHA224 => Hash::Sha224,
        o if o == oids::SHA256_WITH_RSA || o == oids::ECDSA_SHA256 => Hash::Sha256,
        o if o == oids::SHA384_WITH_RSA || o == oids::ECDSA_SHA384 => Hash::Sha384,
        o if o == oids::SHA512_WITH_RSA || o == oids::ECDSA_SHA512 => Hash::Sha512,
        _ => return None,
    })
}

fn is_rsa(oid: der::oid::ObjectIdentifier) -> bool {
    [
        oids::RSA_ENCRYPTION,
        oids::SHA1_WITH_RSA,
        oids::SHA224_WITH_RSA,
        oids::SHA256_WITH_RSA,
        oids::SHA384_WITH_RSA,
        oids::SHA512_WITH_RSA,
    ]
    .contains(&oid)
}

fn is_ecdsa(oid: der::oid::ObjectIdentifier) -> bool {
    [
        oids::EC_PUBLIC_KEY,
        oids::ECDSA_SHA1,
        oids::ECDSA_SHA224,
        oids::ECDSA_SHA256,
        oids::ECDSA_SHA384,
        oids::ECDSA_SHA512,
    ]
    .contains(&oid)
}

/// Checks `signature` over `message` with the key of `spki`, by algorithm `alg`; `digest`
/// is the SignerInfo's digest algorithm, used when `alg` names none (`rsaEncryption`).
pub(super) fn verify(
    spki: &SubjectPublicKeyInfoOwned,
    alg: &AlgorithmIdentifierOwned,
    digest: Option<Hash>,
    message: &[u8],
    signature: &[u8],
) -> Result<(), SigError> {
    let spki_der = spki.to_der().map_err(|_| SigError::Bad)?;
    if alg.oid == oids::RSASSA_PSS {
        return verify_pss(&spki_der, alg, message, signature);
    }
    let hash = hash_of(alg)
        .or(digest)
        .ok_or_else(|| SigError::Unsupported(format!("signature algorithm {}", alg.oid)))?;
    let hashed = hash.digest(&[message]);
    if is_rsa(alg.oid) {
        use rsa::pkcs8::DecodePublicKey;
        let key = rsa::RsaPublicKey::from_public_key_der(&spki_der)
            .map_err(|_| SigError::Unsupported("an unreadable RSA key".into()))?;
        let scheme = match hash {
            Hash::Sha1 => rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
            Hash::Sha224 => rsa::Pkcs1v15Sign::new::<sha2::Sha224>(),
            Hash::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
            Hash::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
            Hash::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
        };
        return key
            .verify(scheme, &hashed, signature)
            .map_err(|_| SigError::Bad);
    }
    if is_ecdsa(alg.oid) {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<der::oid::ObjectIdentifier>().ok());
        let point = spki.subject_public_key.raw_bytes();
        return match curve {
            Some(c) if c == oids::SECP256R1 => {
                let key =
                    p256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| SigError::Bad)?;
                let sig = p256::ecdsa::Signature::from_der(signature).map_err(|_| SigError::Bad)?;
                key.verify_prehash(&hashed, &sig).map_err(|_| SigError::Bad)
            }
            Some(c) if c == oids::SECP384R1 => {
                let key =
                    p384::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| SigError::Bad)?;
                let sig = p384::ecdsa::Signature::from_der(signature).map_err(|_| SigError::Bad)?;
                key.verify_prehash(&hashed, &sig).map_err(|_| SigError::Bad)
            }
            _ => Err(SigError::Unsupported(
                "an ECDSA key on a curve other than P-256 or P-384".into(),
            )),
        };
    }
    Err(SigError::Unsupported(format!(
        "signature algorithm {}",
        alg.oid
    )))
}

fn verify_pss(
    spki_der: &[u8],
    alg: &AlgorithmIdentifierOwned,
    message: &[u8],
    signature: &[u8],
) -> Result<(), SigError> {
    use rsa::pkcs8::DecodePublicKey;
    let params: PssParams = alg
        .parameters
        .as_ref()
        .ok_or(SigError::Bad)?
        .decode_as()
        .map_err(|_| SigError::Bad)?;
    let hash = match &params.hash {
        Some(h) => Hash::from_oid(h.oid)
            .ok_or_else(|| SigError::Unsupported(format!("PSS hash {}", h.oid)))?,
        None => Hash::Sha1,
    };
    if let Some(mgf) = &params.mgf {
        let inner = mgf
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<AlgorithmIdentifierOwned>().ok());
        if mgf.oid != oids::MGF1 || inner.and_then(|i| Hash::from_oid(i.oid)) != Some(hash) {
            return Err(SigError::Unsupported(
                "PSS with a mask generation hash other than its message hash".into(),
            ));
        }
    }
    let salt = usize::try_from(params.salt_len.unwrap_or(20)).map_err(|_| SigError::Bad)?;
    if salt > 1024 {
        return Err(SigError::Bad);
    }
    let key = rsa::RsaPublicKey::from_public_key_der(spki_der)
        .map_err(|_| SigError::Unsupported("an unreadable RSA key".into()))?;
    let hashed = hash.digest(&[message]);
    let scheme = match hash {
        Hash::Sha1 => rsa::Pss::new_with_salt::<sha1::Sha1>(salt),
        Hash::Sha224 => rsa::Pss::new_with_salt::<sha2::Sha224>(salt),
        Hash::Sha256 => rsa::Pss::new_with_salt::<sha2::Sha256>(salt),
        Hash::Sha384 => rsa::Pss::new_with_salt::<sha2::Sha384>(salt),
        Hash::Sha512 => rsa::Pss::new_with_salt::<sha2::Sha512>(salt),
    };
    key.verify(scheme, &hashed, signature)
        .map_err(|_| SigError::Bad)
}
