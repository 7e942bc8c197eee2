//! Shared by the adapter-against-simulator tests: a fixed order, and a tiny merchant (an axum
//! service) that receives confirmations, verifies them with the adapter, decides like the app
//! would (unknown reference, amount, duplicate) and answers with `reply(..)`.
#![allow(dead_code)]

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use motcua_payments::{
    CallbackError, CallbackOutcome, Confirmation, FeeLine, FeeLineKind, InboundCallback,
    PaymentGateway, PaymentOrder, ReceiptInfo,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use time::{Duration, OffsetDateTime};

/// An order of `amount_vnd` (one fee line and one charge line) created a minute ago, expiring
/// in 15 minutes, returning to `return_url`.
pub fn order(reference: &str, amount_vnd: i64, return_url: &str) -> PaymentOrder {
    let created_at = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        - Duration::minutes(1);
    let charge = amount_vnd / 3;
    PaymentOrder {
        reference: reference.to_owned(),
        amount_vnd,
        description: format!("Lệ phí hồ sơ H29.123-260101-{reference}"),
        created_at,
        expires_at: created_at + Duration::minutes(16),
        client_ip: "203.0.113.7".to_owned(),
        return_url: return_url.to_owned(),
        english: false,
        receipt: ReceiptInfo {
            dossier_code: format!("H29.123-260101-{reference}"),
            procedure_code: "1.001234".to_owned(),
            procedure_name: "Đăng ký khai sinh".to_owned(),
            agency_code: "H29.123".to_owned(),
            agency_name: "UBND phường Ninh Kiều".to_owned(),
            payer_name: "Nguyễn Văn An".to_owned(),
            payer_personal_id: Some("092200001234".to_owned()),
            payer_address: Some("Cần Thơ".to_owned()),
            fees: vec![
                FeeLine {
                    kind: FeeLineKind::Fee,
                    code: "PHI01".to_owned(),
                    name: "Phí sao lục".to_owned(),
                    amount_vnd: amount_vnd - charge,
                },
                FeeLine {
                    kind: FeeLineKind::Charge,
                    code: "LEPHI01".to_owned(),
                    name: "Lệ phí hộ tịch".to_owned(),
                    amount_vnd: charge,
                },
            ],
        },
    }
}

/// Where the merchant stands on one payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Booked {
    Pending,
    Paid { gateway_transaction: String },
    Failed { code: String },
}

#[derive(Default)]
struct Inner {
    gateway: OnceLock<Arc<dyn PaymentGateway>>,
    book: Mutex<HashMap<String, (i64, Booked)>>,
    seen: Mutex<Vec<(Result<Confirmation, CallbackError>, CallbackOutcome)>>,
}

/// The merchant's confirmation endpoint: `GET|POST <url>`.
#[derive(Clone)]
pub struct Merchant {
    pub url: String,
    inner: Arc<Inner>,
}

impl Merchant {
    /// Starts listening; confirmations are answered 500 until [`Merchant::set_gateway`].
    pub async fn start() -> Merchant {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the merchant");
        let url = format!(
            "http://{}/payments/callback?gw=test",
            listener.local_addr().expect("address")
        );
        let inner = Arc::new(Inner::default());
        let router = Router::new()
            .route("/payments/callback", any(callback))
            .with_state(inner.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Merchant { url, inner }
    }

    pub fn set_gateway(&self, gateway: Arc<dyn PaymentGateway>) {
        let _ = self.inner.gateway.set(gateway);
    }

    /// The app created a payment.
    pub fn expect(&self, reference: &str, amount_vnd: i64) {
        self.book()
            .insert(reference.to_owned(), (amount_vnd, Booked::Pending));
    }

    pub fn booked(&self, reference: &str) -> Option<Booked> {
        self.book().get(reference).map(|(_, b)| b.clone())
    }

    /// Every confirmation received: what the adapter read and what the merchant decided.
    pub fn seen(&self) -> Vec<(Result<Confirmation, CallbackError>, CallbackOutcome)> {
        self.inner
            .seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn book(&self) -> std::sync::MutexGuard<'_, HashMap<String, (i64, Booked)>> {
        self.inner.book.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn decide(
    book: &mut HashMap<String, (i64, Booked)>,
    read: &Result<Confirmation, CallbackError>,
) -> CallbackOutcome {
    let confirmation = match read {
        Err(CallbackError::BadSignature) => return CallbackOutcome::BadSignature,
        Err(CallbackError::Malformed(_)) => return CallbackOutcome::Malformed,
        Ok(confirmation) => confirmation,
    };
    let Some((amount, booked)) = book.get_mut(confirmation.reference()) else {
        return CallbackOutcome::UnknownReference;
    };
    if *amount != confirmation.amount_vnd() {
        return CallbackOutcome::AmountMismatch;
    }
    if *booked != Booked::Pending {
        return CallbackOutcome::AlreadyConfirmed;
    }
    *booked = match confirmation {
        Confirmation::Paid {
            gateway_transaction,
            ..
        } => Booked::Paid {
            gateway_transaction: gateway_transaction.clone(),
        },
        Confirmation::NotPaid { code, .. } => Booked::Failed { code: code.clone() },
    };
    CallbackOutcome::Accepted
}

async fn callback(
    State(inner): State<Arc<Inner>>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let Some(gateway) = inner.gateway.get() else {
        return (
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "no gateway yet",
        )
            .into_response();
    };
    let inbound = InboundCallback {
        query: query.unwrap_or_default(),
        body: body.to_vec(),
    };
    let read = gateway.verify_confirmation(&inbound);
    let outcome = {
        let mut book = inner.book.lock().unwrap_or_else(|e| e.into_inner());
        decide(&mut book, &read)
    };
    inner
        .seen
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((read, outcome));
    let reply = gateway.reply(outcome);
    (
        axum::http::StatusCode::from_u16(reply.status).expect("status"),
        [(axum::http::header::CONTENT_TYPE, reply.content_type)],
        reply.body,
    )
        .into_response()
}

/// A plain HTTP client that does not follow redirects (the test looks at each one).
pub fn browser() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .expect("client")
}

/// The query string of a URL (after `?`).
pub fn query_of(url: &str) -> &str {
    url.split_once('?').map(|(_, q)| q).unwrap_or("")
}
