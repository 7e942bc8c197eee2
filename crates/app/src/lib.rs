//! Use cases of Một Cửa, reachable identically from the web, the API, the CLI and the jobs.
//!
//! Each use case follows one shape: check the caller's permission and jurisdiction, validate
//! input with the domain rules, then write the change, its audit entry and any outbox rows in
//! one store transaction. Nothing here knows HTTP.
//!
//! Errors come in three tiers: domain errors (validation codes) become [`AppError::Invalid`];
//! expected refusals are the other [`AppError`] variants, each with a stable code that the web
//! layer maps to a status and a catalogue message; unexpected failures are
//! [`AppError::Internal`] with the cause chain for the log.

use motcua_domain::authz::{Access, Decision, Permission, Principal};
use motcua_domain::org::OrgPath;
use motcua_store::{Store, StoreError};
use std::sync::Arc;
use time::OffsetDateTime;

pub mod accounts;
pub mod attachments;
pub mod calendar;
pub mod catalogue;
pub mod catalogue_transfer;
pub mod chatbot;
pub mod clients;
pub mod demo;
pub mod directory;
pub mod documents;
pub mod dossiers;
pub mod effects;
pub mod forms;
pub mod lookup;
pub mod national_sync;
pub mod notifications;
pub mod notify;
pub mod oidc;
pub mod payments;
pub mod postal;
pub mod ratelimit;
pub mod ratings;
pub mod reports;
pub mod search_lexicon;
pub mod search_synonyms;
pub mod security;
pub mod signatures;
#[cfg(feature = "test-support")]
pub mod test_support;
pub mod transfer;
pub mod versions;
pub mod views;
pub mod workflows;
pub mod xlsx;
pub mod zalo_auth;

/// One invalid input field: the field name and a stable message code from the catalogues.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InvalidField {
    pub field: String,
    pub code: String,
}

impl InvalidField {
    pub fn new(field: &str, code: &str) -> Self {
        Self {
            field: field.to_owned(),
            code: code.to_owned(),
        }
    }
}

/// Why a use case did not happen. Nothing was changed when one of these is returned.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not signed in")]
    Unauthenticated,
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("invalid input")]
    Invalid(Vec<InvalidField>),
    #[error("wrong credentials")]
    BadCredentials,
    #[error("wrong or expired one-time code")]
    BadCode,
    #[error("account not verified")]
    NotVerified,
    #[error("too many attempts")]
    RateLimited,
    /// Too many accounts opened from one client address.
    #[error("too many sign-ups")]
    TooManySignUps,
    /// A sign-in through the external identity provider was refused (see [`oidc::OidcError`]).
    #[error("identity provider sign-in refused: {0:?}")]
    Oidc(oidc::OidcError),
    /// The first authorisation of the Zalo Official Account was refused (see
    /// [`zalo_auth::ZaloAuthError`]).
    #[error("Zalo authorisation refused: {0:?}")]
    Zalo(zalo_auth::ZaloAuthError),
    #[error("internal error: {0:#}")]
    Internal(anyhow::Error),
}

impl AppError {
    /// The stable code used in JSON errors and as the message-catalogue key.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "error-unauthenticated",
            AppError::Forbidden => "error-forbidden",
            AppError::NotFound => "error-not-found",
            AppError::Conflict(code) => code,
            AppError::Invalid(_) => "error-invalid",
            AppError::BadCredentials => "error-bad-credentials",
            AppError::BadCode => "error-bad-code",
            AppError::NotVerified => "error-not-verified",
            AppError::RateLimited => "error-rate-limited",
            AppError::TooManySignUps => "error-signup-rate-limited",
            AppError::Oidc(error) => error.code(),
            AppError::Zalo(error) => error.code(),
            AppError::Internal(_) => "error-internal",
        }
    }

    pub fn invalid(field: &str, code: &str) -> Self {
        AppError::Invalid(vec![InvalidField::new(field, code)])
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(message) => {
                if message.contains("username") {
                    AppError::Conflict("error-duplicate-username")
                } else if message.contains("personal_id") {
                    AppError::Conflict("error-duplicate-personal-id")
                } else if message.contains("code") {
                    AppError::Conflict("error-duplicate-code")
                } else if message.contains("sub-units") {
                    AppError::Conflict("error-unit-not-empty")
                } else if message.contains("under itself") {
                    AppError::Conflict("error-unit-cycle")
                } else {
                    AppError::Conflict("error-conflict")
                }
            }
            other => AppError::Internal(anyhow::Error::new(other)),
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(error: anyhow::Error) -> Self {
        AppError::Internal(error)
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// Who is acting, from where.
#[derive(Debug, Clone)]
pub struct Actor {
    pub principal: Principal,
    pub ip: Option<String>,
}

impl Actor {
    pub fn system() -> Self {
        Actor {
            principal: Principal::System,
            ip: None,
        }
    }

    pub fn anonymous(ip: Option<String>) -> Self {
        Actor {
            principal: Principal::Anonymous,
            ip,
        }
    }

    /// Requires the route-level access; the error distinguishes "sign in" from "not allowed".
    pub fn require(&self, access: Access) -> AppResult<()> {
        match self.principal.check(access) {
            Decision::Allow => Ok(()),
            Decision::Unauthenticated => Err(AppError::Unauthenticated),
            Decision::Forbidden => Err(AppError::Forbidden),
        }
    }

    /// Requires `permission` over the node at `path`.
    pub fn require_at(&self, permission: Permission, path: &str) -> AppResult<()> {
        self.require(Access::Staff(permission))?;
        if self
            .principal
            .may_at(permission, &OrgPath::from_stored(path.to_owned()))
        {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn kind(&self) -> &'static str {
        match self.principal {
            Principal::Anonymous => "anonymous",
            Principal::Citizen { .. } => "citizen",
            Principal::Official { .. } => "official",
            Principal::System => "system",
            Principal::Client { .. } => "client",
        }
    }

    pub fn id(&self) -> Option<i64> {
        match self.principal {
            Principal::Citizen { citizen_id } => Some(citizen_id),
            Principal::Official { official_id, .. } => Some(official_id),
            _ => None,
        }
    }

    /// An audit entry for an action by this actor. A system client's entries carry its id
    /// and its name (`"client"` in the detail), so the log reads who did it without a lookup
    /// that a later rename would falsify.
    pub fn audit(
        &self,
        action: &str,
        target: Option<String>,
        detail: serde_json::Value,
    ) -> motcua_store::audit::AuditEntry {
        let (actor_id, detail) = match &self.principal {
            Principal::Client {
                client_id, name, ..
            } => {
                let mut detail = detail;
                if let Some(object) = detail.as_object_mut() {
                    object.insert("client".into(), serde_json::Value::String(name.clone()));
                }
                (Some(*client_id), detail)
            }
            _ => (self.id(), detail),
        };
        motcua_store::audit::AuditEntry {
            actor_kind: self.kind().to_owned(),
            actor_id,
            action: action.to_owned(),
            target,
            detail: detail.to_string(),
            ip: self.ip.clone(),
        }
    }
}

/// The source of the current time; tests fix it.
pub type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// Settings the use cases need.
#[derive(Debug, Clone)]
pub struct AppSettings {
    /// How long a signed-in session lasts.
    pub session_ttl: time::Duration,
    /// How long a one-time code is valid.
    pub code_ttl: time::Duration,
    /// Write one-time codes to the server log (demo mode only).
    pub log_codes: bool,
    /// Name shown in authenticator apps.
    pub issuer: String,
    /// Where the portal is reached from outside (no trailing slash): the QR code on a receipt
    /// links to `{public_url}/tra-cuu/<mã hồ sơ>`. The same value as the web layer's.
    pub public_url: String,
    /// Largest accepted attachment, in bytes.
    pub max_attachment_bytes: u64,
    /// Most lines of one tracking book (Mẫu 07): a longer period is refused with a request to
    /// choose a shorter one, so one request cannot make the server read and typeset without end.
    pub tracking_book_max_rows: usize,
    /// Most bytes of uploads one citizen may keep (every upload counts, reused ones once).
    pub upload_quota_bytes: u64,
    /// Which channels really deliver (must match the [`notify::Channels`] of the worker).
    pub channels: ContactChannels,
    /// Attempts at a message before it becomes a dead letter (with the backoff of
    /// `notify`, ten attempts span about three hours).
    pub delivery_attempts: u32,
}

/// Which contact channels reach people. A contact on a channel that is not configured is
/// refused at sign-up instead of being sent a code nobody receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ContactChannels {
    /// A mail relay is configured (or the demo log channel is on).
    pub email: bool,
    /// An SMS gateway is configured (or the demo log channel is on).
    pub sms: bool,
    /// A Zalo Official Account with a ZNS template is configured (or its simulator, in the demo).
    pub zalo: bool,
}

impl Default for ContactChannels {
    /// E-mail only: there is no SMS gateway adapter yet.
    fn default() -> Self {
        ContactChannels {
            email: true,
            sms: false,
            zalo: false,
        }
    }
}

/// The default [`AppSettings::upload_quota_bytes`]: 200 MiB, twenty full-size scans.
pub const DEFAULT_UPLOAD_QUOTA_BYTES: u64 = 200 * 1024 * 1024;

impl Default for AppSettings {
    fn default() -> Self {
        AppSettings {
            session_ttl: time::Duration::hours(8),
            code_ttl: time::Duration::minutes(10),
            log_codes: false,
            issuer: "Một Cửa".to_owned(),
            public_url: "http://127.0.0.1:8080".to_owned(),
            max_attachment_bytes: motcua_domain::attachment::DEFAULT_MAX_BYTES,
            tracking_book_max_rows: 2000,
            upload_quota_bytes: DEFAULT_UPLOAD_QUOTA_BYTES,
            channels: ContactChannels::default(),
            delivery_attempts: 10,
        }
    }
}

/// The application: store, clock, settings, and the sign-in limiter. Cheap to clone.
#[derive(Clone)]
pub struct App {
    store: Store,
    pub settings: Arc<AppSettings>,
    /// Attempts per account (sign-in, codes): 10 in 5 minutes.
    pub limiter: Arc<ratelimit::RateLimiter>,
    /// Attempts per client address: 100 in 5 minutes, so one counter of a busy office works.
    pub ip_limiter: Arc<ratelimit::RateLimiter>,
    /// Public lookups per client address (see [`lookup`]).
    pub lookup_limiter: Arc<ratelimit::RateLimiter>,
    /// Citizen sign-ups per client address: 20 an hour (a town hall's public computer signs up
    /// a few people a day; a script signing up hundreds is stopped).
    pub signup_limiter: Arc<ratelimit::RateLimiter>,
    /// Notices and office hours read from the store, per process (see [`calendar`]).
    pub calendar_cache: Arc<calendar::CalendarCache>,
    /// Synonyms and the catalogue's vocabulary, per process (see [`search_lexicon`]).
    pub search_lexicon: Arc<search_lexicon::SearchLexiconCache>,
    /// Parsed published procedure versions and workflow versions (write-once, see [`versions`]).
    pub versions: Arc<versions::VersionCache>,
    /// The public transparency figures, per period, for a minute (see [`reports`]).
    pub transparency_cache: Arc<reports::TransparencyCache>,
    /// Sign-in through an external OpenID Connect provider, when configured.
    pub oidc: Option<Arc<oidc::Oidc>>,
    /// Where attachment contents live (see [`attachments`]); set with [`App::with_blobs`].
    pub blobs: Arc<dyn motcua_blobs::BlobStore>,
    /// Turns form data into PDF (the Typst engine, injected by the binary so that this crate
    /// builds without it); set with [`App::with_renderer`].
    renderer: Option<Arc<dyn motcua_render::DocumentRenderer>>,
    /// Payment gateways (see [`payments`]); none until [`App::with_gateways`].
    gateways: payments::Gateways,
    /// The postal operator (see [`postal`]); none until [`App::with_postal`].
    postal: Option<Arc<postal::Postal>>,
    /// The national public-service portal dossiers are synced to (see [`national_sync`]);
    /// none until [`App::with_national_portal`], and then the sync rows wait.
    national: Option<national_sync::NationalSync>,
    /// The Zalo Official Account whose webhook this server answers (see [`chatbot`]).
    zalo: Option<Arc<motcua_channels::zalo::ZaloConfig>>,
    /// The Zalo Official Account's adapter, for its first authorisation (see [`zalo_auth`]).
    zalo_oa: Option<Arc<motcua_channels::zalo::ZaloOa>>,
    /// What signatures the installation trusts (see [`signatures`]).
    signatures: Arc<signatures::Signatures>,
    clock: Clock,
}

impl App {
    pub fn new(store: Store, settings: AppSettings) -> Self {
        App {
            store,
            settings: Arc::new(settings),
            limiter: Arc::new(ratelimit::RateLimiter::new(10, time::Duration::minutes(5))),
            ip_limiter: Arc::new(ratelimit::RateLimiter::new(100, time::Duration::minutes(5))),
            lookup_limiter: Arc::new(ratelimit::RateLimiter::new(
                lookup::LOOKUPS_PER_MINUTE,
                time::Duration::minutes(1),
            )),
            signup_limiter: Arc::new(ratelimit::RateLimiter::new(20, time::Duration::hours(1))),
            calendar_cache: Arc::default(),
            search_lexicon: Arc::default(),
            versions: Arc::default(),
            transparency_cache: Arc::default(),
            oidc: None,
            // Content-addressed, so a shared scratch directory is safe; `motcua serve` always
            // configures its own (the data directory or S3).
            blobs: Arc::new(motcua_blobs::LocalBlobs::new(
                std::env::temp_dir().join("motcua-blobs"),
            )),
            renderer: None,
            gateways: payments::Gateways::default(),
            postal: None,
            national: None,
            zalo: None,
            zalo_oa: None,
            signatures: Arc::default(),
            clock: Arc::new(OffsetDateTime::now_utc),
        }
    }

    /// Sets what renders forms to PDF.
    pub fn with_renderer(mut self, renderer: Arc<dyn motcua_render::DocumentRenderer>) -> Self {
        self.renderer = Some(renderer);
        self
    }

    /// Sets the public address printed in forms (the QR code of Mẫu 01).
    pub fn with_public_url(mut self, public_url: &str) -> Self {
        Arc::make_mut(&mut self.settings).public_url = public_url.trim_end_matches('/').to_owned();
        self
    }

    /// Replaces where attachment contents are stored.
    pub fn with_blobs(mut self, blobs: Arc<dyn motcua_blobs::BlobStore>) -> Self {
        self.blobs = blobs;
        self
    }

    /// Replaces the clock (tests).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn now(&self) -> OffsetDateTime {
        (self.clock)()
    }

    pub fn now_micros(&self) -> i64 {
        motcua_store::micros(self.now())
    }
}
