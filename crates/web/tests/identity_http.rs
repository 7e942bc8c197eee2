//! Identity over HTTP (issue 13): the sign-up limit answers 429 with a clear Vietnamese
//! message; officials list and revoke their API tokens; TOTP is not replaced from the security
//! page without the current code; a desk official records an ID card check, through the API
//! and on the counter page. Both databases.

#[macro_use]
mod support;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use motcua_app::Actor;
use motcua_app::security;
use support::{Client, Web};
use tower::ServiceExt;

both!(
    sign_ups_from_one_address_are_limited_with_a_clear_message,
    an_official_lists_and_revokes_api_tokens_over_http,
    the_security_page_does_not_replace_totp_without_the_current_code,
    a_desk_official_records_an_id_card_check,
    the_counter_page_records_an_id_card_check,
);

const CSRF: &str = "identity-http-csrf-0123456789abcdefghijkl";

/// A page form posted like a browser does (CSRF cookie and field), with an optional session.
async fn post_form(
    w: &Web,
    path: &str,
    session: Option<&str>,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let router = motcua_web::routes::build(motcua_web::AppState {
        app: w.f.app.clone(),
        config: std::sync::Arc::new(motcua_web::WebConfig::default()),
        metrics: None,
    });
    let mut pairs = fields.to_vec();
    pairs.push(("_csrf", CSRF));
    let mut cookies = vec![format!(
        "{}={CSRF}",
        motcua_web::context::csrf_cookie_name(true)
    )];
    if let Some(token) = session {
        cookies.push(format!(
            "{}={token}",
            motcua_web::context::session_cookie_name(true)
        ));
    }
    let request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::COOKIE, cookies.join("; "))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(
            serde_urlencoded::to_string(&pairs).expect("form"),
        ))
        .expect("request");
    let response = router.oneshot(request).await.expect("response");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

async fn sign_ups_from_one_address_are_limited_with_a_clear_message(w: Web) -> Web {
    // Twenty refused attempts (password too short: no hashing, nothing stored) use the quota.
    for n in 0..20 {
        let (status, body) = post_form(
            &w,
            "/signup",
            None,
            &[
                ("personal_id", "092188007777"),
                ("full_name", "Người Thử"),
                ("email", "thu@example.vn"),
                ("password", "ngan"),
            ],
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "attempt {n}: {body}"
        );
    }
    let (status, body) = post_form(
        &w,
        "/signup",
        None,
        &[
            ("personal_id", "092188007777"),
            ("full_name", "Người Thử"),
            ("email", "thu@example.vn"),
            ("password", "mat-khau-du-dai"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(
        body.contains("Có quá nhiều lượt đăng ký tài khoản từ địa chỉ mạng này"),
        "{body}"
    );
    assert!(
        w.f.db
            .store
            .citizen_credentials("092188007777")
            .await
            .is_err(),
        "no account was opened"
    );
    w
}

async fn an_official_lists_and_revokes_api_tokens_over_http(w: Web) -> Web {
    let official = w.official("tiepnhan.ninhkieu").await;
    let issued = w
        .post(
            "/api/v1/tokens",
            &official,
            serde_json::json!({ "name": "máy quét" }),
        )
        .await;
    assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.text());
    assert!(issued.headers.contains_key(header::CONTENT_TYPE));
    let token = Client::Bearer(issued.json()["token"].as_str().expect("token").to_owned());

    let listed = w.get("/api/v1/tokens", &token).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text());
    let names: Vec<String> = listed
        .json()
        .as_array()
        .expect("array")
        .iter()
        .map(|t| t["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(names.contains(&"máy quét".to_owned()), "{names:?}");
    assert!(!listed.text().contains("token_hash"));
    let id = listed.json()[0]["id"].as_i64().expect("id");

    // Another official cannot revoke it.
    let other = w.official("admin").await;
    let foreign = w
        .send(
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            &other,
            None,
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.text());

    let revoked = w
        .send(
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            &token,
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{}", revoked.text());
    let after = w.get("/api/v1/me", &token).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "the token is dead");
    let anonymous = w.get("/api/v1/tokens", &Client::Anonymous).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    w
}

async fn the_security_page_does_not_replace_totp_without_the_current_code(w: Web) -> Web {
    let official = w.f.official("tiepnhan.ninhkieu").await;
    let id = official.principal.official_id().expect("id");
    let (secret, _) =
        w.f.app
            .totp_enrol_start(&official, None)
            .await
            .expect("start");
    let now = w.f.app.now().unix_timestamp();
    w.f.app
        .totp_enrol_confirm(&official, &security::totp_code(&secret, now).expect("code"))
        .await
        .expect("on");
    // A full session (as after password + code).
    let session = security::random_token();
    let mut tx = w.f.db.store.begin().await.expect("tx");
    tx.insert_session(&motcua_store::auth::SessionRow {
        token_hash: security::token_hash(&session),
        principal_kind: "official".into(),
        principal_id: id,
        stage: "full".into(),
        created_at: 0,
        expires_at: i64::MAX,
    })
    .await
    .expect("session");
    tx.commit().await.expect("commit");

    let (status, body) = post_form(&w, "/staff/security/totp/start", Some(&session), &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("cần nhập đúng mã hiện tại"), "{body}");
    assert!(!body.contains("otpauth://"), "no new key was handed out");
    let credentials =
        w.f.db
            .store
            .official_credentials_by_id(id)
            .await
            .expect("credentials");
    assert!(credentials.totp_enabled);
    assert_eq!(credentials.totp_secret.as_deref(), Some(secret.as_str()));

    let code = security::totp_code(&secret, now).expect("code");
    let (status, body) = post_form(
        &w,
        "/staff/security/totp/start",
        Some(&session),
        &[("current_code", &code)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("otpauth://"), "{body}");
    w
}

async fn a_desk_official_records_an_id_card_check(w: Web) -> Web {
    w.f.app
        .citizen_sign_up(
            &Actor::anonymous(Some("10.9.9.9".into())),
            &motcua_app::accounts::CitizenSignUp {
                personal_id: "092188007777".into(),
                full_name: "Nguyễn Thị Thật".into(),
                email: Some("that@example.vn".into()),
                phone: None,
                password: "mat-khau-du-dai".into(),
            },
        )
        .await
        .expect("sign up");
    let body = serde_json::json!({ "personal_id": "092188007777" });
    // A citizen (even the account holder) cannot prove a number.
    let citizen = w.citizen(motcua_app::test_support::CITIZEN).await;
    let refused = w
        .post("/api/v1/citizens/id-proof", &citizen, body.clone())
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text());
    assert!(!refused.message().is_empty(), "a translated message");
    let desk = w.official("tiepnhan.ninhkieu").await;
    let wrong = w
        .post(
            "/api/v1/citizens/id-proof",
            &desk,
            serde_json::json!({ "personal_id": "12" }),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let proven = w.post("/api/v1/citizens/id-proof", &desk, body).await;
    assert_eq!(proven.status, StatusCode::OK, "{}", proven.text());
    assert_eq!(proven.json()["linked_dossiers"], 0);
    let credentials =
        w.f.db
            .store
            .citizen_credentials("092188007777")
            .await
            .expect("account");
    assert!(credentials.id_proven_at.is_some());
    w
}

async fn the_counter_page_records_an_id_card_check(w: Web) -> Web {
    const NUMBER: &str = "092188007777";
    let holder =
        w.f.app
            .citizen_sign_up(
                &Actor::anonymous(Some("10.9.9.9".into())),
                &motcua_app::accounts::CitizenSignUp {
                    personal_id: NUMBER.into(),
                    full_name: "Nguyễn Thị Thật".into(),
                    email: Some("that@example.vn".into()),
                    phone: None,
                    password: "mat-khau-du-dai".into(),
                },
            )
            .await
            .expect("sign up");
    // A dossier registered at the counter for the number waits for the proof.
    let dossier =
        w.f.app
            .register_at_counter(
                &w.f.official("tiepnhan.ninhkieu").await,
                &motcua_app::dossiers::CounterRegistration {
                    procedure_code: "1.001193".into(),
                    agency_code: motcua_app::test_support::WARD.into(),
                    applicant_name: "Nguyễn Thị Thật".into(),
                    applicant_personal_id: Some(NUMBER.into()),
                    form: motcua_app::test_support::birth_registration(),
                    delivery: Default::default(),
                    postmark: None,
                    contact_phone: None,
                },
            )
            .await
            .expect("registered at the counter")
            .id;
    let proven = || async {
        w.f.db
            .store
            .citizen_credentials(NUMBER)
            .await
            .expect("account")
            .id_proven_at
            .is_some()
    };
    let checks = || async {
        w.f.db
            .store
            .list_audit(Some("citizen.id_proven"), 10, None)
            .await
            .expect("audit")
    };
    let path = "/staff/citizens/id-proof";

    // The counter page offers the check as a plain form with its CSRF token.
    let desk = w.official_session("tiepnhan.ninhkieu").await;
    let page = w.get("/staff/counter", &desk).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    let form = &text[text.find("id=\"id-proof\"").expect("the ID card form")..];
    assert!(
        form.contains(&format!("action=\"{path}\""))
            && form.contains("name=\"_csrf\"")
            && form.contains("name=\"personal_id\""),
        "{form}"
    );

    // Not 12 digits: the Vietnamese message next to the input, what was typed kept, nothing
    // recorded.
    for bad in ["", "12", "09218800777", "0921880077777", "09218800777a"] {
        let reply = w.form(path, &desk, &[("personal_id", bad)]).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            reply.text()
        );
        let text = reply.text();
        assert!(
            text.contains(
                "<p class=\"error\" id=\"e-personal_id\">Số định danh cá nhân phải gồm 12 chữ số hợp lệ.</p>"
            ),
            "{bad}: {text}"
        );
        assert!(text.contains(&format!("value=\"{bad}\"")), "{bad}: kept");
    }
    let english = w.form_english(path, &desk, &[("personal_id", "12")]).await;
    assert!(
        english
            .text()
            .contains("The personal identification number must be 12 valid digits."),
        "{}",
        english.text()
    );
    // Twelve digits but nobody's: said so, nothing recorded.
    let unknown = w
        .form(path, &desk, &[("personal_id", "092188009999")])
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unknown
            .text()
            .contains("Không có tài khoản công dân nào với số định danh cá nhân này."),
        "{}",
        unknown.text()
    );
    // Without the token the form is refused.
    let forged = w
        .form_without_csrf(path, &desk, &[("personal_id", NUMBER)])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // Nobody but an official with the reception role: a citizen (even the holder), the ward's
    // specialist and its administrator; anonymous callers are sent to sign in.
    for (who, client) in [
        (
            "a citizen",
            w.citizen(motcua_app::test_support::CITIZEN).await,
        ),
        ("the holder", w.citizen(NUMBER).await),
        (
            "a specialist",
            w.official_session("chuyenvien.ninhkieu").await,
        ),
        (
            "an administrator",
            w.official_session("quantri.ninhkieu").await,
        ),
    ] {
        let reply = w.form(path, &client, &[("personal_id", NUMBER)]).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{who}: {}",
            reply.text()
        );
    }
    let anonymous = w
        .form(path, &Client::Anonymous, &[("personal_id", NUMBER)])
        .await;
    assert!(
        matches!(
            anonymous.status,
            StatusCode::UNAUTHORIZED | StatusCode::SEE_OTHER
        ),
        "{}",
        anonymous.status
    );
    assert!(!proven().await, "refusals record nothing");
    assert!(checks().await.is_empty());
    let row = w.f.db.store.get_dossier(dossier).await.expect("dossier");
    assert_eq!(row.citizen_id, None, "the counter dossier still waits");

    // The desk official records the check: back to the counter with a message, the account
    // proven, the counter dossier linked, the check in the audit log under the official.
    let done = w.form(path, &desk, &[("personal_id", NUMBER)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    assert_eq!(done.location(), "/staff/counter?id_proven=1");
    let shown = w.get(&done.location(), &desk).await;
    assert!(
        shown.text().contains(
            "Đã ghi nhận việc kiểm tra thẻ căn cước; 1 hồ sơ tiếp nhận tại quầy được gắn vào tài khoản."
        ),
        "{}",
        shown.text()
    );
    assert!(proven().await);
    let row = w.f.db.store.get_dossier(dossier).await.expect("dossier");
    assert_eq!(row.citizen_id, Some(holder));
    let desk_id =
        w.f.db
            .store
            .official_credentials("tiepnhan.ninhkieu")
            .await
            .expect("desk")
            .id;
    let audit = checks().await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor_kind, "official");
    assert_eq!(audit[0].actor_id, Some(desk_id));
    let holder_target = format!("citizen:{holder}");
    assert_eq!(audit[0].target.as_deref(), Some(holder_target.as_str()));
    w
}
