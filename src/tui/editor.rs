//! The composer's external editor, run for a driver: the message's text written to a file
//! (0600) in a fresh private directory (0700), the user's editor run on it (`sh -c`, so that
//! `editor = "code --wait"` works as a shell would read it), the file read back, the directory
//! removed. The terminal loop gives the terminal over around [`run`]; the headless driver
//! runs it with no terminal (scripts and tests use a script as the editor).

use std::path::Path;
use std::process::{Command, Stdio};

use crate::app::msg::ExternalEdit;
use crate::secret::SecretString;

/// An edited file larger than this is not taken back.
const MAX_EDITED: u64 = 16 * 1024 * 1024;

/// The editor command line: the configured one, else `$VISUAL`, else `$EDITOR`, else `vi`.
pub fn command_line(configured: Option<&str>) -> String {
    let from_env = |name: &str| {
        std::env::var(name)
            .ok()
            .filter(|value| !value.trim().is_empty())
    };
    configured
        .map(str::to_owned)
        .filter(|c| !c.trim().is_empty())
        .or_else(|| from_env("VISUAL"))
        .or_else(|| from_env("EDITOR"))
        .unwrap_or_else(|| "vi".to_owned())
}

/// Runs the editor on the message and returns the file as it left it, or why not. With
/// `terminal`, the editor inherits the terminal (the caller has given it over); without, its
/// input is empty and its output discarded.
pub fn run(edit: &ExternalEdit, terminal: bool) -> Result<SecretString, String> {
    let dir = super::run::private_dir_named("sealmail-edit-")
        .ok_or_else(|| "no private directory for the file".to_owned())?;
    let path = dir.path().join("message.eml");
    write_private(&path, edit.text.expose().as_bytes())
        .map_err(|e| format!("cannot write the file: {e}"))?;
    let editor = command_line(edit.editor.as_deref());
    // The path is the script's $1: never spliced into the command line.
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sealmail-editor")
        .arg(&path);
    if !terminal {
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
    }
    let status = command
        .status()
        .map_err(|e| format!("cannot run {editor}: {e}"))?;
    if !status.success() {
        return Err(match status.code() {
            Some(code) => format!("{editor} exited with status {code}"),
            None => format!("{editor} was stopped"),
        });
    }
    let bytes = read_back(&path).map_err(|e| format!("cannot read the file back: {e}"))?;
    let text = SecretString::new(String::from_utf8_lossy(&bytes).into_owned());
    let _ = dir.close();
    Ok(text)
}

/// Creates `path` readable and writable by the user only, and writes `bytes`.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    crate::paths::write_private_new(path, bytes).map(drop)
}

/// The file as the editor left it (editors may replace it with a new file of that name).
fn read_back(path: &Path) -> std::io::Result<zeroize::Zeroizing<Vec<u8>>> {
    use std::io::Read as _;
    let file = std::fs::File::open(path)?;
    let mut bytes = zeroize::Zeroizing::new(Vec::new());
    file.take(MAX_EDITED + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_EDITED {
        return Err(std::io::Error::other("it is larger than 16 MB"));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(editor: &str, text: &str) -> ExternalEdit {
        ExternalEdit {
            req: 1,
            text: SecretString::from(text),
            editor: Some(editor.to_owned()),
        }
    }

    #[test]
    fn the_configured_editor_comes_first() {
        assert_eq!(command_line(Some("nano -R")), "nano -R");
    }

    #[test]
    fn an_editor_edits_the_file_and_quoting_works_as_in_a_shell() {
        let edited = run(
            &edit(
                "sh -c 'sed -i \"s/foo/bar baz/\" \"$1\"' --",
                "Subject: foo\n",
            ),
            false,
        )
        .expect("edited");
        assert_eq!(edited.expose(), "Subject: bar baz\n");
    }

    #[test]
    fn a_failing_editor_is_an_error_and_a_missing_one_too() {
        let failed = run(&edit("false", "x"), false).unwrap_err();
        assert_eq!(failed, "false exited with status 1");
        let missing = run(&edit("/nonexistent/editor", "x"), false).unwrap_err();
        assert!(missing.contains("exited with status 127"), "{missing}");
    }
}
