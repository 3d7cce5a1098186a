//! Keeping the session signed in: an expired access token is refreshed without a prompt and a
//! reconnect reuses the fresh one; a revoked sign-in leads to a clean new device prompt.

use std::time::Duration;

use sealmail::auth::oauth2::{Mechanism, TokenKeeper, TokenStore};
use sealmail::mail::{SignInState, SourceEvent};

use crate::common::{Reader, address, imap_settings, oauth_settings, stack};
use crate::support::IdpOptions;

#[tokio::test]
async fn an_expiring_access_token_is_refreshed_and_a_reconnect_needs_no_prompt() {
    let mut s = stack(IdpOptions::default().access_token_ttl(Duration::from_secs(4))).await;
    s.dovecot.populate("alice", 3);
    let keeper = TokenKeeper::new(oauth_settings(
        &s.idp,
        TokenStore::Memory,
        Mechanism::XOAuth2,
    ))
    .unwrap();
    let mut reader = Reader::start(imap_settings(&s.dovecot, &address("alice"), keeper.clone()));
    let prompt = reader.prompt().await;
    s.idp
        .approve_device(&prompt.user_code, "alice")
        .await
        .unwrap();
    reader.online().await;
    assert_eq!(reader.inbox_rows(1).await, 3);
    let prompts_before = reader.sign_ins.len();

    // Two lifetimes of the first access token pass: it has expired, and the keeper has
    // refreshed on its own.
    tokio::time::sleep(Duration::from_secs(9)).await;
    assert!(
        keeper.refresh_count() >= 2,
        "refreshes: {}",
        keeper.refresh_count()
    );

    // The connection drops; the reconnect logs in with the fresh token, without a prompt.
    s.dovecot.restart().await;
    reader.online().await;
    assert_eq!(reader.inbox_rows(2).await, 3);
    assert_eq!(
        reader.sign_ins.len(),
        prompts_before,
        "{:?}",
        reader.sign_ins
    );
    assert_eq!(keeper.sign_in_count(), 1);
    reader.shutdown().await;
}

#[tokio::test]
async fn a_revoked_sign_in_leads_to_a_clean_new_prompt() {
    let mut s = stack(IdpOptions::default()).await;
    s.dovecot.populate("alice", 2);
    // The command pair lets the test see the refresh token it has to revoke.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("refresh-token");
    let store = TokenStore::Commands {
        store: format!("cat > '{}'", file.display()),
        load: format!("cat '{}' 2>/dev/null || true", file.display()),
    };
    let keeper = TokenKeeper::new(oauth_settings(&s.idp, store, Mechanism::XOAuth2)).unwrap();
    let mut reader = Reader::start(imap_settings(&s.dovecot, &address("alice"), keeper.clone()));
    let prompt = reader.prompt().await;
    s.idp
        .approve_device(&prompt.user_code, "alice")
        .await
        .unwrap();
    reader.online().await;
    let refresh_token = std::fs::read_to_string(&file).unwrap();
    let refresh_token = refresh_token.trim();
    assert!(!refresh_token.is_empty());

    // Revoking the refresh token ends the grant (its access tokens too).
    s.idp.revoke(refresh_token).await;
    s.dovecot.restart().await;
    let again = reader.prompt().await;
    let requesting = reader
        .sign_ins
        .iter()
        .rev()
        .find_map(|st| match st {
            SignInState::Requesting { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .expect("a new sign-in started");
    let reason = requesting.expect("the new prompt says why");
    assert!(reason.contains("your sign-in has ended"), "{reason}");
    assert_eq!(again.reason.as_deref(), Some(reason.as_str()));
    assert_ne!(again.user_code, prompt.user_code);

    s.idp
        .approve_device(&again.user_code, "alice")
        .await
        .unwrap();
    reader.online().await;
    assert_eq!(reader.inbox_rows(1).await, 2);
    assert_eq!(keeper.sign_in_count(), 2);
    let stored = std::fs::read_to_string(&file).unwrap();
    assert_ne!(
        stored.trim(),
        refresh_token,
        "the new refresh token was stored"
    );
    // Nothing else went wrong on the way.
    while let Ok(event) = reader.events.try_recv() {
        assert!(!matches!(event, SourceEvent::Notice(_)), "{event:?}");
    }
    reader.shutdown().await;
}
