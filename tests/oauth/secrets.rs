//! The real binary signs in (`sealmail script`, logging at trace level) while the test plays
//! the user on another device; afterwards every file sealmail wrote is scanned for tokens.
//! Without persistence no token is anywhere; with the command pair the refresh token went
//! only through the commands, and the next run signs in from it without a prompt.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use crate::common::{Stack, address, stack};
use crate::support::IdpOptions;

const CLOCK: &str = "2026-11-24T10:00:00Z";

struct Run {
    dir: tempfile::TempDir,
}

impl Run {
    fn new(s: &Stack, extra: &str) -> Run {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config/sealmail");
        std::fs::create_dir_all(&config).unwrap();
        std::fs::write(
            config.join("config.toml"),
            format!(
                "[[account]]\nname = \"mail\"\nimap = \"{}\"\nuser = \"{}\"\nca_file = \"{}\"\nauth = \"oauth2\"\n\
                 [account.oauth2]\nprovider = \"custom\"\nclient_id = \"mailreader\"\nissuer = \"{}\"\n\
                 scopes = [\"openid\", \"email\", \"offline_access\"]\n{extra}",
                s.dovecot.imaps_url(),
                address("alice"),
                s.dovecot.ca_pem().display(),
                s.idp.issuer(),
            ),
        )
        .unwrap();
        Run { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `script`; when `approve` is set, approves the code the sign-in screen shows.
    async fn script(&self, s: &Stack, name: &str, script: &str, approve: bool) -> Output {
        let file = self.path(&format!("{name}.script"));
        std::fs::write(&file, script).unwrap();
        let out = self.path(&format!("out-{name}"));
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_sealmail"));
        cmd.arg("script")
            .arg(&file)
            .arg("--out")
            .arg(&out)
            .arg("--clock")
            .arg(CLOCK)
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_STATE_HOME", self.path("state"))
            .env("XDG_CACHE_HOME", self.path("cache"))
            .env("HOME", self.path("home"))
            .env("SEALMAIL_LOG", "trace")
            .kill_on_drop(true);
        let child = cmd.output();
        let approval = async {
            if approve {
                let code = wait_for_code(&out.join("signin.txt")).await;
                s.idp.approve_device(&code, "alice").await.unwrap();
            }
        };
        let (output, ()) = tokio::join!(
            async {
                tokio::time::timeout(Duration::from_secs(120), child)
                    .await
                    .expect("the script finished in time")
                    .expect("sealmail runs")
            },
            approval
        );
        output
    }

    /// Every file under the run's directory, except the ones the test wrote itself.
    fn files_sealmail_wrote(&self) -> Vec<PathBuf> {
        let mut files = Vec::new();
        walk(self.dir.path(), &mut files);
        files.retain(|f| {
            f.extension().is_none_or(|e| e != "script")
                && !f.ends_with("config/sealmail/config.toml")
                && !f.starts_with(self.path("vault"))
        });
        files
    }
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, files);
        } else {
            files.push(path);
        }
    }
}

/// The user code on the sign-in snapshot: the line after "and enter the code".
async fn wait_for_code(snapshot: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(text) = std::fs::read_to_string(snapshot) {
            let mut lines = text.lines();
            if lines.any(|l| l.contains("and enter the code")) {
                let line = lines.next().expect("a line after the prompt");
                return line
                    .trim_start_matches('│')
                    .split_whitespace()
                    .next()
                    .expect("the code")
                    .to_owned();
            }
        }
        assert!(Instant::now() < deadline, "no sign-in screen within 60 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn describe(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Every token-shaped string (20+ characters of base64url) in `files`.
fn token_candidates(files: &[PathBuf]) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for file in files {
        let bytes = std::fs::read(file).unwrap();
        for run in bytes.split(|b| !(b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')) {
            if run.len() >= 20 {
                found.insert(String::from_utf8_lossy(run).into_owned());
            }
        }
    }
    found
}

/// Asserts that no string in the files sealmail wrote is a live token at the IdP.
async fn assert_no_token_in(s: &Stack, run: &Run) {
    let files = run.files_sealmail_wrote();
    let log = run.path("state/sealmail/sealmail.log");
    assert!(
        files.contains(&log) && std::fs::metadata(&log).unwrap().len() > 0,
        "the trace log was written: {files:?}"
    );
    let candidates = token_candidates(&files);
    assert!(candidates.len() < 5000, "{} candidates", candidates.len());
    for candidate in &candidates {
        let answer = s.idp.introspect(candidate).await;
        assert_eq!(
            answer["active"], false,
            "a live token was written to a file: {answer}"
        );
    }
}

const SIGN_IN_AND_READ: &str = "size 80x24\nwait text \"and enter the code\" timeout 30\nsnapshot signin\nwait idle timeout 60\nsnapshot inbox\n";

#[tokio::test]
async fn without_persistence_no_token_reaches_any_file() {
    let s = stack(IdpOptions::default()).await;
    s.dovecot.populate("alice", 4);
    let run = Run::new(&s, "");
    let output = run.script(&s, "first", SIGN_IN_AND_READ, true).await;
    assert!(output.status.success(), "{}", describe(&output));
    let inbox = std::fs::read_to_string(run.path("out-first/inbox.txt")).unwrap();
    assert!(inbox.contains("4 messages"), "{inbox}");
    assert_no_token_in(&s, &run).await;
}

#[tokio::test]
async fn with_the_command_pair_the_token_goes_only_through_the_commands() {
    let s = stack(IdpOptions::default()).await;
    s.dovecot.populate("alice", 3);
    let vault = tempfile::tempdir().unwrap();
    let kept = vault.path().join("refresh-token");
    let run = Run::new(
        &s,
        &format!(
            "token_store_command = \"cat > '{0}'\"\ntoken_load_command = \"cat '{0}'\"\n",
            kept.display()
        ),
    );
    let output = run.script(&s, "first", SIGN_IN_AND_READ, true).await;
    assert!(output.status.success(), "{}", describe(&output));
    let refresh = std::fs::read_to_string(&kept).unwrap();
    let refresh = refresh.trim().to_owned();
    assert_eq!(
        s.idp.introspect(&refresh).await["active"],
        true,
        "the store command got the live refresh token"
    );
    // The scan would have found it: the candidates of the test's own file include it.
    assert!(token_candidates(std::slice::from_ref(&kept)).contains(&refresh));
    assert_no_token_in(&s, &run).await;
    for file in run.files_sealmail_wrote() {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        assert!(
            !text.contains(&refresh),
            "{} holds the refresh token",
            file.display()
        );
    }

    // The next run loads the token and reads the inbox without a sign-in.
    let output = run
        .script(
            &s,
            "second",
            "size 80x24\nwait idle timeout 60\nsnapshot inbox\n",
            false,
        )
        .await;
    assert!(output.status.success(), "{}", describe(&output));
    let inbox = std::fs::read_to_string(run.path("out-second/inbox.txt")).unwrap();
    assert!(inbox.contains("3 messages"), "{inbox}");
    assert!(!inbox.contains("Sign in with"), "{inbox}");
    assert_no_token_in(&s, &run).await;
}
