//! Signing in and out: officials (password + TOTP), citizens (personal identification number,
//! password, and a verified e-mail or phone), sessions and API tokens.

use crate::security::{self, token_hash};
use crate::{Actor, App, AppError, AppResult, InvalidField};
use motcua_domain::authz::{Principal, Role, RoleAssignment};
use motcua_domain::identity::{Email, PersonalId, Phone};
use motcua_domain::org::OrgPath;
use motcua_domain::text;
use motcua_store::StoreError;
use motcua_store::auth::{ApiTokenRow, SessionRow};
use serde_json::json;

/// The result of a password check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// The session token to put in the cookie (only its hash is stored).
    pub token: String,
    /// True when the official must still enter a TOTP code.
    pub needs_totp: bool,
}

/// What a citizen gives to open an account.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct CitizenSignUp {
    pub personal_id: String,
    pub full_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub password: String,
}

pub const MIN_PASSWORD_LEN: usize = 8;

/// A session as resolved from a cookie.
#[derive(Debug, Clone)]
pub struct ResolvedSession {
    pub principal: Principal,
    pub session: SessionRow,
}

impl App {
    /// Checks an official's password. With TOTP enabled the session is only half open.
    pub async fn official_sign_in(
        &self,
        actor: &Actor,
        username: &str,
        password: &str,
    ) -> AppResult<SignedIn> {
        let username = username.trim().to_lowercase();
        self.check_rate(actor, &format!("official:{username}"))?;
        let credentials = match self.store.official_credentials(&username).await {
            Ok(found) => Some(found),
            Err(StoreError::NotFound) => None,
            Err(other) => return Err(other.into()),
        };
        let hash = credentials.as_ref().map(|c| c.password_hash.clone());
        let verified = security::verify_password_off_thread(password, hash).await?;
        let Some(credentials) = credentials.filter(|c| verified && c.active) else {
            self.audit_failure(actor, "signin.official.failed", &username)
                .await?;
            return Err(AppError::BadCredentials);
        };
        self.limiter.reset(&format!("official:{username}"));
        let needs_totp = credentials.totp_enabled;
        let stage = if needs_totp { "totp_pending" } else { "full" };
        let token = self
            .open_session(
                actor,
                "official",
                credentials.id,
                stage,
                if needs_totp {
                    "signin.official.password"
                } else {
                    "signin.official"
                },
            )
            .await?;
        Ok(SignedIn { token, needs_totp })
    }

    /// Completes a half-open official session with a TOTP code; returns a new token so that a
    /// token seen before the second factor is worth nothing after it.
    pub async fn official_confirm_totp(
        &self,
        actor: &Actor,
        pending_token: &str,
        code: &str,
    ) -> AppResult<String> {
        let now = self.now_micros();
        let session = self
            .store
            .get_session(&token_hash(pending_token), now)
            .await?
            .filter(|s| s.stage == "totp_pending" && s.principal_kind == "official")
            .ok_or(AppError::Unauthenticated)?;
        self.check_rate(actor, &format!("totp:{}", session.principal_id))?;
        let credentials = self
            .store
            .official_credentials_by_id(session.principal_id)
            .await?;
        let secret = credentials.totp_secret.unwrap_or_default();
        if !security::verify_totp(&secret, code, self.now().unix_timestamp()) {
            self.audit_failure(
                actor,
                "signin.official.totp_failed",
                &session.principal_id.to_string(),
            )
            .await?;
            return Err(AppError::BadCode);
        }
        let mut tx = self.store.begin().await?;
        tx.delete_session(&session.token_hash).await?;
        tx.commit().await?;
        self.open_session(
            actor,
            "official",
            session.principal_id,
            "full",
            "signin.official",
        )
        .await
    }

    /// Opens a citizen account and sends a one-time code to the e-mail or phone given.
    ///
    /// Limited per client address (each sign-up costs an Argon2id hash and a message to any
    /// address). The number typed in is only *claimed*: the account does not see dossiers
    /// registered at the counter for it until the number is proven (see [`App::prove_citizen_id`]).
    pub async fn citizen_sign_up(&self, actor: &Actor, input: &CitizenSignUp) -> AppResult<i64> {
        let ip_key = format!("signup-ip:{}", actor.ip.as_deref().unwrap_or("-"));
        if !self.signup_limiter.allow(&ip_key, self.now()) {
            return Err(AppError::TooManySignUps);
        }
        let mut problems = Vec::new();
        let personal_id = PersonalId::parse(&input.personal_id)
            .map_err(|_| problems.push(InvalidField::new("personal_id", "error-personal-id")))
            .ok();
        let full_name = text::clean(&input.full_name);
        if full_name.is_empty() || full_name.chars().count() > 100 {
            problems.push(InvalidField::new("full_name", "error-full-name"));
        }
        let email = non_empty(&input.email)
            .map(|e| {
                Email::parse(e)
                    .map_err(|_| problems.push(InvalidField::new("email", "error-email")))
                    .ok()
            })
            .unwrap_or(None);
        let phone = non_empty(&input.phone)
            .map(|p| {
                Phone::parse(p)
                    .map_err(|_| problems.push(InvalidField::new("phone", "error-phone")))
                    .ok()
            })
            .unwrap_or(None);
        if non_empty(&input.email).is_none() && non_empty(&input.phone).is_none() {
            problems.push(InvalidField::new("email", "error-contact-required"));
        }
        if input.password.chars().count() < MIN_PASSWORD_LEN {
            problems.push(InvalidField::new("password", "error-password-short"));
        }
        let channel = if email.is_some() || phone.is_some() {
            match self.code_channel(
                email.as_ref().map(Email::as_str),
                phone.as_ref().map(Phone::as_str),
            ) {
                Ok(found) => Some(found),
                Err(field) => {
                    problems.push(field);
                    None
                }
            }
        } else {
            None
        };
        let (Some(personal_id), Some((channel, destination))) = (
            personal_id.filter(|_| problems.is_empty()),
            channel.filter(|_| problems.is_empty()),
        ) else {
            return Err(AppError::Invalid(problems));
        };
        let hash = security::hash_password_off_thread(&input.password).await?;
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        let citizen_id = tx
            .insert_citizen(
                personal_id.as_str(),
                &full_name,
                email.as_ref().map(Email::as_str),
                phone.as_ref().map(Phone::as_str),
                &hash,
                now,
            )
            .await?;
        self.send_code(&mut tx, citizen_id, channel, &destination, now)
            .await?;
        tx.append_audit(
            &actor.audit(
                "citizen.sign_up",
                Some(format!("citizen:{citizen_id}")),
                json!({ "channel": channel }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(citizen_id)
    }

    /// Sends a new code to an unverified citizen (the previous one stops working).
    pub async fn citizen_resend_code(&self, actor: &Actor, personal_id: &str) -> AppResult<()> {
        let personal_id = PersonalId::parse(personal_id)
            .map_err(|_| AppError::invalid("personal_id", "error-personal-id"))?;
        self.check_rate(actor, &format!("code:{}", personal_id.as_str()))?;
        let credentials = self.store.citizen_credentials(personal_id.as_str()).await?;
        if credentials.verified_at.is_some() {
            return Ok(());
        }
        let citizen = self.store.get_citizen(credentials.id).await?;
        let (channel, destination) = self
            .code_channel(citizen.email.as_deref(), citizen.phone.as_deref())
            .map_err(|field| AppError::Invalid(vec![field]))?;
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        self.send_code(&mut tx, citizen.id, channel, &destination, now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn send_code(
        &self,
        tx: &mut motcua_store::StoreTx,
        citizen_id: i64,
        channel: &str,
        destination: &str,
        now: i64,
    ) -> AppResult<()> {
        let code = security::random_code();
        let expires = now + self.settings.code_ttl.whole_microseconds() as i64;
        tx.insert_verification_code(
            citizen_id,
            channel,
            destination,
            &token_hash(&code),
            expires,
            now,
        )
        .await?;
        let payload = json!({ "channel": channel, "to": destination, "template": "verification-code", "code": code });
        // Once sent (or expired) the row keeps where it went, never the code.
        let redacted = json!({ "channel": channel, "to": destination, "template": "verification-code", "code": null });
        tx.enqueue_secret(
            crate::effects::outbox_kind::NOTIFY,
            channel,
            &payload.to_string(),
            &redacted.to_string(),
            expires,
            now,
        )
        .await?;
        Ok(())
    }

    /// The channel a one-time code goes out on: e-mail when given and a mail relay is
    /// configured, else SMS when given and a gateway is configured. A contact whose channel
    /// is not configured is refused rather than "sent" where nobody receives it.
    fn code_channel(
        &self,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> Result<(&'static str, String), InvalidField> {
        let channels = &self.settings.channels;
        match (email, phone) {
            (Some(e), _) if channels.email => Ok(("email", e.to_owned())),
            (_, Some(p)) if channels.sms => Ok(("sms", p.to_owned())),
            (Some(_), _) => Err(InvalidField::new("email", "error-email-unavailable")),
            (None, Some(_)) => Err(InvalidField::new("phone", "error-sms-unavailable")),
            (None, None) => Err(InvalidField::new("email", "error-contact-required")),
        }
    }

    /// Confirms a citizen's contact with the code sent to it. Five wrong tries burn the code.
    pub async fn citizen_verify(
        &self,
        actor: &Actor,
        personal_id: &str,
        code: &str,
    ) -> AppResult<()> {
        let personal_id = PersonalId::parse(personal_id)
            .map_err(|_| AppError::invalid("personal_id", "error-personal-id"))?;
        self.check_rate(actor, &format!("verify:{}", personal_id.as_str()))?;
        let credentials = self
            .store
            .citizen_credentials(personal_id.as_str())
            .await
            .map_err(|e| match e {
                StoreError::NotFound => AppError::BadCode,
                other => other.into(),
            })?;
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        let Some(pending) = tx.active_verification_code(credentials.id, now).await? else {
            return Err(AppError::BadCode);
        };
        if pending.attempts >= 5 {
            tx.consume_code(pending.id, now).await?;
            tx.commit().await?;
            return Err(AppError::BadCode);
        }
        if !security::constant_time_eq(&pending.code_hash, &token_hash(code.trim())) {
            tx.record_code_attempt(pending.id).await?;
            tx.commit().await?;
            return Err(AppError::BadCode);
        }
        tx.consume_code(pending.id, now).await?;
        tx.mark_citizen_verified(credentials.id, now).await?;
        tx.append_audit(
            &actor.audit(
                "citizen.verified",
                Some(format!("citizen:{}", credentials.id)),
                json!({ "channel": pending.channel }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Signs a citizen in with their personal identification number and password.
    pub async fn citizen_sign_in(
        &self,
        actor: &Actor,
        personal_id: &str,
        password: &str,
    ) -> AppResult<SignedIn> {
        let Ok(personal_id) = PersonalId::parse(personal_id) else {
            return Err(AppError::invalid("personal_id", "error-personal-id"));
        };
        self.check_rate(actor, &format!("citizen:{}", personal_id.as_str()))?;
        let credentials = match self.store.citizen_credentials(personal_id.as_str()).await {
            Ok(found) => Some(found),
            Err(StoreError::NotFound) => None,
            Err(other) => return Err(other.into()),
        };
        let hash = credentials.as_ref().map(|c| c.password_hash.clone());
        let verified = security::verify_password_off_thread(password, hash).await?;
        let Some(credentials) = credentials.filter(|_| verified) else {
            self.audit_failure(actor, "signin.citizen.failed", &personal_id.masked())
                .await?;
            return Err(AppError::BadCredentials);
        };
        if credentials.verified_at.is_none() {
            return Err(AppError::NotVerified);
        }
        self.limiter
            .reset(&format!("citizen:{}", personal_id.as_str()));
        let token = self
            .open_session(actor, "citizen", credentials.id, "full", "signin.citizen")
            .await?;
        Ok(SignedIn {
            token,
            needs_totp: false,
        })
    }

    /// Ends a session.
    pub async fn sign_out(&self, actor: &Actor, token: &str) -> AppResult<()> {
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        tx.delete_session(&token_hash(token)).await?;
        tx.append_audit(&actor.audit("signout", None, json!({})), now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Finds who holds a session token. Half-open (TOTP pending) sessions are returned with
    /// an anonymous principal: they open nothing.
    pub async fn resolve_session(&self, token: &str) -> AppResult<Option<ResolvedSession>> {
        let Some(session) = self
            .store
            .get_session(&token_hash(token), self.now_micros())
            .await?
        else {
            return Ok(None);
        };
        let principal = if session.stage != "full" {
            Principal::Anonymous
        } else {
            match session.principal_kind.as_str() {
                "citizen" => Principal::Citizen {
                    citizen_id: session.principal_id,
                },
                "official" => match self.official_principal(session.principal_id).await? {
                    Some(principal) => principal,
                    None => return Ok(None),
                },
                _ => return Ok(None),
            }
        };
        Ok(Some(ResolvedSession { principal, session }))
    }

    /// Finds who holds an API bearer token: an official, or else a system client
    /// ([`crate::clients`]).
    pub async fn resolve_api_token(&self, token: &str) -> AppResult<Option<Principal>> {
        let row = match self.store.get_api_token(&token_hash(token)).await {
            Ok(row) => row,
            Err(StoreError::NotFound) => return self.resolve_client_token(token).await,
            Err(other) => return Err(other.into()),
        };
        let now = self.now_micros();
        if row.revoked_at.is_some() || row.expires_at.is_some_and(|e| e <= now) {
            return Ok(None);
        }
        self.official_principal(row.official_id).await
    }

    /// Issues an API token for the calling official (or, for the system, for `official_id`).
    pub async fn issue_api_token(
        &self,
        actor: &Actor,
        official_id: i64,
        name: &str,
        days: Option<i64>,
    ) -> AppResult<String> {
        match actor.principal {
            Principal::System => {}
            Principal::Official {
                official_id: own, ..
            } if own == official_id => {}
            Principal::Anonymous => return Err(AppError::Unauthenticated),
            _ => return Err(AppError::Forbidden),
        }
        let name = text::clean(name);
        if name.is_empty() {
            return Err(AppError::invalid("name", "error-required"));
        }
        let token = security::random_token();
        let now = self.now_micros();
        let expires = days.map(|d| now + d * 86_400_000_000);
        let mut tx = self.store.begin().await?;
        let id = tx
            .insert_api_token(&token_hash(&token), official_id, &name, expires, now)
            .await?;
        tx.append_audit(
            &actor.audit(
                "api_token.issue",
                Some(format!("official:{official_id}")),
                json!({ "token_id": id, "name": name }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// Starts TOTP enrolment: stores a new secret next to the one in force and returns it with
    /// its URI. With two-factor already on, `current_code` must be a valid code of the secret in
    /// force: a stolen session alone can neither turn two-factor off nor replace it.
    pub async fn totp_enrol_start(
        &self,
        actor: &Actor,
        current_code: Option<&str>,
    ) -> AppResult<(String, String)> {
        let official_id = actor.principal.official_id().ok_or(AppError::Forbidden)?;
        let official = self.store.get_official(official_id).await?;
        let credentials = self.store.official_credentials_by_id(official_id).await?;
        if credentials.totp_enabled {
            self.check_rate(actor, &format!("totp:{official_id}"))?;
            let current = credentials.totp_secret.unwrap_or_default();
            let code = current_code.unwrap_or_default();
            if !security::verify_totp(&current, code, self.now().unix_timestamp()) {
                self.audit_failure(
                    actor,
                    "totp.replace_failed",
                    &format!("official:{official_id}"),
                )
                .await?;
                return Err(AppError::invalid("current_code", "error-totp-current"));
            }
        }
        let secret = security::new_totp_secret();
        let mut tx = self.store.begin().await?;
        tx.set_official_totp_pending(official_id, &secret).await?;
        tx.commit().await?;
        let uri = security::totp_uri(&secret, &official.username, &self.settings.issuer);
        Ok((secret, uri))
    }

    /// Finishes TOTP enrolment once the official proves the app shows the right code; the new
    /// secret then replaces the one in force.
    pub async fn totp_enrol_confirm(&self, actor: &Actor, code: &str) -> AppResult<()> {
        let official_id = actor.principal.official_id().ok_or(AppError::Forbidden)?;
        self.check_rate(actor, &format!("totp:{official_id}"))?;
        let credentials = self.store.official_credentials_by_id(official_id).await?;
        // An enrolment started before pending secrets existed kept its secret in place, unused.
        let secret = match (credentials.totp_pending_secret, credentials.totp_enabled) {
            (Some(pending), _) => pending,
            (None, false) => credentials.totp_secret.ok_or(AppError::BadCode)?,
            (None, true) => return Err(AppError::BadCode),
        };
        if !security::verify_totp(&secret, code, self.now().unix_timestamp()) {
            return Err(AppError::BadCode);
        }
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        tx.set_official_totp(official_id, Some(&secret), true)
            .await?;
        tx.append_audit(
            &actor.audit(
                if credentials.totp_enabled {
                    "totp.replaced"
                } else {
                    "totp.enabled"
                },
                Some(format!("official:{official_id}")),
                json!({}),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The calling official's API tokens (never the tokens themselves, which are not stored).
    pub async fn list_api_tokens(&self, actor: &Actor) -> AppResult<Vec<ApiTokenRow>> {
        let official_id = actor.principal.official_id().ok_or(AppError::Forbidden)?;
        Ok(self.store.api_tokens_of(official_id).await?)
    }

    /// Revokes one of the calling official's API tokens; another official's token or an
    /// already revoked one is "not found".
    pub async fn revoke_api_token(&self, actor: &Actor, token_id: i64) -> AppResult<()> {
        let official_id = actor.principal.official_id().ok_or(AppError::Forbidden)?;
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        if !tx.revoke_api_token(token_id, official_id, now).await? {
            return Err(AppError::NotFound);
        }
        tx.append_audit(
            &actor.audit(
                "api_token.revoke",
                Some(format!("official:{official_id}")),
                json!({ "token_id": token_id }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An official at the counter has seen the citizen's ID card: the account's personal
    /// identification number is proven from now on, and the counter dossiers registered for
    /// that number are linked to it. Recorded in the audit log with who checked.
    pub async fn prove_citizen_id(&self, actor: &Actor, personal_id: &str) -> AppResult<u64> {
        actor.require(motcua_domain::authz::Access::Staff(
            motcua_domain::authz::Permission::DossierReceive,
        ))?;
        let personal_id = PersonalId::parse(personal_id)
            .map_err(|_| AppError::invalid("personal_id", "error-personal-id"))?;
        let credentials = self.store.citizen_credentials(personal_id.as_str()).await?;
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        let linked = tx
            .mark_citizen_id_proven(credentials.id, personal_id.as_str(), "id_card", now)
            .await?;
        tx.append_audit(
            &actor.audit(
                "citizen.id_proven",
                Some(format!("citizen:{}", credentials.id)),
                json!({ "by": "id_card", "linked_dossiers": linked, "again": credentials.id_proven_at.is_some() }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(linked)
    }

    /// The principal of an active official, with every role and its jurisdiction.
    pub async fn official_principal(&self, official_id: i64) -> AppResult<Option<Principal>> {
        let Some((active, roles)) = self.store.official_access(official_id).await? else {
            return Ok(None);
        };
        if !active {
            return Ok(None);
        }
        let assignments = roles
            .into_iter()
            .filter_map(|(role, unit_id, unit_path)| {
                Some(RoleAssignment {
                    role: Role::parse(&role)?,
                    unit_id,
                    unit_path: OrgPath::from_stored(unit_path),
                })
            })
            .collect();
        Ok(Some(Principal::Official {
            official_id,
            assignments,
        }))
    }

    pub(crate) async fn open_session(
        &self,
        actor: &Actor,
        kind: &str,
        id: i64,
        stage: &str,
        action: &str,
    ) -> AppResult<String> {
        let token = security::random_token();
        let now = self.now_micros();
        let ttl = if stage == "full" {
            self.settings.session_ttl
        } else {
            time::Duration::minutes(5)
        };
        let row = SessionRow {
            token_hash: token_hash(&token),
            principal_kind: kind.to_owned(),
            principal_id: id,
            stage: stage.to_owned(),
            created_at: now,
            expires_at: now + ttl.whole_microseconds() as i64,
        };
        let mut tx = self.store.begin().await?;
        tx.insert_session(&row).await?;
        let audit = motcua_store::audit::AuditEntry {
            actor_kind: kind.to_owned(),
            actor_id: Some(id),
            action: action.to_owned(),
            target: None,
            detail: "{}".to_owned(),
            ip: actor.ip.clone(),
        };
        tx.append_audit(&audit, now).await?;
        tx.commit().await?;
        Ok(token)
    }

    async fn audit_failure(&self, actor: &Actor, action: &str, who: &str) -> AppResult<()> {
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        tx.append_audit(&actor.audit(action, Some(who.to_owned()), json!({})), now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    fn check_rate(&self, actor: &Actor, account_key: &str) -> AppResult<()> {
        let now = self.now();
        let ip_key = format!("ip:{}", actor.ip.as_deref().unwrap_or("-"));
        let ip_ok = self.ip_limiter.allow(&ip_key, now);
        let account_ok = self.limiter.allow(account_key, now);
        if ip_ok && account_ok {
            Ok(())
        } else {
            Err(AppError::RateLimited)
        }
    }
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}
