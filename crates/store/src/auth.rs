//! Sessions, one-time verification codes and API tokens. Only hashes of secrets are stored.

use crate::{Store, StoreError, StoreResult, StoreTx, on_backend, on_tx};
use serde::{Deserialize, Serialize};

/// A stored session. `stage` is `full` or `totp_pending` (password checked, code still due).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct SessionRow {
    pub token_hash: String,
    pub principal_kind: String,
    pub principal_id: i64,
    pub stage: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A pending one-time code.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct VerificationCodeRow {
    pub id: i64,
    pub citizen_id: i64,
    pub channel: String,
    pub destination: String,
    pub code_hash: String,
    pub expires_at: i64,
    pub attempts: i64,
}

/// An API token's owner.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApiTokenRow {
    pub id: i64,
    pub official_id: i64,
    pub name: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl Store {
    /// The live session with this token hash, if any.
    pub async fn get_session(&self, token_hash: &str, now: i64) -> StoreResult<Option<SessionRow>> {
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, SessionRow>(
                "SELECT token_hash, principal_kind, principal_id, stage, created_at, expires_at \
                 FROM sessions WHERE token_hash = $1 AND expires_at > $2",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?
        }))
    }

    pub async fn get_api_token(&self, token_hash: &str) -> StoreResult<ApiTokenRow> {
        let row = on_backend!(self, |pool| {
            sqlx::query_as::<_, ApiTokenRow>(
                "SELECT id, official_id, name, created_at, expires_at, revoked_at FROM api_tokens WHERE token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// Every API token of one official (live, expired and revoked), newest first.
    pub async fn api_tokens_of(&self, official_id: i64) -> StoreResult<Vec<ApiTokenRow>> {
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, ApiTokenRow>(
                "SELECT id, official_id, name, created_at, expires_at, revoked_at FROM api_tokens \
                 WHERE official_id = $1 ORDER BY id DESC",
            )
            .bind(official_id)
            .fetch_all(pool)
            .await?
        }))
    }
}

impl StoreTx {
    pub async fn insert_session(&mut self, row: &SessionRow) -> StoreResult<()> {
        on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO sessions (token_hash, principal_kind, principal_id, stage, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&row.token_hash)
            .bind(&row.principal_kind)
            .bind(row.principal_id)
            .bind(&row.stage)
            .bind(row.created_at)
            .bind(row.expires_at)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    pub async fn delete_session(&mut self, token_hash: &str) -> StoreResult<()> {
        on_tx!(self, |conn| {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }

    /// Ends every session of one principal (after a password change or deactivation).
    pub async fn delete_sessions_of(
        &mut self,
        principal_kind: &str,
        principal_id: i64,
    ) -> StoreResult<()> {
        on_tx!(self, |conn| {
            sqlx::query("DELETE FROM sessions WHERE principal_kind = $1 AND principal_id = $2")
                .bind(principal_kind)
                .bind(principal_id)
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }

    pub async fn delete_expired_sessions(&mut self, now: i64) -> StoreResult<u64> {
        Ok(on_tx!(self, |conn| {
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        }))
    }

    pub async fn insert_verification_code(
        &mut self,
        citizen_id: i64,
        channel: &str,
        destination: &str,
        code_hash: &str,
        expires_at: i64,
        at: i64,
    ) -> StoreResult<i64> {
        // A new code replaces any earlier one: only the latest code can be used.
        on_tx!(self, |conn| {
            sqlx::query("UPDATE verification_codes SET consumed_at = $1 WHERE citizen_id = $2 AND consumed_at IS NULL")
                .bind(at)
                .bind(citizen_id)
                .execute(&mut *conn)
                .await?;
        });
        let (id,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as(
                "INSERT INTO verification_codes (citizen_id, channel, destination, code_hash, expires_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(citizen_id)
            .bind(channel)
            .bind(destination)
            .bind(code_hash)
            .bind(expires_at)
            .bind(at)
            .fetch_one(&mut *conn)
            .await?
        });
        Ok(id)
    }

    pub async fn active_verification_code(
        &mut self,
        citizen_id: i64,
        now: i64,
    ) -> StoreResult<Option<VerificationCodeRow>> {
        Ok(on_tx!(self, |conn| {
            sqlx::query_as::<_, VerificationCodeRow>(
                "SELECT id, citizen_id, channel, destination, code_hash, expires_at, attempts FROM verification_codes \
                 WHERE citizen_id = $1 AND consumed_at IS NULL AND expires_at > $2 ORDER BY id DESC LIMIT 1",
            )
            .bind(citizen_id)
            .bind(now)
            .fetch_optional(&mut *conn)
            .await?
        }))
    }

    pub async fn record_code_attempt(&mut self, id: i64) -> StoreResult<()> {
        on_tx!(self, |conn| {
            sqlx::query("UPDATE verification_codes SET attempts = attempts + 1 WHERE id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }

    pub async fn consume_code(&mut self, id: i64, at: i64) -> StoreResult<()> {
        on_tx!(self, |conn| {
            sqlx::query("UPDATE verification_codes SET consumed_at = $1 WHERE id = $2")
                .bind(at)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }

    pub async fn insert_api_token(
        &mut self,
        token_hash: &str,
        official_id: i64,
        name: &str,
        expires_at: Option<i64>,
        at: i64,
    ) -> StoreResult<i64> {
        let (id,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as(
                "INSERT INTO api_tokens (token_hash, official_id, name, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(token_hash)
            .bind(official_id)
            .bind(name)
            .bind(at)
            .bind(expires_at)
            .fetch_one(&mut *conn)
            .await?
        });
        Ok(id)
    }

    /// Revokes one of `official_id`'s tokens; false when they hold no live token with that id.
    pub async fn revoke_api_token(
        &mut self,
        id: i64,
        official_id: i64,
        at: i64,
    ) -> StoreResult<bool> {
        let changed = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 \
                 WHERE id = $2 AND official_id = $3 AND revoked_at IS NULL",
            )
            .bind(at)
            .bind(id)
            .bind(official_id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        Ok(changed > 0)
    }

    /// Revokes every live token of an official (after a password change); returns how many.
    pub async fn revoke_api_tokens_of(&mut self, official_id: i64, at: i64) -> StoreResult<u64> {
        Ok(on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE official_id = $2 AND revoked_at IS NULL",
            )
            .bind(at)
            .bind(official_id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        }))
    }
}
