//! `/api/v1/calendar/…`: appointment dates, days off and lunar dates (public information, open to
//! everyone), and the administration of the yearly notices and office hours (CalendarManage).
//!
//! The types are kept here rather than in `types.rs` so that the calendar's API can be read,
//! and merged, in one place. Query parameters are parsed by hand so that a bad value gets the
//! same clear, translated field error as a bad form field, not a generic rejection.

use crate::AppState;
use crate::api::types::ApiErrorBody;
use crate::context::Ctx;
use crate::error::{ContextualError, WebResult};
use crate::extract::ApiJson;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use motcua_app::AppError;
use motcua_app::calendar::{
    CalendarDay, OfficeHoursForm, OverrideForm, format_instant, hours_form, parse_date,
    parse_instant,
};
use motcua_domain::calendar::{DayOff, ProcessingTime};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

/// The processing time that was applied.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiProcessingTime {
    /// `working_days`, `working_hours`, `calendar_days` or `same_day`.
    pub unit: String,
    /// The number of units; absent for `same_day`.
    pub value: Option<u32>,
}

impl From<ProcessingTime> for ApiProcessingTime {
    fn from(time: ProcessingTime) -> Self {
        let (unit, value) = match time {
            ProcessingTime::WorkingDays(n) => ("working_days", Some(n)),
            ProcessingTime::WorkingHours(n) => ("working_hours", Some(n)),
            ProcessingTime::CalendarDays(n) => ("calendar_days", Some(n)),
            ProcessingTime::SameDay => ("same_day", None),
        };
        ApiProcessingTime {
            unit: unit.to_owned(),
            value,
        }
    }
}

/// An appointment (ngày hẹn trả kết quả).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiDue {
    /// The receipt time, RFC 3339 at +07:00.
    pub from: String,
    pub processing_time: ApiProcessingTime,
    /// Electronic code of the agency whose office hours were used, if one was given.
    pub agency: Option<String>,
    /// The due time, RFC 3339 at +07:00.
    pub due: String,
}

/// A day off, or (in a notice) a make-up working day.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiCalendarDay {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `holiday`, `compensatory_off` or `compensatory_work`.
    pub kind: String,
    pub name: String,
    /// The legal basis: the Labour Code article, or the notice.
    pub basis: String,
    /// True when a stored notice entry decides this day (it can be changed or deleted).
    pub from_notice: bool,
}

fn iso(date: time::Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

impl From<CalendarDay> for ApiCalendarDay {
    fn from(day: CalendarDay) -> Self {
        ApiCalendarDay {
            date: iso(day.date),
            kind: day.kind.as_str().to_owned(),
            name: day.name,
            basis: day.basis,
            from_notice: day.from_notice,
        }
    }
}

/// A lunar date (âm lịch).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiLunar {
    /// The solar date asked for, `YYYY-MM-DD`.
    pub date: String,
    /// `D/M/YYYY`, with ` nhuận` in a leap month.
    pub lunar: String,
    pub day: u8,
    pub month: u8,
    /// The Gregorian year in which this lunar year's first day falls.
    pub year: i32,
    /// True in a leap month (tháng nhuận).
    pub leap: bool,
}

/// One day of a notice to add or change; the date is in the path.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiOverrideInput {
    /// `holiday`, `compensatory_off` (a weekday) or `compensatory_work` (a Saturday or Sunday).
    pub kind: String,
    pub name: String,
    pub basis: String,
}

/// What an import did.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiCalendarImport {
    pub created: usize,
    pub updated: usize,
}

/// An agency's office hours, `HH:MM` each.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiOfficeHours {
    pub morning_start: String,
    pub morning_end: String,
    pub afternoon_start: String,
    pub afternoon_end: String,
    /// Receipts after this time count from the next working day for same-day procedures.
    pub same_day_cutoff: String,
}

impl From<OfficeHoursForm> for ApiOfficeHours {
    fn from(form: OfficeHoursForm) -> Self {
        ApiOfficeHours {
            morning_start: form.morning_start,
            morning_end: form.morning_end,
            afternoon_start: form.afternoon_start,
            afternoon_end: form.afternoon_end,
            same_day_cutoff: form.same_day_cutoff,
        }
    }
}

/// Query of `GET /api/v1/calendar/due`: `from` and exactly one processing time.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the parameters; the handler parses them itself for clear errors.
pub struct DueQuery {
    /// Receipt time, RFC 3339 (e.g. `2026-02-13T10:00:00+07:00`).
    from: String,
    /// N working days.
    working_days: Option<u32>,
    /// N working hours.
    working_hours: Option<u32>,
    /// N calendar days.
    calendar_days: Option<u32>,
    /// `true` for a same-day procedure.
    same_day: Option<bool>,
    /// Electronic code of the agency whose office hours apply.
    agency: Option<String>,
}

/// Query of `GET /api/v1/calendar/holidays`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the parameter; the handler parses it itself for clear errors.
pub struct YearQuery {
    /// The Gregorian year, 1900–2199.
    year: i32,
}

/// Reads the processing time from query parameters: exactly one must be given.
pub fn processing_time(query: &HashMap<String, String>) -> Result<ProcessingTime, AppError> {
    let mut found = Vec::new();
    for (key, make) in [
        (
            "working_days",
            ProcessingTime::WorkingDays as fn(u32) -> ProcessingTime,
        ),
        ("working_hours", ProcessingTime::WorkingHours),
        ("calendar_days", ProcessingTime::CalendarDays),
    ] {
        if let Some(value) = query.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            let n: u32 = value
                .parse()
                .ok()
                .filter(|n| *n <= 10_000)
                .ok_or_else(|| AppError::invalid(key, "error-calendar-processing"))?;
            found.push(make(n));
        }
    }
    match query.get("same_day").map(|v| v.trim()) {
        Some("true" | "1") => found.push(ProcessingTime::SameDay),
        Some("false" | "0" | "") | None => {}
        Some(_) => return Err(AppError::invalid("same_day", "error-calendar-processing")),
    }
    match found.as_slice() {
        [one] => Ok(*one),
        _ => Err(AppError::invalid(
            "working_days",
            "error-calendar-processing",
        )),
    }
}

/// Reads `year`.
pub fn year_param(query: &HashMap<String, String>) -> Result<i32, AppError> {
    query
        .get("year")
        .and_then(|y| y.trim().parse().ok())
        .ok_or_else(|| AppError::invalid("year", "error-calendar-year"))
}

/// The due time of something received at `from` with the given processing time, counted in
/// the agency's office hours (or the default 07:00–11:30, 13:30–17:00) and the official notices.
#[utoipa::path(get, path = "/api/v1/calendar/due", tag = "calendar", params(DueQuery), security(()),
    responses((status = 200, body = ApiDue), (status = 422, body = ApiErrorBody)))]
pub async fn due(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Json<ApiDue>> {
    let from = query
        .get("from")
        .and_then(|v| parse_instant(v))
        .ok_or_else(|| AppError::invalid("from", "error-calendar-from"))
        .ctx(&ctx)?;
    let time = processing_time(&query).ctx(&ctx)?;
    let agency = query
        .get("agency")
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty());
    let due = state
        .app
        .calendar_due(agency.as_deref(), from, time)
        .await
        .ctx(&ctx)?;
    Ok(Json(ApiDue {
        from: format_instant(from),
        processing_time: time.into(),
        agency,
        due: format_instant(due),
    }))
}

/// The days off of a year: public holidays (also those on a weekend) and compensatory days off,
/// from the Labour Code and the stored official notices.
#[utoipa::path(get, path = "/api/v1/calendar/holidays", tag = "calendar", params(YearQuery), security(()),
    responses((status = 200, body = [ApiCalendarDay]), (status = 422, body = ApiErrorBody)))]
pub async fn holidays(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Json<Vec<ApiCalendarDay>>> {
    let year = year_param(&query).ctx(&ctx)?;
    let days: Vec<DayOff> = state.app.calendar_days_off(year).await.ctx(&ctx)?;
    let notice = state.app.calendar_year(year).await.ctx(&ctx)?;
    Ok(Json(
        days.into_iter()
            .map(|d| ApiCalendarDay {
                from_notice: notice.iter().any(|n| n.date == d.date && n.from_notice),
                date: iso(d.date),
                kind: d.kind.as_str().to_owned(),
                name: d.name,
                basis: d.basis,
            })
            .collect(),
    ))
}

/// The whole year as administrators see it: days off and make-up working days, each marked
/// when a stored notice entry decides it.
#[utoipa::path(get, path = "/api/v1/calendar/overrides", tag = "calendar", params(YearQuery), security(()),
    responses((status = 200, body = [ApiCalendarDay]), (status = 422, body = ApiErrorBody)))]
pub async fn year(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Json<Vec<ApiCalendarDay>>> {
    let year = year_param(&query).ctx(&ctx)?;
    let days = state.app.calendar_year(year).await.ctx(&ctx)?;
    Ok(Json(days.into_iter().map(Into::into).collect()))
}

/// The Vietnamese lunar date (UTC+7) of a solar date.
#[utoipa::path(get, path = "/api/v1/calendar/lunar/{date}", tag = "calendar", security(()),
    params(("date" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 200, body = ApiLunar), (status = 422, body = ApiErrorBody)))]
pub async fn lunar(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(date): Path<String>,
) -> WebResult<Json<ApiLunar>> {
    let solar = parse_date(&date)
        .ok_or_else(|| AppError::invalid("date", "error-calendar-date"))
        .ctx(&ctx)?;
    let lunar = state.app.lunar_date(solar).ctx(&ctx)?;
    Ok(Json(ApiLunar {
        date: iso(solar),
        lunar: lunar.to_string(),
        day: lunar.day,
        month: lunar.month,
        year: lunar.year,
        leap: lunar.leap,
    }))
}

/// Adds (201) or replaces (200) the notice entry of a date.
#[utoipa::path(put, path = "/api/v1/calendar/overrides/{date}", tag = "calendar",
    params(("date" = String, Path, description = "YYYY-MM-DD")), request_body = ApiOverrideInput,
    responses((status = 200, body = ApiCalendarDay), (status = 201, body = ApiCalendarDay),
        (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn set_override(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(date): Path<String>,
    ApiJson(input): ApiJson<ApiOverrideInput>,
) -> WebResult<Response> {
    let form = OverrideForm {
        date,
        kind: input.kind,
        name: input.name,
        basis: input.basis,
    };
    let (entry, created) = state
        .app
        .set_calendar_override(&ctx.actor(), &form)
        .await
        .ctx(&ctx)?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let body = ApiCalendarDay {
        date: iso(entry.date),
        kind: entry.kind.as_str().to_owned(),
        name: entry.name,
        basis: entry.basis,
        from_notice: true,
    };
    Ok((status, Json(body)).into_response())
}

/// Deletes the notice entry of a date; the computed default applies again.
#[utoipa::path(delete, path = "/api/v1/calendar/overrides/{date}", tag = "calendar",
    params(("date" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn delete_override(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(date): Path<String>,
) -> WebResult<StatusCode> {
    state
        .app
        .delete_calendar_override(&ctx.actor(), &date)
        .await
        .ctx(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Imports a notice file (`YYYY-MM-DD<TAB>kind<TAB>name<TAB>basis` lines, `#` comments). Nothing
/// is written unless every line is valid; problems are reported per line as fields `line:N`.
#[utoipa::path(post, path = "/api/v1/calendar/import", tag = "calendar",
    request_body(content = String, description = "The notice file, UTF-8 text", content_type = "text/plain"),
    responses((status = 200, body = ApiCalendarImport), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    body: String,
) -> WebResult<Json<ApiCalendarImport>> {
    let report = state
        .app
        .import_calendar(&ctx.actor(), &body)
        .await
        .ctx(&ctx)?;
    Ok(Json(ApiCalendarImport {
        created: report.created,
        updated: report.updated,
    }))
}

/// An agency's own office hours (404 when it uses inherited or default hours).
#[utoipa::path(get, path = "/api/v1/calendar/office-hours/{unit_id}", tag = "calendar", security(()),
    params(("unit_id" = i64, Path)),
    responses((status = 200, body = ApiOfficeHours), (status = 404, body = ApiErrorBody)))]
pub async fn get_office_hours(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(unit_id): Path<i64>,
) -> WebResult<Json<ApiOfficeHours>> {
    let hours = state
        .app
        .office_hours(unit_id)
        .await
        .ctx(&ctx)?
        .ok_or(AppError::NotFound)
        .ctx(&ctx)?;
    Ok(Json(hours_form(&hours).into()))
}

/// Sets an agency's office hours (CalendarManage over that agency).
#[utoipa::path(put, path = "/api/v1/calendar/office-hours/{unit_id}", tag = "calendar",
    params(("unit_id" = i64, Path)), request_body = ApiOfficeHours,
    responses((status = 200, body = ApiOfficeHours), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn set_office_hours(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(unit_id): Path<i64>,
    ApiJson(input): ApiJson<ApiOfficeHours>,
) -> WebResult<Json<ApiOfficeHours>> {
    let form = OfficeHoursForm {
        morning_start: input.morning_start,
        morning_end: input.morning_end,
        afternoon_start: input.afternoon_start,
        afternoon_end: input.afternoon_end,
        same_day_cutoff: input.same_day_cutoff,
    };
    let hours = state
        .app
        .set_office_hours(&ctx.actor(), unit_id, &form)
        .await
        .ctx(&ctx)?;
    Ok(Json(hours_form(&hours).into()))
}

/// Returns an agency to inherited or default office hours.
#[utoipa::path(delete, path = "/api/v1/calendar/office-hours/{unit_id}", tag = "calendar",
    params(("unit_id" = i64, Path)),
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn reset_office_hours(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(unit_id): Path<i64>,
) -> WebResult<StatusCode> {
    state
        .app
        .reset_office_hours(&ctx.actor(), unit_id)
        .await
        .ctx(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}
