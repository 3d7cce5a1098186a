//! The opt-in metrics in a scripted session against a real Dovecot: the counters match what
//! happened (envelopes fetched, one reconnect after the server restarted), the OpenMetrics file
//! parses with an independent parser, and nothing in it names a person, a folder or a host.
//! With metrics off the panel key does nothing and no metrics file appears.

use std::time::Duration;

use crate::runs::{describe, imap_args, run_script};
use crate::support::{Dovecot, DovecotOptions};

const METRICS_SCRIPT: &str = r#"
size 100x30
wait idle timeout 30
key m
wait text "Metrics"
snapshot panel
wait text "reconnects 1" timeout 60
wait idle timeout 30
snapshot after-reconnect
"#;

/// Parses the file with prometheus_client's OpenMetrics parser; prints `name value` lines.
const PARSE: &str = r#"
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
for family in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in family.samples:
        labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
        print(f"{s.name}{{{labels}}} {s.value}")
"#;

#[tokio::test]
async fn metrics_count_what_happened_and_the_file_parses() {
    let mut dovecot = Dovecot::start(DovecotOptions::default()).await;
    dovecot.populate("alice", 500);
    let home = tempfile::tempdir().unwrap();
    let script = home.path().join("metrics.script");
    std::fs::write(&script, METRICS_SCRIPT).unwrap();
    let out = home.path().join("out");
    let metrics_file = home.path().join("metrics.txt");
    let mut args = imap_args(&dovecot);
    args.extend([
        "--metrics".into(),
        "--metrics-file".into(),
        metrics_file.display().to_string(),
    ]);
    let run = run_script(&script, home.path(), &out, &args);
    // Once the panel is on screen, the server goes away and comes back: one reconnect.
    let restart = async {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while !out.join("panel.txt").exists() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the panel never showed"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        dovecot.restart().await;
    };
    let (output, ()) = tokio::join!(run, restart);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let panel = std::fs::read_to_string(out.join("panel.txt")).unwrap();
    assert!(
        panel.contains("500 envelopes") && panel.contains("reconnects 0"),
        "{panel}"
    );

    let text =
        std::fs::read_to_string(&metrics_file).expect("the metrics file was written on exit");
    let parsed = std::process::Command::new("python3")
        .arg("-c")
        .arg(PARSE)
        .arg(&metrics_file)
        .output()
        .unwrap();
    assert!(
        parsed.status.success(),
        "the OpenMetrics file does not parse: {}\n{text}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    let samples = String::from_utf8_lossy(&parsed.stdout).to_string();
    let value = |name: &str| -> f64 {
        samples
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}{{}} ")))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in:\n{samples}"))
    };
    assert_eq!(value("sealmail_imap_envelopes_total"), 500.0, "{samples}");
    assert_eq!(value("sealmail_imap_reconnects_total"), 1.0, "{samples}");
    assert!(
        value("sealmail_imap_command_seconds_count") > 0.0,
        "{samples}"
    );
    assert!(
        value("sealmail_imap_received_bytes_total") > 0.0,
        "{samples}"
    );
    assert!(value("sealmail_frames_total") >= 0.0, "{samples}");
    // Privacy: no address, user, host, folder or subject anywhere in the figures.
    for needle in [
        "alice",
        "example",
        "127.0.0.1",
        "INBOX",
        &dovecot.imaps_port().to_string(),
    ] {
        assert!(
            !text.contains(needle),
            "the metrics name {needle:?}:\n{text}"
        );
    }
}

#[tokio::test]
async fn without_metrics_the_panel_key_does_nothing_and_no_file_is_written() {
    let home = tempfile::tempdir().unwrap();
    let script = home.path().join("off.script");
    std::fs::write(
        &script,
        "size 80x24\nwait idle\nsnapshot before\nkey m\nsnapshot after\n",
    )
    .unwrap();
    let out = home.path().join("out");
    let output = run_script(&script, home.path(), &out, &["--demo".into()]).await;
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let before = std::fs::read_to_string(out.join("before.txt")).unwrap();
    let after = std::fs::read_to_string(out.join("after.txt")).unwrap();
    assert_eq!(
        before, after,
        "the panel key changed the screen with metrics off"
    );
    assert!(!after.contains("Metrics"));
    let mut written: Vec<String> = Vec::new();
    let mut stack = vec![out.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            if entry.path().is_dir() {
                stack.push(entry.path());
            } else {
                written.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
    }
    written.sort();
    assert_eq!(
        written,
        ["after.txt", "before.txt", "sealmail.log"],
        "files written with metrics off"
    );
}
