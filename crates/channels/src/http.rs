//! The HTTP client the adapters talk to gateways with: rustls with ring (as the rest of the
//! workspace), no redirects (a gateway reply cannot bounce us to an internal address), no system
//! proxy, connect and total timeouts, and at most 1 MiB read from any reply.

use crate::ChannelError;
use std::time::Duration;

const MAX_BODY: usize = 1024 * 1024;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const TOTAL_TIMEOUT: Duration = Duration::from_secs(20);

pub(crate) fn client() -> Result<reqwest::Client, ChannelError> {
    // reqwest is built without a bundled crypto provider so that only ring is linked; it must
    // be the process default. Another part of the program may have installed it already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(TOTAL_TIMEOUT)
        .user_agent(concat!("motcua/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ChannelError::Unreachable(format!("HTTP client: {e}")))
}

/// POSTs a JSON body and reads the JSON reply. A reply that is not a success status is
/// `Unreachable` (worth retrying later); a success status whose body is not JSON is `Protocol`.
pub(crate) async fn post_json(
    client: &reqwest::Client,
    url: &str,
    body: &serde_json::Value,
    bearer: Option<&str>,
) -> Result<serde_json::Value, ChannelError> {
    let bytes = serde_json::to_vec(body).map_err(|e| ChannelError::Protocol(e.to_string()))?;
    let mut request = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(reqwest::header::ACCEPT, "application/json")
        .body(bytes);
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let mut response = request
        .send()
        .await
        .map_err(|e| ChannelError::Unreachable(e.without_url().to_string()))?;
    let status = response.status();
    if response
        .content_length()
        .is_some_and(|length| length > MAX_BODY as u64)
    {
        return Err(ChannelError::Protocol("reply larger than 1 MiB".to_owned()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| ChannelError::Unreachable(e.without_url().to_string()))?
    {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(ChannelError::Protocol("reply larger than 1 MiB".to_owned()));
        }
        body.extend_from_slice(&chunk);
    }
    if !status.is_success() {
        return Err(ChannelError::Unreachable(format!(
            "HTTP {}",
            status.as_u16()
        )));
    }
    serde_json::from_slice(&body)
        .map_err(|e| ChannelError::Protocol(format!("reply is not JSON: {e}")))
}

/// A JSON value as the text a signature covers: strings as they are, numbers in their JSON
/// spelling, `null` or a missing field as the empty string (what the reference implementations'
/// string interpolation gives).
pub(crate) fn field_text(object: &serde_json::Value, key: &str) -> String {
    match object.get(key) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(serde_json::Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}
