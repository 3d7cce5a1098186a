//! The file an external editor (`$EDITOR`) is given: the message's header fields (From, To,
//! Cc, Bcc, Subject), a blank line, then its text; and that file read back. Pure functions
//! over text, total on any input; no terminal, no files.

/// The header fields the file carries, in its order.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct EditedFields {
    pub from: String,
    pub to: String,
    pub cc: String,
    pub bcc: String,
    pub subject: String,
    pub body: zeroize::Zeroizing<String>,
}

impl std::fmt::Debug for EditedFields {
    /// Addresses and text stay out of logs and panics.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EditedFields")
            .field("body_chars", &self.body.chars().count())
            .finish()
    }
}

/// Why the header block could not be read: the line (from 1) and what is wrong there.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {why}")]
pub struct HeaderError {
    pub line: usize,
    pub why: String,
}

/// The file's text for `fields`: a header per line, a blank line, the text, a final newline.
pub fn render(fields: &EditedFields) -> zeroize::Zeroizing<String> {
    let mut out = zeroize::Zeroizing::new(String::with_capacity(fields.body.len() + 256));
    for (name, value) in [
        ("From", &fields.from),
        ("To", &fields.to),
        ("Cc", &fields.cc),
        ("Bcc", &fields.bcc),
        ("Subject", &fields.subject),
    ] {
        out.push_str(name);
        out.push_str(": ");
        // A header is one line.
        out.push_str(&value.replace(['\r', '\n'], " "));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&fields.body);
    out.push('\n');
    out
}

/// Which field a header name is, whatever its case.
fn field_of<'a>(fields: &'a mut EditedFields, name: &str) -> Option<(&'a mut String, bool)> {
    let lower = name.to_ascii_lowercase();
    Some(match lower.as_str() {
        "from" => (&mut fields.from, false),
        "to" => (&mut fields.to, true),
        "cc" => (&mut fields.cc, true),
        "bcc" => (&mut fields.bcc, true),
        "subject" => (&mut fields.subject, false),
        _ => return None,
    })
}

/// Reads the file back. The header block ends at the first blank line; a line that starts
/// with a space or tab continues the header above. A header left out is empty; To, Cc and Bcc
/// given twice are joined. An unknown header, a line that is not a header, or From or Subject
/// given twice is an error, so that text is never silently taken for a header or dropped.
pub fn parse(text: &str) -> Result<EditedFields, HeaderError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut fields = EditedFields::default();
    let mut seen: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    let mut rest = text.as_str();
    let mut number = 0;
    loop {
        number += 1;
        let (line, after) = match rest.split_once('\n') {
            Some((line, after)) => (line, Some(after)),
            None => (rest, None),
        };
        if line.trim().is_empty() {
            // The blank line: the text follows it (a file of headers only has none).
            rest = after.unwrap_or("");
            break;
        }
        if line.starts_with([' ', '\t']) {
            let Some(name) = current.as_deref() else {
                return Err(HeaderError {
                    line: number,
                    why: "a continued line with no header above it".into(),
                });
            };
            if let Some((value, _)) = field_of(&mut fields, name) {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else {
            let Some((name, value)) = line.split_once(':') else {
                return Err(HeaderError {
                    line: number,
                    why: "not a header (a blank line must separate the headers from the text)"
                        .into(),
                });
            };
            let name = name.trim();
            let lower = name.to_ascii_lowercase();
            let Some((slot, list)) = field_of(&mut fields, name) else {
                return Err(HeaderError {
                    line: number,
                    why: format!(
                        "unknown header {:?} (From, To, Cc, Bcc and Subject are read)",
                        crate::sanitize::line(name)
                    ),
                });
            };
            if seen.contains(&lower) && !list {
                return Err(HeaderError {
                    line: number,
                    why: format!("{name} given twice"),
                });
            }
            let value = value.trim();
            if !slot.is_empty() && !value.is_empty() {
                slot.push_str(", ");
            }
            slot.push_str(value);
            seen.push(lower.clone());
            current = Some(lower);
        }
        match after {
            Some(after) => rest = after,
            None => {
                rest = "";
                break;
            }
        }
    }
    let body = rest.strip_suffix('\n').unwrap_or(rest);
    fields.body = zeroize::Zeroizing::new(body.to_owned());
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> EditedFields {
        EditedFields {
            from: "Alice <alice@example.test>".into(),
            to: "bob@example.test, \"Doe, Jane\" <jane@example.test>".into(),
            cc: String::new(),
            bcc: "me@example.test".into(),
            subject: "Lunch: Thursday?".into(),
            body: zeroize::Zeroizing::new("Hi,\n\nTo: not a header\n\n-- \nAlice\n".into()),
        }
    }

    #[test]
    fn a_rendered_file_reads_back_the_same() {
        let fields = sample();
        let text = render(&fields);
        assert!(text.starts_with("From: Alice <alice@example.test>\nTo: bob@example.test, "));
        assert!(text.contains("\nCc: \nBcc: me@example.test\nSubject: Lunch: Thursday?\n\nHi,\n"));
        assert_eq!(parse(&text).unwrap(), fields);
        let empty = EditedFields::default();
        assert_eq!(parse(&render(&empty)).unwrap(), empty);
    }

    #[test]
    fn headers_are_read_tolerantly() {
        let parsed = parse(
            "\u{feff}subject:  Hello \r\nTO: a@example.test,\r\n  b@example.test\r\nto: c@example.test\r\n\r\nbody\r\nmore\r\n",
        )
        .unwrap();
        assert_eq!(parsed.subject, "Hello");
        assert_eq!(parsed.to, "a@example.test, b@example.test, c@example.test");
        assert_eq!(parsed.from, "", "a header left out is empty");
        assert_eq!(parsed.body.as_str(), "body\nmore");
        // Headers only, no blank line and no text.
        let parsed = parse("Subject: only").unwrap();
        assert_eq!(parsed.subject, "only");
        assert_eq!(parsed.body.as_str(), "");
    }

    #[test]
    fn what_is_not_a_known_header_is_an_error_with_its_line() {
        assert_eq!(
            parse("To: a@example.test\nX-Mailer: me\n\nhi\n").unwrap_err(),
            HeaderError {
                line: 2,
                why: "unknown header \"X-Mailer\" (From, To, Cc, Bcc and Subject are read)".into()
            }
        );
        assert_eq!(parse("Hi Bob,\n\nhow are you").unwrap_err().line, 1);
        assert_eq!(parse(" folded\n\n").unwrap_err().line, 1);
        assert_eq!(
            parse("Subject: a\nSubject: b\n\n").unwrap_err().why,
            "Subject given twice"
        );
        let hostile = parse("X-\u{1b}[2J: x\n\n").unwrap_err();
        assert!(!hostile.to_string().contains('\u{1b}'), "{hostile}");
    }

    /// Any bytes at all, read as the driver reads the file: no panic, and what parses renders
    /// and parses again to the same fields.
    #[test]
    fn random_input_never_panics() {
        let mut seed: u64 = 0x5eed_1234_abcd_0001;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let alphabet: &[u8] = b"To:Cc:Bcc:Subject:From: \t\r\n\n:,<>@x\xff\xc3\xa9\x1b";
        for _ in 0..20_000 {
            let len = (next() % 64) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    let r = next();
                    if r % 3 == 0 {
                        (r >> 8) as u8
                    } else {
                        alphabet[(r >> 8) as usize % alphabet.len()]
                    }
                })
                .collect();
            let text = String::from_utf8_lossy(&bytes);
            if let Ok(fields) = parse(&text) {
                let again = parse(&render(&fields)).expect("a rendered file reads back");
                assert_eq!(again.to, fields.to);
                assert_eq!(again.subject, fields.subject);
            }
        }
    }
}
