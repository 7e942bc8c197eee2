//! [`DvcqgClient`]: the portal's dossier sync over HTTP.
//!
//! Three URLs, one per call (vn-legal §12 says they are separate; the public code configures
//! them as `URLThemMoi`, `URLCapNhat` and `URLDongBoTienTrinh` under one base). Each call
//! `POST`s a JSON list (`Content-Type: application/json`) and reads `{"error_code","message"}`;
//! the portal answers a refusal with HTTP 200 and a non-zero `error_code`.
//!
//! How the answer is read:
//!
//! | answer | result |
//! |---|---|
//! | 2xx, `error_code` `"0"` (or `0`) | `Ok(())` |
//! | 2xx, another `error_code` | [`PortalError::Refused`] (permanent) |
//! | 2xx, no such body | [`PortalError::Protocol`] |
//! | 401, 403 | [`PortalError::Unauthorized`] |
//! | 408, 429, 5xx, no answer, timeout | [`PortalError::Transport`] (retry) |
//! | another status | [`PortalError::Protocol`] |
//!
//! Authentication is [assumed]: the public code sends no credential at all (the portal is
//! reached over a private network), provincial integration platforms put a Bearer token in
//! front (vn-legal §11), so both that and a key in a header are offered.
//!
//! Another public implementation (OpenCPS) reaches the portal through an integration
//! adapter instead, wrapping the same records as `{"service":"DongBoHoSoMC","isUpdating":…,
//! "data":[…]}`; that envelope is not spoken here.

use crate::http::{self, Reply};
use crate::{BoxFuture, HoSo, NationalPortal, PortalError, PortalReply, QuaTrinhXuLy};
use reqwest::header::{HeaderName, HeaderValue};
use serde::Serialize;
use std::time::Duration;

/// [assumed] The add call's path (the reference names no URL).
pub const DEFAULT_ADD_PATH: &str = "/HoSo/ThemMoi";
/// [assumed] The update call's path.
pub const DEFAULT_UPDATE_PATH: &str = "/HoSo/CapNhat";
/// [assumed] The process-history call's path.
pub const DEFAULT_HISTORY_PATH: &str = "/HoSo/DongBoTienTrinh";
/// [assumed] The header an API key travels in when no other name is configured.
pub const DEFAULT_API_KEY_HEADER: &str = "X-API-Key";
/// How long a call may take, connection included, unless configured.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// How we prove who we are to the portal. `Debug` never shows the secret.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum PortalAuth {
    /// No credential (a private network or an IP allow-list decides), as the public code.
    #[default]
    None,
    /// `Authorization: Bearer <token>`, as an integration platform's gateway issues it.
    Bearer(String),
    /// `<header>: <key>` [assumed].
    ApiKey { header: String, key: String },
}

impl std::fmt::Debug for PortalAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Bearer(_) => f.write_str("Bearer([redacted])"),
            Self::ApiKey { header, .. } => f
                .debug_struct("ApiKey")
                .field("header", header)
                .field("key", &"[redacted]")
                .finish(),
        }
    }
}

/// Where the portal is and how to reach it. Comes from configuration; `Debug` prints no
/// secret.
#[derive(Clone, PartialEq, Eq)]
pub struct DvcqgConfig {
    /// `https://…` without a trailing path; the three paths are appended to it.
    pub base_url: String,
    /// Thêm mới hồ sơ. Default [`DEFAULT_ADD_PATH`] [assumed].
    pub add_path: String,
    /// Cập nhật hồ sơ. Default [`DEFAULT_UPDATE_PATH`] [assumed].
    pub update_path: String,
    /// Đồng bộ tiến trình (process history). Default [`DEFAULT_HISTORY_PATH`] [assumed].
    pub history_path: String,
    pub auth: PortalAuth,
    /// The longest a call may take, from connecting to the last byte of the answer.
    pub timeout: Duration,
}

impl DvcqgConfig {
    /// The portal at `base_url` with the default paths, no credential and the default
    /// timeout.
    pub fn new(base_url: impl Into<String>) -> Self {
        DvcqgConfig {
            base_url: base_url.into(),
            add_path: DEFAULT_ADD_PATH.to_owned(),
            update_path: DEFAULT_UPDATE_PATH.to_owned(),
            history_path: DEFAULT_HISTORY_PATH.to_owned(),
            auth: PortalAuth::None,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    pub fn with_auth(mut self, auth: PortalAuth) -> Self {
        self.auth = auth;
        self
    }
}

impl std::fmt::Debug for DvcqgConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DvcqgConfig")
            .field("base_url", &self.base_url)
            .field("add_path", &self.add_path)
            .field("update_path", &self.update_path)
            .field("history_path", &self.history_path)
            .field("auth", &self.auth)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The portal's dossier sync over HTTP.
pub struct DvcqgClient {
    config: DvcqgConfig,
    client: reqwest::Client,
    add_url: reqwest::Url,
    update_url: reqwest::Url,
    history_url: reqwest::Url,
    /// The credential header, built once (and marked sensitive so it is never logged).
    credential: Option<(HeaderName, HeaderValue)>,
}

impl std::fmt::Debug for DvcqgClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DvcqgClient")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Which call, for URLs and log lines.
#[derive(Debug, Clone, Copy)]
enum Call {
    Add,
    Update,
    History,
}

impl DvcqgClient {
    /// Checks the configuration and builds the client; nothing is sent.
    pub fn new(config: DvcqgConfig) -> Result<Self, PortalError> {
        if config.timeout.is_zero() {
            return Err(PortalError::Config(
                "the timeout must not be zero".to_owned(),
            ));
        }
        let add_url = endpoint(&config.base_url, &config.add_path)?;
        let update_url = endpoint(&config.base_url, &config.update_path)?;
        let history_url = endpoint(&config.base_url, &config.history_path)?;
        let credential = match &config.auth {
            PortalAuth::None => None,
            PortalAuth::Bearer(token) => Some((
                reqwest::header::AUTHORIZATION,
                secret_value(&format!("Bearer {}", token.trim()))?,
            )),
            PortalAuth::ApiKey { header, key } => Some((
                HeaderName::from_bytes(header.trim().as_bytes()).map_err(|_| {
                    PortalError::Config(format!("{header:?} cannot be a header name"))
                })?,
                secret_value(key.trim())?,
            )),
        };
        Ok(DvcqgClient {
            client: http::client(config.timeout)?,
            config,
            add_url,
            update_url,
            history_url,
            credential,
        })
    }

    pub fn config(&self) -> &DvcqgConfig {
        &self.config
    }

    fn url(&self, call: Call) -> &reqwest::Url {
        match call {
            Call::Add => &self.add_url,
            Call::Update => &self.update_url,
            Call::History => &self.history_url,
        }
    }

    /// `POST`s one batch and reads the portal's verdict on it.
    async fn post<T: Serialize>(&self, call: Call, items: &[T]) -> Result<(), PortalError> {
        if items.is_empty() {
            return Ok(());
        }
        let body = serde_json::to_vec(items)
            .map_err(|e| PortalError::Protocol(format!("cannot write the batch: {e}")))?;
        let mut request = self
            .client
            .post(self.url(call).clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body);
        if let Some((name, value)) = &self.credential {
            request = request.header(name.clone(), value.clone());
        }
        // Records carry personal data: the log says how many and what happened, never what.
        tracing::debug!(?call, records = items.len(), "national portal call");
        let result = verdict(http::send(request).await?);
        if let Err(error) = &result {
            tracing::debug!(?call, %error, "national portal did not accept the batch");
        }
        result
    }
}

/// Reads an answer as the table in the module documentation says.
fn verdict(reply: Reply) -> Result<(), PortalError> {
    let Reply { status, body } = reply;
    let parsed = serde_json::from_slice::<PortalReply>(&body).ok();
    let said = || {
        parsed.as_ref().map_or_else(
            || format!("HTTP {status}"),
            |r| format!("HTTP {status}: {} {}", r.error_code, r.message),
        )
    };
    match status {
        200..=299 => match &parsed {
            Some(reply) if reply.is_success() => Ok(()),
            Some(reply) => Err(PortalError::Refused {
                code: reply.error_code.trim().to_owned(),
                message: reply.message.clone(),
            }),
            None => Err(PortalError::Protocol(format!(
                "HTTP {status} without {{error_code, message}}"
            ))),
        },
        401 | 403 => Err(PortalError::Unauthorized(said())),
        408 | 429 | 500..=599 => Err(PortalError::Transport(said())),
        _ => Err(PortalError::Protocol(said())),
    }
}

/// `base` + `path` as a URL, refusing what is not plain http(s).
fn endpoint(base: &str, path: &str) -> Result<reqwest::Url, PortalError> {
    if !path.starts_with('/') {
        return Err(PortalError::Config(format!(
            "the path {path:?} must start with /"
        )));
    }
    let text = format!("{}{path}", base.trim().trim_end_matches('/'));
    let url = reqwest::Url::parse(&text)
        .map_err(|e| PortalError::Config(format!("{text:?} is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(PortalError::Config(format!(
            "{text:?} is not an http(s) URL"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(PortalError::Config(
            "put credentials in `auth`, not in the URL".to_owned(),
        ));
    }
    Ok(url)
}

fn secret_value(text: &str) -> Result<HeaderValue, PortalError> {
    let mut value = HeaderValue::from_str(text)
        .map_err(|_| PortalError::Config("the credential cannot be a header value".to_owned()))?;
    value.set_sensitive(true);
    Ok(value)
}

impl NationalPortal for DvcqgClient {
    fn add_dossiers<'a>(&'a self, dossiers: &'a [HoSo]) -> BoxFuture<'a, Result<(), PortalError>> {
        Box::pin(self.post(Call::Add, dossiers))
    }

    fn update_dossiers<'a>(
        &'a self,
        dossiers: &'a [HoSo],
    ) -> BoxFuture<'a, Result<(), PortalError>> {
        Box::pin(self.post(Call::Update, dossiers))
    }

    fn add_history<'a>(
        &'a self,
        lines: &'a [QuaTrinhXuLy],
    ) -> BoxFuture<'a, Result<(), PortalError>> {
        Box::pin(self.post(Call::History, lines))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn answers_are_read_as_documented() {
        assert_eq!(
            verdict(reply(200, r#"{"error_code":"0","message":"Thành công"}"#)),
            Ok(())
        );
        assert_eq!(
            verdict(reply(200, r#"{"error_code":"3","message":"đã tồn tại"}"#)),
            Err(PortalError::Refused {
                code: "3".to_owned(),
                message: "đã tồn tại".to_owned()
            })
        );
        assert!(matches!(
            verdict(reply(200, "<html>ok</html>")),
            Err(PortalError::Protocol(_))
        ));
        assert!(matches!(
            verdict(reply(401, "")),
            Err(PortalError::Unauthorized(_))
        ));
        assert!(matches!(
            verdict(reply(403, r#"{"error_code":"100","message":"AUTHEN_ERROR"}"#)),
            Err(PortalError::Unauthorized(m)) if m.contains("AUTHEN_ERROR")
        ));
        for status in [408, 429, 500, 502, 503, 504] {
            assert!(
                matches!(verdict(reply(status, "")), Err(PortalError::Transport(_))),
                "{status}"
            );
        }
        // Even a 5xx that carries a refusal body is a failure to retry: the portal was not
        // in a state to judge the batch.
        assert!(matches!(
            verdict(reply(500, r#"{"error_code":"2","message":"x"}"#)),
            Err(PortalError::Transport(_))
        ));
        for status in [301, 400, 404, 413] {
            assert!(
                matches!(verdict(reply(status, "")), Err(PortalError::Protocol(_))),
                "{status}"
            );
        }
    }

    #[test]
    fn configuration_is_checked_before_anything_is_sent() {
        let ok = DvcqgClient::new(DvcqgConfig::new("https://dichvucong.example.vn/api/"))
            .expect("valid");
        assert_eq!(
            ok.url(Call::Add).as_str(),
            "https://dichvucong.example.vn/api/HoSo/ThemMoi"
        );
        for base in [
            "ftp://dichvucong.example.vn",
            "dichvucong.example.vn",
            "",
            "https://user:pw@dichvucong.example.vn",
        ] {
            assert!(
                matches!(
                    DvcqgClient::new(DvcqgConfig::new(base)),
                    Err(PortalError::Config(_))
                ),
                "{base}"
            );
        }
        let mut no_slash = DvcqgConfig::new("https://dichvucong.example.vn");
        no_slash.history_path = "HoSo/TienTrinh".to_owned();
        assert!(matches!(
            DvcqgClient::new(no_slash),
            Err(PortalError::Config(_))
        ));
        let bad_header =
            DvcqgConfig::new("https://dichvucong.example.vn").with_auth(PortalAuth::ApiKey {
                header: "X Key".to_owned(),
                key: "k".to_owned(),
            });
        assert!(matches!(
            DvcqgClient::new(bad_header),
            Err(PortalError::Config(_))
        ));
        let bad_token = DvcqgConfig::new("https://dichvucong.example.vn")
            .with_auth(PortalAuth::Bearer("a\nb".to_owned()));
        assert!(matches!(
            DvcqgClient::new(bad_token),
            Err(PortalError::Config(_))
        ));
        let mut zero = DvcqgConfig::new("https://dichvucong.example.vn");
        zero.timeout = Duration::ZERO;
        assert!(matches!(
            DvcqgClient::new(zero),
            Err(PortalError::Config(_))
        ));
    }

    #[test]
    fn debug_output_shows_no_secret() {
        for auth in [
            PortalAuth::Bearer("tok-SECRET-1".to_owned()),
            PortalAuth::ApiKey {
                header: "X-API-Key".to_owned(),
                key: "key-SECRET-2".to_owned(),
            },
        ] {
            let config = DvcqgConfig::new("https://dichvucong.example.vn").with_auth(auth);
            let client = DvcqgClient::new(config.clone()).expect("client");
            for text in [format!("{config:?}"), format!("{client:?}")] {
                assert!(!text.contains("SECRET"), "{text}");
                assert!(text.contains("redacted"), "{text}");
            }
        }
    }
}
