//! Table tests: every command in the states where it is allowed and where it is refused, with
//! the error code; then the terminal states, the clock and the workflow version.

use time::Duration;

use super::*;
use crate::authz::Role::{Clerk, Leader, Reception, Specialist, UnitHead};
use crate::dossier::DossierStatus as S;

enum Expect {
    To(Option<DossierStatus>),
    Fails(&'static str),
}
use Expect::{Fails, To};

struct Case {
    name: &'static str,
    state: fn() -> Run,
    actor: Actor,
    command: fn(&Run) -> Command,
    expect: Expect,
}

fn case(
    name: &'static str,
    state: fn() -> Run,
    actor: Actor,
    command: fn(&Run) -> Command,
    expect: Expect,
) -> Case {
    Case {
        name,
        state,
        actor,
        command,
        expect,
    }
}

fn o(role: Role) -> Actor {
    official(role)
}

fn draft() -> Run {
    Run::new()
}

fn at_desk() -> Run {
    signed().does(&o(Leader), forward(3))
}

fn at_desk_unsigned() -> Run {
    approved().does(&o(Leader), forward(3))
}

/// The due time a caller computes when the pause ends at the next command.
fn resumed(run: &Run) -> time::OffsetDateTime {
    let appointment = run.dossier.appointment.expect("received");
    let paused = run.dossier.paused_at.expect("paused");
    calendar()
        .resume(appointment.due(), paused, at(run.clock + 10))
        .expect("inside supported years")
}

fn receive(run: &Run) -> Command {
    Command::Receive {
        due: due_from(at(run.clock + 10)),
        code: None,
        assignee: None,
        postmark: None,
    }
}

fn reason() -> String {
    "Lý do".into()
}

fn shipment(tracking: &str, fee_vnd: i64) -> Command {
    Command::RecordShipment {
        tracking_number: tracking.into(),
        fee_vnd,
    }
}

fn delivery(tracking: &str, run: &Run) -> Command {
    Command::ConfirmDelivery {
        tracking_number: tracking.into(),
        delivered_at: run.now() + Duration::minutes(5),
    }
}

fn back(tracking: &str) -> Command {
    Command::RecordReturnToSender {
        tracking_number: tracking.into(),
        note: "Không liên lạc được người nhận".into(),
    }
}

#[rustfmt::skip]
fn cases() -> Vec<Case> {
    let extend = |_: &Run| Command::Extend {
        new_due: at(60 * 24 * 30),
        reason: "Cần xác minh thêm".into(),
    };
    vec![
        // Submit
        case("citizen submits", draft, citizen(), |_| Command::Submit { code: code(1) }, To(Some(S::Submitted))),
        case("portal import submits", draft, Actor::System, |_| Command::Submit { code: code(1) }, To(Some(S::Submitted))),
        case("reception cannot submit", draft, o(Reception), |_| Command::Submit { code: code(1) }, Fails("dossier-role-not-allowed")),
        case("submit twice", submitted, citizen(), |_| Command::Submit { code: code(2) }, Fails("dossier-not-allowed-in-state")),
        // Receive
        case("receive online", submitted, o(Reception), receive, To(Some(S::Received))),
        case("receive at counter", draft, o(Reception), |r| Command::Receive { due: due_from(at(r.clock + 10)), code: Some(code(9)), assignee: None, postmark: None, }, To(Some(S::Received))),
        case("counter receipt needs a code", draft, o(Reception), receive, Fails("dossier-code-missing")),
        case("online dossier keeps its code", submitted, o(Reception), |r| Command::Receive { due: due_from(at(r.clock + 10)), code: Some(code(9)), assignee: None, postmark: None, }, Fails("dossier-code-already-assigned")),
        case("postal dossier at the counter", draft, o(Reception), |r| Command::Receive { due: due_from(at(r.clock + 10)), code: Some(code(9)), assignee: None, postmark: Some(time::macros::date!(2026 - 11 - 20)) }, To(Some(S::Received))),
        case("postmarked today", draft, o(Reception), |r| Command::Receive { due: due_from(at(r.clock + 10)), code: Some(code(9)), assignee: None, postmark: Some(time::macros::date!(2026 - 11 - 25)) }, To(Some(S::Received))),
        case("time ran out in the post", draft, o(Reception), |r| Command::Receive { due: at(r.clock), code: Some(code(9)), assignee: None, postmark: Some(time::macros::date!(2026 - 11 - 20)) }, To(Some(S::Received))),
        case("due before the postmark", draft, o(Reception), |_| Command::Receive { due: time::macros::datetime!(2026-11-19 17:00 +7), code: Some(code(9)), assignee: None, postmark: Some(time::macros::date!(2026 - 11 - 20)) }, Fails("dossier-due-not-after-now")),
        case("postmark tomorrow", draft, o(Reception), |r| Command::Receive { due: due_from(at(r.clock + 10)), code: Some(code(9)), assignee: None, postmark: Some(time::macros::date!(2026 - 11 - 26)) }, Fails("dossier-postmark-in-future")),
        case("posted before its online registration", submitted, o(Reception), |r| Command::Receive { due: due_from(at(r.clock + 10)), code: None, assignee: None, postmark: Some(time::macros::date!(2026 - 11 - 24)) }, Fails("dossier-postmark-before-registration")),
        case("registered online, papers by post", submitted, o(Reception), |r| Command::Receive { due: due_from(at(r.clock + 10)), code: None, assignee: None, postmark: Some(time::macros::date!(2026 - 11 - 25)) }, To(Some(S::Received))),
        case("due before receipt", submitted, o(Reception), |r| Command::Receive { due: at(r.clock), code: None, assignee: None, postmark: None, }, Fails("dossier-due-not-after-now")),
        case("specialist cannot receive", submitted, o(Specialist), receive, Fails("dossier-role-not-allowed")),
        case("receive twice", received, o(Reception), receive, Fails("dossier-not-allowed-in-state")),
        // Request supplement
        case("supplement at reception", submitted, o(Reception), |_| supplement(), To(Some(S::SupplementRequested))),
        case("supplement at the counter", draft, o(Reception), |_| supplement(), To(Some(S::SupplementRequested))),
        case("specialist cannot ask at reception", submitted, o(Specialist), |_| supplement(), Fails("dossier-role-not-allowed")),
        case("supplement in processing", || at_step(1), o(Specialist), |_| supplement(), To(Some(S::SupplementRequested))),
        case("supplement by another step's role", || at_step(1), o(UnitHead), |_| supplement(), Fails("dossier-not-step-role")),
        case("reception cannot ask in processing", || at_step(1), o(Reception), |_| supplement(), Fails("dossier-not-step-role")),
        case("supplement list empty", submitted, o(Reception), |_| Command::RequestSupplement { missing: vec![], reason: reason(), due_by: None }, Fails("dossier-field-required")),
        case("supplement by tomorrow", submitted, o(Reception), |_| supplement_by(Some(time::macros::date!(2026 - 11 - 26))), To(Some(S::SupplementRequested))),
        case("supplement by a later day in processing", || at_step(1), o(Specialist), |_| supplement_by(Some(time::macros::date!(2026 - 12 - 10))), To(Some(S::SupplementRequested))),
        case("supplement by today", submitted, o(Reception), |_| supplement_by(Some(time::macros::date!(2026 - 11 - 25))), Fails("dossier-supplement-due-not-future")),
        case("supplement by yesterday", submitted, o(Reception), |_| supplement_by(Some(time::macros::date!(2026 - 11 - 24))), Fails("dossier-supplement-due-not-future")),
        case("supplement by a past day in processing", || at_step(1), o(Specialist), |_| supplement_by(Some(time::macros::date!(2025 - 11 - 26))), Fails("dossier-supplement-due-not-future")),
        case("a due day does not open a closed state", resolved, o(Specialist), |_| supplement_by(Some(time::macros::date!(2026 - 12 - 10))), Fails("dossier-not-allowed-in-state")),
        case("supplement after resolution", resolved, o(Specialist), |_| supplement(), Fails("dossier-not-allowed-in-state")),
        case("clerk cannot ask for papers", resolved, o(Clerk), |_| supplement(), Fails("dossier-role-not-allowed")),
        case("supplement while paused", supplement_in_processing, o(Specialist), |_| supplement(), Fails("dossier-not-allowed-in-state")),
        // Supplement provided
        case("supplied at reception", supplement_at_reception, citizen(), |_| Command::SupplementProvided { new_due: None }, To(Some(S::Submitted))),
        case("no due at reception", supplement_at_reception, citizen(), |r| Command::SupplementProvided { new_due: Some(at(r.clock + 1000)), }, Fails("dossier-due-unexpected")),
        case("supplied in processing", supplement_in_processing, citizen(), |r| Command::SupplementProvided { new_due: Some(resumed(r)), }, To(Some(S::InProcessing))),
        case("supplied at the counter", supplement_in_processing, o(Reception), |r| Command::SupplementProvided { new_due: Some(resumed(r)), }, To(Some(S::InProcessing))),
        case("resume needs the new due", supplement_in_processing, citizen(), |_| Command::SupplementProvided { new_due: None }, Fails("dossier-due-required")),
        case("a pause cannot shorten", supplement_in_processing, citizen(), |r| Command::SupplementProvided { new_due: Some(r.dossier.appointment.expect("due").due() - Duration::hours(1)), }, Fails("dossier-due-earlier")),
        case("nothing was requested", || at_step(1), citizen(), |_| Command::SupplementProvided { new_due: None }, Fails("dossier-not-allowed-in-state")),
        case("specialist does not supply", supplement_in_processing, o(Specialist), |r| Command::SupplementProvided { new_due: Some(resumed(r)), }, Fails("dossier-role-not-allowed")),
        // Refuse
        case("refuse online", submitted, o(Reception), |_| Command::Refuse { reasons: vec![reason()], }, To(Some(S::NotReceived))),
        case("refuse at the counter", draft, o(Reception), |_| Command::Refuse { reasons: vec![reason()], }, To(Some(S::NotReceived))),
        case("refuse after supplement request", supplement_at_reception, o(Reception), |_| Command::Refuse { reasons: vec![reason()], }, To(Some(S::NotReceived))),
        case("refuse after receipt", received, o(Reception), |_| Command::Refuse { reasons: vec![reason()], }, Fails("dossier-not-allowed-in-state")),
        case("refuse without reason", submitted, o(Reception), |_| Command::Refuse { reasons: vec![" ".into()], }, Fails("dossier-field-required")),
        case("leader cannot refuse", submitted, o(Leader), |_| Command::Refuse { reasons: vec![reason()], }, Fails("dossier-role-not-allowed")),
        // Forward
        case("forward from receipt", received, o(UnitHead), |_| forward(1), To(Some(S::InProcessing))),
        case("forward skips a step", received, o(UnitHead), |_| forward(2), To(Some(S::InProcessing))),
        case("forward to the same step", received, o(UnitHead), |_| forward(0), Fails("dossier-forward-not-later")),
        case("forward nowhere", received, o(UnitHead), |_| forward(9), Fails("dossier-no-such-step")),
        case("forward by the wrong role", received, o(Specialist), |_| forward(1), Fails("dossier-not-step-role")),
        case("forward from the last step", || at_step(3), o(Clerk), |_| forward(3), Fails("dossier-action-not-in-step")),
        case("forward before receipt", submitted, o(UnitHead), |_| forward(1), Fails("dossier-not-allowed-in-state")),
        case("forward while paused", supplement_in_processing, o(Specialist), |_| forward(2), Fails("dossier-not-allowed-in-state")),
        case("citizen cannot forward", received, citizen(), |_| forward(1), Fails("dossier-role-not-allowed")),
        // Return
        case("return to assessment", || at_step(2), o(Leader), |_| Command::Return { to_step: 1, reason: reason(), assignee: None, }, To(Some(S::InProcessing))),
        case("return to the same step", || at_step(1), o(Specialist), |_| Command::Return { to_step: 1, reason: reason(), assignee: None, }, Fails("dossier-return-not-earlier")),
        case("return without reason", || at_step(1), o(Specialist), |_| Command::Return { to_step: 0, reason: String::new(), assignee: None, }, Fails("dossier-field-required")),
        case("step 0 cannot return", received, o(UnitHead), |_| Command::Return { to_step: 0, reason: reason(), assignee: None, }, Fails("dossier-action-not-in-step")),
        // Consult, transfer
        case("consult a unit", || at_step(1), o(Specialist), |_| Command::Consult { unit: "Phòng Tài nguyên".into(), question: "Ý kiến về ranh giới".into(), }, To(Some(S::InProcessing))),
        case("consult without unit", || at_step(1), o(Specialist), |_| Command::Consult { unit: String::new(), question: String::new(), }, Fails("dossier-field-required")),
        case("leader step does not consult", || at_step(2), o(Leader), |_| Command::Consult { unit: "X".into(), question: String::new(), }, Fails("dossier-action-not-in-step")),
        case("transfer (liên thông)", received, o(UnitHead), |_| Command::Transfer { to_agency: AgencyCode::parse("000.00.00.H26").expect("valid"), reason: reason(), }, To(Some(S::InProcessing))),
        case("leader step does not transfer", || at_step(2), o(Leader), |_| Command::Transfer { to_agency: AgencyCode::parse("000.00.00.H26").expect("valid"), reason: reason(), }, Fails("dossier-action-not-in-step")),
        // Financial obligation
        case("require payment", || at_step(1), o(Specialist), |_| Command::RequireFinancialObligation { description: "Lệ phí".into(), amount_vnd: None }, To(Some(S::FinancialObligation))),
        case("payment before receipt", submitted, o(Specialist), |_| Command::RequireFinancialObligation { description: "Lệ phí".into(), amount_vnd: None }, Fails("dossier-not-allowed-in-state")),
        case("payment without description", || at_step(1), o(Specialist), |_| Command::RequireFinancialObligation { description: String::new(), amount_vnd: None }, Fails("dossier-field-required")),
        case("payment of no money", || at_step(1), o(Specialist), |_| Command::RequireFinancialObligation { description: "Lệ phí".into(), amount_vnd: Some(0) }, Fails("dossier-amount-out-of-range")),
        case("gateway confirms payment", obligation, Actor::System, |r| Command::ObligationPaid { new_due: resumed(r), }, To(Some(S::InProcessing))),
        case("cash at the counter", obligation, o(Reception), |r| Command::ObligationPaid { new_due: resumed(r), }, To(Some(S::InProcessing))),
        case("citizen cannot confirm payment", obligation, citizen(), |r| Command::ObligationPaid { new_due: resumed(r), }, Fails("dossier-role-not-allowed")),
        case("nothing to pay", || at_step(1), Actor::System, |r| Command::ObligationPaid { new_due: at(r.clock), }, Fails("dossier-not-allowed-in-state")),
        // Approve, sign, resolve
        case("leader approves", || at_step(2), o(Leader), |_| Command::Approve, To(Some(S::InProcessing))),
        case("approve twice", approved, o(Leader), |_| Command::Approve, Fails("dossier-already-approved")),
        case("specialist cannot approve", || at_step(1), o(Specialist), |_| Command::Approve, Fails("dossier-role-not-allowed")),
        case("approve at another step", || at_step(1), o(Leader), |_| Command::Approve, Fails("dossier-not-step-role")),
        case("step 0 does not approve", received, o(UnitHead), |_| Command::Approve, Fails("dossier-action-not-in-step")),
        case("leader signs", approved, o(Leader), |_| Command::Sign, To(Some(S::InProcessing))),
        case("sign before approval", || at_step(2), o(Leader), |_| Command::Sign, Fails("dossier-not-approved")),
        case("sign twice", signed, o(Leader), |_| Command::Sign, Fails("dossier-already-signed")),
        case("return to desk", at_desk, o(Clerk), |_| Command::Resolve, To(Some(S::Resolved))),
        case("unsigned result", at_desk_unsigned, o(Clerk), |_| Command::Resolve, Fails("dossier-not-signed")),
        case("unapproved result", || at_step(3), o(Clerk), |_| Command::Resolve, Fails("dossier-not-approved")),
        case("leader step does not finish", signed, o(Leader), |_| Command::Resolve, Fails("dossier-action-not-in-step")),
        case("reception cannot resolve", at_desk, o(Reception), |_| Command::Resolve, Fails("dossier-role-not-allowed")),
        // Return result
        case("hand over at the counter", resolved, o(Reception), |_| Command::ReturnResult { method: ReturnMethod::Counter, }, To(Some(S::Returned))),
        case("hand over by post", resolved, o(Reception), |_| Command::ReturnResult { method: ReturnMethod::Post, }, To(Some(S::Resolved))),
        case("post twice", posted, o(Reception), |_| Command::ReturnResult { method: ReturnMethod::Post, }, Fails("dossier-result-in-post")),
        case("no counter return while in the post", shipped, o(Reception), |_| Command::ReturnResult { method: ReturnMethod::Counter, }, Fails("dossier-result-in-post")),
        case("hand over online", resolved, o(Reception), |_| Command::ReturnResult { method: ReturnMethod::Online, }, To(Some(S::Returned))),
        // Postal return: what the operator reports
        case("operator accepts the parcel", posted, Actor::System, |_| shipment(TRACKING, 25_000), To(Some(S::Resolved))),
        case("free shipment", posted, Actor::System, |_| shipment(TRACKING, 0), To(Some(S::Resolved))),
        case("shipment of an unposted result", resolved, Actor::System, |_| shipment(TRACKING, 25_000), Fails("dossier-not-allowed-in-state")),
        case("shipment twice", shipped, Actor::System, |_| shipment("EB999999999VN", 25_000), Fails("dossier-shipment-already-recorded")),
        case("shipment without tracking number", posted, Actor::System, |_| shipment("  ", 25_000), Fails("dossier-field-required")),
        case("tracking number with a space", posted, Actor::System, |_| shipment("EB 123", 25_000), Fails("dossier-tracking-malformed")),
        case("tracking number too long", posted, Actor::System, |_| shipment(&"9".repeat(41), 25_000), Fails("dossier-tracking-malformed")),
        case("negative fee", posted, Actor::System, |_| shipment(TRACKING, -1), Fails("dossier-fee-out-of-range")),
        case("absurd fee", posted, Actor::System, |_| shipment(TRACKING, MAX_POSTAL_FEE_VND + 1), Fails("dossier-fee-out-of-range")),
        case("reception cannot record a shipment", posted, o(Reception), |_| shipment(TRACKING, 25_000), Fails("dossier-role-not-allowed")),
        case("shipment of a delivered result", delivered, Actor::System, |_| shipment(TRACKING, 25_000), Fails("dossier-not-allowed-in-state")),
        case("delivered", shipped, Actor::System, |r| delivery(TRACKING, r), To(Some(S::Returned))),
        case("delivered, tracking number padded", shipped, Actor::System, |r| delivery(" EB123456789VN ", r), To(Some(S::Returned))),
        case("delivery of another parcel", shipped, Actor::System, |r| delivery("EB999999999VN", r), Fails("dossier-tracking-mismatch")),
        case("delivery before the shipment is recorded", posted, Actor::System, |r| delivery(TRACKING, r), Fails("dossier-tracking-mismatch")),
        case("delivery of an unposted result", resolved, Actor::System, |r| delivery(TRACKING, r), Fails("dossier-not-allowed-in-state")),
        case("delivery twice", delivered, Actor::System, |r| delivery(TRACKING, r), Fails("dossier-not-allowed-in-state")),
        case("delivery after the parcel came back", returned_to_sender, Actor::System, |r| delivery(TRACKING, r), Fails("dossier-not-allowed-in-state")),
        case("reception cannot confirm delivery", shipped, o(Reception), |r| delivery(TRACKING, r), Fails("dossier-role-not-allowed")),
        case("citizen cannot confirm delivery", shipped, citizen(), |r| delivery(TRACKING, r), Fails("dossier-role-not-allowed")),
        case("returned to sender", shipped, Actor::System, |_| back(TRACKING), To(Some(S::Resolved))),
        case("return of another parcel", shipped, Actor::System, |_| back("EB999999999VN"), Fails("dossier-tracking-mismatch")),
        case("return when nothing is posted", resolved, Actor::System, |_| back(TRACKING), Fails("dossier-not-allowed-in-state")),
        case("return twice", returned_to_sender, Actor::System, |_| back(TRACKING), Fails("dossier-not-allowed-in-state")),
        case("leader cannot record a return", shipped, o(Leader), |_| back(TRACKING), Fails("dossier-role-not-allowed")),
        case("came back, handed over at the counter", returned_to_sender, o(Reception), |_| Command::ReturnResult { method: ReturnMethod::Counter, }, To(Some(S::Returned))),
        case("came back, posted again", returned_to_sender, o(Reception), |_| Command::ReturnResult { method: ReturnMethod::Post, }, To(Some(S::Resolved))),
        case("no result yet", || at_step(1), o(Reception), |_| Command::ReturnResult { method: ReturnMethod::Counter, }, Fails("dossier-not-allowed-in-state")),
        case("clerk does not hand over", resolved, o(Clerk), |_| Command::ReturnResult { method: ReturnMethod::Counter, }, Fails("dossier-role-not-allowed")),
        // Withdraw
        case("withdraw before receipt", submitted, citizen(), |_| Command::Withdraw { reason: String::new(), }, To(Some(S::Withdrawn))),
        case("withdraw in processing", || at_step(1), citizen(), |_| Command::Withdraw { reason: reason() }, To(Some(S::Withdrawn))),
        case("withdraw while paused", supplement_in_processing, o(Reception), |_| Command::Withdraw { reason: reason() }, To(Some(S::Withdrawn))),
        case("withdraw while paying", obligation, citizen(), |_| Command::Withdraw { reason: reason() }, To(Some(S::Withdrawn))),
        case("withdraw a resolved dossier", resolved, citizen(), |_| Command::Withdraw { reason: reason() }, Fails("dossier-not-allowed-in-state")),
        case("withdraw a draft", draft, citizen(), |_| Command::Withdraw { reason: reason() }, Fails("dossier-not-allowed-in-state")),
        case("specialist cannot withdraw", || at_step(1), o(Specialist), |_| Command::Withdraw { reason: reason() }, Fails("dossier-role-not-allowed")),
        // Stop
        case("stop in processing", || at_step(1), o(Leader), |_| Command::Stop { reason: reason() }, To(Some(S::Stopped))),
        case("stop while paused", supplement_in_processing, o(Leader), |_| Command::Stop { reason: reason() }, To(Some(S::Stopped))),
        case("stop while paying", obligation, o(Leader), |_| Command::Stop { reason: reason() }, To(Some(S::Stopped))),
        case("stop before receipt", submitted, o(Leader), |_| Command::Stop { reason: reason() }, Fails("dossier-not-allowed-in-state")),
        case("stop at reception", supplement_at_reception, o(Leader), |_| Command::Stop { reason: reason() }, Fails("dossier-not-allowed-in-state")),
        case("stop a resolved dossier", resolved, o(Leader), |_| Command::Stop { reason: reason() }, Fails("dossier-not-allowed-in-state")),
        case("stop without reason", || at_step(1), o(Leader), |_| Command::Stop { reason: String::new(), }, Fails("dossier-field-required")),
        case("unit head cannot stop", || at_step(1), o(UnitHead), |_| Command::Stop { reason: reason() }, Fails("dossier-role-not-allowed")),
        // Extend
        case("extend before due", || at_step(1), o(Leader), extend, To(Some(S::InProcessing))),
        case("extend twice", || { at_step(1).does(&o(Leader), Command::Extend { new_due: at(60 * 24 * 20), reason: reason(), }) }, o(Leader), extend, Fails("dossier-extension-already-used")),
        case("extend to an earlier date", || at_step(1), o(Leader), |r| Command::Extend { new_due: r.dossier.appointment.expect("due").due(), reason: reason(), }, Fails("dossier-extension-not-later")),
        case("extend without reason", || at_step(1), o(Leader), |_| Command::Extend { new_due: at(60 * 24 * 30), reason: String::new(), }, Fails("dossier-field-required")),
        case("extend while paused", supplement_in_processing, o(Leader), extend, Fails("dossier-not-allowed-in-state")),
        case("extend before receipt", submitted, o(Leader), extend, Fails("dossier-not-allowed-in-state")),
        case("specialist cannot extend", || at_step(1), o(Specialist), extend, Fails("dossier-role-not-allowed")),
    ]
}

#[test]
fn every_transition_in_the_table() {
    let workflow = workflow();
    let mut failures = Vec::new();
    for case in cases() {
        let mut run = (case.state)();
        let before = run.clone();
        let command = (case.command)(&run);
        let outcome = run.try_do(&case.actor, command);
        match (&case.expect, outcome) {
            (To(status), Ok(())) => {
                if run.status() != *status {
                    failures.push(format!(
                        "{}: ended {:?}, expected {status:?}",
                        case.name,
                        run.status()
                    ));
                }
                if let Err(error) = run.dossier.invariants(&workflow) {
                    failures.push(format!("{}: {error}", case.name));
                }
                if verify_chain(&run.events).is_err() || run.events.len() != before.events.len() + 1
                {
                    failures.push(format!("{}: timeline broken", case.name));
                }
            }
            (Fails(code), Err(error)) => {
                if error.as_str() != *code {
                    failures.push(format!(
                        "{}: refused with {}, expected {code}",
                        case.name,
                        error.as_str()
                    ));
                }
                if run.dossier != before.dossier || run.events.len() != before.events.len() {
                    failures.push(format!(
                        "{}: a refused command changed the dossier",
                        case.name
                    ));
                }
            }
            (To(_), Err(error)) => failures.push(format!("{}: refused: {error}", case.name)),
            (Fails(code), Ok(())) => {
                failures.push(format!("{}: accepted, expected {code}", case.name))
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_day_to_supplement_by_is_recorded_and_counted_in_vietnam_time() {
    let run = submitted().does(
        &o(Reception),
        supplement_by(Some(time::macros::date!(2026 - 11 - 27))),
    );
    let event = run.events.last().expect("an event");
    assert_eq!(
        event.data.get("due_by").map(String::as_str),
        Some("2026-11-27")
    );
    assert_eq!(
        event.data.get("missing.0").map(String::as_str),
        Some("Bản sao giấy khai sinh")
    );
    // Without a day the event says nothing of one.
    let run = submitted().does(&o(Reception), supplement());
    assert!(
        !run.events
            .last()
            .expect("an event")
            .data
            .contains_key("due_by")
    );
    // 18:30 UTC on 25/11 is already 26/11 in Vietnam: 26/11 is today there, not tomorrow.
    let late = time::macros::datetime!(2026-11-25 18:30 UTC);
    let mut run = submitted();
    let before = run.clone();
    let refused = run.try_at(
        &o(Reception),
        supplement_by(Some(time::macros::date!(2026 - 11 - 26))),
        late,
    );
    assert_eq!(refused, Err(TransitionError::SupplementDueNotFuture));
    assert_eq!(run.dossier, before.dossier);
    assert_eq!(run.events.len(), before.events.len());
    run.try_at(
        &o(Reception),
        supplement_by(Some(time::macros::date!(2026 - 11 - 27))),
        late,
    )
    .expect("the day after the Vietnamese today");
    // The old wire form (no due_by) still reads, and a day is written as an ISO date.
    let old: Command = serde_json::from_str(
        r#"{"command":"request_supplement","missing":["Tờ khai"],"reason":"Thiếu"}"#,
    )
    .expect("parses");
    assert!(matches!(
        old,
        Command::RequestSupplement { due_by: None, .. }
    ));
    let json = serde_json::to_string(&supplement_by(Some(time::macros::date!(2026 - 12 - 01))))
        .expect("serialises");
    assert!(json.contains(r#""due_by":"2026-12-01""#), "{json}");
}

#[test]
fn terminal_states_accept_nothing() {
    let everything: Vec<(Actor, Command)> = vec![
        (citizen(), Command::Submit { code: code(5) }),
        (
            o(Reception),
            Command::Receive {
                due: at(100_000),
                code: Some(code(5)),
                assignee: None,
                postmark: None,
            },
        ),
        (o(Reception), supplement()),
        (o(Specialist), supplement()),
        (
            citizen(),
            Command::SupplementProvided {
                new_due: Some(at(100_000)),
            },
        ),
        (
            o(Reception),
            Command::Refuse {
                reasons: vec![reason()],
            },
        ),
        (o(Specialist), forward(2)),
        (
            o(Leader),
            Command::Return {
                to_step: 0,
                reason: reason(),
                assignee: None,
            },
        ),
        (
            o(Specialist),
            Command::Consult {
                unit: "X".into(),
                question: String::new(),
            },
        ),
        (
            o(Specialist),
            Command::RequireFinancialObligation {
                description: "Phí".into(),
                amount_vnd: Some(8_000),
            },
        ),
        (
            Actor::System,
            Command::ObligationPaid {
                new_due: at(100_000),
            },
        ),
        (o(Leader), Command::Approve),
        (o(Leader), Command::Sign),
        (o(Clerk), Command::Resolve),
        (
            o(Reception),
            Command::ReturnResult {
                method: ReturnMethod::Counter,
            },
        ),
        (citizen(), Command::Withdraw { reason: reason() }),
        (o(Leader), Command::Stop { reason: reason() }),
        (
            o(Leader),
            Command::Extend {
                new_due: at(100_000),
                reason: reason(),
            },
        ),
        (Actor::System, shipment(TRACKING, 25_000)),
        (
            Actor::System,
            Command::ConfirmDelivery {
                tracking_number: TRACKING.into(),
                delivered_at: at(100_000),
            },
        ),
        (Actor::System, back(TRACKING)),
    ];
    for (name, state) in [
        ("refused", refused as fn() -> Run),
        ("withdrawn", withdrawn),
        ("stopped", stopped),
        ("returned", returned),
        ("delivered by post", delivered),
    ] {
        let run = state();
        assert!(
            run.status().is_some_and(DossierStatus::is_terminal),
            "{name}"
        );
        run.dossier
            .invariants(&workflow())
            .expect("terminal state is valid");
        for (actor, command) in &everything {
            let mut attempt = run.clone();
            let outcome = attempt.try_do(actor, command.clone());
            assert_eq!(
                outcome.map_err(|e| e.as_str()),
                Err("dossier-not-allowed-in-state"),
                "{name}: {command:?}"
            );
        }
    }
}

#[test]
fn the_clock_never_runs_backwards_and_the_workflow_version_is_kept() {
    let mut run = received();
    let earlier = run.now() - Duration::minutes(1);
    let refused = run.try_at(&o(UnitHead), forward(1), earlier);
    assert_eq!(
        refused.map_err(|e| e.as_str()),
        Err("dossier-clock-before-last-event")
    );

    let mut newer = workflow();
    newer.version += 1;
    let actor = o(UnitHead);
    let ctx = Context {
        workflow: &newer,
        actor: &actor,
        now: run.now(),
    };
    let refused = decide(&run.dossier, &forward(1), &ctx);
    assert_eq!(
        refused.map_err(|e| e.as_str()),
        Err("dossier-workflow-version")
    );
}

#[test]
fn returning_clears_approval_and_signature() {
    let run = signed().does(
        &o(Leader),
        Command::Return {
            to_step: 1,
            reason: reason(),
            assignee: Some(201),
        },
    );
    assert!(!run.dossier.approved && !run.dossier.signed);
    assert_eq!(run.dossier.step, Some(1));
    assert_eq!(run.dossier.assignee, Some(201));
    assert_eq!(run.events.last().map(|e| e.reason.as_str()), Some("Lý do"));
}

#[test]
fn effects_carry_forms_notifications_and_national_sync() {
    let run = received();
    assert!(
        run.effects
            .contains(&Effect::IssueForm { form: Form::Mau01 })
    );
    assert!(run.effects.contains(&Effect::SyncNational { code: 2 }));
    assert!(run.effects.contains(&Effect::RecordInRegister));
    assert!(run.effects.contains(&Effect::Enqueue {
        step: 0,
        assignee: None
    }));

    let run = supplement_at_reception();
    assert!(
        run.effects
            .contains(&Effect::IssueForm { form: Form::Mau02 })
    );
    assert!(run.effects.contains(&Effect::SyncNational { code: 5 }));
    assert!(
        refused()
            .effects
            .contains(&Effect::IssueForm { form: Form::Mau03 })
    );
    assert!(
        stopped()
            .effects
            .contains(&Effect::IssueForm { form: Form::Mau05 })
    );
    assert!(
        stopped()
            .effects
            .contains(&Effect::SyncNational { code: 8 })
    );
    let run = at_step(1).does(
        &o(Leader),
        Command::Extend {
            new_due: at(60 * 24 * 30),
            reason: reason(),
        },
    );
    assert!(
        run.effects
            .contains(&Effect::IssueForm { form: Form::Mau04 })
    );
    assert!(returned().effects.contains(&Effect::DeliverResult {
        method: ReturnMethod::Online
    }));
    assert!(
        returned()
            .effects
            .contains(&Effect::SyncNational { code: 10 })
    );
    // A step change inside processing is not a national status change.
    let run = at_step(2);
    assert!(
        !run.effects
            .iter()
            .any(|e| matches!(e, Effect::SyncNational { .. }))
    );
    // A counter draft has no code yet, so nothing to sync.
    let run = Run::new().does(&o(Reception), supplement());
    assert!(
        !run.effects
            .iter()
            .any(|e| matches!(e, Effect::SyncNational { .. }))
    );
}

#[test]
fn permission_table_matches_the_brief() {
    use CommandKind as C;
    assert!(may_issue(&citizen(), C::Submit));
    assert!(may_issue(&citizen(), C::Withdraw));
    assert!(may_issue(&citizen(), C::SupplementProvided));
    assert!(!may_issue(&citizen(), C::Receive));
    for command in [C::Receive, C::Refuse, C::RequestSupplement, C::ReturnResult] {
        assert!(role_may_issue(Reception, command), "{command:?}");
    }
    for command in [C::Forward, C::Return, C::Consult] {
        assert!(role_may_issue(Specialist, command) && role_may_issue(UnitHead, command));
    }
    for command in [C::Approve, C::Extend, C::Stop] {
        assert!(role_may_issue(Leader, command), "{command:?}");
        assert!(!role_may_issue(Specialist, command), "{command:?}");
    }
    for command in CommandKind::ALL {
        assert!(!role_may_issue(Role::Admin, command));
        assert!(!role_may_issue(Role::Inspector, command));
    }
    // What the postal operator reports is recorded by the system, never typed by anyone.
    for command in [
        C::RecordShipment,
        C::ConfirmDelivery,
        C::RecordReturnToSender,
    ] {
        assert!(may_issue(&Actor::System, command), "{command:?}");
        assert!(!may_issue(&citizen(), command), "{command:?}");
        for role in Role::ALL {
            assert!(!role_may_issue(role, command), "{role:?} {command:?}");
        }
    }
}

#[test]
fn commands_round_trip_through_json() {
    let commands = [
        Command::Submit { code: code(4) },
        Command::Receive {
            due: at(600),
            code: Some(code(4)),
            assignee: Some(3),
            postmark: None,
        },
        supplement(),
        supplement_by(Some(time::macros::date!(2026 - 12 - 01))),
        Command::SupplementProvided { new_due: None },
        Command::SupplementProvided {
            new_due: Some(at(900)),
        },
        Command::ObligationPaid { new_due: at(900) },
        Command::Extend {
            new_due: at(900),
            reason: reason(),
        },
        forward(2),
        Command::Approve,
        Command::ReturnResult {
            method: ReturnMethod::Post,
        },
        shipment(TRACKING, 25_000),
        Command::ConfirmDelivery {
            tracking_number: TRACKING.into(),
            delivered_at: at(900),
        },
        back(TRACKING),
    ];
    for command in commands {
        let json = serde_json::to_string(&command).expect("serialises");
        let back: Command = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, command, "{json}");
    }
    let parsed: Command =
        serde_json::from_str(r#"{"command":"forward","to_step":1,"assignee":null}"#)
            .expect("parses");
    assert_eq!(
        parsed,
        Command::Forward {
            to_step: 1,
            assignee: None
        }
    );
    assert!(
        serde_json::from_str::<Command>(
            r#"{"command":"forward","to_step":1,"assignee":null,"extra":1}"#
        )
        .is_err()
    );
}
