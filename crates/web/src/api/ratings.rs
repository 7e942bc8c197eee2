//! Citizen satisfaction ratings (đánh giá mức độ hài lòng, 9 criteria × 0–2 points): the
//! applicant rates a finished dossier once; officials read a dossier's rating and an agency's
//! averages. Criterion and answer texts come from the message catalogues.

use crate::AppState;
use crate::api::forms::PeriodQuery;
use crate::api::types::ApiErrorBody;
use crate::context::Ctx;
use crate::error::{ContextualError, WebResult};
use crate::extract::ApiJson;
use crate::i18n::{self, Lang};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use motcua_app::ratings::{CRITERIA, MAX_SCORE, RatingInput};
use motcua_app::views::RatingRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One criterion of the evaluation set.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiCriterion {
    /// 1–9.
    pub criterion: i64,
    pub text: String,
}

/// One answer of the scale.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiScale {
    /// 2 rất hài lòng, 1 hài lòng, 0 không hài lòng.
    pub score: i64,
    pub text: String,
}

/// One answered criterion.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiScore {
    pub criterion: i64,
    pub score: i64,
    /// The answer in the request's language.
    pub answer: String,
}

/// A dossier's rating.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiRating {
    pub dossier_id: i64,
    /// `portal`.
    pub channel: String,
    pub comment: String,
    /// RFC 3339 at +07:00.
    pub rated_at: String,
    pub scores: Vec<ApiScore>,
    /// Sum of the scores, out of 18.
    pub points: i64,
}

/// The rating of a dossier (if any), whether the caller may rate, and the questionnaire.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiRatingStatus {
    pub rated: bool,
    pub may_rate: bool,
    pub rating: Option<ApiRating>,
    pub criteria: Vec<ApiCriterion>,
    pub scale: Vec<ApiScale>,
}

/// The citizen's answers.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiRatingInput {
    /// Nine scores in criterion order, each 2 (rất hài lòng), 1 (hài lòng) or 0 (không hài lòng).
    pub scores: Vec<i64>,
    /// Optional comment (góp ý), at most 1000 characters.
    #[serde(default)]
    pub comment: Option<String>,
}

/// One criterion over an agency's ratings.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiCriterionSummary {
    pub criterion: i64,
    pub text: String,
    pub count: i64,
    /// Mean score 0–2; null without ratings.
    pub average: Option<f64>,
    pub very_satisfied: i64,
    pub satisfied: i64,
    pub unsatisfied: i64,
}

/// An agency's ratings over a period.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiRatingSummary {
    pub agency_code: String,
    pub agency_name: String,
    /// dd/mm/yyyy.
    pub from: String,
    pub to: String,
    /// Number of ratings.
    pub count: i64,
    /// Sum of the criterion averages; null without ratings.
    pub points: Option<f64>,
    /// 18 (9 criteria × 2).
    pub max_points: i64,
    pub criteria: Vec<ApiCriterionSummary>,
}

fn criterion_text(lang: Lang, criterion: i64) -> String {
    i18n::t(lang, &format!("rating-criterion-{criterion}"))
}

fn answer_text(lang: Lang, score: i64) -> String {
    i18n::t(lang, &format!("rating-score-{score}"))
}

fn api_rating(row: RatingRow, lang: Lang) -> ApiRating {
    let rated_at = motcua_app::views::from_micros(row.rated_at)
        .to_offset(time::macros::offset!(+7))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    ApiRating {
        dossier_id: row.dossier_id,
        channel: row.channel,
        comment: row.comment,
        rated_at,
        points: row.scores.iter().map(|(_, s)| s).sum(),
        scores: row
            .scores
            .into_iter()
            .map(|(criterion, score)| ApiScore {
                criterion,
                score,
                answer: answer_text(lang, score),
            })
            .collect(),
    }
}

/// The rating of a dossier, for its applicant or an official who may view it.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/rating", tag = "ratings", params(("id" = i64, Path)),
    responses((status = 200, body = ApiRatingStatus), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<Json<ApiRatingStatus>> {
    let status = state.app.dossier_rating(&ctx.actor(), id).await.ctx(&ctx)?;
    Ok(Json(ApiRatingStatus {
        rated: status.rating.is_some(),
        may_rate: status.may_rate,
        rating: status.rating.map(|r| api_rating(r, ctx.lang)),
        criteria: (1..=CRITERIA as i64)
            .map(|criterion| ApiCriterion {
                criterion,
                text: criterion_text(ctx.lang, criterion),
            })
            .collect(),
        scale: (0..=MAX_SCORE)
            .rev()
            .map(|score| ApiScale {
                score,
                text: answer_text(ctx.lang, score),
            })
            .collect(),
    }))
}

/// The applicant rates their dossier, once, when the result is ready (status 9) or returned (10).
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/rating", tag = "ratings", params(("id" = i64, Path)),
    request_body = ApiRatingInput,
    responses((status = 201, body = ApiRating), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody, description = "Not finished yet, or already rated"),
        (status = 422, body = ApiErrorBody)))]
pub async fn rate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ApiRatingInput>,
) -> WebResult<Response> {
    let row = state
        .app
        .rate_dossier(
            &ctx.actor(),
            id,
            &RatingInput {
                scores: input.scores,
                comment: input.comment,
            },
        )
        .await
        .ctx(&ctx)?;
    Ok((StatusCode::CREATED, Json(api_rating(row, ctx.lang))).into_response())
}

/// Average per criterion and counts per answer of the ratings given in the period to the
/// dossiers of an agency and the units under it.
#[utoipa::path(get, path = "/api/v1/agencies/{code}/ratings", tag = "ratings",
    params(("code" = String, Path, description = "Electronic agency code, e.g. `000.00.30.H13`"), PeriodQuery),
    responses((status = 200, body = ApiRatingSummary), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn agency(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(query): Query<PeriodQuery>,
) -> WebResult<Json<ApiRatingSummary>> {
    let period = query.period().ctx(&ctx)?;
    let summary = state
        .app
        .agency_ratings(&ctx.actor(), &code, period)
        .await
        .ctx(&ctx)?;
    Ok(Json(ApiRatingSummary {
        agency_code: summary.agency_code,
        agency_name: summary.agency_name,
        from: i18n::format_date(summary.from),
        to: i18n::format_date(summary.to),
        count: summary.count,
        points: summary.points,
        max_points: CRITERIA as i64 * MAX_SCORE,
        criteria: summary
            .criteria
            .into_iter()
            .map(|c| ApiCriterionSummary {
                text: criterion_text(ctx.lang, c.criterion),
                criterion: c.criterion,
                count: c.count,
                average: c.average,
                very_satisfied: c.very_satisfied,
                satisfied: c.satisfied,
                unsatisfied: c.unsatisfied,
            })
            .collect(),
    }))
}
