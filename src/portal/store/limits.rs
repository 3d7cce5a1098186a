//! Per-requester request budgets: a token bucket per requester fingerprint, in the database so
//! that every instance draws from the same budget. One upsert takes a token if there is one;
//! the refill is computed from the bucket's last update, so no timer runs anywhere.

use std::sync::LazyLock;

use super::{Store, StoreError};

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
