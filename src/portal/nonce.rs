//! ID-token nonces: `POST /v1/oidc-nonce` hands a reader a nonce to pass to the identity
//! provider, and an ID token is accepted only with a nonce this portal issued, for its own
//! origin, not expired and not used before. A token collected by another portal (even one
//! sharing the issuer and client id) carries that portal's nonce and is refused here.
//!
//! A nonce is `base64url(expiry ‖ random ‖ MAC)`: 8 bytes of Unix seconds, 16 random bytes and
//! the first 16 bytes of HMAC-SHA-256 over the origin, the expiry and the random bytes under a
//! key derived from the master key. Nothing is stored until the nonce is used.

use std::sync::Arc;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::Shared;
use super::error::ApiError;
use super::keys::MasterKey;
use super::tls::Peer;
use crate::sealed::api::{NONCE_TTL_S, NonceResponse};
use crate::sealed::fields;

const RANDOM_LEN: usize = 16;
const MAC_LEN: usize = 16;
const NONCE_LEN: usize = 8 + RANDOM_LEN + MAC_LEN;

/// Why a nonce was refused (the text names no value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NonceError {
    #[error("the ID token carries no nonce from this portal")]
    Missing,
    #[error("the ID token was issued for another portal or its nonce is damaged")]
    Foreign,
    #[error("the ID token's nonce has expired: sign in again")]
    Expired,
    #[error("the ID token was used before")]
    Replayed,
}

fn mac(master: &MasterKey, origin: &str, expiry: &[u8], random: &[u8]) -> [u8; 32] {
    master.mac("oidc-nonce", &[origin.as_bytes(), expiry, random])
}

/// A fresh nonce for `origin`, valid until `now + NONCE_TTL_S`.
pub fn issue_nonce(master: &MasterKey, origin: &str, now: i64) -> String {
    let expiry = now.saturating_add(NONCE_TTL_S as i64).to_be_bytes();
    let random: [u8; RANDOM_LEN] = rand::random();
    let tag = mac(master, origin, &expiry, &random);
    let mut bytes = Vec::with_capacity(NONCE_LEN);
    bytes.extend_from_slice(&expiry);
    bytes.extend_from_slice(&random);
    bytes.extend_from_slice(tag.get(..MAC_LEN).unwrap_or_default());
    fields::b64url(&bytes)
}

/// Checks a nonce from an ID token; on success, its expiry (Unix seconds). Total on any text.
pub fn check_nonce(
    master: &MasterKey,
    origin: &str,
    nonce: Option<&str>,
    now: i64,
) -> Result<i64, NonceError> {
    let nonce = nonce.ok_or(NonceError::Missing)?;
    let bytes = fields::b64url_decode(nonce).ok_or(NonceError::Foreign)?;
    if bytes.len() != NONCE_LEN {
        return Err(NonceError::Foreign);
    }
    let (expiry, rest) = bytes.split_at(8);
    let (random, tag) = rest.split_at(RANDOM_LEN);
    let want = mac(master, origin, expiry, random);
    if !bool::from(tag.ct_eq(want.get(..MAC_LEN).unwrap_or_default())) {
        return Err(NonceError::Foreign);
    }
    let mut be = [0u8; 8];
    be.copy_from_slice(expiry);
    let expires = i64::from_be_bytes(be);
    if expires <= now {
        return Err(NonceError::Expired);
    }
    Ok(expires)
}

/// The hash under which a used nonce is remembered.
pub fn nonce_hash(nonce: &str) -> [u8; 32] {
    Sha256::digest(nonce.as_bytes()).into()
}

pub(crate) async fn issue(
    State(app): State<Arc<Shared>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
) -> Result<Json<NonceResponse>, ApiError> {
    app.limit(peer.ip()).await?;
    Ok(Json(NonceResponse {
        nonce: issue_nonce(&app.master, &app.origin, Shared::now()),
        expires_in: NONCE_TTL_S,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_is_good_at_its_own_portal_only_and_until_it_expires() {
        let (master, _) = MasterKey::generate();
        let nonce = issue_nonce(&master, "https://a.test", 1000);
        let expiry = 1000 + NONCE_TTL_S as i64;
        assert_eq!(
            check_nonce(&master, "https://a.test", Some(&nonce), 1001),
            Ok(expiry)
        );
        assert_eq!(
            check_nonce(&master, "https://b.test", Some(&nonce), 1001),
            Err(NonceError::Foreign)
        );
        let (other, _) = MasterKey::generate();
        assert_eq!(
            check_nonce(&other, "https://a.test", Some(&nonce), 1001),
            Err(NonceError::Foreign)
        );
        assert_eq!(
            check_nonce(&master, "https://a.test", Some(&nonce), expiry),
            Err(NonceError::Expired)
        );
        assert_eq!(
            check_nonce(&master, "https://a.test", None, 1001),
            Err(NonceError::Missing)
        );
        for junk in ["", "é", "AAAA", &nonce[1..], &format!("{nonce}A")] {
            assert_eq!(
                check_nonce(&master, "https://a.test", Some(junk), 1001),
                Err(NonceError::Foreign),
                "{junk:?}"
            );
        }
    }
}
