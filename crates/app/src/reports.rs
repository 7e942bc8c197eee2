//! Báo cáo và chỉ số 766: the leader's dashboard, the Decision 766 index, the public
//! transparency page and their exports, read from the report projections (`store::reports`),
//! which every change of a dossier keeps up to date in its own transaction.
//!
//! A period is a month, a quarter or a year (as the national portal's 766 reports ask for
//! them). "In processing" and "overdue now" are a point in time, read live from the dossiers'
//! queue index, not from the projections.

use std::collections::{BTreeMap, HashMap};

use motcua_domain::authz::{Access, Permission};
use motcua_domain::dossier::{Dossier, Workflow};
use motcua_domain::procedure::OnlineLevel;
use motcua_domain::report::index766::{IndexInputs, IndexScore, score};
use motcua_domain::report::{DossierContext, Measure, Month, STANDING, dossier_facts};
use motcua_store::StoreTx;
use motcua_store::org::OrgUnitRow;
use motcua_store::reports::{
    DrillDossier, DrillFilter, FactSource, ProcedureCount, ReportCounters,
};
use serde::Serialize;

use crate::xlsx::Cell;
use crate::{Actor, App, AppError, AppResult};

/// Kỳ báo cáo: a month, a quarter or a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum PeriodKind {
    Month,
    Quarter,
    Year,
}

impl PeriodKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Month => "month",
            Self::Quarter => "quarter",
            Self::Year => "year",
        }
    }
}

/// A report period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct ReportPeriod {
    pub kind: PeriodKind,
    pub year: i32,
    /// The month (1–12) or the quarter (1–4); 0 for a year.
    pub number: u8,
}

impl ReportPeriod {
    /// Parses `kind` (`month`, `quarter`, `year`), the year and the month or quarter.
    ///
    /// # Errors
    /// `Invalid` naming the field: `error-report-period`.
    pub fn parse(kind: &str, year: &str, number: &str) -> AppResult<Self> {
        let bad = |field: &str| AppError::invalid(field, "error-report-period");
        let year: i32 = year.trim().parse().map_err(|_| bad("year"))?;
        if !(2000..=2100).contains(&year) {
            return Err(bad("year"));
        }
        let number = number.trim();
        let (kind, number) = match kind.trim() {
            "year" | "" => (PeriodKind::Year, 0),
            "quarter" => {
                let q: u8 = number.parse().map_err(|_| bad("number"))?;
                if !(1..=4).contains(&q) {
                    return Err(bad("number"));
                }
                (PeriodKind::Quarter, q)
            }
            "month" => {
                let m: u8 = number.parse().map_err(|_| bad("number"))?;
                if !(1..=12).contains(&m) {
                    return Err(bad("number"));
                }
                (PeriodKind::Month, m)
            }
            _ => return Err(bad("period")),
        };
        Ok(Self { kind, year, number })
    }

    /// The year `year`.
    pub fn year(year: i32) -> Self {
        Self {
            kind: PeriodKind::Year,
            year,
            number: 0,
        }
    }

    /// The first and last month, as `yyyymm`.
    pub fn months(&self) -> (Month, Month) {
        let base = u32::try_from(self.year).unwrap_or(0) * 100;
        let number = u32::from(self.number);
        match self.kind {
            PeriodKind::Year => (base + 1, base + 12),
            PeriodKind::Quarter => (base + number * 3 - 2, base + number * 3),
            PeriodKind::Month => (base + number, base + number),
        }
    }

    /// "Tháng 12/2026", "Quý 4/2026", "Năm 2026" (or the English forms).
    pub fn label(&self, lang: &str) -> String {
        let en = lang == "en";
        match (self.kind, en) {
            (PeriodKind::Month, false) => format!("Tháng {:02}/{}", self.number, self.year),
            (PeriodKind::Month, true) => format!("Month {:02}/{}", self.number, self.year),
            (PeriodKind::Quarter, false) => format!("Quý {}/{}", self.number, self.year),
            (PeriodKind::Quarter, true) => format!("Quarter {}/{}", self.number, self.year),
            (PeriodKind::Year, false) => format!("Năm {}", self.year),
            (PeriodKind::Year, true) => format!("Year {}", self.year),
        }
    }
}

/// The counts of a report row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub received: i64,
    pub received_online: i64,
    pub received_postal: i64,
    pub received_full_online: i64,
    pub received_full_online_online: i64,
    pub not_received: i64,
    pub resolved_early: i64,
    pub resolved_on_time: i64,
    pub resolved_late: i64,
    pub withdrawn: i64,
    pub stopped: i64,
    pub electronic_results: i64,
    pub paid_online: i64,
    pub paid_counter: i64,
    pub rated: i64,
    pub rated_satisfied: i64,
    pub rating_points: i64,
    pub rating_max_points: i64,
    pub numbered: i64,
    pub synced: i64,
    pub step_on_time: i64,
    pub step_late: i64,
    /// Now, whatever the period.
    pub in_progress: i64,
    pub overdue_now: i64,
}

fn share(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

impl Totals {
    fn add(&mut self, measure: Measure, channel: &str, n: i64) {
        let slot = match measure {
            Measure::Received => {
                match channel {
                    "online" => self.received_online += n,
                    "postal" => self.received_postal += n,
                    _ => {}
                }
                &mut self.received
            }
            // The agency counters tell the channel; only the procedure counters (no channel)
            // need this fact.
            Measure::ReceivedOnline => {
                if channel.is_empty() {
                    self.received_online += n;
                }
                return;
            }
            Measure::ReceivedFullOnline => {
                if channel == "online" {
                    self.received_full_online_online += n;
                }
                &mut self.received_full_online
            }
            Measure::NotReceived => &mut self.not_received,
            Measure::ResolvedEarly => &mut self.resolved_early,
            Measure::ResolvedOnTime => &mut self.resolved_on_time,
            Measure::ResolvedLate => &mut self.resolved_late,
            Measure::Withdrawn => &mut self.withdrawn,
            Measure::Stopped => &mut self.stopped,
            Measure::ElectronicResult => &mut self.electronic_results,
            Measure::StepOnTime => &mut self.step_on_time,
            Measure::StepLate => &mut self.step_late,
            Measure::PaidOnline => &mut self.paid_online,
            Measure::PaidCounter => &mut self.paid_counter,
            Measure::Rated => &mut self.rated,
            Measure::RatedSatisfied => &mut self.rated_satisfied,
            Measure::RatingPoints => &mut self.rating_points,
            Measure::RatingMaxPoints => &mut self.rating_max_points,
            Measure::Numbered => &mut self.numbered,
            Measure::Synced => &mut self.synced,
            Measure::InProgress => &mut self.in_progress,
        };
        *slot += n;
    }

    fn merge(&mut self, other: &Totals) {
        let Totals {
            received,
            received_online,
            received_postal,
            received_full_online,
            received_full_online_online,
            not_received,
            resolved_early,
            resolved_on_time,
            resolved_late,
            withdrawn,
            stopped,
            electronic_results,
            paid_online,
            paid_counter,
            rated,
            rated_satisfied,
            rating_points,
            rating_max_points,
            numbered,
            synced,
            step_on_time,
            step_late,
            in_progress,
            overdue_now,
        } = *other;
        self.received += received;
        self.received_online += received_online;
        self.received_postal += received_postal;
        self.received_full_online += received_full_online;
        self.received_full_online_online += received_full_online_online;
        self.not_received += not_received;
        self.resolved_early += resolved_early;
        self.resolved_on_time += resolved_on_time;
        self.resolved_late += resolved_late;
        self.withdrawn += withdrawn;
        self.stopped += stopped;
        self.electronic_results += electronic_results;
        self.paid_online += paid_online;
        self.paid_counter += paid_counter;
        self.rated += rated;
        self.rated_satisfied += rated_satisfied;
        self.rating_points += rating_points;
        self.rating_max_points += rating_max_points;
        self.numbered += numbered;
        self.synced += synced;
        self.step_on_time += step_on_time;
        self.step_late += step_late;
        self.in_progress += in_progress;
        self.overdue_now += overdue_now;
    }

    /// Resolved in the period (early, on time or late).
    pub fn resolved(&self) -> i64 {
        self.resolved_early + self.resolved_on_time + self.resolved_late
    }

    /// Received at the desk (neither online nor by post).
    pub fn received_counter(&self) -> i64 {
        self.received - self.received_online - self.received_postal
    }

    /// Share resolved early or on time (tỷ lệ đúng hạn), if any was resolved.
    pub fn in_time_rate(&self) -> Option<f64> {
        share(self.resolved_early + self.resolved_on_time, self.resolved())
    }

    /// Share of the received that came in online.
    pub fn online_share(&self) -> Option<f64> {
        share(self.received_online, self.received)
    }

    /// Share of the paid fees paid online.
    pub fn online_payment_share(&self) -> Option<f64> {
        share(self.paid_online, self.paid_online + self.paid_counter)
    }

    /// Points of the ratings over the most possible (mức độ hài lòng).
    pub fn satisfaction(&self) -> Option<f64> {
        share(self.rating_points, self.rating_max_points)
    }

    /// Share of the finished step stays that ended late.
    pub fn step_late_share(&self) -> Option<f64> {
        share(self.step_late, self.step_on_time + self.step_late)
    }
}

/// Most received first, then by key (procedures, sectors).
fn sort_by_received(rows: &mut [ReportRow]) {
    rows.sort_by(|a, b| {
        b.totals
            .received
            .cmp(&a.totals.received)
            .then(a.key.cmp(&b.key))
    });
}

/// How a dossier came in, in words.
pub fn channel_label(channel: &str, lang: &str) -> &'static str {
    match (channel, lang == "en") {
        ("online", false) => "Trực tuyến",
        ("online", true) => "Online",
        ("postal", false) => "Bưu chính công ích",
        ("postal", true) => "Public postal service",
        (_, false) => "Trực tiếp",
        (_, true) => "At the desk",
    }
}

/// One row of a breakdown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportRow {
    /// What a drill-down link filters on: a unit id, a channel, a procedure code, a sector
    /// code, a month (`yyyymm`) or a step id.
    pub key: String,
    pub label: String,
    pub totals: Totals,
}

/// Which breakdown of the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Breakdown {
    Unit,
    Channel,
    Procedure,
    Sector,
    Month,
    Step,
}

impl Breakdown {
    pub const ALL: [Breakdown; 6] = [
        Self::Unit,
        Self::Channel,
        Self::Procedure,
        Self::Sector,
        Self::Month,
        Self::Step,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unit => "unit",
            Self::Channel => "channel",
            Self::Procedure => "procedure",
            Self::Sector => "sector",
            Self::Month => "month",
            Self::Step => "step",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.as_str() == value)
    }
}

/// The dashboard of a unit's subtree for a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    pub unit: OrgUnitRow,
    pub period: ReportPeriod,
    pub totals: Totals,
    /// The units right under the selected one (each with its subtree), and the selected
    /// unit's own dossiers as the first row when it has any.
    pub units: Vec<ReportRow>,
    pub channels: Vec<ReportRow>,
    /// By procedure, most received first.
    pub procedures: Vec<ReportRow>,
    pub sectors: Vec<ReportRow>,
    /// Month by month.
    pub months: Vec<ReportRow>,
    /// Workflow steps by id, the most late stays first.
    pub steps: Vec<ReportRow>,
    /// The 766 index of the subtree for the period.
    pub index: IndexScore,
    /// The 766 index of each row of `units`, in the same order.
    pub unit_indexes: Vec<IndexScore>,
}

impl Dashboard {
    /// The rows of one breakdown.
    pub fn rows(&self, breakdown: Breakdown) -> &[ReportRow] {
        match breakdown {
            Breakdown::Unit => &self.units,
            Breakdown::Channel => &self.channels,
            Breakdown::Procedure => &self.procedures,
            Breakdown::Sector => &self.sectors,
            Breakdown::Month => &self.months,
            Breakdown::Step => &self.steps,
        }
    }
}

/// The 766 inputs from the totals of a subtree and its procedure counters.
fn index_inputs(totals: &Totals, procedures: &[ProcedureCount]) -> IndexInputs {
    let mut paid: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for row in procedures {
        match Measure::parse(&row.measure) {
            Some(Measure::PaidOnline) => paid.entry(&row.procedure_code).or_default().0 += row.n,
            Some(Measure::PaidCounter) => paid.entry(&row.procedure_code).or_default().1 += row.n,
            _ => {}
        }
    }
    let count = |pred: fn(&(i64, i64)) -> bool| {
        i64::try_from(paid.values().filter(|v| pred(v)).count()).unwrap_or(i64::MAX)
    };
    IndexInputs {
        numbered: totals.numbered,
        synced: totals.synced,
        resolved: totals.resolved(),
        resolved_in_time: totals.resolved_early + totals.resolved_on_time,
        received_full_online: totals.received_full_online,
        received_full_online_online: totals.received_full_online_online,
        procedures_paid: count(|(online, counter)| online + counter > 0),
        procedures_paid_online: count(|(online, _)| *online > 0),
        paid: totals.paid_online + totals.paid_counter,
        paid_online: totals.paid_online,
        rated: totals.rated,
        rated_satisfied: totals.rated_satisfied,
        electronic_results: totals.electronic_results,
    }
}

/// The unit of `units` whose subtree holds `path`: the deepest prefix.
fn owner<'a>(units: &'a [&'a OrgUnitRow], path: &str) -> Option<&'a OrgUnitRow> {
    units
        .iter()
        .filter(|u| path.starts_with(u.path.as_str()))
        .max_by_key(|u| u.path.len())
        .copied()
}

/// A dossier list behind a dashboard number.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DrillDown {
    pub unit: OrgUnitRow,
    pub period: ReportPeriod,
    pub measure: &'static str,
    pub dossiers: Vec<DrillDossier>,
    /// Where the next page starts (a dossier id), when there is one.
    pub next: Option<i64>,
}

/// What a rebuild did and whether it matched what was kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RebuildOutcome {
    pub dossiers: i64,
    pub payments: i64,
    pub ratings: i64,
    pub synced: i64,
    /// Counter keys whose value differed between the kept projections and the rebuild.
    pub differences: usize,
}

/// How long the public transparency figures are kept before being read again.
pub const TRANSPARENCY_TTL: std::time::Duration = std::time::Duration::from_secs(60);

type TransparencyKey = (ReportPeriod, bool);

/// The public figures per (period, English?), each with when it was read; a handful of
/// entries (the periods people look at), at most 64.
#[derive(Default)]
pub struct TransparencyCache {
    entries: std::sync::Mutex<HashMap<TransparencyKey, (std::time::Instant, Vec<Dashboard>)>>,
}

impl TransparencyCache {
    fn get(&self, key: &TransparencyKey) -> Option<Vec<Dashboard>> {
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < TRANSPARENCY_TTL)
            .map(|(_, shown)| shown.clone())
    }

    fn keep(&self, key: TransparencyKey, shown: Vec<Dashboard>) {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= 64 {
            entries.retain(|_, (at, _)| at.elapsed() < TRANSPARENCY_TTL);
        }
        if entries.len() < 64 {
            entries.insert(key, (std::time::Instant::now(), shown));
        }
    }
}

/// Page size of drill-down lists.
pub const DRILL_PAGE: i64 = 50;

/// Records read per transaction by a rebuild.
const REBUILD_BATCH: i64 = 500;

/// Writes a dossier's report facts in the transaction of its change (every path that decides
/// calls this with the new state).
pub(crate) async fn project_dossier(
    tx: &mut StoreTx,
    dossier_id: i64,
    dossier: &Dossier,
    workflow: &Workflow,
    calendar: &motcua_domain::calendar::WorkCalendar,
    context: DossierContext<'_>,
) -> AppResult<()> {
    let facts = dossier_facts(dossier, workflow, calendar, context);
    tx.replace_report_facts(FactSource::Dossier, dossier_id, dossier_id, &facts)
        .await?;
    Ok(())
}

impl App {
    /// What a dossier's report facts need beside its state, read before its transaction: the
    /// agency's calendar and whether its procedure version is offered fully online.
    pub(crate) async fn report_inputs(
        &self,
        agency_path: &str,
        procedure_code: &str,
        procedure_version: i64,
    ) -> AppResult<(std::sync::Arc<motcua_domain::calendar::WorkCalendar>, bool)> {
        let calendar = self.work_calendar_at(Some(agency_path)).await?;
        let full_online = self
            .published_version(procedure_code, procedure_version)
            .await?
            .procedure
            .online_level
            == OnlineLevel::Full;
        Ok((calendar, full_online))
    }

    /// The unit a report is about: `unit_id`, or the first unit where the actor sees reports.
    async fn report_unit(&self, actor: &Actor, unit_id: Option<i64>) -> AppResult<OrgUnitRow> {
        actor.require(Access::Staff(Permission::ReportsView))?;
        let unit = match unit_id {
            Some(id) => self.store.get_unit(id).await?,
            None => {
                let units = self.store.list_units().await?;
                let visible = |u: &&OrgUnitRow| {
                    actor.principal.may_at(
                        Permission::ReportsView,
                        &motcua_domain::org::OrgPath::from_stored(u.path.clone()),
                    )
                };
                // The shallowest unit the actor sees: their whole jurisdiction.
                units
                    .iter()
                    .filter(visible)
                    .min_by_key(|u| (u.path.matches('/').count(), u.sort_order, u.id))
                    .cloned()
                    .ok_or(AppError::Forbidden)?
            }
        };
        actor.require_at(Permission::ReportsView, &unit.path)?;
        Ok(unit)
    }

    /// The dashboard of a unit (default: the actor's jurisdiction) for a period.
    pub async fn report_dashboard(
        &self,
        actor: &Actor,
        unit_id: Option<i64>,
        period: ReportPeriod,
        lang: &str,
    ) -> AppResult<Dashboard> {
        let unit = self.report_unit(actor, unit_id).await?;
        self.dashboard_of(unit, period, lang).await
    }

    async fn dashboard_of(
        &self,
        unit: OrgUnitRow,
        period: ReportPeriod,
        lang: &str,
    ) -> AppResult<Dashboard> {
        let (from, to) = period.months();
        let mut counts = self
            .store
            .report_agency_counts(&unit.path, from, to)
            .await?;
        counts.extend(
            self.store
                .report_agency_counts(&unit.path, STANDING, STANDING)
                .await?,
        );
        let procedure_counts = self
            .store
            .report_procedure_counts(&unit.path, from, to)
            .await?;
        let all_units = self.store.list_units().await?;
        let subtree: Vec<&OrgUnitRow> = all_units
            .iter()
            .filter(|u| u.path.starts_with(unit.path.as_str()))
            .collect();
        let paths: Vec<String> = subtree.iter().map(|u| u.path.clone()).collect();
        let overdue = self
            .store
            .overdue_dossier_counts(&paths, self.now_micros())
            .await?;
        let paid = self.store.report_paid_counts(&unit.path, from, to).await?;

        // By unit: the children of the selected unit, each with its subtree.
        let children: Vec<&OrgUnitRow> = subtree
            .iter()
            .filter(|u| u.parent_id == Some(unit.id))
            .copied()
            .collect();
        let mut levels: Vec<&OrgUnitRow> = children.clone();
        levels.push(&unit);
        let mut by_unit: BTreeMap<i64, Totals> = BTreeMap::new();
        let mut totals = Totals::default();
        let mut by_channel: BTreeMap<String, Totals> = BTreeMap::new();
        let mut by_month: BTreeMap<i64, Totals> = BTreeMap::new();
        for row in &counts {
            let Some(measure) = Measure::parse(&row.measure) else {
                continue;
            };
            totals.add(measure, &row.channel, row.n);
            if let Some(owner) = owner(&levels, &row.agency_path) {
                by_unit
                    .entry(owner.id)
                    .or_default()
                    .add(measure, &row.channel, row.n);
            }
            if row.month != i64::from(STANDING) {
                by_channel.entry(row.channel.clone()).or_default().add(
                    measure,
                    &row.channel,
                    row.n,
                );
                by_month
                    .entry(row.month)
                    .or_default()
                    .add(measure, &row.channel, row.n);
            }
        }
        for row in &overdue {
            totals.overdue_now += row.overdue;
            if let Some(owner) = owner(&levels, &row.agency_path) {
                by_unit.entry(owner.id).or_default().overdue_now += row.overdue;
            }
        }
        for row in &procedure_counts {
            if let Some(measure) = Measure::parse(&row.measure).filter(|m| m.is_step()) {
                totals.add(measure, "", row.n);
            }
        }
        let mut units: Vec<ReportRow> = Vec::new();
        if let Some(own) = by_unit.get(&unit.id).filter(|t| **t != Totals::default()) {
            units.push(ReportRow {
                key: unit.id.to_string(),
                label: unit.name.clone(),
                totals: *own,
            });
        }
        let mut sorted_children = children.clone();
        sorted_children.sort_by_key(|u| (u.sort_order, u.name.clone()));
        for child in sorted_children {
            units.push(ReportRow {
                key: child.id.to_string(),
                label: child.name.clone(),
                totals: by_unit.get(&child.id).copied().unwrap_or_default(),
            });
        }
        // Each unit's own 766 index (the transparency page shows it per agency); of the
        // procedure counters only the paid fees are needed per unit.
        let mut paid_by_unit: HashMap<i64, Vec<ProcedureCount>> = HashMap::new();
        for row in paid {
            if let Some(owner) = owner(&levels, &row.agency_path) {
                paid_by_unit.entry(owner.id).or_default().push(row);
            }
        }
        let unit_indexes: Vec<IndexScore> = units
            .iter()
            .map(|row| {
                let own = row
                    .key
                    .parse::<i64>()
                    .ok()
                    .and_then(|id| paid_by_unit.get(&id))
                    .map_or(&[][..], Vec::as_slice);
                score(&index_inputs(&row.totals, own))
            })
            .collect();
        let channels = ["counter", "online", "postal"]
            .into_iter()
            .map(|channel| ReportRow {
                key: channel.to_owned(),
                label: channel_label(channel, lang).to_owned(),
                totals: by_channel.get(channel).copied().unwrap_or_default(),
            })
            .collect();
        let months = by_month
            .into_iter()
            .map(|(month, totals)| ReportRow {
                key: month.to_string(),
                label: format!("{:02}/{}", month % 100, month / 100),
                totals,
            })
            .collect();

        // By procedure, sector and step, from the procedure counters.
        let labels: HashMap<String, motcua_store::reports::ProcedureLabel> = self
            .store
            .procedure_labels()
            .await?
            .into_iter()
            .map(|l| (l.code.clone(), l))
            .collect();
        let mut by_procedure: BTreeMap<String, Totals> = BTreeMap::new();
        let mut by_step: BTreeMap<String, Totals> = BTreeMap::new();
        for row in &procedure_counts {
            let Some(measure) = Measure::parse(&row.measure) else {
                continue;
            };
            by_procedure
                .entry(row.procedure_code.clone())
                .or_default()
                .add(measure, "", row.n);
            if measure.is_step() {
                by_step
                    .entry(row.step.clone())
                    .or_default()
                    .add(measure, "", row.n);
            }
        }
        let mut by_sector: BTreeMap<(String, String), Totals> = BTreeMap::new();
        let mut procedures: Vec<ReportRow> = by_procedure
            .into_iter()
            .map(|(code, totals)| {
                let label = labels.get(&code);
                let sector = label
                    .map(|l| (l.sector_code.clone(), l.sector_name.clone()))
                    .unwrap_or_default();
                by_sector.entry(sector).or_default().merge(&totals);
                ReportRow {
                    label: label
                        .map(|l| format!("{code} — {}", l.name))
                        .unwrap_or_else(|| code.clone()),
                    key: code,
                    totals,
                }
            })
            .collect();
        sort_by_received(&mut procedures);
        let mut sectors: Vec<ReportRow> = by_sector
            .into_iter()
            .map(|((code, name), totals)| ReportRow {
                key: code,
                label: name,
                totals,
            })
            .collect();
        sort_by_received(&mut sectors);
        let mut steps: Vec<ReportRow> = by_step
            .into_iter()
            .map(|(step, totals)| ReportRow {
                label: step.clone(),
                key: step,
                totals,
            })
            .collect();
        steps.sort_by(|a, b| {
            b.totals
                .step_late
                .cmp(&a.totals.step_late)
                .then(a.key.cmp(&b.key))
        });
        let index = score(&index_inputs(&totals, &procedure_counts));
        Ok(Dashboard {
            unit,
            period,
            totals,
            units,
            channels,
            procedures,
            sectors,
            months,
            steps,
            index,
            unit_indexes,
        })
    }

    /// One breakdown of the dashboard as a table: a header row and a row per line, with the
    /// rates as percentages (for CSV and XLSX).
    pub fn report_table(dashboard: &Dashboard, breakdown: Breakdown, lang: &str) -> Vec<Vec<Cell>> {
        let en = lang == "en";
        let header: Vec<&str> = if en {
            vec![
                "Key",
                "Name",
                "Received",
                "Online",
                "Resolved",
                "Early",
                "On time",
                "Late",
                "On-time rate (%)",
                "In processing",
                "Overdue now",
                "Not received",
                "Withdrawn",
                "Stopped",
                "Electronic results",
                "Paid online",
                "Paid at the desk",
                "Ratings",
                "Satisfaction (%)",
                "Step stays finished",
                "Late step stays",
            ]
        } else {
            vec![
                "Mã",
                "Tên",
                "Tiếp nhận",
                "Trực tuyến",
                "Đã giải quyết",
                "Trước hạn",
                "Đúng hạn",
                "Quá hạn",
                "Tỷ lệ đúng hạn (%)",
                "Đang giải quyết",
                "Quá hạn hiện tại",
                "Không tiếp nhận",
                "Rút hồ sơ",
                "Dừng xử lý",
                "Kết quả điện tử",
                "Thanh toán trực tuyến",
                "Thanh toán tại quầy",
                "Lượt đánh giá",
                "Mức độ hài lòng (%)",
                "Lượt xử lý bước",
                "Lượt bước quá hạn",
            ]
        };
        let percent = |value: Option<f64>| match value {
            Some(v) => Cell::Text(format!("{:.1}", v * 100.0)),
            None => Cell::Text(String::new()),
        };
        let mut rows = vec![
            header
                .into_iter()
                .map(|h| Cell::Text(h.to_owned()))
                .collect(),
        ];
        let mut line = |key: &str, label: &str, t: &Totals| {
            rows.push(vec![
                Cell::Text(key.to_owned()),
                Cell::Text(label.to_owned()),
                Cell::Number(t.received),
                Cell::Number(t.received_online),
                Cell::Number(t.resolved()),
                Cell::Number(t.resolved_early),
                Cell::Number(t.resolved_on_time),
                Cell::Number(t.resolved_late),
                percent(t.in_time_rate()),
                Cell::Number(t.in_progress),
                Cell::Number(t.overdue_now),
                Cell::Number(t.not_received),
                Cell::Number(t.withdrawn),
                Cell::Number(t.stopped),
                Cell::Number(t.electronic_results),
                Cell::Number(t.paid_online),
                Cell::Number(t.paid_counter),
                Cell::Number(t.rated),
                percent(t.satisfaction()),
                Cell::Number(t.step_on_time + t.step_late),
                Cell::Number(t.step_late),
            ]);
        };
        for row in dashboard.rows(breakdown) {
            line(&row.key, &row.label, &row.totals);
        }
        line(
            "",
            if en { "Total" } else { "Tổng cộng" },
            &dashboard.totals,
        );
        rows
    }

    /// The dossiers behind one number of the dashboard.
    #[allow(clippy::too_many_arguments)]
    pub async fn report_drill_down(
        &self,
        actor: &Actor,
        unit_id: Option<i64>,
        period: ReportPeriod,
        measure: &str,
        procedure_code: Option<String>,
        channel: Option<String>,
        step: Option<String>,
        before: Option<i64>,
    ) -> AppResult<DrillDown> {
        let unit = self.report_unit(actor, unit_id).await?;
        // The list names applicants: it needs the dossier view there, not only reports.
        actor.require_at(Permission::DossierView, &unit.path)?;
        let measure = Measure::parse(measure)
            .filter(|m| !matches!(m, Measure::Numbered | Measure::Synced | Measure::InProgress))
            .ok_or_else(|| AppError::invalid("measure", "error-report-measure"))?;
        let (from, to) = period.months();
        let filter = DrillFilter {
            measure,
            from,
            to,
            agency_path: unit.path.clone(),
            procedure_code: procedure_code.filter(|s| !s.trim().is_empty()),
            channel: channel.filter(|s| !s.trim().is_empty()),
            step: step.filter(|s| !s.trim().is_empty()),
        };
        let mut dossiers = self
            .store
            .report_drill(&filter, before, DRILL_PAGE + 1)
            .await?;
        let next = if dossiers.len() > usize::try_from(DRILL_PAGE).unwrap_or(usize::MAX) {
            dossiers.truncate(usize::try_from(DRILL_PAGE).unwrap_or(0));
            dossiers.last().map(|d| d.dossier_id)
        } else {
            None
        };
        Ok(DrillDown {
            unit,
            period,
            measure: measure.as_str(),
            dossiers,
            next,
        })
    }

    /// Công khai: the transparency figures of every agency right under the roots of the tree
    /// (and the roots themselves), for anyone, without sign-in. Only counts and rates: no
    /// dossier, no name. Kept for [`TRANSPARENCY_TTL`] per period and language, so a public
    /// page that anyone may load as often as they like costs the database once a minute.
    pub async fn transparency(
        &self,
        period: ReportPeriod,
        lang: &str,
    ) -> AppResult<Vec<Dashboard>> {
        let key = (period, lang == "en");
        if let Some(shown) = self.transparency_cache.get(&key) {
            return Ok(shown);
        }
        let units = self.store.list_units().await?;
        let mut shown = Vec::new();
        for root in units.iter().filter(|u| u.parent_id.is_none()) {
            shown.push(self.dashboard_of(root.clone(), period, lang).await?);
        }
        self.transparency_cache.keep(key, shown.clone());
        Ok(shown)
    }

    /// Recomputes every projection from the records and compares it with what was kept.
    /// With `replace`, the recomputation replaces the projections (after a change of the
    /// calendar, or an upgrade from a version without reports), in one transaction that keeps
    /// every writer out until it ends: writers wait on PostgreSQL, and on SQLite those that
    /// wait longer than the write timeout are refused — run it when the offices are closed.
    /// Without, nothing is written: the records are read and the counters they give compared
    /// with the kept ones (a change committed meanwhile can show as a difference; verify
    /// again).
    pub async fn rebuild_reports(&self, replace: bool) -> AppResult<RebuildOutcome> {
        if !replace {
            return self.verify_reports().await;
        }
        let mut outcome = RebuildOutcome::default();
        let mut tx = self.store.begin().await?;
        tx.lock_report_projections().await?;
        let kept = tx.report_counters_in_tx().await?;
        tx.clear_report_projections().await?;
        // Dossiers, the bulk: facts computed here in pages, written many rows a statement,
        // their counters summed in memory and added once.
        let mut counters = ReportCounters::default();
        let mut after = 0;
        loop {
            let rows = self.store.dossier_rows_after(after, REBUILD_BATCH).await?;
            let Some(last) = rows.last().map(|r| r.id) else {
                break;
            };
            let page = self.dossier_page_facts(&rows, &mut outcome).await?;
            counters.merge(ReportCounters::of_facts(page.iter().map(|(_, _, f)| f)));
            tx.insert_report_facts_bulk(FactSource::Dossier, &page)
                .await?;
            after = last;
        }
        tx.add_report_counters(&counters).await?;
        // Payments, ratings and acknowledgements, fewer, through the live projection's code.
        for source in [FactSource::Payment, FactSource::Rating, FactSource::Sync] {
            let mut after = 0;
            loop {
                let ids = self
                    .store
                    .report_source_ids(source, after, REBUILD_BATCH)
                    .await?;
                let Some(last) = ids.last().copied() else {
                    break;
                };
                for id in ids {
                    match source {
                        FactSource::Payment => tx.project_payment(id).await?,
                        FactSource::Rating => tx.project_rating(id).await?,
                        FactSource::Sync => tx.project_national_sync(id).await?,
                        FactSource::Dossier => {}
                    }
                    count_source(&mut outcome, source);
                }
                after = last;
            }
        }
        let rebuilt = tx.report_counters_in_tx().await?;
        outcome.differences = counter_differences(&kept, &rebuilt);
        tx.commit().await?;
        self.store.analyze_report_projections().await?;
        Ok(outcome)
    }

    /// Whether the report projections were never built although dossiers exist (an upgrade
    /// from a version without reports): `serve` then builds them before serving.
    pub async fn report_projections_missing(&self) -> AppResult<bool> {
        Ok(self.store.report_projections_missing().await?)
    }

    /// [`App::rebuild_reports`] without writing: the counters the records give now, compared
    /// with the kept ones.
    async fn verify_reports(&self) -> AppResult<RebuildOutcome> {
        let kept = self.store.report_counters().await?;
        let mut outcome = RebuildOutcome::default();
        let mut counters = ReportCounters::default();
        let mut after = 0;
        loop {
            let rows = self.store.dossier_rows_after(after, REBUILD_BATCH).await?;
            let Some(last) = rows.last().map(|r| r.id) else {
                break;
            };
            let page = self.dossier_page_facts(&rows, &mut outcome).await?;
            counters.merge(ReportCounters::of_facts(page.iter().map(|(_, _, f)| f)));
            after = last;
        }
        for source in [FactSource::Payment, FactSource::Rating, FactSource::Sync] {
            let mut after = 0;
            loop {
                let ids = self
                    .store
                    .report_source_ids(source, after, REBUILD_BATCH)
                    .await?;
                let Some(last) = ids.last().copied() else {
                    break;
                };
                for id in ids {
                    let facts = self.store.record_facts_now(source, id).await?;
                    counters.merge(ReportCounters::of_facts(&facts));
                    count_source(&mut outcome, source);
                }
                after = last;
            }
        }
        outcome.differences = counter_differences(&kept, &counters);
        Ok(outcome)
    }

    /// The facts of a page of stored dossiers as (dossier, dossier, fact) rows; drafts give
    /// none.
    async fn dossier_page_facts(
        &self,
        rows: &[motcua_store::dossiers::DossierRow],
        outcome: &mut RebuildOutcome,
    ) -> AppResult<Vec<(i64, i64, motcua_domain::report::Fact)>> {
        let mut page = Vec::new();
        for row in rows {
            let dossier = row.dossier()?;
            if dossier.status.is_none() {
                continue;
            }
            let workflow = self.workflow_of(row).await?;
            let (calendar, full_online) = self
                .report_inputs(&row.agency_path, &row.procedure_code, row.procedure_version)
                .await?;
            let facts = dossier_facts(
                &dossier,
                &workflow,
                &calendar,
                DossierContext {
                    agency_path: &row.agency_path,
                    procedure_code: &row.procedure_code,
                    channel: &row.channel,
                    full_online,
                },
            );
            page.extend(facts.into_iter().map(|fact| (row.id, row.id, fact)));
            outcome.dossiers += 1;
        }
        Ok(page)
    }
}

fn count_source(outcome: &mut RebuildOutcome, source: FactSource) {
    match source {
        FactSource::Dossier => outcome.dossiers += 1,
        FactSource::Payment => outcome.payments += 1,
        FactSource::Rating => outcome.ratings += 1,
        FactSource::Sync => outcome.synced += 1,
    }
}

/// How many keys differ between two sets of counters.
pub fn counter_differences(a: &ReportCounters, b: &ReportCounters) -> usize {
    let agencies = a
        .agencies
        .iter()
        .filter(|(k, v)| b.agencies.get(*k) != Some(*v))
        .count()
        + b.agencies
            .keys()
            .filter(|k| !a.agencies.contains_key(*k))
            .count();
    let procedures = a
        .procedures
        .iter()
        .filter(|(k, v)| b.procedures.get(*k) != Some(*v))
        .count()
        + b.procedures
            .keys()
            .filter(|k| !a.procedures.contains_key(*k))
            .count();
    agencies + procedures
}

/// A table as CSV (RFC 4180, comma-separated, CRLF), after a UTF-8 byte-order mark so that
/// spreadsheet programs read the Vietnamese letters right.
pub fn csv(rows: &[Vec<Cell>]) -> String {
    let mut out = String::from("\u{feff}");
    for row in rows {
        let fields: Vec<String> = row
            .iter()
            .map(|cell| match cell {
                Cell::Number(n) => n.to_string(),
                Cell::Text(text) => {
                    if text.contains([',', '"', '\n', '\r']) {
                        format!("\"{}\"", text.replace('"', "\"\""))
                    } else {
                        text.clone()
                    }
                }
            })
            .collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The month before `month` (`yyyymm`).
fn month_before(month: Month) -> Month {
    if month % 100 == 1 {
        (month / 100 - 1) * 100 + 12
    } else {
        month - 1
    }
}

impl App {
    /// The periodic report of results by sector (báo cáo tình hình, kết quả giải quyết TTHC)
    /// of a unit for a period, as its printable form: carried over from before the period,
    /// received online and otherwise, resolved early, on time and late, withdrawn or stopped,
    /// still in processing at the end — all from the projections.
    pub async fn result_report_form(
        &self,
        actor: &Actor,
        unit_id: Option<i64>,
        period: ReportPeriod,
    ) -> AppResult<motcua_render::model::FormDocument> {
        use motcua_render::model::{FormDocument, Header, ResultReport, ResultReportRow};
        let unit = self.report_unit(actor, unit_id).await?;
        let (from, to) = period.months();
        let during = self
            .store
            .report_procedure_counts(&unit.path, from, to)
            .await?;
        let before = self
            .store
            .report_procedure_counts(&unit.path, 1, month_before(from))
            .await?;
        let labels: HashMap<String, motcua_store::reports::ProcedureLabel> = self
            .store
            .procedure_labels()
            .await?
            .into_iter()
            .map(|l| (l.code.clone(), l))
            .collect();
        let sector_of = |code: &str| {
            labels
                .get(code)
                .map(|l| l.sector_name.clone())
                .unwrap_or_else(|| code.to_owned())
        };
        let mut rows: BTreeMap<String, ResultReportRow> = BTreeMap::new();
        for (counts, in_period) in [(&before, false), (&during, true)] {
            for c in counts {
                let Some(measure) = Measure::parse(&c.measure) else {
                    continue;
                };
                let sector = sector_of(&c.procedure_code);
                let row = rows
                    .entry(sector.clone())
                    .or_insert_with(|| ResultReportRow {
                        sector,
                        ..ResultReportRow::default()
                    });
                // Before the period only what is still open at its start matters.
                let open = match measure {
                    Measure::Received => c.n,
                    Measure::ResolvedEarly
                    | Measure::ResolvedOnTime
                    | Measure::ResolvedLate
                    | Measure::Withdrawn
                    | Measure::Stopped => -c.n,
                    _ => 0,
                };
                if !in_period {
                    row.carried_over += open;
                    continue;
                }
                match measure {
                    Measure::Received => row.received_other += c.n,
                    Measure::ReceivedOnline => {
                        row.received_online += c.n;
                        row.received_other -= c.n;
                    }
                    Measure::ResolvedEarly => row.resolved_early += c.n,
                    Measure::ResolvedOnTime => row.resolved_on_time += c.n,
                    Measure::ResolvedLate => row.resolved_late += c.n,
                    Measure::Withdrawn | Measure::Stopped => row.withdrawn_or_stopped += c.n,
                    _ => {}
                }
            }
        }
        let mut total = ResultReportRow {
            sector: "Tổng cộng".to_owned(),
            ..ResultReportRow::default()
        };
        let rows: Vec<ResultReportRow> = rows
            .into_values()
            .map(|mut r| {
                r.carried_over = r.carried_over.max(0);
                r.total = r.carried_over + r.received_online + r.received_other;
                r.in_progress = (r.total
                    - r.resolved_early
                    - r.resolved_on_time
                    - r.resolved_late
                    - r.withdrawn_or_stopped)
                    .max(0);
                total.total += r.total;
                total.carried_over += r.carried_over;
                total.received_online += r.received_online;
                total.received_other += r.received_other;
                total.resolved_early += r.resolved_early;
                total.resolved_on_time += r.resolved_on_time;
                total.resolved_late += r.resolved_late;
                total.withdrawn_or_stopped += r.withdrawn_or_stopped;
                total.in_progress += r.in_progress;
                r
            })
            .filter(|r| r.total > 0 || r.withdrawn_or_stopped > 0)
            .collect();
        let units = self.store.list_units().await?;
        let parent = unit
            .parent_id
            .and_then(|p| units.iter().find(|u| u.id == p))
            .map(|u| u.name.to_uppercase());
        let root = units
            .iter()
            .find(|u| u.parent_id.is_none())
            .map(|u| u.name.clone())
            .unwrap_or_default();
        Ok(FormDocument::ResultReport(ResultReport {
            header: Header {
                parent_body: parent,
                body: unit.name.to_uppercase(),
                unit: None,
                place: crate::forms::place_of(&root),
                date: self.today(),
                number: None,
            },
            unit_name: unit.name.clone(),
            period: period.label("vi"),
            rows,
            total,
        }))
    }

    /// [`App::result_report_form`] as PDF.
    pub async fn result_report_pdf(
        &self,
        actor: &Actor,
        unit_id: Option<i64>,
        period: ReportPeriod,
    ) -> AppResult<Vec<u8>> {
        let form = self.result_report_form(actor, unit_id, period).await?;
        self.render_pdf(form).await
    }
}
