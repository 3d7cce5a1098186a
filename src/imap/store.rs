//! `UID STORE` of one flag, read response by response ([`tagged::run`]): async-imap's
//! `uid_store` ends its stream at the tagged reply whatever its status, so a `NO Permission
//! denied` read as success; here NO and BAD are errors with the server's words.

use super::connect::Session;
use super::mailbox::Change;
use super::tagged;
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
    let sign = if on { '+' } else { '-' };
    let command = format!("UID STORE {uid} {sign}FLAGS ({})", flag.imap_name());
    let answer = tagged::run(session, command, "set flag", 1).await?;
    let mut now = None;
    let mut changes = Vec::new();
    for change in answer.changes {
        match change {
            Change::Flags {
                uid: Some(u),
                flags,
                ..
            } if u == uid => now = Some(flags),
            other => changes.push(other),
        }
    }
    Ok((now, changes))
}
