//! SMTP submission rules shared by the reader's composer, the portal's passcode mail and
//! `sealmail seal --smtp`: one reading of the relay URL and one transport (lettre). `smtp://`
//! requires STARTTLS, `smtps://` is implicit TLS, both with the certificate verified; plain SMTP
//! only as `smtp+insecure://` to a loopback address, and never with AUTH.

use std::path::Path;
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, Tokio1Executor};

use super::is_loopback_host;

/// The URL scheme of plain SMTP (no TLS): loopback only, no AUTH.
pub const INSECURE_SCHEME: &str = "smtp+insecure";

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// `smtp://`: STARTTLS, required (a relay that does not offer it is refused).
    StartTls,
    /// `smtps://`: TLS from the first byte.
    Tls,
    /// `smtp+insecure://`: no TLS, to a loopback address only, never with AUTH.
    Plain,
}

/// A checked relay URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
}

/// Why a relay URL or its settings cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmtpUrlError {
    #[error("not a URL ({0})")]
    NotUrl(String),
    #[error("the URL has no host")]
    NoHost,
    #[error(
        "unknown scheme {0}:// (smtp:// with STARTTLS, smtps://, or smtp+insecure:// to a loopback address)"
    )]
    Scheme(String),
    #[error("the URL may hold only scheme, host and port (user, password and path go elsewhere)")]
    Extra,
    #[error(
        "smtp+insecure:// (no TLS) is only allowed to a loopback address; use smtp:// (STARTTLS) or smtps://"
    )]
    InsecureRemote,
    #[error(
        "smtp+insecure:// sends without TLS, so it never authenticates: drop the SMTP user and password, or use smtp:// or smtps://"
    )]
    AuthWithoutTls,
    #[error("{0}")]
    Tls(String),
}

impl SmtpUrl {
    pub fn parse(text: &str) -> Result<Self, SmtpUrlError> {
        let url = url::Url::parse(text).map_err(|e| SmtpUrlError::NotUrl(e.to_string()))?;
        let (security, default_port) = match url.scheme() {
            "smtp" => (SmtpSecurity::StartTls, 587),
            "smtps" => (SmtpSecurity::Tls, 465),
            INSECURE_SCHEME => (SmtpSecurity::Plain, 25),
            other => {
                return Err(SmtpUrlError::Scheme(
                    crate::sanitize::line(other).into_owned(),
                ));
            }
        };
        if !url.username().is_empty()
            || url.password().is_some()
            || !matches!(url.path(), "" | "/")
            || url.query().is_some()
            || url.fragment().is_some()
        {
            return Err(SmtpUrlError::Extra);
        }
        let host = match url.host() {
            Some(url::Host::Domain(name)) => name.to_owned(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            None => return Err(SmtpUrlError::NoHost),
        };
        if host.is_empty() {
            return Err(SmtpUrlError::NoHost);
        }
        if security == SmtpSecurity::Plain && !is_loopback_host(&host) {
            return Err(SmtpUrlError::InsecureRemote);
        }
        Ok(Self {
            port: url.port().unwrap_or(default_port),
            host,
            security,
        })
    }
}

/// A transport for `url` (see [`SmtpUrl`]); TLS verified against the system roots and
/// `ca_file`. `credentials` with `smtp+insecure://` are refused: no AUTH without TLS.
pub fn transport(
    url: &str,
    credentials: Option<Credentials>,
    ca_file: Option<&Path>,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, SmtpUrlError> {
    let url = SmtpUrl::parse(url)?;
    let tls = match url.security {
        SmtpSecurity::Plain => {
            if credentials.is_some() {
                return Err(SmtpUrlError::AuthWithoutTls);
            }
            Tls::None
        }
        SmtpSecurity::StartTls => Tls::Required(tls_parameters(&url.host, ca_file)?),
        SmtpSecurity::Tls => Tls::Wrapper(tls_parameters(&url.host, ca_file)?),
    };
    // `builder_dangerous` only means "no TLS preset": the TLS mode is set right here.
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(url.host)
        .port(url.port)
        .tls(tls)
        .timeout(Some(Duration::from_secs(30)));
    if let Some(credentials) = credentials {
        builder = builder.credentials(credentials);
    }
    Ok(builder.build())
}

/// TLS for `host`, verified against the system roots and `ca_file`.
pub fn tls_parameters(host: &str, ca_file: Option<&Path>) -> Result<TlsParameters, SmtpUrlError> {
    // The system roots come from the one loader the other clients use; lettre's own loader
    // (a feature it cannot build without) is left unused.
    let mut params =
        TlsParameters::builder(host.to_owned()).certificate_store(CertificateStore::None);
    for der in super::native_roots() {
        if let Ok(root) = Certificate::from_der(der.to_vec()) {
            params = params.add_root_certificate(root);
        }
    }
    if let Some(path) = ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| SmtpUrlError::Tls(format!("cannot read {}: {e}", path.display())))?;
        let cert = Certificate::from_pem(&pem)
            .map_err(|e| SmtpUrlError::Tls(format!("{}: {e}", path.display())))?;
        params = params.add_root_certificate(cert);
    }
    params
        .build_rustls()
        .map_err(|e| SmtpUrlError::Tls(format!("smtp TLS: {e}")))
}

/// A failed submission in words that never quote the relay (its reply may name a recipient).
pub fn describe(e: &lettre::transport::smtp::Error) -> &'static str {
    if e.is_client() && e.to_string().contains("STARTTLS") {
        "the relay does not offer STARTTLS, which smtp:// requires; nothing was sent \
         (use smtps://, or smtp+insecure:// for a relay on this machine)"
    } else if e.is_permanent() {
        "the relay refused it"
    } else if e.is_transient() {
        "the relay deferred it"
    } else if e.is_tls() {
        "TLS with the relay failed (certificate not trusted, or no TLS spoken)"
    } else if e.is_timeout() {
        "the relay timed out"
    } else {
        "cannot talk to the relay"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_say_how_they_are_protected() {
        let parsed = SmtpUrl::parse("smtp://relay.example.com").unwrap();
        assert_eq!(
            (parsed.host.as_str(), parsed.port, parsed.security),
            ("relay.example.com", 587, SmtpSecurity::StartTls)
        );
        assert_eq!(
            SmtpUrl::parse("smtps://relay.example.com:2465")
                .unwrap()
                .security,
            SmtpSecurity::Tls
        );
        for loopback in [
            "smtp+insecure://127.0.0.1:25",
            "smtp+insecure://127.8.9.10",
            "smtp+insecure://localhost:2525",
            "smtp+insecure://[::1]:25",
        ] {
            assert_eq!(
                SmtpUrl::parse(loopback).unwrap().security,
                SmtpSecurity::Plain,
                "{loopback}"
            );
        }
        assert_eq!(SmtpUrl::parse("smtp+insecure://[::1]").unwrap().host, "::1");
    }

    #[test]
    fn plain_smtp_is_loopback_only_and_never_authenticates() {
        for remote in [
            "smtp+insecure://relay.example.com",
            "smtp+insecure://10.0.0.1:25",
            "smtp+insecure://127.0.0.1.example.com",
            "smtp+insecure://[::ffff:127.0.0.1]",
            "smtp+insecure://0.0.0.0",
        ] {
            assert_eq!(
                SmtpUrl::parse(remote),
                Err(SmtpUrlError::InsecureRemote),
                "{remote}"
            );
        }
        let creds = Credentials::new("u".into(), "p".into());
        assert_eq!(
            transport("smtp+insecure://127.0.0.1:25", Some(creds), None).err(),
            Some(SmtpUrlError::AuthWithoutTls)
        );
        assert!(transport("smtp+insecure://127.0.0.1:25", None, None).is_ok());
    }

    #[test]
    fn other_schemes_and_extras_are_refused() {
        for (url, want) in [
            ("http://relay.example.com", "unknown scheme"),
            ("smtp+plain://127.0.0.1", "unknown scheme"),
            (
                "smtp://user:pw@relay.example.com",
                "only scheme, host and port",
            ),
            (
                "smtp://relay.example.com/path",
                "only scheme, host and port",
            ),
            (
                "smtp://relay.example.com?tls=no",
                "only scheme, host and port",
            ),
            ("relay.example.com:25", "unknown scheme"),
            ("not a url", "not a URL"),
        ] {
            let e = SmtpUrl::parse(url).unwrap_err().to_string();
            assert!(e.contains(want), "{url}: {e}");
        }
    }
}
