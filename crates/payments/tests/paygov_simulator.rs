//! The national payment platform adapter against its simulator, with a merchant receiving the
//! confirm messages.
#![cfg(feature = "simulator")]

mod support;

use motcua_payments::paygov::{PayGov, PayGovConfig};
use motcua_payments::simulator::{
    BANNER, PayGovSimulator, PayGovSimulatorConfig, SimStatus, SimulatorHandle,
};
use motcua_payments::{
    CallbackError, CallbackOutcome, Confirmation, GatewayError, InboundCallback, PaymentGateway,
    PaymentOrder, QueryStatus, RefundRequest,
};
use std::sync::Arc;
use support::{Booked, Merchant, browser, order, query_of};
use time::OffsetDateTime;

const PARTNER: &str = "MOTCUA";
const SECRET: &str = "paygov-secret";
const TOKEN: &str = "bearer-token-1";
const RETURN: &str = "https://motcua.example.vn/payments/return/paygov";

struct Setup {
    sim: SimulatorHandle,
    gateway: Arc<PayGov>,
    merchant: Merchant,
}

async fn setup() -> Setup {
    let merchant = Merchant::start().await;
    let sim = PayGovSimulator::start(PayGovSimulatorConfig {
        partner_code: PARTNER.to_owned(),
        secret_key: SECRET.to_owned(),
        confirm_url: merchant.url.clone(),
        bearer_token: Some(TOKEN.to_owned()),
    })
    .await
    .expect("start the simulator");
    let gateway = Arc::new(adapter(&sim, SECRET, Some(TOKEN)));
    merchant.set_gateway(gateway.clone());
    Setup {
        sim,
        gateway,
        merchant,
    }
}

fn adapter(sim: &SimulatorHandle, secret: &str, token: Option<&str>) -> PayGov {
    PayGov::new(PayGovConfig {
        partner_code: PARTNER.to_owned(),
        secret_key: secret.to_owned(),
        api_url: sim.api_url(),
        bearer_token: token.map(str::to_owned),
    })
    .expect("adapter")
}

/// INIT (the merchant expects the payment) and the payment URL.
async fn init(setup: &Setup, reference: &str, amount: i64) -> (PaymentOrder, String) {
    let order = order(reference, amount, RETURN);
    setup.merchant.expect(reference, amount);
    let checkout = setup.gateway.checkout(&order).await.expect("INIT");
    (order, checkout.redirect_url)
}

async fn query(setup: &Setup, order: &PaymentOrder) -> Result<QueryStatus, GatewayError> {
    setup
        .gateway
        .query(
            &order.reference,
            order.created_at,
            OffsetDateTime::now_utc(),
        )
        .await
}

#[tokio::test]
async fn init_page_pay_confirm_and_return() {
    let setup = setup().await;
    let (order, url) = init(&setup, "PG0001", 1_234_567).await;
    assert_eq!(url, format!("{}/PG0001", setup.sim.pay_url()));
    let page = browser().get(&url).send().await.expect("page");
    assert_eq!(page.status(), 200);
    let page = page.text().await.expect("text");
    assert!(page.contains(BANNER), "{page}");
    assert!(page.contains("1.234.567 đ"), "{page}");
    assert!(!page.contains("<script"));
    assert!(page.contains("<form method=\"post\" action=\"/paygov/pay/PG0001/pay\">"));
    assert!(page.contains("<form method=\"post\" action=\"/paygov/pay/PG0001/cancel\">"));

    let pressed = browser()
        .post(format!("{url}/pay"))
        .send()
        .await
        .expect("press Thanh toán");
    assert_eq!(pressed.status(), 303);
    let location = pressed.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(location.starts_with(&format!("{RETURN}?")), "{location}");

    let deliveries = setup.sim.deliveries();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].status, Some(200));
    assert_eq!(deliveries[0].reply_code.as_deref(), Some("0"));
    let number = setup.sim.transactions()[0]
        .gateway_transaction
        .clone()
        .expect("number");
    assert_eq!(
        setup.merchant.booked("PG0001"),
        Some(Booked::Paid {
            gateway_transaction: number.clone()
        })
    );
    let returned = setup
        .gateway
        .verify_return(&InboundCallback {
            query: query_of(&location).to_owned(),
            body: Vec::new(),
        })
        .expect("signed return");
    assert!(
        matches!(
            returned,
            Confirmation::Paid { ref reference, amount_vnd: 1_234_567, ref gateway_transaction, paid_at: Some(_) }
                if reference == "PG0001" && *gateway_transaction == number
        ),
        "{returned:?}"
    );
    // A return whose amount was changed is refused.
    let tampered = query_of(&location).replace("SoTien=1234567", "SoTien=1234");
    assert_ne!(tampered, query_of(&location));
    assert_eq!(
        setup.gateway.verify_return(&InboundCallback {
            query: tampered,
            body: Vec::new()
        }),
        Err(CallbackError::BadSignature)
    );
    assert!(matches!(
        query(&setup, &order).await,
        Ok(QueryStatus::Paid {
            amount_vnd: 1_234_567,
            ..
        })
    ));
}

#[tokio::test]
async fn init_is_refused_with_a_wrong_key_a_missing_token_or_fees_that_do_not_add_up() {
    let setup = setup().await;
    let order = order("PG0002", 40_000, RETURN);

    let stranger = adapter(&setup.sim, "another-secret", Some(TOKEN));
    assert!(matches!(
        stranger.checkout(&order).await,
        Err(GatewayError::Rejected { ref code, .. }) if code == "97"
    ));
    assert!(matches!(
        stranger.query(&order.reference, order.created_at, OffsetDateTime::now_utc()).await,
        Err(GatewayError::Rejected { ref code, .. }) if code == "97"
    ));

    let tokenless = adapter(&setup.sim, SECRET, None);
    assert_eq!(
        tokenless.checkout(&order).await,
        Err(GatewayError::Unreachable("HTTP 401".to_owned()))
    );

    let mut uneven = order.clone();
    uneven.receipt.fees[0].amount_vnd += 1;
    assert!(matches!(
        setup.gateway.checkout(&uneven).await,
        Err(GatewayError::InvalidOrder(_))
    ));
    let mut feeless = order.clone();
    feeless.receipt.fees.clear();
    assert!(matches!(
        setup.gateway.checkout(&feeless).await,
        Err(GatewayError::InvalidOrder(_))
    ));
    assert!(
        setup.sim.transactions().is_empty(),
        "nothing was registered"
    );

    // A repeated INIT of the same order is answered with the same page; another order under a
    // used reference is refused.
    let first = setup.gateway.checkout(&order).await.expect("INIT");
    let again = setup.gateway.checkout(&order).await.expect("INIT again");
    assert_eq!(first, again);
    let mut other = order.clone();
    other.amount_vnd = 80_000;
    other.receipt.fees[0].amount_vnd += 40_000;
    assert!(matches!(
        setup.gateway.checkout(&other).await,
        Err(GatewayError::Rejected { ref code, .. }) if code == "94"
    ));
}

#[tokio::test]
async fn query_finds_not_found_pending_paid_and_cancelled() {
    let setup = setup().await;
    let order = order("PG0003", 60_000, RETURN);
    assert_eq!(query(&setup, &order).await, Ok(QueryStatus::NotFound));
    let (order, _) = init(&setup, "PG0003", 60_000).await;
    assert_eq!(query(&setup, &order).await, Ok(QueryStatus::Pending));

    setup.sim.set_lose_confirmations(true);
    setup.sim.pay("PG0003").await.expect("pay");
    assert!(setup.sim.deliveries().is_empty(), "the confirm was lost");
    assert_eq!(setup.merchant.booked("PG0003"), Some(Booked::Pending));
    let number = setup.sim.transactions()[0]
        .gateway_transaction
        .clone()
        .expect("number");
    assert!(matches!(
        query(&setup, &order).await,
        Ok(QueryStatus::Paid { ref gateway_transaction, amount_vnd: 60_000, paid_at: Some(_) })
            if *gateway_transaction == number
    ));
    setup.sim.set_lose_confirmations(false);

    let (cancelled, url) = init(&setup, "PG0004", 60_000).await;
    let pressed = browser()
        .post(format!("{url}/cancel"))
        .send()
        .await
        .expect("press Hủy");
    assert_eq!(pressed.status(), 303);
    assert_eq!(
        setup.merchant.booked("PG0004"),
        Some(Booked::Failed {
            code: "10".to_owned()
        })
    );
    assert_eq!(
        setup.sim.transactions()[1].status,
        SimStatus::Declined {
            code: "10".to_owned()
        }
    );
    assert_eq!(
        query(&setup, &cancelled).await,
        Ok(QueryStatus::Failed {
            code: "10".to_owned()
        })
    );
}

#[tokio::test]
async fn duplicate_forged_wrong_amount_and_unknown_confirmations_get_their_replies() {
    let setup = setup().await;
    init(&setup, "PG0005", 25_000).await;
    setup.sim.pay("PG0005").await.expect("pay");
    let duplicate = setup.sim.resend_last_confirmation().await.expect("resend");
    assert_eq!(duplicate.reply_code.as_deref(), Some("0"));
    assert_eq!(
        setup.merchant.seen()[1].1,
        CallbackOutcome::AlreadyConfirmed
    );

    init(&setup, "PG0006", 25_000).await;
    let forged = setup
        .sim
        .send_forged_confirmation("PG0006")
        .await
        .expect("forged");
    assert_eq!(forged.reply_code.as_deref(), Some("97"));
    let dearer = setup
        .sim
        .send_confirmation_with_amount("PG0006", 250_000)
        .await
        .expect("dearer");
    assert_eq!(dearer.reply_code.as_deref(), Some("4"));
    assert_eq!(setup.merchant.booked("PG0006"), Some(Booked::Pending));
    let seen = setup.merchant.seen();
    assert_eq!(
        seen[2],
        (
            Err(CallbackError::BadSignature),
            CallbackOutcome::BadSignature
        )
    );
    assert!(matches!(
        seen[3],
        (
            Ok(Confirmation::Paid {
                amount_vnd: 250_000,
                ..
            }),
            CallbackOutcome::AmountMismatch
        )
    ));

    // An order the merchant does not know.
    let stranger = order("PG0007", 10_000, RETURN);
    setup.gateway.checkout(&stranger).await.expect("INIT");
    setup.sim.pay("PG0007").await.expect("pay");
    let last = setup.sim.deliveries().pop().expect("a delivery");
    assert_eq!(last.reply_code.as_deref(), Some("1"));
}

#[tokio::test]
async fn refunds_are_not_supported() {
    let setup = setup().await;
    assert!(!setup.gateway.supports_refund());
    let (order, _) = init(&setup, "PG0008", 10_000).await;
    let refund = RefundRequest {
        reference: order.reference.clone(),
        gateway_transaction: "1".to_owned(),
        amount_vnd: 10_000,
        created_at: order.created_at,
        reason: "Hoàn phí".to_owned(),
        requested_by: "canbo".to_owned(),
        client_ip: "10.0.0.5".to_owned(),
        now: OffsetDateTime::now_utc(),
    };
    assert_eq!(
        setup.gateway.refund(&refund).await,
        Err(GatewayError::NotSupported)
    );
}
