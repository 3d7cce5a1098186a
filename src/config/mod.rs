//! The TOML configuration (`$XDG_CONFIG_HOME/sealmail/config.toml`): accounts, where their
//! secrets come from, and reader settings. No secret is ever read from or written to this file.
//!
//! Every option with a fixed set of values is an enum, so a wrong value is reported by the
//! parser with its line, its column and the values it could have been. What is left to check
//! by hand is how keys combine, in [`AccountConfig::resolve`] and [`OAuth2Config::resolve`].
//! Secret sources are in [`secrets`], file locations in [`paths`].

use std::path::{Path, PathBuf};

use serde::Deserialize;

pub mod crypto;
pub mod sealing;
pub mod sending;

use crate::app::state::Layout;
use crate::auth::oauth2::{Mechanism, OAuthSettings, Provider, TokenStore};
use crate::error::{Error, ErrorKind};
pub use crate::paths::{default_path, state_dir};
pub use crate::secret::{SecretSource, run_secret_command};

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub reader: ReaderConfig,
    #[serde(default, rename = "account")]
    pub accounts: Vec<AccountConfig>,
    /// Portal origins the user trusts (`https://portal.example.com`).
    #[serde(default)]
    pub trusted_portals: Vec<String>,
    /// The authserv-ids of the user's own MTAs (`mx.example.org`): their
    /// `Authentication-Results` verify the sender of organisation-hosted portal mail.
    #[serde(default)]
    pub trusted_authserv_ids: Vec<String>,
    /// Turns the metrics panel on.
    #[serde(default)]
    pub metrics: bool,
    /// What opens S/MIME and OpenPGP mail (`crypto.rs`).
    #[serde(default)]
    pub crypto: crypto::CryptoConfig,
}

/// `[reader]`: how the reader behaves.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReaderConfig {
    /// Which end of the list is at the top.
    pub order: Order,
    /// Opening a message marks it \Seen.
    pub mark_seen: bool,
    /// `"split"` (list above, message below) or `"full"`.
    pub layout: Layout,
    /// Rows fetched before the first paint.
    pub first_window: u32,
    /// Use colour (also off when the NO_COLOR variable is set).
    pub color: bool,
    /// Where attachments are saved by default (`~` allowed); unset: `~/Downloads` when it
    /// exists, else the current directory.
    pub save_dir: Option<PathBuf>,
    /// Keep IMAP folders' list rows on disk between sessions (`$XDG_CACHE_HOME/sealmail/`),
    /// so that a folder opens at once; `false`: nothing is read or kept, and what was kept
    /// is removed as each folder is opened.
    pub header_cache: bool,
    /// Threads also gather messages without references by their subject (RFC 5256's
    /// subject step): off, unrelated mail of one subject stays apart.
    pub thread_by_subject: bool,
    /// The composer's external editor, a shell command line given the file's path
    /// (`"vim +/^$"`); unset: `$VISUAL`, else `$EDITOR`, else `vi`.
    pub editor: Option<String>,
    /// Mailboxes the composer's address completion offers besides those seen this session
    /// (`"Ada <ada@example.com>"`).
    pub address_book: Vec<String>,
    /// A command that looks addresses up, given what is typed as its last argument (or in
    /// place of `%s`); it prints `address<TAB>name` lines (aerc's `address-book-cmd`).
    pub address_book_cmd: Option<String>,
    /// New messages, replies and forwards open in the external editor at once (the review
    /// follows it), as in aerc.
    pub compose_in_editor: bool,
}

impl Default for ReaderConfig {
    fn default() -> Self {
        ReaderConfig {
            order: Order::Newest,
            mark_seen: true,
            layout: Layout::Split,
            first_window: 100,
            color: true,
            save_dir: None,
            header_cache: true,
            thread_by_subject: false,
            editor: None,
            address_book: Vec::new(),
            address_book_cmd: None,
            compose_in_editor: false,
        }
    }
}

/// `reader.order`: `"newest"` (default) or `"oldest"` at the top of the list.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    #[default]
    Newest,
    Oldest,
}

/// `auth`: how an account signs in to IMAP.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AuthMethod {
    /// LOGIN with a password from `password_command`, `password_env` or a prompt.
    #[default]
    Password,
    /// SASL with an OAuth2 access token; `[account.oauth2]` says how to get one.
    OAuth2,
}

/// `[[account]]`: one mailbox.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    pub name: Option<String>,
    /// `imaps://host:993` or `imap://host:143` (STARTTLS).
    pub imap: Option<String>,
    /// A local Maildir instead of IMAP.
    pub maildir: Option<PathBuf>,
    pub user: Option<String>,
    /// The recipient address for portal sign-ins (default: `user` when it is an address).
    pub email: Option<String>,
    /// A command whose first output line is the password.
    pub password_command: Option<String>,
    /// An environment variable holding the password.
    pub password_env: Option<String>,
    /// PEM file of extra CA certificates to trust.
    pub ca_file: Option<PathBuf>,
    /// Allow unencrypted IMAP to a host that is not loopback.
    #[serde(default)]
    pub insecure: bool,
    /// `"password"` (default) or `"oauth2"` (then `[account.oauth2]` says how).
    #[serde(default)]
    pub auth: AuthMethod,
    pub oauth2: Option<OAuth2Config>,
    // Writing mail (read by `AccountConfig::sending`, in `sending.rs`; kept here because
    // serde's `flatten` would lose `deny_unknown_fields`).
    /// `smtps://host:465`, `smtp://host:587` (STARTTLS required) or `smtp+insecure://` to a
    /// loopback address. Unset: the account cannot send.
    pub smtp: Option<String>,
    /// The SMTP login (default: `user`).
    pub smtp_user: Option<String>,
    /// How SMTP signs in (default: as IMAP does).
    pub smtp_auth: Option<sending::SmtpAuthMethod>,
    /// `Name <address>` on sent mail (default: `email`, else `user`).
    pub from: Option<String>,
    /// Where a copy of sent mail goes (default: the folder marked `\Sent`, else `Sent`).
    pub sent_folder: Option<String>,
    /// `false` for servers that file sent mail themselves (Gmail, Microsoft 365).
    pub save_sent: Option<bool>,
    /// Where postponed messages go (default: the folder marked `\Drafts`, else `Drafts`).
    pub drafts_folder: Option<String>,
    /// Text put under a new message, after a line `-- `.
    pub signature: Option<String>,
    /// A file whose text is the signature (instead of `signature`).
    pub signature_file: Option<PathBuf>,
    // Sealing new messages (read by `AccountConfig::sealing`, in `sealing.rs`).
    /// The portal new messages can be sealed with (`S` on the composer's review).
    pub seal_portal: Option<String>,
    /// A command whose first line is the sender token for `seal_portal` (else
    /// `$SEALMAIL_SENDER_TOKEN`, as for `sealmail seal`).
    pub seal_token_command: Option<String>,
    /// When a sealed message's key expires: a duration (`30d`) or an RFC 3339 time.
    pub seal_expires: Option<String>,
    /// More identities to write as, each `[[account.identities]]` with `from` and maybe its
    /// own `signature` (see `sending::IdentityConfig`).
    #[serde(default)]
    pub identities: Vec<sending::IdentityConfig>,
}

/// `[account.oauth2]`: signing in with OAuth2 (device authorization grant) for IMAP.
///
/// One flat table with `provider` as a plain enum, not an internally tagged enum with a variant
/// per provider: serde reads a tagged or flattened table into a buffer first, so toml can then
/// only point at the section header, and a mistyped shared key is reported against the
/// variant's own keys (`unknown field clientid, expected tenant`). Flat, every mistake points
/// at its key or value and lists every key; [`OAuth2Config::resolve`] says which keys belong
/// to which provider.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuth2Config {
    pub provider: ProviderName,
    pub client_id: String,
    /// A command whose first output line is the client secret (Google requires one).
    pub client_secret_command: Option<String>,
    /// Microsoft only: tenant id or domain, or `common` (default), `organizations`, `consumers`.
    pub tenant: Option<String>,
    /// Custom only: the issuer, whose OpenID Connect discovery gives the endpoints.
    pub issuer: Option<String>,
    /// Custom only: the endpoints, instead of discovery.
    pub device_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    /// Replaces the preset scopes; required for a custom provider.
    pub scopes: Option<Vec<String>>,
    /// `"xoauth2"` (default) or `"oauthbearer"` (used when the server offers it).
    #[serde(default)]
    pub mechanism: MechanismName,
    /// `"memory"` (default) or `"keyring"`.
    pub token_store: Option<TokenStoreName>,
    /// Reads the refresh token on standard input and keeps it (e.g. `pass insert -m ...`).
    pub token_store_command: Option<String>,
    /// Prints the refresh token kept by `token_store_command`.
    pub token_load_command: Option<String>,
}

/// `provider`: whose presets (endpoints, scopes) to use.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ProviderName {
    Microsoft,
    Google,
    Custom,
}

/// `mechanism`: the SASL mechanism that carries the token.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MechanismName {
    #[default]
    XOAuth2,
    OAuthBearer,
}

impl From<MechanismName> for Mechanism {
    fn from(name: MechanismName) -> Self {
        match name {
            MechanismName::XOAuth2 => Mechanism::XOAuth2,
            MechanismName::OAuthBearer => Mechanism::OAuthBearer,
        }
    }
}

/// `token_store`: where the refresh token is kept between runs.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TokenStoreName {
    Memory,
    Keyring,
}

impl OAuth2Config {
    /// Checks how the keys combine and resolves the provider preset.
    pub fn resolve(&self, account: &str, ca_file: Option<PathBuf>) -> Result<OAuthSettings, Error> {
        let bad = |why: &str| {
            Error::new(
                ErrorKind::Config,
                format!("account \"{account}\": oauth2: {why}"),
            )
        };
        if self.client_id.trim().is_empty() {
            return Err(bad("client_id is empty"));
        }
        let only = |key: &str, set: bool, provider: &str| {
            if set {
                Err(bad(&format!("{key} is only for provider = \"{provider}\"")))
            } else {
                Ok(())
            }
        };
        let custom_keys = self.issuer.is_some()
            || self.device_endpoint.is_some()
            || self.token_endpoint.is_some();
        let provider = match self.provider {
            ProviderName::Microsoft => {
                only(
                    "issuer/device_endpoint/token_endpoint",
                    custom_keys,
                    "custom",
                )?;
                let tenant = self.tenant.clone().unwrap_or_else(|| "common".into());
                if tenant.is_empty()
                    || !tenant
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
                {
                    return Err(bad(&format!(
                        "tenant {tenant:?} is not a tenant id or domain"
                    )));
                }
                Provider::Microsoft { tenant }
            }
            ProviderName::Google => {
                only(
                    "issuer/device_endpoint/token_endpoint",
                    custom_keys,
                    "custom",
                )?;
                only("tenant", self.tenant.is_some(), "microsoft")?;
                if self.client_secret_command.is_none() {
                    return Err(bad(
                        "Google's device sign-in needs the client secret: add client_secret_command",
                    ));
                }
                Provider::Google
            }
            ProviderName::Custom => {
                only("tenant", self.tenant.is_some(), "microsoft")?;
                let (device, token) = (&self.device_endpoint, &self.token_endpoint);
                if self.issuer.is_none() && (device.is_none() || token.is_none()) {
                    return Err(bad(if device.is_none() && token.is_none() {
                        "a custom provider needs issuer, or both device_endpoint and token_endpoint"
                    } else {
                        "give both device_endpoint and token_endpoint"
                    }));
                }
                if self.scopes.as_ref().is_none_or(Vec::is_empty) {
                    return Err(bad("a custom provider needs scopes"));
                }
                for url in [&self.issuer, device, token].into_iter().flatten() {
                    crate::net::http::check_url(url)
                        .map_err(|why| bad(&format!("{url}: {why}")))?;
                }
                Provider::Custom {
                    issuer: self.issuer.clone(),
                    device_endpoint: device.clone(),
                    token_endpoint: token.clone(),
                }
            }
        };
        let store = match (
            self.token_store,
            &self.token_store_command,
            &self.token_load_command,
        ) {
            (None | Some(TokenStoreName::Memory), None, None) => TokenStore::Memory,
            (None, Some(store), Some(load)) => TokenStore::Commands {
                store: store.clone(),
                load: load.clone(),
            },
            (None, _, _) => {
                return Err(bad(
                    "token_store_command and token_load_command go together",
                ));
            }
            (Some(TokenStoreName::Keyring), _, _) => {
                return Err(bad(
                    "token_store = \"keyring\" is not available in this build; use token_store_command and token_load_command",
                ));
            }
            (Some(TokenStoreName::Memory), _, _) => {
                return Err(bad(
                    "token_store = \"memory\" and the store commands exclude each other",
                ));
            }
        };
        let scopes = match &self.scopes {
            Some(scopes) if !scopes.is_empty() => scopes.clone(),
            _ => provider.default_scopes(),
        };
        Ok(OAuthSettings {
            provider,
            client_id: self.client_id.trim().to_owned(),
            client_secret_command: self.client_secret_command.clone(),
            scopes,
            mechanism: self.mechanism.into(),
            store,
            ca_file,
        })
    }
}

/// A mailbox to open, resolved from the config or the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountSpec {
    Imap {
        name: String,
        url: String,
        user: String,
        email: Option<String>,
        secret: SecretSource,
        ca_file: Option<PathBuf>,
        insecure: bool,
        /// Sign in with OAuth2 instead of a password (`auth = "oauth2"`).
        oauth2: Option<Box<OAuthSettings>>,
    },
    Maildir {
        name: String,
        path: PathBuf,
    },
}

impl AccountSpec {
    pub fn name(&self) -> &str {
        match self {
            AccountSpec::Imap { name, .. } | AccountSpec::Maildir { name, .. } => name,
        }
    }
}

impl AccountConfig {
    pub fn resolve(&self, index: usize) -> Result<AccountSpec, Error> {
        let name = self
            .name
            .clone()
            .unwrap_or_else(|| format!("account {}", index + 1));
        let bad = |why: &str| Error::new(ErrorKind::Config, format!("account \"{name}\"{why}"));
        let url = match (&self.imap, &self.maildir) {
            (Some(_), Some(_)) => return Err(bad(" has both imap and maildir: pick one")),
            (None, Some(path)) => {
                return Ok(AccountSpec::Maildir {
                    path: crate::paths::expand_home(path),
                    name,
                });
            }
            (None, None) => return Err(bad(" needs imap or maildir")),
            (Some(url), None) => url,
        };
        let user = self.user.clone().ok_or_else(|| bad(" needs a user"))?;
        let ca_file = self.ca_file.as_deref().map(crate::paths::expand_home);
        let password_given = self.password_command.is_some() || self.password_env.is_some();
        let oauth2 = match (self.auth, &self.oauth2) {
            (AuthMethod::Password, None) => None,
            (AuthMethod::OAuth2, Some(_)) if password_given => {
                return Err(bad(
                    ": auth = \"oauth2\" takes no password_command or password_env",
                ));
            }
            (AuthMethod::OAuth2, Some(_)) if !user.contains('@') => {
                return Err(bad(
                    ": with auth = \"oauth2\", user must be the full address (it is the SASL user)",
                ));
            }
            (AuthMethod::OAuth2, Some(oauth2)) => {
                Some(Box::new(oauth2.resolve(&name, ca_file.clone())?))
            }
            (AuthMethod::OAuth2, None) => {
                return Err(bad(": auth = \"oauth2\" needs an [account.oauth2] section"));
            }
            (AuthMethod::Password, Some(_)) => {
                return Err(bad(": [account.oauth2] needs auth = \"oauth2\""));
            }
        };
        let secret = match (&self.password_command, &self.password_env) {
            (Some(_), Some(_)) => {
                return Err(bad(": give password_command or password_env, not both"));
            }
            (Some(cmd), None) => SecretSource::Command(cmd.clone()),
            (None, Some(var)) => SecretSource::Env(var.clone()),
            (None, None) => SecretSource::Prompt,
        };
        let email = self
            .email
            .clone()
            .or_else(|| user.contains('@').then(|| user.clone()));
        Ok(AccountSpec::Imap {
            name,
            url: url.clone(),
            user,
            email,
            secret,
            ca_file,
            insecure: self.insecure,
            oauth2,
        })
    }
}

impl Config {
    pub fn parse(text: &str) -> Result<Config, Error> {
        toml::from_str(text).map_err(|e| {
            Error::new(ErrorKind::Config, "the config file is not valid")
                .with_details(e.to_string())
        })
    }

    /// Loads a config file. A missing file at the default path is an empty config; a missing
    /// file the user named is an error.
    pub fn load(path: Option<&Path>) -> Result<Config, Error> {
        let (path, explicit) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => match default_path() {
                Some(p) => (p, false),
                None => return Ok(Config::default()),
            },
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse(&text).map_err(|e| Error {
                summary: format!("{}: {}", path.display(), e.summary),
                ..e
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
                Ok(Config::default())
            }
            Err(e) => Err(
                Error::new(ErrorKind::Config, format!("cannot read {}", path.display()))
                    .with_details(e.to_string()),
            ),
        }
    }

    /// The account to open: by name, else the first.
    pub fn account(&self, name: Option<&str>) -> Result<AccountSpec, Error> {
        let found = match name {
            Some(n) => self.accounts.iter().enumerate().find(|(i, a)| {
                a.name.as_deref() == Some(n)
                    || (a.name.is_none() && format!("account {}", i + 1) == n)
            }),
            None => self.accounts.iter().enumerate().next(),
        };
        match found {
            Some((i, a)) => a.resolve(i),
            None => Err(Error::new(
                ErrorKind::Config,
                match name {
                    Some(n) => format!("no account named \"{n}\" in the config"),
                    None => "no account configured: add an [[account]] to the config file, or use --imap, --maildir or --demo".into(),
                },
            )),
        }
    }

    /// Every configured account, in the file's order.
    pub fn all_accounts(&self) -> Result<Vec<AccountSpec>, Error> {
        self.accounts
            .iter()
            .enumerate()
            .map(|(i, a)| a.resolve(i))
            .collect()
    }

    pub fn reader_settings(&self) -> Result<crate::app::state::ReaderSettings, Error> {
        self.reader_settings_using(self.crypto.settings()?)
    }

    /// The reader's settings with `crypto` in place of `[crypto]`'s (the demo's own S/MIME
    /// identity: the user's key is then neither loaded nor asked a passphrase for).
    pub fn reader_settings_using(
        &self,
        crypto: crate::crypto::open::CryptoSettings,
    ) -> Result<crate::app::state::ReaderSettings, Error> {
        let r = &self.reader;
        let color = r.color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Ok(crate::app::state::ReaderSettings {
            oldest_first: r.order == Order::Oldest,
            mark_seen: r.mark_seen,
            layout: r.layout,
            first_window: r.first_window.clamp(10, 5000),
            color,
            save_dir: save_dir(r.save_dir.as_deref()),
            open_dir: None,
            header_cache: r.header_cache,
            thread_by_subject: r.thread_by_subject,
            editor: r.editor.clone().filter(|e| !e.trim().is_empty()),
            address_book: r.address_book.clone(),
            address_book_cmd: r.address_book_cmd.clone().filter(|c| !c.trim().is_empty()),
            compose_in_editor: r.compose_in_editor,
            crypto: std::sync::Arc::new(crypto),
        })
    }
}

/// The directory attachments are saved to by default.
fn save_dir(configured: Option<&std::path::Path>) -> PathBuf {
    if let Some(dir) = configured {
        return crate::paths::expand_home(dir);
    }
    let downloads = crate::paths::expand_home(std::path::Path::new("~/Downloads"));
    if downloads.is_dir() {
        return downloads;
    }
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_authserv_ids_are_read_and_default_to_none() {
        let config = Config::parse("trusted_authserv_ids = [\"mx.example.org\"]\n").unwrap();
        assert_eq!(config.trusted_authserv_ids, ["mx.example.org"]);
        assert!(Config::parse("").unwrap().trusted_authserv_ids.is_empty());
        assert!(Config::parse("trusted_authserv_ids = \"mx.example.org\"\n").is_err());
    }

    #[test]
    fn a_full_config_parses() {
        let config = Config::parse(
            r#"
            trusted_portals = ["https://portal.example.com"]
            [reader]
            order = "oldest"
            mark_seen = false
            editor = "emacsclient -t"
            address_book = ["Ada <ada@example.com>"]
            address_book_cmd = "khard email --parsable %s"
            compose_in_editor = true
            [[account]]
            name = "work"
            imap = "imaps://imap.example.com:993"
            user = "me@example.com"
            password_command = "pass show mail"
            [[account]]
            name = "local"
            maildir = "/var/mail/me"
            "#,
        )
        .unwrap();
        let work = config.account(None).unwrap();
        assert_eq!(work.name(), "work");
        match work {
            AccountSpec::Imap { secret, email, .. } => {
                assert_eq!(secret, SecretSource::Command("pass show mail".into()));
                assert_eq!(email.as_deref(), Some("me@example.com"));
            }
            other => panic!("expected imap, got {other:?}"),
        }
        assert!(matches!(
            config.account(Some("local")).unwrap(),
            AccountSpec::Maildir { .. }
        ));
        assert!(config.account(Some("nope")).is_err());
        let settings = config.reader_settings().unwrap();
        assert!(settings.oldest_first && !settings.mark_seen);
        assert_eq!(settings.editor.as_deref(), Some("emacsclient -t"));
        assert_eq!(settings.address_book, ["Ada <ada@example.com>"]);
        assert_eq!(
            settings.address_book_cmd.as_deref(),
            Some("khard email --parsable %s")
        );
        assert!(settings.compose_in_editor);
        let blank = Config::parse("[reader]\neditor = \" \"\n").unwrap();
        assert_eq!(
            blank.reader_settings().unwrap().editor,
            None,
            "blank: the default"
        );
    }

    #[test]
    fn mistakes_are_reported_not_ignored() {
        assert!(Config::parse("[reader]\nordre = \"newest\"\n").is_err());
        let c = Config::parse("[[account]]\nimap = \"imaps://h\"\n").unwrap();
        assert!(
            c.account(None)
                .unwrap_err()
                .summary
                .contains("needs a user")
        );
        assert!(Config::parse("[[account]]\nimap=\"imaps://h\"\nuser=\"u\"\npassword_command=\"a\"\npassword_env=\"B\"\n")
            .unwrap()
            .account(None)
            .is_err());
    }

    fn oauth2_account(section: &str) -> Result<AccountSpec, Error> {
        Config::parse(&format!(
            "[[account]]\nname = \"work\"\nimap = \"imaps://outlook.office365.com\"\nuser = \"me@example.com\"\nauth = \"oauth2\"\n[account.oauth2]\n{section}"
        ))?
        .account(None)
    }

    fn oauth2_settings(section: &str) -> OAuthSettings {
        match oauth2_account(section).unwrap() {
            AccountSpec::Imap {
                oauth2: Some(settings),
                ..
            } => *settings,
            other => panic!("expected oauth2 settings, got {other:?}"),
        }
    }

    fn oauth2_error(section: &str) -> String {
        oauth2_account(section).unwrap_err().to_string()
    }

    #[test]
    fn oauth2_presets_fill_endpoints_and_scopes() {
        let ms = oauth2_settings("provider = \"microsoft\"\nclient_id = \"abc\"\n");
        assert_eq!(
            ms.provider,
            Provider::Microsoft {
                tenant: "common".into()
            }
        );
        assert_eq!(
            ms.scopes,
            vec![
                "https://outlook.office.com/IMAP.AccessAsUser.All",
                "offline_access"
            ]
        );
        assert_eq!(ms.mechanism, Mechanism::XOAuth2);
        assert_eq!(ms.store, TokenStore::Memory);
        let ms = oauth2_settings(
            "provider = \"microsoft\"\nclient_id = \"abc\"\ntenant = \"contoso.onmicrosoft.com\"\nmechanism = \"oauthbearer\"\n",
        );
        assert_eq!(
            ms.provider.fixed_endpoints().unwrap().0,
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/devicecode"
        );
        assert_eq!(ms.mechanism, Mechanism::OAuthBearer);

        let google = oauth2_settings(
            "provider = \"google\"\nclient_id = \"g\"\nclient_secret_command = \"pass show google-secret\"\n",
        );
        assert_eq!(google.scopes, vec!["https://mail.google.com/"]);
        assert_eq!(
            google.client_secret_command.as_deref(),
            Some("pass show google-secret")
        );

        let custom = oauth2_settings(
            "provider = \"custom\"\nclient_id = \"mailreader\"\nissuer = \"https://id.example.org\"\nscopes = [\"openid\", \"email\", \"offline_access\"]\ntoken_store_command = \"pass insert -m mail/rt\"\ntoken_load_command = \"pass show mail/rt\"\n",
        );
        assert_eq!(custom.provider.issuer(), Some("https://id.example.org"));
        assert_eq!(
            custom.store,
            TokenStore::Commands {
                store: "pass insert -m mail/rt".into(),
                load: "pass show mail/rt".into()
            }
        );
        let explicit = oauth2_settings(
            "provider = \"custom\"\nclient_id = \"c\"\ndevice_endpoint = \"http://127.0.0.1:9/device/auth\"\ntoken_endpoint = \"http://127.0.0.1:9/token\"\nscopes = [\"mail\"]\n",
        );
        assert!(explicit.provider.fixed_endpoints().is_some());
    }

    #[test]
    fn oauth2_mistakes_are_errors() {
        assert!(
            oauth2_error("provider = \"microsoft\"\nclient_id = \"a\"\nclientid = \"b\"\n")
                .contains("unknown field")
        );
        assert!(
            oauth2_error("provider = \"yahoo\"\nclient_id = \"a\"\n")
                .contains("unknown variant `yahoo`")
        );
        assert!(
            oauth2_error("provider = \"microsoft\"\nclient_id = \"\"\n")
                .contains("client_id is empty")
        );
        assert!(
            oauth2_error("provider = \"google\"\nclient_id = \"a\"\n")
                .contains("client_secret_command")
        );
        assert!(
            oauth2_error("provider = \"custom\"\nclient_id = \"a\"\nscopes = [\"x\"]\n")
                .contains("needs issuer")
        );
        assert!(
            oauth2_error(
                "provider = \"custom\"\nclient_id = \"a\"\nissuer = \"https://i.example\"\n"
            )
            .contains("needs scopes")
        );
        assert!(oauth2_error("provider = \"custom\"\nclient_id = \"a\"\nissuer = \"http://id.example.org\"\nscopes = [\"x\"]\n").contains("loopback"));
        assert!(
            oauth2_error(
                "provider = \"microsoft\"\nclient_id = \"a\"\nissuer = \"https://i.example\"\n"
            )
            .contains("only for provider")
        );
        assert!(oauth2_error("provider = \"google\"\nclient_id = \"a\"\nclient_secret_command = \"x\"\ntenant = \"t\"\n").contains("only for provider"));
        assert!(
            oauth2_error("provider = \"microsoft\"\nclient_id = \"a\"\nmechanism = \"plain\"\n")
                .contains("unknown variant `plain`")
        );
        assert!(
            oauth2_error(
                "provider = \"microsoft\"\nclient_id = \"a\"\ntoken_store_command = \"x\"\n"
            )
            .contains("go together")
        );
        assert!(
            oauth2_error("provider = \"microsoft\"\nclient_id = \"a\"\ntoken_store = \"file\"\n")
                .contains("unknown variant `file`")
        );
        assert!(
            oauth2_error(
                "provider = \"microsoft\"\nclient_id = \"a\"\ntoken_store = \"keyring\"\n"
            )
            .contains("not available")
        );
        assert!(
            oauth2_error("provider = \"microsoft\"\nclient_id = \"a\"\ntenant = \"../x\"\n")
                .contains("tenant")
        );
        // auth and the section go together; oauth2 takes no password source
        let e =
            Config::parse("[[account]]\nimap = \"imaps://h\"\nuser = \"u\"\nauth = \"oauth2\"\n")
                .unwrap()
                .account(None)
                .unwrap_err();
        assert!(e.summary.contains("needs an [account.oauth2]"));
        let e = Config::parse("[[account]]\nimap = \"imaps://h\"\nuser = \"u\"\n[account.oauth2]\nprovider = \"google\"\nclient_id = \"a\"\n")
            .unwrap()
            .account(None)
            .unwrap_err();
        assert!(e.summary.contains("needs auth = \"oauth2\""));
        let e =
            Config::parse("[[account]]\nimap = \"imaps://h\"\nuser = \"u\"\nauth = \"kerberos\"\n")
                .unwrap_err();
        assert!(e.to_string().contains("unknown variant `kerberos`"), "{e}");
        let e = Config::parse("[[account]]\nimap = \"imaps://h\"\nuser = \"u\"\nauth = \"oauth2\"\n[account.oauth2]\nprovider = \"microsoft\"\nclient_id = \"a\"\n")
            .unwrap()
            .account(None)
            .unwrap_err();
        assert!(e.summary.contains("full address"), "{e}");
        let e = Config::parse("[[account]]\nimap = \"imaps://h\"\nuser = \"u@x\"\nauth = \"oauth2\"\npassword_env = \"P\"\n[account.oauth2]\nprovider = \"microsoft\"\nclient_id = \"a\"\n")
            .unwrap()
            .account(None)
            .unwrap_err();
        assert!(e.summary.contains("takes no password"));
    }

    /// The parser's message for `text`: what a user sees under "the config file is not valid".
    fn parse_error(text: &str) -> String {
        let e = Config::parse(text).unwrap_err();
        assert_eq!(e.summary, "the config file is not valid");
        e.details.unwrap_or_default()
    }

    #[test]
    fn a_wrong_value_names_its_line_column_and_the_expected_values() {
        let e = parse_error("[reader]\nmark_seen = true\norder = \"olde\"\n");
        assert!(e.contains("line 3, column 9"), "{e}");
        assert!(
            e.contains("unknown variant `olde`, expected `newest` or `oldest`"),
            "{e}"
        );
        let e = parse_error("[reader]\nlayout = \"wide\"\n");
        assert!(e.contains("line 2, column 10"), "{e}");
        assert!(
            e.contains("unknown variant `wide`, expected `split` or `full`"),
            "{e}"
        );
        let e = parse_error("[[account]]\nimap = \"imaps://h\"\nauth = \"kerberos\"\n");
        assert!(e.contains("line 3, column 8"), "{e}");
        assert!(
            e.contains("unknown variant `kerberos`, expected `password` or `oauth2`"),
            "{e}"
        );
    }

    #[test]
    fn a_wrong_oauth2_value_names_its_line_and_the_expected_values() {
        let section = |rest: &str| {
            format!(
                "[[account]]\nimap = \"imaps://h\"\nauth = \"oauth2\"\n[account.oauth2]\n{rest}"
            )
        };
        let e = parse_error(&section("provider = \"yahoo\"\nclient_id = \"a\"\n"));
        assert!(e.contains("line 5, column 12"), "{e}");
        assert!(
            e.contains("unknown variant `yahoo`, expected one of `microsoft`, `google`, `custom`"),
            "{e}"
        );
        let e = parse_error(&section(
            "provider = \"microsoft\"\nclient_id = \"a\"\nmechanism = \"plain\"\n",
        ));
        assert!(e.contains("line 7, column 13"), "{e}");
        assert!(
            e.contains("unknown variant `plain`, expected `xoauth2` or `oauthbearer`"),
            "{e}"
        );
        let e = parse_error(&section(
            "provider = \"microsoft\"\nclient_id = \"a\"\ntoken_store = \"file\"\n",
        ));
        assert!(e.contains("line 7, column 15"), "{e}");
        assert!(
            e.contains("unknown variant `file`, expected `memory` or `keyring`"),
            "{e}"
        );
        // A mistyped key is named where it is, with every key the section takes.
        let e = parse_error(&section("provider = \"google\"\nclientid = \"a\"\n"));
        assert!(e.contains("line 6, column 1"), "{e}");
        assert!(
            e.contains("unknown field `clientid`, expected one of `provider`, `client_id`"),
            "{e}"
        );
        assert!(e.contains("`token_load_command`"), "{e}");
        let e = parse_error(&section("client_id = \"a\"\n"));
        assert!(e.contains("missing field `provider`"), "{e}");
    }

    #[test]
    fn every_documented_value_parses() {
        for (text, oldest, layout) in [
            (
                "order = \"newest\"\nlayout = \"split\"",
                false,
                Layout::Split,
            ),
            ("order = \"oldest\"\nlayout = \"full\"", true, Layout::Full),
        ] {
            let settings = Config::parse(&format!("[reader]\n{text}\n"))
                .unwrap()
                .reader_settings()
                .unwrap();
            assert_eq!((settings.oldest_first, settings.layout), (oldest, layout));
        }
        let password = Config::parse("[[account]]\nimap = \"imaps://h\"\nuser = \"u\"\nauth = \"password\"\npassword_env = \"P\"\n")
            .unwrap()
            .account(None)
            .unwrap();
        assert!(matches!(
            password,
            AccountSpec::Imap {
                oauth2: None,
                secret: SecretSource::Env(_),
                ..
            }
        ));
        let memory = oauth2_settings(
            "provider = \"microsoft\"\nclient_id = \"a\"\nmechanism = \"xoauth2\"\ntoken_store = \"memory\"\n",
        );
        assert_eq!(
            (memory.mechanism, memory.store),
            (Mechanism::XOAuth2, TokenStore::Memory)
        );
    }
}
