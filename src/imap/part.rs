//! One part of a message, by its section number, on a connection of its own: the attachments
//! that opening a message leaves on the server are fetched this way when the user asks for
//! them, so that a large download never holds up the list, IDLE or the next message.

use std::sync::Arc;

use super::connect;
use super::errors::imap_error;
use super::fetch;
use super::metrics::timed;
use super::settings::ImapSettings;
use super::stream::Traffic;
use super::tls;
use crate::error::{Error, ErrorKind};

/// A logged-in connection of the account's own beside the actor's (a part, a search of every
/// folder). It never signs in itself: it borrows the token the account's actor logged in with.
pub(super) async fn side_connection(
    settings: &ImapSettings,
    traffic: Arc<Traffic>,
) -> Result<connect::Connected, Error> {
    let config = tls::client_config(settings.ca_file.as_deref())?;
    let token = match settings.auth.token_keeper() {
        Some(keeper) => Some(
            keeper
                .held_token()
                .await
                .ok_or_else(|| Error::new(ErrorKind::Auth, "not signed in to the account"))?,
        ),
        None => None,
    };
    connect::connect(settings, token.as_ref(), config, traffic).await
}

/// The content of part `section` ("2", "3.1": the numbers of [`crate::mime::Skipped`]) of
/// message `uid` in `folder`, still in its transfer encoding. The folder is opened read-only
/// (EXAMINE), so nothing changes on the server, not even \Seen. Bytes are counted in
/// `traffic`.
pub async fn fetch_part(
    settings: &ImapSettings,
    traffic: Arc<Traffic>,
    folder: &str,
    uid: u32,
    section: &str,
) -> Result<Vec<u8>, Error> {
    let mut session = side_connection(settings, traffic).await?.session;
    timed("examine", session.examine(folder))
        .await
        .map_err(|e| imap_error("open folder", e))?;
    let content = fetch::section(&mut session, uid, section).await;
    let _ = session.logout().await;
    content
}
