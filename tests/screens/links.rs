//! Following any numbered link of the open message: `y` copies and `o` opens it, at once when
//! the message has one link, after a prompt for its number when it has several; the status line
//! names the real target, and the prompt refuses a number the message does not have.

use insta::assert_snapshot;
use sealmail::app::msg::Command;
use sealmail::sanitize::Clean;
use sealmail::tui::headless::Headless;

use crate::fixtures::*;

const LINKS: &[&str] = &[
    "https://intranet.example.test/team/reports/2026/q4",
    "https://files.example.test/report-q4.xlsx",
    "https://calendar.example.test/thursday\u{1b}[2J",
];

/// The status line's notice, whole (the screen cuts it at 80 columns; `N` shows it whole).
/// A message open in full view with `links` as its numbered links.
fn open_with(links: &[&str]) -> Headless {
    let mut h = loaded(80, 24, 60, 60);
    h.press("v");
    h.press("enter");
    let mut view = message_view();
    view.links = links.iter().map(|l| Clean::line(l)).collect();
    deliver_open_message(&mut h, view);
    h
}

#[test]
fn one_link_is_copied_at_once_and_named() {
    let mut h = open_with(&LINKS[..1]);
    let commands = h.press("y").unwrap();
    assert!(
        matches!(commands.as_slice(), [Command::Clipboard(link)] if link == LINKS[0]),
        "{commands:?}"
    );
    let screen = h.screen_text();
    assert!(
        screen.contains("copied link [1]: https://intranet.example"),
        "{screen}"
    );
    assert_eq!(notice(&h), format!("copied link [1]: {}", LINKS[0]));
}

#[test]
fn several_links_ask_for_a_number_and_follow_it() {
    let mut h = open_with(LINKS);
    assert!(
        h.press("y").unwrap().is_empty(),
        "nothing copied before the number"
    );
    let screen = h.screen_text();
    assert!(
        screen.contains("Copy link (1–3): ") && screen.contains("(Enter copies it, Esc cancels)"),
        "{screen}"
    );
    assert_snapshot!(screen);
    h.type_text("3");
    let commands = h.press("enter").unwrap();
    // The real target, made clean: what the screen showed is what is copied.
    let clean = Clean::line(LINKS[2]);
    assert!(
        matches!(commands.as_slice(), [Command::Clipboard(link)] if clean == *link),
        "{commands:?}"
    );
    assert_eq!(
        notice(&h),
        "copied link [3]: https://calendar.example.test/thursday␛[2J"
    );
    let screen = h.screen_text();
    assert!(
        !screen.contains('\u{1b}') && !screen.contains("Copy link ("),
        "{screen}"
    );
}

#[test]
fn a_number_the_message_does_not_have_is_refused_and_esc_cancels() {
    let mut h = open_with(LINKS);
    h.press("y");
    h.type_text("7");
    assert!(h.press("enter").unwrap().is_empty());
    assert_eq!(notice(&h), "no link [7]: this message has links 1 to 3");
    let screen = h.screen_text();
    assert!(
        screen.contains("Copy link (1–3): "),
        "still asking: {screen}"
    );
    h.press("esc");
    assert!(h.state.link_prompt.is_none());
    assert!(!h.screen_text().contains("Copy link ("));
    // Keys are the message's again.
    h.press("q");
    assert!(h.state.pane.is_none(), "q closed the message");
}

#[test]
fn open_uses_the_browser_where_there_is_a_display() {
    let mut h = open_with(LINKS);
    h.press("o");
    h.type_text("2");
    let commands = h.press("enter").unwrap();
    assert!(commands.is_empty(), "no display in a test: {commands:?}");
    assert_eq!(
        notice(&h),
        "no display here to open link [2]: copy it with y instead"
    );
    h.state.display = true;
    h.press("o");
    h.type_text("2");
    let commands = h.press("enter").unwrap();
    assert!(
        matches!(commands.as_slice(), [Command::OpenUrl(link)] if link == LINKS[1]),
        "{commands:?}"
    );
    assert_eq!(
        notice(&h),
        format!("opened link [2] in $BROWSER: {}", LINKS[1])
    );
}

#[test]
fn a_message_without_links_says_so() {
    let mut h = open_with(&[]);
    assert!(h.press("y").unwrap().is_empty());
    assert_eq!(notice(&h), "this message has no links");
}
