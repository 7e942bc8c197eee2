//! HTTP behaviour of the working-day calendar on both databases with the Cần Thơ demo loaded:
//! public reads, permission refusals that change nothing, clear errors for bad input, the admin
//! page without JavaScript, and an administrator's override changing a computed due date.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use motcua_app::security::{random_token, token_hash};
use motcua_app::{App, AppSettings};
use motcua_store::auth::SessionRow;
use motcua_store::test_support::TestDatabase;
use motcua_store::{Backend, Store};
use motcua_web::{AppState, WebConfig, routes};
use std::sync::Arc;
use tower::ServiceExt;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::run(motcua_store::Backend::Sqlite, super::$name).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::run(motcua_store::Backend::Postgres, super::$name).await } )* }
    };
}

both!(
    calendar_facts_are_public,
    bad_queries_get_clear_field_errors,
    non_administrators_are_refused_and_nothing_changes,
    an_administrators_override_changes_a_due_date,
    the_admin_page_lists_edits_and_imports_without_javascript,
    office_hours_follow_the_jurisdiction,
);

struct Harness {
    router: Router,
    app: App,
    store: Store,
}

async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Harness) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let db = TestDatabase::new(backend).await;
    let app = App::new(db.store.clone(), AppSettings::default());
    app.load_demo().await.expect("demo loads");
    let state = AppState {
        app: app.clone(),
        config: Arc::new(WebConfig::default()),
        metrics: motcua_web::ops::metrics_handle(),
    };
    let (router, _) = routes::assemble(state);
    test(Harness {
        router,
        app,
        store: db.store.clone(),
    })
    .await;
    db.cleanup().await;
}

const CSRF: &str = "test-csrf-token-0123456789abcdefghijklmnop";

struct Reply {
    status: StatusCode,
    location: Option<String>,
    body: String,
}

impl Reply {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

impl Harness {
    async fn send(
        &self,
        method: Method,
        path: &str,
        session: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
    ) -> Reply {
        let mut cookies = vec![format!(
            "{}={CSRF}",
            motcua_web::context::csrf_cookie_name(true)
        )];
        if let Some(session) = session {
            cookies.push(format!(
                "{}={session}",
                motcua_web::context::session_cookie_name(true)
            ));
        }
        let builder = Request::builder()
            .method(method)
            .uri(path)
            .header(header::COOKIE, cookies.join("; "))
            .header("x-csrf-token", CSRF);
        let request = match body {
            Some((kind, bytes)) => builder
                .header(header::CONTENT_TYPE, kind)
                .body(Body::from(bytes)),
            None => builder.body(Body::empty()),
        }
        .expect("request");
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("response");
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        Reply {
            status,
            location,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn get(&self, path: &str, session: Option<&str>) -> Reply {
        self.send(Method::GET, path, session, None).await
    }

    async fn json(
        &self,
        method: Method,
        path: &str,
        session: Option<&str>,
        value: serde_json::Value,
    ) -> Reply {
        let body = ("application/json", value.to_string().into_bytes());
        self.send(method, path, session, Some(body)).await
    }

    async fn form(&self, path: &str, session: Option<&str>, fields: &[(&str, &str)]) -> Reply {
        let mut pairs = fields.to_vec();
        pairs.push(("_csrf", CSRF));
        let body = serde_urlencoded::to_string(&pairs).expect("form");
        let body = ("application/x-www-form-urlencoded", body.into_bytes());
        self.send(Method::POST, path, session, Some(body)).await
    }

    async fn upload(&self, path: &str, session: Option<&str>, file: &str) -> Reply {
        let boundary = "motcua-test-boundary";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"notice.tsv\"\r\n\
             Content-Type: text/plain\r\n\r\n{file}\r\n--{boundary}--\r\n"
        );
        let kind = format!("multipart/form-data; boundary={boundary}");
        self.send(
            Method::POST,
            path,
            session,
            Some((&kind, body.into_bytes())),
        )
        .await
    }

    /// A signed-in session for a demo account, made directly in the store.
    async fn session(&self, username: &str) -> String {
        let (kind, id) = match self.store.official_credentials(username).await {
            Ok(official) => ("official", official.id),
            Err(_) => (
                "citizen",
                self.store
                    .citizen_credentials(username)
                    .await
                    .expect("demo account")
                    .id,
            ),
        };
        let token = random_token();
        let now = self.app.now_micros();
        let mut tx = self.store.begin().await.expect("begin");
        tx.insert_session(&SessionRow {
            token_hash: token_hash(&token),
            principal_kind: kind.into(),
            principal_id: id,
            stage: "full".into(),
            created_at: now,
            expires_at: now + 3_600_000_000,
        })
        .await
        .expect("session");
        tx.commit().await.expect("commit");
        token
    }

    async fn overrides(&self) -> i64 {
        self.store.count_calendar_overrides().await.expect("count")
    }

    async fn unit_id(&self, name: &str) -> i64 {
        self.store
            .list_units()
            .await
            .expect("units")
            .into_iter()
            .find(|u| u.name == name)
            .expect("unit")
            .id
    }
}

const DUE: &str = "/api/v1/calendar/due?from=2026-06-09T10%3A00%3A00%2B07%3A00&working_days=1";

async fn calendar_facts_are_public(h: Harness) {
    // The demo load seeded the bundled notices: the Friday before Tết Bính Ngọ.
    let due = h
        .get(
            "/api/v1/calendar/due?from=2026-02-13T03%3A00%3A00Z&working_days=1",
            None,
        )
        .await;
    assert_eq!(due.status, StatusCode::OK, "{}", due.body);
    assert_eq!(due.json()["due"], "2026-02-23T10:00:00+07:00");
    assert_eq!(due.json()["from"], "2026-02-13T10:00:00+07:00");
    assert_eq!(due.json()["processing_time"]["unit"], "working_days");

    let same_day = h
        .get(
            "/api/v1/calendar/due?from=2026-06-09T15%3A30%3A00%2B07%3A00&same_day=true",
            None,
        )
        .await;
    assert_eq!(
        same_day.json()["due"],
        "2026-06-10T17:00:00+07:00",
        "after the 15:00 cut-off"
    );

    let holidays = h.get("/api/v1/calendar/holidays?year=2026", None).await;
    assert_eq!(holidays.status, StatusCode::OK);
    let days = holidays.json();
    let tet = days
        .as_array()
        .expect("list")
        .iter()
        .find(|d| d["date"] == "2026-02-17")
        .expect("Tết listed");
    assert_eq!(tet["kind"], "holiday");
    assert_eq!(tet["from_notice"], true);

    let lunar = h.get("/api/v1/calendar/lunar/2026-04-26", None).await;
    assert_eq!(lunar.json()["lunar"], "10/3/2026");
    let leap = h.get("/api/v1/calendar/lunar/2023-04-05", None).await;
    assert_eq!(leap.json()["lunar"], "15/2/2023 nhuận");
    assert_eq!(leap.json()["leap"], true);

    let doc = h.get("/api/openapi.json", None).await;
    for path in [
        "/api/v1/calendar/due",
        "/api/v1/calendar/holidays",
        "/api/v1/calendar/lunar/{date}",
        "/api/v1/calendar/overrides/{date}",
        "/api/v1/calendar/import",
    ] {
        assert!(doc.json()["paths"][path].is_object(), "{path} documented");
    }
}

async fn bad_queries_get_clear_field_errors(h: Harness) {
    for (path, field) in [
        (
            "/api/v1/calendar/due?from=13%2F02%2F2026&working_days=1",
            "from",
        ),
        (
            "/api/v1/calendar/due?from=2026-02-13T10%3A00%3A00Z",
            "working_days",
        ),
        (
            "/api/v1/calendar/due?from=2026-02-13T10%3A00%3A00Z&working_days=1&same_day=true",
            "working_days",
        ),
        (
            "/api/v1/calendar/due?from=2026-02-13T10%3A00%3A00Z&working_days=-3",
            "working_days",
        ),
        (
            "/api/v1/calendar/due?from=2026-02-13T10%3A00%3A00Z&working_days=1&agency=nope",
            "agency",
        ),
        ("/api/v1/calendar/holidays?year=abc", "year"),
        ("/api/v1/calendar/holidays?year=3000", "year"),
        ("/api/v1/calendar/lunar/2026-02-30", "date"),
    ] {
        let reply = h.get(path, None).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            reply.body
        );
        let error = &reply.json()["error"];
        assert_eq!(error["fields"][0]["field"], field, "{path}: {}", reply.body);
        assert!(
            error["fields"][0]["message"]
                .as_str()
                .is_some_and(|m| !m.starts_with("error-")),
            "translated: {}",
            reply.body
        );
    }
}

async fn non_administrators_are_refused_and_nothing_changes(h: Harness) {
    let before = h.overrides().await;
    let body = serde_json::json!({"kind": "compensatory_off", "name": "x", "basis": "y"});
    let anonymous = h
        .json(
            Method::PUT,
            "/api/v1/calendar/overrides/2026-06-10",
            None,
            body.clone(),
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    for username in ["tiepnhan.ninhkieu", "092095001234", "quantri.ninhkieu"] {
        let session = h.session(username).await;
        let put = h
            .json(
                Method::PUT,
                "/api/v1/calendar/overrides/2026-06-10",
                Some(&session),
                body.clone(),
            )
            .await;
        assert_eq!(
            put.status,
            StatusCode::FORBIDDEN,
            "{username}: {}",
            put.body
        );
        let delete = h
            .send(
                Method::DELETE,
                "/api/v1/calendar/overrides/2026-01-01",
                Some(&session),
                None,
            )
            .await;
        assert_eq!(delete.status, StatusCode::FORBIDDEN, "{username}");
        let import = h
            .send(
                Method::POST,
                "/api/v1/calendar/import",
                Some(&session),
                Some((
                    "text/plain",
                    b"2026-06-10\tcompensatory_off\tx\ty\n".to_vec(),
                )),
            )
            .await;
        assert_eq!(import.status, StatusCode::FORBIDDEN, "{username}");
        let page_post = h
            .form(
                "/admin/calendar/overrides",
                Some(&session),
                &[
                    ("date", "2026-06-10"),
                    ("kind", "compensatory_off"),
                    ("name", "x"),
                    ("basis", "y"),
                ],
            )
            .await;
        assert_eq!(page_post.status, StatusCode::FORBIDDEN, "{username}");
    }
    assert_eq!(h.overrides().await, before);
    let reception = h.session("tiepnhan.ninhkieu").await;
    let page = h.get("/admin/calendar", Some(&reception)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let staff_home = h.get("/staff", Some(&reception)).await;
    assert!(
        !staff_home.body.contains("/admin/calendar"),
        "no link for reception"
    );
}

async fn an_administrators_override_changes_a_due_date(h: Harness) {
    let admin = h.session("admin").await;
    assert_eq!(
        h.get(DUE, None).await.json()["due"],
        "2026-06-10T10:00:00+07:00"
    );
    let before = h.overrides().await;

    let bad = h
        .json(
            Method::PUT,
            "/api/v1/calendar/overrides/2026-06-13",
            Some(&admin),
            serde_json::json!({"kind": "compensatory_off", "name": "Nghỉ", "basis": "TB"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["error"]["fields"][0]["field"], "kind");
    let unknown_field = h
        .json(
            Method::PUT,
            "/api/v1/calendar/overrides/2026-06-10",
            Some(&admin),
            serde_json::json!({"kind": "compensatory_off", "name": "Nghỉ", "basis": "TB", "x": 1}),
        )
        .await;
    assert_eq!(unknown_field.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(h.overrides().await, before, "bad input changes nothing");

    let created = h
        .json(
            Method::PUT,
            "/api/v1/calendar/overrides/2026-06-10",
            Some(&admin),
            serde_json::json!({"kind": "compensatory_off", "name": "Nghỉ hoán đổi thử", "basis": "Thông báo thử"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(
        h.get(DUE, None).await.json()["due"],
        "2026-06-11T10:00:00+07:00"
    );
    let audit = h
        .store
        .list_audit(Some("calendar.override.set"), 5, None)
        .await
        .expect("audit");
    assert_eq!(audit.len(), 1);

    let deleted = h
        .send(
            Method::DELETE,
            "/api/v1/calendar/overrides/2026-06-10",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        h.get(DUE, None).await.json()["due"],
        "2026-06-10T10:00:00+07:00"
    );

    let import = h
        .send(
            Method::POST,
            "/api/v1/calendar/import",
            Some(&admin),
            Some((
                "text/plain",
                "2026-06-10\tcompensatory_off\tx\ty\n2026-06-11\tholiday\n"
                    .as_bytes()
                    .to_vec(),
            )),
        )
        .await;
    assert_eq!(import.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(import.json()["error"]["fields"][0]["field"], "line:2");
    assert_eq!(h.overrides().await, before, "all or nothing");
    let import = h
        .send(
            Method::POST,
            "/api/v1/calendar/import",
            Some(&admin),
            Some((
                "text/plain",
                "2026-06-10\tcompensatory_off\tx\ty\n".as_bytes().to_vec(),
            )),
        )
        .await;
    assert_eq!(import.json()["created"], 1, "{}", import.body);
    assert_eq!(
        h.get(DUE, None).await.json()["due"],
        "2026-06-11T10:00:00+07:00"
    );
}

async fn the_admin_page_lists_edits_and_imports_without_javascript(h: Harness) {
    let admin = h.session("admin").await;
    let home = h.get("/staff", Some(&admin)).await;
    assert!(home.body.contains("href=\"/admin/calendar\""), "nav link");
    let page = h.get("/admin/calendar?year=2026", Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("17/02/2026"), "dates as dd/mm/yyyy");
    assert!(page.body.contains("Tết Nguyên Đán"));
    assert!(
        page.body
            .contains("/admin/calendar/overrides/2026-02-17/delete")
    );

    let before = h.overrides().await;
    let bad = h
        .form(
            "/admin/calendar/overrides",
            Some(&admin),
            &[
                ("date", "2026-06-13"),
                ("kind", "compensatory_off"),
                ("name", "Nghỉ"),
                ("basis", "TB"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("ngày nghỉ bù phải là ngày thường"),
        "{}",
        bad.body
    );
    assert_eq!(h.overrides().await, before);

    let saved = h
        .form(
            "/admin/calendar/overrides",
            Some(&admin),
            &[
                ("date", "2026-06-10"),
                ("kind", "compensatory_off"),
                ("name", "Nghỉ hoán đổi thử"),
                ("basis", "Thông báo thử"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let back = saved.location.expect("redirect");
    assert!(back.starts_with("/admin/calendar?year=2026"), "{back}");
    let shown = h.get(&back, Some(&admin)).await;
    assert!(shown.body.contains("Nghỉ hoán đổi thử") && shown.body.contains("10/06/2026"));
    assert_eq!(
        h.get(DUE, None).await.json()["due"],
        "2026-06-11T10:00:00+07:00"
    );

    let deleted = h
        .form(
            "/admin/calendar/overrides/2026-06-10/delete",
            Some(&admin),
            &[],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(
        h.get(DUE, None).await.json()["due"],
        "2026-06-10T10:00:00+07:00"
    );

    let path = format!("/admin/calendar/import?year=2027&_csrf={CSRF}");
    let refused = h
        .upload(
            &path,
            Some(&admin),
            "2027-01-01\tholiday\tTết\tBLLĐ\n2027-02-30\tholiday\tx\ty\n",
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Dòng 2: "), "{}", refused.body);
    let imported = h
        .upload(
            &path,
            Some(&admin),
            "2027-01-01\tholiday\tTết Dương lịch 2027\tBLLĐ\n",
        )
        .await;
    assert_eq!(imported.status, StatusCode::SEE_OTHER, "{}", imported.body);
    let year = h
        .get(&imported.location.expect("redirect"), Some(&admin))
        .await;
    assert!(year.body.contains("Tết Dương lịch 2027"));

    // Office hours of an agency, set and reset from the same page.
    let ninh_kieu = h.unit_id("UBND phường Ninh Kiều").await.to_string();
    let hours = |morning_start: &'static str| {
        vec![
            ("unit_id", ninh_kieu.clone()),
            ("morning_start", morning_start.to_owned()),
            ("morning_end", "11:30".to_owned()),
            ("afternoon_start", "13:00".to_owned()),
            ("afternoon_end", "17:00".to_owned()),
            ("same_day_cutoff", "15:00".to_owned()),
        ]
    };
    let bad = hours("7h30");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = h
        .form("/admin/calendar/office-hours", Some(&admin), &bad)
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("giờ:phút"), "{}", refused.body);
    let good = hours("07:30");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let saved = h
        .form("/admin/calendar/office-hours", Some(&admin), &good)
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let shown = h.get("/admin/calendar", Some(&admin)).await;
    assert!(shown.body.contains("07:30–11:30, 13:00–17:00"), "listed");
    let reset = h
        .form(
            &format!("/admin/calendar/office-hours/{ninh_kieu}/reset"),
            Some(&admin),
            &[],
        )
        .await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER);
    let shown = h.get("/admin/calendar", Some(&admin)).await;
    assert!(!shown.body.contains("07:30–11:30"), "reset");
}

async fn office_hours_follow_the_jurisdiction(h: Harness) {
    let ninh_kieu = h.unit_id("UBND phường Ninh Kiều").await;
    let trung_hung = h.unit_id("UBND xã Trung Hưng").await;
    let local_admin = h.session("quantri.ninhkieu").await;
    let hours = serde_json::json!({
        "morning_start": "07:30", "morning_end": "11:30",
        "afternoon_start": "13:00", "afternoon_end": "17:00", "same_day_cutoff": "15:00"
    });
    let inside = h
        .json(
            Method::PUT,
            &format!("/api/v1/calendar/office-hours/{ninh_kieu}"),
            Some(&local_admin),
            hours.clone(),
        )
        .await;
    assert_eq!(inside.status, StatusCode::OK, "{}", inside.body);
    let outside = h
        .json(
            Method::PUT,
            &format!("/api/v1/calendar/office-hours/{trung_hung}"),
            Some(&local_admin),
            hours,
        )
        .await;
    assert_eq!(outside.status, StatusCode::FORBIDDEN);
    let read = h
        .get(&format!("/api/v1/calendar/office-hours/{ninh_kieu}"), None)
        .await;
    assert_eq!(read.json()["morning_start"], "07:30");
    assert_eq!(
        h.get(&format!("/api/v1/calendar/office-hours/{trung_hung}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
