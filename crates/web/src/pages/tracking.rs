//! Sổ theo dõi hồ sơ (Mẫu 07) as a page for officials: pick an agency within one's
//! jurisdiction and a period (dd/mm/yyyy, the current month by default), see the book, print
//! it as PDF through the API route.

use crate::context::Ctx;
use crate::error::{ContextualError, WebError, WebResult};
use crate::pages::layout::{FormState, Page, render, render_status, status_of};
use crate::{AppState, i18n};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use motcua_app::AppError;
use motcua_app::forms::Period;
use motcua_domain::authz::Permission;
use std::collections::HashMap;

/// One line of the book as the page shows it.
pub struct LineView {
    pub sequence: u32,
    pub dossier_id: i64,
    pub code: String,
    pub applicant: String,
    pub procedure: String,
    pub received: String,
    pub due: String,
    pub resolved: String,
    pub returned: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "staff/tracking_book.html")]
struct BookPage {
    page: Page,
    form: FormState,
    agencies: Vec<(String, String)>,
    agency_name: String,
    lines: Vec<LineView>,
    /// Shown once a valid period was read.
    shown: bool,
    pdf: String,
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    let actor = ctx.actor();
    let agencies: Vec<(String, String)> = state
        .app
        .agencies_with(&actor, Permission::DossierView)
        .await
        .ctx(&ctx)?
        .into_iter()
        .filter_map(|u| Some((u.code?, u.name)))
        .collect();
    let today = state.app.today();
    let first = today.replace_day(1).unwrap_or(today);
    let last = (28..=31)
        .rev()
        .find_map(|d| today.replace_day(d).ok())
        .unwrap_or(today);
    let value = |name: &str, default: String| {
        query
            .get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .unwrap_or(default)
    };
    let agency = value(
        "agency",
        agencies.first().map(|a| a.0.clone()).unwrap_or_default(),
    );
    let from = value("from", i18n::format_date(first));
    let to = value("to", i18n::format_date(last));
    let mut form = FormState::from_values([
        ("agency".to_owned(), agency.clone()),
        ("from".to_owned(), from.clone()),
        ("to".to_owned(), to.clone()),
    ]);
    let mut page = BookPage {
        page: Page::new(&ctx, "tracking-book-title"),
        form: FormState::default(),
        agencies,
        agency_name: String::new(),
        lines: Vec::new(),
        shown: false,
        pdf: String::new(),
    };
    if agency.is_empty() {
        page.form = form;
        return Ok(render(&page));
    }
    let result = match Period::parse(&from, &to) {
        Ok(period) => state.app.tracking_book(&actor, &agency, period).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(book) => {
            let day = |at: time::OffsetDateTime| i18n::format_date(at.date());
            page.agency_name = book.agency_name;
            page.lines = book
                .entries
                .into_iter()
                .map(|e| LineView {
                    sequence: e.sequence,
                    dossier_id: e.dossier_id,
                    code: e.code,
                    applicant: e.applicant_name,
                    procedure: e.procedure_name,
                    received: day(e.received_at),
                    due: day(e.due_at),
                    resolved: e.resolved_at.map(day).unwrap_or_default(),
                    returned: e.returned_at.map(day).unwrap_or_default(),
                    note: e.note,
                })
                .collect();
            page.shown = true;
            page.pdf = format!(
                "/api/v1/agencies/{}/tracking-book.pdf?{}",
                agency,
                serde_urlencoded::to_string([("from", &from), ("to", &to)]).unwrap_or_default()
            );
            page.form = form;
            Ok(render(&page))
        }
        Err(error @ AppError::Invalid(_)) => {
            form = form.fail(ctx.lang, &error);
            page.form = form;
            Ok(render_status(status_of(&error), &page))
        }
        Err(error) => Err(WebError::from(error).with(ctx.lang, false)),
    }
}
