//! Submission: sealmail's own SMTP client against Postfix. What arrives is what was written
//! (headers, non-ASCII text and names, threading fields, Bcc delivered but not shown); TLS is
//! never optional (no STARTTLS, or a certificate not trusted, means nothing sent and no
//! password); a refused recipient or sign-in is named and nothing goes to anyone.

use std::time::{Duration, SystemTime};

use mail_parser::MimeHeaders;
use sealmail::submit::{SubmitAuth, SubmitError, build, submit};

use crate::common::{delivered, letter, parse, settings};
use crate::support::{Dovecot, DovecotOptions, Idp, IdpOptions, Postfix};

#[tokio::test]
async fn starttls_with_a_password_delivers_to_every_recipient() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let postfix = Postfix::start(&dovecot).await;
    let mut message = letter("alice", &["bob"]);
    message.cc = vec!["Alice <alice@example.test>".into()];
    message.bcc = vec!["portal@example.test".into()];
    message.in_reply_to = Some("<first@example.test>".into());
    message.references = vec!["<root@example.test>".into(), "<first@example.test>".into()];
    let built = build(&message, SystemTime::now()).unwrap();
    let receipt = submit(&settings(postfix.smtp_url(), "alice", &postfix), &built)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", postfix.log()));
    assert_eq!(receipt.recipients, 3);
    assert_eq!(receipt.message_id, built.message_id);

    for user in ["bob", "alice", "portal"] {
        let inbox = delivered(&dovecot, user, 1).await;
        assert_eq!(inbox.len(), 1, "{user}");
        let raw = &inbox[0];
        let msg = parse(raw);
        assert_eq!(msg.subject(), Some("Grüße — the plan ☕"), "{user}");
        let from = msg.from().and_then(|a| a.first()).expect("From");
        assert_eq!(
            (from.name(), from.address()),
            (Some("Zoë Ånström"), Some("alice@example.test"))
        );
        assert_eq!(
            msg.body_text(0).unwrap().replace("\r\n", "\n"),
            "Hallo,\n\nhier ist der Plan. 日本語も。\n\n-- \nZoë\n"
        );
        let attachment = msg.attachment(0).expect("the attachment");
        assert_eq!(attachment.attachment_name(), Some("Übersicht März.txt"));
        // A text part travels in its canonical form, lines ending in CRLF.
        assert_eq!(
            String::from_utf8_lossy(attachment.contents()).replace("\r\n", "\n"),
            "Zeile eins\nZeile zwei\n"
        );
        assert_eq!(
            format!("<{}>", msg.message_id().unwrap()),
            built.message_id,
            "{user}"
        );
        assert!(built.message_id.ends_with("@example.test>"));
        assert!(msg.date().is_some(), "Date");
        assert_eq!(msg.in_reply_to().as_text(), Some("first@example.test"));
        assert_eq!(
            msg.references().as_text_list().unwrap(),
            vec!["root@example.test", "first@example.test"]
        );
        let text = String::from_utf8_lossy(raw);
        assert!(!text.contains("portal@example.test"), "Bcc shown to {user}");
    }
    let session = postfix.wait_for_sessions(1).await.remove(0);
    assert!(
        session.contains("starttls=1") && session.contains("auth=1") && session.contains("rcpt=3"),
        "{session}"
    );
}

#[tokio::test]
async fn smtps_and_loopback_without_auth_deliver() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let postfix = Postfix::start(&dovecot).await;
    let built = build(&letter("alice", &["bob"]), SystemTime::now()).unwrap();
    let smtps = format!("smtps://127.0.0.1:{}", postfix.smtps_port());
    submit(&settings(smtps, "alice", &postfix), &built)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", postfix.log()));
    let mut plain = settings(
        format!("smtp+insecure://127.0.0.1:{}", postfix.smtp_port()),
        "alice",
        &postfix,
    );
    plain.auth = SubmitAuth::None;
    let second = build(&letter("alice", &["bob"]), SystemTime::now()).unwrap();
    submit(&plain, &second)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", postfix.log()));
    let inbox = delivered(&dovecot, "bob", 2).await;
    assert_eq!(inbox.len(), 2);
    let sessions = postfix.wait_for_sessions(2).await;
    assert!(
        sessions[1].contains("mail=1") && !sessions[1].contains("auth="),
        "{sessions:?}"
    );
    // A password with plain SMTP is refused before a byte is sent.
    plain.auth = settings(String::new(), "alice", &postfix).auth;
    let refused = submit(&plain, &second).await.unwrap_err();
    assert!(
        matches!(&refused, SubmitError::Settings(why) if why.contains("never authenticates")),
        "{refused}"
    );
    assert_eq!(postfix.wait_for_sessions(2).await.len(), 2);
}

#[tokio::test]
async fn no_starttls_means_nothing_sent_and_no_password() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let postfix = Postfix::start_with(&dovecot, false).await;
    let built = build(&letter("alice", &["bob"]), SystemTime::now()).unwrap();
    let err = submit(&settings(postfix.smtp_url(), "alice", &postfix), &built)
        .await
        .unwrap_err();
    assert_eq!(err, SubmitError::NoStartTls);
    assert!(err.nothing_sent());
    assert!(err.to_string().contains("nothing was sent"), "{err}");
    let session = postfix.wait_for_sessions(1).await.remove(0);
    for command in ["auth=", "mail=", "rcpt=", "data="] {
        assert!(!session.contains(command), "{command} in clear: {session}");
    }
    assert_eq!(dovecot.message_count("bob"), 0);
}

#[tokio::test]
async fn an_untrusted_certificate_means_nothing_sent() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let postfix = Postfix::start(&dovecot).await;
    let built = build(&letter("alice", &["bob"]), SystemTime::now()).unwrap();
    for url in [
        postfix.smtp_url(),
        format!("smtps://127.0.0.1:{}", postfix.smtps_port()),
    ] {
        let mut untrusting = settings(url.clone(), "alice", &postfix);
        untrusting.ca_file = None;
        let err = submit(&untrusting, &built).await.unwrap_err();
        assert!(matches!(err, SubmitError::Tls(_)), "{url}: {err}");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    for session in postfix.sessions() {
        assert!(!session.contains("auth="), "{session}");
    }
    assert_eq!(dovecot.message_count("bob"), 0);
}

#[tokio::test]
async fn refused_recipients_are_named_and_nobody_gets_it() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let postfix = Postfix::start(&dovecot).await;
    let mut message = letter("alice", &["bob"]);
    message.cc = vec![
        "nobody@example.test".into(),
        "carol@elsewhere.example".into(),
    ];
    let built = build(&message, SystemTime::now()).unwrap();
    let err = submit(&settings(postfix.smtp_url(), "alice", &postfix), &built)
        .await
        .unwrap_err();
    let SubmitError::RecipientsRefused(refused) = &err else {
        panic!("{err}");
    };
    let named: Vec<&str> = refused.iter().map(|r| r.address.as_str()).collect();
    assert_eq!(named, ["nobody@example.test", "carol@elsewhere.example"]);
    assert!(
        refused
            .iter()
            .all(|r| !r.temporary && r.reply.contains("5"))
    );
    let text = err.to_string();
    assert!(
        text.contains("nobody@example.test refused")
            && text.ends_with("nothing was sent to anyone"),
        "{text}"
    );
    let session = postfix.wait_for_sessions(1).await.remove(0);
    assert!(
        session.contains("rcpt=1/3") && !session.contains("data="),
        "{session}"
    );
    assert_eq!(dovecot.message_count("bob"), 0);
}

#[tokio::test]
async fn a_refused_password_or_a_stopped_server_sends_nothing() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let mut postfix = Postfix::start(&dovecot).await;
    let built = build(&letter("alice", &["bob"]), SystemTime::now()).unwrap();
    let mut wrong = settings(postfix.smtp_url(), "alice", &postfix);
    wrong.auth = SubmitAuth::Password {
        user: "alice@example.test".into(),
        password: "not-alicepass".into(),
    };
    let err = submit(&wrong, &built).await.unwrap_err();
    assert!(matches!(err, SubmitError::AuthRefused(_)), "{err}");
    assert!(!err.to_string().contains("not-alicepass"));
    let url = postfix.smtp_url();
    postfix.stop().await;
    let err = submit(&settings(url, "alice", &postfix), &built)
        .await
        .unwrap_err();
    assert!(matches!(err, SubmitError::Unreachable(_)), "{err}");
    assert!(err.nothing_sent());
    assert_eq!(dovecot.message_count("bob"), 0);
}

#[tokio::test]
async fn xoauth2_sends_with_the_imap_sign_in_token() {
    let idp = Idp::start(IdpOptions::default()).await;
    let dovecot = Dovecot::start(DovecotOptions::default().oauth2(&idp)).await;
    let postfix = Postfix::start(&dovecot).await;
    let tokens = idp.sign_in("alice").await;
    let built = build(&letter("alice", &["bob"]), SystemTime::now()).unwrap();
    let mut oauth = settings(postfix.smtp_url(), "alice", &postfix);
    oauth.auth = SubmitAuth::XOAuth2 {
        user: "alice@example.test".into(),
        token: "not-a-token".into(),
    };
    let err = submit(&oauth, &built).await.unwrap_err();
    assert!(matches!(err, SubmitError::AuthRefused(_)), "{err}");
    oauth.auth = SubmitAuth::XOAuth2 {
        user: "alice@example.test".into(),
        token: tokens.access_token.clone().into(),
    };
    submit(&oauth, &built)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", postfix.log()));
    let inbox = delivered(&dovecot, "bob", 1).await;
    assert_eq!(
        format!("<{}>", parse(&inbox[0]).message_id().unwrap()),
        built.message_id
    );
    let sessions = postfix.wait_for_sessions(2).await;
    assert!(sessions[0].contains("auth=0/1"), "{sessions:?}");
    assert!(sessions[1].contains("auth=1"), "{sessions:?}");
}

#[tokio::test]
async fn a_forwarded_message_arrives_attached_whole() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    let postfix = Postfix::start(&dovecot).await;
    let original = b"From: Ada <ada@example.test>\r\nTo: alice@example.test\r\nSubject: =?utf-8?q?K=C3=B6ln?=\r\nMessage-ID: <orig@example.test>\r\n\r\nthe original text\r\n";
    let mut message = letter("alice", &["bob"]);
    message.attachments = vec![sealmail::mail::outgoing::OutgoingAttachment {
        name: "Köln.eml".into(),
        content_type: "message/rfc822".into(),
        bytes: original.to_vec().into(),
    }];
    let built = build(&message, SystemTime::now()).unwrap();
    submit(&settings(postfix.smtp_url(), "alice", &postfix), &built)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", postfix.log()));
    let inbox = delivered(&dovecot, "bob", 1).await;
    let msg = parse(&inbox[0]);
    let attached = msg
        .attachment(0)
        .and_then(|part| part.message())
        .expect("an attached message");
    assert_eq!(attached.subject(), Some("Köln"));
    assert_eq!(attached.message_id(), Some("orig@example.test"));
    assert_eq!(
        attached.body_text(0).unwrap().replace("\r\n", "\n"),
        "the original text\n"
    );
}
