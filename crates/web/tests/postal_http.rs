//! Results returned by post end to end (issue 15), on both databases: the real server on a
//! socket, the postal operator's simulator checking our signed orders and posting its signed
//! tracking callbacks to `/api/v1/postal/tracking`, the desk returning by post through the
//! page, the citizen's page and the public lookup following the parcel to status 10; the
//! route's answers to forged, stale, malformed and unknown callbacks; the postmark through the
//! counter API.
//!
//! The adapter signs with the system clock, so each test sets the app's clock to the real time.

#[allow(unused_macros)]
#[macro_use]
mod support;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use motcua_app::dossiers::Submission;
use motcua_app::notify::Channels;
use motcua_app::postal::{Postal, PostalSender};
use motcua_app::test_support::{CITIZEN, WARD, birth_registration};
use motcua_channels::Secret;
use motcua_channels::postal::{
    HEADER_SIGNATURE, HEADER_TIMESTAMP, HttpPostalOperator, PostalConfig, TrackingStatus,
    TrackingUpdate, sign, tracking_number,
};
use motcua_channels::simulator::postal::{PostalSimConfig, PostalSimHandle, PostalSimulator};
use motcua_domain::dossier::{Command, ResultDelivery};
use std::sync::Arc;
use support::{Client, Web};

macro_rules! posting {
    ($($name:ident),* $(,)?) => {
        mod post_sqlite { $( #[tokio::test] async fn $name() { super::with_postal(motcua_store::Backend::Sqlite, super::$name).await } )* }
        mod post_postgres { $( #[tokio::test] async fn $name() { super::with_postal(motcua_store::Backend::Postgres, super::$name).await } )* }
    };
}

posting!(
    a_citizen_follows_a_posted_result_to_status_10,
    the_tracking_route_answers_by_signature,
    a_citizen_sends_the_papers_by_post_from_the_form,
);

both!(the_counter_api_takes_a_postmark);

const CUSTOMER: &str = "MOTCUA-CANTHO";
const API_KEY: &str = "postal-api-key-0123456789";
const CALLBACK_SECRET: &str = "postal-callback-secret-0123456789";
const ADDRESS: &str = "45 đường 30/4, phường Ninh Kiều, Cần Thơ";

/// Runs `test` with the postal operator configured against its simulator, whose callbacks
/// reach the router served on a real socket.
async fn with_postal<F, Fut>(backend: motcua_store::Backend, test: F)
where
    F: FnOnce(Web, PostalSimHandle) -> Fut,
    Fut: std::future::Future<Output = (Web, PostalSimHandle)>,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let sim = PostalSimulator::start(PostalSimConfig::new(
        CUSTOMER,
        API_KEY,
        CALLBACK_SECRET,
        Some(format!("{base}/api/v1/postal/tracking")),
    ))
    .await
    .expect("postal simulator");
    let config = PostalConfig {
        endpoint: sim.endpoint(),
        customer_code: CUSTOMER.into(),
        api_key: Secret(API_KEY.into()),
        callback_secret: Secret(CALLBACK_SECRET.into()),
    };
    let operator = HttpPostalOperator::new(config.clone()).expect("adapter");
    let postal = Postal::new(
        Arc::new(operator),
        config,
        PostalSender {
            phone: "02923820123".into(),
            address: "2 Hòa Bình, Ninh Kiều, Cần Thơ".into(),
        },
    );
    support::run_with(
        backend,
        move |state| {
            state.app = state.app.clone().with_postal(postal).with_public_url(&base);
        },
        |w| async move {
            w.f.set(time::OffsetDateTime::now_utc());
            let router = w.router();
            let server = tokio::spawn(async move {
                let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
                let _ = axum::serve(listener, service).await;
            });
            let (w, sim) = test(w, sim).await;
            server.abort();
            drop(sim);
            w
        },
    )
    .await;
}

/// The demo citizen's birth registration, to be returned by post, resolved by the ward: its
/// result waits at the desk (status 9).
async fn resolved_for_post(w: &Web) -> i64 {
    let app = &w.f.app;
    let citizen = w.f.citizen(CITIZEN).await;
    let id = app
        .submit_dossier(
            &citizen,
            &Submission {
                procedure_code: "1.001193".into(),
                agency_code: WARD.into(),
                form: birth_registration(),
                attachments: Vec::new(),
                delivery: ResultDelivery::new("post", Some(ADDRESS)).expect("postal choice"),
                postal: Default::default(),
            },
        )
        .await
        .expect("submit")
        .id;
    let reception = w.f.official("tiepnhan.ninhkieu").await;
    app.receive_dossier(&reception, id).await.expect("receive");
    let specialist = w.f.official("chuyenvien.ninhkieu").await;
    app.act_on_dossier(
        &specialist,
        id,
        Command::Forward {
            to_step: 1,
            assignee: None,
        },
    )
    .await
    .expect("forward");
    let leader = w.f.official("chutich.ninhkieu").await;
    for command in [Command::Approve, Command::Sign, Command::Resolve] {
        app.act_on_dossier(&leader, id, command)
            .await
            .expect("leader");
    }
    id
}

/// The desk returns the result by post through the page; the worker orders the parcel.
async fn posted_through_the_page(w: &Web, id: i64) -> String {
    let desk = w.official_session("tiepnhan.ninhkieu").await;
    let page = w.get(&format!("/staff/dossiers/{id}"), &desk).await;
    assert!(
        page.text().contains("<option value=\"post\" selected>"),
        "the applicant's choice comes first"
    );
    let reply = w
        .form(
            &format!("/staff/dossiers/{id}/actions"),
            &desk,
            &[("command", "return_result"), ("method", "post")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    w.f.app
        .deliver_outbox(&Channels::log_only())
        .await
        .expect("outbox");
    w.f.row(id)
        .await
        .dossier()
        .expect("state")
        .result_tracking
        .expect("the operator's tracking number")
}

async fn a_citizen_follows_a_posted_result_to_status_10(
    w: Web,
    sim: PostalSimHandle,
) -> (Web, PostalSimHandle) {
    let id = resolved_for_post(&w).await;
    let tracking = posted_through_the_page(&w, id).await;
    let citizen = w.citizen(CITIZEN).await;
    let page = w.get(&format!("/my/dossiers/{id}"), &citizen).await;
    let html = page.text();
    assert!(html.contains(&tracking), "{html}");
    assert!(html.contains("Đã xử lý xong"));
    assert!(html.contains("id=\"result-in-post\""));

    for status in [
        TrackingStatus::Accepted,
        TrackingStatus::InTransit,
        TrackingStatus::OutForDelivery,
        TrackingStatus::Delivered,
    ] {
        assert_eq!(sim.advance(&tracking, status).await, Ok(200), "{status:?}");
    }
    // The operator sends the last one again: accepted as a duplicate, nothing changes.
    let seq = w.f.row(id).await.last_seq;
    assert_eq!(sim.resend_last_callback().await, Ok(200));
    // A forged "delivered" is refused.
    assert_eq!(sim.send_forged_callback(&tracking).await, Ok(401));
    let row = w.f.row(id).await;
    assert_eq!(row.status_code, Some(10));
    assert_eq!(row.last_seq, seq);

    let html = w.get(&format!("/my/dossiers/{id}"), &citizen).await.text();
    assert!(html.contains("Đã trả kết quả"), "{html}");
    assert!(html.contains(&tracking));
    assert!(html.contains("Đã phát thành công"));
    let desk = w.official_session("tiepnhan.ninhkieu").await;
    let html = w.get(&format!("/staff/dossiers/{id}"), &desk).await.text();
    assert!(
        html.contains(&format!("Mã vận đơn: {tracking}")),
        "the timeline names the parcel: {html}"
    );
    assert!(html.contains("Bưu điện phát kết quả thành công"));

    // The public lookup: the parcel's number and status, not the address.
    let code = row.code.expect("code");
    let html = w
        .get(&format!("/tra-cuu?code={code}"), &Client::Anonymous)
        .await
        .text();
    assert!(
        html.contains(&format!("id=\"lookup-tracking\">{tracking}<")),
        "{html}"
    );
    assert!(html.contains("Đã phát thành công"));
    assert!(!html.contains("30/4"), "no address in the lookup");
    let api = w
        .get(&format!("/api/v1/lookup/{code}"), &Client::Anonymous)
        .await
        .json();
    assert_eq!(api["tracking_number"], tracking.as_str());
    assert_eq!(api["postal_status"], "delivered");
    assert_eq!(api["status_code"], 10);
    (w, sim)
}

/// A request to the tracking route as an operator (or an impostor) would send it.
fn callback(body: &[u8], timestamp: Option<&str>, signature: Option<&str>) -> Request<Body> {
    let mut builder = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/postal/tracking")
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(timestamp) = timestamp {
        builder = builder.header(HEADER_TIMESTAMP, timestamp);
    }
    if let Some(signature) = signature {
        builder = builder.header(HEADER_SIGNATURE, signature);
    }
    builder.body(Body::from(body.to_vec())).expect("request")
}

fn body_of(update: &TrackingUpdate) -> Vec<u8> {
    let mut body = update.to_json();
    body["customer_code"] = CUSTOMER.into();
    serde_json::to_vec(&body).expect("json")
}

async fn the_tracking_route_answers_by_signature(
    w: Web,
    sim: PostalSimHandle,
) -> (Web, PostalSimHandle) {
    let id = resolved_for_post(&w).await;
    let tracking = posted_through_the_page(&w, id).await;
    let reference = sim.shipments()[0].reference.clone();
    let now = w.f.app.now().unix_timestamp();
    let event = |event_id: &str, tracking: &str, status| TrackingUpdate {
        event_id: event_id.into(),
        tracking_number: tracking.into(),
        reference: reference.clone(),
        status,
        at: now,
        note: None,
    };
    let signed = |body: &[u8], at: i64, secret: &str| {
        let timestamp = at.to_string();
        let signature = sign(secret, &timestamp, body);
        (timestamp, signature)
    };
    let accepted = body_of(&event("E1", &tracking, TrackingStatus::Accepted));
    let delivered = body_of(&event("E2", &tracking, TrackingStatus::Delivered));

    // No signature, a wrong one, a stale one: 401.
    let reply = w.request(callback(&delivered, None, None)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let (ts, sig) = signed(&delivered, now, "wrong-secret");
    let reply = w.request(callback(&delivered, Some(&ts), Some(&sig))).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let (ts, sig) = signed(&delivered, now - 3_600, CALLBACK_SECRET);
    let reply = w.request(callback(&delivered, Some(&ts), Some(&sig))).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json()["outcome"], "stale");
    // Signed but not a tracking event: 400.
    let (ts, sig) = signed(b"[1,2,3]", now, CALLBACK_SECRET);
    let reply = w.request(callback(b"[1,2,3]", Some(&ts), Some(&sig))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    // Signed, a parcel we never ordered: 404.
    let stranger = body_of(&event(
        "E9",
        &tracking_number("EB", 12_345_678).expect("S10"),
        TrackingStatus::Delivered,
    ));
    let (ts, sig) = signed(&stranger, now, CALLBACK_SECRET);
    let reply = w.request(callback(&stranger, Some(&ts), Some(&sig))).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(w.f.row(id).await.status_code, Some(9), "nothing moved");

    // The genuine events: 200, and 200 again for a repeat.
    let (ts, sig) = signed(&accepted, now, CALLBACK_SECRET);
    let reply = w.request(callback(&accepted, Some(&ts), Some(&sig))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["outcome"], "accepted");
    let (ts, sig) = signed(&delivered, now, CALLBACK_SECRET);
    let reply = w.request(callback(&delivered, Some(&ts), Some(&sig))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(w.f.row(id).await.status_code, Some(10));
    let reply = w.request(callback(&delivered, Some(&ts), Some(&sig))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["outcome"], "duplicate");
    (w, sim)
}

async fn the_counter_api_takes_a_postmark(w: Web) -> Web {
    let desk = w.official("tiepnhan.ninhkieu").await;
    let body = |postmark: &str| {
        serde_json::json!({
            "procedure_code": "1.001193", "agency_code": WARD, "applicant_name": "Trần Văn Bình",
            "form": support::birth_form(), "postmark": postmark,
        })
    };
    let reply = w
        .post("/api/v1/dossiers/counter", &desk, body("31/02/2026"))
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text()
    );
    assert_eq!(reply.field_code(), "error-postmark-date");
    let reply = w
        .post("/api/v1/dossiers/counter", &desk, body("08/12/2026"))
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.field_code(), "error-postmark-future");
    assert!(
        reply
            .text()
            .contains("Ngày dấu bưu điện không được sau ngày hôm nay"),
        "{}",
        reply.text()
    );
    let reply = w
        .post("/api/v1/dossiers/counter", &desk, body("04/12/2026"))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let created = reply.json();
    assert_eq!(created["channel"], "postal");
    let plain = w.post("/api/v1/dossiers/counter", &desk, body("")).await;
    assert_eq!(plain.status, StatusCode::CREATED);
    assert!(
        created["due_at"].as_str() < plain.json()["due_at"].as_str()
            && created["due_at"].is_string(),
        "counted from Friday's postmark, not from today"
    );
    // The staff page shows the postmark in the timeline.
    let id = created["id"].as_i64().expect("id");
    let session = w.official_session("tiepnhan.ninhkieu").await;
    let html = w
        .get(&format!("/staff/dossiers/{id}"), &session)
        .await
        .text();
    assert!(html.contains("Ngày dấu bưu điện: 04/12/2026"), "{html}");
    w
}

/// The birth registration's answers as the form's fields, with `extra` fields after them.
fn form_fields(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = vec![("agency".into(), WARD.into())];
    for (key, value) in support::birth_form().as_object().expect("form") {
        match value {
            serde_json::Value::Object(parts) => {
                for (part, v) in parts {
                    fields.push((
                        format!("{key}.{part}"),
                        v.as_str().unwrap_or_default().to_owned(),
                    ));
                }
            }
            serde_json::Value::String(text) => fields.push((key.clone(), text.clone())),
            other => fields.push((key.clone(), other.to_string())),
        }
    }
    fields.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    fields
}

async fn a_citizen_sends_the_papers_by_post_from_the_form(
    w: Web,
    sim: PostalSimHandle,
) -> (Web, PostalSimHandle) {
    let citizen = w.citizen(CITIZEN).await;
    let form = w.get("/dossiers/new/1.001193", &citizen).await.text();
    assert!(
        form.contains("name=\"submit_by\" id=\"f-submit_by-post\""),
        "{form}"
    );
    assert!(
        form.contains("id=\"pickup-fee\">(Phí nhận hồ sơ tại nhà: ")
            && form.contains(".500 đ)</span>"),
        "the operator's fee beside the choice: {form}"
    );
    assert!(form.contains("name=\"contact_phone\""));
    // Both fees for the default address are reused: showing the form again asks nothing.
    let asked = sim.received();
    let again = w.get("/dossiers/new/1.001193", &citizen).await.text();
    assert!(again.contains("id=\"pickup-fee\"") && again.contains("id=\"postal-fee\""));
    assert_eq!(sim.received(), asked, "quotes cached per kind");
    let before = w.f.db.store.dossier_ids().await.expect("ids").len();

    // Wrong details: explained beside their inputs, nothing stored, nobody sent.
    let fields = form_fields(&[
        ("submit_by", "post"),
        ("pickup_address", "Cần Thơ"),
        ("contact_phone", "abc"),
    ]);
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let refused = w
        .multipart("/dossiers/new/1.001193", &citizen, &pairs, &[])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    assert!(html.contains("id=\"e-pickup_address\""), "{html}");
    assert!(html.contains("ít nhất 10 ký tự"));
    assert!(html.contains("id=\"e-contact_phone\""));
    assert!(
        html.contains("value=\"post\" checked"),
        "the choice is kept"
    );
    assert_eq!(w.f.db.store.dossier_ids().await.expect("ids").len(), before);

    // By post no paper is uploaded: the postman brings them.
    let fields = form_fields(&[
        ("submit_by", "post"),
        ("pickup_address", ADDRESS),
        ("contact_phone", "0907 111 222"),
    ]);
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let submitted = w
        .multipart("/dossiers/new/1.001193", &citizen, &pairs, &[])
        .await;
    assert_eq!(
        submitted.status,
        StatusCode::SEE_OTHER,
        "{}",
        submitted.text()
    );
    let ids = w.f.db.store.dossier_ids().await.expect("ids");
    let id = *ids.iter().max().expect("the new dossier");
    let row = w.f.row(id).await;
    assert_eq!(row.channel, "postal");
    assert_eq!(row.contact_phone.as_deref(), Some("0907 111 222"));
    assert!(
        sim.shipments().is_empty(),
        "ordered by the worker, not the request"
    );
    w.f.app
        .deliver_outbox(&Channels::log_only())
        .await
        .expect("outbox");
    let orders = sim.shipments();
    assert_eq!(orders.len(), 1);
    let tracking = orders[0].tracking_number.clone();
    assert_eq!(orders[0].sender.address, ADDRESS);

    let html = w.get(&format!("/my/dossiers/{id}"), &citizen).await.text();
    assert!(html.contains("Nhận hồ sơ tại nhà"), "{html}");
    assert!(html.contains(&tracking));
    assert!(html.contains("0907 111 222"));

    // The postman collects the papers: the operator's signed callback reaches the server.
    assert_eq!(
        sim.advance(&tracking, TrackingStatus::Accepted).await,
        Ok(200)
    );
    let desk = w.official_session("tiepnhan.ninhkieu").await;
    let queue = w.get("/staff/dossiers?queue=receive", &desk).await.text();
    assert!(
        queue.contains("Hồ sơ giấy do bưu điện chuyển đến"),
        "the desk knows the papers come by post: {queue}"
    );
    let reply = w
        .form(
            &format!("/staff/dossiers/{id}/actions"),
            &desk,
            &[("command", "receive")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let row = w.f.row(id).await;
    assert_eq!(row.status_code, Some(2));
    let events = w.f.db.store.dossier_events(id).await.expect("events");
    let receipt = events
        .iter()
        .find(|e| e.kind == "receive")
        .expect("receipt");
    let today =
        w.f.app
            .now()
            .to_offset(motcua_domain::calendar::VIETNAM_OFFSET)
            .date();
    assert!(
        receipt.data.contains(&format!("\"postmark\":\"{today}\"")),
        "{}",
        receipt.data
    );

    // The same through the API: the papers by post, the contact phone checked.
    let api = w.citizen(CITIZEN).await;
    let body = |phone: &str| {
        serde_json::json!({
            "procedure_code": "1.001193", "agency_code": WARD, "form": support::birth_form(),
            "pickup_address": ADDRESS, "contact_phone": phone,
        })
    };
    let reply = w.post("/api/v1/dossiers", &api, body("12")).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.field_code(), "error-postal-phone");
    assert_eq!(reply.json()["error"]["fields"][0]["field"], "contact_phone");
    let reply = w.post("/api/v1/dossiers", &api, body("0907111222")).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    assert_eq!(reply.json()["channel"], "postal");
    (w, sim)
}
