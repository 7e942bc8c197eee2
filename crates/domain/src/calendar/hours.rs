//! Office hours (giờ làm việc) of an agency: the two daily sessions, the working weekdays, how
//! many working hours make a working day and the cut-off for same-day procedures.
//!
//! Deadlines run only inside office hours, so every agency states its own: the default is the
//! common provincial schedule 07:00–11:30 and 13:30–17:00, Monday to Friday, 8 working hours to a
//! working day, same-day cut-off 15:00 (vn-legal §4). Values are checked once, at construction.

use time::macros::time;
use time::{Duration, Time, Weekday};

/// A working session, `start` inclusive to `end` inclusive (the closing instant still counts as
/// inside office hours, so a deadline can fall exactly on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Session {
    pub start: Time,
    pub end: Time,
}

impl Session {
    /// Working time in the session.
    pub fn length(&self) -> Duration {
        self.end - self.start
    }
}

/// Why office hours were rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfficeHoursError {
    #[error("the morning session must start before it ends")]
    EmptyMorning,
    #[error("the afternoon session must start before it ends")]
    EmptyAfternoon,
    #[error("the afternoon session must not start before the morning session ends")]
    Overlap,
    #[error("at least one weekday must be a working day")]
    NoWorkingWeekday,
    #[error("a working day must be between 1 minute and 24 hours of working time")]
    DayLength,
}

/// An agency's office hours.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OfficeHours {
    morning: Session,
    afternoon: Session,
    /// Indexed by `Weekday::number_days_from_monday`.
    weekdays: [bool; 7],
    working_day: Duration,
    same_day_cutoff: Time,
}

impl Default for OfficeHours {
    /// 07:00–11:30 and 13:30–17:00, Monday to Friday, 8 hours a working day, cut-off 15:00.
    fn default() -> Self {
        Self {
            morning: Session {
                start: time!(07:00),
                end: time!(11:30),
            },
            afternoon: Session {
                start: time!(13:30),
                end: time!(17:00),
            },
            weekdays: [true, true, true, true, true, false, false],
            working_day: Duration::hours(8),
            same_day_cutoff: time!(15:00),
        }
    }
}

impl OfficeHours {
    /// Office hours with the given sessions and the other defaults (Monday–Friday, 8-hour
    /// working day, same-day cut-off 15:00). A schedule without a lunch break uses
    /// `morning.1 == afternoon.0`.
    ///
    /// # Errors
    /// A session that does not start before it ends, or an afternoon that starts before the
    /// morning ends.
    pub fn new(morning: (Time, Time), afternoon: (Time, Time)) -> Result<Self, OfficeHoursError> {
        if morning.0 >= morning.1 {
            return Err(OfficeHoursError::EmptyMorning);
        }
        if afternoon.0 >= afternoon.1 {
            return Err(OfficeHoursError::EmptyAfternoon);
        }
        if afternoon.0 < morning.1 {
            return Err(OfficeHoursError::Overlap);
        }
        Ok(Self {
            morning: Session {
                start: morning.0,
                end: morning.1,
            },
            afternoon: Session {
                start: afternoon.0,
                end: afternoon.1,
            },
            ..Self::default()
        })
    }

    /// Replaces the weekly working days (default Monday–Friday). Holidays and nghỉ bù are still
    /// computed against the civil servants' Saturday–Sunday weekend.
    ///
    /// # Errors
    /// An empty list.
    pub fn with_weekdays(mut self, days: &[Weekday]) -> Result<Self, OfficeHoursError> {
        if days.is_empty() {
            return Err(OfficeHoursError::NoWorkingWeekday);
        }
        self.weekdays = [false; 7];
        for day in days {
            if let Some(slot) = self
                .weekdays
                .get_mut(usize::from(day.number_days_from_monday()))
            {
                *slot = true;
            }
        }
        Ok(self)
    }

    /// Replaces the working time that counts as one working day (default 8 hours). When the
    /// daily sessions add up to something else, "N working days" still means N times this much
    /// working time, as in the provincial systems that store durations in hours.
    ///
    /// # Errors
    /// Zero, negative or more than 24 hours.
    pub fn with_working_day(mut self, length: Duration) -> Result<Self, OfficeHoursError> {
        if length < Duration::minutes(1) || length > Duration::hours(24) {
            return Err(OfficeHoursError::DayLength);
        }
        self.working_day = length;
        Ok(self)
    }

    /// Replaces the same-day cut-off (default 15:00): receipts from this time on are due at the
    /// next working day's closing.
    pub fn with_same_day_cutoff(mut self, cutoff: Time) -> Self {
        self.same_day_cutoff = cutoff;
        self
    }

    pub fn morning(&self) -> Session {
        self.morning
    }

    pub fn afternoon(&self) -> Session {
        self.afternoon
    }

    /// Opening time (start of the morning session).
    pub fn opening(&self) -> Time {
        self.morning.start
    }

    /// Closing time (end of the afternoon session).
    pub fn closing(&self) -> Time {
        self.afternoon.end
    }

    /// Whether the weekday is a regular working day (before holidays and notices).
    pub fn works_on(&self, weekday: Weekday) -> bool {
        self.weekdays
            .get(usize::from(weekday.number_days_from_monday()))
            .copied()
            .unwrap_or(false)
    }

    /// Working time that counts as one working day.
    pub fn working_day(&self) -> Duration {
        self.working_day
    }

    pub fn same_day_cutoff(&self) -> Time {
        self.same_day_cutoff
    }

    /// The two sessions in order.
    pub(crate) fn sessions(&self) -> [Session; 2] {
        [self.morning, self.afternoon]
    }
}
