//! A private Dovecot 2.3 (IMAP, IMAPS, LMTP) on free loopback ports with its own temp dir.
//!
//! Config: `tests/infra/dovecot.conf.in` (+ `dovecot-oauth2.conf.ext.in`), rendered here.
//! Mail belongs to uid/gid 65534 (nobody/nogroup): Dovecot runs as root in CI and refuses to
//! deliver as root.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::tls::{TlsFiles, write_pki};
use super::{USERS, address, corpus, lmtp, local_part, ports, proc, repo_dir};

const MAIL_UID: u32 = 65534;
const MAIL_GID: u32 = 65534;
const START_ATTEMPTS: usize = 4;

/// How to configure a [`Dovecot`]; `DovecotOptions::default()` is the ordinary server.
#[derive(Clone, Debug)]
pub struct DovecotOptions {
    /// TLS on (default): STARTTLS on the plain port and an IMAPS port. Off: no STARTTLS
    /// capability and no IMAPS listener at all (a server to test that a client refuses to
    /// downgrade to plain text).
    pub tls: bool,
    /// Sign the server certificate with a CA other than [`Dovecot::ca_pem`].
    pub untrusted_cert: bool,
    /// Accept OAuth2 bearer tokens (XOAUTH2, OAUTHBEARER), checked by introspection at this
    /// URL (with the client credentials in it). Passwords keep working.
    pub oauth2_introspection_url: Option<String>,
    /// Keep Dovecot's auth penalty (failed logins from an IP delay that IP's later logins by
    /// up to 15 s). Off by default: every test connects from 127.0.0.1.
    pub auth_penalty: bool,
    /// Raw config appended at the end, for one-off needs (later settings win).
    pub extra_config: String,
}

impl Default for DovecotOptions {
    fn default() -> Self {
        Self {
            tls: true,
            untrusted_cert: false,
            oauth2_introspection_url: None,
            auth_penalty: false,
            extra_config: String::new(),
        }
    }
}

impl DovecotOptions {
    /// A server that offers no TLS at all: no STARTTLS, no IMAPS.
    pub fn without_tls(mut self) -> Self {
        self.tls = false;
        self
    }

    /// A certificate that does not verify against [`Dovecot::ca_pem`].
    pub fn untrusted_cert(mut self) -> Self {
        self.untrusted_cert = true;
        self
    }

    /// The OAuth2 passdb: bearer tokens of `idp`, validated by RFC 7662 introspection.
    pub fn oauth2(mut self, idp: &super::Idp) -> Self {
        self.oauth2_introspection_url = Some(idp.introspection_url_with_credentials());
        self
    }

    /// Keep Dovecot's default auth penalty for failed logins.
    pub fn with_auth_penalty(mut self) -> Self {
        self.auth_penalty = true;
        self
    }

    /// Append raw Dovecot config.
    pub fn extra_config(mut self, config: &str) -> Self {
        self.extra_config.push_str(config);
        self.extra_config.push('\n');
        self
    }
}

#[derive(Clone, Copy, Debug)]
struct Ports {
    imap: u16,
    imaps: u16,
    lmtp: u16,
}

/// A running private Dovecot. Dropping it stops it and deletes its state.
#[derive(Debug)]
pub struct Dovecot {
    dir: Option<tempfile::TempDir>,
    root: PathBuf,
    options: DovecotOptions,
    ports: Ports,
    tls: TlsFiles,
    pid: Option<i32>,
}

impl Dovecot {
    /// Starts a fresh instance; panics (with its log) if it cannot.
    pub async fn start(options: DovecotOptions) -> Dovecot {
        proc::require_root("Dovecot");
        proc::require_binary("dovecot");
        let dir = proc::short_temp_dir("smt-dovecot-");
        let root = dir.path().to_path_buf();
        for sub in ["run", "state", "tls"] {
            mkdir(&root.join(sub));
        }
        let tls = write_pki(&root.join("tls"), options.untrusted_cert);
        let mail = root.join("mail");
        mkdir(&mail);
        chown(&mail);
        let mut users = String::new();
        for (login, pass) in USERS {
            let home = mail.join(login);
            users.push_str(&format!(
                "{login}:{{PLAIN}}{pass}:{MAIL_UID}:{MAIL_GID}::{}::\n",
                home.display()
            ));
            // the Maildir exists from the start, so populate() and counts work before any mail
            for d in [
                home.clone(),
                home.join("Maildir"),
                home.join("Maildir/cur"),
                home.join("Maildir/new"),
                home.join("Maildir/tmp"),
            ] {
                mkdir(&d);
                chown(&d);
            }
        }
        write(&root.join("users"), &users);

        let mut dovecot = Dovecot {
            dir: Some(dir),
            root,
            options,
            ports: Ports {
                imap: 0,
                imaps: 0,
                lmtp: 0,
            },
            tls,
            pid: None,
        };
        for attempt in 1..=START_ATTEMPTS {
            let p = ports::free_ports(3);
            dovecot.ports = Ports {
                imap: p[0],
                imaps: p[1],
                lmtp: p[2],
            };
            dovecot.render_config();
            match dovecot.launch().await {
                Ok(()) => return dovecot,
                Err(Launch::PortTaken) if attempt < START_ATTEMPTS => continue,
                Err(Launch::PortTaken) => dovecot.fail("kept finding its ports taken"),
                Err(Launch::Failed(why)) => dovecot.fail(&why),
            }
        }
        unreachable!("the last attempt returns or panics")
    }

    fn render_config(&self) {
        let d = self.root.display().to_string();
        let instance = self
            .root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "sealmail-test".into());
        let (ssl, ssl_files, imaps) = if self.options.tls {
            (
                "yes",
                format!(
                    "ssl_cert = <{}\nssl_key = <{}",
                    self.tls.cert_pem.display(),
                    self.tls.key_pem.display()
                ),
                format!(
                    "  inet_listener imaps {{\n    address = 127.0.0.1\n    port = {}\n    ssl = yes\n  }}",
                    self.ports.imaps
                ),
            )
        } else {
            ("no", String::new(), String::new())
        };
        let (mechanisms, passdb) = match &self.options.oauth2_introspection_url {
            Some(url) => {
                let ext = render(
                    &template("dovecot-oauth2.conf.ext.in"),
                    &[
                        ("INTROSPECTION_URL", url),
                        ("CA_PEM", &self.tls.ca_pem.display().to_string()),
                    ],
                );
                let ext_path = self.root.join("dovecot-oauth2.conf.ext");
                write(&ext_path, &ext);
                (
                    " xoauth2 oauthbearer",
                    format!(
                        "# OAuth2 bearer tokens (XOAUTH2 / OAUTHBEARER) checked against the test IdP\n\
                         passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = {}\n}}",
                        ext_path.display()
                    ),
                )
            }
            None => ("", String::new()),
        };
        let penalty = if self.options.auth_penalty {
            String::new()
        } else {
            "# Every test connects from 127.0.0.1: without this, a few failed logins would delay\n\
             # all later logins from that address by up to 15 s.\n\
             login_trusted_networks = 127.0.0.0/8\n\
             service anvil {\n  unix_listener anvil-auth-penalty {\n    mode = 0\n  }\n}"
                .to_owned()
        };
        let config = render(
            &template("dovecot.conf.in"),
            &[
                ("D", &d),
                ("INSTANCE", &instance),
                ("SSL", ssl),
                ("SSL_FILES", &ssl_files),
                ("OAUTH2_MECHANISMS", mechanisms),
                ("OAUTH2_PASSDB", &passdb),
                ("IMAP_PORT", &self.ports.imap.to_string()),
                ("IMAPS_LISTENER", &imaps),
                ("LMTP_PORT", &self.ports.lmtp.to_string()),
                ("AUTH_PENALTY", &penalty),
                ("EXTRA", &self.options.extra_config),
            ],
        );
        write(&self.config_path(), &config);
    }

    async fn launch(&mut self) -> Result<(), Launch> {
        // a master killed with SIGKILL leaves its pid file, and while PID 1 has not reaped the
        // zombie yet, Dovecot would think it still runs
        let pid_file = self.root.join("run/master.pid");
        if proc::read_pid(&pid_file).is_some_and(|pid| !proc::alive(pid)) {
            let _ = std::fs::remove_file(&pid_file);
        }
        let log = self.log_path();
        let log_start = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
        let start_out = self.root.join("start.out");
        let out = std::fs::File::create(&start_out)
            .map_err(|e| Launch::Failed(format!("create {}: {e}", start_out.display())))?;
        let err = out.try_clone().map_err(|e| Launch::Failed(e.to_string()))?;
        // The master daemonizes and keeps the inherited stdio open: never give it a pipe that
        // someone waits on.
        let status = Command::new(proc::require_binary("dovecot"))
            .arg("-c")
            .arg(self.config_path())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .status()
            .map_err(|e| Launch::Failed(format!("cannot run dovecot: {e}")))?;
        let new_log = || {
            let text = std::fs::read(&log).unwrap_or_default();
            String::from_utf8_lossy(&text[(log_start as usize).min(text.len())..]).into_owned()
                + &std::fs::read_to_string(&start_out).unwrap_or_default()
        };
        if !status.success() {
            return Err(if new_log().contains("Address already in use") {
                Launch::PortTaken
            } else {
                Launch::Failed(format!("`dovecot -c` exited with {status}"))
            });
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(pid) = proc::read_pid(&self.root.join("run/master.pid")) {
                self.pid = Some(pid);
                if proc::banner(self.ports.imap, "* OK").await {
                    return Ok(());
                }
                if !proc::alive(pid) {
                    return Err(if new_log().contains("Address already in use") {
                        Launch::PortTaken
                    } else {
                        Launch::Failed("the master process exited".into())
                    });
                }
            }
            if Instant::now() > deadline {
                return Err(Launch::Failed("no IMAP greeting within 20 s".into()));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn fail(&mut self, why: &str) -> ! {
        self.stop_blocking();
        let logs = proc::tails(
            &[
                &self.root.join("start.out"),
                &self.log_path(),
                &self.config_path(),
            ],
            80,
        );
        panic!(
            "Dovecot did not start: {why} (state in {}){logs}",
            self.root.display()
        );
    }

    /// Stops the server (SIGTERM to its master, which takes its children down); the state
    /// and the ports stay reserved for [`Dovecot::start_again`].
    pub async fn stop(&mut self) {
        if let Some(pid) = self.pid.take() {
            proc::stop(pid, proc::DOVECOT, Duration::from_secs(10)).await;
        }
        let ports = self.listening_ports();
        if !proc::wait_ports_closed(&ports, Duration::from_secs(10)).await {
            panic!("Dovecot's ports {ports:?} are still open 10 s after it stopped");
        }
    }

    /// Ends `user`'s IMAP sessions the way an administrator does (`doveadm kick`): each gets
    /// the server's `* BYE` before it closes, and the server keeps running.
    pub async fn kick(&self, user: &str) {
        let output = tokio::process::Command::new("doveadm")
            .arg("-c")
            .arg(self.config_path())
            .args(["kick", user])
            .output()
            .await
            .expect("run doveadm");
        assert!(
            output.status.success(),
            "doveadm kick {user}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Kills the server and all its processes with SIGKILL, as a crash would: connections drop
    /// without a `BYE`. [`Dovecot::start_again`] brings it back.
    pub async fn kill(&mut self) {
        if let Some(pid) = self.pid.take() {
            proc::kill(pid, proc::DOVECOT).await;
        }
        let ports = self.listening_ports();
        if !proc::wait_ports_closed(&ports, Duration::from_secs(10)).await {
            panic!("Dovecot's ports {ports:?} are still open 10 s after it was killed");
        }
    }

    /// Starts the server again after [`Dovecot::stop`] or [`Dovecot::kill`]: same config, mail
    /// and ports.
    pub async fn start_again(&mut self) {
        // a client may briefly hold a port we just released: retry for a few seconds
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match self.launch().await {
                Ok(()) => return,
                Err(Launch::PortTaken) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(Launch::PortTaken) => self.fail("its ports were taken while it was stopped"),
                Err(Launch::Failed(why)) => self.fail(&why),
            }
        }
    }

    /// Stops and starts the server: every connection drops, the mail stays.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.start_again().await;
    }

    /// Whether the master process runs.
    pub fn is_running(&self) -> bool {
        self.pid.is_some_and(|pid| proc::is_ours(pid, "dovecot"))
    }

    fn stop_blocking(&mut self) {
        if let Some(pid) = self.pid.take() {
            proc::stop_blocking(pid, proc::DOVECOT, Duration::from_secs(10));
        }
    }

    fn listening_ports(&self) -> Vec<u16> {
        let mut ports = vec![self.ports.imap, self.ports.lmtp];
        if self.options.tls {
            ports.push(self.ports.imaps);
        }
        ports
    }

    /// Delivers one raw RFC 5322 message to `user` (`alice` or `alice@example.test`) over
    /// LMTP; LF line ends are turned into CRLF. Panics if Dovecot refuses it.
    pub async fn deliver(&self, user: &str, raw: &[u8]) {
        if let Err(e) = lmtp::deliver(self.ports.lmtp, &address(user), raw).await {
            panic!(
                "LMTP delivery to {user} failed: {e}{}",
                proc::tails(&[&self.log_path()], 30)
            );
        }
    }

    /// Writes `count` generated messages (see [`super::generate_message`]) straight into the
    /// user's `Maildir/cur`, continuing after the files already there. Returns the indices of
    /// the generated messages. Dovecot picks them up at the next mailbox sync.
    pub fn populate(&self, user: &str, count: usize) -> std::ops::Range<usize> {
        self.populate_folder(user, "INBOX", count)
    }

    /// [`Dovecot::populate`] for another folder (created when missing, see
    /// [`Dovecot::create_folder`]).
    pub fn populate_folder(
        &self,
        user: &str,
        folder: &str,
        count: usize,
    ) -> std::ops::Range<usize> {
        self.create_folder(user, folder);
        let dir = self.folder_dir(user, folder);
        let first = count_messages(&dir);
        corpus::write_into_maildir(&dir, first, count, MAIL_UID, MAIL_GID);
        first..first + count
    }

    /// Creates an IMAP folder of the user (Maildir++: `Archive` is `Maildir/.Archive`, and the
    /// hierarchy separator is `.`, so `Lists.Rust` is a child of `Lists`). Not subscribed.
    pub fn create_folder(&self, user: &str, folder: &str) {
        let dir = self.folder_dir(user, folder);
        for d in [
            dir.clone(),
            dir.join("cur"),
            dir.join("new"),
            dir.join("tmp"),
        ] {
            if !d.is_dir() {
                mkdir(&d);
                chown(&d);
            }
        }
    }

    /// The Maildir of a folder: the user's Maildir for `INBOX`, else `Maildir/.<folder>`.
    pub fn folder_dir(&self, user: &str, folder: &str) -> PathBuf {
        assert!(
            !folder.contains('/') && !folder.starts_with('.') && !folder.is_empty(),
            "folder names here use '.' as the separator: {folder:?}"
        );
        if folder.eq_ignore_ascii_case("INBOX") {
            self.maildir(user)
        } else {
            self.maildir(user).join(format!(".{folder}"))
        }
    }

    /// Messages in the user's INBOX, counted as files in `Maildir/new` and `Maildir/cur`.
    pub fn message_count(&self, user: &str) -> usize {
        count_messages(&self.maildir(user))
    }

    /// Messages in one of the user's folders (files in its `new/` and `cur/`).
    pub fn folder_message_count(&self, user: &str, folder: &str) -> usize {
        count_messages(&self.folder_dir(user, folder))
    }

    /// Waits (polling) until the user's INBOX holds at least `count` messages; panics with the
    /// log after `timeout`.
    pub async fn wait_for_messages(&self, user: &str, count: usize, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let now = self.message_count(user);
            if now >= count {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "{user} has {now} messages, not {count}, after {timeout:?}{}",
                    proc::tails(&[&self.log_path()], 30)
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The user's Maildir (`cur/`, `new/`, `tmp/` inside).
    pub fn maildir(&self, user: &str) -> PathBuf {
        self.home(user).join("Maildir")
    }

    /// The user's home directory.
    pub fn home(&self, user: &str) -> PathBuf {
        let login = local_part(user);
        assert!(
            USERS.iter().any(|(name, _)| *name == login),
            "{user:?} is not a test user (see support::USERS)"
        );
        self.root.join("mail").join(login)
    }

    /// IMAP port: plain text, STARTTLS offered unless the server was started without TLS.
    pub fn imap_port(&self) -> u16 {
        self.ports.imap
    }

    /// IMAPS port (implicit TLS). Panics for a server started without TLS.
    pub fn imaps_port(&self) -> u16 {
        assert!(self.options.tls, "this Dovecot was started without TLS");
        self.ports.imaps
    }

    /// LMTP over TCP.
    pub fn lmtp_port(&self) -> u16 {
        self.ports.lmtp
    }

    /// LMTP unix socket (what Postfix delivers to).
    pub fn lmtp_socket(&self) -> PathBuf {
        self.root.join("run/lmtp")
    }

    /// Dovecot's SASL socket for Postfix (`smtpd_sasl_type = dovecot`).
    pub fn auth_socket(&self) -> PathBuf {
        self.root.join("run/auth-postfix")
    }

    /// `imap://127.0.0.1:PORT` (STARTTLS).
    pub fn imap_url(&self) -> String {
        format!("imap://127.0.0.1:{}", self.ports.imap)
    }

    /// `imaps://127.0.0.1:PORT`.
    pub fn imaps_url(&self) -> String {
        format!("imaps://127.0.0.1:{}", self.imaps_port())
    }

    /// The test CA's certificate (PEM): trust it and the server verifies, unless it was started
    /// with [`DovecotOptions::untrusted_cert`]. The certificate names `localhost` and
    /// `127.0.0.1`.
    pub fn ca_pem(&self) -> &Path {
        &self.tls.ca_pem
    }

    /// The server's certificate and key (PEM), e.g. for another loopback server.
    pub fn tls_files(&self) -> &TlsFiles {
        &self.tls
    }

    /// The temp dir that holds everything of this instance.
    pub fn state_dir(&self) -> &Path {
        &self.root
    }

    /// Dovecot's log file.
    pub fn log_path(&self) -> PathBuf {
        self.root.join("dovecot.log")
    }

    /// Dovecot's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn config_path(&self) -> PathBuf {
        self.root.join("dovecot.conf")
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.stop_blocking();
        if let Some(dir) = self.dir.take() {
            proc::dispose(dir, "Dovecot");
        }
    }
}

enum Launch {
    PortTaken,
    Failed(String),
}

/// A file of `tests/infra/`.
pub(super) fn template(name: &str) -> String {
    let path = repo_dir().join("tests/infra").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Replaces every `@NAME@` of `vars`; panics if a placeholder is left over.
pub(super) fn render(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in vars {
        out = out.replace(&format!("@{name}@"), value);
    }
    let pieces: Vec<&str> = out.split('@').collect();
    for name in pieces.iter().skip(1).take(pieces.len().saturating_sub(2)) {
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
            panic!("template placeholder @{name}@ was not filled in");
        }
    }
    out
}

pub(super) fn mkdir(path: &Path) {
    std::fs::create_dir_all(path).unwrap_or_else(|e| panic!("mkdir {}: {e}", path.display()));
}

pub(super) fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

fn count_messages(maildir: &Path) -> usize {
    ["new", "cur"]
        .iter()
        .map(|sub| {
            std::fs::read_dir(maildir.join(sub))
                .map(|entries| {
                    entries
                        .filter_map(Result::ok)
                        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                        .count()
                })
                .unwrap_or(0)
        })
        .sum()
}

fn chown(path: &Path) {
    std::os::unix::fs::chown(path, Some(MAIL_UID), Some(MAIL_GID))
        .unwrap_or_else(|e| panic!("chown {}: {e}", path.display()));
}
