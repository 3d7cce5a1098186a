//! `[crypto]`: where sealmail finds what opens S/MIME and OpenPGP mail: the `gpg` program and
//! its home (the user's keyring, agent and smartcards). Checked and turned into the
//! reader's [`CryptoSettings`].

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::crypto::gpg::GpgSettings;
use crate::crypto::open::CryptoSettings;
use crate::error::{Error, ErrorKind};

/// `[crypto]` as the file gives it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CryptoConfig {
    /// The gpg program; unset: `gpg` on the `PATH`.
    pub gpg: Option<PathBuf>,
    /// The GnuPG home (`GNUPGHOME`); unset: gpg's own (`~/.gnupg`).
    pub gnupg_home: Option<PathBuf>,
    /// Seconds gpg may take, a pinentry or a smartcard's PIN included (default 120).
    pub gpg_timeout: Option<u64>,
}

impl CryptoConfig {
    /// The settings the reader opens mail with.
    pub fn settings(&self) -> Result<CryptoSettings, Error> {
        if self.gpg_timeout == Some(0) {
            return Err(Error::new(
                ErrorKind::Config,
                "[crypto] gpg_timeout: give a number of seconds above 0",
            ));
        }
        Ok(CryptoSettings {
            gpg: GpgSettings {
                program: self.gpg.as_deref().map(crate::paths::expand_home),
                home: self.gnupg_home.as_deref().map(crate::paths::expand_home),
                timeout: self.gpg_timeout.map(Duration::from_secs),
            },
        })
    }
}
