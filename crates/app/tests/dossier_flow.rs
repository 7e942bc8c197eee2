//! The one-stop lifecycle through the use cases, on both databases: online submission →
//! reception (code, appointment from the calendar) → specialist → leader approves and signs →
//! resolved → result returned → public lookup shows status 10; withdrawal; jurisdiction.

use motcua_app::dossiers::Submission;
use motcua_app::test_support::{citizen, official};
use motcua_app::{Actor, App, AppError, AppSettings};
use motcua_domain::dossier::{Command, DossierStatus, ResultDelivery, ReturnMethod};
use motcua_domain::procedure::FormValues;
use motcua_store::Backend;
use motcua_store::test_support::TestDatabase;

fn birth_registration() -> FormValues {
    let address =
        serde_json::json!({"street": "45 đường 30/4", "province": "92", "commune": "31117"});
    serde_json::from_value(serde_json::json!({
        "nguoi_yeu_cau_ho_ten": "Nguyễn Văn Hậu",
        "nguoi_yeu_cau_so_dinh_danh": "092095001234",
        "nguoi_yeu_cau_noi_cu_tru": address,
        "nguoi_yeu_cau_quan_he": "Cha",
        "so_dien_thoai": "0912 345 678",
        "tre_ho_ten": "Nguyễn Ngọc Anh",
        "tre_ngay_sinh": "02/11/2026",
        "tre_gioi_tinh": "nu",
        "tre_dan_toc": "Kinh",
        "tre_quoc_tich": "Việt Nam",
        "tre_noi_sinh": "Bệnh viện Phụ sản thành phố Cần Thơ",
        "tre_que_quan": "Thành phố Cần Thơ",
        "me_ho_ten": "Lê Thị Hoa",
        "me_nam_sinh": 1995,
        "me_dan_toc": "Kinh",
        "me_quoc_tich": "Việt Nam",
        "me_noi_cu_tru": address,
        "cha_ho_ten": "Nguyễn Văn Hậu",
        "cha_nam_sinh": "1993",
        "loai_giay_chung_sinh": "giay_chung_sinh",
        "cha_me_da_ket_hon": "co",
        "so_ban_sao": "2",
        "hinh_thuc_nhan_ket_qua": "truc_tuyen",
        "cam_doan": "on",
    }))
    .expect("form values")
}

async fn a_birth_registration_goes_from_submission_to_returned_result(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let app = App::new(db.store.clone(), AppSettings::default());
    app.load_demo().await.expect("demo");
    let hau = citizen(&app, "092095001234").await;
    let submission = Submission {
        procedure_code: "1.001193".into(),
        agency_code: "000.00.30.H13".into(),
        form: birth_registration(),
        attachments: Vec::new(),
        delivery: Default::default(),
        postal: Default::default(),
    };
    let submitted = app.submit_dossier(&hau, &submission).await.expect("submit");
    assert_eq!(submitted.status, Some(DossierStatus::Submitted));
    let code = submitted.code.clone().expect("code at submission");
    assert!(
        code.starts_with("000.00.30.H13-") && code.ends_with("-0001"),
        "{code}"
    );

    let reception = official(&app, "tiepnhan.ninhkieu").await;
    let queue = app
        .dossier_queue(&reception, "receive")
        .await
        .expect("queue");
    assert_eq!(
        queue.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![submitted.id]
    );
    let other_ward = official(&app, "tiepnhan.trunghung").await;
    assert!(
        app.dossier_queue(&other_ward, "receive")
            .await
            .expect("queue")
            .is_empty(),
        "another commune sees nothing"
    );
    assert!(matches!(
        app.receive_dossier(&other_ward, submitted.id).await,
        Err(AppError::Forbidden)
    ));

    let received = app
        .receive_dossier(&reception, submitted.id)
        .await
        .expect("receive");
    assert_eq!(received.status, Some(DossierStatus::Received));
    let due = received.due.expect("appointment");
    assert!(due > received.updated, "the appointment lies ahead");

    let specialist = official(&app, "chuyenvien.ninhkieu").await;
    assert_eq!(
        app.dossier_queue(&specialist, "mine")
            .await
            .expect("mine")
            .len(),
        1
    );
    let forwarded = app
        .act_on_dossier(
            &specialist,
            submitted.id,
            Command::Forward {
                to_step: 1,
                assignee: None,
            },
        )
        .await
        .expect("forward");
    assert_eq!(forwarded.status, Some(DossierStatus::InProcessing));
    assert_eq!(
        forwarded.step_role,
        Some(motcua_domain::authz::Role::Leader)
    );
    let refused = app
        .act_on_dossier(&specialist, submitted.id, Command::Approve)
        .await;
    assert!(
        matches!(
            refused,
            Err(AppError::Forbidden) | Err(AppError::Invalid(_))
        ),
        "a specialist cannot approve: {refused:?}"
    );

    let leader = official(&app, "chutich.ninhkieu").await;
    app.act_on_dossier(&leader, submitted.id, Command::Approve)
        .await
        .expect("approve");
    app.act_on_dossier(&leader, submitted.id, Command::Sign)
        .await
        .expect("sign");
    let resolved = app
        .act_on_dossier(&leader, submitted.id, Command::Resolve)
        .await
        .expect("resolve");
    assert_eq!(resolved.status, Some(DossierStatus::Resolved));
    let returned = app
        .act_on_dossier(
            &reception,
            submitted.id,
            Command::ReturnResult {
                method: ReturnMethod::Online,
            },
        )
        .await
        .expect("return");
    assert_eq!(returned.status, Some(DossierStatus::Returned));

    let anyone = Actor::anonymous(Some("203.0.113.7".into()));
    let public = app
        .lookup_dossier(&anyone, &code, Some("1234"))
        .await
        .expect("lookup");
    assert_eq!(public.status_code, Some(10));
    assert_eq!(public.status, "Đã trả kết quả");
    assert_eq!(public.applicant.as_deref(), Some("Nguyễn V. H."));
    assert!(public.appointment.is_some());
    assert_eq!(public.timeline.len(), 7);
    assert!(matches!(
        app.lookup_dossier(&anyone, "not-a-code", None).await,
        Err(AppError::Invalid(_))
    ));

    let report = app
        .verify_dossier_chains(&Actor::system())
        .await
        .expect("verify");
    assert!(report.broken.is_empty() && report.events == 7, "{report:?}");
    let notices = db.store.outbox_of_kind("notify").await.expect("outbox");
    assert!(
        notices.iter().any(|n| n.payload.contains("Đã trả kết quả")),
        "the citizen is told the result is returned"
    );
    db.cleanup().await;
}

async fn a_citizen_withdraws_and_others_cannot_touch_the_dossier(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let app = App::new(db.store.clone(), AppSettings::default());
    app.load_demo().await.expect("demo");
    let hau = citizen(&app, "092095001234").await;
    let linh = citizen(&app, "092196005678").await;
    let submission = Submission {
        procedure_code: "1.001193".into(),
        agency_code: "000.00.30.H13".into(),
        form: birth_registration(),
        attachments: Vec::new(),
        delivery: Default::default(),
        postal: Default::default(),
    };
    let dossier = app.submit_dossier(&hau, &submission).await.expect("submit");
    assert!(matches!(
        app.act_on_dossier(
            &linh,
            dossier.id,
            Command::Withdraw {
                reason: "Không có nhu cầu nữa".into()
            }
        )
        .await,
        Err(AppError::NotFound)
    ));
    assert!(app.my_dossiers(&linh).await.expect("mine").is_empty());
    let withdrawn = app
        .act_on_dossier(
            &hau,
            dossier.id,
            Command::Withdraw {
                reason: "Không có nhu cầu nữa".into(),
            },
        )
        .await
        .expect("withdraw");
    assert_eq!(withdrawn.status, Some(DossierStatus::Withdrawn));
    assert_eq!(app.my_dossiers(&hau).await.expect("mine").len(), 1);
    let bad_form = Submission {
        form: FormValues::new(),
        ..submission
    };
    assert!(matches!(
        app.submit_dossier(&hau, &bad_form).await,
        Err(AppError::Invalid(_))
    ));
    let second = app
        .submit_dossier(
            &hau,
            &Submission {
                form: birth_registration(),
                ..bad_form
            },
        )
        .await
        .expect("second");
    assert!(
        second.code.expect("code").ends_with("-0002"),
        "numbers continue without a gap after the failed submission"
    );
    db.cleanup().await;
}

#[tokio::test]
async fn sqlite_a_birth_registration_goes_from_submission_to_returned_result() {
    a_birth_registration_goes_from_submission_to_returned_result(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_a_birth_registration_goes_from_submission_to_returned_result() {
    a_birth_registration_goes_from_submission_to_returned_result(Backend::Postgres).await;
}

#[tokio::test]
async fn sqlite_a_citizen_withdraws_and_others_cannot_touch_the_dossier() {
    a_citizen_withdraws_and_others_cannot_touch_the_dossier(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_a_citizen_withdraws_and_others_cannot_touch_the_dossier() {
    a_citizen_withdraws_and_others_cannot_touch_the_dossier(Backend::Postgres).await;
}

async fn a_draft_is_saved_half_filled_then_submitted_with_its_delivery_choice(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let app = App::new(db.store.clone(), AppSettings::default());
    app.load_demo().await.expect("demo");
    let hau = citizen(&app, "092095001234").await;
    let linh = citizen(&app, "092196005678").await;
    let desk = official(&app, "tiepnhan.ninhkieu").await;
    let mut half = FormValues::new();
    half.insert(
        "tre_ho_ten",
        motcua_domain::procedure::FormValue::Text("Nguyễn Ngọc Anh".to_owned()),
    );
    let post = ResultDelivery::new("post", Some("45 đường 30/4, phường Ninh Kiều, Cần Thơ"))
        .expect("address");
    let draft = Submission {
        procedure_code: "1.001193".into(),
        agency_code: "000.00.30.H13".into(),
        form: half,
        attachments: Vec::new(),
        delivery: post.clone(),
        postal: Default::default(),
    };
    // A half-filled form is a valid draft: saved, not numbered, not in any queue.
    let saved = app.save_draft(&hau, None, &draft).await.expect("draft");
    assert_eq!(saved.code, None);
    assert_eq!(saved.status, None);
    assert_eq!(saved.delivery.method, ReturnMethod::Post);
    assert!(
        app.dossier_queue(&desk, "receive")
            .await
            .expect("queue")
            .iter()
            .all(|r| r.id != saved.id)
    );
    // Submitting it as it is fails validation and changes nothing.
    assert!(matches!(
        app.submit_draft(&hau, saved.id, &draft).await,
        Err(AppError::Invalid(_))
    ));
    assert_eq!(
        db.store
            .get_dossier(saved.id)
            .await
            .expect("still")
            .status_code,
        None
    );
    // Nobody else can touch it, neither another citizen nor an official.
    let complete = Submission {
        form: birth_registration(),
        ..draft.clone()
    };
    assert!(matches!(
        app.submit_draft(&linh, saved.id, &complete).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        app.save_draft(&linh, Some(saved.id), &complete).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        app.discard_draft(&linh, saved.id).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        app.save_draft(&desk, None, &complete).await,
        Err(AppError::Forbidden)
    ));
    // Saved again with the whole form, then submitted: same dossier, numbered, in the queue.
    app.save_draft(&hau, Some(saved.id), &complete)
        .await
        .expect("resave");
    let submitted = app
        .submit_draft(&hau, saved.id, &complete)
        .await
        .expect("submit");
    assert_eq!(submitted.id, saved.id);
    assert_eq!(submitted.status, Some(DossierStatus::Submitted));
    assert!(submitted.code.is_some());
    assert_eq!(
        submitted.delivery.address.as_deref(),
        Some("45 đường 30/4, phường Ninh Kiều, Cần Thơ")
    );
    assert!(
        app.dossier_queue(&desk, "receive")
            .await
            .expect("queue")
            .iter()
            .any(|r| r.id == saved.id)
    );
    // A submitted dossier is no longer a draft: it cannot be rewritten or discarded.
    assert!(matches!(
        app.save_draft(&hau, Some(saved.id), &complete).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        app.discard_draft(&hau, saved.id).await,
        Err(AppError::NotFound)
    ));
    // A second draft is discarded for good.
    let other = app.save_draft(&hau, None, &draft).await.expect("draft");
    app.discard_draft(&hau, other.id).await.expect("discard");
    assert!(db.store.get_dossier(other.id).await.is_err());
    db.cleanup().await;
}

#[tokio::test]
async fn sqlite_a_draft_is_saved_half_filled_then_submitted_with_its_delivery_choice() {
    a_draft_is_saved_half_filled_then_submitted_with_its_delivery_choice(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_a_draft_is_saved_half_filled_then_submitted_with_its_delivery_choice() {
    a_draft_is_saved_half_filled_then_submitted_with_its_delivery_choice(Backend::Postgres).await;
}

async fn the_demo_has_a_dossier_in_every_status(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let app = App::new(db.store.clone(), AppSettings::default());
    app.load_demo().await.expect("demo");
    // One per status, four more situations (assigned, transferred, paused in processing, a
    // result to return by post) and a draft.
    assert_eq!(app.load_demo_dossiers().await.expect("dossiers"), 15);
    assert_eq!(
        app.load_demo_dossiers().await.expect("again"),
        0,
        "only into an empty database"
    );
    let mut statuses = Vec::new();
    let mut rows = Vec::new();
    for id in db.store.dossier_ids().await.expect("ids") {
        let row = db.store.get_dossier(id).await.expect("dossier");
        statuses.extend(row.status_code);
        rows.push(row);
    }
    statuses.sort_unstable();
    statuses.dedup();
    assert_eq!(statuses, (1..=10).collect::<Vec<i64>>());
    assert_eq!(
        rows.iter().filter(|r| r.status_code.is_none()).count(),
        1,
        "one draft"
    );
    assert!(
        rows.iter().any(|r| r.assignee_id.is_some()),
        "one handed to an official by name"
    );
    assert!(
        rows.iter()
            .any(|r| r.agency_id != r.desk_id.unwrap_or(r.agency_id)),
        "one transferred to another agency"
    );
    assert!(
        rows.iter()
            .any(|r| r.status_code == Some(9) && r.delivery_method == "post"),
        "one resolved, to be returned by post"
    );
    assert!(
        app.verify_dossier_chains(&Actor::system())
            .await
            .expect("verify")
            .broken
            .is_empty()
    );
    db.cleanup().await;
}

#[tokio::test]
async fn sqlite_the_demo_has_a_dossier_in_every_status() {
    the_demo_has_a_dossier_in_every_status(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_the_demo_has_a_dossier_in_every_status() {
    the_demo_has_a_dossier_in_every_status(Backend::Postgres).await;
}

/// Many desks' clerks receive at once (counter registrations and online receptions racing):
/// every dossier gets a code, the numbers of the day are 1..=N with no gap and no duplicate.
async fn parallel_receptions_number_without_gaps_or_duplicates(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let app = App::new(db.store.clone(), AppSettings::default());
    app.load_demo().await.expect("demo");
    let reception = official(&app, "tiepnhan.ninhkieu").await;
    let applicant = citizen(&app, "092095001234").await;
    const COUNTER: usize = 12;
    const ONLINE: usize = 12;
    // Online submissions (numbered as they are submitted, then received) race with counter
    // registrations (numbered and received at once) for the same ward's day counter.
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..COUNTER {
        let (app, reception) = (app.clone(), reception.clone());
        tasks.spawn(async move {
            app.register_at_counter(
                &reception,
                &motcua_app::dossiers::CounterRegistration {
                    procedure_code: "1.001193".into(),
                    agency_code: "000.00.30.H13".into(),
                    applicant_name: format!("Người nộp {n}"),
                    applicant_personal_id: None,
                    form: birth_registration(),
                    delivery: Default::default(),
                    postmark: None,
                    contact_phone: None,
                },
            )
            .await
            .map(|row| row.code)
        });
    }
    for _ in 0..ONLINE {
        let (app, reception, applicant) = (app.clone(), reception.clone(), applicant.clone());
        tasks.spawn(async move {
            let submitted = app
                .submit_dossier(
                    &applicant,
                    &Submission {
                        procedure_code: "1.001193".into(),
                        agency_code: "000.00.30.H13".into(),
                        form: birth_registration(),
                        attachments: Vec::new(),
                        delivery: Default::default(),
                        postal: Default::default(),
                    },
                )
                .await?;
            app.receive_dossier(&reception, submitted.id)
                .await
                .map(|row| row.code)
        });
    }
    let mut numbers = Vec::new();
    while let Some(result) = tasks.join_next().await {
        let code = result.expect("task").expect("received").expect("code");
        let number: u32 = code
            .rsplit('-')
            .next()
            .and_then(|n| n.parse().ok())
            .expect("number");
        numbers.push(number);
    }
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        (1..=u32::try_from(COUNTER + ONLINE).expect("small")).collect::<Vec<_>>(),
        "one number each, none skipped"
    );
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_parallel_receptions_number_without_gaps_or_duplicates() {
    parallel_receptions_number_without_gaps_or_duplicates(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_parallel_receptions_number_without_gaps_or_duplicates() {
    parallel_receptions_number_without_gaps_or_duplicates(Backend::Postgres).await;
}

/// A workflow step that names its unit (phòng/ban) is worked only by officials holding the
/// step's role in that unit; a name the agency does not have leaves the step to the agency.
async fn a_step_naming_its_unit_is_worked_in_that_unit(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let app = App::new(db.store.clone(), AppSettings::default());
    app.load_demo().await.expect("demo");
    let hau = citizen(&app, "092095001234").await;
    let reception = official(&app, "tiepnhan.ninhkieu").await;
    let submission = Submission {
        procedure_code: "1.001193".into(),
        agency_code: "000.00.30.H13".into(),
        form: birth_registration(),
        attachments: Vec::new(),
        delivery: Default::default(),
        postal: Default::default(),
    };
    let import = |unit: &str| {
        let mut workflow = motcua_app::workflows::default_workflow("1.001193", false);
        workflow.steps[0].unit_ref = Some(unit.to_owned());
        serde_json::to_string(&workflow).expect("json")
    };
    let forward = Command::Forward {
        to_step: 1,
        assignee: None,
    };

    // The ward's specialist works in its culture and society office, not in its secretariat.
    app.import_workflow(&Actor::system(), &import("Văn phòng HĐND và UBND"))
        .await
        .expect("import");
    let first = app.submit_dossier(&hau, &submission).await.expect("submit");
    app.receive_dossier(&reception, first.id)
        .await
        .expect("receive");
    let specialist = official(&app, "chuyenvien.ninhkieu").await;
    let refused = app
        .act_on_dossier(&specialist, first.id, forward.clone())
        .await;
    assert!(matches!(refused, Err(AppError::Forbidden)), "{refused:?}");
    assert!(
        !app.available_actions(
            &specialist,
            &app.dossier_for(&specialist, first.id).await.expect("view")
        )
        .await
        .expect("actions")
        .contains(&motcua_domain::dossier::CommandKind::Forward),
        "the page does not offer it either"
    );
    // A step naming his own office (any case): he works it.
    app.import_workflow(&Actor::system(), &import("phòng văn hóa - xã hội"))
        .await
        .expect("import");
    let own = app.submit_dossier(&hau, &submission).await.expect("submit");
    app.receive_dossier(&reception, own.id)
        .await
        .expect("receive");
    let forwarded = app
        .act_on_dossier(&specialist, own.id, forward.clone())
        .await
        .expect("forward from his office");
    assert_eq!(
        forwarded.step_role,
        Some(motcua_domain::authz::Role::Leader)
    );

    // A unit the ward does not have: the ward itself works the step.
    app.import_workflow(&Actor::system(), &import("Phòng không tồn tại"))
        .await
        .expect("import");
    let second = app.submit_dossier(&hau, &submission).await.expect("submit");
    app.receive_dossier(&reception, second.id)
        .await
        .expect("receive");
    let at_ward = official(&app, "chuyenvien.trunghung").await;
    assert!(
        app.act_on_dossier(&at_ward, second.id, forward.clone())
            .await
            .is_err(),
        "another commune still cannot"
    );
    app.act_on_dossier(&specialist, second.id, forward)
        .await
        .expect("forward at the ward");
    db.cleanup().await;
}

#[tokio::test]
async fn sqlite_a_step_naming_its_unit_is_worked_in_that_unit() {
    a_step_naming_its_unit_is_worked_in_that_unit(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_a_step_naming_its_unit_is_worked_in_that_unit() {
    a_step_naming_its_unit_is_worked_in_that_unit(Backend::Postgres).await;
}
