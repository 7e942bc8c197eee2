//! The public postal operator as [`crate::postal`] describes it: `POST /api/v1/quote`,
//! `/api/v1/shipments` and `/api/v1/tracking`, each checked like the real service would
//! (503 while down; `X-Customer-Code` and the HMAC signature, else HTTP 401 code 01; the
//! timestamp within 10 minutes of the simulator's clock, else 401 code 02; then the fields,
//! code 10). Shipments are idempotent by reference and get S10 tracking numbers
//! (`EL…VN` for result delivery, `EH…VN` for dossier pickup, serials from 10000001).
//!
//! **Fees** [assumed, a simple table]: 15 000 đ for the first 250 g and 2 500 đ for each further
//! 250 g (or part) when the citizen's address names the agency's province
//! ([`PostalSimConfig::home_province`], compared without diacritics or case), 25 000 đ and
//! 5 000 đ otherwise; collecting a dossier from the citizen's home adds 10 000 đ. The citizen
//! is the receiver of a result delivery and the sender of a dossier pickup.
//!
//! **Tracking**: [`PostalSimHandle::advance`] moves a shipment along
//! ([`TrackingStatus::can_follow`]), records the event (which `/tracking` returns) and posts a
//! signed callback to [`PostalSimConfig::callback_url`]. `GET /` lists the shipments under
//! [`super::BANNER`] with one plain form button per possible next status, so a person running
//! the demo can move a dossier along without JavaScript.

use super::{escape_html, page};
use crate::postal::{
    HEADER_CUSTOMER, HEADER_SIGNATURE, HEADER_TIMESTAMP, MAX_SKEW_SECS, MAX_WEIGHT_GRAMS, Party,
    ShipmentKind, TrackingStatus, TrackingUpdate, codes, postal_phone, sign, tracking_number,
    verify_signature,
};
use crate::sms::fold_vietnamese;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex, MutexGuard};

/// Where the API lives on the simulator.
pub const API_PREFIX: &str = "/api/v1";

/// What the operator knows of the agency.
#[derive(Clone)]
pub struct PostalSimConfig {
    pub customer_code: String,
    pub api_key: String,
    pub callback_secret: String,
    /// Where tracking callbacks go (the agency's endpoint); `None`: nowhere.
    pub callback_url: Option<String>,
    /// The agency's province: addresses naming it pay the local rate.
    pub home_province: String,
}

impl std::fmt::Debug for PostalSimConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostalSimConfig")
            .field("customer_code", &self.customer_code)
            .field("api_key", &"[redacted]")
            .field("callback_secret", &"[redacted]")
            .field("callback_url", &self.callback_url)
            .field("home_province", &self.home_province)
            .finish()
    }
}

impl PostalSimConfig {
    /// An operator whose customer sits in Cần Thơ.
    pub fn new(
        customer_code: impl Into<String>,
        api_key: impl Into<String>,
        callback_secret: impl Into<String>,
        callback_url: Option<String>,
    ) -> Self {
        Self {
            customer_code: customer_code.into(),
            api_key: api_key.into(),
            callback_secret: callback_secret.into(),
            callback_url,
            home_province: "Cần Thơ".to_owned(),
        }
    }
}

/// A shipment in the simulator's books.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimShipment {
    pub tracking_number: String,
    pub reference: String,
    pub kind: ShipmentKind,
    pub sender: Party,
    pub receiver: Party,
    pub content: String,
    pub weight_grams: u32,
    pub cod_vnd: i64,
    pub fee_vnd: i64,
    /// `None` until the parcel is picked up.
    pub status: Option<TrackingStatus>,
    pub events: Vec<TrackingUpdate>,
}

/// One callback the simulator posted and what our server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackDelivery {
    pub event_id: String,
    pub body: String,
    pub timestamp: String,
    /// Signed with a wrong key on purpose.
    pub forged: bool,
    /// Our HTTP status, `None` when we could not be reached.
    pub status: Option<u16>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostalSimError {
    #[error("the simulator has no shipment {0}")]
    UnknownShipment(String),
    #[error("{to:?} cannot follow {from:?}")]
    InvalidTransition {
        from: Option<TrackingStatus>,
        to: TrackingStatus,
    },
    #[error("no callback was sent yet")]
    NoCallback,
    /// The event is recorded (`/tracking` shows it) but no answer came from our server:
    /// callbacks are being lost, no callback URL is set, or the server could not be reached.
    #[error("callback not delivered: {0}")]
    NotDelivered(String),
}

struct Stored {
    shipment: SimShipment,
    /// The order as received, to tell a retry from a reuse of the reference.
    request: Value,
}

#[derive(Default)]
struct SimState {
    shipments: Vec<Stored>,
    callbacks: Vec<CallbackDelivery>,
    last: Option<(String, String)>,
    received: u32,
    down: bool,
    lose_replies: u32,
    lose_callbacks: bool,
    clock_offset: i64,
    next_serial: u32,
    callback_url: Option<String>,
}

impl SimState {
    fn now(&self) -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp() + self.clock_offset
    }

    fn find_mut(&mut self, tracking_number: &str) -> Option<&mut SimShipment> {
        self.shipments
            .iter_mut()
            .map(|s| &mut s.shipment)
            .find(|s| s.tracking_number == tracking_number)
    }
}

struct Core {
    config: PostalSimConfig,
    base_url: String,
    state: Mutex<SimState>,
    client: reqwest::Client,
}

impl Core {
    fn state(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn advance(
        &self,
        tracking_number: &str,
        status: TrackingStatus,
    ) -> Result<u16, PostalSimError> {
        let (event_id, body, lose) = {
            let mut state = self.state();
            let at = state.now();
            let shipment = state
                .find_mut(tracking_number)
                .ok_or_else(|| PostalSimError::UnknownShipment(tracking_number.to_owned()))?;
            if !status.can_follow(shipment.status) {
                return Err(PostalSimError::InvalidTransition {
                    from: shipment.status,
                    to: status,
                });
            }
            let event = TrackingUpdate {
                event_id: format!("{tracking_number}-{:02}", shipment.events.len() + 1),
                tracking_number: tracking_number.to_owned(),
                reference: shipment.reference.clone(),
                status,
                at,
                note: note(status),
            };
            shipment.status = Some(status);
            shipment.events.push(event.clone());
            let body = callback_body(&self.config, &event);
            state.last = Some((event.event_id.clone(), body.clone()));
            (event.event_id, body, state.lose_callbacks)
        };
        if lose {
            return Err(PostalSimError::NotDelivered(
                "callbacks are being lost".to_owned(),
            ));
        }
        self.deliver(event_id, body, false).await
    }

    /// Posts one callback, signed now (with a wrong key when `forged`), and records it.
    async fn deliver(
        &self,
        event_id: String,
        body: String,
        forged: bool,
    ) -> Result<u16, PostalSimError> {
        let (url, timestamp) = {
            let state = self.state();
            (state.callback_url.clone(), state.now().to_string())
        };
        let Some(url) = url else {
            return Err(PostalSimError::NotDelivered("no callback URL".to_owned()));
        };
        let secret = if forged {
            format!("{}-forged", self.config.callback_secret)
        } else {
            self.config.callback_secret.clone()
        };
        let signature = sign(&secret, &timestamp, body.as_bytes());
        let sent = self
            .client
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(HEADER_CUSTOMER, &self.config.customer_code)
            .header(HEADER_TIMESTAMP, &timestamp)
            .header(HEADER_SIGNATURE, signature)
            .body(body.clone())
            .send()
            .await;
        let (status, error) = match sent {
            Ok(response) => (Some(response.status().as_u16()), None),
            Err(e) => (None, Some(e.without_url().to_string())),
        };
        self.state().callbacks.push(CallbackDelivery {
            event_id,
            body,
            timestamp,
            forged,
            status,
            error: error.clone(),
        });
        status.ok_or_else(|| PostalSimError::NotDelivered(error.unwrap_or_default()))
    }
}

fn note(status: TrackingStatus) -> Option<String> {
    match status {
        TrackingStatus::DeliveryFailed => {
            Some("Người nhận vắng nhà / receiver not at home".to_owned())
        }
        TrackingStatus::ReturnedToSender => Some("Chuyển hoàn / returned".to_owned()),
        _ => None,
    }
}

fn callback_body(config: &PostalSimConfig, event: &TrackingUpdate) -> String {
    let mut body = event.to_json();
    body["customer_code"] = Value::String(config.customer_code.clone());
    body.to_string()
}

/// A local postal operator.
#[derive(Debug)]
pub struct PostalSimulator;

impl PostalSimulator {
    /// Starts it on `127.0.0.1:<free port>`; configure the adapter with
    /// [`PostalSimHandle::endpoint`].
    pub async fn start(config: PostalSimConfig) -> std::io::Result<PostalSimHandle> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let client = crate::http::client().map_err(std::io::Error::other)?;
        let state = SimState {
            callback_url: config.callback_url.clone(),
            ..SimState::default()
        };
        let core = Arc::new(Core {
            config,
            base_url: format!("http://{address}"),
            state: Mutex::new(state),
            client,
        });
        let router = Router::new()
            .route("/", get(page_handler))
            .route("/sim/advance", post(advance_button))
            .route(&format!("{API_PREFIX}/quote"), post(quote))
            .route(&format!("{API_PREFIX}/shipments"), post(create))
            .route(&format!("{API_PREFIX}/tracking"), post(track))
            .with_state(core.clone());
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, router).await {
                tracing::warn!(%error, "postal simulator stopped");
            }
        });
        Ok(PostalSimHandle { core, task })
    }
}

/// A running postal simulator. Dropping it stops the service.
pub struct PostalSimHandle {
    core: Arc<Core>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for PostalSimHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl std::fmt::Debug for PostalSimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostalSimHandle")
            .field("base_url", &self.core.base_url)
            .finish_non_exhaustive()
    }
}

impl PostalSimHandle {
    /// `http://127.0.0.1:<port>`; the page of shipments is here.
    pub fn base_url(&self) -> &str {
        &self.core.base_url
    }

    /// The API address to configure the adapter with.
    pub fn endpoint(&self) -> String {
        format!("{}{API_PREFIX}", self.core.base_url)
    }

    /// Every shipment, in the order they were created.
    pub fn shipments(&self) -> Vec<SimShipment> {
        self.core
            .state()
            .shipments
            .iter()
            .map(|s| s.shipment.clone())
            .collect()
    }

    /// Every callback posted, oldest first.
    pub fn callbacks(&self) -> Vec<CallbackDelivery> {
        self.core.state().callbacks.clone()
    }

    /// How many API requests arrived (answered or not).
    pub fn received(&self) -> u32 {
        self.core.state().received
    }

    /// While `true`, every API request is answered 503.
    pub fn set_down(&self, down: bool) {
        self.core.state().down = down;
    }

    /// The next `n` API requests that would succeed are carried out but answered 504.
    pub fn set_lose_replies(&self, n: u32) {
        self.core.state().lose_replies = n;
    }

    /// While `true`, [`Self::advance`] records events without posting them (only `/tracking`
    /// shows them).
    pub fn set_lose_callbacks(&self, lose: bool) {
        self.core.state().lose_callbacks = lose;
    }

    pub fn set_callback_url(&self, url: Option<String>) {
        self.core.state().callback_url = url;
    }

    /// Sets the simulator's clock to `at` (unix seconds); it runs on from there. It stamps
    /// events and callbacks, and judges the timestamps of our requests.
    pub fn set_now(&self, at: i64) {
        self.core.state().clock_offset = at - time::OffsetDateTime::now_utc().unix_timestamp();
    }

    /// The simulator's clock.
    pub fn now(&self) -> i64 {
        self.core.state().now()
    }

    /// Moves a shipment to `status`, records the event and posts the signed callback;
    /// `Ok` is the HTTP status our server answered.
    pub async fn advance(
        &self,
        tracking_number: &str,
        status: TrackingStatus,
    ) -> Result<u16, PostalSimError> {
        self.core.advance(tracking_number, status).await
    }

    /// Posts the last callback again, unchanged but signed anew (what an operator retrying
    /// does): the same event id.
    pub async fn resend_last_callback(&self) -> Result<u16, PostalSimError> {
        let last = self.core.state().last.clone();
        let (event_id, body) = last.ok_or(PostalSimError::NoCallback)?;
        self.core.deliver(event_id, body, false).await
    }

    /// Posts a callback saying the shipment was delivered, signed with a wrong key. The
    /// simulator's books do not change.
    pub async fn send_forged_callback(&self, tracking_number: &str) -> Result<u16, PostalSimError> {
        let (event_id, body) = {
            let mut state = self.core.state();
            let at = state.now();
            let shipment = state
                .find_mut(tracking_number)
                .ok_or_else(|| PostalSimError::UnknownShipment(tracking_number.to_owned()))?;
            let event = TrackingUpdate {
                event_id: format!("{tracking_number}-F{:02}", shipment.events.len() + 1),
                tracking_number: tracking_number.to_owned(),
                reference: shipment.reference.clone(),
                status: TrackingStatus::Delivered,
                at,
                note: None,
            };
            (
                event.event_id.clone(),
                callback_body(&self.core.config, &event),
            )
        };
        self.core.deliver(event_id, body, true).await
    }
}

fn reply(status: StatusCode, code: &str, message: &str, extra: Value) -> Response {
    let mut body = json!({"code": code, "message": message});
    if let (Value::Object(body), Value::Object(extra)) = (&mut body, extra) {
        body.extend(extra);
    }
    (status, axum::Json(body)).into_response()
}

fn refuse(code: &str, message: &str) -> Response {
    reply(StatusCode::OK, code, message, Value::Null)
}

/// Why a request is turned away: the HTTP status, the code and the message.
type Refusal = (StatusCode, &'static str, &'static str);

/// Counts the request, then checks availability, customer, signature and clock; `Ok` is the
/// JSON body.
fn admit(core: &Core, headers: &HeaderMap, body: &[u8]) -> Result<Value, Refusal> {
    let now = {
        let mut state = core.state();
        state.received += 1;
        if state.down {
            return Err((
                StatusCode::SERVICE_UNAVAILABLE,
                codes::SYSTEM,
                "maintenance",
            ));
        }
        state.now()
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let customer_ok = header(HEADER_CUSTOMER) == Some(core.config.customer_code.as_str());
    let (Some(timestamp), Some(signature)) = (header(HEADER_TIMESTAMP), header(HEADER_SIGNATURE))
    else {
        return Err((StatusCode::UNAUTHORIZED, codes::AUTH, "missing signature"));
    };
    if !customer_ok || !verify_signature(&core.config.api_key, timestamp, body, signature) {
        return Err((StatusCode::UNAUTHORIZED, codes::AUTH, "invalid signature"));
    }
    match timestamp.parse::<i64>() {
        Ok(sent) if now.abs_diff(sent) <= MAX_SKEW_SECS.unsigned_abs() => {}
        _ => {
            return Err((
                StatusCode::UNAUTHORIZED,
                codes::STALE,
                "timestamp outside the window",
            ));
        }
    }
    serde_json::from_slice(body).map_err(|_| (StatusCode::OK, codes::INVALID, "body is not JSON"))
}

/// After a success: the reply, or 504 while replies are being lost.
fn answer(core: &Core, extra: Value) -> Response {
    let mut state = core.state();
    if state.lose_replies > 0 {
        state.lose_replies -= 1;
        return (StatusCode::GATEWAY_TIMEOUT, "Gateway Timeout").into_response();
    }
    reply(StatusCode::OK, codes::OK, "OK", extra)
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

fn weight(value: &Value) -> Option<u32> {
    value
        .get("weight_grams")
        .and_then(Value::as_u64)
        .and_then(|w| u32::try_from(w).ok())
        .filter(|w| (1..=MAX_WEIGHT_GRAMS).contains(w))
}

/// The fee table of the module documentation.
fn fee(config: &PostalSimConfig, kind: ShipmentKind, address: &str, weight_grams: u32) -> i64 {
    let fold = |s: &str| fold_vietnamese(s).to_lowercase();
    let local = fold(address).contains(&fold(&config.home_province));
    let (first, step) = if local {
        (15_000, 2_500)
    } else {
        (25_000, 5_000)
    };
    let further = i64::from(weight_grams.saturating_sub(1) / 250);
    let pickup = match kind {
        ShipmentKind::DossierPickup => 10_000,
        ShipmentKind::ResultDelivery => 0,
    };
    first + further * step + pickup
}

async fn quote(State(core): State<Arc<Core>>, headers: HeaderMap, body: Bytes) -> Response {
    let request = match admit(&core, &headers, &body) {
        Ok(request) => request,
        Err((status, code, message)) => return reply(status, code, message, Value::Null),
    };
    let kind = ShipmentKind::parse(text(&request, "kind"));
    let address = text(&request, "address");
    match (kind, weight(&request)) {
        (Some(kind), Some(grams)) if !address.trim().is_empty() => answer(
            &core,
            json!({"fee_vnd": fee(&core.config, kind, address, grams)}),
        ),
        _ => refuse(
            codes::INVALID,
            "kind, address and weight_grams (1-30000) required",
        ),
    }
}

fn party(value: &Value) -> Option<Party> {
    let party = Party {
        name: text(value, "name").to_owned(),
        phone: text(value, "phone").to_owned(),
        address: text(value, "address").to_owned(),
    };
    let ok = !party.name.trim().is_empty()
        && !party.address.trim().is_empty()
        && postal_phone(&party.phone).is_some();
    ok.then_some(party)
}

async fn create(State(core): State<Arc<Core>>, headers: HeaderMap, body: Bytes) -> Response {
    let request = match admit(&core, &headers, &body) {
        Ok(request) => request,
        Err((status, code, message)) => return reply(status, code, message, Value::Null),
    };
    let reference = text(&request, "reference");
    let kind = ShipmentKind::parse(text(&request, "kind"));
    let sender = request.get("sender").and_then(party);
    let receiver = request.get("receiver").and_then(party);
    let content = text(&request, "content");
    let cod = request
        .get("cod_vnd")
        .and_then(Value::as_i64)
        .filter(|c| *c >= 0);
    let (Some(kind), Some(sender), Some(receiver), Some(grams), Some(cod)) =
        (kind, sender, receiver, weight(&request), cod)
    else {
        return refuse(codes::INVALID, "invalid order");
    };
    if reference.is_empty() || content.trim().is_empty() {
        return refuse(codes::INVALID, "reference and content required");
    }
    let existing = {
        let state = core.state();
        state
            .shipments
            .iter()
            .find(|s| s.shipment.reference == reference)
            .map(|s| (s.request == request, s.shipment.clone()))
    };
    let shipment = match existing {
        Some((true, shipment)) => shipment,
        Some((false, _)) => {
            return refuse(codes::REFERENCE_REUSED, "reference used for another order");
        }
        None => {
            let citizen = match kind {
                ShipmentKind::ResultDelivery => &receiver.address,
                ShipmentKind::DossierPickup => &sender.address,
            };
            let fee_vnd = fee(&core.config, kind, citizen, grams);
            let mut state = core.state();
            state.next_serial += 1;
            let service = match kind {
                ShipmentKind::ResultDelivery => "EL",
                ShipmentKind::DossierPickup => "EH",
            };
            let Some(number) = tracking_number(service, 10_000_000 + state.next_serial) else {
                return refuse(codes::SYSTEM, "out of tracking numbers");
            };
            let shipment = SimShipment {
                tracking_number: number,
                reference: reference.to_owned(),
                kind,
                sender,
                receiver,
                content: content.to_owned(),
                weight_grams: grams,
                cod_vnd: cod,
                fee_vnd,
                status: None,
                events: Vec::new(),
            };
            state.shipments.push(Stored {
                shipment: shipment.clone(),
                request: request.clone(),
            });
            shipment
        }
    };
    answer(
        &core,
        json!({"tracking_number": shipment.tracking_number, "fee_vnd": shipment.fee_vnd}),
    )
}

async fn track(State(core): State<Arc<Core>>, headers: HeaderMap, body: Bytes) -> Response {
    let request = match admit(&core, &headers, &body) {
        Ok(request) => request,
        Err((status, code, message)) => return reply(status, code, message, Value::Null),
    };
    let number = text(&request, "tracking_number");
    let events = core.state().find_mut(number).map(|s| {
        s.events
            .iter()
            .map(TrackingUpdate::to_json)
            .collect::<Vec<_>>()
    });
    match events {
        Some(events) => answer(&core, json!({ "events": events })),
        None => refuse(codes::UNKNOWN_TRACKING, "unknown tracking number"),
    }
}

fn label(status: Option<TrackingStatus>) -> &'static str {
    match status {
        None => "Chờ nhận gửi / Awaiting pickup",
        Some(TrackingStatus::Accepted) => "Đã nhận gửi / Accepted",
        Some(TrackingStatus::InTransit) => "Đang vận chuyển / In transit",
        Some(TrackingStatus::OutForDelivery) => "Đang phát / Out for delivery",
        Some(TrackingStatus::Delivered) => "Phát thành công / Delivered",
        Some(TrackingStatus::DeliveryFailed) => "Phát không thành công / Delivery failed",
        Some(TrackingStatus::ReturnedToSender) => "Chuyển hoàn / Returned to sender",
    }
}

async fn page_handler(State(core): State<Arc<Core>>) -> Html<String> {
    let shipments: Vec<SimShipment> = core
        .state()
        .shipments
        .iter()
        .map(|s| s.shipment.clone())
        .collect();
    let mut rows = String::new();
    for s in &shipments {
        let mut buttons = String::new();
        for next in TrackingStatus::ALL
            .into_iter()
            .filter(|n| n.can_follow(s.status))
        {
            buttons.push_str(&format!(
                "<form method=\"post\" action=\"/sim/advance\">\
                 <input type=\"hidden\" name=\"tracking_number\" value=\"{number}\">\
                 <input type=\"hidden\" name=\"status\" value=\"{status}\">\
                 <button type=\"submit\">{label}</button></form>",
                number = escape_html(&s.tracking_number),
                status = next.as_str(),
                label = escape_html(label(Some(next))),
            ));
        }
        let citizen = match s.kind {
            ShipmentKind::ResultDelivery => &s.receiver,
            ShipmentKind::DossierPickup => &s.sender,
        };
        rows.push_str(&format!(
            "<tr><td>{number}</td><td>{reference}</td><td>{kind}</td><td>{name}<br>{address}</td>\
             <td>{content}</td><td>{fee}</td><td class=\"status\">{status}</td><td>{buttons}</td></tr>",
            number = escape_html(&s.tracking_number),
            reference = escape_html(&s.reference),
            kind = match s.kind {
                ShipmentKind::ResultDelivery => "Trả kết quả / Result delivery",
                ShipmentKind::DossierPickup => "Nhận hồ sơ / Dossier pickup",
            },
            name = escape_html(&citizen.name),
            address = escape_html(&citizen.address),
            content = escape_html(&s.content),
            fee = s.fee_vnd,
            status = escape_html(label(s.status)),
        ));
    }
    let body = if shipments.is_empty() {
        "<p>Chưa có bưu gửi nào / No shipments yet.</p>".to_owned()
    } else {
        format!(
            "<table><thead><tr><th>Số hiệu / Tracking</th><th>Tham chiếu / Reference</th>\
             <th>Loại / Kind</th><th>Công dân / Citizen</th><th>Nội dung / Content</th>\
             <th>Cước / Fee (đ)</th><th>Trạng thái / Status</th><th>Chuyển sang / Move to</th></tr>\
             </thead><tbody>{rows}</tbody></table>"
        )
    };
    Html(page(
        "Bưu chính công ích",
        &format!("<h1>Bưu chính công ích (mô phỏng / simulated)</h1>{body}"),
    ))
}

/// A button of the page: move the shipment on (posting its callback), then back to the page.
async fn advance_button(State(core): State<Arc<Core>>, body: Bytes) -> Response {
    let mut number = String::new();
    let mut status = None;
    for (key, value) in form_urlencoded::parse(&body) {
        match key.as_ref() {
            "tracking_number" => number = value.into_owned(),
            "status" => status = TrackingStatus::parse(&value),
            _ => {}
        }
    }
    let Some(status) = status else {
        return (StatusCode::BAD_REQUEST, "unknown status").into_response();
    };
    match core.advance(&number, status).await {
        // A lost or refused callback is part of the demo: the page shows the new status.
        Ok(_) | Err(PostalSimError::NotDelivered(_)) => Redirect::to("/").into_response(),
        // A second press of a stale page: nothing to do.
        Err(PostalSimError::InvalidTransition { .. }) => Redirect::to("/").into_response(),
        Err(error) => (StatusCode::NOT_FOUND, error.to_string()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fee_table() {
        let config = PostalSimConfig::new("C", "k", "s", None);
        let result = ShipmentKind::ResultDelivery;
        let pickup = ShipmentKind::DossierPickup;
        assert_eq!(fee(&config, result, "Ninh Kiều, Cần Thơ", 250), 15_000);
        assert_eq!(fee(&config, result, "ninh kieu, CAN THO", 251), 17_500);
        assert_eq!(fee(&config, result, "Ba Đình, Hà Nội", 1), 25_000);
        assert_eq!(fee(&config, result, "Ba Đình, Hà Nội", 300), 30_000);
        assert_eq!(fee(&config, pickup, "Cần Thơ", 1000), 32_500);
    }
}
