//! The outbox: side effects (e-mail, SMS, later national-portal sync and exchange) are rows
//! written in the business transaction and delivered afterwards by a durable worker.
//!
//! Claiming uses a lease (`locked_until`) so that a worker that dies mid-delivery releases its
//! rows when the lease expires; delivery is therefore at least once and handlers are idempotent.

use crate::{Backend, Store, StoreResult, StoreTx, on_backend, on_tx};
use serde::{Deserialize, Serialize};

/// One pending side effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
    /// For a row carrying a secret: after this time it is not sent any more (see
    /// [`StoreTx::enqueue_secret`]).
    pub discard_after: Option<i64>,
}

/// One outbox row as the administration page shows it: never the payload, which may carry a
/// one-time code or a personal address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct OutboxEntry {
    pub id: i64,
    pub kind: String,
    pub scope_path: Option<String>,
    pub created_at: i64,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub done_at: Option<i64>,
}

/// How many rows of one kind wait, keep failing, or were delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct OutboxKindCount {
    pub kind: String,
    pub pending: i64,
    pub failing: i64,
    /// Delivered.
    pub done: i64,
    /// Given up (dead letters): done but never delivered.
    pub dead: i64,
}

/// Which rows an administrator may see: rows under one of `paths`, plus rows that concern no
/// unit when `unscoped` is set. `paths: None` means every row.
#[derive(Debug, Clone, Default)]
pub struct OutboxScope {
    pub paths: Option<Vec<String>>,
    pub unscoped: bool,
}

impl OutboxScope {
    /// The WHERE fragment (numbered from `$first`) and its binds; `None` when nothing is visible.
    pub(crate) fn clause(&self, first: usize) -> Option<(String, Vec<String>)> {
        let Some(paths) = &self.paths else {
            return Some(("1 = 1".to_owned(), Vec::new()));
        };
        let mut parts: Vec<String> = paths
            .iter()
            .enumerate()
            .map(|(i, _)| {
                let p = format!("${}", first + i);
                format!("(scope_path IS NOT NULL AND substr(scope_path, 1, length({p})) = {p})")
            })
            .collect();
        if self.unscoped {
            parts.push("scope_path IS NULL".to_owned());
        }
        if parts.is_empty() {
            return None;
        }
        Some((format!("({})", parts.join(" OR ")), paths.clone()))
    }
}

impl StoreTx {
    pub async fn enqueue(&mut self, kind: &str, payload: &str, at: i64) -> StoreResult<i64> {
        self.enqueue_scoped(kind, payload, at, None).await
    }

    /// [`StoreTx::enqueue`] for a row that concerns one unit's subtree (its path).
    pub async fn enqueue_scoped(
        &mut self,
        kind: &str,
        payload: &str,
        at: i64,
        scope_path: Option<&str>,
    ) -> StoreResult<i64> {
        let (id,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as(
                "INSERT INTO outbox (kind, payload, created_at, available_at, scope_path) VALUES ($1, $2, $3, $3, $4) RETURNING id",
            )
            .bind(kind)
            .bind(payload)
            .bind(at)
            .bind(scope_path)
            .fetch_one(&mut *conn)
            .await?
        });
        Ok(id)
    }

    /// Enqueues a row whose payload carries a secret (a one-time code). Once the row is done
    /// (delivered, or dropped because `discard_after` passed) its payload is replaced by
    /// `redacted`, so the secret does not stay in the database in clear text.
    pub async fn enqueue_secret(
        &mut self,
        kind: &str,
        channel: &str,
        payload: &str,
        redacted: &str,
        discard_after: i64,
        at: i64,
    ) -> StoreResult<i64> {
        let (id,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as(
                "INSERT INTO outbox (kind, payload, redacted_payload, discard_after, created_at, available_at, channel) \
                 VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id",
            )
            .bind(kind)
            .bind(payload)
            .bind(redacted)
            .bind(discard_after)
            .bind(at)
            .bind(channel)
            .fetch_one(&mut *conn)
            .await?
        });
        Ok(id)
    }
}

impl Store {
    /// Leases up to `limit` due rows of the given kinds for `lease_micros`. A worker claims
    /// only the kinds it can deliver: rows of a kind no worker handles yet wait untouched
    /// (and visible) instead of failing and backing off forever.
    pub async fn claim_outbox(
        &self,
        now: i64,
        lease_micros: i64,
        limit: i64,
        kinds: &[&str],
    ) -> StoreResult<Vec<OutboxRow>> {
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        let until = now.saturating_add(lease_micros);
        // Only numbered placeholders are formatted in; the kinds are bound.
        let kind_list = (0..kinds.len())
            .map(|i| format!("${}", i + 4))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = match self.backend() {
            Backend::Postgres => {
                let sql = format!(
                    "UPDATE outbox SET locked_until = $1, attempts = attempts + 1 WHERE id IN ( \
                       SELECT id FROM outbox WHERE done_at IS NULL AND available_at <= $2 \
                       AND (locked_until IS NULL OR locked_until <= $2) AND kind IN ({kind_list}) \
                       ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING id, kind, payload, attempts, discard_after"
                );
                on_backend!(self, |pool| {
                    let mut query =
                        sqlx::query_as::<_, OutboxRow>(sqlx::AssertSqlSafe(sql.as_str()))
                            .bind(until)
                            .bind(now)
                            .bind(limit);
                    for kind in kinds {
                        query = query.bind(*kind);
                    }
                    query.fetch_all(pool).await?
                })
            }
            Backend::Sqlite => {
                // SQLite has one writer at a time, so a plain UPDATE … RETURNING is already
                // exclusive.
                let sql = format!(
                    "UPDATE outbox SET locked_until = $1, attempts = attempts + 1 WHERE id IN ( \
                       SELECT id FROM outbox WHERE done_at IS NULL AND available_at <= $2 \
                       AND (locked_until IS NULL OR locked_until <= $2) AND kind IN ({kind_list}) \
                       ORDER BY id LIMIT $3) RETURNING id, kind, payload, attempts, discard_after"
                );
                on_backend!(self, |pool| {
                    let mut query =
                        sqlx::query_as::<_, OutboxRow>(sqlx::AssertSqlSafe(sql.as_str()))
                            .bind(until)
                            .bind(now)
                            .bind(limit);
                    for kind in kinds {
                        query = query.bind(*kind);
                    }
                    query.fetch_all(pool).await?
                })
            }
        };
        Ok(rows)
    }

    pub async fn complete_outbox(&self, id: i64, now: i64) -> StoreResult<()> {
        self.complete_outbox_rows(&[id], now).await
    }

    /// Marks several delivered rows done in one statement (one commit for a whole batch, so
    /// the worker does not add a commit per notification to the database's write load).
    pub async fn complete_outbox_rows(&self, ids: &[i64], now: i64) -> StoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let placeholders = (0..ids.len())
            .map(|i| format!("${}", i + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "UPDATE outbox SET done_at = $1, locked_until = NULL, last_error = NULL, \
             payload = COALESCE(redacted_payload, payload), redacted_payload = NULL WHERE id IN ({placeholders})"
        );
        on_backend!(self, |pool| {
            // Only numbered placeholders are formatted in; the ids are bound.
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(now);
            for id in ids {
                query = query.bind(*id);
            }
            query.execute(pool).await?;
        });
        Ok(())
    }

    /// Records a failed attempt and schedules the next one at `retry_at`.
    pub async fn fail_outbox(&self, id: i64, error: &str, retry_at: i64) -> StoreResult<()> {
        on_backend!(self, |pool| {
            sqlx::query("UPDATE outbox SET last_error = $1, available_at = $2, locked_until = NULL WHERE id = $3")
                .bind(error)
                .bind(retry_at)
                .bind(id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Gives up a row whose secret is no longer worth sending: done, with `reason` as its
    /// last error and the secret removed from its payload.
    pub async fn discard_outbox(&self, id: i64, reason: &str, now: i64) -> StoreResult<()> {
        on_backend!(self, |pool| {
            sqlx::query(
                "UPDATE outbox SET done_at = $1, locked_until = NULL, last_error = $2, \
                 payload = COALESCE(redacted_payload, payload), redacted_payload = NULL WHERE id = $3",
            )
            .bind(now)
            .bind(reason)
            .bind(id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Rows not yet delivered (for health pages and the test harness).
    pub async fn pending_outbox(&self) -> StoreResult<i64> {
        let (count,): (i64,) = on_backend!(self, |pool| {
            sqlx::query_as("SELECT COUNT(*) FROM outbox WHERE done_at IS NULL")
                .fetch_one(pool)
                .await?
        });
        Ok(count)
    }

    /// Every row of one kind, oldest first (for tests and the delivery log page).
    pub async fn outbox_of_kind(&self, kind: &str) -> StoreResult<Vec<OutboxRow>> {
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, OutboxRow>(
                "SELECT id, kind, payload, attempts, discard_after FROM outbox WHERE kind = $1 ORDER BY id",
            )
            .bind(kind)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Per kind: rows waiting, waiting after a failed attempt, and delivered, within `scope`.
    pub async fn outbox_counts(&self, scope: &OutboxScope) -> StoreResult<Vec<OutboxKindCount>> {
        let Some((clause, binds)) = scope.clause(1) else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT kind, \
               SUM(CASE WHEN done_at IS NULL THEN 1 ELSE 0 END) AS pending, \
               SUM(CASE WHEN done_at IS NULL AND last_error IS NOT NULL THEN 1 ELSE 0 END) AS failing, \
               SUM(CASE WHEN done_at IS NOT NULL AND dead_at IS NULL THEN 1 ELSE 0 END) AS done, \
               SUM(CASE WHEN dead_at IS NOT NULL THEN 1 ELSE 0 END) AS dead \
             FROM outbox WHERE {clause} GROUP BY kind ORDER BY kind"
        );
        Ok(on_backend!(self, |pool| {
            let mut query = sqlx::query_as::<_, OutboxKindCount>(sqlx::AssertSqlSafe(sql.as_str()));
            for bind in &binds {
                query = query.bind(bind.as_str());
            }
            query.fetch_all(pool).await?
        }))
    }

    /// The oldest `limit` undelivered rows within `scope`.
    pub async fn outbox_waiting(
        &self,
        scope: &OutboxScope,
        limit: i64,
    ) -> StoreResult<Vec<OutboxEntry>> {
        let Some((clause, binds)) = scope.clause(2) else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT id, kind, scope_path, created_at, attempts, last_error, done_at FROM outbox \
             WHERE done_at IS NULL AND {clause} ORDER BY id LIMIT $1"
        );
        Ok(on_backend!(self, |pool| {
            let mut query =
                sqlx::query_as::<_, OutboxEntry>(sqlx::AssertSqlSafe(sql.as_str())).bind(limit);
            for bind in &binds {
                query = query.bind(bind.as_str());
            }
            query.fetch_all(pool).await?
        }))
    }
}
