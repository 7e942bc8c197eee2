//! Ký số văn bản đi (issue 16, NĐ 30/2020 Điều 14 and Phụ lục I), on both databases: where the
//! installation has keys, the chairman's personal signature signs the document as it will print
//! (his name under his title, his image between them, the number and date still blank); after
//! the clerk takes the number, the ward's seal stamps the number and the date of issue into the
//! very blanks and signs the whole file, its red image over the left third of his. The file a
//! reader downloads then holds both signatures: ours, poppler's `pdfsig` and pyHanko find them
//! sound and trusted, the leader's "with later additions", the seal's covering everything.
//! Without a personal key the leader is refused in Vietnamese and nothing changes.

#[allow(unused_macros)]
#[macro_use]
mod support;

use axum::http::{Method, StatusCode};
use motcua_app::signatures::{PersonalKey, Seal, Signatures};
use motcua_app::test_support::WARD;
use motcua_app::test_support::pdf::text;
use motcua_signing::ltv::{Revocation, StaticCrls};
use motcua_signing::simulator::images;
use motcua_signing::simulator::oracle::{
    assert_pyhanko_valid, pdfsig, pyhanko, pyhanko_ltv, rasterize_first_page, save,
};
use motcua_signing::simulator::pki::{TestPki, crl};
use motcua_signing::simulator::tsa::TsaSimulator;
use motcua_signing::tsa::TsaClient;
use motcua_signing::verify::{Trust, TrustStore, verify_pdf};
use serde_json::json;
use std::sync::{Arc, OnceLock};
use support::{Client, Web};

both!(with signing_in_the_ward;
    the_leader_signs_and_the_clerk_seals_an_outgoing_document,
);

mod without_personal_key {
    use super::*;
    both!(with sealing_only; a_leader_without_a_personal_key_cannot_sign);
}

mod no_seal {
    use super::*;
    both!(with sealing_elsewhere; a_body_without_a_seal_above_it_cannot_seal);
}

mod long_term {
    use super::*;
    both!(with signing_long_term; both_signatures_are_long_term_and_verify_offline);
}

/// A timestamp authority simulator for the whole test binary, on its own thread.
fn tsa_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().expect("runtime");
            runtime.block_on(async move {
                let tsa = TsaSimulator::start(pki().key(&pki().tsa))
                    .await
                    .expect("TSA");
                sender.send(tsa.url().to_owned()).expect("url");
                std::future::pending::<()>().await;
            });
        });
        receiver.recv().expect("the TSA's address")
    })
}

/// [`signing_in_the_ward`] with a timestamp authority and the CAs' CRLs: PAdES B-LT.
fn signing_long_term(state: &mut motcua_web::AppState) {
    let signatures = Signatures {
        trust: trust(),
        seals: vec![ward_seal()],
        personal: chairman_key(),
        timestamper: Some(Arc::new(TsaClient::new(tsa_url()).expect("client"))),
        revocation: Some(Arc::new(StaticCrls(vec![
            crl(&pki().intermediate, &[]),
            crl(&pki().root, &[]),
        ]))),
    };
    state.app = state.app.clone().with_signatures(signatures);
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

/// The chairman of the ward and his certificate.
const CHAIRMAN: &str = "chutich.ninhkieu";
const CHAIRMAN_NAME: &str = "Huỳnh Văn Thành";

fn ward_seal() -> Seal {
    Seal {
        unit_code: WARD.to_owned(),
        key: Arc::new(pki().key(&pki().p256_signer)),
        image: Some(Arc::new(images::seal(160))),
    }
}

fn chairman_key() -> Vec<PersonalKey> {
    static KEY: OnceLock<motcua_signing::simulator::pki::Issued> = OnceLock::new();
    let personal = KEY.get_or_init(|| {
        pki()
            .issue_personal(CHAIRMAN_NAME, "UBND phường Ninh Kiều", 0x3001)
            .expect("personal certificate")
    });
    vec![PersonalKey {
        username: CHAIRMAN.to_owned(),
        key: Arc::new(pki().key(personal)),
        image: Some(Arc::new(images::signature(300, 120, 5))),
    }]
}

fn signing_in_the_ward(state: &mut motcua_web::AppState) {
    state.app = state.app.clone().with_signatures(Signatures {
        trust: trust(),
        seals: vec![ward_seal()],
        personal: chairman_key(),
        timestamper: None,
        revocation: None,
    });
}

/// The chairman's key, and a seal only for an agency outside the ward's tree.
fn sealing_elsewhere(state: &mut motcua_web::AppState) {
    state.app = state.app.clone().with_signatures(Signatures {
        trust: trust(),
        seals: vec![Seal {
            unit_code: "000.00.99.H99".to_owned(),
            ..ward_seal()
        }],
        personal: chairman_key(),
        ..Default::default()
    });
}

fn sealing_only(state: &mut motcua_web::AppState) {
    state.app = state.app.clone().with_signatures(Signatures {
        trust: trust(),
        seals: vec![ward_seal()],
        ..Default::default()
    });
}

/// A quyết định drafted by the ward's specialist, sent for review and approved by the
/// chairman: it waits for his signature. Returns its id.
async fn approved(w: &Web) -> i64 {
    let specialist = w.official("chuyenvien.ninhkieu").await;
    let leader = w.official(CHAIRMAN).await;
    let drafted = w
        .send(
            Method::POST,
            "/api/v1/documents/outgoing",
            &specialist,
            Some(json!({
                "body_code": WARD, "doc_type": "quyet_dinh",
                "subject": "Về việc thành lập Tổ công tác rà soát dữ liệu hộ tịch",
                "paragraphs": [
                    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
                    "Điều 1. Thành lập Tổ công tác rà soát, cập nhật dữ liệu hộ tịch.",
                    "Điều 2. Quyết định này có hiệu lực kể từ ngày ký./."
                ],
                "recipients": ["Như Điều 2", "Sở Tư pháp"],
                "signer_authority": "TM. Ủy ban nhân dân",
                "signer_position": "Chủ tịch"
            })),
        )
        .await;
    assert_eq!(drafted.status, StatusCode::CREATED, "{}", drafted.text());
    let id = drafted.json()["id"].as_i64().expect("id");
    for (who, body) in [
        (&specialist, json!({"command": "send_for_review"})),
        (&leader, json!({"command": "approve"})),
    ] {
        let reply = act(w, who, id, body.clone()).await;
        assert_eq!(reply.status, StatusCode::OK, "{body}: {}", reply.text());
    }
    id
}

async fn act(w: &Web, who: &Client, id: i64, body: serde_json::Value) -> support::Reply {
    w.send(
        Method::POST,
        &format!("/api/v1/documents/{id}/actions"),
        who,
        Some(body),
    )
    .await
}

async fn pdf(w: &Web, who: &Client, id: i64) -> Vec<u8> {
    let reply = w
        .send(
            Method::GET,
            &format!("/api/v1/documents/{id}/pdf"),
            who,
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.bytes.to_vec()
}

/// The blank where the number goes, as the leader's signature recorded it.
async fn number_blank(w: &Web, id: i64) -> [f64; 4] {
    let row = w.f.db.store.get_document(id).await.expect("document");
    let layout: serde_json::Value =
        serde_json::from_str(row.signed_marks.as_deref().expect("marks")).expect("json");
    let mark = layout["marks"]
        .as_array()
        .and_then(|marks| marks.iter().find(|m| m["kind"] == "number"))
        .expect("a number blank");
    let rect: Vec<f64> = mark["rect"]
        .as_array()
        .expect("rect")
        .iter()
        .filter_map(serde_json::Value::as_f64)
        .collect();
    [rect[0], rect[1], rect[2], rect[3]]
}

async fn the_leader_signs_and_the_clerk_seals_an_outgoing_document(w: Web) -> Web {
    let id = approved(&w).await;
    let leader = w.official(CHAIRMAN).await;
    let clerk = w.official("vanthu.ninhkieu").await;
    let specialist = w.official("chuyenvien.ninhkieu").await;

    // The chairman signs: the file is his, signed, with his name printed and the blanks open.
    let signed = act(
        &w,
        &leader,
        id,
        json!({"command": "sign", "kind": "personal"}),
    )
    .await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.text());
    let personal = pdf(&w, &specialist, id).await;
    let reports = verify_pdf(&personal, &trust());
    assert_eq!(reports.len(), 1);
    assert!(
        reports[0].is_valid() && reports[0].covers_whole_file,
        "{:?}",
        reports[0]
    );
    assert_eq!(
        reports[0].signer.as_ref().map(|s| s.common_name.as_str()),
        Some(CHAIRMAN_NAME)
    );
    let printed = text("van-ban-ky-ca-nhan", &personal);
    for expected in [
        "Số: /QĐ-UBND",
        "Ninh Kiều, ngày tháng năm",
        "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH",
        CHAIRMAN_NAME,
    ] {
        assert!(
            printed.contains(expected),
            "missing {expected:?}:\n{printed}"
        );
    }
    let blank = number_blank(&w, id).await;

    // The seal needs the number first; refusing changes nothing.
    let early = act(&w, &clerk, id, json!({"command": "sign", "kind": "seal"})).await;
    assert_ne!(early.status, StatusCode::OK, "{}", early.text());
    assert_eq!(pdf(&w, &specialist, id).await, personal);

    // The clerk numbers it: the file stays the leader's until sealed.
    let issued = w
        .send(
            Method::POST,
            &format!("/api/v1/documents/{id}/issue"),
            &clerk,
            None,
        )
        .await;
    assert_eq!(issued.status, StatusCode::OK, "{}", issued.text());
    assert_eq!(issued.json()["code_number"], "01/QĐ-UBND");
    assert_eq!(pdf(&w, &specialist, id).await, personal);

    // The seal: both signatures hold, the leader's with the seal's additions after it.
    let sealed = act(&w, &clerk, id, json!({"command": "sign", "kind": "seal"})).await;
    assert_eq!(sealed.status, StatusCode::OK, "{}", sealed.text());
    let file = pdf(&w, &specialist, id).await;
    assert!(
        file.starts_with(&personal),
        "the seal appends; the leader's bytes stay"
    );
    let reports = verify_pdf(&file, &trust());
    assert_eq!(reports.len(), 2, "{reports:?}");
    assert!(
        reports[0].intact && reports[0].signature_valid && !reports[0].covers_whole_file,
        "{:?}",
        reports[0]
    );
    assert!(matches!(reports[0].trust, Trust::Trusted { .. }));
    assert!(
        reports[1].is_valid() && reports[1].covers_whole_file,
        "{:?}",
        reports[1]
    );
    assert_eq!(
        reports[1].reason.as_deref(),
        Some("Ban hành văn bản số 01/QĐ-UBND")
    );
    let path = save(&unique("van-ban-da-dong-dau"), &file);
    let poppler = pdfsig(&path, &pki().root.cert);
    assert_eq!(
        poppler.matches("Signature is Valid").count(),
        2,
        "{poppler}"
    );
    let hanko = pyhanko(&path, &pki().root.cert);
    assert_eq!(hanko.len(), 2, "{hanko:?}");
    assert_pyhanko_valid(&hanko[1]);
    assert!(
        hanko[0].contains("intact=True") && hanko[0].contains("valid=True"),
        "{hanko:?}"
    );

    // The number is drawn in its blank by the seal's update.
    let dark = |p: [u8; 3]| p[0] < 110 && p[1] < 110 && p[2] < 110;
    let inked = |raster: &motcua_signing::simulator::oracle::Raster| {
        let [x1, y1, x2, y2] = blank;
        let mut n = 0;
        let mut y = y1;
        while y <= y2 {
            let mut x = x1;
            while x <= x2 {
                n += usize::from(dark(raster.at_points(x, y)));
                x += 1.0;
            }
            y += 1.0;
        }
        n
    };
    let before = inked(&rasterize_first_page(&save(
        &unique("van-ban-ky-ca-nhan"),
        &personal,
    )));
    let after = inked(&rasterize_first_page(&path));
    assert!(
        after > before + 8,
        "the number is stamped in its blank ({after} dark points, {before} before)"
    );

    // Anyone may check the file: the leader's signature with later additions, the seal valid.
    let checked = w
        .upload(
            "/api/v1/signatures/verify",
            &Client::Anonymous,
            &[support::Part::pdf("file", "van-ban.pdf", &file)],
        )
        .await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.text());
    let verdicts: Vec<String> = checked
        .json()
        .as_array()
        .expect("signatures")
        .iter()
        .map(|s| s["verdict"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(verdicts, ["valid_with_later_changes", "valid"]);

    // The document's page says who signed and that both hold.
    let session = w.official_session("chuyenvien.ninhkieu").await;
    let page = w
        .get(&format!("/staff/documents/{id}"), &session)
        .await
        .text();
    assert!(page.contains("id=\"document-signatures\""), "{page}");
    assert_eq!(page.matches("<li class=\"signature ").count(), 2, "{page}");
    assert!(page.contains("class=\"signature valid-later-changes\""));
    assert!(page.contains("class=\"signature valid\""));
    assert!(page.contains(CHAIRMAN_NAME));
    assert!(page.contains("Tải văn bản điện tử đã ký số"), "{page}");

    // One changed byte of the page breaks both.
    let mut tampered = file.clone();
    let at = tampered
        .windows(4)
        .position(|w| w == b"/Pag")
        .expect("a page object");
    tampered[at + 1] = b'Q';
    let reports = verify_pdf(&tampered, &trust());
    assert_eq!(reports.len(), 2);
    assert!(reports.iter().all(|r| !r.intact), "{reports:?}");
    w
}

/// A file name no other test of this run uses (both databases run at once).
fn unique(stem: &str) -> String {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{stem}-{}-{n}.pdf", std::process::id())
}

async fn a_leader_without_a_personal_key_cannot_sign(w: Web) -> Web {
    let id = approved(&w).await;
    let leader = w.official(CHAIRMAN).await;
    let before = w.f.db.store.get_document(id).await.expect("document");
    let refused = act(
        &w,
        &leader,
        id,
        json!({"command": "sign", "kind": "personal"}),
    )
    .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text());
    assert!(
        refused.text().contains("Chưa có chứng thư số cá nhân"),
        "{}",
        refused.text()
    );
    // The same refusal on the page, in Vietnamese, the form kept.
    let session = w.official_session(CHAIRMAN).await;
    let page = w
        .form(
            &format!("/staff/documents/{id}/actions"),
            &session,
            &[("command", "sign_personal")],
        )
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.text());
    assert!(
        page.text().contains("Chưa có chứng thư số cá nhân"),
        "{}",
        page.text()
    );
    let after = w.f.db.store.get_document(id).await.expect("document");
    assert_eq!(after.last_seq, before.last_seq, "nothing recorded");
    assert_eq!(after.status, "approved");
    assert_eq!(after.signed_pdf, None);
    assert_eq!(after.signer_name, before.signer_name);
    w
}

async fn both_signatures_are_long_term_and_verify_offline(w: Web) -> Web {
    let id = approved(&w).await;
    let leader = w.official(CHAIRMAN).await;
    let clerk = w.official("vanthu.ninhkieu").await;
    let signed = act(
        &w,
        &leader,
        id,
        json!({"command": "sign", "kind": "personal"}),
    )
    .await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.text());
    let issued = w
        .send(
            Method::POST,
            &format!("/api/v1/documents/{id}/issue"),
            &clerk,
            None,
        )
        .await;
    assert_eq!(issued.status, StatusCode::OK, "{}", issued.text());
    let sealed = act(&w, &clerk, id, json!({"command": "sign", "kind": "seal"})).await;
    assert_eq!(sealed.status, StatusCode::OK, "{}", sealed.text());
    let file = pdf(&w, &clerk, id).await;
    // Both timestamped, both with their CRLs in the file, both good.
    let reports = verify_pdf(&file, &trust());
    assert_eq!(reports.len(), 2, "{reports:?}");
    for report in &reports {
        assert!(
            report
                .timestamp
                .as_ref()
                .is_some_and(|t| t.valid && t.trusted),
            "{report:?}"
        );
        assert_eq!(report.revocation, Revocation::Good, "{report:?}");
        assert!(matches!(report.trust, Trust::Trusted { .. }));
    }
    // The public check says so too.
    let checked = w
        .multipart_parts(
            "/kiem-tra-chu-ky",
            &Client::Anonymous,
            &[support::Part::pdf("file", "van-ban.pdf", &file)],
        )
        .await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.text());
    assert_eq!(
        checked
            .text()
            .matches("Chưa bị thu hồi tại thời điểm ký")
            .count(),
        2,
        "{}",
        checked.text()
    );
    // pyHanko, revocation required and nothing fetched, finds what it needs in the file.
    let path = save(&unique("van-ban-b-lt"), &file);
    let lines = pyhanko_ltv(&path, &pki().root.cert);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_pyhanko_valid(&lines[1]);
    assert!(
        lines[0].contains("intact=True")
            && lines[0].contains("valid=True")
            && lines[0].contains("trusted=True"),
        "{lines:?}"
    );
    w
}

async fn a_body_without_a_seal_above_it_cannot_seal(w: Web) -> Web {
    let id = approved(&w).await;
    let leader = w.official(CHAIRMAN).await;
    let clerk = w.official("vanthu.ninhkieu").await;
    let signed = act(
        &w,
        &leader,
        id,
        json!({"command": "sign", "kind": "personal"}),
    )
    .await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.text());
    let issued = w
        .send(
            Method::POST,
            &format!("/api/v1/documents/{id}/issue"),
            &clerk,
            None,
        )
        .await;
    assert_eq!(issued.status, StatusCode::OK, "{}", issued.text());
    let before = w.f.db.store.get_document(id).await.expect("document");
    let refused = act(&w, &clerk, id, json!({"command": "sign", "kind": "seal"})).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text());
    assert!(
        refused.text().contains("chưa được cấu hình chứng thư số"),
        "{}",
        refused.text()
    );
    let after = w.f.db.store.get_document(id).await.expect("document");
    assert_eq!(after.last_seq, before.last_seq, "nothing recorded");
    assert_eq!(
        after.signed_pdf, before.signed_pdf,
        "the leader's file stays"
    );
    w
}
