//! A few raw IMAP commands over any stream: enough to probe a test server, nothing more.

use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

pub struct RawImap<S> {
    stream: BufReader<S>,
    tag: u32,
}

impl<S: AsyncRead + AsyncWrite + Unpin> RawImap<S> {
    /// Wraps a connected stream and reads the greeting.
    pub async fn greet(stream: S) -> (Self, String) {
        let mut imap = RawImap {
            stream: BufReader::new(stream),
            tag: 0,
        };
        let greeting = imap.line().await;
        (imap, greeting)
    }

    /// Wraps a stream in the middle of a session (after STARTTLS).
    pub fn resume(stream: S) -> Self {
        RawImap {
            stream: BufReader::new(stream),
            tag: 100,
        }
    }

    pub fn reader(&mut self) -> &mut BufReader<S> {
        &mut self.stream
    }

    pub async fn line(&mut self) -> String {
        let mut line = String::new();
        let n = self
            .stream
            .read_line(&mut line)
            .await
            .expect("read from IMAP server");
        assert!(n > 0, "IMAP server closed the connection");
        line
    }

    /// Sends `command` with a fresh tag; returns every line up to and including the tagged one.
    pub async fn command(&mut self, command: &str) -> Vec<String> {
        self.tag += 1;
        let tag = format!("t{}", self.tag);
        self.send(&format!("{tag} {command}")).await;
        let mut lines = Vec::new();
        loop {
            let line = self.line().await;
            let done = line.starts_with(&format!("{tag} "));
            lines.push(line);
            if done {
                return lines;
            }
        }
    }

    pub async fn send(&mut self, line: &str) {
        let stream = self.stream.get_mut();
        stream.write_all(line.as_bytes()).await.expect("write");
        stream.write_all(b"\r\n").await.expect("write");
        stream.flush().await.expect("flush");
    }

    pub fn into_inner(self) -> S {
        self.stream.into_inner()
    }
}

/// The tagged status of a command's reply: "OK", "NO" or "BAD".
pub fn status(lines: &[String]) -> &str {
    lines
        .last()
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("")
}

pub async fn tcp(port: u16) -> TcpStream {
    TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect to 127.0.0.1")
}

/// TLS over `stream` to a server named `server_name`, with `config`'s roots.
pub async fn tls<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    config: Arc<rustls::ClientConfig>,
    server_name: &str,
) -> std::io::Result<TlsStream<S>> {
    let name =
        rustls::pki_types::ServerName::try_from(server_name.to_owned()).expect("valid server name");
    TlsConnector::from(config).connect(name, stream).await
}

/// A client config that trusts nothing at all.
pub fn trust_nothing() -> Arc<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth(),
    )
}

/// Logs in over IMAPS and returns the session.
pub async fn imaps_login(
    dovecot: &crate::support::Dovecot,
    user: &str,
) -> RawImap<TlsStream<TcpStream>> {
    let config = crate::support::rustls_client_config(dovecot.ca_pem());
    let stream = tls(tcp(dovecot.imaps_port()).await, config, "localhost")
        .await
        .expect("TLS to Dovecot");
    let (mut imap, greeting) = RawImap::greet(stream).await;
    assert!(greeting.starts_with("* OK"), "greeting: {greeting}");
    let reply = imap
        .command(&format!("LOGIN {user} {}", crate::support::password(user)))
        .await;
    assert_eq!(status(&reply), "OK", "login: {reply:?}");
    imap
}
