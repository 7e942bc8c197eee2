//! Zalo Official Account (OA): consultation (CS, "tư vấn") messages to followers, ZNS template
//! messages by phone number, the signed webhook, and the OA's single-use refresh tokens.
//!
//! - **First authorisation** (OAuth v4 with PKCE): an OA admin is sent to
//!   `{permission_url}?app_id=…&redirect_uri=…&code_challenge=…&state=…` ([`permission_url`]),
//!   where `code_challenge` is [`pkce_challenge`] of a fresh [`pkce_verifier`]; Zalo sends the
//!   browser back to `redirect_uri` with `code`, `oa_id` and `state`, and
//!   [`ZaloOa::exchange_code`] trades the code (single use, valid about 10 minutes
//!   [assumed: integration notes, not Zalo's own page]) and the verifier for the first pair:
//!   `POST {oauth_url}` form-encoded `code, app_id, grant_type=authorization_code,
//!   code_verifier`, header `secret_key`, with the same reply as a refresh. Zalo's handling of a
//!   refusal by the admin is not documented where we could read it: an `error` parameter on the
//!   redirect is assumed [assumed].
//! - **Tokens** (OAuth v4): `POST {oauth_url}` form-encoded `refresh_token, app_id,
//!   grant_type=refresh_token`, header `secret_key: <app secret>`; the reply is
//!   `{access_token, refresh_token, expires_in}` (seconds, sent as a string). The access token
//!   lives ≈25 h, the refresh token ≈3 months and **once**: every refresh rotates both, and
//!   presenting a used refresh token again is refused with -14020. So refreshes are serialised
//!   in the process ([`ZaloOa`] holds a lock and re-reads the [`TokenStore`] first, since another
//!   node may already have refreshed), the new pair is saved before it is used, and a -14020
//!   means another node won the race: its pair is taken from the store.
//! - **Calls**: JSON `POST` with the header `access_token` (not `Authorization`). Zalo answers
//!   errors with HTTP 200 and `{error: <negative code>, message}`; `error: 0` is success. A
//!   rejected access token ([`codes::is_token_rejected`]) gets one refresh and one retry.
//! - **CS**: `POST {openapi_url}/v3.0/oa/message/cs` `{recipient: {user_id}, message: {text}}`,
//!   only to a follower within the interaction window; the reply's `data.message_id` is kept.
//! - **ZNS**: `POST {zns_url}/message/template` `{phone: "84…", template_id, template_data,
//!   tracking_id}` with a template Zalo approved; the reply's `data.msg_id` is kept.
//! - **Webhook**: see [`verify_webhook`].
//!
//! Facts come from public client libraries and integration notes (the official pages were not
//! available); most error codes are assumptions, marked in [`codes`].

mod tokens;
mod webhook;

pub use tokens::{MemoryTokenStore, TokenStore, ZaloTokens};
pub use webhook::{SIGNATURE_HEADER, WebhookEvent, verify_webhook, webhook_signature};

use crate::{ChannelError, Secret};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where an OA admin grants the app access (the first authorisation).
pub const PRODUCTION_PERMISSION_URL: &str = "https://oauth.zaloapp.com/v4/oa/permission";
/// Zalo's token endpoint.
pub const PRODUCTION_OAUTH_URL: &str = "https://oauth.zaloapp.com/v4/oa/access_token";
/// The OA Open API.
pub const PRODUCTION_OPENAPI_URL: &str = "https://openapi.zalo.me";
/// The ZNS API.
pub const PRODUCTION_ZNS_URL: &str = "https://business.openapi.zalo.me";
/// The CS message path under the Open API.
pub const CS_PATH: &str = "/v3.0/oa/message/cs";
/// The ZNS template message path under the ZNS API.
pub const ZNS_PATH: &str = "/message/template";
/// An access token with less than this left (seconds) is refreshed before use, so that a
/// message is not sent with a token that expires on the way.
pub const REFRESH_MARGIN_SECS: i64 = 300;

/// The `error` codes this adapter acts on, and what the simulator answers.
///
/// Zalo's own code list was not available. -216, -224 and -14020 come from the reference notes;
/// -213 and -230 appear in public client code (with conflicting descriptions); the rest are
/// recalled from Zalo's published lists and unverified; the OAuth codes other than -14020 are
/// placeholders (the adapter treats every token-endpoint refusal alike, so only the simulator
/// depends on them). An unverified code that is wrong only changes whether a refusal is retried.
pub mod codes {
    /// Success.
    pub const OK: i64 = 0;
    /// Open API: the access token is invalid or expired.
    pub const ACCESS_TOKEN_INVALID: i64 = -216;
    /// ZNS: the access token is invalid or expired [assumed: unverified].
    pub const ZNS_ACCESS_TOKEN_INVALID: i64 = -124;
    /// Open API: a parameter is missing or invalid (unknown user id, empty text)
    /// [assumed: unverified].
    pub const INVALID_PARAMETER: i64 = -201;
    /// Open API: the user does not follow the OA [assumed: public client code].
    pub const USER_NOT_FOLLOWER: i64 = -213;
    /// Open API: the user has not interacted with the OA recently enough for a CS message
    /// [assumed: public client code].
    pub const OUTSIDE_INTERACTION_WINDOW: i64 = -230;
    /// Open API: the OA's package lacks the feature.
    pub const PACKAGE_LACKS_FEATURE: i64 = -224;
    /// Too many requests; try later [assumed: unverified].
    pub const RATE_LIMITED: i64 = -32;
    /// ZNS: the phone number is invalid [assumed: unverified].
    pub const ZNS_INVALID_PHONE: i64 = -108;
    /// ZNS: no such (approved) template [assumed: unverified].
    pub const ZNS_INVALID_TEMPLATE: i64 = -109;
    /// ZNS: `template_data` lacks a parameter or has an invalid one [assumed: unverified].
    pub const ZNS_INVALID_TEMPLATE_DATA: i64 = -112;
    /// ZNS: the daily quota is used up; it renews the next day [assumed: unverified].
    pub const ZNS_QUOTA_EXCEEDED: i64 = -115;
    /// ZNS: the phone number has no Zalo account [assumed: unverified].
    pub const ZNS_NO_ZALO_ACCOUNT: i64 = -118;
    /// ZNS: the account cannot receive ZNS [assumed: unverified].
    pub const ZNS_CANNOT_RECEIVE: i64 = -119;
    /// OAuth: the app id is invalid [assumed: placeholder].
    pub const OAUTH_INVALID_APP_ID: i64 = -14001;
    /// OAuth: the `secret_key` header is wrong [assumed: placeholder].
    pub const OAUTH_INVALID_SECRET_KEY: i64 = -14002;
    /// OAuth: the request is malformed (grant type) [assumed: placeholder].
    pub const OAUTH_INVALID_REQUEST: i64 = -14003;
    /// OAuth: the refresh token is unknown or expired [assumed: placeholder].
    pub const OAUTH_INVALID_REFRESH_TOKEN: i64 = -14014;
    /// OAuth: the refresh token was already used (they are single-use).
    pub const OAUTH_REFRESH_TOKEN_USED: i64 = -14020;
    /// OAuth: the authorisation code is unknown [assumed: placeholder].
    pub const OAUTH_INVALID_CODE: i64 = -14016;
    /// OAuth: the authorisation code was already exchanged (single use) [assumed: placeholder].
    pub const OAUTH_CODE_USED: i64 = -14017;
    /// OAuth: the authorisation code is older than its ≈10 minutes [assumed: placeholder].
    pub const OAUTH_CODE_EXPIRED: i64 = -14018;
    /// OAuth: the `code_verifier` does not match the `code_challenge` of the grant
    /// [assumed: placeholder].
    pub const OAUTH_INVALID_CODE_VERIFIER: i64 = -14019;

    /// Whether the code says the access token is no good (worth one refresh and one retry).
    pub fn is_token_rejected(code: i64) -> bool {
        matches!(code, ACCESS_TOKEN_INVALID | ZNS_ACCESS_TOKEN_INVALID)
    }

    /// Whether sending the same message again can never succeed: the recipient or the template
    /// is wrong, or the OA cannot send this kind of message. Rate limits, quotas, server errors
    /// and codes not listed here are worth a later retry.
    pub fn is_permanent(code: i64) -> bool {
        matches!(
            code,
            INVALID_PARAMETER
                | USER_NOT_FOLLOWER
                | OUTSIDE_INTERACTION_WINDOW
                | PACKAGE_LACKS_FEATURE
                | ZNS_INVALID_PHONE
                | ZNS_INVALID_TEMPLATE
                | ZNS_INVALID_TEMPLATE_DATA
                | ZNS_NO_ZALO_ACCOUNT
                | ZNS_CANNOT_RECEIVE
        )
    }
}

/// The OA's app and endpoints. `Debug` never shows the secrets.
#[derive(Debug, Clone)]
pub struct ZaloConfig {
    pub app_id: String,
    /// The app secret, sent as the `secret_key` header of token calls.
    pub app_secret: Secret,
    /// The OA secret key, which signs webhook events (not the app secret).
    pub oa_secret_key: Secret,
    /// Where an OA admin grants access; default [`PRODUCTION_PERMISSION_URL`].
    pub permission_url: String,
    /// Default [`PRODUCTION_OAUTH_URL`].
    pub oauth_url: String,
    /// Default [`PRODUCTION_OPENAPI_URL`].
    pub openapi_url: String,
    /// Default [`PRODUCTION_ZNS_URL`].
    pub zns_url: String,
}

impl ZaloConfig {
    /// The real Zalo endpoints.
    pub fn production(
        app_id: impl Into<String>,
        app_secret: Secret,
        oa_secret_key: Secret,
    ) -> Self {
        ZaloConfig {
            app_id: app_id.into(),
            app_secret,
            oa_secret_key,
            permission_url: PRODUCTION_PERMISSION_URL.to_owned(),
            oauth_url: PRODUCTION_OAUTH_URL.to_owned(),
            openapi_url: PRODUCTION_OPENAPI_URL.to_owned(),
            zns_url: PRODUCTION_ZNS_URL.to_owned(),
        }
    }
}

impl ZaloConfig {
    /// Where to send an OA admin to grant this app access: [`permission_url`] with this
    /// configuration's endpoint and app id.
    pub fn permission_url(&self, redirect_uri: &str, code_challenge: &str, state: &str) -> String {
        permission_url(
            &self.permission_url,
            &self.app_id,
            redirect_uri,
            code_challenge,
            state,
        )
    }
}

/// `{base}?app_id=…&redirect_uri=…&code_challenge=…&state=…`, each value percent-encoded.
/// Zalo takes no `code_challenge_method`: the challenge is always S256 [assumed: public
/// clients send none].
pub fn permission_url(
    base: &str,
    app_id: &str,
    redirect_uri: &str,
    code_challenge: &str,
    state: &str,
) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("app_id", app_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("code_challenge", code_challenge)
        .append_pair("state", state)
        .finish();
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}{query}")
}

pub use crate::pkce::{pkce_challenge, pkce_verifier};

/// Unix seconds; replaceable so that tests can move time.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// How long a node that was refused a used refresh token (-14020) waits for the winner's new
/// pair to reach the store before giving up.
const ROTATION_WAIT: Duration = Duration::from_secs(3);
const ROTATION_POLL: Duration = Duration::from_millis(50);
const MAX_BODY: usize = 1024 * 1024;

/// The Zalo OA adapter. One per process; nodes share tokens through the [`TokenStore`].
pub struct ZaloOa {
    config: ZaloConfig,
    store: Arc<dyn TokenStore>,
    client: reqwest::Client,
    clock: Clock,
    rotation_wait: Duration,
    /// Tokens last loaded or issued, so that a message costs no store read.
    cached: Mutex<Option<ZaloTokens>>,
    /// Serialises refreshes. Holds a new pair the store refused to save: it is saved before
    /// anything else is done, since the old refresh token is already spent.
    refresh: tokio::sync::Mutex<Option<ZaloTokens>>,
}

impl std::fmt::Debug for ZaloOa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZaloOa")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Why tokens are being renewed.
#[derive(Clone, Copy)]
enum Need<'a> {
    /// The access token expires within [`REFRESH_MARGIN_SECS`].
    Fresh,
    /// Zalo refused this access token.
    Replace(&'a Secret),
    /// Asked for explicitly.
    Forced,
}

impl ZaloOa {
    pub fn new(config: ZaloConfig, store: Arc<dyn TokenStore>) -> Result<Self, ChannelError> {
        Ok(ZaloOa {
            config,
            store,
            client: crate::http::client()?,
            clock: Arc::new(|| time::OffsetDateTime::now_utc().unix_timestamp()),
            rotation_wait: ROTATION_WAIT,
            cached: Mutex::new(None),
            refresh: tokio::sync::Mutex::new(None),
        })
    }

    /// Replaces the clock (unix seconds) that token expiry is judged by.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// How long to wait, after Zalo refused our refresh token as used, for another node's new
    /// pair to appear in the store (default 3 s).
    pub fn with_rotation_wait(mut self, wait: Duration) -> Self {
        self.rotation_wait = wait;
        self
    }

    pub fn config(&self) -> &ZaloConfig {
        &self.config
    }

    /// Sends a CS (tư vấn) text message to a follower and returns Zalo's `message_id`.
    ///
    /// # Errors
    ///
    /// `Refused` with Zalo's code (permanent per [`codes::is_permanent`], e.g. not a follower),
    /// `Unreachable`, `Protocol`, `NotConfigured` when there are no usable tokens.
    pub async fn send_text(&self, user_id: &str, text: &str) -> Result<String, ChannelError> {
        let body = json!({
            "recipient": { "user_id": user_id },
            "message": { "text": text },
        });
        let url = join(&self.config.openapi_url, CS_PATH);
        let reply = self.call(&url, &body).await?;
        message_id(&reply, "message_id")
    }

    /// Sends an approved ZNS template to a phone number and returns Zalo's `msg_id`. The
    /// number is normalised with [`zns_phone`]; `tracking_id` is our own key, echoed in
    /// delivery reports.
    ///
    /// # Errors
    ///
    /// As [`ZaloOa::send_text`]; an invalid number, an unknown template or missing template data
    /// are permanent.
    pub async fn send_zns(
        &self,
        phone: &str,
        template_id: &str,
        data: &serde_json::Map<String, Value>,
        tracking_id: &str,
    ) -> Result<String, ChannelError> {
        let body = json!({
            "phone": zns_phone(phone),
            "template_id": template_id,
            "template_data": data,
            "tracking_id": tracking_id,
        });
        let url = join(&self.config.zns_url, ZNS_PATH);
        let reply = self.call(&url, &body).await?;
        message_id(&reply, "msg_id")
    }

    /// Refreshes the token pair now (and saves it), whatever the access token's expiry.
    pub async fn refresh(&self) -> Result<(), ChannelError> {
        self.renew(Need::Forced).await.map(|_| ())
    }

    /// The first authorisation: trades the `code` Zalo sent back to the redirect URI, with the
    /// PKCE verifier whose challenge went to the permission page, for a token pair, and saves
    /// it in the [`TokenStore`] (replacing any pair there) before returning it. Serialised with
    /// refreshes, like them.
    ///
    /// # Errors
    ///
    /// `Refused` with Zalo's code when it refuses the code (unknown, used, expired, wrong
    /// verifier) or our credentials; `Unreachable` when Zalo or the store cannot be reached;
    /// `Protocol` for a reply without the tokens.
    pub async fn exchange_code(
        &self,
        code: &str,
        code_verifier: &str,
    ) -> Result<ZaloTokens, ChannelError> {
        let mut unsaved = self.refresh.lock().await;
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("code", code)
            .append_pair("app_id", &self.config.app_id)
            .append_pair("grant_type", "authorization_code")
            .append_pair("code_verifier", code_verifier)
            .finish();
        let issued = self.request_tokens(form).await?;
        // A pair another node refreshed meanwhile is replaced: the admin's grant is the newest.
        // The store saves only over the version it last read, so read, then save.
        let mut attempts = 0;
        loop {
            attempts += 1;
            let saved = match self.store.load().await {
                Ok(_) => self.store.save(&issued).await,
                Err(error) => Err(error),
            };
            match saved {
                Ok(()) => break,
                Err(error) if attempts >= 3 => {
                    tracing::error!(%error, "could not save the authorised Zalo token pair; kept in memory to save again");
                    *unsaved = Some(issued);
                    return Err(error);
                }
                Err(_) => {}
            }
        }
        *unsaved = None;
        tracing::info!(
            access_expires_at = issued.access_expires_at,
            "Zalo OA authorised; token pair saved"
        );
        self.remember(&issued);
        Ok(issued)
    }

    fn now(&self) -> i64 {
        (self.clock)()
    }

    fn expiring(&self, tokens: &ZaloTokens) -> bool {
        tokens.access_expires_at.saturating_sub(self.now()) <= REFRESH_MARGIN_SECS
    }

    fn remember(&self, tokens: &ZaloTokens) {
        *self.cached.lock().unwrap_or_else(|e| e.into_inner()) = Some(tokens.clone());
    }

    async fn load(&self) -> Result<ZaloTokens, ChannelError> {
        self.store.load().await?.ok_or_else(|| {
            ChannelError::NotConfigured(
                "no Zalo tokens yet: an OA admin must grant the app access".to_owned(),
            )
        })
    }

    /// Tokens to call with: the cached ones, unless they expire soon.
    async fn usable_tokens(&self) -> Result<ZaloTokens, ChannelError> {
        let cached = self
            .cached
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let tokens = match cached {
            Some(tokens) => tokens,
            None => {
                let tokens = self.load().await?;
                self.remember(&tokens);
                tokens
            }
        };
        if !self.expiring(&tokens) {
            return Ok(tokens);
        }
        self.renew(Need::Fresh).await
    }

    /// Calls the API, with one refresh and one retry when the access token is refused, and
    /// turns a non-zero `error` into `Refused`.
    async fn call(&self, url: &str, body: &Value) -> Result<Value, ChannelError> {
        let tokens = self.usable_tokens().await?;
        let mut reply = self.post_api(url, &tokens.access_token, body).await?;
        if codes::is_token_rejected(error_code(&reply)?) {
            tracing::info!("Zalo refused the access token; refreshing once");
            let renewed = self.renew(Need::Replace(&tokens.access_token)).await?;
            reply = self.post_api(url, &renewed.access_token, body).await?;
        }
        let code = error_code(&reply)?;
        if code == codes::OK {
            return Ok(reply);
        }
        Err(ChannelError::Refused {
            code: code.to_string(),
            message: error_message(&reply),
            permanent: codes::is_permanent(code),
        })
    }

    /// Gets a pair that satisfies `need`, refreshing only when the store (which another task
    /// or node may have updated meanwhile) does not already hold one.
    async fn renew(&self, need: Need<'_>) -> Result<ZaloTokens, ChannelError> {
        let mut unsaved = self.refresh.lock().await;
        if let Some(pair) = unsaved.as_ref() {
            self.store.save(pair).await?;
            *unsaved = None;
        }
        let stored = self.load().await?;
        let good_enough = !self.expiring(&stored)
            && match need {
                Need::Fresh => true,
                Need::Replace(refused) => stored.access_token != *refused,
                Need::Forced => false,
            };
        if good_enough {
            self.remember(&stored);
            return Ok(stored);
        }
        let issued = match self.request_refresh(&stored.refresh_token).await {
            Ok(issued) => issued,
            Err(ChannelError::Refused { code, .. })
                if code == codes::OAUTH_REFRESH_TOKEN_USED.to_string() =>
            {
                return self.await_rotation(&stored).await;
            }
            Err(error) => return Err(error),
        };
        if let Err(error) = self.store.save(&issued).await {
            tracing::error!(%error, "could not save the new Zalo token pair; kept in memory to save again");
            *unsaved = Some(issued);
            return Err(error);
        }
        tracing::info!(
            access_expires_at = issued.access_expires_at,
            "Zalo token pair refreshed and saved"
        );
        self.remember(&issued);
        Ok(issued)
    }

    /// Zalo said our refresh token was already used: another node refreshed with it, and its
    /// new pair is in the store or about to be. Waits for it a little; the same refresh token
    /// still there after that means the new pair was lost.
    async fn await_rotation(&self, refused: &ZaloTokens) -> Result<ZaloTokens, ChannelError> {
        let deadline = tokio::time::Instant::now() + self.rotation_wait;
        loop {
            let stored = self.load().await?;
            if stored.refresh_token != refused.refresh_token {
                tracing::info!("another node refreshed the Zalo tokens; using its pair");
                self.remember(&stored);
                return Ok(stored);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ChannelError::NotConfigured(
                    "Zalo refused the stored refresh token as already used (-14020) and no newer \
                     token pair reached the store: an OA admin must grant the app access again"
                        .to_owned(),
                ));
            }
            tokio::time::sleep(ROTATION_POLL).await;
        }
    }

    /// One refresh at the token endpoint.
    async fn request_refresh(&self, refresh_token: &Secret) -> Result<ZaloTokens, ChannelError> {
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("refresh_token", refresh_token.expose())
            .append_pair("app_id", &self.config.app_id)
            .append_pair("grant_type", "refresh_token")
            .finish();
        self.request_tokens(form).await
    }

    /// One call to the token endpoint with a form-encoded body; refreshes and code exchanges
    /// get the same reply.
    async fn request_tokens(&self, form: String) -> Result<ZaloTokens, ChannelError> {
        let request = self
            .client
            .post(&self.config.oauth_url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header("secret_key", self.config.app_secret.expose())
            .body(form);
        let reply = read_json(request).await?;
        // Token replies carry `error` only when they fail.
        if reply.get("error").is_some() {
            let code = error_code(&reply)?;
            if code != codes::OK {
                // Our credentials, not the message, are at fault: never permanent for it.
                return Err(ChannelError::Refused {
                    code: code.to_string(),
                    message: error_message(&reply),
                    permanent: false,
                });
            }
        }
        let text = |key: &str| {
            reply
                .get(key)
                .and_then(Value::as_str)
                .filter(|value| !value.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| ChannelError::Protocol(format!("token reply without {key}")))
        };
        let expires_in = match reply.get("expires_in") {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        }
        .filter(|seconds| *seconds > 0)
        .ok_or_else(|| ChannelError::Protocol("token reply without expires_in".to_owned()))?;
        Ok(ZaloTokens {
            access_token: Secret(text("access_token")?),
            refresh_token: Secret(text("refresh_token")?),
            access_expires_at: self.now().saturating_add(expires_in),
        })
    }

    async fn post_api(
        &self,
        url: &str,
        access_token: &Secret,
        body: &Value,
    ) -> Result<Value, ChannelError> {
        let bytes = serde_json::to_vec(body).map_err(|e| ChannelError::Protocol(e.to_string()))?;
        let request = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::ACCEPT, "application/json")
            .header("access_token", access_token.expose())
            .body(bytes);
        read_json(request).await
    }
}

/// A phone number as ZNS wants it, `84` and the subscriber number: `0912 345 678`,
/// `+84912345678` and `84912345678` all give `84912345678`. Anything else is returned without
/// spaces, dots and dashes, for Zalo to judge.
pub fn zns_phone(phone: &str) -> String {
    let compact: String = phone
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    if let Some(rest) = compact.strip_prefix("+84") {
        return format!("84{rest}");
    }
    if let Some(rest) = compact.strip_prefix('0')
        && compact.len() == 10
        && compact.bytes().all(|b| b.is_ascii_digit())
    {
        return format!("84{rest}");
    }
    compact
}

fn join(base: &str, path: &str) -> String {
    format!("{}{path}", base.trim_end_matches('/'))
}

/// `error` as a number (Zalo sends a number; a numeric string is accepted too).
fn error_code(reply: &Value) -> Result<i64, ChannelError> {
    match reply.get("error") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| ChannelError::Protocol("reply without a numeric error field".to_owned()))
}

fn error_message(reply: &Value) -> String {
    ["message", "error_description", "error_reason", "error_name"]
        .iter()
        .filter_map(|key| reply.get(*key).and_then(Value::as_str))
        .find(|text| !text.is_empty())
        .unwrap_or("")
        .to_owned()
}

fn message_id(reply: &Value, key: &str) -> Result<String, ChannelError> {
    reply
        .get("data")
        .map(|data| crate::http::field_text(data, key))
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ChannelError::Protocol(format!("reply without data.{key}")))
}

/// Sends the request and reads a JSON reply of at most 1 MiB. A status other than success is
/// `Unreachable` (Zalo reports its own errors with 200, so anything else is an outage).
async fn read_json(request: reqwest::RequestBuilder) -> Result<Value, ChannelError> {
    let mut response = request
        .send()
        .await
        .map_err(|e| ChannelError::Unreachable(e.without_url().to_string()))?;
    let status = response.status();
    if !status.is_success() {
        return Err(ChannelError::Unreachable(format!(
            "HTTP {}",
            status.as_u16()
        )));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| ChannelError::Unreachable(e.without_url().to_string()))?
    {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(ChannelError::Protocol("reply larger than 1 MiB".to_owned()));
        }
        body.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&body)
        .map_err(|e| ChannelError::Protocol(format!("reply is not JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_normalised_to_84() {
        assert_eq!(zns_phone("0912 345 678"), "84912345678");
        assert_eq!(zns_phone("+84912345678"), "84912345678");
        assert_eq!(zns_phone("84912345678"), "84912345678");
        assert_eq!(zns_phone("091.234.5678"), "84912345678");
        // Not a Vietnamese mobile number: left for Zalo to refuse.
        assert_eq!(zns_phone("012345"), "012345");
        assert_eq!(zns_phone("abc"), "abc");
    }

    #[test]
    fn recipient_and_template_errors_are_permanent_and_load_errors_are_not() {
        for code in [
            codes::USER_NOT_FOLLOWER,
            codes::ZNS_INVALID_PHONE,
            codes::ZNS_INVALID_TEMPLATE,
            codes::ZNS_INVALID_TEMPLATE_DATA,
        ] {
            assert!(codes::is_permanent(code), "{code}");
        }
        for code in [codes::RATE_LIMITED, codes::ZNS_QUOTA_EXCEEDED, -1, -999_999] {
            assert!(!codes::is_permanent(code), "{code}");
        }
        assert!(codes::is_token_rejected(-216) && codes::is_token_rejected(-124));
        assert!(!codes::is_token_rejected(codes::USER_NOT_FOLLOWER));
    }

    #[test]
    fn the_permission_url_carries_the_app_the_challenge_and_the_state_encoded() {
        let config = ZaloConfig::production("1234567890", Secret("s".into()), Secret("k".into()));
        let url = config.permission_url(
            "https://motcua.cantho.gov.vn/admin/notifications/zalo/callback?x=1&y=2",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "st ate/+",
        );
        assert_eq!(
            url,
            "https://oauth.zaloapp.com/v4/oa/permission?app_id=1234567890\
             &redirect_uri=https%3A%2F%2Fmotcua.cantho.gov.vn%2Fadmin%2Fnotifications%2Fzalo%2Fcallback%3Fx%3D1%26y%3D2\
             &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&state=st+ate%2F%2B"
        );
        // A base that already has a query keeps it.
        assert!(
            permission_url("http://sim/p?lang=vi", "a", "r", "c", "s")
                .starts_with("http://sim/p?lang=vi&app_id=a")
        );
    }

    #[test]
    fn error_codes_are_read_from_numbers_and_numeric_strings() {
        assert_eq!(error_code(&json!({"error": -216})), Ok(-216));
        assert_eq!(error_code(&json!({"error": "-14020"})), Ok(-14020));
        assert!(error_code(&json!({"message": "ok"})).is_err());
    }
}
