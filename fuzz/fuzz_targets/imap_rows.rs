//! IMAP list rows: FETCH responses (ENVELOPE, BODYSTRUCTURE, the cheap header fields) read by
//! the async-imap parser the IMAP actor uses, then converted by the actor's own conversion
//! (`src/imap/rows.rs`, `decode.rs`). Never panics, never hangs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|responses: &[u8]| {
    let _ = sealmail::imap::fuzz_entry::fetch_rows(responses);
});
