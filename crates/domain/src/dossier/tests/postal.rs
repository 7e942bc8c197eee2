//! Returning the result by post: the dossier stays 9 while the parcel travels, the operator's
//! reports (as the system) record the shipment, the delivery (status 10, dated by the operator)
//! or the return to sender (back at the desk), and every report names its parcel.

use time::Duration;

use super::*;
use crate::authz::Role::Reception;
use crate::dossier::DossierStatus as S;

fn notifies(run: &Run) -> bool {
    run.effects
        .iter()
        .any(|e| matches!(e, Effect::NotifyCitizen { .. }))
}

fn last_event(run: &Run) -> &Event {
    run.events.last().expect("an event")
}

#[test]
fn posting_hands_the_result_over_and_waits_for_the_operator() {
    let run = posted();
    assert_eq!(run.status(), Some(S::Resolved));
    assert_eq!(run.dossier.result_posted_at, Some(run.now()));
    assert_eq!(run.dossier.returned_at, None);
    assert!(run.dossier.result_in_post());
    assert_eq!(
        run.effects,
        vec![Effect::DeliverResult {
            method: ReturnMethod::Post
        }],
        "no national sync (still 9) and no message before the parcel has a tracking number"
    );
    let event = last_event(&run);
    assert_eq!(event.kind, CommandKind::ReturnResult);
    assert_eq!(
        (event.from_status, event.to_status),
        (Some(S::Resolved), Some(S::Resolved))
    );
    assert_eq!(event.data.get("method").map(String::as_str), Some("post"));
}

#[test]
fn the_shipment_is_recorded_with_its_tracking_number_and_fee() {
    let run = shipped();
    assert_eq!(run.status(), Some(S::Resolved));
    assert_eq!(run.dossier.result_tracking.as_deref(), Some(TRACKING));
    let event = last_event(&run);
    assert_eq!(event.actor, Actor::System);
    assert_eq!(
        event.data.get("tracking_number").map(String::as_str),
        Some(TRACKING)
    );
    assert_eq!(event.data.get("fee_vnd").map(String::as_str), Some("25000"));
    assert!(notifies(&run), "the applicant learns the tracking number");
}

#[test]
fn delivery_returns_the_result_at_the_operators_time() {
    let run = delivered();
    assert_eq!(run.status(), Some(S::Returned));
    let delivered_at = run.now() - Duration::minutes(5);
    assert_eq!(run.dossier.returned_at, Some(delivered_at));
    assert!(run.dossier.result_posted_at.is_some(), "kept as history");
    assert!(run.effects.contains(&Effect::SyncNational { code: 10 }));
    assert!(notifies(&run));
    let event = last_event(&run);
    assert_eq!(
        event.data.get("tracking_number").map(String::as_str),
        Some(TRACKING)
    );
    assert_eq!(
        event.data.get("delivered_at").map(String::as_str),
        Some("2026-11-25T09:45:00+07:00")
    );
    run.dossier.invariants(&workflow()).expect("valid");
}

#[test]
fn a_delivery_time_outside_the_parcels_life_is_kept_inside_it() {
    // An operator clock behind ours: not before the posting.
    let mut early = shipped();
    let posted_at = early.dossier.result_posted_at.expect("posted");
    early
        .try_do(
            &Actor::System,
            Command::ConfirmDelivery {
                tracking_number: TRACKING.into(),
                delivered_at: posted_at - Duration::days(2),
            },
        )
        .expect("delivered");
    assert_eq!(early.dossier.returned_at, Some(posted_at));
    early.dossier.invariants(&workflow()).expect("valid");

    // An operator clock ahead of ours: not after the command's own time.
    let mut late = shipped();
    late.try_do(
        &Actor::System,
        Command::ConfirmDelivery {
            tracking_number: TRACKING.into(),
            delivered_at: at(100_000),
        },
    )
    .expect("delivered");
    assert_eq!(late.dossier.returned_at, Some(late.now()));
}

#[test]
fn a_parcel_back_at_the_agency_can_be_returned_again() {
    let run = returned_to_sender();
    assert_eq!(run.status(), Some(S::Resolved));
    assert_eq!(run.dossier.result_posted_at, None);
    assert_eq!(run.dossier.result_tracking, None);
    assert!(!run.dossier.result_in_post());
    assert!(notifies(&run));
    assert!(
        !run.effects
            .iter()
            .any(|e| matches!(e, Effect::SyncNational { .. })),
        "still 9"
    );
    let event = last_event(&run);
    assert_eq!(event.reason, "Người nhận vắng nhà");
    assert_eq!(
        event.data.get("tracking_number").map(String::as_str),
        Some(TRACKING)
    );

    // Posted again, under a new tracking number: a late report about the first parcel is
    // refused and the new one is delivered.
    let mut again = run
        .does(
            &official(Reception),
            Command::ReturnResult {
                method: ReturnMethod::Post,
            },
        )
        .does(
            &Actor::System,
            Command::RecordShipment {
                tracking_number: "EB000000002VN".into(),
                fee_vnd: 25_000,
            },
        );
    let late = again.try_do(
        &Actor::System,
        Command::ConfirmDelivery {
            tracking_number: TRACKING.into(),
            delivered_at: again.now(),
        },
    );
    assert_eq!(
        late.map_err(|e| e.as_str()),
        Err("dossier-tracking-mismatch")
    );
    let delivered_at = again.now();
    let again = again.does(
        &Actor::System,
        Command::ConfirmDelivery {
            tracking_number: "EB000000002VN".into(),
            delivered_at,
        },
    );
    assert_eq!(again.status(), Some(S::Returned));
    assert!(verify_chain(&again.events).is_ok());
    again.dossier.invariants(&workflow()).expect("valid");
}

#[test]
fn the_invariants_catch_a_posting_out_of_place() {
    let workflow = workflow();
    let mut state = at_step(1).dossier;
    state.result_posted_at = Some(T0);
    assert!(
        state.invariants(&workflow).is_err(),
        "posted while in processing"
    );

    let mut state = resolved().dossier;
    state.result_tracking = Some(TRACKING.into());
    assert!(
        state.invariants(&workflow).is_err(),
        "tracking without posting"
    );

    let mut state = resolved().dossier;
    state.result_posted_at = state.resolved_at.map(|t| t - Duration::minutes(1));
    assert!(
        state.invariants(&workflow).is_err(),
        "posted before resolution"
    );

    let mut state = delivered().dossier;
    state.returned_at = state.result_posted_at.map(|t| t - Duration::minutes(1));
    assert!(
        state.invariants(&workflow).is_err(),
        "delivered before posting"
    );

    for run in [posted(), shipped(), delivered(), returned_to_sender()] {
        run.dossier
            .invariants(&workflow)
            .expect("reachable states are valid");
    }
}

#[test]
fn tracking_numbers_are_checked() {
    assert_eq!(
        check_tracking_number(" EB123456789VN ").as_deref(),
        Ok("EB123456789VN")
    );
    assert_eq!(
        check_tracking_number("VTP-2026-0001").as_deref(),
        Ok("VTP-2026-0001")
    );
    for bad in ["EB12<script>", "EB 12", "mã123", "EB\n123"] {
        assert_eq!(
            check_tracking_number(bad).map_err(|e| e.as_str()),
            Err("dossier-tracking-malformed"),
            "{bad:?}"
        );
    }
    assert_eq!(
        check_tracking_number(&"A".repeat(TRACKING_MAX_CHARS)).map(|t| t.len()),
        Ok(TRACKING_MAX_CHARS)
    );
}

#[test]
fn the_postmark_is_recorded_in_the_receipt() {
    let mut run = Run::new();
    let due = due_from(at(10));
    run.try_do(
        &official(Reception),
        Command::Receive {
            due,
            code: Some(code(3)),
            assignee: None,
            postmark: Some(time::macros::date!(2026 - 11 - 20)),
        },
    )
    .expect("received");
    let event = last_event(&run);
    assert_eq!(
        event.data.get("postmark").map(String::as_str),
        Some("2026-11-20")
    );
    // Without a postmark the receipt says nothing of one.
    let run = received();
    assert!(!last_event(&run).data.contains_key("postmark"));
}
