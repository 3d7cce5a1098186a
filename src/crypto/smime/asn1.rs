//! CMS structures `cms` 0.2 lacks or reads wrongly: AuthEnvelopedData (RFC 5083, absent from
//! it), EnvelopedData with its recipient infos kept raw so that each is read on its own, and
//! a KeyAgreeRecipientInfo whose `rKeyId` is read as the constructed value it is (`cms` 0.2.3
//! expects it primitive, so `openssl cms -encrypt -keyid` to an EC certificate would not
//! parse). Also the GCM, OAEP and PSS parameters.

use cms::cert::IssuerAndSerialNumber;
use cms::content_info::CmsVersion;
use cms::enveloped_data::{
    EncryptedContentInfo, OriginatorIdentifierOrKey, OriginatorInfo, RecipientKeyIdentifier,
};
use der::asn1::OctetString;
use der::{Any, Decode, Encode, Reader, SliceReader, Tag, Tagged};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attributes;

/// EnvelopedData (RFC 5652 section 6.1), the recipient infos as the raw SET.
#[derive(Clone, Debug, der::Sequence)]
pub(super) struct EnvelopedData {
    pub version: CmsVersion,
    #[asn1(
        context_specific = "0",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    pub originator_info: Option<OriginatorInfo>,
    pub recip_infos: Any,
    pub encrypted_content: EncryptedContentInfo,
    #[asn1(
        context_specific = "1",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    pub unprotected_attrs: Option<Attributes>,
}

/// AuthEnvelopedData (RFC 5083).
#[derive(Clone, Debug, der::Sequence)]
pub(super) struct AuthEnvelopedData {
    pub version: CmsVersion,
    #[asn1(
        context_specific = "0",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    pub originator_info: Option<OriginatorInfo>,
    pub recip_infos: Any,
    pub auth_encrypted_content: EncryptedContentInfo,
    #[asn1(
        context_specific = "1",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    pub auth_attrs: Option<Attributes>,
    pub mac: OctetString,
    #[asn1(
        context_specific = "2",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    pub unauth_attrs: Option<Attributes>,
}

/// KeyAgreeRecipientInfo (RFC 5652 section 6.2.2), read from the `[1]` of a RecipientInfo.
#[derive(Clone, Debug, der::Sequence)]
pub(super) struct KeyAgreeRecipientInfo {
    pub version: CmsVersion,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    pub originator: OriginatorIdentifierOrKey,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub ukm: Option<OctetString>,
    pub key_enc_alg: AlgorithmIdentifierOwned,
    pub recipient_enc_keys: Vec<RecipientEncryptedKey>,
}

#[derive(Clone, Debug, der::Sequence)]
pub(super) struct RecipientEncryptedKey {
    pub rid: KeyAgreeRecipientIdentifier,
    pub enc_key: OctetString,
}

#[derive(Clone, Debug, der::Choice)]
pub(super) enum KeyAgreeRecipientIdentifier {
    IssuerAndSerialNumber(IssuerAndSerialNumber),
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", constructed = "true")]
    RKeyId(RecipientKeyIdentifier),
}

/// One recipient info, as far as sealmail reads them.
pub(super) enum Recipient {
    KeyTrans(cms::enveloped_data::KeyTransRecipientInfo),
    KeyAgree(KeyAgreeRecipientInfo),
    Other,
}

/// The members of the RecipientInfos SET.
pub(super) fn recipients(set: &Any) -> der::Result<Vec<Recipient>> {
    if set.tag() != Tag::Set {
        return Err(der::ErrorKind::TagUnexpected {
            expected: Some(Tag::Set),
            actual: set.tag(),
        }
        .into());
    }
    let mut reader = SliceReader::new(set.value())?;
    let mut out = Vec::new();
    while !reader.is_finished() {
        let member: Any = reader.decode()?;
        let tag = member.tag();
        out.push(if tag == Tag::Sequence {
            Recipient::KeyTrans(member.decode_as()?)
        } else if tag.is_context_specific() && tag.is_constructed() && tag.number().value() == 1 {
            let body = Any::new(Tag::Sequence, member.value())?.to_der()?;
            Recipient::KeyAgree(KeyAgreeRecipientInfo::from_der(&body)?)
        } else {
            Recipient::Other
        });
    }
    Ok(out)
}

/// GCMParameters (RFC 5084); the tag length is 12 when absent.
#[derive(Clone, Debug, der::Sequence)]
pub(super) struct GcmParameters {
    pub nonce: OctetString,
    #[asn1(default = "default_icv_len")]
    pub icv_len: u8,
}

fn default_icv_len() -> u8 {
    12
}

/// RSAES-OAEP-params (RFC 8017); absent fields are SHA-1, MGF1 with SHA-1, an empty label.
#[derive(Clone, Debug, Default, der::Sequence)]
pub(super) struct OaepParams {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub hash: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub mgf: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    pub label: Option<AlgorithmIdentifierOwned>,
}
/// RSASSA-PSS-params (RFC 8017); absent fields are SHA-1, MGF1 with SHA-1, a 20-byte salt.
#[derive(Clone, Debug, der::Sequence)]
pub(super) struct PssParams {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub hash: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub mgf: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    pub salt_len: Option<u32>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    pub trailer: Option<u32>,
}
