//! The OpenID Connect provider: device flow approved and denied by "the user on another
//! device", tokens Dovecot accepts.

use std::time::Duration;

use base64::Engine as _;

use crate::imap_raw::{RawImap, status, tcp};
use crate::support::{Dovecot, DovecotOptions, Idp, IdpOptions};

#[tokio::test]
async fn approved_device_flow_yields_an_id_token_for_alice() {
    let idp = Idp::start(IdpOptions::default()).await;
    let device = idp
        .device_authorization("mailreader", "openid email offline_access")
        .await;
    assert_eq!(device.verification_uri, format!("{}/device", idp.issuer()));
    assert_eq!(device.interval, Some(1));
    assert_eq!(
        idp.poll_device_token("mailreader", &device.device_code)
            .await
            .err()
            .as_deref(),
        Some("authorization_pending")
    );

    idp.approve_device(&device.user_code, "alice")
        .await
        .expect("approval");
    let tokens = idp
        .wait_device_token("mailreader", &device, Duration::from_secs(20))
        .await
        .expect("tokens after approval");
    let claims = tokens.id_token_claims();
    assert_eq!(claims["email"], "alice@example.test", "{claims}");
    assert_eq!(claims["email_verified"], true, "{claims}");
    assert_eq!(claims["iss"], idp.issuer(), "{claims}");
    assert_eq!(claims["aud"], "mailreader", "{claims}");
    assert!(
        tokens.refresh_token.is_some(),
        "offline_access gives a refresh token"
    );

    // a used user code cannot be approved twice
    assert!(idp.approve_device(&device.user_code, "bob").await.is_err());
    let introspection = idp.introspect(&tokens.access_token).await;
    assert_eq!(introspection["active"], true, "{introspection}");
    assert_eq!(
        introspection["email"], "alice@example.test",
        "{introspection}"
    );
}

#[tokio::test]
async fn denied_device_flow_yields_access_denied() {
    let idp = Idp::start(IdpOptions::default()).await;
    let device = idp.device_authorization("mailreader", "openid email").await;
    idp.deny_device(&device.user_code).await.expect("denial");
    let result = idp
        .wait_device_token("mailreader", &device, Duration::from_secs(20))
        .await;
    assert_eq!(result.err().as_deref(), Some("access_denied"));
}

#[tokio::test]
async fn expired_device_code_is_refused() {
    let idp = Idp::start(IdpOptions::default().device_code_ttl(Duration::from_secs(1))).await;
    let device = idp.device_authorization("mailreader", "openid email").await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert!(
        idp.approve_device(&device.user_code, "alice")
            .await
            .is_err()
    );
    assert_eq!(
        idp.poll_device_token("mailreader", &device.device_code)
            .await
            .err()
            .as_deref(),
        Some("expired_token")
    );
}

fn xoauth2(user: &str, token: &str) -> String {
    base64::engine::general_purpose::STANDARD
        .encode(format!("user={user}\x01auth=Bearer {token}\x01\x01"))
}

#[tokio::test]
async fn dovecot_with_the_oauth2_option_accepts_the_idps_tokens_only() {
    let idp = Idp::start(IdpOptions::default()).await;
    let dovecot = Dovecot::start(DovecotOptions::default().oauth2(&idp)).await;
    let tokens = idp.sign_in("alice").await;

    let (mut imap, greeting) = RawImap::greet(tcp(dovecot.imap_port()).await).await;
    assert!(greeting.contains("AUTH=XOAUTH2"), "{greeting}");
    assert!(greeting.contains("AUTH=OAUTHBEARER"), "{greeting}");
    let reply = imap
        .command(&format!(
            "AUTHENTICATE XOAUTH2 {}",
            xoauth2("alice@example.test", &tokens.access_token)
        ))
        .await;
    assert_eq!(status(&reply), "OK", "{reply:?}\n{}", dovecot.log());

    // a token for alice does not open bob's mailbox; a failure first sends a JSON challenge
    let (mut imap, _) = RawImap::greet(tcp(dovecot.imap_port()).await).await;
    imap.send(&format!(
        "t1 AUTHENTICATE XOAUTH2 {}",
        xoauth2("bob@example.test", &tokens.access_token)
    ))
    .await;
    let challenge = imap.line().await;
    assert!(challenge.starts_with("+ "), "{challenge}");
    imap.send("").await;
    let reply = imap.line().await;
    assert!(reply.starts_with("t1 NO"), "{reply}");

    // revoked at the IdP: refused
    idp.revoke(&tokens.access_token).await;
    let (mut imap, _) = RawImap::greet(tcp(dovecot.imap_port()).await).await;
    imap.send(&format!(
        "t1 AUTHENTICATE XOAUTH2 {}",
        xoauth2("alice@example.test", &tokens.access_token)
    ))
    .await;
    assert!(imap.line().await.starts_with("+ "));
    imap.send("").await;
    assert!(imap.line().await.starts_with("t1 NO"));

    // passwords keep working next to OAuth2
    let reply = imap.command("LOGIN alice alicepass").await;
    assert_eq!(status(&reply), "OK", "{reply:?}");
}

#[tokio::test]
async fn https_option_serves_the_flow_over_tls_signed_by_its_ca() {
    let idp = Idp::start(IdpOptions::default().https()).await;
    assert!(
        idp.issuer().starts_with("https://127.0.0.1:"),
        "{}",
        idp.issuer()
    );
    assert!(idp.ca_pem().is_some());
    let tokens = idp.sign_in("bob").await;
    assert_eq!(tokens.id_token_claims()["email"], "bob@example.test");
}

#[tokio::test]
async fn short_access_token_ttl_expires_tokens_and_refresh_renews_them() {
    let idp = Idp::start(IdpOptions::default().access_token_ttl(Duration::from_secs(1))).await;
    let tokens = idp.sign_in("alice").await;
    assert_eq!(tokens.expires_in, Some(1));
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(idp.introspect(&tokens.access_token).await["active"], false);
    let refreshed = idp
        .refresh(tokens.refresh_token.as_deref().expect("refresh token"))
        .await
        .expect("refresh grant");
    assert_eq!(
        idp.introspect(&refreshed.access_token).await["active"],
        true
    );
}
