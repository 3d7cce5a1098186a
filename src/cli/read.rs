//! `sealmail` with no subcommand: the reader.

use std::path::PathBuf;
use std::process::ExitCode;

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
    /// Write a debug log to this file (nothing is ever logged to the terminal).
    #[arg(long, value_name = "PATH")]
    pub log_file: Option<PathBuf>,
}

pub async fn run(args: ReadArgs) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("the reader is not built yet")
}
