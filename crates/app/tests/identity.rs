//! Identity hardening (issue 13): a personal identification number typed in at sign-up is
//! only claimed until proven; TOTP cannot be replaced or turned off without a current code;
//! sign-ups are limited per address; one-time codes never stay in clear text and no channel
//! pretends to deliver; API tokens die with the password. Every test runs on both databases.

use motcua_app::accounts::CitizenSignUp;
use motcua_app::dossiers::CounterRegistration;
use motcua_app::notify::{Channels, LogNotifier};
use motcua_app::test_support::{Fixture, WARD, birth_registration};
use motcua_app::{Actor, AppError, ContactChannels, security};
use motcua_domain::authz::Principal;
use motcua_store::Backend;
use std::sync::Arc;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::$name(motcua_store::Backend::Sqlite).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::$name(motcua_store::Backend::Postgres).await } )* }
    };
}

both!(
    a_squatter_does_not_see_a_counter_dossier_until_an_official_proves_the_number,
    a_dossier_registered_for_a_proven_account_is_linked_at_once,
    proving_needs_a_desk_official_and_an_existing_account,
    totp_cannot_be_replaced_without_the_current_code,
    sign_ups_are_limited_per_address,
    sign_up_by_phone_is_refused_without_an_sms_gateway,
    one_time_codes_leave_the_outbox_once_delivered,
    an_expired_code_is_dropped_not_sent,
    an_unconfigured_channel_never_marks_a_message_delivered,
    a_password_change_revokes_api_tokens,
    an_official_lists_and_revokes_own_api_tokens_only,
);

/// Someone else's number (not a demo citizen), typed in by a squatter.
const VICTIM: &str = "092188007777";

fn sign_up(personal_id: &str, email: &str) -> CitizenSignUp {
    CitizenSignUp {
        personal_id: personal_id.into(),
        full_name: "Kẻ Mạo Danh".into(),
        email: Some(email.into()),
        phone: None,
        password: "mat-khau-cua-ke-gian".into(),
    }
}

fn from(ip: &str) -> Actor {
    Actor::anonymous(Some(ip.into()))
}

/// The latest one-time code in the outbox for `to` (before delivery).
async fn code_sent_to(f: &Fixture, to: &str) -> String {
    let rows = f.db.store.outbox_of_kind("notify").await.expect("outbox");
    rows.iter()
        .rev()
        .filter_map(|r| serde_json::from_str::<serde_json::Value>(&r.payload).ok())
        .find(|p| p["to"] == to && p["template"] == "verification-code")
        .and_then(|p| p["code"].as_str().map(str::to_owned))
        .expect("a code was sent")
}

/// A squatter signs up with `personal_id` and proves their own e-mail.
async fn squatter(f: &Fixture, personal_id: &str) -> Actor {
    let id = f
        .app
        .citizen_sign_up(
            &from("10.0.0.9"),
            &sign_up(personal_id, "ke-gian@example.vn"),
        )
        .await
        .expect("sign up");
    let code = code_sent_to(f, "ke-gian@example.vn").await;
    f.app
        .citizen_verify(&from("10.0.0.9"), personal_id, &code)
        .await
        .expect("verify");
    Actor {
        principal: Principal::Citizen { citizen_id: id },
        ip: None,
    }
}

async fn register_for(f: &Fixture, personal_id: &str) -> i64 {
    let reception = f.official("tiepnhan.ninhkieu").await;
    f.app
        .register_at_counter(
            &reception,
            &CounterRegistration {
                procedure_code: "1.001193".into(),
                agency_code: WARD.into(),
                applicant_name: "Nguyễn Thị Thật".into(),
                applicant_personal_id: Some(personal_id.into()),
                form: birth_registration(),
                delivery: Default::default(),
                postmark: None,
                contact_phone: None,
            },
        )
        .await
        .expect("registered at the counter")
        .id
}

async fn a_squatter_does_not_see_a_counter_dossier_until_an_official_proves_the_number(
    backend: Backend,
) {
    let f = Fixture::new(backend).await;
    let squatter = squatter(&f, VICTIM).await;
    let dossier = register_for(&f, VICTIM).await;

    let row = f.db.store.get_dossier(dossier).await.expect("dossier");
    assert_eq!(row.citizen_id, None, "an unproven account gets nothing");
    assert!(
        f.app.my_dossiers(&squatter).await.expect("mine").is_empty(),
        "the squatter does not list it"
    );
    assert!(matches!(
        f.app.dossier_for(&squatter, dossier).await,
        Err(AppError::NotFound)
    ));

    // The real holder comes to the counter with the ID card; the official records it.
    let reception = f.official("tiepnhan.ninhkieu").await;
    let linked = f
        .app
        .prove_citizen_id(&reception, VICTIM)
        .await
        .expect("proven");
    assert_eq!(linked, 1);
    let credentials =
        f.db.store
            .citizen_credentials(VICTIM)
            .await
            .expect("account");
    assert!(credentials.id_proven_at.is_some());
    assert_eq!(
        f.app.my_dossiers(&squatter).await.expect("mine").len(),
        1,
        "the proven account sees the counter dossier"
    );
    f.app
        .dossier_for(&squatter, dossier)
        .await
        .expect("now readable");
    let audit = f.db.store.list_audit(None, 200, None).await.expect("audit");
    let entry = audit
        .iter()
        .find(|a| a.action == "citizen.id_proven")
        .expect("the check is audited");
    assert_eq!(entry.actor_kind, "official");
    assert_eq!(
        entry.target.as_deref(),
        Some(format!("citizen:{}", credentials.id).as_str())
    );
    assert!(entry.detail.contains("id_card"), "{}", entry.detail);
    f.cleanup().await;
}

async fn a_dossier_registered_for_a_proven_account_is_linked_at_once(backend: Backend) {
    let f = Fixture::new(backend).await;
    // The demo citizens showed their ID cards once.
    let citizen = f.citizen(motcua_app::test_support::CITIZEN).await;
    let dossier = register_for(&f, motcua_app::test_support::CITIZEN).await;
    f.app
        .dossier_for(&citizen, dossier)
        .await
        .expect("linked to the proven account");
    f.cleanup().await;
}

async fn proving_needs_a_desk_official_and_an_existing_account(backend: Backend) {
    let f = Fixture::new(backend).await;
    let squatter = squatter(&f, VICTIM).await;
    assert!(matches!(
        f.app.prove_citizen_id(&squatter, VICTIM).await,
        Err(AppError::Forbidden)
    ));
    let reception = f.official("tiepnhan.ninhkieu").await;
    assert!(matches!(
        f.app.prove_citizen_id(&reception, "092188009999").await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        f.app.prove_citizen_id(&reception, "12345").await,
        Err(AppError::Invalid(_))
    ));
    let credentials = f.db.store.citizen_credentials(VICTIM).await.expect("acc");
    assert!(credentials.id_proven_at.is_none(), "nothing changed");
    f.cleanup().await;
}

async fn totp_cannot_be_replaced_without_the_current_code(backend: Backend) {
    let f = Fixture::new(backend).await;
    let official = f.official("tiepnhan.ninhkieu").await;
    let id = official.principal.official_id().expect("official");
    let now = || f.app.now().unix_timestamp();
    let code_of = |secret: &str| security::totp_code(secret, now()).expect("code");

    let (first, _) = f
        .app
        .totp_enrol_start(&official, None)
        .await
        .expect("start");
    f.app
        .totp_enrol_confirm(&official, &code_of(&first))
        .await
        .expect("confirm");

    // A stolen session restarts enrolment: refused, and two-factor stays on.
    for attempt in [None, Some("000000"), Some("")] {
        let refused = f.app.totp_enrol_start(&official, attempt).await;
        assert!(
            matches!(&refused, Err(AppError::Invalid(fields)) if fields[0].code == "error-totp-current"),
            "{attempt:?}: {refused:?}"
        );
    }
    let credentials =
        f.db.store
            .official_credentials_by_id(id)
            .await
            .expect("credentials");
    assert!(credentials.totp_enabled, "two-factor still on");
    assert_eq!(credentials.totp_secret.as_deref(), Some(first.as_str()));

    // With the current code a new key is prepared; the old one works until it is confirmed.
    let (second, _) = f
        .app
        .totp_enrol_start(&official, Some(&code_of(&first)))
        .await
        .expect("restart with the current code");
    let credentials =
        f.db.store
            .official_credentials_by_id(id)
            .await
            .expect("credentials");
    assert!(credentials.totp_enabled);
    assert_eq!(credentials.totp_secret.as_deref(), Some(first.as_str()));
    if code_of(&first) != code_of(&second) {
        assert!(
            f.app
                .totp_enrol_confirm(&official, &code_of(&first))
                .await
                .is_err(),
            "the old key does not confirm the new one"
        );
    }
    f.app
        .totp_enrol_confirm(&official, &code_of(&second))
        .await
        .expect("confirm the new key");
    let credentials =
        f.db.store
            .official_credentials_by_id(id)
            .await
            .expect("credentials");
    assert!(credentials.totp_enabled);
    assert_eq!(credentials.totp_secret.as_deref(), Some(second.as_str()));
    assert_eq!(credentials.totp_pending_secret, None);
    f.cleanup().await;
}

async fn sign_ups_are_limited_per_address(backend: Backend) {
    let f = Fixture::new(backend).await;
    // Refused sign-ups count too (the limit is checked before any work is done).
    let bad = CitizenSignUp {
        password: "short".into(),
        ..sign_up(VICTIM, "a@example.vn")
    };
    for _ in 0..20 {
        assert!(matches!(
            f.app.citizen_sign_up(&from("203.0.113.5"), &bad).await,
            Err(AppError::Invalid(_))
        ));
    }
    let limited = f
        .app
        .citizen_sign_up(&from("203.0.113.5"), &sign_up(VICTIM, "a@example.vn"))
        .await;
    assert!(
        matches!(limited, Err(AppError::TooManySignUps)),
        "{limited:?}"
    );
    assert_eq!(AppError::TooManySignUps.code(), "error-signup-rate-limited");
    assert!(
        f.db.store.citizen_credentials(VICTIM).await.is_err(),
        "nothing created"
    );
    // Another address is not affected.
    f.app
        .citizen_sign_up(&from("203.0.113.6"), &sign_up(VICTIM, "a@example.vn"))
        .await
        .expect("another address signs up");
    f.cleanup().await;
}

async fn sign_up_by_phone_is_refused_without_an_sms_gateway(backend: Backend) {
    let f = Fixture::new(backend).await;
    let by_phone = CitizenSignUp {
        email: None,
        phone: Some("0912345678".into()),
        ..sign_up(VICTIM, "")
    };
    let refused = f.app.citizen_sign_up(&from("10.1.1.1"), &by_phone).await;
    assert!(
        matches!(&refused, Err(AppError::Invalid(fields))
            if fields.iter().any(|p| p.field == "phone" && p.code == "error-sms-unavailable")),
        "{refused:?}"
    );
    assert!(f.db.store.citizen_credentials(VICTIM).await.is_err());
    assert_eq!(f.db.store.pending_outbox().await.expect("pending"), 0);

    // Where a gateway is configured (the demo's log channel), phone sign-up works.
    let mut settings = (*f.app.settings).clone();
    settings.channels = ContactChannels {
        email: true,
        sms: true,
        zalo: false,
    };
    let mut with_sms = f.app.clone();
    with_sms.settings = Arc::new(settings);
    with_sms
        .citizen_sign_up(&from("10.1.1.1"), &by_phone)
        .await
        .expect("sign up by phone");
    f.cleanup().await;
}

async fn one_time_codes_leave_the_outbox_once_delivered(backend: Backend) {
    let f = Fixture::new(backend).await;
    f.app
        .citizen_sign_up(&from("10.2.2.2"), &sign_up(VICTIM, "thu@example.vn"))
        .await
        .expect("sign up");
    let code = code_sent_to(&f, "thu@example.vn").await;
    assert_eq!(
        f.app
            .deliver_outbox(&Channels::log_only())
            .await
            .expect("deliver"),
        1
    );
    let rows = f.db.store.outbox_of_kind("notify").await.expect("outbox");
    assert_eq!(rows.len(), 1);
    assert!(
        !rows[0].payload.contains(&code),
        "the code is gone: {}",
        rows[0].payload
    );
    let payload: serde_json::Value = serde_json::from_str(&rows[0].payload).expect("json");
    assert_eq!(payload["to"], "thu@example.vn", "where it went is kept");
    // The code itself is stored only as a hash, and still works.
    f.app
        .citizen_verify(&from("10.2.2.2"), VICTIM, &code)
        .await
        .expect("the delivered code verifies");
    f.cleanup().await;
}

async fn an_expired_code_is_dropped_not_sent(backend: Backend) {
    let f = Fixture::new(backend).await;
    f.app
        .citizen_sign_up(&from("10.3.3.3"), &sign_up(VICTIM, "thu@example.vn"))
        .await
        .expect("sign up");
    let code = code_sent_to(&f, "thu@example.vn").await;
    f.advance(time::Duration::minutes(11));
    assert_eq!(
        f.app
            .deliver_outbox(&Channels::log_only())
            .await
            .expect("deliver"),
        0,
        "an expired code is not sent"
    );
    assert_eq!(f.db.store.pending_outbox().await.expect("pending"), 0);
    let rows = f.db.store.outbox_of_kind("notify").await.expect("outbox");
    assert!(!rows[0].payload.contains(&code), "{}", rows[0].payload);
    f.cleanup().await;
}

async fn an_unconfigured_channel_never_marks_a_message_delivered(backend: Backend) {
    let f = Fixture::new(backend).await;
    f.app
        .citizen_sign_up(&from("10.4.4.4"), &sign_up(VICTIM, "thu@example.vn"))
        .await
        .expect("sign up");
    // Production without a mail relay: nothing pretends to send.
    assert_eq!(
        f.app
            .deliver_outbox(&Channels::production(None))
            .await
            .expect("deliver"),
        0
    );
    assert_eq!(
        f.db.store.pending_outbox().await.expect("pending"),
        1,
        "still waiting, not marked delivered"
    );
    // And SMS never goes to the log outside the demo.
    let channels = Channels::production(Some(Arc::new(LogNotifier)));
    let notification = motcua_app::notify::Notification {
        channel: "sms".into(),
        to: "0912345678".into(),
        template: "verification-code".into(),
        code: Some("123456".into()),
        ..Default::default()
    };
    assert!(channels.sms.send(&notification).await.is_err());
    f.cleanup().await;
}

async fn a_password_change_revokes_api_tokens(backend: Backend) {
    let f = Fixture::new(backend).await;
    let official = f.official("tiepnhan.ninhkieu").await;
    let id = official.principal.official_id().expect("official");
    let token = f
        .app
        .issue_api_token(&official, id, "máy quét", None)
        .await
        .expect("token");
    assert!(
        f.app
            .resolve_api_token(&token)
            .await
            .expect("resolve")
            .is_some()
    );
    f.app
        .set_official_password(&official, id, "mat-khau-moi-dai")
        .await
        .expect("password changed");
    assert!(
        f.app
            .resolve_api_token(&token)
            .await
            .expect("resolve")
            .is_none(),
        "the token died with the old password"
    );
    let tokens = f.app.list_api_tokens(&official).await.expect("list");
    assert!(tokens.iter().all(|t| t.revoked_at.is_some()));
    f.cleanup().await;
}

async fn an_official_lists_and_revokes_own_api_tokens_only(backend: Backend) {
    let f = Fixture::new(backend).await;
    let official = f.official("tiepnhan.ninhkieu").await;
    let id = official.principal.official_id().expect("official");
    let other = f.official("admin").await;
    let token = f
        .app
        .issue_api_token(&official, id, "máy quét", None)
        .await
        .expect("token");
    let listed = f.app.list_api_tokens(&official).await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, "máy quét");
    assert!(
        f.app
            .list_api_tokens(&other)
            .await
            .expect("list")
            .is_empty()
    );
    assert!(matches!(
        f.app.revoke_api_token(&other, listed[0].id).await,
        Err(AppError::NotFound)
    ));
    f.app
        .revoke_api_token(&official, listed[0].id)
        .await
        .expect("revoke");
    assert!(
        f.app
            .resolve_api_token(&token)
            .await
            .expect("resolve")
            .is_none()
    );
    assert!(matches!(
        f.app.revoke_api_token(&official, listed[0].id).await,
        Err(AppError::NotFound)
    ));
    f.cleanup().await;
}
