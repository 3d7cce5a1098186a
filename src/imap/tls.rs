//! TLS for IMAP: rustls with the ring provider, always verified against the system roots
//! (rustls-native-certs, which honours `SSL_CERT_FILE`) plus an optional private CA file.

use std::path::Path;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::error::{Error, ErrorKind};

/// Builds a verifying client config: system roots plus `ca_file`. There is no way to turn
/// verification off.
pub fn client_config(ca_file: Option<&Path>) -> Result<Arc<rustls::ClientConfig>, Error> {
    let mut roots = RootCertStore::empty();
    // Unreadable system certificates are not fatal when a CA file is given; `add_parsable`
    // skips what it cannot use.
    roots.add_parsable_certificates(crate::net::native_roots().iter().cloned());
    if let Some(path) = ca_file {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .map_err(|e| ca_error(path, e.to_string()))?
            .collect::<Result<_, _>>()
            .map_err(|e| ca_error(path, e.to_string()))?;
        if certs.is_empty() {
            return Err(ca_error(path, "no certificate in the file".into()));
        }
        for cert in certs {
            roots.add(cert).map_err(|e| ca_error(path, e.to_string()))?;
        }
    }
    if roots.is_empty() {
        return Err(Error::new(
            ErrorKind::Tls,
            "no trusted certificate authority: none in the system store and no ca_file",
        ));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::new(ErrorKind::Tls, "TLS setup failed").with_details(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

fn ca_error(path: &Path, why: String) -> Error {
    Error::new(ErrorKind::Config, "cannot read the CA file")
        .with_details(format!("{}: {why}", path.display()))
}

/// Runs the TLS handshake over `tcp`, verifying the certificate for `host`.
pub async fn handshake(
    config: Arc<rustls::ClientConfig>,
    host: &str,
    tcp: TcpStream,
) -> Result<TlsStream<TcpStream>, Error> {
    let name = ServerName::try_from(host.to_owned()).map_err(|_| {
        Error::new(
            ErrorKind::Config,
            "the IMAP host is not a valid server name",
        )
    })?;
    tokio::time::timeout(
        HANDSHAKE_TIMEOUT,
        TlsConnector::from(config).connect(name, tcp),
    )
    .await
    .map_err(|_| super::errors::timeout("the TLS handshake"))?
    .map_err(tls_error)
}

/// A server that takes the connection and never answers the handshake is given up on.
const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A failed handshake. Certificate problems are `Tls` (retrying will not help); a connection
/// that went away mid-handshake is `Network`.
fn tls_error(e: std::io::Error) -> Error {
    let rustls_error = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .cloned();
    match rustls_error {
        Some(rustls::Error::InvalidCertificate(why)) => {
            Error::new(ErrorKind::Tls, "the server's certificate is not trusted")
                .with_details(certificate_words(&why))
        }
        Some(rustls::Error::AlertReceived(alert)) => Error::new(
            ErrorKind::Tls,
            "TLS handshake failed: the server refused the connection",
        )
        .with_details(format!("TLS alert {}", alert_words(alert))),
        Some(rustls::Error::NoCertificatesPresented) => Error::new(
            ErrorKind::Tls,
            "TLS handshake failed: the server sent no certificate",
        ),
        Some(_) => Error::new(
            ErrorKind::Tls,
            "TLS handshake failed: the server does not speak TLS as expected",
        )
        .with_details("check the port and imaps:// or imap:// in the account's URL"),
        None => Error::new(
            ErrorKind::Network,
            "the connection closed during the TLS handshake",
        )
        .with_details(e.to_string()),
    }
}

/// Why a certificate was refused, with what to do about it.
pub fn certificate_words(why: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    match why {
        C::UnknownIssuer => "it is signed by an authority sealmail does not know; if the \
             server uses its own CA, set the account's ca_file (or --ca-file) to that CA's \
             PEM file"
            .into(),
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            "it was issued for another host name; check the host in the account's URL".into()
        }
        C::Expired | C::ExpiredContext { .. } => {
            "it has expired; the server's administrator must renew it (or check this \
             computer's clock)"
                .into()
        }
        C::NotValidYet | C::NotValidYetContext { .. } => {
            "it is not valid yet; check this computer's clock".into()
        }
        C::Revoked => "it has been revoked by its issuer".into(),
        C::BadSignature | C::UnsupportedSignatureAlgorithmContext { .. } => {
            "its signature cannot be verified".into()
        }
        C::BadEncoding => "it is not a well-formed certificate".into(),
        C::InvalidPurpose | C::InvalidPurposeContext { .. } => {
            "it is not meant for a server".into()
        }
        _ => "it failed verification".into(),
    }
}

/// A TLS alert's name in words.
fn alert_words(alert: rustls::AlertDescription) -> String {
    let name = format!("{alert:?}");
    // The enum's names are CamelCase words: "HandshakeFailure" reads "handshake failure".
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() && !out.is_empty() {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_failures_read_as_words_with_a_hint() {
        use rustls::CertificateError as C;
        let unknown = certificate_words(&C::UnknownIssuer);
        assert!(unknown.contains("ca_file") && unknown.contains("--ca-file"));
        assert!(certificate_words(&C::NotValidForName).contains("another host name"));
        assert!(certificate_words(&C::Expired).contains("expired"));
        assert!(certificate_words(&C::NotValidYet).contains("clock"));
        for words in [unknown, certificate_words(&C::Revoked)] {
            assert!(
                !words.contains("Unknown") && !words.contains("Revoked"),
                "{words}"
            );
        }
        assert_eq!(
            alert_words(rustls::AlertDescription::HandshakeFailure),
            "handshake failure"
        );
    }

    #[test]
    fn a_missing_ca_file_is_a_config_error() {
        let e = client_config(Some(Path::new("/nonexistent/ca.pem"))).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Config);
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.pem");
        std::fs::write(&path, "not a certificate\n").unwrap();
        let e = client_config(Some(&path)).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Config);
    }
}
