//! ASN.1 structures not in cms/x509-cert 0.2: ESS signing-certificate-v2 (RFC 5035) and the
//! RFC 3161 timestamp protocol.

use der::asn1::{Any, Int, ObjectIdentifier, OctetString, Utf8StringRef};
use der::{Sequence, Tagged, ValueOrd};
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::pkix::name::GeneralName;

/// `IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber }`
#[derive(Clone, Debug, Eq, PartialEq, Sequence, ValueOrd)]
pub(crate) struct IssuerSerial {
    pub issuer: Vec<GeneralName>,
    pub serial_number: Int,
}

/// `ESSCertIDv2` with the default hash algorithm (SHA-256) left out.
#[derive(Clone, Debug, Eq, PartialEq, Sequence, ValueOrd)]
pub(crate) struct EssCertIdV2 {
    #[asn1(optional = "true")]
    pub hash_algorithm: Option<AlgorithmIdentifierOwned>,
    pub cert_hash: OctetString,
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

/// `SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies … OPTIONAL }`
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct SigningCertificateV2 {
    pub certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    pub policies: Option<Any>,
}

/// `MessageImprint ::= SEQUENCE { hashAlgorithm, hashedMessage OCTET STRING }`
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct MessageImprint {
    pub hash_algorithm: AlgorithmIdentifierOwned,
    pub hashed_message: OctetString,
}

fn is_false() -> bool {
    false
}

/// RFC 3161 `TimeStampReq`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct TimeStampReq {
    pub version: u8,
    pub message_imprint: MessageImprint,
    #[asn1(optional = "true")]
    pub req_policy: Option<ObjectIdentifier>,
    #[asn1(optional = "true")]
    pub nonce: Option<Int>,
    #[asn1(default = "is_false")]
    pub cert_req: bool,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub extensions: Option<Vec<x509_cert::ext::Extension>>,
}

/// `PKIStatusInfo` (the failure text and bits kept loose).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct PkiStatusInfo {
    pub status: u8,
    #[asn1(optional = "true")]
    pub status_string: Option<Vec<Any>>,
    #[asn1(optional = "true")]
    pub fail_info: Option<der::asn1::BitString>,
}

/// RFC 3161 `TimeStampResp`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct TimeStampResp {
    pub status: PkiStatusInfo,
    #[asn1(optional = "true")]
    pub time_stamp_token: Option<cms::content_info::ContentInfo>,
}

/// RFC 3161 `TSTInfo`; `genTime` kept as its text so fractional seconds are accepted.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct TstInfo {
    pub version: u8,
    pub policy: ObjectIdentifier,
    pub message_imprint: MessageImprint,
    pub serial_number: Int,
    pub gen_time: Any,
    #[asn1(optional = "true")]
    pub accuracy: Option<Accuracy>,
    #[asn1(default = "is_false")]
    pub ordering: bool,
    #[asn1(optional = "true")]
    pub nonce: Option<Int>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub tsa: Option<GeneralName>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub extensions: Option<Vec<x509_cert::ext::Extension>>,
}

/// `Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL, millis [0] …, micros [1] … }`
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct Accuracy {
    #[asn1(optional = "true")]
    pub seconds: Option<u32>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub millis: Option<u16>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub micros: Option<u16>,
}

/// Reads a GeneralizedTime's text (`YYYYMMDDHHMMSS[.f…]Z`) as UTC.
pub(crate) fn parse_generalized_time(any: &Any) -> Option<time::OffsetDateTime> {
    if any.tag() != der::Tag::GeneralizedTime {
        return None;
    }
    let text = std::str::from_utf8(any.value()).ok()?;
    let text = text.strip_suffix('Z')?;
    let (main, _fraction) = text.split_once('.').unwrap_or((text, ""));
    if main.len() != 14 || !main.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |a: usize, b: usize| main[a..b].parse::<u32>().ok();
    let date = time::Date::from_calendar_date(
        n(0, 4)? as i32,
        time::Month::try_from(n(4, 6)? as u8).ok()?,
        n(6, 8)? as u8,
    )
    .ok()?;
    let t = time::Time::from_hms(n(8, 10)? as u8, n(10, 12)? as u8, n(12, 14)? as u8).ok()?;
    Some(time::PrimitiveDateTime::new(date, t).assume_utc())
}

/// A GeneralizedTime with whole seconds.
pub(crate) fn generalized_time(at: time::OffsetDateTime) -> Result<Any, der::Error> {
    let at = at.to_offset(time::UtcOffset::UTC);
    let text = format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    );
    Any::new(der::Tag::GeneralizedTime, text.as_bytes())
}

/// A UTF8String as `Any` (status texts).
#[allow(dead_code)]
pub(crate) fn utf8(text: &str) -> Result<Any, der::Error> {
    Ok(Any::from(Utf8StringRef::new(text)?))
}

/// A non-negative INTEGER in canonical DER (no superfluous leading zeros).
pub(crate) fn uint(value: u64) -> Result<Int, der::Error> {
    let bytes = value.to_be_bytes();
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(7);
    let mut v = bytes[first..].to_vec();
    if v[0] & 0x80 != 0 {
        v.insert(0, 0);
    }
    Int::new(&v)
}
