//! Payment pages that work without JavaScript: the applicant's "Thanh toán" page (what is due,
//! a gateway to choose, the attempts and their receipts), the return from the gateway that
//! says honestly "đang chờ xác nhận" until the gateway's own confirmation arrives, the desk's
//! payment panel (counter payment, cancel, refund), and the reconciliation (đối soát).

use crate::context::Ctx;
use crate::error::{ContextualError, WebResult};
use crate::extract::FormFields;
use crate::pages::layout::{FormState, Page, render, render_status, status_of};
use crate::{AppState, i18n};
use askama::Template;
use axum::extract::{Path, Query, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::forms::parse_day;
use motcua_app::payments::{DossierPayments, GatewayKind, InboundCallback, PaymentView};
use motcua_app::{Actor, AppError};
use motcua_domain::authz::{Permission, Principal};
use motcua_domain::payment::PaymentMethod;
use std::collections::HashMap;

/// One attempt as the page shows it.
pub struct AttemptView {
    pub id: i64,
    pub reference: String,
    pub method: String,
    pub state: String,
    pub state_key: String,
    pub amount: String,
    pub created: String,
    pub settled: String,
    pub receipt_number: String,
    pub note: String,
    pub pending: bool,
    pub paid: bool,
    pub refunded: bool,
}

fn method_label(ctx: &Ctx, method: &str) -> String {
    i18n::t(ctx.lang, &format!("payment-method-{method}"))
}

fn attempt(ctx: &Ctx, view: &PaymentView) -> AttemptView {
    AttemptView {
        id: view.id,
        reference: view.reference.clone(),
        method: method_label(ctx, &view.method),
        state: i18n::t(ctx.lang, &format!("payment-state-{}", view.state)),
        state_key: view.state.clone(),
        amount: i18n::format_money(view.amount_vnd),
        created: i18n::format_time(view.created_at),
        settled: view.settled_at.map(i18n::format_time).unwrap_or_default(),
        receipt_number: view.receipt_number.clone().unwrap_or_default(),
        note: view.note.clone(),
        pending: view.state == "pending",
        paid: view.state == "paid",
        refunded: view.state == "refunded",
    }
}

/// (name, quantity, unit amount, amount)
type LineRow = (String, u32, String, String);

#[derive(Template)]
#[template(path = "payments/dossier.html")]
struct DossierPaymentsPage {
    page: Page,
    form: FormState,
    dossier_id: i64,
    code: String,
    /// `/my/dossiers/{id}` or `/staff/dossiers/{id}`.
    back: String,
    due_description: String,
    due_lines: Vec<LineRow>,
    due_total: String,
    has_due: bool,
    gateways: Vec<(String, String)>,
    attempts: Vec<AttemptView>,
    may_collect: bool,
    may_refund: bool,
    /// (category, note, state label, decision note)
    exemptions: Vec<(String, String, String, String)>,
    exemption_choices: Vec<String>,
    may_declare_exemption: bool,
    exemption_to_decide: bool,
}

async fn dossier_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    staff: bool,
    form: FormState,
    flash: Option<String>,
) -> WebResult<Response> {
    let actor = ctx.actor();
    let view: DossierPayments = state.app.dossier_payments(&actor, id).await.ctx(ctx)?;
    let status = if form.general.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let (due_description, due_lines, due_total) = match &view.due {
        Some(due) => (
            due.description.clone(),
            due.lines
                .iter()
                .map(|l| {
                    (
                        l.name.clone(),
                        l.quantity,
                        i18n::format_money(l.unit_amount_vnd),
                        i18n::format_money(l.amount_vnd),
                    )
                })
                .collect(),
            i18n::format_money(due.total_vnd),
        ),
        None => (String::new(), Vec::new(), String::new()),
    };
    let page = DossierPaymentsPage {
        page: Page::new(ctx, "payment-title").with_flash(flash),
        form,
        dossier_id: view.dossier_id,
        code: view.dossier_code.clone().unwrap_or_default(),
        back: if staff {
            format!("/staff/dossiers/{id}")
        } else {
            format!("/my/dossiers/{id}")
        },
        has_due: view.due.is_some(),
        due_description,
        due_lines,
        due_total,
        gateways: view
            .gateways
            .iter()
            .map(|g| (g.clone(), i18n::t(ctx.lang, &format!("payment-method-{g}"))))
            .collect(),
        attempts: view
            .attempts
            .iter()
            .rev()
            .map(|a| attempt(ctx, a))
            .collect(),
        may_collect: staff && view.may_collect,
        may_refund: staff && view.may_refund,
        exemptions: view
            .exemptions
            .iter()
            .map(|e| {
                (
                    e.category.clone(),
                    e.note.clone(),
                    i18n::t(ctx.lang, &format!("exemption-state-{}", e.state)),
                    e.decision_note.clone(),
                )
            })
            .collect(),
        exemption_choices: view
            .due
            .as_ref()
            .map(|d| d.exemption_choices.clone())
            .unwrap_or_default(),
        may_declare_exemption: !staff && view.may_declare_exemption,
        exemption_to_decide: staff && view.exemption_to_decide.is_some(),
    };
    Ok(render_status(status, &page))
}

fn flash(ctx: &Ctx, query: &HashMap<String, String>) -> Option<String> {
    query
        .get("done")
        .filter(|d| d.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        .map(|d| i18n::t(ctx.lang, &format!("payment-done-{d}")))
}

/// The applicant's payment page.
pub async fn mine(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    let flash = flash(&ctx, &query);
    dossier_page(&state, &ctx, id, false, FormState::default(), flash).await
}

/// The desk's payment panel of a dossier.
pub async fn staff(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    let flash = flash(&ctx, &query);
    dossier_page(&state, &ctx, id, true, FormState::default(), flash).await
}

/// The applicant chose a gateway: off to it (303), or back to the page with the reason.
pub async fn start(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    fields: FormFields,
) -> WebResult<Response> {
    let form = FormState::from_values(fields.0.clone());
    let Some(kind) = GatewayKind::parse(&fields.get("gateway")) else {
        let error = AppError::invalid("gateway", "error-payment-gateway");
        return dossier_page(&state, &ctx, id, false, form.fail(ctx.lang, &error), None).await;
    };
    match state.app.start_online_payment(&ctx.actor(), id, kind).await {
        // A page that moves on by itself (meta refresh, no script) rather than a redirect: the
        // Content Security Policy allows forms to post only to this site (`form-action
        // 'self'`), and browsers apply that to where a form's redirect leads as well.
        Ok(url) => Ok(render(&ToGatewayPage {
            page: Page::new(&ctx, "payment-to-gateway-title"),
            url,
        })),
        Err(error @ (AppError::Conflict(_) | AppError::Invalid(_))) => {
            dossier_page(&state, &ctx, id, false, form.fail(ctx.lang, &error), None).await
        }
        Err(error) => Err(error).ctx(&ctx),
    }
}

#[derive(Template)]
#[template(path = "payments/to_gateway.html")]
struct ToGatewayPage {
    page: Page,
    url: String,
}

#[derive(Template)]
#[template(path = "payments/return.html")]
struct ReturnPage {
    page: Page,
    attempt: AttemptView,
    dossier_id: i64,
    /// The page reloads itself while the confirmation has not arrived (no JavaScript).
    waiting: bool,
}

/// The browser back from the gateway. What it carries is only used to find the attempt; the
/// page shows our record, which only the gateway's server-to-server confirmation changes.
pub async fn returned(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(gateway): Path<String>,
    RawQuery(query): RawQuery,
) -> WebResult<Response> {
    let kind = GatewayKind::parse(&gateway)
        .ok_or(AppError::NotFound)
        .ctx(&ctx)?;
    let callback = InboundCallback {
        query: query.unwrap_or_default(),
        body: Vec::new(),
    };
    let view = state
        .app
        .payment_return(&ctx.actor(), kind, &callback)
        .await
        .ctx(&ctx)?;
    Ok(render(&ReturnPage {
        page: Page::new(&ctx, "payment-return-title"),
        waiting: view.state == "pending",
        dossier_id: view.dossier_id,
        attempt: attempt(&ctx, &view),
    }))
}

/// Where to go back after acting on an attempt: the staff panel or the applicant's page.
fn back_of(actor: &Actor, dossier_id: i64) -> String {
    match actor.principal {
        Principal::Citizen { .. } => format!("/my/dossiers/{dossier_id}/payment"),
        _ => format!("/staff/dossiers/{dossier_id}/payments"),
    }
}

/// The desk records a payment in cash or by card terminal.
pub async fn counter(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    fields: FormFields,
) -> WebResult<Response> {
    let form = FormState::from_values(fields.0.clone());
    let Some(method) = PaymentMethod::parse(&fields.get("method")).filter(|m| !m.is_online())
    else {
        let error = AppError::invalid("method", "error-payment-method");
        return dossier_page(&state, &ctx, id, true, form.fail(ctx.lang, &error), None).await;
    };
    match state
        .app
        .record_counter_payment(&ctx.actor(), id, method, &fields.get("note"))
        .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/staff/dossiers/{id}/payments?done=counter")).into_response(),
        ),
        Err(error @ (AppError::Conflict(_) | AppError::Invalid(_))) => {
            dossier_page(&state, &ctx, id, true, form.fail(ctx.lang, &error), None).await
        }
        Err(error) => Err(error).ctx(&ctx),
    }
}

/// Cancels a pending attempt (the applicant or the desk), with a reason.
pub async fn cancel(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(payment_id): Path<i64>,
    fields: FormFields,
) -> WebResult<Response> {
    let actor = ctx.actor();
    let payment = state.app.payment(&actor, payment_id).await.ctx(&ctx)?;
    let staff = !matches!(actor.principal, Principal::Citizen { .. });
    match state
        .app
        .cancel_payment(&actor, payment_id, &fields.get("reason"))
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "{}?done=cancelled",
            back_of(&actor, payment.dossier_id)
        ))
        .into_response()),
        Err(error @ (AppError::Conflict(_) | AppError::Invalid(_))) => {
            let form = FormState::from_values(fields.0.clone()).fail(ctx.lang, &error);
            dossier_page(&state, &ctx, payment.dossier_id, staff, form, None).await
        }
        Err(error) => Err(error).ctx(&ctx),
    }
}

/// A leader refunds a paid attempt, with a reason.
pub async fn refund(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(payment_id): Path<i64>,
    fields: FormFields,
) -> WebResult<Response> {
    let actor = ctx.actor();
    let payment = state.app.payment(&actor, payment_id).await.ctx(&ctx)?;
    match state
        .app
        .refund_payment(&actor, payment_id, &fields.get("reason"))
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/staff/dossiers/{}/payments?done=refunded",
            payment.dossier_id
        ))
        .into_response()),
        Err(error @ (AppError::Conflict(_) | AppError::Invalid(_))) => {
            let form = FormState::from_values(fields.0.clone()).fail(ctx.lang, &error);
            dossier_page(&state, &ctx, payment.dossier_id, true, form, None).await
        }
        Err(error) => Err(error).ctx(&ctx),
    }
}

/// One reconciliation line as the page shows it.
pub struct ReconciliationLine {
    pub reference: String,
    pub dossier_id: i64,
    pub method: String,
    pub ours: String,
    pub our_amount: String,
    pub gateway: String,
    pub gateway_amount: String,
    pub transaction: String,
    pub mismatch: String,
}

#[derive(Template)]
#[template(path = "payments/reconciliation.html")]
struct ReconciliationPage {
    page: Page,
    form: FormState,
    units: Vec<(i64, String)>,
    shown: bool,
    unit_name: String,
    lines: Vec<ReconciliationLine>,
    total: String,
    mismatches: usize,
    csv: String,
}

/// Đối soát: a unit and a day, our payments beside the gateways' answers.
pub async fn reconciliation(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    let actor = ctx.actor();
    let units: Vec<(i64, String)> = state
        .app
        .agencies_with(&actor, Permission::ReportsView)
        .await
        .ctx(&ctx)?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let unit = query
        .get("unit_id")
        .cloned()
        .or_else(|| units.first().map(|u| u.0.to_string()))
        .unwrap_or_default();
    let day = query
        .get("day")
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| i18n::format_date(state.app.today()));
    let form = FormState::from_values([
        ("unit_id".to_owned(), unit.clone()),
        ("day".to_owned(), day.clone()),
    ]);
    let mut page = ReconciliationPage {
        page: Page::new(&ctx, "payment-reconciliation-title"),
        form: FormState::default(),
        units,
        shown: false,
        unit_name: String::new(),
        lines: Vec::new(),
        total: String::new(),
        mismatches: 0,
        csv: String::new(),
    };
    let Ok(unit_id) = unit.parse::<i64>() else {
        page.form = form;
        return Ok(render(&page));
    };
    let Some(day) = parse_day(&day) else {
        page.form = form.fail(ctx.lang, &AppError::invalid("day", "error-payment-day"));
        return Ok(render_status(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            &page,
        ));
    };
    match state.app.reconciliation(&actor, unit_id, day).await {
        Ok(report) => {
            page.shown = true;
            page.unit_name = report.unit_name.clone();
            page.total = i18n::format_money(report.total_paid_vnd);
            page.mismatches = report.mismatches;
            page.csv = format!(
                "/api/v1/payments/reconciliation.csv?unit_id={unit_id}&day={}",
                report.day
            );
            page.lines = report
                .rows
                .iter()
                .map(|r| ReconciliationLine {
                    reference: r.reference.clone(),
                    dossier_id: r.dossier_id,
                    method: method_label(&ctx, &r.method),
                    ours: i18n::t(ctx.lang, &format!("payment-state-{}", r.our_state)),
                    our_amount: i18n::format_money(r.our_amount_vnd),
                    gateway: i18n::t(ctx.lang, &format!("payment-gateway-{}", r.gateway_state)),
                    gateway_amount: r
                        .gateway_amount_vnd
                        .map(i18n::format_money)
                        .unwrap_or_default(),
                    transaction: r.gateway_transaction.clone().unwrap_or_default(),
                    mismatch: r
                        .mismatch
                        .as_ref()
                        .map(|m| i18n::t(ctx.lang, &format!("payment-mismatch-{m}")))
                        .unwrap_or_default(),
                })
                .collect();
            page.form = form;
            Ok(render(&page))
        }
        Err(error @ (AppError::Forbidden | AppError::NotFound | AppError::Invalid(_))) => {
            let status = status_of(&error);
            page.form = form.fail(ctx.lang, &error);
            Ok(render_status(status, &page))
        }
        Err(error) => Err(error).ctx(&ctx),
    }
}

/// The e-receipt (biên lai điện tử) of a paid attempt as PDF, for whoever may read its dossier.
pub async fn receipt_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(payment_id): Path<i64>,
) -> WebResult<Response> {
    let pdf = state
        .app
        .payment_receipt_pdf(&ctx.actor(), payment_id)
        .await
        .ctx(&ctx)?;
    crate::api::forms::pdf_response(pdf, &format!("bien-lai-{payment_id}.pdf"))
}

#[derive(Template)]
#[template(path = "payments/verify.html")]
struct VerifyPage {
    page: Page,
    receipt_number: String,
    reference: String,
    dossier_code: String,
    amount: String,
    state: String,
    refunded: bool,
    paid_at: String,
}

/// The public check of a receipt: what its QR code opens.
pub async fn verify(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(reference): Path<String>,
) -> WebResult<Response> {
    let check = state.app.verify_receipt(&reference).await.ctx(&ctx)?;
    Ok(render(&VerifyPage {
        page: Page::new(&ctx, "payment-verify-title"),
        receipt_number: check.receipt_number,
        reference: check.reference,
        dossier_code: check.dossier_code,
        amount: i18n::format_money(check.amount_vnd),
        state: i18n::t(ctx.lang, &format!("payment-state-{}", check.state)),
        refunded: check.state == "refunded",
        paid_at: check.paid_at.map(i18n::format_time).unwrap_or_default(),
    }))
}

/// The applicant declares an exempted category.
pub async fn declare_exemption(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    fields: FormFields,
) -> WebResult<Response> {
    match state
        .app
        .declare_exemption(
            &ctx.actor(),
            id,
            &fields.get("category"),
            &fields.get("note"),
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/my/dossiers/{id}/payment?done=exemption_declared"
        ))
        .into_response()),
        Err(error @ (AppError::Conflict(_) | AppError::Invalid(_))) => {
            let form = FormState::from_values(fields.0.clone()).fail(ctx.lang, &error);
            dossier_page(&state, &ctx, id, false, form, None).await
        }
        Err(error) => Err(error).ctx(&ctx),
    }
}

/// The desk confirms or rejects the declared exemption.
pub async fn decide_exemption(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    fields: FormFields,
) -> WebResult<Response> {
    let confirm = fields.get("decision") == "confirm";
    match state
        .app
        .decide_exemption(&ctx.actor(), id, confirm, &fields.get("note"))
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!(
            "/staff/dossiers/{id}/payments?done={}",
            if confirm {
                "exemption_confirmed"
            } else {
                "exemption_rejected"
            }
        ))
        .into_response()),
        Err(error @ (AppError::Conflict(_) | AppError::Invalid(_))) => {
            let form = FormState::from_values(fields.0.clone()).fail(ctx.lang, &error);
            dossier_page(&state, &ctx, id, true, form, None).await
        }
        Err(error) => Err(error).ctx(&ctx),
    }
}
