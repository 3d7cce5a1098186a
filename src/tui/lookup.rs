//! The user's address book command (`address_book_cmd`), run for the composer's address
//! completion: `sh -c`, what is typed given as its last argument (or in place of `%s`), never
//! spliced into the command line; its output read (at most 1 MB) as `address<TAB>name`
//! lines; stopped after [`TIME_LIMIT`]. Run off the reader's task.

use std::io::Read as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A command that has not answered by then is stopped.
pub const TIME_LIMIT: Duration = Duration::from_secs(5);

const MAX_OUTPUT: u64 = 1024 * 1024;

/// The people `command` finds for `typed`: (name, address) pairs.
pub fn look_up(command: &str, typed: &str) -> Result<Vec<(String, String)>, String> {
    let script = if command.contains("%s") {
        command.replace("%s", "\"$1\"")
    } else {
        format!("{command} \"$1\"")
    };
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg("sealmail-address-book")
        .arg(typed)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run it: {e}"))?;
    let Some(stdout) = child.stdout.take() else {
        return Err("no output".into());
    };
    // Read on a thread of its own: a command that writes without end is cut at the limit.
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = stdout.take(MAX_OUTPUT).read_to_end(&mut out);
        out
    });
    if crate::process::wait_until(&mut child, Instant::now() + TIME_LIMIT, |_| {}).is_none() {
        return Err(format!("no answer within {} s", TIME_LIMIT.as_secs()));
    }
    let out = reader.join().unwrap_or_default();
    // Many address books exit with an error when they find no one: the output is what counts.
    Ok(crate::mail::address_book::parse_found(
        &String::from_utf8_lossy(&out),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_typed_text_reaches_the_command_as_one_argument() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("book.sh");
        std::fs::write(&script, "printf 'x@example.test\\t%s\\n' \"$1\"\n").unwrap();
        let typed = "o'brien; touch pwned $(id)";
        let found = look_up(&format!("sh {}", script.display()), typed).unwrap();
        assert_eq!(found, [(typed.to_owned(), "x@example.test".to_owned())]);
        let found = look_up(&format!("sh {} %s --all", script.display()), typed).unwrap();
        assert_eq!(found, [(typed.to_owned(), "x@example.test".to_owned())]);
        assert!(!std::path::Path::new("pwned").exists());
    }

    #[test]
    fn a_failing_command_finds_no_one() {
        assert_eq!(look_up("false", "x").unwrap(), []);
    }
}
