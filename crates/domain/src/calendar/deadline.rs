//! Appointment dates (ngày hẹn trả kết quả): computing them, pausing them, extending them once,
//! and judging a dossier against them.
//!
//! Rules (vn-legal §4, §1.3):
//! - **Start.** A receipt before opening counts from opening, during lunch from the afternoon
//!   start, after closing or on a day off from the next working morning.
//! - **Working days / hours.** N working days are N × 8 working hours (the agency's
//!   [`OfficeHours::working_day`](super::OfficeHours::working_day)), counted inside office hours only. The due time is where the
//!   count ends; if it ends exactly at a session's end it is that end: 1 working day from Monday
//!   07:00 is due Monday 17:00, not Tuesday 07:00. It never falls on a day off or outside office
//!   hours.
//! - **Same day** (trong ngày): due at closing time the same day if the (aligned) receipt is
//!   before the cut-off (15:00), otherwise at closing of the next working day.
//! - **Calendar days** (ngày): due at closing time on the day N days after the receipt date,
//!   moved forward to the next working day if that day is not one (and never before the
//!   receipt: 0 days after closing means the next working day).
//! - **Pause** (yêu cầu bổ sung): the due time moves by the working time the pause covered.
//! - **Extension** (Mẫu 04, xin lỗi và hẹn lại): once, requested before the current due time.
//! - **Judgement** at date granularity: finished on an earlier day = early (trước hạn), on the due
//!   day = on time (đúng hạn), later = late (quá hạn). Open dossiers are overdue from the day after
//!   the due day and "due soon" within one working day of it.

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime};

use super::work::{WorkCalendar, check_year, from_local, local_date, to_local};
use crate::procedure::{TimeLimit, TimeUnit};

/// How long a procedure may take (thời hạn giải quyết).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "unit", content = "value")]
pub enum ProcessingTime {
    /// Ngày làm việc.
    WorkingDays(u32),
    /// Giờ làm việc.
    WorkingHours(u32),
    /// Ngày (calendar days).
    CalendarDays(u32),
    /// Trong ngày.
    SameDay,
}

impl From<TimeLimit> for ProcessingTime {
    fn from(limit: TimeLimit) -> Self {
        match limit.unit {
            TimeUnit::WorkingDays => Self::WorkingDays(limit.value),
            TimeUnit::WorkingHours => Self::WorkingHours(limit.value),
            TimeUnit::CalendarDays => Self::CalendarDays(limit.value),
            TimeUnit::SameDay => Self::SameDay,
        }
    }
}

/// A deadline computation left the years whose holidays are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DeadlineError {
    #[error("the computation reaches year {year}, outside the supported years 1900–2199")]
    OutOfRange { year: i32 },
}

/// Why an extension was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ExtensionError {
    #[error("the appointment was already extended once")]
    AlreadyExtended,
    #[error("the extension must be requested before the current due time")]
    PastDue,
    #[error("the new due time must be later than the current one")]
    NotLater,
    #[error("the new date is not a working day")]
    NotAWorkingDay,
}

/// Result of a finished dossier against its appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    /// Trước hạn.
    Early,
    /// Đúng hạn.
    OnTime,
    /// Quá hạn.
    Late,
}

impl Timeliness {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Early => "early",
            Self::OnTime => "on_time",
            Self::Late => "late",
        }
    }
}

/// State of an open dossier against its appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpenStatus {
    /// Quá hạn: today is after the due day.
    Overdue,
    /// Sắp đến hạn: at most one working day of working time left, or the due day itself.
    DueSoon,
    /// Trong hạn.
    InTime,
}

impl OpenStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Overdue => "overdue",
            Self::DueSoon => "due_soon",
            Self::InTime => "in_time",
        }
    }
}

/// Early / on time / late at date granularity (local dates, UTC+7).
pub fn classify(completed_at: OffsetDateTime, due: OffsetDateTime) -> Timeliness {
    let (completed, due) = (local_date(completed_at), local_date(due));
    match completed.cmp(&due) {
        std::cmp::Ordering::Less => Timeliness::Early,
        std::cmp::Ordering::Equal => Timeliness::OnTime,
        std::cmp::Ordering::Greater => Timeliness::Late,
    }
}

impl WorkCalendar {
    /// The appointment for a dossier received at `received_at` (see the module rules).
    ///
    /// # Errors
    /// [`DeadlineError::OutOfRange`] if the computation leaves the supported years.
    pub fn due(
        &self,
        received_at: OffsetDateTime,
        time: ProcessingTime,
    ) -> Result<OffsetDateTime, DeadlineError> {
        let received = to_local(received_at)?;
        let due = match time {
            ProcessingTime::WorkingDays(days) => {
                let seconds = self.office_hours().working_day().whole_seconds();
                self.add_working(received, Duration::seconds(seconds * i64::from(days)))?
            }
            ProcessingTime::WorkingHours(hours) => {
                self.add_working(received, Duration::hours(i64::from(hours)))?
            }
            ProcessingTime::CalendarDays(days) => self.calendar_days(received, days)?,
            ProcessingTime::SameDay => self.same_day(received)?,
        };
        Ok(from_local(due))
    }

    /// The due time after a pause: `due` moved forward by the working time between `paused_at`
    /// and `resumed_at`. A pause that covers no working time returns `due` unchanged.
    ///
    /// # Errors
    /// [`DeadlineError::OutOfRange`] if the new due time leaves the supported years.
    pub fn resume(
        &self,
        due: OffsetDateTime,
        paused_at: OffsetDateTime,
        resumed_at: OffsetDateTime,
    ) -> Result<OffsetDateTime, DeadlineError> {
        let paused = self.working_hours_between(paused_at, resumed_at);
        if paused <= Duration::ZERO {
            return Ok(due);
        }
        Ok(from_local(self.add_working(to_local(due)?, paused)?))
    }

    /// Overdue, due soon or in time, for a dossier still open at `now`.
    pub fn status_at(&self, now: OffsetDateTime, due: OffsetDateTime) -> OpenStatus {
        if local_date(now) > local_date(due) {
            return OpenStatus::Overdue;
        }
        if self.working_hours_between(now, due) <= self.office_hours().working_day() {
            OpenStatus::DueSoon
        } else {
            OpenStatus::InTime
        }
    }

    /// Extends an appointment to closing time on `new_date` (Mẫu 04).
    ///
    /// # Errors
    /// `new_date` is not a working day, or [`Appointment::extend`] refuses.
    pub fn extend_to(
        &self,
        appointment: &Appointment,
        requested_at: OffsetDateTime,
        new_date: Date,
    ) -> Result<Appointment, ExtensionError> {
        let new_due = self
            .closing_on(new_date)
            .ok_or(ExtensionError::NotAWorkingDay)?;
        appointment.extend(requested_at, new_due)
    }

    fn calendar_days(
        &self,
        received: PrimitiveDateTime,
        days: u32,
    ) -> Result<PrimitiveDateTime, DeadlineError> {
        let out_of_range = DeadlineError::OutOfRange {
            year: received.year(),
        };
        let target = received
            .date()
            .checked_add(Duration::days(i64::from(days)))
            .ok_or(out_of_range)?;
        check_year(target)?;
        let mut day = if self.is_working_day(target) {
            target
        } else {
            self.next_working_day_checked(target)?
        };
        let closing = self.office_hours().closing();
        if PrimitiveDateTime::new(day, closing) < received {
            day = self.next_working_day_checked(day)?;
        }
        Ok(PrimitiveDateTime::new(day, closing))
    }

    fn same_day(&self, received: PrimitiveDateTime) -> Result<PrimitiveDateTime, DeadlineError> {
        let start = self.align(received)?;
        let day = if start.time < self.office_hours().same_day_cutoff() {
            start.date
        } else {
            self.next_working_day_checked(start.date)?
        };
        Ok(PrimitiveDateTime::new(day, self.office_hours().closing()))
    }
}

/// An appointment that may be extended once (Mẫu 04 "xin lỗi và hẹn lại ngày trả kết quả").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Appointment {
    original_due: OffsetDateTime,
    due: OffsetDateTime,
    extended: bool,
}

impl Appointment {
    /// A fresh appointment.
    pub fn new(due: OffsetDateTime) -> Self {
        Self {
            original_due: due,
            due,
            extended: false,
        }
    }

    /// An appointment as stored: the first due time, the current one, and whether it was
    /// extended.
    pub fn from_parts(original_due: OffsetDateTime, due: OffsetDateTime, extended: bool) -> Self {
        Self {
            original_due,
            due,
            extended,
        }
    }

    /// The current due time.
    pub fn due(&self) -> OffsetDateTime {
        self.due
    }

    /// The due time first given on the receipt (Mẫu 01).
    pub fn original_due(&self) -> OffsetDateTime {
        self.original_due
    }

    pub fn is_extended(&self) -> bool {
        self.extended
    }

    /// The appointment with a new due time.
    ///
    /// # Errors
    /// Already extended once; requested at or after the current due time; or a new due time
    /// that is not later than the current one.
    pub fn extend(
        &self,
        requested_at: OffsetDateTime,
        new_due: OffsetDateTime,
    ) -> Result<Self, ExtensionError> {
        if self.extended {
            return Err(ExtensionError::AlreadyExtended);
        }
        if requested_at >= self.due {
            return Err(ExtensionError::PastDue);
        }
        if new_due <= self.due {
            return Err(ExtensionError::NotLater);
        }
        Ok(Self {
            due: new_due,
            extended: true,
            ..*self
        })
    }

    /// The appointment after a pause (see [`WorkCalendar::resume`]); the original due time and
    /// the extension flag are kept.
    ///
    /// # Errors
    /// [`DeadlineError::OutOfRange`] if the new due time leaves the supported years.
    pub fn paused(
        &self,
        calendar: &WorkCalendar,
        paused_at: OffsetDateTime,
        resumed_at: OffsetDateTime,
    ) -> Result<Self, DeadlineError> {
        Ok(Self {
            due: calendar.resume(self.due, paused_at, resumed_at)?,
            ..*self
        })
    }
}
