//! Citizen pages: sign-up with a one-time code, sign-in, account.

use crate::context::{Ctx, session_cookie_name, set_cookie};
use crate::error::{ContextualError, WebResult};
use crate::extract::FormFields;
use crate::pages::layout::{FormState, Page, render, render_status, status_of};
use crate::{AppState, i18n};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::accounts::CitizenSignUp;
use motcua_app::views::CitizenRow;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "citizen/signin.html")]
struct SignInPage {
    page: Page,
    form: FormState,
    /// The provider sign-in button text, when provider sign-in is configured.
    oidc: Option<String>,
}

#[derive(Template)]
#[template(path = "citizen/signup.html")]
struct SignUpPage {
    page: Page,
    form: FormState,
}

#[derive(Template)]
#[template(path = "citizen/verify.html")]
struct VerifyPage {
    page: Page,
    form: FormState,
}

#[derive(Template)]
#[template(path = "citizen/account.html")]
struct AccountPage {
    page: Page,
    citizen: CitizenRow,
    masked_id: String,
}

pub async fn signin_form(State(state): State<AppState>, ctx: Ctx) -> Response {
    let mut form = FormState::default();
    if ctx.session_expired {
        form.general = Some(ctx.t("error-session-expired"));
    }
    render(&SignInPage {
        page: Page::new(&ctx, "citizen-signin-title"),
        form,
        oidc: crate::pages::oidc::button(&state, &ctx, motcua_app::oidc::Purpose::Citizen),
    })
}

/// Signs the session cookie in and goes on.
pub fn signed_in_redirect(state: &AppState, token: &str, to: &str) -> Response {
    let secure = state.config.secure_cookies();
    let mut response = Redirect::to(to).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(session_cookie_name(secure), token, secure, None),
    );
    response
}

pub async fn signin(State(state): State<AppState>, ctx: Ctx, fields: FormFields) -> Response {
    let form = FormState::from_values(fields.0.clone());
    match state
        .app
        .citizen_sign_in(
            &ctx.actor(),
            &fields.get("personal_id"),
            &fields.get("password"),
        )
        .await
    {
        Ok(signed) => signed_in_redirect(&state, &signed.token, "/account"),
        Err(motcua_app::AppError::NotVerified) => Redirect::to(&format!(
            "/verify?personal_id={}",
            fields.get("personal_id").trim()
        ))
        .into_response(),
        Err(error) => render_status(
            status_of(&error),
            &SignInPage {
                page: Page::new(&ctx, "citizen-signin-title"),
                form: form.fail(ctx.lang, &error),
                oidc: crate::pages::oidc::button(&state, &ctx, motcua_app::oidc::Purpose::Citizen),
            },
        ),
    }
}

pub async fn signup_form(ctx: Ctx) -> Response {
    render(&SignUpPage {
        page: Page::new(&ctx, "citizen-signup-title"),
        form: FormState::default(),
    })
}

pub async fn signup(State(state): State<AppState>, ctx: Ctx, fields: FormFields) -> Response {
    let input = CitizenSignUp {
        personal_id: fields.get("personal_id"),
        full_name: fields.get("full_name"),
        email: fields.optional("email"),
        phone: fields.optional("phone"),
        password: fields.get("password"),
    };
    match state.app.citizen_sign_up(&ctx.actor(), &input).await {
        Ok(_) => Redirect::to(&format!(
            "/verify?personal_id={}&sent=1",
            input.personal_id.trim()
        ))
        .into_response(),
        Err(error) => render_status(
            status_of(&error),
            &SignUpPage {
                page: Page::new(&ctx, "citizen-signup-title"),
                form: FormState::from_values(fields.0).fail(ctx.lang, &error),
            },
        ),
    }
}

pub async fn verify_form(ctx: Ctx, Query(query): Query<HashMap<String, String>>) -> Response {
    let mut form = FormState::default();
    let personal_id = query.get("personal_id").cloned().unwrap_or_default();
    form.values.insert(
        "personal_id".into(),
        personal_id
            .chars()
            .filter(char::is_ascii_digit)
            .take(12)
            .collect(),
    );
    let flash = query.contains_key("sent").then(|| {
        i18n::tf(
            ctx.lang,
            "citizen-verify-sent",
            &[("destination", "e-mail / SMS")],
        )
    });
    render(&VerifyPage {
        page: Page::new(&ctx, "citizen-verify-title").with_flash(flash),
        form,
    })
}

pub async fn verify(State(state): State<AppState>, ctx: Ctx, fields: FormFields) -> Response {
    match state
        .app
        .citizen_verify(
            &ctx.actor(),
            &fields.get("personal_id"),
            &fields.get("code"),
        )
        .await
    {
        Ok(()) => Redirect::to("/signin?verified=1").into_response(),
        Err(error) => render_status(
            status_of(&error),
            &VerifyPage {
                page: Page::new(&ctx, "citizen-verify-title"),
                form: FormState::from_values(fields.0).fail(ctx.lang, &error),
            },
        ),
    }
}

pub async fn resend(State(state): State<AppState>, ctx: Ctx, fields: FormFields) -> Response {
    let personal_id = fields.get("personal_id");
    match state
        .app
        .citizen_resend_code(&ctx.actor(), &personal_id)
        .await
    {
        Ok(()) | Err(motcua_app::AppError::NotFound) => {
            // The same answer whether or not the account exists: no account enumeration.
            Redirect::to(&format!(
                "/verify?personal_id={}&sent=1",
                personal_id.trim()
            ))
            .into_response()
        }
        Err(error) => render_status(
            status_of(&error),
            &VerifyPage {
                page: Page::new(&ctx, "citizen-verify-title"),
                form: FormState::from_values(fields.0).fail(ctx.lang, &error),
            },
        ),
    }
}

pub async fn account(State(state): State<AppState>, ctx: Ctx) -> WebResult<Response> {
    let citizen = state
        .app
        .own_citizen_account(&ctx.actor())
        .await
        .ctx(&ctx)?;
    let masked_id = motcua_domain::identity::PersonalId::parse(&citizen.personal_id)
        .map(|p| p.masked())
        .unwrap_or_default();
    Ok(render(&AccountPage {
        page: Page::new(&ctx, "citizen-account-title"),
        citizen,
        masked_id,
    }))
}

/// Ends the session of whoever is signed in and clears the cookie.
pub async fn signout(State(state): State<AppState>, ctx: Ctx) -> WebResult<Response> {
    if let Some(token) = &ctx.session_token {
        state.app.sign_out(&ctx.actor(), token).await.ctx(&ctx)?;
    }
    let secure = state.config.secure_cookies();
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(session_cookie_name(secure), "", secure, Some(0)),
    );
    Ok(response)
}
