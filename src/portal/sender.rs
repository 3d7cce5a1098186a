//! The sender's endpoints: register a content key (`POST /v1/messages`) and revoke a message
//! (`DELETE /v1/messages/{id}`), both behind a sender token.

use std::sync::Arc;

use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::Shared;
use super::config::from_allowed;
use super::error::ApiError;
use super::extract::JsonBody;
use super::tls::Peer;
use crate::sealed::api::{ErrorCode, RegisterRequest};
use crate::sealed::envelope::ContentKey;
use crate::sealed::fields;

/// The From patterns the request's bearer token allows; every configured token is compared,
/// in constant time, so timing tells nothing about which one came close.
fn allowed_from(app: &Shared, headers: &HeaderMap) -> Result<Vec<String>, ApiError> {
    let unauthorized =
        || ApiError::new(ErrorCode::Unauthorized, "a valid sender token is required");
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(unauthorized)?;
    let presented: [u8; 32] = Sha256::digest(token.trim().as_bytes()).into();
    let mut allowed = Vec::new();
    let mut matched = subtle::Choice::from(0);
    for (hash, patterns) in &app.sender_tokens {
        let hit = hash.ct_eq(&presented);
        matched |= hit;
        if bool::from(hit) {
            allowed.extend(patterns.iter().cloned());
        }
    }
    if bool::from(matched) {
        Ok(allowed)
    } else {
        Err(unauthorized())
    }
}

/// A registration's fields, checked: the same rules for a sender's message and a reply.
pub(crate) struct Checked {
    pub id: String,
    pub from: String,
    pub to: Vec<String>,
    pub key: ContentKey,
    pub expires: Option<i64>,
}

/// Checks a registration's fields as section 4.2 of the protocol says, at `now`.
pub(crate) fn check_registration(req: &RegisterRequest, now: i64) -> Result<Checked, ApiError> {
    let RegisterRequest {
        id,
        from,
        to,
        key,
        expires,
    } = req;
    if !fields::is_valid_id(id) {
        return Err(ApiError::invalid(
            "id: 128 bits in unpadded base64url (22 characters)",
        ));
    }
    let from =
        fields::normalize_address(from).map_err(|e| ApiError::invalid(format!("from: {e}")))?;
    let to = fields::normalize_recipients(to.iter().map(String::as_str))
        .map_err(|e| ApiError::invalid(format!("to: {e}")))?;
    let key = ContentKey::from_b64url(key)
        .map_err(|_| ApiError::invalid("key: 32 bytes in unpadded base64url"))?;
    let expires = match expires.as_deref() {
        None => None,
        Some(text) => {
            let at = fields::check_timestamp(text)
                .map_err(|e| ApiError::invalid(format!("expires: {e}")))?;
            if at.timestamp() <= now {
                return Err(ApiError::invalid("expires: already in the past"));
            }
            Some(at.timestamp())
        }
    };
    Ok(Checked {
        id: id.clone(),
        from,
        to,
        key,
        expires,
    })
}

/// Stores a checked registration: the key wrapped with its sender and recipients, the
/// recipients as fingerprints. 409 when the id is taken.
pub(crate) async fn store_registration(
    app: &Shared,
    checked: &Checked,
    now: i64,
) -> Result<(), ApiError> {
    let wrapped = app.master.wrap_record(
        &checked.id,
        &checked.from,
        &checked.to,
        checked.key.expose(),
    );
    let macs: Vec<[u8; 32]> = checked
        .to
        .iter()
        .map(|a| app.master.address_mac(a))
        .collect();
    if !app
        .store
        .insert_message(
            &checked.id,
            &checked.from,
            &wrapped,
            &macs,
            now,
            checked.expires,
        )
        .await?
    {
        return Err(ApiError::new(
            ErrorCode::Exists,
            "a message with this id is already registered",
        ));
    }
    app.telemetry.registered();
    Ok(())
}

pub(crate) async fn register(
    State(app): State<Arc<Shared>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<RegisterRequest>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    app.limit(peer.ip()).await?;
    let patterns = allowed_from(&app, &headers)?;
    let now = Shared::now();
    let checked = check_registration(&req, now)?;
    if !from_allowed(&patterns, &checked.from) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "this sender token may not send from that address",
        ));
    }
    store_registration(&app, &checked, now).await?;
    tracing::info!(recipients = checked.to.len(), "message registered");
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "id": req.id })),
    ))
}

pub(crate) async fn revoke(
    State(app): State<Arc<Shared>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    app.limit(peer.ip()).await?;
    let patterns = allowed_from(&app, &headers)?;
    if !fields::is_valid_id(&id) {
        return Err(ApiError::invalid(
            "id: 128 bits in unpadded base64url (22 characters)",
        ));
    }
    let unknown = || ApiError::new(ErrorCode::UnknownMessage, "no such message for this sender");
    let sender = app.store.sender_of(&id).await?.ok_or_else(unknown)?;
    if !from_allowed(&patterns, &sender) {
        return Err(unknown());
    }
    app.store.revoke(&id).await?;
    app.telemetry.revoked();
    tracing::info!("message revoked");
    Ok(StatusCode::NO_CONTENT)
}
