//! Hostile input from mail and from servers: a BODYSTRUCTURE with hostile parameter names
//! (through a real Dovecot, and sent verbatim by a scripted server), malformed and truncated
//! responses, a pre-TLS dialogue that never ends or drips, a STARTTLS that is not followed by
//! TLS, and a server that never finishes the handshake. The reader reports an error and stays
//! usable, never panics, never hangs past its deadlines, and sends no credentials before TLS.

use std::time::{Duration, Instant};

use sealmail::mail::{ConnectionState, SourceCommand, SourceEvent};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::common::{Reader, settings};
use crate::scripted::{self, Line, Received, Reply};
use crate::support::{Dovecot, DovecotOptions, password};

const PASSWORD: &str = "s3cret-Hostile-pw";

/// Message with an attachment whose parameter names are not ASCII (the first of them once
/// made the row loader panic and retry the same chunk forever).
fn hostile_parameter_message() -> Vec<u8> {
    "From: Mallory <mallory@example.test>\r\nTo: alice@example.test\r\n\
     Subject: hostile parameters\r\nDate: Tue, 24 Nov 2026 08:00:00 +0000\r\n\
     Message-ID: <hostile.params@example.test>\r\nMIME-Version: 1.0\r\n\
     Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n\
     Content-Type: text/plain\r\n\r\nhi\r\n--B\r\n\
     Content-Type: application/pdf; namé=\"a.pdf\"; n\u{e9}=x\r\n\
     Content-Disposition: attachment; filenamé=\"x.pdf\"; filename*0\u{e9}*=y\r\n\
     Content-Transfer-Encoding: base64\r\n\r\nQUJD\r\n--B--\r\n"
        .as_bytes()
        .to_vec()
}

#[tokio::test]
async fn a_hostile_parameter_name_through_dovecot_is_an_ordinary_row() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    dovecot
        .deliver("alice", &crate::common::message("before", "x"))
        .await;
    dovecot.deliver("alice", &hostile_parameter_message()).await;
    dovecot
        .deliver("alice", &crate::common::message("after", "y"))
        .await;
    let mut reader = alice_online(&dovecot).await;
    let (chunks, total) = reader.open_all("INBOX", 1, 50).await;
    let rows: Vec<_> = chunks.into_iter().flatten().collect();
    assert_eq!((rows.len(), total), (3, 3), "{rows:?}");
    assert!(rows.iter().any(|r| r.subject() == "hostile parameters"));
    // The message itself opens too.
    let uid = rows
        .iter()
        .find(|r| r.subject() == "hostile parameters")
        .map(|r| r.uid)
        .expect("row");
    let opened = reader
        .fetch_message(2, uid)
        .await
        .expect("the message opens");
    assert_eq!(opened.view.subject, "hostile parameters");
    reader.shutdown().await;
}

/// A reader for alice over verified IMAPS to `dovecot`, online.
async fn alice_online(dovecot: &Dovecot) -> Reader {
    let mut reader = Reader::start(settings(
        &dovecot.imaps_url(),
        "alice",
        password("alice"),
        Some(dovecot.ca_pem()),
    ));
    reader.online().await;
    reader
}

/// The actor is alive and serving: the folder list is answered.
async fn still_answers(reader: &mut Reader) {
    reader.send(SourceCommand::ListFolders).await;
    reader
        .wait_for("Folders", |e| {
            matches!(e, SourceEvent::Folders(_)).then_some(())
        })
        .await;
}

/// Waits (up to a minute) for the notice that the folder's load was given up.
async fn load_given_up(reader: &mut Reader) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let event = tokio::time::timeout_at(deadline, reader.events.recv())
            .await
            .expect("the load is given up within a minute")
            .expect("the actor is alive");
        if matches!(&event, SourceEvent::Notice(t) if t.contains("stopped loading")) {
            return;
        }
    }
}

/// An IMAP literal: any bytes, announced by length.
fn literal(text: &str) -> String {
    format!("{{{}}}\r\n{text}", text.len())
}

/// Rows for a two-message folder: an ordinary one and one whose BODYSTRUCTURE carries
/// non-ASCII parameter names (as literals, the way servers send 8-bit strings), a cut RFC 2231
/// value and an escape sequence in the sender's name.
fn hostile_rows() -> String {
    let ordinary = "* 1 FETCH (UID 1 FLAGS (\\Seen) INTERNALDATE \"24-Nov-2026 08:00:00 +0000\" \
RFC822.SIZE 120 ENVELOPE (\"Tue, 24 Nov 2026 08:00:00 +0000\" \"ordinary\" \
((\"Carol\" NIL \"carol\" \"example.test\")) NIL NIL NIL NIL NIL NIL \"<a@example.test>\") \
BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 10 1 NIL NIL NIL NIL))\r\n";
    let hostile = format!(
        "* 2 FETCH (UID 2 FLAGS () INTERNALDATE \"24-Nov-2026 09:00:00 +0000\" RFC822.SIZE 4096 \
ENVELOPE (\"Tue, 24 Nov 2026 09:00:00 +0000\" \"=?utf-8?q?hostile?=\" \
(({} NIL {} \"example.test\")) NIL NIL NIL NIL NIL NIL NIL) \
BODYSTRUCTURE ((\"text\" \"plain\" NIL NIL NIL \"7bit\" 2 1)\
(\"application\" \"pdf\" ({} \"a.pdf\" {} \"x\") NIL NIL \"base64\" 4 NIL \
(\"attachment\" ({} \"x.pdf\" {} \"%\" \"filename*\" \"'\")) NIL NIL) \
\"mixed\" (\"boundary\" \"B\") NIL NIL))\r\n",
        literal("\u{1b}[2J\u{9b}31m"),
        literal("m\u{e9}"),
        literal("nam\u{e9}"),
        literal("\u{e9}"),
        literal("filenam\u{e9}"),
        literal("filename*0\u{e9}*"),
    );
    format!("{ordinary}{hostile}")
}

/// A minimal IMAP server: LOGIN, CAPABILITY, SELECT of a two-message INBOX, FETCH answered
/// with `rows`, UID SEARCH, NOOP, LOGOUT.
async fn tiny_imap(rows: String) -> (u16, Received) {
    scripted::listen("* OK hostile test server ready\r\n", move || {
        let rows = rows.clone();
        move |line: &Line| {
            let tag = &line.tag;
            match (line.command.as_str(), line.sub.as_str()) {
                ("FETCH", _) => Reply::Send(format!("{rows}{tag} OK done\r\n")),
                ("UID", "FETCH") => Reply::Send(format!("{tag} OK nothing\r\n")),
                _ => scripted::ordinary(line, ""),
            }
        }
    })
    .await
}

fn plain_reader(port: u16) -> Reader {
    Reader::start(settings(
        &format!("imap+plain://127.0.0.1:{port}"),
        "alice",
        PASSWORD,
        None,
    ))
}

#[tokio::test]
async fn hostile_bodystructure_sent_verbatim_loads_every_row() {
    let (port, _) = tiny_imap(hostile_rows()).await;
    let mut reader = plain_reader(port);
    reader.online_any().await;
    let (chunks, total) = reader.open_all("INBOX", 1, 50).await;
    let rows: Vec<_> = chunks.into_iter().flatten().collect();
    assert_eq!((rows.len(), total), (2, 2), "{rows:?}");
    let hostile = rows.iter().find(|r| r.uid == 2).expect("the hostile row");
    assert!(hostile.attachment, "{hostile:?}");
    assert!(
        !hostile.from().contains('\u{1b}'),
        "sender sanitised: {:?}",
        hostile.from()
    );
    // Still usable: the folder list is answered.
    still_answers(&mut reader).await;
    reader.shutdown().await;
}

/// A FETCH answer that is not IMAP at all: the reader says so and stays responsive; it does
/// not retry in a tight loop.
#[tokio::test]
async fn a_malformed_fetch_answer_is_reported_and_not_retried_at_once() {
    const GARBAGE: &str = "* 1 FETCH (UID 1 ENVELOPE (\"unterminated\r\n* 2 FETCH ))))(((\r\n";
    let (port, received) = tiny_imap(GARBAGE.to_owned()).await;
    let mut reader = plain_reader(port);
    reader.online_any().await;
    reader.open_inbox().await;
    let started = Instant::now();
    let said = reader
        .wait_for("an error", |e| match e {
            SourceEvent::Notice(text) => Some(text),
            SourceEvent::Connection(ConnectionState::Reconnecting { reason, .. }) => Some(reason),
            SourceEvent::Connection(ConnectionState::Failed { reason }) => Some(reason),
            _ => None,
        })
        .await;
    assert!(!said.is_empty());
    assert!(
        !said.contains("[42, 32"),
        "said in words, not raw bytes: {said}"
    );
    // Give a tight loop the chance to show itself, then count the FETCH commands.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let fetches = received.text().matches(" FETCH ").count();
    assert!(
        fetches <= 4,
        "{fetches} FETCH commands in {:?}: retried without pause",
        started.elapsed()
    );
    // A server that answers the same way every time ends in a stopped load, said so.
    load_given_up(&mut reader).await;
    let fetches = received.text().matches(" FETCH ").count();
    assert!(fetches <= 6, "{fetches} FETCH commands before giving up");
    still_answers(&mut reader).await;
    reader.shutdown().await;
}

/// After the STARTTLS dialogue the reader must see TLS; anything sent before is only
/// CAPABILITY and STARTTLS.
fn assert_no_credentials(received: &Received) {
    let text = received.text();
    assert!(!text.contains(PASSWORD), "password sent in clear: {text:?}");
    assert!(
        !text.to_ascii_uppercase().contains("LOGIN")
            && !text.to_ascii_uppercase().contains("AUTHENTICATE"),
        "login attempted before TLS: {text:?}"
    );
}

fn starttls_reader(port: u16) -> Reader {
    Reader::start(settings(
        &format!("imap://127.0.0.1:{port}"),
        "alice",
        PASSWORD,
        None,
    ))
}

/// Waits for the connection attempt to end in an error, within `limit`; returns the reason.
async fn connection_error_within(reader: &mut Reader, limit: Duration) -> String {
    let started = Instant::now();
    loop {
        let deadline = tokio::time::Instant::from_std(started + limit);
        let event = tokio::time::timeout_at(deadline, reader.events.recv())
            .await
            .unwrap_or_else(|_| panic!("no connection error within {limit:?}"))
            .expect("the actor stopped");
        match event {
            SourceEvent::Connection(ConnectionState::Failed { reason })
            | SourceEvent::Connection(ConnectionState::Reconnecting { reason, .. }) => {
                return reason;
            }
            SourceEvent::Connection(ConnectionState::Online { .. }) => {
                panic!("came online through a hostile server")
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn a_pre_tls_dialogue_that_never_ends_is_cut_off() {
    let (port, received) = scripted::listen_raw(|mut stream, received| async move {
        let _ = stream.write_all(b"* OK chatty\r\n").await;
        let mut buf = [0u8; 256];
        let (mut read, mut write) = stream.split();
        let reader = async {
            use tokio::io::AsyncReadExt;
            while let Ok(n) = read.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                received.add(&buf[..n]);
            }
        };
        let writer = async {
            for _ in 0..100_000 {
                if write.write_all(b"* OK still talking\r\n").await.is_err() {
                    break;
                }
            }
        };
        tokio::join!(reader, writer);
    })
    .await;
    let mut reader = starttls_reader(port);
    let reason = connection_error_within(&mut reader, Duration::from_secs(10)).await;
    assert!(!reason.is_empty());
    assert_no_credentials(&received);
    reader.shutdown().await;
}

#[tokio::test]
async fn a_pre_tls_dialogue_that_drips_ends_at_the_deadline() {
    let (port, received) = scripted::listen_raw(|mut stream, received| async move {
        let _ = stream.write_all(b"* OK slow\r\n").await;
        let (mut read, mut write) = stream.split();
        let reader = async {
            use tokio::io::AsyncReadExt;
            let mut buf = [0u8; 256];
            while let Ok(n) = read.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                received.add(&buf[..n]);
            }
        };
        // One untagged line every two seconds: each line is in time, the whole never ends.
        let writer = async {
            for _ in 0..60 {
                tokio::time::sleep(Duration::from_secs(2)).await;
                if write.write_all(b"* OK wait\r\n").await.is_err() {
                    break;
                }
            }
        };
        tokio::join!(reader, writer);
    })
    .await;
    let mut reader = starttls_reader(port);
    connection_error_within(&mut reader, Duration::from_secs(45)).await;
    assert_no_credentials(&received);
    reader.shutdown().await;
}

#[tokio::test]
async fn starttls_answered_by_plain_text_is_refused_without_credentials() {
    let (port, received) = scripted::listen_raw(|stream, received| async move {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        let _ = write.write_all(b"* OK ready\r\n").await;
        let mut line = String::new();
        while lines.read_line(&mut line).await.is_ok_and(|n| n > 0) {
            received.add(line.as_bytes());
            let tag = line.split_whitespace().next().unwrap_or("*").to_owned();
            let reply = if line.to_ascii_uppercase().contains("CAPABILITY") {
                format!("* CAPABILITY IMAP4rev1 STARTTLS\r\n{tag} OK done\r\n")
            } else {
                // OK to STARTTLS, then an injected plain-text answer instead of a handshake.
                format!("{tag} OK begin TLS\r\n* OK [CAPABILITY IMAP4rev1] injected\r\nA1 OK LOGIN done\r\n")
            };
            line.clear();
            if write.write_all(reply.as_bytes()).await.is_err() {
                return;
            }
        }
    })
    .await;
    let mut reader = starttls_reader(port);
    connection_error_within(&mut reader, Duration::from_secs(20)).await;
    assert_no_credentials(&received);
    reader.shutdown().await;
}

#[tokio::test]
async fn an_implicit_tls_server_that_never_answers_the_handshake_times_out() {
    let (port, received) = scripted::listen_raw(|mut stream, received| async move {
        use tokio::io::AsyncReadExt;
        let mut buf = [0u8; 4096];
        // Read the ClientHello and never answer.
        while let Ok(n) = stream.read(&mut buf).await {
            if n == 0 {
                break;
            }
            received.add(&buf[..n]);
        }
    })
    .await;
    let mut reader = Reader::start(settings(
        &format!("imaps://127.0.0.1:{port}"),
        "alice",
        PASSWORD,
        None,
    ));
    connection_error_within(&mut reader, Duration::from_secs(45)).await;
    assert_no_credentials(&received);
    // Shutdown is still answered promptly while it retries.
    let stop = Instant::now();
    reader.shutdown().await;
    assert!(stop.elapsed() < Duration::from_secs(5));
}

/// A message built to be slow to parse and classify (a megabyte of short URLs, an HTML table
/// of a hundred thousand cells) does not hold up the reader: another message opens meanwhile
/// and Shutdown ends the actor at once, whatever the parse is still doing.
#[tokio::test]
async fn a_costly_message_does_not_hold_up_other_messages_or_quit() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let costly = format!(
        "From: x@example.test\r\nTo: alice@example.test\r\nSubject: costly\r\n\
         Message-ID: <costly@example.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/alternative; boundary=B\r\n\r\n--B\r\n\
         Content-Type: text/plain\r\n\r\n{}\r\n--B\r\nContent-Type: text/html\r\n\r\n\
         <table><tr>{}</tr></table>\r\n--B--\r\n",
        "http://a ".repeat(100_000),
        "<td>c</td>".repeat(100_000)
    );
    dovecot.deliver("alice", costly.as_bytes()).await;
    dovecot
        .deliver("alice", &crate::common::message("small", "hello"))
        .await;
    let mut reader = alice_online(&dovecot).await;
    let (chunks, _) = reader.open_all("INBOX", 1, 50).await;
    let rows: Vec<_> = chunks.into_iter().flatten().collect();
    let uid_of = |subject: &str| {
        rows.iter()
            .find(|r| r.subject() == subject)
            .map(|r| r.uid)
            .expect("row")
    };
    for (req, subject) in [(10, "costly"), (11, "small")] {
        reader
            .send(SourceCommand::FetchMessage {
                req,
                folder: "INBOX".into(),
                uid: uid_of(subject),
                mark_seen: false,
            })
            .await;
    }
    let small = reader
        .wait_for("the small message", |e| match e {
            SourceEvent::Message { req: 11, result } => Some(result),
            _ => None,
        })
        .await
        .expect("the small message opens");
    assert_eq!(small.view.subject, "small");
    let stop = Instant::now();
    let _ = reader.commands.send(SourceCommand::Shutdown).await;
    tokio::time::timeout(Duration::from_secs(5), reader.handle)
        .await
        .expect("Shutdown ends the actor at once")
        .expect("the actor ends cleanly");
    assert!(stop.elapsed() < Duration::from_secs(5));
}

/// imap-proto 0.17 unwraps `INTERNALDATE NIL` and panics inside async-imap's response stream,
/// on the actor's task. The actor survives it: it reconnects with backoff, stops loading the
/// folder after a few tries with a notice, and goes on answering commands.
#[tokio::test]
async fn a_response_that_panics_the_imap_parser_does_not_kill_the_actor() {
    const PANICS_THE_PARSER: &str = "* 1 FETCH (UID 1 INTERNALDATE NIL FLAGS ())\r\n\
* 2 FETCH (UID 2 INTERNALDATE NIL FLAGS ())\r\n";
    let (port, received) = tiny_imap(PANICS_THE_PARSER.to_owned()).await;
    let mut reader = plain_reader(port);
    reader.online_any().await;
    reader.open_inbox().await;
    let started = Instant::now();
    load_given_up(&mut reader).await;
    let logins = received.text().matches(" LOGIN ").count();
    assert!(
        (2..=6).contains(&logins),
        "{logins} logins in {:?}: reconnects are paced and bounded",
        started.elapsed()
    );
    still_answers(&mut reader).await;
    reader.shutdown().await;
}

/// A BODYSTRUCTURE nested 20,000 levels deep would overflow the stack of the IMAP library's
/// recursive parser (found by fuzzing); the connection refuses it before the parser sees it,
/// and the actor lives on.
#[tokio::test]
async fn a_response_nested_too_deeply_for_the_parser_is_refused() {
    let (port, _) = tiny_imap(deep_rows()).await;
    refused_as_unreadable(port).await;
}

fn deep_rows() -> String {
    format!(
        "* 1 FETCH (UID 1 FLAGS () BODYSTRUCTURE {}\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1{})\r\n",
        "(".repeat(20_000),
        ")".repeat(20_000)
    )
}

/// A status line's text ending in what looks like a literal (`{n}`) is text to the IMAP
/// parser, so the deep response after it must not be skipped as the literal's bytes.
#[tokio::test]
async fn a_deep_response_behind_literal_syntax_in_status_text_is_refused() {
    for status in ["* OK [ALERT] look", "* NO", "* OK [BADCHARSET ("] {
        let deep = deep_rows();
        let rows = format!("{status} {{{}}}\r\n{deep}", deep.len());
        let (port, _) = tiny_imap(rows).await;
        refused_as_unreadable(port).await;
    }
}

async fn refused_as_unreadable(port: u16) {
    let mut reader = plain_reader(port);
    reader.online_any().await;
    reader.open_inbox().await;
    let said = reader
        .wait_for("an error", |e| match e {
            SourceEvent::Notice(text) => Some(text),
            SourceEvent::Connection(ConnectionState::Reconnecting { reason, .. }) => Some(reason),
            _ => None,
        })
        .await;
    assert!(said.contains("cannot be read"), "{said}");
    still_answers(&mut reader).await;
    reader.shutdown().await;
}
