//! The dossier state machine: one pure function from (state, command, context) to a decision.
//!
//! [`decide`] never reads a clock and never touches storage: the caller passes "now", the
//! workflow version the dossier follows and the actor; it gets back the new state, the events
//! to append (already hash-chained) and the effects to carry out. A refused command changes
//! nothing. Transition table (S = status before; role checks in [`super::command::may_issue`]):
//!
//! | command | from | to |
//! |---|---|---|
//! | submit | draft | 1 |
//! | receive | draft (counter, with the postmark when it came by post), 1 (with the postmark when the papers were sent by post) | 2, at step 0 |
//! | request supplement (by a day after today, when given) | draft, 1 (reception) / 2, 4 (step role, clock paused) | 5 |
//! | supplement provided | 5 at reception / 5 paused | 1 (draft without code) / 4 |
//! | refuse | draft, 1, 5 at reception | 3 |
//! | forward, return, consult, transfer, approve, sign | 2, 4 (step role, step action) | 4 |
//! | require financial obligation | 2, 4 (step role, clock paused) | 6 |
//! | obligation paid | 6 | 4 |
//! | resolve (return to desk) | 2, 4 (approved, signed if the workflow signs) | 9 |
//! | return result (counter, online) | 9 | 10 |
//! | return result (post) | 9, not posted | 9, posted |
//! | record shipment (system) | 9, posted, no tracking number yet | 9 |
//! | confirm delivery (system, same tracking number) | 9, posted | 10 |
//! | record return to sender (system, same tracking number) | 9, posted | 9, not posted |
//! | withdraw | 1, 2, 4, 5, 6 | 7 |
//! | stop | 2, 4, 5 paused, 6 | 8 |
//! | extend (once, before due) | 2, 4 | unchanged |

use std::collections::BTreeMap;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::command::{Actor, Command, CommandKind, ReturnMethod, may_issue};
use super::delivery::{MAX_POSTAL_FEE_VND, check_tracking_number};
use super::error::TransitionError;
use super::event::{Effect, Event, Form, chain_digest, to_hex};
use super::state::{Dossier, StepVisit};
use super::status::DossierStatus as S;
use super::workflow::{StepAction, Workflow};
use crate::authz::Role;
use crate::calendar::{Appointment, VIETNAM_OFFSET, classify};

/// What `decide` is told besides the state and the command.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The workflow in the version the dossier follows.
    pub workflow: &'a Workflow,
    pub actor: &'a Actor,
    pub now: OffsetDateTime,
}

/// The outcome of an accepted command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub new_state: Dossier,
    /// Exactly one event per accepted command, chained onto the dossier's head.
    pub events: Vec<Event>,
    pub effects: Vec<Effect>,
}

type Result<T> = std::result::Result<T, TransitionError>;

/// Decides a command against a dossier (see the module table).
///
/// # Errors
/// The command is not allowed for this actor, in this state or at this step, or its data is
/// inconsistent; see [`TransitionError`].
pub fn decide(dossier: &Dossier, command: &Command, ctx: &Context<'_>) -> Result<Decision> {
    let kind = command.kind();
    if dossier.workflow_version != ctx.workflow.version {
        return Err(TransitionError::WorkflowVersion {
            dossier: dossier.workflow_version,
            given: ctx.workflow.version,
        });
    }
    if let Some(last) = dossier.last_at
        && ctx.now < last
    {
        return Err(TransitionError::ClockBeforeLastEvent { now: ctx.now, last });
    }
    if !may_issue(ctx.actor, kind) {
        return Err(TransitionError::RoleNotAllowed { command: kind });
    }
    let mut t = Transition {
        before: dossier,
        next: dossier.clone(),
        ctx,
        kind,
        reason: String::new(),
        data: BTreeMap::new(),
        effects: Vec::new(),
    };
    t.apply(command)?;
    t.finish()
}

struct Transition<'a> {
    before: &'a Dossier,
    next: Dossier,
    ctx: &'a Context<'a>,
    kind: CommandKind,
    reason: String,
    data: BTreeMap<String, String>,
    effects: Vec<Effect>,
}

fn stamp(at: OffsetDateTime) -> String {
    at.format(&Rfc3339)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

fn required(text: &str, field: &'static str) -> Result<()> {
    if text.trim().is_empty() {
        Err(TransitionError::Required { field })
    } else {
        Ok(())
    }
}

impl Transition<'_> {
    fn refuse<T>(&self) -> Result<T> {
        Err(TransitionError::NotAllowedInState {
            command: self.kind,
            status: self.before.status,
        })
    }

    fn now(&self) -> OffsetDateTime {
        self.ctx.now
    }

    fn notify(&mut self) {
        self.effects.push(Effect::NotifyCitizen {
            template: self.kind,
        });
    }

    fn at_reception(&self) -> bool {
        matches!(self.before.status, None | Some(S::Submitted))
            || (self.before.status == Some(S::SupplementRequested)
                && self.before.appointment.is_none())
    }

    fn actor_role(&self) -> Option<Role> {
        match self.ctx.actor {
            Actor::Official { role, .. } => Some(*role),
            _ => None,
        }
    }

    /// Work at the current step: status 2 or 4, the actor works this step, the step allows
    /// `action`. Returns the current step index.
    fn step_work(&self, action: Option<StepAction>) -> Result<usize> {
        if !matches!(self.before.status, Some(S::Received | S::InProcessing)) {
            return self.refuse();
        }
        let Some(index) = self.before.step else {
            return self.refuse();
        };
        let step = self
            .ctx
            .workflow
            .step(index)
            .ok_or(TransitionError::NoSuchStep { index })?;
        if self.actor_role() != Some(step.role) {
            return Err(TransitionError::NotStepRole {
                expected: step.role,
            });
        }
        if let Some(action) = action
            && !step.allows(action)
        {
            return Err(TransitionError::ActionNotInStep { command: self.kind });
        }
        Ok(index)
    }

    /// The posted result's parcel named by an operator's report: status 9, posted, and this
    /// very tracking number (a late report about an earlier parcel changes nothing). Returns
    /// when the result was posted.
    fn posted_parcel(&self, tracking_number: &str) -> Result<OffsetDateTime> {
        let Some(posted) = self
            .before
            .result_posted_at
            .filter(|_| self.before.result_in_post())
        else {
            return self.refuse();
        };
        if self.before.result_tracking.as_deref() != Some(tracking_number.trim()) {
            return Err(TransitionError::TrackingMismatch);
        }
        Ok(posted)
    }

    fn close_visit(&mut self) {
        let now = self.now();
        let paused = self.next.paused_at.take();
        if let Some(visit) = self.next.history.last_mut()
            && visit.left_at.is_none()
        {
            if let Some(from) = paused {
                visit.pauses.push((from, now));
            }
            visit.left_at = Some(now);
        }
    }

    fn enter(&mut self, step: usize, assignee: Option<i64>) -> Result<()> {
        let role = self
            .ctx
            .workflow
            .step(step)
            .ok_or(TransitionError::NoSuchStep { index: step })?
            .role;
        self.close_visit();
        self.next.step = Some(step);
        self.next.assignee = assignee;
        self.next.history.push(StepVisit {
            step,
            role,
            assignee,
            entered_at: self.now(),
            left_at: None,
            pauses: Vec::new(),
        });
        self.effects.push(Effect::Enqueue { step, assignee });
        self.data.insert("step".into(), step.to_string());
        Ok(())
    }

    /// Ends a clock pause: records it on the current visit and moves the due time.
    fn resume(&mut self, new_due: OffsetDateTime) -> Result<()> {
        let (Some(appointment), Some(paused_at)) = (self.before.appointment, self.before.paused_at)
        else {
            return self.refuse();
        };
        if new_due < appointment.due() {
            return Err(TransitionError::DueEarlier);
        }
        let now = self.now();
        if let Some(visit) = self.next.history.last_mut() {
            visit.pauses.push((paused_at, now));
        }
        self.next.paused_at = None;
        self.next.appointment = Some(Appointment::from_parts(
            appointment.original_due(),
            new_due,
            appointment.is_extended(),
        ));
        self.next.status = Some(S::InProcessing);
        self.data.insert("due".into(), stamp(new_due));
        if let Some(step) = self.next.step {
            self.effects.push(Effect::Enqueue {
                step,
                assignee: self.next.assignee,
            });
        }
        Ok(())
    }

    fn apply(&mut self, command: &Command) -> Result<()> {
        let now = self.now();
        match command {
            Command::Submit { code } => {
                if self.before.status.is_some() {
                    return self.refuse();
                }
                self.next.code = Some(code.clone());
                self.next.status = Some(S::Submitted);
                self.data.insert("code".into(), code.to_string());
                self.notify();
            }
            Command::Receive {
                due,
                code,
                assignee,
                postmark,
            } => {
                if !matches!(self.before.status, None | Some(S::Submitted)) {
                    return self.refuse();
                }
                if let Some(postmark) = postmark {
                    // Registered online, then the papers went by post (the postman collected
                    // them): the postmark is on or after the day of registration.
                    if self
                        .before
                        .code
                        .as_ref()
                        .is_some_and(|c| *postmark < c.date())
                    {
                        return Err(TransitionError::PostmarkBeforeRegistration);
                    }
                    if *postmark > now.date() {
                        return Err(TransitionError::PostmarkInFuture);
                    }
                    self.data.insert("postmark".into(), postmark.to_string());
                }
                let code = match (&self.before.code, code) {
                    (None, None) => return Err(TransitionError::CodeMissing),
                    (Some(_), Some(_)) => return Err(TransitionError::CodeAlreadyAssigned),
                    (Some(code), None) | (None, Some(code)) => code.clone(),
                };
                // By post the clock started at the postmark, so the time may have run out on
                // the way: such a dossier is received overdue rather than refused [assumed].
                let start = postmark.map_or(now, |p| p.midnight().assume_offset(now.offset()));
                if *due <= start {
                    return Err(TransitionError::DueNotAfterNow);
                }
                self.data.insert("code".into(), code.to_string());
                self.data.insert("due".into(), stamp(*due));
                self.next.code = Some(code);
                self.next.status = Some(S::Received);
                self.next.appointment = Some(Appointment::new(*due));
                self.next.received_at = Some(now);
                self.enter(0, *assignee)?;
                self.effects.push(Effect::IssueForm { form: Form::Mau01 });
                self.effects.push(Effect::RecordInRegister);
                self.notify();
            }
            Command::RequestSupplement {
                missing,
                reason,
                due_by,
            } => {
                if missing.is_empty() {
                    return Err(TransitionError::Required { field: "missing" });
                }
                for item in missing {
                    required(item, "missing")?;
                }
                if matches!(self.before.status, None | Some(S::Submitted)) {
                    if self.actor_role() != Some(Role::Reception) {
                        return Err(TransitionError::RoleNotAllowed { command: self.kind });
                    }
                } else {
                    self.step_work(None)?;
                    self.next.paused_at = Some(now);
                }
                if let Some(due_by) = due_by {
                    if *due_by <= now.to_offset(VIETNAM_OFFSET).date() {
                        return Err(TransitionError::SupplementDueNotFuture);
                    }
                    self.data.insert("due_by".into(), due_by.to_string());
                }
                for (index, item) in missing.iter().enumerate() {
                    self.data.insert(format!("missing.{index}"), item.clone());
                }
                self.reason.clone_from(reason);
                self.next.status = Some(S::SupplementRequested);
                self.effects.push(Effect::IssueForm { form: Form::Mau02 });
                self.notify();
            }
            Command::SupplementProvided { new_due } => {
                if self.before.status != Some(S::SupplementRequested) {
                    return self.refuse();
                }
                if self.before.paused_at.is_some() {
                    let new_due = new_due.ok_or(TransitionError::DueRequired)?;
                    self.resume(new_due)?;
                } else {
                    if new_due.is_some() {
                        return Err(TransitionError::DueUnexpected);
                    }
                    self.next.status = self.before.code.as_ref().map(|_| S::Submitted);
                }
                self.notify();
            }
            Command::Refuse { reasons } => {
                if !self.at_reception() {
                    return self.refuse();
                }
                if reasons.iter().all(|r| r.trim().is_empty()) {
                    return Err(TransitionError::Required { field: "reasons" });
                }
                self.reason = reasons.join("\n");
                self.next.status = Some(S::NotReceived);
                self.effects.push(Effect::IssueForm { form: Form::Mau03 });
                self.notify();
            }
            Command::Forward { to_step, assignee } => {
                let current = self.step_work(Some(StepAction::Forward))?;
                if self.ctx.workflow.step(*to_step).is_none() {
                    return Err(TransitionError::NoSuchStep { index: *to_step });
                }
                if *to_step <= current {
                    return Err(TransitionError::ForwardNotLater);
                }
                self.next.status = Some(S::InProcessing);
                self.enter(*to_step, *assignee)?;
            }
            Command::Return {
                to_step,
                reason,
                assignee,
            } => {
                let current = self.step_work(Some(StepAction::Return))?;
                required(reason, "reason")?;
                if *to_step >= current {
                    return Err(TransitionError::ReturnNotEarlier);
                }
                self.reason.clone_from(reason);
                self.next.status = Some(S::InProcessing);
                self.next.approved = false;
                self.next.signed = false;
                self.enter(*to_step, *assignee)?;
            }
            Command::Consult { unit, question } => {
                self.step_work(Some(StepAction::Consult))?;
                required(unit, "unit")?;
                self.reason.clone_from(question);
                self.data.insert("unit".into(), unit.clone());
                self.next.status = Some(S::InProcessing);
                self.effects
                    .push(Effect::RequestOpinion { unit: unit.clone() });
            }
            Command::Transfer { to_agency, reason } => {
                self.step_work(Some(StepAction::Transfer))?;
                self.reason.clone_from(reason);
                self.data
                    .insert("to_agency".into(), to_agency.as_str().to_owned());
                self.next.status = Some(S::InProcessing);
                self.effects.push(Effect::TransferTo {
                    agency: to_agency.clone(),
                });
            }
            Command::RequireFinancialObligation {
                description,
                amount_vnd,
            } => {
                self.step_work(None)?;
                required(description, "description")?;
                if let Some(amount) = amount_vnd {
                    if !(1..=crate::payment::MAX_OBLIGATION_VND).contains(amount) {
                        return Err(TransitionError::AmountOutOfRange);
                    }
                    self.data.insert("amount_vnd".into(), amount.to_string());
                }
                self.reason.clone_from(description);
                self.next.paused_at = Some(now);
                self.next.status = Some(S::FinancialObligation);
                self.notify();
            }
            Command::ObligationPaid { new_due } => {
                if self.before.status != Some(S::FinancialObligation) {
                    return self.refuse();
                }
                self.resume(*new_due)?;
                self.notify();
            }
            Command::Approve => {
                self.step_work(Some(StepAction::Approve))?;
                if self.before.approved {
                    return Err(TransitionError::AlreadyApproved);
                }
                self.next.approved = true;
                self.next.status = Some(S::InProcessing);
            }
            Command::Sign => {
                self.step_work(Some(StepAction::Sign))?;
                if !self.before.approved {
                    return Err(TransitionError::NotApproved);
                }
                if self.before.signed {
                    return Err(TransitionError::AlreadySigned);
                }
                self.next.signed = true;
                self.next.status = Some(S::InProcessing);
            }
            Command::Resolve => {
                self.step_work(Some(StepAction::ReturnToDesk))?;
                if !self.before.approved {
                    return Err(TransitionError::NotApproved);
                }
                if self.ctx.workflow.requires_signature() && !self.before.signed {
                    return Err(TransitionError::NotSigned);
                }
                if let Some(appointment) = self.before.appointment {
                    let judged = classify(now, appointment.due());
                    self.data
                        .insert("timeliness".into(), judged.as_str().to_owned());
                }
                self.close_visit();
                self.next.assignee = None;
                self.next.resolved_at = Some(now);
                self.next.status = Some(S::Resolved);
                self.notify();
            }
            Command::ReturnResult { method } => {
                if self.before.status != Some(S::Resolved) {
                    return self.refuse();
                }
                if self.before.result_posted_at.is_some() {
                    return Err(TransitionError::ResultInPost);
                }
                self.data
                    .insert("method".into(), method.as_str().to_owned());
                self.effects.push(Effect::DeliverResult { method: *method });
                if *method == ReturnMethod::Post {
                    // The applicant is told once the operator has accepted the parcel, with
                    // its tracking number (record shipment).
                    self.next.result_posted_at = Some(now);
                } else {
                    self.next.returned_at = Some(now);
                    self.next.status = Some(S::Returned);
                    self.notify();
                }
            }
            Command::RecordShipment {
                tracking_number,
                fee_vnd,
            } => {
                if !self.before.result_in_post() {
                    return self.refuse();
                }
                if self.before.result_tracking.is_some() {
                    return Err(TransitionError::ShipmentAlreadyRecorded);
                }
                let tracking = check_tracking_number(tracking_number)?;
                if !(0..=MAX_POSTAL_FEE_VND).contains(fee_vnd) {
                    return Err(TransitionError::FeeOutOfRange);
                }
                self.data.insert("tracking_number".into(), tracking.clone());
                self.data.insert("fee_vnd".into(), fee_vnd.to_string());
                self.next.result_tracking = Some(tracking);
                self.notify();
            }
            Command::ConfirmDelivery {
                tracking_number,
                delivered_at,
            } => {
                let posted = self.posted_parcel(tracking_number)?;
                // Never before the posting, never after now: the operator's clock is not ours.
                let returned = (*delivered_at).max(posted).min(now);
                self.data
                    .insert("tracking_number".into(), tracking_number.trim().to_owned());
                self.data.insert("delivered_at".into(), stamp(returned));
                self.next.returned_at = Some(returned);
                self.next.status = Some(S::Returned);
                self.notify();
            }
            Command::RecordReturnToSender {
                tracking_number,
                note,
            } => {
                self.posted_parcel(tracking_number)?;
                self.reason = note.trim().to_owned();
                self.data
                    .insert("tracking_number".into(), tracking_number.trim().to_owned());
                self.next.result_posted_at = None;
                self.next.result_tracking = None;
                self.notify();
            }
            Command::Withdraw { reason } => {
                if !matches!(
                    self.before.status,
                    Some(
                        S::Submitted
                            | S::Received
                            | S::InProcessing
                            | S::SupplementRequested
                            | S::FinancialObligation
                    )
                ) {
                    return self.refuse();
                }
                self.reason.clone_from(reason);
                self.close_visit();
                self.next.assignee = None;
                self.next.status = Some(S::Withdrawn);
                self.effects.push(Effect::IssueForm { form: Form::Mau05 });
                self.notify();
            }
            Command::Stop { reason } => {
                if !self.before.in_agency() {
                    return self.refuse();
                }
                required(reason, "reason")?;
                self.reason.clone_from(reason);
                self.close_visit();
                self.next.assignee = None;
                self.next.status = Some(S::Stopped);
                self.effects.push(Effect::IssueForm { form: Form::Mau05 });
                self.notify();
            }
            Command::Extend { new_due, reason } => {
                let Some(appointment) = self.before.appointment else {
                    return self.refuse();
                };
                if !matches!(self.before.status, Some(S::Received | S::InProcessing)) {
                    return self.refuse();
                }
                required(reason, "reason")?;
                let extended = appointment
                    .extend(now, *new_due)
                    .map_err(TransitionError::Extension)?;
                self.reason.clone_from(reason);
                self.data
                    .insert("previous_due".into(), stamp(appointment.due()));
                self.data.insert("due".into(), stamp(*new_due));
                self.next.appointment = Some(extended);
                self.effects.push(Effect::IssueForm { form: Form::Mau04 });
                self.notify();
                if let Some(status) = self.next.status
                    && self.next.code.is_some()
                {
                    self.effects.push(Effect::SyncNational {
                        code: status.national_code(),
                    });
                }
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Decision> {
        let seq = self
            .before
            .last_seq
            .checked_add(1)
            .ok_or(TransitionError::SequenceOverflow)?;
        if self.next.status != self.before.status
            && let (Some(status), Some(_)) = (self.next.status, &self.next.code)
        {
            self.effects.push(Effect::SyncNational {
                code: status.national_code(),
            });
        }
        let mut event = Event {
            seq,
            at: self.ctx.now,
            actor: self.ctx.actor.clone(),
            kind: self.kind,
            from_status: self.before.status,
            to_status: self.next.status,
            reason: self.reason,
            data: self.data,
            hash: String::new(),
        };
        let digest = chain_digest(&self.before.head, &event.canonical_bytes());
        event.hash = to_hex(&digest);
        self.next.last_seq = seq;
        self.next.last_at = Some(self.ctx.now);
        self.next.head = digest;
        Ok(Decision {
            new_state: self.next,
            events: vec![event],
            effects: self.effects,
        })
    }
}
