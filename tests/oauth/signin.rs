//! The device sign-in: approved (XOAUTH2 and OAUTHBEARER) then reading the inbox, declined,
//! expired, and a token the server refuses shown as a readable error.

use std::time::Duration;

use sealmail::auth::oauth2::{Mechanism, TokenKeeper, TokenStore};
use sealmail::mail::SignInState;

use crate::common::{Reader, address, imap_settings, oauth_settings, stack};
use crate::support::IdpOptions;

async fn signs_in_and_reads_the_inbox(mechanism: Mechanism) {
    let s = stack(IdpOptions::default()).await;
    s.dovecot.populate("alice", 7);
    let keeper = TokenKeeper::new(oauth_settings(&s.idp, TokenStore::Memory, mechanism)).unwrap();
    let mut reader = Reader::start(imap_settings(&s.dovecot, &address("alice"), keeper.clone()));

    let prompt = reader.prompt().await;
    assert!(
        matches!(
            reader.sign_ins.first(),
            Some(SignInState::Requesting { reason: None, .. })
        ),
        "the first state asks for a code without a reason: {:?}",
        reader.sign_ins
    );
    assert_eq!(prompt.provider, "127.0.0.1");
    assert_eq!(
        prompt.verification_uri,
        format!("{}/device", s.idp.issuer())
    );
    assert_eq!(
        prompt.verification_uri_complete.as_deref(),
        Some(format!("{}/device?user_code={}", s.idp.issuer(), prompt.user_code).as_str())
    );
    assert!(
        prompt.expires_in_s > 500 && prompt.expires_in_s <= 600,
        "{prompt:?}"
    );
    assert!(!prompt.slow_down);

    // After a poll that found nobody approving yet, the same code with the time left (the
    // reader counts down between prompts on its own clock).
    let second = reader.prompt().await;
    assert_eq!(second.user_code, prompt.user_code);
    assert!(
        second.expires_in_s <= prompt.expires_in_s,
        "{prompt:?} then {second:?}"
    );

    s.idp
        .approve_device(&prompt.user_code, "alice")
        .await
        .unwrap();
    reader.online().await;
    assert!(
        reader
            .sign_ins
            .iter()
            .any(|st| matches!(st, SignInState::SignedIn { .. })),
        "{:?}",
        reader.sign_ins
    );
    assert_eq!(keeper.sign_in_count(), 1);
    assert_eq!(reader.inbox_rows(1).await, 7);
    let method = match mechanism {
        Mechanism::XOAuth2 => "XOAUTH2",
        Mechanism::OAuthBearer => "OAUTHBEARER",
    };
    let log = s.dovecot.log();
    assert!(
        log.contains(&format!(
            "Login: user=<alice@example.test>, method={method}"
        )),
        "{log}"
    );
    reader.shutdown().await;
}

#[tokio::test]
async fn a_device_sign_in_with_xoauth2_reads_the_inbox() {
    signs_in_and_reads_the_inbox(Mechanism::XOAuth2).await;
}

#[tokio::test]
async fn a_device_sign_in_with_oauthbearer_reads_the_inbox() {
    signs_in_and_reads_the_inbox(Mechanism::OAuthBearer).await;
}

#[tokio::test]
async fn a_declined_sign_in_is_reported_as_declined() {
    let s = stack(IdpOptions::default()).await;
    let keeper = TokenKeeper::new(oauth_settings(
        &s.idp,
        TokenStore::Memory,
        Mechanism::XOAuth2,
    ))
    .unwrap();
    let mut reader = Reader::start(imap_settings(&s.dovecot, &address("alice"), keeper));
    let prompt = reader.prompt().await;
    s.idp.deny_device(&prompt.user_code).await.unwrap();
    let reason = reader.failed().await;
    assert!(reason.contains("declined"), "{reason}");
    assert!(
        matches!(reader.sign_ins.last(), Some(SignInState::Denied { .. })),
        "{:?}",
        reader.sign_ins
    );
    reader.shutdown().await;
}

#[tokio::test]
async fn an_expired_device_code_is_reported_as_expired() {
    let s = stack(IdpOptions::default().device_code_ttl(Duration::from_secs(3))).await;
    let keeper = TokenKeeper::new(oauth_settings(
        &s.idp,
        TokenStore::Memory,
        Mechanism::XOAuth2,
    ))
    .unwrap();
    let mut reader = Reader::start(imap_settings(&s.dovecot, &address("alice"), keeper));
    let prompt = reader.prompt().await;
    assert!(prompt.expires_in_s <= 3, "{prompt:?}");
    let reason = reader.failed().await;
    assert!(reason.contains("expired"), "{reason}");
    assert!(
        matches!(reader.sign_ins.last(), Some(SignInState::Expired { .. })),
        "{:?}",
        reader.sign_ins
    );
    // The code is no good at the IdP either.
    assert!(
        s.idp
            .approve_device(&prompt.user_code, "alice")
            .await
            .is_err()
    );
    reader.shutdown().await;
}

#[tokio::test]
async fn a_refused_token_shows_the_servers_failure_challenge_in_words() {
    let s = stack(IdpOptions::default()).await;
    let keeper = TokenKeeper::new(oauth_settings(
        &s.idp,
        TokenStore::Memory,
        Mechanism::XOAuth2,
    ))
    .unwrap();
    let mut reader = Reader::start(imap_settings(&s.dovecot, &address("alice"), keeper));
    let prompt = reader.prompt().await;
    // Someone approves as bob: the token is bob's, the account is alice's.
    s.idp
        .approve_device(&prompt.user_code, "bob")
        .await
        .unwrap();
    let reason = reader.failed().await;
    assert!(
        reason.contains("the mail server refused the sign-in token"),
        "{reason}"
    );
    assert!(
        reason.contains("the token is not valid: expired, revoked, or issued for another account"),
        "{reason}"
    );
    assert!(reason.contains(r#""status":"401""#), "{reason}");
    reader.shutdown().await;
}

#[tokio::test]
async fn oauthbearer_falls_back_to_xoauth2_when_the_server_does_not_offer_it() {
    let idp = crate::support::Idp::start(IdpOptions::default()).await;
    let dovecot = crate::support::Dovecot::start(
        crate::support::DovecotOptions::default()
            .oauth2(&idp)
            .extra_config("auth_mechanisms = plain login xoauth2"),
    )
    .await;
    dovecot.populate("alice", 2);
    let keeper = TokenKeeper::new(oauth_settings(
        &idp,
        TokenStore::Memory,
        Mechanism::OAuthBearer,
    ))
    .unwrap();
    let mut reader = Reader::start(imap_settings(&dovecot, &address("alice"), keeper));
    let prompt = reader.prompt().await;
    idp.approve_device(&prompt.user_code, "alice")
        .await
        .unwrap();
    reader.online().await;
    assert_eq!(reader.inbox_rows(1).await, 2);
    let log = dovecot.log();
    assert!(
        log.contains("method=OAUTHBEARER failed: Unsupported authentication mechanism")
            || log
                .contains("Authenticate OAUTHBEARER failed: Unsupported authentication mechanism"),
        "OAUTHBEARER was tried first: {log}"
    );
    assert!(
        log.contains("Login: user=<alice@example.test>, method=XOAUTH2"),
        "then XOAUTH2 logged in: {log}"
    );
    reader.shutdown().await;
}

#[tokio::test]
async fn quitting_during_the_sign_in_stops_the_actor_at_once() {
    let s = stack(IdpOptions::default()).await;
    let keeper = TokenKeeper::new(oauth_settings(
        &s.idp,
        TokenStore::Memory,
        Mechanism::XOAuth2,
    ))
    .unwrap();
    let mut reader = Reader::start(imap_settings(&s.dovecot, &address("alice"), keeper));
    reader.prompt().await;
    reader
        .commands
        .send(sealmail::mail::SourceCommand::Shutdown)
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(5), &mut reader.handle)
        .await
        .expect("the actor stopped while waiting for approval")
        .unwrap();
}
