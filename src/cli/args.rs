//! The command line as clap reads it: the reader's arguments and one subcommand per file in
//! `cli/`. The binary parses it; completions and the man page are generated from it.

use clap::{Parser, Subcommand};

/// A fast, keyboard-driven terminal mail reader that reads encrypted-portal mail inline.
#[derive(Debug, Parser)]
#[command(name = "sealmail", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub read: super::read::ReadArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Classify encrypted-portal mail in message files.
    Inspect(super::inspect::InspectArgs),
    /// Seal a message for its recipients and register its key with a portal.
    Seal(super::seal::SealArgs),
    /// Run the portal service (key release to verified recipients).
    Portal(super::portal::PortalArgs),
    /// Run the reader headless on a virtual screen, following a script (for testers).
    Script(super::script::ScriptArgs),
    /// Print shell completions for bash, zsh or fish.
    Completions(super::shell::CompletionsArgs),
    /// Print the man page, or write every page (one per subcommand) into a directory.
    Man(super::shell::ManArgs),
}
