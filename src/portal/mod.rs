//! The portal service: releases a message's content key to a verified recipient (passcode
//! mailed to them, or an OpenID Connect ID token), never seeing the message itself. axum over
//! rustls (or plain HTTP on loopback), SQLite or PostgreSQL through sqlx. No ratatui here.
//!
//! [`Portal`] runs it in-process (the CLI, tests, the demo); passcode delivery goes through a
//! [`mailer::PasscodeMailer`]. Nothing here logs an address, passcode, token or key.
//!
//! Over PostgreSQL any number of instances serve together: every rule's state (passcodes,
//! tries, sessions, request counts, rate-limit buckets, revocations) is in the database. What
//! stays per instance is a cache of the identity providers' keys (refetched when a token names
//! an unknown key, so a provider's new key is picked up within seconds) and the `/metrics`
//! counters (per instance by design: a scraper sums them).

pub mod config;
mod error;
mod extract;
pub mod forwarded;
pub mod keys;
pub mod mailer;
pub mod nonce;
pub mod oidc;
mod otp;
pub mod ratelimit;
mod reply;
pub mod rotate;
mod routes;
mod sender;
pub mod store;
pub mod telemetry;
mod tls;
mod unseal;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use self::config::PortalConfig;
use self::keys::MasterKey;
use self::mailer::PasscodeMailer;
use self::oidc::OidcVerifier;
use self::ratelimit::IpLimiter;
use self::store::Store;
use self::telemetry::Telemetry;
use crate::sealed::api::{Discovery, OTP_DIGITS, OTP_TTL_S, OtpInfo};

/// How often each instance tries to purge expired records (on PostgreSQL one of them wins).
const PURGE_EVERY: Duration = Duration::from_secs(60);

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// Everything the handlers share.
pub(crate) struct Shared {
    pub origin: String,
    pub store: Store,
    pub master: MasterKey,
    pub mailer: Arc<dyn PasscodeMailer>,
    pub oidc: OidcVerifier,
    pub limiter: IpLimiter,
    pub telemetry: Telemetry,
    pub metrics_enabled: bool,
    pub max_body: usize,
    pub sender_tokens: Vec<([u8; 32], Vec<String>)>,
    pub discovery: Discovery,
    /// Reverse proxies whose forwarded client address is believed (empty: none).
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Shared {
    /// The current time in Unix seconds.
    pub fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    /// Takes one request from the client's budget (shared by every instance): 429 when it is
    /// spent.
    pub async fn limit(&self, ip: std::net::IpAddr) -> Result<(), error::ApiError> {
        let now = chrono::Utc::now().timestamp_micros() as f64 / 1e6;
        let requester = otp::requester_mac(self, ip);
        self.limiter
            .check(&self.store, &requester, now)
            .await?
            .map_err(|wait| error::ApiError::too_many(wait, "too many requests from this address"))
    }
}

/// A running portal.
pub struct Portal {
    local_addr: SocketAddr,
    origin: String,
    shutdown: Option<oneshot::Sender<()>>,
    server: JoinHandle<std::io::Result<()>>,
    purger: JoinHandle<()>,
    store: Store,
}

impl Portal {
    /// Opens the database, binds the listen address and starts serving.
    pub async fn start(
        config: PortalConfig,
        mailer: Arc<dyn PasscodeMailer>,
    ) -> Result<Self, StartError> {
        let store = Store::connect(&config.database).await?;
        let tcp = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| StartError::Listen {
                addr: config.listen,
                source,
            })?;
        let local_addr = tcp.local_addr().map_err(|source| StartError::Listen {
            addr: config.listen,
            source,
        })?;
        let scheme = if config.tls.is_some() {
            "https"
        } else {
            "http"
        };
        let origin = config
            .origin
            .clone()
            .unwrap_or_else(|| format!("{scheme}://{local_addr}"));
        let http =
            crate::net::http::client(config.ca_file.as_deref()).map_err(StartError::Config)?;
        let mut methods = vec!["otp".to_owned()];
        if !config.oidc.is_empty() {
            methods.push("oidc".to_owned());
        }
        let discovery = Discovery {
            v: crate::sealed::api::PROTOCOL_VERSION,
            methods,
            otp: Some(OtpInfo {
                digits: OTP_DIGITS,
                ttl_s: OTP_TTL_S,
            }),
            oidc: config.oidc.clone(),
        };
        let state = Arc::new(Shared {
            origin: origin.clone(),
            store: store.clone(),
            master: config.master_key.clone(),
            mailer,
            oidc: OidcVerifier::new(config.oidc.clone(), http),
            limiter: IpLimiter::new(config.ip_requests_per_minute),
            telemetry: Telemetry::default(),
            metrics_enabled: config.metrics,
            max_body: config.max_body_bytes,
            sender_tokens: config
                .sender_tokens
                .iter()
                .map(|t| {
                    (
                        Sha256::digest(t.token.expose().as_bytes()).into(),
                        t.allowed_from.clone(),
                    )
                })
                .collect(),
            discovery,
            trusted_proxies: config.trusted_proxies.clone(),
        });
        let app = routes::router(state).into_make_service_with_connect_info::<tls::Peer>();
        let (shutdown, signal) = oneshot::channel::<()>();
        let graceful = async move {
            let _ = signal.await;
        };
        let server = match &config.tls {
            Some(files) => {
                let acceptor = tls::acceptor(files).map_err(StartError::Config)?;
                let listener =
                    tls::TlsListener::new(tcp, acceptor).map_err(|source| StartError::Listen {
                        addr: config.listen,
                        source,
                    })?;
                tokio::spawn(async move {
                    axum::serve(listener, app)
                        .with_graceful_shutdown(graceful)
                        .await
                })
            }
            None => {
                tokio::spawn(
                    async move { axum::serve(tcp, app).with_graceful_shutdown(graceful).await },
                )
            }
        };
        let purge_store = store.clone();
        let purger = tokio::spawn(async move {
            let mut tick = tokio::time::interval(PURGE_EVERY);
            loop {
                tick.tick().await;
                let now = Shared::now();
                // A bucket idle for a minute is full again: forgetting it changes nothing.
                match purge_store.purge(now, (now - 60) as f64).await {
                    Ok(true) => tracing::debug!("expired records purged"),
                    Ok(false) => tracing::debug!("another instance is purging"),
                    Err(e) => tracing::warn!(error = %e, "purging expired records failed"),
                }
            }
        });
        tracing::info!(tls = config.tls.is_some(), "portal listening");
        Ok(Self {
            local_addr,
            origin,
            shutdown: Some(shutdown),
            server,
            purger,
            store,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The public origin the portal puts in sealed messages.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Stops accepting, finishes the requests in flight and closes the database.
    pub async fn shutdown(self) -> std::io::Result<()> {
        self.run_until(async {}).await
    }

    /// Serves until `signal` completes (or the server fails), then shuts down gracefully.
    pub async fn run_until(
        mut self,
        signal: impl std::future::Future<Output = ()>,
    ) -> std::io::Result<()> {
        let ended = tokio::select! {
            _ = signal => None,
            result = &mut self.server => Some(result),
        };
        let result = match ended {
            Some(result) => result,
            None => {
                if let Some(tx) = self.shutdown.take() {
                    let _ = tx.send(());
                }
                (&mut self.server).await
            }
        };
        self.purger.abort();
        self.store.close().await;
        result.unwrap_or_else(|e| Err(std::io::Error::other(e)))
    }
}

/// A mailer from the configuration's SMTP settings.
pub fn smtp_mailer(config: &PortalConfig) -> Result<Arc<dyn PasscodeMailer>, String> {
    let smtp = config
        .smtp
        .as_ref()
        .ok_or("no SMTP relay configured (smtp = \"smtp://host:port\")")?;
    let from = config
        .mail_from
        .as_deref()
        .ok_or("no from-address for passcode mail (mail_from)")?;
    Ok(Arc::new(mailer::SmtpMailer::new(
        smtp,
        from,
        config.ca_file.as_deref(),
    )?))
}
