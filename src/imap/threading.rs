//! Threading the open folder ([`SourceCommand::Threads`]): by the server where it offers the
//! algorithm wanted (RFC 5256 `UID THREAD`), else by sealmail over the messages' header
//! fields, fetched a chunk per step so that other commands are served in between, and
//! threaded on the blocking pool.
//!
//! Which server algorithm: `THREAD=REFERENCES` ends with RFC 5256's subject step (Dovecot 2.3
//! and Cyrus 3 both put unrelated messages of one subject in a thread), so it is asked only
//! when the subject fallback is on. Without it, `THREAD=REFS` (the same algorithm without the
//! subject step, offered by Dovecot and Cyrus) matches [`threads::thread`]. A server that
//! offers neither, refuses the command or answers what cannot be read is threaded by the
//! client.
//!
//! A message's header fields never change, so the client keeps what it read of the open
//! folder (while its UIDVALIDITY holds): threading it again after new mail fetches only the
//! new messages' fields.
//!
//! The server's trees carry no dates, so they are ordered by UID, the order of arrival:
//! threads by their highest UID, newest first, and replies by UID ascending. Dates order
//! the client's ([`threads::thread`]); the two agree as far as dates follow arrival.

use std::collections::VecDeque;

use super::actor::{Actor, Fault};
use super::connect::Capabilities;
use super::errors::is_connection_error;
use super::tagged;
use super::thread_reply::parse_thread_data;
use super::uidset::uid_sets;
use crate::error::{Error, ErrorKind};
use crate::mail::thread_input::{FIELDS, thread_input};
use crate::mail::threads::{self, Thread, ThreadInput};
use crate::mail::{ReqId, SourceCommand, SourceEvent, ThreadedBy};

/// Messages whose header fields one FETCH asks for: a command that arrives meanwhile waits
/// for one such chunk at most.
const CHUNK: usize = 5000;

/// The client's threading: the job under way, and what it read of the folder last time.
#[derive(Default)]
pub(super) struct Threading {
    job: Option<ThreadJob>,
    read: Option<ReadBefore>,
}

impl Threading {
    /// A job is under way: [`Actor::thread_step`] has work.
    pub(super) fn busy(&self) -> bool {
        self.job.is_some()
    }
}

/// A threading by the client under way: the UID sets still to fetch, what was read so far.
struct ThreadJob {
    req: ReqId,
    folder: String,
    uid_validity: Option<u32>,
    subject_fallback: bool,
    todo: VecDeque<String>,
    inputs: Vec<ThreadInput>,
}

/// The threading facts of a folder's messages as last read, by UID ascending.
struct ReadBefore {
    folder: String,
    uid_validity: Option<u32>,
    inputs: Vec<ThreadInput>,
}

impl ThreadJob {
    /// The command again, to be served after a reconnect.
    fn command(&self) -> SourceCommand {
        SourceCommand::Threads {
            req: self.req,
            folder: self.folder.clone(),
            subject_fallback: self.subject_fallback,
        }
    }
}

/// The server's algorithm for the threading asked, if it offers one.
fn server_algorithm(caps: Capabilities, subject_fallback: bool) -> Option<&'static str> {
    match subject_fallback {
        true if caps.thread_references => Some("REFERENCES"),
        false if caps.thread_refs => Some("REFS"),
        _ => None,
    }
}

impl Actor {
    /// Serves [`SourceCommand::Threads`]: the server's answer at once, or a client job that
    /// [`Actor::thread_step`] carries on. A newer request replaces a job under way.
    pub(super) async fn threads(
        &mut self,
        req: ReqId,
        folder: String,
        subject_fallback: bool,
    ) -> Result<(), Fault> {
        self.threading.job = None;
        if self.open.as_ref().is_none_or(|o| o.name != folder) {
            return self.thread_failed(req, folder, not_open()).await;
        }
        if let Some(algorithm) = server_algorithm(self.caps, subject_fallback) {
            let command = format!("UID THREAD {algorithm} UTF-8 ALL");
            let session = self.session()?;
            match tagged::run(session, command, "thread", 0).await {
                Ok(answer) => {
                    let mut changes = answer.changes;
                    super::fetch::drain_unsolicited(session, &mut changes);
                    self.apply_changes(changes).await?;
                    match parse_thread_data(answer.thread.as_deref().unwrap_or_default()) {
                        Ok(nodes) => {
                            let result = tokio::task::spawn_blocking(move || from_server(nodes))
                                .await
                                .map_err(|e| format!("threading failed: {e}"));
                            return self
                                .emit(SourceEvent::Threads {
                                    req,
                                    folder,
                                    result,
                                    by: ThreadedBy::Server,
                                })
                                .await;
                        }
                        Err(e) => {
                            tracing::info!(target: "sealmail::imap", "threading here instead: {e}");
                        }
                    }
                }
                Err(e) if is_connection_error(&e) => {
                    self.deferred.push_front(SourceCommand::Threads {
                        req,
                        folder,
                        subject_fallback,
                    });
                    return Err(Fault::Conn(e));
                }
                Err(e) => {
                    tracing::info!(target: "sealmail::imap", "THREAD refused, threading here: {}", e.summary);
                }
            }
        }
        self.start_client_threading(req, folder, subject_fallback)
            .await
    }

    /// Lists the folder's UIDs and leaves the fetching of the header fields not read before
    /// to [`Actor::thread_step`].
    async fn start_client_threading(
        &mut self,
        req: ReqId,
        folder: String,
        subject_fallback: bool,
    ) -> Result<(), Fault> {
        let caps = self.caps;
        let command = if caps.esearch {
            "UID SEARCH RETURN (ALL) ALL"
        } else {
            "UID SEARCH ALL"
        };
        let session = self.session()?;
        let mut answer = match tagged::run(session, command.into(), "thread", 0).await {
            Ok(answer) => answer,
            Err(e) if is_connection_error(&e) => {
                self.deferred.push_front(SourceCommand::Threads {
                    req,
                    folder,
                    subject_fallback,
                });
                return Err(Fault::Conn(e));
            }
            Err(e) => return self.thread_failed(req, folder, e).await,
        };
        let found = super::search::found_uids(&mut answer);
        let mut changes = answer.changes;
        super::fetch::drain_unsolicited(session, &mut changes);
        let Some(uids) = found else {
            self.apply_changes(changes).await?;
            let e = Error::new(
                ErrorKind::Protocol,
                "the server's list of messages could not be read",
            );
            return self.thread_failed(req, folder, e).await;
        };
        let uid_validity = self.open.as_ref().and_then(|o| o.uid_validity);
        let mut inputs = match self.threading.read.take() {
            Some(read) if read.folder == folder && read.uid_validity == uid_validity => read.inputs,
            _ => Vec::new(),
        };
        inputs.retain(|m| uids.binary_search(&m.uid).is_ok());
        inputs.reserve(uids.len().saturating_sub(inputs.len()));
        let new: Vec<u32> = uids
            .into_iter()
            .filter(|uid| inputs.binary_search_by_key(uid, |m| m.uid).is_err())
            .collect();
        let todo = new
            .chunks(CHUNK)
            .flat_map(uid_sets)
            .map(|set| set.text)
            .collect();
        self.threading.job = Some(ThreadJob {
            req,
            folder,
            uid_validity,
            subject_fallback,
            todo,
            inputs,
        });
        self.apply_changes(changes).await
    }

    /// One step of the client's threading: the header fields of the next chunk, or, when all
    /// are read, the threading itself (on the blocking pool) and the answer.
    pub(super) async fn thread_step(&mut self) -> Result<(), Fault> {
        let Some(mut job) = self.threading.job.take() else {
            return Ok(());
        };
        if self.open.as_ref().is_none_or(|o| o.name != job.folder) {
            return self.thread_failed(job.req, job.folder, not_open()).await;
        }
        let Some(set) = job.todo.pop_front() else {
            let (fallback, mut inputs) = (job.subject_fallback, std::mem::take(&mut job.inputs));
            let threaded = tokio::task::spawn_blocking(move || {
                // A message answered twice (a FETCH of its own meanwhile) counts once.
                inputs.sort_by_key(|m| m.uid);
                inputs.dedup_by_key(|m| m.uid);
                (threads::thread(&inputs, fallback), inputs)
            })
            .await;
            let result = match threaded {
                Ok((forest, inputs)) => {
                    self.threading.read = Some(ReadBefore {
                        folder: job.folder.clone(),
                        uid_validity: job.uid_validity,
                        inputs,
                    });
                    Ok(forest)
                }
                Err(e) => Err(format!("threading failed: {e}")),
            };
            return self
                .emit(SourceEvent::Threads {
                    req: job.req,
                    folder: job.folder,
                    result,
                    by: ThreadedBy::Client,
                })
                .await;
        };
        let command = format!("UID FETCH {set} (UID BODY.PEEK[HEADER.FIELDS ({FIELDS})])");
        let session = self.session()?;
        let answer = match tagged::run(session, command, "thread headers", 0).await {
            Ok(answer) => answer,
            Err(e) if is_connection_error(&e) => {
                // Asked again after the reconnect; what was read so far is not read again.
                self.deferred.push_front(job.command());
                let mut inputs = job.inputs;
                inputs.sort_by_key(|m| m.uid);
                inputs.dedup_by_key(|m| m.uid);
                self.threading.read = Some(ReadBefore {
                    folder: job.folder,
                    uid_validity: job.uid_validity,
                    inputs,
                });
                return Err(Fault::Conn(e));
            }
            Err(e) => return self.thread_failed(job.req, job.folder, e).await,
        };
        let mut changes = answer.changes;
        super::fetch::drain_unsolicited(session, &mut changes);
        let fetched = answer.fetched;
        let inputs = tokio::task::spawn_blocking(move || {
            fetched
                .iter()
                .filter_map(|f| Some(thread_input(f.uid, f.section.as_deref()?, 0)))
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default();
        job.inputs.extend(inputs);
        self.threading.job = Some(job);
        self.apply_changes(changes).await
    }

    async fn thread_failed(&self, req: ReqId, folder: String, error: Error) -> Result<(), Fault> {
        self.emit(SourceEvent::Threads {
            req,
            folder,
            result: Err(error.to_string()),
            by: ThreadedBy::Client,
        })
        .await
    }
}

fn not_open() -> Error {
    Error::new(ErrorKind::NotFound, "the folder threaded is no longer open")
}

/// The server's threads in the forest's order: by highest UID, newest first.
fn from_server(nodes: Vec<Thread>) -> Vec<Thread> {
    let mut forest: Vec<(u32, Thread)> = nodes.into_iter().map(convert).collect();
    forest.sort_by_key(|(highest, _)| std::cmp::Reverse(*highest));
    forest.into_iter().map(|(_, thread)| thread).collect()
}

/// One server tree as a thread with its replies by UID ascending, and its highest UID.
/// Walked with an explicit stack, so a chain of any length is safe.
fn convert(mut root: Thread) -> (u32, Thread) {
    let mut highest = root.uid;
    let fallback = root.uid;
    let mut stack = vec![(
        Thread::leaf(root.uid),
        std::mem::take(&mut root.children).into_iter(),
    )];
    while let Some((_, pending)) = stack.last_mut() {
        if let Some(mut child) = pending.next() {
            highest = highest.max(child.uid);
            let replies = std::mem::take(&mut child.children);
            stack.push((Thread::leaf(child.uid), replies.into_iter()));
            continue;
        }
        let Some((mut done, _)) = stack.pop() else {
            break;
        };
        done.children.sort_by_key(|t| t.uid);
        match stack.last_mut() {
            Some((parent, _)) => parent.children.push(done),
            None => return (highest, done),
        }
    }
    (highest, Thread::leaf(fallback))
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn forest(data: &str) -> Vec<Thread> {
        from_server(parse_thread_data(data.as_bytes()).expect("thread data"))
    }

    #[test]
    fn server_trees_are_ordered_by_uid() {
        // A list without a root (`((9)(1))`, the parent missing) is rooted at its first.
        let got = forest("(2)(3 6 (44 7 96)(4 23))((9)(1))(5 (10)(8))");
        assert_eq!(
            format!("{got:?}"),
            "[Thread(3 [6 [4 [23], 44 [7 [96]]]]), Thread(5 [8, 10]), Thread(9 [1]), Thread(2)]"
        );
        assert!(forest("").is_empty());
    }

    #[test]
    fn a_very_long_chain_converts() {
        let n = 9_000;
        let data = format!(
            "({})",
            (1..=n).map(|u| u.to_string()).collect::<Vec<_>>().join(" ")
        );
        let got = forest(&data);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].outline().count(), n);
        assert_eq!(got[0].outline().last(), Some((n - 1, n as u32)));
    }

    #[test]
    fn the_algorithm_follows_the_subject_fallback() {
        let both = Capabilities {
            thread_references: true,
            thread_refs: true,
            ..Capabilities::default()
        };
        assert_eq!(server_algorithm(both, false), Some("REFS"));
        assert_eq!(server_algorithm(both, true), Some("REFERENCES"));
        let references = Capabilities {
            thread_references: true,
            ..Capabilities::default()
        };
        // REFERENCES would group by subject: without the fallback the client threads.
        assert_eq!(server_algorithm(references, false), None);
        assert_eq!(server_algorithm(Capabilities::default(), true), None);
    }
}
