//! Search synonyms over HTTP on both databases: a catalogue manager at the root adds one on the
//! page (refusals beside their fields, nothing stored), the public search reads the phrase
//! through it at once, the API lists, refuses a duplicate and removes it; a ward administrator
//! and the public are refused.

#[macro_use]
mod support;

use axum::http::{Method, StatusCode};
use serde_json::json;
use support::{Client, Web};

both!(administrators_keep_the_synonyms_that_search_reads);

const PHRASE: &str = "khai báo em bé";
const BIRTH: &str = "1.001193";

async fn first_hit(w: &Web, query: &str) -> Option<String> {
    let reply = w
        .get(
            &format!("/api/v1/procedures?q={}", urlencoding(query)),
            &Client::Anonymous,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()["items"][0]["code"].as_str().map(str::to_owned)
}

fn urlencoding(text: &str) -> String {
    serde_urlencoded::to_string([("q", text)])
        .expect("encode")
        .trim_start_matches("q=")
        .to_owned()
}

async fn synonym_count(w: &Web, admin: &Client) -> usize {
    let reply = w.get("/api/v1/search-synonyms", admin).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json().as_array().map(Vec::len).unwrap_or(0)
}

async fn administrators_keep_the_synonyms_that_search_reads(w: Web) -> Web {
    let admin = w.official_session("admin").await;
    let ward_admin = w.official_session("quantri.ninhkieu").await;
    assert_ne!(
        first_hit(&w, "khai bao em be").await.as_deref(),
        Some(BIRTH)
    );
    let before = synonym_count(&w, &admin).await;
    assert!(
        before >= 40,
        "the installation's synonyms are there: {before}"
    );

    // Refusals: an empty phrase, the same text twice; nothing stored.
    let reply = w
        .form(
            "/admin/search-synonyms",
            &admin,
            &[("phrase", "  "), ("expansion", "đăng ký khai sinh")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.text().contains("Trường này là bắt buộc."),
        "{}",
        reply.text()
    );
    let reply = w
        .form(
            "/admin/search-synonyms",
            &admin,
            &[("phrase", "Đăng Ký"), ("expansion", "dang ky")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply
            .text()
            .contains("Từ đồng nghĩa phải khác cụm từ được thay.")
    );
    // A ward's administrator does not keep the city's catalogue; the public does not either.
    let reply = w
        .form(
            "/admin/search-synonyms",
            &ward_admin,
            &[("phrase", PHRASE), ("expansion", "đăng ký khai sinh")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = w
        .post(
            "/api/v1/search-synonyms",
            &Client::Anonymous,
            json!({"phrase": PHRASE, "expansion": "đăng ký khai sinh"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(synonym_count(&w, &admin).await, before);

    // Added on the page: listed, and the next search reads the phrase through it.
    let reply = w
        .form(
            "/admin/search-synonyms",
            &admin,
            &[("phrase", PHRASE), ("expansion", "đăng ký khai sinh")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let page = w.get("/admin/search-synonyms", &admin).await.text();
    assert!(page.contains(PHRASE), "{page}");
    assert_eq!(
        first_hit(&w, "khai bao em be").await.as_deref(),
        Some(BIRTH)
    );
    assert_eq!(
        first_hit(&w, "KHAI BÁO EM BÉ").await.as_deref(),
        Some(BIRTH)
    );

    // The API refuses the same pair, lists it and removes it.
    let reply = w
        .post(
            "/api/v1/search-synonyms",
            &admin,
            json!({"phrase": "Khai bao em be", "expansion": "Đăng ký khai sinh"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.text());
    assert_eq!(reply.message(), "Cặp từ đồng nghĩa này đã có.");
    let listed = w.get("/api/v1/search-synonyms", &admin).await.json();
    let id = listed
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["phrase"] == PHRASE))
        .and_then(|r| r["id"].as_i64())
        .expect("listed");
    let reply = w
        .send(
            Method::DELETE,
            &format!("/api/v1/search-synonyms/{id}"),
            &ward_admin,
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = w
        .send(
            Method::DELETE,
            &format!("/api/v1/search-synonyms/{id}"),
            &admin,
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
    assert_eq!(synonym_count(&w, &admin).await, before);
    assert_ne!(
        first_hit(&w, "khai bao em be").await.as_deref(),
        Some(BIRTH)
    );
    w
}
