//! Officials' pages: sign-in with password and TOTP, the workspace home, account security.

use crate::context::Ctx;
use crate::error::{ContextualError, WebResult};
use crate::extract::FormFields;
use crate::pages::citizen::signed_in_redirect;
use crate::pages::layout::{FormState, Page, render, render_status, status_of};
use crate::{AppState, i18n};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::views::OfficialRow;

#[derive(Template)]
#[template(path = "staff/signin.html")]
struct SignInPage {
    page: Page,
    form: FormState,
    /// The provider sign-in button text, when officials may use provider sign-in.
    oidc: Option<String>,
}

#[derive(Template)]
#[template(path = "staff/totp.html")]
struct TotpPage {
    page: Page,
    form: FormState,
    action: &'static str,
}

#[derive(Template)]
#[template(path = "staff/home.html")]
struct HomePage {
    page: Page,
    official: OfficialRow,
    roles: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "staff/security.html")]
struct SecurityPage {
    page: Page,
    enabled: bool,
    secret: Option<String>,
    uri: String,
}

pub async fn signin_form(State(state): State<AppState>, ctx: Ctx) -> Response {
    let mut form = FormState::default();
    if ctx.session_expired {
        form.general = Some(ctx.t("error-session-expired"));
    }
    render(&SignInPage {
        page: Page::new(&ctx, "staff-signin-title"),
        form,
        oidc: crate::pages::oidc::button(&state, &ctx, motcua_app::oidc::Purpose::Official),
    })
}

pub async fn signin(State(state): State<AppState>, ctx: Ctx, fields: FormFields) -> Response {
    match state
        .app
        .official_sign_in(
            &ctx.actor(),
            &fields.get("username"),
            &fields.get("password"),
        )
        .await
    {
        Ok(signed) if signed.needs_totp => signed_in_redirect(&state, &signed.token, "/staff/totp"),
        Ok(signed) => signed_in_redirect(&state, &signed.token, "/staff"),
        Err(error) => render_status(
            status_of(&error),
            &SignInPage {
                page: Page::new(&ctx, "staff-signin-title"),
                form: FormState::from_values(fields.0).fail(ctx.lang, &error),
                oidc: crate::pages::oidc::button(&state, &ctx, motcua_app::oidc::Purpose::Official),
            },
        ),
    }
}

pub async fn totp_form(ctx: Ctx) -> Response {
    if ctx.session_token.is_none() {
        return Redirect::to("/staff/signin").into_response();
    }
    render(&TotpPage {
        page: Page::new(&ctx, "staff-totp-title"),
        form: FormState::default(),
        action: "/staff/totp",
    })
}

pub async fn totp(State(state): State<AppState>, ctx: Ctx, fields: FormFields) -> Response {
    let Some(pending) = ctx.session_token.clone() else {
        return Redirect::to("/staff/signin").into_response();
    };
    match state
        .app
        .official_confirm_totp(&ctx.actor(), &pending, &fields.get("code"))
        .await
    {
        Ok(token) => signed_in_redirect(&state, &token, "/staff"),
        Err(motcua_app::AppError::Unauthenticated) => Redirect::to("/staff/signin").into_response(),
        Err(error) => render_status(
            status_of(&error),
            &TotpPage {
                page: Page::new(&ctx, "staff-totp-title"),
                form: FormState::default().fail(ctx.lang, &error),
                action: "/staff/totp",
            },
        ),
    }
}

pub async fn home(State(state): State<AppState>, ctx: Ctx) -> WebResult<Response> {
    let official_id = ctx
        .principal
        .official_id()
        .ok_or(motcua_app::AppError::Forbidden)
        .ctx(&ctx)?;
    let (official, roles) = state
        .app
        .get_official(&ctx.actor(), official_id)
        .await
        .ctx(&ctx)?;
    let roles = roles
        .into_iter()
        .map(|r| (format!("role-{}", r.role), r.unit_name))
        .collect();
    Ok(render(&HomePage {
        page: Page::new(&ctx, "staff-home-title"),
        official,
        roles,
    }))
}

pub async fn security(State(state): State<AppState>, ctx: Ctx) -> WebResult<Response> {
    let official_id = ctx
        .principal
        .official_id()
        .ok_or(motcua_app::AppError::Forbidden)
        .ctx(&ctx)?;
    let (official, _) = state
        .app
        .get_official(&ctx.actor(), official_id)
        .await
        .ctx(&ctx)?;
    Ok(render(&SecurityPage {
        page: Page::new(&ctx, "staff-security-title"),
        enabled: official.totp_enabled,
        secret: None,
        uri: String::new(),
    }))
}

pub async fn totp_start(State(state): State<AppState>, ctx: Ctx) -> WebResult<Response> {
    let (secret, uri) = state.app.totp_enrol_start(&ctx.actor()).await.ctx(&ctx)?;
    Ok(render(&SecurityPage {
        page: Page::new(&ctx, "staff-security-title"),
        enabled: false,
        secret: Some(secret),
        uri,
    }))
}

pub async fn totp_confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    fields: FormFields,
) -> WebResult<Response> {
    match state
        .app
        .totp_enrol_confirm(&ctx.actor(), &fields.get("code"))
        .await
    {
        Ok(()) => Ok(render(&SecurityPage {
            page: Page::new(&ctx, "staff-security-title")
                .with_flash(Some(i18n::t(ctx.lang, "staff-totp-done"))),
            enabled: true,
            secret: None,
            uri: String::new(),
        })),
        Err(error) => Ok(render_status(
            status_of(&error),
            &TotpPage {
                page: Page::new(&ctx, "staff-totp-title"),
                form: FormState::default().fail(ctx.lang, &error),
                action: "/staff/security/totp/confirm",
            },
        )),
    }
}
