//! Creating, renaming and deleting folders: CREATE, RENAME and DELETE with the name spelled
//! as the server wants it (the personal namespace's prefix, its hierarchy delimiter between
//! levels, each level in modified UTF-7), then the folder list again. INBOX is never deleted
//! or renamed (RENAME of INBOX moves its messages, RFC 3501 6.3.5: not what a user means).

use futures::TryStreamExt;

use super::actor::{Actor, Fault};
use super::errors::{imap_error, is_connection_error};
use super::select::quote;
use super::tagged;
use crate::error::{Error, ErrorKind};
use crate::mail::{FolderChange, ReqId, Section, SourceCommand, SourceEvent, mutf7};

impl Actor {
    pub(super) async fn change_folder(
        &mut self,
        req: ReqId,
        change: FolderChange,
    ) -> Result<(), Fault> {
        let result = self.run_change(&change).await;
        match result {
            Err(e) if is_connection_error(&e) => {
                self.deferred
                    .push_front(SourceCommand::ChangeFolder { req, change });
                Err(Fault::Conn(e))
            }
            Err(e) => {
                self.emit(SourceEvent::FolderChanged {
                    req,
                    error: Some(e.to_string()),
                })
                .await
            }
            Ok(()) => {
                self.emit(SourceEvent::FolderChanged { req, error: None })
                    .await?;
                self.list_folders().await
            }
        }
    }

    async fn run_change(&mut self, change: &FolderChange) -> Result<(), Error> {
        let command = match change {
            FolderChange::Create { path } => {
                format!("CREATE {}", quoted(&self.server_name(path).await?)?)
            }
            FolderChange::Rename { from, path } => {
                refuse_inbox(from, "renamed")?;
                let to = self.server_name(path).await?;
                format!("RENAME {} {}", quoted(from)?, quoted(&to)?)
            }
            FolderChange::Delete { name } => {
                refuse_inbox(name, "deleted")?;
                if self.open.as_ref().is_some_and(|o| o.name == *name) {
                    // Out of it first: some servers refuse to delete the selected folder.
                    let session = self.session_or_error()?;
                    let _ = tagged::run(session, "UNSELECT".into(), "delete folder", 0).await;
                    self.open = None;
                }
                format!("DELETE {}", quoted(name)?)
            }
        };
        let what = match change {
            FolderChange::Create { .. } => "create folder",
            FolderChange::Rename { .. } => "rename folder",
            FolderChange::Delete { .. } => "delete folder",
        };
        let session = self.session_or_error()?;
        let answer = tagged::run(session, command, what, 0).await?;
        self.apply_changes(answer.changes)
            .await
            .map_err(|_| Error::new(ErrorKind::Io, "the reader is gone"))
    }

    /// The server's name for a personal folder at `path`.
    async fn server_name(&mut self, path: &[String]) -> Result<String, Error> {
        let personal = self
            .namespaces
            .0
            .iter()
            .find(|ns| ns.section == Section::Personal)
            .cloned();
        let (prefix, delimiter) = match personal {
            Some(ns) => (ns.prefix, ns.delimiter),
            None => (String::new(), self.delimiter().await?),
        };
        if path.len() > 1 && delimiter.is_none() {
            return Err(Error::new(
                ErrorKind::Config,
                "this server keeps no folders inside folders",
            ));
        }
        let mut levels = Vec::with_capacity(path.len());
        for level in path {
            let level = level.trim();
            let bad = level.is_empty()
                || level
                    .chars()
                    .any(|c| c.is_control() || c == '*' || c == '%')
                || delimiter.is_some_and(|d| level.contains(d));
            if bad {
                return Err(Error::new(
                    ErrorKind::Config,
                    format!(
                        "a folder name cannot be empty or hold control characters, * or %{}",
                        delimiter.map_or(String::new(), |d| format!(" or {d}"))
                    ),
                ));
            }
            levels.push(mutf7::encode(level));
        }
        let joined = levels.join(&delimiter.map_or(String::new(), String::from));
        Ok(format!("{prefix}{joined}"))
    }

    /// The hierarchy delimiter, from `LIST "" ""` (RFC 3501 6.3.8).
    async fn delimiter(&mut self) -> Result<Option<char>, Error> {
        let session = self.session_or_error()?;
        let names: Vec<_> = session
            .list(Some(""), Some(""))
            .await
            .map_err(|e| imap_error("list folders", e))?
            .try_collect()
            .await
            .map_err(|e| imap_error("list folders", e))?;
        Ok(names
            .first()
            .and_then(|n| n.delimiter())
            .and_then(|d| d.chars().next()))
    }

    fn session_or_error(&mut self) -> Result<&mut super::connect::Session, Error> {
        self.session
            .as_mut()
            .ok_or_else(|| Error::new(ErrorKind::Network, "not connected"))
    }
}

fn quoted(name: &str) -> Result<String, Error> {
    quote(name).ok_or_else(|| {
        Error::new(
            ErrorKind::Config,
            "that folder name cannot be sent to the server",
        )
    })
}

fn refuse_inbox(name: &str, verb: &str) -> Result<(), Error> {
    if name.eq_ignore_ascii_case("INBOX") {
        return Err(Error::new(
            ErrorKind::Config,
            format!("INBOX cannot be {verb}"),
        ));
    }
    Ok(())
}
