//! A user's keymap on screen: a key rebound in one context acts there, and only there.

use sealmail::app::keymap::Keymap;
use sealmail::tui::headless::Headless;

use crate::fixtures::*;

fn reader_with(keymap: &str) -> Headless {
    let mut h = loaded(80, 24, 60, 60);
    h.state.keymap = Keymap::with_user_file(keymap).expect("a keymap");
    h
}

/// Opens the selected message full screen, with a body longer than the screen.
fn open_long_message(h: &mut Headless) {
    h.press("v");
    h.press("enter");
    let mut view = message_view();
    let body: Vec<String> = (1..=100).map(|n| format!("body line {n}")).collect();
    view.body = sealmail::sanitize::Clean::text(&body.join("\n"));
    deliver_open_message(h, view);
}

/// `[message] j = "page_down"`: in the open message `j` pages as `PgDn` does; in the list it
/// still moves one row, as with the defaults.
#[test]
fn a_key_rebound_for_the_message_pages_there_and_still_moves_one_row_in_the_list() {
    let mut h = reader_with("[message]\nj = \"page_down\"\n");
    let mut defaults = reader_with("");
    let before = h.screen_text();
    h.press("j");
    defaults.press("j");
    let moved = h.screen_text();
    assert_ne!(moved, before, "j moves the selection");
    assert_eq!(moved, defaults.screen_text(), "j moves one row in the list");

    open_long_message(&mut h);
    open_long_message(&mut defaults);
    let top = h.screen_text();
    assert!(top.contains("body line 1\n"), "{top}");
    h.press("j");
    defaults.press("pagedown");
    let paged = h.screen_text();
    assert_eq!(paged, defaults.screen_text(), "j pages in the message");
    assert_eq!(paged.lines().nth(1), Some("body line 16"), "{paged}");
}
