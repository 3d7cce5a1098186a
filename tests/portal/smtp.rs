//! Secrets never travel in clear: against a real Postfix whose SMTP port offers no STARTTLS,
//! the portal's passcode mailer and `sealmail seal --smtp` refuse `smtp://` with a clear error
//! and send nothing (no AUTH, no MAIL, no message in Dovecot); `smtp+insecure://` works only to
//! loopback and never with AUTH; the sender token never appears on a command line.

use std::process::Stdio;
use std::time::{Duration, Instant};

use sealmail::sealed::message::find_envelope;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use crate::common::{
    Options, PortalProc, SENDER_TOKEN, inner_message, passcode_mail, seal_cli, sealmail_bin,
};
use crate::support::{Dovecot, DovecotOptions, Postfix};

async fn stack_without_starttls() -> (Dovecot, Postfix) {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let postfix = Postfix::start_with(&dovecot, false).await;
    (dovecot, postfix)
}

fn assert_nothing_sent(postfix: &Postfix, dovecot: &Dovecot) {
    for session in postfix.sessions() {
        for command in ["auth=", "mail=", "rcpt=", "data=", "bdat="] {
            assert!(
                !session.contains(command),
                "the client sent {command} to a relay without TLS: {session}"
            );
        }
    }
    assert!(
        !postfix.log().contains("from=<"),
        "Postfix queued a message:\n{}",
        postfix.log()
    );
    for user in ["alice", "bob", "portal"] {
        assert_eq!(dovecot.message_count(user), 0, "{user} got mail");
    }
}

async fn wait_for_log(portal: &PortalProc, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let log = portal.log();
        if log.contains(needle) {
            return log;
        }
        assert!(
            Instant::now() < deadline,
            "the portal log never said {needle:?}:\n{log}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_passcode_mailer_refuses_a_relay_without_starttls_and_sends_nothing() {
    let (dovecot, postfix) = stack_without_starttls().await;
    let mut options = Options::mail_via(&postfix);
    options.extra = vec!["--smtp-user".into(), "portal".into()];
    options.env = vec![("SEALMAIL_PORTAL_SMTP_PASSWORD".into(), "portalpass".into())];
    let portal = PortalProc::start(options).await;
    let found = find_envelope(
        &seal_cli(
            &portal.origin,
            &inner_message("alice@example.test", "no-starttls"),
            &[],
        )
        .await,
    )
    .unwrap();
    portal
        .client()
        .request_passcode(&found.envelope.header.id, "alice@example.test")
        .await
        .expect("the request itself is accepted; the mail goes out off the request path");
    let log = wait_for_log(&portal, "passcode mail failed").await;
    assert!(
        log.contains("does not offer STARTTLS"),
        "the failure says why: {log}"
    );
    postfix.wait_for_sessions(1).await;
    assert_nothing_sent(&postfix, &dovecot);
    assert!(!log.contains("portalpass"));
}

#[tokio::test]
async fn seal_smtp_refuses_a_relay_without_starttls_and_sends_nothing() {
    let (dovecot, postfix) = stack_without_starttls().await;
    let portal = PortalProc::start(Options::mail_via(&postfix)).await;
    let mut child = Command::new(sealmail_bin())
        .arg("seal")
        .arg("--portal")
        .arg(&portal.origin)
        .arg("--smtp")
        .arg(postfix.smtp_url())
        .arg("--smtp-user")
        .arg("bob")
        .arg("--ca-file")
        .arg(postfix.ca_pem())
        .env("SEALMAIL_SENDER_TOKEN", SENDER_TOKEN)
        .env("SEALMAIL_SMTP_PASSWORD", "bobpass")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sealmail seal");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(&inner_message("alice@example.test", "seal-no-starttls"))
        .await
        .expect("write");
    drop(stdin);
    let output = child.wait_with_output().await.expect("sealmail seal");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("does not offer STARTTLS"), "{stderr}");
    assert!(!stderr.contains("bobpass"), "{stderr}");
    postfix.wait_for_sessions(1).await;
    assert_nothing_sent(&postfix, &dovecot);
}

#[tokio::test]
async fn plain_smtp_is_spelled_insecure_loopback_only_and_never_authenticates() {
    let (dovecot, postfix) = stack_without_starttls().await;
    let insecure = format!("smtp+insecure://127.0.0.1:{}", postfix.smtp_port());

    // With a user, plain SMTP is refused before any connection: the portal does not start.
    let output = Command::new(sealmail_bin())
        .args(["portal", "--listen", "127.0.0.1:0", "--smtp", &insecure])
        .args([
            "--smtp-user",
            "portal",
            "--mail-from",
            "portal@example.test",
        ])
        .env(
            "SEALMAIL_PORTAL_MASTER_KEY",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        )
        .env("SEALMAIL_PORTAL_SMTP_PASSWORD", "portalpass")
        .stdin(Stdio::null())
        .output()
        .await
        .expect("sealmail portal");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("never authenticates"), "{stderr}");

    // To a host that is not loopback, it is refused too (nothing listens there: the check
    // comes first).
    let output = Command::new(sealmail_bin())
        .args(["portal", "--listen", "127.0.0.1:0"])
        .args(["--smtp", "smtp+insecure://192.0.2.1:25"])
        .args(["--mail-from", "portal@example.test"])
        .env(
            "SEALMAIL_PORTAL_MASTER_KEY",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        )
        .stdin(Stdio::null())
        .output()
        .await
        .expect("sealmail portal");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("only allowed to a loopback address"),
        "{stderr}"
    );
    assert!(postfix.sessions().is_empty(), "{}", postfix.log());

    // Spelled out, to loopback, without AUTH: the passcode arrives.
    let portal = PortalProc::start(Options {
        smtp: Some(insecure),
        ..Options::default()
    })
    .await;
    let found = find_envelope(
        &seal_cli(
            &portal.origin,
            &inner_message("alice@example.test", "insecure-loopback"),
            &[],
        )
        .await,
    )
    .unwrap();
    let requested = portal
        .client()
        .request_passcode(&found.envelope.header.id, "alice@example.test")
        .await
        .unwrap();
    let (code, _) = passcode_mail(&dovecot, "alice", &requested.reference).await;
    assert_eq!(code.len(), 8);
    assert!(
        postfix.sessions().iter().all(|s| !s.contains("auth=")),
        "{}",
        postfix.log()
    );
}

#[tokio::test]
async fn the_sender_token_is_never_on_the_command_line() {
    let (_dovecot, postfix) = stack_without_starttls().await;
    let portal = PortalProc::start(Options::mail_via(&postfix)).await;
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", portal.pid())).expect("cmdline");
    assert!(
        !String::from_utf8_lossy(&cmdline).contains(SENDER_TOKEN),
        "the portal was started with its sender token in argv"
    );
    // The token from the environment works: sealing registers the key.
    seal_cli(
        &portal.origin,
        &inner_message("alice@example.test", "token-env"),
        &[],
    )
    .await;

    // A token file works as well; the old flag still works but warns.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens");
    std::fs::write(
        &file,
        format!("# sender tokens\n\n{SENDER_TOKEN}=*@example.test\n"),
    )
    .unwrap();
    for (args, warns) in [
        (
            vec!["--sender-token-file".to_owned(), file.display().to_string()],
            false,
        ),
        (
            vec![
                "--sender-token".to_owned(),
                format!("{SENDER_TOKEN}=*@example.test"),
            ],
            true,
        ),
    ] {
        let portal = PortalProc::start(Options {
            extra: args,
            no_token_env: true,
            ..Options::mail_via(&postfix)
        })
        .await;
        seal_cli(
            &portal.origin,
            &inner_message("alice@example.test", "token-file"),
            &[],
        )
        .await;
        assert_eq!(
            portal.log().contains("--sender-token shows the token"),
            warns,
            "{}",
            portal.log()
        );
    }
}
