//! Official one-stop forms as PDF: the forms of a dossier (Mẫu 01–06) and an agency's tracking
//! book (Mẫu 07, also as JSON for a page). The app assembles the form data
//! ([`motcua_app::App::dossier_form`], [`motcua_app::App::tracking_book`]); this module only
//! renders it, off the async workers.

use crate::AppState;
use crate::api::types::ApiErrorBody;
use crate::context::Ctx;
use crate::error::{ContextualError, WebError, WebResult};
use crate::i18n;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use motcua_app::AppError;
use motcua_app::forms::{Period, TrackingBookReport, parse_dossier_form};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

/// Answers with a rendered PDF inline.
pub(crate) fn pdf_response(bytes: Vec<u8>, filename: &str) -> WebResult<Response> {
    let mut response = (StatusCode::OK, bytes).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    // The file name is one of ours (`mau01.pdf`, `bien-lai-<id>.pdf` …), never caller text.
    if let Ok(value) = HeaderValue::from_str(&format!("inline; filename=\"{filename}\"")) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// `GET /api/v1/dossiers/{id}/forms/{form}.pdf`: one official form of a dossier.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/forms/{form}", tag = "dossiers",
    params(("id" = i64, Path), ("form" = String, Path, description = "`mau01.pdf` receipt, `mau02.pdf` supplement request, `mau03.pdf` refusal, `mau04.pdf` apology and extension, `mau05.pdf` stop or withdrawal, `mau06.pdf` control sheet")),
    responses((status = 200, content_type = "application/pdf", description = "The form as PDF/A (A5; the control sheet A4 landscape)"),
        (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "The dossier's history never issued this form")))]
pub async fn form_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, form)): Path<(i64, String)>,
) -> WebResult<Response> {
    let Some(kind) = form.strip_suffix(".pdf").and_then(parse_dossier_form) else {
        return Err(WebError::from(AppError::NotFound).with(ctx.lang, ctx.api));
    };
    let pdf = state
        .app
        .dossier_form_pdf(&ctx.actor(), id, kind)
        .await
        .ctx(&ctx)?;
    pdf_response(pdf, &format!("{}.pdf", kind.as_str()))
}

/// The period of a register or a report: `from` and `to` as `dd/mm/yyyy` or `yyyy-mm-dd`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PeriodQuery {
    /// First day, e.g. `01/12/2026` or `2026-12-01`.
    pub from: Option<String>,
    /// Last day (included); at most one year after `from`.
    pub to: Option<String>,
}

impl PeriodQuery {
    pub fn period(&self) -> Result<Period, AppError> {
        Period::parse(
            self.from.as_deref().unwrap_or(""),
            self.to.as_deref().unwrap_or(""),
        )
    }
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// One line of the tracking book.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiTrackingEntry {
    pub sequence: u32,
    pub dossier_id: i64,
    pub code: String,
    pub applicant_name: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub status_code: Option<u8>,
    /// Received (RFC 3339, +07:00) and the same as dd/mm/yyyy.
    pub received_at: String,
    pub received_on: String,
    /// Appointment (ngày hẹn trả).
    pub due_at: String,
    pub due_on: String,
    pub resolved_at: Option<String>,
    pub resolved_on: Option<String>,
    pub returned_at: Option<String>,
    pub returned_on: Option<String>,
    /// `early`, `on_time`, `late` (resolved), `in_time`, `due_soon`, `overdue` (open), or
    /// none (withdrawn, stopped).
    pub timeliness: Option<String>,
    /// The same in the request's language.
    pub timeliness_label: Option<String>,
    /// Ghi chú as printed on Mẫu 07.
    pub note: String,
}

/// Sổ theo dõi hồ sơ of one agency over a period.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiTrackingBook {
    pub agency_code: String,
    pub agency_name: String,
    /// dd/mm/yyyy.
    pub from: String,
    pub to: String,
    pub entries: Vec<ApiTrackingEntry>,
}

fn api_book(report: TrackingBookReport, lang: i18n::Lang) -> ApiTrackingBook {
    let day = |at: OffsetDateTime| i18n::format_date(at.date());
    ApiTrackingBook {
        agency_code: report.agency_code,
        agency_name: report.agency_name,
        from: i18n::format_date(report.from),
        to: i18n::format_date(report.to),
        entries: report
            .entries
            .into_iter()
            .map(|e| ApiTrackingEntry {
                sequence: e.sequence,
                dossier_id: e.dossier_id,
                code: e.code,
                applicant_name: e.applicant_name,
                procedure_code: e.procedure_code,
                procedure_name: e.procedure_name,
                status_code: e.status_code,
                received_at: rfc3339(e.received_at),
                received_on: day(e.received_at),
                due_at: rfc3339(e.due_at),
                due_on: day(e.due_at),
                resolved_at: e.resolved_at.map(rfc3339),
                resolved_on: e.resolved_at.map(day),
                returned_at: e.returned_at.map(rfc3339),
                returned_on: e.returned_at.map(day),
                timeliness_label: e
                    .timeliness
                    .map(|t| i18n::t(lang, &format!("timeliness-{}", t.replace('_', "-")))),
                timeliness: e.timeliness.map(str::to_owned),
                note: e.note,
            })
            .collect(),
    }
}

/// The tracking book (Mẫu 07) of an agency as JSON: its dossiers received in the period.
#[utoipa::path(get, path = "/api/v1/agencies/{code}/tracking-book", tag = "dossiers",
    params(("code" = String, Path, description = "Electronic agency code, e.g. `000.00.30.H13`"), PeriodQuery),
    responses((status = 200, body = ApiTrackingBook), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn tracking_book(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(query): Query<PeriodQuery>,
) -> WebResult<Json<ApiTrackingBook>> {
    let period = query.period().ctx(&ctx)?;
    let report = state
        .app
        .tracking_book(&ctx.actor(), &code, period)
        .await
        .ctx(&ctx)?;
    Ok(Json(api_book(report, ctx.lang)))
}

/// The tracking book (Mẫu 07) of an agency as PDF (A4 landscape).
#[utoipa::path(get, path = "/api/v1/agencies/{code}/tracking-book.pdf", tag = "dossiers",
    params(("code" = String, Path, description = "Electronic agency code, e.g. `000.00.30.H13`"), PeriodQuery),
    responses((status = 200, content_type = "application/pdf", description = "Sổ theo dõi hồ sơ as PDF/A"),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn tracking_book_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(query): Query<PeriodQuery>,
) -> WebResult<Response> {
    let period = query.period().ctx(&ctx)?;
    let pdf = state
        .app
        .tracking_book_pdf(&ctx.actor(), &code, period)
        .await
        .ctx(&ctx)?;
    pdf_response(pdf, "mau07.pdf")
}
