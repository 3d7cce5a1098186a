//! The server's words reach the user, and a command the server did not finish never reads as
//! done. A scripted loopback server (a real server cannot be made to misbehave on cue) cuts
//! each command shape off with a clean EOF or a `* BYE [ALERT]` before its tagged reply, and
//! sends `[ALERT]` at the greeting and during IDLE; a real Dovecot gives NO with RFC 5530
//! response codes and an untrusted certificate, which must read as words.

use std::time::Duration;

use sealmail::mail::{ConnectionState, Flags, SourceCommand, SourceEvent};

use crate::common::{Reader, settings};
use crate::scripted::{self, Line, Reply};
use crate::support::{Dovecot, DovecotOptions, password};

/// How the scripted server misbehaves.
#[derive(Clone, Copy)]
struct Script {
    greeting: &'static str,
    /// The command (its first word, or `UID STORE` and the like) that is cut off.
    cut: &'static str,
    /// What the server sends of the cut command's answer before it closes.
    partial: &'static str,
    /// Offer IDLE, and send this once idling (closing after it when it is a BYE).
    idle: Option<&'static str>,
    /// The untagged answer to FETCH (both rows unless a test wants fewer).
    rows: &'static [&'static str],
    /// A command answered with a tagged NO carrying this text.
    refuse: Option<(&'static str, &'static str)>,
}

impl Script {
    fn cut(cut: &'static str, partial: &'static str) -> Script {
        Script {
            greeting: "* OK scripted server ready\r\n",
            cut,
            partial,
            idle: None,
            rows: &[ROW_1, ROW_2],
            refuse: None,
        }
    }
}

const ROW_1: &str = "* 1 FETCH (UID 1 FLAGS (\\Seen) INTERNALDATE \"24-Nov-2026 08:00:00 +0000\" \
RFC822.SIZE 120 ENVELOPE (\"Tue, 24 Nov 2026 08:00:00 +0000\" \"one\" \
((\"Carol\" NIL \"carol\" \"example.test\")) NIL NIL NIL NIL NIL NIL \"<1@example.test>\") \
BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 10 1 NIL NIL NIL NIL))\r\n";
const ROW_2: &str = "* 2 FETCH (UID 2 FLAGS () INTERNALDATE \"24-Nov-2026 09:00:00 +0000\" \
RFC822.SIZE 120 ENVELOPE (\"Tue, 24 Nov 2026 09:00:00 +0000\" \"two\" \
((\"Carol\" NIL \"carol\" \"example.test\")) NIL NIL NIL NIL NIL NIL \"<2@example.test>\") \
BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 10 1 NIL NIL NIL NIL))\r\n";

/// A reader pointed at a server that follows `script`.
async fn scripted(script: Script) -> Reader {
    let (port, _) = scripted::listen(script.greeting, move || {
        // The tag of an IDLE in progress: the next line is its DONE.
        let mut idling: Option<String> = None;
        move |line: &Line| answer(&script, line, &mut idling)
    })
    .await;
    Reader::start(settings(
        &format!("imap+plain://127.0.0.1:{port}"),
        "alice",
        "s3cret-words-pw",
        None,
    ))
}

fn answer(script: &Script, line: &Line, idling: &mut Option<String>) -> Reply {
    let tag = &line.tag;
    if let Some(idle_tag) = idling.take() {
        return Reply::Send(format!("{idle_tag} OK idle done\r\n"));
    }
    let full = format!("{} {}", line.command, line.sub);
    if line.command == script.cut || full == script.cut {
        return Reply::Close(script.partial.to_owned());
    }
    if let Some((refused, text)) = script.refuse
        && line.command == refused
    {
        return Reply::Send(format!("{tag} NO {text}\r\n"));
    }
    match (line.command.as_str(), line.sub.as_str()) {
        ("CAPABILITY", _) => {
            scripted::ordinary(line, if script.idle.is_some() { " IDLE" } else { "" })
        }
        ("SELECT" | "EXAMINE", _) => Reply::Send(format!(
            "* 2 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 3] ok\r\n\
             * FLAGS (\\Seen \\Flagged)\r\n\
             * OK [PERMANENTFLAGS (\\Seen \\Flagged \\*)] ok\r\n{tag} OK [READ-WRITE] done\r\n"
        )),
        ("FETCH", _) => Reply::Send(format!("{}{tag} OK done\r\n", script.rows.concat())),
        ("UID", "STORE") => Reply::Send(format!("{tag} OK stored\r\n")),
        ("IDLE", _) => {
            let said = script.idle.unwrap_or("");
            let go = format!("+ idling\r\n{said}");
            if said.starts_with("* BYE") {
                return Reply::Close(go);
            }
            *idling = Some(tag.clone());
            Reply::Send(go)
        }
        _ => scripted::ordinary(line, ""),
    }
}

/// Waits for the reader to lose the connection, and fails the test on any sign that the cut
/// command was taken as done. Returns why the connection was lost and the alerts said
/// meanwhile.
async fn lost(reader: &mut Reader, what: &str) -> (String, Vec<String>) {
    let mut alerts = Vec::new();
    let reason = reader
        .wait_for("the connection lost", |e| match e {
            SourceEvent::Connection(ConnectionState::Reconnecting { reason, .. })
            | SourceEvent::Connection(ConnectionState::Failed { reason }) => Some(reason),
            SourceEvent::Connection(ConnectionState::Online { .. }) if what == "CAPABILITY" => {
                panic!("a CAPABILITY cut off by the server was taken as done")
            }
            SourceEvent::FolderOpened { total, .. } if what == "SELECT" => {
                panic!("a SELECT cut off by the server was taken as done ({total} messages)")
            }
            SourceEvent::FolderLoaded { total, .. } => {
                panic!("{what} cut off by the server, yet the folder loaded ({total})")
            }
            SourceEvent::Alert(text) => {
                alerts.push(text);
                None
            }
            _ => None,
        })
        .await;
    (reason, alerts)
}

fn assert_cut_in_words(reason: &str, what: &str) {
    assert!(
        reason.contains("closed the connection before answering")
            || reason.contains("ended the session"),
        "{what}: {reason}"
    );
    assert!(
        !reason.contains("Some(") && !reason.contains("Outcome"),
        "{what}: not in words: {reason}"
    );
}

#[tokio::test]
async fn eof_before_the_tagged_reply_fails_login_and_capability() {
    for (what, partial) in [
        ("LOGIN", ""),
        ("CAPABILITY", "* CAPABILITY IMAP4rev1 IDLE\r\n"),
    ] {
        let mut reader = scripted(Script::cut(what, partial)).await;
        let (reason, _) = lost(&mut reader, what).await;
        assert_cut_in_words(&reason, what);
        reader.shutdown().await;
    }
}

#[tokio::test]
async fn eof_before_the_tagged_reply_fails_select_and_fetch() {
    for (what, partial) in [
        ("SELECT", "* 2 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n"),
        ("FETCH", ROW_1),
    ] {
        let mut reader = scripted(Script::cut(what, partial)).await;
        reader.online_any().await;
        reader.open_inbox().await;
        let (reason, _) = lost(&mut reader, what).await;
        assert_cut_in_words(&reason, what);
        reader.shutdown().await;
    }
}

#[tokio::test]
async fn eof_before_the_tagged_reply_fails_store() {
    // STORE: a flag change the server never confirmed.
    let mut reader = scripted(Script::cut(
        "UID STORE",
        "* 1 FETCH (FLAGS (\\Flagged))\r\n",
    ))
    .await;
    reader.online_any().await;
    reader.open_inbox().await;
    reader
        .wait_for("FolderLoaded", |e| {
            matches!(e, SourceEvent::FolderLoaded { .. }).then_some(())
        })
        .await;
    reader
        .send(SourceCommand::SetFlag {
            folder: "INBOX".into(),
            uid: 1,
            flag: Flags::FLAGGED,
            on: true,
        })
        .await;
    let (reason, _) = lost(&mut reader, "STORE").await;
    assert_cut_in_words(&reason, "STORE");
    reader.shutdown().await;
}

#[tokio::test]
async fn eof_before_the_tagged_reply_fails_search() {
    // Two messages, one row: the counts disagree and the reader asks for the UIDs.
    let script = Script {
        rows: &[ROW_1],
        ..Script::cut("UID SEARCH", "* SEARCH 1\r\n")
    };
    let mut reader = scripted(script).await;
    reader.online_any().await;
    reader.open_inbox().await;
    let (reason, _) = lost(&mut reader, "SEARCH").await;
    assert_cut_in_words(&reason, "SEARCH");
    reader.shutdown().await;
}

/// NOOP polls a server without IDLE every 30 s: this test waits for one.
#[tokio::test]
async fn eof_before_the_tagged_reply_fails_noop() {
    let mut reader = scripted(Script::cut("NOOP", "* 3 EXISTS\r\n")).await;
    reader.online_any().await;
    reader.open_inbox().await;
    let reason = tokio::time::timeout(Duration::from_secs(90), async {
        loop {
            match reader.events.recv().await.expect("the actor is alive") {
                SourceEvent::Connection(ConnectionState::Reconnecting { reason, .. }) => {
                    return reason;
                }
                SourceEvent::NewRows { total, .. } => {
                    panic!("a NOOP cut off by the server was taken as done ({total} messages)")
                }
                _ => {}
            }
        }
    })
    .await
    .expect("the cut NOOP is noticed within a poll");
    assert_cut_in_words(&reason, "NOOP");
    reader.shutdown().await;
}

#[tokio::test]
async fn eof_before_the_tagged_reply_fails_idle() {
    // IDLE: the server closes while the reader idles in an open folder.
    let script = Script {
        cut: "IDLE",
        partial: "+ idling\r\n",
        idle: Some(""),
        ..Script::cut("", "")
    };
    let mut reader = scripted(script).await;
    reader.online_any().await;
    reader.open_inbox().await;
    let reason = reader
        .wait_for("the connection lost", |e| match e {
            SourceEvent::Connection(ConnectionState::Reconnecting { reason, .. }) => Some(reason),
            _ => None,
        })
        .await;
    assert_cut_in_words(&reason, "IDLE");
    reader.shutdown().await;
}

#[tokio::test]
async fn bye_alert_at_the_greeting_is_shown_and_fails_the_connection() {
    let script = Script {
        greeting: "* BYE [ALERT] maintenance until 20:00\r\n",
        ..Script::cut("", "")
    };
    let mut reader = scripted(script).await;
    let (reason, alerts) = lost(&mut reader, "greeting").await;
    assert!(reason.contains("maintenance until 20:00"), "{reason}");
    assert!(
        alerts
            .iter()
            .any(|a| a.contains("alert from the server") && a.contains("maintenance until 20:00")),
        "{alerts:?}"
    );
    reader.shutdown().await;
}

#[tokio::test]
async fn bye_alert_during_a_command_fails_it_and_is_shown() {
    let mut reader = scripted(Script::cut(
        "SELECT",
        "* 2 EXISTS\r\n* BYE [ALERT] shutting down for an upgrade\r\n",
    ))
    .await;
    reader.online_any().await;
    reader.open_inbox().await;
    let (reason, alerts) = lost(&mut reader, "SELECT").await;
    assert!(reason.contains("shutting down for an upgrade"), "{reason}");
    assert_cut_in_words(&reason, "SELECT");
    assert!(
        alerts
            .iter()
            .any(|a| a.contains("shutting down for an upgrade")),
        "{alerts:?}"
    );
    reader.shutdown().await;
}

#[tokio::test]
async fn bye_alert_during_idle_is_shown_and_the_reader_reconnects() {
    let script = Script {
        idle: Some("* BYE [ALERT] going down now\r\n"),
        ..Script::cut("", "")
    };
    let mut reader = scripted(script).await;
    reader.online_any().await;
    reader.open_inbox().await;
    let mut alerts = Vec::new();
    let reason = reader
        .wait_for("the connection lost", |e| match e {
            SourceEvent::Connection(ConnectionState::Reconnecting { reason, .. }) => Some(reason),
            SourceEvent::Alert(text) => {
                alerts.push(text);
                None
            }
            _ => None,
        })
        .await;
    assert!(reason.contains("going down now"), "{reason}");
    assert!(
        alerts.iter().any(|a| a.contains("going down now")),
        "{alerts:?}"
    );
    reader.shutdown().await;
}

#[tokio::test]
async fn an_alert_during_idle_is_shown_at_once_and_the_session_goes_on() {
    let script = Script {
        idle: Some("* OK [ALERT] disk nearly full\r\n"),
        ..Script::cut("", "")
    };
    let mut reader = scripted(script).await;
    reader.online_any().await;
    reader.open_inbox().await;
    let alert = tokio::time::timeout(
        Duration::from_secs(10),
        reader.wait_for("the alert", |e| match e {
            SourceEvent::Alert(text) => Some(text),
            SourceEvent::Connection(ConnectionState::Reconnecting { reason, .. }) => {
                panic!("an alert is not a lost connection: {reason}")
            }
            _ => None,
        }),
    )
    .await
    .expect("the alert is shown within seconds, not at the next IDLE renewal");
    assert_eq!(alert, "alert from the server: disk nearly full");
    reader.shutdown().await;
}

/// A reader for alice over verified IMAPS to `dovecot`.
fn alice(dovecot: &Dovecot, pw: &str) -> Reader {
    Reader::start(settings(
        &dovecot.imaps_url(),
        "alice",
        pw,
        Some(dovecot.ca_pem()),
    ))
}

/// Debug text of Rust values never reaches the user.
fn assert_words(text: &str) {
    for debug in [
        "Some(",
        "None",
        "Outcome",
        "code:",
        "information:",
        "Unknown",
    ] {
        assert!(!text.contains(debug), "debug text {debug:?} in: {text}");
    }
}

#[tokio::test]
async fn dovecot_refusals_read_as_the_servers_words_and_their_code() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let mut reader = alice(&dovecot, password("alice"));
    reader.online().await;
    reader
        .send(SourceCommand::OpenFolder {
            req: 1,
            folder: "No such folder".into(),
            window: 50,
        })
        .await;
    let said = reader
        .wait_for("the refusal", |e| match e {
            // A folder the server will not select is reported gone, with its words.
            SourceEvent::FolderGone { reason, .. } => Some(reason),
            SourceEvent::FolderOpened { .. } => panic!("a folder that does not exist opened"),
            _ => None,
        })
        .await;
    // Dovecot 2.3 gives no response code for a SELECT of a missing mailbox: its words alone.
    assert_words(&said);
    assert!(
        said.starts_with("open folder: Mailbox doesn't exist"),
        "{said}"
    );
    reader.shutdown().await;

    let mut reader = alice(&dovecot, "not-alices-password");
    let reason = reader.failed().await;
    assert_words(&reason);
    assert!(reason.contains("Authentication failed"), "{reason}");
    assert!(reason.contains("AUTHENTICATIONFAILED"), "{reason}");
    reader.shutdown().await;
}

#[tokio::test]
async fn an_untrusted_certificate_names_the_ca_file_setting() {
    let dovecot = Dovecot::start(DovecotOptions::default().untrusted_cert()).await;
    let mut reader = alice(&dovecot, password("alice"));
    let reason = reader.failed().await;
    assert_words(&reason);
    assert!(reason.contains("certificate is not trusted"), "{reason}");
    assert!(
        reason.contains("ca_file") && reason.contains("--ca-file"),
        "{reason}"
    );
    reader.shutdown().await;
}

#[tokio::test]
async fn an_alert_in_the_greeting_and_in_a_refusal_is_shown() {
    let script = Script {
        greeting: "* OK [ALERT] new terms of service from Monday\r\n",
        refuse: Some(("SELECT", "[ALERT] INBOX is locked by the administrator")),
        ..Script::cut("", "")
    };
    let mut reader = scripted(script).await;
    let mut alerts = Vec::new();
    reader
        .wait_for("Online", |e| match e {
            SourceEvent::Connection(ConnectionState::Online { .. }) => Some(()),
            SourceEvent::Alert(text) => {
                alerts.push(text);
                None
            }
            _ => None,
        })
        .await;
    reader.open_inbox().await;
    let refusal = reader
        .wait_for("the refusal", |e| match e {
            // A folder the server will not select is reported gone, with its words.
            SourceEvent::FolderGone { reason, .. } => Some(reason),
            SourceEvent::Alert(text) => {
                alerts.push(text);
                None
            }
            _ => None,
        })
        .await;
    assert_eq!(refusal, "open folder: INBOX is locked by the administrator");
    // The refusal's alert may come just after its notice.
    if alerts.len() < 2 {
        let later = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                if let Some(SourceEvent::Alert(text)) = reader.events.recv().await {
                    return text;
                }
            }
        })
        .await
        .expect("the refusal's alert");
        alerts.push(later);
    }
    assert_eq!(
        alerts,
        vec![
            "alert from the server: new terms of service from Monday".to_owned(),
            "alert from the server: INBOX is locked by the administrator".to_owned(),
        ]
    );
    reader.shutdown().await;
}

/// async-imap ends a FETCH at its tagged reply whatever it says: a refused FETCH must not read
/// as an empty answer ("no longer on the server") but fail in the server's words.
#[tokio::test]
async fn a_refused_fetch_fails_in_the_servers_words() {
    let script = Script {
        refuse: Some(("UID", "[SERVERBUG] the message store is damaged")),
        ..Script::cut("", "")
    };
    let mut reader = scripted(script).await;
    reader.online_any().await;
    reader.open_inbox().await;
    reader
        .wait_for("FolderLoaded", |e| {
            matches!(e, SourceEvent::FolderLoaded { .. }).then_some(())
        })
        .await;
    reader
        .send(SourceCommand::FetchMessage {
            req: 7,
            folder: "INBOX".into(),
            uid: 1,
            mark_seen: true,
        })
        .await;
    let error = reader
        .wait_for("the message's answer", |e| match e {
            SourceEvent::Message { req: 7, result } => Some(result),
            _ => None,
        })
        .await
        .expect_err("a refused FETCH is an error");
    let text = error.to_string();
    assert!(text.contains("the message store is damaged"), "{text}");
    assert!(text.contains("SERVERBUG"), "{text}");
    assert!(!text.contains("no longer on the server"), "{text}");
    reader.shutdown().await;
}

/// A refused UID SEARCH reads as an empty answer to async-imap: taken at its word, every
/// message would seem gone. The refusal fails the resync in words and nothing leaves the list.
#[tokio::test]
async fn a_refused_search_removes_nothing_from_the_list() {
    let script = Script {
        // One row for two messages: the load must check the folder with UID SEARCH.
        rows: &[ROW_1],
        refuse: Some(("UID", "[SERVERBUG] the index is being rebuilt")),
        ..Script::cut("", "")
    };
    let mut reader = scripted(script).await;
    reader.online_any().await;
    reader.open_inbox().await;
    let said = reader
        .wait_for("the refusal", |e| match e {
            SourceEvent::Expunged { uids, .. } => panic!("messages taken off the list: {uids:?}"),
            SourceEvent::Notice(text) if text.contains("the index is being rebuilt") => Some(text),
            _ => None,
        })
        .await;
    assert!(said.starts_with("list message ids: "), "{said}");
    reader.shutdown().await;
}
