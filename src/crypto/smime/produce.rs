//! S/MIME made for outgoing mail: [`encrypt`] (enveloped data with AES-256-CBC, or
//! authenticated-enveloped data with AES-256-GCM; RSA recipients by PKCS#1 v1.5 key
//! transport, which every S/MIME client reads, P-256/P-384 recipients by ECDH with the
//! SHA-256 KDF and AES key wrap) and [`sign`] (SHA-256, signed attributes content type,
//! message digest and signing time; opaque or detached). Content keys and the signing key
//! stay in zeroizing memory; the output is DER for the caller to put in a MIME part.

use std::time::SystemTime;

use aes_gcm::aead::AeadInPlace;
use aes_gcm::aead::generic_array::GenericArray;
use cbc::cipher::{BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::enveloped_data::{
    EncryptedContentInfo, KeyTransRecipientInfo, OriginatorIdentifierOrKey, OriginatorPublicKey,
    RecipientIdentifier,
};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{BitString, OctetString, SetOfVec, UtcTime};
use der::{Any, Decode, Encode, Tag};
use rand_core::{OsRng, RngCore};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use zeroize::Zeroizing;

use super::asn1::{
    AuthEnvelopedData, EnvelopedData, GcmParameters, KeyAgreeRecipientIdentifier,
    KeyAgreeRecipientInfo, RecipientEncryptedKey,
};
use super::hash::Hash;
use super::keys::{Identity, PrivateKey};
use super::{ContentCipher, SmimeError, chain, ecdh, oids};

fn failed(what: &str) -> SmimeError {
    SmimeError::Produce(what.into())
}

fn alg(oid: der::oid::ObjectIdentifier, parameters: Option<Any>) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned { oid, parameters }
}

fn random(len: usize) -> Zeroizing<Vec<u8>> {
    let mut bytes = Zeroizing::new(vec![0u8; len]);
    OsRng.fill_bytes(&mut bytes);
    bytes
}

/// Encrypts `content` (the inner MIME entity) to every certificate of `recipients` (the
/// sender's own among them, to read it later) with `cipher` (AES-256-CBC or AES-256-GCM);
/// the DER ContentInfo for an `application/pkcs7-mime` part (`smime-type=enveloped-data`, or
/// `authEnveloped-data` for GCM).
pub fn encrypt(
    recipients: &[Certificate],
    content: &[u8],
    cipher: ContentCipher,
) -> Result<Vec<u8>, SmimeError> {
    if recipients.is_empty() {
        return Err(failed("no recipient certificate"));
    }
    let key = random(cipher.key_len());
    let mut infos = Vec::new();
    let mut all_v0 = true;
    for cert in recipients {
        let (info, v0) = recipient_info(cert, &key)?;
        all_v0 &= v0;
        infos.push(info);
    }
    // A DER SET OF is in the order of its members' encodings.
    infos.sort();
    let set = Any::new(Tag::Set, infos.concat()).map_err(|_| failed("recipient infos"))?;
    let (content_type, body) = match cipher {
        ContentCipher::Aes128Cbc | ContentCipher::Aes192Cbc | ContentCipher::Aes256Cbc => {
            let iv = random(16);
            let ciphertext = cbc_encrypt(cipher, &key, &iv, content)?;
            let data = EnvelopedData {
                version: if all_v0 {
                    CmsVersion::V0
                } else {
                    CmsVersion::V2
                },
                originator_info: None,
                recip_infos: set,
                encrypted_content: EncryptedContentInfo {
                    content_type: oids::DATA,
                    content_enc_alg: alg(
                        cipher_oid(cipher),
                        Some(
                            Any::encode_from(
                                &OctetString::new(iv.to_vec()).map_err(|_| failed("IV"))?,
                            )
                            .map_err(|_| failed("IV"))?,
                        ),
                    ),
                    encrypted_content: Some(
                        OctetString::new(ciphertext).map_err(|_| failed("content"))?,
                    ),
                },
                unprotected_attrs: None,
            };
            (oids::ENVELOPED_DATA, data.to_der())
        }
        _ => {
            let nonce = random(12);
            let (ciphertext, tag) = gcm_encrypt(cipher, &key, &nonce, content)?;
            let params = GcmParameters {
                nonce: OctetString::new(nonce.to_vec()).map_err(|_| failed("nonce"))?,
                icv_len: 16,
            };
            let data = AuthEnvelopedData {
                version: CmsVersion::V0,
                originator_info: None,
                recip_infos: set,
                auth_encrypted_content: EncryptedContentInfo {
                    content_type: oids::DATA,
                    content_enc_alg: alg(
                        cipher_oid(cipher),
                        Some(Any::encode_from(&params).map_err(|_| failed("GCM parameters"))?),
                    ),
                    encrypted_content: Some(
                        OctetString::new(ciphertext).map_err(|_| failed("content"))?,
                    ),
                },
                auth_attrs: None,
                mac: OctetString::new(tag).map_err(|_| failed("tag"))?,
                unauth_attrs: None,
            };
            (oids::AUTH_ENVELOPED_DATA, data.to_der())
        }
    };
    let body = body.map_err(|_| failed("encoding"))?;
    ContentInfo {
        content_type,
        content: Any::from_der(&body).map_err(|_| failed("encoding"))?,
    }
    .to_der()
    .map_err(|_| failed("encoding"))
}

fn cipher_oid(cipher: ContentCipher) -> der::oid::ObjectIdentifier {
    match cipher {
        ContentCipher::Aes128Cbc => oids::AES128_CBC,
        ContentCipher::Aes192Cbc => oids::AES192_CBC,
        ContentCipher::Aes256Cbc => oids::AES256_CBC,
        ContentCipher::Aes128Gcm => oids::AES128_GCM,
        ContentCipher::Aes192Gcm => oids::AES192_GCM,
        ContentCipher::Aes256Gcm => oids::AES256_GCM,
    }
}

fn cbc_encrypt(
    cipher: ContentCipher,
    key: &[u8],
    iv: &[u8],
    content: &[u8],
) -> Result<Vec<u8>, SmimeError> {
    let bad = |_| failed("cipher");
    Ok(match cipher {
        ContentCipher::Aes128Cbc => cbc::Encryptor::<aes::Aes128>::new_from_slices(key, iv)
            .map_err(bad)?
            .encrypt_padded_vec_mut::<Pkcs7>(content),
        ContentCipher::Aes192Cbc => cbc::Encryptor::<aes::Aes192>::new_from_slices(key, iv)
            .map_err(bad)?
            .encrypt_padded_vec_mut::<Pkcs7>(content),
        ContentCipher::Aes256Cbc => cbc::Encryptor::<aes::Aes256>::new_from_slices(key, iv)
            .map_err(bad)?
            .encrypt_padded_vec_mut::<Pkcs7>(content),
        _ => return Err(failed("cipher")),
    })
}

fn gcm_encrypt(
    cipher: ContentCipher,
    key: &[u8],
    nonce: &[u8],
    content: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), SmimeError> {
    use aes_gcm::KeyInit;
    let mut buffer = content.to_vec();
    let nonce = GenericArray::from_slice(nonce);
    let tag = match cipher {
        ContentCipher::Aes128Gcm => aes_gcm::Aes128Gcm::new_from_slice(key)
            .map_err(|_| failed("cipher"))?
            .encrypt_in_place_detached(nonce, b"", &mut buffer),
        ContentCipher::Aes192Gcm => {
            aes_gcm::AesGcm::<aes::Aes192, aes_gcm::aead::consts::U12>::new_from_slice(key)
                .map_err(|_| failed("cipher"))?
                .encrypt_in_place_detached(nonce, b"", &mut buffer)
        }
        ContentCipher::Aes256Gcm => aes_gcm::Aes256Gcm::new_from_slice(key)
            .map_err(|_| failed("cipher"))?
            .encrypt_in_place_detached(nonce, b"", &mut buffer),
        _ => return Err(failed("cipher")),
    }
    .map_err(|_| failed("cipher"))?;
    Ok((buffer, tag.to_vec()))
}

fn issuer_and_serial(cert: &Certificate) -> IssuerAndSerialNumber {
    IssuerAndSerialNumber {
        issuer: cert.tbs_certificate.issuer.clone(),
        serial_number: cert.tbs_certificate.serial_number.clone(),
    }
}

/// The DER RecipientInfo for `cert`, and whether it is a version 0 one (key transport).
fn recipient_info(cert: &Certificate, key: &[u8]) -> Result<(Vec<u8>, bool), SmimeError> {
    let spki = &cert.tbs_certificate.subject_public_key_info;
    let who = chain::short_name(&cert.tbs_certificate.subject);
    let spki_der = spki.to_der().map_err(|_| failed("recipient key"))?;
    if spki.algorithm.oid == oids::RSA_ENCRYPTION {
        use rsa::pkcs8::DecodePublicKey;
        let public = rsa::RsaPublicKey::from_public_key_der(&spki_der)
            .map_err(|_| SmimeError::Produce(format!("{who}: unreadable RSA key")))?;
        let wrapped = public
            .encrypt(&mut OsRng, rsa::Pkcs1v15Encrypt, key)
            .map_err(|_| failed("RSA key transport"))?;
        let info = KeyTransRecipientInfo {
            version: CmsVersion::V0,
            rid: RecipientIdentifier::IssuerAndSerialNumber(issuer_and_serial(cert)),
            key_enc_alg: alg(oids::RSA_ENCRYPTION, Some(Any::null())),
            enc_key: OctetString::new(wrapped).map_err(|_| failed("key"))?,
        };
        return Ok((info.to_der().map_err(|_| failed("encoding"))?, true));
    }
    if spki.algorithm.oid == oids::EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<der::oid::ObjectIdentifier>().ok());
        let point = spki.subject_public_key.raw_bytes();
        let (ephemeral, z): (Vec<u8>, Zeroizing<Vec<u8>>) = match curve {
            Some(c) if c == oids::SECP256R1 => {
                let public = p256::PublicKey::from_sec1_bytes(point)
                    .map_err(|_| SmimeError::Produce(format!("{who}: unreadable P-256 key")))?;
                let secret = p256::ecdh::EphemeralSecret::random(&mut OsRng);
                let shared = secret.diffie_hellman(&public);
                (
                    p256::EncodedPoint::from(secret.public_key())
                        .as_bytes()
                        .to_vec(),
                    Zeroizing::new(shared.raw_secret_bytes().to_vec()),
                )
            }
            Some(c) if c == oids::SECP384R1 => {
                let public = p384::PublicKey::from_sec1_bytes(point)
                    .map_err(|_| SmimeError::Produce(format!("{who}: unreadable P-384 key")))?;
                let secret = p384::ecdh::EphemeralSecret::random(&mut OsRng);
                let shared = secret.diffie_hellman(&public);
                (
                    p384::EncodedPoint::from(secret.public_key())
                        .as_bytes()
                        .to_vec(),
                    Zeroizing::new(shared.raw_secret_bytes().to_vec()),
                )
            }
            _ => {
                return Err(SmimeError::Produce(format!(
                    "{who} has an EC key on a curve sealmail cannot encrypt to (only P-256, P-384)"
                )));
            }
        };
        let wrap_oid = match key.len() {
            16 => oids::AES128_WRAP,
            24 => oids::AES192_WRAP,
            _ => oids::AES256_WRAP,
        };
        let wrap_alg = alg(wrap_oid, None);
        let kek = ecdh::kek(Hash::Sha256, &z, &wrap_alg, None)?;
        let wrapped = ecdh::wrap(&kek, key)?;
        let info = KeyAgreeRecipientInfo {
            version: CmsVersion::V3,
            originator: OriginatorIdentifierOrKey::OriginatorKey(OriginatorPublicKey {
                algorithm: alg(oids::EC_PUBLIC_KEY, None),
                public_key: BitString::from_bytes(&ephemeral).map_err(|_| failed("key"))?,
            }),
            ukm: None,
            key_enc_alg: alg(
                oids::ECDH_SHA256_KDF,
                Some(Any::encode_from(&wrap_alg).map_err(|_| failed("encoding"))?),
            ),
            recipient_enc_keys: vec![RecipientEncryptedKey {
                rid: KeyAgreeRecipientIdentifier::IssuerAndSerialNumber(issuer_and_serial(cert)),
                enc_key: OctetString::new(wrapped).map_err(|_| failed("key"))?,
            }],
        };
        // RecipientInfo's kari is [1] IMPLICIT: the SEQUENCE's contents under tag [1].
        let sequence = info.to_der().map_err(|_| failed("encoding"))?;
        let inner = Any::from_der(&sequence).map_err(|_| failed("encoding"))?;
        let tagged = Any::new(
            Tag::ContextSpecific {
                constructed: true,
                number: der::TagNumber::N1,
            },
            inner.value(),
        )
        .and_then(|a| a.to_der())
        .map_err(|_| failed("encoding"))?;
        return Ok((tagged, false));
    }
    Err(SmimeError::Produce(format!(
        "{who} has a key sealmail cannot encrypt to (only RSA, P-256, P-384)"
    )))
}

/// Signs `content` (the exact bytes of the entity to sign, CRLF line ends) with `identity`:
/// SHA-256, signed attributes content type, message digest and signing time, the identity's
/// certificate and chain included. `detached`: a signature for `multipart/signed`
/// (`application/pkcs7-signature`); else opaque signed data (`application/pkcs7-mime;
/// smime-type=signed-data`) that carries `content`.
pub fn sign(identity: &Identity, content: &[u8], detached: bool) -> Result<Vec<u8>, SmimeError> {
    let hash = Hash::Sha256;
    let digest = hash.digest(&[content]);
    let attribute = |oid, value: Any| -> Result<Attribute, SmimeError> {
        Ok(Attribute {
            oid,
            values: SetOfVec::try_from(vec![value]).map_err(|_| failed("attribute"))?,
        })
    };
    let now = UtcTime::from_system_time(SystemTime::now()).map_err(|_| failed("signing time"))?;
    let attrs = SetOfVec::try_from(vec![
        attribute(
            oids::CONTENT_TYPE,
            Any::encode_from(&oids::DATA).map_err(|_| failed("attribute"))?,
        )?,
        attribute(
            oids::SIGNING_TIME,
            Any::encode_from(&now).map_err(|_| failed("attribute"))?,
        )?,
        attribute(
            oids::MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(digest).map_err(|_| failed("attribute"))?)
                .map_err(|_| failed("attribute"))?,
        )?,
    ])
    .map_err(|_| failed("attributes"))?;
    let signed_bytes = attrs.to_der().map_err(|_| failed("attributes"))?;
    let to_sign = hash.digest(&[&signed_bytes]);
    let (signature_algorithm, signature) = match &identity.key {
        PrivateKey::Rsa(key) => (
            alg(oids::SHA256_WITH_RSA, Some(Any::null())),
            key.sign(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &to_sign)
                .map_err(|_| failed("RSA signature"))?,
        ),
        PrivateKey::P256(key) => {
            use signature::hazmat::PrehashSigner;
            let signer = p256::ecdsa::SigningKey::from(key);
            let sig: p256::ecdsa::Signature = signer
                .sign_prehash(&to_sign)
                .map_err(|_| failed("ECDSA signature"))?;
            (
                alg(oids::ECDSA_SHA256, None),
                sig.to_der().as_bytes().to_vec(),
            )
        }
        PrivateKey::P384(key) => {
            use signature::hazmat::PrehashSigner;
            let signer = p384::ecdsa::SigningKey::from(key);
            let sig: p384::ecdsa::Signature = signer
                .sign_prehash(&to_sign)
                .map_err(|_| failed("ECDSA signature"))?;
            (
                alg(oids::ECDSA_SHA256, None),
                sig.to_der().as_bytes().to_vec(),
            )
        }
    };
    let signer = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(issuer_and_serial(&identity.certificate)),
        digest_alg: alg(hash.oid(), None),
        signed_attrs: Some(attrs),
        signature_algorithm,
        signature: OctetString::new(signature).map_err(|_| failed("signature"))?,
        unsigned_attrs: None,
    };
    let certs: Vec<CertificateChoices> = std::iter::once(&identity.certificate)
        .chain(identity.chain.iter())
        .map(|c| CertificateChoices::Certificate(c.clone()))
        .collect();
    let econtent = if detached {
        None
    } else {
        Some(
            Any::encode_from(&OctetString::new(content.to_vec()).map_err(|_| failed("content"))?)
                .map_err(|_| failed("content"))?,
        )
    };
    let data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![alg(hash.oid(), None)])
            .map_err(|_| failed("digest algorithms"))?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: oids::DATA,
            econtent,
        },
        certificates: Some(CertificateSet(
            SetOfVec::try_from(certs).map_err(|_| failed("certificates"))?,
        )),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer]).map_err(|_| failed("signer"))?),
    };
    let body = data.to_der().map_err(|_| failed("encoding"))?;
    ContentInfo {
        content_type: oids::SIGNED_DATA,
        content: Any::from_der(&body).map_err(|_| failed("encoding"))?,
    }
    .to_der()
    .map_err(|_| failed("encoding"))
}
