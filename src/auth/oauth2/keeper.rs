//! The token keeper of one account: holds the token set in memory, hands out a valid access
//! token, refreshes it in the background before it expires (and when the server refused it),
//! and runs the device sign-in when there is no usable refresh token, reporting each step as
//! a [`SignInState`] (the caller turns them into its own events). The refresh token goes to
//! the user's store commands when configured.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::{Mutex, mpsc};
use tokio::time::Instant;

use super::grant::{self, Client, Endpoints, GrantError, TokenSet};
use super::provider::{Mechanism, OAuthSettings, TokenStore};
use super::signin::{SignIn, SignInState, Step};
use super::store;
use super::words::explain;
use crate::error::{Error, ErrorKind};
use crate::sanitize::Clean;
use crate::secret::SecretString;

/// Refresh this long before expiry at most (and a quarter of the lifetime for short tokens).
const REFRESH_MARGIN_MAX: Duration = Duration::from_secs(300);
/// A background refresh that could not reach the provider tries again after this.
const RETRY_REFRESH: Duration = Duration::from_secs(30);

/// Hands out access tokens for one account. Cheap to clone; the clones share the tokens.
#[derive(Clone)]
pub struct TokenKeeper {
    inner: Arc<Inner>,
}

struct Inner {
    settings: OAuthSettings,
    provider: String,
    client_secret: Option<SecretString>,
    http: reqwest::Client,
    held: Mutex<Held>,
    refreshes: AtomicU64,
    sign_ins: AtomicU64,
}

#[derive(Default)]
struct Held {
    tokens: Option<TokenSet>,
    /// When to refresh the access token (`None`: only when the server refuses it).
    refresh_at: Option<Instant>,
    /// Bumped whenever the tokens change, so a stale background refresh stands down.
    generation: u64,
    endpoints: Option<Endpoints>,
    store_loaded: bool,
    /// Why the next device sign-in is needed, for its screen.
    reason: Option<String>,
}

impl fmt::Debug for TokenKeeper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenKeeper")
            .field("provider", &self.inner.provider)
            .field("tokens", &"[redacted]")
            .finish()
    }
}

impl TokenKeeper {
    /// A keeper for `settings`. Runs the client-secret command, if any, now (before the UI
    /// owns the terminal). Tokens come later, from [`TokenKeeper::access_token`].
    pub fn new(settings: OAuthSettings) -> Result<Self, Error> {
        let client_secret = match &settings.client_secret_command {
            Some(cmd) => Some(crate::secret::run_secret_command(cmd).map_err(|e| Error {
                summary: format!("client_secret_command: {}", e.summary),
                ..e
            })?),
            None => None,
        };
        let http = crate::net::http::client(settings.ca_file.as_deref())
            .map_err(|why| Error::new(ErrorKind::Config, why))?;
        Ok(Self {
            inner: Arc::new(Inner {
                provider: settings.provider.display_name(),
                settings,
                client_secret,
                http,
                held: Mutex::new(Held::default()),
                refreshes: AtomicU64::new(0),
                sign_ins: AtomicU64::new(0),
            }),
        })
    }

    pub fn mechanism(&self) -> Mechanism {
        self.inner.settings.mechanism
    }

    pub fn provider_name(&self) -> &str {
        &self.inner.provider
    }

    /// How many refresh grants succeeded (for tests and the metrics panel; no secret).
    pub fn refresh_count(&self) -> u64 {
        self.inner.refreshes.load(Ordering::Relaxed)
    }

    /// How many device sign-ins finished.
    pub fn sign_in_count(&self) -> u64 {
        self.inner.sign_ins.load(Ordering::Relaxed)
    }

    fn client(&self) -> Client<'_> {
        Client {
            http: &self.inner.http,
            client_id: &self.inner.settings.client_id,
            client_secret: self.inner.client_secret.as_ref(),
        }
    }

    /// A valid access token: the one held, else a refreshed one, else one from a device
    /// sign-in whose steps go to `report`.
    pub async fn access_token(
        &self,
        report: &mpsc::Sender<SignInState>,
    ) -> Result<SecretString, Error> {
        let mut held = self.inner.held.lock().await;
        if let Some(tokens) = &held.tokens
            && !tokens.access.is_empty()
            && held.refresh_at.is_none_or(|at| Instant::now() < at)
        {
            return Ok(tokens.access.clone());
        }
        let endpoints = self.endpoints(&mut held).await?;
        if held.tokens.is_none() && !held.store_loaded {
            held.store_loaded = true;
            if let TokenStore::Commands { load, .. } = &self.inner.settings.store
                && let Some(refresh) = store::load(load).await?
            {
                held.tokens = Some(TokenSet {
                    access: SecretString::default(),
                    refresh: Some(refresh),
                    id_token: None,
                    expires_at: None,
                });
            }
        }
        if let Some(refresh) = held.tokens.as_ref().and_then(|t| t.refresh.clone()) {
            match self.refresh_grant(&endpoints, &refresh).await {
                Ok(tokens) => {
                    let access = tokens.access.clone();
                    self.install(&mut held, tokens).await;
                    return Ok(access);
                }
                Err(GrantError::Unreachable(why)) => {
                    return Err(Error::new(ErrorKind::Network, "cannot refresh the sign-in")
                        .with_details(why));
                }
                Err(e) => {
                    tracing::info!(target: "sealmail::oauth2", code = ?e.code(), "refresh refused; signing in again");
                    held.reason = Some(format!("your sign-in has ended: {}", explain(&e)));
                }
            }
        }
        held.tokens = None;
        held.generation += 1;
        let reason = held.reason.take();
        let tokens = self.sign_in(&endpoints, reason, report).await?;
        self.inner.sign_ins.fetch_add(1, Ordering::Relaxed);
        let access = tokens.access.clone();
        self.install(&mut held, tokens).await;
        Ok(access)
    }

    /// The access token held now, if any; never refreshes or signs in (for a second
    /// connection next to one that just logged in).
    pub async fn held_token(&self) -> Option<SecretString> {
        let held = self.inner.held.lock().await;
        held.tokens
            .as_ref()
            .map(|t| t.access.clone())
            .filter(|access| !access.is_empty())
    }

    /// A valid access token for a connection beside the reader's (sending, filing), never by
    /// a device sign-in (it has no screen to show one on): the one held while it is not due for
    /// refresh (expired or near expiry), else one refreshed now with the refresh token. An
    /// error when only a new sign-in would give one: the reader's own connection runs it.
    pub async fn fresh_token(&self) -> Result<SecretString, Error> {
        let mut held = self.inner.held.lock().await;
        if let Some(tokens) = &held.tokens
            && !tokens.access.is_empty()
            && held.refresh_at.is_none_or(|at| Instant::now() < at)
        {
            return Ok(tokens.access.clone());
        }
        let Some(refresh) = held.tokens.as_ref().and_then(|t| t.refresh.clone()) else {
            return Err(Error::new(
                ErrorKind::Auth,
                "no OAuth2 token yet: wait until the account has signed in",
            ));
        };
        let endpoints = self.endpoints(&mut held).await?;
        match self.refresh_grant(&endpoints, &refresh).await {
            Ok(tokens) => {
                let access = tokens.access.clone();
                self.install(&mut held, tokens).await;
                Ok(access)
            }
            Err(GrantError::Unreachable(why)) => {
                Err(Error::new(ErrorKind::Network, "cannot refresh the sign-in").with_details(why))
            }
            Err(e) => {
                tracing::info!(target: "sealmail::oauth2", code = ?e.code(), "refresh refused");
                Err(Error::new(
                    ErrorKind::Auth,
                    format!(
                        "the sign-in has ended ({}): sign in again in the reader",
                        explain(&e)
                    ),
                ))
            }
        }
    }

    /// The server refused `token`: the next [`TokenKeeper::access_token`] refreshes it (a
    /// refresh token that fails too leads to a new sign-in).
    pub async fn rejected(&self, token: &SecretString) {
        let mut held = self.inner.held.lock().await;
        if let Some(tokens) = held.tokens.as_mut()
            && tokens.access == *token
        {
            tokens.access = SecretString::default();
        }
    }

    /// Drops every token: the next [`TokenKeeper::access_token`] runs a device sign-in whose
    /// screen says `reason`.
    pub async fn forget(&self, reason: String) {
        let mut held = self.inner.held.lock().await;
        held.tokens = None;
        held.refresh_at = None;
        held.generation += 1;
        held.reason = Some(reason);
    }

    async fn endpoints(&self, held: &mut Held) -> Result<Endpoints, Error> {
        if let Some(endpoints) = &held.endpoints {
            return Ok(endpoints.clone());
        }
        let provider = &self.inner.settings.provider;
        let endpoints = match (provider.fixed_endpoints(), provider.issuer()) {
            (Some((device, token)), _) => Endpoints::fixed(device, token),
            (None, Some(issuer)) => grant::discover(&self.inner.http, issuer)
                .await
                .map_err(|e| grant_error("cannot find the provider's endpoints", &e))?,
            (None, None) => {
                return Err(Error::new(
                    ErrorKind::Config,
                    "oauth2: a custom provider needs issuer, or device_endpoint and token_endpoint",
                ));
            }
        };
        held.endpoints = Some(endpoints.clone());
        Ok(endpoints)
    }

    async fn refresh_grant(
        &self,
        endpoints: &Endpoints,
        refresh: &SecretString,
    ) -> Result<TokenSet, GrantError> {
        let mut tokens = grant::refresh(
            &self.client(),
            endpoints,
            refresh,
            &self.inner.settings.scopes,
        )
        .await?;
        if tokens.refresh.is_none() {
            tokens.refresh = Some(refresh.clone());
        }
        self.inner.refreshes.fetch_add(1, Ordering::Relaxed);
        Ok(tokens)
    }

    /// Keeps `tokens`, saves a new refresh token through the store command, and schedules the
    /// next refresh.
    async fn install(&self, held: &mut Held, tokens: TokenSet) {
        let new_refresh = tokens.refresh.clone().filter(|new| {
            held.tokens
                .as_ref()
                .and_then(|old| old.refresh.as_ref())
                .is_none_or(|old| old != new)
        });
        held.refresh_at = tokens.expires_at.map(|expires| {
            let expires = Instant::from_std(expires);
            let lifetime = expires.saturating_duration_since(Instant::now());
            let margin = (lifetime / 4).min(REFRESH_MARGIN_MAX);
            expires.checked_sub(margin).unwrap_or(expires)
        });
        held.tokens = Some(tokens);
        held.generation += 1;
        if let (Some(refresh), TokenStore::Commands { store: cmd, .. }) =
            (new_refresh, &self.inner.settings.store)
            && let Err(e) = store::save(cmd, &refresh).await
        {
            tracing::warn!(target: "sealmail::oauth2", "{}", e.summary);
        }
        if let Some(at) = held.refresh_at {
            schedule(Arc::downgrade(&self.inner), at, held.generation);
        }
    }

    /// The refresh that the schedule asked for, unless the tokens changed meanwhile.
    async fn background_refresh(&self, generation: u64) {
        let mut held = self.inner.held.lock().await;
        if held.generation != generation {
            return;
        }
        let Some(refresh) = held.tokens.as_ref().and_then(|t| t.refresh.clone()) else {
            return;
        };
        let Some(endpoints) = held.endpoints.clone() else {
            return;
        };
        match self.refresh_grant(&endpoints, &refresh).await {
            Ok(tokens) => self.install(&mut held, tokens).await,
            Err(GrantError::Unreachable(_)) => {
                let now = Instant::now();
                let at = now.checked_add(RETRY_REFRESH).unwrap_or(now);
                schedule(Arc::downgrade(&self.inner), at, generation);
            }
            Err(e) => {
                // The access token stays usable until it expires; the next login after that
                // signs in again and says why.
                tracing::info!(target: "sealmail::oauth2", code = ?e.code(), "background refresh refused");
                if let Some(tokens) = held.tokens.as_mut() {
                    tokens.refresh = None;
                }
                held.reason = Some(format!("your sign-in has ended: {}", explain(&e)));
            }
        }
    }

    /// The device sign-in, reported step by step: the prompt when the code arrives and again
    /// after each poll (the reader counts down between them).
    async fn sign_in(
        &self,
        endpoints: &Endpoints,
        reason: Option<String>,
        report: &mpsc::Sender<SignInState>,
    ) -> Result<TokenSet, Error> {
        let provider = self.inner.provider.clone();
        let send = |state: SignInState| async move {
            report
                .send(state)
                .await
                .map_err(|_| Error::new(ErrorKind::Io, "the reader is gone"))
        };
        send(SignInState::Requesting {
            provider: Clean::line(&provider),
            reason: reason.as_deref().map(Clean::line),
        })
        .await?;
        let started =
            SignIn::start(&self.client(), endpoints, &self.inner.settings.scopes, &[]).await;
        let mut sign_in = match started {
            Ok(sign_in) => sign_in,
            Err(e) => return Err(self.refused(&send, e).await),
        };
        loop {
            match sign_in.next().await {
                Some(Step::Waiting { slow_down, .. }) => {
                    let prompt = sign_in.prompt(&provider, slow_down, reason.clone());
                    send(SignInState::Waiting(prompt)).await?;
                }
                Some(Step::SignedIn(tokens)) => {
                    send(SignInState::SignedIn {
                        provider: Clean::line(&provider),
                    })
                    .await?;
                    return Ok(tokens);
                }
                Some(Step::Denied) => {
                    send(SignInState::Denied {
                        provider: Clean::line(&provider),
                    })
                    .await?;
                    return Err(Error::new(
                        ErrorKind::Auth,
                        "the sign-in was declined on the other device",
                    ));
                }
                Some(Step::Expired) | None => {
                    send(SignInState::Expired {
                        provider: Clean::line(&provider),
                    })
                    .await?;
                    return Err(expired());
                }
                Some(Step::Failed(e)) => return Err(self.refused(&send, e).await),
            }
        }
    }

    /// Reports a provider's refusal and turns it into the error that ends the sign-in.
    async fn refused<F, Fut>(&self, send: &F, e: GrantError) -> Error
    where
        F: Fn(SignInState) -> Fut,
        Fut: std::future::Future<Output = Result<(), Error>>,
    {
        if matches!(e, GrantError::Unreachable(_)) {
            return grant_error("cannot reach the sign-in provider", &e);
        }
        let reason = explain(&e);
        let _ = send(SignInState::Failed {
            provider: Clean::line(&self.inner.provider),
            reason: Clean::line(&reason),
        })
        .await;
        Error::new(ErrorKind::Auth, "the sign-in failed").with_details(reason)
    }
}

fn expired() -> Error {
    Error::new(
        ErrorKind::Auth,
        "the sign-in code expired before it was approved",
    )
}

fn grant_error(summary: &str, e: &GrantError) -> Error {
    let kind = match e {
        GrantError::Unreachable(_) => ErrorKind::Network,
        GrantError::Provider { .. } => ErrorKind::Auth,
        GrantError::Invalid(_) => ErrorKind::Protocol,
    };
    Error::new(kind, summary).with_details(explain(e))
}

/// Wakes at `at` and refreshes, unless the keeper is gone or its tokens changed.
fn schedule(inner: Weak<Inner>, at: Instant, generation: u64) {
    let task: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> =
        Box::pin(async move {
            tokio::time::sleep_until(at).await;
            if let Some(inner) = inner.upgrade() {
                TokenKeeper { inner }.background_refresh(generation).await;
            }
        });
    tokio::spawn(task);
}
