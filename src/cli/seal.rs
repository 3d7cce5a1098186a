//! `sealmail seal`: seal a message for its recipients and register its key with a portal.

use std::process::ExitCode;

#[derive(Debug, Clone, clap::Args)]
pub struct SealArgs {}

pub async fn run(args: SealArgs) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("seal is not built yet")
}
