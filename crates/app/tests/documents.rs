//! Official documents through the use cases, on both databases: incoming → registered →
//! submitted → directed → in handling → done, with reminders and overdue; outgoing draft →
//! review → approved → signed (personal + seal) → issued with the next number → distributed;
//! concurrent issuing without gaps; the secret series; refusals; diacritic-insensitive search.

use motcua_app::documents::{DocumentAction, DraftText, IncomingRegistration, OutgoingDraft};
use motcua_app::test_support::{Fixture, WARD};
use motcua_app::{Actor, AppError};
use motcua_domain::document::{Delivery, Recipient, Register, SignatureKind};
use motcua_render::RegisterEntries;
use motcua_store::Backend;
use time::Duration;
use time::macros::date;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $name() { super::$name(motcua_store::Backend::Sqlite).await } )* }
        mod postgres { $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $name() { super::$name(motcua_store::Backend::Postgres).await } )* }
    };
}

both!(
    an_incoming_document_is_registered_directed_handled_and_done,
    an_outgoing_document_is_drafted_signed_issued_and_distributed,
    concurrent_issuing_numbers_without_gap_and_secret_apart,
    refusals_by_role_jurisdiction_and_input,
    search_ignores_diacritics_and_stays_in_jurisdiction,
    a_draft_is_written_rewritten_and_printed_with_blanks_until_issued,
    the_registers_print_their_rows_for_the_clerk_only,
);

fn incoming(subject: &str, code: &str) -> IncomingRegistration {
    IncomingRegistration {
        body_code: WARD.into(),
        doc_type: "cong_van".into(),
        code_number: code.into(),
        sender_organ: "Sở Tư pháp thành phố Cần Thơ".into(),
        issued_date: Some(date!(2026 - 12 - 04)),
        subject: subject.into(),
        urgency: "khan".into(),
        secrecy: String::new(),
        due_date: None,
        page_count: Some(2),
        signer_name: Some("Trương Quốc Bảo".into()),
        signer_position: Some("Giám đốc".into()),
    }
}

fn draft(doc_type: &str, subject: &str) -> OutgoingDraft {
    OutgoingDraft {
        body_code: WARD.into(),
        doc_type: doc_type.into(),
        subject: subject.into(),
        urgency: String::new(),
        secrecy: String::new(),
        drafting_unit_id: None,
        recipient_organ: Some("Sở Tư pháp".into()),
        due_date: None,
        page_count: Some(1),
        text: DraftText::default(),
    }
}

/// The ids of a demo official and of a unit of the ward, by name.
async fn official_id(f: &Fixture, username: &str) -> i64 {
    f.db.store
        .official_credentials(username)
        .await
        .expect("official")
        .id
}

async fn unit_id(f: &Fixture, name: &str) -> i64 {
    let ward = f.db.store.get_unit_by_code(WARD).await.expect("ward");
    f.db.store
        .list_units()
        .await
        .expect("units")
        .into_iter()
        .find(|u| u.name == name && u.path.starts_with(&ward.path))
        .expect("unit")
        .id
}

fn codes(error: AppError) -> Vec<String> {
    match error {
        AppError::Invalid(fields) => fields.into_iter().map(|f| f.code).collect(),
        other => vec![other.code().to_owned()],
    }
}

async fn an_incoming_document_is_registered_directed_handled_and_done(backend: Backend) {
    let f = Fixture::new(backend).await;
    let clerk = f.official("vanthu.ninhkieu").await;
    let leader = f.official("chutich.ninhkieu").await;
    let head = f.official("truongphong.ninhkieu").await;
    let specialist = f.official("chuyenvien.ninhkieu").await;
    let first = f
        .app
        .register_incoming(&clerk, &incoming("Về việc rà soát hộ tịch", "125/STP-HCTP"))
        .await
        .expect("registered");
    assert_eq!(first.document.number.as_deref(), Some("01"));
    assert_eq!(first.document.status, "registered");
    assert_eq!(first.document.arrival_date.as_deref(), Some("2026-12-07"));
    assert!(first.duplicates.is_empty());
    // The same document again (other spelling): registered, with a warning.
    let mut again = incoming("Về việc rà soát hộ tịch", " 125/STP-HCTP ");
    again.sender_organ = "SỞ TƯ PHÁP THÀNH PHỐ CẦN THƠ".into();
    let second = f
        .app
        .register_incoming(&clerk, &again)
        .await
        .expect("registered twice");
    assert_eq!(second.document.number.as_deref(), Some("02"));
    assert_eq!(
        second.duplicates.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![first.document.id]
    );
    let id = first.document.id;
    let leader_id = official_id(&f, "chutich.ninhkieu").await;
    f.app
        .act_on_document(&clerk, id, &DocumentAction::SubmitToLeader { leader_id })
        .await
        .expect("submitted");
    let lead = unit_id(&f, "Phòng Văn hóa - Xã hội").await;
    let co = unit_id(&f, "Văn phòng HĐND và UBND").await;
    let directed = f
        .app
        .act_on_document(
            &leader,
            id,
            &DocumentAction::Direct {
                lead_unit_id: lead,
                co_unit_ids: vec![co],
                deadline: Some(date!(2026 - 12 - 08)),
                note: "Phòng VH-XH chủ trì, tham mưu trả lời".into(),
            },
        )
        .await
        .expect("directed");
    assert_eq!(directed.lead_unit_id, Some(lead));
    assert_eq!(directed.co_unit_ids, vec![co]);
    assert_eq!(directed.deadline.as_deref(), Some("2026-12-08"));
    // The lead unit's head assigns one of the unit's people.
    let specialist_id = official_id(&f, "chuyenvien.ninhkieu").await;
    f.app
        .act_on_document(&head, id, &DocumentAction::Assign { specialist_id })
        .await
        .expect("assigned");
    // Reminder: due tomorrow (the next working day) — in the due-soon list, not overdue.
    let soon = f.app.documents_due_soon(&head).await.expect("due soon");
    assert_eq!(soon.iter().map(|d| d.id).collect::<Vec<_>>(), vec![id]);
    assert!(
        f.app
            .overdue_documents(&leader)
            .await
            .expect("overdue")
            .is_empty()
    );
    // The reminder goes out once per deadline, to the assignee; the direction (to their unit)
    // and the assignment told them too.
    assert_eq!(f.app.send_document_reminders().await.expect("reminders"), 1);
    assert_eq!(f.app.send_document_reminders().await.expect("again"), 0);
    let mails: Vec<serde_json::Value> =
        f.db.store
            .outbox_of_kind("notify")
            .await
            .expect("outbox")
            .into_iter()
            .filter_map(|row| serde_json::from_str(&row.payload).ok())
            .filter(|p: &serde_json::Value| p["to"] == "chuyenvien-ninhkieu@cantho.example.vn")
            .collect();
    let templates: Vec<&str> = mails
        .iter()
        .filter_map(|p| p["template"].as_str())
        .collect();
    assert_eq!(
        templates,
        vec!["document-direct", "document-assign", "document-reminder"]
    );
    // Worded by the catalogue when the worker sends it.
    let mut reminder: motcua_app::notify::Notification =
        serde_json::from_value(mails[2].clone()).expect("a notification");
    reminder.prepare(&motcua_app::notifications::TemplateSet::default());
    assert!(
        reminder
            .body
            .as_deref()
            .is_some_and(|b| b.contains("08/12/2026") && b.contains("đến hạn xử lý")),
        "{:?}",
        reminder.body
    );
    assert_eq!(
        reminder
            .subject
            .as_deref()
            .map(|s| s.starts_with("Sắp đến hạn xử lý văn bản")),
        Some(true)
    );
    // Thursday: overdue for the leader and the lead unit, not for another ward.
    f.advance(Duration::days(3));
    for who in [&leader, &head, &clerk] {
        let overdue = f.app.overdue_documents(who).await.expect("overdue");
        assert_eq!(overdue.iter().map(|d| d.id).collect::<Vec<_>>(), vec![id]);
    }
    let elsewhere = f.official("chutich.trunghung").await;
    assert!(
        f.app
            .overdue_documents(&elsewhere)
            .await
            .expect("overdue")
            .is_empty()
    );
    let done = DocumentAction::ReportDone {
        result: "Đã có văn bản trả lời số 20/UBND-VHXH".into(),
    };
    let handled = f
        .app
        .act_on_document(&specialist, id, &done)
        .await
        .expect("done");
    assert_eq!(handled.status, "done");
    assert!(
        f.app
            .overdue_documents(&leader)
            .await
            .expect("overdue")
            .is_empty()
    );
    // Nothing leaves done.
    let refused = f
        .app
        .act_on_document(
            &leader,
            id,
            &DocumentAction::Direct {
                lead_unit_id: lead,
                co_unit_ids: vec![],
                deadline: None,
                note: String::new(),
            },
        )
        .await
        .expect_err("done is final");
    assert_eq!(codes(refused), vec!["document-not-allowed-in-state"]);
    let timeline = f.app.document_timeline(&head, id).await.expect("timeline");
    assert!(timeline.chain_ok);
    assert_eq!(
        timeline
            .events
            .iter()
            .map(|e| e.kind.as_str())
            .collect::<Vec<_>>(),
        vec![
            "register",
            "submit_to_leader",
            "direct",
            "assign",
            "report_done"
        ]
    );
    assert_eq!(
        timeline.events[2].reason,
        "Phòng VH-XH chủ trì, tham mưu trả lời"
    );
    f.db.cleanup().await;
}

/// Drafts, reviews, approves and signs (personal) an outgoing document; returns its id.
async fn signed_draft(f: &Fixture, subject: &str, secrecy: &str) -> i64 {
    let specialist = f.official("chuyenvien.ninhkieu").await;
    let leader = f.official("chutich.ninhkieu").await;
    let mut input = draft("quyet_dinh", subject);
    input.secrecy = secrecy.into();
    let doc = f
        .app
        .draft_outgoing(&specialist, &input)
        .await
        .expect("draft");
    f.app
        .act_on_document(&specialist, doc.id, &DocumentAction::SendForReview)
        .await
        .expect("review");
    f.app
        .act_on_document(&leader, doc.id, &DocumentAction::Approve)
        .await
        .expect("approved");
    f.app
        .act_on_document(
            &leader,
            doc.id,
            &DocumentAction::Sign {
                kind: SignatureKind::Personal,
            },
        )
        .await
        .expect("signed");
    doc.id
}

async fn an_outgoing_document_is_drafted_signed_issued_and_distributed(backend: Backend) {
    let f = Fixture::new(backend).await;
    let specialist = f.official("chuyenvien.ninhkieu").await;
    let leader = f.official("chutich.ninhkieu").await;
    let clerk = f.official("vanthu.ninhkieu").await;
    let doc = f
        .app
        .draft_outgoing(
            &specialist,
            &draft("quyet_dinh", "Quyết định phê duyệt kế hoạch"),
        )
        .await
        .expect("draft");
    assert_eq!(doc.notation.as_deref(), Some("QĐ-UBND"));
    assert_eq!(doc.status, "draft");
    // Công văn: the body and the drafting unit; without the unit it is refused.
    let refused = f
        .app
        .draft_outgoing(&specialist, &draft("cong_van", "V/v báo cáo"))
        .await
        .expect_err("needs a unit");
    assert_eq!(codes(refused), vec!["document-unit-abbreviation-required"]);
    let mut letter = draft("cong_van", "V/v báo cáo");
    letter.drafting_unit_id = Some(unit_id(&f, "Văn phòng HĐND và UBND").await);
    let letter = f
        .app
        .draft_outgoing(&specialist, &letter)
        .await
        .expect("cv");
    assert_eq!(letter.notation.as_deref(), Some("UBND-VP"));

    f.app
        .act_on_document(&specialist, doc.id, &DocumentAction::SendForReview)
        .await
        .expect("review");
    let back = f
        .app
        .act_on_document(
            &leader,
            doc.id,
            &DocumentAction::SendBack {
                reason: "Bổ sung căn cứ".into(),
            },
        )
        .await
        .expect("sent back");
    assert_eq!(back.status, "draft");
    f.app
        .act_on_document(&specialist, doc.id, &DocumentAction::SendForReview)
        .await
        .expect("review again");
    f.app
        .act_on_document(&leader, doc.id, &DocumentAction::Approve)
        .await
        .expect("approved");
    // The seal comes after the personal signature, and only from the clerk.
    let early_seal = f
        .app
        .act_on_document(
            &clerk,
            doc.id,
            &DocumentAction::Sign {
                kind: SignatureKind::Seal,
            },
        )
        .await
        .expect_err("personal first");
    assert_eq!(codes(early_seal), vec!["document-personal-signature-first"]);
    let clerk_personal = f
        .app
        .act_on_document(
            &clerk,
            doc.id,
            &DocumentAction::Sign {
                kind: SignatureKind::Personal,
            },
        )
        .await
        .expect_err("the clerk does not sign for the leader");
    assert!(matches!(clerk_personal, AppError::Forbidden));
    let not_yet = f
        .app
        .issue_document(&clerk, doc.id)
        .await
        .expect_err("unsigned");
    assert_eq!(codes(not_yet), vec!["document-not-allowed-in-state"]);
    f.app
        .act_on_document(
            &leader,
            doc.id,
            &DocumentAction::Sign {
                kind: SignatureKind::Personal,
            },
        )
        .await
        .expect("personal signature");
    // Điều 14: the clerk takes the number and time, then signs for the agency.
    let unnumbered_seal = f
        .app
        .act_on_document(
            &clerk,
            doc.id,
            &DocumentAction::Sign {
                kind: SignatureKind::Seal,
            },
        )
        .await
        .expect_err("number first");
    assert_eq!(codes(unnumbered_seal), vec!["document-number-first"]);
    let issued = f.app.issue_document(&clerk, doc.id).await.expect("issued");
    assert_eq!(issued.status, "issued");
    assert_eq!(issued.number.as_deref(), Some("01"));
    assert_eq!(issued.code_number.as_deref(), Some("01/QĐ-UBND"));
    assert_eq!(issued.issued_date.as_deref(), Some("2026-12-07"));
    assert_eq!(issued.signer_name.as_deref(), Some("Huỳnh Văn Thành"));
    let sealed = f
        .app
        .act_on_document(
            &clerk,
            doc.id,
            &DocumentAction::Sign {
                kind: SignatureKind::Seal,
            },
        )
        .await
        .expect("seal");
    let leader_id = official_id(&f, "chutich.ninhkieu").await;
    let clerk_id = official_id(&f, "vanthu.ninhkieu").await;
    assert_eq!(
        sealed.signatures,
        vec![
            ("personal".to_owned(), leader_id),
            ("seal".to_owned(), clerk_id)
        ]
    );
    assert_eq!(sealed.status, "issued");
    let unit = unit_id(&f, "Phòng Văn hóa - Xã hội").await;
    let distributed = f
        .app
        .act_on_document(
            &clerk,
            doc.id,
            &DocumentAction::Distribute {
                recipients: vec![
                    Recipient::Unit { unit_id: unit },
                    Recipient::Agency {
                        name: "Sở Tư pháp".into(),
                        via: Delivery::Email,
                    },
                ],
            },
        )
        .await
        .expect("distributed");
    assert_eq!(distributed.status, "distributed");
    let timeline = f
        .app
        .document_timeline(&clerk, doc.id)
        .await
        .expect("timeline");
    assert!(timeline.chain_ok);
    let last = timeline.events.last().expect("events");
    assert_eq!(last.data.get("kept").map(String::as_str), Some("Lưu: VT"));
    assert_eq!(
        last.data.get("recipients").map(String::as_str),
        Some(format!("unit:{unit}\nemail:Sở Tư pháp").as_str())
    );
    // The outgoing register lists it under its number.
    let register = f
        .app
        .document_register(&clerk, WARD, Register::Outgoing, 2026)
        .await
        .expect("register");
    assert_eq!(
        register.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![doc.id]
    );
    f.db.cleanup().await;
}

async fn concurrent_issuing_numbers_without_gap_and_secret_apart(backend: Backend) {
    let f = Fixture::new(backend).await;
    const N: usize = 10;
    let mut ids = Vec::new();
    for i in 0..N {
        ids.push(signed_draft(&f, &format!("Quyết định số thứ tự {i}"), "").await);
    }
    let secret = signed_draft(&f, "Quyết định mật", "mat").await;
    let clerk = f.official("vanthu.ninhkieu").await;
    let mut tasks = Vec::new();
    for id in ids.iter().copied().chain([secret]) {
        let app = f.app.clone();
        let clerk: Actor = clerk.clone();
        tasks.push(tokio::spawn(async move {
            app.issue_document(&clerk, id).await.expect("issued")
        }));
    }
    let mut regular = Vec::new();
    let mut secret_numbers = Vec::new();
    for task in tasks {
        let doc = task.await.expect("task");
        let n: u32 = doc
            .number
            .as_deref()
            .and_then(|n| n.parse().ok())
            .expect("number");
        assert_eq!(
            doc.code_number,
            Some(format!("{n:02}/QĐ-UBND")),
            "Số: {n:02}/QĐ-UBND"
        );
        if doc.series == "secret" {
            secret_numbers.push(n);
        } else {
            regular.push(n);
        }
    }
    regular.sort_unstable();
    assert_eq!(regular, (1..=N as u32).collect::<Vec<_>>());
    assert_eq!(secret_numbers, vec![1]);
    f.db.cleanup().await;
}

async fn refusals_by_role_jurisdiction_and_input(backend: Backend) {
    let f = Fixture::new(backend).await;
    let clerk = f.official("vanthu.ninhkieu").await;
    let reception = f.official("tiepnhan.ninhkieu").await;
    let specialist = f.official("chuyenvien.ninhkieu").await;
    let other_ward = f.official("chuyenvien.trunghung").await;
    let other_leader = f.official("chutich.trunghung").await;
    let citizen = f.citizen(motcua_app::test_support::CITIZEN).await;
    let input = incoming("Về việc tổ chức hội nghị", "09/UBND-VP");
    for who in [&reception, &specialist, &other_ward, &citizen] {
        let refused = f
            .app
            .register_incoming(who, &input)
            .await
            .expect_err("not a clerk here");
        assert!(matches!(refused, AppError::Forbidden), "{refused:?}");
    }
    assert!(matches!(
        f.app
            .register_incoming(
                &Actor {
                    principal: motcua_domain::authz::Principal::Anonymous,
                    ip: None
                },
                &input
            )
            .await,
        Err(AppError::Unauthenticated)
    ));
    // Bad input changes nothing: the next registration still gets số đến 01.
    let mut bad = input.clone();
    bad.subject = "  ".into();
    bad.doc_type = "sac_lenh".into();
    bad.urgency = "gap".into();
    bad.page_count = Some(0);
    bad.issued_date = Some(date!(2027 - 01 - 01));
    let mut problems = codes(
        f.app
            .register_incoming(&clerk, &bad)
            .await
            .expect_err("bad"),
    );
    problems.sort();
    assert_eq!(
        problems,
        vec![
            "document-issued-in-future",
            "document-page-count-invalid",
            "document-required",
            "document-type-invalid",
            "document-urgency-invalid",
        ]
    );
    let mut unknown = input.clone();
    unknown.body_code = "000.00.99.H13".into();
    assert_eq!(
        codes(
            f.app
                .register_incoming(&clerk, &unknown)
                .await
                .expect_err("unknown")
        ),
        vec!["document-body-unknown"]
    );
    let doc = f
        .app
        .register_incoming(&clerk, &input)
        .await
        .expect("registered");
    assert_eq!(doc.document.number.as_deref(), Some("01"));
    let id = doc.document.id;
    // Another ward reads nothing of it.
    assert!(matches!(
        f.app.document(&other_ward, id).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        f.app.document_timeline(&other_leader, id).await,
        Err(AppError::Forbidden)
    ));
    // Submitting to a leader of another ward is refused; the specialist may not submit.
    let wrong_leader = official_id(&f, "chutich.trunghung").await;
    assert_eq!(
        codes(
            f.app
                .act_on_document(
                    &clerk,
                    id,
                    &DocumentAction::SubmitToLeader {
                        leader_id: wrong_leader
                    }
                )
                .await
                .expect_err("wrong leader")
        ),
        vec!["document-leader-invalid"]
    );
    let leader_id = official_id(&f, "chutich.ninhkieu").await;
    assert!(matches!(
        f.app
            .act_on_document(
                &specialist,
                id,
                &DocumentAction::SubmitToLeader { leader_id }
            )
            .await,
        Err(AppError::Forbidden)
    ));
    f.app
        .act_on_document(&clerk, id, &DocumentAction::SubmitToLeader { leader_id })
        .await
        .expect("submitted");
    // Only the leader directs, to units of the ward, with a deadline not in the past.
    let lead = unit_id(&f, "Phòng Văn hóa - Xã hội").await;
    let direct = |lead_unit_id, deadline| DocumentAction::Direct {
        lead_unit_id,
        co_unit_ids: vec![],
        deadline,
        note: String::new(),
    };
    assert!(matches!(
        f.app
            .act_on_document(&specialist, id, &direct(lead, None))
            .await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        f.app
            .act_on_document(&other_leader, id, &direct(lead, None))
            .await,
        Err(AppError::Forbidden)
    ));
    let leader = f.official("chutich.ninhkieu").await;
    let foreign =
        f.db.store
            .get_unit_by_code("000.00.37.H13")
            .await
            .expect("ward")
            .id;
    assert_eq!(
        codes(
            f.app
                .act_on_document(&leader, id, &direct(foreign, None))
                .await
                .expect_err("foreign")
        ),
        vec!["document-unit-outside-body"]
    );
    assert_eq!(
        codes(
            f.app
                .act_on_document(&leader, id, &direct(lead, Some(date!(2026 - 12 - 01))))
                .await
                .expect_err("past")
        ),
        vec!["document-deadline-past"]
    );
    let timeline = f
        .app
        .document_timeline(&leader, id)
        .await
        .expect("timeline");
    assert_eq!(timeline.events.len(), 2, "refusals wrote nothing");
    // Returning a misdirected document needs a reason.
    assert_eq!(
        codes(
            f.app
                .act_on_document(
                    &clerk,
                    id,
                    &DocumentAction::ReturnToSender { reason: " ".into() }
                )
                .await
                .expect_err("reason")
        ),
        vec!["document-required"]
    );
    let returned = f
        .app
        .act_on_document(
            &clerk,
            id,
            &DocumentAction::ReturnToSender {
                reason: "Gửi nhầm cơ quan".into(),
            },
        )
        .await
        .expect("returned");
    assert_eq!(returned.status, "returned");
    f.db.cleanup().await;
}

async fn search_ignores_diacritics_and_stays_in_jurisdiction(backend: Backend) {
    let f = Fixture::new(backend).await;
    let clerk = f.official("vanthu.ninhkieu").await;
    let wanted = f
        .app
        .register_incoming(
            &clerk,
            &incoming("Về việc phê duyệt đề án chuyển đổi số", "77/STP-VP"),
        )
        .await
        .expect("registered")
        .document
        .id;
    f.app
        .register_incoming(&clerk, &incoming("Giấy mời dự hội nghị", "78/STP-VP"))
        .await
        .expect("registered");
    let leader = f.official("chutich.ninhkieu").await;
    for query in [
        "phe duyet",
        "PHÊ DUYỆT",
        "chuyen doi so",
        "de an chuyen",
        "77/STP",
    ] {
        let found = f
            .app
            .search_documents(&leader, query)
            .await
            .expect("search");
        assert_eq!(
            found.iter().map(|d| d.id).collect::<Vec<_>>(),
            vec![wanted],
            "{query}"
        );
    }
    assert!(
        f.app
            .search_documents(&leader, "thuế đất")
            .await
            .expect("search")
            .is_empty()
    );
    let other = f.official("chutich.trunghung").await;
    assert!(
        f.app
            .search_documents(&other, "phe duyet")
            .await
            .expect("search")
            .is_empty()
    );
    let reception = f.official("tiepnhan.ninhkieu").await;
    assert!(matches!(
        f.app.search_documents(&reception, "phe duyet").await,
        Err(AppError::Forbidden)
    ));
    f.db.cleanup().await;
}

fn written() -> DraftText {
    DraftText {
        subject: String::new(),
        paragraphs: vec![
            "Căn cứ Luật Tổ chức chính quyền địa phương;\n\nTheo đề nghị của Trưởng phòng Văn hóa - Xã hội.".into(),
            "Điều 1. Thành lập Tổ công tác rà soát dữ liệu hộ tịch.".into(),
        ],
        addressees: vec![],
        recipients: vec!["Như Điều 1;".into(), "Sở Tư pháp".into()],
        signer_authority: Some("tm.  Ủy ban nhân dân\nkt. Chủ tịch".into()),
        signer_position: Some("Phó Chủ tịch".into()),
        signer_name: None,
    }
}

async fn a_draft_is_written_rewritten_and_printed_with_blanks_until_issued(backend: Backend) {
    let f = Fixture::new(backend).await;
    let specialist = f.official("chuyenvien.ninhkieu").await;
    let leader = f.official("chutich.ninhkieu").await;
    let clerk = f.official("vanthu.ninhkieu").await;
    let mut input = draft("quyet_dinh", "Về việc thành lập Tổ công tác");
    input.text = written();
    input.urgency = "hoa_toc".into();
    input.drafting_unit_id = Some(unit_id(&f, "Văn phòng HĐND và UBND").await);
    let doc = f
        .app
        .draft_outgoing(&specialist, &input)
        .await
        .expect("draft");
    assert_eq!(
        doc.paragraphs,
        vec![
            "Căn cứ Luật Tổ chức chính quyền địa phương;",
            "Theo đề nghị của Trưởng phòng Văn hóa - Xã hội.",
            "Điều 1. Thành lập Tổ công tác rà soát dữ liệu hộ tịch.",
        ]
    );
    assert_eq!(doc.recipients, vec!["Như Điều 1;", "Sở Tư pháp"]);
    assert_eq!(
        doc.signer_authority.as_deref(),
        Some("TM. Ủy ban nhân dân\nKT. Chủ tịch")
    );
    // Before issue: blanks for the number and the date, the heading of a ward (no parent
    // body, the ward's name as the place).
    let print = f.app.document_print(&leader, doc.id).await.expect("print");
    assert_eq!(print.body, "UBND phường Ninh Kiều");
    assert_eq!(print.parent_body, None);
    assert_eq!(print.place, "Ninh Kiều");
    assert_eq!((print.number.as_deref(), print.date), (None, None));
    assert_eq!(print.notation, "QĐ-UBND");
    assert_eq!(print.type_name, "quyết định");
    assert_eq!(print.filed_with.as_deref(), Some("VP"));
    assert_eq!(print.urgency.as_deref(), Some("HỎA TỐC"));
    assert_eq!(print.secrecy, None);
    assert_eq!(print.signature.position.as_deref(), Some("Phó Chủ tịch"));
    assert_eq!(print.signature.name, None);

    // Bad text is refused with the fields named, and changes nothing.
    let mut bad = written();
    bad.subject = "Về việc khác".into();
    bad.signer_authority = Some("Chủ tịch".into());
    bad.recipients = vec!["Sở".into(); 31];
    bad.paragraphs = vec!["Nội dung. ".repeat(1_001)];
    let refused = f
        .app
        .edit_draft(&specialist, doc.id, &bad)
        .await
        .expect_err("bad text");
    assert_eq!(
        codes(refused),
        vec![
            "document-content-too-long",
            "document-lines-invalid",
            "document-authority-invalid"
        ]
    );
    let mut bad = written();
    bad.subject = "Về việc khác".into();
    bad.paragraphs = vec!["Đoạn có ký tự\u{7}điều khiển".into()];
    bad.signer_name = Some("Tên ".repeat(20));
    let refused = f
        .app
        .edit_draft(&specialist, doc.id, &bad)
        .await
        .expect_err("bad text");
    assert_eq!(
        codes(refused),
        vec!["document-too-long", "document-too-long"]
    );
    let mut three = written();
    three.subject = "Về việc khác".into();
    three.signer_authority = Some("TM. Ủy ban nhân dân\nKT. Chủ tịch\nTL. Chủ tịch".into());
    let refused = f
        .app
        .edit_draft(&specialist, doc.id, &three)
        .await
        .expect_err("three lines");
    assert_eq!(codes(refused), vec!["document-authority-invalid"]);
    // Only the drafter rewrites.
    let mut text = written();
    text.subject = "Về việc thành lập Tổ công tác rà soát hộ tịch".into();
    text.paragraphs
        .push("Điều 2. Quyết định có hiệu lực kể từ ngày ký./.".into());
    let not_drafter = f
        .app
        .edit_draft(&leader, doc.id, &text)
        .await
        .expect_err("not the drafter");
    assert_eq!(codes(not_drafter), vec!["document-not-assignee"]);
    let other = f.official("chuyenvien.trunghung").await;
    assert!(matches!(
        f.app.edit_draft(&other, doc.id, &text).await,
        Err(AppError::Forbidden)
    ));
    let unchanged = f.app.document(&leader, doc.id).await.expect("view");
    assert_eq!(unchanged.subject, "Về việc thành lập Tổ công tác");
    assert_eq!(unchanged.paragraphs.len(), 3);
    let edited = f
        .app
        .edit_draft(&specialist, doc.id, &text)
        .await
        .expect("rewritten");
    assert_eq!(edited.subject, text.subject);
    assert_eq!(edited.paragraphs.len(), 4);
    assert_eq!(edited.last_seq, doc.last_seq, "a rewrite is not an event");
    let found = f
        .app
        .search_documents(&leader, "ra soat ho tich")
        .await
        .expect("search");
    assert_eq!(found.iter().map(|d| d.id).collect::<Vec<_>>(), vec![doc.id]);

    // Sent for review, the draft is no longer rewritten; sent back, it is again.
    f.app
        .act_on_document(&specialist, doc.id, &DocumentAction::SendForReview)
        .await
        .expect("review");
    let late = f
        .app
        .edit_draft(&specialist, doc.id, &text)
        .await
        .expect_err("in review");
    assert_eq!(codes(late), vec!["document-not-allowed-in-state"]);
    f.app
        .act_on_document(
            &leader,
            doc.id,
            &DocumentAction::SendBack {
                reason: "Bổ sung nơi nhận".into(),
            },
        )
        .await
        .expect("sent back");
    text.recipients.push("Công an phường".into());
    f.app
        .edit_draft(&specialist, doc.id, &text)
        .await
        .expect("rewritten after send back");
    for (who, action) in [
        (&specialist, DocumentAction::SendForReview),
        (&leader, DocumentAction::Approve),
        (
            &leader,
            DocumentAction::Sign {
                kind: SignatureKind::Personal,
            },
        ),
    ] {
        f.app
            .act_on_document(who, doc.id, &action)
            .await
            .expect("step");
    }
    // Signed: the signer is recorded under the position the drafter wrote; still no number.
    let signed = f.app.document_print(&clerk, doc.id).await.expect("print");
    assert_eq!(signed.signature.name.as_deref(), Some("Huỳnh Văn Thành"));
    assert_eq!(signed.signature.position.as_deref(), Some("Phó Chủ tịch"));
    assert_eq!((signed.number.as_deref(), signed.date), (None, None));
    assert_eq!(
        signed.recipients,
        vec!["Như Điều 1;", "Sở Tư pháp", "Công an phường"]
    );
    f.app.issue_document(&clerk, doc.id).await.expect("issued");
    let issued = f
        .app
        .document_print(&specialist, doc.id)
        .await
        .expect("print");
    assert_eq!(issued.number.as_deref(), Some("01"));
    assert_eq!(issued.date, Some(date!(2026 - 12 - 07)));
    assert_eq!(issued.signature.position.as_deref(), Some("Phó Chủ tịch"));
    assert_eq!(issued.paragraphs.len(), 4);
    // The print is the stored document's: the same for every reader and every time.
    assert_eq!(
        f.app.document_print(&leader, doc.id).await.expect("print"),
        issued
    );

    // Who may not read it may not print it; an incoming document has no print of ours.
    let other_leader = f.official("chutich.trunghung").await;
    assert!(matches!(
        f.app.document_print(&other_leader, doc.id).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        f.app.document_pdf(&other_leader, doc.id).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        f.app.document_print(&Actor::anonymous(None), doc.id).await,
        Err(AppError::Unauthenticated)
    ));
    let reception = f.official("tiepnhan.ninhkieu").await;
    assert!(matches!(
        f.app.document_print(&reception, doc.id).await,
        Err(AppError::Forbidden)
    ));
    let incoming_doc = f
        .app
        .register_incoming(&clerk, &incoming("Về việc rà soát", "125/STP-HCTP"))
        .await
        .expect("registered");
    let refused = f
        .app
        .document_print(&clerk, incoming_doc.document.id)
        .await
        .expect_err("incoming");
    assert_eq!(codes(refused), vec!["document-print-outgoing-only"]);
    f.db.cleanup().await;
}

async fn the_registers_print_their_rows_for_the_clerk_only(backend: Backend) {
    let f = Fixture::new(backend).await;
    let clerk = f.official("vanthu.ninhkieu").await;
    let leader = f.official("chutich.ninhkieu").await;
    for (subject, code) in [
        ("Về việc rà soát hộ tịch", "125/STP-HCTP"),
        ("Về việc báo cáo thống kê", "126/STP-HCTP"),
    ] {
        f.app
            .register_incoming(&clerk, &incoming(subject, code))
            .await
            .expect("registered");
    }
    let mut secret = incoming("Về việc bảo vệ bí mật nhà nước", "07/CAP-PV01");
    secret.secrecy = "mat".into();
    secret.sender_organ = "Công an thành phố Cần Thơ".into();
    f.app
        .register_incoming(&clerk, &secret)
        .await
        .expect("secret registered");
    let first = signed_draft(&f, "Về việc thành lập Tổ công tác", "").await;
    let second = signed_draft(&f, "Về việc phê duyệt kế hoạch", "").await;
    let late = signed_draft(&f, "Về việc ban hành sang năm", "").await;
    for id in [first, second] {
        f.app.issue_document(&clerk, id).await.expect("issued");
    }
    f.app
        .act_on_document(
            &clerk,
            first,
            &DocumentAction::Sign {
                kind: SignatureKind::Seal,
            },
        )
        .await
        .expect("seal");
    let unit = unit_id(&f, "Phòng Văn hóa - Xã hội").await;
    f.app
        .act_on_document(
            &clerk,
            first,
            &DocumentAction::Distribute {
                recipients: vec![
                    Recipient::Unit { unit_id: unit },
                    Recipient::Agency {
                        name: "Sở Tư pháp".into(),
                        via: Delivery::Paper,
                    },
                ],
            },
        )
        .await
        .expect("distributed");

    // Without a body code: the clerk keeps one body's registers.
    let book = f
        .app
        .document_register_print(&clerk, None, Register::Incoming, 2026)
        .await
        .expect("incoming register");
    assert_eq!(book.body, "UBND phường Ninh Kiều");
    assert_eq!(book.year, 2026);
    let RegisterEntries::Incoming(rows) = book.entries else {
        panic!("incoming rows")
    };
    assert_eq!(
        rows.iter()
            .map(|r| (r.arrival_number.as_str(), r.code_number.as_str()))
            .collect::<Vec<_>>(),
        vec![
            ("01", "125/STP-HCTP"),
            ("02", "126/STP-HCTP"),
            ("01 (Mật)", "07/CAP-PV01")
        ]
    );
    assert_eq!(rows[0].title, "Công văn: Về việc rà soát hộ tịch");
    assert_eq!(rows[0].author, "Sở Tư pháp thành phố Cần Thơ");
    assert_eq!(rows[0].arrival_date, Some(date!(2026 - 12 - 07)));
    assert_eq!(rows[0].note, "Khẩn");
    assert_eq!(rows[2].note, "Khẩn; Mật");
    let book = f
        .app
        .document_register_print(&clerk, Some(WARD), Register::Outgoing, 2026)
        .await
        .expect("outgoing register");
    let RegisterEntries::Outgoing(rows) = book.entries else {
        panic!("outgoing rows")
    };
    assert_eq!(
        rows.iter()
            .map(|r| r.code_number.as_str())
            .collect::<Vec<_>>(),
        vec!["01/QĐ-UBND", "02/QĐ-UBND"],
        "numbered documents only, in number order"
    );
    assert_eq!(rows[0].title, "Quyết định: Về việc thành lập Tổ công tác");
    assert_eq!(rows[0].signer, "Huỳnh Văn Thành");
    assert_eq!(rows[0].recipients, "Phòng Văn hóa - Xã hội; Sở Tư pháp");
    assert_eq!(rows[0].copies, Some(3), "two copies sent, one kept");
    assert_eq!(rows[0].kept_by, "VT");
    assert_eq!(rows[1].recipients, "Sở Tư pháp", "not yet sent: as drafted");
    assert_eq!(rows[1].copies, None);

    // The clerk's only; a valid register and year.
    assert!(matches!(
        f.app
            .document_register_print(&leader, Some(WARD), Register::Outgoing, 2026)
            .await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        f.app
            .document_register_print(&leader, None, Register::Outgoing, 2026)
            .await,
        Err(AppError::Forbidden)
    ));
    let other_clerk = f.official("vanthu.stp").await;
    assert!(matches!(
        f.app
            .document_register_print(&other_clerk, Some(WARD), Register::Outgoing, 2026)
            .await,
        Err(AppError::Forbidden)
    ));
    let year = f
        .app
        .document_register_print(&clerk, None, Register::Outgoing, 1990)
        .await
        .expect_err("year");
    assert_eq!(codes(year), vec!["document-year-invalid"]);
    let admin = f.official("admin").await;
    assert!(matches!(
        f.app
            .document_register_print(&admin, None, Register::Outgoing, 2026)
            .await,
        Err(AppError::Forbidden)
    ));
    // A December draft issued in January takes the new year's number and register.
    f.set(time::macros::datetime!(2027-01-04 08:30 +7));
    let issued = f.app.issue_document(&clerk, late).await.expect("issued");
    assert_eq!(issued.code_number.as_deref(), Some("01/QĐ-UBND"));
    assert_eq!(issued.year, 2027);
    let book = f
        .app
        .document_register_print(&clerk, None, Register::Outgoing, 2027)
        .await
        .expect("2027");
    let RegisterEntries::Outgoing(rows) = book.entries else {
        panic!("outgoing rows")
    };
    assert_eq!(
        rows.iter().map(|r| r.issued_date).collect::<Vec<_>>(),
        vec![Some(date!(2027 - 01 - 04))]
    );
    let print = f.app.document_print(&clerk, late).await.expect("print");
    assert_eq!(
        (print.number.as_deref(), print.date.map(|d| d.year())),
        (Some("01"), Some(2027))
    );
    // A clerk of two bodies names the one whose register to print.
    let commune =
        f.db.store
            .get_unit_by_code("000.00.37.H13")
            .await
            .expect("Trung Hưng");
    f.app
        .assign_role(
            &admin,
            official_id(&f, "vanthu.ninhkieu").await,
            "clerk",
            commune.id,
        )
        .await
        .expect("second body");
    let clerk = f.official("vanthu.ninhkieu").await;
    let which = f
        .app
        .document_register_print(&clerk, None, Register::Outgoing, 2026)
        .await
        .expect_err("which body");
    assert_eq!(codes(which), vec!["document-body-required"]);
    let named = f
        .app
        .document_register_print(&clerk, Some("000.00.37.H13"), Register::Outgoing, 2026)
        .await
        .expect("named");
    assert_eq!(named.body, "UBND xã Trung Hưng");
    assert_eq!(named.entries, RegisterEntries::Outgoing(Vec::new()));
    f.db.cleanup().await;
}
