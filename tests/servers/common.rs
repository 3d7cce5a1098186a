//! What the cross-server tests share: the reader's view of the open folder rebuilt from its
//! events (as `app::update` applies them), and LIST lines read back from a raw session.

use std::collections::BTreeSet;
use std::time::Duration;

use sealmail::mail::SourceEvent;

use crate::common::Reader;

/// The message list as the reader's events build it: rows in, expunged rows out, with the
/// total the actor last reported, and a log of every event for failure messages.
#[derive(Debug, Default)]
pub struct View {
    pub uids: BTreeSet<u32>,
    pub total: u32,
    pub loaded: bool,
    pub log: Vec<String>,
}

impl View {
    /// Applies one event of the actor for `folder` opened with request `req`.
    pub fn apply(&mut self, req: u64, folder: &str, event: SourceEvent) {
        let line = match event {
            SourceEvent::FolderOpened { req: r, total, .. } if r == req => {
                self.total = total;
                format!("FolderOpened total={total}")
            }
            SourceEvent::Rows {
                req: r,
                rows,
                loaded,
                total,
            } if r == req => {
                self.total = total;
                let uids: Vec<u32> = rows.iter().map(|row| row.uid).collect();
                self.uids.extend(&uids);
                format!("Rows loaded={loaded} total={total} uids={}", ranges(&uids))
            }
            SourceEvent::FolderLoaded { req: r, total } if r == req => {
                self.total = total;
                self.loaded = true;
                format!("FolderLoaded total={total}")
            }
            SourceEvent::NewRows {
                folder: f,
                rows,
                total,
            } if f == folder => {
                self.total = total;
                let uids: Vec<u32> = rows.iter().map(|row| row.uid).collect();
                self.uids.extend(&uids);
                format!("NewRows total={total} uids={}", ranges(&uids))
            }
            SourceEvent::Expunged {
                folder: f,
                uids,
                total,
            } if f == folder => {
                self.total = total;
                for uid in &uids {
                    self.uids.remove(uid);
                }
                format!("Expunged total={total} uids={}", ranges(&uids))
            }
            SourceEvent::FlagsChanged { .. } => return,
            other => format!("{other:?}"),
        };
        self.log.push(line);
    }

    /// Applies events until the view holds exactly `server` (sorted UIDs) with that total;
    /// panics after `timeout` with the difference and the events seen.
    pub async fn settle(
        &mut self,
        reader: &mut Reader,
        req: u64,
        folder: &str,
        server: &[u32],
        timeout: Duration,
        context: &str,
    ) {
        if let Err(why) = self
            .try_settle(reader, req, folder, server, timeout, context)
            .await
        {
            panic!("{why}");
        }
    }

    /// [`View::settle`] that returns the failure instead of panicking.
    pub async fn try_settle(
        &mut self,
        reader: &mut Reader,
        req: u64,
        folder: &str,
        server: &[u32],
        timeout: Duration,
        context: &str,
    ) -> Result<(), String> {
        let want: BTreeSet<u32> = server.iter().copied().collect();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if self.loaded && self.uids == want && self.total as usize == want.len() {
                return Ok(());
            }
            match tokio::time::timeout_at(deadline, reader.events.recv()).await {
                Ok(Some(event)) => self.apply(req, folder, event),
                Ok(None) => return Err(format!("{context}: the actor stopped")),
                Err(_) => {
                    let missing: Vec<u32> = want.difference(&self.uids).copied().collect();
                    let extra: Vec<u32> = self.uids.difference(&want).copied().collect();
                    return Err(format!(
                        "{context}: after {timeout:?} the reader's list is not the server's.\n\
                         loaded: {}, reader total: {}, server holds {} messages\n\
                         on the server, missing from the list: {}\n\
                         in the list, gone from the server: {}\n\
                         events:\n  {}",
                        self.loaded,
                        self.total,
                        want.len(),
                        ranges(&missing),
                        ranges(&extra),
                        self.log.join("\n  ")
                    ));
                }
            }
        }
    }
}

/// `1:5,7,9:10`: a compact, sorted rendering of a UID list (for messages).
pub fn ranges(uids: &[u32]) -> String {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}:{end}")
        });
        i += 1;
    }
    if out.is_empty() {
        "(none)".into()
    } else {
        out.join(",")
    }
}

/// The mailbox names and attributes of `* LIST` lines: `(attributes, name)`, the name
/// unquoted.
pub fn list_entries(lines: &[String]) -> Vec<(String, String)> {
    lines
        .iter()
        .filter_map(|line| {
            let rest = line.strip_prefix("* LIST (")?;
            let (attributes, rest) = rest.split_once(") ")?;
            // the delimiter: "." or NIL
            let rest = rest.trim_start();
            let name = if let Some(quoted) = rest.strip_prefix('"') {
                let (_, after) = quoted.split_once("\" ")?;
                after
            } else {
                rest.split_once(' ')?.1
            };
            let name = name
                .strip_prefix('"')
                .and_then(|n| n.strip_suffix('"'))
                .map(|n| n.replace("\\\"", "\"").replace("\\\\", "\\"))
                .unwrap_or_else(|| name.to_owned());
            Some((attributes.to_owned(), name))
        })
        .collect()
}
