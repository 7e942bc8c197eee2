//! The unit and official directory over HTTP: creating units through the API (and refusing
//! bad JSON), the commune administrator's jurisdiction, audited role changes, export/import.
//! Each test runs on SQLite and on PostgreSQL over the shared [`support`] harness.

#[macro_use]
mod support;

use axum::http::{Method, StatusCode};
use motcua_app::{Actor, App, AppSettings};
use motcua_store::test_support::TestDatabase;
use support::Web;

both!(
    bad_json_gets_a_clear_error_and_changes_nothing,
    jurisdiction_limits_what_a_commune_administrator_manages,
    role_changes_are_audited,
    units_and_officials_survive_an_export_import_round_trip,
);

async fn bad_json_gets_a_clear_error_and_changes_nothing(h: Web) -> Web {
    let admin = h.official("admin").await;
    let before = h.f.db.store.count_units().await.expect("count");
    let malformed = h
        .send_bytes(
            Method::POST,
            "/api/v1/units",
            &admin,
            "application/json",
            b"{\"name\": ".to_vec(),
        )
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.json()["error"]["code"], "error-malformed-json");
    assert_eq!(
        malformed.json()["error"]["message"],
        "Dữ liệu JSON không đúng cú pháp."
    );
    let unknown = h.send(Method::POST, "/api/v1/units", &admin, Some(serde_json::json!({"parent_id": null, "kind": "unit", "level": "commune", "name": "X", "colour": "red"}))).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.json()["error"]["code"], "error-json-shape");
    assert!(
        unknown.json()["error"]["message"]
            .as_str()
            .expect("message")
            .contains("colour")
    );
    let oversize = h
        .send_bytes(
            Method::POST,
            "/api/v1/units",
            &admin,
            "application/json",
            vec![b' '; 2 * 1024 * 1024],
        )
        .await;
    assert_eq!(oversize.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(oversize.json()["error"]["code"], "error-body-too-large");
    let parent = h.unit_id("UBND phường Ninh Kiều").await;
    let invalid = h
        .send_english(Method::POST, "/api/v1/units", &admin, Some(serde_json::json!({"parent_id": parent, "kind": "castle", "level": "commune", "name": "", "code": "12"})))
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = invalid.json()["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["field"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(fields, vec!["name", "kind", "code"]);
    assert!(
        invalid.json()["error"]["fields"][2]["message"]
            .as_str()
            .expect("message")
            .contains("QCVN 102")
    );
    let wrong_type = h
        .send_bytes(
            Method::POST,
            "/api/v1/units",
            &admin,
            "text/plain",
            b"hello".to_vec(),
        )
        .await;
    assert_eq!(wrong_type.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(h.f.db.store.count_units().await.expect("count"), before);
    let ok = h.send(Method::POST, "/api/v1/units", &admin, Some(serde_json::json!({"parent_id": parent, "kind": "unit", "level": "commune", "name": "Tổ Công nghệ số"}))).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text());
    assert_eq!(h.f.db.store.count_units().await.expect("count"), before + 1);
    h
}

async fn jurisdiction_limits_what_a_commune_administrator_manages(h: Web) -> Web {
    let local_admin = h.official("quantri.ninhkieu").await;
    let ninh_kieu = h.unit_id("UBND phường Ninh Kiều").await;
    let trung_hung = h.unit_id("UBND xã Trung Hưng").await;
    let inside = h.send(Method::POST, "/api/v1/units", &local_admin, Some(serde_json::json!({"parent_id": ninh_kieu, "kind": "unit", "level": "commune", "name": "Tổ Một cửa lưu động"}))).await;
    assert_eq!(inside.status, StatusCode::CREATED, "{}", inside.text());
    let before = h.f.db.store.count_units().await.expect("count");
    let outside = h.send(Method::POST, "/api/v1/units", &local_admin, Some(serde_json::json!({"parent_id": trung_hung, "kind": "unit", "level": "commune", "name": "Tổ lạ"}))).await;
    assert_eq!(outside.status, StatusCode::FORBIDDEN);
    assert_eq!(h.f.db.store.count_units().await.expect("count"), before);
    let listed = h
        .send(Method::GET, "/api/v1/officials", &local_admin, None)
        .await;
    let usernames: Vec<String> = listed
        .json()
        .as_array()
        .expect("list")
        .iter()
        .map(|o| o["username"].as_str().unwrap_or("").to_owned())
        .collect();
    assert!(usernames.contains(&"tiepnhan.ninhkieu".to_owned()));
    assert!(
        !usernames
            .iter()
            .any(|u| u.ends_with("trunghung") || u == "admin"),
        "{usernames:?}"
    );
    let other =
        h.f.db
            .store
            .official_credentials("tiepnhan.trunghung")
            .await
            .expect("official")
            .id;
    let peek = h
        .send(
            Method::GET,
            &format!("/api/v1/officials/{other}"),
            &h.official("tiepnhan.ninhkieu").await,
            None,
        )
        .await;
    assert_eq!(peek.status, StatusCode::FORBIDDEN);
    let grant = h
        .send(
            Method::POST,
            &format!("/api/v1/officials/{other}/roles"),
            &local_admin,
            Some(serde_json::json!({"role": "leader", "unit_id": trung_hung})),
        )
        .await;
    assert_eq!(
        grant.status,
        StatusCode::FORBIDDEN,
        "cannot hand out roles outside the ward"
    );
    h
}

async fn role_changes_are_audited(h: Web) -> Web {
    let admin = h.official("admin").await;
    let official =
        h.f.db
            .store
            .official_credentials("chuyenvien.ninhkieu")
            .await
            .expect("official")
            .id;
    let unit = h.unit_id("UBND phường Ninh Kiều").await;
    let reply = h
        .send(
            Method::POST,
            &format!("/api/v1/officials/{official}/roles"),
            &admin,
            Some(serde_json::json!({"role": "unit_head", "unit_id": unit})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
    let audit = h
        .send(
            Method::GET,
            "/api/v1/audit?action=role.assign",
            &admin,
            None,
        )
        .await;
    let entries = audit.json();
    assert_eq!(entries.as_array().expect("entries").len(), 1);
    assert_eq!(entries[0]["detail"]["role"], "unit_head");
    let roles = h.f.db.store.roles_of(official).await.expect("roles");
    let granted = roles
        .iter()
        .find(|r| r.role == "unit_head")
        .expect("granted");
    let revoke = h
        .send(
            Method::DELETE,
            &format!("/api/v1/roles/{}", granted.id),
            &admin,
            None,
        )
        .await;
    assert_eq!(revoke.status, StatusCode::NO_CONTENT);
    assert_eq!(
        h.f.db
            .store
            .list_audit(Some("role.revoke"), 10, None)
            .await
            .expect("audit")
            .len(),
        1
    );
    let bogus = h
        .send(
            Method::POST,
            &format!("/api/v1/officials/{official}/roles"),
            &admin,
            Some(serde_json::json!({"role": "emperor", "unit_id": unit})),
        )
        .await;
    assert_eq!(bogus.status, StatusCode::UNPROCESSABLE_ENTITY);
    h
}

async fn units_and_officials_survive_an_export_import_round_trip(h: Web) -> Web {
    use motcua_app::transfer::Format;
    let system = Actor::system();
    for format in [Format::Json, Format::Csv] {
        let units = h.f.app.export_units(&system, format).await.expect("units");
        let officials =
            h.f.app
                .export_officials(&system, format)
                .await
                .expect("officials");
        let target = TestDatabase::new(h.f.db.store.backend()).await;
        let fresh = App::new(target.store.clone(), AppSettings::default());
        let report = fresh
            .import_units(&system, &units, format)
            .await
            .expect("import units");
        assert_eq!(report.created, 42);
        let report = fresh
            .import_officials(&system, &officials, format)
            .await
            .expect("import officials");
        assert_eq!(report.created, 18);
        assert_eq!(
            fresh.export_units(&system, format).await.expect("again"),
            units
        );
        assert_eq!(
            fresh
                .export_officials(&system, format)
                .await
                .expect("again"),
            officials
        );
        // Importing the same file again changes nothing.
        let again = fresh
            .import_units(&system, &units, format)
            .await
            .expect("idempotent");
        assert_eq!((again.created, again.updated), (0, 42));
        target.cleanup().await;
    }
    let broken = h.f.app.import_units(&system, "[{\"ref\": \"X > Y\", \"parent_ref\": \"X\", \"kind\": \"unit\", \"level\": \"commune\", \"name\": \"Y\"}]", Format::Json).await;
    assert!(matches!(broken, Err(motcua_app::AppError::Invalid(_))));
    h
}
