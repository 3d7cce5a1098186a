//! The server's words and the reader's errors on screen: an ALERT in the status line, the
//! notice history, the status line while reconnecting, the list after a failed login, and a
//! message deleted on the server while shown.

use insta::assert_snapshot;
use sealmail::app::msg::Msg;
use sealmail::mail::{ConnectionState, SourceEvent};

use crate::fixtures::*;

const ALERT: &str = "alert from the server: maintenance until 20:00, save your drafts";

#[test]
fn an_alert_in_the_status_line() {
    let mut h = loaded(80, 24, 60, 60);
    h.apply(Msg::Source(SourceEvent::Alert(ALERT.into())));
    let screen = h.screen_text();
    let status = screen.lines().last().unwrap_or_default().to_owned();
    assert!(status.contains("alert from the server: maint"), "{status}");
    // Cut at 80 columns: the corner names the key that shows it whole.
    assert!(status.contains("N more"), "{status}");
    assert_snapshot!(screen);
}

#[test]
fn the_notice_history_lists_every_notice_whole_newest_first() {
    let mut h = loaded(80, 24, 60, 60);
    h.apply(Msg::Source(SourceEvent::Notice(
        "open folder: Mailbox doesn't exist: Archive/2023 (it does not exist on the server; \
         NONEXISTENT)"
            .into(),
    )));
    for attempt in 1..=3 {
        h.apply(Msg::Source(SourceEvent::Connection(
            ConnectionState::Reconnecting {
                reason: "noop: the server closed the connection before answering".into(),
                attempt,
                retry_in_s: 1 << attempt,
            },
        )));
    }
    online(&mut h);
    h.apply(Msg::Source(SourceEvent::Alert(ALERT.into())));
    h.press("N");
    let screen = h.screen_text();
    assert!(screen.contains("Notices, newest first"), "{screen}");
    let alert = screen.find("save your drafts").expect("the alert, whole");
    let refusal = screen.find("NONEXISTENT").expect("the refusal, whole");
    assert!(alert < refusal, "newest first:\n{screen}");
    assert!(screen.contains("(×3)"), "repeats counted:\n{screen}");
    assert_snapshot!(screen);
    h.press("esc");
    assert!(!h.state.notices.open);
    assert!(!h.screen_text().contains("Notices, newest first"));
}

#[test]
fn the_status_line_keeps_its_separator_while_reconnecting() {
    let mut h = loaded(80, 24, 60, 60);
    h.apply(Msg::Source(SourceEvent::Connection(
        ConnectionState::Reconnecting {
            reason: "connection lost".into(),
            attempt: 1,
            retry_in_s: 1,
        },
    )));
    let screen = h.screen_text();
    let status = screen.lines().last().unwrap_or_default();
    assert!(
        status.contains("60 messages │ reconnecting in 1s"),
        "{status}"
    );
}

#[test]
fn after_a_failed_login_the_list_says_why_it_is_empty() {
    let mut h = reader(80, 24);
    h.apply(Msg::Source(SourceEvent::Connection(
        ConnectionState::Failed {
            reason: "login: Authentication failed. (the server refused the user name or password; \
                 AUTHENTICATIONFAILED)"
                .into(),
        },
    )));
    let screen = h.screen_text();
    assert!(!screen.contains("Loading…"), "{screen}");
    assert!(
        screen.contains("Nothing listed: login: Authentication failed."),
        "{screen}"
    );
    assert_snapshot!(screen);
}

#[test]
fn a_message_deleted_on_the_server_while_shown_says_so() {
    let mut h = loaded(80, 24, 60, 60);
    h.press("enter");
    deliver_open_message(&mut h, message_view());
    let uid = h
        .state
        .pane
        .as_ref()
        .map(|p| p.uid)
        .expect("a message is open");
    let folder = h.state.folder.name.clone();
    h.apply(Msg::Source(SourceEvent::Expunged {
        folder,
        uids: vec![uid],
        total: 59,
    }));
    let screen = h.screen_text();
    assert!(screen.contains("Deleted on the server"), "{screen}");
    assert!(
        screen.contains("This message was deleted on the server"),
        "{screen}"
    );
    assert_snapshot!(screen);
}

#[test]
fn the_notice_history_scrolls_within_its_notices() {
    let mut h = loaded(80, 24, 60, 60);
    for i in 0..30 {
        h.apply(Msg::Source(SourceEvent::Notice(format!(
            "notice number {i}"
        ))));
    }
    h.press("N");
    assert!(h.screen_text().contains("notice number 29"));
    for _ in 0..200 {
        h.press("j");
    }
    let bottom = h.screen_text();
    assert!(bottom.contains("notice number 0"), "{bottom}");
    assert!(!bottom.contains("notice number 29"), "{bottom}");
    // Scrolled past the end, it comes back at once: one step up moves the view.
    h.press("k");
    assert_ne!(h.screen_text(), bottom);
    h.press("g");
    assert!(h.screen_text().contains("notice number 29"));
}
