//! ID tokens: from the real `oidc-provider` IdP through its device flow, and tokens that must
//! fail, minted here with a throwaway key served from a JWKS of our own.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::routing::get;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sealmail::sealed::client::{ClientError, Credential};
use sealmail::sealed::message::find_envelope;
use serde_json::{Value, json};

use crate::common::{Options, PortalProc, inner_message, python_ok, seal_cli};
use crate::support::{Idp, IdpOptions};

const CLIENT_ID: &str = "portal-test";

/// A throwaway RSA key made by openssl: its encoding key, public JWK (with `kid`), public PEM.
fn throwaway_key(kid: &str) -> (EncodingKey, Jwk, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let private = dir.path().join("key.pem");
    let public = dir.path().join("pub.pem");
    let ok = std::process::Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
        ])
        .arg(&private)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl must be installed (scripts/install-test-deps.sh)")
        .success();
    assert!(ok, "openssl genpkey failed");
    assert!(
        std::process::Command::new("openssl")
            .args(["pkey", "-pubout", "-in"])
            .arg(&private)
            .arg("-out")
            .arg(&public)
            .status()
            .unwrap()
            .success()
    );
    let key = EncodingKey::from_rsa_pem(&std::fs::read(&private).unwrap()).unwrap();
    let mut jwk = Jwk::from_encoding_key(&key, Algorithm::RS256).unwrap();
    jwk.common.key_id = Some(kid.to_owned());
    (key, jwk, std::fs::read(&public).unwrap())
}

/// An OpenID Connect issuer of our own: discovery and a JWKS we can change, counting fetches;
/// it can be made slow, failing, or to answer with a huge JWKS.
struct OwnIssuer {
    issuer: String,
    jwks: Arc<Mutex<Vec<Jwk>>>,
    fetches: Arc<AtomicUsize>,
    /// Delay before each JWKS answer.
    delay: Arc<Mutex<Duration>>,
    /// Answer the JWKS with 500.
    failing: Arc<AtomicBool>,
    /// Bytes of padding added to the JWKS answer.
    padding: Arc<AtomicUsize>,
}

#[derive(Clone)]
struct IssuerState {
    issuer: String,
    jwks: Arc<Mutex<Vec<Jwk>>>,
    fetches: Arc<AtomicUsize>,
    delay: Arc<Mutex<Duration>>,
    failing: Arc<AtomicBool>,
    padding: Arc<AtomicUsize>,
}

impl OwnIssuer {
    async fn start(keys: Vec<Jwk>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let state = IssuerState {
            issuer: issuer.clone(),
            jwks: Arc::new(Mutex::new(keys)),
            fetches: Arc::new(AtomicUsize::new(0)),
            delay: Arc::new(Mutex::new(Duration::ZERO)),
            failing: Arc::new(AtomicBool::new(false)),
            padding: Arc::new(AtomicUsize::new(0)),
        };
        let app = axum::Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(|State(s): State<IssuerState>| async move {
                    Json(json!({"issuer": s.issuer, "jwks_uri": format!("{}/jwks", s.issuer)}))
                }),
            )
            .route(
                "/jwks",
                get(|State(s): State<IssuerState>| async move {
                    s.fetches.fetch_add(1, Ordering::SeqCst);
                    let delay = *s.delay.lock().unwrap();
                    tokio::time::sleep(delay).await;
                    if s.failing.load(Ordering::SeqCst) {
                        return Err(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
                    }
                    let keys = s.jwks.lock().unwrap().clone();
                    let padding = "x".repeat(s.padding.load(Ordering::SeqCst));
                    Ok(Json(json!({ "keys": keys, "padding": padding })))
                }),
            )
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            issuer,
            jwks: state.jwks,
            fetches: state.fetches,
            delay: state.delay,
            failing: state.failing,
            padding: state.padding,
        }
    }
}

fn claims(issuer: &str, email: &str, nonce: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"iss": issuer, "sub": "u1", "aud": CLIENT_ID, "iat": now, "exp": now + 600,
           "email": email, "email_verified": true, "nonce": nonce})
}

/// A fresh nonce of `portal` (one per token: the portal accepts each once).
async fn nonce(portal: &PortalProc) -> String {
    portal
        .client()
        .oidc_nonce()
        .await
        .expect("a nonce from the portal")
        .expose()
        .to_owned()
}

fn mint(key: &EncodingKey, kid: &str, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

fn b64(value: &Value) -> String {
    sealmail::sealed::fields::b64url(value.to_string().as_bytes())
}

#[tokio::test]
async fn id_tokens_from_the_real_idp_device_flow_unseal() {
    let idp = Idp::start(IdpOptions::default()).await;
    let portal = PortalProc::start(Options {
        oidc: vec![(idp.issuer().to_owned(), "mailreader".to_owned())],
        ..Options::default()
    })
    .await;
    let client = portal.client();
    let discovery = client.discover().await.unwrap();
    assert_eq!(discovery.methods, vec!["otp", "oidc"]);
    assert_eq!(discovery.oidc[0].issuer, idp.issuer());
    assert_eq!(discovery.oidc[0].client_id, "mailreader");

    let inner = inner_message("alice@example.test", "oidc-real");
    let sealed = seal_cli(&portal.origin, &inner, &[]).await;
    let found = find_envelope(&sealed).unwrap();
    let id = &found.envelope.header.id;

    // Alice signs in with the device flow, approved "on another device", with the portal's
    // nonce in the request.
    let tokens = idp.sign_in_with_nonce("alice", &nonce(&portal).await).await;
    let id_token = tokens.id_token.clone().expect("an ID token");
    let unsealed = client
        .unseal(id, &Credential::IdToken(id_token.as_str().into()))
        .await
        .expect("unseal with the ID token");
    assert_eq!(
        found.envelope.open(&unsealed.key).unwrap().expose(),
        &inner[..]
    );

    // The independent implementation unseals with a token for its own nonce.
    let py_nonce = String::from_utf8(python_ok(&["nonce"], &sealed).await).unwrap();
    let py_token = idp
        .sign_in_with_nonce("alice", py_nonce.trim())
        .await
        .id_token
        .unwrap();
    let out = python_ok(&["unseal", "--id-token", &py_token], &sealed).await;
    assert_eq!(out, inner);

    // Bob's token proves bob, who is not a recipient.
    let bob = idp
        .sign_in_with_nonce("bob", &nonce(&portal).await)
        .await
        .id_token
        .unwrap();
    assert_eq!(
        client
            .unseal(id, &Credential::IdToken(bob.into()))
            .await
            .unwrap_err(),
        ClientError::NotRecipient
    );
    // A token without the portal's nonce is not bound to it.
    let unbound = idp.sign_in("alice").await.id_token.unwrap();
    assert!(matches!(
        client
            .unseal(id, &Credential::IdToken(unbound.into()))
            .await
            .unwrap_err(),
        ClientError::BadCredential { .. }
    ));
    // A token of the same IdP for another client has the wrong audience.
    let other = idp
        .sign_in_as_client("otherapp", "alice")
        .await
        .id_token
        .unwrap();
    assert!(matches!(
        client
            .unseal(id, &Credential::IdToken(other.into()))
            .await
            .unwrap_err(),
        ClientError::BadCredential { .. }
    ));
    // The access token is not an ID token.
    assert!(matches!(
        client
            .unseal(id, &Credential::IdToken(tokens.access_token.into()))
            .await
            .unwrap_err(),
        ClientError::BadCredential { .. }
    ));
    let metrics = reqwest::get(portal.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("sealed_portal_sign_ins_total{method=\"oidc\"} 2\n"),
        "{metrics}"
    );
}

#[tokio::test]
async fn tokens_that_must_fail_do_fail() {
    let (key, jwk, public_pem) = throwaway_key("k1");
    let (other_key, other_jwk, _) = throwaway_key("k2");
    let own = OwnIssuer::start(vec![jwk]).await;
    let portal = PortalProc::start(Options {
        oidc: vec![(own.issuer.clone(), CLIENT_ID.to_owned())],
        ..Options::default()
    })
    .await;
    let client = portal.client();
    let inner = inner_message("alice@example.test, bob@example.test", "oidc-minted");
    let found = find_envelope(&seal_cli(&portal.origin, &inner, &[]).await).unwrap();
    let id = &found.envelope.header.id;
    let unseal = |token: String| {
        let client = client.clone();
        let id = id.clone();
        async move { client.unseal(&id, &Credential::IdToken(token.into())).await }
    };
    let bad = |r: Result<_, ClientError>, what: &str| match r {
        Err(ClientError::BadCredential { .. }) => {}
        other => panic!(
            "{what}: expected bad_credential, got {:?}",
            other.map(|_: sealmail::sealed::client::Unsealed| "a key")
        ),
    };

    // The good one, to show the others fail for their flaw alone.
    let n = nonce(&portal).await;
    let good = unseal(mint(
        &key,
        "k1",
        &claims(&own.issuer, "Alice@Example.test", &n),
    ))
    .await
    .expect("a good token");
    // The same token again: its nonce is used up.
    bad(
        unseal(mint(
            &key,
            "k1",
            &claims(&own.issuer, "alice@example.test", &n),
        ))
        .await,
        "a used nonce",
    );
    let n = nonce(&portal).await;
    assert_eq!(found.envelope.open(&good.key).unwrap().expose(), &inner[..]);

    let mut c = claims(&own.issuer, "alice@example.test", &n);
    c["aud"] = json!("someone-else");
    bad(unseal(mint(&key, "k1", &c)).await, "wrong audience");

    let mut c = claims(&own.issuer, "alice@example.test", &n);
    c["iss"] = json!("http://127.0.0.1:1");
    bad(unseal(mint(&key, "k1", &c)).await, "unknown issuer");

    let mut c = claims(&own.issuer, "alice@example.test", &n);
    c["iss"] = json!(format!("{}/other", own.issuer));
    bad(unseal(mint(&key, "k1", &c)).await, "wrong issuer");

    let mut c = claims(&own.issuer, "alice@example.test", &n);
    let now = chrono::Utc::now().timestamp();
    c["iat"] = json!(now - 3600);
    c["exp"] = json!(now - 120);
    bad(unseal(mint(&key, "k1", &c)).await, "expired");

    let mut c = claims(&own.issuer, "alice@example.test", &n);
    c["email_verified"] = json!(false);
    bad(unseal(mint(&key, "k1", &c)).await, "email_verified false");
    c["email_verified"] = json!("true");
    bad(
        unseal(mint(&key, "k1", &c)).await,
        "email_verified as a string",
    );
    let mut c = claims(&own.issuer, "alice@example.test", &n);
    c.as_object_mut().unwrap().remove("email");
    bad(unseal(mint(&key, "k1", &c)).await, "no email");

    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims(&own.issuer, "alice@example.test", &n))
    );
    bad(unseal(none).await, "alg none");

    // HMAC signed with the public key as the secret: the classic algorithm confusion.
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("k1".into());
    let confused = jsonwebtoken::encode(
        &header,
        &claims(&own.issuer, "alice@example.test", &n),
        &EncodingKey::from_secret(&public_pem),
    )
    .unwrap();
    bad(unseal(confused).await, "HS256 with the public key");

    // Signed by a key the issuer does not publish, under a known kid and under an unknown one.
    bad(
        unseal(mint(
            &other_key,
            "k1",
            &claims(&own.issuer, "alice@example.test", &n),
        ))
        .await,
        "wrong key for kid k1",
    );
    let fetches = own.fetches.load(Ordering::SeqCst);
    bad(
        unseal(mint(
            &other_key,
            "k2",
            &claims(&own.issuer, "alice@example.test", &n),
        ))
        .await,
        "key not in the JWKS",
    );

    // Tampered payload with a valid signature of something else.
    let token = mint(&key, "k1", &claims(&own.issuer, "alice@example.test", &n));
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = b64(&claims(&own.issuer, "bob@example.test", &n));
    bad(
        unseal(parts.join(".")).await,
        "payload changed after signing",
    );

    // A verified identity that is not a recipient.
    assert_eq!(
        unseal(mint(
            &key,
            "k1",
            &claims(&own.issuer, "carol@example.test", &n)
        ))
        .await
        .unwrap_err(),
        ClientError::NotRecipient
    );

    // Key rotation: once the issuer publishes k2, a token with k2 is accepted after the portal
    // refetches its JWKS for the unknown kid (refetches are at most every 5 s).
    own.jwks.lock().unwrap().push(other_jwk);
    tokio::time::sleep(Duration::from_millis(5200)).await;
    let n = nonce(&portal).await;
    let rotated = unseal(mint(
        &other_key,
        "k2",
        &claims(&own.issuer, "bob@example.test", &n),
    ))
    .await
    .expect("rotated key");
    assert_eq!(
        found.envelope.open(&rotated.key).unwrap().expose(),
        &inner[..]
    );
    assert!(
        own.fetches.load(Ordering::SeqCst) > fetches,
        "the JWKS was fetched again for the unknown kid"
    );

    let log = portal.log();
    assert!(
        !log.contains("alice@example.test") && !log.contains("bob@example.test"),
        "no address in the log:\n{log}"
    );
}

/// A portal a user trusted once collects an ID token and replays it at another portal that
/// trusts the same issuer and client id: refused, because the token carries the first
/// portal's nonce. Replayed at the first portal it is refused too (a nonce works once).
#[tokio::test]
async fn a_token_collected_by_one_portal_is_refused_at_another() {
    let idp = Idp::start(IdpOptions::default()).await;
    let options = Options {
        oidc: vec![(idp.issuer().to_owned(), "mailreader".to_owned())],
        ..Options::default()
    };
    let collector = PortalProc::start(options.clone()).await;
    let victim = PortalProc::start(options).await;
    let inner = inner_message("alice@example.test", "oidc-replay");
    let sealed = find_envelope(&seal_cli(&victim.origin, &inner, &[]).await).unwrap();
    let id = &sealed.envelope.header.id;

    // The token Alice got while signing in at the collector (its nonce).
    let token = idp
        .sign_in_with_nonce("alice", &nonce(&collector).await)
        .await
        .id_token
        .unwrap();
    let at_victim = victim
        .client()
        .unseal(id, &Credential::IdToken(token.as_str().into()))
        .await;
    assert!(
        matches!(at_victim, Err(ClientError::BadCredential { .. })),
        "a token bound to another portal: {:?}",
        at_victim.map(|_| "a key")
    );

    // A token for the victim's own nonce works, once.
    let token = idp
        .sign_in_with_nonce("alice", &nonce(&victim).await)
        .await
        .id_token
        .unwrap();
    let client = victim.client();
    let unsealed = client
        .unseal(id, &Credential::IdToken(token.as_str().into()))
        .await
        .expect("a token bound to this portal");
    assert_eq!(
        sealed.envelope.open(&unsealed.key).unwrap().expose(),
        &inner[..]
    );
    assert!(matches!(
        client
            .unseal(id, &Credential::IdToken(token.as_str().into()))
            .await,
        Err(ClientError::BadCredential { .. })
    ));
}

/// Only ID tokens, issued now, valid for a sane time, signed with the one algorithm of their key.
#[tokio::test]
async fn only_sane_id_tokens_are_accepted() {
    let (key, jwk, _) = throwaway_key("k1");
    let mut no_alg = jwk.clone();
    no_alg.common.key_algorithm = None;
    no_alg.common.key_id = Some("k0".into());
    let own = OwnIssuer::start(vec![jwk, no_alg]).await;
    let portal = PortalProc::start(Options {
        oidc: vec![(own.issuer.clone(), CLIENT_ID.to_owned())],
        ..Options::default()
    })
    .await;
    let client = portal.client();
    let inner = inner_message("alice@example.test", "oidc-sane");
    let found = find_envelope(&seal_cli(&portal.origin, &inner, &[]).await).unwrap();
    let id = found.envelope.header.id.clone();
    let unseal = |token: String| {
        let client = client.clone();
        let id = id.clone();
        async move { client.unseal(&id, &Credential::IdToken(token.into())).await }
    };
    let signed = |alg: Algorithm, kid: &str, typ: Option<&str>, claims: &Value| {
        let mut header = Header::new(alg);
        header.kid = Some(kid.to_owned());
        header.typ = typ.map(str::to_owned);
        jsonwebtoken::encode(&header, claims, &key).unwrap()
    };
    let now = chrono::Utc::now().timestamp();
    let mut refused = Vec::new();
    for typ in ["at+jwt", "logout+jwt", "application/at+jwt", "JWT2"] {
        let c = claims(&own.issuer, "alice@example.test", &nonce(&portal).await);
        refused.push((
            typ.to_owned(),
            signed(Algorithm::RS256, "k1", Some(typ), &c),
        ));
    }
    let mut c = claims(&own.issuer, "alice@example.test", &nonce(&portal).await);
    c["events"] = json!({"http://schemas.openid.net/event/backchannel-logout": {}});
    refused.push((
        "a logout token".into(),
        signed(Algorithm::RS256, "k1", None, &c),
    ));
    let mut c = claims(&own.issuer, "alice@example.test", &nonce(&portal).await);
    c["iat"] = json!(now + 3 * 365 * 86_400);
    refused.push((
        "iat years ahead".into(),
        signed(Algorithm::RS256, "k1", None, &c),
    ));
    let mut c = claims(&own.issuer, "alice@example.test", &nonce(&portal).await);
    c["exp"] = json!(4_102_444_800i64);
    refused.push((
        "exp in 2100".into(),
        signed(Algorithm::RS256, "k1", None, &c),
    ));
    let mut c = claims(&own.issuer, "alice@example.test", &nonce(&portal).await);
    c.as_object_mut().unwrap().remove("iat");
    refused.push(("no iat".into(), signed(Algorithm::RS256, "k1", None, &c)));
    // The key without `alg` is an RS256 key: not also a PS256 one.
    let c = claims(&own.issuer, "alice@example.test", &nonce(&portal).await);
    refused.push((
        "PS256 with an RS256 key".into(),
        signed(Algorithm::PS256, "k0", None, &c),
    ));
    let c = claims(&own.issuer, "alice@example.test", &nonce(&portal).await);
    refused.push((
        "PS256 with a key marked RS256".into(),
        signed(Algorithm::PS256, "k1", None, &c),
    ));
    for (what, token) in refused {
        match unseal(token).await {
            Err(ClientError::BadCredential { .. }) => {}
            other => panic!(
                "{what}: expected bad_credential, got {:?}",
                other.map(|_| "a key")
            ),
        }
    }
    // The same keys with their one algorithm, `typ: JWT` or none: accepted.
    for (kid, typ) in [("k0", None), ("k1", Some("JWT"))] {
        let c = claims(&own.issuer, "alice@example.test", &nonce(&portal).await);
        let unsealed = unseal(signed(Algorithm::RS256, kid, typ, &c))
            .await
            .unwrap_or_else(|e| panic!("{kid}: {e}"));
        assert_eq!(
            found.envelope.open(&unsealed.key).unwrap().expose(),
            &inner[..]
        );
    }
}

/// A slow identity provider and tokens with random `kid`s do not stall unseals with a cached
/// key; failed fetches count against the refetch limit; cached keys serve through an outage;
/// a huge JWKS is refused.
#[tokio::test]
async fn a_slow_or_failing_provider_does_not_stall_cached_keys() {
    let (key, jwk, _) = throwaway_key("k1");
    let (other_key, _, _) = throwaway_key("k2");
    let own = OwnIssuer::start(vec![jwk]).await;
    let portal = PortalProc::start(Options {
        oidc: vec![(own.issuer.clone(), CLIENT_ID.to_owned())],
        ..Options::default()
    })
    .await;
    let inner = inner_message("alice@example.test", "oidc-slow");
    let found = find_envelope(&seal_cli(&portal.origin, &inner, &[]).await).unwrap();
    let id = found.envelope.header.id.clone();
    let unseal = |token: String| {
        let client = portal.client();
        let id = id.clone();
        async move { client.unseal(&id, &Credential::IdToken(token.into())).await }
    };
    let good = || async {
        mint(
            &key,
            "k1",
            &claims(&own.issuer, "alice@example.test", &nonce(&portal).await),
        )
    };
    let random_kid = || async {
        let kid = sealmail::sealed::fields::new_message_id();
        mint(
            &other_key,
            &kid,
            &claims(&own.issuer, "alice@example.test", &nonce(&portal).await),
        )
    };
    unseal(good().await).await.expect("the key is cached now");

    // The provider becomes slow: a token with a random kid makes the portal fetch (slowly);
    // meanwhile valid unseals answer at once.
    *own.delay.lock().unwrap() = Duration::from_secs(20);
    tokio::time::sleep(Duration::from_millis(5100)).await;
    let stalled = tokio::spawn(unseal(random_kid().await));
    tokio::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..3 {
        let token = good().await;
        let started = std::time::Instant::now();
        unseal(token).await.expect("a cached key still verifies");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "a valid unseal waited {:?} for a slow provider",
            started.elapsed()
        );
    }
    // More random kids within the refetch limit do not fetch again, and answer at once.
    let fetches = own.fetches.load(Ordering::SeqCst);
    for _ in 0..3 {
        let started = std::time::Instant::now();
        assert!(unseal(random_kid().await).await.is_err());
        assert!(started.elapsed() < Duration::from_secs(2));
    }
    assert_eq!(own.fetches.load(Ordering::SeqCst), fetches);
    stalled.abort();

    // An outage: fetches fail, each counts against the limit, cached keys keep serving.
    *own.delay.lock().unwrap() = Duration::ZERO;
    own.failing.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(5100)).await;
    let fetches = own.fetches.load(Ordering::SeqCst);
    for _ in 0..4 {
        assert!(unseal(random_kid().await).await.is_err());
    }
    assert_eq!(
        own.fetches.load(Ordering::SeqCst),
        fetches + 1,
        "one fetch per refetch interval, failed or not"
    );
    unseal(good().await)
        .await
        .expect("cached keys serve through an outage");

    // A portal whose provider answers with a JWKS of megabytes refuses it.
    let (_, big_jwk, _) = throwaway_key("k3");
    let big = OwnIssuer::start(vec![big_jwk]).await;
    big.padding.store(2 << 20, Ordering::SeqCst);
    let second = PortalProc::start(Options {
        oidc: vec![(big.issuer.clone(), CLIENT_ID.to_owned())],
        ..Options::default()
    })
    .await;
    let sealed = find_envelope(&seal_cli(&second.origin, &inner, &[]).await).unwrap();
    let token = mint(
        &key,
        "k3",
        &claims(&big.issuer, "alice@example.test", &nonce(&second).await),
    );
    match second
        .client()
        .unseal(
            &sealed.envelope.header.id,
            &Credential::IdToken(token.into()),
        )
        .await
    {
        Err(ClientError::Server { status: 503, .. }) => {}
        other => panic!(
            "a huge JWKS: expected 503, got {:?}",
            other.map(|_| "a key")
        ),
    }
}
