use super::*;
use crate::procedure::{Channel, Procedure};
use proptest::prelude::*;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-12-07 09:00 +7);

fn facts(state: PaymentState) -> PaymentFacts {
    PaymentFacts {
        state,
        amount_vnd: 15_000,
        expires_at: datetime!(2026-12-07 10:30 +7),
        gateway_transaction: (state == PaymentState::Paid || state == PaymentState::Refunded)
            .then(|| "14512345".to_owned()),
    }
}

fn confirm(amount: i64, txn: &str) -> PaymentTransition {
    PaymentTransition::Confirm {
        amount_vnd: amount,
        gateway_transaction: txn.to_owned(),
    }
}

#[test]
fn a_verified_confirmation_of_the_frozen_amount_pays() {
    let paid = decide_payment(&facts(PaymentState::Pending), &confirm(15_000, "1"), NOW);
    assert_eq!(paid, Ok(PaymentState::Paid));
}

#[test]
fn a_confirmation_of_another_amount_changes_nothing() {
    let refused = decide_payment(&facts(PaymentState::Pending), &confirm(1_500, "1"), NOW);
    assert_eq!(
        refused,
        Err(PaymentRefusal::AmountMismatch {
            expected: 15_000,
            given: 1_500
        })
    );
}

#[test]
fn a_repeated_confirmation_is_told_apart_from_a_conflicting_one() {
    let paid = facts(PaymentState::Paid);
    assert_eq!(
        decide_payment(&paid, &confirm(15_000, "14512345"), NOW),
        Err(PaymentRefusal::AlreadyDone)
    );
    assert_eq!(
        decide_payment(&paid, &confirm(15_000, "999"), NOW),
        Err(PaymentRefusal::NotAllowed(PaymentState::Paid))
    );
    // A failure that arrives after the success (out of order) changes nothing.
    assert_eq!(
        decide_payment(
            &paid,
            &PaymentTransition::Fail {
                code: "24".to_owned()
            },
            NOW
        ),
        Err(PaymentRefusal::NotAllowed(PaymentState::Paid))
    );
}

#[test]
fn a_confirmation_after_expiry_or_cancellation_changes_nothing() {
    for state in [
        PaymentState::Expired,
        PaymentState::Cancelled,
        PaymentState::Failed,
    ] {
        assert_eq!(
            decide_payment(&facts(state), &confirm(15_000, "1"), NOW),
            Err(PaymentRefusal::NotAllowed(state)),
            "{state:?}"
        );
    }
}

#[test]
fn expiry_waits_for_its_time() {
    let pending = facts(PaymentState::Pending);
    assert_eq!(
        decide_payment(&pending, &PaymentTransition::Expire, NOW),
        Err(PaymentRefusal::NotExpired)
    );
    assert_eq!(
        decide_payment(
            &pending,
            &PaymentTransition::Expire,
            datetime!(2026-12-07 10:30 +7)
        ),
        Ok(PaymentState::Expired)
    );
}

#[test]
fn only_a_paid_attempt_is_refunded() {
    assert_eq!(
        decide_payment(&facts(PaymentState::Paid), &PaymentTransition::Refund, NOW),
        Ok(PaymentState::Refunded)
    );
    for state in [
        PaymentState::Pending,
        PaymentState::Failed,
        PaymentState::Expired,
        PaymentState::Cancelled,
    ] {
        assert_eq!(
            decide_payment(&facts(state), &PaymentTransition::Refund, NOW),
            Err(PaymentRefusal::NotAllowed(state))
        );
    }
}

fn transition() -> impl Strategy<Value = PaymentTransition> {
    prop_oneof![
        (prop_oneof![Just(15_000i64), 0i64..100_000], 0u8..3)
            .prop_map(|(amount, txn)| confirm(amount, &format!("{txn}"))),
        Just(PaymentTransition::Fail {
            code: "24".to_owned()
        }),
        Just(PaymentTransition::Expire),
        Just(PaymentTransition::Cancel),
        Just(PaymentTransition::Refund),
    ]
}

proptest! {
    /// Whatever arrives in whatever order: a final state stays final (a refund only follows a
    /// payment), money is recorded only at the frozen amount, and at most one transaction
    /// number ever pays an attempt.
    #[test]
    fn any_sequence_keeps_the_rules(steps in proptest::collection::vec((transition(), 0i64..200), 1..30)) {
        let mut current = facts(PaymentState::Pending);
        current.gateway_transaction = None;
        let mut at = NOW;
        for (step, minutes) in steps {
            at += time::Duration::minutes(minutes);
            let before = current.state;
            match decide_payment(&current, &step, at) {
                Ok(next) => {
                    prop_assert!(!before.is_final(), "left final state {before:?}");
                    if let PaymentTransition::Confirm { amount_vnd, gateway_transaction } = &step {
                        prop_assert_eq!(*amount_vnd, current.amount_vnd);
                        prop_assert_eq!(next, PaymentState::Paid);
                        prop_assert!(current.gateway_transaction.is_none());
                        current.gateway_transaction = Some(gateway_transaction.clone());
                    }
                    if next == PaymentState::Refunded {
                        prop_assert_eq!(before, PaymentState::Paid);
                    }
                    if next == PaymentState::Expired {
                        prop_assert!(at >= current.expires_at);
                    }
                    current.state = next;
                }
                Err(_) => prop_assert_eq!(current.state, before),
            }
        }
    }

    /// References always have the accepted shape, and two dossiers' references differ
    /// whatever the time and the random part.
    #[test]
    fn references_have_the_accepted_shape(code in "[A-Z0-9.\\-]{0,40}", random in any::<u32>(), secs in 0i64..100_000_000) {
        let at = NOW + time::Duration::seconds(secs);
        let reference = merchant_reference(&code, at, random);
        prop_assert!(is_merchant_reference(&reference), "{reference}");
        let first = merchant_reference("000.00.30.H13-261207-0001", at, random);
        let second = merchant_reference("000.00.30.H13-261207-0002", at, random);
        prop_assert_ne!(first, second);
    }

    #[test]
    fn purposes_round_trip(seq in any::<u64>()) {
        for purpose in [PaymentPurpose::Submission, PaymentPurpose::Obligation { event_seq: seq }] {
            prop_assert_eq!(PaymentPurpose::parse(&purpose.to_stored()), Some(purpose));
        }
    }
}

fn procedure(fees: &str) -> Procedure {
    let mut value: serde_json::Value =
        serde_json::from_str(include_str!("../../../data/catalogue/ho-tich.json"))
            .expect("catalogue parses");
    let first = value
        .as_array_mut()
        .and_then(|list| list.first_mut())
        .expect("one procedure");
    first["fees"] = serde_json::from_str(fees).expect("fees parse");
    serde_json::from_value(first.clone()).expect("procedure parses")
}

#[test]
fn submission_fees_follow_the_channel_copies_and_conditions() {
    let procedure = procedure(
        r#"[
        {"name": "Lệ phí đăng ký", "amount_vnd": 20000, "kind": "charge", "channel": "counter"},
        {"name": "Lệ phí đăng ký (trực tuyến)", "amount_vnd": 10000, "kind": "charge", "channel": "online"},
        {"name": "Phí cấp bản sao", "amount_vnd": 8000, "kind": "fee", "per": "bản sao"},
        {"name": "Phí chứng thực", "amount_vnd": 2000, "kind": "fee", "per": "trang"},
        {"name": "Lệ phí quá hạn", "amount_vnd": 50000, "kind": "charge", "conditional": true},
        {"name": "Miễn", "amount_vnd": 0, "kind": "charge"}
    ]"#,
    );
    let online = assess_submission(&procedure, Channel::Online, 3).expect("assessed");
    let amounts: Vec<(String, u32, i64)> = online
        .lines
        .iter()
        .map(|l| (l.name.clone(), l.quantity, l.amount_vnd))
        .collect();
    assert_eq!(
        amounts,
        vec![
            ("Lệ phí đăng ký (trực tuyến)".to_owned(), 1, 10_000),
            ("Phí cấp bản sao".to_owned(), 3, 24_000),
            ("Phí chứng thực".to_owned(), 1, 2_000),
        ]
    );
    assert_eq!(online.total_vnd, 36_000);
    let counter = assess_submission(&procedure, Channel::Counter, 0).expect("assessed");
    assert_eq!(counter.total_vnd, 20_000 + 8_000 + 2_000);
    let many = assess_submission(&procedure, Channel::Online, 10_000).expect("assessed");
    assert_eq!(many.lines[1].quantity, MAX_COPIES);
}

#[test]
fn an_obligation_is_bounded() {
    assert_eq!(
        assess_obligation("Nộp lệ phí", 8_000).map(|d| d.total_vnd),
        Ok(8_000)
    );
    assert_eq!(assess_obligation("x", -1), Err(AssessError::Negative));
    assert_eq!(
        assess_obligation("x", MAX_OBLIGATION_VND + 1),
        Err(AssessError::Overflow)
    );
}

#[test]
fn a_confirmed_exemption_frees_only_the_fees_that_name_exempted_people() {
    let procedure = procedure(
        r#"[
        {"name": "Phí cấp bản sao", "amount_vnd": 8000, "kind": "fee", "per": "bản sao",
         "exemptions": ["Trẻ em, người cao tuổi", "Hộ nghèo"]},
        {"name": "Lệ phí đăng ký", "amount_vnd": 15000, "kind": "charge"},
        {"name": "Phí khác", "amount_vnd": 5000, "kind": "fee", "exemptions": ["Hộ nghèo"]}
    ]"#,
    );
    let due = assess_submission(&procedure, Channel::Online, 2).expect("assessed");
    assert_eq!(due.total_vnd, 16_000 + 15_000 + 5_000);
    assert_eq!(
        exemption_choices(&due, &procedure),
        vec!["Trẻ em, người cao tuổi".to_owned(), "Hộ nghèo".to_owned()]
    );
    let exempt = with_exemption(&due, &procedure);
    assert_eq!(exempt.total_vnd, 15_000);
    assert_eq!(
        exempt.lines.len(),
        3,
        "exempt lines stay on the receipt at 0 đ"
    );
    let obligation = assess_obligation("Thuế", 50_000).expect("assessed");
    assert!(exemption_choices(&obligation, &procedure).is_empty());
    assert_eq!(with_exemption(&obligation, &procedure).total_vnd, 50_000);
}
