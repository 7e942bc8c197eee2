//! Multipart uploads are streamed to staged files, stop at the first field the form does not
//! have, and respect a citizen's storage quota; a refused upload stores nothing (no row, no
//! blob). A file close to the size limit goes through.

#[macro_use]
mod support;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use motcua_app::test_support::CITIZEN;
use motcua_blobs::sha256_hex;
use std::sync::Arc;
use support::{Client, Reply, Web};

both!(
    an_unexpected_field_stops_an_api_upload_and_nothing_is_stored,
    an_unexpected_file_input_stops_a_page_form_and_nothing_is_stored,
    a_file_of_nine_mebibytes_is_uploaded_whole,
);

const CSRF: &str = "upload-test-csrf-0123456789abcdefghijklmnopq";

/// One part: field, file name (a file part) and bytes.
type Part<'a> = (&'a str, Option<&'a str>, &'a [u8]);

fn multipart(parts: &[Part]) -> (String, Vec<u8>) {
    let boundary = "----motcua-upload-boundary-3Yq7c";
    let mut body = Vec::new();
    for (field, file_name, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{field}\"");
        if let Some(file_name) = file_name {
            disposition.push_str(&format!(
                "; filename=\"{file_name}\"\r\nContent-Type: application/pdf"
            ));
        }
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"\r\n\r\n");
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Posts a multipart body as the signed-in `client` (a session: CSRF cookie, header and the
/// `?_csrf=` of forms without JavaScript).
async fn post_multipart(h: &Web, path: &str, client: &Client, parts: &[Part<'_>]) -> Reply {
    let (content_type, body) = multipart(parts);
    let Client::Session(token) = client else {
        panic!("a session client");
    };
    let separator = if path.contains('?') { '&' } else { '?' };
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("{path}{separator}_csrf={CSRF}"))
        .header(header::CONTENT_TYPE, content_type)
        .header(
            header::COOKIE,
            format!(
                "{}={token}; {}={CSRF}",
                motcua_web::context::session_cookie_name(true),
                motcua_web::context::csrf_cookie_name(true)
            ),
        )
        .header("x-csrf-token", CSRF)
        .body(Body::from(body))
        .expect("request");
    h.request(request).await
}

/// A PDF of `size` bytes, unique to this run so no earlier test stored the same content.
fn pdf(size: usize) -> Vec<u8> {
    let mut bytes = format!("%PDF-1.7\n% {}\n", motcua_app::security::random_token()).into_bytes();
    bytes.resize(size, b' ');
    bytes
}

async fn my_uploads(h: &Web, client: &Client) -> usize {
    let reply = h.get("/api/v1/my/attachments", client).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json().as_array().map_or(0, Vec::len)
}

async fn stored(h: &Web, content: &[u8]) -> bool {
    h.f.app
        .blobs
        .exists(&sha256_hex(content))
        .await
        .expect("exists")
}

async fn an_unexpected_field_stops_an_api_upload_and_nothing_is_stored(h: Web) -> Web {
    let hau = h.citizen(CITIZEN).await;
    let paper = pdf(2_000);
    let other = pdf(2_000);
    let cases: [(&str, Vec<Part>); 4] = [
        (
            "note",
            vec![("file", Some("a.pdf"), &paper), ("note", None, b"hi")],
        ),
        (
            "note",
            vec![("note", None, b"hi"), ("file", Some("a.pdf"), &paper)],
        ),
        (
            "file2",
            vec![
                ("file", Some("a.pdf"), &paper),
                ("file2", Some("b.pdf"), &other),
            ],
        ),
        (
            "_csrf",
            vec![
                ("file", Some("a.pdf"), &paper),
                ("_csrf", None, CSRF.as_bytes()),
            ],
        ),
    ];
    for (field, parts) in cases {
        let reply = post_multipart(&h, "/api/v1/attachments", &hau, &parts).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
        assert_eq!(reply.json()["error"]["code"], "error-multipart-field");
        let message = reply.message();
        assert!(
            message.contains(field) && message.contains("Không có tệp nào được lưu"),
            "{message}"
        );
    }
    assert_eq!(my_uploads(&h, &hau).await, 0);
    assert!(!stored(&h, &paper).await && !stored(&h, &other).await);
    // The same file alone is accepted.
    let reply = post_multipart(
        &h,
        "/api/v1/attachments",
        &hau,
        &[("file", Some("a.pdf"), &paper)],
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    assert!(stored(&h, &paper).await);
    h
}

async fn an_unexpected_file_input_stops_a_page_form_and_nothing_is_stored(h: Web) -> Web {
    let hau = h.citizen(CITIZEN).await;
    let actor = motcua_app::test_support::citizen(&h.f.app, CITIZEN).await;
    let dossiers_before = h.f.app.my_dossiers(&actor).await.expect("mine").len();
    let paper = pdf(2_000);
    let sneaked = pdf(2_000);
    let reply = post_multipart(
        &h,
        "/dossiers/new/1.001193",
        &hau,
        &[
            ("tre_ho_ten", None, "Nguyễn Ngọc Anh".as_bytes()),
            ("paper.0", Some("Tờ khai.pdf"), &paper),
            ("avatar", Some("x.pdf"), &sneaked),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
    assert!(reply.text().contains("avatar"), "{}", reply.text());
    assert!(!stored(&h, &paper).await && !stored(&h, &sneaked).await);
    assert_eq!(
        h.f.app.my_dossiers(&actor).await.expect("mine").len(),
        dossiers_before
    );
    assert_eq!(my_uploads(&h, &hau).await, 0);
    h
}

async fn a_file_of_nine_mebibytes_is_uploaded_whole(h: Web) -> Web {
    let hau = h.citizen(CITIZEN).await;
    let large = pdf(9 * 1024 * 1024);
    let reply = post_multipart(
        &h,
        "/api/v1/attachments",
        &hau,
        &[("file", Some("Bản quét.pdf"), &large)],
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.message());
    assert_eq!(reply.json()["size"], 9 * 1024 * 1024);
    assert_eq!(reply.json()["sha256"], sha256_hex(&large));
    let back =
        h.f.app
            .blobs
            .get(&sha256_hex(&large))
            .await
            .expect("stored whole");
    assert!(back.as_ref() == large.as_slice());
    h
}

/// `[attachments] quota_bytes` made small, so the test stays cheap.
async fn quota_is_enforced_over_http(h: Web) -> Web {
    let hau = h.citizen(CITIZEN).await;
    let first = pdf(6_000);
    let reply = post_multipart(
        &h,
        "/api/v1/attachments",
        &hau,
        &[("file", Some("a.pdf"), &first)],
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let second = pdf(5_000);
    let refused = post_multipart(
        &h,
        "/api/v1/attachments",
        &hau,
        &[("file", Some("b.pdf"), &second)],
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text()
    );
    assert_eq!(
        refused.json()["error"]["fields"][0]["code"],
        "error-upload-quota"
    );
    assert!(
        refused.json()["error"]["fields"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("giới hạn")),
        "{}",
        refused.text()
    );
    assert!(!stored(&h, &second).await, "the refused file is not stored");
    assert_eq!(my_uploads(&h, &hau).await, 1);
    h
}

fn small_quota(state: &mut motcua_web::AppState) {
    Arc::make_mut(&mut state.app.settings).upload_quota_bytes = 10_000;
}

mod quota {
    #[tokio::test]
    async fn sqlite_quota_is_enforced_over_http() {
        crate::support::run_with(
            motcua_store::Backend::Sqlite,
            super::small_quota,
            super::quota_is_enforced_over_http,
        )
        .await;
    }

    #[tokio::test]
    async fn postgres_quota_is_enforced_over_http() {
        crate::support::run_with(
            motcua_store::Backend::Postgres,
            super::small_quota,
            super::quota_is_enforced_over_http,
        )
        .await;
    }
}
