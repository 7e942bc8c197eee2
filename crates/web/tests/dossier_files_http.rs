#[macro_use]
mod support;

use axum::http::{StatusCode, header};
use motcua_domain::dossier::Command;
use motcua_web::AppState;
use std::sync::Arc;
use support::{Client, Part, Web};

both!(
    with small_attachments;
    the_online_form_stores_its_papers_with_the_submission_or_nothing,
    the_counter_registers_the_scanned_papers,
    the_reception_checklist_shows_the_papers_and_asks_for_the_missing_ones,
    the_applicant_answers_a_supplement_request_with_files,
    the_official_who_resolves_uploads_the_result_and_the_applicant_gets_it_once_issued,
);

/// Small, so the too-large case stays cheap.
const MAX_BYTES: u64 = 64 * 1024;
const HAU: &str = "092095001234";
const LINH: &str = "092196005678";
const BIRTH: &str = "1.001193";
const WARD: &str = "000.00.30.H13";

const PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1A, b'\n', 0, 0, 0, 13, b'I', b'H', b'D', b'R',
];

fn small_attachments(state: &mut AppState) {
    Arc::make_mut(&mut state.app.settings).max_attachment_bytes = MAX_BYTES;
}

async fn dossier_count(h: &Web) -> usize {
    h.f.db.store.dossier_ids().await.expect("ids").len()
}

async fn blob_count(h: &Web) -> i64 {
    h.f.db.store.count_blobs().await.expect("blobs")
}

async fn status(h: &Web, id: i64) -> Option<i64> {
    h.f.db
        .store
        .get_dossier(id)
        .await
        .expect("dossier")
        .status_code
}

/// Hậu submits a birth registration through the page with files for papers 0 and 5 and
/// returns the dossier id (paper 1, also required, comes as a reused earlier upload).
async fn submit_online(h: &Web, hau: &Client) -> i64 {
    let earlier =
        h.f.app
            .upload_attachment(
                &h.f.citizen(HAU).await,
                "Giấy chứng sinh.pdf",
                Some("application/pdf"),
                motcua_blobs::Bytes::from_static(b"%PDF-1.4 chung sinh"),
            )
            .await
            .expect("earlier upload");
    let reuse = earlier.id.to_string();
    let mut parts = birth_fields();
    parts.push(Part::File(
        "paper.0",
        "Tờ khai.pdf",
        Some("application/pdf"),
        PDF,
    ));
    parts.push(Part::Field("reuse.1", &reuse));
    parts.push(Part::File("paper.5", "CCCD.png", Some("image/png"), PNG));
    let reply = h
        .multipart_parts(&format!("/dossiers/new/{BIRTH}"), hau, &parts)
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    dossier_id(&reply.location(), "/my/dossiers/")
}

fn dossier_id(location: &str, prefix: &str) -> i64 {
    location
        .trim_start_matches(prefix)
        .split('?')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("dossier id in {location}"))
}

/// The typed fields of a valid birth registration at the ward.
fn birth_fields() -> Vec<Part<'static>> {
    let fields: &[(&str, &str)] = &[
        ("agency", WARD),
        ("nguoi_yeu_cau_ho_ten", "Nguyễn Văn Hậu"),
        ("nguoi_yeu_cau_so_dinh_danh", "092095001234"),
        ("nguoi_yeu_cau_noi_cu_tru.street", "45 đường 30/4"),
        ("nguoi_yeu_cau_noi_cu_tru.province", "92"),
        ("nguoi_yeu_cau_noi_cu_tru.commune", "31117"),
        ("nguoi_yeu_cau_quan_he", "Cha"),
        ("so_dien_thoai", "0912345678"),
        ("tre_ho_ten", "Nguyễn Ngọc Anh"),
        ("tre_ngay_sinh", "02/11/2026"),
        ("tre_gioi_tinh", "nu"),
        ("tre_dan_toc", "Kinh"),
        ("tre_quoc_tich", "Việt Nam"),
        ("tre_noi_sinh", "Bệnh viện Phụ sản thành phố Cần Thơ"),
        ("tre_que_quan", "Thành phố Cần Thơ"),
        ("me_ho_ten", "Lê Thị Hoa"),
        ("me_nam_sinh", "1995"),
        ("me_dan_toc", "Kinh"),
        ("me_quoc_tich", "Việt Nam"),
        ("me_noi_cu_tru.street", "45 đường 30/4"),
        ("me_noi_cu_tru.province", "92"),
        ("me_noi_cu_tru.commune", "31117"),
        ("cha_ho_ten", "Nguyễn Văn Hậu"),
        ("cha_nam_sinh", "1993"),
        ("loai_giay_chung_sinh", "giay_chung_sinh"),
        ("cha_me_da_ket_hon", "co"),
        ("so_ban_sao", "2"),
        ("hinh_thuc_nhan_ket_qua", "truc_tuyen"),
        ("cam_doan", "on"),
    ];
    fields.iter().map(|(k, v)| Part::Field(k, v)).collect()
}

/// The error paragraph next to the file input of paper `index`.
fn paper_error(page: &str, index: u32) -> Option<String> {
    let marker = format!("<p class=\"error\" id=\"e-f-paper-{index}\">");
    let start = page.find(&marker)? + marker.len();
    let end = page[start..].find("</p>")? + start;
    Some(page[start..end].to_owned())
}

async fn the_online_form_stores_its_papers_with_the_submission_or_nothing(h: Web) -> Web {
    let hau = h.citizen(HAU).await;
    let path = format!("/dossiers/new/{BIRTH}");
    let form = h.get(&path, &hau).await;
    assert_eq!(form.status, StatusCode::OK);
    let page = form.text();
    assert!(
        page.contains("enctype=\"multipart/form-data\"")
            && page.contains(&format!("action=\"{path}?_csrf=")),
        "a multipart form carrying its CSRF token in the address"
    );
    for index in 0..7 {
        assert!(
            page.contains(&format!("name=\"paper.{index}\" type=\"file\"")),
            "a file input per paper: {index}"
        );
    }
    assert!(
        page.contains("Tờ khai đăng ký khai sinh"),
        "labelled by name"
    );
    assert!(
        !page.contains("name=\"reuse.0\""),
        "no earlier uploads yet, nothing to reuse"
    );
    let dossiers = dossier_count(&h).await;

    // Without the required papers: each one explained next to its input, the rest kept.
    let missing = h.multipart_parts(&path, &hau, &birth_fields()).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = missing.text();
    for index in [0, 1, 5] {
        assert_eq!(
            paper_error(&page, index).as_deref(),
            Some("Vui lòng nộp giấy tờ bắt buộc này."),
            "paper {index}"
        );
    }
    assert_eq!(
        paper_error(&page, 2),
        None,
        "an optional paper may be left out"
    );
    assert!(
        page.contains("value=\"Nguyễn Ngọc Anh\""),
        "typed values kept"
    );

    // A text file presented as a PDF, a file over the limit, and a bad form field: every
    // problem at once, next to its input.
    let big = [PDF, &vec![b' '; 70 * 1024][..]].concat();
    let mut parts = birth_fields();
    parts.retain(|p| !matches!(p, Part::Field("tre_ho_ten", _)));
    parts.push(Part::File(
        "paper.0",
        "to-khai.pdf",
        Some("application/pdf"),
        b"not a pdf at all",
    ));
    parts.push(Part::File(
        "paper.1",
        "chung-sinh.pdf",
        Some("application/pdf"),
        &big,
    ));
    parts.push(Part::File("paper.5", "cccd.png", Some("image/png"), PNG));
    let bad = h.multipart_parts(&path, &hau, &parts).await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad.text()
    );
    let page = bad.text();
    assert!(
        paper_error(&page, 0).is_some_and(|m| m.contains("không đúng định dạng")),
        "{:?}",
        paper_error(&page, 0)
    );
    assert_eq!(
        paper_error(&page, 1).as_deref(),
        Some("Tệp vượt quá dung lượng cho phép.")
    );
    assert_eq!(paper_error(&page, 5), None, "the good file has no error");
    assert!(
        page.contains("id=\"e-f-tre_ho_ten\""),
        "the form's own error too"
    );
    assert!(page.contains("value=\"Lê Thị Hoa\""), "typed values kept");
    assert_eq!(dossier_count(&h).await, dossiers, "nothing stored");
    assert_eq!(blob_count(&h).await, 0, "no file stored");
    assert!(
        h.f.app
            .my_attachments(&h.f.citizen(HAU).await)
            .await
            .expect("mine")
            .is_empty()
    );

    // Without the token in the address the form is refused before anything is read.
    let forged = h.multipart_without_csrf(&path, &hau, &birth_fields()).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // Two files and one earlier upload: one dossier, three papers, in one go.
    let id = submit_online(&h, &hau).await;
    assert_eq!(dossier_count(&h).await, dossiers + 1);
    let files =
        h.f.app
            .dossier_attachments(&h.f.citizen(HAU).await, id)
            .await
            .expect("files");
    let mut papers: Vec<(Option<i64>, String, String)> = files
        .iter()
        .map(|f| (f.requirement_index, f.purpose.clone(), f.file_name.clone()))
        .collect();
    papers.sort();
    assert_eq!(
        papers,
        [
            (Some(0), "document".into(), "Tờ khai.pdf".into()),
            (Some(1), "document".into(), "Giấy chứng sinh.pdf".into()),
            (Some(5), "document".into(), "CCCD.png".into()),
        ]
    );
    assert_eq!(blob_count(&h).await, 3);
    // Next time the earlier uploads are offered for reuse.
    let again = h.get(&path, &hau).await.text();
    assert!(again.contains("name=\"reuse.0\"") && again.contains("CCCD.png"));
    // Someone else's upload cannot be reused.
    let linh = h.citizen(LINH).await;
    let foreign = files[0].attachment_id.to_string();
    let mut parts = birth_fields();
    parts.push(Part::Field("reuse.0", &foreign));
    parts.push(Part::File("paper.1", "a.pdf", Some("application/pdf"), PDF));
    parts.push(Part::File("paper.5", "b.pdf", Some("application/pdf"), PDF));
    let stolen = h.multipart_parts(&path, &linh, &parts).await;
    assert_eq!(stolen.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(stolen.text().contains("không phải của bạn"));
    assert_eq!(dossier_count(&h).await, dossiers + 1);
    h
}

async fn the_counter_registers_the_scanned_papers(h: Web) -> Web {
    let desk = h.official_session("tiepnhan.ninhkieu").await;
    // The desk finds the procedure by typing, accents or not.
    let picker = h.get("/staff/counter?q=dang+ky+khai+sinh", &desk).await;
    assert_eq!(picker.status, StatusCode::OK);
    assert!(
        picker
            .text()
            .contains(&format!("<a href=\"/staff/counter/{BIRTH}\">")),
        "{}",
        picker.text()
    );
    assert!(picker.text().contains("value=\"dang ky khai sinh\""));
    let count = |page: &str| -> u64 {
        page.split("id=\"counter-found\">")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .expect("a count")
    };
    let everything = h.get("/staff/counter", &desk).await.text();
    assert!(
        0 < count(&picker.text()) && count(&picker.text()) < count(&everything),
        "the search narrows the list"
    );
    let path = format!("/staff/counter/{BIRTH}");
    let form = h.get(&path, &desk).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text().contains("name=\"paper.1\" type=\"file\""));
    // The desk registers for its own ward unless it picks another.
    assert!(
        form.text()
            .contains(&format!("<option value=\"{WARD}\" selected>")),
        "the desk's own agency is chosen"
    );
    let dossiers = dossier_count(&h).await;
    // Nothing chosen is said as such, not as an unknown unit.
    let mut unchosen: Vec<Part> = birth_fields()
        .into_iter()
        .map(|p| match p {
            Part::Field("agency", _) => Part::Field("agency", ""),
            other => other,
        })
        .collect();
    unchosen.push(Part::Field("applicant_name", "Trần Văn Bình"));
    let unchosen = h.multipart_parts(&path, &desk, &unchosen).await;
    assert_eq!(unchosen.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unchosen.text().contains("Chọn cơ quan giải quyết hồ sơ."),
        "{}",
        unchosen.text()
    );
    assert_eq!(dossier_count(&h).await, dossiers);
    let mut parts = birth_fields();
    parts.push(Part::Field("applicant_name", "Trần Văn Bình"));
    let mut bad = parts.clone();
    bad.push(Part::File(
        "paper.0",
        "scan.pdf",
        Some("application/pdf"),
        b"GIF89a",
    ));
    let refused = h.multipart_parts(&path, &desk, &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(paper_error(&refused.text(), 0).is_some());
    assert!(refused.text().contains("value=\"Trần Văn Bình\""));
    assert_eq!(dossier_count(&h).await, dossiers);
    assert_eq!(blob_count(&h).await, 0);

    // Another commune's desk and a specialist may not register here.
    let mut one_scan = parts.clone();
    one_scan.push(Part::File(
        "paper.0",
        "Tờ khai (bản quét).pdf",
        Some("application/pdf"),
        PDF,
    ));
    for who in ["tiepnhan.trunghung", "chuyenvien.ninhkieu"] {
        let other = h.official_session(who).await;
        let reply = h.multipart_parts(&path, &other, &one_scan).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{who}: {}",
            reply.text()
        );
    }
    assert_eq!(blob_count(&h).await, 0);

    // The officer has the originals in hand: scans are optional, the one sent is attached.
    let registered = h.multipart_parts(&path, &desk, &one_scan).await;
    assert_eq!(
        registered.status,
        StatusCode::SEE_OTHER,
        "{}",
        registered.text()
    );
    let id = dossier_id(&registered.location(), "/staff/dossiers/");
    assert_eq!(status(&h, id).await, Some(2));
    let files =
        h.f.app
            .dossier_attachments(&h.f.official("tiepnhan.ninhkieu").await, id)
            .await
            .expect("files");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].requirement_index, Some(0));
    assert_eq!(files[0].added_by_kind, "official");
    assert_eq!(files[0].file_name, "Tờ khai (bản quét).pdf");
    h
}

/// The attachment id in a download link `…/files/{id}` that follows `after` in the page.
fn link_after(page: &str, after: &str, files_prefix: &str) -> Option<i64> {
    let start = page.find(after)?;
    let rest = &page[start..];
    let at = rest.find(files_prefix)? + files_prefix.len();
    rest[at..].split('"').next().and_then(|s| s.parse().ok())
}

async fn the_reception_checklist_shows_the_papers_and_asks_for_the_missing_ones(h: Web) -> Web {
    let hau = h.citizen(HAU).await;
    let id = submit_online(&h, &hau).await;
    let desk = h.official_session("tiepnhan.ninhkieu").await;
    let page = h.get(&format!("/staff/dossiers/{id}"), &desk).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    assert!(text.contains("id=\"paper-checklist\""), "the checklist");
    let prefix = format!("/staff/dossiers/{id}/files/");
    let declaration = link_after(&text, "id=\"paper-0\"", &prefix).expect("paper 0 link");
    assert!(
        text.contains("Tờ khai.pdf</a> <span class=\"muted\">(PDF, 1 KB)</span>"),
        "name, type and size"
    );
    assert!(text.contains("CCCD.png</a> <span class=\"muted\">(PNG, 1 KB)</span>"));
    // Paper 6 (proof of residence) was not sent and is optional; paper 2 likewise.
    assert!(text.contains("<tr id=\"paper-6\" class=\"missing\">"));
    assert!(!text.contains("<tr id=\"paper-0\" class=\"missing\">"));
    let download = h.get(&format!("{prefix}{declaration}"), &desk).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.bytes, PDF);
    assert_eq!(download.headers[header::CONTENT_TYPE], "application/pdf");
    // The applicant sees the same papers on their page; others see nothing.
    let own = h
        .get(&format!("/my/dossiers/{id}/files/{declaration}"), &hau)
        .await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(own.bytes, PDF);
    let linh = h.citizen(LINH).await;
    let other_citizen = h
        .get(&format!("/my/dossiers/{id}/files/{declaration}"), &linh)
        .await;
    assert_eq!(other_citizen.status, StatusCode::NOT_FOUND);
    let elsewhere = h.official_session("tiepnhan.trunghung").await;
    let other_commune = h.get(&format!("{prefix}{declaration}"), &elsewhere).await;
    assert_eq!(other_commune.status, StatusCode::FORBIDDEN);
    assert_eq!(
        h.get(&format!("/staff/dossiers/{id}"), &elsewhere)
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // The supplement request offers the papers as ticks, the missing required ones ticked.
    let received = h
        .form(
            &format!("/staff/dossiers/{id}/actions"),
            &desk,
            &[("command", "receive")],
        )
        .await;
    assert_eq!(
        received.status,
        StatusCode::SEE_OTHER,
        "{}",
        received.text()
    );
    let specialist = h.official_session("chuyenvien.ninhkieu").await;
    let page = h
        .get(&format!("/staff/dossiers/{id}"), &specialist)
        .await
        .text();
    assert!(page.contains("name=\"missing_paper.6\""), "{page}");
    let requested = h
        .form(
            &format!("/staff/dossiers/{id}/actions"),
            &specialist,
            &[
                ("command", "request_supplement"),
                ("missing_paper.4", "on"),
                ("missing_paper.6", "on"),
                ("missing", "Bản sao sổ hộ khẩu"),
                ("reason", "Thiếu giấy tờ"),
            ],
        )
        .await;
    assert_eq!(
        requested.status,
        StatusCode::SEE_OTHER,
        "{}",
        requested.text()
    );
    assert_eq!(status(&h, id).await, Some(5));
    let shown = h.get(&format!("/my/dossiers/{id}"), &hau).await.text();
    for name in [
        "Văn bản ủy quyền có chứng thực",
        "Giấy tờ chứng minh thông tin về cư trú",
        "Bản sao sổ hộ khẩu",
    ] {
        assert!(
            shown.contains(&format!("<li>{name}</li>")),
            "{name}: {shown}"
        );
    }
    h
}

/// Hậu's dossier, received and asked for papers 4 and 6 and one more paper.
async fn waiting_for_supplement(h: &Web, hau: &Client) -> i64 {
    let id = submit_online(h, hau).await;
    h.f.app
        .receive_dossier(&h.f.official("tiepnhan.ninhkieu").await, id)
        .await
        .expect("receive");
    let procedure =
        h.f.app
            .procedure_in_force(BIRTH, None)
            .await
            .expect("procedure")
            .procedure;
    h.f.app
        .act_on_dossier(
            &h.f.official("chuyenvien.ninhkieu").await,
            id,
            Command::RequestSupplement {
                missing: vec![
                    procedure.required_documents[6].name.clone(),
                    "Bản sao sổ hộ khẩu".into(),
                ],
                reason: "Thiếu giấy tờ".into(),
                due_by: None,
            },
        )
        .await
        .expect("request supplement");
    id
}

async fn the_applicant_answers_a_supplement_request_with_files(h: Web) -> Web {
    let hau = h.citizen(HAU).await;
    let id = waiting_for_supplement(&h, &hau).await;
    let page = h.get(&format!("/my/dossiers/{id}"), &hau).await.text();
    assert!(
        page.contains(&format!("action=\"/my/dossiers/{id}/supplement?_csrf="))
            && page.contains("name=\"supplement.0\" type=\"file\"")
            && page.contains("name=\"supplement.1\" type=\"file\""),
        "a file input per requested paper"
    );
    let before = blob_count(&h).await;
    let path = format!("/my/dossiers/{id}/supplement");
    let wrong = h
        .multipart_parts(
            &path,
            &hau,
            &[
                Part::File("supplement.0", "cu-tru.pdf", Some("application/pdf"), PNG),
                Part::File("supplement.1", "ho-khau.pdf", Some("application/pdf"), PDF),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong
            .text()
            .contains("<p class=\"error\" id=\"e-f-supplement-0\">"),
        "{}",
        wrong.text()
    );
    assert_eq!(status(&h, id).await, Some(5), "still waiting");
    assert_eq!(blob_count(&h).await, before, "nothing stored");
    // Another citizen, and an official on the citizen's route, are refused.
    let linh = h.citizen(LINH).await;
    let parts = [
        Part::File("supplement.0", "cu-tru.pdf", Some("application/pdf"), PDF),
        Part::File("supplement.1", "ho-khau.png", Some("image/png"), PNG),
    ];
    assert_eq!(
        h.multipart_parts(&path, &linh, &parts).await.status,
        StatusCode::NOT_FOUND
    );
    let desk = h.official_session("tiepnhan.ninhkieu").await;
    assert_eq!(
        h.multipart_parts(&path, &desk, &parts).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(status(&h, id).await, Some(5));

    let done = h.multipart_parts(&path, &hau, &parts).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    assert_ne!(status(&h, id).await, Some(5), "processing continues");
    let files =
        h.f.app
            .dossier_attachments(&h.f.official("tiepnhan.ninhkieu").await, id)
            .await
            .expect("files");
    let supplements: Vec<(Option<i64>, String)> = files
        .iter()
        .filter(|f| f.purpose == "supplement")
        .map(|f| (f.requirement_index, f.file_name.clone()))
        .collect();
    assert_eq!(
        supplements,
        [
            (Some(6), "cu-tru.pdf".to_owned()),
            (None, "ho-khau.png".to_owned())
        ]
    );
    // The desk sees the supplied paper in the checklist, the other one under other files.
    let staff = h.get(&format!("/staff/dossiers/{id}"), &desk).await.text();
    assert!(!staff.contains("<tr id=\"paper-6\" class=\"missing\">"));
    assert!(staff.contains("ho-khau.png</a>"));
    // Once answered, the supplement cannot be sent again.
    let again = h.multipart_parts(&path, &hau, &parts).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text());
    h
}

async fn the_official_who_resolves_uploads_the_result_and_the_applicant_gets_it_once_issued(
    h: Web,
) -> Web {
    let hau = h.citizen(HAU).await;
    let id = submit_online(&h, &hau).await;
    h.f.app
        .receive_dossier(&h.f.official("tiepnhan.ninhkieu").await, id)
        .await
        .expect("receive");
    h.f.app
        .act_on_dossier(
            &h.f.official("chuyenvien.ninhkieu").await,
            id,
            Command::Forward {
                to_step: 1,
                assignee: None,
            },
        )
        .await
        .expect("forward");
    let leader_actor = h.f.official("chutich.ninhkieu").await;
    for command in [Command::Approve, Command::Sign] {
        h.f.app
            .act_on_dossier(&leader_actor, id, command)
            .await
            .expect("leader acts");
    }
    let leader = h.official_session("chutich.ninhkieu").await;
    let page = h
        .get(&format!("/staff/dossiers/{id}"), &leader)
        .await
        .text();
    assert!(
        page.contains("do-resolve") && page.contains("id=\"result-form\""),
        "the official who may resolve is offered the upload"
    );
    for who in ["tiepnhan.ninhkieu", "chuyenvien.ninhkieu"] {
        let page = h
            .get(
                &format!("/staff/dossiers/{id}"),
                &h.official_session(who).await,
            )
            .await
            .text();
        assert!(!page.contains("id=\"result-form\""), "{who}");
    }
    let path = format!("/staff/dossiers/{id}/result");
    let result = [Part::File(
        "result",
        "Giấy khai sinh (bản chính).pdf",
        Some("application/pdf"),
        b"%PDF-1.4 result",
    )];
    // Nobody else may upload it: same agency without the step, another commune, a citizen.
    for (who, expected) in [
        ("tiepnhan.ninhkieu", StatusCode::FORBIDDEN),
        ("chuyenvien.ninhkieu", StatusCode::FORBIDDEN),
        ("chutich.trunghung", StatusCode::FORBIDDEN),
    ] {
        let reply = h
            .multipart_parts(&path, &h.official_session(who).await, &result)
            .await;
        assert_eq!(reply.status, expected, "{who}: {}", reply.text());
    }
    assert_eq!(
        h.multipart_parts(&path, &hau, &result).await.status,
        StatusCode::FORBIDDEN
    );
    let before = blob_count(&h).await;
    let wrong = h
        .multipart_parts(
            &path,
            &leader,
            &[Part::File(
                "result",
                "kq.pdf",
                Some("application/pdf"),
                b"plain text",
            )],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().contains("<p class=\"error\" id=\"e-result\">"));
    let none = h.multipart_parts(&path, &leader, &[]).await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(none.text().contains("Chưa chọn tệp"));
    assert_eq!(blob_count(&h).await, before, "refusals store nothing");

    let uploaded = h.multipart_parts(&path, &leader, &result).await;
    assert_eq!(
        uploaded.status,
        StatusCode::SEE_OTHER,
        "{}",
        uploaded.text()
    );
    let staff_page = h
        .get(&format!("/staff/dossiers/{id}"), &leader)
        .await
        .text();
    let staff_prefix = format!("/staff/dossiers/{id}/files/");
    let result_id =
        link_after(&staff_page, "id=\"h-results\"", &staff_prefix).expect("result link");
    // Not issued yet: the applicant neither sees nor downloads it.
    let mine = h.get("/my/dossiers", &hau).await.text();
    assert!(!mine.contains("Giấy khai sinh (bản chính).pdf"));
    let early = h
        .get(&format!("/my/dossiers/{id}/files/{result_id}"), &hau)
        .await;
    assert_eq!(early.status, StatusCode::NOT_FOUND);

    let resolved = h
        .form(
            &format!("/staff/dossiers/{id}/actions"),
            &leader,
            &[("command", "resolve")],
        )
        .await;
    assert_eq!(
        resolved.status,
        StatusCode::SEE_OTHER,
        "{}",
        resolved.text()
    );
    assert_eq!(status(&h, id).await, Some(9));
    let mine = h.get("/my/dossiers", &hau).await.text();
    let href = format!("/my/dossiers/{id}/files/{result_id}");
    assert!(
        mine.contains(&format!(
            "<a href=\"{href}\" class=\"result-link\">Giấy khai sinh (bản chính).pdf</a>"
        )),
        "{mine}"
    );
    let download = h.get(&href, &hau).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.bytes, b"%PDF-1.4 result");
    // Nobody else: another citizen (not found), another commune's officials (refused, as for
    // the dossier itself).
    let linh = h.citizen(LINH).await;
    assert_eq!(h.get(&href, &linh).await.status, StatusCode::NOT_FOUND);
    assert!(!h.get("/my/dossiers", &linh).await.text().contains(&href));
    let elsewhere = h.official_session("tiepnhan.trunghung").await;
    assert_eq!(
        h.get(&format!("{staff_prefix}{result_id}"), &elsewhere)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    h
}
