//! Payments of fees and charges: what a dossier owes and its attempts, starting an online
//! payment, counter payments, cancellation, refunds, the reconciliation, and the gateways'
//! server-to-server confirmations (VNPay IPN, the national platform's confirm).
//!
//! The confirmation routes are public (gateways hold no account) and answer in the gateway's
//! own protocol; what they may change is decided by signature verification in the adapter
//! and by the payment rules in the app, never by who called.

use crate::AppState;
use crate::api::types::ApiErrorBody;
use crate::context::Ctx;
use crate::error::{ContextualError, WebError, WebResult};
use crate::extract::ApiJson;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use motcua_app::payments::{
    DossierPayments, ExemptionView, GatewayKind, InboundCallback, LineView, PaymentView,
    Reconciliation, reconciliation_csv,
};
use motcua_domain::payment::PaymentMethod;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One line of an amount.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiPaymentLine {
    /// `fee` (phí) or `charge` (lệ phí).
    pub kind: String,
    pub code: String,
    pub name: String,
    pub unit_amount_vnd: i64,
    pub quantity: u32,
    pub amount_vnd: i64,
}

fn lines(lines: &[LineView]) -> Vec<ApiPaymentLine> {
    lines
        .iter()
        .map(|l| ApiPaymentLine {
            kind: l.kind.clone(),
            code: l.code.clone(),
            name: l.name.clone(),
            unit_amount_vnd: l.unit_amount_vnd,
            quantity: l.quantity,
            amount_vnd: l.amount_vnd,
        })
        .collect()
}

/// What a dossier owes now.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiDue {
    /// `submission` or `obligation:<event seq>`.
    pub purpose: String,
    pub description: String,
    pub lines: Vec<ApiPaymentLine>,
    pub total_vnd: i64,
    /// Exemption categories the applicant may declare (đối tượng miễn, giảm).
    pub exemption_choices: Vec<String>,
}

/// An exemption claim.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiExemption {
    pub id: i64,
    pub purpose: String,
    pub category: String,
    pub note: String,
    /// `declared`, `confirmed`, `rejected`.
    pub state: String,
    /// RFC 3339.
    pub declared_at: String,
    pub decision_note: String,
}

/// One payment attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiPayment {
    pub id: i64,
    /// Merchant reference (mã tham chiếu), unique per attempt.
    pub reference: String,
    pub dossier_id: i64,
    pub purpose: String,
    /// `paygov`, `vnpay`, `cash`, `pos`.
    pub method: String,
    /// `pending`, `paid`, `failed`, `expired`, `cancelled`, `refunded`.
    pub state: String,
    pub amount_vnd: i64,
    pub lines: Vec<ApiPaymentLine>,
    /// RFC 3339.
    pub created_at: String,
    pub expires_at: String,
    pub settled_at: Option<String>,
    pub gateway_transaction: Option<String>,
    /// Số biên lai, once paid.
    pub receipt_number: Option<String>,
    pub note: String,
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    at.to_offset(motcua_domain::calendar::VIETNAM_OFFSET)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

pub(crate) fn api_payment(view: &PaymentView) -> ApiPayment {
    ApiPayment {
        id: view.id,
        reference: view.reference.clone(),
        dossier_id: view.dossier_id,
        purpose: view.purpose.clone(),
        method: view.method.clone(),
        state: view.state.clone(),
        amount_vnd: view.amount_vnd,
        lines: lines(&view.lines),
        created_at: rfc3339(view.created_at),
        expires_at: rfc3339(view.expires_at),
        settled_at: view.settled_at.map(rfc3339),
        gateway_transaction: view.gateway_transaction.clone(),
        receipt_number: view.receipt_number.clone(),
        note: view.note.clone(),
    }
}

/// The payment side of a dossier.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiDossierPayments {
    pub dossier_id: i64,
    pub due: Option<ApiDue>,
    pub attempts: Vec<ApiPayment>,
    /// Gateways the caller may pay through (the applicant, while something is due).
    pub gateways: Vec<String>,
    pub may_collect: bool,
    pub may_refund: bool,
    pub exemptions: Vec<ApiExemption>,
    pub may_declare_exemption: bool,
    /// The declared claim the caller may confirm or reject.
    pub exemption_to_decide: Option<i64>,
}

fn api_dossier_payments(view: &DossierPayments) -> ApiDossierPayments {
    ApiDossierPayments {
        dossier_id: view.dossier_id,
        due: view.due.as_ref().map(|d| ApiDue {
            purpose: d.purpose.clone(),
            description: d.description.clone(),
            lines: lines(&d.lines),
            total_vnd: d.total_vnd,
            exemption_choices: d.exemption_choices.clone(),
        }),
        attempts: view.attempts.iter().map(api_payment).collect(),
        gateways: view.gateways.clone(),
        may_collect: view.may_collect,
        may_refund: view.may_refund,
        exemptions: view.exemptions.iter().map(api_exemption).collect(),
        may_declare_exemption: view.may_declare_exemption,
        exemption_to_decide: view.exemption_to_decide,
    }
}

fn api_exemption(view: &ExemptionView) -> ApiExemption {
    ApiExemption {
        id: view.id,
        purpose: view.purpose.clone(),
        category: view.category.clone(),
        note: view.note.clone(),
        state: view.state.clone(),
        declared_at: rfc3339(view.declared_at),
        decision_note: view.decision_note.clone(),
    }
}

/// An exemption the applicant declares.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiDeclareExemption {
    /// One of the due amount's `exemption_choices`.
    pub category: String,
    #[serde(default)]
    pub note: String,
}

/// The applicant declares an exempted category; the full amount stays due until the desk
/// confirms it.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/payments/exemption", tag = "payments", params(("id" = i64, Path)),
    request_body = ApiDeclareExemption,
    responses((status = 201, body = ApiExemption), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn declare_exemption(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ApiDeclareExemption>,
) -> WebResult<Response> {
    let view = state
        .app
        .declare_exemption(&ctx.actor(), id, &body.category, &body.note)
        .await
        .ctx(&ctx)?;
    let body = api_exemption(&view);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// The desk's decision on a declared exemption.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiExemptionDecision {
    pub confirm: bool,
    /// Required when rejecting.
    #[serde(default)]
    pub note: String,
}

/// An official of the receiving desk confirms (the exempted fees are no longer due) or
/// rejects (with a note) the declared exemption.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/payments/exemption/decision", tag = "payments", params(("id" = i64, Path)),
    request_body = ApiExemptionDecision,
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn decide_exemption(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ApiExemptionDecision>,
) -> WebResult<StatusCode> {
    state
        .app
        .decide_exemption(&ctx.actor(), id, body.confirm, &body.note)
        .await
        .ctx(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

/// What a dossier owes, its payment attempts, and what the caller may do.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/payments", tag = "payments", params(("id" = i64, Path)),
    responses((status = 200, body = ApiDossierPayments), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn of_dossier(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<Json<ApiDossierPayments>> {
    let view = state
        .app
        .dossier_payments(&ctx.actor(), id)
        .await
        .ctx(&ctx)?;
    Ok(Json(api_dossier_payments(&view)))
}

/// Starting an online payment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiStartPayment {
    /// `paygov` or `vnpay`.
    pub gateway: String,
}

/// Where to send the browser.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiCheckout {
    pub redirect_url: String,
}

/// The applicant starts paying what the dossier owes through a gateway; the answer is the
/// gateway's address. The payment counts only once the gateway confirms it server to server.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/payments", tag = "payments", params(("id" = i64, Path)),
    request_body = ApiStartPayment,
    responses((status = 201, body = ApiCheckout), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ApiStartPayment>,
) -> WebResult<Response> {
    let kind = GatewayKind::parse(&body.gateway).ok_or_else(|| {
        WebError::from(motcua_app::AppError::invalid(
            "gateway",
            "error-payment-gateway",
        ))
        .with(ctx.lang, ctx.api)
    })?;
    let redirect_url = state
        .app
        .start_online_payment(&ctx.actor(), id, kind)
        .await
        .ctx(&ctx)?;
    Ok((StatusCode::CREATED, Json(ApiCheckout { redirect_url })).into_response())
}

/// A payment at the desk.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiCounterPayment {
    /// `cash` (tiền mặt) or `pos` (máy POS).
    pub method: String,
    #[serde(default)]
    pub note: String,
}

/// An official of the receiving desk records a payment taken at the desk; it is paid with its
/// receipt number at once and resumes the dossier like an online payment.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/payments/counter", tag = "payments", params(("id" = i64, Path)),
    request_body = ApiCounterPayment,
    responses((status = 201, body = ApiPayment), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn counter(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ApiCounterPayment>,
) -> WebResult<Response> {
    let method = PaymentMethod::parse(&body.method)
        .filter(|m| !m.is_online())
        .ok_or_else(|| {
            WebError::from(motcua_app::AppError::invalid(
                "method",
                "error-payment-method",
            ))
            .with(ctx.lang, ctx.api)
        })?;
    let view = state
        .app
        .record_counter_payment(&ctx.actor(), id, method, &body.note)
        .await
        .ctx(&ctx)?;
    Ok((StatusCode::CREATED, Json(api_payment(&view))).into_response())
}

/// A reason for a cancellation or a refund.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiReason {
    pub reason: String,
}

/// One payment attempt.
#[utoipa::path(get, path = "/api/v1/payments/{id}", tag = "payments", params(("id" = i64, Path)),
    responses((status = 200, body = ApiPayment), (status = 404, body = ApiErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<Json<ApiPayment>> {
    let view = state.app.payment(&ctx.actor(), id).await.ctx(&ctx)?;
    Ok(Json(api_payment(&view)))
}

/// Cancels a pending attempt (the applicant, or an official of the desk).
#[utoipa::path(post, path = "/api/v1/payments/{id}/cancel", tag = "payments", params(("id" = i64, Path)),
    request_body = ApiReason,
    responses((status = 200, body = ApiPayment), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ApiReason>,
) -> WebResult<Json<ApiPayment>> {
    let view = state
        .app
        .cancel_payment(&ctx.actor(), id, &body.reason)
        .await
        .ctx(&ctx)?;
    Ok(Json(api_payment(&view)))
}

/// Refunds a paid attempt (a leader of the processing agency): through the gateway where it
/// supports refunds, otherwise recorded as refunded by the treasury.
#[utoipa::path(post, path = "/api/v1/payments/{id}/refund", tag = "payments", params(("id" = i64, Path)),
    request_body = ApiReason,
    responses((status = 200, body = ApiPayment), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn refund(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ApiReason>,
) -> WebResult<Json<ApiPayment>> {
    let view = state
        .app
        .refund_payment(&ctx.actor(), id, &body.reason)
        .await
        .ctx(&ctx)?;
    Ok(Json(api_payment(&view)))
}

/// Which reconciliation.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ReconciliationQuery {
    /// The unit whose subtree is reconciled.
    pub unit_id: i64,
    /// The day, `dd/mm/yyyy` or `yyyy-mm-dd` (Vietnam time).
    pub day: String,
}

/// One line of the reconciliation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiReconciliationRow {
    pub reference: String,
    pub dossier_id: i64,
    pub method: String,
    pub our_state: String,
    pub our_amount_vnd: i64,
    pub gateway_state: String,
    pub gateway_amount_vnd: Option<i64>,
    pub gateway_transaction: Option<String>,
    /// `paid-at-gateway-not-here`, `paid-here-not-at-gateway`, `amount-differs`,
    /// `unknown-reference`, `unreachable`; absent when both sides agree.
    pub mismatch: Option<String>,
}

/// Our payments of a day beside the gateways' answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiReconciliation {
    pub unit_id: i64,
    pub unit_name: String,
    /// `yyyy-mm-dd`.
    pub day: String,
    pub rows: Vec<ApiReconciliationRow>,
    pub total_paid_vnd: i64,
    pub mismatches: usize,
}

fn api_reconciliation(report: &Reconciliation) -> ApiReconciliation {
    ApiReconciliation {
        unit_id: report.unit_id,
        unit_name: report.unit_name.clone(),
        day: report.day.to_string(),
        rows: report
            .rows
            .iter()
            .map(|r| ApiReconciliationRow {
                reference: r.reference.clone(),
                dossier_id: r.dossier_id,
                method: r.method.clone(),
                our_state: r.our_state.clone(),
                our_amount_vnd: r.our_amount_vnd,
                gateway_state: r.gateway_state.clone(),
                gateway_amount_vnd: r.gateway_amount_vnd,
                gateway_transaction: r.gateway_transaction.clone(),
                mismatch: r.mismatch.clone(),
            })
            .collect(),
        total_paid_vnd: report.total_paid_vnd,
        mismatches: report.mismatches,
    }
}

pub(crate) async fn reconcile(
    state: &AppState,
    ctx: &Ctx,
    query: &ReconciliationQuery,
) -> WebResult<Reconciliation> {
    let day = motcua_app::forms::parse_day(&query.day).ok_or_else(|| {
        WebError::from(motcua_app::AppError::invalid("day", "error-payment-day"))
            .with(ctx.lang, ctx.api)
    })?;
    state
        .app
        .reconciliation(&ctx.actor(), query.unit_id, day)
        .await
        .ctx(ctx)
}

/// Đối soát: the payments created on a day under a unit, each beside the gateway's answer to
/// a query, with mismatches flagged.
#[utoipa::path(get, path = "/api/v1/payments/reconciliation", tag = "payments", params(ReconciliationQuery),
    responses((status = 200, body = ApiReconciliation), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn reconciliation(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ReconciliationQuery>,
) -> WebResult<Json<ApiReconciliation>> {
    let report = reconcile(&state, &ctx, &query).await?;
    Ok(Json(api_reconciliation(&report)))
}

/// The same as CSV (UTF-8 with BOM, for spreadsheet programs).
#[utoipa::path(get, path = "/api/v1/payments/reconciliation.csv", tag = "payments", params(ReconciliationQuery),
    responses((status = 200, content_type = "text/csv"), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn reconciliation_csv_file(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ReconciliationQuery>,
) -> WebResult<Response> {
    let report = reconcile(&state, &ctx, &query).await?;
    let bytes = reconciliation_csv(&report).ctx(&ctx)?;
    let mut response = (StatusCode::OK, bytes).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"doi-soat-{}-{}.csv\"",
        report.unit_id, report.day
    )) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// The same as an Excel workbook (.xlsx).
#[utoipa::path(get, path = "/api/v1/payments/reconciliation.xlsx", tag = "payments", params(ReconciliationQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn reconciliation_xlsx_file(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ReconciliationQuery>,
) -> WebResult<Response> {
    let report = reconcile(&state, &ctx, &query).await?;
    let bytes = motcua_app::payments::reconciliation_xlsx(&report);
    let mut response = (StatusCode::OK, bytes).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"doi-soat-{}-{}.xlsx\"",
        report.unit_id, report.day
    )) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// VNPay's IPN: a GET with the signed query (`vnp_*`, `vnp_SecureHash`). Public: only a
/// verified signature and the payment rules decide; answered `{"RspCode","Message"}`.
#[utoipa::path(get, path = "/api/v1/payments/gateways/{gateway}/confirm", tag = "payments",
    params(("gateway" = String, Path, description = "`vnpay`")),
    responses((status = 200, description = "The gateway's own reply format"), (status = 404)))]
pub async fn confirmation_get(
    state: State<AppState>,
    ctx: Ctx,
    gateway: Path<String>,
    query: RawQuery,
) -> Response {
    confirmation(state, ctx, gateway, query, Bytes::new()).await
}

/// The national payment platform's confirm: a POST of signed JSON (`MaXacThuc`). Public: only
/// a verified signature and the payment rules decide; answered `{"error_code","message"}`.
#[utoipa::path(post, path = "/api/v1/payments/gateways/{gateway}/confirm", tag = "payments",
    params(("gateway" = String, Path, description = "`paygov`")),
    request_body(content = String, description = "The platform's signed JSON message", content_type = "application/json"),
    responses((status = 200, description = "The gateway's own reply format"), (status = 404)))]
pub async fn confirmation_post(
    state: State<AppState>,
    ctx: Ctx,
    gateway: Path<String>,
    query: RawQuery,
    body: axum::body::Body,
) -> Response {
    // The platform's messages are small; anything larger than 64 KiB is not one.
    let body = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    confirmation(state, ctx, gateway, query, body).await
}

/// A gateway's server-to-server confirmation (VNPay's IPN is a GET with a signed query; the
/// national platform POSTs signed JSON). Answered in the gateway's protocol.
async fn confirmation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(gateway): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let Some(kind) = GatewayKind::parse(&gateway) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let callback = InboundCallback {
        query: query.unwrap_or_default(),
        body: body.to_vec(),
    };
    match state
        .app
        .handle_payment_confirmation(kind, &callback, ctx.ip.as_deref())
        .await
    {
        Some(reply) => {
            let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
            let mut response = (status, reply.body).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(reply.content_type),
            );
            response
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
