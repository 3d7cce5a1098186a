//! ID-token verification for the configured OpenID Connect issuers: discovery and JWKS cached
//! per issuer (refetched after an hour, or when a token names an unknown `kid`, at most every
//! few seconds, failed fetches included), asymmetric signatures only, each key pinned to one
//! algorithm, ID tokens only (`typ` absent or `JWT`, no logout `events`), `iat` and `exp` in a
//! sane window, and the claims the protocol requires. Keys are fetched without holding the
//! cache lock, and a key already cached is used at once, so a slow or failing provider never
//! holds up a token signed with a known key. Provider answers are read up to a size cap.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::sealed::api::OidcIssuer;
use crate::sealed::fields;

const CACHE_TTL: Duration = Duration::from_secs(3600);
const MIN_REFRESH: Duration = Duration::from_secs(5);
const LEEWAY_S: u64 = 60;
/// The oldest `iat` accepted: an ID token is used right after the sign-in that made it.
const MAX_AGE_S: i64 = 3600;
/// The longest `exp - iat` accepted.
const MAX_LIFETIME_S: i64 = 24 * 3600;
/// The most read of a provider's discovery document or JWKS.
pub const MAX_PROVIDER_BYTES: usize = 256 * 1024;

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

/// A verified identity, and the nonce the token carries (checked by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub email: String,
    pub nonce: Option<String>,
}

#[derive(Default)]
struct KeyCache {
    keys: Option<Arc<JwkSet>>,
    fetched: Option<Instant>,
    /// The last fetch started, successful or not: the refetch limit counts from here.
    last_attempt: Option<Instant>,
}

struct IssuerState {
    config: OidcIssuer,
    cache: Mutex<KeyCache>,
}

impl IssuerState {
    fn lock(&self) -> MutexGuard<'_, KeyCache> {
        // The cache is replaced whole under the lock: a panic cannot leave it half-written.
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub struct OidcVerifier {
    issuers: Vec<Arc<IssuerState>>,
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
    nonce: Option<serde_json::Value>,
    iat: Option<serde_json::Value>,
    exp: Option<serde_json::Value>,
    /// Present in logout tokens (OpenID Connect Back-Channel Logout), never in ID tokens.
    events: Option<serde_json::Value>,
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
                .map(|config| {
                    Arc::new(IssuerState {
                        config,
                        cache: Mutex::new(KeyCache::default()),
                    })
                })
                .collect(),
            http,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.issuers.is_empty()
    }

    /// Verifies an ID token and returns its verified, lowercased email and its nonce.
    pub async fn verify(&self, token: &str) -> Result<Verified, OidcError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| OidcError::Rejected("not a signed JWT with a known algorithm"))?;
        if !ASYMMETRIC.contains(&header.alg) {
            return Err(OidcError::Rejected(
                "the signature algorithm is not asymmetric",
            ));
        }
        // Access tokens (`at+jwt`), logout tokens (`logout+jwt`) and the like are not ID tokens.
        if header
            .typ
            .as_deref()
            .is_some_and(|t| !t.eq_ignore_ascii_case("JWT"))
        {
            return Err(OidcError::Rejected("the token is not an ID token"));
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
        if key_algorithm(&jwk) != Some(header.alg) {
            return Err(OidcError::Rejected("the key is not for this algorithm"));
        }
        let key = DecodingKey::from_jwk(&jwk)
            .map_err(|_| OidcError::Rejected("the issuer's key cannot be used"))?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&issuer.config.issuer]);
        validation.set_audience(&[&issuer.config.client_id]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
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
        let claims = data.claims;
        if claims.events.is_some() {
            return Err(OidcError::Rejected("the token is not an ID token"));
        }
        check_times(&claims, chrono::Utc::now().timestamp())?;
        if claims.email_verified != Some(serde_json::Value::Bool(true)) {
            return Err(OidcError::Rejected("the email address is not verified"));
        }
        let email = claims.email.ok_or(OidcError::Rejected("no email claim"))?;
        let email = fields::normalize_address(&email)
            .map_err(|_| OidcError::Rejected("the email claim is not an address"))?;
        let nonce = match claims.nonce {
            None => None,
            Some(serde_json::Value::String(n)) => Some(n),
            Some(_) => return Err(OidcError::Rejected("the nonce is not a string")),
        };
        Ok(Verified { email, nonce })
    }

    /// The key for `kid` (or the only key pinned to `alg` when the token names none). A cached
    /// key is used at once (a stale cache is refreshed in the background); an unknown key
    /// triggers one fetch per [`MIN_REFRESH`] at most, outside the lock, failed or not.
    async fn key_for(
        &self,
        issuer: &Arc<IssuerState>,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<Jwk, OidcError> {
        let now = Instant::now();
        {
            let mut cache = issuer.lock();
            let may_fetch = cache
                .last_attempt
                .is_none_or(|t| now.duration_since(t) >= MIN_REFRESH);
            if let Some(found) = cache.keys.as_deref().and_then(|k| pick(k, kid, alg)) {
                let stale = cache
                    .fetched
                    .is_none_or(|t| now.duration_since(t) > CACHE_TTL);
                if stale && may_fetch {
                    cache.last_attempt = Some(now);
                    let (issuer, http) = (issuer.clone(), self.http.clone());
                    tokio::spawn(async move {
                        let result = fetch_keys(&http, &issuer.config.issuer).await;
                        store(&issuer, result);
                    });
                }
                return Ok(found);
            }
            if !may_fetch {
                return Err(match cache.keys {
                    None => OidcError::Unavailable,
                    Some(_) => OidcError::Rejected("the signing key is not in the issuer's JWKS"),
                });
            }
            cache.last_attempt = Some(now);
        }
        let result = fetch_keys(&self.http, &issuer.config.issuer).await;
        let had_keys = store(issuer, result);
        let cache = issuer.lock();
        match cache.keys.as_deref().and_then(|k| pick(k, kid, alg)) {
            Some(found) => Ok(found),
            None if !had_keys && cache.keys.is_none() => Err(OidcError::Unavailable),
            None => Err(OidcError::Rejected(
                "the signing key is not in the issuer's JWKS",
            )),
        }
    }
}

/// Keeps freshly fetched keys; on a failed fetch keeps serving the cached ones. Returns
/// whether the fetch succeeded.
fn store(issuer: &IssuerState, result: Result<JwkSet, OidcError>) -> bool {
    match result {
        Ok(keys) => {
            let mut cache = issuer.lock();
            cache.keys = Some(Arc::new(keys));
            cache.fetched = Some(Instant::now());
            true
        }
        Err(_) => {
            tracing::warn!("identity provider key fetch failed; cached keys stay in use");
            false
        }
    }
}

async fn fetch_keys(http: &reqwest::Client, issuer: &str) -> Result<JwkSet, OidcError> {
    let discovery_url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let doc: DiscoveryDoc = get_json(http, &discovery_url).await?;
    if doc.issuer != issuer {
        tracing::warn!("identity provider discovery names another issuer");
        return Err(OidcError::Unavailable);
    }
    let jwks: serde_json::Value = get_json(http, &doc.jwks_uri).await?;
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

async fn get_json<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
) -> Result<T, OidcError> {
    let url = crate::net::http::check_url(url).map_err(|_| OidcError::Unavailable)?;
    let response = http.get(url).send().await.map_err(|e| {
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
    let body = crate::net::http::read_capped(response, MAX_PROVIDER_BYTES)
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "identity provider answer refused");
            OidcError::Unavailable
        })?;
    serde_json::from_slice(&body).map_err(|_| OidcError::Unavailable)
}

/// `iat` is required, not in the future (beyond the skew) and not older than [`MAX_AGE_S`];
/// `exp` is at most [`MAX_LIFETIME_S`] after `iat`.
fn check_times(claims: &Claims, now: i64) -> Result<(), OidcError> {
    let seconds = |v: &Option<serde_json::Value>| v.as_ref().and_then(serde_json::Value::as_i64);
    let iat = seconds(&claims.iat).ok_or(OidcError::Rejected("no issued-at time"))?;
    let exp = seconds(&claims.exp).ok_or(OidcError::Rejected("no expiry"))?;
    let skew = LEEWAY_S as i64;
    if iat > now.saturating_add(skew) {
        return Err(OidcError::Rejected("issued in the future"));
    }
    if iat < now.saturating_sub(MAX_AGE_S) {
        return Err(OidcError::Rejected("issued too long ago"));
    }
    if exp > iat.saturating_add(MAX_LIFETIME_S) {
        return Err(OidcError::Rejected("valid for too long"));
    }
    Ok(())
}

/// The one algorithm a key may be used with: its `alg`, or without one the conventional
/// algorithm of its type (RSA: RS256; EC P-256: ES256, P-384: ES384; Ed25519: EdDSA). A key
/// marked for another use than signatures has none.
fn key_algorithm(jwk: &Jwk) -> Option<Algorithm> {
    if jwk
        .common
        .public_key_use
        .as_ref()
        .is_some_and(|u| *u != PublicKeyUse::Signature)
    {
        return None;
    }
    if let Some(declared) = &jwk.common.key_algorithm {
        return Some(match declared {
            KeyAlgorithm::RS256 => Algorithm::RS256,
            KeyAlgorithm::RS384 => Algorithm::RS384,
            KeyAlgorithm::RS512 => Algorithm::RS512,
            KeyAlgorithm::PS256 => Algorithm::PS256,
            KeyAlgorithm::PS384 => Algorithm::PS384,
            KeyAlgorithm::PS512 => Algorithm::PS512,
            KeyAlgorithm::ES256 => Algorithm::ES256,
            KeyAlgorithm::ES384 => Algorithm::ES384,
            KeyAlgorithm::EdDSA => Algorithm::EdDSA,
            _ => return None,
        });
    }
    match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Some(Algorithm::RS256),
        AlgorithmParameters::EllipticCurve(p) => match p.curve {
            EllipticCurve::P256 => Some(Algorithm::ES256),
            EllipticCurve::P384 => Some(Algorithm::ES384),
            _ => None,
        },
        AlgorithmParameters::OctetKeyPair(p) if p.curve == EllipticCurve::Ed25519 => {
            Some(Algorithm::EdDSA)
        }
        _ => None,
    }
}

fn pick(keys: &JwkSet, kid: Option<&str>, alg: Algorithm) -> Option<Jwk> {
    match kid {
        Some(kid) => keys.find(kid).cloned(),
        None => {
            let mut fitting = keys.keys.iter().filter(|k| key_algorithm(k) == Some(alg));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(iat: i64, exp: i64) -> Claims {
        Claims {
            email: None,
            email_verified: None,
            nonce: None,
            iat: Some(iat.into()),
            exp: Some(exp.into()),
            events: None,
        }
    }

    #[test]
    fn issued_at_and_expiry_must_be_sane() {
        let now = 1_800_000_000;
        assert_eq!(check_times(&claims(now, now + 600), now), Ok(()));
        assert_eq!(check_times(&claims(now + 30, now + 600), now), Ok(()));
        for (iat, exp) in [
            (now + 3600 * 24 * 365, now + 3600 * 24 * 366),
            (now - 2 * 3600, now + 600),
            (now, 4_102_444_800),
            (now, i64::MAX),
            (i64::MIN, now),
        ] {
            assert!(check_times(&claims(iat, exp), now).is_err(), "{iat} {exp}");
        }
        let mut none = claims(now, now + 600);
        none.iat = None;
        assert!(check_times(&none, now).is_err());
        none.iat = Some(serde_json::json!("1800000000"));
        assert!(check_times(&none, now).is_err());
    }

    #[test]
    fn a_key_without_alg_is_pinned_to_its_conventional_algorithm() {
        let rsa: Jwk = serde_json::from_value(serde_json::json!({
            "kty": "RSA", "kid": "k", "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw",
            "e": "AQAB"
        }))
        .unwrap();
        assert_eq!(key_algorithm(&rsa), Some(Algorithm::RS256));
        let mut ps = rsa.clone();
        ps.common.key_algorithm = Some(KeyAlgorithm::PS256);
        assert_eq!(key_algorithm(&ps), Some(Algorithm::PS256));
        let mut enc = rsa.clone();
        enc.common.public_key_use = Some(PublicKeyUse::Encryption);
        assert_eq!(key_algorithm(&enc), None);
        let keys = JwkSet { keys: vec![rsa] };
        assert!(pick(&keys, None, Algorithm::RS256).is_some());
        assert!(pick(&keys, None, Algorithm::PS256).is_none());
    }
}
