//! The notice file format: parsing, errors naming the line, formatting, shipped files.

use time::macros::date;

use crate::calendar::overrides::{
    DayKind, DayOverride, ParseError, ParseProblem, bundled_overrides, format_overrides,
    parse_overrides,
};

fn problem(text: &str) -> (usize, ParseProblem) {
    let ParseError { line, problem } = parse_overrides(text).expect_err("must be rejected");
    (line, problem)
}

#[test]
fn parses_entries_comments_blank_lines_and_crlf() {
    let text = "# Thông báo 2026\r\n\r\n  # indented comment\n2026-04-27\tcompensatory_off\tNghỉ bù  Giỗ Tổ \tĐiều 111\r\n2026-08-22\tcompensatory_work\tLàm bù\tCV\n";
    let parsed = parse_overrides(text).expect("valid");
    assert_eq!(
        parsed,
        vec![
            DayOverride {
                date: date!(2026 - 04 - 27),
                kind: DayKind::CompensatoryOff,
                name: "Nghỉ bù Giỗ Tổ".to_owned(),
                basis: "Điều 111".to_owned(),
            },
            DayOverride {
                date: date!(2026 - 08 - 22),
                kind: DayKind::CompensatoryWork,
                name: "Làm bù".to_owned(),
                basis: "CV".to_owned(),
            },
        ]
    );
    assert_eq!(parse_overrides(""), Ok(vec![]));
}

#[test]
fn errors_name_the_line_and_the_problem() {
    assert_eq!(
        problem("# c\n2026-02-17\tholiday\tTết"),
        (2, ParseProblem::FieldCount { found: 3 })
    );
    assert_eq!(
        problem("2026-02-30\tholiday\tx\ty"),
        (
            1,
            ParseProblem::Date {
                text: "2026-02-30".to_owned()
            }
        )
    );
    assert_eq!(
        problem("26-02-17\tholiday\tx\ty").1,
        ParseProblem::Date {
            text: "26-02-17".to_owned()
        }
    );
    assert_eq!(
        problem("2026-2-17\tholiday\tx\ty").1,
        ParseProblem::Date {
            text: "2026-2-17".to_owned()
        }
    );
    assert_eq!(
        problem("2026-02-17\tHoliday\tx\ty").1,
        ParseProblem::Kind {
            text: "Holiday".to_owned()
        }
    );
    assert_eq!(
        problem("2026-02-17\tholiday\t \ty").1,
        ParseProblem::Empty { field: "name" }
    );
    assert_eq!(
        problem("2026-02-17\tholiday\tx\t").1,
        ParseProblem::Empty { field: "basis" }
    );
    assert_eq!(
        problem("2026-02-14\tcompensatory_off\tx\ty").1,
        ParseProblem::OffOnWeekend {
            date: "2026-02-14".to_owned()
        }
    );
    assert_eq!(
        problem("2026-02-16\tcompensatory_work\tx\ty").1,
        ParseProblem::WorkOnWeekday {
            date: "2026-02-16".to_owned()
        }
    );
    assert_eq!(
        problem("2026-02-17\tholiday\tx\ty\n\n2026-02-17\tholiday\tz\tw"),
        (
            3,
            ParseProblem::Duplicate {
                date: "2026-02-17".to_owned(),
                first_line: 1
            }
        )
    );
}

#[test]
fn error_messages_are_readable() {
    let error = parse_overrides("x\n2026-02-17\tmaybe\tTết\tCV").expect_err("bad");
    assert_eq!(
        error.to_string(),
        "line 1: expected 4 tab-separated fields (date, kind, name, basis), found 1"
    );
    let error = parse_overrides("2026-02-17\tmaybe\tTết\tCV").expect_err("bad");
    assert_eq!(
        error.to_string(),
        "line 1: unknown kind \"maybe\": expected holiday, compensatory_off or compensatory_work"
    );
}

#[test]
fn day_kinds_have_stable_strings() {
    for kind in DayKind::ALL {
        assert_eq!(DayKind::parse(kind.as_str()), Some(kind));
        assert_eq!(
            serde_json::to_string(&kind).expect("serialises"),
            format!("\"{}\"", kind.as_str())
        );
    }
    assert_eq!(DayKind::Holiday.as_str(), "holiday");
    assert_eq!(DayKind::CompensatoryOff.as_str(), "compensatory_off");
    assert_eq!(DayKind::CompensatoryWork.as_str(), "compensatory_work");
    assert_eq!(DayKind::parse("nghi_bu"), None);
    assert!(DayKind::Holiday.is_day_off() && !DayKind::CompensatoryWork.is_day_off());
}

#[test]
fn overrides_serialise_with_iso_dates() {
    let entry = DayOverride {
        date: date!(2026 - 11 - 24),
        kind: DayKind::Holiday,
        name: "Ngày Văn hóa Việt Nam".to_owned(),
        basis: "Nghị quyết 28/2026/QH16".to_owned(),
    };
    let json = serde_json::to_string(&entry).expect("serialises");
    assert_eq!(
        json,
        r#"{"date":"2026-11-24","kind":"holiday","name":"Ngày Văn hóa Việt Nam","basis":"Nghị quyết 28/2026/QH16"}"#
    );
    assert_eq!(
        serde_json::from_str::<DayOverride>(&json).expect("parses"),
        entry
    );
}

#[test]
fn formatting_then_parsing_gives_the_entries_back() {
    let entries = bundled_overrides().expect("shipped notices parse");
    assert_eq!(parse_overrides(&format_overrides(&entries)), Ok(entries));
    let odd = vec![DayOverride {
        date: date!(2026 - 01 - 02),
        kind: DayKind::CompensatoryOff,
        name: "a\tb\nc".to_owned(),
        basis: "d".to_owned(),
    }];
    assert_eq!(
        format_overrides(&odd),
        "2026-01-02\tcompensatory_off\ta b c\td\n"
    );
}

#[test]
fn shipped_notices_cover_2024_to_2026() {
    let entries = bundled_overrides().expect("shipped notices parse");
    let years: std::collections::BTreeSet<i32> = entries.iter().map(|e| e.date.year()).collect();
    assert_eq!(
        years.into_iter().collect::<Vec<_>>(),
        vec![2024, 2025, 2026]
    );
    assert!(
        entries
            .windows(2)
            .all(|w| matches!(w, [a, b] if a.date < b.date))
    );
    let work: Vec<_> = entries
        .iter()
        .filter(|e| e.kind == DayKind::CompensatoryWork)
        .map(|e| e.date)
        .collect();
    assert_eq!(
        work,
        vec![
            date!(2024 - 05 - 04),
            date!(2025 - 04 - 26),
            date!(2026 - 01 - 10),
            date!(2026 - 08 - 22),
        ]
    );
}
