//! The one-stop dossier lifecycle (hồ sơ một cửa, SPEC §2.4), as pure rules.
//!
//! - [`code`]: dossier codes `<agency>-YYMMDD-NNNN` and gap-free numbering.
//! - [`status`]: the ten national statuses (TrangThaiHoSo 1–10).
//! - [`workflow`]: per-procedure workflows as versioned, validated JSON data.
//! - [`command`]: the closed set of commands, actors and who may issue what.
//! - [`decide`](mod@decide): the state machine: state + command → new state, events, effects.
//! - [`delivery`]: how the applicant receives the result (counter, post, online).
//! - [`event`]: the hash-chained timeline and the effects as data.
//! - [`sheet`]: step and dossier timeliness for the control sheet (Mẫu 06).
//!
//! ```
//! use motcua_domain::authz::Role;
//! use motcua_domain::calendar::ProcessingTime;
//! use motcua_domain::dossier::*;
//! use motcua_domain::org::AgencyCode;
//! use time::macros::{date, datetime};
//!
//! let step = |id: &str, role, actions: Vec<StepAction>| WorkflowStep {
//!     id: id.into(), name: id.into(), role, unit_ref: None,
//!     allowance: ProcessingTime::WorkingHours(8), actions,
//! };
//! let workflow = Workflow { id: "1.001193".into(), version: 1, steps: vec![
//!     step("tham-dinh", Role::Specialist, vec![StepAction::Forward]),
//!     step("phe-duyet", Role::Leader, vec![StepAction::Approve, StepAction::ReturnToDesk]),
//! ]};
//! assert!(workflow.validate().is_ok());
//! let agency = AgencyCode::parse("000.00.30.H13").expect("valid");
//! let code = DossierCode::new(agency, date!(2026-11-24), 1).expect("valid");
//! let citizen = Actor::Citizen { citizen_id: 7 };
//! let ctx = Context { workflow: &workflow, actor: &citizen, now: datetime!(2026-11-24 08:00 +7) };
//! let decision = decide(&Dossier::draft(&workflow), &Command::Submit { code }, &ctx)
//!     .expect("a citizen submits a draft");
//! assert_eq!(decision.new_state.status, Some(DossierStatus::Submitted));
//! assert!(verify_chain(&decision.events).is_ok());
//! ```

pub mod code;
pub mod command;
pub mod decide;
pub mod delivery;
pub mod error;
pub mod event;
pub mod sheet;
pub mod state;
pub mod status;
pub mod workflow;

#[cfg(test)]
mod tests;

pub use code::{DossierCode, DossierCodeError, SequenceError, next_sequence};
pub use command::{Actor, Command, CommandKind, ReturnMethod, may_issue, role_may_issue};
pub use decide::{Context, Decision, decide};
pub use delivery::{
    DeliveryError, MAX_POSTAL_FEE_VND, ResultDelivery, TRACKING_MAX_CHARS, check_tracking_number,
};
pub use error::TransitionError;
pub use event::{
    ChainError, ChainProblem, Effect, Event, Form, GENESIS, chain_hash, from_hex, to_hex,
    verify_chain,
};
pub use sheet::{ControlSheet, Judgement, SheetRow, control_sheet};
pub use state::{Dossier, InvariantError, StepVisit};
pub use status::DossierStatus;
pub use workflow::{StepAction, Workflow, WorkflowProblem, WorkflowStep};
