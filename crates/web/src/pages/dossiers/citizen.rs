//! The citizen's dossiers ("hồ sơ của tôi"): the list, the page, the actions and supplements.

use super::*;

#[derive(Template)]
#[template(path = "dossiers/mine.html")]
pub(super) struct MinePage {
    page: Page,
    /// Each dossier with its status, appointment and result files (once issued).
    rows: Vec<(DossierView, String, String, Vec<FileLink>)>,
}

pub async fn mine(State(state): State<AppState>, ctx: Ctx) -> WebResult<Response> {
    let actor = ctx.actor();
    let rows = state.app.my_dossiers(&actor).await.ctx(&ctx)?;
    let mut shown = Vec::with_capacity(rows.len());
    for (row, status, due) in listed(rows) {
        // The result is offered once resolved (9) or returned (10).
        let results = if row.is(DossierStatus::Resolved) || row.is(DossierStatus::Returned) {
            state
                .app
                .dossier_attachments(&actor, row.id)
                .await
                .unwrap_or_default()
                .iter()
                .filter(|f| f.purpose == Purpose::Result.as_str())
                .map(|f| file_link("/my/dossiers", row.id, f))
                .collect()
        } else {
            Vec::new()
        };
        shown.push((row, status, due, results));
    }
    Ok(render(&MinePage {
        page: Page::new(&ctx, "dossier-mine-title"),
        rows: shown,
    }))
}

/// The applicant sends the papers asked for and reports the supplement done (status 5).
pub async fn my_supplement(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    request: Request,
) -> WebResult<Response> {
    let sent = page_form(&state, request).await?;
    let actor = ctx.actor();
    let row = state.app.dossier_for(&actor, id).await.ctx(&ctx)?;
    // A failed read must not drop the papers asked for and still resume the clock.
    let events = state.app.dossier_history(&actor, row.id).await.ctx(&ctx)?;
    let documents = state
        .app
        .procedure_version(&Actor::system(), &row.procedure_code, row.procedure_version)
        .await
        .ctx(&ctx)?
        .procedure
        .required_documents;
    let mut uploads = Vec::new();
    for (k, name) in requested_papers(&events).iter().enumerate() {
        // A requested paper that is one of the procedure's is attached as that paper.
        let requirement = documents
            .iter()
            .position(|d| &d.name == name)
            .and_then(|i| u32::try_from(i).ok());
        if let Some(upload) = upload_of(&format!("supplement.{k}"), requirement, &sent) {
            uploads.push(upload);
        }
    }
    if let Some(upload) = upload_of("supplement.other", None, &sent) {
        uploads.push(upload);
    }
    match state.app.provide_supplement(&actor, id, &uploads).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/my/dossiers/{id}?done=supplement_provided")).into_response(),
        ),
        Err(error) => detail_page(&state, &ctx, id, false, Some(&error), None).await,
    }
}

pub async fn my_detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    detail_page(&state, &ctx, id, false, None, flash_of(&ctx, &query)).await
}

pub async fn my_act(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    fields: FormFields,
) -> WebResult<Response> {
    act(&state, &ctx, id, &fields, false).await
}

// ---------------------------------------------------------------------------------------------
// Back office
