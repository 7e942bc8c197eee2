//! Ký số kết quả (issue 16), on both databases: where the agency has a seal, the leader's
//! "sign" step signs the dossier's result PDF for real. The result must be uploaded first (and
//! be a PDF the seal can sign); the signed copy is linked beside the unsigned one, which the
//! officials keep and the applicant never gets; the file the citizen downloads verifies with
//! our verifier, poppler's `pdfsig` and pyHanko, and one changed byte breaks it for all three.
//! An agency with no seal of its own signs with the nearest seal above it, or not at all.

#[allow(unused_macros)]
#[macro_use]
mod support;

use axum::http::{Method, StatusCode};
use motcua_app::signatures::{Seal, Signatures};
use motcua_app::test_support::WARD;
use motcua_domain::dossier::Command;
use motcua_signing::simulator::oracle::{assert_pyhanko_valid, pdfsig, pyhanko, save};
use motcua_signing::simulator::pki::TestPki;
use motcua_signing::verify::{TrustStore, verify_pdf};
use std::sync::{Arc, OnceLock};
use support::{Client, Part, Web};

both!(with sealing_the_ward;
    the_sign_step_seals_the_result_the_citizen_downloads,
);

mod parent_seal {
    use super::*;
    both!(with sealing_only_the_city; a_ward_without_a_seal_signs_with_the_city_seal);
}

mod other_seal {
    use super::*;
    both!(with sealing_another_agency; an_agency_without_any_seal_above_it_cannot_sign);
}

fn pki() -> &'static TestPki {
    static P: OnceLock<TestPki> = OnceLock::new();
    P.get_or_init(TestPki::generate)
}

fn trust() -> TrustStore {
    let mut trust = TrustStore::new();
    trust.add_der(&pki().root.cert).expect("root");
    trust
}

fn sealing(state: &mut motcua_web::AppState, unit_code: &str) {
    state.app = state.app.clone().with_signatures(Signatures {
        trust: trust(),
        seals: vec![Seal {
            unit_code: unit_code.to_owned(),
            key: Arc::new(pki().key(&pki().p256_signer)),
            image: None,
        }],
        personal: Vec::new(),
        timestamper: None,
        revocation: None,
    });
}

fn sealing_the_ward(state: &mut motcua_web::AppState) {
    sealing(state, WARD);
}

/// The demo city (Cần Thơ) above the ward, by its agency code.
const CITY: &str = "000.00.00.H13";

fn sealing_only_the_city(state: &mut motcua_web::AppState) {
    sealing(state, CITY);
}

fn sealing_another_agency(state: &mut motcua_web::AppState) {
    sealing(state, "000.00.99.H99");
}

/// A received dossier the specialist forwarded and the chairman approved: it waits for the
/// signature. Returns its id and a real PDF (its Mẫu 01 receipt) to use as the result.
async fn approved(w: &Web) -> (i64, Vec<u8>) {
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
    w.f.app
        .act_on_dossier(
            &w.f.official("chuyenvien.ninhkieu").await,
            id,
            Command::Forward {
                to_step: 1,
                assignee: None,
            },
        )
        .await
        .expect("forward");
    w.f.app
        .act_on_dossier(
            &w.f.official("chutich.ninhkieu").await,
            id,
            Command::Approve,
        )
        .await
        .expect("approve");
    (id, pdf.bytes)
}

async fn signed(w: &Web, id: i64) -> bool {
    w.f.db
        .store
        .get_dossier(id)
        .await
        .expect("dossier")
        .dossier()
        .expect("state")
        .signed
}

async fn act(w: &Web, leader: &Client, id: i64, command: &str) -> support::Reply {
    w.form(
        &format!("/staff/dossiers/{id}/actions"),
        leader,
        &[("command", command)],
    )
    .await
}

/// The download links (hrefs) under the results heading of a page.
fn result_links(page: &str, prefix: &str) -> Vec<String> {
    let Some(start) = page.find("id=\"h-results\"") else {
        return Vec::new();
    };
    let section = &page[start
        ..page[start..]
            .find("</section>")
            .map_or(page.len(), |e| start + e)];
    section
        .match_indices(prefix)
        .filter_map(|(at, _)| section[at..].split('"').next().map(str::to_owned))
        .collect()
}

async fn the_sign_step_seals_the_result_the_citizen_downloads(w: Web) -> Web {
    let (id, receipt) = approved(&w).await;
    let leader = w.official_session("chutich.ninhkieu").await;

    // Nothing to sign yet: refused in Vietnamese, the dossier stays unsigned.
    let early = act(&w, &leader, id, "sign").await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.text());
    assert!(
        early.text().contains("Chưa có văn bản kết quả"),
        "{}",
        early.text()
    );
    assert!(!signed(&w, id).await);

    // The one who signs is offered the upload; a PDF the seal cannot sign is refused now.
    let page = w
        .get(&format!("/staff/dossiers/{id}"), &leader)
        .await
        .text();
    assert!(
        page.contains("id=\"result-form\""),
        "upload offered before signing"
    );
    let upload = format!("/staff/dossiers/{id}/result");
    let before = w.stored_files();
    let junk = w
        .multipart_parts(
            &upload,
            &leader,
            &[Part::pdf(
                "result",
                "ket-qua.pdf",
                b"%PDF-1.4 not a real document",
            )],
        )
        .await;
    assert_eq!(junk.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        junk.text().contains("Không ký được tệp kết quả"),
        "{}",
        junk.text()
    );
    assert_eq!(w.stored_files(), before, "a refused result stores nothing");
    let uploaded = w
        .multipart_parts(
            &upload,
            &leader,
            &[Part::pdf("result", "Giấy khai sinh.pdf", &receipt)],
        )
        .await;
    assert_eq!(
        uploaded.status,
        StatusCode::SEE_OTHER,
        "{}",
        uploaded.text()
    );

    // Signing seals it: the officials see both files, the signed one marked.
    let sign = act(&w, &leader, id, "sign").await;
    assert_eq!(sign.status, StatusCode::SEE_OTHER, "{}", sign.text());
    assert!(signed(&w, id).await);
    let page = w
        .get(&format!("/staff/dossiers/{id}"), &leader)
        .await
        .text();
    let staff_links = result_links(&page, &format!("/staff/dossiers/{id}/files/"));
    assert_eq!(
        staff_links.len(),
        2,
        "the unsigned file and its sealed copy: {page}"
    );
    assert!(page.contains("Giấy khai sinh-da-ky.pdf") && page.contains("Đã ký số"));
    assert!(
        !page.contains("id=\"result-form\""),
        "after the seal no unsigned file may be added"
    );
    let late = w
        .multipart_parts(
            &upload,
            &leader,
            &[Part::pdf("result", "khac.pdf", &receipt)],
        )
        .await;
    assert_eq!(late.status, StatusCode::FORBIDDEN);

    // Resolved and handed over: the citizen has the sealed copy only.
    assert_eq!(
        act(&w, &leader, id, "resolve").await.status,
        StatusCode::SEE_OTHER
    );
    let desk = w.official_session("tiepnhan.ninhkieu").await;
    let handed = w
        .form(
            &format!("/staff/dossiers/{id}/actions"),
            &desk,
            &[("command", "return_result"), ("method", "counter")],
        )
        .await;
    assert_eq!(handed.status, StatusCode::SEE_OTHER, "{}", handed.text());
    let citizen = w.citizen(motcua_app::test_support::CITIZEN).await;
    let files = w
        .send(
            Method::GET,
            &format!("/api/v1/dossiers/{id}/attachments"),
            &citizen,
            None,
        )
        .await;
    assert_eq!(files.status, StatusCode::OK, "{}", files.text());
    let results: Vec<serde_json::Value> = files
        .json()
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|f| f["purpose"] == "result")
        .collect();
    assert_eq!(results.len(), 1, "{results:?}");
    assert_eq!(results[0]["name"], "Giấy khai sinh-da-ky.pdf");
    assert_eq!(results[0]["sealed"], true);
    let sealed_id = results[0]["attachment_id"].as_i64().expect("id");
    let download = w
        .send(
            Method::GET,
            &format!("/api/v1/dossiers/{id}/attachments/{sealed_id}"),
            &citizen,
            None,
        )
        .await;
    assert_eq!(download.status, StatusCode::OK, "{}", download.text());
    let sealed = download.bytes;
    assert!(
        sealed.starts_with(&receipt),
        "an incremental update of the uploaded file"
    );
    // The unsigned original is not the citizen's to fetch.
    let unsigned_id = staff_links
        .iter()
        .filter_map(|l| l.rsplit('/').next().and_then(|n| n.parse::<i64>().ok()))
        .find(|n| *n != sealed_id)
        .expect("the unsigned file");
    let original = w
        .send(
            Method::GET,
            &format!("/api/v1/dossiers/{id}/attachments/{unsigned_id}"),
            &citizen,
            None,
        )
        .await;
    assert_eq!(original.status, StatusCode::NOT_FOUND);

    // Three judges agree: valid and intact, by the ward's seal, with the Vietnamese reason.
    let reports = verify_pdf(&sealed, &trust());
    assert_eq!(reports.len(), 1);
    assert!(reports[0].is_valid(), "{:?}", reports[0]);
    assert!(reports[0].covers_whole_file);
    assert_eq!(
        reports[0].signer.as_ref().map(|s| s.common_name.as_str()),
        Some("UBND Phuong Ben Nghe")
    );
    assert!(
        reports[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.starts_with("Ký số kết quả giải quyết hồ sơ ")),
        "{:?}",
        reports[0].reason
    );
    let path = save(
        &format!("sealed-result-{}.pdf", std::process::id()),
        &sealed,
    );
    let poppler = pdfsig(&path, &pki().root.cert);
    assert!(poppler.contains("Signature is Valid"), "{poppler}");
    assert!(poppler.contains("Certificate is Trusted"), "{poppler}");
    let hanko = pyhanko(&path, &pki().root.cert);
    assert_eq!(hanko.len(), 1, "{hanko:?}");
    assert_pyhanko_valid(&hanko[0]);
    // One byte of the document changed: broken for all three.
    let mut tampered = sealed.to_vec();
    let at = receipt.len() / 3;
    tampered[at] ^= 0x01;
    assert!(!verify_pdf(&tampered, &trust())[0].intact);
    let path = save(
        &format!("sealed-result-tampered-{}.pdf", std::process::id()),
        &tampered,
    );
    let poppler = pdfsig(&path, &pki().root.cert);
    assert!(!poppler.contains("Signature is Valid"), "{poppler}");
    let hanko = pyhanko(&path, &pki().root.cert);
    assert!(
        hanko.iter().all(|l| !l.contains("intact=True")),
        "{hanko:?}"
    );
    // And the public check page says so too.
    let check = w
        .multipart_parts(
            "/kiem-tra-chu-ky",
            &Client::Anonymous,
            &[Part::pdf("file", "ket-qua.pdf", &sealed)],
        )
        .await;
    assert!(check.text().contains("Chữ ký hợp lệ"), "{}", check.text());
    w
}

async fn a_ward_without_a_seal_signs_with_the_city_seal(w: Web) -> Web {
    let (id, receipt) = approved(&w).await;
    let leader = w.official_session("chutich.ninhkieu").await;
    let uploaded = w
        .multipart_parts(
            &format!("/staff/dossiers/{id}/result"),
            &leader,
            &[Part::pdf("result", "kq.pdf", &receipt)],
        )
        .await;
    assert_eq!(
        uploaded.status,
        StatusCode::SEE_OTHER,
        "{}",
        uploaded.text()
    );
    let sign = act(&w, &leader, id, "sign").await;
    assert_eq!(sign.status, StatusCode::SEE_OTHER, "{}", sign.text());
    let links = w.f.db.store.dossier_attachments(id).await.expect("links");
    assert_eq!(links.iter().filter(|l| l.signed_from.is_some()).count(), 1);
    w
}

async fn an_agency_without_any_seal_above_it_cannot_sign(w: Web) -> Web {
    let (id, receipt) = approved(&w).await;
    let leader = w.official_session("chutich.ninhkieu").await;
    // No seal applies, so the upload is not checked against one; signing is refused.
    let uploaded = w
        .multipart_parts(
            &format!("/staff/dossiers/{id}/result"),
            &leader,
            &[Part::pdf("result", "kq.pdf", &receipt)],
        )
        .await;
    assert_eq!(
        uploaded.status,
        StatusCode::SEE_OTHER,
        "{}",
        uploaded.text()
    );
    let sign = act(&w, &leader, id, "sign").await;
    assert_eq!(sign.status, StatusCode::CONFLICT, "{}", sign.text());
    assert!(
        sign.text().contains("chưa được cấu hình chứng thư số"),
        "{}",
        sign.text()
    );
    assert!(!signed(&w, id).await);
    let links = w.f.db.store.dossier_attachments(id).await.expect("links");
    assert!(links.iter().all(|l| l.signed_from.is_none()));
    w
}
