//! Driving the IMAP actor in tests: start it for a test user, send commands, wait for events
//! with timeouts.

use std::path::Path;
use std::time::Duration;

use std::sync::Arc;

use async_imap::imap_proto::BodyStructure;
use base64::Engine;
use sealmail::imap::{self, Auth, ImapSettings, Traffic};
use sealmail::mail::{ConnectionState, LoadedMessage, Row, SourceCommand, SourceEvent};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How long any single expected event may take (generous: the CI machine is shared).
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(30);

pub struct Reader {
    pub commands: mpsc::Sender<SourceCommand>,
    pub events: mpsc::Receiver<SourceEvent>,
    pub handle: JoinHandle<()>,
}

pub fn settings(url: &str, user: &str, password: &str, ca: Option<&Path>) -> ImapSettings {
    let mut settings =
        ImapSettings::from_url(url, user, Auth::Password(password.into())).expect("valid URL");
    settings.ca_file = ca.map(Path::to_path_buf);
    settings
}

impl Reader {
    pub fn start(settings: ImapSettings) -> Reader {
        let (commands, command_rx) = mpsc::channel(16);
        let (event_tx, events) = mpsc::channel(256);
        let handle = imap::spawn(settings, command_rx, event_tx);
        Reader {
            commands,
            events,
            handle,
        }
    }

    /// [`Reader::start`] with every connection's bytes counted into the returned `Traffic`.
    pub fn start_counted(settings: ImapSettings) -> (Reader, Arc<Traffic>) {
        let traffic = Arc::new(Traffic::default());
        let (commands, command_rx) = mpsc::channel(16);
        let (event_tx, events) = mpsc::channel(256);
        let handle = imap::spawn_counted(settings, command_rx, event_tx, traffic.clone());
        let reader = Reader {
            commands,
            events,
            handle,
        };
        (reader, traffic)
    }

    pub async fn send(&self, command: SourceCommand) {
        self.commands
            .send(command)
            .await
            .expect("the actor takes commands");
    }

    /// The next event, failing the test after `EVENT_TIMEOUT`.
    pub async fn next(&mut self) -> SourceEvent {
        match tokio::time::timeout(EVENT_TIMEOUT, self.events.recv()).await {
            Ok(Some(event)) => event,
            Ok(None) => panic!("the actor stopped"),
            Err(_) => panic!("no event within {EVENT_TIMEOUT:?}"),
        }
    }

    /// Skips events until `pick` returns something; panics on `Failed` unless `pick` takes it.
    pub async fn wait_for<T>(
        &mut self,
        what: &str,
        mut pick: impl FnMut(SourceEvent) -> Option<T>,
    ) -> T {
        let deadline = tokio::time::Instant::now() + EVENT_TIMEOUT;
        loop {
            let event = match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(event)) => event,
                Ok(None) => panic!("the actor stopped while waiting for {what}"),
                Err(_) => panic!("no {what} within {EVENT_TIMEOUT:?}"),
            };
            if let Some(found) = pick(event) {
                return found;
            }
        }
    }

    /// Waits until the actor is online; returns whether it reported an insecure link.
    pub async fn online(&mut self) -> bool {
        loop {
            match self.next().await {
                SourceEvent::Connection(ConnectionState::Online { insecure, live }) => {
                    assert_eq!(live, "IDLE", "Dovecot offers IDLE");
                    return insecure;
                }
                SourceEvent::Connection(ConnectionState::Connecting) => {}
                other => panic!("expected Online, got {other:?}"),
            }
        }
    }

    /// Waits for the connection's end state and returns the failure reason; asserts that the
    /// actor did not retry (no Reconnecting in between).
    pub async fn failed(&mut self) -> String {
        loop {
            match self.next().await {
                SourceEvent::Connection(ConnectionState::Failed { reason }) => return reason,
                SourceEvent::Connection(ConnectionState::Connecting) => {}
                other => panic!("expected Failed without retrying, got {other:?}"),
            }
        }
    }

    /// Opens a folder and collects every row until `FolderLoaded`. Returns the `Rows` events'
    /// row lists in order (so the first window can be told apart) and the total.
    pub async fn open_all(&mut self, folder: &str, req: u64, window: u32) -> (Vec<Vec<Row>>, u32) {
        self.send(SourceCommand::OpenFolder {
            req,
            folder: folder.into(),
            window,
        })
        .await;
        let total = self
            .wait_for("FolderOpened", |e| match e {
                SourceEvent::FolderOpened { req: r, total, .. } if r == req => Some(total),
                _ => None,
            })
            .await;
        let mut chunks = Vec::new();
        loop {
            match self.next().await {
                SourceEvent::Rows { req: r, rows, .. } if r == req => chunks.push(rows),
                SourceEvent::FolderLoaded { req: r, total: t } if r == req => {
                    assert_eq!(t, total, "FolderLoaded total");
                    return (chunks, total);
                }
                SourceEvent::Connection(state) => {
                    panic!("connection changed while loading: {state:?}")
                }
                SourceEvent::Notice(n) => panic!("notice while loading: {n}"),
                _ => {}
            }
        }
    }

    /// Waits until the actor is online, however it learns of new mail; a failure fails the test.
    pub async fn online_any(&mut self) {
        self.wait_for("Online", |e| match e {
            SourceEvent::Connection(ConnectionState::Online { .. }) => Some(()),
            SourceEvent::Connection(ConnectionState::Failed { reason }) => {
                panic!("failed: {reason}")
            }
            _ => None,
        })
        .await;
    }

    /// Asks for message `uid` of INBOX (as request `req`, without marking it seen) and waits
    /// for the answer.
    pub async fn fetch_message(
        &mut self,
        req: u64,
        uid: u32,
    ) -> Result<LoadedMessage, sealmail::error::Error> {
        self.send(SourceCommand::FetchMessage {
            req,
            folder: "INBOX".into(),
            uid,
            mark_seen: false,
        })
        .await;
        self.wait_for("Message", |e| match e {
            SourceEvent::Message { req: r, result } if r == req => Some(result),
            _ => None,
        })
        .await
    }

    /// Asks to open INBOX (request 1) without waiting for its rows.
    pub async fn open_inbox(&self) {
        self.send(SourceCommand::OpenFolder {
            req: 1,
            folder: "INBOX".into(),
            window: 50,
        })
        .await;
    }

    pub async fn shutdown(self) {
        let _ = self.commands.send(SourceCommand::Shutdown).await;
        let _ = tokio::time::timeout(Duration::from_secs(10), self.handle).await;
    }
}

/// A small message for delivery over LMTP.
pub fn message(subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: Carol Example <carol@example.test>\r\nTo: alice@example.test\r\n\
         Subject: {subject}\r\nDate: Tue, 24 Nov 2026 08:00:00 +0000\r\n\
         Message-ID: <{}@example.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        subject.replace(' ', ".")
    )
    .into_bytes()
}

/// `len` bytes that do not compress, the same every run.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Base64 in lines of 76, as mail carries it.
pub fn base64_lines(data: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(data);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 38);
    for chunk in encoded.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push_str("\r\n");
    }
    out
}

pub fn zip_part(boundary: &str, name: &str, data: &[u8]) -> String {
    format!(
        "--{boundary}\r\nContent-Type: application/zip; name=\"{name}\"\r\n\
         Content-Disposition: attachment; filename=\"{name}\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}",
        base64_lines(data)
    )
}

/// [`server_parts`] of the BODYSTRUCTURE in one untagged FETCH line, as a server sent it.
pub fn server_parts_of_line(line: &str) -> Vec<(String, String, u32)> {
    use async_imap::imap_proto::{AttributeValue, Response};
    let line = format!("{}\r\n", line.trim_end());
    let (_, response) = Response::parse(line.as_bytes()).expect("the server's FETCH parses");
    let Response::Fetch(_, attributes) = response else {
        panic!("{line}");
    };
    let structure = attributes
        .iter()
        .find_map(|a| match a {
            AttributeValue::BodyStructure(s) => Some(s),
            _ => None,
        })
        .expect("a BODYSTRUCTURE");
    server_parts(structure)
}

/// The (name or type, type, size) of each part the server's BODYSTRUCTURE lists at the top
/// level of a multipart message, other than its first (text) part.
pub fn server_parts(structure: &BodyStructure<'_>) -> Vec<(String, String, u32)> {
    let BodyStructure::Multipart { bodies, .. } = structure else {
        panic!("a multipart message");
    };
    bodies
        .iter()
        .skip(1)
        .map(|b| {
            let (common, other) = match b {
                BodyStructure::Basic { common, other, .. }
                | BodyStructure::Text { common, other, .. }
                | BodyStructure::Message { common, other, .. } => (common, other),
                BodyStructure::Multipart { .. } => panic!("a leaf or a message"),
            };
            let name = common
                .disposition
                .as_ref()
                .and_then(|d| d.params.as_ref())
                .and_then(|p| p.iter().find(|(k, _)| k.eq_ignore_ascii_case("filename")))
                .map(|(_, v)| v.to_string())
                .unwrap_or_default();
            let mime = format!("{}/{}", common.ty.ty, common.ty.subtype).to_ascii_lowercase();
            (name, mime, other.octets)
        })
        .collect()
}
