//! `/admin/national-sync` over HTTP on both databases (issue 19): an administrator sees the
//! dossiers the national portal has not acknowledged and why, downloads them, sends one
//! again, and after the portal is back finds nothing failing; other callers are refused.

#[allow(unused_macros)]
#[macro_use]
mod support;

use motcua_app::notify::Channels;
use motcua_domain::dossier::ReturnMethod;
use std::sync::Arc;
use support::{Client, Web};

mod sqlite {
    #[tokio::test]
    async fn the_sync_page_shows_failures_and_sends_again() {
        super::the_sync_page_shows_failures_and_sends_again(motcua_store::Backend::Sqlite).await
    }
}

mod postgres {
    #[tokio::test]
    async fn the_sync_page_shows_failures_and_sends_again() {
        super::the_sync_page_shows_failures_and_sends_again(motcua_store::Backend::Postgres).await
    }
}

async fn the_sync_page_shows_failures_and_sends_again(backend: motcua_store::Backend) {
    let sim = motcua_national::simulator::start()
        .await
        .expect("portal simulator");
    let portal: Arc<dyn motcua_national::NationalPortal> =
        Arc::new(motcua_national::DvcqgClient::new(sim.config()).expect("adapter"));
    sim.set_outage(true);
    support::run_with(
        backend,
        move |state| state.app = state.app.clone().with_national_portal(portal),
        |w: Web| async move {
            let row = w.f.returned(ReturnMethod::Online).await;
            let code = row.code.clone().expect("code");
            deliver(&w).await;

            let admin = w.official_session("admin").await;
            let page = w.get("/admin/national-sync", &admin).await;
            assert_eq!(page.status, 200, "{}", page.text());
            let html = page.text();
            assert!(
                html.contains(&code),
                "the failing dossier is listed: {html}"
            );
            assert!(html.contains("unreachable"), "with the reason: {html}");

            let csv = w.get("/admin/national-sync/behind.csv", &admin).await;
            assert_eq!(csv.status, 200);
            assert!(
                csv.text().lines().any(|l| l.starts_with(&code)),
                "{}",
                csv.text()
            );

            // The portal is back; the ward's administrator sends the dossier again.
            sim.set_outage(false);
            let ward_admin = w.official_session("quantri.ninhkieu").await;
            let sent = w
                .form(
                    &format!("/admin/national-sync/{}/resend", row.id),
                    &ward_admin,
                    &[],
                )
                .await;
            assert_eq!(sent.status, 303, "{}", sent.text());
            assert_eq!(sent.location(), "/admin/national-sync?done=resend");
            let notice = w.get(&sent.location(), &ward_admin).await.text();
            assert!(
                notice.contains("Đã xếp hồ sơ vào hàng đợi để gửi lại."),
                "{notice}"
            );
            deliver(&w).await;
            let held = sim.dossier(&code).expect("the portal has it");
            assert_eq!(held.status.code(), 10);
            // The dossier's page tells the desk what the portal has.
            let page = w
                .get(&format!("/staff/dossiers/{}", row.id), &ward_admin)
                .await;
            let reception = w.official_session("tiepnhan.ninhkieu").await;
            let page = if page.status == 200 {
                page
            } else {
                w.get(&format!("/staff/dossiers/{}", row.id), &reception)
                    .await
            };
            assert_eq!(page.status, 200, "{}", page.text());
            assert!(
                page.text().contains("Cổng DVCQG đã nhận"),
                "{}",
                page.text()
            );
            let html = w.get("/admin/national-sync", &admin).await.text();
            assert!(html.contains("Không có hồ sơ nào gửi lỗi."), "{html}");

            // Reading needs the audit view, sending again the unit's management.
            let specialist = w.official_session("chuyenvien.ninhkieu").await;
            assert_eq!(w.get("/admin/national-sync", &specialist).await.status, 403);
            let other = w.official_session("tiepnhan.trunghung").await;
            let refused = w
                .form(
                    &format!("/admin/national-sync/{}/resend", row.id),
                    &other,
                    &[],
                )
                .await;
            assert_eq!(refused.status, 403);
            let citizen = w.citizen(motcua_app::test_support::CITIZEN).await;
            assert_eq!(w.get("/admin/national-sync", &citizen).await.status, 403);
            let anonymous = w.get("/admin/national-sync", &Client::Anonymous).await;
            assert!(anonymous.status == 303 || anonymous.status == 401);
            w
        },
    )
    .await;
}

/// Runs the outbox until nothing is due now.
async fn deliver(w: &Web) {
    while w
        .f
        .app
        .deliver_outbox(&Channels::log_only())
        .await
        .expect("outbox round")
        > 0
    {}
}
