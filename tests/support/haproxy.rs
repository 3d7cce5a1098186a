//! HAProxy (Debian package) in front of several HTTP backends on loopback: round robin,
//! health checks on `/readyz` every 200 ms, a failed connection retried on another backend.
//! A foreground child process (`haproxy -db`); dropping it kills it.

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

use super::{ports, proc};

/// A running HAProxy. Dropping it kills it and deletes its config.
#[derive(Debug)]
pub struct Haproxy {
    child: Option<Child>,
    dir: Option<tempfile::TempDir>,
    port: u16,
}

/// A free loopback port for [`Haproxy::start`], to know the origin before the backends start.
pub fn haproxy_port() -> u16 {
    ports::free_ports(1)[0]
}

impl Haproxy {
    /// Starts HAProxy on `port` (see [`haproxy_port`]) in front of `backends`; panics with its
    /// output if it does not listen within 10 s.
    pub async fn start(port: u16, backends: &[SocketAddr]) -> Haproxy {
        let haproxy = proc::require_binary("haproxy");
        let dir = proc::short_temp_dir("smt-haproxy-");
        let servers: String = backends
            .iter()
            .enumerate()
            .map(|(n, addr)| format!("  server portal{n} {addr} check\n"))
            .collect();
        let config = format!(
            "global\n  maxconn 2000\n\
             defaults\n  mode http\n  timeout connect 1s\n  timeout client 30s\n  \
             timeout server 30s\n  retries 3\n  option redispatch 1\n  \
             retry-on conn-failure empty-response\n\
             frontend portal\n  bind 127.0.0.1:{port}\n  option forwardfor\n  \
             default_backend portals\n\
             backend portals\n  balance roundrobin\n  option http-buffer-request\n  \
             option httpchk GET /readyz\n  http-check expect status 200\n  \
             default-server inter 200ms fall 2 rise 1\n{servers}"
        );
        let cfg = dir.path().join("haproxy.cfg");
        std::fs::write(&cfg, config).expect("write haproxy.cfg");
        let log = dir.path().join("haproxy.out");
        let out = std::fs::File::create(&log).expect("haproxy.out");
        let err = out.try_clone().expect("haproxy.out");
        let child = Command::new(haproxy)
            .arg("-f")
            .arg(&cfg)
            .arg("-db")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start haproxy: {e}"));
        let mut proxy = Haproxy {
            child: Some(child),
            dir: Some(dir),
            port,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            let exited = proxy
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            if exited.is_some() || Instant::now() > deadline {
                panic!(
                    "HAProxy did not listen on 127.0.0.1:{port} ({exited:?}){}",
                    proc::tails(&[&log], 40)
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        proxy
    }

    /// `http://127.0.0.1:PORT`
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.start_kill();
        }
        if let Some(dir) = self.dir.take() {
            proc::dispose(dir, "HAProxy");
        }
    }
}
