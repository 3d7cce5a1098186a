//! The search query language: parsing, with errors that point at the position, and evaluating a
//! query against a message's facts. No I/O.
//!
//! Terms are `from:` `to:` `cc:` `subject:` `body:` `text:` with a word or a "quoted phrase" (a
//! bare word means `text:`), `since:` `before:` `on:` with a date, `larger:` `smaller:` with a
//! size, `is:`, `has:attachment` and `portal:`. They combine with `NOT` (or `-term`), `AND` (or
//! nothing) and `OR`, binding in that order, and parentheses; only uppercase words are operators.
//! [`Query::matches`] evaluates a query locally; [`Query::split`] divides it between an IMAP
//! server and the client.
// Input typed by the user: every path is total, no slicing or indexing that can panic.
#![deny(clippy::string_slice, clippy::indexing_slicing)]

use std::fmt;

use chrono::{DateTime, Datelike, Days, Months, NaiveDate};
use nom::branch::alt;
use nom::bytes::complete::{is_not, tag, take_till1, take_while_m_n, take_while1};
use nom::character::complete::{char, digit1, one_of};
use nom::combinator::{all_consuming, eof, opt, peek};
use nom::error::{ErrorKind, ParseError};
use nom::multi::fold_many0;
use nom::sequence::{pair, preceded, terminated, tuple};
use nom::{IResult, Parser as _};

/// Deeper nesting of parentheses, `NOT` and `-` is refused: it bounds every recursion.
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

/// A node of the query tree. The parser builds `And`/`Or` with two or more children, none of
/// them of the same kind.
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
/// is `Text`, which searches the From, To, Cc and Subject headers and the body. Strings are kept
/// as typed; matching ignores case.
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
    /// `is:`: the flag is set or not; `is:unread` is `Flag { flag: Seen, set: false }`.
    Flag {
        flag: FlagTerm,
        set: bool,
    },
    /// `has:attachment`.
    HasAttachment,
    /// `portal:` or `portal:any` (vendor-portal or sealed mail), `portal:sealed` (sealed only).
    Portal(PortalKind),
}

/// The flags `is:` tests: `\Seen` (`is:read`, `is:unread`), `\Flagged`, `\Answered`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlagTerm {
    Seen,
    Flagged,
    Answered,
}

/// The kind of portal mail `portal:` asks for, and the kind a message is marked with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PortalKind {
    /// Asked for: vendor-portal or sealed mail. As a mark: vendor-portal mail.
    Any,
    /// Sealed mail.
    Sealed,
}

/// The header fields a term searches.
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

/// Why a query did not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError {
    /// Character (not byte) index of the problem; the length in characters when at the end.
    pub position: usize,
    /// A short sentence in plain words.
    pub message: String,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let column = self.position.saturating_add(1);
        write!(f, "at column {column}: {}", self.message)
    }
}

impl std::error::Error for QueryError {}

/// Parses `input`; relative dates (`7d`, `yesterday`) count back from `today`.
pub fn parse(input: &str, today: NaiveDate) -> Result<Query, QueryError> {
    let total = input.chars().count();
    let (at, message) = match (Parser { today, total }).or_expr(input, 0) {
        Ok((rest, root)) if rest.trim_start().is_empty() => {
            return Ok(Query {
                text: input.to_owned(),
                root,
            });
        }
        Ok((rest, _)) => (rest.trim_start(), Some("`)` without a matching `(`".into())),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => (e.at, e.message),
        Err(nom::Err::Incomplete(_)) => ("", None),
    };
    let message = message.unwrap_or_else(|| "could not read the query here".into());
    let position = total.saturating_sub(at.chars().count());
    Err(QueryError { position, message })
}

/// The parser's error: where, and what (`None` for a mere backtrack).
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
    let message = Some(message.into());
    Err(nom::Err::Failure(Fail { at, message }))
}

/// Whitespace and parentheses end a word.
fn is_stop(c: char) -> bool {
    c.is_whitespace() || c == '(' || c == ')'
}

/// Whether no term can start here: at the end, or at a `)`.
fn at_end(i: &str) -> bool {
    i.is_empty() || i.starts_with(')')
}

/// An uppercase operator word standing alone.
fn keyword<'a>(kw: &'static str) -> impl FnMut(&'a str) -> Res<'a, &'a str> {
    terminated(tag(kw), peek(alt((eof, take_while_m_n(1, 1, is_stop)))))
}

/// A "quoted phrase": `\"` and `\\` are escapes, another backslash stays as it is.
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

/// A quoted phrase or a word.
fn value(i: &str) -> Res<'_, String> {
    alt((quoted, take_till1(is_stop).map(String::from)))(i)
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
            if at_end(rest) || keyword("OR")(rest).is_ok() {
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
        let opening: Res<&str> = alt((keyword("NOT"), tag("-"), tag("(")))(i);
        if let Ok((rest, op)) = opening {
            if depth >= MAX_DEPTH {
                return fail(i, "too deeply nested");
            }
            if op != "(" {
                if op == "-" && (at_end(rest) || rest.starts_with(char::is_whitespace)) {
                    return fail(i, "`-` needs a term right after it, as in -from:bob");
                }
                let (rest, node) = self.unary(rest, depth + 1, Some(op))?;
                return Ok((rest, Node::Not(Box::new(node))));
            }
            let missing = |at| {
                let column = 1 + self.total.saturating_sub(i.chars().count());
                fail(at, format!("missing `)` for the `(` at column {column}"))
            };
            let inner = rest.trim_start();
            if inner.starts_with(')') {
                return fail(i, "empty parentheses: put a term between them");
            } else if inner.is_empty() {
                return missing(inner);
            }
            let (rest, node) = self.or_expr(inner, depth + 1)?;
            let rest = rest.trim_start();
            return match char::<_, Fail>(')')(rest) {
                Ok((rest, _)) => Ok((rest, node)),
                Err(_) => missing(rest),
            };
        }
        let operator = alt((keyword("AND"), keyword("OR")))(i).ok();
        match (after, operator) {
            (Some(op), _) if operator.is_some() || at_end(i) => {
                fail(i, format!("expected a term after `{op}`"))
            }
            (None, Some((_, op))) => fail(i, format!("`{op}` needs a term before it")),
            _ if i.is_empty() => fail(i, "the query is empty"),
            _ if at_end(i) => fail(i, "`)` without a matching `(`"),
            _ => self.term(i),
        }
    }

    /// `field:value`, or a bare word or phrase.
    fn term<'a>(&self, i: &'a str) -> Res<'a, Node> {
        let field: Res<&str> =
            terminated(take_while1(|c: char| c.is_ascii_alphabetic()), char(':'))(i);
        let Ok((at, name)) = field else {
            let (rest, text) = value(i)?;
            return Ok((rest, Node::Term(Term::Text(text))));
        };
        let (rest, v) = opt(value)(at)?;
        let v = v.unwrap_or_default();
        let key = v.to_ascii_lowercase();
        let text = |make: fn(String) -> Term| match v.as_str() {
            "" => Err(format!(
                "`{name}:` needs a word or a \"quoted phrase\" after it"
            )),
            _ => Ok(make(v.clone())),
        };
        let unknown = |accepted: &str| match v.as_str() {
            "" => Err(format!("`{name}:` needs one of: {accepted}")),
            _ => Err(format!("unknown value `{v}` for `{name}:`: use {accepted}")),
        };
        let flag = |flag, set| Ok(Term::Flag { flag, set });
        let term = match name.to_ascii_lowercase().as_str() {
            "from" => text(Term::From),
            "to" => text(Term::To),
            "cc" => text(Term::Cc),
            "subject" => text(Term::Subject),
            "body" => text(Term::Body),
            "text" => text(Term::Text),
            "since" => parse_date(&key, self.today).map(Term::Since),
            "before" => parse_date(&key, self.today).map(Term::Before),
            "on" => parse_date(&key, self.today).map(Term::On),
            "larger" => parse_size(&key).map(Term::Larger),
            "smaller" => parse_size(&key).map(Term::Smaller),
            "is" => match key.as_str() {
                "read" | "unread" => flag(FlagTerm::Seen, key == "read"),
                "flagged" | "unflagged" => flag(FlagTerm::Flagged, key == "flagged"),
                "answered" | "unanswered" => flag(FlagTerm::Answered, key == "answered"),
                _ => unknown(IS_VALUES),
            },
            "has" if key == "attachment" => Ok(Term::HasAttachment),
            "has" => unknown("attachment"),
            "portal" if key.is_empty() || key == "any" => Ok(Term::Portal(PortalKind::Any)),
            "portal" if key == "sealed" => Ok(Term::Portal(PortalKind::Sealed)),
            "portal" => unknown("any or sealed, or nothing"),
            _ => return fail(i, format!("unknown field `{name}`: use {FIELDS}")),
        };
        match term {
            Ok(term) => Ok((rest, Node::Term(term))),
            Err(message) => fail(at, message),
        }
    }
}

/// The operands of one operator as a node: a lone operand as itself, nested lists of the same
/// operator lifted into this one.
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

/// `YYYY-MM-DD`, `today`, `yesterday`, or `N` days, weeks, months or years (`7d`, `2w`, `3m`,
/// `1y`) before today; `v` is in lowercase. Years outside 1..=9999 are refused (IMAP has 4).
fn parse_date(v: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let num = |m, n| take_while_m_n(m, n, |c: char| c.is_ascii_digit());
    let ymd = tuple((num(4, 4), char('-'), num(1, 2), char('-'), num(1, 2)));
    let absolute: IResult<_, _> = all_consuming(ymd)(v);
    let relative: IResult<_, _> = all_consuming(pair(digit1, one_of("dwmy")))(v);
    let out_of_range = || "the date is out of range".to_owned();
    let date = match (v, absolute, relative) {
        ("today", ..) => Some(today),
        ("yesterday", ..) => today.pred_opt(),
        (_, Ok(_), _) => match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) => return Err(format!("`{v}` is not a real date")),
        },
        (_, _, Ok((_, (n, unit)))) => {
            let n: u32 = n.parse().map_err(|_| out_of_range())?;
            match unit {
                'd' => today.checked_sub_days(Days::new(n.into())),
                'w' => today.checked_sub_days(Days::new(u64::from(n) * 7)),
                'm' => today.checked_sub_months(Months::new(n)),
                _ => today.checked_sub_months(Months::new(n.saturating_mul(12))),
            }
        }
        _ => return Err(EXPECTED_DATE.to_owned()),
    };
    let date = date.filter(|d| (1..=9999).contains(&d.year()));
    date.ok_or_else(out_of_range)
}

/// A number of bytes with an optional `k`, `m` or `g` (powers of 1024); `v` is in lowercase.
fn parse_size(v: &str) -> Result<u64, String> {
    let parsed: IResult<_, _> = all_consuming(pair(digit1, opt(one_of("kmg"))))(v);
    let Ok((_, (n, unit))) = parsed else {
        return Err(EXPECTED_SIZE.to_owned());
    };
    let shift = match unit {
        None => 0,
        Some('k') => 10,
        Some('m') => 20,
        _ => 30,
    };
    let size = n
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift));
    size.ok_or_else(|| "the size is too large".to_owned())
}

/// What a locally searching source knows about one message.
pub trait Facts {
    /// Decoded text of a header, addresses included; `None` when unknown (it then never matches).
    fn header(&self, field: HeaderField) -> Option<&str>;
    /// Decoded text of the body; `None` when not available (it then never matches).
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

impl Term {
    /// Whether the message matches: text case-insensitively as a substring (as IMAP SEARCH
    /// does), dates by the UTC day.
    pub fn matches(&self, facts: &(impl Facts + ?Sized)) -> bool {
        let has = |text: Option<&str>, s: &str| {
            text.is_some_and(|text| text.to_lowercase().contains(&s.to_lowercase()))
        };
        let header = |field, s: &str| has(facts.header(field), s);
        let day = DateTime::from_timestamp(facts.date(), 0).map(|t| t.date_naive());
        match self {
            Term::From(s) => header(HeaderField::From, s),
            Term::To(s) => header(HeaderField::To, s),
            Term::Cc(s) => header(HeaderField::Cc, s),
            Term::Subject(s) => header(HeaderField::Subject, s),
            Term::Body(s) => has(facts.body(), s),
            Term::Text(s) => HEADERS.into_iter().any(|f| header(f, s)) || has(facts.body(), s),
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

    /// Whether an IMAP server can evaluate the term: all but `has:` and `portal:`.
    pub fn server_side(&self) -> bool {
        !matches!(self, Term::HasAttachment | Term::Portal(_))
    }

    fn push_imap(&self, out: &mut Vec<Piece>) {
        let text = |s: &String| Some(Piece::Text(s.clone()));
        let day = |d: &NaiveDate| Some(Piece::Atom(d.format("%-d-%b-%Y").to_string()));
        let number = |n: &u64| Some(Piece::Atom(n.to_string()));
        let (key, arg) = match self {
            Term::From(s) => ("FROM", text(s)),
            Term::To(s) => ("TO", text(s)),
            Term::Cc(s) => ("CC", text(s)),
            Term::Subject(s) => ("SUBJECT", text(s)),
            Term::Body(s) => ("BODY", text(s)),
            Term::Text(s) => ("TEXT", text(s)),
            Term::Since(d) => ("SENTSINCE", day(d)),
            Term::Before(d) => ("SENTBEFORE", day(d)),
            Term::On(d) => ("SENTON", day(d)),
            Term::Larger(n) => ("LARGER", number(n)),
            Term::Smaller(n) => ("SMALLER", number(n)),
            Term::Flag { flag, set } => {
                let name = match flag {
                    FlagTerm::Seen => "SEEN",
                    FlagTerm::Flagged => "FLAGGED",
                    FlagTerm::Answered => "ANSWERED",
                };
                let un = if *set { "" } else { "UN" };
                return out.push(Piece::Atom(format!("{un}{name}")));
            }
            Term::HasAttachment | Term::Portal(_) => ("ALL", None),
        };
        out.push(Piece::Atom(key.to_owned()));
        out.extend(arg);
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
    /// Whether the message matches (see [`Term::matches`]).
    pub fn matches(&self, facts: &(impl Facts + ?Sized)) -> bool {
        match self {
            Node::And(v) => v.iter().all(|n| n.matches(facts)),
            Node::Or(v) => v.iter().any(|n| n.matches(facts)),
            Node::Not(n) => !n.matches(facts),
            Node::Term(t) => t.matches(facts),
        }
    }

    fn any_term(&self, test: &dyn Fn(&Term) -> bool) -> bool {
        match self {
            Node::And(v) | Node::Or(v) => v.iter().any(|n| n.any_term(test)),
            Node::Not(n) => n.any_term(test),
            Node::Term(t) => test(t),
        }
    }

    /// Whether an IMAP server can evaluate the whole node: no `has:` or `portal:` inside.
    pub fn server_side(&self) -> bool {
        !self.any_term(&|t| !t.server_side())
    }

    /// IMAP SEARCH criteria (RFC 3501) for a [`server_side`](Self::server_side) node. A term the
    /// server cannot evaluate comes out as `ALL`, which is wrong under `NOT`: split first.
    pub fn imap_criteria(&self) -> Vec<Piece> {
        let mut out = Vec::new();
        self.push_imap(&mut out, false);
        out
    }

    /// `nested`: the node is one search key among others, so a list needs parentheses.
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

/// Criteria as they would go on the wire, strings as IMAP quoted strings (for tests and logs;
/// non-ASCII and line breaks pass through, where the wire layer sends a literal).
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
    /// the rest on the client's rows. With no searches, every row is a candidate.
    Mixed {
        /// The server searches, each complete criteria.
        searches: Vec<Vec<Piece>>,
        /// How their results and the local terms combine.
        tree: Mixed,
    },
}

/// A query tree whose server-side parts are references to searches.
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
        in_search: &dyn Fn(usize) -> bool,
        local: &dyn Fn(&Term) -> bool,
    ) -> bool {
        match self {
            Mixed::And(v) => v.iter().all(|m| m.matches(in_search, local)),
            Mixed::Or(v) => v.iter().any(|m| m.matches(in_search, local)),
            Mixed::Not(m) => !m.matches(in_search, local),
            Mixed::Search(n) => in_search(*n),
            Mixed::Local(t) => local(t),
        }
    }

    /// Each server-side subtree becomes one search, with the server-side children of an AND or
    /// OR grouped into one.
    fn from_node(node: &Node, searches: &mut Vec<Vec<Piece>>) -> Mixed {
        if node.server_side() {
            searches.push(node.imap_criteria());
            return Mixed::Search(searches.len() - 1);
        }
        let (v, and) = match node {
            Node::Term(t) => return Mixed::Local(t.clone()),
            Node::Not(n) => return Mixed::Not(Box::new(Mixed::from_node(n, searches))),
            Node::And(v) => (v, true),
            Node::Or(v) => (v, false),
        };
        let (server, local): (Vec<Node>, Vec<Node>) =
            v.iter().cloned().partition(Node::server_side);
        let group = (!server.is_empty()).then(|| join(server, and));
        let v = group
            .iter()
            .chain(&local)
            .map(|n| Mixed::from_node(n, searches))
            .collect();
        if and { Mixed::And(v) } else { Mixed::Or(v) }
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

    /// Whether the message matches (see [`Term::matches`]).
    pub fn matches(&self, facts: &(impl Facts + ?Sized)) -> bool {
        self.root.matches(facts)
    }

    /// Whether `body:` or `text:` appear, so a local source must read the message files.
    pub fn needs_body(&self) -> bool {
        self.root
            .any_term(&|t| matches!(t, Term::Body(_) | Term::Text(_)))
    }

    /// Whether any of `from:` `to:` `cc:` `subject:` `text:` appear.
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
        let tree = Mixed::from_node(&self.root, &mut searches);
        Plan::Mixed { searches, tree }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 31).unwrap()
    }

    fn query(s: &str) -> Query {
        parse(s, today()).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn list<T>(op: &str, v: &[T], show: fn(&T) -> String) -> String {
        let items: Vec<String> = v.iter().map(show).collect();
        format!("({op} {})", items.join(" "))
    }

    /// A tree as an s-expression: a bare word for `Text`, `Debug` for other terms.
    fn show(node: &Node) -> String {
        match node {
            Node::And(v) => list("and", v, show),
            Node::Or(v) => list("or", v, show),
            Node::Not(n) => format!("(not {})", show(n)),
            Node::Term(Term::Text(s)) => s.clone(),
            Node::Term(t) => format!("{t:?}"),
        }
    }

    /// A mixed tree as an s-expression, `#n` for search `n`.
    fn show_mixed(tree: &Mixed) -> String {
        match tree {
            Mixed::And(v) => list("and", v, show_mixed),
            Mixed::Or(v) => list("or", v, show_mixed),
            Mixed::Not(m) => format!("(not {})", show_mixed(m)),
            Mixed::Search(n) => format!("#{n}"),
            Mixed::Local(t) => format!("{t:?}"),
        }
    }

    /// The tree, or `@position message`.
    fn outcome(s: &str) -> String {
        match parse(s, today()) {
            Ok(q) => show(q.root()),
            Err(e) => format!("@{} {}", e.position, e.message),
        }
    }

    /// Checks each `input => expected` line.
    fn table(lines: &str, check: impl Fn(&str) -> String) {
        for line in lines.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (input, expected) = line.split_once(" => ").unwrap();
            assert_eq!(check(input), expected, "{input}");
        }
    }

    #[test]
    fn terms_ignore_case_in_names_and_keywords() {
        let lines = r#"
            from:bob => From("bob")
            FROM:Bob => From("Bob")
            to:ann@example.com => To("ann@example.com")
            Cc:x => Cc("x")
            subject:hi => Subject("hi")
            body:word => Body("word")
            TEXT:any => any
            larger:500 => Larger(500)
            smaller:20k => Smaller(20480)
            Larger:2m => Larger(2097152)
            larger:1G => Larger(1073741824)
            larger:18446744073709551615 => Larger(18446744073709551615)
            is:unread => Flag { flag: Seen, set: false }
            Is:READ => Flag { flag: Seen, set: true }
            is:flagged => Flag { flag: Flagged, set: true }
            is:unflagged => Flag { flag: Flagged, set: false }
            is:answered => Flag { flag: Answered, set: true }
            is:UnAnswered => Flag { flag: Answered, set: false }
            HAS:Attachment => HasAttachment
            portal: => Portal(Any)
            portal:any => Portal(Any)
            Portal:SEALED => Portal(Sealed)
            portal: a => (and Portal(Any) a)
            subject:"hello world" => Subject("hello world")
            "a (b) OR c" => a (b) OR c
            "say \"hi\" \\ ok" => say "hi" \ ok
            "C:\path" => C:\path
            subject:Grüße => Subject("Grüße")
            from:Łukasz => From("Łukasz")
            見積 => 見積
            body:"Grüße aus Köln" => Body("Grüße aus Köln")
        "#;
        table(lines, outcome);
    }

    #[test]
    fn precedence_nesting_and_minus() {
        let lines = r#"
            a OR b c => (or a (and b c))
            a AND b OR c => (or (and a b) c)
            NOT a b => (and (not a) b)
            a (b OR c) => (and a (or b c))
            (a b) c => (and a b c)
            a OR (b OR c) => (or a b c)
            ((a)) => a
            NOT(a) => (not a)
            from:a OR NOT (subject:b c) => (or From("a") (not (and Subject("b") c)))
            a or not b and c => (and a or not b and c)
            ORANGE NOTE ANDES => (and ORANGE NOTE ANDES)
            -from:a b => (and (not From("a")) b)
            --a => (not (not a))
            -(a OR b) => (not (or a b))
            a-b => a-b
        "#;
        table(lines, outcome);
    }

    #[test]
    fn dates_relative_to_today() {
        let lines = r#"
            since:7d => Since(2026-03-24)
            since:0d => Since(2026-03-31)
            since:2W => Since(2026-03-17)
            on:1m => On(2026-02-28)
            before:24m => Before(2024-03-31)
            since:1y => Since(2025-03-31)
            since:2025y => Since(0001-03-31)
            since:yesterday => Since(2026-03-30)
            On:TODAY => On(2026-03-31)
            since:2026-01-31 => Since(2026-01-31)
            before:2026-2-3 => Before(2026-02-03)
            since:"2026-01-05" => Since(2026-01-05)
            since:2026-02-30 => @6 `2026-02-30` is not a real date
            on:2026-13-01 => @3 `2026-13-01` is not a real date
            since:2026y => @6 the date is out of range
            since:99999999999d => @6 the date is out of range
            since:3000000d => @6 the date is out of range
            on:0000-01-01 => @3 the date is out of range
            since:4294967295w => @6 the date is out of range
            since:4294967295m => @6 the date is out of range
            since:4294967295y => @6 the date is out of range
            since: => @6 expected a date like 2026-01-31, 7d or yesterday
            a since:26-01-01 => @8 expected a date like 2026-01-31, 7d or yesterday
            since:tomorrow => @6 expected a date like 2026-01-31, 7d or yesterday
            before:7 => @7 expected a date like 2026-01-31, 7d or yesterday
            on:2026-01-01x => @3 expected a date like 2026-01-31, 7d or yesterday
        "#;
        table(lines, outcome);
    }

    #[test]
    fn every_error_with_its_position() {
        let lines = r#"
            larger:18446744073709551616 => @7 the size is too large
            a larger:17179869184G => @9 the size is too large
            larger: => @7 expected a size like 500, 20k or 2M
            smaller:1.5M => @8 expected a size like 500, 20k or 2M
            larger:-1 => @7 expected a size like 500, 20k or 2M
            has:pdf => @4 unknown value `pdf` for `has:`: use attachment
            has: => @4 `has:` needs one of: attachment
            portal:maybe => @7 unknown value `maybe` for `portal:`: use any or sealed, or nothing
            from: => @5 `from:` needs a word or a "quoted phrase" after it
            x subject: y => @10 `subject:` needs a word or a "quoted phrase" after it
            from:(bob) => @5 `from:` needs a word or a "quoted phrase" after it
            () => @0 empty parentheses: put a term between them
            a ( ) => @2 empty parentheses: put a term between them
            (a => @2 missing `)` for the `(` at column 1
            (a OR (b c) => @11 missing `)` for the `(` at column 1
            subject:Grüße ( => @15 missing `)` for the `(` at column 15
            a) => @1 `)` without a matching `(`
            ) a => @0 `)` without a matching `(`
            from:a OR => @9 expected a term after `OR`
            a OR ) => @5 expected a term after `OR`
            OR a => @0 `OR` needs a term before it
            (AND a) => @1 `AND` needs a term before it
            a AND OR b => @6 expected a term after `AND`
            (NOT ) => @5 expected a term after `NOT`
            - a => @0 `-` needs a term right after it, as in -from:bob
            a - => @2 `-` needs a term right after it, as in -from:bob
            subject:"open => @8 this `"` is never closed
            a "x\" => @2 this `"` is never closed
            "" => @0 nothing between the quotes
            Grüße since:nope => @12 expected a date like 2026-01-31, 7d or yesterday
            見積 foo:bar => @3 unknown field `foo`: use <fields>
            is:x => @3 unknown value `x` for `is:`: use <is>
            is: => @3 `is:` needs one of: <is>
        "#;
        table(lines, |s| {
            outcome(s)
                .replace(FIELDS, "<fields>")
                .replace(IS_VALUES, "<is>")
        });
        assert_eq!(outcome(""), "@0 the query is empty");
        assert_eq!(outcome("   "), "@3 the query is empty");
        let e = parse("subject:Grüße (", today()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "at column 16: missing `)` for the `(` at column 15"
        );
        let _: &dyn std::error::Error = &e;
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_refused() {
        let nest = |n: usize| format!("{}a{}", "(".repeat(n), ")".repeat(n));
        assert_eq!(outcome(&nest(64)), "a");
        let nots = |n: usize| format!("{}a{}", "(not ".repeat(n), ")".repeat(n));
        assert_eq!(outcome(&("NOT -".repeat(32) + "a")), nots(64));
        assert_eq!(outcome(&nest(65)), "@64 too deeply nested");
        let deep = [
            nest(10_000),
            "NOT ".repeat(10_000),
            "-".repeat(9_999),
            "(-".repeat(5_000),
        ];
        for s in deep {
            assert!(outcome(&s).ends_with("too deeply nested"));
        }
        // Long but flat: no recursion, no quadratic work.
        let wide = query(&("(a) OR (b c) OR ".repeat(20_000) + "d"));
        assert_eq!(wide.root().imap_criteria().len(), 20_000 * 10 + 2);
    }

    #[test]
    fn query_keeps_its_text_and_knows_what_it_needs() {
        assert_eq!(query("  from:a ").text(), "  from:a ");
        let needs = |s: &str| (query(s).needs_headers(), query(s).needs_body());
        assert_eq!(needs("from:a cc:b"), (true, false));
        assert_eq!(needs("a"), (true, true));
        assert_eq!(needs("is:unread larger:1k NOT body:x"), (false, true));
        assert_eq!(needs("has:attachment since:7d"), (false, false));
    }

    #[test]
    fn imap_criteria_on_the_wire() {
        let atoms = [Piece::Atom("FROM".into()), Piece::Text("a".into())];
        assert_eq!(query("from:a").root().imap_criteria(), atoms);
        let lines = r#"
            from:a OR NOT (subject:b c) => OR FROM "a" NOT (SUBJECT "b" TEXT "c")
            a OR b OR c => OR TEXT "a" OR TEXT "b" TEXT "c"
            (a b) OR c => OR (TEXT "a" TEXT "b") TEXT "c"
            a OR b c => OR TEXT "a" (TEXT "b" TEXT "c")
            x (a OR b) -y => TEXT "x" OR TEXT "a" TEXT "b" NOT TEXT "y"
            NOT (a OR b) => NOT OR TEXT "a" TEXT "b"
            NOT NOT (a b) => NOT NOT (TEXT "a" TEXT "b")
            to:x cc:y body:z => TO "x" CC "y" BODY "z"
            since:2026-02-01 before:2026-12-25 => SENTSINCE 1-Feb-2026 SENTBEFORE 25-Dec-2026
            on:yesterday since:2025y => SENTON 30-Mar-2026 SENTSINCE 31-Mar-0001
            larger:2M smaller:10k => LARGER 2097152 SMALLER 10240
            is:read is:unread is:flagged => SEEN UNSEEN FLAGGED
            is:unflagged is:answered is:unanswered => UNFLAGGED ANSWERED UNANSWERED
            subject:"say \"hi\" \\o/" => SUBJECT "say \"hi\" \\o/"
            subject:Grüße OR 見積 => OR SUBJECT "Grüße" TEXT "見積"
        "#;
        table(lines, |s| wire_preview(&query(s).root().imap_criteria()));
    }

    #[test]
    fn split_between_server_and_client() {
        let lines = r#"
            from:a OR b => server OR FROM "a" TEXT "b"
            a has:attachment b => [TEXT "a" TEXT "b"] (and #0 HasAttachment)
            from:a to:b OR portal:sealed => [FROM "a" TO "b"] (or #0 Portal(Sealed))
            has:attachment -portal: => (and HasAttachment (not Portal(Any)))
        "#;
        let plan = |s: &str| match query(s).split() {
            Plan::Server(pieces) => format!("server {}", wire_preview(&pieces)),
            Plan::Mixed { searches, tree: t } => {
                let searches = searches.iter().map(|p| format!("[{}] ", wire_preview(p)));
                searches.collect::<String>() + &show_mixed(&t)
            }
        };
        table(lines, plan);
        let both = "(a has:attachment) OR (b -portal:) OR c";
        let tree = "(or #0 (and #1 HasAttachment) (and #2 (not Portal(Any))))";
        assert_eq!(
            plan(both),
            format!(r#"[TEXT "c"] [TEXT "a"] [TEXT "b"] {tree}"#)
        );
        let Plan::Mixed { tree, .. } = query(both).split() else {
            panic!("not mixed");
        };
        let marked = |t: &Term| *t == Term::Portal(PortalKind::Any);
        assert!(tree.matches(&|n| n == 0, &marked));
        assert!(tree.matches(&|n| n == 2, &|_| false));
        assert!(!tree.matches(&|n| n == 2, &marked));
        assert!(!tree.matches(&|n| n == 1, &marked));
        assert!(tree.matches(&|n| n == 1, &|t| *t == Term::HasAttachment));
    }

    /// A message's body, date and portal mark; the rest is fixed (see `msg`).
    struct Msg(Option<&'static str>, i64, Option<PortalKind>);

    impl Facts for Msg {
        fn header(&self, field: HeaderField) -> Option<&str> {
            match field {
                HeaderField::From => Some("Łukasz Nowak <lukasz@example.pl>"),
                HeaderField::To => Some("Ann <ann@example.com>"),
                HeaderField::Cc => None,
                HeaderField::Subject => Some("Grüße aus KÖLN"),
            }
        }
        fn body(&self) -> Option<&str> {
            self.0
        }
        fn date(&self) -> i64 {
            self.1
        }
        fn size(&self) -> u64 {
            3000
        }
        fn flag(&self, flag: FlagTerm) -> bool {
            flag == FlagTerm::Flagged
        }
        fn has_attachment(&self) -> bool {
            true
        }
        fn portal(&self) -> Option<PortalKind> {
            self.2
        }
    }

    /// Sent 2026-03-30 23:59:59 UTC, 3000 bytes, flagged only, with an attachment, sealed.
    fn msg() -> Msg {
        Msg(
            Some("The QUOTE is attached"),
            DATE,
            Some(PortalKind::Sealed),
        )
    }

    const DATE: i64 = 1_774_915_199;

    #[test]
    fn matches_a_message() {
        let lines = r#"
            from:ŁUKASZ from:Lukasz@Example to:ann => true
            subject:köln subject:"grüße aus" body:quote text:ann text:attached ATTACHED => true
            since:2026-03-30 since:yesterday before:today on:yesterday => true
            larger:2k smaller:3k is:unread is:flagged is:unanswered => true
            has:attachment portal: portal:sealed -from:bob NOT (from:bob OR cc:ann) => true
            from:bob OR subject:köln => true
            from:bob OR cc:ann OR text:zzz OR since:today OR before:2026-03-30 => false
            on:today OR larger:3000 OR smaller:3000 OR is:read OR is:unflagged => false
            is:answered OR -has:attachment OR from:ann => false
        "#;
        table(lines, |s| query(s).matches(&msg()).to_string());
        let vendor = Msg(None, DATE, Some(PortalKind::Any));
        let plain = Msg(None, i64::MAX, None);
        let hit = |s: &str, m: &Msg| query(s).matches(m);
        assert!(hit("portal:any", &vendor) && !hit("portal:sealed", &vendor));
        assert!(!hit("portal:", &plain) && !hit("since:2000-01-01", &plain));
        assert!(!hit("body:quote", &vendor) && hit("NOT body:quote", &vendor));
    }

    /// Parses, and uses whatever parsed every way; an error must point inside the input.
    fn exercise(s: &str) {
        let query = match parse(s, today()) {
            Ok(query) => query,
            Err(e) => return assert!(e.position <= s.chars().count(), "{s:?}: {e}"),
        };
        let _ = query.matches(&msg()) | query.needs_body() | query.needs_headers();
        let pieces = match query.split() {
            Plan::Server(pieces) => pieces,
            Plan::Mixed { searches, .. } => searches.concat(),
        };
        let atom_char = |c: char| c.is_ascii_graphic() && !"(){%*\"\\]".contains(c);
        for piece in &pieces {
            if let Piece::Atom(a) = piece {
                let ok = a == "(" || a == ")" || (!a.is_empty() && a.chars().all(atom_char));
                assert!(ok, "{s:?}: atom {a:?}");
            }
        }
        wire_preview(&pieces);
    }

    #[test]
    fn never_panics_on_short_ascii() {
        let printable: Vec<char> = (' '..='~').collect();
        for a in &printable {
            exercise(&a.to_string());
            for b in &printable {
                exercise(&format!("{a}{b}"));
                for c in &printable {
                    exercise(&format!("{a}{b}{c}"));
                }
            }
        }
    }

    #[test]
    fn never_panics_on_random_input() {
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move |n: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            usize::try_from(state >> 33).unwrap() % n
        };
        let mut tokens: Vec<&str> =
            "from: subject: since: larger: is: has: portal: foo: OR AND NOT \
            - ( ) \" \\ a Grüße 見積 7d 2026-02-30 9999999999G unread sealed attachment"
                .split_whitespace()
                .collect();
        tokens.extend([" ", "\t", "\u{0}"]);
        for _ in 0..20_000 {
            let bytes: Vec<u8> = (0..next(40)).map(|_| next(256) as u8).collect();
            exercise(&String::from_utf8_lossy(&bytes));
            let soup: String = (0..next(30))
                .filter_map(|_| tokens.get(next(tokens.len())).copied())
                .collect();
            exercise(&soup);
        }
    }
}
