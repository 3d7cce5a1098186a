//! Where a secret comes from (a command, an environment variable, a prompt), and the one
//! runner for a user's secret command: `sh -c`, no standard input, the first output line.
//! Every command that prints a secret (password_command, client_secret_command,
//! `seal --token-command`) goes through [`run_named`].

use std::process::Stdio;

use crate::error::{Error, ErrorKind};
use crate::secret::SecretString;

/// Where a password comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretSource {
    Command(String),
    Env(String),
    Prompt,
}

impl SecretSource {
    /// Reads the secret. A prompt needs a terminal and must happen before the UI starts.
    pub fn read(&self, prompt: &str) -> Result<SecretString, Error> {
        match self {
            SecretSource::Command(cmd) => run_secret_command(cmd),
            SecretSource::Env(var) => std::env::var(var).map(SecretString::from).map_err(|_| {
                Error::new(
                    ErrorKind::Config,
                    format!("the environment variable {var} is not set"),
                )
            }),
            SecretSource::Prompt => rpassword::prompt_password(prompt)
                .map(SecretString::from)
                .map_err(|e| {
                    Error::new(ErrorKind::Io, "cannot read the password")
                        .with_details(e.to_string())
                }),
        }
    }
}

/// Runs the password command; see [`run_named`].
pub fn run_secret_command(cmd: &str) -> Result<SecretString, Error> {
    run_named("the password command", cmd)
}

/// Runs a secret command through `sh -c` and keeps the first line of its output; `what` names
/// the command in errors (`--token-command`). Its standard input is closed, so a command never
/// eats input meant for sealmail (`seal` reads the message there); its errors go to the user's
/// terminal.
pub fn run_named(what: &str, cmd: &str) -> Result<SecretString, Error> {
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| {
            Error::new(ErrorKind::Config, format!("cannot run {what}")).with_details(e.to_string())
        })?;
    let stdout = zeroize::Zeroizing::new(output.stdout);
    if !output.status.success() {
        return Err(Error::new(
            ErrorKind::Config,
            format!("{what} failed ({})", output.status),
        ));
    }
    let text = std::str::from_utf8(&stdout).map_err(|_| {
        Error::new(
            ErrorKind::Config,
            format!("{what} printed something that is not UTF-8"),
        )
    })?;
    let first = text.lines().next().unwrap_or("");
    if first.is_empty() {
        return Err(Error::new(
            ErrorKind::Config,
            format!("{what} printed nothing"),
        ));
    }
    Ok(SecretString::from(first))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_command_keeps_the_first_line() {
        assert_eq!(
            run_secret_command("printf 'pw1\\nother\\n'")
                .unwrap()
                .expose(),
            "pw1"
        );
        assert!(run_secret_command("exit 3").is_err());
        assert!(run_secret_command("true").is_err());
    }

    #[test]
    fn a_secret_command_gets_no_standard_input() {
        // `cat` with a closed stdin prints nothing: the command cannot read sealmail's input.
        assert!(run_secret_command("cat").is_err());
    }
}
