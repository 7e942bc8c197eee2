//! The audit log: every sign-in, role change and administrative change, appended in the same
//! transaction as the change itself.

use crate::{Store, StoreResult, StoreTx, on_backend, on_tx};
use serde::{Deserialize, Serialize};

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub action: String,
    pub target: Option<String>,
    pub detail: String,
    pub ip: Option<String>,
}

/// What to append.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditEntry {
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub action: String,
    pub target: Option<String>,
    /// A JSON object with the details of the change.
    pub detail: String,
    pub ip: Option<String>,
}

impl Store {
    /// The latest entries, newest first, optionally only one action.
    pub async fn list_audit(
        &self,
        action: Option<&str>,
        limit: i64,
        before_id: Option<i64>,
    ) -> StoreResult<Vec<AuditRow>> {
        let before = before_id.unwrap_or(i64::MAX);
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, AuditRow>(
                "SELECT id, at, actor_kind, actor_id, action, target, detail, ip FROM audit_log \
                 WHERE ($1 IS NULL OR action = $1) AND id < $2 ORDER BY id DESC LIMIT $3",
            )
            .bind(action)
            .bind(before)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    /// [`Store::list_audit`] within one subtree of the organisation: the entries whose actor
    /// is an official or a system client of a unit at or below `path_prefix` (by the actor's
    /// unit now), and, when `with_unscoped`, the entries of actors that belong to no unit
    /// (citizens, visitors, the operator).
    pub async fn list_audit_within(
        &self,
        action: Option<&str>,
        limit: i64,
        before_id: Option<i64>,
        path_prefix: &str,
        with_unscoped: bool,
    ) -> StoreResult<Vec<AuditRow>> {
        let before = before_id.unwrap_or(i64::MAX);
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, AuditRow>(
                "SELECT a.id, a.at, a.actor_kind, a.actor_id, a.action, a.target, a.detail, a.ip \
                 FROM audit_log a \
                 LEFT JOIN officials o ON a.actor_kind = 'official' AND o.id = a.actor_id \
                 LEFT JOIN system_clients c ON a.actor_kind = 'client' AND c.id = a.actor_id \
                 LEFT JOIN org_units u ON u.id = COALESCE(o.unit_id, c.unit_id) \
                 WHERE ($1 IS NULL OR a.action = $1) AND a.id < $2 \
                 AND ((u.path IS NOT NULL AND substr(u.path, 1, length($4)) = $4) \
                      OR (u.path IS NULL AND $5)) \
                 ORDER BY a.id DESC LIMIT $3",
            )
            .bind(action)
            .bind(before)
            .bind(limit)
            .bind(path_prefix)
            .bind(with_unscoped)
            .fetch_all(pool)
            .await?
        }))
    }
}

impl StoreTx {
    pub async fn append_audit(&mut self, entry: &AuditEntry, at: i64) -> StoreResult<i64> {
        let detail = if entry.detail.is_empty() {
            "{}"
        } else {
            entry.detail.as_str()
        };
        let (id,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as(
                "INSERT INTO audit_log (at, actor_kind, actor_id, action, target, detail, ip) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(at)
            .bind(&entry.actor_kind)
            .bind(entry.actor_id)
            .bind(&entry.action)
            .bind(&entry.target)
            .bind(detail)
            .bind(&entry.ip)
            .fetch_one(&mut *conn)
            .await?
        });
        Ok(id)
    }
}
