//! Times server-side searches through the reader's IMAP actor: INBOX is opened and loaded,
//! then each query is parsed as the search prompt parses it and sent as the reader sends it,
//! timed from the command to the actor's answer (what the reader then draws). Used by
//! `scripts/bench-cache.sh`; `scripts/bench/imap_search_floor.py` times the same commands
//! from a bare client in the same run.
//!
//! ```sh
//! IMAP_PASSWORD=secret cargo run --release --example imap_search -- \
//!     imaps://127.0.0.1:11993 USER [--ca-file PEM] [--runs 5] --query 'from:garcia' ...
//! ```
//! `--print-commands` prints the IMAP command of each query instead (for the floor).
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sealmail::imap::{self, Auth, ImapSettings};
use sealmail::mail::query::{self, Plan};
use sealmail::mail::search::{Hits, SearchRequest};
use sealmail::mail::{ConnectionState, SourceCommand, SourceEvent};
use tokio::sync::mpsc;

struct Args {
    url: String,
    user: String,
    ca_file: Option<String>,
    runs: usize,
    queries: Vec<String>,
    print_commands: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut positional = Vec::new();
    let (mut ca_file, mut runs, mut queries, mut print_commands) = (None, 5, Vec::new(), false);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--ca-file" => ca_file = args.next(),
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).unwrap_or(5),
            "--query" => queries.extend(args.next()),
            "--print-commands" => print_commands = true,
            _ => positional.push(arg),
        }
    }
    let usage = "usage: imap_search URL USER [--ca-file PEM] [--runs N] --query Q ...";
    if print_commands {
        positional.resize(2, String::new());
    }
    let [url, user]: [String; 2] = positional.try_into().map_err(|_| usage)?;
    Ok(Args {
        url,
        user,
        ca_file,
        runs,
        queries,
        print_commands,
    })
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

async fn next(events: &mut mpsc::Receiver<SourceEvent>) -> Result<SourceEvent, String> {
    match tokio::time::timeout(Duration::from_secs(600), events.recv()).await {
        Ok(Some(SourceEvent::Connection(ConnectionState::Failed { reason }))) => {
            Err(format!("failed: {reason}"))
        }
        Ok(Some(event)) => Ok(event),
        Ok(None) => Err("the actor stopped".into()),
        Err(_) => Err("no answer within 10 minutes".into()),
    }
}

async fn run(args: Args) -> Result<(), String> {
    if args.print_commands {
        for text in &args.queries {
            let query = query::parse(text, today()).map_err(|e| e.to_string())?;
            match query.split() {
                Plan::Server(pieces) => println!("{}", query::wire_preview(&pieces)),
                Plan::Mixed { .. } => return Err(format!("{text}: not a server query")),
            }
        }
        return Ok(());
    }
    let password = std::env::var("IMAP_PASSWORD").unwrap_or_default();
    let mut settings =
        ImapSettings::from_url(&args.url, args.user, Auth::Password(password.into()))
            .map_err(|e| e.to_string())?;
    settings.ca_file = args.ca_file.map(Into::into);
    let (commands, command_rx) = mpsc::channel(16);
    let (event_tx, mut events) = mpsc::channel(256);
    let actor = imap::spawn(settings, command_rx, event_tx);
    let send = |c| {
        let commands = commands.clone();
        async move {
            commands
                .send(c)
                .await
                .map_err(|_| "the actor stopped".to_string())
        }
    };
    send(SourceCommand::OpenFolder {
        req: 1,
        folder: "INBOX".into(),
        window: 50,
    })
    .await?;
    while !matches!(next(&mut events).await?, SourceEvent::FolderLoaded { .. }) {}
    let mut req = 10;
    let mut results = Vec::new();
    for text in &args.queries {
        let query = Arc::new(query::parse(text, today()).map_err(|e| e.to_string())?);
        let mut times = Vec::new();
        let mut hits = 0;
        for _ in 0..args.runs {
            req += 1;
            let started = Instant::now();
            send(SourceCommand::Search(SearchRequest {
                req,
                folder: "INBOX".into(),
                query: Arc::clone(&query),
                within: None,
            }))
            .await?;
            loop {
                if let SourceEvent::Searched(done) = next(&mut events).await?
                    && done.req == req
                {
                    hits = match done.result? {
                        Hits::All(uids) => uids.len(),
                        Hits::Parts(parts) => parts.iter().map(Vec::len).sum(),
                    };
                    break;
                }
            }
            times.push(started.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        let median = times.get(times.len() / 2).copied().unwrap_or_default();
        results.push(format!(
            "{{\"query\": {:?}, \"hits\": {hits}, \"median_s\": {median:.4}, \"runs_s\": {times:?}}}",
            text
        ));
    }
    println!("[{}]", results.join(",\n "));
    let _ = commands.send(SourceCommand::Shutdown).await;
    let _ = tokio::time::timeout(Duration::from_secs(5), actor).await;
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("imap_search: {e}");
            ExitCode::FAILURE
        }
    }
}
