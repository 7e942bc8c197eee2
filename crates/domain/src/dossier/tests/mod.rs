//! Tests of the dossier lifecycle: shared fixtures (a four-step workflow, a real calendar,
//! actors, dossiers driven into every state), then one file per concern.

mod chain;
mod codes;
mod postal;
mod props;
mod transitions;
mod workflows;

use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};

use super::*;
use crate::authz::Role;
use crate::calendar::{OfficeHours, ProcessingTime, WorkCalendar, bundled_overrides};
use crate::org::AgencyCode;

/// Wednesday 25/11/2026, 08:00 (24/11 is Ngày Văn hóa Việt Nam, a day off from 2026).
pub(super) const T0: OffsetDateTime = datetime!(2026-11-25 08:00 +7);

pub(super) fn calendar() -> WorkCalendar {
    WorkCalendar::new(
        OfficeHours::default(),
        bundled_overrides().expect("shipped notices parse"),
    )
}

pub(super) fn at(minutes: i64) -> OffsetDateTime {
    T0 + Duration::minutes(minutes)
}

fn step(id: &str, role: Role, hours: u32, actions: &[StepAction]) -> WorkflowStep {
    WorkflowStep {
        id: id.into(),
        name: id.into(),
        role,
        unit_ref: None,
        allowance: ProcessingTime::WorkingHours(hours),
        actions: actions.to_vec(),
    }
}

/// Phân công (unit head) → thẩm định (specialist) → phê duyệt, ký (leader) → phát hành (clerk).
pub(super) fn workflow() -> Workflow {
    use StepAction::*;
    Workflow {
        id: "1.001193".into(),
        version: 3,
        steps: vec![
            step(
                "phan-cong",
                Role::UnitHead,
                2,
                &[Forward, Consult, Transfer],
            ),
            step(
                "tham-dinh",
                Role::Specialist,
                16,
                &[Forward, Return, Consult, Transfer],
            ),
            step(
                "phe-duyet",
                Role::Leader,
                4,
                &[Forward, Return, Approve, Sign],
            ),
            step("phat-hanh", Role::Clerk, 2, &[ReturnToDesk]),
        ],
    }
}

pub(super) fn code(sequence: u32) -> DossierCode {
    let agency = AgencyCode::parse("000.00.30.H13").expect("valid agency code");
    DossierCode::new(agency, date!(2026 - 11 - 25), sequence).expect("valid code")
}

pub(super) fn citizen() -> Actor {
    Actor::Citizen { citizen_id: 7 }
}

pub(super) fn official(role: Role) -> Actor {
    Actor::Official {
        official_id: 100,
        role,
    }
}

/// The appointment for a receipt at `received`: 5 working days on the real calendar.
pub(super) fn due_from(received: OffsetDateTime) -> OffsetDateTime {
    calendar()
        .due(received, ProcessingTime::WorkingDays(5))
        .expect("inside supported years")
}

/// A dossier with its whole timeline, driven through `decide`.
#[derive(Debug, Clone)]
pub(super) struct Run {
    pub dossier: Dossier,
    pub events: Vec<Event>,
    pub effects: Vec<Effect>,
    pub clock: i64,
}

impl Run {
    pub fn new() -> Self {
        Self {
            dossier: Dossier::draft(&workflow()),
            events: Vec::new(),
            effects: Vec::new(),
            clock: 0,
        }
    }

    /// Applies a command ten minutes after the previous one.
    pub fn try_do(&mut self, actor: &Actor, command: Command) -> Result<(), TransitionError> {
        self.clock += 10;
        self.try_at(actor, command, at(self.clock))
    }

    pub fn try_at(
        &mut self,
        actor: &Actor,
        command: Command,
        now: OffsetDateTime,
    ) -> Result<(), TransitionError> {
        let workflow = workflow();
        let ctx = Context {
            workflow: &workflow,
            actor,
            now,
        };
        let decision = decide(&self.dossier, &command, &ctx)?;
        self.dossier = decision.new_state;
        self.events.extend(decision.events);
        self.effects = decision.effects;
        Ok(())
    }

    pub fn does(mut self, actor: &Actor, command: Command) -> Self {
        if let Err(error) = self.try_do(actor, command.clone()) {
            panic!("{command:?} by {actor:?} refused: {error}");
        }
        self
    }

    pub fn now(&self) -> OffsetDateTime {
        at(self.clock)
    }

    pub fn status(&self) -> Option<DossierStatus> {
        self.dossier.status
    }
}

pub(super) fn forward(to_step: usize) -> Command {
    Command::Forward {
        to_step,
        assignee: Some(200),
    }
}

pub(super) fn supplement() -> Command {
    supplement_by(None)
}

/// A supplement request to be answered by `due_by` (Hạn bổ sung), if given.
pub(super) fn supplement_by(due_by: Option<time::Date>) -> Command {
    Command::RequestSupplement {
        missing: vec!["Bản sao giấy khai sinh".into()],
        reason: "Thiếu giấy tờ".into(),
        due_by,
    }
}

pub(super) fn submitted() -> Run {
    Run::new().does(&citizen(), Command::Submit { code: code(1) })
}

pub(super) fn received() -> Run {
    let run = submitted();
    let due = due_from(at(run.clock + 10));
    run.does(
        &official(Role::Reception),
        Command::Receive {
            due,
            code: None,
            assignee: None,
            postmark: None,
        },
    )
}

pub(super) fn at_step(step: usize) -> Run {
    let roles = [Role::UnitHead, Role::Specialist, Role::Leader];
    let mut run = received();
    for (target, role) in (1..=step).zip(roles) {
        run = run.does(&official(role), forward(target));
    }
    run
}

pub(super) fn approved() -> Run {
    at_step(2).does(&official(Role::Leader), Command::Approve)
}

pub(super) fn signed() -> Run {
    approved().does(&official(Role::Leader), Command::Sign)
}

pub(super) fn resolved() -> Run {
    signed()
        .does(&official(Role::Leader), forward(3))
        .does(&official(Role::Clerk), Command::Resolve)
}

pub(super) fn returned() -> Run {
    resolved().does(
        &official(Role::Reception),
        Command::ReturnResult {
            method: ReturnMethod::Online,
        },
    )
}

/// The tracking number the operator gives the posted result in these tests.
pub(super) const TRACKING: &str = "EB123456789VN";

/// Handed to the postal operator: still status 9.
pub(super) fn posted() -> Run {
    resolved().does(
        &official(Role::Reception),
        Command::ReturnResult {
            method: ReturnMethod::Post,
        },
    )
}

/// The operator accepted the parcel.
pub(super) fn shipped() -> Run {
    posted().does(
        &Actor::System,
        Command::RecordShipment {
            tracking_number: TRACKING.into(),
            fee_vnd: 25_000,
        },
    )
}

/// The operator delivered the parcel (status 10).
pub(super) fn delivered() -> Run {
    let run = shipped();
    let delivered_at = run.now() + Duration::minutes(5);
    run.does(
        &Actor::System,
        Command::ConfirmDelivery {
            tracking_number: TRACKING.into(),
            delivered_at,
        },
    )
}

/// The operator brought the parcel back (chuyển hoàn): status 9, at the desk again.
pub(super) fn returned_to_sender() -> Run {
    shipped().does(
        &Actor::System,
        Command::RecordReturnToSender {
            tracking_number: TRACKING.into(),
            note: "Người nhận vắng nhà".into(),
        },
    )
}

pub(super) fn supplement_at_reception() -> Run {
    submitted().does(&official(Role::Reception), supplement())
}

pub(super) fn supplement_in_processing() -> Run {
    at_step(1).does(&official(Role::Specialist), supplement())
}

pub(super) fn obligation() -> Run {
    at_step(1).does(
        &official(Role::Specialist),
        Command::RequireFinancialObligation {
            description: "Lệ phí trước bạ".into(),
            amount_vnd: None,
        },
    )
}

pub(super) fn refused() -> Run {
    submitted().does(
        &official(Role::Reception),
        Command::Refuse {
            reasons: vec!["Không thuộc thẩm quyền".into()],
        },
    )
}

pub(super) fn withdrawn() -> Run {
    at_step(1).does(
        &citizen(),
        Command::Withdraw {
            reason: "Không còn nhu cầu".into(),
        },
    )
}

pub(super) fn stopped() -> Run {
    at_step(1).does(
        &official(Role::Leader),
        Command::Stop {
            reason: "Có tranh chấp".into(),
        },
    )
}
