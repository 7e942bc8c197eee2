//! Administration pages: the organisation tree, officials and their roles, the audit log,
//! import and export.

use crate::context::Ctx;
use crate::error::{ContextualError, WebError, WebResult};
use crate::extract::FormFields;
use crate::pages::layout::{FormState, Page, render, render_status, status_of};
use crate::{AppState, i18n};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::AppError;
use motcua_app::directory::{OfficialForm, UnitForm};
use motcua_app::transfer::Format;
use motcua_app::views::{AuditRow, OfficialRow, OrgUnitRow, RoleAssignmentRow};
use motcua_domain::authz::Role;
use motcua_domain::org::{GovLevel, OrgKind};
use std::collections::HashMap;

pub struct UnitView {
    pub id: i64,
    pub name: String,
    pub code: String,
    pub depth: usize,
    pub kind_key: String,
    pub level_key: String,
}

#[derive(Template)]
#[template(path = "admin/units.html")]
struct UnitsPage {
    page: Page,
    units: Vec<UnitView>,
}

#[derive(Template)]
#[template(path = "admin/unit_form.html")]
struct UnitFormPage {
    page: Page,
    form: FormState,
    action: String,
    parents: Vec<(i64, String)>,
    kinds: Vec<&'static str>,
    levels: Vec<&'static str>,
    unit_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "admin/officials.html")]
struct OfficialsPage {
    page: Page,
    officials: Vec<OfficialRow>,
}

#[derive(Template)]
#[template(path = "admin/official_form.html")]
struct OfficialFormPage {
    page: Page,
    form: FormState,
    action: String,
    units: Vec<(i64, String)>,
    creating: bool,
    roles: Vec<RoleAssignmentRow>,
    role_names: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    page: Page,
    entries: Vec<(String, AuditRow, String)>,
    older: Option<i64>,
}

#[derive(Template)]
#[template(path = "admin/outbox.html")]
struct OutboxPage {
    page: Page,
    overview: motcua_app::effects::OutboxOverview,
    /// Each waiting row with its time and the name of the unit it concerns.
    waiting: Vec<(String, motcua_app::effects::WaitingEffect, String)>,
}

#[derive(Template)]
#[template(path = "admin/transfer.html")]
struct TransferPage {
    page: Page,
}

/// Units as indented choices for select boxes.
pub(crate) fn unit_choices(units: &[OrgUnitRow]) -> Vec<(i64, String)> {
    units
        .iter()
        .map(|u| {
            let depth = motcua_domain::org::OrgPath::from_stored(u.path.clone()).depth();
            (
                u.id,
                format!("{}{}", "— ".repeat(depth.saturating_sub(1)), u.name),
            )
        })
        .collect()
}

fn flash(ctx: &Ctx, query: &HashMap<String, String>) -> Option<String> {
    if query.contains_key("saved") {
        Some(i18n::t(ctx.lang, "admin-saved"))
    } else if query.contains_key("deleted") {
        Some(i18n::t(ctx.lang, "admin-deleted"))
    } else {
        query.get("imported").map(|v| {
            let parts: Vec<&str> = v.split('-').collect();
            let get = |i: usize| parts.get(i).copied().unwrap_or("0");
            i18n::tf(
                ctx.lang,
                "admin-import-done",
                &[("created", get(0)), ("updated", get(1)), ("roles", get(2))],
            )
        })
    }
}

pub async fn units(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    let units = state.app.list_units(&ctx.actor()).await.ctx(&ctx)?;
    let views = units
        .into_iter()
        .map(|u| UnitView {
            depth: motcua_domain::org::OrgPath::from_stored(u.path.clone()).depth(),
            kind_key: format!("kind-{}", u.kind),
            level_key: format!("level-{}", u.level),
            code: u.code.unwrap_or_default(),
            id: u.id,
            name: u.name,
        })
        .collect();
    Ok(render(&UnitsPage {
        page: Page::new(&ctx, "admin-units-title").with_flash(flash(&ctx, &query)),
        units: views,
    }))
}

async fn unit_form_page(
    state: &AppState,
    ctx: &Ctx,
    form: FormState,
    unit_id: Option<i64>,
) -> WebResult<UnitFormPage> {
    let units = state.app.list_units(&ctx.actor()).await.ctx(ctx)?;
    let parents = unit_choices(&units)
        .into_iter()
        .filter(|(id, _)| Some(*id) != unit_id)
        .collect();
    Ok(UnitFormPage {
        page: Page::new(
            ctx,
            if unit_id.is_some() {
                "admin-unit-edit"
            } else {
                "admin-unit-new"
            },
        ),
        form,
        action: unit_id
            .map(|id| format!("/admin/units/{id}"))
            .unwrap_or_else(|| "/admin/units".into()),
        parents,
        kinds: OrgKind::ALL.iter().map(|k| k.as_str()).collect(),
        levels: GovLevel::ALL.iter().map(|l| l.as_str()).collect(),
        unit_id,
    })
}

pub async fn unit_new(State(state): State<AppState>, ctx: Ctx) -> WebResult<Response> {
    let mut form = FormState::default();
    form.values.insert("kind".into(), "unit".into());
    form.values.insert("level".into(), "commune".into());
    form.values.insert("sort_order".into(), "0".into());
    Ok(render(&unit_form_page(&state, &ctx, form, None).await?))
}

fn unit_form_from(fields: &FormFields) -> Result<UnitForm, AppError> {
    let parent_id = match fields.optional("parent_id") {
        Some(v) => Some(
            v.parse()
                .map_err(|_| AppError::invalid("parent_id", "error-parent"))?,
        ),
        None => None,
    };
    let sort_order = match fields.optional("sort_order") {
        Some(v) => v
            .parse()
            .map_err(|_| AppError::invalid("sort_order", "error-invalid"))?,
        None => 0,
    };
    Ok(UnitForm {
        parent_id,
        kind: fields.get("kind"),
        level: fields.get("level"),
        name: fields.get("name"),
        short_name: fields.optional("short_name"),
        code: fields.optional("code"),
        address: fields.optional("address"),
        phone: fields.optional("phone"),
        email: fields.optional("email"),
        sort_order,
    })
}

pub async fn unit_create(
    State(state): State<AppState>,
    ctx: Ctx,
    fields: FormFields,
) -> WebResult<Response> {
    let result = match unit_form_from(&fields) {
        Ok(form) => state.app.create_unit(&ctx.actor(), &form).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/admin/units?saved=1").into_response()),
        Err(error @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let form = FormState::from_values(fields.0).fail(ctx.lang, &error);
            Ok(render_status(
                status_of(&error),
                &unit_form_page(&state, &ctx, form, None).await?,
            ))
        }
        Err(error) => Err(WebError::from(error).with(ctx.lang, false)),
    }
}

pub async fn unit_edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let unit = state.app.get_unit(&ctx.actor(), id).await.ctx(&ctx)?;
    let values = [
        ("name", unit.name),
        ("short_name", unit.short_name.unwrap_or_default()),
        (
            "parent_id",
            unit.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        ),
        ("kind", unit.kind),
        ("level", unit.level),
        ("code", unit.code.unwrap_or_default()),
        ("address", unit.address.unwrap_or_default()),
        ("phone", unit.phone.unwrap_or_default()),
        ("email", unit.email.unwrap_or_default()),
        ("sort_order", unit.sort_order.to_string()),
    ];
    let form = FormState::from_values(values.into_iter().map(|(k, v)| (k.to_owned(), v)));
    Ok(render(&unit_form_page(&state, &ctx, form, Some(id)).await?))
}

pub async fn unit_update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    fields: FormFields,
) -> WebResult<Response> {
    let result = match unit_form_from(&fields) {
        Ok(form) => state.app.update_unit(&ctx.actor(), id, &form).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/admin/units?saved=1").into_response()),
        Err(error @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let form = FormState::from_values(fields.0).fail(ctx.lang, &error);
            Ok(render_status(
                status_of(&error),
                &unit_form_page(&state, &ctx, form, Some(id)).await?,
            ))
        }
        Err(error) => Err(WebError::from(error).with(ctx.lang, false)),
    }
}

pub async fn unit_delete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    state.app.delete_unit(&ctx.actor(), id).await.ctx(&ctx)?;
    Ok(Redirect::to("/admin/units?deleted=1").into_response())
}

pub async fn officials(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    let officials = state.app.list_officials(&ctx.actor()).await.ctx(&ctx)?;
    Ok(render(&OfficialsPage {
        page: Page::new(&ctx, "admin-officials-title").with_flash(flash(&ctx, &query)),
        officials,
    }))
}

async fn official_form_page(
    state: &AppState,
    ctx: &Ctx,
    form: FormState,
    official_id: Option<i64>,
    roles: Vec<RoleAssignmentRow>,
) -> WebResult<OfficialFormPage> {
    let units = state.app.list_units(&ctx.actor()).await.ctx(ctx)?;
    Ok(OfficialFormPage {
        page: Page::new(
            ctx,
            if official_id.is_some() {
                "admin-official-edit"
            } else {
                "admin-official-new"
            },
        ),
        form,
        action: official_id
            .map(|id| format!("/admin/officials/{id}"))
            .unwrap_or_else(|| "/admin/officials".into()),
        units: unit_choices(&units),
        creating: official_id.is_none(),
        roles,
        role_names: Role::ALL.iter().map(|r| r.as_str()).collect(),
    })
}

pub async fn official_new(State(state): State<AppState>, ctx: Ctx) -> WebResult<Response> {
    Ok(render(
        &official_form_page(&state, &ctx, FormState::default(), None, Vec::new()).await?,
    ))
}

fn official_form_from(fields: &FormFields) -> Result<OfficialForm, AppError> {
    let unit_id = fields
        .get("unit_id")
        .parse()
        .map_err(|_| AppError::invalid("unit_id", "error-parent"))?;
    Ok(OfficialForm {
        username: fields.get("username"),
        full_name: fields.get("full_name"),
        position: fields.optional("position"),
        unit_id,
        email: fields.optional("email"),
        phone: fields.optional("phone"),
        employed_from: fields.optional("employed_from"),
        employed_to: fields.optional("employed_to"),
        active: fields.optional("active").is_some_and(|v| v == "true"),
        password: fields.optional("password"),
    })
}

pub async fn official_create(
    State(state): State<AppState>,
    ctx: Ctx,
    fields: FormFields,
) -> WebResult<Response> {
    let result = match official_form_from(&fields) {
        Ok(mut form) => {
            form.active = true;
            state.app.create_official(&ctx.actor(), &form).await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(official) => {
            Ok(Redirect::to(&format!("/admin/officials/{}?saved=1", official.id)).into_response())
        }
        Err(error @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let form = FormState::from_values(fields.0).fail(ctx.lang, &error);
            Ok(render_status(
                status_of(&error),
                &official_form_page(&state, &ctx, form, None, Vec::new()).await?,
            ))
        }
        Err(error) => Err(WebError::from(error).with(ctx.lang, false)),
    }
}

pub async fn official_edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    let (official, roles) = state.app.get_official(&ctx.actor(), id).await.ctx(&ctx)?;
    let values = [
        ("username", official.username),
        ("full_name", official.full_name),
        ("position", official.position_name.unwrap_or_default()),
        ("unit_id", official.unit_id.to_string()),
        ("email", official.email.unwrap_or_default()),
        ("phone", official.phone.unwrap_or_default()),
        ("employed_from", official.employed_from.unwrap_or_default()),
        ("employed_to", official.employed_to.unwrap_or_default()),
        ("active", official.active.to_string()),
    ];
    let form = FormState::from_values(values.into_iter().map(|(k, v)| (k.to_owned(), v)));
    let mut page = official_form_page(&state, &ctx, form, Some(id), roles).await?;
    page.page = page.page.with_flash(flash(&ctx, &query));
    Ok(render(&page))
}

pub async fn official_update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    fields: FormFields,
) -> WebResult<Response> {
    let result = match official_form_from(&fields) {
        Ok(form) => state.app.update_official(&ctx.actor(), id, &form).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/admin/officials/{id}?saved=1")).into_response()),
        Err(error @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let (_, roles) = state.app.get_official(&ctx.actor(), id).await.ctx(&ctx)?;
            let form = FormState::from_values(fields.0).fail(ctx.lang, &error);
            Ok(render_status(
                status_of(&error),
                &official_form_page(&state, &ctx, form, Some(id), roles).await?,
            ))
        }
        Err(error) => Err(WebError::from(error).with(ctx.lang, false)),
    }
}

pub async fn role_assign(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    fields: FormFields,
) -> WebResult<Response> {
    let unit_id = fields
        .get("unit_id")
        .parse()
        .map_err(|_| AppError::invalid("unit_id", "error-parent"))
        .ctx(&ctx)?;
    state
        .app
        .assign_role(&ctx.actor(), id, &fields.get("role"), unit_id)
        .await
        .ctx(&ctx)?;
    Ok(Redirect::to(&format!("/admin/officials/{id}?saved=1")).into_response())
}

pub async fn role_revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let official_id = state.app.revoke_role(&ctx.actor(), id).await.ctx(&ctx)?;
    Ok(Redirect::to(&format!("/admin/officials/{official_id}?saved=1")).into_response())
}

pub async fn audit(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    let before = query.get("before").and_then(|b| b.parse().ok());
    let rows = state
        .app
        .list_audit(
            &ctx.actor(),
            query.get("action").map(String::as_str),
            before,
        )
        .await
        .ctx(&ctx)?;
    let older = (rows.len() == 100)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    let entries = rows
        .into_iter()
        .map(|r| {
            // A system client's entries carry its name (see `Actor::audit`).
            let client_name = (r.actor_kind == "client")
                .then(|| serde_json::from_str::<serde_json::Value>(&r.detail).ok())
                .flatten()
                .and_then(|d| d["client"].as_str().map(str::to_owned));
            let actor = match client_name {
                Some(name) => format!("client {name}"),
                None => format!(
                    "{} {}",
                    r.actor_kind,
                    r.actor_id.map(|i| i.to_string()).unwrap_or_default()
                ),
            };
            (i18n::format_time_micros(r.at), r, actor)
        })
        .collect();
    Ok(render(&AuditPage {
        page: Page::new(&ctx, "admin-audit-title"),
        entries,
        older,
    }))
}

/// Tác vụ gửi đi: every outbox kind with its counts, and the rows that wait.
pub async fn outbox(State(state): State<AppState>, ctx: Ctx) -> WebResult<Response> {
    let mut overview = state.app.outbox_overview(&ctx.actor()).await.ctx(&ctx)?;
    let waiting = std::mem::take(&mut overview.waiting)
        .into_iter()
        .map(|w| {
            // Rows that concern no unit (sign-up codes) are system-wide.
            let scope = w
                .scope_name
                .clone()
                .or_else(|| w.scope_path.clone())
                .unwrap_or_else(|| "—".to_owned());
            (i18n::format_time_micros(w.created_at), w, scope)
        })
        .collect();
    Ok(render(&OutboxPage {
        page: Page::new(&ctx, "admin-outbox-title"),
        overview,
        waiting,
    }))
}

pub async fn transfer(ctx: Ctx) -> Response {
    render(&TransferPage {
        page: Page::new(&ctx, "admin-transfer-title"),
    })
}

/// `/admin/export/units.json` and friends.
pub async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(file): Path<String>,
) -> WebResult<Response> {
    let (what, extension) = file.rsplit_once('.').unwrap_or((file.as_str(), "json"));
    let format = Format::detect(Some(extension), &file);
    let body = match what {
        "units" => state.app.export_units(&ctx.actor(), format).await,
        "officials" => state.app.export_officials(&ctx.actor(), format).await,
        _ => Err(AppError::NotFound),
    }
    .ctx(&ctx)?;
    let content_type = if format == Format::Csv {
        "text/csv; charset=utf-8"
    } else {
        "application/json"
    };
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{what}.{}\"",
        if format == Format::Csv { "csv" } else { "json" }
    )) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// Reads the uploaded file of an import form.
pub(crate) async fn uploaded_file(
    mut multipart: Multipart,
    ctx: &Ctx,
) -> WebResult<(String, String)> {
    while let Some(field) = multipart.next_field().await.map_err(|_| {
        WebError::coded(StatusCode::BAD_REQUEST, "error-malformed-form").with(ctx.lang, false)
    })? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("upload.json").to_owned();
            let bytes = field.bytes().await.map_err(|_| {
                WebError::coded(StatusCode::PAYLOAD_TOO_LARGE, "error-body-too-large")
                    .with(ctx.lang, false)
            })?;
            let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
                WebError::from(AppError::invalid("file", "error-file-format")).with(ctx.lang, false)
            })?;
            return Ok((name, text));
        }
    }
    Err(WebError::from(AppError::invalid("file", "error-required")).with(ctx.lang, false))
}

pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(what): Path<String>,
    multipart: Multipart,
) -> WebResult<Response> {
    let (name, text) = uploaded_file(multipart, &ctx).await?;
    let format = Format::detect(None, &name);
    let (report, back) = match what.as_str() {
        "units" => (
            state.app.import_units(&ctx.actor(), &text, format).await,
            "/admin/units",
        ),
        "officials" => (
            state
                .app
                .import_officials(&ctx.actor(), &text, format)
                .await,
            "/admin/officials",
        ),
        _ => (Err(AppError::NotFound), "/"),
    };
    let report = report.ctx(&ctx)?;
    Ok(Redirect::to(&format!(
        "{back}?imported={}-{}-{}",
        report.created, report.updated, report.roles_added
    ))
    .into_response())
}
