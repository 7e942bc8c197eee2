//! Notification pages and API over HTTP on both databases: the citizen's channels (saved, and
//! refused with a Vietnamese message when the installation lacks a channel), the delivery log
//! (masked recipients, cancel, retry) and the template editor (preview, save, refusal of an
//! unknown placeholder), and who may use them.

#[macro_use]
mod support;

use motcua_app::test_support::CITIZEN;
use support::{Client, Web};

fn every_channel(state: &mut motcua_web::AppState) {
    let mut settings = (*state.app.settings).clone();
    settings.channels = motcua_app::ContactChannels {
        email: true,
        sms: true,
        zalo: true,
    };
    state.app.settings = std::sync::Arc::new(settings);
}

both!(with every_channel;
    a_citizen_chooses_channels_on_the_page_and_through_the_api,
    administrators_follow_and_act_on_the_delivery_log,
    administrators_edit_templates_with_a_preview,
);
mod lacking {
    use super::*;
    both!(channels_the_installation_lacks_are_refused_in_vietnamese);
}
mod webhook {
    use super::*;
    both!(with zalo_account; the_zalo_webhook_takes_signed_events_only);
}

const ZALO_APP: &str = "zalo-app-1";
const ZALO_OA_SECRET: &str = "bi-mat-cua-oa";

fn zalo_account(state: &mut motcua_web::AppState) {
    let config = motcua_channels::zalo::ZaloConfig::production(
        ZALO_APP,
        motcua_channels::Secret("bi-mat-app".into()),
        motcua_channels::Secret(ZALO_OA_SECRET.into()),
    );
    state.app = state.app.clone().with_zalo_webhook(config);
}

/// A `user_send_text` event as Zalo sends it, and its `X-ZEvent-Signature`.
fn zalo_event(timestamp_ms: i64, message_id: &str, text: &str) -> (String, String) {
    let body = serde_json::json!({
        "app_id": ZALO_APP, "event_name": "user_send_text", "timestamp": timestamp_ms.to_string(),
        "sender": {"id": "nguoi-dung-1"}, "recipient": {"id": "oa-1"},
        "message": {"text": text, "msg_id": message_id},
    })
    .to_string();
    let signature = motcua_channels::zalo::webhook_signature(
        ZALO_APP,
        body.as_bytes(),
        &timestamp_ms.to_string(),
        ZALO_OA_SECRET,
    );
    (body, signature)
}

async fn post_event(w: &Web, body: &str, signature: Option<&str>) -> support::Reply {
    let mut request = axum::http::Request::builder()
        .method(axum::http::Method::POST)
        .uri("/api/v1/zalo/webhook")
        .header(axum::http::header::CONTENT_TYPE, "application/json");
    if let Some(signature) = signature {
        request = request.header("X-ZEvent-Signature", signature);
    }
    w.request(
        request
            .body(axum::body::Body::from(body.to_owned()))
            .expect("request"),
    )
    .await
}

async fn the_zalo_webhook_takes_signed_events_only(w: Web) -> Web {
    let now_ms = w.f.app.now_micros() / 1000;
    let (body, signature) = zalo_event(now_ms, "m-1", "tra cứu 000.00.30.H13-261207-0001");
    let accepted = post_event(&w, &body, Some(&signature)).await;
    assert_eq!(accepted.status, 200, "{}", accepted.text());
    assert_eq!(accepted.json()["message"], "accepted");
    // Zalo retries: the same event is answered 200 and stored once.
    let again = post_event(&w, &body, Some(&signature)).await;
    assert_eq!(again.json()["message"], "duplicate");
    let replies =
        w.f.db
            .store
            .outbox_of_kind("chat-reply")
            .await
            .expect("outbox");
    assert_eq!(replies.len(), 1);
    // Forged, unsigned, stale and unreadable events change nothing.
    assert_eq!(post_event(&w, &body, Some("mac=0000")).await.status, 401);
    assert_eq!(post_event(&w, &body, None).await.status, 401);
    let (stale, stale_signature) = zalo_event(now_ms - 60 * 60 * 1000, "m-2", "tra cứu");
    assert_eq!(
        post_event(&w, &stale, Some(&stale_signature)).await.status,
        401
    );
    assert_eq!(post_event(&w, "{", Some("mac=00")).await.status, 400);
    let replies =
        w.f.db
            .store
            .outbox_of_kind("chat-reply")
            .await
            .expect("outbox");
    assert_eq!(replies.len(), 1);
    w
}

async fn a_citizen_chooses_channels_on_the_page_and_through_the_api(w: Web) -> Web {
    let citizen = w.citizen(CITIZEN).await;
    let page = w.get("/my/notifications", &citizen).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(html.contains("id=\"f-zalo\""), "{html}");
    assert!(html.contains("hau.nguyen@example.vn"), "{html}");
    let saved = w
        .form(
            "/my/notifications",
            &citizen,
            &[("sms", "on"), ("zalo", "on"), ("language", "en")],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    assert_eq!(saved.location(), "/my/notifications?saved=1");
    let api = w.get("/api/v1/me/notifications", &citizen).await;
    assert_eq!(api.status, 200);
    assert_eq!(
        api.json(),
        serde_json::json!({"email": false, "sms": true, "zalo": true, "language": "en"})
    );
    let bad = w
        .send(
            axum::http::Method::PUT,
            "/api/v1/me/notifications",
            &citizen,
            Some(serde_json::json!({"email": true, "sms": false, "zalo": false, "language": "de"})),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text());
    assert_eq!(bad.field_code(), "error-notify-language");
    // Officials and visitors have no citizen settings.
    let official = w.official_session("tiepnhan.ninhkieu").await;
    assert_eq!(w.get("/my/notifications", &official).await.status, 403);
    let anonymous = w.get("/api/v1/me/notifications", &Client::Anonymous).await;
    assert_eq!(anonymous.status, 401);
    w
}

async fn channels_the_installation_lacks_are_refused_in_vietnamese(w: Web) -> Web {
    let citizen = w.citizen(CITIZEN).await;
    let page = w
        .form(
            "/my/notifications",
            &citizen,
            &[("email", "on"), ("sms", "on"), ("language", "vi")],
        )
        .await;
    assert_eq!(page.status, 422);
    let html = page.text();
    assert!(
        html.contains("Kênh này chưa được cơ quan cấu hình."),
        "{html}"
    );
    // The refused choice changed nothing.
    let api = w.get("/api/v1/me/notifications", &citizen).await;
    assert_eq!(api.json()["sms"], false);
    w
}

async fn administrators_follow_and_act_on_the_delivery_log(w: Web) -> Web {
    w.f.received().await;
    let admin = w.official_session("admin").await;
    let page = w.get("/admin/notifications", &admin).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(html.contains("ha•••@example.vn"), "{html}");
    assert!(
        !html.contains("hau.nguyen@example.vn"),
        "recipients are masked"
    );
    assert!(html.contains("Đang chờ gửi"), "{html}");
    // The API lists the same, newest first.
    let api_admin = w.official("admin").await;
    let log = w.get("/api/v1/deliveries?state=pending", &api_admin).await;
    assert_eq!(log.status, 200, "{}", log.text());
    let rows = log.json();
    let rows = rows.as_array().expect("array");
    assert_eq!(rows.len(), 2, "{rows:?}");
    let newest = rows[0]["id"].as_i64().expect("id");
    assert_eq!(rows[0]["template"], "received");
    assert_eq!(
        w.get("/api/v1/deliveries?state=sideways", &api_admin)
            .await
            .status,
        422
    );
    // Cancel from the page: then it is given up and cannot be cancelled again.
    let cancelled = w
        .form(
            &format!("/admin/notifications/{newest}/cancel"),
            &admin,
            &[],
        )
        .await;
    assert_eq!(cancelled.status, 303, "{}", cancelled.text());
    let dead = w.get("/api/v1/deliveries?state=dead", &api_admin).await;
    assert_eq!(dead.json()[0]["id"], newest);
    let again = w
        .post(
            &format!("/api/v1/deliveries/{newest}/cancel"),
            &api_admin,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(again.status, 409, "{}", again.text());
    // Retry puts it back in the queue.
    let retried = w
        .post(
            &format!("/api/v1/deliveries/{newest}/retry"),
            &api_admin,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(retried.status, 200, "{}", retried.text());
    assert_eq!(retried.json()["state"], "pending");
    // A desk official neither sees the log nor acts on it.
    let desk = w.official("tiepnhan.ninhkieu").await;
    assert_eq!(w.get("/api/v1/deliveries", &desk).await.status, 403);
    assert_eq!(
        w.post(
            &format!("/api/v1/deliveries/{newest}/retry"),
            &desk,
            serde_json::json!({})
        )
        .await
        .status,
        403
    );
    // A test message is queued through the real pipeline and shows in the log.
    let test = w
        .form(
            "/admin/notifications/test",
            &admin,
            &[("channel", "sms"), ("to", "0912345678")],
        )
        .await;
    assert_eq!(test.status, 303, "{}", test.text());
    let bad_test = w
        .form(
            "/admin/notifications/test",
            &admin,
            &[("channel", "email"), ("to", "không phải thư")],
        )
        .await;
    assert_eq!(bad_test.status, 422);
    assert!(bad_test.text().contains("Người nhận không hợp lệ"));
    let log = w.get("/api/v1/deliveries?channel=sms", &api_admin).await;
    assert_eq!(log.json()[0]["template"], "test");
    assert_eq!(log.json()[0]["recipient"], "091•••678");
    w
}

async fn administrators_edit_templates_with_a_preview(w: Web) -> Web {
    let admin = w.official_session("admin").await;
    let page = w
        .get(
            "/admin/notifications/templates?template=supplement&lang=vi",
            &admin,
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(page.text().contains("cần bổ sung"), "{}", page.text());
    let subject = "Bổ sung cho hồ sơ { $code } trước { $appointment }";
    let preview = w
        .form(
            "/admin/notifications/templates",
            &admin,
            &[
                ("template", "supplement"),
                ("lang", "vi"),
                ("subject", subject),
                ("body", ""),
                ("short", ""),
                ("preview", "1"),
            ],
        )
        .await;
    assert_eq!(preview.status, 200, "{}", preview.text());
    assert!(
        preview
            .text()
            .contains("Bổ sung cho hồ sơ 000.00.30.H13-261206-0001 trước 09/12/2026 16:30"),
        "{}",
        preview.text()
    );
    let refused = w
        .form(
            "/admin/notifications/templates",
            &admin,
            &[
                ("template", "supplement"),
                ("lang", "vi"),
                ("subject", "Hồ sơ { $so_ho_so }"),
                ("body", ""),
                ("short", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .text()
            .contains("Nội dung dùng biến không có trong danh sách.")
    );
    let saved = w
        .form(
            "/admin/notifications/templates",
            &admin,
            &[
                ("template", "supplement"),
                ("lang", "vi"),
                ("subject", subject),
                ("body", ""),
                ("short", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    let page = w
        .get(
            "/admin/notifications/templates?template=supplement&lang=vi",
            &admin,
        )
        .await;
    assert!(page.text().contains("đã sửa"), "{}", page.text());
    // The ward's administrator reads the templates but does not change the city's words.
    let ward_admin = w.official_session("quantri.ninhkieu").await;
    assert_eq!(
        w.get("/admin/notifications/templates", &ward_admin)
            .await
            .status,
        200
    );
    let forbidden = w
        .form(
            "/admin/notifications/templates",
            &ward_admin,
            &[
                ("template", "supplement"),
                ("lang", "vi"),
                ("subject", "x"),
                ("body", ""),
                ("short", ""),
            ],
        )
        .await;
    assert_eq!(forbidden.status, 403);
    w
}
