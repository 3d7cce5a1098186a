//! Temporary Maildirs and a driver for the actor's channels.

use std::fs::{self, File, FileTimes};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sealmail::mail::{ConnectionState, SourceCommand, SourceEvent};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How long a test waits for an event before it fails (generous: the machine is shared).
pub const PATIENCE: Duration = Duration::from_secs(20);

/// A Maildir++ tree in a temporary directory.
pub struct TempMaildir {
    pub dir: tempfile::TempDir,
}

impl TempMaildir {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        make_maildir(dir.path());
        Self { dir }
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// Adds a Maildir++ subfolder (`.Sent`).
    pub fn folder(&self, name: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        make_maildir(&path);
        path
    }

    /// Delivers a message the Maildir way (write in `tmp/`, rename into `sub/`), with `mtime`
    /// as its arrival time.
    pub fn deliver(&self, folder: &Path, sub: &str, name: &str, raw: &str, mtime: u64) -> PathBuf {
        let tmp = folder.join("tmp").join(name);
        fs::write(&tmp, raw.replace('\n', "\r\n")).expect("write");
        let when = SystemTime::UNIX_EPOCH + Duration::from_secs(mtime);
        File::options()
            .write(true)
            .open(&tmp)
            .and_then(|f| f.set_times(FileTimes::new().set_modified(when)))
            .expect("mtime");
        let to = folder.join(sub).join(name);
        fs::rename(&tmp, &to).expect("rename");
        to
    }
}

fn make_maildir(path: &Path) {
    for sub in ["cur", "new", "tmp"] {
        fs::create_dir_all(path.join(sub)).expect("mkdir");
    }
}

/// A small message with a subject and a Date at `date` (Unix seconds).
pub fn message(subject: &str, date: i64) -> String {
    let date = chrono::DateTime::from_timestamp(date, 0)
        .expect("date")
        .to_rfc2822();
    format!(
        "From: Alice <alice@example.org>\nTo: bob@example.org\nDate: {date}\n\
         Subject: {subject}\nMessage-ID: <{subject}@example.org>\n\n{subject} body\n"
    )
}

/// The actor with its two channels.
pub struct Driver {
    pub commands: mpsc::Sender<SourceCommand>,
    pub events: mpsc::Receiver<SourceEvent>,
    pub task: JoinHandle<()>,
}

impl Driver {
    /// Starts the actor and waits until it reports being online.
    pub async fn start(root: PathBuf) -> Self {
        let (commands, command_rx) = mpsc::channel(16);
        let (event_tx, events) = mpsc::channel(64);
        let task = sealmail::maildir::spawn(root, command_rx, event_tx);
        let mut driver = Self {
            commands,
            events,
            task,
        };
        let first = driver.next().await;
        assert!(
            matches!(first, SourceEvent::Connection(ConnectionState::Connecting)),
            "{first:?}"
        );
        match driver.next().await {
            SourceEvent::Connection(ConnectionState::Online { live, insecure }) => {
                assert_eq!((live, insecure), ("watching", false));
            }
            other => panic!("expected Online after Connecting, got {other:?}"),
        }
        driver
    }

    pub async fn send(&self, command: SourceCommand) {
        self.commands.send(command).await.expect("actor alive");
    }

    pub async fn next(&mut self) -> SourceEvent {
        tokio::time::timeout(PATIENCE, self.events.recv())
            .await
            .expect("an event in time")
            .expect("actor alive")
    }

    /// Skips events until `pick` takes one.
    pub async fn until<T>(&mut self, mut pick: impl FnMut(SourceEvent) -> Option<T>) -> T {
        loop {
            if let Some(found) = pick(self.next().await) {
                return found;
            }
        }
    }

    pub async fn shutdown(self) {
        self.send(SourceCommand::Shutdown).await;
        tokio::time::timeout(PATIENCE, self.task)
            .await
            .expect("the actor ends")
            .expect("without panicking");
    }
}
