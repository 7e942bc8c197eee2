//! Signing in through an external OpenID Connect identity provider (a provincial SSO or a
//! national, VNeID-style provider): authorization code flow with PKCE (S256), `state` and
//! `nonce`.
//!
//! The use cases here own the parts that are ours: the pending request stored server-side
//! (single use, 10 minutes), the `nonce` check, mapping the verified identity to a citizen by
//! their personal identification number (or to an existing official by username), opening
//! the session, and auditing every outcome. The protocol exchange with the provider sits
//! behind [`IdentityProvider`], so the use case can be driven by any implementation; the real
//! one is [`http::HttpIdentityProvider`].

pub mod http;

use crate::security::{self, token_hash};
use crate::{Actor, App, AppError, AppResult};
use motcua_domain::identity::{Email, PersonalId, Phone};
use motcua_domain::text;
use motcua_store::StoreError;
use motcua_store::oidc::OidcLoginRow;
use serde_json::{Map, Value, json};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// How long a started sign-in may take before its `state` is refused.
pub const PENDING_TTL: time::Duration = time::Duration::minutes(10);

/// Stored instead of a password hash for accounts created through the provider: it is not a
/// PHC string, so no password ever matches it.
pub const NO_PASSWORD: &str = "!oidc";

/// A boxed future, so that [`IdentityProvider`] can be used as a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the provider needs to build the authorisation redirect.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    pub state: String,
    pub nonce: String,
    /// `BASE64URL(SHA-256(verifier))` (PKCE method S256).
    pub code_challenge: String,
    pub redirect_uri: String,
    pub scopes: String,
}

/// Why the provider side failed. The text is for the log and the audit entry, never shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The provider could not be reached or answered with a server error.
    #[error("identity provider unreachable: {0}")]
    Unreachable(String),
    /// The provider refused the code, or the ID token failed verification.
    #[error("identity provider answer rejected: {0}")]
    Rejected(String),
}

/// The relying-party side of the protocol: discovery, the authorisation URL, the token
/// exchange and ID token verification (signature, `iss`, `aud`, `exp`, `iat`).
pub trait IdentityProvider: Send + Sync {
    /// The URL to send the browser to.
    fn authorization_url<'a>(
        &'a self,
        request: &'a AuthorizationRequest,
    ) -> BoxFuture<'a, Result<String, ProviderError>>;

    /// Exchanges `code` (with the PKCE verifier) and returns the claims of the verified ID
    /// token. The `nonce` is checked by the caller, which knows the one it sent.
    fn exchange<'a>(
        &'a self,
        code: &'a str,
        pkce_verifier: &'a str,
        redirect_uri: &'a str,
    ) -> BoxFuture<'a, Result<Map<String, Value>, ProviderError>>;
}

/// Our settings for provider sign-in (the provider's own are in its adapter).
#[derive(Debug, Clone)]
pub struct OidcSettings {
    /// `{public_url}/oidc/callback`, registered with the provider.
    pub redirect_uri: String,
    /// Space-separated scopes; `openid` is required.
    pub scopes: String,
    /// The ID token claim that carries the 12-digit personal identification number.
    pub personal_id_claim: String,
    /// Whether officials may sign in (by `preferred_username`, existing active accounts only).
    pub allow_officials: bool,
    /// Replaces the button text, e.g. "Đăng nhập bằng VNeID".
    pub button_label: Option<String>,
}

impl Default for OidcSettings {
    fn default() -> Self {
        OidcSettings {
            redirect_uri: "http://127.0.0.1:8080/oidc/callback".into(),
            scopes: "openid profile email".into(),
            personal_id_claim: "personal_id".into(),
            allow_officials: false,
            button_label: None,
        }
    }
}

/// Provider sign-in as configured: our settings and the adapter.
#[derive(Clone)]
pub struct Oidc {
    pub settings: OidcSettings,
    pub provider: Arc<dyn IdentityProvider>,
}

/// Which kind of account a sign-in is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Citizen,
    Official,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Citizen => "citizen",
            Purpose::Official => "official",
        }
    }

    pub fn default_return(self) -> &'static str {
        match self {
            Purpose::Citizen => "/account",
            Purpose::Official => "/staff",
        }
    }
}

/// Why a provider sign-in was refused; each has a message in both catalogues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OidcError {
    /// Provider sign-in is not configured (or not for officials).
    Disabled,
    /// The provider did not answer.
    Unreachable,
    /// Unknown or already used `state`.
    StateInvalid,
    /// The `state` is older than [`PENDING_TTL`].
    StateExpired,
    /// The provider (or the person) declined the sign-in.
    Denied,
    /// The code was refused or the ID token failed a check.
    TokenInvalid,
    /// The ID token carries no personal identification number.
    NoPersonalId,
    /// The personal identification number in the ID token is not a valid one.
    PersonalIdInvalid,
    /// No active official matches the provider's username.
    NoOfficial,
}

impl OidcError {
    pub fn code(self) -> &'static str {
        match self {
            OidcError::Disabled => "error-oidc-disabled",
            OidcError::Unreachable => "error-oidc-unreachable",
            OidcError::StateInvalid => "error-oidc-state",
            OidcError::StateExpired => "error-oidc-state-expired",
            OidcError::Denied => "error-oidc-denied",
            OidcError::TokenInvalid => "error-oidc-token",
            OidcError::NoPersonalId => "error-oidc-no-personal-id",
            OidcError::PersonalIdInvalid => "error-oidc-personal-id",
            OidcError::NoOfficial => "error-oidc-no-official",
        }
    }
}

/// What the provider sent back to `/oidc/callback`.
#[derive(Debug, Clone, Default)]
pub struct OidcCallback {
    pub code: Option<String>,
    pub state: Option<String>,
    /// Set when the provider reports a failure (`access_denied`, …) instead of a code.
    pub error: Option<String>,
    /// A per-browser secret (the CSRF cookie); must be the one given to [`App::oidc_start`].
    pub browser: String,
}

/// A completed provider sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcSignedIn {
    /// The session token for the cookie.
    pub token: String,
    /// True when an official must still enter a TOTP code.
    pub needs_totp: bool,
    /// Where to go next (a local path).
    pub return_to: String,
}

/// Accepts only local paths (the one rule, [`motcua_domain::return_path`]), so the return path
/// cannot send the browser to another site after signing in (open redirect). The web layer
/// already answered 400 to a line break; here it only falls back.
pub fn safe_return_path(next: Option<&str>, purpose: Purpose) -> String {
    motcua_domain::return_path::return_path_or(next, purpose.default_return())
        .unwrap_or_else(|_| purpose.default_return().to_owned())
}

/// The PKCE S256 challenge of a verifier (RFC 7636 §4.2): the one implementation.
pub use motcua_channels::pkce::pkce_challenge;

/// A failure on its way out: the error for the caller, the reason for the audit entry.
struct Refusal {
    error: OidcError,
    reason: String,
    target: Option<String>,
}

impl Refusal {
    fn new(error: OidcError, reason: impl Into<String>) -> Self {
        Refusal {
            error,
            reason: reason.into(),
            target: None,
        }
    }

    fn about(mut self, target: String) -> Self {
        self.target = Some(target);
        self
    }
}

impl From<ProviderError> for Refusal {
    fn from(error: ProviderError) -> Self {
        match error {
            ProviderError::Unreachable(reason) => Refusal::new(OidcError::Unreachable, reason),
            ProviderError::Rejected(reason) => Refusal::new(OidcError::TokenInvalid, reason),
        }
    }
}

/// Either a refusal to audit or an unexpected failure to pass on.
enum Failure {
    Refused(Refusal),
    App(AppError),
}

impl From<Refusal> for Failure {
    fn from(refusal: Refusal) -> Self {
        Failure::Refused(refusal)
    }
}

impl From<AppError> for Failure {
    fn from(error: AppError) -> Self {
        Failure::App(error)
    }
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        Failure::App(error.into())
    }
}

impl App {
    /// Adds provider sign-in.
    pub fn with_oidc(
        mut self,
        settings: OidcSettings,
        provider: Arc<dyn IdentityProvider>,
    ) -> Self {
        self.oidc = Some(Arc::new(Oidc { settings, provider }));
        self
    }

    /// Whether the sign-in page for `purpose` offers the provider button, and its custom text.
    pub fn oidc_button(&self, purpose: Purpose) -> Option<Option<String>> {
        let oidc = self.oidc.as_ref()?;
        if purpose == Purpose::Official && !oidc.settings.allow_officials {
            return None;
        }
        Some(oidc.settings.button_label.clone())
    }

    fn oidc_for(&self, purpose: Purpose) -> AppResult<Arc<Oidc>> {
        match &self.oidc {
            Some(oidc) if purpose == Purpose::Citizen || oidc.settings.allow_officials => {
                Ok(oidc.clone())
            }
            _ => Err(AppError::Oidc(OidcError::Disabled)),
        }
    }

    /// Starts a provider sign-in: stores the pending request and returns the provider URL to
    /// redirect the browser to.
    ///
    /// `browser` is a secret only this browser holds (the web layer passes its CSRF cookie);
    /// the callback must present the same one, so a callback URL planted in someone else's
    /// browser cannot sign them into the attacker's account (login CSRF).
    pub async fn oidc_start(
        &self,
        actor: &Actor,
        purpose: Purpose,
        next: Option<&str>,
        browser: &str,
    ) -> AppResult<String> {
        let oidc = self.oidc_for(purpose)?;
        self.check_ip_rate(actor)?;
        let state = security::random_token();
        let nonce = security::random_token();
        let verifier = motcua_channels::pkce::pkce_verifier();
        let request = AuthorizationRequest {
            state: state.clone(),
            nonce: nonce.clone(),
            code_challenge: pkce_challenge(&verifier),
            redirect_uri: oidc.settings.redirect_uri.clone(),
            scopes: oidc.settings.scopes.clone(),
        };
        let url = match oidc.provider.authorization_url(&request).await {
            Ok(url) => url,
            Err(error) => {
                // Operators need to see this one: every sign-in fails until it is fixed.
                tracing::warn!(%error, "identity provider sign-in cannot start");
                let refusal = Refusal::from(error);
                let code = refusal.error;
                self.audit_oidc_failure(actor, purpose, &refusal).await?;
                return Err(AppError::Oidc(code));
            }
        };
        let now = self.now_micros();
        let row = OidcLoginRow {
            state_hash: token_hash(&state),
            nonce,
            pkce_verifier: verifier,
            purpose: purpose.as_str().to_owned(),
            return_to: safe_return_path(next, purpose),
            browser_hash: token_hash(browser),
            created_at: now,
            expires_at: now + PENDING_TTL.whole_microseconds() as i64,
        };
        let mut tx = self.store.begin().await?;
        tx.insert_oidc_login(&row, now).await?;
        tx.commit().await?;
        Ok(url)
    }

    /// Finishes a provider sign-in from the callback. Every outcome is audited; on refusal no
    /// account or session is created.
    pub async fn oidc_callback(
        &self,
        actor: &Actor,
        callback: &OidcCallback,
    ) -> AppResult<OidcSignedIn> {
        let Some(oidc) = self.oidc.clone() else {
            return Err(AppError::Oidc(OidcError::Disabled));
        };
        self.check_ip_rate(actor)?;
        let mut purpose = Purpose::Citizen;
        match self.complete(actor, &oidc, callback, &mut purpose).await {
            Ok(done) => Ok(done),
            Err(Failure::Refused(refusal)) => {
                tracing::info!(reason = %refusal.reason, code = refusal.error.code(), "provider sign-in refused");
                self.audit_oidc_failure(actor, purpose, &refusal).await?;
                Err(AppError::Oidc(refusal.error))
            }
            Err(Failure::App(error)) => Err(error),
        }
    }

    async fn complete(
        &self,
        actor: &Actor,
        oidc: &Oidc,
        callback: &OidcCallback,
        purpose: &mut Purpose,
    ) -> Result<OidcSignedIn, Failure> {
        let state = callback
            .state
            .as_deref()
            .filter(|s| !s.is_empty() && s.len() <= 200)
            .ok_or_else(|| Refusal::new(OidcError::StateInvalid, "no state"))?;
        // Taking the row deletes it, in its own transaction: whatever happens next, this
        // `state` cannot be used a second time.
        let mut tx = self.store.begin().await?;
        let pending = tx.take_oidc_login(&token_hash(state)).await?;
        tx.commit().await?;
        let pending = pending
            .ok_or_else(|| Refusal::new(OidcError::StateInvalid, "unknown or used state"))?;
        if pending.purpose == Purpose::Official.as_str() {
            *purpose = Purpose::Official;
        }
        if !security::constant_time_eq(&pending.browser_hash, &token_hash(&callback.browser)) {
            return Err(Refusal::new(OidcError::StateInvalid, "state from another browser").into());
        }
        if pending.expires_at <= self.now_micros() {
            return Err(Refusal::new(OidcError::StateExpired, "state expired").into());
        }
        if let Some(error) = &callback.error {
            let error: String = error.chars().take(100).collect();
            return Err(Refusal::new(OidcError::Denied, format!("provider error: {error}")).into());
        }
        let code = callback
            .code
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| Refusal::new(OidcError::Denied, "no code"))?;
        let claims = oidc
            .provider
            .exchange(code, &pending.pkce_verifier, &oidc.settings.redirect_uri)
            .await
            .map_err(Refusal::from)?;
        let nonce_ok = claims
            .get("nonce")
            .and_then(Value::as_str)
            .is_some_and(|n| security::constant_time_eq(n, &pending.nonce));
        if !nonce_ok {
            return Err(Refusal::new(OidcError::TokenInvalid, "nonce mismatch").into());
        }
        let (token, needs_totp) = match *purpose {
            Purpose::Citizen => {
                let id = self.citizen_from_claims(actor, oidc, &claims).await?;
                let token = self
                    .open_session(actor, "citizen", id, "full", "signin.citizen.oidc")
                    .await?;
                (token, false)
            }
            Purpose::Official => {
                if !oidc.settings.allow_officials {
                    return Err(Refusal::new(OidcError::Disabled, "officials not allowed").into());
                }
                let (id, totp) = self.official_from_claims(&claims).await?;
                let stage = if totp { "totp_pending" } else { "full" };
                let action = if totp {
                    "signin.official.oidc_pending_totp"
                } else {
                    "signin.official.oidc"
                };
                let token = self
                    .open_session(actor, "official", id, stage, action)
                    .await?;
                (token, totp)
            }
        };
        Ok(OidcSignedIn {
            token,
            needs_totp,
            return_to: if needs_totp {
                "/staff/totp".to_owned()
            } else {
                pending.return_to
            },
        })
    }

    /// Finds the citizen the claims name, or opens their account. The provider verified the
    /// person, so the account is verified too; it gets no usable password.
    async fn citizen_from_claims(
        &self,
        actor: &Actor,
        oidc: &Oidc,
        claims: &Map<String, Value>,
    ) -> Result<i64, Failure> {
        let claim = &oidc.settings.personal_id_claim;
        let raw = match claims.get(claim) {
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
            // Some providers send the number as JSON number; a lost leading zero then fails
            // validation below rather than matching someone else.
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                return Err(
                    Refusal::new(OidcError::NoPersonalId, format!("no claim {claim}")).into(),
                );
            }
        };
        let personal_id = PersonalId::parse(&raw).map_err(|e| {
            Refusal::new(
                OidcError::PersonalIdInvalid,
                format!("claim {claim}: {e:?}"),
            )
        })?;
        let now = self.now_micros();
        let email = claims
            .get("email")
            .and_then(Value::as_str)
            .filter(|_| claims.get("email_verified") == Some(&Value::Bool(true)))
            .and_then(|e| Email::parse(e).ok());
        let phone = claims
            .get("phone_number")
            .and_then(Value::as_str)
            .filter(|_| claims.get("phone_number_verified") == Some(&Value::Bool(true)))
            .and_then(|p| Phone::parse(p).ok());
        match self.store.citizen_credentials(personal_id.as_str()).await {
            Ok(existing) if existing.id_proven_at.is_some() => Ok(existing.id),
            Ok(existing) => {
                let citizen = self.store.get_citizen(existing.id).await?;
                // The same verified contact as the account's: the person who signed up with a
                // password now proves their number. Otherwise the number was claimed by
                // someone else, and the provider's person takes the account over.
                let same_person = (email.is_some()
                    && email.as_ref().map(Email::as_str) == citizen.email.as_deref())
                    || (phone.is_some()
                        && phone.as_ref().map(Phone::as_str) == citizen.phone.as_deref());
                let mut tx = self.store.begin().await?;
                if !same_person {
                    let name = full_name(claims).unwrap_or_else(|| citizen.full_name.clone());
                    tx.take_over_citizen(
                        existing.id,
                        &name,
                        email.as_ref().map(Email::as_str),
                        phone.as_ref().map(Phone::as_str),
                        NO_PASSWORD,
                    )
                    .await?;
                    tx.delete_sessions_of("citizen", existing.id).await?;
                    notify_taken_over(&mut tx, &citizen, &personal_id, now).await?;
                }
                let linked = tx
                    .mark_citizen_id_proven(existing.id, personal_id.as_str(), "oidc", now)
                    .await?;
                tx.append_audit(
                    &actor.audit(
                        if same_person {
                            "citizen.id_proven"
                        } else {
                            "citizen.taken_over"
                        },
                        Some(format!("citizen:{}", existing.id)),
                        json!({ "by": "oidc", "linked_dossiers": linked }),
                    ),
                    now,
                )
                .await?;
                tx.commit().await?;
                Ok(existing.id)
            }
            Err(StoreError::NotFound) => {
                let name = full_name(claims)
                    .ok_or_else(|| Refusal::new(OidcError::TokenInvalid, "no usable name claim"))
                    .map_err(|r| r.about(personal_id.masked()))?;
                let mut tx = self.store.begin().await?;
                let id = tx
                    .insert_citizen(
                        personal_id.as_str(),
                        &name,
                        email.as_ref().map(Email::as_str),
                        phone.as_ref().map(Phone::as_str),
                        NO_PASSWORD,
                        now,
                    )
                    .await?;
                tx.mark_citizen_id_proven(id, personal_id.as_str(), "oidc", now)
                    .await?;
                tx.append_audit(
                    &actor.audit(
                        "citizen.sign_up.oidc",
                        Some(format!("citizen:{id}")),
                        json!({ "email": email.is_some(), "phone": phone.is_some() }),
                    ),
                    now,
                )
                .await?;
                tx.commit().await?;
                Ok(id)
            }
            Err(other) => Err(other.into()),
        }
    }

    /// The active official whose username is the provider's `preferred_username`, and whether
    /// they have TOTP enabled. Officials are never created here.
    async fn official_from_claims(
        &self,
        claims: &Map<String, Value>,
    ) -> Result<(i64, bool), Failure> {
        let username = claims
            .get("preferred_username")
            .and_then(Value::as_str)
            .map(|u| u.trim().to_lowercase())
            .filter(|u| !u.is_empty())
            .ok_or_else(|| Refusal::new(OidcError::NoOfficial, "no preferred_username"))?;
        match self.store.official_credentials(&username).await {
            Ok(found) if found.active => Ok((found.id, found.totp_enabled)),
            Ok(_) => Err(Refusal::new(OidcError::NoOfficial, "official inactive")
                .about(username)
                .into()),
            Err(StoreError::NotFound) => {
                Err(Refusal::new(OidcError::NoOfficial, "no such official")
                    .about(username)
                    .into())
            }
            Err(other) => Err(other.into()),
        }
    }

    async fn audit_oidc_failure(
        &self,
        actor: &Actor,
        purpose: Purpose,
        refusal: &Refusal,
    ) -> AppResult<()> {
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        tx.append_audit(
            &actor.audit(
                "signin.oidc.failed",
                refusal.target.clone(),
                json!({
                    "purpose": purpose.as_str(),
                    "code": refusal.error.code(),
                    "reason": refusal.reason.chars().take(300).collect::<String>(),
                }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Limits provider sign-ins per client address (there is no account to count against
    /// before the provider has answered).
    fn check_ip_rate(&self, actor: &Actor) -> AppResult<()> {
        let key = format!("oidc-ip:{}", actor.ip.as_deref().unwrap_or("-"));
        if self.ip_limiter.allow(&key, self.now()) {
            Ok(())
        } else {
            Err(AppError::RateLimited)
        }
    }
}

/// Tells the contact of an account whose number was only claimed that the holder of the number,
/// proven by the identity provider, has taken it over (their password no longer opens it).
async fn notify_taken_over(
    tx: &mut motcua_store::StoreTx,
    citizen: &motcua_store::people::CitizenRow,
    personal_id: &PersonalId,
    now: i64,
) -> Result<(), StoreError> {
    let (channel, to) = match (&citizen.email, &citizen.phone) {
        (Some(email), _) => ("email", email.clone()),
        (None, Some(phone)) => ("sms", phone.clone()),
        (None, None) => return Ok(()),
    };
    let masked = personal_id.masked();
    let payload = json!({
        "channel": channel, "to": to, "template": "account-taken-over",
        "subject": "Tài khoản Một Cửa của bạn đã được chủ số định danh xác thực lại",
        "body": format!(
            "Tài khoản Một Cửa đăng ký với số định danh {masked} vừa được người mang số định danh này xác thực qua tài khoản định danh điện tử. \
             Mật khẩu và thông tin liên hệ cũ của tài khoản không còn dùng được. Nếu bạn là chủ số định danh, hãy đăng nhập bằng tài khoản định danh điện tử.\n\n\
             The Một Cửa account registered with personal id {masked} was just proven by the holder of that number through the national identity provider. \
             Its old password and contact no longer work."
        ),
    });
    tx.enqueue_on_channel(
        crate::effects::outbox_kind::NOTIFY,
        channel,
        &payload.to_string(),
        now,
        None,
    )
    .await?;
    Ok(())
}

/// The person's name from the standard claims: `name`, else family, middle and given names in
/// Vietnamese order.
fn full_name(claims: &Map<String, Value>) -> Option<String> {
    let get = |key: &str| claims.get(key).and_then(Value::as_str).map(text::clean);
    let name = get("name").filter(|n| !n.is_empty()).or_else(|| {
        let parts: Vec<String> = ["family_name", "middle_name", "given_name"]
            .iter()
            .filter_map(|k| get(k))
            .filter(|p| !p.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    })?;
    Some(name.chars().take(100).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_accepted_as_return_paths() {
        let c = Purpose::Citizen;
        assert_eq!(safe_return_path(Some("/account?x=1"), c), "/account?x=1");
        assert_eq!(safe_return_path(Some("//evil.example/"), c), "/account");
        assert_eq!(
            safe_return_path(Some("https://evil.example/"), c),
            "/account"
        );
        assert_eq!(safe_return_path(Some("/\\evil.example"), c), "/account");
        assert_eq!(safe_return_path(Some("/%09/evil.example"), c), "/account");
        assert_eq!(safe_return_path(Some("/x\r\nSet-Cookie: a"), c), "/account");
        assert_eq!(safe_return_path(None, Purpose::Official), "/staff");
    }

    #[test]
    fn names_come_from_name_or_the_parts_in_vietnamese_order() {
        let claims = |v: Value| v.as_object().cloned().unwrap_or_default();
        assert_eq!(
            full_name(&claims(json!({ "name": "  Nguyễn   Văn An " }))).as_deref(),
            Some("Nguyễn Văn An")
        );
        assert_eq!(
            full_name(&claims(
                json!({ "family_name": "Trần", "middle_name": "Thị", "given_name": "Bình" })
            ))
            .as_deref(),
            Some("Trần Thị Bình")
        );
        assert_eq!(full_name(&claims(json!({}))), None);
    }
}
