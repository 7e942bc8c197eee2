//! Persistence for Một Cửa: one [`Store`] over SQLite (the default, embedded) and PostgreSQL
//! (production), chosen once from the database URL.
//!
//! Each method is written once and compiled for both backends by [`on_backend!`] and
//! [`on_tx!`], which expand the same body against the concrete SQLite and PostgreSQL types;
//! the SQL in such bodies must be valid in both dialects (`$1` placeholders, `RETURNING`,
//! `ON CONFLICT`, `||`, `substr`, `length`). Where the dialects differ (full-text search, job
//! claiming) the method matches on the backend explicitly. Reads go through the pool; every
//! write goes through a [`StoreTx`] so that a state change, its audit entry and its outbox
//! rows commit together or not at all. The contract tests in `tests/` run on both backends.
//!
//! Times are stored as unix microseconds (UTC) in both databases, so ordering and comparison
//! behave the same; conversion happens in [`micros`] and [`from_micros`] only.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

pub mod attachments;
pub mod audit;
pub mod auth;
pub mod bench;
pub mod calendar;
pub mod catalogue;
pub mod clients;
pub mod documents;
pub mod dossiers;
pub mod national_sync;
pub mod notifications;
pub mod oidc;
pub mod org;
pub mod outbox;
pub mod payments;
pub mod people;
pub mod ratings;
pub mod reports;
pub mod search;
pub mod shipments;
pub mod workflows;

/// Runs the same body against whichever backend `$store` holds; `$pool` names the concrete pool.
#[macro_export]
macro_rules! on_backend {
    ($store:expr, |$pool:ident| $body:expr) => {
        match $store {
            $crate::Store::Sqlite($pool, _) => $body,
            $crate::Store::Postgres($pool) => $body,
        }
    };
}

/// Runs the same body inside whichever transaction `$tx` holds; `$conn` is the connection.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match $tx {
            $crate::StoreTx::Sqlite(transaction, _) => {
                let $conn = &mut **transaction;
                $body
            }
            $crate::StoreTx::Postgres(transaction) => {
                let $conn = &mut **transaction;
                $body
            }
        }
    };
}

/// The errors a store operation can report. Constraint violations are translated here so
/// callers can answer "already exists" without knowing SQL.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    #[error("migration error: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(db.message().to_owned())
            }
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                StoreError::Conflict(db.message().to_owned())
            }
            _ => StoreError::Database(error),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The one storage handle. Cheap to clone (pools are reference-counted).
#[derive(Debug, Clone)]
pub enum Store {
    Sqlite(SqlitePool, WriteGate),
    Postgres(PgPool),
}

/// Lets one write transaction at a time begin on an SQLite database from this process.
///
/// SQLite has one writer; a `BEGIN IMMEDIATE` that finds the lock taken gets `SQLITE_BUSY`
/// and its busy handler sleeps 1, 2, 5 … up to 100 ms before trying again, while the lock
/// is held for well under a millisecond. Under concurrent writers the database then sat idle
/// between sleeps (and p99 latencies reached ~100 ms). Waiting here instead is a fair FIFO
/// queue that hands the lock on at once. Another process on the same file still meets the
/// busy handler, which stays as the fallback.
#[derive(Debug, Clone, Default)]
pub struct WriteGate(Arc<tokio::sync::Mutex<()>>);

/// How long a writer waits for the gate before giving up (the busy timeout's length).
const WRITE_GATE_WAIT: Duration = Duration::from_secs(10);

/// A write transaction. Dropping it without [`StoreTx::commit`] rolls everything back.
pub enum StoreTx {
    /// The transaction and this process's SQLite write turn, held until it ends.
    Sqlite(
        Transaction<'static, Sqlite>,
        tokio::sync::OwnedMutexGuard<()>,
    ),
    Postgres(Transaction<'static, Postgres>),
}

/// Converts a time to the stored representation.
pub fn micros(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

/// Converts a stored time back.
pub fn from_micros(value: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(value) * 1000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

impl Store {
    /// Opens the database named by `url` (`sqlite://path` or `postgres://…`) without migrating.
    pub async fn connect(url: &str) -> StoreResult<Store> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Ok(Store::Postgres(pool))
        } else if url.starts_with("sqlite:") {
            // WAL lets readers run beside the writer; FULL makes each commit durable before it
            // is acknowledged; foreign keys are off by default in SQLite.
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Ok(Store::Sqlite(pool, WriteGate::default()))
        } else {
            Err(StoreError::Database(sqlx::Error::Configuration(
                "database URL must start with sqlite: or postgres://".into(),
            )))
        }
    }

    /// Opens and migrates in one step.
    pub async fn open(url: &str) -> StoreResult<Store> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        match self {
            Store::Sqlite(..) => Backend::Sqlite,
            Store::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the embedded migrations of this backend; safe to run at every start.
    pub async fn migrate(&self) -> StoreResult<()> {
        match self {
            Store::Sqlite(pool, _) => sqlx::migrate!("./migrations/sqlite").run(pool).await?,
            Store::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        self.backfill_search_terms().await?;
        self.backfill_applicant_folded().await
    }

    /// Migrations applied so far, as (version, description).
    pub async fn applied_migrations(&self) -> StoreResult<Vec<(i64, String)>> {
        let rows: Vec<(i64, String)> = on_backend!(self, |pool| {
            sqlx::query_as("SELECT version, description FROM _sqlx_migrations ORDER BY version")
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }

    /// Starts a write transaction. SQLite takes the write lock up front (`BEGIN IMMEDIATE`) so
    /// that a transaction that reads before it writes waits for the lock instead of failing.
    pub async fn begin(&self) -> StoreResult<StoreTx> {
        Ok(match self {
            Store::Sqlite(pool, gate) => {
                let turn = tokio::time::timeout(WRITE_GATE_WAIT, gate.0.clone().lock_owned())
                    .await
                    .map_err(|_| StoreError::Database(sqlx::Error::PoolTimedOut))?;
                StoreTx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?, turn)
            }
            Store::Postgres(pool) => StoreTx::Postgres(pool.begin().await?),
        })
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        let result: Result<(i64,), sqlx::Error> = on_backend!(self, |pool| {
            sqlx::query_as("SELECT CAST(1 AS BIGINT)")
                .fetch_one(pool)
                .await
        });
        result.is_ok()
    }

    /// Writes a consistent snapshot of an SQLite database to `path` (`VACUUM INTO`).
    /// PostgreSQL deployments use `pg_dump`; this reports that instead of guessing.
    pub async fn backup_to(&self, path: &str) -> StoreResult<()> {
        match self {
            Store::Sqlite(pool, _) => {
                sqlx::query("VACUUM INTO $1")
                    .bind(path)
                    .execute(pool)
                    .await?;
                Ok(())
            }
            Store::Postgres(_) => Err(StoreError::Database(sqlx::Error::Configuration(
                "backup of PostgreSQL is done with pg_dump".into(),
            ))),
        }
    }

    pub async fn close(&self) {
        on_backend!(self, |pool| pool.close().await)
    }

    /// Table and column names, for the schema-parity test. Full-text artefacts (`_fts` tables,
    /// columns and indexes) differ by design between the backends and are left out.
    pub async fn schema_columns(&self) -> StoreResult<Vec<(String, String)>> {
        let mut rows: Vec<(String, String)> =
            match self {
                Store::Sqlite(pool, _) => {
                    sqlx::query_as(
                        "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
                     AND m.name NOT LIKE '_sqlx%' AND m.name NOT LIKE '%_fts%'",
                    )
                    .fetch_all(pool)
                    .await?
                }
                Store::Postgres(pool) => sqlx::query_as(
                    "SELECT table_name::text, column_name::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%' \
                     AND column_name NOT LIKE '%_fts%'",
                )
                .fetch_all(pool)
                .await?,
            };
        rows.sort();
        Ok(rows)
    }

    /// Index names (excluding automatic ones and `_fts` artefacts), for the schema-parity test.
    pub async fn schema_indexes(&self) -> StoreResult<Vec<String>> {
        let mut rows: Vec<(String,)> =
            match self {
                Store::Sqlite(pool, _) => {
                    sqlx::query_as(
                        "SELECT name FROM sqlite_master WHERE type = 'index' \
                     AND name NOT LIKE 'sqlite_autoindex%' AND name NOT LIKE '%_fts%'",
                    )
                    .fetch_all(pool)
                    .await?
                }
                Store::Postgres(pool) => sqlx::query_as(
                    "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema() \
                     AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key' \
                     AND indexname NOT LIKE '%_fts%'",
                )
                .fetch_all(pool)
                .await?,
            };
        rows.sort();
        Ok(rows.into_iter().map(|(n,)| n).collect())
    }
}

impl StoreTx {
    pub async fn commit(self) -> StoreResult<()> {
        match self {
            // The turn is released when the commit has returned (the guard drops here).
            StoreTx::Sqlite(tx, _turn) => tx.commit().await?,
            StoreTx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

#[cfg(feature = "test-support")]
pub mod test_support;
