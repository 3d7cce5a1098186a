//! Bounds how deeply a server's response nests parentheses before the IMAP parser sees it.
//! imap-proto parses BODYSTRUCTURE (and other lists) recursively, once per level, so a
//! response nested thousands of levels deep overflows the stack, which no `catch_unwind`
//! can catch. This guard follows the byte stream as it is read (outside quoted strings and
//! literals, which may hold any bytes) and fails the read beyond [`MAX_DEPTH`] levels; the
//! actor then treats it as an unreadable response. One pass, constant state.

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

/// The depth and lexical state of the response stream read so far.
#[derive(Debug, Default)]
pub struct NestingGuard {
    state: State,
    depth: u32,
}

impl NestingGuard {
    /// Follows `bytes`; false when the nesting went beyond [`MAX_DEPTH`].
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
                    b'"' | b'\n' => State::Normal,
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
                    b'\n' if n == 0 => State::Normal,
                    b'\n' => State::Literal(n),
                    _ => self.normal(b),
                },
                State::Normal => self.normal(b),
            };
            if self.depth > MAX_DEPTH {
                return false;
            }
        }
        true
    }

    fn normal(&mut self, b: u8) -> State {
        match b {
            b'(' => self.depth = self.depth.saturating_add(1),
            b')' => self.depth = self.depth.saturating_sub(1),
            // A response ends with its line, outside literals: nesting starts again.
            b'\n' => self.depth = 0,
            b'"' => return State::Quoted,
            b'{' => return State::LiteralSize(0),
            _ => {}
        }
        State::Normal
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
