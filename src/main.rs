//! The `sealmail` binary: parses arguments and dispatches to a subcommand in `cli/`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sealmail::cli;

/// A fast, keyboard-driven terminal mail reader that reads encrypted-portal mail inline.
#[derive(Debug, Parser)]
#[command(name = "sealmail", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    read: cli::read::ReadArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Classify encrypted-portal mail in message files.
    Inspect(cli::inspect::InspectArgs),
    /// Seal a message for its recipients and register its key with a portal.
    Seal(cli::seal::SealArgs),
    /// Run the portal service (key release to verified recipients).
    Portal(cli::portal::PortalArgs),
    /// Run the reader headless on a virtual screen, following a script (for testers).
    Script(cli::script::ScriptArgs),
}

fn main() -> ExitCode {
    let args = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sealmail: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async move {
        match args.command {
            None => cli::read::run(args.read).await,
            Some(Command::Inspect(a)) => cli::inspect::run(a).await,
            Some(Command::Seal(a)) => cli::seal::run(a).await,
            Some(Command::Portal(a)) => cli::portal::run(a).await,
            Some(Command::Script(a)) => cli::script::run(a).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sealmail: {e:#}");
            ExitCode::from(1)
        }
    }
}
