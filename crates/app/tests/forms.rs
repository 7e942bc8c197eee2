//! Form data from real dossiers and satisfaction ratings through the use cases, on both
//! databases: what each form says comes from the event that issued it; a form the history never
//! issued is a conflict; the control sheet judges every stay; the tracking book keeps to its
//! period; ratings are the owner's, once, after the result.

use motcua_app::forms::Period;
use motcua_app::ratings::RatingInput;
use motcua_app::test_support::{CITIZEN, Fixture, MONDAY_0830, OTHER_CITIZEN, WARD};
use motcua_app::{AppError, InvalidField};
use motcua_domain::dossier::{Command, Form, ReturnMethod};
use motcua_render::{FormDocument, Timeliness};
use motcua_store::Backend;
use time::Duration;
use time::macros::datetime;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::run(motcua_store::Backend::Sqlite, super::$name).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::run(motcua_store::Backend::Postgres, super::$name).await } )* }
    };
}

both!(
    each_form_comes_from_the_event_that_issued_it,
    the_control_sheet_judges_every_hand_over,
    the_tracking_book_keeps_to_the_agency_and_the_period,
    a_rating_is_the_owners_once_after_the_result,
);

async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Fixture) -> Fut,
    Fut: std::future::Future<Output = Fixture>,
{
    let fixture = Fixture::new(backend).await;
    test(fixture).await.cleanup().await;
}

fn conflict(result: Result<FormDocument, AppError>) -> &'static str {
    match result {
        Err(AppError::Conflict(code)) => code,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

async fn each_form_comes_from_the_event_that_issued_it(f: Fixture) -> Fixture {
    let reception = f.official("tiepnhan.ninhkieu").await;
    let leader = f.official("chutich.ninhkieu").await;
    let owner = f.citizen(CITIZEN).await;

    let asked = f.submit().await;
    let missing = vec![
        "Giấy chứng sinh (bản chính)".to_owned(),
        "Văn bản ủy quyền có chứng thực".to_owned(),
        "Bản sao giấy chứng nhận kết hôn".to_owned(),
    ];
    f.app
        .act_on_dossier(
            &reception,
            asked.id,
            Command::RequestSupplement {
                missing: missing.clone(),
                reason: "Thiếu giấy tờ chứng minh việc sinh".into(),
                due_by: Some(time::macros::date!(2026 - 12 - 21)),
            },
        )
        .await
        .expect("request supplement");
    let FormDocument::SupplementRequest(form) = f
        .app
        .dossier_form(&owner, asked.id, Form::Mau02)
        .await
        .expect("Mẫu 02")
    else {
        panic!("not Mẫu 02");
    };
    let names: Vec<&str> = form.items.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(
        names,
        missing.iter().map(String::as_str).collect::<Vec<_>>()
    );
    let counts: Vec<(u32, u32, u32)> = form
        .items
        .iter()
        .map(|i| (i.originals, i.certified_copies, i.copies))
        .collect();
    assert_eq!(counts, [(1, 0, 0), (1, 0, 0), (0, 0, 1)], "{form:?}");
    assert_eq!(form.reason, "Thiếu giấy tờ chứng minh việc sinh");
    assert_eq!(form.due_by, Some(time::macros::date!(2026 - 12 - 21)));
    let code = asked.code.clone().expect("numbered at submission");
    assert!(
        form.lookup_url
            .as_deref()
            .is_some_and(|url| url.ends_with(&format!("/tra-cuu/{code}"))),
        "the QR code leads to the public lookup: {:?}",
        form.lookup_url
    );
    assert_eq!(form.guiding_officer, "Nguyễn Thị Thu Trang");
    assert_eq!(form.header.date, MONDAY_0830.date());
    assert_eq!(form.applicant.name, "Nguyễn Văn Hậu");
    for never in [
        Form::Mau01,
        Form::Mau03,
        Form::Mau04,
        Form::Mau05,
        Form::Mau06,
    ] {
        assert_eq!(
            conflict(f.app.dossier_form(&owner, asked.id, never).await),
            "error-form-not-issued",
            "{never:?}"
        );
    }

    let refused = f.submit().await;
    f.app
        .act_on_dossier(
            &reception,
            refused.id,
            Command::Refuse {
                reasons: vec![
                    "Không thuộc thẩm quyền của UBND phường".into(),
                    "Trẻ đã được đăng ký khai sinh tại nơi khác".into(),
                ],
            },
        )
        .await
        .expect("refuse");
    let FormDocument::Refusal(form) = f
        .app
        .dossier_form(&reception, refused.id, Form::Mau03)
        .await
        .expect("Mẫu 03")
    else {
        panic!("not Mẫu 03");
    };
    assert_eq!(
        form.reasons,
        [
            "Không thuộc thẩm quyền của UBND phường",
            "Trẻ đã được đăng ký khai sinh tại nơi khác"
        ]
    );
    assert_eq!(form.receiving_officer, "Nguyễn Thị Thu Trang");

    let extended = f.received().await;
    f.advance(Duration::minutes(30));
    let new_due = datetime!(2026-12-09 17:00 +7);
    f.app
        .act_on_dossier(
            &leader,
            extended.id,
            Command::Extend {
                new_due,
                reason: "Phải xác minh tình trạng hôn nhân của cha, mẹ".into(),
            },
        )
        .await
        .expect("extend");
    let FormDocument::Apology(form) = f
        .app
        .dossier_form(&owner, extended.id, Form::Mau04)
        .await
        .expect("Mẫu 04")
    else {
        panic!("not Mẫu 04");
    };
    assert_eq!(
        form.original_appointment,
        datetime!(2026-12-07 17:00),
        "a same-day procedure received at 08:30 is due at closing time"
    );
    assert_eq!(form.new_appointment, datetime!(2026-12-09 17:00));
    assert_eq!(form.reason, "Phải xác minh tình trạng hôn nhân của cha, mẹ");
    assert_eq!(form.signer.name, "Huỳnh Văn Thành");
    assert_eq!(form.signer.title, "CHỦ TỊCH UBND PHƯỜNG");
    let again = f
        .app
        .act_on_dossier(
            &leader,
            extended.id,
            Command::Extend {
                new_due: datetime!(2026-12-11 17:00 +7),
                reason: "Lần hai".into(),
            },
        )
        .await;
    assert!(
        matches!(again, Err(AppError::Invalid(_))),
        "an extension is allowed once: {again:?}"
    );

    let stopped = f.received().await;
    f.app
        .act_on_dossier(
            &leader,
            stopped.id,
            Command::Stop {
                reason: "Người yêu cầu đề nghị dừng giải quyết".into(),
            },
        )
        .await
        .expect("stop");
    let FormDocument::StopNotice(form) = f
        .app
        .dossier_form(&owner, stopped.id, Form::Mau05)
        .await
        .expect("Mẫu 05")
    else {
        panic!("not Mẫu 05");
    };
    assert_eq!(form.reason, "Người yêu cầu đề nghị dừng giải quyết");
    let withdrawn = f.submit().await;
    f.app
        .act_on_dossier(
            &owner,
            withdrawn.id,
            Command::Withdraw {
                reason: "Gia đình đăng ký tại nơi cư trú khác".into(),
            },
        )
        .await
        .expect("withdraw");
    let FormDocument::StopNotice(form) = f
        .app
        .dossier_form(&reception, withdrawn.id, Form::Mau05)
        .await
        .expect("Mẫu 05 of a withdrawal")
    else {
        panic!("not Mẫu 05");
    };
    assert_eq!(
        form.reason,
        "Ông/Bà đề nghị rút hồ sơ (Gia đình đăng ký tại nơi cư trú khác)."
    );

    // Who may see the forms.
    let stranger = f.citizen(OTHER_CITIZEN).await;
    assert!(matches!(
        f.app.dossier_form(&stranger, asked.id, Form::Mau02).await,
        Err(AppError::NotFound)
    ));
    let other_ward = f.official("tiepnhan.trunghung").await;
    assert!(matches!(
        f.app.dossier_form(&other_ward, asked.id, Form::Mau02).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        f.app
            .dossier_form(&motcua_app::Actor::anonymous(None), asked.id, Form::Mau02)
            .await,
        Err(AppError::Unauthenticated)
    ));
    f
}

async fn the_control_sheet_judges_every_hand_over(f: Fixture) -> Fixture {
    let reception = f.official("tiepnhan.ninhkieu").await;
    let specialist = f.official("chuyenvien.ninhkieu").await;
    let leader = f.official("chutich.ninhkieu").await;
    let dossier = f.received().await;
    // The specialist's step has 16 working hours: forwarded within the hour is early.
    f.advance(Duration::hours(1));
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
    let FormDocument::ControlSheet(open) = f
        .app
        .dossier_form(&reception, dossier.id, Form::Mau06)
        .await
        .expect("Mẫu 06 while open")
    else {
        panic!("not Mẫu 06");
    };
    assert_eq!(open.steps.len(), 2);
    assert_eq!(open.steps[0].timeliness, Some(Timeliness::Early));
    assert_eq!(open.steps[1].timeliness, None, "the leader's step is open");
    assert!(
        open.steps[1]
            .note
            .starts_with("Đang xử lý, hạn bước 09:30 08/12/2026"),
        "{}",
        open.steps[1].note
    );
    // The leader's 8 working hours end Tuesday 09:30; a week later is late, and so is the
    // dossier, due the day it was received.
    f.set(datetime!(2026-12-14 10:00 +7));
    for command in [Command::Approve, Command::Sign, Command::Resolve] {
        f.app
            .act_on_dossier(&leader, dossier.id, command)
            .await
            .expect("leader");
    }
    f.advance(Duration::hours(1));
    f.app
        .act_on_dossier(
            &reception,
            dossier.id,
            Command::ReturnResult {
                method: ReturnMethod::Counter,
            },
        )
        .await
        .expect("return result");
    let FormDocument::ControlSheet(sheet) = f
        .app
        .dossier_form(&reception, dossier.id, Form::Mau06)
        .await
        .expect("Mẫu 06")
    else {
        panic!("not Mẫu 06");
    };
    let rows: Vec<(&str, &str, &str, &str, Option<Timeliness>)> = sheet
        .steps
        .iter()
        .map(|s| {
            (
                s.from_unit.as_str(),
                s.to_unit.as_str(),
                s.giver.as_str(),
                s.receiver.as_str(),
                s.timeliness,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                "Bộ phận Một cửa",
                "Thẩm định hồ sơ",
                "Nguyễn Thị Thu Trang",
                "Trần Văn Lộc",
                Some(Timeliness::Early)
            ),
            (
                "Thẩm định hồ sơ",
                "Lãnh đạo phê duyệt, ký",
                "Trần Văn Lộc",
                "Huỳnh Văn Thành",
                Some(Timeliness::Late)
            ),
            (
                "Lãnh đạo phê duyệt, ký",
                "Bộ phận Một cửa",
                "Huỳnh Văn Thành",
                "Bộ phận Một cửa",
                Some(Timeliness::Late)
            ),
            (
                "Bộ phận Một cửa",
                "Trả kết quả cho người nộp hồ sơ",
                "Nguyễn Thị Thu Trang",
                "Nguyễn Văn Hậu",
                None
            ),
        ]
    );
    assert_eq!(sheet.steps[0].handed_over_at, datetime!(2026-12-07 08:30));
    assert_eq!(sheet.steps[0].note, "Hạn bước: 08:30 09/12/2026");
    assert_eq!(sheet.steps[1].handed_over_at, datetime!(2026-12-07 09:30));
    assert_eq!(sheet.lead_agency, "UBND phường Ninh Kiều");
    f
}

async fn the_tracking_book_keeps_to_the_agency_and_the_period(f: Fixture) -> Fixture {
    let reception = f.official("tiepnhan.ninhkieu").await;
    let leader = f.official("chutich.ninhkieu").await;
    let specialist = f.official("chuyenvien.ninhkieu").await;
    let first = f.received().await;
    let _never_received = f.submit().await;
    f.advance(Duration::hours(1));
    let second = f.received().await;
    f.app
        .act_on_dossier(
            &specialist,
            second.id,
            Command::Forward {
                to_step: 1,
                assignee: None,
            },
        )
        .await
        .expect("forward");
    for command in [Command::Approve, Command::Sign, Command::Resolve] {
        f.app
            .act_on_dossier(&leader, second.id, command)
            .await
            .expect("leader");
    }
    // Received the next day: outside a one-day period.
    f.set(datetime!(2026-12-08 09:00 +7));
    let next_day = f.received().await;

    let monday = Period::parse("07/12/2026", "2026-12-07").expect("period");
    let book = f
        .app
        .tracking_book(&reception, WARD, monday)
        .await
        .expect("book");
    let ids: Vec<i64> = book.entries.iter().map(|e| e.dossier_id).collect();
    assert_eq!(ids, [first.id, second.id]);
    assert_eq!(book.entries[1].sequence, 2);
    assert_eq!(book.entries[1].timeliness, Some("on_time"));
    assert_eq!(
        book.entries[0].timeliness,
        Some("overdue"),
        "due Monday 17:00, now Tuesday"
    );
    let week = Period::parse("07/12/2026", "13/12/2026").expect("period");
    let book = f
        .app
        .tracking_book(&leader, WARD, week)
        .await
        .expect("book");
    assert_eq!(
        book.entries
            .iter()
            .map(|e| e.dossier_id)
            .collect::<Vec<_>>(),
        [first.id, second.id, next_day.id]
    );
    let FormDocument::TrackingBook(printed) = f
        .app
        .tracking_book_form(&leader, WARD, week)
        .await
        .expect("Mẫu 07")
    else {
        panic!("not Mẫu 07");
    };
    assert_eq!(printed.rows.len(), 3);
    assert_eq!(printed.period, "Từ ngày 07/12/2026 đến ngày 13/12/2026");

    let other_ward = f.official("tiepnhan.trunghung").await;
    assert!(matches!(
        f.app.tracking_book(&other_ward, WARD, week).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        f.app.tracking_book(&reception, "000.00.99.H13", week).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        f.app
            .tracking_book(&f.citizen(CITIZEN).await, WARD, week)
            .await,
        Err(AppError::Forbidden)
    ));
    f
}

fn nine(score: i64) -> RatingInput {
    RatingInput {
        scores: vec![score; 9],
        comment: None,
    }
}

async fn a_rating_is_the_owners_once_after_the_result(f: Fixture) -> Fixture {
    let owner = f.citizen(CITIZEN).await;
    let stranger = f.citizen(OTHER_CITIZEN).await;
    let reception = f.official("tiepnhan.ninhkieu").await;
    let leader = f.official("chutich.ninhkieu").await;
    let specialist = f.official("chuyenvien.ninhkieu").await;
    let dossier = f.received().await;
    assert!(matches!(
        f.app.rate_dossier(&owner, dossier.id, &nine(2)).await,
        Err(AppError::Conflict("error-rating-not-finished"))
    ));
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
    let status = f
        .app
        .dossier_rating(&owner, dossier.id)
        .await
        .expect("status");
    assert!(status.may_rate && status.rating.is_none());
    assert!(matches!(
        f.app.rate_dossier(&reception, dossier.id, &nine(2)).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        f.app.rate_dossier(&stranger, dossier.id, &nine(2)).await,
        Err(AppError::NotFound)
    ));
    let bad = f
        .app
        .rate_dossier(
            &owner,
            dossier.id,
            &RatingInput {
                scores: vec![2, 2, 2, 2, 5, 2, 2, 2, 2],
                comment: None,
            },
        )
        .await;
    match bad {
        Err(AppError::Invalid(fields)) => {
            assert_eq!(
                fields,
                [InvalidField::new("scores.5", "error-rating-score")]
            )
        }
        other => panic!("{other:?}"),
    }
    let rated = f
        .app
        .rate_dossier(
            &owner,
            dossier.id,
            &RatingInput {
                scores: vec![2, 2, 1, 2, 2, 2, 0, 2, 2],
                comment: Some("Cần hướng dẫn rõ hơn".into()),
            },
        )
        .await
        .expect("rate");
    assert_eq!(rated.scores.len(), 9);
    assert_eq!(rated.scores[6], (7, 0));
    assert!(matches!(
        f.app.rate_dossier(&owner, dossier.id, &nine(2)).await,
        Err(AppError::Conflict("error-rating-exists"))
    ));
    let seen = f
        .app
        .dossier_rating(&reception, dossier.id)
        .await
        .expect("an official of the ward reads it");
    assert_eq!(
        seen.rating.map(|r| r.comment).as_deref(),
        Some("Cần hướng dẫn rõ hơn")
    );
    assert!(!seen.may_rate);

    let period = Period::parse("01/12/2026", "31/12/2026").expect("period");
    let summary = f
        .app
        .agency_ratings(&leader, WARD, period)
        .await
        .expect("summary");
    assert_eq!(summary.count, 1);
    assert_eq!(summary.criteria.len(), 9);
    assert_eq!(summary.criteria[2].average, Some(1.0));
    assert_eq!(summary.criteria[6].unsatisfied, 1);
    assert_eq!(summary.points, Some(15.0));
    let city = f
        .app
        .agency_ratings(&f.official("admin").await, "000.00.00.H13", period)
        .await
        .expect("the city sees its wards");
    assert_eq!(city.count, 1);
    let other = f
        .app
        .agency_ratings(&f.official("chutich.trunghung").await, WARD, period)
        .await;
    assert!(matches!(other, Err(AppError::Forbidden)));
    let january = Period::parse("01/01/2027", "31/01/2027").expect("period");
    let empty = f
        .app
        .agency_ratings(&leader, WARD, january)
        .await
        .expect("summary");
    assert_eq!((empty.count, empty.points), (0, None));
    assert!(matches!(
        f.app.agency_ratings(&reception, WARD, period).await,
        Err(AppError::Forbidden)
    ));
    f
}
