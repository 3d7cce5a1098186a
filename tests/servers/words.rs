//! The server's words on every server: a `BYE` that ends the session while the reader idles
//! (with `[ALERT]` on Cyrus) is shown and named as the reason for reconnecting, and the list is
//! right once the server is back; refusals (a folder that does not exist, a wrong password)
//! read as the server's own text first with its response code translated, and a certificate
//! the reader cannot verify names `ca_file`.

use std::time::Duration;

use sealmail::mail::{ConnectionState, SourceCommand, SourceEvent};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::common::{Reader, message};
use crate::server_common::View;
use crate::support::{Server, ServerKind, rustls_client_config};

const USER: &str = "alice";

on_every_server!(
    a_bye_while_idling_is_shown_and_the_reader_comes_back,
    refusals_read_as_the_servers_own_words,
);

/// Debug text of Rust values never reaches the user.
fn assert_words(name: &str, text: &str) {
    for debug in ["Some(", "None", "Outcome", "code:", "information:"] {
        assert!(
            !text.contains(debug),
            "{name}: debug text {debug:?} in: {text}"
        );
    }
}

/// The server's tagged answer to `LOGIN user password` on a fresh IMAPS connection.
async fn login_answer(server: &Server, user: &str, password: &str) -> String {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", server.imaps_port()))
        .await
        .expect("connect");
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("server name");
    let tls = tokio_rustls::TlsConnector::from(rustls_client_config(server.ca_pem()))
        .connect(name, tcp)
        .await
        .expect("TLS");
    let mut stream = BufReader::new(tls);
    let mut line = String::new();
    stream.read_line(&mut line).await.expect("greeting");
    stream
        .get_mut()
        .write_all(format!("w1 LOGIN {user} \"{password}\"\r\n").as_bytes())
        .await
        .expect("write");
    loop {
        line.clear();
        let n = stream.read_line(&mut line).await.expect("read");
        assert!(n > 0, "the server closed the connection at LOGIN");
        if let Some(status) = line.strip_prefix("w1 ") {
            return status.trim_end().to_owned();
        }
    }
}

/// The text of a tagged `NO [CODE] text` (or `NO text`) and its code.
fn refusal_parts(status: &str) -> (String, Option<String>) {
    let rest = status.strip_prefix("NO ").unwrap_or(status);
    match rest.strip_prefix('[').and_then(|r| r.split_once("] ")) {
        Some((code, text)) => (text.to_owned(), Some(code.to_owned())),
        None => (rest.to_owned(), None),
    }
}

/// Collects events until the connection is lost; returns the reason and the alerts seen.
async fn lost(reader: &mut Reader, view: &mut View) -> (String, Vec<String>) {
    let mut alerts = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let event = tokio::time::timeout_at(deadline, reader.events.recv())
            .await
            .unwrap_or_else(|_| panic!("the connection was not lost: {:?}", view.log))
            .expect("the actor runs");
        match event {
            SourceEvent::Connection(ConnectionState::Reconnecting { reason, .. }) => {
                return (reason, alerts);
            }
            SourceEvent::Connection(ConnectionState::Failed { reason }) => {
                panic!("a BYE is not a failure retrying cannot cure: {reason}")
            }
            SourceEvent::Alert(text) => alerts.push(text),
            other => view.apply(1, "INBOX", other),
        }
    }
}

/// What Cyrus's shutdown file says.
const ALERT: &str = "maintenance until 20:00";

/// Cyrus: the shutdown file (`msg/shutdown`) makes imapd send `* BYE [ALERT] text` to a
/// session in IDLE at once, and to every new session at its first command after LOGIN, until
/// the file is removed. Dovecot has no such file, and stopping it sends no BYE over TLS (its
/// login process, which holds the TLS session, goes first: the reader sees a plain close).
/// The closest real shape is an administrator's `doveadm kick`: the session gets
/// `* BYE Server shutting down.` (no ALERT) and the server stays up. Another client idling
/// beside the reader shows what each server sends; the reader shows that text and names it
/// as the reason, and once the server takes it back its list is right.
async fn a_bye_while_idling_is_shown_and_the_reader_comes_back(kind: ServerKind) {
    let server = Server::start(kind).await;
    let name = server.name();
    let uids = server.populate(USER, "INBOX", 0, 12).await;
    let mut reader = Reader::start(server.settings(USER));
    reader.online().await;
    let (chunks, total) = reader.open_all("INBOX", 1, 50).await;
    let mut view = View {
        total,
        loaded: true,
        ..View::default()
    };
    view.uids.extend(chunks.iter().flatten().map(|row| row.uid));

    let mut idling = server.client(USER).await;
    idling.select("INBOX").await;
    let bye = async {
        // let both sessions enter IDLE
        tokio::time::sleep(Duration::from_millis(300)).await;
        match (server.cyrus(), server.dovecot()) {
            (Some(cyrus), _) => cyrus.shutdown_with_alert(ALERT),
            (_, Some(dovecot)) => dovecot.kick(USER).await,
            _ => unreachable!("a server is Cyrus or Dovecot"),
        }
    };
    let (lines, ()) = tokio::join!(idling.idle_until_close(Duration::from_secs(10)), bye);
    let (line, said, shown) = if server.cyrus().is_some() {
        (
            format!("* BYE [ALERT] {ALERT}"),
            ALERT,
            format!("alert from the server, closing the connection: {ALERT}"),
        )
    } else {
        let said = "Server shutting down.";
        (
            format!("* BYE {said}"),
            said,
            format!("the server closed the connection: {said}"),
        )
    };
    assert_eq!(lines, vec![line], "{name}: what the server sends in IDLE");

    let (reason, alerts) = lost(&mut reader, &mut view).await;
    assert_words(name, &reason);
    assert!(reason.contains(said), "{name}: the reason: {reason}");
    assert!(
        alerts.contains(&shown),
        "{name}: shown {alerts:?}, wanted {shown:?}"
    );

    if let Some(cyrus) = server.cyrus() {
        // Each retry logs in and is turned away: Cyrus sends the BYE right after the LOGIN's
        // OK and closes at once, so the reader's next command meets a broken pipe; the
        // reader then reads the bytes that came before the close, and every retry (after
        // 1 s, 2 s, ...) names the alert, not the pipe.
        for attempt in 1..=2 {
            let (reason, alerts) = lost(&mut reader, &mut view).await;
            assert_words(name, &reason);
            assert!(
                reason.contains(ALERT),
                "{name}: retry {attempt} under the shutdown file: {reason}"
            );
            assert!(alerts.contains(&shown), "{name}: the retry: {alerts:?}");
        }
        cyrus.clear_shutdown();
    }
    // Before the reader is back, another client removes a message and a new one arrives.
    server.expunge(USER, "INBOX", &[uids[2]]).await;
    server
        .deliver(USER, &message("After the BYE", "Back again."))
        .await;
    let truth = server.uids(USER, "INBOX").await;
    assert_eq!(truth.len(), 12, "{name}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let event = tokio::time::timeout_at(deadline, reader.events.recv())
            .await
            .unwrap_or_else(|_| panic!("{name}: not back online within 30 s: {:?}", view.log))
            .expect("the actor runs");
        match event {
            SourceEvent::Connection(ConnectionState::Online { .. }) => break,
            SourceEvent::Connection(ConnectionState::Failed { reason }) => {
                panic!("{name}: gave up: {reason}")
            }
            other => view.apply(1, "INBOX", other),
        }
    }
    view.settle(
        &mut reader,
        1,
        "INBOX",
        &truth,
        Duration::from_secs(15),
        &format!("{name}: caught up after the BYE"),
    )
    .await;
    reader.shutdown().await;
}

/// What each server answers (read by another client, and pinned here so that a change is
/// seen): a SELECT of a missing mailbox, Dovecot 2.3 `NO Mailbox doesn't exist: NAME (… secs).`
/// and Cyrus 3.6 `NO Mailbox does not exist`, neither with a code (Cyrus sends neither
/// `[NONEXISTENT]` nor `[TRYCREATE]` at SELECT); a wrong password, Dovecot
/// `NO [AUTHENTICATIONFAILED] Authentication failed.` and Cyrus `NO Login failed:
/// authentication failure` (no code). The reader's text starts with the server's, translates
/// a code where there is one, and holds no Rust debug text. A certificate from a CA the system
/// does not trust (the test CA without `ca_file`) names `ca_file`.
async fn refusals_read_as_the_servers_own_words(kind: ServerKind) {
    let server = Server::start(kind).await;
    let name = server.name();
    let missing = server.folder("No such folder");

    // What the server itself answers, seen by another client.
    let mut other = server.client(USER).await;
    let reply = other.command(&format!("SELECT \"{missing}\"")).await;
    other.logout().await;
    assert!(reply.status.starts_with("NO"), "{name}: {reply:?}");
    let (text, code) = refusal_parts(&reply.status);
    if server.cyrus().is_some() {
        assert_eq!(reply.status, "NO Mailbox does not exist", "{name}");
    } else {
        assert!(
            reply
                .status
                .starts_with("NO Mailbox doesn't exist: No such folder"),
            "{name}: {reply:?}"
        );
    }

    let mut reader = Reader::start(server.settings(USER));
    reader.online().await;
    reader
        .send(SourceCommand::OpenFolder {
            req: 1,
            folder: missing.clone(),
            window: 50,
        })
        .await;
    let said = reader
        .wait_for("the refusal", |e| match e {
            // A folder the server will not select is reported gone, in the server's words.
            SourceEvent::FolderGone { reason, .. } => Some(reason),
            SourceEvent::FolderOpened { .. } => panic!("a folder that does not exist opened"),
            _ => None,
        })
        .await;
    assert_words(name, &said);
    // Dovecot ends its text with the command's timing ("(0.001 + 0.000 secs)."), which
    // differs from one SELECT to the next: the words before it must match.
    let words = text.split(" (").next().unwrap_or(&text);
    assert!(
        said.starts_with(&format!("open folder: {words}")),
        "{name}: the server's text first: {said}"
    );
    match code.as_deref() {
        Some("NONEXISTENT") => assert!(
            said.contains("it does not exist on the server; NONEXISTENT"),
            "{name}: {said}"
        ),
        Some("TRYCREATE") => assert!(said.contains("TRYCREATE"), "{name}: {said}"),
        Some(other) => panic!("{name}: an unexpected code {other}: {reply:?}"),
        None => assert!(!said.contains('['), "{name}: {said}"),
    }
    reader.shutdown().await;

    // A wrong password.
    let status = login_answer(&server, USER, "not-alices-password").await;
    let wanted = if server.cyrus().is_some() {
        "NO Login failed: authentication failure"
    } else {
        "NO [AUTHENTICATIONFAILED] Authentication failed."
    };
    assert_eq!(status, wanted, "{name}: LOGIN with a wrong password");
    let (text, code) = refusal_parts(&status);
    let mut settings = server.settings(USER);
    settings.auth = sealmail::imap::Auth::Password("not-alices-password".into());
    let mut reader = Reader::start(settings);
    let reason = reader.failed().await;
    eprintln!("{name}: a wrong password reads: {reason}");
    assert_words(name, &reason);
    assert!(
        reason.contains(&text),
        "{name}: the server's text: {reason}"
    );
    if let Some(code) = code {
        assert_eq!(code, "AUTHENTICATIONFAILED", "{name}: {status}");
        assert!(
            reason.contains("the server refused the user name or password; AUTHENTICATIONFAILED"),
            "{name}: {reason}"
        );
    }
    reader.shutdown().await;

    // The test CA, not named: the system's roots do not know it.
    let mut settings = server.settings(USER);
    settings.ca_file = None;
    let mut reader = Reader::start(settings);
    let reason = reader.failed().await;
    assert_words(name, &reason);
    assert!(
        reason.contains("certificate is not trusted") && reason.contains("ca_file"),
        "{name}: {reason}"
    );
    reader.shutdown().await;
}
