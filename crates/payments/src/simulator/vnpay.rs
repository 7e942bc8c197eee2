//! The VNPay simulator: the payment page (`/paymentv2/vpcpay.html`), its error page, the two
//! buttons, and `querydr`/`refund` at `/merchant_webapi/api/transaction`.

use super::{
    Completion, Core, Order, Outbound, Protocol, SimStatus, SimulatorError, SimulatorHandle,
    Variant, done_page, error_page, payment_page,
};
use crate::http::field_text;
use crate::vnpay::{
    QUERYDR_REPLY_FIELDS, QUERYDR_REQUEST_FIELDS, REFUND_FULL, REFUND_PARTIAL, REFUND_REPLY_FIELDS,
    REFUND_REQUEST_FIELDS, VERSION, amount_from_vnpay, canonical_query, pipe_hash, sign_params,
    verify_hmac_sha512, verify_params,
};
use crate::{CallbackError, format_gateway_time, parse_gateway_time};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

pub(super) const PAY_PATH: &str = "/paymentv2/vpcpay.html";
pub(super) const ERROR_PATH: &str = "/paymentv2/Payment/Error.html";
pub(super) const API_PATH: &str = "/merchant_webapi/api/transaction";
const GATEWAY: &str = "VNPay";

/// What the VNPay simulator knows of the merchant.
#[derive(Clone)]
pub struct VnPaySimulatorConfig {
    pub tmn_code: String,
    pub hash_secret: String,
    /// The merchant's IPN URL (registered with VNPay in real life).
    pub ipn_url: String,
}

impl std::fmt::Debug for VnPaySimulatorConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VnPaySimulatorConfig")
            .field("tmn_code", &self.tmn_code)
            .field("hash_secret", &"[redacted]")
            .field("ipn_url", &self.ipn_url)
            .finish()
    }
}

/// A local VNPay.
#[derive(Debug)]
pub struct VnPaySimulator;

impl VnPaySimulator {
    /// Starts it on `127.0.0.1:<free port>`; configure the adapter with
    /// [`SimulatorHandle::pay_url`] and [`SimulatorHandle::api_url`].
    pub async fn start(config: VnPaySimulatorConfig) -> std::io::Result<SimulatorHandle> {
        super::start(Protocol::VnPay(config)).await
    }
}

#[derive(Clone)]
struct App {
    core: Arc<Core>,
    config: Arc<VnPaySimulatorConfig>,
}

pub(super) fn router(core: Arc<Core>, config: VnPaySimulatorConfig) -> Router {
    Router::new()
        .route(PAY_PATH, get(pay_page))
        .route(ERROR_PATH, get(error))
        .route("/paymentv2/simulator/{reference}/pay", post(pay))
        .route("/paymentv2/simulator/{reference}/cancel", post(cancel))
        .route(API_PATH, post(api))
        .with_state(App {
            core,
            config: Arc::new(config),
        })
}

/// The result parameters of an order (IPN and return), signed; `Forged` signs with another
/// key, `Amount` names another amount.
pub(super) fn result_query(
    config: &VnPaySimulatorConfig,
    order: &Order,
    variant: Variant,
) -> String {
    let paid = order.result_code == "00";
    let amount = match variant {
        Variant::Amount(amount) => amount,
        _ => order.amount_vnd,
    };
    let transaction = order.transaction.clone().unwrap_or_else(|| "0".to_owned());
    let params = [
        ("vnp_Amount", amount.saturating_mul(100).to_string()),
        ("vnp_BankCode", "NCB".to_owned()),
        (
            "vnp_BankTranNo",
            if paid {
                format!("VNP{transaction}")
            } else {
                String::new()
            },
        ),
        ("vnp_CardType", if paid { "ATM" } else { "" }.to_owned()),
        ("vnp_OrderInfo", order.description.clone()),
        (
            "vnp_PayDate",
            order.paid_at.map(format_gateway_time).unwrap_or_default(),
        ),
        ("vnp_ResponseCode", order.result_code.clone()),
        ("vnp_TmnCode", config.tmn_code.clone()),
        ("vnp_TransactionNo", transaction),
        (
            "vnp_TransactionStatus",
            if paid { "00" } else { "02" }.to_owned(),
        ),
        ("vnp_TxnRef", order.reference.clone()),
    ];
    let secret = match variant {
        Variant::Forged => format!("{}-forged", config.hash_secret),
        _ => config.hash_secret.clone(),
    };
    sign_params(&secret, params.iter().map(|(k, v)| (*k, v.as_str())))
}

pub(super) fn confirmation(
    config: &VnPaySimulatorConfig,
    order: &Order,
    variant: Variant,
) -> Outbound {
    Outbound::Get {
        reference: order.reference.clone(),
        query: result_query(config, order, variant),
    }
}

fn error_message(code: &str) -> &'static str {
    match code {
        "01" => "Giao dịch đã tồn tại / Transaction already exists",
        "02" => "Merchant không hợp lệ / Invalid merchant (vnp_TmnCode)",
        "03" => "Dữ liệu gửi sang không đúng định dạng / Invalid data format",
        // [assumed] the payment page's code for a wrong signature.
        "70" => "Sai chữ ký / Invalid signature",
        "91" => "Không tìm thấy giao dịch / Transaction not found",
        _ => "Lỗi không xác định / Unknown error",
    }
}

/// Checks a payment request the way VNPay does and registers the order; the error is the
/// code of VNPay's error page.
fn register(app: &App, query: &str) -> Result<Order, &'static str> {
    let mut seen = BTreeMap::new();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        if seen.insert(key.into_owned(), value.into_owned()).is_some() {
            return Err("03");
        }
    }
    if seen.get("vnp_TmnCode") != Some(&app.config.tmn_code) {
        return Err("02");
    }
    let params = match verify_params(&app.config.hash_secret, query) {
        Ok(params) => params,
        Err(CallbackError::BadSignature) => return Err("70"),
        Err(CallbackError::Malformed(_)) => return Err("03"),
    };
    let get = |key: &str| params.get(key).map(String::as_str).unwrap_or("");
    let amount = amount_from_vnpay(get("vnp_Amount")).map_err(|_| "03")?;
    let return_url = get("vnp_ReturnUrl");
    let expires = get("vnp_ExpireDate");
    let valid = get("vnp_Version") == VERSION
        && get("vnp_Command") == "pay"
        && get("vnp_CurrCode") == "VND"
        && matches!(get("vnp_Locale"), "vn" | "en")
        && !get("vnp_TxnRef").is_empty()
        && !get("vnp_OrderInfo").is_empty()
        && !get("vnp_OrderType").is_empty()
        && !get("vnp_IpAddr").is_empty()
        && (return_url.starts_with("http://") || return_url.starts_with("https://"))
        && parse_gateway_time(get("vnp_CreateDate")).is_some()
        && (expires.is_empty() || parse_gateway_time(expires).is_some());
    if !valid {
        return Err("03");
    }
    let registration = canonical_query(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let mut state = app.core.state();
    if let Some(existing) = state.order(get("vnp_TxnRef")) {
        // Opening the same link again shows the same page; another order under a used
        // reference is refused.
        return if existing.registration == registration && existing.status == SimStatus::Pending {
            Ok(existing.clone())
        } else {
            Err("01")
        };
    }
    let order = Order {
        reference: get("vnp_TxnRef").to_owned(),
        amount_vnd: amount,
        description: get("vnp_OrderInfo").to_owned(),
        return_url: Some(return_url.to_owned()),
        created: get("vnp_CreateDate").to_owned(),
        expires_at: parse_gateway_time(expires),
        registration,
        status: SimStatus::Pending,
        transaction: None,
        paid_at: None,
        result_code: String::new(),
        refund_kind: None,
        refund_transaction: None,
    };
    state.orders.push(order.clone());
    Ok(order)
}

async fn pay_page(State(app): State<App>, RawQuery(query): RawQuery) -> Response {
    match register(&app, query.as_deref().unwrap_or("")) {
        Ok(order) => {
            let base = format!("/paymentv2/simulator/{}", order.reference);
            Html(payment_page(
                GATEWAY,
                &order,
                &format!("{base}/pay"),
                &format!("{base}/cancel"),
            ))
            .into_response()
        }
        Err(code) => Redirect::to(&format!("{ERROR_PATH}?code={code}")).into_response(),
    }
}

#[derive(serde::Deserialize)]
struct ErrorQuery {
    #[serde(default)]
    code: String,
}

async fn error(Query(query): Query<ErrorQuery>) -> Html<String> {
    Html(error_page(GATEWAY, &query.code, error_message(&query.code)))
}

async fn pay(State(app): State<App>, Path(reference): Path<String>) -> Response {
    finish(&app, &reference, Completion::Pay).await
}

async fn cancel(State(app): State<App>, Path(reference): Path<String>) -> Response {
    finish(&app, &reference, Completion::Decline).await
}

/// A button: complete the order, then send the browser back. A second press (the order is
/// no longer pending) only sends the browser back again.
async fn finish(app: &App, reference: &str, completion: Completion) -> Response {
    match app.core.complete(reference, completion).await {
        Ok(Some(target)) => Redirect::to(&target).into_response(),
        Ok(None) => done(app, reference),
        Err(SimulatorError::NotPending(_)) => done(app, reference),
        Err(_) => (
            StatusCode::NOT_FOUND,
            Html(error_page(GATEWAY, "91", error_message("91"))),
        )
            .into_response(),
    }
}

fn done(app: &App, reference: &str) -> Response {
    let order = app.core.state().order(reference).cloned();
    match order {
        Some(order) => match app.core.return_target(&order) {
            Some(target) => Redirect::to(&target).into_response(),
            None => Html(done_page(GATEWAY, &order)).into_response(),
        },
        None => (
            StatusCode::NOT_FOUND,
            Html(error_page(GATEWAY, "91", error_message("91"))),
        )
            .into_response(),
    }
}

/// A signed API reply: every field of `fields` (empty unless given), then `vnp_SecureHash`
/// over them in order.
fn signed_reply(config: &VnPaySimulatorConfig, fields: &[&str], given: &[(&str, String)]) -> Value {
    let mut object = serde_json::Map::new();
    for field in fields {
        let value = given
            .iter()
            .find(|(k, _)| k == field)
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        object.insert((*field).to_owned(), Value::String(value));
    }
    let snapshot = Value::Object(object.clone());
    let values: Vec<String> = fields.iter().map(|f| field_text(&snapshot, f)).collect();
    let refs: Vec<&str> = values.iter().map(String::as_str).collect();
    object.insert(
        "vnp_SecureHash".to_owned(),
        Value::String(pipe_hash(&config.hash_secret, &refs)),
    );
    Value::Object(object)
}

async fn api(State(app): State<App>, body: Bytes) -> axum::Json<Value> {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let reply = match field_text(&request, "vnp_Command").as_str() {
        "querydr" => querydr(&app, &request),
        "refund" => refund(&app, &request),
        _ => signed_reply(
            &app.config,
            &QUERYDR_REPLY_FIELDS,
            &[
                ("vnp_ResponseCode", "03".to_owned()),
                ("vnp_Message", "Invalid request format".to_owned()),
            ],
        ),
    };
    axum::Json(reply)
}

/// The checks both API commands share, in VNPay's order: every signed field present, our
/// terminal, the signature, a request id not seen before. `Err` is the response code.
fn check_request(
    app: &App,
    request: &Value,
    fields: &[&str],
) -> Result<(), (&'static str, &'static str)> {
    let values: Vec<String> = fields.iter().map(|f| field_text(request, f)).collect();
    if values.iter().any(String::is_empty) {
        return Err(("03", "Invalid request format"));
    }
    if field_text(request, "vnp_TmnCode") != app.config.tmn_code {
        return Err(("02", "Invalid TmnCode"));
    }
    if !verify_hmac_sha512(
        &app.config.hash_secret,
        &values.join("|"),
        &field_text(request, "vnp_SecureHash"),
    ) {
        return Err(("97", "Invalid Checksum"));
    }
    if !app
        .core
        .state()
        .request_ids
        .insert(field_text(request, "vnp_RequestId"))
    {
        return Err(("94", "Duplicate request"));
    }
    Ok(())
}

fn querydr(app: &App, request: &Value) -> Value {
    let reference = field_text(request, "vnp_TxnRef");
    let response_id = app.core.state().number();
    let mut reply = vec![
        ("vnp_ResponseId", response_id),
        ("vnp_Command", "querydr".to_owned()),
        ("vnp_TmnCode", app.config.tmn_code.clone()),
        ("vnp_TxnRef", reference.clone()),
    ];
    if let Err((code, message)) = check_request(app, request, &QUERYDR_REQUEST_FIELDS) {
        reply.push(("vnp_ResponseCode", code.to_owned()));
        reply.push(("vnp_Message", message.to_owned()));
        return signed_reply(&app.config, &QUERYDR_REPLY_FIELDS, &reply);
    }
    let date = field_text(request, "vnp_TransactionDate");
    let found = app
        .core
        .state()
        .order(&reference)
        .filter(|o| o.created == date)
        .cloned();
    let Some(order) = found else {
        reply.push(("vnp_ResponseCode", "91".to_owned()));
        reply.push(("vnp_Message", "Transaction not found".to_owned()));
        return signed_reply(&app.config, &QUERYDR_REPLY_FIELDS, &reply);
    };
    let transaction = order.transaction.clone().unwrap_or_default();
    let pay_date = order.paid_at.map(format_gateway_time).unwrap_or_default();
    let (status, kind, amount, bank) = match &order.status {
        SimStatus::Pending => ("01", "01", order.amount_vnd, ""),
        SimStatus::Paid => ("00", "01", order.amount_vnd, "NCB"),
        SimStatus::Declined { .. } => ("02", "01", order.amount_vnd, "NCB"),
        SimStatus::Refunded { amount_vnd } => (
            "00",
            order.refund_kind.as_deref().unwrap_or(REFUND_FULL),
            *amount_vnd,
            "NCB",
        ),
    };
    reply.extend([
        ("vnp_ResponseCode", "00".to_owned()),
        ("vnp_Message", "QueryDR Success".to_owned()),
        ("vnp_Amount", amount.saturating_mul(100).to_string()),
        ("vnp_BankCode", bank.to_owned()),
        ("vnp_PayDate", pay_date),
        ("vnp_TransactionNo", transaction),
        ("vnp_TransactionType", kind.to_owned()),
        ("vnp_TransactionStatus", status.to_owned()),
        ("vnp_OrderInfo", order.description.clone()),
    ]);
    signed_reply(&app.config, &QUERYDR_REPLY_FIELDS, &reply)
}

fn refund(app: &App, request: &Value) -> Value {
    let reference = field_text(request, "vnp_TxnRef");
    let response_id = app.core.state().number();
    let mut reply = vec![
        ("vnp_ResponseId", response_id),
        ("vnp_Command", "refund".to_owned()),
        ("vnp_TmnCode", app.config.tmn_code.clone()),
        ("vnp_TxnRef", reference.clone()),
    ];
    let outcome = check_request(app, request, &REFUND_REQUEST_FIELDS)
        .and_then(|()| apply_refund(app, request));
    match outcome {
        Ok(extra) => {
            reply.push(("vnp_ResponseCode", "00".to_owned()));
            reply.push(("vnp_Message", "Refund success".to_owned()));
            reply.extend(extra);
        }
        Err((code, message)) => {
            reply.push(("vnp_ResponseCode", code.to_owned()));
            reply.push(("vnp_Message", message.to_owned()));
        }
    }
    signed_reply(&app.config, &REFUND_REPLY_FIELDS, &reply)
}

type Fields = Vec<(&'static str, String)>;

fn apply_refund(app: &App, request: &Value) -> Result<Fields, (&'static str, &'static str)> {
    let reference = field_text(request, "vnp_TxnRef");
    let date = field_text(request, "vnp_TransactionDate");
    let transaction = field_text(request, "vnp_TransactionNo");
    let mut state = app.core.state();
    let number = state.number();
    let now = state.now();
    let order = state
        .order_mut(&reference)
        .filter(|o| o.created == date)
        .filter(|o| o.transaction.as_deref() == Some(transaction.as_str()))
        .ok_or(("91", "Transaction not found"))?;
    match order.status {
        SimStatus::Paid => {}
        SimStatus::Refunded { .. } => return Err(("94", "Refund already requested")),
        _ => return Err(("95", "Transaction is not successful")),
    }
    let amount = amount_from_vnpay(&field_text(request, "vnp_Amount"))
        .map_err(|_| ("03", "Invalid amount"))?;
    let kind = field_text(request, "vnp_TransactionType");
    let consistent = (kind == REFUND_FULL && amount == order.amount_vnd)
        || (kind == REFUND_PARTIAL && amount < order.amount_vnd);
    if !consistent {
        return Err(("03", "Invalid amount or transaction type"));
    }
    order.status = SimStatus::Refunded { amount_vnd: amount };
    order.refund_kind = Some(kind.clone());
    order.refund_transaction = Some(number.clone());
    Ok(vec![
        ("vnp_Amount", amount.saturating_mul(100).to_string()),
        ("vnp_BankCode", "NCB".to_owned()),
        ("vnp_PayDate", format_gateway_time(now)),
        ("vnp_TransactionNo", number),
        ("vnp_TransactionType", kind),
        ("vnp_TransactionStatus", "05".to_owned()),
        ("vnp_OrderInfo", field_text(request, "vnp_OrderInfo")),
    ])
}
