//! Fuzzing entry point: FETCH responses read by async-imap as the actor reads them, then converted.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::TryStreamExt;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::nesting::NestingGuard;
use super::rows::{self, Item};

/// A server that answers the login with `OK`, then sends `responses` as the answer to one
/// `UID FETCH` and ends the connection. What the client writes is dropped.
#[derive(Debug)]
struct Scripted {
    data: Vec<u8>,
    at: usize,
    nesting: NestingGuard,
}

impl AsyncRead for Scripted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let rest = self.data.get(self.at..).unwrap_or_default();
        let n = rest.len().min(buf.remaining());
        let chunk = rest.get(..n).unwrap_or_default().to_vec();
        buf.put_slice(&chunk);
        self.at += n;
        // The connection's own guard, as in `stream::Conn`.
        if !self.nesting.follow(&chunk) {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the server's response nests too deeply",
            )));
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Scripted {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Reads `responses` (untagged `* N FETCH (...)` lines, as a server sends them) with the
/// async-imap parser the actor uses, and converts each FETCH answer with the actor's own
/// conversion, without the panic guard the actor keeps around it (so that a panic in
/// sealmail's conversion is a crash here). A panic inside the IMAP library's parser is what the
/// actor survives by reconnecting (`Actor::after_panic`, tested in tests/reader/hostile.rs):
/// here it ends the input without a crash. Returns how many rows came out. Not part of the API.
#[doc(hidden)]
pub fn fetch_rows(responses: &[u8]) -> usize {
    let mut data = b"A0001 OK LOGIN done\r\n".to_vec();
    data.extend_from_slice(responses);
    data.extend_from_slice(b"\r\nA0002 OK FETCH done\r\n");
    tolerate_library_parser_panics();
    let read = std::panic::catch_unwind(move || {
        let client = async_imap::Client::new(Scripted {
            data,
            at: 0,
            nesting: NestingGuard::default(),
        });
        futures::executor::block_on(async move {
            let mut fetches = Vec::new();
            let Ok(mut session) = client.login("user", "pass").await else {
                return fetches;
            };
            let Ok(stream) = session.uid_fetch("1:*", rows::row_query()).await else {
                return fetches;
            };
            let mut stream = std::pin::pin!(stream);
            while let Ok(Some(fetch)) = stream.try_next().await {
                fetches.push(fetch);
            }
            fetches
        })
    });
    let Ok(fetches) = read else {
        return 0;
    };
    fetches
        .iter()
        .filter(|fetch| matches!(rows::convert_strict(fetch), Item::Row { .. }))
        .count()
}

/// The fuzzer's panic hook aborts on every panic, caught or not. Panics located in the IMAP
/// library's parser are let through to the `catch_unwind` above; every other panic still goes
/// to the fuzzer's hook.
fn tolerate_library_parser_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_parser = info
                .location()
                .is_some_and(|l| l.file().contains("imap-proto"));
            if !in_parser {
                fuzzer_hook(info);
            }
        }));
    });
}
