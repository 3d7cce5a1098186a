//! The main flows: seal with `sealmail seal`, passcode mailed through Postfix into Dovecot,
//! unseal with sealmail's client, sessions, and a restart between sealing and unsealing.

use sealmail::sealed::client::{ClientError, Credential};
use sealmail::sealed::envelope::EnvelopeError;
use sealmail::sealed::message::find_envelope;

use crate::common::{
    Options, PASSCODE_SUBJECT, PortalProc, inner_message, mail_stack, passcode_mail, seal_cli,
};

#[tokio::test]
async fn sealed_message_opens_with_a_mailed_passcode_and_then_a_session() {
    let (dovecot, postfix) = mail_stack().await;
    let portal = PortalProc::start(Options::mail_via(&postfix)).await;
    let client = portal.client();

    let inner = inner_message("alice@example.test, Carol <CAROL@example.test>", "flow-one");
    let sealed = seal_cli(&portal.origin, &inner, &[]).await;
    let text = String::from_utf8_lossy(&sealed);
    assert!(
        !text.contains("confidential text"),
        "the sealed mail must not carry the text in clear"
    );
    let found = find_envelope(&sealed).expect("envelope");
    let header = found.header.expect("Sealed-Message header");
    assert_eq!(header.portal, portal.origin);
    let env = &found.envelope.header;
    assert_eq!(env.from, "bob@example.test");
    assert_eq!(env.to, vec!["alice@example.test", "carol@example.test"]);

    let discovery = client.discover().await.expect("discovery");
    assert_eq!(discovery.methods, vec!["otp"]);
    assert_eq!(
        discovery.otp.as_ref().map(|o| (o.digits, o.ttl_s)),
        Some((8, 900))
    );

    let requested = client
        .request_passcode(&env.id, "Alice@Example.test")
        .await
        .expect("passcode");
    assert_eq!(requested.reference.len(), 4);
    assert_eq!(requested.expires_in.as_secs(), 900);
    let (code, mail) = passcode_mail(&dovecot, "alice", &requested.reference).await;
    assert!(
        mail.contains(&format!("Subject: {PASSCODE_SUBJECT}")),
        "{mail}"
    );
    assert!(
        mail.contains("bob@example.test"),
        "the mail names the sender: {mail}"
    );
    assert!(
        mail.contains("15 minutes"),
        "the mail gives the validity: {mail}"
    );

    let credential = Credential::Passcode {
        email: "alice@example.test".into(),
        code: code.as_str().into(),
    };
    let unsealed = client.unseal(&env.id, &credential).await.expect("unseal");
    assert_eq!(unsealed.session_expires_in.as_secs(), 3600);
    let plain = found.envelope.open(&unsealed.key).expect("open");
    assert_eq!(
        plain.expose(),
        &inner[..],
        "the inner message, byte for byte"
    );

    // The passcode worked once; a second use is refused.
    let again = client.unseal(&env.id, &credential).await.unwrap_err();
    assert_eq!(
        again,
        ClientError::BadCredential {
            attempts_left: Some(0)
        }
    );

    // The session opens another message to alice without a new sign-in...
    let second_inner = inner_message("alice@example.test", "flow-two");
    let second = find_envelope(&seal_cli(&portal.origin, &second_inner, &[]).await).unwrap();
    let by_session = client
        .unseal(
            &second.envelope.header.id,
            &Credential::Session(unsealed.session.clone()),
        )
        .await
        .expect("unseal with the session");
    assert_eq!(
        second.envelope.open(&by_session.key).unwrap().expose(),
        &second_inner[..]
    );
    assert_eq!(
        by_session.session, unsealed.session,
        "the same session comes back"
    );
    // ...but not one that is not addressed to her.
    let for_bob = find_envelope(
        &seal_cli(&portal.origin, &inner_message("bob@example.test", "x"), &[]).await,
    )
    .unwrap();
    assert_eq!(
        client
            .unseal(
                &for_bob.envelope.header.id,
                &Credential::Session(unsealed.session.clone())
            )
            .await
            .unwrap_err(),
        ClientError::NotRecipient
    );
    assert_eq!(
        client
            .unseal(&env.id, &Credential::Session("not-a-session".into()))
            .await
            .unwrap_err(),
        ClientError::BadCredential {
            attempts_left: None
        }
    );

    // A key for another message does not open this one: authentication fails, not garbage.
    assert_eq!(
        found.envelope.open(&by_session.key),
        Err(EnvelopeError::Tampered)
    );

    let metrics = reqwest::get(portal.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("sealed_portal_sign_ins_total{method=\"otp\"} 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("sealed_portal_sign_ins_total{method=\"session\"} 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("sealed_portal_passcodes_sent_total 1\n"),
        "{metrics}"
    );
    assert!(!metrics.contains("alice"), "metrics identify no one");
}

#[tokio::test]
async fn a_restart_between_sealing_and_unsealing_loses_nothing() {
    let (dovecot, postfix) = mail_stack().await;
    let mut portal = PortalProc::start(Options::mail_via(&postfix)).await;
    let inner = inner_message("alice@example.test", "restart");
    let sealed = seal_cli(&portal.origin, &inner, &[]).await;
    let found = find_envelope(&sealed).unwrap();
    let id = found.envelope.header.id.clone();

    portal.restart().await;
    let client = portal.client();
    let requested = client
        .request_passcode(&id, "alice@example.test")
        .await
        .unwrap();
    let (code, _) = passcode_mail(&dovecot, "alice", &requested.reference).await;

    // A passcode issued before a restart still works after it.
    portal.restart().await;
    let unsealed = client
        .unseal(
            &id,
            &Credential::Passcode {
                email: "alice@example.test".into(),
                code: code.into(),
            },
        )
        .await
        .expect("unseal after restarts");
    assert_eq!(
        found.envelope.open(&unsealed.key).unwrap().expose(),
        &inner[..]
    );

    // And so does the session.
    portal.restart().await;
    let again = client
        .unseal(&id, &Credential::Session(unsealed.session))
        .await
        .expect("session after restart");
    assert_eq!(
        found.envelope.open(&again.key).unwrap().expose(),
        &inner[..]
    );
    portal.stop().await;
}

#[tokio::test]
async fn seal_submits_over_smtp_with_starttls() {
    let (dovecot, postfix) = mail_stack().await;
    let portal = PortalProc::start(Options::mail_via(&postfix)).await;
    let inner = inner_message("alice@example.test", "via-smtp");
    let out = seal_cli(
        &portal.origin,
        &inner,
        &[
            "--smtp",
            &postfix.smtp_url(),
            "--ca-file",
            &postfix.ca_pem().display().to_string(),
        ],
    )
    .await;
    assert!(out.is_empty(), "with --smtp nothing goes to stdout");
    dovecot
        .wait_for_messages("alice", 1, std::time::Duration::from_secs(30))
        .await;
    let files = crate::common::mail_files(&dovecot, "alice");
    let raw = std::fs::read(&files[0]).unwrap();
    let found = find_envelope(&raw).expect("the delivered mail is a sealed message");
    let client = portal.client();
    let requested = client
        .request_passcode(&found.envelope.header.id, "alice@example.test")
        .await
        .unwrap();
    let (code, _) = passcode_mail(&dovecot, "alice", &requested.reference).await;
    let unsealed = client
        .unseal(
            &found.envelope.header.id,
            &Credential::Passcode {
                email: "alice@example.test".into(),
                code: code.into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        found.envelope.open(&unsealed.key).unwrap().expose(),
        &inner[..]
    );
}

#[tokio::test]
async fn the_portal_serves_https_and_clients_verify_it() {
    // The test CA and a leaf for 127.0.0.1 come from the harness's Dovecot.
    let dovecot = crate::support::Dovecot::start(crate::support::DovecotOptions::default()).await;
    let tls = dovecot.tls_files();
    let portal = PortalProc::start(Options {
        extra: vec![
            "--tls-cert".into(),
            tls.cert_pem.display().to_string(),
            "--tls-key".into(),
            tls.key_pem.display().to_string(),
        ],
        ..Options::default()
    })
    .await;
    assert!(
        portal.origin.starts_with("https://127.0.0.1:"),
        "{}",
        portal.origin
    );

    let trusted =
        sealmail::sealed::client::PortalClient::new(&portal.origin, Some(&tls.ca_pem)).unwrap();
    assert_eq!(
        trusted
            .discover()
            .await
            .expect("discovery over verified TLS")
            .v,
        2
    );
    let untrusted = sealmail::sealed::client::PortalClient::new(&portal.origin, None).unwrap();
    assert!(
        matches!(untrusted.discover().await, Err(ClientError::Network(_))),
        "a certificate from an unknown CA is refused"
    );

    let inner = inner_message("alice@example.test", "over-tls");
    let ca = tls.ca_pem.display().to_string();
    let sealed = seal_cli(&portal.origin, &inner, &["--ca-file", &ca]).await;
    let found = find_envelope(&sealed).unwrap();
    assert_eq!(found.envelope.header.portal, portal.origin);
    // Plain http:// to a host that is not loopback is refused before any connection.
    assert!(matches!(
        sealmail::sealed::client::PortalClient::new("http://portal.example.test", None),
        Err(ClientError::Config(_))
    ));
}

#[tokio::test]
async fn seal_appends_to_an_imap_folder_over_verified_tls() {
    let (dovecot, postfix) = mail_stack().await;
    let portal = PortalProc::start(Options::mail_via(&postfix)).await;
    let inner = inner_message("alice@example.test", "via-imap");
    let ca = dovecot.ca_pem().display().to_string();
    let out = crate::common::seal_cli_env(
        &portal.origin,
        &inner,
        &[
            "--imap",
            &dovecot.imaps_url(),
            "--imap-user",
            "alice",
            "--imap-folder",
            "INBOX",
            "--ca-file",
            &ca,
        ],
        &[("SEALMAIL_IMAP_PASSWORD", "alicepass")],
    )
    .await;
    assert!(out.is_empty(), "with --imap nothing goes to stdout");
    dovecot
        .wait_for_messages("alice", 1, std::time::Duration::from_secs(10))
        .await;
    let raw = std::fs::read(&crate::common::mail_files(&dovecot, "alice")[0]).unwrap();
    let found = find_envelope(&raw).expect("the appended mail is a sealed message");
    let client = portal.client();
    let requested = client
        .request_passcode(&found.envelope.header.id, "alice@example.test")
        .await
        .unwrap();
    let (code, _) = passcode_mail(&dovecot, "alice", &requested.reference).await;
    let unsealed = client
        .unseal(
            &found.envelope.header.id,
            &Credential::Passcode {
                email: "alice@example.test".into(),
                code: code.into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        found.envelope.open(&unsealed.key).unwrap().expose(),
        &inner[..]
    );
}
