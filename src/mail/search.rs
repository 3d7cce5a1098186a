//! A search of a folder, between the reader and a source: what is asked, and the UIDs found.
//! Sources run what they can of the query ([`crate::mail::query`]); the reader finishes a
//! query that also names list marks (`has:attachment`, `portal:`) over its rows.

use std::sync::Arc;

use super::ReqId;
use super::query::Query;

/// Search the open folder.
#[derive(Clone, Debug)]
pub struct SearchRequest {
    pub req: ReqId,
    pub folder: String,
    pub query: Arc<Query>,
    /// Only among these UIDs (new mail, to keep a search's results live); `None`: the folder.
    pub within: Option<Vec<u32>>,
}

impl SearchRequest {
    /// The answer to this request.
    pub fn done(self, result: Result<Hits, String>) -> SearchDone {
        SearchDone {
            req: self.req,
            folder: self.folder,
            within: self.within.is_some(),
            result,
        }
    }
}

/// Search every folder named, one after the other, reporting each as it is done.
#[derive(Clone, Debug)]
pub struct SearchAllRequest {
    pub req: ReqId,
    pub query: Arc<Query>,
    /// The folders, by command name, in the order the folder pane lists them.
    pub folders: Vec<String>,
}

/// One folder of a [`SearchAllRequest`] done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FolderHits {
    pub req: ReqId,
    pub folder: String,
    /// How many messages of the folder match, or why it could not be searched.
    pub result: Result<u32, String>,
    /// Folders done so far, of `total`.
    pub done: u32,
    pub total: u32,
}

/// What a search found: UIDs ascending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hits {
    /// The messages that match the whole query.
    All(Vec<u32>),
    /// One set per server search of the query's plan ([`crate::mail::query::Plan::Mixed`]),
    /// in its order: the reader combines them with the list marks.
    Parts(Vec<Vec<u32>>),
}

/// How a [`SearchRequest`] ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchDone {
    pub req: ReqId,
    pub folder: String,
    /// It was a search among new mail.
    pub within: bool,
    /// The hits, or why there are none (in words).
    pub result: Result<Hits, String>,
}

/// Which rows of the searched folder the results hold: the hits, combined with the list
/// marks where the query names them. Until the source answers, none.
#[derive(Clone, Debug, Default)]
pub struct Matcher {
    hits: Option<Hits>,
    /// The query's plan when it mixes server searches with list marks.
    tree: Option<super::query::Mixed>,
}

impl Matcher {
    /// A matcher for `query`, waiting for its hits.
    pub fn new(query: &Query) -> Matcher {
        Matcher {
            hits: None,
            tree: match query.split() {
                super::query::Plan::Server(_) => None,
                super::query::Plan::Mixed { tree, .. } => Some(tree),
            },
        }
    }

    /// The source answered.
    pub fn found(&mut self, hits: Hits) {
        self.hits = Some(hits);
    }

    /// The source answered a search among new mail: its hits join the others.
    pub fn found_more(&mut self, more: Hits) {
        match (&mut self.hits, more) {
            (Some(Hits::All(known)), Hits::All(new)) => merge(known, new),
            (Some(Hits::Parts(known)), Hits::Parts(new)) => {
                for (known, new) in known.iter_mut().zip(new) {
                    merge(known, new);
                }
            }
            (hits @ None, more) => *hits = Some(more),
            // Both answers come from one query's plan: they have the same shape.
            _ => {}
        }
    }

    /// Whether the source has answered.
    pub fn answered(&self) -> bool {
        self.hits.is_some()
    }

    /// Whether `row` is among the results.
    pub fn keeps(&self, row: &super::Row) -> bool {
        let uid = row.uid;
        match (&self.hits, &self.tree) {
            (None, _) => false,
            (Some(Hits::All(uids)), _) => uids.binary_search(&uid).is_ok(),
            (Some(Hits::Parts(sets)), Some(tree)) => tree.matches(
                &|i| sets.get(i).is_some_and(|s| s.binary_search(&uid).is_ok()),
                &|term| row_has(row, term),
            ),
            (Some(Hits::Parts(_)), None) => false,
        }
    }
}

fn merge(known: &mut Vec<u32>, new: Vec<u32>) {
    known.extend(new);
    known.sort_unstable();
    known.dedup();
}

/// Whether a list row has what a term that only the list marks can answer asks for.
pub fn row_has(row: &super::Row, term: &super::query::Term) -> bool {
    use super::query::{PortalKind, Term};
    match term {
        Term::HasAttachment => row.attachment,
        Term::Portal(kind) => row.portal.is_some_and(|mark| {
            *kind == PortalKind::Any || mark.vendor == crate::detect::Vendor::Sealed
        }),
        _ => false,
    }
}

/// The search language in brief, for the help overlay: (what to type, what it finds).
/// `docs/user-guide.md` has the whole of it.
pub const QUERY_HELP: &[(&str, &str)] = &[
    (
        "Search queries",
        "typed after the search key; Esc returns to the folder",
    ),
    (
        "from: to: cc:",
        "an address or name: from:alice, to:\"Jo Smith\"",
    ),
    ("subject: body:", "words in the subject, in the body"),
    ("text: or a word", "anywhere: headers or body"),
    (
        "since: before:",
        "2026-01-31, today, yesterday, 7d, 2w, 3m, 1y",
    ),
    ("on:", "one day: on:2026-01-31, on:yesterday"),
    ("larger: smaller:", "a size: 500, 10k, 2M"),
    (
        "is:",
        "unread, read, flagged, unflagged, answered, unanswered",
    ),
    ("has:attachment", "messages with attachments"),
    (
        "portal: ",
        "portal or sealed mail; portal:sealed, sealed only",
    ),
    (
        "AND OR NOT - ( )",
        "combine: from:bob OR (subject:x NOT is:read)",
    ),
    ("\"a phrase\"", "words together, in any language"),
];
