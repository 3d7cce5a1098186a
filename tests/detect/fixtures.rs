//! The sample messages and their expected answers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The expected answer for one sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub vendor: Option<String>,
    pub verdict: Option<String>,
}

pub fn portal_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/portal")
}

/// The corpus (copied from the shared samples) and our adversarial set.
pub fn sets() -> Vec<PathBuf> {
    vec![portal_dir(), portal_dir().join("adversarial")]
}

/// (file path, expected) for every sample of a set, checking that the directory's `.eml`
/// files and `expected.json` list the same samples.
pub fn samples(dir: &Path) -> Vec<(PathBuf, Expected)> {
    let text = std::fs::read_to_string(dir.join("expected.json")).expect("expected.json");
    let json: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(&text).expect("expected.json is a JSON object");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .expect("fixture dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".eml"))
        .collect();
    on_disk.sort();
    let listed: Vec<String> = json.keys().cloned().collect();
    assert_eq!(
        on_disk, listed,
        "samples and expected.json disagree in {dir:?}"
    );
    assert!(!listed.is_empty());
    json.into_iter()
        .map(|(name, v)| {
            let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
            (
                dir.join(&name),
                Expected {
                    vendor: s("vendor"),
                    verdict: s("verdict"),
                },
            )
        })
        .collect()
}

pub fn all_samples() -> Vec<(PathBuf, Expected)> {
    sets().iter().flat_map(|d| samples(d)).collect()
}

/// Runs `program` with `args` in `dir`, `GNUPGHOME` set to `gnupg_home`, and `input` on stdin:
/// its stdout. Fails the test (with the tool's stderr) when it fails or is not installed.
pub fn run_tool(
    dir: &Path,
    gnupg_home: &Path,
    program: &str,
    args: &[&str],
    input: &[u8],
) -> Vec<u8> {
    use std::process::{Command, Stdio};
    let mut child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("GNUPGHOME", gnupg_home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("{program} must be installed (scripts/install-test-deps.sh): {e}")
        });
    let mut stdin = child.stdin.take().expect("stdin");
    std::io::Write::write_all(&mut stdin, input).expect("write stdin");
    drop(stdin);
    let out = child.wait_with_output().expect("the tool ends");
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The text the pane shows of an opened S/MIME or OpenPGP message, one line per line.
pub fn body_text(opened: &sealmail::crypto::open::Opened) -> String {
    opened
        .view
        .body
        .iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The verdict of the one signature an opened message has (fails when it has not one).
pub fn only_signature(
    opened: &sealmail::crypto::open::Opened,
) -> &sealmail::crypto::verdict::SignatureStatus {
    match &opened.report.signatures[..] {
        [one] => &one.status,
        other => panic!("one signature expected, got {other:?}"),
    }
}
