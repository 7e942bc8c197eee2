//! CMS SignedData (RFC 5652) for PAdES (ETSI EN 319 142-1) and for timestamp tokens.

use crate::SignError;
use crate::der_types::{EssCertIdV2, IssuerSerial, SigningCertificateV2};
use crate::keys::KeyAlgorithm;
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::ObjectIdentifier;
use der::asn1::{Any, OctetString, SetOfVec};
use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;

pub(crate) const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
pub(crate) const ID_SIGNED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
pub(crate) const ID_CT_TST_INFO: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
pub(crate) const ATTR_CONTENT_TYPE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
pub(crate) const ATTR_MESSAGE_DIGEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
pub(crate) const ATTR_SIGNING_TIME: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
pub(crate) const ATTR_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
pub(crate) const ATTR_SIGNATURE_TIMESTAMP: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");

pub(crate) fn sha256_alg() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: crate::x509::SHA256,
        parameters: None,
    }
}

fn signature_alg(alg: KeyAlgorithm) -> AlgorithmIdentifierOwned {
    match alg {
        KeyAlgorithm::RsaPkcs1Sha256 => AlgorithmIdentifierOwned {
            oid: crate::x509::SHA256_WITH_RSA,
            parameters: Some(Any::from(der::asn1::Null)),
        },
        KeyAlgorithm::EcdsaP256Sha256 => AlgorithmIdentifierOwned {
            oid: crate::x509::ECDSA_SHA256,
            parameters: None,
        },
    }
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, SignError> {
    let mut values = SetOfVec::new();
    values.insert(value)?;
    Ok(Attribute { oid, values })
}

/// The signed attributes: content-type, message-digest, ESS signing-certificate-v2 (no
/// signing-time: PAdES baseline puts the claimed time in the dictionary's `/M`).
pub(crate) fn signed_attributes(
    content_type: ObjectIdentifier,
    message_digest: &[u8],
    signer_cert_der: &[u8],
) -> Result<SetOfVec<Attribute>, SignError> {
    let cert = crate::x509::parse(signer_cert_der)?;
    let ess = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(Sha256::digest(signer_cert_der).to_vec())?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(
                    cert.tbs_certificate.issuer.clone(),
                )],
                serial_number: der::asn1::Int::new(cert.tbs_certificate.serial_number.as_bytes())?,
            }),
        }],
        policies: None,
    };
    let mut attrs = SetOfVec::new();
    attrs.insert(attribute(
        ATTR_CONTENT_TYPE,
        Any::encode_from(&content_type)?,
    )?)?;
    attrs.insert(attribute(
        ATTR_MESSAGE_DIGEST,
        Any::encode_from(&OctetString::new(message_digest.to_vec())?)?,
    )?)?;
    attrs.insert(attribute(
        ATTR_SIGNING_CERTIFICATE_V2,
        Any::encode_from(&ess)?,
    )?)?;
    Ok(attrs)
}

/// What the key signs: SHA-256 of the DER `SET OF Attribute`.
pub(crate) fn signed_attributes_digest(attrs: &SetOfVec<Attribute>) -> Result<[u8; 32], SignError> {
    Ok(Sha256::digest(attrs.to_der()?).into())
}

/// The whole `ContentInfo { signedData }`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn assemble(
    signer_cert_der: &[u8],
    chain: &[Vec<u8>],
    alg: KeyAlgorithm,
    econtent_type: ObjectIdentifier,
    econtent: Option<Vec<u8>>,
    signed_attrs: SetOfVec<Attribute>,
    signature: Vec<u8>,
    timestamp_token: Option<Vec<u8>>,
) -> Result<Vec<u8>, SignError> {
    let cert = crate::x509::parse(signer_cert_der)?;
    let mut certs = SetOfVec::new();
    certs.insert(CertificateChoices::Certificate(cert.clone()))?;
    for c in chain {
        let c = crate::x509::parse(c)?;
        if !certs
            .iter()
            .any(|x| x == &CertificateChoices::Certificate(c.clone()))
        {
            certs.insert(CertificateChoices::Certificate(c))?;
        }
    }
    let unsigned_attrs = match timestamp_token {
        Some(token) => {
            let mut set = SetOfVec::new();
            set.insert(attribute(ATTR_SIGNATURE_TIMESTAMP, Any::from_der(&token)?)?)?;
            Some(set)
        }
        None => None,
    };
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: cert.tbs_certificate.issuer.clone(),
            serial_number: cert.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: sha256_alg(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: signature_alg(alg),
        signature: OctetString::new(signature)?,
        unsigned_attrs,
    };
    let mut digest_algorithms = SetOfVec::new();
    digest_algorithms.insert(sha256_alg())?;
    let econtent = match econtent {
        Some(bytes) => Some(Any::encode_from(&OctetString::new(bytes)?)?),
        None => None,
    };
    let signed_data = SignedData {
        version: if econtent_type == ID_DATA {
            CmsVersion::V1
        } else {
            CmsVersion::V3
        },
        digest_algorithms,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type,
            econtent,
        },
        certificates: Some(CertificateSet(certs)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info])?),
    };
    let info = ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data)?,
    };
    Ok(info.to_der()?)
}

/// The digest the timestamp of a signature covers: SHA-256 of the signature value.
pub(crate) fn signature_value_digest(signature: &[u8]) -> [u8; 32] {
    Sha256::digest(signature).into()
}
