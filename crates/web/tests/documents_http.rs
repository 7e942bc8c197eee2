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
