//! Journeys through the real server in headless Chromium, once with JavaScript on and once with
//! it off: every page must work without scripts. Each key page is screenshotted into
//! `target/journeys/` and, with JavaScript on, checked with axe-core for serious or critical
//! accessibility violations.

use fantoccini::Locator;
use motcua_journeys::{Journey, Server, accessibility_violations};
use motcua_store::Backend;
use std::time::Duration;

async fn foundation_journey(javascript: bool) {
    let server = Server::start(Backend::Sqlite).await.expect("server");
    let (mut j, _driver) =
        Journey::begin(server, javascript, if javascript { "js" } else { "nojs" }).await;

    // Vietnamese whatever the browser's own language is.
    j.open("/lang/vi?back=/").await;
    assert!(
        j.shows("Dịch vụ công trực tuyến").await,
        "{}",
        j.text().await
    );
    j.record("01-home").await;
    if let Some(axe) = &j.axe {
        // The checker itself must be able to fail: a picture without text is a violation.
        j.browser.execute("document.querySelector('main').appendChild(document.createElement('img')).src = '/static/none.png';", vec![]).await.expect("inject");
        let found = accessibility_violations(&j.browser, axe)
            .await
            .expect("axe");
        assert!(
            found.iter().any(|v| v.starts_with("image-alt")),
            "axe did not flag an image without alt: {found:?}"
        );
    }

    // A citizen opens an account with their identification number and the code sent to them.
    j.open("/signup").await;
    j.record("02-signup").await;
    j.fill("f-personal_id", "092199000555").await;
    j.fill("f-full_name", "Nguyễn Thị Kim Ngân").await;
    j.fill("f-email", "ngan@example.vn").await;
    j.fill("f-password", "mat-khau-cua-ngan").await;
    j.submit("/signup").await;
    assert_eq!(j.arrive("/verify").await, "/verify");
    j.record("03-verify").await;
    let outbox = j
        .server
        .database
        .store
        .outbox_of_kind("notify")
        .await
        .expect("outbox");
    let payload: serde_json::Value =
        serde_json::from_str(&outbox.last().expect("code queued").payload).expect("payload");
    j.fill("f-code", payload["code"].as_str().expect("code"))
        .await;
    j.submit("/verify").await;
    assert_eq!(j.arrive("/signin").await, "/signin");
    j.fill("f-personal_id", "092199000555").await;
    j.fill("f-password", "mat-khau-cua-ngan").await;
    j.submit("/signin").await;
    assert_eq!(j.arrive("/account").await, "/account");
    assert!(j.shows("Nguyễn Thị Kim Ngân").await);
    j.record("04-account").await;
    j.submit("/signout").await;
    assert_eq!(j.arrive("/").await, "/");

    // A wrong password is explained on the page.
    j.open("/staff/signin").await;
    j.fill("f-username", "admin").await;
    j.fill("f-password", "sai-mat-khau").await;
    j.submit("/staff/signin").await;
    assert!(j.shows("Thông tin đăng nhập không đúng").await);
    j.record("05-signin-error").await;

    // The city administrator adds a unit to a ward.
    j.fill("f-username", "admin").await;
    j.fill("f-password", motcua_app::demo::DEMO_PASSWORD).await;
    j.submit("/staff/signin").await;
    assert_eq!(j.arrive("/staff").await, "/staff");
    j.record("06-staff-home").await;
    j.open("/admin/units/new").await;
    j.fill("f-name", "Tổ Chuyển đổi số").await;
    let parent = j
        .browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#f-parent_id"))
        .await
        .expect("parent select");
    parent
        .select_by_label("— UBND phường Ninh Kiều")
        .await
        .expect("choose parent");
    j.record("07-unit-form").await;
    j.submit("/admin/units").await;
    assert_eq!(j.arrive("/admin/units").await, "/admin/units");
    assert!(j.shows("Tổ Chuyển đổi số").await);
    j.record("08-units").await;
    j.open("/admin/officials").await;
    j.record("09-officials").await;

    // Anyone finds marriage registration by typing without diacritics, and opens it.
    j.open("/procedures").await;
    j.fill("f-q", "dang ky ket hon").await;
    j.submit_get("/procedures").await;
    assert!(j.shows("Đăng ký kết hôn").await, "{}", j.text().await);
    j.record("10-procedure-search").await;
    j.open("/procedures/1.000894").await;
    assert!(j.shows("Đăng ký kết hôn").await);
    j.record("11-procedure-detail").await;

    j.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn foundation_journey_with_javascript() {
    foundation_journey(true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn foundation_journey_without_javascript() {
    foundation_journey(false).await;
}

/// A small but complete one-page PDF (valid cross-reference table), as a scanner would send.
fn small_pdf() -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        "<< /Length 46 >>\nstream\nBT /F1 18 Tf 72 770 Td (To khai ket hon) Tj ET\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (index, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", index + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// A file name no other journey of this run uses: journeys run at once, and a browser that
/// finds the file it was given rewritten by another one refuses the upload
/// (ERR_UPLOAD_FILE_CHANGED).
fn unique_name(stem: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{stem}-{}-{n}.pdf", std::process::id())
}

fn pdf_text(bytes: &[u8]) -> String {
    let dir = motcua_journeys::artefacts_dir();
    let path = dir.join(unique_name("receipt"));
    std::fs::write(&path, bytes).expect("write pdf");
    let output = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A citizen submits a marriage registration online; the ward's desk receives it and prints
/// the receipt; the specialist and the chairman process and approve it; the desk returns the
/// result; anyone looks the code up.
async fn dossier_journey(javascript: bool) {
    let server = Server::start(Backend::Sqlite).await.expect("server");
    let (mut j, _driver) = Journey::begin(
        server,
        javascript,
        if javascript {
            "js-dossier"
        } else {
            "nojs-dossier"
        },
    )
    .await;
    j.sign_in_citizen("092095001234").await;

    // Found by typing without diacritics.
    j.open("/procedures").await;
    j.fill("f-q", "dang ky ket hon").await;
    j.submit_get("/procedures").await;
    assert!(j.shows("Đăng ký kết hôn").await);
    j.open("/procedures/1.000894").await;
    j.element("#submit-online")
        .await
        .expect("submit online")
        .click()
        .await
        .expect("click");
    assert_eq!(
        j.arrive("/dossiers/new/1.000894").await,
        "/dossiers/new/1.000894"
    );
    j.record("01-form").await;

    // A first try without the declarations is explained next to the inputs.
    let agency = j.element("#f-agency").await.expect("agency");
    agency
        .select_by_label("UBND phường Ninh Kiều")
        .await
        .expect("choose the ward");
    for (id, value) in [
        ("f-ben_nu_ho_ten", "Lê Thị Thu Trang"),
        ("f-ben_nu_ngay_sinh", "14/02/1998"),
        ("f-ben_nu_dan_toc", "Kinh"),
        ("f-ben_nu_quoc_tich", "Việt Nam"),
        ("f-ben_nu_so_dinh_danh", "092198001111"),
        ("f-ben_nu_noi_cu_tru-street", "12 đường Hòa Bình"),
        ("f-ben_nu_noi_cu_tru-province", "92"),
        ("f-ben_nu_noi_cu_tru-commune", "31117"),
        ("f-ben_nu_ket_hon_lan_thu", "1"),
        ("f-ben_nam_ho_ten", "Nguyễn Văn Hậu"),
        ("f-ben_nam_ngay_sinh", "03/05/1995"),
        ("f-ben_nam_dan_toc", "Kinh"),
        ("f-ben_nam_quoc_tich", "Việt Nam"),
        ("f-ben_nam_so_dinh_danh", "092095001234"),
        ("f-ben_nam_noi_cu_tru-street", "45 đường 30/4"),
        ("f-ben_nam_noi_cu_tru-province", "92"),
        ("f-ben_nam_noi_cu_tru-commune", "31117"),
        ("f-ben_nam_ket_hon_lan_thu", "1"),
        ("f-so_dien_thoai", "0912345678"),
    ] {
        j.fill(id, value).await;
    }
    j.submit("/dossiers/new/1.000894").await;
    assert!(
        j.shows("Thông tin nhập chưa hợp lệ").await,
        "{}",
        j.text().await
    );
    j.record("02-form-errors").await;
    for selector in [
        "input[name='hinh_thuc_nhan_ket_qua'][value='truc_tuyen']",
        "#f-tu_nguyen",
        "#f-cam_doan",
    ] {
        j.element(selector)
            .await
            .expect("option")
            .click()
            .await
            .expect("tick");
    }
    // The papers the procedure requires: the declaration as a real PDF, the identity papers.
    let pdf = small_pdf();
    let papers_dir = motcua_journeys::artefacts_dir();
    let declaration = papers_dir.join(unique_name("to-khai-ket-hon"));
    std::fs::write(&declaration, &pdf).expect("write the PDF");
    let identity = papers_dir.join(unique_name("giay-to-tuy-than"));
    std::fs::write(&identity, &pdf).expect("write the PDF");
    for (input, path) in [("#f-paper-0", &declaration), ("#f-paper-2", &identity)] {
        j.element(input)
            .await
            .expect("file input")
            .send_keys(
                &std::fs::canonicalize(path)
                    .expect("absolute path")
                    .to_string_lossy(),
            )
            .await
            .expect("choose the file");
    }
    j.submit("/dossiers/new/1.000894").await;
    assert!(j.arrive_prefix("/my/dossiers/").await, "{}", j.text().await);
    assert!(j.shows("Mới đăng ký").await, "{}", j.text().await);
    j.record("03-submitted").await;
    let code = j
        .element("h1")
        .await
        .expect("title")
        .text()
        .await
        .expect("code");
    assert!(code.starts_with("000.00.30.H13-"), "{code}");
    let id = j
        .browser
        .current_url()
        .await
        .expect("url")
        .path()
        .trim_start_matches("/my/dossiers/")
        .to_owned();
    j.sign_out().await;

    // The ward's desk receives it from its queue and prints the receipt.
    j.sign_in_official("tiepnhan.ninhkieu").await;
    j.open("/staff/dossiers?queue=receive").await;
    assert!(j.shows(&code).await);
    j.record("04-queue").await;
    j.open(&format!("/staff/dossiers/{id}")).await;
    // The reception check: the declaration is in the checklist and downloads as sent.
    assert!(j.shows("Thành phần hồ sơ").await, "{}", j.text().await);
    let declaration_name = declaration
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    assert!(j.shows(&declaration_name).await, "{}", j.text().await);
    j.record("05-to-receive").await;
    let downloaded = j.download("#paper-0 a.file-link").await;
    assert_eq!(
        downloaded, pdf,
        "the desk gets the citizen's PDF byte for byte"
    );
    j.press("do-receive", "tiếp nhận, cấp giấy hẹn").await;
    j.record("06-received").await;
    let receipt = j.download("#receipt-pdf").await;
    assert!(receipt.starts_with(b"%PDF-"));
    let text = pdf_text(&receipt);
    assert!(
        text.contains(&code) && text.contains("Đăng ký kết hôn"),
        "{text}"
    );
    j.sign_out().await;

    // The specialist forwards it, the chairman approves, signs and sends the result back.
    j.sign_in_official("chuyenvien.ninhkieu").await;
    j.open(&format!("/staff/dossiers/{id}")).await;
    j.record("07-specialist").await;
    j.press("do-forward", "chuyển bước").await;
    j.sign_out().await;
    j.sign_in_official("chutich.ninhkieu").await;
    j.open(&format!("/staff/dossiers/{id}")).await;
    j.record("08-leader").await;
    j.press("do-approve", "phê duyệt").await;
    j.press("do-sign", "ký số").await;
    j.press("do-resolve", "chuyển kết quả").await;
    j.sign_out().await;

    // The desk hands the result over.
    j.sign_in_official("tiepnhan.ninhkieu").await;
    j.open("/staff/dossiers?queue=resolved").await;
    assert!(j.shows(&code).await);
    j.open(&format!("/staff/dossiers/{id}")).await;
    j.press("do-return_result", "trả kết quả").await;
    j.record("09-returned").await;
    j.sign_out().await;

    // Anyone looks the code up.
    j.open("/tra-cuu").await;
    j.fill("f-code", &code).await;
    j.submit_get("/tra-cuu").await;
    assert!(j.shows("Đã trả kết quả").await, "{}", j.text().await);
    assert!(!j.text().await.contains("092095001234"), "no personal data");
    j.record("10-lookup").await;

    j.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn dossier_journey_with_javascript() {
    dossier_journey(true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn dossier_journey_without_javascript() {
    dossier_journey(false).await;
}

/// A citizen pays the fees of a request for civil-status extracts (paid at submission) through
/// VNPay: our payment page, the gateway's (simulated) page, the button there, and back to our
/// page, which shows the payment confirmed by the gateway's own call, with the e-receipt.
async fn payment_journey(javascript: bool) {
    let server = Server::start_with_payments(Backend::Sqlite)
        .await
        .expect("server");
    let dossier = submit_as(&server, "092095001234").await;
    let (mut j, _driver) = Journey::begin(
        server,
        javascript,
        if javascript {
            "js-payment"
        } else {
            "nojs-payment"
        },
    )
    .await;
    j.sign_in_citizen("092095001234").await;

    let page = format!("/my/dossiers/{dossier}/payment");
    j.open(&page).await;
    assert!(j.shows("16.000 đ").await, "{}", j.text().await);
    j.record("01-due").await;
    j.element("#do-pay")
        .await
        .expect("pay button")
        .click()
        .await
        .expect("click");
    // The gateway's page, marked as a simulator.
    assert!(
        j.shows("MÔ PHỎNG").await,
        "the simulator's page: {}",
        j.text().await
    );
    assert!(j.shows("16.000 đ").await);
    j.element("#sim-pay")
        .await
        .expect("the simulator's pay button")
        .click()
        .await
        .expect("click");
    assert!(
        j.arrive_prefix("/thanh-toan/ket-qua/vnpay").await,
        "back on our site"
    );
    assert!(j.shows("Đã thanh toán").await, "{}", j.text().await);
    j.record("02-paid").await;
    let receipt = j.download("a[href$='/receipt.pdf']").await;
    assert!(receipt.starts_with(b"%PDF-"), "the e-receipt is a PDF");
    j.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn payment_journey_with_javascript() {
    payment_journey(true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn payment_journey_without_javascript() {
    payment_journey(false).await;
}

/// A citizen asks for the result of a birth registration by post: they choose postal return on
/// the form (the postal fee is shown there), the ward processes the dossier, the desk returns
/// the result by post through its page, the operator (its simulator) carries the parcel to the
/// door, and the citizen follows the tracking number to "Đã trả kết quả" on their page and in
/// the public lookup.
async fn postal_journey(javascript: bool) {
    use motcua_app::notify::Channels;
    use motcua_channels::postal::TrackingStatus;
    use motcua_domain::dossier::Command;
    let server = Server::start_with_postal(Backend::Sqlite)
        .await
        .expect("server");
    let app = server.app.clone();
    let actor = |principal| motcua_app::Actor {
        principal,
        ip: None,
    };
    let citizen_id = server
        .database
        .store
        .citizen_credentials("092095001234")
        .await
        .expect("demo citizen")
        .id;
    let citizen = actor(motcua_domain::authz::Principal::Citizen { citizen_id });
    // The citizen began the form earlier and kept it as a draft.
    let form = serde_json::from_str(motcua_app::demo::DEMO_BIRTH_FORM).expect("form");
    let draft = app
        .save_draft(
            &citizen,
            None,
            &motcua_app::dossiers::Submission {
                procedure_code: "1.001193".into(),
                agency_code: "000.00.30.H13".into(),
                form,
                attachments: Vec::new(),
                delivery: Default::default(),
                postal: Default::default(),
            },
        )
        .await
        .expect("draft")
        .id;
    let (mut j, _driver) = Journey::begin(
        server,
        javascript,
        if javascript {
            "js-postal"
        } else {
            "nojs-postal"
        },
    )
    .await;
    j.sign_in_citizen("092095001234").await;

    // Postal return, with its fee, and the address to send the result to.
    j.open(&format!("/dossiers/new/1.001193?draft={draft}"))
        .await;
    assert!(
        j.shows("Phí bưu chính: 15.000 đ").await,
        "{}",
        j.text().await
    );
    j.element("#f-delivery-post")
        .await
        .expect("postal choice")
        .click()
        .await
        .expect("choose post");
    j.fill(
        "f-delivery_address",
        "45 đường 30/4, phường Ninh Kiều, Cần Thơ",
    )
    .await;
    let pdf = small_pdf();
    let dir = motcua_journeys::artefacts_dir();
    for index in [0, 1, 5] {
        let path = dir.join(unique_name(&format!("giay-to-{index}")));
        std::fs::write(&path, &pdf).expect("write the PDF");
        j.element(&format!("#f-paper-{index}"))
            .await
            .expect("file input")
            .send_keys(
                &std::fs::canonicalize(&path)
                    .expect("absolute path")
                    .to_string_lossy(),
            )
            .await
            .expect("choose the file");
    }
    j.record("01-postal-choice").await;
    j.submit("/dossiers/new/1.001193").await;
    assert!(j.arrive_prefix("/my/dossiers/").await, "{}", j.text().await);
    assert!(j.shows("Mới đăng ký").await, "{}", j.text().await);
    assert!(j.shows("Nhận qua dịch vụ bưu chính công ích").await);
    let code = j
        .element("h1")
        .await
        .expect("title")
        .text()
        .await
        .expect("code");
    let id: i64 = j
        .browser
        .current_url()
        .await
        .expect("url")
        .path()
        .trim_start_matches("/my/dossiers/")
        .parse()
        .expect("dossier id");
    j.sign_out().await;

    // The ward processes it.
    let official = |username: &'static str| motcua_app::test_support::official(&app, username);
    let reception = official("tiepnhan.ninhkieu").await;
    app.receive_dossier(&reception, id).await.expect("received");
    let specialist = official("chuyenvien.ninhkieu").await;
    app.act_on_dossier(
        &specialist,
        id,
        Command::Forward {
            to_step: 1,
            assignee: None,
        },
    )
    .await
    .expect("forwarded");
    let leader = official("chutich.ninhkieu").await;
    for command in [Command::Approve, Command::Sign, Command::Resolve] {
        app.act_on_dossier(&leader, id, command)
            .await
            .expect("leader");
    }

    // The desk hands the result to the post: its page proposes the applicant's choice.
    j.sign_in_official("tiepnhan.ninhkieu").await;
    j.open(&format!("/staff/dossiers/{id}")).await;
    j.press("do-return_result", "trả kết quả").await;
    assert!(j.shows("giao cho bưu điện").await, "{}", j.text().await);
    j.record("02-handed-to-post").await;
    j.sign_out().await;
    app.deliver_outbox(&Channels::log_only())
        .await
        .expect("the parcel is ordered");
    let sim = j.server.postal.as_ref().expect("postal simulator");
    let tracking = sim.shipments()[0].tracking_number.clone();
    for status in [
        TrackingStatus::Accepted,
        TrackingStatus::InTransit,
        TrackingStatus::OutForDelivery,
        TrackingStatus::Delivered,
    ] {
        assert_eq!(sim.advance(&tracking, status).await, Ok(200), "{status:?}");
    }
    // The operator's own page (marked as a simulator) shows the parcel delivered.
    j.browser
        .goto(sim.base_url())
        .await
        .expect("the simulator's page");
    assert!(j.shows(&tracking).await);
    assert!(j.shows("Phát thành công").await, "{}", j.text().await);

    // The citizen follows the parcel.
    j.sign_in_citizen("092095001234").await;
    j.open(&format!("/my/dossiers/{id}")).await;
    assert!(j.shows("Đã trả kết quả").await, "{}", j.text().await);
    assert!(j.shows(&tracking).await);
    assert!(j.shows("Đã phát thành công").await);
    j.record("03-delivered").await;
    j.sign_out().await;
    j.open("/tra-cuu").await;
    j.fill("f-code", &code).await;
    j.submit_get("/tra-cuu").await;
    assert!(j.shows("Đã trả kết quả").await, "{}", j.text().await);
    assert!(j.shows(&tracking).await);
    assert!(!j.text().await.contains("30/4"), "no address in the lookup");
    j.record("04-lookup").await;

    j.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postal_journey_with_javascript() {
    postal_journey(true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postal_journey_without_javascript() {
    postal_journey(false).await;
}

/// Submits the demo extract-of-birth dossier as a demo citizen, through the app.
async fn submit_as(server: &Server, personal_id: &str) -> i64 {
    let citizen_id = server
        .database
        .store
        .citizen_credentials(personal_id)
        .await
        .expect("demo citizen")
        .id;
    let citizen = motcua_app::Actor {
        principal: motcua_domain::authz::Principal::Citizen { citizen_id },
        ip: None,
    };
    let form = motcua_app::demo::demo_extract_form(2).expect("form");
    server
        .app
        .submit_dossier(
            &citizen,
            &motcua_app::dossiers::Submission {
                procedure_code: "2.000635".into(),
                agency_code: "000.00.30.H13".into(),
                form,
                attachments: Vec::new(),
                delivery: Default::default(),
                postal: Default::default(),
            },
        )
        .await
        .expect("submitted")
        .id
}

/// A desk officer finds a dossier in the queue by the applicant's name typed without marks,
/// and an administrator teaches search a new everyday phrase that citizens then find with.
async fn search_and_queue_journey(javascript: bool) {
    let server = Server::start(Backend::Sqlite).await.expect("server");
    let linh = submit_as(&server, "092196005678").await;
    submit_as(&server, "092095001234").await;
    let (mut j, _driver) = Journey::begin(
        server,
        javascript,
        if javascript {
            "js-search"
        } else {
            "nojs-search"
        },
    )
    .await;

    j.open("/lang/vi?back=/").await;
    j.sign_in_official("tiepnhan.ninhkieu").await;
    j.open("/staff/dossiers?queue=receive").await;
    assert!(j.shows("Trần Thị Mỹ Linh").await, "{}", j.text().await);
    assert!(j.shows("Nguyễn Văn Hậu").await);
    // Typed as on a phone without Vietnamese keyboard: no marks, the last word unfinished.
    j.fill("f-q", "tran thi my l").await;
    j.submit_get("/staff/dossiers").await;
    for _ in 0..100 {
        if !j.text().await.contains("Nguyễn Văn Hậu") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let text = j.text().await;
    assert!(text.contains("Trần Thị Mỹ Linh"), "{text}");
    assert!(!text.contains("Nguyễn Văn Hậu"), "{text}");
    let total = j
        .element("#queue-total strong")
        .await
        .expect("total")
        .text()
        .await
        .expect("text");
    assert_eq!(total, "1");
    let link = j
        .element("tbody a")
        .await
        .expect("the dossier")
        .attr("href")
        .await
        .expect("href");
    assert_eq!(
        link.as_deref(),
        Some(format!("/staff/dossiers/{linh}").as_str())
    );
    j.record("01-queue-by-name").await;
    j.fill("f-q", "khong co ai ten nay").await;
    j.submit_get("/staff/dossiers").await;
    assert!(j.shows("Không có hồ sơ").await, "{}", j.text().await);
    j.sign_out().await;

    // An everyday phrase the catalogue does not use, taught by the administrator.
    j.sign_in_official("admin").await;
    j.open("/admin/search-synonyms").await;
    j.fill("f-phrase", "làm hôn thú").await;
    j.fill("f-expansion", "đăng ký kết hôn").await;
    j.submit("/admin/search-synonyms").await;
    assert!(j.shows("làm hôn thú").await, "{}", j.text().await);
    j.record("02-synonyms").await;
    j.sign_out().await;
    j.open("/procedures").await;
    j.fill("f-q", "lam hon thu").await;
    j.submit_get("/procedures").await;
    assert!(j.shows("Đăng ký kết hôn").await, "{}", j.text().await);
    let first = j
        .element("ol.results li h3 a")
        .await
        .expect("a result")
        .text()
        .await
        .expect("text");
    assert!(first.contains("Đăng ký kết hôn"), "first: {first}");
    j.record("03-found-by-synonym").await;

    j.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn search_and_queue_journey_with_javascript() {
    search_and_queue_journey(true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn search_and_queue_journey_without_javascript() {
    search_and_queue_journey(false).await;
}

/// A leader reads the month's report: picks the period, sees the on-time rate and the chart
/// drawn on the server, drills down to the late dossier, downloads the table as XLSX; anyone
/// reads the public transparency page without signing in.
async fn report_journey(javascript: bool) {
    let server = Server::start(Backend::Sqlite).await.expect("server");
    let app = server.app.clone();
    // A birth registration (no fee), as the demo citizen.
    let citizen = motcua_app::test_support::citizen(&app, "092095001234").await;
    let id = app
        .submit_dossier(
            &citizen,
            &motcua_app::dossiers::Submission {
                procedure_code: "1.001193".into(),
                agency_code: "000.00.30.H13".into(),
                form: motcua_app::test_support::birth_registration(),
                attachments: Vec::new(),
                delivery: Default::default(),
                postal: Default::default(),
            },
        )
        .await
        .expect("submitted")
        .id;
    let reception = motcua_app::test_support::official(&app, "tiepnhan.ninhkieu").await;
    app.receive_dossier(&reception, id).await.expect("receive");
    motcua_app::test_support::resolve(&app, id).await;
    let code = server
        .database
        .store
        .get_dossier(id)
        .await
        .expect("row")
        .code
        .expect("code");
    let today = app.today();
    let (mut j, _driver) = Journey::begin(
        server,
        javascript,
        if javascript {
            "js-reports"
        } else {
            "nojs-reports"
        },
    )
    .await;
    j.open("/lang/vi?back=/").await;
    j.sign_in_official("chutich.ninhkieu").await;
    j.open("/staff/reports").await;
    assert!(
        j.shows("Báo cáo tình hình giải quyết hồ sơ").await,
        "{}",
        j.text().await
    );
    // This month, chosen in the form.
    j.fill("f-number", &u8::from(today.month()).to_string())
        .await;
    let select = j.element("#f-period").await.expect("period");
    select.select_by_value("month").await.expect("choose month");
    j.submit_get("/staff/reports").await;
    assert!(
        j.shows(&format!(
            "Tháng {:02}/{}",
            u8::from(today.month()),
            today.year()
        ))
        .await,
        "{}",
        j.text().await
    );
    let received = j
        .element("#t-received a")
        .await
        .expect("received")
        .text()
        .await
        .expect("text");
    assert_eq!(received, "1");
    assert!(j.element("figure svg").await.is_ok(), "a chart");
    j.record("01-dashboard").await;
    // Drill down to the dossier behind the number.
    j.element("#t-received a")
        .await
        .expect("link")
        .click()
        .await
        .expect("click");
    assert!(j.shows(&code).await, "{}", j.text().await);
    j.record("02-drill-down").await;
    // Back, and the table by unit as XLSX.
    j.element("a[href^='/staff/reports?']")
        .await
        .expect("back")
        .click()
        .await
        .expect("click");
    assert!(j.shows("Theo đơn vị").await);
    let xlsx = j.download("a[href*='by=unit'][href*='format=xlsx']").await;
    assert!(xlsx.starts_with(b"PK"), "an XLSX (ZIP) file");
    // Opened with a real ZIP reader (Python's zipfile) and its sheet checked.
    let path = std::env::temp_dir().join(format!("motcua-report-{}.xlsx", std::process::id()));
    std::fs::write(&path, &xlsx).expect("write xlsx");
    let output = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); \
             assert z.testzip() is None; \
             print(z.read('xl/worksheets/sheet1.xml').decode('utf-8'))",
        )
        .arg(&path)
        .output()
        .expect("python3");
    let _ = std::fs::remove_file(&path);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let sheet = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(sheet.contains("Tỷ lệ đúng hạn (%)"), "{sheet}");
    assert!(sheet.contains("Tổng cộng"), "{sheet}");
    assert!(sheet.contains("Ninh Kiều"), "the ward's row: {sheet}");
    j.sign_out().await;
    // The public page, signed out.
    j.open("/minh-bach").await;
    assert!(
        j.shows("Công khai kết quả giải quyết").await,
        "{}",
        j.text().await
    );
    assert!(
        !j.text().await.contains(&code),
        "no dossier on the public page"
    );
    j.record("03-transparency").await;
    j.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn report_journey_with_javascript() {
    report_journey(true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn report_journey_without_javascript() {
    report_journey(false).await;
}
