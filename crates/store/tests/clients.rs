//! System clients and their tokens, and workflow version listings, on both databases: a client
//! round-trips with its unit's path, names are unique, a token is found by its hash only, a
//! revocation happens once and only for the token's own client.

use motcua_store::clients::SystemClientInput;
use motcua_store::org::OrgUnitInput;
use motcua_store::test_support::TestDatabase;
use motcua_store::{Backend, Store, StoreError};

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::run(motcua_store::Backend::Sqlite, super::$name).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::run(motcua_store::Backend::Postgres, super::$name).await } )* }
    };
}

contract!(
    a_client_and_its_tokens_round_trip,
    workflow_versions_are_listed_per_procedure,
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

async fn a_client_and_its_tokens_round_trip(store: Store) {
    let mut tx = store.begin().await.expect("begin");
    let unit = tx
        .insert_unit(
            &OrgUnitInput {
                parent_id: None,
                kind: "government".into(),
                level: "province".into(),
                name: "UBND thành phố Cần Thơ".into(),
                short_name: None,
                code: Some("000.00.00.H13".into()),
                address: None,
                phone: None,
                email: None,
                sort_order: 0,
            },
            1,
        )
        .await
        .expect("unit");
    let input = SystemClientInput {
        name: "Cổng Dịch vụ công quốc gia".into(),
        unit_id: unit.id,
        permissions: "dossier_view".into(),
        active: true,
    };
    let id = tx.insert_system_client(&input, 10).await.expect("client");
    let token = tx
        .insert_client_token("hash-1", id, "đồng bộ", Some(99), 11)
        .await
        .expect("token");
    tx.commit().await.expect("commit");

    let row = store.get_system_client(id).await.expect("read");
    assert_eq!(row.name, "Cổng Dịch vụ công quốc gia");
    assert_eq!(row.unit_path, unit.path);
    assert!(row.active);
    assert_eq!(store.list_system_clients().await.expect("list").len(), 1);
    let found = store.get_client_token("hash-1").await.expect("by hash");
    assert_eq!(
        (found.id, found.client_id, found.expires_at),
        (token, id, Some(99))
    );
    assert!(matches!(
        store.get_client_token("hash-2").await,
        Err(StoreError::NotFound)
    ));

    // Unique names.
    let mut tx = store.begin().await.expect("begin");
    assert!(matches!(
        tx.insert_system_client(&input, 12).await,
        Err(StoreError::Conflict(_))
    ));
    drop(tx);

    // Deactivate; revoke once, and only through the token's own client.
    let mut tx = store.begin().await.expect("begin");
    tx.update_system_client(
        id,
        &SystemClientInput {
            active: false,
            ..input.clone()
        },
        13,
    )
    .await
    .expect("update");
    assert!(matches!(
        tx.revoke_client_token(id + 1, token, 14).await,
        Err(StoreError::NotFound)
    ));
    tx.revoke_client_token(id, token, 14).await.expect("revoke");
    assert!(matches!(
        tx.revoke_client_token(id, token, 15).await,
        Err(StoreError::NotFound)
    ));
    tx.commit().await.expect("commit");
    assert!(!store.get_system_client(id).await.expect("read").active);
    let tokens = store.client_tokens(id).await.expect("tokens");
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].revoked_at, Some(14));
}

async fn workflow_versions_are_listed_per_procedure(store: Store) {
    let mut tx = store.begin().await.expect("begin");
    for (code, at) in [("1.001193", 1), ("1.001193", 2), ("2.000635", 3)] {
        tx.insert_workflow(code, "{}", None, at)
            .await
            .expect("workflow");
    }
    tx.commit().await.expect("commit");
    let all = store.list_workflow_versions().await.expect("all");
    let listed: Vec<(&str, i64)> = all
        .iter()
        .map(|r| (r.procedure_code.as_str(), r.version))
        .collect();
    assert_eq!(listed, [("1.001193", 1), ("1.001193", 2), ("2.000635", 1)]);
    let one = store.workflow_versions("1.001193").await.expect("one");
    assert_eq!(
        one.iter().map(|r| r.version).collect::<Vec<_>>(),
        [2, 1],
        "newest first"
    );
    assert_eq!(one[0].created_at, 2);
}
