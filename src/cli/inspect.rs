//! `sealmail inspect FILE.eml...`: classify portal mail from files.

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, clap::Args)]
pub struct InspectArgs {
    /// Message files (RFC 5322, .eml).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// One JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: InspectArgs) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("inspect is not built yet")
}
