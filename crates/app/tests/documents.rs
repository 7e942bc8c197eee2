//! Official documents through the use cases, on both databases: incoming → registered →
//! submitted → directed → in handling → done, with reminders and overdue; outgoing draft →
//! review → approved → signed (personal + seal) → issued with the next number → distributed;
//! concurrent issuing without gaps; the secret series; refusals; diacritic-insensitive search.

use motcua_app::documents::{DocumentAction, IncomingRegistration, OutgoingDraft};
use motcua_app::test_support::{Fixture, WARD};
use motcua_app::{Actor, AppError};
use motcua_domain::document::{Delivery, Recipient, Register, SignatureKind};
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
    assert!(
        mails[2]["body"]
            .as_str()
            .unwrap_or_default()
            .contains("08/12/2026"),
        "{}",
        mails[2]
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
