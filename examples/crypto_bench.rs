//! Opening a 10 MB OpenPGP or S/MIME message (not part of the test run; see
//! docs/performance.md, "Opening S/MIME and OpenPGP mail"): the time from the raw message to
//! what the pane shows (`LoadedMessage::from_raw`, then `crypto::open::open`: MIME parsing,
//! decrypting and verifying, the inner message parsed), beside `gpg --decrypt` (respectively
//! `openssl cms -decrypt`) alone on the same message, in the same run. A private GnuPG home
//! and a test certificate are made for the run and removed after it.
//!
//! ```sh
//! cargo run --release --example crypto_bench -- [RUNS] [MEGABYTES]
//! ```

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sealmail::crypto::gpg::GpgSettings;
use sealmail::crypto::open::{self, CryptoSettings};
use sealmail::mail::LoadedMessage;

fn gpg(home: &Path, args: &[&str], input: &[u8]) -> Vec<u8> {
    let mut child = Command::new("gpg")
        .args(["--batch", "--quiet", "--homedir"])
        .arg(home)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gpg is installed");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("gpg ran");
    let _ = feeder.join();
    assert!(
        out.status.success(),
        "gpg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A text part and an attachment of about `size` bytes, base64 as mail carries it.
fn entity(size: usize) -> Vec<u8> {
    let mut out = b"Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe figures are attached.\r\n--m\r\nContent-Type: application/octet-stream; name=\"figures.bin\"\r\nContent-Disposition: attachment; filename=\"figures.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n".to_vec();
    // Bytes that do not compress (an attachment usually is compressed already), as base64.
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    while out.len() < size {
        for _ in 0..76 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            out.push(ALPHABET[(seed % 64) as usize]);
        }
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"--m--\r\n");
    out
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let megabytes: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let dir = tempfile::tempdir().expect("a temp dir");
    let home = dir.path().join("gnupg");
    std::fs::create_dir(&home).expect("home");
    std::fs::set_permissions(&home, std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .expect("0700");
    gpg(
        &home,
        &[
            "--passphrase",
            "",
            "--quick-gen-key",
            "Bench <bench@example.org>",
            "default",
            "default",
            "never",
        ],
        b"",
    );
    let inner = entity(megabytes * 1024 * 1024);
    let armoured = gpg(
        &home,
        &["--armor", "--sign", "--encrypt", "-r", "bench@example.org"],
        &inner,
    );
    let mut raw = b"From: Bench <bench@example.org>\r\nTo: bench@example.org\r\nSubject: figures\r\nMIME-Version: 1.0\r\nContent-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"e\"\r\n\r\n--e\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n--e\r\nContent-Type: application/octet-stream\r\n\r\n".to_vec();
    raw.extend_from_slice(&armoured);
    raw.extend_from_slice(b"\r\n--e--\r\n");
    let settings = CryptoSettings {
        gpg: GpgSettings {
            home: Some(home.clone()),
            ..GpgSettings::default()
        },
        ..CryptoSettings::default()
    };
    println!(
        "OpenPGP message: {:.1} MB (inner {:.1} MB), {runs} runs, median",
        raw.len() as f64 / 1e6,
        inner.len() as f64 / 1e6
    );

    // Warm both: the agent has the key unlocked and the page cache holds gpg.
    gpg(&home, &["--decrypt"], &armoured);
    let mut tool = Vec::new();
    let mut ours = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let plain = gpg(&home, &["--decrypt"], &armoured);
        tool.push(started.elapsed());
        assert_eq!(plain.len(), inner.len());

        let started = Instant::now();
        let loaded = LoadedMessage::from_raw(1, raw.clone()).expect("parsed");
        let t1 = started.elapsed();
        let opened = open::open(&loaded.raw, &settings).expect("opened");
        ours.push(started.elapsed());
        if std::env::var_os("STEPS").is_some() {
            eprintln!("load {:?} open {:?}", t1, started.elapsed() - t1);
        }
        assert_eq!(opened.view.attachments.len(), 1);
        assert!(!opened.report.signatures.is_empty());
    }
    let (tool, ours) = (median(tool), median(ours));
    println!(
        "  gpg --decrypt              {:>8.1} ms",
        tool.as_secs_f64() * 1e3
    );
    println!(
        "  sealmail, bytes to pane    {:>8.1} ms   ({:.2}x gpg)",
        ours.as_secs_f64() * 1e3,
        ours.as_secs_f64() / tool.as_secs_f64()
    );
    let _ = Command::new("gpgconf")
        .args(["--kill", "gpg-agent"])
        .env("GNUPGHOME", &home)
        .status();
    smime(dir.path(), &inner, runs);
}

fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is installed");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The same content as an S/MIME message (AES-256-GCM, RSA 2048), against `openssl cms`.
fn smime(dir: &Path, inner: &[u8], runs: usize) {
    std::fs::write(dir.join("inner.eml"), inner).expect("written");
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "me.key",
            "-out",
            "me.pem",
            "-days",
            "2",
            "-subj",
            "/CN=Bench",
            "-addext",
            "subjectAltName=email:bench@example.org",
        ],
    );
    openssl(
        dir,
        &[
            "cms",
            "-encrypt",
            "-aes-256-gcm",
            "-binary",
            "-in",
            "inner.eml",
            "-out",
            "msg.eml",
            "-from",
            "bench@example.org",
            "-to",
            "bench@example.org",
            "-subject",
            "figures",
            "me.pem",
        ],
    );
    let raw = std::fs::read(dir.join("msg.eml")).expect("read");
    let identity = sealmail::crypto::smime::Identity::from_files(
        &dir.join("me.pem"),
        Some(&dir.join("me.key")),
        None,
    )
    .expect("the key loads");
    let settings = CryptoSettings {
        smime: Some(Ok(std::sync::Arc::new(identity))),
        ..CryptoSettings::default()
    };
    println!(
        "S/MIME message: {:.1} MB (AES-256-GCM, RSA 2048), {runs} runs, median",
        raw.len() as f64 / 1e6
    );
    let mut tool = Vec::new();
    let mut ours = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let plain = openssl(
            dir,
            &[
                "cms", "-decrypt", "-binary", "-in", "msg.eml", "-recip", "me.pem", "-inkey",
                "me.key",
            ],
        );
        tool.push(started.elapsed());
        assert_eq!(plain.len(), inner.len());

        let started = Instant::now();
        let loaded = LoadedMessage::from_raw(1, raw.clone()).expect("parsed");
        let opened = open::open(&loaded.raw, &settings).expect("opened");
        ours.push(started.elapsed());
        assert_eq!(opened.view.attachments.len(), 1);
    }
    let (tool, ours) = (median(tool), median(ours));
    println!(
        "  openssl cms -decrypt       {:>8.1} ms",
        tool.as_secs_f64() * 1e3
    );
    println!(
        "  sealmail, bytes to pane    {:>8.1} ms   ({:.2}x openssl)",
        ours.as_secs_f64() * 1e3,
        ours.as_secs_f64() / tool.as_secs_f64()
    );
}
