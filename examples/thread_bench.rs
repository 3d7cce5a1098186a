//! Times client-side threading of a large folder: 100,000 messages in conversations of 1 to
//! 12 messages (some replies naming a parent that is not in the folder, some with only
//! In-Reply-To), threaded as the reader does off the UI task (`mail::threads::thread`), then
//! laid out as the thread view's lines (`flatten`). One thread, so wall time is CPU time.
//! Used by `scripts/bench-cache.sh`.
//!
//! ```sh
//! cargo run --release --example thread_bench -- [--messages 100000] [--runs 5]
//! ```
#![forbid(unsafe_code)]

use std::time::Instant;

use sealmail::mail::threads::{self, ThreadInput, TreeStyle};

fn folder(n: u32) -> Vec<ThreadInput> {
    let mut out = Vec::with_capacity(n as usize);
    let mut uid = 1;
    let mut conversation = 0u32;
    while uid <= n {
        conversation += 1;
        let length = 1 + (conversation * 7919) % 12;
        let root = format!("c{conversation}@bench.example");
        let mut references: Vec<String> = Vec::new();
        // Every ninth conversation's first message is not in the folder.
        if conversation.is_multiple_of(9) {
            references.push(format!("lost{conversation}@bench.example"));
        }
        for k in 0..length {
            if uid > n {
                break;
            }
            let id = if k == 0 {
                root.clone()
            } else {
                format!("c{conversation}.{k}@bench.example")
            };
            let only_in_reply_to = k % 5 == 4;
            out.push(ThreadInput {
                uid,
                message_id: Some(id.clone()),
                in_reply_to: references.last().cloned(),
                references: if only_in_reply_to {
                    Vec::new()
                } else {
                    references.clone()
                },
                subject: format!("conversation {conversation}"),
                date: 1_600_000_000 + i64::from(uid) * 60,
            });
            references.push(id);
            uid += 1;
        }
    }
    out
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut messages, mut runs) = (100_000u32, 5usize);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--messages" => messages = args.next().and_then(|v| v.parse().ok()).unwrap_or(messages),
            "--runs" => runs = args.next().and_then(|v| v.parse().ok()).unwrap_or(runs),
            _ => {}
        }
    }
    let inputs = folder(messages);
    let (mut threading, mut layout) = (Vec::new(), Vec::new());
    let mut threads_found = 0;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let forest = threads::thread(&inputs, false);
        threading.push(started.elapsed().as_secs_f64());
        let started = Instant::now();
        let lines = threads::flatten(
            &forest,
            &|_| false,
            &|uid| uid % 10 == 0,
            TreeStyle::Unicode,
        );
        layout.push(started.elapsed().as_secs_f64());
        threads_found = forest.len();
        assert_eq!(lines.len(), inputs.len());
    }
    threading.sort_by(f64::total_cmp);
    layout.sort_by(f64::total_cmp);
    let median = |v: &[f64]| v.get(v.len() / 2).copied().unwrap_or_default();
    println!(
        "{{\"messages\": {}, \"threads\": {threads_found}, \"thread_s\": {:.4}, \"flatten_s\": {:.4}, \"runs\": {}}}",
        inputs.len(),
        median(&threading),
        median(&layout),
        threading.len()
    );
}
