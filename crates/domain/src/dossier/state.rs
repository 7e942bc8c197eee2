//! The state of one dossier (hồ sơ) as the back office sees it, and the invariants every state
//! reachable through [`super::decide`] satisfies.
//!
//! The state is plain data so the store can persist it column by column and rebuild it;
//! [`Dossier::invariants`] lets the store check what it loaded. Only `decide` produces new
//! states.

use time::OffsetDateTime;

use super::code::DossierCode;
use super::event::{GENESIS, to_hex};
use super::status::DossierStatus;
use super::workflow::Workflow;
use crate::authz::Role;
use crate::calendar::Appointment;

/// One dossier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dossier {
    /// Mã hồ sơ; given at online submission or at counter receipt.
    pub code: Option<DossierCode>,
    /// The workflow version the dossier was started under.
    pub workflow_version: u32,
    /// `None`: a draft (not synced, no national code).
    pub status: Option<DossierStatus>,
    /// Index of the current workflow step, from receipt on.
    pub step: Option<usize>,
    /// The official working the current step, if assigned.
    pub assignee: Option<i64>,
    /// Ngày hẹn trả (and whether it was extended once), from receipt on.
    pub appointment: Option<Appointment>,
    /// When the clock was paused (supplement during processing, financial obligation).
    pub paused_at: Option<OffsetDateTime>,
    pub received_at: Option<OffsetDateTime>,
    pub resolved_at: Option<OffsetDateTime>,
    pub returned_at: Option<OffsetDateTime>,
    /// When the desk handed the result to the postal operator (trả kết quả qua bưu chính); set
    /// while the parcel travels (status 9) and kept once it is delivered (status 10), cleared
    /// when the parcel comes back to the agency (chuyển hoàn).
    pub result_posted_at: Option<OffsetDateTime>,
    /// Mã vận đơn of the posted result, once the operator accepted the shipment.
    pub result_tracking: Option<String>,
    /// Đã phê duyệt (cleared when the dossier is returned to an earlier step).
    pub approved: bool,
    /// Đã ký số (cleared with approval).
    pub signed: bool,
    /// Every visit to a step, in order: the rows of the control sheet (Mẫu 06).
    pub history: Vec<StepVisit>,
    /// Sequence number of the last event (0: none yet).
    pub last_seq: u64,
    /// Time of the last event; commands dated earlier are refused.
    pub last_at: Option<OffsetDateTime>,
    /// Hash of the last event ([`GENESIS`] before the first).
    pub head: [u8; 32],
}

/// One stay of a dossier at a workflow step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepVisit {
    pub step: usize,
    pub role: Role,
    pub assignee: Option<i64>,
    pub entered_at: OffsetDateTime,
    /// `None` while the dossier is still at this step.
    pub left_at: Option<OffsetDateTime>,
    /// Clock pauses during the visit (from, to); an open pause is not listed until it ends.
    pub pauses: Vec<(OffsetDateTime, OffsetDateTime)>,
}

/// A broken invariant, named for tests and for checking loaded state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("dossier invariant broken: {0}")]
pub struct InvariantError(pub &'static str);

impl Dossier {
    /// A new draft under `workflow`.
    pub fn draft(workflow: &Workflow) -> Self {
        Self {
            code: None,
            workflow_version: workflow.version,
            status: None,
            step: None,
            assignee: None,
            appointment: None,
            paused_at: None,
            received_at: None,
            resolved_at: None,
            returned_at: None,
            result_posted_at: None,
            result_tracking: None,
            approved: false,
            signed: false,
            history: Vec::new(),
            last_seq: 0,
            last_at: None,
            head: GENESIS,
        }
    }

    /// Hash of the last event as hex.
    pub fn head_hex(&self) -> String {
        to_hex(&self.head)
    }

    /// Whether the result is with the postal operator, on its way to the applicant: status 9
    /// and posted. No other return of the result is possible meanwhile.
    pub fn result_in_post(&self) -> bool {
        self.status == Some(DossierStatus::Resolved) && self.result_posted_at.is_some()
    }

    /// Whether the dossier is in processing (from receipt to resolution, paused or not).
    pub fn in_agency(&self) -> bool {
        self.appointment.is_some()
            && matches!(
                self.status,
                Some(
                    DossierStatus::Received
                        | DossierStatus::InProcessing
                        | DossierStatus::SupplementRequested
                        | DossierStatus::FinancialObligation
                )
            )
    }

    /// The open visit, if any.
    pub fn current_visit(&self) -> Option<&StepVisit> {
        self.history.last().filter(|v| v.left_at.is_none())
    }

    /// Checks the invariants:
    /// 1. drafts, status 1 and status 3 have no appointment, step, pause or open visit; status 1
    ///    has a code;
    /// 2. status 2 and 4: appointment, code, step inside the workflow, an open visit of that
    ///    step, no pause;
    /// 3. status 5 is either at reception (like status 1) or during processing (like 2/4 but
    ///    paused); status 6 is like 2/4 but paused;
    /// 4. status 7 and 8: no pause and no open visit;
    /// 5. status 9 and 10: appointment, approved, resolution time, no pause, no open visit;
    ///    status 10 has a return time;
    /// 6. a posted result only in status 9 and 10, not before the resolution, delivered (status
    ///    10) not before it was posted; a tracking number only for a posted result;
    /// 7. signed implies approved; every visit's step is inside the workflow; at most the last
    ///    visit is open; visits do not end before they start; a pause never precedes the last
    ///    visit's start; `last_seq` is 0 exactly when there is no event.
    ///
    /// # Errors
    /// The first invariant found broken.
    pub fn invariants(&self, workflow: &Workflow) -> Result<(), InvariantError> {
        use DossierStatus as S;
        let fail = |what| Err(InvariantError(what));
        let steps = workflow.steps.len();
        let open = self.current_visit().is_some();
        let paused = self.paused_at.is_some();
        let in_step = |d: &Self| match (d.step, d.current_visit()) {
            (Some(step), Some(visit)) => step < steps && visit.step == step,
            _ => false,
        };
        let not_started = |d: &Self| {
            d.appointment.is_none() && d.step.is_none() && d.paused_at.is_none() && !open
        };
        if self.workflow_version != workflow.version {
            return fail("workflow version differs");
        }
        if self.signed && !self.approved {
            return fail("signed without approval");
        }
        if self.history.iter().any(|v| v.step >= steps) {
            return fail("visit to a step outside the workflow");
        }
        let len = self.history.len();
        if self
            .history
            .iter()
            .take(len.saturating_sub(1))
            .any(|v| v.left_at.is_none())
        {
            return fail("an earlier visit is still open");
        }
        if self
            .history
            .iter()
            .any(|v| v.left_at.is_some_and(|left| left < v.entered_at))
        {
            return fail("a visit ends before it starts");
        }
        if (self.last_seq == 0) != self.last_at.is_none() {
            return fail("event count and last event time disagree");
        }
        match self.status {
            None | Some(S::NotReceived) => {
                if !not_started(self) {
                    return fail("draft or refused dossier with processing state");
                }
            }
            Some(S::Submitted) => {
                if !not_started(self) || self.code.is_none() {
                    return fail("submitted dossier must have a code and nothing else");
                }
            }
            Some(S::Received | S::InProcessing) => {
                if self.appointment.is_none() || self.code.is_none() || paused || !in_step(self) {
                    return fail(
                        "dossier in processing needs code, appointment, open step, no pause",
                    );
                }
            }
            Some(S::SupplementRequested) => {
                let at_reception = not_started(self);
                let in_processing = self.appointment.is_some() && paused && in_step(self);
                if !(at_reception || in_processing) {
                    return fail("supplement request neither at reception nor paused in a step");
                }
            }
            Some(S::FinancialObligation) => {
                if self.appointment.is_none() || !paused || !in_step(self) {
                    return fail("financial obligation needs appointment, pause and open step");
                }
            }
            Some(S::Withdrawn | S::Stopped) => {
                if paused || open {
                    return fail("withdrawn or stopped dossier still paused or at a step");
                }
            }
            Some(S::Resolved | S::Returned) => {
                if self.appointment.is_none()
                    || !self.approved
                    || self.resolved_at.is_none()
                    || paused
                    || open
                {
                    return fail("resolved dossier needs appointment, approval, time, no pause");
                }
                if self.status == Some(S::Returned) && self.returned_at.is_none() {
                    return fail("returned dossier without return time");
                }
            }
        }
        if let Some(posted) = self.result_posted_at {
            if !matches!(self.status, Some(S::Resolved | S::Returned)) {
                return fail("posted result outside statuses 9 and 10");
            }
            if self.resolved_at.is_some_and(|resolved| posted < resolved) {
                return fail("result posted before it was resolved");
            }
            if self.returned_at.is_some_and(|returned| returned < posted) {
                return fail("result delivered before it was posted");
            }
        } else if self.result_tracking.is_some() {
            return fail("tracking number without a posted result");
        }
        if let (Some(pause), Some(visit)) = (self.paused_at, self.current_visit())
            && pause < visit.entered_at
        {
            return fail("pause before the current visit");
        }
        Ok(())
    }
}
