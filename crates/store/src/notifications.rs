//! Notifications (migration 0019): each citizen's channels and language, administrators'
//! wording of the message templates, the delivery log over the outbox (dead letters, retry,
//! cancel), the messages the Zalo Official Account received, channel tokens shared by all
//! nodes, and (migration 0022) the pending first authorisations of a channel account.

use crate::outbox::OutboxScope;
use crate::{Store, StoreResult, StoreTx, on_backend, on_tx};
use serde::{Deserialize, Serialize};

/// A citizen's choice of channels and language (`None` from the store: the defaults apply).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct PreferencesRow {
    pub citizen_id: i64,
    pub email: bool,
    pub sms: bool,
    pub zalo: bool,
    pub language: String,
}

/// An administrator's text for one part of one template in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct TemplateOverrideRow {
    pub template: String,
    pub language: String,
    pub part: String,
    pub text: String,
    pub updated_at: i64,
    pub updated_by: Option<i64>,
}

/// One message of the delivery log. The payload is read by the app, which shows only a masked
/// recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: i64,
    pub kind: String,
    pub channel: Option<String>,
    pub payload: String,
    pub scope_path: Option<String>,
    pub created_at: i64,
    pub available_at: i64,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub done_at: Option<i64>,
    pub dead_at: Option<i64>,
}

/// Which messages of the delivery log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    #[default]
    All,
    /// Not sent yet (including those that failed and wait for a retry).
    Pending,
    /// Waiting after at least one failed attempt.
    Failing,
    /// Given up: the last attempt failed, the channel refused it for good, or cancelled.
    Dead,
    Delivered,
}

impl DeliveryState {
    fn clause(self) -> &'static str {
        match self {
            Self::All => "1 = 1",
            Self::Pending => "done_at IS NULL",
            Self::Failing => "done_at IS NULL AND last_error IS NOT NULL",
            Self::Dead => "dead_at IS NOT NULL",
            Self::Delivered => "done_at IS NOT NULL AND dead_at IS NULL",
        }
    }
}

/// Tokens of a channel (Zalo OA) with the version that guards their replacement.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChannelTokensRow {
    pub access_token: String,
    pub refresh_token: String,
    pub access_expires_at: i64,
    pub version: i64,
}

impl StoreTx {
    /// [`StoreTx::enqueue_scoped`] for a message on one channel, so the delivery log can show
    /// and filter the channel without reading payloads.
    pub async fn enqueue_on_channel(
        &mut self,
        kind: &str,
        channel: &str,
        payload: &str,
        at: i64,
        scope_path: Option<&str>,
    ) -> StoreResult<i64> {
        let (id,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as(
                "INSERT INTO outbox (kind, channel, payload, created_at, available_at, scope_path) \
                 VALUES ($1, $2, $3, $4, $4, $5) RETURNING id",
            )
            .bind(kind)
            .bind(channel)
            .bind(payload)
            .bind(at)
            .bind(scope_path)
            .fetch_one(&mut *conn)
            .await?
        });
        Ok(id)
    }

    /// Stores a message received from a chat platform; `false` when it was already stored (the
    /// platform sent the same event again).
    pub async fn record_chat_message(
        &mut self,
        platform: &str,
        message_id: &str,
        user_id: &str,
        text: &str,
        at: i64,
    ) -> StoreResult<bool> {
        let inserted: Option<(i64,)> = on_tx!(self, |conn| {
            sqlx::query_as(
                "INSERT INTO chat_messages (platform, message_id, user_id, text, received_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (platform, message_id) DO NOTHING RETURNING id",
            )
            .bind(platform)
            .bind(message_id)
            .bind(user_id)
            .bind(text)
            .bind(at)
            .fetch_optional(&mut *conn)
            .await?
        });
        Ok(inserted.is_some())
    }
}

impl StoreTx {
    /// Sets an administrator's text for one part of a template, or with `None` goes back to
    /// the catalogue's.
    pub async fn set_notification_template(
        &mut self,
        template: &str,
        language: &str,
        part: &str,
        text: Option<&str>,
        now: i64,
        by: Option<i64>,
    ) -> StoreResult<()> {
        on_tx!(self, |conn| {
            match text {
                Some(text) => {
                    sqlx::query(
                        "INSERT INTO notification_templates (template, language, part, text, updated_at, updated_by) \
                         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (template, language, part) DO UPDATE SET \
                         text = excluded.text, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                    )
                    .bind(template)
                    .bind(language)
                    .bind(part)
                    .bind(text)
                    .bind(now)
                    .bind(by)
                    .execute(&mut *conn)
                    .await?;
                }
                None => {
                    sqlx::query(
                        "DELETE FROM notification_templates WHERE template = $1 AND language = $2 AND part = $3",
                    )
                    .bind(template)
                    .bind(language)
                    .bind(part)
                    .execute(&mut *conn)
                    .await?;
                }
            }
        });
        Ok(())
    }

    /// Sends a waiting or dead message again now, as new (no attempts, no error); `false` when
    /// the row is delivered (never sent twice by hand) or does not exist.
    pub async fn retry_outbox(&mut self, id: i64, now: i64) -> StoreResult<bool> {
        let changed = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE outbox SET done_at = NULL, dead_at = NULL, attempts = 0, last_error = NULL, available_at = $1, \
                 locked_until = NULL WHERE id = $2 AND (done_at IS NULL OR dead_at IS NOT NULL) \
                 AND redacted_payload IS NULL AND discard_after IS NULL",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        Ok(changed == 1)
    }

    /// Cancels a message that has not gone out; `false` when it is done already.
    pub async fn cancel_outbox(&mut self, id: i64, reason: &str, now: i64) -> StoreResult<bool> {
        let changed = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE outbox SET done_at = $1, dead_at = $1, last_error = $2, locked_until = NULL, \
                 payload = COALESCE(redacted_payload, payload), redacted_payload = NULL \
                 WHERE id = $3 AND done_at IS NULL",
            )
            .bind(now)
            .bind(reason)
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        Ok(changed == 1)
    }
}

impl Store {
    pub async fn notification_preferences(
        &self,
        citizen_id: i64,
    ) -> StoreResult<Option<PreferencesRow>> {
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, PreferencesRow>(
                "SELECT citizen_id, email, sms, zalo, language FROM notification_preferences WHERE citizen_id = $1",
            )
            .bind(citizen_id)
            .fetch_optional(pool)
            .await?
        }))
    }

    pub async fn set_notification_preferences(
        &self,
        preferences: &PreferencesRow,
        now: i64,
    ) -> StoreResult<()> {
        on_backend!(self, |pool| {
            sqlx::query(
                "INSERT INTO notification_preferences (citizen_id, email, sms, zalo, language, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (citizen_id) DO UPDATE SET \
                 email = excluded.email, sms = excluded.sms, zalo = excluded.zalo, \
                 language = excluded.language, updated_at = excluded.updated_at",
            )
            .bind(preferences.citizen_id)
            .bind(preferences.email)
            .bind(preferences.sms)
            .bind(preferences.zalo)
            .bind(&preferences.language)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    pub async fn notification_template_overrides(&self) -> StoreResult<Vec<TemplateOverrideRow>> {
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, TemplateOverrideRow>(
                "SELECT template, language, part, text, updated_at, updated_by FROM notification_templates \
                 ORDER BY template, language, part",
            )
            .fetch_all(pool)
            .await?
        }))
    }

    /// Gives a message up: done but not delivered, with `error` as the reason.
    pub async fn dead_letter_outbox(&self, id: i64, error: &str, now: i64) -> StoreResult<()> {
        on_backend!(self, |pool| {
            sqlx::query(
                "UPDATE outbox SET done_at = $1, dead_at = $1, last_error = $2, locked_until = NULL, \
                 payload = COALESCE(redacted_payload, payload), redacted_payload = NULL WHERE id = $3",
            )
            .bind(now)
            .bind(error)
            .bind(id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// One row of the delivery log.
    pub async fn delivery(&self, id: i64) -> StoreResult<DeliveryRow> {
        on_backend!(self, |pool| {
            sqlx::query_as::<_, DeliveryRow>(
                "SELECT id, kind, channel, payload, scope_path, created_at, available_at, attempts, \
                 last_error, done_at, dead_at FROM outbox WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        })
        .ok_or(crate::StoreError::NotFound)
    }

    /// The newest messages to people (`kind`), within `scope`, on `channel` if given, in
    /// `state`, older than `before_id` if given (the next page).
    pub async fn delivery_log(
        &self,
        kind: &str,
        scope: &OutboxScope,
        channel: Option<&str>,
        state: DeliveryState,
        before_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<DeliveryRow>> {
        let Some((clause, binds)) = scope.clause(5) else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT id, kind, channel, payload, scope_path, created_at, available_at, attempts, \
             last_error, done_at, dead_at FROM outbox WHERE kind = $1 \
             AND ($2 = '' OR channel = $2) AND id < $3 AND {} AND {clause} \
             ORDER BY id DESC LIMIT $4",
            state.clause()
        );
        Ok(on_backend!(self, |pool| {
            let mut query = sqlx::query_as::<_, DeliveryRow>(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(kind)
                .bind(channel.unwrap_or(""))
                .bind(before_id.unwrap_or(i64::MAX))
                .bind(limit);
            for bind in &binds {
                query = query.bind(bind.as_str());
            }
            query.fetch_all(pool).await?
        }))
    }

    pub async fn channel_tokens(&self, channel: &str) -> StoreResult<Option<ChannelTokensRow>> {
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, ChannelTokensRow>(
                "SELECT access_token, refresh_token, access_expires_at, version FROM channel_tokens WHERE channel = $1",
            )
            .bind(channel)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Replaces a channel's tokens if they are still at `expected_version` (`None`: there are
    /// none yet); `false` when another node replaced them first.
    pub async fn replace_channel_tokens(
        &self,
        channel: &str,
        tokens: &ChannelTokensRow,
        expected_version: Option<i64>,
        now: i64,
    ) -> StoreResult<bool> {
        let changed = on_backend!(self, |pool| {
            match expected_version {
                None => sqlx::query(
                    "INSERT INTO channel_tokens (channel, access_token, refresh_token, access_expires_at, version, updated_at) \
                     VALUES ($1, $2, $3, $4, 1, $5) ON CONFLICT (channel) DO NOTHING",
                )
                .bind(channel)
                .bind(&tokens.access_token)
                .bind(&tokens.refresh_token)
                .bind(tokens.access_expires_at)
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected(),
                Some(version) => sqlx::query(
                    "UPDATE channel_tokens SET access_token = $1, refresh_token = $2, access_expires_at = $3, \
                     version = version + 1, updated_at = $4 WHERE channel = $5 AND version = $6",
                )
                .bind(&tokens.access_token)
                .bind(&tokens.refresh_token)
                .bind(tokens.access_expires_at)
                .bind(now)
                .bind(channel)
                .bind(version)
                .execute(pool)
                .await?
                .rows_affected(),
            }
        });
        Ok(changed == 1)
    }
}

/// A pending first authorisation of a channel account (migration 0022), keyed by the SHA-256
/// of its `state`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChannelAuthorisationRow {
    pub state_hash: String,
    pub channel: String,
    pub pkce_verifier: String,
    /// The administrator who started it; only they may finish it.
    pub official_id: i64,
    pub created_at: i64,
    pub expires_at: i64,
}

impl StoreTx {
    /// Stores a pending authorisation and drops those that expired before `now`, so abandoned
    /// attempts do not pile up.
    pub async fn insert_channel_authorisation(
        &mut self,
        row: &ChannelAuthorisationRow,
        now: i64,
    ) -> StoreResult<()> {
        on_tx!(self, |conn| {
            sqlx::query("DELETE FROM channel_authorisations WHERE expires_at <= $1")
                .bind(now)
                .execute(&mut *conn)
                .await?;
        });
        on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO channel_authorisations (state_hash, channel, pkce_verifier, official_id, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&row.state_hash)
            .bind(&row.channel)
            .bind(&row.pkce_verifier)
            .bind(row.official_id)
            .bind(row.created_at)
            .bind(row.expires_at)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// Removes and returns the pending authorisation of `channel` for `state_hash`, expired or
    /// not (the caller says which). A second call returns `None`: deleting is what makes a
    /// `state` single-use.
    pub async fn take_channel_authorisation(
        &mut self,
        channel: &str,
        state_hash: &str,
    ) -> StoreResult<Option<ChannelAuthorisationRow>> {
        Ok(on_tx!(self, |conn| {
            sqlx::query_as::<_, ChannelAuthorisationRow>(
                "DELETE FROM channel_authorisations WHERE channel = $1 AND state_hash = $2 \
                 RETURNING state_hash, channel, pkce_verifier, official_id, created_at, expires_at",
            )
            .bind(channel)
            .bind(state_hash)
            .fetch_optional(&mut *conn)
            .await?
        }))
    }
}

impl Store {
    /// How many authorisations are pending for `channel` (expired ones included), for tests
    /// and the administration page.
    pub async fn pending_channel_authorisations(&self, channel: &str) -> StoreResult<i64> {
        Ok(on_backend!(self, |pool| {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM channel_authorisations WHERE channel = $1",
            )
            .bind(channel)
            .fetch_one(pool)
            .await?
        }))
    }
}
