use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use super::index766::{IndexInputs, Outcome, score};
use super::*;
use crate::authz::Role;
use crate::calendar::{Appointment, OfficeHours, ProcessingTime, bundled_overrides};
use crate::dossier::{StepAction, StepVisit, WorkflowStep};

fn calendar() -> WorkCalendar {
    WorkCalendar::new(
        OfficeHours::default(),
        bundled_overrides().expect("shipped notices parse"),
    )
}

fn workflow() -> Workflow {
    let step = |id: &str, hours| WorkflowStep {
        id: id.into(),
        name: id.into(),
        role: Role::Specialist,
        unit_ref: None,
        allowance: ProcessingTime::WorkingHours(hours),
        actions: vec![StepAction::Forward],
    };
    Workflow {
        id: "w".into(),
        version: 1,
        steps: vec![step("phan-cong", 2), step("tham-dinh", 8)],
    }
}

const CONTEXT: DossierContext<'static> = DossierContext {
    agency_path: "1/2",
    procedure_code: "1.000001",
    channel: "online",
    full_online: true,
};

/// Wednesday 25/11/2026 08:00 in Vietnam.
const T0: OffsetDateTime = datetime!(2026-11-25 08:00 +7);

fn visit(step: usize, from_hours: i64, to_hours: Option<i64>) -> StepVisit {
    StepVisit {
        step,
        role: Role::Specialist,
        assignee: None,
        entered_at: T0 + Duration::hours(from_hours),
        left_at: to_hours.map(|h| T0 + Duration::hours(h)),
        pauses: Vec::new(),
    }
}

fn code() -> crate::dossier::DossierCode {
    let agency = crate::org::AgencyCode::parse("000.00.30.H13").expect("valid agency code");
    crate::dossier::DossierCode::new(agency, time::macros::date!(2026 - 11 - 25), 1)
        .expect("valid code")
}

fn measures(facts: &[Fact]) -> Vec<(Measure, &str, Month)> {
    facts
        .iter()
        .map(|f| (f.measure, f.step.as_str(), f.month))
        .collect()
}

#[test]
fn months_are_counted_in_vietnam_time() {
    assert_eq!(month_of(datetime!(2027-01-31 16:59 UTC)), 202701);
    assert_eq!(month_of(datetime!(2027-01-31 17:00 UTC)), 202702);
    assert!(is_month(202612));
    assert!(!is_month(202613));
    assert!(!is_month(202600));
}

#[test]
fn a_draft_or_submitted_dossier_counts_nothing() {
    let dossier = Dossier::draft(&workflow());
    assert!(dossier_facts(&dossier, &workflow(), &calendar(), CONTEXT).is_empty());
}

#[test]
fn a_dossier_resolved_late_with_one_late_step() {
    let mut dossier = Dossier::draft(&workflow());
    dossier.status = Some(DossierStatus::Resolved);
    dossier.code = Some(code());
    dossier.received_at = Some(T0);
    // Due Thursday 26/11 at 17:00; resolved Friday 27/11 (a day late).
    dossier.appointment = Some(Appointment::new(datetime!(2026-11-26 17:00 +7)));
    dossier.resolved_at = Some(datetime!(2026-11-27 09:00 +7));
    dossier.approved = true;
    dossier.signed = true;
    // Step 1 (2 working hours) left after 1 hour: on time. Step 2 (8 working hours) entered
    // at 09:00 Wednesday, left Friday 09:00: 16 working hours, late.
    dossier.history = vec![visit(0, 0, Some(1)), visit(1, 1, Some(49))];
    dossier.last_at = dossier.resolved_at;
    dossier.last_seq = 5;
    let facts = dossier_facts(&dossier, &workflow(), &calendar(), CONTEXT);
    assert_eq!(
        measures(&facts),
        vec![
            (Measure::Numbered, "", STANDING),
            (Measure::Received, "", 202611),
            (Measure::ReceivedOnline, "", 202611),
            (Measure::ReceivedFullOnline, "", 202611),
            (Measure::ResolvedLate, "", 202611),
            (Measure::ElectronicResult, "", 202611),
            (Measure::StepOnTime, "phan-cong", 202611),
            (Measure::StepLate, "tham-dinh", 202611),
        ]
    );
    assert!(facts.iter().all(|f| f.agency_path == "1/2" && f.value == 1));
    // Not offered fully online and not signed: neither fact.
    dossier.signed = false;
    let partial = DossierContext {
        full_online: false,
        ..CONTEXT
    };
    let facts = dossier_facts(&dossier, &workflow(), &calendar(), partial);
    assert!(!facts.iter().any(|f| matches!(
        f.measure,
        Measure::ReceivedFullOnline | Measure::ElectronicResult
    )));
}

#[test]
fn a_dossier_in_processing_stands_as_in_progress_whatever_the_period() {
    let mut dossier = Dossier::draft(&workflow());
    dossier.status = Some(DossierStatus::InProcessing);
    dossier.code = Some(code());
    dossier.received_at = Some(T0);
    dossier.appointment = Some(Appointment::new(datetime!(2026-11-27 17:00 +7)));
    dossier.step = Some(0);
    dossier.history = vec![visit(0, 0, None)];
    dossier.last_at = Some(T0);
    dossier.last_seq = 2;
    let facts = dossier_facts(&dossier, &workflow(), &calendar(), CONTEXT);
    assert!(facts.contains(&Fact {
        month: STANDING,
        agency_path: "1/2".into(),
        procedure_code: "1.000001".into(),
        channel: "online".into(),
        step: String::new(),
        measure: Measure::InProgress,
        value: 1,
    }));
    // Resolved: no longer.
    dossier.status = Some(DossierStatus::Resolved);
    dossier.resolved_at = Some(T0 + Duration::hours(1));
    dossier.history = vec![visit(0, 0, Some(1))];
    let facts = dossier_facts(&dossier, &workflow(), &calendar(), CONTEXT);
    assert!(!facts.iter().any(|f| f.measure == Measure::InProgress));
}

#[test]
fn resolution_on_the_due_day_is_on_time_and_before_it_early() {
    let mut dossier = Dossier::draft(&workflow());
    dossier.status = Some(DossierStatus::Returned);
    dossier.received_at = Some(T0);
    dossier.appointment = Some(Appointment::new(datetime!(2026-11-27 17:00 +7)));
    dossier.resolved_at = Some(datetime!(2026-11-27 08:00 +7));
    let facts = dossier_facts(&dossier, &workflow(), &calendar(), CONTEXT);
    assert!(facts.iter().any(|f| f.measure == Measure::ResolvedOnTime));
    dossier.resolved_at = Some(datetime!(2026-11-26 16:00 +7));
    let facts = dossier_facts(&dossier, &workflow(), &calendar(), CONTEXT);
    assert!(facts.iter().any(|f| f.measure == Measure::ResolvedEarly));
}

#[test]
fn terminal_statuses_count_in_the_month_of_their_last_event() {
    for (status, measure) in [
        (DossierStatus::NotReceived, Measure::NotReceived),
        (DossierStatus::Withdrawn, Measure::Withdrawn),
        (DossierStatus::Stopped, Measure::Stopped),
    ] {
        let mut dossier = Dossier::draft(&workflow());
        dossier.status = Some(status);
        dossier.last_at = Some(datetime!(2026-12-01 10:00 +7));
        dossier.last_seq = 2;
        let facts = dossier_facts(&dossier, &workflow(), &calendar(), CONTEXT);
        if status == DossierStatus::NotReceived {
            assert_eq!(measures(&facts), vec![(measure, "", 202612)]);
        } else {
            // Withdrawn or stopped before reception: never handled, nothing counted.
            assert!(facts.is_empty(), "{facts:?}");
            dossier.received_at = Some(T0);
            let facts = dossier_facts(&dossier, &workflow(), &calendar(), CONTEXT);
            assert!(facts.contains(&Fact {
                month: 202612,
                agency_path: "1/2".into(),
                procedure_code: "1.000001".into(),
                channel: "online".into(),
                step: String::new(),
                measure,
                value: 1,
            }));
        }
    }
}

#[test]
fn payments_count_only_when_paid() {
    let at = Some(datetime!(2026-12-01 10:00 +7));
    let facts = payment_facts(true, true, at, CONTEXT);
    assert_eq!(measures(&facts), vec![(Measure::PaidOnline, "", 202612)]);
    let facts = payment_facts(true, false, at, CONTEXT);
    assert_eq!(measures(&facts), vec![(Measure::PaidCounter, "", 202612)]);
    assert!(payment_facts(false, true, at, CONTEXT).is_empty());
    assert!(payment_facts(true, true, None, CONTEXT).is_empty());
}

#[test]
fn ratings_give_points_and_satisfaction() {
    let at = datetime!(2026-12-01 10:00 +7);
    let value =
        |facts: &[Fact], measure| facts.iter().find(|f| f.measure == measure).map(|f| f.value);
    // Nine answers, 10 points: at least "Hài lòng" on average.
    let facts = rating_facts(&[2, 1, 1, 1, 1, 1, 1, 1, 1], at, CONTEXT);
    assert_eq!(value(&facts, Measure::Rated), Some(1));
    assert_eq!(value(&facts, Measure::RatingPoints), Some(10));
    assert_eq!(value(&facts, Measure::RatingMaxPoints), Some(18));
    assert_eq!(value(&facts, Measure::RatedSatisfied), Some(1));
    // 8 points of 18: below "Hài lòng".
    let facts = rating_facts(&[0, 1, 1, 1, 1, 1, 1, 1, 1], at, CONTEXT);
    assert_eq!(value(&facts, Measure::RatedSatisfied), None);
    assert!(rating_facts(&[], at, CONTEXT).is_empty());
}

#[test]
fn the_difference_takes_away_and_adds_with_multiplicity() {
    let fact = |measure, month| Fact {
        month,
        agency_path: "1".into(),
        procedure_code: "p".into(),
        channel: "online".into(),
        step: String::new(),
        measure,
        value: 1,
    };
    let old = vec![
        fact(Measure::Received, 202611),
        fact(Measure::StepOnTime, 202611),
        fact(Measure::StepOnTime, 202611),
    ];
    let new = vec![
        fact(Measure::StepOnTime, 202611),
        fact(Measure::Received, 202611),
        fact(Measure::ResolvedEarly, 202612),
    ];
    let (removed, added) = difference(&old, &new);
    assert_eq!(removed, vec![fact(Measure::StepOnTime, 202611)]);
    assert_eq!(added, vec![fact(Measure::ResolvedEarly, 202612)]);
    let (removed, added) = difference(&new, &new);
    assert!(removed.is_empty() && added.is_empty());
}

#[test]
fn only_an_acknowledged_dossier_is_synced() {
    assert_eq!(
        measures(&sync_facts(true, CONTEXT)),
        vec![(Measure::Synced, "", STANDING)]
    );
    assert!(sync_facts(false, CONTEXT).is_empty());
}

#[test]
fn measures_round_trip_their_stored_names() {
    for measure in Measure::ALL {
        assert_eq!(Measure::parse(measure.as_str()), Some(measure));
    }
    assert_eq!(Measure::parse("nope"), None);
}

#[test]
fn the_766_indicators_add_up_to_100_points_in_six_groups() {
    let total: u32 = index766::INDICATORS.iter().map(|i| i.max_points).sum();
    assert_eq!(total, 100);
    for (group, _, points) in index766::GROUPS {
        let sum: u32 = index766::INDICATORS
            .iter()
            .filter(|i| i.group == group)
            .map(|i| i.max_points)
            .sum();
        assert_eq!(sum, points, "group {group}");
    }
}

#[test]
fn the_766_index_scores_what_it_can_and_says_what_did_not_arise() {
    let inputs = IndexInputs {
        numbered: 10,
        synced: 9,
        resolved: 8,
        resolved_in_time: 6,
        received_full_online: 4,
        received_full_online_online: 1,
        procedures_paid: 0,
        procedures_paid_online: 0,
        paid: 0,
        paid_online: 0,
        rated: 2,
        rated_satisfied: 1,
        electronic_results: 2,
    };
    let index = score(&inputs);
    let outcome = |key: &str| {
        index
            .indicators
            .iter()
            .find(|i| i.key == key)
            .map(|i| i.outcome)
            .expect("indicator")
    };
    // 6 × 9/10 = 5.4; 20 × 6/8 = 15; 12 × 1/4 = 3; 6 × 1/2 = 3; 6 × 2/8 = 1.5.
    assert_eq!(
        outcome("dossier-sync"),
        Outcome::Scored {
            numerator: 9,
            denominator: 10,
            ratio: 0.9,
            points: 5.4
        }
    );
    assert!(
        matches!(outcome("resolved-in-time"), Outcome::Scored { points, .. } if points == 15.0)
    );
    assert!(
        matches!(outcome("full-online-dossiers"), Outcome::Scored { points, .. } if points == 3.0)
    );
    assert!(
        matches!(outcome("handling-satisfaction"), Outcome::Scored { points, .. } if points == 3.0)
    );
    assert!(
        matches!(outcome("electronic-results"), Outcome::Scored { points, .. } if points == 1.5)
    );
    assert_eq!(outcome("dossiers-paid-online"), Outcome::DidNotArise);
    assert!(matches!(
        outcome("feedback-on-time"),
        Outcome::NotComputable {
            why: "index766-why-feedback"
        }
    ));
    // 5.4 + 15 + 3 + 3 + 1.5 = 27.9 of 6 + 20 + 12 + 6 + 6 = 50 possible.
    assert_eq!(index.points, 27.9);
    assert_eq!(index.possible, 50);
    let progress = index.groups.iter().find(|g| g.group == 2).expect("group 2");
    assert_eq!((progress.points, progress.possible), (15.0, 20));
}

#[test]
fn a_numerator_above_its_denominator_cannot_earn_more_than_the_points() {
    let index = score(&IndexInputs {
        resolved: 2,
        resolved_in_time: 3,
        ..IndexInputs::default()
    });
    let progress = index.groups.iter().find(|g| g.group == 2).expect("group 2");
    assert_eq!(progress.points, 20.0);
}
