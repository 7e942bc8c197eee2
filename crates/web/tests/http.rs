//! HTTP behaviour of the whole stack (router, context, access gate, use cases, store), run in
//! process on SQLite and on PostgreSQL with the Cần Thơ demo loaded.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use motcua_app::security::{random_token, token_hash};
use motcua_app::{Actor, App, AppSettings};
use motcua_store::auth::SessionRow;
use motcua_store::test_support::TestDatabase;
use motcua_store::{Backend, Store};
use motcua_web::routes;
use motcua_web::{AppState, WebConfig};
use std::sync::Arc;
use tower::ServiceExt;

/// One test per backend from `async fn(Harness)`.
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::run(motcua_store::Backend::Sqlite, super::$name).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::run(motcua_store::Backend::Postgres, super::$name).await } )* }
    };
}

both!(
    drafts_and_the_delivery_choice_go_through_the_api,
    actions_take_no_times_or_codes_from_the_caller_and_drafts_stay_private,
    refusal_and_withdrawal_through_the_api_end_at_status_3_and_7,
    a_form_post_without_csrf_token_is_refused_and_changes_nothing,
    a_citizen_signs_up_verifies_with_the_code_and_signs_in,
    an_invalid_personal_id_is_explained_and_nothing_is_created,
    a_wrong_password_is_refused_and_audited,
    an_expired_session_sends_the_official_back_to_sign_in,
    bad_json_gets_a_clear_error_and_changes_nothing,
    an_official_with_totp_needs_the_code,
    jurisdiction_limits_what_a_commune_administrator_manages,
    role_changes_are_audited,
    units_and_officials_survive_an_export_import_round_trip,
    a_dossier_travels_through_the_api_to_a_public_status_of_10,
    a_transferred_dossier_pauses_for_a_supplement_and_is_returned_at_its_desk,
    the_counter_registers_and_receives_a_dossier_at_once,
    dossier_pages_offer_only_the_actions_the_caller_may_take,
);

struct Harness {
    router: Router,
    app: App,
    store: Store,
    /// When set, the application's clock (tests that follow a dossier through the calendar).
    clock: Arc<std::sync::Mutex<Option<time::OffsetDateTime>>>,
}

async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Harness) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let db = TestDatabase::new(backend).await;
    let clock = Arc::new(std::sync::Mutex::new(None::<time::OffsetDateTime>));
    let shared = clock.clone();
    let app = App::new(db.store.clone(), AppSettings::default())
        .with_clock(Arc::new(move || {
            shared
                .lock()
                .ok()
                .and_then(|c| *c)
                .unwrap_or_else(time::OffsetDateTime::now_utc)
        }))
        .with_renderer(Arc::new(motcua_render::TypstRenderer::new()));
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
        clock,
    })
    .await;
    db.cleanup().await;
}

/// How a test client presents itself.
#[derive(Clone, Default)]
struct Client {
    session: Option<String>,
    bearer: Option<String>,
    csrf: bool,
    english: bool,
}

const CSRF: &str = "test-csrf-token-0123456789abcdefghijklmnop";

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Reply {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

impl Harness {
    fn set_clock(&self, at: time::OffsetDateTime) {
        if let Ok(mut clock) = self.clock.lock() {
            *clock = Some(at);
        }
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        client: &Client,
        body: Option<(&str, Vec<u8>)>,
    ) -> Reply {
        let mut builder = Request::builder().method(method).uri(path);
        let mut cookies = Vec::new();
        if let Some(session) = &client.session {
            cookies.push(format!(
                "{}={session}",
                motcua_web::context::session_cookie_name(true)
            ));
        }
        cookies.push(format!(
            "{}={CSRF}",
            motcua_web::context::csrf_cookie_name(true)
        ));
        builder = builder.header(header::COOKIE, cookies.join("; "));
        if client.csrf {
            builder = builder.header("x-csrf-token", CSRF);
        }
        if let Some(bearer) = &client.bearer {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {bearer}"));
        }
        if client.english {
            builder = builder.header(header::ACCEPT_LANGUAGE, "en");
        }
        let request = match body {
            Some((content_type, bytes)) => builder
                .header(header::CONTENT_TYPE, content_type)
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
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn form(&self, path: &str, client: &Client, fields: &[(&str, &str)]) -> Reply {
        let mut pairs: Vec<(&str, &str)> = fields.to_vec();
        if client.csrf {
            pairs.push(("_csrf", CSRF));
        }
        let body = serde_urlencoded::to_string(&pairs).expect("form");
        let client = Client {
            csrf: false,
            ..client.clone()
        };
        self.send(
            Method::POST,
            path,
            &client,
            Some(("application/x-www-form-urlencoded", body.into_bytes())),
        )
        .await
    }

    /// A page form with files, as a browser sends it without JavaScript: `multipart/form-data`
    /// with the CSRF token in the address.
    async fn multipart(
        &self,
        path: &str,
        client: &Client,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Reply {
        let boundary = "----motcua-http-test-boundary";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        for (name, file_name, bytes) in files {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/pdf\r\n\r\n")
                    .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let content_type = format!("multipart/form-data; boundary={boundary}");
        let path = if client.csrf {
            format!("{path}?_csrf={CSRF}")
        } else {
            path.to_owned()
        };
        let client = Client {
            csrf: false,
            ..client.clone()
        };
        self.send(Method::POST, &path, &client, Some((&content_type, body)))
            .await
    }

    async fn json(
        &self,
        method: Method,
        path: &str,
        client: &Client,
        value: serde_json::Value,
    ) -> Reply {
        self.send(
            method,
            path,
            client,
            Some(("application/json", value.to_string().into_bytes())),
        )
        .await
    }

    /// A signed-in browser session for a demo account, made directly in the store.
    async fn session(&self, kind: &str, id: i64, expires_in_micros: i64) -> String {
        let token = random_token();
        let now = self.app.now_micros();
        let mut tx = self.store.begin().await.expect("begin");
        tx.insert_session(&SessionRow {
            token_hash: token_hash(&token),
            principal_kind: kind.into(),
            principal_id: id,
            stage: "full".into(),
            created_at: now,
            expires_at: now + expires_in_micros,
        })
        .await
        .expect("session");
        tx.commit().await.expect("commit");
        token
    }

    async fn official(&self, username: &str) -> Client {
        let id = self
            .store
            .official_credentials(username)
            .await
            .expect("demo official")
            .id;
        Client {
            session: Some(self.session("official", id, 3_600_000_000).await),
            csrf: true,
            ..Default::default()
        }
    }

    async fn bearer(&self, username: &str) -> Client {
        let id = self
            .store
            .official_credentials(username)
            .await
            .expect("demo official")
            .id;
        let token = self
            .app
            .issue_api_token(&Actor::system(), id, "test", None)
            .await
            .expect("token");
        Client {
            bearer: Some(token),
            ..Default::default()
        }
    }

    async fn citizen(&self, personal_id: &str) -> Client {
        let id = self
            .store
            .citizen_credentials(personal_id)
            .await
            .expect("demo citizen")
            .id;
        Client {
            session: Some(self.session("citizen", id, 3_600_000_000).await),
            csrf: true,
            ..Default::default()
        }
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

async fn a_form_post_without_csrf_token_is_refused_and_changes_nothing(h: Harness) {
    let admin = h.official("admin").await;
    let before = h.store.count_units().await.expect("count");
    let parent = h.unit_id("UBND phường Ninh Kiều").await.to_string();
    let fields = [
        ("name", "Tổ công nghệ"),
        ("kind", "unit"),
        ("level", "commune"),
        ("parent_id", parent.as_str()),
    ];
    let no_token = Client {
        csrf: false,
        ..admin.clone()
    };
    let reply = h.form("/admin/units", &no_token, &fields).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.body.contains("Biểu mẫu đã hết hạn"), "{}", reply.body);
    let forged = h
        .form(
            "/admin/units",
            &no_token,
            &[
                ("name", "Tổ"),
                ("kind", "unit"),
                ("level", "commune"),
                ("_csrf", "forged-token-forged-token-forged-token"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(h.store.count_units().await.expect("count"), before);
    // With the token the same form works.
    let ok = h.form("/admin/units", &admin, &fields).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(h.store.count_units().await.expect("count"), before + 1);
}

async fn a_citizen_signs_up_verifies_with_the_code_and_signs_in(h: Harness) {
    let browser = Client {
        csrf: true,
        ..Default::default()
    };
    let reply = h
        .form(
            "/signup",
            &browser,
            &[
                ("personal_id", "092 1 99 000777"),
                ("full_name", "Võ  Thị Ngọc Hân"),
                ("email", "han@example.vn"),
                ("password", "mat-khau-2026"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    // Not verified yet: signing in asks for the code.
    let early = h
        .form(
            "/signin",
            &browser,
            &[
                ("personal_id", "092199000777"),
                ("password", "mat-khau-2026"),
            ],
        )
        .await;
    assert_eq!(early.status, StatusCode::SEE_OTHER);
    assert!(
        early.headers[header::LOCATION]
            .to_str()
            .expect("location")
            .starts_with("/verify")
    );
    let outbox = h.store.outbox_of_kind("notify").await.expect("outbox");
    let payload: serde_json::Value =
        serde_json::from_str(&outbox.last().expect("a code was queued").payload).expect("json");
    assert_eq!(payload["to"], "han@example.vn");
    let code = payload["code"].as_str().expect("code").to_owned();
    let wrong = h
        .form(
            "/verify",
            &browser,
            &[("personal_id", "092199000777"), ("code", "000000")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let right = h
        .form(
            "/verify",
            &browser,
            &[("personal_id", "092199000777"), ("code", &code)],
        )
        .await;
    assert_eq!(right.status, StatusCode::SEE_OTHER, "{}", right.body);
    let signin = h
        .form(
            "/signin",
            &browser,
            &[
                ("personal_id", "092199000777"),
                ("password", "mat-khau-2026"),
            ],
        )
        .await;
    assert_eq!(signin.status, StatusCode::SEE_OTHER);
    let cookie = signin
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__Host-motcua_session="))
        .expect("session cookie")
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("Secure") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let token = cookie
        .trim_start_matches("__Host-motcua_session=")
        .split(';')
        .next()
        .expect("token")
        .to_owned();
    let account = h
        .send(
            Method::GET,
            "/account",
            &Client {
                session: Some(token),
                ..Default::default()
            },
            None,
        )
        .await;
    assert_eq!(account.status, StatusCode::OK);
    assert!(
        account.body.contains("Võ Thị Ngọc Hân"),
        "name normalised and shown"
    );
    assert!(
        account.body.contains("********0777"),
        "identification number masked"
    );
}

async fn an_invalid_personal_id_is_explained_and_nothing_is_created(h: Harness) {
    let browser = Client {
        csrf: true,
        ..Default::default()
    };
    let reply = h
        .form(
            "/signup",
            &browser,
            &[
                ("personal_id", "12345"),
                ("full_name", "A"),
                ("email", "a@example.vn"),
                ("password", "mat-khau-2026"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply
            .body
            .contains("Số định danh cá nhân phải gồm 12 chữ số hợp lệ"),
        "{}",
        reply.body
    );
    assert!(reply.body.contains("aria-invalid=\"true\""));
    let english = h
        .form(
            "/signup",
            &Client {
                english: true,
                ..browser.clone()
            },
            &[("personal_id", "12345"), ("password", "x")],
        )
        .await;
    assert!(
        english
            .body
            .contains("The personal identification number must be 12 valid digits")
    );
    assert!(
        english
            .body
            .contains("The password must have at least 8 characters")
    );
    assert!(
        h.store
            .outbox_of_kind("notify")
            .await
            .expect("outbox")
            .is_empty()
    );
    assert!(matches!(
        h.store.citizen_credentials("12345").await,
        Err(motcua_store::StoreError::NotFound)
    ));
}

async fn a_wrong_password_is_refused_and_audited(h: Harness) {
    let browser = Client {
        csrf: true,
        ..Default::default()
    };
    let reply = h
        .form(
            "/staff/signin",
            &browser,
            &[("username", "admin"), ("password", "wrong-password")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.body.contains("Thông tin đăng nhập không đúng"));
    assert!(!reply.headers.get_all(header::SET_COOKIE).iter().any(|c| {
        c.to_str()
            .unwrap_or("")
            .starts_with("__Host-motcua_session")
    }));
    let failures = h
        .store
        .list_audit(Some("signin.official.failed"), 10, None)
        .await
        .expect("audit");
    assert_eq!(failures.len(), 1);
    let ok = h
        .form(
            "/staff/signin",
            &browser,
            &[
                ("username", "admin"),
                ("password", motcua_app::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.headers[header::LOCATION], "/staff");
    assert_eq!(
        h.store
            .list_audit(Some("signin.official"), 10, None)
            .await
            .expect("audit")
            .len(),
        1
    );
}

async fn an_expired_session_sends_the_official_back_to_sign_in(h: Harness) {
    let id = h
        .store
        .official_credentials("admin")
        .await
        .expect("admin")
        .id;
    let expired = h.session("official", id, -1).await;
    let client = Client {
        session: Some(expired),
        ..Default::default()
    };
    let reply = h.send(Method::GET, "/admin/units", &client, None).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.headers[header::LOCATION], "/staff/signin");
    assert!(
        reply
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|c| c.to_str().unwrap_or("").contains("Max-Age=0")),
        "the stale cookie is cleared"
    );
    let api = h.send(Method::GET, "/api/v1/units", &client, None).await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    assert_eq!(api.json()["error"]["code"], "error-session-expired");
    let bad_bearer = h
        .send(
            Method::GET,
            "/api/v1/units",
            &Client {
                bearer: Some("not-a-token".into()),
                ..Default::default()
            },
            None,
        )
        .await;
    assert_eq!(bad_bearer.status, StatusCode::UNAUTHORIZED);
}

async fn bad_json_gets_a_clear_error_and_changes_nothing(h: Harness) {
    let admin = h.bearer("admin").await;
    let before = h.store.count_units().await.expect("count");
    let malformed = h
        .send(
            Method::POST,
            "/api/v1/units",
            &admin,
            Some(("application/json", b"{\"name\": ".to_vec())),
        )
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.json()["error"]["code"], "error-malformed-json");
    assert_eq!(
        malformed.json()["error"]["message"],
        "Dữ liệu JSON không đúng cú pháp."
    );
    let unknown = h.json(Method::POST, "/api/v1/units", &admin, serde_json::json!({"parent_id": null, "kind": "unit", "level": "commune", "name": "X", "colour": "red"})).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.json()["error"]["code"], "error-json-shape");
    assert!(
        unknown.json()["error"]["message"]
            .as_str()
            .expect("message")
            .contains("colour")
    );
    let oversize = h
        .send(
            Method::POST,
            "/api/v1/units",
            &admin,
            Some(("application/json", vec![b' '; 2 * 1024 * 1024])),
        )
        .await;
    assert_eq!(oversize.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(oversize.json()["error"]["code"], "error-body-too-large");
    let parent = h.unit_id("UBND phường Ninh Kiều").await;
    let invalid = h
        .json(Method::POST, "/api/v1/units", &Client { english: true, ..admin.clone() }, serde_json::json!({"parent_id": parent, "kind": "castle", "level": "commune", "name": "", "code": "12"}))
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = invalid.json()["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["field"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(fields, vec!["name", "kind", "code"]);
    assert!(
        invalid.json()["error"]["fields"][2]["message"]
            .as_str()
            .expect("message")
            .contains("QCVN 102")
    );
    let wrong_type = h
        .send(
            Method::POST,
            "/api/v1/units",
            &admin,
            Some(("text/plain", b"hello".to_vec())),
        )
        .await;
    assert_eq!(wrong_type.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(h.store.count_units().await.expect("count"), before);
    let ok = h.json(Method::POST, "/api/v1/units", &admin, serde_json::json!({"parent_id": parent, "kind": "unit", "level": "commune", "name": "Tổ Công nghệ số"})).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    assert_eq!(h.store.count_units().await.expect("count"), before + 1);
}

async fn an_official_with_totp_needs_the_code(h: Harness) {
    let id = h
        .store
        .official_credentials("giamdoc.stp")
        .await
        .expect("official")
        .id;
    let actor = Actor {
        principal: h
            .app
            .official_principal(id)
            .await
            .expect("p")
            .expect("active"),
        ip: None,
    };
    let (secret, uri) = h.app.totp_enrol_start(&actor, None).await.expect("start");
    assert!(uri.starts_with("otpauth://totp/"));
    let now = h.app.now().unix_timestamp();
    let code = motcua_app::security::totp_code(&secret, now).expect("code");
    h.app
        .totp_enrol_confirm(&actor, &code)
        .await
        .expect("confirm");
    let browser = Client {
        csrf: true,
        ..Default::default()
    };
    let reply = h
        .form(
            "/staff/signin",
            &browser,
            &[
                ("username", "giamdoc.stp"),
                ("password", motcua_app::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(reply.headers[header::LOCATION], "/staff/totp");
    let cookie = reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__Host-motcua_session="))
        .expect("cookie")
        .to_owned();
    let pending = cookie
        .trim_start_matches("__Host-motcua_session=")
        .split(';')
        .next()
        .expect("token")
        .to_owned();
    let half = Client {
        session: Some(pending.clone()),
        csrf: true,
        ..Default::default()
    };
    let blocked = h.send(Method::GET, "/staff", &half, None).await;
    assert_eq!(
        blocked.status,
        StatusCode::SEE_OTHER,
        "password alone opens nothing"
    );
    let wrong = h.form("/staff/totp", &half, &[("code", "123456")]).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let right = h.form("/staff/totp", &half, &[("code", &code)]).await;
    assert_eq!(right.status, StatusCode::SEE_OTHER, "{}", right.body);
    let full = right
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__Host-motcua_session="))
        .expect("cookie")
        .to_owned();
    let token = full
        .trim_start_matches("__Host-motcua_session=")
        .split(';')
        .next()
        .expect("token")
        .to_owned();
    assert_ne!(
        token, pending,
        "a new session token after the second factor"
    );
    let home = h
        .send(
            Method::GET,
            "/staff",
            &Client {
                session: Some(token),
                ..Default::default()
            },
            None,
        )
        .await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Trương Quốc Bảo"));
}

async fn jurisdiction_limits_what_a_commune_administrator_manages(h: Harness) {
    let local_admin = h.bearer("quantri.ninhkieu").await;
    let ninh_kieu = h.unit_id("UBND phường Ninh Kiều").await;
    let trung_hung = h.unit_id("UBND xã Trung Hưng").await;
    let inside = h.json(Method::POST, "/api/v1/units", &local_admin, serde_json::json!({"parent_id": ninh_kieu, "kind": "unit", "level": "commune", "name": "Tổ Một cửa lưu động"})).await;
    assert_eq!(inside.status, StatusCode::CREATED, "{}", inside.body);
    let before = h.store.count_units().await.expect("count");
    let outside = h.json(Method::POST, "/api/v1/units", &local_admin, serde_json::json!({"parent_id": trung_hung, "kind": "unit", "level": "commune", "name": "Tổ lạ"})).await;
    assert_eq!(outside.status, StatusCode::FORBIDDEN);
    assert_eq!(h.store.count_units().await.expect("count"), before);
    let listed = h
        .send(Method::GET, "/api/v1/officials", &local_admin, None)
        .await;
    let usernames: Vec<String> = listed
        .json()
        .as_array()
        .expect("list")
        .iter()
        .map(|o| o["username"].as_str().unwrap_or("").to_owned())
        .collect();
    assert!(usernames.contains(&"tiepnhan.ninhkieu".to_owned()));
    assert!(
        !usernames
            .iter()
            .any(|u| u.ends_with("trunghung") || u == "admin"),
        "{usernames:?}"
    );
    let other = h
        .store
        .official_credentials("tiepnhan.trunghung")
        .await
        .expect("official")
        .id;
    let peek = h
        .send(
            Method::GET,
            &format!("/api/v1/officials/{other}"),
            &h.bearer("tiepnhan.ninhkieu").await,
            None,
        )
        .await;
    assert_eq!(peek.status, StatusCode::FORBIDDEN);
    let grant = h
        .json(
            Method::POST,
            &format!("/api/v1/officials/{other}/roles"),
            &local_admin,
            serde_json::json!({"role": "leader", "unit_id": trung_hung}),
        )
        .await;
    assert_eq!(
        grant.status,
        StatusCode::FORBIDDEN,
        "cannot hand out roles outside the ward"
    );
}

async fn role_changes_are_audited(h: Harness) {
    let admin = h.bearer("admin").await;
    let official = h
        .store
        .official_credentials("chuyenvien.ninhkieu")
        .await
        .expect("official")
        .id;
    let unit = h.unit_id("UBND phường Ninh Kiều").await;
    let reply = h
        .json(
            Method::POST,
            &format!("/api/v1/officials/{official}/roles"),
            &admin,
            serde_json::json!({"role": "unit_head", "unit_id": unit}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    let audit = h
        .send(
            Method::GET,
            "/api/v1/audit?action=role.assign",
            &admin,
            None,
        )
        .await;
    let entries = audit.json();
    assert_eq!(entries.as_array().expect("entries").len(), 1);
    assert_eq!(entries[0]["detail"]["role"], "unit_head");
    let roles = h.store.roles_of(official).await.expect("roles");
    let granted = roles
        .iter()
        .find(|r| r.role == "unit_head")
        .expect("granted");
    let revoke = h
        .send(
            Method::DELETE,
            &format!("/api/v1/roles/{}", granted.id),
            &admin,
            None,
        )
        .await;
    assert_eq!(revoke.status, StatusCode::NO_CONTENT);
    assert_eq!(
        h.store
            .list_audit(Some("role.revoke"), 10, None)
            .await
            .expect("audit")
            .len(),
        1
    );
    let bogus = h
        .json(
            Method::POST,
            &format!("/api/v1/officials/{official}/roles"),
            &admin,
            serde_json::json!({"role": "emperor", "unit_id": unit}),
        )
        .await;
    assert_eq!(bogus.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn units_and_officials_survive_an_export_import_round_trip(h: Harness) {
    use motcua_app::transfer::Format;
    let system = Actor::system();
    for format in [Format::Json, Format::Csv] {
        let units = h.app.export_units(&system, format).await.expect("units");
        let officials = h
            .app
            .export_officials(&system, format)
            .await
            .expect("officials");
        let target = TestDatabase::new(h.store.backend()).await;
        let fresh = App::new(target.store.clone(), AppSettings::default());
        let report = fresh
            .import_units(&system, &units, format)
            .await
            .expect("import units");
        assert_eq!(report.created, 42);
        let report = fresh
            .import_officials(&system, &officials, format)
            .await
            .expect("import officials");
        assert_eq!(report.created, 18);
        assert_eq!(
            fresh.export_units(&system, format).await.expect("again"),
            units
        );
        assert_eq!(
            fresh
                .export_officials(&system, format)
                .await
                .expect("again"),
            officials
        );
        // Importing the same file again changes nothing.
        let again = fresh
            .import_units(&system, &units, format)
            .await
            .expect("idempotent");
        assert_eq!((again.created, again.updated), (0, 42));
        target.cleanup().await;
    }
    let broken = h.app.import_units(&system, "[{\"ref\": \"X > Y\", \"parent_ref\": \"X\", \"kind\": \"unit\", \"level\": \"commune\", \"name\": \"Y\"}]", Format::Json).await;
    assert!(matches!(broken, Err(motcua_app::AppError::Invalid(_))));
}

#[tokio::test]
async fn every_api_route_is_in_the_openapi_document_and_back() {
    let db = TestDatabase::new(Backend::Sqlite).await;
    let app = App::new(db.store.clone(), AppSettings::default());
    let state = AppState {
        app,
        config: Arc::new(WebConfig::default()),
        metrics: None,
    };
    let (_, specs) = routes::assemble(state);
    let doc = serde_json::to_value(motcua_web::openapi::document()).expect("doc");
    let paths = doc["paths"].as_object().expect("paths");
    let mut documented: Vec<String> = paths
        .iter()
        .flat_map(|(p, item)| {
            item.as_object()
                .into_iter()
                .flat_map(move |ops| ops.keys().map(move |m| format!("{} {p}", m.to_uppercase())))
        })
        .collect();
    let mut routed: Vec<String> = specs
        .iter()
        .filter(|s| s.path.starts_with("/api/v1/"))
        .map(|s| format!("{} {}", s.method, s.path))
        .collect();
    documented.sort();
    routed.sort();
    assert_eq!(documented, routed);
    // The action body is documented action by action, and only with what the caller decides.
    let action = doc["components"]["schemas"]["ApiAction"].to_string();
    for variant in [
        "receive",
        "request_supplement",
        "supplement_provided",
        "refuse",
        "forward",
        "return",
        "consult",
        "transfer",
        "approve",
        "resolve",
        "return_result",
        "withdraw",
        "stop",
        "extend",
    ] {
        assert!(
            action.contains(&format!("\"{variant}\"")),
            "{variant} in {action}"
        );
    }
    assert!(
        !action.contains("\"submit\"") && !action.contains("\"due\""),
        "{action}"
    );
    assert_eq!(
        doc["paths"]["/api/v1/dossiers/{id}/actions"]["post"]["requestBody"]["content"]["application/json"]
            ["schema"]["$ref"],
        "#/components/schemas/ApiAction"
    );
    db.cleanup().await;
}

#[tokio::test]
async fn pages_carry_security_headers_and_switch_language() {
    let db = TestDatabase::new(Backend::Sqlite).await;
    let app = App::new(db.store.clone(), AppSettings::default());
    let state = AppState {
        app: app.clone(),
        config: Arc::new(WebConfig::default()),
        metrics: None,
    };
    let h = Harness {
        router: routes::build(state),
        app,
        store: db.store.clone(),
        clock: Default::default(),
    };
    let home = h.send(Method::GET, "/", &Client::default(), None).await;
    assert_eq!(home.status, StatusCode::OK);
    let csp = home.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("csp");
    assert!(
        csp.contains("default-src 'self'")
            && csp.contains("frame-ancestors 'none'")
            && !csp.contains("unsafe-inline")
    );
    assert_eq!(home.headers[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(home.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(
        home.body.contains("<html lang=\"vi\">") && home.body.contains("Dịch vụ công trực tuyến")
    );
    let english = h
        .send(
            Method::GET,
            "/",
            &Client {
                english: true,
                ..Default::default()
            },
            None,
        )
        .await;
    assert!(
        english.body.contains("<html lang=\"en\">")
            && english.body.contains("Online public services")
    );
    let switch = h
        .send(
            Method::GET,
            "/lang/en?back=/signin",
            &Client::default(),
            None,
        )
        .await;
    assert_eq!(switch.headers[header::LOCATION], "/signin");
    assert!(
        switch.headers[header::SET_COOKIE]
            .to_str()
            .expect("cookie")
            .starts_with("motcua_lang=en")
    );
    let away = h
        .send(
            Method::GET,
            "/lang/en?back=//evil.example",
            &Client::default(),
            None,
        )
        .await;
    assert_eq!(away.headers[header::LOCATION], "/", "no open redirect");
    assert_eq!(
        h.send(Method::GET, "/healthz", &Client::default(), None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        h.send(Method::GET, "/readyz", &Client::default(), None)
            .await
            .body,
        "ready"
    );
    let missing = h
        .send(Method::GET, "/no/such/page", &Client::default(), None)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("Không tìm thấy"));
    let docs = h
        .send(Method::GET, "/api/docs", &Client::default(), None)
        .await;
    assert!(docs.body.contains("/api/v1/units"));
    db.cleanup().await;
}

#[tokio::test]
async fn repeated_wrong_passwords_are_slowed_down() {
    let db = TestDatabase::new(Backend::Sqlite).await;
    let app = App::new(db.store.clone(), AppSettings::default());
    app.load_demo().await.expect("demo");
    let state = AppState {
        app: app.clone(),
        config: Arc::new(WebConfig::default()),
        metrics: None,
    };
    let h = Harness {
        router: routes::build(state),
        app,
        store: db.store.clone(),
        clock: Default::default(),
    };
    let browser = Client {
        csrf: true,
        ..Default::default()
    };
    let mut statuses = Vec::new();
    for _ in 0..11 {
        statuses.push(
            h.form(
                "/staff/signin",
                &browser,
                &[("username", "admin"), ("password", "guess")],
            )
            .await
            .status,
        );
    }
    assert!(
        statuses[..10]
            .iter()
            .all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert_eq!(statuses[10], StatusCode::TOO_MANY_REQUESTS);
    let blocked = h
        .form(
            "/staff/signin",
            &browser,
            &[
                ("username", "admin"),
                ("password", motcua_app::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        blocked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    assert!(blocked.body.contains("thử quá nhiều lần"));
    db.cleanup().await;
}

#[tokio::test]
async fn metrics_count_requests_by_route() {
    let db = TestDatabase::new(Backend::Sqlite).await;
    let app = App::new(db.store.clone(), AppSettings::default());
    let state = AppState {
        app: app.clone(),
        config: Arc::new(WebConfig::default()),
        metrics: motcua_web::ops::metrics_handle(),
    };
    let h = Harness {
        router: routes::build(state),
        app,
        store: db.store.clone(),
        clock: Default::default(),
    };
    h.send(Method::GET, "/healthz", &Client::default(), None)
        .await;
    let metrics = h
        .send(Method::GET, "/metrics", &Client::default(), None)
        .await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(
        metrics.body.contains("motcua_http_requests_total")
            && metrics.body.contains("route=\"/healthz\""),
        "{}",
        metrics.body
    );
    db.cleanup().await;
}

async fn a_dossier_travels_through_the_api_to_a_public_status_of_10(h: Harness) {
    let address =
        serde_json::json!({"street": "45 đường 30/4", "province": "92", "commune": "31117"});
    let form = serde_json::json!({
        "nguoi_yeu_cau_ho_ten": "Nguyễn Văn Hậu", "nguoi_yeu_cau_so_dinh_danh": "092095001234",
        "nguoi_yeu_cau_noi_cu_tru": address, "nguoi_yeu_cau_quan_he": "Cha", "so_dien_thoai": "0912345678",
        "tre_ho_ten": "Nguyễn Ngọc Anh", "tre_ngay_sinh": "02/11/2026", "tre_gioi_tinh": "nu", "tre_dan_toc": "Kinh",
        "tre_quoc_tich": "Việt Nam", "tre_noi_sinh": "Bệnh viện Phụ sản thành phố Cần Thơ", "tre_que_quan": "Thành phố Cần Thơ",
        "me_ho_ten": "Lê Thị Hoa", "me_nam_sinh": 1995, "me_dan_toc": "Kinh", "me_quoc_tich": "Việt Nam", "me_noi_cu_tru": address,
        "cha_ho_ten": "Nguyễn Văn Hậu", "cha_nam_sinh": "1993", "loai_giay_chung_sinh": "giay_chung_sinh", "cha_me_da_ket_hon": "co",
        "so_ban_sao": "2", "hinh_thuc_nhan_ket_qua": "truc_tuyen", "cam_doan": "on"
    });
    let citizen = h.citizen("092095001234").await;
    let bad = h.json(Method::POST, "/api/v1/dossiers", &citizen, serde_json::json!({"procedure_code": "1.001193", "agency_code": "000.00.30.H13", "form": {}})).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let submitted = h.json(Method::POST, "/api/v1/dossiers", &citizen, serde_json::json!({"procedure_code": "1.001193", "agency_code": "000.00.30.H13", "form": form})).await;
    assert_eq!(submitted.status, StatusCode::CREATED, "{}", submitted.body);
    let id = submitted.json()["id"].as_i64().expect("id");
    let code = submitted.json()["code"].as_str().expect("code").to_owned();
    let reception = h.bearer("tiepnhan.ninhkieu").await;
    let queue = h
        .send(
            Method::GET,
            "/api/v1/dossiers?queue=receive",
            &reception,
            None,
        )
        .await;
    assert_eq!(queue.json().as_array().expect("queue").len(), 1);
    let other = h
        .send(
            Method::POST,
            &format!("/api/v1/dossiers/{id}/receive"),
            &h.bearer("tiepnhan.trunghung").await,
            None,
        )
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    let received = h
        .send(
            Method::POST,
            &format!("/api/v1/dossiers/{id}/receive"),
            &reception,
            None,
        )
        .await;
    assert_eq!(received.status, StatusCode::OK, "{}", received.body);
    assert_eq!(received.json()["status_code"], 2);
    assert!(
        received.json()["due_at"]
            .as_str()
            .expect("due")
            .ends_with("+07:00")
    );
    let pdf_path = format!("/api/v1/dossiers/{id}/forms/mau01.pdf");
    let pdf = h.send(Method::GET, &pdf_path, &reception, None).await;
    assert_eq!(
        pdf.status,
        StatusCode::OK,
        "{}",
        pdf.body.chars().take(300).collect::<String>()
    );
    assert_eq!(pdf.headers[header::CONTENT_TYPE], "application/pdf");
    assert!(pdf.body.starts_with("%PDF-"));
    assert_eq!(
        h.send(
            Method::GET,
            &pdf_path,
            &h.bearer("tiepnhan.trunghung").await,
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        h.send(Method::GET, &pdf_path, &citizen, None).await.status,
        StatusCode::OK,
        "the applicant gets their receipt"
    );
    assert_eq!(
        h.send(Method::GET, &pdf_path, &Client::default(), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    let path = format!("/api/v1/dossiers/{id}/actions");
    let specialist = h.bearer("chuyenvien.ninhkieu").await;
    let leader = h.bearer("chutich.ninhkieu").await;
    assert_eq!(
        h.json(
            Method::POST,
            &path,
            &specialist,
            serde_json::json!({"command": "approve"})
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        h.json(
            Method::POST,
            &path,
            &specialist,
            serde_json::json!({"command": "forward", "to_step": 1, "assignee": null})
        )
        .await
        .status,
        StatusCode::OK
    );
    for command in ["approve", "sign", "resolve"] {
        let reply = h
            .json(
                Method::POST,
                &path,
                &leader,
                serde_json::json!({"command": command}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{command}: {}", reply.body);
    }
    let returned = h
        .json(
            Method::POST,
            &path,
            &reception,
            serde_json::json!({"command": "return_result", "method": "counter"}),
        )
        .await;
    assert_eq!(returned.json()["status_code"], 10, "{}", returned.body);
    let lookup = h
        .send(
            Method::GET,
            &format!("/api/v1/lookup/{code}"),
            &Client::default(),
            None,
        )
        .await;
    assert_eq!(lookup.status, StatusCode::OK);
    assert_eq!(lookup.json()["status"], "Đã trả kết quả");
    assert!(
        !lookup.body.contains("092095001234")
            && !lookup.body.contains("Ngọc Anh")
            && !lookup.body.contains("Nguyễn"),
        "no personal data in the public lookup"
    );
    let page = h
        .send(
            Method::GET,
            &format!("/tra-cuu/{code}?xac_minh=1234"),
            &Client::default(),
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Đã trả kết quả") && page.body.contains("Nguyễn V. H."),
        "{}",
        page.body
    );
    let unknown = h
        .send(
            Method::GET,
            "/tra-cuu?code=000.00.30.H13-261124-0099",
            &Client::default(),
            None,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.body.contains("Không tìm thấy"));

    let mine = h
        .send(Method::GET, "/api/v1/my/dossiers", &citizen, None)
        .await;
    assert_eq!(mine.json().as_array().expect("mine").len(), 1);
}

fn birth_form() -> serde_json::Value {
    let address =
        serde_json::json!({"street": "45 đường 30/4", "province": "92", "commune": "31117"});
    serde_json::json!({
        "nguoi_yeu_cau_ho_ten": "Nguyễn Văn Hậu", "nguoi_yeu_cau_so_dinh_danh": "092095001234",
        "nguoi_yeu_cau_noi_cu_tru": address, "nguoi_yeu_cau_quan_he": "Cha", "so_dien_thoai": "0912345678",
        "tre_ho_ten": "Nguyễn Ngọc Anh", "tre_ngay_sinh": "02/11/2026", "tre_gioi_tinh": "nu", "tre_dan_toc": "Kinh",
        "tre_quoc_tich": "Việt Nam", "tre_noi_sinh": "Bệnh viện Phụ sản thành phố Cần Thơ", "tre_que_quan": "Thành phố Cần Thơ",
        "me_ho_ten": "Lê Thị Hoa", "me_nam_sinh": 1995, "me_dan_toc": "Kinh", "me_quoc_tich": "Việt Nam", "me_noi_cu_tru": address,
        "cha_ho_ten": "Nguyễn Văn Hậu", "cha_nam_sinh": "1993", "loai_giay_chung_sinh": "giay_chung_sinh", "cha_me_da_ket_hon": "co",
        "so_ban_sao": "2", "hinh_thuc_nhan_ket_qua": "truc_tuyen", "cam_doan": "on"
    })
}

fn rfc3339(text: &serde_json::Value) -> time::OffsetDateTime {
    time::OffsetDateTime::parse(
        text.as_str().unwrap_or_default(),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("an RFC 3339 time")
}

async fn a_transferred_dossier_pauses_for_a_supplement_and_is_returned_at_its_desk(h: Harness) {
    use time::macros::datetime;
    // Monday 07/12/2026, a working day in Cần Thơ.
    h.set_clock(datetime!(2026-12-07 08:30 +7));
    let citizen = h.citizen("092095001234").await;
    let submitted = h.json(Method::POST, "/api/v1/dossiers", &citizen, serde_json::json!({"procedure_code": "1.001193", "agency_code": "000.00.30.H13", "form": birth_form()})).await;
    assert_eq!(submitted.status, StatusCode::CREATED, "{}", submitted.body);
    let id = submitted.json()["id"].as_i64().expect("id");
    let code = submitted.json()["code"].as_str().expect("code").to_owned();
    assert!(code.starts_with("000.00.30.H13-261207-"), "{code}");

    h.set_clock(datetime!(2026-12-07 09:00 +7));
    let reception = h.bearer("tiepnhan.ninhkieu").await;
    let received = h
        .send(
            Method::POST,
            &format!("/api/v1/dossiers/{id}/receive"),
            &reception,
            None,
        )
        .await;
    assert_eq!(received.status, StatusCode::OK, "{}", received.body);
    let due = rfc3339(&received.json()["due_at"]);
    let calendar = h
        .app
        .work_calendar(Some("000.00.30.H13"))
        .await
        .expect("calendar");
    let expected = calendar
        .due(
            datetime!(2026-12-07 09:00 +7),
            motcua_domain::calendar::ProcessingTime::SameDay,
        )
        .expect("due");
    assert_eq!(due, expected, "the appointment is the calendar's");
    assert_eq!(
        due.date(),
        time::macros::date!(2026 - 12 - 07),
        "same-day procedure"
    );

    // The ward's specialist transfers it to the Department of Justice (liên thông).
    h.set_clock(datetime!(2026-12-07 09:30 +7));
    let actions = format!("/api/v1/dossiers/{id}/actions");
    let ward_specialist = h.bearer("chuyenvien.ninhkieu").await;
    let unknown = h.json(Method::POST, &actions, &ward_specialist, serde_json::json!({"command": "transfer", "to_agency": "000.00.99.H13", "reason": "Cần Sở Tư pháp xác minh"})).await;
    assert_eq!(
        unknown.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unknown.body
    );
    assert!(unknown.body.contains("liên thông"), "{}", unknown.body);
    let transferred = h.json(Method::POST, &actions, &ward_specialist, serde_json::json!({"command": "transfer", "to_agency": "000.00.10.H13", "reason": "Cần Sở Tư pháp xác minh"})).await;
    assert_eq!(transferred.status, StatusCode::OK, "{}", transferred.body);
    assert_eq!(transferred.json()["status_code"], 4);
    let again = h
        .json(
            Method::POST,
            &actions,
            &ward_specialist,
            serde_json::json!({"command": "forward", "to_step": 1, "assignee": null}),
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::FORBIDDEN,
        "the ward no longer processes it: {}",
        again.body
    );
    let other_commune = h.bearer("chuyenvien.trunghung").await;
    assert_eq!(
        h.send(
            Method::GET,
            &format!("/api/v1/dossiers/{id}"),
            &other_commune,
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        h.send(
            Method::GET,
            &format!("/api/v1/dossiers/{id}"),
            &h.citizen("092196005678").await,
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND,
        "another citizen learns nothing"
    );

    // The department's specialist finds it in their queue and asks for a supplement: the clock pauses.
    h.set_clock(datetime!(2026-12-07 10:00 +7));
    let department = h.bearer("chuyenvien.stp").await;
    let mine = h
        .send(
            Method::GET,
            "/api/v1/dossiers?queue=mine",
            &department,
            None,
        )
        .await;
    assert!(
        mine.json()
            .as_array()
            .expect("queue")
            .iter()
            .any(|d| d["id"] == id),
        "{}",
        mine.body
    );
    let detail = h
        .send(
            Method::GET,
            &format!("/api/v1/dossiers/{id}"),
            &department,
            None,
        )
        .await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.body);
    let offered: Vec<String> =
        serde_json::from_value(detail.json()["actions"].clone()).expect("actions");
    assert!(
        offered.contains(&"request_supplement".to_owned())
            && offered.contains(&"forward".to_owned()),
        "{offered:?}"
    );
    assert!(
        !offered.contains(&"approve".to_owned()),
        "a specialist does not approve: {offered:?}"
    );
    let asked = h.json(Method::POST, &actions, &department, serde_json::json!({"command": "request_supplement", "missing": ["Bản sao giấy chứng nhận kết hôn của cha mẹ", "Giấy xác nhận tình trạng hôn nhân"], "reason": "Cần xác minh quan hệ cha con"})).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert_eq!(asked.json()["status_code"], 5);

    // The next morning the citizen provides it; the appointment moves by the paused working time.
    h.set_clock(datetime!(2026-12-08 10:00 +7));
    let citizen = h.citizen("092095001234").await;
    let provided = h
        .json(
            Method::POST,
            &format!("/api/v1/my/dossiers/{id}/actions"),
            &citizen,
            serde_json::json!({"command": "supplement_provided", "new_due": null}),
        )
        .await;
    assert_eq!(provided.status, StatusCode::OK, "{}", provided.body);
    assert_eq!(provided.json()["status_code"], 4);
    let new_due = rfc3339(&provided.json()["due_at"]);
    let expected = calendar
        .resume(
            due,
            datetime!(2026-12-07 10:00 +7),
            datetime!(2026-12-08 10:00 +7),
        )
        .expect("resume");
    assert_eq!(
        new_due, expected,
        "the paused time is added back by the calendar"
    );
    assert!(new_due > due);
    assert_eq!(new_due.date(), time::macros::date!(2026 - 12 - 08));

    // Department specialist → department director approves, signs and sends the result back.
    h.set_clock(datetime!(2026-12-08 11:00 +7));
    let forwarded = h
        .json(
            Method::POST,
            &actions,
            &department,
            serde_json::json!({"command": "forward", "to_step": 1, "assignee": null}),
        )
        .await;
    assert_eq!(forwarded.status, StatusCode::OK, "{}", forwarded.body);
    h.set_clock(datetime!(2026-12-08 14:00 +7));
    let director = h.bearer("giamdoc.stp").await;
    let ward_leader = h.bearer("chutich.ninhkieu").await;
    assert_eq!(
        h.json(
            Method::POST,
            &actions,
            &ward_leader,
            serde_json::json!({"command": "approve"})
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    for command in ["approve", "sign", "resolve"] {
        let reply = h
            .json(
                Method::POST,
                &actions,
                &director,
                serde_json::json!({"command": command}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{command}: {}", reply.body);
    }

    // The result waits at the ward's desk, which received the dossier, and is handed over there.
    let resolved = h
        .send(
            Method::GET,
            "/api/v1/dossiers?queue=resolved",
            &reception,
            None,
        )
        .await;
    assert!(
        resolved
            .json()
            .as_array()
            .expect("queue")
            .iter()
            .any(|d| d["id"] == id),
        "{}",
        resolved.body
    );
    h.set_clock(datetime!(2026-12-08 15:00 +7));
    let returned = h
        .json(
            Method::POST,
            &actions,
            &reception,
            serde_json::json!({"command": "return_result", "method": "counter"}),
        )
        .await;
    assert_eq!(returned.status, StatusCode::OK, "{}", returned.body);
    assert_eq!(returned.json()["status_code"], 10);

    let detail = h
        .send(
            Method::GET,
            &format!("/api/v1/dossiers/{id}"),
            &reception,
            None,
        )
        .await;
    let timeline = detail.json()["timeline"]
        .as_array()
        .cloned()
        .expect("timeline");
    let kinds: Vec<&str> = timeline.iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "submit",
            "receive",
            "transfer",
            "request_supplement",
            "supplement_provided",
            "forward",
            "approve",
            "sign",
            "resolve",
            "return_result"
        ]
    );
    let resolve = timeline
        .iter()
        .find(|e| e["kind"] == "resolve")
        .expect("resolve");
    assert_eq!(
        resolve["data"]["timeliness"], "on_time",
        "resolved on the (moved) appointment day"
    );
    let lookup = h
        .send(
            Method::GET,
            &format!("/api/v1/lookup/{code}"),
            &Client::default(),
            None,
        )
        .await;
    assert_eq!(lookup.json()["status_code"], 10);
    assert_eq!(rfc3339(&lookup.json()["appointment"]), new_due);
    let report = h
        .app
        .verify_dossier_chains(&motcua_app::Actor::system())
        .await
        .expect("verify");
    assert!(report.broken.is_empty(), "{:?}", report.broken);
}

async fn the_counter_registers_and_receives_a_dossier_at_once(h: Harness) {
    let reception = h.bearer("tiepnhan.ninhkieu").await;
    let mut form = birth_form();
    form["tre_ho_ten"] = serde_json::json!("Trần Gia Bảo");
    let body = serde_json::json!({"procedure_code": "1.001193", "agency_code": "000.00.30.H13", "applicant_name": "Trần Văn Bình", "applicant_personal_id": "092095001234", "form": form});
    let other = h
        .json(
            Method::POST,
            "/api/v1/dossiers/counter",
            &h.bearer("tiepnhan.trunghung").await,
            body.clone(),
        )
        .await;
    assert_eq!(
        other.status,
        StatusCode::FORBIDDEN,
        "another commune's desk: {}",
        other.body
    );
    let specialist = h
        .json(
            Method::POST,
            "/api/v1/dossiers/counter",
            &h.bearer("chuyenvien.ninhkieu").await,
            body.clone(),
        )
        .await;
    assert_eq!(
        specialist.status,
        StatusCode::FORBIDDEN,
        "{}",
        specialist.body
    );
    let mut bad = body.clone();
    bad["applicant_name"] = serde_json::json!(" ");
    bad["applicant_personal_id"] = serde_json::json!("12");
    let refused = h
        .json(Method::POST, "/api/v1/dossiers/counter", &reception, bad)
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("applicant_name") && refused.body.contains("applicant_personal_id"),
        "every problem at once: {}",
        refused.body
    );
    let before = h.store.dossier_ids().await.expect("ids").len();
    let registered = h
        .json(Method::POST, "/api/v1/dossiers/counter", &reception, body)
        .await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.body
    );
    assert_eq!(registered.json()["status_code"], 2);
    assert_eq!(registered.json()["channel"], "counter");
    assert!(
        registered.json()["code"]
            .as_str()
            .expect("code")
            .starts_with("000.00.30.H13-")
    );
    assert_eq!(h.store.dossier_ids().await.expect("ids").len(), before + 1);
    let mine = h
        .send(
            Method::GET,
            "/api/v1/my/dossiers",
            &h.citizen("092095001234").await,
            None,
        )
        .await;
    assert!(
        mine.json()
            .as_array()
            .expect("mine")
            .iter()
            .any(|d| d["id"] == registered.json()["id"]),
        "the applicant's account sees the counter dossier"
    );
}

async fn dossier_pages_offer_only_the_actions_the_caller_may_take(h: Harness) {
    let citizen = h.citizen("092095001234").await;
    let before = h.store.dossier_ids().await.expect("ids").len();
    // The online form is generated from the schema; a bad submission explains each field.
    let form = h
        .send(Method::GET, "/dossiers/new/1.001193", &citizen, None)
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains("name=\"tre_ho_ten\"")
            && form.body.contains("name=\"me_noi_cu_tru.street\""),
        "generated inputs"
    );
    let refused = h
        .multipart(
            "/dossiers/new/1.001193",
            &citizen,
            &[("agency", "000.00.30.H13"), ("tre_ho_ten", "Bé Na")],
            &[],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("aria-invalid=\"true\""),
        "errors next to their inputs"
    );
    assert!(
        refused.body.contains("value=\"Bé Na\""),
        "what was typed is kept"
    );
    assert_eq!(
        h.store.dossier_ids().await.expect("ids").len(),
        before,
        "nothing stored"
    );
    let mut fields: Vec<(String, String)> = vec![("agency".into(), "000.00.30.H13".into())];
    for (key, value) in birth_form().as_object().expect("form") {
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
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    // The three papers the procedure marks required (tờ khai, giấy chứng sinh, giấy tờ tùy thân).
    let pdf: &[u8] = b"%PDF-1.4 paper";
    let submitted = h
        .multipart(
            "/dossiers/new/1.001193",
            &citizen,
            &pairs,
            &[
                ("paper.0", "to-khai.pdf", pdf),
                ("paper.1", "chung-sinh.pdf", pdf),
                ("paper.5", "cccd.pdf", pdf),
            ],
        )
        .await;
    assert_eq!(
        submitted.status,
        StatusCode::SEE_OTHER,
        "{}",
        submitted.body
    );
    let location = submitted.headers[header::LOCATION]
        .to_str()
        .expect("location")
        .to_owned();
    let id: i64 = location
        .trim_start_matches("/my/dossiers/")
        .split('?')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("id");
    let mine = h.send(Method::GET, &location, &citizen, None).await;
    assert!(
        mine.body.contains("Đã thực hiện") && mine.body.contains("do-withdraw"),
        "the applicant may withdraw"
    );
    assert!(!mine.body.contains("do-receive"), "but not receive");

    let reception = h.official("tiepnhan.ninhkieu").await;
    let queue = h
        .send(
            Method::GET,
            "/staff/dossiers?queue=receive",
            &reception,
            None,
        )
        .await;
    assert!(
        queue.body.contains(&format!("/staff/dossiers/{id}")),
        "in the desk's queue"
    );
    let page = h
        .send(
            Method::GET,
            &format!("/staff/dossiers/{id}"),
            &reception,
            None,
        )
        .await;
    assert!(
        page.body.contains("do-receive") && page.body.contains("do-refuse"),
        "reception may receive or refuse"
    );
    assert!(!page.body.contains("do-approve"));
    let specialist = h.official("chuyenvien.ninhkieu").await;
    let page = h
        .send(
            Method::GET,
            &format!("/staff/dossiers/{id}"),
            &specialist,
            None,
        )
        .await;
    assert!(
        !page.body.contains("do-receive"),
        "a specialist does not receive"
    );
    let denied = h
        .form(
            &format!("/staff/dossiers/{id}/actions"),
            &specialist,
            &[("command", "receive")],
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let other = h.official("tiepnhan.trunghung").await;
    assert_eq!(
        h.send(Method::GET, &format!("/staff/dossiers/{id}"), &other, None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let received = h
        .form(
            &format!("/staff/dossiers/{id}/actions"),
            &reception,
            &[("command", "receive")],
        )
        .await;
    assert_eq!(received.status, StatusCode::SEE_OTHER, "{}", received.body);
    let page = h
        .send(
            Method::GET,
            &format!("/staff/dossiers/{id}"),
            &specialist,
            None,
        )
        .await;
    assert!(
        page.body.contains("do-forward") && page.body.contains("receipt-pdf"),
        "the specialist's step"
    );
    let empty = h
        .form(
            &format!("/staff/dossiers/{id}/actions"),
            &specialist,
            &[
                ("command", "request_supplement"),
                ("missing", ""),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        empty.body.contains("Vui lòng nhập đủ nội dung"),
        "{}",
        empty.body
    );
    // Forwarding names the next official: the page offers the ward's officials, consulting
    // offers the other agencies; an official without the step's role is refused by name.
    assert!(
        page.body.contains("name=\"assignee\"") && page.body.contains("Nguyễn Thị Thu Trang"),
        "assignee choice on the forward form"
    );
    assert!(
        page.body.contains("<select id=\"f-unit\" name=\"unit\">")
            && page.body.contains("value=\"000.00.10.H13\""),
        "consult offers the other agencies"
    );
    let leader_id = h
        .store
        .official_credentials("chutich.ninhkieu")
        .await
        .expect("leader")
        .id
        .to_string();
    let wrong = h
        .form(
            &format!("/staff/dossiers/{id}/actions"),
            &specialist,
            &[
                ("command", "forward"),
                ("to_step", "1"),
                ("assignee", "999999"),
            ],
        )
        .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.body
    );
    let forwarded = h
        .form(
            &format!("/staff/dossiers/{id}/actions"),
            &specialist,
            &[
                ("command", "forward"),
                ("to_step", "1"),
                ("assignee", &leader_id),
            ],
        )
        .await;
    assert_eq!(
        forwarded.status,
        StatusCode::SEE_OTHER,
        "{}",
        forwarded.body
    );
    let assigned = h
        .send(
            Method::GET,
            "/staff/dossiers?queue=assigned",
            &h.official("chutich.ninhkieu").await,
            None,
        )
        .await;
    assert!(
        assigned.body.contains(&format!("/staff/dossiers/{id}")),
        "in the leader's 'assigned to me' queue"
    );
}

async fn drafts_and_the_delivery_choice_go_through_the_api(h: Harness) {
    let hau = h.citizen("092095001234").await;
    let linh = h.citizen("092196005678").await;
    let desk = h.bearer("tiepnhan.ninhkieu").await;
    let half = serde_json::json!({"procedure_code": "1.001193", "agency_code": "000.00.30.H13",
        "form": {"tre_ho_ten": "Nguyễn Ngọc Anh"}, "delivery": {"method": "post"}});
    // Post without an address: refused with the field named, nothing stored.
    let refused = h
        .json(Method::POST, "/api/v1/my/drafts", &hau, half.clone())
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("delivery_address"),
        "{}",
        refused.body
    );
    let mut with_address = half.clone();
    with_address["delivery"]["address"] =
        serde_json::json!("45 đường 30/4, phường Ninh Kiều, Cần Thơ");
    let saved = h
        .json(
            Method::POST,
            "/api/v1/my/drafts",
            &hau,
            with_address.clone(),
        )
        .await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    let draft = saved.json();
    let id = draft["id"].as_i64().expect("id");
    assert_eq!(draft["code"], serde_json::Value::Null);
    assert_eq!(draft["delivery_method"], "post");
    // Officials cannot save drafts; another citizen cannot touch this one.
    let by_desk = h
        .json(
            Method::POST,
            "/api/v1/my/drafts",
            &desk,
            with_address.clone(),
        )
        .await;
    assert_eq!(by_desk.status, StatusCode::FORBIDDEN, "{}", by_desk.body);
    let foreign = h
        .json(
            Method::DELETE,
            &format!("/api/v1/my/drafts/{id}"),
            &linh,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.body);
    // Submitting with the complete form numbers the same dossier.
    let mut complete = with_address.clone();
    complete["form"] = birth_form();
    let submitted = h
        .json(
            Method::POST,
            &format!("/api/v1/my/drafts/{id}/submit"),
            &hau,
            complete,
        )
        .await;
    assert_eq!(submitted.status, StatusCode::CREATED, "{}", submitted.body);
    let dossier = submitted.json();
    assert_eq!(dossier["id"].as_i64(), Some(id));
    assert_eq!(dossier["status_code"].as_i64(), Some(1));
    assert_eq!(
        dossier["delivery_address"],
        "45 đường 30/4, phường Ninh Kiều, Cần Thơ"
    );
    let gone = h
        .json(
            Method::DELETE,
            &format!("/api/v1/my/drafts/{id}"),
            &hau,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(
        gone.status,
        StatusCode::NOT_FOUND,
        "a submitted dossier is no draft"
    );
}

/// The action door takes what an official decides (which action, reasons, the assignee) but
/// never what the server computes: codes come from the day counter, appointments and resumed
/// due times from the calendar. Drafts are invisible outside their author.
async fn actions_take_no_times_or_codes_from_the_caller_and_drafts_stay_private(h: Harness) {
    use time::macros::datetime;
    // Monday 07/12/2026, a working day in Cần Thơ.
    h.set_clock(datetime!(2026-12-07 08:30 +7));
    let hau = h.citizen("092095001234").await;
    let desk = h.bearer("tiepnhan.ninhkieu").await;
    let far = "2030-01-02T09:00:00+07:00";
    let forged_code = "000.00.30.H13-261207-0099";
    let saved = h
        .json(
            Method::POST,
            "/api/v1/my/drafts",
            &hau,
            serde_json::json!({"procedure_code": "1.001193",
        "agency_code": "000.00.30.H13", "form": {"tre_ho_ten": "Nguyễn Ngọc Anh"}}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    let draft = saved.json()["id"].as_i64().expect("draft id");
    // The desk neither sees nor receives a draft; the citizen cannot number it by hand.
    let seen = h
        .send(
            Method::GET,
            &format!("/api/v1/dossiers/{draft}"),
            &desk,
            None,
        )
        .await;
    assert_eq!(seen.status, StatusCode::NOT_FOUND, "{}", seen.body);
    for (client, path, body, status) in [
        (
            &desk,
            format!("/api/v1/dossiers/{draft}/actions"),
            serde_json::json!({"command": "receive", "due": far, "code": forged_code, "assignee": null}),
            StatusCode::NOT_FOUND,
        ),
        (
            &desk,
            format!("/api/v1/dossiers/{draft}/receive"),
            serde_json::json!({}),
            StatusCode::NOT_FOUND,
        ),
        // Submitting is no action: only the submission doors number a dossier.
        (
            &hau,
            format!("/api/v1/my/dossiers/{draft}/actions"),
            serde_json::json!({"command": "submit", "code": forged_code}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let reply = h.json(Method::POST, &path, client, body).await;
        assert_eq!(reply.status, status, "{path}: {}", reply.body);
    }
    let still = h.store.get_dossier(draft).await.expect("draft");
    assert_eq!(
        (still.status_code, still.code.clone()),
        (None, None),
        "the draft is untouched"
    );

    let submitted = h
        .json(
            Method::POST,
            "/api/v1/dossiers",
            &hau,
            serde_json::json!({"procedure_code": "1.001193",
        "agency_code": "000.00.30.H13", "form": birth_form()}),
        )
        .await;
    assert_eq!(submitted.status, StatusCode::CREATED, "{}", submitted.body);
    let id = submitted.json()["id"].as_i64().expect("id");
    let code = submitted.json()["code"].as_str().expect("code").to_owned();
    let resubmit = h
        .json(
            Method::POST,
            &format!("/api/v1/my/dossiers/{id}/actions"),
            &hau,
            serde_json::json!({"command": "submit", "code": forged_code}),
        )
        .await;
    assert_eq!(
        resubmit.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        resubmit.body
    );
    let unchanged = h.store.get_dossier(id).await.expect("row");
    assert_eq!(
        unchanged.code.as_deref(),
        Some(code.as_str()),
        "the code stays the submission's"
    );

    // Receiving through the action door: the assignee must work for the ward in the first
    // step's role; the caller's appointment and code are ignored.
    h.set_clock(datetime!(2026-12-07 09:00 +7));
    let actions = format!("/api/v1/dossiers/{id}/actions");
    let store = h.store.clone();
    let official_id = |username: &'static str| {
        let store = store.clone();
        async move {
            store
                .official_credentials(username)
                .await
                .expect("official")
                .id
        }
    };
    let elsewhere = official_id("chuyenvien.trunghung").await;
    let refused = h
        .json(
            Method::POST,
            &actions,
            &desk,
            serde_json::json!({"command": "receive", "due": far,
        "code": forged_code, "assignee": elsewhere}),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(refused.body.contains("assignee"), "{}", refused.body);
    assert_eq!(
        h.store.get_dossier(id).await.expect("row").status_code,
        Some(1),
        "nothing changed"
    );
    let specialist_id = official_id("chuyenvien.ninhkieu").await;
    let received = h
        .json(
            Method::POST,
            &actions,
            &desk,
            serde_json::json!({"command": "receive", "due": far,
        "code": forged_code, "assignee": specialist_id}),
        )
        .await;
    assert_eq!(received.status, StatusCode::OK, "{}", received.body);
    assert_eq!(
        received.json()["code"],
        code.as_str(),
        "the code stays the submission's"
    );
    let due = rfc3339(&received.json()["due_at"]);
    let calendar = h
        .app
        .work_calendar(Some("000.00.30.H13"))
        .await
        .expect("calendar");
    let expected = calendar
        .due(
            datetime!(2026-12-07 09:00 +7),
            motcua_domain::calendar::ProcessingTime::SameDay,
        )
        .expect("due");
    assert_eq!(
        due, expected,
        "the appointment is the calendar's, not the caller's"
    );
    let specialist = h.bearer("chuyenvien.ninhkieu").await;
    let assigned = h
        .send(
            Method::GET,
            "/api/v1/dossiers?queue=assigned",
            &specialist,
            None,
        )
        .await;
    assert!(
        assigned
            .json()
            .as_array()
            .expect("queue")
            .iter()
            .any(|d| d["id"].as_i64() == Some(id)),
        "the assignee finds it in 'assigned to me': {}",
        assigned.body
    );

    // A supplement during processing pauses the clock; the resumed due time is the
    // calendar's even when the caller names another.
    h.set_clock(datetime!(2026-12-07 10:00 +7));
    let asked = h
        .json(
            Method::POST,
            &actions,
            &specialist,
            serde_json::json!({"command": "request_supplement",
        "missing": ["Bản sao giấy chứng sinh"], "reason": "Thiếu giấy chứng sinh"}),
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    h.set_clock(datetime!(2026-12-07 11:00 +7));
    let overdue = h
        .send(
            Method::GET,
            "/api/v1/dossiers?queue=overdue",
            &specialist,
            None,
        )
        .await;
    assert!(
        !overdue
            .json()
            .as_array()
            .expect("queue")
            .iter()
            .any(|d| d["id"].as_i64() == Some(id)),
        "a paused dossier is not overdue: {}",
        overdue.body
    );
    h.set_clock(datetime!(2026-12-08 10:00 +7));
    let hau = h.citizen("092095001234").await;
    let provided = h
        .json(
            Method::POST,
            &format!("/api/v1/my/dossiers/{id}/actions"),
            &hau,
            serde_json::json!({"command": "supplement_provided", "new_due": far}),
        )
        .await;
    assert_eq!(provided.status, StatusCode::OK, "{}", provided.body);
    let resumed = calendar
        .resume(
            due,
            datetime!(2026-12-07 10:00 +7),
            datetime!(2026-12-08 10:00 +7),
        )
        .expect("resume");
    assert_eq!(rfc3339(&provided.json()["due_at"]), resumed);

    // Xin ý kiến: the unit must exist and be another one; its officials are written to.
    let specialist = h.bearer("chuyenvien.ninhkieu").await;
    for (unit, field) in [
        ("000.00.99.H13", "unit"),
        ("000.00.30.H13", "unit"),
        ("", "unit"),
    ] {
        let reply = h
            .json(
                Method::POST,
                &actions,
                &specialist,
                serde_json::json!({"command": "consult",
            "unit": unit, "question": "Đề nghị xác minh nơi cư trú"}),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{unit}: {}",
            reply.body
        );
        assert!(reply.body.contains(field), "{}", reply.body);
    }
    // Before it is asked, the department cannot read the ward's dossier.
    let department = h.bearer("chuyenvien.stp").await;
    let dossier_path = format!("/api/v1/dossiers/{id}");
    assert_eq!(
        h.send(Method::GET, &dossier_path, &department, None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let before = h
        .store
        .outbox_of_kind("notify")
        .await
        .expect("outbox")
        .len();
    let consulted = h
        .json(
            Method::POST,
            &actions,
            &specialist,
            serde_json::json!({"command": "consult",
        "unit": "000.00.10.H13", "question": "Đề nghị xác minh nơi cư trú"}),
        )
        .await;
    assert_eq!(consulted.status, StatusCode::OK, "{}", consulted.body);
    assert_eq!(
        consulted.json()["status_code"],
        4,
        "the dossier stays where it is"
    );
    let letters: Vec<serde_json::Value> = h.store.outbox_of_kind("notify").await.expect("outbox")
        [before..]
        .iter()
        .filter_map(|row| serde_json::from_str(&row.payload).ok())
        .filter(|p: &serde_json::Value| p["template"] == "dossier-consult")
        .collect();
    assert!(
        letters
            .iter()
            .any(|p| p["to"] == "chuyenvien-stp@cantho.example.vn"),
        "the department's specialist is asked: {letters:?}"
    );
    assert!(
        letters.iter().all(|p| p["body"]
            .as_str()
            .is_some_and(|b| b.contains("xác minh nơi cư trú") && b.contains(&code))),
        "{letters:?}"
    );
    // Once asked, it reads the dossier (API and page) but may not act on it.
    let read = h.send(Method::GET, &dossier_path, &department, None).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    assert_eq!(
        read.json()["actions"],
        serde_json::json!([]),
        "{}",
        read.body
    );
    let page = h
        .send(
            Method::GET,
            &format!("/staff/dossiers/{id}"),
            &h.official("chuyenvien.stp").await,
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("do-forward"), "no action offered");
    let acted = h
        .json(
            Method::POST,
            &actions,
            &department,
            serde_json::json!({"command": "forward", "to_step": 1}),
        )
        .await;
    assert_eq!(acted.status, StatusCode::FORBIDDEN, "{}", acted.body);
    assert_eq!(
        h.send(
            Method::GET,
            &dossier_path,
            &h.bearer("chuyenvien.trunghung").await,
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN,
        "an agency not asked still cannot read it"
    );
}

/// The two other endings through the API: the desk refuses (Mẫu 03, status 3) and a citizen
/// withdraws (status 7); both show on the public lookup, and nothing acts on them afterwards.
async fn refusal_and_withdrawal_through_the_api_end_at_status_3_and_7(h: Harness) {
    let h = &h;
    let hau = h.citizen("092095001234").await;
    let desk = h.bearer("tiepnhan.ninhkieu").await;
    let submit = || async {
        let hau = h.citizen("092095001234").await;
        let reply = h
            .json(
                Method::POST,
                "/api/v1/dossiers",
                &hau,
                serde_json::json!({"procedure_code": "1.001193",
            "agency_code": "000.00.30.H13", "form": birth_form()}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let body = reply.json();
        (
            body["id"].as_i64().expect("id"),
            body["code"].as_str().expect("code").to_owned(),
        )
    };
    let lookup = |code: String| async move {
        let h = h;
        h.send(
            Method::GET,
            &format!("/api/v1/lookup/{code}"),
            &Client::default(),
            None,
        )
        .await
        .json()
    };

    let (refused_id, refused_code) = submit().await;
    let actions = format!("/api/v1/dossiers/{refused_id}/actions");
    let without_reason = h
        .json(
            Method::POST,
            &actions,
            &desk,
            serde_json::json!({"command": "refuse", "reasons": []}),
        )
        .await;
    assert_eq!(
        without_reason.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        without_reason.body
    );
    let by_specialist = h
        .json(
            Method::POST,
            &actions,
            &h.bearer("chuyenvien.ninhkieu").await,
            serde_json::json!({"command": "refuse", "reasons": ["Không thuộc thẩm quyền"]}),
        )
        .await;
    assert_eq!(
        by_specialist.status,
        StatusCode::FORBIDDEN,
        "only the desk refuses: {}",
        by_specialist.body
    );
    let refused = h
        .json(
            Method::POST,
            &actions,
            &desk,
            serde_json::json!({"command": "refuse",
        "reasons": ["Thủ tục không thuộc thẩm quyền của UBND phường Ninh Kiều"]}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::OK, "{}", refused.body);
    assert_eq!(refused.json()["status_code"], 3);
    assert_eq!(
        lookup(refused_code.clone()).await["status"],
        "Không được tiếp nhận"
    );
    let pdf = h
        .send(
            Method::GET,
            &format!("/api/v1/dossiers/{refused_id}/forms/mau03.pdf"),
            &hau,
            None,
        )
        .await;
    assert_eq!(
        pdf.status,
        StatusCode::OK,
        "the applicant gets the refusal (Mẫu 03)"
    );
    let after = h
        .send(
            Method::POST,
            &format!("/api/v1/dossiers/{refused_id}/receive"),
            &desk,
            None,
        )
        .await;
    assert_eq!(
        after.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a refused dossier stays refused: {}",
        after.body
    );
    assert!(
        after.body.contains("dossier-not-allowed-in-state"),
        "{}",
        after.body
    );

    let (withdrawn_id, withdrawn_code) = submit().await;
    let mine = format!("/api/v1/my/dossiers/{withdrawn_id}/actions");
    let foreign = h
        .json(
            Method::POST,
            &mine,
            &h.citizen("092196005678").await,
            serde_json::json!({"command": "withdraw", "reason": "Không cần nữa"}),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.body);
    let withdrawn = h.json(Method::POST, &mine, &hau, serde_json::json!({"command": "withdraw", "reason": "Gia đình đã đăng ký tại nơi khác"})).await;
    assert_eq!(withdrawn.status, StatusCode::OK, "{}", withdrawn.body);
    assert_eq!(withdrawn.json()["status_code"], 7);
    assert_eq!(
        lookup(withdrawn_code).await["status"],
        "Công dân yêu cầu rút hồ sơ"
    );
    let late = h
        .send(
            Method::POST,
            &format!("/api/v1/dossiers/{withdrawn_id}/receive"),
            &desk,
            None,
        )
        .await;
    assert_eq!(
        late.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        late.body
    );
    assert!(
        late.body.contains("dossier-not-allowed-in-state"),
        "{}",
        late.body
    );
}
