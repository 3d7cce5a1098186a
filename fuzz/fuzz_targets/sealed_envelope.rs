//! The sealed format from the wire: the envelope JSON, the `Sealed-Message` header, a content
//! key as the API carries it, and a whole sealed message. Never panics; what parses writes
//! back to the same thing, and opening with a wrong key says "tampered".
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealmail::sealed::envelope::{ContentKey, Envelope, EnvelopeError};
use sealmail::sealed::message::{self, SealedHeader};
use sealmail::secret::SecretBytes;

fuzz_target!(|data: &[u8]| {
    // The envelope JSON and the ciphertext part travel apart (version 2): the input is the
    // JSON, then a NUL, then the ciphertext.
    let (json, ciphertext) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], data[at + 1..].to_vec()),
        None => (data, Vec::new()),
    };
    if let Ok(envelope) = Envelope::parse(json, ciphertext.clone()) {
        assert!(
            envelope.header.aad().is_ok(),
            "a parsed envelope has no AAD"
        );
        let again = Envelope::parse(envelope.to_json().as_bytes(), ciphertext)
            .expect("an envelope's own JSON parses");
        assert_eq!(
            envelope, again,
            "the envelope does not survive its own JSON"
        );
        let key = ContentKey::from_bytes(SecretBytes::new(vec![7u8; 32])).expect("32 bytes");
        match envelope.open(&key) {
            Err(EnvelopeError::Tampered) | Ok(_) => {}
            Err(e) => panic!("a parsed envelope is malformed on opening: {e}"),
        }
    }

    let text = String::from_utf8_lossy(data);
    if let Ok(header) = SealedHeader::parse(&text) {
        let again = SealedHeader::parse(&header.to_value()).expect("a header's own value parses");
        assert_eq!(
            header, again,
            "the Sealed-Message header does not survive its own value"
        );
    }
    let _ = ContentKey::from_b64url(&text);

    if let Ok(found) = message::find_envelope(data) {
        if let Some(header) = &found.header {
            assert_eq!(header.portal, found.envelope.header.portal);
            assert_eq!(header.id, found.envelope.header.id);
        }
    }
});
