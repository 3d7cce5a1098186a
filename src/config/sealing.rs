//! The `[[account]]` keys for sealing new messages from the composer, checked and turned into
//! a [`SealingSpec`]: the portal (`seal_portal`, an origin as the protocol defines it), where
//! the sender token comes from (`seal_token_command`, else the environment variable that
//! `sealmail seal` reads), and the keys' expiry (`seal_expires`).

use super::AccountConfig;
use crate::error::{Error, ErrorKind};
use crate::sealed::fields;
use crate::secret::SecretSource;

/// The environment variable that holds the sender token when no command is given.
pub const TOKEN_ENV: &str = "SEALMAIL_SENDER_TOKEN";

/// Everything an account needs to seal new messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealingSpec {
    pub portal: String,
    pub token: SecretSource,
    pub expires: Option<String>,
}

impl AccountConfig {
    /// The account's sealing settings; `None` when it has no `seal_portal`.
    pub fn sealing(&self, name: &str) -> Result<Option<SealingSpec>, Error> {
        let bad = |why: String| Error::new(ErrorKind::Config, format!("account \"{name}\": {why}"));
        let Some(portal) = &self.seal_portal else {
            if self.seal_token_command.is_some() || self.seal_expires.is_some() {
                return Err(bad(
                    "seal_token_command and seal_expires need seal_portal".into()
                ));
            }
            return Ok(None);
        };
        fields::check_origin(portal).map_err(|e| bad(format!("seal_portal: {e}")))?;
        if let Some(expires) = &self.seal_expires {
            fields::parse_expiry_at(expires, chrono::Utc::now())
                .map_err(|e| bad(format!("seal_expires: {e}")))?;
        }
        Ok(Some(SealingSpec {
            portal: portal.clone(),
            token: match &self.seal_token_command {
                Some(cmd) => SecretSource::Command(cmd.clone()),
                None => SecretSource::Env(TOKEN_ENV.into()),
            },
            expires: self.seal_expires.clone(),
        }))
    }
}

impl super::Config {
    /// The sealing settings of the account named `name`; `None` when it has none.
    pub fn sealing_for(&self, name: &str) -> Result<Option<SealingSpec>, Error> {
        match self.account_named(name) {
            Some(account) => account.sealing(name),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    fn sealing(account: &str) -> Result<Option<super::SealingSpec>, crate::error::Error> {
        Config::parse(&format!(
            "[[account]]\nimap = \"imaps://mail.example.com\"\n{account}\n"
        ))?
        .accounts[0]
            .sealing("work")
    }

    #[test]
    fn sealing_needs_an_origin_and_a_valid_expiry() {
        assert_eq!(sealing("").unwrap(), None);
        let spec = sealing(
            "seal_portal = \"https://portal.example.com\"\nseal_token_command = \"pass portal\"\nseal_expires = \"30d\"",
        )
        .unwrap()
        .unwrap();
        assert_eq!(spec.portal, "https://portal.example.com");
        assert_eq!(
            spec.token,
            crate::secret::SecretSource::Command("pass portal".into())
        );
        for wrong in [
            "seal_portal = \"https://portal.example.com/path\"",
            "seal_portal = \"http://portal.example.com\"",
            "seal_portal = \"https://portal.example.com\"\nseal_expires = \"5y\"",
            "seal_token_command = \"pass portal\"",
        ] {
            let e = sealing(wrong).unwrap_err();
            assert!(e.to_string().contains("account \"work\""), "{wrong}: {e}");
        }
    }
}
