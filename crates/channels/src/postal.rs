//! The public postal operator (bưu chính công ích, QĐ 45/2016/QĐ-TTg): a citizen may send the
//! dossier by post ([`ShipmentKind::DossierPickup`], nhận hồ sơ), receive the result by post
//! ([`ShipmentKind::ResultDelivery`], trả kết quả), or both. The postmark of an accepted
//! dossier ([`TrackingStatus::Accepted`]) starts the processing clock.
//!
//! The operator (VNPost) publishes no API for this, so the protocol below is ours, written
//! the way such operator APIs usually are. **All of it is [assumed: no published API exists].**
//!
//! - **Requests** (`POST`, JSON, under [`PostalConfig::endpoint`]): `/quote`, `/shipments`,
//!   `/tracking`. Each carries `X-Customer-Code` (the agency's customer code with the
//!   operator), `X-Timestamp` (unix seconds) and `X-Signature`: lowercase hex HMAC-SHA256 keyed
//!   with the API key over `timestamp + "\n" + raw body` ([`sign`]). Tracking is a `POST` too,
//!   so that what is asked is covered by the signature. The operator refuses a timestamp more
//!   than [`MAX_SKEW_SECS`] away from its clock (HTTP 401).
//! - **Replies**: JSON `{"code":"00","message":…}` plus the result fields; a refusal is HTTP
//!   200 with another code ([`codes`]).
//! - **Idempotency**: `/shipments` is keyed by our `reference`; the same order again returns
//!   the same tracking number, another order under a used reference is refused.
//! - **Tracking callbacks** from the operator to us: `POST` JSON ([`TrackingUpdate`] plus
//!   `customer_code`), signed the same way with the separate callback secret, verified by
//!   [`verify_tracking_callback`]; older (or further in the future) than [`MAX_SKEW_SECS`]
//!   is refused. Callbacks can repeat (`event_id` dedupes) and can be lost (`track` pulls).
//! - **Tracking numbers** are UPU S10 ([`valid_tracking_number`]).
//!
//! **Failures**: an order that cannot be valid is refused here, before any request, as
//! permanent. Transport errors and HTTP 408/429/5xx are `Unreachable`; HTTP 401/403 (key or
//! clock) and 404/405 are `NotConfigured`; refusal codes are `Refused`, permanent as
//! [`codes::is_permanent`] says.

use crate::{BoxFuture, ChannelError, Secret};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

pub const HEADER_CUSTOMER: &str = "X-Customer-Code";
pub const HEADER_TIMESTAMP: &str = "X-Timestamp";
pub const HEADER_SIGNATURE: &str = "X-Signature";

/// How far a signed timestamp may be from the receiver's clock: 10 minutes.
pub const MAX_SKEW_SECS: i64 = 600;

/// The heaviest parcel accepted, in grams [assumed: the usual parcel limit].
pub const MAX_WEIGHT_GRAMS: u32 = 30_000;

/// Reply codes [assumed: our own table].
pub mod codes {
    pub const OK: &str = "00";
    /// Bad signature or unknown customer (HTTP 401).
    pub const AUTH: &str = "01";
    /// Timestamp outside the window (HTTP 401).
    pub const STALE: &str = "02";
    /// A field is missing or out of range (weight, empty address…).
    pub const INVALID: &str = "10";
    /// The address is outside the operator's service area.
    pub const NOT_SERVED: &str = "11";
    /// The reference was used for another order.
    pub const REFERENCE_REUSED: &str = "12";
    /// No such tracking number.
    pub const UNKNOWN_TRACKING: &str = "20";
    pub const SYSTEM: &str = "99";

    /// Whether no retry of the same request can succeed.
    pub fn is_permanent(code: &str) -> bool {
        matches!(
            code,
            INVALID | NOT_SERVED | REFERENCE_REUSED | UNKNOWN_TRACKING
        )
    }
}

/// The agency's contract with the operator. `Debug` hides both secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostalConfig {
    /// Where the API lives, e.g. `https://api.operator.example/v1` (no trailing `/`).
    pub endpoint: String,
    /// Mã khách hàng: the agency's customer code.
    pub customer_code: String,
    /// Signs our requests.
    pub api_key: Secret,
    /// Signs the operator's tracking callbacks to us.
    pub callback_secret: Secret,
}

/// Which way the parcel goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShipmentKind {
    /// Trả kết quả: the agency sends the result to the citizen.
    ResultDelivery,
    /// Nhận hồ sơ: the postal worker collects the dossier from the citizen for the agency.
    DossierPickup,
}

impl ShipmentKind {
    pub const ALL: [ShipmentKind; 2] = [Self::ResultDelivery, Self::DossierPickup];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ResultDelivery => "result_delivery",
            Self::DossierPickup => "dossier_pickup",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

/// A sender or receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub name: String,
    /// A Vietnamese number, mobile or landline (`0…` or `+84…`).
    pub phone: String,
    /// The full address, down to the commune and province.
    pub address: String,
}

/// One parcel to move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipmentOrder {
    /// Our idempotency key, e.g. dossier code + purpose (`H29.123-260101-0001/tra-kq`): 1 to
    /// 64 ASCII letters, digits or `-_./:`.
    pub reference: String,
    pub kind: ShipmentKind,
    pub sender: Party,
    pub receiver: Party,
    /// What is inside (nội dung bưu gửi), e.g. "Kết quả TTHC: Giấy khai sinh".
    pub content: String,
    /// 1 to [`MAX_WEIGHT_GRAMS`].
    pub weight_grams: u32,
    /// Collected from the receiver on delivery (thu hộ), 0 for none.
    pub cash_on_delivery_vnd: i64,
}

/// The operator took the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipmentAccepted {
    pub tracking_number: String,
    pub fee_vnd: i64,
}

/// Where a parcel is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrackingStatus {
    /// Nhận gửi: the operator has the parcel; for a dossier this is the postmark.
    Accepted,
    InTransit,
    OutForDelivery,
    Delivered,
    DeliveryFailed,
    /// Chuyển hoàn: going back to the sender after failed deliveries.
    ReturnedToSender,
}

impl TrackingStatus {
    pub const ALL: [TrackingStatus; 6] = [
        Self::Accepted,
        Self::InTransit,
        Self::OutForDelivery,
        Self::Delivered,
        Self::DeliveryFailed,
        Self::ReturnedToSender,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::InTransit => "in_transit",
            Self::OutForDelivery => "out_for_delivery",
            Self::Delivered => "delivered",
            Self::DeliveryFailed => "delivery_failed",
            Self::ReturnedToSender => "returned_to_sender",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// Whether nothing follows (delivered, or back with the sender).
    pub fn is_final(self) -> bool {
        matches!(self, Self::Delivered | Self::ReturnedToSender)
    }

    /// What may follow `from` (`None`: the order exists, nothing picked up yet):
    /// accepted → in transit → out for delivery → delivered or failed; a failed delivery is
    /// tried again or returned.
    pub fn can_follow(self, from: Option<TrackingStatus>) -> bool {
        use TrackingStatus::*;
        matches!(
            (from, self),
            (None, Accepted)
                | (Some(Accepted), InTransit)
                | (Some(InTransit), OutForDelivery)
                | (Some(OutForDelivery), Delivered | DeliveryFailed)
                | (Some(DeliveryFailed), OutForDelivery | ReturnedToSender)
        )
    }
}

/// One tracking event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingUpdate {
    /// The operator's id of the event; the same event delivered twice has the same id.
    pub event_id: String,
    pub tracking_number: String,
    /// Our reference of the order.
    pub reference: String,
    pub status: TrackingStatus,
    /// When it happened, unix seconds.
    pub at: i64,
    pub note: Option<String>,
}

impl TrackingUpdate {
    /// The JSON object the operator sends (callback bodies and `/tracking` events).
    pub fn to_json(&self) -> Value {
        json!({
            "event_id": self.event_id,
            "tracking_number": self.tracking_number,
            "reference": self.reference,
            "status": self.status.as_str(),
            "at": self.at,
            "note": self.note,
        })
    }

    /// Reads one event object; `Malformed` names what is wrong.
    pub fn from_json(value: &Value) -> Result<Self, ChannelError> {
        let text = |key: &str| -> Result<String, ChannelError> {
            match value.get(key) {
                Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
                _ => Err(ChannelError::Malformed(format!("missing {key}"))),
            }
        };
        let tracking_number = text("tracking_number")?;
        if !valid_tracking_number(&tracking_number) {
            return Err(ChannelError::Malformed(
                "invalid tracking number".to_owned(),
            ));
        }
        let status = TrackingStatus::parse(&text("status")?)
            .ok_or_else(|| ChannelError::Malformed("unknown status".to_owned()))?;
        let at = value
            .get("at")
            .and_then(Value::as_i64)
            .ok_or_else(|| ChannelError::Malformed("missing at".to_owned()))?;
        let note = match value.get("note") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(ChannelError::Malformed("note is not text".to_owned())),
        };
        Ok(Self {
            event_id: text("event_id")?,
            tracking_number,
            reference: text("reference")?,
            status,
            at,
            note,
        })
    }
}

/// The public postal operator.
pub trait PostalOperator: Send + Sync {
    /// The fee for a parcel of `weight_grams` to or from the citizen at `address`.
    fn quote<'a>(
        &'a self,
        kind: ShipmentKind,
        address: &'a str,
        weight_grams: u32,
    ) -> BoxFuture<'a, Result<i64, ChannelError>>;

    /// Orders a shipment. Idempotent by `order.reference`: after any error, sending the same
    /// order again returns the one tracking number.
    fn create_shipment<'a>(
        &'a self,
        order: &'a ShipmentOrder,
    ) -> BoxFuture<'a, Result<ShipmentAccepted, ChannelError>>;

    /// Every event of a parcel so far, oldest first (for callbacks that never came).
    fn track<'a>(
        &'a self,
        tracking_number: &'a str,
    ) -> BoxFuture<'a, Result<Vec<TrackingUpdate>, ChannelError>>;
}

/// The HTTP adapter.
pub struct HttpPostalOperator {
    config: PostalConfig,
    client: reqwest::Client,
}

impl std::fmt::Debug for HttpPostalOperator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpPostalOperator")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl HttpPostalOperator {
    /// Checks the configuration (an http(s) endpoint, a customer code, both secrets) and
    /// builds the client.
    pub fn new(config: PostalConfig) -> Result<Self, ChannelError> {
        let bad = |what: &str| {
            Err(ChannelError::NotConfigured(format!(
                "postal operator: {what}"
            )))
        };
        if !(config.endpoint.starts_with("https://") || config.endpoint.starts_with("http://")) {
            return bad("the endpoint must be an http(s) URL");
        }
        let code = &config.customer_code;
        if code.is_empty() || !code.bytes().all(|b| b.is_ascii_graphic()) {
            return bad("the customer code must be non-empty printable ASCII");
        }
        if config.api_key.expose().is_empty() || config.callback_secret.expose().is_empty() {
            return bad("the API key and the callback secret must be set");
        }
        Ok(Self {
            config,
            client: crate::http::client()?,
        })
    }

    pub fn config(&self) -> &PostalConfig {
        &self.config
    }

    /// The JSON body `create_shipment` sends, after checking the order: an order refused here
    /// is `Refused { permanent: true }` and nothing is sent.
    pub fn shipment_body(order: &ShipmentOrder) -> Result<Value, ChannelError> {
        let reference = &order.reference;
        if reference.is_empty()
            || reference.len() > 64
            || !reference
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_./:".contains(&b))
        {
            return Err(invalid_order(
                "the reference must be 1 to 64 ASCII letters, digits or -_./:",
            ));
        }
        let party = |who: &str, party: &Party| -> Result<Value, ChannelError> {
            if party.name.trim().is_empty() || party.address.trim().is_empty() {
                return Err(invalid_order(&format!(
                    "the {who} needs a name and an address"
                )));
            }
            if party.name.chars().count() > 200 || party.address.chars().count() > 500 {
                return Err(invalid_order(&format!(
                    "the {who}'s name or address is too long"
                )));
            }
            Ok(json!({
                "name": party.name.trim(),
                "phone": postal_phone(&party.phone)
                    .ok_or_else(|| invalid_order(&format!("the {who}'s phone is not a Vietnamese number")))?,
                "address": party.address.trim(),
            }))
        };
        let sender = party("sender", &order.sender)?;
        let receiver = party("receiver", &order.receiver)?;
        if order.content.trim().is_empty() || order.content.chars().count() > 500 {
            return Err(invalid_order("the content must be 1 to 500 characters"));
        }
        check_weight(order.weight_grams)?;
        if order.cash_on_delivery_vnd < 0 {
            return Err(invalid_order("cash on delivery cannot be negative"));
        }
        Ok(json!({
            "reference": reference,
            "kind": order.kind.as_str(),
            "sender": sender,
            "receiver": receiver,
            "content": order.content.trim(),
            "weight_grams": order.weight_grams,
            "cod_vnd": order.cash_on_delivery_vnd,
        }))
    }

    /// Signs and POSTs `body` to `endpoint + path`; returns the reply once its code is `00`.
    async fn call(&self, path: &str, body: &Value) -> Result<Value, ChannelError> {
        let bytes = serde_json::to_vec(body).map_err(|e| ChannelError::Protocol(e.to_string()))?;
        let timestamp = unix_now().to_string();
        let signature = sign(self.config.api_key.expose(), &timestamp, &bytes);
        let request = self
            .client
            .post(format!(
                "{}{path}",
                self.config.endpoint.trim_end_matches('/')
            ))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::ACCEPT, "application/json")
            .header(HEADER_CUSTOMER, &self.config.customer_code)
            .header(HEADER_TIMESTAMP, &timestamp)
            .header(HEADER_SIGNATURE, signature)
            .body(bytes);
        let (status, reply) = crate::sms::send_limited(request).await?;
        match status {
            200..=299 => {}
            401 | 403 => {
                return Err(ChannelError::NotConfigured(format!(
                    "the postal operator refused our signature, key or clock (HTTP {status})"
                )));
            }
            404 | 405 => {
                return Err(ChannelError::NotConfigured(format!(
                    "the postal endpoint is wrong (HTTP {status})"
                )));
            }
            408 | 429 | 500..=599 => {
                return Err(ChannelError::Unreachable(format!("HTTP {status}")));
            }
            _ => return Err(ChannelError::Protocol(format!("HTTP {status}"))),
        }
        let reply: Value = serde_json::from_slice(&reply)
            .map_err(|e| ChannelError::Protocol(format!("reply is not JSON: {e}")))?;
        let code = match reply.get("code") {
            Some(Value::String(code)) => code.clone(),
            _ => return Err(ChannelError::Protocol("reply has no code".to_owned())),
        };
        if code != codes::OK {
            let message = reply
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            return Err(ChannelError::Refused {
                permanent: codes::is_permanent(&code),
                code,
                message,
            });
        }
        Ok(reply)
    }

    async fn quote_fee(
        &self,
        kind: ShipmentKind,
        address: &str,
        weight_grams: u32,
    ) -> Result<i64, ChannelError> {
        if address.trim().is_empty() {
            return Err(invalid_order("the address is empty"));
        }
        check_weight(weight_grams)?;
        let reply = self
            .call(
                "/quote",
                &json!({
                    "kind": kind.as_str(),
                    "address": address.trim(),
                    "weight_grams": weight_grams,
                }),
            )
            .await?;
        fee(&reply)
    }

    async fn create(&self, order: &ShipmentOrder) -> Result<ShipmentAccepted, ChannelError> {
        let body = Self::shipment_body(order)?;
        let reply = self.call("/shipments", &body).await?;
        let tracking_number = reply
            .get("tracking_number")
            .and_then(Value::as_str)
            .filter(|t| valid_tracking_number(t))
            .ok_or_else(|| ChannelError::Protocol("no valid tracking number".to_owned()))?
            .to_owned();
        Ok(ShipmentAccepted {
            tracking_number,
            fee_vnd: fee(&reply)?,
        })
    }

    async fn pull(&self, tracking_number: &str) -> Result<Vec<TrackingUpdate>, ChannelError> {
        if !valid_tracking_number(tracking_number) {
            return Err(ChannelError::Refused {
                code: "invalid_tracking_number".to_owned(),
                message: "not an S10 tracking number".to_owned(),
                permanent: true,
            });
        }
        let reply = self
            .call("/tracking", &json!({ "tracking_number": tracking_number }))
            .await?;
        let events = reply
            .get("events")
            .and_then(Value::as_array)
            .ok_or_else(|| ChannelError::Protocol("no events".to_owned()))?;
        events
            .iter()
            .map(|event| {
                let update = TrackingUpdate::from_json(event)
                    .map_err(|e| ChannelError::Protocol(e.to_string()))?;
                if update.tracking_number != tracking_number {
                    return Err(ChannelError::Protocol(
                        "an event of another parcel".to_owned(),
                    ));
                }
                Ok(update)
            })
            .collect()
    }
}

impl PostalOperator for HttpPostalOperator {
    fn quote<'a>(
        &'a self,
        kind: ShipmentKind,
        address: &'a str,
        weight_grams: u32,
    ) -> BoxFuture<'a, Result<i64, ChannelError>> {
        Box::pin(self.quote_fee(kind, address, weight_grams))
    }

    fn create_shipment<'a>(
        &'a self,
        order: &'a ShipmentOrder,
    ) -> BoxFuture<'a, Result<ShipmentAccepted, ChannelError>> {
        Box::pin(self.create(order))
    }

    fn track<'a>(
        &'a self,
        tracking_number: &'a str,
    ) -> BoxFuture<'a, Result<Vec<TrackingUpdate>, ChannelError>> {
        Box::pin(self.pull(tracking_number))
    }
}

fn invalid_order(message: &str) -> ChannelError {
    ChannelError::Refused {
        code: "invalid_order".to_owned(),
        message: message.to_owned(),
        permanent: true,
    }
}

fn check_weight(weight_grams: u32) -> Result<(), ChannelError> {
    if weight_grams == 0 || weight_grams > MAX_WEIGHT_GRAMS {
        return Err(invalid_order(&format!(
            "the weight must be 1 to {MAX_WEIGHT_GRAMS} g"
        )));
    }
    Ok(())
}

fn fee(reply: &Value) -> Result<i64, ChannelError> {
    reply
        .get("fee_vnd")
        .and_then(Value::as_i64)
        .filter(|fee| *fee >= 0)
        .ok_or_else(|| ChannelError::Protocol("no fee".to_owned()))
}

/// A phone the operator can call: spaces, dots, hyphens and parentheses dropped, `+84`/`84`
/// made `0`, then 10 or 11 digits starting with `0` (mobile or landline: agencies give
/// landlines).
pub fn postal_phone(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    let (plus, rest) = match trimmed.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let mut digits = String::new();
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '.' | '-' | '(' | ')' => {}
            _ => return None,
        }
    }
    let national = if plus || (digits.starts_with("84") && digits.len() >= 11) {
        let rest = digits.strip_prefix("84")?;
        format!("0{}", rest.strip_prefix('0').unwrap_or(rest))
    } else {
        digits
    };
    let ok = national.starts_with('0')
        && !national.starts_with("00")
        && (10..=11).contains(&national.len());
    ok.then_some(national)
}

/// The unix time now.
fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &str, timestamp: &str, raw_body: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length; the error branch cannot happen.
    let mut mac = match HmacSha256::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    };
    mac.update(timestamp.as_bytes());
    mac.update(b"\n");
    mac.update(raw_body);
    mac
}

/// Lowercase hex HMAC-SHA256 keyed with `secret` over `timestamp + "\n" + raw_body`.
pub fn sign(secret: &str, timestamp: &str, raw_body: &[u8]) -> String {
    hex::encode(mac(secret, timestamp, raw_body).finalize().into_bytes())
}

/// Whether `signature` (hex, either case) is [`sign`] of the rest, compared in constant time
/// (`hmac`'s `verify_slice`).
pub fn verify_signature(secret: &str, timestamp: &str, raw_body: &[u8], signature: &str) -> bool {
    let Ok(bytes) = hex::decode(signature.trim()) else {
        return false;
    };
    mac(secret, timestamp, raw_body)
        .verify_slice(&bytes)
        .is_ok()
}

/// Reads a tracking callback as the web layer received it: the raw body and the
/// `X-Timestamp` and `X-Signature` headers.
///
/// In order: a missing header or a signature that is not [`sign`] with the callback secret
/// is [`ChannelError::BadSignature`]; a timestamp that is not unix seconds is `Malformed`; one
/// more than [`MAX_SKEW_SECS`] from `now` is [`ChannelError::Stale`] (a replay, or a clock
/// far off); then the body must be a [`TrackingUpdate`] for our customer code (`Malformed`
/// otherwise). Duplicates pass: dedupe by `event_id`.
pub fn verify_tracking_callback(
    config: &PostalConfig,
    raw_body: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    now: i64,
) -> Result<TrackingUpdate, ChannelError> {
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return Err(ChannelError::BadSignature);
    };
    if !verify_signature(
        config.callback_secret.expose(),
        timestamp,
        raw_body,
        signature,
    ) {
        return Err(ChannelError::BadSignature);
    }
    let sent: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| ChannelError::Malformed("X-Timestamp is not unix seconds".to_owned()))?;
    if now.abs_diff(sent) > MAX_SKEW_SECS.unsigned_abs() {
        return Err(ChannelError::Stale);
    }
    let body: Value = serde_json::from_slice(raw_body)
        .map_err(|e| ChannelError::Malformed(format!("not JSON: {e}")))?;
    if body.get("customer_code").and_then(Value::as_str) != Some(config.customer_code.as_str()) {
        return Err(ChannelError::Malformed(
            "the callback names another customer".to_owned(),
        ));
    }
    TrackingUpdate::from_json(&body)
}

/// UPU S10 weights of the eight serial digits.
const S10_WEIGHTS: [u32; 8] = [8, 6, 4, 2, 3, 5, 9, 7];

/// The S10 check digit of an 8-digit serial: 11 − (Σ digit × weight mod 11), where 10 becomes
/// 0 and 11 becomes 5. `None` unless `serial` is exactly 8 ASCII digits.
pub fn s10_check_digit(serial: &str) -> Option<u8> {
    if serial.len() != 8 || !serial.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = serial
        .bytes()
        .zip(S10_WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    Some(match 11 - sum % 11 {
        10 => 0,
        11 => 5,
        digit => digit as u8,
    })
}

/// A domestic S10 tracking number: two capital letters (the service), 8 digits, the check
/// digit, `VN`. E.g. `EL123456785VN`.
pub fn valid_tracking_number(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() == 13
        && bytes[..2].iter().all(u8::is_ascii_uppercase)
        && &bytes[11..] == b"VN"
        && bytes[10].is_ascii_digit()
        && value
            .get(2..10)
            .and_then(s10_check_digit)
            .is_some_and(|check| check == bytes[10] - b'0')
}

/// Builds a tracking number from a service prefix and a serial below 100 000 000.
pub fn tracking_number(service: &str, serial: u32) -> Option<String> {
    if service.len() != 2
        || !service.bytes().all(|b| b.is_ascii_uppercase())
        || serial >= 100_000_000
    {
        return None;
    }
    let digits = format!("{serial:08}");
    let check = s10_check_digit(&digits)?;
    Some(format!("{service}{digits}{check}VN"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions() {
        use TrackingStatus::*;
        assert!(Accepted.can_follow(None));
        assert!(!InTransit.can_follow(None));
        assert!(Delivered.can_follow(Some(OutForDelivery)));
        assert!(!Delivered.can_follow(Some(Accepted)));
        assert!(OutForDelivery.can_follow(Some(DeliveryFailed)));
        assert!(!Accepted.can_follow(Some(Delivered)));
        for status in TrackingStatus::ALL {
            assert_eq!(TrackingStatus::parse(status.as_str()), Some(status));
        }
        for kind in ShipmentKind::ALL {
            assert_eq!(ShipmentKind::parse(kind.as_str()), Some(kind));
        }
    }

    #[test]
    fn postal_phones() {
        assert_eq!(
            postal_phone("0292 3820 123").as_deref(),
            Some("02923820123")
        );
        assert_eq!(
            postal_phone("+84 912.345.678").as_deref(),
            Some("0912345678")
        );
        assert_eq!(postal_phone("84912345678").as_deref(), Some("0912345678"));
        assert_eq!(postal_phone("912345678"), None);
        assert_eq!(postal_phone("0091234567"), None);
        assert_eq!(postal_phone("09123456789012"), None);
        assert_eq!(postal_phone("09x2345678"), None);
    }
}
