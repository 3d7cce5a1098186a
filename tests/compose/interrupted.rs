//! A server that goes away in the middle of a send: Postfix holds the client (a `sleep`
//! restriction) at DATA, or after the whole message was handed over, and is stopped there.
//! Before the message, the error says nothing was sent; after it, that it may have been sent
//! (the composer then asks before sending again). Either way the sender tries once, files no
//! copy in Sent, and nobody receives the message.

use std::time::Duration;

use sealmail::config::sending::SentCopy;
use sealmail::submit::SubmitError;

use crate::common::letter;
use crate::sent::{imap, spec};
use crate::support::{Dovecot, DovecotOptions, Postfix};

/// Sends alice's letter to bob through the reader's sender while Postfix, held by `option`,
/// is stopped once the transaction has begun; the error, and Postfix's log.
async fn send_and_stop_postfix(dovecot: &Dovecot, option: &str) -> (SubmitError, String) {
    dovecot.create_folder("alice", "Sent");
    let mut postfix = Postfix::start_with_options(dovecot, true, &[option]).await;
    let (_, sender) =
        sealmail::cli::sending::sender(spec(&postfix, SentCopy::Folder(None)), Some(imap(dovecot)))
            .unwrap();
    let sending =
        tokio::spawn(sender.send(Box::new(letter("alice", &["bob"])), Some("Sent".into())));
    // The queue id is logged at MAIL; RCPT, DATA and the message follow at once.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !postfix.log().contains("client=localhost") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no transaction began:\n{}",
            postfix.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(!sending.is_finished(), "Postfix holds the client");
    let log = postfix.log();
    postfix.stop().await;
    let result = tokio::time::timeout(Duration::from_secs(90), sending)
        .await
        .expect("the send ends once the server is gone")
        .expect("the send task");
    let err = result.expect_err("nothing can have been taken");
    (err, log)
}

#[tokio::test]
async fn a_server_stopped_before_the_message_sends_nothing() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let (err, log) = send_and_stop_postfix(&dovecot, "smtpd_data_restrictions=sleep,30").await;
    assert!(matches!(err, SubmitError::Unreachable(_)), "{err}");
    assert!(err.nothing_sent());
    assert!(err.to_string().ends_with("nothing was sent"), "{err}");
    assert_eq!(log.matches("client=localhost").count(), 1, "one try: {log}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(dovecot.message_count("bob"), 0);
    assert_eq!(
        dovecot.folder_message_count("alice", "Sent"),
        0,
        "no copy filed"
    );
}

#[tokio::test]
async fn a_server_stopped_after_the_message_may_have_sent_it_and_is_tried_once() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let (err, log) =
        send_and_stop_postfix(&dovecot, "smtpd_end_of_data_restrictions=sleep,30").await;
    assert!(matches!(err, SubmitError::Unknown(_)), "{err}");
    assert!(!err.nothing_sent(), "the message was handed over");
    assert!(
        err.to_string()
            .contains("it may have been sent; check before sending again"),
        "{err}"
    );
    assert_eq!(log.matches("client=localhost").count(), 1, "one try: {log}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(dovecot.message_count("bob"), 0, "Postfix never took it");
    assert_eq!(
        dovecot.folder_message_count("alice", "Sent"),
        0,
        "no copy filed"
    );
}
