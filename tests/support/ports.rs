//! Free loopback ports for the servers of one test.
//!
//! The kernel picks them (bind 127.0.0.1:0); all listeners of one request are held at once so
//! the ports differ, and a process-wide set keeps parallel tests of one binary from getting the
//! same port twice. Another process may still grab a port between our pick and the server's
//! bind: the servers detect "address in use" and retry with fresh ports.

use std::collections::HashSet;
use std::net::TcpListener;
use std::sync::{Mutex, OnceLock};

fn handed_out() -> &'static Mutex<HashSet<u16>> {
    static PORTS: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    PORTS.get_or_init(|| Mutex::new(HashSet::new()))
}

/// `n` distinct free ports on 127.0.0.1, never handed out before in this process.
pub fn free_ports(n: usize) -> Vec<u16> {
    let mut seen = handed_out()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut held = Vec::new();
    let mut ports = Vec::new();
    while ports.len() < n {
        let listener = TcpListener::bind("127.0.0.1:0")
            .unwrap_or_else(|e| panic!("cannot bind a loopback port: {e}"));
        let port = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("no local address: {e}"))
            .port();
        if seen.insert(port) {
            ports.push(port);
        }
        held.push(listener);
    }
    ports
}
