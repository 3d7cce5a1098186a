//! Shared pieces of the portal tests: the portal process (over SQLite or PostgreSQL, as the
//! test binary's [`crate::BACKEND`] says), the `seal` command, passcode mail read back from
//! the Dovecot Maildir, the Python implementation.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use sealmail::sealed::client::PortalClient;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

use crate::support::{Dovecot, PG_PASSWORD, Postfix, Postgres};

/// The database a test binary runs every portal on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in the portal's working directory.
    Sqlite,
    /// A fresh database on the binary's shared private PostgreSQL.
    Postgres,
}

pub const SENDER_TOKEN: &str = "test-sender-token-0123456789";
pub const PASSCODE_SUBJECT: &str = "Your one-time passcode to view the message";

/// How to start a portal.
#[derive(Default, Clone)]
pub struct Options {
    /// `smtp://127.0.0.1:PORT`; without it the portal gets an SMTP URL nobody listens on.
    pub smtp: Option<String>,
    pub ca_file: Option<PathBuf>,
    /// `(issuer, client_id)` pairs.
    pub oidc: Vec<(String, String)>,
    pub extra: Vec<String>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
    /// Do not hand the test sender token in `SEALMAIL_PORTAL_SENDER_TOKENS`.
    pub no_token_env: bool,
    /// A PostgreSQL database URL (no password) to use whatever the backend: instances that
    /// share one database. Default: the backend's own fresh database.
    pub database: Option<String>,
    /// The master key (base64); default a fresh random one.
    pub master_key: Option<String>,
    /// Hand the master key through `--master-key-command` (as a secret store's client would
    /// print it) instead of `--master-key-file`.
    pub key_command: bool,
}

impl Options {
    /// Passcode mail through `postfix` (STARTTLS verified against its CA).
    pub fn mail_via(postfix: &Postfix) -> Self {
        Self {
            smtp: Some(postfix.smtp_url()),
            ca_file: Some(postfix.ca_pem().to_path_buf()),
            ..Self::default()
        }
    }
}

/// `sealmail portal` as a child process, in its own working directory (database, master key,
/// log). Dropping it kills it.
pub struct PortalProc {
    child: Option<Child>,
    pub dir: tempfile::TempDir,
    pub addr: SocketAddr,
    pub origin: String,
    /// The PostgreSQL database URL it runs on (`None`: SQLite).
    pub database: Option<String>,
    options: Options,
}

pub fn sealmail_bin() -> &'static str {
    env!("CARGO_BIN_EXE_sealmail")
}

impl PortalProc {
    pub async fn start(options: Options) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("master.key"),
            options.master_key.clone().unwrap_or_else(new_master_key),
        )
        .expect("write master key");
        let database = match (&options.database, crate::BACKEND) {
            (Some(url), _) => Some(url.clone()),
            (None, Backend::Sqlite) => None,
            (None, Backend::Postgres) => {
                let pg = Postgres::shared();
                Some(pg.url(&pg.create_database().await))
            }
        };
        let mut proc = Self {
            child: None,
            dir,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            origin: String::new(),
            database,
            options,
        };
        proc.spawn().await;
        proc
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("portal.log")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    async fn spawn(&mut self) {
        let o = &self.options;
        let mut cmd = Command::new(sealmail_bin());
        cmd.arg("portal")
            .arg("--listen")
            .arg(self.addr.to_string())
            .args(if o.key_command {
                ["--master-key-command", "cat master.key"]
            } else {
                ["--master-key-file", "master.key"]
            })
            .arg("--smtp")
            .arg(
                o.smtp
                    .clone()
                    .unwrap_or_else(|| "smtp://127.0.0.1:9".into()),
            )
            .arg("--mail-from")
            .arg("portal@example.test")
            .arg("--metrics")
            .arg("--log")
            .arg("debug");
        if let Some(ca) = &o.ca_file {
            cmd.arg("--ca-file").arg(ca);
        }
        for (issuer, client) in &o.oidc {
            cmd.arg("--oidc").arg(format!("{issuer}={client}"));
        }
        match &self.database {
            // The password from the environment, never the command line.
            Some(url) => cmd.arg("--database").arg(url),
            None => cmd.arg("--db").arg("portal.sqlite"),
        };
        cmd.args(&o.extra);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("open portal log");
        cmd.current_dir(self.dir.path())
            .env_remove("SEALMAIL_PORTAL_MASTER_KEY")
            .env_remove("SEALMAIL_PORTAL_SENDER_TOKENS")
            .env_remove("SEALMAIL_PORTAL_DATABASE_PASSWORD")
            .envs(o.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        if self.database.is_some() {
            cmd.env("SEALMAIL_PORTAL_DATABASE_PASSWORD", PG_PASSWORD);
        }
        if !o.no_token_env {
            // From the environment, not argv: `ps` shows argv to every local user.
            cmd.env(
                "SEALMAIL_PORTAL_SENDER_TOKENS",
                format!("{SENDER_TOKEN}=*@example.test"),
            );
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .kill_on_drop(true);
        let mut child = cmd.spawn().expect("spawn sealmail portal");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .unwrap_or_else(|_| {
                panic!("the portal did not start within 30 s; log:\n{}", self.log())
            })
            .expect("read portal stdout")
            .unwrap_or_else(|| panic!("the portal exited before listening; log:\n{}", self.log()));
        // "sealmail portal listening on ADDR (origin ORIGIN)"
        let rest = line
            .strip_prefix("sealmail portal listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        let (addr, origin) = rest
            .split_once(" (origin ")
            .expect("origin in the ready line");
        self.addr = addr.parse().expect("listen address");
        self.origin = origin.trim_end_matches(')').to_owned();
        self.child = Some(child);
    }

    /// Stops the portal with SIGTERM (graceful) and waits for it to exit.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            if let Some(pid) = child.id() {
                let _ = std::process::Command::new("kill")
                    .arg("-TERM")
                    .arg(pid.to_string())
                    .status();
            }
            let status = tokio::time::timeout(Duration::from_secs(15), child.wait())
                .await
                .expect("the portal did not stop within 15 s after SIGTERM")
                .expect("wait for the portal");
            assert!(
                status.success(),
                "the portal exited with {status}; log:\n{}",
                self.log()
            );
        }
    }

    /// Runs `sealmail portal ARGS` as an administrative command on this portal's database and
    /// master key (e.g. `--rewrap`), beside the running portal; returns its stdout, asserting
    /// success.
    pub async fn admin(&self, args: &[&str]) -> String {
        let mut cmd = Command::new(sealmail_bin());
        cmd.arg("portal")
            .args(["--master-key-file", "master.key"])
            .current_dir(self.dir.path())
            .env_remove("SEALMAIL_PORTAL_MASTER_KEY")
            .env_remove("SEALMAIL_PORTAL_SENDER_TOKENS");
        match &self.database {
            Some(url) => cmd
                .arg("--database")
                .arg(url)
                .env("SEALMAIL_PORTAL_DATABASE_PASSWORD", PG_PASSWORD),
            None => cmd.args(["--db", "portal.sqlite"]),
        };
        let out = cmd.args(args).output().await.expect("run sealmail portal");
        assert!(
            out.status.success(),
            "sealmail portal {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8 output")
    }

    /// Kills the portal with SIGKILL, as a crash would, and reaps it.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.start_kill().expect("SIGKILL the portal");
            let _ = child.wait().await;
        }
    }

    /// Stops and starts again on the same address, database and master key.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.spawn().await;
    }

    pub fn client(&self) -> PortalClient {
        PortalClient::new(&self.origin, None).expect("portal client")
    }

    /// The portal process's id.
    pub fn pid(&self) -> u32 {
        self.child
            .as_ref()
            .and_then(Child::id)
            .expect("the portal is running")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.origin, path)
    }
}

/// A fresh master key, base64.
pub fn new_master_key() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 32]>())
}

/// A short inner message from bob to `to` (comma-separated), with a marker in its body.
pub fn inner_message(to: &str, marker: &str) -> Vec<u8> {
    format!(
        "From: Bob Sender <bob@example.test>\r\nTo: {to}\r\nSubject: Quarterly figures\r\n\
         Date: Tue, 24 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{marker}@example.test>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         The confidential text {marker}. Grüße.\r\n"
    )
    .into_bytes()
}

/// Runs `sealmail seal --portal ORIGIN [args]` with `inner` on stdin; returns the sealed mail.
pub async fn seal_cli(origin: &str, inner: &[u8], args: &[&str]) -> Vec<u8> {
    seal_cli_env(origin, inner, args, &[]).await
}

/// [`seal_cli`] with extra environment variables.
pub async fn seal_cli_env(
    origin: &str,
    inner: &[u8],
    args: &[&str],
    env: &[(&str, &str)],
) -> Vec<u8> {
    let mut child = Command::new(sealmail_bin())
        .arg("seal")
        .arg("--portal")
        .arg(origin)
        .args(args)
        .env("SEALMAIL_SENDER_TOKEN", SENDER_TOKEN)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sealmail seal");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(inner).await.expect("write stdin");
    drop(stdin);
    let output = child.wait_with_output().await.expect("sealmail seal");
    assert!(
        output.status.success(),
        "sealmail seal failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// The passcode mail whose reference is `reference`, read from `user`'s Maildir once Postfix
/// delivered it: (passcode, the whole mail).
pub async fn passcode_mail(dovecot: &Dovecot, user: &str, reference: &str) -> (String, String) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let maildir = dovecot.maildir(user);
    loop {
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(maildir.join(sub)) else {
                continue;
            };
            for entry in entries.flatten() {
                let Ok(text) = std::fs::read_to_string(entry.path()) else {
                    continue;
                };
                if text.contains(&format!("Reference: {reference}")) {
                    let code = text
                        .lines()
                        .map(str::trim)
                        .find(|l| l.len() == 8 && l.bytes().all(|b| b.is_ascii_digit()))
                        .unwrap_or_else(|| panic!("no 8-digit passcode in the mail:\n{text}"))
                        .to_owned();
                    return (code, text);
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "no passcode mail with reference {reference} for {user} after 30 s; Dovecot log:\n{}",
            dovecot.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every mail file in `user`'s Maildir.
pub fn mail_files(dovecot: &Dovecot, user: &str) -> Vec<PathBuf> {
    let maildir = dovecot.maildir(user);
    ["new", "cur"]
        .iter()
        .flat_map(|sub| {
            std::fs::read_dir(maildir.join(sub))
                .into_iter()
                .flatten()
                .flatten()
        })
        .map(|e| e.path())
        .collect()
}

/// Runs the Python implementation: `python3 tests/interop/sealed_message.py ARGS < stdin`.
pub async fn python(args: &[&str], stdin: &[u8]) -> std::process::Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/sealed_message.py");
    let mut child = Command::new("python3")
        .arg(&script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 must be installed (scripts/install-test-deps.sh)");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin).await.expect("write to python");
    drop(input);
    child.wait_with_output().await.expect("python3")
}

/// [`python`], asserting success; returns stdout.
pub async fn python_ok(args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let out = python(args, stdin).await;
    assert!(
        out.status.success(),
        "python {args:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Mail infrastructure for one test: Dovecot, and Postfix delivering into it.
pub async fn mail_stack() -> (Dovecot, Postfix) {
    let dovecot = Dovecot::start(crate::support::DovecotOptions::default()).await;
    let postfix = Postfix::start(&dovecot).await;
    (dovecot, postfix)
}

/// A sealed message whose envelope claims `claimed` (sender, recipients) while its key is
/// registered at `portal` as sent by `registered` (which the test sender token allows).
pub async fn seal_forged(
    portal: &PortalProc,
    inner: &[u8],
    claimed: (&str, &[&str]),
    registered: (&str, &[&str]),
) -> Vec<u8> {
    use sealmail::sealed::envelope::{ContentKey, Envelope, Header};
    use sealmail::sealed::{fields, message as sealed};
    let key = ContentKey::generate();
    let header = Header {
        portal: portal.origin.clone(),
        id: fields::new_message_id(),
        from: claimed.0.into(),
        to: claimed.1.iter().map(|s| s.to_string()).collect(),
        created: fields::format_timestamp(chrono::Utc::now()),
    };
    let envelope = Envelope::seal(header, &key, inner).expect("sealed");
    let to: Vec<String> = registered.1.iter().map(|s| s.to_string()).collect();
    portal
        .client()
        .register(
            &sealmail::secret::SecretString::from(SENDER_TOKEN),
            &sealmail::sealed::client::Registration {
                id: &envelope.header.id,
                from: registered.0,
                to: &to,
                key: &key,
                expires: None,
            },
        )
        .await
        .expect("the sender token may register messages from its own domain");
    let outer = sealed::OuterHeaders {
        from: format!("The CEO <{}>", claimed.0),
        to: Some(claimed.1.join(", ")),
        date: "Tue, 24 Nov 2026 10:00:00 +0000".into(),
        message_id: format!("<{}@example.test>", envelope.header.id),
        subject: Some("Wire the money".into()),
        ..sealed::OuterHeaders::default()
    };
    sealed::build_message(&outer, &envelope)
}
