//! Kết nối Zalo OA: the first authorisation of the city's Zalo Official Account (OAuth v4 with
//! PKCE), so that nobody has to copy a refresh token into the configuration by hand.
//!
//! An administrator of the whole tree starts it ([`App::zalo_authorise_start`]): a random
//! `state` and a PKCE verifier are stored server-side ([`ChannelAuthorisationRow`], keyed by the
//! SHA-256 of `state`, bound to that administrator, single use, ten minutes) and the browser is
//! sent to Zalo's permission page with the verifier's challenge. Zalo sends the browser back to
//! `{public_url}`[`CALLBACK_PATH`] with `code`, `oa_id` and `state`
//! ([`App::zalo_authorise_finish`]): the `state` is taken (deleted) from the database, checked,
//! and the code exchanged with the verifier; the adapter saves the new pair in the token store
//! before anything else, and the grant is audited as `zalo.authorised` without any token.
//! The callback URL must be registered as the app's "Official Account Callback Url" at Zalo.

use crate::security::{self, token_hash};
use crate::{Actor, App, AppError, AppResult};
use motcua_channels::ChannelError;
use motcua_store::notifications::ChannelAuthorisationRow;
use std::sync::Arc;

/// How long a started authorisation may take (Zalo's code lives about as long [assumed]).
pub const PENDING_TTL: time::Duration = time::Duration::minutes(10);

/// Where Zalo sends the administrator's browser back to, under the public address.
pub const CALLBACK_PATH: &str = "/admin/notifications/zalo/callback";

/// The channel the pending authorisations and the tokens are kept under.
const CHANNEL: &str = "zalo";

/// Why the authorisation did not go through; each has a message in both catalogues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZaloAuthError {
    /// No Zalo Official Account is configured on this installation.
    NotConfigured,
    /// The `state` is missing, unknown, already used or another administrator's.
    StateInvalid,
    /// The `state` is older than [`PENDING_TTL`].
    StateExpired,
    /// The administrator refused access on Zalo's page (Zalo sent `error`, no code).
    Denied,
    /// Zalo refused the code (used, expired, wrong verifier) or our app's credentials.
    Refused,
    /// Zalo, or the token store, could not be reached.
    Unreachable,
}

impl ZaloAuthError {
    pub fn code(self) -> &'static str {
        match self {
            ZaloAuthError::NotConfigured => "error-zalo-not-configured",
            ZaloAuthError::StateInvalid => "error-zalo-state",
            ZaloAuthError::StateExpired => "error-zalo-state-expired",
            ZaloAuthError::Denied => "error-zalo-denied",
            ZaloAuthError::Refused => "error-zalo-refused",
            ZaloAuthError::Unreachable => "error-zalo-unreachable",
        }
    }

    /// Every error, for the page that shows one by its code.
    pub const ALL: [ZaloAuthError; 6] = [
        ZaloAuthError::NotConfigured,
        ZaloAuthError::StateInvalid,
        ZaloAuthError::StateExpired,
        ZaloAuthError::Denied,
        ZaloAuthError::Refused,
        ZaloAuthError::Unreachable,
    ];
}

/// What Zalo sent back to the callback.
#[derive(Debug, Clone, Default)]
pub struct ZaloCallback {
    pub code: Option<String>,
    pub state: Option<String>,
    /// The OA that was granted (kept in the audit entry).
    pub oa_id: Option<String>,
    /// Set when the administrator refused access [assumed: Zalo's parameter name].
    pub error: Option<String>,
}

/// The OA's tokens as the administration page shows them (never the tokens themselves).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ZaloStatus {
    /// A Zalo Official Account is configured.
    pub configured: bool,
    /// A token pair is stored (from an authorisation or seeded by hand).
    pub connected: bool,
    /// When the access token expires (unix seconds); `None` without one (seeded by hand: the
    /// first message refreshes it).
    pub access_expires_at: Option<i64>,
}

impl App {
    /// The Zalo Official Account this installation sends through, for its first authorisation.
    pub fn with_zalo_oa(mut self, oa: Arc<motcua_channels::zalo::ZaloOa>) -> Self {
        self.zalo_oa = Some(oa);
        self
    }

    /// Whether tokens are stored and when the access token expires. Administrators only.
    pub async fn zalo_status(&self, actor: &Actor) -> AppResult<ZaloStatus> {
        Self::require_template_admin(actor)?;
        let row = self.store.channel_tokens(CHANNEL).await?;
        Ok(ZaloStatus {
            configured: self.zalo_oa.is_some(),
            connected: row.is_some(),
            access_expires_at: row
                .filter(|r| !r.access_token.is_empty() && r.access_expires_at > 0)
                .map(|r| r.access_expires_at),
        })
    }

    /// The address Zalo sends the administrator back to.
    pub fn zalo_redirect_uri(&self) -> String {
        format!(
            "{}{CALLBACK_PATH}",
            self.settings.public_url.trim_end_matches('/')
        )
    }

    /// Starts the first authorisation: stores a pending request bound to this administrator
    /// and returns Zalo's permission URL to send the browser to.
    ///
    /// # Errors
    ///
    /// `Forbidden` for anyone but an administrator of the whole tree;
    /// [`ZaloAuthError::NotConfigured`] without a Zalo Official Account.
    pub async fn zalo_authorise_start(&self, actor: &Actor) -> AppResult<String> {
        Self::require_template_admin(actor)?;
        let official_id = actor.principal.official_id().ok_or(AppError::Forbidden)?;
        let Some(oa) = self.zalo_oa.clone() else {
            return Err(AppError::Zalo(ZaloAuthError::NotConfigured));
        };
        let state = security::random_token();
        let verifier = motcua_channels::zalo::pkce_verifier();
        let challenge = motcua_channels::zalo::pkce_challenge(&verifier);
        let now = self.now_micros();
        let row = ChannelAuthorisationRow {
            state_hash: token_hash(&state),
            channel: CHANNEL.to_owned(),
            pkce_verifier: verifier,
            official_id,
            created_at: now,
            expires_at: now + PENDING_TTL.whole_microseconds() as i64,
        };
        let mut tx = self.store.begin().await?;
        tx.insert_channel_authorisation(&row, now).await?;
        tx.commit().await?;
        Ok(oa
            .config()
            .permission_url(&self.zalo_redirect_uri(), &challenge, &state))
    }

    /// Finishes the first authorisation from Zalo's callback: the pair is stored and the grant
    /// audited, or nothing is stored and the refusal is audited.
    ///
    /// # Errors
    ///
    /// `Forbidden` for anyone but an administrator of the whole tree; a [`ZaloAuthError`] for
    /// every refusal.
    pub async fn zalo_authorise_finish(
        &self,
        actor: &Actor,
        callback: &ZaloCallback,
    ) -> AppResult<ZaloStatus> {
        Self::require_template_admin(actor)?;
        let Some(oa) = self.zalo_oa.clone() else {
            return Err(AppError::Zalo(ZaloAuthError::NotConfigured));
        };
        match self.complete_zalo(actor, &oa, callback).await {
            Ok(tokens) => {
                let oa_id = short(callback.oa_id.as_deref().unwrap_or(""));
                let now = self.now_micros();
                let mut tx = self.store.begin().await?;
                tx.append_audit(
                    &actor.audit(
                        "zalo.authorised",
                        Some(format!("channel:{CHANNEL}")),
                        serde_json::json!({
                            "oa_id": oa_id,
                            "access_expires_at": tokens.access_expires_at,
                        }),
                    ),
                    now,
                )
                .await?;
                tx.commit().await?;
                Ok(ZaloStatus {
                    configured: true,
                    connected: true,
                    access_expires_at: Some(tokens.access_expires_at),
                })
            }
            Err(Failure::Refused(error, reason)) => {
                tracing::info!(%reason, code = error.code(), "Zalo authorisation refused");
                let now = self.now_micros();
                let mut tx = self.store.begin().await?;
                tx.append_audit(
                    &actor.audit(
                        "zalo.authorise_refused",
                        Some(format!("channel:{CHANNEL}")),
                        serde_json::json!({ "error": error.code(), "reason": reason }),
                    ),
                    now,
                )
                .await?;
                tx.commit().await?;
                Err(AppError::Zalo(error))
            }
            Err(Failure::App(error)) => Err(error),
        }
    }

    async fn complete_zalo(
        &self,
        actor: &Actor,
        oa: &motcua_channels::zalo::ZaloOa,
        callback: &ZaloCallback,
    ) -> Result<motcua_channels::zalo::ZaloTokens, Failure> {
        use ZaloAuthError as E;
        let state = callback
            .state
            .as_deref()
            .filter(|s| !s.is_empty() && s.len() <= 200)
            .ok_or(Failure::Refused(E::StateInvalid, "no state".into()))?;
        // Taking the row deletes it, in its own transaction: whatever happens next, this
        // `state` cannot be used a second time.
        let mut tx = self.store.begin().await?;
        let pending = tx
            .take_channel_authorisation(CHANNEL, &token_hash(state))
            .await?;
        tx.commit().await?;
        let pending = pending.ok_or(Failure::Refused(
            E::StateInvalid,
            "unknown or used state".into(),
        ))?;
        if Some(pending.official_id) != actor.principal.official_id() {
            return Err(Failure::Refused(
                E::StateInvalid,
                "state started by another administrator".into(),
            ));
        }
        if pending.expires_at <= self.now_micros() {
            return Err(Failure::Refused(E::StateExpired, "state expired".into()));
        }
        if let Some(error) = &callback.error {
            return Err(Failure::Refused(
                E::Denied,
                format!("Zalo error: {}", short(error)),
            ));
        }
        let code = callback
            .code
            .as_deref()
            .filter(|c| !c.is_empty() && c.len() <= 2000)
            .ok_or(Failure::Refused(E::Refused, "no code".into()))?;
        oa.exchange_code(code, &pending.pkce_verifier)
            .await
            .map_err(|error| {
                let kind = match &error {
                    ChannelError::Unreachable(_) => E::Unreachable,
                    _ => E::Refused,
                };
                Failure::Refused(kind, short(&error.to_string()))
            })
    }
}

/// At most 100 characters of text from outside, for the log and the audit entry.
fn short(text: &str) -> String {
    text.chars().take(100).collect()
}

enum Failure {
    /// Refused: audited, shown to the administrator by its code; the text is for the audit.
    Refused(ZaloAuthError, String),
    App(AppError),
}

impl From<AppError> for Failure {
    fn from(error: AppError) -> Self {
        Failure::App(error)
    }
}

impl From<motcua_store::StoreError> for Failure {
    fn from(error: motcua_store::StoreError) -> Self {
        Failure::App(error.into())
    }
}
