//! Identification numbers and contact details that citizens type in.
//!
//! A value of these types has been validated; requests hold only validated values.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why an identifier was rejected. Each variant maps to a message in the catalogues.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("personal identification number must be 12 digits")]
    PinFormat,
    #[error("personal identification number has an unknown province code")]
    PinProvince,
    #[error("personal identification number has an invalid century/sex digit")]
    PinCentury,
    #[error("e-mail address is not valid")]
    Email,
    #[error("phone number is not valid")]
    Phone,
}

/// Số định danh cá nhân (12-digit personal identification number, also printed on the CCCD).
///
/// Layout (Circular 59/2021/TT-BCA): 3 digits birth province code, 1 digit century and sex,
/// 2 digits year of birth, 6 random digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonalId(String);

/// Province codes used in the first three digits (001–096, odd set as published).
const PROVINCE_CODES: &[u16] = &[
    1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37,
    38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77,
    79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
];

impl PersonalId {
    pub fn parse(input: &str) -> Result<Self, IdentityError> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() != 12 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(IdentityError::PinFormat);
        }
        let province: u16 = digits[0..3].parse().map_err(|_| IdentityError::PinFormat)?;
        if !PROVINCE_CODES.contains(&province) {
            return Err(IdentityError::PinProvince);
        }
        // Century/sex digit: 0/1 for the 20th century, 2/3 the 21st, up to 8/9 for the 24th.
        // Years of birth before 1900 do not occur among living citizens.
        let century = digits.as_bytes()[3] - b'0';
        if century > 3 {
            return Err(IdentityError::PinCentury);
        }
        Ok(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Shows only the last four digits, for pages and logs that must not reveal the number.
    pub fn masked(&self) -> String {
        format!("********{}", &self.0[8..])
    }
}

impl TryFrom<String> for PersonalId {
    type Error = IdentityError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PersonalId> for String {
    fn from(value: PersonalId) -> Self {
        value.0
    }
}

impl fmt::Display for PersonalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A syntactically valid e-mail address, lowercased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, IdentityError> {
        let value = input.trim().to_lowercase();
        let Some((local, domain)) = value.split_once('@') else {
            return Err(IdentityError::Email);
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local
                .chars()
                .any(|c| c.is_whitespace() || c == '@' || c == '<' || c == '>');
        if !domain_ok || !local_ok || value.len() > 254 {
            return Err(IdentityError::Email);
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = IdentityError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

/// A Vietnamese mobile or landline number, stored as `0` followed by 9 or 10 digits.
/// `+84` and `84` prefixes, spaces, dots and dashes are accepted on input.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Self, IdentityError> {
        let mut digits: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
            .collect();
        if let Some(rest) = digits.strip_prefix("+84") {
            digits = format!("0{rest}");
        } else if digits.starts_with("84") && digits.len() >= 11 {
            digits = format!("0{}", &digits[2..]);
        }
        let valid = digits.starts_with('0')
            && (10..=11).contains(&digits.len())
            && digits.chars().all(|c| c.is_ascii_digit());
        if !valid {
            return Err(IdentityError::Phone);
        }
        Ok(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Phone {
    type Error = IdentityError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Phone> for String {
    fn from(value: Phone) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_a_well_formed_personal_id() {
        let id = PersonalId::parse("092 2 95 123456").expect("valid");
        assert_eq!(id.as_str(), "092295123456");
        assert_eq!(id.masked(), "********3456");
    }

    #[test]
    fn rejects_personal_ids_of_wrong_length_or_characters() {
        assert_eq!(PersonalId::parse("12345"), Err(IdentityError::PinFormat));
        assert_eq!(
            PersonalId::parse("09229512345a"),
            Err(IdentityError::PinFormat)
        );
        assert_eq!(
            PersonalId::parse("0922951234567"),
            Err(IdentityError::PinFormat)
        );
    }

    #[test]
    fn rejects_personal_ids_with_unknown_province_or_century() {
        assert_eq!(
            PersonalId::parse("099095123456"),
            Err(IdentityError::PinProvince)
        );
        assert_eq!(
            PersonalId::parse("000095123456"),
            Err(IdentityError::PinProvince)
        );
        assert_eq!(
            PersonalId::parse("092595123456"),
            Err(IdentityError::PinCentury)
        );
    }

    #[test]
    fn e_mail_is_lowercased_and_checked() {
        assert_eq!(
            Email::parse(" An@Example.VN ").expect("valid").as_str(),
            "an@example.vn"
        );
        assert!(Email::parse("an@").is_err());
        assert!(Email::parse("an example@x.vn").is_err());
        assert!(Email::parse("an@x").is_err());
    }

    #[test]
    fn phone_numbers_accept_international_prefix() {
        assert_eq!(
            Phone::parse("+84 912 345 678").expect("valid").as_str(),
            "0912345678"
        );
        assert_eq!(
            Phone::parse("0292.3820.123").expect("valid").as_str(),
            "02923820123"
        );
        assert!(Phone::parse("12345").is_err());
    }
}
