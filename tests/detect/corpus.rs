//! `sealmail inspect --json` on every sample gives the expected vendor and verdict, in exactly
//! the documented shape; the library agrees with the binary.

use std::process::Command;

use sealmail::detect::{self, Vendor};

use super::fixtures::{Expected, all_samples, portal_dir, samples, sets};

const KEYS: [&str; 9] = [
    "file",
    "portal",
    "vendor",
    "verdict",
    "readable_inline",
    "links",
    "signals",
    "protection",
    "scheme",
];

fn inspect_json(files: &[std::path::PathBuf]) -> (i32, Vec<serde_json::Value>, Vec<String>) {
    let out = Command::new(env!("CARGO_BIN_EXE_sealmail"))
        .arg("inspect")
        .arg("--json")
        .args(files)
        .output()
        .expect("run sealmail inspect");
    let stdout = String::from_utf8(out.stdout).expect("utf-8 output");
    let raw_lines: Vec<String> = stdout.lines().map(str::to_owned).collect();
    let values = raw_lines
        .iter()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect();
    (out.status.code().unwrap_or(-1), values, raw_lines)
}

fn check_set(dir: &std::path::Path) {
    let samples = samples(dir);
    let files: Vec<_> = samples.iter().map(|(p, _)| p.clone()).collect();
    let (code, results, lines) = inspect_json(&files);
    assert_eq!(code, 0, "inspect exits 0 whatever the classification");
    assert_eq!(results.len(), samples.len(), "one result per file");
    let mut failures = Vec::new();
    for (((path, expected), got), line) in samples.iter().zip(&results).zip(&lines) {
        // Exactly the documented keys, in the documented order.
        let obj = got.as_object().expect("object");
        let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        let mut sorted_expected = KEYS.to_vec();
        sorted_expected.sort();
        let mut sorted_keys = keys.clone();
        sorted_keys.sort();
        assert_eq!(sorted_keys, sorted_expected, "keys of {line}");
        let positions: Vec<usize> = KEYS
            .iter()
            .map(|k| line.find(&format!("\"{k}\":")).expect("key present"))
            .collect();
        assert!(
            positions.windows(2).all(|w| w[0] < w[1]),
            "key order in {line}"
        );

        assert_eq!(got["file"], path.to_string_lossy().as_ref());
        let vendor = got["vendor"].as_str().map(str::to_owned);
        let verdict = got["verdict"].as_str().map(str::to_owned);
        let answer = Expected {
            vendor: vendor.clone(),
            verdict: verdict.clone(),
        };
        if &answer != expected {
            failures.push(format!(
                "{}: got {answer:?}, expected {expected:?}; signals {}",
                path.display(),
                got["signals"]
            ));
        }
        assert_eq!(
            got["portal"],
            vendor.is_some(),
            "portal iff a vendor: {line}"
        );
        assert_eq!(got["verdict"].is_null(), vendor.is_none(), "{line}");
        let inline = vendor.as_deref() == Some("sealed") && verdict.as_deref() == Some("genuine");
        assert_eq!(got["readable_inline"], inline, "{line}");
        if let Some(v) = &vendor {
            assert!(Vendor::from_id(v).is_some(), "unknown vendor id {v}");
            assert!(
                !got["signals"].as_array().expect("array").is_empty(),
                "portal mail says what was seen: {line}"
            );
        } else {
            assert_eq!(got["links"], serde_json::json!([]), "{line}");
        }
        if verdict.as_deref() == Some("suspicious") {
            let warned = got["signals"]
                .as_array()
                .expect("array")
                .iter()
                .any(|s| s.as_str().is_some_and(|s| s.starts_with("warning: ")));
            assert!(warned, "a suspicious result carries its reason: {line}");
        }
    }
    assert!(
        failures.is_empty(),
        "misclassified:\n{}",
        failures.join("\n")
    );
}

#[test]
fn inspect_classifies_the_shared_corpus_as_expected() {
    check_set(&portal_dir());
}

#[test]
fn inspect_classifies_the_adversarial_samples_as_expected() {
    check_set(&portal_dir().join("adversarial"));
}

#[test]
fn the_library_agrees_with_the_binary() {
    for (path, expected) in all_samples() {
        let raw = std::fs::read(&path).expect("read sample");
        let c = detect::classify(&raw);
        assert_eq!(
            c.vendor.map(|v| v.as_str().to_owned()),
            expected.vendor,
            "{}",
            path.display()
        );
        assert_eq!(
            c.verdict.map(|v| v.as_str().to_owned()),
            expected.verdict,
            "{}",
            path.display()
        );
        assert_eq!(
            c.reason.is_some(),
            expected.verdict.as_deref() == Some("suspicious")
        );
    }
}

#[test]
fn genuine_link_portals_list_their_portal_link_on_the_vendor_domain() {
    let cases = [
        ("ome-purview.eml", "office365.com"),
        ("zix.eml", "zixmail.net"),
        ("virtru.eml", "virtru.com"),
        ("mimecast.eml", "mimecast.com"),
        ("egress.eml", "egress.com"),
        ("proton.eml", "proton.me"),
        ("gmail-confidential.eml", "google.com"),
        ("ome-legacy.eml", "outlook.com"),
        ("cisco-cres.eml", "cisco.com"),
        ("trendmicro.eml", "trendmicro.com"),
    ];
    for (file, domain) in cases {
        let raw = std::fs::read(portal_dir().join(file)).expect("sample");
        let c = detect::classify(&raw);
        assert!(!c.links.is_empty(), "{file} lists its portal link");
        for l in &c.links {
            let host = url::Url::parse(l)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_default();
            assert_eq!(
                detect::registrable(&host).as_deref(),
                Some(domain),
                "{file}: {l}"
            );
        }
    }
    let rms = detect::classify(
        &std::fs::read(portal_dir().join("rms-outlook-only.eml")).expect("sample"),
    );
    assert!(
        rms.links.is_empty(),
        "rights-managed mail has no portal link"
    );
}

#[test]
fn signals_hold_no_message_content() {
    // Recipient addresses and subjects are message content; hosts and file names are not.
    for (path, _) in all_samples() {
        let raw = std::fs::read(&path).expect("sample");
        let c = detect::classify(&raw);
        let subject = mail_parser::MessageParser::default()
            .parse(&raw)
            .and_then(|m| m.subject().map(str::to_owned))
            .unwrap_or_default();
        for s in &c.signals {
            assert!(!s.contains("alice@example.net"), "{}: {s}", path.display());
            assert!(
                subject.len() < 8 || !s.contains(&subject),
                "{}: {s}",
                path.display()
            );
        }
    }
}

#[test]
fn every_set_is_non_trivial() {
    for dir in sets() {
        let s = samples(&dir);
        assert!(
            s.iter()
                .any(|(_, e)| e.verdict.as_deref() == Some("genuine"))
                || dir.ends_with("adversarial")
        );
        assert!(
            s.iter()
                .any(|(_, e)| e.verdict.as_deref() == Some("suspicious"))
        );
        assert!(s.iter().any(|(_, e)| e.vendor.is_none()));
    }
}
