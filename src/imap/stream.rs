//! The byte stream under the IMAP session: TLS or (loopback-only) plain TCP, counting the
//! bytes each way for the metrics panel, and following the dialogue (`wire`) so that a
//! command cut off by BYE or EOF fails and the server's alerts are kept for the user.

use super::nesting::NestingGuard;
use super::wire::{Watcher, WordsQueue};
use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// Bytes moved over the account's connections (all of them, across reconnects), and the
/// server words on them that the user must see.
#[derive(Debug, Default)]
pub struct Traffic {
    pub bytes_in: AtomicU64,
    pub bytes_out: AtomicU64,
    pub words: WordsQueue,
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
    /// Commands in progress, BYE and ALERT (boxed: the session type stays small).
    watcher: Box<Watcher>,
}

impl Conn {
    pub fn tls(stream: TlsStream<TcpStream>, traffic: Arc<Traffic>) -> Self {
        Self {
            inner: Inner::Tls(Box::new(stream)),
            traffic,
            nesting: NestingGuard::default(),
            watcher: Box::default(),
        }
    }

    pub fn plain(stream: TcpStream, traffic: Arc<Traffic>) -> Self {
        Self {
            inner: Inner::Plain(stream),
            traffic,
            nesting: NestingGuard::default(),
            watcher: Box::default(),
        }
    }

    /// The tagged NO or BAD of the last command sent on this connection, once.
    pub fn take_refusal(&mut self) -> Option<super::wire::Refusal> {
        self.watcher.take_refusal()
    }

    /// A write failed (the server closed the connection): the server may have said why, in a
    /// BYE read between commands (Cyrus's `* BYE [ALERT]` right after a LOGIN's OK, while no
    /// command was pending) or in bytes not read yet, which are read here without waiting.
    /// The BYE is then the error, not the broken pipe.
    fn write_failed(&mut self, cx: &mut Context<'_>, error: io::Error) -> io::Error {
        let mut scratch = [0u8; 4096];
        // Enough for any words before a BYE; a server that keeps talking is not read to its end.
        for _ in 0..16 {
            if let Some(closed) = self.watcher.said_bye() {
                return io::Error::new(io::ErrorKind::ConnectionAborted, closed);
            }
            let mut buf = ReadBuf::new(&mut scratch);
            let result = match &mut self.inner {
                Inner::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, &mut buf),
                Inner::Plain(s) => Pin::new(s).poll_read(cx, &mut buf),
            };
            let fresh = buf.filled();
            if !matches!(result, Poll::Ready(Ok(()))) || fresh.is_empty() {
                break;
            }
            self.traffic
                .bytes_in
                .fetch_add(fresh.len() as u64, Ordering::Relaxed);
            self.watcher.received(fresh, &self.traffic.words);
        }
        match self.watcher.said_bye() {
            Some(closed) => io::Error::new(io::ErrorKind::ConnectionAborted, closed),
            None => error,
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
        if let Some(closed) = this.watcher.failed() {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                closed,
            )));
        }
        let before = buf.filled().len();
        let room = buf.remaining() > 0;
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
        if let Poll::Ready(Ok(())) = &result {
            if read == 0 && room {
                // The end of the stream: async-imap would end the command's responses as if
                // it had completed.
                if let Some(closed) = this.watcher.at_eof() {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::ConnectionAborted,
                        closed,
                    )));
                }
            } else {
                this.watcher.received(fresh, &this.traffic.words);
            }
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
        // After a BYE the server's words say why a write fails, not the broken pipe.
        if let Some(closed) = this.watcher.failed() {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                closed,
            )));
        }
        let result = match &mut this.inner {
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            Inner::Plain(s) => Pin::new(s).poll_write(cx, buf),
        };
        match result {
            Poll::Ready(Ok(n)) => {
                this.watcher.sent(buf.get(..n).unwrap_or_default());
                this.traffic
                    .bytes_out
                    .fetch_add(n as u64, Ordering::Relaxed);
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(this.write_failed(cx, e))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let result = match &mut this.inner {
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            Inner::Plain(s) => Pin::new(s).poll_flush(cx),
        };
        match result {
            Poll::Ready(Err(e)) => Poll::Ready(Err(this.write_failed(cx, e))),
            other => other,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().inner {
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            Inner::Plain(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}
