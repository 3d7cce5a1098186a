//! A private Postfix 3.7 on free loopback ports that delivers every accepted message to one
//! [`Dovecot`] over LMTP (its unix socket) and relays nothing anywhere else.
//!
//! Config: `tests/infra/postfix/main.cf.in` and `master.cf.in`, rendered here.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use super::dovecot::{mkdir, render, template, write};
use super::{DOMAIN, Dovecot, USERS, ports, proc};

const START_ATTEMPTS: usize = 4;

/// A running Postfix. Dropping it stops it and deletes its state (queue, log).
#[derive(Debug)]
pub struct Postfix {
    dir: Option<tempfile::TempDir>,
    root: PathBuf,
    smtp_port: u16,
    smtps_port: u16,
    ca_pem: PathBuf,
    pid: Option<i32>,
}

impl Postfix {
    /// Starts Postfix for `dovecot` (which must be running: smtpd needs its auth socket).
    /// STARTTLS is offered with `dovecot`'s certificate ([`Postfix::ca_pem`] verifies it);
    /// AUTH is optional, with the Dovecot users. Panics (with its log) if it cannot start.
    pub async fn start(dovecot: &Dovecot) -> Postfix {
        Self::start_with(dovecot, true).await
    }

    /// Like [`Postfix::start`], but with `starttls: false` the SMTP port offers no STARTTLS
    /// (a relay that would take AUTH and mail in clear); SMTPS stays as it is.
    pub async fn start_with(dovecot: &Dovecot, starttls: bool) -> Postfix {
        Self::start_with_options(dovecot, starttls, &[]).await
    }

    /// Like [`Postfix::start_with`], with `smtpd` settings (`name=value`, no spaces: commas
    /// separate a list) for the SMTP port only, e.g. `smtpd_end_of_data_restrictions=sleep,20`
    /// to hold a client after it has handed the whole message over.
    pub async fn start_with_options(
        dovecot: &Dovecot,
        starttls: bool,
        smtpd_options: &[&str],
    ) -> Postfix {
        proc::require_root("Postfix");
        let postfix = proc::require_binary("postfix");
        let dir = proc::short_temp_dir("smt-postfix-");
        let root = dir.path().to_path_buf();
        let etc = root.join("etc");
        mkdir(&etc);
        let tls = dovecot.tls_files();
        copy(&tls.cert_pem, &etc.join("cert.pem"));
        copy(&tls.key_pem, &etc.join("key.pem"));
        set_mode(&etc.join("key.pem"), 0o600);
        let vmailbox: String = USERS
            .iter()
            .map(|(login, _)| format!("{login}@{DOMAIN} x\n"))
            .collect();
        write(&etc.join("vmailbox"), &vmailbox);
        make_queue(&root);

        let mut instance = Postfix {
            dir: Some(dir),
            root,
            smtp_port: 0,
            smtps_port: 0,
            ca_pem: tls.ca_pem.clone(),
            pid: None,
        };
        let dovecot_dir = dovecot.state_dir().display().to_string();
        for attempt in 1..=START_ATTEMPTS {
            let p = ports::free_ports(2);
            instance.smtp_port = p[0];
            instance.smtps_port = p[1];
            let p_dir = instance.root.display().to_string();
            let vars = [
                ("P", p_dir.as_str()),
                ("D", dovecot_dir.as_str()),
                ("DOMAIN", DOMAIN),
                ("SMTP_PORT", &instance.smtp_port.to_string()),
                ("SMTPS_PORT", &instance.smtps_port.to_string()),
            ];
            for name in ["main.cf", "master.cf"] {
                let mut text = render(&template(&format!("postfix/{name}.in")), &vars);
                let mut options: Vec<String> =
                    smtpd_options.iter().map(|o| format!(" -o {o}")).collect();
                if !starttls {
                    options.push(" -o smtpd_tls_security_level=none".into());
                }
                if name == "master.cf" && !options.is_empty() {
                    let smtp = format!("127.0.0.1:{} inet", instance.smtp_port);
                    let options = options.concat();
                    text = text
                        .lines()
                        .map(|line| {
                            if line.starts_with(&smtp) {
                                format!("{line}{options}\n")
                            } else {
                                format!("{line}\n")
                            }
                        })
                        .collect();
                }
                write(&etc.join(name), &text);
            }
            // Postfix re-reads a config file whose mtime is the current second every 0.3 s
            // (about 2 s at start): backdate them.
            backdate(&etc);
            match instance.launch(&postfix).await {
                Ok(()) => return instance,
                Err(why) => {
                    instance.stop_blocking();
                    let log = instance.root.join("postfix.log");
                    let out = instance.root.join("start.out");
                    if attempt < START_ATTEMPTS && proc::address_in_use(&[&log, &out]) {
                        continue;
                    }
                    panic!(
                        "Postfix did not start: {why} (state in {}){}",
                        instance.root.display(),
                        proc::tails(&[&out, &log], 60)
                    );
                }
            }
        }
        unreachable!("the last attempt returns or panics")
    }

    async fn launch(&mut self, postfix: &Path) -> Result<(), String> {
        let start_out = self.root.join("start.out");
        let out = std::fs::File::create(&start_out).map_err(|e| e.to_string())?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        // daemonizes; keeps inherited stdio open, so never a pipe
        let status = Command::new(postfix)
            .arg("-c")
            .arg(self.root.join("etc"))
            .arg("start")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .status()
            .map_err(|e| format!("cannot run postfix: {e}"))?;
        if let Some(pid) = proc::read_pid(&self.pid_file()) {
            self.pid = Some(pid);
        }
        if !status.success() {
            return Err(format!("`postfix start` exited with {status}"));
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(pid) = proc::read_pid(&self.pid_file()) {
                self.pid = Some(pid);
                if proc::banner(self.smtp_port, "220").await {
                    return Ok(());
                }
                if !proc::alive(pid) {
                    return Err("the master process exited".into());
                }
            }
            if Instant::now() > deadline {
                return Err("no SMTP greeting within 20 s".into());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn pid_file(&self) -> PathBuf {
        self.root.join("spool/pid/master.pid")
    }

    fn stop_blocking(&mut self) {
        if let Some(pid) = self.pid.take() {
            proc::stop_blocking(pid, proc::POSTFIX, Duration::from_secs(10));
        }
    }

    /// Stops Postfix now (Drop does it too).
    pub async fn stop(&mut self) {
        if let Some(pid) = self.pid.take() {
            proc::stop(pid, proc::POSTFIX, Duration::from_secs(10)).await;
        }
    }

    /// SMTP port: no TLS at first, STARTTLS offered, AUTH optional.
    pub fn smtp_port(&self) -> u16 {
        self.smtp_port
    }

    /// SMTPS port (implicit TLS).
    pub fn smtps_port(&self) -> u16 {
        self.smtps_port
    }

    /// `smtp://127.0.0.1:PORT`.
    pub fn smtp_url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.smtp_port)
    }

    /// The CA that verifies Postfix's certificate (the Dovecot's test CA).
    pub fn ca_pem(&self) -> &Path {
        &self.ca_pem
    }

    /// The temp dir that holds everything of this instance (queue, log).
    pub fn state_dir(&self) -> &Path {
        &self.root
    }

    /// Postfix's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root.join("postfix.log")).unwrap_or_default()
    }

    /// Postfix's `disconnect from ...` lines of clients that said EHLO (the harness's
    /// start-up probe only reads the banner): each lists the commands the client sent.
    pub fn sessions(&self) -> Vec<String> {
        self.log()
            .lines()
            .filter(|l| l.contains("disconnect from") && l.contains("ehlo="))
            .map(str::to_owned)
            .collect()
    }

    /// Waits until Postfix logged `n` finished sessions (30 s at most).
    pub async fn wait_for_sessions(&self, n: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let seen = self.sessions();
            if seen.len() >= n {
                return seen;
            }
            assert!(
                Instant::now() < deadline,
                "Postfix saw {} sessions, wanted {n}; log:\n{}",
                seen.len(),
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        self.stop_blocking();
        if let Some(dir) = self.dir.take() {
            proc::dispose(dir, "Postfix");
        }
    }
}

/// The queue layout of `/etc/postfix/postfix-files`, made here so that `postfix start` can
/// skip its post-install checks (`quick-start`): start-up drops from ~2.3 s to ~0.2 s.
fn make_queue(root: &Path) {
    let queue = root.join("spool");
    let data = root.join("data");
    mkdir(&queue);
    mkdir(&data);
    let postfix = user_ids("postfix");
    let postdrop = group_id("postdrop");
    for d in [
        "active", "bounce", "corrupt", "defer", "deferred", "flush", "hold", "incoming", "private",
        "saved", "trace",
    ] {
        make_dir(&queue.join(d), postfix.0, 0, 0o700);
    }
    make_dir(&queue.join("maildrop"), postfix.0, postdrop, 0o730);
    make_dir(&queue.join("public"), postfix.0, postdrop, 0o710);
    make_dir(&queue.join("pid"), 0, 0, 0o755);
    make_dir(&data, postfix.0, postfix.1, 0o700);
    write(&queue.join("quick-start"), "");
}

fn make_dir(path: &Path, uid: u32, gid: u32, mode: u32) {
    mkdir(path);
    std::os::unix::fs::chown(path, Some(uid), Some(gid))
        .unwrap_or_else(|e| panic!("chown {}: {e}", path.display()));
    set_mode(path, mode);
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
}

fn copy(from: &Path, to: &Path) {
    std::fs::copy(from, to)
        .unwrap_or_else(|e| panic!("copy {} to {}: {e}", from.display(), to.display()));
}

fn backdate(dir: &Path) {
    let past = SystemTime::now() - Duration::from_secs(60);
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        let file = std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
        file.set_modified(past)
            .unwrap_or_else(|e| panic!("set mtime of {}: {e}", path.display()));
    }
}

/// uid and gid of a system user, from /etc/passwd.
fn user_ids(name: &str) -> (u32, u32) {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .map(|line| line.split(':').collect::<Vec<_>>())
        .find(|f| f.len() > 3 && f[0] == name)
        .and_then(|f| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
        .unwrap_or_else(|| {
            panic!("no system user {name:?}: run `sudo scripts/install-test-deps.sh`")
        })
}

/// gid of a system group, from /etc/group.
fn group_id(name: &str) -> u32 {
    let groups = std::fs::read_to_string("/etc/group").unwrap_or_default();
    groups
        .lines()
        .map(|line| line.split(':').collect::<Vec<_>>())
        .find(|f| f.len() > 2 && f[0] == name)
        .and_then(|f| f[2].parse().ok())
        .unwrap_or_else(|| {
            panic!("no system group {name:?}: run `sudo scripts/install-test-deps.sh`")
        })
}
