//! The folder pane's counts: how many messages each folder holds and how many are unread.
//! After each folder list, one `LIST "" "*" RETURN (STATUS (MESSAGES UNSEEN))` where the
//! server offers LIST-STATUS (RFC 5819), then `STATUS` for what that did not cover (other
//! namespaces, or every folder without it), a few folders per step of the actor, so that
//! commands from the reader never wait long behind them. A move or copy queues its folders
//! again. The open folder is never asked (RFC 3501 6.3.10 advises against STATUS on it, and
//! its list is its count).

use super::actor::{Actor, Fault};
use super::errors::is_connection_error;
use super::select::quote;
use super::tagged;
use crate::error::{Error, ErrorKind};
use crate::mail::{Folder, SourceEvent};

/// Folders asked with STATUS in one step.
const PER_STEP: usize = 8;
/// How long counting waits for the reader's first folder.
const FIRST_FOLDER_GRACE: std::time::Duration = std::time::Duration::from_millis(500);

impl Actor {
    /// Queues every selectable folder of a fresh list for counting.
    pub(super) fn queue_counts(&mut self, list: &[Folder]) {
        self.counts_todo = list
            .iter()
            .filter(|f| f.selectable && !f.name.is_empty())
            .map(|f| f.name.clone())
            .collect();
        self.list_status_due = self.caps.list_status;
    }

    /// Queues a folder whose counts changed (the target of a move), first in line.
    pub(super) fn recount(&mut self, name: &str) {
        self.counts_todo.retain(|n| n != name);
        self.counts_todo.push_front(name.to_owned());
    }

    /// Whether counting has work left.
    pub(super) fn counts_due(&self) -> bool {
        self.list_status_due || !self.counts_todo.is_empty()
    }

    /// Before the first count: the reader opens INBOX as it starts (the header cache's front
    /// asks a moment later, once it has read the kept rows), and that SELECT must not queue
    /// behind a LIST-STATUS. Until a folder was asked for, a command is waited for a moment
    /// (and served) before counting starts.
    pub(super) async fn count_step_or_first_folder(&mut self) -> Result<(), Fault> {
        if !self.folder_asked {
            self.folder_asked = true;
            let command = tokio::select! {
                cmd = self.commands.recv() => cmd,
                _ = tokio::time::sleep(FIRST_FOLDER_GRACE) => return Ok(()),
            };
            return match command {
                Some(cmd) => self.handle(cmd).await,
                None => Err(Fault::Stop),
            };
        }
        self.count_step().await
    }

    /// One step of counting.
    pub(super) async fn count_step(&mut self) -> Result<(), Fault> {
        let open = self.open.as_ref().map(|o| o.name.clone());
        let mut changes = Vec::new();
        let mut counts = Vec::new();
        let list_status = std::mem::take(&mut self.list_status_due);
        let session = self
            .session
            .as_mut()
            .ok_or_else(|| Fault::Conn(Error::new(ErrorKind::Network, "not connected")))?;
        if list_status {
            let command = "LIST \"\" \"*\" RETURN (STATUS (MESSAGES UNSEEN))".to_owned();
            match tagged::run(session, command, "list folders", 0).await {
                Ok(answer) => {
                    changes.extend(answer.changes);
                    counts = answer.counts;
                }
                Err(e) if is_connection_error(&e) => return Err(Fault::Conn(e)),
                // STATUS, folder by folder, instead.
                Err(e) => {
                    tracing::info!(target: "sealmail::imap", "LIST-STATUS refused: {}", e.summary)
                }
            }
            self.counts_todo
                .retain(|name| !counts.iter().any(|(counted, _)| counted == name));
        } else {
            let batch: Vec<String> = (0..PER_STEP)
                .map_while(|_| self.counts_todo.pop_front())
                .collect();
            for (i, name) in batch.iter().enumerate() {
                if open.as_deref() == Some(name.as_str()) {
                    continue;
                }
                let Some(quoted) = quote(name) else {
                    continue;
                };
                let command = format!("STATUS {quoted} (MESSAGES UNSEEN)");
                match tagged::run(session, command, "status", 0).await {
                    Ok(answer) => {
                        changes.extend(answer.changes);
                        // Named as asked: servers echo the name, but in their own spelling.
                        counts.extend(answer.counts.into_iter().map(|(_, c)| (name.clone(), c)));
                    }
                    Err(e) if is_connection_error(&e) => {
                        // Counted after the reconnect's fresh list.
                        self.counts_todo.extend(batch.into_iter().skip(i));
                        return Err(Fault::Conn(e));
                    }
                    // A folder that cannot be counted (no right to read it) shows none.
                    Err(_) => {}
                }
            }
        }
        self.apply_changes(changes).await?;
        counts.retain(|(name, _)| open.as_deref() != Some(name.as_str()));
        if counts.is_empty() {
            return Ok(());
        }
        self.emit(SourceEvent::FolderCounts(counts)).await
    }
}
