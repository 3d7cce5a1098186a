//! One command read response by response up to its tagged reply, whose NO or BAD is an error
//! with the server's words (async-imap's helpers end at the tagged reply whatever it says, or
//! drop its response code). Untagged news met meanwhile is kept, in order, and a `COPYUID`
//! (RFC 4315: where copied or moved messages landed) is read whether the server sends it in
//! an untagged OK (as MOVE does, RFC 6851 4.3) or in the tagged reply.

use std::io;

use async_imap::error::Error as ImapError;
use async_imap::imap_proto::{
    AttributeValue, MailboxDatum, RequestId, Response, ResponseCode, Status, StatusAttribute,
};

use super::connect::Session;
use super::errors::imap_error;
use super::mailbox::{Change, change_of};
use super::metrics::timed;
use super::uidset;
use crate::error::Error;

/// What a command's answer carried besides its OK.
#[derive(Debug, Default)]
pub struct Answer {
    /// `COPYUID`: (UIDs in the folder, UIDs in the target), when the server sent one that
    /// names as many UIDs on each side and no more than the command did.
    pub copy_uid: Option<(Vec<u32>, Vec<u32>)>,
    /// Expunges, flag changes, new mail: for the open folder's map.
    pub changes: Vec<Change>,
    /// `UIDNEXT` of a STATUS answer.
    pub uid_next: Option<u32>,
    /// The counts of each STATUS answer that gave them (mailbox name as the server sent it).
    pub counts: Vec<(String, crate::mail::FolderCount)>,
    /// The UIDs of a SEARCH answer (`UID SEARCH` gives UIDs).
    pub searched: Vec<u32>,
    /// What each FETCH answer with a UID carried.
    pub fetched: Vec<Fetched>,
    /// The data of each `ESEARCH` answer (RFC 4731), unparsed.
    pub esearch: Vec<Vec<u8>>,
    /// The data of a `THREAD` answer (RFC 5256), unparsed.
    pub thread: Option<Vec<u8>>,
}

/// One message's FETCH answer: the items the transfer's recovery asks for.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Fetched {
    pub uid: u32,
    /// The body section asked for (a header field), when there was one.
    pub section: Option<Vec<u8>>,
    /// `INTERNALDATE`, as the server wrote it.
    pub internal_date: Option<String>,
    /// `RFC822.SIZE`.
    pub size: Option<u32>,
}

/// Runs `command` (`what` names it in errors and metrics, with no user data); `sent` is how
/// many UIDs it names, the bound on a `COPYUID` read back.
pub async fn run(
    session: &mut Session,
    command: String,
    what: &'static str,
    sent: usize,
) -> Result<Answer, Error> {
    timed(what, async {
        let tag = session
            .run_command(command)
            .await
            .map_err(|e| imap_error(what, e))?;
        read_answer(session, &tag, what, sent, Vec::new()).await
    })
    .await
}

/// A piece of a command: text as it is written, or a string sent as a literal (RFC 3501
/// 4.3: any bytes, such as UTF-8 search text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    Text(String),
    Literal(Vec<u8>),
}

/// The tag of commands written here rather than by the IMAP library: its own prefix, so that
/// it never equals one of the library's.
fn own_tag() -> RequestId {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    RequestId(format!("SML{}", NEXT.fetch_add(1, Ordering::Relaxed)))
}

/// [`run`] for a command with literals. With `literal_plus` (LITERAL+ or LITERAL-) each is
/// sent at once as `{n+}`; otherwise the command stops before each literal until the
/// server's go-ahead (`+`), and a refusal meanwhile ends it with the server's words.
pub async fn run_parts(
    session: &mut Session,
    parts: &[Part],
    literal_plus: bool,
    what: &'static str,
) -> Result<Answer, Error> {
    timed(what, async {
        let tag = own_tag();
        let mut changes = Vec::new();
        let mut pending = format!("{} ", tag.0).into_bytes();
        for part in parts {
            match part {
                Part::Text(text) => pending.extend_from_slice(text.as_bytes()),
                Part::Literal(bytes) if literal_plus => {
                    pending.extend_from_slice(format!("{{{}+}}\r\n", bytes.len()).as_bytes());
                    pending.extend_from_slice(bytes);
                }
                Part::Literal(bytes) => {
                    pending.extend_from_slice(format!("{{{}}}\r\n", bytes.len()).as_bytes());
                    write(session, &pending, what).await?;
                    pending.clear();
                    await_go_ahead(session, &tag, what, &mut changes).await?;
                    pending.extend_from_slice(bytes);
                }
            }
        }
        pending.extend_from_slice(b"\r\n");
        write(session, &pending, what).await?;
        read_answer(session, &tag, what, 0, changes).await
    })
    .await
}

/// Writes bytes of a command on the session's stream, flushed.
async fn write(session: &mut Session, bytes: &[u8], what: &'static str) -> Result<(), Error> {
    use tokio::io::AsyncWriteExt;
    let stream = session.get_mut();
    let written = match stream.write_all(bytes).await {
        Ok(()) => stream.flush().await,
        Err(e) => Err(e),
    };
    written.map_err(|e| imap_error(what, ImapError::Io(e)))
}

/// The next response of the session; a closed connection is an error. (A macro: async-imap
/// does not name the response's type.)
macro_rules! next_response {
    ($session:expr, $what:expr) => {
        $session
            .read_response()
            .await
            .map_err(|e| imap_error($what, ImapError::Io(e)))?
            .ok_or_else(|| imap_error($what, ImapError::ConnectionLost))?
    };
}

/// Reads up to the server's go-ahead for a literal; a tagged reply instead ends the command.
/// News met meanwhile (an EXPUNGE, a flag change) is kept in `changes`.
async fn await_go_ahead(
    session: &mut Session,
    tag: &RequestId,
    what: &'static str,
    changes: &mut Vec<Change>,
) -> Result<(), Error> {
    loop {
        let response = next_response!(session, what);
        match response.parsed() {
            Response::Continue { .. } => return Ok(()),
            Response::Done {
                tag: done, outcome, ..
            } if done == tag => {
                return Err(imap_error(
                    what,
                    ImapError::No(format!("outcome: {outcome:?}")),
                ));
            }
            parsed => changes.extend(change_of(parsed)),
        }
    }
}

/// Reads a command's responses up to its tagged reply; `changes` met before (while literals
/// were sent) come first in the answer's.
async fn read_answer(
    session: &mut Session,
    tag: &RequestId,
    what: &'static str,
    sent: usize,
    changes: Vec<Change>,
) -> Result<Answer, Error> {
    let failed = |e| imap_error(what, e);
    {
        let mut answer = Answer {
            changes,
            ..Answer::default()
        };
        loop {
            let response = next_response!(session, what);
            match response.parsed() {
                Response::Done {
                    tag: done,
                    status,
                    outcome,
                } if done == tag => {
                    note_copy_uid(&mut answer, outcome.code.as_ref(), sent);
                    return match status {
                        Status::Ok => Ok(answer),
                        Status::No => Err(failed(ImapError::No(format!("outcome: {outcome:?}")))),
                        Status::Bad => Err(failed(ImapError::Bad(format!("outcome: {outcome:?}")))),
                        _ => Err(failed(ImapError::Io(io::Error::other(format!(
                            "status: {status:?}, outcome: {outcome:?}"
                        ))))),
                    };
                }
                Response::Data {
                    status: Status::Bye,
                    outcome,
                } => {
                    return Err(failed(ImapError::Io(io::Error::other(format!(
                        "status: Bye, outcome: {outcome:?}"
                    )))));
                }
                Response::Data { outcome, .. } => {
                    note_copy_uid(&mut answer, outcome.code.as_ref(), sent);
                }
                Response::MailboxData(MailboxDatum::Status { mailbox, status }) => {
                    let mut count = crate::mail::FolderCount::default();
                    let (mut total, mut unseen) = (false, false);
                    for attribute in status {
                        match attribute {
                            StatusAttribute::UidNext(next) => answer.uid_next = Some(*next),
                            StatusAttribute::Messages(n) => (count.total, total) = (*n, true),
                            StatusAttribute::Unseen(n) => (count.unseen, unseen) = (*n, true),
                            _ => {}
                        }
                    }
                    if total && unseen {
                        answer.counts.push((mailbox.to_string(), count));
                    }
                }
                Response::MailboxData(MailboxDatum::Search(uids)) => {
                    answer.searched.extend(uids);
                }
                Response::MailboxData(MailboxDatum::Esearch(data)) => {
                    answer.esearch.push(data.to_vec());
                }
                Response::MailboxData(MailboxDatum::Thread(data)) => {
                    answer.thread = Some(data.to_vec());
                }
                parsed => {
                    if let Response::Fetch(_, attributes) = parsed {
                        answer.fetched.extend(fetched(attributes));
                    }
                    answer.changes.extend(change_of(parsed));
                }
            }
        }
    }
}

fn fetched(attributes: &[AttributeValue<'_>]) -> Option<Fetched> {
    let mut out = Fetched::default();
    let mut uid = None;
    for attribute in attributes {
        match attribute {
            AttributeValue::Uid(u) => uid = Some(*u),
            AttributeValue::BodySection { data, .. } => {
                out.section = Some(data.as_deref().unwrap_or_default().to_vec());
            }
            AttributeValue::InternalDate(date) => out.internal_date = Some(date.to_string()),
            AttributeValue::Rfc822Size(size) => out.size = Some(*size),
            _ => {}
        }
    }
    out.uid = uid?;
    Some(out)
}

fn note_copy_uid(answer: &mut Answer, code: Option<&ResponseCode<'_>>, sent: usize) {
    if let Some(ResponseCode::CopyUid(_, from, to)) = code
        && let (Some(from), Some(to)) = (uidset::expand(from, sent), uidset::expand(to, sent))
        && from.len() == to.len()
    {
        match answer.copy_uid.as_mut() {
            Some((f, t)) if f.len() + from.len() <= sent => {
                f.extend(from);
                t.extend(to);
            }
            Some(_) => {}
            None => answer.copy_uid = Some((from, to)),
        }
    }
}
