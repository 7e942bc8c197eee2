//! The back office: work queues, the dossier page and its actions, the result upload.

use super::*;

#[derive(Template)]
#[template(path = "dossiers/queue.html")]
pub(super) struct QueuePage {
    page: Page,
    queue: String,
    /// (queue, its label, how many dossiers it holds with the filters).
    queues: Vec<(String, String, i64)>,
    /// (dossier, status, appointment, how the post is involved, the procedure's name).
    rows: Vec<(DossierView, String, String, String, String)>,
    can_register: bool,
    /// The filters as typed, for the form and the links.
    form: FormState,
    /// The filters as a query string (without queue and cursor), for the tab links.
    filter_query: String,
    /// The link to the next page, if any.
    next: Option<String>,
    total: i64,
    /// (national status code, label) for the status filter.
    statuses: Vec<(String, String)>,
}

/// The filter fields of the queue page.
const FILTER_FIELDS: [&str; 7] = [
    "q",
    "procedure",
    "status",
    "channel",
    "from",
    "to",
    "overdue",
];

/// What the desk must know of the post beside the status: a result on its way (not to be
/// handed over at the counter), or papers the postman is bringing.
fn postal_note(lang: i18n::Lang, dossier: &DossierView) -> String {
    match dossier.status {
        Some(DossierStatus::Resolved) if dossier.result_posted.is_some() => {
            i18n::t(lang, "queue-note-result-in-post")
        }
        Some(DossierStatus::Submitted)
            if dossier.channel == motcua_domain::procedure::Channel::Postal =>
        {
            i18n::t(lang, "queue-note-papers-by-post")
        }
        _ => String::new(),
    }
}

pub async fn queue(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    let queue = query
        .get("queue")
        .cloned()
        .unwrap_or_else(|| "mine".to_owned());
    let value = |name: &str| query.get(name).cloned().filter(|v| !v.trim().is_empty());
    let filters = motcua_app::dossiers::QueueFilters {
        procedure: value("procedure"),
        status: value("status"),
        channel: value("channel"),
        from: value("from"),
        to: value("to"),
        overdue: value("overdue").is_some(),
        assignee: None,
        text: value("q"),
        updated_since: None,
    };
    let form = FormState::from_values(
        FILTER_FIELDS
            .iter()
            .filter_map(|f| value(f).map(|v| ((*f).to_owned(), v))),
    );
    let actor = ctx.actor();
    let (page_result, totals) = match state
        .app
        .dossier_queue_page(
            &actor,
            Some(&queue),
            &filters,
            query.get("cursor").map(String::as_str),
            50,
        )
        .await
    {
        Ok(page) => (
            page,
            state
                .app
                .dossier_queue_totals(&actor, &filters)
                .await
                .ctx(&ctx)?,
        ),
        // Filters that cannot be understood are shown beside their fields, with an empty list.
        Err(error @ AppError::Invalid(_)) => {
            let form = form.fail(ctx.lang, &error);
            return queue_page(&state, &ctx, queue, Default::default(), Vec::new(), form)
                .await
                .map(|page| render_status(axum::http::StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
        Err(error) => return Err(error).ctx(&ctx),
    };
    let page = queue_page(&state, &ctx, queue, page_result, totals, form).await?;
    Ok(render(&page))
}

async fn queue_page(
    state: &AppState,
    ctx: &Ctx,
    queue: String,
    found: motcua_app::dossiers::QueuePage,
    totals: Vec<(&'static str, i64)>,
    form: FormState,
) -> WebResult<QueuePage> {
    let names = state.app.procedure_names(&found.items).await;
    let rows = listed(found.items)
        .into_iter()
        .map(|(d, status, due)| {
            let note = postal_note(ctx.lang, &d);
            let name = names
                .get(&(d.procedure_code.clone(), d.procedure_version))
                .cloned()
                .unwrap_or_else(|| d.procedure_code.clone());
            (d, status, due, note, name)
        })
        .collect();
    let can_register = ctx.principal.check(motcua_domain::authz::Access::Staff(
        motcua_domain::authz::Permission::DossierReceive,
    )) == motcua_domain::authz::Decision::Allow;
    let pairs: Vec<(&str, String)> = FILTER_FIELDS
        .iter()
        .map(|f| (*f, form.value(f)))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let filter_query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    let next = found.next_cursor.map(|cursor| {
        let mut all = pairs.clone();
        all.push(("queue", queue.clone()));
        all.push(("cursor", cursor));
        format!(
            "/staff/dossiers?{}",
            serde_urlencoded::to_string(&all).unwrap_or_default()
        )
    });
    let totals: HashMap<&str, i64> = totals.into_iter().collect();
    Ok(QueuePage {
        page: Page::new(ctx, "dossier-queue-title"),
        queues: motcua_app::dossiers::QUEUES
            .iter()
            .map(|q| {
                (
                    (*q).to_owned(),
                    i18n::t(ctx.lang, &format!("queue-{q}")),
                    totals.get(q).copied().unwrap_or(0),
                )
            })
            .collect(),
        queue,
        rows,
        can_register,
        form,
        filter_query,
        next,
        total: found.total,
        statuses: (1..=10)
            .filter_map(|code| {
                DossierStatus::from_national_code(code)
                    .map(|status| (code.to_string(), status.vietnamese().to_owned()))
            })
            .collect(),
    })
}

pub async fn staff_detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    detail_page(&state, &ctx, id, true, None, flash_of(&ctx, &query)).await
}

pub async fn staff_act(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    fields: FormFields,
) -> WebResult<Response> {
    act(&state, &ctx, id, &fields, true).await
}

/// The official who may resolve the dossier uploads the result document.
pub async fn staff_result(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    request: Request,
) -> WebResult<Response> {
    let sent = page_form(&state, request).await?;
    let result = match upload_of("result", None, &sent) {
        Some(upload) => state.app.upload_result(&ctx.actor(), id, &upload).await,
        None => Err(AppError::invalid("result", "error-file-missing")),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/staff/dossiers/{id}?done=result")).into_response()),
        Err(error) => detail_page(&state, &ctx, id, true, Some(&error), None).await,
    }
}
