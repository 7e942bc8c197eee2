//! VNPay, API 2.1.0.
//!
//! - **Checkout**: the browser goes to `pay_url` with the order as query parameters
//!   (`vnp_Amount` = đồng × 100, `vnp_CreateDate`/`vnp_ExpireDate` as `yyyyMMddHHmmss` in
//!   GMT+7, `vnp_OrderInfo` without diacritics). Signature: drop empty values, sort the keys,
//!   form-urlencode (space → `+`), join `k=v&…`, `vnp_SecureHash` = lowercase hex
//!   HMAC-SHA512 keyed with the hash secret, appended last.
//! - **IPN** (server-to-server `GET` to the merchant's IPN URL, registered with VNPay) and the
//!   browser **return** carry the result signed the same way; only the `vnp_*` parameters are
//!   signed, `vnp_SecureHash`/`vnp_SecureHashType` excluded. Paid only when the signature holds
//!   **and** `vnp_ResponseCode` and `vnp_TransactionStatus` are both `00`. The IPN reply is
//!   `{"RspCode":"00","Message":"Confirm Success"}` (01 order not found, 02 already confirmed,
//!   04 invalid amount, 97 invalid signature, 99 other).
//! - **querydr** and **refund**: `POST` JSON to `api_url` (`…/merchant_webapi/api/transaction`),
//!   signed with HMAC-SHA512 over the `|`-joined field list of each message
//!   ([`QUERYDR_REQUEST_FIELDS`], [`REFUND_REQUEST_FIELDS`]); the replies are signed over
//!   [`QUERYDR_REPLY_FIELDS`] and [`REFUND_REPLY_FIELDS`] and are verified here too.
//!
//! Field orders follow the widely used client library `lehuygiang28/vnpay`
//! (`query.service.ts`); the official pages were not available.

use crate::fold::plain_ascii;
use crate::http::{self, field_text};
use crate::{
    BoxFuture, CallbackError, CallbackOutcome, CallbackReply, Checkout, Confirmation, GatewayError,
    GatewayKind, InboundCallback, PaymentGateway, PaymentOrder, QueryStatus, RefundReceipt,
    RefundRequest, check_reference, format_gateway_time, parse_gateway_time,
};
use hmac::{Hmac, Mac};
use sha2::Sha512;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use time::OffsetDateTime;

/// `vnp_Version`.
pub const VERSION: &str = "2.1.0";

/// The fields a `querydr` request signs, in order (`vnp_Command` = `querydr`).
pub const QUERYDR_REQUEST_FIELDS: [&str; 9] = [
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_TransactionDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
];

/// The fields VNPay signs in a `querydr` reply, in order.
pub const QUERYDR_REPLY_FIELDS: [&str; 15] = [
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
];

/// The fields a `refund` request signs, in order (`vnp_Amount` × 100 as sent).
pub const REFUND_REQUEST_FIELDS: [&str; 13] = [
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TransactionType",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_TransactionNo",
    "vnp_TransactionDate",
    "vnp_CreateBy",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
];

/// The fields VNPay signs in a `refund` reply, in order (`vnp_Amount` as received, × 100).
pub const REFUND_REPLY_FIELDS: [&str; 13] = [
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
];

/// `vnp_TransactionType` of a full refund (hoàn trả toàn phần).
pub const REFUND_FULL: &str = "02";
/// `vnp_TransactionType` of a partial refund (hoàn trả một phần).
pub const REFUND_PARTIAL: &str = "03";

/// The merchant's VNPay terminal. Comes from configuration; `Debug` never shows the secret.
#[derive(Clone)]
pub struct VnPayConfig {
    /// `vnp_TmnCode`, the terminal (website) code VNPay assigned.
    pub tmn_code: String,
    /// `vnp_HashSecret`, the HMAC-SHA512 key.
    pub hash_secret: String,
    /// The payment page, e.g. `https://sandbox.vnpayment.vn/paymentv2/vpcpay.html`.
    pub pay_url: String,
    /// The query/refund endpoint, e.g.
    /// `https://sandbox.vnpayment.vn/merchant_webapi/api/transaction`.
    pub api_url: String,
}

impl std::fmt::Debug for VnPayConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VnPayConfig")
            .field("tmn_code", &self.tmn_code)
            .field("hash_secret", &"[redacted]")
            .field("pay_url", &self.pay_url)
            .field("api_url", &self.api_url)
            .finish()
    }
}

/// The VNPay adapter.
pub struct VnPay {
    config: VnPayConfig,
    client: reqwest::Client,
    server_ip: String,
    requests: AtomicU32,
}

impl std::fmt::Debug for VnPay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VnPay")
            .field("config", &self.config)
            .field("server_ip", &self.server_ip)
            .finish_non_exhaustive()
    }
}

impl VnPay {
    pub fn new(config: VnPayConfig) -> Result<Self, GatewayError> {
        Ok(VnPay {
            config,
            client: http::client()?,
            server_ip: "127.0.0.1".to_owned(),
            requests: AtomicU32::new(0),
        })
    }

    /// The address of our server that `querydr` and `refund` report as `vnp_IpAddr` when no
    /// citizen's address applies. Defaults to `127.0.0.1` [assumed: VNPay records the value
    /// and does not check it against the caller].
    pub fn with_server_ip(mut self, ip: impl Into<String>) -> Self {
        self.server_ip = ip.into();
        self
    }

    pub fn config(&self) -> &VnPayConfig {
        &self.config
    }

    /// The signed payment-page URL for an order (what [`PaymentGateway::checkout`] returns).
    pub fn checkout_url(&self, order: &PaymentOrder) -> Result<String, GatewayError> {
        check_reference(&order.reference)?;
        let amount = amount_to_vnpay(order.amount_vnd)?;
        if order.expires_at <= order.created_at {
            return Err(GatewayError::InvalidOrder(
                "the order expires before it is created".to_owned(),
            ));
        }
        if !(order.return_url.starts_with("https://") || order.return_url.starts_with("http://")) {
            return Err(GatewayError::InvalidOrder(
                "the return URL must be an absolute http(s) URL".to_owned(),
            ));
        }
        if order.client_ip.trim().is_empty() {
            return Err(GatewayError::InvalidOrder(
                "VNPay needs the client's address (vnp_IpAddr)".to_owned(),
            ));
        }
        let mut info = plain_ascii(&order.description, 255);
        if info.is_empty() {
            info = format!("Thanh toan {}", order.reference);
        }
        let params = [
            ("vnp_Version", VERSION.to_owned()),
            ("vnp_Command", "pay".to_owned()),
            ("vnp_TmnCode", self.config.tmn_code.clone()),
            ("vnp_Amount", amount),
            ("vnp_CurrCode", "VND".to_owned()),
            (
                "vnp_Locale",
                if order.english { "en" } else { "vn" }.to_owned(),
            ),
            ("vnp_TxnRef", order.reference.clone()),
            ("vnp_OrderInfo", info),
            ("vnp_OrderType", "other".to_owned()),
            ("vnp_ReturnUrl", order.return_url.clone()),
            ("vnp_IpAddr", order.client_ip.trim().to_owned()),
            ("vnp_CreateDate", format_gateway_time(order.created_at)),
            ("vnp_ExpireDate", format_gateway_time(order.expires_at)),
        ];
        let query = sign_params(
            &self.config.hash_secret,
            params.iter().map(|(k, v)| (*k, v.as_str())),
        );
        let separator = if self.config.pay_url.contains('?') {
            '&'
        } else {
            '?'
        };
        Ok(format!("{}{separator}{query}", self.config.pay_url))
    }

    /// Reads a signed IPN or return query: the signature, our terminal code, the amount
    /// (÷ 100, a multiple of 100), and the two result codes.
    pub fn read_callback(&self, query: &str) -> Result<Confirmation, CallbackError> {
        let params = verify_params(&self.config.hash_secret, query)?;
        let get = |key: &str| params.get(key).map(String::as_str).unwrap_or("");
        let malformed = |what: &str| CallbackError::Malformed(what.to_owned());
        if get("vnp_TmnCode") != self.config.tmn_code {
            return Err(malformed("vnp_TmnCode is not ours"));
        }
        let reference = get("vnp_TxnRef");
        if reference.is_empty() {
            return Err(malformed("vnp_TxnRef is missing"));
        }
        let amount_vnd = amount_from_vnpay(get("vnp_Amount")).map_err(CallbackError::Malformed)?;
        let response = get("vnp_ResponseCode");
        let status = get("vnp_TransactionStatus");
        if response.is_empty() || status.is_empty() {
            return Err(malformed(
                "vnp_ResponseCode or vnp_TransactionStatus is missing",
            ));
        }
        if response == "00" && status == "00" {
            let transaction = get("vnp_TransactionNo");
            if transaction.is_empty() {
                return Err(malformed("vnp_TransactionNo is missing"));
            }
            Ok(Confirmation::Paid {
                reference: reference.to_owned(),
                amount_vnd,
                gateway_transaction: transaction.to_owned(),
                paid_at: parse_gateway_time(get("vnp_PayDate")),
            })
        } else {
            // The response code says why; when it is 00 the transaction status does.
            let code = if response == "00" { status } else { response };
            Ok(Confirmation::NotPaid {
                reference: reference.to_owned(),
                amount_vnd,
                code: code.to_owned(),
            })
        }
    }

    /// A `vnp_RequestId`: unique per request within a day (VNPay answers 94 to a repeat).
    fn next_request_id(&self) -> String {
        let count = self.requests.fetch_add(1, Ordering::Relaxed) % 10_000;
        format!(
            "{}{count:04}",
            OffsetDateTime::now_utc().unix_timestamp_nanos()
        )
    }

    /// Checks a JSON reply's `vnp_SecureHash` over `fields`. A reply without one passes only
    /// when `required` is false: [assumed] VNPay may leave error replies unsigned, so those
    /// are accepted unsigned but never read as a success.
    fn check_reply(
        &self,
        reply: &serde_json::Value,
        fields: &[&str],
        required: bool,
    ) -> Result<(), GatewayError> {
        let signature = field_text(reply, "vnp_SecureHash");
        if signature.is_empty() {
            return if required {
                Err(GatewayError::BadSignature)
            } else {
                Ok(())
            };
        }
        let data = fields
            .iter()
            .map(|field| field_text(reply, field))
            .collect::<Vec<_>>()
            .join("|");
        if verify_hmac_sha512(&self.config.hash_secret, &data, &signature) {
            Ok(())
        } else {
            Err(GatewayError::BadSignature)
        }
    }

    /// `querydr`: what VNPay knows of one payment.
    ///
    /// A `00` reply maps by `vnp_TransactionType`/`vnp_TransactionStatus`: type `02`/`03`
    /// (a refund) or status `05`/`06` (refund in progress) → `Refunded` [assumed: how a
    /// refunded payment shows in querydr is not documented here]; status `00` → `Paid`, `01`
    /// → `Pending`, anything else → `Failed`. Response code `91` → `NotFound`.
    pub async fn query_transaction(
        &self,
        reference: &str,
        created_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<QueryStatus, GatewayError> {
        check_reference(reference)?;
        let values = [
            self.next_request_id(),
            VERSION.to_owned(),
            "querydr".to_owned(),
            self.config.tmn_code.clone(),
            reference.to_owned(),
            format_gateway_time(created_at),
            format_gateway_time(now),
            self.server_ip.clone(),
            format!("Truy van giao dich {reference}"),
        ];
        let body = signed_json(&self.config.hash_secret, &QUERYDR_REQUEST_FIELDS, &values);
        let reply = http::post_json(&self.client, &self.config.api_url, &body, None).await?;
        let code = field_text(&reply, "vnp_ResponseCode");
        self.check_reply(&reply, &QUERYDR_REPLY_FIELDS, code == "00")?;
        match code.as_str() {
            "00" => {}
            "91" => return Ok(QueryStatus::NotFound),
            "" => {
                return Err(GatewayError::Protocol(
                    "querydr reply without vnp_ResponseCode".to_owned(),
                ));
            }
            _ => {
                return Err(GatewayError::Rejected {
                    message: field_text(&reply, "vnp_Message"),
                    code,
                });
            }
        }
        if field_text(&reply, "vnp_TxnRef") != reference
            || field_text(&reply, "vnp_TmnCode") != self.config.tmn_code
        {
            return Err(GatewayError::Protocol(
                "querydr reply is about another payment".to_owned(),
            ));
        }
        let amount =
            || amount_from_vnpay(&field_text(&reply, "vnp_Amount")).map_err(GatewayError::Protocol);
        let kind = field_text(&reply, "vnp_TransactionType");
        let status = field_text(&reply, "vnp_TransactionStatus");
        if kind == REFUND_FULL || kind == REFUND_PARTIAL || status == "05" || status == "06" {
            return Ok(QueryStatus::Refunded {
                amount_vnd: amount()?,
            });
        }
        Ok(match status.as_str() {
            "00" => {
                let transaction = field_text(&reply, "vnp_TransactionNo");
                if transaction.is_empty() {
                    return Err(GatewayError::Protocol(
                        "querydr reports a payment without vnp_TransactionNo".to_owned(),
                    ));
                }
                QueryStatus::Paid {
                    gateway_transaction: transaction,
                    amount_vnd: amount()?,
                    paid_at: parse_gateway_time(&field_text(&reply, "vnp_PayDate")),
                }
            }
            "01" => QueryStatus::Pending,
            "" => {
                return Err(GatewayError::Protocol(
                    "querydr reply without vnp_TransactionStatus".to_owned(),
                ));
            }
            _ => QueryStatus::Failed { code: status },
        })
    }

    /// `refund`. VNPay wants to know whether the refund is full (`02`) or partial (`03`),
    /// which needs the amount paid: a `querydr` is asked first, and a refund of a payment it
    /// does not report as paid, or of more than was paid, is refused before anything is sent.
    pub async fn refund_transaction(
        &self,
        request: &RefundRequest,
    ) -> Result<RefundReceipt, GatewayError> {
        check_reference(&request.reference)?;
        let amount = amount_to_vnpay(request.amount_vnd)?;
        if request.gateway_transaction.is_empty() {
            return Err(GatewayError::InvalidOrder(
                "a refund needs the gateway's transaction number".to_owned(),
            ));
        }
        let paid = match self
            .query_transaction(&request.reference, request.created_at, request.now)
            .await?
        {
            QueryStatus::Paid {
                amount_vnd,
                gateway_transaction,
                ..
            } if gateway_transaction == request.gateway_transaction => amount_vnd,
            other => {
                return Err(GatewayError::InvalidOrder(format!(
                    "VNPay does not report transaction {} as paid: {other:?}",
                    request.gateway_transaction
                )));
            }
        };
        if request.amount_vnd > paid {
            return Err(GatewayError::InvalidOrder(format!(
                "refund of {} đ exceeds the {paid} đ paid",
                request.amount_vnd
            )));
        }
        let kind = if request.amount_vnd == paid {
            REFUND_FULL
        } else {
            REFUND_PARTIAL
        };
        let mut created_by = plain_ascii(&request.requested_by, 250);
        if created_by.is_empty() {
            created_by = "motcua".to_owned();
        }
        let mut info = plain_ascii(&request.reason, 255);
        if info.is_empty() {
            info = format!("Hoan phi {}", request.reference);
        }
        let client_ip = if request.client_ip.trim().is_empty() {
            self.server_ip.clone()
        } else {
            request.client_ip.trim().to_owned()
        };
        let values = [
            self.next_request_id(),
            VERSION.to_owned(),
            "refund".to_owned(),
            self.config.tmn_code.clone(),
            kind.to_owned(),
            request.reference.clone(),
            amount,
            request.gateway_transaction.clone(),
            format_gateway_time(request.created_at),
            created_by,
            format_gateway_time(request.now),
            client_ip,
            info,
        ];
        let body = signed_json(&self.config.hash_secret, &REFUND_REQUEST_FIELDS, &values);
        let reply = http::post_json(&self.client, &self.config.api_url, &body, None).await?;
        let code = field_text(&reply, "vnp_ResponseCode");
        self.check_reply(&reply, &REFUND_REPLY_FIELDS, code == "00")?;
        if code != "00" {
            return Err(if code.is_empty() {
                GatewayError::Protocol("refund reply without vnp_ResponseCode".to_owned())
            } else {
                GatewayError::Rejected {
                    message: field_text(&reply, "vnp_Message"),
                    code,
                }
            });
        }
        if field_text(&reply, "vnp_TxnRef") != request.reference
            || field_text(&reply, "vnp_TmnCode") != self.config.tmn_code
        {
            return Err(GatewayError::Protocol(
                "refund reply is about another payment".to_owned(),
            ));
        }
        let number = field_text(&reply, "vnp_TransactionNo");
        if number.is_empty() {
            return Err(GatewayError::Protocol(
                "refund reply without vnp_TransactionNo".to_owned(),
            ));
        }
        Ok(RefundReceipt {
            gateway_refund: number,
        })
    }
}

impl PaymentGateway for VnPay {
    fn kind(&self) -> GatewayKind {
        GatewayKind::VnPay
    }

    fn checkout<'a>(
        &'a self,
        order: &'a PaymentOrder,
    ) -> BoxFuture<'a, Result<Checkout, GatewayError>> {
        Box::pin(async move {
            Ok(Checkout {
                redirect_url: self.checkout_url(order)?,
            })
        })
    }

    fn verify_confirmation(
        &self,
        callback: &InboundCallback,
    ) -> Result<Confirmation, CallbackError> {
        self.read_callback(&callback.query)
    }

    fn verify_return(&self, callback: &InboundCallback) -> Result<Confirmation, CallbackError> {
        self.read_callback(&callback.query)
    }

    fn reply(&self, outcome: CallbackOutcome) -> CallbackReply {
        let (code, message) = ipn_reply(outcome);
        CallbackReply {
            status: 200,
            content_type: "application/json",
            body: format!(r#"{{"RspCode":"{code}","Message":"{message}"}}"#),
        }
    }

    fn query<'a>(
        &'a self,
        reference: &'a str,
        created_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> BoxFuture<'a, Result<QueryStatus, GatewayError>> {
        Box::pin(self.query_transaction(reference, created_at, now))
    }

    fn supports_refund(&self) -> bool {
        true
    }

    fn refund<'a>(
        &'a self,
        request: &'a RefundRequest,
    ) -> BoxFuture<'a, Result<RefundReceipt, GatewayError>> {
        Box::pin(self.refund_transaction(request))
    }
}

/// The IPN reply code and message for the app's verdict.
pub fn ipn_reply(outcome: CallbackOutcome) -> (&'static str, &'static str) {
    match outcome {
        CallbackOutcome::Accepted => ("00", "Confirm Success"),
        CallbackOutcome::UnknownReference => ("01", "Order not found"),
        CallbackOutcome::AlreadyConfirmed => ("02", "Order already confirmed"),
        CallbackOutcome::AmountMismatch => ("04", "Invalid amount"),
        CallbackOutcome::BadSignature => ("97", "Invalid signature"),
        CallbackOutcome::Malformed => ("99", "Invalid request"),
        CallbackOutcome::Error => ("99", "Unknown error"),
    }
}

type HmacSha512 = Hmac<Sha512>;

fn keyed(secret: &str) -> HmacSha512 {
    // HMAC takes a key of any length; the error case cannot happen.
    match HmacSha512::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    }
}

/// Lowercase hex HMAC-SHA512 of `data` keyed with `secret`.
pub fn hmac_sha512_hex(secret: &str, data: &str) -> String {
    let mut mac = keyed(secret);
    mac.update(data.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `signature` (hex, either case) is the HMAC-SHA512 of `data`, compared in constant
/// time (`hmac`'s `verify_slice`).
pub fn verify_hmac_sha512(secret: &str, data: &str, signature: &str) -> bool {
    let Ok(bytes) = hex::decode(signature.trim()) else {
        return false;
    };
    let mut mac = keyed(secret);
    mac.update(data.as_bytes());
    mac.verify_slice(&bytes).is_ok()
}

/// The `|`-joined text of `values` signed with HMAC-SHA512 (querydr, refund).
pub fn pipe_hash(secret: &str, values: &[&str]) -> String {
    hmac_sha512_hex(secret, &values.join("|"))
}

/// A JSON request of `fields` = `values` with its `vnp_SecureHash`.
fn signed_json(secret: &str, fields: &[&str], values: &[String]) -> serde_json::Value {
    let refs: Vec<&str> = values.iter().map(String::as_str).collect();
    let mut object = serde_json::Map::new();
    for (field, value) in fields.iter().zip(values) {
        object.insert(
            (*field).to_owned(),
            serde_json::Value::String(value.clone()),
        );
    }
    object.insert(
        "vnp_SecureHash".to_owned(),
        serde_json::Value::String(pipe_hash(secret, &refs)),
    );
    serde_json::Value::Object(object)
}

/// The text VNPay signs: parameters with an empty value and the hash parameters left out, keys
/// sorted ascending, each key and value form-urlencoded (space → `+`), joined `k=v&…`.
pub fn canonical_query<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut sorted: Vec<(&str, &str)> = params
        .into_iter()
        .filter(|(k, v)| !v.is_empty() && *k != "vnp_SecureHash" && *k != "vnp_SecureHashType")
        .collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (key, value) in sorted {
        out.append_pair(key, value);
    }
    out.finish()
}

/// The canonical query followed by `&vnp_SecureHash=<hex HMAC-SHA512>`.
pub fn sign_params<'a>(
    secret: &str,
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    let query = canonical_query(params);
    let hash = hmac_sha512_hex(secret, &query);
    format!("{query}&vnp_SecureHash={hash}")
}

/// Parses a query string VNPay signed and checks `vnp_SecureHash` over its `vnp_*`
/// parameters (other parameters the merchant put in its own URL are ignored). A key given twice
/// is refused: which of the two would count is ambiguous.
pub fn verify_params(secret: &str, query: &str) -> Result<BTreeMap<String, String>, CallbackError> {
    let mut params = BTreeMap::new();
    for (key, value) in form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
        if !key.starts_with("vnp_") {
            continue;
        }
        if params.insert(key.to_string(), value.to_string()).is_some() {
            return Err(CallbackError::Malformed(format!("{key} appears twice")));
        }
    }
    let signature = params
        .get("vnp_SecureHash")
        .cloned()
        .ok_or(CallbackError::BadSignature)?;
    let data = canonical_query(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if !verify_hmac_sha512(secret, &data, &signature) {
        return Err(CallbackError::BadSignature);
    }
    params.remove("vnp_SecureHash");
    params.remove("vnp_SecureHashType");
    Ok(params)
}

/// `vnp_Amount` for an amount in đồng: × 100, positive.
pub fn amount_to_vnpay(amount_vnd: i64) -> Result<String, GatewayError> {
    if amount_vnd <= 0 {
        return Err(GatewayError::InvalidOrder(format!(
            "amount {amount_vnd} đ is not positive"
        )));
    }
    amount_vnd
        .checked_mul(100)
        .map(|a| a.to_string())
        .ok_or_else(|| GatewayError::InvalidOrder(format!("amount {amount_vnd} đ is too large")))
}

/// Đồng from a `vnp_Amount`: plain digits, positive, a multiple of 100 (VNPay has no
/// fractions of a đồng; anything else is not VNPay's).
pub fn amount_from_vnpay(value: &str) -> Result<i64, String> {
    if value.is_empty() || value.len() > 19 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("vnp_Amount {value:?} is not a whole number"));
    }
    let hundredths: i64 = value
        .parse()
        .map_err(|_| format!("vnp_Amount {value:?} is not a whole number"))?;
    if hundredths == 0 || hundredths % 100 != 0 {
        return Err(format!(
            "vnp_Amount {value} is not a positive multiple of 100"
        ));
    }
    Ok(hundredths / 100)
}
