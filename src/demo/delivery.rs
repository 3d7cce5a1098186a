//! Where the demo's loopback SMTP server puts a message it took: mail for the demo user
//! ([`super::ADDRESS`]) into the INBOX's `new/`, mail for anyone else, once, into the
//! `.Delivered` folder (what the demo delivered to others), each through `tmp/` as a delivery
//! agent does. One [`Delivery`] per connection: the `mailin` handler that keeps the envelope
//! and the bytes under [`MAX_MESSAGE`]. Never logs an address or the text.

use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use mailin::{Handler, Response};

use crate::mail::Flags;

/// The largest message the server takes (its bytes after dot-unstuffing).
pub const MAX_MESSAGE: usize = 16 * 1024 * 1024;
/// The most recipients one message may have.
pub const MAX_RECIPIENTS: usize = 100;
/// The Maildir++ folder that keeps what went to others.
pub const DELIVERED: &str = ".Delivered";

/// One connection's transaction: who from, who to, the bytes so far.
pub struct Delivery {
    root: PathBuf,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
    too_large: bool,
    /// Set when a message could not be kept: the connection ends after the reply.
    failed: Arc<AtomicBool>,
}

impl Delivery {
    /// A handler delivering below the demo Maildir `root` (the INBOX).
    pub fn new(root: &Path, failed: Arc<AtomicBool>) -> Self {
        Self {
            root: root.to_path_buf(),
            from: String::new(),
            to: Vec::new(),
            data: Vec::new(),
            too_large: false,
            failed,
        }
    }

    fn deliver(&self) -> io::Result<()> {
        let (own, others): (Vec<&String>, Vec<&String>) = self
            .to
            .iter()
            .partition(|to| to.eq_ignore_ascii_case(super::ADDRESS));
        if !own.is_empty() {
            let raw = self.with_trace(&[super::ADDRESS]);
            crate::maildir::deliver(&self.root, &raw, Flags::default())?;
        }
        if !others.is_empty() {
            let others: Vec<&str> = others.iter().map(|s| s.as_str()).collect();
            let raw = self.with_trace(&others);
            let mut seen = Flags::default();
            seen.set(Flags::SEEN, true);
            crate::maildir::deliver(&self.root.join(DELIVERED), &raw, seen)?;
        }
        Ok(())
    }

    /// The message with the trace fields a delivery agent adds: `Return-Path` and one
    /// `Delivered-To` per recipient (an address that could break a header line is left out).
    fn with_trace(&self, to: &[&str]) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 128);
        if header_safe(&self.from) {
            out.extend_from_slice(format!("Return-Path: <{}>\r\n", self.from).as_bytes());
        }
        for address in to.iter().filter(|a| header_safe(a)) {
            out.extend_from_slice(format!("Delivered-To: {address}\r\n").as_bytes());
        }
        out.extend_from_slice(&self.data);
        out
    }
}

/// Printable, no spaces, not too long: safe on a header line of its own.
fn header_safe(address: &str) -> bool {
    !address.is_empty()
        && address.len() <= 320
        && !address.chars().any(|c| c.is_control() || c.is_whitespace())
}

impl Handler for Delivery {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, from: &str) -> Response {
        self.from = from.to_owned();
        self.to.clear();
        mailin::response::OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        if !to.contains('@') || !header_safe(to) {
            return mailin::response::BAD_MAILBOX;
        }
        if self.to.len() >= MAX_RECIPIENTS {
            return Response::custom(452, "Too many recipients".into());
        }
        self.to.push(to.to_owned());
        mailin::response::OK
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        from.clone_into(&mut self.from);
        self.to = to.to_vec();
        self.data.clear();
        self.too_large = false;
        mailin::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        // Past the limit the rest is read and dropped, and the end of data refuses it.
        if self.too_large || self.data.len().saturating_add(buf.len()) > MAX_MESSAGE {
            self.too_large = true;
            self.data = Vec::new();
        } else {
            self.data.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let response = if self.too_large {
            self.failed.store(true, Ordering::Relaxed);
            Response::custom(552, format!("Message larger than {} bytes", MAX_MESSAGE))
        } else {
            match self.deliver() {
                Ok(()) => mailin::response::OK,
                Err(e) => {
                    tracing::warn!(
                        "the demo's SMTP server could not keep a message: {}",
                        e.kind()
                    );
                    self.failed.store(true, Ordering::Relaxed);
                    mailin::response::INTERNAL_ERROR
                }
            }
        };
        self.data = Vec::new();
        self.to.clear();
        response
    }
}
