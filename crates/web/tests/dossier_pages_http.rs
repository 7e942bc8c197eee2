//! The dossier pages (no JavaScript): the application form, and each page offering only the
//! actions its caller may take.
//! Each test runs on SQLite and on PostgreSQL over the shared [`support`] harness.

#[macro_use]
mod support;

use axum::http::{Method, StatusCode, header};
use support::{Client, Web, birth_form};

both!(
    dossier_pages_offer_only_the_actions_the_caller_may_take,
    a_supplement_request_names_the_day_to_supplement_by,
);

async fn dossier_pages_offer_only_the_actions_the_caller_may_take(h: Web) -> Web {
    let citizen = h.citizen("092095001234").await;
    let before = h.f.db.store.dossier_ids().await.expect("ids").len();
    // The online form is generated from the schema; a bad submission explains each field.
    let form = h
        .send(Method::GET, "/dossiers/new/1.001193", &citizen, None)
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.text().contains("name=\"tre_ho_ten\"")
            && form.text().contains("name=\"me_noi_cu_tru.street\""),
        "generated inputs"
    );
    let refused = h
        .multipart(
            "/dossiers/new/1.001193",
            &citizen,
            &[("agency", "000.00.30.H13"), ("tre_ho_ten", "Bé Na")],
            &[],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.text().contains("aria-invalid=\"true\""),
        "errors next to their inputs"
    );
    assert!(
        refused.text().contains("value=\"Bé Na\""),
        "what was typed is kept"
    );
    assert_eq!(
        h.f.db.store.dossier_ids().await.expect("ids").len(),
        before,
        "nothing stored"
    );
    let mut fields: Vec<(String, String)> = vec![("agency".into(), "000.00.30.H13".into())];
    for (key, value) in birth_form().as_object().expect("form") {
        match value {
            serde_json::Value::Object(parts) => {
                for (part, v) in parts {
                    fields.push((
                        format!("{key}.{part}"),
                        v.as_str().unwrap_or_default().to_owned(),
                    ));
                }
            }
            serde_json::Value::String(text) => fields.push((key.clone(), text.clone())),
            other => fields.push((key.clone(), other.to_string())),
        }
    }
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    // The three papers the procedure marks required (tờ khai, giấy chứng sinh, giấy tờ tùy thân).
    let pdf: &[u8] = b"%PDF-1.4 paper";
    let submitted = h
        .multipart(
            "/dossiers/new/1.001193",
            &citizen,
            &pairs,
            &[
                ("paper.0", "to-khai.pdf", pdf),
                ("paper.1", "chung-sinh.pdf", pdf),
                ("paper.5", "cccd.pdf", pdf),
            ],
        )
        .await;
    assert_eq!(
        submitted.status,
        StatusCode::SEE_OTHER,
        "{}",
        submitted.text()
    );
    let location = submitted.headers[header::LOCATION]
        .to_str()
        .expect("location")
        .to_owned();
    let id: i64 = location
        .trim_start_matches("/my/dossiers/")
        .split('?')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("id");
    let mine = h.send(Method::GET, &location, &citizen, None).await;
    assert!(
        mine.text().contains("Đã thực hiện") && mine.text().contains("do-withdraw"),
        "the applicant may withdraw"
    );
    assert!(!mine.text().contains("do-receive"), "but not receive");

    let reception = h.official_session("tiepnhan.ninhkieu").await;
    let queue = h
        .send(
            Method::GET,
            "/staff/dossiers?queue=receive",
            &reception,
            None,
        )
        .await;
    assert!(
        queue.text().contains(&format!("/staff/dossiers/{id}")),
        "in the desk's queue"
    );
    assert!(
        queue.text().contains("Đăng ký khai sinh"),
        "rows name the procedure, not only its code"
    );
    let page = h
        .send(
            Method::GET,
            &format!("/staff/dossiers/{id}"),
            &reception,
            None,
        )
        .await;
    assert!(
        page.text().contains("do-receive") && page.text().contains("do-refuse"),
        "reception may receive or refuse"
    );
    assert!(!page.text().contains("do-approve"));
    let specialist = h.official_session("chuyenvien.ninhkieu").await;
    let page = h
        .send(
            Method::GET,
            &format!("/staff/dossiers/{id}"),
            &specialist,
            None,
        )
        .await;
    assert!(
        !page.text().contains("do-receive"),
        "a specialist does not receive"
    );
    let denied = h
        .form(
            &format!("/staff/dossiers/{id}/actions"),
            &specialist,
            &[("command", "receive")],
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let other = h.official_session("tiepnhan.trunghung").await;
    assert_eq!(
        h.send(Method::GET, &format!("/staff/dossiers/{id}"), &other, None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let received = h
        .form(
            &format!("/staff/dossiers/{id}/actions"),
            &reception,
            &[("command", "receive")],
        )
        .await;
    assert_eq!(
        received.status,
        StatusCode::SEE_OTHER,
        "{}",
        received.text()
    );
    let page = h
        .send(
            Method::GET,
            &format!("/staff/dossiers/{id}"),
            &specialist,
            None,
        )
        .await;
    assert!(
        page.text().contains("do-forward") && page.text().contains("receipt-pdf"),
        "the specialist's step"
    );
    let empty = h
        .form(
            &format!("/staff/dossiers/{id}/actions"),
            &specialist,
            &[
                ("command", "request_supplement"),
                ("missing", ""),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        empty.text().contains("Vui lòng nhập đủ nội dung"),
        "{}",
        empty.text()
    );
    // Forwarding names the next official: the page offers the ward's officials, consulting
    // offers the other agencies; an official without the step's role is refused by name.
    assert!(
        page.text().contains("name=\"assignee\"") && page.text().contains("Nguyễn Thị Thu Trang"),
        "assignee choice on the forward form"
    );
    assert!(
        page.text().contains("<select id=\"f-unit\" name=\"unit\">")
            && page.text().contains("value=\"000.00.10.H13\""),
        "consult offers the other agencies"
    );
    let leader_id =
        h.f.db
            .store
            .official_credentials("chutich.ninhkieu")
            .await
            .expect("leader")
            .id
            .to_string();
    let wrong = h
        .form(
            &format!("/staff/dossiers/{id}/actions"),
            &specialist,
            &[
                ("command", "forward"),
                ("to_step", "1"),
                ("assignee", "999999"),
            ],
        )
        .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.text()
    );
    let forwarded = h
        .form(
            &format!("/staff/dossiers/{id}/actions"),
            &specialist,
            &[
                ("command", "forward"),
                ("to_step", "1"),
                ("assignee", &leader_id),
            ],
        )
        .await;
    assert_eq!(
        forwarded.status,
        StatusCode::SEE_OTHER,
        "{}",
        forwarded.text()
    );
    let assigned = h
        .send(
            Method::GET,
            "/staff/dossiers?queue=assigned",
            &h.official_session("chutich.ninhkieu").await,
            None,
        )
        .await;
    assert!(
        assigned.text().contains(&format!("/staff/dossiers/{id}")),
        "in the leader's 'assigned to me' queue"
    );
    h
}

/// Hạn bổ sung: the desk's supplement form takes an optional day; a malformed day, today or a
/// past day is refused in Vietnamese and changes nothing (page and API alike); a good day is
/// shown to the applicant on their dossier page and on the public lookup, and stays out of
/// sight once the papers are in.
async fn a_supplement_request_names_the_day_to_supplement_by(h: Web) -> Web {
    let dossier = h.f.submit().await;
    let id = dossier.id;
    let code = dossier.code.clone().expect("code");
    let reception = h.official_session("tiepnhan.ninhkieu").await;
    let citizen = h.citizen(motcua_app::test_support::CITIZEN).await;
    let staff_page = format!("/staff/dossiers/{id}");
    let page = h.send(Method::GET, &staff_page, &reception, None).await;
    assert!(
        page.text().contains("name=\"due_by\""),
        "the supplement form asks for the day"
    );
    let before = h.f.row(id).await.dossier().expect("state");
    let actions = format!("/staff/dossiers/{id}/actions");
    // The fixture's today is Monday 07/12/2026.
    for (typed, message) in [
        ("31/02/2026", "Hạn bổ sung không đúng định dạng"),
        ("ngày mai", "Hạn bổ sung không đúng định dạng"),
        ("07/12/2026", "Hạn bổ sung phải sau ngày hôm nay"),
        ("2026-12-01", "Hạn bổ sung phải sau ngày hôm nay"),
    ] {
        let refused = h
            .form(
                &actions,
                &reception,
                &[
                    ("command", "request_supplement"),
                    ("missing", "Giấy chứng sinh (bản chính)"),
                    ("reason", "Thiếu giấy chứng sinh"),
                    ("due_by", typed),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{typed}");
        assert!(
            refused.text().contains(message),
            "{typed}: {}",
            refused.text()
        );
        assert_eq!(
            h.f.row(id).await.dossier().expect("state"),
            before,
            "{typed}: nothing changed"
        );
    }
    // The API refuses the same way, on the field.
    let api = h.official("tiepnhan.ninhkieu").await;
    let api_actions = format!("/api/v1/dossiers/{id}/actions");
    for (typed, field_code) in [
        ("31/02/2026", "error-supplement-due-date"),
        ("2026-12-07", "dossier-supplement-due-not-future"),
    ] {
        let reply = h
            .post(
                &api_actions,
                &api,
                serde_json::json!({"command": "request_supplement",
                    "missing": ["Giấy chứng sinh (bản chính)"], "due_by": typed}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{typed}");
        assert_eq!(reply.field_code(), field_code, "{}", reply.text());
        assert_eq!(reply.json()["error"]["fields"][0]["field"], "due_by");
    }
    assert_eq!(h.f.row(id).await.dossier().expect("state"), before);

    let asked = h
        .form(
            &actions,
            &reception,
            &[
                ("command", "request_supplement"),
                ("missing", "Giấy chứng sinh (bản chính)"),
                ("reason", "Thiếu giấy chứng sinh"),
                ("due_by", "18/12/2026"),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.text());
    let mine = h
        .send(Method::GET, &format!("/my/dossiers/{id}"), &citizen, None)
        .await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(
        mine.text()
            .contains("<p id=\"supplement-due\"><strong>Hạn bổ sung: 18/12/2026</strong></p>"),
        "{}",
        mine.text()
    );
    let lookup = h
        .send(
            Method::GET,
            &format!("/tra-cuu/{code}"),
            &Client::Anonymous,
            None,
        )
        .await;
    assert!(
        lookup
            .text()
            .contains("<dd id=\"lookup-supplement-due\">18/12/2026</dd>"),
        "{}",
        lookup.text()
    );
    let api_lookup = h
        .get(&format!("/api/v1/lookup/{code}"), &Client::Anonymous)
        .await;
    assert_eq!(api_lookup.json()["supplement_due"], "2026-12-18");

    // Once the papers are in, the day is history: the timeline keeps it, the lookup drops it.
    let provided = h
        .form(&actions, &reception, &[("command", "supplement_provided")])
        .await;
    assert_eq!(
        provided.status,
        StatusCode::SEE_OTHER,
        "{}",
        provided.text()
    );
    let lookup = h
        .send(
            Method::GET,
            &format!("/tra-cuu/{code}"),
            &Client::Anonymous,
            None,
        )
        .await;
    assert!(!lookup.text().contains("lookup-supplement-due"));
    let page = h.send(Method::GET, &staff_page, &reception, None).await;
    assert!(
        page.text().contains("Hạn bổ sung: 18/12/2026")
            && !page.text().contains("id=\"supplement-due\""),
        "{}",
        page.text()
    );
    h
}
