//! `UID STORE` of one flag, read response by response. async-imap's `uid_store` ends its
//! stream at the tagged reply whatever its status, so a `NO Permission denied` read as
//! success; here NO and BAD are errors with the server's words.

use std::io;

use async_imap::error::Error as ImapError;
use async_imap::imap_proto::{Response, Status};

use super::connect::Session;
use super::errors::imap_error;
use super::mailbox::{Change, change_of};
use super::metrics::timed;
use crate::error::Error;
use crate::mail::Flags;

/// `UID STORE uid ±FLAGS (flag)`: the flags the server reports for `uid` afterwards (if it
/// does), and every other notice met meanwhile, in order.
pub async fn store(
    session: &mut Session,
    uid: u32,
    flag: Flags,
    on: bool,
) -> Result<(Option<Flags>, Vec<Change>), Error> {
    let failed = |e| imap_error("set flag", e);
    timed("store flags", async {
        let sign = if on { '+' } else { '-' };
        let tag = session
            .run_command(format!(
                "UID STORE {uid} {sign}FLAGS ({})",
                flag.imap_name()
            ))
            .await
            .map_err(failed)?;
        let mut now = None;
        let mut changes = Vec::new();
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
                    return match status {
                        Status::Ok => Ok((now, changes)),
                        Status::No => Err(failed(ImapError::No(format!("outcome: {outcome:?}")))),
                        Status::Bad => Err(failed(ImapError::Bad(format!("outcome: {outcome:?}")))),
                        _ => Err(failed(ImapError::Io(io::Error::other(format!(
                            "status: {status:?}, outcome: {outcome:?}"
                        ))))),
                    };
                }
                parsed => match change_of(parsed) {
                    Some(Change::Flags {
                        uid: Some(u),
                        flags,
                        ..
                    }) if u == uid => now = Some(flags),
                    Some(change) => changes.push(change),
                    None => {}
                },
            }
        }
    })
    .await
}
