//! Hostile mail cannot write to the terminal: escape sequences, clipboard writes and bidi
//! overrides from headers and bodies reach the screen only as visible, inert text.

use sealmail::app::msg::Msg;
use sealmail::mail::SourceEvent;

use crate::fixtures::*;

const HOSTILE: &[u8] =
    b"From: \"\xe2\x80\xaeevil\x1b]52;c;cm0gLXJmIH4=\x07 Admin\" <admin@example.test>\r\n\
To: alice@example.test\r\n\
Subject: =?utf-8?b?G1syShtdMDtwd25lZAc=?= urgent \x1b[31mred\r\n\
Date: Tue, 24 Nov 2026 08:00:00 +0000\r\n\
Content-Type: multipart/mixed; boundary=b1\r\n\
\r\n\
--b1\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Hello \x1b[2J\x1b[H cleared? \x1bP+q\x1b\\ \xc2\x9b6n and \xe2\x80\x8bzero\xe2\x80\x8bwidth\r\n\
\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07\r\n\
--b1\r\n\
Content-Type: application/octet-stream\r\n\
Content-Disposition: attachment; filename=\"inv\xe2\x80\xaefdp.exe\"\r\n\
\r\n\
AAAA\r\n\
--b1--\r\n";

fn assert_inert(screen: &str) {
    for c in screen.chars() {
        let code = c as u32;
        assert!(
            c == '\n' || !(code < 0x20 || (0x7f..=0x9f).contains(&code)),
            "control U+{code:04X} on screen:\n{screen}"
        );
        assert!(
            !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200b}'),
            "U+{code:04X} acts on screen"
        );
    }
}

#[test]
fn hostile_message_is_shown_inert_in_list_and_pane() {
    let view = sealmail::mime::parse(HOSTILE).expect("hostile mail still parses");
    let row = sealmail::mail::row_from_raw(61, HOSTILE, NOW);
    let mut h = loaded(80, 24, 60, 60);
    let req = h.state.folder.req;
    h.apply(Msg::Source(SourceEvent::NewRows {
        folder: "INBOX".into(),
        rows: vec![row],
        total: 61,
    }));
    let _ = req;
    h.press("g");
    h.press("enter");
    deliver_open_message(&mut h, view);
    let screen = h.screen_text();
    assert_inert(&screen);
    // What was hostile is still visible, as text, so the user sees what was attempted.
    assert!(screen.contains("<U+202E>"), "{screen}");
    assert!(screen.contains("␛[2J"), "{screen}");
    insta::assert_snapshot!(screen);
    h.press("v");
    let full = h.screen_text();
    assert_inert(&full);
    assert!(full.contains("inv<U+202E>fdp.exe"), "{full}");
    insta::assert_snapshot!("hostile_full_view", full);
}
