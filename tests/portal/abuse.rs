//! Abuse: wrong passcodes lock, used passcodes stay used, expired and revoked messages answer
//! 410, the passcode endpoint tells nothing, limits answer 429 with Retry-After, bad bodies get
//! a clear 400 and the service keeps serving.

use std::time::Duration;

use sealmail::sealed::client::{ClientError, Credential, Registration};
use sealmail::sealed::envelope::ContentKey;
use sealmail::sealed::fields;
use sealmail::sealed::message::find_envelope;
use serde_json::{Value, json};

use crate::common::{
    Options, PortalProc, SENDER_TOKEN, inner_message, mail_files, mail_stack, passcode_mail,
    seal_cli,
};

fn passcode(email: &str, code: &str) -> Credential {
    Credential::Passcode {
        email: email.into(),
        code: code.into(),
    }
}

#[tokio::test]
async fn five_wrong_passcodes_lock_it() {
    let (dovecot, postfix) = mail_stack().await;
    let portal = PortalProc::start(Options::mail_via(&postfix)).await;
    let client = portal.client();
    let found = find_envelope(
        &seal_cli(
            &portal.origin,
            &inner_message("alice@example.test", "lock"),
            &[],
        )
        .await,
    )
    .unwrap();
    let id = &found.envelope.header.id;
    let requested = client
        .request_passcode(id, "alice@example.test")
        .await
        .unwrap();
    let (code, _) = passcode_mail(&dovecot, "alice", &requested.reference).await;
    let wrong = if code == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    for left in [4, 3, 2, 1, 0] {
        assert_eq!(
            client
                .unseal(id, &passcode("alice@example.test", wrong))
                .await
                .unwrap_err(),
            ClientError::BadCredential {
                attempts_left: Some(left)
            }
        );
    }
    // Burned: even the right code is refused now, with a time to come back.
    match client
        .unseal(id, &passcode("alice@example.test", &code))
        .await
        .unwrap_err()
    {
        ClientError::TooManyAttempts {
            retry_after: Some(after),
        } => assert!(after >= Duration::from_secs(1)),
        other => panic!("expected too_many_attempts with Retry-After, got {other:?}"),
    }
    // A new passcode works again.
    let requested = client
        .request_passcode(id, "alice@example.test")
        .await
        .unwrap();
    let (code, _) = passcode_mail(&dovecot, "alice", &requested.reference).await;
    client
        .unseal(id, &passcode("alice@example.test", &code))
        .await
        .expect("a fresh passcode works");
}

#[tokio::test]
async fn unknown_ids_and_non_recipients_look_the_same_to_the_passcode_endpoint() {
    let (dovecot, postfix) = mail_stack().await;
    let portal = PortalProc::start(Options::mail_via(&postfix)).await;
    let found = find_envelope(
        &seal_cli(
            &portal.origin,
            &inner_message("alice@example.test", "probe"),
            &[],
        )
        .await,
    )
    .unwrap();
    let id = found.envelope.header.id.clone();
    let http = reqwest::Client::new();
    let ask = |id: String, email: &'static str| {
        let http = http.clone();
        let url = portal.url("/v1/otp");
        async move {
            let r = http
                .post(url)
                .json(&json!({"id": id, "email": email}))
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap();
            (status, body)
        }
    };
    let unknown = ask(fields::new_message_id(), "alice@example.test").await;
    let stranger = ask(id.clone(), "bob@example.test").await;
    let recipient = ask(id.clone(), "alice@example.test").await;
    for (status, body) in [&unknown, &stranger, &recipient] {
        assert_eq!(*status, 202);
        let obj = body.as_object().unwrap();
        assert_eq!(
            obj.keys().collect::<Vec<_>>(),
            vec!["expires_in", "reference"],
            "{body}"
        );
        assert_eq!(obj["expires_in"], 900);
        let reference = obj["reference"].as_str().unwrap();
        assert!(
            reference.len() == 4
                && reference
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        );
    }
    // Only the recipient gets mail; bob (a real mailbox, not a recipient) gets nothing.
    passcode_mail(
        &dovecot,
        "alice",
        recipient.1["reference"].as_str().unwrap(),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        mail_files(&dovecot, "bob").is_empty(),
        "nothing is mailed to a non-recipient"
    );

    // At most 3 passcodes per id and address per 15 minutes, counted the same for everyone.
    for _ in 0..2 {
        assert_eq!(ask(id.clone(), "bob@example.test").await.0, 202);
        assert_eq!(ask(id.clone(), "alice@example.test").await.0, 202);
    }
    for (label, id) in [("stranger", id.clone()), ("recipient", id.clone())] {
        let email = if label == "stranger" {
            "bob@example.test"
        } else {
            "alice@example.test"
        };
        let r = http
            .post(portal.url("/v1/otp"))
            .json(&json!({"id": id, "email": email}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 429, "{label}");
        let after: u64 = r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=900).contains(&after), "{label}: Retry-After {after}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"], "too_many_attempts");
    }

    // Unsealing as a non-recipient with a guessed passcode looks like "no passcode", too.
    assert_eq!(
        portal
            .client()
            .unseal(&id, &passcode("bob@example.test", "12345678"))
            .await
            .unwrap_err(),
        ClientError::BadCredential {
            attempts_left: Some(0)
        }
    );
    assert_eq!(
        portal
            .client()
            .unseal(
                &fields::new_message_id(),
                &passcode("alice@example.test", "12345678")
            )
            .await
            .unwrap_err(),
        ClientError::UnknownMessage
    );
}

#[tokio::test]
async fn expired_and_revoked_messages_answer_410() {
    let (dovecot, postfix) = mail_stack().await;
    let portal = PortalProc::start(Options::mail_via(&postfix)).await;
    let client = portal.client();
    let token = SENDER_TOKEN.into();

    // One message to get a session for alice.
    let first = find_envelope(
        &seal_cli(
            &portal.origin,
            &inner_message("alice@example.test", "s"),
            &[],
        )
        .await,
    )
    .unwrap();
    let requested = client
        .request_passcode(&first.envelope.header.id, "alice@example.test")
        .await
        .unwrap();
    let (code, _) = passcode_mail(&dovecot, "alice", &requested.reference).await;
    let session = client
        .unseal(
            &first.envelope.header.id,
            &passcode("alice@example.test", &code),
        )
        .await
        .unwrap()
        .session;

    // Registered straight through the API with an expiry two seconds away.
    let to = vec!["alice@example.test".to_owned()];
    let key = ContentKey::generate();
    let short = fields::new_message_id();
    let expires = chrono::Utc::now() + chrono::Duration::seconds(2);
    client
        .register(
            &token,
            &Registration {
                id: &short,
                from: "bob@example.test",
                to: &to,
                key: &key,
                expires: Some(expires),
            },
        )
        .await
        .unwrap();
    assert!(
        client
            .unseal(&short, &Credential::Session(session.clone()))
            .await
            .is_ok()
    );
    tokio::time::sleep(Duration::from_millis(3200)).await;
    assert_eq!(
        client
            .unseal(&short, &Credential::Session(session.clone()))
            .await
            .unwrap_err(),
        ClientError::Expired
    );

    // `--expires` on the command line reaches the portal too.
    let sealed = seal_cli(
        &portal.origin,
        &inner_message("alice@example.test", "exp"),
        &["--expires", "2030-01-01T00:00:00Z"],
    )
    .await;
    let found = find_envelope(&sealed).unwrap();
    assert!(
        client
            .unseal(
                &found.envelope.header.id,
                &Credential::Session(session.clone())
            )
            .await
            .is_ok()
    );

    // Revoked: 410 for every way in, and no passcode is mailed any more.
    let id = found.envelope.header.id.clone();
    assert_eq!(
        client
            .revoke(&"wrong-token-0123456789".into(), &id)
            .await
            .unwrap_err(),
        ClientError::Unauthorized
    );
    client.revoke(&token, &id).await.expect("revoke");
    assert_eq!(
        client
            .unseal(&id, &Credential::Session(session.clone()))
            .await
            .unwrap_err(),
        ClientError::Revoked
    );
    assert_eq!(
        client
            .unseal(&id, &passcode("alice@example.test", "12345678"))
            .await
            .unwrap_err(),
        ClientError::Revoked
    );
    let before = mail_files(&dovecot, "alice").len();
    client
        .request_passcode(&id, "alice@example.test")
        .await
        .expect("still 202");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        mail_files(&dovecot, "alice").len(),
        before,
        "no passcode for a revoked message"
    );
    // The id can never be registered again.
    assert_eq!(
        client
            .register(
                &token,
                &Registration {
                    id: &id,
                    from: "bob@example.test",
                    to: &to,
                    key: &key,
                    expires: None
                }
            )
            .await
            .unwrap_err(),
        ClientError::Exists
    );
}

#[tokio::test]
async fn sender_tokens_and_from_addresses_are_enforced() {
    let portal = PortalProc::start(Options::default()).await;
    let client = portal.client();
    let to = vec!["alice@example.test".to_owned()];
    let key = ContentKey::generate();
    let id = fields::new_message_id();
    let reg = |from: &'static str| Registration {
        id: &id,
        from,
        to: &to,
        key: &key,
        expires: None,
    };
    assert_eq!(
        client
            .register(&"not-the-token-0123456789".into(), &reg("bob@example.test"))
            .await
            .unwrap_err(),
        ClientError::Unauthorized
    );
    assert_eq!(
        client
            .register(&SENDER_TOKEN.into(), &reg("bob@elsewhere.test"))
            .await
            .unwrap_err(),
        ClientError::Forbidden
    );
    client
        .register(&SENDER_TOKEN.into(), &reg("bob@example.test"))
        .await
        .unwrap();
    assert_eq!(
        client
            .register(&SENDER_TOKEN.into(), &reg("bob@example.test"))
            .await
            .unwrap_err(),
        ClientError::Exists
    );
}

#[tokio::test]
async fn bad_bodies_get_a_clear_400_and_the_service_keeps_serving() {
    let portal = PortalProc::start(Options::default()).await;
    let http = reqwest::Client::new();
    let post = |path: &str, content_type: &'static str, body: Vec<u8>| {
        http.post(portal.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let id = fields::new_message_id();
    let cases: Vec<(&str, &'static str, Vec<u8>, &str)> = vec![
        (
            "/v1/unseal",
            "application/json",
            vec![b' '; 1 << 20],
            "larger than",
        ),
        (
            "/v1/unseal",
            "application/json",
            b"{not json".to_vec(),
            "not JSON",
        ),
        ("/v1/unseal", "text/plain", b"{}".to_vec(), "Content-Type"),
        (
            "/v1/unseal",
            "application/json",
            b"{}".to_vec(),
            "missing field `id`",
        ),
        (
            "/v1/unseal",
            "application/json",
            br#"{"id": 7}"#.to_vec(),
            "wrong type",
        ),
        (
            "/v1/unseal",
            "application/json",
            format!(r#"{{"id":"{id}"}}"#).into_bytes(),
            "exactly one",
        ),
        (
            "/v1/unseal",
            "application/json",
            format!(r#"{{"id":"{id}","session":"a","id_token":"b"}}"#).into_bytes(),
            "exactly one",
        ),
        (
            "/v1/unseal",
            "application/json",
            br#"{"id":"short","session":"a"}"#.to_vec(),
            "id:",
        ),
        (
            "/v1/unseal",
            "application/json",
            format!(r#"{{"id":"{id}","email":"alice@example.test","otp":"12ab"}}"#).into_bytes(),
            "otp:",
        ),
        (
            "/v1/otp",
            "application/json",
            format!(r#"{{"id":"{id}","email":"not an address"}}"#).into_bytes(),
            "email:",
        ),
        ("/v1/otp", "application/json", b"[1,2,3]".to_vec(), "body"),
    ];
    for (path, content_type, body, needle) in cases {
        let preview = String::from_utf8_lossy(&body[..body.len().min(60)]).into_owned();
        let response = post(path, content_type, body)
            .await
            .expect("the portal answers");
        assert_eq!(response.status().as_u16(), 400, "{path} {preview}");
        let body: Value = response.json().await.expect("a JSON error body");
        assert_eq!(body["error"], "invalid_request", "{body}");
        let message = body["message"].as_str().unwrap();
        assert!(
            message.contains(needle),
            "{preview}: message {message:?} should mention {needle:?}"
        );
    }
    let missing = http.get(portal.url("/v1/nothing")).send().await.unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    assert_eq!(missing.json::<Value>().await.unwrap()["error"], "not_found");
    let wrong_method = http.get(portal.url("/v1/unseal")).send().await.unwrap();
    assert_eq!(wrong_method.status().as_u16(), 405);

    // Still serving, correctly.
    let discovery = portal
        .client()
        .discover()
        .await
        .expect("discovery after the abuse");
    assert_eq!(discovery.v, 2);
    assert_eq!(
        portal
            .client()
            .unseal(&id, &Credential::Session("x".into()))
            .await
            .unwrap_err(),
        ClientError::BadCredential {
            attempts_left: None
        }
    );
}

#[tokio::test]
async fn the_per_ip_budget_answers_429_with_retry_after() {
    let portal = PortalProc::start(Options {
        extra: vec!["--ip-requests-per-minute".into(), "5".into()],
        ..Options::default()
    })
    .await;
    let client = portal.client();
    let id = fields::new_message_id();
    for _ in 0..5 {
        assert_eq!(
            client
                .unseal(&id, &Credential::Session("x".into()))
                .await
                .unwrap_err(),
            ClientError::BadCredential {
                attempts_left: None
            }
        );
    }
    match client
        .unseal(&id, &Credential::Session("x".into()))
        .await
        .unwrap_err()
    {
        ClientError::TooManyAttempts {
            retry_after: Some(after),
        } => {
            assert!((1..=60).contains(&after.as_secs()), "{after:?}")
        }
        other => panic!("expected 429, got {other:?}"),
    }
}

/// A hostile portal on loopback answers with megabytes (declared, chunked without a length, or
/// as an error body): the reader reads at most 64 KiB and refuses the answer.
#[tokio::test]
async fn the_reader_reads_at_most_64_kib_of_a_portal_answer() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = sent.clone();
    tokio::spawn(async move {
        let mut n = 0usize;
        while let Ok((mut socket, _)) = listener.accept().await {
            n += 1;
            let counter = counter.clone();
            let shape = n;
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let big = format!(
                    "{{\"v\":2,\"methods\":[],\"pad\":\"{}\"}}",
                    "x".repeat(4 << 20)
                );
                let head = match shape % 3 {
                    // A declared length over the cap.
                    1 => format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                        big.len()
                    ),
                    // No length: the body streams until the connection closes.
                    2 => "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
                        .to_owned(),
                    // An error answer with a huge body.
                    _ => "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
                        .to_owned(),
                };
                if socket.write_all(head.as_bytes()).await.is_ok() {
                    for chunk in big.as_bytes().chunks(16 * 1024) {
                        if socket.write_all(chunk).await.is_err() {
                            break;
                        }
                        counter.fetch_add(chunk.len(), std::sync::atomic::Ordering::SeqCst);
                    }
                }
            });
        }
    });
    let client = sealmail::sealed::client::PortalClient::new(&origin, None).unwrap();
    for shape in ["declared length", "streamed", "error body"] {
        let result = client.discover().await;
        match (shape, &result) {
            ("error body", Err(ClientError::Server { message, .. })) => {
                assert_eq!(message, "no error body", "{shape}")
            }
            (_, Err(ClientError::Protocol(why))) => {
                assert!(why.contains("larger"), "{shape}: {why}")
            }
            _ => panic!("{shape}: expected a refusal, got {result:?}"),
        }
    }
}
