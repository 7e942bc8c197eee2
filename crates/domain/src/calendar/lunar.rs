//! Vietnamese lunar calendar (âm lịch), computed for UTC+7.
//!
//! Two public holidays are lunar dates: Tết Nguyên Đán (mùng 1 tháng Giêng, with the days around
//! it) and Giỗ Tổ Hùng Vương (10 tháng 3). Vietnam computes its calendar for UTC+7, so in some years
//! it differs from the Chinese calendar (UTC+8): Tết 2007 is 17/02 (China 18/02), Tết 1985 is
//! 21/01 (China 20/02), Tết 2030 is 02/02 (China 03/02), and 2023 has a leap second month here.
//!
//! Rules: a month starts on the local day of a new moon; the month containing the December
//! solstice is month 11; a year from one solstice month to the next with 13 months has a leap
//! month, the first of them without a major solar term (tiết khí "trung khí"), numbered like the
//! month before it with "nhuận". The lunar year is named here by the Gregorian year in which its
//! mùng 1 tháng Giêng falls. Astronomy is in the private `astro` module.
//!
//! Supported lunar years: [`SUPPORTED_YEARS`] (1900–2199); outside it every function returns
//! `None`. The official yearly notice still overrides holiday dates (see [`super::holidays`]).

use std::fmt;
use std::ops::RangeInclusive;

use calendrical_calculations::chinese_based::{
    self, YearBounds, get_leap_month_from_new_year, month_structure_for_year,
};
use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month};

use super::astro::{Vietnam, date_from_rata_die, december_solstice, rata_die};

/// Lunar years for which the calendar is computed and tested.
pub const SUPPORTED_YEARS: RangeInclusive<i32> = 1900..=2199;

/// A date in the Vietnamese lunar calendar.
///
/// Field order makes the derived ordering chronological: a leap month (tháng nhuận) comes right
/// after the regular month with the same number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LunarDate {
    /// The Gregorian year in which this lunar year's mùng 1 tháng Giêng falls (so 29 tháng Chạp
    /// of the year that ends in February 2026 has `year` 2025).
    pub year: i32,
    /// 1 (tháng Giêng) to 12 (tháng Chạp).
    pub month: u8,
    /// True for the leap month (tháng nhuận) that repeats `month`.
    pub leap: bool,
    /// 1 (mùng 1) to 29 or 30.
    pub day: u8,
}

impl LunarDate {
    /// A lunar date from its parts; not checked (see [`lunar_to_solar`]).
    pub fn new(year: i32, month: u8, day: u8, leap: bool) -> Self {
        Self {
            year,
            month,
            leap,
            day,
        }
    }
}

/// `D/M/YYYY`, with ` nhuận` appended in a leap month: `10/3/2026`, `15/2/2023 nhuận`.
impl fmt::Display for LunarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.day, self.month, self.year)?;
        if self.leap {
            f.write_str(" nhuận")?;
        }
        Ok(())
    }
}

/// One lunar month: its number, whether it is the leap month, its first day and its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LunarMonth {
    pub month: u8,
    pub leap: bool,
    pub first_day: Date,
    /// 29 (tháng thiếu) or 30 (tháng đủ).
    pub days: u8,
}

impl LunarMonth {
    /// The last day of the month.
    pub fn last_day(&self) -> Date {
        self.first_day + Duration::days(i64::from(self.days) - 1)
    }
}

/// The months of one lunar year, in order (12, or 13 with a leap month).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LunarYear {
    year: i32,
    months: Vec<LunarMonth>,
}

impl LunarYear {
    /// The lunar year's number (Gregorian year of its mùng 1 tháng Giêng).
    pub fn year(&self) -> i32 {
        self.year
    }

    /// Its months in order.
    pub fn months(&self) -> &[LunarMonth] {
        &self.months
    }

    /// Mùng 1 tháng Giêng (Tết).
    pub fn first_day(&self) -> Date {
        self.months.first().map_or(Date::MIN, |m| m.first_day)
    }

    /// The last day of tháng Chạp (29 or 30), the eve of the next Tết (giao thừa).
    pub fn last_day(&self) -> Date {
        self.months.last().map_or(Date::MIN, LunarMonth::last_day)
    }

    /// The number of the leap month, if this year has one.
    pub fn leap_month(&self) -> Option<u8> {
        self.months.iter().find(|m| m.leap).map(|m| m.month)
    }

    /// The civil date of a lunar date in this year, or `None` if there is no such day.
    pub fn solar(&self, month: u8, day: u8, leap: bool) -> Option<Date> {
        let found = self
            .months
            .iter()
            .find(|m| m.month == month && m.leap == leap)?;
        if day == 0 || day > found.days {
            return None;
        }
        Some(found.first_day + Duration::days(i64::from(day) - 1))
    }

    /// The lunar date of a civil date inside this year, or `None` if it lies outside.
    pub fn lunar(&self, date: Date) -> Option<LunarDate> {
        let found = self
            .months
            .iter()
            .find(|m| m.first_day <= date && date <= m.last_day())?;
        let offset = (date - found.first_day).whole_days();
        let day = u8::try_from(offset + 1).ok()?;
        Some(LunarDate::new(self.year, found.month, day, found.leap))
    }
}

/// The lunar year that begins (mùng 1 tháng Giêng) in Gregorian year `year`.
pub fn lunar_year(year: i32) -> Option<LunarYear> {
    if !SUPPORTED_YEARS.contains(&year) {
        return None;
    }
    compute_year(year)
}

/// The lunar date of a civil date.
///
/// `None` outside the supported lunar years (before Tết 1900 or from Tết 2200 on).
pub fn solar_to_lunar(date: Date) -> Option<LunarDate> {
    let same = lunar_year(date.year());
    if let Some(lunar) = same.as_ref().and_then(|y| y.lunar(date)) {
        return Some(lunar);
    }
    // Before Tết the day belongs to the lunar year that began in the previous Gregorian year.
    lunar_year(date.year() - 1)?.lunar(date)
}

/// The civil date of a lunar date, or `None` if it does not exist (day 30 of a 29-day month, a
/// leap flag on a month that is not leap that year) or lies outside the supported years.
pub fn lunar_to_solar(date: LunarDate) -> Option<Date> {
    lunar_year(date.year)?.solar(date.month, date.day, date.leap)
}

/// Mùng 1 tháng Giêng (Tết Nguyên Đán) of the lunar year beginning in `year`.
pub fn tet(year: i32) -> Option<Date> {
    lunar_year(year).map(|y| y.first_day())
}

/// Giỗ Tổ Hùng Vương, 10 tháng 3 âm lịch, in Gregorian year `year`.
///
/// The regular third month, never a leap third month (a year with "tháng 3 nhuận" keeps the
/// commemoration in the first one).
pub fn hung_kings(year: i32) -> Option<Date> {
    lunar_year(year)?.solar(3, 10, false)
}

/// Builds the month table of one lunar year. Works for 1899–2200 (one year beyond each end of
/// the public range, which [`solar_to_lunar`] does not need but tests use for continuity).
fn compute_year(year: i32) -> Option<LunarYear> {
    let mid_year = rata_die(Date::from_calendar_date(year, Month::July, 1).ok()?);
    let bounds = YearBounds::compute::<Vietnam>(mid_year);

    let mut starts = vec![bounds.new_year];
    let mut start = bounds.new_year;
    while start < bounds.next_new_year {
        if starts.len() > 13 {
            return None;
        }
        // With `prev_new_moon` given, this returns the new moon that starts the next month.
        let (_, next) = chinese_based::days_in_month::<Vietnam>(1, start, Some(start));
        starts.push(next);
        start = next;
    }
    if start != bounds.next_new_year {
        return None;
    }

    let month_count = starts.len() - 1;
    let leap_ordinal = match month_count {
        12 => None,
        13 => Some(leap_ordinal(year, &starts, bounds)?),
        _ => return None,
    };

    let mut months = Vec::with_capacity(month_count);
    for (index, pair) in starts.windows(2).enumerate() {
        let [first, next] = pair else { return None };
        let ordinal = u8::try_from(index + 1).ok()?;
        let (month, leap) = match leap_ordinal {
            Some(l) if ordinal == l => (ordinal - 1, true),
            Some(l) if ordinal > l => (ordinal - 1, false),
            _ => (ordinal, false),
        };
        let days = u8::try_from(*next - *first).ok()?;
        if !(29..=30).contains(&days) {
            return None;
        }
        months.push(LunarMonth {
            month,
            leap,
            first_day: date_from_rata_die(*first)?,
            days,
        });
    }
    Some(LunarYear { year, months })
}

/// The 1-based position of the leap month in a 13-month lunar year.
///
/// The leap month belongs to the solstice-to-solstice period that has 13 months. If the December
/// solstice of `year` falls in the 12th month, the leap month is in the period that ends there
/// and is the first month without a major solar term after Tết. If it falls in the 11th month,
/// the leap month follows the solstice: month 12 of the table ("11 nhuận") if that month has no
/// major term, otherwise month 13 ("12 nhuận").
fn leap_ordinal(
    year: i32,
    starts: &[calendrical_calculations::rata_die::RataDie],
    bounds: YearBounds,
) -> Option<u8> {
    let solstice = rata_die(december_solstice(year)?);
    let solstice_month = starts
        .windows(2)
        .position(|pair| matches!(pair, [first, next] if *first <= solstice && solstice < *next))
        .map(|index| index + 1);
    if solstice_month == Some(11) {
        let (_, last_without_term) =
            month_structure_for_year::<Vietnam>(bounds.new_year, bounds.next_new_year);
        return Some(if last_without_term == Some(12) {
            12
        } else {
            13
        });
    }
    let first_without_term = get_leap_month_from_new_year::<Vietnam>(bounds.new_year);
    (2..=13)
        .contains(&first_without_term)
        .then_some(first_without_term)
}

#[cfg(test)]
pub(crate) fn compute_year_unchecked(year: i32) -> Option<LunarYear> {
    compute_year(year)
}
