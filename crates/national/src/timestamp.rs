//! The portal's timestamps: `yyyyMMddHHmmss` in Vietnam time.
//!
//! Every date of the sync format (NgayTiepNhan, NgayHenTra, ThoiDiemXuLy, …) is fourteen digits
//! of local wall-clock time without an offset (vn-legal §12). Vietnam keeps UTC+7 all year (no
//! daylight saving), so the conversion is a fixed shift and every local time names exactly one
//! instant. The rest of the product counts time in unix microseconds; these two functions are
//! the only place the two meet, so a dossier received at 00:30 on 1 January is not sent as the
//! 31st of December (what formatting the UTC clock would do).

use time::{Date, Month, PrimitiveDateTime, Time, UtcOffset};

/// Vietnam's offset (UTC+7, no daylight saving): what the portal's timestamps are written in.
pub const VIETNAM: UtcOffset = match UtcOffset::from_hms(7, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

const MICROS_PER_SECOND: i64 = 1_000_000;
const VIETNAM_SECONDS: i64 = 7 * 3600;

/// Why a timestamp could not be written or read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    /// Not exactly fourteen ASCII digits.
    #[error("a portal timestamp is 14 digits yyyyMMddHHmmss")]
    Shape,
    /// Fourteen digits that name no date or clock time (month 13, 30 February, 24:00, second 60).
    #[error("the timestamp names no calendar date or clock time")]
    NoSuchTime,
    /// A moment whose local year is outside 0000–9999, which four digits cannot hold.
    #[error("the moment is outside the years 0000-9999")]
    OutOfRange,
}

/// Writes a moment (unix microseconds) as `yyyyMMddHHmmss` in Vietnam time.
///
/// Microseconds are dropped (rounded towards the past, also before 1970), since the format
/// has whole seconds only.
pub fn format_portal_time(unix_micros: i64) -> Result<String, TimestampError> {
    // Shift to the local wall clock first and read it as if it were UTC: no offset arithmetic
    // inside `time` that could overflow at the edges of its range.
    let local_seconds = unix_micros
        .div_euclid(MICROS_PER_SECOND)
        .checked_add(VIETNAM_SECONDS)
        .ok_or(TimestampError::OutOfRange)?;
    let local = time::OffsetDateTime::from_unix_timestamp(local_seconds)
        .map_err(|_| TimestampError::OutOfRange)?;
    if !(0..=9999).contains(&local.year()) {
        return Err(TimestampError::OutOfRange);
    }
    Ok(format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        local.year(),
        u8::from(local.month()),
        local.day(),
        local.hour(),
        local.minute(),
        local.second()
    ))
}

/// Reads `yyyyMMddHHmmss` (Vietnam time) back into unix microseconds, refusing anything that
/// is not fourteen ASCII digits naming a real date and time.
pub fn parse_portal_time(value: &str) -> Result<i64, TimestampError> {
    let bytes = value.as_bytes();
    if bytes.len() != 14 || !bytes.iter().all(u8::is_ascii_digit) {
        return Err(TimestampError::Shape);
    }
    // Every byte is an ASCII digit, so each group is a small decimal number.
    let number = |from: usize, to: usize| {
        bytes[from..to]
            .iter()
            .fold(0u16, |acc, digit| acc * 10 + u16::from(digit - b'0'))
    };
    let small = |from: usize, to: usize| {
        u8::try_from(number(from, to)).map_err(|_| TimestampError::NoSuchTime)
    };
    let month = Month::try_from(small(4, 6)?).map_err(|_| TimestampError::NoSuchTime)?;
    let date = Date::from_calendar_date(i32::from(number(0, 4)), month, small(6, 8)?)
        .map_err(|_| TimestampError::NoSuchTime)?;
    let clock = Time::from_hms(small(8, 10)?, small(10, 12)?, small(12, 14)?)
        .map_err(|_| TimestampError::NoSuchTime)?;
    let seconds = PrimitiveDateTime::new(date, clock)
        .assume_offset(VIETNAM)
        .unix_timestamp();
    seconds
        .checked_mul(MICROS_PER_SECOND)
        .ok_or(TimestampError::OutOfRange)
}

/// Whether `value` is a portal timestamp (what the simulator checks each date field with).
pub fn is_portal_time(value: &str) -> bool {
    parse_portal_time(value).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unix microseconds of a UTC wall-clock time.
    fn utc(year: i32, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> i64 {
        let month = Month::try_from(month).expect("month");
        let date = Date::from_calendar_date(year, month, day).expect("date");
        let clock = Time::from_hms(hour, minute, second).expect("time");
        PrimitiveDateTime::new(date, clock)
            .assume_utc()
            .unix_timestamp()
            * MICROS_PER_SECOND
    }

    #[test]
    fn formats_in_vietnam_time() {
        assert_eq!(
            format_portal_time(utc(2026, 3, 15, 2, 4, 5)),
            Ok("20260315090405".to_owned())
        );
        assert_eq!(format_portal_time(0), Ok("19700101070000".to_owned()));
    }

    #[test]
    fn local_midnight_is_the_next_day_while_utc_is_still_on_the_previous_one() {
        // 16:59:59 UTC is 23:59:59 in Hà Nội; one second later the local date turns.
        assert_eq!(
            format_portal_time(utc(2026, 6, 9, 16, 59, 59)),
            Ok("20260609235959".to_owned())
        );
        assert_eq!(
            format_portal_time(utc(2026, 6, 9, 17, 0, 0)),
            Ok("20260610000000".to_owned())
        );
        // Early in the local morning the UTC date is still yesterday's.
        assert_eq!(
            format_portal_time(utc(2026, 6, 9, 23, 30, 0)),
            Ok("20260610063000".to_owned())
        );
    }

    #[test]
    fn the_local_year_turns_seven_hours_before_utc() {
        assert_eq!(
            format_portal_time(utc(2025, 12, 31, 16, 59, 59)),
            Ok("20251231235959".to_owned())
        );
        assert_eq!(
            format_portal_time(utc(2025, 12, 31, 17, 0, 0)),
            Ok("20260101000000".to_owned())
        );
        assert_eq!(
            parse_portal_time("20260101000000"),
            Ok(utc(2025, 12, 31, 17, 0, 0))
        );
        assert_eq!(
            parse_portal_time("20251231235959"),
            Ok(utc(2025, 12, 31, 16, 59, 59))
        );
    }

    #[test]
    fn microseconds_are_dropped_towards_the_past() {
        let second = utc(2026, 1, 2, 3, 4, 5);
        assert_eq!(
            format_portal_time(second + 999_999),
            Ok("20260102100405".to_owned())
        );
        // Before 1970 too: one microsecond before the epoch is in the previous second.
        assert_eq!(format_portal_time(-1), Ok("19700101065959".to_owned()));
    }

    #[test]
    fn parsing_inverts_formatting() {
        for micros in [
            0,
            utc(2024, 2, 29, 12, 0, 0),
            utc(1999, 12, 31, 23, 59, 59),
            utc(2026, 11, 24, 0, 0, 1),
            -86_400 * MICROS_PER_SECOND,
        ] {
            let text = format_portal_time(micros).expect("formats");
            assert_eq!(parse_portal_time(&text), Ok(micros), "{text}");
        }
        for text in [
            "20240229235959",
            "20000101000000",
            "00000101070000",
            "99991231235959",
        ] {
            let micros = parse_portal_time(text).expect("parses");
            assert_eq!(format_portal_time(micros).as_deref(), Ok(text));
        }
    }

    #[test]
    fn parsing_refuses_what_is_not_fourteen_digits() {
        for bad in [
            "",
            "2026010100000",
            "202601010000000",
            "2026-01-01 00:0",
            "2026010100000a",
            "+2026010100000",
            " 20260101000000",
            "20260101000000 ",
            "٢٠٢٦٠١٠١٠٠٠٠٠٠",
            "２０２６０１０１０００００",
        ] {
            assert_eq!(
                parse_portal_time(bad),
                Err(TimestampError::Shape),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn parsing_refuses_dates_and_times_that_do_not_exist() {
        for bad in [
            "20250229000000", // 2025 is not a leap year
            "21000229000000", // nor is 2100
            "20261301000000",
            "20260001000000",
            "20260100000000",
            "20260132000000",
            "20260431000000",
            "20260101240000",
            "20260101236000",
            "20260101235960",
        ] {
            assert_eq!(
                parse_portal_time(bad),
                Err(TimestampError::NoSuchTime),
                "{bad}"
            );
        }
        assert!(is_portal_time("20240229000000"));
        assert!(!is_portal_time("20230229000000"));
    }

    #[test]
    fn moments_outside_four_digit_years_are_refused() {
        assert_eq!(
            format_portal_time(utc(9999, 12, 31, 17, 0, 0)),
            Err(TimestampError::OutOfRange)
        );
        assert_eq!(
            format_portal_time(i64::MAX),
            Err(TimestampError::OutOfRange)
        );
        assert_eq!(
            format_portal_time(i64::MIN),
            Err(TimestampError::OutOfRange)
        );
    }
}
