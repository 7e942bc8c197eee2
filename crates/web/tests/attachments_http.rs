//! Attachments over HTTP on SQLite and PostgreSQL with the Cần Thơ demo loaded: uploads checked
//! by content, stored once, reused across dossiers, and visible only to the applicant and the
//! officials of the dossier's agency.

#[macro_use]
mod support;

use axum::http::{Method, StatusCode, header};
use motcua_web::AppState;
use std::sync::Arc;
use support::{Client, Part, Reply, Web};

both!(
    with small_attachments;
    pdf_jpeg_and_png_are_accepted_and_everything_else_refused,
    the_same_content_uploaded_twice_is_stored_once,
    files_follow_their_dossier_and_stay_private,
);

/// Small, so the too-large case stays cheap.
const MAX_BYTES: u64 = 64 * 1024;
const HAU: &str = "092095001234";
const LINH: &str = "092196005678";

const PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0xFF, 0xD9,
];
const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1A, b'\n', 0, 0, 0, 13, b'I', b'H', b'D', b'R',
];

fn small_attachments(state: &mut AppState) {
    Arc::make_mut(&mut state.app.settings).max_attachment_bytes = MAX_BYTES;
}

/// One file sent to the upload API as `file`, declared `content_type` (or undeclared).
async fn upload(
    h: &Web,
    client: &Client,
    name: &str,
    content_type: Option<&str>,
    bytes: &[u8],
) -> Reply {
    h.upload(
        "/api/v1/attachments",
        client,
        &[Part::File("file", name, content_type, bytes)],
    )
    .await
}

/// A birth registration (1.001193) at Ninh Kiều by the signed-in citizen.
async fn submit(h: &Web, client: &Client, attachments: serde_json::Value) -> Reply {
    h.post(
        "/api/v1/dossiers",
        client,
        serde_json::json!({"procedure_code": "1.001193", "agency_code": "000.00.30.H13",
            "form": support::birth_form(), "attachments": attachments}),
    )
    .await
}

async fn pdf_jpeg_and_png_are_accepted_and_everything_else_refused(h: Web) -> Web {
    let hau = h.citizen(HAU).await;
    let cases: [(&str, &str, &[u8], &str); 3] = [
        ("Tờ khai.pdf", "application/pdf", PDF, "application/pdf"),
        ("CCCD mặt trước.jpg", "image/jpeg", JPEG, "image/jpeg"),
        ("ảnh chụp.png", "image/png", PNG, "image/png"),
    ];
    for (name, declared, bytes, expected) in cases {
        let reply = upload(&h, &hau, name, Some(declared), bytes).await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "{name}: {}",
            reply.text()
        );
        let json = reply.json();
        assert_eq!(json["media_type"], expected);
        assert_eq!(json["name"], name);
        assert_eq!(json["size"], bytes.len());
        assert_eq!(json["sha256"].as_str().map(str::len), Some(64), "{json}");
    }
    // An official uploads too (a scan at the counter).
    let desk = h.official("tiepnhan.ninhkieu").await;
    let scan = upload(
        &h,
        &desk,
        "scan.pdf",
        Some("application/pdf"),
        b"%PDF-1.4 desk scan",
    )
    .await;
    assert_eq!(scan.status, StatusCode::CREATED, "{}", scan.text());

    // A text file presented as a PDF.
    let fake = upload(
        &h,
        &hau,
        "giay-khai-sinh.pdf",
        Some("application/pdf"),
        b"this is not a pdf at all",
    )
    .await;
    assert_eq!(
        fake.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        fake.text()
    );
    assert_eq!(fake.field_code(), "error-file-type-mismatch");
    assert!(
        fake.json()["error"]["fields"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("PDF, JPEG hoặc PNG"))
    );
    // Not one of the accepted types at all.
    let gif = upload(&h, &hau, "a.gif", Some("image/gif"), b"GIF89a\x01\x00").await;
    assert_eq!(gif.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(gif.field_code(), "error-file-type");
    let empty = upload(&h, &hau, "a.pdf", Some("application/pdf"), b"").await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(empty.field_code(), "error-file-empty");
    // Larger than the limit: refused while reading, with the limit in the message.
    let big = [
        PDF,
        &vec![b' '; usize::try_from(MAX_BYTES).expect("size")][..],
    ]
    .concat();
    let too_large = upload(&h, &hau, "big.pdf", Some("application/pdf"), &big).await;
    assert_eq!(
        too_large.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        too_large.text()
    );
    assert_eq!(too_large.json()["error"]["code"], "error-upload-too-large");
    let message = too_large.json()["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains("Tệp quá lớn") && message.contains("64 KB"),
        "{message}"
    );
    // Exactly the limit is accepted.
    let exact = [
        PDF,
        &vec![b' '; usize::try_from(MAX_BYTES).expect("size") - PDF.len()][..],
    ]
    .concat();
    let at_limit = upload(&h, &hau, "exact.pdf", Some("application/pdf"), &exact).await;
    assert_eq!(at_limit.status, StatusCode::CREATED, "{}", at_limit.text());
    // No file, another field instead (refused as soon as it comes), not multipart, not
    // signed in.
    let no_file = h.upload("/api/v1/attachments", &hau, &[]).await;
    assert_eq!(no_file.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_file.field_code(), "error-file-missing");
    let other_field = h
        .upload("/api/v1/attachments", &hau, &[Part::Field("note", "hello")])
        .await;
    assert_eq!(other_field.status, StatusCode::BAD_REQUEST);
    assert_eq!(other_field.json()["error"]["code"], "error-multipart-field");
    let not_multipart = h
        .send(
            Method::POST,
            "/api/v1/attachments",
            &hau,
            Some(serde_json::json!({})),
        )
        .await;
    assert_eq!(not_multipart.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let anonymous = upload(
        &h,
        &Client::default(),
        "a.pdf",
        Some("application/pdf"),
        PDF,
    )
    .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    // Refusals stored nothing: four accepted uploads for Hậu, one for the desk.
    let mine = h
        .send(Method::GET, "/api/v1/my/attachments", &hau, None)
        .await;
    assert_eq!(mine.status, StatusCode::OK);
    let names: Vec<String> = mine
        .json()
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|a| a["name"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
    assert_eq!(names[0], "exact.pdf", "newest first");
    let desk_mine = h
        .send(Method::GET, "/api/v1/my/attachments", &desk, None)
        .await;
    assert_eq!(desk_mine.json().as_array().map(Vec::len), Some(1));
    assert_eq!(h.f.db.store.count_blobs().await.expect("count"), 5);
    assert_eq!(h.stored_files(), 5);
    h
}

async fn the_same_content_uploaded_twice_is_stored_once(h: Web) -> Web {
    let hau = h.citizen(HAU).await;
    let linh = h.citizen(LINH).await;
    let first = upload(
        &h,
        &hau,
        "Giấy chứng sinh.pdf",
        Some("application/pdf"),
        PDF,
    )
    .await;
    let again = upload(&h, &hau, "chứng sinh (bản 2).pdf", None, PDF).await;
    let other = upload(&h, &linh, "giay.pdf", Some("application/pdf"), PDF).await;
    for reply in [&first, &again, &other] {
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    }
    let ids: Vec<i64> = [&first, &again, &other]
        .iter()
        .filter_map(|r| r.json()["id"].as_i64())
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(
        ids[0] != ids[1] && ids[1] != ids[2],
        "each upload has its own row"
    );
    assert_eq!(first.json()["sha256"], again.json()["sha256"]);
    assert_eq!(first.json()["sha256"], other.json()["sha256"]);
    assert_eq!(again.json()["name"], "chứng sinh (bản 2).pdf");
    assert_eq!(
        h.f.db.store.count_blobs().await.expect("count"),
        1,
        "one blob row"
    );
    assert_eq!(h.stored_files(), 1, "one file on disk");
    let audit =
        h.f.db
            .store
            .list_audit(Some("attachment.upload"), 10, None)
            .await
            .expect("audit");
    assert_eq!(audit.len(), 3);
    assert!(
        audit.iter().all(|e| !e.detail.contains("chứng sinh")),
        "file names stay out of the audit log"
    );
    h
}

async fn files_follow_their_dossier_and_stay_private(h: Web) -> Web {
    let hau = h.citizen(HAU).await;
    let linh = h.citizen(LINH).await;
    let declaration = upload(
        &h,
        &hau,
        "Tờ khai khai sinh.pdf",
        Some("application/pdf"),
        PDF,
    )
    .await;
    let declaration_id = declaration.json()["id"].as_i64().expect("id");
    let id_card = upload(&h, &hau, "CCCD.jpg", Some("image/jpeg"), JPEG).await;
    let id_card_id = id_card.json()["id"].as_i64().expect("id");
    let linh_upload = upload(&h, &linh, "của Linh.png", Some("image/png"), PNG).await;
    let linh_upload_id = linh_upload.json()["id"].as_i64().expect("id");

    // Someone else's upload cannot be submitted, and nothing is created.
    let stolen = submit(
        &h,
        &hau,
        serde_json::json!([{"requirement": 0, "attachment_id": linh_upload_id}]),
    )
    .await;
    assert_eq!(
        stolen.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        stolen.text()
    );
    let unknown_requirement = submit(
        &h,
        &hau,
        serde_json::json!([{"requirement": 99, "attachment_id": declaration_id}]),
    )
    .await;
    assert_eq!(unknown_requirement.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        unknown_requirement.field_code(),
        "error-attachment-requirement"
    );
    let none = h.send(Method::GET, "/api/v1/my/dossiers", &hau, None).await;
    assert_eq!(none.json().as_array().map(Vec::len), Some(0));

    // Submitted with the papers, linked in the same transaction.
    let first = submit(
        &h,
        &hau,
        serde_json::json!([{"requirement": 0, "attachment_id": declaration_id},
                                {"requirement": 5, "attachment_id": id_card_id}]),
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let first_id = first.json()["id"].as_i64().expect("id");
    let files_path = format!("/api/v1/dossiers/{first_id}/attachments");
    let files = h.send(Method::GET, &files_path, &hau, None).await;
    assert_eq!(files.status, StatusCode::OK, "{}", files.text());
    let files = files.json();
    assert_eq!(files.as_array().map(Vec::len), Some(2), "{files}");
    assert_eq!(files[0]["purpose"], "document");
    assert_eq!(files[0]["requirement_name"], "Tờ khai đăng ký khai sinh");
    assert_eq!(files[0]["name"], "Tờ khai khai sinh.pdf");
    assert_eq!(files[1]["requirement"], 5);

    // The earlier upload reused in a second dossier.
    let second = submit(&h, &hau, serde_json::json!([])).await;
    let second_id = second.json()["id"].as_i64().expect("id");
    let attach_path = format!("/api/v1/dossiers/{second_id}/attachments");
    let reuse = serde_json::json!({"attachment_id": declaration_id, "purpose": "document", "requirement": 0});
    let reused = h
        .send(Method::POST, &attach_path, &hau, Some(reuse.clone()))
        .await;
    assert_eq!(reused.status, StatusCode::CREATED, "{}", reused.text());
    assert_eq!(reused.json()["sha256"], declaration.json()["sha256"]);
    let again = h.send(Method::POST, &attach_path, &hau, Some(reuse)).await;
    assert_eq!(
        again.status,
        StatusCode::CREATED,
        "attaching twice is harmless"
    );
    let second_files = h.send(Method::GET, &attach_path, &hau, None).await;
    assert_eq!(second_files.json().as_array().map(Vec::len), Some(1));
    let bad_purpose = h
        .send(
            Method::POST,
            &attach_path,
            &hau,
            Some(serde_json::json!({"attachment_id": declaration_id, "purpose": "other"})),
        )
        .await;
    assert_eq!(bad_purpose.status, StatusCode::UNPROCESSABLE_ENTITY);
    let no_requirement = h
        .send(
            Method::POST,
            &attach_path,
            &hau,
            Some(serde_json::json!({"attachment_id": declaration_id, "purpose": "document"})),
        )
        .await;
    assert_eq!(no_requirement.field_code(), "error-attachment-requirement");
    // Another citizen can neither attach their file to Hậu's dossier nor Hậu's file to it.
    for (client, attachment) in [
        (&linh, linh_upload_id),
        (&linh, declaration_id),
        (&hau, linh_upload_id),
    ] {
        let refused = h.send(Method::POST, &attach_path, client, Some(serde_json::json!({"attachment_id": attachment, "purpose": "document", "requirement": 1})))
            .await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.text());
    }

    // Download: the owner and an official of the agency; nobody else, without revealing anything.
    let download = format!("/api/v1/dossiers/{first_id}/attachments/{declaration_id}");
    let owner = h.send(Method::GET, &download, &hau, None).await;
    assert_eq!(owner.status, StatusCode::OK);
    assert_eq!(owner.bytes, PDF);
    assert_eq!(owner.headers[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(owner.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let disposition = owner.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .expect("ascii header")
        .to_owned();
    assert!(disposition.starts_with("attachment; "), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''T%E1%BB%9D%20khai%20khai%20sinh.pdf"),
        "{disposition}"
    );
    let desk = h.official("tiepnhan.ninhkieu").await;
    let by_desk = h.send(Method::GET, &download, &desk, None).await;
    assert_eq!(by_desk.status, StatusCode::OK);
    assert_eq!(by_desk.bytes, PDF);
    let elsewhere = h.official("tiepnhan.trunghung").await;
    // As for the dossier itself (`App::dossier_for`): another citizen learns nothing, an
    // official outside the jurisdiction is refused.
    for (who, client, refusal) in [
        ("another citizen", &linh, StatusCode::NOT_FOUND),
        ("another commune", &elsewhere, StatusCode::FORBIDDEN),
    ] {
        for path in [download.clone(), files_path.clone()] {
            let reply = h.send(Method::GET, &path, client, None).await;
            assert_eq!(reply.status, refusal, "{who} {path}: {}", reply.text());
        }
    }
    let missing_dossier = h
        .send(
            Method::GET,
            &format!("/api/v1/dossiers/999999/attachments/{declaration_id}"),
            &linh,
            None,
        )
        .await;
    assert_eq!(missing_dossier.status, StatusCode::NOT_FOUND);
    assert_eq!(
        missing_dossier.text(),
        h.send(Method::GET, &download, &linh, None).await.text(),
        "a missing dossier and someone else's look the same"
    );
    // A file that is not linked to this dossier is not served through it.
    let unlinked = h
        .send(
            Method::GET,
            &format!("/api/v1/dossiers/{second_id}/attachments/{id_card_id}"),
            &hau,
            None,
        )
        .await;
    assert_eq!(unlinked.status, StatusCode::NOT_FOUND);
    assert_eq!(
        h.send(Method::GET, &download, &Client::default(), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    // Once received, the applicant can no longer add papers; the desk adds its scan.
    let received = h
        .send(
            Method::POST,
            &format!("/api/v1/dossiers/{first_id}/receive"),
            &desk,
            None,
        )
        .await;
    assert_eq!(received.status, StatusCode::OK, "{}", received.text());
    let late = h.send(Method::POST, &files_path, &hau, Some(serde_json::json!({"attachment_id": id_card_id, "purpose": "document", "requirement": 1})))
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.text());
    assert_eq!(late.json()["error"]["code"], "error-attachment-status");
    let scan = upload(
        &h,
        &desk,
        "bản quét tại quầy.pdf",
        Some("application/pdf"),
        b"%PDF-1.4 scanned at the counter",
    )
    .await;
    let scan_id = scan.json()["id"].as_i64().expect("id");
    let added = h.send(Method::POST, &files_path, &desk, Some(serde_json::json!({"attachment_id": scan_id, "purpose": "document", "requirement": 1})))
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text());
    assert_eq!(added.json()["added_by"], "official");
    let other_desk_scan = upload(&h, &elsewhere, "x.pdf", None, b"%PDF-1.4 elsewhere").await;
    let other_scan_id = other_desk_scan.json()["id"].as_i64().expect("id");
    let refused = h.send(Method::POST, &files_path, &elsewhere, Some(serde_json::json!({"attachment_id": other_scan_id, "purpose": "document", "requirement": 1})))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // The specialist may not register papers, but the result is attached by the step's role.
    let specialist = h.official("chuyenvien.ninhkieu").await;
    let result = upload(
        &h,
        &specialist,
        "Giấy khai sinh (bản chính).pdf",
        None,
        b"%PDF-1.4 result",
    )
    .await;
    let result_id = result.json()["id"].as_i64().expect("id");
    let as_document = h.send(Method::POST, &files_path, &specialist, Some(serde_json::json!({"attachment_id": result_id, "purpose": "document", "requirement": 0})))
        .await;
    assert_eq!(
        as_document.status,
        StatusCode::FORBIDDEN,
        "{}",
        as_document.text()
    );
    let as_result = h
        .send(
            Method::POST,
            &files_path,
            &specialist,
            Some(serde_json::json!({"attachment_id": result_id, "purpose": "result"})),
        )
        .await;
    assert_eq!(
        as_result.status,
        StatusCode::CREATED,
        "{}",
        as_result.text()
    );
    // The applicant sees the result only once it is issued (resolved or returned); the
    // officials see it at once.
    let result_download = h
        .send(
            Method::GET,
            &format!("{files_path}/{result_id}"),
            &hau,
            None,
        )
        .await;
    assert_eq!(result_download.status, StatusCode::NOT_FOUND);
    let by_officials = h
        .send(
            Method::GET,
            &format!("{files_path}/{result_id}"),
            &desk,
            None,
        )
        .await;
    assert_eq!(by_officials.status, StatusCode::OK);
    assert_eq!(by_officials.bytes, b"%PDF-1.4 result");
    let for_applicant = h.send(Method::GET, &files_path, &hau, None).await;
    assert_eq!(for_applicant.json().as_array().map(Vec::len), Some(3));
    let all = h.send(Method::GET, &files_path, &desk, None).await;
    let purposes: Vec<String> = all
        .json()
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["purpose"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(purposes, ["document", "document", "document", "result"]);
    let audit =
        h.f.db
            .store
            .list_audit(Some("dossier.attachment.add"), 20, None)
            .await
            .expect("audit");
    assert_eq!(
        audit.len(),
        5,
        "two at submission, the reuse, the desk's scan, the result"
    );
    h
}
