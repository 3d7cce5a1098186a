//! The byte stream under the IMAP session: TLS or (loopback-only) plain TCP, counting the
//! bytes each way for the metrics panel.

use super::nesting::NestingGuard;
use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// Bytes moved over the account's connections (all of them, across reconnects).
#[derive(Debug, Default)]
pub struct Traffic {
    pub bytes_in: AtomicU64,
    pub bytes_out: AtomicU64,
}

impl Traffic {
    pub fn snapshot(&self) -> (u64, u64) {
        (
            self.bytes_in.load(Ordering::Relaxed),
            self.bytes_out.load(Ordering::Relaxed),
        )
    }
}

enum Inner {
    Tls(Box<TlsStream<TcpStream>>),
    Plain(TcpStream),
}

/// The transport of one IMAP connection.
pub struct Conn {
    inner: Inner,
    traffic: Arc<Traffic>,
    /// Fails a read whose response nests deeper than the IMAP parser can recurse.
    nesting: NestingGuard,
}

impl Conn {
    pub fn tls(stream: TlsStream<TcpStream>, traffic: Arc<Traffic>) -> Self {
        Self {
            inner: Inner::Tls(Box::new(stream)),
            traffic,
            nesting: NestingGuard::default(),
        }
    }

    pub fn plain(stream: TcpStream, traffic: Arc<Traffic>) -> Self {
        Self {
            inner: Inner::Plain(stream),
            traffic,
            nesting: NestingGuard::default(),
        }
    }

    pub fn is_encrypted(&self) -> bool {
        matches!(self.inner, Inner::Tls(_))
    }
}

impl fmt::Debug for Conn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.is_encrypted() {
            "Conn(tls)"
        } else {
            "Conn(plain)"
        })
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = match &mut this.inner {
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            Inner::Plain(s) => Pin::new(s).poll_read(cx, buf),
        };
        let read = buf.filled().len().saturating_sub(before) as u64;
        this.traffic.bytes_in.fetch_add(read, Ordering::Relaxed);
        let fresh = buf.filled().get(before..).unwrap_or_default();
        if !this.nesting.follow(fresh) {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the server's response nests too deeply",
            )));
        }
        result
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = match &mut this.inner {
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            Inner::Plain(s) => Pin::new(s).poll_write(cx, buf),
        };
        if let Poll::Ready(Ok(n)) = &result {
            this.traffic
                .bytes_out
                .fetch_add(*n as u64, Ordering::Relaxed);
        }
        result
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().inner {
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            Inner::Plain(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().inner {
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            Inner::Plain(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}
