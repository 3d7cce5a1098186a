//! Appending one message to a folder on a connection of its own (`sealmail seal --imap`),
//! with the same policy, TLS, greeting checks and login as the reader's connections.

use std::sync::Arc;

use super::connect;
use super::errors::imap_error;
use super::metrics::timed;
use super::settings::ImapSettings;
use super::stream::Traffic;
use super::tls;
use crate::error::Error;

/// Appends `message` to `folder` with `flags` (`"(\\Seen)"`), then logs out. It logs in with
/// the password in `settings`: it has no token of its own for an OAuth2 account.
pub async fn append(
    settings: &ImapSettings,
    folder: &str,
    flags: &str,
    message: &[u8],
) -> Result<(), Error> {
    let config = tls::client_config(settings.ca_file.as_deref())?;
    let connected = connect::connect(settings, None, config, Arc::new(Traffic::default())).await?;
    let mut session = connected.session;
    timed("append", session.append(folder, Some(flags), None, message))
        .await
        .map_err(|e| imap_error("append", e))?;
    let _ = session.logout().await;
    Ok(())
}
