//! Logging in, and the transport policy: verified TLS, STARTTLS without downgrade, plain
//! text only to loopback.

use sealmail::mail::SourceEvent;

use crate::common::{Reader, settings};
use crate::support::{Dovecot, DovecotOptions, password};

#[tokio::test]
async fn login_with_the_right_password_over_imaps_and_starttls() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    for url in [dovecot.imaps_url(), dovecot.imap_url()] {
        let mut reader = Reader::start(settings(
            &url,
            "alice",
            password("alice"),
            Some(dovecot.ca_pem()),
        ));
        let insecure = reader.online().await;
        assert!(!insecure, "{url} is encrypted");
        reader.shutdown().await;
    }
}

#[tokio::test]
async fn a_wrong_password_fails_without_retrying() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let mut reader = Reader::start(settings(
        &dovecot.imaps_url(),
        "alice",
        "not-alices-password",
        Some(dovecot.ca_pem()),
    ));
    let reason = reader.failed().await;
    assert!(
        reason.contains("refused the user name or password"),
        "{reason}"
    );
    assert!(!reason.contains("not-alices-password"));
    // Requests after a failure are answered, not queued for a retry that never comes.
    reader
        .send(sealmail::mail::SourceCommand::FetchMessage {
            req: 9,
            folder: "INBOX".into(),
            uid: 1,
            mark_seen: false,
        })
        .await;
    match reader.next().await {
        SourceEvent::Message { req: 9, result } => assert!(result.is_err()),
        other => panic!("expected the request refused, got {other:?}"),
    }
    let log = dovecot.log();
    let attempts =
        log.matches("auth failed").count() + log.matches("Authentication failed").count();
    assert!(
        attempts <= 2,
        "the server saw {attempts} failed logins:\n{log}"
    );
    reader.shutdown().await;
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused() {
    let dovecot = Dovecot::start(DovecotOptions::default().untrusted_cert()).await;
    for url in [dovecot.imaps_url(), dovecot.imap_url()] {
        let mut reader = Reader::start(settings(
            &url,
            "alice",
            password("alice"),
            Some(dovecot.ca_pem()),
        ));
        let reason = reader.failed().await;
        assert!(
            reason.contains("certificate is not trusted"),
            "{url}: {reason}"
        );
        reader.shutdown().await;
    }
}

#[tokio::test]
async fn the_system_roots_alone_do_not_trust_the_test_ca() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let mut reader = Reader::start(settings(
        &dovecot.imaps_url(),
        "alice",
        password("alice"),
        None,
    ));
    let reason = reader.failed().await;
    assert!(reason.contains("certificate is not trusted"), "{reason}");
    reader.shutdown().await;
}

#[tokio::test]
async fn starttls_is_required_a_server_without_it_is_an_error() {
    let dovecot = Dovecot::start(DovecotOptions::default().without_tls()).await;
    let mut reader = Reader::start(settings(
        &dovecot.imap_url(),
        "alice",
        password("alice"),
        Some(dovecot.ca_pem()),
    ));
    let reason = reader.failed().await;
    assert!(reason.contains("does not offer STARTTLS"), "{reason}");
    // Nothing was sent in the clear: the server never saw a login attempt.
    let log = dovecot.log();
    assert!(!log.contains("Login: user=<alice"), "{log}");
    reader.shutdown().await;
}

#[tokio::test]
async fn plain_imap_to_loopback_works_and_says_it_is_insecure() {
    let dovecot = Dovecot::start(DovecotOptions::default().without_tls()).await;
    let url = format!("imap+plain://127.0.0.1:{}", dovecot.imap_port());
    let mut reader = Reader::start(settings(&url, "alice", password("alice"), None));
    assert!(
        reader.online().await,
        "a plain connection is reported insecure"
    );
    reader.shutdown().await;
}
