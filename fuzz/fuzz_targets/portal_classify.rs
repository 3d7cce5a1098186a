//! Portal classification of raw message bytes: the full classifier (opening a message,
//! `sealmail inspect`), the list's cheap classifier over the same facts, and the passcode-mail
//! recogniser. Never panics, and only a genuine sealed message is ever readable inline.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealmail::detect::{self, Vendor, Verdict};
use sealmail::sealed::passcode_mail;

fuzz_target!(|raw: &[u8]| {
    let c = detect::classify(raw);
    if c.readable_inline {
        assert_eq!(
            c.vendor,
            Some(Vendor::Sealed),
            "readable inline but not sealed: {c:?}"
        );
        assert_eq!(
            c.verdict,
            Some(Verdict::Genuine),
            "readable inline but not genuine: {c:?}"
        );
    }
    if c.verdict.is_some() || c.vendor.is_some() {
        assert!(c.portal, "a verdict or vendor without portal: {c:?}");
    }
    let _ = detect::is_message(raw);
    let signals = detect::cheap_signals_from_raw(raw);
    // A vendor is a `Vendor`: an unknown id cannot be given, so only the absence of a panic
    // is checked here.
    let _ = detect::classify_cheap(&signals);
    let _ = passcode_mail::parse(raw);
});
