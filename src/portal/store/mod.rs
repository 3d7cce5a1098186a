//! The portal's database: messages with their wrapped keys, recipient fingerprints, passcode
//! fingerprints, session-token hashes, request counts and rate-limit buckets. Never an address
//! of a recipient, a passcode, a session token or a content key in clear. Every function takes
//! `now` (Unix seconds) so the rules are testable.
//!
//! Two backends behind one [`Store`]: SQLite (one process, the default) and PostgreSQL (many
//! instances sharing one database). Each is a typed sqlx pool; [`with_pool!`] runs one query
//! text on whichever it is, so the rules exist once. Where the SQL differs (migrations, the
//! purge lock) the backend modules hold their own. Everything another instance must see is
//! here, and each check-and-update is one statement or one transaction.

use std::path::Path;

use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;

use crate::sealed::api::OTP_MAX_ATTEMPTS;

/// Runs `$body` with `$pool` bound to the backend's typed pool: the same query text on both.
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::portal::store::Pool::Sqlite($pool) => $body,
            $crate::portal::store::Pool::Postgres($pool) => $body,
        }
    };
}

mod limits;
mod messages;
mod passcodes;
mod postgres;
mod serial;
mod sqlite;
#[cfg(test)]
mod tests;

pub use limits::Bucket;
pub use messages::WrappedKeyRow;
pub use postgres::{PostgresTarget, url_has_password};

/// Database failures (I/O, corruption, a newer schema).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("the database schema version {0} is newer than this portal knows")]
    TooNew(i64),
}

impl StoreError {
    /// The database cannot be reached right now (down, restarting, no free connection): a
    /// retry later may succeed.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            Self::Sqlx(
                sqlx::Error::Io(_)
                    | sqlx::Error::PoolTimedOut
                    | sqlx::Error::PoolClosed
                    | sqlx::Error::Tls(_)
                    | sqlx::Error::Protocol(_)
            )
        ) || matches!(self, Self::Sqlx(sqlx::Error::Database(e))
                if e.code().is_some_and(|c| c.starts_with("57P") || c.starts_with("08")))
    }
}

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
    /// A message past its expiry stays "expired" after the purge erased its key.
    pub fn availability(&self, now: i64) -> Availability {
        if self.revoked {
            Availability::Revoked
        } else if self.expires.is_some_and(|e| e <= now) {
            Availability::Expired
        } else if self.wrapped_key.is_none() {
            Availability::Revoked
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

/// Where the portal keeps its state.
#[derive(Debug, Clone)]
pub enum Database {
    /// In memory, gone with the process (tests, the demo).
    Memory,
    /// A SQLite file: one portal process.
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL database: any number of portal instances.
    Postgres(PostgresTarget),
}

#[derive(Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Clone)]
pub struct Store {
    pool: Pool,
    /// Lock stripes for [`Store::serialized`] on SQLite (PostgreSQL locks in the database).
    stripes: std::sync::Arc<Vec<tokio::sync::Mutex<()>>>,
    /// Rate-limit buckets on SQLite (PostgreSQL keeps them in `ip_buckets`).
    buckets: std::sync::Arc<limits::MemoryBuckets>,
}

impl Store {
    /// Opens (creating a SQLite file if needed) and brings the schema up to date.
    pub async fn connect(database: &Database) -> Result<Self, StoreError> {
        let pool = match database {
            Database::Memory => Pool::Sqlite(sqlite::in_memory().await?),
            Database::Sqlite(path) => Pool::Sqlite(sqlite::open(path).await?),
            Database::Postgres(target) => Pool::Postgres(postgres::open(target).await?),
        };
        let stripes = (0..serial::STRIPES)
            .map(|_| tokio::sync::Mutex::new(()))
            .collect();
        Ok(Self {
            pool,
            stripes: std::sync::Arc::new(stripes),
            buckets: std::sync::Arc::default(),
        })
    }

    /// Opens (creating if needed) a SQLite file and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        Self::connect(&Database::Sqlite(path.to_path_buf())).await
    }

    /// An in-memory SQLite database (one connection, gone with the process).
    pub async fn in_memory() -> Result<Self, StoreError> {
        Self::connect(&Database::Memory).await
    }

    #[cfg(test)]
    fn sqlite_pool(&self) -> Option<&SqlitePool> {
        match &self.pool {
            Pool::Sqlite(pool) => Some(pool),
            Pool::Postgres(_) => None,
        }
    }

    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await)
    }

    /// Ready to serve: the database answers and its schema is the one this portal knows.
    pub async fn ready(&self) -> Result<bool, StoreError> {
        let version = match &self.pool {
            Pool::Sqlite(pool) => {
                let mut conn = pool.acquire().await?;
                sqlite::schema_version(&mut conn).await?
            }
            Pool::Postgres(pool) => {
                let mut conn = pool.acquire().await?;
                postgres::schema_version(&mut conn).await?
            }
        };
        let known = match &self.pool {
            Pool::Sqlite(_) => sqlite::MIGRATIONS.len() as i64,
            Pool::Postgres(_) => postgres::known_version(),
        };
        Ok(version == known)
    }
}
