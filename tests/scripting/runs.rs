//! Runs `sealmail script` as a tester would, and checks its exit status and output.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use crate::support::{Dovecot, DovecotOptions};

const CLOCK: &str = "2026-11-24T10:00:00Z";

pub fn scripts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts")
}

pub fn imap_args(dovecot: &Dovecot) -> Vec<String> {
    vec![
        "--imap".into(),
        dovecot.imaps_url(),
        "--user".into(),
        "alice".into(),
        "--password-command".into(),
        "printf %s alicepass".into(),
        "--ca-file".into(),
        dovecot.ca_pem().display().to_string(),
    ]
}

pub async fn run_script(
    script: &Path,
    expected: &Path,
    out: &Path,
    source_args: &[String],
) -> Output {
    for dir in ["tmp", "work"] {
        std::fs::create_dir_all(out.join(dir)).unwrap();
    }
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_sealmail"));
    cmd.arg("script")
        .arg(script)
        .arg("--out")
        .arg(out)
        .arg("--expected")
        .arg(expected)
        .arg("--clock")
        .arg(CLOCK)
        .args(source_args)
        .args(std::env::var_os("SEALMAIL_UPDATE_SCRIPTS").map(|_| "--update"))
        .env("XDG_CONFIG_HOME", out.join("config"))
        .env("XDG_STATE_HOME", out.join("state"))
        .env("XDG_CACHE_HOME", out.join("cache"))
        .env("TMPDIR", out.join("tmp"))
        .env("SEALMAIL_LOG", "debug")
        .arg("--log-file")
        .arg(out.join("sealmail.log"))
        .current_dir(out.join("work"))
        .kill_on_drop(true);
    tokio::time::timeout(Duration::from_secs(120), cmd.output())
        .await
        .expect("the script finished in time")
        .expect("sealmail runs")
}

pub fn describe(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn late_arrival() -> Vec<u8> {
    b"From: Late Sender <late@example.test>\r\nTo: alice@example.test\r\nSubject: Late arrival\r\n\
Date: Tue, 24 Nov 2026 09:59:00 +0000\r\nMessage-ID: <late@example.test>\r\n\r\nArrived while the reader was open.\r\n"
        .to_vec()
}

#[tokio::test]
async fn reader_script_passes_against_dovecot() {
    let dovecot = Dovecot::start(DovecotOptions::default()).await;
    dovecot.populate("alice", 40);
    let out = tempfile::tempdir().unwrap();
    let args = imap_args(&dovecot);
    let dir = scripts_dir();
    let script = dir.join("reader.script");
    let run = run_script(&script, &dir, out.path(), &args);
    // New mail arrives while the script waits for it (IDLE pushes it to the reader).
    let deliver = async {
        tokio::time::sleep(Duration::from_secs(2)).await;
        dovecot.deliver("alice", &late_arrival()).await;
    };
    let (output, ()) = tokio::join!(run, deliver);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let filtered = std::fs::read_to_string(out.path().join("reader-filtered.txt")).unwrap();
    assert!(filtered.contains("Filter: invoice"), "{filtered}");
    // The header cache was kept, with the list rows and nothing of the message read: its
    // subject is there, its body is not.
    let kept = cache_files(&out.path().join("cache"));
    assert_eq!(kept.len(), 1, "one folder kept: {kept:?}");
    let bytes = std::fs::read(&kept[0]).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("Build failed: main #42350"),
        "the rows are kept"
    );
    let message = std::fs::read_to_string(dir.join("reader-message.txt")).unwrap();
    let body_line = message
        .lines()
        .find(|l| l.starts_with("Could more like meeting"))
        .expect("the body on the screen");
    for words in body_line.split_whitespace().collect::<Vec<_>>().windows(4) {
        let words = words.join(" ");
        assert!(!text.contains(&words), "the cache holds body text: {words}");
    }
}

/// The header cache's files below a cache home.
pub fn cache_files(cache_home: &Path) -> Vec<PathBuf> {
    let headers = cache_home.join("sealmail").join("headers");
    let mut out = Vec::new();
    for account in std::fs::read_dir(&headers).into_iter().flatten().flatten() {
        for file in std::fs::read_dir(account.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            out.push(file.path());
        }
    }
    out
}

#[tokio::test]
async fn demo_script_passes_without_a_server() {
    let out = tempfile::tempdir().unwrap();
    let output = run_script(
        &scripts_dir().join("demo.script"),
        &scripts_dir(),
        out.path(),
        &["--demo".into()],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
}

/// The demo's S/MIME mail opens in the pane with its banner: decrypted with the demo user's
/// certificate, the signatures checked against the demo root.
#[tokio::test]
async fn demo_smime_script_shows_the_messages_opened() {
    let out = tempfile::tempdir().unwrap();
    let output = run_script(
        &scripts_dir().join("demo-smime.script"),
        &scripts_dir(),
        out.path(),
        &["--demo".into()],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let opened = std::fs::read_to_string(scripts_dir().join("demo-smime.txt")).unwrap();
    assert!(opened.contains("AES-256-GCM"), "{opened}");
    assert!(
        opened.contains("signed by priya@devteam.example, verified"),
        "{opened}"
    );
    assert!(
        opened.contains("password: (demo only) plum-harbour-47"),
        "{opened}"
    );
    let other = std::fs::read_to_string(scripts_dir().join("demo-smime-not-sender.txt")).unwrap();
    assert!(
        other.contains("signed, but by priya@devteam.example, not the sender"),
        "{other}"
    );
}

/// The demo's Maildir searched with the whole language: a non-ASCII name, a mark, nesting.
#[tokio::test]
async fn demo_search_script_finds_and_returns() {
    let out = tempfile::tempdir().unwrap();
    let output = run_script(
        &scripts_dir().join("demo-search.script"),
        &scripts_dir(),
        out.path(),
        &["--demo".into()],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    // The screen equals the expected one (`expect`): what it shows is checked here.
    let found = std::fs::read_to_string(scripts_dir().join("demo-search.txt")).unwrap();
    assert!(found.contains("Übersicht für März"), "{found}");
    assert!(found.contains("Q1 numbers"), "{found}");
    assert!(!found.contains("Screenshot of the layout bug"), "{found}");
    assert!(!found.contains("Welcome to sealmail"), "{found}");
}

/// The demo's Maildir threaded: the offsite conversation is one thread, collapsed with its
/// counts, and the folder flat again.
#[tokio::test]
async fn demo_threads_script_shows_the_offsite_conversation_as_one_thread() {
    let out = tempfile::tempdir().unwrap();
    let output = run_script(
        &scripts_dir().join("demo-threads.script"),
        &scripts_dir(),
        out.path(),
        &["--demo".into()],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let threaded = std::fs::read_to_string(scripts_dir().join("demo-threads.txt")).unwrap();
    assert!(threaded.contains("│ threads │"), "{threaded}");
    assert!(
        threaded.contains("└─>Re: Planning the spring offsite"),
        "{threaded}"
    );
    let collapsed =
        std::fs::read_to_string(scripts_dir().join("demo-threads-collapsed.txt")).unwrap();
    assert!(
        collapsed.contains("Planning the spring offsite"),
        "{collapsed}"
    );
    assert!(collapsed.contains("[+7, 1 new] Planning"), "{collapsed}");
    assert!(collapsed.contains("8 of 39 match │ threads"), "{collapsed}");
    let offsite = std::fs::read_to_string(scripts_dir().join("demo-threads-offsite.txt")).unwrap();
    assert_eq!(
        offsite.matches("Planning the spring").count(),
        8,
        "{offsite}"
    );
}

#[tokio::test]
async fn a_mismatched_expect_exits_1_with_a_diff_naming_the_lines() {
    let dir = tempfile::tempdir().unwrap();
    let expected = dir.path().join("expected");
    std::fs::create_dir_all(&expected).unwrap();
    let real = std::fs::read_to_string(scripts_dir().join("demo-welcome.txt")).unwrap();
    let altered = real.replacen("Welcome to sealmail", "Welcome to something else", 1);
    assert_ne!(real, altered);
    std::fs::write(expected.join("demo-welcome.txt"), &altered).unwrap();
    let script = dir.path().join("mismatch.script");
    std::fs::write(
        &script,
        std::fs::read_to_string(scripts_dir().join("demo.script")).unwrap(),
    )
    .unwrap();
    let out = dir.path().join("out");
    let output = run_script(&script, &expected, &out, &["--demo".into()]).await;
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("expect demo-welcome"), "{stdout}");
    assert!(
        stdout.contains("- line   1:") && stdout.contains("Welcome to something else"),
        "{stdout}"
    );
    assert!(
        stdout.contains("+ line   1:") && stdout.contains("Welcome to sealmail"),
        "{stdout}"
    );
    // The actual screen is kept for review.
    assert_eq!(
        std::fs::read_to_string(out.join("demo-welcome.txt")).unwrap(),
        real
    );
}

#[tokio::test]
async fn a_wait_that_times_out_exits_2_naming_the_step_and_the_screen() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("timeout.script");
    std::fs::write(
        &script,
        "size 80x24\nwait idle\nwait text \"never on screen\" timeout 0.5\nsnapshot unreachable\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let output = run_script(&script, dir.path(), &out, &["--demo".into()]).await;
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr
            .contains("line 3: `wait text \"never on screen\" timeout 0.5` timed out after 0.5 s"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the screen showed:") && stderr.contains("Welcome to sealmail"),
        "{stderr}"
    );
    assert!(!out.join("unreachable.txt").exists());
}

#[tokio::test]
async fn an_unknown_step_exits_2_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("bad.script");
    std::fs::write(
        &script,
        "size 80x24\n\nsnapshot first\nfrobnicate the inbox\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let output = run_script(&script, dir.path(), &out, &["--demo".into()]).await;
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("line 4: unknown step \"frobnicate\""),
        "{stderr}"
    );
    assert!(
        !out.join("first.txt").exists(),
        "nothing runs before the script is known to be valid"
    );
}

#[tokio::test]
async fn secrets_typed_from_the_environment_never_reach_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("secret.script");
    std::fs::write(
        &script,
        "size 80x24\nwait idle\nkey /\ntype-env SEALMAIL_TEST_SECRET\nsnapshot after\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_sealmail"));
    cmd.args(["script", "--demo", "--clock", CLOCK, "--out"])
        .arg(&out)
        .arg(&script);
    cmd.env("SEALMAIL_TEST_SECRET", "zz-9")
        .env("XDG_STATE_HOME", dir.path().join("state"));
    let output = cmd.output().await.unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(!String::from_utf8_lossy(&output.stdout).contains("zz-9"));
    assert!(!String::from_utf8_lossy(&output.stderr).contains("zz-9"));
    let after = std::fs::read_to_string(out.join("after.txt")).unwrap();
    assert!(after.contains("Filter: ••••"), "{after}");
    assert!(!after.contains("zz-9"), "{after}");
}

#[tokio::test]
async fn demo_shows_the_whole_sealed_flow_with_nothing_installed() {
    let out = tempfile::tempdir().unwrap();
    let output = run_script(
        &scripts_dir().join("demo-sealed.script"),
        &scripts_dir(),
        out.path(),
        &["--demo".into()],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
}
