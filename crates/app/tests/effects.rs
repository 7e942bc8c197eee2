//! Every effect of a dossier decision leaves a trace: national-portal sync and result delivery
//! become outbox rows of their kind in the decision's transaction; the worker delivers the
//! kinds it has an integration for (a result returned online needs nothing more) and leaves the
//! others waiting (national sync), shown to administrators of the dossier's jurisdiction. On
//! both databases.

use motcua_app::AppError;
use motcua_app::effects::outbox_kind;
use motcua_app::notify::Channels;
use motcua_app::test_support::Fixture;
use motcua_domain::dossier::ReturnMethod;
use motcua_store::Backend;

async fn sync_and_delivery_effects_wait_in_the_outbox(backend: Backend) {
    let fx = Fixture::new(backend).await;
    let returned = fx.returned(ReturnMethod::Online).await;
    let code = returned.code.clone().expect("code");
    let specialist = fx.official("chuyenvien.ninhkieu").await;
    let app = &fx.app;

    // One national sync row per step of a coded dossier, with the status after it: 1 at
    // submission, then 2, 4 (forward, approve, sign keep it), 9, 10.
    let sync = fx
        .db
        .store
        .outbox_of_kind(outbox_kind::SYNC_NATIONAL)
        .await
        .expect("outbox");
    let statuses: Vec<i64> = sync
        .iter()
        .map(|row| {
            let payload: serde_json::Value =
                serde_json::from_str(&row.payload).expect("json payload");
            assert_eq!(payload["dossier_code"], code.as_str());
            assert_eq!(payload["dossier_id"], returned.id);
            payload["status"].as_i64().expect("status")
        })
        .collect();
    assert_eq!(statuses.first(), Some(&1), "{statuses:?}");
    assert_eq!(statuses.last(), Some(&10), "{statuses:?}");
    assert!(
        statuses.contains(&2) && statuses.contains(&9),
        "{statuses:?}"
    );
    assert!(
        statuses.is_sorted(),
        "in the order of the steps: {statuses:?}"
    );
    let steps = app
        .dossier_history(&motcua_app::Actor::system(), returned.id)
        .await
        .expect("history")
        .into_iter()
        .filter(|e| e.to_status.is_some())
        .count();
    assert_eq!(sync.len(), steps, "one row per step");

    let delivery = fx
        .db
        .store
        .outbox_of_kind(outbox_kind::DELIVER_RESULT)
        .await
        .expect("outbox");
    assert_eq!(delivery.len(), 1);
    let payload: serde_json::Value =
        serde_json::from_str(&delivery[0].payload).expect("json payload");
    assert_eq!(payload["method"], "online");
    assert_eq!(payload["dossier_code"], code.as_str());

    // The worker delivers the kinds it has an integration for and leaves the others waiting.
    app.deliver_outbox(&Channels::log_only())
        .await
        .expect("deliver");
    let admin = fx.official("admin").await;
    let overview = app.outbox_overview(&admin).await.expect("overview");
    let kind = |name: &str| {
        overview
            .kinds
            .iter()
            .find(|k| k.kind == name)
            .unwrap_or_else(|| panic!("kind {name} in {:?}", overview.kinds))
            .clone()
    };
    assert_eq!(kind(outbox_kind::NOTIFY).pending, 0);
    assert!(kind(outbox_kind::NOTIFY).delivered_here);
    assert_eq!(kind(outbox_kind::SYNC_NATIONAL).pending, sync.len() as i64);
    assert!(!kind(outbox_kind::SYNC_NATIONAL).delivered_here);
    assert_eq!(kind(outbox_kind::DELIVER_RESULT).pending, 0);
    assert_eq!(kind(outbox_kind::DELIVER_RESULT).done, 1);
    assert!(kind(outbox_kind::DELIVER_RESULT).delivered_here);
    assert!(
        overview
            .waiting
            .iter()
            .any(|w| w.kind == outbox_kind::SYNC_NATIONAL
                && w.scope_name.as_deref() == Some("UBND phường Ninh Kiều")),
        "{:?}",
        overview.waiting
    );

    // The ward's administrator sees the ward's rows; a specialist may not look at all.
    let ward_admin = fx.official("quantri.ninhkieu").await;
    let ward = app
        .outbox_overview(&ward_admin)
        .await
        .expect("ward overview");
    assert_eq!(ward.waiting.len(), overview.waiting.len());
    assert!(matches!(
        app.outbox_overview(&specialist).await,
        Err(AppError::Forbidden)
    ));
    fx.cleanup().await;
}

#[tokio::test]
async fn sqlite_sync_and_delivery_effects_wait_in_the_outbox() {
    sync_and_delivery_effects_wait_in_the_outbox(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_sync_and_delivery_effects_wait_in_the_outbox() {
    sync_and_delivery_effects_wait_in_the_outbox(Backend::Postgres).await;
}
