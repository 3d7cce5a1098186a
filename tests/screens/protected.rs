//! S/MIME and OpenPGP messages in the pane: the banner while one is opened, each verdict as a
//! person reads it (verified, does not match, untrusted, not the sender, one part only, mixed
//! parts, not integrity-protected), and each failure (no key, passphrase, tampered), at 80x24
//! without colour. One message goes the whole way through the real `gpg`: generated key,
//! encrypted, loaded, opened as the driver opens it, shown.

use std::sync::Arc;

use insta::assert_snapshot;
use sealmail::app::msg::{Command, Msg};
use sealmail::crypto::open::{FailureKind, OpenFailure, Opened};
use sealmail::crypto::verdict::{Encryption, Report, Scope, SignatureStatus, SignatureVerdict};
use sealmail::detect::crypto::{Protection, Scheme};
use sealmail::mail::{LoadedMessage, ReqId, SourceEvent};
use sealmail::tui::headless::Headless;

use crate::fixtures::*;

/// The message as it arrives: an encrypted one is ciphertext and an smime.p7m.
fn outer_view() -> sealmail::mime::MessageView {
    let mut view = message_view();
    view.body = sealmail::sanitize::Clean::text("This is an S/MIME encrypted message.");
    view
}

/// A message open in the split view, handed to be opened: the reader, and the request the
/// driver answers.
fn opening(protection: Protection) -> (Headless, ReqId) {
    let mut h = loaded(80, 24, 60, 60);
    h.press("enter");
    let pane = h.state.pane.as_ref().expect("a message is being opened");
    let (req, uid) = (pane.req, pane.uid);
    let commands = h.apply(Msg::Source(SourceEvent::Message {
        req,
        result: Ok(LoadedMessage {
            uid,
            raw: Arc::from(&b"Subject: x\r\n\r\n"[..]),
            view: Arc::new(outer_view()),
            portal: None,
            protection: Some(protection),
        }),
    }));
    let req = commands
        .iter()
        .find_map(|c| match c {
            Command::Unprotect { req, .. } => Some(*req),
            _ => None,
        })
        .expect("the message is handed to be opened");
    (h, req)
}

fn report(
    encryption: Option<Encryption>,
    signatures: Vec<(Scheme, SignatureStatus)>,
    scope: Scope,
) -> Report {
    Report {
        encryption,
        signatures: signatures
            .into_iter()
            .map(|(scheme, status)| SignatureVerdict { scheme, status })
            .collect(),
        scope,
    }
}

fn encrypted(scheme: Scheme, cipher: Option<&str>, integrity: bool) -> Option<Encryption> {
    Some(Encryption {
        scheme,
        cipher: cipher.map(str::to_owned),
        integrity,
    })
}

fn held() -> sealmail::mail::HeldMessage {
    sealmail::mail::HeldMessage::new(zeroize::Zeroizing::new(b"Subject: x\r\n\r\n".to_vec()))
}

/// The screen once the driver answered with `report` over the fixture message.
fn shown(protection: Protection, report: Report) -> String {
    let (mut h, req) = opening(protection);
    h.apply(Msg::Unprotected {
        req,
        result: Ok(Opened {
            view: Arc::new(message_view()),
            report,
            content: held(),
        }),
    });
    h.screen_text()
}

fn failed(protection: Protection, kind: FailureKind, message: &str) -> String {
    let (mut h, req) = opening(protection);
    h.apply(Msg::Unprotected {
        req,
        result: Err(OpenFailure {
            scheme: protection.scheme(),
            kind,
            message: message.into(),
        }),
    });
    h.screen_text()
}

#[test]
fn while_opening_the_ciphertext_is_not_shown_and_the_list_still_moves() {
    let (mut h, _) = opening(Protection::Encrypted(Scheme::OpenPgp));
    let screen = h.screen_text();
    assert!(screen.contains("decrypting in memory"), "{screen}");
    assert!(
        !screen.contains("This is an S/MIME encrypted message"),
        "{screen}"
    );
    assert_snapshot!("protected_opening", screen);
    // The reader answers keys meanwhile: back to the list, and j moves in it.
    let before = h.state.folder.rows.selected().map(|r| r.uid);
    h.press("q");
    h.press("j");
    assert_ne!(h.state.folder.rows.selected().map(|r| r.uid), before);
}

#[test]
fn a_verified_encrypted_message_says_who_signed_it() {
    let screen = shown(
        Protection::Encrypted(Scheme::OpenPgp),
        report(
            encrypted(Scheme::OpenPgp, None, true),
            vec![(
                Scheme::OpenPgp,
                SignatureStatus::Verified {
                    signer: "ada@example.test".into(),
                },
            )],
            Scope::Whole,
        ),
    );
    assert!(
        screen.contains("✔ OpenPGP: signed by ada@example.test, verified"),
        "{screen}"
    );
    assert!(screen.contains("here is the draft"), "{screen}");
    assert_snapshot!("protected_verified", screen);
}

#[test]
fn each_signature_verdict_reads_at_a_glance() {
    let signed = |status: SignatureStatus, scope: Scope| {
        shown(
            Protection::Signed(Scheme::Smime),
            report(None, vec![(Scheme::Smime, status)], scope),
        )
    };
    let bad = signed(SignatureStatus::Bad, Scope::Whole);
    assert!(
        bad.contains("⚠ S/MIME: signature does not match the message"),
        "{bad}"
    );
    assert_snapshot!("protected_bad_signature", bad);

    let untrusted = signed(SignatureStatus::Untrusted { signer: None }, Scope::Whole);
    assert!(
        untrusted.contains("signed by an unknown or untrusted key"),
        "{untrusted}"
    );
    assert_snapshot!("protected_untrusted", untrusted);

    let other = signed(
        SignatureStatus::NotSender {
            signer: "bob@other.example".into(),
        },
        Scope::Whole,
    );
    assert!(
        other.contains("signed, but by bob@other.example, not the sender"),
        "{other}"
    );
    assert_snapshot!("protected_not_the_sender", other);

    let expired = signed(
        SignatureStatus::Stale {
            signer: "ada@example.test".into(),
            why: "the certificate expired on 2025-01-01".into(),
        },
        Scope::Whole,
    );
    assert!(expired.contains("but the certificate expired"), "{expired}");
    assert_snapshot!("protected_expired", expired);

    let part = signed(
        SignatureStatus::Verified {
            signer: "ada@example.test".into(),
        },
        Scope::SignedPartOnly {
            part: "part 2 (multipart/signed)".into(),
        },
    );
    assert!(
        part.contains("signed content is only part of the message: part 2"),
        "{part}"
    );
    assert_snapshot!("protected_signed_part_only", part);
}

#[test]
fn weaker_encryption_and_mixed_parts_are_said_so() {
    let cbc = shown(
        Protection::Encrypted(Scheme::Smime),
        report(
            encrypted(Scheme::Smime, Some("AES-256-CBC"), false),
            vec![],
            Scope::Whole,
        ),
    );
    assert!(
        cbc.contains("integrity-protected: it could have been altered"),
        "{cbc}"
    );
    assert_snapshot!("protected_cbc_only", cbc);

    let mixed = shown(
        Protection::Encrypted(Scheme::OpenPgp),
        report(
            encrypted(Scheme::OpenPgp, None, true),
            vec![],
            Scope::EncryptedPartOnly {
                part: "part 2 (multipart/encrypted)".into(),
            },
        ),
    );
    assert!(mixed.contains("mixes encrypted and plain parts"), "{mixed}");
    assert_snapshot!("protected_mixed_parts", mixed);
}

#[test]
fn a_message_that_cannot_be_opened_says_why_and_shows_nothing_of_it() {
    let no_key = failed(
        Protection::Encrypted(Scheme::Smime),
        FailureKind::NoKey,
        "it is encrypted for another certificate (issuer CN=Other CA, serial 03)",
    );
    assert!(no_key.contains("cannot be opened here"), "{no_key}");
    assert!(
        !no_key.contains("This is an S/MIME encrypted message"),
        "{no_key}"
    );
    assert_snapshot!("protected_no_key", no_key);

    let tampered = failed(
        Protection::Encrypted(Scheme::OpenPgp),
        FailureKind::Tampered,
        "it fails its integrity check: it was altered, or damaged on the way; nothing of it is shown",
    );
    assert!(tampered.contains("Nothing of it is shown"), "{tampered}");
    assert_snapshot!("protected_tampered", tampered);

    let passphrase = failed(
        Protection::Encrypted(Scheme::OpenPgp),
        FailureKind::Passphrase,
        "the passphrase was not given or was wrong",
    );
    assert_snapshot!("protected_passphrase", passphrase);
}

#[test]
fn a_late_answer_for_a_closed_pane_is_dropped() {
    let (mut h, req) = opening(Protection::Encrypted(Scheme::OpenPgp));
    h.press("q");
    h.apply(Msg::Unprotected {
        req,
        result: Ok(Opened {
            view: Arc::new(message_view()),
            report: report(None, vec![], Scope::Whole),
            content: held(),
        }),
    });
    let screen = h.screen_text();
    assert!(!screen.contains("here is the draft"), "{screen}");
}

/// The whole way through the real gpg: a key made, a message encrypted and signed to it,
/// loaded as the source loads it, opened as the driver opens it.
#[test]
fn a_real_openpgp_message_opens_in_the_pane() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("gnupg");
    std::fs::create_dir(&home).unwrap();
    std::fs::set_permissions(&home, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let gpg = |args: &[&str], input: &[u8]| -> Vec<u8> {
        use std::io::Write;
        let mut child = std::process::Command::new("gpg")
            .args(["--batch", "--homedir"])
            .arg(&home)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("gpg must be installed (scripts/install-test-deps.sh)");
        child.stdin.take().unwrap().write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    gpg(
        &[
            "--passphrase",
            "",
            "--quick-gen-key",
            "Ada <ada@example.test>",
            "default",
            "default",
            "never",
        ],
        b"",
    );
    let entity =
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nThe launch code is 0000, as before.\r\n";
    let armoured = gpg(
        &["--armor", "--sign", "--encrypt", "-r", "ada@example.test"],
        entity,
    );
    let mut raw = b"From: Ada <ada@example.test>\r\nTo: Ada <ada@example.test>\r\nSubject: Launch\r\nDate: Sat, 05 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n--b\r\nContent-Type: application/octet-stream\r\n\r\n".to_vec();
    raw.extend_from_slice(&armoured);
    raw.extend_from_slice(b"\r\n--b--\r\n");

    let mut h = loaded(80, 24, 60, 60);
    h.press("enter");
    let pane = h.state.pane.as_ref().expect("a message is being opened");
    let (req, uid) = (pane.req, pane.uid);
    let loaded = LoadedMessage::from_raw(uid, raw).expect("parsed");
    assert_eq!(
        loaded.protection,
        Some(Protection::Encrypted(Scheme::OpenPgp))
    );
    let commands = h.apply(Msg::Source(SourceEvent::Message {
        req,
        result: Ok(loaded),
    }));
    let (req, raw, settings) = commands
        .into_iter()
        .find_map(|c| match c {
            Command::Unprotect { req, raw, settings } => Some((req, raw, settings)),
            _ => None,
        })
        .expect("the message is handed to be opened");
    let mut settings = (*settings).clone();
    settings.gpg.home = Some(home.clone());
    let result = sealmail::crypto::open::open(&raw, &settings);
    h.apply(Msg::Unprotected { req, result });
    let screen = h.screen_text();
    assert!(
        screen.contains("The launch code is 0000, as before."),
        "{screen}"
    );
    assert!(screen.contains("🔓 Launch"), "{screen}");
    assert!(
        screen.contains("✔ OpenPGP: signed by ada@example.test, verified"),
        "{screen}"
    );
    let _ = std::process::Command::new("gpgconf")
        .args(["--kill", "gpg-agent"])
        .env("GNUPGHOME", &home)
        .status();
}

/// A decrypted message's attachment is plaintext once on disk: asked about first, then written
/// from the bytes held in memory (the stored copy holds only ciphertext).
#[test]
fn a_decrypted_attachment_is_saved_only_on_a_second_yes() {
    let content = b"From: Ada <ada@example.test>\r\nSubject: Plans\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\nSee the plans.\r\n--m\r\nContent-Type: text/plain; name=plans.txt\r\nContent-Disposition: attachment; filename=plans.txt\r\n\r\nthe secret plans\r\n--m--\r\n";
    let view = sealmail::mime::parse(content).expect("parsed");
    assert_eq!(view.attachments.len(), 1);
    let open_with_attachment = || {
        let (mut h, req) = opening(Protection::Encrypted(Scheme::Smime));
        h.apply(Msg::Unprotected {
            req,
            result: Ok(Opened {
                view: Arc::new(view.clone()),
                report: report(encrypted(Scheme::Smime, None, true), vec![], Scope::Whole),
                content: sealmail::mail::HeldMessage::new(zeroize::Zeroizing::new(
                    content.to_vec(),
                )),
            }),
        });
        h
    };

    let mut h = open_with_attachment();
    h.press("S");
    let screen = h.screen_text();
    assert!(
        screen.contains("It was encrypted: write the attachment to disk decrypted? (y/n)"),
        "{screen}"
    );
    h.press("n");
    assert_eq!(notice(&h), "nothing saved");
    assert!(h.state.save_prompt.is_none());

    let dir = tempfile::tempdir().unwrap();
    let mut h = open_with_attachment();
    h.press("S");
    h.press("y");
    // One attachment: the directory prompt, typed over.
    for _ in 0..200 {
        h.press("backspace");
    }
    h.type_text(&dir.path().display().to_string());
    let commands = h.press("enter").unwrap_or_default();
    let (request, message) = commands
        .into_iter()
        .find_map(|c| match c {
            Command::SaveHeld { request, message } => Some((request, message)),
            _ => None,
        })
        .expect("saved from the message held in memory");
    let done = sealmail::mail::save::save(&request, message.bytes());
    assert_eq!(done.saved.len(), 1, "{done:?}");
    assert_eq!(
        std::fs::read(dir.path().join("plans.txt")).unwrap(),
        b"the secret plans"
    );
    assert!(!format!("{message:?}").contains("secret"));
}

/// A reply to an encrypted message starts encrypted with the same standard; `c` on the review
/// goes through signed only and plain; encrypted, its text is never put in Drafts.
#[test]
fn a_reply_to_an_encrypted_message_starts_encrypted() {
    let (mut h, req) = opening(Protection::Encrypted(Scheme::OpenPgp));
    h.state.identity = Some(sealmail::mail::compose::Identity::new(
        "Alice <alice@example.test>",
        None,
    ));
    h.apply(Msg::Unprotected {
        req,
        result: Ok(Opened {
            view: Arc::new(message_view()),
            report: report(encrypted(Scheme::OpenPgp, None, true), vec![], Scope::Whole),
            content: held(),
        }),
    });
    h.press("w");
    h.press("esc");
    let screen = h.screen_text();
    assert!(
        screen.contains("OpenPGP: signed, and encrypted to every recipient and you"),
        "{screen}"
    );
    assert!(screen.contains("p keep in memory"), "{screen}");
    assert_snapshot!("protected_reply_review", screen);
    h.press("c");
    assert!(h.screen_text().contains("OpenPGP: signed, not encrypted"));
    h.press("c");
    assert!(h.screen_text().contains("none: ordinary mail"));
    h.press("c");
    assert!(h.screen_text().contains("OpenPGP: signed, and encrypted"));
    // Kept in memory, not postponed to Drafts.
    let commands = h.press("p").unwrap_or_default();
    assert!(
        !commands
            .iter()
            .any(|c| matches!(c, Command::Postpone { .. })),
        "an encrypted reply is not written to Drafts"
    );
}
