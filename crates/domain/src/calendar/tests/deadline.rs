//! Appointment dates pinned to hand-computed cases on the official 2026 schedule, pauses,
//! the one-time extension, judgements and office-hours configuration.

use time::macros::{datetime, time};
use time::{Duration, OffsetDateTime, Weekday};

use crate::calendar::deadline::{
    Appointment, DeadlineError, ExtensionError, OpenStatus, ProcessingTime, Timeliness, classify,
};
use crate::calendar::hours::{OfficeHours, OfficeHoursError};
use crate::calendar::overrides::bundled_overrides;
use crate::calendar::work::WorkCalendar;
use crate::procedure::{TimeLimit, TimeUnit};

use ProcessingTime::{CalendarDays, SameDay, WorkingDays, WorkingHours};

fn calendar() -> WorkCalendar {
    WorkCalendar::new(
        OfficeHours::default(),
        bundled_overrides().expect("shipped notices parse"),
    )
}

fn due(received: OffsetDateTime, time: ProcessingTime) -> OffsetDateTime {
    calendar()
        .due(received, time)
        .expect("inside supported years")
}

#[test]
fn working_days_roll_over_lunch_weekends_and_holidays() {
    let cases = [
        // Friday before Tết Bính Ngọ: 1h30 + 3h30 that day, 3h more after the 9-day break.
        (
            datetime!(2026-02-13 10:00 +7),
            WorkingDays(1),
            datetime!(2026-02-23 10:00 +7),
        ),
        // Before opening counts from 07:00; the count ends exactly at closing.
        (
            datetime!(2026-03-02 06:00 +7),
            WorkingDays(1),
            datetime!(2026-03-02 17:00 +7),
        ),
        // After closing counts from the next working morning.
        (
            datetime!(2026-03-02 17:30 +7),
            WorkingDays(1),
            datetime!(2026-03-03 17:00 +7),
        ),
        // On a Saturday, from Monday morning.
        (
            datetime!(2026-03-07 09:00 +7),
            WorkingHours(2),
            datetime!(2026-03-09 09:00 +7),
        ),
        // During lunch, from 13:30.
        (
            datetime!(2026-03-02 12:00 +7),
            WorkingHours(3),
            datetime!(2026-03-02 16:30 +7),
        ),
        (
            datetime!(2026-03-02 12:00 +7),
            WorkingHours(4),
            datetime!(2026-03-03 07:30 +7),
        ),
        (
            datetime!(2026-03-02 12:00 +7),
            WorkingHours(5),
            datetime!(2026-03-03 08:30 +7),
        ),
        (
            datetime!(2026-03-02 11:30 +7),
            WorkingHours(1),
            datetime!(2026-03-02 14:30 +7),
        ),
        (
            datetime!(2026-03-02 10:00 +7),
            WorkingHours(2),
            datetime!(2026-03-02 14:00 +7),
        ),
        // Across the Giỗ Tổ nghỉ bù (Mon 27/4): Wed 6h, Thu 8h, Fri 8h, Tue 2h.
        (
            datetime!(2026-04-22 09:00 +7),
            WorkingDays(3),
            datetime!(2026-04-28 09:00 +7),
        ),
        // A làm bù Saturday counts: Fri 1h, Sat 10/1 7h.
        (
            datetime!(2026-01-09 16:00 +7),
            WorkingDays(1),
            datetime!(2026-01-10 16:00 +7),
        ),
        (
            datetime!(2026-08-21 16:30 +7),
            WorkingHours(1),
            datetime!(2026-08-22 07:30 +7),
        ),
        // Quốc khánh 2026: Fri 3h, then 29/8–2/9 off, Thu 8h, Fri 5h.
        (
            datetime!(2026-08-28 14:00 +7),
            WorkingDays(2),
            datetime!(2026-09-04 14:00 +7),
        ),
        // Zero: the first working instant.
        (
            datetime!(2026-03-02 12:00 +7),
            WorkingHours(0),
            datetime!(2026-03-02 13:30 +7),
        ),
        (
            datetime!(2026-03-02 17:00 +7),
            WorkingDays(0),
            datetime!(2026-03-02 17:00 +7),
        ),
        // 15 working days over Tết Dương lịch: 7h on 31/12, 1/1–4/1 off, Saturday 10/1 worked.
        (
            datetime!(2025-12-31 08:00 +7),
            WorkingDays(15),
            datetime!(2026-01-22 08:00 +7),
        ),
    ];
    for (received, time, expected) in cases {
        assert_eq!(due(received, time), expected, "{received} + {time:?}");
    }
}

#[test]
fn any_input_offset_is_converted_and_results_are_at_plus_seven() {
    let result = due(datetime!(2026-02-13 03:00 UTC), WorkingDays(1));
    assert_eq!(result, datetime!(2026-02-23 10:00 +7));
    assert_eq!(result.offset(), crate::calendar::VIETNAM_OFFSET);
    // 23:30 UTC on Sunday is 06:30 Monday in Vietnam.
    assert_eq!(
        due(datetime!(2026-03-01 23:30 UTC), WorkingHours(1)),
        datetime!(2026-03-02 08:00 +7)
    );
}

#[test]
fn same_day_procedures_use_the_three_pm_cut_off() {
    let cases = [
        (
            datetime!(2026-03-02 14:59 +7),
            datetime!(2026-03-02 17:00 +7),
        ),
        (
            datetime!(2026-03-02 15:00 +7),
            datetime!(2026-03-03 17:00 +7),
        ),
        (
            datetime!(2026-03-02 06:00 +7),
            datetime!(2026-03-02 17:00 +7),
        ),
        (
            datetime!(2026-03-02 12:00 +7),
            datetime!(2026-03-02 17:00 +7),
        ),
        (
            datetime!(2026-03-02 18:00 +7),
            datetime!(2026-03-03 17:00 +7),
        ),
        (
            datetime!(2026-03-07 09:00 +7),
            datetime!(2026-03-09 17:00 +7),
        ),
        (
            datetime!(2026-02-13 15:30 +7),
            datetime!(2026-02-23 17:00 +7),
        ),
    ];
    for (received, expected) in cases {
        assert_eq!(due(received, SameDay), expected, "{received}");
    }
}

#[test]
fn calendar_days_end_at_closing_and_never_on_a_day_off() {
    let cases = [
        // Sunday 26/4 (Giỗ Tổ), Monday 27/4 nghỉ bù → Tuesday.
        (
            datetime!(2026-04-20 10:00 +7),
            CalendarDays(6),
            datetime!(2026-04-28 17:00 +7),
        ),
        (
            datetime!(2026-02-05 10:00 +7),
            CalendarDays(15),
            datetime!(2026-02-23 17:00 +7),
        ),
        (
            datetime!(2026-03-02 10:00 +7),
            CalendarDays(10),
            datetime!(2026-03-12 17:00 +7),
        ),
        (
            datetime!(2026-03-02 10:00 +7),
            CalendarDays(0),
            datetime!(2026-03-02 17:00 +7),
        ),
        // Zero days after closing would be in the past: the next working day.
        (
            datetime!(2026-03-02 18:00 +7),
            CalendarDays(0),
            datetime!(2026-03-03 17:00 +7),
        ),
    ];
    for (received, time, expected) in cases {
        assert_eq!(due(received, time), expected, "{received} + {time:?}");
    }
}

#[test]
fn computations_outside_the_supported_years_fail() {
    let calendar = calendar();
    assert_eq!(
        calendar.due(datetime!(2199-12-31 10:00 +7), WorkingDays(5)),
        Err(DeadlineError::OutOfRange { year: 2200 })
    );
    assert_eq!(
        calendar.due(datetime!(1899-12-31 10:00 +7), WorkingDays(1)),
        Err(DeadlineError::OutOfRange { year: 1899 })
    );
    assert!(
        calendar
            .due(datetime!(2026-01-05 08:00 +7), WorkingDays(u32::MAX))
            .is_err()
    );
    assert!(
        calendar
            .due(datetime!(2026-01-05 08:00 +7), CalendarDays(u32::MAX))
            .is_err()
    );
    assert_eq!(
        calendar.next_working_day(time::macros::date!(2199 - 12 - 31)),
        None
    );
}

#[test]
fn a_pause_moves_the_due_time_by_the_working_time_it_covered() {
    let calendar = calendar();
    let due = datetime!(2026-03-13 17:00 +7);
    // Mon 10:00 → Wed 10:00 covers 5h + 8h + 3h = 2 working days.
    let resumed = calendar
        .resume(
            due,
            datetime!(2026-03-09 10:00 +7),
            datetime!(2026-03-11 10:00 +7),
        )
        .expect("supported");
    assert_eq!(resumed, datetime!(2026-03-17 17:00 +7));
    // A pause over a weekend or lunch only changes nothing.
    assert_eq!(
        calendar.resume(
            due,
            datetime!(2026-03-07 10:00 +7),
            datetime!(2026-03-08 10:00 +7)
        ),
        Ok(due)
    );
    assert_eq!(
        calendar.resume(
            due,
            datetime!(2026-03-09 11:30 +7),
            datetime!(2026-03-09 13:30 +7)
        ),
        Ok(due)
    );
    // A due time at 11:30 moved by 30 minutes lands at 14:00, after lunch.
    assert_eq!(
        calendar.resume(
            datetime!(2026-03-10 11:30 +7),
            datetime!(2026-03-09 08:00 +7),
            datetime!(2026-03-09 08:30 +7)
        ),
        Ok(datetime!(2026-03-10 14:00 +7))
    );
}

#[test]
fn an_appointment_can_be_extended_once_and_only_before_it_is_due() {
    let calendar = calendar();
    let appointment = Appointment::new(datetime!(2026-03-13 17:00 +7));
    let extended = calendar
        .extend_to(
            &appointment,
            datetime!(2026-03-12 09:00 +7),
            time::macros::date!(2026 - 03 - 20),
        )
        .expect("allowed");
    assert_eq!(extended.due(), datetime!(2026-03-20 17:00 +7));
    assert_eq!(extended.original_due(), datetime!(2026-03-13 17:00 +7));
    assert!(extended.is_extended());
    assert_eq!(
        extended.extend(
            datetime!(2026-03-13 09:00 +7),
            datetime!(2026-03-27 17:00 +7)
        ),
        Err(ExtensionError::AlreadyExtended)
    );
    assert_eq!(
        appointment.extend(
            datetime!(2026-03-13 17:00 +7),
            datetime!(2026-03-20 17:00 +7)
        ),
        Err(ExtensionError::PastDue)
    );
    assert_eq!(
        appointment.extend(
            datetime!(2026-03-12 09:00 +7),
            datetime!(2026-03-13 16:00 +7)
        ),
        Err(ExtensionError::NotLater)
    );
    assert_eq!(
        calendar.extend_to(
            &appointment,
            datetime!(2026-03-12 09:00 +7),
            time::macros::date!(2026 - 03 - 14)
        ),
        Err(ExtensionError::NotAWorkingDay)
    );
    // A pause keeps the extension flag and the original due time.
    let paused = extended
        .paused(
            &calendar,
            datetime!(2026-03-16 07:00 +7),
            datetime!(2026-03-17 07:00 +7),
        )
        .expect("supported");
    assert_eq!(paused.due(), datetime!(2026-03-23 17:00 +7));
    assert!(paused.is_extended());
    assert_eq!(
        Appointment::from_parts(paused.original_due(), paused.due(), true),
        paused
    );
}

#[test]
fn finished_dossiers_are_judged_by_local_date() {
    let due = datetime!(2026-03-02 17:00 +7);
    assert_eq!(
        classify(datetime!(2026-02-27 16:00 +7), due),
        Timeliness::Early
    );
    assert_eq!(
        classify(datetime!(2026-03-02 08:00 +7), due),
        Timeliness::OnTime
    );
    assert_eq!(
        classify(datetime!(2026-03-02 19:00 +7), due),
        Timeliness::OnTime
    );
    assert_eq!(
        classify(datetime!(2026-03-03 07:00 +7), due),
        Timeliness::Late
    );
    // 16:30 UTC is 23:30 in Vietnam the same day; 18:00 UTC is 01:00 the next day.
    assert_eq!(
        classify(datetime!(2026-03-02 16:30 UTC), due),
        Timeliness::OnTime
    );
    assert_eq!(
        classify(datetime!(2026-03-02 18:00 UTC), due),
        Timeliness::Late
    );
    assert_eq!(Timeliness::OnTime.as_str(), "on_time");
}

#[test]
fn open_dossiers_are_overdue_after_the_due_day_and_due_soon_within_a_working_day() {
    let calendar = calendar();
    let due = datetime!(2026-03-04 17:00 +7);
    let status = |now| calendar.status_at(now, due);
    assert_eq!(status(datetime!(2026-03-05 07:00 +7)), OpenStatus::Overdue);
    assert_eq!(status(datetime!(2026-03-04 17:30 +7)), OpenStatus::DueSoon);
    assert_eq!(status(datetime!(2026-03-04 09:00 +7)), OpenStatus::DueSoon);
    assert_eq!(status(datetime!(2026-03-03 17:00 +7)), OpenStatus::DueSoon);
    assert_eq!(status(datetime!(2026-03-03 16:00 +7)), OpenStatus::InTime);
    // Friday afternoon before a Monday deadline: the weekend does not count.
    let monday = datetime!(2026-03-09 10:00 +7);
    assert_eq!(
        calendar.status_at(datetime!(2026-03-06 14:00 +7), monday),
        OpenStatus::DueSoon
    );
    assert_eq!(OpenStatus::DueSoon.as_str(), "due_soon");
}

#[test]
fn working_hours_between_counts_only_office_hours_on_working_days() {
    let calendar = calendar();
    let between = |a, b| calendar.working_hours_between(a, b);
    assert_eq!(
        between(
            datetime!(2026-03-02 07:00 +7),
            datetime!(2026-03-02 17:00 +7)
        ),
        Duration::hours(8)
    );
    assert_eq!(
        between(
            datetime!(2026-03-02 11:00 +7),
            datetime!(2026-03-02 14:00 +7)
        ),
        Duration::hours(1)
    );
    assert_eq!(
        between(
            datetime!(2026-02-13 10:00 +7),
            datetime!(2026-02-23 10:00 +7)
        ),
        Duration::hours(8)
    );
    assert_eq!(
        between(
            datetime!(2026-03-02 14:00 +7),
            datetime!(2026-03-02 11:00 +7)
        ),
        Duration::ZERO
    );
    assert_eq!(
        between(
            datetime!(2026-03-07 00:00 +7),
            datetime!(2026-03-08 23:59 +7)
        ),
        Duration::ZERO
    );
}

#[test]
fn office_hours_are_configurable_and_validated() {
    let short = OfficeHours::new((time!(07:30), time!(11:30)), (time!(13:30), time!(17:00)))
        .expect("valid");
    let calendar = WorkCalendar::new(short, vec![]);
    // 7h30 of sessions a day, but a working day is still 8 working hours.
    assert_eq!(
        calendar.due(datetime!(2026-03-02 07:30 +7), WorkingDays(1)),
        Ok(datetime!(2026-03-03 08:00 +7))
    );
    let saturdays = OfficeHours::default()
        .with_weekdays(&[
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
            Weekday::Friday,
            Weekday::Saturday,
        ])
        .expect("valid");
    let calendar = WorkCalendar::new(saturdays, vec![]);
    assert!(calendar.is_working_day(time::macros::date!(2026 - 03 - 07)));
    assert!(!calendar.is_working_day(time::macros::date!(2026 - 03 - 08)));
    let no_lunch = OfficeHours::new((time!(08:00), time!(12:00)), (time!(12:00), time!(16:00)))
        .expect("valid")
        .with_same_day_cutoff(time!(14:00));
    let calendar = WorkCalendar::new(no_lunch, vec![]);
    assert_eq!(
        calendar.due(datetime!(2026-03-02 11:00 +7), WorkingHours(2)),
        Ok(datetime!(2026-03-02 13:00 +7))
    );
    assert_eq!(
        calendar.due(datetime!(2026-03-02 14:00 +7), SameDay),
        Ok(datetime!(2026-03-03 16:00 +7))
    );

    let bad = |m: (time::Time, time::Time), a| OfficeHours::new(m, a).expect_err("invalid");
    assert_eq!(
        bad((time!(11:30), time!(07:00)), (time!(13:30), time!(17:00))),
        OfficeHoursError::EmptyMorning
    );
    assert_eq!(
        bad((time!(07:00), time!(11:30)), (time!(17:00), time!(17:00))),
        OfficeHoursError::EmptyAfternoon
    );
    assert_eq!(
        bad((time!(07:00), time!(11:30)), (time!(11:00), time!(17:00))),
        OfficeHoursError::Overlap
    );
    assert_eq!(
        OfficeHours::default().with_weekdays(&[]),
        Err(OfficeHoursError::NoWorkingWeekday)
    );
    assert_eq!(
        OfficeHours::default().with_working_day(Duration::ZERO),
        Err(OfficeHoursError::DayLength)
    );
    let six = OfficeHours::default()
        .with_working_day(Duration::hours(6))
        .expect("valid");
    assert_eq!(
        WorkCalendar::new(six, vec![]).due(datetime!(2026-03-02 07:00 +7), WorkingDays(1)),
        Ok(datetime!(2026-03-02 15:00 +7))
    );
}

#[test]
fn procedure_time_limits_convert_to_processing_times() {
    let limit = |value, unit| {
        ProcessingTime::from(TimeLimit {
            value,
            unit,
            channel: None,
        })
    };
    assert_eq!(limit(3, TimeUnit::WorkingDays), WorkingDays(3));
    assert_eq!(limit(4, TimeUnit::WorkingHours), WorkingHours(4));
    assert_eq!(limit(30, TimeUnit::CalendarDays), CalendarDays(30));
    assert_eq!(limit(0, TimeUnit::SameDay), SameDay);
    assert_eq!(
        serde_json::to_string(&WorkingDays(3)).expect("serialises"),
        r#"{"unit":"working_days","value":3}"#
    );
    assert_eq!(
        serde_json::to_string(&SameDay).expect("serialises"),
        r#"{"unit":"same_day"}"#
    );
}

#[test]
fn days_off_through_the_calendar_and_cloning() {
    let calendar = calendar();
    let copy = calendar.clone();
    assert_eq!(copy.days_off(2026), calendar.days_off(2026));
    assert_eq!(copy.overrides(), calendar.overrides());
    assert_eq!(
        calendar.closing_on(time::macros::date!(2026 - 09 - 03)),
        Some(datetime!(2026-09-03 17:00 +7))
    );
    assert_eq!(
        calendar.closing_on(time::macros::date!(2026 - 09 - 02)),
        None
    );
    assert_eq!(
        calendar.next_working_day(time::macros::date!(2026 - 02 - 13)),
        Some(time::macros::date!(2026 - 02 - 23))
    );
}
