//! IMAP list rows: FETCH responses (ENVELOPE, BODYSTRUCTURE, the cheap header fields) read by
//! the async-imap parser the IMAP actor uses, then converted by the actor's own conversion
//! (`src/imap/rows.rs`, `decode.rs`). Never panics, never hangs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|responses: &[u8]| {
    // A stack overflow kills the process before libFuzzer can save the input (there is no
    // sanitizer to catch it): `FUZZ_LAST_INPUT=FILE` keeps each input there before it runs.
    if let Some(path) = std::env::var_os("FUZZ_LAST_INPUT") {
        let _ = std::fs::write(path, responses);
    }
    let _ = sealmail::imap::fuzz_entry::fetch_rows(responses);
});
