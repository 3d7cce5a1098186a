//! The HTTP calls of OAuth2 for a mail account: OpenID Connect discovery, the device
//! authorization request, one poll of the token endpoint (RFC 8628), and the refresh grant.
//! Each is one request; timing, retries and reporting belong to the keeper.

use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::Value;

use crate::auth::guard;
use crate::net::http::check_url;
use crate::secret::SecretString;

/// The device and token endpoints of a provider, and the issuer they were discovered from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    pub device: String,
    pub token: String,
    pub issuer: Option<String>,
}

impl Endpoints {
    /// Fixed endpoints (a preset, or a custom provider without discovery).
    pub fn fixed(device: String, token: String) -> Self {
        Self {
            device,
            token,
            issuer: None,
        }
    }
}

/// A device authorization (RFC 8628 section 3.2).
#[derive(Debug)]
pub struct DeviceCode {
    pub device_code: SecretString,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub expires_in: Duration,
    /// Seconds between polls (5 when the provider does not say).
    pub interval: Duration,
}

/// Tokens from the token endpoint.
#[derive(Clone, Debug)]
pub struct TokenSet {
    pub access: SecretString,
    pub refresh: Option<SecretString>,
    /// The OpenID Connect ID token, when `openid` was asked for (the sealed flow's credential).
    pub id_token: Option<SecretString>,
    /// When the access token expires (`None`: the provider did not say).
    pub expires_at: Option<Instant>,
}

/// One poll of the token endpoint during a device sign-in.
#[derive(Debug)]
pub enum Poll {
    Tokens(TokenSet),
    /// `authorization_pending`: nobody approved yet.
    Pending,
    /// `slow_down`: poll 5 seconds more slowly.
    SlowDown,
    /// `access_denied`: the user declined.
    Denied,
    /// `expired_token`: the device code ran out.
    Expired,
}

/// Why a call failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GrantError {
    /// The provider answered with an OAuth error (`error`, `error_description`, and for
    /// Microsoft the numeric `error_codes`).
    Provider {
        status: u16,
        code: String,
        description: Option<String>,
        codes: Vec<u64>,
    },
    /// The provider could not be reached (worth retrying).
    Unreachable(String),
    /// The provider answered something that is not OAuth, or the config is unusable.
    Invalid(String),
}

impl GrantError {
    /// The OAuth error code, if the provider gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            GrantError::Provider { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The refresh token (or the grant behind it) is no longer any good: sign in again.
    pub fn needs_new_sign_in(&self) -> bool {
        matches!(
            self.code(),
            Some("invalid_grant" | "interaction_required" | "login_required")
        )
    }
}

/// What a call needs: an HTTP client and the client's credentials.
pub struct Client<'a> {
    pub http: &'a reqwest::Client,
    pub client_id: &'a str,
    pub client_secret: Option<&'a SecretString>,
}

fn unreachable(what: &str, e: &reqwest::Error) -> GrantError {
    let why = if e.is_timeout() {
        "no answer in time".to_owned()
    } else if e.is_connect() {
        "cannot connect".to_owned()
    } else {
        "connection problem".to_owned()
    };
    GrantError::Unreachable(format!("{what}: {why}"))
}

/// Reads a provider's JSON answer (at most [`guard::MAX_RESPONSE_BYTES`]): a success body, or
/// its OAuth error.
async fn read_json(what: &str, response: reqwest::Response) -> Result<Value, GrantError> {
    let status = response.status();
    let bytes = zeroize::Zeroizing::new(match guard::read_body(response).await {
        Ok(bytes) => bytes,
        Err(guard::BodyError::TooLarge) => {
            return Err(GrantError::Invalid(format!(
                "{what}: the provider's answer is larger than {} KiB",
                guard::MAX_RESPONSE_BYTES / 1024
            )));
        }
        Err(guard::BodyError::Network(e)) => return Err(unreachable(what, &e)),
    });
    let body: Value = match serde_json::from_slice(&bytes) {
        Ok(body) => body,
        Err(_) => {
            return Err(GrantError::Invalid(format!(
                "{what}: the provider answered {status} without JSON"
            )));
        }
    };
    if status.is_success() {
        return Ok(body);
    }
    match body.get("error").and_then(Value::as_str) {
        Some(code) => Err(GrantError::Provider {
            status: status.as_u16(),
            code: code.to_owned(),
            description: body
                .get("error_description")
                .and_then(Value::as_str)
                .map(str::to_owned),
            codes: body
                .get("error_codes")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_u64).collect())
                .unwrap_or_default(),
        }),
        None => Err(GrantError::Invalid(format!(
            "{what}: the provider answered {status}"
        ))),
    }
}

fn endpoint(url: &str) -> Result<reqwest::Url, GrantError> {
    check_url(url).map_err(|why| GrantError::Invalid(format!("{url}: {why}")))
}

/// A number that some providers send as a string. Negative numbers count as 0, numbers past
/// `u64::MAX` (or fractions) as their saturated whole value; callers clamp the result.
fn seconds(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_i64().map(|i| i.max(0).unsigned_abs()))
            .or_else(|| n.as_f64().filter(|f| !f.is_nan()).map(|f| f as u64)),
        Value::String(s) => s.trim_matches(' ').parse().ok(),
        _ => None,
    }
}

/// OpenID Connect discovery: the device and token endpoints of `issuer`.
pub async fn discover(http: &reqwest::Client, issuer: &str) -> Result<Endpoints, GrantError> {
    let url = endpoint(&format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    ))?;
    let response = http
        .get(url)
        .send()
        .await
        .map_err(|e| unreachable("discovery", &e))?;
    let doc = read_json("discovery", response).await?;
    let field = |name: &str| {
        doc.get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| {
                GrantError::Invalid(format!("the provider's discovery document has no {name}"))
            })
    };
    let named = field("issuer")?;
    if !guard::issuer_matches(issuer, &named) {
        return Err(GrantError::Invalid(
            "the provider's discovery document names another issuer".into(),
        ));
    }
    let endpoints = Endpoints {
        device: field("device_authorization_endpoint")?,
        token: field("token_endpoint")?,
        issuer: Some(issuer.to_owned()),
    };
    endpoint(&endpoints.device)?;
    endpoint(&endpoints.token)?;
    Ok(endpoints)
}

#[derive(Deserialize)]
struct DeviceAnswer {
    device_code: String,
    user_code: String,
    // Google spells it verification_url.
    #[serde(alias = "verification_url")]
    verification_uri: String,
    verification_uri_complete: Option<String>,
}

/// Asks for a device code and a user code for `scopes`. `extra` goes into the request as
/// well (the sealed flow's OpenID Connect `nonce`, which binds the ID token to one portal).
pub async fn device_authorization(
    client: &Client<'_>,
    endpoints: &Endpoints,
    scopes: &[String],
    extra: &[(&str, &str)],
) -> Result<DeviceCode, GrantError> {
    let scope = scopes.join(" ");
    let mut form = vec![("client_id", client.client_id), ("scope", scope.as_str())];
    form.extend_from_slice(extra);
    let response = client
        .http
        .post(endpoint(&endpoints.device)?)
        .form(&form)
        .send()
        .await
        .map_err(|e| unreachable("device code", &e))?;
    let body = read_json("device code", response).await?;
    let expires_in = guard::device_expires_in(seconds(body.get("expires_in")));
    let interval = guard::poll_interval(seconds(body.get("interval")));
    let answer: DeviceAnswer = serde_json::from_value(body).map_err(|_| {
        GrantError::Invalid("the provider's device code answer lacks a field".into())
    })?;
    let device_host = guard::host_of(&endpoints.device);
    let issuer_host = endpoints
        .issuer
        .as_deref()
        .map(guard::host_of)
        .unwrap_or_default();
    let hosts = [device_host.as_str(), issuer_host.as_str()];
    let refuse = |why: String| GrantError::Invalid(format!("device code: {why}"));
    let verification_uri =
        guard::check_verification_uri(&answer.verification_uri, &hosts).map_err(refuse)?;
    let verification_uri_complete = answer
        .verification_uri_complete
        .as_deref()
        .map(|uri| guard::check_verification_uri(uri, &hosts))
        .transpose()
        .map_err(refuse)?;
    Ok(DeviceCode {
        device_code: answer.device_code.into(),
        user_code: answer.user_code,
        verification_uri,
        verification_uri_complete,
        expires_in,
        interval,
    })
}

async fn token_request(
    client: &Client<'_>,
    endpoints: &Endpoints,
    what: &str,
    mut form: Vec<(&str, &str)>,
) -> Result<TokenSet, GrantError> {
    form.push(("client_id", client.client_id));
    if let Some(secret) = client.client_secret {
        form.push(("client_secret", secret.expose()));
    }
    let sent = Instant::now();
    let response = client
        .http
        .post(endpoint(&endpoints.token)?)
        .form(&form)
        .send()
        .await
        .map_err(|e| unreachable(what, &e))?;
    let body = read_json(what, response).await?;
    let access = body
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| GrantError::Invalid(format!("{what}: no access token in the answer")))?;
    guard::check_token(access).map_err(|why| GrantError::Invalid(format!("{what}: {why}")))?;
    let refresh = body
        .get("refresh_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty());
    let id_token = body
        .get("id_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty());
    if let Some(id_token) = id_token {
        guard::check_token(id_token)
            .map_err(|why| GrantError::Invalid(format!("{what}: ID token: {why}")))?;
    }
    Ok(TokenSet {
        access: access.into(),
        refresh: refresh.map(SecretString::from),
        id_token: id_token.map(SecretString::from),
        expires_at: guard::token_lifetime(seconds(body.get("expires_in")))
            .map(|lifetime| guard::deadline(sent, lifetime)),
    })
}

/// One poll of the token endpoint with the device code.
pub async fn poll(
    client: &Client<'_>,
    endpoints: &Endpoints,
    device: &DeviceCode,
) -> Result<Poll, GrantError> {
    let form = vec![
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("device_code", device.device_code.expose()),
    ];
    match token_request(client, endpoints, "sign-in", form).await {
        Ok(tokens) => Ok(Poll::Tokens(tokens)),
        Err(e) => match e.code() {
            Some("authorization_pending") => Ok(Poll::Pending),
            Some("slow_down") => Ok(Poll::SlowDown),
            Some("access_denied") => Ok(Poll::Denied),
            Some("expired_token") => Ok(Poll::Expired),
            // Microsoft: "AADSTS70020: The provided value for the input parameter
            // 'device_code' is not valid" after expiry, as `code_expired`/`bad_verification_code`.
            Some("code_expired") => Ok(Poll::Expired),
            _ => Err(e),
        },
    }
}

/// The refresh grant. A provider that does not rotate refresh tokens answers without one;
/// the caller keeps the old one then.
pub async fn refresh(
    client: &Client<'_>,
    endpoints: &Endpoints,
    refresh_token: &SecretString,
    scopes: &[String],
) -> Result<TokenSet, GrantError> {
    let scope = scopes.join(" ");
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token.expose()),
    ];
    if !scope.is_empty() {
        form.push(("scope", scope.as_str()));
    }
    token_request(client, endpoints, "token refresh", form).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refresh_failure_with_invalid_grant_asks_for_a_new_sign_in() {
        let e = GrantError::Provider {
            status: 400,
            code: "invalid_grant".into(),
            description: None,
            codes: vec![],
        };
        assert!(e.needs_new_sign_in());
        assert!(!GrantError::Unreachable("x".into()).needs_new_sign_in());
    }

    #[test]
    fn seconds_come_as_numbers_or_strings() {
        assert_eq!(seconds(Some(&serde_json::json!(900))), Some(900));
        assert_eq!(seconds(Some(&serde_json::json!("1800"))), Some(1800));
        assert_eq!(seconds(None), None);
    }
}
