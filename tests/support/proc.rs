//! Process plumbing for the harness: preconditions, pid files, stopping exactly what we
//! started, readiness probes and log tails for loud failures.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;

const INSTALL_HINT: &str = "run `sudo scripts/install-test-deps.sh` (Debian/Ubuntu)";

/// Panics unless the tests run as root: Dovecot and Postfix need it to drop privileges.
pub fn require_root(what: &str) {
    if !rustix::process::geteuid().is_root() {
        panic!(
            "{what} must be started as root (it drops privileges itself): run the tests as root; \
             the test servers are installed by scripts/install-test-deps.sh"
        );
    }
}

/// The full path of a server binary, or a panic that says how to install it.
pub fn require_binary(name: &str) -> PathBuf {
    let path_var = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path_var).collect();
    // root's PATH in containers often lacks the sbin dirs where Dovecot and Postfix live
    dirs.extend(["/usr/sbin", "/sbin", "/usr/local/sbin"].map(PathBuf::from));
    dirs.into_iter()
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| panic!("`{name}` is not installed: {INSTALL_HINT}"))
}

/// The pid written in a daemon's pid file (Postfix pads it with blanks).
pub fn read_pid(pid_file: &Path) -> Option<i32> {
    std::fs::read_to_string(pid_file).ok()?.trim().parse().ok()
}

/// Running and not a zombie: an exited daemon, reparented to PID 1, stays a zombie until PID 1
/// reaps it, which can take seconds in a container, and `kill -0` still succeeds on zombies.
pub fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // the state follows the parenthesised command name, which may itself hold blanks
        Ok(stat) => stat
            .rsplit_once(") ")
            .and_then(|(_, rest)| rest.chars().next())
            .is_some_and(|state| state != 'Z' && state != 'X'),
        Err(_) => false,
    }
}

/// The file name of the program a process runs, as the kernel sees it.
fn exe_name(pid: i32) -> Option<String> {
    let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok()?;
    let name = exe.file_name()?.to_string_lossy().into_owned();
    Some(name.trim_end_matches(" (deleted)").to_owned())
}

fn signal(pid: i32, sig: rustix::process::Signal) {
    if let Some(pid) = rustix::process::Pid::from_raw(pid) {
        // ESRCH (already gone) is fine: that is what we want
        let _ = rustix::process::kill_process(pid, sig);
    }
}

/// Whether `pid` still is a live process running the program `exe` (guards against a pid that
/// was recycled for something else after our daemon exited).
pub fn is_ours(pid: i32, exe: &str) -> bool {
    alive(pid) && exe_name(pid).as_deref() == Some(exe)
}

/// Which daemon family a stop applies to: the master's program name, and the directory its
/// helper processes (Dovecot's imap, auth...; Postfix's smtpd, qmgr...) run from.
#[derive(Clone, Copy, Debug)]
pub struct Daemon {
    pub master_exe: &'static str,
    pub helpers_dir: &'static str,
}

pub const DOVECOT: Daemon = Daemon {
    master_exe: "dovecot",
    helpers_dir: "/usr/lib/dovecot/",
};
pub const POSTFIX: Daemon = Daemon {
    master_exe: "master",
    helpers_dir: "/usr/lib/postfix/",
};

/// The live processes of the process group `pgid` that belong to `daemon`. A daemonized master
/// leads its own session and group, and its children stay in that group; they may outlive the
/// master (Dovecot's imap processes keep serving their client after the master died).
fn members(pgid: i32, daemon: Daemon) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                return false;
            };
            // fields after the command name: state, ppid, pgrp, ...
            let Some((_, rest)) = stat.rsplit_once(") ") else {
                return false;
            };
            let mut fields = rest.split_whitespace();
            let state = fields.next().unwrap_or("Z");
            let pgrp = fields.nth(1).and_then(|f| f.parse::<i32>().ok());
            if state == "Z" || state == "X" || pgrp != Some(pgid) {
                return false;
            }
            std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| {
                exe.starts_with(daemon.helpers_dir)
                    || exe.file_name().is_some_and(|n| n == daemon.master_exe)
            })
        })
        .collect()
}

/// Stops the daemon whose master is `pid` and every helper process it started (same process
/// group, program of that daemon): SIGTERM, then SIGKILL after `grace`. Blocking.
pub fn stop_blocking(pid: i32, daemon: Daemon, grace: Duration) {
    // a recycled pid that runs something else is never touched: its group is not ours
    if alive(pid) && !is_ours(pid, daemon.master_exe) {
        return;
    }
    let deadline = Instant::now() + grace;
    let mut first = true;
    loop {
        let left = members(pid, daemon);
        if left.is_empty() {
            return;
        }
        if first {
            for member in &left {
                signal(*member, rustix::process::Signal::TERM);
            }
            first = false;
        } else if Instant::now() > deadline {
            eprintln!(
                "harness: {} processes {left:?} ignored SIGTERM for {grace:?}; sending SIGKILL",
                daemon.master_exe
            );
            for member in &left {
                signal(*member, rustix::process::Signal::KILL);
            }
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Async twin of [`stop_blocking`] (runs it on the blocking pool).
pub async fn stop(pid: i32, daemon: Daemon, grace: Duration) {
    tokio::task::spawn_blocking(move || stop_blocking(pid, daemon, grace))
        .await
        .unwrap_or_else(|e| panic!("stopping {}: {e}", daemon.master_exe));
}

/// Waits until nothing accepts connections on these loopback ports any more (a stopped
/// daemon's children may hold a listener a little longer than the master lives).
pub async fn wait_ports_closed(ports: &[u16], timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        let mut open = false;
        for port in ports {
            if tokio::net::TcpStream::connect(("127.0.0.1", *port))
                .await
                .is_ok()
            {
                open = true;
            }
        }
        if !open {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The first bytes a server sends on connect, if it starts with `prefix`.
pub async fn banner(port: u16, prefix: &str) -> bool {
    let attempt = async {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .ok()?;
        let mut buf = vec![0u8; 256];
        let n = stream.read(&mut buf).await.ok()?;
        Some(buf[..n].starts_with(prefix.as_bytes()))
    };
    matches!(
        tokio::time::timeout(Duration::from_secs(2), attempt).await,
        Ok(Some(true))
    )
}

/// The last `lines` lines of each file, for panic messages.
pub fn tails(files: &[&Path], lines: usize) -> String {
    let mut out = String::new();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| format!("(unreadable: {e})"));
        let all: Vec<&str> = text.lines().collect();
        let start = all.len().saturating_sub(lines);
        out.push_str(&format!("\n---- {} ----\n", file.display()));
        out.push_str(&all[start..].join("\n"));
    }
    out
}

/// A temp dir under /tmp with a short path (unix socket paths must stay under 108 bytes),
/// traversable by the unprivileged users the daemons switch to.
pub fn short_temp_dir(prefix: &str) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .rand_bytes(6)
        .tempdir_in("/tmp")
        .unwrap_or_else(|e| panic!("cannot create a temp dir under /tmp: {e}"));
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("cannot chmod {}: {e}", dir.path().display()));
    dir
}

/// Removes a temp dir, or keeps it (and says where) when `SEALMAIL_TEST_KEEP` is set.
pub fn dispose(dir: tempfile::TempDir, what: &str) {
    if std::env::var_os("SEALMAIL_TEST_KEEP").is_some() {
        eprintln!("harness: kept {what} state in {}", dir.keep().display());
    }
}

/// Whether a server's log says that a port was taken meanwhile (then: new ports, retry).
pub fn address_in_use(texts: &[&Path]) -> bool {
    texts.iter().any(|file| {
        std::fs::read_to_string(file)
            .is_ok_and(|t| t.contains("Address already in use") || t.contains("EADDRINUSE"))
    })
}
