//! Webhooks over HTTP on both databases: an administrator subscribes a system client's URL
//! (refusals for a bad address, a client that may not view dossiers, a stranger); the dossier's
//! status changes reach a real receiver signed with the secret shown once, a receiver that
//! fails is tried again with the same delivery id, and a client of another commune hears
//! nothing of this ward.

#[macro_use]
mod support;

use axum::http::{HeaderMap, StatusCode};
use motcua_app::test_support::WARD;
use motcua_channels::webhook;
use serde_json::json;
use std::sync::{Arc, Mutex};
use support::{Client, Web};

both!(
    status_changes_reach_subscribed_systems_signed_and_once,
    webhooks_are_managed_on_the_client_page
);

/// What the receiver saw: (headers, body) of every request, and the statuses it answers with
/// (then 200 once they run out).
#[derive(Default)]
struct Receiver {
    seen: Vec<(HeaderMap, Vec<u8>)>,
    answers: Vec<StatusCode>,
}

async fn receiver(state: Arc<Mutex<Receiver>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let state = state.clone();
            async move {
                let mut state = state.lock().expect("lock");
                state.seen.push((headers, body.to_vec()));
                if state.answers.is_empty() {
                    StatusCode::OK
                } else {
                    state.answers.remove(0)
                }
            }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{address}/hook")
}

async fn client(w: &Web, admin: &Client, name: &str, unit: &str, permissions: &[&str]) -> i64 {
    let unit_id = w.f.db.store.get_unit_by_code(unit).await.expect("unit").id;
    let reply = w
        .post(
            "/api/v1/clients",
            admin,
            json!({"name": name, "unit_id": unit_id, "permissions": permissions}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    reply.json()["id"].as_i64().expect("id")
}

async fn status_changes_reach_subscribed_systems_signed_and_once(w: Web) -> Web {
    let admin = w.official("admin").await;
    let ours = client(
        &w,
        &admin,
        "Hệ thống quản lý hộ tịch",
        WARD,
        &["dossier_view"],
    )
    .await;
    let theirs = client(
        &w,
        &admin,
        "Hệ thống xã khác",
        "000.00.31.H13",
        &["dossier_view"],
    )
    .await;
    let blind = client(&w, &admin, "Hệ thống chỉ đọc danh bạ", WARD, &["org_read"]).await;
    let ours_state = Arc::new(Mutex::new(Receiver {
        answers: vec![StatusCode::SERVICE_UNAVAILABLE],
        ..Default::default()
    }));
    let theirs_state = Arc::new(Mutex::new(Receiver::default()));
    let ours_url = receiver(ours_state.clone()).await;
    let theirs_url = receiver(theirs_state.clone()).await;

    // Refusals: nothing subscribed.
    for (id, url, field_code) in [
        (ours, "ftp://x.vn/hook", "error-webhook-url"),
        (ours, "https://user:pw@x.vn/hook", "error-webhook-url"),
        (blind, ours_url.as_str(), "error-webhook-permission"),
    ] {
        let reply = w
            .send(
                axum::http::Method::PUT,
                &format!("/api/v1/clients/{id}/webhook"),
                &admin,
                Some(json!({ "url": url })),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert_eq!(reply.field_code(), field_code);
    }
    let desk = w.official("tiepnhan.ninhkieu").await;
    let reply = w
        .send(
            axum::http::Method::PUT,
            &format!("/api/v1/clients/{ours}/webhook"),
            &desk,
            Some(json!({ "url": ours_url })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);

    let mut secrets = Vec::new();
    for (id, url) in [(ours, &ours_url), (theirs, &theirs_url)] {
        let reply = w
            .send(
                axum::http::Method::PUT,
                &format!("/api/v1/clients/{id}/webhook"),
                &admin,
                Some(json!({ "url": url })),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let secret = reply.json()["secret"].as_str().expect("secret").to_owned();
        assert_eq!(secret.len(), 64);
        secrets.push(secret);
    }
    let listed = w.get(&format!("/api/v1/clients/{ours}"), &admin).await;
    assert_eq!(listed.json()["webhook_url"], ours_url.as_str());
    assert!(
        !listed.text().contains(&secrets[0]),
        "the secret is shown once"
    );

    // A dossier of the ward is submitted and received: two status changes.
    let row = w.f.received().await;
    let channels = motcua_app::notify::Channels::log_only();
    w.f.app.deliver_outbox(&channels).await.expect("deliver");
    // The first attempt met 503; the retry comes after the backoff.
    w.f.advance(time::Duration::minutes(2));
    w.f.app
        .deliver_outbox(&channels)
        .await
        .expect("deliver again");
    w.f.advance(time::Duration::minutes(5));
    w.f.app
        .deliver_outbox(&channels)
        .await
        .expect("nothing left");

    let seen = ours_state.lock().expect("lock").seen.clone();
    assert_eq!(seen.len(), 3, "two events, one of them twice");
    // Each was signed at the app's clock of its attempt (freshness is the unit test's).
    let signed_at = |header: &str| -> i64 {
        header
            .split(',')
            .find_map(|p| p.strip_prefix("t="))
            .and_then(|t| t.parse().ok())
            .expect("t=")
    };
    let mut statuses = Vec::new();
    let mut deliveries = Vec::new();
    for (headers, body) in &seen {
        let header = headers
            .get(webhook::SIGNATURE_HEADER)
            .and_then(|v| v.to_str().ok())
            .expect("signed");
        let now = signed_at(header);
        assert!(now <= w.f.app.now().unix_timestamp());
        webhook::verify(header, &secrets[0], body, now).expect("signature verifies");
        assert!(webhook::verify(header, &secrets[1], body, now).is_err());
        let mut tampered = body.clone();
        tampered.push(b' ');
        assert!(webhook::verify(header, &secrets[0], &tampered, now).is_err());
        assert_eq!(
            headers
                .get(webhook::EVENT_HEADER)
                .and_then(|v| v.to_str().ok()),
            Some("dossier.status")
        );
        let delivery = headers
            .get(webhook::DELIVERY_HEADER)
            .and_then(|v| v.to_str().ok())
            .expect("delivery id")
            .to_owned();
        let event: serde_json::Value = serde_json::from_slice(body).expect("json");
        assert_eq!(event["delivery"].to_string(), delivery);
        assert_eq!(event["data"]["dossier_id"], row.id);
        statuses.push(event["data"]["status"].as_i64().expect("status"));
        deliveries.push(delivery);
    }
    // The one that met 503 came again with its delivery id (the first request seen); each
    // status change was delivered once.
    assert_eq!(
        deliveries.iter().filter(|d| **d == deliveries[0]).count(),
        2,
        "{deliveries:?}"
    );
    let mut by_delivery: Vec<(String, i64)> = deliveries.into_iter().zip(statuses).collect();
    by_delivery.sort();
    by_delivery.dedup();
    let mut delivered: Vec<i64> = by_delivery.iter().map(|(_, status)| *status).collect();
    delivered.sort_unstable();
    assert_eq!(delivered, vec![1, 2]);
    let codes: Vec<serde_json::Value> = seen
        .iter()
        .filter_map(|(_, body)| serde_json::from_slice::<serde_json::Value>(body).ok())
        .map(|e| e["data"]["dossier_code"].clone())
        .collect();
    assert!(codes.contains(&json!(row.code.clone().expect("received: code"))));
    assert!(
        theirs_state.lock().expect("lock").seen.is_empty(),
        "another commune hears nothing"
    );

    // Unsubscribed: the next change is not sent.
    let reply = w
        .send(
            axum::http::Method::DELETE,
            &format!("/api/v1/clients/{ours}/webhook"),
            &admin,
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    w.f.received().await;
    w.f.app.deliver_outbox(&channels).await.expect("deliver");
    assert_eq!(ours_state.lock().expect("lock").seen.len(), 3);
    w
}

/// The administrator's page: a bad address is refused beside the field and stores nothing; a
/// good one shows its secret once; removing it unsubscribes. A desk officer may not.
async fn webhooks_are_managed_on_the_client_page(w: Web) -> Web {
    let admin = w.official("admin").await;
    let id = client(&w, &admin, "Hệ thống hộ tịch", WARD, &["dossier_view"]).await;
    let page = w.official_session("admin").await;
    let path = format!("/admin/clients/{id}");
    let shown = w.get(&path, &page).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(
        shown.text().contains("Đăng ký nhận thông báo"),
        "{}",
        shown.text()
    );

    for bad in ["", "ftp://x.vn/hook", "https://user:pw@x.vn/hook"] {
        let refused = w
            .form(&format!("{path}/webhook"), &page, &[("url", bad)])
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(
            refused.text().contains("Địa chỉ nhận thông báo phải là"),
            "{}",
            refused.text()
        );
        let listed = w.get(&format!("/api/v1/clients/{id}"), &admin).await;
        assert!(
            listed.json()["webhook_url"].is_null(),
            "{bad}: nothing stored"
        );
    }

    let url = "https://hotich.cantho.gov.vn/motcua/events";
    let set = w
        .form(&format!("{path}/webhook"), &page, &[("url", url)])
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text());
    let text = set.text();
    assert!(text.contains("Khóa ký chỉ hiển thị một lần"));
    let secret = text
        .split("id=\"new-secret\" type=\"text\" readonly value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the secret in the page")
        .to_owned();
    assert_eq!(secret.len(), 64);
    let listed = w.get(&format!("/api/v1/clients/{id}"), &admin).await;
    assert_eq!(listed.json()["webhook_url"], url);
    let again = w.get(&path, &page).await;
    assert!(!again.text().contains(&secret), "shown once");
    assert!(again.text().contains(url));
    assert!(again.text().contains("Hủy đăng ký nhận thông báo"));

    let desk = w.official_session("tiepnhan.ninhkieu").await;
    let refused = w.form(&format!("{path}/webhook/remove"), &desk, &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let removed = w.form(&format!("{path}/webhook/remove"), &page, &[]).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert_eq!(removed.location(), format!("{path}?webhook_removed=1"));
    let listed = w.get(&format!("/api/v1/clients/{id}"), &admin).await;
    assert!(listed.json()["webhook_url"].is_null(), "unsubscribed");
    w
}
