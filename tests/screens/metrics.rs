//! The metrics panel: at 80x24 and 160x48 with deterministic figures, off, and in the help.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use insta::assert_snapshot;
use sealmail::metrics::Metrics;

use crate::fixtures::*;

/// Fixed figures on a clock the test moves by hand.
fn recorded_metrics() -> Metrics {
    let now = Arc::new(AtomicU64::new(0));
    let clock = Arc::clone(&now);
    let m = Metrics::with_clock_and_memory(
        Arc::new(move || Duration::from_millis(clock.load(Ordering::SeqCst))),
        Arc::new(|| Some(23_400_000)),
    );
    m.imap_connected(Duration::from_millis(48));
    for i in 0..120u64 {
        now.store(700_000 + i * 450, Ordering::SeqCst);
        m.imap_command(Duration::from_micros(900 + (i % 10) * 300));
        m.frame(Duration::from_micros(300 + (i % 7) * 150));
    }
    m.key_to_frame(Duration::from_micros(2_100));
    m.imap_received(100_000, 57_000_000);
    m.imap_folder_loaded(100_000, Duration::from_millis(2_900));
    m.imap_reconnect();
    m.portal_seen("proofpoint");
    m.portal_seen("sealed");
    m.portal_seen("sealed");
    m.sealed_opened();
    m.sign_in("otp", "ok");
    m.key_release(Duration::from_millis(12));
    m.decrypted(10_000_000, Duration::from_millis(8));
    m.error("bad_credential");
    now.store(754_000, Ordering::SeqCst);
    m
}

fn with_metrics(width: u16, height: u16) -> sealmail::app::headless::Headless {
    let mut h = loaded(width, height, 60, 60);
    h.state.metrics = recorded_metrics();
    // The connection events reached the metrics before; do it again with them on.
    online(&mut h);
    h
}

#[test]
fn panel_at_80x24() {
    let mut h = with_metrics(80, 24);
    h.press("m");
    let screen = h.screen_text();
    assert!(
        screen.contains("Metrics") && screen.contains("100000 envelopes"),
        "{screen}"
    );
    assert_snapshot!(screen);
}

#[test]
fn panel_at_160x48() {
    let mut h = with_metrics(160, 48);
    h.press("m");
    let screen = h.screen_text();
    assert!(
        screen.contains("rtt p50") && screen.contains("key release"),
        "{screen}"
    );
    assert_snapshot!(screen);
}

#[test]
fn the_panel_refreshes_on_a_timer_only_while_shown() {
    let mut h = with_metrics(80, 24);
    assert!(
        !h.state.ticking(),
        "hidden: no timer, an idle reader costs nothing"
    );
    h.press("m");
    assert!(h.state.ticking(), "shown: redrawn every second");
    h.press("m");
    assert!(!h.state.ticking());
}

#[test]
fn panel_key_does_nothing_with_metrics_off() {
    let mut h = loaded(80, 24, 60, 60);
    let before = h.screen_text();
    h.press("m");
    assert!(!h.state.metrics_panel);
    assert_eq!(h.screen_text(), before);
    assert!(h.state.metrics.figures().is_none());
}

#[test]
fn help_names_the_panel_key() {
    let mut h = with_metrics(80, 24);
    h.press("?");
    h.press("G");
    let screen = h.screen_text();
    let line = screen
        .lines()
        .find(|l| l.contains("metrics panel"))
        .expect("help has the metrics line");
    assert!(line.contains(" m "), "{line}");
    assert_snapshot!(line.trim_matches(|c| c == ' ' || c == '│'));
}
