//! S/MIME and OpenPGP as the pane opens them: whatever the bytes, opening a message
//! (`crypto::open::open` with the demo's S/MIME identity and roots, and no gpg to run), the
//! S/MIME parsers (the CMS bytes of a part, decrypting with the demo key, verifying opaque and
//! detached), OpenPGP armour, and the byte-exact MIME splitting that signatures are checked
//! over never panic, and an opened message's text is clean.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use sealmail::crypto::gpg::GpgSettings;
use sealmail::crypto::open::{self, CryptoSettings};
use sealmail::crypto::{armor, smime};
use sealmail::mime::split;

/// The demo's identity and roots; a gpg that cannot be started (no process per input).
static SETTINGS: LazyLock<CryptoSettings> = LazyLock::new(|| {
    sealmail::demo::smime::crypto_settings(GpgSettings {
        program: Some("/nonexistent/gpg".into()),
        ..GpgSettings::default()
    })
});

fuzz_target!(|data: &[u8]| {
    let settings = &*SETTINGS;
    if let Ok(opened) = open::open(data, settings) {
        for line in &opened.view.body {
            assert!(sealmail::sanitize::is_clean(line.as_str()), "{line:?}");
        }
    }
    if let Some(der) = smime::der_from_mime(data) {
        let _ = smime::verify_opaque(&der, &settings.trust);
    }
    if let Some(Ok(identity)) = &settings.smime {
        let _ = smime::decrypt(identity, data);
    }
    let _ = smime::verify_opaque(data, &settings.trust);
    let _ = smime::verify_detached(b"Content-Type: text/plain\r\n\r\nx\r\n", data, &settings.trust);
    let _ = armor::dearmor(data);
    let _ = armor::canonical_crlf(data);
    if let Some((head, body)) = split::split_head(data) {
        let _ = split::fields(head);
        let _ = split::multipart_parts(body, "b");
    }
    let _ = split::envelope_and_entity(data);
});
