//! `POST /v1/unseal`: checks a passcode, an ID token or a session, and releases the content key
//! of a message addressed to that recipient, with a session for their other messages.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{ConnectInfo, State};

use super::Shared;
use super::error::ApiError;
use super::extract::JsonBody;
use super::keys::token_hash;
use super::nonce::{NonceError, check_nonce, nonce_hash};
use super::oidc::OidcError;
use super::store::{Availability, PasscodeCheck};
use super::telemetry::Method;
use super::tls::Peer;
use crate::sealed::api::{ErrorCode, OTP_DIGITS, SESSION_TTL_S, UnsealRequest, UnsealResponse};
use crate::sealed::fields;

/// How the request proves who is asking.
enum Proof {
    Passcode { email: String, code: String },
    IdToken(String),
    Session(String),
}

fn proof_of(req: UnsealRequest) -> Result<Proof, ApiError> {
    let one_of = || ApiError::invalid("give exactly one of: email and otp, id_token, session");
    match (req.email, req.otp, req.id_token, req.session) {
        (Some(email), Some(code), None, None) => Ok(Proof::Passcode { email, code }),
        (None, None, Some(token), None) => Ok(Proof::IdToken(token)),
        (None, None, None, Some(session)) => Ok(Proof::Session(session)),
        _ => Err(one_of()),
    }
}

fn no_passcode() -> ApiError {
    ApiError {
        attempts_left: Some(0),
        ..ApiError::new(
            ErrorCode::BadCredential,
            "no valid passcode for this message and address: request a new one",
        )
    }
}

/// The address fingerprint a live session proves, and when it expires; 401 otherwise.
pub(crate) async fn session_of(
    app: &Shared,
    token: &str,
    now: i64,
) -> Result<([u8; 32], i64), ApiError> {
    app.store
        .session(&token_hash(token), now)
        .await?
        .ok_or_else(unknown_session)
}

fn unknown_session() -> ApiError {
    ApiError::new(
        ErrorCode::BadCredential,
        "the session is unknown or expired: sign in again",
    )
}

/// 410 for a message whose key is no longer released: revoked, or past its expiry.
pub(crate) fn still_available(availability: Availability) -> Result<(), ApiError> {
    match availability {
        Availability::Available => Ok(()),
        Availability::Expired => Err(ApiError::new(ErrorCode::Expired, "the message has expired")),
        Availability::Revoked => Err(ApiError::new(
            ErrorCode::Revoked,
            "the sender revoked the message",
        )),
    }
}

pub(crate) async fn unseal(
    State(app): State<Arc<Shared>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    JsonBody(req): JsonBody<UnsealRequest>,
) -> Result<Json<UnsealResponse>, ApiError> {
    app.limit(peer.ip()).await?;
    if !fields::is_valid_id(&req.id) {
        return Err(ApiError::invalid(
            "id: 128 bits in unpadded base64url (22 characters)",
        ));
    }
    let id = req.id.clone();
    let proof = proof_of(req)?;
    let now = Shared::now();

    // A session and the message come in one query: the hot path (a reader opening one
    // message after another) costs one round trip to the database.
    let mut prefetched = None;
    // Who is asking, as an address fingerprint; and for a session, the session to hand back.
    let (address_mac, session, method, email_for_otp) = match &proof {
        Proof::Passcode { email, code } => {
            let email = fields::normalize_address(email)
                .map_err(|e| ApiError::invalid(format!("email: {e}")))?;
            if code.len() != OTP_DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ApiError::invalid(format!("otp: {OTP_DIGITS} digits")));
            }
            (
                app.master.address_mac(&email),
                None,
                Method::Otp,
                Some(email),
            )
        }
        Proof::IdToken(token) => {
            let verified = app.oidc.verify(token).await.map_err(|e| match e {
                OidcError::Rejected(_) => ApiError::new(ErrorCode::BadCredential, e.to_string()),
                OidcError::Unavailable => ApiError::new(ErrorCode::Unavailable, e.to_string()),
            })?;
            // The token must carry a nonce this portal issued for its own origin, once.
            let refused = |e: NonceError| ApiError::new(ErrorCode::BadCredential, e.to_string());
            let nonce = verified.nonce.as_deref();
            let expires = check_nonce(&app.master, &app.origin, nonce, now).map_err(refused)?;
            if !app
                .store
                .use_nonce(&nonce_hash(nonce.unwrap_or_default()), expires)
                .await?
            {
                return Err(refused(NonceError::Replayed));
            }
            (
                app.master.address_mac(&verified.email),
                None,
                Method::Oidc,
                None,
            )
        }
        Proof::Session(token) => {
            let (mac, expires, message) = app
                .store
                .session_and_message(&token_hash(token), &id, now)
                .await?
                .ok_or_else(unknown_session)?;
            prefetched = Some(message);
            (mac, Some((token.clone(), expires)), Method::Session, None)
        }
    };

    let message = match prefetched {
        Some(message) => message,
        None => app.store.message(&id, &address_mac).await?,
    }
    .ok_or_else(|| {
        ApiError::new(
            ErrorCode::UnknownMessage,
            "the portal does not know this message",
        )
    })?;
    still_available(message.availability(now))?;

    if let (Proof::Passcode { code, .. }, Some(email)) = (&proof, &email_for_otp) {
        // A non-recipient never got a passcode: the same answer as "no passcode", which tells
        // an outsider nothing about who the recipients are.
        if !message.is_recipient {
            return Err(no_passcode());
        }
        let code_mac = app.master.passcode_mac(&id, email, code);
        match app
            .store
            .check_passcode(
                &id,
                &address_mac,
                &code_mac,
                &super::otp::requester_mac(&app, peer.ip()),
                now,
            )
            .await?
        {
            PasscodeCheck::Accepted => {}
            PasscodeCheck::Wrong { attempts_left } => {
                return Err(ApiError {
                    attempts_left: Some(attempts_left),
                    ..ApiError::new(ErrorCode::BadCredential, "wrong passcode")
                });
            }
            PasscodeCheck::NoPasscode => return Err(no_passcode()),
            PasscodeCheck::Locked => {
                let wait = super::otp::wait_for_next_request(&app, &id, &address_mac, now)
                    .await?
                    .unwrap_or(Duration::from_secs(1));
                return Err(ApiError::too_many(
                    wait,
                    "this passcode is locked after too many wrong tries: request a new one",
                ));
            }
        }
    } else if !message.is_recipient {
        return Err(ApiError::new(
            ErrorCode::NotRecipient,
            "this identity is not a recipient of the message",
        ));
    }

    let wrapped = message.wrapped_key.as_deref().unwrap_or_default();
    let (key, to) = match message.record_version {
        2 => app
            .master
            .unwrap_record(&id, &message.sender, wrapped)
            .map(|r| (r.key, Some(r.to))),
        // Registered before version 2: the key alone; the answer names no recipients.
        _ => app.master.unwrap(&id, wrapped).map(|k| (k, None)),
    }
    .ok_or_else(|| {
        tracing::error!("a stored key record does not open under the master key");
        ApiError::internal()
    })?;
    let (session, expires) = match session {
        Some(existing) => existing,
        None => {
            let token = fields::b64url(&rand::random::<[u8; 32]>());
            let expires = now + SESSION_TTL_S as i64;
            app.store
                .insert_session(&token_hash(&token), &address_mac, expires)
                .await?;
            (token, expires)
        }
    };
    app.telemetry.view(method);
    tracing::debug!(method = method.as_str(), "key released");
    Ok(Json(UnsealResponse {
        key: fields::b64url(key.expose()),
        from: message.sender,
        to,
        session,
        session_expires_in: (expires - now).max(0) as u64,
    }))
}
