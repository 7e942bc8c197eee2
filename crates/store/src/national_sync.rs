//! Đồng bộ hồ sơ lên Cổng DVCQG: what the national portal has acknowledged of each dossier
//! (migration 0032). The sync itself is the app's outbox handler; this is its memory, and the
//! comparison an administrator reads ("what we hold beside what the portal acknowledged").

use crate::{Store, StoreResult, on_backend, on_tx};
use serde::Serialize;

/// What the portal acknowledged of one dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct NationalSyncRow {
    pub dossier_id: i64,
    pub dossier_code: String,
    pub scope_path: String,
    /// The last step (event seq) the portal acknowledged; 0: it does not know the dossier.
    pub acked_seq: i64,
    /// The national status (TrangThaiHoSo) of that step.
    pub acked_status: Option<i64>,
    pub acked_at: Option<i64>,
    pub requests: i64,
    pub last_error: Option<String>,
    pub failed_at: Option<i64>,
    pub updated_at: i64,
}

/// One dossier as we hold it beside what the portal acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SyncComparison {
    pub dossier_id: i64,
    pub dossier_code: String,
    pub agency_path: String,
    /// Our national status now.
    pub status_code: Option<i64>,
    /// Our last event.
    pub last_seq: i64,
    /// `None`: never acknowledged nor tried.
    pub acked_seq: Option<i64>,
    pub acked_status: Option<i64>,
    pub acked_at: Option<i64>,
    pub last_error: Option<String>,
    pub failed_at: Option<i64>,
}

/// Totals of the comparison within a jurisdiction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SyncCounts {
    /// Dossiers with a code (the portal must know every one).
    pub dossiers: i64,
    /// The portal has every step.
    pub in_sync: i64,
    /// The portal never acknowledged anything of them.
    pub never_acknowledged: i64,
    /// The last attempt failed.
    pub failing: i64,
}

/// Which dossiers a comparison reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncSelection {
    /// The portal lacks a step of them.
    Behind,
    /// Their last attempt failed.
    Failing,
}

/// `(d.agency_path under one of paths)` from `$first`; `None` paths: everything.
fn scope_clause(paths: Option<&[String]>, first: usize) -> Option<String> {
    let Some(paths) = paths else {
        return Some("1 = 1".to_owned());
    };
    if paths.is_empty() {
        return None;
    }
    let parts: Vec<String> = (0..paths.len())
        .map(|i| {
            let p = format!("${}", first + i);
            format!("substr(d.agency_path, 1, length({p})) = {p}")
        })
        .collect();
    Some(format!("({})", parts.join(" OR ")))
}

impl Store {
    /// What the portal acknowledged of a dossier, if it was ever tried.
    pub async fn national_sync_state(
        &self,
        dossier_id: i64,
    ) -> StoreResult<Option<NationalSyncRow>> {
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, NationalSyncRow>(
                "SELECT dossier_id, dossier_code, scope_path, acked_seq, CAST(acked_status AS BIGINT) AS acked_status, acked_at, \
                 requests, last_error, failed_at, updated_at FROM national_sync WHERE dossier_id = $1",
            )
            .bind(dossier_id)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Takes the dossier's sending lease until `until` unless another worker holds one that
    /// has not expired; `false`: someone else is sending this dossier now.
    pub async fn lease_national_sync(
        &self,
        dossier_id: i64,
        dossier_code: &str,
        scope_path: &str,
        now: i64,
        until: i64,
    ) -> StoreResult<bool> {
        let taken = on_backend!(self, |pool| {
            sqlx::query(
                "INSERT INTO national_sync (dossier_id, dossier_code, scope_path, sending_until, \
                 updated_at) VALUES ($1, $2, $3, $5, $4) \
                 ON CONFLICT (dossier_id) DO UPDATE SET sending_until = excluded.sending_until \
                 WHERE national_sync.sending_until IS NULL OR national_sync.sending_until < $4",
            )
            .bind(dossier_id)
            .bind(dossier_code)
            .bind(scope_path)
            .bind(now)
            .bind(until)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(taken == 1)
    }

    /// Gives the sending lease back.
    pub async fn release_national_sync(&self, dossier_id: i64) -> StoreResult<()> {
        on_backend!(self, |pool| {
            sqlx::query("UPDATE national_sync SET sending_until = NULL WHERE dossier_id = $1")
                .bind(dossier_id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Records that the portal acknowledged the steps up to `seq` (never lowers what it has:
    /// a late acknowledgement of an earlier step changes nothing) and clears the last failure.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_national_ack(
        &self,
        dossier_id: i64,
        dossier_code: &str,
        scope_path: &str,
        seq: i64,
        status: Option<i64>,
        requests: i64,
        now: i64,
    ) -> StoreResult<()> {
        // With the report counter of acknowledged dossiers (766, "hồ sơ đồng bộ") in one
        // transaction.
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |conn| {
            sqlx::query(
                "INSERT INTO national_sync (dossier_id, dossier_code, scope_path, acked_seq, \
                 acked_status, acked_at, requests, updated_at) VALUES ($1, $2, $3, $4, $5, $7, $6, $7) \
                 ON CONFLICT (dossier_id) DO UPDATE SET \
                 acked_status = CASE WHEN excluded.acked_seq > national_sync.acked_seq \
                   THEN excluded.acked_status ELSE national_sync.acked_status END, \
                 acked_seq = CASE WHEN excluded.acked_seq > national_sync.acked_seq \
                   THEN excluded.acked_seq ELSE national_sync.acked_seq END, \
                 acked_at = excluded.acked_at, dossier_code = excluded.dossier_code, \
                 scope_path = excluded.scope_path, \
                 requests = national_sync.requests + excluded.requests, \
                 last_error = NULL, failed_at = NULL, updated_at = excluded.updated_at",
            )
            .bind(dossier_id)
            .bind(dossier_code)
            .bind(scope_path)
            .bind(seq)
            .bind(status)
            .bind(requests)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        });
        tx.project_national_sync(dossier_id).await?;
        tx.commit().await
    }

    /// Records why the last attempt for a dossier failed; what was acknowledged stays.
    pub async fn record_national_failure(
        &self,
        dossier_id: i64,
        dossier_code: &str,
        scope_path: &str,
        error: &str,
        now: i64,
    ) -> StoreResult<()> {
        on_backend!(self, |pool| {
            sqlx::query(
                "INSERT INTO national_sync (dossier_id, dossier_code, scope_path, last_error, \
                 failed_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) \
                 ON CONFLICT (dossier_id) DO UPDATE SET last_error = excluded.last_error, \
                 failed_at = excluded.failed_at, updated_at = excluded.updated_at",
            )
            .bind(dossier_id)
            .bind(dossier_code)
            .bind(scope_path)
            .bind(error)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The comparison's totals over the dossiers under `paths` (`None`: all).
    pub async fn national_sync_counts(&self, paths: Option<&[String]>) -> StoreResult<SyncCounts> {
        let Some(clause) = scope_clause(paths, 1) else {
            return Ok(SyncCounts::default());
        };
        let sql = format!(
            "SELECT COUNT(*) AS dossiers, \
               COALESCE(SUM(CASE WHEN s.acked_seq >= d.last_seq THEN 1 ELSE 0 END), 0) AS in_sync, \
               COALESCE(SUM(CASE WHEN s.dossier_id IS NULL OR s.acked_seq = 0 THEN 1 ELSE 0 END), 0) \
                 AS never_acknowledged, \
               COALESCE(SUM(CASE WHEN s.last_error IS NOT NULL THEN 1 ELSE 0 END), 0) AS failing \
             FROM dossiers d LEFT JOIN national_sync s ON s.dossier_id = d.id \
             WHERE d.code IS NOT NULL AND {clause}"
        );
        Ok(on_backend!(self, |pool| {
            let mut query = sqlx::query_as::<_, SyncCounts>(sqlx::AssertSqlSafe(sql.as_str()));
            for path in paths.unwrap_or_default() {
                query = query.bind(path.as_str());
            }
            query.fetch_one(pool).await?
        }))
    }

    /// Up to `limit` dossiers under `paths` the portal lacks a step of (or whose last attempt
    /// failed), oldest first, after dossier id `after` (keyset).
    pub async fn national_sync_comparison(
        &self,
        paths: Option<&[String]>,
        selection: SyncSelection,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<SyncComparison>> {
        let Some(clause) = scope_clause(paths, 3) else {
            return Ok(Vec::new());
        };
        let which = match selection {
            SyncSelection::Behind => "(s.dossier_id IS NULL OR s.acked_seq < d.last_seq)",
            SyncSelection::Failing => "s.last_error IS NOT NULL",
        };
        let sql = format!(
            "SELECT d.id AS dossier_id, d.code AS dossier_code, d.agency_path, d.status_code, \
             d.last_seq, s.acked_seq, CAST(s.acked_status AS BIGINT) AS acked_status, s.acked_at, s.last_error, s.failed_at \
             FROM dossiers d LEFT JOIN national_sync s ON s.dossier_id = d.id \
             WHERE d.code IS NOT NULL AND d.id > $1 AND {which} AND {clause} \
             ORDER BY d.id LIMIT $2"
        );
        Ok(on_backend!(self, |pool| {
            let mut query = sqlx::query_as::<_, SyncComparison>(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(after)
                .bind(limit);
            for path in paths.unwrap_or_default() {
                query = query.bind(path.as_str());
            }
            query.fetch_all(pool).await?
        }))
    }
}
