//! The passcode flow end to end: a message sealed with `sealmail seal` and delivered over SMTP
//! through Postfix into Dovecot; the passcode mailed the same way, read from the Maildir and fed
//! back as autofill; the decrypted inner message; the session for the next message; wrong
//! passcodes, the lock, a tampered envelope; and the secrets scan afterwards.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sealmail::sealed::envelope::Envelope;
use sealmail::sealed::flow::{FlowEvent, FlowFailure, FlowRequest, InnerFrom, Method, Via};
use sealmail::sealed::message::{self, OuterHeaders, find_envelope};
use sealmail::secret::SecretString;

use crate::common::{Options, PortalProc, inner_message, mail_stack, seal_cli};
use crate::harness::{Flow, Relay, files_written_since, scan, wait_for_mail};
use crate::support::Dovecot;

const ALICE: &str = "alice@example.test";

/// Seals `inner` for alice with `sealmail seal --smtp` through Postfix, and returns the sealed
/// mail as Dovecot stored it.
async fn deliver_sealed(
    dovecot: &Dovecot,
    postfix: &crate::support::Postfix,
    origin: &str,
    marker: &str,
) -> Arc<[u8]> {
    let inner = inner_message(ALICE, marker);
    let out = seal_cli(
        origin,
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
    let (_, raw) = wait_for_mail(&dovecot.maildir("alice"), "sealed mail", |raw| {
        String::from_utf8_lossy(raw).contains(&format!("<{marker}@example.test>"))
    })
    .await;
    assert!(
        !String::from_utf8_lossy(&raw).contains("confidential text"),
        "the sealed mail carries no text in clear"
    );
    raw.into()
}

async fn open_trusted(flow: &mut Flow, id: u64, raw: Arc<[u8]>) {
    flow.send(FlowRequest::Open { flow: id, raw }).await;
    match flow.next().await {
        FlowEvent::Opened {
            flow: f, trusted, ..
        } => {
            assert_eq!(f, id);
            assert!(trusted, "the portal is in trusted_portals");
        }
        other => panic!("expected Opened, got {other:?}"),
    }
}

async fn request_passcode(flow: &mut Flow, id: u64) -> String {
    flow.send(FlowRequest::RequestPasscode {
        flow: id,
        email: "Alice@Example.test".into(),
    })
    .await;
    match flow.next().await {
        FlowEvent::PasscodeSent {
            flow: f,
            email,
            reference,
            expires_in_s,
        } => {
            assert_eq!((f, email.as_str(), expires_in_s), (id, ALICE, 900));
            assert_eq!(reference.len(), 4);
            reference
        }
        other => panic!("expected PasscodeSent, got {other:?}"),
    }
}

async fn submit(flow: &mut Flow, id: u64, code: &str) -> FlowEvent {
    flow.send(FlowRequest::SubmitPasscode {
        flow: id,
        email: ALICE.into(),
        passcode: SecretString::from(code),
    })
    .await;
    flow.next().await
}

/// A passcode that is certainly not `code`.
fn wrong(code: &str) -> String {
    code.chars()
        .map(|c| if c == '0' { '1' } else { '0' })
        .collect()
}

#[tokio::test]
async fn passcode_autofill_decrypts_then_the_session_opens_the_next_message() {
    let started = SystemTime::now();
    let (dovecot, postfix) = mail_stack().await;
    let portal = PortalProc::start(Options::mail_via(&postfix)).await;
    let relay = Relay::start(portal.addr).await;
    let sealed = deliver_sealed(&dovecot, &postfix, &relay.origin, "autofill-one").await;

    let mut flow = Flow::start(&[&relay.origin]);
    open_trusted(&mut flow, 1, sealed).await;
    match flow.next().await {
        FlowEvent::Methods { flow: 1, methods } => {
            assert!(matches!(methods[..], [Method::Passcode { digits: 8, .. }]))
        }
        other => panic!("expected Methods, got {other:?}"),
    }
    let reference = request_passcode(&mut flow, 1).await;

    // The passcode mail lands in Dovecot; a mail that is not it, or carries another
    // reference, fills nothing in.
    let (path, mail) = wait_for_mail(&dovecot.maildir("alice"), "passcode mail", |raw| {
        String::from_utf8_lossy(raw).contains(&format!("Reference: {reference}"))
    })
    .await;
    let text = String::from_utf8_lossy(&mail).into_owned();
    let code = text
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 8 && l.bytes().all(|b| b.is_ascii_digit()))
        .expect("the code in the mail")
        .to_owned();
    flow.send(FlowRequest::PasscodeMail {
        flow: 1,
        raw: Arc::from(text.replace(&reference, "ZZZ9").as_bytes()),
    })
    .await;
    flow.send(FlowRequest::PasscodeMail {
        flow: 1,
        raw: Arc::from(&b"Subject: hello\r\n\r\nReference: ZZZ9\r\n"[..]),
    })
    .await;
    flow.send(FlowRequest::PasscodeMail {
        flow: 1,
        raw: Arc::from(std::fs::read(&path).unwrap()),
    })
    .await;
    let passcode = match flow.next().await {
        FlowEvent::PasscodeArrived {
            flow: 1,
            reference: r,
            passcode,
        } => {
            assert_eq!(r, reference);
            assert_eq!(passcode.expose(), code);
            passcode
        }
        other => panic!("expected PasscodeArrived, got {other:?}"),
    };

    flow.send(FlowRequest::SubmitPasscode {
        flow: 1,
        email: ALICE.into(),
        passcode,
    })
    .await;
    match flow.next().await {
        FlowEvent::Decrypted {
            flow: 1,
            message,
            via,
            sender,
            ..
        } => {
            assert_eq!(via, Via::Passcode);
            assert_eq!(sender.address, "bob@example.test");
            assert_eq!(sender.portal, relay.origin);
            assert_eq!(sender.inner_from, InnerFrom::Matches);
            assert_eq!(message.subject, "Quarterly figures");
            assert!(
                message.from.contains("bob@example.test"),
                "{}",
                message.from
            );
            let body = message.body.join("\n");
            assert!(
                body.contains("The confidential text autofill-one. Grüße."),
                "{body}"
            );
        }
        other => panic!("expected Decrypted, got {other:?}"),
    }

    // The second message from the same portal opens with the session: no sign-in.
    let second = deliver_sealed(&dovecot, &postfix, &relay.origin, "autofill-two").await;
    open_trusted(&mut flow, 2, second).await;
    match flow.next().await {
        FlowEvent::Decrypted {
            flow: 2,
            message,
            via,
            sender,
            ..
        } => {
            assert_eq!(via, Via::Session);
            assert_eq!(sender.address, "bob@example.test");
            assert!(
                message
                    .body
                    .join("\n")
                    .contains("The confidential text autofill-two.")
            );
        }
        other => panic!("expected Decrypted by the session, got {other:?}"),
    }
    flow.send(FlowRequest::Close { flow: 1 }).await;
    flow.send(FlowRequest::Close { flow: 2 }).await;

    // What the worker sent the portal: the id, the address and the credential, no content.
    let sent = relay.sent();
    assert!(
        !sent.contains("confidential text"),
        "no plaintext to the portal"
    );
    let keys = relay.answered("key");
    let sessions = relay.answered("session");
    assert!(
        keys.len() >= 2 && !sessions.is_empty(),
        "{keys:?} {sessions:?}"
    );
    // The metrics count what happened, with static labels only.
    let metrics = flow.metrics.openmetrics().expect("metrics are on");
    for line in [
        "sealmail_sealed_opened_total 2\n",
        "sealmail_sign_ins_total{method=\"passcode\",outcome=\"ok\"} 1\n",
        "sealmail_sign_ins_total{method=\"session\",outcome=\"ok\"} 1\n",
    ] {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }
    assert!(!metrics.contains("alice") && !metrics.contains(&code));
    let xdg = flow.stop().await;

    // The secrets scan: nothing the flow saw is in any file written since the test started,
    // in the XDG dirs, the working directory or the temp dir (mail servers' stores aside).
    let cwd = std::env::current_dir().unwrap();
    let temp = std::env::temp_dir();
    let target = cwd.join("target");
    let git = cwd.join(".git");
    let skip = [target.as_path(), git.as_path()];
    let mut files = files_written_since(xdg.path(), started, &[]);
    files.extend(files_written_since(&cwd, started, &skip));
    files.extend(files_written_since(&temp, started, &skip));
    files.sort();
    files.dedup();
    let mut needles: Vec<(&str, &[u8])> = vec![
        ("plaintext one", b"confidential text autofill-one"),
        ("plaintext two", b"confidential text autofill-two"),
        ("passcode", code.as_bytes()),
    ];
    for key in &keys {
        needles.push(("content key", key.as_bytes()));
    }
    for session in &sessions {
        needles.push(("session token", session.as_bytes()));
    }
    assert!(
        files.iter().any(|f| f.starts_with(&temp)),
        "the scan sees what was written (the portal's database and log at least)"
    );
    let hits = scan(&files, &needles);
    assert!(
        hits.is_empty(),
        "secrets found on disk after the flow: {hits:?}"
    );
    // The scan itself finds a secret where there is one.
    let canary = xdg.path().join("state/canary");
    std::fs::write(&canary, format!("x{code}x")).unwrap();
    assert_eq!(
        scan(&[canary], &needles),
        vec![(xdg.path().join("state/canary"), "passcode".to_owned())]
    );
    assert!(
        !xdg.path().join("state/sealmail/trusted-portals").exists(),
        "a configured portal needs no confirmation file"
    );
}

#[tokio::test]
async fn wrong_passcodes_count_down_then_lock_and_a_tampered_envelope_shows_nothing() {
    let (dovecot, postfix) = mail_stack().await;
    let portal = PortalProc::start(Options::mail_via(&postfix)).await;
    let sealed = deliver_sealed(&dovecot, &postfix, &portal.origin, "wrong-tries").await;
    let mut flow = Flow::start(&[&portal.origin]);
    open_trusted(&mut flow, 1, sealed.clone()).await;
    assert!(matches!(flow.next().await, FlowEvent::Methods { .. }));
    let reference = request_passcode(&mut flow, 1).await;
    let (code, _) = crate::common::passcode_mail(&dovecot, "alice", &reference).await;
    let bad = wrong(&code);

    for left in [4, 3, 2, 1] {
        match submit(&mut flow, 1, &bad).await {
            FlowEvent::Failed {
                flow: 1,
                failure: FlowFailure::BadPasscode { attempts_left },
            } => assert_eq!(attempts_left, left),
            other => panic!("expected BadPasscode, got {other:?}"),
        }
    }
    match submit(&mut flow, 1, &bad).await {
        FlowEvent::Failed {
            flow: 1,
            failure: FlowFailure::Locked { .. },
        } => {}
        other => panic!("the fifth wrong try locks: {other:?}"),
    }
    // Even the right code no longer works: the passcode is burnt.
    match submit(&mut flow, 1, &code).await {
        FlowEvent::Failed {
            flow: 1,
            failure: FlowFailure::Locked { retry_after_s },
        } => assert!(retry_after_s.is_some()),
        other => panic!("a burnt passcode stays locked: {other:?}"),
    }

    // A new passcode works, once; the used one then counts as expired.
    let reference = request_passcode(&mut flow, 1).await;
    let (code, _) = crate::common::passcode_mail(&dovecot, "alice", &reference).await;
    let spaced = format!("{} {}", &code[..4], &code[4..]);
    assert!(matches!(
        submit(&mut flow, 1, &spaced).await,
        FlowEvent::Decrypted {
            flow: 1,
            via: Via::Passcode,
            ..
        }
    ));
    match submit(&mut flow, 1, &code).await {
        FlowEvent::Failed {
            flow: 1,
            failure: FlowFailure::PasscodeExpired,
        } => {}
        other => panic!("a used passcode asks for a new one: {other:?}"),
    }

    // Not a recipient: refused before anything is asked of the portal.
    flow.send(FlowRequest::RequestPasscode {
        flow: 1,
        email: "bob@example.test".into(),
    })
    .await;
    assert_eq!(flow.failure(1).await, FlowFailure::NotRecipient);

    // A tampered envelope: the session releases the key, the envelope does not open.
    let found = find_envelope(&sealed).unwrap();
    let mut ct = found.envelope.ciphertext().to_vec();
    let i = ct.len() / 2;
    ct[i] ^= 0x01;
    let altered =
        Envelope::parse(found.envelope.to_json().as_bytes(), ct).expect("still well formed");
    let outer = OuterHeaders {
        from: "Bob Sender <bob@example.test>".into(),
        to: Some(ALICE.into()),
        date: "Tue, 24 Nov 2026 10:00:00 +0000".into(),
        message_id: "<tampered@example.test>".into(),
        subject: Some("Quarterly figures".into()),
        ..OuterHeaders::default()
    };
    let tampered: Arc<[u8]> = message::build_message(&outer, &altered).into();
    open_trusted(&mut flow, 2, tampered).await;
    assert_eq!(flow.failure(2).await, FlowFailure::Tampered);
    flow.assert_quiet(Duration::from_millis(300)).await;
    let metrics = flow.metrics.openmetrics().expect("metrics are on");
    for line in [
        "sealmail_errors_total{kind=\"bad_passcode\"} 4\n",
        "sealmail_errors_total{kind=\"locked\"} 2\n",
        "sealmail_errors_total{kind=\"tampered\"} 1\n",
        "sealmail_sign_ins_total{method=\"passcode\",outcome=\"rejected\"} 7\n",
    ] {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }
    flow.stop().await;
}
