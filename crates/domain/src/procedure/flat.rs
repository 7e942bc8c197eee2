//! The HTML form encoding of a procedure's form (tờ khai) for pages that work without
//! JavaScript: every answer is one `name=value` pair whose name is the same path the
//! validator reports errors under (`full_name`, `address.commune`, `children[1].birth_date`),
//! so an error lands next to its input without any mapping.
//!
//! [`values_from_pairs`] reads what a browser posts; [`pairs_from_values`] gives back the
//! pairs to pre-fill a form from stored answers. Blank inputs are absent answers, so the
//! validator decides what is required.

use super::form::{Field, FieldKind, FormSchema, FormValue, FormValues};
use crate::text;

/// The keys of an address answer.
pub const ADDRESS_PARTS: [&str; 3] = ["street", "province", "commune"];

/// Builds the answers from posted pairs (repeated names allowed for multiple choices).
pub fn values_from_pairs(schema: &FormSchema, pairs: &[(String, String)]) -> FormValues {
    fields_from_pairs(&schema.fields, "", pairs)
}

fn lookup<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, v)| k == name && !v.trim().is_empty())
        .map(|(_, v)| v.as_str())
}

fn fields_from_pairs(fields: &[Field], prefix: &str, pairs: &[(String, String)]) -> FormValues {
    let mut values = FormValues::new();
    for field in fields {
        let name = format!("{prefix}{}", field.id);
        if let Some(value) = field_from_pairs(field, &name, pairs) {
            values.insert(field.id.clone(), value);
        }
    }
    values
}

fn field_from_pairs(field: &Field, name: &str, pairs: &[(String, String)]) -> Option<FormValue> {
    match &field.kind {
        FieldKind::Checkbox => lookup(pairs, name).map(|_| FormValue::Bool(true)),
        FieldKind::Choice { multiple: true, .. } => {
            let chosen: Vec<String> = pairs
                .iter()
                .filter(|(k, v)| k == name && !v.trim().is_empty())
                .map(|(_, v)| text::nfc(v.trim()))
                .collect();
            (!chosen.is_empty()).then_some(FormValue::List(chosen))
        }
        FieldKind::Address { .. } => {
            let mut parts = FormValues::new();
            for part in ADDRESS_PARTS {
                if let Some(value) = lookup(pairs, &format!("{name}.{part}")) {
                    parts.insert(part, FormValue::Text(text::nfc(value)));
                }
            }
            let any = parts.iter().next().is_some();
            any.then_some(FormValue::Map(parts))
        }
        FieldKind::Group { fields, max, .. } => {
            // Items are numbered from 0; blank items (an unused spare row) are dropped and the
            // rest keep their order.
            let mut items = Vec::new();
            for index in 0..(*max).min(100) {
                let prefix = format!("{name}[{index}].");
                if !pairs.iter().any(|(k, _)| k.starts_with(&prefix)) {
                    continue;
                }
                let item = fields_from_pairs(fields, &prefix, pairs);
                let any = item.iter().next().is_some();
                if any {
                    items.push(item);
                }
            }
            (!items.is_empty()).then_some(FormValue::Groups(items))
        }
        _ => lookup(pairs, name).map(|v| FormValue::Text(text::nfc(v))),
    }
}

/// The pairs that pre-fill a form with `values` (the inverse of [`values_from_pairs`]).
pub fn pairs_from_values(schema: &FormSchema, values: &FormValues) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    pairs_of(&schema.fields, "", values, &mut pairs);
    pairs
}

fn scalar_text(value: &FormValue) -> Option<String> {
    match value {
        FormValue::Text(text) => Some(text.clone()),
        FormValue::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => {
            Some(format!("{}", *n as i64))
        }
        FormValue::Number(n) => Some(n.to_string()),
        FormValue::Bool(true) => Some("on".into()),
        _ => None,
    }
}

fn pairs_of(
    fields: &[Field],
    prefix: &str,
    values: &FormValues,
    pairs: &mut Vec<(String, String)>,
) {
    for field in fields {
        let name = format!("{prefix}{}", field.id);
        let Some(value) = values.get(&field.id) else {
            continue;
        };
        match (&field.kind, value) {
            (FieldKind::Group { fields, .. }, FormValue::Groups(items)) => {
                for (index, item) in items.iter().enumerate() {
                    pairs_of(fields, &format!("{name}[{index}]."), item, pairs);
                }
            }
            (FieldKind::Address { .. }, FormValue::Map(parts)) => {
                for part in ADDRESS_PARTS {
                    if let Some(text) = parts.get(part).and_then(scalar_text) {
                        pairs.push((format!("{name}.{part}"), text));
                    }
                }
            }
            (_, FormValue::List(items)) => {
                pairs.extend(items.iter().map(|item| (name.clone(), item.clone())));
            }
            (_, other) => {
                if let Some(text) = scalar_text(other) {
                    pairs.push((name, text));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::procedure::ChoiceOption;

    fn field(id: &str, kind: FieldKind) -> Field {
        Field {
            id: id.into(),
            label: id.into(),
            kind,
            required: false,
            help: None,
        }
    }

    fn schema() -> FormSchema {
        FormSchema {
            fields: vec![
                field(
                    "ho_ten",
                    FieldKind::Text {
                        max_len: 100,
                        pattern: None,
                    },
                ),
                field(
                    "noi_cu_tru",
                    FieldKind::Address {
                        require_street: true,
                    },
                ),
                field(
                    "giay_to",
                    FieldKind::Choice {
                        options: vec![
                            ChoiceOption {
                                value: "a".into(),
                                label: "A".into(),
                            },
                            ChoiceOption {
                                value: "b".into(),
                                label: "B".into(),
                            },
                        ],
                        multiple: true,
                    },
                ),
                field("cam_doan", FieldKind::Checkbox),
                field(
                    "con",
                    FieldKind::Group {
                        fields: vec![
                            field(
                                "ten",
                                FieldKind::Text {
                                    max_len: 50,
                                    pattern: None,
                                },
                            ),
                            field(
                                "nam_sinh",
                                FieldKind::Number {
                                    min: None,
                                    max: None,
                                    integer: true,
                                },
                            ),
                        ],
                        min: 0,
                        max: 3,
                    },
                ),
            ],
        }
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn posted_pairs_become_answers_under_the_validator_paths() {
        let values = values_from_pairs(
            &schema(),
            &pairs(&[
                ("ho_ten", "Nguyen Van A"),
                ("noi_cu_tru.street", "45 đường 30/4"),
                ("noi_cu_tru.province", "92"),
                ("noi_cu_tru.commune", ""),
                ("giay_to", "a"),
                ("giay_to", "b"),
                ("cam_doan", "on"),
                ("con[0].ten", "Bé Na"),
                ("con[0].nam_sinh", "2020"),
                ("con[1].ten", ""),
                ("con[1].nam_sinh", ""),
                ("con[2].ten", "Bé Tí"),
                ("_csrf", "x"),
            ]),
        );
        let json = serde_json::to_value(&values).expect("json");
        assert_eq!(json["ho_ten"], "Nguyen Van A");
        assert_eq!(
            json["noi_cu_tru"],
            serde_json::json!({"street": "45 đường 30/4", "province": "92"})
        );
        assert_eq!(json["giay_to"], serde_json::json!(["a", "b"]));
        assert_eq!(json["cam_doan"], true);
        assert_eq!(
            json["con"],
            serde_json::json!([{"ten": "Bé Na", "nam_sinh": "2020"}, {"ten": "Bé Tí"}]),
            "the blank spare row is dropped"
        );
        assert!(json.get("_csrf").is_none(), "unknown names are ignored");
    }

    #[test]
    fn blank_inputs_are_absent_answers() {
        let values = values_from_pairs(
            &schema(),
            &pairs(&[
                ("ho_ten", "  "),
                ("noi_cu_tru.street", ""),
                ("cam_doan", ""),
            ]),
        );
        assert_eq!(values, FormValues::new());
    }

    #[test]
    fn text_is_normalised_to_nfc() {
        let decomposed = "Nguye\u{302}\u{303}n";
        let values = values_from_pairs(&schema(), &pairs(&[("ho_ten", decomposed)]));
        assert_eq!(
            values.get("ho_ten"),
            Some(&FormValue::Text("Nguyễn".into()))
        );
    }

    #[test]
    fn stored_answers_round_trip_through_the_pairs() {
        let posted = pairs(&[
            ("ho_ten", "Lê Thị Hoa"),
            ("noi_cu_tru.street", "12 Hòa Bình"),
            ("noi_cu_tru.province", "92"),
            ("noi_cu_tru.commune", "31117"),
            ("giay_to", "b"),
            ("cam_doan", "on"),
            ("con[0].ten", "Bé Na"),
            ("con[1].ten", "Bé Tí"),
        ]);
        let values = values_from_pairs(&schema(), &posted);
        let back = pairs_from_values(&schema(), &values);
        assert_eq!(values_from_pairs(&schema(), &back), values);
        assert!(back.contains(&("con[1].ten".to_owned(), "Bé Tí".to_owned())));
    }

    #[test]
    fn numbers_prefill_without_a_decimal_point() {
        let values = FormValues::new().with(
            "con",
            FormValue::Groups(vec![
                FormValues::new().with("nam_sinh", FormValue::Number(2020.0)),
            ]),
        );
        assert_eq!(
            pairs_from_values(&schema(), &values),
            vec![("con[0].nam_sinh".to_owned(), "2020".to_owned())]
        );
    }
}
