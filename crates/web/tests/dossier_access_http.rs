//! One door to a dossier and everything under it, over HTTP on both databases: a citizen's
//! draft is theirs alone on every sub-resource route (files, forms, rating, staff pages), and
//! an anonymous caller gets the same answer whether or not a dossier exists.

#[macro_use]
mod support;

use axum::http::{Method, StatusCode};
use motcua_app::dossiers::Submission;
use motcua_app::test_support::{CITIZEN, WARD, birth_registration};
use motcua_domain::attachment::Purpose;
use support::{Client, Web};

both!(
    a_citizens_draft_is_not_found_by_officials_on_any_route,
    an_anonymous_caller_learns_nothing_of_which_dossiers_exist,
);

const PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

async fn a_citizens_draft_is_not_found_by_officials_on_any_route(h: Web) -> Web {
    let owner = h.f.citizen(CITIZEN).await;
    let draft =
        h.f.app
            .save_draft(
                &owner,
                None,
                &Submission {
                    procedure_code: "1.001193".into(),
                    agency_code: WARD.into(),
                    form: birth_registration(),
                    attachments: Vec::new(),
                    delivery: Default::default(),
                    postal: Default::default(),
                },
            )
            .await
            .expect("draft");
    let paper =
        h.f.app
            .upload_attachment(
                &owner,
                "to-khai.pdf",
                None,
                motcua_blobs::Bytes::from_static(PDF),
            )
            .await
            .expect("upload");
    h.f.app
        .attach_to_dossier(&owner, draft.id, paper.id, Purpose::Document, Some(0))
        .await
        .expect("attach to the draft");
    let id = draft.id;
    let file = paper.id;

    // The owner sees the draft and its paper: the refusals below are not for want of data.
    let citizen = h.citizen(CITIZEN).await;
    let own = h
        .get(&format!("/api/v1/dossiers/{id}/attachments"), &citizen)
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text());
    assert_eq!(
        own.json().as_array().map(Vec::len),
        Some(1),
        "{}",
        own.text()
    );
    let own_file = h
        .get(
            &format!("/api/v1/dossiers/{id}/attachments/{file}"),
            &citizen,
        )
        .await;
    assert_eq!(own_file.status, StatusCode::OK);

    // Officials who may view the ward's dossiers: of the ward the draft is addressed to, and
    // the city's inspector above it.
    for username in ["tiepnhan.ninhkieu", "chutich.ninhkieu", "thanhtra"] {
        let api = h.official(username).await;
        let page = h.official_session(username).await;
        let scan =
            h.f.app
                .upload_attachment(
                    &h.f.official(username).await,
                    "scan.pdf",
                    None,
                    motcua_blobs::Bytes::from_static(PDF),
                )
                .await
                .expect("official upload");
        let attach =
            serde_json::json!({"attachment_id": scan.id, "purpose": "document", "requirement": 0});
        let requests: Vec<(Method, String, &Client, Option<serde_json::Value>)> = vec![
            (Method::GET, format!("/api/v1/dossiers/{id}"), &api, None),
            (
                Method::GET,
                format!("/api/v1/dossiers/{id}/attachments"),
                &api,
                None,
            ),
            (
                Method::POST,
                format!("/api/v1/dossiers/{id}/attachments"),
                &api,
                Some(attach.clone()),
            ),
            (
                Method::GET,
                format!("/api/v1/dossiers/{id}/attachments/{file}"),
                &api,
                None,
            ),
            (
                Method::GET,
                format!("/api/v1/dossiers/{id}/forms/mau01.pdf"),
                &api,
                None,
            ),
            (
                Method::GET,
                format!("/api/v1/dossiers/{id}/rating"),
                &api,
                None,
            ),
            (Method::GET, format!("/staff/dossiers/{id}"), &page, None),
            (
                Method::GET,
                format!("/staff/dossiers/{id}/files/{file}"),
                &page,
                None,
            ),
        ];
        for (method, path, client, body) in requests {
            let reply = h.send(method.clone(), &path, client, body).await;
            assert_eq!(
                reply.status,
                StatusCode::NOT_FOUND,
                "{method} {path} as {username}: {}",
                reply.text()
            );
        }
    }
    // Nothing was attached by anyone but the owner.
    let links = h
        .get(&format!("/api/v1/dossiers/{id}/attachments"), &citizen)
        .await;
    assert_eq!(links.json().as_array().map(Vec::len), Some(1));
    h
}

async fn an_anonymous_caller_learns_nothing_of_which_dossiers_exist(h: Web) -> Web {
    let existing = h.f.received().await.id;
    let missing = existing + 100_000;
    for suffix in ["", "/forms/mau01.pdf", "/rating"] {
        let real = h
            .get(
                &format!("/api/v1/dossiers/{existing}{suffix}"),
                &Client::Anonymous,
            )
            .await;
        let none = h
            .get(
                &format!("/api/v1/dossiers/{missing}{suffix}"),
                &Client::Anonymous,
            )
            .await;
        assert_eq!(
            real.status,
            StatusCode::UNAUTHORIZED,
            "{suffix}: {}",
            real.text()
        );
        assert_eq!(
            (real.status, real.text()),
            (none.status, none.text()),
            "{suffix}"
        );
    }
    h
}
