//! The router: API routes, discovery, `/healthz` and `/readyz`, optional `/metrics`, JSON answers for unknown paths and
//! methods, the body limit, and counting error answers by kind.

use std::sync::Arc;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};

use super::Shared;
use super::error::ApiError;
use super::extract::BodyLimit;
use super::tls::Peer;
use crate::sealed::api::{self, ErrorCode};

pub(crate) fn router(state: Arc<Shared>) -> Router {
    let mut router = Router::new()
        .route(api::DISCOVERY_PATH, get(discovery))
        .route("/v1/messages", post(super::sender::register))
        .route("/v1/messages/{id}", delete(super::sender::revoke))
        .route(api::REPLIES_PATH, post(super::reply::register_reply))
        .route("/v1/otp", post(super::otp::request_passcode))
        .route("/v1/unseal", post(super::unseal::unseal))
        .route(api::NONCE_PATH, post(super::nonce::issue))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz));
    if state.metrics_enabled {
        router = router.route("/metrics", get(metrics));
    }
    router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            count_and_limit,
        ))
        .with_state(state)
}

async fn discovery(State(app): State<Arc<Shared>>) -> Json<api::Discovery> {
    Json(app.discovery.clone())
}

/// Alive: the process answers. Load balancers and orchestrators restart on failure.
async fn healthz() -> Response {
    (StatusCode::OK, "ok\n").into_response()
}

/// Ready: the database answers and its schema is complete. A load balancer sends no traffic
/// to an instance that is not; it becomes ready again by itself when the database returns.
async fn readyz(State(app): State<Arc<Shared>>) -> Response {
    let check = tokio::time::timeout(std::time::Duration::from_secs(2), app.store.ready()).await;
    match check {
        Ok(Ok(true)) => (StatusCode::OK, "ready\n").into_response(),
        Ok(Ok(false)) => (StatusCode::SERVICE_UNAVAILABLE, "schema not migrated\n").into_response(),
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database timed out\n").into_response(),
    }
}

async fn metrics(State(app): State<Arc<Shared>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        app.telemetry.render(),
    )
        .into_response()
}

async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such endpoint")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "this endpoint does not take that method",
    )
}

/// Hands the body limit to the extractor, puts the client's address (behind a trusted proxy,
/// the one it forwards) where the handlers read the peer, and counts error answers by kind.
async fn count_and_limit(State(app): State<Arc<Shared>>, mut req: Request, next: Next) -> Response {
    req.extensions_mut().insert(BodyLimit(app.max_body));
    if !app.trusted_proxies.is_empty()
        && let Some(ConnectInfo(Peer(peer))) = req.extensions().get::<ConnectInfo<Peer>>().copied()
    {
        let client = super::forwarded::client_ip(peer.ip(), req.headers(), &app.trusted_proxies);
        req.extensions_mut()
            .insert(ConnectInfo(Peer(SocketAddr::new(client, peer.port()))));
    }
    let response = next.run(req).await;
    if let Some(code) = response.extensions().get::<ErrorCode>() {
        app.telemetry.error(*code);
    }
    response
}
