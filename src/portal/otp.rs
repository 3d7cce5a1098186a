//! `POST /v1/otp`: mails a one-time passcode to a recipient. The answer is the same whether or
//! not the id exists and the address is a recipient, so it tells an outsider nothing; the mail
//! is sent off the request path so timing tells nothing either. Asking again never invalidates
//! a live passcode, and the limits count per requester (client IPv4 address or IPv6 /64).

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use rand::Rng;

use super::Shared;
use super::error::ApiError;
use super::extract::JsonBody;
use super::mailer::PasscodeMail;
use super::store::Availability;
use super::tls::Peer;
use crate::sealed::api::{OTP_DIGITS, OTP_MAX_PER_WINDOW, OTP_TTL_S, OtpAccepted, OtpRequest};
use crate::sealed::fields;
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

/// Passcode requests one requester may make per [`OTP_TTL_S`], for all messages together.
pub const MAX_PER_REQUESTER: u32 = 20;
/// Passcode mails per message and address per [`OTP_TTL_S`], whoever asks; past it the live
/// passcode's reference is still answered, without another mail.
pub const MAX_MAILS_PER_TARGET: u32 = 10;

/// The requester a peer counts as (its IPv4 address or IPv6 /64), as a keyed fingerprint:
/// the database holds no client address.
pub(crate) fn requester_mac(app: &Shared, ip: std::net::IpAddr) -> [u8; 32] {
    let bucket = match super::ratelimit::requester(ip) {
        std::net::IpAddr::V4(v4) => v4.octets().to_vec(),
        std::net::IpAddr::V6(v6) => v6.octets().to_vec(),
    };
    app.master.mac("requester", &[&bucket])
}

/// Additional data the wrapped passcode is bound to (never a content key's: those are bound
/// to the bare id).
fn passcode_context(id: &str) -> String {
    format!("passcode:{id}")
}

/// How long until the passcode mail limit of this id and address lets another mail out;
/// `None` if now.
pub(crate) async fn wait_for_next_request(
    app: &Shared,
    id: &str,
    address_mac: &[u8; 32],
    now: i64,
) -> Result<Option<Duration>, ApiError> {
    let window = OTP_TTL_S as i64;
    let counts = app
        .store
        .request_counts(id, address_mac, &[0; 32], now - window)
        .await?;
    Ok((counts.mailed_for_target >= MAX_MAILS_PER_TARGET).then(|| {
        let wait = counts
            .oldest_mail
            .map_or(window, |t| t + window - now)
            .max(1);
        Duration::from_secs(wait as u64)
    }))
}

fn too_many(wait: Duration, what: &str) -> ApiError {
    ApiError::too_many(
        wait,
        format!(
            "at most {what} every {} minutes from this address",
            OTP_TTL_S / 60
        ),
    )
}

/// A re-request mails the live passcode again, with the same reference, until it expires; a
/// new one is made only when there is none, or when this requester used up its wrong tries
/// (the others stay valid). Limits count per requester, so nobody can use up another's.
pub(crate) async fn request_passcode(
    State(app): State<Arc<Shared>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    JsonBody(req): JsonBody<OtpRequest>,
) -> Result<(StatusCode, Json<OtpAccepted>), ApiError> {
    app.limit(peer.ip()).await?;
    if !fields::is_valid_id(&req.id) {
        return Err(ApiError::invalid(
            "id: 128 bits in unpadded base64url (22 characters)",
        ));
    }
    let email = fields::normalize_address(&req.email)
        .map_err(|e| ApiError::invalid(format!("email: {e}")))?;
    let address_mac = app.master.address_mac(&email);
    let requester = requester_mac(&app, peer.ip());
    let now = Shared::now();
    // One request per message and address at a time, across every instance: the limits
    // counted below and the passcode made or reused are decided on what the previous
    // request left, never beside it.
    let lock = app
        .master
        .mac("otp-request", &[req.id.as_bytes(), &address_mac]);
    let (reference, mail) = app
        .store
        .serialized(
            &lock,
            decide(&app, &req.id, email, &address_mac, &requester, now),
        )
        .await?;
    if let Some(mail) = mail {
        let app = app.clone();
        tokio::spawn(async move {
            match app.mailer.send(mail).await {
                Ok(()) => {
                    app.telemetry.passcode_sent();
                    tracing::info!("passcode mail sent");
                }
                Err(e) => {
                    app.telemetry.passcode_failed();
                    tracing::warn!(error = %e, "passcode mail failed");
                }
            }
        });
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(OtpAccepted {
            reference,
            expires_in: OTP_TTL_S,
        }),
    ))
}

/// The passcode request's outcome: the reference to answer and the mail to send, if any;
/// recorded as a request before returning.
async fn decide(
    app: &Arc<Shared>,
    id: &str,
    email: String,
    address_mac: &[u8; 32],
    requester: &[u8; 32],
    now: i64,
) -> Result<(String, Option<PasscodeMail>), ApiError> {
    let window = OTP_TTL_S as i64;
    let counts = app
        .store
        .request_counts(id, address_mac, requester, now - window)
        .await?;
    let retry = |oldest: Option<i64>| {
        Duration::from_secs(oldest.map_or(window, |t| t + window - now).max(1) as u64)
    };
    if counts.by_requester >= MAX_PER_REQUESTER {
        return Err(too_many(
            retry(None),
            &format!("{MAX_PER_REQUESTER} passcodes"),
        ));
    }
    if counts.by_requester_for_target >= OTP_MAX_PER_WINDOW {
        return Err(too_many(
            retry(None),
            &format!("{OTP_MAX_PER_WINDOW} passcodes per message and address"),
        ));
    }
    let message = app.store.message(id, address_mac).await?;
    let eligible =
        message.filter(|m| m.is_recipient && m.availability(now) == Availability::Available);
    let live = app.store.live_passcode(id, address_mac, now).await?;
    let (reference, mail) = match eligible {
        Some(message) => {
            let failures = app.store.failures(id, address_mac, requester).await?;
            let live_reference = live.as_ref().map(|l| l.reference.clone());
            let reusable = live
                .filter(|_| failures < super::store::WRONG_PER_REQUESTER)
                .and_then(|live| {
                    let code = live
                        .code_wrapped
                        .as_deref()
                        .and_then(|w| app.master.unwrap(&passcode_context(id), w))
                        .and_then(|bytes| String::from_utf8(bytes.expose().to_vec()).ok())?;
                    Some((live.reference, SecretString::new(code)))
                });
            let mail_allowed = counts.mailed_for_target < MAX_MAILS_PER_TARGET;
            let (reference, code) = match (reusable, mail_allowed) {
                (Some((reference, code)), _) => (reference, Some(code)),
                // A new passcode could not be mailed: name the live one, or say when to ask.
                (None, false) => match live_reference {
                    Some(reference) => (reference, None),
                    None => {
                        let wait = wait_for_next_request(app, id, address_mac, now)
                            .await?
                            .unwrap_or(Duration::from_secs(1));
                        return Err(ApiError::too_many(
                            wait,
                            format!(
                                "at most {MAX_MAILS_PER_TARGET} passcode mails per message and \
                                 address every {} minutes",
                                OTP_TTL_S / 60
                            ),
                        ));
                    }
                },
                (None, true) => {
                    let code = new_passcode();
                    let reference = new_reference();
                    let code_mac = app.master.passcode_mac(id, &email, code.expose());
                    let wrapped = app
                        .master
                        .wrap(&passcode_context(id), code.expose().as_bytes());
                    app.store
                        .insert_passcode(
                            id,
                            address_mac,
                            Some((&code_mac, &wrapped)),
                            &reference,
                            now,
                        )
                        .await?;
                    app.store.reset_failures(id, address_mac, requester).await?;
                    (reference, Some(code))
                }
            };
            let mail = code.filter(|_| mail_allowed).map(|code| PasscodeMail {
                to: email,
                sender: message.sender,
                code,
                reference: reference.clone(),
                valid_for: Duration::from_secs(OTP_TTL_S),
                portal: app.origin.clone(),
            });
            (reference, mail)
        }
        None => {
            // Nothing is mailed; the reference stays as stable as a recipient's would.
            let reference = match live {
                Some(live) => live.reference,
                None => {
                    let reference = new_reference();
                    app.store
                        .insert_passcode(id, address_mac, None, &reference, now)
                        .await?;
                    reference
                }
            };
            (reference, None)
        }
    };
    app.store
        .record_request(id, address_mac, requester, mail.is_some(), now)
        .await?;
    Ok((reference, mail))
}
