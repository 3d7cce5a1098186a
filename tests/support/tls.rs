//! Throwaway TLS material for the test servers, and a rustls client config that trusts it.
//!
//! A tiny CA signs an ECDSA P-256 leaf (`CA:FALSE`, serverAuth, SAN `localhost` and
//! `127.0.0.1`): rustls/webpki rejects a self-signed `CA:TRUE` certificate used directly as a
//! server certificate (`CaUsedAsEndEntity`), which is what `openssl req -x509` makes.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType,
};

/// PEM files written by [`write_pki`].
#[derive(Clone, Debug)]
pub struct TlsFiles {
    /// The CA that tests trust.
    pub ca_pem: PathBuf,
    /// The server's leaf certificate (signed by `ca_pem`, or by another CA when untrusted).
    pub cert_pem: PathBuf,
    /// The leaf's private key (PKCS#8), readable by root only.
    pub key_pem: PathBuf,
}

fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params =
        CertificateParams::new(Vec::<String>::new()).unwrap_or_else(|e| panic!("CA params: {e}"));
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let key = KeyPair::generate().unwrap_or_else(|e| panic!("CA key: {e}"));
    CertifiedIssuer::self_signed(params, key).unwrap_or_else(|e| panic!("CA cert: {e}"))
}

/// Writes `ca.pem`, `cert.pem`, `key.pem` into `dir`. With `untrusted`, the leaf is signed by a
/// second CA that is not in `ca.pem` (written as `untrusted-ca.pem`), so a client trusting
/// `ca.pem` must refuse the server.
pub fn write_pki(dir: &Path, untrusted: bool) -> TlsFiles {
    use std::os::unix::fs::PermissionsExt;
    let trusted = ca("sealmail Test CA");
    let rogue = untrusted.then(|| ca("Untrusted Test CA"));
    let signer = rogue.as_ref().unwrap_or(&trusted);

    let mut leaf = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap_or_else(|e| panic!("leaf params: {e}"));
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf.subject_alt_names
        .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    leaf.is_ca = IsCa::ExplicitNoCa;
    leaf.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_key = KeyPair::generate().unwrap_or_else(|e| panic!("leaf key: {e}"));
    let leaf_cert = leaf
        .signed_by(&leaf_key, signer)
        .unwrap_or_else(|e| panic!("leaf cert: {e}"));

    let files = TlsFiles {
        ca_pem: dir.join("ca.pem"),
        cert_pem: dir.join("cert.pem"),
        key_pem: dir.join("key.pem"),
    };
    let write = |path: &Path, text: &str| {
        std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()))
    };
    write(&files.ca_pem, &trusted.pem());
    if let Some(rogue) = &rogue {
        write(&dir.join("untrusted-ca.pem"), &rogue.pem());
    }
    write(&files.cert_pem, &leaf_cert.pem());
    write(&files.key_pem, &leaf_key.serialize_pem());
    std::fs::set_permissions(&files.key_pem, std::fs::Permissions::from_mode(0o600))
        .unwrap_or_else(|e| panic!("chmod key: {e}"));
    files
}

/// A rustls client config (ring provider) that trusts exactly the CA in `ca_pem`.
pub fn rustls_client_config(ca_pem: &Path) -> Arc<rustls::ClientConfig> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca_pem)
        .unwrap_or_else(|e| panic!("read {}: {e}", ca_pem.display()))
    {
        let cert = cert.unwrap_or_else(|e| panic!("parse {}: {e}", ca_pem.display()));
        roots
            .add(cert)
            .unwrap_or_else(|e| panic!("add root from {}: {e}", ca_pem.display()));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap_or_else(|e| panic!("rustls protocol versions: {e}"))
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}
