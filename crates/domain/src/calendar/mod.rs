//! Working-day calendar: lunar dates, public holidays, office hours and appointment dates.
//!
//! Deadlines are computed, never typed (SPEC §2.5). The pieces, each in its own file:
//! - [`lunar`]: the Vietnamese lunar calendar (UTC+7), for Tết and Giỗ Tổ Hùng Vương.
//! - [`holidays`]: the Labour Code holidays with their computed defaults (Tết days, Quốc khánh's
//!   adjacent day, nghỉ bù), overridden by each year's official notice.
//! - [`overrides`]: that notice as data (`data/calendar/YYYY.tsv`) and its parser.
//! - [`hours`]: an agency's office hours.
//! - [`WorkCalendar`] (`work`, `deadline`): working days, working time, appointment dates,
//!   pauses, the one-time extension, and early/on-time/late judgements.
//!
//! ```
//! use motcua_domain::calendar::{OfficeHours, ProcessingTime, WorkCalendar, bundled_overrides};
//! use time::macros::datetime;
//!
//! let overrides = bundled_overrides().expect("shipped notices parse");
//! let calendar = WorkCalendar::new(OfficeHours::default(), overrides);
//! // Friday before Tết Bính Ngọ, 10:00: 5 working hours left that day, 3 more after the holiday.
//! let due = calendar
//!     .due(datetime!(2026-02-13 10:00 +7), ProcessingTime::WorkingDays(1))
//!     .expect("2026 is a supported year");
//! assert_eq!(due, datetime!(2026-02-23 10:00 +7));
//! ```
//!
//! Everything here is pure: no I/O, no clock. Callers pass "now" in.

mod astro;
pub mod deadline;
pub mod holidays;
pub mod hours;
pub mod lunar;
pub mod overrides;
mod work;

#[cfg(test)]
mod tests;

pub use deadline::{
    Appointment, DeadlineError, ExtensionError, OpenStatus, ProcessingTime, Timeliness, classify,
};
pub use holidays::{DayOff, days_off, national_day_companion};
pub use hours::{OfficeHours, OfficeHoursError, Session};
pub use lunar::{LunarDate, hung_kings, lunar_to_solar, solar_to_lunar, tet};
pub use overrides::{
    DayKind, DayOverride, ParseError, ParseProblem, bundled_overrides, format_overrides,
    parse_overrides,
};
pub use work::{VIETNAM_OFFSET, WorkCalendar};
