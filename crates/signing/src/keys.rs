//! Where the signing key lives: [`KeySource`]. [`SoftwareKey`] holds it in memory (loaded from
//! a PKCS#12 file or a PKCS#8 key); [`crate::remote::RemoteKey`] asks a remote-signing gateway.

use crate::{BoxFuture, SignError};
use der::{Decode, Encode};
use sha2::Sha256;

/// The signature algorithms we produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// RSA (2048 bits and more), PKCS#1 v1.5 with SHA-256.
    RsaPkcs1Sha256,
    /// ECDSA on P-256 with SHA-256 (DER-encoded signatures).
    EcdsaP256Sha256,
}

/// A signing key and its certificate chain.
pub trait KeySource: Send + Sync {
    /// The signer's certificate (DER).
    fn certificate(&self) -> &[u8];
    /// The issuing chain to embed, signer's issuer first (DER); the root may be left out.
    fn chain(&self) -> &[Vec<u8>];
    fn algorithm(&self) -> KeyAlgorithm;
    /// Signs a SHA-256 digest: PKCS#1 v1.5 signature bytes, or a DER ECDSA signature.
    fn sign_digest(&self, digest: [u8; 32]) -> BoxFuture<'_, Result<Vec<u8>, SignError>>;
}

/// The algorithm a certificate's public key calls for.
pub(crate) fn algorithm_of(cert_der: &[u8]) -> Result<KeyAlgorithm, SignError> {
    let cert = crate::x509::parse(cert_der)?;
    let spki = &cert.tbs_certificate.subject_public_key_info;
    match spki.algorithm.oid {
        crate::x509::RSA_ENCRYPTION => Ok(KeyAlgorithm::RsaPkcs1Sha256),
        crate::x509::EC_PUBLIC_KEY => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<const_oid::ObjectIdentifier>().ok());
            if curve == Some(crate::x509::SECP256R1) {
                Ok(KeyAlgorithm::EcdsaP256Sha256)
            } else {
                Err(SignError::Key("only the P-256 curve is supported".into()))
            }
        }
        other => Err(SignError::Key(format!("unsupported key algorithm {other}"))),
    }
}

enum Secret {
    Rsa(Box<rsa::RsaPrivateKey>),
    P256(p256::ecdsa::SigningKey),
}

/// A key held in memory.
pub struct SoftwareKey {
    secret: Secret,
    certificate: Vec<u8>,
    chain: Vec<Vec<u8>>,
}

impl std::fmt::Debug for SoftwareKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoftwareKey")
            .field("algorithm", &self.algorithm())
            .finish_non_exhaustive()
    }
}

impl SoftwareKey {
    /// From an unencrypted PKCS#8 private key (DER), its certificate and chain (DER).
    pub fn from_pkcs8(
        pkcs8_der: &[u8],
        certificate: Vec<u8>,
        chain: Vec<Vec<u8>>,
    ) -> Result<Self, SignError> {
        let info = pkcs8::PrivateKeyInfo::try_from(pkcs8_der)
            .map_err(|e| SignError::Key(format!("PKCS#8: {e}")))?;
        let secret = match info.algorithm.oid {
            crate::x509::RSA_ENCRYPTION => {
                use rsa::pkcs1::DecodeRsaPrivateKey;
                let key = rsa::RsaPrivateKey::from_pkcs1_der(info.private_key)
                    .map_err(|e| SignError::Key(format!("RSA key: {e}")))?;
                Secret::Rsa(Box::new(key))
            }
            crate::x509::EC_PUBLIC_KEY => {
                use p256::pkcs8::DecodePrivateKey;
                let key = p256::ecdsa::SigningKey::from_pkcs8_der(pkcs8_der)
                    .map_err(|e| SignError::Key(format!("EC key (P-256 only): {e}")))?;
                Secret::P256(key)
            }
            other => return Err(SignError::Key(format!("unsupported key algorithm {other}"))),
        };
        let key = SoftwareKey {
            secret,
            certificate,
            chain,
        };
        key.check_pair()?;
        Ok(key)
    }

    /// From a PKCS#12 (.p12/.pfx) file: OpenSSL 3 defaults (PBES2 with AES-CBC and
    /// PBKDF2-HMAC-SHA-256, an HMAC-SHA-256 MAC) and unencrypted bags. Legacy files (RC2/3DES,
    /// `openssl … -legacy`) are refused with a message saying so.
    pub fn from_pkcs12(p12: &[u8], password: &str) -> Result<Self, SignError> {
        let parts = pkcs12_open(p12, password)?;
        // The signer's certificate is the one whose public key matches the key.
        let mut certs = parts.certificates;
        let mut found = None;
        for (i, cert) in certs.iter().enumerate() {
            let candidate = SoftwareKey::from_pkcs8(&parts.key, cert.clone(), Vec::new());
            if candidate.is_ok() {
                found = Some(i);
                break;
            }
        }
        let i = found.ok_or_else(|| {
            SignError::Key("no certificate in the PKCS#12 file matches its key".into())
        })?;
        let certificate = certs.remove(i);
        let chain = order_chain(&certificate, certs);
        SoftwareKey::from_pkcs8(&parts.key, certificate, chain)
    }

    fn check_pair(&self) -> Result<(), SignError> {
        let cert = crate::x509::parse(&self.certificate)?;
        let spki = cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(SignError::from)?;
        let ours = match &self.secret {
            Secret::Rsa(k) => {
                use rsa::pkcs8::EncodePublicKey;
                k.to_public_key()
                    .to_public_key_der()
                    .map_err(|e| SignError::Key(e.to_string()))?
                    .as_bytes()
                    .to_vec()
            }
            Secret::P256(k) => {
                use p256::pkcs8::EncodePublicKey;
                k.verifying_key()
                    .to_public_key_der()
                    .map_err(|e| SignError::Key(e.to_string()))?
                    .as_bytes()
                    .to_vec()
            }
        };
        if ours == spki {
            Ok(())
        } else {
            Err(SignError::Key(
                "the certificate does not belong to the key".into(),
            ))
        }
    }

    /// Signs synchronously (the simulators use this).
    pub fn sign_digest_now(&self, digest: &[u8; 32]) -> Result<Vec<u8>, SignError> {
        match &self.secret {
            Secret::Rsa(k) => k
                .sign(rsa::Pkcs1v15Sign::new::<Sha256>(), digest)
                .map_err(|e| SignError::Key(e.to_string())),
            Secret::P256(k) => {
                use p256::ecdsa::signature::hazmat::PrehashSigner;
                let sig: p256::ecdsa::Signature = k
                    .sign_prehash(digest)
                    .map_err(|e| SignError::Key(e.to_string()))?;
                Ok(sig.to_der().as_bytes().to_vec())
            }
        }
    }
}

impl KeySource for SoftwareKey {
    fn certificate(&self) -> &[u8] {
        &self.certificate
    }
    fn chain(&self) -> &[Vec<u8>] {
        &self.chain
    }
    fn algorithm(&self) -> KeyAlgorithm {
        match self.secret {
            Secret::Rsa(_) => KeyAlgorithm::RsaPkcs1Sha256,
            Secret::P256(_) => KeyAlgorithm::EcdsaP256Sha256,
        }
    }
    fn sign_digest(&self, digest: [u8; 32]) -> BoxFuture<'_, Result<Vec<u8>, SignError>> {
        let result = self.sign_digest_now(&digest);
        Box::pin(async move { result })
    }
}

/// Orders the other certificates into a chain from the signer upwards (unrelated ones last).
fn order_chain(leaf: &[u8], mut rest: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let mut chain = Vec::new();
    let mut current = leaf.to_vec();
    while let Ok(cert) = crate::x509::parse(&current) {
        let Some(i) = rest.iter().position(|c| {
            crate::x509::parse(c)
                .is_ok_and(|c| c.tbs_certificate.subject == cert.tbs_certificate.issuer)
        }) else {
            break;
        };
        let next = rest.remove(i);
        if cert.tbs_certificate.subject == cert.tbs_certificate.issuer {
            break;
        }
        chain.push(next.clone());
        current = next;
    }
    chain.extend(rest);
    chain
}

struct Pkcs12Parts {
    key: Vec<u8>,
    certificates: Vec<Vec<u8>>,
}

const ID_DATA: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_ENCRYPTED_DATA: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.6");
const BAG_KEY: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.1");
const BAG_SHROUDED_KEY: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.2");
const BAG_CERT: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.3");
const PBES2: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");

fn legacy() -> SignError {
    SignError::Key(
        "legacy PKCS#12 encryption (RC2/3DES) is not supported: re-export the file with \
         OpenSSL 3 defaults (AES-256-CBC, PBKDF2)"
            .into(),
    )
}

fn octets_of(any: &der::asn1::Any) -> Result<Vec<u8>, SignError> {
    let os: der::asn1::OctetString = any.decode_as()?;
    Ok(os.into_bytes())
}

fn pkcs12_open(p12: &[u8], password: &str) -> Result<Pkcs12Parts, SignError> {
    use hmac::Mac;
    let pfx = pkcs12::pfx::Pfx::from_der(p12)
        .map_err(|e| SignError::Key(format!("not a PKCS#12 file: {e}")))?;
    if pfx.auth_safe.content_type != ID_DATA {
        return Err(SignError::Key(
            "PKCS#12 with public-key integrity mode is not supported".into(),
        ));
    }
    let auth_safe = octets_of(&pfx.auth_safe.content)?;
    if let Some(mac) = &pfx.mac_data {
        let alg = mac.mac.algorithm.oid;
        if alg != crate::x509::SHA256 {
            return Err(legacy());
        }
        let key = pkcs12::kdf::derive_key_utf8::<Sha256>(
            password,
            mac.mac_salt.as_bytes(),
            pkcs12::kdf::Pkcs12KeyType::Mac,
            mac.iterations,
            32,
        )?;
        let mut hmac = hmac::Hmac::<Sha256>::new_from_slice(&key)
            .map_err(|e| SignError::Key(e.to_string()))?;
        hmac.update(&auth_safe);
        if hmac.verify_slice(mac.mac.digest.as_bytes()).is_err() {
            return Err(SignError::WrongPassword);
        }
    }
    let contents: Vec<cms::content_info::ContentInfo> = Vec::from_der(&auth_safe)?;
    let mut keys = Vec::new();
    let mut certificates = Vec::new();
    for info in contents {
        let bags_der = match info.content_type {
            ID_DATA => octets_of(&info.content)?,
            ID_ENCRYPTED_DATA => {
                let data: cms::encrypted_data::EncryptedData = info.content.decode_as()?;
                let eci = data.enc_content_info;
                if eci.content_enc_alg.oid != PBES2 {
                    return Err(legacy());
                }
                let alg_der = eci.content_enc_alg.to_der()?;
                let scheme = pkcs5::EncryptionScheme::from_der(&alg_der)
                    .map_err(|e| SignError::Key(format!("PKCS#12 encryption: {e}")))?;
                let cipher = eci
                    .encrypted_content
                    .ok_or_else(|| SignError::Key("empty encrypted PKCS#12 content".into()))?;
                scheme
                    .decrypt(password, cipher.as_bytes())
                    .map_err(|_| SignError::WrongPassword)?
            }
            _ => return Err(SignError::Key("unknown PKCS#12 content".into())),
        };
        let bags: Vec<pkcs12::safe_bag::SafeBag> = Vec::from_der(&bags_der)?;
        for bag in bags {
            // `bag_value` holds the whole `[0] EXPLICIT` wrapper.
            let wrapped = der::asn1::AnyRef::from_der(&bag.bag_value)?;
            let value = wrapped.value();
            match bag.bag_id {
                BAG_KEY => keys.push(value.to_vec()),
                BAG_SHROUDED_KEY => {
                    let epki = pkcs8::EncryptedPrivateKeyInfo::try_from(value)
                        .map_err(|e| SignError::Key(format!("PKCS#12 key bag: {e}")))?;
                    if epki.encryption_algorithm.oid() != PBES2 {
                        return Err(legacy());
                    }
                    let doc = epki
                        .decrypt(password)
                        .map_err(|_| SignError::WrongPassword)?;
                    keys.push(doc.as_bytes().to_vec());
                }
                BAG_CERT => {
                    let cert_bag = pkcs12::cert_type::CertBag::from_der(value)?;
                    certificates.push(cert_bag.cert_value.into_bytes());
                }
                _ => {}
            }
        }
    }
    let key = match keys.len() {
        0 => {
            return Err(SignError::Key(
                "the PKCS#12 file holds no private key".into(),
            ));
        }
        1 => keys.remove(0),
        _ => {
            return Err(SignError::Key(
                "the PKCS#12 file holds more than one private key".into(),
            ));
        }
    };
    Ok(Pkcs12Parts { key, certificates })
}
