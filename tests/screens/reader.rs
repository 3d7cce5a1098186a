//! The reader's screens: list, message, split and full views, help, filter, folders, states.

use insta::assert_snapshot;
use sealmail::app::msg::Msg;
use sealmail::error::{Error, ErrorKind};
use sealmail::mail::{ConnectionState, SourceEvent};

use crate::fixtures::*;

#[test]
fn connecting_before_anything_arrived() {
    let mut h = reader(80, 24);
    assert_snapshot!(h.screen_text());
}

#[test]
fn empty_folder() {
    let mut h = reader(80, 24);
    online(&mut h);
    let req = h.state.folder.req;
    h.apply(Msg::Source(SourceEvent::FolderOpened {
        req,
        folder: "INBOX".into(),
        total: 0,
        access: Default::default(),
    }));
    h.apply(Msg::Source(SourceEvent::FolderLoaded { req, total: 0 }));
    let screen = h.screen_text();
    assert!(screen.contains("No messages in INBOX"));
    assert_snapshot!(screen);
}

#[test]
fn list_while_loading_shows_progress() {
    let mut h = loaded(80, 24, 100, 41_200);
    let screen = h.screen_text();
    assert!(screen.contains("100/41200"));
    assert_snapshot!(screen);
}

#[test]
fn list_fully_loaded_narrow() {
    let mut h = loaded(80, 24, 60, 60);
    let screen = h.screen_text();
    assert!(screen.contains("60 messages"));
    assert_snapshot!(screen);
}

#[test]
fn list_fully_loaded_wide_shows_folders() {
    let mut h = loaded(120, 40, 60, 60);
    let screen = h.screen_text();
    assert!(screen.contains("Folders") && screen.contains("  rust-users"));
    assert_snapshot!(screen);
}

#[test]
fn message_open_in_split_view() {
    let mut h = loaded(80, 24, 60, 60);
    h.press("j");
    h.press("enter");
    deliver_open_message(&mut h, message_view());
    let screen = h.screen_text();
    assert!(screen.contains("Subject: Quarterly report draft"));
    assert_snapshot!(screen);
}

/// `j` stops at the message's last line: at the bottom the last line (its link) ends the
/// pane, and one `k` shows the line before the first one shown (the pane's length is measured
/// by the driver, not laid out again on every key).
#[test]
fn the_message_scrolls_to_its_last_line_and_no_further() {
    let mut h = loaded(80, 24, 60, 60);
    h.press("v");
    h.press("enter");
    let mut view = message_view();
    let body: Vec<String> = (1..=100).map(|n| format!("body line {n}")).collect();
    view.body = sealmail::sanitize::Clean::text(&body.join("\n"));
    deliver_open_message(&mut h, view);
    for _ in 0..300 {
        h.press("j");
    }
    let bottom = h.screen_text();
    let lines: Vec<&str> = bottom.lines().collect();
    // The title, 22 lines of the message, the status line.
    assert_eq!(lines.len(), 24, "{bottom}");
    assert_eq!(lines[1], "body line 86", "{bottom}");
    assert!(
        lines[22].contains("[1] https://intranet.example.test"),
        "{bottom}"
    );
    h.press("k");
    let one_up = h.screen_text();
    let lines: Vec<&str> = one_up.lines().collect();
    assert_eq!(lines[1], "body line 85", "{one_up}");
    assert_eq!(lines[22], "Links:", "{one_up}");
}

#[test]
fn message_loading() {
    let mut h = loaded(80, 24, 60, 60);
    h.press("enter");
    assert_snapshot!(h.screen_text());
}

#[test]
fn message_full_view_wide() {
    let mut h = loaded(120, 40, 60, 60);
    h.press("v");
    h.press("enter");
    deliver_open_message(&mut h, message_view());
    let screen = h.screen_text();
    assert!(
        screen.contains("Attachments:") && screen.contains("[1] https://intranet.example.test")
    );
    assert_snapshot!(screen);
}

#[test]
fn message_that_failed_to_open() {
    let mut h = loaded(80, 24, 60, 60);
    h.press("enter");
    let req = h.state.pane.as_ref().unwrap().req;
    h.apply(Msg::Source(SourceEvent::Message {
        req,
        result: Err(Error::new(
            ErrorKind::NotFound,
            "the message is no longer on the server",
        )),
    }));
    assert_snapshot!(h.screen_text());
}

#[test]
fn help_lists_every_action_with_its_keys() {
    let mut h = loaded(80, 24, 60, 60);
    h.press("?");
    let screen = h.screen_text();
    // More actions than rows at 80x24: the rest is a scroll away, and says so.
    assert!(screen.contains("↓ more (j)"), "{screen}");
    // Page by page to the end: every action is on one of the pages.
    let mut pages = vec![screen.clone()];
    for _ in 0..20 {
        h.press("pagedown");
        pages.push(h.screen_text());
    }
    h.press("G");
    let rest = h.screen_text();
    assert!(rest.contains("↑ more (k)"), "{rest}");
    assert_eq!(pages.last(), Some(&rest), "paging ends at the end");
    for action in sealmail::app::action::Action::ALL {
        assert!(
            pages.iter().any(|page| page.contains(action.help())),
            "help misses {action:?}:\n{}",
            pages.join("\n")
        );
    }
    assert_snapshot!(screen);
    assert_snapshot!("help_scrolled_to_the_end", rest);
}

#[test]
fn filter_narrows_the_loaded_list() {
    let mut h = loaded(80, 24, 60, 60);
    h.press("/");
    h.type_text("invoice");
    let screen = h.screen_text();
    assert!(screen.contains("6 of 60 match"));
    assert_snapshot!(screen);
}

/// What goes into the filter is clean text: a pasted escape sequence shows as visible
/// characters and a tab is not taken, so the view can print the input as it is.
#[test]
fn the_filter_input_holds_only_clean_text() {
    let mut h = loaded(80, 24, 60, 60);
    h.press("/");
    h.apply(Msg::Paste("in\u{1b}[2Jv\r\n".into()));
    h.press("tab");
    let screen = h.screen_text();
    assert!(
        !screen.contains('\u{1b}') && !screen.contains('\t'),
        "{screen:?}"
    );
    assert!(screen.contains("Filter: in␛[2Jv"), "{screen}");
    let query = h.state.filter.as_ref().unwrap().input.lines().join("");
    assert!(sealmail::sanitize::is_clean(&query), "{query:?}");
}

#[test]
fn folder_pane_focused_at_80_columns() {
    let mut h = loaded(80, 24, 60, 60);
    h.press("tab");
    h.press("j");
    assert_snapshot!(h.screen_text());
}

#[test]
fn reconnecting_status() {
    let mut h = loaded(80, 24, 60, 60);
    h.apply(Msg::Source(SourceEvent::Connection(
        ConnectionState::Reconnecting {
            reason: "connection reset by peer".into(),
            attempt: 2,
            retry_in_s: 4,
        },
    )));
    let screen = h.screen_text();
    assert!(
        screen.contains("reconnecting in 4s (try 2): connection reset"),
        "{screen}"
    );
    assert_snapshot!(screen);
}

#[test]
fn failed_login_status() {
    let mut h = reader(80, 24);
    h.apply(Msg::Source(SourceEvent::Connection(
        ConnectionState::Failed {
            reason: "the server refused the password".into(),
        },
    )));
    assert_snapshot!(h.screen_text());
}

#[test]
fn insecure_connection_is_flagged() {
    let mut h = loaded(80, 24, 10, 10);
    h.apply(Msg::Source(SourceEvent::Connection(
        ConnectionState::Online {
            live: "IDLE",
            insecure: true,
        },
    )));
    assert!(h.screen_text().contains("INSECURE"));
}

#[test]
fn scrolling_to_the_bottom_of_a_large_list() {
    let mut h = loaded(80, 24, 5000, 5000);
    h.press("G");
    let screen = h.screen_text();
    assert_eq!(h.state.folder.rows.selected().map(|r| r.uid), Some(1));
    assert_snapshot!(screen);
}

#[test]
fn resize_redraws_for_the_new_size() {
    let mut h = loaded(120, 40, 60, 60);
    h.press("G");
    h.resize(80, 24);
    let screen = h.screen_text();
    assert_eq!(screen.lines().count(), 24);
    assert!(
        screen
            .lines()
            .all(|l| unicode_width::UnicodeWidthStr::width(l) <= 80)
    );
    assert_snapshot!(screen);
}
