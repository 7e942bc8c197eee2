//! Tests of the shapes forms arrive in: named text patterns, the untagged JSON of a submitted
//! form, and a property test that validation never panics, whatever is submitted.

use super::form_tests::{TODAY, every_kind};
use super::*;
use proptest::prelude::*;

#[test]
fn text_patterns_accept_and_refuse_as_documented() {
    let table = [
        (TextPattern::Digits, "0123", true),
        (TextPattern::Digits, "12a", false),
        (TextPattern::PersonName, "Nguyễn Thị Ánh-Tuyết", true),
        (TextPattern::PersonName, "H'Hen Niê", true),
        (TextPattern::PersonName, "An 2", false),
        (TextPattern::PersonName, "--", false),
        (TextPattern::TaxCode, "1801234567", true),
        (TextPattern::TaxCode, "1801234567-001", true),
        (TextPattern::TaxCode, "180123456", false),
        (TextPattern::DocumentNumber, "123/2024/QĐ-UBND", true),
        (TextPattern::DocumentNumber, "123/qđ", false),
    ];
    for (pattern, text, expected) in table {
        assert_eq!(pattern.matches(text), expected, "{pattern:?} on {text:?}");
    }
}

#[test]
fn form_values_deserialise_from_web_json_shapes() {
    let values: FormValues = serde_json::from_str(
        r#"{"a": "x", "b": 1.5, "c": true, "d": ["p", "q"], "e": [{"f": "g"}], "h": {"street": "s"}, "i": []}"#,
    )
    .expect("form JSON");
    assert_eq!(values.get("a"), Some(&FormValue::Text("x".into())));
    assert_eq!(values.get("b"), Some(&FormValue::Number(1.5)));
    assert_eq!(values.get("c"), Some(&FormValue::Bool(true)));
    assert_eq!(
        values.get("d"),
        Some(&FormValue::List(vec!["p".into(), "q".into()]))
    );
    assert!(matches!(values.get("e"), Some(FormValue::Groups(items)) if items.len() == 1));
    assert!(matches!(values.get("h"), Some(FormValue::Map(_))));
    assert_eq!(values.get("i"), Some(&FormValue::List(Vec::new())));
}

fn arbitrary_value() -> impl Strategy<Value = FormValue> {
    let leaf = prop_oneof![
        "\\PC{0,30}".prop_map(FormValue::Text),
        prop_oneof![any::<f64>(), Just(f64::NAN), Just(f64::INFINITY)].prop_map(FormValue::Number),
        any::<bool>().prop_map(FormValue::Bool),
        prop::collection::vec("\\PC{0,10}", 0..4).prop_map(FormValue::List),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        let map = prop::collection::btree_map(field_key(), inner, 0..4)
            .prop_map(|map| map.into_iter().collect::<FormValues>())
            .boxed();
        prop_oneof![
            map.clone().prop_map(FormValue::Map),
            prop::collection::vec(map, 0..4).prop_map(FormValue::Groups),
        ]
    })
}

/// Mostly keys the schema knows, so that the validator goes deep, plus some noise.
fn field_key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "full_name",
            "reason",
            "area",
            "floors",
            "birth_date",
            "sex",
            "copies_of",
            "pin",
            "phone",
            "email",
            "residence",
            "pledge",
            "children",
            "name",
            "street",
            "province",
            "commune",
        ])
        .prop_map(str::to_owned),
        "\\PC{0,12}",
    ]
}

proptest! {
    #[test]
    fn validation_never_panics(
        entries in prop::collection::btree_map(field_key(), arbitrary_value(), 0..14)
    ) {
        let values: FormValues = entries.into_iter().collect();
        let outcome = every_kind().validate(&values, TODAY);
        if let Err(errors) = outcome {
            prop_assert!(!errors.is_empty());
        }
    }
}
