//! Astronomy behind the Vietnamese lunar calendar: the UTC+7 observation model and the
//! December solstice.
//!
//! The lunar calendar is the Chinese-style luni-solar calendar computed for Vietnam's time zone
//! (UTC+7, not China's UTC+8). New moons and major solar terms come from ICU4X's
//! `calendrical_calculations` (Reingold & Dershowitz, *Calendrical Calculations*) through its
//! public `ChineseBased` trait, which takes the UTC offset as a parameter. That crate places the
//! leap month as "the first month without a major solar term after the new year", which is wrong
//! when a month without a major term falls in a 12-month solar year (岁/"sui") before the real leap
//! month of the next one (2033 and 2128 in our range). Telling the two apart needs the date of the
//! December solstice, which the crate keeps private, so it is computed here from Jean Meeus,
//! *Astronomical Algorithms* (2nd ed.), chapter 27 (mean solstice + 24 periodic terms, accurate
//! to about a minute), with ΔT from the long-term parabola of Morrison & Stephenson.
//!
//! Nothing here is derived from Hồ Ngọc Đức's code, whose licence forbids reuse.

use calendrical_calculations::chinese_based::ChineseBased;
use calendrical_calculations::gregorian::fixed_from_gregorian;
use calendrical_calculations::rata_die::RataDie;
use time::Date;

/// Vietnam's lunar calendar: new moons and solar terms observed at UTC+7.
///
/// Before 1968 the calendar printed in Hà Nội (and in the South until 1975) was computed for
/// UTC+8; we use UTC+7 throughout, as the platform only needs today's rules.
pub(crate) struct Vietnam;

impl ChineseBased for Vietnam {
    fn utc_offset(_fixed: RataDie) -> f64 {
        7.0 / 24.0
    }

    // Only used by the crate to number years in a 60-year cycle, which we do not use: we name a
    // lunar year by the Gregorian year in which it begins. Same epoch as the Chinese calendar.
    const EPOCH: RataDie = fixed_from_gregorian(-2636, 2, 15);
    const DEBUG_NAME: &'static str = "vietnamese";
}

/// Julian day number of the Rata Die epoch's day 0 (RD 1 = 0001-01-01 proleptic Gregorian).
const RATA_DIE_TO_JULIAN_DAY: i64 = 1_721_425;

/// A civil date as a Rata Die day number.
pub(crate) fn rata_die(date: Date) -> RataDie {
    RataDie::new(i64::from(date.to_julian_day()) - RATA_DIE_TO_JULIAN_DAY)
}

/// A Rata Die day number as a civil date, or `None` outside the range of [`Date`].
pub(crate) fn date_from_rata_die(day: RataDie) -> Option<Date> {
    let julian_day = i32::try_from(day.to_i64_date() + RATA_DIE_TO_JULIAN_DAY).ok()?;
    Date::from_julian_day(julian_day).ok()
}

/// Periodic terms (A, B°, C°) of Meeus table 27.C for the equinoxes and solstices.
const SOLSTICE_TERMS: [(f64, f64, f64); 24] = [
    (485.0, 324.96, 1934.136),
    (203.0, 337.23, 32964.467),
    (199.0, 342.08, 20.186),
    (182.0, 27.85, 445_267.112),
    (156.0, 73.14, 45036.886),
    (136.0, 171.52, 22518.443),
    (77.0, 222.54, 65928.934),
    (74.0, 296.72, 3034.906),
    (70.0, 243.58, 9037.513),
    (58.0, 119.81, 33718.147),
    (52.0, 297.17, 150.678),
    (50.0, 21.02, 2281.226),
    (45.0, 247.54, 29929.562),
    (44.0, 325.15, 31555.956),
    (29.0, 60.93, 4443.417),
    (18.0, 155.12, 67555.328),
    (17.0, 288.79, 4562.452),
    (16.0, 198.04, 62894.029),
    (14.0, 199.76, 31436.921),
    (12.0, 95.39, 14577.848),
    (12.0, 287.11, 31931.756),
    (12.0, 320.81, 34777.259),
    (9.0, 227.73, 1222.114),
    (8.0, 15.45, 16859.074),
];

/// The local (UTC+7) date of the December solstice of a Gregorian year (Meeus ch. 27, valid for
/// years 1000–3000).
pub(crate) fn december_solstice(year: i32) -> Option<Date> {
    let millennia = (f64::from(year) - 2000.0) / 1000.0;
    let mean = 2_451_900.059_52 + 365_242.740_49 * millennia
        - 0.062_23 * millennia.powi(2)
        - 0.008_23 * millennia.powi(3)
        + 0.000_32 * millennia.powi(4);
    let centuries = (mean - 2_451_545.0) / 36525.0;
    let w = (35999.373 * centuries - 2.47).to_radians();
    let delta_lambda = 1.0 + 0.0334 * w.cos() + 0.0007 * (2.0 * w).cos();
    let periodic: f64 = SOLSTICE_TERMS
        .iter()
        .map(|(a, b, c)| a * (b + c * centuries).to_radians().cos())
        .sum();
    let dynamical = mean + 0.000_01 * periodic / delta_lambda;
    // ΔT = TT − UT, long-term parabola (seconds); within two minutes of the observed and
    // predicted values over 1900–2200, far below the day-level precision we need.
    let u = (f64::from(year) - 1820.0) / 100.0;
    let delta_t_days = (-20.0 + 32.0 * u * u) / 86400.0;
    let universal = dynamical - delta_t_days;
    // A Julian date starts at noon; the civil day number at UTC+7 is floor(JD + 0.5 + 7/24).
    let local_day = (universal + 0.5 + 7.0 / 24.0).floor();
    if !local_day.is_finite() || local_day.abs() > f64::from(i32::MAX) {
        return None;
    }
    // Exact: `local_day` is an integer-valued float inside the i32 range.
    let julian_day = local_day as i32;
    Date::from_julian_day(julian_day).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn rata_die_round_trips_and_matches_known_day_numbers() {
        // R&D: RD 1 is Monday 1 January 1 (proleptic Gregorian); 2000-01-01 is RD 730120.
        assert_eq!(rata_die(date!(2000 - 01 - 01)), RataDie::new(730_120));
        assert_eq!(rata_die(date!(0001 - 01 - 01)), RataDie::new(1));
        for day in [
            date!(1900 - 01 - 31),
            date!(2026 - 02 - 17),
            date!(2199 - 12 - 31),
        ] {
            assert_eq!(date_from_rata_die(rata_die(day)), Some(day));
        }
    }

    #[test]
    fn december_solstice_matches_published_times_converted_to_utc_plus_7() {
        // 2023-12-22 03:27 UTC, 2024-12-21 09:20 UTC, 2033-12-21 13:46 UTC,
        // 2000-12-21 13:37 UTC, 1999-12-22 07:44 UTC (US Naval Observatory tables).
        assert_eq!(december_solstice(2023), Some(date!(2023 - 12 - 22)));
        assert_eq!(december_solstice(2024), Some(date!(2024 - 12 - 21)));
        assert_eq!(december_solstice(2033), Some(date!(2033 - 12 - 21)));
        assert_eq!(december_solstice(2000), Some(date!(2000 - 12 - 21)));
        assert_eq!(december_solstice(1999), Some(date!(1999 - 12 - 22)));
    }
}
