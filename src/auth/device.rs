//! The OAuth 2.0 device authorization grant (RFC 8628) against an OpenID Connect provider, with
//! the `oauth2` crate: discovery of the provider's endpoints, the device code for the user, and
//! polling at the interval the provider asks for until it answers. Generic: it knows nothing of
//! portals or IMAP; the caller brings a TLS-verifying `reqwest::Client` that follows no redirects.
//! Tokens come back as zeroizing secrets. No ratatui or crossterm here.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    ClientId, DeviceAuthorizationUrl, DeviceCodeErrorResponseType, EndpointNotSet, EndpointSet,
    ExtraTokenFields, HttpClientError, HttpRequest, HttpResponse, RequestTokenError, Scope,
    StandardDeviceAuthorizationResponse, StandardRevocableToken, StandardTokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};

use crate::auth::guard;
use crate::secret::SecretString;

/// Path of the OpenID Connect discovery document below the issuer.
const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";
/// Upper bound of the backoff when the token endpoint cannot be reached.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Why a device sign-in did not produce tokens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceError {
    /// The user declined (`access_denied`).
    #[error("the sign-in was declined")]
    Denied,
    /// The device code expired before the user approved it (`expired_token`).
    #[error("the sign-in code expired before it was approved")]
    Expired,
    /// The provider refused the request or answered nonsense.
    #[error("the identity provider refused: {0}")]
    Provider(String),
    /// The provider could not be reached.
    #[error("cannot reach the identity provider: {0}")]
    Network(String),
    /// A URL that must not be used (plain `http://` to a remote host, not a URL).
    #[error("{0}")]
    Config(String),
}

/// The endpoints of a provider, from its discovery document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    pub issuer: String,
    pub device_authorization_endpoint: String,
    pub token_endpoint: String,
}

#[derive(Deserialize)]
struct DiscoveryDocument {
    issuer: String,
    device_authorization_endpoint: Option<String>,
    token_endpoint: Option<String>,
}

/// Checks a URL before it is called: `https://`, or `http://` to a loopback host only.
pub fn check_url(url: &str) -> Result<reqwest::Url, DeviceError> {
    let parsed =
        reqwest::Url::parse(url).map_err(|e| DeviceError::Config(format!("not a URL ({e})")))?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if loopback => Ok(parsed),
        "http" => Err(DeviceError::Config(
            "plain http:// is only allowed to a loopback host".into(),
        )),
        _ => Err(DeviceError::Config("only https:// URLs are allowed".into())),
    }
}

/// An answer's body, at most [`guard::MAX_RESPONSE_BYTES`].
async fn read_capped(response: reqwest::Response) -> Result<Vec<u8>, DeviceError> {
    guard::read_body(response).await.map_err(|e| match e {
        guard::BodyError::TooLarge => too_large(),
        guard::BodyError::Network(e) => network(e),
    })
}

fn too_large() -> DeviceError {
    DeviceError::Provider(format!(
        "its answer is larger than {} KiB",
        guard::MAX_RESPONSE_BYTES / 1024
    ))
}

const TOO_LARGE: &str = "the answer is too large";

/// oauth2's HTTP client, with every answer read through [`guard::read_body`].
async fn capped_call(
    http: reqwest::Client,
    request: HttpRequest,
) -> Result<HttpResponse, HttpClientError<reqwest::Error>> {
    let request: reqwest::Request = request.try_into().map_err(Box::new)?;
    let response = http.execute(request).await.map_err(Box::new)?;
    let mut builder = oauth2::http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        builder = builder.header(name, value);
    }
    let body = match guard::read_body(response).await {
        Ok(body) => body,
        Err(guard::BodyError::TooLarge) => return Err(HttpClientError::Other(TOO_LARGE.into())),
        Err(guard::BodyError::Network(e)) => return Err(HttpClientError::Reqwest(Box::new(e))),
    };
    builder.body(body).map_err(HttpClientError::Http)
}

fn network(e: reqwest::Error) -> DeviceError {
    DeviceError::Network(crate::sanitize::line(&e.without_url().to_string()).into_owned())
}

/// Reads the provider's discovery document. Its `issuer` must be exactly the one asked for.
pub async fn discover(http: &reqwest::Client, issuer: &str) -> Result<Provider, DeviceError> {
    let issuer = issuer.trim_end_matches('/');
    let url = check_url(&format!("{issuer}{DISCOVERY_PATH}"))?;
    let response = http.get(url).send().await.map_err(network)?;
    if !response.status().is_success() {
        return Err(DeviceError::Provider(format!(
            "its discovery document answered {}",
            response.status().as_u16()
        )));
    }
    let bytes = read_capped(response).await?;
    let document: DiscoveryDocument = serde_json::from_slice(&bytes).map_err(|e| {
        DeviceError::Provider(format!("its discovery document is not readable: {e}"))
    })?;
    if !guard::issuer_matches(issuer, &document.issuer) {
        return Err(DeviceError::Provider(
            "its discovery document names another issuer".into(),
        ));
    }
    let device = document.device_authorization_endpoint.ok_or_else(|| {
        DeviceError::Provider("it offers no device authorization endpoint".into())
    })?;
    let token = document
        .token_endpoint
        .ok_or_else(|| DeviceError::Provider("it offers no token endpoint".into()))?;
    check_url(&device)?;
    check_url(&token)?;
    Ok(Provider {
        issuer: document.issuer,
        device_authorization_endpoint: device,
        token_endpoint: token,
    })
}

/// The ID token next to the OAuth tokens; wiped when the response is dropped.
#[derive(Debug, Default, Deserialize, Serialize)]
struct IdTokenField {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
}

impl ExtraTokenFields for IdTokenField {}

impl Drop for IdTokenField {
    fn drop(&mut self) {
        if let Some(token) = &mut self.id_token {
            zeroize::Zeroize::zeroize(token);
        }
    }
}

type TokenResponse = StandardTokenResponse<IdTokenField, BasicTokenType>;

type DeviceClient = oauth2::Client<
    BasicErrorResponse,
    TokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// What the user needs to approve the sign-in on another device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserCode {
    pub verification_uri: String,
    /// The URI with the code in it (for a QR code), when the provider gives one.
    pub verification_uri_complete: Option<String>,
    pub user_code: String,
    pub expires_in: Duration,
    /// How often the provider wants to be asked.
    pub interval: Duration,
}

/// The tokens of a finished sign-in.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access_token: SecretString,
    pub id_token: Option<SecretString>,
    pub refresh_token: Option<SecretString>,
    pub expires_in: Option<Duration>,
}

/// A poll that did not finish the sign-in yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pending {
    /// The provider asked to poll more slowly (`slow_down`); the interval grew by 5 s.
    pub slow_down: bool,
    /// The interval until the next poll.
    pub next_poll_in: Duration,
}

/// A started device sign-in: show [`DeviceGrant::user_code`], then [`DeviceGrant::poll`].
pub struct DeviceGrant {
    client: DeviceClient,
    http: reqwest::Client,
    details: StandardDeviceAuthorizationResponse,
}

impl std::fmt::Debug for DeviceGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceGrant([redacted])")
    }
}

/// Starts the device grant for the public client `client_id` with `scopes`.
pub async fn start(
    http: &reqwest::Client,
    provider: &Provider,
    client_id: &str,
    scopes: &[&str],
) -> Result<DeviceGrant, DeviceError> {
    start_with(http, provider, client_id, scopes, &[]).await
}

/// [`start`] with extra parameters for the device authorization request (the sealed flow's
/// OpenID Connect `nonce`, which binds the ID token to one portal).
pub async fn start_with(
    http: &reqwest::Client,
    provider: &Provider,
    client_id: &str,
    scopes: &[&str],
    extra: &[(&str, &str)],
) -> Result<DeviceGrant, DeviceError> {
    let device_url = DeviceAuthorizationUrl::new(provider.device_authorization_endpoint.clone())
        .map_err(|e| DeviceError::Config(format!("device authorization endpoint: {e}")))?;
    let token_url = TokenUrl::new(provider.token_endpoint.clone())
        .map_err(|e| DeviceError::Config(format!("token endpoint: {e}")))?;
    let client: DeviceClient = oauth2::Client::new(ClientId::new(client_id.to_owned()))
        .set_device_authorization_url(device_url)
        .set_token_uri(token_url);
    let capped = |request: HttpRequest| capped_call(http.clone(), request);
    let mut request = client
        .exchange_device_code()
        .add_scopes(scopes.iter().map(|s| Scope::new((*s).to_owned())));
    for (name, value) in extra {
        request = request.add_extra_param(*name, *value);
    }
    let details: StandardDeviceAuthorizationResponse = request
        .request_async(&capped)
        .await
        .map_err(|e| request_error(&e))?;
    let details = clamped(details)?;
    let hosts = [
        guard::host_of(&provider.issuer),
        guard::host_of(&provider.device_authorization_endpoint),
    ];
    let hosts = [hosts[0].as_str(), hosts[1].as_str()];
    let refuse = DeviceError::Provider;
    guard::check_verification_uri(details.verification_uri().as_str(), &hosts).map_err(refuse)?;
    if let Some(complete) = details.verification_uri_complete() {
        guard::check_verification_uri(complete.secret(), &hosts).map_err(refuse)?;
    }
    Ok(DeviceGrant {
        client,
        http: http.clone(),
        details,
    })
}

/// The device authorization with `expires_in` and `interval` clamped (the oauth2 crate polls
/// at the interval it holds, and `interval: 0` would mean no delay at all).
fn clamped(
    details: StandardDeviceAuthorizationResponse,
) -> Result<StandardDeviceAuthorizationResponse, DeviceError> {
    let mut value = serde_json::to_value(&details)
        .map_err(|_| DeviceError::Provider("its answer is not a device authorization".into()))?;
    drop(details);
    let expires = guard::device_expires_in(value.get("expires_in").and_then(|v| v.as_u64()));
    let interval = guard::poll_interval(value.get("interval").and_then(|v| v.as_u64()));
    if let Some(object) = value.as_object_mut() {
        object.insert("expires_in".into(), expires.as_secs().into());
        object.insert("interval".into(), interval.as_secs().into());
    }
    let details = serde_json::from_value(value.clone());
    if let Some(code) = value.get_mut("device_code").and_then(|c| match c {
        serde_json::Value::String(s) => Some(s),
        _ => None,
    }) {
        zeroize::Zeroize::zeroize(code);
    }
    details.map_err(|_| DeviceError::Provider("its answer is not a device authorization".into()))
}

impl DeviceGrant {
    pub fn user_code(&self) -> UserCode {
        UserCode {
            verification_uri: self.details.verification_uri().to_string(),
            verification_uri_complete: self
                .details
                .verification_uri_complete()
                .map(|u| u.secret().clone()),
            user_code: self.details.user_code().secret().clone(),
            expires_in: self.details.expires_in(),
            interval: self.details.interval(),
        }
    }

    /// Polls the token endpoint at the provider's interval (longer after `slow_down`) until
    /// the user approves, declines, or the code expires. `on_pending` hears of every poll that
    /// did not finish. Dropping the future stops polling.
    pub async fn poll(
        &self,
        on_pending: impl Fn(Pending) + Send + Sync,
    ) -> Result<Tokens, DeviceError> {
        let slowed = Arc::new(AtomicBool::new(false));
        // oauth2 retries failed requests until the code expires; an answer past the size cap
        // ends the poll at once instead.
        let oversized = Arc::new(tokio::sync::Notify::new());
        let http = self.http.clone();
        let seen = slowed.clone();
        let too_big = oversized.clone();
        // Sees each answer before oauth2 does, to tell `slow_down` from `authorization_pending`.
        let observed = move |request: HttpRequest| {
            let http = http.clone();
            let seen = seen.clone();
            let too_big = too_big.clone();
            async move {
                let response: HttpResponse = match capped_call(http, request).await {
                    Ok(response) => response,
                    Err(e) => {
                        if matches!(&e, HttpClientError::Other(text) if text == TOO_LARGE) {
                            too_big.notify_one();
                        }
                        return Err(e);
                    }
                };
                if response.status().is_client_error() {
                    let error = serde_json::from_slice::<ErrorCode>(response.body()).ok();
                    seen.store(
                        error.is_some_and(|e| e.error == "slow_down"),
                        Ordering::Relaxed,
                    );
                }
                Ok::<_, HttpClientError<reqwest::Error>>(response)
            }
        };
        let sleep = |interval: Duration| {
            let interval = guard::clamp_interval(interval);
            on_pending(Pending {
                slow_down: slowed.swap(false, Ordering::Relaxed),
                next_poll_in: interval,
            });
            tokio::time::sleep(interval)
        };
        let exchange = self.client.exchange_device_access_token(&self.details);
        let polling = exchange
            .set_max_backoff_interval(MAX_BACKOFF)
            .request_async(&observed, sleep, Some(self.details.expires_in()));
        let tokens: TokenResponse = tokio::select! {
            tokens = polling => tokens.map_err(|e| device_error(&e))?,
            () = oversized.notified() => return Err(too_large()),
        };
        Ok(tokens_of(&tokens))
    }
}

#[derive(Deserialize)]
struct ErrorCode {
    error: String,
}

fn tokens_of(response: &TokenResponse) -> Tokens {
    use oauth2::TokenResponse as _;
    Tokens {
        access_token: SecretString::new(response.access_token().secret().clone()),
        id_token: response
            .extra_fields()
            .id_token
            .as_ref()
            .map(|t| SecretString::new(t.clone())),
        refresh_token: response
            .refresh_token()
            .map(|t| SecretString::new(t.secret().clone())),
        expires_in: guard::token_lifetime(response.expires_in().map(|d| d.as_secs())),
    }
}

fn request_error<RE: std::error::Error + 'static>(
    e: &RequestTokenError<RE, BasicErrorResponse>,
) -> DeviceError {
    match e {
        RequestTokenError::ServerResponse(response) => {
            DeviceError::Provider(crate::sanitize::line(response.error().as_ref()).into_owned())
        }
        RequestTokenError::Request(inner) if inner.to_string().contains(TOO_LARGE) => too_large(),
        RequestTokenError::Request(inner) => {
            DeviceError::Network(crate::sanitize::line(&without_url(inner)).into_owned())
        }
        RequestTokenError::Parse(_, _) => {
            DeviceError::Provider("its answer is not a device authorization".into())
        }
        RequestTokenError::Other(text) => {
            DeviceError::Provider(crate::sanitize::line(text).into_owned())
        }
    }
}

fn device_error<RE: std::error::Error + 'static>(
    e: &RequestTokenError<RE, oauth2::DeviceCodeErrorResponse>,
) -> DeviceError {
    match e {
        RequestTokenError::ServerResponse(response) => match response.error() {
            DeviceCodeErrorResponseType::AccessDenied => DeviceError::Denied,
            DeviceCodeErrorResponseType::ExpiredToken => DeviceError::Expired,
            other => DeviceError::Provider(crate::sanitize::line(other.as_ref()).into_owned()),
        },
        RequestTokenError::Request(inner) if inner.to_string().contains(TOO_LARGE) => too_large(),
        RequestTokenError::Request(inner) => {
            DeviceError::Network(crate::sanitize::line(&without_url(inner)).into_owned())
        }
        RequestTokenError::Parse(_, _) => {
            DeviceError::Provider("its token answer is not readable".into())
        }
        RequestTokenError::Other(text) => {
            DeviceError::Provider(crate::sanitize::line(text).into_owned())
        }
    }
}

/// An error's text without a URL in it (a URL may carry a code in its query).
fn without_url(e: &(dyn std::error::Error + 'static)) -> String {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = current {
        if let Some(reqwest_error) = err.downcast_ref::<reqwest::Error>() {
            let mut text = String::new();
            if reqwest_error.is_connect() {
                text.push_str("connection failed");
            } else if reqwest_error.is_timeout() {
                text.push_str("timed out");
            } else {
                text.push_str("request failed");
            }
            return text;
        }
        current = err.source();
    }
    e.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http() {
        assert!(check_url("https://idp.example.com/device").is_ok());
        assert!(check_url("http://127.0.0.1:8080/device").is_ok());
        assert!(check_url("http://localhost:8080/device").is_ok());
        assert!(check_url("http://[::1]:8080/device").is_ok());
        assert!(check_url("http://idp.example.com/device").is_err());
        assert!(check_url("http://127.0.0.1.example.com/device").is_err());
        assert!(check_url("ftp://127.0.0.1/").is_err());
        assert!(check_url("not a url").is_err());
    }

    #[test]
    fn the_id_token_is_read_and_errors_map() {
        let response: TokenResponse = serde_json::from_str(
            r#"{"access_token":"at","token_type":"Bearer","expires_in":60,"id_token":"a.b.c"}"#,
        )
        .or_else(|_| {
            serde_json::from_str(
                r#"{"access_token":"at","token_type":"bearer","expires_in":60,"id_token":"a.b.c"}"#,
            )
        })
        .expect("a token response");
        let tokens = tokens_of(&response);
        assert_eq!(tokens.access_token.expose(), "at");
        assert_eq!(tokens.id_token.as_ref().map(|t| t.expose()), Some("a.b.c"));
        assert_eq!(tokens.expires_in, Some(Duration::from_secs(60)));
        assert_eq!(format!("{tokens:?}").matches("[redacted]").count(), 2);

        let denied: oauth2::DeviceCodeErrorResponse =
            serde_json::from_str(r#"{"error":"access_denied"}"#).expect("error body");
        let e: RequestTokenError<std::io::Error, _> = RequestTokenError::ServerResponse(denied);
        assert_eq!(device_error(&e), DeviceError::Denied);
        let expired: oauth2::DeviceCodeErrorResponse =
            serde_json::from_str(r#"{"error":"expired_token"}"#).expect("error body");
        let e: RequestTokenError<std::io::Error, _> = RequestTokenError::ServerResponse(expired);
        assert_eq!(device_error(&e), DeviceError::Expired);
    }

    /// A provider of our own on loopback that asks to slow down once, then issues tokens.
    async fn slow_provider(
        issuer_in_document: Option<&str>,
    ) -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
        use axum::routing::{get, post};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let issuer = format!("http://{}", listener.local_addr().expect("addr"));
        let named = issuer_in_document.map_or_else(|| issuer.clone(), str::to_owned);
        let polls = Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = polls.clone();
        let base = issuer.clone();
        let app = axum::Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(move || {
                    let (named, base) = (named.clone(), base.clone());
                    async move {
                        axum::Json(serde_json::json!({
                            "issuer": named,
                            "device_authorization_endpoint": format!("{base}/device"),
                            "token_endpoint": format!("{base}/token"),
                        }))
                    }
                }),
            )
            .route(
                "/device",
                post(|| async {
                    axum::Json(serde_json::json!({
                        "device_code": "dc", "user_code": "WXYZ-1234",
                        "verification_uri": "http://127.0.0.1:1/verify",
                        "expires_in": 60, "interval": 0,
                    }))
                }),
            )
            .route(
                "/token",
                post(move |body: String| {
                    let seen = seen.clone();
                    async move {
                        let n = {
                            let mut polls = seen.lock().expect("lock");
                            polls.push(body);
                            polls.len()
                        };
                        if n == 1 {
                            (
                                axum::http::StatusCode::BAD_REQUEST,
                                axum::Json(serde_json::json!({"error": "slow_down"})),
                            )
                        } else {
                            (
                                axum::http::StatusCode::OK,
                                axum::Json(serde_json::json!({
                                    "access_token": "at", "token_type": "Bearer",
                                    "id_token": "h.p.s", "expires_in": 300,
                                })),
                            )
                        }
                    }
                }),
            );
        tokio::spawn(async move { axum::serve(listener, app).await });
        (issuer, polls)
    }

    #[tokio::test]
    async fn slows_down_when_asked_and_returns_the_id_token() {
        let (issuer, polls) = slow_provider(None).await;
        let http = reqwest::Client::new();
        let provider = discover(&http, &issuer).await.expect("discovery");
        let grant = start(&http, &provider, "reader", &["openid", "email"])
            .await
            .expect("device code");
        assert_eq!(grant.user_code().user_code, "WXYZ-1234");
        let pending = Arc::new(std::sync::Mutex::new(Vec::new()));
        let heard = pending.clone();
        let tokens = grant
            .poll(move |p| heard.lock().expect("lock").push(p))
            .await
            .expect("tokens");
        assert_eq!(tokens.id_token.as_ref().map(|t| t.expose()), Some("h.p.s"));
        assert_eq!(
            *pending.lock().expect("lock"),
            vec![Pending {
                slow_down: true,
                next_poll_in: Duration::from_secs(6)
            }],
            "one slow_down: the interval (0, clamped to 1 s) grew by 5 s"
        );
        let polls = polls.lock().expect("lock");
        assert_eq!(polls.len(), 2);
        assert!(polls[0].contains("device_code=dc") && polls[0].contains("client_id=reader"));
    }

    #[tokio::test]
    async fn a_discovery_document_naming_another_issuer_is_refused() {
        let (issuer, _) = slow_provider(Some("https://elsewhere.example")).await;
        let http = reqwest::Client::new();
        assert!(matches!(
            discover(&http, &issuer).await,
            Err(DeviceError::Provider(_))
        ));
    }
}
