//! Đồng bộ Cổng DVCQG: what the national portal acknowledged of the dossiers of the
//! administrator's jurisdiction, what failed and why, and sending again.

use crate::context::Ctx;
use crate::error::{ContextualError, WebResult};
use crate::pages::layout::{Page, render};
use crate::{AppState, i18n};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::national_sync::NationalSyncOverview;
use motcua_app::views::SyncComparison;
use serde::Deserialize;

/// One dossier of a list, with its times as text.
pub struct SyncLine {
    pub item: SyncComparison,
    pub acked_at: String,
    pub failed_at: String,
}

fn lines(items: Vec<SyncComparison>) -> Vec<SyncLine> {
    items
        .into_iter()
        .map(|item| SyncLine {
            acked_at: item
                .acked_at
                .map(i18n::format_time_micros)
                .unwrap_or_default(),
            failed_at: item
                .failed_at
                .map(i18n::format_time_micros)
                .unwrap_or_default(),
            item,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "admin/national_sync.html")]
struct NationalSyncPage {
    page: Page,
    overview: NationalSyncOverview,
    failing: Vec<SyncLine>,
    behind: Vec<SyncLine>,
    /// What was just done (sent again), as a notice; empty when nothing was.
    notice: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
    #[serde(default)]
    queued: usize,
}

/// `/admin/national-sync`.
pub async fn overview(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<DoneQuery>,
) -> WebResult<Response> {
    let mut overview = state
        .app
        .national_sync_overview(&ctx.actor())
        .await
        .ctx(&ctx)?;
    let failing = lines(std::mem::take(&mut overview.failing));
    let behind = lines(std::mem::take(&mut overview.behind));
    let page = Page::new(&ctx, "national-sync-title");
    let notice = match query.done.as_str() {
        "resend" => page.t("national-sync-done-resend"),
        "resend-behind" => i18n::tf(
            page.lang,
            "national-sync-done-resend-behind",
            &[("count", &query.queued.to_string())],
        ),
        _ => String::new(),
    };
    Ok(render(&NationalSyncPage {
        page,
        overview,
        failing,
        behind,
        notice,
    }))
}

/// `/admin/national-sync/behind.csv`: every dossier the portal lacks a step of.
pub async fn behind_csv(State(state): State<AppState>, ctx: Ctx) -> WebResult<Response> {
    let body = state
        .app
        .national_sync_reconciliation_csv(&ctx.actor())
        .await
        .ctx(&ctx)?;
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    response.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"dong-bo-dvcqg.csv\""),
    );
    Ok(response)
}

/// Sends one dossier's sync again.
pub async fn resend(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    state
        .app
        .resend_national_sync(&ctx.actor(), id)
        .await
        .ctx(&ctx)?;
    Ok(Redirect::to("/admin/national-sync?done=resend").into_response())
}

/// Queues every dossier the portal lacks a step of (a batch at a time).
pub async fn resend_behind(State(state): State<AppState>, ctx: Ctx) -> WebResult<Response> {
    let queued = state
        .app
        .resend_national_sync_behind(&ctx.actor())
        .await
        .ctx(&ctx)?;
    Ok(Redirect::to(&format!(
        "/admin/national-sync?done=resend-behind&queued={queued}"
    ))
    .into_response())
}
