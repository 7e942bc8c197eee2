//! Dates as they appear in catalogue files and in submitted forms.
//!
//! Catalogue files write dates as ISO `YYYY-MM-DD` (the `time` crate would otherwise serialise
//! a `Date` as a tuple). Applicants type `dd/mm/yyyy`, the Vietnamese habit, while date pickers
//! and API clients send ISO; both are accepted and normalised to ISO.

use time::{Date, Month};

time::serde::format_description!(pub(crate) iso_date, Date, "[year]-[month]-[day]");

/// Parses a date typed into a form: `YYYY-MM-DD`, or `dd/mm/yyyy` (also `d/m/yyyy`, and with `-`
/// or `.` as separators). Surrounding whitespace is ignored. Returns `None` for anything else,
/// including impossible dates such as 31/02/2024 and years outside 1000–9999.
pub fn parse_form_date(input: &str) -> Option<Date> {
    let text = input.trim();
    if text.len() > 10 {
        return None;
    }
    let (year, month, day) = if let Some(iso) = split_iso(text) {
        iso
    } else {
        split_day_first(text)?
    };
    if !(1000..=9999).contains(&year) {
        return None;
    }
    let month = Month::try_from(month).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// `YYYY-MM-DD` with exactly four, two and two digits.
fn split_iso(text: &str) -> Option<(i32, u8, u8)> {
    let mut parts = text.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    Some((number(year)?, number(month)?, number(day)?))
}

/// `dd/mm/yyyy`, one or two digits for day and month, the same separator twice.
fn split_day_first(text: &str) -> Option<(i32, u8, u8)> {
    let separator = text.chars().find(|c| matches!(c, '/' | '-' | '.'))?;
    let mut parts = text.split(separator);
    let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
    let short = |part: &str| (1..=2).contains(&part.len());
    if parts.next().is_some() || !short(day) || !short(month) || year.len() != 4 {
        return None;
    }
    Some((number(year)?, number(month)?, number(day)?))
}

fn number<T: std::str::FromStr>(digits: &str) -> Option<T> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Formats a date as ISO `YYYY-MM-DD`, the form stored in validated forms.
pub(crate) fn iso(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn accepts_iso_and_vietnamese_day_first_dates() {
        assert_eq!(parse_form_date("2024-02-29"), Some(date!(2024 - 02 - 29)));
        assert_eq!(parse_form_date("29/02/2024"), Some(date!(2024 - 02 - 29)));
        assert_eq!(parse_form_date(" 1/7/2025 "), Some(date!(2025 - 07 - 01)));
        assert_eq!(parse_form_date("01.07.2025"), Some(date!(2025 - 07 - 01)));
        assert_eq!(parse_form_date("01-07-2025"), Some(date!(2025 - 07 - 01)));
    }

    #[test]
    fn rejects_impossible_or_ambiguous_dates() {
        for bad in [
            "",
            "2023-02-29",
            "31/02/2024",
            "2024/02/01",
            "1/7/25",
            "01/07-2025",
            "+2024-01-01",
            "0999-01-01",
            "13/13/2024",
            "2024-1-1",
            "١٢/٠٧/٢٠٢٥",
        ] {
            assert_eq!(parse_form_date(bad), None, "{bad:?} must be rejected");
        }
    }

    #[test]
    fn iso_formats_with_leading_zeros() {
        assert_eq!(iso(date!(2025 - 07 - 01)), "2025-07-01");
    }
}
