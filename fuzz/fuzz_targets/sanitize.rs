//! The terminal sanitiser: whatever the text, what `line` and `text` give holds no C0 or C1
//! control and no bidi control, passes the sanitiser's own `is_clean`, and sanitising again
//! changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealmail::sanitize;

/// Characters that must never reach the terminal as they are (asserted today).
fn forbidden(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        | '\u{200e}' | '\u{200f}' | '\u{61c}')
}

/// The sanitiser shows invisible fillers visibly: assert that none passes.
const ASSERT_INVISIBLE_FILLERS: bool = true;

/// Invisible or blank-looking characters that must be shown visibly, not passed through.
/// The emoji presentation selectors (U+FE0E, U+FE0F) and the ZWJ may stay inside emoji, so
/// they are not in this list; `is_clean` and idempotence cover them.
fn invisible_filler(c: char) -> bool {
    matches!(c,
        '\u{115f}' | '\u{1160}' | '\u{3164}' | '\u{ffa0}' | '\u{ad}' | '\u{34f}' | '\u{180e}'
        | '\u{2800}' | '\u{200b}' | '\u{200c}' | '\u{2060}'..='\u{206f}' | '\u{feff}'
        | '\u{fe00}'..='\u{fe0d}' | '\u{e0000}'..='\u{e0fff}' | '\u{180b}'..='\u{180f}')
}

fn check(out: &str) {
    if let Some(c) = out.chars().find(|&c| forbidden(c)) {
        panic!("control U+{:04X} passed the sanitiser: {out:?}", c as u32);
    }
    if ASSERT_INVISIBLE_FILLERS && let Some(c) = out.chars().find(|&c| invisible_filler(c)) {
        panic!("invisible U+{:04X} passed the sanitiser: {out:?}", c as u32);
    }
    assert!(
        sanitize::is_clean(out),
        "is_clean refuses what the sanitiser made: {out:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);

    let once = sanitize::line(&s);
    check(&once);
    let twice = sanitize::line(&once);
    assert_eq!(once, twice, "line is not idempotent");

    let lines = sanitize::text(&s);
    assert!(!lines.is_empty());
    for l in &lines {
        check(l);
        assert_eq!(sanitize::text(l), [l.clone()], "text is not idempotent");
        assert_eq!(
            sanitize::line(l),
            l.as_str(),
            "line changes a sanitised text line"
        );
    }
});
