//! Raw message bytes to the reader's message view: never panics, and every string it holds is
//! sanitised for the terminal.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealmail::{mail, mime, sanitize};

fuzz_target!(|raw: &[u8]| {
    let Ok(view) = mime::parse(raw) else {
        return;
    };
    let fields = [&view.from, &view.to, &view.cc, &view.subject];
    for s in fields {
        assert!(sanitize::is_clean(s), "unsanitised header field {s:?}");
    }
    for line in &view.body {
        assert!(sanitize::is_clean(line), "unsanitised body line {line:?}");
    }
    for a in &view.attachments {
        assert!(
            sanitize::is_clean(&a.name),
            "unsanitised attachment name {:?}",
            a.name
        );
        assert!(
            sanitize::is_clean(&a.mime),
            "unsanitised attachment type {:?}",
            a.mime
        );
    }
    for link in &view.links {
        assert!(sanitize::is_clean(link), "unsanitised link {link:?}");
    }
    // The cheap row of a Maildir message comes from the same bytes.
    let row = mail::row_from_raw(1, raw, 0);
    assert!(sanitize::is_clean(row.from()) && sanitize::is_clean(row.subject()));
});
