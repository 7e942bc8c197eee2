//! Lunar calendar: known Tết and Giỗ Tổ dates, leap months, structure of every supported year,
//! and solar → lunar → solar round trips.

use time::macros::date;
use time::{Date, Duration, Month};

use crate::calendar::lunar::{
    self, LunarDate, SUPPORTED_YEARS, compute_year_unchecked, hung_kings, lunar_to_solar,
    lunar_year, solar_to_lunar, tet,
};

#[test]
fn tet_matches_known_vietnamese_dates() {
    // Where China (UTC+8) differs, its date is in the comment.
    let known = [
        (1968, date!(1968 - 01 - 29)), // China 01-30 (North Vietnam switched to UTC+7 in 1967)
        (1985, date!(1985 - 01 - 21)), // China 02-20
        (2007, date!(2007 - 02 - 17)), // China 02-18
        (2023, date!(2023 - 01 - 22)),
        (2024, date!(2024 - 02 - 10)),
        (2025, date!(2025 - 01 - 29)),
        (2026, date!(2026 - 02 - 17)),
        (2027, date!(2027 - 02 - 06)),
        (2028, date!(2028 - 01 - 26)),
        (2029, date!(2029 - 02 - 13)),
        (2030, date!(2030 - 02 - 02)), // China 02-03
        (2031, date!(2031 - 01 - 23)),
        (2032, date!(2032 - 02 - 11)),
        (2033, date!(2033 - 01 - 31)),
        (2034, date!(2034 - 02 - 19)),
        (2035, date!(2035 - 02 - 08)),
    ];
    for (year, expected) in known {
        assert_eq!(tet(year), Some(expected), "Tết {year}");
    }
}

#[test]
fn hung_kings_day_matches_known_dates() {
    let known = [
        (2007, date!(2007 - 04 - 26)),
        (2023, date!(2023 - 04 - 29)),
        (2024, date!(2024 - 04 - 18)),
        (2025, date!(2025 - 04 - 07)),
        (2026, date!(2026 - 04 - 26)),
        (2027, date!(2027 - 04 - 16)),
        (2028, date!(2028 - 04 - 04)),
        (2029, date!(2029 - 04 - 23)),
        (2030, date!(2030 - 04 - 12)),
        (2031, date!(2031 - 04 - 01)),
        (2032, date!(2032 - 04 - 19)),
        (2033, date!(2033 - 04 - 09)),
        (2034, date!(2034 - 04 - 28)),
        (2035, date!(2035 - 04 - 17)),
    ];
    for (year, expected) in known {
        assert_eq!(hung_kings(year), Some(expected), "Giỗ Tổ {year}");
    }
}

#[test]
fn leap_months_match_published_calendars() {
    let known = [
        (2001, Some(4)),
        (2004, Some(2)),
        (2006, Some(7)),
        (2009, Some(5)),
        (2012, Some(4)),
        (2014, Some(9)),
        (2017, Some(6)),
        (2020, Some(4)),
        (2023, Some(2)),
        (2024, None),
        (2025, Some(6)),
        (2026, None),
        (2028, Some(5)),
        (2031, Some(3)),
        // The "2033 problem": a month without a major solar term (after month 7) falls in a
        // 12-month solar year, and the real leap month is the 11th.
        (2033, Some(11)),
        (2036, Some(6)),
    ];
    for (year, expected) in known {
        let table = lunar_year(year).expect("supported year");
        assert_eq!(table.leap_month(), expected, "leap month of {year}");
    }
}

#[test]
fn vietnam_2023_has_a_leap_second_month() {
    assert_eq!(
        solar_to_lunar(date!(2023 - 03 - 21)),
        Some(LunarDate::new(2023, 2, 30, false))
    );
    assert_eq!(
        solar_to_lunar(date!(2023 - 03 - 22)),
        Some(LunarDate::new(2023, 2, 1, true))
    );
    assert_eq!(
        solar_to_lunar(date!(2023 - 04 - 19)),
        Some(LunarDate::new(2023, 2, 29, true))
    );
    assert_eq!(
        solar_to_lunar(date!(2023 - 04 - 20)),
        Some(LunarDate::new(2023, 3, 1, false))
    );
    assert_eq!(
        lunar_to_solar(LunarDate::new(2023, 2, 15, true)),
        Some(date!(2023 - 04 - 05))
    );
}

#[test]
fn days_around_tet_belong_to_the_right_lunar_year() {
    assert_eq!(
        solar_to_lunar(date!(2026 - 02 - 16)),
        Some(LunarDate::new(2025, 12, 29, false))
    );
    assert_eq!(
        solar_to_lunar(date!(2026 - 02 - 17)),
        Some(LunarDate::new(2026, 1, 1, false))
    );
    assert_eq!(
        solar_to_lunar(date!(2024 - 02 - 09)),
        Some(LunarDate::new(2023, 12, 30, false))
    );
    assert_eq!(
        solar_to_lunar(date!(2025 - 01 - 28)),
        Some(LunarDate::new(2024, 12, 29, false))
    );
}

#[test]
fn lunar_dates_format_as_day_month_year_with_nhuan_for_leap_months() {
    assert_eq!(LunarDate::new(2026, 3, 10, false).to_string(), "10/3/2026");
    assert_eq!(
        LunarDate::new(2023, 2, 15, true).to_string(),
        "15/2/2023 nhuận"
    );
}

#[test]
fn dates_outside_the_supported_years_are_refused() {
    assert_eq!(tet(1899), None);
    assert_eq!(tet(2200), None);
    assert_eq!(hung_kings(1899), None);
    assert_eq!(solar_to_lunar(date!(1900 - 01 - 30)), None);
    assert_eq!(
        solar_to_lunar(date!(1900 - 01 - 31)),
        Some(LunarDate::new(1900, 1, 1, false))
    );
    let last = lunar_year(2199).expect("supported").last_day();
    assert!(solar_to_lunar(last).is_some());
    assert_eq!(solar_to_lunar(last + Duration::days(1)), None);
    assert_eq!(solar_to_lunar(Date::MIN), None);
    assert_eq!(solar_to_lunar(Date::MAX), None);
    assert_eq!(lunar_to_solar(LunarDate::new(2200, 1, 1, false)), None);
}

#[test]
fn impossible_lunar_dates_have_no_solar_date() {
    // 2026 has no leap month; tháng Chạp of 2025 (Ất Tỵ) has 29 days.
    assert_eq!(lunar_to_solar(LunarDate::new(2026, 3, 10, true)), None);
    assert_eq!(lunar_to_solar(LunarDate::new(2025, 12, 30, false)), None);
    assert_eq!(lunar_to_solar(LunarDate::new(2026, 13, 1, false)), None);
    assert_eq!(lunar_to_solar(LunarDate::new(2026, 0, 1, false)), None);
    assert_eq!(lunar_to_solar(LunarDate::new(2026, 1, 0, false)), None);
    assert_eq!(lunar_to_solar(LunarDate::new(2026, 1, 31, false)), None);
}

#[test]
fn every_supported_year_is_well_formed_and_years_are_contiguous() {
    let mut previous_last: Option<Date> = compute_year_unchecked(1899).map(|y| y.last_day());
    let mut leap_years = 0;
    for year in SUPPORTED_YEARS {
        let table = lunar_year(year).expect("supported year computes");
        let months = table.months();
        assert!(
            months.len() == 12 || months.len() == 13,
            "{year}: {} months",
            months.len()
        );
        let first = table.first_day();
        assert_eq!(first.year(), year);
        let earliest = Date::from_calendar_date(year, Month::January, 21).expect("valid");
        let latest = Date::from_calendar_date(year, Month::February, 20).expect("valid");
        assert!((earliest..=latest).contains(&first), "Tết {year} = {first}");
        if let Some(last) = previous_last {
            assert_eq!(last + Duration::days(1), first, "gap before {year}");
        }
        let mut expected_number = 1;
        let mut seen_leap = false;
        for pair in months.windows(2) {
            let [a, b] = pair else { unreachable!() };
            assert_eq!(a.last_day() + Duration::days(1), b.first_day, "{year}");
        }
        for month in months {
            assert!((29..=30).contains(&month.days), "{year}");
            if month.leap {
                assert!(!seen_leap, "{year}: two leap months");
                seen_leap = true;
                assert_eq!(
                    month.month,
                    expected_number - 1,
                    "{year}: leap month number"
                );
            } else {
                assert_eq!(month.month, expected_number, "{year}: month number");
                expected_number += 1;
            }
        }
        assert_eq!(expected_number, 13, "{year}: twelve regular months");
        assert_eq!(
            seen_leap,
            months.len() == 13,
            "{year}: leap month iff 13 months"
        );
        if seen_leap {
            leap_years += 1;
        }
        let giong_to = hung_kings(year).expect("supported");
        assert!(giong_to.month() == Month::March || giong_to.month() == Month::April);
        previous_last = Some(table.last_day());
    }
    // 7 leap years every 19 years: 300 years hold about 110.
    assert!((108..=113).contains(&leap_years), "{leap_years} leap years");
    assert_eq!(
        previous_last.map(|d| d + Duration::days(1)),
        compute_year_unchecked(2200).map(|y| y.first_day())
    );
}

#[test]
fn every_day_of_the_supported_range_round_trips_through_the_year_tables() {
    for year in SUPPORTED_YEARS {
        let table = lunar_year(year).expect("supported year");
        let mut day = table.first_day();
        while day <= table.last_day() {
            let lunar = table.lunar(day).expect("day inside its year");
            assert_eq!(
                table.solar(lunar.month, lunar.day, lunar.leap),
                Some(day),
                "{day}"
            );
            day += Duration::days(1);
        }
    }
}

#[test]
fn public_conversions_round_trip_for_every_day_from_2020_to_2030() {
    let mut day = date!(2020 - 01 - 01);
    while day <= date!(2030 - 12 - 31) {
        let lunar = solar_to_lunar(day).expect("supported");
        assert_eq!(lunar_to_solar(lunar), Some(day), "{day} → {lunar}");
        day += Duration::days(1);
    }
}

#[test]
fn lunar_module_reexports_stay_consistent() {
    assert_eq!(lunar::tet(2026), lunar_year(2026).map(|y| y.first_day()));
}
