//! Notification pages that work without JavaScript: the citizen's channels and language
//! (`/my/notifications`), and for administrators the delivery log with retry and cancel, the
//! templates with a preview, a test message on each channel, and the connection of the Zalo
//! Official Account (`/admin/notifications`, `/admin/notifications/zalo/connect` and Zalo's
//! callback `/admin/notifications/zalo/callback`).

use crate::AppState;
use crate::context::Ctx;
use crate::error::{ContextualError, WebResult};
use crate::extract::FormFields;
use crate::i18n;
use crate::pages::layout::{FormState, Page, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::notifications::DeliveryState;
use motcua_app::notifications::{
    DeliveryView, LANGUAGES, PARTS, PreferencesForm, PreferencesView, RenderedMessage, TEMPLATES,
};
use motcua_app::zalo_auth::{ZaloAuthError, ZaloCallback};
use motcua_domain::notify::NotifyChannel;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "citizen/notifications.html")]
struct PreferencesPage {
    page: Page,
    form: FormState,
    preferences: PreferencesView,
    saved: bool,
}

/// `/my/notifications`: the channels the citizen is told on, and the language.
pub async fn mine(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<SavedQuery>,
) -> WebResult<Response> {
    let preferences = state
        .app
        .my_notification_preferences(&ctx.actor())
        .await
        .ctx(&ctx)?;
    Ok(render(&PreferencesPage {
        page: Page::new(&ctx, "notify-preferences-title"),
        form: FormState::default(),
        preferences,
        saved: query.saved.is_some(),
    }))
}

#[derive(Debug, Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

fn checked(fields: &FormFields, name: &str) -> bool {
    fields.optional(name).is_some()
}

pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    fields: FormFields,
) -> WebResult<Response> {
    let form = PreferencesForm {
        email: checked(&fields, "email"),
        sms: checked(&fields, "sms"),
        zalo: checked(&fields, "zalo"),
        language: fields.get("language"),
    };
    let actor = ctx.actor();
    match state
        .app
        .set_my_notification_preferences(&actor, &form)
        .await
    {
        Ok(_) => Ok(Redirect::to("/my/notifications?saved=1").into_response()),
        Err(error @ motcua_app::AppError::Invalid(_)) => {
            let preferences = state
                .app
                .my_notification_preferences(&actor)
                .await
                .ctx(&ctx)?;
            let form = FormState::from_values(fields.0.clone()).fail(ctx.lang, &error);
            Ok(crate::pages::layout::render_status(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                &PreferencesPage {
                    page: Page::new(&ctx, "notify-preferences-title"),
                    form,
                    preferences,
                    saved: false,
                },
            ))
        }
        Err(error) => Err(error).ctx(&ctx),
    }
}

/// One row of the delivery log as the page prints it.
pub struct LogRow {
    pub view: DeliveryView,
    pub created: String,
    pub next_attempt: String,
    pub state_label: String,
    pub may_retry: bool,
    pub may_cancel: bool,
}

#[derive(Template)]
#[template(path = "admin/notifications.html")]
struct LogPage {
    page: Page,
    rows: Vec<LogRow>,
    channel: String,
    state: String,
    channels: Vec<&'static str>,
    states: Vec<&'static str>,
    older: Option<i64>,
    form: FormState,
    done: String,
    /// (channel, configured on this installation)
    configured: Vec<(&'static str, bool)>,
    /// The Zalo OA's connection, for administrators of the whole tree.
    zalo: Option<ZaloSection>,
}

/// The Zalo Official Account's connection as the page shows it.
pub struct ZaloSection {
    pub configured: bool,
    pub connected: bool,
    /// When the access token expires, dd/mm/yyyy HH:MM; empty without one.
    pub expires: String,
    /// The outcome of the last connection, in words, and whether it succeeded.
    pub outcome: Option<(String, bool)>,
}

#[derive(Debug, Default, Deserialize)]
pub struct LogQuery {
    channel: Option<String>,
    state: Option<String>,
    before: Option<i64>,
    done: Option<String>,
    /// The outcome of a Zalo connection: `ok` or an error code.
    zalo: Option<String>,
}

const STATES: [&str; 5] = ["all", "pending", "failing", "dead", "delivered"];

fn parse_state(value: &str) -> DeliveryState {
    match value {
        "pending" => DeliveryState::Pending,
        "failing" => DeliveryState::Failing,
        "dead" => DeliveryState::Dead,
        "delivered" => DeliveryState::Delivered,
        _ => DeliveryState::All,
    }
}

async fn log_page(
    state: &AppState,
    ctx: &Ctx,
    query: &LogQuery,
    form: FormState,
) -> WebResult<LogPage> {
    let channel = query.channel.as_deref().and_then(NotifyChannel::parse);
    let filter = query.state.clone().unwrap_or_else(|| "all".to_owned());
    let views = state
        .app
        .delivery_log(&ctx.actor(), channel, parse_state(&filter), query.before)
        .await
        .ctx(ctx)?;
    let older = (views.len() == 100)
        .then(|| views.last().map(|v| v.id))
        .flatten();
    let rows = views
        .into_iter()
        .map(|view| LogRow {
            created: i18n::format_time_micros(view.created_at),
            next_attempt: view
                .next_attempt_at
                .map(i18n::format_time_micros)
                .unwrap_or_default(),
            state_label: i18n::t(ctx.lang, &format!("delivery-state-{}", view.state)),
            may_retry: view.state != "delivered" && view.state != "pending",
            may_cancel: view.state == "pending" || view.state == "failing",
            view,
        })
        .collect();
    Ok(LogPage {
        page: Page::new(ctx, "notify-log-title"),
        rows,
        channel: channel.map(|c| c.as_str().to_owned()).unwrap_or_default(),
        state: filter,
        channels: NotifyChannel::ALL.iter().map(|c| c.as_str()).collect(),
        states: STATES.to_vec(),
        older,
        form,
        done: query.done.clone().unwrap_or_default(),
        configured: {
            let c = state.app.settings.channels;
            vec![("email", c.email), ("sms", c.sms), ("zalo", c.zalo)]
        },
        zalo: zalo_section(state, ctx, query.zalo.as_deref()).await?,
    })
}

/// The Zalo section, only for those who may connect the OA.
async fn zalo_section(
    state: &AppState,
    ctx: &Ctx,
    outcome: Option<&str>,
) -> WebResult<Option<ZaloSection>> {
    let status = match state.app.zalo_status(&ctx.actor()).await {
        Ok(status) => status,
        Err(motcua_app::AppError::Forbidden) => return Ok(None),
        Err(error) => return Err(error).ctx(ctx),
    };
    // Only known outcomes are shown: the query cannot put words on the page.
    let outcome = match outcome {
        Some("ok") => Some((ctx.t("notify-zalo-connected"), true)),
        Some(code) => ZaloAuthError::ALL
            .iter()
            .find(|e| e.code() == code)
            .map(|e| (ctx.t(e.code()), false)),
        None => None,
    };
    Ok(Some(ZaloSection {
        configured: status.configured,
        connected: status.connected,
        expires: status
            .access_expires_at
            .map(|at| i18n::format_time_micros(at.saturating_mul(1_000_000)))
            .unwrap_or_default(),
        outcome,
    }))
}

/// `GET /admin/notifications/zalo/connect`: sends the administrator to Zalo's permission page.
pub async fn zalo_connect(State(state): State<AppState>, ctx: Ctx) -> WebResult<Response> {
    match state.app.zalo_authorise_start(&ctx.actor()).await {
        Ok(url) => Ok(Redirect::to(&url).into_response()),
        Err(motcua_app::AppError::Zalo(error)) => Ok(zalo_outcome(error.code())),
        Err(error) => Err(error).ctx(&ctx),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ZaloCallbackQuery {
    code: Option<String>,
    state: Option<String>,
    oa_id: Option<String>,
    error: Option<String>,
}

/// `GET /admin/notifications/zalo/callback?code=…&oa_id=…&state=…` (or `?error=…&state=…`):
/// Zalo sends the administrator back here; the outcome is shown on the page.
pub async fn zalo_callback(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ZaloCallbackQuery>,
) -> WebResult<Response> {
    let callback = ZaloCallback {
        code: query.code,
        state: query.state,
        oa_id: query.oa_id,
        error: query.error,
    };
    match state
        .app
        .zalo_authorise_finish(&ctx.actor(), &callback)
        .await
    {
        Ok(_) => Ok(zalo_outcome("ok")),
        Err(motcua_app::AppError::Zalo(error)) => Ok(zalo_outcome(error.code())),
        Err(error) => Err(error).ctx(&ctx),
    }
}

fn zalo_outcome(code: &str) -> Response {
    Redirect::to(&format!("/admin/notifications?zalo={code}#zalo")).into_response()
}

/// `/admin/notifications`: the delivery log.
pub async fn log(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<LogQuery>,
) -> WebResult<Response> {
    Ok(render(
        &log_page(&state, &ctx, &query, FormState::default()).await?,
    ))
}

pub async fn retry(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    state.app.retry_delivery(&ctx.actor(), id).await.ctx(&ctx)?;
    Ok(Redirect::to("/admin/notifications?done=retry").into_response())
}

pub async fn cancel(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    state
        .app
        .cancel_delivery(&ctx.actor(), id)
        .await
        .ctx(&ctx)?;
    Ok(Redirect::to("/admin/notifications?done=cancel").into_response())
}

/// A test message on one channel, through the real pipeline.
pub async fn send_test(
    State(state): State<AppState>,
    ctx: Ctx,
    fields: FormFields,
) -> WebResult<Response> {
    match state
        .app
        .send_test_message(&ctx.actor(), &fields.get("channel"), &fields.get("to"))
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/notifications?done=test").into_response()),
        Err(error @ motcua_app::AppError::Invalid(_)) => {
            let form = FormState::from_values(fields.0.clone()).fail(ctx.lang, &error);
            let page = log_page(&state, &ctx, &LogQuery::default(), form).await?;
            Ok(crate::pages::layout::render_status(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                &page,
            ))
        }
        Err(error) => Err(error).ctx(&ctx),
    }
}

#[derive(Template)]
#[template(path = "admin/notification_templates.html")]
struct TemplatesPage {
    page: Page,
    form: FormState,
    templates: Vec<&'static str>,
    languages: Vec<&'static str>,
    template: String,
    language: String,
    /// (part, text in force, catalogue text, changed)
    parts: Vec<(String, String, String, bool)>,
    preview: RenderedMessage,
    saved: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct TemplateQuery {
    template: Option<String>,
    lang: Option<String>,
    saved: Option<String>,
}

async fn templates_page(
    state: &AppState,
    ctx: &Ctx,
    template: &str,
    language: &str,
    edited: Option<&FormFields>,
    form: FormState,
    saved: bool,
) -> WebResult<TemplatesPage> {
    let actor = ctx.actor();
    let all = state.app.notification_templates(&actor).await.ctx(ctx)?;
    let parts = all
        .into_iter()
        .filter(|t| t.template == template && t.language == language)
        .map(|t| {
            let current = edited
                .map(|f| f.get(&t.part))
                .unwrap_or_else(|| t.current.clone());
            (t.part, current, t.catalogue, t.changed)
        })
        .collect::<Vec<_>>();
    // The preview shows the words being edited, part by part.
    let mut preview = state
        .app
        .preview_template(&actor, template, language, None)
        .await
        .ctx(ctx)?;
    if edited.is_some() {
        for (part, text, _, _) in &parts {
            let one = state
                .app
                .preview_template(&actor, template, language, Some((part, text)))
                .await
                .ctx(ctx)?;
            match part.as_str() {
                "subject" => preview.subject = one.subject,
                "body" => preview.body = one.body,
                _ => preview.short = one.short,
            }
        }
    }
    Ok(TemplatesPage {
        page: Page::new(ctx, "notify-templates-title"),
        form,
        templates: TEMPLATES.to_vec(),
        languages: LANGUAGES.to_vec(),
        template: template.to_owned(),
        language: language.to_owned(),
        parts,
        preview,
        saved,
    })
}

/// `/admin/notifications/templates`: one template's parts in one language, with a preview.
pub async fn templates(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<TemplateQuery>,
) -> WebResult<Response> {
    let template = query
        .template
        .filter(|t| TEMPLATES.contains(&t.as_str()))
        .unwrap_or_else(|| "received".to_owned());
    let language = query
        .lang
        .filter(|l| LANGUAGES.contains(&l.as_str()))
        .unwrap_or_else(|| "vi".to_owned());
    let page = templates_page(
        &state,
        &ctx,
        &template,
        &language,
        None,
        FormState::default(),
        query.saved.is_some(),
    )
    .await?;
    Ok(render(&page))
}

/// Saves the parts of one template, or (with `preview`) only shows them rendered.
pub async fn save_template(
    State(state): State<AppState>,
    ctx: Ctx,
    fields: FormFields,
) -> WebResult<Response> {
    let template = fields.get("template");
    let language = fields.get("lang");
    let actor = ctx.actor();
    if fields.optional("preview").is_none() {
        let texts: Vec<(String, String)> = PARTS
            .iter()
            .map(|part| ((*part).to_owned(), fields.get(part)))
            .collect();
        let parts: Vec<(&str, &str)> = texts
            .iter()
            .map(|(part, text)| (part.as_str(), text.as_str()))
            .collect();
        return match state
            .app
            .set_notification_template(&actor, &template, &language, &parts)
            .await
        {
            Ok(()) => Ok(Redirect::to(&format!(
                "/admin/notifications/templates?template={template}&lang={language}&saved=1"
            ))
            .into_response()),
            Err(error @ motcua_app::AppError::Invalid(_)) => {
                let form = FormState::from_values(fields.0.clone()).fail(ctx.lang, &error);
                let page = templates_page(
                    &state,
                    &ctx,
                    &template,
                    &language,
                    Some(&fields),
                    form,
                    false,
                )
                .await?;
                Ok(crate::pages::layout::render_status(
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    &page,
                ))
            }
            Err(error) => Err(error).ctx(&ctx),
        };
    }
    if !TEMPLATES.contains(&template.as_str()) || !LANGUAGES.contains(&language.as_str()) {
        return Err(motcua_app::AppError::NotFound).ctx(&ctx);
    }
    let page = templates_page(
        &state,
        &ctx,
        &template,
        &language,
        Some(&fields),
        FormState::from_values(fields.0.clone()),
        false,
    )
    .await?;
    Ok(render(&page))
}
