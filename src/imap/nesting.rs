//! Bounds how deeply a server's response nests parentheses before the IMAP parser sees it.
//! imap-proto parses BODYSTRUCTURE (and other lists) recursively, once per level, so a
//! response nested thousands of levels deep overflows the stack, which no `catch_unwind`
//! can catch. This guard follows the byte stream as it is read (outside quoted strings and
//! literals, which may hold any bytes) and fails the read beyond [`MAX_DEPTH`] levels; the
//! actor then treats it as an unreadable response. One pass, constant state.
//!
//! The guard must frame the stream as imap-proto does, or a server can hide a deep response
//! from it: a `{n}` that the guard took for a literal while the parser read it as text would
//! let the next n bytes through uncounted. The one place where imap-proto reads `{n}` CRLF as
//! text is the text of a status response (`* OK`, `* NO`, `* BAD`, `* BYE`, `* PREAUTH`, a
//! tagged `OK`/`NO`/`BAD`, a `+` continuation), and in its `[...]` code it may read one as a
//! literal or not, depending on whether the code parses. No server sends a literal there, so
//! literal syntax in a status line fails the read: the two readings can never differ.

/// Real servers stay far below this (Dovecot and Cyrus cap MIME nesting near 100).
pub const MAX_DEPTH: u32 = 256;

#[derive(Debug, Default)]
enum State {
    #[default]
    Normal,
    Quoted,
    QuotedEscape,
    /// Inside `{digits`, the number so far.
    LiteralSize(u64),
    /// After `{n}`, waiting for the CRLF that starts the literal.
    LiteralStart(u64),
    /// Inside a literal, bytes left.
    Literal(u64),
}

/// What the current response line is, as far as literals go.
#[derive(Debug, Default)]
enum Line {
    /// At the start of a line: reading the tag (or `*`) and the word after it.
    #[default]
    Start,
    /// The tag is read; the next word (up to 8 bytes so far) decides.
    Word([u8; 8], usize),
    /// A status response or continuation: its text is not parsed, so `{n}` is no literal.
    Status,
    /// Any other response.
    Data,
}

/// The depth and lexical state of the response stream read so far.
#[derive(Debug, Default)]
pub struct NestingGuard {
    state: State,
    line: Line,
    depth: u32,
    /// Literal syntax in a status line: the stream cannot be framed safely.
    refused: bool,
}

impl NestingGuard {
    /// Follows `bytes`; false when the nesting went beyond [`MAX_DEPTH`] or the stream cannot
    /// be framed as the parser will frame it.
    pub fn follow(&mut self, bytes: &[u8]) -> bool {
        let mut rest = bytes;
        while let Some((&b, tail)) = rest.split_first() {
            rest = tail;
            self.state = match std::mem::take(&mut self.state) {
                State::Literal(left) => {
                    // Skip the literal's bytes in one step where the buffer holds them.
                    let skip = usize::try_from(left.saturating_sub(1))
                        .unwrap_or(usize::MAX)
                        .min(rest.len());
                    rest = rest.get(skip..).unwrap_or_default();
                    let left = left.saturating_sub(1 + skip as u64);
                    if left == 0 {
                        State::Normal
                    } else {
                        State::Literal(left)
                    }
                }
                State::Quoted => match b {
                    b'\\' => State::QuotedEscape,
                    b'"' => State::Normal,
                    // A quoted string never spans lines: the line ends here either way.
                    b'\n' => self.normal(b),
                    _ => State::Quoted,
                },
                State::QuotedEscape => State::Quoted,
                State::LiteralSize(n) => match b {
                    b'0'..=b'9' => {
                        State::LiteralSize(n.saturating_mul(10).saturating_add(u64::from(b - b'0')))
                    }
                    b'+' => State::LiteralSize(n),
                    b'}' => State::LiteralStart(n),
                    _ => self.normal(b),
                },
                State::LiteralStart(n) => match b {
                    b'\r' => State::LiteralStart(n),
                    b'\n' if matches!(self.line, Line::Status) => {
                        self.refused = true;
                        State::Normal
                    }
                    b'\n' if n == 0 => State::Normal,
                    b'\n' => State::Literal(n),
                    _ => self.normal(b),
                },
                State::Normal => self.normal(b),
            };
            if self.depth > MAX_DEPTH || self.refused {
                return false;
            }
        }
        true
    }

    fn normal(&mut self, b: u8) -> State {
        self.classify(b);
        match b {
            b'(' => self.depth = self.depth.saturating_add(1),
            b')' => self.depth = self.depth.saturating_sub(1),
            // A response ends with its line, outside literals: nesting starts again.
            b'\n' => {
                self.depth = 0;
                self.line = Line::Start;
            }
            b'"' => return State::Quoted,
            b'{' => return State::LiteralSize(0),
            _ => {}
        }
        State::Normal
    }

    /// Follows the first two words of a line to tell a status response from the rest.
    fn classify(&mut self, b: u8) {
        self.line = match std::mem::take(&mut self.line) {
            Line::Start => match b {
                b'+' => Line::Status,
                b' ' => Line::Word([0; 8], 0),
                b'\r' | b'\n' | b'(' | b')' | b'"' | b'{' => Line::Data,
                _ => Line::Start,
            },
            Line::Word(mut word, len) => match b {
                b' ' | b'[' | b'\r' | b'\n' => {
                    let word = word.get(..len).unwrap_or_default();
                    let status = [&b"OK"[..], b"NO", b"BAD", b"BYE", b"PREAUTH"]
                        .iter()
                        .any(|s| word.eq_ignore_ascii_case(s));
                    if status { Line::Status } else { Line::Data }
                }
                _ => match word.get_mut(len) {
                    Some(slot) if b.is_ascii_alphabetic() => {
                        *slot = b;
                        Line::Word(word, len + 1)
                    }
                    _ => Line::Data,
                },
            },
            settled => settled,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_responses_pass_and_depth_resets_per_line() {
        let mut guard = NestingGuard::default();
        let line = b"* 1 FETCH (UID 1 BODYSTRUCTURE ((\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1)\"mixed\"))\r\n";
        for _ in 0..1000 {
            assert!(guard.follow(line));
        }
        // Unbalanced lines do not add up across responses.
        for _ in 0..1000 {
            assert!(guard.follow(b"* OK (((\r\n"));
        }
    }

    #[test]
    fn deep_nesting_fails_in_any_split() {
        let deep = format!("* 1 FETCH (BODYSTRUCTURE {}x)\r\n", "(".repeat(20_000));
        assert!(!NestingGuard::default().follow(deep.as_bytes()));
        let mut guard = NestingGuard::default();
        let failed = deep.as_bytes().chunks(7).any(|chunk| !guard.follow(chunk));
        assert!(failed);
    }

    #[test]
    fn literal_syntax_in_status_text_cannot_hide_a_deep_response() {
        // imap-proto reads `{n}` in a status response's text as text, so the bytes after it
        // are the next response, not a literal: a deep one must not pass unseen.
        let deep = format!("* 1 FETCH (UID 1 BODYSTRUCTURE {}\r\n", "(".repeat(20_000));
        for status in [
            "* OK hello",
            "* no [ALERT] x",
            "A0001 BAD",
            "* BYE bye",
            "* PREAUTH",
            "+",
            "+ go",
            "* OK [BADCHARSET (",
        ] {
            let stream = format!("{status} {{{}}}\r\n{deep}", deep.len());
            assert!(
                !NestingGuard::default().follow(stream.as_bytes()),
                "{status:?}"
            );
            let mut guard = NestingGuard::default();
            assert!(
                stream.as_bytes().chunks(5).any(|c| !guard.follow(c)),
                "{status:?} in pieces"
            );
        }
        // A status line's text is ordinary otherwise, and data lines keep their literals.
        let mut guard = NestingGuard::default();
        assert!(guard.follow(b"* OK [PERMANENTFLAGS (\\Seen \\*)] \"quoted\" {not a literal\r\n"));
        assert!(guard.follow(b"* OK [UIDVALIDITY 7] Ok\r\nA1 OK done\r\n"));
        assert!(guard.follow(b"* LIST () \"/\" {5}\r\n((((()\r\n"));
        assert!(guard.follow(b"* 3 EXISTS\r\n* 1 FETCH (BODY[] {3}\r\n(((  UID 1)\r\n"));
    }

    #[test]
    fn parentheses_in_quoted_strings_and_literals_do_not_count() {
        let quoted = format!(
            "* 1 FETCH (ENVELOPE (\"{}\\\" still quoted {}\"))\r\n",
            "(".repeat(500),
            "(".repeat(500)
        );
        assert!(NestingGuard::default().follow(quoted.as_bytes()));
        let body = "(".repeat(5000);
        let literal = format!("* 1 FETCH (BODY[] {{{}}}\r\n{body})\r\n", body.len());
        let mut guard = NestingGuard::default();
        assert!(guard.follow(literal.as_bytes()));
        // Split anywhere, also inside the size and the literal.
        let mut guard = NestingGuard::default();
        assert!(
            literal
                .as_bytes()
                .chunks(3)
                .all(|chunk| guard.follow(chunk))
        );
        assert!(guard.follow(b"* 2 FETCH (UID 2)\r\n"));
    }
}
