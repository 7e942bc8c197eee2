//! Online payment end to end (issue 14), on both databases: the real server on a socket, the
//! VNPay and national-platform simulators checking our signatures and calling back, a citizen
//! paying through the pages without JavaScript, and the harmless repeats, forgeries and wrong
//! amounts; lost callbacks found by the query job, expiry, refunds and the reconciliation.

#[allow(unused_macros)]
#[macro_use]
mod support;

use axum::http::{StatusCode, header};
use motcua_app::dossiers::Submission;
use motcua_app::payments::Gateways;
use motcua_app::test_support::{CITIZEN, Fixture, WARD};
use motcua_domain::dossier::{Command, DossierStatus};
use motcua_payments::paygov::{PayGov, PayGovConfig};
use motcua_payments::simulator::{
    BANNER, PayGovSimulator, PayGovSimulatorConfig, SimStatus, SimulatorHandle, VnPaySimulator,
    VnPaySimulatorConfig,
};
use motcua_payments::vnpay::{VnPay, VnPayConfig};
use std::sync::Arc;
use support::{Client, Web};

/// One test per backend from `async fn(Web, Gateway) -> (Web, Gateway)`.
macro_rules! paying {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::with_gateways(motcua_store::Backend::Sqlite, super::$name).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::with_gateways(motcua_store::Backend::Postgres, super::$name).await } )* }
    };
}

paying!(
    a_citizen_pays_at_submission_through_vnpay_and_the_desk_then_receives,
    an_obligation_paid_through_the_national_platform_resumes_processing,
    repeated_forged_and_wrong_amount_callbacks_change_nothing,
    a_lost_callback_is_found_by_the_query_job_and_an_unpaid_attempt_expires,
    a_leader_refunds_through_vnpay,
    the_reconciliation_finds_a_payment_the_gateway_took_but_we_did_not_record,
    a_citizen_pays_at_submission_through_the_national_platform,
    a_signed_callback_for_a_reference_we_never_issued_is_flagged,
    an_exemption_is_declared_and_confirmed_through_the_pages,
);

const TMN: &str = "MOTCUA01";
const VNPAY_SECRET: &str = "VNPAYSECRET0123456789ABCDEFGHIJK";
const PARTNER: &str = "MOTCUA-CANTHO";
const PAYGOV_SECRET: &str = "paygov-secret-0123456789abcdef";

struct Gateway {
    vnpay: SimulatorHandle,
    paygov: SimulatorHandle,
    /// Where the served router listens (`http://127.0.0.1:<port>`).
    base: String,
    browser: reqwest::Client,
}

impl Gateway {
    /// The simulators' clocks follow the fixture's.
    fn sync_clock(&self, w: &Web) {
        self.vnpay.set_now(w.f.app.now());
        self.paygov.set_now(w.f.app.now());
    }
}

/// Runs `test` with both gateways configured against their simulators, and the router served
/// on a real socket for their callbacks.
async fn with_gateways<F, Fut>(backend: motcua_store::Backend, test: F)
where
    F: FnOnce(Web, Gateway) -> Fut,
    Fut: std::future::Future<Output = (Web, Gateway)>,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let vnpay = VnPaySimulator::start(VnPaySimulatorConfig {
        tmn_code: TMN.into(),
        hash_secret: VNPAY_SECRET.into(),
        ipn_url: format!("{base}/api/v1/payments/gateways/vnpay/confirm"),
    })
    .await
    .expect("VNPay simulator");
    let paygov = PayGovSimulator::start(PayGovSimulatorConfig {
        partner_code: PARTNER.into(),
        secret_key: PAYGOV_SECRET.into(),
        confirm_url: format!("{base}/api/v1/payments/gateways/paygov/confirm"),
        bearer_token: None,
    })
    .await
    .expect("PayGov simulator");
    let gateways = Gateways::new(vec![
        Arc::new(
            VnPay::new(VnPayConfig {
                tmn_code: TMN.into(),
                hash_secret: VNPAY_SECRET.into(),
                pay_url: vnpay.pay_url(),
                api_url: vnpay.api_url(),
            })
            .expect("VNPay adapter"),
        ),
        Arc::new(
            PayGov::new(PayGovConfig {
                partner_code: PARTNER.into(),
                secret_key: PAYGOV_SECRET.into(),
                api_url: paygov.api_url(),
                bearer_token: None,
            })
            .expect("PayGov adapter"),
        ),
    ]);
    let public = base.clone();
    support::run_with(
        backend,
        move |state| {
            state.app = state
                .app
                .clone()
                .with_gateways(gateways)
                .with_public_url(&public);
        },
        |w| async move {
            let router = w.router();
            let server = tokio::spawn(async move {
                let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
                let _ = axum::serve(listener, service).await;
            });
            let gateway = Gateway {
                vnpay,
                paygov,
                base,
                browser: reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .expect("browser"),
            };
            gateway.sync_clock(&w);
            let (w, gateway) = test(w, gateway).await;
            server.abort();
            drop(gateway);
            w
        },
    )
    .await;
}

/// A copy of a civil-status extract (2.000635): 8.000 đ per copy, paid at submission.
async fn submit_extract(f: &Fixture, copies: u32) -> i64 {
    let citizen = f.citizen(CITIZEN).await;
    let form = motcua_app::demo::demo_extract_form(copies).expect("form values");
    f.app
        .submit_dossier(
            &citizen,
            &Submission {
                procedure_code: "2.000635".into(),
                agency_code: WARD.into(),
                form,
                attachments: Vec::new(),
                delivery: Default::default(),
                postal: Default::default(),
            },
        )
        .await
        .expect("submit")
        .id
}

/// A received birth registration put under an obligation of `amount` by the specialist.
async fn under_obligation(f: &Fixture, amount: i64) -> i64 {
    let received = f.received().await;
    let specialist = f.official("chuyenvien.ninhkieu").await;
    f.app
        .act_on_dossier(
            &specialist,
            received.id,
            Command::RequireFinancialObligation {
                description: "Lệ phí cấp bản sao trích lục".into(),
                amount_vnd: Some(amount),
            },
        )
        .await
        .expect("obligation")
        .id
}

/// The citizen starts paying through the API; the reference of the new attempt.
async fn start(w: &Web, citizen: &Client, dossier: i64, gateway: &str) -> (String, String) {
    let reply = w
        .post(
            &format!("/api/v1/dossiers/{dossier}/payments"),
            citizen,
            serde_json::json!({"gateway": gateway}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let url = reply.json()["redirect_url"]
        .as_str()
        .expect("redirect url")
        .to_owned();
    let attempts = w.f.db.store.dossier_payments(dossier).await.expect("rows");
    let pending = attempts
        .iter()
        .rfind(|p| p.state == "pending")
        .expect("a pending attempt");
    (pending.reference.clone(), url)
}

/// The browser opens the gateway's page (which shows it is a simulator).
async fn open_gateway_page(g: &Gateway, url: &str) -> String {
    let page = g.browser.get(url).send().await.expect("gateway page");
    assert_eq!(page.status().as_u16(), 200, "{url}");
    let text = page.text().await.expect("page text");
    assert!(text.contains(BANNER), "the simulator says it is one");
    text
}

fn path_of(url: &str, base: &str) -> String {
    url.strip_prefix(base).unwrap_or(url).to_owned()
}

async fn a_citizen_pays_at_submission_through_vnpay_and_the_desk_then_receives(
    w: Web,
    g: Gateway,
) -> (Web, Gateway) {
    let id = submit_extract(&w.f, 2).await;
    let citizen = w.citizen(CITIZEN).await;
    let page = w.get(&format!("/my/dossiers/{id}/payment"), &citizen).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    assert!(text.contains("16.000 đ"), "two copies at 8.000 đ");
    assert!(text.contains("value=\"vnpay\""));

    // The page's form (no JavaScript) leads to a page that moves on to the gateway by itself.
    let started = w
        .form(
            &format!("/my/dossiers/{id}/payment"),
            &citizen,
            &[("gateway", "vnpay")],
        )
        .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text());
    let html = started.text();
    let to = html
        .split("id=\"to-gateway\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a link to the gateway")
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    assert!(html.contains("http-equiv=\"refresh\""));
    assert!(to.starts_with(g.vnpay.base_url()), "{to}");
    let gateway_page = open_gateway_page(&g, &to).await;
    assert!(gateway_page.contains("16.000 đ"));
    let reference = w.f.db.store.dossier_payments(id).await.expect("rows")[0]
        .reference
        .clone();

    let back = g
        .vnpay
        .pay(&reference)
        .await
        .expect("paid")
        .expect("return url");
    let delivery = g.vnpay.deliveries().pop().expect("an IPN was sent");
    assert_eq!(delivery.reply_code.as_deref(), Some("00"), "{delivery:?}");
    let paid =
        w.f.db
            .store
            .payment_by_reference(&reference)
            .await
            .expect("row")
            .expect("attempt");
    assert_eq!(paid.state, "paid");
    assert!(paid.receipt_number.is_some());

    // The browser comes back: the page shows our record, now paid, with the receipt.
    let returned = w.get(&path_of(&back, &g.base), &citizen).await;
    assert_eq!(returned.status, StatusCode::OK, "{}", returned.text());
    let text = returned.text();
    assert!(text.contains("id=\"payment-paid\""), "{text}");
    let receipt = w
        .get(&format!("/payments/{}/receipt.pdf", paid.id), &citizen)
        .await;
    assert_eq!(receipt.status, StatusCode::OK);
    assert_eq!(receipt.headers[header::CONTENT_TYPE], "application/pdf");
    let words = motcua_app::test_support::pdf::text("payment-receipt", &receipt.bytes);
    assert!(words.contains("16.000"), "{words}");
    assert!(words.contains("Mười sáu nghìn đồng"), "{words}");
    // The receipt's QR code opens its public check, which names nobody.
    let check = w
        .get(&format!("/bien-lai/{reference}"), &Client::Anonymous)
        .await;
    assert_eq!(check.status, StatusCode::OK);
    assert!(check.text().contains("id=\"receipt-valid\""));
    assert!(!check.text().contains("Nguyễn Văn Hậu"));
    // Another citizen sees neither the payment nor the receipt.
    let other = w.citizen(motcua_app::test_support::OTHER_CITIZEN).await;
    let refused = w
        .get(&format!("/payments/{}/receipt.pdf", paid.id), &other)
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);

    let reception = w.f.official("tiepnhan.ninhkieu").await;
    let received =
        w.f.app
            .receive_dossier(&reception, id)
            .await
            .expect("receive");
    assert_eq!(received.status, Some(DossierStatus::Received));
    (w, g)
}

async fn an_obligation_paid_through_the_national_platform_resumes_processing(
    w: Web,
    g: Gateway,
) -> (Web, Gateway) {
    let id = under_obligation(&w.f, 50_000).await;
    let due_before = w.f.db.store.get_dossier(id).await.expect("row").due_at;
    // Two working days pass while the citizen finds the money: they do not count.
    w.f.advance(time::Duration::days(2));
    g.sync_clock(&w);
    let citizen = w.citizen(CITIZEN).await;
    let (reference, url) = start(&w, &citizen, id, "paygov").await;
    open_gateway_page(&g, &url).await;
    // The browser's return alone changes nothing: only the platform's confirm does.
    let back = g.paygov.pay(&reference).await.expect("paid");
    let delivery = g.paygov.deliveries().pop().expect("a confirm was sent");
    assert_eq!(delivery.reply_code.as_deref(), Some("0"), "{delivery:?}");
    let row = w.f.db.store.get_dossier(id).await.expect("row");
    assert_eq!(
        row.status_code,
        Some(4),
        "processing resumes on confirmation"
    );
    assert!(
        row.due_at > due_before,
        "the appointment moves by the paused time"
    );
    if let Some(back) = back {
        let page = w.get(&path_of(&back, &g.base), &citizen).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    }
    (w, g)
}

async fn repeated_forged_and_wrong_amount_callbacks_change_nothing(
    w: Web,
    g: Gateway,
) -> (Web, Gateway) {
    let id = under_obligation(&w.f, 8_000).await;
    let citizen = w.citizen(CITIZEN).await;
    let (reference, url) = start(&w, &citizen, id, "vnpay").await;
    open_gateway_page(&g, &url).await;

    // A forged confirmation (another key) is refused, audited, and changes nothing.
    let forged = g
        .vnpay
        .send_forged_confirmation(&reference)
        .await
        .expect("sent");
    assert_eq!(forged.reply_code.as_deref(), Some("97"), "{forged:?}");
    // A signed confirmation of another amount is refused too.
    let wrong = g
        .vnpay
        .send_confirmation_with_amount(&reference, 800)
        .await
        .expect("sent");
    assert_eq!(wrong.reply_code.as_deref(), Some("04"), "{wrong:?}");
    let row =
        w.f.db
            .store
            .payment_by_reference(&reference)
            .await
            .expect("row")
            .expect("attempt");
    assert_eq!(row.state, "pending");
    assert_eq!(
        w.f.db.store.get_dossier(id).await.expect("row").status_code,
        Some(6)
    );
    let audited =
        w.f.db
            .store
            .list_audit(Some("payment.callback_bad_signature"), 10, None)
            .await
            .expect("audit");
    assert_eq!(audited.len(), 1);

    // The real payment, then the same confirmation again: "already confirmed", one event.
    g.vnpay.pay(&reference).await.expect("paid");
    let repeat = g.vnpay.resend_last_confirmation().await.expect("sent");
    assert_eq!(repeat.reply_code.as_deref(), Some("02"), "{repeat:?}");
    let events = w.f.db.store.dossier_events(id).await.expect("events");
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind == "obligation_paid")
            .count(),
        1
    );
    let payment_events = w.f.db.store.payment_events(row.id).await.expect("events");
    assert_eq!(
        payment_events
            .iter()
            .filter(|e| e.kind == "confirmed")
            .count(),
        1
    );
    // An unknown gateway name is not a route to anything.
    let unknown = w
        .get(
            "/api/v1/payments/gateways/momo/confirm?x=1",
            &Client::Anonymous,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    (w, g)
}

async fn a_lost_callback_is_found_by_the_query_job_and_an_unpaid_attempt_expires(
    w: Web,
    g: Gateway,
) -> (Web, Gateway) {
    let paid_later = under_obligation(&w.f, 8_000).await;
    let citizen = w.citizen(CITIZEN).await;
    let (reference, url) = start(&w, &citizen, paid_later, "vnpay").await;
    open_gateway_page(&g, &url).await;
    g.vnpay.set_lose_confirmations(true);
    g.vnpay.pay(&reference).await.expect("paid at the gateway");
    assert_eq!(
        w.f.db
            .store
            .payment_by_reference(&reference)
            .await
            .expect("row")
            .expect("attempt")
            .state,
        "pending",
        "nothing arrived"
    );
    let abandoned = under_obligation(&w.f, 8_000).await;
    let (abandoned_reference, url) = start(&w, &citizen, abandoned, "paygov").await;
    open_gateway_page(&g, &url).await;

    // Too early to ask: nothing is checked.
    let report = w.f.app.check_stale_payments().await.expect("job");
    assert_eq!(report.checked, 0);
    w.f.advance(time::Duration::minutes(16));
    g.sync_clock(&w);
    let report = w.f.app.check_stale_payments().await.expect("job");
    assert_eq!((report.paid, report.still_pending), (1, 1), "{report:?}");
    assert_eq!(
        w.f.db
            .store
            .get_dossier(paid_later)
            .await
            .expect("row")
            .status_code,
        Some(4)
    );
    // Past the 90 minutes, the attempt nobody paid expires.
    w.f.advance(time::Duration::minutes(80));
    g.sync_clock(&w);
    let report = w.f.app.check_stale_payments().await.expect("job");
    assert_eq!(report.expired, 1, "{report:?}");
    let expired =
        w.f.db
            .store
            .payment_by_reference(&abandoned_reference)
            .await
            .expect("row")
            .expect("attempt");
    assert_eq!(expired.state, "expired");
    // The obligation is still due: a new attempt may start.
    start(&w, &citizen, abandoned, "vnpay").await;
    (w, g)
}

async fn a_leader_refunds_through_vnpay(w: Web, g: Gateway) -> (Web, Gateway) {
    let id = under_obligation(&w.f, 20_000).await;
    let citizen = w.citizen(CITIZEN).await;
    let (reference, url) = start(&w, &citizen, id, "vnpay").await;
    open_gateway_page(&g, &url).await;
    g.vnpay.pay(&reference).await.expect("paid");
    let payment =
        w.f.db
            .store
            .payment_by_reference(&reference)
            .await
            .expect("row")
            .expect("attempt");
    let reception = w.official("tiepnhan.ninhkieu").await;
    let refused = w
        .post(
            &format!("/api/v1/payments/{}/refund", payment.id),
            &reception,
            serde_json::json!({"reason": "Thu trùng"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let leader = w.official("chutich.ninhkieu").await;
    let refunded = w
        .post(
            &format!("/api/v1/payments/{}/refund", payment.id),
            &leader,
            serde_json::json!({"reason": "Thu trùng"}),
        )
        .await;
    assert_eq!(refunded.status, StatusCode::OK, "{}", refunded.text());
    assert_eq!(refunded.json()["state"], "refunded");
    let ledger = g.vnpay.transactions();
    let at_gateway = ledger
        .iter()
        .find(|t| t.reference == reference)
        .expect("in the ledger");
    assert_eq!(
        at_gateway.status,
        SimStatus::Refunded { amount_vnd: 20_000 }
    );
    (w, g)
}

async fn the_reconciliation_finds_a_payment_the_gateway_took_but_we_did_not_record(
    w: Web,
    g: Gateway,
) -> (Web, Gateway) {
    let id = under_obligation(&w.f, 8_000).await;
    let citizen = w.citizen(CITIZEN).await;
    let (reference, url) = start(&w, &citizen, id, "vnpay").await;
    open_gateway_page(&g, &url).await;
    g.vnpay.set_lose_confirmations(true);
    g.vnpay.pay(&reference).await.expect("paid at the gateway");
    let leader = w.official_session("chutich.ninhkieu").await;
    let ward = w.f.db.store.get_unit_by_code(WARD).await.expect("ward").id;
    let day = w.f.app.today();
    let page = w
        .get(
            &format!(
                "/staff/payments/reconciliation?unit_id={ward}&day={:02}/{:02}/{}",
                day.day(),
                u8::from(day.month()),
                day.year()
            ),
            &leader,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let text = page.text();
    assert!(text.contains("id=\"mismatch-count\">1<"), "{text}");
    assert!(text.contains("Cổng đã thu tiền nhưng hệ thống chưa ghi nhận"));
    let csv = w
        .get(
            &format!("/api/v1/payments/reconciliation.csv?unit_id={ward}&day={day}"),
            &leader,
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.text().contains("paid-at-gateway-not-here"),
        "{}",
        csv.text()
    );
    let xlsx = w
        .get(
            &format!("/api/v1/payments/reconciliation.xlsx?unit_id={ward}&day={day}"),
            &leader,
        )
        .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.bytes.starts_with(b"PK\x03\x04"), "a ZIP package");
    let sheet = String::from_utf8_lossy(&xlsx.bytes);
    assert!(sheet.contains("paid-at-gateway-not-here"));
    // The desk (no reports permission) is refused the reconciliation.
    let desk = w.official_session("tiepnhan.ninhkieu").await;
    let refused = w
        .get(
            &format!("/api/v1/payments/reconciliation?unit_id={ward}&day={day}"),
            &desk,
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    (w, g)
}

async fn a_citizen_pays_at_submission_through_the_national_platform(
    w: Web,
    g: Gateway,
) -> (Web, Gateway) {
    let id = submit_extract(&w.f, 3).await;
    let citizen = w.citizen(CITIZEN).await;
    let (reference, url) = start(&w, &citizen, id, "paygov").await;
    let page = open_gateway_page(&g, &url).await;
    assert!(page.contains("24.000 đ"), "three copies at 8.000 đ");
    let back = g.paygov.pay(&reference).await.expect("paid");
    let delivery = g.paygov.deliveries().pop().expect("a confirm was sent");
    assert_eq!(delivery.reply_code.as_deref(), Some("0"), "{delivery:?}");
    let paid =
        w.f.db
            .store
            .payment_by_reference(&reference)
            .await
            .expect("row")
            .expect("attempt");
    assert_eq!(paid.state, "paid");
    assert_eq!(paid.amount_vnd, 24_000);
    if let Some(back) = back {
        let page = w.get(&path_of(&back, &g.base), &citizen).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        assert!(page.text().contains("id=\"payment-paid\""));
    }
    let reception = w.f.official("tiepnhan.ninhkieu").await;
    let received =
        w.f.app
            .receive_dossier(&reception, id)
            .await
            .expect("received once paid");
    assert_eq!(
        received.status,
        Some(motcua_domain::dossier::DossierStatus::Received)
    );
    (w, g)
}

async fn a_signed_callback_for_a_reference_we_never_issued_is_flagged(
    w: Web,
    g: Gateway,
) -> (Web, Gateway) {
    // Correctly signed with our VNPay secret, naming an order that does not exist here.
    let query = motcua_payments::vnpay::sign_params(
        VNPAY_SECRET,
        [
            ("vnp_Amount", "5000000"),
            ("vnp_BankCode", "NCB"),
            ("vnp_CardType", "ATM"),
            ("vnp_OrderInfo", "Thanh toan"),
            ("vnp_PayDate", "20261207091500"),
            ("vnp_ResponseCode", "00"),
            ("vnp_TmnCode", TMN),
            ("vnp_TransactionNo", "99999999"),
            ("vnp_TransactionStatus", "00"),
            ("vnp_TxnRef", "KHONGCOTRONGHETHONG261207"),
        ],
    );
    let reply = w
        .get(
            &format!("/api/v1/payments/gateways/vnpay/confirm?{query}"),
            &Client::Anonymous,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply.text().contains("\"RspCode\":\"01\""),
        "{}",
        reply.text()
    );
    // The city's reconciliation of the day shows it; a ward's does not (it concerns no unit).
    let root =
        w.f.db
            .store
            .list_units()
            .await
            .expect("units")
            .into_iter()
            .find(|u| u.parent_id.is_none())
            .expect("the city")
            .id;
    let admin = w.official("admin").await;
    let day = w.f.app.today();
    let report = w
        .get(
            &format!("/api/v1/payments/reconciliation?unit_id={root}&day={day}"),
            &admin,
        )
        .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text());
    let rows = report.json()["rows"].clone();
    let flagged = rows
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["reference"] == "KHONGCOTRONGHETHONG261207")
        .expect("the unknown reference is listed");
    assert_eq!(flagged["mismatch"], "unknown-reference");
    assert_eq!(flagged["gateway_amount_vnd"], 50_000);
    let _ = &g;
    (w, g)
}

async fn an_exemption_is_declared_and_confirmed_through_the_pages(
    w: Web,
    g: Gateway,
) -> (Web, Gateway) {
    let id = submit_extract(&w.f, 1).await;
    let citizen = w.citizen(CITIZEN).await;
    let page = w.get(&format!("/my/dossiers/{id}/payment"), &citizen).await;
    assert!(
        page.text().contains("id=\"exemption\""),
        "the form is offered"
    );
    let due = w
        .get(&format!("/api/v1/dossiers/{id}/payments"), &citizen)
        .await
        .json();
    let category = due["due"]["exemption_choices"][0]
        .as_str()
        .expect("a category")
        .to_owned();
    let declare = format!("/my/dossiers/{id}/payment/exemption");
    // A category the fees do not name is explained next to the choices; nothing is stored.
    let refused = w
        .form(
            &declare,
            &citizen,
            &[("category", "Người có thu nhập cao"), ("note", "")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .contains("Vui lòng chọn một đối tượng được miễn có trong danh sách."),
        "{}",
        refused.text()
    );
    assert!(
        w.f.db
            .store
            .dossier_exemptions(id)
            .await
            .expect("rows")
            .is_empty()
    );
    let declared = w
        .form(
            &declare,
            &citizen,
            &[("category", &category), ("note", "Sổ hộ nghèo số 12")],
        )
        .await;
    assert_eq!(
        declared.status,
        StatusCode::SEE_OTHER,
        "{}",
        declared.text()
    );

    let desk = w.official_session("tiepnhan.ninhkieu").await;
    let panel = w
        .get(&format!("/staff/dossiers/{id}/payments"), &desk)
        .await;
    assert!(panel.text().contains("id=\"exemption-decision\""));
    let decide = format!("/staff/dossiers/{id}/payments/exemption");
    let refused = w
        .form(&decide, &desk, &[("decision", "reject"), ("note", "")])
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a rejection needs a note"
    );
    let confirmed = w
        .form(
            &decide,
            &desk,
            &[("decision", "confirm"), ("note", "Đã xem sổ hộ nghèo")],
        )
        .await;
    assert_eq!(
        confirmed.status,
        StatusCode::SEE_OTHER,
        "{}",
        confirmed.text()
    );
    let page = w.get(&format!("/my/dossiers/{id}/payment"), &citizen).await;
    assert!(
        page.text().contains("id=\"nothing-due\""),
        "{}",
        page.text()
    );
    (w, g)
}
