//! `/api/v1` operations on dossiers: online submission, work queues, reception, actions along
//! the workflow, and the public status lookup by code.

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
use motcua_app::dossiers::{CounterRegistration, PublicStatus, Submission};
use motcua_app::postal::PostalChoice;
use motcua_app::views::DossierView;
use motcua_domain::dossier::{Command, DossierStatus, ResultDelivery};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A dossier as the back office and its owner see it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiDossier {
    pub id: i64,
    /// Mã hồ sơ, `<agency code>-YYMMDD-NNNN`.
    pub code: Option<String>,
    pub procedure_code: String,
    pub procedure_version: i64,
    pub agency_id: i64,
    pub applicant_name: String,
    /// `online`, `counter` or `postal`.
    pub channel: String,
    /// National status code 1–10.
    pub status_code: Option<i64>,
    pub status: String,
    /// Role that acts at the current workflow step.
    pub step_role: Option<String>,
    /// Appointment (ngày hẹn trả), RFC 3339.
    pub due_at: Option<String>,
    /// Hình thức nhận kết quả: `counter`, `post` or `online`.
    pub delivery_method: String,
    /// Postal address for `post`.
    pub delivery_address: Option<String>,
}

impl From<DossierView> for ApiDossier {
    fn from(view: DossierView) -> Self {
        let rfc3339 = time::format_description::well_known::Rfc3339;
        ApiDossier {
            id: view.id,
            code: view.code,
            procedure_code: view.procedure_code,
            procedure_version: view.procedure_version,
            agency_id: view.agency_id,
            applicant_name: view.applicant_name,
            channel: view.channel.as_str().to_owned(),
            status_code: view.status.map(|s| i64::from(s.national_code())),
            status: view
                .status
                .map(|s| s.vietnamese().to_owned())
                .unwrap_or_default(),
            step_role: view.step_role.map(|r| r.as_str().to_owned()),
            delivery_method: view.delivery.method.as_str().to_owned(),
            delivery_address: view.delivery.address,
            due_at: view.due.map(|d| {
                d.to_offset(motcua_domain::calendar::VIETNAM_OFFSET)
                    .format(&rfc3339)
                    .unwrap_or_default()
            }),
        }
    }
}

/// An online submission.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiSubmission {
    pub procedure_code: String,
    /// Electronic code of the resolving agency, e.g. `000.00.30.H13`.
    pub agency_code: String,
    /// The application form, field id → value, as the procedure's form schema defines.
    #[schema(value_type = Object)]
    pub form: serde_json::Value,
    /// Earlier uploads (`POST /api/v1/attachments`) for the procedure's required papers.
    #[serde(default)]
    pub attachments: Vec<ApiSubmissionAttachment>,
    /// How the applicant receives the result; at the counter when absent.
    #[serde(default)]
    pub delivery: Option<ApiDelivery>,
    /// Nộp hồ sơ qua bưu chính: the postman collects the papers at this address (10 to 300
    /// characters) and the papers need not be uploaded; offered when the installation has a
    /// postal operator.
    #[serde(default)]
    pub pickup_address: Option<String>,
    /// The number the postman calls (collecting the papers, bringing the result); the
    /// account's phone when absent.
    #[serde(default)]
    pub contact_phone: Option<String>,
}

/// Hình thức nhận kết quả.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiDelivery {
    /// `counter`, `post` or `online`.
    pub method: String,
    /// Required for `post`: 10 to 300 characters.
    pub address: Option<String>,
}

fn delivery_of(input: Option<&ApiDelivery>) -> Result<ResultDelivery, AppError> {
    match input {
        None => Ok(ResultDelivery::default()),
        Some(d) => ResultDelivery::new(&d.method, d.address.as_deref())
            .map_err(|e| AppError::invalid(e.field(), e.code())),
    }
}

fn submission_of(input: ApiSubmission) -> Result<Submission, AppError> {
    let form = serde_json::from_value(input.form)
        .map_err(|_| AppError::invalid("form", "error-invalid"))?;
    Ok(Submission {
        delivery: delivery_of(input.delivery.as_ref())?,
        procedure_code: input.procedure_code,
        agency_code: input.agency_code,
        form,
        attachments: input
            .attachments
            .iter()
            .map(|a| (a.requirement, a.attachment_id))
            .collect(),
        postal: PostalChoice {
            pickup_address: input.pickup_address,
            phone: input.contact_phone,
        },
    })
}

/// One required paper of an online submission: the index of the requirement in the procedure's
/// list of papers and the id of the citizen's upload.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiSubmissionAttachment {
    pub requirement: u32,
    pub attachment_id: i64,
}

/// The public status of a dossier. It names nobody: the code alone proves nothing about who
/// asks (the lookup page shows a masked name to a visitor who also gives the applicant's phone
/// or personal-id suffix).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiLookup {
    pub code: String,
    pub procedure_code: String,
    pub status_code: Option<u8>,
    pub status: String,
    pub appointment: Option<String>,
    #[schema(value_type = Vec<Object>)]
    pub timeline: serde_json::Value,
    /// Mã vận đơn of the result's parcel, when it was returned by post.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<String>,
    /// Where the parcel is: `accepted`, `in_transit`, `out_for_delivery`, `delivered`,
    /// `delivery_failed`, `returned_to_sender`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_status: Option<String>,
    /// Hạn bổ sung (`yyyy-mm-dd`) while the dossier waits for papers (status 5) and the
    /// request gave a day to supplement by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "2026-12-10")]
    pub supplement_due: Option<String>,
}

impl From<PublicStatus> for ApiLookup {
    fn from(s: PublicStatus) -> Self {
        ApiLookup {
            code: s.code,
            procedure_code: s.procedure_code,
            status_code: s.status_code,
            status: s.status,
            appointment: s.appointment,
            timeline: serde_json::to_value(s.timeline).unwrap_or_default(),
            tracking_number: s.postal.as_ref().map(|p| p.tracking_number.clone()),
            postal_status: s.postal.map(|p| p.status),
            supplement_due: s.supplement_due,
        }
    }
}

/// A citizen submits a dossier online (status 1, with its code).
#[utoipa::path(post, path = "/api/v1/dossiers", tag = "dossiers", request_body = ApiSubmission,
    responses((status = 201, body = ApiDossier), (status = 401, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<ApiSubmission>,
) -> WebResult<Response> {
    let submission = submission_of(input).ctx(&ctx)?;
    let row = state
        .app
        .submit_dossier(&ctx.actor(), &submission)
        .await
        .ctx(&ctx)?;
    Ok((StatusCode::CREATED, Json(ApiDossier::from(row))).into_response())
}

/// A citizen saves a draft (lưu nháp): the form is kept as typed, not validated, not numbered.
#[utoipa::path(post, path = "/api/v1/my/drafts", tag = "dossiers", request_body = ApiSubmission,
    responses((status = 201, body = ApiDossier), (status = 401, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn save_draft(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<ApiSubmission>,
) -> WebResult<Response> {
    let submission = submission_of(input).ctx(&ctx)?;
    let row = state
        .app
        .save_draft(&ctx.actor(), None, &submission)
        .await
        .ctx(&ctx)?;
    Ok((StatusCode::CREATED, Json(ApiDossier::from(row))).into_response())
}

/// A citizen rewrites one of their drafts.
#[utoipa::path(put, path = "/api/v1/my/drafts/{id}", tag = "dossiers", request_body = ApiSubmission,
    params(("id" = i64, Path, description = "Draft id")),
    responses((status = 200, body = ApiDossier), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn update_draft(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ApiSubmission>,
) -> WebResult<Json<ApiDossier>> {
    let submission = submission_of(input).ctx(&ctx)?;
    let row = state
        .app
        .save_draft(&ctx.actor(), Some(id), &submission)
        .await
        .ctx(&ctx)?;
    Ok(Json(row.into()))
}

/// A citizen submits one of their drafts with the values given (validated like a submission).
#[utoipa::path(post, path = "/api/v1/my/drafts/{id}/submit", tag = "dossiers", request_body = ApiSubmission,
    params(("id" = i64, Path, description = "Draft id")),
    responses((status = 201, body = ApiDossier), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn submit_draft(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ApiSubmission>,
) -> WebResult<Response> {
    let submission = submission_of(input).ctx(&ctx)?;
    let row = state
        .app
        .submit_draft(&ctx.actor(), id, &submission)
        .await
        .ctx(&ctx)?;
    Ok((StatusCode::CREATED, Json(ApiDossier::from(row))).into_response())
}

/// A citizen discards one of their drafts.
#[utoipa::path(delete, path = "/api/v1/my/drafts/{id}", tag = "dossiers",
    params(("id" = i64, Path, description = "Draft id")),
    responses((status = 204), (status = 404, body = ApiErrorBody)))]
pub async fn discard_draft(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<StatusCode> {
    state.app.discard_draft(&ctx.actor(), id).await.ctx(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct QueueQuery {
    /// A work queue: `receive`, `mine`, `assigned`, `unit`, `due-soon`, `overdue` or
    /// `resolved`; without one, every filed dossier in the caller's jurisdiction.
    pub queue: Option<String>,
    /// National procedure code, e.g. `1.001193`.
    pub procedure: Option<String>,
    /// National status code (1–10).
    pub status: Option<String>,
    /// `online`, `counter` or `postal`.
    pub channel: Option<String>,
    /// Filed on or after this day (`YYYY-MM-DD`, Vietnam time).
    pub from: Option<String>,
    /// Filed on or before this day.
    pub to: Option<String>,
    /// `true`: only those past their appointment.
    pub overdue: Option<String>,
    /// Id of the official the dossier is assigned to.
    pub assignee: Option<String>,
    /// A dossier code, personal id, phone number, or words of the applicant's name (marks and
    /// case ignored).
    pub q: Option<String>,
    /// Changed at or after this instant (RFC 3339, e.g. `2026-12-01T00:00:00+07:00`): the list
    /// is then ordered by last change, oldest first, for keeping a copy in step.
    pub updated_since: Option<String>,
    /// The `next` cursor of the previous page (also in its `Link` header).
    pub cursor: Option<String>,
    /// Dossiers per page, 1–200 (default 50).
    pub limit: Option<String>,
}

impl QueueQuery {
    fn filters(&self) -> Result<motcua_app::dossiers::QueueFilters, AppError> {
        let overdue = match self.overdue.as_deref().map(str::trim) {
            None | Some("") | Some("false") | Some("0") => false,
            Some("true") | Some("1") | Some("on") => true,
            Some(_) => return Err(AppError::invalid("overdue", "error-choice")),
        };
        Ok(motcua_app::dossiers::QueueFilters {
            procedure: self.procedure.clone(),
            status: self.status.clone(),
            channel: self.channel.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            overdue,
            assignee: self.assignee.clone(),
            text: self.q.clone(),
            updated_since: self.updated_since.clone(),
        })
    }

    fn limit(&self) -> Result<u32, AppError> {
        match self
            .limit
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            None => Ok(50),
            Some(text) => text
                .parse::<u32>()
                .ok()
                .filter(|l| (1..=motcua_app::dossiers::MAX_PAGE).contains(l))
                .ok_or_else(|| AppError::invalid("limit", "error-choice")),
        }
    }
}

/// Dossiers in the caller's jurisdiction, a page at a time: a work queue most urgent first,
/// or (with `updated_since`) every change since an instant, oldest first. Filters narrow the
/// list; `X-Total-Count` gives its size, `Link: <…>; rel="next"` the next page (absent on the
/// last), and the `ETag` lets a poller ask again with `If-None-Match` and get 304 when nothing
/// changed.
#[utoipa::path(get, path = "/api/v1/dossiers", tag = "dossiers", params(QueueQuery),
    responses((status = 200, body = [ApiDossier], headers(("X-Total-Count" = i64, description = "Dossiers in the whole list"),
            ("Link" = String, description = "The next page: `</api/v1/dossiers?…&cursor=…>; rel=\"next\"`"),
            ("ETag" = String, description = "Of this page's content"))),
        (status = 304, description = "Unchanged since the ETag given in If-None-Match"),
        (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn queue(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
    Query(query): Query<QueueQuery>,
) -> WebResult<Response> {
    let filters = query.filters().ctx(&ctx)?;
    let limit = query.limit().ctx(&ctx)?;
    let page = state
        .app
        .dossier_queue_page(
            &ctx.actor(),
            query.queue.as_deref().filter(|q| !q.trim().is_empty()),
            &filters,
            query.cursor.as_deref(),
            limit,
        )
        .await
        .ctx(&ctx)?;
    let items: Vec<ApiDossier> = page.items.into_iter().map(Into::into).collect();
    let body = serde_json::to_vec(&items)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e)))
        .ctx(&ctx)?;
    let etag = {
        use sha2::Digest;
        let digest = sha2::Sha256::new()
            .chain_update(&body)
            .chain_update(page.total.to_le_bytes())
            .chain_update(page.next_cursor.as_deref().unwrap_or_default())
            .finalize();
        let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        format!("\"{hex}\"")
    };
    let mut response = if headers
        .get(axum::http::header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        }) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response()
    };
    let headers = response.headers_mut();
    if let Ok(value) = axum::http::HeaderValue::from_str(&etag) {
        headers.insert(axum::http::header::ETAG, value);
    }
    if let Ok(value) = axum::http::HeaderValue::from_str(&page.total.to_string()) {
        headers.insert("x-total-count", value);
    }
    if let Some(next) = &page.next_cursor {
        // The same query with the cursor replaced.
        let kept: Vec<(String, String)> = form_pairs(raw.as_deref().unwrap_or_default())
            .into_iter()
            .filter(|(key, _)| key != "cursor")
            .chain([("cursor".to_owned(), next.clone())])
            .collect();
        let query = serde_urlencoded::to_string(&kept).unwrap_or_default();
        if let Ok(value) =
            axum::http::HeaderValue::from_str(&format!("</api/v1/dossiers?{query}>; rel=\"next\""))
        {
            headers.insert(axum::http::header::LINK, value);
        }
    }
    Ok(response)
}

fn form_pairs(raw: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str(raw).unwrap_or_default()
}

/// The calling citizen's dossiers.
#[utoipa::path(get, path = "/api/v1/my/dossiers", tag = "dossiers", responses((status = 200, body = [ApiDossier])))]
pub async fn mine(State(state): State<AppState>, ctx: Ctx) -> WebResult<Json<Vec<ApiDossier>>> {
    let rows = state.app.my_dossiers(&ctx.actor()).await.ctx(&ctx)?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// The one-stop desk receives a dossier: appointment from the procedure time and the calendar.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/receive", tag = "dossiers", params(("id" = i64, Path)),
    responses((status = 200, body = ApiDossier), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn receive(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<Json<ApiDossier>> {
    Ok(Json(
        state
            .app
            .receive_dossier(&ctx.actor(), id)
            .await
            .ctx(&ctx)?
            .into(),
    ))
}

/// One action on a dossier: the body of `POST …/actions`, tagged by `command`. It carries what
/// the caller decides (which action, reasons, the next step, an assignee, a proposed new
/// appointment when apologising); the dossier code, the appointment and the due time after a
/// pause are the server's to compute and are not accepted (extra fields are ignored).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum ApiAction {
    /// Tiếp nhận: the desk accepts an online dossier (appointment from the calendar).
    Receive {
        /// Official who processes the first step (must hold its role at the agency).
        #[serde(default)]
        assignee: Option<i64>,
    },
    /// Yêu cầu bổ sung (Mẫu 02): everything missing at once; pauses the clock in processing.
    RequestSupplement {
        missing: Vec<String>,
        #[serde(default)]
        reason: String,
        /// Hạn bổ sung (`yyyy-mm-dd` or `dd/mm/yyyy`): the day by which the applicant is asked
        /// to supplement, after today; printed on Mẫu 02 and told in the notice.
        #[serde(default)]
        #[schema(example = "2026-12-10")]
        due_by: Option<String>,
    },
    /// Bổ sung xong: the clock resumes with the working time that was left.
    SupplementProvided {},
    /// Từ chối tiếp nhận (Mẫu 03), with every reason.
    Refuse { reasons: Vec<String> },
    /// Chuyển bước: to a later step of the workflow (0-based index).
    Forward {
        to_step: usize,
        #[serde(default)]
        assignee: Option<i64>,
    },
    /// Trả lại bước trước, with a reason.
    Return {
        to_step: usize,
        reason: String,
        #[serde(default)]
        assignee: Option<i64>,
    },
    /// Xin ý kiến: another agency (by its identification code) is asked for an opinion.
    Consult { unit: String, question: String },
    /// Liên thông: the dossier goes to another agency (identification code) for its part.
    Transfer { to_agency: String, reason: String },
    /// Yêu cầu thực hiện nghĩa vụ tài chính (status 6, clock paused).
    RequireFinancialObligation {
        description: String,
        /// The amount to pay in đồng; without it the procedure's fees are due.
        #[serde(default)]
        amount_vnd: Option<i64>,
    },
    /// Đã thực hiện nghĩa vụ tài chính: the clock resumes.
    ObligationPaid {},
    /// Phê duyệt.
    Approve,
    /// Ký số kết quả.
    Sign,
    /// Chuyển kết quả về Bộ phận Một cửa (status 9).
    Resolve,
    /// Trả kết quả (status 10): `counter`, `post` or `online`.
    ReturnResult {
        #[schema(value_type = String, example = "counter")]
        method: motcua_domain::dossier::ReturnMethod,
    },
    /// Rút hồ sơ (status 7), by the applicant.
    Withdraw { reason: String },
    /// Dừng xử lý (status 8, Mẫu 05).
    Stop { reason: String },
    /// Xin lỗi và hẹn lại (Mẫu 04): once, before the current due time; RFC 3339.
    Extend {
        #[serde(with = "time::serde::rfc3339")]
        #[schema(value_type = String, format = DateTime, example = "2026-12-10T16:30:00+07:00")]
        new_due: time::OffsetDateTime,
        reason: String,
    },
}

impl ApiAction {
    /// The state-machine command. Times the server computes are placeholders here:
    /// `App::act_on_dossier` replaces them from the calendar (and takes the code from the
    /// submission) whatever they hold.
    fn into_command(self) -> Result<Command, AppError> {
        let placeholder = time::OffsetDateTime::UNIX_EPOCH;
        Ok(match self {
            ApiAction::Receive { assignee } => Command::Receive {
                due: placeholder,
                code: None,
                assignee,
                postmark: None,
            },
            ApiAction::RequestSupplement {
                missing,
                reason,
                due_by,
            } => Command::RequestSupplement {
                missing,
                reason,
                due_by: supplement_due_of(due_by.as_deref())?,
            },
            ApiAction::SupplementProvided {} => Command::SupplementProvided { new_due: None },
            ApiAction::Refuse { reasons } => Command::Refuse { reasons },
            ApiAction::Forward { to_step, assignee } => Command::Forward { to_step, assignee },
            ApiAction::Return {
                to_step,
                reason,
                assignee,
            } => Command::Return {
                to_step,
                reason,
                assignee,
            },
            ApiAction::Consult { unit, question } => Command::Consult { unit, question },
            ApiAction::Transfer { to_agency, reason } => Command::Transfer {
                to_agency: motcua_domain::org::AgencyCode::parse(to_agency.trim())
                    .map_err(|_| AppError::invalid("to_agency", "error-agency-code"))?,
                reason,
            },
            ApiAction::RequireFinancialObligation {
                description,
                amount_vnd,
            } => Command::RequireFinancialObligation {
                description,
                amount_vnd,
            },
            ApiAction::ObligationPaid {} => Command::ObligationPaid {
                new_due: placeholder,
            },
            ApiAction::Approve => Command::Approve,
            ApiAction::Sign => Command::Sign,
            ApiAction::Resolve => Command::Resolve,
            ApiAction::ReturnResult { method } => Command::ReturnResult { method },
            ApiAction::Withdraw { reason } => Command::Withdraw { reason },
            ApiAction::Stop { reason } => Command::Stop { reason },
            ApiAction::Extend { new_due, reason } => Command::Extend { new_due, reason },
        })
    }
}

/// An official acts on a dossier, e.g. `{"command": "forward", "to_step": 1}`,
/// `{"command": "approve"}`, `{"command": "return_result", "method": "counter"}`,
/// `{"command": "refuse", "reasons": […]}`. Only actions the caller's role may take at the
/// dossier's current step and state succeed.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/actions", tag = "dossiers", params(("id" = i64, Path)),
    request_body = ApiAction,
    responses((status = 200, body = ApiDossier), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(action): ApiJson<ApiAction>,
) -> WebResult<Json<ApiDossier>> {
    let command = action.into_command().ctx(&ctx)?;
    Ok(Json(
        state
            .app
            .act_on_dossier(&ctx.actor(), id, command)
            .await
            .ctx(&ctx)?
            .into(),
    ))
}

/// The citizen acts on their own dossier: `{"command": "withdraw", "reason": "…"}` or
/// `{"command": "supplement_provided"}` (after uploading the papers asked for).
#[utoipa::path(post, path = "/api/v1/my/dossiers/{id}/actions", tag = "dossiers", params(("id" = i64, Path)),
    request_body = ApiAction,
    responses((status = 200, body = ApiDossier), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn citizen_act(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(action): ApiJson<ApiAction>,
) -> WebResult<Json<ApiDossier>> {
    let command = action.into_command().ctx(&ctx)?;
    Ok(Json(
        state
            .app
            .act_on_dossier(&ctx.actor(), id, command)
            .await
            .ctx(&ctx)?
            .into(),
    ))
}

/// Public status by dossier code: procedure, status, appointment, public timeline; no name.
/// Limited per client address (429 beyond).
#[utoipa::path(get, path = "/api/v1/lookup/{code}", tag = "dossiers", params(("code" = String, Path)),
    responses((status = 200, body = ApiLookup), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody),
        (status = 429, body = ApiErrorBody, description = "Too many lookups from this address")))]
pub async fn lookup(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> WebResult<Json<ApiLookup>> {
    let result = state.app.lookup_dossier(&ctx.actor(), &code, None).await;
    crate::ops::count_lookup("api", &result);
    Ok(Json(result.ctx(&ctx)?.into()))
}

/// A dossier with its form, timeline and the actions the caller may take now.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiDossierDetail {
    #[serde(flatten)]
    pub dossier: ApiDossier,
    /// Where it was received and its result is returned (differs after a transfer).
    pub desk_id: Option<i64>,
    /// The form answers as submitted.
    #[schema(value_type = Object)]
    pub form: serde_json::Value,
    /// Every event, oldest first: `seq`, `at`, `kind`, `from_status`, `to_status`, `reason`, `data`.
    #[schema(value_type = Vec<Object>)]
    pub timeline: serde_json::Value,
    /// Commands the caller may issue now (e.g. `forward`, `approve`).
    pub actions: Vec<String>,
}

/// One dossier, for its applicant or an official over its agency or desk.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}", tag = "dossiers", params(("id" = i64, Path)),
    responses((status = 200, body = ApiDossierDetail), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<Json<ApiDossierDetail>> {
    let actor = ctx.actor();
    let row = state.app.dossier_for(&actor, id).await.ctx(&ctx)?;
    let actions = state
        .app
        .available_actions(&actor, &row)
        .await
        .ctx(&ctx)?
        .into_iter()
        .map(|k| k.as_str().to_owned())
        .collect();
    let events: Vec<serde_json::Value> = state
        .app
        .dossier_history(&actor, id)
        .await
        .ctx(&ctx)?
        .iter()
        .map(|e| {
            serde_json::json!({
                "seq": e.seq,
                "at": e.at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                "kind": e.kind.as_str(),
                "from_status": e.from_status.map(DossierStatus::national_code),
                "to_status": e.to_status.map(DossierStatus::national_code),
                "reason": e.reason,
                "data": e.data,
            })
        })
        .collect();
    Ok(Json(ApiDossierDetail {
        desk_id: row.desk_id,
        form: row.form.clone(),
        timeline: serde_json::Value::Array(events),
        actions,
        dossier: row.into(),
    }))
}

/// A dossier typed in at the counter.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiCounterRegistration {
    pub procedure_code: String,
    /// Electronic code of the agency whose desk receives it.
    pub agency_code: String,
    pub applicant_name: String,
    pub applicant_personal_id: Option<String>,
    #[schema(value_type = Object)]
    pub form: serde_json::Value,
    /// How the applicant receives the result; at the counter when absent.
    #[serde(default)]
    pub delivery: Option<ApiDelivery>,
    /// Ngày dấu bưu điện (`yyyy-mm-dd` or `dd/mm/yyyy`) of a dossier that came by post: it is
    /// registered with channel `postal` and its appointment counts from this date.
    #[serde(default)]
    pub postmark: Option<String>,
    /// The number the postman calls when the result goes by post.
    #[serde(default)]
    pub contact_phone: Option<String>,
}

/// A day to supplement by (Hạn bổ sung) as typed; empty is none. Whether it is after today is
/// the state machine's to say.
pub(crate) fn supplement_due_of(text: Option<&str>) -> Result<Option<time::Date>, AppError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => motcua_domain::procedure::parse_form_date(text)
            .map(Some)
            .ok_or_else(|| AppError::invalid("due_by", "error-supplement-due-date")),
    }
}

/// A postmark date as typed; empty is none.
pub(crate) fn postmark_of(text: Option<&str>) -> Result<Option<time::Date>, AppError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => motcua_app::forms::parse_day(text)
            .map(Some)
            .ok_or_else(|| AppError::invalid("postmark", "error-postmark-date")),
    }
}

/// The desk registers a dossier brought to the counter; it is received at once (status 2,
/// with its code and appointment).
#[utoipa::path(post, path = "/api/v1/dossiers/counter", tag = "dossiers", request_body = ApiCounterRegistration,
    responses((status = 201, body = ApiDossier), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn counter(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<ApiCounterRegistration>,
) -> WebResult<Response> {
    let form = serde_json::from_value(input.form)
        .map_err(|_| AppError::invalid("form", "error-invalid"))
        .ctx(&ctx)?;
    let registration = CounterRegistration {
        procedure_code: input.procedure_code,
        agency_code: input.agency_code,
        applicant_name: input.applicant_name,
        applicant_personal_id: input.applicant_personal_id,
        form,
        delivery: delivery_of(input.delivery.as_ref()).ctx(&ctx)?,
        postmark: postmark_of(input.postmark.as_deref()).ctx(&ctx)?,
        contact_phone: input.contact_phone,
    };
    let row = state
        .app
        .register_at_counter(&ctx.actor(), &registration)
        .await
        .ctx(&ctx)?;
    Ok((StatusCode::CREATED, Json(ApiDossier::from(row))).into_response())
}
