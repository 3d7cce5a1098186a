//! `[crypto]`: where sealmail finds what opens S/MIME and OpenPGP mail: the `gpg` program and
//! its home (the user's keyring, agent and smartcards), the user's S/MIME certificate and key
//! (PEM or PKCS #12; the passphrase from a command, an environment variable or a masked
//! prompt, as account passwords), the trust anchors S/MIME signatures chain to, and the
//! correspondents' certificates S/MIME encrypts to. Checked and turned into the reader's
//! [`CryptoSettings`]; the key is loaded once, at start, and held in zeroizing memory.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::crypto::gpg::GpgSettings;
use crate::crypto::open::CryptoSettings;
use crate::crypto::smime::{Identity, KeyError, TrustStore};
use crate::error::{Error, ErrorKind};
use crate::paths::expand_home;
use crate::secret::SecretSource;

/// `[crypto]` as the file gives it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CryptoConfig {
    /// The gpg program; unset: `gpg` on the `PATH`.
    pub gpg: Option<PathBuf>,
    /// The GnuPG home (`GNUPGHOME`); unset: gpg's own (`~/.gnupg`).
    pub gnupg_home: Option<PathBuf>,
    /// Seconds gpg may take, a pinentry or a smartcard's PIN included (default 120).
    pub gpg_timeout: Option<u64>,
    /// The user's S/MIME certificate: a PEM file (the key may be in it too) or a PKCS #12
    /// file (`.p12`, `.pfx`, with its key).
    pub smime_certificate: Option<PathBuf>,
    /// The private key in a PEM file of its own, when the certificate file lacks it.
    pub smime_key: Option<PathBuf>,
    /// A command that prints the key's passphrase (its first line).
    pub smime_passphrase_command: Option<String>,
    /// An environment variable that holds the key's passphrase.
    pub smime_passphrase_env: Option<String>,
    /// Trust anchors for S/MIME signatures besides the system's: PEM files or directories.
    pub smime_trust: Vec<PathBuf>,
    /// Also trust the system's certificate authorities (default true).
    pub smime_system_roots: bool,
    /// Correspondents' certificates (PEM files, or directories of them) S/MIME encrypts to.
    pub smime_certificates: Vec<PathBuf>,
}

impl Default for CryptoConfig {
    fn default() -> Self {
        CryptoConfig {
            gpg: None,
            gnupg_home: None,
            gpg_timeout: None,
            smime_certificate: None,
            smime_key: None,
            smime_passphrase_command: None,
            smime_passphrase_env: None,
            smime_trust: Vec::new(),
            smime_system_roots: true,
            smime_certificates: Vec::new(),
        }
    }
}

fn bad(why: impl Into<String>) -> Error {
    Error::new(ErrorKind::Config, format!("[crypto] {}", why.into()))
}

impl CryptoConfig {
    /// The settings the reader opens mail with. The S/MIME key is loaded here (its passphrase
    /// asked for at the terminal when neither a command nor a variable gives it); a key that
    /// cannot be loaded is said when an S/MIME message needs it, and the rest goes on.
    pub fn settings(&self) -> Result<CryptoSettings, Error> {
        if self.gpg_timeout == Some(0) {
            return Err(bad("gpg_timeout: give a number of seconds above 0"));
        }
        let passphrase = match (&self.smime_passphrase_command, &self.smime_passphrase_env) {
            (Some(_), Some(_)) => {
                return Err(bad(
                    "give smime_passphrase_command or smime_passphrase_env, not both",
                ));
            }
            (Some(command), None) => SecretSource::Command(command.clone()),
            (None, Some(var)) => SecretSource::Env(var.clone()),
            (None, None) => SecretSource::Prompt,
        };
        if self.smime_certificate.is_none() && self.smime_key.is_some() {
            return Err(bad("smime_key needs smime_certificate"));
        }
        let smime = self.smime_certificate.as_deref().map(|certificate| {
            load_identity(certificate, self.smime_key.as_deref(), &passphrase).map(Arc::new)
        });
        let mut trust = if self.smime_system_roots {
            TrustStore::system()
        } else {
            TrustStore::default()
        };
        let extra: Vec<PathBuf> = self.smime_trust.iter().map(|p| expand_home(p)).collect();
        if !extra.is_empty() {
            let more =
                TrustStore::from_paths(&extra).map_err(|e| bad(format!("smime_trust: {e}")))?;
            for anchor in more.anchors() {
                trust.add_certificate(anchor.clone());
            }
        }
        let paths: Vec<PathBuf> = self
            .smime_certificates
            .iter()
            .map(|p| expand_home(p))
            .collect();
        let correspondents = if paths.is_empty() {
            Vec::new()
        } else {
            TrustStore::from_paths(&paths)
                .map_err(|e| bad(format!("smime_certificates: {e}")))?
                .anchors()
                .to_vec()
        };
        Ok(CryptoSettings {
            gpg: GpgSettings {
                program: self.gpg.as_deref().map(expand_home),
                home: self.gnupg_home.as_deref().map(expand_home),
                timeout: self.gpg_timeout.map(Duration::from_secs),
            },
            smime,
            trust: Arc::new(trust),
            correspondents: Arc::new(correspondents),
        })
    }
}

/// The user's certificate and key; a passphrase is read only when the key needs one.
fn load_identity(
    certificate: &Path,
    key: Option<&Path>,
    passphrase: &SecretSource,
) -> Result<Identity, String> {
    let certificate = expand_home(certificate);
    let key = key.map(expand_home);
    match Identity::from_files(&certificate, key.as_deref(), None) {
        Err(KeyError::PassphraseNeeded | KeyError::WrongPassphrase) => {
            let secret = passphrase
                .read("S/MIME key passphrase: ")
                .map_err(|e| e.summary)?;
            Identity::from_files(&certificate, key.as_deref(), Some(&secret))
                .map_err(|e| e.to_string())
        }
        other => other.map_err(|e| e.to_string()),
    }
}
