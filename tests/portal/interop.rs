//! The independent Python implementation (tests/interop/sealed_message.py, written from
//! docs/protocol.md with the `cryptography` package) against sealmail, both ways, and the
//! envelope's tamper evidence checked by both.

use sealmail::sealed::client::Credential;
use sealmail::sealed::envelope::{Envelope, EnvelopeError};
use sealmail::sealed::message::{FindError, find_envelope};
use serde_json::Value;

use crate::common::{
    Options, PortalProc, SENDER_TOKEN, inner_message, mail_stack, passcode_mail, python, python_ok,
    seal_cli,
};

#[tokio::test]
async fn python_seals_and_sealmail_opens() {
    let (dovecot, postfix) = mail_stack().await;
    let portal = PortalProc::start(Options::mail_via(&postfix)).await;
    let inner = inner_message("Alice <alice@example.test>", "py-sealed");
    let sealed = python_ok(
        &["seal", "--portal", &portal.origin, "--token", SENDER_TOKEN],
        &inner,
    )
    .await;

    let found = find_envelope(&sealed).expect("sealmail finds the Python envelope");
    assert_eq!(
        found.header.as_ref().map(|h| h.id.as_str()),
        Some(found.envelope.header.id.as_str())
    );
    let client = portal.client();
    let id = &found.envelope.header.id;
    let requested = client
        .request_passcode(id, "alice@example.test")
        .await
        .unwrap();
    let (code, _) = passcode_mail(&dovecot, "alice", &requested.reference).await;
    let unsealed = client
        .unseal(
            id,
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
async fn sealmail_seals_and_python_opens() {
    let (dovecot, postfix) = mail_stack().await;
    let portal = PortalProc::start(Options::mail_via(&postfix)).await;
    let inner = inner_message("alice@example.test", "rust-sealed");
    let sealed = seal_cli(&portal.origin, &inner, &[]).await;

    let reference = String::from_utf8(
        python_ok(&["request-otp", "--email", "alice@example.test"], &sealed).await,
    )
    .unwrap();
    let (code, _) = passcode_mail(&dovecot, "alice", reference.trim()).await;
    let opened = python_ok(
        &["unseal", "--email", "alice@example.test", "--otp", &code],
        &sealed,
    )
    .await;
    assert_eq!(
        opened, inner,
        "the Python implementation recovers the exact inner bytes"
    );
}

/// Replaces the body of the part whose headers end with `marker` with `bytes` in base64.
fn with_part(text: &str, marker: &str, bytes: &[u8]) -> String {
    use base64::Engine as _;
    let start = text.find(marker).expect("the part") + marker.len();
    let end = start + text[start..].find("--").expect("closing boundary");
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "{}{}\r\n{}",
        &text[..start],
        lines.join("\r\n"),
        &text[end..]
    )
}

/// Replaces the envelope and ciphertext parts of a sealed message built by `seal`.
fn with_envelope(sealed: &[u8], json: &str, ct: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(sealed.to_vec()).unwrap();
    let text = with_part(
        &text,
        "filename=\"message.sealed\"\r\nContent-Transfer-Encoding: base64\r\n\r\n",
        json.as_bytes(),
    );
    with_part(
        &text,
        "filename=\"message.sealed.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n",
        ct,
    )
    .into_bytes()
}

#[tokio::test]
async fn flipping_any_byte_of_ct_nonce_or_an_aad_field_fails_in_both_implementations() {
    use sealmail::sealed::fields::{b64url, b64url_decode};
    let (dovecot, postfix) = mail_stack().await;
    let portal = PortalProc::start(Options::mail_via(&postfix)).await;
    let inner = inner_message("alice@example.test", "tamper");
    let sealed = seal_cli(&portal.origin, &inner, &[]).await;
    let found = find_envelope(&sealed).unwrap();
    let client = portal.client();
    let id = found.envelope.header.id.clone();
    let requested = client
        .request_passcode(&id, "alice@example.test")
        .await
        .unwrap();
    let (code, _) = passcode_mail(&dovecot, "alice", &requested.reference).await;
    let key = client
        .unseal(
            &id,
            &Credential::Passcode {
                email: "alice@example.test".into(),
                code: code.into(),
            },
        )
        .await
        .unwrap()
        .key;
    let key_text = key.to_b64url().expose().to_owned();
    assert_eq!(found.envelope.open(&key).unwrap().expose(), &inner[..]);
    assert_eq!(
        python_ok(&["open", &format!("--key={key_text}")], &sealed).await,
        inner
    );

    let original: Value = serde_json::from_str(&found.envelope.to_json()).unwrap();
    let flip_b64 = |text: &str, i: usize| {
        let mut bytes = b64url_decode(text).unwrap();
        bytes[i] ^= 0x01;
        b64url(&bytes)
    };
    let ct = found.envelope.ciphertext().to_vec();
    let ct_len = ct.len();
    let mut variants: Vec<(String, Value, Vec<u8>)> = Vec::new();
    for i in 0..ct_len {
        let mut flipped = ct.clone();
        flipped[i] ^= 0x01;
        variants.push((format!("ct byte {i}"), original.clone(), flipped));
    }
    for i in 0..12 {
        let mut v = original.clone();
        v["nonce"] = flip_b64(original["nonce"].as_str().unwrap(), i).into();
        variants.push((format!("nonce byte {i}"), v, ct.clone()));
    }
    // Every AAD field, changed to another valid value.
    let other_id = flip_b64(original["id"].as_str().unwrap(), 3);
    let aad_edits: Vec<(&str, Value)> = vec![
        (
            "portal",
            Value::from(portal.origin.replace("127.0.0.1", "127.0.0.2")),
        ),
        ("id", Value::from(other_id)),
        ("from", Value::from("mallory@example.test")),
        (
            "to",
            serde_json::json!(["alice@example.test", "mallory@example.test"]),
        ),
        ("created", Value::from("2020-01-01T00:00:00Z")),
    ];
    for (field, value) in aad_edits {
        let mut v = original.clone();
        v[field] = value;
        variants.push((format!("field {field}"), v, ct.clone()));
    }

    for (what, json, ct) in &variants {
        let text = json.to_string();
        let envelope = Envelope::parse(text.as_bytes(), ct.clone())
            .unwrap_or_else(|e| panic!("{what}: still well formed: {e}"));
        assert_eq!(envelope.open(&key), Err(EnvelopeError::Tampered), "{what}");
    }
    // The Python implementation too, on whole messages (a sample of ct bytes keeps it quick).
    let step = (ct_len / 40).max(1);
    for (what, json, ct) in variants.iter().filter(|(what, _, _)| {
        !what.starts_with("ct byte ") || what[8..].parse::<usize>().unwrap() % step == 0
    }) {
        // The Sealed-Message header follows the envelope, so what is tested is decryption, not
        // the header check.
        let message = String::from_utf8(with_envelope(&sealed, &json.to_string(), ct))
            .unwrap()
            .replacen(
                &format!(
                    "portal={}; id={}",
                    original["portal"].as_str().unwrap(),
                    original["id"].as_str().unwrap()
                ),
                &format!(
                    "portal={}; id={}",
                    json["portal"].as_str().unwrap(),
                    json["id"].as_str().unwrap()
                ),
                1,
            )
            .into_bytes();
        let out = python(&["open", &format!("--key={key_text}")], &message).await;
        assert_eq!(
            out.status.code(),
            Some(3),
            "{what}: Python must report an authentication failure: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        match find_envelope(&message) {
            Ok(found) => assert_eq!(
                found.envelope.open(&key),
                Err(EnvelopeError::Tampered),
                "{what}"
            ),
            Err(e) => panic!("{what}: sealmail should find the envelope: {e}"),
        }
    }

    // A header that disagrees with the envelope is malformed, in both.
    let mut moved = original.clone();
    moved["id"] = flip_b64(original["id"].as_str().unwrap(), 5).into();
    let mismatched = with_envelope(&sealed, &moved.to_string(), &ct);
    assert!(matches!(
        find_envelope(&mismatched),
        Err(FindError::Envelope(EnvelopeError::Malformed(_)))
    ));
    assert_eq!(
        python(&["open", &format!("--key={key_text}")], &mismatched)
            .await
            .status
            .code(),
        Some(4)
    );
}

/// The independent implementation also takes the portal as the authority for the sender: an
/// envelope claiming another sender than the one registered is refused (exit 5), and an inner
/// From that differs from the verified sender is reported.
#[tokio::test]
async fn python_refuses_an_envelope_that_disagrees_with_the_portal() {
    let (dovecot, postfix) = mail_stack().await;
    let portal = PortalProc::start(Options::mail_via(&postfix)).await;
    let inner = inner_message("alice@example.test", "py-forged");
    let cases = [
        ("ceo@victim.example", 5, "forged"),
        ("mallory@example.test", 0, "WARNING: the inner From"),
    ];
    for (claimed, status, says) in cases {
        let sealed = crate::common::seal_forged(
            &portal,
            &inner,
            (claimed, &["alice@example.test"]),
            ("mallory@example.test", &["alice@example.test"]),
        )
        .await;
        let reference = String::from_utf8(
            python_ok(&["request-otp", "--email", "alice@example.test"], &sealed).await,
        )
        .unwrap();
        let (code, _) = passcode_mail(&dovecot, "alice", reference.trim()).await;
        let out = python(
            &["unseal", "--email", "alice@example.test", "--otp", &code],
            &sealed,
        )
        .await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(status), "{claimed}: {stderr}");
        assert!(stderr.contains(says), "{claimed}: {stderr}");
    }
}
