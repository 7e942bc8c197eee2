//! Administration over HTTP on both databases: system clients and their bearer tokens, the
//! workflow editor, the tracking-book page and the citizen's rating page, each with the
//! refusals of callers who may not use them.

#[macro_use]
mod support;

use axum::http::Method;
use motcua_app::test_support::{CITIZEN, OTHER_CITIZEN, WARD};
use motcua_domain::authz::Role;
use motcua_domain::dossier::Command;
use serde_json::json;
use support::{Client, Reply, Web};

both!(
    a_system_client_reads_exactly_what_it_was_granted,
    system_clients_are_managed_from_the_admin_pages,
    the_workflow_editor_saves_versions_and_started_dossiers_keep_theirs,
    the_tracking_book_page_shows_the_month_of_an_agency_in_jurisdiction,
    a_citizen_rates_a_returned_dossier_on_its_page,
);

async fn unit_id(w: &Web, code: &str) -> i64 {
    w.f.db
        .store
        .get_unit_by_code(code)
        .await
        .expect("demo unit")
        .id
}

/// Creates a client through the API as `admin` and issues it a token.
async fn client_with(
    w: &Web,
    admin: &Client,
    name: &str,
    unit: i64,
    permissions: &[&str],
) -> (i64, i64, Client) {
    let created = w
        .post(
            "/api/v1/clients",
            admin,
            json!({ "name": name, "unit_id": unit, "permissions": permissions }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let id = created.json()["id"].as_i64().expect("id");
    let issued = w
        .post(
            &format!("/api/v1/clients/{id}/tokens"),
            admin,
            json!({ "name": "đồng bộ" }),
        )
        .await;
    assert_eq!(issued.status, 201, "{}", issued.text());
    let token_id = issued.json()["id"].as_i64().expect("token id");
    let token = issued.json()["token"].as_str().expect("token").to_owned();
    (id, token_id, Client::Bearer(token))
}

fn ids(reply: &Reply) -> Vec<i64> {
    reply
        .json()
        .as_array()
        .map(|rows| rows.iter().filter_map(|r| r["id"].as_i64()).collect())
        .unwrap_or_default()
}

async fn a_system_client_reads_exactly_what_it_was_granted(w: Web) -> Web {
    let admin = w.official("admin").await;
    let ward = unit_id(&w, WARD).await;
    let other_ward = unit_id(&w, "000.00.31.H13").await;
    let dossier = w.f.received().await;

    let (portal_id, portal_token_id, portal) = client_with(
        &w,
        &admin,
        "Cổng Dịch vụ công quốc gia",
        ward,
        &["dossier_view"],
    )
    .await;
    // Only the hash is stored; the listing never shows a secret.
    let listed = w.get(&format!("/api/v1/clients/{portal_id}"), &admin).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json()["permissions"], json!(["dossier_view"]));
    assert_eq!(listed.json()["tokens"][0]["name"], "đồng bộ");
    assert!(listed.json()["tokens"][0].get("token").is_none());

    // Within its jurisdiction and permission: the queue and the dossier.
    let queue = w.get("/api/v1/dossiers?queue=unit", &portal).await;
    assert_eq!(queue.status, 200, "{}", queue.text());
    assert!(ids(&queue).contains(&dossier.id), "{}", queue.text());
    let one = w
        .get(&format!("/api/v1/dossiers/{}", dossier.id), &portal)
        .await;
    assert_eq!(one.status, 200, "{}", one.text());
    assert_eq!(one.json()["code"], json!(dossier.code));
    // Reading gives no right to act, and the personal queues are an official's.
    let act = w
        .post(
            &format!("/api/v1/dossiers/{}/actions", dossier.id),
            &portal,
            json!({ "kind": "forward" }),
        )
        .await;
    assert_eq!(act.status, 403, "{}", act.text());
    assert_eq!(
        w.get("/api/v1/dossiers?queue=assigned", &portal)
            .await
            .status,
        403
    );

    // Outside its jurisdiction: another ward's client sees nothing of Ninh Kiều.
    let (_, _, neighbour) = client_with(
        &w,
        &admin,
        "Bưu điện Cái Khế",
        other_ward,
        &["dossier_view"],
    )
    .await;
    let queue = w.get("/api/v1/dossiers?queue=unit", &neighbour).await;
    assert_eq!(queue.status, 200);
    assert!(!ids(&queue).contains(&dossier.id));
    assert_eq!(
        w.get(&format!("/api/v1/dossiers/{}", dossier.id), &neighbour)
            .await
            .status,
        403
    );

    // Without the permission: refused at the gate.
    let (_, _, directory_only) =
        client_with(&w, &admin, "Nền tảng chia sẻ dữ liệu", ward, &["org_read"]).await;
    assert_eq!(
        w.get("/api/v1/dossiers?queue=unit", &directory_only)
            .await
            .status,
        403
    );
    assert_eq!(
        w.get(&format!("/api/v1/dossiers/{}", dossier.id), &directory_only)
            .await
            .status,
        403
    );
    assert_eq!(w.get("/api/v1/units", &directory_only).await.status, 200);

    // Citizen-only and official-only routes refuse every system.
    assert_eq!(w.get("/api/v1/my/dossiers", &portal).await.status, 403);
    let rate = w
        .post(
            &format!("/api/v1/dossiers/{}/rating", dossier.id),
            &portal,
            json!({ "scores": [2, 2, 2, 2, 2, 2, 2, 2, 2] }),
        )
        .await;
    assert_eq!(rate.status, 403);
    assert_eq!(w.get("/api/v1/me", &portal).await.status, 403);
    let mint = w
        .post("/api/v1/tokens", &portal, json!({ "name": "x" }))
        .await;
    assert_eq!(mint.status, 403, "a system cannot mint an official's token");
    assert_eq!(w.get("/api/v1/clients", &portal).await.status, 403);

    // Everything it did is in the audit log under its name.
    let system = motcua_app::Actor::system();
    let audit =
        w.f.app
            .list_audit(&system, Some("client.request"), None)
            .await
            .expect("audit");
    let mine: Vec<_> = audit
        .iter()
        .filter(|e| e.actor_kind == "client" && e.actor_id == Some(portal_id))
        .collect();
    assert!(
        mine.iter().any(|e| e.target.as_deref()
            == Some(format!("/api/v1/dossiers/{}", dossier.id).as_str())
            && e.detail.contains("Cổng Dịch vụ công quốc gia")
            && e.detail.contains("200")),
        "{mine:?}"
    );
    let audit_page = w
        .get(
            "/admin/audit?action=client.request",
            &w.official_session("admin").await,
        )
        .await;
    assert!(
        audit_page
            .text()
            .contains("client Cổng Dịch vụ công quốc gia"),
        "{}",
        audit_page.text()
    );
    assert!(mine.iter().any(|e| e.target.as_deref() == Some("/api/v1/my/dossiers")
        && e.detail.contains("403")));

    // A revoked token is refused from the next request on; a second revocation is not found.
    let revoke = w
        .send(
            Method::DELETE,
            &format!("/api/v1/clients/{portal_id}/tokens/{portal_token_id}"),
            &admin,
            None,
        )
        .await;
    assert_eq!(revoke.status, 204, "{}", revoke.text());
    assert_eq!(
        w.get("/api/v1/dossiers?queue=unit", &portal).await.status,
        401
    );
    let again = w
        .send(
            Method::DELETE,
            &format!("/api/v1/clients/{portal_id}/tokens/{portal_token_id}"),
            &admin,
            None,
        )
        .await;
    assert_eq!(again.status, 404);

    // A deactivated client's tokens stop working; reactivated, they work again.
    let (fresh_id, _, fresh) =
        client_with(&w, &admin, "Kết nối tạm", ward, &["dossier_view"]).await;
    let body = |active: bool| json!({ "name": "Kết nối tạm", "unit_id": ward, "permissions": ["dossier_view"], "active": active });
    let off = w
        .send(
            Method::PUT,
            &format!("/api/v1/clients/{fresh_id}"),
            &admin,
            Some(body(false)),
        )
        .await;
    assert_eq!(off.status, 200, "{}", off.text());
    assert_eq!(
        w.get("/api/v1/dossiers?queue=unit", &fresh).await.status,
        401
    );
    w.send(
        Method::PUT,
        &format!("/api/v1/clients/{fresh_id}"),
        &admin,
        Some(body(true)),
    )
    .await;
    assert_eq!(
        w.get("/api/v1/dossiers?queue=unit", &fresh).await.status,
        200
    );

    // Bad input changes nothing and says why; a duplicate name is a conflict.
    let before = w.get("/api/v1/clients", &admin).await.json();
    let bad = w
        .post(
            "/api/v1/clients",
            &admin,
            json!({ "name": " ", "unit_id": ward, "permissions": ["everything"] }),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text());
    let fields = bad.json()["error"]["fields"].to_string();
    assert!(
        fields.contains("name") && fields.contains("permissions"),
        "{fields}"
    );
    let duplicate = w
        .post(
            "/api/v1/clients",
            &admin,
            json!({ "name": "Kết nối tạm", "unit_id": ward, "permissions": ["org_read"] }),
        )
        .await;
    assert_eq!(duplicate.status, 409, "{}", duplicate.text());
    assert!(
        duplicate.message().contains("đã được sử dụng"),
        "{}",
        duplicate.text()
    );
    assert_eq!(w.get("/api/v1/clients", &admin).await.json(), before);

    // Who may manage clients: a ward administrator in the ward only; a specialist never.
    let ward_admin = w.official("quantri.ninhkieu").await;
    let city = unit_id(&w, "000.00.00.H13").await;
    let outside = w
        .post(
            "/api/v1/clients",
            &ward_admin,
            json!({ "name": "Ngoài phạm vi", "unit_id": city, "permissions": ["dossier_view"] }),
        )
        .await;
    assert_eq!(outside.status, 403, "{}", outside.text());
    let listed = w.get("/api/v1/clients", &ward_admin).await;
    assert_eq!(listed.status, 200);
    let names = listed.json().to_string();
    assert!(
        names.contains("Cổng Dịch vụ công quốc gia") && !names.contains("Bưu điện Cái Khế"),
        "{names}"
    );
    let specialist = w.official("chuyenvien.ninhkieu").await;
    assert_eq!(w.get("/api/v1/clients", &specialist).await.status, 403);
    assert_eq!(
        w.get(&format!("/api/v1/clients/{portal_id}"), &Client::Anonymous)
            .await
            .status,
        401
    );
    w
}

async fn system_clients_are_managed_from_the_admin_pages(w: Web) -> Web {
    let admin = w.official_session("admin").await;
    let ward = unit_id(&w, WARD).await.to_string();
    let page = w.get("/admin/clients", &admin).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Hệ thống kết nối"));
    assert!(page.text().contains("name=\"perm_dossier_view\""));

    // Invalid: no name, no permission — both explained next to their fields, nothing stored.
    let bad = w
        .form(
            "/admin/clients",
            &admin,
            &[("name", ""), ("unit_id", &ward)],
        )
        .await;
    assert_eq!(bad.status, 422);
    let text = bad.text();
    assert!(text.contains("id=\"e-name\""), "{text}");
    assert!(text.contains("Cần chọn ít nhất một quyền."), "{text}");
    assert!(
        w.f.db
            .store
            .list_system_clients()
            .await
            .expect("list")
            .is_empty()
    );

    let created = w
        .form(
            "/admin/clients",
            &admin,
            &[
                ("name", "Bưu điện Cần Thơ"),
                ("unit_id", &ward),
                ("perm_dossier_view", "true"),
                ("active", "true"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.text());
    let location = created.headers["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let id = w.f.db.store.list_system_clients().await.expect("list")[0].id;
    assert!(location.starts_with(&format!("/admin/clients/{id}")));

    // Issue: the token is in this answer only, and it works.
    let issued = w
        .form(
            &format!("/admin/clients/{id}/tokens"),
            &admin,
            &[("token_name", "nhận tin trạng thái"), ("days", "30")],
        )
        .await;
    assert_eq!(issued.status, 200, "{}", issued.text());
    let html = issued.text();
    let marker = "id=\"new-token\" type=\"text\" readonly value=\"";
    let start = html.find(marker).expect("token shown") + marker.len();
    let token = html[start..].split('"').next().expect("token").to_owned();
    let bearer = Client::Bearer(token.clone());
    assert_eq!(
        w.get("/api/v1/dossiers?queue=unit", &bearer).await.status,
        200
    );
    let again = w.get(&format!("/admin/clients/{id}"), &admin).await;
    assert!(!again.text().contains(&token), "shown once only");
    assert!(again.text().contains("nhận tin trạng thái"));

    let bad_days = w
        .form(
            &format!("/admin/clients/{id}/tokens"),
            &admin,
            &[("token_name", "x"), ("days", "mãi mãi")],
        )
        .await;
    assert_eq!(bad_days.status, 422);
    assert!(bad_days.text().contains("từ 1 đến 3650"));

    // Revoke from the page.
    let token_id = w.f.db.store.client_tokens(id).await.expect("tokens")[0].id;
    let revoked = w
        .form(
            &format!("/admin/clients/{id}/tokens/{token_id}/revoke"),
            &admin,
            &[],
        )
        .await;
    assert_eq!(revoked.status, 303);
    assert_eq!(
        w.get("/api/v1/dossiers?queue=unit", &bearer).await.status,
        401
    );

    // Change permissions from the page.
    let changed = w
        .form(
            &format!("/admin/clients/{id}"),
            &admin,
            &[
                ("name", "Bưu điện Cần Thơ"),
                ("unit_id", &ward),
                ("perm_org_read", "true"),
                ("perm_dossier_view", "true"),
                ("active", "true"),
            ],
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.text());
    let row = w.f.db.store.get_system_client(id).await.expect("client");
    assert_eq!(row.permissions, "org_read,dossier_view");

    // Refusals: a specialist, a citizen, another ward's administrator.
    let specialist = w.official_session("chuyenvien.ninhkieu").await;
    assert_eq!(w.get("/admin/clients", &specialist).await.status, 403);
    let citizen = w.citizen(CITIZEN).await;
    assert_eq!(
        w.get(&format!("/admin/clients/{id}"), &citizen)
            .await
            .status,
        403
    );
    w
}

/// The birth registration's workflow editor form: `steps` are `(order, id, name, role, amount,
/// unit, actions, removed)` blocks.
type Block<'a> = (
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a [&'a str],
    bool,
);

fn workflow_form(blocks: &[Block<'_>]) -> Vec<(String, String)> {
    let mut fields = vec![("blocks".to_owned(), blocks.len().to_string())];
    for (b, (order, id, name, role, amount, unit, actions, removed)) in blocks.iter().enumerate() {
        let mut push = |part: &str, value: &str| {
            fields.push((format!("step_{b}_{part}"), value.to_owned()));
        };
        push("order", order);
        push("id", id);
        push("name", name);
        push("role", role);
        push("amount", amount);
        push("unit", unit);
        push("unit_ref", "");
        for action in *actions {
            push(&format!("action_{action}"), "true");
        }
        if *removed {
            push("remove", "true");
        }
    }
    fields
}

async fn post_workflow(w: &Web, client: &Client, path: &str, blocks: &[Block<'_>]) -> Reply {
    let fields = workflow_form(blocks);
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    w.form(path, client, &pairs).await
}

async fn the_workflow_editor_saves_versions_and_started_dossiers_keep_theirs(w: Web) -> Web {
    const CODE: &str = "1.001193";
    let path = format!("/admin/workflows/{CODE}");
    let admin = w.official_session("admin").await;
    let specialist = w.f.official("chuyenvien.ninhkieu").await;
    let started = w.f.received().await;
    let v1 = started.workflow_version;
    assert_eq!(
        w.f.app
            .workflow(CODE, None)
            .await
            .expect("current")
            .steps
            .len(),
        2
    );

    let list = w.get("/admin/workflows", &admin).await;
    assert_eq!(list.status, 200);
    assert!(
        list.text()
            .contains(&format!("href=\"/admin/workflows/{CODE}\""))
    );
    let page = w.get(&path, &admin).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(
        html.contains("tham-dinh") && html.contains("name=\"step_0_id\""),
        "{html}"
    );
    assert!(
        html.contains("name=\"step_2_id\""),
        "one blank block to add a step"
    );

    // Domain errors next to their fields, nothing saved: the first step cannot return, an
    // administrator cannot approve, and the step time must be a number.
    let bad = post_workflow(
        &w,
        &admin,
        &path,
        &[
            (
                "1",
                "tham-dinh",
                "Thẩm định",
                "specialist",
                "16",
                "working_hours",
                &["forward", "return"],
                false,
            ),
            (
                "2",
                "phe-duyet",
                "Phê duyệt",
                "admin",
                "8",
                "working_hours",
                &["approve", "return_to_desk"],
                false,
            ),
        ],
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.text());
    let text = bad.text();
    assert!(text.contains("id=\"e-step_0_actions\""), "{text}");
    assert!(
        text.contains("Bước đầu tiên không thể trả lại bước trước."),
        "{text}"
    );
    assert!(text.contains("id=\"e-step_1_actions\""), "{text}");
    assert!(
        text.contains("không được thực hiện một trong các thao tác"),
        "{text}"
    );
    let bad_time = post_workflow(
        &w,
        &admin,
        &path,
        &[(
            "1",
            "tham-dinh",
            "Thẩm định",
            "specialist",
            "mười",
            "working_hours",
            &["forward"],
            false,
        )],
    )
    .await;
    assert_eq!(bad_time.status, 422);
    assert!(bad_time.text().contains("id=\"e-step_0_allowance\""));
    assert_eq!(
        w.f.app.workflow(CODE, None).await.expect("current").version as i64,
        v1
    );

    // Add a unit head's review between the two steps (a new block ordered 2), drop a block.
    let saved = post_workflow(
        &w,
        &admin,
        &path,
        &[
            (
                "1",
                "tham-dinh",
                "Thẩm định hồ sơ",
                "specialist",
                "2",
                "working_days",
                &["forward", "consult"],
                false,
            ),
            (
                "3",
                "phe-duyet",
                "Lãnh đạo phê duyệt, ký",
                "leader",
                "8",
                "working_hours",
                &["approve", "sign", "return", "return_to_desk"],
                false,
            ),
            (
                "9",
                "thua",
                "Bước thừa",
                "clerk",
                "1",
                "working_days",
                &[],
                true,
            ),
            (
                "2",
                "kiem-tra",
                "Lãnh đạo phòng kiểm tra",
                "unit_head",
                "4",
                "working_hours",
                &["forward", "return"],
                false,
            ),
        ],
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    let v2 = v1 + 1;
    assert_eq!(
        saved.headers["location"].to_str().expect("location"),
        format!("{path}?saved={v2}")
    );
    let current = w.f.app.workflow(CODE, None).await.expect("current");
    assert_eq!(current.version as i64, v2);
    let ids: Vec<&str> = current.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["tham-dinh", "kiem-tra", "phe-duyet"]);
    let shown = w.get(&format!("{path}?saved={v2}"), &admin).await.text();
    assert!(shown.contains(&format!("phiên bản {v2}")), "{shown}");
    assert!(
        w.get(&format!("{path}?version={v1}"), &admin)
            .await
            .text()
            .contains("tham-dinh")
    );

    // The dossier started under v1 still follows v1: after appraisal it goes to the leader.
    let forward = Command::Forward {
        to_step: 1,
        assignee: None,
    };
    let old =
        w.f.app
            .act_on_dossier(&specialist, started.id, forward.clone())
            .await
            .expect("forward under v1");
    assert_eq!(old.workflow_version, v1);
    assert_eq!(old.step_role, Some(Role::Leader));
    // A dossier received now follows v2: the unit head reviews first.
    let fresh = w.f.received().await;
    assert_eq!(fresh.workflow_version, v2);
    let new =
        w.f.app
            .act_on_dossier(&specialist, fresh.id, forward)
            .await
            .expect("forward under v2");
    assert_eq!(new.step_role, Some(Role::UnitHead));

    // JSON import on the same page: another procedure's workflow and a broken one are refused.
    let mut other = serde_json::to_value(&current).expect("json");
    other["id"] = json!("2.000635");
    let wrong = w
        .form(
            &format!("{path}/import"),
            &admin,
            &[("json", &other.to_string())],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.text().contains("phải là mã của thủ tục này"));
    let empty = json!({ "id": CODE, "version": 1, "steps": [] }).to_string();
    let refused = w
        .form(&format!("{path}/import"), &admin, &[("json", &empty)])
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.text().contains("ít nhất một bước"),
        "{}",
        refused.text()
    );
    let good = serde_json::to_value(&current).expect("json").to_string();
    let imported = w
        .form(&format!("{path}/import"), &admin, &[("json", &good)])
        .await;
    assert_eq!(imported.status, 303, "{}", imported.text());
    assert_eq!(
        w.f.app.workflow(CODE, None).await.expect("v3").version as i64,
        v2 + 1
    );

    // The API: read a version, import with every problem located.
    let api_admin = w.official("admin").await;
    let read = w
        .get(
            &format!("/api/v1/workflows/{CODE}?version={v1}"),
            &api_admin,
        )
        .await;
    assert_eq!(read.status, 200);
    assert_eq!(read.json()["steps"].as_array().map(Vec::len), Some(2));
    let mut broken = serde_json::to_value(&current).expect("json");
    broken["steps"][0]["actions"] = json!(["return", "forward"]);
    let reply = w.post("/api/v1/workflows", &api_admin, broken).await;
    assert_eq!(reply.status, 422, "{}", reply.text());
    assert_eq!(
        reply.json()["error"]["fields"][0]["field"],
        "steps.0.actions"
    );
    assert_eq!(
        w.f.app.workflow(CODE, None).await.expect("same").version as i64,
        v2 + 1
    );

    // Refusals.
    let specialist_page = w.official_session("chuyenvien.ninhkieu").await;
    assert_eq!(
        w.get("/admin/workflows", &specialist_page).await.status,
        403
    );
    assert_eq!(
        post_workflow(&w, &specialist_page, &path, &[]).await.status,
        403
    );
    let citizen = w.citizen(CITIZEN).await;
    assert_eq!(w.get(&path, &citizen).await.status, 403);
    let specialist_api = w.official("chuyenvien.ninhkieu").await;
    assert_eq!(
        w.post("/api/v1/workflows", &specialist_api, json!({}))
            .await
            .status,
        403
    );
    assert_eq!(w.get("/admin/workflows/9.999999", &admin).await.status, 404);
    w
}

async fn the_tracking_book_page_shows_the_month_of_an_agency_in_jurisdiction(w: Web) -> Web {
    let dossier = w.f.received().await;
    let code = dossier.code.clone().expect("code");
    let desk = w.official_session("tiepnhan.ninhkieu").await;
    let page = w.get("/staff/tracking-book", &desk).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    // The current month by default (the test clock is 7 December 2026), the ward's dossier.
    assert!(
        html.contains("value=\"01/12/2026\"") && html.contains("value=\"31/12/2026\""),
        "{html}"
    );
    assert!(html.contains(&code), "{html}");
    assert!(
        html.contains(&format!("value=\"{WARD}\" selected")),
        "{html}"
    );
    assert!(
        !html.contains("000.00.31.H13"),
        "another ward is not offered"
    );
    let pdf = format!(
        "/api/v1/agencies/{WARD}/tracking-book.pdf?from=01%2F12%2F2026&#38;to=31%2F12%2F2026"
    );
    assert!(html.contains(&pdf), "{html}");
    let printed = w.get(&pdf.replace("&#38;", "&"), &desk).await;
    assert_eq!(printed.status, 200);
    assert_eq!(printed.headers["content-type"], "application/pdf");

    // Another period without dossiers, in the English catalogue too.
    let november = w
        .get(
            &format!("/staff/tracking-book?agency={WARD}&from=01/11/2026&to=30/11/2026"),
            &desk,
        )
        .await;
    assert_eq!(november.status, 200);
    assert!(!november.text().contains(&code));
    assert!(november.text().contains("Không có hồ sơ nào"));

    // Bad dates are explained next to the field; other agencies are refused.
    let bad = w
        .get(
            &format!("/staff/tracking-book?agency={WARD}&from=32/13/2026&to=31/12/2026"),
            &desk,
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("id=\"e-from\""), "{}", bad.text());
    let order = w
        .get(
            &format!("/staff/tracking-book?agency={WARD}&from=31/12/2026&to=01/12/2026"),
            &desk,
        )
        .await;
    assert_eq!(order.status, 422);
    assert!(order.text().contains("id=\"e-to\""));
    assert_eq!(
        w.get("/staff/tracking-book?agency=000.00.31.H13", &desk)
            .await
            .status,
        403
    );
    assert_eq!(
        w.get("/staff/tracking-book?agency=999.99.99.H99", &desk)
            .await
            .status,
        404
    );
    let clerk = w.official_session("vanthu.ninhkieu").await;
    assert_eq!(w.get("/staff/tracking-book", &clerk).await.status, 403);
    let citizen = w.citizen(CITIZEN).await;
    assert_eq!(w.get("/staff/tracking-book", &citizen).await.status, 403);
    assert_eq!(
        w.get("/staff/tracking-book", &Client::Anonymous)
            .await
            .status,
        303
    );
    w
}

async fn a_citizen_rates_a_returned_dossier_on_its_page(w: Web) -> Web {
    let f = &w.f;
    let specialist = f.official("chuyenvien.ninhkieu").await;
    let leader = f.official("chutich.ninhkieu").await;
    let reception = f.official("tiepnhan.ninhkieu").await;
    let owner = w.citizen(CITIZEN).await;
    let dossier = f.received().await;
    let path = format!("/my/dossiers/{}/rating", dossier.id);
    let detail = format!("/my/dossiers/{}", dossier.id);

    // In processing: no link, and the page says it is too early.
    assert!(
        !w.get(&detail, &owner)
            .await
            .text()
            .contains("id=\"rating-link\"")
    );
    let early = w.get(&path, &owner).await;
    assert_eq!(early.status, 200);
    assert!(!early.text().contains("name=\"c1\""));

    f.app
        .act_on_dossier(
            &specialist,
            dossier.id,
            Command::Forward {
                to_step: 1,
                assignee: None,
            },
        )
        .await
        .expect("forward");
    for command in [Command::Approve, Command::Sign, Command::Resolve] {
        f.app
            .act_on_dossier(&leader, dossier.id, command)
            .await
            .expect("leader");
    }
    f.app
        .act_on_dossier(
            &reception,
            dossier.id,
            Command::ReturnResult {
                method: motcua_domain::dossier::ReturnMethod::Counter,
            },
        )
        .await
        .expect("return");

    let shown = w.get(&detail, &owner).await.text();
    assert!(
        shown.contains(&format!("href=\"{path}\" id=\"rating-link\"")),
        "{shown}"
    );
    let form = w.get(&path, &owner).await;
    assert_eq!(form.status, 200);
    let html = form.text();
    assert!(
        html.contains("type=\"radio\" name=\"c9\" value=\"0\""),
        "{html}"
    );
    assert!(html.contains("Thái độ của cán bộ, công chức"));

    // One criterion unanswered: marked, nothing stored.
    let mut answers: Vec<(String, String)> =
        (1..=8).map(|c| (format!("c{c}"), "2".to_owned())).collect();
    let post = |fields: Vec<(String, String)>| {
        let path = path.clone();
        let owner = owner.clone();
        let w = &w;
        async move {
            let refs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            w.form(&path, &owner, &refs).await
        }
    };
    let missing = post(answers.clone()).await;
    assert_eq!(missing.status, 422, "{}", missing.text());
    assert!(missing.text().contains("id=\"e-c9\""));
    assert!(
        missing.text().contains("value=\"2\" checked"),
        "answers kept"
    );
    assert!(
        f.db.store
            .dossier_rating(dossier.id)
            .await
            .expect("read")
            .is_none()
    );
    answers.push(("c9".into(), "3".into()));
    let out_of_range = post(answers.clone()).await;
    assert_eq!(out_of_range.status, 422);
    assert!(out_of_range.text().contains("id=\"e-c9\""));
    answers.pop();
    answers.push(("c9".into(), "0".into()));
    answers.push(("comment".into(), "Cán bộ hướng dẫn tận tình".into()));

    // Another citizen cannot rate it; an official cannot reach the page.
    let stranger = w.citizen(OTHER_CITIZEN).await;
    let refs: Vec<(&str, &str)> = answers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(w.form(&path, &stranger, &refs).await.status, 404);
    assert_eq!(w.get(&path, &stranger).await.status, 404);
    let desk = w.official_session("tiepnhan.ninhkieu").await;
    assert_eq!(w.get(&path, &desk).await.status, 403);
    assert_eq!(w.form(&path, &desk, &refs).await.status, 403);

    let rated = post(answers.clone()).await;
    assert_eq!(rated.status, 303, "{}", rated.text());
    let stored =
        f.db.store
            .dossier_rating(dossier.id)
            .await
            .expect("read")
            .expect("rated");
    assert_eq!(stored.scores.len(), 9);
    assert_eq!(stored.scores[8], (9, 0));
    assert_eq!(stored.comment, "Cán bộ hướng dẫn tận tình");
    let after = w.get(&path, &owner).await.text();
    assert!(
        after.contains("id=\"rating-given\"") && !after.contains("name=\"c1\""),
        "{after}"
    );
    assert!(after.contains("Không hài lòng") && after.contains("Cán bộ hướng dẫn tận tình"));
    // Once only.
    let again = post(answers).await;
    assert_eq!(again.status, 409);
    assert!(again.text().contains("mỗi hồ sơ chỉ đánh giá một lần"));
    w
}
