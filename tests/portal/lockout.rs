//! The portal cannot be turned against a recipient: an attacker who knows a message id and a
//! recipient's address (both are in the sealed mail) asks for passcodes from another address
//! and guesses wrong ones, and the recipient still gets in. Limits count per requester: a
//! second loopback address (127.0.0.2) is another requester, and so is each address a trusted
//! reverse proxy forwards; a forwarded address from anyone else is ignored.

use std::net::IpAddr;

use sealmail::sealed::client::Credential;
use sealmail::sealed::message::find_envelope;
use serde_json::{Value, json};

use crate::common::{Options, PortalProc, inner_message, mail_stack, passcode_mail, seal_cli};

/// An HTTP client whose connections come from `from` (a loopback address).
fn client_from(from: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(from.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

/// `POST /v1/otp`, optionally with an `X-Forwarded-For`: (status, body).
async fn ask(
    http: &reqwest::Client,
    portal: &PortalProc,
    id: &str,
    forwarded_for: Option<&str>,
) -> (u16, Value) {
    let mut request = http
        .post(portal.url("/v1/otp"))
        .json(&json!({"id": id, "email": "alice@example.test"}));
    if let Some(ip) = forwarded_for {
        request = request.header("x-forwarded-for", ip);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn guess(
    http: &reqwest::Client,
    portal: &PortalProc,
    id: &str,
    code: &str,
    forwarded_for: Option<&str>,
) -> u16 {
    let mut request = http.post(portal.url("/v1/unseal")).json(&json!({
        "id": id, "email": "alice@example.test", "otp": code
    }));
    if let Some(ip) = forwarded_for {
        request = request.header("x-forwarded-for", ip);
    }
    request.send().await.unwrap().status().as_u16()
}

fn wrong_than(code: &str) -> &'static str {
    if code == "00000000" {
        "11111111"
    } else {
        "00000000"
    }
}

async fn sealed_for_alice(portal: &PortalProc, marker: &str) -> String {
    find_envelope(
        &seal_cli(
            &portal.origin,
            &inner_message("alice@example.test", marker),
            &[],
        )
        .await,
    )
    .unwrap()
    .envelope
    .header
    .id
}

#[tokio::test]
async fn an_attacker_on_another_address_cannot_keep_the_recipient_out() {
    let (dovecot, postfix) = mail_stack().await;
    let portal = PortalProc::start(Options::mail_via(&postfix)).await;
    let id = sealed_for_alice(&portal, "lockout").await;
    let attacker = client_from("127.0.0.2");
    let recipient = client_from("127.0.0.1");

    // The recipient asks for a passcode and gets the mail.
    let (status, first) = ask(&recipient, &portal, &id, None).await;
    assert_eq!(status, 202);
    let reference = first["reference"].as_str().unwrap().to_owned();
    let (code, _) = passcode_mail(&dovecot, "alice", &reference).await;

    // The attacker asks until its own quota is gone: every answer names the live passcode
    // (it is not replaced), then the attacker alone is refused.
    for _ in 0..3 {
        let (status, body) = ask(&attacker, &portal, &id, None).await;
        assert_eq!(status, 202);
        assert_eq!(
            body["reference"],
            reference.as_str(),
            "the live passcode stays"
        );
    }
    assert_eq!(ask(&attacker, &portal, &id, None).await.0, 429);
    // ... and guesses wrong passcodes until it is locked out of guessing.
    let wrong = wrong_than(&code);
    for _ in 0..5 {
        assert_eq!(guess(&attacker, &portal, &id, wrong, None).await, 401);
    }
    assert_eq!(guess(&attacker, &portal, &id, &code, None).await, 429);

    // The recipient can still ask (its quota is its own), and its passcode still works.
    let (status, again) = ask(&recipient, &portal, &id, None).await;
    assert_eq!(status, 202, "{again}");
    assert_eq!(again["reference"], reference.as_str());
    portal
        .client()
        .unseal(
            &id,
            &Credential::Passcode {
                email: "alice@example.test".into(),
                code: code.clone().into(),
            },
        )
        .await
        .expect("the recipient's passcode still opens the message");
}

#[tokio::test]
async fn the_attacker_asking_first_does_not_use_up_the_recipients_quota() {
    let (dovecot, postfix) = mail_stack().await;
    let portal = PortalProc::start(Options::mail_via(&postfix)).await;
    let id = sealed_for_alice(&portal, "lockout-first").await;
    let attacker = client_from("127.0.0.2");
    for _ in 0..3 {
        assert_eq!(ask(&attacker, &portal, &id, None).await.0, 202);
    }
    assert_eq!(ask(&attacker, &portal, &id, None).await.0, 429);
    let requested = portal
        .client()
        .request_passcode(&id, "alice@example.test")
        .await
        .expect("the recipient is not refused because of the attacker");
    let (code, _) = passcode_mail(&dovecot, "alice", &requested.reference).await;
    portal
        .client()
        .unseal(
            &id,
            &Credential::Passcode {
                email: "alice@example.test".into(),
                code: code.into(),
            },
        )
        .await
        .expect("opens");
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_is_its_own_requester() {
    let (dovecot, postfix) = mail_stack().await;
    let portal = PortalProc::start(Options {
        extra: vec!["--trust-proxy".into(), "127.0.0.1".into()],
        ..Options::mail_via(&postfix)
    })
    .await;
    let id = sealed_for_alice(&portal, "proxy").await;
    let proxy = client_from("127.0.0.1");
    let attacker = Some("203.0.113.66");
    let alice = Some("2001:db8:aa:bb::1");
    for _ in 0..3 {
        assert_eq!(ask(&proxy, &portal, &id, attacker).await.0, 202);
    }
    assert_eq!(ask(&proxy, &portal, &id, attacker).await.0, 429);
    // A client elsewhere is not refused.
    let (status, body) = ask(&proxy, &portal, &id, alice).await;
    assert_eq!(status, 202);
    let (code, _) = passcode_mail(&dovecot, "alice", body["reference"].as_str().unwrap()).await;
    for _ in 0..5 {
        assert_eq!(
            guess(&proxy, &portal, &id, wrong_than(&code), attacker).await,
            401
        );
    }
    // IPv6 counts by /64: another address of the attacker's /64 is the same requester, a
    // client of another /64 is not.
    assert_eq!(
        guess(&proxy, &portal, &id, &code, Some("2001:db8:aa:bb::99")).await,
        200,
        "alice's /64 is not locked by the attacker's wrong guesses"
    );
}

#[tokio::test]
async fn a_forwarded_address_from_an_untrusted_peer_is_ignored() {
    let (_dovecot, postfix) = mail_stack().await;
    let portal = PortalProc::start(Options::mail_via(&postfix)).await;
    let id = sealed_for_alice(&portal, "no-proxy").await;
    let client = client_from("127.0.0.1");
    // Off by default: a new X-Forwarded-For on each request buys no new quota.
    for n in 0..3 {
        let spoofed = format!("198.51.100.{n}");
        assert_eq!(ask(&client, &portal, &id, Some(&spoofed)).await.0, 202);
    }
    assert_eq!(
        ask(&client, &portal, &id, Some("198.51.100.200")).await.0,
        429
    );
    // Trusting another proxy address does not make this peer trusted either.
    let portal = PortalProc::start(Options {
        extra: vec!["--trust-proxy".into(), "127.0.0.9".into()],
        ..Options::mail_via(&postfix)
    })
    .await;
    let id = sealed_for_alice(&portal, "no-proxy-2").await;
    for n in 0..3 {
        let spoofed = format!("198.51.100.{n}");
        assert_eq!(ask(&client, &portal, &id, Some(&spoofed)).await.0, 202);
    }
    assert_eq!(
        ask(&client, &portal, &id, Some("198.51.100.200")).await.0,
        429
    );
}

#[tokio::test]
async fn many_requesters_together_mail_a_recipient_at_most_ten_times() {
    let (dovecot, postfix) = mail_stack().await;
    let portal = PortalProc::start(Options {
        extra: vec!["--trust-proxy".into(), "127.0.0.1".into()],
        ..Options::mail_via(&postfix)
    })
    .await;
    let id = sealed_for_alice(&portal, "bomb").await;
    let proxy = client_from("127.0.0.1");
    let mut references = Vec::new();
    for n in 0..5 {
        let from = format!("198.51.100.{n}");
        for _ in 0..3 {
            let (status, body) = ask(&proxy, &portal, &id, Some(&from)).await;
            assert_eq!(status, 202, "{body}");
            references.push(body["reference"].as_str().unwrap().to_owned());
        }
    }
    references.dedup();
    assert_eq!(references.len(), 1, "one live passcode: {references:?}");
    dovecot
        .wait_for_messages("alice", 10, std::time::Duration::from_secs(30))
        .await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(dovecot.message_count("alice"), 10, "at most 10 mails");
}

#[tokio::test]
async fn addresses_with_unicode_spaces_or_letters_are_refused_not_folded() {
    let (_dovecot, postfix) = mail_stack().await;
    let portal = PortalProc::start(Options::mail_via(&postfix)).await;
    let id = sealed_for_alice(&portal, "addresses").await;
    let http = client_from("127.0.0.1");
    for hostile in [
        "alice@example.test\u{3000}",
        "\u{a0}alice@example.test",
        "alice@example.test\u{2028}",
        "alİce@example.test",
        "alice@example.tEst\u{301}",
    ] {
        let r = http
            .post(portal.url("/v1/otp"))
            .json(&json!({"id": id, "email": hostile}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400, "{hostile:?}");
        let r = http
            .post(portal.url("/v1/unseal"))
            .json(&json!({"id": id, "email": hostile, "otp": "12345678"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400, "{hostile:?}");
        let r = http
            .post(portal.url("/v1/messages"))
            .bearer_auth(crate::common::SENDER_TOKEN)
            .json(&json!({
                "id": sealmail::sealed::fields::new_message_id(),
                "from": "bob@example.test",
                "to": [hostile],
                "key": sealmail::sealed::fields::b64url(&[7u8; 32]),
                "expires": null,
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400, "{hostile:?}");
    }
    // ASCII case and surrounding ASCII spaces are the documented folding.
    let r = http
        .post(portal.url("/v1/otp"))
        .json(&json!({"id": id, "email": "  Alice@Example.TEST "}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 202);
}
