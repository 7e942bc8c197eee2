//! The working-day calendar (lịch làm việc) as use cases: appointment dates for an agency, the
//! days off of a year, and the administration of the yearly official notices (thông báo lịch
//! nghỉ) and of each agency's office hours (giờ làm việc).
//!
//! The rules are pure and live in `motcua_domain::calendar`; this module supplies the data: the
//! notices stored in the database (seeded from the bundled 2024–2026 files on a fresh install)
//! and the office hours of the agency or its nearest ancestor that has its own. Both are read
//! once per process and kept in [`CalendarCache`]; every change made through this process
//! invalidates it, and entries expire after [`CACHE_TTL`] so that edits made by another process
//! (the CLI next to a running server) are seen soon after.
//!
//! Reading the calendar is public information; changes need [`Permission::CalendarManage`]
//! (over the whole tree for the notices, which apply everywhere; over the agency for its office
//! hours) and are audited in the same transaction.

use crate::{Actor, App, AppError, AppResult, InvalidField};
use motcua_domain::authz::{Permission, Principal};
use motcua_domain::calendar::{
    DayKind, DayOff, DayOverride, LunarDate, OfficeHours, OfficeHoursError, ParseProblem,
    ProcessingTime, VIETNAM_OFFSET, WorkCalendar, bundled_overrides, parse_overrides,
    solar_to_lunar,
};
use motcua_store::calendar::{CalendarOverrideInput, CalendarOverrideRow, OfficeHoursRow};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, Time};

/// How long cached calendar data is trusted before it is read again.
pub const CACHE_TTL: Duration = Duration::from_secs(60);

/// Years for which holidays can be computed (the lunar calendar's supported range).
pub const SUPPORTED_YEARS: std::ops::RangeInclusive<i32> =
    motcua_domain::calendar::lunar::SUPPORTED_YEARS;

/// At most this many problems are reported for one imported file.
const MAX_REPORTED_LINES: usize = 50;

/// The per-process cache of calendar data: the notices and every agency's office hours, and the
/// calendars built from them (each keeps its own per-year schedule cache).
#[derive(Default)]
pub struct CalendarCache {
    inner: Mutex<Option<Cached>>,
    /// Bumped by every invalidation, so that a load that started before a change does not
    /// store what it read once the change is committed.
    generation: AtomicU64,
}

struct Cached {
    loaded: Instant,
    overrides: Arc<Vec<DayOverride>>,
    hours: HashMap<i64, OfficeHours>,
    /// Calendars by the unit whose hours they use (`None`: the default hours).
    calendars: HashMap<Option<i64>, Arc<WorkCalendar>>,
}

impl CalendarCache {
    /// Forgets everything; the next read loads from the database.
    pub fn invalidate(&self) {
        let mut guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        self.generation.fetch_add(1, Ordering::SeqCst);
        *guard = None;
    }
}

/// One line of a notice as submitted by a form or the API.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideForm {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `holiday`, `compensatory_off` or `compensatory_work`.
    pub kind: String,
    pub name: String,
    pub basis: String,
}

/// Office hours as submitted, `HH:MM` each.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficeHoursForm {
    pub morning_start: String,
    pub morning_end: String,
    pub afternoon_start: String,
    pub afternoon_end: String,
    pub same_day_cutoff: String,
}

/// A day of a year's calendar as the administration page shows it: a day off, or a làm bù
/// Saturday, and whether an entry of the stored notice decides it (so it can be deleted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarDay {
    pub date: Date,
    pub kind: DayKind,
    pub name: String,
    pub basis: String,
    pub from_notice: bool,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CalendarImportReport {
    pub created: usize,
    pub updated: usize,
}

/// The stable message code of one notice-line problem (catalogue keys `error-calendar-*`).
pub fn problem_code(problem: &ParseProblem) -> &'static str {
    match problem {
        ParseProblem::FieldCount { .. } => "error-calendar-fields",
        ParseProblem::Date { .. } => "error-calendar-date",
        ParseProblem::Kind { .. } => "error-calendar-kind",
        ParseProblem::Empty { field: "name" } => "error-calendar-empty-name",
        ParseProblem::Empty { .. } => "error-calendar-empty-basis",
        ParseProblem::OffOnWeekend { .. } => "error-calendar-off-weekend",
        ParseProblem::WorkOnWeekday { .. } => "error-calendar-work-weekday",
        ParseProblem::Duplicate { .. } => "error-calendar-duplicate",
    }
}

/// The field name used for a problem on line `line` of an imported file (`line:12`).
pub fn line_field(line: usize) -> String {
    format!("line:{line}")
}

/// The due time as RFC 3339 at +07:00, the form the CLI and the API print.
pub fn format_instant(at: OffsetDateTime) -> String {
    at.to_offset(VIETNAM_OFFSET)
        .format(&Rfc3339)
        .unwrap_or_else(|_| at.to_string())
}

/// Parses an RFC 3339 instant (`2026-02-13T10:00:00+07:00`).
pub fn parse_instant(value: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(value.trim(), &Rfc3339).ok()
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(value: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let value = value.trim();
    (value.len() == 10)
        .then(|| Date::parse(value, &format).ok())
        .flatten()
}

fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

fn parse_hhmm(value: &str) -> Option<Time> {
    let format = time::macros::format_description!("[hour]:[minute]");
    Time::parse(value.trim(), &format).ok()
}

fn format_hhmm(value: Time) -> String {
    format!("{:02}:{:02}", value.hour(), value.minute())
}

fn to_input(entry: &DayOverride) -> CalendarOverrideInput {
    CalendarOverrideInput {
        date: format_date(entry.date),
        kind: entry.kind.as_str().to_owned(),
        name: entry.name.clone(),
        basis: entry.basis.clone(),
    }
}

/// A stored row back into the domain type; rows that no longer parse are skipped with a warning
/// rather than stopping every deadline computation.
fn from_row(row: &CalendarOverrideRow) -> Option<DayOverride> {
    let entry = parse_date(&row.date)
        .zip(DayKind::parse(&row.kind))
        .map(|(date, kind)| DayOverride {
            date,
            kind,
            name: row.name.clone(),
            basis: row.basis.clone(),
        });
    if entry.is_none() {
        tracing::warn!(date = %row.date, kind = %row.kind, "unreadable calendar override skipped");
    }
    entry
}

fn hours_from_row(row: &OfficeHoursRow) -> Option<OfficeHours> {
    let time = |v: &str| parse_hhmm(v);
    let hours = OfficeHours::new(
        (time(&row.morning_start)?, time(&row.morning_end)?),
        (time(&row.afternoon_start)?, time(&row.afternoon_end)?),
    )
    .ok()?
    .with_same_day_cutoff(time(&row.same_day_cutoff)?);
    Some(hours)
}

/// The form of an agency's hours, for editing (the defaults when it has none).
pub fn hours_form(hours: &OfficeHours) -> OfficeHoursForm {
    OfficeHoursForm {
        morning_start: format_hhmm(hours.morning().start),
        morning_end: format_hhmm(hours.morning().end),
        afternoon_start: format_hhmm(hours.afternoon().start),
        afternoon_end: format_hhmm(hours.afternoon().end),
        same_day_cutoff: format_hhmm(hours.same_day_cutoff()),
    }
}

impl OverrideForm {
    /// Checks the line with the same rules as an imported file and returns its first problem.
    pub fn validate(&self) -> Result<DayOverride, Vec<InvalidField>> {
        let one_line = |v: &str| v.replace(['\t', '\n', '\r'], " ");
        let line = format!(
            "{}\t{}\t{}\t{}",
            one_line(self.date.trim()),
            one_line(self.kind.trim()),
            one_line(&self.name),
            one_line(&self.basis)
        );
        let entry = match parse_overrides(&line) {
            Ok(mut entries) if entries.len() == 1 => entries.remove(0),
            Ok(_) => return Err(vec![InvalidField::new("date", "error-calendar-date")]),
            Err(error) => {
                let field = match error.problem {
                    ParseProblem::Date { .. } | ParseProblem::Duplicate { .. } => "date",
                    ParseProblem::Empty { field: "name" } => "name",
                    ParseProblem::Empty { .. } => "basis",
                    _ => "kind",
                };
                return Err(vec![InvalidField::new(field, problem_code(&error.problem))]);
            }
        };
        check_year(entry.date.year(), "date")?;
        Ok(entry)
    }
}

impl OfficeHoursForm {
    /// Checks the times and their order.
    pub fn validate(&self) -> Result<OfficeHours, Vec<InvalidField>> {
        let mut problems = Vec::new();
        let mut time = |field: &str, value: &str| {
            let parsed = parse_hhmm(value);
            if parsed.is_none() {
                problems.push(InvalidField::new(field, "error-calendar-time"));
            }
            parsed
        };
        let morning_start = time("morning_start", &self.morning_start);
        let morning_end = time("morning_end", &self.morning_end);
        let afternoon_start = time("afternoon_start", &self.afternoon_start);
        let afternoon_end = time("afternoon_end", &self.afternoon_end);
        let cutoff = time("same_day_cutoff", &self.same_day_cutoff);
        let (Some(ms), Some(me), Some(as_), Some(ae), Some(cutoff)) = (
            morning_start,
            morning_end,
            afternoon_start,
            afternoon_end,
            cutoff,
        ) else {
            return Err(problems);
        };
        let hours = OfficeHours::new((ms, me), (as_, ae)).map_err(|error| {
            let (field, code) = match error {
                OfficeHoursError::EmptyMorning => ("morning_end", "error-calendar-hours-order"),
                OfficeHoursError::EmptyAfternoon => ("afternoon_end", "error-calendar-hours-order"),
                _ => ("afternoon_start", "error-calendar-hours-overlap"),
            };
            vec![InvalidField::new(field, code)]
        })?;
        if cutoff < ms || cutoff > ae {
            return Err(vec![InvalidField::new(
                "same_day_cutoff",
                "error-calendar-cutoff",
            )]);
        }
        Ok(hours.with_same_day_cutoff(cutoff))
    }
}

fn check_year(year: i32, field: &str) -> Result<(), Vec<InvalidField>> {
    if SUPPORTED_YEARS.contains(&year) {
        Ok(())
    } else {
        Err(vec![InvalidField::new(field, "error-calendar-year")])
    }
}

/// Parses a whole notice file, collecting every bad line (up to [`MAX_REPORTED_LINES`]) as
/// `line:N` fields, where [`parse_overrides`] stops at the first.
pub fn parse_notice(text: &str) -> Result<Vec<DayOverride>, Vec<InvalidField>> {
    let mut problems = Vec::new();
    let mut entries: Vec<DayOverride> = Vec::new();
    let mut seen: std::collections::HashSet<Date> = std::collections::HashSet::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let content = raw.strip_prefix('\u{feff}').unwrap_or(raw);
        // Each line is checked on its own so that every problem is reported, not only the first.
        match parse_overrides(content) {
            Ok(parsed) => {
                for entry in parsed {
                    if !SUPPORTED_YEARS.contains(&entry.date.year()) {
                        problems.push(InvalidField::new(&line_field(line), "error-calendar-year"));
                    } else if seen.insert(entry.date) {
                        entries.push(entry);
                    } else {
                        problems.push(InvalidField::new(
                            &line_field(line),
                            "error-calendar-duplicate",
                        ));
                    }
                }
            }
            Err(error) => problems.push(InvalidField::new(
                &line_field(line),
                problem_code(&error.problem),
            )),
        }
        if problems.len() >= MAX_REPORTED_LINES {
            break;
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if entries.is_empty() {
        return Err(vec![InvalidField::new("file", "error-calendar-empty-file")]);
    }
    Ok(entries)
}

impl App {
    /// The yearly notice applies to every agency, so changing it needs CalendarManage over the
    /// whole tree: an administrator of one commune manages only that commune's office hours.
    async fn require_notice_admin(&self, actor: &Actor) -> AppResult<()> {
        self.require_over_whole_tree(actor, Permission::CalendarManage)
            .await
    }

    /// Loads the bundled notices (2024–2026) when no notice is stored yet, so a fresh
    /// installation computes the official days off. Returns how many entries were loaded.
    pub async fn seed_calendar(&self) -> AppResult<usize> {
        let bundled = bundled_overrides().map_err(|e| AppError::Internal(e.into()))?;
        let inputs: Vec<CalendarOverrideInput> = bundled.iter().map(to_input).collect();
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        let loaded = tx.seed_calendar_overrides(&inputs, now).await?;
        if loaded > 0 {
            tx.append_audit(
                &Actor::system().audit("calendar.seed", None, json!({ "entries": loaded })),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        if loaded > 0 {
            self.calendar_cache.invalidate();
        }
        Ok(loaded)
    }

    /// Reads the cache, loading it when empty or expired.
    async fn calendar_data(&self) -> AppResult<(Arc<Vec<DayOverride>>, HashMap<i64, OfficeHours>)> {
        {
            let guard = self
                .calendar_cache
                .inner
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some(cached) = guard.as_ref()
                && cached.loaded.elapsed() < CACHE_TTL
            {
                return Ok((cached.overrides.clone(), cached.hours.clone()));
            }
        }
        let generation = self.calendar_cache.generation.load(Ordering::SeqCst);
        let rows = self.store.list_calendar_overrides().await?;
        let overrides: Arc<Vec<DayOverride>> = Arc::new(rows.iter().filter_map(from_row).collect());
        let hours: HashMap<i64, OfficeHours> = self
            .store
            .list_office_hours()
            .await?
            .iter()
            .filter_map(|row| hours_from_row(row).map(|h| (row.unit_id, h)))
            .collect();
        let mut guard = self
            .calendar_cache
            .inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if self.calendar_cache.generation.load(Ordering::SeqCst) == generation {
            *guard = Some(Cached {
                loaded: Instant::now(),
                overrides: overrides.clone(),
                hours: hours.clone(),
                calendars: HashMap::new(),
            });
        }
        Ok((overrides, hours))
    }

    /// The working calendar of an agency (by its electronic code), using its own office hours or
    /// those of its nearest ancestor that has some, else the default hours. `None`: the default.
    ///
    /// # Errors
    /// `Invalid(agency)` when no unit has that code.
    pub async fn work_calendar(&self, agency: Option<&str>) -> AppResult<Arc<WorkCalendar>> {
        let path = match agency.map(str::trim).filter(|c| !c.is_empty()) {
            Some(code) => Some(
                self.store
                    .get_unit_by_code(code)
                    .await
                    .map_err(|_| AppError::invalid("agency", "error-calendar-agency"))?
                    .path,
            ),
            None => None,
        };
        self.work_calendar_at(path.as_deref()).await
    }

    /// The working calendar of the unit with this stored path (`/1/5/23/`), for callers that
    /// already hold the path (a dossier's agency) and need not look the unit up again.
    pub async fn work_calendar_at(&self, path: Option<&str>) -> AppResult<Arc<WorkCalendar>> {
        let (overrides, hours) = self.calendar_data().await?;
        // The path lists the ids from the root down: the deepest with hours wins.
        let unit = path.and_then(|path| {
            path.split('/')
                .filter_map(|id| id.parse::<i64>().ok())
                .rev()
                .find(|id| hours.contains_key(id))
        });
        let mut guard = self
            .calendar_cache
            .inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Only a cache filled by the same load as `overrides` and `hours` may keep the calendar.
        if let Some(cached) = guard
            .as_mut()
            .filter(|cached| Arc::ptr_eq(&cached.overrides, &overrides))
        {
            if let Some(calendar) = cached.calendars.get(&unit) {
                return Ok(calendar.clone());
            }
            let office = unit
                .and_then(|id| hours.get(&id).cloned())
                .unwrap_or_default();
            let calendar = Arc::new(WorkCalendar::new(office, overrides.to_vec()));
            cached.calendars.insert(unit, calendar.clone());
            return Ok(calendar);
        }
        let office = unit
            .and_then(|id| hours.get(&id).cloned())
            .unwrap_or_default();
        Ok(Arc::new(WorkCalendar::new(office, overrides.to_vec())))
    }

    /// The appointment for something received at `from` with the given processing time.
    ///
    /// # Errors
    /// `Invalid(agency)` for an unknown agency, `Invalid(from)` when the computation leaves the
    /// supported years.
    pub async fn calendar_due(
        &self,
        agency: Option<&str>,
        from: OffsetDateTime,
        time: ProcessingTime,
    ) -> AppResult<OffsetDateTime> {
        let calendar = self.work_calendar(agency).await?;
        calendar
            .due(from, time)
            .map_err(|_| AppError::invalid("from", "error-calendar-year"))
    }

    /// The days off of a year (holidays, also on weekends, and nghỉ bù), by date.
    pub async fn calendar_days_off(&self, year: i32) -> AppResult<Vec<DayOff>> {
        check_year(year, "year").map_err(AppError::Invalid)?;
        Ok(self.work_calendar(None).await?.days_off(year))
    }

    /// The year as the administration page shows it: every day off and every làm bù day, each
    /// marked when a stored notice entry decides it.
    pub async fn calendar_year(&self, year: i32) -> AppResult<Vec<CalendarDay>> {
        check_year(year, "year").map_err(AppError::Invalid)?;
        let stored = self.store.list_calendar_overrides_in_year(year).await?;
        let calendar = self.work_calendar(None).await?;
        let mut days: BTreeMap<Date, CalendarDay> = calendar
            .days_off(year)
            .into_iter()
            .map(|d| {
                (
                    d.date,
                    CalendarDay {
                        date: d.date,
                        kind: d.kind,
                        name: d.name,
                        basis: d.basis,
                        from_notice: false,
                    },
                )
            })
            .collect();
        for entry in stored.iter().filter_map(from_row) {
            let day = days.entry(entry.date).or_insert_with(|| CalendarDay {
                date: entry.date,
                kind: entry.kind,
                name: entry.name.clone(),
                basis: entry.basis.clone(),
                from_notice: true,
            });
            day.from_notice = true;
        }
        Ok(days.into_values().collect())
    }

    /// The lunar date of a solar date.
    pub fn lunar_date(&self, date: Date) -> AppResult<LunarDate> {
        solar_to_lunar(date).ok_or_else(|| AppError::invalid("date", "error-calendar-year"))
    }

    /// Adds or changes one entry of the notice. Returns the entry and whether it was new.
    pub async fn set_calendar_override(
        &self,
        actor: &Actor,
        form: &OverrideForm,
    ) -> AppResult<(DayOverride, bool)> {
        self.require_notice_admin(actor).await?;
        let entry = form.validate().map_err(AppError::Invalid)?;
        let input = to_input(&entry);
        let previous = self.store.get_calendar_override(&input.date).await.ok();
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        let created = tx
            .upsert_calendar_override(&input, official_id(actor), now)
            .await?;
        tx.append_audit(
            &actor.audit(
                "calendar.override.set",
                Some(format!("date:{}", input.date)),
                json!({
                    "kind": input.kind, "name": input.name, "basis": input.basis,
                    "previous": previous.map(|p| json!({ "kind": p.kind, "name": p.name, "basis": p.basis })),
                }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        self.calendar_cache.invalidate();
        Ok((entry, created))
    }

    /// Deletes one entry of the notice; the computed default applies to that date again.
    pub async fn delete_calendar_override(&self, actor: &Actor, date: &str) -> AppResult<()> {
        self.require_notice_admin(actor).await?;
        let date =
            parse_date(date).ok_or_else(|| AppError::invalid("date", "error-calendar-date"))?;
        let key = format_date(date);
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        let removed = tx.delete_calendar_override(&key).await?;
        tx.append_audit(
            &actor.audit(
                "calendar.override.delete",
                Some(format!("date:{key}")),
                json!({ "kind": removed.kind, "name": removed.name, "basis": removed.basis }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        self.calendar_cache.invalidate();
        Ok(())
    }

    /// Imports a notice file (the `data/calendar/YYYY.tsv` format): every line is checked first
    /// and nothing is written unless all are valid; then each entry is added or replaced.
    pub async fn import_calendar(
        &self,
        actor: &Actor,
        text: &str,
    ) -> AppResult<CalendarImportReport> {
        self.require_notice_admin(actor).await?;
        let entries = parse_notice(text).map_err(AppError::Invalid)?;
        let now = self.now_micros();
        let by = official_id(actor);
        let mut report = CalendarImportReport::default();
        let mut tx = self.store.begin().await?;
        for entry in &entries {
            if tx
                .upsert_calendar_override(&to_input(entry), by, now)
                .await?
            {
                report.created += 1;
            } else {
                report.updated += 1;
            }
        }
        let mut years: Vec<i32> = entries.iter().map(|e| e.date.year()).collect();
        years.sort_unstable();
        years.dedup();
        tx.append_audit(
            &actor.audit(
                "calendar.import",
                None,
                json!({ "created": report.created, "updated": report.updated, "years": years }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        self.calendar_cache.invalidate();
        Ok(report)
    }

    /// The office hours of a unit: its own, or `None` when it uses the default or an ancestor's.
    pub async fn office_hours(&self, unit_id: i64) -> AppResult<Option<OfficeHours>> {
        Ok(self
            .store
            .get_office_hours(unit_id)
            .await?
            .as_ref()
            .and_then(hours_from_row))
    }

    /// Every unit that has its own office hours, with them (public information).
    pub async fn list_office_hours(&self) -> AppResult<Vec<(i64, OfficeHours)>> {
        Ok(self
            .store
            .list_office_hours()
            .await?
            .iter()
            .filter_map(|row| hours_from_row(row).map(|h| (row.unit_id, h)))
            .collect())
    }

    /// Sets a unit's office hours; needs CalendarManage over that unit.
    pub async fn set_office_hours(
        &self,
        actor: &Actor,
        unit_id: i64,
        form: &OfficeHoursForm,
    ) -> AppResult<OfficeHours> {
        let unit = self.store.get_unit(unit_id).await?;
        actor.require_at(Permission::CalendarManage, &unit.path)?;
        let hours = form.validate().map_err(AppError::Invalid)?;
        let normalised = hours_form(&hours);
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        tx.set_office_hours(&OfficeHoursRow {
            unit_id,
            morning_start: normalised.morning_start.clone(),
            morning_end: normalised.morning_end.clone(),
            afternoon_start: normalised.afternoon_start.clone(),
            afternoon_end: normalised.afternoon_end.clone(),
            same_day_cutoff: normalised.same_day_cutoff.clone(),
            updated_at: now,
        })
        .await?;
        tx.append_audit(
            &actor.audit(
                "calendar.office_hours.set",
                Some(format!("unit:{unit_id}")),
                json!(normalised),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        self.calendar_cache.invalidate();
        Ok(hours)
    }

    /// Returns a unit to the inherited or default office hours.
    pub async fn reset_office_hours(&self, actor: &Actor, unit_id: i64) -> AppResult<()> {
        let unit = self.store.get_unit(unit_id).await?;
        actor.require_at(Permission::CalendarManage, &unit.path)?;
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        if !tx.delete_office_hours(unit_id).await? {
            return Err(AppError::NotFound);
        }
        tx.append_audit(
            &actor.audit(
                "calendar.office_hours.reset",
                Some(format!("unit:{unit_id}")),
                json!({}),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        self.calendar_cache.invalidate();
        Ok(())
    }
}

fn official_id(actor: &Actor) -> Option<i64> {
    match actor.principal {
        Principal::Official { official_id, .. } => Some(official_id),
        _ => None,
    }
}

#[cfg(test)]
#[path = "calendar_tests.rs"]
mod tests;
