//! A sealed reply end to end, as the reader makes it: bob's sealed message reaches alice
//! through Postfix and Dovecot; her reader opens it with a mailed passcode; her reply (quoting
//! it) is sealed with the ticket the opening earned and submitted through Postfix; bob's
//! mailbox receives a sealed message, which his reader opens with a passcode, showing alice's
//! text under the sender the portal vouches for. A reply to someone outside the conversation
//! sends nothing. Then no file written anywhere during the flow (the mail servers' stores and
//! queues included) holds the reply's text. A new message sealed with the account's sender
//! token (as `sealmail seal` seals) reaches its recipient the same way.

use std::sync::Arc;
use std::time::SystemTime;

use sealmail::mail::compose::{Draft, Identity};
use sealmail::mail::outgoing::{Outgoing, Sealing};
use sealmail::sealed::flow::{FlowEvent, FlowRequest, InnerFrom};
use sealmail::sealed::sender::SenderSeal;
use sealmail::secret::SecretString;
use sealmail::submit::{SubmitAuth, SubmitError, SubmitSettings};
use zeroize::Zeroizing;

use crate::common::{Options, PortalProc, inner_message, mail_stack, seal_cli};
use crate::harness::{Flow, all_files_written_since, files_written_since, scan, wait_for_mail};
use crate::support::{Dovecot, Postfix};

const ALICE: &str = "alice@example.test";
const BOB: &str = "bob@example.test";
const REPLY_TEXT: &str = "Counter-offer: 4.2 million, sealed both ways.";

/// Opens the sealed `raw` in `flow` as `user` with the passcode mailed to them; the event
/// that ends it.
async fn open_with_passcode(
    flow: &mut Flow,
    dovecot: &Dovecot,
    user: &str,
    id: u64,
    raw: Arc<[u8]>,
) -> FlowEvent {
    flow.send(FlowRequest::Open { flow: id, raw }).await;
    assert!(matches!(
        flow.next().await,
        FlowEvent::Opened { trusted: true, .. }
    ));
    assert!(matches!(flow.next().await, FlowEvent::Methods { .. }));
    let email = format!("{user}@example.test");
    flow.send(FlowRequest::RequestPasscode {
        flow: id,
        email: email.clone(),
    })
    .await;
    let reference = match flow.next().await {
        FlowEvent::PasscodeSent { reference, .. } => reference,
        other => panic!("expected PasscodeSent, got {other:?}"),
    };
    let (_, mail) = wait_for_mail(&dovecot.maildir(user), "passcode mail", |raw| {
        String::from_utf8_lossy(raw).contains(&format!("Reference: {reference}"))
    })
    .await;
    let code = String::from_utf8_lossy(&mail)
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 8 && l.bytes().all(|b| b.is_ascii_digit()))
        .expect("the code in the mail")
        .to_owned();
    flow.send(FlowRequest::SubmitPasscode {
        flow: id,
        email,
        passcode: SecretString::new(code),
    })
    .await;
    flow.next().await
}

fn alice_submits(postfix: &Postfix) -> SubmitSettings {
    SubmitSettings {
        url: postfix.smtp_url(),
        auth: SubmitAuth::Password {
            user: ALICE.into(),
            password: SecretString::new("alicepass".into()),
        },
        ca_file: Some(postfix.ca_pem().to_path_buf()),
    }
}

#[tokio::test]
async fn a_sealed_reply_round_trips_with_nothing_of_it_on_disk() {
    let started = SystemTime::now();
    let (dovecot, postfix) = mail_stack().await;
    let portal = PortalProc::start(Options::mail_via(&postfix)).await;

    // Bob's sealed message reaches alice's mailbox through Postfix.
    let inner = inner_message(ALICE, "conversation");
    let smtp = postfix.smtp_url();
    let ca = postfix.ca_pem().display().to_string();
    seal_cli(&portal.origin, &inner, &["--smtp", &smtp, "--ca-file", &ca]).await;
    let (_, original) = wait_for_mail(&dovecot.maildir("alice"), "the sealed message", |raw| {
        String::from_utf8_lossy(raw).contains("<conversation@example.test>")
    })
    .await;

    // Alice's reader opens it, and the opening earns a reply ticket.
    let mut alice = Flow::start(&[&portal.origin]);
    let (view, ticket) =
        match open_with_passcode(&mut alice, &dovecot, "alice", 1, original.into()).await {
            FlowEvent::Decrypted {
                message,
                reply: Some(ticket),
                ..
            } => (message, ticket),
            other => panic!("expected Decrypted with a reply ticket, got {other:?}"),
        };
    assert_eq!(ticket.sender, BOB);
    assert_eq!(ticket.recipients, [ALICE]);
    assert_eq!(ticket.portal(), portal.origin);

    // Her reply quotes the message, as the composer writes it, and is sealed on sending.
    let me = Identity::new(&format!("Alice <{ALICE}>"), None);
    let draft = Draft::reply(&view, &me, false);
    let mut reply = draft.outgoing();
    assert_eq!(reply.to, [format!("Bob Sender <{BOB}>")]);
    reply.body = Zeroizing::new(format!("{REPLY_TEXT}\n\n{}", draft.body.as_str()));
    reply.seal = Some(Sealing::Reply(ticket.clone()));
    let (receipt, built) = sealmail::submit::send(&alice_submits(&postfix), &reply)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", postfix.log()));
    assert_eq!(receipt.recipients, 1);
    let copy = String::from_utf8_lossy(&built.sent_copy).into_owned();
    assert!(
        copy.contains("Sealed-Message: v=2") && !copy.contains(REPLY_TEXT),
        "the copy for Sent is the sealed message"
    );

    // Bob's mailbox receives it sealed, threaded under his message; his reader opens it.
    let (_, received) = wait_for_mail(&dovecot.maildir("bob"), "the sealed reply", |raw| {
        String::from_utf8_lossy(raw).contains("Sealed-Message:")
    })
    .await;
    let text = String::from_utf8_lossy(&received).into_owned();
    assert!(!text.contains(REPLY_TEXT), "nothing in clear on the way");
    assert!(
        text.contains("In-Reply-To: <conversation@example.test>"),
        "{text}"
    );
    let mut bob = Flow::start(&[&portal.origin]);
    match open_with_passcode(&mut bob, &dovecot, "bob", 1, received.into()).await {
        FlowEvent::Decrypted {
            message, sender, ..
        } => {
            assert_eq!(sender.address, ALICE);
            assert_eq!(sender.inner_from, InnerFrom::Matches);
            let body = message.body.join("\n");
            assert!(body.contains(REPLY_TEXT), "{body}");
            assert!(
                body.contains("> The confidential text conversation."),
                "the reply quotes the original: {body}"
            );
        }
        other => panic!("expected Decrypted, got {other:?}"),
    }

    // A sealed reply to someone who did not take part sends nothing at all.
    let sessions = postfix.sessions().len();
    let mut outside = reply.clone();
    outside.to = vec!["mallory@example.net".into()];
    match sealmail::submit::send(&alice_submits(&postfix), &outside).await {
        Err(e @ SubmitError::Sealing(_)) => {
            assert!(e.nothing_sent());
            assert!(e.to_string().contains("mallory@example.net"), "{e}");
        }
        other => panic!("expected a sealing refusal, got {other:?}"),
    }
    let mut with_bcc = reply.clone();
    with_bcc.bcc = vec![BOB.into()];
    assert!(matches!(
        sealmail::submit::send(&alice_submits(&postfix), &with_bcc).await,
        Err(SubmitError::Sealing(_))
    ));
    assert_eq!(
        postfix.sessions().len(),
        sessions,
        "no SMTP session was opened"
    );

    // Nothing of the reply's text anywhere: the readers' dirs, the portal's database and log,
    // the working tree, and the mail servers' stores and queues.
    let cwd = std::env::current_dir().unwrap();
    let (target, git) = (cwd.join("target"), cwd.join(".git"));
    let mut files = files_written_since(alice.xdg.path(), started, &[]);
    files.extend(files_written_since(bob.xdg.path(), started, &[]));
    files.extend(files_written_since(&cwd, started, &[&target, &git]));
    files.extend(files_written_since(
        &std::env::temp_dir(),
        started,
        &[&target],
    ));
    files.extend(all_files_written_since(dovecot.state_dir(), started));
    files.extend(all_files_written_since(postfix.state_dir(), started));
    files.sort();
    files.dedup();
    assert!(
        files.iter().any(|f| f.starts_with(dovecot.state_dir())),
        "the scan reads the mailboxes"
    );
    let needles: Vec<(&str, &[u8])> = vec![
        ("reply text", REPLY_TEXT.as_bytes()),
        ("session", ticket.session.expose().as_bytes()),
    ];
    let hits = scan(&files, &needles);
    assert!(hits.is_empty(), "the reply's text on disk: {hits:?}");
    // The scan finds the text where it is.
    let canary = alice.xdg.path().join("canary");
    std::fs::write(&canary, format!("<{REPLY_TEXT}>")).unwrap();
    assert_eq!(
        scan(std::slice::from_ref(&canary), &needles),
        [(canary, "reply text".to_owned())]
    );
}

#[tokio::test]
async fn a_new_message_is_sealed_with_the_accounts_sender_token() {
    let (dovecot, postfix) = mail_stack().await;
    let portal = PortalProc::start(Options::mail_via(&postfix)).await;
    let seal = SenderSeal {
        client: portal.client(),
        token: SecretString::from(crate::common::SENDER_TOKEN),
        expires: Some("2d".into()),
    };
    let message = Outgoing {
        from: format!("Bob <{BOB}>"),
        to: vec![format!("Alice <{ALICE}>")],
        subject: "New terms".into(),
        body: Zeroizing::new("Sealed from the composer, as sealmail seal does.".into()),
        seal: Some(Sealing::AsSender(Box::new(seal.clone()))),
        ..Outgoing::default()
    };
    let bob = SubmitSettings {
        url: postfix.smtp_url(),
        auth: SubmitAuth::Password {
            user: BOB.into(),
            password: SecretString::new("bobpass".into()),
        },
        ca_file: Some(postfix.ca_pem().to_path_buf()),
    };
    let (_, built) = sealmail::submit::send(&bob, &message)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", postfix.log()));
    assert!(!String::from_utf8_lossy(&built.sent_copy).contains("Sealed from the composer"));
    let (_, received) = wait_for_mail(&dovecot.maildir("alice"), "the sealed message", |raw| {
        String::from_utf8_lossy(raw).contains("Sealed-Message:")
    })
    .await;
    let mut alice = Flow::start(&[&portal.origin]);
    match open_with_passcode(&mut alice, &dovecot, "alice", 1, received.into()).await {
        FlowEvent::Decrypted {
            message, sender, ..
        } => {
            assert_eq!(sender.address, BOB);
            assert!(
                message
                    .body
                    .join("\n")
                    .contains("Sealed from the composer, as sealmail seal does.")
            );
        }
        other => panic!("expected Decrypted, got {other:?}"),
    }

    // A From the token may not send from is refused by the portal, and nothing is sent.
    let sessions = postfix.sessions().len();
    let mut elsewhere = message.clone();
    elsewhere.from = "Bob <bob@other.example>".into();
    match sealmail::submit::send(&bob, &elsewhere).await {
        Err(e @ SubmitError::Sealing(_)) => assert!(e.to_string().contains("sender token"), "{e}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(
        postfix.sessions().len(),
        sessions,
        "no SMTP session was opened"
    );
}
