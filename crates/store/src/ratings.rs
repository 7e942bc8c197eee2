//! Citizen satisfaction ratings of dossiers (đánh giá mức độ hài lòng): one rating per dossier
//! with one score per criterion, and per-criterion totals over an agency subtree and a period.
//!
//! Uniqueness is the database's job: the rating's primary key is the dossier, so two ratings
//! of one dossier racing each other cannot both commit; the loser gets
//! [`StoreError::Conflict`].

use crate::{Store, StoreError, StoreResult, StoreTx, on_backend, on_tx};

/// A rating to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRating {
    pub dossier_id: i64,
    pub agency_id: i64,
    pub agency_path: String,
    pub citizen_id: Option<i64>,
    /// Where it was given: `portal` (the citizen signed in) or `kiosk` (a counter device).
    pub channel: String,
    pub comment: String,
    /// `(criterion, score)`, criteria from 1.
    pub scores: Vec<(i64, i64)>,
    pub rated_at: i64,
}

/// A stored rating with its scores in criterion order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingRow {
    pub dossier_id: i64,
    pub agency_id: i64,
    pub citizen_id: Option<i64>,
    pub channel: String,
    pub comment: String,
    pub rated_at: i64,
    pub scores: Vec<(i64, i64)>,
}

/// Totals of one criterion: how many ratings gave each score, and the sum of scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct CriterionTotals {
    pub criterion: i64,
    pub count: i64,
    pub sum: i64,
    /// Score 2, rất hài lòng.
    pub very_satisfied: i64,
    /// Score 1, hài lòng.
    pub satisfied: i64,
    /// Score 0, không hài lòng.
    pub unsatisfied: i64,
}

type RatingHead = (i64, i64, Option<i64>, String, String, i64);

impl Store {
    /// The rating of a dossier, if it was rated.
    pub async fn dossier_rating(&self, dossier_id: i64) -> StoreResult<Option<RatingRow>> {
        let head: Option<RatingHead> = on_backend!(self, |pool| {
            sqlx::query_as(
                "SELECT dossier_id, agency_id, citizen_id, channel, comment, rated_at \
                 FROM dossier_ratings WHERE dossier_id = $1",
            )
            .bind(dossier_id)
            .fetch_optional(pool)
            .await?
        });
        let Some((dossier_id, agency_id, citizen_id, channel, comment, rated_at)) = head else {
            return Ok(None);
        };
        let scores: Vec<(i64, i64)> = on_backend!(self, |pool| {
            sqlx::query_as(
                "SELECT criterion, score FROM dossier_rating_scores WHERE dossier_id = $1 \
                 ORDER BY criterion",
            )
            .bind(dossier_id)
            .fetch_all(pool)
            .await?
        });
        Ok(Some(RatingRow {
            dossier_id,
            agency_id,
            citizen_id,
            channel,
            comment,
            rated_at,
            scores,
        }))
    }

    /// Per-criterion totals of the ratings given in `[start, end)` (unix µs) to dossiers of
    /// the agencies under `agency_path` (the agency itself included), in criterion order, and
    /// the number of ratings.
    pub async fn rating_totals(
        &self,
        agency_path: &str,
        start: i64,
        end: i64,
    ) -> StoreResult<(i64, Vec<CriterionTotals>)> {
        // SUM over BIGINT is NUMERIC in PostgreSQL: cast so both backends return a 64-bit int.
        let totals: Vec<CriterionTotals> = on_backend!(self, |pool| {
            sqlx::query_as(
                "SELECT s.criterion AS criterion, COUNT(*) AS count, \
                 CAST(SUM(s.score) AS BIGINT) AS sum, \
                 CAST(SUM(CASE WHEN s.score = 2 THEN 1 ELSE 0 END) AS BIGINT) AS very_satisfied, \
                 CAST(SUM(CASE WHEN s.score = 1 THEN 1 ELSE 0 END) AS BIGINT) AS satisfied, \
                 CAST(SUM(CASE WHEN s.score = 0 THEN 1 ELSE 0 END) AS BIGINT) AS unsatisfied \
                 FROM dossier_rating_scores s JOIN dossier_ratings r ON r.dossier_id = s.dossier_id \
                 WHERE substr(r.agency_path, 1, length($1)) = $1 AND r.rated_at >= $2 AND r.rated_at < $3 \
                 GROUP BY s.criterion ORDER BY s.criterion",
            )
            .bind(agency_path)
            .bind(start)
            .bind(end)
            .fetch_all(pool)
            .await?
        });
        let (count,): (i64,) = on_backend!(self, |pool| {
            sqlx::query_as(
                "SELECT COUNT(*) FROM dossier_ratings \
                 WHERE substr(agency_path, 1, length($1)) = $1 AND rated_at >= $2 AND rated_at < $3",
            )
            .bind(agency_path)
            .bind(start)
            .bind(end)
            .fetch_one(pool)
            .await?
        });
        Ok((count, totals))
    }
}

impl StoreTx {
    /// Stores a rating and its scores. A second rating of the same dossier is a
    /// [`StoreError::Conflict`] (the dossier is the key).
    pub async fn insert_dossier_rating(&mut self, rating: &NewRating) -> StoreResult<()> {
        on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO dossier_ratings (dossier_id, agency_id, agency_path, citizen_id, channel, comment, rated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(rating.dossier_id)
            .bind(rating.agency_id)
            .bind(&rating.agency_path)
            .bind(rating.citizen_id)
            .bind(&rating.channel)
            .bind(&rating.comment)
            .bind(rating.rated_at)
            .execute(&mut *conn)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => StoreError::Conflict("dossier already rated".into()),
                other => other,
            })?;
        });
        for (criterion, score) in &rating.scores {
            on_tx!(self, |conn| {
                sqlx::query(
                    "INSERT INTO dossier_rating_scores (dossier_id, criterion, score) VALUES ($1, $2, $3)",
                )
                .bind(rating.dossier_id)
                .bind(criterion)
                .bind(score)
                .execute(&mut *conn)
                .await?;
            });
        }
        self.project_rating(rating.dossier_id).await
    }
}
