//! The HTTP client the adapter talks to the portal with, as the gateways' in
//! `motcua-payments`: rustls with ring, no redirects (a reply cannot bounce us elsewhere with
//! the credentials), no system proxy, connect and total timeouts, at most 1 MiB read from any
//! reply.

use crate::PortalError;
use std::time::Duration;

/// The most read from a reply: the portal's answers are a code and a sentence.
pub(crate) const MAX_BODY: usize = 1024 * 1024;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

pub(crate) fn client(timeout: Duration) -> Result<reqwest::Client, PortalError> {
    // reqwest is built without a bundled crypto provider so that only ring is linked; it must
    // be the process default. Another part of the program may have installed it already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(CONNECT_TIMEOUT.min(timeout))
        .timeout(timeout)
        .user_agent(concat!("motcua/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| PortalError::Config(format!("HTTP client: {e}")))
}

/// A reply as read: its status and at most [`MAX_BODY`] bytes of its body.
pub(crate) struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Sends a prepared request and reads the reply, bounded. A failure to send or to read is
/// `Transport`; a reply over the bound is `Protocol`.
pub(crate) async fn send(request: reqwest::RequestBuilder) -> Result<Reply, PortalError> {
    let mut response = request
        .send()
        .await
        .map_err(|e| PortalError::Transport(e.without_url().to_string()))?;
    let status = response.status().as_u16();
    if response
        .content_length()
        .is_some_and(|length| length > MAX_BODY as u64)
    {
        return Err(PortalError::Protocol("reply larger than 1 MiB".to_owned()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| PortalError::Transport(e.without_url().to_string()))?
    {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(PortalError::Protocol("reply larger than 1 MiB".to_owned()));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Reply { status, body })
}
