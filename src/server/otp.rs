//! `POST /v1/otp`: mails a one-time passcode to a recipient. The answer is the same whether or
//! not the id exists and the address is a recipient, so it tells an outsider nothing; the mail
//! is sent off the request path so timing tells nothing either.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use rand::Rng;

use super::AppState;
use super::error::ApiError;
use super::extract::JsonBody;
use super::mailer::PasscodeMail;
use super::store::Availability;
use super::tls::Peer;
use crate::portal::api::{OTP_DIGITS, OTP_MAX_PER_WINDOW, OTP_TTL_S, OtpAccepted, OtpRequest};
use crate::portal::fields;
use crate::secret::SecretString;

const REFERENCE_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

fn new_reference() -> String {
    let mut rng = rand::rng();
    (0..4)
        .map(|_| char::from(REFERENCE_ALPHABET[rng.random_range(0..REFERENCE_ALPHABET.len())]))
        .collect()
}

fn new_passcode() -> SecretString {
    let bound = 10u32.pow(OTP_DIGITS);
    let code = rand::rng().random_range(0..bound);
    SecretString::new(format!("{code:0width$}", width = OTP_DIGITS as usize))
}

/// How long until another passcode may be requested for this id and address; `None` if now.
pub(crate) async fn wait_for_next_request(
    app: &AppState,
    id: &str,
    address_mac: &[u8; 32],
    now: i64,
) -> Result<Option<Duration>, ApiError> {
    let window = OTP_TTL_S as i64;
    let (count, oldest) = app
        .store
        .passcode_requests_since(id, address_mac, now - window)
        .await?;
    Ok((count >= OTP_MAX_PER_WINDOW).then(|| {
        let wait = oldest.map_or(window, |t| t + window - now).max(1);
        Duration::from_secs(wait as u64)
    }))
}

pub(crate) async fn request_passcode(
    State(app): State<Arc<AppState>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    JsonBody(req): JsonBody<OtpRequest>,
) -> Result<(StatusCode, Json<OtpAccepted>), ApiError> {
    app.limiter
        .check(peer.ip())
        .map_err(|wait| ApiError::too_many(wait, "too many requests from this address"))?;
    if !fields::is_valid_id(&req.id) {
        return Err(ApiError::invalid(
            "id: 128 bits in unpadded base64url (22 characters)",
        ));
    }
    let email = fields::normalize_address(&req.email)
        .map_err(|e| ApiError::invalid(format!("email: {e}")))?;
    let address_mac = app.master.address_mac(&email);
    let now = AppState::now();
    if let Some(wait) = wait_for_next_request(&app, &req.id, &address_mac, now).await? {
        return Err(ApiError::too_many(
            wait,
            format!(
                "at most {OTP_MAX_PER_WINDOW} passcodes per message and address every {} minutes",
                OTP_TTL_S / 60
            ),
        ));
    }
    let reference = new_reference();
    let message = app.store.message(&req.id, &address_mac).await?;
    let eligible =
        message.filter(|m| m.is_recipient && m.availability(now) == Availability::Available);
    match eligible {
        Some(message) => {
            let code = new_passcode();
            let code_mac = app.master.passcode_mac(&req.id, &email, code.expose());
            app.store
                .insert_passcode(&req.id, &address_mac, Some(&code_mac), now)
                .await?;
            let mail = PasscodeMail {
                to: email,
                sender: message.sender,
                code,
                reference: reference.clone(),
                valid_for: Duration::from_secs(OTP_TTL_S),
                portal: app.origin.clone(),
            };
            let app = app.clone();
            tokio::spawn(async move {
                match app.mailer.send(mail).await {
                    Ok(()) => {
                        app.metrics.passcode_sent();
                        tracing::info!("passcode mail sent");
                    }
                    Err(e) => {
                        app.metrics.passcode_failed();
                        tracing::warn!(error = %e, "passcode mail failed");
                    }
                }
            });
        }
        None => {
            app.store
                .insert_passcode(&req.id, &address_mac, None, now)
                .await?;
        }
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(OtpAccepted {
            reference,
            expires_in: OTP_TTL_S,
        }),
    ))
}
