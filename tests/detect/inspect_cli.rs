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
    // In JSON every file has its line, in order: an error object for the ones without a result.
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(lines[0]["file"].as_str().unwrap().ends_with("missing.eml"));
    assert!(lines[0]["error"].as_str().unwrap().contains("cannot read"));
    assert_eq!(lines[1]["vendor"], "zix");
    assert!(lines[1].get("error").is_none());
    assert!(lines[2]["file"].as_str().unwrap().ends_with("empty.eml"));
    assert!(
        lines[2]["error"]
            .as_str()
            .unwrap()
            .contains("not a mail message")
    );
}

#[test]
fn every_file_is_inspected_after_one_that_is_not_a_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let empty = dir.path().join("empty.eml");
    std::fs::write(&empty, b"").expect("write");
    let good = portal_dir().join("zix.eml");
    let other = portal_dir().join("proofpoint.eml");
    for json in [false, true] {
        let mut args: Vec<&std::ffi::OsStr> = Vec::new();
        if json {
            args.push("--json".as_ref());
        }
        args.extend([
            good.as_os_str(),
            empty.as_os_str(),
            dir.path().as_os_str(),
            other.as_os_str(),
        ]);
        let (code, stdout, stderr) = run(&args);
        assert_eq!(code, 2, "{stdout}{stderr}");
        assert!(stdout.contains("zix"), "{stdout}");
        assert!(
            stdout.contains("proofpoint"),
            "the file after the errors: {stdout}"
        );
        assert!(
            stderr.contains("empty.eml") && stderr.contains("not a mail message"),
            "{stderr}"
        );
        if json {
            assert_eq!(stdout.lines().count(), 4, "{stdout}");
        }
    }
}

#[test]
fn json_escapes_c1_controls_bidi_and_invisible_characters() {
    let dir = tempfile::tempdir().expect("temp dir");
    let name = dir.path().join("c1.eml");
    // A Voltage-like wrapper whose attachment name and link carry 8-bit CSI/OSC/ST, a bidi
    // override and an invisible filler.
    let msg = "From: x <x@hostile.example>\r\nTo: alice@example.net\r\nSubject: s\r\n\
Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/html; charset=utf-8\r\n\
Content-Disposition: attachment; filename=\"evil\u{9b}2J\u{9d}0;x\u{9c}\u{202e}lmth.exe\u{3164}.html\"\r\n\r\n\
<a href='https://collect.example/\u{9b}31m\u{2067}x'>x</a>\
<form action='https://collect.example/'><input name=ZFRdata value=x></form>\r\n--B--\r\n";
    std::fs::write(&name, msg).expect("write");
    let (code, json, _) = run(&["--json".as_ref(), name.as_os_str()]);
    assert_eq!(code, 0);
    for c in [
        '\u{9b}', '\u{9d}', '\u{9c}', '\u{202e}', '\u{2067}', '\u{3164}',
    ] {
        assert!(!json.contains(c), "{c:?} reached stdout raw: {json:?}");
    }
    let v: serde_json::Value = serde_json::from_str(json.trim()).expect("valid JSON");
    // The characters were there (the reader gets them back from the escapes), not dropped.
    let all = v.to_string();
    assert!(all.contains('\u{9b}') && all.contains('\u{202e}'), "{all}");
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
