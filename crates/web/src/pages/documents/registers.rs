//! `/staff/documents`: the registers (incoming / outgoing tabs, year, status, a search box
//! that ignores accents), the overdue and due-soon lists of the caller's units, and the
//! clerk's register downloads.

use super::*;
use motcua_app::documents::DocumentFilter;
use motcua_domain::document::Register;

#[derive(Template)]
#[template(path = "documents/registers.html")]
struct RegistersPage {
    page: Page,
    /// `incoming` or `outgoing`.
    register: &'static str,
    year: i32,
    years: Vec<i32>,
    /// The chosen status (empty: all).
    status: String,
    /// The register's statuses: (value, label).
    statuses: Vec<(String, String)>,
    q: String,
    rows: Vec<DocumentLine>,
    /// The list is the newest [`motcua_app::documents::DOCUMENT_LIST_LIMIT`] only.
    truncated: bool,
    overdue: Vec<DocumentLine>,
    due_soon: Vec<DocumentLine>,
    /// The clerk's register workbooks: (link, body name).
    downloads: Vec<(String, String)>,
    can_register: bool,
    can_draft: bool,
}

impl RegistersPage {
    fn incoming(&self) -> bool {
        self.register == "incoming"
    }

    /// The address of this page for the other tab (same year).
    fn tab(&self, register: &str) -> String {
        format!("/staff/documents?register={register}&year={}", self.year)
    }
}

pub async fn registers(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    let actor = ctx.actor();
    let today = state.app.today();
    let register = query
        .get("register")
        .and_then(|r| Register::parse(r.trim()))
        .unwrap_or(Register::Incoming);
    let year = query
        .get("year")
        .and_then(|y| y.trim().parse::<i32>().ok())
        .filter(|y| (2000..=9999).contains(y))
        .unwrap_or(today.year());
    let status = query
        .get("status")
        .and_then(|s| Status::parse(s.trim()))
        .filter(|s| s.register() == register);
    let q: String = query
        .get("q")
        .map(|q| q.trim().chars().take(200).collect())
        .unwrap_or_default();
    let filter = DocumentFilter {
        register,
        year: Some(year),
        status,
    };
    let found = if q.is_empty() {
        state.app.list_documents(&actor, &filter).await
    } else {
        // The search covers every register the caller reads; the tab, year and status
        // narrow what it found.
        state.app.search_documents(&actor, &q).await.map(|rows| {
            rows.into_iter()
                .filter(|v| {
                    v.register == register.as_str()
                        && v.year == i64::from(year)
                        && status.is_none_or(|s| v.status == s.as_str())
                })
                .collect()
        })
    }
    .ctx(&ctx)?;
    let truncated = q.is_empty()
        && i64::try_from(found.len()).unwrap_or(i64::MAX)
            >= motcua_app::documents::DOCUMENT_LIST_LIMIT;
    let line = |v: &DocumentView| DocumentLine::of(ctx.lang, today, v);
    let overdue = state.app.overdue_documents(&actor).await.ctx(&ctx)?;
    let due_soon = state.app.documents_due_soon(&actor).await.ctx(&ctx)?;
    let can_register = super::holds(&ctx, Permission::DocumentsManage);
    let downloads = if can_register {
        state
            .app
            .agencies_with(&actor, Permission::DocumentsManage)
            .await
            .ctx(&ctx)?
            .into_iter()
            .filter_map(|body| {
                let query = serde_urlencoded::to_string([
                    ("body_code", body.code?),
                    ("register", register.as_str().to_owned()),
                    ("year", year.to_string()),
                ])
                .ok()?;
                Some((
                    format!("/api/v1/documents/register.xlsx?{query}"),
                    body.name,
                ))
            })
            .collect()
    } else {
        Vec::new()
    };
    let statuses = Status::ALL
        .into_iter()
        .filter(|s| s.register() == register)
        .map(|s| (s.as_str().to_owned(), status_label(ctx.lang, s.as_str())))
        .collect();
    Ok(render(&RegistersPage {
        page: Page::new(&ctx, "documents-title"),
        register: register.as_str(),
        year,
        years: (year.min(today.year()) - 4..=today.year()).rev().collect(),
        status: status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        statuses,
        q,
        rows: found.iter().map(line).collect(),
        truncated,
        overdue: overdue.iter().map(line).collect(),
        due_soon: due_soon.iter().map(line).collect(),
        downloads,
        can_register,
        can_draft: super::holds(&ctx, Permission::DocumentsWork),
    }))
}
