//! Opening a saved attachment with its viewer, or piping it to a command the user typed: the user's mailcap entry for its type (RFC
//! 1524: `~/.mailcap`, then `/etc/mailcap`; entries that need the terminal, print to it or
//! have a `test=` are passed over, since the reader keeps the screen), else `xdg-open` where
//! there is a graphical display, else `$BROWSER` for HTML. The file's path is the only thing
//! put into the command, single-quoted; the file's name was made safe when it was saved.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Starts the viewer for `path` (of type `mime`); which one, or why there is none.
pub fn open(path: &Path, mime: &str) -> Result<String, String> {
    let mailcaps = mailcap_files();
    let entry = mailcaps
        .iter()
        .filter_map(|file| std::fs::read_to_string(file).ok())
        .find_map(|text| viewer_in(&text, mime));
    if let Some(command) = entry {
        let line = command.replace("%s", &shell_quote(path));
        let line = if command.contains("%s") {
            line
        } else {
            format!("{line} < {}", shell_quote(path))
        };
        spawn(Command::new("sh").arg("-c").arg(&line))?;
        return Ok(format!("mailcap: {}", first_word(&command)));
    }
    let display = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|d| !d.is_empty()));
    if display {
        spawn(Command::new("xdg-open").arg(path))?;
        return Ok("xdg-open".into());
    }
    if mime == "text/html"
        && let Some(browser) = std::env::var_os("BROWSER").filter(|b| !b.is_empty())
    {
        let name = browser.to_string_lossy().into_owned();
        spawn(Command::new(browser).arg(path))?;
        return Ok(name);
    }
    Err(format!(
        "no viewer for {mime}: add a mailcap entry, or save it (S) and open it elsewhere"
    ))
}

/// How long a piped command may run: the reader waits for it.
const PIPE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// The most of its output kept.
const PIPE_OUTPUT_MAX: u64 = 1024 * 1024;

/// Runs `command` (`sh -c`, the file on its standard input, no terminal) and returns what it
/// wrote to standard output and standard error, at most 1 MB; a command still running after
/// 10 s is stopped. For commands that read and write (`wc -l`, `pdftotext - -`, `grep`); a
/// pager or an editor needs the terminal and is not for this.
pub fn pipe(path: &Path, command: &str) -> Result<Vec<u8>, String> {
    pipe_within(path, command, PIPE_TIMEOUT)
}

fn pipe_within(
    path: &Path,
    command: &str,
    timeout: std::time::Duration,
) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let input = std::fs::File::open(path).map_err(|e| format!("cannot read the part: {e}"))?;
    let mut shell = Command::new("sh");
    shell
        .arg("-c")
        .arg(format!("exec 2>&1\n{command}"))
        .stdin(Stdio::from(input))
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    // Its own process group, so that what it starts is stopped with it.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut shell, 0);
    let mut child = shell
        .spawn()
        .map_err(|e| format!("the command did not start: {e}"))?;
    let mut stdout = child.stdout.take().ok_or("the command has no output")?;
    let (sender, output) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut read = Vec::new();
        let _ = (&mut stdout).take(PIPE_OUTPUT_MAX).read_to_end(&mut read);
        let _ = sender.send(read);
    });
    let deadline = std::time::Instant::now() + timeout;
    let status = crate::process::wait_until(&mut child, deadline, |child| {
        // The whole group: the shell and whatever it started.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    });
    match status {
        None => Err(format!(
            "the command ran longer than {} s and was stopped",
            timeout.as_secs()
        )),
        Some(status) => {
            // What it left running in the background may hold the output open: not waited for.
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let mut output = output
                .recv_timeout(left.max(std::time::Duration::from_millis(100)))
                .unwrap_or_default();
            if !status.success() {
                output.extend_from_slice(format!("[{status}]\n").as_bytes());
            }
            Ok(output)
        }
    }
}

fn spawn(command: &mut Command) -> Result<(), String> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(|_| ())
        .map_err(|e| format!("the viewer did not start: {e}"))
}

fn mailcap_files() -> Vec<PathBuf> {
    if let Some(list) = std::env::var_os("MAILCAPS") {
        return std::env::split_paths(&list).collect();
    }
    vec![
        crate::paths::expand_home(Path::new("~/.mailcap")),
        PathBuf::from("/etc/mailcap"),
    ]
}

/// The view command of the first usable entry for `mime` in a mailcap file's text.
pub fn viewer_in(text: &str, mime: &str) -> Option<String> {
    let mime = mime.to_ascii_lowercase();
    let (kind, _) = mime.split_once('/')?;
    // Continuation lines end in a backslash.
    let joined = text.replace("\\\n", "");
    joined.lines().find_map(|line| {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let mut fields = split_fields(line).into_iter();
        let entry_type = fields.next()?.trim().to_ascii_lowercase();
        let command = fields.next()?.trim().to_owned();
        let matches = entry_type == mime
            || entry_type == format!("{kind}/*")
            || (entry_type == kind && !entry_type.contains('/'));
        let flags: Vec<String> = fields.map(|f| f.trim().to_ascii_lowercase()).collect();
        let usable = !flags
            .iter()
            .any(|f| f == "needsterminal" || f == "copiousoutput" || f.starts_with("test="));
        (matches && usable && !command.is_empty()).then_some(command)
    })
}

/// A mailcap line's fields: `;` separates them, `\;` is a semicolon inside one.
fn split_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut escaped = false;
    for c in line.chars() {
        match (escaped, c) {
            (true, c) => {
                if let Some(f) = fields.last_mut() {
                    f.push(c);
                }
                escaped = false;
            }
            (false, '\\') => escaped = true,
            (false, ';') => fields.push(String::new()),
            (false, c) => {
                if let Some(f) = fields.last_mut() {
                    f.push(c);
                }
            }
        }
    }
    fields
}

fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.to_string_lossy().replace('\'', "'\\''"))
}

fn first_word(command: &str) -> &str {
    command.split_whitespace().next().unwrap_or(command)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAILCAP: &str = "# viewers\n\
        text/html; w3m -dump %s; copiousoutput\n\
        text/html; firefox %s\n\
        image/*; feh \\\n  %s\n\
        application/pdf; zathura %s; test=test -n \"$DISPLAY\"\n\
        application/pdf; mupdf %s\n\
        text/plain; less %s; needsterminal\n";

    #[test]
    fn the_first_usable_entry_for_the_type_wins() {
        assert_eq!(
            viewer_in(MAILCAP, "text/html").as_deref(),
            Some("firefox %s")
        );
        assert_eq!(viewer_in(MAILCAP, "image/png").as_deref(), Some("feh   %s"));
        assert_eq!(
            viewer_in(MAILCAP, "Application/PDF").as_deref(),
            Some("mupdf %s")
        );
        assert_eq!(viewer_in(MAILCAP, "text/plain"), None);
        assert_eq!(viewer_in(MAILCAP, "audio/ogg"), None);
        assert_eq!(viewer_in("broken line without fields", "text/html"), None);
    }

    #[test]
    fn a_piped_command_gets_the_file_and_its_output_comes_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("part.txt");
        std::fs::write(&path, "one\ntwo\nthree\n").unwrap();
        assert_eq!(pipe(&path, "wc -l").unwrap().trim_ascii(), b"3");
        let failed = String::from_utf8(pipe(&path, "echo oops >&2; exit 3").unwrap()).unwrap();
        assert!(
            failed.contains("oops") && failed.contains("exit status: 3"),
            "{failed}"
        );
        let slow = pipe_within(&path, "sleep 30", std::time::Duration::from_secs(1));
        assert!(slow.is_err_and(|e| e.contains("stopped")));
    }

    #[test]
    fn the_path_is_quoted_for_the_shell() {
        assert_eq!(
            shell_quote(Path::new("/tmp/a b'c.pdf")),
            "'/tmp/a b'\\''c.pdf'"
        );
    }
}
