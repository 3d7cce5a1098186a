//! The sealed-message envelope (version 2): one small JSON object naming the portal, id, sender,
//! recipients, creation time and GCM nonce, and the AES-256-GCM ciphertext of the inner message
//! carried beside it (its own MIME part), bound by the additional authenticated data to every
//! envelope field. Parsing is strict and total; opening tells "tampered" from "malformed".

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use serde::{Deserialize, Serialize};

use super::fields::{self, b64url, b64url_decode, b64url_decode_exact};
use crate::secret::SecretBytes;

/// The format version this reader writes and opens.
pub const VERSION: u64 = 2;
/// The first version, whose sender no portal vouched for: recognised, never opened.
pub const OBSOLETE_VERSION: u64 = 1;
/// The only algorithm.
pub const ALG: &str = "A256GCM";
/// The media type of the envelope part.
pub const MEDIA_TYPE: &str = "application/vnd.sealed-message+json";
/// The media type of the ciphertext part.
pub const CIPHERTEXT_MEDIA_TYPE: &str = "application/vnd.sealed-message.ciphertext";
/// Length of a content key.
pub const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const AAD_LABEL: &str = "sealed-message/2";

/// Why an envelope could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// The envelope does not follow the format; nothing was decrypted.
    #[error("malformed envelope: {0}")]
    Malformed(String),
    /// The envelope is well formed but authentication failed: it was altered, or the key is
    /// not the one it was sealed with.
    #[error("the sealed message was altered or the key does not match")]
    Tampered,
    /// A version 1 sealed message: no portal vouches for its sender, so it is not opened.
    #[error(
        "this sealed message uses format version 1, whose sender cannot be verified; \
         sealmail does not open it: ask the sender to seal it again"
    )]
    Obsolete,
}

impl EnvelopeError {
    fn malformed(why: impl Into<String>) -> Self {
        Self::Malformed(why.into())
    }
}

/// A 32-byte content key. Zeroized on drop, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct ContentKey(SecretBytes);

impl ContentKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; KEY_LEN];
        rand::fill(&mut bytes[..]);
        Self(SecretBytes::new(bytes))
    }

    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: SecretBytes) -> Result<Self, EnvelopeError> {
        if bytes.len() == KEY_LEN {
            Ok(Self(bytes))
        } else {
            Err(EnvelopeError::malformed("a content key is 32 bytes"))
        }
    }

    /// A key from unpadded base64url, as the API carries it.
    pub fn from_b64url(text: &str) -> Result<Self, EnvelopeError> {
        let bytes = b64url_decode(text)
            .ok_or_else(|| EnvelopeError::malformed("a content key is unpadded base64url"))?;
        Self::from_bytes(SecretBytes::new(bytes))
    }

    /// The key in unpadded base64url, for the one request that registers it.
    pub fn to_b64url(&self) -> crate::secret::SecretString {
        crate::secret::SecretString::new(b64url(self.0.expose()))
    }

    pub fn expose(&self) -> &[u8] {
        self.0.expose()
    }

    fn cipher(&self) -> Aes256Gcm {
        // The constructors above guarantee KEY_LEN bytes, so this cannot fail.
        Aes256Gcm::new(aes_gcm::Key::<Aes256Gcm>::from_slice(self.0.expose()))
    }
}

impl std::fmt::Debug for ContentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ContentKey([redacted])")
    }
}

/// The authenticated metadata of an envelope: everything but the nonce and ciphertext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub portal: String,
    pub id: String,
    pub from: String,
    pub to: Vec<String>,
    pub created: String,
}

impl Header {
    /// Checks every field against the format's rules.
    pub fn validate(&self) -> Result<(), EnvelopeError> {
        fields::check_origin(&self.portal)
            .map_err(|e| EnvelopeError::malformed(format!("portal: {e}")))?;
        if !fields::is_valid_id(&self.id) {
            return Err(EnvelopeError::malformed(
                "id: 128 bits in unpadded base64url (22 characters)",
            ));
        }
        fields::check_address(&self.from)
            .map_err(|e| EnvelopeError::malformed(format!("from: {e}")))?;
        fields::check_recipients(&self.to)
            .map_err(|e| EnvelopeError::malformed(format!("to: {e}")))?;
        fields::check_timestamp(&self.created)
            .map_err(|e| EnvelopeError::malformed(format!("created: {e}")))?;
        Ok(())
    }

    /// The additional authenticated data, exactly as `docs/protocol.md` defines it.
    pub fn aad(&self) -> Result<Vec<u8>, EnvelopeError> {
        let parts = [
            self.portal.as_str(),
            self.id.as_str(),
            self.from.as_str(),
            &self.to.join(","),
            self.created.as_str(),
        ];
        if self.to.iter().any(|a| a.contains(['\n', ','])) || parts.iter().any(|p| p.contains('\n'))
        {
            return Err(EnvelopeError::malformed(
                "a field contains a newline or comma",
            ));
        }
        let mut aad = String::from(AAD_LABEL);
        for part in parts {
            aad.push('\n');
            aad.push_str(part);
        }
        Ok(aad.into_bytes())
    }

    /// True when `address`, normalised ([`fields::normalize_address`]), is a recipient.
    pub fn is_recipient(&self, address: &str) -> bool {
        fields::normalize_address(address).is_ok_and(|a| self.to.contains(&a))
    }
}

/// The envelope disagrees with the portal's record of the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SenderMismatch {
    #[error("the envelope claims the sender {claimed}, but {registered} registered the message")]
    Sender { claimed: String, registered: String },
    #[error("the envelope names other recipients than the portal registered")]
    Recipients,
}

/// A parsed, validated envelope.
#[derive(Clone, PartialEq, Eq)]
pub struct Envelope {
    pub header: Header,
    nonce: [u8; NONCE_LEN],
    ct: Vec<u8>,
}

impl std::fmt::Debug for Envelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Envelope")
            .field("header", &self.header)
            .field("ct_len", &self.ct.len())
            .finish_non_exhaustive()
    }
}

/// The JSON object on the wire. Unknown fields are ignored; duplicates are refused by serde.
#[derive(Serialize, Deserialize)]
struct Wire<'a> {
    v: serde_json::Value,
    #[serde(borrow)]
    portal: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    id: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    from: std::borrow::Cow<'a, str>,
    to: Vec<String>,
    #[serde(borrow)]
    created: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    alg: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    nonce: std::borrow::Cow<'a, str>,
}

/// Only the version, read first so a version 1 envelope is told apart from a broken one.
#[derive(Deserialize)]
struct VersionOnly {
    v: serde_json::Value,
}

/// A version 1 envelope: the version 2 fields and the ciphertext inside, in base64url.
#[derive(Deserialize)]
struct WireV1<'a> {
    #[serde(borrow, flatten)]
    fields: Wire<'a>,
    #[serde(borrow)]
    ct: std::borrow::Cow<'a, str>,
}

/// A version 1 envelope that follows its format is [`EnvelopeError::Obsolete`]; one that does
/// not is malformed like any other.
fn version_1(json: &[u8]) -> EnvelopeError {
    let Ok(wire) = serde_json::from_slice::<WireV1<'_>>(json) else {
        return EnvelopeError::malformed("a broken version 1 envelope");
    };
    let w = wire.fields;
    let header = Header {
        portal: w.portal.into_owned(),
        id: w.id.into_owned(),
        from: w.from.into_owned(),
        to: w.to,
        created: w.created.into_owned(),
    };
    let well_formed = w.alg == ALG
        && header.validate().is_ok()
        && header.aad().is_ok()
        && b64url_decode_exact::<NONCE_LEN>(&w.nonce).is_some()
        && b64url_decode(&wire.ct).is_some_and(|ct| ct.len() >= TAG_LEN);
    if well_formed {
        EnvelopeError::Obsolete
    } else {
        EnvelopeError::malformed("a broken version 1 envelope")
    }
}

impl Envelope {
    /// Parses and validates an envelope: the JSON bytes of the `message.sealed` part and the
    /// decoded bytes of the ciphertext part. Total: any bytes give a value or an error.
    pub fn parse(json: &[u8], ciphertext: Vec<u8>) -> Result<Self, EnvelopeError> {
        if let Ok(version) = serde_json::from_slice::<VersionOnly>(json)
            && version.v.is_u64()
            && version.v.as_u64() == Some(OBSOLETE_VERSION)
        {
            return Err(version_1(json));
        }
        let wire: Wire<'_> = serde_json::from_slice(json)
            .map_err(|e| EnvelopeError::malformed(format!("not an envelope object: {e}")))?;
        if wire.v.as_u64() != Some(VERSION) || !wire.v.is_u64() {
            return Err(EnvelopeError::malformed("v: only version 2 is known"));
        }
        if wire.alg != ALG {
            return Err(EnvelopeError::malformed("alg: only A256GCM is known"));
        }
        let header = Header {
            portal: wire.portal.into_owned(),
            id: wire.id.into_owned(),
            from: wire.from.into_owned(),
            to: wire.to,
            created: wire.created.into_owned(),
        };
        header.validate()?;
        header.aad()?;
        let nonce = b64url_decode_exact::<NONCE_LEN>(&wire.nonce)
            .ok_or_else(|| EnvelopeError::malformed("nonce: 12 bytes in unpadded base64url"))?;
        if ciphertext.len() < TAG_LEN {
            return Err(EnvelopeError::malformed(
                "the ciphertext is shorter than the 16-byte tag",
            ));
        }
        Ok(Self {
            header,
            nonce,
            ct: ciphertext,
        })
    }

    /// Seals `plaintext` (the complete inner RFC 5322 message) under `key`.
    pub fn seal(header: Header, key: &ContentKey, plaintext: &[u8]) -> Result<Self, EnvelopeError> {
        header.validate()?;
        let aad = header.aad()?;
        let nonce: [u8; NONCE_LEN] = rand::random();
        let mut buffer = Vec::with_capacity(plaintext.len() + TAG_LEN);
        buffer.extend_from_slice(plaintext);
        key.cipher()
            .encrypt_in_place(Nonce::from_slice(&nonce), &aad, &mut buffer)
            .map_err(|_| EnvelopeError::malformed("the message is too large to seal"))?;
        Ok(Self {
            header,
            nonce,
            ct: buffer,
        })
    }

    /// Decrypts the inner message. [`EnvelopeError::Tampered`] when authentication fails.
    pub fn open(&self, key: &ContentKey) -> Result<SecretBytes, EnvelopeError> {
        let aad = self.header.aad()?;
        let mut buffer = zeroize::Zeroizing::new(self.ct.clone());
        key.cipher()
            .decrypt_in_place(Nonce::from_slice(&self.nonce), &aad, &mut *buffer)
            .map_err(|_| EnvelopeError::Tampered)?;
        Ok(SecretBytes::from(buffer))
    }

    /// [`Envelope::open`] without copying the ciphertext: decrypts in place, consuming the
    /// envelope (the reader's path for large messages).
    pub fn open_into(self, key: &ContentKey) -> Result<SecretBytes, EnvelopeError> {
        let aad = self.header.aad()?;
        let mut buffer = zeroize::Zeroizing::new(self.ct);
        key.cipher()
            .decrypt_in_place(Nonce::from_slice(&self.nonce), &aad, &mut *buffer)
            .map_err(|_| EnvelopeError::Tampered)?;
        Ok(SecretBytes::from(buffer))
    }

    /// The envelope as its JSON object (fields in the order of the specification); the
    /// ciphertext travels beside it ([`Envelope::ciphertext`]).
    pub fn to_json(&self) -> String {
        let wire = Wire {
            v: serde_json::Value::from(VERSION),
            portal: self.header.portal.as_str().into(),
            id: self.header.id.as_str().into(),
            from: self.header.from.as_str().into(),
            to: self.header.to.clone(),
            created: self.header.created.as_str().into(),
            alg: ALG.into(),
            nonce: b64url(&self.nonce).into(),
        };
        // Serialising strings and a number into a String cannot fail.
        serde_json::to_string(&wire).unwrap_or_default()
    }

    /// Length of the ciphertext including the tag.
    pub fn ciphertext_len(&self) -> usize {
        self.ct.len()
    }

    /// The ciphertext with the GCM tag appended, as the ciphertext part carries it.
    pub fn ciphertext(&self) -> &[u8] {
        &self.ct
    }

    /// Checks the envelope against what the portal says was registered: the sender and the
    /// recipients must be exactly those of the envelope, else the envelope lies about them.
    pub fn check_registered(&self, from: &str, to: &[String]) -> Result<(), SenderMismatch> {
        if self.header.from != from {
            return Err(SenderMismatch::Sender {
                claimed: self.header.from.clone(),
                registered: from.to_owned(),
            });
        }
        if self.header.to != to {
            return Err(SenderMismatch::Recipients);
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            portal: "https://portal.example.com".into(),
            id: "AAECAwQFBgcICQoLDA0ODw".into(),
            from: "sender@example.com".into(),
            to: vec!["a@example.org".into(), "b@example.org".into()],
            created: "2026-11-24T10:00:00Z".into(),
        }
    }

    #[test]
    fn aad_is_exactly_the_spec() {
        assert_eq!(
            String::from_utf8(header().aad().unwrap()).unwrap(),
            "sealed-message/2\nhttps://portal.example.com\nAAECAwQFBgcICQoLDA0ODw\n\
             sender@example.com\na@example.org,b@example.org\n2026-11-24T10:00:00Z"
        );
    }

    /// The test vector of `docs/protocol.md` section 9: the envelope's JSON and the
    /// ciphertext part's bytes (standard base64 here, as MIME carries them).
    pub(crate) const VECTOR_JSON: &str = r#"{"v":2,"portal":"https://portal.example.com","id":"AAECAwQFBgcICQoLDA0ODw","from":"sender@example.com","to":["a@example.org","b@example.org"],"created":"2026-11-24T10:00:00Z","alg":"A256GCM","nonce":"oKGio6Slpqeoqaqr"}"#;
    pub(crate) const VECTOR_CT: &str = "oGoTQH/rcdoMAeKhRx+4vx3cNXW81C0BkQRy6UWLFEG3DiaS3042EzDuY+QpGMOcP3orOA61NBEzOQZU9wXn2tHf8VUQ7YGMmI3yEoLEhN+hZ8SI5bL8G4IQWrrG9T/466omobd881KUW02zRoLEkZi324o=";

    fn vector_ct() -> Vec<u8> {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(VECTOR_CT)
            .unwrap()
    }

    #[test]
    fn opens_the_documented_test_vector() {
        let key = ContentKey::from_b64url("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8").unwrap();
        let envelope = Envelope::parse(VECTOR_JSON.as_bytes(), vector_ct()).unwrap();
        assert_eq!(envelope.header.aad().unwrap().len(), 134);
        assert_eq!(
            envelope.open(&key).unwrap().expose(),
            b"From: sender@example.com\r\nTo: a@example.org, b@example.org\r\nSubject: Hello\r\n\r\nHello, sealed world.\r\n"
        );
        assert_eq!(envelope.to_json(), VECTOR_JSON);
        assert_eq!(
            Envelope::parse(envelope.to_json().as_bytes(), vector_ct()).unwrap(),
            envelope
        );
    }

    /// The test vector of version 1 of the format (ciphertext inside the JSON).
    pub(crate) const V1_VECTOR_JSON: &str = r#"{"v":1,"portal":"https://portal.example.com","id":"AAECAwQFBgcICQoLDA0ODw","from":"sender@example.com","to":["a@example.org","b@example.org"],"created":"2026-11-24T10:00:00Z","alg":"A256GCM","nonce":"oKGio6Slpqeoqaqr","ct":"oGoTQH_rcdoMAeKhRx-4vx3cNXW81C0BkQRy6UWLFEG3DiaS3042EzDuY-QpGMOcP3orOA61NBEzOQZU9wXn2tHf8VUQ7YGMmI3yEoLEhN-hZ8SI5bL8G4IQWrrG9T_466omoUFnsdffFrsqajSwAN-tzEE"}"#;

    /// Version 1 envelopes (ciphertext inside the JSON, no sender vouched for) are recognised
    /// and refused as such, not opened and not called damaged.
    #[test]
    fn version_1_is_refused_as_obsolete() {
        let v1 = V1_VECTOR_JSON;
        assert_eq!(
            Envelope::parse(v1.as_bytes(), vector_ct()),
            Err(EnvelopeError::Obsolete)
        );
        let broken = v1.replace("\"ct\":\"oGoT", "\"ct\":\"!oGoT");
        assert!(matches!(
            Envelope::parse(broken.as_bytes(), Vec::new()),
            Err(EnvelopeError::Malformed(_))
        ));
    }

    #[test]
    fn the_registered_sender_and_recipients_must_match() {
        let envelope = Envelope::parse(VECTOR_JSON.as_bytes(), vector_ct()).unwrap();
        let to = vec!["a@example.org".to_owned(), "b@example.org".to_owned()];
        assert_eq!(envelope.check_registered("sender@example.com", &to), Ok(()));
        assert_eq!(
            envelope.check_registered("mallory@attacker.example", &to),
            Err(SenderMismatch::Sender {
                claimed: "sender@example.com".into(),
                registered: "mallory@attacker.example".into()
            })
        );
        assert_eq!(
            envelope.check_registered("sender@example.com", &to[..1]),
            Err(SenderMismatch::Recipients)
        );
    }

    #[test]
    fn seal_parse_open_round_trip() {
        let key = ContentKey::generate();
        let sealed = Envelope::seal(header(), &key, b"Subject: hi\r\n\r\nbody\r\n").unwrap();
        let parsed =
            Envelope::parse(sealed.to_json().as_bytes(), sealed.ciphertext().to_vec()).unwrap();
        assert_eq!(parsed, sealed);
        assert_eq!(
            parsed.open(&key).unwrap().expose(),
            b"Subject: hi\r\n\r\nbody\r\n"
        );
        assert_eq!(
            parsed.open(&ContentKey::generate()),
            Err(EnvelopeError::Tampered)
        );
    }

    #[test]
    fn every_aad_field_is_bound() {
        let key = ContentKey::generate();
        let sealed = Envelope::seal(header(), &key, b"x").unwrap();
        let edits: [fn(&mut Header); 5] = [
            |h| h.portal = "https://portal.example.net".into(),
            |h| h.id = "AAECAwQFBgcICQoLDA0OEA".into(),
            |h| h.from = "other@example.com".into(),
            |h| h.to = vec!["a@example.org".into()],
            |h| h.created = "2026-11-24T10:00:01Z".into(),
        ];
        for edit in edits {
            let mut altered = sealed.clone();
            edit(&mut altered.header);
            assert_eq!(altered.open(&key), Err(EnvelopeError::Tampered));
        }
        for i in 0..sealed.ct.len() {
            let mut altered = sealed.clone();
            altered.ct[i] ^= 1;
            assert_eq!(altered.open(&key), Err(EnvelopeError::Tampered));
        }
        for i in 0..NONCE_LEN {
            let mut altered = sealed.clone();
            altered.nonce[i] ^= 0x80;
            assert_eq!(altered.open(&key), Err(EnvelopeError::Tampered));
        }
    }

    #[test]
    fn strict_parsing() {
        let key = ContentKey::generate();
        let good: serde_json::Value =
            serde_json::from_str(&Envelope::seal(header(), &key, b"x").unwrap().to_json()).unwrap();
        let mutate = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut v = good.clone();
            f(&mut v);
            Envelope::parse(v.to_string().as_bytes(), vec![0; 16])
        };
        let mut extra = good.clone();
        extra["future"] = "ignored".into();
        assert!(Envelope::parse(extra.to_string().as_bytes(), vec![0; 16]).is_ok());
        assert!(matches!(
            Envelope::parse(good.to_string().as_bytes(), vec![0; 15]),
            Err(EnvelopeError::Malformed(_))
        ));
        type Edit = Box<dyn Fn(&mut serde_json::Value)>;
        let cases: Vec<Edit> = vec![
            Box::new(|v| v["v"] = 3.into()),
            Box::new(|v| v["v"] = "2".into()),
            Box::new(|v| v["v"] = "1".into()),
            Box::new(|v| v["v"] = 2.0.into()),
            Box::new(|v| v["alg"] = "A128GCM".into()),
            Box::new(|v| v["portal"] = "http://portal.example.com".into()),
            Box::new(|v| v["id"] = "short".into()),
            Box::new(|v| v["from"] = "Sender@example.com".into()),
            Box::new(|v| v["to"] = serde_json::json!([])),
            Box::new(|v| v["to"] = serde_json::json!(["b@example.org", "a@example.org"])),
            Box::new(|v| v["to"] = serde_json::json!(["a@example.org", "a@example.org"])),
            Box::new(|v| v["to"] = serde_json::json!(["a,b@example.org"])),
            Box::new(|v| v["created"] = "2026-11-24 10:00:00".into()),
            Box::new(|v| v["nonce"] = "AAAA".into()),
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("nonce");
            }),
        ];
        for case in &cases {
            assert!(
                matches!(mutate(case.as_ref()), Err(EnvelopeError::Malformed(_))),
                "{:?}",
                {
                    let mut v = good.clone();
                    case(&mut v);
                    v
                }
            );
        }
        assert!(matches!(
            Envelope::parse(b"[]", vec![0; 16]),
            Err(EnvelopeError::Malformed(_))
        ));
        let dup = good.to_string().replacen('{', "{\"id\":\"x\",", 1);
        assert!(matches!(
            Envelope::parse(dup.as_bytes(), vec![0; 16]),
            Err(EnvelopeError::Malformed(_))
        ));
    }
}
