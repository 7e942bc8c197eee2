//! A brand-name SMS gateway speaking the generic shape of [`crate::sms`]: `POST /sms/send`
//! (JSON or form, by `Content-Type`), replies `{"code","message","message_id"}` with the codes
//! of [`crate::sms::codes`].
//!
//! It checks what a real gateway checks, in this order: the service is up (else 503), the
//! credentials (HTTP 401, code 10), every field present (30), the brand name registered to the
//! account (11), the number (`84` + 9 digits of a mobile range, and not one of
//! [`SmsSimConfig::invalid_numbers`]: 20, with HTTP 200 as real gateways do), the text (GSM-7
//! printable ASCII, at most 4 SMS: 21). A request id seen before returns the first message id
//! and sends nothing (31 if the message differs). [`SmsSimHandle::set_lose_replies`] makes it
//! accept messages and answer 504, so that the client sees the gateway as unreachable after
//! the message was in fact sent.
//!
//! `GET /` lists the received messages under [`super::BANNER`].

use super::{escape_html, page};
use crate::sms::{SmsFields, codes, segments};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

/// Where the simulator takes messages.
pub const SEND_PATH: &str = "/sms/send";

/// How the simulated account expects its credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsSimAuth {
    /// `Authorization: Basic base64(username:api_key)`.
    Basic,
    /// The API key in the named header (the username is not checked).
    Header(String),
    /// Both in body fields of these names.
    BodyFields {
        username_field: String,
        api_key_field: String,
    },
}

/// The account the simulator holds for us.
#[derive(Clone)]
pub struct SmsSimConfig {
    pub username: String,
    pub api_key: String,
    /// The brand name registered to the account.
    pub brand_name: String,
    pub auth: SmsSimAuth,
    /// The field names it reads.
    pub fields: SmsFields,
    /// Well-formed numbers (`84…`) the network says do not exist: refused with code 20.
    pub invalid_numbers: Vec<String>,
}

impl std::fmt::Debug for SmsSimConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsSimConfig")
            .field("username", &self.username)
            .field("api_key", &"[redacted]")
            .field("brand_name", &self.brand_name)
            .field("auth", &self.auth)
            .field("fields", &self.fields)
            .field("invalid_numbers", &self.invalid_numbers)
            .finish()
    }
}

impl SmsSimConfig {
    /// HTTP Basic, [`SmsFields::generic`], no invalid numbers: what
    /// [`crate::sms::SmsConfig::generic`] speaks.
    pub fn generic(
        username: impl Into<String>,
        api_key: impl Into<String>,
        brand_name: impl Into<String>,
    ) -> Self {
        Self {
            username: username.into(),
            api_key: api_key.into(),
            brand_name: brand_name.into(),
            auth: SmsSimAuth::Basic,
            fields: SmsFields::generic(),
            invalid_numbers: Vec::new(),
        }
    }
}

/// One message the simulator accepted (sent once, however often it was requested).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimSms {
    pub provider_id: String,
    pub request_id: String,
    pub phone: String,
    pub text: String,
    pub brand_name: String,
    pub segments: u32,
}

#[derive(Default)]
struct SimState {
    messages: Vec<SimSms>,
    by_request: HashMap<String, usize>,
    received: u32,
    down: bool,
    lose_replies: u32,
}

struct Core {
    config: SmsSimConfig,
    base_url: String,
    state: Mutex<SimState>,
}

impl Core {
    fn state(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A local brand-name SMS gateway.
#[derive(Debug)]
pub struct SmsSimulator;

impl SmsSimulator {
    /// Starts it on `127.0.0.1:<free port>`; point the adapter at [`SmsSimHandle::endpoint`].
    pub async fn start(config: SmsSimConfig) -> std::io::Result<SmsSimHandle> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let core = Arc::new(Core {
            config,
            base_url: format!("http://{address}"),
            state: Mutex::new(SimState::default()),
        });
        let router = Router::new()
            .route("/", get(page_handler))
            .route(SEND_PATH, post(send))
            .with_state(core.clone());
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, router).await {
                tracing::warn!(%error, "SMS simulator stopped");
            }
        });
        Ok(SmsSimHandle { core, task })
    }
}

/// A running SMS simulator. Dropping it stops the service.
pub struct SmsSimHandle {
    core: Arc<Core>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SmsSimHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl std::fmt::Debug for SmsSimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsSimHandle")
            .field("base_url", &self.core.base_url)
            .finish_non_exhaustive()
    }
}

impl SmsSimHandle {
    /// `http://127.0.0.1:<port>`; the page of received messages is here.
    pub fn base_url(&self) -> &str {
        &self.core.base_url
    }

    /// The URL to configure the adapter with.
    pub fn endpoint(&self) -> String {
        format!("{}{SEND_PATH}", self.core.base_url)
    }

    /// Every message sent, once each, oldest first.
    pub fn messages(&self) -> Vec<SimSms> {
        self.core.state().messages.clone()
    }

    /// How many requests reached the send endpoint (answered or not).
    pub fn received(&self) -> u32 {
        self.core.state().received
    }

    /// While `true`, every request is answered 503 and nothing is sent.
    pub fn set_down(&self, down: bool) {
        self.core.state().down = down;
    }

    /// The next `n` requests that would succeed are carried out (the message is sent) but
    /// answered 504, as when the gateway's reply is lost on the way back.
    pub fn set_lose_replies(&self, n: u32) {
        self.core.state().lose_replies = n;
    }
}

fn reply(status: StatusCode, code: &str, message: &str, id: Option<&str>) -> Response {
    let mut body = serde_json::json!({"code": code, "message": message});
    if let Some(id) = id {
        body["message_id"] = serde_json::Value::String(id.to_owned());
    }
    (status, axum::Json(body)).into_response()
}

fn refuse(code: &str, message: &str) -> Response {
    reply(StatusCode::OK, code, message, None)
}

async fn send(State(core): State<Arc<Core>>, headers: HeaderMap, body: Bytes) -> Response {
    {
        let mut state = core.state();
        state.received += 1;
        if state.down {
            return reply(
                StatusCode::SERVICE_UNAVAILABLE,
                codes::SYSTEM,
                "maintenance",
                None,
            );
        }
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(fields) = read_fields(content_type, &body) else {
        return reply(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            codes::BAD_REQUEST,
            "expected a JSON object or a form",
            None,
        );
    };
    let config = &core.config;
    if !authorised(config, &headers, &fields) {
        return reply(
            StatusCode::UNAUTHORIZED,
            codes::AUTH,
            "authentication failed",
            None,
        );
    }
    let get = |name: &str| fields.get(name).map(String::as_str).unwrap_or("");
    let names = &config.fields;
    let (phone, text, brand) = (get(&names.phone), get(&names.text), get(&names.brand_name));
    let request_id = if names.request_id.is_empty() {
        ""
    } else {
        get(&names.request_id)
    };
    if phone.is_empty()
        || text.is_empty()
        || brand.is_empty()
        || (!names.request_id.is_empty() && request_id.is_empty())
    {
        return refuse(codes::BAD_REQUEST, "missing field");
    }
    if brand != config.brand_name {
        return refuse(codes::BRAND_NAME, "brand name not registered");
    }
    if !mobile_number(phone) || config.invalid_numbers.iter().any(|n| n == phone) {
        return refuse(codes::INVALID_PHONE, "invalid phone number");
    }
    let gsm = text
        .chars()
        .all(|c| c == '\n' || (c.is_ascii() && !c.is_ascii_control() && c != '`'));
    let cost = segments(text);
    if !gsm || cost > 4 {
        return refuse(codes::INVALID_TEXT, "text must be GSM-7, at most 4 SMS");
    }
    let mut state = core.state();
    let existing = (!request_id.is_empty())
        .then(|| state.by_request.get(request_id).copied())
        .flatten();
    let id = match existing {
        Some(index) => {
            let first = &state.messages[index];
            if first.phone != phone || first.text != text {
                return refuse(
                    codes::REQUEST_ID_REUSED,
                    "request id used for another message",
                );
            }
            first.provider_id.clone()
        }
        None => {
            let id = format!("SIM{:06}", state.messages.len() + 1);
            state.messages.push(SimSms {
                provider_id: id.clone(),
                request_id: request_id.to_owned(),
                phone: phone.to_owned(),
                text: text.to_owned(),
                brand_name: brand.to_owned(),
                segments: cost,
            });
            if !request_id.is_empty() {
                let index = state.messages.len() - 1;
                state.by_request.insert(request_id.to_owned(), index);
            }
            id
        }
    };
    if state.lose_replies > 0 {
        state.lose_replies -= 1;
        return (StatusCode::GATEWAY_TIMEOUT, "Gateway Timeout").into_response();
    }
    reply(StatusCode::OK, codes::OK, "OK", Some(&id))
}

/// `84` + 9 digits, the subscriber part starting with 3, 5, 7, 8 or 9.
fn mobile_number(phone: &str) -> bool {
    let bytes = phone.as_bytes();
    bytes.len() == 11
        && phone.starts_with("84")
        && bytes.iter().all(u8::is_ascii_digit)
        && matches!(bytes[2], b'3' | b'5' | b'7' | b'8' | b'9')
}

fn read_fields(content_type: &str, body: &[u8]) -> Option<BTreeMap<String, String>> {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match media.as_str() {
        "application/json" => {
            let value: serde_json::Value = serde_json::from_slice(body).ok()?;
            let object = value.as_object()?;
            // Numbers count as their spelling, as gateways written in loosely typed
            // languages read them.
            Some(
                object
                    .keys()
                    .map(|k| (k.clone(), crate::http::field_text(&value, k)))
                    .collect(),
            )
        }
        "application/x-www-form-urlencoded" => Some(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        ),
        _ => None,
    }
}

fn authorised(
    config: &SmsSimConfig,
    headers: &HeaderMap,
    fields: &BTreeMap<String, String>,
) -> bool {
    let same = |a: &str, b: &str| crate::constant_time_eq(a.as_bytes(), b.as_bytes());
    match &config.auth {
        SmsSimAuth::Basic => {
            let decoded = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Basic "))
                .and_then(|token| {
                    base64::engine::general_purpose::STANDARD
                        .decode(token.trim())
                        .ok()
                })
                .and_then(|bytes| String::from_utf8(bytes).ok());
            match decoded.as_deref().and_then(|d| d.split_once(':')) {
                Some((user, key)) => same(user, &config.username) & same(key, &config.api_key),
                None => false,
            }
        }
        SmsSimAuth::Header(name) => headers
            .get(name.as_str())
            .and_then(|v| v.to_str().ok())
            .is_some_and(|key| same(key, &config.api_key)),
        SmsSimAuth::BodyFields {
            username_field,
            api_key_field,
        } => {
            let user = fields.get(username_field).map(String::as_str).unwrap_or("");
            let key = fields.get(api_key_field).map(String::as_str).unwrap_or("");
            same(user, &config.username) & same(key, &config.api_key)
        }
    }
}

async fn page_handler(State(core): State<Arc<Core>>) -> Html<String> {
    let messages = core.state().messages.clone();
    let mut rows = String::new();
    for m in &messages {
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><pre>{}</pre></td><td>{}</td></tr>",
            escape_html(&m.provider_id),
            escape_html(&m.request_id),
            escape_html(&m.phone),
            escape_html(&m.brand_name),
            escape_html(&m.text),
            m.segments,
        ));
    }
    let body = if messages.is_empty() {
        "<p>Chưa có tin nhắn nào / No messages yet.</p>".to_owned()
    } else {
        format!(
            "<table><thead><tr><th>Mã tin / Id</th><th>Request id</th><th>Số điện thoại / Phone</th>\
             <th>Brand name</th><th>Nội dung / Text</th><th>SMS</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    };
    Html(page(
        "Cổng SMS brand name",
        &format!("<h1>Cổng SMS brand name (mô phỏng / simulated)</h1>{body}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_numbers_only() {
        assert!(mobile_number("84912345678"));
        assert!(mobile_number("84312345678"));
        assert!(!mobile_number("84212345678"));
        assert!(!mobile_number("0912345678"));
        assert!(!mobile_number("8491234567"));
        assert!(!mobile_number("8491234567x"));
    }
}
