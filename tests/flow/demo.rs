//! The demo: its sealed messages open through the worker with the passcode that its embedded
//! portal delivers into the demo Maildir.

use std::sync::Arc;

use sealmail::detect::{Vendor, Verdict, classify};
use sealmail::metrics::Metrics;
use sealmail::sealed::flow::{FlowEvent, FlowRequest, Method, Via};
use sealmail::sealed::message::find_envelope;

use crate::harness::{Flow, wait_for_mail};

#[tokio::test]
async fn a_demo_sealed_message_opens_with_the_passcode_the_demo_portal_delivers() {
    let demo = sealmail::demo::materialize().expect("the demo materializes");
    let origin = demo
        .portal_origin()
        .expect("the demo has a portal")
        .to_owned();
    assert!(origin.starts_with("http://127.0.0.1:"), "{origin}");
    assert_eq!(demo.address(), sealmail::demo::ADDRESS);

    // Three sealed messages, sealed for the demo user by the demo portal, readable inline; a
    // genuine Microsoft protected message and a suspicious look-alike.
    let inbox = demo.path().to_path_buf();
    let mut sealed = Vec::new();
    let mut vendors = Vec::new();
    let inbox_files = ["new", "cur"]
        .iter()
        .flat_map(|sub| std::fs::read_dir(inbox.join(sub)).unwrap().flatten());
    for entry in inbox_files {
        let raw = std::fs::read(entry.path()).unwrap();
        let class = classify(&raw);
        if let Ok(found) = find_envelope(&raw) {
            assert_eq!(found.envelope.header.portal, origin);
            assert_eq!(found.envelope.header.to, vec![sealmail::demo::ADDRESS]);
            assert_eq!(
                (class.vendor, class.verdict, class.readable_inline),
                (Some(Vendor::Sealed), Some(Verdict::Genuine), true),
                "{class:?}"
            );
            sealed.push(raw);
        } else if class.portal {
            vendors.push((class.vendor, class.verdict));
        }
    }
    assert_eq!(sealed.len(), 3, "three sealed demo messages");
    vendors.sort_by_key(|(_, verdict)| verdict.map(|v| v.as_str()));
    assert_eq!(
        vendors,
        vec![
            (Some(Vendor::MicrosoftOme), Some(Verdict::Genuine)),
            (Some(Vendor::MicrosoftOme), Some(Verdict::Suspicious)),
        ]
    );
    let raw: Arc<[u8]> = sealed
        .into_iter()
        .find(|r| String::from_utf8_lossy(r).contains("Subject: The signed lease"))
        .expect("the sealed lease")
        .into();

    let xdg = tempfile::tempdir().unwrap();
    let metrics = Metrics::off();
    let settings = demo.flow_settings(metrics.clone());
    assert!(settings.trust_file.is_none(), "the demo writes no trust");
    let trust_file = xdg.path().join("unused");
    let mut flow = Flow::with_settings(settings, xdg, trust_file, metrics);
    flow.send(FlowRequest::Open { flow: 1, raw }).await;
    assert!(matches!(
        flow.next().await,
        FlowEvent::Opened {
            flow: 1,
            trusted: true,
            ..
        }
    ));
    match flow.next().await {
        FlowEvent::Methods { flow: 1, methods } => {
            assert!(matches!(methods[..], [Method::Passcode { digits: 8, .. }]))
        }
        other => panic!("expected Methods, got {other:?}"),
    }
    flow.send(FlowRequest::RequestPasscode {
        flow: 1,
        email: demo.address().into(),
    })
    .await;
    let reference = match flow.next().await {
        FlowEvent::PasscodeSent { reference, .. } => reference,
        other => panic!("expected PasscodeSent, got {other:?}"),
    };
    let (path, _) = wait_for_mail(&inbox, "demo passcode mail", |raw| {
        String::from_utf8_lossy(raw).contains(&format!("Reference: {reference}"))
    })
    .await;
    assert!(
        path.parent().unwrap().ends_with("new"),
        "delivered as new mail"
    );
    assert!(
        std::fs::read_dir(inbox.join("tmp"))
            .unwrap()
            .next()
            .is_none(),
        "nothing left in tmp/"
    );
    flow.send(FlowRequest::PasscodeMail {
        flow: 1,
        raw: std::fs::read(&path).unwrap().into(),
    })
    .await;
    let passcode = match flow.next().await {
        FlowEvent::PasscodeArrived {
            reference: r,
            passcode,
            ..
        } => {
            assert_eq!(r, reference);
            passcode
        }
        other => panic!("expected PasscodeArrived, got {other:?}"),
    };
    flow.send(FlowRequest::SubmitPasscode {
        flow: 1,
        email: demo.address().into(),
        passcode,
    })
    .await;
    let (message, ticket) = match flow.next().await {
        FlowEvent::Decrypted {
            message,
            via,
            reply: Some(ticket),
            ..
        } => {
            assert_eq!(via, Via::Passcode);
            assert_eq!(message.subject, "The signed lease");
            assert!(
                message
                    .body
                    .join("\n")
                    .contains("the landlord signed the lease")
            );
            (message, ticket)
        }
        other => panic!("expected Decrypted with a reply ticket, got {other:?}"),
    };

    // A sealed reply through the demo's own SMTP server: the landlord's copy is sealed.
    let (identity, sender) = sealmail::cli::sending::demo(&demo);
    let mut reply = sealmail::mail::compose::Draft::reply(&message, &identity, false).outgoing();
    reply.body = zeroize::Zeroizing::new("Countersigned, sealed back.".into());
    reply.seal = Some(sealmail::mail::outgoing::Sealing::Reply(ticket));
    let receipt = sender
        .send(Box::new(reply), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(receipt.filed, Some(Ok("Sent".into())));
    let (_, delivered) = wait_for_mail(&inbox.join(".Delivered"), "the sealed reply", |raw| {
        String::from_utf8_lossy(raw).contains("Sealed-Message:")
    })
    .await;
    assert!(!String::from_utf8_lossy(&delivered).contains("Countersigned"));
    let (_, copy) = wait_for_mail(&inbox.join(".Sent"), "the Sent copy", |raw| {
        String::from_utf8_lossy(raw).contains("Sealed-Message:")
    })
    .await;
    assert!(!String::from_utf8_lossy(&copy).contains("Countersigned"));
    // The portal stops and the Maildir goes while the worker still holds its connections.
    drop(demo);
    assert!(!inbox.exists(), "the demo Maildir is removed");
    flow.stop().await;
}

/// Opens the second message (the sealed lease), asks for a passcode, fills it in from the
/// passcode mail, and waits for the decrypted text. No snapshot: a snapshot is a file.
const SEALED_SCRIPT: &str = "size 100x30
wait idle
key j
key enter
wait text \"passcode by mail\" timeout 10
key enter
wait mail subject \"Your one-time passcode\" timeout 10
wait text \"p fills it in\" timeout 10
key p
key enter
wait text \"the landlord signed the lease\" timeout 10
wait text \"decrypted with the passcode\" timeout 10
key q
";

/// `sealmail script --demo`: the reader, driven by keys, opens a demo sealed message, fills in
/// the passcode its portal mailed into the inbox, shows the decrypted text; afterwards nothing
/// of that text is in any file the run wrote (XDG dirs with a debug log, working dir, temp dir).
#[tokio::test]
async fn the_demo_reader_runs_the_whole_sealed_flow_and_writes_none_of_it() {
    let started = std::time::SystemTime::now();
    let run = tempfile::tempdir().unwrap();
    let script = run.path().join("sealed.script");
    std::fs::write(&script, SEALED_SCRIPT).unwrap();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_sealmail"))
        .arg("script")
        .arg(&script)
        .arg("--out")
        .arg(run.path().join("out"))
        .arg("--demo")
        .current_dir(run.path())
        .env("XDG_CONFIG_HOME", run.path().join("config"))
        .env("XDG_STATE_HOME", run.path().join("state"))
        .env("XDG_CACHE_HOME", run.path().join("cache"))
        .env("SEALMAIL_LOG", "debug")
        .kill_on_drop(true)
        .output()
        .await
        .expect("sealmail script runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let log = run.path().join("state/sealmail/sealmail.log");
    assert!(log.exists(), "the debug log was written");
    assert!(
        !run.path().join("state/sealmail/trusted-portals").exists(),
        "the demo trusts its portal without writing the trust file"
    );
    let mut files = crate::harness::files_written_since(run.path(), started, &[]);
    files.extend(crate::harness::files_written_since(
        &std::env::temp_dir(),
        started,
        &[],
    ));
    assert!(files.contains(&log), "the scan covers the log");
    // The script itself names the text it waits for.
    files.retain(|f| f != &script);
    let hits = crate::harness::scan(
        &files,
        &[
            ("plaintext", b"the landlord signed the lease"),
            ("plaintext", b"Deposit: two months"),
        ],
    );
    assert!(hits.is_empty(), "decrypted text on disk: {hits:?}");
}
