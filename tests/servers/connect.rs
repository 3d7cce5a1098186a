//! Connecting on every server: STARTTLS on the plain port, where Cyrus says LOGINDISABLED
//! until TLS is up (`allowplaintext: no`), and IMAPS.

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::common::Reader;
use crate::support::{Server, ServerKind};

on_every_server!(starttls_and_imaps_log_in);

/// The capabilities the plain port announces before STARTTLS.
async fn plain_capabilities(port: u16) -> String {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let mut stream = BufReader::new(tcp);
    let mut greeting = String::new();
    stream.read_line(&mut greeting).await.expect("greeting");
    stream
        .get_mut()
        .write_all(b"c1 CAPABILITY\r\n")
        .await
        .expect("write");
    let mut answer = String::new();
    loop {
        let mut line = String::new();
        let n = stream.read_line(&mut line).await.expect("read");
        assert!(n > 0, "the server closed the connection");
        answer.push_str(&line);
        if line.starts_with("c1 ") {
            return answer;
        }
    }
}

async fn starttls_and_imaps_log_in(kind: ServerKind) {
    let server = Server::start(kind).await;
    let name = server.name();
    let port: u16 = server
        .imap_url()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port");
    let before_tls = plain_capabilities(port).await;
    assert!(before_tls.contains("STARTTLS"), "{name}: {before_tls}");
    if server.cyrus().is_some() {
        assert!(
            before_tls.contains("LOGINDISABLED"),
            "{name}: no password before TLS: {before_tls}"
        );
    }
    for url in [server.imap_url(), server.imaps_url()] {
        let mut reader = Reader::start(server.settings_for(&url, "alice"));
        assert!(!reader.online().await, "{name}: {url} is encrypted");
        let (_, total) = reader.open_all("INBOX", 1, 50).await;
        assert_eq!(total, 0, "{name}: {url}");
        reader.shutdown().await;
    }
}
