//! The `[[account]]` keys for writing mail, checked and turned into [`SendingSpec`]: where
//! to submit (`smtp`, checked by the same rules as every sender, `net::smtp`), how to sign in,
//! who the mail is from (and the other identities the user writes as), where the Sent copy
//! and drafts go, the signature.

use std::path::PathBuf;

use serde::Deserialize;

use super::{AccountConfig, AuthMethod};
use crate::error::{Error, ErrorKind};
use crate::net::smtp::{SmtpSecurity, SmtpUrl};
use crate::secret::SecretSource;

/// `smtp_auth`: how SMTP signs in.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpAuthMethod {
    /// AUTH PLAIN or LOGIN with the account's password (its `password_command`,
    /// `password_env` or prompt).
    Password,
    /// AUTH XOAUTH2 with the access token the IMAP login uses.
    OAuth2,
    /// No AUTH (a relay on this machine).
    None,
}

/// `[[account.identities]]`: another identity the account writes as, as aerc's and NeoMutt's
/// users know them (an alias address with its own name and signature). The From field offers
/// it, and a reply to a message sent to its address is written as it.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct IdentityConfig {
    /// `Name <address>` or an address: exactly one.
    pub from: String,
    /// Its signature; without it, the account's; `""` for none.
    pub signature: Option<String>,
}

/// How the submission signs in, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SmtpAuthSpec {
    Password { user: String, secret: SecretSource },
    OAuth2 { user: String },
    None,
}

/// Where the copy of a sent message goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SentCopy {
    /// The named folder, else the one the server marks `\Sent`, else `Sent`.
    Folder(Option<String>),
    /// The server files sent mail itself.
    Skip,
}

/// Everything an account needs to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendingSpec {
    pub smtp: String,
    pub auth: SmtpAuthSpec,
    pub ca_file: Option<PathBuf>,
    /// `Name <address>` or an address.
    pub from: String,
    pub sent: SentCopy,
    /// The named folder, else the one the server marks `\Drafts`, else `Drafts`.
    pub drafts: Option<String>,
    pub signature: Option<String>,
    /// The other identities, after the account's own (`from`, `signature`).
    pub identities: Vec<crate::mail::compose::Choice>,
}

impl AccountConfig {
    /// The account's sending settings; `None` when it has no `smtp`.
    pub fn sending(&self, name: &str) -> Result<Option<SendingSpec>, Error> {
        let bad = |why: String| Error::new(ErrorKind::Config, format!("account \"{name}\": {why}"));
        let Some(smtp) = &self.smtp else {
            return Ok(None);
        };
        let url = SmtpUrl::parse(smtp).map_err(|e| bad(format!("smtp: {e}")))?;
        let method = self.smtp_auth.unwrap_or(match self.auth {
            AuthMethod::OAuth2 => SmtpAuthMethod::OAuth2,
            AuthMethod::Password if self.user.is_some() => SmtpAuthMethod::Password,
            AuthMethod::Password => SmtpAuthMethod::None,
        });
        let user = self.smtp_user.clone().or_else(|| self.user.clone());
        let auth = match method {
            SmtpAuthMethod::None => SmtpAuthSpec::None,
            _ if url.security == SmtpSecurity::Plain => {
                return Err(bad(
                    "smtp+insecure:// sends without TLS, so it never authenticates: set smtp_auth = \"none\", or use smtp:// or smtps://"
                        .into(),
                ));
            }
            SmtpAuthMethod::Password => SmtpAuthSpec::Password {
                user: user.ok_or_else(|| {
                    bad("smtp_auth = \"password\" needs smtp_user or user".into())
                })?,
                secret: match (&self.password_command, &self.password_env) {
                    (Some(cmd), _) => SecretSource::Command(cmd.clone()),
                    (None, Some(var)) => SecretSource::Env(var.clone()),
                    (None, None) => SecretSource::Prompt,
                },
            },
            SmtpAuthMethod::OAuth2 if self.auth != AuthMethod::OAuth2 => {
                return Err(bad(
                    "smtp_auth = \"oauth2\" uses the IMAP sign-in's token: it needs auth = \"oauth2\""
                        .into(),
                ));
            }
            SmtpAuthMethod::OAuth2 => SmtpAuthSpec::OAuth2 {
                user: user.ok_or_else(|| bad("smtp_auth = \"oauth2\" needs a user".into()))?,
            },
        };
        let from = self
            .from
            .clone()
            .or_else(|| self.email.clone())
            .or_else(|| self.user.clone().filter(|u| u.contains('@')))
            .ok_or_else(
                || bad("smtp needs from (or email, or a user that is an address)".into()),
            )?;
        let signature = match (&self.signature, &self.signature_file) {
            (Some(_), Some(_)) => {
                return Err(bad("give signature or signature_file, not both".into()));
            }
            (Some(text), None) => Some(text.clone()),
            (None, Some(path)) => {
                let path = crate::paths::expand_home(path);
                Some(
                    std::fs::read_to_string(&path)
                        .map_err(|e| bad(format!("signature_file {}: {e}", path.display())))?,
                )
            }
            (None, None) => None,
        };
        let mut identities = Vec::with_capacity(self.identities.len());
        for (i, other) in self.identities.iter().enumerate() {
            let n = i + 1;
            if crate::mail::compose::Identity::new(&other.from, None)
                .own
                .len()
                != 1
            {
                return Err(bad(format!(
                    "identity {n}: from = \"{}\" is not one address (\"Name <user@example.org>\" or \"user@example.org\")",
                    crate::sanitize::line(&other.from)
                )));
            }
            identities.push(crate::mail::compose::Choice {
                from: other.from.trim().to_owned(),
                signature: match &other.signature {
                    Some(text) if text.trim().is_empty() => None,
                    Some(text) => Some(text.clone()),
                    None => signature.clone(),
                },
            });
        }
        Ok(Some(SendingSpec {
            smtp: smtp.clone(),
            auth,
            ca_file: self.ca_file.as_deref().map(crate::paths::expand_home),
            from,
            sent: if self.save_sent == Some(false) {
                SentCopy::Skip
            } else {
                SentCopy::Folder(self.sent_folder.clone())
            },
            drafts: self.drafts_folder.clone(),
            signature,
            identities,
        }))
    }
}

impl super::Config {
    /// The sending settings of the account named `name` (as [`super::Config::account`] finds
    /// it); `None` when no account of the config has that name or it has no `smtp`.
    pub fn sending_for(&self, name: &str) -> Result<Option<SendingSpec>, Error> {
        match self.account_named(name) {
            Some(account) => account.sending(name),
            None => Ok(None),
        }
    }

    /// The account called `name` (`account N` for the N-th one without a name).
    pub(super) fn account_named(&self, name: &str) -> Option<&AccountConfig> {
        self.accounts
            .iter()
            .enumerate()
            .find(|(i, a)| {
                a.name.as_deref() == Some(name)
                    || (a.name.is_none() && format!("account {}", i + 1) == name)
            })
            .map(|(_, account)| account)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn sending(account: &str) -> Result<Option<SendingSpec>, Error> {
        Config::parse(&format!("[[account]]\n{account}\n"))?.accounts[0].sending("work")
    }

    #[test]
    fn an_account_sends_with_its_imap_sign_in_by_default() {
        let spec = sending(
            "imap = \"imaps://h\"\nuser = \"me@example.com\"\npassword_env = \"P\"\nsmtp = \"smtps://h\"\nsignature = \"Me\"",
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            spec.auth,
            SmtpAuthSpec::Password {
                user: "me@example.com".into(),
                secret: SecretSource::Env("P".into())
            }
        );
        assert_eq!(spec.from, "me@example.com");
        assert_eq!(spec.sent, SentCopy::Folder(None));
        assert_eq!(spec.signature.as_deref(), Some("Me"));
        let oauth = sending(
            "imap = \"imaps://h\"\nuser = \"me@example.com\"\nauth = \"oauth2\"\nsmtp = \"smtp://h\"\nsave_sent = false\nfrom = \"Me <me@example.com>\"\n[account.oauth2]\nprovider = \"google\"\nclient_id = \"c\"",
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            (oauth.auth, oauth.sent, oauth.from.as_str()),
            (
                SmtpAuthSpec::OAuth2 {
                    user: "me@example.com".into()
                },
                SentCopy::Skip,
                "Me <me@example.com>"
            )
        );
        assert_eq!(sending("maildir = \"/m\"").unwrap(), None);
    }

    #[test]
    fn identities_are_read_with_their_signatures() {
        let spec = sending(
            "imap = \"imaps://h\"\nuser = \"sam@example.org\"\nsmtp = \"smtps://h\"\nfrom = \"Sam <sam@example.org>\"\nsignature = \"Sam\"\nidentities = [{ from = \"Sam Work <sam@work.example>\", signature = \"Sam, Work\" }, { from = \"lists@example.org\" }]\n[[account.identities]]\nfrom = \"Quiet <quiet@example.org>\"\nsignature = \"\"",
        );
        // An inline array and an array of tables are one key in TOML: both at once is an error.
        assert!(spec.is_err());
        let spec = sending(
            "imap = \"imaps://h\"\nuser = \"sam@example.org\"\nsmtp = \"smtps://h\"\nfrom = \"Sam <sam@example.org>\"\nsignature = \"Sam\"\nidentities = [{ from = \"Sam Work <sam@work.example>\", signature = \"Sam, Work\" }, { from = \" lists@example.org \" }, { from = \"Quiet <quiet@example.org>\", signature = \"\" }]",
        )
        .unwrap()
        .unwrap();
        let shown: Vec<(&str, Option<&str>)> = spec
            .identities
            .iter()
            .map(|c| (c.from.as_str(), c.signature.as_deref()))
            .collect();
        assert_eq!(
            shown,
            [
                ("Sam Work <sam@work.example>", Some("Sam, Work")),
                ("lists@example.org", Some("Sam")),
                ("Quiet <quiet@example.org>", None),
            ]
        );
        let tables = Config::parse(
            "[[account]]\nmaildir = \"/m\"\nfrom = \"sam@example.org\"\nsmtp = \"smtp+insecure://127.0.0.1:25\"\n[[account.identities]]\nfrom = \"Sam Work <sam@work.example>\"\n",
        )
        .unwrap()
        .accounts[0]
            .sending("work")
            .unwrap()
            .unwrap();
        assert_eq!(tables.identities.len(), 1);
        assert_eq!(sending("maildir = \"/m\"").unwrap(), None);
    }

    #[test]
    fn identity_mistakes_are_errors() {
        let base = "imap = \"imaps://h\"\nuser = \"sam@example.org\"\nsmtp = \"smtps://h\"\n";
        for (identities, want) in [
            (
                "identities = [{ from = \"Sam Work\" }]",
                "identity 1: from = \"Sam Work\" is not one address",
            ),
            (
                "identities = [{ from = \"a@x.org\" }, { from = \"a@x.org, b@x.org\" }]",
                "identity 2: from = \"a@x.org, b@x.org\" is not one address",
            ),
            (
                "identities = [{ from = \"a@x.org\", sig = \"x\" }]",
                "unknown field `sig`, expected `from` or `signature`",
            ),
            (
                "identities = [{ signature = \"x\" }]",
                "missing field `from`",
            ),
            ("identities = \"a@x.org\"", "invalid type: string"),
        ] {
            let e = sending(&format!("{base}{identities}"))
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{identities}: {e}");
        }
    }

    #[test]
    fn sending_mistakes_are_errors() {
        for (account, want) in [
            (
                "imap = \"imaps://h\"\nuser = \"me@x.org\"\nsmtp = \"smtp+insecure://mail.x.org\"",
                "only allowed to a loopback address",
            ),
            (
                "imap = \"imaps://h\"\nuser = \"me@x.org\"\nsmtp = \"smtp+insecure://127.0.0.1:25\"",
                "never authenticates",
            ),
            (
                "imap = \"imaps://h\"\nuser = \"me@x.org\"\nsmtp = \"smtps://h\"\nsmtp_auth = \"oauth2\"",
                "needs auth = \"oauth2\"",
            ),
            (
                "imap = \"imaps://h\"\nuser = \"me\"\nsmtp = \"smtps://h\"",
                "needs from",
            ),
            (
                "imap = \"imaps://h\"\nuser = \"me@x.org\"\nsmtp = \"smtps://h\"\nsignature = \"a\"\nsignature_file = \"/b\"",
                "not both",
            ),
        ] {
            let e = sending(account).unwrap_err().to_string();
            assert!(e.contains(want), "{account}: {e}");
        }
        let e = Config::parse("[[account]]\nmaildir = \"/m\"\nsmtp_auth = \"plain\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("expected one of `password`, `oauth2`, `none`"),
            "{e}"
        );
        let local = sending(
            "maildir = \"/m\"\nfrom = \"me@example.test\"\nsmtp = \"smtp+insecure://127.0.0.1:2525\"",
        )
        .unwrap()
        .unwrap();
        assert_eq!(local.auth, SmtpAuthSpec::None);
    }
}
