//! The public lookup page (`/tra-cuu`): anyone enters a dossier code, or scans the QR code on a
//! receipt, and sees the status, the appointment and the public steps — no personal data
//! beyond a masked name.

use crate::AppState;
use crate::context::Ctx;
use crate::i18n;
use crate::pages::layout::{Page, render, render_status, status_of};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use motcua_app::dossiers::PublicStatus;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "lookup.html")]
struct LookupPage {
    page: Page,
    code: String,
    error: Option<String>,
    status: Option<PublicStatus>,
    appointment: String,
    timeline: Vec<(String, String)>,
}

fn when(rfc3339: &str) -> String {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .map(|t| i18n::format_time_micros(motcua_app::views::micros(t)))
        .unwrap_or_default()
}

async fn show(state: &AppState, ctx: &Ctx, code: String) -> Response {
    let mut page = LookupPage {
        page: Page::new(ctx, "lookup-title"),
        code: code.clone(),
        error: None,
        status: None,
        appointment: String::new(),
        timeline: Vec::new(),
    };
    if code.trim().is_empty() {
        return render(&page);
    }
    match state.app.lookup_dossier(&code).await {
        Ok(status) => {
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
    show(&state, &ctx, query.get("code").cloned().unwrap_or_default()).await
}

pub async fn by_code(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Response {
    show(&state, &ctx, code).await
}
