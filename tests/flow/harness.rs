//! Shared pieces of the flow tests: the worker behind its channels, a recording TCP relay in
//! front of the portal (to see whether and what the worker sends), and the secrets scan.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use sealmail::metrics::Metrics;
use sealmail::sealed::flow::{FlowEvent, FlowFailure, FlowId, FlowRequest, FlowSettings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

/// How long any single step may take before the test fails.
const STEP: Duration = Duration::from_secs(60);

/// The flow worker with its own XDG directories.
pub struct Flow {
    requests: mpsc::Sender<FlowRequest>,
    events: mpsc::Receiver<FlowEvent>,
    task: tokio::task::JoinHandle<()>,
    /// `$XDG_CONFIG_HOME`, `$XDG_STATE_HOME`, `$XDG_CACHE_HOME` of this run, below one dir.
    pub xdg: tempfile::TempDir,
    pub trust_file: PathBuf,
    pub metrics: Metrics,
}

impl Flow {
    /// A worker trusting `trusted` (as the config's `trusted_portals` would).
    pub fn start(trusted: &[&str]) -> Self {
        Self::start_in(tempfile::tempdir().expect("temp dir"), trusted)
    }

    /// [`Flow::start`] with the XDG directories of an earlier run (see [`Flow::stop`]).
    pub fn start_in(xdg: tempfile::TempDir, trusted: &[&str]) -> Self {
        for sub in ["config", "state", "cache"] {
            std::fs::create_dir_all(xdg.path().join(sub)).expect("xdg dir");
        }
        let trust_file = xdg.path().join("state/sealmail/trusted-portals");
        let metrics = Metrics::on();
        let settings = FlowSettings {
            trusted_portals: trusted.iter().map(|s| s.to_string()).collect(),
            trust_file: Some(trust_file.clone()),
            ca_file: None,
            metrics: metrics.clone(),
        };
        Self::with_settings(settings, xdg, trust_file, metrics)
    }

    pub fn with_settings(
        settings: FlowSettings,
        xdg: tempfile::TempDir,
        trust_file: PathBuf,
        metrics: Metrics,
    ) -> Self {
        let (requests, requests_rx) = mpsc::channel(16);
        let (events_tx, events) = mpsc::channel(64);
        let task = sealmail::sealed::flow::spawn(settings, requests_rx, events_tx);
        Self {
            requests,
            events,
            task,
            xdg,
            trust_file,
            metrics,
        }
    }

    pub async fn send(&self, request: FlowRequest) {
        self.requests.send(request).await.expect("the worker runs");
    }

    /// The next event (fails the test after a minute).
    pub async fn next(&mut self) -> FlowEvent {
        tokio::time::timeout(STEP, self.events.recv())
            .await
            .expect("an event within a minute")
            .expect("the worker runs")
    }

    /// The next event that is not a sign-in prompt after a poll; counts the prompts.
    pub async fn next_after_waiting(&mut self) -> (FlowEvent, usize) {
        let mut waits = 0;
        loop {
            match self.next().await {
                FlowEvent::SignIn { .. } => waits += 1,
                other => return (other, waits),
            }
        }
    }

    /// Asserts that no event arrives for `quiet`.
    pub async fn assert_quiet(&mut self, quiet: Duration) {
        if let Ok(event) = tokio::time::timeout(quiet, self.events.recv()).await {
            panic!("expected no event, got {event:?}");
        }
    }

    pub async fn failure(&mut self, flow: FlowId) -> FlowFailure {
        match self.next().await {
            FlowEvent::Failed { flow: f, failure } if f == flow => failure,
            other => panic!("expected a failure of flow {flow}, got {other:?}"),
        }
    }

    /// Closes the request channel, waits for the worker to end, and hands back its XDG dirs.
    pub async fn stop(self) -> tempfile::TempDir {
        drop(self.requests);
        tokio::time::timeout(STEP, self.task)
            .await
            .expect("the worker stops")
            .expect("the worker did not panic");
        self.xdg
    }
}

/// A TCP relay in front of a server that counts connections and records both directions.
pub struct Relay {
    pub origin: String,
    pub connections: Arc<AtomicUsize>,
    pub to_server: Arc<Mutex<Vec<u8>>>,
    pub from_server: Arc<Mutex<Vec<u8>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Relay {
    pub async fn start(target: SocketAddr) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let origin = format!("http://{}", listener.local_addr().expect("addr"));
        let connections = Arc::new(AtomicUsize::new(0));
        let to_server = Arc::new(Mutex::new(Vec::new()));
        let from_server = Arc::new(Mutex::new(Vec::new()));
        let (count, up, down) = (connections.clone(), to_server.clone(), from_server.clone());
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let Ok(server) = tokio::net::TcpStream::connect(target).await else {
                    continue;
                };
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::spawn(pipe(client_read, server_write, up.clone()));
                tokio::spawn(pipe(server_read, client_write, down.clone()));
            }
        });
        Self {
            origin,
            connections,
            to_server,
            from_server,
            accept,
        }
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    pub fn sent(&self) -> String {
        String::from_utf8_lossy(&self.to_server.lock().unwrap()).into_owned()
    }

    pub fn received(&self) -> String {
        String::from_utf8_lossy(&self.from_server.lock().unwrap()).into_owned()
    }

    /// Every value of `"field":"..."` in the server's answers.
    pub fn answered(&self, field: &str) -> Vec<String> {
        let text = self.received();
        let needle = format!("\"{field}\":\"");
        text.match_indices(&needle)
            .filter_map(|(at, _)| {
                let rest = &text[at + needle.len()..];
                rest.find('"').map(|end| rest[..end].to_owned())
            })
            .collect()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    record: Arc<Mutex<Vec<u8>>>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                record.lock().unwrap().extend_from_slice(&buf[..n]);
                if to.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown().await;
}

/// The first file in a Maildir folder (`new/` and `cur/`) that `matches`.
pub async fn wait_for_mail(
    folder: &Path,
    what: &str,
    matches: impl Fn(&[u8]) -> bool,
) -> (PathBuf, Vec<u8>) {
    let deadline = tokio::time::Instant::now() + STEP;
    loop {
        for sub in ["new", "cur"] {
            for entry in std::fs::read_dir(folder.join(sub))
                .into_iter()
                .flatten()
                .flatten()
            {
                if let Ok(raw) = std::fs::read(entry.path())
                    && matches(&raw)
                {
                    return (entry.path(), raw);
                }
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no {what} in {} after a minute",
            folder.display()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The state dirs of the test's mail servers (their stores hold the mail, passcode mail
/// included, as any mailbox would): not sealmail's writing.
const MAIL_SERVER_DIRS: [&str; 2] = ["smt-dovecot-", "smt-postfix-"];

/// Files below `root` modified at or after `since`, skipping the directories in `skip` and
/// the mail servers' state dirs.
pub fn files_written_since(root: &Path, since: SystemTime, skip: &[&Path]) -> Vec<PathBuf> {
    files_below(root, since, skip, true)
}

/// Every file below `root` modified at or after `since`, the mail servers' state included
/// (for what must not be anywhere, not even in a mailbox or a mail queue).
pub fn all_files_written_since(root: &Path, since: SystemTime) -> Vec<PathBuf> {
    files_below(root, since, &[], false)
}

fn files_below(root: &Path, since: SystemTime, skip: &[&Path], skip_servers: bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let server_dir = dir
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| MAIL_SERVER_DIRS.iter().any(|p| n.starts_with(p)));
        if (skip_servers && server_dir) || skip.iter().any(|s| dir.starts_with(s)) {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else {
                continue;
            };
            let path = entry.path();
            if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file()
                && meta.modified().is_ok_and(|m| m >= since)
                && !skip.iter().any(|s| path.starts_with(s))
            {
                out.push(path);
            }
        }
    }
    out
}

/// Every `(file, needle name)` where a needle occurs in one of `files`.
pub fn scan(files: &[PathBuf], needles: &[(&str, &[u8])]) -> Vec<(PathBuf, String)> {
    let mut hits = Vec::new();
    for file in files {
        let Ok(bytes) = std::fs::read(file) else {
            continue;
        };
        for (name, needle) in needles {
            if !needle.is_empty() && bytes.windows(needle.len()).any(|w| w == *needle) {
                hits.push((file.clone(), (*name).to_owned()));
            }
        }
    }
    hits
}
