//! The per-process copy of what catalogue search knows beyond the procedures: the synonyms
//! administrators keep and the words the catalogue uses (see [`motcua_domain::search`]).
//!
//! Reading both from the database made every search three to five statements where it had
//! been one, and the "does any word start with…" test scanned the vocabulary. Both change only
//! when the catalogue or the synonym list does, so they are kept in memory: a change made
//! through this process is seen by its next search, a change made on another node within
//! [`LEXICON_TTL`] (the same bound as the calendar's).

use crate::{App, AppResult};
use motcua_domain::search::Synonym;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a loaded lexicon is trusted before it is read again.
pub const LEXICON_TTL: Duration = Duration::from_secs(60);

/// The synonyms and the vocabulary, as one search uses them.
#[derive(Debug, Default)]
pub struct SearchLexicon {
    pub synonyms: Vec<Synonym>,
    terms: BTreeSet<String>,
}

impl SearchLexicon {
    pub fn new(synonyms: Vec<Synonym>, terms: impl IntoIterator<Item = String>) -> Self {
        SearchLexicon {
            synonyms,
            terms: terms.into_iter().collect(),
        }
    }

    /// Whether the catalogue uses `word` (folded).
    pub fn knows(&self, word: &str) -> bool {
        self.terms.contains(word)
    }

    /// Whether some word of the catalogue starts with `prefix` (folded).
    pub fn knows_prefix(&self, prefix: &str) -> bool {
        self.terms
            .range::<str, _>((
                std::ops::Bound::Included(prefix),
                std::ops::Bound::Unbounded,
            ))
            .next()
            .is_some_and(|term| term.starts_with(prefix))
    }
}

/// The cached lexicon and when it was read.
#[derive(Default)]
pub struct SearchLexiconCache {
    inner: Mutex<Option<(Instant, Arc<SearchLexicon>)>>,
    /// Bumped by every invalidation, so that a load that started before a change does not
    /// store what it read once the change is committed.
    generation: AtomicU64,
}

impl SearchLexiconCache {
    /// Forgets the lexicon; the next search reads it again.
    pub fn invalidate(&self) {
        let mut guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        self.generation.fetch_add(1, Ordering::SeqCst);
        *guard = None;
    }

    fn fresh(&self) -> Option<Arc<SearchLexicon>> {
        let guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        guard
            .as_ref()
            .filter(|(loaded, _)| loaded.elapsed() < LEXICON_TTL)
            .map(|(_, lexicon)| lexicon.clone())
    }
}

impl App {
    /// The lexicon, from memory while it is fresh.
    pub(crate) async fn search_lexicon(&self) -> AppResult<Arc<SearchLexicon>> {
        if let Some(lexicon) = self.search_lexicon.fresh() {
            return Ok(lexicon);
        }
        let generation = self.search_lexicon.generation.load(Ordering::SeqCst);
        let synonyms = self
            .store
            .search_synonyms()
            .await?
            .iter()
            .map(motcua_store::search::SynonymRow::synonym)
            .collect();
        let terms = self.store.all_search_terms().await?;
        let lexicon = Arc::new(SearchLexicon::new(synonyms, terms));
        let mut guard = self
            .search_lexicon
            .inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if self.search_lexicon.generation.load(Ordering::SeqCst) == generation {
            *guard = Some((Instant::now(), lexicon.clone()));
        }
        Ok(lexicon)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon(words: &[&str]) -> SearchLexicon {
        SearchLexicon::new(Vec::new(), words.iter().map(|w| (*w).to_owned()))
    }

    #[test]
    fn knows_whole_words_only() {
        let lexicon = lexicon(&["ket", "hon", "khai", "sinh"]);
        assert!(lexicon.knows("khai"));
        assert!(!lexicon.knows("kha"));
        assert!(!lexicon.knows("khaii"));
    }

    #[test]
    fn knows_a_prefix_when_some_word_starts_with_it() {
        let lexicon = lexicon(&["chung", "chuyen", "khai", "thuc"]);
        assert!(lexicon.knows_prefix("chu"));
        assert!(lexicon.knows_prefix("chuyen"));
        assert!(lexicon.knows_prefix("kha"));
        assert!(!lexicon.knows_prefix("chv"));
        assert!(!lexicon.knows_prefix("ka"));
        assert!(!lexicon.knows_prefix("thuoc"));
        assert!(!lexicon.knows_prefix("zz"));
        assert!(lexicon.knows_prefix(""));
        assert!(!SearchLexicon::default().knows_prefix(""));
    }

    #[test]
    fn invalidation_forgets_and_wins_over_a_load_in_flight() {
        let cache = SearchLexiconCache::default();
        *cache.inner.lock().expect("lock") = Some((Instant::now(), Arc::new(lexicon(&["a"]))));
        assert!(cache.fresh().is_some());
        cache.invalidate();
        assert!(cache.fresh().is_none());
        assert_eq!(cache.generation.load(Ordering::SeqCst), 1);
    }
}
