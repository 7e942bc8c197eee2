//! Official documents in the browser, as the ward's officials use them: the clerk registers an
//! incoming document, submits it and finds it again by typing without accents; the chairman
//! sees what is overdue and directs it to a unit with a deadline; the unit's head assigns it,
//! the specialist reports it done and the clerk sees that on its timeline. An outgoing
//! notice goes the way of Điều 14: drafted, reviewed, approved and signed, numbered by the
//! clerk ("Số: NN/TB-UBND"), signed for the agency, distributed. Every page works without
//! JavaScript (the runs that matter); with it on, each page is also checked with axe-core.

use fantoccini::Locator;
use motcua_journeys::{Driver, Journey, Server};
use motcua_store::Backend;

async fn start(javascript: bool, tag: &'static str) -> (Journey, Driver) {
    let server = Server::start(Backend::Sqlite).await.expect("server");
    // The ward's registers as the demo has them: something overdue, something due today.
    server
        .app
        .load_demo_documents()
        .await
        .expect("demo documents");
    let (journey, driver) = Journey::begin(server, javascript, tag).await;
    // Vietnamese whatever the browser's own language is.
    journey.open("/lang/vi?back=/").await;
    (journey, driver)
}

/// The document's id from the address of its page.
async fn document_id(j: &Journey) -> String {
    let url = j.browser.current_url().await.expect("url");
    let id = url
        .path()
        .trim_start_matches("/staff/documents/")
        .to_owned();
    assert!(id.parse::<i64>().is_ok(), "a document's page: {url}");
    id
}

async fn choose(j: &Journey, select: &str, label: &str) {
    j.element(&format!("#{select}"))
        .await
        .unwrap_or_else(|e| panic!("select {select}: {e}"))
        .select_by_label(label)
        .await
        .unwrap_or_else(|e| panic!("{select}: {label}: {e}"));
}

/// The id of a unit of the ward (the direction's and the distribution's checkboxes are
/// named by it).
async fn ward_unit(j: &Journey, name: &str) -> i64 {
    let store = &j.server.database.store;
    let ward = store.get_unit_by_code("000.00.30.H13").await.expect("ward");
    store
        .list_units()
        .await
        .expect("units")
        .into_iter()
        .find(|u| u.name == name && u.path.starts_with(&ward.path))
        .expect("unit")
        .id
}

/// A week from the server's today, as the leader types it (dd/mm/yyyy).
fn in_a_week(j: &Journey) -> String {
    let mut day = j.server.app.today();
    for _ in 0..7 {
        day = day.next_day().expect("a later day");
    }
    format!("{:02}/{:02}/{}", day.day(), day.month() as u8, day.year())
}

async fn incoming_journey(javascript: bool) {
    let tag = if javascript {
        "js-documents-in"
    } else {
        "nojs-documents-in"
    };
    let (mut j, _driver) = start(javascript, tag).await;

    // The clerk goes from the staff home to the registers and registers a document.
    j.sign_in_official("vanthu.ninhkieu").await;
    j.element("#staff-documents")
        .await
        .expect("documents link on the staff home")
        .click()
        .await
        .expect("click");
    assert_eq!(j.arrive("/staff/documents").await, "/staff/documents");
    j.record("01-clerk-registers").await;
    j.element("#new-incoming")
        .await
        .expect("register link")
        .click()
        .await
        .expect("click");
    assert_eq!(
        j.arrive("/staff/documents/incoming/new").await,
        "/staff/documents/incoming/new"
    );
    let subject = "Về việc rà soát, cập nhật dữ liệu hộ tịch trên Hệ thống thông tin";
    for (id, value) in [
        ("f-sender_organ", "Sở Tư pháp thành phố Cần Thơ"),
        ("f-code_number", "301/STP-HCTP"),
        ("f-issued_date", "not a date"),
        ("f-subject", subject),
        ("f-page_count", "2"),
        ("f-signer_name", "Trương Quốc Bảo"),
    ] {
        j.fill(id, value).await;
    }
    choose(&j, "f-urgency", "Khẩn").await;
    j.submit("/staff/documents/incoming/new").await;
    assert!(j.shows("Ngày không hợp lệ").await, "{}", j.text().await);
    j.record("02-register-error").await;
    j.fill("f-issued_date", "").await;
    j.submit("/staff/documents/incoming/new").await;
    assert!(j.arrive_prefix("/staff/documents/").await);
    assert!(
        j.shows("Đã vào sổ văn bản đến.").await,
        "{}",
        j.text().await
    );
    assert!(j.shows("Số đến:").await);
    let id = document_id(&j).await;
    j.record("03-registered").await;
    j.press("do-submit_to_leader", "Đã trình lãnh đạo").await;

    // Found again by typing without accents.
    j.open("/staff/documents").await;
    j.fill("f-q", "ra soat du lieu ho tich").await;
    j.submit_get("/staff/documents").await;
    assert!(j.shows(subject).await, "{}", j.text().await);
    assert!(j.shows("Đã trình lãnh đạo").await);
    j.record("04-found").await;
    j.sign_out().await;

    // The chairman sees what is overdue, then directs the new document.
    j.sign_in_official("chutich.ninhkieu").await;
    j.open("/staff/documents").await;
    let overdue = j
        .element("#overdue")
        .await
        .expect("overdue list")
        .text()
        .await
        .expect("text");
    assert!(overdue.contains("215/STP-HCTP"), "{overdue}");
    j.record("05-leader-overdue").await;
    j.open(&format!("/staff/documents/{id}")).await;
    choose(&j, "f-lead-unit", "Phòng Văn hóa - Xã hội").await;
    let office = ward_unit(&j, "Văn phòng HĐND và UBND").await;
    j.element(&format!("#f-co-unit-{office}"))
        .await
        .expect("a co-unit")
        .click()
        .await
        .expect("tick");
    let deadline = in_a_week(&j);
    j.fill("f-deadline", &deadline).await;
    j.fill(
        "f-note",
        "Phòng Văn hóa - Xã hội chủ trì rà soát, báo cáo kết quả.",
    )
    .await;
    j.record("06-leader-directs").await;
    j.press("do-direct", "Đã ghi ý kiến chỉ đạo").await;
    assert!(j.shows(&format!("Hạn xử lý: {deadline}")).await);
    j.sign_out().await;

    // The unit's head assigns the specialist, who reports it done.
    j.sign_in_official("truongphong.ninhkieu").await;
    j.open(&format!("/staff/documents/{id}")).await;
    choose(&j, "f-specialist", "Trần Văn Lộc — Phòng Văn hóa - Xã hội").await;
    j.press("do-assign", "Đã giao xử lý").await;
    j.sign_out().await;
    j.sign_in_official("chuyenvien.ninhkieu").await;
    j.open(&format!("/staff/documents/{id}")).await;
    j.fill(
        "f-result",
        "Đã rà soát, cập nhật 1.204 trường hợp; báo cáo gửi kèm.",
    )
    .await;
    j.record("07-specialist").await;
    j.press("do-report_done", "Đã báo cáo kết quả").await;
    j.sign_out().await;

    // The clerk sees it done, and who did what.
    j.sign_in_official("vanthu.ninhkieu").await;
    j.open(&format!("/staff/documents/{id}")).await;
    let timeline = j
        .element("#document-timeline")
        .await
        .expect("timeline")
        .text()
        .await
        .expect("text");
    for expected in [
        "Vào sổ văn bản đến",
        "Mai Thị Hạnh",
        "Chỉ đạo",
        "Huỳnh Văn Thành",
        "Giao xử lý",
        "Báo cáo đã giải quyết",
        "Trần Văn Lộc",
        "Đã rà soát, cập nhật 1.204 trường hợp",
    ] {
        assert!(timeline.contains(expected), "{expected}: {timeline}");
    }
    let status = j
        .element("#document-status")
        .await
        .expect("status")
        .text()
        .await
        .expect("text");
    assert_eq!(status, "Đã giải quyết");
    j.record("08-done").await;
    j.finish().await;
}

async fn outgoing_journey(javascript: bool) {
    let tag = if javascript {
        "js-documents-out"
    } else {
        "nojs-documents-out"
    };
    let (mut j, _driver) = start(javascript, tag).await;

    // The specialist drafts a notice and sends it for review.
    j.sign_in_official("chuyenvien.ninhkieu").await;
    j.open("/staff/documents").await;
    j.element("#new-outgoing")
        .await
        .expect("draft link")
        .click()
        .await
        .expect("click");
    assert_eq!(
        j.arrive("/staff/documents/outgoing/new").await,
        "/staff/documents/outgoing/new"
    );
    choose(&j, "f-doc_type", "Thông báo").await;
    let subject = "Thông báo lịch tiếp công dân tháng 01 năm 2027";
    j.fill("f-subject", subject).await;
    j.fill(
        "f-recipient_organ",
        "Các khu vực thuộc phường; Công an phường",
    )
    .await;
    j.record("01-draft-form").await;
    j.submit("/staff/documents/outgoing/new").await;
    assert!(j.arrive_prefix("/staff/documents/").await);
    assert!(j.shows("Đã tạo dự thảo.").await, "{}", j.text().await);
    let id = document_id(&j).await;
    j.press("do-send_for_review", "Đã trình duyệt").await;
    j.sign_out().await;

    // The chairman approves and signs.
    j.sign_in_official("chutich.ninhkieu").await;
    j.open(&format!("/staff/documents/{id}")).await;
    j.record("02-leader").await;
    j.press("do-approve", "Đã duyệt").await;
    j.press("do-sign_personal", "Đã ký số").await;
    j.sign_out().await;

    // The clerk takes the number, then signs for the agency, then distributes.
    j.sign_in_official("vanthu.ninhkieu").await;
    j.open(&format!("/staff/documents/{id}")).await;
    assert!(
        j.browser.find(Locator::Css("#do-sign_seal")).await.is_err(),
        "the agency signs after the number"
    );
    j.record("03-clerk-to-issue").await;
    j.press("do-issue", "Đã cấp số").await;
    let number = j
        .element("#document-number")
        .await
        .expect("number")
        .text()
        .await
        .expect("text");
    let digits = number
        .strip_prefix("Số: ")
        .and_then(|n| n.strip_suffix("/TB-UBND"))
        .unwrap_or_else(|| panic!("Số: NN/TB-UBND, not {number}"));
    assert!(
        digits.len() == 2 && digits.chars().all(|c| c.is_ascii_digit()),
        "{number}"
    );
    j.record("04-issued").await;
    j.press("do-sign_seal", "Đã ký số của cơ quan").await;
    let culture = ward_unit(&j, "Phòng Văn hóa - Xã hội").await;
    j.element(&format!("#f-unit-{culture}"))
        .await
        .expect("a unit")
        .click()
        .await
        .expect("tick");
    j.fill("f-paper", "Công an phường Ninh Kiều").await;
    j.press("do-distribute", "Đã phát hành").await;
    assert!(j.shows("Lưu: VT").await);
    assert!(j.shows("Đã phát hành").await);
    j.record("05-distributed").await;

    // In the outgoing register under its number.
    j.open("/staff/documents?register=outgoing").await;
    assert!(j.shows(number.trim_start_matches("Số: ")).await);
    assert!(j.shows(subject).await);
    j.record("06-register").await;
    j.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn incoming_document_journey_without_javascript() {
    incoming_journey(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn incoming_document_journey_with_javascript() {
    incoming_journey(true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn outgoing_document_journey_without_javascript() {
    outgoing_journey(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn outgoing_document_journey_with_javascript() {
    outgoing_journey(true).await;
}
