//! Hostile input: escape sequences, bidi overrides, malformed and deeply nested MIME, huge
//! headers. Parsing never panics and no field lets anything that acts on a terminal through.

use super::*;
use crate::sanitize::is_clean;

/// Fails with the field's name when any string of the view could act on a terminal.
fn assert_clean(v: &MessageView) {
    let fields = [
        ("from", &v.from),
        ("to", &v.to),
        ("cc", &v.cc),
        ("subject", &v.subject),
    ];
    for (name, value) in fields {
        assert!(is_clean(value), "{name} holds a control: {value:?}");
    }
    for line in &v.body {
        assert!(is_clean(line), "body holds a control: {line:?}");
    }
    for link in &v.links {
        assert!(is_clean(link), "link holds a control: {link:?}");
    }
    for a in &v.attachments {
        assert!(is_clean(&a.name) && is_clean(&a.mime), "attachment: {a:?}");
    }
}

fn assert_row_clean(raw: &[u8]) {
    let row = summary(raw).unwrap_or_default();
    assert!(is_clean(&row.from), "row from: {:?}", row.from);
    assert!(is_clean(&row.subject), "row subject: {:?}", row.subject);
}

/// Parses, asserts every field clean (when there is anything to parse) and returns the view.
fn survive(raw: &[u8]) -> Option<MessageView> {
    assert_row_clean(raw);
    let v = parse(raw).ok()?;
    assert_clean(&v);
    Some(v)
}

const OSC52: &str = "\x1b]52;c;cm0gLXJmIH4K\x07";
const CLEAR: &str = "\x1b[2J\x1b[H";

#[test]
fn escape_sequences_and_bidi_in_every_field() {
    let raw = format!(
        "From: \"Mallory \u{202e}gpj.exe\u{202c} {CLEAR}\" <m\x1b[31m@evil.example>\r\n\
         To: =?UTF-8?Q?victim=1B]52;c;AAAA=07?= <v@example.org>\r\n\
         Cc: =?UTF-8?B?{}?= <c@example.org>\r\n\
         Subject: Invoice {OSC52} \u{9b}31m \u{200b}due\r\n\
         Content-Type: multipart/mixed; boundary=m\r\n\
         \r\n\
         --m\r\n\
         Content-Type: text/plain\r\n\
         \r\n\
         Body {OSC52} then {CLEAR} and \x1bP+q\x1b\\ and \u{9d}0;title\u{9c} https://x.example/\x1b[0m\r\n\
         --m\r\n\
         Content-Type: text/html\r\n\
         \r\n\
         <p>html &#27;[2J <a href=\"https://e.example/&#27;]52;c;x&#7;\">click&#x9b;</a></p>\r\n\
         --m\r\n\
         Content-Type: application/octet-stream; name=\"a\x1b[8mb\u{202e}fdp.exe\"\r\n\
         Content-Disposition: attachment\r\n\
         \r\n\
         x\r\n\
         --m--\r\n",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            "Eve \u{202e}\x1b[1mbold".as_bytes()
        ),
    );
    let v = survive(raw.as_bytes()).expect("parses");
    assert!(
        v.from.contains("<U+202E>"),
        "the override is shown: {}",
        v.from
    );
    assert!(
        v.from.contains('␛'),
        "ESC is shown as a picture: {}",
        v.from
    );
    assert!(v.subject.contains("␛]52;c;"), "{}", v.subject);
    assert!(v.cc.contains("<U+202E>"), "{}", v.cc);
    assert!(v.body.iter().any(|l| l.contains("␛[2J")), "{:?}", v.body);
    assert!(v.attachments.iter().any(|a| a.name.contains("<U+202E>")));
    assert!(!v.links.is_empty());
}

#[test]
fn raw_8bit_controls_in_headers() {
    let mut raw =
        b"From: \xc2\x9b6n <a@example.org>\r\nSubject: \x1b[?1049h\x07\x08\x00x\r\n\r\n".to_vec();
    raw.extend_from_slice(
        b"\x00\x01\x7f body \x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\\r\n",
    );
    survive(&raw).expect("parses");
}

#[test]
fn deeply_nested_multiparts() {
    let depth = 2000;
    let mut raw = String::from("From: a@example.org\r\nSubject: deep\r\n");
    for i in 0..depth {
        raw.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n"
        ));
    }
    raw.push_str("Content-Type: text/plain\r\n\r\ninnermost \x1b[2J\r\n");
    for i in (0..depth).rev() {
        raw.push_str(&format!("--b{i}--\r\n"));
    }
    survive(raw.as_bytes());
}

#[test]
fn deeply_nested_forwarded_messages() {
    let depth = 200;
    let mut raw = String::new();
    for i in 0..depth {
        raw.push_str(&format!(
            "From: level{i}@example.org\r\nSubject: level {i} \x1b[2J\r\n\
             Content-Type: multipart/mixed; boundary=\"f{i}\"\r\n\r\n--f{i}\r\n\
             Content-Type: message/rfc822\r\n\r\n"
        ));
    }
    raw.push_str("From: last@example.org\r\n\r\nbottom\r\n");
    for i in (0..depth).rev() {
        raw.push_str(&format!("--f{i}--\r\n"));
    }
    let v = survive(raw.as_bytes()).expect("parses");
    assert!(
        v.attachments.len() <= MAX_NESTING,
        "{}",
        v.attachments.len()
    );
}

#[test]
fn deeply_nested_html() {
    let depth = 20_000;
    let html = format!(
        "{}<a href=\"https://x.example/\">in\x1b[2J</a>{}",
        "<div><blockquote><table><tr><td>".repeat(depth / 4),
        "</td></tr></table></blockquote></div>".repeat(depth / 4)
    );
    let raw = format!("From: a@example.org\r\nContent-Type: text/html\r\n\r\n{html}\r\n");
    survive(raw.as_bytes());
}

#[test]
fn huge_headers() {
    let long = "A\x1b".repeat(500_000);
    let many: String = (0..20_000).map(|i| format!("X-H{i}: {i}\r\n")).collect();
    let addresses: Vec<String> = (0..20_000).map(|i| format!("u{i}@example.org")).collect();
    let raw = format!(
        "From: {long} <a@example.org>\r\nTo: {}\r\nSubject: {long}\r\n{many}\r\nbody\r\n",
        addresses.join(", ")
    );
    let v = survive(raw.as_bytes()).expect("parses");
    assert!(v.subject.len() >= 500_000);
}

#[test]
fn malformed_mime() {
    let cases: &[&[u8]] = &[
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n",
        b"Content-Type: multipart/mixed\r\n\r\nno boundary at all\r\n",
        b"Content-Type: multipart/alternative; boundary=\"\"\r\n\r\n----\r\n",
        b"Content-Transfer-Encoding: base64\r\nContent-Type: text/plain\r\n\r\n!!!not base64***\x1b[2J\r\n",
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n=1B[2J=\r\n=G0=\r\n",
        b"Content-Type: text/plain; charset=x-unknown-charset\r\n\r\n\xff\xfe\x1b]0;t\x07\r\n",
        b"Content-Type: message/rfc822\r\n\r\n",
        b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nRnJvbTogYQ0KDQpi\r\n",
        b"Subject: =?UTF-8?B?G10yO3RpdGxlBw==?= =?bogus?Q?=?= =?UTF-8?Q?=1B?=\r\n\r\n",
        b"From: <<<@@@>>>, \"unterminated\r\nTo: ,,,;;;:\r\n\r\n",
        b"Date: Mon, 99 Foo 99999 99:99:99 +9999\r\n\r\n",
        b"\r\n\r\n\r\n",
        b":\r\n:\r\n\r\n",
        b"Content-Disposition: attachment; filename*0*=UTF-8''%ZZ%; filename*1=\x1b\r\n\r\nx",
    ];
    for raw in cases {
        survive(raw);
    }
}

/// A deterministic mutation fuzz: bytes of a rich message flipped, cut and duplicated.
#[test]
fn mutated_messages_never_panic() {
    let seed = b"From: =?UTF-8?Q?A=C3=A9?= <a@example.org>\r\n\
        Subject: =?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=\r\n\
        Date: Tue, 01 Apr 2025 10:00:00 +0200\r\n\
        Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n\
        --m\r\nContent-Type: multipart/alternative; boundary=\"a\"\r\n\r\n\
        --a\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nhi =C3=A9 https://x.example/\r\n\
        --a\r\nContent-Type: text/html\r\n\r\n<p><a href=x>y</a></p>\r\n--a--\r\n\
        --m\r\nContent-Type: message/rfc822\r\n\r\nFrom: b@example.org\r\nSubject: in\r\n\r\ninner\r\n\
        --m\r\nContent-Type: image/png; name*=UTF-8''%C3%A9.png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--m--\r\n";
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let specials = [
        0x1b, 0x00, b'\r', b'\n', b'-', b'=', b'"', b';', 0x9b, 0xff, b'<', b':',
    ];
    for _ in 0..3000 {
        let mut raw = seed.to_vec();
        for _ in 0..(next() % 12 + 1) {
            let len = raw.len().max(1);
            let at = (next() as usize) % len;
            match next() % 4 {
                0 => {
                    let byte = specials[(next() as usize) % specials.len()];
                    let last = raw.len() - 1;
                    raw[at.min(last)] = byte;
                }
                1 => raw.truncate(at),
                2 => {
                    let end = (at + (next() as usize) % 64).min(raw.len());
                    let chunk = raw[at..end].to_vec();
                    raw.splice(at..at, chunk);
                }
                _ => {
                    if at < raw.len() {
                        raw.remove(at);
                    }
                }
            }
            if raw.is_empty() {
                break;
            }
        }
        survive(&raw);
    }
}

#[test]
fn html_nested_beyond_the_limit_keeps_its_text() {
    let depth = 150_000; // 1.6 MB: under the 2 MiB HTML cap
    let html = format!(
        "<p>before</p>{}deep inside{}<p>after</p>",
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    );
    let raw = format!("Subject: deep\r\nContent-Type: text/html\r\n\r\n{html}");
    let view = survive(raw.as_bytes()).expect("parsed");
    let body = view.body.join("\n");
    assert!(body.contains("before") && body.contains("deep inside") && body.contains("after"));
}

#[test]
fn html_too_costly_to_lay_out_is_still_shown_as_text() {
    // A table of about 150,000 cells: beyond html2text's budget, shown by the plain converter.
    let cells = "<td>cell</td>".repeat(150_000);
    let raw = format!(
        "Subject: wide\r\nContent-Type: text/html\r\n\r\n<table><tr>{cells}</tr></table><p>end of table</p>"
    );
    let view = survive(raw.as_bytes()).expect("parsed");
    let body = view.body.join("\n");
    assert!(body.contains("cell") && body.contains("end of table"));
}

#[test]
fn a_message_over_the_display_cap_shows_its_header_and_size() {
    let mut raw = b"From: Big <big@example.org>\r\nSubject: huge\r\n\r\n".to_vec();
    raw.resize(MAX_DISPLAY_BYTES + 10, b'x');
    let view = parse(&raw).expect("header parsed");
    assert_eq!(view.subject, "huge");
    assert_eq!(view.body.len(), 1);
    assert!(view.body[0].contains("too large to display") && view.body[0].contains("32.0 MB"));
}

/// Found by the `mime_view` fuzz target (a hang): in a damaged message mail-parser can list a
/// part under more than one multipart, and numbering the parts by every path to them took
/// exponential time. Each part is numbered once now; before, this did not finish in minutes.
#[test]
fn a_part_listed_under_many_multiparts_is_numbered_once() {
    let raw =
        include_bytes!("../../fuzz/regressions/mime_view/sections-part-under-many-multiparts");
    let view = survive(raw).expect("the damaged message still opens");
    assert_clean(&view);
    assert!(view.attachments.len() <= 500);
}
