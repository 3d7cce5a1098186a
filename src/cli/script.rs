//! `sealmail script FILE`: the reader headless on a virtual screen, following a script.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::app::clock::Clock;
use crate::config::Config;
use crate::script::parse;
use crate::script::run::{Outcome, ScriptOptions};
use crate::tui::headless::Headless;

#[derive(Debug, Clone, clap::Args)]
pub struct ScriptArgs {
    /// The script (see docs/scripting.md).
    pub file: PathBuf,
    /// Where `snapshot` writes NAME.txt.
    #[arg(long, value_name = "DIR", default_value = "script-out")]
    pub out: PathBuf,
    /// Where `expect` finds NAME.txt (default: the script's folder).
    #[arg(long, value_name = "DIR")]
    pub expected: Option<PathBuf>,
    /// Also write NAME.ansi, the screen with colours.
    #[arg(long)]
    pub ansi: bool,
    /// Record every `expect` screen as the new expectation instead of comparing.
    #[arg(long)]
    pub update: bool,
    /// A fixed "now" (RFC 3339, e.g. 2026-11-24T10:00:00Z) so dates render the same every day.
    #[arg(long, value_name = "RFC3339")]
    pub clock: Option<String>,
    /// The screen size before the first step.
    #[arg(long, value_name = "WxH", default_value = "80x24")]
    pub size: String,
    #[command(flatten)]
    pub read: super::read::ReadArgs,
}

pub async fn run(args: ScriptArgs) -> anyhow::Result<ExitCode> {
    let text = match std::fs::read_to_string(&args.file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("sealmail script: cannot read {}: {e}", args.file.display());
            return Ok(ExitCode::from(2));
        }
    };
    let lines = match parse::parse(&text) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("sealmail script: {}: {e}", args.file.display());
            return Ok(ExitCode::from(2));
        }
    };
    let clock = match &args.clock {
        Some(c) => match Clock::parse_fixed(c) {
            Some(clock) => clock,
            None => {
                eprintln!(
                    "sealmail script: --clock wants an RFC 3339 time such as 2026-11-24T10:00:00Z"
                );
                return Ok(ExitCode::from(2));
            }
        },
        None => Clock::System,
    };
    let Some((w, h)) = args
        .size
        .split_once('x')
        .and_then(|(w, h)| Some((w.parse::<u16>().ok()?, h.parse::<u16>().ok()?)))
    else {
        eprintln!("sealmail script: --size is WIDTHxHEIGHT, e.g. 80x24");
        return Ok(ExitCode::from(2));
    };
    super::logging::init(args.read.log_file.clone())?;
    let config = Config::load(args.read.config.as_deref())?;
    let metrics = super::read::metrics_for(&args.read, &config);
    let (mut source, mut state, several, later) =
        super::read::open_session(&args.read, &config, clock, &metrics)?;
    // Snapshots must not depend on the tester's terminal or display.
    state.settings.color = true;
    state.display = false;
    // Attachments opened in a script are saved here (and the opening recorded).
    let open_dir = crate::tui::run::private_dir();
    state.settings.open_dir = open_dir.as_ref().map(|d| d.path().to_path_buf());
    let reader = Headless::new(state, w.max(20), h.max(5));
    let expected = args.expected.clone().unwrap_or_else(|| {
        args.file
            .parent()
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."))
    });
    let options = ScriptOptions {
        out: args.out.clone(),
        expected,
        ansi: args.ansi,
        update: args.update,
    };
    let sender = source.sender.take();
    let (link, flow, running) = source.split();
    let outcome =
        crate::script::run::run(&lines, reader, link, flow, options, several, sender).await;
    running.stop().await;
    super::read::stop_later(later).await;
    super::read::write_metrics(&metrics, args.read.metrics_file.as_deref())?;
    match &outcome {
        Outcome::Passed => println!(
            "{}: {} steps, every expect matched",
            args.file.display(),
            lines.len()
        ),
        Outcome::Mismatched(diffs) => {
            for d in diffs {
                println!("{d}");
            }
            println!(
                "{}: {} expect(s) did not match",
                args.file.display(),
                diffs.len()
            );
        }
        Outcome::Failed(message) => eprintln!("{}: {message}", args.file.display()),
    }
    Ok(ExitCode::from(outcome.exit_code()))
}
