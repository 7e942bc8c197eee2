//! Official documents through the JSON API on both databases: the clerk registers (with the
//! duplicate warning), the leader directs, the unit handles; an outgoing draft is reviewed,
//! signed, issued with "01/QĐ-UBND" and distributed; refusals and search.

#[macro_use]
mod support;

use axum::http::{Method, StatusCode};
use serde_json::json;
use support::Web;

both!(documents_go_through_the_api);

async fn ward_unit(h: &Web, name: &str) -> i64 {
    let ward =
        h.f.db
            .store
            .get_unit_by_code(motcua_app::test_support::WARD)
            .await
            .expect("ward");
    h.f.db
        .store
        .list_units()
        .await
        .expect("units")
        .into_iter()
        .find(|u| u.name == name && u.path.starts_with(&ward.path))
        .expect("unit")
        .id
}

async fn official_id(h: &Web, username: &str) -> i64 {
    h.f.db
        .store
        .official_credentials(username)
        .await
        .expect("official")
        .id
}

async fn documents_go_through_the_api(h: Web) -> Web {
    let clerk = h.official("vanthu.ninhkieu").await;
    let leader = h.official("chutich.ninhkieu").await;
    let head = h.official("truongphong.ninhkieu").await;
    let specialist = h.official("chuyenvien.ninhkieu").await;
    let reception = h.official("tiepnhan.ninhkieu").await;
    let incoming = json!({
        "body_code": "000.00.30.H13", "doc_type": "cong_van", "code_number": "125/STP-HCTP",
        "sender_organ": "Sở Tư pháp", "issued_date": "2026-12-04",
        "subject": "Về việc rà soát, cập nhật dữ liệu hộ tịch", "urgency": "khan"
    });
    // Only the clerk registers; bad input is refused in Vietnamese and changes nothing.
    let refused = h
        .send(
            Method::POST,
            "/api/v1/documents/incoming",
            &reception,
            Some(incoming.clone()),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text());
    let mut bad = incoming.clone();
    bad["issued_date"] = json!("04/12/2026");
    let bad = h
        .send(
            Method::POST,
            "/api/v1/documents/incoming",
            &clerk,
            Some(bad),
        )
        .await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad.text()
    );
    assert_eq!(bad.field_code(), "document-date-invalid");
    assert!(bad.text().contains("Ngày không hợp lệ"), "{}", bad.text());
    let first = h
        .send(
            Method::POST,
            "/api/v1/documents/incoming",
            &clerk,
            Some(incoming.clone()),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    assert_eq!(first.json()["document"]["number"], "01");
    assert_eq!(first.json()["duplicates"], json!([]));
    let id = first.json()["document"]["id"].as_i64().expect("id");
    let again = h
        .send(
            Method::POST,
            "/api/v1/documents/incoming",
            &clerk,
            Some(incoming),
        )
        .await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.json()["document"]["number"], "02");
    assert_eq!(again.json()["duplicates"][0]["id"], json!(id));

    let act = |who, body: serde_json::Value| {
        let path = format!("/api/v1/documents/{id}/actions");
        let h = &h;
        async move { h.send(Method::POST, &path, who, Some(body)).await }
    };
    let leader_id = official_id(&h, "chutich.ninhkieu").await;
    let submitted = act(
        &clerk,
        json!({"command": "submit_to_leader", "leader_id": leader_id}),
    )
    .await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.text());
    let lead = ward_unit(&h, "Phòng Văn hóa - Xã hội").await;
    let by_specialist = act(
        &specialist,
        json!({"command": "direct", "lead_unit_id": lead}),
    )
    .await;
    assert_eq!(by_specialist.status, StatusCode::FORBIDDEN);
    let directed = act(
        &leader,
        json!({"command": "direct", "lead_unit_id": lead, "deadline": "2026-12-08", "note": "Tham mưu trả lời"}),
    )
    .await;
    assert_eq!(directed.status, StatusCode::OK, "{}", directed.text());
    assert_eq!(directed.json()["status"], "directed");
    let specialist_id = official_id(&h, "chuyenvien.ninhkieu").await;
    let assigned = act(
        &head,
        json!({"command": "assign", "specialist_id": specialist_id}),
    )
    .await;
    assert_eq!(assigned.status, StatusCode::OK, "{}", assigned.text());
    let soon = h
        .send(Method::GET, "/api/v1/documents/due-soon", &head, None)
        .await;
    assert_eq!(soon.json()[0]["id"], json!(id), "{}", soon.text());
    let done = act(
        &specialist,
        json!({"command": "report_done", "result": "Đã trả lời"}),
    )
    .await;
    assert_eq!(done.json()["status"], "done", "{}", done.text());
    let overdue = h
        .send(Method::GET, "/api/v1/documents/overdue", &leader, None)
        .await;
    assert_eq!(overdue.json(), json!([]));
    let timeline = h
        .send(
            Method::GET,
            &format!("/api/v1/documents/{id}/timeline"),
            &head,
            None,
        )
        .await;
    assert_eq!(timeline.json()["chain_ok"], json!(true));
    assert_eq!(timeline.json()["events"].as_array().map(Vec::len), Some(5));
    let other = h.official("chutich.trunghung").await;
    let hidden = h
        .send(
            Method::GET,
            &format!("/api/v1/documents/{id}"),
            &other,
            None,
        )
        .await;
    assert_eq!(hidden.status, StatusCode::FORBIDDEN);
    let found = h
        .send(
            Method::GET,
            "/api/v1/documents?q=ra%20soat%20ho%20TICH",
            &leader,
            None,
        )
        .await;
    assert_eq!(
        found.json().as_array().map(Vec::len),
        Some(2),
        "{}",
        found.text()
    );

    // Outgoing: draft → review → approve → personal → issue (number) → seal → distribute.
    let drafted = h
        .send(
            Method::POST,
            "/api/v1/documents/outgoing",
            &specialist,
            Some(json!({"body_code": "000.00.30.H13", "doc_type": "quyet_dinh", "subject": "Quyết định thành lập tổ công tác"})),
        )
        .await;
    assert_eq!(drafted.status, StatusCode::CREATED, "{}", drafted.text());
    let out = drafted.json()["id"].as_i64().expect("id");
    let step = |who, body: serde_json::Value| {
        let path = format!("/api/v1/documents/{out}/actions");
        let h = &h;
        async move { h.send(Method::POST, &path, who, Some(body)).await }
    };
    for (who, body) in [
        (&specialist, json!({"command": "send_for_review"})),
        (&leader, json!({"command": "approve"})),
        (&leader, json!({"command": "sign", "kind": "personal"})),
    ] {
        let reply = step(who, body.clone()).await;
        assert_eq!(reply.status, StatusCode::OK, "{body}: {}", reply.text());
    }
    let not_clerk = h
        .send(
            Method::POST,
            &format!("/api/v1/documents/{out}/issue"),
            &leader,
            None,
        )
        .await;
    assert_eq!(not_clerk.status, StatusCode::FORBIDDEN);
    let issued = h
        .send(
            Method::POST,
            &format!("/api/v1/documents/{out}/issue"),
            &clerk,
            None,
        )
        .await;
    assert_eq!(issued.status, StatusCode::OK, "{}", issued.text());
    assert_eq!(issued.json()["code_number"], "01/QĐ-UBND");
    let sealed = step(&clerk, json!({"command": "sign", "kind": "seal"})).await;
    assert_eq!(sealed.status, StatusCode::OK, "{}", sealed.text());
    assert_eq!(
        sealed.json()["signatures"].as_array().map(Vec::len),
        Some(2)
    );
    let distributed = step(
        &clerk,
        json!({"command": "distribute", "recipients": [{"kind": "unit", "unit_id": lead}, {"kind": "paper", "name": "Công an phường"}]}),
    )
    .await;
    assert_eq!(
        distributed.json()["status"],
        "distributed",
        "{}",
        distributed.text()
    );
    // The registers as spreadsheets: the clerk's only.
    let path =
        "/api/v1/documents/register.xlsx?body_code=000.00.30.H13&register=outgoing&year=2026";
    let sheet = h.send(Method::GET, path, &clerk, None).await;
    assert_eq!(sheet.status, StatusCode::OK, "{}", sheet.text());
    assert!(sheet.bytes.starts_with(b"PK"));
    let text = String::from_utf8_lossy(&sheet.bytes);
    assert!(
        text.contains("01/QĐ-UBND"),
        "the issued number is in the register"
    );
    assert!(text.contains("Quyết định: Quyết định thành lập tổ công tác"));
    assert!(text.contains("07/12/2026"));
    let incoming = h
        .send(
            Method::GET,
            "/api/v1/documents/register.xlsx?body_code=000.00.30.H13&register=incoming&year=2026",
            &clerk,
            None,
        )
        .await;
    assert!(String::from_utf8_lossy(&incoming.bytes).contains("125/STP-HCTP"));
    let refused = h.send(Method::GET, path, &leader, None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let bad = h
        .send(
            Method::GET,
            "/api/v1/documents/register.xlsx?body_code=000.00.30.H13&register=both&year=2026",
            &clerk,
            None,
        )
        .await;
    assert_eq!(bad.field_code(), "document-register-invalid");
    h
}

/// Outgoing documents as PDFs in the layout of NĐ 30/2020, and the registers as PDF.
mod pdf {
    use super::*;
    use motcua_app::test_support::pdf::{page_size, same_size, text};

    both!(documents_print_as_pdf_for_their_readers);

    /// A4 portrait in points.
    const A4: (f64, f64) = (595.28, 841.89);

    async fn pdf_text(h: &Web, path: &str, who: &support::Client, name: &str) -> String {
        let reply = h.send(Method::GET, path, who, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{name}: {}", reply.text());
        assert_eq!(reply.headers["content-type"], "application/pdf");
        text(name, &reply.bytes)
    }

    async fn documents_print_as_pdf_for_their_readers(h: Web) -> Web {
        let clerk = h.official("vanthu.ninhkieu").await;
        let leader = h.official("chutich.ninhkieu").await;
        let specialist = h.official("chuyenvien.ninhkieu").await;
        let drafted = h
            .send(
                Method::POST,
                "/api/v1/documents/outgoing",
                &specialist,
                Some(json!({
                    "body_code": "000.00.30.H13", "doc_type": "quyet_dinh",
                    "subject": "Về việc thành lập Tổ công tác rà soát dữ liệu hộ tịch",
                    "paragraphs": [
                        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
                        "Điều 1. Thành lập Tổ công tác rà soát, cập nhật dữ liệu hộ tịch.\nĐiều 2. Quyết định này có hiệu lực kể từ ngày ký./."
                    ],
                    "recipients": ["Như Điều 2", "Sở Tư pháp"],
                    "signer_authority": "TM. Ủy ban nhân dân",
                    "signer_position": "Chủ tịch"
                })),
            )
            .await;
        assert_eq!(drafted.status, StatusCode::CREATED, "{}", drafted.text());
        assert_eq!(
            drafted.json()["paragraphs"].as_array().map(Vec::len),
            Some(3)
        );
        assert_eq!(drafted.json()["signer_authority"], "TM. Ủy ban nhân dân");
        let id = drafted.json()["id"].as_i64().expect("id");
        let path = format!("/api/v1/documents/{id}/pdf");

        // The drafter rewrites the draft; bad text is refused in Vietnamese.
        let draft_path = format!("/api/v1/documents/{id}/draft");
        let bad = h
            .send(
                Method::PUT,
                &draft_path,
                &specialist,
                Some(json!({"subject": "Về việc thành lập Tổ công tác", "signer_authority": "Chủ tịch"})),
            )
            .await;
        assert_eq!(
            bad.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            bad.text()
        );
        assert_eq!(bad.field_code(), "document-authority-invalid");
        assert!(bad.text().contains("Thẩm quyền ký"), "{}", bad.text());
        let rewrite = json!({
            "subject": "Về việc thành lập Tổ công tác rà soát dữ liệu hộ tịch",
            "paragraphs": [
                "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
                "Theo đề nghị của Trưởng phòng Văn hóa - Xã hội.",
                "Điều 1. Thành lập Tổ công tác rà soát, cập nhật dữ liệu hộ tịch.",
                "Điều 2. Quyết định này có hiệu lực kể từ ngày ký./."
            ],
            "recipients": ["Như Điều 2", "Sở Tư pháp"],
            "signer_authority": "TM. Ủy ban nhân dân",
            "signer_position": "Chủ tịch"
        });
        let by_leader = h
            .send(Method::PUT, &draft_path, &leader, Some(rewrite.clone()))
            .await;
        assert_eq!(by_leader.field_code(), "document-not-assignee");
        let edited = h
            .send(Method::PUT, &draft_path, &specialist, Some(rewrite))
            .await;
        assert_eq!(edited.status, StatusCode::OK, "{}", edited.text());
        assert_eq!(
            edited.json()["paragraphs"].as_array().map(Vec::len),
            Some(4)
        );

        // Before issue: the number and the date are blanks.
        let draft = pdf_text(&h, &path, &leader, "van-ban-api-du-thao").await;
        for expected in [
            "UBND PHƯỜNG NINH KIỀU",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "Số: /QĐ-UBND",
            "Ninh Kiều, ngày tháng năm",
            "QUYẾT ĐỊNH Về việc thành lập Tổ công tác rà soát dữ liệu hộ tịch",
            "Theo đề nghị của Trưởng phòng Văn hóa - Xã hội. QUYẾT ĐỊNH: Điều 1.",
            "Nơi nhận: - Như Điều 2; - Sở Tư pháp; - Lưu: VT.",
            "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH",
        ] {
            assert!(draft.contains(expected), "missing {expected:?}:\n{draft}");
        }
        assert!(!draft.contains("Huỳnh Văn Thành"), "{draft}");
        let step = |who, body: serde_json::Value| {
            let path = format!("/api/v1/documents/{id}/actions");
            let h = &h;
            async move { h.send(Method::POST, &path, who, Some(body)).await }
        };
        for (who, body) in [
            (&specialist, json!({"command": "send_for_review"})),
            (&leader, json!({"command": "approve"})),
            (&leader, json!({"command": "sign", "kind": "personal"})),
        ] {
            let reply = step(who, body.clone()).await;
            assert_eq!(reply.status, StatusCode::OK, "{body}: {}", reply.text());
        }
        let late = h
            .send(
                Method::PUT,
                &draft_path,
                &specialist,
                Some(json!({"subject": "Về việc khác"})),
            )
            .await;
        assert_eq!(late.field_code(), "document-not-allowed-in-state");
        let issued = h
            .send(
                Method::POST,
                &format!("/api/v1/documents/{id}/issue"),
                &clerk,
                None,
            )
            .await;
        assert_eq!(issued.status, StatusCode::OK, "{}", issued.text());

        // Issued: the number, the date of issue and the signer.
        let reply = h.send(Method::GET, &path, &specialist, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        assert!(same_size(page_size("van-ban-api", &reply.bytes), A4));
        assert!(
            reply.headers["content-disposition"]
                .to_str()
                .is_ok_and(|v| v.contains(&format!("van-ban-{id}.pdf"))),
            "{:?}",
            reply.headers
        );
        let final_text = text("van-ban-api", &reply.bytes);
        for expected in [
            "Số: 01/QĐ-UBND",
            "Ninh Kiều, ngày 07 tháng 12 năm 2026",
            "Về việc thành lập Tổ công tác rà soát dữ liệu hộ tịch",
            "Nơi nhận:",
            "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH Huỳnh Văn Thành",
        ] {
            assert!(
                final_text.contains(expected),
                "missing {expected:?}:\n{final_text}"
            );
        }
        let again = h.send(Method::GET, &path, &clerk, None).await;
        assert_eq!(
            again.bytes, reply.bytes,
            "the same document, the same bytes"
        );

        // Refusals: another body's official, a citizen, nobody; an incoming document.
        let other = h.official("chutich.trunghung").await;
        let hidden = h.send(Method::GET, &path, &other, None).await;
        assert_eq!(hidden.status, StatusCode::FORBIDDEN);
        let citizen = h.citizen(motcua_app::test_support::CITIZEN).await;
        let gate = h.send(Method::GET, &path, &citizen, None).await;
        assert_eq!(gate.status, StatusCode::FORBIDDEN);
        let anonymous = h
            .send(Method::GET, &path, &support::Client::Anonymous, None)
            .await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
        let missing = h
            .send(Method::GET, "/api/v1/documents/999999/pdf", &leader, None)
            .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        let mut registered = Vec::new();
        for (code, subject, urgency) in [
            (
                "125/STP-HCTP",
                "Về việc rà soát, cập nhật dữ liệu hộ tịch",
                "khan",
            ),
            (
                "126/STP-HCTP",
                "Về việc báo cáo thống kê hộ tịch năm 2026",
                "",
            ),
            (
                "31/CAP-PV01",
                "Về việc phối hợp bảo đảm an ninh trật tự",
                "hoa_toc",
            ),
        ] {
            let reply = h
                .send(
                    Method::POST,
                    "/api/v1/documents/incoming",
                    &clerk,
                    Some(json!({
                        "body_code": "000.00.30.H13", "doc_type": "cong_van", "code_number": code,
                        "sender_organ": "Sở Tư pháp", "issued_date": "2026-12-04",
                        "subject": subject, "urgency": urgency
                    })),
                )
                .await;
            assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
            registered.push(reply.json()["document"]["id"].as_i64().expect("id"));
        }
        let incoming = h
            .send(
                Method::GET,
                &format!("/api/v1/documents/{}/pdf", registered[0]),
                &clerk,
                None,
            )
            .await;
        assert_eq!(incoming.status, StatusCode::CONFLICT, "{}", incoming.text());
        assert!(
            incoming.text().contains("văn bản đi"),
            "{}",
            incoming.text()
        );

        // The registers as PDF, for the clerk (who keeps one body's: no code needed).
        let register = pdf_text(
            &h,
            "/api/v1/documents/register.pdf?register=incoming&year=2026",
            &clerk,
            "so-van-ban-den-api",
        )
        .await;
        for expected in [
            "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN",
            "Năm 2026",
            "Số đến",
            "125/STP-HCTP",
            "126/STP-HCTP",
            "31/CAP-PV01",
            "Công văn: Về việc rà soát, cập nhật dữ liệu hộ tịch",
            "Về việc phối hợp bảo đảm an ninh trật tự",
            "Hỏa tốc",
        ] {
            assert!(
                register.contains(expected),
                "missing {expected:?}:\n{register}"
            );
        }
        let outgoing = pdf_text(
            &h,
            "/api/v1/documents/register.pdf?body_code=000.00.30.H13&register=outgoing&year=2026",
            &clerk,
            "so-van-ban-di-api",
        )
        .await;
        for expected in [
            "SỔ ĐĂNG KÝ VĂN BẢN ĐI",
            "01/QĐ-UBND",
            "Quyết định: Về việc thành lập Tổ công tác rà soát dữ liệu hộ tịch",
            "Huỳnh Văn Thành",
        ] {
            assert!(
                outgoing.contains(expected),
                "missing {expected:?}:\n{outgoing}"
            );
        }
        let refused = h
            .send(
                Method::GET,
                "/api/v1/documents/register.pdf?register=incoming&year=2026",
                &leader,
                None,
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let bad = h
            .send(
                Method::GET,
                "/api/v1/documents/register.pdf?register=both&year=2026",
                &clerk,
                None,
            )
            .await;
        assert_eq!(bad.field_code(), "document-register-invalid");
        let year = h
            .send(
                Method::GET,
                "/api/v1/documents/register.pdf?register=incoming&year=1900",
                &clerk,
                None,
            )
            .await;
        assert_eq!(year.field_code(), "document-year-invalid");
        h
    }
}
