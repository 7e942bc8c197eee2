//! Our own verification of the signatures in a PDF.

use crate::cms_build::{
    ATTR_MESSAGE_DIGEST, ATTR_SIGNATURE_TIMESTAMP, ATTR_SIGNING_TIME, ID_CT_TST_INFO, ID_DATA,
    ID_SIGNED_DATA,
};
use crate::pdf::{self, Lexer, Obj, dict_get};
use cms::cert::CertificateChoices;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::{Decode, Encode};
use x509_cert::Certificate;

/// Trusted root certificates (e.g. the national public root and the government specialised root).
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    roots: Vec<Certificate>,
}

impl TrustStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a root certificate (DER).
    pub fn add_der(&mut self, der: &[u8]) -> Result<(), crate::SignError> {
        self.roots.push(crate::x509::parse(der)?);
        Ok(())
    }

    /// Adds every `CERTIFICATE` in a PEM text, or a single DER certificate; returns how many.
    pub fn add_pem_or_der(&mut self, bytes: &[u8]) -> Result<usize, crate::SignError> {
        let Ok(text) = std::str::from_utf8(bytes) else {
            self.add_der(bytes)?;
            return Ok(1);
        };
        if !text.contains("-----BEGIN CERTIFICATE-----") {
            self.add_der(bytes)?;
            return Ok(1);
        }
        use base64::Engine;
        let mut n = 0;
        for block in text.split("-----BEGIN CERTIFICATE-----").skip(1) {
            let body = block
                .split("-----END CERTIFICATE-----")
                .next()
                .unwrap_or("");
            let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            let der = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| crate::SignError::Key(format!("PEM: {e}")))?;
            self.add_der(&der)?;
            n += 1;
        }
        Ok(n)
    }

    pub fn len(&self) -> usize {
        self.roots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }
}

/// Who signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerIdentity {
    /// The subject's common name.
    pub common_name: String,
    /// The whole subject (RFC 4514).
    pub subject: String,
    /// The issuer's common name.
    pub issuer: String,
    /// The serial number, upper-case hexadecimal.
    pub serial: String,
}

/// Whether the signer's certificate chains to the trust store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// Chains to a trusted root; the chain is listed by common name, signer first.
    Trusted { path: Vec<String> },
    /// No path to a trusted root (the reason in English, for logs).
    Untrusted(String),
}

/// An RFC 3161 timestamp on the signature (B-T).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampReport {
    pub time: time::OffsetDateTime,
    /// The timestamp authority's common name.
    pub authority: String,
    /// The token's own signature verifies and it stamps this signature's value.
    pub valid: bool,
    /// The authority chains to the trust store.
    pub trusted: bool,
}

/// One signature in the file.
#[derive(Debug, Clone)]
pub struct SignatureReport {
    /// The signature field's name when found.
    pub field: Option<String>,
    /// `/SubFilter` (`ETSI.CAdES.detached`, `adbe.pkcs7.detached`…).
    pub sub_filter: String,
    pub signer: Option<SignerIdentity>,
    /// `/M`, the claimed signing time.
    pub claimed_time: Option<time::OffsetDateTime>,
    /// The CMS signing-time attribute, when present.
    pub signed_attribute_time: Option<time::OffsetDateTime>,
    pub timestamp: Option<TimestampReport>,
    pub reason: Option<String>,
    pub location: Option<String>,
    pub byte_range: [usize; 4],
    /// The byte range covers the whole file except `/Contents`; `false` means later
    /// incremental updates were appended (e.g. a second signature).
    pub covers_whole_file: bool,
    /// The digest of the signed bytes matches the signed message digest: unchanged since signing.
    pub intact: bool,
    /// The CMS signature verifies with the signer's certificate.
    pub signature_valid: bool,
    pub trust: Trust,
    /// Whether the signer's certificate was revoked, by the CRLs in the document (B-LT).
    pub revocation: crate::ltv::Revocation,
    /// Anything else wrong, in English (for logs and the page's details).
    pub problems: Vec<String>,
}

impl SignatureReport {
    /// Intact, cryptographically sound and trusted.
    pub fn is_valid(&self) -> bool {
        self.intact
            && self.signature_valid
            && matches!(self.trust, Trust::Trusted { .. })
            && self.timestamp.as_ref().is_none_or(|t| t.valid)
            && self.revocation != crate::ltv::Revocation::Revoked
    }

    /// The best signing time: the timestamp's, else the signed attribute's, else `/M`.
    pub fn signing_time(&self) -> Option<time::OffsetDateTime> {
        self.timestamp
            .as_ref()
            .filter(|t| t.valid)
            .map(|t| t.time)
            .or(self.signed_attribute_time)
            .or(self.claimed_time)
    }
}

/// Every signature in `pdf`, in file order.
pub fn verify_pdf(pdf: &[u8], trust: &TrustStore) -> Vec<SignatureReport> {
    let names = field_names(pdf);
    let mut reports = Vec::new();
    let mut seen = Vec::new();
    let mut from = 0;
    while let Some(at) = pdf::find_first(&pdf[from..], b"/ByteRange") {
        let at = from + at;
        from = at + 10;
        let Some((num, dict)) = enclosing_object(pdf, at) else {
            continue;
        };
        if seen.contains(&num) {
            continue;
        }
        match dict_get(&dict, "Type") {
            None => {}
            Some(Obj::Name(t)) if t == b"Sig" || t == b"DocTimeStamp" => {}
            _ => continue,
        }
        seen.push(num);
        let mut report = verify_one(pdf, &dict, trust);
        report.field = names
            .iter()
            .find(|(v, _)| *v == num.0)
            .map(|(_, n)| n.clone());
        reports.push(report);
    }
    reports
}

/// `(value object number, field name)` of signature fields, found by scanning for `/FT /Sig`.
fn field_names(pdf: &[u8]) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = pdf::find_first(&pdf[from..], b"/FT") {
        let at = from + at;
        from = at + 3;
        if let Some((_, dict)) = enclosing_object(pdf, at)
            && let (Some(Obj::Ref(v, _)), Some(Obj::Str(t))) =
                (dict_get(&dict, "V"), dict_get(&dict, "T"))
        {
            out.push((*v, pdf::decode_text(t)));
        }
    }
    out
}

/// The dictionary object (`N G obj << … >>`) around position `at`.
fn enclosing_object(pdf: &[u8], at: usize) -> Option<((u32, u16), pdf::Dict)> {
    let start = at.saturating_sub(4096);
    let obj_at = start + pdf::find_last(&pdf[start..at], b" obj")?;
    // Back to the object number.
    let mut p = obj_at;
    let mut spaces = 0;
    while p > 0 {
        let c = pdf[p - 1];
        if c == b' ' {
            spaces += 1;
            if spaces == 2 {
                break;
            }
        } else if !c.is_ascii_digit() {
            break;
        }
        p -= 1;
    }
    let mut lx = Lexer::new(pdf, p);
    let num = lx.uint().ok()? as u32;
    let generation = lx.uint().ok()? as u16;
    lx.expect_word("obj").ok()?;
    match lx.object(0).ok()? {
        Obj::Dict(d) => {
            // The position must lie inside this object.
            if lx.pos > at {
                Some(((num, generation), d))
            } else {
                None
            }
        }
        _ => None,
    }
}

fn text_of(dict: &pdf::Dict, key: &str) -> Option<String> {
    match dict_get(dict, key) {
        Some(Obj::Str(s)) => Some(pdf::decode_text(s)),
        _ => None,
    }
}

fn name_of(dict: &pdf::Dict, key: &str) -> String {
    match dict_get(dict, key) {
        Some(Obj::Name(n)) => String::from_utf8_lossy(n).into_owned(),
        _ => String::new(),
    }
}

/// Parses `D:YYYYMMDDHHmmSSOHH'mm'` (missing parts default as ISO 32000 says).
pub(crate) fn parse_pdf_date(text: &str) -> Option<time::OffsetDateTime> {
    let s = text.strip_prefix("D:").unwrap_or(text);
    let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.len() < 4 {
        return None;
    }
    let part =
        |a: usize, b: usize, d: u32| digits.get(a..b).and_then(|x| x.parse().ok()).unwrap_or(d);
    let year = part(0, 4, 0) as i32;
    let date = time::Date::from_calendar_date(
        year,
        time::Month::try_from(part(4, 6, 1) as u8).ok()?,
        part(6, 8, 1) as u8,
    )
    .ok()?;
    let t = time::Time::from_hms(
        part(8, 10, 0) as u8,
        part(10, 12, 0) as u8,
        part(12, 14, 0) as u8,
    )
    .ok()?;
    let rest = &s[digits.len()..];
    let offset = match rest.chars().next() {
        Some(c @ ('+' | '-')) => {
            let nums: Vec<i8> = rest[1..]
                .split('\'')
                .filter(|x| !x.is_empty())
                .filter_map(|x| x.parse().ok())
                .collect();
            let (h, m) = (
                nums.first().copied().unwrap_or(0),
                nums.get(1).copied().unwrap_or(0),
            );
            let sign = if c == '-' { -1 } else { 1 };
            time::UtcOffset::from_hms(sign * h, sign * m, 0).ok()?
        }
        _ => time::UtcOffset::UTC,
    };
    Some(time::PrimitiveDateTime::new(date, t).assume_offset(offset))
}

fn verify_one(pdf: &[u8], dict: &pdf::Dict, trust: &TrustStore) -> SignatureReport {
    let mut report = SignatureReport {
        field: None,
        sub_filter: name_of(dict, "SubFilter"),
        signer: None,
        claimed_time: text_of(dict, "M").and_then(|m| parse_pdf_date(&m)),
        signed_attribute_time: None,
        timestamp: None,
        reason: text_of(dict, "Reason"),
        location: text_of(dict, "Location"),
        byte_range: [0; 4],
        covers_whole_file: false,
        intact: false,
        signature_valid: false,
        trust: Trust::Untrusted("not checked".into()),
        revocation: crate::ltv::Revocation::Unknown,
        problems: Vec::new(),
    };
    let br: Vec<usize> = match dict_get(dict, "ByteRange") {
        Some(Obj::Array(a)) => a
            .iter()
            .filter_map(|o| match o {
                Obj::Int(n) if *n >= 0 => Some(*n as usize),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    if br.len() != 4 {
        report.problems.push("malformed /ByteRange".into());
        return report;
    }
    report.byte_range = [br[0], br[1], br[2], br[3]];
    let (a, b, c, d) = (br[0], br[1], br[2], br[3]);
    let Some(end) = c.checked_add(d) else {
        report.problems.push("malformed /ByteRange".into());
        return report;
    };
    if a != 0 || a + b > c || end > pdf.len() {
        report
            .problems
            .push("the /ByteRange does not fit the file".into());
        return report;
    }
    // The gap must be exactly the /Contents hexadecimal string.
    let gap = &pdf[b..c];
    let hex_ok = gap.len() >= 2
        && gap[0] == b'<'
        && gap[gap.len() - 1] == b'>'
        && gap[1..gap.len() - 1].iter().all(u8::is_ascii_hexdigit);
    if !hex_ok {
        report
            .problems
            .push("the unsigned gap is not just the /Contents string".into());
        return report;
    }
    report.covers_whole_file = end == pdf.len();
    let Some(mut contents) = pdf::decode_hex(&gap[1..gap.len() - 1]) else {
        report.problems.push("odd /Contents".into());
        return report;
    };
    // Trailing zero padding after the DER.
    if let Ok(len) = der_length(&contents) {
        contents.truncate(len);
    }
    let signed_bytes = |alg: &const_oid::ObjectIdentifier| -> Option<Vec<u8>> {
        let mut data = Vec::with_capacity(b + d);
        data.extend_from_slice(&pdf[a..a + b]);
        data.extend_from_slice(&pdf[c..end]);
        crate::x509::digest(alg, &data)
    };
    if !matches!(
        report.sub_filter.as_str(),
        "ETSI.CAdES.detached" | "adbe.pkcs7.detached"
    ) {
        report
            .problems
            .push(format!("unsupported /SubFilter {}", report.sub_filter));
        return report;
    }
    let sd = match parse_signed_data(&contents) {
        Ok(sd) => sd,
        Err(e) => {
            report.problems.push(format!("CMS: {e}"));
            return report;
        }
    };
    let certs = embedded_certificates(&sd);
    let Some(si) = sd.signer_infos.0.iter().next() else {
        report.problems.push("CMS without a signer".into());
        return report;
    };
    let Some(signer) = find_signer(si, &certs) else {
        report
            .problems
            .push("the signer's certificate is not in the CMS".into());
        return report;
    };
    report.signer = Some(identity(signer));
    let check = check_signer_info(si, signer, |alg| signed_bytes(alg), ID_DATA);
    report.intact = check.digest_matches;
    report.signature_valid = check.signature_valid;
    report.signed_attribute_time = check.signing_time;
    report.problems.extend(check.problems);

    // B-T.
    let token = si
        .unsigned_attrs
        .iter()
        .flat_map(|s| s.iter())
        .find(|a| a.oid == ATTR_SIGNATURE_TIMESTAMP);
    if let Some(value) = token.and_then(|attr| attr.values.iter().next()) {
        report.timestamp = Some(check_timestamp(
            value,
            si.signature.as_bytes(),
            trust,
            &mut report.problems,
        ));
    }
    let at = report
        .timestamp
        .as_ref()
        .filter(|t| t.valid)
        .map(|t| t.time)
        .unwrap_or_else(time::OffsetDateTime::now_utc);
    report.trust = chain(signer, &certs, trust, at);
    // B-LT: the signer's status by the CRLs in the document's DSS.
    let crls = crate::ltv::crls_in(pdf);
    if !crls.is_empty() {
        let issuer = certs
            .iter()
            .chain(trust.roots.iter())
            .find(|c| *c != signer && crate::x509::issued_by(signer, c));
        if let Some(issuer) = issuer {
            report.revocation = crate::ltv::status(signer, issuer, &crls, at);
        }
    }
    report
}

fn der_length(bytes: &[u8]) -> Result<usize, der::Error> {
    use der::Reader;
    let mut r = der::SliceReader::new(bytes)?;
    let h = der::Header::decode(&mut r)?;
    let hl = usize::try_from(r.position())?;
    Ok(hl + usize::try_from(h.length)?)
}

fn parse_signed_data(der_bytes: &[u8]) -> Result<SignedData, der::Error> {
    let ci = cms::content_info::ContentInfo::from_der(der_bytes)?;
    if ci.content_type != ID_SIGNED_DATA {
        return Err(der::Error::from(der::ErrorKind::OidUnknown {
            oid: ci.content_type,
        }));
    }
    ci.content.decode_as()
}

/// The certificates a CMS SignedData (e.g. a timestamp token) carries, DER; none when it does
/// not parse.
pub(crate) fn certificates_in_cms(der_bytes: &[u8]) -> Vec<Vec<u8>> {
    parse_signed_data(der_bytes)
        .map(|sd| {
            embedded_certificates(&sd)
                .iter()
                .filter_map(|c| c.to_der().ok())
                .collect()
        })
        .unwrap_or_default()
}

fn embedded_certificates(sd: &SignedData) -> Vec<Certificate> {
    sd.certificates
        .iter()
        .flat_map(|s| s.0.iter())
        .filter_map(|c| match c {
            CertificateChoices::Certificate(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

fn find_signer<'a>(si: &SignerInfo, certs: &'a [Certificate]) -> Option<&'a Certificate> {
    certs.iter().find(|c| match &si.sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            c.tbs_certificate.issuer == ias.issuer
                && c.tbs_certificate.serial_number == ias.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => c
            .tbs_certificate
            .extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER)
            .and_then(|e| {
                x509_cert::ext::pkix::SubjectKeyIdentifier::from_der(e.extn_value.as_bytes()).ok()
            })
            .is_some_and(|k| k.0 == ski.0),
    })
}

fn identity(cert: &Certificate) -> SignerIdentity {
    SignerIdentity {
        common_name: crate::x509::common_name(&cert.tbs_certificate.subject),
        subject: cert.tbs_certificate.subject.to_string(),
        issuer: crate::x509::common_name(&cert.tbs_certificate.issuer),
        serial: crate::x509::serial_hex(cert),
    }
}

struct SignerCheck {
    digest_matches: bool,
    signature_valid: bool,
    signing_time: Option<time::OffsetDateTime>,
    problems: Vec<String>,
}

/// Checks one SignerInfo: the message digest against `content_digest(alg)` and the signature.
fn check_signer_info(
    si: &SignerInfo,
    signer: &Certificate,
    content_digest: impl Fn(&const_oid::ObjectIdentifier) -> Option<Vec<u8>>,
    content_type: const_oid::ObjectIdentifier,
) -> SignerCheck {
    let mut out = SignerCheck {
        digest_matches: false,
        signature_valid: false,
        signing_time: None,
        problems: Vec::new(),
    };
    let digest_alg = si.digest_alg.oid;
    let Some(content_hash) = content_digest(&digest_alg) else {
        out.problems
            .push(format!("unsupported digest algorithm {digest_alg}"));
        return out;
    };
    let spki = &signer.tbs_certificate.subject_public_key_info;
    match &si.signed_attrs {
        Some(attrs) => {
            let md = attrs
                .iter()
                .find(|a| a.oid == ATTR_MESSAGE_DIGEST)
                .and_then(|a| a.values.iter().next())
                .and_then(|v| v.decode_as::<der::asn1::OctetString>().ok());
            out.digest_matches = md.is_some_and(|md| md.as_bytes() == content_hash.as_slice());
            let ct = attrs
                .iter()
                .find(|a| a.oid == crate::cms_build::ATTR_CONTENT_TYPE)
                .and_then(|a| a.values.iter().next())
                .and_then(|v| v.decode_as::<const_oid::ObjectIdentifier>().ok());
            if ct != Some(content_type) {
                out.problems
                    .push("the content-type attribute is missing or wrong".into());
            }
            out.signing_time = attrs
                .iter()
                .find(|a| a.oid == ATTR_SIGNING_TIME)
                .and_then(|a| a.values.iter().next())
                .and_then(|v| v.to_der().ok())
                .and_then(|d| x509_cert::time::Time::from_der(&d).ok())
                .and_then(|t| {
                    time::OffsetDateTime::from_unix_timestamp(t.to_unix_duration().as_secs() as i64)
                        .ok()
                });
            match attrs.to_der() {
                Ok(encoded) => {
                    if let Some(h) = crate::x509::digest(&digest_alg, &encoded) {
                        out.signature_valid = crate::x509::verify_prehashed(
                            spki,
                            &si.signature_algorithm.oid,
                            &digest_alg,
                            &h,
                            si.signature.as_bytes(),
                        );
                    }
                }
                Err(e) => out.problems.push(format!("signed attributes: {e}")),
            }
        }
        None => {
            // No signed attributes: the signature is over the content itself.
            out.digest_matches = true;
            out.signature_valid = crate::x509::verify_prehashed(
                spki,
                &si.signature_algorithm.oid,
                &digest_alg,
                &content_hash,
                si.signature.as_bytes(),
            );
            if !out.signature_valid {
                out.digest_matches = false;
            }
        }
    }
    out
}

fn check_timestamp(
    value: &der::asn1::Any,
    signature_value: &[u8],
    trust: &TrustStore,
    problems: &mut Vec<String>,
) -> TimestampReport {
    let mut report = TimestampReport {
        time: time::OffsetDateTime::UNIX_EPOCH,
        authority: String::new(),
        valid: false,
        trusted: false,
    };
    let Ok(token) = value.to_der() else {
        problems.push("timestamp: unreadable".into());
        return report;
    };
    let (sd, info) = match (parse_signed_data(&token), crate::tsa::tst_info(&token)) {
        (Ok(sd), Ok(info)) => (sd, info),
        _ => {
            problems.push("timestamp: unreadable token".into());
            return report;
        }
    };
    if let Some(t) = crate::der_types::parse_generalized_time(&info.gen_time) {
        report.time = t;
    }
    let certs = embedded_certificates(&sd);
    let Some(si) = sd.signer_infos.0.iter().next() else {
        problems.push("timestamp without a signer".into());
        return report;
    };
    let Some(tsa) = find_signer(si, &certs) else {
        problems.push("timestamp: the authority's certificate is not in the token".into());
        return report;
    };
    report.authority = crate::x509::common_name(&tsa.tbs_certificate.subject);
    let econtent = sd
        .encap_content_info
        .econtent
        .as_ref()
        .and_then(|e| e.decode_as::<der::asn1::OctetString>().ok())
        .map(|o| o.as_bytes().to_vec())
        .unwrap_or_default();
    let check = check_signer_info(
        si,
        tsa,
        |alg| crate::x509::digest(alg, &econtent),
        ID_CT_TST_INFO,
    );
    let imprint_alg = info.message_imprint.hash_algorithm.oid;
    let imprint_ok = crate::x509::digest(&imprint_alg, signature_value)
        .is_some_and(|h| h.as_slice() == info.message_imprint.hashed_message.as_bytes());
    if !imprint_ok {
        problems.push("the timestamp does not stamp this signature".into());
    }
    report.valid = check.digest_matches && check.signature_valid && imprint_ok;
    if !report.valid {
        problems.push("the timestamp token does not verify".into());
    }
    report.trusted = matches!(
        chain(tsa, &certs, trust, report.time),
        Trust::Trusted { .. }
    );
    report
}

/// Builds a path from `leaf` through `pool` to a root of `trust`, checking signatures,
/// CA flags and validity at `at`.
fn chain(
    leaf: &Certificate,
    pool: &[Certificate],
    trust: &TrustStore,
    at: time::OffsetDateTime,
) -> Trust {
    let mut path = vec![crate::x509::common_name(&leaf.tbs_certificate.subject)];
    if !crate::x509::valid_at(leaf, at) {
        return Trust::Untrusted(
            "the signer's certificate was not valid at the signing time".into(),
        );
    }
    let mut current = leaf.clone();
    for _ in 0..8 {
        if trust.roots.iter().any(|r| r == &current) {
            return Trust::Trusted { path };
        }
        if let Some(root) = trust
            .roots
            .iter()
            .find(|r| crate::x509::issued_by(&current, r))
        {
            path.push(crate::x509::common_name(&root.tbs_certificate.subject));
            return Trust::Trusted { path };
        }
        let Some(next) = pool.iter().find(|c| {
            *c != &current
                && crate::x509::is_ca(c)
                && crate::x509::valid_at(c, at)
                && crate::x509::issued_by(&current, c)
        }) else {
            return Trust::Untrusted(format!(
                "no trusted issuer for {}",
                crate::x509::common_name(&current.tbs_certificate.subject)
            ));
        };
        path.push(crate::x509::common_name(&next.tbs_certificate.subject));
        current = next.clone();
    }
    Trust::Untrusted("the chain is too long".into())
}
