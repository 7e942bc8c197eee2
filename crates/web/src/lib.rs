//! HTTP for Một Cửa: the public portal, the citizen area, the back office, administration and
//! the JSON API under `/api/v1`, with its OpenAPI document.
//!
//! Every route is registered in [`routes`] together with the [`Access`] it requires; one layer
//! enforces it before the handler runs, and the route × role matrix test walks the same table.
//! Handlers only parse, call a use case of `motcua-app`, and render; rules live elsewhere.
//!
//! [`Access`]: motcua_domain::authz::Access

pub mod api;
pub mod context;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod openapi;
pub mod ops;
pub mod pages;
pub mod routes;
pub mod security;

use motcua_app::App;
use std::sync::Arc;

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The address users type, e.g. `https://dichvucong.cantho.gov.vn` or `http://127.0.0.1:8080`.
    pub public_url: String,
    /// Demo mode: shows the demo banner with the shared password.
    pub demo: bool,
    /// Largest accepted request body, in bytes (uploads have their own limit).
    pub body_limit: usize,
    /// Proxies whose `X-Forwarded-For` is trusted for the client address.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            public_url: "http://127.0.0.1:8080".into(),
            demo: false,
            body_limit: 1024 * 1024,
            trusted_proxies: Vec::new(),
        }
    }
}

impl WebConfig {
    /// Cookies are marked Secure (and use the `__Host-` prefix) on HTTPS and on loopback, where
    /// browsers accept secure cookies over plain HTTP.
    pub fn secure_cookies(&self) -> bool {
        let url = self.public_url.to_ascii_lowercase();
        url.starts_with("https://")
            || url.starts_with("http://127.0.0.1")
            || url.starts_with("http://localhost")
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub config: Arc<WebConfig>,
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
}

/// Builds the whole router with every layer.
pub fn router(state: AppState) -> axum::Router {
    routes::build(state)
}
