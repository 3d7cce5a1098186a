//! A private PostgreSQL 15 from Debian's packages: `initdb` and `pg_ctl` as the unprivileged
//! `postgres` user, in a temp dir, on a free loopback port, password authentication (SCRAM)
//! for the superuser `sealmail`. Tests share one server per test binary ([`Postgres::shared`])
//! and each takes a fresh database ([`Postgres::create_database`]), so they stay parallel; a
//! test that stops or restarts the server starts its own ([`Postgres::start`]).
//!
//! The binaries are found in `$SEALMAIL_TEST_PG_BIN` or the newest `/usr/lib/postgresql/*/bin`. A
//! watchdog process stops the server and removes its dir when the test process exits, however
//! it exits; `Drop` does the same for a server a test owns.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use sqlx::Connection;

use super::tls::{TlsFiles, write_pki};
use super::{ports, proc};

const START_ATTEMPTS: usize = 4;
/// The superuser the tests sign in as, and its password.
pub const PG_USER: &str = "sealmail";
pub const PG_PASSWORD: &str = "pg-test-password-5f1c";

/// A running PostgreSQL. Dropping it stops it and deletes its data.
#[derive(Debug)]
pub struct Postgres {
    dir: Option<tempfile::TempDir>,
    root: PathBuf,
    bin: PathBuf,
    port: u16,
    /// With TLS: the server's certificate names localhost and 127.0.0.1, signed by `ca_pem`.
    tls: Option<TlsFiles>,
}

/// `$SEALMAIL_TEST_PG_BIN`, else the newest `/usr/lib/postgresql/VERSION/bin`.
fn bin_dir() -> PathBuf {
    let newest = || {
        std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| Some((e.file_name().to_str()?.parse::<u32>().ok()?, e.path())))
            .max()
            .map(|(_, path)| path.join("bin"))
            .unwrap_or_else(|| PathBuf::from("/usr/lib/postgresql/15/bin"))
    };
    let dir = std::env::var_os("SEALMAIL_TEST_PG_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(newest);
    if !dir.join("initdb").is_file() {
        panic!(
            "PostgreSQL is not installed ({} has no initdb): run \
             `sudo scripts/install-test-deps.sh` (Debian/Ubuntu)",
            dir.display()
        );
    }
    dir
}

/// Runs a command as the `postgres` system user (initdb refuses root).
fn as_postgres(program: &Path) -> Command {
    let mut cmd = Command::new("runuser");
    cmd.arg("-u").arg("postgres").arg("--").arg(program);
    cmd
}

fn chown_postgres(path: &Path) {
    let status = Command::new("chown")
        .arg("-R")
        .arg("postgres:postgres")
        .arg(path)
        .status()
        .unwrap_or_else(|e| panic!("cannot run chown: {e}"));
    assert!(status.success(), "chown postgres {} failed", path.display());
}

impl Postgres {
    /// The server this test binary shares: started on first use, stopped when the process
    /// exits (by the watchdog).
    pub fn shared() -> &'static Postgres {
        static SHARED: OnceLock<Postgres> = OnceLock::new();
        SHARED.get_or_init(|| {
            let pg = Postgres::start_blocking();
            pg.watch_owner();
            pg
        })
    }

    /// A server of the test's own (to stop, restart or kill).
    pub async fn start() -> Postgres {
        tokio::task::spawn_blocking(|| Postgres::start_with(false))
            .await
            .unwrap_or_else(|e| panic!("starting PostgreSQL: {e}"))
    }

    /// A server of the test's own that also offers TLS (`ssl = on`); [`Postgres::tls`] has
    /// the CA that verifies it.
    pub async fn start_tls() -> Postgres {
        tokio::task::spawn_blocking(|| Postgres::start_with(true))
            .await
            .unwrap_or_else(|e| panic!("starting PostgreSQL: {e}"))
    }

    pub fn tls(&self) -> Option<&TlsFiles> {
        self.tls.as_ref()
    }

    fn start_blocking() -> Postgres {
        Postgres::start_with(false)
    }

    fn start_with(tls: bool) -> Postgres {
        proc::require_root("PostgreSQL (initdb runs as the postgres user)");
        let bin = bin_dir();
        let dir = proc::short_temp_dir("smt-pg-");
        let root = dir.path().to_path_buf();
        let pg_dir = root.join("pg");
        std::fs::create_dir(&pg_dir).unwrap_or_else(|e| panic!("mkdir {}: {e}", pg_dir.display()));
        let tls = tls.then(|| {
            let tls_dir = pg_dir.join("tls");
            std::fs::create_dir(&tls_dir).expect("mkdir tls");
            write_pki(&tls_dir, false)
        });
        let pwfile = pg_dir.join("pwfile");
        std::fs::write(&pwfile, format!("{PG_PASSWORD}\n")).expect("write the pwfile");
        chown_postgres(&pg_dir);
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pg_dir, std::fs::Permissions::from_mode(0o700))
            .expect("chmod the PostgreSQL dir");
        let out = as_postgres(&bin.join("initdb"))
            .arg("-D")
            .arg(pg_dir.join("data"))
            .arg("-U")
            .arg(PG_USER)
            .arg("-A")
            .arg("scram-sha-256")
            .arg(format!("--pwfile={}", pwfile.display()))
            .arg("-N")
            .arg("-E")
            .arg("UTF8")
            .arg("--locale=C")
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run initdb: {e}"));
        let _ = std::fs::remove_file(&pwfile);
        assert!(
            out.status.success(),
            "initdb failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let mut pg = Postgres {
            dir: Some(dir),
            root,
            bin,
            port: 0,
            tls,
        };
        for attempt in 1..=START_ATTEMPTS {
            pg.port = ports::free_ports(1)[0];
            match pg.launch() {
                Ok(()) => return pg,
                Err(why) => {
                    let log = pg.log_path();
                    if attempt < START_ATTEMPTS && proc::address_in_use(&[&log]) {
                        continue;
                    }
                    panic!(
                        "PostgreSQL did not start: {why}{}",
                        proc::tails(&[&log], 60)
                    );
                }
            }
        }
        unreachable!("the last attempt returns or panics")
    }

    fn data_dir(&self) -> PathBuf {
        self.root.join("pg/data")
    }

    pub fn log_path(&self) -> PathBuf {
        self.root.join("pg/log")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn launch(&self) -> Result<(), String> {
        let mut options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=300 -c shared_buffers=32MB",
            self.port,
            self.root.join("pg").display()
        );
        if let Some(tls) = &self.tls {
            options.push_str(&format!(
                " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                tls.cert_pem.display(),
                tls.key_pem.display()
            ));
        }
        let out = as_postgres(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.data_dir())
            .arg("-l")
            .arg(self.log_path())
            .arg("-w")
            .arg("-t")
            .arg("30")
            .arg("-o")
            .arg(options)
            .arg("start")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run pg_ctl: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "pg_ctl start: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    /// The postmaster's pid, from its pid file.
    pub fn pid(&self) -> Option<i32> {
        proc::read_pid_first_line(&self.data_dir().join("postmaster.pid"))
    }

    /// Starts a process that stops this server and removes its dir once the test process has
    /// exited (normally, by a panic, or killed), even when no `Drop` runs.
    fn watch_owner(&self) {
        let script = format!(
            "trap '' INT TERM HUP; while kill -0 {owner} 2>/dev/null; do sleep 0.5; done; \
             runuser -u postgres -- {pg_ctl} -D {data} -m immediate stop >/dev/null 2>&1; \
             [ -n \"$SEALMAIL_TEST_KEEP\" ] || rm -rf {root}",
            owner = std::process::id(),
            pg_ctl = self.bin.join("pg_ctl").display(),
            data = self.data_dir().display(),
            root = self.root.display(),
        );
        // Never waited for: it is meant to outlive this process, and exits only after it.
        #[allow(clippy::zombie_processes)]
        Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the PostgreSQL watchdog: {e}"));
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's state dir (data, log, socket).
    pub fn state_dir(&self) -> &Path {
        &self.root
    }

    /// The URL of database `db`, without the password.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://{PG_USER}@127.0.0.1:{}/{db}", self.port)
    }

    /// A fresh, empty database with a unique name; returns its name.
    pub async fn create_database(&self) -> String {
        let name = format!("portal_{:016x}", rand::random::<u64>());
        let mut conn = self.connect("postgres").await;
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        let _ = conn.close().await;
        name
    }

    /// A connection to database `db` as the superuser.
    pub async fn connect(&self, db: &str) -> sqlx::PgConnection {
        let options = sqlx::postgres::PgConnectOptions::new()
            .host("127.0.0.1")
            .port(self.port)
            .username(PG_USER)
            .password(PG_PASSWORD)
            .database(db);
        sqlx::PgConnection::connect_with(&options)
            .await
            .unwrap_or_else(|e| panic!("connect to PostgreSQL: {e}{}", self.log_tail()))
    }

    fn log_tail(&self) -> String {
        proc::tails(&[&self.log_path()], 30)
    }

    /// `pg_dump` of database `db` (plain SQL, data and schema).
    pub async fn dump(&self, db: &str) -> Vec<u8> {
        let out = tokio::process::Command::new(self.bin.join("pg_dump"))
            .arg("-h")
            .arg("127.0.0.1")
            .arg("-p")
            .arg(self.port.to_string())
            .arg("-U")
            .arg(PG_USER)
            .arg(db)
            .env("PGPASSWORD", PG_PASSWORD)
            .stdin(Stdio::null())
            .output()
            .await
            .unwrap_or_else(|e| panic!("cannot run pg_dump: {e}"));
        assert!(
            out.status.success(),
            "pg_dump failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// Stops the server (fast shutdown: connections are cut); [`Postgres::start_again`]
    /// brings it back on the same port with the same data.
    pub async fn stop(&self) {
        let pg_ctl = self.bin.join("pg_ctl");
        let data = self.data_dir();
        let out = tokio::process::Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(pg_ctl)
            .arg("-D")
            .arg(data)
            .args(["-m", "fast", "-w", "stop"])
            .stdin(Stdio::null())
            .output()
            .await
            .unwrap_or_else(|e| panic!("cannot run pg_ctl stop: {e}"));
        assert!(
            out.status.success(),
            "pg_ctl stop failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts a stopped server again (same port, same data).
    pub async fn start_again(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.launch() {
                Ok(()) => return,
                Err(why) if Instant::now() > deadline => {
                    panic!("PostgreSQL did not start again: {why}{}", self.log_tail())
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if self.pid().is_some_and(proc::alive) {
            let _ = as_postgres(&self.bin.join("pg_ctl"))
                .arg("-D")
                .arg(self.data_dir())
                .args(["-m", "immediate", "-w", "stop"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        if let Some(pid) = self.pid() {
            proc::stop_blocking(pid, proc::POSTGRES, Duration::from_secs(5));
        }
        if let Some(dir) = self.dir.take() {
            proc::dispose(dir, "PostgreSQL");
        }
    }
}
