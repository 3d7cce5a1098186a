//! `POST /v1/replies`: a recipient registers the key of a sealed reply to a message they
//! received, on the strength of their verified session alone: from the address the session
//! proved, only to that message's participants (its sender and recipients), and only while
//! the message itself may still be opened. See section 4.7 of `docs/protocol.md`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use subtle::ConstantTimeEq;

use super::Shared;
use super::error::ApiError;
use super::extract::JsonBody;
use super::sender::{check_registration, store_registration};
use super::tls::Peer;
use crate::sealed::api::{ErrorCode, ReplyRequest};
use crate::sealed::fields;

fn forbidden(why: &str) -> ApiError {
    ApiError::new(ErrorCode::Forbidden, why)
}

pub(crate) async fn register_reply(
    State(app): State<Arc<Shared>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    JsonBody(req): JsonBody<ReplyRequest>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    app.limit(peer.ip()).await?;
    if !fields::is_valid_id(&req.in_reply_to) {
        return Err(ApiError::invalid(
            "in_reply_to: 128 bits in unpadded base64url (22 characters)",
        ));
    }
    let now = Shared::now();
    let checked = check_registration(&req.registration, now)?;

    let (session_mac, _) = super::unseal::session_of(&app, &req.session, now).await?;
    let original = app
        .store
        .message(&req.in_reply_to, &session_mac)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::UnknownMessage,
                "the portal does not know the message answered",
            )
        })?;
    super::unseal::still_available(original.availability(now))?;
    if !original.is_recipient {
        return Err(ApiError::new(
            ErrorCode::NotRecipient,
            "this session's identity is not a recipient of the message answered",
        ));
    }
    if original.record_version != 2 {
        return Err(forbidden(
            "the message answered was registered before version 2: it names no participants",
        ));
    }
    let record = app
        .master
        .unwrap_record(
            &req.in_reply_to,
            &original.sender,
            original.wrapped_key.as_deref().unwrap_or_default(),
        )
        .ok_or_else(|| {
            tracing::error!("a stored key record does not open under the master key");
            ApiError::internal()
        })?;
    // The address the session proved: the recipient whose fingerprint it carries.
    let replier = record
        .to
        .iter()
        .find(|a| bool::from(app.master.address_mac(a).ct_eq(&session_mac)));
    if replier != Some(&checked.from) {
        return Err(forbidden(
            "a reply is registered from the address the session proved",
        ));
    }
    let participant = |a: &String| *a == original.sender || record.to.contains(a);
    if !checked.to.iter().all(participant) {
        return Err(forbidden(
            "a reply goes only to the participants of the message answered",
        ));
    }
    store_registration(&app, &checked, now).await?;
    tracing::info!(recipients = checked.to.len(), "reply registered");
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "id": checked.id })),
    ))
}
