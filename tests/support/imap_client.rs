//! "Another client": a small raw IMAP client for the harness's second connections (set up
//! folders and ACLs, append, expunge, ask the server for its UID set). It sends what it is
//! told and keeps every line the server answers, so a test can show the server's own words.

use std::path::Path;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::tls::rustls_client_config;

/// A server's complete answer to one command.
#[derive(Clone, Debug)]
pub struct Reply {
    /// The untagged (`* ...`) and continuation lines, without CRLF; literals are inlined.
    pub untagged: Vec<String>,
    /// The tagged line without its tag: `OK ...`, `NO ...` or `BAD ...`.
    pub status: String,
}

impl Reply {
    pub fn is_ok(&self) -> bool {
        self.status.starts_with("OK")
    }
}

/// A logged-in IMAPS connection.
pub struct ImapClient {
    stream: BufReader<TlsStream<TcpStream>>,
    tag: u32,
    /// Every line read so far, for failure messages.
    transcript: Vec<String>,
}

impl ImapClient {
    /// Connects over IMAPS to `127.0.0.1:port` (trusting `ca_pem`, name `localhost`) and logs
    /// in; panics with the server's answer if it cannot.
    pub async fn login(port: u16, ca_pem: &Path, user: &str, password: &str) -> ImapClient {
        let tcp = TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap_or_else(|e| panic!("connect to 127.0.0.1:{port}: {e}"));
        let name = rustls::pki_types::ServerName::try_from("localhost").expect("server name");
        let tls = TlsConnector::from(rustls_client_config(ca_pem))
            .connect(name, tcp)
            .await
            .unwrap_or_else(|e| panic!("TLS to 127.0.0.1:{port}: {e}"));
        let mut client = ImapClient {
            stream: BufReader::new(tls),
            tag: 0,
            transcript: Vec::new(),
        };
        let greeting = client.line().await;
        assert!(greeting.starts_with("* OK"), "greeting: {greeting}");
        client
            .ok(&format!("LOGIN {} {}", quote(user), quote(password)))
            .await;
        client
    }

    /// One line, with any literals it announces read and inlined; `None` at EOF.
    async fn read_line(&mut self) -> Option<String> {
        let mut out = Vec::new();
        loop {
            let mut line = Vec::new();
            let n = match self.stream.read_until(b'\n', &mut line).await {
                Ok(n) => n,
                // Cyrus ends a session after BYE without TLS close_notify
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => 0,
                Err(e) => panic!("read from the IMAP server: {e}"),
            };
            if n == 0 {
                return if out.is_empty() {
                    None
                } else {
                    Some(String::from_utf8_lossy(&out).into_owned())
                };
            }
            while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                line.pop();
            }
            let literal = literal_length(&line);
            out.extend_from_slice(&line);
            match literal {
                Some(len) => {
                    let mut bytes = vec![0u8; len];
                    self.stream
                        .read_exact(&mut bytes)
                        .await
                        .unwrap_or_else(|e| panic!("read a literal of {len} bytes: {e}"));
                    out.extend_from_slice(b"\r\n");
                    out.extend_from_slice(&bytes);
                }
                None => {
                    let text = String::from_utf8_lossy(&out).into_owned();
                    self.transcript.push(text.clone());
                    return Some(text);
                }
            }
        }
    }

    async fn line(&mut self) -> String {
        match self.read_line().await {
            Some(line) => line,
            None => panic!(
                "the IMAP server closed the connection; it said:\n{}",
                self.transcript.join("\n")
            ),
        }
    }

    async fn write(&mut self, bytes: &[u8]) {
        let stream = self.stream.get_mut();
        stream
            .write_all(bytes)
            .await
            .unwrap_or_else(|e| panic!("write to the IMAP server: {e}"));
        stream.flush().await.expect("flush");
    }

    /// Sends `command` (and `literal`, as a non-synchronising `{n+}` literal appended to it)
    /// with a fresh tag; returns the whole answer, whatever its status.
    pub async fn send(&mut self, command: &str, literal: Option<&[u8]>) -> Reply {
        self.tag += 1;
        let tag = format!("h{}", self.tag);
        let mut bytes = format!("{tag} {command}").into_bytes();
        if let Some(literal) = literal {
            bytes.extend_from_slice(format!(" {{{}+}}\r\n", literal.len()).as_bytes());
            bytes.extend_from_slice(literal);
        }
        bytes.extend_from_slice(b"\r\n");
        self.write(&bytes).await;
        let mut untagged = Vec::new();
        loop {
            let line = self.line().await;
            if let Some(status) = line.strip_prefix(&format!("{tag} ")) {
                return Reply {
                    untagged,
                    status: status.to_owned(),
                };
            }
            untagged.push(line);
        }
    }

    /// [`ImapClient::send`] without a literal.
    pub async fn command(&mut self, command: &str) -> Reply {
        self.send(command, None).await
    }

    /// Sends `command`; panics with the server's answer unless it is OK.
    pub async fn ok(&mut self, command: &str) -> Reply {
        let reply = self.command(command).await;
        assert!(reply.is_ok(), "{command:?} failed: {reply:?}");
        reply
    }

    /// SELECT (read-write); returns the answer.
    pub async fn select(&mut self, mailbox: &str) -> Reply {
        self.ok(&format!("SELECT {}", quote(mailbox))).await
    }

    /// APPENDs `raw` (LF line ends become CRLF) with `flags` (e.g. `"(\\Seen)"` or `""`);
    /// returns its UID from the APPENDUID response code (UIDPLUS).
    pub async fn append(&mut self, mailbox: &str, flags: &str, raw: &[u8]) -> u32 {
        let raw = crlf(raw);
        let command = format!("APPEND {} {flags}", quote(mailbox));
        let reply = self.send(command.trim_end(), Some(&raw)).await;
        assert!(reply.is_ok(), "APPEND to {mailbox:?} failed: {reply:?}");
        append_uid(&reply.status).unwrap_or_else(|| panic!("no APPENDUID in {reply:?}"))
    }

    /// APPENDs many messages (each with its flag list or `""`) to one mailbox, pipelined in
    /// batches; returns their UIDs in order.
    pub async fn append_many(&mut self, mailbox: &str, messages: &[(String, Vec<u8>)]) -> Vec<u32> {
        let mut uids = Vec::with_capacity(messages.len());
        for batch in messages.chunks(50) {
            let mut bytes = Vec::new();
            let mut tags = Vec::new();
            for (flags, raw) in batch {
                self.tag += 1;
                let tag = format!("h{}", self.tag);
                let raw = crlf(raw);
                let command = format!("{tag} APPEND {} {flags}", quote(mailbox));
                bytes.extend_from_slice(command.trim_end().as_bytes());
                bytes.extend_from_slice(format!(" {{{}+}}\r\n", raw.len()).as_bytes());
                bytes.extend_from_slice(&raw);
                bytes.extend_from_slice(b"\r\n");
                tags.push(tag);
            }
            self.write(&bytes).await;
            for tag in tags {
                loop {
                    let line = self.line().await;
                    let Some(status) = line.strip_prefix(&format!("{tag} ")) else {
                        continue;
                    };
                    assert!(
                        status.starts_with("OK"),
                        "APPEND to {mailbox:?} failed: {line}"
                    );
                    uids.push(
                        append_uid(status).unwrap_or_else(|| panic!("no APPENDUID in {line}")),
                    );
                    break;
                }
            }
        }
        uids
    }

    /// `UID SEARCH ALL` in the selected mailbox, sorted.
    pub async fn uid_search_all(&mut self) -> Vec<u32> {
        let reply = self.ok("UID SEARCH ALL").await;
        let mut uids: Vec<u32> = reply
            .untagged
            .iter()
            .filter_map(|l| l.strip_prefix("* SEARCH"))
            .flat_map(|rest| rest.split_whitespace().filter_map(|n| n.parse().ok()))
            .collect();
        uids.sort_unstable();
        uids
    }

    /// Marks `uids` \Deleted and removes them with `UID EXPUNGE` (UIDPLUS) in the selected
    /// mailbox; returns the answer (its `* n EXPUNGE` lines).
    pub async fn expunge_uids(&mut self, uids: &[u32]) -> Reply {
        let set = uid_set(uids);
        self.ok(&format!("UID STORE {set} +FLAGS.SILENT (\\Deleted)"))
            .await;
        self.ok(&format!("UID EXPUNGE {set}")).await
    }

    /// Sends `command` and returns every line until the server closes the connection (for
    /// a session the server ends with `* BYE`).
    pub async fn lines_until_close(&mut self, command: &str) -> Vec<String> {
        self.tag += 1;
        let line = format!("h{} {command}\r\n", self.tag);
        self.write(line.as_bytes()).await;
        let mut lines = Vec::new();
        while let Some(line) = self.read_line().await {
            lines.push(line);
        }
        lines
    }

    /// Enters IDLE (after `+`), then returns every line until the server closes the
    /// connection or `timeout` passes.
    pub async fn idle_until_close(&mut self, timeout: std::time::Duration) -> Vec<String> {
        self.tag += 1;
        let line = format!("h{} IDLE\r\n", self.tag);
        self.write(line.as_bytes()).await;
        let go_ahead = self.line().await;
        assert!(go_ahead.starts_with('+'), "IDLE refused: {go_ahead}");
        let mut lines = Vec::new();
        let deadline = tokio::time::Instant::now() + timeout;
        while let Ok(Some(line)) = tokio::time::timeout_at(deadline, self.read_line()).await {
            lines.push(line);
        }
        lines
    }

    /// LOGOUT, reading the server's goodbye.
    pub async fn logout(mut self) {
        let _ = self.command("LOGOUT").await;
    }
}

/// What "another client" does to a mailbox in the cross-server tests: each call on a
/// connection of its own, logged out afterwards. Used by every server of the harness that
/// is reached over IMAP.
impl ImapClient {
    /// APPENDs one message to `folder`; its UID.
    pub async fn append_once(mut self, folder: &str, raw: &[u8]) -> u32 {
        let uid = self.append(folder, "", raw).await;
        self.logout().await;
        uid
    }

    /// APPENDs the generated messages `first..first + count` (see
    /// [`super::generate_message`], with their flags) to `folder`; their UIDs in order.
    pub async fn populate_once(mut self, folder: &str, first: usize, count: usize) -> Vec<u32> {
        let messages: Vec<(String, Vec<u8>)> = (first..first + count)
            .map(|index| {
                let message = super::generate_message(index);
                (super::cyrus::imap_flags(&message.flags), message.bytes)
            })
            .collect();
        let uids = self.append_many(folder, &messages).await;
        self.logout().await;
        uids
    }

    /// `UID STORE +FLAGS (\Deleted)` and `UID EXPUNGE` of `uids` in `folder`; the answer.
    pub async fn expunge_once(mut self, folder: &str, uids: &[u32]) -> Reply {
        self.select(folder).await;
        let reply = self.expunge_uids(uids).await;
        self.logout().await;
        reply
    }

    /// The UIDs of `folder` by `UID SEARCH ALL`, sorted.
    pub async fn uids_once(mut self, folder: &str) -> Vec<u32> {
        self.select(folder).await;
        let uids = self.uid_search_all().await;
        self.logout().await;
        uids
    }

    /// `CREATE` or `DELETE` of `folder`, which must succeed.
    pub async fn folder_once(mut self, verb: &str, folder: &str) {
        self.ok(&format!("{verb} {}", quote(folder))).await;
        self.logout().await;
    }
}

/// The UID in `OK [APPENDUID <uidvalidity> <uid>] ...` (UIDPLUS).
fn append_uid(status: &str) -> Option<u32> {
    status
        .split_once("[APPENDUID ")
        .and_then(|(_, rest)| rest.split(']').next())
        .and_then(|code| code.split_whitespace().nth(1))
        .and_then(|uid| uid.parse().ok())
}

/// `{123}` or `{123+}` at the end of a line: a literal of that many bytes follows.
fn literal_length(line: &[u8]) -> Option<usize> {
    let inner = line.strip_suffix(b"}")?;
    let open = inner.iter().rposition(|b| *b == b'{')?;
    let digits = inner.get(open + 1..)?;
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// An IMAP quoted string.
pub fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `1,3,5`: a UID set (non-empty).
pub fn uid_set(uids: &[u32]) -> String {
    assert!(!uids.is_empty(), "an empty UID set");
    uids.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// LF line ends to CRLF (lines already ending in CRLF stay as they are).
pub fn crlf(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 40);
    let mut prev = 0u8;
    for &b in raw {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    out
}
