//! What catalogue search knows beyond the procedures themselves: the words they use (a query
//! word the catalogue has never seen is looked up again one typo away) and the synonyms
//! administrators keep (see [`motcua_domain::search`]).

use crate::{Store, StoreError, StoreResult, StoreTx, on_backend, on_tx};
use serde::Serialize;
use std::collections::BTreeSet;

/// One synonym (từ đồng nghĩa) as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SynonymRow {
    pub id: i64,
    /// As the administrator wrote it (NFC).
    pub phrase: String,
    pub phrase_folded: String,
    pub expansion: String,
    pub expansion_folded: String,
    pub created_at: i64,
    pub created_by: Option<i64>,
}

impl SynonymRow {
    pub fn synonym(&self) -> motcua_domain::search::Synonym {
        motcua_domain::search::Synonym {
            phrase: self.phrase_folded.clone(),
            expansion: self.expansion_folded.clone(),
        }
    }
}

/// The distinct words of folded texts.
pub fn words_of<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let words: BTreeSet<&str> = texts.into_iter().flat_map(str::split_whitespace).collect();
    words.into_iter().map(str::to_owned).collect()
}

fn json_list(words: &[String]) -> StoreResult<String> {
    serde_json::to_string(words).map_err(|error| StoreError::Corrupt(error.to_string()))
}

impl Store {
    /// Every word the catalogue uses, for callers that keep the vocabulary in memory (a few
    /// thousand short words for a city's whole catalogue).
    pub async fn all_search_terms(&self) -> StoreResult<Vec<String>> {
        let rows: Vec<(String,)> = on_backend!(self, |pool| {
            sqlx::query_as("SELECT term FROM search_terms")
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(|(term,)| term).collect())
    }

    /// Every synonym, by phrase.
    pub async fn search_synonyms(&self) -> StoreResult<Vec<SynonymRow>> {
        Ok(on_backend!(self, |pool| {
            sqlx::query_as(
                "SELECT id, phrase, phrase_folded, expansion, expansion_folded, created_at, \
                 created_by FROM search_synonyms ORDER BY phrase_folded, expansion_folded, id",
            )
            .fetch_all(pool)
            .await?
        }))
    }

    /// Fills the vocabulary from the stored procedures when it is empty (a catalogue stored
    /// before the vocabulary existed); safe to run at every start and on several nodes.
    pub(crate) async fn backfill_search_terms(&self) -> StoreResult<()> {
        let (needed,): (bool,) = on_backend!(self, |pool| {
            sqlx::query_as(
                "SELECT NOT EXISTS (SELECT 1 FROM search_terms) \
                 AND EXISTS (SELECT 1 FROM procedures)",
            )
            .fetch_one(pool)
            .await?
        });
        if !needed {
            return Ok(());
        }
        let texts: Vec<(String, String)> = on_backend!(self, |pool| {
            sqlx::query_as("SELECT name_folded, body_folded FROM procedures")
                .fetch_all(pool)
                .await?
        });
        let words = words_of(
            texts
                .iter()
                .flat_map(|(name, body)| [name.as_str(), body.as_str()]),
        );
        let mut tx = self.begin().await?;
        tx.add_search_terms(&words).await?;
        tx.commit().await
    }
}

impl StoreTx {
    /// Adds words to the vocabulary (those already there stay).
    pub async fn add_search_terms(&mut self, words: &[String]) -> StoreResult<()> {
        if words.is_empty() {
            return Ok(());
        }
        let list = json_list(words)?;
        match self {
            StoreTx::Sqlite(tx, _) => {
                // `WHERE true` keeps SQLite from reading ON CONFLICT as a join constraint.
                sqlx::query(
                    "INSERT INTO search_terms (term) SELECT value FROM json_each($1) WHERE true \
                     ON CONFLICT DO NOTHING",
                )
                .bind(&list)
                .execute(&mut **tx)
                .await?;
            }
            StoreTx::Postgres(tx) => {
                sqlx::query(
                    "INSERT INTO search_terms (term) \
                     SELECT DISTINCT jsonb_array_elements_text($1::jsonb) ON CONFLICT DO NOTHING",
                )
                .bind(&list)
                .execute(&mut **tx)
                .await?;
            }
        }
        Ok(())
    }

    /// Stores a synonym; the same phrase and expansion twice is a conflict.
    pub async fn insert_search_synonym(
        &mut self,
        phrase: &str,
        expansion: &str,
        created_by: Option<i64>,
        at: i64,
    ) -> StoreResult<i64> {
        let phrase_folded = motcua_domain::text::fold(phrase);
        let expansion_folded = motcua_domain::text::fold(expansion);
        let (id,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as(
                "INSERT INTO search_synonyms (phrase, phrase_folded, expansion, expansion_folded, \
                 created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(phrase)
            .bind(&phrase_folded)
            .bind(expansion)
            .bind(&expansion_folded)
            .bind(at)
            .bind(created_by)
            .fetch_one(&mut *conn)
            .await?
        });
        Ok(id)
    }

    /// Removes a synonym and returns it.
    pub async fn delete_search_synonym(&mut self, id: i64) -> StoreResult<SynonymRow> {
        Ok(on_tx!(self, |conn| {
            sqlx::query_as(
                "DELETE FROM search_synonyms WHERE id = $1 RETURNING id, phrase, phrase_folded, \
                 expansion, expansion_folded, created_at, created_by",
            )
            .bind(id)
            .fetch_one(&mut *conn)
            .await?
        }))
    }
}
