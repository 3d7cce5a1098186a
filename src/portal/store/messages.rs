//! Messages (wrapped keys, recipients, revocation), sessions, used ID-token nonces, and the
//! purge of what has expired. One query text for both backends.

use sqlx::Row;
use subtle::ConstantTimeEq;

use super::{MessageRow, Pool, Store, StoreError, postgres};
use crate::sealed::api::OTP_TTL_S;

/// A stored content key, as the re-wrap reads it.
#[derive(Debug, Clone)]
pub struct WrappedKeyRow {
    pub id: String,
    pub sender: String,
    pub wrapped: Vec<u8>,
    pub record_version: i64,
}

impl Store {
    /// Up to `limit` messages with a key, by id, after `after`.
    pub async fn wrapped_keys_after(
        &self,
        after: &str,
        limit: i64,
    ) -> Result<Vec<WrappedKeyRow>, StoreError> {
        with_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT id, sender, wrapped_key, record_version FROM messages
                 WHERE id > $1 AND wrapped_key IS NOT NULL ORDER BY id LIMIT $2",
            )
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|row| {
                    Ok(WrappedKeyRow {
                        id: row.try_get(0)?,
                        sender: row.try_get(1)?,
                        wrapped: row.try_get(2)?,
                        record_version: row.try_get(3)?,
                    })
                })
                .collect()
        })
    }

    /// Replaces a message's wrapped key if it is still `old` (not revoked or re-wrapped
    /// meanwhile); `true` when it did.
    pub async fn replace_wrapped_key(
        &self,
        id: &str,
        old: &[u8],
        new: &[u8],
    ) -> Result<bool, StoreError> {
        let changed = with_pool!(self, pool => sqlx::query(
            "UPDATE messages SET wrapped_key = $1 WHERE id = $2 AND wrapped_key = $3",
        )
        .bind(new)
        .bind(id)
        .bind(old)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(changed == 1)
    }

    /// Registers a message (its wrapped key a version 2 record); `false` when the id is taken.
    pub async fn insert_message(
        &self,
        id: &str,
        sender: &str,
        wrapped_key: &[u8],
        recipient_macs: &[[u8; 32]],
        now: i64,
        expires: Option<i64>,
    ) -> Result<bool, StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let inserted = sqlx::query(
                "INSERT INTO messages (id, sender, wrapped_key, created, expires, record_version)
                 VALUES ($1, $2, $3, $4, $5, 2) ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(sender)
            .bind(wrapped_key)
            .bind(now)
            .bind(expires)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 0 {
                return Ok(false);
            }
            for mac in recipient_macs {
                sqlx::query(
                    "INSERT INTO recipients (id, address_mac) VALUES ($1, $2)
                     ON CONFLICT (id, address_mac) DO NOTHING",
                )
                .bind(id)
                .bind(&mac[..])
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(true)
    }

    /// A message, and whether `address_mac` is one of its recipients.
    pub async fn message(
        &self,
        id: &str,
        address_mac: &[u8; 32],
    ) -> Result<Option<MessageRow>, StoreError> {
        // COUNT of a primary key lookup: 0 or 1, an integer on both backends.
        const SQL: &str = "SELECT m.sender, m.wrapped_key, m.expires, m.revoked, m.record_version,
                    (SELECT COUNT(*) FROM recipients r WHERE r.id = m.id AND r.address_mac = $1)
             FROM messages m WHERE m.id = $2";
        with_pool!(self, pool => {
            let row = sqlx::query(SQL)
                .bind(&address_mac[..])
                .bind(id)
                .fetch_optional(pool)
                .await?;
            Ok(match row {
                Some(row) => Some(MessageRow {
                    sender: row.try_get(0)?,
                    wrapped_key: row.try_get(1)?,
                    expires: row.try_get(2)?,
                    revoked: row.try_get::<i64, _>(3)? != 0,
                    record_version: row.try_get(4)?,
                    is_recipient: row.try_get::<i64, _>(5)? != 0,
                }),
                None => None,
            })
        })
    }

    /// The sender address of a message, if it exists.
    pub async fn sender_of(&self, id: &str) -> Result<Option<String>, StoreError> {
        with_pool!(self, pool => Ok(
            sqlx::query_scalar("SELECT sender FROM messages WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?,
        ))
    }

    /// Revokes a message: its wrapped key is erased (SQLite's secure_delete overwrites the old
    /// bytes; PostgreSQL's vacuum reclaims the old row version), its passcodes dropped; the row
    /// stays so the id answers "revoked" and is never reused. One transaction: every instance
    /// sees the message revoked from its commit on.
    pub async fn revoke(&self, id: &str) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE messages SET wrapped_key = NULL, revoked = 1 WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM passcodes WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM otp_failures WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn insert_session(
        &self,
        token_hash: &[u8; 32],
        address_mac: &[u8; 32],
        expires: i64,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("INSERT INTO sessions (token_hash, address_mac, expires) VALUES ($1, $2, $3)")
                .bind(&token_hash[..])
                .bind(&address_mac[..])
                .bind(expires)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The address fingerprint and expiry of a live session.
    pub async fn session(
        &self,
        token_hash: &[u8; 32],
        now: i64,
    ) -> Result<Option<([u8; 32], i64)>, StoreError> {
        let found: Option<(Vec<u8>, Vec<u8>, i64)> = with_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT token_hash, address_mac, expires FROM sessions
                 WHERE token_hash = $1 AND expires > $2",
            )
            .bind(&token_hash[..])
            .bind(now)
            .fetch_optional(pool)
            .await?;
            match row {
                Some(row) => Some((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)),
                None => None,
            }
        });
        let Some((stored, mac, expires)) = found else {
            return Ok(None);
        };
        if !bool::from(stored.as_slice().ct_eq(&token_hash[..])) {
            return Ok(None);
        }
        let Ok(mac) = <[u8; 32]>::try_from(mac.as_slice()) else {
            return Ok(None);
        };
        Ok(Some((mac, expires)))
    }

    /// A live session (its address fingerprint and expiry) and, in the same query, message
    /// `id` as [`Store::message`] gives it for that address. `None`: no such live session.
    #[allow(clippy::type_complexity)]
    pub async fn session_and_message(
        &self,
        token_hash: &[u8; 32],
        id: &str,
        now: i64,
    ) -> Result<Option<([u8; 32], i64, Option<MessageRow>)>, StoreError> {
        const SQL: &str = "SELECT s.token_hash, s.address_mac, s.expires,
                    m.id, m.sender, m.wrapped_key, m.expires, m.revoked, m.record_version,
                    (SELECT COUNT(*) FROM recipients r
                      WHERE r.id = m.id AND r.address_mac = s.address_mac)
             FROM sessions s LEFT JOIN messages m ON m.id = $2
             WHERE s.token_hash = $1 AND s.expires > $3";
        let found = with_pool!(self, pool => {
            let row = sqlx::query(SQL)
                .bind(&token_hash[..])
                .bind(id)
                .bind(now)
                .fetch_optional(pool)
                .await?;
            match row {
                None => None,
                Some(row) => {
                    let stored: Vec<u8> = row.try_get(0)?;
                    let mac: Vec<u8> = row.try_get(1)?;
                    let expires: i64 = row.try_get(2)?;
                    let message = match row.try_get::<Option<String>, _>(3)? {
                        None => None,
                        Some(_) => Some(MessageRow {
                            sender: row.try_get(4)?,
                            wrapped_key: row.try_get(5)?,
                            expires: row.try_get(6)?,
                            revoked: row.try_get::<i64, _>(7)? != 0,
                            record_version: row.try_get(8)?,
                            is_recipient: row.try_get::<i64, _>(9)? != 0,
                        }),
                    };
                    Some((stored, mac, expires, message))
                }
            }
        });
        let Some((stored, mac, expires, message)) = found else {
            return Ok(None);
        };
        if !bool::from(stored.as_slice().ct_eq(&token_hash[..])) {
            return Ok(None);
        }
        let Ok(mac) = <[u8; 32]>::try_from(mac.as_slice()) else {
            return Ok(None);
        };
        Ok(Some((mac, expires, message)))
    }

    /// Marks an ID-token nonce used; `false` when it was used before (a replayed token).
    pub async fn use_nonce(&self, nonce_hash: &[u8; 32], expires: i64) -> Result<bool, StoreError> {
        let inserted = with_pool!(self, pool => sqlx::query(
            "INSERT INTO used_nonces (nonce_hash, expires) VALUES ($1, $2)
             ON CONFLICT (nonce_hash) DO NOTHING",
        )
        .bind(&nonce_hash[..])
        .bind(expires)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(inserted == 1)
    }

    /// Erases the keys of messages past their expiry; forgets expired sessions, passcode
    /// records that no longer count for anything, and idle
    /// rate-limit buckets (`idle_before`: the Unix time before which a bucket is full again).
    /// On PostgreSQL one instance at a time purges (a transaction-scoped advisory lock taken
    /// without waiting); the others skip the round. `true` when this call purged.
    pub async fn purge(&self, now: i64, idle_before: f64) -> Result<bool, StoreError> {
        let window = now - OTP_TTL_S as i64;
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            if matches!(self.pool, Pool::Postgres(_)) {
                let leader: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
                    .bind(postgres::PURGE_LOCK)
                    .fetch_one(&mut *tx)
                    .await?;
                if !leader {
                    return Ok(false);
                }
            }
            // A key past its message's expiry is never released again: erase it. The row
            // stays, so the id answers "expired" and is never registered again.
            sqlx::query(
                "UPDATE messages SET wrapped_key = NULL
                 WHERE expires IS NOT NULL AND expires <= $1 AND wrapped_key IS NOT NULL",
            )
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM sessions WHERE expires <= $1")
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM used_nonces WHERE expires <= $1")
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM passcodes WHERE expires <= $1 AND issued <= $2")
                .bind(now)
                .bind(window)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM otp_requests WHERE at <= $1")
                .bind(window)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM otp_failures WHERE updated <= $1")
                .bind(window)
                .execute(&mut *tx)
                .await?;
            if matches!(self.pool, Pool::Postgres(_)) {
                sqlx::query("DELETE FROM ip_buckets WHERE updated <= $1")
                    .bind(idle_before)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        self.buckets.purge(idle_before);
        Ok(true)
    }
}
