//! Notifications on every channel the citizen chose, on both databases: the messages a
//! dossier's life produces (once each per channel), outages retried until delivered, a worker
//! that dies mid-delivery, dead letters, the delivery log's masking and jurisdiction, template
//! changes with their checks, and the citizen's choices.

use motcua_app::notifications::DeliveryState;
use motcua_app::notifications::PreferencesForm;
use motcua_app::notify::{Channels, Notification, Notifier};
use motcua_app::test_support::{CITIZEN, Fixture, OTHER_CITIZEN};
use motcua_app::{Actor, App, AppError, ContactChannels};
use motcua_channels::ChannelError;
use motcua_domain::dossier::ReturnMethod;
use motcua_domain::notify::NotifyChannel;
use motcua_store::Backend;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::$name(motcua_store::Backend::Sqlite).await; } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::$name(motcua_store::Backend::Postgres).await; } )* }
    };
}

both!(
    a_dossier_life_reaches_every_chosen_channel_once,
    an_outage_is_retried_until_the_channel_accepts,
    a_worker_that_dies_mid_delivery_loses_nothing,
    refused_and_exhausted_messages_become_dead_letters,
    the_delivery_log_is_masked_and_kept_to_the_jurisdiction,
    one_time_codes_are_filed_under_their_channel,
    templates_are_edited_with_checks_and_used_when_sending,
    a_citizen_chooses_channels_the_installation_has,
    a_supplement_request_tells_the_day_to_supplement_by,
);

const OK: u8 = 0;
const DOWN: u8 = 1;
const REFUSING: u8 = 2;

/// A channel that records what it accepted, or is down, or refuses for good.
#[derive(Default)]
struct Recorder {
    accepted: Mutex<Vec<Notification>>,
    mode: AtomicU8,
}

impl Recorder {
    fn set(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
    }

    fn accepted(&self) -> Vec<Notification> {
        self.accepted.lock().expect("lock").clone()
    }

    fn templates(&self) -> Vec<String> {
        self.accepted().into_iter().map(|n| n.template).collect()
    }
}

impl Notifier for Recorder {
    fn send<'a>(
        &'a self,
        message: &'a Notification,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + Send + 'a>> {
        Box::pin(async move {
            match self.mode.load(Ordering::SeqCst) {
                DOWN => Err(ChannelError::Unreachable("connection refused".into()).into()),
                REFUSING => Err(ChannelError::Refused {
                    code: "-124".into(),
                    message: "invalid phone".into(),
                    permanent: true,
                }
                .into()),
                _ => {
                    self.accepted.lock().expect("lock").push(message.clone());
                    Ok(())
                }
            }
        })
    }
}

struct Three {
    email: Arc<Recorder>,
    sms: Arc<Recorder>,
    zalo: Arc<Recorder>,
    channels: Channels,
}

fn three() -> Three {
    let email = Arc::new(Recorder::default());
    let sms = Arc::new(Recorder::default());
    let zalo = Arc::new(Recorder::default());
    let channels = Channels {
        email: email.clone(),
        sms: sms.clone(),
        zalo: zalo.clone(),
        chat: None,
    };
    Three {
        email,
        sms,
        zalo,
        channels,
    }
}

/// The fixture's app with every channel available (as a configured installation is).
fn with_all_channels(f: &Fixture) -> App {
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

async fn choose(f: &Fixture, personal_id: &str, email: bool, sms: bool, zalo: bool, lang: &str) {
    let citizen = f.citizen(personal_id).await;
    with_all_channels(f)
        .set_my_notification_preferences(
            &citizen,
            &PreferencesForm {
                email,
                sms,
                zalo,
                language: lang.into(),
            },
        )
        .await
        .expect("preferences");
}

/// Delivers until nothing is due.
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

async fn a_dossier_life_reaches_every_chosen_channel_once(backend: Backend) {
    let f = Fixture::new(backend).await;
    choose(&f, CITIZEN, true, true, true, "vi").await;
    let returned = f.returned(ReturnMethod::Counter).await;
    let code = returned.code.clone().expect("code");
    let t = three();
    drain(&f.app, &t.channels).await;
    // Submitted, received with the appointment, result ready, returned: on each channel once.
    let expected = ["submitted", "received", "result-ready", "returned"];
    assert_eq!(t.email.templates(), expected);
    assert_eq!(t.sms.templates(), expected);
    assert_eq!(t.zalo.templates(), expected);
    // Nothing is sent twice, however often the worker runs.
    assert_eq!(drain(&f.app, &t.channels).await, 0);
    assert_eq!(t.email.accepted().len(), 4);

    let email = &t.email.accepted()[1];
    assert_eq!(email.to, "hau.nguyen@example.vn");
    let subject = email.subject.clone().expect("subject");
    assert!(
        subject.contains(&code) && subject.contains("tiếp nhận"),
        "{subject}"
    );
    let body = email.body.clone().expect("body");
    assert!(body.contains(&format!("/tra-cuu/{code}")), "a link: {body}");
    assert!(
        body.contains("Đăng ký khai sinh"),
        "the procedure's name: {body}"
    );
    let sms = &t.sms.accepted()[1];
    assert_eq!(sms.to, "0912345678");
    let short = sms.short_text();
    assert!(
        short.contains(&code) && short.contains("hẹn trả"),
        "{short}"
    );
    // The appointment is written dd/mm/yyyy HH:MM.
    let appointment = sms.vars.get("appointment").expect("appointment");
    assert!(
        appointment.len() == 16 && &appointment[2..3] == "/" && &appointment[5..6] == "/",
        "{appointment}"
    );

    // In English when the citizen chose it, and only on the channels chosen now.
    choose(&f, CITIZEN, true, false, false, "en").await;
    f.received().await;
    drain(&f.app, &t.channels).await;
    let last = t.email.accepted().pop().expect("message");
    assert!(
        last.subject
            .clone()
            .unwrap_or_default()
            .contains("received"),
        "{last:?}"
    );
    assert_eq!(t.sms.accepted().len(), 4, "SMS turned off");
    assert_eq!(t.zalo.accepted().len(), 4, "Zalo turned off");
    f.cleanup().await;
}

/// Yêu cầu bổ sung with a day (Hạn bổ sung): the notice names it as dd/mm/yyyy in its subject,
/// body and short text; without one the notice mentions no day; a day that is not after today
/// is refused and nothing is sent or changed.
async fn a_supplement_request_tells_the_day_to_supplement_by(backend: Backend) {
    use motcua_domain::dossier::{Command, DossierStatus};
    let f = Fixture::new(backend).await;
    choose(&f, CITIZEN, true, true, false, "vi").await;
    let reception = f.official("tiepnhan.ninhkieu").await;
    let t = three();
    let ask = |id: i64, due_by: Option<time::Date>| {
        let reception = reception.clone();
        let app = f.app.clone();
        async move {
            app.act_on_dossier(
                &reception,
                id,
                Command::RequestSupplement {
                    missing: vec!["Giấy chứng sinh (bản chính)".into()],
                    reason: "Thiếu giấy chứng sinh".into(),
                    due_by,
                },
            )
            .await
        }
    };

    // The fixture's today is Monday 07/12/2026: today itself is refused, nothing changes.
    let today = f.submit().await;
    drain(&f.app, &t.channels).await;
    let sent = t.email.accepted().len();
    let before = f.row(today.id).await.dossier().expect("state");
    match ask(today.id, Some(time::macros::date!(2026 - 12 - 07))).await {
        Err(AppError::Invalid(fields)) => {
            assert_eq!(fields[0].field, "due_by", "{fields:?}");
            assert_eq!(fields[0].code, "dossier-supplement-due-not-future");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(f.row(today.id).await.dossier().expect("state"), before);
    assert_eq!(drain(&f.app, &t.channels).await, 0, "nothing to tell");
    assert_eq!(t.email.accepted().len(), sent);

    // By Friday 18/12/2026.
    ask(today.id, Some(time::macros::date!(2026 - 12 - 18)))
        .await
        .expect("request supplement");
    assert_eq!(
        f.row(today.id).await.dossier().expect("state").status,
        Some(DossierStatus::SupplementRequested)
    );
    drain(&f.app, &t.channels).await;
    let email = t.email.accepted().pop().expect("an e-mail");
    assert_eq!(email.template, "supplement-due");
    assert_eq!(
        email.vars.get("due_by").map(String::as_str),
        Some("18/12/2026")
    );
    let subject = email.subject.clone().expect("subject");
    assert!(subject.contains("18/12/2026"), "{subject}");
    let body = email.body.clone().expect("body");
    assert!(body.contains("Hạn bổ sung: 18/12/2026"), "{body}");
    assert!(body.contains("Giấy chứng sinh (bản chính)"), "{body}");
    let sms = t.sms.accepted().pop().expect("an SMS");
    assert_eq!(sms.template, "supplement-due");
    assert!(
        sms.short_text().contains("18/12/2026"),
        "{}",
        sms.short_text()
    );

    // Without a day: the plain notice, which names none.
    let plain = f.submit().await;
    ask(plain.id, None).await.expect("request supplement");
    drain(&f.app, &t.channels).await;
    let email = t.email.accepted().pop().expect("an e-mail");
    assert_eq!(email.template, "supplement");
    assert!(!email.vars.contains_key("due_by"));
    let body = email.body.clone().expect("body");
    assert!(
        body.contains("cần bổ sung: Giấy chứng sinh (bản chính)") && !body.contains("Hạn bổ sung"),
        "{body}"
    );
    f.cleanup().await;
}

async fn an_outage_is_retried_until_the_channel_accepts(backend: Backend) {
    let f = Fixture::new(backend).await;
    choose(&f, CITIZEN, false, true, false, "vi").await;
    let t = three();
    t.sms.set(DOWN);
    f.received().await;
    assert_eq!(drain(&f.app, &t.channels).await, 0);
    let admin = f.official("admin").await;
    let failing = f
        .app
        .delivery_log(
            &admin,
            Some(NotifyChannel::Sms),
            DeliveryState::Failing,
            None,
        )
        .await
        .expect("log");
    assert_eq!(failing.len(), 2, "submitted and received wait: {failing:?}");
    assert!(failing.iter().all(|d| {
        d.last_error
            .as_deref()
            .is_some_and(|e| e.contains("connection refused"))
    }));
    assert!(failing.iter().all(|d| d.next_attempt_at.is_some()));
    // Still down at the next attempt; then back.
    f.advance(time::Duration::minutes(1));
    assert_eq!(drain(&f.app, &t.channels).await, 0);
    t.sms.set(OK);
    f.advance(time::Duration::minutes(2));
    assert_eq!(drain(&f.app, &t.channels).await, 2);
    assert_eq!(t.sms.templates(), ["submitted", "received"]);
    let delivered = f
        .app
        .delivery_log(
            &admin,
            Some(NotifyChannel::Sms),
            DeliveryState::Delivered,
            None,
        )
        .await
        .expect("log");
    assert_eq!(delivered.len(), 2);
    assert!(delivered.iter().all(|d| d.attempts == 3), "{delivered:?}");
    f.cleanup().await;
}

async fn a_worker_that_dies_mid_delivery_loses_nothing(backend: Backend) {
    let f = Fixture::new(backend).await;
    choose(&f, CITIZEN, true, false, false, "vi").await;
    f.received().await;
    // A worker claims the messages and dies before sending or marking anything.
    let now = f.app.now_micros();
    let claimed =
        f.db.store
            .claim_outbox(now, 60_000_000, 50, motcua_app::effects::DELIVERED_KINDS)
            .await
            .expect("claim");
    assert_eq!(claimed.len(), 2);
    let t = three();
    // While its lease runs, another worker leaves them alone…
    assert_eq!(drain(&f.app, &t.channels).await, 0);
    // …and once the lease has expired, they go out, once each.
    f.advance(time::Duration::seconds(61));
    assert_eq!(drain(&f.app, &t.channels).await, 2);
    assert_eq!(t.email.templates(), ["submitted", "received"]);
    assert_eq!(drain(&f.app, &t.channels).await, 0);
    f.cleanup().await;
}

async fn refused_and_exhausted_messages_become_dead_letters(backend: Backend) {
    let f = Fixture::new(backend).await;
    choose(&f, CITIZEN, true, true, false, "vi").await;
    let t = three();
    // Refused for good: given up at once, never marked delivered.
    t.sms.set(REFUSING);
    // Down for longer than the attempts allow.
    t.email.set(DOWN);
    let mut settings = (*f.app.settings).clone();
    settings.delivery_attempts = 3;
    let mut app = f.app.clone();
    app.settings = Arc::new(settings);
    f.submit().await;
    for _ in 0..4 {
        drain(&app, &t.channels).await;
        f.advance(time::Duration::minutes(5));
    }
    let admin = f.official("admin").await;
    let dead = app
        .delivery_log(&admin, None, DeliveryState::Dead, None)
        .await
        .expect("log");
    assert_eq!(dead.len(), 2, "{dead:?}");
    let sms = dead.iter().find(|d| d.channel == "sms").expect("sms");
    assert_eq!(sms.attempts, 1, "a permanent refusal is not retried");
    assert!(
        sms.last_error
            .as_deref()
            .is_some_and(|e| e.contains("invalid phone"))
    );
    let email = dead.iter().find(|d| d.channel == "email").expect("email");
    assert_eq!(email.attempts, 3);
    assert!(
        app.delivery_log(&admin, None, DeliveryState::Delivered, None)
            .await
            .expect("log")
            .is_empty(),
        "nothing marked delivered that no channel accepted"
    );
    let summary = app.outbox_overview(&admin).await.expect("overview");
    let notify = summary
        .kinds
        .iter()
        .find(|k| k.kind == "notify")
        .expect("notify");
    assert_eq!((notify.dead, notify.done, notify.pending), (2, 0, 0));

    // An administrator sends one again once the channel is back; it goes out.
    t.email.set(OK);
    app.retry_delivery(&admin, email.id).await.expect("retry");
    assert_eq!(drain(&app, &t.channels).await, 1);
    assert_eq!(t.email.templates(), ["submitted"]);
    // A delivered message is not sent again by hand.
    assert!(matches!(
        app.retry_delivery(&admin, email.id).await,
        Err(AppError::Conflict("error-delivery-not-retriable"))
    ));
    // A waiting message can be cancelled, and is then neither sent nor counted as delivered.
    t.email.set(DOWN);
    f.received().await;
    drain(&app, &t.channels).await;
    let waiting = app
        .delivery_log(
            &admin,
            Some(NotifyChannel::Email),
            DeliveryState::Pending,
            None,
        )
        .await
        .expect("log");
    assert_eq!(waiting.len(), 2);
    for message in &waiting {
        app.cancel_delivery(&admin, message.id)
            .await
            .expect("cancel");
    }
    t.email.set(OK);
    f.advance(time::Duration::hours(1));
    assert_eq!(drain(&app, &t.channels).await, 0);
    assert!(matches!(
        app.cancel_delivery(&admin, waiting[0].id).await,
        Err(AppError::Conflict("error-delivery-done"))
    ));
    let audit = f.db.store.list_audit(None, 100, None).await.expect("audit");
    assert!(audit.iter().any(|a| a.action == "delivery.retry"));
    assert!(audit.iter().any(|a| a.action == "delivery.cancel"));
    f.cleanup().await;
}

async fn the_delivery_log_is_masked_and_kept_to_the_jurisdiction(backend: Backend) {
    let f = Fixture::new(backend).await;
    choose(&f, CITIZEN, true, true, false, "vi").await;
    f.received().await;
    let admin = f.official("admin").await;
    let log = f
        .app
        .delivery_log(&admin, None, DeliveryState::All, None)
        .await
        .expect("log");
    assert_eq!(log.len(), 4);
    for message in &log {
        assert!(!message.recipient.contains("hau.nguyen"), "{message:?}");
        assert!(!message.recipient.contains("2345"), "{message:?}");
    }
    assert!(log.iter().any(|m| m.recipient == "ha•••@example.vn"));
    assert!(log.iter().any(|m| m.recipient == "091•••678"));
    assert!(log.iter().all(|m| m.dossier_code.is_some()));
    // The ward's administrator sees the ward's messages; an official without the audit
    // permission sees none, and may not retry or cancel.
    let ward_admin = f.official("quantri.ninhkieu").await;
    assert_eq!(
        f.app
            .delivery_log(&ward_admin, None, DeliveryState::All, None)
            .await
            .expect("log")
            .len(),
        4
    );
    let desk = f.official("tiepnhan.ninhkieu").await;
    assert!(matches!(
        f.app
            .delivery_log(&desk, None, DeliveryState::All, None)
            .await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        f.app.retry_delivery(&desk, log[0].id).await,
        Err(AppError::Forbidden)
    ));
    let citizen = f.citizen(CITIZEN).await;
    assert!(f.app.cancel_delivery(&citizen, log[0].id).await.is_err());
    // An administrator of another agency does not see the ward's messages.
    let department_staff = f.official("giamdoc.stp").await;
    match f
        .app
        .delivery_log(&department_staff, None, DeliveryState::All, None)
        .await
    {
        Ok(rows) => assert!(rows.is_empty(), "{rows:?}"),
        Err(error) => assert!(matches!(error, AppError::Forbidden), "{error:?}"),
    }
    f.cleanup().await;
}

async fn templates_are_edited_with_checks_and_used_when_sending(backend: Backend) {
    let f = Fixture::new(backend).await;
    let admin = f.official("admin").await;
    let ward_admin = f.official("quantri.ninhkieu").await;
    let parts = [("subject", "Đã nhận hồ sơ { $code } — hẹn { $appointment }")];
    // The words are the city's: a ward's administrator may not change them.
    assert!(matches!(
        f.app
            .set_notification_template(&ward_admin, "received", "vi", &parts)
            .await,
        Err(AppError::Forbidden)
    ));
    // An unknown placeholder is refused and nothing changes (all parts or none).
    let bad = [
        ("subject", "Hồ sơ { $ma_ho_so }"),
        ("short", "ngắn { $code }"),
    ];
    match f
        .app
        .set_notification_template(&admin, "received", "vi", &bad)
        .await
    {
        Err(AppError::Invalid(fields)) => {
            assert_eq!(fields[0].field, "subject");
            assert_eq!(fields[0].code, "error-template-placeholder");
        }
        other => panic!("{other:?}"),
    }
    let templates = f
        .app
        .notification_templates(&admin)
        .await
        .expect("templates");
    assert!(templates.iter().all(|t| !t.changed), "nothing changed");
    // A preview uses the text being edited with example values.
    let preview = f
        .app
        .preview_template(&admin, "received", "vi", Some(parts[0]))
        .await
        .expect("preview");
    assert_eq!(
        preview.subject,
        "Đã nhận hồ sơ 000.00.30.H13-261206-0001 — hẹn 09/12/2026 16:30"
    );
    f.app
        .set_notification_template(&admin, "received", "vi", &parts)
        .await
        .expect("save");
    let t = three();
    f.received().await;
    drain(&f.app, &t.channels).await;
    let received = &t.email.accepted()[1];
    assert!(
        received
            .subject
            .as_deref()
            .is_some_and(|s| s.starts_with("Đã nhận hồ sơ ")),
        "{received:?}"
    );
    // Empty goes back to the catalogue's words.
    f.app
        .set_notification_template(&admin, "received", "vi", &[("subject", "")])
        .await
        .expect("reset");
    let templates = f
        .app
        .notification_templates(&admin)
        .await
        .expect("templates");
    assert!(templates.iter().all(|t| !t.changed));
    assert!(matches!(
        f.app
            .set_notification_template(&admin, "no-such", "vi", &parts)
            .await,
        Err(AppError::NotFound)
    ));
    // A test message goes through the real pipeline to the channel named.
    assert!(matches!(
        f.app.send_test_message(&admin, "sms", "not a phone").await,
        Err(AppError::Invalid(_))
    ));
    f.app
        .send_test_message(&admin, "sms", "0912 345 678")
        .await
        .expect("test");
    drain(&f.app, &t.channels).await;
    assert_eq!(t.sms.templates(), ["test"]);
    assert!(matches!(
        f.app
            .send_test_message(&ward_admin, "sms", "0912345678")
            .await,
        Err(AppError::Forbidden)
    ));
    f.cleanup().await;
}

async fn a_citizen_chooses_channels_the_installation_has(backend: Backend) {
    let f = Fixture::new(backend).await;
    let citizen = f.citizen(OTHER_CITIZEN).await;
    // Without a choice: e-mail, since the account has an address.
    let view = f
        .app
        .my_notification_preferences(&citizen)
        .await
        .expect("view");
    assert!(view.email && !view.sms && !view.zalo);
    assert_eq!(view.language, "vi");
    // This installation has no SMS gateway or Zalo account (the default settings).
    let form = PreferencesForm {
        email: true,
        sms: true,
        zalo: true,
        language: "fr".into(),
    };
    match f.app.set_my_notification_preferences(&citizen, &form).await {
        Err(AppError::Invalid(fields)) => {
            let codes: Vec<(&str, &str)> = fields
                .iter()
                .map(|e| (e.field.as_str(), e.code.as_str()))
                .collect();
            assert!(
                codes.contains(&("language", "error-notify-language")),
                "{codes:?}"
            );
            assert!(
                codes.contains(&("sms", "error-notify-channel-off")),
                "{codes:?}"
            );
            assert!(
                codes.contains(&("zalo", "error-notify-channel-off")),
                "{codes:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(
        f.app
            .my_notification_preferences(&citizen)
            .await
            .expect("view")
            .email,
        "nothing changed"
    );
    // Turning everything off is a choice too: then nothing is queued for them.
    f.app
        .set_my_notification_preferences(
            &citizen,
            &PreferencesForm {
                email: false,
                sms: false,
                zalo: false,
                language: "en".into(),
            },
        )
        .await
        .expect("save");
    let admin = f.official("admin").await;
    let official_refused = f.app.my_notification_preferences(&admin).await;
    assert!(
        official_refused.is_err(),
        "officials have no citizen settings"
    );
    let anonymous = Actor::anonymous(None);
    assert!(matches!(
        f.app.my_notification_preferences(&anonymous).await,
        Err(AppError::Unauthenticated)
    ));
    f.cleanup().await;
}

async fn one_time_codes_are_filed_under_their_channel(backend: Backend) {
    let f = Fixture::new(backend).await;
    f.app
        .citizen_sign_up(
            &Actor::anonymous(Some("10.0.0.7".into())),
            &motcua_app::accounts::CitizenSignUp {
                personal_id: "092095004321".into(),
                full_name: "Trần Thị Mai".into(),
                email: Some("mai.tran@example.vn".into()),
                phone: None,
                password: "mot-mat-khau-du-dai".into(),
            },
        )
        .await
        .expect("sign up");
    let admin = f.official("admin").await;
    let by_channel = |channel| {
        let app = f.app.clone();
        let admin = admin.clone();
        async move {
            app.delivery_log(&admin, Some(channel), DeliveryState::All, None)
                .await
                .expect("log")
                .into_iter()
                .filter(|m| m.template == "verification-code")
                .count()
        }
    };
    // The delivery log filters on the channel column: a code that left it empty would be
    // missing from the e-mail filter.
    assert_eq!(by_channel(NotifyChannel::Email).await, 1);
    assert_eq!(by_channel(NotifyChannel::Sms).await, 0);
    f.cleanup().await;
}
