//! Papers on the dossier pages without JavaScript, on SQLite and PostgreSQL: the online form and
//! the counter send files with the form (multipart, CSRF token in the address), the reception
//! checklist shows what came and what is missing, the applicant answers a supplement request with
//! files, and the official who may resolve uploads the result, which the applicant downloads once
//! it is issued. Every refusal stores nothing.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use motcua_app::security::{random_token, token_hash};
use motcua_app::{Actor, App, AppSettings};
use motcua_domain::dossier::Command;
use motcua_store::auth::SessionRow;
use motcua_store::test_support::TestDatabase;
use motcua_store::{Backend, Store};
use motcua_web::routes;
use motcua_web::{AppState, WebConfig};
use std::sync::Arc;
use tower::ServiceExt;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::run(motcua_store::Backend::Sqlite, super::$name).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::run(motcua_store::Backend::Postgres, super::$name).await } )* }
    };
}

both!(
    the_online_form_stores_its_papers_with_the_submission_or_nothing,
    the_counter_registers_the_scanned_papers,
    the_reception_checklist_shows_the_papers_and_asks_for_the_missing_ones,
    the_applicant_answers_a_supplement_request_with_files,
    the_official_who_resolves_uploads_the_result_and_the_applicant_gets_it_once_issued,
);

/// Small, so the too-large case stays cheap.
const MAX_BYTES: u64 = 64 * 1024;
const CSRF: &str = "test-csrf-token-0123456789abcdefghijklmnop";
const HAU: &str = "092095001234";
const LINH: &str = "092196005678";
const BIRTH: &str = "1.001193";
const WARD: &str = "000.00.30.H13";

const PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1A, b'\n', 0, 0, 0, 13, b'I', b'H', b'D', b'R',
];

struct Harness {
    router: Router,
    app: App,
    store: Store,
    _blob_dir: tempfile::TempDir,
}

async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Harness) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let db = TestDatabase::new(backend).await;
    let blob_dir = tempfile::tempdir().expect("tempdir");
    let app = App::new(
        db.store.clone(),
        AppSettings {
            max_attachment_bytes: MAX_BYTES,
            ..AppSettings::default()
        },
    )
    .with_blobs(Arc::new(motcua_blobs::LocalBlobs::new(blob_dir.path())));
    app.load_demo().await.expect("demo loads");
    let state = AppState {
        app: app.clone(),
        config: Arc::new(WebConfig::default()),
        metrics: None,
    };
    let (router, _) = routes::assemble(state);
    test(Harness {
        router,
        app,
        store: db.store.clone(),
        _blob_dir: blob_dir,
    })
    .await;
    db.cleanup().await;
}

/// A browser session (cookie) of a demo citizen or official.
#[derive(Clone)]
struct Client {
    session: String,
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }
}

/// A text field or a file of a multipart form.
#[derive(Clone)]
enum Part<'a> {
    Field(&'a str, &'a str),
    File(&'a str, &'a str, &'a str, &'a [u8]),
}

fn multipart(parts: &[Part]) -> (String, Vec<u8>) {
    let boundary = "----motcua-pages-boundary-Xq3";
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match part {
            Part::Field(name, value) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}")
                        .as_bytes(),
                );
            }
            Part::File(name, file_name, content_type, bytes) => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(bytes);
            }
        }
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl Harness {
    async fn send(
        &self,
        method: Method,
        path: &str,
        client: Option<&Client>,
        body: Option<(String, Vec<u8>)>,
    ) -> Reply {
        let mut cookies = vec![format!(
            "{}={CSRF}",
            motcua_web::context::csrf_cookie_name(true)
        )];
        if let Some(client) = client {
            cookies.push(format!(
                "{}={}",
                motcua_web::context::session_cookie_name(true),
                client.session
            ));
        }
        let builder = Request::builder()
            .method(method)
            .uri(path)
            .header(header::COOKIE, cookies.join("; "));
        let request = match body {
            Some((content_type, bytes)) => builder
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(bytes)),
            None => builder.body(Body::empty()),
        }
        .expect("request");
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("response");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    async fn get(&self, path: &str, client: &Client) -> Reply {
        self.send(Method::GET, path, Some(client), None).await
    }

    /// Posts a page form the way a browser without JavaScript does: multipart, with the CSRF
    /// token in the address (the form's action).
    async fn post_form(&self, path: &str, client: &Client, parts: &[Part<'_>]) -> Reply {
        let separator = if path.contains('?') { '&' } else { '?' };
        self.send(
            Method::POST,
            &format!("{path}{separator}_csrf={CSRF}"),
            Some(client),
            Some(multipart(parts)),
        )
        .await
    }

    /// Posts an urlencoded action form.
    async fn post_fields(&self, path: &str, client: &Client, fields: &[(&str, &str)]) -> Reply {
        let mut pairs = fields.to_vec();
        pairs.push(("_csrf", CSRF));
        let body = serde_urlencoded::to_string(&pairs).expect("form");
        self.send(
            Method::POST,
            path,
            Some(client),
            Some((
                "application/x-www-form-urlencoded".to_owned(),
                body.into_bytes(),
            )),
        )
        .await
    }

    async fn session(&self, kind: &str, id: i64) -> Client {
        let token = random_token();
        let now = self.app.now_micros();
        let mut tx = self.store.begin().await.expect("begin");
        tx.insert_session(&SessionRow {
            token_hash: token_hash(&token),
            principal_kind: kind.into(),
            principal_id: id,
            stage: "full".into(),
            created_at: now,
            expires_at: now + 3_600_000_000,
        })
        .await
        .expect("session");
        tx.commit().await.expect("commit");
        Client { session: token }
    }

    async fn citizen(&self, personal_id: &str) -> Client {
        let id = self
            .store
            .citizen_credentials(personal_id)
            .await
            .expect("demo citizen")
            .id;
        self.session("citizen", id).await
    }

    async fn official(&self, username: &str) -> Client {
        let id = self
            .store
            .official_credentials(username)
            .await
            .expect("demo official")
            .id;
        self.session("official", id).await
    }

    async fn actor(&self, username: &str) -> Actor {
        let id = self
            .store
            .official_credentials(username)
            .await
            .expect("demo official")
            .id;
        Actor {
            principal: self
                .app
                .official_principal(id)
                .await
                .expect("principal")
                .expect("active"),
            ip: None,
        }
    }

    async fn dossier_count(&self) -> usize {
        self.store.dossier_ids().await.expect("ids").len()
    }

    async fn blob_count(&self) -> i64 {
        self.store.count_blobs().await.expect("blobs")
    }

    /// Hậu submits a birth registration through the page with files for papers 0 and 5 and
    /// returns the dossier id (paper 1, also required, comes as a reused earlier upload).
    async fn submit_online(&self, hau: &Client) -> i64 {
        let earlier = self
            .app
            .upload_attachment(
                &self.citizen_actor(HAU).await,
                "Giấy chứng sinh.pdf",
                Some("application/pdf"),
                motcua_blobs::Bytes::from_static(b"%PDF-1.4 chung sinh"),
            )
            .await
            .expect("earlier upload");
        let reuse = earlier.id.to_string();
        let mut parts = birth_fields();
        parts.push(Part::File("paper.0", "Tờ khai.pdf", "application/pdf", PDF));
        parts.push(Part::Field("reuse.1", &reuse));
        parts.push(Part::File("paper.5", "CCCD.png", "image/png", PNG));
        let reply = self
            .post_form(&format!("/dossiers/new/{BIRTH}"), hau, &parts)
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        dossier_id(&reply.location(), "/my/dossiers/")
    }

    async fn citizen_actor(&self, personal_id: &str) -> Actor {
        let id = self
            .store
            .citizen_credentials(personal_id)
            .await
            .expect("demo citizen")
            .id;
        Actor {
            principal: motcua_domain::authz::Principal::Citizen { citizen_id: id },
            ip: None,
        }
    }

    async fn status(&self, id: i64) -> Option<i64> {
        self.store
            .get_dossier(id)
            .await
            .expect("dossier")
            .status_code
    }
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

async fn the_online_form_stores_its_papers_with_the_submission_or_nothing(h: Harness) {
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
    let dossiers = h.dossier_count().await;

    // Without the required papers: each one explained next to its input, the rest kept.
    let missing = h.post_form(&path, &hau, &birth_fields()).await;
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
        "application/pdf",
        b"not a pdf at all",
    ));
    parts.push(Part::File(
        "paper.1",
        "chung-sinh.pdf",
        "application/pdf",
        &big,
    ));
    parts.push(Part::File("paper.5", "cccd.png", "image/png", PNG));
    let bad = h.post_form(&path, &hau, &parts).await;
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
    assert_eq!(h.dossier_count().await, dossiers, "nothing stored");
    assert_eq!(h.blob_count().await, 0, "no file stored");
    assert!(
        h.app
            .my_attachments(&h.citizen_actor(HAU).await)
            .await
            .expect("mine")
            .is_empty()
    );

    // Without the token in the address the form is refused before anything is read.
    let (content_type, body) = multipart(&birth_fields());
    let forged = h
        .send(Method::POST, &path, Some(&hau), Some((content_type, body)))
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // Two files and one earlier upload: one dossier, three papers, in one go.
    let id = h.submit_online(&hau).await;
    assert_eq!(h.dossier_count().await, dossiers + 1);
    let files = h
        .app
        .dossier_attachments(&h.citizen_actor(HAU).await, id)
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
    assert_eq!(h.blob_count().await, 3);
    // Next time the earlier uploads are offered for reuse.
    let again = h.get(&path, &hau).await.text();
    assert!(again.contains("name=\"reuse.0\"") && again.contains("CCCD.png"));
    // Someone else's upload cannot be reused.
    let linh = h.citizen(LINH).await;
    let foreign = files[0].attachment_id.to_string();
    let mut parts = birth_fields();
    parts.push(Part::Field("reuse.0", &foreign));
    parts.push(Part::File("paper.1", "a.pdf", "application/pdf", PDF));
    parts.push(Part::File("paper.5", "b.pdf", "application/pdf", PDF));
    let stolen = h.post_form(&path, &linh, &parts).await;
    assert_eq!(stolen.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(stolen.text().contains("không phải của bạn"));
    assert_eq!(h.dossier_count().await, dossiers + 1);
}

async fn the_counter_registers_the_scanned_papers(h: Harness) {
    let desk = h.official("tiepnhan.ninhkieu").await;
    let path = format!("/staff/counter/{BIRTH}");
    let form = h.get(&path, &desk).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text().contains("name=\"paper.1\" type=\"file\""));
    let dossiers = h.dossier_count().await;
    let mut parts = birth_fields();
    parts.push(Part::Field("applicant_name", "Trần Văn Bình"));
    let mut bad = parts.clone();
    bad.push(Part::File(
        "paper.0",
        "scan.pdf",
        "application/pdf",
        b"GIF89a",
    ));
    let refused = h.post_form(&path, &desk, &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(paper_error(&refused.text(), 0).is_some());
    assert!(refused.text().contains("value=\"Trần Văn Bình\""));
    assert_eq!(h.dossier_count().await, dossiers);
    assert_eq!(h.blob_count().await, 0);

    // Another commune's desk and a specialist may not register here.
    let mut one_scan = parts.clone();
    one_scan.push(Part::File(
        "paper.0",
        "Tờ khai (bản quét).pdf",
        "application/pdf",
        PDF,
    ));
    for who in ["tiepnhan.trunghung", "chuyenvien.ninhkieu"] {
        let other = h.official(who).await;
        let reply = h.post_form(&path, &other, &one_scan).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{who}: {}",
            reply.text()
        );
    }
    assert_eq!(h.blob_count().await, 0);

    // The officer has the originals in hand: scans are optional, the one sent is attached.
    let registered = h.post_form(&path, &desk, &one_scan).await;
    assert_eq!(
        registered.status,
        StatusCode::SEE_OTHER,
        "{}",
        registered.text()
    );
    let id = dossier_id(&registered.location(), "/staff/dossiers/");
    assert_eq!(h.status(id).await, Some(2));
    let files = h
        .app
        .dossier_attachments(&h.actor("tiepnhan.ninhkieu").await, id)
        .await
        .expect("files");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].requirement_index, Some(0));
    assert_eq!(files[0].added_by_kind, "official");
    assert_eq!(files[0].file_name, "Tờ khai (bản quét).pdf");
}

/// The attachment id in a download link `…/files/{id}` that follows `after` in the page.
fn link_after(page: &str, after: &str, files_prefix: &str) -> Option<i64> {
    let start = page.find(after)?;
    let rest = &page[start..];
    let at = rest.find(files_prefix)? + files_prefix.len();
    rest[at..].split('"').next().and_then(|s| s.parse().ok())
}

async fn the_reception_checklist_shows_the_papers_and_asks_for_the_missing_ones(h: Harness) {
    let hau = h.citizen(HAU).await;
    let id = h.submit_online(&hau).await;
    let desk = h.official("tiepnhan.ninhkieu").await;
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
    assert_eq!(download.body, PDF);
    assert_eq!(download.headers[header::CONTENT_TYPE], "application/pdf");
    // The applicant sees the same papers on their page; others see nothing.
    let own = h
        .get(&format!("/my/dossiers/{id}/files/{declaration}"), &hau)
        .await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(own.body, PDF);
    let linh = h.citizen(LINH).await;
    let other_citizen = h
        .get(&format!("/my/dossiers/{id}/files/{declaration}"), &linh)
        .await;
    assert_eq!(other_citizen.status, StatusCode::NOT_FOUND);
    let elsewhere = h.official("tiepnhan.trunghung").await;
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
        .post_fields(
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
    let specialist = h.official("chuyenvien.ninhkieu").await;
    let page = h
        .get(&format!("/staff/dossiers/{id}"), &specialist)
        .await
        .text();
    assert!(page.contains("name=\"missing_paper.6\""), "{page}");
    let requested = h
        .post_fields(
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
    assert_eq!(h.status(id).await, Some(5));
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
}

/// Hậu's dossier, received and asked for papers 4 and 6 and one more paper.
async fn waiting_for_supplement(h: &Harness, hau: &Client) -> i64 {
    let id = h.submit_online(hau).await;
    h.app
        .receive_dossier(&h.actor("tiepnhan.ninhkieu").await, id)
        .await
        .expect("receive");
    let procedure = h
        .app
        .procedure_in_force(BIRTH, None)
        .await
        .expect("procedure")
        .procedure;
    h.app
        .act_on_dossier(
            &h.actor("chuyenvien.ninhkieu").await,
            id,
            Command::RequestSupplement {
                missing: vec![
                    procedure.required_documents[6].name.clone(),
                    "Bản sao sổ hộ khẩu".into(),
                ],
                reason: "Thiếu giấy tờ".into(),
            },
        )
        .await
        .expect("request supplement");
    id
}

async fn the_applicant_answers_a_supplement_request_with_files(h: Harness) {
    let hau = h.citizen(HAU).await;
    let id = waiting_for_supplement(&h, &hau).await;
    let page = h.get(&format!("/my/dossiers/{id}"), &hau).await.text();
    assert!(
        page.contains(&format!("action=\"/my/dossiers/{id}/supplement?_csrf="))
            && page.contains("name=\"supplement.0\" type=\"file\"")
            && page.contains("name=\"supplement.1\" type=\"file\""),
        "a file input per requested paper"
    );
    let before = h.blob_count().await;
    let path = format!("/my/dossiers/{id}/supplement");
    let wrong = h
        .post_form(
            &path,
            &hau,
            &[
                Part::File("supplement.0", "cu-tru.pdf", "application/pdf", PNG),
                Part::File("supplement.1", "ho-khau.pdf", "application/pdf", PDF),
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
    assert_eq!(h.status(id).await, Some(5), "still waiting");
    assert_eq!(h.blob_count().await, before, "nothing stored");
    // Another citizen, and an official on the citizen's route, are refused.
    let linh = h.citizen(LINH).await;
    let parts = [
        Part::File("supplement.0", "cu-tru.pdf", "application/pdf", PDF),
        Part::File("supplement.1", "ho-khau.png", "image/png", PNG),
    ];
    assert_eq!(
        h.post_form(&path, &linh, &parts).await.status,
        StatusCode::NOT_FOUND
    );
    let desk = h.official("tiepnhan.ninhkieu").await;
    assert_eq!(
        h.post_form(&path, &desk, &parts).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(h.status(id).await, Some(5));

    let done = h.post_form(&path, &hau, &parts).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    assert_ne!(h.status(id).await, Some(5), "processing continues");
    let files = h
        .app
        .dossier_attachments(&h.actor("tiepnhan.ninhkieu").await, id)
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
    let again = h.post_form(&path, &hau, &parts).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text());
}

async fn the_official_who_resolves_uploads_the_result_and_the_applicant_gets_it_once_issued(
    h: Harness,
) {
    let hau = h.citizen(HAU).await;
    let id = h.submit_online(&hau).await;
    h.app
        .receive_dossier(&h.actor("tiepnhan.ninhkieu").await, id)
        .await
        .expect("receive");
    h.app
        .act_on_dossier(
            &h.actor("chuyenvien.ninhkieu").await,
            id,
            Command::Forward {
                to_step: 1,
                assignee: None,
            },
        )
        .await
        .expect("forward");
    let leader_actor = h.actor("chutich.ninhkieu").await;
    for command in [Command::Approve, Command::Sign] {
        h.app
            .act_on_dossier(&leader_actor, id, command)
            .await
            .expect("leader acts");
    }
    let leader = h.official("chutich.ninhkieu").await;
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
            .get(&format!("/staff/dossiers/{id}"), &h.official(who).await)
            .await
            .text();
        assert!(!page.contains("id=\"result-form\""), "{who}");
    }
    let path = format!("/staff/dossiers/{id}/result");
    let result = [Part::File(
        "result",
        "Giấy khai sinh (bản chính).pdf",
        "application/pdf",
        b"%PDF-1.4 result",
    )];
    // Nobody else may upload it: same agency without the step, another commune, a citizen.
    for (who, expected) in [
        ("tiepnhan.ninhkieu", StatusCode::FORBIDDEN),
        ("chuyenvien.ninhkieu", StatusCode::FORBIDDEN),
        ("chutich.trunghung", StatusCode::FORBIDDEN),
    ] {
        let reply = h.post_form(&path, &h.official(who).await, &result).await;
        assert_eq!(reply.status, expected, "{who}: {}", reply.text());
    }
    assert_eq!(
        h.post_form(&path, &hau, &result).await.status,
        StatusCode::FORBIDDEN
    );
    let before = h.blob_count().await;
    let wrong = h
        .post_form(
            &path,
            &leader,
            &[Part::File(
                "result",
                "kq.pdf",
                "application/pdf",
                b"plain text",
            )],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().contains("<p class=\"error\" id=\"e-result\">"));
    let none = h.post_form(&path, &leader, &[]).await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(none.text().contains("Chưa chọn tệp"));
    assert_eq!(h.blob_count().await, before, "refusals store nothing");

    let uploaded = h.post_form(&path, &leader, &result).await;
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
        .post_fields(
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
    assert_eq!(h.status(id).await, Some(9));
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
    assert_eq!(download.body, b"%PDF-1.4 result");
    // Nobody else: another citizen (not found), another commune's officials (refused, as for
    // the dossier itself).
    let linh = h.citizen(LINH).await;
    assert_eq!(h.get(&href, &linh).await.status, StatusCode::NOT_FOUND);
    assert!(!h.get("/my/dossiers", &linh).await.text().contains(&href));
    let elsewhere = h.official("tiepnhan.trunghung").await;
    assert_eq!(
        h.get(&format!("{staff_prefix}{result_id}"), &elsewhere)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}
