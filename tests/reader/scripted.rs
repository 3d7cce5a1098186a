//! Scripted IMAP servers on loopback, for the shapes a real server cannot be made to send: a
//! listener that hands each connection to a test's own code ([`listen_raw`]), and a line-based
//! server that greets and answers each command line as a script says ([`listen`]), with the
//! ordinary answers of a small INBOX ([`ordinary`]) for everything the script leaves alone.
//! Plain TCP: readers are pointed at them with `imap+plain://` on loopback.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// Every byte the server read, across its connections.
#[derive(Clone, Default)]
pub struct Received(Arc<Mutex<Vec<u8>>>);

impl Received {
    pub fn add(&self, bytes: &[u8]) {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .extend_from_slice(bytes);
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

/// A loopback listener whose every connection is served by `serve`.
pub async fn listen_raw<F, Fut>(serve: F) -> (u16, Received)
where
    F: Fn(TcpStream, Received) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let received = Received::default();
    let shared = received.clone();
    let serve = Arc::new(serve);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream, shared.clone()));
        }
    });
    (port, received)
}

/// One line the client sent.
pub struct Line {
    pub tag: String,
    /// The first word after the tag, upper case.
    pub command: String,
    /// The second word after the tag, upper case (`SEARCH` of `UID SEARCH`).
    pub sub: String,
    /// The whole line as sent (with its CRLF).
    pub text: String,
}

/// What the server does with a line.
pub enum Reply {
    /// Sends these bytes and reads the next line.
    Send(String),
    /// Sends these bytes and closes the connection.
    Close(String),
}

/// Serves IMAP on a free loopback port: each connection is greeted with `greeting` (and
/// closed at once when it is a BYE), then every line goes to a script made for that
/// connection by `script` (so a script may keep state, such as an IDLE's tag).
pub async fn listen<M, S>(greeting: &'static str, script: M) -> (u16, Received)
where
    M: Fn() -> S + Send + Sync + 'static,
    S: FnMut(&Line) -> Reply + Send + 'static,
{
    let script = Arc::new(script);
    listen_raw(move |stream, received| {
        let answer = script();
        serve(stream, received, greeting, answer)
    })
    .await
}

async fn serve(
    stream: TcpStream,
    received: Received,
    greeting: &'static str,
    mut answer: impl FnMut(&Line) -> Reply,
) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    if write.write_all(greeting.as_bytes()).await.is_err() || greeting.starts_with("* BYE") {
        return;
    }
    let mut text = String::new();
    loop {
        text.clear();
        match lines.read_line(&mut text).await {
            Ok(0) | Err(_) => return,
            Ok(_) => received.add(text.as_bytes()),
        }
        let mut words = text.split_whitespace();
        let tag = words.next().unwrap_or("*").to_owned();
        let command = words.next().unwrap_or("").to_ascii_uppercase();
        let sub = words.next().unwrap_or("").to_ascii_uppercase();
        let line = Line {
            tag,
            command,
            sub,
            text: text.clone(),
        };
        let (bytes, close) = match answer(&line) {
            Reply::Send(bytes) => (bytes, false),
            Reply::Close(bytes) => (bytes, true),
        };
        if write.write_all(bytes.as_bytes()).await.is_err() || close {
            let _ = write.shutdown().await;
            return;
        }
    }
}

/// The answers of an ordinary server with a two-message INBOX: CAPABILITY (IMAP4rev1 and
/// `extra`), LOGIN, SELECT and EXAMINE, UID SEARCH, LOGOUT (then closed), and a plain OK to
/// anything else.
pub fn ordinary(line: &Line, extra: &str) -> Reply {
    let tag = &line.tag;
    Reply::Send(match (line.command.as_str(), line.sub.as_str()) {
        ("CAPABILITY", _) => format!("* CAPABILITY IMAP4rev1{extra}\r\n{tag} OK done\r\n"),
        ("LOGIN", _) => format!("{tag} OK logged in\r\n"),
        ("SELECT" | "EXAMINE", _) => format!(
            "* 2 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 3] ok\r\n\
             * FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)\r\n{tag} OK [READ-WRITE] done\r\n"
        ),
        ("UID", "SEARCH") => format!("* SEARCH 1 2\r\n{tag} OK done\r\n"),
        ("LOGOUT", _) => return Reply::Close(format!("* BYE\r\n{tag} OK bye\r\n")),
        _ => format!("{tag} OK done\r\n"),
    })
}
