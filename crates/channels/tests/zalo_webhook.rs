//! Zalo's webhook signature: pinned vectors (computed independently with Python's hashlib), and
//! every way an event can be altered or replayed is refused.

use motcua_channels::zalo::{ZaloConfig, verify_webhook, webhook_signature};
use motcua_channels::{ChannelError, Secret};
use proptest::prelude::*;

const APP_ID: &str = "3829391018237482910";
const OA_SECRET: &str = "oa-secret-K3y";
const TIMESTAMP: &str = "1767225600000";
const NOW_MS: i64 = 1_767_225_600_000;
const MAX_AGE_MS: i64 = 5 * 60 * 1000;
const BODY: &str = r#"{"app_id":"3829391018237482910","event_name":"user_send_text","timestamp":"1767225600000","sender":{"id":"2512345678901234567"},"recipient":{"id":"579745863508352884"},"message":{"text":"Tra cứu hồ sơ H29.123-260101-0001","msg_id":"a1b2c3d4e5"}}"#;
/// `hashlib.sha256((APP_ID + BODY + TIMESTAMP + OA_SECRET).encode()).hexdigest()`.
const BODY_SIGNATURE: &str = "mac=52155b1c32968adc478b59d182641886153e432f8636c15876ffebb90bd7d777";

fn config() -> ZaloConfig {
    ZaloConfig::production(
        APP_ID,
        Secret("app-secret".to_owned()),
        Secret(OA_SECRET.to_owned()),
    )
}

fn verify(body: &str, signature: Option<&str>, now_ms: i64) -> Result<(), ChannelError> {
    verify_webhook(&config(), body.as_bytes(), signature, now_ms, MAX_AGE_MS).map(|_| ())
}

#[test]
fn the_signature_matches_the_pinned_vectors() {
    assert_eq!(
        webhook_signature(APP_ID, BODY.as_bytes(), TIMESTAMP, OA_SECRET),
        BODY_SIGNATURE
    );
    // sha256("1" + "{}" + "2" + "k"): a plain hash of the concatenation, not an HMAC.
    assert_eq!(
        webhook_signature("1", b"{}", "2", "k"),
        "mac=de8e4e4cd3996baf4a4549475ad3ebf35118b2bcef3fbe9dc44903244f01e17e"
    );
}

#[test]
fn a_signed_text_event_is_read() {
    let event = verify_webhook(
        &config(),
        BODY.as_bytes(),
        Some(BODY_SIGNATURE),
        NOW_MS,
        MAX_AGE_MS,
    )
    .expect("the pinned event verifies");
    assert_eq!(event.app_id, APP_ID);
    assert_eq!(event.event_name, "user_send_text");
    assert_eq!(event.sender_id, "2512345678901234567");
    assert_eq!(event.recipient_id, "579745863508352884");
    assert_eq!(
        event.text.as_deref(),
        Some("Tra cứu hồ sơ H29.123-260101-0001")
    );
    assert_eq!(event.msg_id.as_deref(), Some("a1b2c3d4e5"));
    assert_eq!(event.timestamp_ms, NOW_MS);
}

#[test]
fn uppercase_hex_and_surrounding_spaces_are_accepted() {
    let upper = format!("  mac={}  ", BODY_SIGNATURE["mac=".len()..].to_uppercase());
    assert_eq!(verify(BODY, Some(&upper), NOW_MS), Ok(()));
}

#[test]
fn a_missing_or_misshapen_header_is_a_bad_signature() {
    assert_eq!(verify(BODY, None, NOW_MS), Err(ChannelError::BadSignature));
    assert_eq!(
        verify(BODY, Some(""), NOW_MS),
        Err(ChannelError::BadSignature)
    );
    let bare = &BODY_SIGNATURE["mac=".len()..];
    assert_eq!(
        verify(BODY, Some(bare), NOW_MS),
        Err(ChannelError::BadSignature)
    );
}

#[test]
fn a_changed_body_is_a_bad_signature() {
    let changed = BODY.replace("H29.123-260101-0001", "H29.123-260101-0002");
    assert_eq!(
        verify(&changed, Some(BODY_SIGNATURE), NOW_MS),
        Err(ChannelError::BadSignature)
    );
    // Re-serialised JSON (other spacing) is not what was signed.
    let spaced = BODY.replace("\":\"", "\": \"");
    assert_eq!(
        verify(&spaced, Some(BODY_SIGNATURE), NOW_MS),
        Err(ChannelError::BadSignature)
    );
}

#[test]
fn a_changed_timestamp_is_a_bad_signature() {
    let later = BODY.replace(TIMESTAMP, "1767225660000");
    assert_eq!(
        verify(&later, Some(BODY_SIGNATURE), NOW_MS),
        Err(ChannelError::BadSignature)
    );
}

#[test]
fn another_secret_is_a_bad_signature() {
    let forged = webhook_signature(APP_ID, BODY.as_bytes(), TIMESTAMP, "app-secret");
    assert_eq!(
        verify(BODY, Some(&forged), NOW_MS),
        Err(ChannelError::BadSignature)
    );
}

#[test]
fn an_event_for_another_app_is_refused() {
    let other = BODY.replace(APP_ID, "1111111111111111111");
    // Signed by the other app's rules: our app id is not in its signature.
    let theirs = webhook_signature(
        "1111111111111111111",
        other.as_bytes(),
        TIMESTAMP,
        OA_SECRET,
    );
    assert_eq!(
        verify(&other, Some(&theirs), NOW_MS),
        Err(ChannelError::BadSignature)
    );
    // Signed with our app id and key but naming another app in the body.
    let ours = webhook_signature(APP_ID, other.as_bytes(), TIMESTAMP, OA_SECRET);
    assert!(matches!(
        verify(&other, Some(&ours), NOW_MS),
        Err(ChannelError::Malformed(message)) if message.contains("another app")
    ));
}

#[test]
fn stale_and_future_events_are_refused() {
    assert_eq!(
        verify(BODY, Some(BODY_SIGNATURE), NOW_MS + MAX_AGE_MS),
        Ok(())
    );
    assert_eq!(
        verify(BODY, Some(BODY_SIGNATURE), NOW_MS + MAX_AGE_MS + 1),
        Err(ChannelError::Stale)
    );
    assert_eq!(
        verify(BODY, Some(BODY_SIGNATURE), NOW_MS - MAX_AGE_MS),
        Ok(())
    );
    assert_eq!(
        verify(BODY, Some(BODY_SIGNATURE), NOW_MS - MAX_AGE_MS - 1),
        Err(ChannelError::Stale)
    );
}

#[test]
fn bodies_that_are_not_events_are_malformed() {
    let not_json = "app_id=1";
    let signature = webhook_signature(APP_ID, not_json.as_bytes(), "", OA_SECRET);
    assert!(matches!(
        verify(not_json, Some(&signature), NOW_MS),
        Err(ChannelError::Malformed(_))
    ));
    let no_timestamp = format!(r#"{{"app_id":"{APP_ID}","event_name":"follow"}}"#);
    let signature = webhook_signature(APP_ID, no_timestamp.as_bytes(), "", OA_SECRET);
    assert!(matches!(
        verify(&no_timestamp, Some(&signature), NOW_MS),
        Err(ChannelError::Malformed(message)) if message.contains("timestamp")
    ));
    let no_name = format!(r#"{{"app_id":"{APP_ID}","timestamp":"{TIMESTAMP}"}}"#);
    let signature = webhook_signature(APP_ID, no_name.as_bytes(), TIMESTAMP, OA_SECRET);
    assert!(matches!(
        verify(&no_name, Some(&signature), NOW_MS),
        Err(ChannelError::Malformed(message)) if message.contains("event_name")
    ));
}

#[test]
fn a_follow_event_names_the_follower_and_the_oa() {
    let body = format!(
        r#"{{"oa_id":"579745863508352884","follower":{{"id":"2512345678901234567"}},"user_id_by_app":"55","event_name":"follow","app_id":"{APP_ID}","timestamp":{TIMESTAMP}}}"#
    );
    // The timestamp is a JSON number here: it is signed in its JSON spelling.
    let signature = webhook_signature(APP_ID, body.as_bytes(), TIMESTAMP, OA_SECRET);
    let event = verify_webhook(
        &config(),
        body.as_bytes(),
        Some(&signature),
        NOW_MS,
        MAX_AGE_MS,
    )
    .expect("a follow event verifies");
    assert_eq!(event.event_name, "follow");
    assert_eq!(event.sender_id, "2512345678901234567");
    assert_eq!(event.recipient_id, "579745863508352884");
    assert_eq!(event.text, None);
    assert_eq!(event.msg_id, None);
}

proptest! {
    #[test]
    fn any_changed_byte_of_body_or_signature_is_refused(
        index in 0usize..(BODY.len() + BODY_SIGNATURE.len()),
        mask in 1u8..=255,
    ) {
        let mut body = BODY.as_bytes().to_vec();
        let mut signature = BODY_SIGNATURE.as_bytes().to_vec();
        if index < body.len() {
            body[index] ^= mask;
        } else {
            signature[index - body.len()] ^= mask;
        }
        // A changed header byte may no longer be UTF-8, which a header cannot carry anyway.
        let header = String::from_utf8(signature).ok();
        let outcome = verify_webhook(&config(), &body, header.as_deref(), NOW_MS, MAX_AGE_MS);
        // Changing the case of a hex digit is the one change that keeps the meaning.
        let case_only = index >= BODY.len()
            && index - BODY.len() >= "mac=".len()
            && header.as_deref().is_some_and(|h| h.eq_ignore_ascii_case(BODY_SIGNATURE));
        prop_assert!(outcome.is_err() || case_only, "{outcome:?}");
    }

    #[test]
    fn any_text_survives_signing_and_verifying(text in any::<String>(), offset in -MAX_AGE_MS..=MAX_AGE_MS) {
        let timestamp = (NOW_MS + offset).to_string();
        let body = serde_json::json!({
            "app_id": APP_ID,
            "event_name": "user_send_text",
            "timestamp": timestamp,
            "sender": { "id": "2512345678901234567" },
            "recipient": { "id": "579745863508352884" },
            "message": { "text": text, "msg_id": "m1" },
        })
        .to_string();
        let signature = webhook_signature(APP_ID, body.as_bytes(), &timestamp, OA_SECRET);
        let event = verify_webhook(&config(), body.as_bytes(), Some(&signature), NOW_MS, MAX_AGE_MS);
        prop_assert_eq!(event.map(|e| e.text), Ok(Some(text)));
    }
}
