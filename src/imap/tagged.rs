//! One command read response by response up to its tagged reply, whose NO or BAD is an error
//! with the server's words (async-imap's helpers end at the tagged reply whatever it says, or
//! drop its response code). Untagged news met meanwhile is kept, in order, and a `COPYUID`
//! (RFC 4315: where copied or moved messages landed) is read whether the server sends it in
//! an untagged OK (as MOVE does, RFC 6851 4.3) or in the tagged reply.

use std::io;

use async_imap::error::Error as ImapError;
use async_imap::imap_proto::{
    AttributeValue, MailboxDatum, Response, ResponseCode, Status, StatusAttribute,
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
    let failed = |e| imap_error(what, e);
    timed(what, async {
        let tag = session.run_command(command).await.map_err(failed)?;
        let mut answer = Answer::default();
        loop {
            let response = session
                .read_response()
                .await
                .map_err(|e| failed(ImapError::Io(e)))?
                .ok_or_else(|| failed(ImapError::ConnectionLost))?;
            match response.parsed() {
                Response::Done {
                    tag: done,
                    status,
                    outcome,
                } if *done == tag => {
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
                parsed => {
                    if let Response::Fetch(_, attributes) = parsed {
                        answer.fetched.extend(fetched(attributes));
                    }
                    answer.changes.extend(change_of(parsed));
                }
            }
        }
    })
    .await
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
