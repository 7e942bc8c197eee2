//! PAdES B-LT (ETSI EN 319 142-1 §5.4): after a B-T signature, the validation material a
//! verifier will need years later — the certificates of the signer's and the timestamp
//! authority's chains, and the CRLs saying none of them was revoked — goes into the document's
//! DSS (Document Security Store, ISO 32000-2 §12.8.4.3) in one more incremental update. The
//! signature then verifies after the certificates expire or the CA's servers go away.
//!
//! CRLs come from a [`RevocationSource`]: [`HttpCrls`] fetches them from each certificate's
//! CRL distribution points (what a production installation does with the national CAs');
//! [`StaticCrls`] offers a fixed set (the demo's and the tests' own CA).

use crate::pdf::{self, Document, Obj, dict_get, dict_set};
use crate::{BoxFuture, SignError};
use der::{Decode, Encode};
use std::time::Duration;
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;

/// Where the CRLs of a certificate come from.
pub trait RevocationSource: Send + Sync {
    /// The DER CRLs covering `certificate` (DER); empty when it names none.
    fn crls_for<'a>(
        &'a self,
        certificate: &'a [u8],
    ) -> BoxFuture<'a, Result<Vec<Vec<u8>>, SignError>>;
}

/// CRLs fetched over HTTP from each certificate's CRL distribution points.
pub struct HttpCrls {
    client: reqwest::Client,
}

/// The largest CRL we fetch (a national CA's full CRL is a few megabytes).
const CRL_MAX_BYTES: usize = 32 * 1024 * 1024;

impl HttpCrls {
    pub fn new() -> Result<Self, SignError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .map_err(|e| SignError::Remote(e.to_string()))?;
        Ok(HttpCrls { client })
    }
}

/// The `http://` addresses of a certificate's CRL distribution points.
pub fn distribution_points(certificate: &Certificate) -> Vec<String> {
    use x509_cert::ext::pkix::CrlDistributionPoints;
    use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
    certificate
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .filter(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_CRL_DISTRIBUTION_POINTS)
        .filter_map(|e| CrlDistributionPoints::from_der(e.extn_value.as_bytes()).ok())
        .flat_map(|points| points.0)
        .filter_map(|point| match point.distribution_point {
            Some(DistributionPointName::FullName(names)) => Some(names),
            _ => None,
        })
        .flatten()
        .filter_map(|name| match name {
            GeneralName::UniformResourceIdentifier(uri) => Some(uri.to_string()),
            _ => None,
        })
        .filter(|uri| uri.starts_with("http://") || uri.starts_with("https://"))
        .collect()
}

impl RevocationSource for HttpCrls {
    fn crls_for<'a>(
        &'a self,
        certificate: &'a [u8],
    ) -> BoxFuture<'a, Result<Vec<Vec<u8>>, SignError>> {
        Box::pin(async move {
            let cert = crate::x509::parse(certificate)?;
            let mut out = Vec::new();
            for url in distribution_points(&cert) {
                let reply = self
                    .client
                    .get(&url)
                    .send()
                    .await
                    .and_then(reqwest::Response::error_for_status)
                    .map_err(|e| SignError::Remote(format!("CRL {url}: {e}")))?;
                let bytes = reply
                    .bytes()
                    .await
                    .map_err(|e| SignError::Remote(format!("CRL {url}: {e}")))?;
                if bytes.len() > CRL_MAX_BYTES || CertificateList::from_der(&bytes).is_err() {
                    return Err(SignError::Remote(format!("CRL {url}: not a DER CRL")));
                }
                out.push(bytes.to_vec());
            }
            Ok(out)
        })
    }
}

/// A fixed set of CRLs; each certificate gets those its issuer signed.
pub struct StaticCrls(pub Vec<Vec<u8>>);

impl RevocationSource for StaticCrls {
    fn crls_for<'a>(
        &'a self,
        certificate: &'a [u8],
    ) -> BoxFuture<'a, Result<Vec<Vec<u8>>, SignError>> {
        Box::pin(async move {
            let cert = crate::x509::parse(certificate)?;
            Ok(self
                .0
                .iter()
                .filter(|crl| {
                    CertificateList::from_der(crl)
                        .is_ok_and(|c| c.tbs_cert_list.issuer == cert.tbs_certificate.issuer)
                })
                .cloned()
                .collect())
        })
    }
}

/// What goes into the DSS.
#[derive(Debug, Clone, Default)]
pub struct ValidationMaterial {
    /// Certificates, DER.
    pub certs: Vec<Vec<u8>>,
    /// CRLs, DER.
    pub crls: Vec<Vec<u8>>,
}

impl ValidationMaterial {
    /// `certs` (the signer's first, then their issuers and the timestamp authority's) and,
    /// for each one not self-signed, its CRLs from `revocation`. Duplicates are dropped.
    pub async fn gather(
        certs: Vec<Vec<u8>>,
        revocation: &dyn RevocationSource,
    ) -> Result<ValidationMaterial, SignError> {
        let mut material = ValidationMaterial::default();
        for cert in certs {
            if material.certs.contains(&cert) {
                continue;
            }
            let parsed = crate::x509::parse(&cert)?;
            if parsed.tbs_certificate.issuer != parsed.tbs_certificate.subject {
                for crl in revocation.crls_for(&cert).await? {
                    if !material.crls.contains(&crl) {
                        material.crls.push(crl);
                    }
                }
            }
            material.certs.push(cert);
        }
        Ok(material)
    }
}

/// Adds `material` to the document's DSS (creating it, or extending the one there) as an
/// incremental update: nothing signed before changes.
pub fn add_dss(pdf: &[u8], material: &ValidationMaterial) -> Result<Vec<u8>, SignError> {
    let doc = Document::parse(pdf)?;
    let root_ref = match dict_get(&doc.trailer, "Root") {
        Some(Obj::Ref(n, _)) => *n,
        _ => return Err(SignError::Pdf("no /Root in the trailer".into())),
    };
    let Obj::Dict(mut catalog) = doc.get(root_ref)? else {
        return Err(SignError::Pdf("the catalog is not a dictionary".into()));
    };
    let mut next = doc.size();
    let mut objects: Vec<(u32, Vec<u8>)> = Vec::new();
    let (mut dss, dss_num) = match dict_get(&catalog, "DSS").cloned() {
        Some(Obj::Ref(n, _)) => match doc.get(n)? {
            Obj::Dict(d) => (d, Some(n)),
            _ => (pdf::Dict::new(), Some(n)),
        },
        Some(Obj::Dict(d)) => (d, None),
        _ => (pdf::Dict::new(), None),
    };
    for (key, items) in [("Certs", &material.certs), ("CRLs", &material.crls)] {
        let mut array = match dict_get(&dss, key).map(|o| doc.resolve(o)) {
            Some(Ok(Obj::Array(a))) => a,
            _ => Vec::new(),
        };
        for item in items {
            let n = next;
            next += 1;
            objects.push((n, serialize(&Obj::Stream(pdf::Dict::new(), item.clone()))));
            array.push(Obj::Ref(n, 0));
        }
        if !array.is_empty() {
            dict_set(&mut dss, key, Obj::Array(array));
        }
    }
    let dss_num = match dss_num {
        Some(n) => n,
        None => {
            let n = next;
            next += 1;
            dict_set(&mut catalog, "DSS", Obj::Ref(n, 0));
            objects.push((root_ref, serialize(&Obj::Dict(catalog))));
            n
        }
    };
    objects.push((dss_num, serialize(&Obj::Dict(dss))));
    Ok(pdf::incremental_update(&doc, &objects, next))
}

fn serialize(obj: &Obj) -> Vec<u8> {
    let mut out = Vec::new();
    pdf::write_obj(&mut out, obj);
    out
}

/// The CRLs in a document's DSS (any revision's: the latest catalog's DSS holds them all).
pub(crate) fn crls_in(pdf: &[u8]) -> Vec<CertificateList> {
    let Ok(doc) = Document::parse(pdf) else {
        return Vec::new();
    };
    let Some(Obj::Ref(root, _)) = dict_get(&doc.trailer, "Root") else {
        return Vec::new();
    };
    let Ok(Obj::Dict(catalog)) = doc.get(*root) else {
        return Vec::new();
    };
    let Some(Ok(Obj::Dict(dss))) = dict_get(&catalog, "DSS").map(|d| doc.resolve(d)) else {
        return Vec::new();
    };
    let Some(Ok(Obj::Array(crls))) = dict_get(&dss, "CRLs").map(|c| doc.resolve(c)) else {
        return Vec::new();
    };
    crls.iter()
        .filter_map(|c| match doc.resolve(c) {
            Ok(Obj::Stream(_, data)) => CertificateList::from_der(&data).ok(),
            _ => None,
        })
        .collect()
}

/// Whether a certificate was revoked, by the CRLs at hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    /// No usable CRL of its issuer (none embedded, or none current at the signing time).
    Unknown,
    /// A CRL of its issuer, signed by it and current at the signing time, does not list it.
    Good,
    /// Its issuer's CRL lists it, revoked at or before the signing time.
    Revoked,
}

/// Checks `cert` against `crls`, using `issuer` to check each CRL's signature, at `at`.
pub(crate) fn status(
    cert: &Certificate,
    issuer: &Certificate,
    crls: &[CertificateList],
    at: time::OffsetDateTime,
) -> Revocation {
    let mut status = Revocation::Unknown;
    for crl in crls {
        let tbs = &crl.tbs_cert_list;
        if tbs.issuer != cert.tbs_certificate.issuer || !signed_by(crl, issuer) {
            continue;
        }
        let ts = at.unix_timestamp();
        let this_update = tbs.this_update.to_unix_duration().as_secs() as i64;
        let revoked = tbs
            .revoked_certificates
            .iter()
            .flatten()
            .find(|r| r.serial_number == cert.tbs_certificate.serial_number);
        if let Some(entry) = revoked {
            if entry.revocation_date.to_unix_duration().as_secs() as i64 <= ts {
                return Revocation::Revoked;
            }
            continue;
        }
        let next_update = tbs
            .next_update
            .map(|t| t.to_unix_duration().as_secs() as i64);
        // Current at the signing time, or issued after it (a later CRL that still does not
        // list the certificate says it was good then too).
        if next_update.is_none_or(|n| ts <= n) || this_update >= ts {
            status = Revocation::Good;
        }
    }
    status
}

/// Whether `issuer` signed this CRL.
fn signed_by(crl: &CertificateList, issuer: &Certificate) -> bool {
    crl.tbs_cert_list.to_der().is_ok_and(|tbs| {
        crate::x509::signed_with(
            &tbs,
            &crl.signature_algorithm.oid,
            crl.signature.raw_bytes(),
            issuer,
        )
    })
}
