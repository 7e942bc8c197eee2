//! The national payment platform of Cổng Dịch vụ công quốc gia (PayGov).
//!
//! JSON messages over `POST` (optionally with a Bearer token), each signed with `MaXacThuc` =
//! lowercase hex SHA-256 of the `|`-joined field values followed by `|` and the secret key:
//!
//! - **INIT** ([`INIT_FIELDS`]): registers the payment with its receipt data
//!   (`ThongTinBienLai`, fee lines in `PhiLePhi`); the reply `{"error_code":"0","message":…}`
//!   carries, inside the `message` JSON string, `UrlThanhToan` where the citizen pays.
//! - **confirm** ([`CONFIRM_FIELDS`]): the platform `POST`s the result to the merchant's confirm
//!   URL (registered with the platform); `MaLoi` `00` is success.
//! - **QUERY** ([`QUERY_FIELDS`]): asks about one `MaThamChieu`.
//!
//! Field lists and orders come from one province's public implementation (Thanh Hóa,
//! `DvcPaymentService`, `ConfirmDvcPaymentCommand`); the official specification was not
//! available. Where that code says nothing, choices are marked **[assumed]**.
//!
//! Refunds (hoàn phí) of the national platform go through the State Treasury's own process, not
//! through this interface: [`PaymentGateway::refund`] answers [`GatewayError::NotSupported`].

use crate::fold::plain_ascii;
use crate::http::{self, field_text};
use crate::{
    BoxFuture, CallbackError, CallbackOutcome, CallbackReply, Checkout, Confirmation, FeeLineKind,
    GatewayError, GatewayKind, InboundCallback, PaymentGateway, PaymentOrder, QueryStatus,
    RefundReceipt, RefundRequest, check_reference, constant_time_eq, format_gateway_time,
    parse_gateway_time,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// `PhienBan`.
pub const VERSION: &str = "1.0.6";

/// The fields `MaXacThuc` covers in an INIT message, in order.
pub const INIT_FIELDS: [&str; 14] = [
    "LoaiBanTin",
    "PhienBan",
    "MaDoiTac",
    "MaThamChieu",
    "SoTien",
    "LoaiHinhThanhToan",
    "MaKenhThanhToan",
    "MaThietBi",
    "NgonNgu",
    "MaTienTe",
    "MaNganHang",
    "ThongTinGiaoDich",
    "ThoiGianGD",
    "Ip",
];

/// The fields `MaXacThuc` covers in a confirm message (and, [assumed], in a QUERY reply and
/// the browser return), in order.
pub const CONFIRM_FIELDS: [&str; 10] = [
    "LoaiBanTin",
    "MaLoi",
    "MaDoiTac",
    "MaThamChieu",
    "SoTien",
    "MaTienTe",
    "MaGiaoDich",
    "MaNganHang",
    "ThoiGianGD",
    "ThongTinGiaoDich",
];

/// The fields `MaXacThuc` covers in a QUERY request, in order.
pub const QUERY_FIELDS: [&str; 5] = [
    "LoaiBanTin",
    "PhienBan",
    "MaDoiTac",
    "MaThamChieu",
    "ThoiGianGD",
];

/// `MaLoi` values. Only `00` is documented (in the public code); the others are [assumed],
/// used by our simulator and read by [`PayGov::query_transaction`].
pub mod codes {
    /// Thanh toán thành công.
    pub const SUCCESS: &str = "00";
    /// [assumed] Chờ thanh toán: registered, not paid yet (QUERY only).
    pub const PENDING: &str = "01";
    /// [assumed] Không tìm thấy giao dịch (QUERY only).
    pub const NOT_FOUND: &str = "02";
    /// [assumed] The payer cancelled (hủy thanh toán).
    pub const CANCELLED: &str = "10";
}

/// `error_code` values of our replies to a confirm [assumed: the public code answers with an
/// object of its own; a platform reading `error_code` finds `0` for "received, stop
/// sending"].
pub mod reply_codes {
    /// Recorded now, or already recorded: the platform may stop sending.
    pub const OK: &str = "0";
    pub const UNKNOWN_REFERENCE: &str = "1";
    pub const MALFORMED: &str = "3";
    pub const AMOUNT_MISMATCH: &str = "4";
    pub const BAD_SIGNATURE: &str = "97";
    /// Our error; the platform should send again later (HTTP 500).
    pub const ERROR: &str = "99";
}

/// `LoaiPhiLePhi` of a fee line: `Phi` (as the public code sends for a fee) and `LePhi` for a
/// charge [assumed].
pub fn fee_kind_code(kind: FeeLineKind) -> &'static str {
    match kind {
        FeeLineKind::Fee => "Phi",
        FeeLineKind::Charge => "LePhi",
    }
}

/// The merchant's account on the platform. Comes from configuration; `Debug` never shows the
/// secret key or the token.
#[derive(Clone)]
pub struct PayGovConfig {
    /// `MaDoiTac`, the partner code the platform assigned.
    pub partner_code: String,
    /// The key `MaXacThuc` ends with.
    pub secret_key: String,
    /// Where INIT and QUERY messages are `POST`ed; the message says which it is
    /// (`LoaiBanTin`) [assumed: one endpoint for both].
    pub api_url: String,
    /// Sent as `Authorization: Bearer …` when set.
    pub bearer_token: Option<String>,
}

impl std::fmt::Debug for PayGovConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PayGovConfig")
            .field("partner_code", &self.partner_code)
            .field("secret_key", &"[redacted]")
            .field("api_url", &self.api_url)
            .field(
                "bearer_token",
                &self.bearer_token.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

/// The national payment platform adapter.
pub struct PayGov {
    config: PayGovConfig,
    client: reqwest::Client,
}

impl std::fmt::Debug for PayGov {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PayGov")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Lowercase hex SHA-256 of `values` joined with `|`, then `|` and the secret: `MaXacThuc`.
pub fn ma_xac_thuc(secret: &str, values: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for value in values {
        hasher.update(value.as_bytes());
        hasher.update(b"|");
    }
    hasher.update(secret.as_bytes());
    hex::encode(hasher.finalize())
}

/// `MaXacThuc` of a JSON message over `fields` (missing or `null` fields count as empty,
/// numbers in their JSON spelling).
pub fn ma_xac_thuc_of(secret: &str, message: &Value, fields: &[&str]) -> String {
    let values: Vec<String> = fields.iter().map(|f| field_text(message, f)).collect();
    let refs: Vec<&str> = values.iter().map(String::as_str).collect();
    ma_xac_thuc(secret, &refs)
}

/// Whether the message's `MaXacThuc` (hex, either case) is right, compared in constant time.
pub fn verify_ma_xac_thuc(secret: &str, message: &Value, fields: &[&str]) -> bool {
    let Ok(given) = hex::decode(field_text(message, "MaXacThuc").trim()) else {
        return false;
    };
    let Ok(expected) = hex::decode(ma_xac_thuc_of(secret, message, fields)) else {
        return false;
    };
    constant_time_eq(&given, &expected)
}

fn positive_amount(text: &str) -> Option<i64> {
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|a: &i64| *a > 0)
}

impl PayGov {
    pub fn new(config: PayGovConfig) -> Result<Self, GatewayError> {
        Ok(PayGov {
            config,
            client: http::client()?,
        })
    }

    pub fn config(&self) -> &PayGovConfig {
        &self.config
    }

    /// The signed INIT message for an order.
    ///
    /// [assumed] choices: `ThongTinGiaoDich` is the description without diacritics (as the
    /// public code sends it); `NgonNgu` `en-US` for English; `Ip` is the citizen's address (the
    /// public code sends its server's); `UrlTraVe` carries the return URL (not signed; the
    /// public code has no field for it, so the platform may take it from the partner's
    /// registration instead); `MaDVC` is the procedure code; the beneficiary account fields
    /// are left empty for the platform to fill from the agency's registration.
    pub fn init_message(&self, order: &PaymentOrder) -> Result<Value, GatewayError> {
        check_reference(&order.reference)?;
        if order.amount_vnd <= 0 {
            return Err(GatewayError::InvalidOrder(format!(
                "amount {} đ is not positive",
                order.amount_vnd
            )));
        }
        let receipt = &order.receipt;
        if receipt.fees.is_empty() {
            return Err(GatewayError::InvalidOrder(
                "the platform's receipt needs at least one fee line (PhiLePhi)".to_owned(),
            ));
        }
        let total = receipt
            .fees
            .iter()
            .try_fold(0i64, |sum, line| {
                if line.amount_vnd > 0 {
                    sum.checked_add(line.amount_vnd)
                } else {
                    None
                }
            })
            .ok_or_else(|| {
                GatewayError::InvalidOrder("a fee line amount is not positive".to_owned())
            })?;
        if total != order.amount_vnd {
            return Err(GatewayError::InvalidOrder(format!(
                "fee lines add up to {total} đ, the order is {} đ",
                order.amount_vnd
            )));
        }
        let mut info = plain_ascii(&order.description, 255);
        if info.is_empty() {
            info = format!("Thanh toan {}", order.reference);
        }
        let amount = order.amount_vnd.to_string();
        let language = if order.english { "en-US" } else { "vi-VN" };
        let time = format_gateway_time(order.created_at);
        let ip = order.client_ip.trim().to_owned();
        let signature = ma_xac_thuc(
            &self.config.secret_key,
            &[
                "INIT",
                VERSION,
                &self.config.partner_code,
                &order.reference,
                &amount,
                "PAY",
                "1",
                "1",
                language,
                "VND",
                "PAYMENT",
                &info,
                &time,
                &ip,
            ],
        );
        let fees: Vec<Value> = receipt
            .fees
            .iter()
            .map(|line| {
                json!({
                    "LoaiPhiLePhi": fee_kind_code(line.kind),
                    "MaPhiLePhi": line.code,
                    "TenPhiLePhi": line.name,
                    "SoTien": line.amount_vnd.to_string(),
                })
            })
            .collect();
        let items: Vec<Value> = receipt
            .fees
            .iter()
            .map(|line| json!({ "NoiDung": line.name, "SoTien": line.amount_vnd.to_string() }))
            .collect();
        let procedure_name: String = receipt.procedure_name.chars().take(250).collect();
        Ok(json!({
            "LoaiBanTin": "INIT",
            "PhienBan": VERSION,
            "MaDoiTac": self.config.partner_code,
            "MaThamChieu": order.reference,
            "SoTien": amount,
            "LoaiHinhThanhToan": "PAY",
            "MaKenhThanhToan": "1",
            "MaThietBi": "1",
            "NgonNgu": language,
            "MaTienTe": "VND",
            "MaNganHang": "PAYMENT",
            "ThongTinGiaoDich": info,
            "ThoiGianGD": time,
            "Ip": ip,
            "MaXacThuc": signature,
            "UrlTraVe": order.return_url,
            "ThongTinBienLai": {
                "MaDichVu": "2",
                "MaDVC": receipt.procedure_code,
                "TenDVC": procedure_name,
                "MaTTHC": receipt.procedure_code,
                "TenTTHC": procedure_name,
                "MaDonVi": receipt.agency_code,
                "TenDonVi": receipt.agency_name,
                "MaHoSo": receipt.dossier_code,
                "TKThuHuong": "",
                "MaNHThuHuong": "",
                "TenTKThuHuong": "",
                "HoTenNguoiNop": receipt.payer_name,
                "SoCMNDNguoiNop": receipt.payer_personal_id.clone().unwrap_or_default(),
                "DiaChiNguoiNop": receipt.payer_address.clone().unwrap_or_default(),
                "NoiDungThanhToan": order.description,
                "PhiLePhi": fees,
                "DSKhoanNop": items,
            },
        }))
    }

    /// INIT, then the payment URL from the reply.
    pub async fn init(&self, order: &PaymentOrder) -> Result<Checkout, GatewayError> {
        let message = self.init_message(order)?;
        let reply = http::post_json(
            &self.client,
            &self.config.api_url,
            &message,
            self.config.bearer_token.as_deref(),
        )
        .await?;
        let code = field_text(&reply, "error_code");
        if code != "0" {
            return Err(if code.is_empty() {
                GatewayError::Protocol("INIT reply without error_code".to_owned())
            } else {
                GatewayError::Rejected {
                    message: field_text(&reply, "message"),
                    code,
                }
            });
        }
        let inner = match reply.get("message") {
            Some(Value::String(text)) => serde_json::from_str::<Value>(text)
                .map_err(|e| GatewayError::Protocol(format!("INIT message is not JSON: {e}")))?,
            Some(object @ Value::Object(_)) => object.clone(),
            _ => {
                return Err(GatewayError::Protocol(
                    "INIT reply without message".to_owned(),
                ));
            }
        };
        let url = field_text(&inner, "UrlThanhToan");
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(GatewayError::Protocol(
                "INIT reply without an http(s) UrlThanhToan".to_owned(),
            ));
        }
        Ok(Checkout { redirect_url: url })
    }

    /// Reads a signed confirm-shaped message (confirm body, browser return).
    pub fn read_confirmation(&self, message: &Value) -> Result<Confirmation, CallbackError> {
        let malformed = |what: &str| CallbackError::Malformed(what.to_owned());
        if !message.is_object() {
            return Err(malformed("not a JSON object"));
        }
        if field_text(message, "MaXacThuc").is_empty()
            || !verify_ma_xac_thuc(&self.config.secret_key, message, &CONFIRM_FIELDS)
        {
            return Err(CallbackError::BadSignature);
        }
        if field_text(message, "MaDoiTac") != self.config.partner_code {
            return Err(malformed("MaDoiTac is not ours"));
        }
        let reference = field_text(message, "MaThamChieu");
        if reference.is_empty() {
            return Err(malformed("MaThamChieu is missing"));
        }
        let amount_vnd = positive_amount(&field_text(message, "SoTien"))
            .ok_or_else(|| malformed("SoTien is not a positive whole number"))?;
        let currency = field_text(message, "MaTienTe");
        if !currency.is_empty() && currency != "VND" {
            return Err(malformed("MaTienTe is not VND"));
        }
        let code = field_text(message, "MaLoi");
        if code.is_empty() {
            return Err(malformed("MaLoi is missing"));
        }
        if code == codes::SUCCESS {
            let transaction = field_text(message, "MaGiaoDich");
            if transaction.is_empty() {
                return Err(malformed("MaGiaoDich is missing"));
            }
            Ok(Confirmation::Paid {
                reference,
                amount_vnd,
                gateway_transaction: transaction,
                paid_at: parse_gateway_time(&field_text(message, "ThoiGianGD")),
            })
        } else {
            Ok(Confirmation::NotPaid {
                reference,
                amount_vnd,
                code,
            })
        }
    }

    /// QUERY. `ThoiGianGD` is the time of the attempt (the INIT's) [assumed: the public code
    /// passes a transaction time; the receipt request of the same family uses the
    /// transaction's]. The reply is read in the shape of a confirm (`MaLoi`, `MaGiaoDich`,
    /// `SoTien`, signed over [`CONFIRM_FIELDS`]) [assumed], bare or inside an
    /// `{"error_code":"0","message":"<json>"}` envelope; `MaLoi` by [`codes`]: `00` → `Paid`,
    /// `01` → `Pending`, `02` → `NotFound`, others → `Failed`. An envelope with another
    /// `error_code` → `Rejected`. A reply is verified when it carries `MaXacThuc` and must
    /// carry it to count as paid.
    pub async fn query_transaction(
        &self,
        reference: &str,
        created_at: OffsetDateTime,
    ) -> Result<QueryStatus, GatewayError> {
        check_reference(reference)?;
        let time = format_gateway_time(created_at);
        let signature = ma_xac_thuc(
            &self.config.secret_key,
            &[
                "QUERY",
                VERSION,
                &self.config.partner_code,
                reference,
                &time,
            ],
        );
        let message = json!({
            "LoaiBanTin": "QUERY",
            "PhienBan": VERSION,
            "MaDoiTac": self.config.partner_code,
            "MaThamChieu": reference,
            "ThoiGianGD": time,
            "MaXacThuc": signature,
        });
        let mut reply = http::post_json(
            &self.client,
            &self.config.api_url,
            &message,
            self.config.bearer_token.as_deref(),
        )
        .await?;
        if reply.get("MaLoi").is_none() {
            let code = field_text(&reply, "error_code");
            if code.is_empty() {
                return Err(GatewayError::Protocol(
                    "QUERY reply without MaLoi or error_code".to_owned(),
                ));
            }
            if code != "0" {
                return Err(GatewayError::Rejected {
                    message: field_text(&reply, "message"),
                    code,
                });
            }
            reply = match reply.get("message") {
                Some(Value::String(text)) => serde_json::from_str(text).map_err(|e| {
                    GatewayError::Protocol(format!("QUERY message is not JSON: {e}"))
                })?,
                Some(object @ Value::Object(_)) => object.clone(),
                _ => {
                    return Err(GatewayError::Protocol(
                        "QUERY reply without message".to_owned(),
                    ));
                }
            };
        }
        let code = field_text(&reply, "MaLoi");
        let signed = !field_text(&reply, "MaXacThuc").is_empty();
        if (signed || code == codes::SUCCESS)
            && !verify_ma_xac_thuc(&self.config.secret_key, &reply, &CONFIRM_FIELDS)
        {
            return Err(GatewayError::BadSignature);
        }
        match code.as_str() {
            codes::SUCCESS => {
                if field_text(&reply, "MaThamChieu") != reference
                    || field_text(&reply, "MaDoiTac") != self.config.partner_code
                {
                    return Err(GatewayError::Protocol(
                        "QUERY reply is about another payment".to_owned(),
                    ));
                }
                let transaction = field_text(&reply, "MaGiaoDich");
                let amount_vnd =
                    positive_amount(&field_text(&reply, "SoTien")).ok_or_else(|| {
                        GatewayError::Protocol("QUERY reply SoTien is not an amount".to_owned())
                    })?;
                if transaction.is_empty() {
                    return Err(GatewayError::Protocol(
                        "QUERY reports a payment without MaGiaoDich".to_owned(),
                    ));
                }
                Ok(QueryStatus::Paid {
                    gateway_transaction: transaction,
                    amount_vnd,
                    paid_at: parse_gateway_time(&field_text(&reply, "ThoiGianGD")),
                })
            }
            codes::PENDING => Ok(QueryStatus::Pending),
            codes::NOT_FOUND => Ok(QueryStatus::NotFound),
            "" => Err(GatewayError::Protocol(
                "QUERY reply without MaLoi".to_owned(),
            )),
            _ => Ok(QueryStatus::Failed { code }),
        }
    }
}

impl PaymentGateway for PayGov {
    fn kind(&self) -> GatewayKind {
        GatewayKind::PayGov
    }

    fn checkout<'a>(
        &'a self,
        order: &'a PaymentOrder,
    ) -> BoxFuture<'a, Result<Checkout, GatewayError>> {
        Box::pin(self.init(order))
    }

    fn verify_confirmation(
        &self,
        callback: &InboundCallback,
    ) -> Result<Confirmation, CallbackError> {
        let message: Value = serde_json::from_slice(&callback.body)
            .map_err(|e| CallbackError::Malformed(format!("confirm body is not JSON: {e}")))?;
        self.read_confirmation(&message)
    }

    /// [assumed] The platform sends the browser back with the confirm fields, `MaXacThuc`
    /// included, in the query string.
    fn verify_return(&self, callback: &InboundCallback) -> Result<Confirmation, CallbackError> {
        let mut object = serde_json::Map::new();
        for (key, value) in
            form_urlencoded::parse(callback.query.trim_start_matches('?').as_bytes())
        {
            if object
                .insert(key.to_string(), Value::String(value.into_owned()))
                .is_some()
            {
                return Err(CallbackError::Malformed(format!("{key} appears twice")));
            }
        }
        self.read_confirmation(&Value::Object(object))
    }

    fn reply(&self, outcome: CallbackOutcome) -> CallbackReply {
        let (status, code, message) = confirm_reply(outcome);
        CallbackReply {
            status,
            content_type: "application/json",
            body: json!({ "error_code": code, "message": message }).to_string(),
        }
    }

    fn query<'a>(
        &'a self,
        reference: &'a str,
        created_at: OffsetDateTime,
        _now: OffsetDateTime,
    ) -> BoxFuture<'a, Result<QueryStatus, GatewayError>> {
        Box::pin(self.query_transaction(reference, created_at))
    }

    /// Refunds of the national platform are made by the State Treasury's process, outside
    /// this interface.
    fn supports_refund(&self) -> bool {
        false
    }

    fn refund<'a>(
        &'a self,
        _request: &'a RefundRequest,
    ) -> BoxFuture<'a, Result<RefundReceipt, GatewayError>> {
        Box::pin(async { Err(GatewayError::NotSupported) })
    }
}

/// HTTP status, `error_code` and message of our reply to a confirm ([`reply_codes`]).
pub fn confirm_reply(outcome: CallbackOutcome) -> (u16, &'static str, &'static str) {
    use reply_codes::*;
    match outcome {
        CallbackOutcome::Accepted => (200, OK, "Xac nhan thanh cong"),
        CallbackOutcome::AlreadyConfirmed => (200, OK, "Giao dich da duoc xac nhan truoc do"),
        CallbackOutcome::UnknownReference => {
            (200, UNKNOWN_REFERENCE, "Khong tim thay ma tham chieu")
        }
        CallbackOutcome::AmountMismatch => (200, AMOUNT_MISMATCH, "So tien khong khop"),
        CallbackOutcome::BadSignature => (200, BAD_SIGNATURE, "Ma xac thuc khong hop le"),
        CallbackOutcome::Malformed => (200, MALFORMED, "Du lieu khong dung dinh dang"),
        CallbackOutcome::Error => (500, ERROR, "Loi he thong, de nghi gui lai"),
    }
}
