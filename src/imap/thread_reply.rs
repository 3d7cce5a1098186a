//! Reads the data of an untagged `* THREAD` response (RFC 5256) into a forest of UIDs (or
//! sequence numbers, as the command asked). No I/O.
//!
//! Total on any bytes: malformed data is an error naming its byte position, nesting is
//! bounded by [`MAX_DEPTH`] and followed with an explicit stack, and the trees are
//! [`Thread`]s, which drop, compare and print without recursing, so a chain of any length is
//! safe.
// Input from servers: every path is total, no slicing or indexing that can panic.
#![deny(clippy::string_slice, clippy::indexing_slicing)]

use std::fmt;

use crate::mail::threads::Thread;

/// Parentheses nested deeper than this are an error. Servers nest a list only where a
/// thread branches, so real answers stay far below.
pub const MAX_DEPTH: usize = 10_000;

/// Why THREAD data did not parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadParseErrorKind {
    /// A byte that is not a digit, a parenthesis or white space.
    UnexpectedByte(u8),
    /// A `)` with no list open.
    UnexpectedClose,
    /// The data ended inside a list.
    Unclosed,
    /// `()`.
    EmptyList,
    /// `0`, or a number with a leading zero.
    BadNumber,
    /// A number beyond `u32`.
    NumberTooLarge,
    /// A number outside any list.
    NumberOutsideList,
    /// A number after a nested list in the same list: `(1 (2)(3) 4)`.
    NumberAfterList,
    /// Lists nested deeper than [`MAX_DEPTH`].
    TooDeep,
}

/// THREAD data that did not parse: what, and at which byte of the data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThreadParseError {
    /// Byte offset into the data.
    pub at: usize,
    /// What was wrong there.
    pub kind: ThreadParseErrorKind,
}

impl fmt::Display for ThreadParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            ThreadParseErrorKind::UnexpectedByte(b) => {
                return write!(
                    f,
                    "THREAD response: unexpected byte 0x{b:02x} at {}",
                    self.at
                );
            }
            ThreadParseErrorKind::UnexpectedClose => "`)` without `(`",
            ThreadParseErrorKind::Unclosed => "unclosed list",
            ThreadParseErrorKind::EmptyList => "empty list",
            ThreadParseErrorKind::BadNumber => "zero or leading zero",
            ThreadParseErrorKind::NumberTooLarge => "number too large",
            ThreadParseErrorKind::NumberOutsideList => "number outside a list",
            ThreadParseErrorKind::NumberAfterList => "number after a nested list",
            ThreadParseErrorKind::TooDeep => "lists nested too deeply",
        };
        write!(f, "THREAD response: {what} at byte {}", self.at)
    }
}

impl std::error::Error for ThreadParseError {}

/// One open list: its chain of numbers, then the threads of its nested lists.
#[derive(Default)]
struct List {
    members: Vec<u32>,
    nested: Vec<Thread>,
}

impl List {
    /// The list as one tree: each member the parent of the next, the nested lists the
    /// children of the last. A list that starts with nested lists has no root (RFC 5256:
    /// the parent is missing); as in threading's dummy, the first nested thread becomes the
    /// root and the others its replies. `None` for `()`.
    fn finish(self) -> Option<Thread> {
        let List {
            mut members,
            nested,
        } = self;
        let mut nested = nested.into_iter();
        let mut node = match members.pop() {
            Some(last) => Thread {
                uid: last,
                children: nested.collect(),
            },
            None => {
                let mut first = nested.next()?;
                first.children.extend(nested);
                first
            }
        };
        for &uid in members.iter().rev() {
            node = Thread {
                uid,
                children: vec![node],
            };
        }
        Some(node)
    }
}

/// Parses the data of an untagged `* THREAD` response (the text after `THREAD `), such as
/// `(2)(3 6 (4 23)(44 7 96))`, into its threads: there, 2 alone, and 3 whose reply is 6,
/// whose replies are 4 (with reply 23) and 44 (with 7, with 96). No data is no threads.
///
/// Lenient where it costs nothing: any white space (space, tab, CR, LF) or none between
/// tokens, and a single nested list where the grammar wants two or more.
pub fn parse_thread_data(data: &[u8]) -> Result<Vec<Thread>, ThreadParseError> {
    let fail = |at, kind| Err(ThreadParseError { at, kind });
    let mut forest = Vec::new();
    let mut open: Vec<List> = Vec::new();
    let mut bytes = data.iter().copied().enumerate().peekable();
    while let Some((at, b)) = bytes.next() {
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => {}
            b'(' if open.len() >= MAX_DEPTH => return fail(at, ThreadParseErrorKind::TooDeep),
            b'(' => open.push(List::default()),
            b')' => {
                let Some(list) = open.pop() else {
                    return fail(at, ThreadParseErrorKind::UnexpectedClose);
                };
                let Some(node) = list.finish() else {
                    return fail(at, ThreadParseErrorKind::EmptyList);
                };
                match open.last_mut() {
                    Some(parent) => parent.nested.push(node),
                    None => forest.push(node),
                }
            }
            b'0'..=b'9' => {
                let mut value = u64::from(b - b'0');
                let mut too_large = false;
                while let Some((_, d @ b'0'..=b'9')) = bytes.peek().copied() {
                    bytes.next();
                    value = value * 10 + u64::from(d - b'0');
                    if value > u64::from(u32::MAX) {
                        too_large = true;
                        value = 0; // keep counting digits without overflow
                    }
                }
                if b == b'0' {
                    return fail(at, ThreadParseErrorKind::BadNumber);
                }
                if too_large {
                    return fail(at, ThreadParseErrorKind::NumberTooLarge);
                }
                let Some(list) = open.last_mut() else {
                    return fail(at, ThreadParseErrorKind::NumberOutsideList);
                };
                if !list.nested.is_empty() {
                    return fail(at, ThreadParseErrorKind::NumberAfterList);
                }
                let Ok(uid) = u32::try_from(value) else {
                    return fail(at, ThreadParseErrorKind::NumberTooLarge);
                };
                list.members.push(uid);
            }
            other => return fail(at, ThreadParseErrorKind::UnexpectedByte(other)),
        }
    }
    if !open.is_empty() {
        return fail(data.len(), ThreadParseErrorKind::Unclosed);
    }
    Ok(forest)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use ThreadParseErrorKind as K;

    fn n(uid: u32, children: Vec<Thread>) -> Thread {
        Thread { uid, children }
    }

    fn l(uid: u32) -> Thread {
        Thread::leaf(uid)
    }

    fn parse(s: &str) -> Result<Vec<Thread>, ThreadParseError> {
        parse_thread_data(s.as_bytes())
    }

    fn err(s: &str) -> (usize, ThreadParseErrorKind) {
        let e = parse(s).expect_err(s);
        (e.at, e.kind)
    }

    #[test]
    fn rfc_5256_examples() {
        assert_eq!(
            parse("(2)(3 6 (4 23)(44 7 96))").unwrap(),
            [
                l(2),
                n(
                    3,
                    vec![n(
                        6,
                        vec![n(4, vec![l(23)]), n(44, vec![n(7, vec![l(96)])])]
                    )]
                )
            ]
        );
        // The REFERENCES example of section 4.
        assert_eq!(
            parse("(166)(167)(168)(169)(172)(170)(171)(173)(174 (175)(176)(178)(181)(180))(179)(177 (183)(182)(188)(184)(185)(186)(187)(189))(190)(191)(192)(193)(194 195)(196 (197)(198))(199)(200 202)(201)(203)(204)(205)(206 207)(208)")
                .unwrap()
                .len(),
            25
        );
        assert_eq!(
            parse("(174 (175)(176))").unwrap(),
            [n(174, vec![l(175), l(176)])]
        );
        assert_eq!(parse("(194 195)").unwrap(), [n(194, vec![l(195)])]);
    }

    #[test]
    fn no_threads() {
        assert!(parse("").unwrap().is_empty());
        assert!(parse("  \r\n").unwrap().is_empty());
    }

    #[test]
    fn missing_root() {
        // The first thread becomes the root, the others its replies.
        assert_eq!(parse("((1)(2))").unwrap(), [n(1, vec![l(2)])]);
        assert_eq!(
            parse("((1 3)(2)(4 5))").unwrap(),
            [n(1, vec![l(3), l(2), n(4, vec![l(5)])])]
        );
        // A missing node inside a thread.
        assert_eq!(
            parse("(9 ((1)(2))(3))").unwrap(),
            [n(9, vec![n(1, vec![l(2)]), l(3)])]
        );
        assert_eq!(parse("(((7)))").unwrap(), [l(7)]);
    }

    #[test]
    fn white_space_variants() {
        let want = || vec![l(2), n(3, vec![n(6, vec![n(4, vec![l(23)]), l(44)])])];
        for s in [
            "(2)(3 6 (4 23)(44))",
            "(2) (3 6 (4 23) (44))",
            "  (2)(3 6(4 23)(44))  \r\n",
            "( 2 )( 3\t6 ( 4  23 ) ( 44 ) )",
            "(2)\r\n(3 6 (4 23)(44))",
        ] {
            assert_eq!(parse(s).unwrap(), want(), "{s:?}");
        }
        // One nested list, against the grammar but harmless.
        assert_eq!(parse("(1 (2))").unwrap(), [n(1, vec![l(2)])]);
        assert_eq!(parse("(4294967295)").unwrap(), [l(u32::MAX)]);
    }

    #[test]
    fn malformed() {
        assert_eq!(err("(1"), (2, K::Unclosed));
        assert_eq!(err("(1 (2)"), (6, K::Unclosed));
        assert_eq!(err("(1))"), (3, K::UnexpectedClose));
        assert_eq!(err(")"), (0, K::UnexpectedClose));
        assert_eq!(err("()"), (1, K::EmptyList));
        assert_eq!(err("(1 ())"), (4, K::EmptyList));
        assert_eq!(err("(1 x)"), (3, K::UnexpectedByte(b'x')));
        assert_eq!(err("(1 -2)"), (3, K::UnexpectedByte(b'-')));
        assert_eq!(err("(0)"), (1, K::BadNumber));
        assert_eq!(err("(1 007)"), (3, K::BadNumber));
        assert_eq!(err("(4294967296)"), (1, K::NumberTooLarge));
        assert_eq!(
            err("(1 99999999999999999999999999999999999)"),
            (3, K::NumberTooLarge)
        );
        assert_eq!(err("1"), (0, K::NumberOutsideList));
        assert_eq!(err("(1)2"), (3, K::NumberOutsideList));
        assert_eq!(err("(1 (2)(3) 4)"), (10, K::NumberAfterList));
        assert_eq!(err("THREAD (1)"), (0, K::UnexpectedByte(b'T')));
        assert_eq!(err("(1 \u{e9})"), (3, K::UnexpectedByte(0xc3)));
        let e = parse("(0)").unwrap_err();
        assert_eq!(
            e.to_string(),
            "THREAD response: zero or leading zero at byte 1"
        );
        for bytes in [&b"\xff\x00("[..], b"((((", b"))))", b"(1 2 3", b"\x00"] {
            assert!(parse_thread_data(bytes).is_err());
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "(1 ".repeat(100_000) + &")".repeat(100_000);
        assert_eq!(err(&deep), (3 * MAX_DEPTH, K::TooDeep));
        let ok = "(1 ".repeat(MAX_DEPTH) + &")".repeat(MAX_DEPTH);
        let forest = parse(&ok).unwrap();
        assert_eq!(forest[0].outline().count(), MAX_DEPTH);
    }

    #[test]
    fn hundred_thousand_deep_chain() {
        let chain: Vec<String> = (1..=100_000).map(|i: u32| i.to_string()).collect();
        let data = format!("({})", chain.join(" "));
        let forest = parse(&data).unwrap();
        assert_eq!(forest.len(), 1);
        let walk: Vec<(usize, u32)> = forest[0].outline().collect();
        assert_eq!(walk.len(), 100_000);
        assert!(
            walk.iter()
                .enumerate()
                .all(|(i, &(depth, uid))| depth == i && uid as usize == i + 1)
        );
        assert_eq!(forest, parse(&data).unwrap());
        let shown = format!("{forest:?}");
        assert!(shown.starts_with("[Thread(1 [2 [3 ["));
        assert!(shown.contains("99999 [100000]]]") && shown.ends_with("]]])]"));
        drop(forest);
    }

    /// Random strings of THREAD syntax: no panic, and a parse keeps every number once.
    #[test]
    fn random_data() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let alphabet = b"((()))   123456789 0x";
        for _ in 0..20_000 {
            let len = 1 + (x % 24) as usize;
            let mut data = Vec::with_capacity(len);
            for _ in 0..len {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                data.push(alphabet[(x % alphabet.len() as u64) as usize]);
            }
            if let Ok(forest) = parse_thread_data(&data) {
                let numbers = String::from_utf8_lossy(&data)
                    .split(|c: char| !c.is_ascii_digit())
                    .filter(|w| !w.is_empty())
                    .count();
                let nodes: usize = forest.iter().map(|t| t.outline().count()).sum();
                assert_eq!(nodes, numbers, "{:?}", String::from_utf8_lossy(&data));
            }
        }
    }

    #[test]
    fn debug_format() {
        let forest = parse("(3 6 (4 23)(44 7 96))").unwrap();
        assert_eq!(
            format!("{:?}", forest[0]),
            "Thread(3 [6 [4 [23], 44 [7 [96]]]])"
        );
        assert_ne!(forest[0], l(3));
    }
}
