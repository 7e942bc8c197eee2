//! Dossiers through the JSON API, end to end: drafts, submission, the counter, the actions
//! of the procedure (supplements, transfer, refusal, withdrawal) and the public lookup.
//! Each test runs on SQLite and on PostgreSQL over the shared [`support`] harness.

#[macro_use]
mod support;

use axum::http::{Method, StatusCode, header};
use support::{Client, Web, birth_form};

both!(
    a_dossier_travels_through_the_api_to_a_public_status_of_10,
    a_transferred_dossier_pauses_for_a_supplement_and_is_returned_at_its_desk,
    the_counter_registers_and_receives_a_dossier_at_once,
    drafts_and_the_delivery_choice_go_through_the_api,
    actions_take_no_times_or_codes_from_the_caller_and_drafts_stay_private,
    refusal_and_withdrawal_through_the_api_end_at_status_3_and_7,
);

async fn a_dossier_travels_through_the_api_to_a_public_status_of_10(h: Web) -> Web {
    let address =
        serde_json::json!({"street": "45 đường 30/4", "province": "92", "commune": "31117"});
    let form = serde_json::json!({
        "nguoi_yeu_cau_ho_ten": "Nguyễn Văn Hậu", "nguoi_yeu_cau_so_dinh_danh": "092095001234",
        "nguoi_yeu_cau_noi_cu_tru": address, "nguoi_yeu_cau_quan_he": "Cha", "so_dien_thoai": "0912345678",
        "tre_ho_ten": "Nguyễn Ngọc Anh", "tre_ngay_sinh": "02/11/2026", "tre_gioi_tinh": "nu", "tre_dan_toc": "Kinh",
        "tre_quoc_tich": "Việt Nam", "tre_noi_sinh": "Bệnh viện Phụ sản thành phố Cần Thơ", "tre_que_quan": "Thành phố Cần Thơ",
        "me_ho_ten": "Lê Thị Hoa", "me_nam_sinh": 1995, "me_dan_toc": "Kinh", "me_quoc_tich": "Việt Nam", "me_noi_cu_tru": address,
        "cha_ho_ten": "Nguyễn Văn Hậu", "cha_nam_sinh": "1993", "loai_giay_chung_sinh": "giay_chung_sinh", "cha_me_da_ket_hon": "co",
        "so_ban_sao": "2", "hinh_thuc_nhan_ket_qua": "truc_tuyen", "cam_doan": "on"
    });
    let citizen = h.citizen("092095001234").await;
    let bad = h.send(Method::POST, "/api/v1/dossiers", &citizen, Some(serde_json::json!({"procedure_code": "1.001193", "agency_code": "000.00.30.H13", "form": {}}))).await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad.text()
    );
    let submitted = h.send(Method::POST, "/api/v1/dossiers", &citizen, Some(serde_json::json!({"procedure_code": "1.001193", "agency_code": "000.00.30.H13", "form": form}))).await;
    assert_eq!(
        submitted.status,
        StatusCode::CREATED,
        "{}",
        submitted.text()
    );
    let id = submitted.json()["id"].as_i64().expect("id");
    let code = submitted.json()["code"].as_str().expect("code").to_owned();
    let reception = h.official("tiepnhan.ninhkieu").await;
    let queue = h
        .send(
            Method::GET,
            "/api/v1/dossiers?queue=receive",
            &reception,
            None,
        )
        .await;
    assert_eq!(queue.json().as_array().expect("queue").len(), 1);
    let other = h
        .send(
            Method::POST,
            &format!("/api/v1/dossiers/{id}/receive"),
            &h.official("tiepnhan.trunghung").await,
            None,
        )
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    let received = h
        .send(
            Method::POST,
            &format!("/api/v1/dossiers/{id}/receive"),
            &reception,
            None,
        )
        .await;
    assert_eq!(received.status, StatusCode::OK, "{}", received.text());
    assert_eq!(received.json()["status_code"], 2);
    assert!(
        received.json()["due_at"]
            .as_str()
            .expect("due")
            .ends_with("+07:00")
    );
    let pdf_path = format!("/api/v1/dossiers/{id}/forms/mau01.pdf");
    let pdf = h.send(Method::GET, &pdf_path, &reception, None).await;
    assert_eq!(
        pdf.status,
        StatusCode::OK,
        "{}",
        pdf.text().chars().take(300).collect::<String>()
    );
    assert_eq!(pdf.headers[header::CONTENT_TYPE], "application/pdf");
    assert!(pdf.text().starts_with("%PDF-"));
    assert_eq!(
        h.send(
            Method::GET,
            &pdf_path,
            &h.official("tiepnhan.trunghung").await,
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        h.send(Method::GET, &pdf_path, &citizen, None).await.status,
        StatusCode::OK,
        "the applicant gets their receipt"
    );
    assert_eq!(
        h.send(Method::GET, &pdf_path, &Client::default(), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    let path = format!("/api/v1/dossiers/{id}/actions");
    let specialist = h.official("chuyenvien.ninhkieu").await;
    let leader = h.official("chutich.ninhkieu").await;
    assert_eq!(
        h.send(
            Method::POST,
            &path,
            &specialist,
            Some(serde_json::json!({"command": "approve"}))
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        h.send(
            Method::POST,
            &path,
            &specialist,
            Some(serde_json::json!({"command": "forward", "to_step": 1, "assignee": null}))
        )
        .await
        .status,
        StatusCode::OK
    );
    for command in ["approve", "sign", "resolve"] {
        let reply = h
            .send(
                Method::POST,
                &path,
                &leader,
                Some(serde_json::json!({"command": command})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{command}: {}", reply.text());
    }
    let returned = h
        .send(
            Method::POST,
            &path,
            &reception,
            Some(serde_json::json!({"command": "return_result", "method": "counter"})),
        )
        .await;
    assert_eq!(returned.json()["status_code"], 10, "{}", returned.text());
    let lookup = h
        .send(
            Method::GET,
            &format!("/api/v1/lookup/{code}"),
            &Client::default(),
            None,
        )
        .await;
    assert_eq!(lookup.status, StatusCode::OK);
    assert_eq!(lookup.json()["status"], "Đã trả kết quả");
    assert!(
        !lookup.text().contains("092095001234")
            && !lookup.text().contains("Ngọc Anh")
            && !lookup.text().contains("Nguyễn"),
        "no personal data in the public lookup"
    );
    let page = h
        .send(
            Method::GET,
            &format!("/tra-cuu/{code}?xac_minh=1234"),
            &Client::default(),
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text().contains("Đã trả kết quả") && page.text().contains("Nguyễn V. H."),
        "{}",
        page.text()
    );
    let unknown = h
        .send(
            Method::GET,
            "/tra-cuu?code=000.00.30.H13-261124-0099",
            &Client::default(),
            None,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.text().contains("Không tìm thấy"));

    let mine = h
        .send(Method::GET, "/api/v1/my/dossiers", &citizen, None)
        .await;
    assert_eq!(mine.json().as_array().expect("mine").len(), 1);
    h
}

async fn a_transferred_dossier_pauses_for_a_supplement_and_is_returned_at_its_desk(h: Web) -> Web {
    use time::macros::datetime;
    // Monday 07/12/2026, a working day in Cần Thơ.
    h.f.set(datetime!(2026-12-07 08:30 +7));
    let citizen = h.citizen("092095001234").await;
    let submitted = h.send(Method::POST, "/api/v1/dossiers", &citizen, Some(serde_json::json!({"procedure_code": "1.001193", "agency_code": "000.00.30.H13", "form": birth_form()}))).await;
    assert_eq!(
        submitted.status,
        StatusCode::CREATED,
        "{}",
        submitted.text()
    );
    let id = submitted.json()["id"].as_i64().expect("id");
    let code = submitted.json()["code"].as_str().expect("code").to_owned();
    assert!(code.starts_with("000.00.30.H13-261207-"), "{code}");

    h.f.set(datetime!(2026-12-07 09:00 +7));
    let reception = h.official("tiepnhan.ninhkieu").await;
    let received = h
        .send(
            Method::POST,
            &format!("/api/v1/dossiers/{id}/receive"),
            &reception,
            None,
        )
        .await;
    assert_eq!(received.status, StatusCode::OK, "{}", received.text());
    let due = rfc3339(&received.json()["due_at"]);
    let calendar =
        h.f.app
            .work_calendar(Some("000.00.30.H13"))
            .await
            .expect("calendar");
    let expected = calendar
        .due(
            datetime!(2026-12-07 09:00 +7),
            motcua_domain::calendar::ProcessingTime::SameDay,
        )
        .expect("due");
    assert_eq!(due, expected, "the appointment is the calendar's");
    assert_eq!(
        due.date(),
        time::macros::date!(2026 - 12 - 07),
        "same-day procedure"
    );

    // The ward's specialist transfers it to the Department of Justice (liên thông).
    h.f.set(datetime!(2026-12-07 09:30 +7));
    let actions = format!("/api/v1/dossiers/{id}/actions");
    let ward_specialist = h.official("chuyenvien.ninhkieu").await;
    let unknown = h.send(Method::POST, &actions, &ward_specialist, Some(serde_json::json!({"command": "transfer", "to_agency": "000.00.99.H13", "reason": "Cần Sở Tư pháp xác minh"}))).await;
    assert_eq!(
        unknown.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unknown.text()
    );
    assert!(unknown.text().contains("liên thông"), "{}", unknown.text());
    let transferred = h.send(Method::POST, &actions, &ward_specialist, Some(serde_json::json!({"command": "transfer", "to_agency": "000.00.10.H13", "reason": "Cần Sở Tư pháp xác minh"}))).await;
    assert_eq!(transferred.status, StatusCode::OK, "{}", transferred.text());
    assert_eq!(transferred.json()["status_code"], 4);
    let again = h
        .send(
            Method::POST,
            &actions,
            &ward_specialist,
            Some(serde_json::json!({"command": "forward", "to_step": 1, "assignee": null})),
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::FORBIDDEN,
        "the ward no longer processes it: {}",
        again.text()
    );
    let other_commune = h.official("chuyenvien.trunghung").await;
    assert_eq!(
        h.send(
            Method::GET,
            &format!("/api/v1/dossiers/{id}"),
            &other_commune,
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        h.send(
            Method::GET,
            &format!("/api/v1/dossiers/{id}"),
            &h.citizen("092196005678").await,
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND,
        "another citizen learns nothing"
    );

    // The department's specialist finds it in their queue and asks for a supplement: the clock pauses.
    h.f.set(datetime!(2026-12-07 10:00 +7));
    let department = h.official("chuyenvien.stp").await;
    let mine = h
        .send(
            Method::GET,
            "/api/v1/dossiers?queue=mine",
            &department,
            None,
        )
        .await;
    assert!(
        mine.json()
            .as_array()
            .expect("queue")
            .iter()
            .any(|d| d["id"] == id),
        "{}",
        mine.text()
    );
    let detail = h
        .send(
            Method::GET,
            &format!("/api/v1/dossiers/{id}"),
            &department,
            None,
        )
        .await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.text());
    let offered: Vec<String> =
        serde_json::from_value(detail.json()["actions"].clone()).expect("actions");
    assert!(
        offered.contains(&"request_supplement".to_owned())
            && offered.contains(&"forward".to_owned()),
        "{offered:?}"
    );
    assert!(
        !offered.contains(&"approve".to_owned()),
        "a specialist does not approve: {offered:?}"
    );
    let asked = h.send(Method::POST, &actions, &department, Some(serde_json::json!({"command": "request_supplement", "missing": ["Bản sao giấy chứng nhận kết hôn của cha mẹ", "Giấy xác nhận tình trạng hôn nhân"], "reason": "Cần xác minh quan hệ cha con"}))).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.text());
    assert_eq!(asked.json()["status_code"], 5);

    // The next morning the citizen provides it; the appointment moves by the paused working time.
    h.f.set(datetime!(2026-12-08 10:00 +7));
    let citizen = h.citizen("092095001234").await;
    let provided = h
        .send(
            Method::POST,
            &format!("/api/v1/my/dossiers/{id}/actions"),
            &citizen,
            Some(serde_json::json!({"command": "supplement_provided", "new_due": null})),
        )
        .await;
    assert_eq!(provided.status, StatusCode::OK, "{}", provided.text());
    assert_eq!(provided.json()["status_code"], 4);
    let new_due = rfc3339(&provided.json()["due_at"]);
    let expected = calendar
        .resume(
            due,
            datetime!(2026-12-07 10:00 +7),
            datetime!(2026-12-08 10:00 +7),
        )
        .expect("resume");
    assert_eq!(
        new_due, expected,
        "the paused time is added back by the calendar"
    );
    assert!(new_due > due);
    assert_eq!(new_due.date(), time::macros::date!(2026 - 12 - 08));

    // Department specialist → department director approves, signs and sends the result back.
    h.f.set(datetime!(2026-12-08 11:00 +7));
    let forwarded = h
        .send(
            Method::POST,
            &actions,
            &department,
            Some(serde_json::json!({"command": "forward", "to_step": 1, "assignee": null})),
        )
        .await;
    assert_eq!(forwarded.status, StatusCode::OK, "{}", forwarded.text());
    h.f.set(datetime!(2026-12-08 14:00 +7));
    let director = h.official("giamdoc.stp").await;
    let ward_leader = h.official("chutich.ninhkieu").await;
    assert_eq!(
        h.send(
            Method::POST,
            &actions,
            &ward_leader,
            Some(serde_json::json!({"command": "approve"}))
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    for command in ["approve", "sign", "resolve"] {
        let reply = h
            .send(
                Method::POST,
                &actions,
                &director,
                Some(serde_json::json!({"command": command})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{command}: {}", reply.text());
    }

    // The result waits at the ward's desk, which received the dossier, and is handed over there.
    let resolved = h
        .send(
            Method::GET,
            "/api/v1/dossiers?queue=resolved",
            &reception,
            None,
        )
        .await;
    assert!(
        resolved
            .json()
            .as_array()
            .expect("queue")
            .iter()
            .any(|d| d["id"] == id),
        "{}",
        resolved.text()
    );
    h.f.set(datetime!(2026-12-08 15:00 +7));
    let returned = h
        .send(
            Method::POST,
            &actions,
            &reception,
            Some(serde_json::json!({"command": "return_result", "method": "counter"})),
        )
        .await;
    assert_eq!(returned.status, StatusCode::OK, "{}", returned.text());
    assert_eq!(returned.json()["status_code"], 10);

    let detail = h
        .send(
            Method::GET,
            &format!("/api/v1/dossiers/{id}"),
            &reception,
            None,
        )
        .await;
    let timeline = detail.json()["timeline"]
        .as_array()
        .cloned()
        .expect("timeline");
    let kinds: Vec<&str> = timeline.iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "submit",
            "receive",
            "transfer",
            "request_supplement",
            "supplement_provided",
            "forward",
            "approve",
            "sign",
            "resolve",
            "return_result"
        ]
    );
    let resolve = timeline
        .iter()
        .find(|e| e["kind"] == "resolve")
        .expect("resolve");
    assert_eq!(
        resolve["data"]["timeliness"], "on_time",
        "resolved on the (moved) appointment day"
    );
    let lookup = h
        .send(
            Method::GET,
            &format!("/api/v1/lookup/{code}"),
            &Client::default(),
            None,
        )
        .await;
    assert_eq!(lookup.json()["status_code"], 10);
    assert_eq!(rfc3339(&lookup.json()["appointment"]), new_due);
    let report =
        h.f.app
            .verify_dossier_chains(&motcua_app::Actor::system())
            .await
            .expect("verify");
    assert!(report.broken.is_empty(), "{:?}", report.broken);
    h
}

async fn the_counter_registers_and_receives_a_dossier_at_once(h: Web) -> Web {
    let reception = h.official("tiepnhan.ninhkieu").await;
    let mut form = birth_form();
    form["tre_ho_ten"] = serde_json::json!("Trần Gia Bảo");
    let body = serde_json::json!({"procedure_code": "1.001193", "agency_code": "000.00.30.H13", "applicant_name": "Trần Văn Bình", "applicant_personal_id": "092095001234", "form": form});
    let other = h
        .send(
            Method::POST,
            "/api/v1/dossiers/counter",
            &h.official("tiepnhan.trunghung").await,
            Some(body.clone()),
        )
        .await;
    assert_eq!(
        other.status,
        StatusCode::FORBIDDEN,
        "another commune's desk: {}",
        other.text()
    );
    let specialist = h
        .send(
            Method::POST,
            "/api/v1/dossiers/counter",
            &h.official("chuyenvien.ninhkieu").await,
            Some(body.clone()),
        )
        .await;
    assert_eq!(
        specialist.status,
        StatusCode::FORBIDDEN,
        "{}",
        specialist.text()
    );
    let mut bad = body.clone();
    bad["applicant_name"] = serde_json::json!(" ");
    bad["applicant_personal_id"] = serde_json::json!("12");
    let refused = h
        .send(
            Method::POST,
            "/api/v1/dossiers/counter",
            &reception,
            Some(bad),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text()
    );
    assert!(
        refused.text().contains("applicant_name")
            && refused.text().contains("applicant_personal_id"),
        "every problem at once: {}",
        refused.text()
    );
    let before = h.f.db.store.dossier_ids().await.expect("ids").len();
    let registered = h
        .send(
            Method::POST,
            "/api/v1/dossiers/counter",
            &reception,
            Some(body),
        )
        .await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.text()
    );
    assert_eq!(registered.json()["status_code"], 2);
    assert_eq!(registered.json()["channel"], "counter");
    assert!(
        registered.json()["code"]
            .as_str()
            .expect("code")
            .starts_with("000.00.30.H13-")
    );
    assert_eq!(
        h.f.db.store.dossier_ids().await.expect("ids").len(),
        before + 1
    );
    let mine = h
        .send(
            Method::GET,
            "/api/v1/my/dossiers",
            &h.citizen("092095001234").await,
            None,
        )
        .await;
    assert!(
        mine.json()
            .as_array()
            .expect("mine")
            .iter()
            .any(|d| d["id"] == registered.json()["id"]),
        "the applicant's account sees the counter dossier"
    );
    h
}

async fn drafts_and_the_delivery_choice_go_through_the_api(h: Web) -> Web {
    let hau = h.citizen("092095001234").await;
    let linh = h.citizen("092196005678").await;
    let desk = h.official("tiepnhan.ninhkieu").await;
    let half = serde_json::json!({"procedure_code": "1.001193", "agency_code": "000.00.30.H13",
        "form": {"tre_ho_ten": "Nguyễn Ngọc Anh"}, "delivery": {"method": "post"}});
    // Post without an address: refused with the field named, nothing stored.
    let refused = h
        .send(Method::POST, "/api/v1/my/drafts", &hau, Some(half.clone()))
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text()
    );
    assert!(
        refused.text().contains("delivery_address"),
        "{}",
        refused.text()
    );
    let mut with_address = half.clone();
    with_address["delivery"]["address"] =
        serde_json::json!("45 đường 30/4, phường Ninh Kiều, Cần Thơ");
    let saved = h
        .send(
            Method::POST,
            "/api/v1/my/drafts",
            &hau,
            Some(with_address.clone()),
        )
        .await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.text());
    let draft = saved.json();
    let id = draft["id"].as_i64().expect("id");
    assert_eq!(draft["code"], serde_json::Value::Null);
    assert_eq!(draft["delivery_method"], "post");
    // Officials cannot save drafts; another citizen cannot touch this one.
    let by_desk = h
        .send(
            Method::POST,
            "/api/v1/my/drafts",
            &desk,
            Some(with_address.clone()),
        )
        .await;
    assert_eq!(by_desk.status, StatusCode::FORBIDDEN, "{}", by_desk.text());
    let foreign = h
        .send(
            Method::DELETE,
            &format!("/api/v1/my/drafts/{id}"),
            &linh,
            Some(serde_json::json!({})),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.text());
    // Submitting with the complete form numbers the same dossier.
    let mut complete = with_address.clone();
    complete["form"] = birth_form();
    let submitted = h
        .send(
            Method::POST,
            &format!("/api/v1/my/drafts/{id}/submit"),
            &hau,
            Some(complete),
        )
        .await;
    assert_eq!(
        submitted.status,
        StatusCode::CREATED,
        "{}",
        submitted.text()
    );
    let dossier = submitted.json();
    assert_eq!(dossier["id"].as_i64(), Some(id));
    assert_eq!(dossier["status_code"].as_i64(), Some(1));
    assert_eq!(
        dossier["delivery_address"],
        "45 đường 30/4, phường Ninh Kiều, Cần Thơ"
    );
    let gone = h
        .send(
            Method::DELETE,
            &format!("/api/v1/my/drafts/{id}"),
            &hau,
            Some(serde_json::json!({})),
        )
        .await;
    assert_eq!(
        gone.status,
        StatusCode::NOT_FOUND,
        "a submitted dossier is no draft"
    );
    h
}

async fn actions_take_no_times_or_codes_from_the_caller_and_drafts_stay_private(h: Web) -> Web {
    use time::macros::datetime;
    // Monday 07/12/2026, a working day in Cần Thơ.
    h.f.set(datetime!(2026-12-07 08:30 +7));
    let hau = h.citizen("092095001234").await;
    let desk = h.official("tiepnhan.ninhkieu").await;
    let far = "2030-01-02T09:00:00+07:00";
    let forged_code = "000.00.30.H13-261207-0099";
    let saved = h
        .send(
            Method::POST,
            "/api/v1/my/drafts",
            &hau,
            Some(serde_json::json!({"procedure_code": "1.001193",
        "agency_code": "000.00.30.H13", "form": {"tre_ho_ten": "Nguyễn Ngọc Anh"}})),
        )
        .await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.text());
    let draft = saved.json()["id"].as_i64().expect("draft id");
    // The desk neither sees nor receives a draft; the citizen cannot number it by hand.
    let seen = h
        .send(
            Method::GET,
            &format!("/api/v1/dossiers/{draft}"),
            &desk,
            None,
        )
        .await;
    assert_eq!(seen.status, StatusCode::NOT_FOUND, "{}", seen.text());
    for (client, path, body, status) in [
        (
            &desk,
            format!("/api/v1/dossiers/{draft}/actions"),
            serde_json::json!({"command": "receive", "due": far, "code": forged_code, "assignee": null}),
            StatusCode::NOT_FOUND,
        ),
        (
            &desk,
            format!("/api/v1/dossiers/{draft}/receive"),
            serde_json::json!({}),
            StatusCode::NOT_FOUND,
        ),
        // Submitting is no action: only the submission doors number a dossier.
        (
            &hau,
            format!("/api/v1/my/dossiers/{draft}/actions"),
            serde_json::json!({"command": "submit", "code": forged_code}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let reply = h.send(Method::POST, &path, client, Some(body)).await;
        assert_eq!(reply.status, status, "{path}: {}", reply.text());
    }
    let still = h.f.db.store.get_dossier(draft).await.expect("draft");
    assert_eq!(
        (still.status_code, still.code.clone()),
        (None, None),
        "the draft is untouched"
    );

    let submitted = h
        .send(
            Method::POST,
            "/api/v1/dossiers",
            &hau,
            Some(serde_json::json!({"procedure_code": "1.001193",
        "agency_code": "000.00.30.H13", "form": birth_form()})),
        )
        .await;
    assert_eq!(
        submitted.status,
        StatusCode::CREATED,
        "{}",
        submitted.text()
    );
    let id = submitted.json()["id"].as_i64().expect("id");
    let code = submitted.json()["code"].as_str().expect("code").to_owned();
    let resubmit = h
        .send(
            Method::POST,
            &format!("/api/v1/my/dossiers/{id}/actions"),
            &hau,
            Some(serde_json::json!({"command": "submit", "code": forged_code})),
        )
        .await;
    assert_eq!(
        resubmit.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        resubmit.text()
    );
    let unchanged = h.f.db.store.get_dossier(id).await.expect("row");
    assert_eq!(
        unchanged.code.as_deref(),
        Some(code.as_str()),
        "the code stays the submission's"
    );

    // Receiving through the action door: the assignee must work for the ward in the first
    // step's role; the caller's appointment and code are ignored.
    h.f.set(datetime!(2026-12-07 09:00 +7));
    let actions = format!("/api/v1/dossiers/{id}/actions");
    let store = h.f.db.store.clone();
    let official_id = |username: &'static str| {
        let store = store.clone();
        async move {
            store
                .official_credentials(username)
                .await
                .expect("official")
                .id
        }
    };
    let elsewhere = official_id("chuyenvien.trunghung").await;
    let refused = h
        .send(
            Method::POST,
            &actions,
            &desk,
            Some(serde_json::json!({"command": "receive", "due": far,
        "code": forged_code, "assignee": elsewhere})),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text()
    );
    assert!(refused.text().contains("assignee"), "{}", refused.text());
    assert_eq!(
        h.f.db.store.get_dossier(id).await.expect("row").status_code,
        Some(1),
        "nothing changed"
    );
    let specialist_id = official_id("chuyenvien.ninhkieu").await;
    let received = h
        .send(
            Method::POST,
            &actions,
            &desk,
            Some(serde_json::json!({"command": "receive", "due": far,
        "code": forged_code, "assignee": specialist_id})),
        )
        .await;
    assert_eq!(received.status, StatusCode::OK, "{}", received.text());
    assert_eq!(
        received.json()["code"],
        code.as_str(),
        "the code stays the submission's"
    );
    let due = rfc3339(&received.json()["due_at"]);
    let calendar =
        h.f.app
            .work_calendar(Some("000.00.30.H13"))
            .await
            .expect("calendar");
    let expected = calendar
        .due(
            datetime!(2026-12-07 09:00 +7),
            motcua_domain::calendar::ProcessingTime::SameDay,
        )
        .expect("due");
    assert_eq!(
        due, expected,
        "the appointment is the calendar's, not the caller's"
    );
    let specialist = h.official("chuyenvien.ninhkieu").await;
    let assigned = h
        .send(
            Method::GET,
            "/api/v1/dossiers?queue=assigned",
            &specialist,
            None,
        )
        .await;
    assert!(
        assigned
            .json()
            .as_array()
            .expect("queue")
            .iter()
            .any(|d| d["id"].as_i64() == Some(id)),
        "the assignee finds it in 'assigned to me': {}",
        assigned.text()
    );

    // A supplement during processing pauses the clock; the resumed due time is the
    // calendar's even when the caller names another.
    h.f.set(datetime!(2026-12-07 10:00 +7));
    let asked = h
        .send(
            Method::POST,
            &actions,
            &specialist,
            Some(serde_json::json!({"command": "request_supplement",
        "missing": ["Bản sao giấy chứng sinh"], "reason": "Thiếu giấy chứng sinh"})),
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.text());
    h.f.set(datetime!(2026-12-07 11:00 +7));
    let overdue = h
        .send(
            Method::GET,
            "/api/v1/dossiers?queue=overdue",
            &specialist,
            None,
        )
        .await;
    assert!(
        !overdue
            .json()
            .as_array()
            .expect("queue")
            .iter()
            .any(|d| d["id"].as_i64() == Some(id)),
        "a paused dossier is not overdue: {}",
        overdue.text()
    );
    h.f.set(datetime!(2026-12-08 10:00 +7));
    let hau = h.citizen("092095001234").await;
    let provided = h
        .send(
            Method::POST,
            &format!("/api/v1/my/dossiers/{id}/actions"),
            &hau,
            Some(serde_json::json!({"command": "supplement_provided", "new_due": far})),
        )
        .await;
    assert_eq!(provided.status, StatusCode::OK, "{}", provided.text());
    let resumed = calendar
        .resume(
            due,
            datetime!(2026-12-07 10:00 +7),
            datetime!(2026-12-08 10:00 +7),
        )
        .expect("resume");
    assert_eq!(rfc3339(&provided.json()["due_at"]), resumed);

    // Xin ý kiến: the unit must exist and be another one; its officials are written to.
    let specialist = h.official("chuyenvien.ninhkieu").await;
    for (unit, field) in [
        ("000.00.99.H13", "unit"),
        ("000.00.30.H13", "unit"),
        ("", "unit"),
    ] {
        let reply = h
            .send(
                Method::POST,
                &actions,
                &specialist,
                Some(serde_json::json!({"command": "consult",
            "unit": unit, "question": "Đề nghị xác minh nơi cư trú"})),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{unit}: {}",
            reply.text()
        );
        assert!(reply.text().contains(field), "{}", reply.text());
    }
    // Before it is asked, the department cannot read the ward's dossier.
    let department = h.official("chuyenvien.stp").await;
    let dossier_path = format!("/api/v1/dossiers/{id}");
    assert_eq!(
        h.send(Method::GET, &dossier_path, &department, None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let before =
        h.f.db
            .store
            .outbox_of_kind("notify")
            .await
            .expect("outbox")
            .len();
    let consulted = h
        .send(
            Method::POST,
            &actions,
            &specialist,
            Some(serde_json::json!({"command": "consult",
        "unit": "000.00.10.H13", "question": "Đề nghị xác minh nơi cư trú"})),
        )
        .await;
    assert_eq!(consulted.status, StatusCode::OK, "{}", consulted.text());
    assert_eq!(
        consulted.json()["status_code"],
        4,
        "the dossier stays where it is"
    );
    let letters: Vec<serde_json::Value> =
        h.f.db.store.outbox_of_kind("notify").await.expect("outbox")[before..]
            .iter()
            .filter_map(|row| serde_json::from_str(&row.payload).ok())
            .filter(|p: &serde_json::Value| p["template"] == "dossier-consult")
            .collect();
    assert!(
        letters
            .iter()
            .any(|p| p["to"] == "chuyenvien-stp@cantho.example.vn"),
        "the department's specialist is asked: {letters:?}"
    );
    // Worded by the catalogue when the worker sends it.
    assert!(
        letters.iter().all(|p| {
            let mut letter: motcua_app::notify::Notification =
                serde_json::from_value(p.clone()).expect("a notification");
            letter.prepare(&motcua_app::notifications::TemplateSet::default());
            letter
                .body
                .is_some_and(|b| b.contains("xác minh nơi cư trú") && b.contains(&code))
                && letter.subject == Some(format!("Xin ý kiến về hồ sơ {code}"))
        }),
        "{letters:?}"
    );
    // Once asked, it reads the dossier (API and page) but may not act on it.
    let read = h.send(Method::GET, &dossier_path, &department, None).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text());
    assert_eq!(
        read.json()["actions"],
        serde_json::json!([]),
        "{}",
        read.text()
    );
    let page = h
        .send(
            Method::GET,
            &format!("/staff/dossiers/{id}"),
            &h.official_session("chuyenvien.stp").await,
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text().contains("do-forward"), "no action offered");
    let acted = h
        .send(
            Method::POST,
            &actions,
            &department,
            Some(serde_json::json!({"command": "forward", "to_step": 1})),
        )
        .await;
    assert_eq!(acted.status, StatusCode::FORBIDDEN, "{}", acted.text());
    assert_eq!(
        h.send(
            Method::GET,
            &dossier_path,
            &h.official("chuyenvien.trunghung").await,
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN,
        "an agency not asked still cannot read it"
    );
    h
}

async fn refusal_and_withdrawal_through_the_api_end_at_status_3_and_7(web: Web) -> Web {
    let h = &web;
    let hau = h.citizen("092095001234").await;
    let desk = h.official("tiepnhan.ninhkieu").await;
    let submit = || async {
        let hau = h.citizen("092095001234").await;
        let reply = h
            .send(
                Method::POST,
                "/api/v1/dossiers",
                &hau,
                Some(serde_json::json!({"procedure_code": "1.001193",
            "agency_code": "000.00.30.H13", "form": birth_form()})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        let body = reply.json();
        (
            body["id"].as_i64().expect("id"),
            body["code"].as_str().expect("code").to_owned(),
        )
    };
    let lookup = |code: String| async move {
        let h = h;
        h.send(
            Method::GET,
            &format!("/api/v1/lookup/{code}"),
            &Client::default(),
            None,
        )
        .await
        .json()
    };

    let (refused_id, refused_code) = submit().await;
    let actions = format!("/api/v1/dossiers/{refused_id}/actions");
    let without_reason = h
        .send(
            Method::POST,
            &actions,
            &desk,
            Some(serde_json::json!({"command": "refuse", "reasons": []})),
        )
        .await;
    assert_eq!(
        without_reason.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        without_reason.text()
    );
    let by_specialist = h
        .send(
            Method::POST,
            &actions,
            &h.official("chuyenvien.ninhkieu").await,
            Some(serde_json::json!({"command": "refuse", "reasons": ["Không thuộc thẩm quyền"]})),
        )
        .await;
    assert_eq!(
        by_specialist.status,
        StatusCode::FORBIDDEN,
        "only the desk refuses: {}",
        by_specialist.text()
    );
    let refused = h
        .send(
            Method::POST,
            &actions,
            &desk,
            Some(serde_json::json!({"command": "refuse",
        "reasons": ["Thủ tục không thuộc thẩm quyền của UBND phường Ninh Kiều"]})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::OK, "{}", refused.text());
    assert_eq!(refused.json()["status_code"], 3);
    assert_eq!(
        lookup(refused_code.clone()).await["status"],
        "Không được tiếp nhận"
    );
    let pdf = h
        .send(
            Method::GET,
            &format!("/api/v1/dossiers/{refused_id}/forms/mau03.pdf"),
            &hau,
            None,
        )
        .await;
    assert_eq!(
        pdf.status,
        StatusCode::OK,
        "the applicant gets the refusal (Mẫu 03)"
    );
    let after = h
        .send(
            Method::POST,
            &format!("/api/v1/dossiers/{refused_id}/receive"),
            &desk,
            None,
        )
        .await;
    assert_eq!(
        after.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a refused dossier stays refused: {}",
        after.text()
    );
    assert!(
        after.text().contains("dossier-not-allowed-in-state"),
        "{}",
        after.text()
    );

    let (withdrawn_id, withdrawn_code) = submit().await;
    let mine = format!("/api/v1/my/dossiers/{withdrawn_id}/actions");
    let foreign = h
        .send(
            Method::POST,
            &mine,
            &h.citizen("092196005678").await,
            Some(serde_json::json!({"command": "withdraw", "reason": "Không cần nữa"})),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.text());
    let withdrawn = h.send(Method::POST, &mine, &hau, Some(serde_json::json!({"command": "withdraw", "reason": "Gia đình đã đăng ký tại nơi khác"}))).await;
    assert_eq!(withdrawn.status, StatusCode::OK, "{}", withdrawn.text());
    assert_eq!(withdrawn.json()["status_code"], 7);
    assert_eq!(
        lookup(withdrawn_code).await["status"],
        "Công dân yêu cầu rút hồ sơ"
    );
    let late = h
        .send(
            Method::POST,
            &format!("/api/v1/dossiers/{withdrawn_id}/receive"),
            &desk,
            None,
        )
        .await;
    assert_eq!(
        late.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        late.text()
    );
    assert!(
        late.text().contains("dossier-not-allowed-in-state"),
        "{}",
        late.text()
    );
    web
}

fn rfc3339(text: &serde_json::Value) -> time::OffsetDateTime {
    time::OffsetDateTime::parse(
        text.as_str().unwrap_or_default(),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("an RFC 3339 time")
}
