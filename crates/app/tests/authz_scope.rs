//! Who may change what, where, on both databases: an official's record is changed by the same
//! rule whether by the edit form or by an import; the catalogue and its workflows belong to the
//! root of the tree; the audit log shows a ward administrator their ward only; the tracking
//! book refuses a period with more lines than one book holds.

use motcua_app::directory::OfficialForm;
use motcua_app::forms::Period;
use motcua_app::test_support::{Fixture, WARD};
use motcua_app::transfer::Format;
use motcua_app::{Actor, AppError, AppSettings, InvalidField};
use motcua_store::Backend;
use std::sync::Arc;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::run(motcua_store::Backend::Sqlite, super::$name).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::run(motcua_store::Backend::Postgres, super::$name).await } )* }
    };
}

both!(
    a_ward_administrator_imports_no_official_beyond_the_ward,
    a_ward_administrator_edits_no_official_with_powers_beyond_the_ward,
    the_catalogue_and_workflows_are_changed_only_from_the_root,
    the_audit_log_is_filtered_to_the_callers_jurisdiction,
    the_tracking_book_refuses_more_lines_than_one_book_holds,
);

async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Fixture) -> Fut,
    Fut: std::future::Future<Output = Fixture>,
{
    let fixture = Fixture::new(backend).await;
    test(fixture).await.cleanup().await;
}

const WARD_REF: &str = "UBND thành phố Cần Thơ > UBND phường Ninh Kiều";

async fn official_row(f: &Fixture, username: &str) -> motcua_store::people::OfficialRow {
    let id =
        f.db.store
            .official_credentials(username)
            .await
            .expect("official")
            .id;
    f.db.store.get_official(id).await.expect("row")
}

fn record(username: &str, unit_ref: &str) -> serde_json::Value {
    serde_json::json!({
        "username": username,
        "full_name": "Người bị chiếm quyền",
        "unit_ref": unit_ref,
        "email": "ke-xau@example.com",
        "active": false,
    })
}

async fn a_ward_administrator_imports_no_official_beyond_the_ward(f: Fixture) -> Fixture {
    let ward_admin = f.official("quantri.ninhkieu").await;
    // The attack of the report: move the city's officials into the ward, switch them off and
    // give them an e-mail the attacker reads.
    for target in ["giamdoc.stp", "admin"] {
        let before = official_row(&f, target).await;
        let file = serde_json::json!([record(target, WARD_REF)]).to_string();
        let result = f
            .app
            .import_officials(&ward_admin, &file, Format::Json)
            .await;
        assert!(
            matches!(result, Err(AppError::Forbidden)),
            "{target}: {result:?}"
        );
        assert_eq!(official_row(&f, target).await, before, "{target} unchanged");
    }
    // One refused record refuses the file: the ward's own official in it is not changed either.
    let own_before = official_row(&f, "chuyenvien.ninhkieu").await;
    let file = serde_json::json!([
        record(
            "chuyenvien.ninhkieu",
            &format!("{WARD_REF} > Phòng Văn hóa - Xã hội")
        ),
        record("giamdoc.stp", WARD_REF),
    ])
    .to_string();
    assert!(matches!(
        f.app
            .import_officials(&ward_admin, &file, Format::Json)
            .await,
        Err(AppError::Forbidden)
    ));
    assert_eq!(official_row(&f, "chuyenvien.ninhkieu").await, own_before);

    // The ward's own officials it does manage, and someone new in the ward it may register;
    // a second record about the new official is an update of the first, not a duplicate.
    let mut again = record("moi.ninhkieu", WARD_REF);
    again["active"] = serde_json::json!(true);
    let file = serde_json::Value::Array(vec![
        record(
            "chuyenvien.ninhkieu",
            &format!("{WARD_REF} > Phòng Văn hóa - Xã hội"),
        ),
        record("moi.ninhkieu", WARD_REF),
        again,
    ])
    .to_string();
    let report = f
        .app
        .import_officials(&ward_admin, &file, Format::Json)
        .await
        .expect("import within the ward");
    assert_eq!((report.created, report.updated), (1, 2));
    let changed = official_row(&f, "chuyenvien.ninhkieu").await;
    assert!(!changed.active);
    assert_eq!(changed.email.as_deref(), Some("ke-xau@example.com"));
    assert!(official_row(&f, "moi.ninhkieu").await.active);

    // An official placed in the ward who holds a role at a city department is beyond the ward
    // administrator, as on the edit page.
    let truongphong = official_row(&f, "truongphong.ninhkieu").await;
    let department = unit_id(&f, "Sở Tư pháp").await;
    f.app
        .assign_role(&Actor::system(), truongphong.id, "specialist", department)
        .await
        .expect("role at the department");
    let file = serde_json::json!([record(
        "truongphong.ninhkieu",
        &format!("{WARD_REF} > Phòng Văn hóa - Xã hội")
    )])
    .to_string();
    assert!(matches!(
        f.app
            .import_officials(&ward_admin, &file, Format::Json)
            .await,
        Err(AppError::Forbidden)
    ));
    assert_eq!(official_row(&f, "truongphong.ninhkieu").await, truongphong);
    // The city's administrator may.
    let city_admin = f.official("admin").await;
    f.app
        .import_officials(&city_admin, &file, Format::Json)
        .await
        .expect("city administrator");
    f
}

async fn unit_id(f: &Fixture, name: &str) -> i64 {
    f.db.store
        .list_units()
        .await
        .expect("units")
        .into_iter()
        .find(|u| u.name == name)
        .expect("unit")
        .id
}

fn form_of(row: &motcua_store::people::OfficialRow, unit_id: i64) -> OfficialForm {
    OfficialForm {
        username: row.username.clone(),
        full_name: row.full_name.clone(),
        position: None,
        unit_id,
        email: Some("ke-xau@example.com".into()),
        phone: None,
        employed_from: None,
        employed_to: None,
        active: false,
        password: None,
    }
}

async fn a_ward_administrator_edits_no_official_with_powers_beyond_the_ward(f: Fixture) -> Fixture {
    let ward_admin = f.official("quantri.ninhkieu").await;
    let ward = unit_id(&f, "UBND phường Ninh Kiều").await;
    for target in ["giamdoc.stp", "admin"] {
        let before = official_row(&f, target).await;
        let result = f
            .app
            .update_official(&ward_admin, before.id, &form_of(&before, ward))
            .await;
        assert!(
            matches!(result, Err(AppError::Forbidden)),
            "{target}: {result:?}"
        );
        assert_eq!(official_row(&f, target).await, before);
    }
    // In the ward, but a specialist of a city department too: the same refusal.
    let truongphong = official_row(&f, "truongphong.ninhkieu").await;
    let department = unit_id(&f, "Sở Tư pháp").await;
    f.app
        .assign_role(&Actor::system(), truongphong.id, "specialist", department)
        .await
        .expect("role at the department");
    let result = f
        .app
        .update_official(
            &ward_admin,
            truongphong.id,
            &form_of(&truongphong, truongphong.unit_id),
        )
        .await;
    assert!(matches!(result, Err(AppError::Forbidden)), "{result:?}");
    let password = f
        .app
        .set_official_password(&ward_admin, truongphong.id, "mat-khau-cua-ke-xau-2026")
        .await;
    assert!(matches!(password, Err(AppError::Forbidden)), "{password:?}");
    assert_eq!(official_row(&f, "truongphong.ninhkieu").await, truongphong);
    // An official of the ward alone the ward administrator does manage.
    let own = official_row(&f, "chuyenvien.ninhkieu").await;
    let changed = f
        .app
        .update_official(&ward_admin, own.id, &form_of(&own, own.unit_id))
        .await
        .expect("own ward");
    assert!(!changed.active);
    f
}

async fn the_catalogue_and_workflows_are_changed_only_from_the_root(f: Fixture) -> Fixture {
    let ward_admin = f.official("quantri.ninhkieu").await;
    let city_admin = f.official("admin").await;
    let code = "1.001193";
    // Reading stays open to a ward's catalogue manager.
    let (versions, _) = f
        .app
        .procedure_history(&ward_admin, code)
        .await
        .expect("history");
    let latest = versions.first().expect("a version").clone();
    let procedure = f
        .app
        .procedure_version(&ward_admin, code, latest.version)
        .await
        .expect("version")
        .procedure;
    let workflow = f.app.workflow(code, None).await.expect("workflow");
    let workflow_json = serde_json::to_string(&workflow).expect("json");

    let refused = |result: Result<(), AppError>, what: &str| {
        assert!(
            matches!(result, Err(AppError::Forbidden)),
            "{what}: {result:?}"
        )
    };
    refused(
        f.app
            .create_procedure_draft(&ward_admin, &procedure)
            .await
            .map(|_| ()),
        "draft",
    );
    refused(
        f.app
            .import_procedures(&ward_admin, std::slice::from_ref(&procedure))
            .await
            .map(|_| ()),
        "import",
    );
    refused(
        f.app
            .save_workflow(&ward_admin, code, workflow.clone())
            .await
            .map(|_| ()),
        "workflow edit",
    );
    refused(
        f.app
            .import_workflow(&ward_admin, &workflow_json)
            .await
            .map(|_| ()),
        "workflow import",
    );
    refused(
        f.app
            .import_workflow_for(&ward_admin, code, &workflow_json)
            .await
            .map(|_| ()),
        "workflow import for",
    );
    assert_eq!(
        f.app
            .procedure_history(&ward_admin, code)
            .await
            .expect("history")
            .0
            .len(),
        versions.len()
    );
    assert_eq!(
        f.app.workflow(code, None).await.expect("workflow"),
        workflow
    );

    // The city's administrator holds the permission at the root.
    let draft = f
        .app
        .create_procedure_draft(&city_admin, &procedure)
        .await
        .expect("city draft");
    refused(
        f.app
            .update_procedure_draft(
                &ward_admin,
                code,
                i64::from(draft.procedure.version),
                &procedure,
            )
            .await
            .map(|_| ()),
        "update draft",
    );
    refused(
        f.app
            .publish_procedure(
                &ward_admin,
                code,
                i64::from(draft.procedure.version),
                f.app.today(),
            )
            .await
            .map(|_| ()),
        "publish",
    );
    f.app
        .save_workflow(&city_admin, code, workflow)
        .await
        .expect("city workflow");
    f
}

async fn the_audit_log_is_filtered_to_the_callers_jurisdiction(f: Fixture) -> Fixture {
    let ward_admin = f.official("quantri.ninhkieu").await;
    let city_admin = f.official("admin").await;
    let inspector = f.official("thanhtra").await;
    // Something done in the ward and something done at the city.
    let own = official_row(&f, "chuyenvien.ninhkieu").await;
    let mut form = form_of(&own, own.unit_id);
    form.active = true;
    f.app
        .update_official(&ward_admin, own.id, &form)
        .await
        .expect("ward change");
    let stp = official_row(&f, "giamdoc.stp").await;
    let mut form = form_of(&stp, stp.unit_id);
    form.active = true;
    f.app
        .update_official(&city_admin, stp.id, &form)
        .await
        .expect("city change");
    // The operator changes someone of the ward: an entry of no unit, the city's to read.
    let reception = official_row(&f, "tiepnhan.ninhkieu").await;
    let mut form = form_of(&reception, reception.unit_id);
    form.active = true;
    f.app
        .update_official(&Actor::system(), reception.id, &form)
        .await
        .expect("operator change");

    let ward_view = f
        .app
        .list_audit(&ward_admin, Some("official.update"), None)
        .await
        .expect("ward audit");
    let targets: Vec<Option<String>> = ward_view.iter().map(|r| r.target.clone()).collect();
    assert_eq!(targets, [Some(format!("official:{}", own.id))]);
    // Entries of actors outside the tree (sign-ins of citizens, the operator) are the city's.
    let everything = f
        .app
        .list_audit(&ward_admin, None, None)
        .await
        .expect("ward audit");
    assert!(!everything.is_empty());
    let ward_path = f.db.store.get_unit_by_code(WARD).await.expect("ward").path;
    for row in &everything {
        assert_eq!(row.actor_kind, "official", "{row:?}");
        let actor =
            f.db.store
                .get_official(row.actor_id.expect("actor"))
                .await
                .expect("actor");
        assert!(actor.unit_path.starts_with(&ward_path), "{row:?}");
    }
    // The city's administrator and inspector audit from the root: both changes, and the
    // operator's entries.
    for auditor in [&city_admin, &inspector] {
        let city_view = f
            .app
            .list_audit(auditor, Some("official.update"), None)
            .await
            .expect("city audit");
        assert_eq!(city_view.len(), 3, "{city_view:?}");
        assert!(city_view.iter().any(|r| r.actor_kind == "system"));
    }
    f
}

async fn the_tracking_book_refuses_more_lines_than_one_book_holds(f: Fixture) -> Fixture {
    let reception = f.official("tiepnhan.ninhkieu").await;
    f.received().await;
    f.received().await;
    let monday = || Period::parse("07/12/2026", "07/12/2026").expect("period");
    let lines = f
        .app
        .tracking_book(&reception, WARD, monday())
        .await
        .expect("book")
        .entries
        .len();
    assert!(lines >= 2);

    let mut capped = f.app.clone();
    capped.settings = Arc::new(AppSettings {
        tracking_book_max_rows: lines - 1,
        ..(*f.app.settings).clone()
    });
    let too_many = vec![InvalidField {
        field: "to".into(),
        code: "error-tracking-book-too-many".into(),
    }];
    match capped.tracking_book(&reception, WARD, monday()).await {
        Err(AppError::Invalid(problems)) => assert_eq!(problems, too_many),
        other => panic!("expected a refusal, got {other:?}"),
    }
    match capped.tracking_book_form(&reception, WARD, monday()).await {
        Err(AppError::Invalid(problems)) => assert_eq!(problems, too_many),
        other => panic!("expected a refusal, got {:?}", other.map(|_| ())),
    }
    // Exactly as many lines as the cap is one book.
    capped.settings = Arc::new(AppSettings {
        tracking_book_max_rows: lines,
        ..(*f.app.settings).clone()
    });
    capped
        .tracking_book_form(&reception, WARD, monday())
        .await
        .expect("a full book");
    f
}
