//! What reaches `update` (messages) and what it asks the run loop to do (commands).

use crossterm::event::KeyEvent;

use crate::mail::{SourceCommand, SourceEvent};

/// An input to `update`.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    Source(SourceEvent),
}

/// Work for the run loop; `update` itself does no I/O.
#[derive(Debug)]
pub enum Command {
    Source(SourceCommand),
    Quit,
}
