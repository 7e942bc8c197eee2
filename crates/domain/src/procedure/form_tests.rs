//! Tests of form validation: one table row per field kind and error code, group paths, text
//! normalisation, and a property test that no submission makes the validator panic.

use super::*;
use time::Date;
use time::macros::date;
use unicode_normalization::UnicodeNormalization;

pub(super) const TODAY: Date = date!(2026 - 11 - 24);

fn field(id: &str, kind: FieldKind, required: bool) -> Field {
    Field {
        id: id.to_owned(),
        label: format!("Nhãn {id}"),
        kind,
        required,
        help: None,
    }
}

fn options(values: &[&str]) -> Vec<ChoiceOption> {
    values
        .iter()
        .map(|value| ChoiceOption {
            value: (*value).to_owned(),
            label: value.to_uppercase(),
        })
        .collect()
}

/// A schema with one field of every kind.
pub(super) fn every_kind() -> FormSchema {
    FormSchema {
        fields: vec![
            field(
                "full_name",
                FieldKind::Text {
                    max_len: 20,
                    pattern: Some(TextPattern::PersonName),
                },
                true,
            ),
            field("reason", FieldKind::LongText { max_len: 30 }, false),
            field(
                "area",
                FieldKind::Number {
                    min: Some(0.0),
                    max: Some(1000.0),
                    integer: false,
                },
                false,
            ),
            field(
                "floors",
                FieldKind::Number {
                    min: Some(1.0),
                    max: Some(7.0),
                    integer: true,
                },
                false,
            ),
            field(
                "birth_date",
                FieldKind::Date {
                    not_future: true,
                    not_before: Some(date!(1900 - 01 - 01)),
                },
                false,
            ),
            field(
                "sex",
                FieldKind::Choice {
                    options: options(&["nam", "nu"]),
                    multiple: false,
                },
                false,
            ),
            field(
                "copies_of",
                FieldKind::Choice {
                    options: options(&["khai_sinh", "ket_hon", "khai_tu"]),
                    multiple: true,
                },
                false,
            ),
            field("pin", FieldKind::PersonalId, false),
            field("phone", FieldKind::Phone, false),
            field("email", FieldKind::Email, false),
            field(
                "residence",
                FieldKind::Address {
                    require_street: true,
                },
                false,
            ),
            field("pledge", FieldKind::Checkbox, true),
            field(
                "children",
                FieldKind::Group {
                    fields: vec![
                        field(
                            "name",
                            FieldKind::Text {
                                max_len: 50,
                                pattern: None,
                            },
                            true,
                        ),
                        field(
                            "birth_date",
                            FieldKind::Date {
                                not_future: true,
                                not_before: None,
                            },
                            true,
                        ),
                    ],
                    min: 1,
                    max: 3,
                },
                false,
            ),
            field(
                "witnesses",
                FieldKind::Group {
                    fields: vec![field("pin", FieldKind::PersonalId, true)],
                    min: 2,
                    max: 2,
                },
                false,
            ),
        ],
    }
}

/// The smallest valid submission for [`every_kind`].
fn minimal() -> serde_json::Value {
    serde_json::json!({"full_name": "Nguyễn Văn An", "pledge": true})
}

fn submit(extra: serde_json::Value) -> Result<ValidatedForm, Vec<(String, FieldErrorCode)>> {
    let mut json = minimal();
    if let (Some(base), Some(extra)) = (json.as_object_mut(), extra.as_object()) {
        for (key, value) in extra {
            base.insert(key.clone(), value.clone());
        }
    }
    let values: FormValues = serde_json::from_value(json).expect("test JSON is a form");
    every_kind()
        .validate(&values, TODAY)
        .map_err(|errors| errors.into_iter().map(|e| (e.path, e.code)).collect())
}

fn errors_of(extra: serde_json::Value) -> Vec<(String, FieldErrorCode)> {
    match submit(extra) {
        Ok(form) => panic!("expected errors, got {form:?}"),
        Err(errors) => errors,
    }
}

#[test]
fn the_test_schema_itself_is_consistent() {
    assert_eq!(every_kind().check(), Ok(()));
}

#[test]
fn minimal_submission_passes() {
    let form = submit(serde_json::json!({})).expect("valid");
    assert_eq!(form.text("full_name"), Some("Nguyễn Văn An"));
    assert_eq!(form.get("pledge"), Some(&FormValue::Bool(true)));
    assert_eq!(form.values().len(), 2);
}

#[test]
fn every_error_code_is_produced_by_some_input() {
    use FieldErrorCode as C;
    let table: Vec<(serde_json::Value, &str, FieldErrorCode)> = vec![
        (
            serde_json::json!({"full_name": "   "}),
            "full_name",
            C::Required,
        ),
        (
            serde_json::json!({"full_name": "A".repeat(21)}),
            "full_name",
            C::TooLong,
        ),
        (
            serde_json::json!({"full_name": "Nguyen 2"}),
            "full_name",
            C::PatternMismatch,
        ),
        (
            serde_json::json!({"full_name": ["a"]}),
            "full_name",
            C::WrongType,
        ),
        (
            serde_json::json!({"reason": "x".repeat(31)}),
            "reason",
            C::TooLong,
        ),
        (serde_json::json!({"area": "12a"}), "area", C::NotANumber),
        (serde_json::json!({"area": "inf"}), "area", C::NotANumber),
        (serde_json::json!({"area": "1e3"}), "area", C::NotANumber),
        (serde_json::json!({"area": 1000.5}), "area", C::OutOfRange),
        (serde_json::json!({"area": "-1"}), "area", C::OutOfRange),
        (
            serde_json::json!({"floors": "2,5"}),
            "floors",
            C::NotAnInteger,
        ),
        (serde_json::json!({"floors": 8}), "floors", C::OutOfRange),
        (
            serde_json::json!({"birth_date": "31/02/2020"}),
            "birth_date",
            C::InvalidDate,
        ),
        (
            serde_json::json!({"birth_date": "25/11/2026"}),
            "birth_date",
            C::DateInFuture,
        ),
        (
            serde_json::json!({"birth_date": "1899-12-31"}),
            "birth_date",
            C::DateTooEarly,
        ),
        (
            serde_json::json!({"birth_date": 20200101}),
            "birth_date",
            C::WrongType,
        ),
        (serde_json::json!({"sex": "khac"}), "sex", C::InvalidChoice),
        (
            serde_json::json!({"sex": ["nam", "nu"]}),
            "sex",
            C::InvalidChoice,
        ),
        (
            serde_json::json!({"copies_of": ["khai_sinh", "ly_hon"]}),
            "copies_of",
            C::InvalidChoice,
        ),
        (
            serde_json::json!({"pin": "12345"}),
            "pin",
            C::InvalidPersonalId,
        ),
        (
            serde_json::json!({"pin": 92_123_456_789_i64}),
            "pin",
            C::WrongType,
        ),
        (
            serde_json::json!({"phone": "12345"}),
            "phone",
            C::InvalidPhone,
        ),
        (
            serde_json::json!({"email": "an@"}),
            "email",
            C::InvalidEmail,
        ),
        (
            serde_json::json!({"residence": {"street": "ấp 1", "province": "9", "commune": "31117"}}),
            "residence.province",
            C::InvalidAdministrativeUnit,
        ),
        (
            serde_json::json!({"residence": {"street": "ấp 1", "province": "92"}}),
            "residence.commune",
            C::Required,
        ),
        (
            serde_json::json!({"residence": {"province": "92", "commune": "31117"}}),
            "residence.street",
            C::Required,
        ),
        (
            serde_json::json!({"residence": {"street": "x", "province": "92", "commune": "31117", "zip": "1"}}),
            "residence.zip",
            C::UnknownField,
        ),
        (
            serde_json::json!({"residence": "Cần Thơ"}),
            "residence",
            C::WrongType,
        ),
        (
            serde_json::json!({"pledge": false}),
            "pledge",
            C::MustAccept,
        ),
        (
            serde_json::json!({"pledge": "off"}),
            "pledge",
            C::MustAccept,
        ),
        (
            serde_json::json!({"pledge": "maybe"}),
            "pledge",
            C::WrongType,
        ),
        (
            serde_json::json!({"witnesses": [{"pin": "092090123456"}]}),
            "witnesses",
            C::TooFewItems,
        ),
        (
            serde_json::json!({"children": [{"name": "a", "birth_date": "2020-01-01"}, {"name": "b", "birth_date": "2020-01-01"}, {"name": "c", "birth_date": "2020-01-01"}, {"name": "d", "birth_date": "2020-01-01"}]}),
            "children",
            C::TooManyItems,
        ),
        (
            serde_json::json!({"children": "An"}),
            "children",
            C::WrongType,
        ),
        (
            serde_json::json!({"nickname": "Tí"}),
            "nickname",
            C::UnknownField,
        ),
    ];
    let mut seen = std::collections::HashSet::new();
    for (extra, path, code) in table {
        let errors = errors_of(extra.clone());
        assert!(
            errors.contains(&(path.to_owned(), code)),
            "{extra} should give {path} {code:?}, got {errors:?}"
        );
        seen.insert(code);
    }
    // The unknown administrative unit needs a directory; its own test covers it.
    seen.insert(C::UnknownAdministrativeUnit);
    for code in FieldErrorCode::ALL {
        assert!(seen.contains(&code), "no table row produces {code:?}");
    }
}

#[test]
fn error_codes_have_distinct_stable_ids() {
    let ids: std::collections::HashSet<&str> = FieldErrorCode::ALL
        .iter()
        .map(|code| code.as_str())
        .collect();
    assert_eq!(ids.len(), FieldErrorCode::ALL.len());
    assert!(ids.iter().all(|id| id.starts_with("form-")));
    assert_eq!(FieldErrorCode::Required.as_str(), "form-required");
    assert_eq!(
        FieldErrorCode::InvalidPersonalId.as_str(),
        "form-invalid-personal-id"
    );
}

#[test]
fn valid_answers_of_every_kind_are_normalised() {
    let form = submit(serde_json::json!({
        "reason": "  dòng một  \r\n\r\n  dòng   hai ",
        "area": "120,5",
        "floors": 3,
        "birth_date": "7/3/1990",
        "sex": " nu ",
        "copies_of": ["ket_hon", "khai_sinh", "ket_hon"],
        "pin": "092 090 123 456",
        "phone": "+84 912 345 678",
        "email": " An@Example.VN ",
        "residence": {"street": " 12  Hòa Bình ", "province": "92", "commune": "31117"},
        "pledge": "on",
        "children": [{"name": "Bé  Na", "birth_date": "2024-05-01"}],
    }))
    .expect("valid");
    let values = form.values();
    assert_eq!(values.text("reason"), Some("dòng một\n\ndòng hai"));
    assert_eq!(values.get("area"), Some(&FormValue::Number(120.5)));
    assert_eq!(values.get("floors"), Some(&FormValue::Number(3.0)));
    assert_eq!(values.text("birth_date"), Some("1990-03-07"));
    assert_eq!(values.text("sex"), Some("nu"));
    assert_eq!(
        values.get("copies_of"),
        Some(&FormValue::List(vec!["ket_hon".into(), "khai_sinh".into()]))
    );
    assert_eq!(values.text("pin"), Some("092090123456"));
    assert_eq!(values.text("phone"), Some("0912345678"));
    assert_eq!(values.text("email"), Some("an@example.vn"));
    let Some(FormValue::Map(address)) = values.get("residence") else {
        panic!("address kept as a map");
    };
    assert_eq!(address.text("street"), Some("12 Hòa Bình"));
    assert_eq!(address.text("commune"), Some("31117"));
    let Some(FormValue::Groups(children)) = values.get("children") else {
        panic!("group kept as groups");
    };
    assert_eq!(children[0].text("name"), Some("Bé Na"));
}

#[test]
fn optional_fields_left_blank_are_absent_not_errors() {
    let form = submit(serde_json::json!({
        "reason": " \n ", "area": "", "birth_date": "", "sex": "", "copies_of": [],
        "pin": "", "residence": {"street": "", "province": "", "commune": ""},
        "children": [],
    }));
    let form = form.expect("blank optional answers are fine");
    assert_eq!(
        form.values().len(),
        2,
        "only full_name and pledge remain: {form:?}"
    );
}

#[test]
fn errors_in_groups_carry_indexed_paths() {
    let errors = errors_of(serde_json::json!({
        "children": [
            {"name": "An", "birth_date": "2020-01-01"},
            {"name": "", "birth_date": "2030-01-01", "extra": 1},
        ]
    }));
    assert_eq!(
        errors,
        vec![
            ("children[1].name".to_owned(), FieldErrorCode::Required),
            (
                "children[1].birth_date".to_owned(),
                FieldErrorCode::DateInFuture
            ),
            ("children[1].extra".to_owned(), FieldErrorCode::UnknownField),
        ]
    );
}

#[test]
fn groups_nest_and_paths_compose() {
    let schema = FormSchema {
        fields: vec![field(
            "owners",
            FieldKind::Group {
                fields: vec![field(
                    "heirs",
                    FieldKind::Group {
                        fields: vec![field("pin", FieldKind::PersonalId, true)],
                        min: 0,
                        max: 5,
                    },
                    true,
                )],
                min: 1,
                max: 5,
            },
            true,
        )],
    };
    let values: FormValues = serde_json::from_value(serde_json::json!({
        "owners": [{"heirs": [{"pin": "092090123456"}]}, {"heirs": [{"pin": "1"}, {"pin": ""}]}]
    }))
    .expect("form JSON");
    let errors = schema.validate(&values, TODAY).expect_err("invalid");
    let paths: Vec<(&str, FieldErrorCode)> =
        errors.iter().map(|e| (e.path.as_str(), e.code)).collect();
    assert_eq!(
        paths,
        vec![
            ("owners[1].heirs[0].pin", FieldErrorCode::InvalidPersonalId),
            ("owners[1].heirs[1].pin", FieldErrorCode::Required),
        ]
    );
}

#[test]
fn required_group_left_out_is_required() {
    let schema = FormSchema {
        fields: vec![field(
            "members",
            FieldKind::Group {
                fields: vec![field(
                    "name",
                    FieldKind::Text {
                        max_len: 10,
                        pattern: None,
                    },
                    true,
                )],
                min: 0,
                max: 2,
            },
            true,
        )],
    };
    let errors = schema
        .validate(&FormValues::new(), TODAY)
        .expect_err("required");
    assert_eq!(errors[0].path, "members");
    assert_eq!(errors[0].code, FieldErrorCode::Required);
}

#[test]
fn nfd_input_is_stored_as_nfc() {
    let nfd: String = "Trần Thị Ngọc Hường".nfd().collect();
    assert_ne!(nfd, "Trần Thị Ngọc Hường");
    let form = submit(serde_json::json!({"full_name": nfd})).expect("valid");
    assert_eq!(form.text("full_name"), Some("Trần Thị Ngọc Hường"));
}

#[test]
fn length_is_counted_in_characters_after_normalisation() {
    // 20 Vietnamese letters are 20 characters even though NFD would make them 40 code points.
    let twenty: String = "ệ".repeat(20).nfd().collect();
    assert!(submit(serde_json::json!({"full_name": twenty})).is_ok());
}

#[test]
fn unknown_fields_are_rejected_and_all_errors_come_together() {
    let errors = errors_of(serde_json::json!({
        "full_name": "", "pledge": false, "admin": true, "phone": "abc",
    }));
    assert_eq!(
        errors,
        vec![
            ("full_name".to_owned(), FieldErrorCode::Required),
            ("phone".to_owned(), FieldErrorCode::InvalidPhone),
            ("pledge".to_owned(), FieldErrorCode::MustAccept),
            ("admin".to_owned(), FieldErrorCode::UnknownField),
        ]
    );
}

#[test]
fn a_missing_required_checkbox_must_be_accepted() {
    let values: FormValues =
        serde_json::from_value(serde_json::json!({"full_name": "An"})).expect("form JSON");
    let errors = every_kind().validate(&values, TODAY).expect_err("unticked");
    assert_eq!(errors[0].path, "pledge");
    assert_eq!(errors[0].code, FieldErrorCode::MustAccept);
}

struct OnlyCanTho;

impl AdministrativeUnits for OnlyCanTho {
    fn contains(&self, province: &str, commune: &str) -> bool {
        province == "92" && commune.starts_with("31")
    }
}

#[test]
fn administrative_units_are_checked_against_the_supplied_directory() {
    let context = ValidationContext {
        today: TODAY,
        units: &OnlyCanTho,
    };
    let schema = every_kind();
    let with_commune = |commune: &str| -> FormValues {
        serde_json::from_value(serde_json::json!({
            "full_name": "An", "pledge": true,
            "residence": {"street": "ấp Mỹ Khánh", "province": "92", "commune": commune},
        }))
        .expect("form JSON")
    };
    assert!(
        schema
            .validate_with(&with_commune("31117"), &context)
            .is_ok()
    );
    let errors = schema
        .validate_with(&with_commune("00004"), &context)
        .expect_err("not in Cần Thơ");
    assert_eq!(errors[0].path, "residence.commune");
    assert_eq!(errors[0].code, FieldErrorCode::UnknownAdministrativeUnit);
}
