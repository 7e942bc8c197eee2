//! `/admin/outbox` over HTTP on both databases: the effects of a dossier's decisions that have
//! no integration yet (national sync, result delivery) wait there, visible to the
//! administrators of the dossier's jurisdiction and to no one else.

#[macro_use]
mod support;

use motcua_domain::dossier::ReturnMethod;
use support::{Client, Web};

both!(waiting_effects_are_shown_to_administrators_only);

async fn waiting_effects_are_shown_to_administrators_only(w: Web) -> Web {
    w.f.returned(ReturnMethod::Online).await;

    let admin = w.official_session("admin").await;
    let page = w.get("/admin/outbox", &admin).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(html.contains("sync-national"), "{html}");
    assert!(html.contains("deliver-result"), "{html}");
    assert!(
        html.contains("Chờ kết nối"),
        "kinds without a worker are marked waiting"
    );
    assert!(
        html.contains("UBND phường Ninh Kiều"),
        "rows name their unit"
    );

    let ward_admin = w.official_session("quantri.ninhkieu").await;
    assert_eq!(w.get("/admin/outbox", &ward_admin).await.status, 200);
    let specialist_session = w.official_session("chuyenvien.ninhkieu").await;
    assert_eq!(
        w.get("/admin/outbox", &specialist_session).await.status,
        403
    );
    let citizen = w.citizen(motcua_app::test_support::CITIZEN).await;
    assert_eq!(w.get("/admin/outbox", &citizen).await.status, 403);
    let anonymous = w.get("/admin/outbox", &Client::Anonymous).await;
    assert!(
        anonymous.status == 303 || anonymous.status == 401,
        "{}",
        anonymous.status
    );
    w
}
