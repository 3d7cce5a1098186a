//! Opening hostile and very large messages (not part of the test run; see
//! docs/performance.md): the time from raw bytes to what the pane shows (`LoadedMessage::
//! from_raw`: MIME parsing, HTML to text, sanitising, portal classification), for messages
//! built to be expensive, at growing sizes up to the display cap, so that the growth can be
//! read off (linear: ten times the bytes, about ten times the time).
//!
//! ```sh
//! cargo run --release --example open_bench -- [RUNS]
//! ```

use std::time::{Duration, Instant};

use sealmail::mail::LoadedMessage;
use sealmail::mime::MAX_DISPLAY_BYTES;

fn message(content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "From: Bench <bench@example.org>\r\nTo: you@example.org\r\nSubject: bench\r\n\
         Message-ID: <bench@example.org>\r\nMIME-Version: 1.0\r\n\
         Content-Type: {content_type}; charset=utf-8\r\n\r\n{body}"
    )
    .into_bytes()
}

/// `unit` repeated to about `size` bytes.
fn repeat_to(unit: &str, size: usize) -> String {
    unit.repeat(size / unit.len().max(1) + 1)
}

fn cases(size: usize) -> Vec<(&'static str, Vec<u8>)> {
    let nested = size / 11;
    vec![
        (
            "plain text, many URLs",
            message("text/plain", &repeat_to("http://a ", size)),
        ),
        (
            "plain text, one long line",
            message("text/plain", &"x".repeat(size)),
        ),
        (
            "HTML, <div> nested",
            message(
                "text/html",
                &format!("{}x{}", "<div>".repeat(nested), "</div>".repeat(nested)),
            ),
        ),
        (
            "HTML, unclosed <font> nested",
            message("text/html", &repeat_to("<font>x", size)),
        ),
        (
            "HTML, flat paragraphs and links",
            message(
                "text/html",
                &repeat_to(
                    "<p>Some text <a href=\"https://e.example/x\">a link</a></p>\n",
                    size,
                ),
            ),
        ),
        (
            "HTML, one wide table",
            message(
                "text/html",
                &format!(
                    "<table><tr>{}</tr></table>",
                    repeat_to("<td>cell</td>", size)
                ),
            ),
        ),
        (
            "base64 attachment",
            format!(
                "From: b@example.org\r\nSubject: att\r\nMIME-Version: 1.0\r\n\
                 Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n\
                 Content-Type: text/plain\r\n\r\nsee attached\r\n--B\r\n\
                 Content-Type: application/pdf; name=a.pdf\r\n\
                 Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--B--\r\n",
                repeat_to(
                    "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2\r\n",
                    size
                )
            )
            .into_bytes(),
        ),
    ]
}

fn time_open(raw: &[u8], runs: usize) -> Duration {
    let mut best = Duration::MAX;
    for _ in 0..runs {
        let raw = raw.to_vec();
        let start = Instant::now();
        let loaded = LoadedMessage::from_raw(1, raw);
        let took = start.elapsed();
        assert!(loaded.is_ok(), "a bench message failed to open");
        best = best.min(took);
    }
    best
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3);
    println!(
        "host: {} cores, load average {}; best of {runs} runs",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    let sizes = [180 * 1024, 1800 * 1024, 2 * 1024 * 1024 - 4096];
    println!("| message | 180 KB | 1.8 MB | 2 MB |");
    println!("|---|---:|---:|---:|");
    let names: Vec<&str> = cases(1).iter().map(|(n, _)| *n).collect();
    let mut rows: Vec<Vec<Duration>> = vec![Vec::new(); names.len()];
    for size in sizes {
        for (i, (_, raw)) in cases(size).into_iter().enumerate() {
            rows[i].push(time_open(&raw, runs));
        }
    }
    for (name, times) in names.iter().zip(&rows) {
        let cells: Vec<String> = times
            .iter()
            .map(|t| format!("{:.1} ms", t.as_secs_f64() * 1e3))
            .collect();
        println!("| {name} | {} |", cells.join(" | "));
    }
    for mb in [10usize, 30] {
        let size = (mb * 1024 * 1024).min(MAX_DISPLAY_BYTES - 4096);
        let raw = cases(size).pop().map(|(_, r)| r).unwrap_or_default();
        println!(
            "| base64 attachment, {mb} MB | {:.1} ms |",
            time_open(&raw, runs).as_secs_f64() * 1e3
        );
    }
    let over = vec![b'x'; MAX_DISPLAY_BYTES + 1];
    let mut raw = b"From: b@example.org\r\nSubject: huge\r\n\r\n".to_vec();
    raw.extend_from_slice(&over);
    println!(
        "| over the cap ({} MB, header only) | {:.1} ms |",
        raw.len() / (1024 * 1024),
        time_open(&raw, runs).as_secs_f64() * 1e3
    );
}
