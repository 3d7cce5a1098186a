//! Identity providers are untrusted input: a scripted hostile provider on 127.0.0.1 sends
//! durations of 0 and u64::MAX, a 1 GiB access token, a discovery document naming another
//! issuer, and verification URIs that lead elsewhere. Both users of the one sign-in engine meet
//! it: the IMAP account's token keeper, and the engine driven as the sealed flow drives it
//! (discovery, a nonce, steps). Neither panics, hangs, polls without delay, accepts the token
//! or shows the URI.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use sealmail::auth::oauth2::{
    self, Client, GrantError, Mechanism, OAuthSettings, Provider, SignIn, Step, TokenKeeper,
    TokenSet, TokenStore,
};
use sealmail::mail::SignInState;
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// One scripted answer.
#[derive(Clone)]
enum Answer {
    Json(StatusCode, Value),
    /// A token answer whose access token is `mib` MiB of `A`, streamed (no length).
    HugeToken {
        mib: usize,
    },
}

impl Answer {
    fn ok(body: Value) -> Self {
        Answer::Json(StatusCode::OK, body)
    }

    fn into_response(self) -> Response {
        match self {
            Answer::Json(status, body) => (status, axum::Json(body)).into_response(),
            Answer::HugeToken { mib } => {
                let head = futures::stream::once(async {
                    Ok::<_, std::io::Error>(Bytes::from_static(br#"{"access_token":""#))
                });
                let chunk = Bytes::from(vec![b'A'; 1024 * 1024]);
                let middle = futures::stream::iter(
                    (0..mib).map(move |_| Ok::<_, std::io::Error>(chunk.clone())),
                );
                let tail = futures::stream::once(async {
                    Ok::<_, std::io::Error>(Bytes::from_static(
                        br#"","token_type":"Bearer","expires_in":3600}"#,
                    ))
                });
                use futures::StreamExt as _;
                Response::builder()
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from_stream(head.chain(middle).chain(tail)))
                    .expect("response")
            }
        }
    }
}

/// A provider at `base`: discovery naming `issuer` (or `base`), `device` at `/device`, the
/// `token` answers in turn at `/token` (the last repeats). Returns the base URL and the times
/// of the token polls.
struct Scripted {
    base: String,
    polls: Arc<Mutex<Vec<Instant>>>,
}

async fn scripted(issuer: Option<&str>, device: Value, token: Vec<Answer>) -> Scripted {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let named = issuer.unwrap_or(&base).to_owned();
    let host = base.trim_start_matches("http://");
    let device: Value = serde_json::from_str(
        &device
            .to_string()
            .replace("BASEHOST", host)
            .replace("BASE", &base),
    )
    .expect("device JSON");
    let device = Arc::new(device);
    let polls = Arc::new(Mutex::new(Vec::new()));
    let seen = polls.clone();
    let token = Arc::new(token);
    let doc = json!({
        "issuer": named,
        "device_authorization_endpoint": format!("{base}/device"),
        "token_endpoint": format!("{base}/token"),
    });
    let app = axum::Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(move || {
                let doc = doc.clone();
                async move { axum::Json(doc) }
            }),
        )
        .route(
            "/device",
            post(move || {
                let device = device.clone();
                async move { axum::Json((*device).clone()) }
            }),
        )
        .route(
            "/token",
            post(move || {
                let token = token.clone();
                let n = {
                    let mut polls = seen.lock().unwrap();
                    polls.push(Instant::now());
                    polls.len() - 1
                };
                async move { token[n.min(token.len() - 1)].clone().into_response() }
            }),
        );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Scripted { base, polls }
}

fn settings(provider: &Scripted) -> OAuthSettings {
    OAuthSettings {
        provider: Provider::Custom {
            issuer: Some(provider.base.clone()),
            device_endpoint: None,
            token_endpoint: None,
        },
        client_id: "c".into(),
        client_secret_command: None,
        scopes: vec!["mail".into()],
        mechanism: Mechanism::XOAuth2,
        store: TokenStore::Memory,
        ca_file: None,
    }
}

fn device_answer(expires_in: Value, interval: Value) -> Value {
    json!({
        "device_code": "dc", "user_code": "ABCD-EFGH",
        "verification_uri": "BASE/device",
        "verification_uri_complete": "BASE/device?user_code=ABCD-EFGH",
        "expires_in": expires_in, "interval": interval,
    })
}

fn tokens(expires_in: Value) -> Answer {
    Answer::ok(json!({
        "access_token": "at-1", "refresh_token": "rt-1", "token_type": "Bearer",
        "expires_in": expires_in, "id_token": "h.p.s",
    }))
}

fn pending() -> Answer {
    Answer::Json(
        StatusCode::BAD_REQUEST,
        json!({"error": "authorization_pending"}),
    )
}

fn states(rx: &mut mpsc::Receiver<SignInState>) -> Vec<SignInState> {
    let mut out = Vec::new();
    while let Ok(state) = rx.try_recv() {
        out.push(state);
    }
    out
}

/// The keeper's sign-in, with a deadline so a hang fails the test instead of stalling it.
async fn sign_in(
    keeper: &TokenKeeper,
    within: Duration,
) -> (
    Result<sealmail::secret::SecretString, sealmail::error::Error>,
    Vec<SignInState>,
) {
    let (tx, mut rx) = mpsc::channel(4096);
    let result = tokio::time::timeout(within, keeper.access_token(&tx))
        .await
        .expect("the sign-in neither finished nor failed in time");
    (result, states(&mut rx))
}

const HUGE: u64 = u64::MAX;

/// The engine as the sealed flow starts it: discovery from the issuer, then a device sign-in
/// for an ID token with the portal's nonce.
async fn sealed_start(http: &reqwest::Client, issuer: &str) -> Result<SignIn, GrantError> {
    let endpoints = oauth2::discover(http, issuer).await.unwrap();
    let client = Client {
        http,
        client_id: "c",
        client_secret: None,
    };
    SignIn::start(&client, &endpoints, &["openid".into()], &[("nonce", "n")]).await
}

/// The steps after the waits: the tokens, or how the sign-in ended.
async fn sealed_finish(sign_in: &mut SignIn) -> Result<TokenSet, Step> {
    loop {
        match sign_in.next().await.expect("a step before the end") {
            Step::Waiting { .. } => {}
            Step::SignedIn(tokens) => return Ok(tokens),
            other => return Err(other),
        }
    }
}

#[tokio::test]
async fn imap_sign_in_clamps_a_device_code_of_u64_max() {
    let provider = scripted(
        None,
        device_answer(json!(HUGE), json!(HUGE)),
        vec![tokens(json!(3600))],
    )
    .await;
    let keeper = TokenKeeper::new(settings(&provider)).unwrap();
    let (tx, mut rx) = mpsc::channel(4096);
    // The first poll comes after the clamped interval (60 s): watch the prompt, then stop.
    let waited = tokio::time::timeout(Duration::from_secs(3), keeper.access_token(&tx)).await;
    assert!(waited.is_err(), "no tokens before the first poll");
    let prompts: Vec<_> = states(&mut rx)
        .into_iter()
        .filter_map(|s| match s {
            SignInState::Waiting(p) => Some(p),
            _ => None,
        })
        .collect();
    let first = prompts.first().expect("a prompt is shown");
    assert!(first.expires_in_s <= 30 * 60, "{}", first.expires_in_s);
    assert!(provider.polls.lock().unwrap().is_empty());
}

#[tokio::test]
async fn imap_sign_in_polls_at_least_a_second_apart_when_told_zero() {
    let provider = scripted(
        None,
        device_answer(json!(60), json!(0)),
        vec![pending(), pending(), tokens(json!(3600))],
    )
    .await;
    let keeper = TokenKeeper::new(settings(&provider)).unwrap();
    let (result, _) = sign_in(&keeper, Duration::from_secs(20)).await;
    assert_eq!(result.unwrap().expose(), "at-1");
    let polls = provider.polls.lock().unwrap().clone();
    assert_eq!(polls.len(), 3);
    for pair in polls.windows(2) {
        assert!(pair[1] - pair[0] >= Duration::from_millis(900), "{polls:?}");
    }
}

#[tokio::test]
async fn imap_tokens_of_u64_max_and_zero_lifetime_neither_panic_nor_loop() {
    // Grant: lives "0 s" (clamped to 2 s); the background refresh answers u64::MAX.
    let provider = scripted(
        None,
        device_answer(json!(60), json!(1)),
        vec![tokens(json!(0)), tokens(json!(HUGE))],
    )
    .await;
    let keeper = TokenKeeper::new(settings(&provider)).unwrap();
    let (result, _) = sign_in(&keeper, Duration::from_secs(20)).await;
    assert_eq!(result.unwrap().expose(), "at-1");
    tokio::time::sleep(Duration::from_secs(4)).await;
    // One background refresh (about 1.5 s in), then none: the second token lives 24 h.
    assert_eq!(keeper.refresh_count(), 1);
    let (again, _) = sign_in(&keeper, Duration::from_secs(5)).await;
    assert_eq!(again.unwrap().expose(), "at-1");
    assert_eq!(provider.polls.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn imap_sign_in_refuses_a_1_gib_access_token() {
    {
        let answer = Answer::HugeToken { mib: 1024 };
        let provider = scripted(None, device_answer(json!(60), json!(1)), vec![answer]).await;
        let keeper = TokenKeeper::new(settings(&provider)).unwrap();
        let started = Instant::now();
        let (result, states) = sign_in(&keeper, Duration::from_secs(30)).await;
        let e = result.expect_err("a 1 GiB token is refused");
        assert!(
            format!("{e} {:?}", e.details).contains("larger than 256 KiB"),
            "{e:?}"
        );
        assert!(
            !states
                .iter()
                .any(|s| matches!(s, SignInState::SignedIn { .. })),
            "{states:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(15));
    }
}

#[tokio::test]
async fn imap_sign_in_refuses_a_discovery_document_naming_another_issuer() {
    let provider = scripted(
        Some("https://accounts.google.com"),
        device_answer(json!(60), json!(1)),
        vec![tokens(json!(3600))],
    )
    .await;
    let keeper = TokenKeeper::new(settings(&provider)).unwrap();
    let (result, states) = sign_in(&keeper, Duration::from_secs(10)).await;
    let e = result.expect_err("another issuer is refused");
    assert!(
        format!("{e} {:?}", e.details).contains("names another issuer"),
        "{e:?}"
    );
    assert!(
        states.is_empty(),
        "no device code was asked for: {states:?}"
    );
}

#[tokio::test]
async fn imap_sign_in_refuses_a_control_character_in_the_token() {
    let provider = scripted(
        None,
        device_answer(json!(60), json!(1)),
        vec![Answer::ok(
            json!({"access_token": "at\u{1}auth=Bearer x", "token_type": "Bearer"}),
        )],
    )
    .await;
    let keeper = TokenKeeper::new(settings(&provider)).unwrap();
    let (result, _) = sign_in(&keeper, Duration::from_secs(10)).await;
    let e = result.expect_err("refused");
    assert!(
        format!("{e} {:?}", e.details).contains("control characters"),
        "{e:?}"
    );
}

/// Verification URIs that must never be shown or put in a QR code.
const HOSTILE_URIS: &[&str] = &[
    "http://evil.example/device",
    "javascript:alert(document.cookie)",
    "https://accounts.google.com@evil.example/",
    "https://BASEHOST@evil.example/device",
    "https://evil.example/device",
    "https://login.microsoftonline.com.evil.example/devicelogin",
    "https://microsoft.com/devicelogin/../../phish",
    "data:text/html,<form>",
    "https://forms.office.com/Pages/ResponsePage.aspx?id=X",
    "file:///etc/passwd",
];

fn hostile(uri: &str, base: &str) -> String {
    uri.replace("BASEHOST", base.trim_start_matches("http://"))
}

#[tokio::test]
async fn both_flows_refuse_verification_uris_off_the_provider() {
    for uri in HOSTILE_URIS {
        for field in ["verification_uri", "verification_uri_complete"] {
            // BASEHOST is the provider's own host:port, put where a user name goes.
            let mut answer = device_answer(json!(60), json!(1));
            answer[field] = json!(uri);
            let provider = scripted(None, answer, vec![pending()]).await;
            let shown = hostile(uri, &provider.base);

            // The IMAP account's keeper.
            let keeper = TokenKeeper::new(settings(&provider)).unwrap();
            let (result, states) = sign_in(&keeper, Duration::from_secs(10)).await;
            assert!(result.is_err(), "{field} {shown}");
            assert!(
                !states.iter().any(|s| matches!(s, SignInState::Waiting(_))),
                "{field} {shown} was shown: {states:?}"
            );

            // The sealed flow's start.
            let http = reqwest::Client::new();
            let started = sealed_start(&http, &provider.base).await;
            assert!(
                matches!(started, Err(GrantError::Invalid(_))),
                "{field} {shown}: {started:?}"
            );
        }
    }
}

#[tokio::test]
async fn the_sealed_flow_clamps_interval_zero_and_u64_max() {
    // interval 0 must not mean polling without delay.
    let provider = scripted(
        None,
        device_answer(json!(60), json!(0)),
        vec![pending(), pending(), pending(), tokens(json!(300))],
    )
    .await;
    let http = reqwest::Client::new();
    let mut sign_in = sealed_start(&http, &provider.base).await.unwrap();
    assert_eq!(sign_in.interval(), Duration::from_secs(1));
    let tokens = tokio::time::timeout(Duration::from_secs(20), sealed_finish(&mut sign_in))
        .await
        .expect("in time")
        .expect("tokens");
    assert_eq!(tokens.id_token.as_ref().map(|t| t.expose()), Some("h.p.s"));
    let polls = provider.polls.lock().unwrap().clone();
    assert_eq!(polls.len(), 4);
    for pair in polls.windows(2) {
        assert!(pair[1] - pair[0] >= Duration::from_millis(900), "{polls:?}");
    }

    // u64::MAX: clamped, no panic, and the countdown is sane.
    let provider = scripted(
        None,
        device_answer(json!(HUGE), json!(HUGE)),
        vec![pending()],
    )
    .await;
    let mut sign_in = sealed_start(&http, &provider.base).await.unwrap();
    assert_eq!(sign_in.interval(), Duration::from_secs(60));
    assert_eq!(sign_in.expires_in(), Duration::from_secs(30 * 60));
    let prompt = sign_in.prompt("p", false, None);
    assert!(prompt.expires_in_s <= 30 * 60, "{prompt:?}");
    let polled = tokio::time::timeout(Duration::from_secs(2), sealed_finish(&mut sign_in)).await;
    assert!(polled.is_err(), "still waiting for the user, not failed");
}

#[tokio::test]
async fn the_sealed_flow_refuses_a_1_gib_token_answer_and_discovery() {
    let provider = scripted(
        None,
        device_answer(json!(60), json!(1)),
        vec![Answer::HugeToken { mib: 1024 }],
    )
    .await;
    let http = reqwest::Client::new();
    let mut sign_in = sealed_start(&http, &provider.base).await.unwrap();
    let started = Instant::now();
    let e = match tokio::time::timeout(Duration::from_secs(30), sealed_finish(&mut sign_in))
        .await
        .expect("in time")
    {
        Err(Step::Failed(e)) => oauth2::explain(&e),
        other => panic!("refused, not {other:?}"),
    };
    assert!(e.contains("larger than 256 KiB"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(15));

    // A discovery document past the cap.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().route(
        "/.well-known/openid-configuration",
        get(|| async { Answer::HugeToken { mib: 64 }.into_response() }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let e = oauth2::explain(&oauth2::discover(&http, &base).await.unwrap_err());
    assert!(e.contains("larger than 256 KiB"), "{e}");
}
