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
