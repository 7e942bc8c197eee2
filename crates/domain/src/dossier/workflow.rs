//! Processing workflows (quy trình nội bộ) as data: the steps a dossier goes through inside the
//! resolving agency, who works each step, how long it may take and what may be done there.
//!
//! Administrators import and edit workflows as JSON (these types are that format: add optional
//! fields, never rename). A workflow is versioned: a dossier keeps the version it was received
//! under, so editing a workflow never changes the rules for dossiers already in progress.
//! [`Workflow::validate`] lists every problem at once so an editor can show them together.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::command::{CommandKind, role_may_issue};
use crate::authz::Role;
use crate::calendar::ProcessingTime;

/// A procedure's internal workflow in one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workflow {
    /// Stable identifier, usually the procedure's code (e.g. `1.001193`).
    pub id: String,
    /// Version number; a dossier keeps the one it was received under.
    pub version: u32,
    pub steps: Vec<WorkflowStep>,
}

/// Bước xử lý: one step of a workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkflowStep {
    /// Unique within the workflow, e.g. `tham-dinh`.
    pub id: String,
    /// Display name, e.g. "Thẩm định hồ sơ".
    pub name: String,
    /// Who works this step.
    pub role: Role,
    /// Which unit (phòng/ban) works it, as a reference the deployment resolves; `None` = the
    /// resolving agency itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_ref: Option<String>,
    /// Time allowance for the step (e.g. 2 working hours), judged on the control sheet.
    pub allowance: ProcessingTime,
    /// What may be done at this step.
    pub actions: Vec<StepAction>,
}

/// Thao tác: an action a workflow step allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepAction {
    /// Chuyển bước tiếp theo.
    Forward,
    /// Trả lại bước trước.
    Return,
    /// Xin ý kiến phối hợp.
    Consult,
    /// Chuyển liên thông sang cơ quan khác.
    Transfer,
    /// Phê duyệt.
    Approve,
    /// Ký số kết quả.
    Sign,
    /// Chuyển kết quả về Bộ phận Một cửa (status 9).
    ReturnToDesk,
}

impl StepAction {
    pub const ALL: [StepAction; 7] = [
        Self::Forward,
        Self::Return,
        Self::Consult,
        Self::Transfer,
        Self::Approve,
        Self::Sign,
        Self::ReturnToDesk,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Forward => "forward",
            Self::Return => "return",
            Self::Consult => "consult",
            Self::Transfer => "transfer",
            Self::Approve => "approve",
            Self::Sign => "sign",
            Self::ReturnToDesk => "return_to_desk",
        }
    }

    /// The command that performs this action.
    pub fn command(self) -> CommandKind {
        match self {
            Self::Forward => CommandKind::Forward,
            Self::Return => CommandKind::Return,
            Self::Consult => CommandKind::Consult,
            Self::Transfer => CommandKind::Transfer,
            Self::Approve => CommandKind::Approve,
            Self::Sign => CommandKind::Sign,
            Self::ReturnToDesk => CommandKind::Resolve,
        }
    }
}

/// One thing wrong with a workflow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowProblem {
    #[error("a workflow needs at least one step")]
    NoSteps,
    #[error("step {index} has an empty id")]
    EmptyStepId { index: usize },
    #[error("step id {id:?} is used more than once")]
    DuplicateStepId { id: String },
    #[error("step {id:?} lists action {action} twice")]
    DuplicateAction { id: String, action: &'static str },
    #[error("step {id:?}: role {role} may not {action}")]
    RoleCannotAct {
        id: String,
        role: &'static str,
        action: &'static str,
    },
    #[error("the first step {id:?} cannot return: there is no earlier step")]
    ReturnFromFirst { id: String },
    #[error("the last step {id:?} cannot forward: there is no later step")]
    ForwardFromLast { id: String },
    #[error("the last step {id:?} must be able to return the result to the desk")]
    LastStepCannotFinish { id: String },
    #[error(
        "step {id:?} neither forwards nor returns the result to the desk: dossiers would stick there"
    )]
    DeadEnd { id: String },
    #[error("no step at or before the last one can approve")]
    NoApproval,
    #[error("a step allowance of zero is not allowed (step {id:?})")]
    ZeroAllowance { id: String },
}

impl WorkflowProblem {
    /// Stable code for message catalogues.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::NoSteps => "workflow-no-steps",
            Self::EmptyStepId { .. } => "workflow-empty-step-id",
            Self::DuplicateStepId { .. } => "workflow-duplicate-step-id",
            Self::DuplicateAction { .. } => "workflow-duplicate-action",
            Self::RoleCannotAct { .. } => "workflow-role-cannot-act",
            Self::ReturnFromFirst { .. } => "workflow-return-from-first",
            Self::ForwardFromLast { .. } => "workflow-forward-from-last",
            Self::LastStepCannotFinish { .. } => "workflow-last-step-cannot-finish",
            Self::DeadEnd { .. } => "workflow-dead-end",
            Self::NoApproval => "workflow-no-approval",
            Self::ZeroAllowance { .. } => "workflow-zero-allowance",
        }
    }

    /// Where the problem lies, so an editor can show it next to its input: the step's index
    /// in `workflow` and the part of the step (`id`, `actions`, `allowance`), or `None` for
    /// a problem of the whole workflow. A duplicated id points at its later occurrence.
    pub fn location(&self, workflow: &Workflow) -> Option<(usize, &'static str)> {
        let by_id = |id: &str, part: &'static str| {
            workflow
                .steps
                .iter()
                .position(|s| s.id == id)
                .map(|index| (index, part))
        };
        match self {
            Self::NoSteps | Self::NoApproval => None,
            Self::EmptyStepId { index } => Some((*index, "id")),
            Self::DuplicateStepId { id } => workflow
                .steps
                .iter()
                .rposition(|s| &s.id == id)
                .map(|index| (index, "id")),
            Self::ZeroAllowance { id } => by_id(id, "allowance"),
            Self::DuplicateAction { id, .. }
            | Self::RoleCannotAct { id, .. }
            | Self::ReturnFromFirst { id }
            | Self::ForwardFromLast { id }
            | Self::LastStepCannotFinish { id }
            | Self::DeadEnd { id } => by_id(id, "actions"),
        }
    }
}

impl Workflow {
    /// The step at `index`.
    pub fn step(&self, index: usize) -> Option<&WorkflowStep> {
        self.steps.get(index)
    }

    /// Whether some step signs the result, so a dossier must be signed before it is resolved.
    pub fn requires_signature(&self) -> bool {
        self.steps.iter().any(|s| s.allows(StepAction::Sign))
    }

    /// Every problem with the workflow; `Ok` when there is none.
    ///
    /// Rules: at least one step; ids non-empty and unique; no action listed twice; each action
    /// one the step's role may perform ([`role_may_issue`]); no return from the first step and
    /// no forward from the last; the last step can return the result to the desk; every other
    /// step can forward or return to the desk; some step can approve; allowances are not zero.
    ///
    /// # Errors
    /// The list of problems found.
    pub fn validate(&self) -> Result<(), Vec<WorkflowProblem>> {
        let mut problems = Vec::new();
        let Some(last) = self.steps.len().checked_sub(1) else {
            return Err(vec![WorkflowProblem::NoSteps]);
        };
        let mut ids = HashSet::new();
        for (index, step) in self.steps.iter().enumerate() {
            let id = step.id.clone();
            if step.id.trim().is_empty() {
                problems.push(WorkflowProblem::EmptyStepId { index });
            } else if !ids.insert(step.id.as_str()) {
                problems.push(WorkflowProblem::DuplicateStepId { id: id.clone() });
            }
            let mut seen = HashSet::new();
            for action in &step.actions {
                if !seen.insert(*action) {
                    problems.push(WorkflowProblem::DuplicateAction {
                        id: id.clone(),
                        action: action.as_str(),
                    });
                }
                if !role_may_issue(step.role, action.command()) {
                    problems.push(WorkflowProblem::RoleCannotAct {
                        id: id.clone(),
                        role: step.role.as_str(),
                        action: action.as_str(),
                    });
                }
            }
            if index == 0 && step.allows(StepAction::Return) {
                problems.push(WorkflowProblem::ReturnFromFirst { id: id.clone() });
            }
            if index == last {
                if step.allows(StepAction::Forward) {
                    problems.push(WorkflowProblem::ForwardFromLast { id: id.clone() });
                }
                if !step.allows(StepAction::ReturnToDesk) {
                    problems.push(WorkflowProblem::LastStepCannotFinish { id: id.clone() });
                }
            } else if !step.allows(StepAction::Forward) && !step.allows(StepAction::ReturnToDesk) {
                problems.push(WorkflowProblem::DeadEnd { id: id.clone() });
            }
            if is_zero(step.allowance) {
                problems.push(WorkflowProblem::ZeroAllowance { id });
            }
        }
        if !self.steps.iter().any(|s| s.allows(StepAction::Approve)) {
            problems.push(WorkflowProblem::NoApproval);
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

fn is_zero(time: ProcessingTime) -> bool {
    matches!(
        time,
        ProcessingTime::WorkingDays(0) | ProcessingTime::WorkingHours(0)
    )
}

impl WorkflowStep {
    pub fn allows(&self, action: StepAction) -> bool {
        self.actions.contains(&action)
    }
}
