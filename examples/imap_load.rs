//! Loads one IMAP folder through the reader's IMAP actor and prints when the first window and
//! the whole list arrived, like the status line does (`41200/100000`, then `100000 messages`),
//! with the process's peak memory. Used by `scripts/bench-reader.sh`.
//!
//! ```sh
//! IMAP_PASSWORD=secret cargo run --release --example imap_load -- \
//!     imaps://127.0.0.1:11993 USER [--ca-file PEM] [--folder INBOX] [--window 50] [--hold]
//! cargo run --example imap_load -- --print-query    # the FETCH items of a row
//! ```
#![forbid(unsafe_code)]

use std::collections::HashSet;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use sealmail::imap::{self, Auth, ImapSettings};
use sealmail::mail::{ConnectionState, SourceCommand, SourceEvent};
use tokio::sync::mpsc;

struct Args {
    url: String,
    user: String,
    ca_file: Option<String>,
    folder: String,
    window: u32,
    hold: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut positional = Vec::new();
    let mut ca_file = None;
    let mut folder = "INBOX".to_owned();
    let mut window = 50;
    let mut hold = false;
    let mut args = std::env::args().skip(1);
    if std::env::args().any(|a| a == "--print-query") {
        println!("{}", imap::row_query());
        std::process::exit(0);
    }
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--ca-file" => ca_file = args.next(),
            "--folder" => folder = args.next().ok_or("--folder needs a value")?,
            "--window" => {
                window = args
                    .next()
                    .and_then(|w| w.parse().ok())
                    .ok_or("--window needs a number")?
            }
            "--hold" => hold = true,
            _ => positional.push(arg),
        }
    }
    let [url, user]: [String; 2] = positional.try_into().map_err(
        |_| "usage: imap_load URL USER [--ca-file PEM] [--folder F] [--window N] [--hold]",
    )?;
    Ok(Args {
        url,
        user,
        ca_file,
        folder,
        window,
        hold,
    })
}

/// The process's peak resident memory (VmHWM), in MB.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::main]
async fn main() -> ExitCode {
    let start = Instant::now();
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let password = std::env::var("IMAP_PASSWORD").unwrap_or_default();
    let mut settings =
        match ImapSettings::from_url(&args.url, args.user, Auth::Password(password.into())) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        };
    settings.ca_file = args.ca_file.map(Into::into);

    let (cmd_tx, cmd_rx) = mpsc::channel(16);
    let (ev_tx, mut ev_rx) = mpsc::channel(64);
    let actor = imap::spawn(settings, cmd_rx, ev_tx);
    let _ = cmd_tx
        .send(SourceCommand::OpenFolder {
            req: 1,
            folder: args.folder.clone(),
            window: args.window,
        })
        .await;

    // The list as the reader keeps it: every row, newest first.
    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    let mut duplicates = 0u32;
    let mut out_of_order = 0u32;
    let mut first_at = None;
    let code = loop {
        let Some(event) = ev_rx.recv().await else {
            eprintln!("the actor stopped");
            break ExitCode::from(1);
        };
        let t = start.elapsed().as_secs_f64();
        match event {
            SourceEvent::Connection(ConnectionState::Failed { reason }) => {
                eprintln!("failed: {reason}");
                break ExitCode::from(1);
            }
            SourceEvent::Connection(state) => eprintln!("{t:.3}s {state:?}"),
            SourceEvent::Rows {
                rows: chunk,
                loaded,
                total,
                ..
            } => {
                for row in chunk {
                    if !seen.insert(row.uid) {
                        duplicates += 1;
                    }
                    if rows
                        .last()
                        .is_some_and(|r: &sealmail::mail::Row| r.uid < row.uid)
                    {
                        out_of_order += 1;
                    }
                    rows.push(row);
                }
                if first_at.is_none() {
                    first_at = Some(t);
                    println!("first {} rows at {t:.3}s", rows.len());
                    if let Some(r) = rows.first() {
                        println!("{} {} {}", r.uid, r.from(), r.subject());
                    }
                }
                println!("{loaded}/{total}");
            }
            SourceEvent::FolderLoaded { total, .. } => {
                println!(
                    "{total} messages at {t:.3}s; rows {} duplicates {duplicates} out-of-order {out_of_order}; peak RSS {:.1} MB",
                    rows.len(),
                    peak_rss_mb()
                );
                break ExitCode::SUCCESS;
            }
            SourceEvent::Notice(n) => eprintln!("notice: {n}"),
            _ => {}
        }
    };
    if args.hold && code == ExitCode::SUCCESS {
        // Like the reader: stay on screen until `q` (and Enter: the terminal is not raw here).
        let _ = tokio::task::spawn_blocking(|| {
            for line in std::io::stdin().lines() {
                match line {
                    Ok(l) if l.trim_start().starts_with('q') => return,
                    Ok(_) => {}
                    Err(_) => return,
                }
            }
        })
        .await;
    }
    let _ = cmd_tx.send(SourceCommand::Shutdown).await;
    let _ = tokio::time::timeout(Duration::from_secs(3), actor).await;
    code
}
