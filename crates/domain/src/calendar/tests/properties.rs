//! Property tests: deadlines are monotone and additive, never land outside working time, pauses
//! of no working time change nothing; lunar dates round-trip; notice files round-trip.

use std::sync::OnceLock;

use proptest::prelude::*;
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::calendar::deadline::{ProcessingTime, Timeliness, classify};
use crate::calendar::hours::OfficeHours;
use crate::calendar::lunar::{lunar_to_solar, solar_to_lunar};
use crate::calendar::overrides::{
    DayKind, DayOverride, bundled_overrides, format_overrides, parse_overrides,
};
use crate::calendar::work::{VIETNAM_OFFSET, WorkCalendar};

fn calendar() -> &'static WorkCalendar {
    static CALENDAR: OnceLock<WorkCalendar> = OnceLock::new();
    CALENDAR.get_or_init(|| {
        WorkCalendar::new(
            OfficeHours::default(),
            bundled_overrides().expect("shipped notices parse"),
        )
    })
}

fn day(offset: i64) -> Date {
    time::macros::date!(2023 - 12 - 01) + Duration::days(offset)
}

/// Instants between December 2023 and early 2028, at minute precision, in a few offsets.
fn instant() -> impl Strategy<Value = OffsetDateTime> {
    (
        0i64..1500,
        0u16..1440,
        prop::sample::select(vec![7i8, 0, 9, -5]),
    )
        .prop_map(|(days, minute, hours)| {
            let time = Time::from_hms(
                u8::try_from(minute / 60).unwrap_or(0),
                u8::try_from(minute % 60).unwrap_or(0),
                0,
            )
            .unwrap_or(Time::MIDNIGHT);
            let offset = UtcOffset::from_hms(hours, 0, 0).unwrap_or(UtcOffset::UTC);
            PrimitiveDateTime::new(day(days), time).assume_offset(offset)
        })
}

fn processing_time() -> impl Strategy<Value = ProcessingTime> {
    prop_oneof![
        (0u32..60).prop_map(ProcessingTime::WorkingDays),
        (0u32..200).prop_map(ProcessingTime::WorkingHours),
        (0u32..90).prop_map(ProcessingTime::CalendarDays),
        Just(ProcessingTime::SameDay),
    ]
}

/// True when the instant is inside a session of a working day (ends included).
fn in_office_hours(at: OffsetDateTime) -> bool {
    let local = at.to_offset(VIETNAM_OFFSET);
    let hours = calendar().office_hours();
    calendar().is_working_day(local.date())
        && [hours.morning(), hours.afternoon()]
            .iter()
            .any(|s| s.start <= local.time() && local.time() <= s.end)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn due_is_never_before_receipt_and_always_in_office_hours(
        received in instant(),
        time in processing_time(),
    ) {
        let due = calendar().due(received, time).expect("supported years");
        prop_assert!(due >= received, "{received} + {time:?} = {due}");
        prop_assert!(in_office_hours(due), "{received} + {time:?} = {due}");
        prop_assert_eq!(due.offset(), VIETNAM_OFFSET);
        if matches!(time, ProcessingTime::CalendarDays(_) | ProcessingTime::SameDay) {
            prop_assert_eq!(due.to_offset(VIETNAM_OFFSET).time(), calendar().office_hours().closing());
        }
    }

    #[test]
    fn adding_n_then_m_working_days_equals_adding_n_plus_m(
        received in instant(),
        n in 0u32..30,
        m in 0u32..30,
        hours in any::<bool>(),
    ) {
        let unit = if hours { ProcessingTime::WorkingHours } else { ProcessingTime::WorkingDays };
        let cal = calendar();
        let stepwise = cal.due(cal.due(received, unit(n)).expect("supported"), unit(m)).expect("supported");
        let at_once = cal.due(received, unit(n + m)).expect("supported");
        prop_assert_eq!(stepwise, at_once);
    }

    #[test]
    fn working_time_to_the_due_time_is_the_processing_time(
        received in instant(),
        hours in 1u32..200,
    ) {
        let cal = calendar();
        let start = cal.due(received, ProcessingTime::WorkingHours(0)).expect("supported");
        let due = cal.due(received, ProcessingTime::WorkingHours(hours)).expect("supported");
        prop_assert_eq!(cal.working_hours_between(start, due), Duration::hours(i64::from(hours)));
        prop_assert_eq!(cal.working_hours_between(received, due), Duration::hours(i64::from(hours)));
    }

    #[test]
    fn a_pause_of_no_working_time_changes_nothing(
        received in instant(),
        time in processing_time(),
        paused in instant(),
    ) {
        let cal = calendar();
        let due = cal.due(received, time).expect("supported");
        prop_assert_eq!(cal.resume(due, paused, paused), Ok(due));
        // Resuming before the pause started covers no time either.
        prop_assert_eq!(cal.resume(due, paused, paused - Duration::hours(5)), Ok(due));
    }

    #[test]
    fn a_pause_moves_the_due_time_by_exactly_its_working_time(
        received in instant(),
        days in 1u32..20,
        paused in instant(),
        length in 0i64..(14 * 24 * 60),
    ) {
        let cal = calendar();
        let due = cal.due(received, ProcessingTime::WorkingDays(days)).expect("supported");
        let resumed_at = paused + Duration::minutes(length);
        let moved = cal.resume(due, paused, resumed_at).expect("supported");
        prop_assert!(moved >= due);
        prop_assert!(in_office_hours(moved));
        prop_assert_eq!(
            cal.working_hours_between(due, moved),
            cal.working_hours_between(paused, resumed_at)
        );
    }

    #[test]
    fn next_working_day_is_a_working_day_after_the_date(offset in 0i64..1500) {
        let date = day(offset);
        let next = calendar().next_working_day(date).expect("supported");
        prop_assert!(next > date);
        prop_assert!(calendar().is_working_day(next));
        let mut between = date + Duration::days(1);
        while between < next {
            prop_assert!(!calendar().is_working_day(between));
            between += Duration::days(1);
        }
    }

    #[test]
    fn completion_no_later_than_due_is_never_late(a in instant(), b in instant()) {
        let (completed, due) = if a <= b { (a, b) } else { (b, a) };
        prop_assert_ne!(classify(completed, due), Timeliness::Late);
    }

    #[test]
    fn solar_to_lunar_to_solar_round_trips(offset in 0i64..109_500) {
        let date = time::macros::date!(1900 - 01 - 31) + Duration::days(offset);
        let lunar = solar_to_lunar(date).expect("supported");
        prop_assert_eq!(lunar_to_solar(lunar), Some(date));
        prop_assert!((1..=30).contains(&lunar.day) && (1..=12).contains(&lunar.month));
    }

    #[test]
    fn notice_files_round_trip(
        entries in prop::collection::btree_map(
            0i64..2000,
            (0usize..3, "[A-Za-zÀ-ỹ0-9/()]{1,12}( [A-Za-zÀ-ỹ0-9/()]{1,12}){0,3}", "[A-Za-z0-9/-]{1,20}"),
            0..20,
        )
    ) {
        let list: Vec<DayOverride> = entries
            .into_iter()
            .filter_map(|(offset, (kind, name, basis))| {
                let date = day(offset);
                let weekend = matches!(date.weekday(), time::Weekday::Saturday | time::Weekday::Sunday);
                let kind = match kind {
                    0 => DayKind::Holiday,
                    1 if !weekend => DayKind::CompensatoryOff,
                    2 if weekend => DayKind::CompensatoryWork,
                    _ => return None,
                };
                Some(DayOverride { date, kind, name: crate::text::clean(&name), basis })
            })
            .collect();
        prop_assert_eq!(parse_overrides(&format_overrides(&list)), Ok(list));
    }
}
