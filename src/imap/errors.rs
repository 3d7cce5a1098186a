//! Turns async-imap and I/O failures into the reader's errors, with a kind that decides what
//! the actor does next (reconnect, give up, report and carry on).

use crate::error::{Error, ErrorKind};
use crate::sanitize;

/// The server's own words, made safe to show and kept short.
fn server_text(s: &str) -> String {
    let mut text = sanitize::line(s).into_owned();
    if text.len() > 200 {
        let mut cut = 200;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

/// An async-imap error met while running `what` (a short description, no user data).
pub fn imap_error(what: &str, e: async_imap::error::Error) -> Error {
    use async_imap::error::Error as E;
    match e {
        E::Io(io) => io_error(what, &io),
        E::ConnectionLost => Error::new(ErrorKind::Network, format!("{what}: connection lost")),
        E::Bad(s) => Error::new(ErrorKind::Protocol, format!("{what}: the server said BAD"))
            .with_details(server_text(&s)),
        E::No(s) => Error::new(ErrorKind::Protocol, format!("{what}: the server said NO"))
            .with_details(server_text(&s)),
        E::Parse(p) => Error::new(
            ErrorKind::Protocol,
            format!("{what}: unreadable server response"),
        )
        .with_details(server_text(&p.to_string())),
        E::Validate(v) => Error::new(ErrorKind::Protocol, format!("{what}: invalid argument"))
            .with_details(v.to_string()),
        other => Error::new(ErrorKind::Protocol, format!("{what} failed"))
            .with_details(server_text(&other.to_string())),
    }
}

/// How the summary of a response the IMAP parser could not read ends.
const UNREADABLE: &str = "the server sent a response that cannot be read";

/// A transport failure: the connection is gone, reconnecting is the cure. A response the
/// parser cannot read (async-imap reports it as invalid data) also leaves the session's
/// framing unknown; it is said in words, without the raw bytes (they are the server's, and
/// unreadable in a status line).
pub fn io_error(what: &str, e: &std::io::Error) -> Error {
    // async-imap reports a response imap-proto cannot parse as `io::Error::other("… during
    // parsing of …")`, and an oversized one as "incoming data too large".
    let text = e.to_string();
    let unparsable = text.contains(" during parsing of ") || text == "incoming data too large";
    if e.kind() == std::io::ErrorKind::InvalidData || unparsable {
        return Error::new(ErrorKind::Network, format!("{what}: {UNREADABLE}"));
    }
    Error::new(ErrorKind::Network, format!("{what}: connection problem"))
        .with_details(server_text(&e.to_string()))
}

/// True for a response the parser could not read: reconnecting helps only if the server
/// answers differently next time, so background work counts it as a failure.
pub fn is_unreadable_response(e: &Error) -> bool {
    e.summary.ends_with(UNREADABLE)
}

/// A timeout waiting for the server.
pub fn timeout(what: &str) -> Error {
    Error::new(
        ErrorKind::Network,
        format!("{what}: the server did not answer in time"),
    )
}

/// True when the error means the connection is unusable and must be rebuilt.
pub fn is_connection_error(e: &Error) -> bool {
    e.kind == ErrorKind::Network
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_words_are_sanitised_and_kinds_follow_the_failure() {
        let e = imap_error("select", async_imap::error::Error::No("\x1b[2Jgone".into()));
        assert_eq!(e.kind, ErrorKind::Protocol);
        assert!(!e.to_string().contains('\x1b'));
        let e = imap_error("fetch", async_imap::error::Error::ConnectionLost);
        assert!(is_connection_error(&e));
    }
}
