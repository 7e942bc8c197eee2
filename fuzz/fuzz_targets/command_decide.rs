//! Commands as they arrive in API bodies (`{"command": "forward", …}`), deserialised and
//! decided against dossiers in every kind of state by every kind of actor. Never panics; a
//! command that deserialises serialises back to the same; an accepted command yields exactly
//! one event chained onto the dossier's head and a state that keeps every invariant (a supplement
//! request's day to supplement by is after the Vietnamese today and recorded); a refused
//! one changes nothing (the state is only ever replaced by an accepted decision).
#![no_main]

use libfuzzer_sys::fuzz_target;
use motcua_domain::authz::Role;
use motcua_domain::calendar::{ProcessingTime, VIETNAM_OFFSET};
use motcua_domain::dossier::{
    Actor, Command, Context, Dossier, DossierCode, Event, ReturnMethod, StepAction, Workflow,
    WorkflowStep, decide, verify_chain,
};
use motcua_domain::org::AgencyCode;
use std::sync::OnceLock;
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};

const T0: OffsetDateTime = datetime!(2026-11-25 08:00 +7);

fn workflow() -> Workflow {
    let step = |id: &str, role, actions: Vec<StepAction>| WorkflowStep {
        id: id.into(),
        name: id.into(),
        role,
        unit_ref: None,
        allowance: ProcessingTime::WorkingHours(8),
        actions,
    };
    use StepAction::*;
    Workflow {
        id: "1.001193".into(),
        version: 1,
        steps: vec![
            step("tham-dinh", Role::Specialist, vec![Forward, Consult, Transfer]),
            step("kiem-tra", Role::UnitHead, vec![Forward, Return]),
            step("phe-duyet", Role::Leader, vec![Approve, Sign, Return, ReturnToDesk]),
        ],
    }
}

fn actors() -> Vec<Actor> {
    let official = |official_id, role| Actor::Official { official_id, role };
    vec![
        Actor::Citizen { citizen_id: 7 },
        Actor::Citizen { citizen_id: 8 },
        Actor::System,
        official(1, Role::Reception),
        official(2, Role::Specialist),
        official(3, Role::UnitHead),
        official(4, Role::Leader),
        official(5, Role::Clerk),
        official(6, Role::Admin),
        official(7, Role::Inspector),
    ]
}

/// Dossiers in many states, each with the timeline that led there.
fn states() -> &'static [(Dossier, Vec<Event>)] {
    static STATES: OnceLock<Vec<(Dossier, Vec<Event>)>> = OnceLock::new();
    STATES.get_or_init(|| {
        let workflow = workflow();
        let code = DossierCode::new(
            AgencyCode::parse("000.00.30.H13").expect("agency"),
            date!(2026 - 11 - 25),
            1,
        )
        .expect("code");
        let citizen = Actor::Citizen { citizen_id: 7 };
        let reception = Actor::Official { official_id: 1, role: Role::Reception };
        let specialist = Actor::Official { official_id: 2, role: Role::Specialist };
        let unit_head = Actor::Official { official_id: 3, role: Role::UnitHead };
        let leader = Actor::Official { official_id: 4, role: Role::Leader };
        let due = T0 + Duration::days(10);
        let paths: Vec<Vec<(Actor, Command)>> = vec![
            vec![],
            vec![(citizen.clone(), Command::Submit { code: code.clone() })],
            vec![
                (citizen.clone(), Command::Submit { code: code.clone() }),
                (reception.clone(), Command::Receive { due, code: None, assignee: None, postmark: None }),
            ],
            vec![
                (citizen.clone(), Command::Submit { code: code.clone() }),
                (reception.clone(), Command::Receive { due, code: None, assignee: None, postmark: None }),
                (specialist.clone(), Command::Forward { to_step: 1, assignee: None }),
            ],
            vec![
                (citizen.clone(), Command::Submit { code: code.clone() }),
                (reception.clone(), Command::Receive { due, code: None, assignee: None, postmark: None }),
                (specialist.clone(), Command::Forward { to_step: 1, assignee: None }),
                (unit_head.clone(), Command::Forward { to_step: 2, assignee: None }),
                (leader.clone(), Command::Approve),
                (leader.clone(), Command::Sign),
            ],
            vec![
                (citizen.clone(), Command::Submit { code: code.clone() }),
                (reception.clone(), Command::Receive { due, code: None, assignee: None, postmark: None }),
                (specialist.clone(), Command::Forward { to_step: 1, assignee: None }),
                (unit_head.clone(), Command::Forward { to_step: 2, assignee: None }),
                (leader.clone(), Command::Approve),
                (leader.clone(), Command::Sign),
                (leader.clone(), Command::Resolve),
            ],
            // The result in the post (status 9, a parcel travelling): the postal operator's
            // reports (shipment, delivery, return to sender) meet a posted result.
            vec![
                (citizen.clone(), Command::Submit { code: code.clone() }),
                (reception.clone(), Command::Receive { due, code: None, assignee: None, postmark: None }),
                (specialist.clone(), Command::Forward { to_step: 1, assignee: None }),
                (unit_head.clone(), Command::Forward { to_step: 2, assignee: None }),
                (leader.clone(), Command::Approve),
                (leader.clone(), Command::Sign),
                (leader.clone(), Command::Resolve),
                (reception.clone(), Command::ReturnResult { method: ReturnMethod::Post }),
            ],
            vec![
                (citizen.clone(), Command::Submit { code: code.clone() }),
                (reception.clone(), Command::Receive { due, code: None, assignee: None, postmark: None }),
                (specialist.clone(), Command::Forward { to_step: 1, assignee: None }),
                (unit_head.clone(), Command::Forward { to_step: 2, assignee: None }),
                (leader.clone(), Command::Approve),
                (leader.clone(), Command::Sign),
                (leader.clone(), Command::Resolve),
                (reception.clone(), Command::ReturnResult { method: ReturnMethod::Post }),
                (
                    Actor::System,
                    Command::RecordShipment { tracking_number: "EL123456785VN".into(), fee_vnd: 15_000 },
                ),
            ],
            vec![
                (citizen.clone(), Command::Submit { code: code.clone() }),
                (reception.clone(), Command::Receive { due, code: None, assignee: None, postmark: None }),
                (
                    specialist.clone(),
                    Command::RequestSupplement {
                        missing: vec!["Tờ khai".into()],
                        reason: "Thiếu".into(),
                        due_by: Some(date!(2026 - 12 - 10)),
                    },
                ),
            ],
            vec![
                (citizen.clone(), Command::Submit { code: code.clone() }),
                (
                    reception.clone(),
                    Command::RequestSupplement { missing: vec!["Tờ khai".into()], reason: "Thiếu".into(), due_by: None },
                ),
            ],
            vec![
                (citizen.clone(), Command::Submit { code: code.clone() }),
                (reception.clone(), Command::Receive { due, code: None, assignee: None, postmark: None }),
                (
                    specialist.clone(),
                    Command::RequireFinancialObligation {
                        description: "Lệ phí".into(),
                        amount_vnd: Some(8_000),
                    },
                ),
            ],
        ];
        paths
            .into_iter()
            .map(|path| {
                let mut state = Dossier::draft(&workflow);
                let mut events = Vec::new();
                for (minutes, (actor, command)) in (1i64..).zip(path) {
                    let ctx = Context { workflow: &workflow, actor: &actor, now: T0 + Duration::minutes(minutes * 30) };
                    let decision = decide(&state, &command, &ctx).expect("fixture path");
                    state = decision.new_state;
                    events.extend(decision.events);
                }
                (state, events)
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let [state_pick, actor_pick, hours, rest @ ..] = data else {
        return;
    };
    let Ok(command) = serde_json::from_slice::<Command>(rest) else {
        return;
    };
    let text = serde_json::to_string(&command).expect("a command serialises");
    let again: Command = serde_json::from_str(&text).expect("a serialised command parses");
    assert_eq!(again, command);

    let workflow = workflow();
    let states = states();
    let (state, events) = &states[usize::from(*state_pick) % states.len()];
    let actors = actors();
    let actor = &actors[usize::from(*actor_pick) % actors.len()];
    let now = T0 + Duration::hours(i64::from(*hours)) - Duration::hours(8);
    let before = state.clone();
    let ctx = Context { workflow: &workflow, actor, now };
    match decide(state, &command, &ctx) {
        Ok(decision) => {
            assert_eq!(decision.events.len(), 1, "one event per accepted command");
            let next = &decision.new_state;
            next.invariants(&workflow)
                .unwrap_or_else(|e| panic!("{command:?} by {actor:?} broke an invariant: {e:?}"));
            assert_eq!(next.last_seq, state.last_seq + 1);
            let mut timeline = events.clone();
            timeline.extend(decision.events.iter().cloned());
            let head = verify_chain(&timeline).expect("the timeline verifies");
            assert_eq!(head, next.head);
            // Hạn bổ sung: after the Vietnamese today, and recorded as an ISO date.
            if let Command::RequestSupplement { due_by, .. } = &command {
                let recorded = decision.events[0].data.get("due_by");
                assert_eq!(recorded.cloned(), due_by.map(|d| d.to_string()));
                if let Some(due_by) = due_by {
                    assert!(*due_by > now.to_offset(VIETNAM_OFFSET).date(), "{due_by} accepted at {now}");
                }
            }
        }
        Err(_) => assert_eq!(*state, before),
    }
});
