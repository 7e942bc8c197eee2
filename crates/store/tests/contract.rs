//! The store contract: every test here runs on SQLite and on PostgreSQL and must behave the same.

use motcua_store::audit::AuditEntry;
use motcua_store::org::OrgUnitInput;
use motcua_store::people::OfficialInput;
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
    a_reachable_database_answers_the_readiness_ping,
    units_form_a_tree_of_any_depth,
    moving_a_unit_moves_its_subtree,
    deleting_a_unit_with_children_is_refused,
    duplicate_agency_codes_conflict,
    officials_and_roles_round_trip,
    citizens_are_unique_by_personal_id,
    sessions_expire,
    audit_entries_commit_with_the_change_or_not_at_all,
    outbox_rows_are_claimed_once_and_retried,
    outbox_kinds_wait_for_their_worker_and_are_shown_by_scope,
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

fn unit(
    parent: Option<i64>,
    kind: &str,
    level: &str,
    name: &str,
    code: Option<&str>,
) -> OrgUnitInput {
    OrgUnitInput {
        parent_id: parent,
        kind: kind.into(),
        level: level.into(),
        name: name.into(),
        short_name: None,
        code: code.map(Into::into),
        address: None,
        phone: None,
        email: None,
        sort_order: 0,
    }
}

async fn units_form_a_tree_of_any_depth(store: Store) {
    let mut tx = store.begin().await.expect("begin");
    let province = tx
        .insert_unit(
            &unit(
                None,
                "government",
                "province",
                "UBND tỉnh",
                Some("000.00.00.H99"),
            ),
            1,
        )
        .await
        .expect("province");
    let district = tx
        .insert_unit(
            &unit(
                Some(province.id),
                "government",
                "district",
                "UBND huyện",
                None,
            ),
            1,
        )
        .await
        .expect("district");
    let commune = tx
        .insert_unit(
            &unit(Some(district.id), "agency", "commune", "UBND xã", None),
            1,
        )
        .await
        .expect("commune");
    let desk = tx
        .insert_unit(
            &unit(
                Some(commune.id),
                "one_stop_desk",
                "commune",
                "Bộ phận Một cửa",
                None,
            ),
            1,
        )
        .await
        .expect("desk");
    tx.commit().await.expect("commit");
    assert_eq!(
        desk.path,
        format!(
            "/{}/{}/{}/{}/",
            province.id, district.id, commune.id, desk.id
        )
    );
    let all = store.list_units().await.expect("list");
    assert_eq!(all.len(), 4);
    assert_eq!(all[0].id, province.id, "parents come first");
    assert_eq!(
        store
            .get_unit_by_code("000.00.00.H99")
            .await
            .expect("by code")
            .name,
        "UBND tỉnh"
    );
    assert!(matches!(
        store.get_unit(9999).await,
        Err(StoreError::NotFound)
    ));
}

async fn moving_a_unit_moves_its_subtree(store: Store) {
    let mut tx = store.begin().await.expect("begin");
    let root = tx
        .insert_unit(&unit(None, "government", "province", "Tỉnh", None), 1)
        .await
        .expect("root");
    let a = tx
        .insert_unit(&unit(Some(root.id), "government", "district", "A", None), 1)
        .await
        .expect("a");
    let b = tx
        .insert_unit(&unit(Some(root.id), "government", "district", "B", None), 1)
        .await
        .expect("b");
    let commune = tx
        .insert_unit(&unit(Some(a.id), "agency", "commune", "Xã", None), 1)
        .await
        .expect("commune");
    let desk = tx
        .insert_unit(&unit(Some(commune.id), "unit", "commune", "Tổ", None), 1)
        .await
        .expect("desk");
    let mut moved = unit(Some(b.id), "agency", "commune", "Xã", None);
    moved.name = "Xã (mới)".into();
    let updated = tx.update_unit(commune.id, &moved, 2).await.expect("move");
    assert_eq!(
        updated.path,
        format!("/{}/{}/{}/", root.id, b.id, commune.id)
    );
    let child = tx.get_unit(desk.id).await.expect("child");
    assert_eq!(
        child.path,
        format!("/{}/{}/{}/{}/", root.id, b.id, commune.id, desk.id)
    );
    let under_itself = unit(Some(desk.id), "agency", "commune", "Xã", None);
    assert!(matches!(
        tx.update_unit(commune.id, &under_itself, 3).await,
        Err(StoreError::Conflict(_))
    ));
    tx.commit().await.expect("commit");
}

async fn deleting_a_unit_with_children_is_refused(store: Store) {
    let mut tx = store.begin().await.expect("begin");
    let root = tx
        .insert_unit(&unit(None, "government", "province", "Tỉnh", None), 1)
        .await
        .expect("root");
    let leaf = tx
        .insert_unit(&unit(Some(root.id), "unit", "province", "Phòng", None), 1)
        .await
        .expect("leaf");
    assert!(matches!(
        tx.delete_unit(root.id).await,
        Err(StoreError::Conflict(_))
    ));
    tx.delete_unit(leaf.id).await.expect("leaf deletes");
    assert!(matches!(
        tx.delete_unit(leaf.id).await,
        Err(StoreError::NotFound)
    ));
    tx.commit().await.expect("commit");
}

async fn duplicate_agency_codes_conflict(store: Store) {
    let mut tx = store.begin().await.expect("begin");
    tx.insert_unit(
        &unit(None, "agency", "province", "Sở A", Some("000.01.00.H99")),
        1,
    )
    .await
    .expect("first");
    let second = tx
        .insert_unit(
            &unit(None, "agency", "province", "Sở B", Some("000.01.00.H99")),
            1,
        )
        .await;
    assert!(matches!(second, Err(StoreError::Conflict(_))), "{second:?}");
}

async fn officials_and_roles_round_trip(store: Store) {
    let mut tx = store.begin().await.expect("begin");
    let root = tx
        .insert_unit(&unit(None, "government", "province", "Thành phố", None), 1)
        .await
        .expect("root");
    let commune = tx
        .insert_unit(&unit(Some(root.id), "agency", "commune", "Phường", None), 1)
        .await
        .expect("commune");
    let position = tx
        .ensure_position("Chuyên viên", 50)
        .await
        .expect("position");
    assert_eq!(
        tx.ensure_position("Chuyên viên", 50).await.expect("again"),
        position
    );
    let input = OfficialInput {
        username: "an.nv".into(),
        full_name: "Nguyễn Văn An".into(),
        position_id: Some(position),
        unit_id: commune.id,
        email: Some("an@example.vn".into()),
        phone: None,
        employed_from: Some("2020-01-15".into()),
        employed_to: None,
        active: true,
    };
    let id = tx
        .insert_official(&input, "hash", 1)
        .await
        .expect("official");
    assert!(
        tx.assign_role(id, "reception", commune.id, None, 1)
            .await
            .expect("assign")
    );
    assert!(
        !tx.assign_role(id, "reception", commune.id, None, 1)
            .await
            .expect("again"),
        "idempotent"
    );
    tx.commit().await.expect("commit");
    let official = store.get_official(id).await.expect("get");
    assert_eq!(official.position_name.as_deref(), Some("Chuyên viên"));
    assert_eq!(official.unit_path, commune.path);
    let roles = store.roles_of(id).await.expect("roles");
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0].unit_path, commune.path);
    assert_eq!(
        store.official_access(id).await.expect("access"),
        Some((
            true,
            vec![("reception".to_owned(), commune.id, commune.path.clone())]
        )),
        "the one-statement access read agrees with roles_of"
    );
    assert_eq!(store.official_access(id + 1000).await.expect("none"), None);
    assert_eq!(
        store
            .list_officials(Some(&root.path))
            .await
            .expect("in city")
            .len(),
        1
    );
    assert_eq!(
        store
            .list_officials(Some("/999/"))
            .await
            .expect("elsewhere")
            .len(),
        0
    );
    let creds = store.official_credentials("an.nv").await.expect("creds");
    assert!(creds.active && !creds.totp_enabled);
    let mut tx = store.begin().await.expect("begin");
    let revoked = tx.revoke_role(roles[0].id).await.expect("revoke");
    assert_eq!(revoked.role, "reception");
    tx.commit().await.expect("commit");
    assert!(store.roles_of(id).await.expect("roles").is_empty());
    assert_eq!(
        store.official_access(id).await.expect("access"),
        Some((true, Vec::new())),
        "an official without roles exists, with nothing to do"
    );
}

async fn citizens_are_unique_by_personal_id(store: Store) {
    let mut tx = store.begin().await.expect("begin");
    tx.insert_citizen(
        "092095123456",
        "Trần Thị Bình",
        Some("binh@example.vn"),
        None,
        "h",
        1,
    )
    .await
    .expect("citizen");
    let duplicate = tx
        .insert_citizen("092095123456", "Khác", None, None, "h", 1)
        .await;
    assert!(matches!(duplicate, Err(StoreError::Conflict(_))));
    drop(tx);
    // The transaction was never committed, so nothing was stored.
    assert!(matches!(
        store.citizen_credentials("092095123456").await,
        Err(StoreError::NotFound)
    ));
    let mut tx = store.begin().await.expect("begin");
    let id = tx
        .insert_citizen("092095123456", "Trần Thị Bình", None, None, "h", 1)
        .await
        .expect("citizen");
    tx.mark_citizen_verified(id, 5).await.expect("verify");
    tx.commit().await.expect("commit");
    assert_eq!(
        store.get_citizen(id).await.expect("get").verified_at,
        Some(5)
    );
}

async fn sessions_expire(store: Store) {
    use motcua_store::auth::SessionRow;
    let mut tx = store.begin().await.expect("begin");
    let row = SessionRow {
        token_hash: "abc".into(),
        principal_kind: "citizen".into(),
        principal_id: 1,
        stage: "full".into(),
        created_at: 10,
        expires_at: 100,
    };
    tx.insert_session(&row).await.expect("insert");
    tx.commit().await.expect("commit");
    assert_eq!(store.get_session("abc", 50).await.expect("get"), Some(row));
    assert_eq!(store.get_session("abc", 100).await.expect("get"), None);
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(tx.delete_expired_sessions(200).await.expect("purge"), 1);
    tx.commit().await.expect("commit");
}

async fn audit_entries_commit_with_the_change_or_not_at_all(store: Store) {
    let entry = AuditEntry {
        actor_kind: "official".into(),
        actor_id: Some(1),
        action: "role.assign".into(),
        ..Default::default()
    };
    let mut tx = store.begin().await.expect("begin");
    tx.append_audit(&entry, 1).await.expect("append");
    drop(tx);
    assert!(
        store
            .list_audit(None, 10, None)
            .await
            .expect("list")
            .is_empty()
    );
    let mut tx = store.begin().await.expect("begin");
    tx.append_audit(&entry, 1).await.expect("append");
    tx.append_audit(
        &AuditEntry {
            action: "signin".into(),
            ..entry.clone()
        },
        2,
    )
    .await
    .expect("append");
    tx.commit().await.expect("commit");
    let all = store.list_audit(None, 10, None).await.expect("list");
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].action, "signin", "newest first");
    assert_eq!(all[0].detail, "{}");
    assert_eq!(
        store
            .list_audit(Some("role.assign"), 10, None)
            .await
            .expect("filtered")
            .len(),
        1
    );
}

async fn outbox_rows_are_claimed_once_and_retried(store: Store) {
    let mut tx = store.begin().await.expect("begin");
    let first = tx
        .enqueue("email", "{\"to\":\"a\"}", 100)
        .await
        .expect("enqueue");
    tx.enqueue("email", "{\"to\":\"b\"}", 100)
        .await
        .expect("enqueue");
    tx.commit().await.expect("commit");
    let claimed = store
        .claim_outbox(100, 1_000, 10, &["email"])
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 2);
    assert!(
        store
            .claim_outbox(200, 1_000, 10, &["email"])
            .await
            .expect("claim")
            .is_empty(),
        "leased rows are not claimed twice"
    );
    store.complete_outbox(first, 300).await.expect("done");
    let second = claimed.iter().find(|r| r.id != first).expect("second row");
    store
        .fail_outbox(second.id, "smtp down", 5_000)
        .await
        .expect("fail");
    assert!(
        store
            .claim_outbox(400, 1_000, 10, &["email"])
            .await
            .expect("claim")
            .is_empty(),
        "retry waits"
    );
    let retry = store
        .claim_outbox(5_000, 1_000, 10, &["email"])
        .await
        .expect("claim");
    assert_eq!(retry.len(), 1);
    assert_eq!(retry[0].attempts, 2);
    assert_eq!(store.pending_outbox().await.expect("pending"), 1);
    // A batch is completed in one statement; completing nothing changes nothing.
    let mut tx = store.begin().await.expect("begin");
    let third = tx.enqueue("email", "{}", 6_000).await.expect("enqueue");
    let fourth = tx.enqueue("email", "{}", 6_000).await.expect("enqueue");
    tx.commit().await.expect("commit");
    store.complete_outbox_rows(&[], 6_500).await.expect("none");
    assert_eq!(store.pending_outbox().await.expect("pending"), 3);
    store
        .complete_outbox_rows(&[second.id, third, fourth], 7_000)
        .await
        .expect("batch");
    assert_eq!(store.pending_outbox().await.expect("pending"), 0);
}

async fn outbox_kinds_wait_for_their_worker_and_are_shown_by_scope(store: Store) {
    use motcua_store::outbox::OutboxScope;
    let mut tx = store.begin().await.expect("begin");
    tx.enqueue_scoped("sync-national", "{}", 100, Some("/1/5/"))
        .await
        .expect("enqueue");
    tx.enqueue_scoped("deliver-result", "{}", 100, Some("/1/6/"))
        .await
        .expect("enqueue");
    tx.enqueue("notify", "{\"code\":\"123456\"}", 100)
        .await
        .expect("enqueue");
    tx.commit().await.expect("commit");
    // A worker that delivers notifications never claims the other kinds.
    let claimed = store
        .claim_outbox(200, 1_000, 10, &["notify"])
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].kind, "notify");
    assert!(
        store
            .claim_outbox(200, 1_000, 10, &[])
            .await
            .expect("claim")
            .is_empty()
    );
    store
        .complete_outbox(claimed[0].id, 300)
        .await
        .expect("done");
    let everything = OutboxScope {
        paths: None,
        unscoped: true,
    };
    let counts = store.outbox_counts(&everything).await.expect("counts");
    let kinds: Vec<(&str, i64, i64)> = counts
        .iter()
        .map(|c| (c.kind.as_str(), c.pending, c.done))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("deliver-result", 1, 0),
            ("notify", 0, 1),
            ("sync-national", 1, 0)
        ]
    );
    // A ward's administrator sees the rows of the ward only, never unscoped ones.
    let ward = OutboxScope {
        paths: Some(vec!["/1/5/".to_owned()]),
        unscoped: false,
    };
    let waiting = store.outbox_waiting(&ward, 50).await.expect("waiting");
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].kind, "sync-national");
    assert_eq!(waiting[0].scope_path.as_deref(), Some("/1/5/"));
    let nowhere = OutboxScope {
        paths: Some(Vec::new()),
        unscoped: false,
    };
    assert!(
        store
            .outbox_counts(&nowhere)
            .await
            .expect("counts")
            .is_empty()
    );
    assert!(
        store
            .outbox_waiting(&nowhere, 50)
            .await
            .expect("waiting")
            .is_empty()
    );
}

#[tokio::test]
async fn both_backends_have_the_same_schema() {
    let sqlite = TestDatabase::new(Backend::Sqlite).await;
    let postgres = TestDatabase::new(Backend::Postgres).await;
    assert_eq!(
        sqlite.store.schema_columns().await.expect("sqlite"),
        postgres.store.schema_columns().await.expect("pg")
    );
    assert_eq!(
        sqlite.store.schema_indexes().await.expect("sqlite"),
        postgres.store.schema_indexes().await.expect("pg")
    );
    let sqlite_migrations = sqlite.store.applied_migrations().await.expect("m");
    let postgres_migrations = postgres.store.applied_migrations().await.expect("m");
    assert_eq!(sqlite_migrations, postgres_migrations);
    sqlite.cleanup().await;
    postgres.cleanup().await;
}

#[tokio::test]
async fn sqlite_backup_is_a_consistent_copy() {
    let db = TestDatabase::new(Backend::Sqlite).await;
    let mut tx = db.store.begin().await.expect("begin");
    tx.insert_unit(&unit(None, "government", "province", "Thành phố", None), 1)
        .await
        .expect("unit");
    tx.commit().await.expect("commit");
    let target = std::env::temp_dir().join(format!("motcua-backup-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&target);
    db.store
        .backup_to(&target.display().to_string())
        .await
        .expect("backup");
    let copy = Store::open(&format!("sqlite://{}", target.display()))
        .await
        .expect("open copy");
    assert_eq!(copy.count_units().await.expect("count"), 1);
    copy.close().await;
    let _ = std::fs::remove_file(&target);
    db.cleanup().await;
}

// --- OpenID Connect pending sign-ins (issue 2): on both backends, in one test per backend so
// this block stays separate from the list above.

async fn pending_oidc_logins_are_single_use_and_purged(store: Store) {
    use motcua_store::oidc::OidcLoginRow;
    let row = |hash: &str, expires_at: i64| OidcLoginRow {
        state_hash: hash.into(),
        nonce: "nonce".into(),
        pkce_verifier: "verifier".into(),
        purpose: "citizen".into(),
        return_to: "/account".into(),
        browser_hash: "browser".into(),
        created_at: 0,
        expires_at,
    };
    let mut tx = store.begin().await.expect("begin");
    tx.insert_oidc_login(&row("old", 50), 0).await.expect("old");
    tx.insert_oidc_login(&row("live", 1_000), 0)
        .await
        .expect("live");
    tx.commit().await.expect("commit");
    // Storing a new one at time 100 drops the one that expired at 50.
    let mut tx = store.begin().await.expect("begin");
    tx.insert_oidc_login(&row("new", 2_000), 100)
        .await
        .expect("new");
    assert_eq!(tx.take_oidc_login("old").await.expect("take"), None);
    let taken = tx.take_oidc_login("live").await.expect("take");
    assert_eq!(taken, Some(row("live", 1_000)));
    assert_eq!(tx.take_oidc_login("live").await.expect("again"), None);
    tx.commit().await.expect("commit");
    // A rolled-back take leaves the row usable.
    let mut tx = store.begin().await.expect("begin");
    assert!(tx.take_oidc_login("new").await.expect("take").is_some());
    drop(tx);
    let mut tx = store.begin().await.expect("begin");
    assert!(tx.take_oidc_login("new").await.expect("take").is_some());
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn sqlite_pending_oidc_logins_are_single_use_and_purged() {
    run(
        Backend::Sqlite,
        pending_oidc_logins_are_single_use_and_purged,
    )
    .await
}

#[tokio::test]
async fn postgres_pending_oidc_logins_are_single_use_and_purged() {
    run(
        Backend::Postgres,
        pending_oidc_logins_are_single_use_and_purged,
    )
    .await
}

/// `/readyz` relies on this; PostgreSQL once answered `SELECT 1` as INT4, which did not decode
/// as BIGINT, so a healthy PostgreSQL server reported "database unreachable" (found by
/// `motcua bench`, which waits for `/readyz`).
async fn a_reachable_database_answers_the_readiness_ping(store: Store) {
    assert!(store.ping().await);
}
