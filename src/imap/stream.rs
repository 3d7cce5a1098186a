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
use std::time::Duration;

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
    /// A failed write waiting for the server's last words.
    closing: Option<Closing>,
}

/// How long a failed write waits for the bytes the server sent before it closed.
const LAST_WORDS_WAIT: Duration = Duration::from_secs(1);
/// How much a failed write reads looking for a BYE; a server that keeps talking is not read to
/// its end.
const LAST_WORDS_LIMIT: usize = 64 * 1024;

/// The error of a failed write, kept while the server's last words are read.
struct Closing {
    error: io::Error,
    deadline: Pin<Box<tokio::time::Sleep>>,
    read: usize,
}

impl Conn {
    pub fn tls(stream: TlsStream<TcpStream>, traffic: Arc<Traffic>) -> Self {
        Self {
            inner: Inner::Tls(Box::new(stream)),
            traffic,
            nesting: NestingGuard::default(),
            watcher: Box::default(),
            closing: None,
        }
    }

    pub fn plain(stream: TcpStream, traffic: Arc<Traffic>) -> Self {
        Self {
            inner: Inner::Plain(stream),
            traffic,
            nesting: NestingGuard::default(),
            watcher: Box::default(),
            closing: None,
        }
    }

    /// The tagged NO or BAD of the last command sent on this connection, once.
    pub fn take_refusal(&mut self) -> Option<super::wire::Refusal> {
        self.watcher.take_refusal()
    }

    /// A write failed (the server closed the connection): the server may have said why, in a
    /// BYE read between commands (Cyrus's `* BYE [ALERT]` right after a LOGIN's OK, while no
    /// command was pending) or in bytes still on their way in, which are read here until the
    /// stream ends or [`LAST_WORDS_WAIT`] passes. The BYE is then the error, not the broken
    /// pipe. A read right after the failed write may find nothing yet (the runtime has not
    /// seen the bytes arrive), so this waits for them rather than looking once.
    fn poll_last_words(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        let Some(closing) = self.closing.as_mut() else {
            return Poll::Ready(io::Error::other("no write failed"));
        };
        let mut scratch = [0u8; 4096];
        let ended = loop {
            if self.watcher.said_bye().is_some() || closing.read >= LAST_WORDS_LIMIT {
                break true;
            }
            let mut buf = ReadBuf::new(&mut scratch);
            let result = match &mut self.inner {
                Inner::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, &mut buf),
                Inner::Plain(s) => Pin::new(s).poll_read(cx, &mut buf),
            };
            let fresh = buf.filled();
            match result {
                Poll::Ready(Ok(())) if !fresh.is_empty() => {
                    closing.read += fresh.len();
                    self.traffic
                        .bytes_in
                        .fetch_add(fresh.len() as u64, Ordering::Relaxed);
                    self.watcher.received(fresh, &self.traffic.words);
                }
                Poll::Ready(_) => break true,
                Poll::Pending => break closing.deadline.as_mut().poll(cx).is_ready(),
            }
        };
        if !ended {
            return Poll::Pending;
        }
        let Closing { error, .. } = self.closing.take().expect("set above");
        Poll::Ready(match self.watcher.said_bye() {
            Some(closed) => io::Error::new(io::ErrorKind::ConnectionAborted, closed),
            None => error,
        })
    }

    /// The outcome of a write or flush: a failure first reads the server's last words.
    fn poll_written<T>(
        &mut self,
        cx: &mut Context<'_>,
        result: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        match result {
            Poll::Ready(Err(error)) => {
                self.closing = Some(Closing {
                    error,
                    deadline: Box::pin(tokio::time::sleep(LAST_WORDS_WAIT)),
                    read: 0,
                });
                self.poll_last_words(cx).map(Err)
            }
            other => other,
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
        if this.closing.is_some() {
            return this.poll_last_words(cx).map(Err);
        }
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
            other => this.poll_written(cx, other),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.closing.is_some() {
            return this.poll_last_words(cx).map(Err);
        }
        let result = match &mut this.inner {
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            Inner::Plain(s) => Pin::new(s).poll_flush(cx),
        };
        this.poll_written(cx, result)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().inner {
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            Inner::Plain(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}
