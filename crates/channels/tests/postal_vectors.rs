//! The postal adapter's pure parts: signatures, callbacks, S10 tracking numbers, order checks.
//!
//! The signatures below were computed independently of this crate with Python's standard
//! library:
//!
//! ```text
//! python3 -c 'import hmac,hashlib; print(hmac.new(b"KEY", b"TIMESTAMP\n" + b"BODY", hashlib.sha256).hexdigest())'
//! ```

use motcua_channels::postal::{
    HttpPostalOperator, Party, PostalConfig, ShipmentKind, ShipmentOrder, TrackingStatus,
    TrackingUpdate, s10_check_digit, sign, tracking_number, valid_tracking_number,
    verify_signature, verify_tracking_callback,
};
use motcua_channels::{ChannelError, Secret};
use proptest::prelude::*;

const TS: &str = "1767225600";
const NOW: i64 = 1_767_225_600;
const CALLBACK: &str = r#"{"at":1767225000,"customer_code":"CT-UBND-NK","event_id":"EL100000017VN-01","note":null,"reference":"H29.123-260101-0001/tra-kq","status":"accepted","tracking_number":"EL100000017VN"}"#;

fn config() -> PostalConfig {
    PostalConfig {
        endpoint: "https://postal.example.vn/api/v1".to_owned(),
        customer_code: "CT-UBND-NK".to_owned(),
        api_key: Secret("postal-api-key-0123".to_owned()),
        callback_secret: Secret("callback-secret-xyz".to_owned()),
    }
}

#[test]
fn signature_vectors() {
    assert_eq!(
        sign(
            "postal-api-key-0123",
            TS,
            br#"{"reference":"H29.123-260101-0001/tra-kq"}"#
        ),
        "6058b436181e57ea5aa8f0d897b29ab4685ba5f8eca08a099ffda531964ebe30"
    );
    assert_eq!(
        sign("postal-api-key-0123", TS, b""),
        "f72cfa92e5725c2dbe31535e671efdbeca10d519397441b9e21ed72595952991"
    );
    assert_eq!(
        sign("Khóa-bí-mật", TS, "Nội dung".as_bytes()),
        "b0ce84bec70f5d6bda94065412246fd4aed70f2a0d73bb81b13412fe80be396b"
    );
    assert_eq!(
        sign("callback-secret-xyz", TS, CALLBACK.as_bytes()),
        "62a7aeea30347e7d97e032628bed1aca9ad013d86c238bc47560944238a53813"
    );
}

fn verify(
    body: &str,
    timestamp: Option<&str>,
    signature: Option<&str>,
    now: i64,
) -> Result<TrackingUpdate, ChannelError> {
    verify_tracking_callback(&config(), body.as_bytes(), timestamp, signature, now)
}

const CALLBACK_SIGNATURE: &str = "62a7aeea30347e7d97e032628bed1aca9ad013d86c238bc47560944238a53813";

#[test]
fn a_signed_callback_reads_as_a_tracking_update() {
    let expected = TrackingUpdate {
        event_id: "EL100000017VN-01".to_owned(),
        tracking_number: "EL100000017VN".to_owned(),
        reference: "H29.123-260101-0001/tra-kq".to_owned(),
        status: TrackingStatus::Accepted,
        at: 1_767_225_000,
        note: None,
    };
    assert_eq!(
        verify(CALLBACK, Some(TS), Some(CALLBACK_SIGNATURE), NOW),
        Ok(expected.clone())
    );
    // Hex in capitals is the same signature.
    assert_eq!(
        verify(
            CALLBACK,
            Some(TS),
            Some(&CALLBACK_SIGNATURE.to_uppercase()),
            NOW
        ),
        Ok(expected)
    );
}

#[test]
fn forged_tampered_and_unsigned_callbacks_are_refused() {
    let forged = sign("another-secret", TS, CALLBACK.as_bytes());
    assert_eq!(
        verify(CALLBACK, Some(TS), Some(&forged), NOW),
        Err(ChannelError::BadSignature)
    );
    // Signed with our API key instead of the callback secret.
    let wrong_key = sign("postal-api-key-0123", TS, CALLBACK.as_bytes());
    assert_eq!(
        verify(CALLBACK, Some(TS), Some(&wrong_key), NOW),
        Err(ChannelError::BadSignature)
    );
    let tampered = CALLBACK.replace("\"accepted\"", "\"delivered\"");
    assert_eq!(
        verify(&tampered, Some(TS), Some(CALLBACK_SIGNATURE), NOW),
        Err(ChannelError::BadSignature)
    );
    // Moving the timestamp forward to pass the age check breaks the signature.
    assert_eq!(
        verify(
            CALLBACK,
            Some("1767225601"),
            Some(CALLBACK_SIGNATURE),
            NOW + 1
        ),
        Err(ChannelError::BadSignature)
    );
    assert_eq!(
        verify(CALLBACK, None, Some(CALLBACK_SIGNATURE), NOW),
        Err(ChannelError::BadSignature)
    );
    assert_eq!(
        verify(CALLBACK, Some(TS), None, NOW),
        Err(ChannelError::BadSignature)
    );
    assert_eq!(
        verify(CALLBACK, Some(TS), Some("not hex"), NOW),
        Err(ChannelError::BadSignature)
    );
    assert_eq!(
        verify(CALLBACK, Some(TS), Some(""), NOW),
        Err(ChannelError::BadSignature)
    );
}

#[test]
fn callbacks_older_than_ten_minutes_are_stale() {
    let sig = Some(CALLBACK_SIGNATURE);
    assert!(verify(CALLBACK, Some(TS), sig, NOW + 600).is_ok());
    assert_eq!(
        verify(CALLBACK, Some(TS), sig, NOW + 601),
        Err(ChannelError::Stale)
    );
    assert_eq!(
        verify(CALLBACK, Some(TS), sig, NOW + 86_400),
        Err(ChannelError::Stale)
    );
    // From further than the window in the future: a clock far off, refused too.
    assert!(verify(CALLBACK, Some(TS), sig, NOW - 600).is_ok());
    assert_eq!(
        verify(CALLBACK, Some(TS), sig, NOW - 601),
        Err(ChannelError::Stale)
    );
    assert!(ChannelError::Stale.is_permanent());
}

/// A correctly signed callback whose content is wrong.
fn signed(body: &str, timestamp: &str) -> Result<TrackingUpdate, ChannelError> {
    let signature = sign("callback-secret-xyz", timestamp, body.as_bytes());
    verify(body, Some(timestamp), Some(&signature), NOW)
}

#[test]
fn signed_callbacks_that_do_not_read_are_malformed() {
    let malformed = |result: Result<TrackingUpdate, ChannelError>| {
        matches!(result, Err(ChannelError::Malformed(_)))
    };
    assert!(malformed(signed(CALLBACK, "soon")));
    assert!(malformed(signed("not json", TS)));
    assert!(malformed(signed(
        &CALLBACK.replace("CT-UBND-NK", "HN-OTHER"),
        TS
    )));
    assert!(malformed(signed(
        &CALLBACK.replace("\"accepted\"", "\"lost\""),
        TS
    )));
    assert!(malformed(signed(
        &CALLBACK.replace("EL100000017VN\"", "EL100000018VN\""),
        TS
    )));
    assert!(malformed(signed(
        &CALLBACK.replace("\"EL100000017VN-01\"", "\"\""),
        TS
    )));
    assert!(malformed(signed(
        &CALLBACK.replace("1767225000", "\"yesterday\""),
        TS
    )));
    assert!(malformed(signed(&CALLBACK.replace("null", "42"), TS)));
    let with_note = CALLBACK.replace("null", "\"Người nhận vắng nhà\"");
    assert_eq!(
        signed(&with_note, TS).map(|u| u.note),
        Ok(Some("Người nhận vắng nhà".to_owned()))
    );
}

#[test]
fn s10_check_digits() {
    // The UPU's own example number RR 47312482 9 GB.
    assert_eq!(s10_check_digit("47312482"), Some(9));
    assert_eq!(s10_check_digit("12345678"), Some(5));
    // 11 − (Σ mod 11) = 10 becomes 0; = 11 becomes 5.
    assert_eq!(s10_check_digit("00000008"), Some(0));
    assert_eq!(s10_check_digit("00000015"), Some(5));
    assert_eq!(s10_check_digit("00000000"), Some(5));
    assert_eq!(s10_check_digit("1234567"), None);
    assert_eq!(s10_check_digit("1234567a"), None);

    for valid in [
        "EL123456785VN",
        "EL100000017VN",
        "RR473124829VN",
        "EH000000080VN",
    ] {
        assert!(valid_tracking_number(valid), "{valid}");
    }
    for invalid in [
        "EL123456784VN",
        "EL123456785GB",
        "el123456785VN",
        "EL123456785vn",
        "E1123456785VN",
        "EL12345678VN",
        "EL1234567855VN",
        "EL12345a785VN",
        "",
        "EL123456785VNX",
        "ÉL123456785VN",
    ] {
        assert!(!valid_tracking_number(invalid), "{invalid}");
    }
    assert_eq!(
        tracking_number("EL", 10_000_001).as_deref(),
        Some("EL100000017VN")
    );
    assert_eq!(tracking_number("EL", 100_000_000), None);
    assert_eq!(tracking_number("E", 1), None);
    assert_eq!(tracking_number("el", 1), None);
}

proptest! {
    #[test]
    fn exactly_one_check_digit_fits_each_serial(serial in 0u32..100_000_000, service in "[A-Z]{2}") {
        let number = tracking_number(&service, serial).expect("in range");
        prop_assert!(valid_tracking_number(&number));
        let fitting = (0..10)
            .filter(|d| valid_tracking_number(&format!("{}{d}VN", &number[..10])))
            .count();
        prop_assert_eq!(fitting, 1);
    }

    #[test]
    fn what_is_signed_verifies_and_nothing_else(
        secret in "[ -~]{1,40}",
        timestamp in "[0-9]{10}",
        body in prop::collection::vec(any::<u8>(), 0..200),
        flip in any::<prop::sample::Index>(),
    ) {
        let signature = sign(&secret, &timestamp, &body);
        prop_assert!(verify_signature(&secret, &timestamp, &body, &signature));
        if !body.is_empty() {
            let mut tampered = body.clone();
            let at = flip.index(tampered.len());
            tampered[at] ^= 1;
            prop_assert!(!verify_signature(&secret, &timestamp, &tampered, &signature));
        }
        let other = format!("{secret}x");
        prop_assert!(!verify_signature(&other, &timestamp, &body, &signature));
    }
}

/// One way to spoil an order.
type Change = Box<dyn Fn(&mut ShipmentOrder)>;

fn order() -> ShipmentOrder {
    ShipmentOrder {
        reference: "H29.123-260101-0001/tra-kq".to_owned(),
        kind: ShipmentKind::ResultDelivery,
        sender: Party {
            name: "UBND phường Ninh Kiều".to_owned(),
            phone: "0292 3820 123".to_owned(),
            address: "2 Hòa Bình, Ninh Kiều, Cần Thơ".to_owned(),
        },
        receiver: Party {
            name: "Nguyễn Văn An".to_owned(),
            phone: "+84 912 345 678".to_owned(),
            address: " 12 Lý Tự Trọng, Ninh Kiều, Cần Thơ ".to_owned(),
        },
        content: "Kết quả TTHC: Giấy khai sinh".to_owned(),
        weight_grams: 200,
        cash_on_delivery_vnd: 0,
    }
}

#[test]
fn the_order_body_is_checked_and_normalised() {
    assert_eq!(
        HttpPostalOperator::shipment_body(&order()),
        Ok(serde_json::json!({
            "reference": "H29.123-260101-0001/tra-kq",
            "kind": "result_delivery",
            "sender": {
                "name": "UBND phường Ninh Kiều",
                "phone": "02923820123",
                "address": "2 Hòa Bình, Ninh Kiều, Cần Thơ",
            },
            "receiver": {
                "name": "Nguyễn Văn An",
                "phone": "0912345678",
                "address": "12 Lý Tự Trọng, Ninh Kiều, Cần Thơ",
            },
            "content": "Kết quả TTHC: Giấy khai sinh",
            "weight_grams": 200,
            "cod_vnd": 0,
        }))
    );
    let broken: Vec<(&str, Change)> = vec![
        ("empty reference", Box::new(|o| o.reference.clear())),
        (
            "reference with spaces",
            Box::new(|o| o.reference = "HS 1".to_owned()),
        ),
        ("long reference", Box::new(|o| o.reference = "R".repeat(65))),
        (
            "no receiver address",
            Box::new(|o| o.receiver.address = "  ".to_owned()),
        ),
        ("no sender name", Box::new(|o| o.sender.name.clear())),
        (
            "bad phone",
            Box::new(|o| o.receiver.phone = "12345".to_owned()),
        ),
        ("no content", Box::new(|o| o.content.clear())),
        ("no weight", Box::new(|o| o.weight_grams = 0)),
        ("too heavy", Box::new(|o| o.weight_grams = 30_001)),
        ("negative COD", Box::new(|o| o.cash_on_delivery_vnd = -1)),
    ];
    for (what, change) in broken {
        let mut order = order();
        change(&mut order);
        match HttpPostalOperator::shipment_body(&order) {
            Err(error @ ChannelError::Refused { .. }) => assert!(error.is_permanent(), "{what}"),
            other => panic!("{what}: {other:?}"),
        }
    }
}

#[test]
fn statuses_and_kinds_have_stable_names() {
    let names: Vec<&str> = TrackingStatus::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(
        names,
        [
            "accepted",
            "in_transit",
            "out_for_delivery",
            "delivered",
            "delivery_failed",
            "returned_to_sender"
        ]
    );
    assert_eq!(TrackingStatus::parse("Delivered"), None);
    assert_eq!(
        ShipmentKind::parse("dossier_pickup"),
        Some(ShipmentKind::DossierPickup)
    );
    assert_eq!(ShipmentKind::parse("pickup"), None);
}

#[test]
fn configuration_is_checked_and_secrets_do_not_print() {
    let printed = format!("{:?}", config());
    assert!(
        !printed.contains("postal-api-key") && !printed.contains("callback-secret"),
        "{printed}"
    );
    let mut bad = config();
    bad.endpoint = "postal.example.vn".to_owned();
    assert!(matches!(
        HttpPostalOperator::new(bad),
        Err(ChannelError::NotConfigured(_))
    ));
    let mut bad = config();
    bad.callback_secret = Secret(String::new());
    assert!(matches!(
        HttpPostalOperator::new(bad),
        Err(ChannelError::NotConfigured(_))
    ));
    assert!(HttpPostalOperator::new(config()).is_ok());
}
