//! Citizen satisfaction with the handling of a dossier (đánh giá mức độ hài lòng trong tiếp
//! nhận, giải quyết TTHC, vn-legal §8), which feeds group 5 of the QĐ 766 service index.
//!
//! Nine criteria (TT 01/2018 evaluation set), each answered Rất hài lòng (2 points), Hài lòng
//! (1) or Không hài lòng (0), so a rating is worth at most 18 points. Only the applicant rates,
//! once, after the result is ready (status 9) or handed over (status 10). An official may not
//! record a rating on the citizen's behalf: §8 knows the citizen's own answer on the portal
//! or on a kiosk/tablet at the counter, not an official's entry, and an official scoring the
//! service of their own office is exactly what the evaluation is meant to avoid.

use crate::forms::Period;
use crate::{Actor, App, AppError, AppResult, InvalidField};
use motcua_domain::authz::{Access, Permission, Principal};
use motcua_store::StoreError;
use motcua_store::ratings::{NewRating, RatingRow};
use serde_json::json;

/// Number of criteria (tiêu chí) in the evaluation set; texts are `rating-criterion-1` … `-9`
/// in the message catalogues.
pub const CRITERIA: usize = 9;

/// Highest score of one criterion (rất hài lòng); texts are `rating-score-0` … `-2`.
pub const MAX_SCORE: i64 = 2;

/// Longest comment (góp ý), in characters.
const MAX_COMMENT: usize = 1_000;

/// What the citizen answers.
#[derive(Debug, Clone, Default)]
pub struct RatingInput {
    /// One score per criterion, in criterion order: 2, 1 or 0.
    pub scores: Vec<i64>,
    pub comment: Option<String>,
}

/// A dossier's rating as its owner or an official sees it.
#[derive(Debug, Clone)]
pub struct RatingStatus {
    pub rating: Option<RatingRow>,
    /// Whether the caller may rate now (the owner, status 9 or 10, not rated yet).
    pub may_rate: bool,
}

/// One criterion over many ratings.
#[derive(Debug, Clone)]
pub struct CriterionSummary {
    pub criterion: i64,
    /// Ratings that scored this criterion.
    pub count: i64,
    /// Mean score (0–2); `None` without ratings.
    pub average: Option<f64>,
    pub very_satisfied: i64,
    pub satisfied: i64,
    pub unsatisfied: i64,
}

/// The ratings of an agency (and the units under it) over a period.
#[derive(Debug, Clone)]
pub struct RatingSummary {
    pub agency_code: String,
    pub agency_name: String,
    pub from: time::Date,
    pub to: time::Date,
    /// Number of ratings.
    pub count: i64,
    pub criteria: Vec<CriterionSummary>,
    /// Sum of the criterion averages: points out of 18 (9 × 2); `None` without ratings.
    pub points: Option<f64>,
}

fn rated_statuses(status: Option<i64>) -> bool {
    matches!(status, Some(9 | 10))
}

/// Checks the answers: exactly one score 0–2 per criterion, a comment of reasonable length.
///
/// # Errors
/// Every invalid field at once.
pub fn validate_rating(input: &RatingInput) -> Result<(Vec<(i64, i64)>, String), AppError> {
    let mut problems = Vec::new();
    if input.scores.len() != CRITERIA {
        problems.push(InvalidField::new("scores", "error-rating-scores"));
    }
    for (index, score) in input.scores.iter().enumerate() {
        if !(0..=MAX_SCORE).contains(score) {
            problems.push(InvalidField::new(
                &format!("scores.{}", index + 1),
                "error-rating-score",
            ));
        }
    }
    let comment = motcua_domain::text::nfc(input.comment.as_deref().unwrap_or("").trim());
    if comment.chars().count() > MAX_COMMENT {
        problems.push(InvalidField::new("comment", "error-rating-comment"));
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let scores = (1i64..).zip(input.scores.iter().copied()).collect();
    Ok((scores, comment))
}

impl App {
    /// The applicant rates their dossier once, after the result is ready.
    ///
    /// # Errors
    /// `Forbidden` for anyone but a citizen; `NotFound` for another citizen's dossier;
    /// `Conflict("error-rating-not-finished")` before status 9;
    /// `Conflict("error-rating-exists")` the second time; `Invalid` for bad answers.
    pub async fn rate_dossier(
        &self,
        actor: &Actor,
        dossier_id: i64,
        input: &RatingInput,
    ) -> AppResult<RatingRow> {
        let citizen_id = match actor.principal {
            Principal::Citizen { citizen_id } => citizen_id,
            Principal::Anonymous => return Err(AppError::Unauthenticated),
            _ => return Err(AppError::Forbidden),
        };
        let row = self.dossier_row(actor, dossier_id).await?;
        if row.citizen_id != Some(citizen_id) {
            return Err(AppError::NotFound);
        }
        if !rated_statuses(row.status_code) {
            return Err(AppError::Conflict("error-rating-not-finished"));
        }
        if self.store.dossier_rating(dossier_id).await?.is_some() {
            return Err(AppError::Conflict("error-rating-exists"));
        }
        let (scores, comment) = validate_rating(input)?;
        let now = self.now_micros();
        let rating = NewRating {
            dossier_id,
            agency_id: row.agency_id,
            agency_path: row.agency_path.clone(),
            citizen_id: Some(citizen_id),
            channel: "portal".into(),
            comment,
            scores,
            rated_at: now,
        };
        let total: i64 = rating.scores.iter().map(|(_, s)| s).sum();
        let mut tx = self.store.begin().await?;
        tx.insert_dossier_rating(&rating)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => AppError::Conflict("error-rating-exists"),
                other => other.into(),
            })?;
        tx.append_audit(
            &actor.audit(
                "dossier.rate",
                Some(format!("dossier:{dossier_id}")),
                json!({ "points": total, "code": row.code }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        self.store
            .dossier_rating(dossier_id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// A dossier's rating, for its owner or an official who may view the dossier.
    pub async fn dossier_rating(&self, actor: &Actor, dossier_id: i64) -> AppResult<RatingStatus> {
        let row = self.dossier_row(actor, dossier_id).await?;
        let rating = self.store.dossier_rating(dossier_id).await?;
        let owner = matches!(actor.principal, Principal::Citizen { citizen_id } if row.citizen_id == Some(citizen_id));
        Ok(RatingStatus {
            may_rate: owner && rating.is_none() && rated_statuses(row.status_code),
            rating,
        })
    }

    /// Average per criterion and counts per answer over the ratings given in the period to the
    /// dossiers of an agency and the units under it, for officials who see reports there.
    pub async fn agency_ratings(
        &self,
        actor: &Actor,
        agency_code: &str,
        period: Period,
    ) -> AppResult<RatingSummary> {
        actor.require(Access::Staff(Permission::ReportsView))?;
        let agency = self.store.get_unit_by_code(agency_code.trim()).await?;
        actor.require_at(Permission::ReportsView, &agency.path)?;
        let (start, end) = period.micros();
        let (count, totals) = self.store.rating_totals(&agency.path, start, end).await?;
        let criteria: Vec<CriterionSummary> = (1..=CRITERIA as i64)
            .map(|criterion| {
                let t = totals
                    .iter()
                    .find(|t| t.criterion == criterion)
                    .copied()
                    .unwrap_or_default();
                CriterionSummary {
                    criterion,
                    count: t.count,
                    average: (t.count > 0).then(|| t.sum as f64 / t.count as f64),
                    very_satisfied: t.very_satisfied,
                    satisfied: t.satisfied,
                    unsatisfied: t.unsatisfied,
                }
            })
            .collect();
        let points = (count > 0).then(|| criteria.iter().filter_map(|c| c.average).sum());
        Ok(RatingSummary {
            agency_code: agency.code.clone().unwrap_or_default(),
            agency_name: agency.name.clone(),
            from: period.from,
            to: period.to,
            count,
            criteria,
            points,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_nine_scores_from_zero_to_two() {
        let ok = RatingInput {
            scores: vec![2, 2, 1, 0, 2, 2, 1, 2, 2],
            comment: Some("  Cán bộ nhiệt tình  ".into()),
        };
        let (scores, comment) = validate_rating(&ok).expect("valid");
        assert_eq!(scores.first(), Some(&(1, 2)));
        assert_eq!(scores.get(8), Some(&(9, 2)));
        assert_eq!(comment, "Cán bộ nhiệt tình");
        let fields = |input: RatingInput| match validate_rating(&input) {
            Err(AppError::Invalid(fields)) => fields
                .into_iter()
                .map(|f| format!("{}:{}", f.field, f.code))
                .collect::<Vec<_>>(),
            other => vec![format!("{other:?}")],
        };
        assert_eq!(
            fields(RatingInput {
                scores: vec![2; 8],
                comment: None
            }),
            ["scores:error-rating-scores"]
        );
        assert_eq!(
            fields(RatingInput {
                scores: vec![2, 2, 3, 2, 2, 2, -1, 2, 2],
                comment: Some("x".repeat(1_001)),
            }),
            [
                "scores.3:error-rating-score",
                "scores.7:error-rating-score",
                "comment:error-rating-comment"
            ]
        );
    }
}
