//! The one place where failures become HTTP responses.
//!
//! JSON clients get `{"error": {"code", "message", "fields": [...]}}` with a stable code; pages
//! get the same message in the chosen language. 500 bodies stay opaque and the cause chain goes
//! to the log. Unauthenticated page requests are redirected to the right sign-in page.

use crate::i18n::{self, Lang};
use crate::pages::layout::ErrorPage;
use askama::Template;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use motcua_app::{AppError, InvalidField};
use serde_json::json;

/// A failure on its way to the client.
#[derive(Debug)]
pub struct WebError {
    pub status: StatusCode,
    pub code: String,
    pub fields: Vec<InvalidField>,
    pub detail: Option<String>,
    pub lang: Lang,
    pub api: bool,
    /// For unauthenticated page requests: where to sign in.
    pub signin: Option<&'static str>,
}

impl WebError {
    pub fn coded(status: StatusCode, code: &str) -> Self {
        WebError {
            status,
            code: code.to_owned(),
            fields: Vec::new(),
            detail: None,
            lang: Lang::Vi,
            api: true,
            signin: None,
        }
    }

    pub fn internal(error: anyhow::Error) -> Self {
        tracing::error!(error = %format!("{error:#}"), "internal error");
        WebError::coded(StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
    }

    /// Sets the language and whether the client wants JSON.
    pub fn with(mut self, lang: Lang, api: bool) -> Self {
        self.lang = lang;
        self.api = api;
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn message(&self) -> String {
        match &self.detail {
            Some(detail) => i18n::tf(self.lang, &self.code, &[("detail", detail)]),
            None => i18n::t(self.lang, &self.code),
        }
    }
}

/// The HTTP status of an application error.
pub fn app_status(error: &AppError) -> StatusCode {
    match error {
        AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
        AppError::Forbidden => StatusCode::FORBIDDEN,
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::BadCredentials | AppError::BadCode | AppError::NotVerified => {
            StatusCode::UNAUTHORIZED
        }
        AppError::RateLimited | AppError::TooManySignUps => StatusCode::TOO_MANY_REQUESTS,
        AppError::Oidc(error) => oidc_status(*error),
        AppError::Zalo(error) => zalo_status(*error),
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The HTTP status of a refused provider sign-in.
fn oidc_status(error: motcua_app::oidc::OidcError) -> StatusCode {
    use motcua_app::oidc::OidcError as E;
    match error {
        E::Disabled => StatusCode::NOT_FOUND,
        E::Unreachable => StatusCode::BAD_GATEWAY,
        E::StateInvalid | E::StateExpired | E::Denied => StatusCode::BAD_REQUEST,
        E::TokenInvalid => StatusCode::UNAUTHORIZED,
        E::NoPersonalId | E::PersonalIdInvalid | E::NoOfficial => StatusCode::FORBIDDEN,
    }
}

/// The HTTP status of a refused Zalo authorisation.
fn zalo_status(error: motcua_app::zalo_auth::ZaloAuthError) -> StatusCode {
    use motcua_app::zalo_auth::ZaloAuthError as E;
    match error {
        E::NotConfigured => StatusCode::CONFLICT,
        E::StateInvalid | E::StateExpired | E::Denied => StatusCode::BAD_REQUEST,
        E::Refused | E::Unreachable => StatusCode::BAD_GATEWAY,
    }
}

impl From<AppError> for WebError {
    fn from(error: AppError) -> Self {
        if let AppError::Internal(cause) = &error {
            tracing::error!(error = %format!("{cause:#}"), "internal error");
        }
        let status = app_status(&error);
        let fields = match &error {
            AppError::Invalid(fields) => fields.clone(),
            _ => Vec::new(),
        };
        WebError {
            status,
            code: error.code().to_owned(),
            fields,
            detail: None,
            lang: Lang::Vi,
            api: true,
            signin: None,
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if self.api {
            let fields: Vec<_> = self
                .fields
                .iter()
                .map(|f| json!({ "field": f.field, "code": f.code, "message": i18n::t(self.lang, &f.code) }))
                .collect();
            let body = json!({ "error": { "code": self.code, "message": self.message(), "fields": fields } });
            let mut response = (self.status, Json(body)).into_response();
            if self.status == StatusCode::UNAUTHORIZED {
                response.headers_mut().insert(
                    axum::http::header::WWW_AUTHENTICATE,
                    axum::http::HeaderValue::from_static("Bearer"),
                );
            }
            return response;
        }
        if self.status == StatusCode::UNAUTHORIZED
            && let Some(signin) = self.signin
        {
            return Redirect::to(signin).into_response();
        }
        let page = ErrorPage::new(
            self.lang,
            self.status.as_u16(),
            self.message(),
            self.fields
                .iter()
                .map(|f| i18n::t(self.lang, &f.code))
                .collect(),
        );
        match page.render() {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(_) => (self.status, self.message()).into_response(),
        }
    }
}

/// Result type of handlers.
pub type WebResult<T> = Result<T, WebError>;

/// Attaches the caller's language and content preference to an application error.
pub trait ContextualError<T> {
    fn ctx(self, ctx: &crate::context::Ctx) -> WebResult<T>;
}

impl<T> ContextualError<T> for Result<T, AppError> {
    fn ctx(self, ctx: &crate::context::Ctx) -> WebResult<T> {
        self.map_err(|e| WebError::from(e).with(ctx.lang, ctx.api))
    }
}
