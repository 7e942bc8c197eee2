//! Calendar inputs: the yearly holiday-notice TSV an administrator imports, and the legal due
//! time for any reception time and any processing time, on the bundled notices or on a parsed
//! one. Never panics; a parsed notice formats back to text that parses to the same entries; a
//! due time is never before the reception; resuming after a pause never moves it earlier.
#![no_main]

use libfuzzer_sys::fuzz_target;
use motcua_domain::calendar::{
    OfficeHours, ProcessingTime, WorkCalendar, bundled_overrides, format_overrides,
    parse_overrides,
};
use time::{Duration, OffsetDateTime, UtcOffset};

fn number(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b))
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        let text = String::from_utf8_lossy(rest);
        if let Ok(entries) = parse_overrides(&text) {
            let printed = format_overrides(&entries);
            let again = parse_overrides(&printed).expect("a formatted notice parses");
            assert_eq!(again, entries);
        }
        return;
    }
    if rest.len() < 16 {
        return;
    }
    let (numbers, notice) = rest.split_at(16);
    let overrides = match parse_overrides(&String::from_utf8_lossy(notice)) {
        Ok(entries) if mode & 2 == 2 => entries,
        _ => bundled_overrides().expect("bundled notices"),
    };
    let calendar = WorkCalendar::new(OfficeHours::default(), overrides);
    // Anywhere from 2020 to 2030, to the second, in Vietnam's offset.
    let start_seconds = 1_577_836_800 + (number(&numbers[0..8]) % 315_576_000) as i64;
    let offset = UtcOffset::from_hms(7, 0, 0).expect("+7");
    let Ok(start) = OffsetDateTime::from_unix_timestamp(start_seconds) else {
        return;
    };
    let start = start.to_offset(offset);
    let value = (number(&numbers[8..12]) % 2_000) as u32;
    let time = match numbers[12] % 4 {
        0 => ProcessingTime::WorkingDays(value),
        1 => ProcessingTime::WorkingHours(value),
        2 => ProcessingTime::CalendarDays(value),
        _ => ProcessingTime::SameDay,
    };
    if let Ok(due) = calendar.due(start, time) {
        assert!(due >= start, "due {due} before reception {start} for {time:?}");
        let pause = Duration::minutes(i64::from(numbers[13]) * 97 + i64::from(numbers[14]));
        let paused_at = start + Duration::minutes(i64::from(numbers[15]) * 13);
        if let Ok(resumed) = calendar.resume(due, paused_at, paused_at + pause) {
            assert!(resumed >= due, "resume moved {due} back to {resumed}");
        }
    }
});
