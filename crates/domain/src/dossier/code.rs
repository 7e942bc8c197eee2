//! Dossier codes (mã số hồ sơ, TT 01/2018/TT-VPCP Điều 19): `<agency code>-YYMMDD-NNNN`.
//!
//! The code is printed on the receipt (Mẫu 01), searched by citizens and sent to the national
//! portal, so it must be formatted and parsed in exactly one place. Numbering is per agency per
//! day and gap-free; the store keeps the counter under a lock and asks [`next_sequence`] for the
//! number after the last one it handed out.
//!
//! **Past 9999.** The legal format has four digits. A busy one-stop centre can exceed 9 999
//! dossiers a day only in exceptional cases; rather than refusing dossiers, the sequence then
//! widens to five digits (`…-261124-10000` up to `…-261124-99999`). Four-digit sequences are
//! always zero-padded to four digits and five-digit sequences never start with `0`, so every
//! sequence has exactly one spelling and `parse(format(x)) == x`. Beyond 99 999 numbering fails
//! with [`SequenceError::Exhausted`].

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::org::AgencyCode;

/// Highest sequence printed with four digits.
pub const FOUR_DIGIT_MAX: u32 = 9_999;
/// Highest sequence at all (five digits).
pub const SEQUENCE_MAX: u32 = 99_999;

/// Mã số hồ sơ: agency, receipt date and the day's sequence number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DossierCode {
    agency: AgencyCode,
    date: Date,
    sequence: u32,
}

/// Why a dossier code could not be built or parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DossierCodeError {
    #[error("a dossier code has three parts separated by '-': agency, YYMMDD, sequence")]
    Shape,
    #[error("the agency part is not a canonical agency code such as 000.00.30.H13")]
    Agency,
    #[error("the date part must be YYMMDD, a real date in 2000–2099")]
    Date,
    #[error("the sequence must be 0001–9999, or 10000–99999 past 9999")]
    Sequence,
}

impl DossierCodeError {
    /// Stable code for message catalogues.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Shape => "dossier-code-shape",
            Self::Agency => "dossier-code-agency",
            Self::Date => "dossier-code-date",
            Self::Sequence => "dossier-code-sequence",
        }
    }
}

/// Why no next sequence number could be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SequenceError {
    #[error("the agency has used every dossier number for this day (99999)")]
    Exhausted,
}

impl SequenceError {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Exhausted => "dossier-sequence-exhausted",
        }
    }
}

/// The number after `last`, the last one handed out today for this agency (`None` or `Some(0)`:
/// none yet, so 1). Gap-free: always `last + 1`.
///
/// # Errors
/// [`SequenceError::Exhausted`] past [`SEQUENCE_MAX`].
pub fn next_sequence(last: Option<u32>) -> Result<u32, SequenceError> {
    let next = last
        .unwrap_or(0)
        .checked_add(1)
        .ok_or(SequenceError::Exhausted)?;
    if next > SEQUENCE_MAX {
        return Err(SequenceError::Exhausted);
    }
    Ok(next)
}

impl DossierCode {
    /// A code for the `sequence`-th dossier received by `agency` on `date` (local date, UTC+7).
    ///
    /// # Errors
    /// A sequence outside 1–99999, or a date outside 2000–2099 (YY cannot express it).
    pub fn new(agency: AgencyCode, date: Date, sequence: u32) -> Result<Self, DossierCodeError> {
        if !(1..=SEQUENCE_MAX).contains(&sequence) {
            return Err(DossierCodeError::Sequence);
        }
        if !(2000..=2099).contains(&date.year()) {
            return Err(DossierCodeError::Date);
        }
        Ok(Self {
            agency,
            date,
            sequence,
        })
    }

    /// The printed code, e.g. `000.00.30.H13-261124-0001`.
    ///
    /// # Errors
    /// As [`DossierCode::new`].
    pub fn format(
        agency: &AgencyCode,
        date: Date,
        sequence: u32,
    ) -> Result<String, DossierCodeError> {
        Ok(Self::new(agency.clone(), date, sequence)?.to_string())
    }

    /// Parses a printed code. Only the canonical spelling is accepted (upper-case agency code,
    /// no spaces, sequence padded as described in the module documentation). Never panics.
    ///
    /// # Errors
    /// Which part is wrong, as [`DossierCodeError`].
    pub fn parse(input: &str) -> Result<Self, DossierCodeError> {
        let mut parts = input.split('-');
        let (Some(agency), Some(date), Some(sequence), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(DossierCodeError::Shape);
        };
        let agency = AgencyCode::parse(agency)
            .ok()
            .filter(|parsed| parsed.as_str() == agency)
            .ok_or(DossierCodeError::Agency)?;
        let date = parse_date(date).ok_or(DossierCodeError::Date)?;
        let sequence = parse_sequence(sequence).ok_or(DossierCodeError::Sequence)?;
        Self::new(agency, date, sequence)
    }

    pub fn agency(&self) -> &AgencyCode {
        &self.agency
    }

    /// The receipt date encoded in the code.
    pub fn date(&self) -> Date {
        self.date
    }

    pub fn sequence(&self) -> u32 {
        self.sequence
    }
}

fn digits(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn parse_date(text: &str) -> Option<Date> {
    if text.len() != 6 {
        return None;
    }
    let (yy, mm, dd) = (text.get(0..2)?, text.get(2..4)?, text.get(4..6)?);
    let year = 2000 + i32::try_from(digits(yy)?).ok()?;
    let month = Month::try_from(u8::try_from(digits(mm)?).ok()?).ok()?;
    let day = u8::try_from(digits(dd)?).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

fn parse_sequence(text: &str) -> Option<u32> {
    let value = digits(text)?;
    let canonical = match text.len() {
        4 => (1..=FOUR_DIGIT_MAX).contains(&value),
        5 => value > FOUR_DIGIT_MAX,
        _ => false,
    };
    canonical.then_some(value)
}

impl fmt::Display for DossierCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{:02}{:02}{:02}-{:04}",
            self.agency.as_str(),
            self.date.year() % 100,
            u8::from(self.date.month()),
            self.date.day(),
            self.sequence
        )
    }
}

impl TryFrom<String> for DossierCode {
    type Error = DossierCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<DossierCode> for String {
    fn from(value: DossierCode) -> Self {
        value.to_string()
    }
}
