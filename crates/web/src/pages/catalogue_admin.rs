//! Catalogue administration pages: the list of procedures with their versions, the version
//! history with who changed what (from the audit log), editing a draft (main fields plus the
//! full document, field schema included, as JSON), publishing with an effective date, and
//! import/export of the catalogue file.

use crate::AppState;
use crate::context::Ctx;
use crate::error::{ContextualError, WebResult};
use crate::extract::FormFields;
use crate::i18n;
use crate::pages::layout::{FormState, Page, render, render_status, status_of};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::catalogue::{ProcedureVersion, iso_date, parse_iso_date};
use motcua_app::views::ProcedureRow;
use motcua_app::{AppError, InvalidField};
use motcua_domain::procedure::Procedure;
use std::collections::HashMap;

/// Fields of the edit form that have their own input; other problems are listed by path next
/// to the JSON document.
const OWN_FIELDS: [&str; 3] = ["name", "description", "effective_from"];

#[derive(Template)]
#[template(path = "admin/procedures.html")]
struct ListPage {
    page: Page,
    rows: Vec<ProcedureRow>,
}

#[derive(Template)]
#[template(path = "admin/procedure_history.html")]
struct HistoryPage {
    page: Page,
    code: String,
    name: String,
    versions: Vec<ProcedureRow>,
    /// (time, who, action, detail)
    audit: Vec<(String, String, String, String)>,
}

#[derive(Template)]
#[template(path = "admin/procedure_form.html")]
struct EditPage {
    page: Page,
    form: FormState,
    /// Problems inside the JSON document: (path, message).
    document_errors: Vec<(String, String)>,
    action: String,
    code: String,
    version: i64,
    draft: bool,
    today: String,
}

fn flash(ctx: &Ctx, query: &HashMap<String, String>) -> Option<String> {
    if let Some(counts) = query.get("imported") {
        let parts: Vec<&str> = counts.split('-').collect();
        let get = |i: usize| parts.get(i).copied().unwrap_or("0");
        return Some(i18n::tf(
            ctx.lang,
            "catalogue-import-done",
            &[
                ("created", get(0)),
                ("updated", get(1)),
                ("unchanged", get(2)),
                ("drafted", get(3)),
            ],
        ));
    }
    query
        .contains_key("saved")
        .then(|| i18n::t(ctx.lang, "admin-saved"))
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    let mut rows = state
        .app
        .list_procedure_versions(&ctx.actor())
        .await
        .ctx(&ctx)?;
    // Newest version of each procedure first within its code.
    rows.sort_by(|a, b| a.code.cmp(&b.code).then(b.version.cmp(&a.version)));
    Ok(render(&ListPage {
        page: Page::new(&ctx, "catalogue-admin-title").with_flash(flash(&ctx, &query)),
        rows,
    }))
}

async fn who(state: &AppState, ctx: &Ctx, kind: &str, id: Option<i64>) -> String {
    match (kind, id) {
        ("official", Some(id)) => match state.app.official_label(&ctx.actor(), id).await {
            Ok(label) => label,
            Err(_) => format!("official {id}"),
        },
        (kind, Some(id)) => format!("{kind} {id}"),
        (kind, None) => kind.to_owned(),
    }
}

pub async fn history(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    let (versions, entries) = state
        .app
        .procedure_history(&ctx.actor(), &code)
        .await
        .ctx(&ctx)?;
    let mut audit = Vec::with_capacity(entries.len());
    for entry in entries {
        audit.push((
            i18n::format_time_micros(entry.at),
            who(&state, &ctx, &entry.actor_kind, entry.actor_id).await,
            entry.action,
            entry.detail,
        ));
    }
    Ok(render(&HistoryPage {
        page: Page::new(&ctx, "catalogue-history-title").with_flash(flash(&ctx, &query)),
        name: versions.first().map(|v| v.name.clone()).unwrap_or_default(),
        code,
        versions,
        audit,
    }))
}

fn edit_page(ctx: &Ctx, version: Option<&ProcedureVersion>, today: String) -> EditPage {
    let mut form = FormState::default();
    let (action, code, number, draft) = match version {
        Some(v) => {
            form.values.insert("name".into(), v.procedure.name.clone());
            form.values.insert(
                "description".into(),
                v.procedure.description.clone().unwrap_or_default(),
            );
            form.values.insert(
                "document".into(),
                serde_json::to_string_pretty(&v.procedure).unwrap_or_default(),
            );
            (
                format!(
                    "/admin/procedures/{}/versions/{}",
                    v.row.code, v.row.version
                ),
                v.row.code.clone(),
                v.row.version,
                !v.row.is_published(),
            )
        }
        None => ("/admin/procedures".to_owned(), String::new(), 0, true),
    };
    form.values.insert("effective_from".into(), today.clone());
    EditPage {
        page: Page::new(ctx, "catalogue-edit-title"),
        form,
        document_errors: Vec::new(),
        action,
        code,
        version: number,
        draft,
        today,
    }
}

pub async fn new_form(State(state): State<AppState>, ctx: Ctx) -> WebResult<Response> {
    let mut page = edit_page(&ctx, None, iso_date(state.app.today()));
    // Start from a real entry so the shape of every part is visible.
    if let Some(example) = motcua_app::catalogue_transfer::bundled_catalogue()
        .ok()
        .and_then(|all| all.into_iter().next())
    {
        page.form.values.insert(
            "document".into(),
            serde_json::to_string_pretty(&example).unwrap_or_default(),
        );
    }
    Ok(render(&page))
}

/// The submitted document with the main fields applied, or the form re-rendered with problems.
fn submitted(fields: &FormFields, lang: i18n::Lang) -> Result<Procedure, Vec<(String, String)>> {
    let mut procedure: Procedure = serde_json::from_str(&fields.get("document")).map_err(|e| {
        vec![(
            "document".to_owned(),
            format!("{} ({e})", i18n::t(lang, "catalogue-bad-json")),
        )]
    })?;
    let name = motcua_domain::text::clean(&fields.get("name"));
    if !name.is_empty() {
        procedure.name = name;
    }
    procedure.description = fields
        .optional("description")
        .map(|d| motcua_domain::text::clean(&d));
    Ok(procedure)
}

fn failed(mut page: EditPage, ctx: &Ctx, fields: &FormFields, error: &AppError) -> Response {
    page.form.values = fields.0.clone();
    if let AppError::Invalid(problems) = error {
        let (own, others): (Vec<&InvalidField>, Vec<&InvalidField>) = problems
            .iter()
            .partition(|p| OWN_FIELDS.contains(&p.field.as_str()));
        page.form = page.form.fail(
            ctx.lang,
            &AppError::Invalid(own.into_iter().cloned().collect()),
        );
        page.document_errors = others
            .into_iter()
            .map(|p| (p.field.clone(), i18n::t(ctx.lang, &p.code)))
            .collect();
    } else {
        page.form = page.form.fail(ctx.lang, error);
    }
    render_status(status_of(error), &page)
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    fields: FormFields,
) -> WebResult<Response> {
    let page = edit_page(&ctx, None, iso_date(state.app.today()));
    let procedure = match submitted(&fields, ctx.lang) {
        Ok(procedure) => procedure,
        Err(errors) => {
            let mut page = page;
            page.form.values = fields.0.clone();
            page.form.general = Some(i18n::t(ctx.lang, "error-invalid"));
            page.document_errors = errors;
            return Ok(render_status(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                &page,
            ));
        }
    };
    match state
        .app
        .create_procedure_draft(&ctx.actor(), &procedure)
        .await
    {
        Ok(created) => Ok(Redirect::to(&format!(
            "/admin/procedures/{}/versions/{}?saved",
            created.row.code, created.row.version
        ))
        .into_response()),
        Err(error) => Ok(failed(page, &ctx, &fields, &error)),
    }
}

/// Starts a new draft from the newest version of a procedure.
pub async fn new_version(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> WebResult<Response> {
    let (versions, _) = state
        .app
        .procedure_history(&ctx.actor(), &code)
        .await
        .ctx(&ctx)?;
    let latest = versions.first().ok_or(AppError::NotFound).ctx(&ctx)?;
    let procedure = latest.procedure().map_err(AppError::from).ctx(&ctx)?;
    let created = state
        .app
        .create_procedure_draft(&ctx.actor(), &procedure)
        .await
        .ctx(&ctx)?;
    Ok(Redirect::to(&format!(
        "/admin/procedures/{}/versions/{}",
        created.row.code, created.row.version
    ))
    .into_response())
}

pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((code, version)): Path<(String, i64)>,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    let found = state
        .app
        .procedure_version(&ctx.actor(), &code, version)
        .await
        .ctx(&ctx)?;
    let mut page = edit_page(&ctx, Some(&found), iso_date(state.app.today()));
    page.page = page.page.with_flash(flash(&ctx, &query));
    Ok(render(&page))
}

pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((code, version)): Path<(String, i64)>,
    fields: FormFields,
) -> WebResult<Response> {
    let found = state
        .app
        .procedure_version(&ctx.actor(), &code, version)
        .await
        .ctx(&ctx)?;
    let page = edit_page(&ctx, Some(&found), iso_date(state.app.today()));
    let procedure = match submitted(&fields, ctx.lang) {
        Ok(procedure) => procedure,
        Err(errors) => {
            let mut page = page;
            page.form.values = fields.0.clone();
            page.form.general = Some(i18n::t(ctx.lang, "error-invalid"));
            page.document_errors = errors;
            return Ok(render_status(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                &page,
            ));
        }
    };
    match state
        .app
        .update_procedure_draft(&ctx.actor(), &code, version, &procedure)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/admin/procedures/{code}/versions/{version}?saved"
        ))
        .into_response()),
        Err(error) => Ok(failed(page, &ctx, &fields, &error)),
    }
}

pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((code, version)): Path<(String, i64)>,
    fields: FormFields,
) -> WebResult<Response> {
    let found = state
        .app
        .procedure_version(&ctx.actor(), &code, version)
        .await
        .ctx(&ctx)?;
    let page = edit_page(&ctx, Some(&found), iso_date(state.app.today()));
    let result = match parse_iso_date(&fields.get("effective_from")) {
        None => Err(AppError::invalid("effective_from", "error-date")),
        Some(date) => {
            state
                .app
                .publish_procedure(&ctx.actor(), &code, version, date)
                .await
        }
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/admin/procedures/{code}?saved")).into_response()),
        Err(error) => {
            let mut merged = fields.0.clone();
            for key in ["name", "description", "document"] {
                merged.insert(key.to_owned(), page.form.value(key));
            }
            Ok(failed(page, &ctx, &FormFields(merged), &error))
        }
    }
}

pub async fn export(State(state): State<AppState>, ctx: Ctx) -> WebResult<Response> {
    let text = state.app.export_catalogue(&ctx.actor()).await.ctx(&ctx)?;
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"catalogue.json\""),
    );
    Ok(response)
}

pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    multipart: Multipart,
) -> WebResult<Response> {
    let (_, text) = crate::pages::admin::uploaded_file(multipart, &ctx).await?;
    let report = state
        .app
        .import_catalogue(&ctx.actor(), &text)
        .await
        .map_err(|e| crate::error::WebError::from(e).with(ctx.lang, false))?;
    Ok(Redirect::to(&format!(
        "/admin/procedures?imported={}-{}-{}-{}",
        report.created, report.updated, report.unchanged, report.drafted
    ))
    .into_response())
}
