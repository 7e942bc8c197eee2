//! Request-body extractors whose rejections are our own clear, translated errors: malformed
//! JSON, wrong JSON shape (unknown fields included), oversize bodies, wrong content types.

use crate::context::Ctx;
use crate::error::WebError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;
use std::collections::HashMap;

/// An `application/x-www-form-urlencoded` body as field → value (NFC-normalised).
pub struct FormFields(pub HashMap<String, String>);

impl FormFields {
    pub fn get(&self, name: &str) -> String {
        self.0.get(name).cloned().unwrap_or_default()
    }

    pub fn optional(&self, name: &str) -> Option<String> {
        self.0
            .get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }
}

fn context_of(request: &Request) -> (crate::i18n::Lang, bool) {
    request
        .extensions()
        .get::<Ctx>()
        .map(|c| (c.lang, c.api))
        .unwrap_or_default()
}

async fn body_bytes<S: Send + Sync>(
    request: Request,
    state: &S,
    lang: crate::i18n::Lang,
    api: bool,
) -> Result<Bytes, WebError> {
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                WebError::coded(StatusCode::PAYLOAD_TOO_LARGE, "error-body-too-large")
                    .with(lang, api)
            } else {
                WebError::coded(StatusCode::BAD_REQUEST, "error-malformed-form").with(lang, api)
            }
        })
}

impl<S: Send + Sync> FromRequest<S> for FormFields {
    type Rejection = WebError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (lang, api) = context_of(&request);
        let is_form = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(WebError::coded(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "error-unsupported-media",
            )
            .with(lang, api));
        }
        let bytes = body_bytes(request, state, lang, api).await?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).map_err(|_| {
            WebError::coded(StatusCode::BAD_REQUEST, "error-malformed-form").with(lang, api)
        })?;
        Ok(FormFields(
            pairs
                .into_iter()
                .map(|(k, v)| (k, motcua_domain::text::nfc(&v)))
                .collect(),
        ))
    }
}

/// A JSON body deserialised into `T`; types used here deny unknown fields.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = WebError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (lang, _) = context_of(&request);
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(WebError::coded(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "error-unsupported-media",
            )
            .with(lang, true));
        }
        let bytes = body_bytes(request, state, lang, true).await?;
        let text = std::str::from_utf8(&bytes).map_err(|_| {
            WebError::coded(StatusCode::BAD_REQUEST, "error-malformed-json").with(lang, true)
        })?;
        let normalised = motcua_domain::text::nfc(text);
        // Distinguish bad syntax from a well-formed document of the wrong shape.
        let value: serde_json::Value = serde_json::from_str(&normalised).map_err(|_| {
            WebError::coded(StatusCode::BAD_REQUEST, "error-malformed-json").with(lang, true)
        })?;
        serde_json::from_value(value).map(ApiJson).map_err(|error| {
            WebError::coded(StatusCode::UNPROCESSABLE_ENTITY, "error-json-shape")
                .with(lang, true)
                .detail(error.to_string())
        })
    }
}
