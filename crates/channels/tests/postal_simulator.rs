//! The postal adapter against the postal operator simulator, with a small receiver (an axum
//! service, as the web layer would be) taking the signed tracking callbacks.
#![cfg(feature = "simulator")]

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use motcua_channels::postal::{
    HttpPostalOperator, Party, PostalConfig, PostalOperator, ShipmentKind, ShipmentOrder,
    TrackingStatus, TrackingUpdate, valid_tracking_number, verify_tracking_callback,
};
use motcua_channels::simulator::BANNER;
use motcua_channels::simulator::postal::{
    PostalSimConfig, PostalSimError, PostalSimHandle, PostalSimulator,
};
use motcua_channels::{ChannelError, Secret};
use std::sync::{Arc, Mutex};

const CUSTOMER: &str = "CT-UBND-NK";
const API_KEY: &str = "postal-api-key-0123";
const CALLBACK_SECRET: &str = "callback-secret-xyz";

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// What the receiver saw.
#[derive(Default)]
struct Seen {
    applied: Vec<TrackingUpdate>,
    duplicates: Vec<String>,
    refused: Vec<ChannelError>,
}

#[derive(Clone)]
struct Receiver {
    url: String,
    seen: Arc<Mutex<Seen>>,
}

impl Receiver {
    /// Verifies each callback as the web layer does, applies an event once (by event id),
    /// answers 200 to a duplicate, 401 to a bad signature or a stale one, 400 otherwise.
    async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the receiver");
        let url = format!(
            "http://{}/postal/callback",
            listener.local_addr().expect("address")
        );
        let seen = Arc::new(Mutex::new(Seen::default()));
        let router = Router::new()
            .route("/postal/callback", post(receive))
            .with_state(seen.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Receiver { url, seen }
    }

    fn applied(&self) -> Vec<TrackingUpdate> {
        self.seen.lock().expect("lock").applied.clone()
    }

    fn duplicates(&self) -> Vec<String> {
        self.seen.lock().expect("lock").duplicates.clone()
    }

    fn refused(&self) -> Vec<ChannelError> {
        self.seen.lock().expect("lock").refused.clone()
    }
}

async fn receive(
    State(seen): State<Arc<Mutex<Seen>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let read = verify_tracking_callback(
        &config(String::new()),
        &body,
        header("X-Timestamp"),
        header("X-Signature"),
        now(),
    );
    let mut seen = seen.lock().expect("lock");
    match read {
        Ok(update) => {
            if seen.applied.iter().any(|u| u.event_id == update.event_id) {
                seen.duplicates.push(update.event_id);
            } else {
                seen.applied.push(update);
            }
            StatusCode::OK
        }
        Err(error) => {
            let status = match error {
                ChannelError::BadSignature | ChannelError::Stale => StatusCode::UNAUTHORIZED,
                _ => StatusCode::BAD_REQUEST,
            };
            seen.refused.push(error);
            status
        }
    }
}

fn config(endpoint: String) -> PostalConfig {
    PostalConfig {
        endpoint,
        customer_code: CUSTOMER.to_owned(),
        api_key: Secret(API_KEY.to_owned()),
        callback_secret: Secret(CALLBACK_SECRET.to_owned()),
    }
}

struct Setup {
    sim: PostalSimHandle,
    operator: Arc<dyn PostalOperator>,
    receiver: Receiver,
}

async fn setup() -> Setup {
    let receiver = Receiver::start().await;
    let sim = PostalSimulator::start(PostalSimConfig::new(
        CUSTOMER,
        API_KEY,
        CALLBACK_SECRET,
        Some(receiver.url.clone()),
    ))
    .await
    .expect("start the simulator");
    let operator = Arc::new(HttpPostalOperator::new(config(sim.endpoint())).expect("adapter"));
    Setup {
        sim,
        operator,
        receiver,
    }
}

fn order(reference: &str) -> ShipmentOrder {
    ShipmentOrder {
        reference: reference.to_owned(),
        kind: ShipmentKind::ResultDelivery,
        sender: Party {
            name: "UBND phường Ninh Kiều".to_owned(),
            phone: "0292 3820 123".to_owned(),
            address: "2 Hòa Bình, Ninh Kiều, Cần Thơ".to_owned(),
        },
        receiver: Party {
            name: "Nguyễn Văn An".to_owned(),
            phone: "0912 345 678".to_owned(),
            address: "12 Lý Tự Trọng, Ba Đình, Hà Nội".to_owned(),
        },
        content: "Kết quả TTHC: Giấy khai sinh".to_owned(),
        weight_grams: 300,
        cash_on_delivery_vnd: 0,
    }
}

#[tokio::test]
async fn quotes_follow_weight_province_and_kind() {
    let s = setup().await;
    let quote = |kind, address: &'static str, grams| {
        let operator = s.operator.clone();
        async move { operator.quote(kind, address, grams).await }
    };
    use ShipmentKind::{DossierPickup, ResultDelivery};
    assert_eq!(
        quote(ResultDelivery, "Ninh Kiều, Cần Thơ", 250).await,
        Ok(15_000)
    );
    assert_eq!(
        quote(ResultDelivery, "Ninh Kiều, TP. CẦN THƠ", 251).await,
        Ok(17_500)
    );
    assert_eq!(
        quote(ResultDelivery, "Ba Đình, Hà Nội", 300).await,
        Ok(30_000)
    );
    assert_eq!(
        quote(DossierPickup, "Ba Đình, Hà Nội", 300).await,
        Ok(40_000)
    );
    assert_eq!(
        quote(DossierPickup, "Cái Răng, Cần Thơ", 1_000).await,
        Ok(32_500)
    );
    // Refused here, before any request.
    let received = s.sim.received();
    let error = quote(ResultDelivery, "Cần Thơ", 0)
        .await
        .expect_err("no weight");
    assert!(error.is_permanent());
    let error = quote(ResultDelivery, "  ", 100)
        .await
        .expect_err("no address");
    assert!(error.is_permanent());
    assert_eq!(s.sim.received(), received);
}

#[tokio::test]
async fn a_shipment_gets_an_s10_number_and_a_repeat_gets_the_same() {
    let s = setup().await;
    let order = order("H29.123-260101-0001/tra-kq");
    let accepted = s.operator.create_shipment(&order).await.expect("created");
    assert_eq!(accepted.tracking_number, "EL100000017VN");
    assert!(valid_tracking_number(&accepted.tracking_number));
    assert_eq!(accepted.fee_vnd, 30_000, "Hà Nội from Cần Thơ, 300 g");
    let again = s.operator.create_shipment(&order).await.expect("repeat");
    assert_eq!(again, accepted);
    let shipments = s.sim.shipments();
    assert_eq!(shipments.len(), 1);
    assert_eq!(shipments[0].receiver.phone, "0912345678");
    assert_eq!(shipments[0].status, None);

    let pickup = ShipmentOrder {
        reference: "H29.123-260101-0002/nhan-hs".to_owned(),
        kind: ShipmentKind::DossierPickup,
        ..order.clone()
    };
    let second = s.operator.create_shipment(&pickup).await.expect("created");
    assert!(second.tracking_number.starts_with("EH"));
    assert!(valid_tracking_number(&second.tracking_number));
    // The citizen is the sender of a pickup: collected in Cần Thơ.
    assert_eq!(second.fee_vnd, 15_000 + 2_500 + 10_000);
}

#[tokio::test]
async fn a_retry_after_a_lost_reply_does_not_create_a_second_shipment() {
    let s = setup().await;
    s.sim.set_lose_replies(1);
    let order = order("H29.123-260101-0003/tra-kq");
    let first = s.operator.create_shipment(&order).await;
    assert!(
        matches!(first, Err(ChannelError::Unreachable(_))),
        "{first:?}"
    );
    assert_eq!(s.sim.shipments().len(), 1, "the operator did take it");

    let retry = s.operator.create_shipment(&order).await.expect("retry");
    assert_eq!(s.sim.received(), 2, "the retry reached the operator");
    let shipments = s.sim.shipments();
    assert_eq!(shipments.len(), 1, "and no second parcel was ordered");
    assert_eq!(retry.tracking_number, shipments[0].tracking_number);
}

#[tokio::test]
async fn a_reference_reused_for_another_order_is_refused_for_good() {
    let s = setup().await;
    let order = order("H29.123-260101-0004/tra-kq");
    s.operator.create_shipment(&order).await.expect("created");
    let changed = ShipmentOrder {
        weight_grams: 900,
        ..order
    };
    match s.operator.create_shipment(&changed).await {
        Err(ChannelError::Refused {
            code, permanent, ..
        }) => {
            assert_eq!(code, "12");
            assert!(permanent);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.sim.shipments().len(), 1);
}

#[tokio::test]
async fn an_invalid_order_never_reaches_the_operator() {
    let s = setup().await;
    let mut bad = order("H29.123-260101-0005/tra-kq");
    bad.receiver.phone = "12345".to_owned();
    let error = s.operator.create_shipment(&bad).await.expect_err("refused");
    assert!(error.is_permanent(), "{error:?}");
    let error = s
        .operator
        .track("EL100000018VN")
        .await
        .expect_err("refused");
    assert!(error.is_permanent(), "{error:?}");
    assert_eq!(s.sim.received(), 0);
}

#[tokio::test]
async fn an_outage_is_unreachable_until_it_ends() {
    let s = setup().await;
    s.sim.set_down(true);
    let order = order("H29.123-260101-0006/tra-kq");
    let error = s.operator.create_shipment(&order).await.expect_err("down");
    assert!(matches!(error, ChannelError::Unreachable(_)), "{error:?}");
    assert!(!error.is_permanent());
    assert!(s.sim.shipments().is_empty());
    s.sim.set_down(false);
    s.operator
        .create_shipment(&order)
        .await
        .expect("created after the outage");
    assert_eq!(s.sim.shipments().len(), 1);
}

#[tokio::test]
async fn wrong_credentials_or_clock_are_configuration_faults() {
    let s = setup().await;
    let wrong_key = HttpPostalOperator::new(PostalConfig {
        api_key: Secret("another-key".to_owned()),
        ..config(s.sim.endpoint())
    })
    .expect("adapter");
    let wrong_customer = HttpPostalOperator::new(PostalConfig {
        customer_code: "HN-OTHER".to_owned(),
        ..config(s.sim.endpoint())
    })
    .expect("adapter");
    for operator in [&wrong_key, &wrong_customer] {
        let error = operator
            .quote(ShipmentKind::ResultDelivery, "Cần Thơ", 100)
            .await
            .expect_err("refused");
        assert!(matches!(error, ChannelError::NotConfigured(_)), "{error:?}");
        assert!(!error.is_permanent());
    }
    // The operator's clock is 11 minutes ahead of ours.
    s.sim.set_now(now() + 660);
    let error = s
        .operator
        .quote(ShipmentKind::ResultDelivery, "Cần Thơ", 100)
        .await
        .expect_err("stale");
    assert!(matches!(error, ChannelError::NotConfigured(_)), "{error:?}");
    s.sim.set_now(now() + 300);
    assert_eq!(
        s.operator
            .quote(ShipmentKind::ResultDelivery, "Cần Thơ", 100)
            .await,
        Ok(15_000)
    );
    assert_eq!(s.sim.received(), 4);
}

#[tokio::test]
async fn tracking_callbacks_round_trip_to_the_receiver() {
    let s = setup().await;
    let order = order("H29.123-260101-0007/tra-kq");
    let number = s
        .operator
        .create_shipment(&order)
        .await
        .expect("created")
        .tracking_number;
    let path = [
        TrackingStatus::Accepted,
        TrackingStatus::InTransit,
        TrackingStatus::OutForDelivery,
        TrackingStatus::DeliveryFailed,
        TrackingStatus::OutForDelivery,
        TrackingStatus::Delivered,
    ];
    let before = now();
    for status in path {
        assert_eq!(s.sim.advance(&number, status).await, Ok(200), "{status:?}");
    }
    let applied = s.receiver.applied();
    let statuses: Vec<TrackingStatus> = applied.iter().map(|u| u.status).collect();
    assert_eq!(statuses, path);
    assert!(
        applied.iter().all(|u| u.tracking_number == number
            && u.reference == order.reference
            && u.at >= before)
    );
    assert_eq!(
        applied[3].note.as_deref(),
        Some("Người nhận vắng nhà / receiver not at home")
    );
    let ids: std::collections::HashSet<&str> =
        applied.iter().map(|u| u.event_id.as_str()).collect();
    assert_eq!(ids.len(), path.len(), "every event has its own id");

    // Nothing follows a delivery; unknown shipments are errors.
    assert_eq!(
        s.sim.advance(&number, TrackingStatus::InTransit).await,
        Err(PostalSimError::InvalidTransition {
            from: Some(TrackingStatus::Delivered),
            to: TrackingStatus::InTransit
        })
    );
    assert!(matches!(
        s.sim
            .advance("EL123456785VN", TrackingStatus::Accepted)
            .await,
        Err(PostalSimError::UnknownShipment(_))
    ));

    // Pulling gives the same events.
    assert_eq!(s.operator.track(&number).await, Ok(applied));
    assert!(s.receiver.refused().is_empty());
}

#[tokio::test]
async fn a_repeated_callback_keeps_its_event_id() {
    let s = setup().await;
    let number = s
        .operator
        .create_shipment(&order("H29.123-260101-0008/tra-kq"))
        .await
        .expect("created")
        .tracking_number;
    assert_eq!(
        s.sim.resend_last_callback().await,
        Err(PostalSimError::NoCallback)
    );
    assert_eq!(
        s.sim.advance(&number, TrackingStatus::Accepted).await,
        Ok(200)
    );
    assert_eq!(s.sim.resend_last_callback().await, Ok(200));
    assert_eq!(s.receiver.applied().len(), 1);
    assert_eq!(s.receiver.duplicates(), [format!("{number}-01")]);
    let callbacks = s.sim.callbacks();
    assert_eq!(callbacks.len(), 2);
    assert_eq!(callbacks[0].body, callbacks[1].body);
}

#[tokio::test]
async fn forged_and_stale_callbacks_are_refused_by_the_receiver() {
    let s = setup().await;
    let number = s
        .operator
        .create_shipment(&order("H29.123-260101-0009/tra-kq"))
        .await
        .expect("created")
        .tracking_number;
    assert_eq!(s.sim.send_forged_callback(&number).await, Ok(401));
    assert!(s.receiver.applied().is_empty());
    assert_eq!(s.receiver.refused(), [ChannelError::BadSignature]);
    assert_eq!(
        s.sim.shipments()[0].status,
        None,
        "a forgery changes nothing"
    );

    // The operator's clock is an hour behind: its callback is signed an hour ago.
    s.sim.set_now(now() - 3_600);
    assert_eq!(
        s.sim.advance(&number, TrackingStatus::Accepted).await,
        Ok(401)
    );
    assert!(s.receiver.applied().is_empty());
    assert_eq!(
        s.receiver.refused(),
        [ChannelError::BadSignature, ChannelError::Stale]
    );
    // Resent with a good clock, the same event goes through.
    s.sim.set_now(now());
    assert_eq!(s.sim.resend_last_callback().await, Ok(200));
    assert_eq!(s.receiver.applied().len(), 1);
}

#[tokio::test]
async fn lost_callbacks_are_found_by_tracking() {
    let s = setup().await;
    let number = s
        .operator
        .create_shipment(&order("H29.123-260101-0010/tra-kq"))
        .await
        .expect("created")
        .tracking_number;
    assert_eq!(
        s.sim.advance(&number, TrackingStatus::Accepted).await,
        Ok(200)
    );
    s.sim.set_lose_callbacks(true);
    assert!(matches!(
        s.sim.advance(&number, TrackingStatus::InTransit).await,
        Err(PostalSimError::NotDelivered(_))
    ));
    assert_eq!(s.receiver.applied().len(), 1);
    let events = s.operator.track(&number).await.expect("tracked");
    let statuses: Vec<TrackingStatus> = events.iter().map(|e| e.status).collect();
    assert_eq!(
        statuses,
        [TrackingStatus::Accepted, TrackingStatus::InTransit]
    );
    assert_eq!(events[0], s.receiver.applied()[0]);

    match s.operator.track("EL123456785VN").await {
        Err(ChannelError::Refused {
            code, permanent, ..
        }) => {
            assert_eq!(code, "20");
            assert!(permanent);
        }
        other => panic!("{other:?}"),
    }
}

fn browser() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .expect("client")
}

async fn page(sim: &PostalSimHandle) -> String {
    browser()
        .get(sim.base_url())
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("text")
}

#[tokio::test]
async fn the_page_moves_a_shipment_with_plain_form_buttons() {
    let s = setup().await;
    let mut order = order("H29.123-260101-0011/tra-kq");
    order.receiver.name = "<script>alert('x')</script> & Co".to_owned();
    let number = s
        .operator
        .create_shipment(&order)
        .await
        .expect("created")
        .tracking_number;
    let html = page(&s.sim).await;
    assert!(html.contains(BANNER), "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co"),
        "{html}"
    );
    assert!(html.contains("<form method=\"post\" action=\"/sim/advance\">"));
    assert!(html.contains(&format!(
        "<input type=\"hidden\" name=\"tracking_number\" value=\"{number}\">"
    )));
    assert!(html.contains("<input type=\"hidden\" name=\"status\" value=\"accepted\">"));
    assert!(!html.contains("value=\"delivered\""), "only the next step");

    let pressed = browser()
        .post(format!("{}/sim/advance", s.sim.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("tracking_number={number}&status=accepted"))
        .send()
        .await
        .expect("press the button");
    assert_eq!(pressed.status(), 303);
    assert_eq!(pressed.headers()["location"], "/");
    assert_eq!(s.receiver.applied().len(), 1);
    assert_eq!(s.receiver.applied()[0].status, TrackingStatus::Accepted);

    let html = page(&s.sim).await;
    assert!(html.contains("Đã nhận gửi / Accepted"), "{html}");
    assert!(html.contains("value=\"in_transit\""));
    assert!(!html.contains("value=\"accepted\""));
}
