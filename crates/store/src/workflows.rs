//! The version history of procedure workflows (the definitions themselves are read with
//! [`Store::workflow`] in `dossiers.rs`).

use crate::{Store, StoreResult, on_backend};
use serde::{Deserialize, Serialize};

/// One stored workflow version, without its definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct WorkflowVersionRow {
    pub procedure_code: String,
    pub version: i64,
    pub created_at: i64,
    /// The official who saved it; `None` for defaults and the command line.
    pub created_by: Option<i64>,
}

impl Store {
    /// Every workflow version of every procedure, by procedure then version.
    pub async fn list_workflow_versions(&self) -> StoreResult<Vec<WorkflowVersionRow>> {
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, WorkflowVersionRow>(
                "SELECT procedure_code, version, created_at, created_by FROM workflows \
                 ORDER BY procedure_code, version",
            )
            .fetch_all(pool)
            .await?
        }))
    }

    /// The versions of one procedure's workflow, newest first.
    pub async fn workflow_versions(
        &self,
        procedure_code: &str,
    ) -> StoreResult<Vec<WorkflowVersionRow>> {
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, WorkflowVersionRow>(
                "SELECT procedure_code, version, created_at, created_by FROM workflows \
                 WHERE procedure_code = $1 ORDER BY version DESC",
            )
            .bind(procedure_code)
            .fetch_all(pool)
            .await?
        }))
    }
}
