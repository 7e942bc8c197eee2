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
    form: FormState,
    tokens: Vec<TokenLine>,
}

/// One API token on the security page.
struct TokenLine {
    id: i64,
    name: String,
    /// A catalogue key: live, expired or revoked.
    state: &'static str,
}

impl SecurityPage {
    async fn load(state: &AppState, ctx: &Ctx, page: Page) -> WebResult<SecurityPage> {
        let official_id = ctx
            .principal
            .official_id()
            .ok_or(motcua_app::AppError::Forbidden)
            .ctx(ctx)?;
        let (official, _) = state
            .app
            .get_official(&ctx.actor(), official_id)
            .await
            .ctx(ctx)?;
        let now = state.app.now_micros();
        let tokens = state
            .app
            .list_api_tokens(&ctx.actor())
            .await
            .ctx(ctx)?
            .into_iter()
            .map(|t| TokenLine {
                id: t.id,
                name: t.name,
                state: if t.revoked_at.is_some() {
                    "staff-token-revoked"
                } else if t.expires_at.is_some_and(|e| e <= now) {
                    "staff-token-expired"
                } else {
                    "staff-token-live"
                },
            })
            .collect();
        Ok(SecurityPage {
            page,
            enabled: official.totp_enabled,
            secret: None,
            uri: String::new(),
            form: FormState::default(),
            tokens,
        })
    }
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
    let page = Page::new(&ctx, "staff-security-title");
    Ok(render(&SecurityPage::load(&state, &ctx, page).await?))
}

/// Starts (or restarts) TOTP enrolment; with two-factor on, the form carries a current code.
pub async fn totp_start(
    State(state): State<AppState>,
    ctx: Ctx,
    fields: FormFields,
) -> WebResult<Response> {
    let current = fields.get("current_code");
    let started = state
        .app
        .totp_enrol_start(
            &ctx.actor(),
            Some(current.as_str()).filter(|c| !c.is_empty()),
        )
        .await;
    let page = Page::new(&ctx, "staff-security-title");
    let mut view = SecurityPage::load(&state, &ctx, page).await?;
    match started {
        Ok((secret, uri)) => {
            view.secret = Some(secret);
            view.uri = uri;
            Ok(render(&view))
        }
        Err(error) => {
            let status = status_of(&error);
            view.form = FormState::default().fail(ctx.lang, &error);
            Ok(render_status(status, &view))
        }
    }
}

/// Revokes one of the official's API tokens from the security page.
pub async fn revoke_token(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> WebResult<Response> {
    state
        .app
        .revoke_api_token(&ctx.actor(), id)
        .await
        .ctx(&ctx)?;
    Ok(Redirect::to("/staff/security").into_response())
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
        Ok(()) => {
            let page = Page::new(&ctx, "staff-security-title")
                .with_flash(Some(i18n::t(ctx.lang, "staff-totp-done")));
            Ok(render(&SecurityPage::load(&state, &ctx, page).await?))
        }
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
