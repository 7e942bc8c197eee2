//! Báo cáo: what a dossier, a payment or a rating contributes to the reports, as facts.
//!
//! A fact is one count (or a weight, for rating points) of a measure, in a month, for an
//! agency, a procedure and a channel (and a workflow step for step timeliness). A record's
//! facts are a pure function of its state, so the store keeps them beside the counters it adds
//! them to and, when the state changes, applies only the difference; a full rebuild recomputes
//! every record's facts and must give the same counters (see `store::reports`).
//!
//! Months are those of Vietnam's local time: a dossier received at 23:30 UTC on 31 January is
//! counted in February, as the agency sees it.

pub mod index766;

use time::OffsetDateTime;

use crate::calendar::{Timeliness, VIETNAM_OFFSET, WorkCalendar};
use crate::dossier::sheet::{Judgement, control_sheet};
use crate::dossier::{Dossier, DossierStatus, Workflow};

/// A month as `yyyymm` (202612 for December 2026), the unit reports are counted in.
pub type Month = u32;

/// The month of an instant in Vietnam's local time.
pub fn month_of(at: OffsetDateTime) -> Month {
    let local = at.to_offset(VIETNAM_OFFSET);
    let year = u32::try_from(local.year()).unwrap_or(0);
    year * 100 + u32::from(u8::from(local.month()))
}

/// The month of standing facts, which hold whatever the period (a dossier has a code, the
/// national portal knows it).
pub const STANDING: Month = 0;

/// The months from `from` to `to` inclusive are `from..=to` in `yyyymm` order; this checks a
/// value is one.
pub fn is_month(month: Month) -> bool {
    (1..=12).contains(&(month % 100)) && (1900..=9999).contains(&(month / 100))
}

/// What a fact counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Measure {
    /// Tiếp nhận: received (appointment given), in the month of receipt.
    Received,
    /// Received, having come in online: the online share by procedure and sector (the
    /// procedure counters keep no channel).
    ReceivedOnline,
    /// Received, of a procedure offered fully online (toàn trình) when it was submitted: the
    /// denominator of the 766 online indicator (its numerator is this on the online channel).
    ReceivedFullOnline,
    /// Không được tiếp nhận (status 3).
    NotReceived,
    /// Giải quyết trước hạn.
    ResolvedEarly,
    /// Giải quyết đúng hạn.
    ResolvedOnTime,
    /// Giải quyết quá hạn.
    ResolvedLate,
    /// Rút hồ sơ (status 7) after reception.
    Withdrawn,
    /// Dừng xử lý (status 8) after reception.
    Stopped,
    /// Resolved with a digitally signed (electronic) result.
    ElectronicResult,
    /// A stay at a workflow step that ended by the step's due time (`step` names it).
    StepOnTime,
    /// A stay at a workflow step that ended after the step's due time.
    StepLate,
    /// A fee paid through a payment gateway (thanh toán trực tuyến).
    PaidOnline,
    /// A fee paid at the desk (cash, card terminal).
    PaidCounter,
    /// A satisfaction rating given.
    Rated,
    /// A rating whose answers average at least "Hài lòng".
    RatedSatisfied,
    /// The points of a rating's answers (2 per "Rất hài lòng", 1 per "Hài lòng").
    RatingPoints,
    /// The most points a rating's answers could have had (2 per answer).
    RatingMaxPoints,
    /// A dossier with a code (the national portal must know it). A standing fact: month 0.
    Numbered,
    /// A dossier the national portal acknowledged. A standing fact: month 0.
    Synced,
    /// A dossier in processing now (received, not yet resolved, paused or not). A standing
    /// fact: month 0.
    InProgress,
}

impl Measure {
    pub const ALL: [Measure; 21] = [
        Self::Received,
        Self::ReceivedOnline,
        Self::ReceivedFullOnline,
        Self::NotReceived,
        Self::ResolvedEarly,
        Self::ResolvedOnTime,
        Self::ResolvedLate,
        Self::Withdrawn,
        Self::Stopped,
        Self::ElectronicResult,
        Self::StepOnTime,
        Self::StepLate,
        Self::PaidOnline,
        Self::PaidCounter,
        Self::Rated,
        Self::RatedSatisfied,
        Self::RatingPoints,
        Self::RatingMaxPoints,
        Self::Numbered,
        Self::Synced,
        Self::InProgress,
    ];

    /// The stored name (stable: it is a column value).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::ReceivedOnline => "received_online",
            Self::ReceivedFullOnline => "received_full_online",
            Self::NotReceived => "not_received",
            Self::ResolvedEarly => "resolved_early",
            Self::ResolvedOnTime => "resolved_on_time",
            Self::ResolvedLate => "resolved_late",
            Self::Withdrawn => "withdrawn",
            Self::Stopped => "stopped",
            Self::ElectronicResult => "electronic_result",
            Self::StepOnTime => "step_on_time",
            Self::StepLate => "step_late",
            Self::PaidOnline => "paid_online",
            Self::PaidCounter => "paid_counter",
            Self::Rated => "rated",
            Self::RatedSatisfied => "rated_satisfied",
            Self::RatingPoints => "rating_points",
            Self::RatingMaxPoints => "rating_max_points",
            Self::Numbered => "numbered",
            Self::Synced => "synced",
            Self::InProgress => "in_progress",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == value)
    }

    /// Whether the fact belongs to a workflow step (kept by step, not by channel).
    pub fn is_step(self) -> bool {
        matches!(self, Self::StepOnTime | Self::StepLate)
    }
}

/// One contribution to the report counters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fact {
    pub month: Month,
    /// The agency the record belongs to (after a transfer, the receiving agency).
    pub agency_path: String,
    pub procedure_code: String,
    /// `counter`, `online` or `postal`: how the dossier came in.
    pub channel: String,
    /// The workflow step's id for step facts; empty otherwise.
    pub step: String,
    pub measure: Measure,
    /// 1 for a count; the points for rating points.
    pub value: i64,
}

/// What is known of a dossier beside its state.
#[derive(Debug, Clone, Copy)]
pub struct DossierContext<'a> {
    pub agency_path: &'a str,
    pub procedure_code: &'a str,
    pub channel: &'a str,
    /// Whether the procedure version the dossier was submitted under is offered fully online.
    pub full_online: bool,
}

/// The facts of one dossier in its present state. Step timeliness is judged as on the control
/// sheet (Mẫu 06), against the step allowances of `workflow` on `calendar`; a stay whose due
/// time falls outside the calendar's years gives no step fact rather than a wrong one.
pub fn dossier_facts(
    dossier: &Dossier,
    workflow: &Workflow,
    calendar: &WorkCalendar,
    context: DossierContext<'_>,
) -> Vec<Fact> {
    let fact = |at: OffsetDateTime, measure: Measure, step: &str| Fact {
        month: month_of(at),
        agency_path: context.agency_path.to_owned(),
        procedure_code: context.procedure_code.to_owned(),
        channel: context.channel.to_owned(),
        step: step.to_owned(),
        measure,
        value: 1,
    };
    let mut facts = Vec::new();
    if dossier.code.is_some() {
        facts.push(Fact {
            month: STANDING,
            ..fact(OffsetDateTime::UNIX_EPOCH, Measure::Numbered, "")
        });
    }
    if dossier.in_agency() {
        facts.push(Fact {
            month: STANDING,
            ..fact(OffsetDateTime::UNIX_EPOCH, Measure::InProgress, "")
        });
    }
    if let Some(received) = dossier.received_at {
        facts.push(fact(received, Measure::Received, ""));
        if context.channel == "online" {
            facts.push(fact(received, Measure::ReceivedOnline, ""));
        }
        if context.full_online {
            facts.push(fact(received, Measure::ReceivedFullOnline, ""));
        }
    }
    if let (Some(resolved), Some(appointment)) = (dossier.resolved_at, dossier.appointment) {
        let measure = match crate::calendar::classify(resolved, appointment.due()) {
            Timeliness::Early => Measure::ResolvedEarly,
            Timeliness::OnTime => Measure::ResolvedOnTime,
            Timeliness::Late => Measure::ResolvedLate,
        };
        facts.push(fact(resolved, measure, ""));
        if dossier.signed {
            facts.push(fact(resolved, Measure::ElectronicResult, ""));
        }
    }
    // Terminal statuses take no further event, so the last event is the one that ended it.
    // Withdrawn and stopped count only for received dossiers: a submission withdrawn before
    // reception was never handled (and the periodic report subtracts these from the
    // dossiers in processing).
    let received = dossier.received_at.is_some();
    let ended = match dossier.status {
        Some(DossierStatus::NotReceived) => Some(Measure::NotReceived),
        Some(DossierStatus::Withdrawn) if received => Some(Measure::Withdrawn),
        Some(DossierStatus::Stopped) if received => Some(Measure::Stopped),
        _ => None,
    };
    if let (Some(measure), Some(at)) = (ended, dossier.last_at) {
        facts.push(fact(at, measure, ""));
    }
    // `now` only judges open stays, which give no fact: any instant will do.
    let now = dossier.last_at.unwrap_or(OffsetDateTime::UNIX_EPOCH);
    if let Ok(sheet) = control_sheet(dossier, workflow, calendar, now) {
        for row in sheet.rows {
            let (Judgement::Finished(timeliness), Some(left)) = (row.judgement, row.visit.left_at)
            else {
                continue;
            };
            let measure = match timeliness {
                Timeliness::Late => Measure::StepLate,
                Timeliness::Early | Timeliness::OnTime => Measure::StepOnTime,
            };
            facts.push(fact(left, measure, &row.step_id));
        }
    }
    facts.sort();
    facts
}

/// What a payment contributes: a paid fee, online or at the desk, in the month it was settled.
/// Payments not (or no longer) paid contribute nothing: a refunded fee is not a payment.
pub fn payment_facts(
    paid: bool,
    online: bool,
    settled_at: Option<OffsetDateTime>,
    context: DossierContext<'_>,
) -> Vec<Fact> {
    let Some(settled) = settled_at.filter(|_| paid) else {
        return Vec::new();
    };
    vec![Fact {
        month: month_of(settled),
        agency_path: context.agency_path.to_owned(),
        procedure_code: context.procedure_code.to_owned(),
        channel: context.channel.to_owned(),
        step: String::new(),
        measure: if online {
            Measure::PaidOnline
        } else {
            Measure::PaidCounter
        },
        value: 1,
    }]
}

/// What the national portal's acknowledgement of a dossier contributes: a standing fact.
pub fn sync_facts(acknowledged: bool, context: DossierContext<'_>) -> Vec<Fact> {
    if !acknowledged {
        return Vec::new();
    }
    vec![Fact {
        month: STANDING,
        agency_path: context.agency_path.to_owned(),
        procedure_code: context.procedure_code.to_owned(),
        channel: context.channel.to_owned(),
        step: String::new(),
        measure: Measure::Synced,
        value: 1,
    }]
}

/// What a satisfaction rating contributes: the rating, whether it is satisfied (its answers
/// average at least "Hài lòng", 1 point of 2), and its points out of the most possible.
pub fn rating_facts(
    scores: &[i64],
    rated_at: OffsetDateTime,
    context: DossierContext<'_>,
) -> Vec<Fact> {
    if scores.is_empty() {
        return Vec::new();
    }
    let points: i64 = scores.iter().map(|s| (*s).clamp(0, 2)).sum();
    let answers = i64::try_from(scores.len()).unwrap_or(i64::MAX);
    let fact = |measure: Measure, value: i64| Fact {
        month: month_of(rated_at),
        agency_path: context.agency_path.to_owned(),
        procedure_code: context.procedure_code.to_owned(),
        channel: context.channel.to_owned(),
        step: String::new(),
        measure,
        value,
    };
    let mut facts = vec![
        fact(Measure::Rated, 1),
        fact(Measure::RatingPoints, points),
        fact(Measure::RatingMaxPoints, answers.saturating_mul(2)),
    ];
    if points >= answers {
        facts.push(fact(Measure::RatedSatisfied, 1));
    }
    facts.sort();
    facts
}

/// The change from `old` facts to `new`: what to take away and what to add. Facts present in
/// both cancel; equal facts are counted with their multiplicity.
pub fn difference(old: &[Fact], new: &[Fact]) -> (Vec<Fact>, Vec<Fact>) {
    let mut old: Vec<&Fact> = old.iter().collect();
    let mut new: Vec<&Fact> = new.iter().collect();
    old.sort();
    new.sort();
    let (mut removed, mut added) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) if a == b => {
                i += 1;
                j += 1;
            }
            (Some(a), Some(b)) if a < b => {
                removed.push((*a).clone());
                i += 1;
            }
            (Some(_), Some(b)) => {
                added.push((*b).clone());
                j += 1;
            }
            (Some(a), None) => {
                removed.push((*a).clone());
                i += 1;
            }
            (None, Some(b)) => {
                added.push((*b).clone());
                j += 1;
            }
            (None, None) => break,
        }
    }
    (removed, added)
}

#[cfg(test)]
mod tests;
