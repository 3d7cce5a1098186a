//! The reader, run as a user runs it (`sealmail script` with a config file), over a Maildir
//! holding an OpenPGP message made by the real `gpg` and an S/MIME message made by the real
//! `openssl cms`, with `[crypto]` naming a GnuPG home and a PEM certificate and key: both are
//! shown decrypted with their verdict, and afterwards nothing of either text is in any file the
//! run wrote (its config, Maildir, debug log, cache, GnuPG home, the temp dir).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const PGP_LINE: &str = "The shipment leaves Rotterdam on the ninth";
const SMIME_LINE: &str = "The board approved the merger terms today";

/// Runs `program` in `dir` with `input` on stdin (never a file): its stdout.
fn tool(dir: &Path, home: &Path, program: &str, args: &[&str], input: &[u8]) -> Vec<u8> {
    let mut child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("GNUPGHOME", home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} must be installed: {e}"));
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn deliver(maildir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(maildir.join("cur").join(format!("{name}:2,")), bytes).unwrap();
}

#[tokio::test]
async fn the_reader_opens_openpgp_and_smime_mail_and_writes_none_of_it() {
    let started = std::time::SystemTime::now();
    let run = tempfile::tempdir().unwrap();
    let d = run.path();
    let home = d.join("gnupg");
    std::fs::create_dir(&home).unwrap();
    std::fs::set_permissions(&home, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let maildir = d.join("mail");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(maildir.join(sub)).unwrap();
    }

    // OpenPGP: a key for the reader, a message signed and encrypted to it.
    tool(
        d,
        &home,
        "gpg",
        &[
            "--batch",
            "--passphrase",
            "",
            "--quick-gen-key",
            "Rae <rae@example.test>",
            "default",
            "default",
            "never",
        ],
        b"",
    );
    let entity = format!("Content-Type: text/plain; charset=utf-8\r\n\r\n{PGP_LINE}.\r\n");
    let armoured = tool(
        d,
        &home,
        "gpg",
        &[
            "--batch",
            "--armor",
            "--sign",
            "--encrypt",
            "-r",
            "rae@example.test",
        ],
        entity.as_bytes(),
    );
    let mut pgp = b"From: Rae <rae@example.test>\r\nTo: rae@example.test\r\nSubject: Shipment\r\nDate: Sat, 05 Dec 2026 12:00:00 +0000\r\nMessage-ID: <pgp@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"e\"\r\n\r\n--e\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n--e\r\nContent-Type: application/octet-stream\r\n\r\n".to_vec();
    pgp.extend_from_slice(&armoured);
    pgp.extend_from_slice(b"\r\n--e--\r\n");
    deliver(&maildir, "1.pgp", &pgp);

    // S/MIME: a self-made certificate for the reader, a message encrypted to it (older).
    tool(
        d,
        &home,
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "me.key",
            "-out",
            "me.pem",
            "-days",
            "2",
            "-subj",
            "/CN=Rae",
            "-addext",
            "subjectAltName=email:rae@example.test",
        ],
        b"",
    );
    let entity = format!("Content-Type: text/plain; charset=utf-8\r\n\r\n{SMIME_LINE}.\r\n");
    let smime = tool(
        d,
        &home,
        "openssl",
        &[
            "cms",
            "-encrypt",
            "-aes-256-gcm",
            "-from",
            "ceo@example.test",
            "-to",
            "rae@example.test",
            "-subject",
            "Merger",
            "me.pem",
        ],
        entity.as_bytes(),
    );
    let mut smime_mail =
        b"Date: Fri, 04 Dec 2026 12:00:00 +0000\r\nMessage-ID: <smime@example.test>\r\n".to_vec();
    smime_mail.extend_from_slice(&smime);
    deliver(&maildir, "2.smime", &smime_mail);

    let config = d.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[account]]\nname = \"local\"\nmaildir = \"{}\"\n\n[crypto]\ngnupg_home = \"{}\"\nsmime_certificate = \"{}\"\nsmime_key = \"{}\"\nsmime_system_roots = false\n",
            maildir.display(),
            home.display(),
            d.join("me.pem").display(),
            d.join("me.key").display(),
        ),
    )
    .unwrap();
    let script = d.join("crypto.script");
    std::fs::write(
        &script,
        "size 100x30\nwait idle\nkey enter\nwait text \"merger terms\" timeout 30\nwait text \"AES-256-GCM\" timeout 5\nkey q\nkey j\nkey enter\nwait text \"Rotterdam\" timeout 30\nwait text \"verified\" timeout 5\nkey q\n",
    )
    .unwrap();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_sealmail"))
        .arg("script")
        .arg(&script)
        .arg("--config")
        .arg(&config)
        .arg("--out")
        .arg(d.join("out"))
        .current_dir(d)
        .env("XDG_CONFIG_HOME", d.join("xdg-config"))
        .env("XDG_STATE_HOME", d.join("state"))
        .env("XDG_CACHE_HOME", d.join("cache"))
        .env("SEALMAIL_LOG", "debug")
        .kill_on_drop(true)
        .output()
        .await
        .expect("sealmail script runs");
    let _ = Command::new("gpgconf")
        .args(["--kill", "gpg-agent"])
        .env("GNUPGHOME", &home)
        .status();
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let log = d.join("state/sealmail/sealmail.log");
    assert!(log.exists(), "the debug log was written");
    let mut files = crate::harness::all_files_written_since(d, started);
    files.extend(crate::harness::files_written_since(
        &std::env::temp_dir(),
        started,
        &[d],
    ));
    assert!(files.contains(&log), "the scan covers the log");
    files.retain(|f| f != &script);
    let hits = crate::harness::scan(
        &files,
        &[
            ("OpenPGP plaintext", PGP_LINE.as_bytes()),
            ("S/MIME plaintext", SMIME_LINE.as_bytes()),
        ],
    );
    assert!(hits.is_empty(), "decrypted text on disk: {hits:?}");
}
