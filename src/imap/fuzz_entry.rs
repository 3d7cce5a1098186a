//! Fuzzing entry point: FETCH responses read by async-imap as the actor reads them, then converted.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::TryStreamExt;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::rows::{self, Item};

/// A server that answers the login with `OK`, then sends `responses` as the answer to one
/// `UID FETCH` and ends the connection. What the client writes is dropped.
#[derive(Debug)]
struct Scripted {
    data: Vec<u8>,
    at: usize,
}

impl AsyncRead for Scripted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let rest = self.data.get(self.at..).unwrap_or_default();
        let n = rest.len().min(buf.remaining());
        buf.put_slice(rest.get(..n).unwrap_or_default());
        self.at += n;
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
/// async-imap parser the actor uses, and converts each FETCH answer with [`rows::convert`], the
/// actor's own conversion. Returns how many rows came out. Not part of the API.
#[doc(hidden)]
pub fn fetch_rows(responses: &[u8]) -> usize {
    let mut data = b"A0001 OK LOGIN done\r\n".to_vec();
    data.extend_from_slice(responses);
    data.extend_from_slice(b"\r\nA0002 OK FETCH done\r\n");
    let client = async_imap::Client::new(Scripted { data, at: 0 });
    futures::executor::block_on(async move {
        let Ok(mut session) = client.login("user", "pass").await else {
            return 0;
        };
        let Ok(stream) = session.uid_fetch("1:*", rows::row_query()).await else {
            return 0;
        };
        let mut stream = std::pin::pin!(stream);
        let mut count = 0;
        while let Ok(Some(fetch)) = stream.try_next().await {
            if let Item::Row { .. } = rows::convert(&fetch) {
                count += 1;
            }
        }
        count
    })
}
