//! The per-process cache of procedure and workflow versions (`motcua_app::versions`) never
//! hides a change: a newly published procedure version and a newly imported workflow are used
//! by the next submission at once, a dossier keeps the versions it started with, and drafts
//! (which change in place) are read fresh. On both databases.

use motcua_app::dossiers::Submission;
use motcua_app::test_support::{citizen, official};
use motcua_app::workflows::default_workflow;
use motcua_app::{Actor, App, AppSettings};
use motcua_domain::procedure::FormValues;
use motcua_store::Backend;
use motcua_store::test_support::TestDatabase;

const BIRTH: &str = "1.001193";

fn birth_registration() -> FormValues {
    serde_json::from_str(motcua_app::demo::DEMO_BIRTH_FORM).expect("demo form")
}

async fn new_versions_are_seen_at_once(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let app = App::new(db.store.clone(), AppSettings::default());
    app.load_demo().await.expect("demo");
    let system = Actor::system();
    let hau = citizen(&app, "092095001234").await;
    let reception = official(&app, "tiepnhan.ninhkieu").await;
    let submission = Submission {
        procedure_code: BIRTH.into(),
        agency_code: "000.00.30.H13".into(),
        form: birth_registration(),
        attachments: Vec::new(),
        delivery: Default::default(),
        postal: Default::default(),
    };

    // A first dossier fills the cache with the versions in use today.
    let first = app.submit_dossier(&hau, &submission).await.expect("submit");
    let (procedures, workflows) = app.versions.sizes();
    assert!(
        procedures >= 1 && workflows >= 1,
        "cached {procedures} {workflows}"
    );
    let old_procedure = first.procedure_version;
    let old_workflow = first.workflow_version;

    // A new procedure version, published today (the operator may), and a new workflow.
    let mut changed = app
        .procedure_in_force(BIRTH, None)
        .await
        .expect("in force")
        .procedure;
    changed.name = format!("{} (sửa đổi)", changed.name);
    let draft = app
        .create_procedure_draft(&system, &changed)
        .await
        .expect("draft");
    let published = app
        .publish_procedure(&system, BIRTH, draft.row.version, app.today())
        .await
        .expect("publish");
    let (_, new_workflow) = app
        .import_workflow(
            &system,
            &serde_json::to_string(&default_workflow(BIRTH, true)).expect("json"),
        )
        .await
        .expect("import");
    assert!(published.row.version > old_procedure);
    assert!(new_workflow > old_workflow);

    // The next submission uses both at once.
    let second = app.submit_dossier(&hau, &submission).await.expect("submit");
    assert_eq!(second.procedure_version, published.row.version);
    assert_eq!(second.workflow_version, new_workflow);
    assert_eq!(
        app.procedure_in_force(BIRTH, None)
            .await
            .expect("in force")
            .procedure
            .name,
        changed.name
    );
    assert_eq!(
        app.workflow(BIRTH, None).await.expect("latest").steps.len(),
        3,
        "the province-level default has three steps"
    );

    // Each dossier keeps its own versions: the first one still follows the two-step workflow.
    let received = app
        .receive_dossier(&reception, first.id)
        .await
        .expect("receive the first");
    assert_eq!(received.workflow_version, old_workflow);
    assert_eq!(
        app.workflow(BIRTH, Some(old_workflow))
            .await
            .expect("old workflow")
            .steps
            .len(),
        2
    );
    let received = app
        .receive_dossier(&reception, second.id)
        .await
        .expect("receive the second");
    assert_eq!(received.procedure_version, published.row.version);
    assert_eq!(
        app.procedure_version(&system, BIRTH, old_procedure)
            .await
            .expect("old version")
            .procedure
            .name,
        app.procedure_version(&system, BIRTH, old_procedure)
            .await
            .expect("old version, cached")
            .procedure
            .name
    );
}

async fn drafts_are_read_fresh(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let app = App::new(db.store.clone(), AppSettings::default());
    app.load_demo().await.expect("demo");
    let system = Actor::system();
    let mut procedure = app
        .procedure_in_force(BIRTH, None)
        .await
        .expect("in force")
        .procedure;
    let draft = app
        .create_procedure_draft(&system, &procedure)
        .await
        .expect("draft");
    let version = draft.row.version;
    let read = app
        .procedure_version(&system, BIRTH, version)
        .await
        .expect("read draft");
    assert_eq!(read.row.status, "draft");
    procedure.name = "Đăng ký khai sinh (bản nháp mới)".into();
    app.update_procedure_draft(&system, BIRTH, version, &procedure)
        .await
        .expect("edit draft");
    assert_eq!(
        app.procedure_version(&system, BIRTH, version)
            .await
            .expect("read again")
            .procedure
            .name,
        "Đăng ký khai sinh (bản nháp mới)"
    );
    // Published later, it is read as published (not as the draft seen before).
    app.publish_procedure(&system, BIRTH, version, app.today())
        .await
        .expect("publish");
    assert_eq!(
        app.procedure_version(&system, BIRTH, version)
            .await
            .expect("published")
            .row
            .status,
        "published"
    );
    // And the public search finds it under its new name at once.
    let found = app
        .search_procedures(&motcua_app::catalogue::SearchParams {
            q: "ban nhap moi".into(),
            ..Default::default()
        })
        .await
        .expect("search");
    // First, as the only procedure with every word in its name (those with all but one
    // follow it).
    let first = found.items.first().expect("found");
    assert_eq!(
        (
            first.procedure.code.as_str(),
            first.procedure.version,
            first.name_match
        ),
        (BIRTH, u32::try_from(version).expect("small"), true)
    );
    assert!(found.items[1..].iter().all(|i| !i.name_match));
}

#[tokio::test]
async fn sqlite_new_versions_are_seen_at_once() {
    new_versions_are_seen_at_once(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_new_versions_are_seen_at_once() {
    new_versions_are_seen_at_once(Backend::Postgres).await;
}

#[tokio::test]
async fn sqlite_drafts_are_read_fresh() {
    drafts_are_read_fresh(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_drafts_are_read_fresh() {
    drafts_are_read_fresh(Backend::Postgres).await;
}
