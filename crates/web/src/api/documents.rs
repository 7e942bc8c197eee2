//! `/api/v1/documents`: official documents (văn bản đến/đi) — the clerk registers incoming
//! documents and issues outgoing ones, specialists draft and handle, leaders direct and sign;
//! search, overdue and due-soon lists, a document's timeline.

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
use motcua_app::calendar::parse_date;
use motcua_app::documents::{
    DocumentAction, DocumentEventView, DocumentView, DraftText, IncomingRegistration, OutgoingDraft,
};
use motcua_domain::document::{Delivery, Recipient, SignatureKind};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{IntoParams, ToSchema};

/// A document as the registers show it (Phụ lục VI metadata and where it stands).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiDocument {
    pub id: i64,
    /// `incoming` or `outgoing`.
    pub register: String,
    pub body_id: i64,
    /// `registered`, `submitted`, `directed`, `in_handling`, `done`, `returned`, `draft`,
    /// `in_review`, `approved`, `signed`, `issued`, `distributed`.
    pub status: String,
    pub doc_type: String,
    pub type_name: String,
    /// `regular` or `secret`.
    pub series: String,
    pub year: i64,
    /// Số đến or our number, zero-padded below 10.
    pub number: Option<String>,
    /// Số/ký hiệu, e.g. `05/QĐ-UBND`.
    pub code_number: Option<String>,
    pub notation: Option<String>,
    pub sender_organ: String,
    pub recipient_organ: Option<String>,
    pub issued_date: Option<String>,
    pub arrival_date: Option<String>,
    pub subject: String,
    pub urgency: String,
    pub secrecy: String,
    pub due_date: Option<String>,
    pub page_count: Option<i64>,
    pub signer_name: Option<String>,
    pub signer_position: Option<String>,
    pub lead_unit_id: Option<i64>,
    pub co_unit_ids: Vec<i64>,
    pub assignee_id: Option<i64>,
    /// The direction's deadline (YYYY-MM-DD).
    pub deadline: Option<String>,
    /// Recorded signatures: `personal` (the signer) and `seal` (the agency), by official id.
    pub signatures: Vec<ApiSignature>,
    /// Nội dung of an outgoing document, one paragraph per entry.
    pub paragraphs: Vec<String>,
    /// Kính gửi, one addressee per entry.
    pub addressees: Vec<String>,
    /// Nơi nhận of an outgoing document, one recipient per entry (the clerk's copy "Lưu: VT" is
    /// added when printed).
    pub recipients: Vec<String>,
    /// Thẩm quyền ký, e.g. `KT. CHỦ TỊCH`; two lines for `TM. ỦY BAN NHÂN DÂN` / `KT. CHỦ TỊCH`.
    pub signer_authority: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiSignature {
    pub kind: String,
    pub official_id: i64,
}

impl From<DocumentView> for ApiDocument {
    fn from(v: DocumentView) -> Self {
        ApiDocument {
            id: v.id,
            register: v.register,
            body_id: v.body_id,
            status: v.status,
            doc_type: v.doc_type,
            type_name: v.type_name,
            series: v.series,
            year: v.year,
            number: v.number,
            code_number: v.code_number,
            notation: v.notation,
            sender_organ: v.sender_organ,
            recipient_organ: v.recipient_organ,
            issued_date: v.issued_date,
            arrival_date: v.arrival_date,
            subject: v.subject,
            urgency: v.urgency,
            secrecy: v.secrecy,
            due_date: v.due_date,
            page_count: v.page_count,
            signer_name: v.signer_name,
            signer_position: v.signer_position,
            lead_unit_id: v.lead_unit_id,
            co_unit_ids: v.co_unit_ids,
            assignee_id: v.assignee_id,
            deadline: v.deadline,
            signatures: v
                .signatures
                .into_iter()
                .map(|(kind, official_id)| ApiSignature { kind, official_id })
                .collect(),
            paragraphs: v.paragraphs,
            addressees: v.addressees,
            recipients: v.recipients,
            signer_authority: v.signer_authority,
        }
    }
}

/// A registration: the document, and earlier registrations of the same one (a warning).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiRegistered {
    pub document: ApiDocument,
    pub duplicates: Vec<ApiDocument>,
}

/// An incoming document as received (Phụ lục VI).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiIncoming {
    /// Electronic code of the body whose register takes it, e.g. `000.00.30.H13`.
    pub body_code: String,
    /// One of the 29 types, e.g. `cong_van`, `quyet_dinh`.
    pub doc_type: String,
    /// Số/ký hiệu of the sender.
    pub code_number: String,
    pub sender_organ: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub issued_date: Option<String>,
    pub subject: String,
    /// `thuong`, `khan`, `thuong_khan`, `hoa_toc`.
    #[serde(default)]
    pub urgency: String,
    /// `thuong`, `mat`, `toi_mat`, `tuyet_mat`.
    #[serde(default)]
    pub secrecy: String,
    #[serde(default)]
    pub due_date: Option<String>,
    #[serde(default)]
    pub page_count: Option<u32>,
    #[serde(default)]
    pub signer_name: Option<String>,
    #[serde(default)]
    pub signer_position: Option<String>,
}

/// A new outgoing draft.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiDraft {
    pub body_code: String,
    pub doc_type: String,
    pub subject: String,
    #[serde(default)]
    pub urgency: String,
    #[serde(default)]
    pub secrecy: String,
    /// Required for `cong_van` (its ký hiệu names the drafting unit).
    #[serde(default)]
    pub drafting_unit_id: Option<i64>,
    /// Nơi nhận as one text (a recipient per line or between semicolons), when `recipients`
    /// is empty.
    #[serde(default)]
    pub recipient_organ: Option<String>,
    #[serde(default)]
    pub due_date: Option<String>,
    #[serde(default)]
    pub page_count: Option<u32>,
    /// Nội dung: the paragraphs (an entry holding several lines is several paragraphs);
    /// at most 500 paragraphs of 10,000 characters, 50,000 in all.
    #[serde(default)]
    pub paragraphs: Vec<String>,
    /// Kính gửi: at most 30 addressees of 200 characters.
    #[serde(default)]
    pub addressees: Vec<String>,
    /// Nơi nhận: at most 30 recipients of 200 characters, without "Lưu: VT" (added in print).
    #[serde(default)]
    pub recipients: Vec<String>,
    /// Thẩm quyền ký: `TM.`, `KT.`, `Q.`, `TL.` or `TUQ.` and a title, e.g. `KT. CHỦ TỊCH`;
    /// at most two lines (`TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH`).
    #[serde(default)]
    pub signer_authority: Option<String>,
    /// Chức vụ of the signer as printed, e.g. `PHÓ CHỦ TỊCH` (at most 100 characters).
    #[serde(default)]
    pub signer_position: Option<String>,
    /// Họ tên of the intended signer (at most 50 characters); the personal signature records
    /// who signed.
    #[serde(default)]
    pub signer_name: Option<String>,
}

/// What the drafter rewrites in a draft (everything is replaced).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiDraftText {
    /// Trích yếu.
    pub subject: String,
    #[serde(default)]
    pub paragraphs: Vec<String>,
    #[serde(default)]
    pub addressees: Vec<String>,
    #[serde(default)]
    pub recipients: Vec<String>,
    #[serde(default)]
    pub signer_authority: Option<String>,
    #[serde(default)]
    pub signer_position: Option<String>,
    #[serde(default)]
    pub signer_name: Option<String>,
}

impl From<ApiDraftText> for DraftText {
    fn from(t: ApiDraftText) -> Self {
        DraftText {
            subject: t.subject,
            paragraphs: t.paragraphs,
            addressees: t.addressees,
            recipients: t.recipients,
            signer_authority: t.signer_authority,
            signer_position: t.signer_position,
            signer_name: t.signer_name,
        }
    }
}

/// Where a copy goes.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ApiRecipient {
    /// A unit of the body.
    Unit { unit_id: i64 },
    /// Another agency by e-mail.
    Email { name: String },
    /// Another agency on paper.
    Paper { name: String },
}

/// An action on a document, e.g. `{"command": "submit_to_leader", "leader_id": 12}`,
/// `{"command": "direct", "lead_unit_id": 5, "co_unit_ids": [6], "deadline": "2026-12-15"}`,
/// `{"command": "sign", "kind": "personal"}`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum ApiDocumentAction {
    SubmitToLeader {
        leader_id: i64,
    },
    ReturnToSender {
        reason: String,
    },
    Direct {
        lead_unit_id: i64,
        #[serde(default)]
        co_unit_ids: Vec<i64>,
        #[serde(default)]
        deadline: Option<String>,
        #[serde(default)]
        note: String,
    },
    Assign {
        specialist_id: i64,
    },
    ReportDone {
        result: String,
    },
    SendForReview,
    SendBack {
        reason: String,
    },
    Approve,
    /// `personal` (the leader) or `seal` (the clerk).
    Sign {
        kind: String,
    },
    Distribute {
        recipients: Vec<ApiRecipient>,
    },
}

fn day(value: Option<&str>, field: &str) -> Result<Option<Date>, AppError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => parse_date(v)
            .map(Some)
            .ok_or_else(|| AppError::invalid(field, "document-date-invalid")),
    }
}

impl ApiDocumentAction {
    fn into_action(self) -> Result<DocumentAction, AppError> {
        Ok(match self {
            Self::SubmitToLeader { leader_id } => DocumentAction::SubmitToLeader { leader_id },
            Self::ReturnToSender { reason } => DocumentAction::ReturnToSender { reason },
            Self::Direct {
                lead_unit_id,
                co_unit_ids,
                deadline,
                note,
            } => DocumentAction::Direct {
                lead_unit_id,
                co_unit_ids,
                deadline: day(deadline.as_deref(), "deadline")?,
                note,
            },
            Self::Assign { specialist_id } => DocumentAction::Assign { specialist_id },
            Self::ReportDone { result } => DocumentAction::ReportDone { result },
            Self::SendForReview => DocumentAction::SendForReview,
            Self::SendBack { reason } => DocumentAction::SendBack { reason },
            Self::Approve => DocumentAction::Approve,
            Self::Sign { kind } => DocumentAction::Sign {
                kind: SignatureKind::parse(&kind)
                    .ok_or_else(|| AppError::invalid("kind", "document-signature-kind"))?,
            },
            Self::Distribute { recipients } => DocumentAction::Distribute {
                recipients: recipients
                    .into_iter()
                    .map(|r| match r {
                        ApiRecipient::Unit { unit_id } => Recipient::Unit { unit_id },
                        ApiRecipient::Email { name } => Recipient::Agency {
                            name,
                            via: Delivery::Email,
                        },
                        ApiRecipient::Paper { name } => Recipient::Agency {
                            name,
                            via: Delivery::Paper,
                        },
                    })
                    .collect(),
            },
        })
    }
}

/// A clerk registers an incoming document: the next số đến of the body's register (secret
/// documents apart). An earlier registration with the same số/ký hiệu, sender and year comes
/// back in `duplicates` as a warning; the document is registered anyway.
#[utoipa::path(post, path = "/api/v1/documents/incoming", tag = "documents", request_body = ApiIncoming,
    responses((status = 201, body = ApiRegistered), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<ApiIncoming>,
) -> WebResult<Response> {
    let registration = (|| {
        Ok::<_, AppError>(IncomingRegistration {
            issued_date: day(input.issued_date.as_deref(), "issued_date")?,
            due_date: day(input.due_date.as_deref(), "due_date")?,
            body_code: input.body_code,
            doc_type: input.doc_type,
            code_number: input.code_number,
            sender_organ: input.sender_organ,
            subject: input.subject,
            urgency: input.urgency,
            secrecy: input.secrecy,
            page_count: input.page_count,
            signer_name: input.signer_name,
            signer_position: input.signer_position,
        })
    })()
    .ctx(&ctx)?;
    let registered = state
        .app
        .register_incoming(&ctx.actor(), &registration)
        .await
        .ctx(&ctx)?;
    Ok((
        StatusCode::CREATED,
        Json(ApiRegistered {
            document: registered.document.into(),
            duplicates: registered.duplicates.into_iter().map(Into::into).collect(),
        }),
    )
        .into_response())
}

/// A specialist (unit head, leader) drafts an outgoing document; its ký hiệu is fixed now,
/// its number at issue.
#[utoipa::path(post, path = "/api/v1/documents/outgoing", tag = "documents", request_body = ApiDraft,
    responses((status = 201, body = ApiDocument), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn draft(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<ApiDraft>,
) -> WebResult<Response> {
    let due_date = day(input.due_date.as_deref(), "due_date").ctx(&ctx)?;
    let draft = OutgoingDraft {
        body_code: input.body_code,
        doc_type: input.doc_type,
        subject: input.subject,
        urgency: input.urgency,
        secrecy: input.secrecy,
        drafting_unit_id: input.drafting_unit_id,
        recipient_organ: input.recipient_organ,
        due_date,
        page_count: input.page_count,
        text: DraftText {
            subject: String::new(),
            paragraphs: input.paragraphs,
            addressees: input.addressees,
            recipients: input.recipients,
            signer_authority: input.signer_authority,
            signer_position: input.signer_position,
            signer_name: input.signer_name,
        },
    };
    let view = state
        .app
        .draft_outgoing(&ctx.actor(), &draft)
        .await
        .ctx(&ctx)?;
    Ok((StatusCode::CREATED, Json(ApiDocument::from(view))).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchQuery {
    /// Words of the subject, số/ký hiệu or sender; accents and case are ignored.
    #[serde(default)]
    pub q: String,
}

/// Full-text search over the registers the caller may read.
#[utoipa::path(get, path = "/api/v1/documents", tag = "documents", params(SearchQuery),
    responses((status = 200, body = [ApiDocument]), (status = 403, body = ApiErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<SearchQuery>,
) -> WebResult<Json<Vec<ApiDocument>>> {
    let rows = state
        .app
        .search_documents(&ctx.actor(), &query.q)
        .await
        .ctx(&ctx)?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// Quá hạn: open documents past their direction's deadline, in the caller's units.
#[utoipa::path(get, path = "/api/v1/documents/overdue", tag = "documents",
    responses((status = 200, body = [ApiDocument]), (status = 403, body = ApiErrorBody)))]
pub async fn overdue(State(state): State<AppState>, ctx: Ctx) -> WebResult<Json<Vec<ApiDocument>>> {
    let rows = state.app.overdue_documents(&ctx.actor()).await.ctx(&ctx)?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// Sắp đến hạn: open documents due today or on the next working day, in the caller's units.
#[utoipa::path(get, path = "/api/v1/documents/due-soon", tag = "documents",
    responses((status = 200, body = [ApiDocument]), (status = 403, body = ApiErrorBody)))]
pub async fn due_soon(
    State(state): State<AppState>,
    ctx: Ctx,
) -> WebResult<Json<Vec<ApiDocument>>> {
    let rows = state.app.documents_due_soon(&ctx.actor()).await.ctx(&ctx)?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// One document, for officials of its body or of its lead unit.
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "documents", params(("id" = i64, Path)),
    responses((status = 200, body = ApiDocument), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<Json<ApiDocument>> {
    Ok(Json(
        state.app.document(&ctx.actor(), id).await.ctx(&ctx)?.into(),
    ))
}

/// One timeline entry.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiDocumentEvent {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub reason: String,
    pub data: std::collections::BTreeMap<String, String>,
}

impl From<DocumentEventView> for ApiDocumentEvent {
    fn from(e: DocumentEventView) -> Self {
        ApiDocumentEvent {
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            kind: e.kind,
            from_status: e.from_status,
            to_status: e.to_status,
            reason: e.reason,
            data: e.data,
        }
    }
}

/// A document's timeline and whether its hash chain verifies.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiTimeline {
    pub events: Vec<ApiDocumentEvent>,
    pub chain_ok: bool,
}

/// Who did what to a document, in order.
#[utoipa::path(get, path = "/api/v1/documents/{id}/timeline", tag = "documents", params(("id" = i64, Path)),
    responses((status = 200, body = ApiTimeline), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn timeline(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<Json<ApiTimeline>> {
    let timeline = state
        .app
        .document_timeline(&ctx.actor(), id)
        .await
        .ctx(&ctx)?;
    Ok(Json(ApiTimeline {
        events: timeline.events.into_iter().map(Into::into).collect(),
        chain_ok: timeline.chain_ok,
    }))
}

/// An official acts on a document; only what the caller's role may do in the document's
/// state succeeds.
#[utoipa::path(post, path = "/api/v1/documents/{id}/actions", tag = "documents", params(("id" = i64, Path)),
    request_body = ApiDocumentAction,
    responses((status = 200, body = ApiDocument), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(action): ApiJson<ApiDocumentAction>,
) -> WebResult<Json<ApiDocument>> {
    let action = action.into_action().ctx(&ctx)?;
    Ok(Json(
        state
            .app
            .act_on_document(&ctx.actor(), id, &action)
            .await
            .ctx(&ctx)?
            .into(),
    ))
}

/// The clerk issues a signed document: the next number of the body's outgoing series
/// ("Số: 05/QĐ-UBND"), today's date, the signer recorded.
#[utoipa::path(post, path = "/api/v1/documents/{id}/issue", tag = "documents", params(("id" = i64, Path)),
    responses((status = 200, body = ApiDocument), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn issue(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<Json<ApiDocument>> {
    Ok(Json(
        state
            .app
            .issue_document(&ctx.actor(), id)
            .await
            .ctx(&ctx)?
            .into(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct RegisterQuery {
    /// Electronic code of the body.
    pub body_code: String,
    /// `incoming` (sổ văn bản đến) or `outgoing` (sổ văn bản đi).
    pub register: String,
    pub year: i32,
}

/// Sổ đăng ký văn bản đến/đi of a body for a year as an Excel workbook (.xlsx), for its clerk.
#[utoipa::path(get, path = "/api/v1/documents/register.xlsx", tag = "documents", params(RegisterQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn register_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<RegisterQuery>,
) -> WebResult<Response> {
    use axum::http::{HeaderValue, header};
    let register = motcua_domain::document::Register::parse(query.register.trim())
        .ok_or_else(|| AppError::invalid("register", "document-register-invalid"))
        .ctx(&ctx)?;
    let bytes = state
        .app
        .document_register_xlsx(&ctx.actor(), &query.body_code, register, query.year)
        .await
        .ctx(&ctx)?;
    let mut response = (StatusCode::OK, bytes).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    let name = match register {
        motcua_domain::document::Register::Incoming => "so-van-ban-den",
        motcua_domain::document::Register::Outgoing => "so-van-ban-di",
    };
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{name}-{}.xlsx\"",
        query.year
    )) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// The drafter rewrites a draft (new or sent back): trích yếu, body, "Kính gửi", "Nơi nhận",
/// signature block. Refused once the draft was sent for review.
#[utoipa::path(put, path = "/api/v1/documents/{id}/draft", tag = "documents", params(("id" = i64, Path)),
    request_body = ApiDraftText,
    responses((status = 200, body = ApiDocument), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn edit_draft(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ApiDraftText>,
) -> WebResult<Json<ApiDocument>> {
    Ok(Json(
        state
            .app
            .edit_draft(&ctx.actor(), id, &input.into())
            .await
            .ctx(&ctx)?
            .into(),
    ))
}

/// An outgoing document as PDF in the layout of NĐ 30/2020 Phụ lục I (A4, PDF/A), for those
/// who may read it: before issue with a blank number and date, after issue with them.
#[utoipa::path(get, path = "/api/v1/documents/{id}/pdf", tag = "documents", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf", description = "The document as PDF/A (A4 portrait)"),
        (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "An incoming document: its file is the sender's")))]
pub async fn pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let bytes = state.app.document_pdf(&ctx.actor(), id).await.ctx(&ctx)?;
    crate::api::forms::pdf_response(bytes, &format!("van-ban-{id}.pdf"))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct RegisterPdfQuery {
    /// `incoming` (sổ đăng ký văn bản đến) or `outgoing` (sổ đăng ký văn bản đi).
    pub register: String,
    pub year: i32,
    /// Electronic code of the body; may be left out by a clerk who keeps one body's registers.
    #[serde(default)]
    pub body_code: Option<String>,
}

/// Sổ đăng ký văn bản đến/đi of a body for a year as PDF (NĐ 30/2020 Phụ lục IV, A4
/// landscape), for its clerk.
#[utoipa::path(get, path = "/api/v1/documents/register.pdf", tag = "documents", params(RegisterPdfQuery),
    responses((status = 200, content_type = "application/pdf", description = "The register as PDF/A (A4 landscape)"),
        (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn register_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<RegisterPdfQuery>,
) -> WebResult<Response> {
    let register = motcua_domain::document::Register::parse(query.register.trim())
        .ok_or_else(|| AppError::invalid("register", "document-register-invalid"))
        .ctx(&ctx)?;
    let bytes = state
        .app
        .document_register_pdf(
            &ctx.actor(),
            query.body_code.as_deref(),
            register,
            query.year,
        )
        .await
        .ctx(&ctx)?;
    let name = match register {
        motcua_domain::document::Register::Incoming => "so-van-ban-den",
        motcua_domain::document::Register::Outgoing => "so-van-ban-di",
    };
    crate::api::forms::pdf_response(bytes, &format!("{name}-{}.pdf", query.year))
}
