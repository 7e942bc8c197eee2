//! Sign-in through an external OpenID Connect identity provider: `/oidc/start` sends the
//! browser to the provider, `/oidc/callback` receives it back. The protocol and every check
//! live in `motcua_app::oidc`; these handlers only parse, call and redirect or render.

use crate::AppState;
use crate::context::Ctx;
use crate::error::{ContextualError, WebResult};
use crate::pages::citizen::signed_in_redirect;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::oidc::{OidcCallback, Purpose};
use serde::Deserialize;

/// The text of the provider button on a sign-in page, when provider sign-in is offered there.
pub fn button(state: &AppState, ctx: &Ctx, purpose: Purpose) -> Option<String> {
    state
        .app
        .oidc_button(purpose)
        .map(|custom| custom.unwrap_or_else(|| ctx.t("oidc-signin")))
}

#[derive(Debug, Default, Deserialize)]
pub struct StartQuery {
    /// A local path to return to after signing in.
    next: Option<String>,
    /// `official` for the back office; anything else means a citizen.
    #[serde(rename = "for")]
    purpose: Option<String>,
}

/// `GET /oidc/start?next=/…[&for=official]`
pub async fn start(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<StartQuery>,
) -> WebResult<Response> {
    let purpose = match query.purpose.as_deref() {
        Some("official") => Purpose::Official,
        _ => Purpose::Citizen,
    };
    let next =
        crate::pages::public::return_to(query.next.as_deref(), purpose.default_return(), &ctx)?;
    let url = state
        .app
        .oidc_start(&ctx.actor(), purpose, Some(&next), &ctx.csrf)
        .await
        .ctx(&ctx)?;
    Ok(Redirect::to(&url).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /oidc/callback?code=…&state=…` (or `?error=…&state=…`)
pub async fn callback(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<CallbackQuery>,
) -> WebResult<Response> {
    let callback = OidcCallback {
        code: query.code,
        state: query.state,
        error: query.error,
        // The CSRF cookie is per browser and already set (or set by this very response when
        // absent, in which case it cannot match and the callback is refused).
        browser: ctx.csrf.clone(),
    };
    let signed = state
        .app
        .oidc_callback(&ctx.actor(), &callback)
        .await
        .ctx(&ctx)?;
    Ok(signed_in_redirect(&state, &signed.token, &signed.return_to))
}
