//! Fixed vectors: the expected texts and hashes below were computed independently of this
//! crate, with Python's standard library (`urllib.parse.urlencode` over the sorted pairs,
//! `hmac.new(secret, text, hashlib.sha512)`, `hashlib.sha256`), e.g.
//!
//! ```text
//! python3 -c 'import hmac,hashlib; print(hmac.new(b"SECRET…", b"vnp_Amount=…", hashlib.sha512).hexdigest())'
//! ```

use motcua_payments::paygov::{PayGov, PayGovConfig, ma_xac_thuc};
use motcua_payments::vnpay::{VnPay, VnPayConfig, pipe_hash};
use motcua_payments::{
    CallbackOutcome, Confirmation, FeeLine, FeeLineKind, InboundCallback, PaymentGateway,
    PaymentOrder, ReceiptInfo, format_gateway_time,
};
use time::macros::datetime;

const TMN: &str = "MOTCUA01";
const SECRET: &str = "SECRETKEY0123456789ABCDEFGHIJKLM";

fn vnpay() -> VnPay {
    VnPay::new(VnPayConfig {
        tmn_code: TMN.to_owned(),
        hash_secret: SECRET.to_owned(),
        pay_url: "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html".to_owned(),
        api_url: "https://sandbox.vnpayment.vn/merchant_webapi/api/transaction".to_owned(),
    })
    .expect("adapter")
}

fn paygov() -> PayGov {
    PayGov::new(PayGovConfig {
        partner_code: "MOTCUA".to_owned(),
        secret_key: "paygov-secret".to_owned(),
        api_url: "https://paygov.example.vn/api".to_owned(),
        bearer_token: Some("token".to_owned()),
    })
    .expect("adapter")
}

fn order() -> PaymentOrder {
    // 03:04:05 UTC is 10:04:05 in Vietnam.
    let created_at = datetime!(2026-01-02 03:04:05 UTC);
    PaymentOrder {
        reference: "HS20260101X1".to_owned(),
        amount_vnd: 1_234_567,
        description: "Lệ phí hộ tịch: đăng ký khai sinh".to_owned(),
        created_at,
        expires_at: datetime!(2026-01-02 03:19:05 UTC),
        client_ip: "203.0.113.7".to_owned(),
        return_url: "https://motcua.example.vn/payments/return?gw=vnpay".to_owned(),
        english: false,
        receipt: ReceiptInfo {
            dossier_code: "H29.123-260101-0001".to_owned(),
            procedure_code: "1.001234".to_owned(),
            procedure_name: "Đăng ký khai sinh".to_owned(),
            agency_code: "H29.123".to_owned(),
            agency_name: "UBND phường Ninh Kiều".to_owned(),
            payer_name: "Nguyễn Văn An".to_owned(),
            payer_personal_id: None,
            payer_address: None,
            fees: vec![
                FeeLine {
                    kind: FeeLineKind::Fee,
                    code: "PHI01".to_owned(),
                    name: "Phí".to_owned(),
                    amount_vnd: 1_000_000,
                },
                FeeLine {
                    kind: FeeLineKind::Charge,
                    code: "LEPHI01".to_owned(),
                    name: "Lệ phí".to_owned(),
                    amount_vnd: 234_567,
                },
            ],
        },
    }
}

const CHECKOUT_QUERY: &str = "vnp_Amount=123456700&vnp_Command=pay&vnp_CreateDate=20260102100405&vnp_CurrCode=VND&vnp_ExpireDate=20260102101905&vnp_IpAddr=203.0.113.7&vnp_Locale=vn&vnp_OrderInfo=Le+phi+ho+tich%3A+dang+ky+khai+sinh&vnp_OrderType=other&vnp_ReturnUrl=https%3A%2F%2Fmotcua.example.vn%2Fpayments%2Freturn%3Fgw%3Dvnpay&vnp_TmnCode=MOTCUA01&vnp_TxnRef=HS20260101X1&vnp_Version=2.1.0";
const CHECKOUT_HASH: &str = "7907306753d11b013ad6447b291db5d774c326060806d589375bd2899ba5c162d0f8cce79c9f51284a3059199a80d4ea8d5021223f9962236760e49e7f65e94f";

#[tokio::test]
async fn vnpay_checkout_url_matches_the_independent_vector() {
    let checkout = vnpay().checkout(&order()).await.expect("checkout");
    assert_eq!(
        checkout.redirect_url,
        format!(
            "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html?{CHECKOUT_QUERY}&vnp_SecureHash={CHECKOUT_HASH}"
        )
    );
}

const IPN_QUERY: &str = "vnp_Amount=123456700&vnp_BankCode=NCB&vnp_BankTranNo=VNP14000001&vnp_CardType=ATM&vnp_OrderInfo=Le+phi+ho+tich%3A+dang+ky+khai+sinh&vnp_PayDate=20260102101000&vnp_ResponseCode=00&vnp_TmnCode=MOTCUA01&vnp_TransactionNo=14000001&vnp_TransactionStatus=00&vnp_TxnRef=HS20260101X1";
const IPN_HASH: &str = "12394e5cfd3293c2a86bea1449e0153f490586b781d2f57d72b158a27eaaf827cca6aa5bc83aab3ad25d09cb8166370b0b6a862a665ece1301585914e0ca8f61";

#[test]
fn vnpay_ipn_vector_verifies_in_any_parameter_order_and_encoding() {
    let gateway = vnpay();
    let expected = Confirmation::Paid {
        reference: "HS20260101X1".to_owned(),
        amount_vnd: 1_234_567,
        gateway_transaction: "14000001".to_owned(),
        paid_at: Some(datetime!(2026-01-02 03:10:00 UTC)),
    };
    let canonical = format!("{IPN_QUERY}&vnp_SecureHash={IPN_HASH}");
    // VNPay may send the parameters in another order, spaces as %20, the hash in capitals,
    // and the merchant's own parameters around them.
    let reordered = format!(
        "gw=vnpay&vnp_SecureHash={}&vnp_TxnRef=HS20260101X1&vnp_OrderInfo=Le%20phi%20ho%20tich%3a%20dang%20ky%20khai%20sinh&vnp_Amount=123456700&vnp_BankCode=NCB&vnp_BankTranNo=VNP14000001&vnp_CardType=ATM&vnp_PayDate=20260102101000&vnp_ResponseCode=00&vnp_TmnCode=MOTCUA01&vnp_TransactionNo=14000001&vnp_TransactionStatus=00&vnp_SecureHashType=HmacSHA512",
        IPN_HASH.to_uppercase()
    );
    for query in [canonical, reordered] {
        let inbound = InboundCallback {
            query,
            body: Vec::new(),
        };
        assert_eq!(gateway.verify_confirmation(&inbound), Ok(expected.clone()));
        assert_eq!(gateway.verify_return(&inbound), Ok(expected.clone()));
    }
}

#[test]
fn vnpay_querydr_pipe_hash_vector() {
    assert_eq!(
        pipe_hash(
            SECRET,
            &[
                "REQ1",
                "2.1.0",
                "querydr",
                "MOTCUA01",
                "HS20260101X1",
                "20260102100405",
                "20260102110000",
                "127.0.0.1",
                "Truy van giao dich HS20260101X1",
            ]
        ),
        "596fbb7f1c427f121f78755ded848c8302c851788e2afc450e103e3bd4efe2c9a155eb8231e377e92f0134aeec54f0d859f4225e57473c744bcb6e6a104311b5"
    );
}

#[test]
fn vnpay_replies_are_the_documented_json() {
    let gateway = vnpay();
    let body = |outcome| gateway.reply(outcome).body;
    assert_eq!(
        body(CallbackOutcome::Accepted),
        r#"{"RspCode":"00","Message":"Confirm Success"}"#
    );
    assert_eq!(
        body(CallbackOutcome::UnknownReference),
        r#"{"RspCode":"01","Message":"Order not found"}"#
    );
    assert_eq!(
        body(CallbackOutcome::AlreadyConfirmed),
        r#"{"RspCode":"02","Message":"Order already confirmed"}"#
    );
    assert_eq!(
        body(CallbackOutcome::AmountMismatch),
        r#"{"RspCode":"04","Message":"Invalid amount"}"#
    );
    assert_eq!(
        body(CallbackOutcome::BadSignature),
        r#"{"RspCode":"97","Message":"Invalid signature"}"#
    );
    assert!(body(CallbackOutcome::Error).starts_with(r#"{"RspCode":"99""#));
    assert!(body(CallbackOutcome::Malformed).starts_with(r#"{"RspCode":"99""#));
    let reply = gateway.reply(CallbackOutcome::Accepted);
    assert_eq!(
        (reply.status, reply.content_type),
        (200, "application/json")
    );
}

#[test]
fn paygov_init_ma_xac_thuc_matches_the_independent_vector() {
    let message = paygov().init_message(&order()).expect("INIT");
    assert_eq!(
        message["MaXacThuc"],
        "4bbf13f82c02403fdc32a69eba934f3f19ed6a5cace3ea078d05742ca4572c81"
    );
    assert_eq!(message["ThoiGianGD"], "20260102100405");
    assert_eq!(message["SoTien"], "1234567");
    assert_eq!(
        message["ThongTinGiaoDich"],
        "Le phi ho tich: dang ky khai sinh"
    );
    let fees = &message["ThongTinBienLai"]["PhiLePhi"];
    assert_eq!(fees[0]["LoaiPhiLePhi"], "Phi");
    assert_eq!(fees[1]["LoaiPhiLePhi"], "LePhi");
    assert_eq!(fees[1]["SoTien"], "234567");
    assert_eq!(message["ThongTinBienLai"]["MaHoSo"], "H29.123-260101-0001");
    assert_eq!(message["ThongTinBienLai"]["MaDichVu"], "2");
}

#[test]
fn paygov_confirm_vector_verifies() {
    let body = r#"{"LoaiBanTin":"CONFIRM","MaLoi":"00","MaDoiTac":"MOTCUA","MaThamChieu":"HS20260101X1","SoTien":1234567,"MaTienTe":"VND","MaGiaoDich":"14000001","MaNganHang":"VCB","ThoiGianGD":"20260102101000","ThongTinGiaoDich":"Lệ phí hộ tịch","MaXacThuc":"8ab89662c11a5ba87c3a5f2a8c06e562b793ad775b13e81b799e289bf2c0dc3b"}"#;
    let gateway = paygov();
    let expected = Confirmation::Paid {
        reference: "HS20260101X1".to_owned(),
        amount_vnd: 1_234_567,
        gateway_transaction: "14000001".to_owned(),
        paid_at: Some(datetime!(2026-01-02 03:10:00 UTC)),
    };
    let confirm = |body: &str| {
        gateway.verify_confirmation(&InboundCallback {
            query: String::new(),
            body: body.as_bytes().to_vec(),
        })
    };
    assert_eq!(confirm(body), Ok(expected));
    // SoTien as a string signs the same digits.
    assert!(confirm(&body.replace("1234567,", "\"1234567\",")).is_ok());
    assert_eq!(
        confirm(&body.replace("1234567,", "1234568,")),
        Err(motcua_payments::CallbackError::BadSignature)
    );
    assert_eq!(
        ma_xac_thuc(
            "paygov-secret",
            &[
                "CONFIRM",
                "00",
                "MOTCUA",
                "HS20260101X1",
                "1234567",
                "VND",
                "14000001",
                "VCB",
                "20260102101000",
                "Lệ phí hộ tịch"
            ]
        ),
        "8ab89662c11a5ba87c3a5f2a8c06e562b793ad775b13e81b799e289bf2c0dc3b"
    );
}

#[test]
fn paygov_replies() {
    let gateway = paygov();
    let reply = gateway.reply(CallbackOutcome::Accepted);
    assert_eq!(reply.status, 200);
    let body: serde_json::Value = serde_json::from_str(&reply.body).expect("JSON");
    assert_eq!(body["error_code"], "0");
    let duplicate: serde_json::Value =
        serde_json::from_str(&gateway.reply(CallbackOutcome::AlreadyConfirmed).body).expect("JSON");
    assert_eq!(duplicate["error_code"], "0");
    for outcome in [
        CallbackOutcome::UnknownReference,
        CallbackOutcome::AmountMismatch,
        CallbackOutcome::BadSignature,
        CallbackOutcome::Malformed,
        CallbackOutcome::Error,
    ] {
        let reply = gateway.reply(outcome);
        let body: serde_json::Value = serde_json::from_str(&reply.body).expect("JSON");
        assert_ne!(body["error_code"], "0", "{outcome:?}");
    }
    assert_eq!(gateway.reply(CallbackOutcome::Error).status, 500);
}

#[test]
fn gateway_time_is_24_hour_vietnam_time() {
    assert_eq!(
        format_gateway_time(datetime!(2026-01-02 08:04:05 UTC)),
        "20260102150405"
    );
    assert_eq!(
        format_gateway_time(datetime!(2026-12-31 17:00:00 UTC)),
        "20270101000000"
    );
}

#[test]
fn secrets_never_print() {
    let text = format!("{:?} {:?}", vnpay(), paygov());
    assert!(!text.contains(SECRET), "{text}");
    assert!(!text.contains("paygov-secret"), "{text}");
    assert!(!text.contains("token\""), "{text}");
    assert!(text.contains("[redacted]"));
}

/// A signed IPN/return query with `changes` applied to a paid one.
fn ipn(changes: &[(&str, &str)]) -> InboundCallback {
    let mut params: Vec<(&str, &str)> = vec![
        ("vnp_Amount", "123456700"),
        ("vnp_OrderInfo", "Le phi"),
        ("vnp_PayDate", "20260102101000"),
        ("vnp_ResponseCode", "00"),
        ("vnp_TmnCode", TMN),
        ("vnp_TransactionNo", "14000001"),
        ("vnp_TransactionStatus", "00"),
        ("vnp_TxnRef", "HS1"),
    ];
    for (key, value) in changes {
        params.retain(|(k, _)| k != key);
        params.push((key, value));
    }
    InboundCallback {
        query: motcua_payments::vnpay::sign_params(SECRET, params),
        body: Vec::new(),
    }
}

#[test]
fn vnpay_callbacks_pay_only_when_both_codes_say_so() {
    use motcua_payments::CallbackError;
    let gateway = vnpay();
    assert!(matches!(
        gateway.verify_confirmation(&ipn(&[])),
        Ok(Confirmation::Paid {
            amount_vnd: 1_234_567,
            ..
        })
    ));
    let not_paid = |code: &str| {
        Ok(Confirmation::NotPaid {
            reference: "HS1".to_owned(),
            amount_vnd: 1_234_567,
            code: code.to_owned(),
        })
    };
    assert_eq!(
        gateway.verify_confirmation(&ipn(&[("vnp_TransactionStatus", "02")])),
        not_paid("02")
    );
    assert_eq!(
        gateway.verify_confirmation(&ipn(&[
            ("vnp_ResponseCode", "24"),
            ("vnp_TransactionStatus", "02")
        ])),
        not_paid("24")
    );
    assert_eq!(
        gateway.verify_confirmation(&ipn(&[("vnp_ResponseCode", "07")])),
        not_paid("07")
    );
    // Signed, but not whole đồng, not ours, or incomplete.
    for changes in [
        &[("vnp_Amount", "123456750")][..],
        &[("vnp_Amount", "0")],
        &[("vnp_TmnCode", "OTHER001")],
        &[("vnp_TxnRef", "")],
        &[("vnp_TransactionStatus", "")],
        &[("vnp_TransactionNo", "")],
    ] {
        assert!(
            matches!(
                gateway.verify_confirmation(&ipn(changes)),
                Err(CallbackError::Malformed(_))
            ),
            "{changes:?}"
        );
    }
    // A parameter given twice is ambiguous; no hash at all is not VNPay's.
    let twice = format!("{}&vnp_TxnRef=HS2", ipn(&[]).query);
    assert!(matches!(
        gateway.verify_confirmation(&InboundCallback {
            query: twice,
            body: Vec::new()
        }),
        Err(CallbackError::Malformed(_))
    ));
    let unsigned = ipn(&[])
        .query
        .split("&vnp_SecureHash=")
        .next()
        .unwrap_or("")
        .to_owned();
    assert_eq!(
        gateway.verify_confirmation(&InboundCallback {
            query: unsigned,
            body: Vec::new()
        }),
        Err(CallbackError::BadSignature)
    );
}

#[test]
fn paygov_confirmations_read_the_error_code_and_check_the_partner() {
    use motcua_payments::CallbackError;
    use motcua_payments::paygov::{CONFIRM_FIELDS, ma_xac_thuc_of};
    let gateway = paygov();
    let confirm = |changes: &[(&str, serde_json::Value)]| {
        let mut message = serde_json::json!({
            "LoaiBanTin": "CONFIRM", "MaLoi": "00", "MaDoiTac": "MOTCUA", "MaThamChieu": "PG1",
            "SoTien": 25000, "MaTienTe": "VND", "MaGiaoDich": "7", "MaNganHang": "VCB",
            "ThoiGianGD": "20260102101000", "ThongTinGiaoDich": "Le phi",
        });
        for (key, value) in changes {
            message[*key] = value.clone();
        }
        message["MaXacThuc"] = ma_xac_thuc_of("paygov-secret", &message, &CONFIRM_FIELDS).into();
        gateway.verify_confirmation(&InboundCallback {
            query: String::new(),
            body: message.to_string().into_bytes(),
        })
    };
    assert!(matches!(
        confirm(&[]),
        Ok(Confirmation::Paid {
            amount_vnd: 25_000,
            ..
        })
    ));
    assert_eq!(
        confirm(&[("MaLoi", "10".into())]),
        Ok(Confirmation::NotPaid {
            reference: "PG1".to_owned(),
            amount_vnd: 25_000,
            code: "10".to_owned()
        })
    );
    for changes in [
        &[("MaDoiTac", serde_json::Value::from("OTHER"))][..],
        &[("SoTien", 0.into())],
        &[("SoTien", "25000.5".into())],
        &[("MaTienTe", "USD".into())],
        &[("MaLoi", "".into())],
        &[("MaGiaoDich", "".into())],
    ] {
        assert!(
            matches!(confirm(changes), Err(CallbackError::Malformed(_))),
            "{changes:?}"
        );
    }
    assert!(matches!(
        gateway.verify_confirmation(&InboundCallback {
            query: String::new(),
            body: b"not json".to_vec(),
        }),
        Err(CallbackError::Malformed(_))
    ));
}
