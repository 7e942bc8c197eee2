//! Tests of the calendar use cases on a real (SQLite) store: seeding, permission refusals,
//! validation that changes nothing, audit, and an override changing a computed due date.

use super::*;
use crate::{Actor, App, AppError, AppSettings};
use motcua_domain::authz::{Role, RoleAssignment};
use motcua_domain::org::OrgPath;
use motcua_store::test_support::TestDatabase;
use motcua_store::{Backend, org::OrgUnitInput};
use time::macros::datetime;

async fn app() -> (App, TestDatabase) {
    let db = TestDatabase::new(Backend::Sqlite).await;
    let app = App::new(db.store.clone(), AppSettings::default());
    (app, db)
}

fn official(role: Role, path: &str) -> Actor {
    Actor {
        principal: Principal::Official {
            official_id: 42,
            assignments: vec![RoleAssignment {
                role,
                unit_id: 1,
                unit_path: OrgPath::from_stored(path.to_owned()),
            }],
        },
        ip: Some("127.0.0.1".into()),
    }
}

fn form(date: &str, kind: &str, name: &str) -> OverrideForm {
    OverrideForm {
        date: date.into(),
        kind: kind.into(),
        name: name.into(),
        basis: "Thông báo thử nghiệm".into(),
    }
}

fn fields(error: AppError) -> Vec<(String, String)> {
    match error {
        AppError::Invalid(fields) => fields.into_iter().map(|f| (f.field, f.code)).collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[tokio::test]
async fn seeding_loads_the_bundled_notices_once() {
    let (app, db) = app().await;
    let loaded = app.seed_calendar().await.expect("seed");
    assert!(loaded > 20, "2024–2026 notices: {loaded}");
    assert_eq!(app.seed_calendar().await.expect("again"), 0);
    let tet = app.calendar_days_off(2026).await.expect("2026");
    assert!(
        tet.iter()
            .any(|d| d.date == time::macros::date!(2026 - 02 - 17))
    );
    let audit = app
        .store
        .list_audit(Some("calendar.seed"), 10, None)
        .await
        .expect("audit");
    assert_eq!(audit.len(), 1);
    db.cleanup().await;
}

#[tokio::test]
async fn an_override_by_an_admin_changes_a_due_date() {
    let (app, db) = app().await;
    app.seed_calendar().await.expect("seed");
    // Tuesday 2026-06-09 10:00, one working day: due Wednesday 10:00.
    let from = datetime!(2026-06-09 10:00 +7);
    let before = app
        .calendar_due(None, from, ProcessingTime::WorkingDays(1))
        .await
        .expect("due");
    assert_eq!(before, datetime!(2026-06-10 10:00 +7));
    let admin = official(Role::Admin, "/1/");
    let (_, created) = app
        .set_calendar_override(
            &admin,
            &form("2026-06-10", "compensatory_off", "Nghỉ hoán đổi thử"),
        )
        .await
        .expect("set");
    assert!(created);
    let after = app
        .calendar_due(None, from, ProcessingTime::WorkingDays(1))
        .await
        .expect("due");
    assert_eq!(
        after,
        datetime!(2026-06-11 10:00 +7),
        "the cache was invalidated"
    );
    assert_eq!(format_instant(after), "2026-06-11T10:00:00+07:00");
    let year = app.calendar_year(2026).await.expect("year");
    let day = year
        .iter()
        .find(|d| d.date == time::macros::date!(2026 - 06 - 10))
        .expect("listed");
    assert!(day.from_notice);
    let audit = app
        .store
        .list_audit(Some("calendar.override.set"), 10, None)
        .await
        .expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor_id, Some(42));
    assert_eq!(audit[0].target.as_deref(), Some("date:2026-06-10"));

    app.delete_calendar_override(&admin, "2026-06-10")
        .await
        .expect("delete");
    assert_eq!(
        app.calendar_due(None, from, ProcessingTime::WorkingDays(1))
            .await
            .expect("due"),
        before
    );
    assert!(matches!(
        app.delete_calendar_override(&admin, "2026-06-10").await,
        Err(AppError::NotFound)
    ));
    db.cleanup().await;
}

#[tokio::test]
async fn non_admins_are_refused_and_nothing_changes() {
    let (app, db) = app().await;
    let count = || async { app.store.count_calendar_overrides().await.expect("count") };
    for actor in [
        official(Role::Reception, "/1/"),
        Actor::anonymous(None),
        Actor {
            principal: Principal::Citizen { citizen_id: 1 },
            ip: None,
        },
    ] {
        let set = app
            .set_calendar_override(&actor, &form("2026-06-10", "compensatory_off", "x"))
            .await;
        assert!(
            matches!(set, Err(AppError::Forbidden | AppError::Unauthenticated)),
            "{set:?}"
        );
        let import = app
            .import_calendar(&actor, "2026-06-10\tcompensatory_off\tx\ty\n")
            .await;
        assert!(matches!(
            import,
            Err(AppError::Forbidden | AppError::Unauthenticated)
        ));
        assert!(matches!(
            app.delete_calendar_override(&actor, "2026-06-10").await,
            Err(AppError::Forbidden | AppError::Unauthenticated)
        ));
    }
    assert_eq!(count().await, 0);
    db.cleanup().await;
}

#[tokio::test]
async fn bad_overrides_are_explained_and_change_nothing() {
    let (app, db) = app().await;
    let admin = official(Role::Admin, "/1/");
    let cases = [
        (
            form("2026-02-30", "holiday", "x"),
            "date",
            "error-calendar-date",
        ),
        (
            form("2026-06-10", "party", "x"),
            "kind",
            "error-calendar-kind",
        ),
        (
            form("2026-06-10", "holiday", "  "),
            "name",
            "error-calendar-empty-name",
        ),
        // 2026-06-13 is a Saturday.
        (
            form("2026-06-13", "compensatory_off", "x"),
            "kind",
            "error-calendar-off-weekend",
        ),
        (
            form("2026-06-10", "compensatory_work", "x"),
            "kind",
            "error-calendar-work-weekday",
        ),
        (
            form("2300-01-01", "holiday", "x"),
            "date",
            "error-calendar-year",
        ),
    ];
    for (input, field, code) in cases {
        let error = app
            .set_calendar_override(&admin, &input)
            .await
            .expect_err("invalid");
        assert_eq!(fields(error), [(field.to_owned(), code.to_owned())]);
    }
    assert_eq!(app.store.count_calendar_overrides().await.expect("n"), 0);
    assert!(
        app.store
            .list_audit(None, 10, None)
            .await
            .expect("audit")
            .is_empty()
    );
    db.cleanup().await;
}

#[tokio::test]
async fn imports_report_every_bad_line_and_are_all_or_nothing() {
    let (app, db) = app().await;
    let admin = official(Role::Admin, "/1/");
    let text = "# thông báo 2027\n\
                2027-01-01\tholiday\tTết Dương lịch\tBLLĐ 2019\n\
                2027-01-02\tholiday\n\
                2027-13-01\tholiday\tx\ty\n\
                2027-01-01\tholiday\tlặp\ty\n";
    let error = app.import_calendar(&admin, text).await.expect_err("bad");
    assert_eq!(
        fields(error),
        [
            ("line:3".to_owned(), "error-calendar-fields".to_owned()),
            ("line:4".to_owned(), "error-calendar-date".to_owned()),
            ("line:5".to_owned(), "error-calendar-duplicate".to_owned()),
        ]
    );
    assert_eq!(app.store.count_calendar_overrides().await.expect("n"), 0);
    let error = app
        .import_calendar(&admin, "# only\n\n")
        .await
        .expect_err("empty");
    assert_eq!(
        fields(error),
        [("file".to_owned(), "error-calendar-empty-file".to_owned())]
    );

    let good = "\u{feff}2027-01-01\tholiday\tTết Dương lịch\tBLLĐ 2019\r\n\
                2027-02-05\tcompensatory_off\tNghỉ bù\tThông báo\r\n";
    let report = app.import_calendar(&admin, good).await.expect("import");
    assert_eq!(
        report,
        CalendarImportReport {
            created: 2,
            updated: 0
        }
    );
    let report = app.import_calendar(&admin, good).await.expect("again");
    assert_eq!(
        report,
        CalendarImportReport {
            created: 0,
            updated: 2
        }
    );
    db.cleanup().await;
}

#[tokio::test]
async fn office_hours_apply_to_the_agency_and_its_subtree() {
    let (app, db) = app().await;
    let mut tx = app.store.begin().await.expect("begin");
    let unit = |parent: Option<i64>, name: &str, code: &str| OrgUnitInput {
        parent_id: parent,
        kind: "government".into(),
        level: "province".into(),
        name: name.into(),
        short_name: None,
        code: Some(code.into()),
        address: None,
        phone: None,
        email: None,
        sort_order: 0,
    };
    let city = tx
        .insert_unit(&unit(None, "Thành phố", "000.00.00.H13"), 1)
        .await
        .expect("city");
    let ward = tx
        .insert_unit(&unit(Some(city.id), "Phường", "000.01.00.H13"), 1)
        .await
        .expect("ward");
    tx.commit().await.expect("commit");

    let hours = OfficeHoursForm {
        morning_start: "07:30".into(),
        morning_end: "11:30".into(),
        afternoon_start: "13:00".into(),
        afternoon_end: "17:00".into(),
        same_day_cutoff: "15:00".into(),
    };
    // A reception officer may not; an admin of another subtree may not.
    assert!(matches!(
        app.set_office_hours(&official(Role::Reception, &city.path), city.id, &hours)
            .await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        app.set_office_hours(&official(Role::Admin, &ward.path), city.id, &hours)
            .await,
        Err(AppError::Forbidden)
    ));
    let bad = OfficeHoursForm {
        afternoon_start: "11:00".into(),
        ..hours.clone()
    };
    let error = app
        .set_office_hours(&official(Role::Admin, &city.path), city.id, &bad)
        .await
        .expect_err("overlap");
    assert_eq!(
        fields(error),
        [(
            "afternoon_start".to_owned(),
            "error-calendar-hours-overlap".to_owned()
        )]
    );
    let error = app
        .set_office_hours(
            &official(Role::Admin, &city.path),
            city.id,
            &OfficeHoursForm {
                morning_start: "7h".into(),
                ..hours.clone()
            },
        )
        .await
        .expect_err("format");
    assert_eq!(
        fields(error),
        [("morning_start".to_owned(), "error-calendar-time".to_owned())]
    );

    app.set_office_hours(&official(Role::Admin, &city.path), city.id, &hours)
        .await
        .expect("set");
    // Monday 2026-06-08 07:00: the ward inherits 07:30 opening, the default opens at 07:00.
    let from = datetime!(2026-06-08 07:00 +7);
    let default = app
        .calendar_due(None, from, ProcessingTime::WorkingHours(1))
        .await
        .expect("due");
    assert_eq!(default, datetime!(2026-06-08 08:00 +7));
    let ward_due = app
        .calendar_due(Some("000.01.00.H13"), from, ProcessingTime::WorkingHours(1))
        .await
        .expect("due");
    assert_eq!(ward_due, datetime!(2026-06-08 08:30 +7));
    let error = app
        .calendar_due(Some("nope"), from, ProcessingTime::WorkingHours(1))
        .await
        .expect_err("unknown");
    assert_eq!(
        fields(error),
        [("agency".to_owned(), "error-calendar-agency".to_owned())]
    );
    // The notice applies to the whole tree: a ward administrator may not change it.
    assert!(matches!(
        app.set_calendar_override(
            &official(Role::Admin, &ward.path),
            &form("2026-06-10", "compensatory_off", "x")
        )
        .await,
        Err(AppError::Forbidden)
    ));
    app.set_calendar_override(
        &official(Role::Admin, &city.path),
        &form("2026-06-10", "compensatory_off", "x"),
    )
    .await
    .expect("city administrator");
    app.reset_office_hours(&official(Role::Admin, &city.path), city.id)
        .await
        .expect("reset");
    assert_eq!(
        app.calendar_due(Some("000.01.00.H13"), from, ProcessingTime::WorkingHours(1))
            .await
            .expect("due"),
        default
    );
    db.cleanup().await;
}

#[test]
fn instants_and_years_are_checked() {
    assert_eq!(
        parse_instant("2026-02-13T03:00:00Z").map(format_instant),
        Some("2026-02-13T10:00:00+07:00".to_owned())
    );
    assert_eq!(parse_instant("13/02/2026"), None);
    assert_eq!(parse_date("2026-2-13"), None);
    assert!(check_year(2199, "year").is_ok());
    assert!(check_year(1899, "year").is_err());
}

#[tokio::test]
async fn the_calendar_is_cached_until_a_change_invalidates_it() {
    let (app, db) = app().await;
    let from = datetime!(2026-06-09 10:00 +7);
    let due = |app: App| async move {
        app.calendar_due(None, from, ProcessingTime::WorkingDays(1))
            .await
            .expect("due")
    };
    assert_eq!(due(app.clone()).await, datetime!(2026-06-10 10:00 +7));
    // Another process (the CLI beside a running server) writes straight to the database.
    let mut tx = app.store.begin().await.expect("begin");
    tx.upsert_calendar_override(
        &motcua_store::calendar::CalendarOverrideInput {
            date: "2026-06-10".into(),
            kind: "compensatory_off".into(),
            name: "x".into(),
            basis: "y".into(),
        },
        None,
        1,
    )
    .await
    .expect("write");
    tx.commit().await.expect("commit");
    assert_eq!(
        due(app.clone()).await,
        datetime!(2026-06-10 10:00 +7),
        "served from the cache (for at most CACHE_TTL)"
    );
    app.calendar_cache.invalidate();
    assert_eq!(due(app.clone()).await, datetime!(2026-06-11 10:00 +7));
    db.cleanup().await;
}
