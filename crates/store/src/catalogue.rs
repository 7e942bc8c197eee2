//! The procedure catalogue (danh mục thủ tục hành chính) as stored: every version of every
//! procedure, and the diacritic-insensitive full-text search over it.
//!
//! The folded columns are computed here with the one Rust folding function
//! ([`motcua_domain::text::fold`]), so SQLite (FTS5 over the folded columns) and PostgreSQL
//! (`tsvector` over `vi_fold` of the same columns) index exactly the same syllables. Queries
//! arrive already folded into terms; the SQL for each backend differs only in how it matches and
//! scores, and both rank a name match above a match in the other texts.

use crate::{Store, StoreError, StoreResult, StoreTx, on_backend, on_tx};
use motcua_domain::procedure::Procedure;
use motcua_domain::query_text::clean_terms;
use motcua_domain::search::{NameRank, SearchPlan};
use serde::{Deserialize, Serialize};

/// One stored version of a procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ProcedureRow {
    pub id: i64,
    pub code: String,
    pub version: i64,
    /// `draft` or `published`.
    pub status: String,
    /// `YYYY-MM-DD`.
    pub effective_from: String,
    pub name: String,
    pub sector_code: String,
    pub sector_name: String,
    pub level: String,
    pub agency_kind: String,
    pub online_level: String,
    /// The procedure as JSON, in the `data/catalogue` format.
    pub document: String,
    pub created_at: i64,
    pub created_by: Option<i64>,
    pub published_at: Option<i64>,
}

impl ProcedureRow {
    /// The stored document as a [`Procedure`].
    pub fn procedure(&self) -> StoreResult<Procedure> {
        serde_json::from_str(&self.document)
            .map_err(|error| StoreError::Corrupt(format!("procedure {}: {error}", self.code)))
    }

    pub fn is_published(&self) -> bool {
        self.status == STATUS_PUBLISHED
    }
}

pub const STATUS_DRAFT: &str = "draft";
pub const STATUS_PUBLISHED: &str = "published";

const COLUMNS: &str = "id, code, version, status, effective_from, name, sector_code, sector_name, \
     level, agency_kind, online_level, document, created_at, created_by, published_at";
/// The same columns qualified, for joins.
const COLUMNS_P: &str = "p.id, p.code, p.version, p.status, p.effective_from, p.name, \
     p.sector_code, p.sector_name, p.level, p.agency_kind, p.online_level, p.document, \
     p.created_at, p.created_by, p.published_at";

/// Public search: folded terms, filters and a page. Only published versions in force on `on`
/// are considered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogueQuery {
    /// Folded syllables (see [`motcua_domain::text::terms`]); empty lists everything.
    pub terms: Vec<String>,
    /// Treat the last term as a prefix ("ket ho" finds "kết hôn" while typing).
    pub prefix_last: bool,
    /// What the query means with synonyms and corrections (see [`motcua_domain::search`]);
    /// without one, `terms` as given.
    pub plan: Option<SearchPlan>,
    pub sector: Option<String>,
    pub agency_kind: Option<String>,
    pub level: Option<String>,
    pub online_level: Option<String>,
    /// `YYYY-MM-DD`.
    pub on: String,
    pub limit: i64,
    pub offset: i64,
}

/// One search result: the row and whether every term is in the name.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogueHit {
    pub row: ProcedureRow,
    pub name_match: bool,
}

/// A page of results and the total number of matches.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CataloguePage {
    pub hits: Vec<CatalogueHit>,
    pub total: i64,
}

/// How many procedures in force fall under one sector or agency kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct FacetCount {
    pub key: String,
    pub label: String,
    pub count: i64,
}

#[derive(sqlx::FromRow)]
struct ListedRow {
    #[sqlx(flatten)]
    row: ProcedureRow,
    total: i64,
}

#[derive(sqlx::FromRow)]
struct CandidateRow {
    #[sqlx(flatten)]
    row: ProcedureRow,
    name_folded: String,
    total: i64,
}

/// Fewer matches with every word than this, and matches with all words but one follow them.
const FEW_MATCHES: usize = 10;

/// Orders candidates by the domain's one ranking rule (the same on both backends), the
/// database's text score breaking ties; `tier` keeps earlier lists before later ones.
fn rank_candidates(
    plan: &SearchPlan,
    candidates: Vec<CandidateRow>,
    tier: usize,
) -> Vec<((usize, NameRank), usize, CandidateRow)> {
    let mut ranked: Vec<((usize, NameRank), usize, CandidateRow)> = candidates
        .into_iter()
        .enumerate()
        .map(|(index, c)| ((tier, plan.rank(&c.name_folded)), index, c))
        .collect();
    ranked.sort_by_key(|entry| (entry.0, entry.1));
    ranked
}

/// Matches ranked in full per query: far more than anyone pages through, and few enough that
/// ranking them stays well under a millisecond.
///
/// Written into the statements as a literal, never bound: SQLite (3.51) reads a bound `LIMIT`
/// while planning and marks the statement to be prepared again whenever that parameter is
/// bound — every execution — which was a sixth of a catalogue search's CPU (parsing and
/// planning it again each time).
const MAX_CANDIDATES: i64 = 2000;

/// Published versions in force on `$1`: effective, and no later published version effective.
const IN_FORCE: &str = "p.status = 'published' AND p.effective_from <= $1 AND NOT EXISTS (\
     SELECT 1 FROM procedures q WHERE q.code = p.code AND q.status = 'published' \
     AND q.effective_from <= $1 AND (q.effective_from > p.effective_from \
     OR (q.effective_from = p.effective_from AND q.version > p.version)))";

const FILTERS: &str = "($2 IS NULL OR p.sector_code = $2) AND ($3 IS NULL OR p.agency_kind = $3) \
     AND ($4 IS NULL OR p.level = $4) AND ($5 IS NULL OR p.online_level = $5)";

impl Store {
    /// Searches the procedures in force, name matches first.
    pub async fn search_procedures(&self, query: &CatalogueQuery) -> StoreResult<CataloguePage> {
        self.search(query, true).await
    }

    /// As [`Store::search_procedures`], but every hit's `document` is left empty: for callers
    /// that keep parsed published versions (they never change) and would otherwise read and
    /// decode every result's whole document (several KB, overflow pages in SQLite) again.
    pub async fn search_procedures_without_documents(
        &self,
        query: &CatalogueQuery,
    ) -> StoreResult<CataloguePage> {
        self.search(query, false).await
    }

    async fn search(&self, query: &CatalogueQuery, documents: bool) -> StoreResult<CataloguePage> {
        let (columns, columns_p) = if documents {
            (COLUMNS.to_owned(), COLUMNS_P.to_owned())
        } else {
            (
                COLUMNS.replace(" document,", " '' AS document,"),
                COLUMNS_P.replace(" p.document,", " '' AS document,"),
            )
        };
        let plan = match &query.plan {
            Some(plan) => plan.clone(),
            None => SearchPlan::plain(&clean_terms(&query.terms), query.prefix_last),
        };
        if plan.is_empty() {
            // The page is written into the statement, not bound: see [`MAX_CANDIDATES`].
            let (limit, offset) = (query.limit.max(0), query.offset.max(0));
            let sql = format!(
                "SELECT {columns}, COUNT(*) OVER () AS total FROM procedures p \
                 WHERE {IN_FORCE} AND {FILTERS} ORDER BY p.sector_name, p.name, p.code \
                 LIMIT {limit} OFFSET {offset}"
            );
            let rows: Vec<ListedRow> = on_backend!(self, |pool| {
                sqlx::query_as::<_, ListedRow>(sqlx::AssertSqlSafe(sql))
                    .bind(&query.on)
                    .bind(&query.sector)
                    .bind(&query.agency_kind)
                    .bind(&query.level)
                    .bind(&query.online_level)
                    .fetch_all(pool)
                    .await?
            });
            let total = rows.first().map(|r| r.total).unwrap_or(0);
            return Ok(CataloguePage {
                hits: rows
                    .into_iter()
                    .map(|r| CatalogueHit {
                        row: r.row,
                        name_match: false,
                    })
                    .collect(),
                total,
            });
        }
        // Every word of some reading first, ranked; when few have them all, the procedures
        // with all but one follow, ranked among themselves.
        let all_words = self
            .search_candidates(query, &columns_p, &plan.fts5(), &plan.tsquery())
            .await?;
        let mut total = all_words.first().map(|c| c.total).unwrap_or(0);
        let mut ranked = rank_candidates(&plan, all_words, 0);
        if ranked.len() < FEW_MATCHES {
            let some_words = self
                .search_candidates(query, &columns_p, &plan.fts5_most(), &plan.tsquery_most())
                .await?;
            let seen: std::collections::HashSet<i64> =
                ranked.iter().map(|(_, _, c)| c.row.id).collect();
            let extra: Vec<CandidateRow> = some_words
                .into_iter()
                .filter(|c| !seen.contains(&c.row.id))
                .collect();
            total += i64::try_from(extra.len()).unwrap_or(0);
            ranked.extend(rank_candidates(&plan, extra, 1));
        }
        let offset = usize::try_from(query.offset).unwrap_or(0);
        let limit = usize::try_from(query.limit).unwrap_or(0);
        Ok(CataloguePage {
            hits: ranked
                .into_iter()
                .skip(offset)
                .take(limit)
                .map(|((_, rank), _, candidate)| CatalogueHit {
                    row: candidate.row,
                    name_match: rank.all_in_name(),
                })
                .collect(),
            total,
        })
    }

    /// The procedures in force matching a retrieval text, best text score first, at most
    /// [`MAX_CANDIDATES`] of them, each with the total count.
    async fn search_candidates(
        &self,
        query: &CatalogueQuery,
        columns_p: &str,
        fts5: &str,
        tsquery: &str,
    ) -> StoreResult<Vec<CandidateRow>> {
        Ok(match self {
            Store::Sqlite(pool, _) => {
                // bm25() cannot run beside a window function, so the scores come first.
                let sql = format!(
                    "WITH m AS MATERIALIZED (SELECT rowid AS id, \
                     bm25(procedures_fts, 10.0, 1.0) AS score \
                     FROM procedures_fts WHERE procedures_fts MATCH $6) \
                     SELECT {columns_p}, p.name_folded, m.score AS score, COUNT(*) OVER () AS total \
                     FROM m JOIN procedures p ON p.id = m.id \
                     WHERE {IN_FORCE} AND {FILTERS} ORDER BY m.score, p.code LIMIT {MAX_CANDIDATES}"
                );
                sqlx::query_as::<_, CandidateRow>(sqlx::AssertSqlSafe(sql))
                    .bind(&query.on)
                    .bind(&query.sector)
                    .bind(&query.agency_kind)
                    .bind(&query.level)
                    .bind(&query.online_level)
                    .bind(fts5)
                    .fetch_all(pool)
                    .await?
            }
            Store::Postgres(pool) => {
                let sql = format!(
                    "SELECT {columns_p}, p.name_folded, \
                     -ts_rank(p.name_fts || p.body_fts, to_tsquery('simple', $6), 1)::float8 AS score, \
                     COUNT(*) OVER () AS total FROM procedures p \
                     WHERE (p.name_fts || p.body_fts) @@ to_tsquery('simple', $6) \
                     AND {IN_FORCE} AND {FILTERS} ORDER BY score, p.code LIMIT {MAX_CANDIDATES}"
                );
                sqlx::query_as::<_, CandidateRow>(sqlx::AssertSqlSafe(sql))
                    .bind(&query.on)
                    .bind(&query.sector)
                    .bind(&query.agency_kind)
                    .bind(&query.level)
                    .bind(&query.online_level)
                    .bind(tsquery)
                    .fetch_all(pool)
                    .await?
            }
        })
    }

    /// The published version of `code` in force on `on` (`YYYY-MM-DD`).
    pub async fn procedure_in_force(&self, code: &str, on: &str) -> StoreResult<ProcedureRow> {
        let sql = format!("SELECT {COLUMNS} FROM procedures p WHERE {IN_FORCE} AND p.code = $2");
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, ProcedureRow>(sqlx::AssertSqlSafe(sql))
                .bind(on)
                .bind(code)
                .fetch_one(pool)
                .await?
        }))
    }

    /// The number of the published version of `code` in force on `on` (`YYYY-MM-DD`): the
    /// same choice as [`Store::procedure_in_force`] without reading the document, for callers
    /// that keep parsed published versions (they never change).
    pub async fn procedure_version_in_force(&self, code: &str, on: &str) -> StoreResult<i64> {
        let sql = format!("SELECT p.version FROM procedures p WHERE {IN_FORCE} AND p.code = $2");
        let (version,): (i64,) = on_backend!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(on)
                .bind(code)
                .fetch_one(pool)
                .await?
        });
        Ok(version)
    }

    /// One version of a procedure, draft or published.
    pub async fn procedure_version(&self, code: &str, version: i64) -> StoreResult<ProcedureRow> {
        let sql =
            format!("SELECT {COLUMNS} FROM procedures p WHERE p.code = $1 AND p.version = $2");
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, ProcedureRow>(sqlx::AssertSqlSafe(sql))
                .bind(code)
                .bind(version)
                .fetch_one(pool)
                .await?
        }))
    }

    /// Every version of one procedure, newest first.
    pub async fn procedure_versions(&self, code: &str) -> StoreResult<Vec<ProcedureRow>> {
        let sql =
            format!("SELECT {COLUMNS} FROM procedures p WHERE p.code = $1 ORDER BY p.version DESC");
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, ProcedureRow>(sqlx::AssertSqlSafe(sql))
                .bind(code)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Every version of every procedure, by code then version (administration and export).
    pub async fn list_procedure_versions(&self) -> StoreResult<Vec<ProcedureRow>> {
        let sql = format!("SELECT {COLUMNS} FROM procedures p ORDER BY p.code, p.version");
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, ProcedureRow>(sqlx::AssertSqlSafe(sql))
                .fetch_all(pool)
                .await?
        }))
    }

    pub async fn count_procedures(&self) -> StoreResult<i64> {
        let (count,): (i64,) = on_backend!(self, |pool| {
            sqlx::query_as("SELECT COUNT(*) FROM procedures")
                .fetch_one(pool)
                .await?
        });
        Ok(count)
    }

    /// Sectors of the procedures in force on `on`, with counts.
    pub async fn sector_counts(&self, on: &str) -> StoreResult<Vec<FacetCount>> {
        let sql = format!(
            "SELECT p.sector_code AS key, MIN(p.sector_name) AS label, COUNT(*) AS count \
             FROM procedures p WHERE {IN_FORCE} GROUP BY p.sector_code ORDER BY MIN(p.sector_name)"
        );
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, FacetCount>(sqlx::AssertSqlSafe(sql))
                .bind(on)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Agency kinds (label: the level) of the procedures in force on `on`, with counts.
    pub async fn agency_counts(&self, on: &str) -> StoreResult<Vec<FacetCount>> {
        let sql = format!(
            "SELECT p.agency_kind AS key, MIN(p.level) AS label, COUNT(*) AS count \
             FROM procedures p WHERE {IN_FORCE} GROUP BY p.agency_kind ORDER BY p.agency_kind"
        );
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, FacetCount>(sqlx::AssertSqlSafe(sql))
                .bind(on)
                .fetch_all(pool)
                .await?
        }))
    }

    /// The audit entries about one procedure, newest first.
    pub async fn procedure_audit(&self, code: &str) -> StoreResult<Vec<crate::audit::AuditRow>> {
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, crate::audit::AuditRow>(
                "SELECT id, at, actor_kind, actor_id, action, target, detail, ip FROM audit_log \
                 WHERE target = $1 ORDER BY id DESC LIMIT 200",
            )
            .bind(format!("procedure:{code}"))
            .fetch_all(pool)
            .await?
        }))
    }
}

/// The stored copies of a procedure's fields.
struct Columns {
    document: String,
    name_folded: String,
    body_folded: String,
    effective_from: String,
    level: &'static str,
    agency_kind: &'static str,
    online_level: &'static str,
    version: i64,
}

fn columns(procedure: &Procedure) -> StoreResult<Columns> {
    let document = serde_json::to_string(procedure)
        .map_err(|error| StoreError::Corrupt(format!("procedure {}: {error}", procedure.code)))?;
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let effective_from = procedure
        .effective_from
        .format(&format)
        .map_err(|error| StoreError::Corrupt(error.to_string()))?;
    Ok(Columns {
        document,
        name_folded: procedure.name_folded(),
        body_folded: procedure.search_text(),
        effective_from,
        level: procedure.level.as_str(),
        agency_kind: procedure.agency_kind.as_str(),
        online_level: procedure.online_level.as_str(),
        version: i64::from(procedure.version),
    })
}

impl StoreTx {
    /// Stores a new version; a second row with the same code and version is a conflict.
    pub async fn insert_procedure(
        &mut self,
        procedure: &Procedure,
        status: &str,
        created_by: Option<i64>,
        at: i64,
    ) -> StoreResult<i64> {
        let c = columns(procedure)?;
        let published_at = (status == STATUS_PUBLISHED).then_some(at);
        let (id,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as(
                "INSERT INTO procedures (code, version, status, effective_from, name, name_folded, \
                 body_folded, sector_code, sector_name, level, agency_kind, online_level, document, \
                 created_at, created_by, published_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
                 RETURNING id",
            )
            .bind(&procedure.code)
            .bind(c.version)
            .bind(status)
            .bind(&c.effective_from)
            .bind(&procedure.name)
            .bind(&c.name_folded)
            .bind(&c.body_folded)
            .bind(&procedure.sector.code)
            .bind(&procedure.sector.name)
            .bind(c.level)
            .bind(c.agency_kind)
            .bind(c.online_level)
            .bind(&c.document)
            .bind(at)
            .bind(created_by)
            .bind(published_at)
            .fetch_one(&mut *conn)
            .await?
        });
        self.add_search_terms(&crate::search::words_of([
            c.name_folded.as_str(),
            c.body_folded.as_str(),
        ]))
        .await?;
        Ok(id)
    }

    /// Replaces the content of a stored version (code and version stay) and sets its status.
    pub async fn update_procedure(
        &mut self,
        id: i64,
        procedure: &Procedure,
        status: &str,
        published_at: Option<i64>,
    ) -> StoreResult<()> {
        let c = columns(procedure)?;
        let result = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE procedures SET status = $2, effective_from = $3, name = $4, \
                 name_folded = $5, body_folded = $6, sector_code = $7, sector_name = $8, \
                 level = $9, agency_kind = $10, online_level = $11, document = $12, \
                 published_at = $13 WHERE id = $1",
            )
            .bind(id)
            .bind(status)
            .bind(&c.effective_from)
            .bind(&procedure.name)
            .bind(&c.name_folded)
            .bind(&c.body_folded)
            .bind(&procedure.sector.code)
            .bind(&procedure.sector.name)
            .bind(c.level)
            .bind(c.agency_kind)
            .bind(c.online_level)
            .bind(&c.document)
            .bind(published_at)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        if result == 0 {
            return Err(StoreError::NotFound);
        }
        self.add_search_terms(&crate::search::words_of([
            c.name_folded.as_str(),
            c.body_folded.as_str(),
        ]))
        .await
    }

    /// The highest version number of `code`, 0 when there is none (read inside the transaction
    /// so that two drafts cannot get the same number).
    pub async fn max_procedure_version(&mut self, code: &str) -> StoreResult<i64> {
        let (max,): (Option<i64>,) = on_tx!(self, |conn| {
            sqlx::query_as("SELECT MAX(version) FROM procedures WHERE code = $1")
                .bind(code)
                .fetch_one(&mut *conn)
                .await?
        });
        Ok(max.unwrap_or(0))
    }

    /// One version, read inside the transaction.
    pub async fn procedure_version(
        &mut self,
        code: &str,
        version: i64,
    ) -> StoreResult<ProcedureRow> {
        let sql =
            format!("SELECT {COLUMNS} FROM procedures p WHERE p.code = $1 AND p.version = $2");
        Ok(on_tx!(self, |conn| {
            sqlx::query_as::<_, ProcedureRow>(sqlx::AssertSqlSafe(sql))
                .bind(code)
                .bind(version)
                .fetch_one(&mut *conn)
                .await?
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_keep_only_alphanumerics() {
        assert_eq!(
            clean_terms(&["a&b".to_owned(), "".to_owned()]),
            vec!["ab".to_owned()]
        );
    }
}
