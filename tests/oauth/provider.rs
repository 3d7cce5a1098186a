//! What the test IdP cannot do: a provider that answers `slow_down`, and Microsoft's error
//! format (`error_description` starting with an `AADSTS` code, `error_codes`). A small scripted
//! provider on 127.0.0.1 answers with canned JSON; the keeper is the real one.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Json;
use axum::http::StatusCode;
use axum::routing::post;
use sealmail::auth::oauth2::{Mechanism, OAuthSettings, Provider, TokenKeeper, TokenStore};
use sealmail::mail::SignInState;
use serde_json::{Value, json};
use tokio::sync::mpsc;

type Answer = (StatusCode, Json<Value>);

/// Serves `device` at `/device` and the `token` answers in turn at `/token` (the last one
/// repeats). Returns the settings of a custom provider pointing there.
async fn scripted_provider(device: Answer, token: Vec<Answer>) -> OAuthSettings {
    let device = Arc::new(device);
    let token = Arc::new(token);
    let polls = Arc::new(AtomicUsize::new(0));
    let app = axum::Router::new()
        .route(
            "/device",
            post(move || {
                let device = device.clone();
                async move { (device.0, Json(device.1.0.clone())) }
            }),
        )
        .route(
            "/token",
            post(move || {
                let token = token.clone();
                let n = polls.fetch_add(1, Ordering::SeqCst).min(token.len() - 1);
                async move { (token[n].0, Json(token[n].1.0.clone())) }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    OAuthSettings {
        provider: Provider::Custom {
            issuer: None,
            device_endpoint: Some(format!("{base}/device")),
            token_endpoint: Some(format!("{base}/token")),
        },
        client_id: "c".into(),
        client_secret_command: None,
        scopes: vec!["mail".into()],
        mechanism: Mechanism::XOAuth2,
        store: TokenStore::Memory,
        ca_file: None,
    }
}

fn device_code(interval: u64) -> Answer {
    (
        StatusCode::OK,
        Json(json!({
            "device_code": "dc", "user_code": "ABCD-EFGH",
            "verification_uri": "http://127.0.0.1:1/device",
            "expires_in": 120, "interval": interval
        })),
    )
}

fn error(body: Value) -> Answer {
    (StatusCode::BAD_REQUEST, Json(body))
}

fn drain(rx: &mut mpsc::Receiver<SignInState>) -> Vec<SignInState> {
    let mut states = Vec::new();
    while let Ok(state) = rx.try_recv() {
        states.push(state);
    }
    states
}

#[tokio::test]
async fn slow_down_is_shown_and_polling_slows_by_five_seconds() {
    let settings = scripted_provider(
        device_code(1),
        vec![
            error(json!({"error": "slow_down"})),
            error(json!({"error": "authorization_pending"})),
            (
                StatusCode::OK,
                Json(json!({"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600})),
            ),
        ],
    )
    .await;
    let keeper = TokenKeeper::new(settings).unwrap();
    let (tx, mut rx) = mpsc::channel(1024);
    let started = Instant::now();
    let token = keeper.access_token(&tx).await.unwrap();
    let took = started.elapsed();
    assert_eq!(token.expose(), "at-1");
    // polls at about 1 s (slow_down), 7 s (pending), 13 s (tokens)
    assert!(took >= Duration::from_secs(12), "took {took:?}");
    let states = drain(&mut rx);
    let slow: Vec<bool> = states
        .iter()
        .filter_map(|s| match s {
            SignInState::Waiting(p) => Some(p.slow_down),
            _ => None,
        })
        .collect();
    assert_eq!(slow.first(), Some(&false));
    assert_eq!(slow.last(), Some(&true), "{states:?}");
    assert!(matches!(states.last(), Some(SignInState::SignedIn { .. })));
}

#[tokio::test]
async fn microsoft_errors_reach_the_screen_with_their_aadsts_meaning() {
    let settings = scripted_provider(
        error(json!({
            "error": "invalid_client",
            "error_description": "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.\r\nTrace ID: 0000\r\nCorrelation ID: 1111",
            "error_codes": [7000218]
        })),
        vec![],
    )
    .await;
    let keeper = TokenKeeper::new(settings).unwrap();
    let (tx, mut rx) = mpsc::channel(64);
    let e = keeper.access_token(&tx).await.unwrap_err();
    assert!(e.to_string().contains("AADSTS7000218"), "{e}");
    let states = drain(&mut rx);
    match states.last() {
        Some(SignInState::Failed { reason, .. }) => {
            assert!(reason.contains("Allow public client flows"), "{reason}");
            assert!(reason.contains("AADSTS7000218"), "{reason}");
            assert!(!reason.contains("Trace ID"), "{reason}");
        }
        other => panic!("expected Failed, got {other:?}"),
    }
}

#[tokio::test]
async fn admin_consent_required_during_polling_is_said_in_words() {
    let settings = scripted_provider(
        device_code(1),
        vec![error(json!({
            "error": "invalid_grant",
            "error_description": "AADSTS65001: The user or administrator has not consented to use the application with ID 'c'.",
            "error_codes": [65001]
        }))],
    )
    .await;
    let keeper = TokenKeeper::new(settings).unwrap();
    let (tx, mut rx) = mpsc::channel(64);
    assert!(keeper.access_token(&tx).await.is_err());
    match drain(&mut rx).last() {
        Some(SignInState::Failed { reason, .. }) => {
            assert!(
                reason.contains("admin consent is required (AADSTS65001)"),
                "{reason}"
            )
        }
        other => panic!("expected Failed, got {other:?}"),
    }
}
