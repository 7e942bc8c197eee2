//! Property, through the use cases and on both databases: random sequences of actions by
//! random actors (the applicant, another citizen, the ward's reception desk, specialist, unit
//! head and chairman, officials of another commune) against a submitted dossier never leave
//! it in an invalid state, never lose an event, and a refused action changes nothing.
//!
//! After every action the stored dossier is read back and checked: its snapshot keeps the
//! domain's invariants, the indexed columns agree with it (status 1–10, step role, due time),
//! it holds exactly one event per accepted action, the timeline verifies and ends at the
//! stored head. The clock is the test's own, moving forward by random amounts, so deadlines,
//! extensions and pauses are exercised too. Case counts stay small: one database per backend
//! and a new dossier per case keep the whole test well under a minute per database.

use motcua_app::dossiers::Submission;
use motcua_app::test_support::{citizen, official};
use motcua_app::{Actor, App, AppError, AppSettings};
use motcua_domain::dossier::{Command, DossierStatus, ReturnMethod, verify_chain};
use motcua_store::Backend;
use motcua_store::dossiers::DossierRow;
use motcua_store::test_support::TestDatabase;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use time::OffsetDateTime;
use time::macros::datetime;

/// Who acts.
#[derive(Debug, Clone, Copy)]
enum Who {
    Applicant,
    OtherCitizen,
    Reception,
    Specialist,
    UnitHead,
    Chairman,
    OtherReception,
    OtherSpecialist,
}

const WHO: [Who; 8] = [
    Who::Applicant,
    Who::OtherCitizen,
    Who::Reception,
    Who::Specialist,
    Who::UnitHead,
    Who::Chairman,
    Who::OtherReception,
    Who::OtherSpecialist,
];

/// What is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum What {
    Submit,
    Receive,
    Forward,
    Return,
    RequestSupplement,
    ProvideSupplement,
    Approve,
    Sign,
    Resolve,
    ReturnResult,
    Withdraw,
    Stop,
    Extend,
    Refuse,
}

const WHAT: [What; 14] = [
    What::Submit,
    What::Receive,
    What::Forward,
    What::Return,
    What::RequestSupplement,
    What::ProvideSupplement,
    What::Approve,
    What::Sign,
    What::Resolve,
    What::ReturnResult,
    What::Withdraw,
    What::Stop,
    What::Extend,
    What::Refuse,
];

#[derive(Debug, Clone)]
struct Op {
    what: usize,
    who: usize,
    /// Let the actor who would normally act do it (keeps sequences moving forward).
    plausible: bool,
    minutes: i64,
    to_step: usize,
    empty_text: bool,
}

fn op() -> impl Strategy<Value = Op> {
    (
        0..WHAT.len(),
        0..WHO.len(),
        prop::bool::weighted(0.6),
        prop_oneof![3 => 1i64..240, 1 => 240i64..8_000],
        0usize..3,
        prop::bool::weighted(0.1),
    )
        .prop_map(|(what, who, plausible, minutes, to_step, empty_text)| Op {
            what,
            who,
            plausible,
            minutes,
            to_step,
            empty_text,
        })
}

/// The action on the normal path from this state, and who takes it.
fn next_on_path(row: &DossierRow, approved: bool, signed: bool) -> (What, Who) {
    match (row.status_code, row.step_role.as_deref()) {
        (Some(1), _) => (What::Receive, Who::Reception),
        (Some(5), _) => (What::ProvideSupplement, Who::Applicant),
        (Some(9), _) => (What::ReturnResult, Who::Reception),
        (Some(2 | 4), Some("specialist")) => (What::Forward, Who::Specialist),
        (Some(2 | 4), Some("leader")) if !approved => (What::Approve, Who::Chairman),
        (Some(2 | 4), Some("leader")) if !signed => (What::Sign, Who::Chairman),
        (Some(2 | 4), Some("leader")) => (What::Resolve, Who::Chairman),
        _ => (What::Submit, Who::Applicant),
    }
}

struct World {
    app: App,
    store: motcua_store::Store,
    clock: Arc<AtomicI64>,
    actors: Vec<Actor>,
    submission: Submission,
}

impl World {
    fn actor(&self, who: Who) -> &Actor {
        // `actors` is built in the order of `WHO`.
        &self.actors[who as usize]
    }
}

async fn world(db: &TestDatabase) -> World {
    let start = datetime!(2026-11-25 08:00 +7).unix_timestamp();
    let clock = Arc::new(AtomicI64::new(start));
    let reading = clock.clone();
    let app = App::new(db.store.clone(), AppSettings::default()).with_clock(Arc::new(move || {
        OffsetDateTime::from_unix_timestamp(reading.load(Ordering::SeqCst))
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }));
    app.load_demo().await.expect("demo");
    let actors = vec![
        citizen(&app, "092095001234").await,
        citizen(&app, "092196005678").await,
        official(&app, "tiepnhan.ninhkieu").await,
        official(&app, "chuyenvien.ninhkieu").await,
        official(&app, "truongphong.ninhkieu").await,
        official(&app, "chutich.ninhkieu").await,
        official(&app, "tiepnhan.trunghung").await,
        official(&app, "chuyenvien.trunghung").await,
    ];
    let form = serde_json::from_str(motcua_app::demo::DEMO_BIRTH_FORM).expect("demo form");
    World {
        app,
        store: db.store.clone(),
        clock,
        actors,
        submission: Submission {
            procedure_code: "1.001193".into(),
            agency_code: "000.00.30.H13".into(),
            form,
            attachments: Vec::new(),
            delivery: Default::default(),
            postal: Default::default(),
        },
    }
}

fn command(what: What, op: &Op, row: &DossierRow) -> Command {
    let text = |t: &str| {
        if op.empty_text {
            String::new()
        } else {
            t.to_owned()
        }
    };
    let state = row.dossier().expect("state");
    let due = state
        .appointment
        .map_or(OffsetDateTime::UNIX_EPOCH, |a| a.due());
    match what {
        What::Submit => Command::Submit {
            code: state.code.clone().unwrap_or_else(|| {
                motcua_domain::dossier::DossierCode::parse("000.00.30.H13-261125-9999")
                    .expect("code")
            }),
        },
        What::Receive => Command::Receive {
            due: due + time::Duration::days(5),
            code: None,
            assignee: None,
            postmark: None,
        },
        What::Forward => Command::Forward {
            to_step: if op.plausible {
                state.step.map_or(1, |s| s + 1)
            } else {
                op.to_step
            },
            assignee: None,
        },
        What::Return => Command::Return {
            to_step: op.to_step,
            reason: text("Cần thẩm định lại"),
            assignee: None,
        },
        What::RequestSupplement => Command::RequestSupplement {
            missing: vec![text("Giấy chứng sinh")],
            reason: text("Thiếu giấy tờ"),
            due_by: None,
        },
        What::ProvideSupplement => Command::SupplementProvided { new_due: None },
        What::Approve => Command::Approve,
        What::Sign => Command::Sign,
        What::Resolve => Command::Resolve,
        What::ReturnResult => Command::ReturnResult {
            method: ReturnMethod::Counter,
        },
        What::Withdraw => Command::Withdraw {
            reason: text("Không có nhu cầu"),
        },
        What::Stop => Command::Stop {
            reason: text("Đề nghị dừng"),
        },
        What::Extend => Command::Extend {
            new_due: due + time::Duration::days(3),
            reason: text("Cần xác minh thêm"),
        },
        What::Refuse => Command::Refuse {
            reasons: vec![text("Không thuộc thẩm quyền")],
        },
    }
}

/// The stored dossier is valid and its timeline complete: `accepted` events, chained to the
/// stored head; the indexed columns agree with the snapshot.
async fn check(world: &World, id: i64, accepted: usize) -> Result<DossierRow, TestCaseError> {
    let app = &world.app;
    let row = world.store.get_dossier(id).await.expect("dossier");
    let state = row.dossier().expect("state decodes");
    let workflow = app
        .workflow(&row.procedure_code, Some(row.workflow_version))
        .await
        .expect("workflow");
    prop_assert!(
        state.invariants(&workflow).is_ok(),
        "invariant broken: {:?} in {state:?}",
        state.invariants(&workflow)
    );
    prop_assert_eq!(
        row.status_code,
        state
            .status
            .map(|s| i64::from(DossierStatus::national_code(s)))
    );
    prop_assert!(matches!(row.status_code, Some(1..=10)));
    prop_assert_eq!(
        row.step_role.clone(),
        state
            .step
            .and_then(|s| workflow.steps.get(s))
            .map(|s| s.role.as_str().to_owned())
    );
    prop_assert_eq!(
        row.due_at,
        state.appointment.map(|a| motcua_store::micros(a.due()))
    );
    prop_assert_eq!(row.last_seq, i64::try_from(accepted).unwrap_or(-1));
    let events: Vec<_> = world
        .store
        .dossier_events(id)
        .await
        .expect("events")
        .iter()
        .map(|e| e.event().expect("event decodes"))
        .collect();
    prop_assert_eq!(events.len(), accepted, "one event per accepted action");
    let head = verify_chain(&events).map_err(|e| TestCaseError::fail(format!("{e}")))?;
    prop_assert_eq!(head, state.head);
    prop_assert_eq!(motcua_domain::dossier::to_hex(&head), row.head.clone());
    Ok(row)
}

async fn case(world: &World, ops: &[Op]) -> Result<(), TestCaseError> {
    let app = &world.app;
    let applicant = world.actor(Who::Applicant);
    let submitted = app
        .submit_dossier(applicant, &world.submission)
        .await
        .map_err(|e| TestCaseError::fail(format!("submit: {e}")))?;
    let id = submitted.id;
    let mut accepted = 1;
    let mut row = check(world, id, accepted).await?;
    for op in ops {
        world.clock.fetch_add(op.minutes * 60, Ordering::SeqCst);
        let state = row.dossier().expect("state");
        let (what, who) = if op.plausible {
            next_on_path(&row, state.approved, state.signed)
        } else {
            (WHAT[op.what], WHO[op.who])
        };
        let actor = world.actor(who);
        let outcome = match what {
            What::Receive => app.receive_dossier(actor, id).await,
            _ => app.act_on_dossier(actor, id, command(what, op, &row)).await,
        };
        match outcome {
            Ok(_) => accepted += 1,
            Err(AppError::Internal(error)) => {
                return Err(TestCaseError::fail(format!(
                    "{what:?} by {who:?}: internal error {error:#}"
                )));
            }
            Err(_) => {
                let after = world.store.get_dossier(id).await.expect("dossier");
                prop_assert_eq!(
                    &after.state,
                    &row.state,
                    "a refused action changed the state"
                );
                prop_assert_eq!(after.last_seq, row.last_seq);
                prop_assert_eq!(after.updated_at, row.updated_at);
            }
        }
        row = check(world, id, accepted).await?;
    }
    Ok(())
}

fn property(backend: Backend) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let db = runtime.block_on(TestDatabase::new(backend));
    let world = runtime.block_on(world(&db));
    let mut runner = TestRunner::new(Config {
        cases: 40,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&prop::collection::vec(op(), 1..14), |ops| {
        runtime.block_on(case(&world, &ops))
    });
    runtime.block_on(db.cleanup());
    if let Err(error) = result {
        panic!("{error}");
    }
}

#[test]
fn random_actions_keep_dossiers_valid_and_complete_on_sqlite() {
    property(Backend::Sqlite);
}

#[test]
fn random_actions_keep_dossiers_valid_and_complete_on_postgres() {
    property(Backend::Postgres);
}
