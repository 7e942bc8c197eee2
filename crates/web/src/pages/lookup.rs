//! The public lookup page (`/tra-cuu`): anyone enters a dossier code, or scans the QR code on a
//! receipt, and sees the status, the appointment and the public steps. The masked name of the
//! applicant is shown only when the visitor also gives their phone number or the last digits of
//! their personal identification number (`xac_minh`); see `motcua_app::lookup`.

use crate::AppState;
use crate::context::Ctx;
use crate::i18n;
use crate::pages::layout::{Page, render, render_status, status_of};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use motcua_app::lookup::{LookupProof, PublicStatus};
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "lookup.html")]
struct LookupPage {
    page: Page,
    code: String,
    /// What the visitor typed as proof (shown back in the input).
    proof: String,
    /// The proof did not match: said plainly, without telling which part.
    proof_mismatch: bool,
    error: Option<String>,
    status: Option<PublicStatus>,
    appointment: String,
    timeline: Vec<(String, String)>,
    /// The result's parcel: tracking number and where it is.
    postal: Option<(String, String)>,
    /// Hạn bổ sung as dd/mm/yyyy while papers are awaited, empty otherwise.
    supplement_due: String,
}

fn when(rfc3339: &str) -> String {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .map(i18n::format_time)
        .unwrap_or_default()
}

async fn show(state: &AppState, ctx: &Ctx, code: String, proof: String) -> Response {
    let mut page = LookupPage {
        page: Page::new(ctx, "lookup-title"),
        code: code.clone(),
        proof: proof.clone(),
        proof_mismatch: false,
        error: None,
        status: None,
        appointment: String::new(),
        timeline: Vec::new(),
        postal: None,
        supplement_due: String::new(),
    };
    if code.trim().is_empty() {
        return render(&page);
    }
    let result = state
        .app
        .lookup_dossier(&ctx.actor(), &code, Some(proof.as_str()))
        .await;
    crate::ops::count_lookup("page", &result);
    match result {
        Ok(status) => {
            page.proof_mismatch = status.proof == LookupProof::Mismatch;
            page.appointment = status
                .appointment
                .as_deref()
                .map(when)
                .unwrap_or_else(|| "—".into());
            page.timeline = status
                .timeline
                .iter()
                .map(|s| {
                    (
                        when(&s.at),
                        s.status.clone().unwrap_or_else(|| s.action.clone()),
                    )
                })
                .collect();
            page.postal = status.postal.as_ref().map(|p| {
                (
                    p.tracking_number.clone(),
                    i18n::t(ctx.lang, &format!("postal-status-{}", p.status)),
                )
            });
            page.supplement_due = status
                .supplement_due
                .as_deref()
                .and_then(motcua_app::forms::parse_day)
                .map(i18n::format_date)
                .unwrap_or_default();
            page.status = Some(status);
            render(&page)
        }
        Err(error) => {
            let status = status_of(&error);
            page.error = Some(i18n::t(ctx.lang, error.code()));
            render_status(status, &page)
        }
    }
}

pub async fn form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let field = |name: &str| query.get(name).cloned().unwrap_or_default();
    show(&state, &ctx, field("code"), field("xac_minh")).await
}

pub async fn by_code(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let proof = query.get("xac_minh").cloned().unwrap_or_default();
    show(&state, &ctx, code, proof).await
}
