//! The TOML configuration (`$XDG_CONFIG_HOME/sealmail/config.toml`): accounts, where their
//! secrets come from, and reader settings. No secret is ever read from or written to this file.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde::Deserialize;

use crate::error::{Error, ErrorKind};
use crate::secret::SecretString;

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
    /// Turns the metrics panel on.
    #[serde(default)]
    pub metrics: bool,
}

/// `[reader]`: how the reader behaves.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReaderConfig {
    /// `"newest"` (default) or `"oldest"` at the top of the list.
    pub order: String,
    /// Opening a message marks it \Seen.
    pub mark_seen: bool,
    /// `"split"` (list above, message below) or `"full"`.
    pub layout: String,
    /// Rows fetched before the first paint.
    pub first_window: u32,
    /// Use colour (also off when the NO_COLOR variable is set).
    pub color: bool,
}

impl Default for ReaderConfig {
    fn default() -> Self {
        ReaderConfig {
            order: "newest".into(),
            mark_seen: true,
            layout: "split".into(),
            first_window: 100,
            color: true,
        }
    }
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
}

/// Where a password comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretSource {
    Command(String),
    Env(String),
    Prompt,
}

impl SecretSource {
    /// Reads the secret. A prompt needs a terminal and must happen before the UI starts.
    pub fn read(&self, prompt: &str) -> Result<SecretString, Error> {
        match self {
            SecretSource::Command(cmd) => run_secret_command(cmd),
            SecretSource::Env(var) => std::env::var(var).map(SecretString::from).map_err(|_| {
                Error::new(
                    ErrorKind::Config,
                    format!("the environment variable {var} is not set"),
                )
            }),
            SecretSource::Prompt => rpassword::prompt_password(prompt)
                .map(SecretString::from)
                .map_err(|e| {
                    Error::new(ErrorKind::Io, "cannot read the password")
                        .with_details(e.to_string())
                }),
        }
    }
}

/// Runs a secret command through `sh -c` and keeps the first line of its output.
pub fn run_secret_command(cmd: &str) -> Result<SecretString, Error> {
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| {
            Error::new(ErrorKind::Config, "cannot run the password command")
                .with_details(e.to_string())
        })?;
    let stdout = zeroize::Zeroizing::new(output.stdout);
    if !output.status.success() {
        return Err(Error::new(
            ErrorKind::Config,
            format!("the password command failed ({})", output.status),
        ));
    }
    let text = std::str::from_utf8(&stdout).map_err(|_| {
        Error::new(
            ErrorKind::Config,
            "the password command printed something that is not UTF-8",
        )
    })?;
    let first = text.lines().next().unwrap_or("");
    if first.is_empty() {
        return Err(Error::new(
            ErrorKind::Config,
            "the password command printed nothing",
        ));
    }
    Ok(SecretString::from(first))
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
        match (&self.imap, &self.maildir) {
            (Some(_), Some(_)) => Err(Error::new(
                ErrorKind::Config,
                format!("account \"{name}\" has both imap and maildir: pick one"),
            )),
            (None, Some(path)) => Ok(AccountSpec::Maildir {
                name,
                path: expand_home(path),
            }),
            (None, None) => Err(Error::new(
                ErrorKind::Config,
                format!("account \"{name}\" needs imap or maildir"),
            )),
            (Some(url), None) => {
                let user = self.user.clone().ok_or_else(|| {
                    Error::new(
                        ErrorKind::Config,
                        format!("account \"{name}\" needs a user"),
                    )
                })?;
                let secret = match (&self.password_command, &self.password_env) {
                    (Some(_), Some(_)) => {
                        return Err(Error::new(
                            ErrorKind::Config,
                            format!(
                                "account \"{name}\": give password_command or password_env, not both"
                            ),
                        ));
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
                    ca_file: self.ca_file.as_deref().map(expand_home),
                    insecure: self.insecure,
                })
            }
        }
    }
}

fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), dirs::home_dir()) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => path.to_path_buf(),
    }
}

/// The default config path: `$XDG_CONFIG_HOME/sealmail/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("sealmail").join("config.toml"))
}

/// sealmail's state directory (`$XDG_STATE_HOME/sealmail`): logs and portal trust, no secret.
pub fn state_dir() -> Option<PathBuf> {
    dirs::state_dir()
        .or_else(dirs::cache_dir)
        .map(|d| d.join("sealmail"))
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

    pub fn reader_settings(&self) -> Result<crate::app::state::ReaderSettings, Error> {
        use crate::app::state::{Layout, ReaderSettings};
        let r = &self.reader;
        let oldest_first = match r.order.as_str() {
            "newest" => false,
            "oldest" => true,
            other => {
                return Err(Error::new(
                    ErrorKind::Config,
                    format!("reader.order must be \"newest\" or \"oldest\", not {other:?}"),
                ));
            }
        };
        let layout = match r.layout.as_str() {
            "split" => Layout::Split,
            "full" => Layout::Full,
            other => {
                return Err(Error::new(
                    ErrorKind::Config,
                    format!("reader.layout must be \"split\" or \"full\", not {other:?}"),
                ));
            }
        };
        let color = r.color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Ok(ReaderSettings {
            oldest_first,
            mark_seen: r.mark_seen,
            layout,
            first_window: r.first_window.clamp(10, 5000),
            color,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_config_parses() {
        let config = Config::parse(
            r#"
            trusted_portals = ["https://portal.example.com"]
            [reader]
            order = "oldest"
            mark_seen = false
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

    #[test]
    fn password_command_keeps_the_first_line() {
        assert_eq!(
            run_secret_command("printf 'pw1\\nother\\n'")
                .unwrap()
                .expose(),
            "pw1"
        );
        assert!(run_secret_command("exit 3").is_err());
        assert!(run_secret_command("true").is_err());
    }
}
