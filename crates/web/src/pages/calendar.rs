//! The administration page of the working-day calendar (`/admin/calendar?year=YYYY`): a year's
//! days off and make-up working days with their kind, name and legal basis, a form to add or
//! change a notice entry, delete buttons for stored entries, the import of a notice file, and
//! the agencies' own office hours (giờ làm việc) with a form to set or reset them.
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
use motcua_app::calendar::{CalendarDay, OfficeHoursForm, OverrideForm, hours_form, parse_date};
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
    /// Agencies with their own office hours: (unit id, unit name, "07:00–11:30, 13:30–17:00", cut-off).
    hours: Vec<(i64, String, String, String)>,
    hours_form: FormState,
    /// Units for the office-hours form, indented by depth.
    units: Vec<(i64, String)>,
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
    if query.contains_key("hours") {
        Some(i18n::t(lang, "calendar-hours-saved"))
    } else if let Some(date) = query.get("saved") {
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

/// What the page shows besides the year: the problems of the last action, if any.
#[derive(Default)]
struct Problems {
    form: FormState,
    import_errors: Vec<String>,
    hours_form: FormState,
    flash: Option<String>,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    year: i32,
    problems: Problems,
) -> WebResult<CalendarPage> {
    let days = state.app.calendar_year(year).await.ctx(ctx)?;
    let units = state.app.list_units(&ctx.actor()).await.unwrap_or_default();
    let name_of = |id: i64| {
        units
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.name.clone())
            .unwrap_or_else(|| format!("#{id}"))
    };
    let hours = state
        .app
        .list_office_hours()
        .await
        .ctx(ctx)?
        .into_iter()
        .map(|(id, h)| {
            let f = hours_form(&h);
            (
                id,
                name_of(id),
                format!(
                    "{}–{}, {}–{}",
                    f.morning_start, f.morning_end, f.afternoon_start, f.afternoon_end
                ),
                f.same_day_cutoff,
            )
        })
        .collect();
    let mut hours_state = problems.hours_form;
    if hours_state.values.is_empty() {
        let defaults = hours_form(&motcua_domain::calendar::OfficeHours::default());
        for (key, value) in [
            ("morning_start", defaults.morning_start),
            ("morning_end", defaults.morning_end),
            ("afternoon_start", defaults.afternoon_start),
            ("afternoon_end", defaults.afternoon_end),
            ("same_day_cutoff", defaults.same_day_cutoff),
        ] {
            hours_state.values.insert(key.into(), value);
        }
    }
    Ok(CalendarPage {
        page: Page::new(ctx, "calendar-title").with_flash(problems.flash),
        year,
        days: days.into_iter().map(row).collect(),
        form: problems.form,
        kinds: DayKind::ALL.iter().map(|k| k.as_str()).collect(),
        import_errors: problems.import_errors,
        hours,
        hours_form: hours_state,
        units: units
            .iter()
            .map(|u| {
                let depth = motcua_domain::org::OrgPath::from_stored(u.path.clone()).depth();
                (
                    u.id,
                    format!("{}{}", "— ".repeat(depth.saturating_sub(1)), u.name),
                )
            })
            .collect(),
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
    let problems = Problems {
        form,
        flash: flash(ctx.lang, &query),
        ..Problems::default()
    };
    let page = page(&state, &ctx, year, problems).await?;
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
            let problems = Problems {
                form: FormState::from_values(fields.0.clone()).fail(ctx.lang, &error),
                ..Problems::default()
            };
            let page = page(&state, &ctx, year, problems).await?;
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
        let problems = Problems {
            import_errors: messages,
            ..Problems::default()
        };
        let page = page(&state, &ctx, year, problems).await?;
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
            let problems = Problems {
                import_errors: import_messages(ctx.lang, fields),
                ..Problems::default()
            };
            let page = page(&state, &ctx, year, problems).await?;
            Ok(render_status(status_of(&error), &page))
        }
        Err(error) => Err(WebError::from(error).with(ctx.lang, false)),
    }
}

/// Sets an agency's office hours from the form (CalendarManage over that agency).
pub async fn save_hours(
    State(state): State<AppState>,
    ctx: Ctx,
    fields: FormFields,
) -> WebResult<Response> {
    let form = OfficeHoursForm {
        morning_start: fields.get("morning_start"),
        morning_end: fields.get("morning_end"),
        afternoon_start: fields.get("afternoon_start"),
        afternoon_end: fields.get("afternoon_end"),
        same_day_cutoff: fields.get("same_day_cutoff"),
    };
    let result = match fields.get("unit_id").trim().parse::<i64>() {
        Ok(unit_id) => {
            state
                .app
                .set_office_hours(&ctx.actor(), unit_id, &form)
                .await
        }
        Err(_) => Err(AppError::invalid("unit_id", "error-parent")),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/admin/calendar?hours=saved#hours").into_response()),
        Err(error @ AppError::Invalid(_)) => {
            let year = year_of(&state, &HashMap::new());
            let problems = Problems {
                hours_form: FormState::from_values(fields.0.clone()).fail(ctx.lang, &error),
                ..Problems::default()
            };
            let page = page(&state, &ctx, year, problems).await?;
            Ok(render_status(status_of(&error), &page))
        }
        Err(error) => Err(WebError::from(error).with(ctx.lang, false)),
    }
}

/// Returns an agency to inherited or default office hours.
pub async fn reset_hours(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(unit_id): Path<i64>,
) -> WebResult<Response> {
    state
        .app
        .reset_office_hours(&ctx.actor(), unit_id)
        .await
        .ctx(&ctx)?;
    Ok(Redirect::to("/admin/calendar?hours=reset#hours").into_response())
}
