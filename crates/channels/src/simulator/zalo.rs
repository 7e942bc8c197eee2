//! A local Zalo: the OAuth v4 permission page and token endpoint, the OA's CS message API, ZNS,
//! and the webhook that delivers what users write, plus a chat page for the demo.
//!
//! It checks requests as Zalo does: the `secret_key` header and `app_id` on token calls,
//! single-use refresh tokens (reuse → -14020), authorisation codes that are single-use, expire
//! after ten minutes and are exchanged only with the PKCE verifier of their challenge (see
//! [`codes`](crate::zalo::codes) for the assumed error codes), the `access_token` header on API calls (unknown or
//! expired → -216, ZNS -124), followers for CS messages, registered templates with all their
//! parameters and `84…` numbers for ZNS. Everything, errors included, is HTTP 200 with
//! `{error, message, data}`, except an outage ([`ZaloSimHandle::set_down`]: 503). Webhook events
//! are signed exactly as Zalo signs them ([`webhook_signature`]).
//!
//! Paths: permission page `/oauth/v4/oa/permission`, token endpoint `/oauth/v4/oa/access_token`, Open API under `/openapi`, ZNS under
//! `/business` (distinct prefixes, so that swapping the adapter's URLs fails), chat page `/`.

mod api;
mod page;
mod permission;

use crate::Secret;
use crate::zalo::{CS_PATH, SIGNATURE_HEADER, ZNS_PATH, ZaloConfig, ZaloTokens, webhook_signature};
use axum::Router;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

const OAUTH_PATH: &str = "/oauth/v4/oa/access_token";
const PERMISSION_PATH: &str = "/oauth/v4/oa/permission";
const OPENAPI_PREFIX: &str = "/openapi";
const ZNS_PREFIX: &str = "/business";

/// What the simulated Zalo knows of the OA.
#[derive(Clone)]
pub struct ZaloSimConfig {
    pub app_id: String,
    pub app_secret: String,
    pub oa_secret_key: String,
    /// The OA's id, the `recipient.id` of users' messages.
    pub oa_id: String,
    /// Where events go (registered in the OA's settings in real life).
    pub webhook_url: Option<String>,
    /// The refresh token issued at start, with an access token ([`ZaloSimHandle::initial_tokens`]).
    pub initial_refresh_token: String,
    /// `expires_in` of the access tokens it issues (Zalo: 90000, 25 h).
    pub access_token_ttl_secs: i64,
    /// How long an authorisation code can be exchanged (Zalo: about 10 minutes [assumed]).
    pub code_ttl_secs: i64,
}

impl ZaloSimConfig {
    /// No webhook, 25 h access tokens, a fixed first refresh token.
    pub fn new(
        app_id: impl Into<String>,
        app_secret: impl Into<String>,
        oa_secret_key: impl Into<String>,
    ) -> Self {
        ZaloSimConfig {
            app_id: app_id.into(),
            app_secret: app_secret.into(),
            oa_secret_key: oa_secret_key.into(),
            oa_id: "579745863508352884".to_owned(),
            webhook_url: None,
            initial_refresh_token: "sim-refresh-initial".to_owned(),
            access_token_ttl_secs: 90_000,
            code_ttl_secs: 600,
        }
    }
}

impl std::fmt::Debug for ZaloSimConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZaloSimConfig")
            .field("app_id", &self.app_id)
            .field("oa_id", &self.oa_id)
            .field("webhook_url", &self.webhook_url)
            .field("access_token_ttl_secs", &self.access_token_ttl_secs)
            .finish_non_exhaustive()
    }
}

/// Which API a message went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SentKind {
    /// A CS text to a follower (`to` is the user id).
    Cs,
    /// A ZNS template (`to` is the phone number).
    Zns,
}

/// A message the simulator accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct SentMessage {
    pub kind: SentKind,
    pub to: String,
    /// The CS text.
    pub text: Option<String>,
    pub template_id: Option<String>,
    pub template_data: Option<Map<String, Value>>,
    pub tracking_id: Option<String>,
    /// What the simulator answered as `message_id` / `msg_id`.
    pub message_id: String,
}

/// A webhook event the simulator sent and what the receiver answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The body as sent.
    pub body: String,
    /// The `X-ZEvent-Signature` sent, if any.
    pub signature: Option<String>,
    pub status: u16,
    pub reply: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZaloSimError {
    #[error("no webhook URL is set")]
    NoWebhookUrl,
    #[error("the webhook could not be reached: {0}")]
    Unreachable(String),
}

/// One line of a conversation, for the chat page.
#[derive(Debug, Clone)]
struct ChatLine {
    user_id: String,
    from_user: bool,
    text: String,
    /// What the webhook answered to a user's line.
    status: Option<String>,
}

/// An authorisation code the permission page issued.
#[derive(Debug, Clone)]
struct Grant {
    code_challenge: String,
    /// On the simulator's clock.
    issued_ms: i64,
    used: bool,
}

struct SimState {
    /// Access token → expiry (ms on the simulator's clock).
    access: HashMap<String, i64>,
    /// Refresh token → already used.
    refresh: HashMap<String, bool>,
    /// Authorisation code → its grant.
    grants: HashMap<String, Grant>,
    code_exchanges: usize,
    refused_code_exchanges: usize,
    initial: ZaloTokens,
    followers: BTreeSet<String>,
    /// Template id → required parameters.
    templates: BTreeMap<String, Vec<String>>,
    messages: Vec<SentMessage>,
    chat: Vec<ChatLine>,
    down: bool,
    refreshes: usize,
    refused_refreshes: usize,
    counter: u64,
    clock_offset_ms: i64,
    webhook_url: Option<String>,
}

impl SimState {
    fn new(webhook_url: Option<String>) -> Self {
        SimState {
            access: HashMap::new(),
            refresh: HashMap::new(),
            grants: HashMap::new(),
            code_exchanges: 0,
            refused_code_exchanges: 0,
            initial: ZaloTokens {
                access_token: Secret::default(),
                refresh_token: Secret::default(),
                access_expires_at: 0,
            },
            followers: BTreeSet::new(),
            templates: BTreeMap::new(),
            messages: Vec::new(),
            chat: Vec::new(),
            down: false,
            refreshes: 0,
            refused_refreshes: 0,
            counter: 0,
            clock_offset_ms: 0,
            webhook_url,
        }
    }

    fn now_ms(&self) -> i64 {
        real_now_ms().saturating_add(self.clock_offset_ms)
    }
}

struct Core {
    config: ZaloSimConfig,
    base_url: String,
    /// Part of every token and id, so that two simulators never accept each other's.
    tag: u16,
    state: Mutex<SimState>,
    client: reqwest::Client,
}

fn real_now_ms() -> i64 {
    let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    i64::try_from(nanos).unwrap_or(i64::MAX)
}

impl Core {
    fn state(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn next(&self, state: &mut SimState, prefix: &str) -> String {
        state.counter += 1;
        format!("{prefix}-{}-{}", self.tag, state.counter)
    }

    /// Issues an access token: the token and its expiry in unix seconds.
    fn issue_access(&self, state: &mut SimState) -> (String, i64) {
        let access = self.next(state, "sim-access");
        let ttl_ms = self.config.access_token_ttl_secs.saturating_mul(1000);
        let expiry_ms = state.now_ms().saturating_add(ttl_ms);
        state.access.insert(access.clone(), expiry_ms);
        (access, expiry_ms / 1000)
    }

    /// Issues a new pair.
    fn issue(&self, state: &mut SimState) -> ZaloTokens {
        let (access, access_expires_at) = self.issue_access(state);
        let refresh = self.next(state, "sim-refresh");
        state.refresh.insert(refresh.clone(), false);
        ZaloTokens {
            access_token: Secret(access),
            refresh_token: Secret(refresh),
            access_expires_at,
        }
    }

    /// An access token that is known and not expired.
    fn token_ok(&self, headers: &HeaderMap) -> bool {
        let Some(token) = headers.get("access_token").and_then(|v| v.to_str().ok()) else {
            return false;
        };
        let state = self.state();
        let now_ms = state.now_ms();
        state
            .access
            .get(token)
            .is_some_and(|expiry| *expiry > now_ms)
    }

    /// A `user_send_text` event, its body and signature (with `key`).
    fn user_text_event(&self, user_id: &str, text: &str, key: &str) -> (String, String) {
        let (msg_id, timestamp) = {
            let mut state = self.state();
            let msg_id = self.next(&mut state, "sim-msg");
            (msg_id, (state.now_ms()).to_string())
        };
        let body = json!({
            "app_id": self.config.app_id,
            "user_id_by_app": format!("app-{user_id}"),
            "event_name": "user_send_text",
            "timestamp": timestamp,
            "sender": { "id": user_id },
            "recipient": { "id": self.config.oa_id },
            "message": { "text": text, "msg_id": msg_id },
        })
        .to_string();
        let signature = webhook_signature(&self.config.app_id, body.as_bytes(), &timestamp, key);
        (body, signature)
    }

    async fn post_event(
        &self,
        body: String,
        signature: Option<String>,
    ) -> Result<Delivery, ZaloSimError> {
        let url = self
            .state()
            .webhook_url
            .clone()
            .ok_or(ZaloSimError::NoWebhookUrl)?;
        let mut request = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.clone());
        if let Some(signature) = &signature {
            request = request.header(SIGNATURE_HEADER, signature);
        }
        let response = request
            .send()
            .await
            .map_err(|e| ZaloSimError::Unreachable(e.without_url().to_string()))?;
        let status = response.status().as_u16();
        let reply = response.text().await.unwrap_or_default();
        Ok(Delivery {
            body,
            signature,
            status,
            reply,
        })
    }

    /// A user writes to the OA: the line is shown on the page and the signed event delivered.
    async fn user_sends_text(&self, user_id: &str, text: &str) -> Result<Delivery, ZaloSimError> {
        let (body, signature) = self.user_text_event(user_id, text, &self.config.oa_secret_key);
        let index = {
            let mut state = self.state();
            state.chat.push(ChatLine {
                user_id: user_id.to_owned(),
                from_user: true,
                text: text.to_owned(),
                status: None,
            });
            state.chat.len() - 1
        };
        let delivered = self.post_event(body, Some(signature)).await;
        let status = match &delivered {
            Ok(delivery) => format!("webhook → HTTP {}", delivery.status),
            Err(error) => error.to_string(),
        };
        if let Some(line) = self.state().chat.get_mut(index) {
            line.status = Some(status);
        }
        delivered
    }
}

/// A local Zalo.
#[derive(Debug)]
pub struct ZaloSimulator;

impl ZaloSimulator {
    /// Starts it on `127.0.0.1:<free port>`; configure the adapter with
    /// [`ZaloSimHandle::adapter_config`] and seed its store with
    /// [`ZaloSimHandle::initial_tokens`].
    pub async fn start(config: ZaloSimConfig) -> std::io::Result<ZaloSimHandle> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let client = crate::http::client().map_err(std::io::Error::other)?;
        let core = Arc::new(Core {
            base_url: format!("http://{address}"),
            tag: address.port(),
            state: Mutex::new(SimState::new(config.webhook_url.clone())),
            config,
            client,
        });
        {
            let mut state = core.state();
            // The first refresh token is the configured one, so that a demo can be seeded by hand.
            let refresh = core.config.initial_refresh_token.clone();
            state.refresh.insert(refresh.clone(), false);
            let (access, access_expires_at) = core.issue_access(&mut state);
            state.initial = ZaloTokens {
                access_token: Secret(access),
                refresh_token: Secret(refresh),
                access_expires_at,
            };
        }
        let router = Router::new()
            .route("/", get(page::chat_page))
            .route("/simulator/user-sends", post(page::user_sends))
            .route(
                PERMISSION_PATH,
                get(permission::permission_page).post(permission::decide),
            )
            .route(OAUTH_PATH, post(api::token))
            .route(&format!("{OPENAPI_PREFIX}{CS_PATH}"), post(api::cs_message))
            .route(&format!("{ZNS_PREFIX}{ZNS_PATH}"), post(api::zns_message))
            .with_state(core.clone());
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, router).await {
                tracing::warn!(%error, "Zalo simulator stopped");
            }
        });
        Ok(ZaloSimHandle { core, task })
    }
}

/// A running simulator. Dropping it stops the service.
pub struct ZaloSimHandle {
    core: Arc<Core>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ZaloSimHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl std::fmt::Debug for ZaloSimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZaloSimHandle")
            .field("base_url", &self.core.base_url)
            .finish_non_exhaustive()
    }
}

impl ZaloSimHandle {
    /// `http://127.0.0.1:<port>`; the chat page is here.
    pub fn base_url(&self) -> &str {
        &self.core.base_url
    }

    /// The token endpoint, for [`ZaloConfig::oauth_url`].
    pub fn oauth_url(&self) -> String {
        format!("{}{OAUTH_PATH}", self.core.base_url)
    }

    /// The permission page an OA admin grants access on, for [`ZaloConfig::permission_url`].
    pub fn permission_url(&self) -> String {
        format!("{}{PERMISSION_PATH}", self.core.base_url)
    }

    /// For [`ZaloConfig::openapi_url`].
    pub fn openapi_url(&self) -> String {
        format!("{}{OPENAPI_PREFIX}", self.core.base_url)
    }

    /// For [`ZaloConfig::zns_url`].
    pub fn zns_url(&self) -> String {
        format!("{}{ZNS_PREFIX}", self.core.base_url)
    }

    /// The adapter's configuration for this simulator.
    pub fn adapter_config(&self) -> ZaloConfig {
        let config = &self.core.config;
        ZaloConfig {
            app_id: config.app_id.clone(),
            app_secret: Secret(config.app_secret.clone()),
            oa_secret_key: Secret(config.oa_secret_key.clone()),
            permission_url: self.permission_url(),
            oauth_url: self.oauth_url(),
            openapi_url: self.openapi_url(),
            zns_url: self.zns_url(),
        }
    }

    /// The pair issued at start (what an OA admin's grant gives), to seed a token store.
    /// `access_expires_at` is on the simulator's clock as it was at start.
    pub fn initial_tokens(&self) -> ZaloTokens {
        self.core.state().initial.clone()
    }

    /// The user follows the OA, so CS messages to them are accepted.
    pub fn add_follower(&self, user_id: &str) {
        self.core.state().followers.insert(user_id.to_owned());
    }

    /// Registers an approved ZNS template and the parameters its `template_data` must have.
    pub fn add_zns_template(&self, template_id: &str, required_params: &[&str]) {
        self.core.state().templates.insert(
            template_id.to_owned(),
            required_params.iter().map(|p| (*p).to_owned()).collect(),
        );
    }

    /// Every access token issued so far is answered -216 (ZNS -124) from now on.
    pub fn expire_access_tokens(&self) {
        let mut state = self.core.state();
        let past = state.now_ms() - 1;
        for expiry in state.access.values_mut() {
            *expiry = (*expiry).min(past);
        }
    }

    /// While `true`, every endpoint answers 503.
    pub fn set_down(&self, down: bool) {
        self.core.state().down = down;
    }

    pub fn set_webhook_url(&self, url: impl Into<String>) {
        self.core.state().webhook_url = Some(url.into());
    }

    /// Sets the simulator's clock (epoch ms; it runs on from there): token expiry and event
    /// timestamps follow it.
    pub fn set_now_ms(&self, now_ms: i64) {
        self.core.state().clock_offset_ms = now_ms - real_now_ms();
    }

    /// Successful refreshes (new pairs issued).
    pub fn refresh_count(&self) -> usize {
        self.core.state().refreshes
    }

    /// Refreshes refused because the refresh token had been used (-14020).
    pub fn reused_refresh_count(&self) -> usize {
        self.core.state().refused_refreshes
    }

    /// The OA's id, as the permission page sends it back.
    pub fn oa_id(&self) -> &str {
        &self.core.config.oa_id
    }

    /// Authorisation codes exchanged for a token pair.
    pub fn code_exchange_count(&self) -> usize {
        self.core.state().code_exchanges
    }

    /// Code exchanges refused (unknown, used or expired code, wrong verifier).
    pub fn refused_code_exchange_count(&self) -> usize {
        self.core.state().refused_code_exchanges
    }

    /// Plays the OA admin's browser on the permission page: opens `permission_url` (as the
    /// app built it), presses "Allow" (or "Refuse" when `allow` is false) and returns where
    /// the page sends the browser back to (the app's redirect URI with `code`, `oa_id` and
    /// `state`, or with `error`). An error is the page's refusal, with its status and text.
    pub async fn decide(&self, permission_url: &str, allow: bool) -> Result<String, String> {
        let reply = self
            .core
            .client
            .get(permission_url)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = reply.status();
        let html = reply.text().await.map_err(|e| e.to_string())?;
        if !status.is_success() || !html.contains(crate::simulator::BANNER) {
            return Err(format!("HTTP {status}: {html}"));
        }
        let query = permission_url
            .split_once('?')
            .map(|(_, query)| query)
            .unwrap_or("");
        let mut form: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        form.push((
            "decision".to_owned(),
            if allow { "allow" } else { "deny" }.to_owned(),
        ));
        let body = form
            .iter()
            .fold(
                form_urlencoded::Serializer::new(String::new()),
                |mut s, (k, v)| {
                    s.append_pair(k, v);
                    s
                },
            )
            .finish();
        let reply = self
            .core
            .client
            .post(self.permission_url())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = reply.status();
        let location = reply
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        match location {
            Some(location) if status.is_redirection() => Ok(location),
            _ => Err(format!(
                "HTTP {status}: {}",
                reply.text().await.unwrap_or_default()
            )),
        }
    }

    /// Messages accepted (CS and ZNS), oldest first.
    pub fn messages(&self) -> Vec<SentMessage> {
        self.core.state().messages.clone()
    }

    /// A user writes `text` to the OA: a correctly signed `user_send_text` event with a fresh
    /// `msg_id` and the current timestamp goes to the webhook; returns what it answered.
    pub async fn user_sends_text(
        &self,
        user_id: &str,
        text: &str,
    ) -> Result<Delivery, ZaloSimError> {
        self.core.user_sends_text(user_id, text).await
    }

    /// A correctly signed `user_send_text` event (body, `X-ZEvent-Signature`), not sent: for
    /// tests that alter it or send it twice with [`ZaloSimHandle::send_raw_event`].
    pub fn signed_user_text_event(&self, user_id: &str, text: &str) -> (String, String) {
        self.core
            .user_text_event(user_id, text, &self.core.config.oa_secret_key)
    }

    /// Sends a `user_send_text` event signed with another key.
    pub async fn send_forged(&self, user_id: &str, text: &str) -> Result<Delivery, ZaloSimError> {
        let forged_key = format!("{}-forged", self.core.config.oa_secret_key);
        let (body, signature) = self.core.user_text_event(user_id, text, &forged_key);
        self.core.post_event(body, Some(signature)).await
    }

    /// Sends `body` as it is, with `signature` as the header (none when `None`).
    pub async fn send_raw_event(
        &self,
        body: &str,
        signature: Option<&str>,
    ) -> Result<Delivery, ZaloSimError> {
        self.core
            .post_event(body.to_owned(), signature.map(str::to_owned))
            .await
    }
}
