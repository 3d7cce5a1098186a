//! Moves every `--every`th message of a folder (newest first, as marks on the loaded list
//! would) to another folder through the reader's IMAP actor, and prints how long it took: to
//! the actor's answer, and to the last of the moved rows leaving the list. While it moves, a
//! message that stays is opened, to show how long the reader waits for it. The messages are
//! then moved back (the undo), timed as well. Used by `scripts/bench-move.sh`.
//!
//! ```sh
//! IMAP_PASSWORD=secret cargo run --release --example imap_move -- \
//!     imaps://127.0.0.1:11993 USER --target Moved [--ca-file PEM] [--every 10] [--json]
//! ```
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::time::{Duration, Instant};

use sealmail::imap::{self, Auth, ImapSettings};
use sealmail::mail::{ConnectionState, SourceCommand, SourceEvent, Transfer, TransferKind};
use tokio::sync::mpsc;

struct Args {
    url: String,
    user: String,
    ca_file: Option<String>,
    target: String,
    every: usize,
    json: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut positional = Vec::new();
    let (mut ca_file, mut target, mut every, mut json) = (None, None, 10, false);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--ca-file" => ca_file = args.next(),
            "--target" => target = args.next(),
            "--every" => {
                every = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .ok_or("--every needs a positive number")?
            }
            "--json" => json = true,
            _ => positional.push(arg),
        }
    }
    let usage = "usage: imap_move URL USER --target FOLDER [--ca-file PEM] [--every N] [--json]";
    let [url, user]: [String; 2] = positional.try_into().map_err(|_| usage)?;
    Ok(Args {
        url,
        user,
        ca_file,
        target: target.ok_or(usage)?,
        every,
        json,
    })
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
    let mut newest_first = Vec::new();
    loop {
        match next(&mut events).await? {
            SourceEvent::Rows { rows, .. } => newest_first.extend(rows.iter().map(|r| r.uid)),
            SourceEvent::FolderLoaded { .. } => break,
            _ => {}
        }
    }
    newest_first.sort_unstable_by(|a, b| b.cmp(a));
    let marked: Vec<u32> = newest_first.iter().copied().step_by(args.every).collect();
    let stays = newest_first
        .get(1)
        .copied()
        .ok_or("the folder is too small")?;
    let count = marked.len();

    let started = Instant::now();
    send(SourceCommand::Transfer(Transfer::new(
        2,
        "INBOX".into(),
        args.target.clone(),
        TransferKind::Move,
        marked,
    )))
    .await?;
    let (mut gone, mut list_at, mut done_at, mut open_wait) = (0usize, None, None, None);
    let mut opened_at = None;
    let mut landed = Vec::new();
    while done_at.is_none() || list_at.is_none() || (opened_at.is_some() && open_wait.is_none()) {
        match next(&mut events).await? {
            SourceEvent::Expunged { uids, .. } => {
                gone += uids.len();
                if opened_at.is_none() {
                    // A key pressed during the move: open a message that stays.
                    opened_at = Some(Instant::now());
                    send(SourceCommand::FetchMessage {
                        req: 3,
                        folder: "INBOX".into(),
                        uid: stays,
                        mark_seen: false,
                    })
                    .await?;
                }
                if gone >= count {
                    list_at = Some(started.elapsed());
                }
            }
            SourceEvent::Message { req: 3, result } => {
                result.map_err(|e| e.to_string())?;
                open_wait = opened_at.map(|t| t.elapsed());
            }
            SourceEvent::Transferred(done) => {
                if let Some(error) = done.error {
                    return Err(error);
                }
                landed = done.progress.landed.iter().map(|(_, to)| *to).collect();
                done_at = Some(started.elapsed());
            }
            _ => {}
        }
    }
    let undo_started = Instant::now();
    send(SourceCommand::Transfer(Transfer::new(
        4,
        args.target.clone(),
        "INBOX".into(),
        TransferKind::Move,
        landed,
    )))
    .await?;
    let undo = loop {
        if let SourceEvent::Transferred(done) = next(&mut events).await?
            && done.req == 4
        {
            if let Some(error) = done.error {
                return Err(format!("undo: {error}"));
            }
            break undo_started.elapsed();
        }
    };
    let secs = |d: Option<Duration>| d.map_or(f64::NAN, |d| d.as_secs_f64());
    if args.json {
        println!(
            "{{\"moved\": {count}, \"answer_s\": {:.3}, \"list_s\": {:.3}, \"open_during_move_s\": {:.3}, \"undo_s\": {:.3}}}",
            secs(done_at),
            secs(list_at),
            secs(open_wait),
            undo.as_secs_f64()
        );
    } else {
        println!(
            "moved {count}: answer {:.3} s, list {:.3} s; a message opened during the move in {:.3} s; undo {:.3} s",
            secs(done_at),
            secs(list_at),
            secs(open_wait),
            undo.as_secs_f64()
        );
    }
    let _ = commands.send(SourceCommand::Shutdown).await;
    let _ = tokio::time::timeout(Duration::from_secs(3), actor).await;
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}
