//! How to reach an IMAP account: URL, transport security, credentials, trust anchors.
//! Parsing and the plain-text policy only; no I/O.

use std::path::PathBuf;

use crate::auth::oauth2::{Mechanism, TokenKeeper};
use crate::error::{Error, ErrorKind};
use crate::secret::SecretString;

/// Default port of implicit TLS (`imaps://`).
pub const IMAPS_PORT: u16 = 993;
/// Default port of IMAP with STARTTLS (`imap://`) and of plain IMAP.
pub const IMAP_PORT: u16 = 143;

/// How the connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// TLS from the first byte (`imaps://`).
    Tls,
    /// Plain TCP upgraded with STARTTLS before anything else (`imap://`). A server that does
    /// not offer STARTTLS is an error; there is no silent downgrade.
    StartTls,
    /// No encryption (`imap+plain://`): only to a loopback address, or with `insecure = true`.
    Plain,
}

/// How the reader proves who it is; the login code matches on this enum in one place
/// (`connect::login`).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Auth {
    /// `LOGIN user password`, only ever sent over TLS or to loopback.
    Password(SecretString),
    /// `AUTHENTICATE XOAUTH2` with an access token from the keeper (signing in first when
    /// there is none).
    XOAuth2(TokenKeeper),
    /// `AUTHENTICATE OAUTHBEARER` (RFC 7628) when the server offers it, else XOAUTH2.
    OAuthBearer(TokenKeeper),
}

impl Auth {
    /// OAuth2 for the keeper's configured mechanism.
    pub fn oauth2(keeper: TokenKeeper) -> Auth {
        match keeper.mechanism() {
            Mechanism::XOAuth2 => Auth::XOAuth2(keeper),
            Mechanism::OAuthBearer => Auth::OAuthBearer(keeper),
        }
    }

    /// The token keeper, for the OAuth2 variants.
    pub fn token_keeper(&self) -> Option<&TokenKeeper> {
        match self {
            Auth::Password(_) => None,
            Auth::XOAuth2(keeper) | Auth::OAuthBearer(keeper) => Some(keeper),
        }
    }
}

/// Everything the IMAP actor needs to reach one account.
#[derive(Clone, Debug)]
pub struct ImapSettings {
    pub security: Security,
    pub host: String,
    pub port: u16,
    pub user: String,
    pub auth: Auth,
    /// A PEM file of extra trust anchors (a private CA), added to the system roots.
    pub ca_file: Option<PathBuf>,
    /// Allows plain IMAP to a host that is not loopback. TLS is verified whatever this says.
    pub insecure: bool,
    /// When more rows than this are left after the first window, a second connection loads
    /// the older half in parallel (Dovecot serves each connection on one core). `None`: one
    /// connection only.
    pub parallel_fill_min: Option<u32>,
    /// Turn on QRESYNC (RFC 7162) when the server offers it, so that expunges are reported
    /// by UID (`VANISHED`) instead of by sequence number. On by default; off only to test the
    /// plain RFC 3501 path against servers that offer it.
    pub qresync: bool,
    /// How often the open folder is looked for while nothing else happens (some servers
    /// never say that it was deleted elsewhere).
    pub folder_check_every: std::time::Duration,
}

/// The default of [`ImapSettings::parallel_fill_min`].
pub const PARALLEL_FILL_MIN: u32 = 20_000;

/// The parts of an account URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImapUrl {
    pub security: Security,
    pub host: String,
    pub port: u16,
}

impl ImapSettings {
    /// Settings from an account URL (`imaps://host:993`, `imap://host:143`,
    /// `imap+plain://127.0.0.1:143`), a user and a credential.
    pub fn from_url(url: &str, user: impl Into<String>, auth: Auth) -> Result<Self, Error> {
        let ImapUrl {
            security,
            host,
            port,
        } = parse_url(url)?;
        Ok(Self {
            security,
            host,
            port,
            user: user.into(),
            auth,
            ca_file: None,
            insecure: false,
            parallel_fill_min: Some(PARALLEL_FILL_MIN),
            qresync: true,
            folder_check_every: std::time::Duration::from_secs(120),
        })
    }

    /// Refuses settings that would send the credentials unencrypted to another machine.
    pub fn check_policy(&self) -> Result<(), Error> {
        plain_allowed(self.security, &self.host, self.insecure)
    }
}

/// Parses `imaps://host[:port]`, `imap://host[:port]` (STARTTLS) or
/// `imap+plain://host[:port]`. IPv6 literals go in brackets: `imaps://[::1]:993`.
pub fn parse_url(url: &str) -> Result<ImapUrl, Error> {
    let bad = |why: &str| {
        Error::new(ErrorKind::Config, format!("invalid IMAP URL: {why}"))
            .with_details("expected imaps://host:993 or imap://host:143")
    };
    let url = url.trim();
    let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("no scheme"))?;
    let (security, default_port) = match scheme.to_ascii_lowercase().as_str() {
        "imaps" => (Security::Tls, IMAPS_PORT),
        "imap" => (Security::StartTls, IMAP_PORT),
        "imap+plain" => (Security::Plain, IMAP_PORT),
        _ => return Err(bad("the scheme must be imaps, imap or imap+plain")),
    };
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.contains(['/', '?', '#', '@']) || authority.is_empty() {
        return Err(bad("only a host and a port are allowed"));
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or_else(|| bad("unclosed '['"))?;
        if host.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(bad("not an IPv6 address in brackets"));
        }
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return Err(bad("junk after ']'")),
        };
        (host.to_owned(), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), Some(p)),
            None => (authority.to_owned(), None),
        }
    };
    if host.is_empty() || host.contains(':') && !authority.starts_with('[') {
        return Err(bad("the host is missing or malformed"));
    }
    let port = match port {
        None => default_port,
        Some(p) => match p.parse::<u16>() {
            Ok(p) if p != 0 => p,
            _ => return Err(bad("the port must be a number from 1 to 65535")),
        },
    };
    Ok(ImapUrl {
        security,
        host: host.to_ascii_lowercase(),
        port,
    })
}

pub use crate::net::is_loopback_host;

/// Plain IMAP goes only to loopback unless the user said `insecure = true`.
pub fn plain_allowed(security: Security, host: &str, insecure: bool) -> Result<(), Error> {
    if security != Security::Plain || insecure || is_loopback_host(host) {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::Tls,
        "refusing plain IMAP to a host that is not loopback",
    )
    .with_details("use imaps:// or imap:// (STARTTLS), or set insecure = true for this account"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_with_default_ports() {
        let u = parse_url("imaps://Mail.Example.org").unwrap();
        assert_eq!(
            u,
            ImapUrl {
                security: Security::Tls,
                host: "mail.example.org".into(),
                port: 993
            }
        );
        let u = parse_url("imap://mail.example.org:1143/").unwrap();
        assert_eq!((u.security, u.port), (Security::StartTls, 1143));
        let u = parse_url("imap+plain://127.0.0.1").unwrap();
        assert_eq!((u.security, u.port), (Security::Plain, 143));
        let u = parse_url("imaps://[::1]:10993").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", 10993));
    }

    #[test]
    fn bad_urls_are_config_errors() {
        for bad in [
            "mail.example.org",
            "http://mail.example.org",
            "imaps://",
            "imaps://host:0",
            "imaps://host:99999",
            "imaps://user@host",
            "imaps://host/INBOX",
            "imaps://[::1",
            "imaps://::1:993",
        ] {
            let e = parse_url(bad).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Config, "{bad}");
        }
    }

    #[test]
    fn plain_only_to_loopback_unless_insecure() {
        assert!(plain_allowed(Security::Plain, "127.0.0.1", false).is_ok());
        assert!(plain_allowed(Security::Plain, "::1", false).is_ok());
        assert!(plain_allowed(Security::Plain, "localhost", false).is_ok());
        let e = plain_allowed(Security::Plain, "mail.example.org", false).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Tls);
        assert!(plain_allowed(Security::Plain, "192.0.2.7", false).is_err());
        assert!(plain_allowed(Security::Plain, "mail.example.org", true).is_ok());
        // TLS and STARTTLS are always allowed: they are verified.
        assert!(plain_allowed(Security::Tls, "mail.example.org", false).is_ok());
        assert!(plain_allowed(Security::StartTls, "mail.example.org", false).is_ok());
    }

    #[test]
    fn settings_check_the_policy_and_hide_the_password() {
        let s = ImapSettings::from_url(
            "imap+plain://mail.example.org",
            "u",
            Auth::Password("hunter2".into()),
        )
        .unwrap();
        assert!(s.check_policy().is_err());
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
