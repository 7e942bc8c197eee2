//! Payments of fees and charges (issue 14) at the app boundary, on both databases: what is due,
//! counter payments that resume the clock, the reception guard of procedures paid at
//! submission, cancellation and refunds with their permissions, and the reconciliation.
//! The gateway flows (VNPay, the national platform) run against their simulators in
//! `crates/web/tests/payments_http.rs`, where the real server receives the callbacks.

use motcua_app::dossiers::Submission;
use motcua_app::test_support::{CITIZEN, Fixture, WARD};
use motcua_app::{AppError, notify::Channels};
use motcua_domain::dossier::{Command, DossierStatus};
use motcua_domain::payment::PaymentMethod;
use motcua_domain::procedure::FormValues;
use motcua_store::Backend;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::$name(motcua_store::Backend::Sqlite).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::$name(motcua_store::Backend::Postgres).await } )* }
    };
}

both!(
    an_obligation_paid_at_the_desk_resumes_the_clock_once,
    only_the_receiving_desk_records_a_counter_payment,
    a_procedure_paid_at_submission_is_received_only_once_paid,
    a_refund_needs_a_leader_of_the_agency_and_a_reason,
    reconciliation_lists_the_days_payments_for_report_readers_only,
    the_demo_obligation_asks_its_amount,
    the_demo_has_payments_in_every_state,
    an_exemption_confirmed_by_the_desk_frees_the_fees,
    a_rejected_exemption_leaves_the_fees_due,
);

/// A copy of a civil-status extract (2.000635): 8.000 đ per copy, paid at submission.
fn extract_request(copies: u32) -> FormValues {
    motcua_app::demo::demo_extract_form(copies).expect("form values")
}

async fn submit_extract(f: &Fixture, copies: u32) -> i64 {
    let citizen = f.citizen(CITIZEN).await;
    f.app
        .submit_dossier(
            &citizen,
            &Submission {
                procedure_code: "2.000635".into(),
                agency_code: WARD.into(),
                form: extract_request(copies),
                attachments: Vec::new(),
                delivery: Default::default(),
                postal: Default::default(),
            },
        )
        .await
        .expect("submit")
        .id
}

/// A received birth registration that the specialist puts under an obligation of `amount`.
async fn under_obligation(f: &Fixture, amount: i64) -> i64 {
    let received = f.received().await;
    let specialist = f.official("chuyenvien.ninhkieu").await;
    let row = f
        .app
        .act_on_dossier(
            &specialist,
            received.id,
            Command::RequireFinancialObligation {
                description: "Lệ phí cấp bản sao trích lục".into(),
                amount_vnd: Some(amount),
            },
        )
        .await
        .expect("obligation raised");
    assert_eq!(row.status, Some(DossierStatus::FinancialObligation));
    row.id
}

async fn an_obligation_paid_at_the_desk_resumes_the_clock_once(backend: Backend) {
    let f = Fixture::new(backend).await;
    let id = under_obligation(&f, 50_000).await;
    let citizen = f.citizen(CITIZEN).await;
    let seen = f
        .app
        .dossier_payments(&citizen, id)
        .await
        .expect("payments");
    let due = seen.due.expect("something is due");
    assert_eq!(due.total_vnd, 50_000);
    assert_eq!(due.description, "Lệ phí cấp bản sao trích lục");
    assert!(seen.gateways.is_empty(), "no gateway is configured here");
    assert!(!seen.may_collect);

    // The clock stands still while the citizen goes to pay.
    f.advance(time::Duration::days(3));
    let reception = f.official("tiepnhan.ninhkieu").await;
    let paid = f
        .app
        .record_counter_payment(&reception, id, PaymentMethod::Cash, "Biên lai giấy số 12")
        .await
        .expect("cash recorded");
    assert_eq!(paid.state, "paid");
    assert_eq!(paid.amount_vnd, 50_000);
    let year = f.app.now().year();
    assert_eq!(
        paid.receipt_number.as_deref(),
        Some(format!("{WARD}/{year}/000001").as_str())
    );
    let row = f.app.dossier_for(&reception, id).await.expect("dossier");
    assert_eq!(
        row.status,
        Some(DossierStatus::InProcessing),
        "processing resumes on payment"
    );
    let events = f.db.store.dossier_events(id).await.expect("events");
    let resumed = events
        .iter()
        .filter(|e| e.kind == "obligation_paid")
        .count();
    assert_eq!(resumed, 1);

    // The settlement row is delivered again by the worker: nothing happens twice.
    let delivered = f
        .app
        .deliver_outbox(&Channels::log_only())
        .await
        .expect("outbox delivered");
    assert!(delivered >= 1);
    let events = f.db.store.dossier_events(id).await.expect("events");
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind == "obligation_paid")
            .count(),
        1
    );
    // Nothing is due any more, and a second payment is refused.
    let again = f
        .app
        .record_counter_payment(&reception, id, PaymentMethod::Cash, "")
        .await;
    assert!(
        matches!(again, Err(AppError::Conflict("error-payment-nothing-due"))),
        "{again:?}"
    );
    assert!(
        f.app
            .dossier_payments(&citizen, id)
            .await
            .expect("payments")
            .due
            .is_none()
    );
    f.cleanup().await;
}

async fn only_the_receiving_desk_records_a_counter_payment(backend: Backend) {
    let f = Fixture::new(backend).await;
    let id = under_obligation(&f, 8_000).await;
    for who in ["chuyenvien.ninhkieu", "tiepnhan.trunghung"] {
        let official = f.official(who).await;
        let refused = f
            .app
            .record_counter_payment(&official, id, PaymentMethod::Pos, "")
            .await;
        assert!(
            matches!(refused, Err(AppError::Forbidden | AppError::NotFound)),
            "{who}: {refused:?}"
        );
    }
    let citizen = f.citizen(CITIZEN).await;
    let refused = f
        .app
        .record_counter_payment(&citizen, id, PaymentMethod::Cash, "")
        .await;
    assert!(matches!(refused, Err(AppError::Forbidden)), "{refused:?}");
    // An online method is not a counter payment.
    let reception = f.official("tiepnhan.ninhkieu").await;
    let refused = f
        .app
        .record_counter_payment(&reception, id, PaymentMethod::VnPay, "")
        .await;
    assert!(matches!(refused, Err(AppError::Invalid(_))), "{refused:?}");
    assert!(
        f.db.store
            .dossier_payments(id)
            .await
            .expect("rows")
            .is_empty()
    );
    f.cleanup().await;
}

async fn a_procedure_paid_at_submission_is_received_only_once_paid(backend: Backend) {
    let f = Fixture::new(backend).await;
    let id = submit_extract(&f, 3).await;
    let citizen = f.citizen(CITIZEN).await;
    let due = f
        .app
        .dossier_payments(&citizen, id)
        .await
        .expect("payments")
        .due
        .expect("fees due at submission");
    assert_eq!(due.purpose, "submission");
    assert_eq!(due.total_vnd, 24_000, "8.000 đ per copy, three copies");
    assert_eq!(due.lines.len(), 1);
    assert_eq!(due.lines[0].quantity, 3);

    let reception = f.official("tiepnhan.ninhkieu").await;
    let refused = f.app.receive_dossier(&reception, id).await;
    assert!(
        matches!(refused, Err(AppError::Conflict("error-payment-due"))),
        "{refused:?}"
    );
    assert_eq!(
        f.app.dossier_for(&reception, id).await.expect("row").status,
        Some(DossierStatus::Submitted)
    );
    f.app
        .record_counter_payment(&reception, id, PaymentMethod::Cash, "")
        .await
        .expect("paid at the desk");
    let received = f
        .app
        .receive_dossier(&reception, id)
        .await
        .expect("received");
    assert_eq!(received.status, Some(DossierStatus::Received));
    f.cleanup().await;
}

async fn a_refund_needs_a_leader_of_the_agency_and_a_reason(backend: Backend) {
    let f = Fixture::new(backend).await;
    let id = under_obligation(&f, 15_000).await;
    let reception = f.official("tiepnhan.ninhkieu").await;
    let paid = f
        .app
        .record_counter_payment(&reception, id, PaymentMethod::Cash, "")
        .await
        .expect("paid");
    let refused = f.app.refund_payment(&reception, paid.id, "Thu nhầm").await;
    assert!(matches!(refused, Err(AppError::Forbidden)), "{refused:?}");
    let other_leader = f.official("chutich.trunghung").await;
    let refused = f
        .app
        .refund_payment(&other_leader, paid.id, "Thu nhầm")
        .await;
    assert!(
        matches!(refused, Err(AppError::Forbidden | AppError::NotFound)),
        "{refused:?}"
    );
    let leader = f.official("chutich.ninhkieu").await;
    let refused = f.app.refund_payment(&leader, paid.id, "   ").await;
    assert!(matches!(refused, Err(AppError::Invalid(_))), "{refused:?}");
    assert_eq!(
        f.db.store.payment(paid.id).await.expect("row").state,
        "paid",
        "refusals change nothing"
    );
    let refunded = f
        .app
        .refund_payment(&leader, paid.id, "Thu nhầm số tiền")
        .await
        .expect("refunded");
    assert_eq!(refunded.state, "refunded");
    assert_eq!(refunded.note, "Thu nhầm số tiền");
    let again = f.app.refund_payment(&leader, paid.id, "lần nữa").await;
    assert!(
        matches!(again, Err(AppError::Conflict("error-payment-already-done"))),
        "{again:?}"
    );
    let audit =
        f.db.store
            .list_audit(Some("payment.refunded"), 10, None)
            .await
            .expect("audit");
    assert_eq!(audit.len(), 1);
    f.cleanup().await;
}

async fn reconciliation_lists_the_days_payments_for_report_readers_only(backend: Backend) {
    let f = Fixture::new(backend).await;
    let id = under_obligation(&f, 8_000).await;
    let reception = f.official("tiepnhan.ninhkieu").await;
    f.app
        .record_counter_payment(&reception, id, PaymentMethod::Pos, "")
        .await
        .expect("paid");
    let ward = f.db.store.get_unit_by_code(WARD).await.expect("ward").id;
    let today = f.app.today();
    let refused = f.app.reconciliation(&reception, ward, today).await;
    assert!(matches!(refused, Err(AppError::Forbidden)), "{refused:?}");
    let leader = f.official("chutich.ninhkieu").await;
    let report = f
        .app
        .reconciliation(&leader, ward, today)
        .await
        .expect("reconciled");
    assert_eq!(report.rows.len(), 1);
    assert_eq!(report.total_paid_vnd, 8_000);
    assert_eq!(report.mismatches, 0, "{:?}", report.rows);
    let csv = motcua_app::payments::reconciliation_csv(&report).expect("csv");
    let text = String::from_utf8(csv).expect("utf-8");
    assert!(text.starts_with('\u{feff}'));
    assert!(text.contains(",pos,paid,8000,not_applicable,"), "{text}");
    let yesterday = today.previous_day().expect("a day before");
    let empty = f
        .app
        .reconciliation(&leader, ward, yesterday)
        .await
        .expect("reconciled");
    assert!(empty.rows.is_empty());
    f.cleanup().await;
}

async fn the_demo_obligation_asks_its_amount(backend: Backend) {
    let f = Fixture::new(backend).await;
    f.app.load_demo_dossiers().await.expect("demo dossiers");
    let leader = f.official("chutich.ninhkieu").await;
    let queue = f.db.store.dossier_ids().await.expect("ids");
    let mut found = false;
    for id in queue {
        let row = f.db.store.get_dossier(id).await.expect("row");
        if row.status_code == Some(6) {
            let seen = f.app.dossier_payments(&leader, id).await.expect("payments");
            assert_eq!(seen.due.map(|d| d.total_vnd), Some(8_000));
            found = true;
        }
    }
    assert!(found, "the demo has a dossier under a financial obligation");
    f.cleanup().await;
}

async fn the_demo_has_payments_in_every_state(backend: Backend) {
    let f = Fixture::new(backend).await;
    f.app.load_demo_dossiers().await.expect("demo dossiers");
    let written = f.app.load_demo_payments().await.expect("demo payments");
    assert_eq!(written, 6);
    let mut states = std::collections::BTreeSet::new();
    for id in f.db.store.dossier_ids().await.expect("ids") {
        for payment in f.db.store.dossier_payments(id).await.expect("payments") {
            states.insert(payment.state);
        }
    }
    let all: std::collections::BTreeSet<String> = motcua_domain::payment::PaymentState::ALL
        .iter()
        .map(|s| s.as_str().to_owned())
        .collect();
    assert_eq!(states, all);
    f.cleanup().await;
}

async fn an_exemption_confirmed_by_the_desk_frees_the_fees(backend: Backend) {
    let f = Fixture::new(backend).await;
    let id = submit_extract(&f, 2).await;
    let citizen = f.citizen(CITIZEN).await;
    let seen = f
        .app
        .dossier_payments(&citizen, id)
        .await
        .expect("payments");
    assert!(seen.may_declare_exemption);
    let choices = seen.due.expect("due").exemption_choices;
    assert_eq!(choices.len(), 1, "{choices:?}");
    let refused = f
        .app
        .declare_exemption(&citizen, id, "Người có thu nhập cao", "")
        .await;
    assert!(matches!(refused, Err(AppError::Invalid(_))), "{refused:?}");
    f.app
        .declare_exemption(&citizen, id, &choices[0], "Sổ hộ nghèo số 123")
        .await
        .expect("declared");
    let again = f.app.declare_exemption(&citizen, id, &choices[0], "").await;
    assert!(
        matches!(
            again,
            Err(AppError::Conflict("error-exemption-already-declared"))
        ),
        "{again:?}"
    );
    // Declared is not confirmed: the fees stay due and the desk cannot receive yet.
    let seen = f
        .app
        .dossier_payments(&citizen, id)
        .await
        .expect("payments");
    assert_eq!(seen.due.map(|d| d.total_vnd), Some(16_000));
    assert!(!seen.may_declare_exemption);
    let reception = f.official("tiepnhan.ninhkieu").await;
    assert!(matches!(
        f.app.receive_dossier(&reception, id).await,
        Err(AppError::Conflict("error-payment-due"))
    ));
    for who in ["tiepnhan.trunghung", "chuyenvien.ninhkieu"] {
        let official = f.official(who).await;
        let refused = f.app.decide_exemption(&official, id, true, "").await;
        assert!(
            matches!(refused, Err(AppError::Forbidden | AppError::NotFound)),
            "{who}: {refused:?}"
        );
    }
    let refused = f.app.decide_exemption(&citizen, id, true, "").await;
    assert!(matches!(refused, Err(AppError::Forbidden)), "{refused:?}");
    let desk = f
        .app
        .dossier_payments(&reception, id)
        .await
        .expect("payments");
    assert!(desk.exemption_to_decide.is_some());
    f.app
        .decide_exemption(&reception, id, true, "Đã kiểm tra sổ hộ nghèo")
        .await
        .expect("confirmed");
    assert!(
        f.app
            .dossier_payments(&citizen, id)
            .await
            .expect("payments")
            .due
            .is_none(),
        "nothing is due once exempted"
    );
    let received = f
        .app
        .receive_dossier(&reception, id)
        .await
        .expect("received");
    assert_eq!(received.status, Some(DossierStatus::Received));
    let audit =
        f.db.store
            .list_audit(Some("payment.exemption_confirmed"), 10, None)
            .await
            .expect("audit");
    assert_eq!(audit.len(), 1);
    f.cleanup().await;
}

async fn a_rejected_exemption_leaves_the_fees_due(backend: Backend) {
    let f = Fixture::new(backend).await;
    let id = submit_extract(&f, 1).await;
    let citizen = f.citizen(CITIZEN).await;
    let choice = f
        .app
        .dossier_payments(&citizen, id)
        .await
        .expect("payments")
        .due
        .expect("due")
        .exemption_choices[0]
        .clone();
    f.app
        .declare_exemption(&citizen, id, &choice, "")
        .await
        .expect("declared");
    let reception = f.official("tiepnhan.ninhkieu").await;
    let refused = f.app.decide_exemption(&reception, id, false, " ").await;
    assert!(
        matches!(refused, Err(AppError::Invalid(_))),
        "a reason is needed: {refused:?}"
    );
    f.app
        .decide_exemption(&reception, id, false, "Không có giấy tờ chứng minh")
        .await
        .expect("rejected");
    let seen = f
        .app
        .dossier_payments(&citizen, id)
        .await
        .expect("payments");
    assert_eq!(seen.due.map(|d| d.total_vnd), Some(8_000));
    assert_eq!(seen.exemptions[0].state, "rejected");
    assert!(
        seen.may_declare_exemption,
        "a new request may follow a rejection"
    );
    let none = f.app.decide_exemption(&reception, id, true, "").await;
    assert!(
        matches!(none, Err(AppError::Conflict("error-exemption-none"))),
        "{none:?}"
    );
    f.cleanup().await;
}
