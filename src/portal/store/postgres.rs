//! The PostgreSQL backend: the database many portal instances share. Its schema is migrated at
//! start under a transaction-scoped advisory lock, so instances starting together take turns
//! and each finds the schema complete; `schema_version` counts the applied steps.
//!
//! Column types mirror the SQLite schema (BIGINT for every integer, BYTEA for every blob), so
//! the queries in the sibling modules run unchanged on both. `passcodes` names its identity
//! column `rowid` for the same reason.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use super::StoreError;
use crate::secret::SecretString;

/// Advisory lock key held while migrating ("sealmail" in ASCII).
const MIGRATION_LOCK: i64 = 0x7365_616c_6d61_696c;
/// Advisory lock key held by the instance that purges expired records.
pub(super) const PURGE_LOCK: i64 = MIGRATION_LOCK + 1;

/// Schema migrations, applied in order.
const MIGRATIONS: &[&str] = &[r"
    CREATE TABLE messages (
        id             TEXT PRIMARY KEY,
        sender         TEXT NOT NULL,
        wrapped_key    BYTEA,
        created        BIGINT NOT NULL,
        expires        BIGINT,
        revoked        BIGINT NOT NULL DEFAULT 0,
        record_version BIGINT NOT NULL DEFAULT 1
    );
    CREATE TABLE recipients (
        id          TEXT NOT NULL,
        address_mac BYTEA NOT NULL,
        PRIMARY KEY (id, address_mac)
    );
    CREATE TABLE passcodes (
        rowid        BIGSERIAL PRIMARY KEY,
        id           TEXT NOT NULL,
        address_mac  BYTEA NOT NULL,
        code_mac     BYTEA,
        code_wrapped BYTEA,
        reference    TEXT,
        issued       BIGINT NOT NULL,
        expires      BIGINT NOT NULL,
        attempts     BIGINT NOT NULL DEFAULT 0,
        used         BIGINT NOT NULL DEFAULT 0
    );
    CREATE INDEX passcodes_by_recipient ON passcodes (id, address_mac, issued);
    CREATE TABLE sessions (
        token_hash  BYTEA PRIMARY KEY,
        address_mac BYTEA NOT NULL,
        expires     BIGINT NOT NULL
    );
    CREATE TABLE otp_requests (
        id          TEXT NOT NULL,
        address_mac BYTEA NOT NULL,
        requester   BYTEA NOT NULL,
        at          BIGINT NOT NULL,
        mailed      BIGINT NOT NULL
    );
    CREATE INDEX otp_requests_by_target ON otp_requests (id, address_mac, at);
    CREATE INDEX otp_requests_by_requester ON otp_requests (requester, at);
    CREATE TABLE otp_failures (
        id          TEXT NOT NULL,
        address_mac BYTEA NOT NULL,
        requester   BYTEA NOT NULL,
        wrong       BIGINT NOT NULL,
        updated     BIGINT NOT NULL,
        PRIMARY KEY (id, address_mac, requester)
    );
    CREATE TABLE used_nonces (
        nonce_hash  BYTEA PRIMARY KEY,
        expires     BIGINT NOT NULL
    );
    -- Unlogged: no WAL, so taking a token costs no disk flush; the buckets are emptied by
    -- crash recovery and absent on a standby, which only refills every budget.
    CREATE UNLOGGED TABLE ip_buckets (
        requester   BYTEA PRIMARY KEY,
        tokens      DOUBLE PRECISION NOT NULL,
        updated     DOUBLE PRECISION NOT NULL
    );
"];

/// Where a PostgreSQL database is and how to sign in to it.
#[derive(Debug, Clone)]
pub struct PostgresTarget {
    /// `postgres://user@host:port/dbname` (no password: that comes from `password`).
    pub url: String,
    pub password: Option<SecretString>,
}

/// Whether a `postgres://` URL carries a password (`user:password@`). Total on any text.
pub fn url_has_password(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let in_userinfo = authority
        .rsplit_once('@')
        .is_some_and(|(userinfo, _)| userinfo.contains(':'));
    let in_query = rest
        .split_once('?')
        .is_some_and(|(_, query)| query.split('&').any(|p| p.starts_with("password=")));
    in_userinfo || in_query
}

/// Connects and brings the schema up to date.
pub(super) async fn open(target: &PostgresTarget) -> Result<PgPool, StoreError> {
    let mut options = PgConnectOptions::from_str(&target.url)?;
    if let Some(password) = &target.password {
        options = options.password(password.expose());
    }
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(3))
        // sqlx pings every connection it takes back; a ping before each use too would double
        // the round trips. A connection the database dropped fails its first query (a 503,
        // as when the database is down) and is then closed.
        .test_before_acquire(false)
        .connect_with(options)
        .await?;
    migrate(&pool).await?;
    Ok(pool)
}

async fn migrate(pool: &PgPool) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *tx)
        .await?;
    sqlx::raw_sql("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
        .execute(&mut *tx)
        .await?;
    let version = schema_version(&mut tx).await?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(StoreError::TooNew(version));
    }
    for migration in MIGRATIONS.get(version as usize..).unwrap_or_default() {
        sqlx::raw_sql(migration).execute(&mut *tx).await?;
    }
    sqlx::query("DELETE FROM schema_version")
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO schema_version (version) VALUES ($1)")
        .bind(known)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The applied migrations (0 on an empty database).
pub(super) async fn schema_version(conn: &mut sqlx::PgConnection) -> Result<i64, StoreError> {
    let version: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_version")
        .fetch_one(conn)
        .await?;
    Ok(version.unwrap_or(0))
}

/// How many migrations this portal knows.
pub(super) fn known_version() -> i64 {
    MIGRATIONS.len() as i64
}

#[cfg(test)]
mod tests {
    use super::url_has_password;

    #[test]
    fn a_password_in_the_url_is_seen() {
        assert!(url_has_password(
            "postgres://portal:s3cret@db:5432/sealmail"
        ));
        assert!(url_has_password("postgres://a:b@c@db/x"));
        assert!(!url_has_password("postgres://portal@db:5432/sealmail"));
        assert!(!url_has_password("postgres://db:5432/sealmail"));
        assert!(!url_has_password("postgres://db/x?user=a:b"));
        assert!(url_has_password("postgres://db/x?user=a&password=b"));
        assert!(!url_has_password(""));
        assert!(!url_has_password("é"));
    }
}
