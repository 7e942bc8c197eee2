//! What every page and the API share: the OpenAPI document matches the routes, security
//! headers and the language switch, health checks, the error page, request metrics.
//! Each test runs on SQLite and on PostgreSQL over the shared [`support`] harness.

#[macro_use]
mod support;

use axum::http::{Method, StatusCode, header};
use motcua_app::{App, AppSettings};
use motcua_store::Backend;
use motcua_store::test_support::TestDatabase;
use motcua_web::{AppState, WebConfig, routes};
use std::sync::Arc;
use support::{Client, Web};

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

both!(pages_carry_security_headers_and_switch_language);

async fn pages_carry_security_headers_and_switch_language(h: Web) -> Web {
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
        home.text().contains("<html lang=\"vi\">")
            && home.text().contains("Dịch vụ công trực tuyến")
    );
    let english = h
        .send_english(Method::GET, "/", &Client::Anonymous, None)
        .await;
    assert!(
        english.text().contains("<html lang=\"en\">")
            && english.text().contains("Online public services")
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
            .text(),
        "ready"
    );
    let missing = h
        .send(Method::GET, "/no/such/page", &Client::default(), None)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text().contains("Không tìm thấy"));
    let docs = h
        .send(Method::GET, "/api/docs", &Client::default(), None)
        .await;
    assert!(docs.text().contains("/api/v1/units"));
    h
}

/// On both databases, with the metrics recorder the binary installs.
#[tokio::test]
async fn metrics_count_requests_by_route() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        support::run_with(
            backend,
            |state| state.metrics = motcua_web::ops::metrics_handle(),
            requests_are_counted,
        )
        .await;
    }
}

async fn requests_are_counted(h: Web) -> Web {
    h.send(Method::GET, "/healthz", &Client::default(), None)
        .await;
    let metrics = h
        .send(Method::GET, "/metrics", &Client::default(), None)
        .await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(
        metrics.text().contains("motcua_http_requests_total")
            && metrics.text().contains("route=\"/healthz\""),
        "{}",
        metrics.text()
    );
    h
}
