//! The `sealmail` binary: parses arguments and dispatches to a subcommand in `cli/`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use sealmail::cli;
use sealmail::cli::args::{Cli, Command};

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
            Some(Command::Completions(a)) => cli::shell::completions(a),
            Some(Command::Man(a)) => cli::shell::man(a),
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
