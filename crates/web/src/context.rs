//! The request context: who is calling, in which language, from where, and the CSRF token.
//!
//! One middleware resolves it for every request (session cookie or bearer token), checks CSRF
//! on state-changing requests, and stores it as a request extension that handlers extract.

use crate::i18n::{self, Lang};
use crate::{AppState, error::WebError};
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::{HeaderMap, HeaderValue, Method, Request, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use motcua_app::Actor;
use motcua_domain::authz::Principal;
use std::net::{IpAddr, SocketAddr};

/// Name of the session cookie; `__Host-` binds it to this host over HTTPS.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-motcua_session"
    } else {
        "motcua_session"
    }
}

pub fn csrf_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-motcua_csrf"
    } else {
        "motcua_csrf"
    }
}

pub const LANG_COOKIE: &str = "motcua_lang";

/// Everything a handler needs to know about the caller.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub principal: Principal,
    pub lang: Lang,
    pub csrf: String,
    pub session_token: Option<String>,
    pub session_expired: bool,
    pub ip: Option<String>,
    pub api: bool,
    pub path: String,
    pub demo: bool,
    /// Set when a bearer token authenticated the request.
    pub bearer: bool,
}

impl Ctx {
    pub fn actor(&self) -> Actor {
        Actor {
            principal: self.principal.clone(),
            ip: self.ip.clone(),
        }
    }

    pub fn t(&self, key: &str) -> String {
        i18n::t(self.lang, key)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| WebError::internal(anyhow::anyhow!("context middleware missing")))
    }
}

/// Reads one cookie from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// A `Set-Cookie` value with the attributes every cookie of ours carries.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> HeaderValue {
    let mut cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if secure {
        cookie.push_str("; Secure");
    }
    if let Some(age) = max_age {
        cookie.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Path=/"))
}

fn client_ip(request: &Request<Body>, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())?;
    if trusted.contains(&peer)
        && let Some(forwarded) = request
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
        && let Some(client) = forwarded
            .split(',')
            .next_back()
            .and_then(|s| s.trim().parse().ok())
    {
        return Some(client);
    }
    Some(peer)
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            let v = v.to_ascii_lowercase();
            v.starts_with("application/x-www-form-urlencoded")
                || v.starts_with("multipart/form-data")
        })
        .unwrap_or(false)
}

fn query_param(uri: &axum::http::Uri, name: &str) -> Option<String> {
    let query = uri.query()?;
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Resolves the [`Ctx`], enforces CSRF, and maintains the CSRF and session cookies.
pub async fn middleware(
    State(state): State<AppState>,
    mut request: Request<Body>,
    next: Next,
) -> Response {
    let secure = state.config.secure_cookies();
    let path = request.uri().path().to_owned();
    let api = path.starts_with("/api/");
    let headers = request.headers().clone();
    let lang = query_param(request.uri(), "lang")
        .and_then(|l| Lang::parse(&l))
        .or_else(|| cookie(&headers, LANG_COOKIE).and_then(|l| Lang::parse(&l)))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map(Lang::from_accept_language)
        })
        .unwrap_or_default();
    let ip = client_ip(&request, &state.config.trusted_proxies).map(|ip| ip.to_string());

    let mut principal = Principal::Anonymous;
    let mut bearer = false;
    let mut session_token = None;
    let mut session_expired = false;
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Some(token) = authorization
        .as_deref()
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        match state.app.resolve_api_token(token.trim()).await {
            Ok(Some(found)) => {
                principal = found;
                bearer = true;
            }
            Ok(None) => {
                return WebError::from(motcua_app::AppError::Unauthenticated)
                    .with(lang, true)
                    .into_response();
            }
            Err(error) => return WebError::from(error).with(lang, api).into_response(),
        }
    } else if let Some(token) = cookie(&headers, session_cookie_name(secure)) {
        match state.app.resolve_session(&token).await {
            Ok(Some(resolved)) => {
                principal = resolved.principal;
                session_token = Some(token);
            }
            Ok(None) => session_expired = true,
            Err(error) => return WebError::from(error).with(lang, api).into_response(),
        }
    }

    let existing_csrf = cookie(&headers, csrf_cookie_name(secure)).filter(|c| c.len() >= 32);
    let csrf = existing_csrf
        .clone()
        .unwrap_or_else(motcua_app::security::random_token);

    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if unsafe_method && !bearer && (session_token.is_some() || is_form(&headers)) {
        let origin_ok = headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .is_none_or(|origin| origin_matches(origin, &headers, &state.config.public_url));
        let mut presented = headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if presented.is_none() {
            presented = query_param(request.uri(), "_csrf");
        }
        if presented.is_none()
            && headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
        {
            let (parts, body) = request.into_parts();
            let bytes = match axum::body::to_bytes(body, state.config.body_limit).await {
                Ok(bytes) => bytes,
                Err(_) => {
                    return WebError::coded(
                        axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                        "error-body-too-large",
                    )
                    .with(lang, api)
                    .into_response();
                }
            };
            presented = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
                .ok()
                .and_then(|pairs| {
                    pairs
                        .into_iter()
                        .find(|(k, _)| k == "_csrf")
                        .map(|(_, v)| v)
                });
            request = Request::from_parts(parts, Body::from(bytes));
        }
        let token_ok = match (&existing_csrf, &presented) {
            (Some(expected), Some(given)) => {
                motcua_app::security::constant_time_eq(expected, given)
            }
            _ => false,
        };
        if !origin_ok || !token_ok {
            return WebError::coded(axum::http::StatusCode::FORBIDDEN, "error-csrf")
                .with(lang, api)
                .into_response();
        }
    }

    let ctx = Ctx {
        principal,
        lang,
        csrf: csrf.clone(),
        session_token,
        session_expired,
        ip,
        api,
        path,
        demo: state.config.demo,
        bearer,
    };
    // A system client's every call goes to the audit log under its name (see
    // `App::audit_client_request`); the query string is kept, it says which queue was read.
    let client_call = matches!(ctx.principal, Principal::Client { .. }).then(|| {
        (
            ctx.actor(),
            request.method().to_string(),
            request
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default(),
        )
    });
    request.extensions_mut().insert(ctx);
    let mut response = next.run(request).await;
    if let Some((actor, method, target)) = client_call
        && let Err(error) = state
            .app
            .audit_client_request(&actor, &method, &target, response.status().as_u16())
            .await
    {
        // The answer is already computed; a lost audit row must not be silent, but it must
        // not turn a delivered answer into an error either.
        tracing::error!(error = %error, "could not audit a system client's request");
    }
    if existing_csrf.is_none() && !bearer {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(csrf_cookie_name(secure), &csrf, secure, None),
        );
    }
    if session_expired
        && !response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|v| {
                v.as_bytes()
                    .starts_with(session_cookie_name(secure).as_bytes())
            })
    {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(session_cookie_name(secure), "", secure, Some(0)),
        );
    }
    response
}

fn origin_matches(origin: &str, headers: &HeaderMap, public_url: &str) -> bool {
    let origin = origin.trim_end_matches('/');
    if origin.eq_ignore_ascii_case(public_url.trim_end_matches('/')) {
        return true;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(host))
}
