//! The role matrix, against a table kept apart from the code: `role_matrix.tsv` says for every
//! route (method and path) whether each kind of caller is let through or refused. The test
//! walks every route of `routes::assemble` with every caller, on both databases, and compares
//! the answers with the table; a route missing from the table, or a row of the table that is no
//! longer a route, fails it too. The expectation is never computed from the route table under
//! test, so a route registered with the wrong `Access` (or a use case that forgets a
//! jurisdiction check) shows up as a difference to review.
//!
//! Each route is called with real targets in the ward Ninh Kiều (the citizen's received
//! dossier and its paper, the ward and its officials, a client and a role of the ward, the
//! birth registration procedure), so jurisdiction inside the use cases counts, not only the
//! route gate. An answer is `gate` when the route gate refused the caller (its `Access`),
//! `deny` when the use case refused them for who they are — 401, 403 or a redirect to a
//! sign-in page — and `allow` otherwise (a 404 or a 422 for the minimal body the test sends is
//! still "let through"). Telling the two refusals apart means a wrong `Access` shows even where
//! the use case would have refused the caller anyway. A 5xx fails the test.
//!
//! Page forms that the use case only reaches with a complete body — the uploads and imports
//! (multipart, CSRF token in the address), the procedure editor, the ID card check — get a
//! valid one ([`Targets::page_request`]), and for those an answer that lets the caller through
//! must be a success (2xx or a redirect), so their cells say what the use case decided.

#[macro_use]
mod support;

use axum::http::{Method, StatusCode, header};
use motcua_app::Actor;
use motcua_app::clients::ClientForm;
use motcua_app::test_support::{CITIZEN, WARD};
use motcua_domain::attachment::Purpose;
use motcua_web::routes::DENIED_HEADER;
use motcua_web::{AppState, WebConfig};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use support::{Client, Part, Web};

both!(every_route_answers_every_caller_as_the_reviewed_table_says);

const TABLE: &str = include_str!("role_matrix.tsv");

/// The kinds of caller, in the table's column order (and the order they are tried in).
const CALLERS: [&str; 7] = [
    "anonymous",
    "citizen",
    "official_of_unit",
    "official_other_unit",
    "ward_admin",
    "city_admin",
    "system_client",
];

const PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
const PROCEDURE: &str = "1.001193";
/// A yearly calendar notice line (TSV) for the calendar import page.
const NOTICE: &[u8] = "2027-01-01\tholiday\tTết Dương lịch\tBộ luật Lao động\n".as_bytes();

/// What a page form (a `POST` outside `/api/`) is sent.
enum PageRequest {
    /// `application/x-www-form-urlencoded` fields.
    Form(Vec<(&'static str, String)>),
    /// `multipart/form-data`: file input, file name, declared type, contents.
    Multipart(&'static str, &'static str, &'static str, Vec<u8>),
}

/// How a caller was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Let through (whatever the use case then said about the request itself).
    Allow,
    /// Refused by the route gate (`Access` in routes.rs).
    Gate,
    /// Let through the gate, refused by the use case (jurisdiction, ownership, a draft…).
    Deny,
}

impl Outcome {
    fn parse(cell: &str) -> Option<Outcome> {
        match cell {
            "allow" => Some(Outcome::Allow),
            "gate" => Some(Outcome::Gate),
            "deny" => Some(Outcome::Deny),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::Gate => "gate",
            Outcome::Deny => "deny",
        }
    }
}

/// `(method, path) → [outcome; 7]` from the table file.
fn expected() -> BTreeMap<(String, String), Vec<Outcome>> {
    let mut rows = BTreeMap::new();
    let mut lines = TABLE
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'));
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    assert_eq!(header[..2], ["method", "path"], "table header");
    assert_eq!(header[2..], CALLERS, "table header: the callers");
    for line in lines {
        let cells: Vec<&str> = line.split('\t').collect();
        assert_eq!(cells.len(), 2 + CALLERS.len(), "table row: {line}");
        let outcomes = cells[2..]
            .iter()
            .map(|c| {
                Outcome::parse(c)
                    .unwrap_or_else(|| panic!("table row {line}: {c} is not allow, gate or deny"))
            })
            .collect();
        let key = (cells[0].to_owned(), cells[1].to_owned());
        assert!(
            rows.insert(key.clone(), outcomes).is_none(),
            "table row twice: {key:?}"
        );
    }
    rows
}

/// The concrete targets the routes are called with.
struct Targets {
    dossier: i64,
    dossier_code: String,
    paper: i64,
    ward: i64,
    leaf_unit: i64,
    official: i64,
    role: i64,
    client: i64,
    client_token: i64,
    /// A paid counter payment of another dossier of the citizen at the ward.
    payment: i64,
    payment_reference: String,
    procedure_json: serde_json::Value,
    workflow_json: serde_json::Value,
    /// A draft version of the procedure (what the editor page saves).
    draft_version: i64,
    /// An incoming document registered by the ward's clerk.
    document: i64,
}

impl Targets {
    async fn new(h: &Web) -> Targets {
        let app = &h.f.app;
        let owner = h.f.citizen(CITIZEN).await;
        let submitted = h.f.submit().await;
        let paper = app
            .upload_attachment(
                &owner,
                "to-khai.pdf",
                None,
                motcua_blobs::Bytes::from_static(PDF),
            )
            .await
            .expect("upload");
        app.attach_to_dossier(&owner, submitted.id, paper.id, Purpose::Document, Some(0))
            .await
            .expect("attach");
        let received = app
            .receive_dossier(&h.f.official("tiepnhan.ninhkieu").await, submitted.id)
            .await
            .expect("receive");
        let obligation = h.f.received().await;
        app.act_on_dossier(
            &h.f.official("chuyenvien.ninhkieu").await,
            obligation.id,
            motcua_domain::dossier::Command::RequireFinancialObligation {
                description: "Lệ phí".into(),
                amount_vnd: Some(8_000),
            },
        )
        .await
        .expect("obligation");
        let payment = app
            .record_counter_payment(
                &h.f.official("tiepnhan.ninhkieu").await,
                obligation.id,
                motcua_domain::payment::PaymentMethod::Cash,
                "",
            )
            .await
            .expect("counter payment");
        let units = h.f.db.store.list_units().await.expect("units");
        let ward = units
            .iter()
            .find(|u| u.code.as_deref() == Some(WARD))
            .expect("ward")
            .id;
        let leaf_unit = units
            .iter()
            .find(|u| u.parent_id == Some(ward) && u.name == "Phòng Kinh tế, Hạ tầng và Đô thị")
            .expect("leaf unit")
            .id;
        let official =
            h.f.db
                .store
                .official_credentials("chuyenvien.ninhkieu")
                .await
                .expect("official")
                .id;
        let role = h.f.db.store.roles_of(official).await.expect("roles")[0].id;
        let client = app
            .create_system_client(
                &Actor::system(),
                &ClientForm {
                    name: "Bưu điện phường".into(),
                    unit_id: ward,
                    permissions: vec!["dossier_view".into()],
                    active: true,
                },
            )
            .await
            .expect("target client");
        let (client_token, _) = app
            .issue_client_token(&Actor::system(), client, "target", None)
            .await
            .expect("target token");
        let procedure = app
            .procedure_in_force(PROCEDURE, None)
            .await
            .expect("procedure")
            .procedure;
        let workflow = app.workflow(PROCEDURE, None).await.expect("workflow");
        let draft = app
            .create_procedure_draft(&Actor::system(), &procedure)
            .await
            .expect("draft");
        let document = app
            .register_incoming(
                &h.f.official("vanthu.ninhkieu").await,
                &motcua_app::documents::IncomingRegistration {
                    body_code: WARD.into(),
                    doc_type: "cong_van".into(),
                    code_number: "12/STP-VP".into(),
                    sender_organ: "Sở Tư pháp".into(),
                    subject: "Về việc rà soát hộ tịch".into(),
                    ..Default::default()
                },
            )
            .await
            .expect("target document")
            .document
            .id;
        Targets {
            document,
            dossier: received.id,
            dossier_code: received.code.clone().expect("code"),
            paper: paper.id,
            ward,
            leaf_unit,
            official,
            role,
            client,
            client_token,
            payment: payment.id,
            payment_reference: payment.reference.clone(),
            procedure_json: serde_json::to_value(&procedure).expect("procedure json"),
            workflow_json: serde_json::to_value(&workflow).expect("workflow json"),
            draft_version: draft.row.version,
        }
    }

    /// `path` with its parameters replaced by the targets, plus a query where one is needed
    /// to reach the use case (a period, an agency).
    fn concrete(&self, method: &Method, path: &str) -> String {
        let id = if path.contains("/office-hours/{id}") {
            self.ward
        } else if path.contains("/units/{id}") {
            if path.ends_with("/delete") || *method == Method::DELETE {
                self.leaf_unit
            } else {
                self.ward
            }
        } else if path.contains("/officials/{id}") {
            self.official
        } else if path.contains("/roles/{id}") {
            self.role
        } else if path.contains("/clients/{id}") {
            self.client
        } else if path.contains("/payments/{id}") {
            self.payment
        } else if path.contains("/documents/{id}") {
            self.document
        } else {
            self.dossier
        };
        let code = if path.starts_with("/lang/") {
            "en".to_owned()
        } else if path.starts_with("/tra-cuu/") || path.starts_with("/api/v1/lookup/") {
            self.dossier_code.clone()
        } else if path.starts_with("/api/v1/agencies/") {
            WARD.to_owned()
        } else {
            PROCEDURE.to_owned()
        };
        let version =
            if *method == Method::POST && path == "/admin/procedures/{code}/versions/{version}" {
                self.draft_version.to_string()
            } else {
                "1".to_owned()
            };
        let mut concrete = path
            .replace("{id}", &id.to_string())
            .replace("{attachment_id}", &self.paper.to_string())
            .replace("{token_id}", &self.client_token.to_string())
            .replace("{unit_id}", &self.ward.to_string())
            .replace("{code}", &code)
            .replace("{version}", &version)
            .replace("{form}", "mau01.pdf")
            .replace("{date}", "2026-12-31")
            .replace("{name}", "app.css")
            .replace("{file}", "units.json")
            .replace("{what}", "units")
            .replace("{gateway}", "vnpay")
            .replace("{reference}", &self.payment_reference);
        if path.contains("/reconciliation") {
            concrete.push_str(&format!("?unit_id={}&day=2026-12-07", self.ward));
        }
        if path.contains("tracking-book") || path.ends_with("/ratings") {
            concrete.push_str(&format!("?agency={WARD}&from=2026-12-07&to=2026-12-07"));
        }
        concrete
    }

    /// A complete, valid body for the page forms whose use case is only reached with one, so
    /// an allowed caller's request is carried out; `None` for the other page forms.
    fn page_request(&self, path: &str) -> Option<PageRequest> {
        let document = || self.procedure_json.to_string();
        Some(match path {
            "/staff/dossiers/{id}/result" => {
                PageRequest::Multipart("result", "ket-qua.pdf", "application/pdf", PDF.to_vec())
            }
            "/admin/procedures/import" => PageRequest::Multipart(
                "file",
                "catalogue.json",
                "application/json",
                format!("[{}]", document()).into_bytes(),
            ),
            "/admin/calendar/import" => {
                PageRequest::Multipart("file", "notice.tsv", "text/plain", NOTICE.to_vec())
            }
            "/admin/procedures" | "/admin/procedures/{code}/versions/{version}" => {
                PageRequest::Form(vec![("document", document())])
            }
            "/staff/citizens/id-proof" => {
                PageRequest::Form(vec![("personal_id", CITIZEN.to_owned())])
            }
            _ => return None,
        })
    }

    /// A JSON body that gets past parsing where parsing comes before the access check.
    fn body(&self, method: &Method, path: &str) -> Option<serde_json::Value> {
        if !(matches!(*method, Method::POST | Method::PUT) && path.starts_with("/api/")) {
            return None;
        }
        Some(match path {
            "/api/v1/dossiers/{id}/actions" => serde_json::json!({"command": "receive"}),
            "/api/v1/documents/{id}/actions" => serde_json::json!({"command": "approve"}),
            "/api/v1/my/dossiers/{id}/actions" => {
                serde_json::json!({"command": "supplement_provided"})
            }
            "/api/v1/dossiers/{id}/attachments" => serde_json::json!({
                "attachment_id": self.paper, "purpose": "document", "requirement": 0
            }),
            "/api/v1/dossiers/{id}/payments" => serde_json::json!({"gateway": "vnpay"}),
            "/api/v1/dossiers/{id}/payments/counter" => serde_json::json!({"method": "cash"}),
            "/api/v1/dossiers/{id}/payments/exemption" => {
                serde_json::json!({"category": "Hộ nghèo"})
            }
            "/api/v1/dossiers/{id}/payments/exemption/decision" => {
                serde_json::json!({"confirm": true})
            }
            "/api/v1/payments/{id}/cancel" | "/api/v1/payments/{id}/refund" => {
                serde_json::json!({"reason": "Thử"})
            }
            "/api/v1/procedures" => self.procedure_json.clone(),
            "/api/v1/workflows" => self.workflow_json.clone(),
            "/api/v1/clients/{id}/webhook" => {
                serde_json::json!({"url": "https://hethong.example.vn/webhook"})
            }
            "/api/v1/search-synonyms" => {
                serde_json::json!({"phrase": "thử nghiệm", "expansion": "kiểm tra"})
            }
            "/api/v1/procedures/{code}/versions/{version}/publish" => {
                serde_json::json!({"effective_from": "2026-12-31"})
            }
            "/api/v1/calendar/overrides/{date}" => {
                serde_json::json!({"kind": "holiday", "name": "Thử", "basis": "Thử"})
            }
            _ => serde_json::json!({}),
        })
    }
}

async fn caller(h: &Web, kind: &str, system_client: &str) -> Client {
    match kind {
        "anonymous" => Client::Anonymous,
        "citizen" => h.citizen(CITIZEN).await,
        "official_of_unit" => h.official_session("tiepnhan.ninhkieu").await,
        "official_other_unit" => h.official_session("tiepnhan.trunghung").await,
        "ward_admin" => h.official_session("quantri.ninhkieu").await,
        "city_admin" => h.official_session("admin").await,
        "system_client" => Client::Bearer(system_client.to_owned()),
        other => panic!("unknown caller {other}"),
    }
}

fn outcome(reply: &support::Reply) -> Outcome {
    let to_signin = reply.status == StatusCode::SEE_OTHER
        && reply
            .headers
            .get(header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .is_some_and(|l| l.starts_with("/signin") || l.starts_with("/staff/signin"));
    if reply.headers.contains_key(DENIED_HEADER) {
        Outcome::Gate
    } else if reply.status == StatusCode::UNAUTHORIZED
        || reply.status == StatusCode::FORBIDDEN
        || to_signin
    {
        Outcome::Deny
    } else {
        Outcome::Allow
    }
}

async fn every_route_answers_every_caller_as_the_reviewed_table_says(h: Web) -> Web {
    let table = expected();
    let state = AppState {
        app: h.f.app.clone(),
        config: Arc::new(WebConfig::default()),
        metrics: None,
    };
    let (_, specs) = motcua_web::routes::assemble(state);
    let routes: BTreeSet<(String, String)> = specs
        .iter()
        .map(|s| (s.method.to_string(), s.path.to_owned()))
        .collect();
    let listed: BTreeSet<(String, String)> = table.keys().cloned().collect();
    let unlisted: Vec<_> = routes.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&routes).collect();
    assert!(
        unlisted.is_empty() && stale.is_empty(),
        "routes missing from role_matrix.tsv: {unlisted:?}; rows of role_matrix.tsv that are no route: {stale:?}"
    );

    let targets = Targets::new(&h).await;
    // The calling system client: the national portal connector, reading the ward's dossiers.
    let portal =
        h.f.app
            .create_system_client(
                &Actor::system(),
                &ClientForm {
                    name: "Cổng Dịch vụ công quốc gia".into(),
                    unit_id: targets.ward,
                    permissions: vec!["dossier_view".into(), "org_read".into()],
                    active: true,
                },
            )
            .await
            .expect("client");
    let (_, portal_token) =
        h.f.app
            .issue_client_token(&Actor::system(), portal, "matrix", None)
            .await
            .expect("client token");

    let mut differences = Vec::new();
    let mut actual_table = String::new();
    for spec in &specs {
        let path = targets.concrete(&spec.method, spec.path);
        let mut row = format!("{}\t{}", spec.method, spec.path);
        for (column, kind) in CALLERS.iter().enumerate() {
            // A fresh session per request: some routes (sign-out) end the session they get.
            let client = caller(&h, kind, &portal_token).await;
            let complete = if spec.method == Method::POST && !spec.path.starts_with("/api/") {
                targets.page_request(spec.path)
            } else {
                None
            };
            let carried_out = complete.is_some();
            let reply = if spec.path.starts_with("/api/")
                || !matches!(spec.method, Method::POST | Method::PUT)
            {
                h.send(
                    spec.method.clone(),
                    &path,
                    &client,
                    targets.body(&spec.method, spec.path),
                )
                .await
            } else {
                let request = complete.unwrap_or_else(|| {
                    // The others get no field but the date the publish form needs to be read.
                    let publish =
                        spec.path == "/admin/procedures/{code}/versions/{version}/publish";
                    PageRequest::Form(if publish {
                        vec![("effective_from", "2026-12-31".to_owned())]
                    } else {
                        Vec::new()
                    })
                });
                match request {
                    PageRequest::Form(fields) => {
                        let fields: Vec<(&str, &str)> =
                            fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                        h.form(&path, &client, &fields).await
                    }
                    PageRequest::Multipart(input, file_name, media_type, bytes) => {
                        let file = Part::File(input, file_name, Some(media_type), &bytes);
                        h.multipart_parts(&path, &client, &[file]).await
                    }
                }
            };
            // The shared harness runs without a metrics recorder: /metrics says so with 503.
            let unavailable_metrics =
                spec.path == "/metrics" && reply.status == StatusCode::SERVICE_UNAVAILABLE;
            assert!(
                !reply.status.is_server_error() || unavailable_metrics,
                "{} {path} as {kind}: {} {}",
                spec.method,
                reply.status,
                reply.text().chars().take(300).collect::<String>()
            );
            let answered = outcome(&reply);
            row.push('\t');
            row.push_str(answered.as_str());
            // A complete request that was let through is carried out.
            if answered == Outcome::Allow
                && carried_out
                && !(reply.status.is_success() || reply.status.is_redirection())
            {
                differences.push(format!(
                    "{} {} as {kind}: let through but not carried out ({}) {}",
                    spec.method,
                    spec.path,
                    reply.status,
                    reply.text().chars().take(300).collect::<String>()
                ));
            }
            let key = (spec.method.to_string(), spec.path.to_owned());
            let expected = table.get(&key).map(|r| r[column]);
            if expected != Some(answered) {
                differences.push(format!(
                    "{} {} as {kind}: table says {}, answer {} ({}) {}",
                    spec.method,
                    spec.path,
                    expected.map_or("nothing", Outcome::as_str),
                    answered.as_str(),
                    reply.status,
                    reply.text().chars().take(160).collect::<String>()
                ));
            }
        }
        actual_table.push_str(&row);
        actual_table.push('\n');
    }
    assert!(
        differences.is_empty(),
        "{} answers differ from role_matrix.tsv:\n{}\n\nThe answers as a table (review before copying any line):\n{actual_table}",
        differences.len(),
        differences.join("\n")
    );
    h
}
