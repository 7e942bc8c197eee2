//! The HTTP client the adapters talk to gateways with: rustls with ring (as the rest of the
//! workspace), no redirects (a gateway reply cannot bounce us to an internal address), no system
//! proxy, connect and total timeouts.

use crate::ChannelError;
use std::time::Duration;

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
