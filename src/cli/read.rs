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
    let settings = match source.demo() {
        // The demo's S/MIME certificate, root and correspondent; gpg as configured.
        Some(_) => config.reader_settings_using(crate::demo::smime::crypto_settings(
            config.crypto.gpg_settings()?,
        ))?,
        None => config.reader_settings()?,
    };
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

/// The session's other accounts: their count, the one shown first, how to start the others.
pub type Several = (usize, usize, crate::tui::core::Starter);

/// What the accounts opened after the first run, to be stopped at exit.
pub type LaterRunning = std::sync::Arc<std::sync::Mutex<Vec<super::source::Running>>>;

/// The first mailbox, the reader's state, the other accounts, and what they will run.
pub type Session = (
    super::source::OpenSource,
    AppState,
    Option<Several>,
    LaterRunning,
);

/// Opens the first mailbox and, when the config has several accounts and the command line
/// names no single mailbox, prepares the others: the reader's state lists them.
pub fn open_session(
    args: &ReadArgs,
    config: &Config,
    clock: Clock,
    metrics: &Metrics,
) -> anyhow::Result<Session> {
    let later = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let several = super::source::several(args, config)?;
    let spec = match &several {
        Some((all, first)) => all.get(*first).cloned(),
        None => super::source::account(args, config)?,
    };
    let mut source = super::source::open(spec.clone(), clock.now(), config, metrics)?;
    let mut state = reader_state(config, clock, &source, metrics.clone())?;
    // The first account's outbox; the others' are made as they start (`later_starter`).
    {
        let sending = match &spec {
            Some(spec) => config.sending_for(spec.name())?,
            None => None,
        };
        if let Some(sending) = sending {
            let ca_file = sending.ca_file.clone();
            let (identity, sender) = super::sending::sender(sending, source.imap.clone())?;
            state.identity = Some(identity);
            source.sender = Some(sender);
            if let Some(spec) = &spec
                && let Some(sealing) = config.sealing_for(spec.name())?
            {
                state.sender_seal = Some(Box::new(super::sending::sender_seal(
                    sealing,
                    ca_file.as_deref(),
                )?));
            }
        } else if spec.is_none()
            && let Some(demo) = source.demo()
        {
            let (identity, sender) = super::sending::demo(demo);
            state.identity = Some(identity);
            source.sender = Some(sender);
        }
    }
    let mut accounts = None;
    // The demo has a second account, so that switching can be tried without one.
    let several = match (several, source.demo_second_account()) {
        (None, Some(second)) if args.demo => Some((
            vec![
                // Open already, as the first account: never started again.
                crate::config::AccountSpec::Maildir {
                    name: "demo".into(),
                    path: std::path::PathBuf::new(),
                },
                crate::config::AccountSpec::Maildir {
                    name: "demo: second account".into(),
                    path: second,
                },
            ],
            0,
        )),
        (several, _) => several,
    };
    if let Some((all, first)) = several {
        let mut shown = Vec::with_capacity(all.len());
        for (i, spec) in all.iter().enumerate() {
            let email = match spec {
                crate::config::AccountSpec::Imap { email, .. } => email.clone(),
                crate::config::AccountSpec::Maildir { .. } => None,
            };
            let mut account = crate::app::accounts::Account::new(spec.name(), email);
            if i != first {
                account.writing = writing_of(config, spec.name())?;
            }
            shown.push(account);
        }
        state.accounts = shown;
        state.active_account = first;
        let count = all.len();
        let starter =
            super::source::later_starter(all, first, clock.now(), config, metrics, later.clone())?;
        accounts = Some((count, first, starter));
    }
    Ok((source, state, accounts, later))
}

/// Who account `name` writes as and its sender token, read now (before the screen is taken).
fn writing_of(
    config: &Config,
    name: &str,
) -> anyhow::Result<Option<crate::app::accounts::Writing>> {
    let Some(sending) = config.sending_for(name)? else {
        return Ok(None);
    };
    let sender_seal = match config.sealing_for(name)? {
        Some(sealing) => Some(Box::new(super::sending::sender_seal(
            sealing,
            sending.ca_file.as_deref(),
        )?)),
        None => None,
    };
    Ok(Some(crate::app::accounts::Writing {
        identity: super::sending::identity_of(&sending),
        sender_seal,
    }))
}

/// Stops what the accounts opened after the first run.
pub async fn stop_later(later: LaterRunning) {
    let all: Vec<_> = later
        .lock()
        .map(|mut all| all.drain(..).collect())
        .unwrap_or_default();
    for running in all {
        running.stop().await;
    }
}

pub async fn run(args: ReadArgs) -> anyhow::Result<ExitCode> {
    super::logging::init(args.log_file.clone())?;
    // The system's trusted certificates are read once per process, and reading them (a
    // directory of a few hundred files on some systems) need not wait for the password
    // command: it starts now, beside it, and the first TLS connection finds it done.
    tokio::task::spawn_blocking(|| {
        crate::net::native_roots();
    });
    let config = Config::load(args.config.as_deref())?;
    let metrics = metrics_for(&args, &config);
    let (mut source, state, several, later) =
        open_session(&args, &config, Clock::System, &metrics)?;
    let sender = source.sender.take();
    let (link, flow, running) = source.split();
    crate::tui::run::run(state, link, flow, several, sender).await?;
    running.stop().await;
    stop_later(later).await;
    write_metrics(&metrics, args.metrics_file.as_deref())?;
    Ok(ExitCode::SUCCESS)
}
