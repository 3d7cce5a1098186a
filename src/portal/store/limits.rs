//! Per-requester request budgets: a token bucket per requester fingerprint. On PostgreSQL the
//! buckets are in the database (an unlogged table), so every instance draws from the same
//! budget: one upsert takes a token if there is one, the refill computed from the bucket's
//! last update, so no timer runs anywhere. On SQLite, which serves one process, the same
//! buckets live in that process's memory: a write per request to SQLite's single writer cost
//! 2.5x of the unseal throughput (docs/performance.md), for nothing another process could see.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use super::{Pool, Store, StoreError};

/// Buckets kept in memory at most (SQLite); full ones are dropped first, which changes no
/// decision.
const MAX_TRACKED: usize = 100_000;

/// The in-memory buckets of a SQLite store: requester -> (tokens, updated).
#[derive(Default)]
pub(super) struct MemoryBuckets(Mutex<HashMap<[u8; 32], (f64, f64)>>);

impl MemoryBuckets {
    fn take(&self, requester: &[u8; 32], bucket: Bucket, now: f64) -> Result<(), f64> {
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let level = |(tokens, updated): (f64, f64)| {
            if now <= updated {
                tokens
            } else {
                (tokens + (now - updated) * bucket.per_second).min(bucket.capacity)
            }
        };
        if map.len() >= MAX_TRACKED {
            map.retain(|_, b| level(*b) < bucket.capacity);
        }
        let entry = map.entry(*requester).or_insert((bucket.capacity, now));
        let available = level(*entry);
        if available >= 1.0 {
            *entry = (available - 1.0, entry.1.max(now));
            Ok(())
        } else if bucket.per_second > 0.0 {
            Err((1.0 - available.max(0.0)) / bucket.per_second)
        } else {
            Err(60.0)
        }
    }

    /// Forgets buckets untouched since `idle_before` (full again by then).
    pub(super) fn purge(&self, idle_before: f64) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retain(|_, (_, updated)| *updated > idle_before);
    }
}

/// The refilled level of a bucket at `$3`, refilling `$4` a second up to `$2`; a clock step
/// back refills nothing.
const LEVEL: &str = "CASE WHEN $3 <= ip_buckets.updated THEN ip_buckets.tokens
      WHEN ip_buckets.tokens + ($3 - ip_buckets.updated) * $4 >= $2 THEN $2
      ELSE ip_buckets.tokens + ($3 - ip_buckets.updated) * $4 END";

/// Takes a token when the refilled level holds one: the condition is checked on the row the
/// upsert has locked, so two instances cannot both take the last token.
static TAKE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO ip_buckets (requester, tokens, updated) VALUES ($1, $2 - 1, $3)
         ON CONFLICT (requester) DO UPDATE
           SET tokens = ({LEVEL}) - 1,
               updated = CASE WHEN $3 > ip_buckets.updated THEN $3 ELSE ip_buckets.updated END
           WHERE ({LEVEL}) >= 1
         RETURNING tokens"
    )
});

/// A token bucket's shape: `capacity` tokens, refilled at `per_second`.
#[derive(Debug, Clone, Copy)]
pub struct Bucket {
    pub capacity: f64,
    pub per_second: f64,
}

impl Store {
    /// Takes one token from `requester`'s bucket at `now` (Unix seconds, fractional); when it
    /// is empty, `Err(seconds)` until the next token.
    pub async fn take_token(
        &self,
        requester: &[u8; 32],
        bucket: Bucket,
        now: f64,
    ) -> Result<Result<(), f64>, StoreError> {
        if let Pool::Sqlite(_) = &self.pool {
            return Ok(self
                .buckets
                .take(requester, bucket, now)
                .map_err(|wait| wait.max(0.001)));
        }
        let taken: Option<f64> = with_pool!(self, pool => sqlx::query_scalar(TAKE.as_str())
            .bind(&requester[..])
            .bind(bucket.capacity)
            .bind(now)
            .bind(bucket.per_second)
            .fetch_optional(pool)
            .await?);
        if taken.is_some() {
            return Ok(Ok(()));
        }
        let left: Option<f64> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT tokens + CASE WHEN $2 > updated THEN ($2 - updated) * $3 ELSE 0 END
             FROM ip_buckets WHERE requester = $1",
        )
            .bind(&requester[..])
            .bind(now)
            .bind(bucket.per_second)
            .fetch_optional(pool)
            .await?);
        let left = left.unwrap_or(0.0).clamp(0.0, 1.0);
        let wait = if bucket.per_second > 0.0 {
            (1.0 - left) / bucket.per_second
        } else {
            60.0
        };
        Ok(Err(wait.max(0.001)))
    }
}
