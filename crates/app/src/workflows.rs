//! Workflows as data (quy trình nội bộ): administrators import and version them per procedure;
//! a dossier keeps the version it started with. Also the verification of every dossier's
//! hash-chained timeline (`motcua audit verify`).

use crate::{Actor, App, AppError, AppResult, InvalidField};
use motcua_domain::authz::{Access, Permission, Role};
use motcua_domain::calendar::ProcessingTime;
use motcua_domain::dossier::WorkflowProblem;
use motcua_domain::dossier::{StepAction, Workflow, WorkflowStep, from_hex, verify_chain};
use motcua_store::workflows::WorkflowVersionRow;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

/// A procedure with its current workflow version (the editor's list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkflowSummary {
    pub code: String,
    pub name: String,
    pub version: Option<i64>,
    /// When the current version was saved (unix microseconds).
    pub saved_at: Option<i64>,
}

/// The domain's workflow problems as invalid fields: `steps.<index>.<part>` when the problem
/// belongs to one step (so a form shows it next to that step's input), `steps` otherwise.
/// The codes are catalogue keys `error-workflow-…`.
pub fn workflow_problems(workflow: &Workflow, problems: &[WorkflowProblem]) -> Vec<InvalidField> {
    problems
        .iter()
        .map(|problem| InvalidField {
            field: match problem.location(workflow) {
                Some((index, part)) => format!("steps.{index}.{part}"),
                None => "steps".into(),
            },
            code: format!("error-{}", problem.as_str()),
        })
        .collect()
}

/// The usual internal workflow of a procedure when an administrator has not defined one:
/// a specialist appraises, a unit head reviews (province level), the leader approves and
/// returns the result to the one-stop desk. Step allowances split the legal time.
pub fn default_workflow(procedure_code: &str, province_level: bool) -> Workflow {
    let step =
        |id: &str, name: &str, role: Role, hours: u32, actions: Vec<StepAction>| WorkflowStep {
            id: id.into(),
            name: name.into(),
            role,
            unit_ref: None,
            allowance: ProcessingTime::WorkingHours(hours),
            actions,
        };
    let mut steps = vec![step(
        "tham-dinh",
        "Thẩm định hồ sơ",
        Role::Specialist,
        16,
        vec![
            StepAction::Forward,
            StepAction::Consult,
            StepAction::Transfer,
        ],
    )];
    if province_level {
        steps.push(step(
            "kiem-tra",
            "Lãnh đạo phòng kiểm tra",
            Role::UnitHead,
            8,
            vec![StepAction::Forward, StepAction::Return],
        ));
    }
    steps.push(step(
        "phe-duyet",
        "Lãnh đạo phê duyệt, ký",
        Role::Leader,
        8,
        vec![
            StepAction::Approve,
            StepAction::Sign,
            StepAction::Return,
            StepAction::ReturnToDesk,
        ],
    ));
    Workflow {
        id: procedure_code.to_owned(),
        version: 1,
        steps,
    }
}

/// What `verify_dossier_chains` found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    pub dossiers: usize,
    pub events: usize,
    /// `(dossier id, code, problem)` for every chain that does not verify.
    pub broken: Vec<(i64, String, String)>,
}

impl App {
    /// Stores a new version of a procedure's workflow after validating it (JSON import: the
    /// command line, the API and the editor page's import box).
    pub async fn import_workflow(
        &self,
        actor: &Actor,
        json_text: &str,
    ) -> AppResult<(String, i64)> {
        self.require_catalogue_owner(actor).await?;
        let workflow: Workflow = serde_json::from_str(json_text).map_err(|e| {
            AppError::Invalid(vec![InvalidField {
                field: format!("line {}", e.line()),
                code: "error-file-format".into(),
            }])
        })?;
        let version = self
            .store_workflow(actor, &workflow, json_text, "workflow.import")
            .await?;
        Ok((workflow.id, version))
    }

    /// Saves a workflow edited on the page as a new version of `procedure_code`, through the
    /// same validation as the import. Dossiers already started keep the version they have.
    pub async fn save_workflow(
        &self,
        actor: &Actor,
        procedure_code: &str,
        mut workflow: Workflow,
    ) -> AppResult<i64> {
        self.require_catalogue_owner(actor).await?;
        workflow.id = procedure_code.to_owned();
        let definition =
            serde_json::to_string(&workflow).map_err(|e| AppError::Internal(e.into()))?;
        self.store_workflow(actor, &workflow, &definition, "workflow.edit")
            .await
    }

    async fn store_workflow(
        &self,
        actor: &Actor,
        workflow: &Workflow,
        definition: &str,
        action: &str,
    ) -> AppResult<i64> {
        workflow
            .validate()
            .map_err(|problems| AppError::Invalid(workflow_problems(workflow, &problems)))?;
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        let version = tx
            .insert_workflow(&workflow.id, definition, actor.id(), now)
            .await?;
        tx.append_audit(
            &actor.audit(
                action,
                Some(format!("procedure:{}", workflow.id)),
                json!({ "version": version, "steps": workflow.steps.len() }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(version)
    }

    /// Every procedure of the catalogue (its latest name) with its current workflow version,
    /// by code; `None` when it has none yet.
    pub async fn workflow_overview(&self, actor: &Actor) -> AppResult<Vec<WorkflowSummary>> {
        actor.require(Access::Staff(Permission::CatalogueManage))?;
        let procedures = self.store.list_procedure_versions().await?;
        let versions = self.store.list_workflow_versions().await?;
        let mut latest: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        for row in versions {
            let entry = latest.entry(row.procedure_code).or_insert((0, 0));
            if row.version >= entry.0 {
                *entry = (row.version, row.created_at);
            }
        }
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        // Rows come by code then version, so the last name seen is the latest version's.
        for row in procedures {
            names.insert(row.code, row.name);
        }
        Ok(names
            .into_iter()
            .map(|(code, name)| {
                let current = latest.get(&code).copied();
                WorkflowSummary {
                    version: current.map(|c| c.0),
                    saved_at: current.map(|c| c.1),
                    code,
                    name,
                }
            })
            .collect())
    }

    /// Imports a workflow from the editor page of `procedure_code`: the JSON must name that
    /// procedure (a pasted workflow of another procedure would otherwise land elsewhere).
    pub async fn import_workflow_for(
        &self,
        actor: &Actor,
        procedure_code: &str,
        json_text: &str,
    ) -> AppResult<i64> {
        self.require_catalogue_owner(actor).await?;
        let workflow: Workflow = serde_json::from_str(json_text)
            .map_err(|_| AppError::invalid("json", "error-workflow-json"))?;
        if workflow.id != procedure_code {
            return Err(AppError::invalid("json", "error-workflow-other-procedure"));
        }
        self.store_workflow(actor, &workflow, json_text, "workflow.import")
            .await
    }

    /// What the editor page shows: the procedure's name, the workflow at `version` (else the
    /// current one; `None` when the procedure has none yet) and every version.
    pub async fn workflow_page(
        &self,
        actor: &Actor,
        procedure_code: &str,
        version: Option<i64>,
    ) -> AppResult<(String, Option<Workflow>, Vec<WorkflowVersionRow>)> {
        actor.require(Access::Staff(Permission::CatalogueManage))?;
        let name = self
            .store
            .list_procedure_versions()
            .await?
            .into_iter()
            .rfind(|p| p.code == procedure_code)
            .map(|p| p.name);
        let versions = self.store.workflow_versions(procedure_code).await?;
        let workflow = match self.workflow(procedure_code, version).await {
            Ok(workflow) => Some(workflow),
            Err(AppError::NotFound) if version.is_none() && name.is_some() => None,
            Err(error) => return Err(error),
        };
        let name = name.unwrap_or_else(|| procedure_code.to_owned());
        Ok((name, workflow, versions))
    }

    /// A workflow version (the latest when `version` is `None`), with its stored version number.
    pub async fn workflow(
        &self,
        procedure_code: &str,
        version: Option<i64>,
    ) -> AppResult<Workflow> {
        // A stored workflow version never changes (an import adds a new one), so the parsed
        // one is kept per process; the latest version is still asked of the database.
        if let Some(version) = version
            && let Some(cached) = self.versions.workflow(procedure_code, version)
        {
            return Ok((*cached).clone());
        }
        let (stored_version, definition) = self.store.workflow(procedure_code, version).await?;
        if let Some(cached) = self.versions.workflow(procedure_code, stored_version) {
            return Ok((*cached).clone());
        }
        let mut workflow: Workflow = serde_json::from_str(&definition)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("stored workflow: {e}")))?;
        workflow.version = u32::try_from(stored_version).unwrap_or(u32::MAX);
        self.versions.keep_workflow(
            procedure_code,
            stored_version,
            &std::sync::Arc::new(workflow.clone()),
        );
        Ok(workflow)
    }

    /// Gives every published procedure of the catalogue a workflow (the default where none
    /// exists yet); returns how many were created.
    pub async fn ensure_catalogue_workflows(&self) -> AppResult<usize> {
        let mut latest: std::collections::BTreeMap<String, bool> = Default::default();
        for row in self.store.list_procedure_versions().await? {
            if row.status == "published" {
                latest.insert(row.code.clone(), row.level != "commune");
            }
        }
        let wanted: Vec<(String, bool)> = latest.into_iter().collect();
        self.ensure_default_workflows(&wanted).await
    }

    /// Creates the default workflow of each listed procedure that has none yet (`true`: a
    /// province-level procedure, with a unit head's review step).
    pub async fn ensure_default_workflows(
        &self,
        procedures: &[(String, bool)],
    ) -> AppResult<usize> {
        // One transaction for all; a procedure that has any workflow keeps it (version 1
        // exists), so this is idempotent and safe against concurrent callers.
        let mut created = 0;
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        for (code, province_level) in procedures {
            let definition = serde_json::to_string(&default_workflow(code, *province_level))
                .map_err(|e| AppError::Internal(e.into()))?;
            created += usize::from(tx.insert_first_workflow(code, &definition, now).await?);
        }
        tx.commit().await?;
        Ok(created)
    }

    /// Checks every dossier's timeline: each hash links to the previous one and the last equals
    /// the head stored with the dossier. Any edit, removal or reordering of events shows here.
    pub async fn verify_dossier_chains(&self, actor: &Actor) -> AppResult<ChainReport> {
        actor.require(Access::Staff(Permission::AuditView))?;
        let mut report = ChainReport::default();
        for id in self.store.dossier_ids().await? {
            let row = self.store.get_dossier(id).await?;
            let code = row.code.clone().unwrap_or_else(|| format!("#{id}"));
            report.dossiers += 1;
            let mut events = Vec::new();
            let mut unreadable = None;
            for stored in self.store.dossier_events(id).await? {
                match stored.event() {
                    Ok(event)
                        if event.hash == stored.hash
                            && event.seq == u64::try_from(stored.seq).unwrap_or(0) =>
                    {
                        events.push(event)
                    }
                    Ok(_) => {
                        unreadable =
                            Some(format!("event {} columns differ from its body", stored.seq))
                    }
                    Err(error) => unreadable = Some(error.to_string()),
                }
            }
            report.events += events.len();
            if let Some(problem) = unreadable {
                report.broken.push((id, code, problem));
                continue;
            }
            let state_head = row.dossier().map(|d| d.head).ok();
            let stored_head = from_hex(&row.head);
            match verify_chain(&events) {
                Ok(head) if Some(head) == state_head && Some(head) == stored_head => {}
                Ok(_) => report.broken.push((
                    id,
                    code,
                    "the last event does not match the dossier's head (events missing)".into(),
                )),
                Err(error) => report.broken.push((id, code, error.to_string())),
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_workflows_are_valid_at_both_levels() {
        for province in [false, true] {
            let workflow = default_workflow("1.001193", province);
            assert!(workflow.validate().is_ok(), "{:?}", workflow.validate());
            assert_eq!(workflow.steps.len(), if province { 3 } else { 2 });
        }
    }
}
