//! Notices through the real adapters against local simulators of the services, on both
//! databases: SMS through a brand-name gateway and Zalo ZNS by phone, once each even when the
//! gateway is down or its reply is lost; Zalo's single-use refresh token kept in the database;
//! and the Zalo lookup bot answering a signed "tra cứu" while refusing forged and stale events.

use motcua_app::chatbot::ChatIntake;
use motcua_app::notifications::PreferencesForm;
use motcua_app::notify::{Channels, LogNotifier, SmsNotifier, ZaloChat, ZaloNotifier};
use motcua_app::test_support::{CITIZEN, Fixture};
use motcua_app::{App, AppError, ContactChannels};
use motcua_channels::Secret;
use motcua_channels::simulator::sms::{SmsSimConfig, SmsSimHandle, SmsSimulator};
use motcua_channels::simulator::zalo::{SentKind, ZaloSimConfig, ZaloSimHandle, ZaloSimulator};
use motcua_channels::sms::{HttpSmsGateway, SmsConfig};
use motcua_channels::zalo::{ZaloOa, ZaloTokens};
use motcua_domain::dossier::ReturnMethod;
use motcua_store::Backend;
use std::sync::Arc;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::$name(motcua_store::Backend::Sqlite).await; } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::$name(motcua_store::Backend::Postgres).await; } )* }
    };
}

both!(
    notices_reach_sms_and_zalo_once_through_outages_and_lost_replies,
    the_zalo_bot_answers_a_signed_lookup_and_refuses_forgeries,
    the_bot_tells_by_when_to_supplement,
);

const TEMPLATE: &str = "motcua-thong-bao-ho-so";

struct Services {
    sms: SmsSimHandle,
    zalo: ZaloSimHandle,
    channels: Channels,
}

async fn services(f: &Fixture) -> Services {
    let sms = SmsSimulator::start(SmsSimConfig::generic("motcua", "khoa-sms", "MOTCUA"))
        .await
        .expect("SMS simulator");
    let gateway = HttpSmsGateway::new(SmsConfig::generic(
        sms.endpoint(),
        "motcua",
        Secret("khoa-sms".into()),
        "MOTCUA",
    ))
    .expect("gateway");
    let zalo = ZaloSimulator::start(ZaloSimConfig::new("app-1", "bi-mat-app", "bi-mat-oa"))
        .await
        .expect("Zalo simulator");
    // Events are stamped with the application's (fixed) clock, as a real OA's would be now.
    zalo.set_now_ms(f.app.now_micros() / 1000);
    zalo.add_zns_template(TEMPLATE, &["ma_ho_so", "noi_dung"]);
    let tokens = f.app.zalo_token_store();
    assert!(
        tokens
            .seed(&ZaloTokens {
                access_token: Secret(String::new()),
                refresh_token: zalo.initial_tokens().refresh_token,
                access_expires_at: 0,
            })
            .await
            .expect("seed")
    );
    let oa = Arc::new(ZaloOa::new(zalo.adapter_config(), tokens).expect("OA"));
    let channels = Channels {
        email: Arc::new(LogNotifier),
        sms: Arc::new(SmsNotifier(Arc::new(gateway))),
        zalo: Arc::new(ZaloNotifier {
            oa: oa.clone(),
            template_id: TEMPLATE.into(),
        }),
        chat: Some(Arc::new(ZaloChat(oa))),
    };
    Services {
        sms,
        zalo,
        channels,
    }
}

fn configured(f: &Fixture) -> App {
    let mut settings = (*f.app.settings).clone();
    settings.channels = ContactChannels {
        email: true,
        sms: true,
        zalo: true,
    };
    let mut app = f.app.clone();
    app.settings = Arc::new(settings);
    app
}

async fn drain(app: &App, channels: &Channels) -> usize {
    let mut total = 0;
    loop {
        let delivered = app.deliver_outbox(channels).await.expect("deliver");
        total += delivered;
        if delivered == 0 {
            return total;
        }
    }
}

async fn notices_reach_sms_and_zalo_once_through_outages_and_lost_replies(backend: Backend) {
    let f = Fixture::new(backend).await;
    let s = services(&f).await;
    let citizen = f.citizen(CITIZEN).await;
    configured(&f)
        .set_my_notification_preferences(
            &citizen,
            &PreferencesForm {
                email: false,
                sms: true,
                zalo: true,
                language: "vi".into(),
            },
        )
        .await
        .expect("preferences");
    let returned = f.returned(ReturnMethod::Counter).await;
    let code = returned.code.clone().expect("code");
    // 4 SMS, 4 ZNS, and the counter hand-over's `deliver-result` row (nothing to post).
    assert_eq!(drain(&f.app, &s.channels).await, 9);
    let sms = s.sms.messages();
    assert_eq!(sms.len(), 4, "{sms:?}");
    assert!(
        sms.iter()
            .all(|m| m.phone == "84912345678" && m.brand_name == "MOTCUA")
    );
    // Brand-name SMS go without diacritics; the receipt notice names the appointment.
    assert!(sms[1].text.contains(&code), "{}", sms[1].text);
    assert!(
        sms[1].text.contains("da tiep nhan, hen tra"),
        "{}",
        sms[1].text
    );
    let zns: Vec<_> = s
        .zalo
        .messages()
        .into_iter()
        .filter(|m| matches!(m.kind, SentKind::Zns))
        .collect();
    assert_eq!(zns.len(), 4);
    assert!(zns.iter().all(|m| m.to == "84912345678"));
    let data = zns[1].template_data.clone().expect("data");
    assert_eq!(data["ma_ho_so"], code.as_str());
    assert!(
        data["noi_dung"]
            .as_str()
            .is_some_and(|t| t.contains("đã tiếp nhận")),
        "Zalo keeps the diacritics: {data:?}"
    );
    // The first use refreshed the seeded pair and stored the new one (single-use token).
    assert_eq!(s.zalo.refresh_count(), 1);
    let stored = f.app.zalo_token_store();
    let tokens = motcua_channels::zalo::TokenStore::load(&*stored)
        .await
        .expect("load")
        .expect("tokens");
    assert_ne!(tokens.refresh_token, s.zalo.initial_tokens().refresh_token);

    // The SMS gateway is down: the notices wait, then go out once it is back.
    s.sms.set_down(true);
    f.received().await;
    drain(&f.app, &s.channels).await;
    assert_eq!(s.sms.messages().len(), 4);
    s.sms.set_down(false);
    f.advance(time::Duration::minutes(1));
    drain(&f.app, &s.channels).await;
    assert_eq!(s.sms.messages().len(), 6);
    // The gateway takes a message but its reply is lost: the retry carries the same request
    // id, so the citizen gets it once.
    s.sms.set_lose_replies(1);
    f.submit().await;
    drain(&f.app, &s.channels).await;
    f.advance(time::Duration::minutes(1));
    drain(&f.app, &s.channels).await;
    let sms = s.sms.messages();
    assert_eq!(sms.len(), 7, "{sms:?}");
    assert!(s.sms.received() >= 8, "the retry reached the gateway");
    // Zalo's access token expires: refreshed, and the notice still goes out.
    s.zalo.expire_access_tokens();
    f.submit().await;
    drain(&f.app, &s.channels).await;
    assert_eq!(s.zalo.refresh_count(), 2);
    let zns = s
        .zalo
        .messages()
        .into_iter()
        .filter(|m| matches!(m.kind, SentKind::Zns))
        .count();
    assert_eq!(zns, 4 + 2 + 1 + 1);
    assert_eq!(s.zalo.reused_refresh_count(), 0);
    f.cleanup().await;
}

/// Papers asked for by a day: the bot's next step names the day, as the notice did.
async fn the_bot_tells_by_when_to_supplement(backend: Backend) {
    let f = Fixture::new(backend).await;
    let submitted = f.submit().await;
    let code = submitted.code.clone().expect("code");
    let reception = f.official("tiepnhan.ninhkieu").await;
    let today = f
        .app
        .now()
        .to_offset(motcua_domain::calendar::VIETNAM_OFFSET)
        .date();
    let due_by = today + time::Duration::days(10);
    f.app
        .act_on_dossier(
            &reception,
            submitted.id,
            motcua_domain::dossier::Command::RequestSupplement {
                missing: vec!["Giấy chứng sinh (bản chính)".into()],
                reason: "Thiếu giấy chứng sinh".into(),
                due_by: Some(due_by),
            },
        )
        .await
        .expect("supplement requested");
    let answer = f
        .app
        .chat_answer("zalo-user-1", &format!("tra cứu {code}"))
        .await
        .expect("answer");
    let told = format!(
        "trước ngày {:02}/{:02}/{}",
        due_by.day(),
        u8::from(due_by.month()),
        due_by.year()
    );
    assert!(answer.contains(&told), "{answer}");
    f.cleanup().await;
}

async fn the_zalo_bot_answers_a_signed_lookup_and_refuses_forgeries(backend: Backend) {
    let f = Fixture::new(backend).await;
    let s = services(&f).await;
    let app = f.app.clone().with_zalo_webhook(s.zalo.adapter_config());
    let received = f.received().await;
    let code = received.code.clone().expect("code");
    let user = "zalo-user-8123";
    s.zalo.add_follower(user);
    // Any casing, no diacritics, the code lower-cased, amid other words.
    let text = format!("Tra cuu ho so {} giup toi", code.to_lowercase());
    let (body, signature) = s.zalo.signed_user_text_event(user, &text);
    assert_eq!(
        app.receive_zalo_event(body.as_bytes(), Some(&signature))
            .await
            .expect("accepted"),
        ChatIntake::Accepted
    );
    // Zalo sends the same event again: stored once, answered once.
    assert_eq!(
        app.receive_zalo_event(body.as_bytes(), Some(&signature))
            .await
            .expect("duplicate"),
        ChatIntake::Duplicate
    );
    drain(&app, &s.channels).await;
    let replies: Vec<_> = s
        .zalo
        .messages()
        .into_iter()
        .filter(|m| matches!(m.kind, SentKind::Cs))
        .collect();
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert_eq!(replies[0].to, user);
    let answer = replies[0].text.clone().expect("text");
    assert!(answer.contains(&code), "{answer}");
    assert!(!answer.contains("trước ngày"), "no day asked: {answer}");
    assert!(answer.contains("Được tiếp nhận"), "{answer}");
    assert!(answer.contains("Ngày hẹn trả: "), "{answer}");
    assert!(answer.contains("Bước tiếp theo"), "{answer}");
    assert!(
        !answer.contains("Hậu"),
        "never the applicant's name: {answer}"
    );

    // A forged signature and a stale event change nothing.
    let before =
        f.db.store
            .outbox_of_kind("chat-reply")
            .await
            .expect("outbox")
            .len();
    let (forged, _) = s
        .zalo
        .signed_user_text_event(user, &format!("tra cứu {code}"));
    assert!(matches!(
        app.receive_zalo_event(forged.as_bytes(), Some("mac=00ff"))
            .await,
        Err(AppError::Unauthenticated)
    ));
    assert!(matches!(
        app.receive_zalo_event(forged.as_bytes(), None).await,
        Err(AppError::Unauthenticated)
    ));
    s.zalo
        .set_now_ms(f.app.now_micros() / 1000 - 10 * 60 * 1000);
    let (stale, stale_signature) = s
        .zalo
        .signed_user_text_event(user, &format!("tra cứu {code}"));
    assert!(matches!(
        app.receive_zalo_event(stale.as_bytes(), Some(&stale_signature))
            .await,
        Err(AppError::Unauthenticated)
    ));
    assert!(matches!(
        app.receive_zalo_event(b"{not json", Some("mac=00")).await,
        Err(AppError::Invalid(_))
    ));
    assert_eq!(
        f.db.store
            .outbox_of_kind("chat-reply")
            .await
            .expect("outbox")
            .len(),
        before
    );
    s.zalo.set_now_ms(f.app.now_micros() / 1000);

    // An unknown code and a message without one get helpful answers.
    for (text, expected) in [
        ("tra cứu 000.00.30.H13-261206-9999", "Không tìm thấy hồ sơ"),
        ("tra cứu giúp tôi", "tra cứu <mã hồ sơ>"),
        ("xin chào", "Xin chào"),
    ] {
        let (body, signature) = s.zalo.signed_user_text_event(user, text);
        app.receive_zalo_event(body.as_bytes(), Some(&signature))
            .await
            .expect("accepted");
        drain(&app, &s.channels).await;
        let last = s
            .zalo
            .messages()
            .into_iter()
            .rev()
            .find(|m| matches!(m.kind, SentKind::Cs))
            .and_then(|m| m.text)
            .expect("reply");
        assert!(last.contains(expected), "{text}: {last}");
    }

    // While Zalo is down the answer waits and then goes out, once.
    s.zalo.set_down(true);
    let (body, signature) = s
        .zalo
        .signed_user_text_event(user, &format!("tra cứu {code}"));
    app.receive_zalo_event(body.as_bytes(), Some(&signature))
        .await
        .expect("accepted");
    drain(&app, &s.channels).await;
    let count = |s: &Services| {
        s.zalo
            .messages()
            .into_iter()
            .filter(|m| matches!(m.kind, SentKind::Cs))
            .count()
    };
    assert_eq!(count(&s), 4);
    s.zalo.set_down(false);
    f.advance(time::Duration::minutes(1));
    drain(&app, &s.channels).await;
    assert_eq!(count(&s), 5);
    f.cleanup().await;
}
