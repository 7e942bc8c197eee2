//! System clients (hệ thống kết nối) and their API tokens. Only hashes of tokens are stored.

use crate::{Store, StoreError, StoreResult, StoreTx, on_backend, on_tx};
use serde::{Deserialize, Serialize};

/// A system client with the unit that bounds its jurisdiction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct SystemClientRow {
    pub id: i64,
    pub name: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_path: String,
    /// Permission names, comma-separated (`dossier_view,org_read`).
    pub permissions: String,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
    /// Where the client is told of status changes (its secret is never read with the row).
    pub webhook_url: Option<String>,
}

/// What an administrator sets on a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemClientInput {
    pub name: String,
    pub unit_id: i64,
    pub permissions: String,
    pub active: bool,
}

/// One token of a system client (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ClientTokenRow {
    pub id: i64,
    pub client_id: i64,
    pub name: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const CLIENT_COLUMNS: &str = "SELECT c.id, c.name, c.unit_id, u.name AS unit_name, u.path AS unit_path, \
     c.permissions, c.active, c.created_at, c.updated_at, c.webhook_url \
     FROM system_clients c JOIN org_units u ON u.id = c.unit_id";

impl Store {
    /// A client's webhook URL and signing secret, if it subscribed one.
    pub async fn client_webhook(&self, id: i64) -> StoreResult<Option<(String, String)>> {
        let row: Option<(Option<String>, Option<String>)> = on_backend!(self, |pool| {
            sqlx::query_as(
                "SELECT webhook_url, webhook_secret FROM system_clients WHERE id = $1 AND active",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        Ok(match row {
            Some((Some(url), Some(secret))) => Some((url, secret)),
            _ => None,
        })
    }

    /// Every system client, by name.
    pub async fn list_system_clients(&self) -> StoreResult<Vec<SystemClientRow>> {
        let sql = format!("{CLIENT_COLUMNS} ORDER BY c.name, c.id");
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, SystemClientRow>(sqlx::AssertSqlSafe(sql))
                .fetch_all(pool)
                .await?
        }))
    }

    pub async fn get_system_client(&self, id: i64) -> StoreResult<SystemClientRow> {
        let sql = format!("{CLIENT_COLUMNS} WHERE c.id = $1");
        let row = on_backend!(self, |pool| {
            sqlx::query_as::<_, SystemClientRow>(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// The token with this hash, whatever its state (the caller judges expiry and revocation).
    pub async fn get_client_token(&self, token_hash: &str) -> StoreResult<ClientTokenRow> {
        let row = on_backend!(self, |pool| {
            sqlx::query_as::<_, ClientTokenRow>(
                "SELECT id, client_id, name, created_at, expires_at, revoked_at \
                 FROM system_client_tokens WHERE token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// The tokens of one client, newest first.
    pub async fn client_tokens(&self, client_id: i64) -> StoreResult<Vec<ClientTokenRow>> {
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, ClientTokenRow>(
                "SELECT id, client_id, name, created_at, expires_at, revoked_at \
                 FROM system_client_tokens WHERE client_id = $1 ORDER BY id DESC",
            )
            .bind(client_id)
            .fetch_all(pool)
            .await?
        }))
    }
}

impl StoreTx {
    pub async fn insert_system_client(
        &mut self,
        input: &SystemClientInput,
        at: i64,
    ) -> StoreResult<i64> {
        let (id,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as(
                "INSERT INTO system_clients (name, unit_id, permissions, active, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
            )
            .bind(&input.name)
            .bind(input.unit_id)
            .bind(&input.permissions)
            .bind(input.active)
            .bind(at)
            .fetch_one(&mut *conn)
            .await?
        });
        Ok(id)
    }

    pub async fn update_system_client(
        &mut self,
        id: i64,
        input: &SystemClientInput,
        at: i64,
    ) -> StoreResult<()> {
        let affected = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE system_clients SET name = $1, unit_id = $2, permissions = $3, active = $4, \
                 updated_at = $5 WHERE id = $6",
            )
            .bind(&input.name)
            .bind(input.unit_id)
            .bind(&input.permissions)
            .bind(input.active)
            .bind(at)
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        if affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub async fn insert_client_token(
        &mut self,
        token_hash: &str,
        client_id: i64,
        name: &str,
        expires_at: Option<i64>,
        at: i64,
    ) -> StoreResult<i64> {
        let (id,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as(
                "INSERT INTO system_client_tokens (token_hash, client_id, name, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(token_hash)
            .bind(client_id)
            .bind(name)
            .bind(at)
            .bind(expires_at)
            .fetch_one(&mut *conn)
            .await?
        });
        Ok(id)
    }

    /// Revokes one token of one client; `NotFound` when it is not that client's or already
    /// revoked (so a second revocation changes nothing and says so).
    pub async fn revoke_client_token(
        &mut self,
        client_id: i64,
        token_id: i64,
        at: i64,
    ) -> StoreResult<()> {
        let affected = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE system_client_tokens SET revoked_at = $1 \
                 WHERE id = $2 AND client_id = $3 AND revoked_at IS NULL",
            )
            .bind(at)
            .bind(token_id)
            .bind(client_id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        if affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}

impl StoreTx {
    /// Sets (both given) or removes (both `None`) a client's webhook.
    pub async fn set_client_webhook(
        &mut self,
        id: i64,
        url: Option<&str>,
        secret: Option<&str>,
        at: i64,
    ) -> StoreResult<()> {
        let changed = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE system_clients SET webhook_url = $2, webhook_secret = $3, updated_at = $4 \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(url)
            .bind(secret)
            .bind(at)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// The active clients with a webhook that may see the dossiers of the agency at `path`:
    /// their unit is the agency or above it, and they hold `dossier_view`.
    pub async fn webhook_subscribers(&mut self, path: &str) -> StoreResult<Vec<i64>> {
        let rows: Vec<(i64,)> = on_tx!(self, |conn| {
            sqlx::query_as(
                "SELECT c.id FROM system_clients c JOIN org_units u ON u.id = c.unit_id \
                 WHERE c.active AND c.webhook_url IS NOT NULL \
                 AND substr($1, 1, length(u.path)) = u.path \
                 AND (',' || c.permissions || ',') LIKE '%,dossier_view,%' ORDER BY c.id",
            )
            .bind(path)
            .fetch_all(&mut *conn)
            .await?
        });
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }
}
