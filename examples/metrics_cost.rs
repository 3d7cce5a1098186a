//! What the opt-in metrics cost: the time to draw a frame (p50, p99) and the time to load a
//! whole IMAP folder through the reader (actor + update), with metrics on and off, alternating
//! in the same run so both see the same machine. Not a test: run it by hand.
//!
//! ```sh
//! scripts/bench/start.sh && scripts/bench/setup_mailboxes.sh     # the benchmark Dovecot
//! cargo run --release --example metrics_cost -- imaps://127.0.0.1:11993 bench100k \
//!     --ca-file /tmp/bench-dovecot/ssl/ca.pem --rounds 3 --frames 3000
//! ```
//! The password comes from `IMAP_PASSWORD` (the benchmark's is `benchpass`).
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use sealmail::app::clock::Clock;
use sealmail::app::keymap::Keymap;
use sealmail::app::msg::Msg;
use sealmail::app::state::{AppState, ReaderSettings};
use sealmail::imap::{Auth, ImapSettings};
use sealmail::mail::{SourceCommand, SourceEvent};
use sealmail::metrics::Metrics;
use sealmail::secret::SecretString;
use sealmail::tui::headless::Headless;
use tokio::sync::mpsc;

/// One load: (metrics on, time to the whole list, frame p50 µs, frame p99 µs).
type Sample = (bool, Duration, u64, u64);

fn reader(metrics: &Metrics) -> Headless {
    let mut state = AppState::new(
        ReaderSettings::default(),
        Keymap::defaults(),
        Clock::fixed_utc(1_795_514_400),
        "bench".into(),
    );
    state.metrics = metrics.clone();
    // The panel stays hidden: this measures what collecting the figures costs. (Showing the
    // panel draws more lines; `--panel` measures that too.)
    state.metrics_panel = metrics.is_on() && std::env::args().any(|a| a == "--panel");
    Headless::new(state, 120, 40)
}

/// Loads the folder through the real actor and the real update; returns the time to the
/// whole list and the reader (to draw frames of a full list afterwards).
async fn load(settings: &ImapSettings, metrics: &Metrics) -> Result<(Duration, Headless), String> {
    let (command_tx, command_rx) = mpsc::channel(64);
    let (event_tx, mut event_rx) = mpsc::channel(256);
    let mut h = reader(metrics);
    let start = Instant::now();
    let task = sealmail::imap::metrics::spawn_measured(
        settings.clone(),
        command_rx,
        event_tx,
        metrics.clone(),
    );
    for c in h.start() {
        if let sealmail::app::msg::Command::Source(c) = c {
            command_tx.send(c).await.map_err(|e| e.to_string())?;
        }
    }
    let loaded = loop {
        let Some(event) = event_rx.recv().await else {
            return Err("the actor stopped".into());
        };
        let done = matches!(event, SourceEvent::FolderLoaded { .. });
        if let SourceEvent::Connection(sealmail::mail::ConnectionState::Failed { reason }) = &event
        {
            return Err(reason.clone());
        }
        h.apply(Msg::Source(event));
        if done {
            break start.elapsed();
        }
    };
    let _ = command_tx.send(SourceCommand::Shutdown).await;
    let _ = tokio::time::timeout(Duration::from_secs(2), task).await;
    Ok((loaded, h))
}

/// Draws `n` frames, moving the selection each time, as a person paging through would.
fn frames(h: &mut Headless, n: usize) -> Histogram<u64> {
    let mut hist = Histogram::<u64>::new(3).unwrap_or_else(|_| unreachable!("3 digits is valid"));
    for i in 0..n {
        let key = if i % 200 < 100 { "j" } else { "k" };
        h.press(key);
        let t = Instant::now();
        h.draw();
        let took = t.elapsed();
        h.state.metrics.frame(took);
        hist.saturating_record(took.as_micros() as u64);
    }
    hist
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let positional: Vec<String> = std::env::args()
        .skip(1)
        .take_while(|a| !a.starts_with("--"))
        .collect();
    let [url, user] = positional.as_slice() else {
        eprintln!("usage: metrics_cost URL USER [--ca-file PEM] [--rounds N] [--frames N]");
        return ExitCode::from(2);
    };
    let password =
        SecretString::from(std::env::var("IMAP_PASSWORD").unwrap_or_else(|_| "benchpass".into()));
    let mut settings = match ImapSettings::from_url(url, user.clone(), Auth::Password(password)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    settings.ca_file = arg("--ca-file").map(Into::into);
    let rounds: usize = arg("--rounds").and_then(|r| r.parse().ok()).unwrap_or(3);
    let n_frames: usize = arg("--frames").and_then(|r| r.parse().ok()).unwrap_or(3000);
    let mut results: Vec<Sample> = Vec::new();
    for round in 0..rounds {
        // Alternate which goes first, so neither always meets a warmer cache.
        let order = if round % 2 == 0 {
            [false, true]
        } else {
            [true, false]
        };
        for on in order {
            let metrics = if on { Metrics::on() } else { Metrics::off() };
            match load(&settings, &metrics).await {
                Ok((loaded, mut h)) => {
                    let hist = frames(&mut h, n_frames);
                    let (p50, p99) = (hist.value_at_quantile(0.5), hist.value_at_quantile(0.99));
                    println!(
                        "round {round} metrics {:3}: whole list {:6.3} s, {} rows; frame p50 {p50} µs p99 {p99} µs",
                        if on { "on" } else { "off" },
                        loaded.as_secs_f64(),
                        h.state.folder.rows.loaded()
                    );
                    results.push((on, loaded, p50, p99));
                }
                Err(e) => {
                    eprintln!("load failed: {e}");
                    return ExitCode::from(1);
                }
            }
        }
    }
    let median = |on: bool, f: &dyn Fn(&Sample) -> f64| {
        let mut v: Vec<f64> = results.iter().filter(|r| r.0 == on).map(f).collect();
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    let load_off = median(false, &|r| r.1.as_secs_f64());
    let load_on = median(true, &|r| r.1.as_secs_f64());
    let p99_off = median(false, &|r| r.3 as f64);
    let p99_on = median(true, &|r| r.3 as f64);
    println!(
        "median: whole list off {load_off:.3} s, on {load_on:.3} s ({:+.1}%); frame p99 off {p99_off} µs, on {p99_on} µs ({:+.1}%)",
        (load_on / load_off - 1.0) * 100.0,
        (p99_on / p99_off - 1.0) * 100.0
    );
    ExitCode::SUCCESS
}
