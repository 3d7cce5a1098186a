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
        let gpg = self.gpg_settings()?;
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
            gpg,
            smime,
            trust: Arc::new(trust),
            correspondents: Arc::new(correspondents),
        })
    }
}

impl CryptoConfig {
    /// Where gpg is and which keyring it uses.
    pub fn gpg_settings(&self) -> Result<GpgSettings, Error> {
        if self.gpg_timeout == Some(0) {
            return Err(bad("gpg_timeout: give a number of seconds above 0"));
        }
        Ok(GpgSettings {
            program: self.gpg.as_deref().map(expand_home),
            home: self.gnupg_home.as_deref().map(expand_home),
            timeout: self.gpg_timeout.map(Duration::from_secs),
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

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn the_user_guides_crypto_section_reads() {
        let config = Config::parse(
            "[crypto]\ngpg = \"gpg\"\ngnupg_home = \"~/.gnupg\"\ngpg_timeout = 120\n\
             smime_certificate = \"/nonexistent/me.p12\"\n\
             smime_passphrase_command = \"pass show smime\"\n\
             smime_trust = []\nsmime_system_roots = false\nsmime_certificates = []\n",
        )
        .expect("parses");
        let settings = config.crypto.settings().expect("settings");
        // A certificate that cannot be read is said when it is needed; the rest goes on.
        assert!(matches!(&settings.smime, Some(Err(why)) if !why.is_empty()));
        assert!(settings.trust.is_empty());
        assert_eq!(
            settings.gpg.timeout,
            Some(std::time::Duration::from_secs(120))
        );
    }

    #[test]
    fn contradictions_and_unknown_keys_are_refused() {
        let both = Config::parse(
            "[crypto]\nsmime_certificate = \"a\"\nsmime_passphrase_command = \"x\"\nsmime_passphrase_env = \"Y\"\n",
        )
        .unwrap();
        assert!(both.crypto.settings().is_err());
        let key_alone = Config::parse("[crypto]\nsmime_key = \"k\"\n").unwrap();
        assert!(key_alone.crypto.settings().is_err());
        let zero = Config::parse("[crypto]\ngpg_timeout = 0\n").unwrap();
        assert!(zero.crypto.settings().is_err());
        assert!(Config::parse("[crypto]\nsmime_cert = \"a\"\n").is_err());
    }
}
