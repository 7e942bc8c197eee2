//! The catalogue over HTTP on both databases: the public search page and detail page work
//! without JavaScript and highlight what matched, the API answers other systems, form
//! validation returns translated field errors, and changes need a catalogue manager.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use motcua_app::{App, AppSettings};
use motcua_store::Backend;
use motcua_store::test_support::TestDatabase;
use motcua_web::{AppState, WebConfig};
use std::sync::Arc;
use tower::ServiceExt;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::run(motcua_store::Backend::Sqlite, super::$name).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::run(motcua_store::Backend::Postgres, super::$name).await } )* }
    };
}

both!(
    the_search_page_finds_marriage_registration_without_diacritics,
    the_detail_page_shows_what_the_law_requires,
    the_api_searches_reads_and_validates_forms,
    catalogue_changes_need_a_catalogue_manager,
);

async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Router) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let db = TestDatabase::new(backend).await;
    let app = App::new(db.store.clone(), AppSettings::default());
    app.load_demo().await.expect("demo loads");
    let state = AppState {
        app,
        config: Arc::new(WebConfig::default()),
        metrics: motcua_web::ops::metrics_handle(),
    };
    test(motcua_web::router(state)).await;
    db.cleanup().await;
}

async fn send(router: &Router, request: Request<Body>) -> (StatusCode, String) {
    let response = router
        .clone()
        .oneshot(request)
        .await
        .expect("router answers");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

async fn get(router: &Router, uri: &str) -> (StatusCode, String) {
    send(
        router,
        Request::get(uri).body(Body::empty()).expect("request"),
    )
    .await
}

async fn post_json(router: &Router, uri: &str, body: &str) -> (StatusCode, String) {
    send(
        router,
        Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_owned()))
            .expect("request"),
    )
    .await
}

async fn the_search_page_finds_marriage_registration_without_diacritics(router: Router) {
    for q in [
        "dang+ky+ket+hon",
        "%C4%90%C4%82NG+K%C3%9D+K%E1%BA%BET+H%C3%94N",
    ] {
        let (status, html) = get(&router, &format!("/procedures?q={q}")).await;
        assert_eq!(status, StatusCode::OK);
        let first = html.find("/procedures/1.000894").expect("marriage listed");
        let second = html
            .find("/procedures/1.004746")
            .expect("re-registration listed");
        assert!(first < second, "marriage registration comes first");
        assert!(html.contains("<mark>kết</mark> <mark>hôn</mark>"), "{q}");
        assert!(
            html.contains("<label for=\"f-q\">"),
            "the search box is labelled"
        );
    }
    let (status, html) = get(&router, "/procedures?sector=ho-tich&online=full&page=1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<option value=\"ho-tich\" selected>"));
    let (status, _) = get(&router, "/procedures?q=%22%3Cscript%3E&page=999").await;
    assert_eq!(status, StatusCode::OK);
    let (_, home) = get(&router, "/").await;
    assert!(
        home.contains("action=\"/procedures\""),
        "the home page links the search"
    );
}

async fn the_detail_page_shows_what_the_law_requires(router: Router) {
    let (status, html) = get(&router, "/procedures/1.001193").await;
    assert_eq!(status, StatusCode::OK);
    for expected in [
        "<h1>Đăng ký khai sinh</h1>",
        "1.001193",
        "Hộ tịch",
        "Trình tự thực hiện",
        "Thành phần hồ sơ",
        "Thời hạn giải quyết",
        "Căn cứ pháp lý",
        "8.000 đ",
    ] {
        assert!(html.contains(expected), "missing {expected}");
    }
    let (status, _) = get(&router, "/procedures/9.999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn the_api_searches_reads_and_validates_forms(router: Router) {
    let (status, body) = get(&router, "/api/v1/procedures?q=ket%20hon&per_page=5").await;
    assert_eq!(status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(json["items"][0]["code"], "1.000894");
    assert_eq!(json["items"][0]["name_match"], true);
    let (status, body) = get(&router, "/api/v1/procedures/1.000894").await;
    assert_eq!(status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(json["procedure"]["name"], "Đăng ký kết hôn");
    assert_eq!(json["status"], "published");
    let (status, _) = get(&router, "/api/v1/procedures/1.000894?on=2020-01-01").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = get(&router, "/api/v1/sectors").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("\"ho-tich\""));
    let (status, body) = post_json(
        &router,
        "/api/v1/procedures/1.000894/form/validate",
        "{\"ben_nu_ho_ten\": \"Nguyễn Thị An\"}",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    let fields = json["error"]["fields"].as_array().expect("fields");
    assert!(fields.iter().any(|f| f["field"] == "ben_nam_ho_ten"
        && f["code"] == "form-required"
        && f["message"] == "Trường này bắt buộc."));
    let (_, doc) = get(&router, "/api/openapi.json").await;
    for path in [
        "/api/v1/procedures",
        "/api/v1/procedures/{code}",
        "/api/v1/sectors",
        "/api/v1/procedures/{code}/form/validate",
        "/api/v1/procedures/{code}/versions/{version}/publish",
        "/api/v1/procedures/import",
        "/api/v1/procedures/export",
    ] {
        assert!(
            doc.contains(&format!("\"{path}\"")),
            "OpenAPI documents {path}"
        );
    }
}

async fn catalogue_changes_need_a_catalogue_manager(router: Router) {
    let (status, _) = post_json(
        &router,
        "/api/v1/procedures/1.000894/versions/1/publish",
        "{\"effective_from\": \"2027-01-01\"}",
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = post_json(&router, "/api/v1/procedures/import", "[]").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = get(&router, "/api/v1/procedures/export").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = get(&router, "/admin/procedures").await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "pages send visitors to sign in"
    );
    let (status, _) = get(&router, "/api/v1/procedures/1.000894?version=1").await;
    assert_eq!(status, StatusCode::OK, "published versions are public");
}
