//! Public pages: home, language switch, static assets.

use crate::context::{Ctx, LANG_COOKIE, set_cookie};
use crate::pages::layout::{Page, render};
use crate::{AppState, i18n::Lang};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: Page,
}

pub async fn home(ctx: Ctx) -> Response {
    render(&HomePage {
        page: Page::new(&ctx, "home-title"),
    })
}

#[derive(Deserialize)]
pub struct Back {
    back: Option<String>,
}

/// Only same-site relative paths are followed, so the switch cannot redirect elsewhere.
pub fn safe_back(back: Option<&str>) -> String {
    match back {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

pub async fn switch_language(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(back): Query<Back>,
) -> Response {
    let lang = Lang::parse(&code).unwrap_or_default();
    let mut response = Redirect::to(&safe_back(back.back.as_deref())).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            LANG_COOKIE,
            lang.code(),
            state.config.secure_cookies(),
            Some(31_536_000),
        ),
    );
    response
}

pub async fn static_file(Path(name): Path<String>) -> Response {
    let (body, kind) = match name.as_str() {
        "app.css" => (
            include_str!("../../static/app.css"),
            "text/css; charset=utf-8",
        ),
        "app.js" => (
            include_str!("../../static/app.js"),
            "text/javascript; charset=utf-8",
        ),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}
