//! NAMESPACE (RFC 2342): where one's own, other users' and shared folders start, for the
//! folder tree. The IMAP library cannot parse the response (an unknown response would break
//! the session's framing), so the command is sent on the raw stream right after login, while
//! no folder is selected and the server has nothing else to say, and the reply is read here
//! by a small total parser. Any failure means "one personal namespace", as RFC 2342 says a
//! client must assume of a server without it.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::connect::Session;
use crate::mail::Section;

/// One namespace: its section, the prefix of its folders' names, its hierarchy delimiter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Namespace {
    pub section: Section,
    pub prefix: String,
    pub delimiter: Option<char>,
}

/// The server's namespaces; empty when it did not say (then all folders are personal).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Namespaces(pub Vec<Namespace>);

impl Namespaces {
    /// The namespace a folder name belongs to: the longest matching prefix.
    pub fn of(&self, name: &str) -> Option<&Namespace> {
        self.0
            .iter()
            .filter(|ns| {
                name.starts_with(ns.prefix.as_str())
                    || ns
                        .delimiter
                        .and_then(|d| ns.prefix.strip_suffix(d))
                        .is_some_and(|root| !root.is_empty() && name == root)
            })
            .max_by_key(|ns| ns.prefix.len())
    }
}

const TAG: &str = "SMNS";
/// The reply is a few hundred bytes; anything near this is not a NAMESPACE reply.
const MAX_REPLY: usize = 64 * 1024;
const TIMEOUT: Duration = Duration::from_secs(10);

/// The raw exchange went wrong (no reply in time, the connection closed, more bytes than
/// the reply): the session's framing is unknown and the connection must be dropped.
#[derive(Debug)]
pub struct Unframed;

/// Asks the server for its namespaces. Only call it when no folder is selected. A server
/// that refuses the command or sends something unreadable has no namespaces to tell.
pub async fn query(session: &mut Session) -> Result<Namespaces, Unframed> {
    match tokio::time::timeout(TIMEOUT, exchange(session)).await {
        Ok(Some(reply)) => Ok(parse_reply(&reply).unwrap_or_default()),
        _ => Err(Unframed),
    }
}

async fn exchange(session: &mut Session) -> Option<Vec<u8>> {
    let stream = session.get_mut();
    stream
        .write_all(format!("{TAG} NAMESPACE\r\n").as_bytes())
        .await
        .ok()?;
    stream.flush().await.ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(chunk.get(..n)?);
        if let Some(found) = responses(&buf) {
            // Bytes after the tagged reply would be lost to the session: refuse them.
            let used: usize = found.iter().map(|r| r.len() + 2).sum();
            return (used == buf.len()).then_some(buf);
        }
        if buf.len() > MAX_REPLY {
            return None;
        }
    }
}

/// The whole responses in `buf` (literals included), once the tagged one has arrived.
fn responses(buf: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut pos = 0;
    loop {
        let rest = buf.get(pos..)?;
        let end = pos + rest.windows(2).position(|w| w == b"\r\n")?;
        let line = buf.get(pos..end)?;
        match literal_size(line) {
            Some(n) => pos = end.checked_add(2)?.checked_add(n)?,
            None => {
                let response = buf.get(start..end)?;
                if response.starts_with(format!("{TAG} ").as_bytes()) {
                    out.push(response);
                    return Some(out);
                }
                out.push(response);
                pos = end + 2;
                start = pos;
            }
        }
        if pos > buf.len() {
            return None;
        }
    }
}

/// `{12}` or `{12+}` at the end of a line: the size of the literal that follows.
fn literal_size(line: &[u8]) -> Option<usize> {
    let inner = line.strip_suffix(b"}")?;
    let inner = inner.strip_suffix(b"+").unwrap_or(inner);
    let open = inner.iter().rposition(|&b| b == b'{')?;
    let digits = inner.get(open + 1..)?;
    if digits.is_empty() || digits.len() > 9 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// The namespaces in a complete reply; `None` when the server refused or said nothing usable.
pub fn parse_reply(reply: &[u8]) -> Option<Namespaces> {
    let responses = responses(reply)?;
    let tagged = responses.last()?;
    let status = tagged.get(TAG.len() + 1..)?;
    if !status.get(..2)?.eq_ignore_ascii_case(b"OK") {
        return None;
    }
    let data = responses.iter().find_map(|r| {
        let r = r.strip_prefix(b"* ")?;
        let head = r.get(..9)?;
        head.eq_ignore_ascii_case(b"NAMESPACE")
            .then(|| r.get(9..))
            .flatten()
    })?;
    let values = parse_values(data)?;
    let mut out = Vec::new();
    for (value, section) in
        values
            .iter()
            .zip([Section::Personal, Section::OtherUsers, Section::Shared])
    {
        let Value::List(descriptors) = value else {
            continue;
        };
        for descriptor in descriptors {
            let Value::List(fields) = descriptor else {
                continue;
            };
            let Some(Value::Str(prefix)) = fields.first() else {
                continue;
            };
            let delimiter = match fields.get(1) {
                Some(Value::Str(d)) => d.chars().next(),
                _ => None,
            };
            out.push(Namespace {
                section,
                prefix: prefix.clone(),
                delimiter,
            });
        }
    }
    Some(Namespaces(out))
}

#[derive(Debug, PartialEq, Eq)]
enum Value {
    Nil,
    Str(String),
    List(Vec<Value>),
}

/// Nesting beyond this is not a NAMESPACE reply (real ones go three levels deep).
const MAX_DEPTH: usize = 8;

/// Parenthesised lists of strings, NIL and atoms, at the top level of `data`.
fn parse_values(data: &[u8]) -> Option<Vec<Value>> {
    let mut stack: Vec<Vec<Value>> = vec![Vec::new()];
    let mut rest = data;
    while let Some((&b, tail)) = rest.split_first() {
        match b {
            b' ' | b'\t' => rest = tail,
            b'(' => {
                if stack.len() > MAX_DEPTH {
                    return None;
                }
                stack.push(Vec::new());
                rest = tail;
            }
            b')' => {
                let done = stack.pop()?;
                stack.last_mut()?.push(Value::List(done));
                rest = tail;
            }
            b'"' => {
                let mut text = Vec::new();
                let mut after = tail;
                loop {
                    let (&c, t) = after.split_first()?;
                    after = t;
                    match c {
                        b'"' => break,
                        b'\\' => {
                            let (&e, t) = after.split_first()?;
                            text.push(e);
                            after = t;
                        }
                        _ => text.push(c),
                    }
                }
                stack
                    .last_mut()?
                    .push(Value::Str(String::from_utf8_lossy(&text).into_owned()));
                rest = after;
            }
            b'{' => {
                let close = tail.iter().position(|&c| c == b'}')?;
                let n = literal_size(rest.get(..close + 2)?)?;
                let body = tail.get(close + 1..)?.strip_prefix(b"\r\n")?;
                let text = body.get(..n)?;
                stack
                    .last_mut()?
                    .push(Value::Str(String::from_utf8_lossy(text).into_owned()));
                rest = body.get(n..)?;
            }
            _ => {
                let len = rest
                    .iter()
                    .position(|&c| matches!(c, b' ' | b'(' | b')' | b'"'))
                    .unwrap_or(rest.len());
                let atom = rest.get(..len)?;
                stack
                    .last_mut()?
                    .push(if atom.eq_ignore_ascii_case(b"NIL") {
                        Value::Nil
                    } else {
                        Value::Str(String::from_utf8_lossy(atom).into_owned())
                    });
                rest = rest.get(len..)?;
            }
        }
    }
    if stack.len() != 1 {
        return None;
    }
    stack.pop()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(section: Section, prefix: &str, delimiter: Option<char>) -> Namespace {
        Namespace {
            section,
            prefix: prefix.into(),
            delimiter,
        }
    }

    #[test]
    fn dovecot_and_cyrus_replies_parse() {
        let dovecot = b"* NAMESPACE ((\"\" \"/\")) ((\"shared/\" \"/\")) ((\"Public/\" \"/\"))\r\nSMNS OK Namespace completed.\r\n";
        assert_eq!(
            parse_reply(dovecot),
            Some(Namespaces(vec![
                ns(Section::Personal, "", Some('/')),
                ns(Section::OtherUsers, "shared/", Some('/')),
                ns(Section::Shared, "Public/", Some('/')),
            ]))
        );
        let cyrus = b"* NAMESPACE ((\"INBOX.\" \".\")) ((\"user.\" \".\")) ((\"\" \".\"))\r\nSMNS OK Completed\r\n";
        let parsed = parse_reply(cyrus).unwrap();
        assert_eq!(parsed.of("INBOX.Sent").unwrap().section, Section::Personal);
        assert_eq!(
            parsed.of("user.bob.x").unwrap().section,
            Section::OtherUsers
        );
        assert_eq!(parsed.of("Announcements").unwrap().section, Section::Shared);
        // The prefix's own name, without its delimiter, is the namespace itself.
        assert_eq!(parsed.of("user").unwrap().section, Section::OtherUsers);
    }

    #[test]
    fn nil_sections_extensions_literals_and_untagged_noise() {
        let reply = b"* OK still here\r\n* NAMESPACE ((\"\" NIL \"X-PARAM\" (\"a\" \"b\"))) NIL (({7}\r\nShared/ \"/\"))\r\nSMNS OK done\r\n";
        assert_eq!(
            parse_reply(reply),
            Some(Namespaces(vec![
                ns(Section::Personal, "", None),
                ns(Section::Shared, "Shared/", Some('/')),
            ]))
        );
    }

    #[test]
    fn refusals_and_garbage_give_nothing_and_never_panic() {
        assert_eq!(parse_reply(b"SMNS BAD unknown command\r\n"), None);
        assert_eq!(parse_reply(b"* NAMESPACE ((\"\" \"/\")\r\n"), None);
        assert_eq!(
            parse_reply(b"* NAMESPACE ((\"\" \"/\"\r\nSMNS OK\r\n"),
            None
        );
        assert_eq!(
            parse_reply(b"* NAMESPACE {99999999999}\r\nSMNS OK\r\n"),
            None
        );
        let deep = format!("* NAMESPACE {}\r\nSMNS OK\r\n", "(".repeat(100));
        assert_eq!(parse_reply(deep.as_bytes()), None);
        let whole = b"* NAMESPACE ((\"a\" \"/\")) NIL NIL\r\nSMNS OK x\r\n";
        for cut in 0..whole.len() {
            let _ = parse_reply(whole.get(..cut).unwrap_or_default());
        }
        assert!(parse_reply(whole).is_some());
    }
}
