//! The simulated permission page of the first authorisation (OAuth v4 with PKCE): an OA admin
//! sees which app asks for access to which OA and allows or refuses. "Allow" sends the browser
//! back to `redirect_uri` with `code`, `oa_id` and `state`; "Refuse" sends it back with
//! `error=access_denied` and `state` [assumed: how Zalo reports a refusal was not found]. The
//! code is kept with the challenge, for the token endpoint to check the verifier against.
//!
//! Zalo accepts only the callback URL registered in the app's settings; the simulator, having
//! no settings page, accepts any `http`/`https` URL.

use super::{Core, Grant};
use crate::simulator::{escape_html, page};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Arc;

/// What the permission page is asked for, checked as Zalo would before showing it.
struct Request {
    redirect_uri: String,
    code_challenge: String,
    state: String,
}

fn check(core: &Core, fields: &HashMap<String, String>) -> Result<Request, &'static str> {
    let field = |key: &str| fields.get(key).map(String::as_str).unwrap_or("").trim();
    if field("app_id") != core.config.app_id {
        return Err("app_id không hợp lệ / invalid app_id");
    }
    let redirect_uri = field("redirect_uri");
    if !(redirect_uri.starts_with("http://") || redirect_uri.starts_with("https://")) {
        return Err("redirect_uri không hợp lệ / invalid redirect_uri");
    }
    let code_challenge = field("code_challenge");
    let well_formed = code_challenge.len() == 43
        && code_challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err("code_challenge thiếu hoặc sai / missing or malformed code_challenge");
    }
    Ok(Request {
        redirect_uri: redirect_uri.to_owned(),
        code_challenge: code_challenge.to_owned(),
        state: field("state").to_owned(),
    })
}

fn refused(reason: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Html(page(
            "Cấp quyền OA",
            &format!(
                "<h1>Không thể cấp quyền / Cannot grant access</h1><p>{}</p>",
                escape_html(reason)
            ),
        )),
    )
        .into_response()
}

fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
        escape_html(value)
    )
}

/// `GET /oauth/v4/oa/permission?app_id=…&redirect_uri=…&code_challenge=…&state=…`
pub(super) async fn permission_page(
    State(core): State<Arc<Core>>,
    Query(fields): Query<HashMap<String, String>>,
) -> Response {
    if core.state().down {
        return (StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable").into_response();
    }
    let request = match check(&core, &fields) {
        Ok(request) => request,
        Err(reason) => return refused(reason),
    };
    let inputs = [
        hidden("app_id", &core.config.app_id),
        hidden("redirect_uri", &request.redirect_uri),
        hidden("code_challenge", &request.code_challenge),
        hidden("state", &request.state),
    ]
    .concat();
    let body = format!(
        "<h1>Cấp quyền cho ứng dụng (mô phỏng) / Grant the app access (simulated)</h1>\
         <p>Ứng dụng <b>{app}</b> xin quyền quản lý Official Account <b>{oa}</b>: gửi tin tư vấn, \
         tin ZNS và nhận tin nhắn của người quan tâm.<br>\
         The app <b>{app}</b> asks to manage the Official Account <b>{oa}</b>.</p>\
         <p>Sau khi chọn, trình duyệt quay về / Afterwards the browser returns to: \
         <code>{redirect}</code></p>\
         <form method=\"post\" action=\"{path}\">{inputs}\
         <button type=\"submit\" name=\"decision\" value=\"allow\">Cho phép / Allow</button></form>\
         <form method=\"post\" action=\"{path}\">{inputs}\
         <button type=\"submit\" name=\"decision\" value=\"deny\">Từ chối / Refuse</button></form>",
        app = escape_html(&core.config.app_id),
        oa = escape_html(&core.config.oa_id),
        redirect = escape_html(&request.redirect_uri),
        path = super::PERMISSION_PATH,
    );
    Html(page("Cấp quyền OA", &body)).into_response()
}

/// `redirect_uri` with `pairs` added to its query.
fn back_to(redirect_uri: &str, pairs: &[(&str, &str)]) -> String {
    let query = pairs
        .iter()
        .fold(
            form_urlencoded::Serializer::new(String::new()),
            |mut query, (key, value)| {
                query.append_pair(key, value);
                query
            },
        )
        .finish();
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    format!("{redirect_uri}{separator}{query}")
}

/// `POST /oauth/v4/oa/permission`: the admin's choice.
pub(super) async fn decide(State(core): State<Arc<Core>>, body: Bytes) -> Response {
    if core.state().down {
        return (StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable").into_response();
    }
    let fields: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let request = match check(&core, &fields) {
        Ok(request) => request,
        Err(reason) => return refused(reason),
    };
    let location = if fields.get("decision").map(String::as_str) == Some("allow") {
        let code = {
            let mut state = core.state();
            let code = core.next(&mut state, "sim-code");
            let issued_ms = state.now_ms();
            state.grants.insert(
                code.clone(),
                Grant {
                    code_challenge: request.code_challenge.clone(),
                    issued_ms,
                    used: false,
                },
            );
            code
        };
        back_to(
            &request.redirect_uri,
            &[
                ("code", &code),
                ("oa_id", &core.config.oa_id),
                ("state", &request.state),
            ],
        )
    } else {
        back_to(
            &request.redirect_uri,
            &[("error", "access_denied"), ("state", &request.state)],
        )
    };
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}
