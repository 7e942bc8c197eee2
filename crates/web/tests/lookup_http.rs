//! The public lookup over HTTP: the JSON API names nobody, the page shows the masked name only
//! with a matching proof, each client address is limited (429), and lookups are counted in
//! `/metrics`.

#[macro_use]
mod support;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use motcua_app::lookup::LOOKUPS_PER_MINUTE;
use std::net::SocketAddr;
use support::{Client, Web};

both!(
    the_api_names_nobody_and_the_page_only_with_a_proof,
    each_client_address_is_limited,
);

/// An anonymous GET from a given client address.
async fn get_from(h: &Web, ip: [u8; 4], uri: &str) -> support::Reply {
    let mut request = Request::get(uri).body(Body::empty()).expect("request");
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((ip, 40_000))));
    h.request(request).await
}

async fn the_api_names_nobody_and_the_page_only_with_a_proof(h: Web) -> Web {
    let code = h.f.submit().await.code.expect("code");
    let api = h
        .get(&format!("/api/v1/lookup/{code}"), &Client::Anonymous)
        .await;
    assert_eq!(api.status, StatusCode::OK);
    assert_eq!(api.json()["status_code"], 1);
    assert!(api.json().get("applicant").is_none(), "{}", api.text());
    assert!(
        !api.text().contains("Nguy") && !api.text().contains("Hậu"),
        "{}",
        api.text()
    );

    let plain = h.get(&format!("/tra-cuu/{code}"), &Client::Anonymous).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert!(plain.text().contains("Mới đăng ký") || plain.text().contains(&code));
    assert!(!plain.text().contains("Nguyễn V"), "{}", plain.text());

    let wrong = h
        .get(
            &format!("/tra-cuu?code={code}&xac_minh=9999"),
            &Client::Anonymous,
        )
        .await;
    assert_eq!(wrong.status, StatusCode::OK);
    assert!(!wrong.text().contains("Nguyễn V"));
    assert!(wrong.text().contains("không khớp"), "{}", wrong.text());

    for proof in ["1234", "0912345678"] {
        let right = h
            .get(
                &format!("/tra-cuu/{code}?xac_minh={proof}"),
                &Client::Anonymous,
            )
            .await;
        assert_eq!(right.status, StatusCode::OK);
        assert!(right.text().contains("Nguyễn V. H."), "{proof}");
        assert!(!right.text().contains("Nguyễn Văn Hậu"), "masked only");
    }
    h
}

async fn each_client_address_is_limited(h: Web) -> Web {
    let code = h.f.submit().await.code.expect("code");
    let scraper = [198, 51, 100, 7];
    for n in 0..LOOKUPS_PER_MINUTE {
        let uri = if n % 2 == 0 {
            format!("/api/v1/lookup/{code}")
        } else {
            format!("/tra-cuu/{code}")
        };
        let reply = get_from(&h, scraper, &uri).await;
        assert_eq!(reply.status, StatusCode::OK, "lookup {n}");
    }
    let refused = get_from(&h, scraper, &format!("/api/v1/lookup/{code}")).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        refused.message().contains("quá nhiều"),
        "{}",
        refused.text()
    );
    let page = get_from(&h, scraper, &format!("/tra-cuu/{code}")).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    let other = get_from(&h, [198, 51, 100, 8], &format!("/api/v1/lookup/{code}")).await;
    assert_eq!(
        other.status,
        StatusCode::OK,
        "another client is not affected"
    );
    h
}

/// `motcua_public_lookups_total{channel="…",outcome="…"}` as a number (0 when absent).
fn counter(metrics: &str, labels: &str) -> f64 {
    metrics
        .lines()
        .find(|line| {
            line.starts_with("motcua_public_lookups_total{")
                && labels.split(',').all(|label| line.contains(label))
        })
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
        .unwrap_or(0.0)
}

async fn lookups_and_refusals_are_counted(h: Web) -> Web {
    let code = h.f.submit().await.code.expect("code");
    let metrics = || async { h.get("/metrics", &Client::Anonymous).await.text() };
    let before = metrics().await;
    let scraper = [203, 0, 113, 9];
    for _ in 0..LOOKUPS_PER_MINUTE {
        get_from(&h, scraper, &format!("/api/v1/lookup/{code}")).await;
    }
    get_from(&h, scraper, &format!("/api/v1/lookup/{code}")).await;
    get_from(
        &h,
        [203, 0, 113, 10],
        "/api/v1/lookup/000.00.30.H13-261124-9999",
    )
    .await;
    get_from(
        &h,
        [203, 0, 113, 10],
        &format!("/tra-cuu/{code}?xac_minh=1234"),
    )
    .await;
    let after = metrics().await;
    // Other tests of this binary count too (one recorder per process): at least ours.
    for (labels, ours) in [
        (
            "channel=\"api\",outcome=\"found\"",
            f64::from(LOOKUPS_PER_MINUTE),
        ),
        ("channel=\"api\",outcome=\"refused\"", 1.0),
        ("channel=\"api\",outcome=\"not_found\"", 1.0),
        ("channel=\"page\",outcome=\"found\"", 1.0),
    ] {
        assert!(
            counter(&after, labels) >= counter(&before, labels) + ours,
            "{labels}: {after}"
        );
    }
    assert!(after.contains("motcua_public_lookup_proofs_total{result=\"matched\"}"));
    h
}

/// The recorder is process-wide, so each of these tests installs the same one.
mod metrics {
    #[tokio::test]
    async fn sqlite_lookups_and_refusals_are_counted() {
        crate::support::run_with(
            motcua_store::Backend::Sqlite,
            |state| state.metrics = motcua_web::ops::metrics_handle(),
            super::lookups_and_refusals_are_counted,
        )
        .await;
    }

    #[tokio::test]
    async fn postgres_lookups_and_refusals_are_counted() {
        crate::support::run_with(
            motcua_store::Backend::Postgres,
            |state| state.metrics = motcua_web::ops::metrics_handle(),
            super::lookups_and_refusals_are_counted,
        )
        .await;
    }
}
