//! ECDH key agreement as CMS uses it (RFC 5753, `dhSinglePass-stdDH-sha*kdf-scheme`, the
//! cofactor variants being the same on P-256 and P-384): the shared secret, the ANSI X9.63
//! KDF over the DER ECC-CMS-SharedInfo, and AES key wrap (RFC 3394) of the content key.

use der::Encode;
use der::asn1::OctetString;
use der::oid::ObjectIdentifier;
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use super::hash::Hash;
use super::keys::PrivateKey;
use super::{SmimeError, oids};

/// ECC-CMS-SharedInfo (RFC 5753 section 7.2).
#[derive(der::Sequence)]
struct EccCmsSharedInfo {
    key_info: AlgorithmIdentifierOwned,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    entity_u_info: Option<OctetString>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT")]
    supp_pub_info: OctetString,
}

/// The hash of an ECDH KDF scheme.
pub(super) fn kdf_hash(scheme: ObjectIdentifier) -> Option<Hash> {
    Some(match scheme {
        o if o == oids::ECDH_SHA1_KDF || o == oids::ECDH_COFACTOR_SHA1_KDF => Hash::Sha1,
        o if o == oids::ECDH_SHA224_KDF || o == oids::ECDH_COFACTOR_SHA224_KDF => Hash::Sha224,
        o if o == oids::ECDH_SHA256_KDF || o == oids::ECDH_COFACTOR_SHA256_KDF => Hash::Sha256,
        o if o == oids::ECDH_SHA384_KDF || o == oids::ECDH_COFACTOR_SHA384_KDF => Hash::Sha384,
        o if o == oids::ECDH_SHA512_KDF || o == oids::ECDH_COFACTOR_SHA512_KDF => Hash::Sha512,
        _ => return None,
    })
}

/// The key-encryption key length of an AES key wrap algorithm.
pub(super) fn wrap_key_len(wrap: ObjectIdentifier) -> Option<usize> {
    Some(match wrap {
        o if o == oids::AES128_WRAP => 16,
        o if o == oids::AES192_WRAP => 24,
        o if o == oids::AES256_WRAP => 32,
        _ => return None,
    })
}

/// The key-encryption key: X9.63 KDF of the shared secret `z` over the SharedInfo.
pub(super) fn kek(
    hash: Hash,
    z: &[u8],
    wrap: &AlgorithmIdentifierOwned,
    ukm: Option<&[u8]>,
) -> Result<Zeroizing<Vec<u8>>, SmimeError> {
    let len = wrap_key_len(wrap.oid)
        .ok_or_else(|| SmimeError::UnsupportedCipher(format!("key wrap {}", wrap.oid)))?;
    let bits = u32::try_from(len * 8).map_err(|_| SmimeError::Corrupt)?;
    let info = EccCmsSharedInfo {
        key_info: wrap.clone(),
        entity_u_info: ukm
            .map(OctetString::new)
            .transpose()
            .map_err(|_| SmimeError::Corrupt)?,
        supp_pub_info: OctetString::new(bits.to_be_bytes().to_vec())
            .map_err(|_| SmimeError::Corrupt)?,
    }
    .to_der()
    .map_err(|_| SmimeError::Corrupt)?;
    let mut out = Zeroizing::new(Vec::with_capacity(len + 64));
    let mut counter = 1u32;
    while out.len() < len {
        let block = Zeroizing::new(hash.digest(&[z, &counter.to_be_bytes(), &info]));
        out.extend_from_slice(&block);
        counter += 1;
    }
    out.truncate(len);
    Ok(out)
}

/// Unwraps the content key with AES key wrap.
pub(super) fn unwrap(kek: &[u8], wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, SmimeError> {
    if wrapped.len() < 24 || !wrapped.len().is_multiple_of(8) {
        return Err(SmimeError::Corrupt);
    }
    let result = match kek.len() {
        16 => aes_kw::KekAes128::try_from(kek).map(|k| k.unwrap_vec(wrapped)),
        24 => aes_kw::KekAes192::try_from(kek).map(|k| k.unwrap_vec(wrapped)),
        32 => aes_kw::KekAes256::try_from(kek).map(|k| k.unwrap_vec(wrapped)),
        _ => return Err(SmimeError::Corrupt),
    };
    match result {
        Ok(Ok(key)) => Ok(Zeroizing::new(key)),
        _ => Err(SmimeError::WrongKey),
    }
}

/// Wraps the content key with AES key wrap.
pub(super) fn wrap(kek: &[u8], key: &[u8]) -> Result<Vec<u8>, SmimeError> {
    let failed = || SmimeError::Produce("AES key wrap failed".into());
    match kek.len() {
        16 => aes_kw::KekAes128::try_from(kek)
            .map_err(|_| failed())?
            .wrap_vec(key),
        24 => aes_kw::KekAes192::try_from(kek)
            .map_err(|_| failed())?
            .wrap_vec(key),
        32 => aes_kw::KekAes256::try_from(kek)
            .map_err(|_| failed())?
            .wrap_vec(key),
        _ => return Err(failed()),
    }
    .map_err(|_| failed())
}

/// The ECDH shared secret of our key and the sender's ephemeral public key (SEC1 point).
pub(super) fn shared_secret(
    key: &PrivateKey,
    point: &[u8],
) -> Result<Zeroizing<Vec<u8>>, SmimeError> {
    match key {
        PrivateKey::P256(secret) => {
            let public =
                p256::PublicKey::from_sec1_bytes(point).map_err(|_| SmimeError::Corrupt)?;
            let shared = p256::ecdh::diffie_hellman(secret.to_nonzero_scalar(), public.as_affine());
            Ok(Zeroizing::new(shared.raw_secret_bytes().to_vec()))
        }
        PrivateKey::P384(secret) => {
            let public =
                p384::PublicKey::from_sec1_bytes(point).map_err(|_| SmimeError::Corrupt)?;
            let shared = p384::ecdh::diffie_hellman(secret.to_nonzero_scalar(), public.as_affine());
            Ok(Zeroizing::new(shared.raw_secret_bytes().to_vec()))
        }
        PrivateKey::Rsa(_) => Err(SmimeError::WrongKey),
    }
}
