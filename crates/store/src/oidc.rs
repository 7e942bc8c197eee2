//! Pending OpenID Connect sign-ins, kept server-side so that the browser only carries `state`
//! and a stolen or replayed `state` is worth nothing once used or expired.

use crate::{StoreResult, StoreTx, on_tx};

/// One pending authorisation request, keyed by the SHA-256 of its `state`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OidcLoginRow {
    pub state_hash: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// `citizen` or `official`: which kind of account the sign-in is for.
    pub purpose: String,
    /// A local path to go to after signing in.
    pub return_to: String,
    /// SHA-256 of the browser's CSRF cookie, binding the request to the browser that made it.
    pub browser_hash: String,
    pub created_at: i64,
    pub expires_at: i64,
}

impl StoreTx {
    /// Stores a pending sign-in and drops the ones that expired before `now`, so abandoned
    /// attempts do not pile up.
    pub async fn insert_oidc_login(&mut self, row: &OidcLoginRow, now: i64) -> StoreResult<()> {
        on_tx!(self, |conn| {
            sqlx::query("DELETE FROM oidc_logins WHERE expires_at <= $1")
                .bind(now)
                .execute(&mut *conn)
                .await?;
        });
        on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO oidc_logins (state_hash, nonce, pkce_verifier, purpose, return_to, browser_hash, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&row.state_hash)
            .bind(&row.nonce)
            .bind(&row.pkce_verifier)
            .bind(&row.purpose)
            .bind(&row.return_to)
            .bind(&row.browser_hash)
            .bind(row.created_at)
            .bind(row.expires_at)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// Removes and returns the pending sign-in for `state_hash`, expired or not (the caller
    /// decides, so it can say "expired" rather than "unknown"). A second call returns `None`:
    /// deleting is what makes a `state` single-use.
    pub async fn take_oidc_login(&mut self, state_hash: &str) -> StoreResult<Option<OidcLoginRow>> {
        Ok(on_tx!(self, |conn| {
            sqlx::query_as::<_, OidcLoginRow>(
                "DELETE FROM oidc_logins WHERE state_hash = $1 \
                 RETURNING state_hash, nonce, pkce_verifier, purpose, return_to, browser_hash, created_at, expires_at",
            )
            .bind(state_hash)
            .fetch_optional(&mut *conn)
            .await?
        }))
    }
}
