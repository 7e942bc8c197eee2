//! Property: random sequences of commands, from random or plausible actors with random data,
//! never leave a dossier in a state that breaks [`Dossier::invariants`], never change anything
//! when refused, and never lose an event (one event per accepted command, the whole timeline
//! verifies and ends at the dossier's head).

use proptest::prelude::*;
use time::{Duration, OffsetDateTime};

use super::*;
use crate::authz::Role::{Admin, Clerk, Leader, Reception, Specialist, UnitHead};

/// One random step: which command, who (or the plausible actor), when, and its data.
#[derive(Debug, Clone)]
struct Op {
    /// Take the next step of the normal path instead of `command` (keeps sequences from being
    /// absorbed by terminal states before they reach resolution).
    happy: bool,
    command: usize,
    actor: Option<usize>,
    gap_minutes: i64,
    step: usize,
    hours: i64,
    empty_text: bool,
}

fn op() -> impl Strategy<Value = Op> {
    (
        prop::bool::weighted(0.5),
        0usize..CommandKind::ALL.len(),
        prop_oneof![3 => Just(None), 1 => (0usize..8).prop_map(Some)],
        prop_oneof![4 => 0i64..240, 1 => 240i64..20_000, 1 => Just(-5)],
        0usize..6,
        -10i64..200,
        prop::bool::weighted(0.1),
    )
        .prop_map(
            |(happy, command, actor, gap_minutes, step, hours, empty_text)| Op {
                happy,
                command,
                actor,
                gap_minutes,
                step,
                hours,
                empty_text,
            },
        )
}

/// The next command on the normal path from this state.
fn happy_next(dossier: &Dossier) -> CommandKind {
    use DossierStatus as S;
    match (dossier.status, dossier.step) {
        (None, _) => CommandKind::Submit,
        (Some(S::Submitted), _) => CommandKind::Receive,
        (Some(S::SupplementRequested), _) => CommandKind::SupplementProvided,
        (Some(S::FinancialObligation), _) => CommandKind::ObligationPaid,
        (Some(S::Resolved), _) if dossier.result_tracking.is_some() => CommandKind::ConfirmDelivery,
        (Some(S::Resolved), _) if dossier.result_posted_at.is_some() => CommandKind::RecordShipment,
        (Some(S::Resolved), _) => CommandKind::ReturnResult,
        (Some(_), Some(2)) if !dossier.approved => CommandKind::Approve,
        (Some(_), Some(2)) if !dossier.signed => CommandKind::Sign,
        (Some(_), Some(3)) => CommandKind::Resolve,
        (Some(_), _) => CommandKind::Forward,
    }
}

/// The command kind and data an op stands for in this state.
fn pick(op: &Op, dossier: &Dossier) -> (CommandKind, Op) {
    if op.happy {
        let mut op = op.clone();
        op.step = 5;
        op.actor = None;
        op.empty_text = false;
        op.hours = op.hours.abs() + 1;
        (happy_next(dossier), op)
    } else {
        (CommandKind::ALL[op.command], op.clone())
    }
}

fn actors() -> [Actor; 8] {
    [
        citizen(),
        Actor::System,
        official(Reception),
        official(Specialist),
        official(UnitHead),
        official(Leader),
        official(Clerk),
        official(Admin),
    ]
}

/// The actor who would normally issue `kind` on this dossier.
fn plausible(kind: CommandKind, dossier: &Dossier) -> Actor {
    let step_role = dossier
        .step
        .and_then(|s| workflow().step(s).map(|step| step.role))
        .unwrap_or(Leader);
    match kind {
        CommandKind::Submit | CommandKind::SupplementProvided | CommandKind::Withdraw => citizen(),
        CommandKind::ObligationPaid
        | CommandKind::RecordShipment
        | CommandKind::ConfirmDelivery
        | CommandKind::RecordReturnToSender => Actor::System,
        CommandKind::Receive | CommandKind::Refuse | CommandKind::ReturnResult => {
            official(Reception)
        }
        CommandKind::RequestSupplement if dossier.appointment.is_none() => official(Reception),
        CommandKind::Extend | CommandKind::Stop => official(Leader),
        _ => official(step_role),
    }
}

fn build(
    kind: CommandKind,
    op: &Op,
    dossier: &Dossier,
    now: OffsetDateTime,
    serial: u32,
) -> Command {
    let text = |t: &str| {
        if op.empty_text {
            String::new()
        } else {
            t.to_owned()
        }
    };
    let after_now = now + Duration::hours(op.hours);
    let after_due = dossier
        .appointment
        .map_or(after_now, |a| a.due() + Duration::hours(op.hours));
    let to_step = if op.step == 5 {
        dossier.step.map_or(0, |s| s + 1)
    } else {
        op.step
    };
    match kind {
        CommandKind::Submit => Command::Submit { code: code(serial) },
        CommandKind::Receive => Command::Receive {
            due: after_now,
            code: dossier.code.is_none().then(|| code(serial)),
            assignee: None,
            postmark: None,
        },
        // Without a day, or by a day from the day before yesterday to a month ahead, so
        // both sides of "after today" are met.
        CommandKind::RequestSupplement => Command::RequestSupplement {
            missing: vec![text("Tờ khai")],
            reason: text("Thiếu"),
            due_by: (op.hours % 3 != 0).then(|| {
                (now.to_offset(crate::calendar::VIETNAM_OFFSET)
                    + Duration::hours(op.hours * 4 - 48))
                .date()
            }),
        },
        CommandKind::SupplementProvided => Command::SupplementProvided {
            new_due: dossier.paused_at.map(|_| after_due),
        },
        CommandKind::Refuse => Command::Refuse {
            reasons: vec![text("Không đủ điều kiện")],
        },
        CommandKind::Forward => Command::Forward {
            to_step,
            assignee: Some(1),
        },
        CommandKind::Return => Command::Return {
            to_step: dossier.step.map_or(0, |s| s.saturating_sub(1)),
            reason: text("Chưa đạt"),
            assignee: None,
        },
        CommandKind::Consult => Command::Consult {
            unit: text("Phòng Tư pháp"),
            question: text("?"),
        },
        CommandKind::Transfer => Command::Transfer {
            to_agency: AgencyCode::parse("000.00.00.H26").expect("valid"),
            reason: text("Liên thông"),
        },
        CommandKind::RequireFinancialObligation => Command::RequireFinancialObligation {
            description: text("Lệ phí"),
            amount_vnd: None,
        },
        CommandKind::ObligationPaid => Command::ObligationPaid { new_due: after_due },
        CommandKind::Approve => Command::Approve,
        CommandKind::Sign => Command::Sign,
        CommandKind::Resolve => Command::Resolve,
        // Mostly by post, so the operator's reports find parcels to talk about.
        CommandKind::ReturnResult => Command::ReturnResult {
            method: if op.hours % 4 == 1 {
                ReturnMethod::Counter
            } else {
                ReturnMethod::Post
            },
        },
        // The parcel's own tracking number, or (sometimes) another parcel's.
        CommandKind::RecordShipment => Command::RecordShipment {
            tracking_number: text(&format!("EB{serial:09}VN")),
            fee_vnd: op.hours * 1_000,
        },
        CommandKind::ConfirmDelivery => Command::ConfirmDelivery {
            tracking_number: tracking(op, dossier),
            delivered_at: now - Duration::minutes(op.gap_minutes * 3),
        },
        CommandKind::RecordReturnToSender => Command::RecordReturnToSender {
            tracking_number: tracking(op, dossier),
            note: text("Không phát được"),
        },
        CommandKind::Withdraw => Command::Withdraw {
            reason: text("Rút"),
        },
        CommandKind::Stop => Command::Stop {
            reason: text("Dừng"),
        },
        CommandKind::Extend => Command::Extend {
            new_due: after_due,
            reason: text("Xin lỗi"),
        },
    }
}

fn tracking(op: &Op, dossier: &Dossier) -> String {
    match &dossier.result_tracking {
        Some(tracking) if !op.empty_text => tracking.clone(),
        _ => "EB000000000VN".to_owned(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_command_sequences_keep_every_invariant(ops in prop::collection::vec(op(), 1..60)) {
        let workflow = workflow();
        let mut dossier = Dossier::draft(&workflow);
        let mut timeline: Vec<Event> = Vec::new();
        let mut now = T0;
        let mut accepted = 0usize;
        for (serial, op) in (1u32..).zip(&ops) {
            now += Duration::minutes(op.gap_minutes);
            let (kind, op) = pick(op, &dossier);
            let actor = match op.actor {
                Some(index) => actors()[index].clone(),
                None => plausible(kind, &dossier),
            };
            let command = build(kind, &op, &dossier, now, serial);
            let ctx = Context { workflow: &workflow, actor: &actor, now };
            match decide(&dossier, &command, &ctx) {
                Ok(decision) => {
                    prop_assert_eq!(decision.events.len(), 1);
                    if let Command::RequestSupplement { due_by, .. } = &command {
                        let recorded = decision.events[0].data.get("due_by").cloned();
                        prop_assert_eq!(recorded, due_by.map(|d| d.to_string()));
                        if let Some(due_by) = due_by {
                            prop_assert!(*due_by > now.to_offset(crate::calendar::VIETNAM_OFFSET).date());
                        }
                    }
                    if let Err(error) = decision.new_state.invariants(&workflow) {
                        return Err(TestCaseError::fail(format!(
                            "{error} after {command:?} by {actor:?} from {:?}",
                            dossier.status
                        )));
                    }
                    if let Some(status) = dossier.status {
                        prop_assert!(!status.is_terminal(), "left terminal state {:?}", status);
                    }
                    timeline.extend(decision.events);
                    dossier = decision.new_state;
                    accepted += 1;
                    prop_assert_eq!(dossier.head, verify_chain(&timeline).map_err(|e| TestCaseError::fail(e.to_string()))?);
                }
                Err(error) => {
                    prop_assert!(!error.as_str().is_empty());
                    if error == TransitionError::SupplementDueNotFuture {
                        let Command::RequestSupplement { due_by: Some(due_by), .. } = &command else {
                            return Err(TestCaseError::fail(format!("{error} for {command:?}")));
                        };
                        prop_assert!(*due_by <= now.to_offset(crate::calendar::VIETNAM_OFFSET).date());
                    }
                }
            }
        }
        prop_assert_eq!(timeline.len(), accepted);
        prop_assert_eq!(dossier.last_seq, u64::try_from(accepted).expect("small"));
        prop_assert_eq!(verify_chain(&timeline).map(|_| ()), Ok(()));
    }
}

/// The plausible-actor generator reaches the far states, so the property above exercises them.
#[test]
fn plausible_actors_drive_a_dossier_to_its_result() {
    let workflow = workflow();
    let mut dossier = Dossier::draft(&workflow);
    let plan = [
        CommandKind::Submit,
        CommandKind::Receive,
        CommandKind::Forward,
        CommandKind::Forward,
        CommandKind::Approve,
        CommandKind::Sign,
        CommandKind::Forward,
        CommandKind::Resolve,
        CommandKind::ReturnResult,
        CommandKind::RecordShipment,
        CommandKind::ConfirmDelivery,
    ];
    let op = Op {
        happy: false,
        command: 0,
        actor: None,
        gap_minutes: 10,
        step: 5,
        hours: 100,
        empty_text: false,
    };
    for (minute, kind) in (1i64..).zip(plan) {
        let now = T0 + Duration::minutes(minute * 10);
        let actor = plausible(kind, &dossier);
        let command = build(kind, &op, &dossier, now, 1);
        let ctx = Context {
            workflow: &workflow,
            actor: &actor,
            now,
        };
        dossier = decide(&dossier, &command, &ctx)
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"))
            .new_state;
    }
    assert_eq!(dossier.status, Some(DossierStatus::Returned));
}

/// The random sequences of the property above reach every national status, including the
/// supplement pause during processing and every postal report, so the invariants are checked
/// where they matter.
#[test]
fn random_sequences_reach_every_status() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use std::collections::BTreeSet;

    let workflow = workflow();
    let mut runner = TestRunner::deterministic();
    let strategy = prop::collection::vec(op(), 1..60);
    let mut reached = BTreeSet::new();
    let mut paused_in_processing = false;
    let mut postal = BTreeSet::new();
    // A day to supplement by is met on both sides of "after today".
    let (mut due_accepted, mut due_refused) = (false, false);
    for _ in 0..400 {
        let ops = strategy.new_tree(&mut runner).expect("generates").current();
        let mut dossier = Dossier::draft(&workflow);
        let mut now = T0;
        for (serial, op) in (1u32..).zip(&ops) {
            now += Duration::minutes(op.gap_minutes);
            let (kind, op) = pick(op, &dossier);
            let actor = op
                .actor
                .map_or_else(|| plausible(kind, &dossier), |i| actors()[i].clone());
            let command = build(kind, &op, &dossier, now, serial);
            let ctx = Context {
                workflow: &workflow,
                actor: &actor,
                now,
            };
            let outcome = decide(&dossier, &command, &ctx);
            if let Command::RequestSupplement {
                due_by: Some(_), ..
            } = &command
            {
                due_accepted |= outcome.is_ok();
                due_refused |= outcome == Err(TransitionError::SupplementDueNotFuture);
            }
            if let Ok(decision) = outcome {
                if matches!(
                    kind,
                    CommandKind::RecordShipment
                        | CommandKind::ConfirmDelivery
                        | CommandKind::RecordReturnToSender
                ) {
                    postal.insert(kind.as_str());
                }
                dossier = decision.new_state;
                if let Some(status) = dossier.status {
                    reached.insert(status.national_code());
                }
                paused_in_processing |= dossier.status == Some(DossierStatus::SupplementRequested)
                    && dossier.paused_at.is_some();
            }
        }
    }
    assert_eq!(reached.len(), 10, "reached only {reached:?}");
    assert!(paused_in_processing);
    assert_eq!(postal.len(), 3, "postal reports reached: {postal:?}");
    assert!(due_accepted && due_refused, "{due_accepted} {due_refused}");
}
