//! Payment gateways (cổng thanh toán) behind one trait.
//!
//! The app decides what a payment is and when it changes; a gateway only speaks its protocol:
//! it builds the checkout (where the citizen's browser goes), verifies the signature of a
//! server-to-server confirmation and turns the app's verdict on it into the reply the protocol
//! expects, asks the gateway about one payment (lost callbacks, reconciliation) and refunds
//! where the gateway can. Nothing here touches the database or decides a state.
//!
//! Adapters: [`paygov`] (the national payment platform of Cổng DVCQG, JSON messages signed with
//! a SHA-256 `MaXacThuc`) and [`vnpay`] (VNPay 2.1.0, HMAC-SHA512 over the sorted query). With
//! the `simulator` feature, [`simulator`] runs a local imitation of each that checks our
//! signatures exactly as the real service does and sends signed callbacks back.

mod fold;
mod http;
pub mod paygov;
#[cfg(feature = "simulator")]
pub mod simulator;
pub mod vnpay;

pub use fold::fold_diacritics;

use std::future::Future;
use std::pin::Pin;
use time::OffsetDateTime;

/// A boxed future, so the trait stays object-safe (`Arc<dyn PaymentGateway>`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Which gateway. The strings are stored with each payment and appear in callback URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GatewayKind {
    /// Nền tảng thanh toán trực tuyến của Cổng Dịch vụ công quốc gia (PayGov).
    PayGov,
    /// VNPay.
    VnPay,
}

impl GatewayKind {
    pub const ALL: [GatewayKind; 2] = [GatewayKind::PayGov, GatewayKind::VnPay];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PayGov => "paygov",
            Self::VnPay => "vnpay",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

/// Phí (fee for a service) or lệ phí (charge for a state act): accounted apart on receipts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeeLineKind {
    Fee,
    Charge,
}

/// One line of what is paid, as the receipt and the national platform's `PhiLePhi` list show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeLine {
    pub kind: FeeLineKind,
    /// Stable code of the fee within the procedure (`MaPhiLePhi`).
    pub code: String,
    pub name: String,
    pub amount_vnd: i64,
}

/// What a receipt (biên lai) names: the dossier, the procedure, the agency and the payer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptInfo {
    pub dossier_code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub agency_code: String,
    pub agency_name: String,
    pub payer_name: String,
    pub payer_personal_id: Option<String>,
    pub payer_address: Option<String>,
    pub fees: Vec<FeeLine>,
}

/// One payment attempt, frozen when it was created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentOrder {
    /// Merchant reference (mã tham chiếu / vnp_TxnRef): unique per attempt, ASCII letters and
    /// digits only.
    pub reference: String,
    /// Integer đồng. VNPay sends it × 100; the national platform as is.
    pub amount_vnd: i64,
    /// What the payment is for (nội dung thanh toán), in Vietnamese; adapters that want ASCII
    /// fold it themselves.
    pub description: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    /// The citizen's address as the server saw it (both protocols send it).
    pub client_ip: String,
    /// Where the gateway sends the browser back (absolute URL). The return is only ever shown,
    /// never trusted: state changes come from the server-to-server confirmation.
    pub return_url: String,
    pub english: bool,
    pub receipt: ReceiptInfo,
}

/// Where to send the citizen's browser to pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkout {
    pub redirect_url: String,
}

/// A request from the gateway as the web layer received it (IPN, confirm, browser return).
#[derive(Debug, Clone, Default)]
pub struct InboundCallback {
    /// The raw query string, without `?`.
    pub query: String,
    pub body: Vec<u8>,
}

/// A callback whose signature checked out: what the gateway says happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    /// The money was taken.
    Paid {
        reference: String,
        amount_vnd: i64,
        /// The gateway's own transaction number (vnp_TransactionNo / MaGiaoDich).
        gateway_transaction: String,
        paid_at: Option<OffsetDateTime>,
    },
    /// The gateway reports the attempt failed or the citizen cancelled it.
    NotPaid {
        reference: String,
        amount_vnd: i64,
        /// The gateway's response code, kept for the audit and the reconciliation.
        code: String,
    },
}

impl Confirmation {
    pub fn reference(&self) -> &str {
        match self {
            Self::Paid { reference, .. } | Self::NotPaid { reference, .. } => reference,
        }
    }

    pub fn amount_vnd(&self) -> i64 {
        match self {
            Self::Paid { amount_vnd, .. } | Self::NotPaid { amount_vnd, .. } => *amount_vnd,
        }
    }
}

/// Why a callback could not be read as a confirmation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    #[error("signature does not verify")]
    BadSignature,
    #[error("malformed callback: {0}")]
    Malformed(String),
}

/// The app's verdict on a callback; the adapter answers the gateway with the protocol's reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackOutcome {
    /// Recorded now (paid or failed).
    Accepted,
    /// We already had this outcome: a duplicate or a late repeat. Changes nothing.
    AlreadyConfirmed,
    UnknownReference,
    AmountMismatch,
    BadSignature,
    Malformed,
    /// Something on our side failed; the gateway should retry.
    Error,
}

/// An HTTP reply for the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackReply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

/// What the gateway says about one payment when asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryStatus {
    Paid {
        gateway_transaction: String,
        amount_vnd: i64,
        paid_at: Option<OffsetDateTime>,
    },
    /// Started, not finished (or not yet started by the citizen).
    Pending,
    /// The attempt failed or was cancelled at the gateway.
    Failed {
        code: String,
    },
    /// The gateway never heard of this reference.
    NotFound,
    Refunded {
        amount_vnd: i64,
    },
}

/// A refund (hoàn phí) of a paid attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    pub reference: String,
    pub gateway_transaction: String,
    pub amount_vnd: i64,
    /// When the original payment was created (VNPay wants the original date).
    pub created_at: OffsetDateTime,
    pub reason: String,
    /// Who asked for it (an official's login name), sent where the protocol carries it.
    pub requested_by: String,
    pub client_ip: String,
    pub now: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundReceipt {
    /// The gateway's number for the refund transaction.
    pub gateway_refund: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    #[error("gateway unreachable: {0}")]
    Unreachable(String),
    #[error("gateway refused ({code}): {message}")]
    Rejected { code: String, message: String },
    #[error("gateway reply signature does not verify")]
    BadSignature,
    #[error("the gateway does not support this operation")]
    NotSupported,
    #[error("unexpected gateway reply: {0}")]
    Protocol(String),
    /// The order (or refund) cannot be sent as it is: a reference with other characters than
    /// ASCII letters and digits, an amount that is not positive, fee lines that do not add up.
    /// Nothing was sent to the gateway.
    #[error("invalid payment order: {0}")]
    InvalidOrder(String),
}

/// One gateway adapter.
pub trait PaymentGateway: Send + Sync {
    fn kind(&self) -> GatewayKind;

    /// Registers the order with the gateway where the protocol needs it (the national
    /// platform's INIT) and returns where the browser goes.
    fn checkout<'a>(
        &'a self,
        order: &'a PaymentOrder,
    ) -> BoxFuture<'a, Result<Checkout, GatewayError>>;

    /// Reads and verifies a server-to-server confirmation (VNPay IPN, the platform's confirm).
    fn verify_confirmation(
        &self,
        callback: &InboundCallback,
    ) -> Result<Confirmation, CallbackError>;

    /// Reads and verifies the browser's return, only to say which payment it is about. The
    /// result is shown ("đang chờ xác nhận"), never acted on.
    fn verify_return(&self, callback: &InboundCallback) -> Result<Confirmation, CallbackError>;

    /// The protocol's reply to a confirmation given the app's verdict.
    fn reply(&self, outcome: CallbackOutcome) -> CallbackReply;

    /// Asks the gateway about one attempt (QUERY / querydr).
    fn query<'a>(
        &'a self,
        reference: &'a str,
        created_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> BoxFuture<'a, Result<QueryStatus, GatewayError>>;

    /// Whether [`PaymentGateway::refund`] can return money through the gateway.
    fn supports_refund(&self) -> bool;

    /// Returns the money of a paid attempt through the gateway.
    fn refund<'a>(
        &'a self,
        request: &'a RefundRequest,
    ) -> BoxFuture<'a, Result<RefundReceipt, GatewayError>>;
}

/// `yyyyMMddHHmmss` in Vietnam time (UTC+7), the timestamp format of both protocols.
pub fn format_gateway_time(at: OffsetDateTime) -> String {
    let local = at.to_offset(VIETNAM);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        local.year(),
        u8::from(local.month()),
        local.day(),
        local.hour(),
        local.minute(),
        local.second()
    )
}

/// Parses `yyyyMMddHHmmss` as Vietnam time.
pub fn parse_gateway_time(value: &str) -> Option<OffsetDateTime> {
    if value.len() != 14 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |range: std::ops::Range<usize>| value.get(range)?.parse::<u32>().ok();
    let month = time::Month::try_from(u8::try_from(num(4..6)?).ok()?).ok()?;
    let date = time::Date::from_calendar_date(
        i32::try_from(num(0..4)?).ok()?,
        month,
        u8::try_from(num(6..8)?).ok()?,
    )
    .ok()?;
    let clock = time::Time::from_hms(
        u8::try_from(num(8..10)?).ok()?,
        u8::try_from(num(10..12)?).ok()?,
        u8::try_from(num(12..14)?).ok()?,
    )
    .ok()?;
    Some(date.with_time(clock).assume_offset(VIETNAM))
}

/// Equality of two byte strings in time that depends only on their lengths (which are public:
/// both are digests of a fixed size), for comparing signatures.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(difference) == 0
}

/// A merchant reference both protocols accept: 1 to 100 ASCII letters and digits.
pub(crate) fn check_reference(reference: &str) -> Result<(), GatewayError> {
    if reference.is_empty()
        || reference.len() > 100
        || !reference.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(GatewayError::InvalidOrder(format!(
            "reference {reference:?} must be 1 to 100 ASCII letters and digits"
        )));
    }
    Ok(())
}

/// Vietnam's offset; both gateways read and write local time.
pub const VIETNAM: time::UtcOffset = match time::UtcOffset::from_hms(7, 0, 0) {
    Ok(offset) => offset,
    Err(_) => time::UtcOffset::UTC,
};
