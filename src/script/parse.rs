//! The script language: one step per line, `#` starts a comment. See `docs/scripting.md`.

use std::time::Duration;

/// What a `wait` step waits for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WaitFor {
    /// The text appears anywhere on the screen.
    Text(String),
    /// Nothing is in flight: the folder is loaded, no message is loading.
    Idle,
    /// A message with this subject (a substring) is in the open folder's list.
    MailSubject(String),
    /// A sealed message's pane waits for a passcode (used by `passcode from-inbox`).
    PasscodeInput,
    /// The passcode mail of the pending request arrived (used by `passcode from-inbox`).
    PasscodeArrived,
}

/// One step of a script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Size {
        width: u16,
        height: u16,
    },
    /// One key, as the keymap names it (`j`, `enter`, `ctrl-c`).
    Key(String),
    /// Several single-character keys (`keys jjj`).
    Keys(String),
    /// Text into whatever has the keyboard.
    Type(String),
    /// Text from an environment variable, never echoed anywhere.
    TypeEnv(String),
    Wait {
        what: WaitFor,
        timeout: Duration,
    },
    Snapshot(String),
    Expect(String),
    /// Fills in the passcode that arrived by mail (the inline flow's autofill).
    PasscodeFromInbox,
}

/// A step with the line it came from, for error messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub number: usize,
    pub text: String,
    pub step: Step,
}

/// The default time a `wait` gives up after.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// A script that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

/// Splits a line into words, honouring double quotes with `\"` and `\\` escapes.
fn words(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut word = String::new();
        if c == '"' {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some(e) => word.push(e),
                        None => return Err("a quoted string ends in a backslash".into()),
                    },
                    Some(other) => word.push(other),
                    None => return Err("a quoted string is not closed".into()),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                word.push(c);
                chars.next();
            }
        }
        out.push(word);
    }
    Ok(out)
}

fn timeout_of(rest: &[String]) -> Result<Duration, String> {
    match rest {
        [] => Ok(DEFAULT_TIMEOUT),
        [kw, value] if kw == "timeout" => {
            let secs: f64 = value
                .trim_end_matches('s')
                .parse()
                .map_err(|_| format!("bad timeout {value:?}"))?;
            if !(0.0..=3600.0).contains(&secs) {
                return Err(format!("timeout {value:?} is out of range (0 to 3600 s)"));
            }
            Ok(Duration::from_secs_f64(secs))
        }
        _ => Err("expected `timeout SECONDS` after the wait condition".into()),
    }
}

fn snapshot_name(name: &str) -> Result<String, String> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with('.');
    if ok {
        Ok(name.to_owned())
    } else {
        Err(format!(
            "snapshot names use letters, digits, - _ . only: {name:?}"
        ))
    }
}

fn parse_step(words: &[String]) -> Result<Step, String> {
    let (head, rest) = words.split_first().ok_or("empty step")?;
    let one = |what: &str| -> Result<String, String> {
        match rest {
            [only] => Ok(only.clone()),
            _ => Err(format!("`{head}` takes exactly one {what}")),
        }
    };
    match head.as_str() {
        "size" => {
            let text = one("size like 100x30")?;
            let (w, h) = text
                .split_once('x')
                .ok_or("size is WIDTHxHEIGHT, e.g. 80x24")?;
            let width: u16 = w.parse().map_err(|_| "bad width")?;
            let height: u16 = h.parse().map_err(|_| "bad height")?;
            if !(20..=500).contains(&width) || !(5..=300).contains(&height) {
                return Err("size must be between 20x5 and 500x300".into());
            }
            Ok(Step::Size { width, height })
        }
        "key" => {
            let key = one("key")?;
            crate::app::key::Key::parse(&key).ok_or_else(|| format!("unknown key {key:?}"))?;
            Ok(Step::Key(key))
        }
        "keys" => Ok(Step::Keys(one("string of keys")?)),
        "type" => Ok(Step::Type(one("quoted text")?)),
        "type-env" => Ok(Step::TypeEnv(one("variable name")?)),
        "wait" => {
            let (kind, rest) = rest
                .split_first()
                .ok_or("`wait` needs text, idle or mail")?;
            match kind.as_str() {
                "idle" => Ok(Step::Wait {
                    what: WaitFor::Idle,
                    timeout: timeout_of(rest)?,
                }),
                "text" => {
                    let (text, rest) = rest.split_first().ok_or("`wait text` needs the text")?;
                    Ok(Step::Wait {
                        what: WaitFor::Text(text.clone()),
                        timeout: timeout_of(rest)?,
                    })
                }
                "mail" => match rest {
                    [kw, subject, tail @ ..] if kw == "subject" => Ok(Step::Wait {
                        what: WaitFor::MailSubject(subject.clone()),
                        timeout: timeout_of(tail)?,
                    }),
                    _ => Err("expected `wait mail subject \"...\"`".into()),
                },
                other => Err(format!(
                    "unknown wait condition {other:?} (text, idle, mail)"
                )),
            }
        }
        "snapshot" => Ok(Step::Snapshot(snapshot_name(&one("name")?)?)),
        "expect" => Ok(Step::Expect(snapshot_name(&one("name")?)?)),
        "passcode" => match rest {
            [source] if source == "from-inbox" => Ok(Step::PasscodeFromInbox),
            _ => Err("expected `passcode from-inbox`".into()),
        },
        other => Err(format!("unknown step {other:?}")),
    }
}

/// Parses a whole script; the first bad line is an error naming it.
pub fn parse(text: &str) -> Result<Vec<Line>, ParseError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let number = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let ws = words(trimmed).map_err(|message| ParseError {
            line: number,
            message,
        })?;
        let step = parse_step(&ws).map_err(|message| ParseError {
            line: number,
            message,
        })?;
        out.push(Line {
            number,
            text: trimmed.to_owned(),
            step,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_parses() {
        let script = r#"
            # a comment
            size 100x30
            key enter
            keys jjj
            type "12345678"
            type-env PASSCODE
            wait text "Decrypted" timeout 5
            wait idle
            wait mail subject "Your one-time passcode"
            snapshot inbox
            expect inbox-after
            passcode from-inbox
        "#;
        let lines = parse(script).unwrap();
        assert_eq!(lines.len(), 11);
        assert_eq!(
            lines[0].step,
            Step::Size {
                width: 100,
                height: 30
            }
        );
        assert_eq!(lines[0].number, 3);
        assert_eq!(
            lines[5].step,
            Step::Wait {
                what: WaitFor::Text("Decrypted".into()),
                timeout: Duration::from_secs(5)
            }
        );
        assert_eq!(
            lines[7].step,
            Step::Wait {
                what: WaitFor::MailSubject("Your one-time passcode".into()),
                timeout: DEFAULT_TIMEOUT
            }
        );
    }

    #[test]
    fn unknown_steps_name_their_line() {
        let err = parse("size 80x24\nfrobnicate now\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("frobnicate"));
        assert_eq!(parse("key nosuchkey").unwrap_err().line, 1);
        assert!(parse("snapshot ../../etc/passwd").is_err());
        assert!(parse("type \"unclosed").is_err());
    }
}
