//! The master key and what is derived from it: wrapping content keys at rest (AES-256-GCM; in
//! version 2 the registered sender is in the AAD and the recipients are wrapped with the key,
//! so a record cannot be answered with another message's sender) and keyed fingerprints (HMAC-SHA-256) of addresses and passcodes, so
//! the database holds neither in a form that can be read or brute-forced without the key.

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::secret::{SecretBytes, SecretString};

const NONCE_LEN: usize = 12;

/// How long a master key command may run (a KMS call over the network, not more).
pub const KEY_COMMAND_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);

/// The portal's master key (32 bytes), or a ring of them for a rotation: the first wraps, every
/// one unwraps (AES-GCM's tag tells which), and the fingerprint key (HMAC for addresses,
/// passcodes, requesters, nonces) stays the one derived from the original key, so that every
/// fingerprint in the database keeps matching. Only derived keys are used directly.
#[derive(Clone)]
pub struct MasterKey {
    wrap: Aes256Gcm,
    /// Earlier keys, newest first: they only unwrap.
    older: Vec<Aes256Gcm>,
    mac_key: Zeroizing<[u8; 32]>,
}

/// The prefix of a key ring line that holds the fingerprint key itself (see
/// [`MasterKey::fingerprint_line`]).
const FINGERPRINT_PREFIX: &str = "fingerprint:";

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey([redacted])")
    }
}

impl MasterKey {
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        if bytes.len() != 32 {
            return Err("the master key must be 32 bytes (base64 of 32 random bytes)".into());
        }
        let wrap_key = derive(bytes, b"sealed-portal/1 wrap");
        let mac_key = derive(bytes, b"sealed-portal/1 mac");
        Ok(Self {
            wrap: Aes256Gcm::new(aes_gcm::Key::<Aes256Gcm>::from_slice(&*wrap_key)),
            older: Vec::new(),
            mac_key,
        })
    }

    /// A key ring: base64 keys, one a line, the current first, then earlier ones; optionally
    /// a `fingerprint:BASE64` line ([`MasterKey::fingerprint_line`] of the original key).
    /// Without it, fingerprints use the last key's (the original's). Blank lines and `#`
    /// comments are skipped. One key alone is the plain master key.
    pub fn from_ring(text: &SecretString) -> Result<Self, String> {
        let mut keys: Vec<Self> = Vec::new();
        let mut fingerprint: Option<Zeroizing<[u8; 32]>> = None;
        for line in text.expose().lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match line.strip_prefix(FINGERPRINT_PREFIX) {
                Some(b64) => {
                    let bytes = decode_key(b64)?;
                    let mut key = Zeroizing::new([0u8; 32]);
                    key.copy_from_slice(&bytes);
                    fingerprint = Some(key);
                }
                None => keys.push(Self::from_bytes(&decode_key(line)?)?),
            }
        }
        let mac_key = match (fingerprint, keys.last()) {
            (Some(key), _) => key,
            (None, Some(original)) => original.mac_key.clone(),
            (None, None) => return Err("the master key is empty".into()),
        };
        let mut keys = keys.into_iter();
        let current = keys
            .next()
            .ok_or("a key ring needs a current key before its fingerprint line")?;
        Ok(Self {
            wrap: current.wrap,
            older: keys.map(|k| k.wrap).collect(),
            mac_key,
        })
    }

    /// The fingerprint key as a key ring line, `fingerprint:BASE64`: what a ring keeps of the
    /// original key once that key is retired (it fingerprints; it wraps and unwraps nothing).
    pub fn fingerprint_line(&self) -> SecretString {
        SecretString::new(format!(
            "{FINGERPRINT_PREFIX}{}",
            STANDARD.encode(*self.mac_key)
        ))
    }

    /// Whether `wrapped` was wrapped under the current key (nothing to re-wrap).
    pub fn is_current(&self, aad: &[u8], wrapped: &[u8]) -> bool {
        open_with(&self.wrap, aad, wrapped).is_some()
    }

    /// The AAD of a version 2 record ([`MasterKey::wrap_record`]).
    pub fn record_aad(id: &str, sender: &str) -> Vec<u8> {
        record_aad(id, sender)
    }

    /// From base64 text (standard alphabet, padding optional, surrounding whitespace ignored).
    /// One key, or a key ring ([`MasterKey::from_ring`]).
    pub fn from_base64(text: &SecretString) -> Result<Self, String> {
        Self::from_ring(text)
    }

    pub fn from_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the master key file {}: {e}", path.display()))?;
        Self::from_ring(&SecretString::new(text))
    }

    /// From what a command prints (a key management service's or secret store's client):
    /// `sh -c COMMAND`, whose standard output is the key in base64. It must finish within
    /// [`KEY_COMMAND_LIMIT`]; its output is never quoted in an error.
    pub fn from_command(command: &str) -> Result<Self, String> {
        use std::io::Read as _;
        let mut child = std::process::Command::new("sh")
            .arg("-c")
            .arg(command)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot run the master key command: {e}"))?;
        let deadline = std::time::Instant::now() + KEY_COMMAND_LIMIT;
        let status = crate::process::wait_until(&mut child, deadline, |_| {}).ok_or_else(|| {
            format!(
                "the master key command did not finish within {} s",
                KEY_COMMAND_LIMIT.as_secs()
            )
        })?;
        let mut out = Zeroizing::new(Vec::new());
        if let Some(mut stdout) = child.stdout.take() {
            stdout
                .read_to_end(&mut out)
                .map_err(|e| format!("cannot read the master key command's output: {e}"))?;
        }
        if !status.success() {
            return Err(format!("the master key command failed ({status})"));
        }
        let text = String::from_utf8(out.to_vec())
            .map_err(|_| "the master key command printed no text".to_string())?;
        Self::from_base64(&SecretString::new(text))
    }

    /// A fresh random key (for embedding and tests); returns it with its base64 text.
    pub fn generate() -> (Self, SecretString) {
        let bytes = Zeroizing::new(rand::random::<[u8; 32]>());
        let text = SecretString::new(STANDARD.encode(*bytes));
        // 32 bytes is exactly what from_bytes requires.
        let key = Self::from_bytes(&*bytes).unwrap_or_else(|_| unreachable!());
        (key, text)
    }

    /// Wraps a content key for storage: nonce || ciphertext || tag, bound to `id`.
    pub fn wrap(&self, id: &str, key: &[u8]) -> Vec<u8> {
        let nonce: [u8; NONCE_LEN] = rand::random();
        let mut out = nonce.to_vec();
        // Encrypting 32 bytes cannot exceed AES-GCM's length limit.
        let ct = self
            .wrap
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: key,
                    aad: id.as_bytes(),
                },
            )
            .unwrap_or_default();
        out.extend_from_slice(&ct);
        out
    }

    /// Unwraps a stored content key; `None` when it was not wrapped for `id` under a key of
    /// this ring.
    pub fn unwrap(&self, id: &str, wrapped: &[u8]) -> Option<SecretBytes> {
        self.unwrap_with(id.as_bytes(), wrapped)
    }

    /// Wraps a content key with what the portal vouches for: the plaintext is the key followed
    /// by the recipients (each on its own line), the AAD names the version, the id and the
    /// sender. A record moved to another id or sender, or with other recipients, does not open.
    pub fn wrap_record(&self, id: &str, sender: &str, to: &[String], key: &[u8]) -> Vec<u8> {
        let mut plain = Zeroizing::new(key.to_vec());
        for address in to {
            plain.push(b'\n');
            plain.extend_from_slice(address.as_bytes());
        }
        self.wrap_with(&record_aad(id, sender), &plain)
    }

    /// Opens a version 2 record: the content key and the registered recipients.
    pub fn unwrap_record(&self, id: &str, sender: &str, wrapped: &[u8]) -> Option<Record> {
        let plain = self.unwrap_with(&record_aad(id, sender), wrapped)?;
        let bytes = plain.expose();
        let key = bytes.get(..32)?;
        let rest = bytes.get(32..)?;
        let to: Vec<String> = rest
            .split(|&b| b == b'\n')
            .skip(1)
            .map(|a| String::from_utf8(a.to_vec()).ok())
            .collect::<Option<_>>()?;
        if to.is_empty() || rest.first().is_some_and(|&b| b != b'\n') {
            return None;
        }
        Some(Record {
            key: SecretBytes::new(key.to_vec()),
            to,
        })
    }

    fn wrap_with(&self, aad: &[u8], plain: &[u8]) -> Vec<u8> {
        let nonce: [u8; NONCE_LEN] = rand::random();
        let mut out = nonce.to_vec();
        // A key and a recipient list are far below AES-GCM's length limit.
        let ct = self
            .wrap
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad })
            .unwrap_or_default();
        out.extend_from_slice(&ct);
        out
    }

    fn unwrap_with(&self, aad: &[u8], wrapped: &[u8]) -> Option<SecretBytes> {
        std::iter::once(&self.wrap)
            .chain(&self.older)
            .find_map(|key| open_with(key, aad, wrapped))
    }

    /// A keyed fingerprint of `parts` under a purpose label (HMAC-SHA-256; parts are
    /// length-prefixed so no two inputs collide).
    pub fn mac(&self, label: &str, parts: &[&[u8]]) -> [u8; 32] {
        let mut message = Zeroizing::new(Vec::with_capacity(64));
        for part in std::iter::once(label.as_bytes()).chain(parts.iter().copied()) {
            message.extend_from_slice(&(part.len() as u64).to_be_bytes());
            message.extend_from_slice(part);
        }
        hmac_sha256(&*self.mac_key, &message)
    }

    /// Fingerprint of a (lowercase) address.
    pub fn address_mac(&self, address: &str) -> [u8; 32] {
        self.mac("address", &[address.as_bytes()])
    }

    /// Fingerprint of a passcode for one message and address.
    pub fn passcode_mac(&self, id: &str, address: &str, code: &str) -> [u8; 32] {
        self.mac(
            "passcode",
            &[id.as_bytes(), address.as_bytes(), code.as_bytes()],
        )
    }
}

/// A version 2 key record, opened.
pub struct Record {
    pub key: SecretBytes,
    /// The registered recipients, as registered (lowercase, sorted, unique).
    pub to: Vec<String>,
}

fn record_aad(id: &str, sender: &str) -> Vec<u8> {
    format!("sealed-portal/2 record\n{id}\n{sender}").into_bytes()
}

/// SHA-256 of a high-entropy token (sessions): enough to look it up, useless to an attacker.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn open_with(key: &Aes256Gcm, aad: &[u8], wrapped: &[u8]) -> Option<SecretBytes> {
    if wrapped.len() < NONCE_LEN + 16 {
        return None;
    }
    let (nonce, ct) = wrapped.split_at(NONCE_LEN);
    key.decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad })
        .ok()
        .map(SecretBytes::new)
}

/// 32 bytes from base64 (standard alphabet, padding optional).
fn decode_key(text: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    let bytes = Zeroizing::new(
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(text.trim().trim_end_matches('='))
            .map_err(|_| "the master key is not base64".to_string())?,
    );
    if bytes.len() != 32 {
        return Err("the master key must be 32 bytes (base64 of 32 random bytes)".into());
    }
    Ok(bytes)
}

fn derive(master: &[u8], label: &[u8]) -> Zeroizing<[u8; 32]> {
    Zeroizing::new(hmac_sha256(master, label))
}

/// HMAC-SHA-256 (RFC 2104) for a key of at most one block.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = Zeroizing::new([0u8; 64]);
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| {
        let mut padded = Zeroizing::new([0u8; 64]);
        for (p, k) in padded.iter_mut().zip(block.iter()) {
            *p = k ^ byte;
        }
        padded
    };
    let (ipad, opad) = (pad(0x36), pad(0x5c));
    let inner = Sha256::new()
        .chain_update(ipad.as_slice())
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(opad.as_slice())
        .chain_update(inner)
        .finalize()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    /// A ring wraps with its first key, unwraps with any, and fingerprints as the original key
    /// did, also once the original is replaced by its fingerprint line.
    #[test]
    fn a_key_ring_rotates_the_wrapping_key_and_keeps_the_fingerprints() {
        let (old, old_text) = MasterKey::generate();
        let (_, new_text) = MasterKey::generate();
        let to = vec!["a@x.test".to_owned()];
        let before = old.wrap_record("id-1", "s@x.test", &to, &[7u8; 32]);
        let ring = MasterKey::from_ring(&SecretString::new(format!(
            "# rotated\n{}\n{}\n",
            new_text.expose(),
            old_text.expose()
        )))
        .unwrap();
        assert_eq!(ring.address_mac("a@x.test"), old.address_mac("a@x.test"));
        let opened = ring.unwrap_record("id-1", "s@x.test", &before).unwrap();
        assert_eq!(opened.key.expose(), &[7u8; 32]);
        let aad = MasterKey::record_aad("id-1", "s@x.test");
        assert!(!ring.is_current(&aad, &before));
        let after = ring.wrap_record("id-1", "s@x.test", &to, &[7u8; 32]);
        assert!(ring.is_current(&aad, &after));
        assert!(old.unwrap_record("id-1", "s@x.test", &after).is_none());

        let retired = MasterKey::from_ring(&SecretString::new(format!(
            "{}\n{}\n",
            new_text.expose(),
            old.fingerprint_line().expose()
        )))
        .unwrap();
        assert_eq!(retired.address_mac("a@x.test"), old.address_mac("a@x.test"));
        assert!(retired.unwrap_record("id-1", "s@x.test", &after).is_some());
        assert!(retired.unwrap_record("id-1", "s@x.test", &before).is_none());
        assert!(MasterKey::from_ring(&SecretString::new("fingerprint:AAAA".into())).is_err());
        assert!(MasterKey::from_ring(&SecretString::new("\n# none\n".into())).is_err());
    }

    #[test]
    fn a_key_from_a_command_is_the_key_it_prints() {
        let (key, text) = MasterKey::generate();
        let wrapped = key.wrap("id-1", &[7u8; 32]);
        let from_command = MasterKey::from_command(&format!("echo {}", text.expose())).unwrap();
        assert!(from_command.unwrap("id-1", &wrapped).is_some());
        assert!(
            MasterKey::from_command("exit 3")
                .unwrap_err()
                .contains("failed")
        );
        assert!(MasterKey::from_command("echo not-base64").is_err());
    }

    #[test]
    fn wrap_is_bound_to_the_id_and_key() {
        let (key, text) = MasterKey::generate();
        let wrapped = key.wrap("id-1", &[7u8; 32]);
        assert_eq!(key.unwrap("id-1", &wrapped).unwrap().expose(), &[7u8; 32]);
        assert!(key.unwrap("id-2", &wrapped).is_none());
        assert!(MasterKey::generate().0.unwrap("id-1", &wrapped).is_none());
        let again = MasterKey::from_base64(&text).unwrap();
        assert_eq!(again.unwrap("id-1", &wrapped).unwrap().expose(), &[7u8; 32]);
        assert!(MasterKey::from_base64(&"c2hvcnQ=".into()).is_err());
    }

    /// A record opens only under the id and sender it was registered with, and gives back the
    /// recipients it was registered for.
    #[test]
    fn a_record_binds_the_sender_and_recipients() {
        let (key, _) = MasterKey::generate();
        let to = vec!["a@x.test".to_owned(), "b@x.test".to_owned()];
        let wrapped = key.wrap_record("id-1", "s@x.test", &to, &[7u8; 32]);
        let record = key.unwrap_record("id-1", "s@x.test", &wrapped).unwrap();
        assert_eq!((record.key.expose(), record.to), (&[7u8; 32][..], to));
        assert!(
            key.unwrap_record("id-1", "ceo@victim.test", &wrapped)
                .is_none()
        );
        assert!(key.unwrap_record("id-2", "s@x.test", &wrapped).is_none());
        assert!(key.unwrap("id-1", &wrapped).is_none());
        let mut flipped = wrapped.clone();
        if let Some(last) = flipped.last_mut() {
            *last ^= 1;
        }
        assert!(key.unwrap_record("id-1", "s@x.test", &flipped).is_none());
        assert!(key.unwrap_record("id-1", "s@x.test", &[]).is_none());
    }
}
