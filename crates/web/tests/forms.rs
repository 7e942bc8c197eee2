//! The official forms as PDFs through the API, on both databases, read back with poppler:
//! each dossier is driven into the state that issues its form, the PDF's Vietnamese text is
//! checked (names, reasons, every missing paper, dates), A5 where the form is A5, the QR code
//! of the receipt, and the refusals (another citizen, another commune, anonymous, a form the
//! history never issued). Also the tracking book (Mẫu 07) and satisfaction ratings over HTTP.

#[macro_use]
mod support;

use motcua_app::test_support::pdf::{self, A4_LANDSCAPE, A5, same_size};
use motcua_app::test_support::{CITIZEN, OTHER_CITIZEN, WARD};
use motcua_domain::dossier::Command;
use serde_json::json;
use support::{Client, Web};
use time::Duration;
use time::macros::datetime;

both!(
    reception_forms_print_the_desk_decision,
    processing_forms_print_the_extension_the_stop_and_every_hand_over,
    the_tracking_book_is_listed_and_printed_for_the_ward,
    a_citizen_rates_a_finished_dossier_once,
);

fn assert_contains_all(name: &str, text: &str, expected: &[&str]) {
    let missing: Vec<&&str> = expected.iter().filter(|e| !text.contains(**e)).collect();
    assert!(
        missing.is_empty(),
        "{name}: missing {missing:?} in:\n{text}"
    );
}

/// Fetches a dossier form as `client`, checks it is a PDF of the given size, returns its text.
async fn form_text(w: &Web, id: i64, form: &str, client: &Client, size: (f64, f64)) -> String {
    let reply = w
        .get(&format!("/api/v1/dossiers/{id}/forms/{form}.pdf"), client)
        .await;
    assert_eq!(reply.status, 200, "{form}: {}", reply.text());
    assert_eq!(reply.headers["content-type"], "application/pdf");
    let name = format!("{form}-{id}");
    assert!(
        same_size(pdf::page_size(&name, &reply.bytes), size),
        "{form}: page size"
    );
    pdf::text(&name, &reply.bytes)
}

async fn reception_forms_print_the_desk_decision(w: Web) -> Web {
    let f = &w.f;
    let reception = f.official("tiepnhan.ninhkieu").await;
    let owner = w.citizen(CITIZEN).await;
    let desk = w.official("tiepnhan.ninhkieu").await;

    // Mẫu 02: every missing paper at once, the reason, the day to supplement by, who asked,
    // when.
    let asked = f.submit().await;
    let missing = [
        "Giấy chứng sinh (bản chính)",
        "Văn bản ủy quyền có chứng thực",
        "Bản sao giấy chứng nhận kết hôn của cha, mẹ",
    ];
    f.app
        .act_on_dossier(
            &reception,
            asked.id,
            Command::RequestSupplement {
                missing: missing.iter().map(|m| (*m).to_owned()).collect(),
                reason: "Hồ sơ thiếu giấy tờ chứng minh việc sinh và quan hệ cha, mẹ, con".into(),
                due_by: Some(time::macros::date!(2026 - 12 - 17)),
            },
        )
        .await
        .expect("request supplement");
    let text = form_text(&w, asked.id, "mau02", &owner, A5).await;
    let code = asked.code.clone().expect("code");
    let mut expected = vec![
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        "UBND PHƯỜNG NINH KIỀU",
        "Cần Thơ, ngày 07 tháng 12 năm 2026",
        "Nguyễn Văn Hậu",
        "Đăng ký khai sinh",
        "Hồ sơ thiếu giấy tờ chứng minh việc sinh và quan hệ cha, mẹ, con",
        "Nguyễn Thị Thu Trang",
        "Thời hạn bổ sung: 17/12/2026",
        code.as_str(),
    ];
    expected.extend(missing);
    assert_contains_all("Mẫu 02", &text, &expected);

    // The same dossier never had a receipt or a refusal: a clear conflict, not a blank form.
    for never in ["mau01", "mau03", "mau04", "mau05", "mau06"] {
        let reply = w
            .get(
                &format!("/api/v1/dossiers/{}/forms/{never}.pdf", asked.id),
                &desk,
            )
            .await;
        assert_eq!(reply.status, 409, "{never}: {}", reply.text());
        assert_eq!(reply.json()["error"]["code"], "error-form-not-issued");
        assert!(
            reply.message().contains("chưa phát sinh"),
            "{}",
            reply.text()
        );
    }
    // Who may not read it.
    let path = format!("/api/v1/dossiers/{}/forms/mau02.pdf", asked.id);
    let stranger = w.citizen(OTHER_CITIZEN).await;
    assert_eq!(w.get(&path, &stranger).await.status, 404, "another citizen");
    let other_ward = w.official("tiepnhan.trunghung").await;
    assert_eq!(
        w.get(&path, &other_ward).await.status,
        403,
        "another commune"
    );
    assert_eq!(w.get(&path, &Client::Anonymous).await.status, 401);
    assert_eq!(
        w.get(
            &format!("/api/v1/dossiers/{}/forms/mau07.pdf", asked.id),
            &desk
        )
        .await
        .status,
        404,
        "Mẫu 07 belongs to an agency, not a dossier"
    );
    assert_eq!(
        w.get(
            &format!("/api/v1/dossiers/{}/forms/mau02.txt", asked.id),
            &desk
        )
        .await
        .status,
        404
    );

    // Mẫu 03: every reason.
    let refused = f.submit().await;
    f.app
        .act_on_dossier(
            &reception,
            refused.id,
            Command::Refuse {
                reasons: vec![
                    "Hồ sơ không thuộc thẩm quyền giải quyết của UBND phường".into(),
                    "Trẻ đã được đăng ký khai sinh tại UBND xã Trung Hưng".into(),
                ],
            },
        )
        .await
        .expect("refuse");
    let text = form_text(&w, refused.id, "mau03", &desk, A5).await;
    assert_contains_all(
        "Mẫu 03",
        &text,
        &[
            "PHIẾU TỪ CHỐI",
            "Nguyễn Văn Hậu",
            "Hồ sơ không thuộc thẩm quyền giải quyết của UBND phường",
            "Trẻ đã được đăng ký khai sinh tại UBND xã Trung Hưng",
            "Nguyễn Thị Thu Trang",
            "ngày 07 tháng 12 năm 2026",
        ],
    );

    // Mẫu 01 keeps working, with the QR code to the public lookup page.
    let received = f.received().await;
    let code = received.code.clone().expect("code");
    let reply = w
        .get(
            &format!("/api/v1/dossiers/{}/forms/mau01.pdf", received.id),
            &owner,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let text = pdf::text("mau01-api", &reply.bytes);
    assert_contains_all(
        "Mẫu 01",
        &text,
        &[
            "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
            code.as_str(),
            "Nguyễn Văn Hậu",
            "08 giờ 30 phút, ngày 07 tháng 12 năm 2026",
            "17 giờ 00 phút, ngày 07 tháng 12 năm 2026",
            "Nguyễn Thị Thu Trang",
        ],
    );
    assert!(same_size(pdf::page_size("mau01-api", &reply.bytes), A5));
    assert_eq!(
        pdf::qr_codes("mau01-api", &reply.bytes),
        [format!("http://127.0.0.1:8080/tra-cuu/{code}")]
    );
    w
}

async fn processing_forms_print_the_extension_the_stop_and_every_hand_over(w: Web) -> Web {
    let f = &w.f;
    let leader = f.official("chutich.ninhkieu").await;
    let specialist = f.official("chuyenvien.ninhkieu").await;
    let reception = f.official("tiepnhan.ninhkieu").await;
    let owner = w.citizen(CITIZEN).await;
    let desk = w.official("tiepnhan.ninhkieu").await;

    // Mẫu 06: the specialist forwards within the hour (early), the leader takes a week
    // (late), and the dossier, due the day it came, is late too.
    let processed = f.received().await;
    f.advance(Duration::hours(1));
    f.app
        .act_on_dossier(
            &specialist,
            processed.id,
            Command::Forward {
                to_step: 1,
                assignee: None,
            },
        )
        .await
        .expect("forward");
    f.set(datetime!(2026-12-14 10:00 +7));
    for command in [Command::Approve, Command::Sign, Command::Resolve] {
        f.app
            .act_on_dossier(&leader, processed.id, command)
            .await
            .expect("leader");
    }
    f.app
        .act_on_dossier(
            &reception,
            processed.id,
            Command::ReturnResult {
                method: motcua_domain::dossier::ReturnMethod::Counter,
            },
        )
        .await
        .expect("return");
    let text = form_text(&w, processed.id, "mau06", &desk, A4_LANDSCAPE).await;
    assert_contains_all(
        "Mẫu 06",
        &text,
        &[
            "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
            processed.code.as_deref().expect("code"),
            "Giao: Bộ phận Một cửa",
            "Nhận: Thẩm định hồ sơ",
            "Nhận: Lãnh đạo phê duyệt, ký",
            "Người giao: Nguyễn Thị Thu Trang",
            "Người nhận: Trần Văn Lộc",
            "Người nhận: Huỳnh Văn Thành",
            "Trước hạn",
            "Quá hạn",
            "Hạn bước: 08:30 09/12/2026",
            "Hạn bước: 09:30 08/12/2026",
            "09 giờ 30 phút, ngày 07 tháng 12 năm 2026",
        ],
    );
    // Mẫu 04, a week later: before the due time, once.
    f.set(datetime!(2026-12-15 08:30 +7));
    let extended = f.received().await;
    f.advance(Duration::hours(2));
    let path = format!("/api/v1/dossiers/{}/actions", extended.id);
    let leader_api = w.official("chutich.ninhkieu").await;
    let extend = |due: &str| json!({"command": "extend", "new_due": due, "reason": "Phải xác minh tình trạng hôn nhân của cha, mẹ tại nơi cư trú trước đây"});
    let reply = w
        .post(&path, &leader_api, extend("2026-12-17T17:00:00+07:00"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let again = w
        .post(&path, &leader_api, extend("2026-12-18T17:00:00+07:00"))
        .await;
    assert_eq!(again.status, 422, "only once: {}", again.text());
    let text = form_text(&w, extended.id, "mau04", &owner, A5).await;
    assert_contains_all(
        "Mẫu 04",
        &text,
        &[
            "XIN LỖI",
            "Nguyễn Văn Hậu",
            extended.code.as_deref().expect("code"),
            "17 giờ 00 phút, ngày 15 tháng 12 năm 2026",
            "17 giờ 00 phút, ngày 17 tháng 12 năm 2026",
            "Phải xác minh tình trạng hôn nhân của cha, mẹ tại nơi cư trú trước đây",
            "Huỳnh Văn Thành",
        ],
    );

    // Mẫu 05: a stop by the leader, and a withdrawal by the citizen.
    let stopped = f.received().await;
    f.app
        .act_on_dossier(
            &leader,
            stopped.id,
            Command::Stop {
                reason: "Người yêu cầu đề nghị dừng giải quyết để bổ sung hồ sơ ở nơi khác".into(),
            },
        )
        .await
        .expect("stop");
    let text = form_text(&w, stopped.id, "mau05", &owner, A5).await;
    assert_contains_all(
        "Mẫu 05 (dừng)",
        &text,
        &[
            "DỪNG GIẢI QUYẾT HỒ SƠ",
            "Người yêu cầu đề nghị dừng giải quyết để bổ sung hồ sơ ở nơi khác",
            "Huỳnh Văn Thành",
        ],
    );
    let withdrawn = f.received().await;
    let reply = w
        .post(
            &format!("/api/v1/my/dossiers/{}/actions", withdrawn.id),
            &owner,
            json!({"command": "withdraw", "reason": "Gia đình đăng ký tại nơi cư trú khác"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let text = form_text(&w, withdrawn.id, "mau05", &desk, A5).await;
    assert_contains_all(
        "Mẫu 05 (rút)",
        &text,
        &["rút hồ sơ", "Gia đình đăng ký tại nơi cư trú khác"],
    );

    // The applicant may read the control sheet of their own dossier; the other commune not.
    assert_eq!(
        w.get(
            &format!("/api/v1/dossiers/{}/forms/mau06.pdf", processed.id),
            &owner
        )
        .await
        .status,
        200
    );
    assert_eq!(
        w.get(
            &format!("/api/v1/dossiers/{}/forms/mau06.pdf", processed.id),
            &w.official("chutich.trunghung").await
        )
        .await
        .status,
        403
    );
    w
}

async fn the_tracking_book_is_listed_and_printed_for_the_ward(w: Web) -> Web {
    let f = &w.f;
    let first = f.received().await;
    f.advance(Duration::hours(1));
    let second = f.received().await;
    let _waiting = f.submit().await;
    f.set(datetime!(2026-12-15 09:00 +7));
    let _next_week = f.received().await;
    let desk = w.official("tiepnhan.ninhkieu").await;

    let path = format!("/api/v1/agencies/{WARD}/tracking-book?from=07/12/2026&to=2026-12-13");
    let reply = w.get(&path, &desk).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let book = reply.json();
    assert_eq!(book["from"], "07/12/2026");
    assert_eq!(book["to"], "13/12/2026");
    let entries = book["entries"].as_array().expect("entries");
    let codes: Vec<&str> = entries.iter().filter_map(|e| e["code"].as_str()).collect();
    assert_eq!(
        codes,
        [
            first.code.as_deref().expect("code"),
            second.code.as_deref().expect("code")
        ]
    );
    assert_eq!(entries[0]["received_on"], "07/12/2026");
    assert_eq!(entries[0]["due_on"], "07/12/2026");
    assert_eq!(entries[0]["applicant_name"], "Nguyễn Văn Hậu");
    assert_eq!(entries[0]["procedure_name"], "Đăng ký khai sinh");
    assert_eq!(entries[0]["timeliness"], "overdue");
    assert_eq!(entries[0]["timeliness_label"], "Đang giải quyết, quá hạn");

    let pdf_path =
        format!("/api/v1/agencies/{WARD}/tracking-book.pdf?from=07/12/2026&to=13/12/2026");
    let reply = w.get(&pdf_path, &desk).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(same_size(
        pdf::page_size("mau07-api", &reply.bytes),
        A4_LANDSCAPE
    ));
    let text = pdf::text("mau07-api", &reply.bytes);
    assert_contains_all(
        "Mẫu 07",
        &text,
        &[
            "SỔ THEO DÕI HỒ SƠ",
            "Từ ngày 07/12/2026 đến ngày 13/12/2026",
            first.code.as_deref().expect("code"),
            second.code.as_deref().expect("code"),
            "07/12/2026",
            "Nguyễn Văn Hậu",
        ],
    );

    // Bad periods are explained and nothing is listed.
    for (query, field, code) in [
        ("from=13/12/2026&to=07/12/2026", "to", "error-period-order"),
        (
            "from=01/01/2026&to=01/01/2027",
            "to",
            "error-period-too-long",
        ),
        ("from=31/02/2026&to=01/03/2026", "from", "error-period-date"),
        ("to=01/03/2026", "from", "error-period-date"),
    ] {
        let reply = w
            .get(
                &format!("/api/v1/agencies/{WARD}/tracking-book?{query}"),
                &desk,
            )
            .await;
        assert_eq!(reply.status, 422, "{query}: {}", reply.text());
        assert_eq!(
            reply.json()["error"]["fields"][0]["field"],
            field,
            "{query}"
        );
        assert_eq!(reply.json()["error"]["fields"][0]["code"], code, "{query}");
    }
    let reply = w
        .get(
            &format!("/api/v1/agencies/{WARD}/tracking-book.pdf?from=13/12/2026&to=07/12/2026"),
            &desk,
        )
        .await;
    assert_eq!(reply.status, 422);
    assert_eq!(
        reply.json()["error"]["fields"][0]["message"],
        "Ngày kết thúc không được trước ngày bắt đầu."
    );
    // Refusals: another commune, a citizen, anonymous, an unknown agency.
    assert_eq!(
        w.get(&path, &w.official("tiepnhan.trunghung").await)
            .await
            .status,
        403
    );
    assert_eq!(w.get(&path, &w.citizen(CITIZEN).await).await.status, 403);
    assert_eq!(w.get(&path, &Client::Anonymous).await.status, 401);
    assert_eq!(
        w.get(
            "/api/v1/agencies/000.00.99.H13/tracking-book?from=07/12/2026&to=13/12/2026",
            &desk
        )
        .await
        .status,
        404
    );
    w
}

async fn a_citizen_rates_a_finished_dossier_once(w: Web) -> Web {
    let f = &w.f;
    let specialist = f.official("chuyenvien.ninhkieu").await;
    let leader = f.official("chutich.ninhkieu").await;
    let owner = w.citizen(CITIZEN).await;
    let dossier = f.received().await;
    let path = format!("/api/v1/dossiers/{}/rating", dossier.id);
    let answers = json!({"scores": [2, 2, 1, 2, 2, 2, 0, 2, 2], "comment": "Cán bộ nhiệt tình"});

    let early = w.post(&path, &owner, answers.clone()).await;
    assert_eq!(early.status, 409, "{}", early.text());
    assert!(
        early.message().contains("đã có kết quả"),
        "{}",
        early.text()
    );
    f.app
        .act_on_dossier(
            &specialist,
            dossier.id,
            Command::Forward {
                to_step: 1,
                assignee: None,
            },
        )
        .await
        .expect("forward");
    for command in [Command::Approve, Command::Sign, Command::Resolve] {
        f.app
            .act_on_dossier(&leader, dossier.id, command)
            .await
            .expect("leader");
    }
    let before = w.get(&path, &owner).await;
    assert_eq!(before.status, 200, "{}", before.text());
    assert_eq!(before.json()["rated"], false);
    assert_eq!(before.json()["may_rate"], true);
    assert_eq!(before.json()["criteria"].as_array().map(Vec::len), Some(9));
    assert_eq!(
        before.json()["criteria"][6]["text"],
        "Thái độ của cán bộ, công chức, viên chức khi hướng dẫn, tiếp nhận, giải quyết hồ sơ"
    );
    assert_eq!(before.json()["scale"][0]["text"], "Rất hài lòng");

    // Bad answers change nothing.
    let bad = w
        .post(&path, &owner, json!({"scores": [2, 2, 2], "comment": null}))
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text());
    assert_eq!(
        bad.json()["error"]["fields"][0]["code"],
        "error-rating-scores"
    );
    // Officials cannot rate on the citizen's behalf; other citizens do not see the dossier.
    let desk = w.official("tiepnhan.ninhkieu").await;
    assert_eq!(w.post(&path, &desk, answers.clone()).await.status, 403);
    let stranger = w.citizen(OTHER_CITIZEN).await;
    assert_eq!(w.post(&path, &stranger, answers.clone()).await.status, 404);
    assert_eq!(w.get(&path, &stranger).await.status, 404);

    let rated = w.post(&path, &owner, answers.clone()).await;
    assert_eq!(rated.status, 201, "{}", rated.text());
    assert_eq!(rated.json()["points"], 15);
    assert_eq!(rated.json()["scores"][6]["answer"], "Không hài lòng");
    let twice = w.post(&path, &owner, answers).await;
    assert_eq!(twice.status, 409);
    assert_eq!(twice.json()["error"]["code"], "error-rating-exists");

    let seen = w.get(&path, &desk).await;
    assert_eq!(seen.status, 200);
    assert_eq!(seen.json()["rating"]["comment"], "Cán bộ nhiệt tình");
    assert_eq!(
        w.get(&path, &w.official("tiepnhan.trunghung").await)
            .await
            .status,
        403
    );

    let summary_path = format!("/api/v1/agencies/{WARD}/ratings?from=01/12/2026&to=31/12/2026");
    let summary = w
        .get(&summary_path, &w.official("chutich.ninhkieu").await)
        .await;
    assert_eq!(summary.status, 200, "{}", summary.text());
    let body = summary.json();
    assert_eq!(body["count"], 1);
    assert_eq!(body["max_points"], 18);
    assert_eq!(body["points"], 15.0);
    assert_eq!(body["criteria"][2]["average"], 1.0);
    assert_eq!(body["criteria"][6]["unsatisfied"], 1);
    assert_eq!(
        body["criteria"][0]["text"],
        "Tổng thời gian giải quyết thủ tục hành chính so với thời gian quy định"
    );
    assert_eq!(
        w.get(&summary_path, &desk).await.status,
        403,
        "no report view"
    );
    assert_eq!(
        w.get(&summary_path, &w.official("chutich.trunghung").await)
            .await
            .status,
        403,
        "another commune's leader"
    );
    let reply = w
        .get(
            &format!("/api/v1/agencies/{WARD}/ratings?from=01/12/2026&to=01/01/2028"),
            &w.official("chutich.ninhkieu").await,
        )
        .await;
    assert_eq!(reply.status, 422);
    w
}
