//! ID-token verification for the configured OpenID Connect issuers: discovery and JWKS cached
//! per issuer (refetched after an hour, or at once when a token names an unknown `kid`, at most
//! every few seconds), asymmetric signatures only, and the claims the protocol requires.

use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::portal::api::OidcIssuer;
use crate::portal::fields;

const CACHE_TTL: Duration = Duration::from_secs(3600);
const MIN_REFRESH: Duration = Duration::from_secs(5);
const LEEWAY_S: u64 = 60;

/// Only signatures made with a private key are accepted: never `none`, never HMAC.
const ASYMMETRIC: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// Why a token was refused. The text is for the API's message field: it names no claim value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OidcError {
    #[error("the ID token is not acceptable: {0}")]
    Rejected(&'static str),
    #[error("the identity provider cannot be reached")]
    Unavailable,
}

/// A verified identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedEmail(pub String);

struct Cached {
    keys: JwkSet,
    fetched: Instant,
}

struct IssuerState {
    config: OidcIssuer,
    cache: Mutex<Option<Cached>>,
}

pub struct OidcVerifier {
    issuers: Vec<IssuerState>,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct DiscoveryDoc {
    issuer: String,
    jwks_uri: String,
}

#[derive(Deserialize)]
struct Claims {
    email: Option<String>,
    email_verified: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct IssOnly {
    iss: Option<String>,
}

impl OidcVerifier {
    pub fn new(issuers: Vec<OidcIssuer>, http: reqwest::Client) -> Self {
        Self {
            issuers: issuers
                .into_iter()
                .map(|config| IssuerState {
                    config,
                    cache: Mutex::new(None),
                })
                .collect(),
            http,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.issuers.is_empty()
    }

    /// Verifies an ID token and returns its verified, lowercased email.
    pub async fn verify(&self, token: &str) -> Result<VerifiedEmail, OidcError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| OidcError::Rejected("not a signed JWT with a known algorithm"))?;
        if !ASYMMETRIC.contains(&header.alg) {
            return Err(OidcError::Rejected(
                "the signature algorithm is not asymmetric",
            ));
        }
        let iss = unverified_issuer(token).ok_or(OidcError::Rejected("no issuer"))?;
        let issuer =
            self.issuers
                .iter()
                .find(|i| i.config.issuer == iss)
                .ok_or(OidcError::Rejected(
                    "the issuer is not trusted by this portal",
                ))?;

        let jwk = self
            .key_for(issuer, header.kid.as_deref(), header.alg)
            .await?;
        if jwk
            .common
            .key_algorithm
            .is_some_and(|ka| ka.to_string() != format!("{:?}", header.alg))
        {
            return Err(OidcError::Rejected("the key is not for this algorithm"));
        }
        let key = DecodingKey::from_jwk(&jwk)
            .map_err(|_| OidcError::Rejected("the issuer's key cannot be used"))?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&issuer.config.issuer]);
        validation.set_audience(&[&issuer.config.client_id]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.leeway = LEEWAY_S;
        let data = jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind as K;
            OidcError::Rejected(match e.kind() {
                K::ExpiredSignature => "expired",
                K::InvalidAudience => "wrong audience",
                K::InvalidIssuer => "wrong issuer",
                K::InvalidSignature => "bad signature",
                K::MissingRequiredClaim(_) => "a required claim is missing",
                K::InvalidAlgorithm => "the key does not fit the algorithm",
                _ => "invalid token",
            })
        })?;
        if data.claims.email_verified != Some(serde_json::Value::Bool(true)) {
            return Err(OidcError::Rejected("the email address is not verified"));
        }
        let email = data
            .claims
            .email
            .ok_or(OidcError::Rejected("no email claim"))?;
        let email = fields::normalize_address(&email)
            .map_err(|_| OidcError::Rejected("the email claim is not an address"))?;
        Ok(VerifiedEmail(email))
    }

    /// The key for `kid` (or the only key fit for `alg` when the token names none), refetching
    /// the JWKS once when it is stale or does not know the key.
    async fn key_for(
        &self,
        issuer: &IssuerState,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<Jwk, OidcError> {
        let mut cache = issuer.cache.lock().await;
        let stale = cache
            .as_ref()
            .is_none_or(|c| c.fetched.elapsed() > CACHE_TTL);
        if !stale && let Some(found) = cache.as_ref().and_then(|c| pick(&c.keys, kid, alg)) {
            return Ok(found);
        }
        let may_refresh = stale
            || cache
                .as_ref()
                .is_none_or(|c| c.fetched.elapsed() >= MIN_REFRESH);
        if may_refresh {
            match self.fetch_keys(&issuer.config.issuer).await {
                Ok(keys) => {
                    *cache = Some(Cached {
                        keys,
                        fetched: Instant::now(),
                    });
                }
                Err(e) if cache.is_none() => return Err(e),
                Err(_) => tracing::warn!("identity provider key refresh failed; using cached keys"),
            }
        }
        cache
            .as_ref()
            .and_then(|c| pick(&c.keys, kid, alg))
            .ok_or(OidcError::Rejected(
                "the signing key is not in the issuer's JWKS",
            ))
    }

    async fn fetch_keys(&self, issuer: &str) -> Result<JwkSet, OidcError> {
        let discovery_url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let doc: DiscoveryDoc = self.get_json(&discovery_url).await?;
        if doc.issuer != issuer {
            tracing::warn!("identity provider discovery names another issuer");
            return Err(OidcError::Unavailable);
        }
        let jwks: serde_json::Value = self.get_json(&doc.jwks_uri).await?;
        // Keys of kinds this library cannot read are skipped, not fatal.
        let keys = jwks
            .get("keys")
            .and_then(|k| k.as_array())
            .map(|keys| {
                keys.iter()
                    .filter_map(|k| serde_json::from_value::<Jwk>(k.clone()).ok())
                    .collect()
            })
            .unwrap_or_default();
        Ok(JwkSet { keys })
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, OidcError> {
        let url = crate::portal::http::check_url(url).map_err(|_| OidcError::Unavailable)?;
        let response = self.http.get(url).send().await.map_err(|e| {
            tracing::warn!(error = %e.without_url(), "identity provider request failed");
            OidcError::Unavailable
        })?;
        if !response.status().is_success() {
            tracing::warn!(
                status = response.status().as_u16(),
                "identity provider answered an error"
            );
            return Err(OidcError::Unavailable);
        }
        response.json().await.map_err(|_| OidcError::Unavailable)
    }
}

fn pick(keys: &JwkSet, kid: Option<&str>, alg: Algorithm) -> Option<Jwk> {
    match kid {
        Some(kid) => keys.find(kid).cloned(),
        None => {
            let family = alg.family();
            let mut fitting = keys
                .keys
                .iter()
                .filter(|k| DecodingKey::from_jwk(k).is_ok_and(|d| d.family() == family));
            match (fitting.next(), fitting.next()) {
                (Some(only), None) => Some(only.clone()),
                _ => None,
            }
        }
    }
}

/// The `iss` claim read without verification, only to choose which issuer's keys to verify with.
fn unverified_issuer(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = fields::b64url_decode(payload.trim_end_matches('='))?;
    serde_json::from_slice::<IssOnly>(&bytes).ok()?.iss
}
