//! Postfix: SMTP on loopback, STARTTLS verified against the test CA, delivery into Dovecot,
//! no relaying.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::support::{Dovecot, DovecotOptions, Postfix};

fn transport(postfix: &Postfix, tls: Tls) -> AsyncSmtpTransport<Tokio1Executor> {
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(postfix.smtp_port())
        .tls(tls)
        .timeout(Some(Duration::from_secs(20)))
        .build()
}

fn trusting_test_ca(postfix: &Postfix) -> TlsParameters {
    let pem = std::fs::read(postfix.ca_pem()).expect("read the test CA");
    TlsParameters::builder("localhost".to_owned())
        .certificate_store(CertificateStore::None)
        .add_root_certificate(Certificate::from_pem(&pem).expect("CA PEM"))
        .build_rustls()
        .expect("TLS parameters")
}

fn message(to: &str, subject: &str) -> Message {
    Message::builder()
        .from(
            "Sender <sender@example.org>"
                .parse::<Mailbox>()
                .expect("from"),
        )
        .to(to.parse::<Mailbox>().expect("to"))
        .subject(subject)
        .body("Hello over SMTP.\n".to_owned())
        .expect("message")
}

#[tokio::test]
async fn smtp_with_starttls_delivers_into_dovecot() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let postfix = Postfix::start(&dovecot).await;
    let smtp = transport(&postfix, Tls::Required(trusting_test_ca(&postfix)));
    smtp.send(message("alice@example.test", "via Postfix"))
        .await
        .expect("Postfix accepts mail for alice over STARTTLS");

    dovecot
        .wait_for_messages("alice", 1, Duration::from_secs(20))
        .await;
    let file = std::fs::read_dir(dovecot.maildir("alice").join("new"))
        .expect("new/")
        .next()
        .expect("a file in new/")
        .expect("entry");
    let stored = std::fs::read_to_string(file.path()).expect("read it");
    assert!(stored.contains("Subject: via Postfix"), "{stored}");
    assert!(stored.contains("Hello over SMTP."), "{stored}");
}

#[tokio::test]
async fn starttls_fails_without_the_test_ca_and_nothing_is_relayed() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let postfix = Postfix::start(&dovecot).await;

    let no_roots = TlsParameters::builder("localhost".to_owned())
        .certificate_store(CertificateStore::None)
        .build_rustls()
        .expect("TLS parameters");
    let untrusted = transport(&postfix, Tls::Required(no_roots));
    assert!(
        untrusted
            .send(message("alice@example.test", "must not verify"))
            .await
            .is_err(),
        "STARTTLS verified without the test CA"
    );

    let plain = transport(&postfix, Tls::None);
    let foreign = plain
        .send(message("someone@example.com", "relay attempt"))
        .await
        .expect_err("Postfix relayed to another domain");
    assert!(foreign.to_string().contains("554"), "{foreign}");
    let unknown = plain
        .send(message("nobody@example.test", "unknown user"))
        .await
        .expect_err("Postfix accepted an unknown user");
    assert!(unknown.to_string().contains("550"), "{unknown}");

    // plain SMTP without AUTH is accepted for a known user
    plain
        .send(message("bob@example.test", "plain"))
        .await
        .expect("plain SMTP for bob");
    dovecot
        .wait_for_messages("bob", 1, Duration::from_secs(20))
        .await;
    assert_eq!(dovecot.message_count("alice"), 0);
}

#[tokio::test]
async fn auth_uses_the_dovecot_users_and_smtps_works() {
    use lettre::transport::smtp::authentication::Credentials;
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let postfix = Postfix::start(&dovecot).await;

    let with_auth = |password: &str| {
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
            .port(postfix.smtp_port())
            .tls(Tls::Required(trusting_test_ca(&postfix)))
            .credentials(Credentials::new("portal".to_owned(), password.to_owned()))
            .timeout(Some(Duration::from_secs(20)))
            .build()
    };
    let refused = with_auth("wrong")
        .send(message("alice@example.test", "bad password"))
        .await
        .expect_err("a wrong SMTP password was accepted");
    assert!(refused.to_string().contains("535"), "{refused}");
    with_auth("portalpass")
        .send(message("alice@example.test", "with AUTH"))
        .await
        .expect("AUTH PLAIN as portal/portalpass");

    let smtps = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(postfix.smtps_port())
        .tls(Tls::Wrapper(trusting_test_ca(&postfix)))
        .timeout(Some(Duration::from_secs(20)))
        .build();
    smtps
        .send(message("alice@example.test", "over SMTPS"))
        .await
        .expect("SMTPS with the test CA");
    dovecot
        .wait_for_messages("alice", 2, Duration::from_secs(20))
        .await;
}
