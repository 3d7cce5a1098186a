//! Follows the IMAP dialogue on the transport, under async-imap, for two things the library
//! does not do: a command in progress fails when the server says BYE or closes the
//! connection before its tagged reply (async-imap ends its response stream at EOF as if the
//! command had completed), and `[ALERT]` and BYE text, which RFC 3501 7.1 says must reach the
//! user, is collected from every response, whichever command or idle wait reads it.
//! One pass over the bytes, constant state; no ratatui here.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Mutex;

use super::errors::{Refused, shown_words};

/// The first bytes of a response kept to read its tag, status and text.
const HEAD_MAX: usize = 1024;
/// The first bytes of an outgoing line kept to read its tag and command (no arguments, so no
/// password is ever held here).
const OUT_MAX: usize = 32;
/// Server words kept until the actor passes them on.
const WORDS_MAX: usize = 32;
/// How much of one notice is kept.
const TEXT_MAX: usize = 400;

/// What a server said that the user must see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerWords {
    /// Sanitised, in words ("alert from the server: …").
    pub text: String,
}

/// Server words collected on the account's connections, until the actor takes them.
#[derive(Debug, Default)]
pub struct WordsQueue {
    queue: Mutex<VecDeque<ServerWords>>,
    /// Wakes a wait that would not end on its own (an untagged OK during IDLE).
    said: tokio::sync::Notify,
}

impl WordsQueue {
    fn push(&self, words: ServerWords) {
        if let Ok(mut queue) = self.queue.lock() {
            if queue.len() >= WORDS_MAX {
                queue.pop_front();
            }
            queue.push_back(words);
        }
        self.said.notify_one();
    }

    /// Returns when something was said (at once if it was said since the last wait).
    pub async fn said(&self) {
        self.said.notified().await;
    }

    /// Everything said since the last call, oldest first.
    pub fn take(&self) -> Vec<ServerWords> {
        self.queue
            .lock()
            .map(|mut q| q.drain(..).collect())
            .unwrap_or_default()
    }
}

/// The server ended the session while a command waited for its reply: the read fails with
/// this inside an `io::Error` of kind `ConnectionAborted`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerClosed {
    /// The BYE text, sanitised; None when the connection just closed.
    pub bye: Option<String>,
}

impl fmt::Display for ServerClosed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.bye {
            Some(text) if !text.is_empty() => {
                write!(f, "the server ended the session before answering: {text}")
            }
            _ => f.write_str("the server closed the connection before answering"),
        }
    }
}

impl std::error::Error for ServerClosed {}

/// A tagged NO or BAD to the command in progress, as the server said it. async-imap ends a
/// FETCH or STORE stream at its tagged reply whatever that says, so the caller asks for this.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub how: Refused,
    /// The response code's atom, upper case (empty when none).
    pub code: String,
    /// Sanitised.
    pub text: String,
}

#[derive(Debug)]
struct Pending {
    tag: Vec<u8>,
    /// LOGOUT expects a BYE: it does not fail the command.
    logout: bool,
}

/// The lexical position in the server's byte stream.
#[derive(Debug, Default)]
enum In {
    /// In the first line of a response (kept in `head`).
    #[default]
    Head,
    /// In a later line of a response that carried a literal.
    Rest,
    /// Inside a literal, bytes left; the response goes on after it.
    Literal(u64),
}

/// The dialogue state of one connection.
#[derive(Debug, Default)]
pub struct Watcher {
    out: Vec<u8>,
    out_skip: bool,
    pending: Option<Pending>,
    state: In,
    head: Vec<u8>,
    /// `{n}` or `{n+}` at the end of the current line, as far as read.
    literal: Literal,
    bye: Option<String>,
    /// The read after this fails: a BYE arrived while a command waited.
    closed: bool,
    /// The last command's tagged reply was NO or BAD.
    refused: Option<Refusal>,
}

#[derive(Debug, Default, Clone, Copy)]
enum Literal {
    #[default]
    None,
    Open(u64),
    Plus(u64),
    Closed(u64),
    ClosedCr(u64),
}

impl Literal {
    fn step(self, b: u8) -> Literal {
        match (self, b) {
            (_, b'{') => Literal::Open(0),
            (Literal::Open(n), b'0'..=b'9') => {
                Literal::Open(n.saturating_mul(10).saturating_add(u64::from(b - b'0')))
            }
            (Literal::Open(n), b'+') => Literal::Plus(n),
            (Literal::Open(n) | Literal::Plus(n), b'}') => Literal::Closed(n),
            (Literal::Closed(n), b'\r') => Literal::ClosedCr(n),
            _ => Literal::None,
        }
    }
}

impl Watcher {
    /// Bytes the reader sent: a tagged command line starts a command in progress.
    pub fn sent(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if b == b'\n' {
                self.command_line();
                self.out.clear();
                self.out_skip = false;
            } else if !self.out_skip {
                // The tag and the command name, nothing after them.
                let spaces = self.out.iter().filter(|&&c| c == b' ').count();
                if self.out.len() >= OUT_MAX || (b == b' ' && spaces >= 1) {
                    self.out_skip = true;
                } else {
                    self.out.push(b);
                }
            }
        }
    }

    fn command_line(&mut self) {
        let line = self.out.strip_suffix(b"\r").unwrap_or(&self.out);
        let mut words = line.split(|&b| b == b' ');
        let (Some(tag), Some(command)) = (words.next(), words.next()) else {
            // DONE, a SASL response, a literal's continuation: no new command.
            return;
        };
        if tag.is_empty() || !tag.iter().all(u8::is_ascii_alphanumeric) || command.is_empty() {
            return;
        }
        self.refused = None;
        self.pending = Some(Pending {
            tag: tag.to_vec(),
            logout: command.eq_ignore_ascii_case(b"LOGOUT"),
        });
    }

    /// The tagged NO or BAD of the last command, once.
    pub fn take_refusal(&mut self) -> Option<Refusal> {
        self.refused.take()
    }

    /// True when a read must fail before reading more: the server said BYE while a command
    /// waited.
    pub fn failed(&self) -> Option<ServerClosed> {
        self.closed.then(|| ServerClosed {
            bye: self.bye.clone(),
        })
    }

    /// The server's BYE, if it said one on this connection: why a later write failed.
    pub fn said_bye(&self) -> Option<ServerClosed> {
        self.bye.as_ref().map(|text| ServerClosed {
            bye: Some(text.clone()),
        })
    }

    /// The connection reached its end: an error when a command still waited for its reply.
    pub fn at_eof(&mut self) -> Option<ServerClosed> {
        match &self.pending {
            Some(p) if !p.logout => Some(ServerClosed {
                bye: self.bye.clone(),
            }),
            _ => None,
        }
    }

    /// Bytes the server sent, in order; server words go to `words`.
    pub fn received(&mut self, bytes: &[u8], words: &WordsQueue) {
        let mut rest = bytes;
        while let Some((&b, tail)) = rest.split_first() {
            rest = tail;
            match self.state {
                In::Literal(left) => {
                    let skip = usize::try_from(left.saturating_sub(1))
                        .unwrap_or(usize::MAX)
                        .min(rest.len());
                    rest = rest.get(skip..).unwrap_or_default();
                    let left = left.saturating_sub(1 + skip as u64);
                    self.state = if left == 0 {
                        In::Rest
                    } else {
                        In::Literal(left)
                    };
                }
                In::Head | In::Rest => {
                    if matches!(self.state, In::Head) && self.head.len() < HEAD_MAX {
                        self.head.push(b);
                    }
                    if b == b'\n' {
                        let literal = self.literal;
                        self.literal = Literal::None;
                        if let Literal::ClosedCr(n) = literal {
                            if matches!(self.state, In::Head) {
                                self.response_head(words);
                            }
                            self.state = if n == 0 { In::Rest } else { In::Literal(n) };
                        } else {
                            if matches!(self.state, In::Head) {
                                self.response_head(words);
                            }
                            self.head.clear();
                            self.state = In::Head;
                        }
                    } else {
                        self.literal = self.literal.step(b);
                    }
                }
            }
        }
        if self.bye.is_some() && self.pending.as_ref().is_some_and(|p| !p.logout) {
            self.closed = true;
        }
    }

    /// The first line of a response is complete.
    fn response_head(&mut self, words: &WordsQueue) {
        let line = std::mem::take(&mut self.head);
        let line = line.strip_suffix(b"\n").unwrap_or(&line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let (tag, rest) = split_word(line);
        let (status, text) = split_word(rest);
        let status = status.to_ascii_uppercase();
        let tagged = self.pending.as_ref().is_some_and(|p| p.tag == tag);
        if tag != b"*" && !tagged {
            return;
        }
        if !matches!(
            status.as_slice(),
            b"OK" | b"NO" | b"BAD" | b"BYE" | b"PREAUTH"
        ) {
            return;
        }
        if tagged {
            self.pending = None;
        }
        let (code, text) = split_code(text);
        let text = shown(text);
        if tagged && matches!(status.as_slice(), b"NO" | b"BAD") {
            self.refused = Some(Refusal {
                how: if status == b"NO" {
                    Refused::No
                } else {
                    Refused::Bad
                },
                code: code.to_ascii_uppercase(),
                text: text.clone(),
            });
        }
        let alert = code.eq_ignore_ascii_case("ALERT");
        if status == b"BYE" {
            let logout = self.pending.as_ref().is_some_and(|p| p.logout);
            self.bye = Some(text.clone());
            if !logout && (alert || !text.is_empty()) {
                let prefix = if alert {
                    "alert from the server, closing the connection"
                } else {
                    "the server closed the connection"
                };
                words.push(ServerWords {
                    text: join(prefix, &text),
                });
            }
        } else if alert {
            words.push(ServerWords {
                text: join("alert from the server", &text),
            });
        }
    }
}

fn join(prefix: &str, text: &str) -> String {
    if text.is_empty() {
        prefix.to_owned()
    } else {
        format!("{prefix}: {text}")
    }
}

/// The word before the first space, and what follows it.
fn split_word(line: &[u8]) -> (&[u8], &[u8]) {
    match line.iter().position(|&b| b == b' ') {
        Some(at) => (
            line.get(..at).unwrap_or_default(),
            line.get(at + 1..).unwrap_or_default(),
        ),
        None => (line, &[]),
    }
}

/// The response code's atom (`[ALERT]` gives "ALERT") and the text after the code.
fn split_code(text: &[u8]) -> (String, &[u8]) {
    let Some(inner) = text.strip_prefix(b"[") else {
        return (String::new(), text);
    };
    let Some(end) = inner.iter().position(|&b| b == b']') else {
        return (String::new(), text);
    };
    let code = inner.get(..end).unwrap_or_default();
    let atom = split_word(code).0;
    let rest = inner.get(end + 1..).unwrap_or_default();
    let rest = rest.strip_prefix(b" ").unwrap_or(rest);
    (String::from_utf8_lossy(atom).into_owned(), rest)
}

/// Server text made safe for the terminal and cut to a sane length.
fn shown(text: &[u8]) -> String {
    shown_words(String::from_utf8_lossy(text).trim(), TEXT_MAX)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn feed(w: &mut Watcher, q: &WordsQueue, s: &str) {
        w.received(s.as_bytes(), q);
    }

    #[test]
    fn a_tagged_reply_completes_the_command_and_eof_before_it_fails() {
        let (mut w, q) = (Watcher::default(), WordsQueue::default());
        assert_eq!(w.at_eof(), None, "no command: a plain end");
        w.sent(b"A0001 CAPABILITY\r\n");
        feed(&mut w, &q, "* CAPABILITY IMAP4rev1\r\n");
        assert!(w.at_eof().is_some(), "cut off before the tagged reply");
        feed(&mut w, &q, "A0001 OK done\r\n");
        assert_eq!(w.at_eof(), None);
    }

    #[test]
    fn literals_hide_their_bytes_and_replies_split_anywhere() {
        let (mut w, q) = (Watcher::default(), WordsQueue::default());
        w.sent(b"A0002 UID FETCH 1 BODY[]\r\n");
        let text =
            "* 1 FETCH (BODY[] {25}\r\nA0002 OK fake\r\n* BYE no\r\n)\r\nA0002 OK [ALERT] real\r\n";
        for b in text.as_bytes() {
            w.received(std::slice::from_ref(b), &q);
            if w.failed().is_some() {
                panic!("a literal's bytes were read as a response");
            }
        }
        assert_eq!(w.at_eof(), None);
        assert_eq!(q.take()[0].text, "alert from the server: real");
    }

    #[test]
    fn bye_fails_the_command_except_logout_and_is_said() {
        let (mut w, q) = (Watcher::default(), WordsQueue::default());
        w.sent(b"A0003 SELECT INBOX\r\n");
        feed(&mut w, &q, "* BYE [ALERT] maintenance until 20:00\r\n");
        let closed = w.failed().expect("the command fails");
        assert_eq!(closed.bye.as_deref(), Some("maintenance until 20:00"));
        assert_eq!(
            q.take()[0].text,
            "alert from the server, closing the connection: maintenance until 20:00"
        );
        let (mut w, q) = (Watcher::default(), WordsQueue::default());
        w.sent(b"A0004 LOGOUT\r\n");
        feed(&mut w, &q, "* BYE logging out\r\n");
        assert!(w.failed().is_none());
        assert!(w.at_eof().is_none());
        assert!(q.take().is_empty(), "a LOGOUT's BYE is not news");
    }

    #[test]
    fn alerts_are_sanitised_and_found_in_every_status_response() {
        let (mut w, q) = (Watcher::default(), WordsQueue::default());
        feed(&mut w, &q, "* OK [ALERT] \x1b[2Jdisk \u{9b}full\r\n");
        w.sent(b"A0005 IDLE\r\n");
        feed(
            &mut w,
            &q,
            "+ idling\r\n* NO [ALERT] quota\r\n* 3 EXISTS\r\n",
        );
        let said: Vec<_> = q.take().into_iter().map(|w| w.text).collect();
        assert_eq!(said.len(), 2, "{said:?}");
        assert!(!said[0].contains('\x1b') && !said[0].contains('\u{9b}'));
        assert!(said[1].ends_with("quota"));
        assert!(w.at_eof().is_some(), "IDLE waits for its reply");
    }

    #[test]
    fn outgoing_arguments_are_not_kept() {
        let mut w = Watcher::default();
        w.sent(b"A0001 LOGIN \"alice\" \"a very long password that is secret\"\r\n");
        assert!(!format!("{w:?}").contains("secret"));
        w.sent(b"DONE\r\n");
        assert!(w.pending.is_some(), "DONE is not a command");
    }
}
