//! The opt-in refresh-token store: a pair of user commands (e.g. backed by `pass`). The store
//! command gets the token on its standard input, the load command prints it. The token goes
//! through pipes only: never an argument, an environment variable, a file or a log.

use std::process::Stdio;

use tokio::io::AsyncWriteExt;
use tokio::process::Command;
use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind};
use crate::secret::SecretString;

fn shell(cmd: &str) -> Command {
    let mut command = Command::new("sh");
    command.arg("-c").arg(cmd).kill_on_drop(true);
    command
}

/// Runs the load command; `None` when it printed nothing (no token stored yet) or failed.
pub async fn load(cmd: &str) -> Result<Option<SecretString>, Error> {
    let output = shell(cmd)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .await
        .map_err(|e| {
            Error::new(ErrorKind::Config, "cannot run token_load_command")
                .with_details(e.to_string())
        })?;
    let stdout = Zeroizing::new(output.stdout);
    if !output.status.success() {
        tracing::info!(target: "sealmail::oauth2", status = ?output.status.code(), "token_load_command failed; signing in");
        return Ok(None);
    }
    let text = std::str::from_utf8(&stdout).unwrap_or("");
    let first = text.lines().next().unwrap_or("").trim();
    Ok((!first.is_empty()).then(|| SecretString::from(first)))
}

/// Runs the store command with the token on its standard input.
pub async fn save(cmd: &str, token: &SecretString) -> Result<(), Error> {
    let fail =
        |why: String| Error::new(ErrorKind::Config, "token_store_command failed").with_details(why);
    let mut child = shell(cmd)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| fail(e.to_string()))?;
    if let Some(mut stdin) = child.stdin.take() {
        let line = Zeroizing::new(format!("{}\n", token.expose()));
        stdin
            .write_all(line.as_bytes())
            .await
            .map_err(|e| fail(e.to_string()))?;
        // Closing stdin tells the command the token is complete.
        drop(stdin);
    }
    let status = child.wait().await.map_err(|e| fail(e.to_string()))?;
    if status.success() {
        Ok(())
    } else {
        Err(fail(format!("exit status {}", status.code().unwrap_or(-1))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_token_goes_through_the_pair_and_back() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("rt");
        let store = format!("cat > '{}'", file.display());
        let load_cmd = format!("cat '{}' 2>/dev/null", file.display());
        assert!(load(&load_cmd).await.unwrap().is_none());
        save(&store, &SecretString::from("rt-123")).await.unwrap();
        assert_eq!(load(&load_cmd).await.unwrap().unwrap().expose(), "rt-123");
        assert!(save("exit 2", &SecretString::from("x")).await.is_err());
    }
}
