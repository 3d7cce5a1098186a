//! The demo's S/MIME: the demo user's certificate and key, the demo root as the only trust
//! anchor, and a correspondent's certificate to encrypt to, all embedded from
//! `assets/demo/smime/` (public demo keys, made by its `make.sh`). With them the demo's S/MIME
//! messages open in the pane, and a reply can go out S/MIME-encrypted to the demo's SMTP
//! server.

use std::sync::Arc;

use crate::crypto::gpg::GpgSettings;
use crate::crypto::open::CryptoSettings;
use crate::crypto::smime::{Identity, TrustStore};

/// The demo user's certificate (issued by the demo root for [`super::ADDRESS`]).
const USER_CERTIFICATE: &[u8] = include_bytes!("../../assets/demo/smime/sam.crt");
/// Its private key, unencrypted PKCS #8.
const USER_KEY: &[u8] = include_bytes!("../../assets/demo/smime/sam.key");
/// The demo root: the certificate every demo signature is checked against.
const ROOT: &[u8] = include_bytes!("../../assets/demo/smime/demo-root.crt");
/// Correspondents the demo user can encrypt to.
const CORRESPONDENTS: &[&[u8]] = &[include_bytes!("../../assets/demo/smime/priya.crt")];

/// The demo user's S/MIME identity.
pub fn identity() -> Result<Identity, String> {
    let mut pem = USER_CERTIFICATE.to_vec();
    pem.push(b'\n');
    pem.extend_from_slice(USER_KEY);
    Identity::from_pem(&pem, None).map_err(|e| e.to_string())
}

/// The demo's trust store: the demo root alone, not the system's roots.
pub fn trust() -> TrustStore {
    TrustStore::from_pem(ROOT)
}

/// The certificates of the demo's correspondents.
pub fn correspondents() -> Vec<x509_cert::Certificate> {
    CORRESPONDENTS
        .iter()
        .flat_map(|pem| TrustStore::from_pem(pem).anchors().to_vec())
        .collect()
}

/// What the demo opens S/MIME and OpenPGP mail with: its own S/MIME identity, root and
/// correspondents; OpenPGP with `gpg` (the user's own, as configured).
pub fn crypto_settings(gpg: GpgSettings) -> CryptoSettings {
    CryptoSettings {
        gpg,
        smime: Some(identity().map(Arc::new)),
        trust: Arc::new(trust()),
        correspondents: Arc::new(correspondents()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_identity_is_the_demo_user() {
        let identity = identity().expect("the embedded key loads");
        assert_eq!(identity.addresses(), [super::super::ADDRESS]);
        assert_eq!(trust().len(), 1);
        let correspondents = correspondents();
        assert_eq!(correspondents.len(), 1);
        assert_eq!(
            crate::crypto::smime::addresses(&correspondents[0]),
            ["priya@devteam.example"]
        );
    }
}
