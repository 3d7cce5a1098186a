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

/// The pid on the first line of a pid file (PostgreSQL's `postmaster.pid` has more lines).
pub fn read_pid_first_line(pid_file: &Path) -> Option<i32> {
    std::fs::read_to_string(pid_file)
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()
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
pub const POSTGRES: Daemon = Daemon {
    master_exe: "postgres",
    helpers_dir: "/usr/lib/postgresql/",
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
    end_group(pid, daemon, false, grace);
}

/// Kills the daemon and its helpers with SIGKILL at once, as a crash would: clients see their
/// connections drop without a goodbye. Blocking.
pub fn kill_blocking(pid: i32, daemon: Daemon) {
    end_group(pid, daemon, true, Duration::from_secs(5));
}

fn end_group(pid: i32, daemon: Daemon, hard: bool, grace: Duration) {
    use rustix::process::Signal;
    // a recycled pid that runs something else is never touched: its group is not ours
    if alive(pid) && !is_ours(pid, daemon.master_exe) {
        return;
    }
    let mut deadline = Instant::now() + grace;
    let mut signalled = false;
    let mut killed = hard;
    loop {
        let left = members(pid, daemon);
        if left.is_empty() {
            return;
        }
        if !signalled {
            let sig = if hard { Signal::KILL } else { Signal::TERM };
            left.iter().for_each(|member| signal(*member, sig));
            signalled = true;
        } else if Instant::now() > deadline {
            if killed {
                eprintln!(
                    "harness: {} processes {left:?} survive SIGKILL",
                    daemon.master_exe
                );
                return;
            }
            eprintln!(
                "harness: {} processes {left:?} ignored SIGTERM for {grace:?}; sending SIGKILL",
                daemon.master_exe
            );
            left.iter().for_each(|member| signal(*member, Signal::KILL));
            killed = true;
            deadline = Instant::now() + Duration::from_secs(5);
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

/// Async twin of [`kill_blocking`].
pub async fn kill(pid: i32, daemon: Daemon) {
    tokio::task::spawn_blocking(move || kill_blocking(pid, daemon))
        .await
        .unwrap_or_else(|e| panic!("killing {}: {e}", daemon.master_exe));
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

/// Where the servers' state dirs go: `$SEALMAIL_TEST_TMPDIR`, else `/dev/shm` when it is a
/// roomy memory file system (mailboxes of 10,000 files fill and vanish in a blink even when the
/// disk is busy; containers often get a 64 MB one, too small), else `/tmp`.
fn temp_base() -> PathBuf {
    const ROOMY: u64 = 2 << 30;
    if let Some(dir) = std::env::var_os("SEALMAIL_TEST_TMPDIR") {
        return PathBuf::from(dir);
    }
    let shm = Path::new("/dev/shm");
    let roomy = rustix::fs::statvfs(shm)
        .is_ok_and(|fs| fs.f_bavail.saturating_mul(fs.f_frsize) >= ROOMY)
        && rustix::fs::access(shm, rustix::fs::Access::WRITE_OK).is_ok();
    if roomy {
        shm.to_path_buf()
    } else {
        PathBuf::from("/tmp")
    }
}

/// A fresh temp dir with a short path (unix socket paths must stay under 108 bytes),
/// traversable by the unprivileged users the daemons switch to.
pub fn short_temp_dir(prefix: &str) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let base = temp_base();
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .rand_bytes(6)
        .tempdir_in(&base)
        .unwrap_or_else(|e| panic!("cannot create a temp dir in {}: {e}", base.display()));
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("cannot chmod {}: {e}", dir.path().display()));
    let owner = format!(
        "{} {}\n",
        std::process::id(),
        start_time(std::process::id() as i32).unwrap_or(0)
    );
    std::fs::write(dir.path().join(OWNER_FILE), owner)
        .unwrap_or_else(|e| panic!("cannot write into {}: {e}", dir.path().display()));
    static JANITOR: std::sync::Once = std::sync::Once::new();
    JANITOR.call_once(|| reap_orphans(&base));
    dir
}

/// Names the test process that owns a state dir: "<pid> <start time>".
const OWNER_FILE: &str = "owner";

/// A process's start time (clock ticks after boot), which tells a recycled pid apart.
fn start_time(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(") ")?;
    // field 22 of stat; `rest` starts at field 3
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// Stops the daemons and removes the state dirs of test processes that died without running
/// their `Drop`s (a killed `cargo test`). Only dirs whose owner process is gone are touched, and
/// only processes recorded in them that still run Dovecot's, Postfix's or Cyrus's programs.
fn reap_orphans(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let dir = entry.path();
        let is_ours = entry.file_name().to_string_lossy().starts_with("smt-");
        let Some(owner) = is_ours
            .then(|| std::fs::read_to_string(dir.join(OWNER_FILE)).ok())
            .flatten()
        else {
            continue;
        };
        let mut fields = owner.split_whitespace().map(|f| f.parse::<u64>().ok());
        let (Some(Some(pid)), Some(Some(started))) = (fields.next(), fields.next()) else {
            continue;
        };
        let owner_lives = alive(pid as i32) && start_time(pid as i32) == Some(started);
        if owner_lives {
            continue;
        }
        for (pid_file, daemon) in [
            ("run/master.pid", DOVECOT),
            ("spool/pid/master.pid", POSTFIX),
        ] {
            if let Some(master) = read_pid(&dir.join(pid_file)) {
                stop_blocking(master, daemon, Duration::from_secs(10));
            }
        }
        if let Some(master) = read_pid_first_line(&dir.join("pg/data/postmaster.pid")) {
            stop_blocking(master, POSTGRES, Duration::from_secs(10));
        }
        super::cyrus::stop_orphan(&dir);
        let _ = std::fs::remove_dir_all(&dir);
    }
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
