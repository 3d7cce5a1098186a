//! FETCH of list rows, of messages (their structure, then the parts shown, or whole) and of
//! single parts, STORE of flags, and collecting what the server
//! says on its own meanwhile. Row conversion runs on the blocking pool, a batch at a time,
//! while the next responses are read.

use std::pin::Pin;

use async_imap::imap_proto::SectionPath;
use async_imap::types::Fetch;
use futures::{Stream, TryStreamExt};
use tokio::task::JoinHandle;

use super::connect::Session;
use super::errors::{imap_error, refused};
use super::mailbox::{Change, change_of_unsolicited};
use super::metrics::timed;
use super::parts;
use super::rows::{self, Item};
use crate::error::{Error, ErrorKind};
use crate::mail::{Flags, Row};
use crate::mime::Skipped;

/// Responses handed to one conversion job. Each holds its read buffer (a few KB), so batches
/// stay small and at most [`JOBS_IN_FLIGHT`] wait at once.
const BATCH: usize = 32;
const JOBS_IN_FLIGHT: usize = 2;
/// The most rows [`rows`] makes room for ahead of their arrival (a chunk's size).
const MOST_EXPECTED: u32 = 5000;

/// A message set: the sequence numbers `lo..=hi`, or UIDs.
pub enum Set<'a> {
    Seqs { lo: u32, hi: u32 },
    Uid(&'a str),
}

/// Rows of one FETCH, with their sequence numbers, and flag notices met on the way.
#[derive(Debug, Default)]
pub struct Fetched {
    pub rows: Vec<(u32, Row)>,
    pub changes: Vec<Change>,
}

type FetchStream<'a> = Pin<Box<dyn Stream<Item = async_imap::error::Result<Fetch>> + Send + 'a>>;

/// Fetches list rows for `set`, converting them off the async task.
pub async fn rows(session: &mut Session, query: &str, set: Set<'_>) -> Result<Fetched, Error> {
    timed("fetch rows", async {
        // The rows of a range are known in number: room for them at once (bounded, as a
        // chunk is), not a vector doubling and copying as they come.
        let expected = match set {
            Set::Seqs { lo, hi } => hi.saturating_sub(lo).saturating_add(1).min(MOST_EXPECTED),
            Set::Uid(_) => 0,
        };
        let mut stream: FetchStream<'_> = match set {
            Set::Seqs { lo, hi } => Box::pin(
                session
                    .fetch(format!("{lo}:{hi}"), query)
                    .await
                    .map_err(|e| imap_error("fetch rows", e))?,
            ),
            Set::Uid(s) => Box::pin(
                session
                    .uid_fetch(s, query)
                    .await
                    .map_err(|e| imap_error("fetch rows", e))?,
            ),
        };
        let mut fetched = Fetched {
            rows: Vec::with_capacity(expected as usize),
            changes: Vec::new(),
        };
        let mut jobs: Vec<JoinHandle<Vec<Item>>> = Vec::new();
        let mut batch = Vec::with_capacity(BATCH);
        while let Some(fetch) = stream
            .try_next()
            .await
            .map_err(|e| imap_error("fetch rows", e))?
        {
            batch.push(fetch);
            if batch.len() == BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                jobs.push(spawn_convert(full));
                if jobs.len() > JOBS_IN_FLIGHT {
                    collect(jobs.remove(0).await, &mut fetched)?;
                }
            }
        }
        drop(stream);
        refused(session.get_mut(), "fetch rows")?;
        if !batch.is_empty() {
            jobs.push(spawn_convert(batch));
        }
        for job in jobs {
            collect(job.await, &mut fetched)?;
        }
        Ok(fetched)
    })
    .await
}

fn spawn_convert(batch: Vec<Fetch>) -> JoinHandle<Vec<Item>> {
    tokio::task::spawn_blocking(move || batch.iter().map(rows::convert).collect())
}

fn collect(
    result: Result<Vec<Item>, tokio::task::JoinError>,
    fetched: &mut Fetched,
) -> Result<(), Error> {
    let items = result.map_err(|e| {
        Error::new(ErrorKind::Parse, "converting message rows failed").with_details(e.to_string())
    })?;
    for item in items {
        match item {
            Item::Row { seq, row } => fetched.rows.push((seq, row)),
            Item::Flags { seq, uid, flags } => {
                fetched.changes.push(Change::Flags { seq, uid, flags })
            }
        }
    }
    Ok(())
}

/// `UID FETCH uid items`, timed as `metric`: each answer for `uid` is offered to `take`; an
/// answer for another message, or one `take` declines, is a flag notice returned for the map.
/// A NO or BAD fails in the server's words, as `what`.
async fn fetch_uid(
    session: &mut Session,
    uid: u32,
    items: &str,
    metric: &'static str,
    what: &'static str,
    mut take: impl FnMut(&Fetch) -> bool,
) -> Result<Vec<Change>, Error> {
    timed(metric, async {
        let mut stream = session
            .uid_fetch(uid.to_string(), items)
            .await
            .map_err(|e| imap_error(what, e))?;
        let mut changes = Vec::new();
        while let Some(fetch) = stream.try_next().await.map_err(|e| imap_error(what, e))? {
            if !(fetch.uid == Some(uid) && take(&fetch)) {
                changes.push(Change::Flags {
                    seq: fetch.message,
                    uid: fetch.uid,
                    flags: rows::flags_of(&fetch),
                });
            }
        }
        drop(stream);
        refused(session.get_mut(), what)?;
        Ok(changes)
    })
    .await
}

/// `UID FETCH uid BODY.PEEK[]`: the raw message, without setting \Seen.
pub async fn message(session: &mut Session, uid: u32) -> Result<(Vec<u8>, Vec<Change>), Error> {
    let mut raw = None;
    let changes = fetch_uid(
        session,
        uid,
        "BODY.PEEK[]",
        "fetch message",
        "fetch message",
        |f| f.body().map(|body| raw = Some(body.to_vec())).is_some(),
    )
    .await?;
    Ok((raw.ok_or_else(gone)?, changes))
}

/// `UID FETCH uid (BODYSTRUCTURE)`: what to fetch to show the message without the parts it
/// can leave out, or `None` when it should be downloaded whole (also when the server sends no
/// structure, or no answer at all: the whole download then says whether the message is gone).
pub async fn plan(
    session: &mut Session,
    uid: u32,
) -> Result<(Option<parts::Plan>, Vec<Change>), Error> {
    let mut plan = None;
    let changes = fetch_uid(
        session,
        uid,
        "BODYSTRUCTURE",
        "fetch structure",
        "fetch message",
        |f| {
            f.bodystructure()
                .map(|structure| plan = parts::plan(structure))
                .is_some()
        },
    )
    .await?;
    Ok((plan, changes))
}

/// The message rebuilt from the sections `plan` chooses (one UID FETCH), with the parts it
/// left out; `None` when the server did not return every section asked for.
pub async fn partial(
    session: &mut Session,
    uid: u32,
    plan: &parts::Plan,
) -> Result<(Option<(Vec<u8>, Skipped)>, Vec<Change>), Error> {
    let mut got = parts::Sections::new();
    let changes = fetch_uid(
        session,
        uid,
        &plan.items(),
        "fetch message parts",
        "fetch message",
        |f| {
            // A section the server answered NIL for, or left out, stays missing.
            let mut any = false;
            for key in plan.wanted() {
                if let Some(data) = f.section(&parts::section_path(key)) {
                    any = true;
                    got.insert(key.clone(), data.to_vec());
                }
            }
            any
        },
    )
    .await?;
    Ok((parts::rebuild(plan, &got), changes))
}

/// `UID FETCH uid BODY.PEEK[section]`: one part's content, in its transfer encoding (an
/// attachment the user asked for). Notices met meanwhile are left to the session that owns
/// the open folder (this runs on a connection of its own).
pub async fn section(session: &mut Session, uid: u32, section: &str) -> Result<Vec<u8>, Error> {
    let path = parts::parse_section(section)
        .ok_or_else(|| Error::new(ErrorKind::NotFound, "no such part in this message"))?;
    let name = parts::section_name(&path, parts::Kind::Content);
    let wanted = SectionPath::Part(path, None);
    let mut content = None;
    fetch_uid(
        session,
        uid,
        &format!("BODY.PEEK[{name}]"),
        "fetch part",
        "fetch attachment",
        |f| {
            f.section(&wanted)
                .map(|data| content = Some(data.to_vec()))
                .is_some()
        },
    )
    .await?;
    content.ok_or_else(gone)
}

fn gone() -> Error {
    Error::new(
        ErrorKind::NotFound,
        "the message is no longer on the server",
    )
}

/// `UID FETCH set (UID FLAGS)`: the flags of a range of messages.
pub async fn flags(session: &mut Session, set: &str) -> Result<Vec<(u32, Flags)>, Error> {
    flags_since(session, set, None).await
}

/// `UID FETCH set (UID FLAGS)`, with `(CHANGEDSINCE modseq)` (RFC 7162 3.1.4) when `since` is
/// given: then only the messages changed since that modseq answer.
pub async fn flags_since(
    session: &mut Session,
    set: &str,
    since: Option<u64>,
) -> Result<Vec<(u32, Flags)>, Error> {
    let items = match since {
        Some(modseq) => format!("(UID FLAGS) (CHANGEDSINCE {modseq})"),
        None => "(UID FLAGS)".to_string(),
    };
    timed("fetch flags", async {
        let mut stream = session
            .uid_fetch(set, items)
            .await
            .map_err(|e| imap_error("fetch flags", e))?;
        let mut out = Vec::new();
        while let Some(fetch) = stream
            .try_next()
            .await
            .map_err(|e| imap_error("fetch flags", e))?
        {
            if let Some(uid) = fetch.uid {
                out.push((uid, rows::flags_of(&fetch)));
            }
        }
        drop(stream);
        refused(session.get_mut(), "fetch flags")?;
        Ok(out)
    })
    .await
}

/// `UID SEARCH ALL`, ascending.
pub async fn all_uids(session: &mut Session) -> Result<Vec<u32>, Error> {
    let set = timed("uid search", session.uid_search("ALL"))
        .await
        .map_err(|e| imap_error("list message ids", e))?;
    // A refused SEARCH must not read as an empty folder: every message would seem gone.
    refused(session.get_mut(), "list message ids")?;
    let mut uids: Vec<u32> = set.into_iter().collect();
    uids.sort_unstable();
    Ok(uids)
}

/// What async-imap set aside while commands ran. `true` when its queue was full, so that
/// notices may have been dropped and the folder must be checked with UID SEARCH.
pub fn drain_unsolicited(session: &mut Session, into: &mut Vec<Change>) -> bool {
    let full = session.unsolicited_responses.is_full();
    while let Ok(response) = session.unsolicited_responses.try_recv() {
        if let Some(change) = change_of_unsolicited(&response) {
            into.push(change);
        }
    }
    full
}
