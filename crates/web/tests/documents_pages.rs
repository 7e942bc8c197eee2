//! The officials' document pages on both databases, without JavaScript: each page for the
//! roles that have it and refused to the others; the clerk registers through the form (the
//! duplicate warning waits for a confirmation), the leader directs through the form, the
//! outgoing flow in the Điều 14 order; bad input and refusals change nothing and say why in
//! Vietnamese; the search ignores accents; the overdue and due-soon lists.

#[macro_use]
mod support;

use axum::http::StatusCode;
use motcua_app::Actor;
use motcua_app::documents::{DocumentFilter, DocumentView};
use motcua_domain::document::Register;
use support::{Client, Web};

both!(
    each_page_opens_for_its_roles_only,
    a_clerk_registers_and_the_leader_directs_through_the_forms,
    bad_input_and_refusals_change_nothing,
    the_search_ignores_accents_and_the_lists_show_what_is_late,
    an_outgoing_document_is_issued_in_the_order_of_article_14,
);

const WARD: &str = motcua_app::test_support::WARD;

async fn official_id(h: &Web, username: &str) -> i64 {
    h.f.db
        .store
        .official_credentials(username)
        .await
        .expect("official")
        .id
}

/// A unit of the ward by name.
async fn ward_unit(h: &Web, name: &str) -> i64 {
    let ward = h.f.db.store.get_unit_by_code(WARD).await.expect("ward");
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

/// Every document of a register (as the system sees them).
async fn register_of(h: &Web, register: Register) -> Vec<DocumentView> {
    h.f.app
        .list_documents(
            &Actor::system(),
            &DocumentFilter {
                register,
                year: None,
                status: None,
            },
        )
        .await
        .expect("list")
}

async fn document(h: &Web, id: i64) -> DocumentView {
    h.f.app
        .document(&Actor::system(), id)
        .await
        .expect("document")
}

/// The fields of a complete registration (dates as the clerk types them).
fn incoming_fields(subject: &str) -> Vec<(&'static str, String)> {
    vec![
        ("body_code", WARD.to_owned()),
        ("sender_organ", "Sở Tư pháp thành phố Cần Thơ".to_owned()),
        ("code_number", "125/STP-HCTP".to_owned()),
        ("issued_date", "04/12/2026".to_owned()),
        ("doc_type", "cong_van".to_owned()),
        ("subject", subject.to_owned()),
        ("urgency", "khan".to_owned()),
        ("secrecy", "thuong".to_owned()),
        ("due_date", "".to_owned()),
        ("page_count", "3".to_owned()),
        ("signer_name", "Trương Quốc Bảo".to_owned()),
        ("signer_position", "Giám đốc".to_owned()),
    ]
}

async fn post(h: &Web, path: &str, client: &Client, fields: &[(&str, String)]) -> support::Reply {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    h.form(path, client, &fields).await
}

/// The id in a redirect to `/staff/documents/{id}?done=…`.
fn redirected_id(reply: &support::Reply) -> i64 {
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    reply
        .location()
        .trim_start_matches("/staff/documents/")
        .split('?')
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("redirect to a document: {}", reply.location()))
}

/// Registers an incoming document through the form and returns its id.
async fn registered(h: &Web, clerk: &Client, subject: &str) -> i64 {
    let reply = post(
        h,
        "/staff/documents/incoming/new",
        clerk,
        &incoming_fields(subject),
    )
    .await;
    redirected_id(&reply)
}

async fn each_page_opens_for_its_roles_only(h: Web) -> Web {
    let clerk = h.official_session("vanthu.ninhkieu").await;
    let leader = h.official_session("chutich.ninhkieu").await;
    let specialist = h.official_session("chuyenvien.ninhkieu").await;
    let reception = h.official_session("tiepnhan.ninhkieu").await;
    let other_leader = h.official_session("chutich.trunghung").await;
    let citizen = h.citizen(motcua_app::test_support::CITIZEN).await;

    // The staff home and the navigation lead to the documents for those who have them.
    for (who, shown) in [(&clerk, true), (&leader, true), (&reception, false)] {
        let home = h.get("/staff", who).await;
        assert_eq!(home.status, StatusCode::OK);
        assert_eq!(
            home.text().contains("href=\"/staff/documents\""),
            shown,
            "{}",
            home.text()
        );
    }

    let registers = h.get("/staff/documents", &clerk).await;
    assert_eq!(registers.status, StatusCode::OK, "{}", registers.text());
    let html = registers.text();
    assert!(html.contains("Sổ văn bản đến"), "{html}");
    assert!(html.contains("id=\"new-incoming\""), "the clerk registers");
    assert!(
        !html.contains("id=\"new-outgoing\""),
        "the clerk drafts nothing"
    );
    assert!(
        html.contains("/api/v1/documents/register.xlsx?body_code=000.00.30.H13&#38;register=incoming&#38;year=2026"),
        "{html}"
    );
    let form = h.get("/staff/documents/incoming/new", &clerk).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.text());
    let form = form.text();
    assert_eq!(
        form.matches("<option value=\"").count(),
        29 + 4 + 4,
        "the 29 types, the four urgencies and the four secrecy marks"
    );
    assert!(form.contains(">Thư công</option>") && form.contains(">Nghị quyết</option>"));
    for who in [&leader, &specialist] {
        let page = h.get("/staff/documents", who).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.text().contains("id=\"new-incoming\""));
        assert!(page.text().contains("id=\"new-outgoing\""));
        assert!(!page.text().contains("register.xlsx"));
        let draft = h.get("/staff/documents/outgoing/new", who).await;
        assert_eq!(draft.status, StatusCode::OK, "{}", draft.text());
        assert!(
            draft
                .text()
                .contains("Phòng Văn hóa - Xã hội — UBND phường Ninh Kiều")
        );
        assert_eq!(
            h.get("/staff/documents/incoming/new", who).await.status,
            StatusCode::FORBIDDEN,
            "only the clerk registers"
        );
    }
    assert_eq!(
        h.get("/staff/documents/outgoing/new", &clerk).await.status,
        StatusCode::FORBIDDEN
    );

    let id = registered(&h, &clerk, "Về việc rà soát hộ tịch").await;
    let path = format!("/staff/documents/{id}");
    for who in [&clerk, &leader, &specialist] {
        let page = h.get(&path, who).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        assert!(page.text().contains("Về việc rà soát hộ tịch"));
    }
    // An official without documents rights, one of another commune, a citizen, nobody.
    assert_eq!(
        h.get("/staff/documents", &reception).await.status,
        StatusCode::FORBIDDEN
    );
    for who in [&reception, &other_leader] {
        let page = h.get(&path, who).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.text());
        assert!(!page.text().contains("rà soát"), "nothing of the document");
    }
    let elsewhere = h.get("/staff/documents", &other_leader).await.text();
    assert!(!elsewhere.contains("rà soát"), "another commune's register");
    assert_eq!(h.get(&path, &citizen).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        h.get("/staff/documents", &citizen).await.status,
        StatusCode::FORBIDDEN
    );
    let anonymous = h.get("/staff/documents", &Client::Anonymous).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.location(), "/staff/signin");
    assert_eq!(
        h.get("/staff/documents/999999", &leader).await.status,
        StatusCode::NOT_FOUND
    );
    h
}

async fn a_clerk_registers_and_the_leader_directs_through_the_forms(h: Web) -> Web {
    let clerk = h.official_session("vanthu.ninhkieu").await;
    let leader = h.official_session("chutich.ninhkieu").await;
    let head = h.official_session("truongphong.ninhkieu").await;
    let specialist = h.official_session("chuyenvien.ninhkieu").await;

    let subject = "Về việc rà soát, cập nhật dữ liệu hộ tịch";
    let id = registered(&h, &clerk, subject).await;
    let page = h
        .get(&format!("/staff/documents/{id}?done=register"), &clerk)
        .await;
    let html = page.text();
    assert!(html.contains("Đã vào sổ văn bản đến."), "{html}");
    assert!(html.contains("Số đến: 01"), "{html}");
    assert!(html.contains("125/STP-HCTP") && html.contains("04/12/2026"));
    assert!(html.contains("Khẩn"), "the urgency badge");
    // The clerk may submit or return it; directing is the leader's.
    assert!(html.contains("id=\"do-submit_to_leader\""));
    assert!(html.contains("id=\"do-return_to_sender\""));
    assert!(!html.contains("id=\"do-direct\""));
    let registers = h.get("/staff/documents", &clerk).await.text();
    assert!(registers.contains(subject), "{registers}");

    // The same document again: the clerk sees the earlier registration and confirms.
    let again = post(
        &h,
        "/staff/documents/incoming/new",
        &clerk,
        &incoming_fields(subject),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text());
    assert!(
        again.text().contains("đã được vào sổ trong năm"),
        "{}",
        again.text()
    );
    assert!(again.text().contains(&format!("/staff/documents/{id}")));
    assert!(
        again
            .text()
            .contains("name=\"confirm_duplicate\" value=\"1\"")
    );
    assert_eq!(
        register_of(&h, Register::Incoming).await.len(),
        1,
        "nothing stored yet"
    );
    let mut confirmed = incoming_fields(subject);
    confirmed.push(("confirm_duplicate", "1".to_owned()));
    let second =
        redirected_id(&post(&h, "/staff/documents/incoming/new", &clerk, &confirmed).await);
    assert_eq!(document(&h, second).await.number.as_deref(), Some("02"));

    // Submitted to the chairman, who directs it to a unit with a deadline.
    let leader_id = official_id(&h, "chutich.ninhkieu").await;
    let actions = format!("/staff/documents/{id}/actions");
    let submitted = post(
        &h,
        &actions,
        &clerk,
        &[
            ("command", "submit_to_leader".to_owned()),
            ("leader_id", leader_id.to_string()),
        ],
    )
    .await;
    assert_eq!(
        submitted.status,
        StatusCode::SEE_OTHER,
        "{}",
        submitted.text()
    );
    assert_eq!(
        submitted.location(),
        format!("/staff/documents/{id}?done=submit_to_leader")
    );
    let page = h
        .get(&format!("/staff/documents/{id}"), &leader)
        .await
        .text();
    assert!(page.contains("id=\"do-direct\""), "{page}");
    assert!(!page.contains("id=\"do-submit_to_leader\""));
    let lead = ward_unit(&h, "Phòng Văn hóa - Xã hội").await;
    let co = ward_unit(&h, "Văn phòng HĐND và UBND").await;
    let co_field = format!("co_unit.{co}");
    let directed = post(
        &h,
        &actions,
        &leader,
        &[
            ("command", "direct".to_owned()),
            ("lead_unit_id", lead.to_string()),
            (co_field.as_str(), "on".to_owned()),
            ("deadline", "15/12/2026".to_owned()),
            (
                "note",
                "Phòng Văn hóa - Xã hội chủ trì, báo cáo trước hạn.".to_owned(),
            ),
        ],
    )
    .await;
    assert_eq!(
        directed.status,
        StatusCode::SEE_OTHER,
        "{}",
        directed.text()
    );
    let doc = document(&h, id).await;
    assert_eq!(doc.status, "directed");
    assert_eq!(doc.lead_unit_id, Some(lead));
    assert_eq!(doc.co_unit_ids, vec![co]);
    assert_eq!(doc.deadline.as_deref(), Some("2026-12-15"));
    let page = h
        .get(&format!("/staff/documents/{id}?done=direct"), &leader)
        .await
        .text();
    assert!(page.contains("Đã ghi ý kiến chỉ đạo."), "{page}");
    assert!(page.contains("Hạn xử lý: 15/12/2026"), "{page}");
    assert!(page.contains("Chủ trì: Phòng Văn hóa - Xã hội"), "{page}");
    assert!(
        page.contains("Mai Thị Hạnh (Văn thư)"),
        "who registered: {page}"
    );
    assert!(
        page.contains("Huỳnh Văn Thành (Lãnh đạo cơ quan)"),
        "{page}"
    );

    // The unit's head assigns the specialist, who reports it done.
    let specialist_id = official_id(&h, "chuyenvien.ninhkieu").await;
    let assigned = post(
        &h,
        &actions,
        &head,
        &[
            ("command", "assign".to_owned()),
            ("specialist_id", specialist_id.to_string()),
        ],
    )
    .await;
    assert_eq!(
        assigned.status,
        StatusCode::SEE_OTHER,
        "{}",
        assigned.text()
    );
    let page = h
        .get(&format!("/staff/documents/{id}"), &specialist)
        .await
        .text();
    assert!(page.contains("id=\"do-report_done\""), "{page}");
    let done = post(
        &h,
        &actions,
        &specialist,
        &[
            ("command", "report_done".to_owned()),
            (
                "result",
                "Đã rà soát 1.204 trường hợp, có báo cáo kèm theo.".to_owned(),
            ),
        ],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    let page = h
        .get(&format!("/staff/documents/{id}"), &clerk)
        .await
        .text();
    assert!(page.contains("Đã giải quyết"), "{page}");
    assert!(page.contains("Đã rà soát 1.204 trường hợp"), "{page}");
    assert!(
        !page.contains("id=\"document-actions\""),
        "nothing left to do: {page}"
    );
    h
}

async fn bad_input_and_refusals_change_nothing(h: Web) -> Web {
    let clerk = h.official_session("vanthu.ninhkieu").await;
    let leader = h.official_session("chutich.ninhkieu").await;
    let specialist = h.official_session("chuyenvien.ninhkieu").await;
    let reception = h.official_session("tiepnhan.ninhkieu").await;
    let other_leader = h.official_session("chutich.trunghung").await;
    let citizen = h.citizen(motcua_app::test_support::CITIZEN).await;

    // No subject; then a day that does not exist.
    let mut fields = incoming_fields("");
    let reply = post(&h, "/staff/documents/incoming/new", &clerk, &fields).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text()
    );
    assert!(
        reply.text().contains("Vui lòng nhập đủ nội dung bắt buộc."),
        "{}",
        reply.text()
    );
    assert!(
        reply.text().contains("id=\"e-subject\""),
        "next to the subject"
    );
    assert!(
        reply.text().contains("125/STP-HCTP"),
        "what was typed stays"
    );
    fields = incoming_fields("Về việc tổng kết năm");
    fields.retain(|(k, _)| *k != "issued_date");
    fields.push(("issued_date", "31/02/2026".to_owned()));
    let reply = post(&h, "/staff/documents/incoming/new", &clerk, &fields).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text()
    );
    assert!(
        reply
            .text()
            .contains("Ngày không hợp lệ: nhập theo dạng ngày/tháng/năm"),
        "{}",
        reply.text()
    );
    assert!(reply.text().contains("id=\"e-issued_date\""));
    assert!(
        register_of(&h, Register::Incoming).await.is_empty(),
        "nothing stored"
    );
    // Nobody else registers.
    for who in [&citizen, &reception, &leader] {
        let reply = post(
            &h,
            "/staff/documents/incoming/new",
            who,
            &incoming_fields("Về việc khác"),
        )
        .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
    }
    assert!(register_of(&h, Register::Incoming).await.is_empty());

    let id = registered(&h, &clerk, "Về việc tổng kết công tác năm 2026").await;
    let before = document(&h, id).await;
    let actions = format!("/staff/documents/{id}/actions");
    let leader_id = official_id(&h, "chutich.ninhkieu").await;
    // Directing is not the clerk's, and not before the leader has it.
    let reply = post(
        &h,
        &actions,
        &specialist,
        &[
            ("command", "direct".to_owned()),
            ("lead_unit_id", "1".to_owned()),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
    assert!(
        reply
            .text()
            .contains("Bạn không có quyền thực hiện thao tác này."),
        "{}",
        reply.text()
    );
    let reply = post(
        &h,
        &actions,
        &leader,
        &[
            ("command", "direct".to_owned()),
            (
                "lead_unit_id",
                ward_unit(&h, "Phòng Văn hóa - Xã hội").await.to_string(),
            ),
        ],
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text()
    );
    assert!(
        reply
            .text()
            .contains("Thao tác này không thực hiện được ở trạng thái hiện tại của văn bản."),
        "{}",
        reply.text()
    );
    // A leader of another commune, a citizen: refused before anything is read.
    for who in [&other_leader, &citizen] {
        let reply = post(
            &h,
            &actions,
            who,
            &[
                ("command", "return_to_sender".to_owned()),
                ("reason", "Gửi nhầm".to_owned()),
            ],
        )
        .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
    }
    // A deadline already past.
    post(
        &h,
        &actions,
        &clerk,
        &[
            ("command", "submit_to_leader".to_owned()),
            ("leader_id", leader_id.to_string()),
        ],
    )
    .await;
    let submitted = document(&h, id).await;
    let reply = post(
        &h,
        &actions,
        &leader,
        &[
            ("command", "direct".to_owned()),
            (
                "lead_unit_id",
                ward_unit(&h, "Phòng Văn hóa - Xã hội").await.to_string(),
            ),
            ("deadline", "01/12/2026".to_owned()),
        ],
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text()
    );
    assert!(
        reply
            .text()
            .contains("Hạn xử lý không được trước ngày hôm nay."),
        "{}",
        reply.text()
    );
    assert!(
        reply.text().contains("value=\"01/12/2026\""),
        "the typed deadline stays"
    );
    let reply = post(
        &h,
        &actions,
        &leader,
        &[
            ("command", "direct".to_owned()),
            (
                "lead_unit_id",
                ward_unit(&h, "Phòng Văn hóa - Xã hội").await.to_string(),
            ),
            ("deadline", "15-12".to_owned()),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.text().contains("Ngày không hợp lệ"),
        "{}",
        reply.text()
    );
    let reply = post(&h, &actions, &leader, &[("command", "fly".to_owned())]).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let after = document(&h, id).await;
    assert_eq!(after, submitted, "refusals changed nothing");
    assert_eq!(before.status, "registered");
    assert_eq!(after.status, "submitted");
    h
}

async fn the_search_ignores_accents_and_the_lists_show_what_is_late(h: Web) -> Web {
    let clerk = h.official_session("vanthu.ninhkieu").await;
    let leader = h.official_session("chutich.ninhkieu").await;
    // The demo's documents: one overdue, one due today, an issued decision, a draft…
    let loaded = h.f.app.load_demo_documents().await.expect("demo documents");
    assert_eq!(loaded, 6);
    assert_eq!(
        h.f.app.load_demo_documents().await.expect("again"),
        0,
        "once"
    );

    registered(&h, &clerk, "Về việc kiểm tra sổ đăng ký khai sinh").await;
    let found = h
        .get(
            "/staff/documents?register=incoming&q=kiem+tra+KHAI+SINH",
            &leader,
        )
        .await;
    assert_eq!(found.status, StatusCode::OK);
    let html = found.text();
    let table = &html[html.find("id=\"register\"").expect("the register's table")..];
    assert!(
        table.contains("Về việc kiểm tra sổ đăng ký khai sinh"),
        "{html}"
    );
    assert!(!table.contains("chuẩn hóa"), "only what matches: {html}");
    assert!(
        html.contains("value=\"kiem tra KHAI SINH\""),
        "the query stays"
    );
    let missing = h.get("/staff/documents?q=giay+phep+lai+xe", &leader).await;
    assert!(missing.text().contains("Không tìm thấy văn bản phù hợp."));
    // On the outgoing tab the incoming document is not listed.
    let outgoing = h
        .get("/staff/documents?register=outgoing&q=kiem+tra", &leader)
        .await;
    assert!(!outgoing.text().contains("sổ đăng ký khai sinh"));
    let page = h.get("/staff/documents", &leader).await.text();
    let section = |id: &str| -> String {
        let start = page.find(&format!("id=\"{id}\"")).expect("section");
        let end = page[start..]
            .find("</section>")
            .map_or(page.len(), |e| start + e);
        page[start..end].to_owned()
    };
    let overdue = section("overdue");
    assert!(overdue.contains("215/STP-HCTP"), "{overdue}");
    assert!(overdue.contains("quá hạn"), "{overdue}");
    assert!(!overdue.contains("1187/SXD-QLN"), "{overdue}");
    let soon = section("due-soon");
    assert!(soon.contains("1187/SXD-QLN"), "{soon}");
    assert!(!soon.contains("215/STP-HCTP"), "{soon}");
    let outgoing = h
        .get("/staff/documents?register=outgoing", &leader)
        .await
        .text();
    assert!(outgoing.contains("01/QĐ-UBND"), "{outgoing}");
    assert!(
        outgoing.contains("Kế hoạch tuyên truyền"),
        "the draft too: {outgoing}"
    );
    let drafts = h
        .get("/staff/documents?register=outgoing&status=draft", &leader)
        .await
        .text();
    assert!(drafts.contains("Kế hoạch tuyên truyền") && !drafts.contains("01/QĐ-UBND"));
    // Another commune's leader sees none of it.
    let other = h.official_session("chutich.trunghung").await;
    let page = h.get("/staff/documents", &other).await.text();
    assert!(!page.contains("215/STP-HCTP") && page.contains("Không có văn bản quá hạn."));
    h
}

async fn an_outgoing_document_is_issued_in_the_order_of_article_14(h: Web) -> Web {
    let clerk = h.official_session("vanthu.ninhkieu").await;
    let leader = h.official_session("chutich.ninhkieu").await;
    let specialist = h.official_session("chuyenvien.ninhkieu").await;

    // A công văn needs its drafting unit (its ký hiệu names it).
    let mut fields = vec![
        ("body_code", WARD.to_owned()),
        ("doc_type", "cong_van".to_owned()),
        (
            "subject",
            "Về việc tổ chức tuyên truyền Luật Hộ tịch".to_owned(),
        ),
        ("recipient_organ", "Các khu vực thuộc phường".to_owned()),
        ("urgency", "thuong".to_owned()),
        ("secrecy", "thuong".to_owned()),
        ("drafting_unit_id", "".to_owned()),
    ];
    let reply = post(&h, "/staff/documents/outgoing/new", &specialist, &fields).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text()
    );
    assert!(
        reply.text().contains("Công văn cần chọn đơn vị soạn thảo"),
        "{}",
        reply.text()
    );
    assert!(register_of(&h, Register::Outgoing).await.is_empty());
    fields.retain(|(k, _)| *k != "doc_type");
    fields.push(("doc_type", "thong_bao".to_owned()));
    // What the drafter writes is what the document prints.
    fields.push((
        "paragraphs",
        "Ủy ban nhân dân phường thông báo lịch tuyên truyền.\nĐề nghị các khu vực phối hợp."
            .to_owned(),
    ));
    fields.push(("signer_authority", "TM. ỦY BAN NHÂN DÂN".to_owned()));
    let id = redirected_id(&post(&h, "/staff/documents/outgoing/new", &specialist, &fields).await);
    let pdf = h
        .get(&format!("/api/v1/documents/{id}/pdf"), &specialist)
        .await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text());
    let printed = motcua_app::test_support::pdf::text("draft-from-page", &pdf.bytes);
    assert!(
        printed.contains("Đề nghị các khu vực phối hợp.")
            && printed.contains("TM. ỦY BAN NHÂN DÂN"),
        "{printed}"
    );
    let actions = format!("/staff/documents/{id}/actions");
    let page = h
        .get(&format!("/staff/documents/{id}?done=draft"), &specialist)
        .await
        .text();
    assert!(
        page.contains("Đã tạo dự thảo.") && page.contains("TB-UBND"),
        "{page}"
    );
    let step = |who: &'static str, command: &'static str| {
        let h = &h;
        let actions = actions.clone();
        async move {
            let client = h.official_session(who).await;
            post(h, &actions, &client, &[("command", command.to_owned())]).await
        }
    };
    for (who, command) in [
        ("chuyenvien.ninhkieu", "send_for_review"),
        ("chutich.ninhkieu", "approve"),
        ("chutich.ninhkieu", "sign_personal"),
    ] {
        let reply = step(who, command).await;
        assert_eq!(
            reply.status,
            StatusCode::SEE_OTHER,
            "{command}: {}",
            reply.text()
        );
    }
    // The clerk takes the number first: the agency's signature is not offered yet, and
    // refused if sent.
    let page = h
        .get(&format!("/staff/documents/{id}"), &clerk)
        .await
        .text();
    assert!(
        page.contains("id=\"do-issue\"") && !page.contains("id=\"do-sign_seal\""),
        "{page}"
    );
    assert!(!page.contains("id=\"do-distribute\""));
    let early = step("vanthu.ninhkieu", "sign_seal").await;
    assert_eq!(
        early.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        early.text()
    );
    assert!(
        early
            .text()
            .contains("Văn thư cấp số và thời gian ban hành trước"),
        "{}",
        early.text()
    );
    assert_eq!(document(&h, id).await.status, "signed");
    let issued = step("vanthu.ninhkieu", "issue").await;
    assert_eq!(issued.status, StatusCode::SEE_OTHER, "{}", issued.text());
    let page = h
        .get(&format!("/staff/documents/{id}?done=issue"), &clerk)
        .await
        .text();
    assert!(page.contains("Số: 01/TB-UBND"), "{page}");
    assert!(page.contains("id=\"do-sign_seal\"") && !page.contains("id=\"do-distribute\""));
    let early = post(
        &h,
        &actions,
        &clerk,
        &[
            ("command", "distribute".to_owned()),
            ("paper", "Công an phường".to_owned()),
        ],
    )
    .await;
    assert!(
        early
            .text()
            .contains("Văn bản cần chữ ký số của cơ quan trước khi phát hành."),
        "{}",
        early.text()
    );
    assert_eq!(
        step("vanthu.ninhkieu", "sign_seal").await.status,
        StatusCode::SEE_OTHER
    );
    let culture = ward_unit(&h, "Phòng Văn hóa - Xã hội").await;
    let unit_field = format!("unit.{culture}");
    let sent = post(
        &h,
        &actions,
        &clerk,
        &[
            ("command", "distribute".to_owned()),
            (unit_field.as_str(), "on".to_owned()),
            ("email", "Sở Tư pháp thành phố Cần Thơ\n".to_owned()),
            ("paper", "Công an phường Ninh Kiều".to_owned()),
        ],
    )
    .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
    let doc = document(&h, id).await;
    assert_eq!(doc.status, "distributed");
    assert_eq!(doc.signatures.len(), 2);
    let page = h
        .get(&format!("/staff/documents/{id}"), &leader)
        .await
        .text();
    assert!(page.contains("Nơi nhận: Phòng Văn hóa - Xã hội, Sở Tư pháp thành phố Cần Thơ (thư điện tử), Công an phường Ninh Kiều (bản giấy)"), "{page}");
    assert!(page.contains("Lưu: VT"));
    assert!(
        page.contains("Chữ ký số của cơ quan: Mai Thị Hạnh"),
        "{page}"
    );
    // The timeline in order: draft, review, approve, sign, issue, sign, distribute.
    let timeline = &page[page.find("id=\"document-timeline\"").expect("timeline")..];
    let order: Vec<usize> = [
        "Tạo dự thảo",
        "Trình duyệt",
        "Duyệt dự thảo",
        "Ký số",
        "Cấp số, ban hành",
        "Phát hành",
    ]
    .iter()
    .map(|step| {
        timeline
            .find(step)
            .unwrap_or_else(|| panic!("{step}: {timeline}"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{timeline}");
    h
}
