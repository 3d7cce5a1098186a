//! Appending one message to a folder on a connection of its own (`sealmail seal --imap`, the
//! composer's Sent copy and drafts), with the same policy, TLS, greeting checks and login as
//! the reader's connections: the password, or the OAuth2 token (XOAUTH2 or OAUTHBEARER, as the
//! account says) kept fresh by the account's keeper.

use std::sync::Arc;

use super::connect;
use super::errors::imap_error;
use super::metrics::timed;
use super::settings::ImapSettings;
use super::stream::Traffic;
use super::tls;
use crate::error::{Error, ErrorKind};

/// Appends `message` to `folder` with `flags` (`"(\\Seen)"`), then logs out. An OAuth2
/// account signs in with its keeper's token, refreshed first when it is expired or near
/// expiry; a token the server refuses is refreshed and tried once more. It never runs a device
/// sign-in: with no token to refresh, it says so.
pub async fn append(
    settings: &ImapSettings,
    folder: &str,
    flags: &str,
    message: &[u8],
) -> Result<(), Error> {
    let config = tls::client_config(settings.ca_file.as_deref())?;
    let traffic = Arc::new(Traffic::default());
    let connected = match settings.auth.token_keeper() {
        None => connect::connect(settings, None, config, traffic).await?,
        Some(keeper) => {
            let token = keeper.fresh_token().await?;
            match connect::connect(settings, Some(&token), config.clone(), traffic.clone()).await {
                Err(e) if e.kind == ErrorKind::Auth => {
                    keeper.rejected(&token).await;
                    let token = keeper.fresh_token().await?;
                    connect::connect(settings, Some(&token), config, traffic).await?
                }
                other => other?,
            }
        }
    };
    let mut session = connected.session;
    timed("append", session.append(folder, Some(flags), None, message))
        .await
        .map_err(|e| imap_error("append", e))?;
    let _ = session.logout().await;
    Ok(())
}
