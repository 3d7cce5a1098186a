//! ID tokens: from the real `oidc-provider` IdP through its device flow, and tokens that must
//! fail, minted here with a throwaway key served from a JWKS of our own.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::routing::get;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sealmail::portal::client::{ClientError, Credential};
use sealmail::portal::sealed::find_envelope;
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

/// An OpenID Connect issuer of our own: discovery and a JWKS we can change, counting fetches.
struct OwnIssuer {
    issuer: String,
    jwks: Arc<Mutex<Vec<Jwk>>>,
    fetches: Arc<AtomicUsize>,
}

#[derive(Clone)]
struct IssuerState {
    issuer: String,
    jwks: Arc<Mutex<Vec<Jwk>>>,
    fetches: Arc<AtomicUsize>,
}

impl OwnIssuer {
    async fn start(keys: Vec<Jwk>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let state = IssuerState {
            issuer: issuer.clone(),
            jwks: Arc::new(Mutex::new(keys)),
            fetches: Arc::new(AtomicUsize::new(0)),
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
                    let keys = s.jwks.lock().unwrap().clone();
                    Json(json!({ "keys": keys }))
                }),
            )
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            issuer,
            jwks: state.jwks,
            fetches: state.fetches,
        }
    }
}

fn claims(issuer: &str, email: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"iss": issuer, "sub": "u1", "aud": CLIENT_ID, "iat": now, "exp": now + 600,
           "email": email, "email_verified": true})
}

fn mint(key: &EncodingKey, kid: &str, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

fn b64(value: &Value) -> String {
    sealmail::portal::fields::b64url(value.to_string().as_bytes())
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

    // Alice signs in with the device flow, approved "on another device".
    let tokens = idp.sign_in("alice").await;
    let id_token = tokens.id_token.expect("an ID token");
    let unsealed = client
        .unseal(id, &Credential::IdToken(id_token.as_str().into()))
        .await
        .expect("unseal with the ID token");
    assert_eq!(
        found.envelope.open(&unsealed.key).unwrap().expose(),
        &inner[..]
    );

    // The independent implementation unseals with the same kind of token.
    let out = python_ok(&["unseal", "--id-token", &id_token], &sealed).await;
    assert_eq!(out, inner);

    // Bob's token proves bob, who is not a recipient.
    let bob = idp.sign_in("bob").await.id_token.unwrap();
    assert_eq!(
        client
            .unseal(id, &Credential::IdToken(bob.into()))
            .await
            .unwrap_err(),
        ClientError::NotRecipient
    );
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
            other.map(|_: sealmail::portal::client::Unsealed| "a key")
        ),
    };

    // The good one, to show the others fail for their flaw alone.
    let good = unseal(mint(&key, "k1", &claims(&own.issuer, "Alice@Example.test")))
        .await
        .expect("a good token");
    assert_eq!(found.envelope.open(&good.key).unwrap().expose(), &inner[..]);

    let mut c = claims(&own.issuer, "alice@example.test");
    c["aud"] = json!("someone-else");
    bad(unseal(mint(&key, "k1", &c)).await, "wrong audience");

    let mut c = claims(&own.issuer, "alice@example.test");
    c["iss"] = json!("http://127.0.0.1:1");
    bad(unseal(mint(&key, "k1", &c)).await, "unknown issuer");

    let mut c = claims(&own.issuer, "alice@example.test");
    c["iss"] = json!(format!("{}/other", own.issuer));
    bad(unseal(mint(&key, "k1", &c)).await, "wrong issuer");

    let mut c = claims(&own.issuer, "alice@example.test");
    let now = chrono::Utc::now().timestamp();
    c["iat"] = json!(now - 3600);
    c["exp"] = json!(now - 120);
    bad(unseal(mint(&key, "k1", &c)).await, "expired");

    let mut c = claims(&own.issuer, "alice@example.test");
    c["email_verified"] = json!(false);
    bad(unseal(mint(&key, "k1", &c)).await, "email_verified false");
    c["email_verified"] = json!("true");
    bad(
        unseal(mint(&key, "k1", &c)).await,
        "email_verified as a string",
    );
    let mut c = claims(&own.issuer, "alice@example.test");
    c.as_object_mut().unwrap().remove("email");
    bad(unseal(mint(&key, "k1", &c)).await, "no email");

    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims(&own.issuer, "alice@example.test"))
    );
    bad(unseal(none).await, "alg none");

    // HMAC signed with the public key as the secret: the classic algorithm confusion.
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("k1".into());
    let confused = jsonwebtoken::encode(
        &header,
        &claims(&own.issuer, "alice@example.test"),
        &EncodingKey::from_secret(&public_pem),
    )
    .unwrap();
    bad(unseal(confused).await, "HS256 with the public key");

    // Signed by a key the issuer does not publish, under a known kid and under an unknown one.
    bad(
        unseal(mint(
            &other_key,
            "k1",
            &claims(&own.issuer, "alice@example.test"),
        ))
        .await,
        "wrong key for kid k1",
    );
    let fetches = own.fetches.load(Ordering::SeqCst);
    bad(
        unseal(mint(
            &other_key,
            "k2",
            &claims(&own.issuer, "alice@example.test"),
        ))
        .await,
        "key not in the JWKS",
    );

    // Tampered payload with a valid signature of something else.
    let token = mint(&key, "k1", &claims(&own.issuer, "alice@example.test"));
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = b64(&claims(&own.issuer, "bob@example.test"));
    bad(
        unseal(parts.join(".")).await,
        "payload changed after signing",
    );

    // A verified identity that is not a recipient.
    assert_eq!(
        unseal(mint(&key, "k1", &claims(&own.issuer, "carol@example.test")))
            .await
            .unwrap_err(),
        ClientError::NotRecipient
    );

    // Key rotation: once the issuer publishes k2, a token with k2 is accepted after the portal
    // refetches its JWKS for the unknown kid (refetches are at most every 5 s).
    own.jwks.lock().unwrap().push(other_jwk);
    tokio::time::sleep(Duration::from_millis(5200)).await;
    let rotated = unseal(mint(
        &other_key,
        "k2",
        &claims(&own.issuer, "bob@example.test"),
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
