//! Kiểm tra chữ ký số (issue 16), on both databases: anyone uploads a PDF signed with the test
//! PKI's keys (a Mẫu 01 receipt the server rendered) to `/kiem-tra-chu-ky` or
//! `POST /api/v1/signatures/verify` and reads who signed, whether the file changed since and
//! whether the signer is trusted; not a PDF is refused in Vietnamese; an installation that
//! trusts no root says so and calls a sound signature untrusted.

#[allow(unused_macros)]
#[macro_use]
mod support;

use axum::http::{Method, StatusCode};
use motcua_app::signatures::Signatures;
use motcua_signing::simulator::pki::TestPki;
use motcua_signing::verify::TrustStore;
use motcua_signing::{PdfSigner, SignRequest};
use std::sync::OnceLock;
use support::{Client, Part, Web};

both!(with trusting_the_test_root;
    anyone_checks_a_signed_result_and_sees_a_change,
);

mod without_roots {
    use super::*;
    both!(an_installation_without_roots_trusts_no_signer);
}

fn pki() -> &'static TestPki {
    static P: OnceLock<TestPki> = OnceLock::new();
    P.get_or_init(TestPki::generate)
}

fn trusting_the_test_root(state: &mut motcua_web::AppState) {
    let mut trust = TrustStore::new();
    trust.add_der(&pki().root.cert).expect("root");
    state.app = state.app.clone().with_signatures(Signatures {
        trust,
        ..Default::default()
    });
}

/// A receipt the server rendered for a received dossier, sealed with the test agency key.
async fn sealed_receipt(w: &Web) -> Vec<u8> {
    let id = w.f.received().await.id;
    let desk = w.official("tiepnhan.ninhkieu").await;
    let pdf = w
        .send(
            Method::GET,
            &format!("/api/v1/dossiers/{id}/forms/mau01.pdf"),
            &desk,
            None,
        )
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    let mut request =
        SignRequest::new(time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+7)));
    request.reason = Some("Đóng dấu giấy tiếp nhận hồ sơ".into());
    request.location = Some("Phường Ninh Kiều, thành phố Cần Thơ".into());
    PdfSigner::new()
        .sign(&pdf.bytes, &request, &pki().key(&pki().p256_signer), None)
        .await
        .expect("sealed")
}

/// The seal's common name as the signing crate reads it (the page must show the same).
fn common_name(signed: &[u8]) -> String {
    motcua_signing::verify::verify_pdf(signed, &TrustStore::new())
        .first()
        .and_then(|r| r.signer.as_ref())
        .map(|s| s.common_name.clone())
        .unwrap_or_default()
}

async fn check_page(w: &Web, client: &Client, file: &[u8]) -> support::Reply {
    w.multipart_parts(
        "/kiem-tra-chu-ky",
        client,
        &[Part::pdf("file", "giay-tiep-nhan.pdf", file)],
    )
    .await
}

async fn anyone_checks_a_signed_result_and_sees_a_change(w: Web) -> Web {
    let signed = sealed_receipt(&w).await;
    let seal = common_name(&signed);
    assert!(!seal.is_empty(), "the test seal has a name");
    let form = w.get("/kiem-tra-chu-ky", &Client::Anonymous).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text().contains("name=\"file\""));
    assert!(
        !form.text().contains("id=\"no-trust\""),
        "a root is configured"
    );

    let reply = check_page(&w, &Client::Anonymous, &signed).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let html = reply.text();
    assert!(html.contains("class=\"facts signature valid\""), "{html}");
    assert!(html.contains("Chữ ký hợp lệ"));
    assert!(html.contains(&seal), "the signer is named: {html}");
    assert!(
        html.contains("Đóng dấu giấy tiếp nhận hồ sơ"),
        "the reason, in Vietnamese"
    );
    assert!(html.contains("Không bị thay đổi sau khi ký"));

    // One byte of the receipt changed after sealing: broken, on the page and through the API.
    let mut changed = signed.clone();
    let at = changed
        .windows(4)
        .position(|w| w == b"/Pag")
        .expect("a page object in the signed range");
    changed[at + 1] = b'Q';
    let html = check_page(&w, &Client::Anonymous, &changed).await.text();
    assert!(html.contains("class=\"facts signature broken\""), "{html}");
    assert!(html.contains("Đã bị thay đổi sau khi ký"));

    let api = w
        .upload(
            "/api/v1/signatures/verify",
            &Client::Anonymous,
            &[Part::pdf("file", "a.pdf", &signed)],
        )
        .await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.text());
    let body = api.json();
    assert_eq!(body[0]["verdict"], "valid");
    assert_eq!(body[0]["signer"], seal.as_str());
    assert_eq!(body[0]["intact"], true);
    assert!(body[0]["chain"].as_array().is_some_and(|c| c.len() >= 2));
    let api = w
        .upload(
            "/api/v1/signatures/verify",
            &Client::Anonymous,
            &[Part::pdf("file", "a.pdf", &changed)],
        )
        .await;
    assert_eq!(api.json()[0]["verdict"], "broken");

    // An unsigned PDF has no signature; something else is not a PDF.
    let receipt_id = w.f.received().await.id;
    let unsigned = w
        .send(
            Method::GET,
            &format!("/api/v1/dossiers/{receipt_id}/forms/mau01.pdf"),
            &w.official("tiepnhan.ninhkieu").await,
            None,
        )
        .await
        .bytes;
    let html = check_page(&w, &Client::Anonymous, &unsigned).await.text();
    assert!(html.contains("id=\"no-signature\""), "{html}");
    let refused = check_page(&w, &Client::Anonymous, b"GIF89a not a pdf").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("Tệp không phải PDF"));
    let refused = w
        .upload(
            "/api/v1/signatures/verify",
            &Client::Anonymous,
            &[Part::pdf("file", "x.pdf", b"hello")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.field_code(), "error-signature-not-pdf");
    assert_eq!(w.stored_files(), 0, "nothing uploaded is kept");
    w
}

async fn an_installation_without_roots_trusts_no_signer(w: Web) -> Web {
    let signed = sealed_receipt(&w).await;
    let form = w.get("/kiem-tra-chu-ky", &Client::Anonymous).await.text();
    assert!(form.contains("id=\"no-trust\""), "{form}");
    let api = w
        .upload(
            "/api/v1/signatures/verify",
            &Client::Anonymous,
            &[Part::pdf("file", "a.pdf", &signed)],
        )
        .await;
    assert_eq!(api.status, StatusCode::OK);
    assert_eq!(api.json()[0]["verdict"], "untrusted");
    assert_eq!(api.json()[0]["intact"], true);
    w
}
