//! The inline flow end to end, as a tester scripts it: a message sealed with `sealmail seal`
//! and submitted over SMTP to a real Postfix, delivered into a real Dovecot, opened by the
//! reader over IMAPS; the portal mails a passcode through the same Postfix, the reader picks
//! it up from the inbox, and the decrypted message is on screen. Afterwards nothing sealmail
//! wrote holds the plaintext.

use std::time::Duration;

use crate::common::{Options, PortalProc, SENDER_TOKEN, inner_message, mail_stack, sealmail_bin};
use crate::runs::{describe, imap_args, run_script, scripts_dir};

/// Every file below `dir`, with its bytes.
fn files_below(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_below(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path, bytes));
        }
    }
    out
}

#[tokio::test]
async fn sealed_message_is_read_inline_with_the_passcode_from_the_inbox() {
    let (dovecot, postfix) = mail_stack().await;
    let portal = PortalProc::start(Options::mail_via(&postfix)).await;
    let marker = "zq-inline-7f3a";
    let inner = inner_message("alice@example.test", marker);
    // Seal and submit over SMTP to Postfix, which delivers into Dovecot.
    let mut seal = tokio::process::Command::new(sealmail_bin());
    seal.args(["seal", "--portal", &portal.origin, "--smtp", &postfix.smtp_url(), "--ca-file"])
        .arg(postfix.ca_pem())
        .env("SEALMAIL_SENDER_TOKEN", SENDER_TOKEN)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = seal.spawn().expect("sealmail seal runs");
    tokio::io::AsyncWriteExt::write_all(child.stdin.as_mut().unwrap(), &inner).await.unwrap();
    drop(child.stdin.take());
    let sealed = child.wait_with_output().await.unwrap();
    assert!(sealed.status.success(), "seal: {}", String::from_utf8_lossy(&sealed.stderr));
    dovecot.wait_for_messages("alice", 1, Duration::from_secs(20)).await;

    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("out");
    let output = run_script(&scripts_dir().join("sealed.script"), &scripts_dir(), &out, &imap_args(&dovecot)).await;
    assert_eq!(output.status.code(), Some(0), "{}\nportal log:\n{}", describe(&output), portal.log());

    // The trust file holds the origin and nothing else; no file sealmail wrote holds the
    // plaintext (the XDG dirs the script ran with, and its output folder hold only screens).
    let state = out.join("state");
    let trust: Vec<_> = files_below(&state);
    assert!(
        trust.iter().any(|(_, bytes)| String::from_utf8_lossy(bytes).trim() == portal.origin),
        "the trust file holds the portal's origin: {trust:?}"
    );
    for (path, bytes) in files_below(&state).into_iter().chain(files_below(&out.join("config"))) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(marker), "{} holds the plaintext", path.display());
    }
    // The expected screen is the decrypted message: the marker is on it, and only there.
    let screen = std::fs::read_to_string(scripts_dir().join("sealed-decrypted.txt")).unwrap();
    assert!(screen.contains(marker), "{screen}");
}
