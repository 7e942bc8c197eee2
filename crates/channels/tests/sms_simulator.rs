//! The HTTP SMS adapter against the SMS gateway simulator on a loopback port.
#![cfg(feature = "simulator")]

use motcua_channels::simulator::BANNER;
use motcua_channels::simulator::sms::{SmsSimAuth, SmsSimConfig, SmsSimHandle, SmsSimulator};
use motcua_channels::sms::{
    HttpSmsGateway, SmsAuth, SmsConfig, SmsFields, SmsFormat, SmsMessage, SmsSender, SuccessRule,
};
use motcua_channels::{ChannelError, Secret};
use std::sync::Arc;

const USER: &str = "motcua";
const KEY: &str = "sms-api-key";
const BRAND: &str = "UBND NK";

async fn simulator(config: SmsSimConfig) -> SmsSimHandle {
    SmsSimulator::start(config)
        .await
        .expect("start the simulator")
}

async fn generic() -> (SmsSimHandle, HttpSmsGateway) {
    let sim = simulator(SmsSimConfig::generic(USER, KEY, BRAND)).await;
    let gateway = HttpSmsGateway::new(SmsConfig::generic(
        sim.endpoint(),
        USER,
        Secret(KEY.to_owned()),
        BRAND,
    ))
    .expect("adapter");
    (sim, gateway)
}

fn message(phone: &str, text: &str, request_id: &str) -> SmsMessage {
    SmsMessage {
        phone: phone.to_owned(),
        text: text.to_owned(),
        request_id: request_id.to_owned(),
    }
}

#[tokio::test]
async fn json_with_basic_auth_is_sent_once_with_the_normalised_number_and_folded_text() {
    let (sim, gateway) = generic().await;
    let sender: Arc<dyn SmsSender> = Arc::new(gateway);
    let receipt = sender
        .send(&message(
            "0912.345.678",
            "Hồ sơ H29.123-260101-0001 đã có kết quả",
            "outbox-1",
        ))
        .await
        .expect("sent");
    assert_eq!(receipt.segments, 1);
    let messages = sim.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(receipt.provider_id, messages[0].provider_id);
    assert_eq!(messages[0].phone, "84912345678");
    assert_eq!(messages[0].text, "Ho so H29.123-260101-0001 da co ket qua");
    assert_eq!(messages[0].brand_name, BRAND);
    assert_eq!(messages[0].request_id, "outbox-1");
}

#[tokio::test]
async fn form_with_an_api_key_header() {
    let sim = simulator(SmsSimConfig {
        auth: SmsSimAuth::Header("X-Api-Key".to_owned()),
        ..SmsSimConfig::generic(USER, KEY, BRAND)
    })
    .await;
    let mut config = SmsConfig::generic(sim.endpoint(), USER, Secret(KEY.to_owned()), BRAND);
    config.format = SmsFormat::Form;
    config.auth = SmsAuth::Header {
        name: "X-Api-Key".to_owned(),
        api_key: Secret(KEY.to_owned()),
    };
    let gateway = HttpSmsGateway::new(config.clone()).expect("adapter");
    let receipt = gateway
        .send(&message(
            "+84 332 123 456",
            "Mời ông/bà đến nhận & ký",
            "o-2",
        ))
        .await
        .expect("sent");
    assert_eq!(sim.messages()[0].text, "Moi ong/ba den nhan & ky");
    assert_eq!(sim.messages()[0].phone, "84332123456");
    assert_eq!(receipt.provider_id, sim.messages()[0].provider_id);

    // The same gateway, with Basic instead of the header: refused as a configuration fault.
    config.auth = SmsAuth::Basic {
        username: USER.to_owned(),
        api_key: Secret(KEY.to_owned()),
    };
    let wrong = HttpSmsGateway::new(config).expect("adapter");
    assert!(matches!(
        wrong.send(&message("0332123456", "x", "o-3")).await,
        Err(ChannelError::NotConfigured(_))
    ));
    assert_eq!(sim.messages().len(), 1);
}

#[tokio::test]
async fn credentials_in_body_fields_under_the_providers_field_names() {
    // eSMS's field names; the simulator answers in the generic shape.
    let fields = SmsFields {
        phone: "Phone".to_owned(),
        text: "Content".to_owned(),
        brand_name: "Brandname".to_owned(),
        request_id: "RequestId".to_owned(),
    };
    let sim = simulator(SmsSimConfig {
        auth: SmsSimAuth::BodyFields {
            username_field: "ApiKey".to_owned(),
            api_key_field: "SecretKey".to_owned(),
        },
        fields,
        ..SmsSimConfig::generic(USER, KEY, BRAND)
    })
    .await;
    let config = SmsConfig {
        success: SuccessRule::generic(),
        ..SmsConfig::esms(sim.endpoint(), USER, Secret(KEY.to_owned()), BRAND)
    };
    let gateway = HttpSmsGateway::new(config).expect("adapter");
    gateway
        .send(&message("0987654321", "Xin chào", "o-4"))
        .await
        .expect("sent");
    assert_eq!(sim.messages()[0].phone, "84987654321");
}

#[tokio::test]
async fn a_wrong_key_is_a_configuration_fault_and_nothing_is_sent() {
    let sim = simulator(SmsSimConfig::generic(USER, KEY, BRAND)).await;
    let gateway = HttpSmsGateway::new(SmsConfig::generic(
        sim.endpoint(),
        USER,
        Secret("another-key".to_owned()),
        BRAND,
    ))
    .expect("adapter");
    let error = gateway
        .send(&message("0912345678", "x", "o-5"))
        .await
        .expect_err("refused");
    assert!(matches!(error, ChannelError::NotConfigured(_)), "{error:?}");
    assert!(
        !error.is_permanent(),
        "messages wait for the key to be fixed"
    );
    assert_eq!(sim.received(), 1);
    assert!(sim.messages().is_empty());
}

#[tokio::test]
async fn an_invalid_number_is_permanent_and_never_reaches_the_gateway() {
    let (sim, gateway) = generic().await;
    let error = gateway
        .send(&message("0292 3820 123", "x", "o-6"))
        .await
        .expect_err("refused");
    assert!(error.is_permanent(), "{error:?}");
    assert_eq!(sim.received(), 0);
}

#[tokio::test]
async fn a_number_the_network_does_not_know_is_permanent() {
    let sim = simulator(SmsSimConfig {
        invalid_numbers: vec!["84599999999".to_owned()],
        ..SmsSimConfig::generic(USER, KEY, BRAND)
    })
    .await;
    let gateway = HttpSmsGateway::new(SmsConfig::generic(
        sim.endpoint(),
        USER,
        Secret(KEY.to_owned()),
        BRAND,
    ))
    .expect("adapter");
    match gateway.send(&message("0599 999 999", "x", "o-7")).await {
        Err(ChannelError::Refused {
            code, permanent, ..
        }) => {
            assert_eq!(code, "20");
            assert!(permanent);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sim.received(), 1);
    assert!(sim.messages().is_empty());
}

#[tokio::test]
async fn an_unregistered_brand_name_is_refused_but_not_for_good() {
    let sim = simulator(SmsSimConfig::generic(USER, KEY, BRAND)).await;
    let gateway = HttpSmsGateway::new(SmsConfig::generic(
        sim.endpoint(),
        USER,
        Secret(KEY.to_owned()),
        "OTHER",
    ))
    .expect("adapter");
    match gateway.send(&message("0912345678", "x", "o-8")).await {
        Err(ChannelError::Refused {
            code, permanent, ..
        }) => {
            assert_eq!(code, "11");
            assert!(!permanent);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_retry_after_a_lost_reply_does_not_send_twice() {
    let (sim, gateway) = generic().await;
    sim.set_lose_replies(1);
    let sms = message("0912345678", "Kết quả đã sẵn sàng", "outbox-77");
    let first = gateway.send(&sms).await;
    assert!(
        matches!(first, Err(ChannelError::Unreachable(_))),
        "{first:?}"
    );
    // The gateway did send it.
    assert_eq!(sim.messages().len(), 1);

    let retry = gateway.send(&sms).await.expect("the retry succeeds");
    assert_eq!(sim.received(), 2, "the retry reached the gateway");
    assert_eq!(sim.messages().len(), 1, "and was not sent again");
    assert_eq!(retry.provider_id, sim.messages()[0].provider_id);

    // A new request id is a new message.
    gateway
        .send(&message("0912345678", "Kết quả đã sẵn sàng", "outbox-78"))
        .await
        .expect("sent");
    assert_eq!(sim.messages().len(), 2);
}

#[tokio::test]
async fn a_request_id_reused_for_another_text_is_refused_for_good() {
    let (sim, gateway) = generic().await;
    gateway
        .send(&message("0912345678", "one", "outbox-9"))
        .await
        .expect("sent");
    let error = gateway
        .send(&message("0912345678", "two", "outbox-9"))
        .await
        .expect_err("refused");
    assert!(
        matches!(&error, ChannelError::Refused { code, permanent: true, .. } if code == "31"),
        "{error:?}"
    );
    assert_eq!(sim.messages().len(), 1);
}

#[tokio::test]
async fn an_outage_is_unreachable_until_it_ends() {
    let (sim, gateway) = generic().await;
    sim.set_down(true);
    let sms = message("0912345678", "x", "outbox-10");
    let error = gateway.send(&sms).await.expect_err("down");
    assert!(matches!(error, ChannelError::Unreachable(_)), "{error:?}");
    assert!(!error.is_permanent());
    assert_eq!(sim.received(), 1);
    assert!(sim.messages().is_empty());
    sim.set_down(false);
    gateway.send(&sms).await.expect("sent after the outage");
    assert_eq!(sim.messages().len(), 1);
}

#[tokio::test]
async fn nothing_listening_is_unreachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    drop(listener);
    let gateway = HttpSmsGateway::new(SmsConfig::generic(
        format!("http://{address}/sms/send"),
        USER,
        Secret(KEY.to_owned()),
        BRAND,
    ))
    .expect("adapter");
    let error = gateway
        .send(&message("0912345678", "x", "o-11"))
        .await
        .expect_err("nobody there");
    assert!(matches!(error, ChannelError::Unreachable(_)), "{error:?}");
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

/// A request the adapter would never send, straight to the simulator.
async fn raw(sim: &SmsSimHandle, body: serde_json::Value) -> (u16, serde_json::Value) {
    let response = client()
        .post(sim.endpoint())
        .basic_auth(USER, Some(KEY))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("reply");
    (status, serde_json::from_str(&text).expect("JSON reply"))
}

#[tokio::test]
async fn the_simulator_answers_bad_numbers_and_text_with_200_and_a_code() {
    let sim = simulator(SmsSimConfig::generic(USER, KEY, BRAND)).await;
    let base = |to: &str, text: &str| serde_json::json!({"to": to, "text": text, "brandname": BRAND, "request_id": "raw-1"});
    for to in ["0912345678", "+84912345678", "84212345678", "8491234567"] {
        let (status, reply) = raw(&sim, base(to, "x")).await;
        assert_eq!(status, 200, "{to}");
        assert_eq!(reply["code"], "20", "{to}");
    }
    let (status, reply) = raw(&sim, base("84912345678", "Có dấu")).await;
    assert_eq!((status, reply["code"].as_str()), (200, Some("21")));
    let (status, reply) = raw(&sim, base("84912345678", &"a".repeat(613))).await;
    assert_eq!((status, reply["code"].as_str()), (200, Some("21")));
    let (status, reply) = raw(&sim, serde_json::json!({"to": "84912345678"})).await;
    assert_eq!((status, reply["code"].as_str()), (200, Some("30")));
    assert!(sim.messages().is_empty());
    let (status, reply) = raw(&sim, base("84912345678", "ok")).await;
    assert_eq!((status, reply["code"].as_str()), (200, Some("00")));
    assert_eq!(sim.messages().len(), 1);
}

#[tokio::test]
async fn the_page_is_marked_and_escapes_what_it_lists() {
    let (sim, gateway) = generic().await;
    let empty = client()
        .get(sim.base_url())
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("text");
    assert!(empty.contains(BANNER), "{empty}");
    gateway
        .send(&message(
            "0912345678",
            "<b>Kết quả</b> & \"bản sao\"",
            "o-12",
        ))
        .await
        .expect("sent");
    let page = client()
        .get(sim.base_url())
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("text");
    assert!(page.contains(BANNER), "{page}");
    assert!(
        page.contains("&lt;b&gt;Ket qua&lt;/b&gt; &amp; &quot;ban sao&quot;"),
        "{page}"
    );
    assert!(!page.contains("<b>Ket qua"), "{page}");
    assert!(page.contains("84912345678"));
}
