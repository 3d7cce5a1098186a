//! The metrics panel: at 80x24 and 160x48 with deterministic figures, off, and in the help.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use insta::assert_snapshot;
use sealmail::app::msg::Msg;
use sealmail::mail::{ConnectionState, SourceEvent};
use sealmail::metrics::Metrics;
use sealmail::tui::headless::Headless;

use crate::fixtures::*;

/// An event as the IMAP actor sends it: read for IMAP's figures (`imap::metrics::observe`, what
/// the actor's `emit` does with every event), then handled by the reader.
fn from_actor(h: &mut Headless, event: SourceEvent) {
    sealmail::imap::metrics::observe(&h.state.metrics, &event);
    h.apply(Msg::Source(event));
}

/// A reader whose metrics run on a clock the test moves by hand. IMAP's connection and folder
/// figures come from the events the actor sends, through the function the actor records them
/// with; what is measured elsewhere (IMAP round trips in the actor, frames in the terminal
/// loop, the portal worker) is recorded by the calls those places make.
fn with_metrics(width: u16, height: u16) -> Headless {
    let now = Arc::new(AtomicU64::new(0));
    let clock = Arc::clone(&now);
    let at = |ms: u64| now.store(ms, Ordering::SeqCst);
    let mut h = reader(width, height);
    h.state.metrics = Metrics::with_clock_and_memory(
        Arc::new(move || Duration::from_millis(clock.load(Ordering::SeqCst))),
        Arc::new(|| Some(23_400_000)),
    );
    // The IMAP actor hands over its transport's byte counter when it starts.
    h.state.metrics.imap_bytes_from(Arc::new(|| 36_000));
    let connection = |h: &mut Headless, state: ConnectionState| {
        from_actor(h, SourceEvent::Connection(state));
    };
    let online = |h: &mut Headless| {
        connection(
            h,
            ConnectionState::Online {
                live: "IDLE",
                insecure: false,
            },
        )
    };
    connection(&mut h, ConnectionState::Connecting);
    at(48);
    online(&mut h);
    at(60_000);
    connection(
        &mut h,
        ConnectionState::Reconnecting {
            reason: "connection reset".into(),
            attempt: 1,
            retry_in_s: 0,
        },
    );
    at(60_048);
    online(&mut h);
    from_actor(&mut h, SourceEvent::Folders(folders()));
    let req = h.state.folder.req;
    at(100_000);
    from_actor(
        &mut h,
        SourceEvent::FolderOpened {
            req,
            folder: "INBOX".into(),
            total: 60,
            access: Default::default(),
        },
    );
    from_actor(
        &mut h,
        SourceEvent::Rows {
            req,
            rows: rows(60),
            loaded: 60,
            total: 60,
        },
    );
    at(100_012);
    from_actor(&mut h, SourceEvent::FolderLoaded { req, total: 60 });
    let m = &h.state.metrics;
    for i in 0..120u64 {
        at(700_000 + i * 450);
        m.imap_command(Duration::from_micros(900 + (i % 10) * 300));
        m.frame(Duration::from_micros(300 + (i % 7) * 150));
    }
    m.key_to_frame(Duration::from_micros(2_100));
    m.portal_seen("proofpoint");
    m.portal_seen("sealed");
    m.portal_seen("sealed");
    m.sealed_opened();
    m.sign_in("otp", "ok");
    m.key_release(Duration::from_millis(12));
    m.decrypted(10_000_000, Duration::from_millis(8));
    m.error("bad_credential");
    at(754_000);
    h
}

#[test]
fn panel_at_80x24() {
    let mut h = with_metrics(80, 24);
    h.press("m");
    let screen = h.screen_text();
    assert!(
        screen.contains("Metrics") && screen.contains("60 envelopes"),
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
