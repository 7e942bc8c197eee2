//! The administration page of the working-day calendar (`/admin/calendar?year=YYYY`): a year's
//! days off and make-up working days with their kind, name and legal basis, a form to add or
//! change a notice entry, delete buttons for stored entries, and the import of a notice file.
//!
//! Works without JavaScript: every action is a plain form post followed by a redirect back to
//! the year, or the page re-rendered with the problems marked (per line for imports).

use crate::AppState;
use crate::context::Ctx;
use crate::error::{ContextualError, WebError, WebResult};
use crate::extract::FormFields;
use crate::i18n::{self, Lang};
use crate::pages::layout::{FormState, Page, render, render_status, status_of};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::calendar::{CalendarDay, OverrideForm, parse_date};
use motcua_app::{AppError, InvalidField};
use motcua_domain::calendar::{DayKind, solar_to_lunar};
use std::collections::HashMap;

/// One row of the year's table, ready to show.
pub struct DayRow {
    /// `YYYY-MM-DD`, for the delete action.
    pub iso: String,
    /// dd/mm/yyyy.
    pub shown: String,
    pub weekday_key: String,
    pub lunar: String,
    pub kind_key: String,
    pub name: String,
    pub basis: String,
    pub from_notice: bool,
}

#[derive(Template)]
#[template(path = "admin/calendar.html")]
struct CalendarPage {
    page: Page,
    year: i32,
    days: Vec<DayRow>,
    form: FormState,
    kinds: Vec<&'static str>,
    /// Import problems, one message a line ("Dòng 3: …").
    import_errors: Vec<String>,
}

fn iso(date: time::Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

fn row(day: CalendarDay) -> DayRow {
    DayRow {
        iso: iso(day.date),
        shown: i18n::format_date(day.date),
        weekday_key: format!("weekday-{}", day.date.weekday().number_from_monday()),
        lunar: solar_to_lunar(day.date)
            .map(|l| l.to_string())
            .unwrap_or_default(),
        kind_key: format!("calendar-kind-{}", day.kind.as_str()),
        name: day.name,
        basis: day.basis,
        from_notice: day.from_notice,
    }
}

/// The year asked for, else the current one (Vietnam time).
fn year_of(state: &AppState, query: &HashMap<String, String>) -> i32 {
    query
        .get("year")
        .and_then(|y| y.trim().parse::<i32>().ok())
        .filter(|y| motcua_app::calendar::SUPPORTED_YEARS.contains(y))
        .unwrap_or_else(|| {
            state
                .app
                .now()
                .to_offset(motcua_domain::calendar::VIETNAM_OFFSET)
                .year()
        })
}

fn flash(lang: Lang, query: &HashMap<String, String>) -> Option<String> {
    let shown = |value: &String| parse_date(value).map(i18n::format_date).unwrap_or_default();
    if let Some(date) = query.get("saved") {
        Some(i18n::tf(lang, "calendar-saved", &[("date", &shown(date))]))
    } else if let Some(date) = query.get("deleted") {
        Some(i18n::tf(
            lang,
            "calendar-deleted",
            &[("date", &shown(date))],
        ))
    } else {
        query.get("imported").map(|v| {
            let (created, updated) = v.split_once('-').unwrap_or((v, "0"));
            i18n::tf(
                lang,
                "calendar-import-done",
                &[("created", created), ("updated", updated)],
            )
        })
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    year: i32,
    form: FormState,
    import_errors: Vec<String>,
    flash_text: Option<String>,
) -> WebResult<CalendarPage> {
    let days = state.app.calendar_year(year).await.ctx(ctx)?;
    Ok(CalendarPage {
        page: Page::new(ctx, "calendar-title").with_flash(flash_text),
        year,
        days: days.into_iter().map(row).collect(),
        form,
        kinds: DayKind::ALL.iter().map(|k| k.as_str()).collect(),
        import_errors,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    let year = year_of(&state, &query);
    let mut form = FormState::default();
    form.values.insert("kind".into(), "compensatory_off".into());
    let page = page(
        &state,
        &ctx,
        year,
        form,
        Vec::new(),
        flash(ctx.lang, &query),
    )
    .await?;
    Ok(render(&page))
}

pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    fields: FormFields,
) -> WebResult<Response> {
    let form = OverrideForm {
        date: fields.get("date"),
        kind: fields.get("kind"),
        name: fields.get("name"),
        basis: fields.get("basis"),
    };
    match state.app.set_calendar_override(&ctx.actor(), &form).await {
        Ok((entry, _)) => Ok(Redirect::to(&format!(
            "/admin/calendar?year={}&saved={}",
            entry.date.year(),
            iso(entry.date)
        ))
        .into_response()),
        Err(error @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let year = parse_date(&form.date)
                .map(|d| d.year())
                .filter(|y| motcua_app::calendar::SUPPORTED_YEARS.contains(y))
                .unwrap_or_else(|| year_of(&state, &HashMap::new()));
            let state_form = FormState::from_values(fields.0.clone()).fail(ctx.lang, &error);
            let page = page(&state, &ctx, year, state_form, Vec::new(), None).await?;
            Ok(render_status(status_of(&error), &page))
        }
        Err(error) => Err(WebError::from(error).with(ctx.lang, false)),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(date): Path<String>,
) -> WebResult<Response> {
    state
        .app
        .delete_calendar_override(&ctx.actor(), &date)
        .await
        .ctx(&ctx)?;
    let year = parse_date(&date).map(|d| d.year()).unwrap_or_default();
    Ok(Redirect::to(&format!("/admin/calendar?year={year}&deleted={date}")).into_response())
}

/// Problems of an import, one sentence each, with the line they concern.
fn import_messages(lang: Lang, fields: &[InvalidField]) -> Vec<String> {
    fields
        .iter()
        .map(|f| {
            let message = i18n::t(lang, &f.code);
            match f.field.strip_prefix("line:") {
                Some(line) => format!(
                    "{}: {message}",
                    i18n::tf(lang, "calendar-line", &[("line", line)])
                ),
                None => message,
            }
        })
        .collect()
}

pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<HashMap<String, String>>,
    mut multipart: Multipart,
) -> WebResult<Response> {
    let malformed =
        || WebError::coded(StatusCode::BAD_REQUEST, "error-malformed-form").with(ctx.lang, false);
    let mut text = None;
    while let Some(field) = multipart.next_field().await.map_err(|_| malformed())? {
        if field.name() == Some("file") {
            let bytes = field.bytes().await.map_err(|_| {
                WebError::coded(StatusCode::PAYLOAD_TOO_LARGE, "error-body-too-large")
                    .with(ctx.lang, false)
            })?;
            text = Some(String::from_utf8(bytes.to_vec()).map_err(|_| {
                WebError::from(AppError::invalid("file", "error-file-format")).with(ctx.lang, false)
            })?);
        }
    }
    let year = year_of(&state, &query);
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        let error = AppError::invalid("file", "error-calendar-empty-file");
        let messages = import_messages(
            ctx.lang,
            &[InvalidField::new("file", "error-calendar-empty-file")],
        );
        let page = page(&state, &ctx, year, FormState::default(), messages, None).await?;
        return Ok(render_status(status_of(&error), &page));
    };
    match state.app.import_calendar(&ctx.actor(), &text).await {
        Ok(report) => Ok(Redirect::to(&format!(
            "/admin/calendar?year={year}&imported={}-{}",
            report.created, report.updated
        ))
        .into_response()),
        Err(error @ AppError::Invalid(_)) => {
            let AppError::Invalid(fields) = &error else {
                return Err(WebError::from(error).with(ctx.lang, false));
            };
            let messages = import_messages(ctx.lang, fields);
            let page = page(&state, &ctx, year, FormState::default(), messages, None).await?;
            Ok(render_status(status_of(&error), &page))
        }
        Err(error) => Err(WebError::from(error).with(ctx.lang, false)),
    }
}
