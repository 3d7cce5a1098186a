//! The service's settings: the TOML file (every field optional, so command-line flags can fill
//! or override any of them) and the resolved, checked configuration the service runs with.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::keys::MasterKey;
use super::store::{Database, PostgresTarget, url_has_password};
use crate::sealed::api::OidcIssuer;
use crate::sealed::fields;
use crate::secret::SecretString;

/// Environment variable that may hold the master key (32 bytes, base64).
pub const MASTER_KEY_ENV: &str = "SEALMAIL_PORTAL_MASTER_KEY";
/// Environment variable that may hold the SMTP password.
pub const SMTP_PASSWORD_ENV: &str = "SEALMAIL_PORTAL_SMTP_PASSWORD";
/// Environment variable that may hold the PostgreSQL password.
pub const DATABASE_PASSWORD_ENV: &str = "SEALMAIL_PORTAL_DATABASE_PASSWORD";
/// Default per-IP budget of API requests per minute.
pub const DEFAULT_IP_PER_MINUTE: u32 = 120;
/// Default largest request body in bytes.
pub const DEFAULT_MAX_BODY: usize = 16 * 1024;

/// The config file as written (and as flags fill it). See `docs/protocol.md` for an example.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// `host:port` to listen on.
    pub listen: Option<String>,
    /// Public origin (`https://portal.example.com`); default `http://<listen address>` for
    /// loopback.
    pub origin: Option<String>,
    /// SQLite database file (one portal process).
    pub db: Option<PathBuf>,
    /// PostgreSQL database shared by every instance: `postgres://user@host:port/dbname`,
    /// without the password (that comes from `database_password_file` or the env var
    /// `SEALMAIL_PORTAL_DATABASE_PASSWORD`). Excludes `db`.
    pub database: Option<String>,
    /// File whose first line is the PostgreSQL password.
    pub database_password_file: Option<PathBuf>,
    /// File holding the master key: 32 random bytes, base64.
    pub master_key_file: Option<PathBuf>,
    /// A command that prints the master key (base64), e.g. a secret store's or KMS's client;
    /// run with `sh -c`. Excludes `master_key_file`.
    pub master_key_command: Option<String>,
    /// TLS certificate chain and key (PEM). Without them the service speaks plain HTTP, which
    /// is only allowed on a loopback address.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// SMTP relay: `smtp://host:port` (STARTTLS required), `smtps://host:port`, or
    /// `smtp+insecure://127.0.0.1:port` (no TLS, loopback only, no AUTH).
    pub smtp: Option<String>,
    pub smtp_user: Option<String>,
    /// File whose first line is the SMTP password (or the env var `SEALMAIL_PORTAL_SMTP_PASSWORD`).
    pub smtp_password_file: Option<PathBuf>,
    /// From address of passcode mail.
    pub mail_from: Option<String>,
    /// Extra CA certificates (PEM) to trust for the SMTP relay and identity providers.
    pub ca_file: Option<PathBuf>,
    /// Serve aggregate counts on `/metrics`.
    pub metrics: Option<bool>,
    /// Per-IP API requests per minute (0: no limit).
    pub ip_requests_per_minute: Option<u32>,
    /// Largest request body, in bytes.
    pub max_body_bytes: Option<usize>,
    #[serde(default)]
    pub sender_tokens: Vec<SenderTokenFile>,
    #[serde(default)]
    pub oidc: Vec<OidcFile>,
    /// Addresses of reverse proxies in front of the portal: a request whose connection comes
    /// from one of them counts as coming from the last hop of its `Forwarded` or
    /// `X-Forwarded-For` field. Empty (the default): forwarded fields are ignored.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SenderTokenFile {
    pub token: String,
    /// Addresses this token may send from: `user@domain` or `*@domain`.
    pub allowed_from: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcFile {
    pub issuer: String,
    pub client_id: String,
    pub name: Option<String>,
}

impl ConfigFile {
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Fields set in `flags` win; lists from both are joined.
    pub fn merge(mut self, flags: ConfigFile) -> Self {
        macro_rules! take {
            ($($f:ident),*) => { $( if flags.$f.is_some() { self.$f = flags.$f; } )* };
        }
        take!(
            listen,
            origin,
            db,
            database,
            database_password_file,
            master_key_file,
            master_key_command,
            tls_cert,
            tls_key,
            smtp,
            smtp_user,
            smtp_password_file,
            mail_from,
            ca_file,
            metrics,
            ip_requests_per_minute,
            max_body_bytes
        );
        self.sender_tokens.extend(flags.sender_tokens);
        self.oidc.extend(flags.oidc);
        self.trusted_proxies.extend(flags.trusted_proxies);
        self
    }

    /// Checks everything and reads the secrets the settings point to.
    pub fn resolve(self) -> Result<PortalConfig, String> {
        let listen: SocketAddr = self
            .listen
            .as_deref()
            .unwrap_or("127.0.0.1:8480")
            .parse()
            .map_err(|e| format!("listen: not host:port ({e})"))?;
        let tls = match (self.tls_cert, self.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (None, None) => None,
            _ => return Err("tls_cert and tls_key go together".into()),
        };
        if tls.is_none() && !listen.ip().is_loopback() {
            return Err(
                "without tls_cert/tls_key the portal only listens on a loopback address".into(),
            );
        }
        if let Some(origin) = &self.origin {
            fields::check_origin(origin).map_err(|e| format!("origin: {e}"))?;
        }
        let master_key = match (&self.master_key_file, &self.master_key_command) {
            (Some(_), Some(_)) => {
                return Err("give master_key_file or master_key_command, not both".into());
            }
            (Some(path), None) => MasterKey::from_file(path)?,
            (None, Some(command)) => MasterKey::from_command(command)?,
            (None, None) => match std::env::var(MASTER_KEY_ENV) {
                Ok(text) => MasterKey::from_base64(&SecretString::new(text))?,
                Err(_) => {
                    return Err(format!(
                        "no master key: give master_key_file or master_key_command, or set \
                         {MASTER_KEY_ENV}"
                    ));
                }
            },
        };
        let database = match (self.db, self.database) {
            (Some(_), Some(_)) => {
                return Err("give db (SQLite) or database (PostgreSQL), not both".into());
            }
            (Some(path), None) => Database::Sqlite(path),
            (None, Some(url)) => {
                if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                    return Err("database: a postgres:// URL (for SQLite, use db)".into());
                }
                // Never quote the URL here: it might hold the very password refused.
                if url_has_password(&url) {
                    return Err(format!(
                        "database: put the password in database_password_file or \
                         {DATABASE_PASSWORD_ENV}, not in the URL"
                    ));
                }
                let password = match &self.database_password_file {
                    Some(path) => Some(read_first_line(path)?),
                    None => std::env::var(DATABASE_PASSWORD_ENV)
                        .ok()
                        .map(SecretString::new),
                };
                Database::Postgres(PostgresTarget { url, password })
            }
            (None, None) => Database::Memory,
        };
        let smtp = match self.smtp {
            Some(url) => {
                let password = match &self.smtp_password_file {
                    Some(path) => Some(read_first_line(path)?),
                    None => std::env::var(SMTP_PASSWORD_ENV).ok().map(SecretString::new),
                };
                Some(SmtpConfig {
                    url,
                    user: self.smtp_user,
                    password,
                })
            }
            None => None,
        };
        let mail_from = match self.mail_from {
            Some(from) => {
                Some(fields::normalize_address(&from).map_err(|e| format!("mail_from: {e}"))?)
            }
            None => None,
        };
        let mut sender_tokens = Vec::new();
        for t in self.sender_tokens {
            if t.token.len() < 16 {
                return Err("a sender token must be at least 16 characters".into());
            }
            for pattern in &t.allowed_from {
                check_from_pattern(pattern)?;
            }
            sender_tokens.push(SenderToken {
                token: SecretString::new(t.token),
                allowed_from: t
                    .allowed_from
                    .iter()
                    .map(|p| p.to_ascii_lowercase())
                    .collect(),
            });
        }
        let mut oidc = Vec::new();
        for o in self.oidc {
            crate::net::http::check_url(&o.issuer).map_err(|e| format!("oidc issuer: {e}"))?;
            if o.client_id.is_empty() {
                return Err("oidc: empty client id".into());
            }
            let name = o.name.unwrap_or_else(|| o.issuer.clone());
            oidc.push(OidcIssuer {
                issuer: o.issuer,
                client_id: o.client_id,
                name,
            });
        }
        let trusted_proxies = self
            .trusted_proxies
            .iter()
            .map(|text| {
                text.parse::<std::net::IpAddr>()
                    .map_err(|_| format!("trusted_proxies: {text:?} is not an IP address"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PortalConfig {
            trusted_proxies,
            listen,
            origin: self.origin,
            database,
            master_key,
            tls,
            smtp,
            mail_from,
            ca_file: self.ca_file,
            metrics: self.metrics.unwrap_or(false),
            ip_requests_per_minute: self.ip_requests_per_minute.unwrap_or(DEFAULT_IP_PER_MINUTE),
            max_body_bytes: self.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY),
            sender_tokens,
            oidc,
        })
    }
}

fn read_first_line(path: &Path) -> Result<SecretString, String> {
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
    );
    Ok(SecretString::from(text.lines().next().unwrap_or_default()))
}

fn check_from_pattern(pattern: &str) -> Result<(), String> {
    let lower = pattern.to_ascii_lowercase();
    let ok = match lower.strip_prefix("*@") {
        Some(domain) => fields::check_address(&format!("x@{domain}")).is_ok(),
        None => fields::check_address(&lower).is_ok(),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "sender token: {pattern:?} is neither user@domain nor *@domain"
        ))
    }
}

/// TLS certificate chain and private key files (PEM).
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub url: String,
    pub user: Option<String>,
    pub password: Option<SecretString>,
}

/// A sender token and the From addresses it may register messages for.
#[derive(Debug, Clone)]
pub struct SenderToken {
    pub token: SecretString,
    pub allowed_from: Vec<String>,
}

impl SenderToken {
    pub fn allows(&self, from: &str) -> bool {
        from_allowed(&self.allowed_from, from)
    }
}

/// True when `from` matches one of `patterns` (`user@domain` exactly, or `*@domain`).
pub fn from_allowed(patterns: &[String], from: &str) -> bool {
    patterns
        .iter()
        .any(|pattern| match pattern.strip_prefix("*@") {
            Some(domain) => from.rsplit_once('@').is_some_and(|(_, d)| d == domain),
            None => pattern == from,
        })
}

/// The checked configuration the service runs with.
#[derive(Debug, Clone)]
pub struct PortalConfig {
    pub listen: SocketAddr,
    pub origin: Option<String>,
    pub database: Database,
    pub master_key: MasterKey,
    pub tls: Option<TlsFiles>,
    pub smtp: Option<SmtpConfig>,
    pub mail_from: Option<String>,
    pub ca_file: Option<PathBuf>,
    pub metrics: bool,
    pub ip_requests_per_minute: u32,
    pub max_body_bytes: usize,
    pub sender_tokens: Vec<SenderToken>,
    pub oidc: Vec<OidcIssuer>,
    /// See [`ConfigFile::trusted_proxies`].
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl PortalConfig {
    /// A loopback configuration with an in-memory database, for embedding (tests, the demo).
    pub fn loopback(master_key: MasterKey) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            origin: None,
            database: Database::Memory,
            master_key,
            tls: None,
            smtp: None,
            mail_from: None,
            ca_file: None,
            metrics: false,
            ip_requests_per_minute: DEFAULT_IP_PER_MINUTE,
            max_body_bytes: DEFAULT_MAX_BODY,
            sender_tokens: Vec::new(),
            oidc: Vec::new(),
            trusted_proxies: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sender_token_patterns() {
        let t = SenderToken {
            token: "x".into(),
            allowed_from: vec!["*@example.com".into(), "boss@example.org".into()],
        };
        assert!(t.allows("a@example.com"));
        assert!(!t.allows("a@sub.example.com"));
        assert!(t.allows("boss@example.org"));
        assert!(!t.allows("intern@example.org"));
    }

    #[test]
    fn flags_override_the_file() {
        let file: ConfigFile = toml::from_str(
            "listen = \"127.0.0.1:1\"\nmetrics = true\n[[sender_tokens]]\ntoken = \"aaaaaaaaaaaaaaaa\"\nallowed_from = [\"*@a.test\"]\n",
        )
        .unwrap();
        let flags = ConfigFile {
            listen: Some("127.0.0.1:2".into()),
            ..ConfigFile::default()
        };
        let merged = file.merge(flags);
        assert_eq!(merged.listen.as_deref(), Some("127.0.0.1:2"));
        assert_eq!(merged.metrics, Some(true));
        assert_eq!(merged.sender_tokens.len(), 1);
        assert!(toml::from_str::<ConfigFile>("bogus = 1").is_err());
    }
}
