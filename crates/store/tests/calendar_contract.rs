//! The store contract for the working-day calendar (notice overrides, office hours): every test
//! runs on SQLite and on PostgreSQL and must behave the same. Kept apart from `contract.rs` so
//! that features add test files instead of editing one shared list.

use motcua_store::calendar::{CalendarOverrideInput, OfficeHoursRow};
use motcua_store::org::OrgUnitInput;
use motcua_store::test_support::TestDatabase;
use motcua_store::{Backend, Store, StoreError};

/// Declares one async test per backend from a function `async fn(Store)`.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::run(motcua_store::Backend::Sqlite, super::$name).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::run(motcua_store::Backend::Postgres, super::$name).await } )* }
    };
}

contract!(
    overrides_upsert_list_and_delete,
    overrides_are_listed_by_year,
    seeding_fills_only_an_empty_table,
    an_uncommitted_override_leaves_nothing,
    office_hours_replace_and_reset,
    office_hours_need_an_existing_unit,
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

fn entry(date: &str, kind: &str, name: &str) -> CalendarOverrideInput {
    CalendarOverrideInput {
        date: date.into(),
        kind: kind.into(),
        name: name.into(),
        basis: "Thông báo thử".into(),
    }
}

async fn overrides_upsert_list_and_delete(store: Store) {
    let mut tx = store.begin().await.expect("begin");
    assert!(
        tx.upsert_calendar_override(&entry("2027-01-01", "holiday", "Tết Dương lịch"), None, 10)
            .await
            .expect("insert")
    );
    assert!(
        tx.upsert_calendar_override(
            &entry("2026-12-31", "compensatory_off", "Nghỉ bù"),
            Some(7),
            11
        )
        .await
        .expect("insert")
    );
    let replaced = tx
        .upsert_calendar_override(
            &entry("2027-01-01", "holiday", "Tết Dương lịch 2027"),
            Some(7),
            12,
        )
        .await
        .expect("replace");
    assert!(!replaced, "second write of a date replaces it");
    tx.commit().await.expect("commit");

    let all = store.list_calendar_overrides().await.expect("list");
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].date, "2026-12-31", "ordered by date");
    assert_eq!(all[1].name, "Tết Dương lịch 2027");
    assert_eq!(all[1].updated_at, 12);
    assert_eq!(all[1].updated_by, Some(7));
    assert_eq!(store.count_calendar_overrides().await.expect("count"), 2);
    assert_eq!(
        store
            .get_calendar_override("2026-12-31")
            .await
            .expect("get")
            .kind,
        "compensatory_off"
    );

    let mut tx = store.begin().await.expect("begin");
    let removed = tx
        .delete_calendar_override("2026-12-31")
        .await
        .expect("delete");
    assert_eq!(removed.name, "Nghỉ bù");
    assert!(matches!(
        tx.delete_calendar_override("2026-12-31").await,
        Err(StoreError::NotFound)
    ));
    tx.commit().await.expect("commit");
    assert!(matches!(
        store.get_calendar_override("2026-12-31").await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.count_calendar_overrides().await.expect("count"), 1);
}

async fn overrides_are_listed_by_year(store: Store) {
    let mut tx = store.begin().await.expect("begin");
    for (date, kind) in [
        ("2025-12-31", "compensatory_off"),
        ("2026-01-01", "holiday"),
        ("2026-12-31", "compensatory_off"),
        ("2027-01-01", "holiday"),
    ] {
        tx.upsert_calendar_override(&entry(date, kind, "x"), None, 1)
            .await
            .expect("insert");
    }
    tx.commit().await.expect("commit");
    let year: Vec<String> = store
        .list_calendar_overrides_in_year(2026)
        .await
        .expect("year")
        .into_iter()
        .map(|r| r.date)
        .collect();
    assert_eq!(year, ["2026-01-01", "2026-12-31"]);
    assert!(
        store
            .list_calendar_overrides_in_year(2030)
            .await
            .expect("empty year")
            .is_empty()
    );
}

async fn seeding_fills_only_an_empty_table(store: Store) {
    let bundled = [
        entry("2026-01-01", "holiday", "Tết Dương lịch"),
        entry("2026-01-10", "compensatory_work", "Làm bù"),
    ];
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.seed_calendar_overrides(&bundled, 5).await.expect("seed"),
        2
    );
    tx.commit().await.expect("commit");
    let mut tx = store.begin().await.expect("begin");
    tx.delete_calendar_override("2026-01-10")
        .await
        .expect("admin deletes one");
    assert_eq!(
        tx.seed_calendar_overrides(&bundled, 6).await.expect("seed"),
        0,
        "an edited table is left alone"
    );
    tx.commit().await.expect("commit");
    let all = store.list_calendar_overrides().await.expect("list");
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].updated_by, None);
}

async fn an_uncommitted_override_leaves_nothing(store: Store) {
    let mut tx = store.begin().await.expect("begin");
    tx.upsert_calendar_override(&entry("2026-05-04", "compensatory_off", "x"), Some(1), 1)
        .await
        .expect("insert");
    drop(tx);
    assert_eq!(store.count_calendar_overrides().await.expect("count"), 0);
}

fn unit(name: &str) -> OrgUnitInput {
    OrgUnitInput {
        parent_id: None,
        kind: "government".into(),
        level: "province".into(),
        name: name.into(),
        short_name: None,
        code: None,
        address: None,
        phone: None,
        email: None,
        sort_order: 0,
    }
}

fn hours(unit_id: i64, morning_start: &str, at: i64) -> OfficeHoursRow {
    OfficeHoursRow {
        unit_id,
        morning_start: morning_start.into(),
        morning_end: "11:30".into(),
        afternoon_start: "13:30".into(),
        afternoon_end: "17:00".into(),
        same_day_cutoff: "15:00".into(),
        updated_at: at,
    }
}

async fn office_hours_replace_and_reset(store: Store) {
    let mut tx = store.begin().await.expect("begin");
    let city = tx.insert_unit(&unit("Thành phố"), 1).await.expect("unit");
    tx.set_office_hours(&hours(city.id, "07:00", 2))
        .await
        .expect("set");
    tx.set_office_hours(&hours(city.id, "07:30", 3))
        .await
        .expect("replace");
    tx.commit().await.expect("commit");
    let stored = store
        .get_office_hours(city.id)
        .await
        .expect("get")
        .expect("present");
    assert_eq!(stored, hours(city.id, "07:30", 3));
    assert_eq!(store.list_office_hours().await.expect("list").len(), 1);

    let mut tx = store.begin().await.expect("begin");
    assert!(tx.delete_office_hours(city.id).await.expect("reset"));
    assert!(!tx.delete_office_hours(city.id).await.expect("reset again"));
    tx.commit().await.expect("commit");
    assert_eq!(store.get_office_hours(city.id).await.expect("get"), None);
}

async fn office_hours_need_an_existing_unit(store: Store) {
    let mut tx = store.begin().await.expect("begin");
    let result = tx.set_office_hours(&hours(9_999, "07:00", 1)).await;
    assert!(
        matches!(result, Err(StoreError::Conflict(_))),
        "foreign key: {result:?}"
    );
}
