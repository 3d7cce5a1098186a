//! S/MIME and OpenPGP recognised in messages the real tools made: `openssl cms` (enveloped,
//! detached and opaque signatures) and `gpg` (PGP/MIME encrypted and signed, inline armour,
//! clear-signed text), from the whole message, from what the list has before the body, and
//! in `sealmail inspect --json`.

use std::path::Path;
use std::process::Command;

use sealmail::detect::crypto::{self, Protection, Scheme};
use sealmail::detect::{cheap_signals_from_raw, crypto::cheap};

const BODY: &str = "Content-Type: text/plain; charset=utf-8\r\n\r\nThe numbers for Q4.\r\n";
const HEADERS: &str =
    "From: Bob <bob@example.test>\r\nTo: Alice <alice@example.test>\r\nSubject: Q4\r\n";

/// Runs `program` with `args` in `dir` (and `GNUPGHOME` there), `input` on stdin; its stdout.
fn run(dir: &Path, program: &str, args: &[&str], input: &[u8]) -> Vec<u8> {
    super::fixtures::run_tool(dir, &dir.join("gnupg"), program, args, input)
}

fn all_ways(raw: &[u8], want: Protection, what: &str) {
    assert_eq!(crypto::of_message(raw), Some(want), "{what}");
    let list = cheap(&cheap_signals_from_raw(raw));
    // Inline armour is in the body, which the list has not read.
    if !what.contains("inline") && !what.contains("clear-signed") {
        assert_eq!(list, Some(want), "{what}, from the list's facts");
    }
}

#[test]
fn openssl_cms_messages_are_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run(
        d,
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-days",
            "2",
            "-subj",
            "/CN=Alice/emailAddress=alice@example.test",
        ],
        b"",
    );
    std::fs::write(d.join("body.txt"), BODY).unwrap();
    let headers = [
        "-from",
        "bob@example.test",
        "-to",
        "alice@example.test",
        "-subject",
        "Q4",
    ];
    let with = |extra: &[&str]| -> Vec<u8> {
        let mut args: Vec<&str> = extra.to_vec();
        args.extend(headers);
        run(d, "openssl", &args, b"")
    };
    let enveloped = with(&[
        "cms", "-encrypt", "-aes256", "-in", "body.txt", "-recip", "cert.pem",
    ]);
    all_ways(
        &enveloped,
        Protection::Encrypted(Scheme::Smime),
        "enveloped",
    );
    let gcm = with(&[
        "cms",
        "-encrypt",
        "-aes-256-gcm",
        "-in",
        "body.txt",
        "-recip",
        "cert.pem",
    ]);
    all_ways(
        &gcm,
        Protection::Encrypted(Scheme::Smime),
        "authenticated-enveloped",
    );
    let detached = with(&[
        "cms", "-sign", "-in", "body.txt", "-signer", "cert.pem", "-inkey", "key.pem",
    ]);
    all_ways(
        &detached,
        Protection::Signed(Scheme::Smime),
        "detached signature",
    );
    let opaque = with(&[
        "cms",
        "-sign",
        "-nodetach",
        "-in",
        "body.txt",
        "-signer",
        "cert.pem",
        "-inkey",
        "key.pem",
    ]);
    all_ways(
        &opaque,
        Protection::Signed(Scheme::Smime),
        "opaque signature",
    );

    // And `sealmail inspect --json` says so.
    std::fs::write(d.join("enveloped.eml"), &enveloped).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sealmail"))
        .args(["inspect", "--json"])
        .arg(d.join("enveloped.eml"))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["protection"], "encrypted");
    assert_eq!(v["scheme"], "smime");
    let out = Command::new(env!("CARGO_BIN_EXE_sealmail"))
        .arg("inspect")
        .arg(d.join("enveloped.eml"))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("encrypted with S/MIME"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// A message of `headers` around a two-part multipart of `subtype` and `protocol`.
fn multipart(subtype: &str, protocol: &str, first: &str, second: &str) -> Vec<u8> {
    format!(
        "{HEADERS}MIME-Version: 1.0\r\nContent-Type: multipart/{subtype}; \
         protocol=\"{protocol}\"; boundary=\"b\"\r\n\r\n--b\r\n{first}\r\n--b\r\n{second}\r\n--b--\r\n"
    )
    .into_bytes()
}

#[test]
fn gpg_messages_are_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let home = d.join("gnupg");
    std::fs::create_dir(&home).unwrap();
    std::fs::set_permissions(&home, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    run(
        d,
        "gpg",
        &[
            "--batch",
            "--passphrase",
            "",
            "--quick-gen-key",
            "Alice <alice@example.test>",
            "default",
            "default",
            "never",
        ],
        b"",
    );
    let gpg = |args: &[&str], input: &[u8]| {
        let mut all = vec!["--batch", "--trust-model", "always", "--armor"];
        all.extend(args);
        String::from_utf8(run(d, "gpg", &all, input)).unwrap()
    };
    let armour = gpg(&["--encrypt", "-r", "alice@example.test"], BODY.as_bytes());
    let pgp_mime = multipart(
        "encrypted",
        "application/pgp-encrypted",
        "Content-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n",
        &format!("Content-Type: application/octet-stream; name=\"encrypted.asc\"\r\n\r\n{armour}"),
    );
    all_ways(
        &pgp_mime,
        Protection::Encrypted(Scheme::OpenPgp),
        "PGP/MIME encrypted",
    );
    let signature = gpg(&["--detach-sign"], BODY.as_bytes());
    let signed = multipart(
        "signed",
        "application/pgp-signature",
        BODY.trim_end(),
        &format!(
            "Content-Type: application/pgp-signature; name=\"signature.asc\"\r\n\r\n{signature}"
        ),
    );
    all_ways(
        &signed,
        Protection::Signed(Scheme::OpenPgp),
        "PGP/MIME signed",
    );
    let inline = format!("{HEADERS}\r\n{armour}").into_bytes();
    all_ways(
        &inline,
        Protection::Encrypted(Scheme::OpenPgp),
        "inline armour",
    );
    let clear = gpg(&["--clearsign"], b"The numbers for Q4.\n");
    let clear = format!("{HEADERS}\r\n{clear}").into_bytes();
    all_ways(
        &clear,
        Protection::Signed(Scheme::OpenPgp),
        "clear-signed text",
    );
    let _ = Command::new("gpgconf")
        .args(["--kill", "gpg-agent"])
        .env("GNUPGHOME", &home)
        .status();
}
