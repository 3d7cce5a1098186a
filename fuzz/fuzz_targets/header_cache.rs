//! A header-cache file: any bytes read as the reader reads a kept folder (the digest is made
//! to fit half of the time, so that the row reader itself meets every shape of bytes). Never
//! panics; a file is read whole or refused whole.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealmail::cache::file::{self, Owner};
use sha2::Digest;

fuzz_target!(|data: &[u8]| {
    let owner = Owner::new("imap:fuzz:alice", "INBOX");
    let _ = file::decode(&owner, data);
    // The same bytes as the body of a file of the right owner, with a digest that fits.
    let header = file::header(
        &owner,
        file::Version {
            uid_validity: 1,
            highest_modseq: None,
        },
        u32::from(data.first().copied().unwrap_or(0)),
    );
    let mut whole = header;
    whole.extend_from_slice(data.get(1..).unwrap_or_default());
    let digest = sha2::Sha256::digest(&whole);
    whole.extend_from_slice(&digest);
    if let Ok(cached) = file::decode(&owner, &whole) {
        // What was read encodes back to the same rows.
        let again = file::encode(&owner, cached.version, &cached.rows);
        let back = file::decode(&owner, &again).map(|c| c.rows);
        assert_eq!(back.as_ref().map(Vec::len), Ok(cached.rows.len()));
    }
});
