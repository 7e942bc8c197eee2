//! The synonyms of catalogue search (từ đồng nghĩa) as administrators keep them: "sổ đỏ" is
//! read as "giấy chứng nhận quyền sử dụng đất". Catalogue managers list, add and remove them;
//! each change is audited in its transaction and a search sees it at once (synonyms are read
//! per search, so every node of a cluster agrees).

use crate::{Actor, App, AppError, AppResult};
use motcua_domain::authz::{Access, Permission};
use motcua_domain::text;
use motcua_store::StoreError;
pub use motcua_store::search::SynonymRow;
use serde_json::json;

/// Longest phrase or expansion, in characters.
pub const MAX_SYNONYM_CHARS: usize = 120;

impl App {
    /// Every synonym, by phrase.
    pub async fn search_synonyms(&self, actor: &Actor) -> AppResult<Vec<SynonymRow>> {
        actor.require(Access::Staff(Permission::CatalogueManage))?;
        Ok(self.store.search_synonyms().await?)
    }

    /// Adds a synonym: when `phrase` occurs in a query as whole words, the query is also read
    /// with `expansion` in its place.
    pub async fn add_search_synonym(
        &self,
        actor: &Actor,
        phrase: &str,
        expansion: &str,
    ) -> AppResult<SynonymRow> {
        self.require_catalogue_owner(actor).await?;
        let phrase = text::clean(phrase);
        let expansion = text::clean(expansion);
        let mut problems = Vec::new();
        for (field, value) in [("phrase", &phrase), ("expansion", &expansion)] {
            if text::fold(value).is_empty() {
                problems.push(crate::InvalidField::new(field, "error-required"));
            } else if value.chars().count() > MAX_SYNONYM_CHARS {
                problems.push(crate::InvalidField::new(field, "search-synonym-too-long"));
            }
        }
        if problems.is_empty() && text::fold(&phrase) == text::fold(&expansion) {
            problems.push(crate::InvalidField::new("expansion", "search-synonym-same"));
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        let id = match tx
            .insert_search_synonym(&phrase, &expansion, actor.id(), now)
            .await
        {
            Err(StoreError::Conflict(_)) => {
                return Err(AppError::Conflict("search-synonym-exists"));
            }
            other => other?,
        };
        tx.append_audit(
            &actor.audit(
                "catalogue.synonym.add",
                Some(format!("synonym:{id}")),
                json!({ "phrase": phrase, "expansion": expansion }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        self.search_lexicon.invalidate();
        self.store
            .search_synonyms()
            .await?
            .into_iter()
            .find(|row| row.id == id)
            .ok_or(AppError::NotFound)
    }

    /// Removes a synonym.
    pub async fn remove_search_synonym(&self, actor: &Actor, id: i64) -> AppResult<()> {
        self.require_catalogue_owner(actor).await?;
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        let removed = tx.delete_search_synonym(id).await?;
        tx.append_audit(
            &actor.audit(
                "catalogue.synonym.remove",
                Some(format!("synonym:{id}")),
                json!({ "phrase": removed.phrase, "expansion": removed.expansion }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        self.search_lexicon.invalidate();
        Ok(())
    }
}
