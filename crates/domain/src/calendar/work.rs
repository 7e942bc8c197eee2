//! The working calendar of one agency: which days are worked and how much working time lies
//! between two instants.
//!
//! A [`WorkCalendar`] combines the agency's [`OfficeHours`] with the official notices
//! ([`DayOverride`]s). A day is a working day when a notice makes it one (làm bù), otherwise when
//! it is not a day off (see [`super::holidays`]) and its weekday is a working weekday. All
//! computations happen in Vietnam's local time, UTC+7 (no daylight saving); instants in any
//! offset are accepted and converted. Results are given at +07:00.
//!
//! Each year's days off are computed once and kept in a small cache, so the calendar can be
//! shared between threads (`Arc<WorkCalendar>`) and queried in loops.

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError, RwLock};

use time::macros::offset;
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use super::deadline::DeadlineError;
use super::holidays::{self, DayOff, YearSchedule};
use super::hours::{OfficeHours, Session};
use super::lunar::SUPPORTED_YEARS;
use super::overrides::DayOverride;

/// Vietnam's offset from UTC (giờ Đông Dương, UTC+7, no daylight saving).
pub const VIETNAM_OFFSET: UtcOffset = offset!(+7);

/// An agency's working calendar.
#[derive(Debug)]
pub struct WorkCalendar {
    hours: OfficeHours,
    overrides: Vec<DayOverride>,
    cache: RwLock<BTreeMap<i32, Arc<YearSchedule>>>,
}

impl Clone for WorkCalendar {
    fn clone(&self) -> Self {
        Self::new(self.hours.clone(), self.overrides.clone())
    }
}

/// A point inside a working session: the day, which session (0 morning, 1 afternoon) and the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Position {
    pub(crate) date: Date,
    pub(crate) session: usize,
    pub(crate) time: Time,
}

impl WorkCalendar {
    /// A calendar from office hours and the notices to apply. When two notice entries share a
    /// date, the later one in the list wins (parsed files never contain duplicates).
    pub fn new(hours: OfficeHours, overrides: Vec<DayOverride>) -> Self {
        let mut by_date: BTreeMap<Date, DayOverride> = BTreeMap::new();
        for entry in overrides {
            by_date.insert(entry.date, entry);
        }
        Self {
            hours,
            overrides: by_date.into_values().collect(),
            cache: RwLock::new(BTreeMap::new()),
        }
    }

    pub fn office_hours(&self) -> &OfficeHours {
        &self.hours
    }

    /// The notice entries in force, sorted by date.
    pub fn overrides(&self) -> &[DayOverride] {
        &self.overrides
    }

    /// The days off of a year, as [`holidays::days_off`] lists them.
    pub fn days_off(&self, year: i32) -> Vec<DayOff> {
        holidays::days_off(year, &self.overrides)
    }

    /// Whether the date is a working day for this agency.
    ///
    /// Outside [`SUPPORTED_YEARS`] the lunar holidays are unknown and not counted.
    pub fn is_working_day(&self, date: Date) -> bool {
        let schedule = self.schedule(date.year());
        if schedule.work.contains(&date) {
            return true;
        }
        if schedule.off.contains_key(&date) {
            return false;
        }
        self.hours.works_on(date.weekday())
    }

    /// The first working day strictly after `date`, or `None` past the supported years.
    pub fn next_working_day(&self, date: Date) -> Option<Date> {
        self.next_working_day_checked(date).ok()
    }

    /// Closing time on `date` at +07:00, or `None` if it is not a working day.
    pub fn closing_on(&self, date: Date) -> Option<OffsetDateTime> {
        self.is_working_day(date).then(|| {
            PrimitiveDateTime::new(date, self.hours.closing()).assume_offset(VIETNAM_OFFSET)
        })
    }

    /// Working time between two instants: the parts of `[from, to]` that lie inside office
    /// hours on working days. Zero when `to` is not after `from`.
    pub fn working_hours_between(&self, from: OffsetDateTime, to: OffsetDateTime) -> Duration {
        let (Ok(from), Ok(to)) = (to_local(from), to_local(to)) else {
            return Duration::ZERO;
        };
        if to <= from {
            return Duration::ZERO;
        }
        let mut total = Duration::ZERO;
        let mut date = from.date();
        while date <= to.date() {
            if self.is_working_day(date) {
                for session in self.hours.sessions() {
                    let start = PrimitiveDateTime::new(date, session.start).max(from);
                    let end = PrimitiveDateTime::new(date, session.end).min(to);
                    if end > start {
                        total += end - start;
                    }
                }
            }
            let Some(next) = date.next_day() else { break };
            date = next;
        }
        total
    }

    /// The first working instant at or after `at` (session ends count as inside).
    pub(crate) fn align(&self, at: PrimitiveDateTime) -> Result<Position, DeadlineError> {
        check_year(at.date())?;
        if self.is_working_day(at.date()) {
            for (index, session) in self.hours.sessions().into_iter().enumerate() {
                if at.time() <= session.end {
                    return Ok(Position {
                        date: at.date(),
                        session: index,
                        time: at.time().max(session.start),
                    });
                }
            }
        }
        let date = self.next_working_day_checked(at.date())?;
        Ok(self.opening_of(date))
    }

    /// Adds working time to an instant, rolling over the lunch break and closed days. A result
    /// that uses up a session exactly is that session's end (e.g. 17:00), not the next opening.
    pub(crate) fn add_working(
        &self,
        from: PrimitiveDateTime,
        amount: Duration,
    ) -> Result<PrimitiveDateTime, DeadlineError> {
        let mut position = self.align(from)?;
        let mut left = amount.max(Duration::ZERO);
        loop {
            let session = self.session(position.session);
            let available = session.end - position.time;
            if left <= available {
                return Ok(PrimitiveDateTime::new(position.date, position.time + left));
            }
            left -= available;
            position = if position.session == 0 {
                Position {
                    date: position.date,
                    session: 1,
                    time: self.hours.afternoon().start,
                }
            } else {
                self.opening_of(self.next_working_day_checked(position.date)?)
            };
        }
    }

    /// The first working day strictly after `date`, failing past the supported years.
    pub(crate) fn next_working_day_checked(&self, date: Date) -> Result<Date, DeadlineError> {
        let mut day = date;
        loop {
            day = day
                .next_day()
                .ok_or(DeadlineError::OutOfRange { year: date.year() })?;
            check_year(day)?;
            if self.is_working_day(day) {
                return Ok(day);
            }
        }
    }

    fn opening_of(&self, date: Date) -> Position {
        Position {
            date,
            session: 0,
            time: self.hours.morning().start,
        }
    }

    fn session(&self, index: usize) -> Session {
        if index == 0 {
            self.hours.morning()
        } else {
            self.hours.afternoon()
        }
    }

    fn schedule(&self, year: i32) -> Arc<YearSchedule> {
        if let Some(found) = self
            .cache
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&year)
        {
            return Arc::clone(found);
        }
        let computed = Arc::new(holidays::schedule(year, &self.overrides));
        let mut cache = self.cache.write().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(cache.entry(year).or_insert(computed))
    }
}

/// Fails for dates outside the years whose holidays are known.
pub(crate) fn check_year(date: Date) -> Result<(), DeadlineError> {
    if SUPPORTED_YEARS.contains(&date.year()) {
        Ok(())
    } else {
        Err(DeadlineError::OutOfRange { year: date.year() })
    }
}

/// An instant as local (UTC+7) wall-clock time.
pub(crate) fn to_local(at: OffsetDateTime) -> Result<PrimitiveDateTime, DeadlineError> {
    at.checked_to_offset(VIETNAM_OFFSET)
        .map(|local| PrimitiveDateTime::new(local.date(), local.time()))
        .ok_or(DeadlineError::OutOfRange { year: at.year() })
}

/// Local wall-clock time as an instant at +07:00.
pub(crate) fn from_local(at: PrimitiveDateTime) -> OffsetDateTime {
    at.assume_offset(VIETNAM_OFFSET)
}

/// The local calendar date of an instant (its own date if it cannot be converted).
pub(crate) fn local_date(at: OffsetDateTime) -> Date {
    to_local(at).map_or(at.date(), |local| local.date())
}
