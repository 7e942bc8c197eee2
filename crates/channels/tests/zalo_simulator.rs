//! The Zalo OA adapter against the Zalo simulator: CS and ZNS messages, error mapping, the
//! single-use refresh tokens shared by several nodes, outages, and the signed webhook delivered
//! to a small receiver that verifies it as the app does.
#![cfg(feature = "simulator")]

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use motcua_channels::simulator::BANNER;
use motcua_channels::simulator::zalo::{
    SentKind, ZaloSimConfig, ZaloSimError, ZaloSimHandle, ZaloSimulator,
};
use motcua_channels::zalo::{
    MemoryTokenStore, SIGNATURE_HEADER, TokenStore, WebhookEvent, ZaloConfig, ZaloOa, ZaloTokens,
    verify_webhook,
};
use motcua_channels::{BoxFuture, ChannelError, Secret};
use serde_json::{Map, Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const APP_ID: &str = "3829391018237482910";
const APP_SECRET: &str = "app-secret-0123456789";
const OA_SECRET: &str = "oa-secret-K3y";
const FOLLOWER: &str = "2512345678901234567";
const STRANGER: &str = "9999999999999999999";

async fn simulator() -> ZaloSimHandle {
    ZaloSimulator::start(ZaloSimConfig::new(APP_ID, APP_SECRET, OA_SECRET))
        .await
        .expect("start the simulator")
}

/// A store seeded with the simulator's first pair.
fn store(sim: &ZaloSimHandle) -> Arc<MemoryTokenStore> {
    Arc::new(MemoryTokenStore::new(Some(sim.initial_tokens())))
}

fn adapter(sim: &ZaloSimHandle, store: Arc<dyn TokenStore>) -> ZaloOa {
    ZaloOa::new(sim.adapter_config(), store).expect("adapter")
}

/// A plain client (no redirects followed), as a browser or a hand-made request.
fn browser() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .expect("client")
}

fn data(pairs: &[(&str, &str)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned())))
        .collect()
}

fn refused(result: Result<String, ChannelError>) -> (String, bool) {
    match result {
        Err(ChannelError::Refused {
            code, permanent, ..
        }) => (code, permanent),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_cs_text_reaches_a_follower() {
    let sim = simulator().await;
    sim.add_follower(FOLLOWER);
    let oa = adapter(&sim, store(&sim));
    let id = oa
        .send_text(FOLLOWER, "Hồ sơ H29.123-260101-0001 đã có kết quả.")
        .await
        .expect("sent");
    let messages = sim.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].kind, SentKind::Cs);
    assert_eq!(messages[0].to, FOLLOWER);
    assert_eq!(
        messages[0].text.as_deref(),
        Some("Hồ sơ H29.123-260101-0001 đã có kết quả.")
    );
    assert_eq!(messages[0].message_id, id);
    assert_eq!(
        sim.refresh_count(),
        0,
        "a fresh access token needs no refresh"
    );
}

#[tokio::test]
async fn a_cs_text_to_someone_who_does_not_follow_is_refused_for_good() {
    let sim = simulator().await;
    let oa = adapter(&sim, store(&sim));
    assert_eq!(
        refused(oa.send_text(STRANGER, "Xin chào").await),
        ("-213".to_owned(), true)
    );
    assert!(sim.messages().is_empty());
}

#[tokio::test]
async fn a_zns_message_goes_out_by_phone_with_its_template_data() {
    let sim = simulator().await;
    sim.add_zns_template("248210", &["ten_nguoi_dan", "ma_ho_so", "trang_thai"]);
    let oa = adapter(&sim, store(&sim));
    let fields = data(&[
        ("ten_nguoi_dan", "Nguyễn Văn An"),
        ("ma_ho_so", "H29.123-260101-0001"),
        ("trang_thai", "Đã có kết quả"),
    ]);
    let id = oa
        .send_zns("0912 345 678", "248210", &fields, "outbox-42")
        .await
        .expect("sent");
    let messages = sim.messages();
    assert_eq!(messages.len(), 1);
    let sent = &messages[0];
    assert_eq!(sent.kind, SentKind::Zns);
    assert_eq!(sent.to, "84912345678", "ZNS wants 84…");
    assert_eq!(sent.template_id.as_deref(), Some("248210"));
    assert_eq!(sent.template_data.as_ref(), Some(&fields));
    assert_eq!(sent.tracking_id.as_deref(), Some("outbox-42"));
    assert_eq!(sent.message_id, id);
}

#[tokio::test]
async fn zns_refusals_about_number_template_or_data_are_permanent() {
    let sim = simulator().await;
    sim.add_zns_template("248210", &["ten_nguoi_dan", "ma_ho_so"]);
    let oa = adapter(&sim, store(&sim));
    let full = data(&[("ten_nguoi_dan", "An"), ("ma_ho_so", "H29.123-260101-0001")]);
    assert_eq!(
        refused(oa.send_zns("0912345678", "999999", &full, "t1").await),
        ("-109".to_owned(), true)
    );
    assert_eq!(
        refused(oa.send_zns("12345", "248210", &full, "t2").await),
        ("-108".to_owned(), true)
    );
    let partial = data(&[("ten_nguoi_dan", "An")]);
    match oa.send_zns("0912345678", "248210", &partial, "t3").await {
        Err(ChannelError::Refused {
            code,
            message,
            permanent,
        }) => {
            assert_eq!((code.as_str(), permanent), ("-112", true));
            assert!(message.contains("ma_ho_so"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(sim.messages().is_empty());
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_once_and_the_message_retried() {
    let sim = simulator().await;
    sim.add_follower(FOLLOWER);
    sim.add_zns_template("248210", &["ma_ho_so"]);
    let store = store(&sim);
    let oa = adapter(&sim, store.clone());
    oa.send_text(FOLLOWER, "một").await.expect("first");

    sim.expire_access_tokens();
    oa.send_text(FOLLOWER, "hai")
        .await
        .expect("after a refresh");
    assert_eq!(sim.refresh_count(), 1);
    let saved = store.current().expect("tokens");
    let initial = sim.initial_tokens();
    assert_ne!(saved.access_token, initial.access_token);
    assert_ne!(saved.refresh_token, initial.refresh_token);

    // ZNS answers its own code (-124) for the same thing.
    sim.expire_access_tokens();
    oa.send_zns("84912345678", "248210", &data(&[("ma_ho_so", "X")]), "t")
        .await
        .expect("ZNS after a refresh");
    assert_eq!(sim.refresh_count(), 2);
    assert_eq!(sim.messages().len(), 3);
}

#[tokio::test]
async fn tokens_about_to_expire_are_refreshed_before_the_call() {
    let sim = simulator().await;
    sim.add_follower(FOLLOWER);
    let store = store(&sim);
    let expires = sim.initial_tokens().access_expires_at;
    let now = Arc::new(AtomicUsize::new(0));
    let clock_now = now.clone();
    let base = expires - 3600;
    let oa = adapter(&sim, store.clone()).with_clock(Arc::new(move || {
        base + i64::try_from(clock_now.load(Ordering::SeqCst)).unwrap_or(0)
    }));

    oa.send_text(FOLLOWER, "còn một giờ").await.expect("sent");
    assert_eq!(sim.refresh_count(), 0, "an hour left is enough");

    // Four minutes before expiry: inside the five-minute margin.
    now.store(3600 - 240, Ordering::SeqCst);
    oa.send_text(FOLLOWER, "còn bốn phút").await.expect("sent");
    assert_eq!(sim.refresh_count(), 1);
    let saved = store.current().expect("tokens");
    assert_eq!(saved.access_expires_at, expires - 240 + 90_000);
    assert_eq!(sim.messages().len(), 2);
}

#[tokio::test]
async fn concurrent_calls_in_one_process_share_one_refresh() {
    let sim = simulator().await;
    sim.add_follower(FOLLOWER);
    let oa = Arc::new(adapter(&sim, store(&sim)));
    sim.expire_access_tokens();
    let sends: Vec<_> = (0..6)
        .map(|i| {
            let oa = oa.clone();
            tokio::spawn(async move { oa.send_text(FOLLOWER, &format!("tin {i}")).await })
        })
        .collect();
    for send in sends {
        send.await.expect("task").expect("sent");
    }
    assert_eq!(sim.refresh_count(), 1);
    assert_eq!(
        sim.reused_refresh_count(),
        0,
        "the lock kept the others waiting"
    );
    assert_eq!(sim.messages().len(), 6);
}

/// A shared store whose saves take a while, as a database across the network may: the other
/// node reads the old pair meanwhile and presents the spent refresh token.
struct SlowStore {
    inner: MemoryTokenStore,
    delay: Duration,
}

impl TokenStore for SlowStore {
    fn load(&self) -> BoxFuture<'_, Result<Option<ZaloTokens>, ChannelError>> {
        self.inner.load()
    }

    fn save<'a>(&'a self, tokens: &'a ZaloTokens) -> BoxFuture<'a, Result<(), ChannelError>> {
        Box::pin(async move {
            tokio::time::sleep(self.delay).await;
            self.inner.save(tokens).await
        })
    }
}

#[tokio::test]
async fn two_nodes_refreshing_at_once_both_end_up_working_with_one_refresh() {
    let sim = simulator().await;
    sim.add_follower(FOLLOWER);
    let shared = Arc::new(SlowStore {
        inner: MemoryTokenStore::new(Some(sim.initial_tokens())),
        delay: Duration::from_millis(500),
    });
    let node_a = adapter(&sim, shared.clone());
    let node_b = adapter(&sim, shared.clone());
    sim.expire_access_tokens();
    let (a, b) = tokio::join!(
        node_a.send_text(FOLLOWER, "từ nút A"),
        node_b.send_text(FOLLOWER, "từ nút B")
    );
    a.expect("node A sent");
    b.expect("node B sent");
    assert_eq!(sim.refresh_count(), 1, "one new pair for both nodes");
    assert_eq!(
        sim.reused_refresh_count(),
        1,
        "the slower node presented the spent refresh token and took the winner's pair"
    );
    assert_eq!(sim.messages().len(), 2);

    // Both go on with the shared pair.
    node_a.send_text(FOLLOWER, "A lần nữa").await.expect("A");
    node_b.send_text(FOLLOWER, "B lần nữa").await.expect("B");
    assert_eq!(sim.refresh_count(), 1);
}

#[tokio::test]
async fn a_spent_refresh_token_with_no_newer_pair_in_the_store_is_a_clear_error() {
    let sim = simulator().await;
    // Two stores that do not share: the second node never sees the first node's new pair.
    let node_a = adapter(&sim, store(&sim));
    let node_b = adapter(&sim, store(&sim)).with_rotation_wait(Duration::from_millis(200));
    node_a.refresh().await.expect("node A refreshes");
    match node_b.refresh().await {
        Err(error @ ChannelError::NotConfigured(_)) => {
            assert!(error.to_string().contains("-14020"), "{error}");
            assert!(!error.is_permanent());
        }
        other => panic!("expected NotConfigured, got {other:?}"),
    }
    assert_eq!(sim.refresh_count(), 1);
    assert_eq!(sim.reused_refresh_count(), 1);
}

/// Fails the first save, then behaves.
struct FlakyStore {
    inner: MemoryTokenStore,
    failures_left: AtomicUsize,
}

impl TokenStore for FlakyStore {
    fn load(&self) -> BoxFuture<'_, Result<Option<ZaloTokens>, ChannelError>> {
        self.inner.load()
    }

    fn save<'a>(&'a self, tokens: &'a ZaloTokens) -> BoxFuture<'a, Result<(), ChannelError>> {
        if self
            .failures_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Box::pin(async { Err(ChannelError::Unreachable("database down".to_owned())) });
        }
        self.inner.save(tokens)
    }
}

#[tokio::test]
async fn a_new_pair_the_store_refused_is_saved_later_not_lost() {
    let sim = simulator().await;
    sim.add_follower(FOLLOWER);
    let store = Arc::new(FlakyStore {
        inner: MemoryTokenStore::new(Some(sim.initial_tokens())),
        failures_left: AtomicUsize::new(1),
    });
    let oa = adapter(&sim, store.clone());
    sim.expire_access_tokens();
    assert_eq!(
        oa.send_text(FOLLOWER, "một").await,
        Err(ChannelError::Unreachable("database down".to_owned()))
    );
    assert!(sim.messages().is_empty(), "an unsaved pair is not used");
    assert_eq!(store.inner.current(), Some(sim.initial_tokens()));

    oa.send_text(FOLLOWER, "hai").await.expect("sent");
    assert_eq!(
        sim.refresh_count(),
        1,
        "the kept pair was saved, not refreshed again"
    );
    assert_ne!(store.inner.current(), Some(sim.initial_tokens()));
}

#[tokio::test]
async fn an_outage_is_unreachable_and_passes() {
    let sim = simulator().await;
    sim.add_follower(FOLLOWER);
    let oa = adapter(&sim, store(&sim));
    sim.set_down(true);
    assert_eq!(
        oa.send_text(FOLLOWER, "xin chào").await,
        Err(ChannelError::Unreachable("HTTP 503".to_owned()))
    );
    sim.expire_access_tokens();
    assert_eq!(
        oa.refresh().await,
        Err(ChannelError::Unreachable("HTTP 503".to_owned()))
    );
    sim.set_down(false);
    oa.send_text(FOLLOWER, "xin chào").await.expect("sent");
    assert_eq!(sim.refresh_count(), 1);
}

#[tokio::test]
async fn wrong_credentials_or_no_tokens_are_not_the_message_fault() {
    let sim = simulator().await;
    sim.add_follower(FOLLOWER);
    let mut config = sim.adapter_config();
    config.app_secret = Secret("not-the-secret".to_owned());
    let store = store(&sim);
    let oa = ZaloOa::new(config, store.clone()).expect("adapter");
    assert_eq!(
        oa.refresh().await,
        Err(ChannelError::Refused {
            code: "-14002".to_owned(),
            message: "Invalid secret_key".to_owned(),
            permanent: false,
        })
    );
    assert_eq!(store.current(), Some(sim.initial_tokens()));

    let mut config = sim.adapter_config();
    config.app_id = "1".to_owned();
    let oa = ZaloOa::new(config, store.clone()).expect("adapter");
    assert!(matches!(
        oa.refresh().await,
        Err(ChannelError::Refused { code, permanent: false, .. }) if code == "-14001"
    ));

    let empty = adapter(&sim, Arc::new(MemoryTokenStore::default()));
    assert!(matches!(
        empty.send_text(FOLLOWER, "x").await,
        Err(ChannelError::NotConfigured(_))
    ));
}

#[tokio::test]
async fn swapped_endpoints_do_not_work_by_accident() {
    let sim = simulator().await;
    sim.add_follower(FOLLOWER);
    let mut config = sim.adapter_config();
    std::mem::swap(&mut config.openapi_url, &mut config.zns_url);
    let oa = ZaloOa::new(config, store(&sim)).expect("adapter");
    assert_eq!(
        oa.send_text(FOLLOWER, "x").await,
        Err(ChannelError::Unreachable("HTTP 404".to_owned()))
    );
}

/// The app's webhook, reduced: verify, record, answer 200 (401 for a bad signature, 400 for
/// anything else refused).
#[derive(Clone)]
struct Receiver {
    config: ZaloConfig,
    events: Arc<Mutex<Vec<WebhookEvent>>>,
    url: String,
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|value| value.to_str().ok());
    let now_ms = i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000)
        .unwrap_or(i64::MAX);
    match verify_webhook(&receiver.config, &body, signature, now_ms, 5 * 60 * 1000) {
        Ok(event) => {
            receiver
                .events
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(event);
            StatusCode::OK
        }
        Err(ChannelError::BadSignature) => StatusCode::UNAUTHORIZED,
        Err(_) => StatusCode::BAD_REQUEST,
    }
}

async fn receiver(config: ZaloConfig) -> Receiver {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the receiver");
    let url = format!(
        "http://{}/zalo/webhook",
        listener.local_addr().expect("address")
    );
    let receiver = Receiver {
        config,
        events: Arc::default(),
        url,
    };
    let router = Router::new()
        .route("/zalo/webhook", post(receive))
        .with_state(receiver.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    receiver
}

impl Receiver {
    fn events(&self) -> Vec<WebhookEvent> {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

#[tokio::test]
async fn a_users_message_arrives_signed_and_verifies() {
    let sim = simulator().await;
    let receiver = receiver(sim.adapter_config()).await;
    assert_eq!(
        sim.user_sends_text(FOLLOWER, "x").await,
        Err(ZaloSimError::NoWebhookUrl)
    );
    sim.set_webhook_url(receiver.url.clone());

    let delivery = sim
        .user_sends_text(FOLLOWER, "Tra cứu H29.123-260101-0001")
        .await
        .expect("delivered");
    assert_eq!(delivery.status, 200);
    let events = receiver.events();
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event.event_name, "user_send_text");
    assert_eq!(event.app_id, APP_ID);
    assert_eq!(event.sender_id, FOLLOWER);
    assert_eq!(event.text.as_deref(), Some("Tra cứu H29.123-260101-0001"));
    let msg_id = event.msg_id.clone().expect("a msg_id");

    // Zalo delivering again: the same event verifies again (the app dedupes by msg_id).
    let again = sim
        .send_raw_event(&delivery.body, delivery.signature.as_deref())
        .await
        .expect("delivered");
    assert_eq!(again.status, 200);
    assert_eq!(
        receiver.events()[1].msg_id.as_deref(),
        Some(msg_id.as_str())
    );

    // Each new message has its own msg_id.
    sim.user_sends_text(FOLLOWER, "lần hai")
        .await
        .expect("delivered");
    assert_ne!(
        receiver.events()[2].msg_id.as_deref(),
        Some(msg_id.as_str())
    );
}

#[tokio::test]
async fn forged_unsigned_altered_and_stale_events_are_refused() {
    let sim = simulator().await;
    let receiver = receiver(sim.adapter_config()).await;
    sim.set_webhook_url(receiver.url.clone());

    let forged = sim
        .send_forged(FOLLOWER, "giả mạo")
        .await
        .expect("delivered");
    assert_eq!(forged.status, 401);

    let (body, signature) = sim.signed_user_text_event(FOLLOWER, "thật");
    let unsigned = sim.send_raw_event(&body, None).await.expect("delivered");
    assert_eq!(unsigned.status, 401);
    let altered = body.replace("thật", "giả");
    let altered = sim
        .send_raw_event(&altered, Some(&signature))
        .await
        .expect("delivered");
    assert_eq!(altered.status, 401);

    // The simulator's clock ten minutes behind: a replayed old event.
    let ten_minutes_ago =
        i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000)
            .unwrap_or(0)
            - 10 * 60 * 1000;
    sim.set_now_ms(ten_minutes_ago);
    let stale = sim
        .user_sends_text(FOLLOWER, "cũ")
        .await
        .expect("delivered");
    assert_eq!(stale.status, 400);
    assert!(receiver.events().is_empty());

    // The untouched original still verifies.
    let original = sim
        .send_raw_event(&body, Some(&signature))
        .await
        .expect("delivered");
    assert_eq!(original.status, 200);
}

#[tokio::test]
async fn the_chat_page_is_marked_escapes_text_and_lets_a_user_write_without_javascript() {
    let sim = simulator().await;
    let receiver = receiver(sim.adapter_config()).await;
    sim.set_webhook_url(receiver.url.clone());
    let browser = browser();

    let page = browser
        .get(sim.base_url())
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("text");
    assert!(page.contains(BANNER), "{page}");
    assert!(!page.contains("<script"));
    assert!(page.contains("<form method=\"post\" action=\"/simulator/user-sends\">"));

    let form = "user_id=777&text=%3Cb%3Exin+ch%C3%A0o%3C%2Fb%3E";
    let posted = browser
        .post(format!("{}/simulator/user-sends", sim.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .expect("post the form");
    assert_eq!(posted.status(), 303);
    let events = receiver.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].sender_id, "777");
    assert_eq!(events[0].text.as_deref(), Some("<b>xin chào</b>"));

    // The bot answers; the user who wrote follows the OA now.
    let oa = adapter(&sim, store(&sim));
    oa.send_text("777", "Chào <bạn> & cảm ơn")
        .await
        .expect("answer");
    let page = browser
        .get(sim.base_url())
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("text");
    assert!(page.contains("&lt;b&gt;xin chào&lt;/b&gt;"), "{page}");
    assert!(!page.contains("<b>xin chào</b>"));
    assert!(page.contains("Chào &lt;bạn&gt; &amp; cảm ơn"), "{page}");
    assert!(page.contains("webhook → HTTP 200"), "{page}");
}

#[tokio::test]
async fn the_simulator_checks_what_the_adapter_sends() {
    // Requests the adapter never makes, sent by hand, get Zalo's answers.
    let sim = simulator().await;
    let client = browser();
    let cs = format!("{}/v3.0/oa/message/cs", sim.openapi_url());
    let reply = client
        .post(&cs)
        .body(json!({"recipient": {"user_id": FOLLOWER}, "message": {"text": "x"}}).to_string())
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("text");
    let reply: Value = serde_json::from_str(&reply).expect("json");
    assert_eq!(reply["error"], -216, "no access_token header");

    let initial = sim.initial_tokens();
    let reply = client
        .post(&cs)
        .header("access_token", initial.access_token.expose())
        .body(json!({"recipient": {"user_id": FOLLOWER}, "message": {"text": ""}}).to_string())
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("text");
    let reply: Value = serde_json::from_str(&reply).expect("json");
    assert_eq!(reply["error"], -201, "empty text");

    let token_form = format!(
        "refresh_token={}&app_id={APP_ID}&grant_type=client_credentials",
        initial.refresh_token.expose()
    );
    let reply = client
        .post(sim.oauth_url())
        .header("secret_key", APP_SECRET)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(token_form)
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("text");
    let reply: Value = serde_json::from_str(&reply).expect("json");
    assert_eq!(reply["error"], -14003, "wrong grant type");
    assert_eq!(sim.refresh_count(), 0);
}

/// The code in the address the permission page sent the browser back to.
fn code_of(location: &str) -> String {
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or("");
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no code in {location}"))
}

fn refusal_code<T: std::fmt::Debug>(result: Result<T, ChannelError>) -> String {
    match result {
        Err(ChannelError::Refused { code, .. }) => code,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn the_first_authorisation_exchanges_a_code_once_with_its_verifier() {
    use motcua_channels::zalo::{codes, pkce_challenge, pkce_verifier};
    let sim = simulator().await;
    sim.add_follower(FOLLOWER);
    let store = Arc::new(MemoryTokenStore::new(None));
    let oa = adapter(&sim, store.clone());
    let redirect = "https://motcua.example/admin/notifications/zalo/callback";
    let verifier = pkce_verifier();
    let url = oa
        .config()
        .permission_url(redirect, &pkce_challenge(&verifier), "trang-thai-1");
    assert!(url.starts_with(&sim.permission_url()), "{url}");

    // The page is marked as a simulator and names the OA.
    let page = browser()
        .get(&url)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains(BANNER) && page.contains(sim.oa_id()),
        "{page}"
    );

    let back = sim.decide(&url, true).await.expect("allowed");
    assert!(back.starts_with(&format!("{redirect}?code=")), "{back}");
    assert!(
        back.contains(&format!("oa_id={}", sim.oa_id())) && back.ends_with("state=trang-thai-1"),
        "{back}"
    );
    let code = code_of(&back);

    // Another verifier is refused, and does not spend the code.
    let wrong = oa.exchange_code(&code, &pkce_verifier()).await;
    assert_eq!(
        refusal_code(wrong),
        codes::OAUTH_INVALID_CODE_VERIFIER.to_string()
    );
    assert_eq!(store.current(), None);

    let tokens = oa.exchange_code(&code, &verifier).await.expect("exchanged");
    assert_eq!(
        store.current(),
        Some(tokens.clone()),
        "saved before returning"
    );
    assert_eq!(sim.code_exchange_count(), 1);
    // The pair works at once.
    oa.send_text(FOLLOWER, "Xin chào").await.expect("sent");
    assert_eq!(sim.refresh_count(), 0);

    // A code is single use.
    let again = oa.exchange_code(&code, &verifier).await;
    assert_eq!(refusal_code(again), codes::OAUTH_CODE_USED.to_string());
    assert_eq!(store.current(), Some(tokens));
    // An unknown code.
    let unknown = oa.exchange_code("ma-gia", &verifier).await;
    assert_eq!(refusal_code(unknown), codes::OAUTH_INVALID_CODE.to_string());

    // A code older than ten minutes.
    let verifier = pkce_verifier();
    let url = oa
        .config()
        .permission_url(redirect, &pkce_challenge(&verifier), "trang-thai-2");
    let code = code_of(&sim.decide(&url, true).await.expect("allowed"));
    let now_ms = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    sim.set_now_ms(now_ms + 11 * 60 * 1000);
    let late = oa.exchange_code(&code, &verifier).await;
    assert_eq!(refusal_code(late), codes::OAUTH_CODE_EXPIRED.to_string());
    assert_eq!(sim.refused_code_exchange_count(), 4);

    // Refusing on the page sends an error back, no code.
    let back = sim.decide(&url, false).await.expect("refused");
    assert!(
        back.contains("error=access_denied") && !back.contains("code="),
        "{back}"
    );
}

#[tokio::test]
async fn the_permission_page_refuses_another_app_and_a_missing_challenge() {
    let sim = simulator().await;
    let config = sim.adapter_config();
    let redirect = "http://127.0.0.1:9/cb";
    let challenge = motcua_channels::zalo::pkce_challenge("v");
    let other_app = motcua_channels::zalo::permission_url(
        &config.permission_url,
        "another-app",
        redirect,
        &challenge,
        "s",
    );
    let no_challenge =
        motcua_channels::zalo::permission_url(&config.permission_url, APP_ID, redirect, "", "s");
    for url in [other_app, no_challenge] {
        let reply = browser().get(&url).send().await.expect("page");
        assert_eq!(reply.status(), StatusCode::BAD_REQUEST);
        assert!(sim.decide(&url, true).await.is_err(), "{url}");
    }
    let token_form =
        format!("code=sim-code-1&app_id={APP_ID}&grant_type=authorization_code&code_verifier=v");
    let reply = browser()
        .post(sim.oauth_url())
        .header("secret_key", "wrong-secret")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(token_form)
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("text");
    let reply: Value = serde_json::from_str(&reply).expect("json");
    assert_eq!(
        reply["error"],
        motcua_channels::zalo::codes::OAUTH_INVALID_SECRET_KEY,
        "the app secret is checked first"
    );
}
