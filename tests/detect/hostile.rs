//! Hostile and malformed input never panics: mutated samples, deep nesting, huge headers,
//! endless markup.

use sealmail::detect::{Vendor, cheap_signals_from_raw, classify, classify_cheap, is_message};

use super::fixtures::all_samples;

/// A small deterministic generator, so a failure can be replayed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn exercise(raw: &[u8]) {
    let c = classify(raw);
    assert_eq!(c.portal, c.vendor.is_some());
    assert_eq!(c.verdict.is_some(), c.portal);
    let _ = classify_cheap(&cheap_signals_from_raw(raw));
    let _ = is_message(raw);
}

#[test]
fn mutated_samples_never_panic() {
    let mut rng = XorShift(0x5ea1_0d0c_u64);
    let interesting: &[&[u8]] = &[
        b"<",
        b">",
        b"\"",
        b"'",
        b"--",
        b"\r\n",
        b"=",
        b"=\r\n",
        b"\x00",
        b"\xff",
        b"&#",
        b"<!--",
        b"boundary=",
        b"<a href=",
        b"%",
        b"\xe2\x80\xae",
    ];
    // More rounds on demand: SEALMAIL_FUZZ_ROUNDS=5000 cargo test --test detect hostile
    let rounds: usize = std::env::var("SEALMAIL_FUZZ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    for (path, _) in all_samples() {
        let raw = std::fs::read(&path).expect("sample");
        for _ in 0..rounds {
            let mut m = raw.clone();
            for _ in 0..1 + rng.below(8) {
                match rng.below(4) {
                    0 if !m.is_empty() => {
                        let i = rng.below(m.len());
                        m[i] = rng.next() as u8;
                    }
                    1 if !m.is_empty() => {
                        let cut = rng.below(m.len());
                        m.truncate(cut);
                    }
                    2 => {
                        let i = rng.below(m.len() + 1);
                        let piece = interesting[rng.below(interesting.len())];
                        m.splice(i..i, piece.iter().copied());
                    }
                    _ if !m.is_empty() => {
                        let i = rng.below(m.len());
                        let len = rng.below(64).min(m.len() - i);
                        m.drain(i..i + len);
                    }
                    _ => {}
                }
            }
            exercise(&m);
        }
    }
}

#[test]
fn pathological_messages_never_panic() {
    let mut nested = String::from("From: a@b.example\r\nSubject: deep\r\n");
    for i in 0..500 {
        nested.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n"
        ));
    }
    nested.push_str("Content-Type: text/html\r\n\r\n<a href=https://x.example/>x</a>\r\n");
    exercise(nested.as_bytes());

    let huge_header = format!(
        "Subject: {}\r\nFrom: a@b\r\n\r\nbody",
        "x".repeat(2_000_000)
    );
    exercise(huge_header.as_bytes());

    let many_links = format!(
        "From: a@b.example\r\nContent-Type: text/html\r\n\r\n{}",
        "<a href='https://outlook.office365.com.evil.example/Encryption/retrieve.ashx'>Read the message</a>".repeat(20_000)
    );
    let c = classify(many_links.as_bytes());
    assert_eq!(c.vendor, Some(Vendor::MicrosoftOme));

    let open_comment =
        "From: a@b\r\nContent-Type: text/html\r\n\r\n<!-- saved from url=(0014)".repeat(10);
    exercise(open_comment.as_bytes());

    let nested_forms = format!(
        "From: a@b\r\nContent-Type: text/html\r\n\r\n{}",
        "<form action='//x'><input type=password><base href='javascript:'><a href='http://[::1'>"
            .repeat(5_000)
    );
    exercise(nested_forms.as_bytes());

    for raw in [
        &b""[..],
        b"\r\n\r\n",
        b"From:",
        b"\xff\xfe\xfd",
        b"Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n--\r\n",
    ] {
        exercise(raw);
    }
}

#[test]
fn a_message_of_many_bare_urls_up_to_the_size_cap_is_classified() {
    // 1.8 MB and 2 MiB of `http://a `: the scan is one pass, links past the cap are counted as
    // hidden (such a message cannot be genuine portal mail), and nothing is rescanned per URL.
    for size in [1_800_000, 2 * 1024 * 1024] {
        for body in [
            "http://a ".repeat(size / 9),
            format!(
                "Fabrikam has sent you a protected message.\r\n{}",
                "http://a ".repeat(size / 9)
            ),
            format!("<p>{}</p>", "http://a ".repeat(size / 9)),
        ] {
            let kind = if body.starts_with('<') {
                "html"
            } else {
                "plain"
            };
            let raw = format!(
                "From: a@sender.example\r\nSubject: s\r\nContent-Type: text/{kind}\r\n\r\n{body}\r\n"
            );
            let c = classify(raw.as_bytes());
            assert_ne!(c.verdict, Some(sealmail::detect::Verdict::Genuine));
        }
    }
}
