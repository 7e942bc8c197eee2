//! Catalogue use cases on SQLite and PostgreSQL: versioned publishing, import/export round
//! trip, form validation against a procedure's schema, highlighting and permission refusals.

use motcua_app::catalogue::SearchParams;
use motcua_app::{Actor, App, AppError, AppSettings};
use motcua_domain::authz::{Principal, Role, RoleAssignment};
use motcua_domain::org::OrgPath;
use motcua_domain::procedure::{FormValue, FormValues};
use motcua_store::test_support::TestDatabase;
use motcua_store::{Backend, Store};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use time::OffsetDateTime;
use time::macros::{date, datetime};

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::run(motcua_store::Backend::Sqlite, super::$name).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::run(motcua_store::Backend::Postgres, super::$name).await } )* }
    };
}

contract!(
    a_new_version_takes_effect_on_its_date,
    export_then_import_into_an_empty_database_is_identical,
    submitted_forms_are_checked_against_the_schema,
    only_catalogue_managers_change_the_catalogue,
    search_highlights_the_original_words,
);

const MARRIAGE: &str = "1.000894";

/// A clock the test can move: unix seconds.
struct TestClock(Arc<AtomicI64>);

impl TestClock {
    fn app(store: Store) -> (App, TestClock) {
        let seconds = Arc::new(AtomicI64::new(
            datetime!(2026-11-24 03:00 UTC).unix_timestamp(),
        ));
        let shared = seconds.clone();
        let app = App::new(store, AppSettings::default()).with_clock(Arc::new(move || {
            OffsetDateTime::from_unix_timestamp(shared.load(Ordering::SeqCst))
                .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        }));
        (app, TestClock(seconds))
    }

    fn advance_days(&self, days: i64) {
        self.0.fetch_add(days * 86_400, Ordering::SeqCst);
    }
}

async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let db = TestDatabase::new(backend).await;
    test(db.store.clone()).await;
    db.cleanup().await;
}

fn official(id: i64, role: Role) -> Actor {
    Actor {
        principal: Principal::Official {
            official_id: id,
            assignments: vec![RoleAssignment {
                role,
                unit_id: 1,
                unit_path: OrgPath::from_stored("/1/".to_owned()),
            }],
        },
        ip: Some("192.0.2.1".into()),
    }
}

async fn a_new_version_takes_effect_on_its_date(store: Store) {
    let (app, clock) = TestClock::app(store.clone());
    assert_eq!(app.load_bundled_catalogue().await.expect("load"), 65);
    let admin = official(7, Role::Admin);
    let v1 = app.procedure_in_force(MARRIAGE, None).await.expect("v1");
    let mut changed = v1.procedure.clone();
    changed.name = "Đăng ký kết hôn (mẫu mới)".into();
    let draft = app
        .create_procedure_draft(&admin, &changed)
        .await
        .expect("draft");
    assert_eq!(draft.row.version, 2);
    assert_eq!(draft.row.status, "draft");
    assert_eq!(
        app.procedure_in_force(MARRIAGE, None)
            .await
            .expect("still v1")
            .row
            .version,
        1
    );
    assert!(matches!(
        app.publish_procedure(&admin, MARRIAGE, 2, date!(2026 - 11 - 23))
            .await,
        Err(AppError::Invalid(fields)) if fields[0].code == "catalogue-date-in-past"
    ));
    app.publish_procedure(&admin, MARRIAGE, 2, date!(2026 - 11 - 25))
        .await
        .expect("publish");
    assert!(matches!(
        app.publish_procedure(&admin, MARRIAGE, 2, date!(2026 - 11 - 25))
            .await,
        Err(AppError::Conflict("catalogue-already-published"))
    ));
    assert!(matches!(
        app.update_procedure_draft(&admin, MARRIAGE, 2, &changed)
            .await,
        Err(AppError::Conflict("catalogue-already-published"))
    ));
    let today = app.procedure_in_force(MARRIAGE, None).await.expect("today");
    assert_eq!(
        today.row.version, 1,
        "v2 effective tomorrow does not replace v1 today"
    );
    clock.advance_days(1);
    let tomorrow = app
        .procedure_in_force(MARRIAGE, None)
        .await
        .expect("tomorrow");
    assert_eq!(tomorrow.row.version, 2);
    assert_eq!(tomorrow.procedure.effective_from, date!(2026 - 11 - 25));
    let old = app
        .procedure_version(&Actor::anonymous(None), MARRIAGE, 1)
        .await
        .expect("v1 stays retrievable");
    assert_eq!(old.procedure.name, "Đăng ký kết hôn");
    let (versions, audit) = app
        .procedure_history(&admin, MARRIAGE)
        .await
        .expect("history");
    assert_eq!(versions.len(), 2);
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(
        actions,
        vec!["catalogue.publish", "catalogue.create", "catalogue.import"]
    );
    assert_eq!(audit[0].actor_id, Some(7));
}

async fn export_then_import_into_an_empty_database_is_identical(store: Store) {
    let (app, _clock) = TestClock::app(store.clone());
    app.load_bundled_catalogue().await.expect("load");
    let system = Actor::system();
    let exported = app.export_catalogue(&system).await.expect("export");
    let again = app
        .import_catalogue(&system, &exported)
        .await
        .expect("re-import");
    assert_eq!(
        (again.created, again.unchanged),
        (0, 65),
        "import is idempotent"
    );
    let backend = store.backend();
    let other = TestDatabase::new(backend).await;
    let (fresh, _clock) = TestClock::app(other.store.clone());
    let report = fresh
        .import_catalogue(&official(1, Role::Admin), &exported)
        .await
        .expect("import");
    assert_eq!(report.created, 65);
    assert_eq!(
        fresh.export_catalogue(&system).await.expect("export 2"),
        exported
    );
    // A changed entry of a published version becomes a new draft, not a rewrite.
    let mut procedures: Vec<serde_json::Value> = serde_json::from_str(&exported).expect("json");
    procedures.truncate(1);
    procedures[0]["name"] = serde_json::Value::String("Tên đã sửa".into());
    let code = procedures[0]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let changed = serde_json::to_string(&procedures).expect("json");
    let report = fresh
        .import_catalogue(&system, &changed)
        .await
        .expect("import change");
    assert_eq!(report.drafted, 1);
    let versions = other
        .store
        .procedure_versions(&code)
        .await
        .expect("versions");
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].status, "draft");
    other.cleanup().await;
}

async fn submitted_forms_are_checked_against_the_schema(store: Store) {
    let (app, _clock) = TestClock::app(store.clone());
    app.load_bundled_catalogue().await.expect("load");
    let empty = app
        .validate_procedure_form(MARRIAGE, None, &FormValues::new())
        .await;
    let Err(AppError::Invalid(fields)) = empty else {
        panic!("an empty marriage form must be refused");
    };
    assert!(
        fields
            .iter()
            .any(|f| f.field == "ben_nu_ho_ten" && f.code == "form-required")
    );
    let odd = FormValues::new()
        .with("ben_nu_ho_ten", FormValue::Bool(true))
        .with("khong_co", FormValue::Text("x".into()));
    let Err(AppError::Invalid(fields)) = app.validate_procedure_form(MARRIAGE, None, &odd).await
    else {
        panic!("wrong types must be refused");
    };
    assert!(fields.iter().any(|f| f.field == "ben_nu_ho_ten"
        && f.code.starts_with("form-")
        && f.code != "form-required"));
    assert!(
        fields
            .iter()
            .any(|f| f.field == "khong_co" && f.code == "form-unknown-field")
    );
    assert!(matches!(
        app.validate_procedure_form("9.999999", None, &FormValues::new())
            .await,
        Err(AppError::NotFound)
    ));
}

async fn only_catalogue_managers_change_the_catalogue(store: Store) {
    let (app, _clock) = TestClock::app(store.clone());
    app.load_bundled_catalogue().await.expect("load");
    let marriage = app
        .procedure_in_force(MARRIAGE, None)
        .await
        .expect("marriage")
        .procedure;
    let audit_before = store
        .list_audit(None, 1000, None)
        .await
        .expect("audit")
        .len();
    for actor in [
        Actor::anonymous(None),
        Actor {
            principal: Principal::Citizen { citizen_id: 1 },
            ip: None,
        },
        official(2, Role::Reception),
        official(3, Role::Leader),
    ] {
        let refused = |r: &Result<_, AppError>| {
            matches!(r, Err(AppError::Forbidden | AppError::Unauthenticated))
        };
        assert!(refused(
            &app.create_procedure_draft(&actor, &marriage)
                .await
                .map(|_| ())
        ));
        assert!(refused(
            &app.publish_procedure(&actor, MARRIAGE, 1, date!(2026 - 12 - 01))
                .await
                .map(|_| ())
        ));
        assert!(refused(
            &app.import_catalogue(&actor, "[]").await.map(|_| ())
        ));
        assert!(refused(&app.export_catalogue(&actor).await.map(|_| ())));
        assert!(refused(
            &app.list_procedure_versions(&actor).await.map(|_| ())
        ));
    }
    let admin = official(7, Role::Admin);
    let mut broken = marriage.clone();
    broken.name = "  ".into();
    broken.steps.clear();
    assert!(matches!(
        app.create_procedure_draft(&admin, &broken).await,
        Err(AppError::Invalid(fields)) if !fields.is_empty()
    ));
    assert!(matches!(
        app.import_catalogue(&admin, "{\"not\": \"a procedure\"}")
            .await,
        Err(AppError::Invalid(_))
    ));
    assert!(matches!(
        app.publish_procedure(&admin, MARRIAGE, 9, date!(2026 - 12 - 01))
            .await,
        Err(AppError::NotFound)
    ));
    assert_eq!(store.count_procedures().await.expect("count"), 65);
    assert_eq!(
        store
            .list_audit(None, 1000, None)
            .await
            .expect("audit")
            .len(),
        audit_before,
        "refused changes leave no trace but the refusal"
    );
}

async fn search_highlights_the_original_words(store: Store) {
    let (app, _clock) = TestClock::app(store.clone());
    app.load_bundled_catalogue().await.expect("load");
    let result = app
        .search_procedures(&SearchParams {
            q: "dang ky ket hon".into(),
            ..Default::default()
        })
        .await
        .expect("search");
    let first = &result.items[0];
    assert_eq!(first.procedure.code, MARRIAGE);
    let marked: Vec<&str> = first
        .name
        .iter()
        .filter(|s| s.mark)
        .map(|s| s.text.as_str())
        .collect();
    assert_eq!(marked, vec!["Đăng", "ký", "kết", "hôn"]);
    let paged = app
        .search_procedures(&SearchParams {
            per_page: 10,
            page: 2,
            ..Default::default()
        })
        .await
        .expect("browse");
    assert_eq!(paged.total, 65);
    assert_eq!(paged.pages(), 7);
    assert_eq!(paged.items.len(), 10);
    let sectors = app.catalogue_sectors(None).await.expect("sectors");
    assert_eq!(sectors.len(), 15);
}
