//! Signing in and out over HTTP: citizen sign-up and verification, official sign-in with
//! passwords and TOTP, expired sessions, CSRF on form posts, slowing down password guessing.
//! Each test runs on SQLite and on PostgreSQL over the shared [`support`] harness.

#[macro_use]
mod support;

use axum::http::{Method, StatusCode, header};
use motcua_app::Actor;
use support::{Client, Web};

both!(
    a_form_post_without_csrf_token_is_refused_and_changes_nothing,
    a_citizen_signs_up_verifies_with_the_code_and_signs_in,
    an_invalid_personal_id_is_explained_and_nothing_is_created,
    a_wrong_password_is_refused_and_audited,
    an_expired_session_sends_the_official_back_to_sign_in,
    an_official_with_totp_needs_the_code,
    repeated_wrong_passwords_are_slowed_down,
);

async fn a_form_post_without_csrf_token_is_refused_and_changes_nothing(h: Web) -> Web {
    let admin = h.official_session("admin").await;
    let before = h.f.db.store.count_units().await.expect("count");
    let parent = h.unit_id("UBND phường Ninh Kiều").await.to_string();
    let fields = [
        ("name", "Tổ công nghệ"),
        ("kind", "unit"),
        ("level", "commune"),
        ("parent_id", parent.as_str()),
    ];
    let no_token = admin.clone();
    let reply = h
        .form_without_csrf("/admin/units", &no_token, &fields)
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(
        reply.text().contains("Biểu mẫu đã hết hạn"),
        "{}",
        reply.text()
    );
    let forged = h
        .form_without_csrf(
            "/admin/units",
            &no_token,
            &[
                ("name", "Tổ"),
                ("kind", "unit"),
                ("level", "commune"),
                ("_csrf", "forged-token-forged-token-forged-token"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(h.f.db.store.count_units().await.expect("count"), before);
    // With the token the same form works.
    let ok = h.form("/admin/units", &admin, &fields).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    assert_eq!(h.f.db.store.count_units().await.expect("count"), before + 1);
    h
}

async fn a_citizen_signs_up_verifies_with_the_code_and_signs_in(h: Web) -> Web {
    let browser = Client::Anonymous;
    let reply = h
        .form(
            "/signup",
            &browser,
            &[
                ("personal_id", "092 1 99 000777"),
                ("full_name", "Võ  Thị Ngọc Hân"),
                ("email", "han@example.vn"),
                ("password", "mat-khau-2026"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    // Not verified yet: signing in asks for the code.
    let early = h
        .form(
            "/signin",
            &browser,
            &[
                ("personal_id", "092199000777"),
                ("password", "mat-khau-2026"),
            ],
        )
        .await;
    assert_eq!(early.status, StatusCode::SEE_OTHER);
    assert!(
        early.headers[header::LOCATION]
            .to_str()
            .expect("location")
            .starts_with("/verify")
    );
    let outbox = h.f.db.store.outbox_of_kind("notify").await.expect("outbox");
    let payload: serde_json::Value =
        serde_json::from_str(&outbox.last().expect("a code was queued").payload).expect("json");
    assert_eq!(payload["to"], "han@example.vn");
    let code = payload["code"].as_str().expect("code").to_owned();
    let wrong = h
        .form(
            "/verify",
            &browser,
            &[("personal_id", "092199000777"), ("code", "000000")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let right = h
        .form(
            "/verify",
            &browser,
            &[("personal_id", "092199000777"), ("code", &code)],
        )
        .await;
    assert_eq!(right.status, StatusCode::SEE_OTHER, "{}", right.text());
    let signin = h
        .form(
            "/signin",
            &browser,
            &[
                ("personal_id", "092199000777"),
                ("password", "mat-khau-2026"),
            ],
        )
        .await;
    assert_eq!(signin.status, StatusCode::SEE_OTHER);
    let cookie = signin
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__Host-motcua_session="))
        .expect("session cookie")
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("Secure") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let token = cookie
        .trim_start_matches("__Host-motcua_session=")
        .split(';')
        .next()
        .expect("token")
        .to_owned();
    let account = h
        .send(Method::GET, "/account", &Client::Session(token), None)
        .await;
    assert_eq!(account.status, StatusCode::OK);
    assert!(
        account.text().contains("Võ Thị Ngọc Hân"),
        "name normalised and shown"
    );
    assert!(
        account.text().contains("********0777"),
        "identification number masked"
    );
    h
}

async fn an_invalid_personal_id_is_explained_and_nothing_is_created(h: Web) -> Web {
    let browser = Client::Anonymous;
    let reply = h
        .form(
            "/signup",
            &browser,
            &[
                ("personal_id", "12345"),
                ("full_name", "A"),
                ("email", "a@example.vn"),
                ("password", "mat-khau-2026"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply
            .text()
            .contains("Số định danh cá nhân phải gồm 12 chữ số hợp lệ"),
        "{}",
        reply.text()
    );
    assert!(reply.text().contains("aria-invalid=\"true\""));
    let english = h
        .form_english(
            "/signup",
            &browser,
            &[("personal_id", "12345"), ("password", "x")],
        )
        .await;
    assert!(
        english
            .text()
            .contains("The personal identification number must be 12 valid digits")
    );
    assert!(
        english
            .text()
            .contains("The password must have at least 8 characters")
    );
    assert!(
        h.f.db
            .store
            .outbox_of_kind("notify")
            .await
            .expect("outbox")
            .is_empty()
    );
    assert!(matches!(
        h.f.db.store.citizen_credentials("12345").await,
        Err(motcua_store::StoreError::NotFound)
    ));
    h
}

async fn a_wrong_password_is_refused_and_audited(h: Web) -> Web {
    let browser = Client::Anonymous;
    let reply = h
        .form(
            "/staff/signin",
            &browser,
            &[("username", "admin"), ("password", "wrong-password")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.text().contains("Thông tin đăng nhập không đúng"));
    assert!(!reply.headers.get_all(header::SET_COOKIE).iter().any(|c| {
        c.to_str()
            .unwrap_or("")
            .starts_with("__Host-motcua_session")
    }));
    let failures =
        h.f.db
            .store
            .list_audit(Some("signin.official.failed"), 10, None)
            .await
            .expect("audit");
    assert_eq!(failures.len(), 1);
    let ok = h
        .form(
            "/staff/signin",
            &browser,
            &[
                ("username", "admin"),
                ("password", motcua_app::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.headers[header::LOCATION], "/staff");
    assert_eq!(
        h.f.db
            .store
            .list_audit(Some("signin.official"), 10, None)
            .await
            .expect("audit")
            .len(),
        1
    );
    h
}

async fn an_expired_session_sends_the_official_back_to_sign_in(h: Web) -> Web {
    let id =
        h.f.db
            .store
            .official_credentials("admin")
            .await
            .expect("admin")
            .id;
    let expired = h.session_token("official", id, -1).await;
    let client = Client::Session(expired);
    let reply = h.send(Method::GET, "/admin/units", &client, None).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.headers[header::LOCATION], "/staff/signin");
    assert!(
        reply
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|c| c.to_str().unwrap_or("").contains("Max-Age=0")),
        "the stale cookie is cleared"
    );
    let api = h.send(Method::GET, "/api/v1/units", &client, None).await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    assert_eq!(api.json()["error"]["code"], "error-session-expired");
    let bad_bearer = h
        .send(
            Method::GET,
            "/api/v1/units",
            &Client::Bearer("not-a-token".into()),
            None,
        )
        .await;
    assert_eq!(bad_bearer.status, StatusCode::UNAUTHORIZED);
    h
}

async fn an_official_with_totp_needs_the_code(h: Web) -> Web {
    let id =
        h.f.db
            .store
            .official_credentials("giamdoc.stp")
            .await
            .expect("official")
            .id;
    let actor = Actor {
        principal: h
            .f
            .app
            .official_principal(id)
            .await
            .expect("p")
            .expect("active"),
        ip: None,
    };
    let (secret, uri) = h.f.app.totp_enrol_start(&actor, None).await.expect("start");
    assert!(uri.starts_with("otpauth://totp/"));
    let now = h.f.app.now().unix_timestamp();
    let code = motcua_app::security::totp_code(&secret, now).expect("code");
    h.f.app
        .totp_enrol_confirm(&actor, &code)
        .await
        .expect("confirm");
    let browser = Client::Anonymous;
    let reply = h
        .form(
            "/staff/signin",
            &browser,
            &[
                ("username", "giamdoc.stp"),
                ("password", motcua_app::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(reply.headers[header::LOCATION], "/staff/totp");
    let cookie = reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__Host-motcua_session="))
        .expect("cookie")
        .to_owned();
    let pending = cookie
        .trim_start_matches("__Host-motcua_session=")
        .split(';')
        .next()
        .expect("token")
        .to_owned();
    let half = Client::Session(pending.clone());
    let blocked = h.send(Method::GET, "/staff", &half, None).await;
    assert_eq!(
        blocked.status,
        StatusCode::SEE_OTHER,
        "password alone opens nothing"
    );
    let wrong = h.form("/staff/totp", &half, &[("code", "123456")]).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let right = h.form("/staff/totp", &half, &[("code", &code)]).await;
    assert_eq!(right.status, StatusCode::SEE_OTHER, "{}", right.text());
    let full = right
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__Host-motcua_session="))
        .expect("cookie")
        .to_owned();
    let token = full
        .trim_start_matches("__Host-motcua_session=")
        .split(';')
        .next()
        .expect("token")
        .to_owned();
    assert_ne!(
        token, pending,
        "a new session token after the second factor"
    );
    let home = h
        .send(Method::GET, "/staff", &Client::Session(token), None)
        .await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text().contains("Trương Quốc Bảo"));
    h
}

async fn repeated_wrong_passwords_are_slowed_down(h: Web) -> Web {
    let browser = Client::Anonymous;
    let mut statuses = Vec::new();
    for _ in 0..11 {
        statuses.push(
            h.form(
                "/staff/signin",
                &browser,
                &[("username", "admin"), ("password", "guess")],
            )
            .await
            .status,
        );
    }
    assert!(
        statuses[..10]
            .iter()
            .all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert_eq!(statuses[10], StatusCode::TOO_MANY_REQUESTS);
    let blocked = h
        .form(
            "/staff/signin",
            &browser,
            &[
                ("username", "admin"),
                ("password", motcua_app::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        blocked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    assert!(blocked.text().contains("thử quá nhiều lần"));
    h
}
