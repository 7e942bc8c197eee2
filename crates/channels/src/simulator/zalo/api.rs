//! The simulated endpoints: the token endpoint, CS messages and ZNS, answering as Zalo does
//! (HTTP 200 and `{error, message, data}`, 503 while down).

use super::{ChatLine, Core, SentKind, SentMessage};
use crate::zalo::codes;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// CS text limit [assumed: what public clients enforce].
const MAX_TEXT_CHARS: usize = 2000;

/// Zalo's answer: HTTP 200 and `{error, message, data}`.
fn answer(code: i64, message: &str, data: Value) -> Response {
    axum::Json(json!({ "error": code, "message": message, "data": data })).into_response()
}

fn refuse(code: i64, message: &str) -> Response {
    answer(code, message, json!({}))
}

fn unavailable() -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable").into_response()
}

pub(super) async fn token(
    State(core): State<Arc<Core>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut state = core.state();
    if state.down {
        return unavailable();
    }
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let field = |key: &str| form.get(key).map(String::as_str).unwrap_or("");
    let secret = headers
        .get("secret_key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if field("app_id") != core.config.app_id {
        return refuse(codes::OAUTH_INVALID_APP_ID, "Invalid app_id");
    }
    if !crate::constant_time_eq(secret.as_bytes(), core.config.app_secret.as_bytes()) {
        return refuse(codes::OAUTH_INVALID_SECRET_KEY, "Invalid secret_key");
    }
    match field("grant_type") {
        "refresh_token" => {}
        "authorization_code" => {
            let verdict = exchange(&core, &mut state, field("code"), field("code_verifier"));
            if verdict.is_err() {
                state.refused_code_exchanges += 1;
            }
            return match verdict {
                Ok(()) => {
                    state.code_exchanges += 1;
                    tokens_reply(&core, &mut state)
                }
                Err((code, message)) => refuse(code, message),
            };
        }
        _ => return refuse(codes::OAUTH_INVALID_REQUEST, "Unsupported grant_type"),
    }
    let used = state.refresh.get(field("refresh_token")).copied();
    match used {
        None => return refuse(codes::OAUTH_INVALID_REFRESH_TOKEN, "Invalid refresh token"),
        Some(true) => {
            state.refused_refreshes += 1;
            return refuse(
                codes::OAUTH_REFRESH_TOKEN_USED,
                "Refresh token has been used",
            );
        }
        Some(false) => {}
    }
    state
        .refresh
        .insert(field("refresh_token").to_owned(), true);
    state.refreshes += 1;
    tokens_reply(&core, &mut state)
}

/// A new pair, as both grant types answer it.
fn tokens_reply(core: &Core, state: &mut super::SimState) -> Response {
    let issued = core.issue(state);
    // Zalo sends expires_in as a string.
    axum::Json(json!({
        "access_token": issued.access_token.expose(),
        "refresh_token": issued.refresh_token.expose(),
        "expires_in": core.config.access_token_ttl_secs.to_string(),
    }))
    .into_response()
}

/// Checks an authorisation code and its PKCE verifier, and spends the code: a code is
/// exchanged once, within its lifetime, with the verifier whose S256 challenge the permission
/// page received.
fn exchange(
    core: &Core,
    state: &mut super::SimState,
    code: &str,
    verifier: &str,
) -> Result<(), (i64, &'static str)> {
    let now_ms = state.now_ms();
    let ttl_ms = core.config.code_ttl_secs.saturating_mul(1000);
    let Some(grant) = state.grants.get_mut(code) else {
        return Err((codes::OAUTH_INVALID_CODE, "Invalid authorization code"));
    };
    if grant.used {
        return Err((codes::OAUTH_CODE_USED, "Authorization code has been used"));
    }
    if grant.issued_ms.saturating_add(ttl_ms) <= now_ms {
        return Err((codes::OAUTH_CODE_EXPIRED, "Authorization code has expired"));
    }
    let challenge = crate::zalo::pkce_challenge(verifier);
    if verifier.is_empty()
        || !crate::constant_time_eq(challenge.as_bytes(), grant.code_challenge.as_bytes())
    {
        return Err((codes::OAUTH_INVALID_CODE_VERIFIER, "Invalid code_verifier"));
    }
    grant.used = true;
    Ok(())
}

pub(super) async fn cs_message(
    State(core): State<Arc<Core>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if core.state().down {
        return unavailable();
    }
    if !core.token_ok(&headers) {
        return refuse(codes::ACCESS_TOKEN_INVALID, "Access token is invalid");
    }
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let user_id = request
        .pointer("/recipient/user_id")
        .and_then(Value::as_str)
        .unwrap_or("");
    let text = request
        .pointer("/message/text")
        .and_then(Value::as_str)
        .unwrap_or("");
    if user_id.is_empty() {
        return refuse(codes::INVALID_PARAMETER, "recipient.user_id is missing");
    }
    if text.trim().is_empty() || text.chars().count() > MAX_TEXT_CHARS {
        return refuse(
            codes::INVALID_PARAMETER,
            "message.text is empty or too long",
        );
    }
    let mut state = core.state();
    if !state.followers.contains(user_id) {
        return refuse(codes::USER_NOT_FOLLOWER, "User has not followed the OA");
    }
    let message_id = core.next(&mut state, "sim-cs");
    state.messages.push(SentMessage {
        kind: SentKind::Cs,
        to: user_id.to_owned(),
        text: Some(text.to_owned()),
        template_id: None,
        template_data: None,
        tracking_id: None,
        message_id: message_id.clone(),
    });
    state.chat.push(ChatLine {
        user_id: user_id.to_owned(),
        from_user: false,
        text: text.to_owned(),
        status: None,
    });
    answer(
        codes::OK,
        "Success",
        json!({ "message_id": message_id, "user_id": user_id }),
    )
}

fn str_field<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

/// `84` and nine digits [assumed: mobile numbers only].
fn valid_zns_phone(phone: &str) -> bool {
    phone.len() == 11 && phone.starts_with("84") && phone.bytes().all(|b| b.is_ascii_digit())
}

pub(super) async fn zns_message(
    State(core): State<Arc<Core>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if core.state().down {
        return unavailable();
    }
    if !core.token_ok(&headers) {
        return refuse(codes::ZNS_ACCESS_TOKEN_INVALID, "Access token is invalid");
    }
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let text = |key: &str| str_field(&request, key);
    let phone = text("phone");
    if !valid_zns_phone(phone) {
        return refuse(codes::ZNS_INVALID_PHONE, "Phone number is invalid");
    }
    let mut state = core.state();
    let Some(required) = state.templates.get(text("template_id")).cloned() else {
        return refuse(codes::ZNS_INVALID_TEMPLATE, "Template id is invalid");
    };
    let Some(data) = request.get("template_data").and_then(Value::as_object) else {
        return refuse(codes::ZNS_INVALID_TEMPLATE_DATA, "template_data is missing");
    };
    let missing: Vec<&str> = required
        .iter()
        .map(String::as_str)
        .filter(|param| match data.get(*param) {
            Some(Value::String(s)) => s.trim().is_empty(),
            Some(Value::Number(_)) => false,
            _ => true,
        })
        .collect();
    if !missing.is_empty() {
        return refuse(
            codes::ZNS_INVALID_TEMPLATE_DATA,
            &format!("template_data lacks {}", missing.join(", ")),
        );
    }
    let message_id = core.next(&mut state, "sim-zns");
    let now_ms = state.now_ms();
    state.messages.push(SentMessage {
        kind: SentKind::Zns,
        to: phone.to_owned(),
        text: None,
        template_id: Some(text("template_id").to_owned()),
        template_data: Some(data.clone()),
        tracking_id: Some(text("tracking_id").to_owned()).filter(|t| !t.is_empty()),
        message_id: message_id.clone(),
    });
    answer(
        codes::OK,
        "Success",
        json!({
            "msg_id": message_id,
            "sent_time": now_ms.to_string(),
            "quota": { "dailyQuota": "500", "remainingQuota": "499" },
        }),
    )
}
