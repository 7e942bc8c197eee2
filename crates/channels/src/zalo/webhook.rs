//! The events Zalo POSTs to the OA's webhook, signed in the `X-ZEvent-Signature` header.
//!
//! The header is `mac=<hex sha256(app_id + raw_body + timestamp + oa_secret_key)>`: a plain
//! SHA-256 of the concatenation (not an HMAC), over the body bytes exactly as received, with
//! `timestamp` the event's own field (epoch milliseconds, sent as a string) and the OA secret
//! key (not the app secret). Zalo expects a fast 200; the app processes the event afterwards and
//! drops a `msg_id` it has already seen (Zalo delivers again when it gets no answer).

use super::ZaloConfig;
use crate::http::field_text;
use crate::{ChannelError, constant_time_eq};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "X-ZEvent-Signature";

/// A verified webhook event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    pub app_id: String,
    /// `user_send_text`, `user_send_image`, `follow`, `unfollow`, `user_click_button`, …
    pub event_name: String,
    /// Who acted: `sender.id` (for `follow`/`unfollow`, `follower.id`); empty when the event
    /// names nobody.
    pub sender_id: String,
    /// `recipient.id` (the OA for a user's message), else `oa_id`; empty when neither is given.
    pub recipient_id: String,
    /// `message.text` of a text message.
    pub text: Option<String>,
    /// `message.msg_id`, the key the app deduplicates deliveries by.
    pub msg_id: Option<String>,
    /// The event's `timestamp`, epoch milliseconds.
    pub timestamp_ms: i64,
}

/// The `X-ZEvent-Signature` value for an event body: `mac=` and the lowercase hex SHA-256 of
/// `app_id`, the raw body, `timestamp` and the OA secret key, concatenated.
pub fn webhook_signature(
    app_id: &str,
    raw_body: &[u8],
    timestamp: &str,
    oa_secret_key: &str,
) -> String {
    let mut hasher = Sha256::new();
    hasher.update(app_id.as_bytes());
    hasher.update(raw_body);
    hasher.update(timestamp.as_bytes());
    hasher.update(oa_secret_key.as_bytes());
    format!("mac={}", hex::encode(hasher.finalize()))
}

/// Verifies a webhook delivery and reads its event.
///
/// The signature is computed with our `app_id` over `raw_body` as received (never over
/// re-serialised JSON) and compared in constant time; then the event must name our app, and its
/// timestamp must lie within `max_age_ms` of `now_ms` either way (older: a replay; newer: a
/// clock that cannot be trusted).
///
/// # Errors
///
/// [`ChannelError::BadSignature`] when the header is missing or does not match,
/// [`ChannelError::Malformed`] when the body is not an event (not JSON, no numeric timestamp,
/// no `event_name`) or names another app, [`ChannelError::Stale`] when the timestamp is out of
/// the window. All are permanent: answer the sender with a 4xx and do nothing.
pub fn verify_webhook(
    config: &ZaloConfig,
    raw_body: &[u8],
    signature_header: Option<&str>,
    now_ms: i64,
    max_age_ms: i64,
) -> Result<WebhookEvent, ChannelError> {
    let given = signature_header
        .map(str::trim)
        .and_then(|header| header.strip_prefix("mac="))
        .ok_or(ChannelError::BadSignature)?;
    let body: Value = serde_json::from_slice(raw_body)
        .map_err(|e| ChannelError::Malformed(format!("the event is not JSON: {e}")))?;
    if !body.is_object() {
        return Err(ChannelError::Malformed(
            "the event is not a JSON object".to_owned(),
        ));
    }
    let timestamp = field_text(&body, "timestamp");
    let expected = webhook_signature(
        &config.app_id,
        raw_body,
        &timestamp,
        config.oa_secret_key.expose(),
    );
    let given = format!("mac={}", given.to_ascii_lowercase());
    if !constant_time_eq(expected.as_bytes(), given.as_bytes()) {
        return Err(ChannelError::BadSignature);
    }
    let app_id = field_text(&body, "app_id");
    if app_id != config.app_id {
        return Err(ChannelError::Malformed(
            "the event is for another app".to_owned(),
        ));
    }
    let timestamp_ms: i64 = timestamp
        .parse()
        .map_err(|_| ChannelError::Malformed("the event has no numeric timestamp".to_owned()))?;
    if now_ms.saturating_sub(timestamp_ms) > max_age_ms
        || timestamp_ms.saturating_sub(now_ms) > max_age_ms
    {
        return Err(ChannelError::Stale);
    }
    let event_name = field_text(&body, "event_name");
    if event_name.is_empty() {
        return Err(ChannelError::Malformed(
            "the event has no event_name".to_owned(),
        ));
    }
    let nested = |outer: &str, key: &str| {
        body.get(outer)
            .map(|inner| field_text(inner, key))
            .filter(|value| !value.is_empty())
    };
    let sender_id = nested("sender", "id")
        .or_else(|| nested("follower", "id"))
        .unwrap_or_default();
    let recipient_id = nested("recipient", "id")
        .or_else(|| Some(field_text(&body, "oa_id")).filter(|id| !id.is_empty()))
        .unwrap_or_default();
    let text = body
        .get("message")
        .and_then(|message| message.get("text"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(WebhookEvent {
        app_id,
        event_name,
        sender_id,
        recipient_id,
        text,
        msg_id: nested("message", "msg_id"),
        timestamp_ms,
    })
}
