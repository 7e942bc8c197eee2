//! PAdES signatures on PDFs, ours end to end.
//!
//! * [`PdfSigner`] adds a signature to a PDF as an **incremental update** (the bytes before it
//!   are untouched, so an earlier signature stays valid): PAdES baseline B-B — a detached CMS
//!   SignedData over SHA-256 with the content-type, message-digest and ESS
//!   signing-certificate-v2 signed attributes, `/SubFilter /ETSI.CAdES.detached`, `/M` as the
//!   claimed signing time, `/Reason` `/Location` as PDF text strings (UTF-16BE for Vietnamese) —
//!   and B-T when a [`Timestamper`] (RFC 3161, [`tsa::TsaClient`]) stamps the signature value.
//!   Signing is three phases so a key can live elsewhere: [`PdfSigner::prepare`] gives the
//!   digest to sign, the key signs it, [`PreparedSignature::finish`] writes the CMS.
//! * Keys are a [`KeySource`]: [`keys::SoftwareKey`] (RSA-2048 PKCS#1 v1.5 or ECDSA P-256, e.g.
//!   from a PKCS#12 file, [`keys::SoftwareKey::from_pkcs12`]) or [`remote::RemoteKey`] behind a
//!   remote-signing gateway shaped like the national NEAC one.
//! * [`PdfSigner::sign_lt`] makes it B-LT: the chains' certificates and their CRLs (from a
//!   [`ltv::RevocationSource`]) go into the document's DSS in one more update.
//! * [`verify::verify_pdf`] reports every signature in a PDF: who, when, whether the bytes it
//!   covers are intact and whether they are the whole file, whether the CMS signature verifies,
//!   whether the signer chains to a [`verify::TrustStore`], and the timestamp.
//! * With the `simulator` feature, [`simulator`] runs a local remote-signing gateway and a local
//!   RFC 3161 timestamp server, and [`simulator::pki`] builds a test PKI.
//!
//! Pure of the rest of the product: no database, no web; certificates cross the API as DER.

mod cms_build;
mod der_types;
pub mod keys;
pub mod ltv;
mod pdf;
pub mod remote;
pub mod sign;
#[cfg(feature = "simulator")]
pub mod simulator;
pub mod tsa;
pub mod verify;
mod x509;

pub use keys::{KeyAlgorithm, KeySource};
pub use sign::{
    Appearance, Image, PdfSigner, PreparedSignature, SignRequest, Stamp, StandardFont, Visible,
};
pub use tsa::Timestamper;

use std::future::Future;
use std::pin::Pin;

/// A boxed future, so the traits stay object-safe (`Arc<dyn …>`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why signing failed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// The input is not a PDF we can update.
    #[error("unreadable PDF: {0}")]
    Pdf(String),
    /// A key, certificate or PKCS#12 file that cannot be used.
    #[error("key: {0}")]
    Key(String),
    /// The PKCS#12 password is wrong (its integrity check fails).
    #[error("wrong PKCS#12 password")]
    WrongPassword,
    /// The remote-signing gateway or the timestamp server refused or could not be reached.
    #[error("remote service: {0}")]
    Remote(String),
    /// The CMS does not fit in the space reserved for it.
    #[error("signature too large for its placeholder ({needed} > {reserved} bytes)")]
    TooLarge { needed: usize, reserved: usize },
    /// An ASN.1 structure that cannot be encoded or decoded.
    #[error("ASN.1: {0}")]
    Asn1(String),
    /// A signer's or seal's image that cannot be used (not a PNG, too large).
    #[error("image: {0}")]
    Image(String),
}

impl From<der::Error> for SignError {
    fn from(e: der::Error) -> Self {
        SignError::Asn1(e.to_string())
    }
}
