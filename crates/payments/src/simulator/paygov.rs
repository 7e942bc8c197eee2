//! The national payment platform simulator: INIT and QUERY at `/paygov/api`, the payment page
//! at `/paygov/pay/{reference}` and its two buttons.
//!
//! Its error codes in the `{"error_code","message"}` envelope are [assumed] (the platform's
//! own list was not available): `2` unknown partner, `3` malformed message, `4` fee lines that
//! do not add up, `94` a reference already used for another order, `97` wrong `MaXacThuc`,
//! `401` missing or wrong Bearer token (with HTTP 401).

use super::{
    Completion, Core, Order, Outbound, Protocol, SimStatus, SimulatorError, SimulatorHandle,
    Variant, done_page, error_page, payment_page,
};
use crate::http::field_text;
use crate::paygov::{
    CONFIRM_FIELDS, INIT_FIELDS, QUERY_FIELDS, VERSION, codes, ma_xac_thuc_of, verify_ma_xac_thuc,
};
use crate::{format_gateway_time, parse_gateway_time};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::sync::Arc;

pub(super) const API_PATH: &str = "/paygov/api";
pub(super) const PAY_PREFIX: &str = "/paygov/pay";
const GATEWAY: &str = "Nền tảng thanh toán DVCQG (PayGov)";

/// What the platform simulator knows of the merchant.
#[derive(Clone)]
pub struct PayGovSimulatorConfig {
    pub partner_code: String,
    pub secret_key: String,
    /// The merchant's confirm URL (registered with the platform in real life).
    pub confirm_url: String,
    /// When set, INIT and QUERY must carry `Authorization: Bearer <token>`.
    pub bearer_token: Option<String>,
}

impl std::fmt::Debug for PayGovSimulatorConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PayGovSimulatorConfig")
            .field("partner_code", &self.partner_code)
            .field("secret_key", &"[redacted]")
            .field("confirm_url", &self.confirm_url)
            .field(
                "bearer_token",
                &self.bearer_token.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

/// A local national payment platform.
#[derive(Debug)]
pub struct PayGovSimulator;

impl PayGovSimulator {
    /// Starts it on `127.0.0.1:<free port>`; configure the adapter's `api_url` with
    /// [`SimulatorHandle::api_url`].
    pub async fn start(config: PayGovSimulatorConfig) -> std::io::Result<SimulatorHandle> {
        super::start(Protocol::PayGov(config)).await
    }
}

#[derive(Clone)]
struct App {
    core: Arc<Core>,
    config: Arc<PayGovSimulatorConfig>,
}

pub(super) fn router(core: Arc<Core>, config: PayGovSimulatorConfig) -> Router {
    Router::new()
        .route(API_PATH, post(api))
        .route("/paygov/pay/{reference}", get(pay_page))
        .route("/paygov/pay/{reference}/pay", post(pay))
        .route("/paygov/pay/{reference}/cancel", post(cancel))
        .with_state(App {
            core,
            config: Arc::new(config),
        })
}

/// A message of `fields` with its `MaXacThuc` over `signed`.
fn signed(secret: &str, fields: Vec<(&str, Value)>, covered: &[&str]) -> Value {
    let mut object = serde_json::Map::new();
    for (key, value) in fields {
        object.insert(key.to_owned(), value);
    }
    let mut message = Value::Object(object);
    let signature = ma_xac_thuc_of(secret, &message, covered);
    if let Value::Object(object) = &mut message {
        object.insert("MaXacThuc".to_owned(), Value::String(signature));
    }
    message
}

/// The confirm-shaped result of an order: `LoaiBanTin` as given, `SoTien` a JSON number (as
/// the public code reads it).
fn result_message(
    config: &PayGovSimulatorConfig,
    order: &Order,
    kind: &str,
    code: &str,
    variant: Variant,
) -> Value {
    let amount = match variant {
        Variant::Amount(amount) => amount,
        _ => order.amount_vnd,
    };
    let secret = match variant {
        Variant::Forged => format!("{}-forged", config.secret_key),
        _ => config.secret_key.clone(),
    };
    let time = order
        .paid_at
        .map(format_gateway_time)
        .unwrap_or_else(|| order.created.clone());
    signed(
        &secret,
        vec![
            ("LoaiBanTin", json!(kind)),
            ("MaLoi", json!(code)),
            ("MaDoiTac", json!(config.partner_code)),
            ("MaThamChieu", json!(order.reference)),
            ("SoTien", json!(amount)),
            ("MaTienTe", json!("VND")),
            (
                "MaGiaoDich",
                json!(order.transaction.clone().unwrap_or_default()),
            ),
            ("MaNganHang", json!("VCB")),
            ("ThoiGianGD", json!(time)),
            ("ThongTinGiaoDich", json!(order.description)),
        ],
        &CONFIRM_FIELDS,
    )
}

/// [assumed] `LoaiBanTin` of the platform's confirm message.
const CONFIRM_KIND: &str = "CONFIRM";

pub(super) fn confirmation(
    config: &PayGovSimulatorConfig,
    order: &Order,
    variant: Variant,
) -> Outbound {
    Outbound::PostJson {
        reference: order.reference.clone(),
        body: result_message(config, order, CONFIRM_KIND, &order.result_code, variant).to_string(),
    }
}

/// The return query: the confirm fields and `MaXacThuc` [assumed].
pub(super) fn result_query(config: &PayGovSimulatorConfig, order: &Order) -> String {
    let message = result_message(
        config,
        order,
        CONFIRM_KIND,
        &order.result_code,
        Variant::AsIs,
    );
    let mut query = form_urlencoded::Serializer::new(String::new());
    for field in CONFIRM_FIELDS.iter().chain(&["MaXacThuc"]) {
        query.append_pair(field, &field_text(&message, field));
    }
    query.finish()
}

fn envelope(code: &str, message: &str) -> Value {
    json!({ "error_code": code, "message": message })
}

async fn api(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(token) = &app.config.bearer_token {
        let expected = format!("Bearer {token}");
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if given != Some(expected.as_str()) {
            return (
                StatusCode::UNAUTHORIZED,
                axum::Json(envelope("401", "Unauthorized")),
            )
                .into_response();
        }
    }
    let Ok(message) = serde_json::from_slice::<Value>(&body) else {
        return axum::Json(envelope("3", "Du lieu khong dung dinh dang")).into_response();
    };
    let reply = match field_text(&message, "LoaiBanTin").as_str() {
        "INIT" => init(&app, &message),
        "QUERY" => query(&app, &message),
        _ => envelope("3", "LoaiBanTin khong hop le"),
    };
    axum::Json(reply).into_response()
}

fn positive(text: &str) -> Option<i64> {
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|a: &i64| *a > 0)
}

fn init(app: &App, message: &Value) -> Value {
    let config = &app.config;
    if field_text(message, "MaDoiTac") != config.partner_code {
        return envelope("2", "MaDoiTac khong hop le");
    }
    if !verify_ma_xac_thuc(&config.secret_key, message, &INIT_FIELDS) {
        return envelope("97", "MaXacThuc khong hop le");
    }
    let text = |key: &str| field_text(message, key);
    let reference = text("MaThamChieu");
    let Some(amount) = positive(&text("SoTien")) else {
        return envelope("3", "SoTien khong hop le");
    };
    let well_formed = text("PhienBan") == VERSION
        && text("LoaiHinhThanhToan") == "PAY"
        && text("MaTienTe") == "VND"
        && !reference.is_empty()
        && !text("ThongTinGiaoDich").is_empty()
        && parse_gateway_time(&text("ThoiGianGD")).is_some();
    if !well_formed {
        return envelope("3", "Du lieu khong dung dinh dang");
    }
    let receipt = message.get("ThongTinBienLai").unwrap_or(&Value::Null);
    if field_text(receipt, "MaHoSo").is_empty() {
        return envelope("3", "ThongTinBienLai.MaHoSo thieu");
    }
    let lines = receipt
        .get("PhiLePhi")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut total = 0i64;
    for line in &lines {
        let kind = field_text(line, "LoaiPhiLePhi");
        let Some(line_amount) = positive(&field_text(line, "SoTien")) else {
            return envelope("4", "PhiLePhi.SoTien khong hop le");
        };
        if !matches!(kind.as_str(), "Phi" | "LePhi") || field_text(line, "MaPhiLePhi").is_empty() {
            return envelope("3", "PhiLePhi khong hop le");
        }
        total = total.saturating_add(line_amount);
    }
    if lines.is_empty() || total != amount {
        return envelope("4", "Tong PhiLePhi khong bang SoTien");
    }
    let url = format!("{}{PAY_PREFIX}/{reference}", app.core.base_url);
    let ok = || {
        envelope(
            "0",
            &json!({ "MaThamChieu": reference, "UrlThanhToan": url }).to_string(),
        )
    };
    let registration = text("MaXacThuc").to_ascii_lowercase();
    let mut state = app.core.state();
    if let Some(existing) = state.order(&reference) {
        return if existing.registration == registration && existing.status == SimStatus::Pending {
            ok()
        } else {
            envelope("94", "MaThamChieu da ton tai")
        };
    }
    let return_url = text("UrlTraVe");
    state.orders.push(Order {
        reference: reference.clone(),
        amount_vnd: amount,
        description: text("ThongTinGiaoDich"),
        return_url: (!return_url.is_empty()).then_some(return_url),
        created: text("ThoiGianGD"),
        expires_at: None,
        registration,
        status: SimStatus::Pending,
        transaction: None,
        paid_at: None,
        result_code: String::new(),
        refund_kind: None,
        refund_transaction: None,
    });
    ok()
}

fn query(app: &App, message: &Value) -> Value {
    let config = &app.config;
    if field_text(message, "MaDoiTac") != config.partner_code {
        return envelope("2", "MaDoiTac khong hop le");
    }
    if !verify_ma_xac_thuc(&config.secret_key, message, &QUERY_FIELDS) {
        return envelope("97", "MaXacThuc khong hop le");
    }
    let reference = field_text(message, "MaThamChieu");
    let time = field_text(message, "ThoiGianGD");
    let found = app
        .core
        .state()
        .order(&reference)
        .filter(|o| o.created == time)
        .cloned();
    let Some(order) = found else {
        return signed(
            &config.secret_key,
            vec![
                ("LoaiBanTin", json!("QUERY")),
                ("MaLoi", json!(codes::NOT_FOUND)),
                ("MoTaLoi", json!("Khong tim thay giao dich")),
                ("MaDoiTac", json!(config.partner_code)),
                ("MaThamChieu", json!(reference)),
                ("ThoiGianGD", json!(time)),
            ],
            &CONFIRM_FIELDS,
        );
    };
    let code = match &order.status {
        SimStatus::Pending => codes::PENDING.to_owned(),
        SimStatus::Paid | SimStatus::Refunded { .. } => codes::SUCCESS.to_owned(),
        SimStatus::Declined { code } => code.clone(),
    };
    result_message(config, &order, "QUERY", &code, Variant::AsIs)
}

async fn pay_page(State(app): State<App>, Path(reference): Path<String>) -> Response {
    let order = app.core.state().order(&reference).cloned();
    match order {
        Some(order) if order.status == SimStatus::Pending => {
            let base = format!("{PAY_PREFIX}/{}", order.reference);
            Html(payment_page(
                GATEWAY,
                &order,
                &format!("{base}/pay"),
                &format!("{base}/cancel"),
            ))
            .into_response()
        }
        Some(order) => done(&app, &order),
        None => not_found(),
    }
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(error_page(
            GATEWAY,
            "02",
            "Không tìm thấy giao dịch / Transaction not found",
        )),
    )
        .into_response()
}

fn done(app: &App, order: &Order) -> Response {
    match app.core.return_target(order) {
        Some(target) => Redirect::to(&target).into_response(),
        None => Html(done_page(GATEWAY, order)).into_response(),
    }
}

async fn pay(State(app): State<App>, Path(reference): Path<String>) -> Response {
    finish(&app, &reference, Completion::Pay).await
}

async fn cancel(State(app): State<App>, Path(reference): Path<String>) -> Response {
    finish(&app, &reference, Completion::Decline).await
}

async fn finish(app: &App, reference: &str, completion: Completion) -> Response {
    match app.core.complete(reference, completion).await {
        Ok(Some(target)) => Redirect::to(&target).into_response(),
        Ok(None) | Err(SimulatorError::NotPending(_)) => {
            let order = app.core.state().order(reference).cloned();
            match order {
                Some(order) => done(app, &order),
                None => not_found(),
            }
        }
        Err(_) => not_found(),
    }
}
