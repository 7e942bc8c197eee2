//! The VNPay adapter against the VNPay simulator, with a merchant receiving the IPN.
#![cfg(feature = "simulator")]

mod support;

use motcua_payments::simulator::{
    BANNER, SimStatus, SimulatorHandle, VnPaySimulator, VnPaySimulatorConfig,
};
use motcua_payments::vnpay::{QUERYDR_REPLY_FIELDS, VnPay, VnPayConfig, pipe_hash};
use motcua_payments::{
    CallbackError, CallbackOutcome, Confirmation, GatewayError, InboundCallback, PaymentGateway,
    QueryStatus, RefundRequest,
};
use std::sync::Arc;
use support::{Booked, Merchant, browser, order, query_of};
use time::OffsetDateTime;

const TMN: &str = "MOTCUA01";
const SECRET: &str = "SECRETKEY0123456789ABCDEFGHIJKLM";
const RETURN: &str = "https://motcua.example.vn/payments/return?gw=vnpay";

struct Setup {
    sim: SimulatorHandle,
    gateway: Arc<VnPay>,
    merchant: Merchant,
}

async fn setup() -> Setup {
    let merchant = Merchant::start().await;
    let sim = VnPaySimulator::start(VnPaySimulatorConfig {
        tmn_code: TMN.to_owned(),
        hash_secret: SECRET.to_owned(),
        ipn_url: merchant.url.clone(),
    })
    .await
    .expect("start the simulator");
    let gateway = Arc::new(adapter(&sim, SECRET));
    merchant.set_gateway(gateway.clone());
    Setup {
        sim,
        gateway,
        merchant,
    }
}

fn adapter(sim: &SimulatorHandle, secret: &str) -> VnPay {
    VnPay::new(VnPayConfig {
        tmn_code: TMN.to_owned(),
        hash_secret: secret.to_owned(),
        pay_url: sim.pay_url(),
        api_url: sim.api_url(),
    })
    .expect("adapter")
}

/// Checkout, open the payment page (which registers the order) and return the page.
async fn open(
    setup: &Setup,
    reference: &str,
    amount: i64,
) -> (motcua_payments::PaymentOrder, String) {
    let order = order(reference, amount, RETURN);
    setup.merchant.expect(reference, amount);
    let checkout = setup.gateway.checkout(&order).await.expect("checkout");
    let page = browser()
        .get(&checkout.redirect_url)
        .send()
        .await
        .expect("open the payment page");
    assert_eq!(page.status(), 200, "the simulator accepts our signed URL");
    (order, page.text().await.expect("page"))
}

async fn query(
    setup: &Setup,
    order: &motcua_payments::PaymentOrder,
) -> Result<QueryStatus, GatewayError> {
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
async fn the_page_is_marked_and_its_buttons_pay_without_javascript() {
    let setup = setup().await;
    let (order, page) = open(&setup, "HS0001", 1_234_567).await;
    assert!(page.contains(BANNER), "{page}");
    assert!(page.contains("1.234.567 đ"), "{page}");
    assert!(
        page.contains("Le phi ho so H29.123-260101-HS0001"),
        "{page}"
    );
    assert!(!page.contains("<script"), "no JavaScript");
    assert!(page.contains("<form method=\"post\" action=\"/paymentv2/simulator/HS0001/pay\">"));
    assert!(page.contains("<form method=\"post\" action=\"/paymentv2/simulator/HS0001/cancel\">"));
    assert!(page.contains(">Thanh toán</button>") && page.contains(">Hủy</button>"));

    let pressed = browser()
        .post(format!(
            "{}/paymentv2/simulator/HS0001/pay",
            setup.sim.base_url()
        ))
        .send()
        .await
        .expect("press Thanh toán");
    assert_eq!(pressed.status(), 303);
    let location = pressed.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(
        location.starts_with(&format!("{RETURN}&vnp_")),
        "{location}"
    );

    // The IPN reached the merchant before the browser came back, and was accepted.
    let deliveries = setup.sim.deliveries();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].reply_code.as_deref(), Some("00"));
    assert_eq!(
        deliveries[0].body,
        r#"{"RspCode":"00","Message":"Confirm Success"}"#
    );
    let ledger = setup.sim.transactions();
    let number = ledger[0]
        .gateway_transaction
        .clone()
        .expect("a transaction number");
    assert_eq!(
        setup.merchant.booked("HS0001"),
        Some(Booked::Paid {
            gateway_transaction: number.clone()
        })
    );

    // The return only tells which payment it is about.
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
                if reference == "HS0001" && *gateway_transaction == number
        ),
        "{returned:?}"
    );

    // Pressing again only sends the browser back; nothing is delivered twice.
    let again = browser()
        .post(format!(
            "{}/paymentv2/simulator/HS0001/pay",
            setup.sim.base_url()
        ))
        .send()
        .await
        .expect("press again");
    assert_eq!(again.status(), 303);
    assert_eq!(setup.sim.deliveries().len(), 1);
    assert!(matches!(
        query(&setup, &order).await,
        Ok(QueryStatus::Paid {
            amount_vnd: 1_234_567,
            ..
        })
    ));
}

#[tokio::test]
async fn a_wrong_signature_gets_error_70_and_no_payment_page() {
    let setup = setup().await;
    let order = order("HS0002", 50_000, RETURN);
    let checkout = setup.gateway.checkout(&order).await.expect("checkout");
    // Change the amount after signing.
    let tampered = checkout
        .redirect_url
        .replace("vnp_Amount=5000000", "vnp_Amount=500000");
    assert_ne!(tampered, checkout.redirect_url);
    for url in [tampered, {
        let other = adapter(&setup.sim, "another-secret");
        other.checkout(&order).await.expect("checkout").redirect_url
    }] {
        let response = browser().get(&url).send().await.expect("open");
        assert_eq!(response.status(), 303);
        let location = response.headers()["location"]
            .to_str()
            .expect("location")
            .to_owned();
        assert_eq!(location, "/paymentv2/Payment/Error.html?code=70");
        let page = browser()
            .get(format!("{}{location}", setup.sim.base_url()))
            .send()
            .await
            .expect("error page")
            .text()
            .await
            .expect("text");
        assert!(page.contains(BANNER) && page.contains("70"), "{page}");
        assert!(
            !page.contains("Thanh toán</button>"),
            "no payment page: {page}"
        );
    }
    assert!(
        setup.sim.transactions().is_empty(),
        "nothing was registered"
    );

    // Another terminal code: VNPay's 02.
    let stranger = VnPay::new(VnPayConfig {
        tmn_code: "OTHER001".to_owned(),
        hash_secret: SECRET.to_owned(),
        pay_url: setup.sim.pay_url(),
        api_url: setup.sim.api_url(),
    })
    .expect("adapter");
    let url = stranger
        .checkout(&order)
        .await
        .expect("checkout")
        .redirect_url;
    let response = browser().get(&url).send().await.expect("open");
    assert_eq!(
        response.headers()["location"],
        "/paymentv2/Payment/Error.html?code=02"
    );
}

#[tokio::test]
async fn query_finds_not_found_pending_and_a_payment_whose_ipn_was_lost() {
    let setup = setup().await;
    let order = order("HS0003", 200_000, RETURN);
    assert_eq!(query(&setup, &order).await, Ok(QueryStatus::NotFound));
    let (order, _) = open(&setup, "HS0003", 200_000).await;
    assert_eq!(query(&setup, &order).await, Ok(QueryStatus::Pending));

    setup.sim.set_lose_confirmations(true);
    let back = setup.sim.pay("HS0003").await.expect("pay");
    assert!(back.is_some_and(|url| url.starts_with(RETURN)));
    assert!(setup.sim.deliveries().is_empty(), "the IPN was lost");
    assert_eq!(setup.merchant.booked("HS0003"), Some(Booked::Pending));

    let number = setup.sim.transactions()[0]
        .gateway_transaction
        .clone()
        .expect("number");
    match query(&setup, &order).await {
        Ok(QueryStatus::Paid {
            gateway_transaction,
            amount_vnd,
            paid_at,
        }) => {
            assert_eq!(gateway_transaction, number);
            assert_eq!(amount_vnd, 200_000);
            assert!(paid_at.is_some());
        }
        other => panic!("expected paid, got {other:?}"),
    }

    // querydr names the attempt by reference and creation time: another time is not found.
    let later = setup
        .gateway
        .query(
            "HS0003",
            order.created_at + time::Duration::seconds(1),
            OffsetDateTime::now_utc(),
        )
        .await;
    assert_eq!(later, Ok(QueryStatus::NotFound));

    // The gateway retrying the IPN later is accepted once.
    let retried = setup.sim.resend_last_confirmation().await.expect("resend");
    assert_eq!(retried.reply_code.as_deref(), Some("00"));
    assert!(matches!(
        setup.merchant.booked("HS0003"),
        Some(Booked::Paid { .. })
    ));
}

#[tokio::test]
async fn a_cancelled_payment_is_confirmed_as_not_paid() {
    let setup = setup().await;
    let (order, _) = open(&setup, "HS0004", 75_000).await;
    let pressed = browser()
        .post(format!(
            "{}/paymentv2/simulator/HS0004/cancel",
            setup.sim.base_url()
        ))
        .send()
        .await
        .expect("press Hủy");
    assert_eq!(pressed.status(), 303);
    let location = pressed.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert_eq!(
        setup.merchant.booked("HS0004"),
        Some(Booked::Failed {
            code: "24".to_owned()
        })
    );
    let returned = setup.gateway.verify_return(&InboundCallback {
        query: query_of(&location).to_owned(),
        body: Vec::new(),
    });
    assert_eq!(
        returned,
        Ok(Confirmation::NotPaid {
            reference: "HS0004".to_owned(),
            amount_vnd: 75_000,
            code: "24".to_owned()
        })
    );
    assert_eq!(
        setup.sim.transactions()[0].status,
        SimStatus::Declined {
            code: "24".to_owned()
        }
    );
    assert_eq!(
        query(&setup, &order).await,
        Ok(QueryStatus::Failed {
            code: "02".to_owned()
        })
    );
}

#[tokio::test]
async fn duplicate_forged_wrong_amount_and_unknown_confirmations_get_their_replies() {
    let setup = setup().await;
    open(&setup, "HS0005", 120_000).await;
    setup.sim.pay("HS0005").await.expect("pay");
    assert_eq!(setup.sim.deliveries()[0].reply_code.as_deref(), Some("00"));

    let duplicate = setup.sim.resend_last_confirmation().await.expect("resend");
    assert_eq!(duplicate.reply_code.as_deref(), Some("02"));
    assert_eq!(
        duplicate.body,
        r#"{"RspCode":"02","Message":"Order already confirmed"}"#
    );

    // A pending order: neither a forged nor a wrongly priced confirmation moves it.
    open(&setup, "HS0006", 120_000).await;
    let forged = setup
        .sim
        .send_forged_confirmation("HS0006")
        .await
        .expect("forged");
    assert_eq!(forged.reply_code.as_deref(), Some("97"));
    let cheaper = setup
        .sim
        .send_confirmation_with_amount("HS0006", 1_000)
        .await
        .expect("cheaper");
    assert_eq!(cheaper.reply_code.as_deref(), Some("04"));
    assert_eq!(setup.merchant.booked("HS0006"), Some(Booked::Pending));
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
                amount_vnd: 1_000,
                ..
            }),
            CallbackOutcome::AmountMismatch
        )
    ));

    // An order the merchant never created.
    let stranger = order("HS0007", 10_000, RETURN);
    let url = setup
        .gateway
        .checkout(&stranger)
        .await
        .expect("checkout")
        .redirect_url;
    browser().get(&url).send().await.expect("open");
    setup.sim.pay("HS0007").await.expect("pay");
    let last = setup.sim.deliveries().pop().expect("a delivery");
    assert_eq!(last.reply_code.as_deref(), Some("01"));
}

#[tokio::test]
async fn an_expired_order_cannot_be_paid() {
    let setup = setup().await;
    let mut order = order("HS0008", 30_000, RETURN);
    order.created_at -= time::Duration::hours(1);
    order.expires_at = order.created_at + time::Duration::minutes(15);
    setup.merchant.expect("HS0008", 30_000);
    let url = setup
        .gateway
        .checkout(&order)
        .await
        .expect("checkout")
        .redirect_url;
    browser().get(&url).send().await.expect("open");
    setup.sim.pay("HS0008").await.expect("pay");
    assert_eq!(
        setup.merchant.booked("HS0008"),
        Some(Booked::Failed {
            code: "11".to_owned()
        })
    );
}

fn refund_of(
    order: &motcua_payments::PaymentOrder,
    transaction: &str,
    amount_vnd: i64,
) -> RefundRequest {
    RefundRequest {
        reference: order.reference.clone(),
        gateway_transaction: transaction.to_owned(),
        amount_vnd,
        created_at: order.created_at,
        reason: "Hoàn phí do hồ sơ bị từ chối".to_owned(),
        requested_by: "canbo.motcua".to_owned(),
        client_ip: "10.0.0.5".to_owned(),
        now: OffsetDateTime::now_utc(),
    }
}

#[tokio::test]
async fn refunds_go_through_vnpay() {
    let setup = setup().await;
    assert!(setup.gateway.supports_refund());
    let (order, _) = open(&setup, "HS0010", 500_000).await;

    // Not paid yet: nothing is sent.
    let early = setup
        .gateway
        .refund(&refund_of(&order, "14000001", 500_000))
        .await;
    assert!(
        matches!(early, Err(GatewayError::InvalidOrder(_))),
        "{early:?}"
    );

    setup.sim.pay("HS0010").await.expect("pay");
    let number = setup.sim.transactions()[0]
        .gateway_transaction
        .clone()
        .expect("number");
    let too_much = setup
        .gateway
        .refund(&refund_of(&order, &number, 500_001))
        .await;
    assert!(
        matches!(too_much, Err(GatewayError::InvalidOrder(_))),
        "{too_much:?}"
    );

    let receipt = setup
        .gateway
        .refund(&refund_of(&order, &number, 200_000))
        .await
        .expect("partial refund");
    let ledger = setup.sim.transactions();
    assert_eq!(
        ledger[0].status,
        SimStatus::Refunded {
            amount_vnd: 200_000
        }
    );
    assert_eq!(
        ledger[0].refund_transaction.as_deref(),
        Some(receipt.gateway_refund.as_str())
    );
    assert_ne!(receipt.gateway_refund, number);
    assert_eq!(
        query(&setup, &order).await,
        Ok(QueryStatus::Refunded {
            amount_vnd: 200_000
        })
    );
    let twice = setup
        .gateway
        .refund(&refund_of(&order, &number, 200_000))
        .await;
    assert!(
        matches!(twice, Err(GatewayError::InvalidOrder(_))),
        "{twice:?}"
    );

    // A full refund of another payment.
    let (other, _) = open(&setup, "HS0011", 90_000).await;
    setup.sim.pay("HS0011").await.expect("pay");
    let number = setup.sim.transactions()[1]
        .gateway_transaction
        .clone()
        .expect("number");
    setup
        .gateway
        .refund(&refund_of(&other, &number, 90_000))
        .await
        .expect("full refund");
    assert_eq!(
        query(&setup, &other).await,
        Ok(QueryStatus::Refunded { amount_vnd: 90_000 })
    );
}

#[tokio::test]
async fn api_requests_signed_with_another_key_are_refused() {
    let setup = setup().await;
    let (order, _) = open(&setup, "HS0012", 10_000).await;
    let stranger = adapter(&setup.sim, "another-secret");
    // The simulator answers 97 signed with the real key, which the stranger cannot verify.
    let answer = stranger
        .query(
            &order.reference,
            order.created_at,
            OffsetDateTime::now_utc(),
        )
        .await;
    assert_eq!(answer, Err(GatewayError::BadSignature));
}

/// A fake VNPay API that answers every request with `reply`.
async fn fake_api(reply: serde_json::Value) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "http://{}/merchant_webapi/api/transaction",
        listener.local_addr().expect("addr")
    );
    let router = axum::Router::new().route(
        "/merchant_webapi/api/transaction",
        axum::routing::post(move || {
            let reply = reply.clone();
            async move { axum::Json(reply) }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    url
}

#[tokio::test]
async fn querydr_replies_are_verified() {
    let values = [
        ("vnp_ResponseId", "R1"),
        ("vnp_Command", "querydr"),
        ("vnp_ResponseCode", "00"),
        ("vnp_Message", "QueryDR Success"),
        ("vnp_TmnCode", TMN),
        ("vnp_TxnRef", "HS0099"),
        ("vnp_Amount", "1000000"),
        ("vnp_BankCode", "NCB"),
        ("vnp_PayDate", "20260102101000"),
        ("vnp_TransactionNo", "14000009"),
        ("vnp_TransactionType", "01"),
        ("vnp_TransactionStatus", "00"),
        ("vnp_OrderInfo", "Thanh toan"),
        ("vnp_PromotionCode", ""),
        ("vnp_PromotionAmount", ""),
    ];
    assert_eq!(values.map(|(k, _)| k), QUERYDR_REPLY_FIELDS);
    let hash = pipe_hash(SECRET, &values.map(|(_, v)| v));
    let mut reply: serde_json::Map<String, serde_json::Value> = values
        .iter()
        .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String((*v).to_owned())))
        .collect();
    reply.insert("vnp_SecureHash".to_owned(), hash.clone().into());
    let created = motcua_payments::parse_gateway_time("20260102100000").expect("time");
    let now = OffsetDateTime::now_utc();

    let honest = VnPay::new(VnPayConfig {
        tmn_code: TMN.to_owned(),
        hash_secret: SECRET.to_owned(),
        pay_url: "http://127.0.0.1:9/pay".to_owned(),
        api_url: fake_api(serde_json::Value::Object(reply.clone())).await,
    })
    .expect("adapter");
    assert!(matches!(
        honest.query("HS0099", created, now).await,
        Ok(QueryStatus::Paid {
            amount_vnd: 10_000,
            ..
        })
    ));

    // The same reply with a larger amount, or without its hash: refused.
    let mut inflated = reply.clone();
    inflated.insert("vnp_Amount".to_owned(), "100000000".into());
    let mut unsigned = reply.clone();
    unsigned.remove("vnp_SecureHash");
    for bad in [inflated, unsigned] {
        let gateway = VnPay::new(VnPayConfig {
            tmn_code: TMN.to_owned(),
            hash_secret: SECRET.to_owned(),
            pay_url: "http://127.0.0.1:9/pay".to_owned(),
            api_url: fake_api(serde_json::Value::Object(bad)).await,
        })
        .expect("adapter");
        assert_eq!(
            gateway.query("HS0099", created, now).await,
            Err(GatewayError::BadSignature)
        );
    }
}

#[tokio::test]
async fn the_api_checks_signatures_and_request_ids_like_vnpay() {
    use motcua_payments::vnpay::QUERYDR_REQUEST_FIELDS;
    let setup = setup().await;
    let (order, _) = open(&setup, "HS0013", 10_000).await;
    let created = motcua_payments::format_gateway_time(order.created_at);
    let now = motcua_payments::format_gateway_time(OffsetDateTime::now_utc());
    let request = |id: &str, secret: &str| {
        let values = [
            id,
            "2.1.0",
            "querydr",
            TMN,
            "HS0013",
            created.as_str(),
            now.as_str(),
            "127.0.0.1",
            "Truy van",
        ];
        let mut body: serde_json::Map<String, serde_json::Value> = QUERYDR_REQUEST_FIELDS
            .iter()
            .zip(values)
            .map(|(k, v)| ((*k).to_owned(), v.into()))
            .collect();
        body.insert(
            "vnp_SecureHash".to_owned(),
            pipe_hash(secret, &values).into(),
        );
        serde_json::Value::Object(body)
    };
    let api = setup.sim.api_url();
    let ask = |body: serde_json::Value| {
        let api = api.clone();
        async move {
            let reply = browser()
                .post(api)
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await
                .expect("querydr")
                .bytes()
                .await
                .expect("reply");
            let reply: serde_json::Value = serde_json::from_slice(&reply).expect("JSON");
            reply["vnp_ResponseCode"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        }
    };
    assert_eq!(ask(request("Q1", "another-secret")).await, "97");
    assert_eq!(ask(request("Q2", SECRET)).await, "00");
    assert_eq!(
        ask(request("Q2", SECRET)).await,
        "94",
        "a request id is used once"
    );
    let mut incomplete = request("Q3", SECRET);
    incomplete["vnp_IpAddr"] = "".into();
    assert_eq!(ask(incomplete).await, "03");
}
