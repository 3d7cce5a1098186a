//! A private Cyrus IMAP 3.6 (IMAP with STARTTLS, IMAPS, LMTP) on free loopback ports with its
//! own temp dir, in Debian's or upstream's namespace style.
//!
//! Debian's `cyrus-imapd` package conflicts with `dovecot-imapd`, so the install script unpacks
//! it into `target/test-cyrus/VERSION/root` instead of installing it; the programs run from
//! there (`LD_LIBRARY_PATH` for the package's own `libcyrus*.so`, absolute `cmd=` paths in
//! `cyrus.conf`). Config: `tests/infra/cyrus/imapd.conf.in` and `cyrus.conf.in`, rendered here.
//! The master starts as root and switches to the `cyrus` user (group `mail`) that the install
//! script creates; everything it writes belongs to that user.
//!
//! Cyrus logs only to syslog, which a test machine usually lacks: a shim the install script
//! builds (`tests/infra/cyrus/syslog-to-file.c`, preloaded) writes each instance's syslog lines
//! to `cyrus.log` in its state dir, and what the master prints goes to `master.out`; a start
//! that fails panics with both and the configs.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::dovecot::{mkdir, render, write};
use super::imap_client::{ImapClient, Reply, quote};
use super::tls::{TlsFiles, write_pki};
use super::{USERS, address, corpus, lmtp, local_part, password, ports, proc, repo_dir};

const START_ATTEMPTS: usize = 4;
const PID_FILE: &str = "run/cyrus-master.pid";

/// The admin (`admins:` in imapd.conf): creates other users' and shared folders, sets ACLs.
pub const CYRUS_ADMIN: (&str, &str) = ("admin", "adminpass");

/// How mailbox names look to a user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CyrusStyle {
    /// Debian's default: `altnamespace: no`, `unixhierarchysep: no`. Personal folders live
    /// under INBOX (`INBOX.Archive`), the separator is `.`, other users are `user.bob`, shared
    /// folders sit at the top level.
    Debian,
    /// Upstream's (and Fastmail's): `altnamespace: yes`, `unixhierarchysep: yes`. Personal
    /// folders sit beside INBOX (`Archive`), the separator is `/`, other users are
    /// `Other Users/bob`, shared folders `Shared Folders/...`.
    Upstream,
}

/// How to configure a [`Cyrus`]; `CyrusOptions::default()` is the Debian style.
#[derive(Clone, Debug)]
pub struct CyrusOptions {
    pub style: CyrusStyle,
    /// Raw imapd.conf lines appended at the end, for one-off needs.
    pub extra_config: String,
}

impl Default for CyrusOptions {
    fn default() -> Self {
        Self::debian()
    }
}

impl CyrusOptions {
    pub fn debian() -> Self {
        Self {
            style: CyrusStyle::Debian,
            extra_config: String::new(),
        }
    }

    pub fn upstream() -> Self {
        Self {
            style: CyrusStyle::Upstream,
            extra_config: String::new(),
        }
    }

    /// No QRESYNC (nor CONDSTORE) in the capabilities: expunges then arrive only as
    /// sequence numbers, which Cyrus holds back during a FETCH (RFC 3501 7.4.1).
    pub fn without_qresync(self) -> Self {
        self.extra_config("suppress_capabilities: QRESYNC CONDSTORE")
    }

    /// Append raw imapd.conf lines.
    pub fn extra_config(mut self, config: &str) -> Self {
        self.extra_config.push_str(config);
        self.extra_config.push('\n');
        self
    }
}

/// Where the install script unpacked Cyrus.
#[derive(Debug)]
struct Install {
    /// `.../root/usr/lib/cyrus/bin`: master, imapd, lmtpd, ctl_cyrusdb, idled.
    bin: PathBuf,
    /// The directory of the package's own shared libraries (`libcyrus.so.0` ...).
    libs: PathBuf,
    /// The helpers of this install, for stopping exactly its processes.
    daemon: proc::Daemon,
    /// The preloaded shim that writes syslog lines to a file (`syslog-to-file.c`), if built.
    syslog_shim: Option<PathBuf>,
}

const INSTALL_HINT: &str = "run `sudo scripts/install-test-deps.sh` (it unpacks Debian's \
                            cyrus-imapd into target/test-cyrus/ beside Dovecot)";

fn install() -> &'static Install {
    static INSTALL: OnceLock<Install> = OnceLock::new();
    INSTALL.get_or_init(|| {
        let home = std::env::var_os("SEALMAIL_TEST_CYRUS_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo_dir().join("target/test-cyrus"));
        let current = std::fs::read_to_string(home.join("current")).unwrap_or_else(|e| {
            panic!(
                "Cyrus is not unpacked ({}: {e}): {INSTALL_HINT}",
                home.join("current").display()
            )
        });
        let root = home.join(current.trim()).join("root");
        let bin = root.join("usr/lib/cyrus/bin");
        for program in ["master", "imapd", "lmtpd", "ctl_cyrusdb", "idled"] {
            assert!(
                bin.join(program).is_file(),
                "{} is missing: {INSTALL_HINT}",
                bin.join(program).display()
            );
        }
        let libs = std::fs::read_dir(root.join("usr/lib"))
            .ok()
            .and_then(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .find(|dir| dir.join("libcyrus.so.0").exists())
            })
            .unwrap_or_else(|| panic!("no libcyrus.so.0 under {}: {INSTALL_HINT}", root.display()));
        let helpers: &'static str = Box::leak(bin.to_string_lossy().into_owned().into_boxed_str());
        let shim = home.join(current.trim()).join("syslog-to-file.so");
        Install {
            syslog_shim: shim.is_file().then_some(shim),
            bin,
            libs,
            daemon: proc::Daemon {
                master_exe: "master",
                helpers_dir: helpers,
            },
        }
    })
}

/// The uid and gid of the `cyrus` user (`/etc/passwd`), which the master switches to.
fn cyrus_user() -> (u32, u32) {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields.first() == Some(&"cyrus")).then(|| {
                (
                    fields.get(2).and_then(|f| f.parse().ok()),
                    fields.get(3).and_then(|f| f.parse().ok()),
                )
            })
        })
        .and_then(|(uid, gid)| Some((uid?, gid?)))
        .unwrap_or_else(|| panic!("there is no `cyrus` user: {INSTALL_HINT}"))
}

#[derive(Clone, Copy, Debug)]
struct Ports {
    imap: u16,
    imaps: u16,
    lmtp: u16,
}

/// A running private Cyrus. Dropping it stops it and deletes its state.
#[derive(Debug)]
pub struct Cyrus {
    dir: Option<tempfile::TempDir>,
    root: PathBuf,
    options: CyrusOptions,
    ports: Ports,
    tls: TlsFiles,
    pid: Option<i32>,
    owner: (u32, u32),
}

impl Cyrus {
    /// Starts a fresh instance with the users of [`USERS`] (each logged in once, so that
    /// Cyrus creates their INBOX with Sent, Drafts, Trash and Junk) and the admin
    /// [`CYRUS_ADMIN`]; panics with the reason if it cannot.
    pub async fn start(options: CyrusOptions) -> Cyrus {
        proc::require_root("Cyrus");
        // fail early, and with the install hint, if Cyrus is not unpacked
        install();
        let owner = cyrus_user();
        let saslpasswd2 = proc::require_binary("saslpasswd2");
        let dir = proc::short_temp_dir("smt-cyrus-");
        let root = dir.path().to_path_buf();
        for sub in [
            "conf",
            "spool",
            "sieve",
            "tls",
            "run/socket",
            "run/lock",
            "run/proc",
        ] {
            mkdir(&root.join(sub));
        }
        for sub in [
            "db", "log", "msg", "quota", "user", "socket", "lock", "proc",
        ] {
            mkdir(&root.join("config").join(sub));
        }
        let tls = write_pki(&root.join("tls"), false);
        let sasldb = root.join("sasldb2");
        let logins = USERS.iter().copied().chain(std::iter::once(CYRUS_ADMIN));
        for (login, pass) in logins {
            set_password(&saslpasswd2, &sasldb, login, pass);
        }
        for path in ["config", "spool", "sieve", "run", "sasldb2"] {
            chown_tree(&root.join(path), owner);
        }
        chown_tree(&tls.key_pem, owner);

        let mut cyrus = Cyrus {
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
            owner,
        };
        for attempt in 1..=START_ATTEMPTS {
            let p = ports::free_ports(3);
            cyrus.ports = Ports {
                imap: p[0],
                imaps: p[1],
                lmtp: p[2],
            };
            cyrus.render_config();
            match cyrus.launch().await {
                Ok(()) => break,
                Err(Launch::PortTaken) if attempt < START_ATTEMPTS => {
                    cyrus.stop_blocking();
                    continue;
                }
                Err(Launch::PortTaken) => cyrus.fail("kept finding its ports taken"),
                Err(Launch::Failed(why)) => cyrus.fail(&why),
            }
        }
        // the first login makes the INBOX and the special-use folders
        for (login, _) in USERS {
            let mut client = cyrus.client(login).await;
            client.ok("LIST \"\" \"*\"").await;
            client.logout().await;
        }
        cyrus
    }

    fn render_config(&self) {
        let d = self.root.display().to_string();
        let instance = self
            .root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "sealmail-test".into());
        let (alt, uhs) = match self.options.style {
            CyrusStyle::Debian => ("no", "no"),
            CyrusStyle::Upstream => ("yes", "yes"),
        };
        let imapd = render(
            &template("imapd.conf.in"),
            &[
                ("D", &d),
                ("INSTANCE", &instance),
                ("ALTNAMESPACE", alt),
                ("UNIXHIERARCHYSEP", uhs),
                ("ADMIN", CYRUS_ADMIN.0),
                ("CERT", &self.tls.cert_pem.display().to_string()),
                ("KEY", &self.tls.key_pem.display().to_string()),
                ("EXTRA", &self.options.extra_config),
            ],
        );
        write(&self.root.join("conf/imapd.conf"), &imapd);
        let master = render(
            &template("cyrus.conf.in"),
            &[
                ("D", &d),
                ("BIN", &install().bin.display().to_string()),
                ("IMAP_PORT", &self.ports.imap.to_string()),
                ("IMAPS_PORT", &self.ports.imaps.to_string()),
                ("LMTP_PORT", &self.ports.lmtp.to_string()),
            ],
        );
        write(&self.root.join("conf/cyrus.conf"), &master);
    }

    async fn launch(&mut self) -> Result<(), Launch> {
        let pid_file = self.root.join(PID_FILE);
        if proc::read_pid(&pid_file).is_some_and(|pid| !proc::alive(pid)) {
            let _ = std::fs::remove_file(&pid_file);
        }
        // a port someone else holds would leave that service silently disabled (the master
        // only tells syslog): look before starting
        for port in self.listening_ports() {
            if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
                return Err(Launch::PortTaken);
            }
        }
        let install = install();
        let out = self.root.join("master.out");
        let log = self.log_path();
        if !log.exists() {
            write(&log, "");
            chown_tree(&log, self.owner);
        }
        // The master daemonizes (-d) and sends its stdout and stderr to -L; never give it a
        // pipe that someone waits on.
        let mut master = Command::new(install.bin.join("master"));
        if let Some(shim) = &install.syslog_shim {
            master
                .env("LD_PRELOAD", shim)
                .env("SEALMAIL_CYRUS_LOG", &log);
        }
        let status = master
            .arg("-C")
            .arg(self.root.join("conf/imapd.conf"))
            .arg("-M")
            .arg(self.root.join("conf/cyrus.conf"))
            .arg("-p")
            .arg(&pid_file)
            .arg("-d")
            .arg("-L")
            .arg(&out)
            .env("LD_LIBRARY_PATH", &install.libs)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| Launch::Failed(format!("cannot run the Cyrus master: {e}")))?;
        if !status.success() {
            return Err(Launch::Failed(format!(
                "the Cyrus master exited with {status}"
            )));
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(pid) = proc::read_pid(&pid_file) {
                self.pid = Some(pid);
                if proc::banner(self.ports.imap, "* OK").await
                    && proc::banner(self.ports.lmtp, "220").await
                {
                    return Ok(());
                }
                if !proc::alive(pid) {
                    return Err(Launch::Failed("the master process exited".into()));
                }
            }
            if Instant::now() > deadline {
                return Err(Launch::Failed(
                    "no IMAP greeting and LMTP banner within 20 s".into(),
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn fail(&mut self, why: &str) -> ! {
        self.stop_blocking();
        let logs = proc::tails(
            &[
                &self.log_path(),
                &self.root.join("master.out"),
                &self.root.join("conf/imapd.conf"),
                &self.root.join("conf/cyrus.conf"),
            ],
            80,
        );
        panic!(
            "Cyrus did not start: {why} (state in {}){logs}",
            self.root.display()
        );
    }

    /// Whether `pid` is this install's Cyrus master (checked against `/proc/PID/exe`).
    fn is_our_master(pid: i32) -> bool {
        proc::alive(pid)
            && std::fs::read_link(format!("/proc/{pid}/exe"))
                .is_ok_and(|exe| exe == install().bin.join("master"))
    }

    /// Stops the server (SIGTERM to its master, which takes its children down); the state
    /// and the ports stay reserved for [`Cyrus::start_again`].
    pub async fn stop(&mut self) {
        if let Some(pid) = self.pid.take()
            && Self::is_our_master(pid)
        {
            proc::stop(pid, install().daemon, Duration::from_secs(10)).await;
        }
        self.wait_closed("stopped").await;
    }

    /// Kills the master and all its processes with SIGKILL, as a crash would: connections
    /// drop without a `BYE`.
    pub async fn kill(&mut self) {
        if let Some(pid) = self.pid.take()
            && Self::is_our_master(pid)
        {
            proc::kill(pid, install().daemon).await;
        }
        self.wait_closed("was killed").await;
    }

    async fn wait_closed(&self, how: &str) {
        let ports = self.listening_ports();
        if !proc::wait_ports_closed(&ports, Duration::from_secs(10)).await {
            panic!("Cyrus's ports {ports:?} are still open 10 s after it {how}");
        }
    }

    /// Starts the server again after [`Cyrus::stop`] or [`Cyrus::kill`]: same config, mail
    /// and ports.
    pub async fn start_again(&mut self) {
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
        self.pid.is_some_and(Self::is_our_master)
    }

    fn stop_blocking(&mut self) {
        if let Some(pid) = self.pid.take()
            && Self::is_our_master(pid)
        {
            proc::stop_blocking(pid, install().daemon, Duration::from_secs(10));
        }
    }

    fn listening_ports(&self) -> Vec<u16> {
        vec![self.ports.imap, self.ports.imaps, self.ports.lmtp]
    }

    /// Makes every logged-in session (and every later login) end with
    /// `* BYE [ALERT] <text>`: Cyrus's shutdown file, `configdirectory/msg/shutdown`. A session
    /// in IDLE gets it at once, any other one before its next command.
    /// [`Cyrus::clear_shutdown`] lets users back in.
    pub fn shutdown_with_alert(&self, text: &str) {
        let path = self.shutdown_file();
        write(&path, &format!("{text}\n"));
        chown_tree(&path, self.owner);
    }

    /// Removes the shutdown file of [`Cyrus::shutdown_with_alert`].
    pub fn clear_shutdown(&self) {
        let _ = std::fs::remove_file(self.shutdown_file());
    }

    fn shutdown_file(&self) -> PathBuf {
        self.root.join("config/msg/shutdown")
    }

    /// The namespace style it was started with.
    pub fn style(&self) -> CyrusStyle {
        self.options.style
    }

    /// The hierarchy separator users see: `.` (Debian) or `/` (upstream).
    pub fn separator(&self) -> char {
        match self.options.style {
            CyrusStyle::Debian => '.',
            CyrusStyle::Upstream => '/',
        }
    }

    /// A personal folder as its owner names it over IMAP. `path` uses `/` between levels:
    /// `"Archive/2024"` is `INBOX.Archive.2024` (Debian) or `Archive/2024` (upstream); `INBOX`
    /// is `INBOX`.
    pub fn folder(&self, path: &str) -> String {
        if path.eq_ignore_ascii_case("INBOX") {
            return "INBOX".into();
        }
        match self.options.style {
            CyrusStyle::Debian => format!("INBOX.{}", path.replace('/', ".")),
            CyrusStyle::Upstream => path.to_owned(),
        }
    }

    /// A shared folder as a user names it: `Announcements` (Debian: shared folders sit at the
    /// top level) or `Shared Folders/Announcements` (upstream). `path` uses `/` between levels.
    pub fn shared_folder(&self, path: &str) -> String {
        match self.options.style {
            CyrusStyle::Debian => path.replace('/', "."),
            CyrusStyle::Upstream => format!("Shared Folders/{path}"),
        }
    }

    /// How the admin names a shared folder (admins always use the standard namespace, with
    /// the configured separator).
    fn admin_shared(&self, path: &str) -> String {
        path.replace('/', &self.separator().to_string())
    }

    /// A logged-in IMAPS session of a test user (`alice`, `bob`, ...): "another client".
    pub async fn client(&self, user: &str) -> ImapClient {
        ImapClient::login(
            self.ports.imaps,
            self.ca_pem(),
            local_part(user),
            password(user),
        )
        .await
    }

    /// A logged-in IMAPS session of the admin ([`CYRUS_ADMIN`]).
    pub async fn admin(&self) -> ImapClient {
        ImapClient::login(
            self.ports.imaps,
            self.ca_pem(),
            CYRUS_ADMIN.0,
            CYRUS_ADMIN.1,
        )
        .await
    }

    /// Delivers one raw RFC 5322 message to `user`'s INBOX over LMTP (LF line ends become
    /// CRLF). Panics if Cyrus refuses it.
    pub async fn deliver(&self, user: &str, raw: &[u8]) {
        if let Err(e) = lmtp::deliver(self.ports.lmtp, &address(user), raw).await {
            panic!(
                "LMTP delivery to {user} failed: {e}{}",
                proc::tails(&[&self.log_path()], 30)
            );
        }
    }

    /// A shared folder (`path` with `/` between levels) that every user may read but not
    /// change (ACL `anyone lr`): SELECT answers `[READ-ONLY]` and `PERMANENTFLAGS ()`, every
    /// STORE is refused (`NO Permission denied`). Holds `messages`; returns the folder's name
    /// as users see it (see [`Cyrus::shared_folder`]).
    pub async fn read_only_shared_folder(&self, path: &str, messages: &[&[u8]]) -> String {
        self.shared_folder_with_rights(path, "lr", messages).await
    }

    /// A shared folder where every user may only mark messages `\Seen` (ACL `anyone lrs`):
    /// SELECT answers `[READ-WRITE]` with `PERMANENTFLAGS (\Seen)`, a STORE of `\Flagged` is
    /// refused (`NO Permission denied`).
    pub async fn seen_only_shared_folder(&self, path: &str, messages: &[&[u8]]) -> String {
        self.shared_folder_with_rights(path, "lrs", messages).await
    }

    /// A shared folder made by the admin, holding `messages`, with `rights` (RFC 4314
    /// letters) for `anyone`. Returns its name as users see it.
    pub async fn shared_folder_with_rights(
        &self,
        path: &str,
        rights: &str,
        messages: &[&[u8]],
    ) -> String {
        let name = self.admin_shared(path);
        let mut admin = self.admin().await;
        admin.ok(&format!("CREATE {}", quote(&name))).await;
        admin
            .ok(&format!(
                "SETACL {} {} lrswipkxtecda",
                quote(&name),
                CYRUS_ADMIN.0
            ))
            .await;
        for raw in messages {
            admin.append(&name, "", raw).await;
        }
        admin
            .ok(&format!("SETACL {} anyone {rights}", quote(&name)))
            .await;
        admin.logout().await;
        self.shared_folder(path)
    }

    /// IMAP port: plain text, STARTTLS offered, LOGINDISABLED until then.
    pub fn imap_port(&self) -> u16 {
        self.ports.imap
    }

    /// IMAPS port (implicit TLS).
    pub fn imaps_port(&self) -> u16 {
        self.ports.imaps
    }

    /// LMTP over TCP (no authentication).
    pub fn lmtp_port(&self) -> u16 {
        self.ports.lmtp
    }

    /// `imap://127.0.0.1:PORT` (STARTTLS).
    pub fn imap_url(&self) -> String {
        format!("imap://127.0.0.1:{}", self.ports.imap)
    }

    /// `imaps://127.0.0.1:PORT`.
    pub fn imaps_url(&self) -> String {
        format!("imaps://127.0.0.1:{}", self.ports.imaps)
    }

    /// The test CA's certificate (PEM); the server's leaf names `localhost` and `127.0.0.1`.
    pub fn ca_pem(&self) -> &Path {
        &self.tls.ca_pem
    }

    /// The temp dir that holds everything of this instance.
    pub fn state_dir(&self) -> &Path {
        &self.root
    }

    /// What the master printed on its stdout and stderr.
    pub fn master_output(&self) -> String {
        std::fs::read_to_string(self.root.join("master.out")).unwrap_or_default()
    }

    /// Cyrus's log (its syslog lines, written by the preloaded `syslog-to-file.so`; empty
    /// when the install script could not build that).
    pub fn log_path(&self) -> PathBuf {
        self.root.join("cyrus.log")
    }

    /// Cyrus's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }
}

impl Drop for Cyrus {
    fn drop(&mut self) {
        self.stop_blocking();
        if let Some(dir) = self.dir.take() {
            proc::dispose(dir, "Cyrus");
        }
    }
}

/// Stops the Cyrus master recorded in an orphaned state dir (see `proc::reap_orphans`).
pub(super) fn stop_orphan(dir: &Path) {
    if let Some(pid) = proc::read_pid(&dir.join(PID_FILE))
        && Cyrus::is_our_master(pid)
    {
        proc::stop_blocking(pid, install().daemon, Duration::from_secs(10));
    }
}

enum Launch {
    PortTaken,
    Failed(String),
}

/// A file of `tests/infra/cyrus/`.
fn template(name: &str) -> String {
    let path = repo_dir().join("tests/infra/cyrus").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Maildir flag letters to an IMAP flag list (`"RS"` -> `(\Answered \Seen)`), or `""`.
pub(super) fn imap_flags(letters: &str) -> String {
    let flags: Vec<&str> = letters
        .chars()
        .filter_map(|c| match c {
            'F' => Some("\\Flagged"),
            'R' => Some("\\Answered"),
            'S' => Some("\\Seen"),
            'T' => Some("\\Deleted"),
            'D' => Some("\\Draft"),
            _ => None,
        })
        .collect();
    if flags.is_empty() {
        String::new()
    } else {
        format!("({})", flags.join(" "))
    }
}

/// Adds `login` with `pass` to the sasldb (realm `localhost`, Cyrus's `servername`).
fn set_password(saslpasswd2: &Path, sasldb: &Path, login: &str, pass: &str) {
    use std::io::Write as _;
    let mut child = Command::new(saslpasswd2)
        .args(["-p", "-c", "-u", "localhost", "-f"])
        .arg(sasldb)
        .arg(login)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run saslpasswd2: {e}"));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(pass.as_bytes())
        .expect("write the password to saslpasswd2");
    let out = child.wait_with_output().expect("saslpasswd2");
    assert!(
        out.status.success(),
        "saslpasswd2 for {login} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn chown_tree(path: &Path, (uid, gid): (u32, u32)) {
    std::os::unix::fs::chown(path, Some(uid), Some(gid))
        .unwrap_or_else(|e| panic!("chown {}: {e}", path.display()));
    if path.is_dir() {
        for entry in std::fs::read_dir(path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
            .filter_map(Result::ok)
        {
            chown_tree(&entry.path(), (uid, gid));
        }
    }
}
