//! The synonyms of catalogue search, kept by catalogue managers: the list, a form to add one
//! (errors beside their fields, nothing stored on a refusal) and a button to remove each.

use crate::AppState;
use crate::context::Ctx;
use crate::error::{ContextualError, WebResult};
use crate::extract::FormFields;
use crate::pages::layout::{FormState, Page, render, render_status};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::AppError;
use motcua_app::search_synonyms::SynonymRow;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "admin/search_synonyms.html")]
struct SynonymsPage {
    page: Page,
    form: FormState,
    rows: Vec<SynonymRow>,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    form: FormState,
    flash: Option<String>,
) -> WebResult<SynonymsPage> {
    let rows = state.app.search_synonyms(&ctx.actor()).await.ctx(ctx)?;
    Ok(SynonymsPage {
        page: Page::new(ctx, "search-synonyms-title").with_flash(flash),
        form,
        rows,
    })
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    let flash = query
        .contains_key("saved")
        .then(|| crate::i18n::t(ctx.lang, "admin-saved"));
    Ok(render(
        &page(&state, &ctx, FormState::default(), flash).await?,
    ))
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    fields: FormFields,
) -> WebResult<Response> {
    match state
        .app
        .add_search_synonym(
            &ctx.actor(),
            &fields.get("phrase"),
            &fields.get("expansion"),
        )
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/search-synonyms?saved=1").into_response()),
        Err(error @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let status = if matches!(error, AppError::Conflict(_)) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let form = FormState::from_values(fields.0.clone()).fail(ctx.lang, &error);
            Ok(render_status(
                status,
                &page(&state, &ctx, form, None).await?,
            ))
        }
        Err(error) => Err(error).ctx(&ctx),
    }
}

pub async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    state
        .app
        .remove_search_synonym(&ctx.actor(), id)
        .await
        .ctx(&ctx)?;
    Ok(Redirect::to("/admin/search-synonyms?saved=1").into_response())
}
