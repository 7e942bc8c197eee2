//! Checks and normalisation of single answers (text, numbers, dates, choices, identifiers,
//! checkboxes), kept apart from the walk over the schema in `form_validate`.
//!
//! Each function takes one submitted value and returns an [`Outcome`]: a normalised value, "left
//! empty", "checkbox explicitly unticked" or an error code. Whether an empty answer is an error
//! is decided by the caller, which knows if the field is required.

use super::dates::{iso, parse_form_date};
use super::form::{FieldKind, FormValue, TextPattern};
use super::form_validate::FieldErrorCode;
use crate::identity::{Email, PersonalId, Phone};
use crate::text::{clean, nfc};
use time::Date;

/// Result of checking one scalar answer.
pub(super) enum Outcome {
    Value(FormValue),
    Empty,
    /// A checkbox explicitly left unticked.
    Unticked,
    Error(FieldErrorCode),
}

pub(super) fn scalar(kind: &FieldKind, value: &FormValue, today: Date) -> Outcome {
    match kind {
        FieldKind::Text { max_len, pattern } => text(value, *max_len, *pattern),
        FieldKind::LongText { max_len } => long_text(value, *max_len),
        FieldKind::Number { min, max, integer } => number(value, *min, *max, *integer),
        FieldKind::Date {
            not_future,
            not_before,
        } => date(value, *not_future, *not_before, today),
        FieldKind::Choice { options, multiple } => {
            let known = |candidate: &str| options.iter().any(|option| option.value == candidate);
            choice(value, *multiple, known)
        }
        FieldKind::PersonalId => identifier(value, FieldErrorCode::InvalidPersonalId, |s| {
            PersonalId::parse(s).map(String::from).ok()
        }),
        FieldKind::Phone => identifier(value, FieldErrorCode::InvalidPhone, |s| {
            Phone::parse(s).map(String::from).ok()
        }),
        FieldKind::Email => identifier(value, FieldErrorCode::InvalidEmail, |s| {
            Email::parse(s).map(String::from).ok()
        }),
        // Structured kinds are handled by their own functions before reaching here.
        FieldKind::Address { .. } | FieldKind::Checkbox | FieldKind::Group { .. } => {
            Outcome::Error(FieldErrorCode::WrongType)
        }
    }
}

/// The text of an answer that should be a single string. Numbers are accepted for text
/// (API clients send house numbers as numbers) and written without a trailing `.0`.
fn single_text(value: &FormValue) -> Option<String> {
    match value {
        FormValue::Text(text) => Some(text.clone()),
        FormValue::Number(number) if number.is_finite() => Some(format_number(*number)),
        _ => None,
    }
}

fn format_number(number: f64) -> String {
    if number.fract() == 0.0 && number.abs() < 1e15 {
        format!("{number:.0}")
    } else {
        number.to_string()
    }
}

fn text(value: &FormValue, max_len: u32, pattern: Option<TextPattern>) -> Outcome {
    let Some(raw) = single_text(value) else {
        return Outcome::Error(FieldErrorCode::WrongType);
    };
    let cleaned = clean(&raw);
    if cleaned.is_empty() {
        return Outcome::Empty;
    }
    if too_long(&cleaned, max_len) {
        return Outcome::Error(FieldErrorCode::TooLong);
    }
    if let Some(pattern) = pattern
        && !pattern.matches(&cleaned)
    {
        return Outcome::Error(FieldErrorCode::PatternMismatch);
    }
    Outcome::Value(FormValue::Text(cleaned))
}

fn long_text(value: &FormValue, max_len: u32) -> Outcome {
    let Some(raw) = single_text(value) else {
        return Outcome::Error(FieldErrorCode::WrongType);
    };
    // Keep line breaks, tidy each line, drop leading and trailing blank lines.
    let unified = nfc(&raw).replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<String> = unified.split('\n').map(clean).collect();
    let cleaned = lines.join("\n").trim_matches('\n').to_owned();
    if cleaned.is_empty() {
        return Outcome::Empty;
    }
    if too_long(&cleaned, max_len) {
        return Outcome::Error(FieldErrorCode::TooLong);
    }
    Outcome::Value(FormValue::Text(cleaned))
}

fn too_long(text: &str, max_len: u32) -> bool {
    text.chars().count() > usize::try_from(max_len).unwrap_or(usize::MAX)
}

fn number(value: &FormValue, min: Option<f64>, max: Option<f64>, integer: bool) -> Outcome {
    let parsed = match value {
        FormValue::Number(number) => Some(*number),
        FormValue::Text(text) => {
            let trimmed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            if trimmed.is_empty() {
                return Outcome::Empty;
            }
            parse_decimal(&trimmed)
        }
        _ => return Outcome::Error(FieldErrorCode::WrongType),
    };
    let Some(number) = parsed.filter(|n| n.is_finite()) else {
        return Outcome::Error(FieldErrorCode::NotANumber);
    };
    if integer && number.fract() != 0.0 {
        return Outcome::Error(FieldErrorCode::NotAnInteger);
    }
    let below = min.is_some_and(|min| number < min);
    let above = max.is_some_and(|max| number > max);
    if below || above {
        return Outcome::Error(FieldErrorCode::OutOfRange);
    }
    Outcome::Value(FormValue::Number(number))
}

/// Plain decimal notation only: an optional sign, digits, and one decimal point or comma.
/// ("inf", "NaN" and exponents, which `f64::from_str` would take, are refused.)
fn parse_decimal(text: &str) -> Option<f64> {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let separators = unsigned.chars().filter(|c| matches!(c, '.' | ',')).count();
    let digits_only = unsigned
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | ','));
    let has_digit = unsigned.chars().any(|c| c.is_ascii_digit());
    if !digits_only || !has_digit || separators > 1 {
        return None;
    }
    text.replace(',', ".").parse().ok()
}

fn date(value: &FormValue, not_future: bool, not_before: Option<Date>, today: Date) -> Outcome {
    let FormValue::Text(raw) = value else {
        return Outcome::Error(FieldErrorCode::WrongType);
    };
    if raw.trim().is_empty() {
        return Outcome::Empty;
    }
    let Some(parsed) = parse_form_date(raw) else {
        return Outcome::Error(FieldErrorCode::InvalidDate);
    };
    if not_future && parsed > today {
        return Outcome::Error(FieldErrorCode::DateInFuture);
    }
    if not_before.is_some_and(|limit| parsed < limit) {
        return Outcome::Error(FieldErrorCode::DateTooEarly);
    }
    Outcome::Value(FormValue::Text(iso(parsed)))
}

fn choice(value: &FormValue, multiple: bool, known: impl Fn(&str) -> bool) -> Outcome {
    let picked: Vec<String> = match value {
        FormValue::Text(text) => vec![clean(text)],
        FormValue::List(items) => items.iter().map(|item| clean(item)).collect(),
        _ => return Outcome::Error(FieldErrorCode::WrongType),
    };
    let mut chosen: Vec<String> = Vec::new();
    for item in picked.into_iter().filter(|item| !item.is_empty()) {
        if !known(&item) {
            return Outcome::Error(FieldErrorCode::InvalidChoice);
        }
        if !chosen.contains(&item) {
            chosen.push(item);
        }
    }
    match (multiple, chosen.len()) {
        (_, 0) => Outcome::Empty,
        (false, 1) => Outcome::Value(FormValue::Text(chosen.remove(0))),
        (false, _) => Outcome::Error(FieldErrorCode::InvalidChoice),
        (true, _) => Outcome::Value(FormValue::List(chosen)),
    }
}

fn identifier(
    value: &FormValue,
    invalid: FieldErrorCode,
    parse: impl Fn(&str) -> Option<String>,
) -> Outcome {
    // Numbers are refused: a JSON number would have lost the leading zeros of an identifier.
    let FormValue::Text(raw) = value else {
        return Outcome::Error(FieldErrorCode::WrongType);
    };
    let cleaned = clean(raw);
    if cleaned.is_empty() {
        return Outcome::Empty;
    }
    match parse(&cleaned) {
        Some(canonical) => Outcome::Value(FormValue::Text(canonical)),
        None => Outcome::Error(invalid),
    }
}

pub(super) fn checkbox(value: Option<&FormValue>) -> Outcome {
    let ticked = match value {
        None => return Outcome::Empty,
        Some(FormValue::Bool(ticked)) => *ticked,
        Some(FormValue::Number(number)) if *number == 1.0 => true,
        Some(FormValue::Number(number)) if *number == 0.0 => false,
        Some(FormValue::Text(text)) => match clean(text).to_lowercase().as_str() {
            "on" | "true" | "1" | "yes" | "có" => true,
            "" | "off" | "false" | "0" | "no" | "không" => false,
            _ => return Outcome::Error(FieldErrorCode::WrongType),
        },
        Some(_) => return Outcome::Error(FieldErrorCode::WrongType),
    };
    if ticked {
        Outcome::Value(FormValue::Bool(true))
    } else {
        Outcome::Unticked
    }
}
