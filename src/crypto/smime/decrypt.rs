//! Opening `application/pkcs7-mime` enveloped data (AES-CBC, RFC 5652) and authenticated-
//! enveloped data (AES-GCM, RFC 5083/5084) with the user's key: the content key from a
//! KeyTransRecipientInfo (RSA PKCS#1 v1.5 or RSAES-OAEP) or a KeyAgreeRecipientInfo (ECDH
//! P-256/P-384, ephemeral-static), matched by issuer and serial or by subject key identifier.
//! The plaintext is returned in zeroizing memory only when it decrypted whole; what failed is
//! said without detail an attacker could use.

use aes_gcm::aead::AeadInPlace;
use aes_gcm::aead::generic_array::GenericArray;
use cbc::cipher::{BlockDecryptMut, KeyIvInit, block_padding::Pkcs7};
use cms::content_info::ContentInfo;
use cms::enveloped_data::{KeyTransRecipientInfo, OriginatorIdentifierOrKey, RecipientIdentifier};
use der::Encode;
use der::asn1::OctetString;
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use zeroize::Zeroizing;

use super::asn1::{
    AuthEnvelopedData, EnvelopedData, GcmParameters, KeyAgreeRecipientIdentifier,
    KeyAgreeRecipientInfo, OaepParams, Recipient,
};
use super::hash::Hash;
use super::keys::{Identity, PrivateKey};
use super::{ContentCipher, Decrypted, SmimeError, chain, ecdh, oids, parse_cms};

/// Decrypts enveloped or authenticated-enveloped data (DER or BER) for `identity`.
pub fn decrypt(identity: &Identity, input: &[u8]) -> Result<Decrypted, SmimeError> {
    let info: ContentInfo = parse_cms(input)?;
    if info.content_type == oids::ENVELOPED_DATA {
        let data: EnvelopedData = info.content.decode_as().map_err(|_| SmimeError::Corrupt)?;
        let (cipher, iv) = content_cipher(&data.encrypted_content.content_enc_alg)?;
        let key = content_key(identity, &data.recip_infos, cipher)?;
        let ciphertext = data
            .encrypted_content
            .encrypted_content
            .as_ref()
            .ok_or(SmimeError::Corrupt)?
            .as_bytes();
        let plaintext = cbc_decrypt(cipher, &key, &iv, ciphertext)?;
        Ok(Decrypted {
            plaintext,
            integrity: cipher.integrity(),
            cipher,
        })
    } else if info.content_type == oids::AUTH_ENVELOPED_DATA {
        let data: AuthEnvelopedData = info.content.decode_as().map_err(|_| SmimeError::Corrupt)?;
        let alg = &data.auth_encrypted_content.content_enc_alg;
        let (cipher, _) = content_cipher(alg)?;
        let params: GcmParameters = alg
            .parameters
            .as_ref()
            .ok_or(SmimeError::Corrupt)?
            .decode_as()
            .map_err(|_| SmimeError::Corrupt)?;
        let key = content_key(identity, &data.recip_infos, cipher)?;
        let ciphertext = data
            .auth_encrypted_content
            .encrypted_content
            .as_ref()
            .ok_or(SmimeError::Corrupt)?
            .as_bytes();
        let aad = match &data.auth_attrs {
            Some(attrs) => attrs.to_der().map_err(|_| SmimeError::Corrupt)?,
            None => Vec::new(),
        };
        let plaintext = gcm_decrypt(cipher, &key, &params, &aad, ciphertext, data.mac.as_bytes())?;
        Ok(Decrypted {
            plaintext,
            integrity: cipher.integrity(),
            cipher,
        })
    } else {
        Err(SmimeError::NotThisKind("encrypted S/MIME"))
    }
}

/// The content cipher and, for CBC, its IV.
fn content_cipher(alg: &AlgorithmIdentifierOwned) -> Result<(ContentCipher, Vec<u8>), SmimeError> {
    let cipher = match alg.oid {
        o if o == oids::AES128_CBC => ContentCipher::Aes128Cbc,
        o if o == oids::AES192_CBC => ContentCipher::Aes192Cbc,
        o if o == oids::AES256_CBC => ContentCipher::Aes256Cbc,
        o if o == oids::AES128_GCM => return Ok((ContentCipher::Aes128Gcm, Vec::new())),
        o if o == oids::AES192_GCM => return Ok((ContentCipher::Aes192Gcm, Vec::new())),
        o if o == oids::AES256_GCM => return Ok((ContentCipher::Aes256Gcm, Vec::new())),
        o => return Err(SmimeError::UnsupportedCipher(cipher_name(o))),
    };
    let iv: OctetString = alg
        .parameters
        .as_ref()
        .ok_or(SmimeError::Corrupt)?
        .decode_as()
        .map_err(|_| SmimeError::Corrupt)?;
    if iv.as_bytes().len() != 16 {
        return Err(SmimeError::Corrupt);
    }
    Ok((cipher, iv.as_bytes().to_vec()))
}

fn cipher_name(oid: der::oid::ObjectIdentifier) -> String {
    match oid {
        o if o == oids::DES_EDE3_CBC => "3DES (DES-EDE3-CBC)".into(),
        o if o == oids::RC2_CBC => "RC2-CBC".into(),
        o if o == oids::DES_CBC => "DES-CBC".into(),
        o => format!("content cipher {o}"),
    }
}

fn cbc_decrypt(
    cipher: ContentCipher,
    key: &[u8],
    iv: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, SmimeError> {
    if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(16) {
        return Err(SmimeError::Corrupt);
    }
    let mut buffer = Zeroizing::new(ciphertext.to_vec());
    let len = match cipher {
        ContentCipher::Aes128Cbc => cbc::Decryptor::<aes::Aes128>::new_from_slices(key, iv)
            .map_err(|_| SmimeError::WrongKey)?
            .decrypt_padded_mut::<Pkcs7>(&mut buffer)
            .map(|p| p.len()),
        ContentCipher::Aes192Cbc => cbc::Decryptor::<aes::Aes192>::new_from_slices(key, iv)
            .map_err(|_| SmimeError::WrongKey)?
            .decrypt_padded_mut::<Pkcs7>(&mut buffer)
            .map(|p| p.len()),
        ContentCipher::Aes256Cbc => cbc::Decryptor::<aes::Aes256>::new_from_slices(key, iv)
            .map_err(|_| SmimeError::WrongKey)?
            .decrypt_padded_mut::<Pkcs7>(&mut buffer)
            .map(|p| p.len()),
        _ => return Err(SmimeError::Corrupt),
    }
    .map_err(|_| SmimeError::Tampered)?;
    buffer.truncate(len);
    Ok(buffer)
}

fn gcm_decrypt(
    cipher: ContentCipher,
    key: &[u8],
    params: &GcmParameters,
    aad: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
) -> Result<Zeroizing<Vec<u8>>, SmimeError> {
    use aes_gcm::aead::consts::{U12, U16};
    use aes_gcm::{AesGcm, KeyInit};
    let nonce = params.nonce.as_bytes();
    if nonce.len() != 12 {
        return Err(SmimeError::UnsupportedCipher(
            "AES-GCM with a nonce that is not 96 bits".into(),
        ));
    }
    if usize::from(params.icv_len) != tag.len() {
        return Err(SmimeError::Tampered);
    }
    let nonce = GenericArray::from_slice(nonce);
    let mut buffer = Zeroizing::new(ciphertext.to_vec());
    macro_rules! open {
        ($aes:ty, $tag:ty) => {{
            let tag_len = <$tag as aes_gcm::aead::generic_array::typenum::Unsigned>::USIZE;
            if tag.len() != tag_len {
                return Err(SmimeError::Tampered);
            }
            AesGcm::<$aes, U12, $tag>::new_from_slice(key)
                .map_err(|_| SmimeError::WrongKey)?
                .decrypt_in_place_detached(
                    nonce,
                    aad,
                    &mut buffer[..],
                    GenericArray::from_slice(tag),
                )
        }};
    }
    let result = match (cipher, tag.len()) {
        (ContentCipher::Aes128Gcm, 16) => open!(aes::Aes128, U16),
        (ContentCipher::Aes192Gcm, 16) => open!(aes::Aes192, U16),
        (ContentCipher::Aes256Gcm, 16) => open!(aes::Aes256, U16),
        (ContentCipher::Aes128Gcm, 12) => open!(aes::Aes128, U12),
        (ContentCipher::Aes192Gcm, 12) => open!(aes::Aes192, U12),
        (ContentCipher::Aes256Gcm, 12) => open!(aes::Aes256, U12),
        _ => {
            return Err(SmimeError::UnsupportedCipher(format!(
                "AES-GCM with a {}-byte tag",
                tag.len()
            )));
        }
    };
    result.map_err(|_| SmimeError::Tampered)?;
    Ok(buffer)
}

/// The content key from the recipient info meant for `identity`.
fn content_key(
    identity: &Identity,
    infos: &der::Any,
    cipher: ContentCipher,
) -> Result<Zeroizing<Vec<u8>>, SmimeError> {
    let infos = super::asn1::recipients(infos).map_err(|_| SmimeError::Corrupt)?;
    let mut others = Vec::new();
    let mut failure = None;
    for info in &infos {
        let attempt = match info {
            Recipient::KeyTrans(ktri) => {
                if rid_matches(&ktri.rid, &identity.certificate) {
                    Some(key_transport(&identity.key, ktri))
                } else {
                    others.push(rid_name(&ktri.rid));
                    None
                }
            }
            Recipient::KeyAgree(kari) => key_agreement(identity, kari, &mut others),
            Recipient::Other => {
                others.push("a password or pre-shared key".into());
                None
            }
        };
        match attempt {
            Some(Ok(key)) if key.len() == cipher.key_len() => return Ok(key),
            Some(Ok(_)) => failure = Some(SmimeError::WrongKey),
            Some(Err(e)) => failure = Some(e),
            None => {}
        }
    }
    if let Some(e) = failure {
        return Err(e);
    }
    others.truncate(3);
    Err(SmimeError::NoMatchingRecipient(if others.is_empty() {
        "no recipient is named".into()
    } else {
        others.join("; ")
    }))
}

fn rid_matches(rid: &RecipientIdentifier, cert: &Certificate) -> bool {
    match rid {
        RecipientIdentifier::IssuerAndSerialNumber(ias) => {
            ias.issuer == cert.tbs_certificate.issuer
                && ias.serial_number == cert.tbs_certificate.serial_number
        }
        RecipientIdentifier::SubjectKeyIdentifier(ski) => {
            chain::subject_key_id(cert).is_some_and(|own| own == ski.0.as_bytes())
        }
    }
}

fn rid_name(rid: &RecipientIdentifier) -> String {
    match rid {
        RecipientIdentifier::IssuerAndSerialNumber(ias) => format!(
            "serial {} from {}",
            hex(ias.serial_number.as_bytes()),
            chain::short_name(&ias.issuer)
        ),
        RecipientIdentifier::SubjectKeyIdentifier(ski) => {
            format!("key id {}", hex(ski.0.as_bytes()))
        }
    }
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .take(20)
        .map(|b| format!("{b:02X}"))
        .collect::<String>()
}

fn key_transport(
    key: &PrivateKey,
    ktri: &KeyTransRecipientInfo,
) -> Result<Zeroizing<Vec<u8>>, SmimeError> {
    let PrivateKey::Rsa(rsa_key) = key else {
        return Err(SmimeError::WrongKey);
    };
    let wrapped = ktri.enc_key.as_bytes();
    let alg = &ktri.key_enc_alg;
    let result = if alg.oid == oids::RSA_ENCRYPTION {
        rsa_key.decrypt(rsa::Pkcs1v15Encrypt, wrapped)
    } else if alg.oid == oids::RSAES_OAEP {
        let params: OaepParams = match &alg.parameters {
            Some(p) => p.decode_as().map_err(|_| SmimeError::Corrupt)?,
            None => OaepParams::default(),
        };
        rsa_key.decrypt(oaep(&params)?, wrapped)
    } else {
        return Err(SmimeError::UnsupportedCipher(format!(
            "key transport {}",
            alg.oid
        )));
    };
    result.map(Zeroizing::new).map_err(|_| SmimeError::WrongKey)
}

/// The rsa crate's OAEP padding for the message's parameters.
pub(super) fn oaep(params: &OaepParams) -> Result<rsa::Oaep, SmimeError> {
    let hash = match &params.hash {
        Some(alg) => Hash::from_oid(alg.oid)
            .ok_or_else(|| SmimeError::UnsupportedCipher(format!("OAEP hash {}", alg.oid)))?,
        None => Hash::Sha1,
    };
    let mgf_hash = match &params.mgf {
        None => Hash::Sha1,
        Some(mgf) if mgf.oid == oids::MGF1 => {
            let inner: AlgorithmIdentifierOwned = mgf
                .parameters
                .as_ref()
                .ok_or(SmimeError::Corrupt)?
                .decode_as()
                .map_err(|_| SmimeError::Corrupt)?;
            Hash::from_oid(inner.oid).ok_or_else(|| {
                SmimeError::UnsupportedCipher(format!("OAEP MGF1 hash {}", inner.oid))
            })?
        }
        Some(mgf) => {
            return Err(SmimeError::UnsupportedCipher(format!(
                "OAEP mask generation {}",
                mgf.oid
            )));
        }
    };
    if let Some(label) = &params.label {
        let empty = label.oid == oids::P_SPECIFIED
            && label
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<OctetString>().ok())
                .is_none_or(|l| l.as_bytes().is_empty());
        if !empty {
            return Err(SmimeError::UnsupportedCipher("OAEP with a label".into()));
        }
    }
    use sha1::Sha1;
    use sha2::{Sha224, Sha256, Sha384, Sha512};
    Ok(match (hash, mgf_hash) {
        (Hash::Sha1, Hash::Sha1) => rsa::Oaep::new::<Sha1>(),
        (Hash::Sha224, Hash::Sha224) => rsa::Oaep::new::<Sha224>(),
        (Hash::Sha256, Hash::Sha256) => rsa::Oaep::new::<Sha256>(),
        (Hash::Sha384, Hash::Sha384) => rsa::Oaep::new::<Sha384>(),
        (Hash::Sha512, Hash::Sha512) => rsa::Oaep::new::<Sha512>(),
        (Hash::Sha224, Hash::Sha1) => rsa::Oaep::new_with_mgf_hash::<Sha224, Sha1>(),
        (Hash::Sha256, Hash::Sha1) => rsa::Oaep::new_with_mgf_hash::<Sha256, Sha1>(),
        (Hash::Sha384, Hash::Sha1) => rsa::Oaep::new_with_mgf_hash::<Sha384, Sha1>(),
        (Hash::Sha512, Hash::Sha1) => rsa::Oaep::new_with_mgf_hash::<Sha512, Sha1>(),
        (h, m) => {
            return Err(SmimeError::UnsupportedCipher(format!(
                "OAEP with {} and MGF1 with {}",
                h.name(),
                m.name()
            )));
        }
    })
}

/// The content key from a key-agreement recipient info, when one of its recipients is us;
/// `None` (the names pushed to `others`) when none is.
fn key_agreement(
    identity: &Identity,
    kari: &KeyAgreeRecipientInfo,
    others: &mut Vec<String>,
) -> Option<Result<Zeroizing<Vec<u8>>, SmimeError>> {
    let cert = &identity.certificate;
    let ours = kari.recipient_enc_keys.iter().find(|rek| match &rek.rid {
        KeyAgreeRecipientIdentifier::IssuerAndSerialNumber(ias) => {
            ias.issuer == cert.tbs_certificate.issuer
                && ias.serial_number == cert.tbs_certificate.serial_number
        }
        KeyAgreeRecipientIdentifier::RKeyId(rkid) => chain::subject_key_id(cert)
            .is_some_and(|own| own == rkid.subject_key_identifier.0.as_bytes()),
    });
    let Some(ours) = ours else {
        others.extend(kari.recipient_enc_keys.iter().map(|rek| match &rek.rid {
            KeyAgreeRecipientIdentifier::IssuerAndSerialNumber(ias) => {
                rid_name(&RecipientIdentifier::IssuerAndSerialNumber(ias.clone()))
            }
            KeyAgreeRecipientIdentifier::RKeyId(rkid) => {
                format!("key id {}", hex(rkid.subject_key_identifier.0.as_bytes()))
            }
        }));
        return None;
    };
    Some(agree_and_unwrap(identity, kari, ours.enc_key.as_bytes()))
}

fn agree_and_unwrap(
    identity: &Identity,
    kari: &KeyAgreeRecipientInfo,
    wrapped: &[u8],
) -> Result<Zeroizing<Vec<u8>>, SmimeError> {
    let OriginatorIdentifierOrKey::OriginatorKey(originator) = &kari.originator else {
        return Err(SmimeError::UnsupportedCipher(
            "key agreement with a static sender key".into(),
        ));
    };
    let point = originator
        .public_key
        .as_bytes()
        .ok_or(SmimeError::Corrupt)?;
    let hash = ecdh::kdf_hash(kari.key_enc_alg.oid).ok_or_else(|| {
        SmimeError::UnsupportedCipher(format!("key agreement {}", kari.key_enc_alg.oid))
    })?;
    let wrap: AlgorithmIdentifierOwned = kari
        .key_enc_alg
        .parameters
        .as_ref()
        .ok_or(SmimeError::Corrupt)?
        .decode_as()
        .map_err(|_| SmimeError::Corrupt)?;
    let z = ecdh::shared_secret(&identity.key, point)?;
    let ukm = kari.ukm.as_ref().map(|u| u.as_bytes());
    let kek = ecdh::kek(hash, &z, &wrap, ukm)?;
    ecdh::unwrap(&kek, wrapped)
}
