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

use crate::sealed::api::{OTP_MAX_ATTEMPTS, OTP_TTL_S};

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
    ALTER TABLE passcodes ADD COLUMN code_wrapped BLOB;
    ALTER TABLE passcodes ADD COLUMN reference TEXT;
    CREATE TABLE otp_requests (
        id          TEXT NOT NULL,
        address_mac BLOB NOT NULL,
        requester   BLOB NOT NULL,
        at          INTEGER NOT NULL,
        mailed      INTEGER NOT NULL
    );
    CREATE INDEX otp_requests_by_target ON otp_requests (id, address_mac, at);
    CREATE INDEX otp_requests_by_requester ON otp_requests (requester, at);
    CREATE TABLE otp_failures (
        id          TEXT NOT NULL,
        address_mac BLOB NOT NULL,
        requester   BLOB NOT NULL,
        wrong       INTEGER NOT NULL,
        updated     INTEGER NOT NULL,
        PRIMARY KEY (id, address_mac, requester)
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

/// Wrong passcodes per message, address and requester before that requester must ask for a
/// new passcode.
pub const WRONG_PER_REQUESTER: u32 = OTP_MAX_ATTEMPTS;
/// Wrong passcodes, from everyone together, after which a passcode is dead.
pub const WRONG_PER_PASSCODE: i64 = 100;
/// Live passcodes compared per message and address ("any of the last few"): twice the mails
/// one message and address may get per window, so every passcode that can be live counts.
pub const LIVE_PASSCODES: i64 = 20;

/// The newest live passcode of a message and address.
#[derive(Debug, Clone)]
pub struct LivePasscode {
    /// The code, wrapped under the master key (`None`: a request that mailed nothing).
    pub code_wrapped: Option<Vec<u8>>,
    pub reference: String,
}

/// How many passcode requests counted since a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestCounts {
    /// By this requester for this message and address.
    pub by_requester_for_target: u32,
    /// By this requester for anything.
    pub by_requester: u32,
    /// Passcode mails sent for this message and address, by anyone.
    pub mailed_for_target: u32,
    /// When the oldest of those mails went out.
    pub oldest_mail: Option<i64>,
}

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
    /// Wrong; this many tries are left for this requester.
    Wrong { attempts_left: u32 },
    /// This requester gave too many wrong passcodes: it must ask for a new one.
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
        sqlx::query("DELETE FROM otp_failures WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The requests that count toward the limits at `since` and after.
    pub async fn request_counts(
        &self,
        id: &str,
        address_mac: &[u8; 32],
        requester: &[u8; 32],
        since: i64,
    ) -> Result<RequestCounts, StoreError> {
        let row = sqlx::query(
            "SELECT
               (SELECT COUNT(*) FROM otp_requests
                 WHERE id = ?1 AND address_mac = ?2 AND requester = ?3 AND at > ?4),
               (SELECT COUNT(*) FROM otp_requests WHERE requester = ?3 AND at > ?4),
               (SELECT COUNT(*) FROM otp_requests
                 WHERE id = ?1 AND address_mac = ?2 AND mailed = 1 AND at > ?4),
               (SELECT MIN(at) FROM otp_requests
                 WHERE id = ?1 AND address_mac = ?2 AND mailed = 1 AND at > ?4)",
        )
        .bind(id)
        .bind(&address_mac[..])
        .bind(&requester[..])
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        let count = |i: usize| -> Result<u32, StoreError> {
            let n: i64 = row.try_get(i)?;
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
        };
        Ok(RequestCounts {
            by_requester_for_target: count(0)?,
            by_requester: count(1)?,
            mailed_for_target: count(2)?,
            oldest_mail: row.try_get(3)?,
        })
    }

    /// Records a passcode request (`mailed`: a passcode mail went out for it).
    pub async fn record_request(
        &self,
        id: &str,
        address_mac: &[u8; 32],
        requester: &[u8; 32],
        mailed: bool,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO otp_requests (id, address_mac, requester, at, mailed)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(&address_mac[..])
        .bind(&requester[..])
        .bind(now)
        .bind(i64::from(mailed))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The newest passcode of this id and address that still works at `now` (or the newest
    /// live record without a code, for an id or address that gets no mail).
    pub async fn live_passcode(
        &self,
        id: &str,
        address_mac: &[u8; 32],
        now: i64,
    ) -> Result<Option<LivePasscode>, StoreError> {
        let row = sqlx::query(
            "SELECT code_wrapped, reference FROM passcodes
             WHERE id = ? AND address_mac = ? AND used = 0 AND expires > ? AND attempts < ?
               AND reference IS NOT NULL
             ORDER BY issued DESC, rowid DESC LIMIT 1",
        )
        .bind(id)
        .bind(&address_mac[..])
        .bind(now)
        .bind(WRONG_PER_PASSCODE)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(row) => Some(LivePasscode {
                code_wrapped: row.try_get(0)?,
                reference: row.try_get(1)?,
            }),
            None => None,
        })
    }

    /// Adds a passcode (with its fingerprint and wrapped code) or, without them, a record that
    /// only keeps the reference stable (an id or address that gets no mail). Earlier passcodes
    /// keep working: a new request never invalidates a live one.
    pub async fn insert_passcode(
        &self,
        id: &str,
        address_mac: &[u8; 32],
        code: Option<(&[u8; 32], &[u8])>,
        reference: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO passcodes (id, address_mac, code_mac, code_wrapped, reference, issued, expires)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(&address_mac[..])
        .bind(code.map(|(mac, _)| mac.to_vec()))
        .bind(code.map(|(_, wrapped)| wrapped.to_vec()))
        .bind(reference)
        .bind(now)
        .bind(now + OTP_TTL_S as i64)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Wrong passcodes this requester gave for this id and address since its last new
    /// passcode.
    pub async fn failures(
        &self,
        id: &str,
        address_mac: &[u8; 32],
        requester: &[u8; 32],
    ) -> Result<u32, StoreError> {
        let wrong: Option<i64> = sqlx::query_scalar(
            "SELECT wrong FROM otp_failures WHERE id = ? AND address_mac = ? AND requester = ?",
        )
        .bind(id)
        .bind(&address_mac[..])
        .bind(&requester[..])
        .fetch_optional(&self.pool)
        .await?;
        Ok(wrong.map_or(0, |w| u32::try_from(w).unwrap_or(u32::MAX)))
    }

    /// Gives the requester a fresh allowance of wrong passcodes (it asked for a new one).
    pub async fn reset_failures(
        &self,
        id: &str,
        address_mac: &[u8; 32],
        requester: &[u8; 32],
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM otp_failures WHERE id = ? AND address_mac = ? AND requester = ?")
            .bind(id)
            .bind(&address_mac[..])
            .bind(&requester[..])
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Checks a passcode fingerprint against the live passcodes of this id and address (the
    /// newest [`LIVE_PASSCODES`]). Wrong tries count per requester (one requester cannot lock
    /// out another) and, against brute force from many requesters, per passcode. The try is
    /// reserved atomically before comparing, so parallel guesses cannot exceed the limit; a
    /// right answer gives it back and uses up every live passcode of that id and address.
    pub async fn check_passcode(
        &self,
        id: &str,
        address_mac: &[u8; 32],
        code_mac: &[u8; 32],
        requester: &[u8; 32],
        now: i64,
    ) -> Result<PasscodeCheck, StoreError> {
        let live = sqlx::query(
            "SELECT rowid, code_mac FROM passcodes
             WHERE id = ? AND address_mac = ? AND code_mac IS NOT NULL AND used = 0
               AND expires > ? AND attempts < ?
             ORDER BY issued DESC, rowid DESC LIMIT ?",
        )
        .bind(id)
        .bind(&address_mac[..])
        .bind(now)
        .bind(WRONG_PER_PASSCODE)
        .bind(LIVE_PASSCODES)
        .fetch_all(&self.pool)
        .await?;
        if live.is_empty() {
            return Ok(PasscodeCheck::NoPasscode);
        }
        let reserved: Option<i64> = sqlx::query_scalar(
            "INSERT INTO otp_failures (id, address_mac, requester, wrong, updated)
             VALUES (?1, ?2, ?3, 1, ?5)
             ON CONFLICT (id, address_mac, requester) DO UPDATE
               SET wrong = wrong + 1, updated = ?5 WHERE wrong < ?4
             RETURNING wrong",
        )
        .bind(id)
        .bind(&address_mac[..])
        .bind(&requester[..])
        .bind(i64::from(WRONG_PER_REQUESTER))
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(wrong) = reserved else {
            return Ok(PasscodeCheck::Locked);
        };
        let mut matched = subtle::Choice::from(0);
        for row in &live {
            let stored: Vec<u8> = row.try_get(1)?;
            matched |= stored.as_slice().ct_eq(&code_mac[..]);
        }
        if bool::from(matched) {
            let mut tx = self.pool.begin().await?;
            let used = sqlx::query(
                "UPDATE passcodes SET used = 1
                 WHERE id = ? AND address_mac = ? AND code_mac = ? AND used = 0",
            )
            .bind(id)
            .bind(&address_mac[..])
            .bind(&code_mac[..])
            .execute(&mut *tx)
            .await?
            .rows_affected();
            sqlx::query(
                "UPDATE passcodes SET used = 1
                 WHERE id = ? AND address_mac = ? AND code_mac IS NOT NULL",
            )
            .bind(id)
            .bind(&address_mac[..])
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "DELETE FROM otp_failures WHERE id = ? AND address_mac = ? AND requester = ?",
            )
            .bind(id)
            .bind(&address_mac[..])
            .bind(&requester[..])
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            return Ok(if used >= 1 {
                PasscodeCheck::Accepted
            } else {
                PasscodeCheck::NoPasscode
            });
        }
        for row in &live {
            let rowid: i64 = row.try_get(0)?;
            sqlx::query("UPDATE passcodes SET attempts = attempts + 1 WHERE rowid = ?")
                .bind(rowid)
                .execute(&self.pool)
                .await?;
        }
        let left = (i64::from(WRONG_PER_REQUESTER) - wrong).max(0);
        Ok(PasscodeCheck::Wrong {
            attempts_left: u32::try_from(left).unwrap_or(0),
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
        sqlx::query("DELETE FROM otp_requests WHERE at <= ?")
            .bind(now - OTP_TTL_S as i64)
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM otp_failures WHERE updated <= ?")
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

    const ME: [u8; 32] = [7; 32];
    const THEM: [u8; 32] = [8; 32];

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
            store
                .check_passcode(ID, &addr, &good, &ME, 100)
                .await
                .unwrap(),
            PasscodeCheck::NoPasscode
        );

        store
            .insert_passcode(ID, &addr, Some((&good, b"w")), "AAAA", 100)
            .await
            .unwrap();
        for left in (0..OTP_MAX_ATTEMPTS).rev() {
            assert_eq!(
                store
                    .check_passcode(ID, &addr, &bad, &ME, 101)
                    .await
                    .unwrap(),
                PasscodeCheck::Wrong {
                    attempts_left: left
                }
            );
        }
        assert_eq!(
            store
                .check_passcode(ID, &addr, &good, &ME, 101)
                .await
                .unwrap(),
            PasscodeCheck::Locked
        );
        // Another requester is not locked out by those wrong tries.
        assert_eq!(
            store
                .check_passcode(ID, &addr, &good, &THEM, 101)
                .await
                .unwrap(),
            PasscodeCheck::Accepted
        );
        assert_eq!(
            store
                .check_passcode(ID, &addr, &good, &THEM, 102)
                .await
                .unwrap(),
            PasscodeCheck::NoPasscode
        );

        store
            .insert_passcode(ID, &addr, Some((&good, b"w")), "BBBB", 300)
            .await
            .unwrap();
        let expiry = 300 + OTP_TTL_S as i64;
        assert_eq!(
            store
                .check_passcode(ID, &addr, &good, &THEM, expiry)
                .await
                .unwrap(),
            PasscodeCheck::NoPasscode
        );
    }

    #[tokio::test]
    async fn a_new_passcode_leaves_the_live_one_working() {
        let store = Store::in_memory().await.unwrap();
        let addr = [1u8; 32];
        store
            .insert_passcode(ID, &addr, Some((&[5; 32], b"w5")), "AAAA", 10)
            .await
            .unwrap();
        store
            .insert_passcode(ID, &addr, Some((&[6; 32], b"w6")), "BBBB", 11)
            .await
            .unwrap();
        let live = store.live_passcode(ID, &addr, 12).await.unwrap().unwrap();
        assert_eq!(
            (live.reference.as_str(), live.code_wrapped.as_deref()),
            ("BBBB", Some(&b"w6"[..]))
        );
        assert_eq!(
            store
                .check_passcode(ID, &addr, &[5; 32], &ME, 12)
                .await
                .unwrap(),
            PasscodeCheck::Accepted
        );
        // Once one is used, the others are used up too.
        assert_eq!(
            store
                .check_passcode(ID, &addr, &[6; 32], &ME, 13)
                .await
                .unwrap(),
            PasscodeCheck::NoPasscode
        );
    }

    #[tokio::test]
    async fn many_requesters_together_kill_a_passcode() {
        let store = Store::in_memory().await.unwrap();
        let addr = [1u8; 32];
        store
            .insert_passcode(ID, &addr, Some((&[5; 32], b"w")), "AAAA", 10)
            .await
            .unwrap();
        for n in 0..WRONG_PER_PASSCODE {
            let requester = [(n % 200) as u8 + 20; 32];
            let _ = store
                .check_passcode(ID, &addr, &[0; 32], &requester, 11)
                .await
                .unwrap();
        }
        assert_eq!(
            store
                .check_passcode(ID, &addr, &[5; 32], &ME, 11)
                .await
                .unwrap(),
            PasscodeCheck::NoPasscode
        );
    }

    #[tokio::test]
    async fn requests_count_per_requester_and_target() {
        let store = Store::in_memory().await.unwrap();
        let addr = [1u8; 32];
        store
            .record_request(ID, &addr, &ME, true, 10)
            .await
            .unwrap();
        store
            .record_request(ID, &addr, &THEM, true, 11)
            .await
            .unwrap();
        store
            .record_request(ID, &addr, &THEM, false, 12)
            .await
            .unwrap();
        store
            .record_request("other", &addr, &THEM, true, 12)
            .await
            .unwrap();
        let mine = store.request_counts(ID, &addr, &ME, 0).await.unwrap();
        assert_eq!(
            mine,
            RequestCounts {
                by_requester_for_target: 1,
                by_requester: 1,
                mailed_for_target: 2,
                oldest_mail: Some(10)
            }
        );
        let theirs = store.request_counts(ID, &addr, &THEM, 10).await.unwrap();
        assert_eq!(
            (
                theirs.by_requester_for_target,
                theirs.by_requester,
                theirs.mailed_for_target
            ),
            (2, 3, 1)
        );
    }

    #[tokio::test]
    async fn a_first_version_database_is_migrated_and_its_live_passcode_still_works() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("portal.sqlite");
        let addr = [1u8; 32];
        {
            let options = SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(true);
            let pool = SqlitePool::connect_with(options).await.unwrap();
            sqlx::raw_sql(MIGRATIONS[0]).execute(&pool).await.unwrap();
            sqlx::raw_sql("PRAGMA user_version = 1")
                .execute(&pool)
                .await
                .unwrap();
            sqlx::query(
                "INSERT INTO passcodes (id, address_mac, code_mac, issued, expires)
                 VALUES (?, ?, ?, 100, 1000)",
            )
            .bind(ID)
            .bind(&addr[..])
            .bind(&[5u8; 32][..])
            .execute(&pool)
            .await
            .unwrap();
            pool.close().await;
        }
        let store = Store::open(&path).await.unwrap();
        let version: i64 = sqlx::query_scalar("PRAGMA user_version")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        // The old passcode has no reference: it is not mailed again, but it still opens.
        assert!(store.live_passcode(ID, &addr, 200).await.unwrap().is_none());
        assert_eq!(
            store
                .check_passcode(ID, &addr, &[5; 32], &ME, 200)
                .await
                .unwrap(),
            PasscodeCheck::Accepted
        );
        store.close().await;
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
