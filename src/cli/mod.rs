//! One file per subcommand: argument definitions and wiring, no logic of their own.

pub mod args;
pub mod inspect;
pub mod logging;
pub mod portal;
pub mod read;
pub mod script;
pub mod seal;
pub mod sending;
pub mod shell;
pub mod source;
