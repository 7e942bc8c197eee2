//! The back office: work queues, the dossier page and its actions, the result upload.

use super::*;

#[derive(Template)]
#[template(path = "dossiers/queue.html")]
pub(super) struct QueuePage {
    page: Page,
    queue: String,
    queues: Vec<(String, String)>,
    /// (dossier, status, appointment, how the post is involved, the procedure's name).
    rows: Vec<(DossierView, String, String, String, String)>,
    can_register: bool,
}

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
    let rows = state
        .app
        .dossier_queue(&ctx.actor(), &queue)
        .await
        .ctx(&ctx)?;
    let names = state.app.procedure_names(&rows).await;
    let rows = listed(rows)
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
    Ok(render(&QueuePage {
        page: Page::new(&ctx, "dossier-queue-title"),
        queues: motcua_app::dossiers::QUEUES
            .iter()
            .map(|q| ((*q).to_owned(), i18n::t(ctx.lang, &format!("queue-{q}"))))
            .collect(),
        queue,
        rows,
        can_register,
    }))
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
