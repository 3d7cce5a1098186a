//! The demo's loopback SMTP server, so that the composer really sends in the demo: it listens
//! on `127.0.0.1:0`, on a thread of its own (as the demo portal does), speaks RFC 5321 through
//! `mailin`'s state machine (EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT;
//! 8BITMIME; no AUTH, no TLS: loopback only) and delivers what it takes into the demo Maildir
//! ([`super::delivery`]). Input is bounded: a line of at most [`MAX_LINE`] bytes, a message of
//! at most [`super::delivery::MAX_MESSAGE`], [`MAX_CONNECTIONS`] at once, and a client silent
//! for [`IDLE`] is let go. Dropping the handle stops it.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use mailin::{Action, SessionBuilder};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use super::delivery::Delivery;

/// The longest line taken, its CRLF included (RFC 5321 asks for 1000; text lines of
/// careless clients run longer, so some room is left).
pub const MAX_LINE: usize = 64 * 1024;
/// Connections served at once; more wait to be accepted.
pub const MAX_CONNECTIONS: usize = 16;
/// How long a client may stay silent.
pub const IDLE: Duration = Duration::from_secs(60);
/// The name the server greets with.
const NAME: &str = "demo.sealmail.example";
/// How long the start may take.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// The running server; stops when dropped.
#[derive(Debug)]
pub struct DemoSmtp {
    port: u16,
    _server: super::background::Background,
}

impl DemoSmtp {
    /// Where to submit: `smtp+insecure://127.0.0.1:PORT` (plain SMTP, loopback, no AUTH).
    pub fn url(&self) -> String {
        format!(
            "{}://127.0.0.1:{}",
            crate::net::smtp::INSECURE_SCHEME,
            self.port
        )
    }

    pub fn port(&self) -> u16 {
        self.port
    }
}

/// Starts the server delivering below the demo Maildir `root` (the INBOX).
pub fn start(root: &Path) -> io::Result<DemoSmtp> {
    let root = root.to_path_buf();
    let (server, port) = super::background::spawn(
        "demo-smtp",
        "the demo's SMTP server",
        START_TIMEOUT,
        move |ready, stop| async move {
            let bound = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await;
            let listening = bound.and_then(|l| l.local_addr().map(|a| (l, a.port())));
            let listener = match listening {
                Ok((listener, port)) => {
                    let _ = ready.send(Ok(port));
                    listener
                }
                Err(e) => {
                    let _ = ready.send(Err(e));
                    return;
                }
            };
            tokio::select! {
                () = serve(listener, root) => {}
                _ = stop => {}
            }
        },
    )?;
    Ok(DemoSmtp {
        port,
        _server: server,
    })
}

async fn serve(listener: TcpListener, root: PathBuf) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let root = Arc::new(root);
    loop {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return;
        };
        let Ok((stream, peer)) = listener.accept().await else {
            // A failed accept (too many open files) is not the end: wait and try again.
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let root = root.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let _ = connection(stream, peer.ip(), &root).await;
        });
    }
}

/// One client, command by command, until QUIT, a close, silence or a broken rule.
async fn connection(stream: TcpStream, peer: IpAddr, root: &Path) -> io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let failed = Arc::new(AtomicBool::new(false));
    let mut session = SessionBuilder::new(NAME).build(peer, Delivery::new(root, failed.clone()));
    write.write_all(&session.greeting().buffer()?).await?;
    let mut line = Vec::with_capacity(1024);
    loop {
        line.clear();
        let limit = u64::try_from(MAX_LINE).unwrap_or(u64::MAX);
        let mut limited = (&mut read).take(limit);
        let n = match tokio::time::timeout(IDLE, limited.read_until(b'\n', &mut line)).await {
            Ok(result) => result?,
            Err(_) => {
                let _ = write.write_all(b"421 Idle too long, closing\r\n").await;
                return Ok(());
            }
        };
        if n == 0 {
            return Ok(());
        }
        if !line.ends_with(b"\n") {
            write.write_all(b"500 Line too long, closing\r\n").await?;
            return Ok(());
        }
        let response = session.process(&line);
        match response.action {
            Action::NoReply => {}
            Action::Reply | Action::UpgradeTls => {
                write.write_all(&response.buffer()?).await?;
            }
            Action::Close => {
                write.write_all(&response.buffer()?).await?;
                return Ok(());
            }
        }
        if failed.load(Ordering::Relaxed) {
            // mailin stays in DATA after a refused message: the connection ends here.
            return Ok(());
        }
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::demo::delivery::MAX_MESSAGE;

    /// A client speaking raw bytes: each call writes, then reads one reply (all its lines).
    struct Raw {
        read: BufReader<tokio::net::tcp::OwnedReadHalf>,
        write: tokio::net::tcp::OwnedWriteHalf,
    }

    impl Raw {
        async fn connect(server: &DemoSmtp) -> (Raw, String) {
            let stream = TcpStream::connect(("127.0.0.1", server.port()))
                .await
                .expect("connect");
            let (read, write) = stream.into_split();
            let mut raw = Raw {
                read: BufReader::new(read),
                write,
            };
            let greeting = raw.reply().await;
            (raw, greeting)
        }

        /// One reply: lines until one whose fourth byte is a space; empty at a close.
        async fn reply(&mut self) -> String {
            let mut all = String::new();
            loop {
                let mut line = String::new();
                let n =
                    tokio::time::timeout(Duration::from_secs(10), self.read.read_line(&mut line))
                        .await
                        .expect("an answer in time")
                        .unwrap_or(0);
                if n == 0 {
                    return all;
                }
                all.push_str(&line);
                if line.as_bytes().get(3) != Some(&b'-') {
                    return all;
                }
            }
        }

        async fn say(&mut self, bytes: &[u8]) -> String {
            self.write.write_all(bytes).await.expect("write");
            self.reply().await
        }
    }

    fn count(dir: &Path) -> usize {
        std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
    }

    fn maildir() -> tempfile::TempDir {
        let root = tempfile::tempdir().expect("temp dir");
        for sub in ["tmp", "new", "cur"] {
            std::fs::create_dir(root.path().join(sub)).expect("maildir");
        }
        root
    }

    #[tokio::test]
    async fn a_session_takes_every_command_and_survives_garbage() {
        let root = maildir();
        let server = start(root.path()).expect("started");
        let (mut c, greeting) = Raw::connect(&server).await;
        assert!(greeting.starts_with("220 "), "{greeting}");
        assert!(c.say(b"\x00\xff\xfe garbage\r\n").await.starts_with("500"));
        assert!(
            c.say(b"MAIL FROM:<a@b.example>\r\n")
                .await
                .starts_with("503")
        );
        let ehlo = c.say(b"EHLO client.example\r\n").await;
        assert!(
            ehlo.starts_with("250-") && ehlo.contains("8BITMIME"),
            "{ehlo}"
        );
        assert!(c.say(b"NOOP\r\n").await.starts_with("250"));
        assert!(
            c.say(b"MAIL FROM:<a@b.example>\r\n")
                .await
                .starts_with("250")
        );
        assert!(
            c.say(b"RCPT TO:<not-an-address>\r\n")
                .await
                .starts_with("553")
        );
        assert!(c.say(b"RCPT TO:<x@y.example>\r\n").await.starts_with("250"));
        assert!(c.say(b"RSET\r\n").await.starts_with("250"));
        assert!(
            c.say(b"DATA\r\n").await.starts_with("503"),
            "RSET forgot the envelope"
        );
        assert!(
            c.say(b"MAIL FROM:<a@b.example>\r\n")
                .await
                .starts_with("250")
        );
        assert!(
            c.say(b"RCPT TO:<sam@example.org>\r\n")
                .await
                .starts_with("250")
        );
        assert!(c.say(b"DATA\r\n").await.starts_with("354"));
        c.write
            .write_all(b"Subject: hi\r\n\r\n..dot\r\n\xc3\xa4\x00\r\n")
            .await
            .expect("write");
        assert!(c.say(b".\r\n").await.starts_with("250"));
        assert!(c.say(b"QUIT\r\n").await.starts_with("221"));
        assert_eq!(c.reply().await, "", "closed after QUIT");
        let new: Vec<_> = std::fs::read_dir(root.path().join("new"))
            .expect("new/")
            .flatten()
            .collect();
        assert_eq!(new.len(), 1);
        let raw = std::fs::read(new[0].path()).expect("the message");
        assert!(
            raw.ends_with(b"\r\n\r\n.dot\r\n\xc3\xa4\x00\r\n"),
            "{raw:?}"
        );
        assert_eq!(count(&root.path().join(DELIVERED_DIR)), 0);
    }

    const DELIVERED_DIR: &str = ".Delivered/cur";

    #[tokio::test]
    async fn too_long_a_line_or_message_is_refused_and_nothing_kept() {
        let root = maildir();
        let server = start(root.path()).expect("started");
        let (mut c, _) = Raw::connect(&server).await;
        let long = vec![b'a'; MAX_LINE + 10];
        assert!(c.say(&long).await.starts_with("500 Line too long"));
        assert_eq!(c.reply().await, "", "closed");

        let (mut c, _) = Raw::connect(&server).await;
        c.say(b"HELO client.example\r\n").await;
        c.say(b"MAIL FROM:<a@b.example>\r\n").await;
        c.say(b"RCPT TO:<sam@example.org>\r\n").await;
        assert!(c.say(b"DATA\r\n").await.starts_with("354"));
        let line = [b"x".repeat(998), b"\r\n".to_vec()].concat();
        let mut sent = 0;
        while sent <= MAX_MESSAGE {
            c.write.write_all(&line).await.expect("write");
            sent += line.len();
        }
        let refused = c.say(b".\r\n").await;
        assert!(refused.starts_with("552"), "{refused}");
        assert_eq!(c.reply().await, "", "closed after the refusal");
        assert_eq!(count(&root.path().join("new")), 0);
        assert_eq!(count(&root.path().join("tmp")), 0);

        // The server goes on serving.
        let (mut c, greeting) = Raw::connect(&server).await;
        assert!(greeting.starts_with("220 "));
        assert!(c.say(b"QUIT\r\n").await.starts_with("221"));
    }

    /// Random bytes and shuffled commands through the session and the delivery, as the
    /// connection feeds them (line by line): no panic, every reply a three-digit code.
    #[test]
    fn any_bytes_get_an_answer_and_never_a_panic() {
        use rand::{Rng, SeedableRng};
        let root = maildir();
        let mut rng = rand::rngs::StdRng::seed_from_u64(5321);
        let pieces: [&[u8]; 14] = [
            b"EHLO x\r\n",
            b"HELO \xff\r\n",
            b"MAIL FROM:<a@b.example> BODY=8BITMIME\r\n",
            b"MAIL FROM:<>\r\n",
            b"RCPT TO:<sam@example.org>\r\n",
            b"RCPT TO:<\x00@\x1b>\r\n",
            b"DATA\r\n",
            b".\r\n",
            b"..\r\n",
            b"RSET\r\n",
            b"NOOP\r\n",
            b"AUTH PLAIN AGFAYg==\r\n",
            b"STARTTLS\r\n",
            b"\r\n",
        ];
        for _ in 0..300 {
            let failed = Arc::new(AtomicBool::new(false));
            let mut session = SessionBuilder::new(NAME).build(
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                Delivery::new(root.path(), failed),
            );
            let mut input = Vec::new();
            for _ in 0..rng.random_range(1..40) {
                if rng.random_bool(0.6) {
                    input.extend_from_slice(pieces[rng.random_range(0..pieces.len())]);
                } else {
                    let len = rng.random_range(0..200);
                    input.extend((0..len).map(|_| rng.random::<u8>()));
                }
            }
            for line in input.split_inclusive(|&b| b == b'\n') {
                let response = session.process(line);
                if response.action != Action::NoReply {
                    let bytes = response.buffer().expect("a reply");
                    assert!(
                        bytes.len() >= 4 && bytes[..3].iter().all(u8::is_ascii_digit),
                        "{bytes:?}"
                    );
                }
                if response.action == Action::Close {
                    break;
                }
            }
        }
        assert_eq!(count(&root.path().join("tmp")), 0, "nothing half written");
    }
}
