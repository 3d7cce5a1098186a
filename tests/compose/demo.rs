//! The demo sends for real: its outbox submits through the real submission code to the
//! demo's own SMTP server on loopback, which delivers mail for the demo user into the demo
//! INBOX and keeps what went to others in `.Delivered`; the copy goes to `.Sent`, a postponed
//! message to `.Drafts`. Everything is read back from the Maildir on disk.

use std::path::Path;

use sealmail::mail::outgoing::Outgoing;
use zeroize::Zeroizing;

use crate::common::parse;

/// The files of one Maildir subdirectory (`new`, `cur`), by name.
fn files(folder: &Path, sub: &str) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(folder.join(sub))
        .unwrap_or_else(|e| panic!("{}: {e}", folder.join(sub).display()))
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn with_subject<'a>(all: &'a [(String, Vec<u8>)], subject: &str) -> Vec<&'a (String, Vec<u8>)> {
    all.iter()
        .filter(|(_, raw)| parse(raw).subject() == Some(subject))
        .collect()
}

#[tokio::test]
async fn the_demo_delivers_to_its_user_and_keeps_what_went_to_others() {
    let mailbox = sealmail::demo::materialize().unwrap();
    let (identity, sender) = sealmail::cli::sending::demo(&mailbox);
    assert_eq!(identity.own, [sealmail::demo::ADDRESS]);
    let subject = "Note to self ☕";
    let message = Outgoing {
        from: identity.from.clone(),
        to: vec![sealmail::demo::ADDRESS.into()],
        cc: vec!["Ann Friend <ann@friends.example>".into()],
        bcc: vec!["bea@friends.example".into()],
        subject: subject.into(),
        body: Zeroizing::new("Grüße.\n.a line that starts with a dot\n.\nthe end\n".into()),
        ..Outgoing::default()
    };
    let receipt = sender
        .send(Box::new(message), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(receipt.recipients, 3, "every recipient taken");
    assert_eq!(receipt.filed, Some(Ok("Sent".into())));

    let inbox = files(mailbox.path(), "new");
    let mine = with_subject(&inbox, subject);
    assert_eq!(mine.len(), 1, "one copy in the INBOX");
    let (name, raw) = mine[0];
    assert!(!name.contains(':'), "unread, in new/: {name}");
    let parsed = parse(raw);
    assert_eq!(
        format!("<{}>", parsed.message_id().unwrap()),
        receipt.message_id
    );
    assert_eq!(
        parsed.header_raw("Delivered-To").map(str::trim),
        Some(sealmail::demo::ADDRESS)
    );
    assert_eq!(
        parsed
            .body_text(0)
            .unwrap()
            .replace("\r\n", "\n")
            .trim_end_matches('\n'),
        "Grüße.\n.a line that starts with a dot\n.\nthe end",
        "dot-stuffed lines come back as written"
    );
    assert!(
        !String::from_utf8_lossy(raw).contains("bea@friends.example"),
        "no Bcc in what was delivered"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(mailbox.path().join("new").join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(
        files(mailbox.path(), "tmp").is_empty(),
        "nothing left in tmp/"
    );

    let delivered = mailbox.folder(sealmail::demo::DELIVERED);
    let others = files(&delivered, "cur");
    assert_eq!(others.len(), 1, "one copy for the others: {others:?}");
    let text = String::from_utf8_lossy(&others[0].1);
    assert!(text.contains("Delivered-To: ann@friends.example"), "{text}");
    assert!(text.contains("Delivered-To: bea@friends.example"), "{text}");
    assert!(!text.contains("Delivered-To: sam@example.org"), "{text}");
    assert!(others[0].0.ends_with(":2,S"), "{}", others[0].0);

    let sent = files(&mailbox.folder(sealmail::demo::SENT), "cur");
    let copy = with_subject(&sent, subject);
    assert_eq!(copy.len(), 1);
    assert!(copy[0].0.ends_with(":2,S"), "{}", copy[0].0);
    let copy = parse(&copy[0].1);
    assert_eq!(
        copy.bcc().and_then(|b| b.first()).and_then(|a| a.address()),
        Some("bea@friends.example"),
        "the Sent copy keeps the Bcc"
    );
}

#[tokio::test]
async fn a_postponed_demo_message_is_a_draft_in_drafts() {
    let mailbox = sealmail::demo::materialize().unwrap();
    let (identity, sender) = sealmail::cli::sending::demo(&mailbox);
    let message = Outgoing {
        from: identity.from.clone(),
        to: vec!["ann@friends.example".into()],
        subject: "Half written".into(),
        body: Zeroizing::new("to be continued\n".into()),
        ..Outgoing::default()
    };
    let folder = sender
        .postpone(Box::new(message), Some("Entw&APw-rfe".into()))
        .await
        .unwrap();
    assert_eq!(folder, "Drafts");
    let drafts = files(&mailbox.folder(sealmail::demo::DRAFTS), "cur");
    assert_eq!(drafts.len(), 1);
    assert!(drafts[0].0.ends_with(":2,DS"), "{}", drafts[0].0);
    assert_eq!(parse(&drafts[0].1).subject(), Some("Half written"));
    assert!(
        files(&mailbox.folder(sealmail::demo::DELIVERED), "cur").is_empty(),
        "nothing was sent"
    );
}

/// A message encrypted with S/MIME in the demo, as a reply to the demo's S/MIME mail goes out:
/// to the correspondent whose certificate the demo holds, through the demo's SMTP server. The
/// copy delivered to them opens with their key, the Sent copy with the demo user's; both are
/// signed by the demo user, verified against the demo root.
#[tokio::test]
async fn the_demo_sends_smime_encrypted_to_its_correspondent() {
    use sealmail::crypto::open::{CryptoSettings, open};
    use sealmail::mail::outgoing::Protect;

    let mailbox = sealmail::demo::materialize().unwrap();
    let (identity, sender) = sealmail::cli::sending::demo(&mailbox);
    let demo = sealmail::demo::smime::crypto_settings(Default::default());
    let mine = match &demo.smime {
        Some(Ok(mine)) => std::sync::Arc::clone(mine),
        other => panic!("the demo identity loads: {other:?}"),
    };
    let subject = "Re: Staging credentials for the release";
    let mut message = Outgoing {
        from: identity.from.clone(),
        to: vec!["Priya Raman <priya@devteam.example>".into()],
        subject: subject.into(),
        body: Zeroizing::new("Thanks, the release user works.\n".into()),
        ..Outgoing::default()
    };
    message.protect = Some(Protect {
        label: "S/MIME",
        encrypt: true,
        engine: std::sync::Arc::new(sealmail::crypto::produce::SmimeProtector {
            identity: mine,
            correspondents: std::sync::Arc::clone(&demo.correspondents),
        }),
    });
    let receipt = sender
        .send(Box::new(message), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(receipt.recipients, 1);

    let delivered = files(&mailbox.folder(sealmail::demo::DELIVERED), "cur");
    assert_eq!(delivered.len(), 1, "{delivered:?}");
    let raw = &delivered[0].1;
    let text = String::from_utf8_lossy(raw);
    assert!(
        text.contains("Delivered-To: priya@devteam.example"),
        "{text}"
    );
    assert!(text.contains("application/pkcs7-mime"), "{text}");
    assert!(!text.contains("release user works"), "no plaintext: {text}");

    // The correspondent opens it with her key (a demo key, from the assets).
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/smime");
    let priya = sealmail::crypto::smime::Identity::from_files(
        &assets.join("priya.crt"),
        Some(&assets.join("priya.key")),
        None,
    )
    .expect("the correspondent's demo key");
    let as_priya = CryptoSettings {
        smime: Some(Ok(std::sync::Arc::new(priya))),
        ..demo.clone()
    };
    let words = |settings: &CryptoSettings, raw: &[u8]| {
        let opened = open(raw, settings).unwrap_or_else(|e| panic!("{e}"));
        let body: Vec<String> = opened.view.body.iter().map(|l| l.to_string()).collect();
        assert!(
            body.iter().any(|l| l.contains("release user works")),
            "{body:?}"
        );
        let encryption = opened.report.encryption.expect("encrypted").words();
        let signatures: Vec<String> = opened
            .report
            .signatures
            .iter()
            .map(|s| s.status.words())
            .collect();
        (encryption, signatures)
    };
    let (encryption, signatures) = words(&as_priya, raw);
    assert!(
        encryption.starts_with("encrypted with S/MIME"),
        "{encryption}"
    );
    assert_eq!(signatures, ["signed by sam@example.org, verified"]);

    // The Sent copy is encrypted to the demo user too.
    let sent = files(&mailbox.folder(sealmail::demo::SENT), "cur");
    let copy = with_subject(&sent, subject);
    assert_eq!(copy.len(), 1);
    let (_, signatures) = words(&demo, &copy[0].1);
    assert_eq!(signatures, ["signed by sam@example.org, verified"]);
}
