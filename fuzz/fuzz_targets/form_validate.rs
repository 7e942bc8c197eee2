//! The form-schema validator: submitted values against the bundled civil-status forms (the
//! commonest submissions), and arbitrary schemas (as an administrator could import them) with
//! arbitrary values. Never panics; a form that passes comes back normalised, and the
//! normalised form passes again unchanged (the stored form is what was validated).
#![no_main]

use libfuzzer_sys::fuzz_target;
use motcua_domain::procedure::{FormSchema, FormValues, Procedure};
use std::sync::OnceLock;
use time::macros::date;

fn schemas() -> &'static [FormSchema] {
    static SCHEMAS: OnceLock<Vec<FormSchema>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let text = include_str!("../../data/catalogue/ho-tich.json");
        let procedures: Vec<Procedure> = serde_json::from_str(text).expect("bundled catalogue");
        procedures.into_iter().map(|p| p.form_schema).collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let today = date!(2026 - 11 - 30);
    if selector & 1 == 0 {
        let Ok(values) = serde_json::from_slice::<FormValues>(rest) else {
            return;
        };
        let schemas = schemas();
        let schema = &schemas[usize::from(selector / 2) % schemas.len()];
        if let Ok(valid) = schema.validate(&values, today) {
            let again = schema
                .validate(valid.values(), today)
                .expect("a normalised form validates again");
            assert_eq!(again, valid);
        }
    } else {
        let mut stream = serde_json::Deserializer::from_slice(rest).into_iter::<serde_json::Value>();
        let (Some(Ok(schema)), Some(Ok(values))) = (stream.next(), stream.next()) else {
            return;
        };
        let Ok(schema) = serde_json::from_value::<FormSchema>(schema) else {
            return;
        };
        let Ok(values) = serde_json::from_value::<FormValues>(values) else {
            return;
        };
        let _ = schema.validate(&values, today);
    }
});
