//! Fresh databases for tests: a temporary SQLite file, or a new PostgreSQL database created on
//! the server named by `MOTCUA_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432/postgres`).
//!
//! PostgreSQL is not optional: a test that cannot reach it fails with a message that says how
//! to start one, because "runs on both backends" must not silently become "runs on one".

use crate::{Backend, Store};
use rand::Rng;
use std::path::PathBuf;

/// The admin URL of the test PostgreSQL server.
pub fn postgres_admin_url() -> String {
    std::env::var("MOTCUA_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A migrated, empty database that is removed by [`TestDatabase::cleanup`].
pub struct TestDatabase {
    pub store: Store,
    pub url: String,
    sqlite_dir: Option<PathBuf>,
    postgres_name: Option<String>,
}

impl TestDatabase {
    /// Creates and migrates a database on `backend`. Panics with guidance when PostgreSQL is
    /// unreachable.
    pub async fn new(backend: Backend) -> TestDatabase {
        let suffix: u64 = rand::rng().random();
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("motcua-test-{suffix:016x}"));
                std::fs::create_dir_all(&dir).expect("create temp dir for test database");
                let url = format!("sqlite://{}", dir.join("motcua.db").display());
                let store = Store::open(&url).await.expect("open SQLite test database");
                TestDatabase {
                    store,
                    url,
                    sqlite_dir: Some(dir),
                    postgres_name: None,
                }
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url();
                let admin = Store::connect(&admin_url).await.unwrap_or_else(|error| {
                    panic!(
                        "PostgreSQL is required for the tests and is not reachable at {admin_url}: {error}. \
                         Start one (see .ci/run) or set MOTCUA_TEST_POSTGRES."
                    )
                });
                let name = format!("motcua_t_{suffix:016x}");
                if let Store::Postgres(pool) = &admin {
                    let statement = format!("CREATE DATABASE {name}");
                    sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
                        .execute(pool)
                        .await
                        .expect("create test database");
                }
                admin.close().await;
                let base = admin_url
                    .rsplit_once('/')
                    .map(|(b, _)| b)
                    .unwrap_or(&admin_url);
                let url = format!("{base}/{name}");
                let store = Store::open(&url)
                    .await
                    .expect("open PostgreSQL test database");
                TestDatabase {
                    store,
                    url,
                    sqlite_dir: None,
                    postgres_name: Some(name),
                }
            }
        }
    }

    /// Closes the pool and removes the database.
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some(dir) = self.sqlite_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some(name) = self.postgres_name
            && let Ok(admin) = Store::connect(&postgres_admin_url()).await
        {
            if let Store::Postgres(pool) = &admin {
                let statement = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
                    .execute(pool)
                    .await;
            }
            admin.close().await;
        }
    }
}

/// Changes a stored event's reason behind the application's back, as an intruder with database
/// access would; for tests of `motcua audit verify`.
pub async fn tamper_event_reason(store: &Store, dossier_id: i64, seq: i64, reason: &str) {
    crate::on_backend!(store, |pool| {
        sqlx::query("UPDATE dossier_events SET body = replace(body, '\"reason\":\"', $1), reason = $2 WHERE dossier_id = $3 AND seq = $4")
            .bind(format!("\"reason\":\"{reason}"))
            .bind(reason)
            .bind(dossier_id)
            .bind(seq)
            .execute(pool)
            .await
            .expect("tamper");
    });
}

/// Adds `by` to every agency report counter of a measure behind the projection's back (a lost
/// update, a hand edit), for tests that the rebuild comparison notices and repairs it.
pub async fn skew_report_counter(store: &Store, measure: &str, by: i64) {
    crate::on_backend!(store, |pool| {
        sqlx::query("UPDATE report_agency_months SET n = n + $1 WHERE measure = $2")
            .bind(by)
            .bind(measure)
            .execute(pool)
            .await
            .expect("skew");
    });
}
