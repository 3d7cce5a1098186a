//! The device sign-in (RFC 8628) as one engine for every caller: [`SignIn::start`] asks for
//! the user's code, then [`SignIn::next`] yields the sign-in's steps until it ends: waiting
//! (before each poll, with `slow_down` when the provider asked for it), then signed in,
//! declined, expired, or failed. Timing lives here, at the interval the provider asks for
//! (clamped by [`crate::auth::guard`]). What the user is shown is [`SignInState`], one model
//! for the mail account and a sealed message alike; the caller counts down on its own clock.
//! No reader types here.

use crate::sanitize::Clean;
use std::time::Duration;

use tokio::time::Instant;

use super::grant::{self, Client, DeviceCode, Endpoints, GrantError, Poll, TokenSet};
use crate::secret::SecretString;

/// Where a sign-in stands, as the user is shown it. Texts from the provider (the URL, the
/// code, the reason) are made clean here, where the prompt is made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignInState {
    /// Asking the provider for a code. `reason` says why a sign-in is needed again (a revoked
    /// or expired sign-in); `None` at the first start.
    Requesting {
        provider: Clean,
        reason: Option<Clean>,
    },
    /// The user approves on another device; sent when the code arrives and after each poll.
    Waiting(SignInPrompt),
    /// Approved: on with the new token.
    SignedIn { provider: Clean },
    /// The user declined on the other device.
    Denied { provider: Clean },
    /// The code ran out before anyone approved it.
    Expired { provider: Clean },
    /// The provider refused the sign-in; `reason` is in plain words.
    Failed { provider: Clean, reason: Clean },
}

impl SignInState {
    /// Who signs the user in: "Microsoft", "Google", or the issuer's host.
    pub fn provider(&self) -> &str {
        match self {
            SignInState::Requesting { provider, .. }
            | SignInState::SignedIn { provider }
            | SignInState::Denied { provider }
            | SignInState::Expired { provider }
            | SignInState::Failed { provider, .. } => provider,
            SignInState::Waiting(prompt) => &prompt.provider,
        }
    }
}

/// What the user needs to approve a sign-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignInPrompt {
    /// "Microsoft", "Google", or the issuer's host.
    pub provider: Clean,
    pub verification_uri: Clean,
    /// The URL with the code filled in (drawn as a QR code), when the provider gives one.
    pub verification_uri_complete: Option<Clean>,
    pub user_code: Clean,
    /// Seconds until the code expires, when the prompt was sent (the reader counts down).
    pub expires_in_s: u64,
    /// The provider asked to poll more slowly (`slow_down`).
    pub slow_down: bool,
    /// Why a new sign-in is needed, as in [`SignInState::Requesting`].
    pub reason: Option<Clean>,
}

/// One step of a started sign-in.
#[derive(Debug)]
pub enum Step {
    /// Nobody approved yet; the next poll comes after `next_poll_in`. `slow_down`: the
    /// provider has asked to poll more slowly (the interval grew by 5 seconds each time); it
    /// stays so for the rest of the sign-in, as the longer interval does.
    Waiting {
        slow_down: bool,
        next_poll_in: Duration,
    },
    /// Approved: the tokens.
    SignedIn(TokenSet),
    /// The user declined on the other device.
    Denied,
    /// The code ran out before anyone approved it.
    Expired,
    /// The provider refused, or answered what is not OAuth (a network blip is not a failure:
    /// polling goes on until the code runs out).
    Failed(GrantError),
}

/// A started device sign-in. Dropping it stops polling.
pub struct SignIn {
    http: reqwest::Client,
    client_id: String,
    client_secret: Option<SecretString>,
    endpoints: Endpoints,
    device: DeviceCode,
    interval: Duration,
    deadline: Instant,
    /// The first step announces the wait before anything is polled.
    announce: bool,
    /// The provider asked to slow down at least once.
    slowed: bool,
    ended: bool,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SignIn([redacted])")
    }
}

impl SignIn {
    /// Asks `endpoints` for a device code for `scopes` (with `extra` request parameters); the
    /// verification URIs it answers are checked against the provider's hosts.
    pub async fn start(
        client: &Client<'_>,
        endpoints: &Endpoints,
        scopes: &[String],
        extra: &[(&str, &str)],
    ) -> Result<Self, GrantError> {
        let device = grant::device_authorization(client, endpoints, scopes, extra).await?;
        let now = Instant::now();
        Ok(Self {
            http: client.http.clone(),
            client_id: client.client_id.to_owned(),
            client_secret: client.client_secret.cloned(),
            endpoints: endpoints.clone(),
            interval: device.interval,
            deadline: now.checked_add(device.expires_in).unwrap_or(now),
            device,
            announce: true,
            slowed: false,
            ended: false,
        })
    }

    /// How often the provider is asked now (clamped; longer after `slow_down`).
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// How long the code lives, as the provider said (clamped).
    pub fn expires_in(&self) -> Duration {
        self.device.expires_in
    }

    /// The prompt for a [`Step::Waiting`]: the code, and the time left now (whole seconds,
    /// rounded up, so a code with time left never reads 0).
    pub fn prompt(&self, provider: &str, slow_down: bool, reason: Option<String>) -> SignInPrompt {
        let left = self.deadline.saturating_duration_since(Instant::now());
        SignInPrompt {
            provider: Clean::line(provider),
            verification_uri: Clean::line(&self.device.verification_uri),
            verification_uri_complete: self
                .device
                .verification_uri_complete
                .as_deref()
                .map(Clean::line),
            user_code: Clean::line(&self.device.user_code),
            expires_in_s: left.as_secs() + u64::from(left.subsec_nanos() > 0),
            slow_down,
            reason: reason.as_deref().map(Clean::line),
        }
    }

    /// The next step; `None` once the sign-in has ended.
    pub async fn next(&mut self) -> Option<Step> {
        if self.ended {
            return None;
        }
        if std::mem::take(&mut self.announce) {
            return Some(self.waiting());
        }
        let step = self.poll_once().await;
        self.ended = !matches!(step, Step::Waiting { .. });
        Some(step)
    }

    /// Waits out the interval, then polls until an answer other than a network blip.
    async fn poll_once(&mut self) -> Step {
        loop {
            let now = Instant::now();
            let next_poll = now.checked_add(self.interval).unwrap_or(now);
            tokio::time::sleep_until(next_poll.min(self.deadline)).await;
            if Instant::now() >= self.deadline {
                return Step::Expired;
            }
            let client = Client {
                http: &self.http,
                client_id: &self.client_id,
                client_secret: self.client_secret.as_ref(),
            };
            match grant::poll(&client, &self.endpoints, &self.device).await {
                Ok(Poll::Tokens(tokens)) => return Step::SignedIn(tokens),
                Ok(Poll::Pending) => return self.waiting(),
                Ok(Poll::SlowDown) => {
                    self.interval = crate::auth::guard::clamp_interval(
                        self.interval.saturating_add(Duration::from_secs(5)),
                    );
                    self.slowed = true;
                    return self.waiting();
                }
                Ok(Poll::Denied) => return Step::Denied,
                Ok(Poll::Expired) => return Step::Expired,
                // A blip on the way to the provider: keep polling until the code runs out.
                Err(GrantError::Unreachable(_)) => {}
                Err(e) => return Step::Failed(e),
            }
        }
    }

    fn waiting(&self) -> Step {
        Step::Waiting {
            slow_down: self.slowed,
            next_poll_in: self.interval,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A provider of our own on loopback that asks to slow down once, then issues tokens.
    async fn slow_provider(issuer_in_document: Option<&str>) -> (String, Arc<Mutex<Vec<String>>>) {
        use axum::routing::{get, post};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let issuer = format!("http://{}", listener.local_addr().expect("addr"));
        let named = issuer_in_document.map_or_else(|| issuer.clone(), str::to_owned);
        let polls = Arc::new(Mutex::new(Vec::new()));
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
        let endpoints = grant::discover(&http, &issuer).await.expect("discovery");
        let client = Client {
            http: &http,
            client_id: "reader",
            client_secret: None,
        };
        let scopes = ["openid".to_owned(), "email".to_owned()];
        let mut sign_in = SignIn::start(&client, &endpoints, &scopes, &[("nonce", "n1")])
            .await
            .expect("device code");
        let prompt = sign_in.prompt("idp", false, None);
        assert_eq!(prompt.user_code, "WXYZ-1234");
        assert!(
            prompt.expires_in_s > 58 && prompt.expires_in_s <= 60,
            "{prompt:?}"
        );
        assert_eq!(sign_in.interval(), Duration::from_secs(1));
        let mut waits = Vec::new();
        let tokens = loop {
            match sign_in.next().await.expect("a step") {
                Step::Waiting {
                    slow_down,
                    next_poll_in,
                } => waits.push((slow_down, next_poll_in)),
                Step::SignedIn(tokens) => break tokens,
                other => panic!("{other:?}"),
            }
        };
        assert!(sign_in.next().await.is_none(), "the sign-in has ended");
        assert_eq!(tokens.id_token.as_ref().map(|t| t.expose()), Some("h.p.s"));
        assert_eq!(
            waits,
            vec![
                (false, Duration::from_secs(1)),
                (true, Duration::from_secs(6))
            ],
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
            grant::discover(&http, &issuer).await,
            Err(GrantError::Invalid(_))
        ));
    }
}
