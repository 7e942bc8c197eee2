//! The application form (tờ khai) as a field schema, and the values an applicant submits.
//!
//! One schema drives the generated web form, the server-side validation and the printed
//! declaration, so a procedure's form is described once, as data, in its catalogue entry.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::Date;

/// The fields of a procedure's application form, in display order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormSchema {
    pub fields: Vec<Field>,
}

/// One question on the form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Stable identifier, `[a-z][a-z0-9_]*`, unique among its siblings.
    pub id: String,
    pub label: String,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// What kind of answer a field takes and the rules the answer must follow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum FieldKind {
    /// One line of text, at most `max_len` characters after normalisation.
    Text {
        max_len: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pattern: Option<TextPattern>,
    },
    /// Several lines of text (a reason, a description).
    LongText {
        max_len: u32,
    },
    Number {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
        #[serde(default)]
        integer: bool,
    },
    /// A calendar date, typed as `dd/mm/yyyy` or sent as `YYYY-MM-DD`.
    Date {
        /// The date may not lie after the day of submission (a birth, a death).
        #[serde(default)]
        not_future: bool,
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "super::dates::iso_date::option"
        )]
        not_before: Option<Date>,
    },
    /// Pick one (or several, when `multiple`) of fixed options.
    Choice {
        options: Vec<ChoiceOption>,
        #[serde(default)]
        multiple: bool,
    },
    /// Số định danh cá nhân: 12 digits, checked by [`crate::identity::PersonalId`].
    PersonalId,
    Phone,
    Email,
    /// Street line plus the administrative units (province and commune) chosen by code.
    Address {
        /// Whether the street line (số nhà, đường, ấp/khu vực) must be filled in when the
        /// address itself is required.
        #[serde(default = "default_true")]
        require_street: bool,
    },
    /// A box to tick; a required checkbox must be ticked (a declaration, a commitment).
    Checkbox,
    /// A repeating group (children, co-owners, family members) of `min..=max` items.
    Group {
        fields: Vec<Field>,
        #[serde(default)]
        min: u32,
        max: u32,
    },
}

fn default_true() -> bool {
    true
}

impl FieldKind {
    /// Stable name of the kind, as written in the `type` tag.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Text { .. } => "text",
            Self::LongText { .. } => "long_text",
            Self::Number { .. } => "number",
            Self::Date { .. } => "date",
            Self::Choice { .. } => "choice",
            Self::PersonalId => "personal_id",
            Self::Phone => "phone",
            Self::Email => "email",
            Self::Address { .. } => "address",
            Self::Checkbox => "checkbox",
            Self::Group { .. } => "group",
        }
    }
}

/// Named formats for one-line text. The domain carries no regular-expression engine: a closed
/// list keeps validation linear-time and lets each format have its own explanatory message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextPattern {
    /// ASCII digits only (a parcel number, a house-book number).
    Digits,
    /// Letters (any script, with diacritics), spaces, apostrophes and hyphens: a person's name.
    PersonName,
    /// Mã số thuế: 10 digits, or 10 digits, a hyphen and 3 digits for a branch.
    TaxCode,
    /// Uppercase letters, digits and `. - /`: document numbers such as "123/2024/QĐ-UBND".
    DocumentNumber,
}

impl TextPattern {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Digits => "digits",
            Self::PersonName => "person_name",
            Self::TaxCode => "tax_code",
            Self::DocumentNumber => "document_number",
        }
    }

    /// Whether `text` (already normalised) follows the pattern.
    pub fn matches(self, text: &str) -> bool {
        match self {
            Self::Digits => !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()),
            Self::PersonName => {
                text.chars().any(char::is_alphabetic)
                    && text.chars().all(|c| {
                        c.is_alphabetic() || is_name_mark(c) || matches!(c, ' ' | '\'' | '-')
                    })
            }
            Self::TaxCode => {
                let digits =
                    |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
                match text.split_once('-') {
                    None => digits(text, 10),
                    Some((main, branch)) => digits(main, 10) && digits(branch, 3),
                }
            }
            Self::DocumentNumber => {
                text.bytes().any(|b| b.is_ascii_alphanumeric())
                    && text.chars().all(|c| {
                        c.is_ascii_digit() || c.is_uppercase() || matches!(c, '.' | '-' | '/' | ' ')
                    })
            }
        }
    }
}

/// Combining marks that survive NFC in some Vietnamese names typed on odd keyboards.
fn is_name_mark(c: char) -> bool {
    unicode_normalization::char::is_combining_mark(c)
}

/// One option of a choice field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    /// Stable value sent by the form and stored in the dossier.
    pub value: String,
    pub label: String,
}

/// One submitted answer. Untagged, so the JSON a web form or an API client sends deserialises
/// directly: a string, a number, a boolean, a list of strings, a list of group items, or an
/// object (used by address fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FormValue {
    Text(String),
    Number(f64),
    Bool(bool),
    List(Vec<String>),
    Groups(Vec<FormValues>),
    Map(FormValues),
}

/// A submitted form: field id → answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FormValues(BTreeMap<String, FormValue>);

impl FormValues {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, id: impl Into<String>, value: FormValue) -> Option<FormValue> {
        self.0.insert(id.into(), value)
    }

    /// Builder form of [`FormValues::insert`].
    pub fn with(mut self, id: impl Into<String>, value: FormValue) -> Self {
        self.insert(id, value);
        self
    }

    pub fn get(&self, id: &str) -> Option<&FormValue> {
        self.0.get(id)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &FormValue)> {
        self.0.iter().map(|(id, value)| (id.as_str(), value))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The text of a field, when it holds text.
    pub fn text(&self, id: &str) -> Option<&str> {
        match self.0.get(id) {
            Some(FormValue::Text(text)) => Some(text),
            _ => None,
        }
    }
}

impl FromIterator<(String, FormValue)> for FormValues {
    fn from_iter<I: IntoIterator<Item = (String, FormValue)>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl IntoIterator for FormValues {
    type Item = (String, FormValue);
    type IntoIter = std::collections::btree_map::IntoIter<String, FormValue>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// A validated address: street line and administrative-unit codes (2-digit province, 5-digit
/// commune, as in the national list of administrative units).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressValue {
    pub street: String,
    pub province: String,
    pub commune: String,
}

impl AddressValue {
    /// Keys of an address object in submitted JSON.
    pub const KEYS: [&'static str; 3] = ["street", "province", "commune"];

    /// The address as a submitted map, the shape validated forms keep.
    pub fn to_values(&self) -> FormValues {
        FormValues::new()
            .with("street", FormValue::Text(self.street.clone()))
            .with("province", FormValue::Text(self.province.clone()))
            .with("commune", FormValue::Text(self.commune.clone()))
    }
}
