//! The SMS adapter's pure parts: phone numbers, GSM-7 text and its cost, request encoding and
//! reply judging. No network.

use motcua_channels::sms::{
    HttpSmsGateway, SmsAuth, SmsConfig, SmsFormat, SmsMessage, SuccessRule, fold_vietnamese,
    normalise_phone, read_reply, segments, sms_text,
};
use motcua_channels::{ChannelError, Secret};
use proptest::prelude::*;

#[test]
fn phone_numbers_normalise_to_84() {
    let table = [
        ("0912345678", "84912345678"),
        ("0912 345 678", "84912345678"),
        ("0912.345.678", "84912345678"),
        ("091-234-5678", "84912345678"),
        ("+84912345678", "84912345678"),
        ("+84 912 345 678", "84912345678"),
        ("+84 (0)912 345 678", "84912345678"),
        ("84912345678", "84912345678"),
        ("0084912345678", "84912345678"),
        ("  0332 123 456 ", "84332123456"),
        ("0523123456", "84523123456"),
        ("0701234567", "84701234567"),
        ("0861234567", "84861234567"),
        ("0987654321", "84987654321"),
    ];
    for (raw, expected) in table {
        assert_eq!(normalise_phone(raw).as_deref(), Ok(expected), "{raw}");
    }
}

#[test]
fn other_numbers_are_refused_for_good() {
    let refused = [
        "",
        "   ",
        // Landlines (02x) and the pre-2018 11-digit mobile numbers.
        "02923820123",
        "0292 382 0123",
        "01234567890",
        // Too short, too long, no trunk zero, wrong country.
        "091234567",
        "09123456789",
        "912345678",
        "+85212345678",
        "+0912345678",
        "8402345678",
        "840912345678x",
        // Prefixes that are not mobile ranges.
        "0112345678",
        "0212345678",
        "0412345678",
        "0612345678",
        // Letters and other symbols.
        "09l2345678",
        "0912/345/678",
        "0912345678 ext 1",
        "+84+912345678",
    ];
    for raw in refused {
        match normalise_phone(raw) {
            Err(error @ ChannelError::Refused { .. }) => {
                assert!(error.is_permanent(), "{raw}");
                assert!(
                    raw.trim().is_empty() || !error.to_string().contains(raw.trim()),
                    "the number is not repeated in the error"
                );
            }
            other => panic!("{raw:?} gave {other:?}"),
        }
    }
}

proptest! {
    #[test]
    fn whatever_is_accepted_is_84_and_nine_digits(
        prefix in prop::sample::select(vec!["", "0", "00", "+", "+84", "84", "0084", "+84 (0)", "840"]),
        rest in "[0-9 .()-]{0,14}",
    ) {
        let raw = format!("{prefix}{rest}");
        if let Ok(phone) = normalise_phone(&raw) {
            prop_assert_eq!(phone.len(), 11);
            prop_assert!(phone.starts_with("84"));
            prop_assert!(phone.bytes().all(|b| b.is_ascii_digit()));
            prop_assert!(matches!(phone.as_bytes()[2], b'3' | b'5' | b'7' | b'8' | b'9'));
        }
    }

    #[test]
    fn every_spelling_of_a_mobile_number_is_the_same_number(
        first in prop::sample::select(vec!['3', '5', '7', '8', '9']),
        rest in "[0-9]{8}",
        form in 0usize..6,
    ) {
        let subscriber = format!("{first}{rest}");
        let raw = match form {
            0 => format!("0{subscriber}"),
            1 => format!("+84{subscriber}"),
            2 => format!("84{subscriber}"),
            3 => format!("0084{subscriber}"),
            4 => format!("0{} {} {}", &subscriber[..3], &subscriber[3..6], &subscriber[6..]),
            _ => format!("+84 (0){}.{}", &subscriber[..4], &subscriber[4..]),
        };
        prop_assert_eq!(normalise_phone(&raw), Ok(format!("84{subscriber}")));
    }

    #[test]
    fn sms_text_is_always_plain_gsm(text in "\\PC{0,200}") {
        let sent = sms_text(&text);
        prop_assert!(
            sent.chars().all(|c| c == '\n' || (c.is_ascii() && !c.is_ascii_control() && c != '`')),
            "{sent:?}"
        );
    }
}

#[test]
fn diacritics_are_stripped() {
    assert_eq!(
        sms_text("Hồ sơ H29.123-260101-0001 đã có kết quả. Đề nghị ông/bà đến nhận."),
        "Ho so H29.123-260101-0001 da co ket qua. De nghi ong/ba den nhan."
    );
    assert_eq!(
        sms_text("ĐẶNG Thị Ửng, Đường Lê Lợi, Quận Ninh Kiều"),
        "DANG Thi Ung, Duong Le Loi, Quan Ninh Kieu"
    );
    assert_eq!(
        fold_vietnamese("àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"),
        "a".repeat(17)
            + &"e".repeat(11)
            + &"i".repeat(5)
            + &"o".repeat(17)
            + &"u".repeat(11)
            + &"y".repeat(5)
            + "d"
    );
    // Decomposed (NFD): "Việt" with combining circumflex and dot below.
    assert_eq!(sms_text("Vie\u{0302}\u{0323}t Nam"), "Viet Nam");
}

#[test]
fn typography_and_symbols_become_ascii() {
    assert_eq!(
        sms_text("“Giấy khai sinh” – bản sao…\r\nXin cảm ơn\u{00a0}!\t`ok` 😀 €"),
        "\"Giay khai sinh\" - ban sao...\nXin cam on ! 'ok' ? ?"
    );
    assert_eq!(sms_text("a\u{200b}b\u{0007}c"), "abc");
}

#[test]
fn segments_follow_gsm_and_ucs2_sizes() {
    assert_eq!(segments(""), 1);
    assert_eq!(segments(&"a".repeat(160)), 1);
    assert_eq!(segments(&"a".repeat(161)), 2);
    assert_eq!(segments(&"a".repeat(306)), 2);
    assert_eq!(segments(&"a".repeat(307)), 3);
    // Extension characters take two septets.
    assert_eq!(segments(&"{".repeat(80)), 1);
    assert_eq!(segments(&"{".repeat(81)), 2);
    // 306 septets would fit two parts, but the escape pair cannot straddle them.
    let straddling = "a".repeat(152) + "[" + &"a".repeat(152);
    assert_eq!(segments(&straddling), 3);
    // Anything outside GSM-7 makes the whole text UCS-2.
    assert_eq!(segments(&"ă".repeat(70)), 1);
    assert_eq!(segments(&"ă".repeat(71)), 2);
    assert_eq!(segments(&"ă".repeat(134)), 2);
    assert_eq!(segments(&"ă".repeat(135)), 3);
    // Folding brings a Vietnamese text back to GSM-7 prices.
    let vietnamese = "Hồ sơ của ông/bà đã được tiếp nhận. ".repeat(4);
    assert_eq!(segments(&vietnamese), 3);
    assert_eq!(segments(&sms_text(&vietnamese)), 1);
}

fn gateway(config: SmsConfig) -> HttpSmsGateway {
    HttpSmsGateway::new(config).expect("a valid configuration")
}

fn message(phone: &str, text: &str, request_id: &str) -> SmsMessage {
    SmsMessage {
        phone: phone.to_owned(),
        text: text.to_owned(),
        request_id: request_id.to_owned(),
    }
}

#[test]
fn json_body_of_the_generic_shape() {
    let sms = gateway(SmsConfig::generic(
        "https://sms.example.vn/api/send",
        "motcua",
        Secret("key".to_owned()),
        "UBND NK",
    ));
    let encoded = sms
        .encode(&message("0912 345 678", "Hồ sơ đã có kết quả", "outbox-42"))
        .expect("encodes");
    assert_eq!(encoded.content_type, "application/json");
    assert_eq!(encoded.segments, 1);
    let body: serde_json::Value = serde_json::from_slice(&encoded.body).expect("JSON");
    assert_eq!(
        body,
        serde_json::json!({
            "to": "84912345678",
            "text": "Ho so da co ket qua",
            "brandname": "UBND NK",
            "request_id": "outbox-42",
        })
    );
}

#[test]
fn form_body_with_body_credentials_and_extra_fields() {
    let mut config = SmsConfig::esms(
        "https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/",
        "APIKEY1",
        Secret("SECRET 1&2".to_owned()),
        "MOTCUA",
    );
    config.format = SmsFormat::Form;
    let encoded = gateway(config)
        .encode(&message("+84 332 123 456", "Đến nhận kết quả", "r-1"))
        .expect("encodes");
    assert_eq!(encoded.content_type, "application/x-www-form-urlencoded");
    assert_eq!(
        String::from_utf8(encoded.body).expect("UTF-8"),
        "Phone=84332123456&Content=Den+nhan+ket+qua&Brandname=MOTCUA&RequestId=r-1\
         &SmsType=2&IsUnicode=0&ApiKey=APIKEY1&SecretKey=SECRET+1%262"
    );
}

#[test]
fn messages_that_cannot_go_are_refused_before_sending() {
    let mut config = SmsConfig::generic(
        "https://sms.example.vn/api/send",
        "motcua",
        Secret("key".to_owned()),
        "MOTCUA",
    );
    config.max_segments = 2;
    let sms = gateway(config);
    let cases = [
        (message("02923820123", "x", "r1"), "invalid_phone"),
        (message("0912345678", " \n ", "r1"), "empty_text"),
        (
            message("0912345678", &"a".repeat(307), "r1"),
            "text_too_long",
        ),
        (message("0912345678", "x", ""), "invalid_request_id"),
        (
            message("0912345678", "x", "id with spaces"),
            "invalid_request_id",
        ),
        (
            message("0912345678", "x", &"r".repeat(65)),
            "invalid_request_id",
        ),
    ];
    for (message, expected) in cases {
        match sms.encode(&message) {
            Err(ChannelError::Refused {
                code, permanent, ..
            }) => {
                assert_eq!(code, expected);
                assert!(permanent);
            }
            other => panic!("{expected}: {other:?}"),
        }
    }
    assert!(
        sms.encode(&message("0912345678", &"a".repeat(306), "r1"))
            .is_ok()
    );
}

#[test]
fn configurations_that_cannot_work_are_refused() {
    let base = SmsConfig::generic(
        "https://sms.example.vn",
        "u",
        Secret("k".to_owned()),
        "MOTCUA",
    );
    let mut bad = Vec::new();
    let mut c = base.clone();
    c.endpoint = "ftp://sms.example.vn".to_owned();
    bad.push(c);
    let mut c = base.clone();
    c.brand_name = "TOO LONG NAME".to_owned();
    bad.push(c);
    let mut c = base.clone();
    c.brand_name = "Bưu điện".to_owned();
    bad.push(c);
    let mut c = base.clone();
    c.fields.text = c.fields.phone.clone();
    bad.push(c);
    let mut c = base.clone();
    c.auth = SmsAuth::Header {
        name: "X Api Key".to_owned(),
        api_key: Secret("k".to_owned()),
    };
    bad.push(c);
    let mut c = base.clone();
    c.success.success_codes.clear();
    bad.push(c);
    for config in bad {
        assert!(
            matches!(
                HttpSmsGateway::new(config.clone()),
                Err(ChannelError::NotConfigured(_))
            ),
            "{config:?}"
        );
    }
    assert!(HttpSmsGateway::new(base).is_ok());
}

#[test]
fn replies_are_judged_by_the_configured_rule() {
    let esms = SmsConfig::esms("https://e", "a", Secret("s".to_owned()), "B").success;
    assert_eq!(
        read_reply(
            &esms,
            &serde_json::json!({"CodeResult":"100","SMSID":"8f1c-22"}),
            "r1"
        ),
        Ok("8f1c-22".to_owned())
    );
    // A number in place of a string is the same code.
    assert_eq!(
        read_reply(
            &esms,
            &serde_json::json!({"CodeResult":100,"SMSID":7}),
            "r1"
        ),
        Ok("7".to_owned())
    );
    assert_eq!(
        read_reply(
            &esms,
            &serde_json::json!({"CodeResult":"99","ErrorMessage":"Lỗi"}),
            "r1"
        ),
        Err(ChannelError::Refused {
            code: "99".to_owned(),
            message: "Lỗi".to_owned(),
            permanent: false
        })
    );
    assert!(matches!(
        read_reply(&esms, &serde_json::json!({"SMSID":"1"}), "r1"),
        Err(ChannelError::Protocol(_))
    ));
    assert!(matches!(
        read_reply(&esms, &serde_json::json!({"CodeResult":"100"}), "r1"),
        Err(ChannelError::Protocol(_))
    ));

    // A nested id (SpeedSMS-like) and a gateway that returns no id at all.
    let nested = SuccessRule {
        code_field: "status".to_owned(),
        success_codes: vec!["success".to_owned()],
        message_field: "message".to_owned(),
        id_field: "data.tranId".to_owned(),
        permanent_codes: vec!["error".to_owned()],
    };
    assert_eq!(
        read_reply(
            &nested,
            &serde_json::json!({"status":"success","data":{"tranId":123}}),
            "r1"
        ),
        Ok("123".to_owned())
    );
    assert!(
        read_reply(&nested, &serde_json::json!({"status":"error"}), "r1")
            .expect_err("refused")
            .is_permanent()
    );
    let no_id = SuccessRule {
        id_field: String::new(),
        ..SuccessRule::generic()
    };
    assert_eq!(
        read_reply(&no_id, &serde_json::json!({"code":"00"}), "outbox-9"),
        Ok("outbox-9".to_owned())
    );
    let generic = SuccessRule::generic();
    assert!(
        read_reply(&generic, &serde_json::json!({"code":"20"}), "r")
            .expect_err("refused")
            .is_permanent()
    );
    assert!(
        !read_reply(&generic, &serde_json::json!({"code":"99"}), "r")
            .expect_err("refused")
            .is_permanent()
    );
}
