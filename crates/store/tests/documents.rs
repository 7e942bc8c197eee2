//! Document registers on both databases: gap-free numbering per body, register, series and
//! year under concurrency; a rollback gives its number back.

use motcua_domain::authz::Role;
use motcua_domain::document::{Command, Context, Document, Register, Series, decide};
use motcua_domain::dossier::Actor;
use motcua_store::documents::{
    DocumentChange, DocumentFilter, DocumentScope, DraftText, GeneratedDocument, NewDocument,
};
use motcua_store::org::OrgUnitInput;
use motcua_store::test_support::TestDatabase;
use motcua_store::{Backend, Store, StoreError};
use time::macros::{date, datetime};

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $name() { super::run(motcua_store::Backend::Sqlite, super::$name).await } )* }
        mod postgres { $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $name() { super::run(motcua_store::Backend::Postgres, super::$name).await } )* }
    };
}

contract!(
    register_numbers_are_gap_free_and_unique_under_concurrency,
    a_rolled_back_registration_gives_its_number_back,
    a_stale_update_is_refused_and_a_number_is_never_stored_twice,
    a_draft_keeps_its_text_and_is_rewritten_only_while_a_draft,
    a_register_lists_its_year_and_status_within_the_scope,
    generated_documents_are_stored_whole_searchable_and_numbering_continues,
);

async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let db = TestDatabase::new(backend).await;
    test(db.store.clone()).await;
    db.cleanup().await;
}

async fn take(store: &Store, body: i64, register: Register, series: Series, year: i32) -> u32 {
    let mut tx = store.begin().await.expect("begin");
    let n = tx
        .next_document_number(body, register, series, year)
        .await
        .expect("number");
    tx.commit().await.expect("commit");
    n
}

async fn register_numbers_are_gap_free_and_unique_under_concurrency(store: Store) {
    let mut tasks = Vec::new();
    for i in 0..32 {
        let store = store.clone();
        // Interleave two series of one register: each must count 1..=16 on its own.
        let series = if i % 2 == 0 {
            Series::Regular
        } else {
            Series::Secret
        };
        tasks.push(tokio::spawn(async move {
            (
                series,
                take(&store, 7, Register::Outgoing, series, 2026).await,
            )
        }));
    }
    let mut regular = Vec::new();
    let mut secret = Vec::new();
    for task in tasks {
        match task.await.expect("task") {
            (Series::Regular, n) => regular.push(n),
            (Series::Secret, n) => secret.push(n),
        }
    }
    regular.sort_unstable();
    secret.sort_unstable();
    assert_eq!(regular, (1..=16).collect::<Vec<u32>>());
    assert_eq!(secret, (1..=16).collect::<Vec<u32>>());
    assert_eq!(
        take(&store, 7, Register::Incoming, Series::Regular, 2026).await,
        1
    );
    assert_eq!(
        take(&store, 7, Register::Outgoing, Series::Regular, 2027).await,
        1
    );
    assert_eq!(
        take(&store, 8, Register::Outgoing, Series::Regular, 2026).await,
        1
    );
    assert_eq!(
        take(&store, 7, Register::Outgoing, Series::Regular, 2026).await,
        17
    );
}

async fn a_rolled_back_registration_gives_its_number_back(store: Store) {
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.next_document_number(7, Register::Incoming, Series::Regular, 2026)
            .await
            .expect("n"),
        1
    );
    drop(tx);
    assert_eq!(
        take(&store, 7, Register::Incoming, Series::Regular, 2026).await,
        1
    );
}

fn registration(body_id: i64, body_path: &str, number: u32) -> NewDocument {
    NewDocument {
        register: Register::Incoming,
        body_id,
        body_path: body_path.into(),
        doc_type: "cong_van".into(),
        series: Series::Regular,
        register_year: 2026,
        number: Some(number),
        code_number: Some("12/STP-VP".into()),
        notation: None,
        sender_organ: "Sở Tư pháp".into(),
        recipient_organ: None,
        issued_date: None,
        arrival_date: Some("2026-12-07".into()),
        subject: "Về việc rà soát".into(),
        urgency: "thuong".into(),
        secrecy: "thuong".into(),
        due_date: None,
        page_count: None,
        signer_name: None,
        signer_position: None,
        drafting_unit_id: None,
        duplicate_key: None,
        search_folded: "ve viec ra soat".into(),
        created_by: None,
        content: None,
        addressees: None,
        signer_authority: None,
    }
}

async fn a_stale_update_is_refused_and_a_number_is_never_stored_twice(store: Store) {
    let mut tx = store.begin().await.expect("begin");
    let body = tx
        .insert_unit(
            &OrgUnitInput {
                parent_id: None,
                kind: "agency".into(),
                level: "commune".into(),
                name: "UBND phường Ninh Kiều".into(),
                short_name: None,
                code: Some("000.00.30.H13".into()),
                address: None,
                phone: None,
                email: None,
                sort_order: 0,
            },
            1,
        )
        .await
        .expect("unit");
    tx.commit().await.expect("commit");
    let clerk = Actor::Official {
        official_id: 9,
        role: Role::Clerk,
    };
    let ctx = Context {
        actor: &clerk,
        now: datetime!(2026-12-07 08:30 +7),
        today: date!(2026 - 12 - 07),
    };
    let registered = decide(
        &Document::new(),
        &Command::Register { arrival_number: 1 },
        &ctx,
    )
    .expect("register");
    let mut tx = store.begin().await.expect("begin");
    let id = tx
        .insert_document(
            &registration(body.id, &body.path, 1),
            &registered.new_state,
            1,
        )
        .await
        .expect("insert");
    tx.append_document_event(id, &registered.event)
        .await
        .expect("event");
    tx.commit().await.expect("commit");
    // The same number in the same series and year cannot be stored twice.
    let mut tx = store.begin().await.expect("begin");
    assert!(
        tx.insert_document(
            &registration(body.id, &body.path, 1),
            &registered.new_state,
            1
        )
        .await
        .is_err()
    );
    drop(tx);
    let submitted = decide(
        &registered.new_state,
        &Command::SubmitToLeader { leader_id: 2 },
        &ctx,
    )
    .expect("submit");
    let mut tx = store.begin().await.expect("begin");
    let row = tx
        .update_document(id, 1, &submitted.new_state, &DocumentChange::default(), 2)
        .await
        .expect("update");
    assert_eq!(row.status, "submitted");
    tx.commit().await.expect("commit");
    // A second writer that read the document before the first wrote loses.
    let mut tx = store.begin().await.expect("begin");
    let stale = tx
        .update_document(id, 1, &submitted.new_state, &DocumentChange::default(), 3)
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    drop(tx);
    let stored = store.get_document(id).await.expect("row");
    assert_eq!(stored.document().expect("state"), submitted.new_state);
    assert_eq!(store.document_events(id).await.expect("events").len(), 1);
}

async fn a_draft_keeps_its_text_and_is_rewritten_only_while_a_draft(store: Store) {
    let mut tx = store.begin().await.expect("begin");
    let body = tx
        .insert_unit(
            &OrgUnitInput {
                parent_id: None,
                kind: "agency".into(),
                level: "commune".into(),
                name: "UBND phường Ninh Kiều".into(),
                short_name: None,
                code: Some("000.00.30.H13".into()),
                address: None,
                phone: None,
                email: None,
                sort_order: 0,
            },
            1,
        )
        .await
        .expect("unit");
    tx.commit().await.expect("commit");
    let drafter = Actor::Official {
        official_id: 4,
        role: Role::Specialist,
    };
    let ctx = Context {
        actor: &drafter,
        now: datetime!(2026-12-07 08:30 +7),
        today: date!(2026 - 12 - 07),
    };
    let drafted = decide(&Document::new(), &Command::Draft, &ctx).expect("draft");
    let new = NewDocument {
        register: Register::Outgoing,
        number: None,
        code_number: None,
        notation: Some("QĐ-UBND".into()),
        arrival_date: None,
        recipient_organ: Some("Như Điều 3\nSở Tư pháp".into()),
        content: Some(
            "Căn cứ Luật Tổ chức chính quyền địa phương;\nĐiều 1. Thành lập Tổ công tác.".into(),
        ),
        addressees: Some(String::new()),
        signer_authority: Some("TM. ỦY BAN NHÂN DÂN".into()),
        signer_position: Some("CHỦ TỊCH".into()),
        ..registration(body.id, &body.path, 0)
    };
    let mut tx = store.begin().await.expect("begin");
    let id = tx
        .insert_document(&new, &drafted.new_state, 1)
        .await
        .expect("insert");
    tx.append_document_event(id, &drafted.event)
        .await
        .expect("event");
    tx.commit().await.expect("commit");
    let row = store.get_document(id).await.expect("row");
    assert_eq!(row.content, new.content);
    assert_eq!(row.signer_authority.as_deref(), Some("TM. ỦY BAN NHÂN DÂN"));
    assert_eq!(row.addressees.as_deref(), Some(""));
    let text = DraftText {
        subject: "Về việc thành lập Tổ công tác rà soát".into(),
        content: "Điều 1. Thành lập Tổ công tác rà soát.".into(),
        addressees: String::new(),
        recipients: Some("Như Điều 3".into()),
        signer_authority: Some("KT. CHỦ TỊCH".into()),
        signer_position: Some("PHÓ CHỦ TỊCH".into()),
        signer_name: None,
        search_folded: "ve viec thanh lap to cong tac ra soat".into(),
    };
    let mut tx = store.begin().await.expect("begin");
    let stale = tx.update_draft_text(id, 0, &text, 2).await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    drop(tx);
    let mut tx = store.begin().await.expect("begin");
    let row = tx
        .update_draft_text(id, 1, &text, 2)
        .await
        .expect("rewrite");
    tx.commit().await.expect("commit");
    assert_eq!(row.subject, text.subject);
    assert_eq!(row.content.as_deref(), Some(text.content.as_str()));
    assert_eq!(row.recipient_organ.as_deref(), Some("Như Điều 3"));
    assert_eq!(row.signer_position.as_deref(), Some("PHÓ CHỦ TỊCH"));
    assert_eq!(row.last_seq, 1, "no event for a rewrite");
    // Sent for review, the draft is no longer rewritten.
    let sent = decide(&drafted.new_state, &Command::SendForReview, &ctx).expect("send");
    let mut tx = store.begin().await.expect("begin");
    tx.update_document(id, 1, &sent.new_state, &DocumentChange::default(), 3)
        .await
        .expect("send");
    tx.commit().await.expect("commit");
    let mut tx = store.begin().await.expect("begin");
    let late = tx.update_draft_text(id, 2, &text, 4).await;
    assert!(matches!(late, Err(StoreError::Conflict(_))), "{late:?}");
    drop(tx);
    // The personal signature records who signed, keeping what the drafter wrote otherwise.
    let change = DocumentChange {
        signer: Some(("Huỳnh Văn Thành".into(), None)),
        ..DocumentChange::default()
    };
    let mut tx = store.begin().await.expect("begin");
    let row = tx
        .update_document(id, 2, &sent.new_state, &change, 5)
        .await
        .expect("update");
    tx.commit().await.expect("commit");
    assert_eq!(row.signer_name.as_deref(), Some("Huỳnh Văn Thành"));
    assert_eq!(row.signer_position.as_deref(), Some("PHÓ CHỦ TỊCH"));
    assert_eq!(row.signed_pdf, None);
    // A signature records the signed PDF and, the first time, where the layout's blanks are;
    // the seal's later PDF replaces the file and keeps them.
    let seq = u64::try_from(row.last_seq).expect("seq");
    let signed = DocumentChange {
        signed_pdf: Some(("a".repeat(64), Some(r#"[{"kind":"number"}]"#.into()))),
        ..DocumentChange::default()
    };
    let sealed = DocumentChange {
        signed_pdf: Some(("b".repeat(64), None)),
        ..DocumentChange::default()
    };
    let mut tx = store.begin().await.expect("begin");
    let first = tx
        .update_document(id, seq, &sent.new_state, &signed, 6)
        .await
        .expect("signed");
    assert_eq!(first.signed_pdf, Some("a".repeat(64)));
    tx.update_document(id, seq, &sent.new_state, &sealed, 7)
        .await
        .expect("sealed");
    tx.commit().await.expect("commit");
    let row = store.get_document(id).await.expect("read");
    assert_eq!(row.signed_pdf, Some("b".repeat(64)));
    assert_eq!(row.signed_marks.as_deref(), Some(r#"[{"kind":"number"}]"#));
    assert_eq!(row.signer_name.as_deref(), Some("Huỳnh Văn Thành"));
}

async fn a_register_lists_its_year_and_status_within_the_scope(store: Store) {
    let unit = |name: &str, code: &str| OrgUnitInput {
        parent_id: None,
        kind: "agency".into(),
        level: "commune".into(),
        name: name.into(),
        short_name: None,
        code: Some(code.into()),
        address: None,
        phone: None,
        email: None,
        sort_order: 0,
    };
    let mut tx = store.begin().await.expect("begin");
    let ward = tx
        .insert_unit(&unit("UBND phường Ninh Kiều", "000.00.30.H13"), 1)
        .await
        .expect("unit");
    let other = tx
        .insert_unit(&unit("UBND xã Trung Hưng", "000.00.37.H13"), 1)
        .await
        .expect("unit");
    tx.commit().await.expect("commit");
    let clerk = Actor::Official {
        official_id: 9,
        role: Role::Clerk,
    };
    let ctx = Context {
        actor: &clerk,
        now: datetime!(2026-12-07 08:30 +7),
        today: date!(2026 - 12 - 07),
    };
    // Three of the ward (one of 2025, one submitted), one of the other commune, each
    // registered after the one before.
    let mut ids = Vec::new();
    for (body, number, year, submit) in [
        (&ward, 1, 2026, false),
        (&ward, 2, 2026, true),
        (&ward, 1, 2025, false),
        (&other, 1, 2026, false),
    ] {
        let registered = decide(
            &Document::new(),
            &Command::Register {
                arrival_number: number,
            },
            &ctx,
        )
        .expect("register");
        let mut new = registration(body.id, &body.path, number);
        new.register_year = year;
        let mut tx = store.begin().await.expect("begin");
        let id = tx
            .insert_document(&new, &registered.new_state, ids.len() as i64 + 1)
            .await
            .expect("insert");
        tx.append_document_event(id, &registered.event)
            .await
            .expect("event");
        if submit {
            let submitted = decide(
                &registered.new_state,
                &Command::SubmitToLeader { leader_id: 2 },
                &ctx,
            )
            .expect("submit");
            tx.update_document(id, 1, &submitted.new_state, &DocumentChange::default(), 9)
                .await
                .expect("update");
        }
        tx.commit().await.expect("commit");
        ids.push(id);
    }
    let list = |register, year, status, paths: Option<Vec<String>>| {
        let store = store.clone();
        async move {
            store
                .list_documents(
                    &DocumentFilter {
                        register,
                        year,
                        status,
                    },
                    &DocumentScope { paths },
                    50,
                )
                .await
                .expect("list")
                .into_iter()
                .map(|r| r.id)
                .collect::<Vec<_>>()
        }
    };
    let ward_only = Some(vec![ward.path.clone()]);
    // Newest first, the year's only, the scope's only.
    assert_eq!(
        list(Register::Incoming, Some(2026), None, ward_only.clone()).await,
        vec![ids[1], ids[0]]
    );
    assert_eq!(
        list(
            Register::Incoming,
            Some(2026),
            Some(motcua_domain::document::Status::Submitted),
            ward_only.clone()
        )
        .await,
        vec![ids[1]]
    );
    assert_eq!(
        list(Register::Incoming, None, None, ward_only.clone()).await,
        vec![ids[2], ids[1], ids[0]]
    );
    assert_eq!(
        list(Register::Outgoing, None, None, ward_only).await,
        Vec::<i64>::new()
    );
    assert_eq!(
        list(Register::Incoming, Some(2026), None, None).await,
        vec![ids[3], ids[1], ids[0]],
        "the system sees every body"
    );
    assert!(
        list(Register::Incoming, None, None, Some(Vec::new()))
            .await
            .is_empty(),
        "an empty scope sees nothing"
    );
}

async fn generated_documents_are_stored_whole_searchable_and_numbering_continues(store: Store) {
    let mut tx = store.begin().await.expect("begin");
    let body = tx
        .insert_unit(
            &OrgUnitInput {
                parent_id: None,
                kind: "agency".into(),
                level: "commune".into(),
                name: "UBND phường Ninh Kiều".into(),
                short_name: None,
                code: Some("000.00.30.H13".into()),
                address: None,
                phone: None,
                email: None,
                sort_order: 0,
            },
            1,
        )
        .await
        .expect("unit");
    tx.commit().await.expect("commit");
    let clerk = Actor::Official {
        official_id: 9,
        role: Role::Clerk,
    };
    let leader = Actor::Official {
        official_id: 3,
        role: Role::Leader,
    };
    let subjects = [
        "Về việc phòng, chống thiên tai năm 2026",
        "Kế hoạch chuyển đổi số trên địa bàn phường",
        "Về việc tăng cường phòng, chống thiên tai mùa mưa bão",
    ];
    let first = store.max_document_id().await.expect("max") + 1;
    let mut generated = Vec::new();
    for (i, subject) in subjects.iter().enumerate() {
        let number = u32::try_from(i + 1).expect("number");
        let at = datetime!(2026-12-07 08:30 +7) + time::Duration::hours(i as i64);
        let ctx = |actor| Context {
            actor,
            now: at,
            today: date!(2026 - 12 - 07),
        };
        let registered = decide(
            &Document::new(),
            &Command::Register {
                arrival_number: number,
            },
            &ctx(&clerk),
        )
        .expect("register");
        let mut state = registered.new_state;
        let mut events = vec![registered.event];
        if i == 0 {
            let submitted = decide(
                &state,
                &Command::SubmitToLeader { leader_id: 3 },
                &ctx(&clerk),
            )
            .expect("submit");
            let directed = decide(
                &submitted.new_state,
                &Command::Direct {
                    lead_unit: body.id,
                    co_units: Vec::new(),
                    deadline: Some(date!(2026 - 12 - 15)),
                    note: "Giao Văn phòng tham mưu".into(),
                },
                &ctx(&leader),
            )
            .expect("direct");
            state = directed.new_state;
            events.extend([submitted.event, directed.event]);
        }
        let mut new = registration(body.id, &body.path, number);
        new.subject = (*subject).to_owned();
        new.search_folded = motcua_domain::text::fold(subject);
        generated.push(GeneratedDocument {
            id: first + i as i64,
            new,
            state,
            events,
            created_at: 100 + i as i64,
            updated_at: 200 + i as i64,
        });
    }
    let mut tx = store.begin().await.expect("begin");
    tx.insert_generated_documents(&generated)
        .await
        .expect("bulk insert");
    tx.raise_document_counter(body.id, Register::Incoming, Series::Regular, 2026, 3)
        .await
        .expect("counter");
    // Raising never lowers.
    tx.raise_document_counter(body.id, Register::Incoming, Series::Regular, 2026, 2)
        .await
        .expect("counter");
    tx.commit().await.expect("commit");
    store.finish_document_load().await.expect("finish");

    assert_eq!(store.count_documents().await.expect("count"), 3);
    assert_eq!(store.max_document_id().await.expect("max"), first + 2);
    let row = store.get_document(first).await.expect("row");
    assert_eq!(row.status, "directed");
    assert_eq!(row.lead_unit_id, Some(body.id));
    assert_eq!(row.deadline.as_deref(), Some("2026-12-15"));
    assert_eq!(row.document().expect("state"), generated[0].state);
    let events = store.document_events(first).await.expect("events");
    assert_eq!(events.len(), 3);
    let chain: Vec<_> = events.iter().map(|e| e.event().expect("event")).collect();
    assert!(motcua_domain::document::verify_chain(&chain).is_ok());
    let directions = store.document_directions(first).await.expect("directions");
    assert_eq!(directions.len(), 1);
    assert_eq!(directions[0].seq, 3);
    assert_eq!(directions[0].note, "Giao Văn phòng tham mưu");
    assert_eq!(directions[0].directed_by, Some(3));

    // Searchable without accents, newest first, within the scope.
    let scope = DocumentScope {
        paths: Some(vec![body.path.clone()]),
    };
    let terms = vec!["phong".to_owned(), "chong".to_owned(), "thien".to_owned()];
    let found = store
        .search_documents(&terms, &scope, 100)
        .await
        .expect("search");
    let ids: Vec<i64> = found.iter().map(|r| r.id).collect();
    assert_eq!(ids, vec![first + 2, first]);
    let elsewhere = DocumentScope {
        paths: Some(vec!["/999/".into()]),
    };
    assert!(
        store
            .search_documents(&terms, &elsewhere, 100)
            .await
            .expect("search")
            .is_empty()
    );
    assert!(
        !store
            .explain_document_search(&terms, &scope, 100)
            .await
            .expect("plan")
            .is_empty()
    );
    // The next registration continues after the generated ones.
    assert_eq!(
        take(&store, body.id, Register::Incoming, Series::Regular, 2026).await,
        4
    );
    // A new document after the load gets an id above the generated ones (PostgreSQL's
    // identity was moved past them).
    let registered = decide(
        &Document::new(),
        &Command::Register { arrival_number: 4 },
        &Context {
            actor: &clerk,
            now: datetime!(2026-12-08 08:30 +7),
            today: date!(2026 - 12 - 08),
        },
    )
    .expect("register");
    let mut tx = store.begin().await.expect("begin");
    let id = tx
        .insert_document(
            &registration(body.id, &body.path, 4),
            &registered.new_state,
            1,
        )
        .await
        .expect("insert after the load");
    tx.commit().await.expect("commit");
    assert_eq!(id, first + 3);
}
