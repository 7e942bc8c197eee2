//! Timeliness for the control sheet (Mẫu 06, phiếu kiểm soát quá trình giải quyết hồ sơ): each
//! step's stay judged against the step's allowance, and the dossier judged against its
//! appointment.
//!
//! A step's due time is its allowance counted from when the dossier entered the step, moved by
//! the clock pauses during the stay (as [`WorkCalendar::resume`] does for the dossier). Finished
//! stays and finished dossiers are early / on time / late ([`classify`]); open ones are in
//! time / due soon / overdue at `now` ([`WorkCalendar::status_at`]). Step lateness is reported
//! but the legal deadline is the dossier's (vn-legal §4).

use time::OffsetDateTime;

use super::state::{Dossier, StepVisit};
use super::workflow::Workflow;
use crate::calendar::{DeadlineError, OpenStatus, Timeliness, WorkCalendar, classify};

/// A judgement: finished (early / on time / late) or still open (in time / due soon / overdue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judgement {
    Finished(Timeliness),
    Open(OpenStatus),
}

/// One row of the control sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    pub step: usize,
    pub step_id: String,
    pub step_name: String,
    pub visit: StepVisit,
    /// The step's due time for this stay.
    pub due: OffsetDateTime,
    pub judgement: Judgement,
}

/// The control sheet's timing content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlSheet {
    pub rows: Vec<SheetRow>,
    /// The dossier against its appointment; `None` before receipt or when it ended without a
    /// result (refused, withdrawn, stopped).
    pub overall: Option<Judgement>,
}

/// Builds the control sheet timings for `dossier` at `now`.
///
/// # Errors
/// [`DeadlineError::OutOfRange`] if a step's due time leaves the calendar's supported years.
pub fn control_sheet(
    dossier: &Dossier,
    workflow: &Workflow,
    calendar: &WorkCalendar,
    now: OffsetDateTime,
) -> Result<ControlSheet, DeadlineError> {
    let mut rows = Vec::with_capacity(dossier.history.len());
    for visit in &dossier.history {
        let Some(step) = workflow.step(visit.step) else {
            continue;
        };
        let mut due = calendar.due(visit.entered_at, step.allowance)?;
        for (from, to) in &visit.pauses {
            due = calendar.resume(due, *from, *to)?;
        }
        let judgement = match visit.left_at {
            Some(left) => Judgement::Finished(classify(left, due)),
            None => Judgement::Open(calendar.status_at(now, due)),
        };
        rows.push(SheetRow {
            step: visit.step,
            step_id: step.id.clone(),
            step_name: step.name.clone(),
            visit: visit.clone(),
            due,
            judgement,
        });
    }
    let overall = dossier.appointment.and_then(|appointment| {
        if let Some(resolved) = dossier.resolved_at {
            Some(Judgement::Finished(classify(resolved, appointment.due())))
        } else if dossier.in_agency() {
            Some(Judgement::Open(calendar.status_at(now, appointment.due())))
        } else {
            None
        }
    });
    Ok(ControlSheet { rows, overall })
}
