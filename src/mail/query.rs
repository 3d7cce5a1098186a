//! The search query language: parsing, with errors that point at the position, and evaluating a
//! query against a message's facts. No I/O.
//!
//! A query is terms joined by `AND`, `OR`, `NOT` (uppercase only), `-term` and parentheses;
//! juxtaposition means AND and `NOT` binds tighter than AND, which binds tighter than OR. Terms:
//! `from:` `to:` `cc:` `subject:` `body:` `text:` with a word or a "quoted phrase" (a bare word
//! means `text:`), `since:` `before:` `on:` with a date, `larger:` `smaller:` with a size, `is:`,
//! `has:attachment` and `portal:`. [`Query::split`] divides a query between an IMAP server and
//! the client; [`Query::matches`] evaluates it locally.
// Input typed by the user: every path is total, no slicing or indexing that can panic.
#![deny(clippy::string_slice, clippy::indexing_slicing)]

use std::fmt;

use chrono::{DateTime, Datelike, Days, Months, NaiveDate};
use nom::branch::alt;
use nom::bytes::complete::{is_not, tag, take_till1, take_while_m_n, take_while1};
use nom::character::complete::{char, digit1, one_of};
use nom::combinator::{all_consuming, eof, map_parser, opt, peek};
use nom::error::{ErrorKind, ParseError};
use nom::multi::fold_many0;
use nom::sequence::{pair, preceded, terminated, tuple};
use nom::{IResult, Parser as _};

/// Deeper nesting of parentheses and `NOT`/`-` than this is refused (it guards the recursion).
const MAX_DEPTH: usize = 64;
const FIELDS: &str =
    "from, to, cc, subject, body, text, since, before, on, larger, smaller, is, has, portal";
const IS_VALUES: &str = "unread, read, flagged, unflagged, answered, unanswered";
const EXPECTED_DATE: &str = "expected a date like 2026-01-31, 7d or yesterday";
const EXPECTED_SIZE: &str = "expected a size like 500, 20k or 2M";

/// A parsed query, with the text it was parsed from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    text: String,
    root: Node,
}

/// A node of the query tree. `And`/`Or` built by the parser have at least two children.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// Every child matches (an empty list matches everything).
    And(Vec<Node>),
    /// Some child matches (an empty list matches nothing).
    Or(Vec<Node>),
    /// The child does not match.
    Not(Box<Node>),
    /// One search term.
    Term(Term),
}

/// One search term, named after its field: `from:bob` is `From("bob")` and a bare word or phrase
/// is `Text`. Strings are kept as typed; matching ignores case. `text:` searches the From, To,
/// Cc and Subject headers and the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Term {
    From(String),
    To(String),
    Cc(String),
    Subject(String),
    Body(String),
    Text(String),
    /// Sent on or after this UTC day (IMAP SENTSINCE).
    Since(NaiveDate),
    /// Sent before this UTC day (SENTBEFORE).
    Before(NaiveDate),
    /// Sent on this UTC day (SENTON).
    On(NaiveDate),
    /// More than this many bytes.
    Larger(u64),
    /// Fewer than this many bytes.
    Smaller(u64),
    /// `is:`: the flag is set (`set: true`) or not; `is:unread` is `Seen` not set.
    Flag {
        flag: FlagTerm,
        set: bool,
    },
    /// `has:attachment`.
    HasAttachment,
    /// `portal:` or `portal:any` (vendor-portal or sealed mail), `portal:sealed`.
    Portal(PortalKind),
}

/// The flags `is:` can test: `\\Seen` (`is:read`), `\\Flagged`, `\\Answered`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlagTerm {
    Seen,
    Flagged,
    Answered,
}

/// The kind of portal mail `portal:` asks for, and the kind a message is marked with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PortalKind {
    /// Vendor-portal or sealed mail (as a mark: vendor-portal mail).
    Any,
    /// Sealed mail only.
    Sealed,
}

/// The header fields a term can search.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HeaderField {
    From,
    To,
    Cc,
    Subject,
}

const HEADERS: [HeaderField; 4] = [
    HeaderField::From,
    HeaderField::To,
    HeaderField::Cc,
    HeaderField::Subject,
];

/// Why a query did not parse: `position` is the character (not byte) index in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError {
    /// Character index of the problem; the input's length in characters when it is at the end.
    pub position: usize,
    /// A short sentence in plain words.
    pub message: String,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "at column {}: {}",
            self.position.saturating_add(1),
            self.message
        )
    }
}

impl std::error::Error for QueryError {}

/// Parses `input`; relative dates (`7d`, `yesterday`) count back from `today`.
pub fn parse(input: &str, today: NaiveDate) -> Result<Query, QueryError> {
    let total = input.chars().count();
    let error = |at: &str, message: String| QueryError {
        position: total.saturating_sub(at.chars().count()),
        message,
    };
    let start = input.trim_start();
    if start.is_empty() {
        return Err(error(start, "the query is empty".into()));
    }
    match (Parser { today, total }).or_expr(start, 0) {
        Ok((rest, root)) => match rest.trim_start() {
            "" => Ok(Query {
                text: input.to_owned(),
                root,
            }),
            rest => Err(error(rest, "`)` without a matching `(`".into())),
        },
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(error(
            e.at,
            e.message
                .unwrap_or_else(|| "could not read the query here".into()),
        )),
        Err(nom::Err::Incomplete(_)) => Err(error("", "the query ends too early".into())),
    }
}

/// The parser's error: where, and (for a real error rather than a backtrack) what.
struct Fail<'a> {
    at: &'a str,
    message: Option<String>,
}

impl<'a> ParseError<&'a str> for Fail<'a> {
    fn from_error_kind(at: &'a str, _: ErrorKind) -> Self {
        Fail { at, message: None }
    }
    fn append(_: &'a str, _: ErrorKind, other: Self) -> Self {
        other
    }
}

type Res<'a, T> = IResult<&'a str, T, Fail<'a>>;

fn fail<T>(at: &str, message: impl Into<String>) -> Res<'_, T> {
    Err(nom::Err::Failure(Fail {
        at,
        message: Some(message.into()),
    }))
}

/// Whitespace and parentheses end a word.
fn is_stop(c: char) -> bool {
    c.is_whitespace() || c == '(' || c == ')'
}

/// An uppercase operator word standing alone.
fn keyword<'a>(kw: &'static str) -> impl FnMut(&'a str) -> Res<'a, &'a str> {
    terminated(tag(kw), peek(alt((eof, take_while_m_n(1, 1, is_stop)))))
}

fn word(i: &str) -> Res<'_, &str> {
    take_till1(is_stop)(i)
}

/// A "quoted phrase": `\"` and `\\` are escapes, any other backslash stays as it is.
fn quoted(i: &str) -> Res<'_, String> {
    let (rest, _) = char('"')(i)?;
    let piece = alt((
        preceded(char('\\'), one_of("\"\\")).map(String::from),
        is_not("\"\\").map(String::from),
        char('\\').map(String::from),
    ));
    let (rest, text) = fold_many0(piece, String::new, |acc, p| acc + &p)(rest)?;
    match char::<_, Fail>('"')(rest) {
        Err(_) => fail(i, "this `\"` is never closed"),
        Ok(_) if text.is_empty() => fail(i, "nothing between the quotes"),
        Ok((rest, _)) => Ok((rest, text)),
    }
}

/// A word or a quoted phrase, or `None` when neither follows.
fn value(i: &str) -> Res<'_, Option<String>> {
    opt(alt((quoted, word.map(String::from))))(i)
}

struct Parser {
    today: NaiveDate,
    total: usize,
}

impl Parser {
    fn or_expr<'a>(&self, i: &'a str, depth: usize) -> Res<'a, Node> {
        let (mut i, first) = self.and_expr(i, depth, None)?;
        let mut items = vec![first];
        while let Ok((rest, _)) = keyword("OR")(i.trim_start()) {
            let (rest, node) = self.and_expr(rest, depth, Some("OR"))?;
            items.push(node);
            i = rest;
        }
        Ok((i, join(items, false)))
    }

    fn and_expr<'a>(&self, i: &'a str, depth: usize, after: Option<&str>) -> Res<'a, Node> {
        let (mut i, first) = self.unary(i, depth, after)?;
        let mut items = vec![first];
        loop {
            let rest = i.trim_start();
            if rest.is_empty() || rest.starts_with(')') || keyword("OR")(rest).is_ok() {
                break;
            }
            let (rest, after) = match keyword("AND")(rest) {
                Ok((rest, _)) => (rest, Some("AND")),
                Err(_) => (rest, None),
            };
            let (rest, node) = self.unary(rest, depth, after)?;
            items.push(node);
            i = rest;
        }
        Ok((i, join(items, true)))
    }

    /// `NOT x`, `-x`, `( … )` or a term; `after` names the operator before it, for errors.
    fn unary<'a>(&self, i: &'a str, depth: usize, after: Option<&str>) -> Res<'a, Node> {
        let i = i.trim_start();
        let nested = depth.saturating_add(1);
        let negated: Res<&str> = alt((keyword("NOT"), tag("-")))(i);
        if let Ok((rest, op)) = negated {
            if nested > MAX_DEPTH {
                return fail(i, "too deeply nested");
            }
            if op == "-"
                && rest
                    .chars()
                    .next()
                    .is_none_or(|c| c.is_whitespace() || c == ')')
            {
                return fail(
                    i,
                    "`-` must be followed directly by a term, as in -from:bob",
                );
            }
            let (rest, node) = self.unary(rest, nested, Some(op))?;
            return Ok((rest, Node::Not(Box::new(node))));
        }
        if let Ok((inner, _)) = char::<_, Fail>('(')(i) {
            if nested > MAX_DEPTH {
                return fail(i, "too deeply nested");
            }
            let column = self
                .total
                .saturating_sub(i.chars().count())
                .saturating_add(1);
            let missing = format!("missing `)` for the `(` at column {column}");
            let inner = inner.trim_start();
            if inner.is_empty() {
                return fail(inner, missing);
            }
            if inner.starts_with(')') {
                return fail(i, "empty parentheses: put a term between them");
            }
            let (rest, node) = self.or_expr(inner, nested)?;
            let rest = rest.trim_start();
            return match char::<_, Fail>(')')(rest) {
                Ok((rest, _)) => Ok((rest, node)),
                Err(_) => fail(rest, missing),
            };
        }
        let operator = alt((keyword("AND"), keyword("OR")))(i)
            .ok()
            .map(|(_, op)| op);
        let missing = operator.is_some() || i.is_empty() || i.starts_with(')');
        match (after, operator) {
            (Some(op), _) if missing => fail(i, format!("expected a term after `{op}`")),
            (None, Some(op)) => fail(i, format!("`{op}` needs a term before it")),
            _ if i.starts_with(')') => fail(i, "`)` without a matching `(`"),
            _ if missing => fail(i, "expected a term"),
            _ => self.term(i),
        }
    }

    /// `field:value` or a bare word or phrase.
    fn term<'a>(&self, i: &'a str) -> Res<'a, Node> {
        let field: Res<&str> =
            terminated(take_while1(|c: char| c.is_ascii_alphabetic()), char(':'))(i);
        let Ok((at, name)) = field else {
            return match value(i)? {
                (rest, Some(text)) => Ok((rest, Node::Term(Term::Text(text)))),
                (_, None) => fail(i, "expected a term"),
            };
        };
        let (rest, v) = value(at)?;
        let text = |make: fn(String) -> Term| match &v {
            Some(v) => Ok((rest, make(v.clone()))),
            None => fail(
                at,
                format!("`{name}:` needs a word or a \"quoted phrase\" after it"),
            ),
        };
        let v = v.as_deref().unwrap_or("");
        let date = |make: fn(NaiveDate) -> Term| match parse_date(v, self.today) {
            Ok(d) => Ok((rest, make(d))),
            Err(message) => fail(at, message),
        };
        let size = |make: fn(u64) -> Term| match parse_size(v) {
            Ok(n) => Ok((rest, make(n))),
            Err(message) => fail(at, message),
        };
        let keyword_value = |accepted: &str| match v {
            "" => fail(at, format!("`{name}:` needs one of: {accepted}")),
            _ => fail(
                at,
                format!("unknown value `{v}` for `{name}:`: use {accepted}"),
            ),
        };
        let flag = |flag, set| Ok((rest, Term::Flag { flag, set }));
        let term = match name.to_ascii_lowercase().as_str() {
            "from" => text(Term::From),
            "to" => text(Term::To),
            "cc" => text(Term::Cc),
            "subject" => text(Term::Subject),
            "body" => text(Term::Body),
            "text" => text(Term::Text),
            "since" => date(Term::Since),
            "before" => date(Term::Before),
            "on" => date(Term::On),
            "larger" => size(Term::Larger),
            "smaller" => size(Term::Smaller),
            "is" => match v.to_lowercase().as_str() {
                "unread" => flag(FlagTerm::Seen, false),
                "read" => flag(FlagTerm::Seen, true),
                "flagged" => flag(FlagTerm::Flagged, true),
                "unflagged" => flag(FlagTerm::Flagged, false),
                "answered" => flag(FlagTerm::Answered, true),
                "unanswered" => flag(FlagTerm::Answered, false),
                _ => keyword_value(IS_VALUES),
            },
            "has" => match v.to_lowercase().as_str() {
                "attachment" => Ok((rest, Term::HasAttachment)),
                _ => keyword_value("attachment"),
            },
            "portal" => match v.to_lowercase().as_str() {
                "" | "any" => Ok((rest, Term::Portal(PortalKind::Any))),
                "sealed" => Ok((rest, Term::Portal(PortalKind::Sealed))),
                _ => keyword_value("any or sealed, or nothing"),
            },
            _ => fail(i, format!("unknown field `{name}`: use {FIELDS}")),
        };
        term.map(|(rest, t)| (rest, Node::Term(t)))
    }
}

/// Joins operands of one operator, lifting nested lists of the same operator and a lone operand.
fn join(items: Vec<Node>, and: bool) -> Node {
    let mut out = Vec::with_capacity(items.len());
    for node in items {
        match node {
            Node::And(v) if and => out.extend(v),
            Node::Or(v) if !and => out.extend(v),
            node => out.push(node),
        }
    }
    match out.pop() {
        Some(one) if out.is_empty() => one,
        last => {
            out.extend(last);
            if and { Node::And(out) } else { Node::Or(out) }
        }
    }
}

/// `YYYY-MM-DD`, `today`, `yesterday` or `N` followed by `d`, `w`, `m` or `y` before `today`.
fn parse_date(v: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    type Plain<'a, T> = IResult<&'a str, T>;
    let digits = |m, n| take_while_m_n(m, n, |c: char| c.is_ascii_digit());
    let absolute: Plain<(i32, u32, u32)> = all_consuming(tuple((
        map_parser(digits(4, 4), nom::character::complete::i32),
        preceded(
            char('-'),
            map_parser(digits(1, 2), nom::character::complete::u32),
        ),
        preceded(
            char('-'),
            map_parser(digits(1, 2), nom::character::complete::u32),
        ),
    )))(v);
    let relative: Plain<_> = all_consuming(pair(digit1, one_of("dwmyDWMY")))(v);
    let out_of_range = || "the date is out of range".to_owned();
    let date = match (v.to_ascii_lowercase().as_str(), absolute, relative) {
        ("today", ..) => Some(today),
        ("yesterday", ..) => today.pred_opt(),
        (_, Ok((_, (y, m, d))), _) => Some(
            NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| format!("`{v}` is not a real date"))?,
        ),
        (_, _, Ok((_, (n, unit)))) => {
            let n: u32 = n.parse().map_err(|_| out_of_range())?;
            match unit.to_ascii_lowercase() {
                'd' => today.checked_sub_days(Days::new(n.into())),
                'w' => today.checked_sub_days(Days::new(u64::from(n) * 7)),
                'm' => today.checked_sub_months(Months::new(n)),
                _ => n
                    .checked_mul(12)
                    .and_then(|m| today.checked_sub_months(Months::new(m))),
            }
        }
        _ => return Err(EXPECTED_DATE.to_owned()),
    };
    date.filter(|d| (1..=9999).contains(&d.year()))
        .ok_or_else(out_of_range)
}

/// A number of bytes with an optional `k`, `m` or `g` (powers of 1024).
fn parse_size(v: &str) -> Result<u64, &'static str> {
    let parsed: IResult<_, _> = all_consuming(pair(digit1, opt(one_of("kKmMgG"))))(v);
    let Ok((_, (n, unit))) = parsed else {
        return Err(EXPECTED_SIZE);
    };
    let shift = match unit.map(|u| u.to_ascii_lowercase()) {
        None => 0,
        Some('k') => 10,
        Some('m') => 20,
        _ => 30,
    };
    let too_big = "the size is too large";
    n.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .ok_or(too_big)
}

/// What a locally searching source knows about one message.
pub trait Facts {
    /// Decoded text of a header, addresses included; `None` when unknown (then it does not match).
    fn header(&self, field: HeaderField) -> Option<&str>;
    /// Decoded text of the body; `None` when not available (then it does not match).
    fn body(&self) -> Option<&str>;
    /// When the message was sent, in unix seconds.
    fn date(&self) -> i64;
    /// Size in bytes.
    fn size(&self) -> u64;
    /// Whether a flag is set.
    fn flag(&self, flag: FlagTerm) -> bool;
    /// Whether the message has an attachment.
    fn has_attachment(&self) -> bool;
    /// `Some(Any)` for vendor-portal mail, `Some(Sealed)` for sealed mail.
    fn portal(&self) -> Option<PortalKind>;
}

/// Case-insensitive substring, as IMAP SEARCH does it (`needle` already lowercase).
fn contains(haystack: Option<&str>, needle: &str) -> bool {
    haystack.is_some_and(|h| h.to_lowercase().contains(needle))
}

impl Term {
    /// Whether the message matches this term.
    pub fn matches(&self, facts: &(impl Facts + ?Sized)) -> bool {
        let header = |field, s: &str| contains(facts.header(field), &s.to_lowercase());
        let day = DateTime::from_timestamp(facts.date(), 0).map(|t| t.date_naive());
        match self {
            Term::From(s) => header(HeaderField::From, s),
            Term::To(s) => header(HeaderField::To, s),
            Term::Cc(s) => header(HeaderField::Cc, s),
            Term::Subject(s) => header(HeaderField::Subject, s),
            Term::Body(s) => contains(facts.body(), &s.to_lowercase()),
            Term::Text(s) => {
                let s = s.to_lowercase();
                HEADERS.iter().any(|f| contains(facts.header(*f), &s)) || contains(facts.body(), &s)
            }
            Term::Since(d) => day.is_some_and(|day| day >= *d),
            Term::Before(d) => day.is_some_and(|day| day < *d),
            Term::On(d) => day == Some(*d),
            Term::Larger(n) => facts.size() > *n,
            Term::Smaller(n) => facts.size() < *n,
            Term::Flag { flag, set } => facts.flag(*flag) == *set,
            Term::HasAttachment => facts.has_attachment(),
            Term::Portal(PortalKind::Any) => facts.portal().is_some(),
            Term::Portal(PortalKind::Sealed) => facts.portal() == Some(PortalKind::Sealed),
        }
    }

    /// Whether an IMAP server can evaluate this term (all but `has:` and `portal:`).
    pub fn server_side(&self) -> bool {
        !matches!(self, Term::HasAttachment | Term::Portal(_))
    }

    fn push_imap(&self, out: &mut Vec<Piece>) {
        let keyed = |key: &str, arg: Piece| [Piece::Atom(key.to_owned()), arg];
        let text = |key, s: &String| keyed(key, Piece::Text(s.clone()));
        let date = |key, d: &NaiveDate| {
            keyed(
                key,
                Piece::Atom(format!("{}-{}-{:04}", d.day(), d.format("%b"), d.year())),
            )
        };
        let pair = match self {
            Term::From(s) => text("FROM", s),
            Term::To(s) => text("TO", s),
            Term::Cc(s) => text("CC", s),
            Term::Subject(s) => text("SUBJECT", s),
            Term::Body(s) => text("BODY", s),
            Term::Text(s) => text("TEXT", s),
            Term::Since(d) => date("SENTSINCE", d),
            Term::Before(d) => date("SENTBEFORE", d),
            Term::On(d) => date("SENTON", d),
            Term::Larger(n) => keyed("LARGER", Piece::Atom(n.to_string())),
            Term::Smaller(n) => keyed("SMALLER", Piece::Atom(n.to_string())),
            Term::Flag { flag, set } => {
                let name = match flag {
                    FlagTerm::Seen => "SEEN",
                    FlagTerm::Flagged => "FLAGGED",
                    FlagTerm::Answered => "ANSWERED",
                };
                return out.push(Piece::Atom(format!(
                    "{}{name}",
                    if *set { "" } else { "UN" }
                )));
            }
            Term::HasAttachment | Term::Portal(_) => {
                return out.push(Piece::Atom("ALL".to_owned()));
            }
        };
        out.extend(pair);
    }
}

/// One piece of IMAP SEARCH criteria.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Sent as it is: a search key, a number, a date, or `(` / `)`.
    Atom(String),
    /// A string argument the wire layer sends as a quoted string or a literal.
    Text(String),
}

impl Node {
    /// Whether the message matches.
    pub fn matches(&self, facts: &(impl Facts + ?Sized)) -> bool {
        match self {
            Node::And(v) => v.iter().all(|n| n.matches(facts)),
            Node::Or(v) => v.iter().any(|n| n.matches(facts)),
            Node::Not(n) => !n.matches(facts),
            Node::Term(t) => t.matches(facts),
        }
    }

    /// Whether some term inside satisfies `test`.
    fn any_term(&self, test: &dyn Fn(&Term) -> bool) -> bool {
        match self {
            Node::And(v) | Node::Or(v) => v.iter().any(|n| n.any_term(test)),
            Node::Not(n) => n.any_term(test),
            Node::Term(t) => test(t),
        }
    }

    /// Whether an IMAP server can evaluate the whole node (no `has:` or `portal:` inside).
    pub fn server_side(&self) -> bool {
        !self.any_term(&|t| !t.server_side())
    }

    /// IMAP SEARCH criteria (RFC 3501) for a [`server_side`](Self::server_side) node. A term the
    /// server cannot evaluate becomes `ALL`, which is wrong under `NOT`: split such nodes first.
    pub fn imap_criteria(&self) -> Vec<Piece> {
        let mut out = Vec::new();
        self.push_imap(&mut out, false);
        out
    }

    /// `nested`: the node is one search key of something bigger, so a list needs parentheses.
    fn push_imap(&self, out: &mut Vec<Piece>, nested: bool) {
        let atom = |s: &str| Piece::Atom(s.to_owned());
        match self {
            Node::Term(t) => t.push_imap(out),
            Node::And(v) => match v.as_slice() {
                [] => out.push(atom("ALL")),
                [one] => one.push_imap(out, nested),
                _ => {
                    out.extend(nested.then(|| atom("(")));
                    v.iter().for_each(|n| n.push_imap(out, true));
                    out.extend(nested.then(|| atom(")")));
                }
            },
            // IMAP OR is binary and prefix: `OR a OR b c` is a OR (b OR c).
            Node::Or(v) => match v.split_last() {
                None => out.extend([atom("NOT"), atom("ALL")]),
                Some((last, rest)) => {
                    for n in rest {
                        out.push(atom("OR"));
                        n.push_imap(out, true);
                    }
                    last.push_imap(out, nested || !rest.is_empty());
                }
            },
            Node::Not(n) => {
                out.push(atom("NOT"));
                n.push_imap(out, true);
            }
        }
    }
}

/// Renders criteria as they would go on the wire, strings as IMAP quoted strings (for tests and
/// logs; non-ASCII and line breaks pass through, where the wire layer would send a literal).
pub fn wire_preview(pieces: &[Piece]) -> String {
    let mut out = String::new();
    let mut after_open = true;
    for piece in pieces {
        let shown = match piece {
            Piece::Atom(a) => a.clone(),
            Piece::Text(t) => format!("\"{}\"", t.replace('\\', "\\\\").replace('"', "\\\"")),
        };
        if !after_open && shown != ")" {
            out.push(' ');
        }
        after_open = shown == "(";
        out.push_str(&shown);
    }
    out
}

/// How to run a query against an IMAP mailbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// The whole query runs on the server.
    Server(Vec<Piece>),
    /// Parts run on the server (each a separate search whose UID set is referenced by index),
    /// the rest on the client's rows. With zero searches every row is a candidate.
    Mixed {
        /// The server searches, each a complete set of criteria.
        searches: Vec<Vec<Piece>>,
        /// How their results and the local terms combine.
        tree: Mixed,
    },
}

/// A query tree whose server-side parts are replaced by references to searches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mixed {
    /// Every child matches.
    And(Vec<Mixed>),
    /// Some child matches.
    Or(Vec<Mixed>),
    /// The child does not match.
    Not(Box<Mixed>),
    /// The UID is in the result of search number `n`.
    Search(usize),
    /// A term the client evaluates (`has:attachment`, `portal:`).
    Local(Term),
}

impl Mixed {
    /// Whether a row matches, given whether its UID is in search `n` and how a local term fares.
    pub fn matches(
        &self,
        uid_in_search: &dyn Fn(usize) -> bool,
        local: &dyn Fn(&Term) -> bool,
    ) -> bool {
        match self {
            Mixed::And(v) => v.iter().all(|m| m.matches(uid_in_search, local)),
            Mixed::Or(v) => v.iter().any(|m| m.matches(uid_in_search, local)),
            Mixed::Not(m) => !m.matches(uid_in_search, local),
            Mixed::Search(n) => uid_in_search(*n),
            Mixed::Local(t) => local(t),
        }
    }
}

/// Turns `node` into a mixed tree: each server-side subtree (server-side siblings under one
/// AND/OR grouped together) becomes one search.
fn to_mixed(node: &Node, searches: &mut Vec<Vec<Piece>>) -> Mixed {
    if node.server_side() {
        searches.push(node.imap_criteria());
        return Mixed::Search(searches.len().saturating_sub(1));
    }
    match node {
        Node::Term(t) => Mixed::Local(t.clone()),
        Node::Not(n) => Mixed::Not(Box::new(to_mixed(n, searches))),
        Node::And(v) | Node::Or(v) => {
            let and = matches!(node, Node::And(_));
            let (server, local): (Vec<&Node>, Vec<&Node>) = v.iter().partition(|n| n.server_side());
            let group: Vec<Node> = server.into_iter().cloned().collect();
            let mut v = Vec::new();
            if !group.is_empty() {
                v.push(to_mixed(&join(group, and), searches));
            }
            v.extend(local.into_iter().map(|n| to_mixed(n, searches)));
            if and { Mixed::And(v) } else { Mixed::Or(v) }
        }
    }
}

impl Query {
    /// The query tree.
    pub fn root(&self) -> &Node {
        &self.root
    }

    /// The input as typed.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the message matches.
    pub fn matches(&self, facts: &(impl Facts + ?Sized)) -> bool {
        self.root.matches(facts)
    }

    /// Whether `body:` or `text:` appear, so a local source must read message files.
    pub fn needs_body(&self) -> bool {
        self.root
            .any_term(&|t| matches!(t, Term::Body(_) | Term::Text(_)))
    }

    /// Whether any of `from:`, `to:`, `cc:`, `subject:`, `text:` appear.
    pub fn needs_headers(&self) -> bool {
        self.root.any_term(&|t| {
            matches!(
                t,
                Term::From(_) | Term::To(_) | Term::Cc(_) | Term::Subject(_) | Term::Text(_)
            )
        })
    }

    /// Divides the query between an IMAP server and the client.
    pub fn split(&self) -> Plan {
        if self.root.server_side() {
            return Plan::Server(self.root.imap_criteria());
        }
        let mut searches = Vec::new();
        let tree = to_mixed(&self.root, &mut searches);
        Plan::Mixed { searches, tree }
    }
}
