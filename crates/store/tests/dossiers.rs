//! Dossier storage on both databases: gap-free numbering under concurrency, state round trips,
//! optimistic concurrency, the event chain, and the work-queue filters.

use motcua_domain::authz::Role;
use motcua_domain::calendar::ProcessingTime;
use motcua_domain::dossier::*;
use motcua_domain::org::AgencyCode;
use motcua_store::dossiers::{DossierFilter, NewDossier};
use motcua_store::org::OrgUnitInput;
use motcua_store::test_support::TestDatabase;
use motcua_store::{Backend, Store, StoreError};
use time::macros::{date, datetime};

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $name() { super::run(motcua_store::Backend::Sqlite, super::$name).await } )* }
        mod postgres { $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $name() { super::run(motcua_store::Backend::Postgres, super::$name).await } )* }
    };
}

contract!(
    numbers_are_gap_free_and_unique_under_concurrent_receptions,
    a_rolled_back_reception_gives_its_number_back,
    dossier_state_and_timeline_round_trip,
    a_stale_update_is_refused,
    work_queues_filter_by_jurisdiction_status_and_due_time,
    applicants_are_found_by_the_starts_of_their_names,
    workflows_are_versioned,
);

async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let db = TestDatabase::new(backend).await;
    test(db.store.clone()).await;
    db.cleanup().await;
}

fn workflow() -> Workflow {
    let step = |id: &str, role, actions: Vec<StepAction>| WorkflowStep {
        id: id.into(),
        name: id.into(),
        role,
        unit_ref: None,
        allowance: ProcessingTime::WorkingHours(8),
        actions,
    };
    Workflow {
        id: "1.001193".into(),
        version: 1,
        steps: vec![
            step("tham-dinh", Role::Specialist, vec![StepAction::Forward]),
            step(
                "phe-duyet",
                Role::Leader,
                vec![StepAction::Approve, StepAction::ReturnToDesk],
            ),
        ],
    }
}

fn roles(workflow: &Workflow) -> Vec<Role> {
    workflow.steps.iter().map(|s| s.role).collect()
}

async fn agency(store: &Store, name: &str, code: &str, parent: Option<i64>) -> (i64, String) {
    let mut tx = store.begin().await.expect("begin");
    let unit = tx
        .insert_unit(
            &OrgUnitInput {
                parent_id: parent,
                kind: "agency".into(),
                level: "commune".into(),
                name: name.into(),
                short_name: None,
                code: Some(code.into()),
                address: None,
                phone: None,
                email: None,
                sort_order: 0,
            },
            1,
        )
        .await
        .expect("unit");
    tx.commit().await.expect("commit");
    (unit.id, unit.path)
}

fn new_dossier(agency_id: i64, agency_path: &str) -> NewDossier {
    NewDossier {
        procedure_code: "1.001193".into(),
        procedure_version: 1,
        agency_id,
        agency_path: agency_path.into(),
        citizen_id: None,
        applicant_name: "Nguyễn Văn Hậu".into(),
        applicant_personal_id: Some("092095001234".into()),
        channel: "online".into(),
        form: "{}".into(),
        delivery_method: "counter".into(),
        delivery_address: None,
        contact_phone: None,
    }
}

async fn numbers_are_gap_free_and_unique_under_concurrent_receptions(store: Store) {
    let mut tasks = Vec::new();
    for _ in 0..24 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = store.begin().await.expect("begin");
            let number = tx
                .next_dossier_number("000.00.30.H13", "2026-11-24")
                .await
                .expect("number");
            tx.commit().await.expect("commit");
            number
        }));
    }
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(task.await.expect("task"));
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=24).collect::<Vec<u32>>());
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.next_dossier_number("000.00.30.H13", "2026-11-25")
            .await
            .expect("new day"),
        1
    );
    assert_eq!(
        tx.next_dossier_number("000.00.31.H13", "2026-11-24")
            .await
            .expect("other agency"),
        1
    );
    tx.commit().await.expect("commit");
}

async fn a_rolled_back_reception_gives_its_number_back(store: Store) {
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.next_dossier_number("000.00.30.H13", "2026-11-24")
            .await
            .expect("n"),
        1
    );
    drop(tx);
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.next_dossier_number("000.00.30.H13", "2026-11-24")
            .await
            .expect("n"),
        1
    );
    tx.commit().await.expect("commit");
}

async fn dossier_state_and_timeline_round_trip(store: Store) {
    let (agency_id, path) = agency(&store, "UBND phường Ninh Kiều", "000.00.30.H13", None).await;
    let wf = workflow();
    let draft = Dossier::draft(&wf);
    let mut tx = store.begin().await.expect("begin");
    let id = tx
        .insert_dossier(&new_dossier(agency_id, &path), &draft, &roles(&wf), 1)
        .await
        .expect("insert");
    let code = DossierCode::new(
        AgencyCode::parse("000.00.30.H13").expect("agency"),
        date!(2026 - 11 - 24),
        1,
    )
    .expect("code");
    let citizen = Actor::Citizen { citizen_id: 1 };
    let submitted = decide(
        &draft,
        &Command::Submit { code: code.clone() },
        &Context {
            workflow: &wf,
            actor: &citizen,
            now: datetime!(2026-11-24 08:00 +7),
        },
    )
    .expect("submit");
    let reception = Actor::Official {
        official_id: 2,
        role: Role::Reception,
    };
    let received = decide(
        &submitted.new_state,
        &Command::Receive {
            due: datetime!(2026-11-26 10:00 +7),
            code: None,
            assignee: Some(3),
            postmark: None,
        },
        &Context {
            workflow: &wf,
            actor: &reception,
            now: datetime!(2026-11-24 09:00 +7),
        },
    )
    .expect("receive");
    tx.update_dossier(id, 0, &submitted.new_state, &roles(&wf), 2)
        .await
        .expect("update");
    tx.append_dossier_events(id, &submitted.events)
        .await
        .expect("events");
    tx.update_dossier(
        id,
        submitted.new_state.last_seq,
        &received.new_state,
        &roles(&wf),
        3,
    )
    .await
    .expect("update");
    tx.append_dossier_events(id, &received.events)
        .await
        .expect("events");
    tx.commit().await.expect("commit");

    let row = store
        .get_dossier_by_code(&code.to_string())
        .await
        .expect("by code");
    assert_eq!(row.id, id);
    assert_eq!(row.status_code, Some(2));
    assert_eq!(row.step_role.as_deref(), Some("specialist"));
    assert_eq!(row.assignee_id, Some(3));
    let loaded = row.dossier().expect("state");
    assert_eq!(loaded, received.new_state);
    loaded
        .invariants(&wf)
        .expect("invariants hold after loading");
    let events: Vec<Event> = store
        .dossier_events(id)
        .await
        .expect("events")
        .iter()
        .map(|e| e.event().expect("event"))
        .collect();
    assert_eq!(events.len(), 2);
    assert_eq!(verify_chain(&events).expect("chain"), loaded.head);
}

async fn a_stale_update_is_refused(store: Store) {
    let (agency_id, path) = agency(&store, "UBND xã Trung Hưng", "000.00.37.H13", None).await;
    let wf = workflow();
    let draft = Dossier::draft(&wf);
    let mut tx = store.begin().await.expect("begin");
    let id = tx
        .insert_dossier(&new_dossier(agency_id, &path), &draft, &roles(&wf), 1)
        .await
        .expect("insert");
    tx.commit().await.expect("commit");
    let code = DossierCode::new(
        AgencyCode::parse("000.00.37.H13").expect("agency"),
        date!(2026 - 11 - 24),
        1,
    )
    .expect("code");
    let citizen = Actor::Citizen { citizen_id: 1 };
    let submitted = decide(
        &draft,
        &Command::Submit { code },
        &Context {
            workflow: &wf,
            actor: &citizen,
            now: datetime!(2026-11-24 08:00 +7),
        },
    )
    .expect("submit");
    let mut tx = store.begin().await.expect("begin");
    tx.update_dossier(id, 0, &submitted.new_state, &roles(&wf), 2)
        .await
        .expect("first wins");
    tx.commit().await.expect("commit");
    let mut tx = store.begin().await.expect("begin");
    let second = tx
        .update_dossier(id, 0, &submitted.new_state, &roles(&wf), 3)
        .await;
    assert!(matches!(second, Err(StoreError::Conflict(_))), "{second:?}");
}

async fn work_queues_filter_by_jurisdiction_status_and_due_time(store: Store) {
    let (city, city_path) = agency(&store, "Thành phố", "000.00.00.H13", None).await;
    let (ward, ward_path) = agency(&store, "Phường", "000.00.30.H13", Some(city)).await;
    let (commune, commune_path) = agency(&store, "Xã", "000.00.37.H13", Some(city)).await;
    let wf = workflow();
    let reception = Actor::Official {
        official_id: 2,
        role: Role::Reception,
    };
    let mut tx = store.begin().await.expect("begin");
    for (i, (agency_id, path, code)) in [
        (ward, &ward_path, "000.00.30.H13"),
        (ward, &ward_path, "000.00.30.H13"),
        (commune, &commune_path, "000.00.37.H13"),
    ]
    .into_iter()
    .enumerate()
    {
        let draft = Dossier::draft(&wf);
        let id = tx
            .insert_dossier(&new_dossier(agency_id, path), &draft, &roles(&wf), 1)
            .await
            .expect("insert");
        let sequence = u32::try_from(i + 1).expect("small");
        let code = DossierCode::new(
            AgencyCode::parse(code).expect("agency"),
            date!(2026 - 11 - 24),
            sequence,
        )
        .expect("code");
        let due =
            datetime!(2026-11-26 10:00 +7) + time::Duration::days(i64::try_from(i).expect("small"));
        let received = decide(
            &draft,
            &Command::Receive {
                due,
                code: Some(code),
                assignee: None,
                postmark: None,
            },
            &Context {
                workflow: &wf,
                actor: &reception,
                now: datetime!(2026-11-24 09:00 +7),
            },
        )
        .expect("receive");
        tx.update_dossier(id, 0, &received.new_state, &roles(&wf), 2)
            .await
            .expect("update");
        tx.append_dossier_events(id, &received.events)
            .await
            .expect("events");
    }
    tx.commit().await.expect("commit");
    let all = |paths: Vec<String>| DossierFilter {
        agency_paths: Some(paths),
        limit: 50,
        ..Default::default()
    };
    assert_eq!(
        store
            .list_dossiers(&all(vec![city_path.clone()]))
            .await
            .expect("city")
            .len(),
        3
    );
    assert_eq!(
        store
            .list_dossiers(&all(vec![ward_path.clone()]))
            .await
            .expect("ward")
            .len(),
        2
    );
    assert_eq!(
        store.list_dossiers(&all(vec![])).await.expect("none").len(),
        0,
        "no jurisdiction, no dossiers"
    );
    let due_soon = DossierFilter {
        due_before: Some(motcua_store::micros(datetime!(2026-11-26 12:00 +7))),
        ..all(vec![city_path.clone()])
    };
    assert_eq!(store.list_dossiers(&due_soon).await.expect("due").len(), 1);
    let specialists = DossierFilter {
        step_roles: vec!["specialist".into()],
        statuses: vec![2, 4],
        ..all(vec![commune_path])
    };
    assert_eq!(
        store.list_dossiers(&specialists).await.expect("role").len(),
        1
    );
    let ordered = store
        .list_dossiers(&all(vec![city_path]))
        .await
        .expect("ordered");
    assert!(
        ordered.windows(2).all(|w| w[0].due_at <= w[1].due_at),
        "most urgent first"
    );
}

/// The name index (FTS5 on SQLite, GIN on PostgreSQL) finds what the word-start search did
/// and stays in step with inserted and deleted dossiers.
async fn applicants_are_found_by_the_starts_of_their_names(store: Store) {
    let (ward, ward_path) = agency(&store, "Phường", "000.00.30.H13", None).await;
    let wf = workflow();
    let mut tx = store.begin().await.expect("begin");
    let citizen = tx
        .insert_citizen("092095009999", "Lê Thị Bé", None, None, "hash", 1)
        .await
        .expect("citizen");
    let mut ids = Vec::new();
    for (name, phone) in [
        ("Nguyễn Văn An", Some("0901000001")),
        ("Nguyễn Văn Anh", None),
        ("Trần Thị Ánh Nguyệt", None),
        ("Lê Thị Bé", Some("0901000004")),
    ] {
        let mut new = new_dossier(ward, &ward_path);
        new.applicant_name = name.into();
        new.applicant_personal_id = None;
        new.contact_phone = phone.map(str::to_owned);
        if name == "Lê Thị Bé" {
            new.citizen_id = Some(citizen);
        }
        let id = tx
            .insert_dossier(&new, &Dossier::draft(&wf), &roles(&wf), 1)
            .await
            .expect("insert");
        ids.push(id);
    }
    tx.commit().await.expect("commit");
    let found = |text: &str| {
        let store = store.clone();
        let filter = DossierFilter {
            agency_paths: Some(vec![ward_path.clone()]),
            text: Some(text.to_owned()),
            limit: 50,
            ..Default::default()
        };
        let text = text.to_owned();
        async move {
            let mut found: Vec<i64> = store
                .list_dossiers(&filter)
                .await
                .expect("list")
                .iter()
                .map(|d| d.id)
                .collect();
            found.sort_unstable();
            assert_eq!(
                store.count_dossiers(&filter).await.expect("count"),
                i64::try_from(found.len()).expect("small"),
                "{text}"
            );
            found
        }
    };
    let (an, anh, nguyet, be) = (ids[0], ids[1], ids[2], ids[3]);
    assert_eq!(
        found("nguyen van an").await,
        vec![an, anh],
        "the last word is a start"
    );
    assert_eq!(
        found("NGUYỄN VĂN AN").await,
        vec![an, anh],
        "marks and case"
    );
    assert_eq!(found("van anh").await, vec![anh], "from any word");
    assert_eq!(found("anh").await, vec![anh, nguyet], "ánh folds to anh");
    assert_eq!(found("nguyen").await, vec![an, anh]);
    assert_eq!(
        found("nguy").await,
        vec![an, anh, nguyet],
        "nguyệt starts so too"
    );
    assert_eq!(
        found("an nguyen").await,
        Vec::<i64>::new(),
        "words in order"
    );
    assert_eq!(found("guyen").await, Vec::<i64>::new(), "word starts only");
    assert_eq!(found("0901000004").await, vec![be], "by phone");
    assert_eq!(found("Thị").await, vec![nguyet, be]);
    store.check_applicant_name_index().await.expect("in step");
    let mut tx = store.begin().await.expect("begin");
    tx.delete_draft(be, citizen).await.expect("delete");
    tx.commit().await.expect("commit");
    assert_eq!(found("le thi").await, Vec::<i64>::new(), "deleted");
    assert_eq!(found("thi").await, vec![nguyet]);
    store
        .check_applicant_name_index()
        .await
        .expect("in step after a delete");
}

async fn workflows_are_versioned(store: Store) {
    let definition = serde_json::to_string(&workflow()).expect("json");
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.insert_workflow("1.001193", &definition, None, 1)
            .await
            .expect("v1"),
        1
    );
    assert_eq!(
        tx.insert_workflow("1.001193", &definition, None, 2)
            .await
            .expect("v2"),
        2
    );
    assert_eq!(
        tx.insert_workflow("1.000894", &definition, None, 2)
            .await
            .expect("other"),
        1
    );
    tx.commit().await.expect("commit");
    assert_eq!(store.workflow("1.001193", None).await.expect("latest").0, 2);
    assert_eq!(store.workflow("1.001193", Some(1)).await.expect("v1").0, 1);
    assert!(matches!(
        store.workflow("9.999999", None).await,
        Err(StoreError::NotFound)
    ));
}
