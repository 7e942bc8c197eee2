//! Local imitations of both gateways for tests, the demo and the bench (feature `simulator`).
//!
//! Each simulator is a small axum service on `127.0.0.1:<free port>`, configured with the
//! merchant's secret and confirmation URL. It checks our signatures the way the real service
//! does (a wrong signature gets the real error code and no payment page), remembers orders,
//! and serves a payment page clearly marked as a simulation, with two plain form buttons
//! (Thanh toán / Hủy) that work without JavaScript. Paying first sends the signed
//! server-to-server confirmation to the merchant (VNPay: `GET` IPN; PayGov: `POST` JSON),
//! records the reply, then sends the browser back (303) to the return URL with signed
//! parameters. The query/refund endpoints answer from the simulator's ledger with signed
//! replies.
//!
//! Tests drive it through [`SimulatorHandle`]: pay or decline without a browser, resend the
//! last confirmation (a duplicate), send a forged one or one with another amount, lose
//! confirmations (so only a query finds the payment), and read what the merchant replied.
//! Everything is deterministic except the clock (pay dates are "now").

mod paygov;
mod vnpay;

use crate::GatewayError;
use std::sync::{Arc, Mutex, MutexGuard};
use time::OffsetDateTime;

pub use paygov::{PayGovSimulator, PayGovSimulatorConfig};
pub use vnpay::{VnPaySimulator, VnPaySimulatorConfig};

/// The banner every simulator page carries.
pub const BANNER: &str = "MÔ PHỎNG — không phải cổng thanh toán thật / SIMULATOR";

/// Where a payment stands in the simulator's ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimStatus {
    /// Registered (VNPay: the payment page was opened; PayGov: INIT), not paid.
    Pending,
    Paid,
    /// Cancelled by the payer or expired; `code` is what the confirmation said.
    Declined {
        code: String,
    },
    /// Refunded (VNPay only), fully or in part.
    Refunded {
        amount_vnd: i64,
    },
}

/// One payment in the simulator's ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimTransaction {
    pub reference: String,
    pub amount_vnd: i64,
    pub status: SimStatus,
    /// The gateway's transaction number once paid.
    pub gateway_transaction: Option<String>,
    pub paid_at: Option<OffsetDateTime>,
    /// The refund's own transaction number.
    pub refund_transaction: Option<String>,
}

/// One server-to-server confirmation the simulator sent and what the merchant answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub reference: String,
    /// What was sent: the query string (VNPay IPN) or the JSON body (PayGov confirm).
    pub request: String,
    /// The merchant's HTTP status, or `None` when it could not be reached.
    pub status: Option<u16>,
    pub body: String,
    /// The merchant's code: `RspCode` (VNPay) or `error_code` (PayGov).
    pub reply_code: Option<String>,
    /// Why the merchant could not be reached.
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimulatorError {
    #[error("the simulator has no payment {0}")]
    UnknownReference(String),
    #[error("payment {0} is not pending")]
    NotPending(String),
    #[error("no confirmation was sent yet")]
    NoConfirmation,
}

/// A confirmation ready to send.
#[derive(Debug, Clone)]
pub(crate) enum Outbound {
    /// `GET <ipn_url>?<query>`.
    Get { reference: String, query: String },
    /// `POST <confirm_url>` with a JSON body.
    PostJson { reference: String, body: String },
}

/// The order as the simulator remembers it.
#[derive(Debug, Clone)]
pub(crate) struct Order {
    pub reference: String,
    pub amount_vnd: i64,
    pub description: String,
    pub return_url: Option<String>,
    /// The creation time exactly as the merchant sent it (`vnp_CreateDate` / `ThoiGianGD`).
    pub created: String,
    pub expires_at: Option<OffsetDateTime>,
    /// The signed request that registered it, to tell a reload from a reuse.
    pub registration: String,
    pub status: SimStatus,
    pub transaction: Option<String>,
    pub paid_at: Option<OffsetDateTime>,
    /// The result code of the last completion (`00` when paid).
    pub result_code: String,
    pub refund_kind: Option<String>,
    pub refund_transaction: Option<String>,
}

#[derive(Debug, Default)]
pub(crate) struct State {
    pub orders: Vec<Order>,
    pub deliveries: Vec<Delivery>,
    pub last: Option<Outbound>,
    pub lose: bool,
    pub next_number: u64,
    pub request_ids: std::collections::HashSet<String>,
    /// Added to the real time: tests whose own clock stands elsewhere move the simulator's.
    pub clock_offset: time::Duration,
}

impl State {
    pub fn order(&self, reference: &str) -> Option<&Order> {
        self.orders.iter().find(|o| o.reference == reference)
    }

    pub fn order_mut(&mut self, reference: &str) -> Option<&mut Order> {
        self.orders.iter_mut().find(|o| o.reference == reference)
    }

    /// The simulator's current time.
    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + self.clock_offset
    }

    /// The next transaction number (deterministic: 14000001, 14000002, …).
    pub fn number(&mut self) -> String {
        self.next_number += 1;
        (14_000_000 + self.next_number).to_string()
    }
}

/// What the simulator does when a payment is completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Completion {
    Pay,
    Decline,
}

pub(crate) enum Protocol {
    VnPay(VnPaySimulatorConfig),
    PayGov(PayGovSimulatorConfig),
}

pub(crate) struct Core {
    pub protocol: Protocol,
    pub base_url: String,
    pub state: Mutex<State>,
    pub client: reqwest::Client,
}

impl Core {
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Builds the confirmation of the order's current result, or a variant of it.
    fn confirmation(&self, order: &Order, variant: Variant) -> Outbound {
        match &self.protocol {
            Protocol::VnPay(config) => vnpay::confirmation(config, order, variant),
            Protocol::PayGov(config) => paygov::confirmation(config, order, variant),
        }
    }

    /// Where the browser goes back to after the order's completion.
    fn return_target(&self, order: &Order) -> Option<String> {
        let url = order.return_url.as_ref()?;
        let params = match &self.protocol {
            Protocol::VnPay(config) => vnpay::result_query(config, order, Variant::AsIs),
            Protocol::PayGov(config) => paygov::result_query(config, order),
        };
        let separator = if url.contains('?') { '&' } else { '?' };
        Some(format!("{url}{separator}{params}"))
    }

    /// Pays or declines a pending order: the ledger changes, the confirmation goes to the
    /// merchant (unless confirmations are being lost), and the browser's way back is returned.
    pub async fn complete(
        &self,
        reference: &str,
        completion: Completion,
    ) -> Result<Option<String>, SimulatorError> {
        let (outbound, target, lose) = {
            let mut state = self.state();
            let now = state.now();
            let number = state.number();
            let order = state
                .order_mut(reference)
                .ok_or_else(|| SimulatorError::UnknownReference(reference.to_owned()))?;
            if order.status != SimStatus::Pending {
                return Err(SimulatorError::NotPending(reference.to_owned()));
            }
            let expired = order.expires_at.is_some_and(|at| at < now);
            match (completion, expired) {
                (Completion::Pay, false) => {
                    order.status = SimStatus::Paid;
                    order.transaction = Some(number);
                    order.paid_at = Some(now);
                    order.result_code = "00".to_owned();
                }
                (Completion::Pay, true) => {
                    let code = EXPIRED.to_owned();
                    order.status = SimStatus::Declined { code: code.clone() };
                    order.result_code = code;
                }
                (Completion::Decline, _) => {
                    let code = self.cancelled_code().to_owned();
                    order.status = SimStatus::Declined { code: code.clone() };
                    order.result_code = code;
                    order.paid_at = Some(now);
                }
            }
            let order = order.clone();
            let outbound = self.confirmation(&order, Variant::AsIs);
            let target = self.return_target(&order);
            state.last = Some(outbound.clone());
            (outbound, target, state.lose)
        };
        if !lose {
            self.deliver(outbound).await;
        }
        Ok(target)
    }

    fn cancelled_code(&self) -> &'static str {
        match self.protocol {
            Protocol::VnPay(_) => "24",
            Protocol::PayGov(_) => crate::paygov::codes::CANCELLED,
        }
    }

    /// Sends a confirmation and records the merchant's reply.
    pub async fn deliver(&self, outbound: Outbound) -> Delivery {
        let url = match &self.protocol {
            Protocol::VnPay(config) => &config.ipn_url,
            Protocol::PayGov(config) => &config.confirm_url,
        };
        let (reference, request, sending) = match outbound {
            Outbound::Get { reference, query } => {
                let separator = if url.contains('?') { '&' } else { '?' };
                let sending = self.client.get(format!("{url}{separator}{query}"));
                (reference, query, sending)
            }
            Outbound::PostJson { reference, body } => {
                let sending = self
                    .client
                    .post(url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone());
                (reference, body, sending)
            }
        };
        let delivery = match sending.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let body = response.text().await.unwrap_or_default();
                let reply: Option<serde_json::Value> = serde_json::from_str(&body).ok();
                let key = match self.protocol {
                    Protocol::VnPay(_) => "RspCode",
                    Protocol::PayGov(_) => "error_code",
                };
                let reply_code = reply
                    .as_ref()
                    .map(|r| crate::http::field_text(r, key))
                    .filter(|c| !c.is_empty());
                Delivery {
                    reference,
                    request,
                    status: Some(status),
                    body,
                    reply_code,
                    error: None,
                }
            }
            Err(e) => Delivery {
                reference,
                request,
                status: None,
                body: String::new(),
                reply_code: None,
                error: Some(e.without_url().to_string()),
            },
        };
        self.record(delivery)
    }

    fn record(&self, delivery: Delivery) -> Delivery {
        self.state().deliveries.push(delivery.clone());
        delivery
    }

    /// A confirmation of `reference` built on its current state (as if paid when it is still
    /// pending), changed by `variant`, sent now.
    async fn send_variant(
        &self,
        reference: &str,
        variant: Variant,
    ) -> Result<Delivery, SimulatorError> {
        let outbound = {
            let mut state = self.state();
            let number = state.number();
            let now = state.now();
            let mut order = state
                .order(reference)
                .cloned()
                .ok_or_else(|| SimulatorError::UnknownReference(reference.to_owned()))?;
            if order.status == SimStatus::Pending {
                order.transaction = Some(number);
                order.paid_at = Some(now);
                order.result_code = "00".to_owned();
            }
            self.confirmation(&order, variant)
        };
        Ok(self.deliver(outbound).await)
    }
}

/// The result code of paying after the order expired (VNPay's 11, "hết hạn chờ thanh toán";
/// the same for PayGov [assumed]).
const EXPIRED: &str = "11";

/// How a test confirmation differs from the true one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Variant {
    AsIs,
    /// Signed with another key.
    Forged,
    /// Correctly signed, with another amount.
    Amount(i64),
}

/// A running simulator. Dropping it stops the service.
pub struct SimulatorHandle {
    core: Arc<Core>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SimulatorHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl std::fmt::Debug for SimulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulatorHandle")
            .field("base_url", &self.core.base_url)
            .finish_non_exhaustive()
    }
}

impl SimulatorHandle {
    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.core.base_url
    }

    /// The payment page address to configure the adapter with (VNPay `pay_url`); for PayGov,
    /// where its payment pages live (the adapter learns each from INIT).
    pub fn pay_url(&self) -> String {
        match self.core.protocol {
            Protocol::VnPay(_) => format!("{}{}", self.core.base_url, vnpay::PAY_PATH),
            Protocol::PayGov(_) => format!("{}{}", self.core.base_url, paygov::PAY_PREFIX),
        }
    }

    /// The API address to configure the adapter with (VNPay querydr/refund, PayGov INIT/QUERY).
    pub fn api_url(&self) -> String {
        match self.core.protocol {
            Protocol::VnPay(_) => format!("{}{}", self.core.base_url, vnpay::API_PATH),
            Protocol::PayGov(_) => format!("{}{}", self.core.base_url, paygov::API_PATH),
        }
    }

    /// Pays a registered order as the citizen's "Thanh toán" button does: the confirmation
    /// goes to the merchant (unless lost), and the browser's return URL with its signed
    /// parameters is returned (`None` when the order named no return URL).
    pub async fn pay(&self, reference: &str) -> Result<Option<String>, SimulatorError> {
        self.core.complete(reference, Completion::Pay).await
    }

    /// Cancels a registered order as the "Hủy" button does (VNPay code 24).
    pub async fn decline(&self, reference: &str) -> Result<Option<String>, SimulatorError> {
        self.core.complete(reference, Completion::Decline).await
    }

    /// Sends the last confirmation again, unchanged (what a gateway retrying does).
    pub async fn resend_last_confirmation(&self) -> Result<Delivery, SimulatorError> {
        let last = self.core.state().last.clone();
        match last {
            Some(outbound) => Ok(self.core.deliver(outbound).await),
            None => Err(SimulatorError::NoConfirmation),
        }
    }

    /// Sends a confirmation of `reference` (paid, if it is still pending) with a signature
    /// made with another key.
    pub async fn send_forged_confirmation(
        &self,
        reference: &str,
    ) -> Result<Delivery, SimulatorError> {
        self.core.send_variant(reference, Variant::Forged).await
    }

    /// Sends a correctly signed confirmation of `reference` (paid, if it is still pending)
    /// that names another amount.
    pub async fn send_confirmation_with_amount(
        &self,
        reference: &str,
        amount_vnd: i64,
    ) -> Result<Delivery, SimulatorError> {
        self.core
            .send_variant(reference, Variant::Amount(amount_vnd))
            .await
    }

    /// While `true`, payments complete without their confirmation reaching the merchant (a
    /// lost callback: only a query finds them). [`Self::resend_last_confirmation`] still
    /// sends the last one.
    pub fn set_lose_confirmations(&self, lose: bool) {
        self.core.state().lose = lose;
    }

    /// Sets the simulator's clock to `at` (it then runs on from there), so that a test whose
    /// application clock stands at a fixed time sees expiries as the real service would.
    pub fn set_now(&self, at: OffsetDateTime) {
        self.core.state().clock_offset = at - OffsetDateTime::now_utc();
    }

    /// Every confirmation sent, with the merchant's reply, oldest first.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.core.state().deliveries.clone()
    }

    /// The simulator's ledger, in the order payments were registered.
    pub fn transactions(&self) -> Vec<SimTransaction> {
        self.core
            .state()
            .orders
            .iter()
            .map(|o| SimTransaction {
                reference: o.reference.clone(),
                amount_vnd: o.amount_vnd,
                status: o.status.clone(),
                gateway_transaction: o.transaction.clone(),
                paid_at: o.paid_at.filter(|_| o.transaction.is_some()),
                refund_transaction: o.refund_transaction.clone(),
            })
            .collect()
    }
}

/// Binds `127.0.0.1:0`, builds the router for the protocol and serves it in a task.
pub(crate) async fn start(protocol: Protocol) -> std::io::Result<SimulatorHandle> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let client = crate::http::client().map_err(|e: GatewayError| std::io::Error::other(e))?;
    let core = Arc::new(Core {
        protocol,
        base_url: format!("http://{address}"),
        state: Mutex::new(State::default()),
        client,
    });
    let router = match &core.protocol {
        Protocol::VnPay(config) => vnpay::router(core.clone(), config.clone()),
        Protocol::PayGov(config) => paygov::router(core.clone(), config.clone()),
    };
    let task = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            tracing::warn!(%error, "payment simulator stopped");
        }
    });
    Ok(SimulatorHandle { core, task })
}

/// `1234567` → `1.234.567 đ`.
pub fn format_vnd(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    let sign = if amount < 0 { "-" } else { "" };
    format!("{sign}{out} đ")
}

pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} — {banner}</title>\
         <style>body{{font-family:sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}}\
         .banner{{background:#b00020;color:#fff;padding:.75rem;font-weight:bold;text-align:center}}\
         form{{display:inline-block;margin-right:1rem}}button{{font-size:1.1rem;padding:.5rem 1.5rem}}</style>\
         </head><body><p class=\"banner\" role=\"alert\">{banner}</p>{body}</body></html>\n",
        title = escape_html(title),
        banner = BANNER,
    )
}

/// The payment page of a pending order: amount, content and the two buttons.
pub(crate) fn payment_page(
    gateway: &str,
    order: &Order,
    pay_action: &str,
    cancel_action: &str,
) -> String {
    let body = format!(
        "<h1>{gateway} (mô phỏng / simulated)</h1>\
         <dl><dt>Mã giao dịch / Reference</dt><dd>{reference}</dd>\
         <dt>Nội dung / Description</dt><dd>{description}</dd>\
         <dt>Số tiền / Amount</dt><dd class=\"amount\">{amount}</dd></dl>\
         <form method=\"post\" action=\"{pay}\"><button type=\"submit\" id=\"sim-pay\">Thanh toán</button></form>\
         <form method=\"post\" action=\"{cancel}\"><button type=\"submit\" id=\"sim-cancel\">Hủy</button></form>",
        gateway = escape_html(gateway),
        reference = escape_html(&order.reference),
        description = escape_html(&order.description),
        amount = format_vnd(order.amount_vnd),
        pay = escape_html(pay_action),
        cancel = escape_html(cancel_action),
    );
    page(gateway, &body)
}

/// A page that says what went wrong, without buttons.
pub(crate) fn error_page(gateway: &str, code: &str, message: &str) -> String {
    let body = format!(
        "<h1>{gateway} (mô phỏng / simulated)</h1><p class=\"error\">Lỗi / Error {code}: {message}</p>",
        gateway = escape_html(gateway),
        code = escape_html(code),
        message = escape_html(message),
    );
    page(gateway, &body)
}

/// A finished payment without a return URL.
pub(crate) fn done_page(gateway: &str, order: &Order) -> String {
    let body = format!(
        "<h1>{gateway} (mô phỏng / simulated)</h1><p>{reference}: {status:?}</p>",
        gateway = escape_html(gateway),
        reference = escape_html(&order.reference),
        status = order.status,
    );
    page(gateway, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_grouped_with_dots() {
        assert_eq!(format_vnd(0), "0 đ");
        assert_eq!(format_vnd(999), "999 đ");
        assert_eq!(format_vnd(1000), "1.000 đ");
        assert_eq!(format_vnd(1_234_567), "1.234.567 đ");
        assert_eq!(format_vnd(-50_000), "-50.000 đ");
    }
}
