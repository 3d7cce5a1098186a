//! The SQLite backend: one database file (or memory) for a single portal process. Its schema
//! is migrated at open in one transaction, `PRAGMA user_version` counting the applied steps.

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::StoreError;

/// Schema migrations, applied in order.
pub(super) const MIGRATIONS: &[&str] = &[
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

/// Opens (creating if needed) the database file and brings its schema up to date.
pub(super) async fn open(path: &Path) -> Result<SqlitePool, StoreError> {
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
    migrate(&pool).await?;
    Ok(pool)
}

/// An in-memory database (one connection, gone with the process).
pub(super) async fn in_memory() -> Result<SqlitePool, StoreError> {
    let options = SqliteConnectOptions::new().in_memory(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(options)
        .await?;
    migrate(&pool).await?;
    Ok(pool)
}

async fn migrate(pool: &SqlitePool) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    let version = schema_version(&mut tx).await?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(StoreError::TooNew(version));
    }
    for migration in MIGRATIONS.get(version as usize..).unwrap_or_default() {
        sqlx::raw_sql(migration).execute(&mut *tx).await?;
    }
    sqlx::raw_sql(&format!("PRAGMA user_version = {known}"))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn schema_version(conn: &mut sqlx::SqliteConnection) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("PRAGMA user_version")
        .fetch_one(conn)
        .await?)
}
