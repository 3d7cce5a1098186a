//! Searching the open folder on the server: a query's server part as `UID SEARCH CHARSET
//! UTF-8` (RFC 3501 6.4.4), with `RETURN (ALL)` where the server offers ESEARCH (RFC 4731), so
//! that 100,000 hits come back as a few ranges. Text goes as a quoted string when it is plain
//! ASCII and as a literal otherwise. A server that refuses the charset is asked again without
//! it when the query is ASCII; else the user is told it cannot search such text. Nothing is
//! downloaded but UIDs.

use super::actor::{Actor, Fault};
use super::connect::{Capabilities, Session};
use super::metrics::timed;
use super::tagged::{self, Part};
use super::uidset::uid_sets;
use crate::error::{Error, ErrorKind};
use crate::mail::SourceEvent;
use crate::mail::query::{Piece, Plan};
use crate::mail::search::{FolderHits, Hits, SearchAllRequest, SearchRequest};

/// The most UIDs one answer may name: a folder cannot hold more messages than this bound, and
/// a server's range `1:4294967295` is not expanded beyond it.
const MAX_HITS: usize = 10_000_000;

impl Actor {
    /// Serves a [`crate::mail::SourceCommand::Search`] of the open folder.
    pub(super) async fn search(&mut self, job: SearchRequest) -> Result<(), Fault> {
        if self.open.as_ref().is_none_or(|o| o.name != job.folder) {
            let error = "the folder searched is no longer open".to_string();
            return self.emit(SourceEvent::Searched(job.done(Err(error)))).await;
        }
        let within = job.within.as_deref();
        let searches = match job.query.split() {
            Plan::Server(pieces) => vec![pieces],
            Plan::Mixed { searches, .. } => searches,
        };
        let caps = self.caps;
        let session = self.session()?;
        let mut found = Vec::with_capacity(searches.len());
        let mut changes = Vec::new();
        let mut failure = None;
        for pieces in &searches {
            match search_once(session, caps, pieces, within, &mut changes).await {
                Ok(uids) => found.push(uids),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        super::fetch::drain_unsolicited(session, &mut changes);
        self.apply_changes(changes).await?;
        let result = match failure {
            None => Ok(match job.query.split() {
                Plan::Server(_) => Hits::All(found.pop().unwrap_or_default()),
                Plan::Mixed { .. } => Hits::Parts(found),
            }),
            Some(e) if super::errors::is_connection_error(&e) => {
                // Asked again after the reconnect, as any command in flight.
                self.deferred
                    .push_front(crate::mail::SourceCommand::Search(job));
                return Err(Fault::Conn(e));
            }
            Some(e) => Err(e.to_string()),
        };
        self.emit(SourceEvent::Searched(job.done(result))).await
    }
}

impl Actor {
    /// Serves a [`crate::mail::SourceCommand::SearchAll`]: the folders are searched one after
    /// the other on a connection of their own, so that the open folder, IDLE and the next
    /// command are not held up; a newer one (or its cancel) stops it.
    pub(super) fn search_all(&mut self, job: SearchAllRequest) {
        if let Some((_, old)) = self.search_all.take() {
            old.abort();
        }
        let req = job.req;
        let (settings, traffic, events) = (
            self.settings.clone(),
            self.traffic.clone(),
            self.events.clone(),
        );
        let task = tokio::spawn(search_folders(settings, traffic, events, job));
        self.search_all = Some((req, task));
    }

    /// Stops the search of every folder, when it is the one named.
    pub(super) fn cancel_search_all(&mut self, req: crate::mail::ReqId) {
        if let Some((_, task)) = self.search_all.take_if(|(r, _)| *r == req) {
            task.abort();
        }
    }
}

/// Searches each folder of `job` (EXAMINE, then the query's criteria) and reports its count.
async fn search_folders(
    settings: super::settings::ImapSettings,
    traffic: std::sync::Arc<super::stream::Traffic>,
    events: tokio::sync::mpsc::Sender<SourceEvent>,
    job: SearchAllRequest,
) {
    let total = u32::try_from(job.folders.len()).unwrap_or(u32::MAX);
    let report = |folder: &str, done: usize, result: Result<u32, String>| FolderHits {
        req: job.req,
        folder: folder.to_string(),
        result,
        done: u32::try_from(done).unwrap_or(u32::MAX),
        total,
    };
    let pieces = match job.query.split() {
        Plan::Server(pieces) => pieces,
        Plan::Mixed { .. } => Vec::new(),
    };
    let connected = match super::part::side_connection(&settings, traffic).await {
        Ok(c) => c,
        Err(e) => {
            for (i, folder) in job.folders.iter().enumerate() {
                let hits = report(folder, i + 1, Err(e.to_string()));
                if events.send(SourceEvent::FolderHits(hits)).await.is_err() {
                    return;
                }
            }
            return;
        }
    };
    let (mut session, caps) = (connected.session, connected.caps);
    for (i, folder) in job.folders.iter().enumerate() {
        let result = match timed("examine", session.examine(folder)).await {
            Err(e) => Err(super::errors::imap_error("open folder", e)),
            Ok(_) => search_once(&mut session, caps, &pieces, None, &mut Vec::new()).await,
        };
        let broken = result
            .as_ref()
            .is_err_and(super::errors::is_connection_error);
        let result = result
            .map(|uids| u32::try_from(uids.len()).unwrap_or(u32::MAX))
            .map_err(|e| e.to_string());
        if events
            .send(SourceEvent::FolderHits(report(folder, i + 1, result)))
            .await
            .is_err()
            || broken
        {
            // The folders left are reported as not searched.
            for (j, folder) in job.folders.iter().enumerate().skip(i + 1) {
                let why = "the connection broke before this folder".to_string();
                let _ = events
                    .send(SourceEvent::FolderHits(report(folder, j + 1, Err(why))))
                    .await;
            }
            return;
        }
    }
    let _ = session.logout().await;
}

/// One `UID SEARCH` of the open folder, its UIDs ascending. `within` limits it to those UIDs
/// (new mail, for a live search).
async fn search_once(
    session: &mut Session,
    caps: Capabilities,
    pieces: &[Piece],
    within: Option<&[u32]>,
    changes: &mut Vec<super::mailbox::Change>,
) -> Result<Vec<u32>, Error> {
    let with_charset = command(pieces, within, caps.esearch, true);
    let mut answer =
        match tagged::run_parts(session, &with_charset, caps.literal_plus, "search").await {
            Err(e) if refused_charset(&e) => {
                if !pieces_are_ascii(pieces) {
                    return Err(Error::new(
                        ErrorKind::Protocol,
                        "the server cannot search for text beyond ASCII (it refused UTF-8)",
                    ));
                }
                let plain = command(pieces, within, caps.esearch, false);
                tagged::run_parts(session, &plain, caps.literal_plus, "search").await?
            }
            other => other?,
        };
    let uids = found_uids(&mut answer).ok_or_else(|| {
        Error::new(
            ErrorKind::Protocol,
            "the server's search answer could not be read",
        )
    });
    changes.extend(answer.changes);
    let uids = uids?;
    Ok(uids)
}

/// The command's parts: `UID SEARCH [RETURN (ALL)] [CHARSET UTF-8] [UID set] criteria`.
pub(super) fn command(
    pieces: &[Piece],
    within: Option<&[u32]>,
    esearch: bool,
    charset: bool,
) -> Vec<Part> {
    let mut head = String::from("UID SEARCH");
    if esearch {
        head.push_str(" RETURN (ALL)");
    }
    if charset {
        head.push_str(" CHARSET UTF-8");
    }
    if let Some(uids) = within {
        let mut sorted = uids.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        // A live search names the few new messages: one set, whatever their spread.
        let set = uid_sets(&sorted)
            .into_iter()
            .map(|s| s.text)
            .collect::<Vec<_>>()
            .join(",");
        if !set.is_empty() {
            head.push_str(" UID ");
            head.push_str(&set);
        }
    }
    let mut parts = vec![Part::Text(head)];
    // RFC 3501's grammar puts no space inside parentheses: `(SUBJECT x ANSWERED)`.
    let mut after_open = false;
    for piece in pieces {
        let space = if after_open { "" } else { " " };
        after_open = matches!(piece, Piece::Atom(a) if a == "(");
        match piece {
            Piece::Atom(atom) if atom == ")" => push_text(&mut parts, ")"),
            Piece::Atom(atom) => push_text(&mut parts, &format!("{space}{atom}")),
            Piece::Text(text) => {
                push_text(&mut parts, space);
                match quoted(text) {
                    Some(q) => push_text(&mut parts, &q),
                    None => parts.push(Part::Literal(text.as_bytes().to_vec())),
                }
            }
        }
    }
    parts
}

fn push_text(parts: &mut Vec<Part>, text: &str) {
    match parts.last_mut() {
        Some(Part::Text(last)) => last.push_str(text),
        _ => parts.push(Part::Text(text.to_string())),
    }
}

/// `text` as an IMAP quoted string, when it can be one (printable ASCII).
fn quoted(text: &str) -> Option<String> {
    if !text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    Some(out)
}

fn pieces_are_ascii(pieces: &[Piece]) -> bool {
    pieces.iter().all(|p| match p {
        Piece::Atom(a) => a.is_ascii(),
        Piece::Text(t) => t.is_ascii(),
    })
}

/// The server said NO `[BADCHARSET]` (RFC 3501 7.1): it cannot search UTF-8.
fn refused_charset(error: &Error) -> bool {
    error
        .to_string()
        .to_ascii_uppercase()
        .contains("BADCHARSET")
        || error
            .details
            .as_deref()
            .is_some_and(|d| d.to_ascii_uppercase().contains("BADCHARSET"))
}

/// The UIDs a `UID SEARCH` answered, from plain `SEARCH` and `ESEARCH` replies alike,
/// ascending, at most [`MAX_HITS`]; `None` when an ESEARCH reply cannot be read.
pub(super) fn found_uids(answer: &mut tagged::Answer) -> Option<Vec<u32>> {
    let mut uids = std::mem::take(&mut answer.searched);
    for data in &answer.esearch {
        uids.extend(esearch_all(data, MAX_HITS)?);
    }
    uids.sort_unstable();
    uids.dedup();
    Some(uids)
}

/// The UIDs of an ESEARCH answer's `ALL` (RFC 4731: `(TAG "x") UID ALL 1:3,7`), at most
/// `limit`; `None` when the data cannot be read. An answer without `ALL` found nothing.
pub(super) fn esearch_all(data: &[u8], limit: usize) -> Option<Vec<u32>> {
    let text = std::str::from_utf8(data).ok()?;
    let mut words = text.split_ascii_whitespace().peekable();
    // Skip the correlator `(TAG "...")`, which may hold spaces inside its quotes.
    if words.peek().is_some_and(|w| w.starts_with('(')) {
        for word in words.by_ref() {
            if word.ends_with(')') {
                break;
            }
        }
    }
    while let Some(word) = words.next() {
        if word.eq_ignore_ascii_case("ALL") {
            return sequence_set(words.next()?, limit);
        }
    }
    Some(Vec::new())
}

/// `1:3,7,9:8` as UIDs ascending, at most `limit` of them; `None` when malformed.
fn sequence_set(set: &str, limit: usize) -> Option<Vec<u32>> {
    let mut out = Vec::new();
    for member in set.split(',') {
        let (lo, hi) = match member.split_once(':') {
            Some((a, b)) => (a.parse::<u32>().ok()?, b.parse::<u32>().ok()?),
            None => {
                let n = member.parse::<u32>().ok()?;
                (n, n)
            }
        };
        let (lo, hi) = (lo.min(hi), lo.max(hi));
        if lo == 0 || (hi - lo) as usize >= limit.saturating_sub(out.len()) {
            return None;
        }
        out.extend(lo..=hi);
    }
    out.sort_unstable();
    out.dedup();
    Some(out)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn text(parts: &[Part]) -> String {
        parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.clone(),
                Part::Literal(b) => format!("{{{}}}[{}]", b.len(), String::from_utf8_lossy(b)),
            })
            .collect()
    }

    #[test]
    fn commands_quote_ascii_and_send_the_rest_as_literals() {
        let pieces = vec![
            Piece::Atom("OR".into()),
            Piece::Atom("FROM".into()),
            Piece::Text("a \"b\"".into()),
            Piece::Atom("SUBJECT".into()),
            Piece::Text("Grüße".into()),
        ];
        assert_eq!(
            text(&command(&pieces, None, true, true)),
            "UID SEARCH RETURN (ALL) CHARSET UTF-8 OR FROM \"a \\\"b\\\"\" SUBJECT {7}[Grüße]"
        );
        assert_eq!(
            text(&command(&pieces[..3], Some(&[9, 7, 8]), false, false)),
            "UID SEARCH UID 7:9 OR FROM \"a \\\"b\\\"\""
        );
    }

    #[test]
    fn parentheses_hold_no_spaces() {
        let pieces = vec![
            Piece::Atom("OR".into()),
            Piece::Atom("(".into()),
            Piece::Atom("SUBJECT".into()),
            Piece::Text("x".into()),
            Piece::Atom("ANSWERED".into()),
            Piece::Atom(")".into()),
            Piece::Atom("(".into()),
            Piece::Atom("(".into()),
            Piece::Atom("SEEN".into()),
            Piece::Atom(")".into()),
            Piece::Atom(")".into()),
        ];
        assert_eq!(
            text(&command(&pieces, None, false, false)),
            "UID SEARCH OR (SUBJECT \"x\" ANSWERED) ((SEEN))"
        );
    }

    #[test]
    fn esearch_answers_are_read_within_bounds() {
        assert_eq!(
            esearch_all(b" (TAG \"A 1\") UID ALL 2,10:12,5", 100),
            Some(vec![2, 5, 10, 11, 12])
        );
        assert_eq!(esearch_all(b" (TAG \"A1\") UID", 100), Some(vec![]));
        assert_eq!(
            esearch_all(b" UID COUNT 3 ALL 3:1", 100),
            Some(vec![1, 2, 3])
        );
        assert_eq!(
            esearch_all(b" (TAG \"A1\") UID ALL 1:4294967295", 1000),
            None
        );
        assert_eq!(esearch_all(b" UID ALL 0:3", 100), None);
        assert_eq!(esearch_all(b" UID ALL x", 100), None);
        assert_eq!(esearch_all(b"\xff\xfe", 100), None);
    }
}
