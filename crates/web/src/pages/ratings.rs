//! The citizen's satisfaction rating of their own dossier (đánh giá mức độ hài lòng,
//! vn-legal §8) as a plain form: nine criteria, each Rất hài lòng / Hài lòng / Không hài lòng
//! as radio buttons, an optional comment. Once rated, the page shows the rating instead.

use crate::context::Ctx;
use crate::error::{ContextualError, WebError, WebResult};
use crate::extract::FormFields;
use crate::pages::layout::{FormState, Page, render, render_status, status_of};
use crate::{AppState, i18n};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::ratings::{CRITERIA, RatingInput};
use motcua_app::{AppError, InvalidField};
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "citizen/rating.html")]
struct RatingPage {
    page: Page,
    dossier_id: i64,
    code: String,
    form: FormState,
    /// Criterion numbers 1–9.
    criteria: Vec<usize>,
    may_rate: bool,
    /// `(criterion, score key)` of the stored rating.
    given: Vec<(i64, String)>,
    comment: String,
    rated_at: String,
}

async fn rating_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    form: FormState,
) -> WebResult<RatingPage> {
    let actor = ctx.actor();
    let row = state.app.dossier_for(&actor, id).await.ctx(ctx)?;
    let status = state.app.dossier_rating(&actor, id).await.ctx(ctx)?;
    let (given, comment, rated_at) = match &status.rating {
        Some(rating) => (
            rating
                .scores
                .iter()
                .map(|(c, s)| (*c, format!("rating-score-{s}")))
                .collect(),
            rating.comment.clone(),
            i18n::format_time_micros(rating.rated_at),
        ),
        None => (Vec::new(), String::new(), String::new()),
    };
    Ok(RatingPage {
        page: Page::new(ctx, "rating-title"),
        dossier_id: id,
        code: row.code.unwrap_or_else(|| format!("#{id}")),
        form,
        criteria: (1..=CRITERIA).collect(),
        may_rate: status.may_rate,
        given,
        comment,
        rated_at,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    let mut page = rating_page(&state, &ctx, id, FormState::default()).await?;
    if query.contains_key("saved") {
        page.page = page
            .page
            .with_flash(Some(i18n::t(ctx.lang, "rating-saved")));
    }
    Ok(render(&page))
}

/// The posted answers: `c1` … `c9` each `0`, `1` or `2`; an unanswered criterion is marked.
fn input_from(fields: &FormFields) -> Result<RatingInput, AppError> {
    let mut problems = Vec::new();
    let mut scores = Vec::new();
    for criterion in 1..=CRITERIA {
        let name = format!("c{criterion}");
        match fields.get(&name).trim().parse::<i64>() {
            Ok(score) => scores.push(score),
            Err(_) => problems.push(InvalidField::new(&name, "error-rating-choose")),
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    Ok(RatingInput {
        scores,
        comment: fields.optional("comment"),
    })
}

pub async fn rate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    fields: FormFields,
) -> WebResult<Response> {
    let result = match input_from(&fields) {
        Ok(input) => state
            .app
            .rate_dossier(&ctx.actor(), id, &input)
            .await
            .map_err(|error| match error {
                // The use case names criteria `scores.<n>`; the form names them `c<n>`.
                AppError::Invalid(found) => AppError::Invalid(
                    found
                        .into_iter()
                        .map(|f| InvalidField {
                            field: f
                                .field
                                .strip_prefix("scores.")
                                .map(|n| format!("c{n}"))
                                .unwrap_or(f.field),
                            code: f.code,
                        })
                        .collect(),
                ),
                other => other,
            }),
        Err(error) => Err(error),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/my/dossiers/{id}/rating?saved=1")).into_response()),
        Err(error @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let form = FormState::from_values(fields.0).fail(ctx.lang, &error);
            Ok(render_status(
                status_of(&error),
                &rating_page(&state, &ctx, id, form).await?,
            ))
        }
        Err(error) => Err(WebError::from(error).with(ctx.lang, false)),
    }
}
