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

impl StoreTx {
    pub async fn enqueue(&mut self, kind: &str, payload: &str, at: i64) -> StoreResult<i64> {
        let (id,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as(
                "INSERT INTO outbox (kind, payload, created_at, available_at) VALUES ($1, $2, $3, $3) RETURNING id",
            )
            .bind(kind)
            .bind(payload)
            .bind(at)
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
        payload: &str,
        redacted: &str,
        discard_after: i64,
        at: i64,
    ) -> StoreResult<i64> {
        let (id,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as(
                "INSERT INTO outbox (kind, payload, redacted_payload, discard_after, created_at, available_at) \
                 VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
            )
            .bind(kind)
            .bind(payload)
            .bind(redacted)
            .bind(discard_after)
            .bind(at)
            .fetch_one(&mut *conn)
            .await?
        });
        Ok(id)
    }
}

impl Store {
    /// Leases up to `limit` due rows for `lease_micros`.
    pub async fn claim_outbox(
        &self,
        now: i64,
        lease_micros: i64,
        limit: i64,
    ) -> StoreResult<Vec<OutboxRow>> {
        let until = now.saturating_add(lease_micros);
        let rows = match self.backend() {
            Backend::Postgres => on_backend!(self, |pool| {
                sqlx::query_as::<_, OutboxRow>(
                    "UPDATE outbox SET locked_until = $1, attempts = attempts + 1 WHERE id IN ( \
                       SELECT id FROM outbox WHERE done_at IS NULL AND available_at <= $2 \
                       AND (locked_until IS NULL OR locked_until <= $2) ORDER BY id LIMIT $3 \
                       FOR UPDATE SKIP LOCKED) RETURNING id, kind, payload, attempts, discard_after",
                )
                .bind(until)
                .bind(now)
                .bind(limit)
                .fetch_all(pool)
                .await?
            }),
            Backend::Sqlite => {
                // SQLite has one writer at a time, so a plain UPDATE … RETURNING is already
                // exclusive.
                on_backend!(self, |pool| {
                    sqlx::query_as::<_, OutboxRow>(
                        "UPDATE outbox SET locked_until = $1, attempts = attempts + 1 WHERE id IN ( \
                           SELECT id FROM outbox WHERE done_at IS NULL AND available_at <= $2 \
                           AND (locked_until IS NULL OR locked_until <= $2) ORDER BY id LIMIT $3) \
                         RETURNING id, kind, payload, attempts, discard_after",
                    )
                    .bind(until)
                    .bind(now)
                    .bind(limit)
                    .fetch_all(pool)
                    .await?
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
}
