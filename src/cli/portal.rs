//! `sealmail portal`: run the key-release service.

use std::process::ExitCode;

#[derive(Debug, Clone, clap::Args)]
pub struct PortalArgs {}

pub async fn run(args: PortalArgs) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("portal is not built yet")
}
