//! Two network rules every client and the service share, so that they cannot drift apart:
//! which hosts count as loopback (the only ones plain text may go to), and the system's
//! trusted certificate authorities (loaded once per process); and the one HTTP client
//! builder ([`http`]) that the sign-in, the sealed-message client and the service share.
//! Imports nothing of ours.

pub mod http;
pub mod smtp;

use std::net::IpAddr;
use std::sync::OnceLock;

use rustls_pki_types::CertificateDer;

/// True for `localhost` (in any case) and loopback IP literals: `127.0.0.0/8` and `::1`,
/// with or without the brackets of a URL.
pub fn is_loopback_host(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// [`is_loopback_host`] for a parsed URL's host.
pub fn is_loopback_url_host(host: Option<url::Host<&str>>) -> bool {
    match host {
        Some(url::Host::Domain(name)) => is_loopback_host(name),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The system's trusted roots (rustls-native-certs, which honours `SSL_CERT_FILE`), loaded
/// once per process. Only certificates rustls accepts as trust anchors are kept: one unusable
/// certificate in the system store must not fail a client that adds roots one by one (lettre
/// does), and it is not fatal either way, since a client may still have its own CA file.
pub fn native_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        rustls_native_certs::load_native_certs()
            .certs
            .into_iter()
            .filter(|der| rustls::RootCertStore::empty().add(der.clone()).is_ok())
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_in_every_spelling() {
        for host in [
            "localhost",
            "LocalHost",
            "127.0.0.1",
            "127.8.9.10",
            "::1",
            "[::1]",
            "[0:0:0:0:0:0:0:1]",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "",
            "[]",
            "localhost.example.com",
            "example.com",
            "10.0.0.1",
            "::",
            "[::2]",
            "128.0.0.1",
            "127.1",
            "[127.0.0.1",
            "localhost]",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
        for (url, loopback) in [
            ("http://LOCALHOST:8080/", true),
            ("http://127.0.0.1/", true),
            ("http://[::1]:1/", true),
            ("http://example.com/", false),
            ("file:///etc/passwd", false),
        ] {
            let parsed = url::Url::parse(url).unwrap();
            assert_eq!(is_loopback_url_host(parsed.host()), loopback, "{url}");
        }
    }

    #[test]
    fn every_native_root_is_a_usable_trust_anchor() {
        let mut store = rustls::RootCertStore::empty();
        for der in native_roots() {
            store.add(der.clone()).expect("a kept root is usable");
        }
        assert_eq!(store.len(), native_roots().len());
    }
}
