//! Administration of system clients (hệ thống kết nối): create one with its permissions and
//! jurisdiction, change it, issue and revoke its bearer tokens. A new token appears once, in
//! the answer to the form that issued it (nothing is stored from which to show it again).

use crate::context::Ctx;
use crate::error::{ContextualError, WebError, WebResult};
use crate::extract::FormFields;
use crate::pages::layout::{FormState, Page, render, render_status, status_of};
use crate::{AppState, i18n};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::AppError;
use motcua_app::clients::{ClientForm, client_permissions};
use motcua_app::views::SystemClientRow;
use motcua_domain::authz::Permission;
use std::collections::HashMap;

/// One token as the page shows it.
pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub created: String,
    pub expires: String,
    pub revoked: Option<String>,
}

/// One client in the list.
pub struct ClientView {
    pub id: i64,
    pub name: String,
    pub unit_name: String,
    pub permission_keys: Vec<String>,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "admin/clients.html")]
struct ClientsPage {
    page: Page,
    clients: Vec<ClientView>,
    form: FormState,
    units: Vec<(i64, String)>,
    permissions: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "admin/client.html")]
struct ClientPage {
    page: Page,
    client_id: i64,
    form: FormState,
    token_form: FormState,
    units: Vec<(i64, String)>,
    permissions: Vec<&'static str>,
    tokens: Vec<TokenView>,
    /// The token just issued, shown this once.
    new_token: Option<String>,
    /// The webhook address (field `url`), as stored or as just submitted.
    webhook_form: FormState,
    /// Whether a webhook is subscribed now.
    has_webhook: bool,
    /// The signing secret of the webhook just set, shown this once.
    new_secret: Option<String>,
}

/// What the client page shows besides the client itself: a form that failed, a secret shown
/// once.
#[derive(Default)]
struct ClientPageExtras {
    form: Option<FormState>,
    token_form: FormState,
    new_token: Option<String>,
    webhook_form: Option<FormState>,
    new_secret: Option<String>,
}

fn permission_names() -> Vec<&'static str> {
    Permission::ALL.iter().map(|p| p.as_str()).collect()
}

fn view(row: SystemClientRow) -> ClientView {
    ClientView {
        permission_keys: client_permissions(&row)
            .into_iter()
            .map(|p| format!("permission-{}", p.as_str()))
            .collect(),
        id: row.id,
        name: row.name,
        unit_name: row.unit_name,
        active: row.active,
    }
}

/// The client as form values: `perm_<name>` is a checkbox per permission, so the form is
/// plain name/value pairs without repeated names.
fn values_of(row: &SystemClientRow) -> FormState {
    let mut values = vec![
        ("name".to_owned(), row.name.clone()),
        ("unit_id".to_owned(), row.unit_id.to_string()),
    ];
    if row.active {
        values.push(("active".into(), "true".into()));
    }
    for p in client_permissions(row) {
        values.push((format!("perm_{}", p.as_str()), "true".into()));
    }
    FormState::from_values(values)
}

fn form_from(fields: &FormFields) -> Result<ClientForm, AppError> {
    let unit_id = fields
        .get("unit_id")
        .trim()
        .parse()
        .map_err(|_| AppError::invalid("unit_id", "error-parent"))?;
    Ok(ClientForm {
        name: fields.get("name"),
        unit_id,
        permissions: Permission::ALL
            .iter()
            .filter(|p| fields.optional(&format!("perm_{}", p.as_str())).is_some())
            .map(|p| p.as_str().to_owned())
            .collect(),
        active: fields.optional("active").is_some(),
    })
}

async fn units_of(state: &AppState, ctx: &Ctx) -> WebResult<Vec<(i64, String)>> {
    let units = state.app.list_units(&ctx.actor()).await.ctx(ctx)?;
    Ok(crate::pages::admin::unit_choices(&units))
}

async fn list_page(state: &AppState, ctx: &Ctx, form: FormState) -> WebResult<ClientsPage> {
    let clients = state.app.list_system_clients(&ctx.actor()).await.ctx(ctx)?;
    Ok(ClientsPage {
        page: Page::new(ctx, "admin-clients-title"),
        clients: clients.into_iter().map(view).collect(),
        form,
        units: units_of(state, ctx).await?,
        permissions: permission_names(),
    })
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    let mut form = FormState::default();
    form.values.insert("active".into(), "true".into());
    let mut page = list_page(&state, &ctx, form).await?;
    if query.contains_key("saved") {
        page.page = page.page.with_flash(Some(i18n::t(ctx.lang, "admin-saved")));
    }
    Ok(render(&page))
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    fields: FormFields,
) -> WebResult<Response> {
    let result = match form_from(&fields) {
        Ok(form) => state.app.create_system_client(&ctx.actor(), &form).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/admin/clients/{id}?saved=1")).into_response()),
        Err(error @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let form = FormState::from_values(fields.0).fail(ctx.lang, &error);
            Ok(render_status(
                status_of(&error),
                &list_page(&state, &ctx, form).await?,
            ))
        }
        Err(error) => Err(WebError::from(error).with(ctx.lang, false)),
    }
}

async fn client_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    extras: ClientPageExtras,
) -> WebResult<ClientPage> {
    let (row, tokens) = state.app.system_client(&ctx.actor(), id).await.ctx(ctx)?;
    let form = extras.form.unwrap_or_else(|| values_of(&row));
    let webhook_form = extras.webhook_form.unwrap_or_else(|| {
        FormState::from_values(vec![(
            "url".to_owned(),
            row.webhook_url.clone().unwrap_or_default(),
        )])
    });
    let date = |micros: i64| i18n::format_time_micros(micros);
    Ok(ClientPage {
        page: Page::new(ctx, "admin-client-title"),
        client_id: row.id,
        form,
        token_form: extras.token_form,
        units: units_of(state, ctx).await?,
        permissions: permission_names(),
        tokens: tokens
            .into_iter()
            .map(|t| TokenView {
                id: t.id,
                name: t.name,
                created: date(t.created_at),
                expires: t.expires_at.map(date).unwrap_or_default(),
                revoked: t.revoked_at.map(date),
            })
            .collect(),
        new_token: extras.new_token,
        webhook_form,
        has_webhook: row.webhook_url.is_some(),
        new_secret: extras.new_secret,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    let mut page = client_page(&state, &ctx, id, ClientPageExtras::default()).await?;
    if query.contains_key("saved") {
        page.page = page.page.with_flash(Some(i18n::t(ctx.lang, "admin-saved")));
    } else if query.contains_key("webhook_removed") {
        page.page = page
            .page
            .with_flash(Some(i18n::t(ctx.lang, "admin-client-webhook-removed")));
    } else if query.contains_key("revoked") {
        page.page = page
            .page
            .with_flash(Some(i18n::t(ctx.lang, "admin-client-token-revoked")));
    }
    Ok(render(&page))
}

pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    fields: FormFields,
) -> WebResult<Response> {
    let result = match form_from(&fields) {
        Ok(form) => {
            state
                .app
                .update_system_client(&ctx.actor(), id, &form)
                .await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/admin/clients/{id}?saved=1")).into_response()),
        Err(error @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let form = FormState::from_values(fields.0).fail(ctx.lang, &error);
            Ok(render_status(
                status_of(&error),
                &client_page(
                    &state,
                    &ctx,
                    id,
                    ClientPageExtras {
                        form: Some(form),
                        ..Default::default()
                    },
                )
                .await?,
            ))
        }
        Err(error) => Err(WebError::from(error).with(ctx.lang, false)),
    }
}

pub async fn issue_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    fields: FormFields,
) -> WebResult<Response> {
    let days = match fields.optional("days") {
        None => Ok(None),
        Some(text) => text
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::invalid("days", "error-token-days")),
    };
    let result = match days {
        Ok(days) => {
            state
                .app
                .issue_client_token(&ctx.actor(), id, &fields.get("token_name"), days)
                .await
        }
        Err(error) => Err(error),
    };
    match result {
        // Shown in this answer only: a redirect would need the secret stored somewhere.
        Ok((_, token)) => {
            let mut page = client_page(
                &state,
                &ctx,
                id,
                ClientPageExtras {
                    new_token: Some(token),
                    ..Default::default()
                },
            )
            .await?;
            page.page = page
                .page
                .with_flash(Some(i18n::t(ctx.lang, "admin-client-token-issued")));
            Ok(render(&page))
        }
        Err(error @ AppError::Invalid(_)) => {
            let token_form = FormState::from_values(fields.0).fail(ctx.lang, &error);
            Ok(render_status(
                status_of(&error),
                &client_page(
                    &state,
                    &ctx,
                    id,
                    ClientPageExtras {
                        token_form,
                        ..Default::default()
                    },
                )
                .await?,
            ))
        }
        Err(error) => Err(WebError::from(error).with(ctx.lang, false)),
    }
}

pub async fn revoke_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, token_id)): Path<(i64, i64)>,
) -> WebResult<Response> {
    state
        .app
        .revoke_client_token(&ctx.actor(), id, token_id)
        .await
        .ctx(&ctx)?;
    Ok(Redirect::to(&format!("/admin/clients/{id}?revoked=1")).into_response())
}

/// Subscribes the client's webhook (or moves it to another address, with a new secret).
pub async fn set_webhook(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    fields: FormFields,
) -> WebResult<Response> {
    let url = fields.get("url");
    // An empty address is a mistake on this form (removing has its own button), not a removal.
    let result = if url.trim().is_empty() {
        Err(AppError::invalid("url", "error-webhook-url"))
    } else {
        state
            .app
            .set_client_webhook(&ctx.actor(), id, Some(&url))
            .await
    };
    match result {
        // Shown in this answer only, like a new token.
        Ok(secret) => {
            let mut page = client_page(
                &state,
                &ctx,
                id,
                ClientPageExtras {
                    new_secret: secret,
                    ..Default::default()
                },
            )
            .await?;
            page.page = page
                .page
                .with_flash(Some(i18n::t(ctx.lang, "admin-client-webhook-set")));
            Ok(render(&page))
        }
        Err(error @ AppError::Invalid(_)) => {
            let webhook_form = FormState::from_values(fields.0).fail(ctx.lang, &error);
            Ok(render_status(
                status_of(&error),
                &client_page(
                    &state,
                    &ctx,
                    id,
                    ClientPageExtras {
                        webhook_form: Some(webhook_form),
                        ..Default::default()
                    },
                )
                .await?,
            ))
        }
        Err(error) => Err(WebError::from(error).with(ctx.lang, false)),
    }
}

/// Removes the client's webhook.
pub async fn remove_webhook(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    state
        .app
        .set_client_webhook(&ctx.actor(), id, None)
        .await
        .ctx(&ctx)?;
    Ok(Redirect::to(&format!("/admin/clients/{id}?webhook_removed=1")).into_response())
}
