//! Số và ký hiệu (NĐ 30/2020 Phụ lục I, Điều 15): "Số: 05/QĐ-UBND", "Số: 15/UBND-VP".
//!
//! The number is the position in a register series within a calendar year, zero-padded below
//! 10; the notation (ký hiệu) is the type's abbreviation and the issuing body's, or for công
//! văn and thư công the body's and the drafting unit's. Each body keeps one series per register
//! (incoming, outgoing) per year, and a separate one for secret documents. The store keeps the
//! counters (gap-free under concurrency, like dossier codes) and asks [`next_number`] for the
//! number after the last one.

use serde::{Deserialize, Serialize};

use super::kind::{DocumentType, Secrecy};
use crate::text;

/// Sổ đăng ký: incoming (văn bản đến, số đến) or outgoing (văn bản đi).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Register {
    Incoming,
    Outgoing,
}

impl Register {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Incoming => "incoming",
            Self::Outgoing => "outgoing",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "incoming" => Some(Self::Incoming),
            "outgoing" => Some(Self::Outgoing),
            _ => None,
        }
    }
}

/// The numbering series within a register: secret documents are numbered apart (Điều 15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Series {
    Regular,
    Secret,
}

impl Series {
    pub fn of(secrecy: Secrecy) -> Self {
        if secrecy.is_secret() {
            Self::Secret
        } else {
            Self::Regular
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Regular => "regular",
            Self::Secret => "secret",
        }
    }
}

/// Which counter a number comes from: one per body, register, series and year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SeriesKey {
    pub body_id: i64,
    pub register: Register,
    pub series: Series,
    pub year: i32,
}

impl SeriesKey {
    pub fn new(body_id: i64, register: Register, secrecy: Secrecy, year: i32) -> Self {
        Self {
            body_id,
            register,
            series: Series::of(secrecy),
            year,
        }
    }
}

/// What can be wrong with a number or a notation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("the register series is exhausted")]
    Exhausted,
    #[error("an abbreviation is empty or contains a space, '/' or '-'")]
    Abbreviation,
    #[error("a công văn needs the drafting unit's abbreviation")]
    UnitRequired,
}

impl NumberError {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Exhausted => "document-number-exhausted",
            Self::Abbreviation => "document-abbreviation-invalid",
            Self::UnitRequired => "document-unit-abbreviation-required",
        }
    }
}

/// The number after `last` (1 for the first of the year).
///
/// # Errors
/// [`NumberError::Exhausted`] past `u32::MAX`.
pub fn next_number(last: Option<u32>) -> Result<u32, NumberError> {
    match last {
        None => Ok(1),
        Some(n) => n.checked_add(1).ok_or(NumberError::Exhausted),
    }
}

/// "05", "10", "5918": zero-padded below 10.
pub fn format_number(number: u32) -> String {
    format!("{number:02}")
}

fn check_abbreviation(abbr: &str) -> Result<&str, NumberError> {
    let abbr = abbr.trim();
    if abbr.is_empty()
        || abbr
            .chars()
            .any(|c| c.is_whitespace() || c == '/' || c == '-' || c.is_control())
    {
        Err(NumberError::Abbreviation)
    } else {
        Ok(abbr)
    }
}

/// Ký hiệu: "QĐ-UBND"; for công văn and thư công "UBND-VP" (body, then drafting unit).
///
/// # Errors
/// A malformed abbreviation, or a công văn without the drafting unit's.
pub fn notation(
    kind: DocumentType,
    body: &str,
    drafting_unit: Option<&str>,
) -> Result<String, NumberError> {
    let body = check_abbreviation(body)?;
    match kind.abbreviation() {
        Some(type_abbr) => Ok(format!("{type_abbr}-{body}")),
        None => {
            let unit = check_abbreviation(drafting_unit.ok_or(NumberError::UnitRequired)?)?;
            Ok(format!("{body}-{unit}"))
        }
    }
}

/// "05/QĐ-UBND".
pub fn code_number(number: u32, notation: &str) -> String {
    format!("{}/{notation}", format_number(number))
}

/// An abbreviation from a unit's name when it has no short name: a leading upper-case word
/// ("UBND phường Ninh Kiều" → "UBND"), else the initials of the words before the first
/// upper-case acronym, skipping "và" and punctuation ("Sở Tư pháp" → "STP", "Văn phòng HĐND
/// và UBND" → "VP", "Phòng Văn hóa - Xã hội" → "PVHXH").
pub fn abbreviate(name: &str) -> String {
    let name = text::nfc(name);
    let is_acronym =
        |w: &str| w.chars().count() >= 2 && w.chars().all(|c| c.is_uppercase() || c.is_numeric());
    let words: Vec<&str> = name
        .split(|c: char| c.is_whitespace() || c == '-' || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    if let Some(first) = words.first()
        && is_acronym(first)
    {
        return (*first).to_owned();
    }
    words
        .iter()
        .take_while(|w| !is_acronym(w))
        .filter(|w| **w != "và")
        .filter_map(|w| w.chars().next())
        .flat_map(char::to_uppercase)
        .collect()
}

/// The key under which two registrations of one document meet (Phụ lục VI: same số/ký hiệu,
/// same issuing organ, same year), both folded ("05/QĐ-UBND" and "05/QD-UBND " meet).
pub fn duplicate_key(code_number: &str, sender: &str, year: i32) -> String {
    format!("{year}|{}|{}", text::fold(sender), text::fold(code_number))
}
