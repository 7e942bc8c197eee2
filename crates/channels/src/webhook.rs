//! Webhooks to other systems (thông báo cho hệ thống kết nối): a JSON event POSTed to the URL
//! a system client subscribed, signed so the receiver knows it came from us and was not
//! replayed. The scheme is the one payment and chat platforms use:
//!
//! `X-MotCua-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`
//!
//! with `X-MotCua-Event` (the event name) and `X-MotCua-Delivery` (the outbox row id: the same
//! on every retry of one event, so a receiver can drop a repeat). A 2xx answer is delivery; a
//! 4xx other than 408 and 429 is a refusal retrying cannot change; anything else is retried
//! by the outbox with backoff.

use crate::ChannelError;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SIGNATURE_HEADER: &str = "x-motcua-signature";
pub const EVENT_HEADER: &str = "x-motcua-event";
pub const DELIVERY_HEADER: &str = "x-motcua-delivery";
/// How far a receiver should accept a signature's time from its own clock.
pub const TOLERANCE_SECONDS: i64 = 300;

/// The signature header's value for `body` sent at `timestamp` (unix seconds).
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mac = keyed(secret, timestamp, body).finalize().into_bytes();
    format!("t={timestamp},v1={}", hex::encode(mac))
}

/// The keyed MAC over `"<timestamp>.<body>"`, for signing and for checking.
fn keyed(secret: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// What a receiver does: checks the header against the body and its clock (`now`, unix
/// seconds), in constant time.
pub fn verify(header: &str, secret: &str, body: &[u8], now: i64) -> Result<(), ChannelError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.extend(hex::decode(value).ok()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(ChannelError::BadSignature)?;
    if (now - timestamp).abs() > TOLERANCE_SECONDS {
        return Err(ChannelError::Stale);
    }
    let expected = keyed(secret, timestamp, body);
    if signatures
        .iter()
        .any(|given| expected.clone().verify_slice(given).is_ok())
    {
        Ok(())
    } else {
        Err(ChannelError::BadSignature)
    }
}

/// Whether a subscriber's URL may be called: absolute `https` (or `http`, for a receiver on
/// the same private network), with a host and no credentials in it.
pub fn acceptable_url(url: &str) -> bool {
    match reqwest::Url::parse(url) {
        Ok(parsed) => {
            matches!(parsed.scheme(), "https" | "http")
                && parsed.host_str().is_some_and(|h| !h.is_empty())
                && parsed.username().is_empty()
                && parsed.password().is_none()
        }
        Err(_) => false,
    }
}

/// POSTs one event. `timestamp`: now, unix seconds.
pub async fn deliver(
    url: &str,
    secret: &str,
    event: &str,
    delivery: i64,
    body: &[u8],
    timestamp: i64,
) -> Result<(), ChannelError> {
    let client = crate::http::client()?;
    let answer = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature(secret, timestamp, body))
        .header(EVENT_HEADER, event)
        .header(DELIVERY_HEADER, delivery.to_string())
        .body(body.to_vec())
        .send()
        .await
        .map_err(|e| ChannelError::Unreachable(format!("webhook {url}: {e}")))?;
    let status = answer.status();
    if status.is_success() {
        return Ok(());
    }
    let permanent = status.is_client_error()
        && status != reqwest::StatusCode::REQUEST_TIMEOUT
        && status != reqwest::StatusCode::TOO_MANY_REQUESTS;
    if permanent {
        Err(ChannelError::Refused {
            code: status.as_u16().to_string(),
            message: format!("webhook {url} refused the event"),
            permanent: true,
        })
    } else {
        Err(ChannelError::Unreachable(format!(
            "webhook {url} answered {status}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_for_its_body_secret_and_time() {
        let body = br#"{"event":"dossier.status"}"#;
        let header = signature("bí mật", 1_765_000_000, body);
        assert!(header.starts_with("t=1765000000,v1="));
        assert!(verify(&header, "bí mật", body, 1_765_000_100).is_ok());
        assert!(matches!(
            verify(&header, "khác", body, 1_765_000_100),
            Err(ChannelError::BadSignature)
        ));
        assert!(matches!(
            verify(&header, "bí mật", b"{}", 1_765_000_100),
            Err(ChannelError::BadSignature)
        ));
        assert!(matches!(
            verify(
                &header,
                "bí mật",
                body,
                1_765_000_000 + TOLERANCE_SECONDS + 1
            ),
            Err(ChannelError::Stale)
        ));
        assert!(verify("v1=00", "bí mật", body, 0).is_err());
    }

    #[test]
    fn only_plain_web_addresses_are_subscribed() {
        assert!(acceptable_url(
            "https://hethong.cantho.gov.vn/motcua/webhook"
        ));
        assert!(acceptable_url("http://10.0.0.5:8080/hook"));
        for bad in [
            "ftp://x/y",
            "https://user:pw@x.vn/",
            "/relative",
            "javascript:alert(1)",
            "",
        ] {
            assert!(!acceptable_url(bad), "{bad}");
        }
    }
}
