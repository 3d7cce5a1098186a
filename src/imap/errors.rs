//! Turns async-imap and I/O failures into the reader's errors, with a kind that decides what
//! the actor does next (reconnect, give up, report and carry on).

use super::stream::Conn;
use super::wire::ServerClosed;
use crate::error::{Error, ErrorKind};
use crate::sanitize;

/// The server's own words, made safe to show and kept short.
fn server_text(s: &str) -> String {
    shown_words(s, 200)
}

/// Server text made safe for the terminal and cut to at most `max` bytes (and an ellipsis).
pub(super) fn shown_words(s: &str, max: usize) -> String {
    let mut text = sanitize::line(s).into_owned();
    if text.len() > max {
        let mut cut = max;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

/// async-imap ends the responses of FETCH, SEARCH, LIST, NOOP and CAPABILITY at the tagged
/// reply whatever it says, so a NO or BAD reads as an empty answer. The connection's dialogue
/// follower saw it: call this after each such command, and the refusal fails it in words.
pub fn refused(conn: &mut Conn, what: &str) -> Result<(), Error> {
    match conn.take_refusal() {
        Some(r) => Err(refusal_words(what, r.how, &r.code, &r.text)),
        None => Ok(()),
    }
}

/// An async-imap error met while running `what` (a short description, no user data).
pub fn imap_error(what: &str, e: async_imap::error::Error) -> Error {
    use async_imap::error::Error as E;
    match e {
        E::Io(io) => io_error(what, &io),
        E::ConnectionLost => Error::new(
            ErrorKind::Network,
            format!("{what}: the server closed the connection before answering"),
        ),
        E::Bad(s) => refusal(what, Refused::Bad, &s),
        E::No(s) => refusal(what, Refused::No, &s),
        E::Parse(p) => Error::new(
            ErrorKind::Protocol,
            format!("{what}: unreadable server response"),
        )
        .with_details(server_text(&p.to_string())),
        E::Validate(v) => Error::new(
            ErrorKind::Protocol,
            format!("{what}: a name or value holds a character IMAP cannot send"),
        )
        .with_details(v.to_string()),
        other => Error::new(ErrorKind::Protocol, format!("{what} failed"))
            .with_details(server_text(&other.to_string())),
    }
}

/// How the server turned a command down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// NO: the command was understood and refused.
    No,
    /// BAD: the server did not understand the command.
    Bad,
}

/// A tagged NO or BAD in words: the server's own text first, then its response code
/// translated. async-imap hands the response over only as its debug text; [`outcome`]
/// reads it back.
pub fn refusal(what: &str, how: Refused, debug: &str) -> Error {
    let (code, text) = outcome(debug);
    refusal_words(what, how, &code, &text)
}

/// A tagged NO or BAD in words, from its response code (upper case, empty when none) and text.
pub fn refusal_words(what: &str, how: Refused, code: &str, text: &str) -> Error {
    let code = code.to_owned();
    let text = server_text(text);
    let kind = match code.as_str() {
        "AUTHENTICATIONFAILED" | "AUTHORIZATIONFAILED" | "EXPIRED" => ErrorKind::Auth,
        "UNAVAILABLE" => ErrorKind::Network,
        "NONEXISTENT" => ErrorKind::NotFound,
        _ => ErrorKind::Protocol,
    };
    let said = match (text.is_empty(), how) {
        (false, _) => text.clone(),
        (true, Refused::No) => "the server refused without saying why".to_owned(),
        (true, Refused::Bad) => "the server did not understand the command".to_owned(),
    };
    let summary = match code_words(&code) {
        Some(meaning) => format!("{what}: {said} ({meaning}; {code})"),
        None if how == Refused::Bad && !text.is_empty() => {
            format!("{what}: {said} (the server did not understand the command)")
        }
        None => format!("{what}: {said}"),
    };
    Error::new(kind, summary)
}

/// What a response code means, for the codes a user can act on (RFC 3501 7.1, RFC 5530).
pub fn code_words(code: &str) -> Option<&'static str> {
    Some(match code {
        "AUTHENTICATIONFAILED" => "the server refused the user name or password",
        "AUTHORIZATIONFAILED" => "this login may not use that account",
        "EXPIRED" => "the password or account has expired",
        "PRIVACYREQUIRED" => "the server wants an encrypted connection for this",
        "CONTACTADMIN" => "contact the server's administrator",
        "UNAVAILABLE" => "the server is temporarily unable to do this; try again later",
        "NOPERM" => "you do not have permission for this",
        "INUSE" => "someone else is using it; try again later",
        "EXPUNGEISSUED" => "some of the messages were deleted meanwhile",
        "CORRUPTION" => "the server found its copy of the data damaged",
        "SERVERBUG" => "the server hit a bug of its own",
        "CLIENTBUG" => "the server blames sealmail's request",
        "CANNOT" => "the server cannot do this",
        "LIMIT" => "a limit of the server was reached",
        "OVERQUOTA" => "the account is over its storage quota",
        "ALREADYEXISTS" => "it already exists",
        "NONEXISTENT" => "it does not exist on the server",
        "TRYCREATE" => "the target folder does not exist",
        "READ-ONLY" => "the folder is read-only",
        "PARSE" => "the server could not read the message's headers or structure",
        "BADCHARSET" => "the server does not support this character set",
        "UIDNOTSTICKY" => "the folder does not keep message ids",
        _ => return None,
    })
}

/// The response code (its atom, upper case; empty when none) and the text of a response, read
/// back from async-imap 0.12's debug text of it: `outcome: Outcome { code: Some(Alert),
/// information: Some("…") }`, `code: None, info: Some("…")`, or `status: Bye, …`. Codes
/// imap-proto does not know (RFC 5530's) stay at the start of the text, in brackets.
pub fn outcome(debug: &str) -> (String, String) {
    let text = ["information: Some(\"", "info: Some(\""]
        .iter()
        .find_map(|key| debug.split_once(key).map(|(_, rest)| unescape_debug(rest)))
        .unwrap_or_else(|| {
            // Not async-imap's debug text after all (or one without text): plain words.
            let debug_shaped = ["outcome: ", "code: ", "status: "]
                .iter()
                .any(|k| debug.starts_with(k));
            if debug_shaped {
                String::new()
            } else {
                debug.to_owned()
            }
        });
    let known = debug
        .split_once("code: Some(")
        .map(|(_, rest)| {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            match name.as_str() {
                "ReadOnly" => "READ-ONLY".to_owned(),
                "ReadWrite" => "READ-WRITE".to_owned(),
                "Capabilities" => "CAPABILITY".to_owned(),
                other => other.to_ascii_uppercase(),
            }
        })
        .unwrap_or_default();
    if !known.is_empty() {
        return (known, text);
    }
    if let Some(rest) = text.strip_prefix('[')
        && let Some((code, after)) = rest.split_once(']')
    {
        let atom = code.split(' ').next().unwrap_or_default();
        if !atom.is_empty() && atom.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return (atom.to_ascii_uppercase(), after.trim_start().to_owned());
        }
    }
    (String::new(), text)
}

/// A Rust debug string literal's contents (after the opening quote), up to its closing quote.
fn unescape_debug(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => break,
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some('0') => out.push('\0'),
                Some('u') => {
                    let hex: String = chars
                        .by_ref()
                        .skip_while(|&c| c == '{')
                        .take_while(|&c| c != '}')
                        .collect();
                    let c = u32::from_str_radix(&hex, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .unwrap_or('\u{fffd}');
                    out.push(c);
                }
                Some(other) => out.push(other),
                None => break,
            },
            c => out.push(c),
        }
    }
    out
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
    if let Some(closed) = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<ServerClosed>())
    {
        return Error::new(ErrorKind::Network, format!("{what}: {closed}"));
    }
    let text = e.to_string();
    if text.starts_with("status: Bye") {
        // async-imap's words for an untagged BYE met while reading SELECT's or a tagged reply.
        let (_, said) = outcome(&text);
        let said = server_text(&said);
        let summary = if said.is_empty() {
            format!("{what}: the server ended the session")
        } else {
            format!("{what}: the server ended the session: {said}")
        };
        return Error::new(ErrorKind::Network, summary);
    }
    if text.starts_with("status: ") {
        let (_, said) = outcome(&text);
        return Error::new(
            ErrorKind::Protocol,
            format!("{what}: unexpected answer from the server"),
        )
        .with_details(server_text(&said));
    }
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        return Error::new(
            ErrorKind::Network,
            format!("{what}: the connection ended in the middle of an answer"),
        );
    }
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
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use async_imap::imap_proto::Response;

    /// The text async-imap 0.12 puts in `Error::No` for a tagged reply, both of its ways:
    /// `parse_mailbox` (SELECT) and `check_done_ok` (LOGIN, STORE, ...).
    fn as_async_imap(line: &str) -> [String; 2] {
        let (_, response) = Response::parse(line.as_bytes()).expect("a response");
        let Response::Done { outcome, .. } = response else {
            panic!("not a tagged reply")
        };
        [
            format!("outcome: {outcome:?}"),
            format!(
                "code: {:?}, info: {:?}",
                outcome.code.as_ref(),
                outcome.information.as_deref()
            ),
        ]
    }

    #[test]
    fn a_refusal_reads_as_the_servers_words_then_its_code() {
        for debug in as_async_imap("A3 NO [NONEXISTENT] Mailbox doesn't exist: Nope\r\n") {
            let e = imap_error("open folder", async_imap::error::Error::No(debug));
            assert_eq!(
                e.to_string(),
                "open folder: Mailbox doesn't exist: Nope (it does not exist on the server; \
                 NONEXISTENT)"
            );
            assert_eq!(e.kind, ErrorKind::NotFound);
        }
        for debug in as_async_imap("A3 NO Mailbox does not exist\r\n") {
            let e = imap_error("open folder", async_imap::error::Error::No(debug));
            assert_eq!(e.to_string(), "open folder: Mailbox does not exist");
        }
        for debug in as_async_imap("A1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n") {
            let e = refusal("login", Refused::No, &debug);
            assert_eq!(e.kind, ErrorKind::Auth);
            assert_eq!(
                e.to_string(),
                "login: Authentication failed. (the server refused the user name or \
                 password; AUTHENTICATIONFAILED)"
            );
        }
        for debug in as_async_imap("A1 NO [UNAVAILABLE] try later\r\n") {
            assert_eq!(
                refusal("login", Refused::No, &debug).kind,
                ErrorKind::Network
            );
        }
    }

    #[test]
    fn codes_imap_proto_knows_and_quotes_and_escapes_survive() {
        for debug in as_async_imap("A2 NO [ALERT] disk \"full\" \\ now\r\n") {
            let (code, text) = outcome(&debug);
            assert_eq!(
                (code.as_str(), text.as_str()),
                ("ALERT", "disk \"full\" \\ now")
            );
        }
        for debug in as_async_imap("A2 NO [READ-ONLY] read only\r\n") {
            assert_eq!(outcome(&debug).0, "READ-ONLY");
        }
        for debug in as_async_imap("A2 NO caf\u{e9} \x1b[2Jx\r\n") {
            let e = refusal("set flag", Refused::No, &debug);
            assert!(e.to_string().contains("café"), "{e}");
            assert!(!e.to_string().contains('\x1b'), "{e}");
        }
        for debug in as_async_imap("A2 BAD\r\n") {
            let e = refusal("fetch", Refused::Bad, &debug);
            assert_eq!(
                e.to_string(),
                "fetch: the server did not understand the command"
            );
        }
    }

    #[test]
    fn every_rfc_5530_code_has_words() {
        for code in [
            "UNAVAILABLE",
            "AUTHENTICATIONFAILED",
            "AUTHORIZATIONFAILED",
            "EXPIRED",
            "PRIVACYREQUIRED",
            "CONTACTADMIN",
            "NOPERM",
            "INUSE",
            "EXPUNGEISSUED",
            "CORRUPTION",
            "SERVERBUG",
            "CLIENTBUG",
            "CANNOT",
            "LIMIT",
            "OVERQUOTA",
            "ALREADYEXISTS",
            "NONEXISTENT",
        ] {
            assert!(code_words(code).is_some(), "{code}");
        }
    }

    #[test]
    fn a_bye_or_a_closed_connection_fails_in_words() {
        let closed = std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            ServerClosed {
                bye: Some("maintenance".into()),
            },
        );
        let e = io_error("select", &closed);
        assert!(is_connection_error(&e));
        assert_eq!(
            e.to_string(),
            "select: the server ended the session before answering: maintenance"
        );
        // async-imap's own words for a BYE met while reading SELECT.
        let (_, response) = Response::parse(b"* BYE [ALERT] going down\r\n").unwrap();
        let Response::Data { status, outcome } = response else {
            panic!()
        };
        let text = format!("status: {status:?}, outcome: {outcome:?}");
        let e = io_error("open folder", &std::io::Error::other(text));
        assert_eq!(
            e.to_string(),
            "open folder: the server ended the session: going down"
        );
        let e = imap_error("noop", async_imap::error::Error::ConnectionLost);
        assert!(
            e.to_string()
                .contains("closed the connection before answering")
        );
    }

    #[test]
    fn server_words_are_sanitised_and_kinds_follow_the_failure() {
        let e = imap_error("select", async_imap::error::Error::No("\x1b[2Jgone".into()));
        assert_eq!(e.kind, ErrorKind::Protocol);
        assert!(!e.to_string().contains('\x1b'));
        let e = imap_error("fetch", async_imap::error::Error::ConnectionLost);
        assert!(is_connection_error(&e));
    }
}
