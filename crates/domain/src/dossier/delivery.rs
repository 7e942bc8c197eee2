//! Hình thức nhận kết quả: how the applicant chose to receive the result when submitting —
//! at the one-stop counter, by public postal service to an address, or online. The desk returns
//! the result that way by default; an applicant who comes to the counter can still take it there.

use super::command::ReturnMethod;
use crate::text::clean;

/// Shortest and longest postal address accepted (characters, after normalisation).
pub const ADDRESS_MIN_CHARS: usize = 10;
pub const ADDRESS_MAX_CHARS: usize = 300;

/// The largest postal fee a shipment may record (đồng); anything above is a mistake.
pub const MAX_POSTAL_FEE_VND: i64 = 10_000_000;

/// Longest tracking number (mã vận đơn) accepted.
pub const TRACKING_MAX_CHARS: usize = 40;

/// Checks an operator's tracking number: trimmed, 1 to [`TRACKING_MAX_CHARS`] ASCII letters,
/// digits or `-`, so it can be shown, searched and put in a link as it is. Returns it trimmed.
///
/// # Errors
/// `dossier-field-required` when empty, `dossier-tracking-malformed` otherwise.
pub fn check_tracking_number(text: &str) -> Result<String, super::TransitionError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(super::TransitionError::Required {
            field: "tracking_number",
        });
    }
    if text.len() > TRACKING_MAX_CHARS
        || !text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(super::TransitionError::TrackingMalformed);
    }
    Ok(text.to_owned())
}

/// The applicant's choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultDelivery {
    pub method: ReturnMethod,
    /// Địa chỉ nhận kết quả qua bưu chính; only with [`ReturnMethod::Post`].
    pub address: Option<String>,
}

/// Why a delivery choice was refused; `code()` is the message catalogue key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    #[error("unknown delivery method")]
    UnknownMethod,
    #[error("a postal delivery needs an address")]
    AddressMissing,
    #[error("the postal address is too short or too long")]
    AddressLength,
}

impl DeliveryError {
    pub fn code(self) -> &'static str {
        match self {
            Self::UnknownMethod => "error-delivery-method",
            Self::AddressMissing => "error-delivery-address-missing",
            Self::AddressLength => "error-delivery-address-length",
        }
    }

    /// The form field the error belongs to.
    pub fn field(self) -> &'static str {
        match self {
            Self::UnknownMethod => "delivery",
            Self::AddressMissing | Self::AddressLength => "delivery_address",
        }
    }
}

impl ReturnMethod {
    /// Parses the stored or submitted name (`counter`, `post`, `online`).
    pub fn parse(value: &str) -> Option<ReturnMethod> {
        match value.trim() {
            "counter" => Some(Self::Counter),
            "post" => Some(Self::Post),
            "online" => Some(Self::Online),
            _ => None,
        }
    }
}

impl Default for ResultDelivery {
    fn default() -> Self {
        Self {
            method: ReturnMethod::Counter,
            address: None,
        }
    }
}

impl ResultDelivery {
    /// Checks a choice as typed: the address is normalised (NFC, single spaces) and required
    /// for post, dropped for the other methods so no stale address travels with the dossier.
    pub fn new(method: &str, address: Option<&str>) -> Result<Self, DeliveryError> {
        let method = ReturnMethod::parse(method).ok_or(DeliveryError::UnknownMethod)?;
        if method != ReturnMethod::Post {
            return Ok(Self {
                method,
                address: None,
            });
        }
        let address = clean(address.unwrap_or_default());
        if address.is_empty() {
            return Err(DeliveryError::AddressMissing);
        }
        let length = address.chars().count();
        if !(ADDRESS_MIN_CHARS..=ADDRESS_MAX_CHARS).contains(&length) {
            return Err(DeliveryError::AddressLength);
        }
        Ok(Self {
            method,
            address: Some(address),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_needs_a_real_address_and_the_others_drop_it() {
        assert_eq!(
            ResultDelivery::new("post", None),
            Err(DeliveryError::AddressMissing)
        );
        assert_eq!(
            ResultDelivery::new("post", Some("  \t ")),
            Err(DeliveryError::AddressMissing)
        );
        assert_eq!(
            ResultDelivery::new("post", Some("Số 1")),
            Err(DeliveryError::AddressLength)
        );
        assert_eq!(
            ResultDelivery::new("post", Some(&"a".repeat(ADDRESS_MAX_CHARS + 1))),
            Err(DeliveryError::AddressLength)
        );
        let nfd = "12 đường Tra\u{0302}\u{0300}n Phú,   Ninh Kiều, Cần Thơ";
        let post = ResultDelivery::new("post", Some(nfd)).expect("a valid address");
        assert_eq!(post.method, ReturnMethod::Post);
        assert_eq!(
            post.address.as_deref(),
            Some("12 đường Trần Phú, Ninh Kiều, Cần Thơ")
        );
        let online = ResultDelivery::new("online", Some("12 đường Trần Phú")).expect("valid");
        assert_eq!(online.address, None);
        assert_eq!(online.method, ReturnMethod::Online);
        assert_eq!(
            ResultDelivery::new("fax", None),
            Err(DeliveryError::UnknownMethod)
        );
    }

    #[test]
    fn every_method_round_trips_through_its_name() {
        for method in [
            ReturnMethod::Counter,
            ReturnMethod::Post,
            ReturnMethod::Online,
        ] {
            assert_eq!(ReturnMethod::parse(method.as_str()), Some(method));
        }
        assert_eq!(ReturnMethod::parse("Counter"), None);
    }
}
