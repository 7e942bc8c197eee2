//! Certificates as we need them: names, serials, public keys and signature checks.

use crate::SignError;
use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_cert::Certificate;

pub(crate) const RSA_ENCRYPTION: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
pub(crate) const SHA256_WITH_RSA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
pub(crate) const SHA384_WITH_RSA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
pub(crate) const SHA512_WITH_RSA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
pub(crate) const EC_PUBLIC_KEY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
pub(crate) const ECDSA_SHA256: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
pub(crate) const ECDSA_SHA384: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
pub(crate) const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
pub(crate) const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
pub(crate) const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
pub(crate) const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

pub(crate) fn parse(der: &[u8]) -> Result<Certificate, SignError> {
    Certificate::from_der(der).map_err(|e| SignError::Key(format!("certificate: {e}")))
}

/// The subject's common name (or the whole subject when it has none).
pub(crate) fn common_name(name: &x509_cert::name::Name) -> String {
    for rdn in name.0.iter() {
        for atv in rdn.0.iter() {
            if atv.oid == const_oid::db::rfc4519::CN {
                if let Ok(s) = der::asn1::Utf8StringRef::try_from(&atv.value) {
                    return s.as_str().to_owned();
                }
                if let Ok(s) = der::asn1::PrintableStringRef::try_from(&atv.value) {
                    return s.as_str().to_owned();
                }
            }
        }
    }
    name.to_string()
}

/// A serial number as upper-case hexadecimal.
pub(crate) fn serial_hex(cert: &Certificate) -> String {
    cert.tbs_certificate
        .serial_number
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

pub(crate) fn digest(alg: &ObjectIdentifier, data: &[u8]) -> Option<Vec<u8>> {
    match *alg {
        SHA256 => Some(Sha256::digest(data).to_vec()),
        SHA384 => Some(Sha384::digest(data).to_vec()),
        SHA512 => Some(Sha512::digest(data).to_vec()),
        _ => None,
    }
}

/// Checks `signature` over a message whose digest (under `digest_alg`) is `hash`, with the
/// public key `spki`; `sig_alg` is the signature algorithm named next to it.
pub(crate) fn verify_prehashed(
    spki: &spki::SubjectPublicKeyInfoOwned,
    sig_alg: &ObjectIdentifier,
    digest_alg: &ObjectIdentifier,
    hash: &[u8],
    signature: &[u8],
) -> bool {
    let key_bytes = spki.subject_public_key.raw_bytes();
    match spki.algorithm.oid {
        RSA_ENCRYPTION => {
            if !matches!(
                *sig_alg,
                RSA_ENCRYPTION | SHA256_WITH_RSA | SHA384_WITH_RSA | SHA512_WITH_RSA
            ) {
                return false;
            }
            use rsa::pkcs1::DecodeRsaPublicKey;
            let Ok(key) = rsa::RsaPublicKey::from_pkcs1_der(key_bytes) else {
                return false;
            };
            let padding = match *digest_alg {
                SHA256 => rsa::Pkcs1v15Sign::new::<Sha256>(),
                SHA384 => rsa::Pkcs1v15Sign::new::<Sha384>(),
                SHA512 => rsa::Pkcs1v15Sign::new::<Sha512>(),
                _ => return false,
            };
            key.verify(padding, hash, signature).is_ok()
        }
        EC_PUBLIC_KEY => {
            if !matches!(*sig_alg, ECDSA_SHA256 | ECDSA_SHA384 | EC_PUBLIC_KEY) {
                return false;
            }
            use p256::ecdsa::signature::hazmat::PrehashVerifier;
            let Ok(key) = p256::ecdsa::VerifyingKey::from_sec1_bytes(key_bytes) else {
                return false;
            };
            let Ok(sig) = p256::ecdsa::Signature::from_der(signature) else {
                return false;
            };
            key.verify_prehash(hash, &sig).is_ok()
        }
        _ => false,
    }
}

/// Whether `issuer` signed `cert`.
pub(crate) fn issued_by(cert: &Certificate, issuer: &Certificate) -> bool {
    if cert.tbs_certificate.issuer != issuer.tbs_certificate.subject {
        return false;
    }
    let Ok(tbs) = cert.tbs_certificate.to_der() else {
        return false;
    };
    signed_with(
        &tbs,
        &cert.signature_algorithm.oid,
        cert.signature.raw_bytes(),
        issuer,
    )
}

/// Whether `issuer`'s key made `signature` (by `sig_alg`) over the DER `tbs` — a
/// certificate's or a CRL's to-be-signed part.
pub(crate) fn signed_with(
    tbs: &[u8],
    sig_alg: &ObjectIdentifier,
    signature: &[u8],
    issuer: &Certificate,
) -> bool {
    let sig_alg = *sig_alg;
    let digest_alg = match sig_alg {
        SHA256_WITH_RSA | ECDSA_SHA256 => SHA256,
        SHA384_WITH_RSA | ECDSA_SHA384 => SHA384,
        SHA512_WITH_RSA => SHA512,
        _ => return false,
    };
    let Some(hash) = digest(&digest_alg, tbs) else {
        return false;
    };
    verify_prehashed(
        &issuer.tbs_certificate.subject_public_key_info,
        &sig_alg,
        &digest_alg,
        &hash,
        signature,
    )
}

/// Whether the certificate may issue others (basicConstraints cA).
pub(crate) fn is_ca(cert: &Certificate) -> bool {
    use x509_cert::ext::pkix::BasicConstraints;
    cert.tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS)
        .and_then(|e| BasicConstraints::from_der(e.extn_value.as_bytes()).ok())
        .is_some_and(|bc| bc.ca)
}

/// Whether `at` is inside the certificate's validity.
pub(crate) fn valid_at(cert: &Certificate, at: time::OffsetDateTime) -> bool {
    let v = &cert.tbs_certificate.validity;
    let ts = at.unix_timestamp();
    let nb = v.not_before.to_unix_duration().as_secs() as i64;
    let na = v.not_after.to_unix_duration().as_secs() as i64;
    nb <= ts && ts <= na
}
