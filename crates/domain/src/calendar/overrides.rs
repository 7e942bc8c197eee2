//! The yearly official notice (thông báo lịch nghỉ) as data: days off, compensatory days off
//! (nghỉ bù, hoán đổi) and compensatory working Saturdays (làm bù).
//!
//! Each year the Government fixes the actual Tết and Quốc khánh days for civil servants and often
//! swaps a working day with a Saturday. That cannot be computed, so it is loaded from a plain-text
//! file, one entry a line:
//!
//! ```text
//! # comment
//! 2026-02-16<TAB>holiday<TAB>Tết Nguyên Đán (29 tháng Chạp)<TAB>Thông báo …/TB-BNV
//! ```
//!
//! `kind` is one of the stable strings of [`DayKind`]. Blank lines and lines whose first
//! non-blank character is `#` are ignored; a trailing `\r` is accepted. Errors name the line.
//! How entries override the computed holidays is described in [`super::holidays`].

use serde::{Deserialize, Serialize};
use time::{Date, Month, Weekday};

time::serde::format_description!(pub(crate) iso_date, Date, "[year]-[month]-[day]");

/// What a notice says about a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// Ngày nghỉ lễ, Tết: a public holiday (listed even when it falls on a weekend).
    Holiday,
    /// Ngày nghỉ bù / nghỉ hoán đổi: a weekday off in compensation or by a swap.
    CompensatoryOff,
    /// Ngày làm bù: a weekend day worked in exchange for a weekday off.
    CompensatoryWork,
}

impl DayKind {
    pub const ALL: [DayKind; 3] = [Self::Holiday, Self::CompensatoryOff, Self::CompensatoryWork];

    /// Stable string used in files, the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Holiday => "holiday",
            Self::CompensatoryOff => "compensatory_off",
            Self::CompensatoryWork => "compensatory_work",
        }
    }

    /// The inverse of [`DayKind::as_str`].
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == value)
    }

    /// True for the kinds that make a day a day off.
    pub fn is_day_off(self) -> bool {
        !matches!(self, Self::CompensatoryWork)
    }
}

/// One line of an official notice.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DayOverride {
    #[serde(with = "iso_date")]
    pub date: Date,
    pub kind: DayKind,
    /// What the day is, in Vietnamese ("Tết Nguyên Đán (mùng 1 tháng Giêng)").
    pub name: String,
    /// Legal basis and source ("Công văn 12729/VPCP-KGVX ngày 25/12/2025").
    pub basis: String,
}

/// Why a notice file was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    pub problem: ParseProblem,
}

/// What is wrong with one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseProblem {
    #[error("expected 4 tab-separated fields (date, kind, name, basis), found {found}")]
    FieldCount { found: usize },
    #[error("invalid date {text:?}: expected YYYY-MM-DD")]
    Date { text: String },
    #[error("unknown kind {text:?}: expected holiday, compensatory_off or compensatory_work")]
    Kind { text: String },
    #[error("the {field} field is empty")]
    Empty { field: &'static str },
    #[error("compensatory_off on {date}, a weekend day: a day off must be a weekday")]
    OffOnWeekend { date: String },
    #[error("compensatory_work on {date}, a weekday: it is a working day already")]
    WorkOnWeekday { date: String },
    #[error("{date} is already listed on line {first_line}")]
    Duplicate { date: String, first_line: usize },
}

/// Parses a notice file. Entries are returned in file order.
///
/// # Errors
/// The first malformed line, with its number: wrong field count, bad date or kind, empty name or
/// basis, a compensatory day off on a weekend, a compensatory working day on a weekday, or a date
/// listed twice.
pub fn parse_overrides(text: &str) -> Result<Vec<DayOverride>, ParseError> {
    let mut entries: Vec<(usize, DayOverride)> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let content = raw.strip_suffix('\r').unwrap_or(raw);
        let trimmed = content.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let entry = parse_line(content).map_err(|problem| ParseError { line, problem })?;
        if let Some((first_line, _)) = entries.iter().find(|(_, e)| e.date == entry.date) {
            return Err(ParseError {
                line,
                problem: ParseProblem::Duplicate {
                    date: format_date(entry.date),
                    first_line: *first_line,
                },
            });
        }
        entries.push((line, entry));
    }
    Ok(entries.into_iter().map(|(_, entry)| entry).collect())
}

/// Writes entries in the format [`parse_overrides`] reads. Tabs and line breaks inside names and
/// bases are replaced by spaces so that every entry stays on one line.
pub fn format_overrides(entries: &[DayOverride]) -> String {
    let mut out = String::new();
    for entry in entries {
        out.push_str(&format_date(entry.date));
        out.push('\t');
        out.push_str(entry.kind.as_str());
        out.push('\t');
        out.push_str(&one_line(&entry.name));
        out.push('\t');
        out.push_str(&one_line(&entry.basis));
        out.push('\n');
    }
    out
}

/// The notices shipped with the platform (`data/calendar/*.tsv`), for the years whose official
/// schedule was established; a deployment loads newer years from its own files or database.
///
/// # Errors
/// Only if a shipped file is malformed, which the tests rule out.
pub fn bundled_overrides() -> Result<Vec<DayOverride>, ParseError> {
    let mut all = Vec::new();
    for text in BUNDLED {
        all.extend(parse_overrides(text)?);
    }
    all.sort_by_key(|entry| entry.date);
    Ok(all)
}

const BUNDLED: [&str; 3] = [
    include_str!("../../../../data/calendar/2024.tsv"),
    include_str!("../../../../data/calendar/2025.tsv"),
    include_str!("../../../../data/calendar/2026.tsv"),
];

fn parse_line(content: &str) -> Result<DayOverride, ParseProblem> {
    let fields: Vec<&str> = content.split('\t').collect();
    let [date, kind, name, basis] = fields.as_slice() else {
        return Err(ParseProblem::FieldCount {
            found: fields.len(),
        });
    };
    let date = parse_date(date.trim()).ok_or_else(|| ParseProblem::Date {
        text: date.trim().to_owned(),
    })?;
    let kind = DayKind::parse(kind.trim()).ok_or_else(|| ParseProblem::Kind {
        text: kind.trim().to_owned(),
    })?;
    let name = crate::text::clean(name);
    if name.is_empty() {
        return Err(ParseProblem::Empty { field: "name" });
    }
    let basis = crate::text::clean(basis);
    if basis.is_empty() {
        return Err(ParseProblem::Empty { field: "basis" });
    }
    let weekend = matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday);
    match kind {
        DayKind::CompensatoryOff if weekend => {
            return Err(ParseProblem::OffOnWeekend {
                date: format_date(date),
            });
        }
        DayKind::CompensatoryWork if !weekend => {
            return Err(ParseProblem::WorkOnWeekday {
                date: format_date(date),
            });
        }
        _ => {}
    }
    Ok(DayOverride {
        date,
        kind,
        name,
        basis,
    })
}

/// `YYYY-MM-DD`, exactly.
fn parse_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        if !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let year = i32::try_from(number(0..4)?).ok()?;
    let month = Month::try_from(u8::try_from(number(5..7)?).ok()?).ok()?;
    let day = u8::try_from(number(8..10)?).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

pub(crate) fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

fn one_line(text: &str) -> String {
    text.replace(['\t', '\n', '\r'], " ")
}
