//! A minimal LMTP client (RFC 2033): puts one message into one mailbox, the way an MTA would.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Reads one (possibly multi-line) reply; returns its code and text.
async fn reply(reader: &mut BufReader<TcpStream>) -> Result<(u16, String), String> {
    let mut text = String::new();
    loop {
        let mut line = String::new();
        let n = reader
            .read_line(&mut line)
            .await
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err(format!("connection closed after {text:?}"));
        }
        text.push_str(&line);
        // "250-..." continues, "250 ..." ends
        if line.len() < 4 || line.as_bytes()[3] != b'-' {
            let code = line
                .get(..3)
                .and_then(|c| c.parse().ok())
                .ok_or_else(|| format!("bad reply {line:?}"))?;
            return Ok((code, text));
        }
    }
}

async fn command(reader: &mut BufReader<TcpStream>, line: &str, expect: u16) -> Result<(), String> {
    reader
        .get_mut()
        .write_all(format!("{line}\r\n").as_bytes())
        .await
        .map_err(|e| format!("write {line:?}: {e}"))?;
    let (code, text) = reply(reader).await?;
    if code == expect {
        Ok(())
    } else {
        Err(format!("{line:?} answered {text:?}"))
    }
}

/// CRLF line ends and dot-stuffing, terminated by `.`.
fn data_block(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 40 + 8);
    let mut at_line_start = true;
    for (i, &b) in raw.iter().enumerate() {
        if at_line_start && b == b'.' {
            out.push(b'.');
        }
        match b {
            b'\n' if i == 0 || raw[i - 1] != b'\r' => out.extend_from_slice(b"\r\n"),
            _ => out.push(b),
        }
        at_line_start = b == b'\n';
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

/// Delivers `raw` to `rcpt` through the LMTP server on 127.0.0.1:`port`.
pub async fn deliver(port: u16, rcpt: &str, raw: &[u8]) -> Result<(), String> {
    let session = async {
        let stream = TcpStream::connect(("127.0.0.1", port))
            .await
            .map_err(|e| format!("connect to LMTP port {port}: {e}"))?;
        let mut reader = BufReader::new(stream);
        let (code, text) = reply(&mut reader).await?;
        if code != 220 {
            return Err(format!("greeting {text:?}"));
        }
        command(&mut reader, "LHLO localhost", 250).await?;
        command(&mut reader, "MAIL FROM:<>", 250).await?;
        command(&mut reader, &format!("RCPT TO:<{rcpt}>"), 250).await?;
        command(&mut reader, "DATA", 354).await?;
        reader
            .get_mut()
            .write_all(&data_block(raw))
            .await
            .map_err(|e| format!("write data: {e}"))?;
        // LMTP answers once per recipient
        let (code, text) = reply(&mut reader).await?;
        if code != 250 {
            return Err(format!("delivery refused: {text:?}"));
        }
        let _ = command(&mut reader, "QUIT", 221).await;
        Ok(())
    };
    tokio::time::timeout(Duration::from_secs(30), session)
        .await
        .map_err(|_| "LMTP session timed out after 30 s".to_owned())?
}
