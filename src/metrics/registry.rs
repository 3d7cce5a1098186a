//! The recorded figures, and the computed view of them ([`Figures`]) that the panel and the
//! OpenMetrics export read.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;

use super::series::Series;

/// A latency histogram in microseconds (1 µs to 10 min, 3 significant digits).
#[derive(Clone, Debug)]
pub struct Latency {
    histogram: Histogram<u64>,
    sum: Duration,
}

impl Default for Latency {
    fn default() -> Self {
        let histogram = Histogram::new_with_bounds(1, 600_000_000, 3).unwrap_or_else(|_| {
            Histogram::new(3).unwrap_or_else(|_| unreachable!("3 significant digits is valid"))
        });
        Latency {
            histogram,
            sum: Duration::ZERO,
        }
    }
}

impl Latency {
    pub fn record(&mut self, d: Duration) {
        self.histogram
            .saturating_record((d.as_micros() as u64).max(1));
        self.sum += d;
    }

    pub fn figures(&self) -> LatencyFigures {
        let q = |p: f64| Duration::from_micros(self.histogram.value_at_quantile(p));
        LatencyFigures {
            count: self.histogram.len(),
            sum: self.sum,
            p50: q(0.5),
            p95: q(0.95),
            p99: q(0.99),
        }
    }
}

/// A latency's figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LatencyFigures {
    pub count: u64,
    pub sum: Duration,
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
}

#[derive(Debug, Default)]
pub struct ImapRecord {
    pub state: &'static str,
    pub connect: Option<Duration>,
    pub rtt: Latency,
    pub rtt_series: Series,
    pub envelopes: u64,
    pub bytes: u64,
    pub last_fill: Option<(u64, Duration)>,
    pub reconnects: u64,
    pub live: &'static str,
    pub connecting_since: Option<Duration>,
    pub fill_started: Option<Duration>,
}

impl ImapRecord {
    pub fn command(&mut self, rtt: Duration, now: Duration) {
        self.rtt.record(rtt);
        self.rtt_series.record(rtt.as_micros() as u64, now);
    }
}

#[derive(Debug, Default)]
pub struct ScreenRecord {
    pub frame: Latency,
    pub frame_series: Series,
    pub key_to_frame: Latency,
    pub frames: u64,
}

impl ScreenRecord {
    pub fn frame(&mut self, draw: Duration, now: Duration) {
        self.frame.record(draw);
        self.frame_series.record(draw.as_micros() as u64, now);
        self.frames += 1;
    }
}

#[derive(Debug, Default)]
pub struct PortalRecord {
    pub seen: BTreeMap<&'static str, u64>,
    pub sealed_opened: u64,
    pub sign_ins: BTreeMap<(&'static str, &'static str), u64>,
    pub key_release: Latency,
    pub decrypt: Latency,
    pub decrypted_bytes: u64,
    pub decrypt_time: Duration,
    pub errors: BTreeMap<&'static str, u64>,
}

/// Everything recorded.
#[derive(Debug, Default)]
pub struct Registry {
    pub imap: ImapRecord,
    pub screen: ScreenRecord,
    pub portal: PortalRecord,
}

/// The figures at one moment, ready to show or export.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figures {
    pub uptime: Duration,
    pub resident_bytes: Option<u64>,
    pub imap_state: &'static str,
    pub imap_live: &'static str,
    pub imap_connect: Option<Duration>,
    pub imap_rtt: LatencyFigures,
    /// Per-second maxima of the last minute, in µs.
    pub imap_rtt_series: Vec<u64>,
    pub imap_envelopes: u64,
    pub imap_bytes: u64,
    /// Envelopes per second of the last whole-folder load.
    pub imap_fill_rate: Option<f64>,
    pub imap_reconnects: u64,
    pub frame: LatencyFigures,
    pub frame_series: Vec<u64>,
    pub key_to_frame: LatencyFigures,
    pub frames: u64,
    pub portal_seen: Vec<(&'static str, u64)>,
    pub sealed_opened: u64,
    pub sign_ins: Vec<(&'static str, &'static str, u64)>,
    pub key_release: LatencyFigures,
    pub decrypt: LatencyFigures,
    /// Bytes per second over all decryptions.
    pub decrypt_rate: Option<f64>,
    pub errors: Vec<(&'static str, u64)>,
}

impl Registry {
    pub fn figures(&self, now: Duration) -> Figures {
        let rate = |n: u64, d: Duration| (d > Duration::ZERO).then(|| n as f64 / d.as_secs_f64());
        Figures {
            uptime: now,
            resident_bytes: None,
            // Nothing recorded: no IMAP actor runs (a Maildir or the demo's mailbox).
            imap_state: if self.imap.state.is_empty() {
                "not used"
            } else {
                self.imap.state
            },
            imap_live: self.imap.live,
            imap_connect: self.imap.connect,
            imap_rtt: self.imap.rtt.figures(),
            imap_rtt_series: self.imap.rtt_series.last_minute(now),
            imap_envelopes: self.imap.envelopes,
            imap_bytes: self.imap.bytes,
            imap_fill_rate: self.imap.last_fill.and_then(|(n, d)| rate(n, d)),
            imap_reconnects: self.imap.reconnects,
            frame: self.screen.frame.figures(),
            frame_series: self.screen.frame_series.last_minute(now),
            key_to_frame: self.screen.key_to_frame.figures(),
            frames: self.screen.frames,
            portal_seen: self.portal.seen.iter().map(|(k, v)| (*k, *v)).collect(),
            sealed_opened: self.portal.sealed_opened,
            sign_ins: self
                .portal
                .sign_ins
                .iter()
                .map(|((m, o), v)| (*m, *o, *v))
                .collect(),
            key_release: self.portal.key_release.figures(),
            decrypt: self.portal.decrypt.figures(),
            decrypt_rate: rate(self.portal.decrypted_bytes, self.portal.decrypt_time),
            errors: self.portal.errors.iter().map(|(k, v)| (*k, *v)).collect(),
        }
    }
}
