//! Public pages: home, language switch, static assets.

use crate::context::{Ctx, LANG_COOKIE, set_cookie};
use crate::error::{WebError, WebResult};
use crate::pages::layout::{Page, render};
use crate::{AppState, i18n::Lang};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_domain::return_path::return_path_or;
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

/// Where to send the browser back to from a caller-supplied `back`/`next` parameter: a path
/// of this site only (see [`motcua_domain::return_path`]), else `default`; a line break in it is
/// a 400, never a redirect. Every redirect to a caller-supplied target goes through here.
pub fn return_to(raw: Option<&str>, default: &str, ctx: &Ctx) -> Result<String, WebError> {
    return_path_or(raw, default).map_err(|error| {
        WebError::coded(StatusCode::BAD_REQUEST, error.code()).with(ctx.lang, ctx.api)
    })
}

pub async fn switch_language(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(back): Query<Back>,
) -> WebResult<Response> {
    let lang = Lang::parse(&code).unwrap_or_default();
    let to = return_to(back.back.as_deref(), "/", &ctx)?;
    let mut response = Redirect::to(&to).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            LANG_COOKIE,
            lang.code(),
            state.config.secure_cookies(),
            Some(31_536_000),
        ),
    );
    Ok(response)
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
