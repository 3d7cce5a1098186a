//! The opt-in metrics: cheap counters and latency histograms of the program's own behaviour.
//!
//! Off unless `--metrics` or `metrics = true`: then [`Metrics`] holds nothing and every call is a
//! branch on `None`. Labels are `&'static str` only (vendor ids, method names, error kinds), so
//! no address, subject, folder, host, link or message content can ever become a label.
//! No ratatui or network code here.

mod openmetrics;
mod registry;
mod series;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub use registry::{Figures, LatencyFigures, Registry};
pub use series::Series;

/// Monotonic time since the metrics started (injectable for deterministic tests).
pub type Now = Arc<dyn Fn() -> Duration + Send + Sync>;

/// A handle to the metrics, cheap to clone; `Metrics::off()` records nothing.
#[derive(Clone, Default)]
pub struct Metrics {
    inner: Option<Arc<Shared>>,
}

/// Reads the resident memory (injectable for deterministic tests).
pub type Memory = Arc<dyn Fn() -> Option<u64> + Send + Sync>;

/// Reads a byte counter (the IMAP transport's bytes received).
pub type Counter = Arc<dyn Fn() -> u64 + Send + Sync>;

struct Shared {
    now: Now,
    memory: Memory,
    registry: Mutex<Registry>,
    bytes_in: Mutex<Option<Counter>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.inner.is_some() {
            "Metrics(on)"
        } else {
            "Metrics(off)"
        })
    }
}

impl Metrics {
    pub fn off() -> Metrics {
        Metrics { inner: None }
    }

    /// Metrics on the real monotonic clock.
    pub fn on() -> Metrics {
        let start = Instant::now();
        Metrics::with_clock(Arc::new(move || start.elapsed()))
    }

    /// Metrics on an injected clock.
    pub fn with_clock(now: Now) -> Metrics {
        Metrics::with_clock_and_memory(now, Arc::new(resident_bytes))
    }

    /// Metrics on an injected clock and memory reading (deterministic screens).
    pub fn with_clock_and_memory(now: Now, memory: Memory) -> Metrics {
        Metrics {
            inner: Some(Arc::new(Shared {
                now,
                memory,
                registry: Mutex::new(Registry::default()),
                bytes_in: Mutex::new(None),
            })),
        }
    }

    pub fn is_on(&self) -> bool {
        self.inner.is_some()
    }

    fn with(&self, f: impl FnOnce(&mut Registry, Duration)) {
        if let Some(shared) = &self.inner {
            let now = (shared.now)();
            f(&mut lock(&shared.registry), now);
        }
    }

    /// Everything, computed for display or export; `None` when metrics are off.
    pub fn figures(&self) -> Option<Figures> {
        let shared = self.inner.as_ref()?;
        let now = (shared.now)();
        let mut figures = lock(&shared.registry).figures(now);
        figures.resident_bytes = (shared.memory)();
        let counter = shared
            .bytes_in
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(counter) = counter {
            figures.imap_bytes = figures.imap_bytes.max(counter());
        }
        Some(figures)
    }

    /// The figures as OpenMetrics text; `None` when metrics are off.
    pub fn openmetrics(&self) -> Option<String> {
        self.figures().map(|f| openmetrics::render(&f))
    }

    // --- IMAP ---------------------------------------------------------------------------

    pub fn imap_state(&self, state: &'static str) {
        self.with(|r, _| r.imap.state = state);
    }
    pub fn imap_command(&self, round_trip: Duration) {
        self.with(|r, now| r.imap.command(round_trip, now));
    }
    pub fn imap_received(&self, envelopes: u64, bytes: u64) {
        self.with(|r, _| {
            r.imap.envelopes += envelopes;
            r.imap.bytes += bytes;
        });
    }
    /// Counts the bytes the transport received (read when the figures are computed).
    pub fn imap_bytes_from(&self, counter: Counter) {
        if let Some(shared) = &self.inner {
            *shared.bytes_in.lock().unwrap_or_else(|p| p.into_inner()) = Some(counter);
        }
    }
    /// A connection attempt starts (the first, or after a drop): the connect time runs from here.
    pub fn imap_connecting(&self) {
        self.with(|r, now| {
            r.imap.connecting_since.get_or_insert(now);
        });
    }
    /// Logged in: the time since `imap_connecting` is the connect-and-login time.
    pub fn imap_online(&self) {
        self.with(|r, now| {
            if let Some(since) = r.imap.connecting_since.take() {
                r.imap.connect = Some(now.saturating_sub(since));
            }
        });
    }
    /// A folder starts loading.
    pub fn imap_folder_started(&self) {
        self.with(|r, now| r.imap.fill_started = Some(now));
    }
    /// The folder that started loading is complete with `envelopes` rows.
    pub fn imap_folder_done(&self, envelopes: u64) {
        self.with(|r, now| {
            if let Some(start) = r.imap.fill_started.take() {
                r.imap.last_fill = Some((envelopes, now.saturating_sub(start)));
            }
        });
    }
    /// The connection dropped and a new one starts: a reconnect when it was online.
    pub fn imap_reconnecting(&self) {
        self.with(|r, now| {
            if r.imap.state == "online" {
                r.imap.reconnects += 1;
            }
            r.imap.connecting_since.get_or_insert(now);
        });
    }
    pub fn imap_live(&self, mode: &'static str) {
        self.with(|r, _| r.imap.live = mode);
    }

    // --- screen -------------------------------------------------------------------------

    pub fn frame(&self, draw: Duration) {
        self.with(|r, now| r.screen.frame(draw, now));
    }
    pub fn key_to_frame(&self, latency: Duration) {
        self.with(|r, _| r.screen.key_to_frame.record(latency));
    }

    // --- portal mail --------------------------------------------------------------------

    pub fn portal_seen(&self, vendor: &'static str) {
        self.with(|r, _| *r.portal.seen.entry(vendor).or_default() += 1);
    }
    pub fn sealed_opened(&self) {
        self.with(|r, _| r.portal.sealed_opened += 1);
    }
    pub fn sign_in(&self, method: &'static str, outcome: &'static str) {
        self.with(|r, _| *r.portal.sign_ins.entry((method, outcome)).or_default() += 1);
    }
    pub fn key_release(&self, latency: Duration) {
        self.with(|r, _| r.portal.key_release.record(latency));
    }
    pub fn decrypted(&self, bytes: u64, took: Duration) {
        self.with(|r, _| {
            r.portal.decrypt.record(took);
            r.portal.decrypted_bytes += bytes;
            r.portal.decrypt_time += took;
        });
    }
    pub fn error(&self, kind: &'static str) {
        self.with(|r, _| *r.portal.errors.entry(kind).or_default() += 1);
    }
}

fn lock(m: &Mutex<Registry>) -> MutexGuard<'_, Registry> {
    // A panic while holding the lock leaves plain numbers behind: keep using them.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Resident memory of this process in bytes (Linux), for the panel.
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}
