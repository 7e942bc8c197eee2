//! Server-side validation of a submitted application form against its schema.
//!
//! The web form, the JSON API and the counter all end here, so a rule is checked once. All
//! problems are reported together (an applicant fixes everything in one round), each with a
//! path (`children[1].birth_date`, 0-based indexes) and a stable code that is also the key of
//! the message in the catalogues. Text is normalised to NFC on the way in; the clock is not
//! read here: the caller passes today's date.

use super::form::{AddressValue, Field, FieldKind, FormSchema, FormValue, FormValues};
use super::form_scalar::{Outcome, checkbox, scalar};
use crate::text::clean;
use serde::Serialize;
use time::Date;

/// Longest street line accepted in an address.
const STREET_MAX_LEN: usize = 200;
/// Longest unknown key echoed back in an error path.
const KEY_ECHO_MAX: usize = 64;

/// Why one answer was rejected. `as_str` gives the message-catalogue key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldErrorCode {
    Required,
    TooLong,
    /// The answer has the wrong shape (a list where text was expected, …).
    WrongType,
    NotANumber,
    NotAnInteger,
    OutOfRange,
    InvalidDate,
    DateInFuture,
    DateTooEarly,
    InvalidChoice,
    InvalidPersonalId,
    InvalidPhone,
    InvalidEmail,
    /// An administrative-unit code that is not 2 (province) or 5 (commune) digits.
    InvalidAdministrativeUnit,
    /// A well-formed code that the directory of administrative units does not know.
    UnknownAdministrativeUnit,
    UnknownField,
    TooFewItems,
    TooManyItems,
    MustAccept,
    PatternMismatch,
}

impl FieldErrorCode {
    pub const ALL: [FieldErrorCode; 20] = [
        Self::Required,
        Self::TooLong,
        Self::WrongType,
        Self::NotANumber,
        Self::NotAnInteger,
        Self::OutOfRange,
        Self::InvalidDate,
        Self::DateInFuture,
        Self::DateTooEarly,
        Self::InvalidChoice,
        Self::InvalidPersonalId,
        Self::InvalidPhone,
        Self::InvalidEmail,
        Self::InvalidAdministrativeUnit,
        Self::UnknownAdministrativeUnit,
        Self::UnknownField,
        Self::TooFewItems,
        Self::TooManyItems,
        Self::MustAccept,
        Self::PatternMismatch,
    ];

    /// Stable identifier, used as the message-catalogue key.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Required => "form-required",
            Self::TooLong => "form-too-long",
            Self::WrongType => "form-wrong-type",
            Self::NotANumber => "form-not-a-number",
            Self::NotAnInteger => "form-not-an-integer",
            Self::OutOfRange => "form-out-of-range",
            Self::InvalidDate => "form-invalid-date",
            Self::DateInFuture => "form-date-in-future",
            Self::DateTooEarly => "form-date-too-early",
            Self::InvalidChoice => "form-invalid-choice",
            Self::InvalidPersonalId => "form-invalid-personal-id",
            Self::InvalidPhone => "form-invalid-phone",
            Self::InvalidEmail => "form-invalid-email",
            Self::InvalidAdministrativeUnit => "form-invalid-administrative-unit",
            Self::UnknownAdministrativeUnit => "form-unknown-administrative-unit",
            Self::UnknownField => "form-unknown-field",
            Self::TooFewItems => "form-too-few-items",
            Self::TooManyItems => "form-too-many-items",
            Self::MustAccept => "form-must-accept",
            Self::PatternMismatch => "form-pattern-mismatch",
        }
    }
}

/// One rejected answer: where, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{path}: {}", code.as_str())]
pub struct FieldError {
    /// Field path: `full_name`, `address.commune`, `children[1].birth_date` (0-based).
    pub path: String,
    pub code: FieldErrorCode,
}

/// The directory of administrative units (the national list of provinces and communes),
/// supplied as data by the caller. Validation only asks whether a commune lies in a province.
pub trait AdministrativeUnits {
    fn contains(&self, province_code: &str, commune_code: &str) -> bool;
}

/// A directory that knows nothing and accepts every well-formed code; used until the list of
/// administrative units is loaded, and by [`FormSchema::validate`].
#[derive(Debug, Clone, Copy, Default)]
pub struct AcceptAllUnits;

impl AdministrativeUnits for AcceptAllUnits {
    fn contains(&self, _province_code: &str, _commune_code: &str) -> bool {
        true
    }
}

/// What validation needs from outside: today's date and the administrative units.
#[derive(Clone, Copy)]
pub struct ValidationContext<'a> {
    pub today: Date,
    pub units: &'a dyn AdministrativeUnits,
}

impl ValidationContext<'static> {
    /// A context for `today` that accepts every well-formed administrative-unit code.
    pub fn new(today: Date) -> Self {
        Self {
            today,
            units: &AcceptAllUnits,
        }
    }
}

/// A form that passed validation, with every answer normalised: text in NFC with collapsed
/// whitespace, dates as `YYYY-MM-DD`, numbers as numbers, identifiers in canonical form.
/// Optional fields left empty are absent. Only [`FormSchema::validate`] makes one.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct ValidatedForm(FormValues);

impl ValidatedForm {
    pub fn values(&self) -> &FormValues {
        &self.0
    }

    pub fn into_values(self) -> FormValues {
        self.0
    }

    pub fn get(&self, id: &str) -> Option<&FormValue> {
        self.0.get(id)
    }

    pub fn text(&self, id: &str) -> Option<&str> {
        self.0.text(id)
    }
}

impl FormSchema {
    /// Checks a submitted form, accepting every well-formed administrative-unit code.
    ///
    /// # Errors
    /// Every problem found, in schema order, unknown fields last.
    pub fn validate(
        &self,
        values: &FormValues,
        today: Date,
    ) -> Result<ValidatedForm, Vec<FieldError>> {
        self.validate_with(values, &ValidationContext::new(today))
    }

    /// Checks a submitted form against the schema and the given context.
    ///
    /// # Errors
    /// Every problem found, in schema order, unknown fields last.
    pub fn validate_with(
        &self,
        values: &FormValues,
        context: &ValidationContext<'_>,
    ) -> Result<ValidatedForm, Vec<FieldError>> {
        let mut errors = Vec::new();
        let normalised = validate_fields(&self.fields, values, "", context, &mut errors);
        if errors.is_empty() {
            Ok(ValidatedForm(normalised))
        } else {
            Err(errors)
        }
    }
}

fn reject(errors: &mut Vec<FieldError>, path: impl Into<String>, code: FieldErrorCode) {
    errors.push(FieldError {
        path: path.into(),
        code,
    });
}

fn validate_fields(
    fields: &[Field],
    values: &FormValues,
    prefix: &str,
    context: &ValidationContext<'_>,
    errors: &mut Vec<FieldError>,
) -> FormValues {
    let mut normalised = FormValues::new();
    for field in fields {
        let path = format!("{prefix}{}", field.id);
        let value = values.get(&field.id);
        if let Some(value) = validate_field(field, value, &path, context, errors) {
            normalised.insert(field.id.clone(), value);
        }
    }
    for (key, _) in values.iter() {
        if !fields.iter().any(|field| field.id == key) {
            let echoed: String = key.chars().take(KEY_ECHO_MAX).collect();
            reject(
                errors,
                format!("{prefix}{echoed}"),
                FieldErrorCode::UnknownField,
            );
        }
    }
    normalised
}

/// Validates one field. Returns the normalised value, or `None` when the field is empty or in
/// error (errors go to `errors`).
fn validate_field(
    field: &Field,
    value: Option<&FormValue>,
    path: &str,
    context: &ValidationContext<'_>,
    errors: &mut Vec<FieldError>,
) -> Option<FormValue> {
    let outcome = match &field.kind {
        FieldKind::Group { fields, min, max } => {
            return validate_group(field, fields, *min, *max, value, path, context, errors);
        }
        FieldKind::Address { require_street } => {
            return validate_address(
                field.required,
                *require_street,
                value,
                path,
                context,
                errors,
            );
        }
        FieldKind::Checkbox => checkbox(value),
        kind => match value.map(|value| scalar(kind, value, context.today)) {
            None => Outcome::Empty,
            Some(outcome) => outcome,
        },
    };
    match outcome {
        Outcome::Value(value) => Some(value),
        Outcome::Empty if field.required => {
            let code = match field.kind {
                FieldKind::Checkbox => FieldErrorCode::MustAccept,
                _ => FieldErrorCode::Required,
            };
            reject(errors, path, code);
            None
        }
        Outcome::Empty => None,
        Outcome::Unticked if field.required => {
            reject(errors, path, FieldErrorCode::MustAccept);
            None
        }
        Outcome::Unticked => Some(FormValue::Bool(false)),
        Outcome::Error(code) => {
            reject(errors, path, code);
            None
        }
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call site; bundling would only rename the parameters"
)]
fn validate_group(
    field: &Field,
    item_fields: &[Field],
    min: u32,
    max: u32,
    value: Option<&FormValue>,
    path: &str,
    context: &ValidationContext<'_>,
    errors: &mut Vec<FieldError>,
) -> Option<FormValue> {
    let empty: Vec<super::form::FormValues> = Vec::new();
    let items = match value {
        None => &empty,
        Some(FormValue::Groups(items)) => items,
        Some(FormValue::List(items)) if items.is_empty() => &empty,
        Some(_) => {
            reject(errors, path, FieldErrorCode::WrongType);
            return None;
        }
    };
    let count = items.len();
    let too_few = usize::try_from(min).is_ok_and(|min| count < min);
    let too_many = usize::try_from(max).is_ok_and(|max| count > max);
    if count == 0 {
        if field.required {
            reject(errors, path, FieldErrorCode::Required);
        }
        return None;
    }
    if too_many {
        // Items beyond the maximum are not inspected: the whole group must be fixed first.
        reject(errors, path, FieldErrorCode::TooManyItems);
        return None;
    }
    if too_few {
        reject(errors, path, FieldErrorCode::TooFewItems);
    }
    let normalised: Vec<FormValues> = items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let prefix = format!("{path}[{index}].");
            validate_fields(item_fields, item, &prefix, context, errors)
        })
        .collect();
    Some(FormValue::Groups(normalised))
}

fn validate_address(
    required: bool,
    require_street: bool,
    value: Option<&FormValue>,
    path: &str,
    context: &ValidationContext<'_>,
    errors: &mut Vec<FieldError>,
) -> Option<FormValue> {
    let empty = FormValues::new();
    let parts = match value {
        None => &empty,
        Some(FormValue::Map(parts)) => parts,
        Some(_) => {
            reject(errors, path.to_owned(), FieldErrorCode::WrongType);
            return None;
        }
    };
    let mut failed = false;
    for (key, _) in parts.iter() {
        if !AddressValue::KEYS.contains(&key) {
            let echoed: String = key.chars().take(KEY_ECHO_MAX).collect();
            reject(
                errors,
                format!("{path}.{echoed}"),
                FieldErrorCode::UnknownField,
            );
            failed = true;
        }
    }
    let mut part = |key: &str| -> String {
        match parts.get(key) {
            None => String::new(),
            Some(FormValue::Text(text)) => clean(text),
            Some(_) => {
                reject(errors, format!("{path}.{key}"), FieldErrorCode::WrongType);
                failed = true;
                String::new()
            }
        }
    };
    let street = part("street");
    let province = part("province");
    let commune = part("commune");
    if street.is_empty() && province.is_empty() && commune.is_empty() {
        if required && !failed {
            reject(errors, path.to_owned(), FieldErrorCode::Required);
        }
        return None;
    }
    let digits =
        |code: &str, len: usize| code.len() == len && code.bytes().all(|b| b.is_ascii_digit());
    if street.is_empty() && require_street {
        reject(errors, format!("{path}.street"), FieldErrorCode::Required);
        failed = true;
    }
    if street.chars().count() > STREET_MAX_LEN {
        reject(errors, format!("{path}.street"), FieldErrorCode::TooLong);
        failed = true;
    }
    let mut codes_ok = true;
    for (key, code, len) in [("province", &province, 2), ("commune", &commune, 5)] {
        if code.is_empty() {
            reject(errors, format!("{path}.{key}"), FieldErrorCode::Required);
            codes_ok = false;
        } else if !digits(code, len) {
            reject(
                errors,
                format!("{path}.{key}"),
                FieldErrorCode::InvalidAdministrativeUnit,
            );
            codes_ok = false;
        }
    }
    if codes_ok && !context.units.contains(&province, &commune) {
        reject(
            errors,
            format!("{path}.commune"),
            FieldErrorCode::UnknownAdministrativeUnit,
        );
        codes_ok = false;
    }
    if failed || !codes_ok {
        return None;
    }
    let address = AddressValue {
        street,
        province,
        commune,
    };
    Some(FormValue::Map(address.to_values()))
}
