//! Workflows as data (validation, the JSON administrators edit) and the clock rules on a real
//! calendar: supplement during processing pauses and resumes, the one-time extension before
//! the due time, and the control-sheet timeliness of each step and of the dossier.

use time::OffsetDateTime;
use time::macros::{date, datetime};

use super::*;
use crate::authz::Role::{Clerk, Leader, Reception, Specialist, UnitHead};
use crate::calendar::{OpenStatus, Timeliness};
use crate::dossier::DossierStatus as S;

fn problems(workflow: &Workflow) -> Vec<&'static str> {
    match workflow.validate() {
        Ok(()) => Vec::new(),
        Err(found) => found.iter().map(WorkflowProblem::as_str).collect(),
    }
}

#[test]
fn the_fixture_workflow_is_valid_and_signs() {
    assert_eq!(problems(&workflow()), Vec::<&str>::new());
    assert!(workflow().requires_signature());
}

#[test]
fn each_problem_points_at_the_step_and_part_to_fix() {
    let mut broken = workflow();
    broken.steps[1].id = broken.steps[0].id.clone();
    broken.steps[2].allowance = ProcessingTime::WorkingDays(0);
    broken.steps[0].actions.push(StepAction::Return);
    let found = broken.validate().expect_err("broken");
    let located: Vec<_> = found
        .iter()
        .map(|p| (p.as_str(), p.location(&broken)))
        .collect();
    assert!(
        located.contains(&("workflow-duplicate-step-id", Some((1, "id")))),
        "{located:?}"
    );
    assert!(
        located.contains(&("workflow-zero-allowance", Some((2, "allowance")))),
        "{located:?}"
    );
    assert!(
        located.contains(&("workflow-return-from-first", Some((0, "actions")))),
        "{located:?}"
    );
    let empty = Workflow {
        id: "x".into(),
        version: 1,
        steps: vec![],
    };
    assert_eq!(WorkflowProblem::NoSteps.location(&empty), None);
}

#[test]
fn validation_lists_every_problem() {
    assert_eq!(
        problems(&Workflow {
            id: "x".into(),
            version: 1,
            steps: vec![]
        }),
        ["workflow-no-steps"]
    );
    let mut broken = workflow();
    broken.steps[0].actions.push(StepAction::Return);
    broken.steps[0].actions.push(StepAction::Consult);
    broken.steps[1].id = "phan-cong".into();
    broken.steps[2].actions = vec![StepAction::Return];
    broken.steps[2].role = Reception;
    broken.steps[3].actions = vec![StepAction::Forward];
    broken.steps[3].allowance = ProcessingTime::WorkingHours(0);
    broken.steps.push(WorkflowStep {
        id: " ".into(),
        ..broken.steps[3].clone()
    });
    let found = problems(&broken);
    for expected in [
        "workflow-return-from-first",
        "workflow-duplicate-action",
        "workflow-duplicate-step-id",
        "workflow-role-cannot-act",
        "workflow-dead-end",
        "workflow-forward-from-last",
        "workflow-last-step-cannot-finish",
        "workflow-zero-allowance",
        "workflow-empty-step-id",
        "workflow-no-approval",
    ] {
        assert!(
            found.contains(&expected),
            "{expected} missing from {found:?}"
        );
    }
}

#[test]
fn workflows_are_the_json_administrators_edit() {
    let json = r#"{
        "id": "2.000635", "version": 1,
        "steps": [
            {"id": "tham-dinh", "name": "Thẩm định", "role": "specialist", "unit_ref": "phong-tu-phap",
             "allowance": {"unit": "working_hours", "value": 12}, "actions": ["forward", "consult"]},
            {"id": "ky", "name": "Phê duyệt, ký", "role": "leader",
             "allowance": {"unit": "working_days", "value": 1}, "actions": ["return", "approve", "sign", "return_to_desk"]}
        ]
    }"#;
    let workflow: Workflow = serde_json::from_str(json).expect("the documented format parses");
    assert_eq!(workflow.validate(), Ok(()));
    assert_eq!(workflow.steps[0].role, Specialist);
    assert_eq!(workflow.steps[1].allowance, ProcessingTime::WorkingDays(1));
    let again: Workflow =
        serde_json::from_str(&serde_json::to_string(&workflow).expect("serialises"))
            .expect("round trips");
    assert_eq!(again, workflow);
    let typo = json.replace("\"unit_ref\"", "\"unit\"");
    assert!(
        serde_json::from_str::<Workflow>(&typo).is_err(),
        "unknown fields are refused"
    );
}

fn lifecycle_start() -> (Run, OffsetDateTime) {
    let mut run = Run::new();
    let received_at = datetime!(2026-11-25 09:00 +7);
    let due = calendar()
        .due(received_at, ProcessingTime::WorkingDays(5))
        .expect("supported");
    let steps: [(Actor, Command, OffsetDateTime); 3] = [
        (
            citizen(),
            Command::Submit { code: code(3) },
            datetime!(2026-11-25 08:30 +7),
        ),
        (
            official(Reception),
            Command::Receive {
                due,
                code: None,
                assignee: None,
                postmark: None,
            },
            received_at,
        ),
        (
            official(UnitHead),
            forward(1),
            datetime!(2026-11-25 10:00 +7),
        ),
    ];
    for (actor, command, now) in steps {
        run.try_at(&actor, command, now).expect("accepted");
    }
    (run, due)
}

#[test]
fn supplement_during_processing_pauses_the_clock_and_resumes_it() {
    let calendar = calendar();
    let (mut run, due) = lifecycle_start();
    assert_eq!(
        due,
        datetime!(2026-12-02 09:00 +7),
        "5 working days from Wednesday 09:00"
    );

    let paused_at = datetime!(2026-11-26 10:00 +7);
    run.try_at(&official(Specialist), supplement(), paused_at)
        .expect("the specialist asks for a paper");
    assert_eq!(run.status(), Some(S::SupplementRequested));
    assert_eq!(run.dossier.paused_at, Some(paused_at));
    assert_eq!(run.dossier.step, Some(1), "the dossier stays at its step");
    run.dossier
        .invariants(&workflow())
        .expect("paused state is valid");

    // Back on Monday 10:00: Thursday 5 h + Friday 8 h + Monday 3 h = 16 working hours paused.
    let resumed_at = datetime!(2026-11-30 10:00 +7);
    let new_due = calendar
        .resume(due, paused_at, resumed_at)
        .expect("supported");
    assert_eq!(new_due, datetime!(2026-12-04 09:00 +7));
    run.try_at(
        &citizen(),
        Command::SupplementProvided {
            new_due: Some(new_due),
        },
        resumed_at,
    )
    .expect("the citizen supplies it");
    let appointment = run.dossier.appointment.expect("kept");
    assert_eq!(run.status(), Some(S::InProcessing));
    assert_eq!(appointment.due(), new_due);
    assert_eq!(
        appointment.original_due(),
        due,
        "the receipt's date is kept"
    );
    assert_eq!(run.dossier.paused_at, None);
    let visit = run.dossier.current_visit().expect("still at the step");
    assert_eq!(visit.pauses, vec![(paused_at, resumed_at)]);
    run.dossier
        .invariants(&workflow())
        .expect("resumed state is valid");
}

#[test]
fn extension_is_allowed_once_and_only_before_the_due_time() {
    let calendar = calendar();
    let (run, due) = lifecycle_start();
    let new_due = calendar
        .closing_on(date!(2026 - 12 - 09))
        .expect("a working Wednesday");
    let extend = |new_due| Command::Extend {
        new_due,
        reason: "Cần lấy ý kiến cơ quan khác".into(),
    };

    let mut late = run.clone();
    let refused = late.try_at(&official(Leader), extend(new_due), due);
    assert_eq!(
        refused.map_err(|e| e.as_str()),
        Err("dossier-extension-past-due")
    );

    let mut ok = run.clone();
    let day_before = datetime!(2026-12-01 16:00 +7);
    ok.try_at(&official(Leader), extend(new_due), day_before)
        .expect("before the due time");
    let appointment = ok.dossier.appointment.expect("kept");
    assert!(appointment.is_extended());
    assert_eq!(
        (appointment.original_due(), appointment.due()),
        (due, new_due)
    );
    assert_eq!(ok.events.last().map(|e| e.kind), Some(CommandKind::Extend));

    let later = calendar
        .closing_on(date!(2026 - 12 - 10))
        .expect("working day");
    let again = ok.try_at(
        &official(Leader),
        extend(later),
        datetime!(2026-12-02 08:00 +7),
    );
    assert_eq!(
        again.map_err(|e| e.as_str()),
        Err("dossier-extension-already-used")
    );

    // A pause after the extension keeps the "extended once" mark.
    let paused_at = datetime!(2026-12-02 09:00 +7);
    ok.try_at(&official(Specialist), supplement(), paused_at)
        .expect("pause");
    let resumed_at = datetime!(2026-12-03 09:00 +7);
    let moved = calendar
        .resume(new_due, paused_at, resumed_at)
        .expect("supported");
    ok.try_at(
        &citizen(),
        Command::SupplementProvided {
            new_due: Some(moved),
        },
        resumed_at,
    )
    .expect("resume");
    assert!(ok.dossier.appointment.is_some_and(|a| a.is_extended()));
    let third = ok.try_at(
        &official(Leader),
        extend(later),
        datetime!(2026-12-03 10:00 +7),
    );
    assert_eq!(
        third.map_err(|e| e.as_str()),
        Err("dossier-extension-already-used")
    );
}

#[test]
fn control_sheet_judges_each_step_and_the_dossier() {
    let calendar = calendar();
    let (mut run, due) = lifecycle_start();
    let paused_at = datetime!(2026-11-26 10:00 +7);
    let resumed_at = datetime!(2026-11-30 10:00 +7);
    let new_due = calendar
        .resume(due, paused_at, resumed_at)
        .expect("supported");
    let steps: Vec<(Actor, Command, OffsetDateTime)> = vec![
        (official(Specialist), supplement(), paused_at),
        (
            citizen(),
            Command::SupplementProvided {
                new_due: Some(new_due),
            },
            resumed_at,
        ),
        (
            official(Specialist),
            forward(2),
            datetime!(2026-12-01 09:00 +7),
        ),
    ];
    for (actor, command, now) in steps {
        run.try_at(&actor, command, now).expect("accepted");
    }

    let open = control_sheet(
        &run.dossier,
        &workflow(),
        &calendar,
        datetime!(2026-12-01 10:00 +7),
    )
    .expect("supported");
    let judgements: Vec<Judgement> = open.rows.iter().map(|r| r.judgement).collect();
    assert_eq!(
        judgements,
        [
            Judgement::Finished(Timeliness::OnTime),
            Judgement::Finished(Timeliness::OnTime),
            Judgement::Open(OpenStatus::DueSoon),
        ]
    );
    assert_eq!(
        open.rows[1].due,
        datetime!(2026-12-01 10:00 +7),
        "16 h allowance + 16 h pause"
    );
    assert_eq!(open.overall, Some(Judgement::Open(OpenStatus::InTime)));

    let steps: Vec<(Actor, Command, OffsetDateTime)> = vec![
        (
            official(Leader),
            Command::Approve,
            datetime!(2026-12-03 08:00 +7),
        ),
        (
            official(Leader),
            Command::Sign,
            datetime!(2026-12-03 08:05 +7),
        ),
        (official(Leader), forward(3), datetime!(2026-12-03 08:10 +7)),
        (
            official(Clerk),
            Command::Resolve,
            datetime!(2026-12-03 09:00 +7),
        ),
    ];
    for (actor, command, now) in steps {
        run.try_at(&actor, command, now).expect("accepted");
    }
    let done = control_sheet(
        &run.dossier,
        &workflow(),
        &calendar,
        datetime!(2026-12-03 09:00 +7),
    )
    .expect("supported");
    let judgements: Vec<Judgement> = done.rows.iter().map(|r| r.judgement).collect();
    assert_eq!(
        judgements,
        [
            Judgement::Finished(Timeliness::OnTime),
            Judgement::Finished(Timeliness::OnTime),
            Judgement::Finished(Timeliness::Late),
            Judgement::Finished(Timeliness::OnTime),
        ]
    );
    assert_eq!(done.rows[2].step_id, "phe-duyet");
    assert_eq!(done.overall, Some(Judgement::Finished(Timeliness::Early)));
    let resolve = run.events.last().expect("resolved");
    assert_eq!(
        resolve.data.get("timeliness").map(String::as_str),
        Some("early")
    );
    run.dossier
        .invariants(&workflow())
        .expect("resolved state is valid");

    let stopped =
        control_sheet(&stopped().dossier, &workflow(), &calendar, run.now()).expect("supported");
    assert_eq!(
        stopped.overall, None,
        "no judgement for a dossier ended without result"
    );
}
