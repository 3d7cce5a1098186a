//! Serialising work on one key across every instance: a decision read from several rows and
//! then written (a passcode request: count, choose, record) must not run beside another for
//! the same message and address. PostgreSQL: a transaction-scoped advisory lock on a
//! connection held for the work (released at commit, or by the rollback when the work is
//! dropped, or by the server when the instance dies). SQLite has one process: a lock stripe
//! in memory.

use std::future::Future;

use super::{Pool, Store, StoreError};

/// In-memory lock stripes (SQLite): unrelated keys rarely wait for each other.
pub(super) const STRIPES: usize = 64;

impl Store {
    /// Runs `work` while no other `serialized` call for `key` runs, in this process or any
    /// other instance on the same database.
    pub async fn serialized<T, E: From<StoreError>>(
        &self,
        key: &[u8; 32],
        work: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        let mut first = [0u8; 8];
        first.copy_from_slice(key.get(..8).unwrap_or(&[0; 8]));
        let lock_id = i64::from_be_bytes(first);
        match &self.pool {
            Pool::Sqlite(_) => {
                let stripe = (lock_id.unsigned_abs() % STRIPES as u64) as usize;
                let _held = match self.stripes.get(stripe) {
                    Some(mutex) => Some(mutex.lock().await),
                    None => None,
                };
                work.await
            }
            Pool::Postgres(pool) => {
                let mut tx = pool.begin().await.map_err(StoreError::from)?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(lock_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::from)?;
                let result = work.await;
                tx.commit().await.map_err(StoreError::from)?;
                result
            }
        }
    }
}
