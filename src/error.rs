//! Errors with a kind the UI can act on (retry, ask again, show and carry on).

use std::fmt;

/// What went wrong, as far as the reader's behaviour is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The network or the server went away: retry with backoff.
    Network,
    /// TLS failed (untrusted certificate, no STARTTLS, a downgrade refused): do not retry blindly.
    Tls,
    /// The server refused the credentials: ask again, never loop.
    Auth,
    /// The server said something we did not expect.
    Protocol,
    /// The user's configuration is wrong.
    Config,
    /// A message, envelope or file could not be parsed.
    Parse,
    /// Local I/O.
    Io,
    /// The thing asked for does not exist (any more).
    NotFound,
}

/// An error for the user: a one-line summary and optional details.
#[derive(Clone, Debug, thiserror::Error)]
pub struct Error {
    pub kind: ErrorKind,
    pub summary: String,
    pub details: Option<String>,
}

impl Error {
    pub fn new(kind: ErrorKind, summary: impl Into<String>) -> Self {
        Self {
            kind,
            summary: summary.into(),
            details: None,
        }
    }

    pub fn with_details(mut self, details: impl Into<String>) -> Self {
        self.details = Some(details.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.details {
            Some(d) => write!(f, "{}: {}", self.summary, d),
            None => f.write_str(&self.summary),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
