//! Per-process cache of the parsed *immutable* versions that every dossier action reads: a
//! published procedure version (thủ tục, by code and version) and a workflow version (quy trình,
//! by procedure code and version).
//!
//! Both are write-once: a published procedure version is never updated (a change is a new
//! draft, see [`crate::catalogue`]) and a workflow import always adds a new version. So an entry
//! can never go stale and needs no invalidation, even with several server processes on one
//! database. Which version is *current* (the one in force today, the latest workflow) is still
//! asked of the database on every use, so publishing or importing is seen at once. Drafts are
//! never cached: they change in place.

use crate::catalogue::ProcedureVersion;
use motcua_domain::dossier::Workflow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

/// Entries per map before it is emptied (a catalogue has a few thousand procedures; the bound
/// only protects memory against unusual histories).
const MAX_ENTRIES: usize = 4_096;

/// A bounded map from key to shared value.
struct Bounded<K, V> {
    map: Mutex<HashMap<K, Arc<V>>>,
}

impl<K: Eq + Hash, V> Default for Bounded<K, V> {
    fn default() -> Self {
        Bounded {
            map: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash, V> Bounded<K, V> {
    fn get(&self, key: &K) -> Option<Arc<V>> {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .cloned()
    }

    fn insert(&self, key: K, value: Arc<V>) {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(key, value);
    }

    fn len(&self) -> usize {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// The cache held by [`crate::App`].
#[derive(Default)]
pub struct VersionCache {
    procedures: Bounded<(String, i64), ProcedureVersion>,
    workflows: Bounded<(String, i64), Workflow>,
}

impl VersionCache {
    pub(crate) fn procedure(&self, code: &str, version: i64) -> Option<Arc<ProcedureVersion>> {
        self.procedures.get(&(code.to_owned(), version))
    }

    /// Keeps a version only once it is published (a draft still changes).
    pub(crate) fn keep_procedure(&self, version: &Arc<ProcedureVersion>) {
        if version.row.is_published() {
            self.procedures.insert(
                (version.row.code.clone(), version.row.version),
                version.clone(),
            );
        }
    }

    pub(crate) fn workflow(&self, code: &str, version: i64) -> Option<Arc<Workflow>> {
        self.workflows.get(&(code.to_owned(), version))
    }

    pub(crate) fn keep_workflow(&self, code: &str, version: i64, workflow: &Arc<Workflow>) {
        self.workflows
            .insert((code.to_owned(), version), workflow.clone());
    }

    /// Cached procedure versions and workflow versions (tests and diagnostics).
    pub fn sizes(&self) -> (usize, usize) {
        (self.procedures.len(), self.workflows.len())
    }
}
