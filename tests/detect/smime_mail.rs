//! Whole S/MIME messages opened as the pane opens them (`crypto::open`), made by the real
//! `openssl cms` with its own MIME output: encrypted with AES-GCM (integrity-protected) and
//! AES-CBC (said not to be), signed inside and encrypted, detached signatures with each
//! verdict (verified, does not match, untrusted, expired, not the sender), a message for
//! another certificate, a tampered one, and no certificate configured. And what sealmail
//! signs and encrypts for S/MIME, read by `openssl cms`.

use std::sync::Arc;

use sealmail::crypto::open::{self, CryptoSettings, FailureKind};
use sealmail::crypto::smime;
use sealmail::crypto::verdict::SignatureStatus;

use super::smime::{Pki, with_chain};

const TEXT: &str = "The numbers for Q4.";

fn settings(pki: &Pki, who: &str) -> CryptoSettings {
    CryptoSettings {
        smime: Some(Ok(Arc::new(with_chain(pki, who)))),
        trust: Arc::new(smime::TrustStore::from_paths(&[pki.path("root.pem")]).unwrap()),
        ..CryptoSettings::default()
    }
}

/// `openssl cms` with MIME output and the message's own header fields.
fn cms(pki: &Pki, args: &[&str], from: &str, input: &[u8]) -> Vec<u8> {
    let mut all = vec![
        "cms",
        "-from",
        from,
        "-to",
        "bob@example.test",
        "-subject",
        "Q4",
    ];
    all.extend(args);
    pki.openssl_in(&all, input)
}

use super::fixtures::{body_text as body, only_signature as only};

const ENTITY: &[u8] = b"Content-Type: text/plain; charset=utf-8\r\n\r\nThe numbers for Q4.\r\n";

#[test]
fn openssl_encrypted_mail_opens_with_what_protected_it() {
    let pki = Pki::new();
    let bob = settings(&pki, "bob");

    let gcm = cms(
        &pki,
        &["-encrypt", "-aes-256-gcm", "bob.pem"],
        "alice@example.test",
        ENTITY,
    );
    let opened = open::open(&gcm, &bob).expect("decrypted");
    assert!(body(&opened).contains(TEXT));
    assert_eq!(opened.view.subject.to_string(), "Q4");
    let encryption = opened.report.encryption.as_ref().unwrap();
    assert!(encryption.integrity);
    assert_eq!(encryption.cipher.as_deref(), Some("AES-256-GCM"));

    let cbc = cms(
        &pki,
        &["-encrypt", "-aes-256-cbc", "bob.pem"],
        "alice@example.test",
        ENTITY,
    );
    let opened = open::open(&cbc, &bob).expect("decrypted");
    assert!(body(&opened).contains(TEXT));
    let encryption = opened.report.encryption.as_ref().unwrap();
    assert!(!encryption.integrity);
    assert!(encryption.words().contains("not integrity-protected"));

    // Signed by Alice inside, then encrypted to Bob (Outlook's shape).
    std::fs::write(pki.path("entity.txt"), ENTITY).unwrap();
    let signed = pki.openssl(&[
        "cms",
        "-sign",
        "-nodetach",
        "-in",
        "entity.txt",
        "-signer",
        "alice.pem",
        "-inkey",
        "alice.key",
        "-certfile",
        "int.pem",
    ]);
    let both = cms(
        &pki,
        &["-encrypt", "-aes-256-cbc", "bob.pem"],
        "alice@example.test",
        &signed,
    );
    let opened = open::open(&both, &bob).expect("decrypted");
    assert!(body(&opened).contains(TEXT), "{}", body(&opened));
    assert!(opened.report.encryption.is_some());
    assert_eq!(
        only(&opened),
        &SignatureStatus::Verified {
            signer: "alice@example.test".into()
        }
    );

    // For Alice only: Bob's key does not open it, and the pane says so.
    let for_alice = cms(
        &pki,
        &["-encrypt", "-aes-128-cbc", "alice.pem"],
        "carol@example.test",
        ENTITY,
    );
    let failure = open::open(&for_alice, &bob).unwrap_err();
    assert_eq!(failure.kind, FailureKind::NoKey, "{failure:?}");

    // openssl's own default, 3DES: named as not supported.
    let des = cms(&pki, &["-encrypt", "bob.pem"], "alice@example.test", ENTITY);
    let failure = open::open(&des, &bob).unwrap_err();
    assert_eq!(failure.kind, FailureKind::Unsupported, "{failure:?}");
    assert!(failure.message.contains("3DES"), "{failure:?}");

    // Tampered in its GCM ciphertext: nothing of it shown.
    let text = String::from_utf8(gcm.clone()).unwrap();
    let body_at = text.find("\n\n").unwrap() + 2 + 400;
    let mut tampered = gcm.clone();
    tampered[body_at] = if tampered[body_at] == b'A' {
        b'B'
    } else {
        b'A'
    };
    let failure = open::open(&tampered, &bob).unwrap_err();
    assert!(
        matches!(
            failure.kind,
            FailureKind::Tampered | FailureKind::Damaged | FailureKind::NoKey
        ),
        "{failure:?}"
    );

    // No certificate configured: the pane names the setting.
    let failure = open::open(&gcm, &CryptoSettings::default()).unwrap_err();
    assert_eq!(failure.kind, FailureKind::Setup);
    assert!(failure.message.contains("[crypto]"), "{failure:?}");
}

#[test]
fn openssl_signatures_get_their_verdict() {
    let pki = Pki::new();
    let bob = settings(&pki, "bob");
    std::fs::write(pki.path("entity.txt"), ENTITY).unwrap();
    let detached = |who: &str, from: &str| {
        let (cert, key) = (format!("{who}.pem"), format!("{who}.key"));
        cms(
            &pki,
            &[
                "-sign",
                "-in",
                "entity.txt",
                "-signer",
                &cert,
                "-inkey",
                &key,
                "-certfile",
                "int.pem",
            ],
            from,
            b"",
        )
    };
    let good = detached("alice", "alice@example.test");
    let opened = open::open(&good, &bob).expect("read");
    assert!(body(&opened).contains(TEXT));
    assert_eq!(
        only(&opened),
        &SignatureStatus::Verified {
            signer: "alice@example.test".into()
        }
    );
    assert!(
        opened.view.attachments.is_empty(),
        "smime.p7s is not an attachment"
    );

    // The same signature under another sender's name.
    let other = detached("alice", "carol@example.test");
    assert_eq!(
        only(&open::open(&other, &bob).unwrap()).words(),
        "signed, but by alice@example.test, not the sender"
    );

    // One word changed after signing.
    let altered = String::from_utf8(good.clone())
        .unwrap()
        .replace("Q4.", "Q5.")
        .into_bytes();
    assert_eq!(
        only(&open::open(&altered, &bob).unwrap()),
        &SignatureStatus::Bad
    );

    // Self-signed: untrusted. Expired: said so.
    let mallory = detached("mallory", "alice@example.test");
    assert!(matches!(
        only(&open::open(&mallory, &bob).unwrap()),
        SignatureStatus::Untrusted { .. }
    ));
    let old = detached("old", "old@example.test");
    let opened = open::open(&old, &bob).unwrap();
    assert!(
        matches!(only(&opened), SignatureStatus::Stale { .. }),
        "{:?}",
        opened.report
    );

    // Opaque signed data (pkcs7-mime signed-data).
    let opaque = cms(
        &pki,
        &[
            "-sign",
            "-nodetach",
            "-in",
            "entity.txt",
            "-signer",
            "alice.pem",
            "-inkey",
            "alice.key",
            "-certfile",
            "int.pem",
        ],
        "alice@example.test",
        b"",
    );
    let opened = open::open(&opaque, &bob).unwrap();
    assert!(body(&opened).contains(TEXT));
    assert!(only(&opened).is_verified());
}

/// What sealmail signs and encrypts with S/MIME, `openssl cms` decrypts and verifies.
#[test]
fn what_sealmail_makes_openssl_reads_as_mail() {
    use sealmail::mail::outgoing::{Outgoing, Protect};
    let pki = Pki::new();
    let alice = settings(&pki, "alice");
    let bob_cert = std::fs::read(pki.path("bob.pem")).unwrap();
    let protector = sealmail::crypto::produce::SmimeProtector {
        identity: alice.smime.clone().unwrap().unwrap(),
        correspondents: Arc::new(smime::TrustStore::from_pem(&bob_cert).anchors().to_vec()),
    };
    let protect = |encrypt| Protect {
        label: "S/MIME",
        encrypt,
        engine: Arc::new(sealmail::crypto::produce::SmimeProtector {
            identity: Arc::clone(&protector.identity),
            correspondents: Arc::clone(&protector.correspondents),
        }),
    };
    let message = Outgoing {
        from: "Alice <alice@example.test>".into(),
        to: vec!["Bob <bob@example.test>".into()],
        subject: "Keys".into(),
        body: zeroize::Zeroizing::new("The vault code is 7741.\n".into()),
        ..Outgoing::default()
    };
    let built = sealmail::submit::build(&message, std::time::SystemTime::now()).unwrap();
    let sent = sealmail::submit::protect::protect(built, false, &protect(true)).expect("made");
    let text = String::from_utf8_lossy(&sent.sent).into_owned();
    assert!(!text.contains("vault code"));
    assert!(
        text.contains("application/pkcs7-mime; smime-type=enveloped-data"),
        "{text}"
    );
    std::fs::write(pki.path("sent.eml"), &sent.sent[..]).unwrap();
    let inner = pki.openssl(&[
        "cms", "-decrypt", "-in", "sent.eml", "-recip", "bob.pem", "-inkey", "bob.key",
    ]);
    std::fs::write(pki.path("inner.eml"), &inner).unwrap();
    let verified = pki.openssl(&["cms", "-verify", "-in", "inner.eml", "-CAfile", "root.pem"]);
    assert!(
        String::from_utf8_lossy(&verified).contains("The vault code is 7741."),
        "{}",
        String::from_utf8_lossy(&verified)
    );
    // The Sent copy is Alice's to read, and sealmail reads it: verified, encrypted.
    let opened = open::open(&sent.sent_copy, &alice).expect("the copy opens");
    assert!(body(&opened).contains("The vault code is 7741."));
    assert!(only(&opened).is_verified(), "{:?}", opened.report);

    // Signed only: a multipart/signed openssl verifies.
    let built = sealmail::submit::build(&message, std::time::SystemTime::now()).unwrap();
    let signed = sealmail::submit::protect::protect(built, false, &protect(false)).expect("made");
    std::fs::write(pki.path("signed.eml"), &signed.sent[..]).unwrap();
    let out = pki.openssl(&["cms", "-verify", "-in", "signed.eml", "-CAfile", "root.pem"]);
    assert!(String::from_utf8_lossy(&out).contains("The vault code is 7741."));
    let opened = open::open(&signed.sent, &settings(&pki, "bob")).expect("read");
    assert!(only(&opened).is_verified(), "{:?}", opened.report);

    // No certificate for a recipient: nothing is made, the address named.
    let stranger = Outgoing {
        to: vec!["zed@example.test".into()],
        ..message
    };
    let built = sealmail::submit::build(&stranger, std::time::SystemTime::now()).unwrap();
    let refused = sealmail::submit::protect::protect(built, false, &protect(true)).unwrap_err();
    assert!(
        refused.to_string().contains("zed@example.test"),
        "{refused}"
    );
}
