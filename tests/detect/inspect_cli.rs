//! `sealmail inspect`: exit codes, unreadable input, and a sanitised text form.

use std::process::Command;

use super::fixtures::portal_dir;

fn run(args: &[&std::ffi::OsStr]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sealmail"))
        .arg("inspect")
        .args(args)
        .output()
        .expect("run sealmail inspect");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn unreadable_input_exits_2_and_still_reports_the_readable_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("missing.eml");
    let empty = dir.path().join("empty.eml");
    std::fs::write(&empty, b"").expect("write");
    let good = portal_dir().join("zix.eml");
    let (code, stdout, stderr) = run(&[
        "--json".as_ref(),
        missing.as_os_str(),
        good.as_os_str(),
        empty.as_os_str(),
    ]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("cannot read") && stderr.contains("missing.eml"),
        "{stderr}"
    );
    assert!(
        stderr.contains("empty.eml") && stderr.contains("not a mail message"),
        "{stderr}"
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    let v: serde_json::Value = serde_json::from_str(lines[0]).expect("json");
    assert_eq!(v["vendor"], "zix");
}

#[test]
fn suspicious_and_plain_mail_exit_0() {
    let files = [
        portal_dir().join("phish-proofpoint.eml"),
        portal_dir().join("not-newsletter.eml"),
    ];
    let (code, stdout, _) = run(&[files[0].as_os_str(), files[1].as_os_str()]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("Proofpoint Encryption (proofpoint), suspicious"),
        "{stdout}"
    );
    assert!(stdout.contains("  warning: "), "{stdout}");
    assert!(
        stdout.contains("not-newsletter.eml: not portal mail"),
        "{stdout}"
    );
}

#[test]
fn text_form_gives_the_advice_for_genuine_mail() {
    let rms = portal_dir().join("rms-outlook-only.eml");
    let (code, stdout, _) = run(&[rms.as_os_str()]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("Only Microsoft Outlook or Outlook on the web can open this message"),
        "{stdout}"
    );
}

#[test]
fn text_form_is_sanitised() {
    // A Voltage-like attachment whose file name carries terminal escape sequences.
    let dir = tempfile::tempdir().expect("temp dir");
    let name = dir.path().join("hostile\u{1b}[2J.eml");
    let msg = "From: x <x@hostile.example>\r\nTo: alice@example.net\r\nSubject: s\r\n\
Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/html\r\n\
Content-Disposition: attachment; filename=\"evil\u{1b}]52;c;ZXZpbA==\u{7}.html\"\r\n\r\n\
<form action='https://collect\u{1b}[31m.example/'><input name=ZFRdata value=x></form>\r\n--B--\r\n";
    std::fs::write(&name, msg).expect("write");
    let (code, stdout, _) = run(&[name.as_os_str()]);
    assert_eq!(code, 0);
    assert!(stdout.contains("voltage"), "{stdout}");
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\u{7}'),
        "{stdout:?}"
    );
    let (_, json, _) = run(&["--json".as_ref(), name.as_os_str()]);
    assert!(
        !json.contains('\u{1b}'),
        "JSON escapes control characters: {json:?}"
    );
}
