//! A TLS-verifying HTTP client (reqwest over rustls, the system's roots plus an optional CA
//! file), and the rule that plain `http://` is only for loopback hosts.

use std::path::Path;
use std::time::Duration;

/// Builds a client that verifies TLS against the system roots and, if given, a PEM CA file.
/// Redirects are not followed: the portal API never redirects, and an IdP's discovery must
/// not move a client somewhere else silently.
pub fn client(ca_file: Option<&Path>) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .user_agent(concat!("sealmail/", env!("CARGO_PKG_VERSION")));
    for der in crate::net::native_roots() {
        if let Ok(root) = reqwest::Certificate::from_der(der.as_ref()) {
            builder = builder.add_root_certificate(root);
        }
    }
    if let Some(path) = ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| format!("cannot read the CA file {}: {e}", path.display()))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            format!(
                "the CA file {} holds no PEM certificate: {e}",
                path.display()
            )
        })?;
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// Checks a URL the client is about to call: `https://`, or `http://` to a loopback host.
pub fn check_url(url: &str) -> Result<reqwest::Url, String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("not a URL ({e})"))?;
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" => {
            if parsed.host_str().is_some_and(crate::net::is_loopback_host) {
                Ok(parsed)
            } else {
                Err("plain http:// is only allowed to a loopback host".into())
            }
        }
        _ => Err("only https:// URLs are allowed".into()),
    }
}

/// Why an answer body was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error("the answer is larger than {0} bytes")]
    TooLarge(usize),
    #[error("the answer could not be read: {0}")]
    Read(String),
}

/// Reads an answer body, refusing it as soon as it passes `limit` bytes (by its declared
/// length first, then as it streams in), so a hostile server cannot make us buffer gigabytes.
pub async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, BodyError> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge(limit));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| {
        BodyError::Read(crate::sanitize::line(&e.without_url().to_string()).into_owned())
    })? {
        if body.len().saturating_add(chunk.len()) > limit {
            return Err(BodyError::TooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
