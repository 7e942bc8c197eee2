//! `motcua audit verify` finds a tampered timeline on both databases, and workflows are imported
//! as validated, versioned data.

use motcua_app::workflows::default_workflow;
use motcua_app::{Actor, App, AppError, AppSettings};
use motcua_domain::authz::Role;
use motcua_domain::dossier::{Actor as DossierActor, Command, Context, DossierCode, decide};
use motcua_domain::org::AgencyCode;
use motcua_store::Backend;
use motcua_store::dossiers::NewDossier;
use motcua_store::test_support::{TestDatabase, tamper_event_reason};
use time::macros::{date, datetime};

async fn a_tampered_timeline_is_reported(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let app = App::new(db.store.clone(), AppSettings::default());
    app.load_demo().await.expect("demo");
    let workflow = default_workflow("1.001193", false);
    app.import_workflow(
        &Actor::system(),
        &serde_json::to_string(&workflow).expect("json"),
    )
    .await
    .expect("import");
    let workflow = app.workflow("1.001193", None).await.expect("stored");
    let unit = db
        .store
        .get_unit_by_code("000.00.30.H13")
        .await
        .expect("ward");
    let roles: Vec<Role> = workflow.steps.iter().map(|s| s.role).collect();
    let draft = motcua_domain::dossier::Dossier::draft(&workflow);
    let code = DossierCode::new(
        AgencyCode::parse("000.00.30.H13").expect("agency"),
        date!(2026 - 11 - 24),
        1,
    )
    .expect("code");
    let submitted = decide(
        &draft,
        &Command::Submit { code },
        &Context {
            workflow: &workflow,
            actor: &DossierActor::Citizen { citizen_id: 1 },
            now: datetime!(2026-11-24 08:00 +7),
        },
    )
    .expect("submit");
    let refused = decide(
        &submitted.new_state,
        &Command::Refuse {
            reasons: vec!["Hồ sơ không thuộc thẩm quyền".into()],
        },
        &Context {
            workflow: &workflow,
            actor: &DossierActor::Official {
                official_id: 2,
                role: Role::Reception,
            },
            now: datetime!(2026-11-24 09:00 +7),
        },
    )
    .expect("refuse");
    let new = NewDossier {
        procedure_code: "1.001193".into(),
        procedure_version: 1,
        agency_id: unit.id,
        agency_path: unit.path.clone(),
        citizen_id: None,
        applicant_name: "Nguyễn Văn Hậu".into(),
        applicant_personal_id: None,
        channel: "online".into(),
        form: "{}".into(),
        delivery_method: "counter".into(),
        delivery_address: None,
        contact_phone: None,
    };
    let mut tx = db.store.begin().await.expect("begin");
    let id = tx
        .insert_dossier(&new, &draft, &roles, 1)
        .await
        .expect("insert");
    tx.update_dossier(id, 0, &refused.new_state, &roles, 2)
        .await
        .expect("update");
    tx.append_dossier_events(id, &submitted.events)
        .await
        .expect("events");
    tx.append_dossier_events(id, &refused.events)
        .await
        .expect("events");
    tx.commit().await.expect("commit");

    let clean = app
        .verify_dossier_chains(&Actor::system())
        .await
        .expect("verify");
    assert_eq!(
        (clean.dossiers, clean.events, clean.broken.len()),
        (1, 2, 0),
        "{clean:?}"
    );
    tamper_event_reason(&db.store, id, 2, "Đã sửa lý do").await;
    let tampered = app
        .verify_dossier_chains(&Actor::system())
        .await
        .expect("verify");
    assert_eq!(tampered.broken.len(), 1, "{tampered:?}");
    assert_eq!(tampered.broken[0].1, "000.00.30.H13-261124-0001");
    let citizen = Actor {
        principal: motcua_domain::authz::Principal::Citizen { citizen_id: 1 },
        ip: None,
    };
    assert!(matches!(
        app.verify_dossier_chains(&citizen).await,
        Err(AppError::Forbidden)
    ));
    db.cleanup().await;
}

async fn workflows_are_validated_and_versioned(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let app = App::new(db.store.clone(), AppSettings::default());
    let good = serde_json::to_string(&default_workflow("1.000894", true)).expect("json");
    assert_eq!(
        app.import_workflow(&Actor::system(), &good)
            .await
            .expect("v1"),
        ("1.000894".to_owned(), 1)
    );
    assert_eq!(
        app.import_workflow(&Actor::system(), &good)
            .await
            .expect("v2")
            .1,
        2
    );
    assert_eq!(
        app.workflow("1.000894", Some(1)).await.expect("v1").version,
        1
    );
    let empty = r#"{"id": "1.000894", "version": 1, "steps": []}"#;
    assert!(matches!(
        app.import_workflow(&Actor::system(), empty).await,
        Err(AppError::Invalid(_))
    ));
    assert!(matches!(
        app.import_workflow(&Actor::system(), "{").await,
        Err(AppError::Invalid(_))
    ));
    assert_eq!(
        app.workflow("1.000894", None)
            .await
            .expect("latest")
            .version,
        2,
        "bad imports changed nothing"
    );
    let anonymous = Actor::anonymous(None);
    assert!(matches!(
        app.import_workflow(&anonymous, &good).await,
        Err(AppError::Unauthenticated)
    ));
    db.cleanup().await;
}

#[tokio::test]
async fn sqlite_a_tampered_timeline_is_reported() {
    a_tampered_timeline_is_reported(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_a_tampered_timeline_is_reported() {
    a_tampered_timeline_is_reported(Backend::Postgres).await;
}

#[tokio::test]
async fn sqlite_workflows_are_validated_and_versioned() {
    workflows_are_validated_and_versioned(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_workflows_are_validated_and_versioned() {
    workflows_are_validated_and_versioned(Backend::Postgres).await;
}
