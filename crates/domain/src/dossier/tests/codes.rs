//! Dossier codes and statuses: formatting, parsing, numbering, the national code mapping.

use proptest::prelude::*;
use time::Date;
use time::macros::date;

use super::*;
use crate::dossier::code::{FOUR_DIGIT_MAX, SEQUENCE_MAX};

fn agency() -> AgencyCode {
    AgencyCode::parse("000.00.30.H13").expect("valid")
}

#[test]
fn formats_the_legal_shape() {
    let formatted = DossierCode::format(&agency(), date!(2026 - 11 - 25), 1);
    assert_eq!(formatted.as_deref(), Ok("000.00.30.H13-261125-0001"));
    let code = DossierCode::new(agency(), date!(2026 - 01 - 05), 9_999).expect("valid");
    assert_eq!(code.to_string(), "000.00.30.H13-260105-9999");
}

#[test]
fn past_9999_the_sequence_widens_to_five_digits() {
    let code = DossierCode::new(agency(), date!(2026 - 11 - 25), 10_000).expect("valid");
    assert_eq!(code.to_string(), "000.00.30.H13-261125-10000");
    assert_eq!(DossierCode::parse("000.00.30.H13-261125-10000"), Ok(code));
    assert_eq!(
        DossierCode::new(agency(), date!(2026 - 11 - 25), 100_000).map_err(|e| e.as_str()),
        Err("dossier-code-sequence")
    );
    assert_eq!(next_sequence(None), Ok(1));
    assert_eq!(next_sequence(Some(0)), Ok(1));
    assert_eq!(next_sequence(Some(41)), Ok(42));
    assert_eq!(next_sequence(Some(FOUR_DIGIT_MAX)), Ok(10_000));
    assert_eq!(
        next_sequence(Some(SEQUENCE_MAX)).map_err(|e| e.as_str()),
        Err("dossier-sequence-exhausted")
    );
    assert!(next_sequence(Some(u32::MAX)).is_err());
}

#[test]
fn parse_errors_say_which_part_is_wrong() {
    let cases = [
        ("", "dossier-code-shape"),
        ("000.00.30.H13-261125", "dossier-code-shape"),
        ("000.00.30.H13-261125-0001-1", "dossier-code-shape"),
        ("000.00.30.h13-261125-0001", "dossier-code-agency"),
        (" 000.00.30.H13-261125-0001", "dossier-code-agency"),
        ("00.00.30.H13-261125-0001", "dossier-code-agency"),
        ("000.00.30.H13-261131-0001", "dossier-code-date"),
        ("000.00.30.H13-26113-0001", "dossier-code-date"),
        ("000.00.30.H13-2611+5-0001", "dossier-code-date"),
        ("000.00.30.H13-261125-0000", "dossier-code-sequence"),
        ("000.00.30.H13-261125-001", "dossier-code-sequence"),
        ("000.00.30.H13-261125-09999", "dossier-code-sequence"),
        ("000.00.30.H13-261125-+001", "dossier-code-sequence"),
        ("000.00.30.H13-261125-100000", "dossier-code-sequence"),
        ("000.00.30.H13-2611٢5-0001", "dossier-code-date"),
    ];
    for (input, expected) in cases {
        assert_eq!(
            DossierCode::parse(input).map_err(|e| e.as_str()),
            Err(expected),
            "{input:?}"
        );
    }
}

#[test]
fn codes_serialise_as_their_printed_form() {
    let code = code(12);
    let json = serde_json::to_string(&code).expect("serialises");
    assert_eq!(json, "\"000.00.30.H13-261125-0012\"");
    let back: DossierCode = serde_json::from_str(&json).expect("parses");
    assert_eq!(back, code);
    assert!(serde_json::from_str::<DossierCode>("\"nonsense\"").is_err());
}

#[test]
fn statuses_map_one_to_one_onto_the_national_codes() {
    for (index, status) in DossierStatus::ALL.into_iter().enumerate() {
        let expected = u8::try_from(index + 1).expect("small");
        assert_eq!(status.national_code(), expected);
        assert_eq!(DossierStatus::from_national_code(expected), Some(status));
        assert_eq!(DossierStatus::parse(status.as_str()), Some(status));
        assert!(!status.vietnamese().is_empty());
    }
    assert_eq!(DossierStatus::from_national_code(0), None);
    assert_eq!(DossierStatus::from_national_code(11), None);
    let terminal: Vec<u8> = DossierStatus::ALL
        .into_iter()
        .filter(|s| s.is_terminal())
        .map(DossierStatus::national_code)
        .collect();
    assert_eq!(terminal, [3, 7, 8, 10]);
}

fn any_date() -> impl Strategy<Value = Date> {
    (2000i32..=2099, 1u16..=365).prop_map(|(year, ordinal)| {
        Date::from_ordinal_date(year, ordinal).expect("every year has 365 days")
    })
}

fn any_agency() -> impl Strategy<Value = AgencyCode> {
    ("[0-9]{3}\\.[0-9]{2}\\.[0-9]{2}\\.[A-K][0-9]{2}")
        .prop_map(|text| AgencyCode::parse(&text).expect("generated valid"))
}

proptest! {
    #[test]
    fn format_then_parse_round_trips(agency in any_agency(), date in any_date(), sequence in 1u32..=SEQUENCE_MAX) {
        let code = DossierCode::new(agency, date, sequence).expect("inside the ranges");
        let text = code.to_string();
        prop_assert_eq!(DossierCode::parse(&text), Ok(code.clone()));
        prop_assert_eq!(code.sequence(), sequence);
        prop_assert_eq!(code.date(), date);
    }

    #[test]
    fn parse_never_panics(input in "\\PC{0,40}") {
        let _ = DossierCode::parse(&input);
    }

    #[test]
    fn parse_accepts_only_canonical_text(input in "[0-9.H-]{10,30}") {
        if let Ok(code) = DossierCode::parse(&input) {
            prop_assert_eq!(code.to_string(), input);
        }
    }
}
