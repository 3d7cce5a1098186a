//! Portal-mail classification cost against message size (not part of the test run; see
//! docs/performance.md): hostile shapes at 180 KB, 1.8 MB and the 2 MiB cap, timed through
//! `portal::detect::classify`, the public function the reader and `sealmail inspect` call.
//!
//! ```sh
//! cargo run --release --example detect_bench -- [RUNS]
//! ```

use std::time::Instant;

use sealmail::detect::classify;

const SIZES: [(&str, usize); 3] = [
    ("180 KB", 180_000),
    ("1.8 MB", 1_800_000),
    ("2 MiB", 2 * 1024 * 1024),
];

fn message(content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "From: a@sender.example\r\nTo: b@example.net\r\nSubject: s\r\n\
         Content-Type: {content_type}\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

/// `unit` repeated to about `size` bytes of body.
fn fill(unit: &str, size: usize) -> String {
    unit.repeat(size / unit.len().max(1))
}

type Shape = (&'static str, fn(usize) -> Vec<u8>);

const SHAPES: &[Shape] = &[
    ("text: `http://a ` repeated", |n| {
        message("text/plain", &fill("http://a ", n))
    }),
    ("text: `http` without a scheme", |n| {
        message("text/plain", &fill("http ", n))
    }),
    ("text: `http://ab ` repeated (links past the cap)", |n| {
        message("text/plain", &fill("http://ab ", n))
    }),
    ("text: one line of `https://x.example/ `", |n| {
        message("text/plain", &fill("https://x.example/ ", n))
    }),
    ("html: `http://a ` in one paragraph", |n| {
        message("text/html", &format!("<p>{}</p>", fill("http://a ", n)))
    }),
    ("html: `<a href=http://a>x</a>`", |n| {
        message("text/html", &fill("<a href=http://a>x</a>", n))
    }),
    ("html: `<form action=http://a>`", |n| {
        message("text/html", &fill("<form action=http://a>", n))
    }),
];

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3);
    println!(
        "host: {} cores, load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    println!("| shape | size | best of {runs} (ms) | ms per MB |");
    println!("|---|---|---|---|");
    for (name, make) in SHAPES {
        for (label, size) in SIZES {
            let raw = make(size);
            let mut best = f64::MAX;
            for _ in 0..runs {
                let t = Instant::now();
                let c = classify(&raw);
                std::hint::black_box(&c);
                best = best.min(t.elapsed().as_secs_f64() * 1e3);
            }
            let per_mb = best / (raw.len() as f64 / 1e6);
            println!("| {name} | {label} | {best:.1} | {per_mb:.1} |");
        }
    }
}
