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
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
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
    seal.args([
        "seal",
        "--portal",
        &portal.origin,
        "--smtp",
        &postfix.smtp_url(),
        "--ca-file",
    ])
    .arg(postfix.ca_pem())
    .env("SEALMAIL_SENDER_TOKEN", SENDER_TOKEN)
    .stdin(std::process::Stdio::piped())
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped());
    let mut child = seal.spawn().expect("sealmail seal runs");
    tokio::io::AsyncWriteExt::write_all(child.stdin.as_mut().unwrap(), &inner)
        .await
        .unwrap();
    drop(child.stdin.take());
    let sealed = child.wait_with_output().await.unwrap();
    assert!(
        sealed.status.success(),
        "seal: {}",
        String::from_utf8_lossy(&sealed.stderr)
    );
    dovecot
        .wait_for_messages("alice", 1, Duration::from_secs(20))
        .await;

    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("out");
    let output = run_script(
        &scripts_dir().join("sealed.script"),
        &scripts_dir(),
        &out,
        &imap_args(&dovecot),
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}\nportal log:\n{}",
        describe(&output),
        portal.log()
    );

    // The trust file holds the origin and nothing else.
    let trust = files_below(&out.join("state"));
    assert!(
        trust
            .iter()
            .any(|(_, bytes)| String::from_utf8_lossy(bytes).trim() == portal.origin),
        "the trust file holds the portal's origin: {trust:?}"
    );
    // The secrets scan: the plaintext and the passcode are in no file sealmail wrote (its
    // config, state and cache dirs, its debug log, its working dir, its temp dir).
    let passcode = passcode_from_maildir(&dovecot);
    let written = files_below(&out);
    assert!(
        written.iter().any(|(p, _)| p.ends_with("sealmail.log")),
        "the debug log was written"
    );
    for (path, bytes) in &written {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.contains(marker),
            "{} holds the plaintext",
            path.display()
        );
        assert!(
            !text.contains(&passcode),
            "{} holds the passcode",
            path.display()
        );
    }
    // The header cache was kept (the scan above covered it): the sealed message's list row
    // only, nothing of what it holds.
    assert!(
        !crate::runs::cache_files(&out.join("cache")).is_empty(),
        "the folder was kept in the header cache"
    );
    // The expected screen is the decrypted message: the marker is on it, and only there.
    let screen = std::fs::read_to_string(scripts_dir().join("sealed-decrypted.txt")).unwrap();
    assert!(screen.contains(marker), "{screen}");
}

const DEVICE_SCRIPT: &str = r#"
size 100x40
key v
wait mail subject "Quarterly figures" timeout 30
key enter
wait text "T trusts this portal"
key T
wait text "How do you want to prove"
key j
key enter
wait text "and enter the code" timeout 20
snapshot device
wait text "decrypted after signing in" timeout 60
wait text "zq-device-51c0"
snapshot decrypted
"#;

/// The user code on a snapshot of the sign-in: the line after "and enter the code" (the
/// sealed pane shows the account sign-in's words).
fn user_code(screen: &str) -> Option<String> {
    let mut lines = screen.lines();
    lines.find(|l| l.contains("and enter the code"))?;
    lines.next()?.split_whitespace().next().map(str::to_owned)
}

#[tokio::test]
async fn sealed_message_is_read_inline_after_a_device_sign_in() {
    let (dovecot, postfix) = mail_stack().await;
    let idp = crate::support::Idp::start(crate::support::IdpOptions::default()).await;
    let mut options = Options::mail_via(&postfix);
    options.oidc = vec![(idp.issuer().to_owned(), "mailreader".to_owned())];
    let portal = PortalProc::start(options).await;
    let marker = "zq-device-51c0";
    let sealed = crate::common::seal_cli(
        &portal.origin,
        &inner_message("alice@example.test", marker),
        &[],
    )
    .await;
    dovecot.deliver("alice", &sealed).await;

    let home = tempfile::tempdir().unwrap();
    let script = home.path().join("device.script");
    std::fs::write(&script, DEVICE_SCRIPT).unwrap();
    let out = home.path().join("out");
    let args = imap_args(&dovecot);
    let run = run_script(&script, home.path(), &out, &args);
    // "The user on another device": read the code off the screen, approve it at the provider.
    let approve = async {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(code) = std::fs::read_to_string(out.join("device.txt"))
                .ok()
                .as_deref()
                .and_then(user_code)
            {
                idp.approve_device(&code, "alice")
                    .await
                    .expect("the provider accepts the approval");
                return code;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the device screen never showed a code"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let (output, code) = tokio::join!(run, approve);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}\nportal log:\n{}",
        describe(&output),
        portal.log()
    );
    let device = std::fs::read_to_string(out.join("device.txt")).unwrap();
    assert!(
        device.contains(&code) && device.contains("Sign in with"),
        "{device}"
    );
    // The decrypted text was on the virtual screen (the script waited for it); its snapshot
    // says why it holds nothing of it, and no file holds the plaintext.
    let decrypted = std::fs::read_to_string(out.join("decrypted.txt")).unwrap();
    assert_eq!(decrypted, sealmail::script::run::DECRYPTED_NOT_WRITTEN);
    for (path, bytes) in files_below(&out) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(marker),
            "{} holds the plaintext",
            path.display()
        );
    }
}

/// The passcode the portal mailed to alice (read from her Maildir, as a person would).
fn passcode_from_maildir(dovecot: &crate::support::Dovecot) -> String {
    for (_, bytes) in files_below(&dovecot.maildir("alice")) {
        let text = String::from_utf8_lossy(&bytes);
        if text.contains("Your one-time passcode to view the message")
            && let Some(code) = text
                .split(|c: char| !c.is_ascii_digit())
                .find(|w| w.len() == 8)
        {
            return code.to_owned();
        }
    }
    panic!("no passcode mail in alice's Maildir");
}
