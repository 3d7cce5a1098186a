//! The portal's database (SQLite through sqlx): messages with their wrapped keys, recipient
//! fingerprints, passcode fingerprints and session-token hashes. Never an address of a
//! recipient, a passcode, a session token or a content key in clear. The schema is created and
//! migrated at open. Every function takes `now` (Unix seconds) so the rules are testable.

use std::path::Path;
use std::time::Duration;

use sqlx::Row;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use subtle::ConstantTimeEq;

use crate::portal::api::{OTP_MAX_ATTEMPTS, OTP_TTL_S};

/// Database failures (I/O, corruption, a newer schema).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("the database schema version {0} is newer than this portal knows")]
    TooNew(i64),
}

/// Schema migrations, applied in order; `PRAGMA user_version` counts the applied ones.
const MIGRATIONS: &[&str] = &[
    r"
    CREATE TABLE messages (
        id          TEXT PRIMARY KEY,
        sender      TEXT NOT NULL,
        wrapped_key BLOB,
        created     INTEGER NOT NULL,
        expires     INTEGER,
        revoked     INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE recipients (
        id          TEXT NOT NULL,
        address_mac BLOB NOT NULL,
        PRIMARY KEY (id, address_mac)
    ) WITHOUT ROWID;
    CREATE TABLE passcodes (
        id          TEXT NOT NULL,
        address_mac BLOB NOT NULL,
        code_mac    BLOB,
        issued      INTEGER NOT NULL,
        expires     INTEGER NOT NULL,
        attempts    INTEGER NOT NULL DEFAULT 0,
        used        INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX passcodes_by_recipient ON passcodes (id, address_mac, issued);
    CREATE TABLE sessions (
        token_hash  BLOB PRIMARY KEY,
        address_mac BLOB NOT NULL,
        expires     INTEGER NOT NULL
    ) WITHOUT ROWID;
",
    r"
    ALTER TABLE messages ADD COLUMN record_version INTEGER NOT NULL DEFAULT 1;
    CREATE TABLE used_nonces (
        nonce_hash  BLOB PRIMARY KEY,
        expires     INTEGER NOT NULL
    ) WITHOUT ROWID;
",
];

/// A message as the unseal and passcode paths need it.
#[derive(Debug, Clone)]
pub struct MessageRow {
    pub sender: String,
    /// `None` once revoked: the key is gone for good.
    pub wrapped_key: Option<Vec<u8>>,
    /// 1: the key alone, AAD = the id (registered before version 2); 2: a record binding the
    /// sender and recipients ([`super::keys::MasterKey::wrap_record`]).
    pub record_version: i64,
    pub expires: Option<i64>,
    pub revoked: bool,
    /// Whether the address fingerprint asked about is a recipient.
    pub is_recipient: bool,
}

/// What a message's state means for key release at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    Available,
    Expired,
    Revoked,
}

impl MessageRow {
    pub fn availability(&self, now: i64) -> Availability {
        if self.revoked || self.wrapped_key.is_none() {
            Availability::Revoked
        } else if self.expires.is_some_and(|e| e <= now) {
            Availability::Expired
        } else {
            Availability::Available
        }
    }
}

/// The outcome of checking a passcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasscodeCheck {
    /// Right, and now used up.
    Accepted,
    /// Wrong; this many tries are left on that passcode.
    Wrong { attempts_left: u32 },
    /// The passcode burned after too many wrong tries.
    Locked,
    /// No live passcode (never requested, expired, or already used).
    NoPasscode,
}

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .pragma("secure_delete", "ON");
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .connect_with(options)
            .await?;
        Self::migrated(pool).await
    }

    /// An in-memory database (one connection, gone with the process).
    pub async fn in_memory() -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new().in_memory(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        Self::migrated(pool).await
    }

    async fn migrated(pool: SqlitePool) -> Result<Self, StoreError> {
        let mut tx = pool.begin().await?;
        let version: i64 = sqlx::query_scalar("PRAGMA user_version")
            .fetch_one(&mut *tx)
            .await?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::TooNew(version));
        }
        for migration in &MIGRATIONS[version as usize..] {
            sqlx::raw_sql(migration).execute(&mut *tx).await?;
        }
        sqlx::raw_sql(&format!("PRAGMA user_version = {known}"))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Self { pool })
    }

    pub async fn close(&self) {
        self.pool.close().await;
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
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO messages (id, sender, wrapped_key, created, expires, record_version)
             VALUES (?, ?, ?, ?, ?, 2) ON CONFLICT (id) DO NOTHING",
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
            sqlx::query("INSERT OR IGNORE INTO recipients (id, address_mac) VALUES (?, ?)")
                .bind(id)
                .bind(&mac[..])
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// A message, and whether `address_mac` is one of its recipients.
    pub async fn message(
        &self,
        id: &str,
        address_mac: &[u8; 32],
    ) -> Result<Option<MessageRow>, StoreError> {
        let row = sqlx::query(
            "SELECT m.sender, m.wrapped_key, m.expires, m.revoked, m.record_version,
                    EXISTS (SELECT 1 FROM recipients r WHERE r.id = m.id AND r.address_mac = ?)
             FROM messages m WHERE m.id = ?",
        )
        .bind(&address_mac[..])
        .bind(id)
        .fetch_optional(&self.pool)
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
    }

    /// The sender address of a message, if it exists.
    pub async fn sender_of(&self, id: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT sender FROM messages WHERE id = ?")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Revokes a message: its wrapped key is erased (secure_delete overwrites the old bytes),
    /// its passcodes dropped; the row stays so the id answers "revoked" and is never reused.
    pub async fn revoke(&self, id: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE messages SET wrapped_key = NULL, revoked = 1 WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM passcodes WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many passcodes were asked for this id and address since `since`, and when the oldest
    /// of those was asked for.
    pub async fn passcode_requests_since(
        &self,
        id: &str,
        address_mac: &[u8; 32],
        since: i64,
    ) -> Result<(u32, Option<i64>), StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*), MIN(issued) FROM passcodes
             WHERE id = ? AND address_mac = ? AND issued > ?",
        )
        .bind(id)
        .bind(&address_mac[..])
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        let count: i64 = row.try_get(0)?;
        Ok((u32::try_from(count).unwrap_or(u32::MAX), row.try_get(1)?))
    }

    /// Records a passcode request. With a code fingerprint it becomes the one live passcode for
    /// that id and address (earlier ones stop working); without, it only counts toward the
    /// request limit (unknown id or not a recipient: nothing is mailed).
    pub async fn insert_passcode(
        &self,
        id: &str,
        address_mac: &[u8; 32],
        code_mac: Option<&[u8; 32]>,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        if code_mac.is_some() {
            sqlx::query(
                "UPDATE passcodes SET used = 1
                 WHERE id = ? AND address_mac = ? AND code_mac IS NOT NULL AND used = 0",
            )
            .bind(id)
            .bind(&address_mac[..])
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "INSERT INTO passcodes (id, address_mac, code_mac, issued, expires)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(&address_mac[..])
        .bind(code_mac.map(|m| m.to_vec()))
        .bind(now)
        .bind(now + OTP_TTL_S as i64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Checks a passcode fingerprint against the live passcode for this id and address. An
    /// attempt is reserved atomically before comparing, so parallel guesses cannot exceed the
    /// limit; a right answer gives it back.
    pub async fn check_passcode(
        &self,
        id: &str,
        address_mac: &[u8; 32],
        code_mac: &[u8; 32],
        now: i64,
    ) -> Result<PasscodeCheck, StoreError> {
        let live = sqlx::query(
            "SELECT rowid, attempts FROM passcodes
             WHERE id = ? AND address_mac = ? AND code_mac IS NOT NULL AND used = 0 AND expires > ?
             ORDER BY issued DESC, rowid DESC LIMIT 1",
        )
        .bind(id)
        .bind(&address_mac[..])
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(live) = live else {
            return Ok(PasscodeCheck::NoPasscode);
        };
        let rowid: i64 = live.try_get(0)?;
        let reserved = sqlx::query(
            "UPDATE passcodes SET attempts = attempts + 1
             WHERE rowid = ? AND used = 0 AND attempts < ? RETURNING attempts, code_mac",
        )
        .bind(rowid)
        .bind(OTP_MAX_ATTEMPTS as i64)
        .fetch_optional(&self.pool)
        .await?;
        let Some(reserved) = reserved else {
            let attempts: i64 = live.try_get(1)?;
            return Ok(if attempts >= OTP_MAX_ATTEMPTS as i64 {
                PasscodeCheck::Locked
            } else {
                PasscodeCheck::NoPasscode
            });
        };
        let attempts: i64 = reserved.try_get(0)?;
        let stored: Vec<u8> = reserved.try_get(1)?;
        if bool::from(stored.as_slice().ct_eq(&code_mac[..])) {
            let used = sqlx::query(
                "UPDATE passcodes SET used = 1, attempts = attempts - 1 WHERE rowid = ? AND used = 0",
            )
            .bind(rowid)
            .execute(&self.pool)
            .await?
            .rows_affected();
            return Ok(if used == 1 {
                PasscodeCheck::Accepted
            } else {
                PasscodeCheck::NoPasscode
            });
        }
        let left = (OTP_MAX_ATTEMPTS as i64 - attempts).max(0);
        Ok(PasscodeCheck::Wrong {
            attempts_left: left as u32,
        })
    }

    pub async fn insert_session(
        &self,
        token_hash: &[u8; 32],
        address_mac: &[u8; 32],
        expires: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO sessions (token_hash, address_mac, expires) VALUES (?, ?, ?)")
            .bind(&token_hash[..])
            .bind(&address_mac[..])
            .bind(expires)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The address fingerprint and expiry of a live session.
    pub async fn session(
        &self,
        token_hash: &[u8; 32],
        now: i64,
    ) -> Result<Option<([u8; 32], i64)>, StoreError> {
        let row = sqlx::query(
            "SELECT token_hash, address_mac, expires FROM sessions WHERE token_hash = ? AND expires > ?",
        )
        .bind(&token_hash[..])
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let stored: Vec<u8> = row.try_get(0)?;
        if !bool::from(stored.as_slice().ct_eq(&token_hash[..])) {
            return Ok(None);
        }
        let mac: Vec<u8> = row.try_get(1)?;
        let Ok(mac) = <[u8; 32]>::try_from(mac.as_slice()) else {
            return Ok(None);
        };
        Ok(Some((mac, row.try_get(2)?)))
    }

    /// Marks an ID-token nonce used; `false` when it was used before (a replayed token).
    pub async fn use_nonce(&self, nonce_hash: &[u8; 32], expires: i64) -> Result<bool, StoreError> {
        let inserted = sqlx::query(
            "INSERT INTO used_nonces (nonce_hash, expires) VALUES (?, ?)
             ON CONFLICT (nonce_hash) DO NOTHING",
        )
        .bind(&nonce_hash[..])
        .bind(expires)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    /// Forgets expired sessions and passcode records that no longer count for anything.
    pub async fn purge(&self, now: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE expires <= ?")
            .bind(now)
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM used_nonces WHERE expires <= ?")
            .bind(now)
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM passcodes WHERE expires <= ? AND issued <= ?")
            .bind(now)
            .bind(now - OTP_TTL_S as i64)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "AAECAwQFBgcICQoLDA0ODw";

    #[tokio::test]
    async fn passcode_rules() {
        let store = Store::in_memory().await.unwrap();
        let addr = [1u8; 32];
        let good = [2u8; 32];
        let bad = [3u8; 32];
        assert!(
            store
                .insert_message(ID, "s@x.test", &[9; 60], &[addr], 100, None)
                .await
                .unwrap()
        );
        assert!(
            !store
                .insert_message(ID, "s@x.test", &[9; 60], &[addr], 100, None)
                .await
                .unwrap()
        );
        assert_eq!(
            store.check_passcode(ID, &addr, &good, 100).await.unwrap(),
            PasscodeCheck::NoPasscode
        );

        store
            .insert_passcode(ID, &addr, Some(&good), 100)
            .await
            .unwrap();
        for left in (0..OTP_MAX_ATTEMPTS).rev() {
            assert_eq!(
                store.check_passcode(ID, &addr, &bad, 101).await.unwrap(),
                PasscodeCheck::Wrong {
                    attempts_left: left
                }
            );
        }
        assert_eq!(
            store.check_passcode(ID, &addr, &good, 101).await.unwrap(),
            PasscodeCheck::Locked
        );

        store
            .insert_passcode(ID, &addr, Some(&good), 200)
            .await
            .unwrap();
        assert_eq!(
            store.check_passcode(ID, &addr, &bad, 201).await.unwrap(),
            PasscodeCheck::Wrong { attempts_left: 4 }
        );
        assert_eq!(
            store.check_passcode(ID, &addr, &good, 201).await.unwrap(),
            PasscodeCheck::Accepted
        );
        assert_eq!(
            store.check_passcode(ID, &addr, &good, 202).await.unwrap(),
            PasscodeCheck::NoPasscode
        );

        store
            .insert_passcode(ID, &addr, Some(&good), 300)
            .await
            .unwrap();
        let expiry = 300 + OTP_TTL_S as i64;
        assert_eq!(
            store
                .check_passcode(ID, &addr, &good, expiry)
                .await
                .unwrap(),
            PasscodeCheck::NoPasscode
        );

        let (count, oldest) = store.passcode_requests_since(ID, &addr, 150).await.unwrap();
        assert_eq!((count, oldest), (2, Some(200)));
    }

    #[tokio::test]
    async fn a_new_passcode_replaces_the_old_one() {
        let store = Store::in_memory().await.unwrap();
        let addr = [1u8; 32];
        store
            .insert_passcode(ID, &addr, Some(&[5; 32]), 10)
            .await
            .unwrap();
        store
            .insert_passcode(ID, &addr, Some(&[6; 32]), 11)
            .await
            .unwrap();
        assert_eq!(
            store.check_passcode(ID, &addr, &[5; 32], 12).await.unwrap(),
            PasscodeCheck::Wrong { attempts_left: 4 }
        );
        assert_eq!(
            store.check_passcode(ID, &addr, &[6; 32], 12).await.unwrap(),
            PasscodeCheck::Accepted
        );
    }

    #[tokio::test]
    async fn revoke_sessions_and_purge() {
        let store = Store::in_memory().await.unwrap();
        let addr = [1u8; 32];
        store
            .insert_message(ID, "s@x.test", &[9; 60], &[addr], 100, Some(500))
            .await
            .unwrap();
        let row = store.message(ID, &addr).await.unwrap().unwrap();
        assert!(row.is_recipient);
        assert_eq!(row.availability(499), Availability::Available);
        assert_eq!(row.availability(500), Availability::Expired);
        assert!(
            !store
                .message(ID, &[2; 32])
                .await
                .unwrap()
                .unwrap()
                .is_recipient
        );
        store.revoke(ID).await.unwrap();
        let row = store.message(ID, &addr).await.unwrap().unwrap();
        assert_eq!(
            (row.availability(0), row.wrapped_key),
            (Availability::Revoked, None)
        );

        store.insert_session(&[7; 32], &addr, 1000).await.unwrap();
        assert_eq!(
            store.session(&[7; 32], 999).await.unwrap(),
            Some((addr, 1000))
        );
        assert_eq!(store.session(&[7; 32], 1000).await.unwrap(), None);
        store.purge(2000).await.unwrap();
        assert_eq!(store.session(&[7; 32], 0).await.unwrap(), None);
    }
}
