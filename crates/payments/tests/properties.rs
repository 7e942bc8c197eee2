//! Properties of the signatures and the amount rules: what is signed verifies, and changing,
//! removing or adding any signed field makes it fail.

use motcua_payments::paygov::{CONFIRM_FIELDS, PayGov, PayGovConfig, ma_xac_thuc_of};
use motcua_payments::vnpay::{
    amount_from_vnpay, amount_to_vnpay, canonical_query, sign_params, verify_params,
};
use motcua_payments::{CallbackError, GatewayError, InboundCallback, PaymentGateway};
use proptest::prelude::*;
use std::collections::BTreeMap;

const SECRET: &str = "SECRETKEY0123456789ABCDEFGHIJKLM";

/// A map of `vnp_*` parameters with non-empty values of any characters.
fn params() -> impl Strategy<Value = BTreeMap<String, String>> {
    prop::collection::btree_map("vnp_[A-Za-z]{1,12}", "\\PC{1,20}", 1..12)
}

fn signed(params: &BTreeMap<String, String>) -> String {
    sign_params(SECRET, params.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

proptest! {
    #[test]
    fn vnpay_signed_params_verify_and_read_back(params in params()) {
        let query = signed(&params);
        prop_assert_eq!(verify_params(SECRET, &query), Ok(params));
    }

    #[test]
    fn vnpay_changing_any_value_fails(params in params(), pick in any::<prop::sample::Index>(), new in "\\PC{1,20}") {
        let key = pick.get(&params.keys().cloned().collect::<Vec<_>>()).clone();
        prop_assume!(params[&key] != new);
        let query = signed(&params);
        let mut tampered = params.clone();
        tampered.insert(key, new);
        // The tampered parameters with the original hash.
        let hash = query.rsplit_once("vnp_SecureHash=").map(|(_, h)| h.to_owned()).unwrap_or_default();
        let forged = format!(
            "{}&vnp_SecureHash={hash}",
            canonical_query(tampered.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        );
        prop_assert_eq!(verify_params(SECRET, &forged), Err(CallbackError::BadSignature));
    }

    #[test]
    fn vnpay_removing_or_adding_a_parameter_fails(params in params(), pick in any::<prop::sample::Index>(), extra in "[a-z0-9]{1,10}") {
        let query = signed(&params);
        let (_, hash) = query.rsplit_once("vnp_SecureHash=").unwrap_or(("", ""));
        let key = pick.get(&params.keys().cloned().collect::<Vec<_>>()).clone();
        let mut fewer = params.clone();
        fewer.remove(&key);
        let mut more = params.clone();
        more.insert("vnp_Zextra".to_owned(), extra);
        for changed in [fewer, more] {
            let forged = format!(
                "{}&vnp_SecureHash={hash}",
                canonical_query(changed.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            );
            prop_assert_eq!(verify_params(SECRET, &forged), Err(CallbackError::BadSignature));
        }
    }

    #[test]
    fn vnpay_changing_the_hash_or_the_key_fails(params in params(), pick in 0usize..128, other_key in "[A-Za-z0-9]{1,40}") {
        prop_assume!(other_key != SECRET);
        let query = signed(&params);
        let (body, hash) = query.rsplit_once('=').unwrap_or(("", ""));
        let mut bytes = hash.as_bytes().to_vec();
        let i = pick % bytes.len();
        bytes[i] = if bytes[i] == b'0' { b'1' } else { b'0' };
        let flipped = format!("{body}={}", String::from_utf8_lossy(&bytes));
        prop_assert_eq!(verify_params(SECRET, &flipped), Err(CallbackError::BadSignature));
        prop_assert_eq!(verify_params(&other_key, &query), Err(CallbackError::BadSignature));
    }

    #[test]
    fn canonical_query_ignores_order_and_empty_values(params in params(), empty_key in "vnp_[a-z]{1,8}") {
        let mut pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let sorted = canonical_query(pairs.iter().copied());
        pairs.reverse();
        if !params.contains_key(&empty_key) {
            pairs.push((empty_key.as_str(), ""));
        }
        prop_assert_eq!(canonical_query(pairs), sorted);
    }

    #[test]
    fn amounts_round_trip_through_hundredths(amount in 1i64..=(i64::MAX / 100)) {
        let sent = amount_to_vnpay(amount).expect("a positive amount");
        prop_assert_eq!(sent.clone(), (i128::from(amount) * 100).to_string());
        prop_assert_eq!(amount_from_vnpay(&sent), Ok(amount));
    }

    #[test]
    fn amounts_that_are_not_whole_dong_are_refused(hundredths in 1i64..=i64::MAX) {
        prop_assume!(hundredths % 100 != 0);
        prop_assert!(amount_from_vnpay(&hundredths.to_string()).is_err());
    }

    #[test]
    fn paygov_changing_any_confirm_field_fails(
        values in prop::collection::vec("\\PC{0,16}", CONFIRM_FIELDS.len()),
        pick in 0usize..CONFIRM_FIELDS.len(),
        new in "\\PC{1,16}",
    ) {
        let mut message = serde_json::Map::new();
        for (field, value) in CONFIRM_FIELDS.iter().zip(&values) {
            message.insert((*field).to_owned(), value.clone().into());
        }
        // A readable confirmation: our partner code, a positive amount.
        message.insert("MaDoiTac".to_owned(), "MOTCUA".into());
        message.insert("SoTien".to_owned(), 25_000.into());
        message.insert("MaTienTe".to_owned(), "VND".into());
        message.insert("MaThamChieu".to_owned(), "PG1".into());
        message.insert("MaLoi".to_owned(), "00".into());
        message.insert("MaGiaoDich".to_owned(), "1".into());
        let mut message = serde_json::Value::Object(message);
        let signature = ma_xac_thuc_of("paygov-secret", &message, &CONFIRM_FIELDS);
        message["MaXacThuc"] = signature.into();
        let gateway = paygov();
        let read = |message: &serde_json::Value| gateway.verify_confirmation(&InboundCallback {
            query: String::new(),
            body: message.to_string().into_bytes(),
        });
        prop_assert!(read(&message).is_ok());

        let field = CONFIRM_FIELDS[pick];
        let current = match &message[field] {
            serde_json::Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        prop_assume!(current != new);
        let mut tampered = message.clone();
        tampered[field] = new.into();
        prop_assert_eq!(read(&tampered), Err(CallbackError::BadSignature));
        let mut missing = message.clone();
        if let Some(object) = missing.as_object_mut() {
            object.remove("MaXacThuc");
        }
        prop_assert_eq!(read(&missing), Err(CallbackError::BadSignature));
    }
}

fn paygov() -> PayGov {
    PayGov::new(PayGovConfig {
        partner_code: "MOTCUA".to_owned(),
        secret_key: "paygov-secret".to_owned(),
        api_url: "https://paygov.example.vn/api".to_owned(),
        bearer_token: None,
    })
    .expect("adapter")
}

#[test]
fn amount_edges() {
    assert_eq!(amount_to_vnpay(1), Ok("100".to_owned()));
    for bad in [0, -1, i64::MIN, i64::MAX / 100 + 1] {
        assert!(
            matches!(amount_to_vnpay(bad), Err(GatewayError::InvalidOrder(_))),
            "{bad}"
        );
    }
    assert_eq!(amount_from_vnpay("100"), Ok(1));
    assert_eq!(amount_from_vnpay("123456700"), Ok(1_234_567));
    // The largest amount that fits: 19 digits.
    let largest = i64::MAX / 100;
    assert_eq!(amount_from_vnpay(&(largest * 100).to_string()), Ok(largest));
    for bad in [
        "",
        "0",
        "00",
        "50",
        "150",
        "-100",
        "+100",
        "1e4",
        "100.00",
        " 100",
        "99999999999999999999",
    ] {
        assert!(amount_from_vnpay(bad).is_err(), "{bad:?}");
    }
}
