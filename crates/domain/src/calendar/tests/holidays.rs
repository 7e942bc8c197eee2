//! Holidays: the computed defaults, the adjacent Quốc khánh day, nghỉ bù, and how a notice
//! overrides them.

use time::Date;
use time::macros::date;

use crate::calendar::holidays::{days_off, national_day_companion};
use crate::calendar::overrides::{DayKind, DayOverride, bundled_overrides};
use crate::calendar::{OfficeHours, WorkCalendar};

fn listed(year: i32, overrides: &[DayOverride]) -> Vec<(Date, DayKind)> {
    days_off(year, overrides)
        .into_iter()
        .map(|day| (day.date, day.kind))
        .collect()
}

fn entry(date: Date, kind: DayKind) -> DayOverride {
    DayOverride {
        date,
        kind,
        name: "test".to_owned(),
        basis: "test".to_owned(),
    }
}

use DayKind::{CompensatoryOff as Off, CompensatoryWork as Work, Holiday};

#[test]
fn defaults_for_2026_without_a_notice() {
    assert_eq!(
        listed(2026, &[]),
        vec![
            (date!(2026 - 01 - 01), Holiday),
            (date!(2026 - 02 - 16), Holiday), // 29 tháng Chạp, last day of Ất Tỵ
            (date!(2026 - 02 - 17), Holiday),
            (date!(2026 - 02 - 18), Holiday),
            (date!(2026 - 02 - 19), Holiday),
            (date!(2026 - 02 - 20), Holiday),
            (date!(2026 - 04 - 26), Holiday), // Sunday, listed
            (date!(2026 - 04 - 27), Off),
            (date!(2026 - 04 - 30), Holiday),
            (date!(2026 - 05 - 01), Holiday),
            (date!(2026 - 09 - 01), Holiday),
            (date!(2026 - 09 - 02), Holiday),
            (date!(2026 - 11 - 24), Holiday),
        ]
    );
}

#[test]
fn defaults_give_nghi_bu_for_tet_days_on_a_weekend() {
    // 2024: last day Fri 9/2, mùng 1–2 on Sat–Sun, mùng 3–4 Mon–Tue → nghỉ bù Wed 14, Thu 15.
    let tet_2024: Vec<_> = listed(2024, &[])
        .into_iter()
        .filter(|(d, _)| d.month() == time::Month::February)
        .collect();
    assert_eq!(
        tet_2024,
        vec![
            (date!(2024 - 02 - 09), Holiday),
            (date!(2024 - 02 - 10), Holiday),
            (date!(2024 - 02 - 11), Holiday),
            (date!(2024 - 02 - 12), Holiday),
            (date!(2024 - 02 - 13), Holiday),
            (date!(2024 - 02 - 14), Off),
            (date!(2024 - 02 - 15), Off),
        ]
    );
    // 2025: mùng 4 on Saturday 1/2 → nghỉ bù Monday 3/2.
    assert!(listed(2025, &[]).contains(&(date!(2025 - 02 - 03), Off)));
    // 24/11 only from 2026.
    assert!(
        !listed(2025, &[])
            .iter()
            .any(|(d, _)| *d == date!(2025 - 11 - 24))
    );
}

#[test]
fn nghi_bu_skips_other_holidays() {
    // 2023: 30/4 is a Sunday and 1/5 a Monday, so the nghỉ bù is Tuesday 2/5.
    let days = listed(2023, &[]);
    assert!(days.contains(&(date!(2023 - 04 - 30), Holiday)));
    assert!(days.contains(&(date!(2023 - 05 - 01), Holiday)));
    assert!(days.contains(&(date!(2023 - 05 - 02), Off)));
    // 2/9/2023 is a Saturday: adjacent day Friday 1/9, nghỉ bù Monday 4/9 (as announced).
    assert!(days.contains(&(date!(2023 - 09 - 01), Holiday)));
    assert!(days.contains(&(date!(2023 - 09 - 04), Off)));
    // 1/1/2022 is a Saturday: nghỉ bù Monday 3/1.
    assert!(listed(2022, &[]).contains(&(date!(2022 - 01 - 03), Off)));
}

#[test]
fn adjacent_national_day_follows_recent_practice() {
    let practice = [
        (2021, date!(2021 - 09 - 03)), // Thu → Fri
        (2022, date!(2022 - 09 - 01)), // Fri → Thu
        (2023, date!(2023 - 09 - 01)), // Sat → Fri
        (2024, date!(2024 - 09 - 03)), // Mon → Tue
        (2025, date!(2025 - 09 - 01)), // Tue → Mon
        (2026, date!(2026 - 09 - 01)), // Wed → Tue
    ];
    for (year, expected) in practice {
        assert_eq!(national_day_companion(year), Some(expected), "{year}");
    }
    // Sunday 2/9/2029: Monday 3/9 is the adjacent day and Tuesday 4/9 the nghỉ bù.
    assert_eq!(national_day_companion(2029), Some(date!(2029 - 09 - 03)));
    let days = listed(2029, &[]);
    assert!(days.contains(&(date!(2029 - 09 - 02), Holiday)));
    assert!(days.contains(&(date!(2029 - 09 - 04), Off)));
}

#[test]
fn the_2026_notice_gives_the_official_schedule() {
    let notice = bundled_overrides().expect("shipped notices parse");
    assert_eq!(
        listed(2026, &notice),
        vec![
            (date!(2026 - 01 - 01), Holiday),
            (date!(2026 - 01 - 02), Off),
            (date!(2026 - 02 - 16), Holiday),
            (date!(2026 - 02 - 17), Holiday),
            (date!(2026 - 02 - 18), Holiday),
            (date!(2026 - 02 - 19), Holiday),
            (date!(2026 - 02 - 20), Holiday),
            (date!(2026 - 04 - 26), Holiday),
            (date!(2026 - 04 - 27), Off),
            (date!(2026 - 04 - 30), Holiday),
            (date!(2026 - 05 - 01), Holiday),
            (date!(2026 - 08 - 31), Off),
            (date!(2026 - 09 - 01), Holiday),
            (date!(2026 - 09 - 02), Holiday),
            (date!(2026 - 11 - 24), Holiday),
        ]
    );
    let calendar = WorkCalendar::new(OfficeHours::default(), notice);
    assert!(calendar.is_working_day(date!(2026 - 01 - 10))); // làm bù Saturday
    assert!(calendar.is_working_day(date!(2026 - 08 - 22))); // làm bù Saturday
    assert!(!calendar.is_working_day(date!(2026 - 08 - 29)));
    assert!(!calendar.is_working_day(date!(2026 - 02 - 22)));
}

#[test]
fn a_notice_replaces_computed_tet_days_and_their_nghi_bu() {
    let notice = bundled_overrides().expect("shipped notices parse");
    let calendar = WorkCalendar::new(OfficeHours::default(), notice.clone());
    // 2025: the notice gives 27–31/1; the default's 1/2 (Saturday) and nghỉ bù 3/2 are gone.
    assert!(!calendar.is_working_day(date!(2025 - 01 - 27)));
    assert!(calendar.is_working_day(date!(2025 - 02 - 03)));
    assert!(
        !listed(2025, &notice)
            .iter()
            .any(|(d, _)| *d == date!(2025 - 02 - 01))
    );
    // 2024: the notice starts Tết on 29 tháng Chạp (8/2) and ends the nghỉ bù on 14/2.
    assert!(!calendar.is_working_day(date!(2024 - 02 - 08)));
    assert!(!calendar.is_working_day(date!(2024 - 02 - 14)));
    assert!(calendar.is_working_day(date!(2024 - 02 - 15)));
    // 2024 30/4 swap: Monday 29/4 off, Saturday 4/5 worked.
    assert!(!calendar.is_working_day(date!(2024 - 04 - 29)));
    assert!(calendar.is_working_day(date!(2024 - 05 - 04)));
}

#[test]
fn a_notice_cannot_remove_a_fixed_holiday_but_decides_movable_days() {
    // A notice that only swaps Monday 31/8/2026 covers Quốc khánh: the computed adjacent day
    // (1/9) is dropped, while 2/9 itself stays a holiday.
    let notice = [entry(date!(2026 - 08 - 31), Off)];
    let days = listed(2026, &notice);
    assert!(days.contains(&(date!(2026 - 08 - 31), Off)));
    assert!(days.contains(&(date!(2026 - 09 - 02), Holiday)));
    assert!(!days.iter().any(|(d, _)| *d == date!(2026 - 09 - 01)));
    // Occasions the notice does not touch keep their defaults.
    assert!(days.contains(&(date!(2026 - 02 - 16), Holiday)));
    assert!(days.contains(&(date!(2026 - 04 - 27), Off)));
}

#[test]
fn compensatory_work_wins_over_a_computed_day_off() {
    let notice = [entry(date!(2026 - 02 - 16), Work)];
    let calendar = WorkCalendar::new(OfficeHours::default(), notice.to_vec());
    assert!(calendar.is_working_day(date!(2026 - 02 - 16)));
    assert!(
        !listed(2026, &notice)
            .iter()
            .any(|(d, _)| *d == date!(2026 - 02 - 16))
    );
}

#[test]
fn notice_names_and_bases_replace_computed_ones() {
    let notice = bundled_overrides().expect("shipped notices parse");
    let tet = days_off(2026, &notice)
        .into_iter()
        .find(|d| d.date == date!(2026 - 02 - 17))
        .expect("listed");
    assert!(tet.basis.contains("9441/TB-BNV"), "{}", tet.basis);
    let computed = days_off(2026, &[])
        .into_iter()
        .find(|d| d.date == date!(2026 - 02 - 17))
        .expect("listed");
    assert_eq!(computed.name, "Tết Nguyên Đán (mùng 1 tháng Giêng)");
    assert_eq!(computed.basis, "Bộ luật Lao động 2019, Điều 112 khoản 1");
    let last_day = days_off(2024, &[])
        .into_iter()
        .find(|d| d.date == date!(2024 - 02 - 09))
        .expect("listed");
    assert_eq!(last_day.name, "Tết Nguyên Đán (30 tháng Chạp)");
}

#[test]
fn years_outside_the_lunar_range_keep_the_fixed_holidays() {
    let days = listed(2300, &[]);
    assert!(days.contains(&(date!(2300 - 01 - 01), Holiday)));
    assert!(days.contains(&(date!(2300 - 09 - 02), Holiday)));
    assert!(days.iter().all(|(d, _)| d.month() != time::Month::February));
}

#[test]
fn shipped_notices_agree_with_the_lunar_calendar() {
    // Every notice entry named after a lunar day sits on that lunar day.
    for entry in bundled_overrides().expect("shipped notices parse") {
        let Some(lunar) = crate::calendar::solar_to_lunar(entry.date) else {
            continue;
        };
        if entry.name.starts_with("Tết Nguyên Đán (") {
            let expected = if lunar.month == 12 {
                format!("Tết Nguyên Đán ({} tháng Chạp)", lunar.day)
            } else {
                format!("Tết Nguyên Đán (mùng {} tháng Giêng)", lunar.day)
            };
            assert_eq!(entry.name, expected, "{}", entry.date);
        }
        if entry.name.starts_with("Giỗ Tổ") {
            assert_eq!((lunar.month, lunar.day, lunar.leap), (3, 10, false));
        }
    }
}
