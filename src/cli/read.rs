//! `sealmail` with no subcommand: the reader.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::app::clock::Clock;
use crate::app::keymap::Keymap;
use crate::app::state::AppState;
use crate::config::Config;
use crate::metrics::Metrics;

/// Options of the reader itself.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ReadArgs {
    /// Open the bundled demo mailbox (no server, no account needed).
    #[arg(long)]
    pub demo: bool,
    /// The config file (default: $XDG_CONFIG_HOME/sealmail/config.toml).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Which account of the config to open (default: the first).
    #[arg(long, value_name = "NAME")]
    pub account: Option<String>,
    /// Quick use without a config file: imaps://host:993 or imap://host:143 (STARTTLS).
    #[arg(long, value_name = "URL")]
    pub imap: Option<String>,
    /// The IMAP user, with --imap.
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
    /// A command whose first line of output is the password, with --imap.
    #[arg(long, value_name = "CMD")]
    pub password_command: Option<String>,
    /// A PEM file of CA certificates to trust besides the system roots.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Open a local Maildir instead of an IMAP account.
    #[arg(long, value_name = "DIR")]
    pub maildir: Option<PathBuf>,
    /// Write a log to this file (nothing is ever logged to the terminal).
    #[arg(long, value_name = "PATH")]
    pub log_file: Option<PathBuf>,
    /// Turn the metrics panel on (key m).
    #[arg(long)]
    pub metrics: bool,
    /// With metrics on: write the figures to this file as OpenMetrics text on exit.
    #[arg(long, value_name = "PATH", requires = "metrics")]
    pub metrics_file: Option<PathBuf>,
}

/// The reader's settings, keymap and metrics from the config and flags.
pub fn reader_state(
    config: &Config,
    clock: Clock,
    source: &super::source::OpenSource,
    metrics: Metrics,
) -> anyhow::Result<AppState> {
    let label = source.label.clone();
    let settings = config.reader_settings()?;
    let keymap = match crate::config::default_path().map(|p| p.with_file_name("keymap.toml")) {
        Some(path) if path.exists() => Keymap::with_user_file(&std::fs::read_to_string(&path)?)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
        _ => Keymap::defaults(),
    };
    let mut state = AppState::new(
        settings,
        keymap,
        clock,
        crate::sanitize::line(&label).into_owned(),
    );
    state.metrics = metrics;
    state.user_email = source.email.clone();
    state.trust = crate::detect::Trust {
        authserv_ids: config.trusted_authserv_ids.clone(),
    };
    state.display =
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    Ok(state)
}

/// Metrics on when `--metrics` or `metrics = true` asks for them; else off, and free.
pub fn metrics_for(args: &ReadArgs, config: &Config) -> Metrics {
    if args.metrics || config.metrics {
        Metrics::on()
    } else {
        Metrics::off()
    }
}

/// Writes the metrics as OpenMetrics text, when asked for and on.
pub fn write_metrics(metrics: &Metrics, path: Option<&std::path::Path>) -> anyhow::Result<()> {
    if let (Some(path), Some(text)) = (path, metrics.openmetrics()) {
        std::fs::write(path, text)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

pub async fn run(args: ReadArgs) -> anyhow::Result<ExitCode> {
    super::logging::init(args.log_file.clone())?;
    let config = Config::load(args.config.as_deref())?;
    let spec = super::source::account(&args, &config)?;
    let metrics = metrics_for(&args, &config);
    let source = super::source::open(spec, Clock::System.now(), &config, &metrics)?;
    let state = reader_state(&config, Clock::System, &source, metrics.clone())?;
    let (link, flow, running) = source.split();
    crate::tui::run::run(state, link, flow).await?;
    running.stop().await;
    write_metrics(&metrics, args.metrics_file.as_deref())?;
    Ok(ExitCode::SUCCESS)
}
