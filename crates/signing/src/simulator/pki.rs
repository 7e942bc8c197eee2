//! A throw-away PKI for tests: a root, an intermediate, RSA-2048 and P-256 signers and a
//! timestamp authority, built with x509-cert's builder.

use crate::keys::SoftwareKey;
use der::{Decode, Encode};
use std::str::FromStr;
use std::time::Duration;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{EncodePublicKey, SubjectPublicKeyInfoOwned};
use x509_cert::time::Validity;

/// A key with its certificate.
pub struct Issued {
    /// PKCS#8 DER (unencrypted).
    pub key_pkcs8: Vec<u8>,
    /// Certificate DER.
    pub cert: Vec<u8>,
}

/// The whole test PKI.
pub struct TestPki {
    pub root: Issued,
    pub intermediate: Issued,
    /// An official's personal certificate, RSA-2048.
    pub rsa_signer: Issued,
    /// The agency's seal certificate, ECDSA P-256.
    pub p256_signer: Issued,
    /// The timestamp authority (P-256, extendedKeyUsage timeStamping, critical).
    pub tsa: Issued,
}

enum Key {
    Rsa(Box<rsa::pkcs1v15::SigningKey<sha2::Sha256>>, Vec<u8>),
    P256(p256::ecdsa::SigningKey, Vec<u8>),
}

impl Key {
    fn rsa() -> Key {
        use rsa::pkcs8::EncodePrivateKey;
        let mut rng = rand_core::OsRng;
        let k = rsa::RsaPrivateKey::new(&mut rng, 2048).expect("RSA key generation");
        let der = k.to_pkcs8_der().expect("PKCS#8").as_bytes().to_vec();
        Key::Rsa(Box::new(rsa::pkcs1v15::SigningKey::new(k)), der)
    }
    fn p256() -> Key {
        use p256::pkcs8::EncodePrivateKey;
        let k = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        let der = k.to_pkcs8_der().expect("PKCS#8").as_bytes().to_vec();
        Key::P256(k, der)
    }
    fn p256_from_pkcs8(der: &[u8]) -> Option<Key> {
        use p256::pkcs8::DecodePrivateKey;
        let k = p256::ecdsa::SigningKey::from_pkcs8_der(der).ok()?;
        Some(Key::P256(k, der.to_vec()))
    }
    fn from_pkcs8(der: &[u8]) -> Option<Key> {
        use rsa::pkcs8::DecodePrivateKey;
        Key::p256_from_pkcs8(der).or_else(|| {
            let k = rsa::RsaPrivateKey::from_pkcs8_der(der).ok()?;
            Some(Key::Rsa(
                Box::new(rsa::pkcs1v15::SigningKey::new(k)),
                der.to_vec(),
            ))
        })
    }
    /// sha256WithRSAEncryption (NULL parameters) or ecdsa-with-SHA256 (none).
    fn signature_algorithm(&self) -> x509_cert::spki::AlgorithmIdentifierOwned {
        match self {
            Key::Rsa(..) => x509_cert::spki::AlgorithmIdentifierOwned {
                oid: crate::x509::SHA256_WITH_RSA,
                parameters: Some(der::asn1::Null.into()),
            },
            Key::P256(..) => x509_cert::spki::AlgorithmIdentifierOwned {
                oid: crate::x509::ECDSA_SHA256,
                parameters: None,
            },
        }
    }
    /// Signs `data` (SHA-256 inside): PKCS#1 v1.5 bytes or a DER ECDSA signature.
    fn sign(&self, data: &[u8]) -> Vec<u8> {
        use signature::{SignatureEncoding, Signer};
        match self {
            Key::Rsa(k, _) => k.sign(data).to_vec(),
            Key::P256(k, _) => {
                let s: p256::ecdsa::DerSignature = k.sign(data);
                s.to_vec()
            }
        }
    }
    fn spki(&self) -> SubjectPublicKeyInfoOwned {
        let der = match self {
            Key::Rsa(k, _) => {
                use rsa::signature::Keypair;
                k.verifying_key().to_public_key_der().expect("SPKI")
            }
            Key::P256(k, _) => k.verifying_key().to_public_key_der().expect("SPKI"),
        };
        SubjectPublicKeyInfoOwned::from_der(der.as_bytes()).expect("SPKI")
    }
    fn pkcs8(&self) -> Vec<u8> {
        match self {
            Key::Rsa(_, d) | Key::P256(_, d) => d.clone(),
        }
    }
}

/// extendedKeyUsage = timeStamping, marked critical as RFC 3161 §2.3 requires.
struct TsaUsage(x509_cert::ext::pkix::ExtendedKeyUsage);

impl const_oid::AssociatedOid for TsaUsage {
    const OID: const_oid::ObjectIdentifier = const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE;
}

impl der::Encode for TsaUsage {
    fn encoded_len(&self) -> der::Result<der::Length> {
        self.0.encoded_len()
    }
    fn encode(&self, encoder: &mut impl der::Writer) -> der::Result<()> {
        self.0.encode(encoder)
    }
}

impl x509_cert::ext::AsExtension for TsaUsage {
    fn critical(&self, _: &Name, _: &[x509_cert::ext::Extension]) -> bool {
        true
    }
}

fn issue(
    profile: Profile,
    serial: u32,
    subject: &str,
    subject_key: &Key,
    issuer_key: &Key,
    tsa: bool,
) -> Vec<u8> {
    let validity = Validity::from_now(Duration::from_secs(5 * 365 * 86_400)).expect("validity");
    // Where the issuer's CRL would be published (never fetched here: B-LT carries it).
    let crl_at = match &profile {
        Profile::Root => None,
        Profile::SubCA { .. } => Some(CrlAt::new("http://crl.motcua.invalid/root.crl")),
        _ => Some(CrlAt::new("http://crl.motcua.invalid/issuing.crl")),
    };
    let subject = Name::from_str(subject).expect("subject");
    let serial = SerialNumber::from(serial);
    let spki = subject_key.spki();
    let cert = match issuer_key {
        Key::Rsa(k, _) => {
            let mut b =
                CertificateBuilder::new(profile, serial, validity, subject, spki, k.as_ref())
                    .expect("builder");
            if let Some(at) = &crl_at {
                b.add_extension(&at.0).expect("CRL distribution point");
            }
            if tsa {
                b.add_extension(&TsaUsage(x509_cert::ext::pkix::ExtendedKeyUsage(vec![
                    const_oid::db::rfc5280::ID_KP_TIME_STAMPING,
                ])))
                .expect("EKU");
            }
            b.build::<rsa::pkcs1v15::Signature>().expect("certificate")
        }
        Key::P256(k, _) => {
            let mut b = CertificateBuilder::new(profile, serial, validity, subject, spki, k)
                .expect("builder");
            if let Some(at) = &crl_at {
                b.add_extension(&at.0).expect("CRL distribution point");
            }
            if tsa {
                b.add_extension(&TsaUsage(x509_cert::ext::pkix::ExtendedKeyUsage(vec![
                    const_oid::db::rfc5280::ID_KP_TIME_STAMPING,
                ])))
                .expect("EKU");
            }
            b.build::<p256::ecdsa::DerSignature>().expect("certificate")
        }
    };
    cert.to_der().expect("certificate DER")
}

impl TestPki {
    /// Generates everything (two RSA-2048 keys: a second or so).
    pub fn generate() -> TestPki {
        let root_key = Key::rsa();
        let inter_key = Key::p256();
        let rsa_key = Key::rsa();
        let p256_key = Key::p256();
        let tsa_key = Key::p256();
        let root_name = "CN=Motcua Test Root CA,O=Motcua Test,C=VN";
        let inter_name = "CN=Motcua Test Issuing CA,O=Motcua Test,C=VN";
        let root_cert = issue(Profile::Root, 1, root_name, &root_key, &root_key, false);
        let inter_cert = issue(
            Profile::SubCA {
                issuer: Name::from_str(root_name).expect("name"),
                path_len_constraint: Some(0),
            },
            2,
            inter_name,
            &inter_key,
            &root_key,
            false,
        );
        let leaf = || Profile::Leaf {
            issuer: Name::from_str(inter_name).expect("name"),
            enable_key_agreement: false,
            enable_key_encipherment: false,
        };
        let rsa_cert = issue(
            leaf(),
            0x1001,
            "CN=Nguyen Van An,OU=Phong Tu phap,O=UBND Phuong Ben Nghe,C=VN",
            &rsa_key,
            &inter_key,
            false,
        );
        let p256_cert = issue(
            leaf(),
            0x1002,
            "CN=UBND Phuong Ben Nghe,O=UBND Phuong Ben Nghe,C=VN",
            &p256_key,
            &inter_key,
            false,
        );
        let tsa_cert = issue(
            leaf(),
            0x1003,
            "CN=Motcua Test TSA,O=Motcua Test,C=VN",
            &tsa_key,
            &inter_key,
            true,
        );
        let issued = |k: &Key, cert: Vec<u8>| Issued {
            key_pkcs8: k.pkcs8(),
            cert,
        };
        TestPki {
            root: issued(&root_key, root_cert),
            intermediate: issued(&inter_key, inter_cert),
            rsa_signer: issued(&rsa_key, rsa_cert),
            p256_signer: issued(&p256_key, p256_cert),
            tsa: issued(&tsa_key, tsa_cert),
        }
    }

    /// A further agency seal (P-256) issued by the intermediate, for an installation with one
    /// seal per agency. The subject is `CN=<name>,O=<name>,C=VN`; a name with a character
    /// that is special in such a string (`,` `=` `+` …) is refused.
    pub fn issue_seal(&self, name: &str, serial: u32) -> Option<Issued> {
        seal_from(&self.intermediate, name, serial)
    }

    /// An official's personal certificate (P-256): `CN=<name>,O=<organisation>,C=VN`.
    pub fn issue_personal(&self, name: &str, organisation: &str, serial: u32) -> Option<Issued> {
        leaf_from(&self.intermediate, name, organisation, serial)
    }

    /// A signer's key with the intermediate as its chain.
    pub fn key(&self, who: &Issued) -> SoftwareKey {
        SoftwareKey::from_pkcs8(
            &who.key_pkcs8,
            who.cert.clone(),
            vec![self.intermediate.cert.clone()],
        )
        .expect("test key")
    }
}

/// A small PKI for `serve --demo`: a root and an issuing CA, both P-256 (generated in
/// milliseconds even unoptimised), issuing one seal per agency.
pub struct DemoPki {
    pub root: Issued,
    pub intermediate: Issued,
}

impl DemoPki {
    pub fn generate() -> DemoPki {
        let root_key = Key::p256();
        let inter_key = Key::p256();
        let root_name = "CN=Motcua Demo Root CA (MO PHONG),O=Motcua Demo,C=VN";
        let inter_name = "CN=Motcua Demo Issuing CA (MO PHONG),O=Motcua Demo,C=VN";
        let root_cert = issue(Profile::Root, 1, root_name, &root_key, &root_key, false);
        let inter_cert = issue(
            Profile::SubCA {
                issuer: Name::from_str(root_name).expect("name"),
                path_len_constraint: Some(0),
            },
            2,
            inter_name,
            &inter_key,
            &root_key,
            false,
        );
        DemoPki {
            root: Issued {
                key_pkcs8: root_key.pkcs8(),
                cert: root_cert,
            },
            intermediate: Issued {
                key_pkcs8: inter_key.pkcs8(),
                cert: inter_cert,
            },
        }
    }

    /// An agency's seal (see [`TestPki::issue_seal`]).
    pub fn issue_seal(&self, name: &str, serial: u32) -> Option<Issued> {
        seal_from(&self.intermediate, name, serial)
    }

    /// An official's personal certificate (see [`TestPki::issue_personal`]).
    pub fn issue_personal(&self, name: &str, organisation: &str, serial: u32) -> Option<Issued> {
        leaf_from(&self.intermediate, name, organisation, serial)
    }

    /// A seal's key with the issuing CA as its chain.
    pub fn key(&self, who: &Issued) -> Option<SoftwareKey> {
        SoftwareKey::from_pkcs8(
            &who.key_pkcs8,
            who.cert.clone(),
            vec![self.intermediate.cert.clone()],
        )
        .ok()
    }
}

/// A P-256 seal issued by a P-256 intermediate.
fn seal_from(intermediate: &Issued, name: &str, serial: u32) -> Option<Issued> {
    leaf_from(intermediate, name, name, serial)
}

/// A P-256 end-entity certificate `CN=<name>,O=<organisation>,C=VN` issued by a P-256
/// intermediate; a name with a character special in such a string (`,` `=` `+` …) is refused.
fn leaf_from(intermediate: &Issued, name: &str, organisation: &str, serial: u32) -> Option<Issued> {
    let special =
        |s: &str| s.trim().is_empty() || s.contains([',', '=', '+', '\\', '"', '<', '>', ';', '#']);
    if special(name) || special(organisation) {
        return None;
    }
    let issuer = Key::p256_from_pkcs8(&intermediate.key_pkcs8)?;
    let issuer_name = x509_cert::Certificate::from_der(&intermediate.cert)
        .ok()?
        .tbs_certificate
        .subject;
    let key = Key::p256();
    let cert = issue(
        Profile::Leaf {
            issuer: issuer_name,
            enable_key_agreement: false,
            enable_key_encipherment: false,
        },
        serial,
        &format!("CN={name},O={organisation},C=VN"),
        &key,
        &issuer,
        false,
    );
    Some(Issued {
        key_pkcs8: key.pkcs8(),
        cert,
    })
}

/// PEM armour (for handing files to OpenSSL and pyHanko).
pub fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// CRLDistributionPoints naming one address (none is ever fetched in tests: the CRLs travel
/// in the document, and pyHanko must find them there).
struct CrlAt(x509_cert::ext::pkix::CrlDistributionPoints);

impl CrlAt {
    fn new(url: &str) -> CrlAt {
        use x509_cert::ext::pkix::crl::dp::DistributionPoint;
        use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
        CrlAt(x509_cert::ext::pkix::CrlDistributionPoints(vec![
            DistributionPoint {
                distribution_point: Some(DistributionPointName::FullName(vec![
                    GeneralName::UniformResourceIdentifier(
                        der::asn1::Ia5String::new(url).expect("an ASCII address"),
                    ),
                ])),
                reasons: None,
                crl_issuer: None,
            },
        ]))
    }
}

/// The CRL of a CA of this PKI listing the `revoked` serial numbers (revoked an hour ago),
/// current from an hour ago for a week, with its CRL number.
pub fn crl(issuer: &Issued, revoked: &[u32]) -> Vec<u8> {
    use der::asn1::BitString;
    use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
    use x509_cert::time::Time;
    let key = Key::from_pkcs8(&issuer.key_pkcs8).expect("a CA key of this PKI");
    let cert = x509_cert::Certificate::from_der(&issuer.cert).expect("CA certificate");
    let now = std::time::SystemTime::now();
    let hour_ago = Time::try_from(now - Duration::from_secs(3600)).expect("time");
    let next_week = Time::try_from(now + Duration::from_secs(7 * 86_400)).expect("time");
    let algorithm = key.signature_algorithm();
    let number = x509_cert::ext::Extension {
        extn_id: const_oid::db::rfc5280::ID_CE_CRL_NUMBER,
        critical: false,
        extn_value: der::asn1::OctetString::new(
            SerialNumber::from(1u32).to_der().expect("CRL number"),
        )
        .expect("CRL number"),
    };
    let tbs = TbsCertList {
        version: x509_cert::Version::V2,
        signature: algorithm.clone(),
        issuer: cert.tbs_certificate.subject.clone(),
        this_update: hour_ago,
        next_update: Some(next_week),
        revoked_certificates: (!revoked.is_empty()).then(|| {
            revoked
                .iter()
                .map(|serial| RevokedCert {
                    serial_number: SerialNumber::from(*serial),
                    revocation_date: hour_ago,
                    crl_entry_extensions: None,
                })
                .collect()
        }),
        crl_extensions: Some(vec![number]),
    };
    let signed = tbs.to_der().expect("TBSCertList");
    let signature = key.sign(&signed);
    CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: algorithm,
        signature: BitString::from_bytes(&signature).expect("signature"),
    }
    .to_der()
    .expect("CRL")
}
