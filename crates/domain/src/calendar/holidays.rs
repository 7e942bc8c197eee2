//! Public holidays and days off: the Labour Code defaults, then the yearly notice on top.
//!
//! **Statutory holidays** (Bộ luật Lao động 2019, Điều 112 khoản 1): Tết Dương lịch 1/1; Tết Âm
//! lịch 5 days; Ngày Chiến thắng 30/4; Quốc tế Lao động 1/5; Quốc khánh 2/9 and one adjacent day;
//! Giỗ Tổ Hùng Vương 10/3 âm lịch; from 2026 Ngày Văn hóa Việt Nam 24/11 (Nghị quyết
//! 28/2026/QH16). Weekly rest for civil servants is Saturday and Sunday.
//!
//! **Computed defaults**, used when no notice covers the occasion:
//! - Tết: the last day of the old lunar year (29 or 30 tháng Chạp) and mùng 1–4 tháng Giêng.
//! - Quốc khánh's adjacent day ([`national_day_companion`]): a weekday neighbour of 2/9; if
//!   both neighbours are weekdays, the one that joins the break to a weekend, else the day
//!   before. This reproduces the notices of 2021–2026 (Thu → Fri, Fri → Thu, Sat → Fri,
//!   Mon → Tue, Tue → Mon, Wed → Tue); the yearly notice still decides.
//! - Nghỉ bù (Điều 111 khoản 3): each statutory day that falls on a Saturday or Sunday gives a
//!   compensatory day off on the next weekday that is not already a day off, in date order.
//!
//! **The notice overrides** ([`DayOverride`]), per occasion. Each occasion has a window:
//! Tết Dương lịch 29/12–4/1, Tết ±10 days around mùng 1, Giỗ Tổ ±3 days, 30/4–1/5 26/4–5/5,
//! Quốc khánh 28/8–6/9, 24/11 21/11–27/11. An occasion is *covered* when the notice has a
//! `holiday` or `compensatory_off` entry inside its window (overlapping windows, e.g. a late
//! Giỗ Tổ and 30/4, count for both). For a covered occasion the computed movable days (Tết's five
//! days, Quốc khánh's adjacent day) and its computed nghỉ bù are dropped, and the notice must list
//! them; fixed-date holidays (1/1, 30/4, 1/5, 2/9, Giỗ Tổ, 24/11) stay days off whatever the
//! notice says. Every `holiday`/`compensatory_off` entry is a day off (its name and basis replace
//! the computed ones on the same date) and every `compensatory_work` entry is a working day,
//! even over a computed day off. Occasions the notice does not touch keep their defaults.
//!
//! These are the rules in force since 2021 (2 days of Quốc khánh) and are applied to every year;
//! an earlier year's actual schedule needs its notice.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month, Weekday};

use super::lunar::{self, LunarDate};
use super::overrides::{DayKind, DayOverride, iso_date};

const BASIS_HOLIDAY: &str = "Bộ luật Lao động 2019, Điều 112 khoản 1";
const BASIS_COMPANION: &str = "Bộ luật Lao động 2019, Điều 112 khoản 1 điểm đ (ngày liền kề: quy tắc mặc định, chờ thông báo)";
const BASIS_COMPENSATORY: &str = "Bộ luật Lao động 2019, Điều 111 khoản 3";
const BASIS_CULTURE_DAY: &str = "Nghị quyết 28/2026/QH16";
/// First year in which 24/11 is a day off.
const CULTURE_DAY_FROM: i32 = 2026;

/// A day off in a year's schedule.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DayOff {
    #[serde(with = "iso_date")]
    pub date: Date,
    /// [`DayKind::Holiday`] or [`DayKind::CompensatoryOff`], never `CompensatoryWork`.
    pub kind: DayKind,
    pub name: String,
    /// The legal basis: the Labour Code article for computed days, the notice's for listed ones.
    pub basis: String,
}

/// The days off of a Gregorian year, sorted by date.
///
/// Lists every weekday that is off (holidays, nghỉ bù, swapped days) and every holiday that falls
/// on a weekend (so that "Giỗ Tổ, Chủ nhật 26/4" is shown); ordinary Saturdays and Sundays are
/// not listed, and neither are làm bù days (they are working days; see the overrides). Lunar
/// holidays are omitted outside [`lunar::SUPPORTED_YEARS`].
pub fn days_off(year: i32, overrides: &[DayOverride]) -> Vec<DayOff> {
    schedule(year, overrides)
        .off
        .into_values()
        .filter(|day| !is_weekend(day.date) || day.kind == DayKind::Holiday)
        .collect()
}

/// Quốc khánh's second day under the default rule (see the module documentation).
pub fn national_day_companion(year: i32) -> Option<Date> {
    let national_day = Date::from_calendar_date(year, Month::September, 2).ok()?;
    let before = national_day.previous_day()?;
    let after = national_day.next_day()?;
    let companion = match (is_weekend(before), is_weekend(after)) {
        (false, true) => before,
        (true, false) => after,
        _ => {
            let after_joins_weekend = after.next_day().is_some_and(is_weekend);
            let before_joins_weekend = before.previous_day().is_some_and(is_weekend);
            if after_joins_weekend && !before_joins_weekend {
                after
            } else {
                before
            }
        }
    };
    Some(companion)
}

/// A year's special days: days off and worked weekend days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct YearSchedule {
    pub(crate) off: BTreeMap<Date, DayOff>,
    pub(crate) work: BTreeSet<Date>,
}

/// Computes the special days of one Gregorian year (see the module documentation).
pub(crate) fn schedule(year: i32, overrides: &[DayOverride]) -> YearSchedule {
    let occasions = occasions(year);
    let notice_off: Vec<&DayOverride> = overrides.iter().filter(|o| o.kind.is_day_off()).collect();

    let mut off: BTreeMap<Date, DayOff> = BTreeMap::new();
    let mut owed: Vec<(Date, String)> = Vec::new();
    for occasion in &occasions {
        let covered = notice_off
            .iter()
            .any(|o| occasion.window.0 <= o.date && o.date <= occasion.window.1);
        for day in occasion.days.iter().filter(|d| d.fixed || !covered) {
            off.insert(day.date, day.day_off());
            if !covered && is_weekend(day.date) {
                owed.push((day.date, day.name.clone()));
            }
        }
    }
    for entry in &notice_off {
        off.insert(
            entry.date,
            DayOff {
                date: entry.date,
                kind: entry.kind,
                name: entry.name.clone(),
                basis: entry.basis.clone(),
            },
        );
    }

    owed.sort();
    for (holiday, name) in owed {
        let mut candidate = holiday;
        while let Some(next) = candidate.next_day() {
            candidate = next;
            if !is_weekend(candidate) && !off.contains_key(&candidate) {
                off.insert(
                    candidate,
                    DayOff {
                        date: candidate,
                        kind: DayKind::CompensatoryOff,
                        name: format!("Nghỉ bù {name}"),
                        basis: BASIS_COMPENSATORY.to_owned(),
                    },
                );
                break;
            }
        }
    }

    let work: BTreeSet<Date> = overrides
        .iter()
        .filter(|o| o.kind == DayKind::CompensatoryWork && o.date.year() == year)
        .map(|o| o.date)
        .collect();
    off.retain(|date, _| date.year() == year && !work.contains(date));
    YearSchedule { off, work }
}

pub(crate) fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// One statutory day.
struct Statutory {
    date: Date,
    name: String,
    basis: &'static str,
    /// Fixed by law to this date; a notice cannot move it.
    fixed: bool,
}

impl Statutory {
    fn day_off(&self) -> DayOff {
        DayOff {
            date: self.date,
            kind: DayKind::Holiday,
            name: self.name.clone(),
            basis: self.basis.to_owned(),
        }
    }
}

/// A holiday occasion: its statutory days and the window in which a notice covers it.
struct Occasion {
    days: Vec<Statutory>,
    window: (Date, Date),
}

fn occasions(year: i32) -> Vec<Occasion> {
    let mut list = Vec::new();
    let day = |month: Month, day: u8| Date::from_calendar_date(year, month, day).ok();
    let fixed = |date: Date, name: &str, basis: &'static str| Statutory {
        date,
        name: name.to_owned(),
        basis,
        fixed: true,
    };

    if let (Some(new_year), Some(start), Some(end)) = (
        day(Month::January, 1),
        Date::from_calendar_date(year - 1, Month::December, 29).ok(),
        day(Month::January, 4),
    ) {
        list.push(Occasion {
            days: vec![fixed(new_year, "Tết Dương lịch", BASIS_HOLIDAY)],
            window: (start, end),
        });
    }

    let this_lunar_year = lunar::lunar_year(year);
    let previous_lunar_year = lunar::lunar_year(year - 1);
    if let Some(table) = &this_lunar_year {
        let first = table.first_day();
        let days = (-1..=3)
            .map(|offset| {
                let date = first + Duration::days(offset);
                let lunar = table
                    .lunar(date)
                    .or_else(|| previous_lunar_year.as_ref().and_then(|p| p.lunar(date)));
                Statutory {
                    date,
                    name: format!("Tết Nguyên Đán ({})", tet_day_label(lunar)),
                    basis: BASIS_HOLIDAY,
                    fixed: false,
                }
            })
            .collect();
        list.push(Occasion {
            days,
            window: (first - Duration::days(10), first + Duration::days(10)),
        });
    }

    if let Some(hung_kings) = this_lunar_year.as_ref().and_then(|t| t.solar(3, 10, false)) {
        list.push(Occasion {
            days: vec![fixed(
                hung_kings,
                "Giỗ Tổ Hùng Vương (10 tháng 3 âm lịch)",
                BASIS_HOLIDAY,
            )],
            window: (
                hung_kings - Duration::days(3),
                hung_kings + Duration::days(3),
            ),
        });
    }

    if let (Some(victory), Some(labour), Some(start), Some(end)) = (
        day(Month::April, 30),
        day(Month::May, 1),
        day(Month::April, 26),
        day(Month::May, 5),
    ) {
        list.push(Occasion {
            days: vec![
                fixed(victory, "Ngày Chiến thắng", BASIS_HOLIDAY),
                fixed(labour, "Ngày Quốc tế Lao động", BASIS_HOLIDAY),
            ],
            window: (start, end),
        });
    }

    if let (Some(national), Some(companion), Some(start), Some(end)) = (
        day(Month::September, 2),
        national_day_companion(year),
        day(Month::August, 28),
        day(Month::September, 6),
    ) {
        list.push(Occasion {
            days: vec![
                fixed(national, "Quốc khánh", BASIS_HOLIDAY),
                Statutory {
                    date: companion,
                    name: "Quốc khánh (ngày liền kề)".to_owned(),
                    basis: BASIS_COMPANION,
                    fixed: false,
                },
            ],
            window: (start, end),
        });
    }

    if year >= CULTURE_DAY_FROM
        && let (Some(culture), Some(start), Some(end)) = (
            day(Month::November, 24),
            day(Month::November, 21),
            day(Month::November, 27),
        )
    {
        list.push(Occasion {
            days: vec![fixed(culture, "Ngày Văn hóa Việt Nam", BASIS_CULTURE_DAY)],
            window: (start, end),
        });
    }
    list
}

/// "30 tháng Chạp", "mùng 1 tháng Giêng".
fn tet_day_label(lunar: Option<LunarDate>) -> String {
    match lunar {
        Some(l) if l.month == 12 && !l.leap => format!("{} tháng Chạp", l.day),
        Some(l) if l.month == 1 && !l.leap => format!("mùng {} tháng Giêng", l.day),
        Some(l) => l.to_string(),
        None => "cuối năm âm lịch".to_owned(),
    }
}
