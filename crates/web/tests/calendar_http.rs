//! HTTP behaviour of the working-day calendar on both databases with the Cần Thơ demo loaded:
//! public reads, permission refusals that change nothing, clear errors for bad input, the admin
//! page without JavaScript, and an administrator's override changing a computed due date.

#[macro_use]
mod support;

use axum::http::{Method, StatusCode};
use support::{Client, Part, Web};

both!(
    calendar_facts_are_public,
    bad_queries_get_clear_field_errors,
    non_administrators_are_refused_and_nothing_changes,
    an_administrators_override_changes_a_due_date,
    the_admin_page_lists_edits_and_imports_without_javascript,
    office_hours_follow_the_jurisdiction,
);

async fn overrides(h: &Web) -> i64 {
    h.f.db
        .store
        .count_calendar_overrides()
        .await
        .expect("count")
}

/// A yearly notice file (TSV) sent from the admin page's import form.
async fn upload_notice(h: &Web, path: &str, client: &Client, notice: &str) -> support::Reply {
    let file = Part::File("file", "notice.tsv", Some("text/plain"), notice.as_bytes());
    h.multipart_parts(path, client, &[file]).await
}

const DUE: &str = "/api/v1/calendar/due?from=2026-06-09T10%3A00%3A00%2B07%3A00&working_days=1";

async fn calendar_facts_are_public(h: Web) -> Web {
    // The demo load seeded the bundled notices: the Friday before Tết Bính Ngọ.
    let due = h
        .get(
            "/api/v1/calendar/due?from=2026-02-13T03%3A00%3A00Z&working_days=1",
            &Client::Anonymous,
        )
        .await;
    assert_eq!(due.status, StatusCode::OK, "{}", due.text());
    assert_eq!(due.json()["due"], "2026-02-23T10:00:00+07:00");
    assert_eq!(due.json()["from"], "2026-02-13T10:00:00+07:00");
    assert_eq!(due.json()["processing_time"]["unit"], "working_days");

    let same_day = h
        .get(
            "/api/v1/calendar/due?from=2026-06-09T15%3A30%3A00%2B07%3A00&same_day=true",
            &Client::Anonymous,
        )
        .await;
    assert_eq!(
        same_day.json()["due"],
        "2026-06-10T17:00:00+07:00",
        "after the 15:00 cut-off"
    );

    let holidays = h
        .get("/api/v1/calendar/holidays?year=2026", &Client::Anonymous)
        .await;
    assert_eq!(holidays.status, StatusCode::OK);
    let days = holidays.json();
    let tet = days
        .as_array()
        .expect("list")
        .iter()
        .find(|d| d["date"] == "2026-02-17")
        .expect("Tết listed");
    assert_eq!(tet["kind"], "holiday");
    assert_eq!(tet["from_notice"], true);

    let lunar = h
        .get("/api/v1/calendar/lunar/2026-04-26", &Client::Anonymous)
        .await;
    assert_eq!(lunar.json()["lunar"], "10/3/2026");
    let leap = h
        .get("/api/v1/calendar/lunar/2023-04-05", &Client::Anonymous)
        .await;
    assert_eq!(leap.json()["lunar"], "15/2/2023 nhuận");
    assert_eq!(leap.json()["leap"], true);

    let doc = h.get("/api/openapi.json", &Client::Anonymous).await;
    for path in [
        "/api/v1/calendar/due",
        "/api/v1/calendar/holidays",
        "/api/v1/calendar/lunar/{date}",
        "/api/v1/calendar/overrides/{date}",
        "/api/v1/calendar/import",
    ] {
        assert!(doc.json()["paths"][path].is_object(), "{path} documented");
    }
    h
}

async fn bad_queries_get_clear_field_errors(h: Web) -> Web {
    for (path, field) in [
        (
            "/api/v1/calendar/due?from=13%2F02%2F2026&working_days=1",
            "from",
        ),
        (
            "/api/v1/calendar/due?from=2026-02-13T10%3A00%3A00Z",
            "working_days",
        ),
        (
            "/api/v1/calendar/due?from=2026-02-13T10%3A00%3A00Z&working_days=1&same_day=true",
            "working_days",
        ),
        (
            "/api/v1/calendar/due?from=2026-02-13T10%3A00%3A00Z&working_days=-3",
            "working_days",
        ),
        (
            "/api/v1/calendar/due?from=2026-02-13T10%3A00%3A00Z&working_days=1&agency=nope",
            "agency",
        ),
        ("/api/v1/calendar/holidays?year=abc", "year"),
        ("/api/v1/calendar/holidays?year=3000", "year"),
        ("/api/v1/calendar/lunar/2026-02-30", "date"),
    ] {
        let reply = h.get(path, &Client::Anonymous).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            reply.text()
        );
        let error = &reply.json()["error"];
        assert_eq!(
            error["fields"][0]["field"],
            field,
            "{path}: {}",
            reply.text()
        );
        assert!(
            error["fields"][0]["message"]
                .as_str()
                .is_some_and(|m| !m.starts_with("error-")),
            "translated: {}",
            reply.text()
        );
    }
    h
}

async fn non_administrators_are_refused_and_nothing_changes(h: Web) -> Web {
    let before = overrides(&h).await;
    let body = serde_json::json!({"kind": "compensatory_off", "name": "x", "basis": "y"});
    let anonymous = h
        .send(
            Method::PUT,
            "/api/v1/calendar/overrides/2026-06-10",
            &Client::Anonymous,
            Some(body.clone()),
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let callers = [
        (
            "tiepnhan.ninhkieu",
            h.official_session("tiepnhan.ninhkieu").await,
        ),
        ("092095001234", h.citizen("092095001234").await),
        (
            "quantri.ninhkieu",
            h.official_session("quantri.ninhkieu").await,
        ),
    ];
    for (username, session) in callers {
        let put = h
            .send(
                Method::PUT,
                "/api/v1/calendar/overrides/2026-06-10",
                &session,
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            put.status,
            StatusCode::FORBIDDEN,
            "{username}: {}",
            put.text()
        );
        let delete = h
            .send(
                Method::DELETE,
                "/api/v1/calendar/overrides/2026-01-01",
                &session,
                None,
            )
            .await;
        assert_eq!(delete.status, StatusCode::FORBIDDEN, "{username}");
        let import = h
            .send_bytes(
                Method::POST,
                "/api/v1/calendar/import",
                &session,
                "text/plain",
                b"2026-06-10\tcompensatory_off\tx\ty\n".to_vec(),
            )
            .await;
        assert_eq!(import.status, StatusCode::FORBIDDEN, "{username}");
        let page_post = h
            .form(
                "/admin/calendar/overrides",
                &session,
                &[
                    ("date", "2026-06-10"),
                    ("kind", "compensatory_off"),
                    ("name", "x"),
                    ("basis", "y"),
                ],
            )
            .await;
        assert_eq!(page_post.status, StatusCode::FORBIDDEN, "{username}");
    }
    assert_eq!(overrides(&h).await, before);
    let reception = h.official_session("tiepnhan.ninhkieu").await;
    let page = h.get("/admin/calendar", &reception).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let staff_home = h.get("/staff", &reception).await;
    assert!(
        !staff_home.text().contains("/admin/calendar"),
        "no link for reception"
    );
    h
}

async fn an_administrators_override_changes_a_due_date(h: Web) -> Web {
    let admin = h.official_session("admin").await;
    assert_eq!(
        h.get(DUE, &Client::Anonymous).await.json()["due"],
        "2026-06-10T10:00:00+07:00"
    );
    let before = overrides(&h).await;

    let bad = h
        .send(
            Method::PUT,
            "/api/v1/calendar/overrides/2026-06-13",
            &admin,
            Some(serde_json::json!({"kind": "compensatory_off", "name": "Nghỉ", "basis": "TB"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["error"]["fields"][0]["field"], "kind");
    let unknown_field = h
        .send(
            Method::PUT,
            "/api/v1/calendar/overrides/2026-06-10",
            &admin,
            Some(serde_json::json!({"kind": "compensatory_off", "name": "Nghỉ", "basis": "TB", "x": 1})),
        )
        .await;
    assert_eq!(unknown_field.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(overrides(&h).await, before, "bad input changes nothing");

    let created = h
        .send(
            Method::PUT,
            "/api/v1/calendar/overrides/2026-06-10",
            &admin,
            Some(serde_json::json!({"kind": "compensatory_off", "name": "Nghỉ hoán đổi thử", "basis": "Thông báo thử"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    assert_eq!(
        h.get(DUE, &Client::Anonymous).await.json()["due"],
        "2026-06-11T10:00:00+07:00"
    );
    let audit =
        h.f.db
            .store
            .list_audit(Some("calendar.override.set"), 5, None)
            .await
            .expect("audit");
    assert_eq!(audit.len(), 1);

    let deleted = h
        .send(
            Method::DELETE,
            "/api/v1/calendar/overrides/2026-06-10",
            &admin,
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        h.get(DUE, &Client::Anonymous).await.json()["due"],
        "2026-06-10T10:00:00+07:00"
    );

    let import = h
        .send_bytes(
            Method::POST,
            "/api/v1/calendar/import",
            &admin,
            "text/plain",
            "2026-06-10\tcompensatory_off\tx\ty\n2026-06-11\tholiday\n"
                .as_bytes()
                .to_vec(),
        )
        .await;
    assert_eq!(import.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(import.json()["error"]["fields"][0]["field"], "line:2");
    assert_eq!(overrides(&h).await, before, "all or nothing");
    let import = h
        .send_bytes(
            Method::POST,
            "/api/v1/calendar/import",
            &admin,
            "text/plain",
            "2026-06-10\tcompensatory_off\tx\ty\n".as_bytes().to_vec(),
        )
        .await;
    assert_eq!(import.json()["created"], 1, "{}", import.text());
    assert_eq!(
        h.get(DUE, &Client::Anonymous).await.json()["due"],
        "2026-06-11T10:00:00+07:00"
    );
    h
}

async fn the_admin_page_lists_edits_and_imports_without_javascript(h: Web) -> Web {
    let admin = h.official_session("admin").await;
    let home = h.get("/staff", &admin).await;
    assert!(home.text().contains("href=\"/admin/calendar\""), "nav link");
    let page = h.get("/admin/calendar?year=2026", &admin).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("17/02/2026"), "dates as dd/mm/yyyy");
    assert!(page.text().contains("Tết Nguyên Đán"));
    assert!(
        page.text()
            .contains("/admin/calendar/overrides/2026-02-17/delete")
    );

    let before = overrides(&h).await;
    let bad = h
        .form(
            "/admin/calendar/overrides",
            &admin,
            &[
                ("date", "2026-06-13"),
                ("kind", "compensatory_off"),
                ("name", "Nghỉ"),
                ("basis", "TB"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text().contains("ngày nghỉ bù phải là ngày thường"),
        "{}",
        bad.text()
    );
    assert_eq!(overrides(&h).await, before);

    let saved = h
        .form(
            "/admin/calendar/overrides",
            &admin,
            &[
                ("date", "2026-06-10"),
                ("kind", "compensatory_off"),
                ("name", "Nghỉ hoán đổi thử"),
                ("basis", "Thông báo thử"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let back = saved.location();
    assert!(back.starts_with("/admin/calendar?year=2026"), "{back}");
    let shown = h.get(&back, &admin).await;
    assert!(shown.text().contains("Nghỉ hoán đổi thử") && shown.text().contains("10/06/2026"));
    assert_eq!(
        h.get(DUE, &Client::Anonymous).await.json()["due"],
        "2026-06-11T10:00:00+07:00"
    );

    let deleted = h
        .form("/admin/calendar/overrides/2026-06-10/delete", &admin, &[])
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(
        h.get(DUE, &Client::Anonymous).await.json()["due"],
        "2026-06-10T10:00:00+07:00"
    );

    let path = "/admin/calendar/import?year=2027";
    let refused = upload_notice(
        &h,
        path,
        &admin,
        "2027-01-01\tholiday\tTết\tBLLĐ\n2027-02-30\tholiday\tx\ty\n",
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("Dòng 2: "), "{}", refused.text());
    let imported = upload_notice(
        &h,
        path,
        &admin,
        "2027-01-01\tholiday\tTết Dương lịch 2027\tBLLĐ\n",
    )
    .await;
    assert_eq!(
        imported.status,
        StatusCode::SEE_OTHER,
        "{}",
        imported.text()
    );
    let year = h.get(&imported.location(), &admin).await;
    assert!(year.text().contains("Tết Dương lịch 2027"));

    // Office hours of an agency, set and reset from the same page.
    let ninh_kieu = h.unit_id("UBND phường Ninh Kiều").await.to_string();
    let hours = |morning_start: &'static str| {
        vec![
            ("unit_id", ninh_kieu.clone()),
            ("morning_start", morning_start.to_owned()),
            ("morning_end", "11:30".to_owned()),
            ("afternoon_start", "13:00".to_owned()),
            ("afternoon_end", "17:00".to_owned()),
            ("same_day_cutoff", "15:00".to_owned()),
        ]
    };
    let bad = hours("7h30");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = h.form("/admin/calendar/office-hours", &admin, &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("giờ:phút"), "{}", refused.text());
    let good = hours("07:30");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let saved = h.form("/admin/calendar/office-hours", &admin, &good).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let shown = h.get("/admin/calendar", &admin).await;
    assert!(shown.text().contains("07:30–11:30, 13:00–17:00"), "listed");
    let reset = h
        .form(
            &format!("/admin/calendar/office-hours/{ninh_kieu}/reset"),
            &admin,
            &[],
        )
        .await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER);
    let shown = h.get("/admin/calendar", &admin).await;
    assert!(!shown.text().contains("07:30–11:30"), "reset");
    h
}

async fn office_hours_follow_the_jurisdiction(h: Web) -> Web {
    let ninh_kieu = h.unit_id("UBND phường Ninh Kiều").await;
    let trung_hung = h.unit_id("UBND xã Trung Hưng").await;
    let local_admin = h.official_session("quantri.ninhkieu").await;
    let hours = serde_json::json!({
        "morning_start": "07:30", "morning_end": "11:30",
        "afternoon_start": "13:00", "afternoon_end": "17:00", "same_day_cutoff": "15:00"
    });
    let inside = h
        .send(
            Method::PUT,
            &format!("/api/v1/calendar/office-hours/{ninh_kieu}"),
            &local_admin,
            Some(hours.clone()),
        )
        .await;
    assert_eq!(inside.status, StatusCode::OK, "{}", inside.text());
    let outside = h
        .send(
            Method::PUT,
            &format!("/api/v1/calendar/office-hours/{trung_hung}"),
            &local_admin,
            Some(hours),
        )
        .await;
    assert_eq!(outside.status, StatusCode::FORBIDDEN);
    let read = h
        .get(
            &format!("/api/v1/calendar/office-hours/{ninh_kieu}"),
            &Client::Anonymous,
        )
        .await;
    assert_eq!(read.json()["morning_start"], "07:30");
    assert_eq!(
        h.get(
            &format!("/api/v1/calendar/office-hours/{trung_hung}"),
            &Client::Anonymous
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    h
}
