//! `sealmail portal`: run the key-release service. Every setting of the config file is also a
//! flag; flags win over the file.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, anyhow};

use crate::portal::config::{ConfigFile, OidcFile, SenderTokenFile};

#[derive(Debug, Clone, clap::Args)]
pub struct PortalArgs {
    /// The config file (TOML); flags override it.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Address to listen on (default 127.0.0.1:8480).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Public origin put in sealed messages, e.g. https://portal.example.com.
    #[arg(long, value_name = "URL")]
    pub origin: Option<String>,
    /// SQLite database file (created and migrated at start): one portal process.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// PostgreSQL database shared by any number of instances: postgres://USER@HOST:PORT/DB,
    /// without a password (see --database-password-file). Migrated at start.
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
    /// File whose first line is the PostgreSQL password (or set
    /// SEALMAIL_PORTAL_DATABASE_PASSWORD).
    #[arg(long, value_name = "PATH")]
    pub database_password_file: Option<PathBuf>,
    /// File holding the master key (32 random bytes, base64), or a key ring for a rotation
    /// (docs/deployment.md). Or set SEALMAIL_PORTAL_MASTER_KEY.
    #[arg(long, value_name = "PATH")]
    pub master_key_file: Option<PathBuf>,
    /// A command that prints the master key in base64 (a secret store's or KMS's client),
    /// run with `sh -c`; every instance must get the same key.
    #[arg(long, value_name = "COMMAND")]
    pub master_key_command: Option<String>,
    /// TLS certificate chain (PEM). Without TLS the portal only listens on loopback.
    #[arg(long, value_name = "PATH")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, value_name = "PATH")]
    pub tls_key: Option<PathBuf>,
    /// SMTP relay for passcode mail: smtp://host:port (STARTTLS required), smtps://host:port,
    /// or smtp+insecure://127.0.0.1:port (no TLS: a relay on this machine, no AUTH).
    #[arg(long, value_name = "URL")]
    pub smtp: Option<String>,
    /// SMTP user name.
    #[arg(long, value_name = "USER")]
    pub smtp_user: Option<String>,
    /// File whose first line is the SMTP password (or set SEALMAIL_PORTAL_SMTP_PASSWORD).
    #[arg(long, value_name = "PATH")]
    pub smtp_password_file: Option<PathBuf>,
    /// From address of passcode mail.
    #[arg(long, value_name = "ADDR")]
    pub mail_from: Option<String>,
    /// Extra CA certificates (PEM) trusted for the SMTP relay and identity providers.
    #[arg(long, value_name = "PATH")]
    pub ca_file: Option<PathBuf>,
    /// Serve aggregate counts on /metrics (OpenMetrics text).
    #[arg(long)]
    pub metrics: bool,
    /// API requests per minute per client IP (0: no limit; default 120).
    #[arg(long, value_name = "N")]
    pub ip_requests_per_minute: Option<u32>,
    /// Largest request body in bytes (default 16384).
    #[arg(long, value_name = "BYTES")]
    pub max_body_bytes: Option<usize>,
    /// A file of sender tokens, one `TOKEN=ALLOWED_FROM` a line (`user@domain` or `*@domain`;
    /// a token may appear on several lines). Or set SEALMAIL_PORTAL_SENDER_TOKENS to such lines.
    #[arg(long, value_name = "PATH")]
    pub sender_token_file: Option<PathBuf>,
    /// Deprecated: `ps` shows the token to every local user; use --sender-token-file.
    #[arg(long, value_name = "TOKEN=ALLOWED_FROM", hide = true)]
    pub sender_token: Vec<String>,
    /// An OpenID Connect issuer and the client id its ID tokens must be for; repeatable.
    #[arg(long, value_name = "ISSUER=CLIENT_ID")]
    pub oidc: Vec<String>,
    /// The address of a reverse proxy in front of the portal; requests it forwards count as
    /// coming from the last hop of `Forwarded` / `X-Forwarded-For`. Repeatable; off by default.
    #[arg(long, value_name = "IP")]
    pub trust_proxy: Vec<String>,
    /// Re-wrap every stored content key under the current master key (the first of a key
    /// ring), print what was done, and exit. Safe beside serving instances.
    #[arg(long)]
    pub rewrap: bool,
    /// Print the fingerprint line of the master key (`fingerprint:BASE64`), which a key ring
    /// keeps in place of the original key once that key is retired, and exit.
    #[arg(long)]
    pub print_fingerprint_line: bool,
    /// Log filter (tracing syntax), e.g. info or debug. Logs go to stderr.
    #[arg(long, value_name = "FILTER", default_value = "info")]
    pub log: String,
}

/// Environment variable that may hold sender tokens, one `TOKEN=ALLOWED_FROM` a line.
pub const SENDER_TOKENS_ENV: &str = "SEALMAIL_PORTAL_SENDER_TOKENS";

/// Adds `TOKEN=ALLOWED_FROM` lines (blank lines and `#` comments skipped) to `tokens`.
fn add_sender_tokens(
    tokens: &mut Vec<SenderTokenFile>,
    text: &str,
    source: &str,
) -> anyhow::Result<()> {
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_matches([' ', '\t', '\r']);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // Never quote the line: it holds a token.
        let (token, from) = line
            .rsplit_once('=')
            .ok_or_else(|| anyhow!("{source} line {}: not TOKEN=ALLOWED_FROM", n + 1))?;
        match tokens.iter_mut().find(|t| t.token == token) {
            Some(existing) => existing.allowed_from.push(from.to_owned()),
            None => tokens.push(SenderTokenFile {
                token: token.to_owned(),
                allowed_from: vec![from.to_owned()],
            }),
        }
    }
    Ok(())
}

impl PortalArgs {
    fn as_config(&self) -> anyhow::Result<ConfigFile> {
        let mut sender_tokens: Vec<SenderTokenFile> = Vec::new();
        if let Some(path) = &self.sender_token_file {
            let text = zeroize::Zeroizing::new(
                std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?,
            );
            add_sender_tokens(&mut sender_tokens, &text, &path.display().to_string())?;
        }
        if let Ok(text) = std::env::var(SENDER_TOKENS_ENV) {
            let text = zeroize::Zeroizing::new(text);
            add_sender_tokens(&mut sender_tokens, &text, SENDER_TOKENS_ENV)?;
        }
        if !self.sender_token.is_empty() {
            eprintln!(
                "sealmail portal: warning: --sender-token shows the token to every local user \
                 (ps); use --sender-token-file or {SENDER_TOKENS_ENV}"
            );
        }
        for spec in &self.sender_token {
            add_sender_tokens(&mut sender_tokens, spec, "--sender-token")?;
        }
        let oidc = self
            .oidc
            .iter()
            .map(|spec| {
                // The issuer is a URL and may hold '=' itself; the client id is after the last.
                let (issuer, client_id) = spec
                    .rsplit_once('=')
                    .ok_or_else(|| anyhow!("--oidc takes ISSUER=CLIENT_ID"))?;
                Ok(OidcFile {
                    issuer: issuer.to_owned(),
                    client_id: client_id.to_owned(),
                    name: None,
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(ConfigFile {
            listen: self.listen.clone(),
            origin: self.origin.clone(),
            db: self.db.clone(),
            database: self.database.clone(),
            database_password_file: self.database_password_file.clone(),
            master_key_file: self.master_key_file.clone(),
            master_key_command: self.master_key_command.clone(),
            tls_cert: self.tls_cert.clone(),
            tls_key: self.tls_key.clone(),
            smtp: self.smtp.clone(),
            smtp_user: self.smtp_user.clone(),
            smtp_password_file: self.smtp_password_file.clone(),
            mail_from: self.mail_from.clone(),
            ca_file: self.ca_file.clone(),
            metrics: self.metrics.then_some(true),
            ip_requests_per_minute: self.ip_requests_per_minute,
            max_body_bytes: self.max_body_bytes,
            sender_tokens,
            oidc,
            trusted_proxies: self.trust_proxy.clone(),
        })
    }
}

pub async fn run(args: PortalArgs) -> anyhow::Result<ExitCode> {
    let filter = tracing_subscriber::EnvFilter::try_new(&args.log)
        .with_context(|| format!("--log {:?}", args.log))?;
    // A second init (embedding in a test process) is harmless; the first subscriber stays.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();

    let file = match &args.config {
        Some(path) => ConfigFile::load(path).map_err(|e| anyhow!(e))?,
        None => ConfigFile::default(),
    };
    let config = file
        .merge(args.as_config()?)
        .resolve()
        .map_err(|e| anyhow!(e))?;
    if args.print_fingerprint_line {
        println!("{}", config.master_key.fingerprint_line().expose());
        return Ok(ExitCode::SUCCESS);
    }
    if args.rewrap {
        let store = crate::portal::store::Store::connect(&config.database).await?;
        let report = crate::portal::rotate::rewrap(&store, &config.master_key).await;
        store.close().await;
        let report = report?;
        println!(
            "re-wrapped {} keys; {} were under the current key already; {} open under no key \
             of the ring",
            report.rewrapped, report.current, report.unreadable
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mailer = crate::portal::smtp_mailer(&config).map_err(|e| anyhow!(e))?;
    let portal = crate::portal::Portal::start(config, mailer).await?;
    // Tests and scripts wait for this line: the portal is serving once it is printed.
    println!(
        "sealmail portal listening on {} (origin {})",
        portal.local_addr(),
        portal.origin()
    );
    portal.run_until(shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
