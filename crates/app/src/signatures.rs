//! Digital signatures on PDFs (chữ ký số, SPEC §2.10): anyone checks a signed file.
//!
//! The cryptography is `motcua_signing`'s; this module decides what the installation trusts
//! (the roots it was given: the national public root CA and the government's specialised root
//! in production, the demo's own root with `serve --demo`), bounds the work a visitor may ask
//! for, and turns each signature's report into what a person needs to read: who signed, when,
//! whether the file changed afterwards, and whether the signer is trusted.

use crate::{Actor, App, AppError, AppResult};
use motcua_domain::authz::Principal;
use motcua_signing::verify::{SignatureReport, Trust, TrustStore, verify_pdf};
use std::sync::Arc;
use time::OffsetDateTime;

/// What the installation trusts and signs with.
#[derive(Debug, Default)]
pub struct Signatures {
    /// The roots a signer must chain to.
    pub trust: TrustStore,
}

/// The verdict on one signature, most serious first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The bytes it covers changed after signing, or the signature does not verify.
    Broken,
    /// Sound, but the signer does not chain to a root this installation trusts.
    Untrusted,
    /// Sound and trusted; the file gained later additions (another signature, annotations)
    /// that this signature does not cover.
    ValidWithLaterChanges,
    /// Sound, trusted, and it covers the whole file.
    Valid,
}

impl Verdict {
    /// The catalogue key of its wording.
    pub fn key(self) -> &'static str {
        match self {
            Self::Broken => "signature-verdict-broken",
            Self::Untrusted => "signature-verdict-untrusted",
            Self::ValidWithLaterChanges => "signature-verdict-valid-later-changes",
            Self::Valid => "signature-verdict-valid",
        }
    }
}

/// One signature as a person reads it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignatureView {
    pub verdict: Verdict,
    /// The signer's common name (a person, or an agency for its seal).
    pub signer: Option<String>,
    /// Who issued the signer's certificate.
    pub issuer: Option<String>,
    /// The certificate's serial number (hexadecimal).
    pub serial: Option<String>,
    /// When it was signed: the timestamp authority's time when there is one, else the time the
    /// signer's software claimed.
    #[serde(with = "time::serde::rfc3339::option")]
    pub signed_at: Option<OffsetDateTime>,
    /// The time comes from a timestamp authority (PAdES B-T), not only from the signer.
    pub timestamped: bool,
    /// Unchanged since signing.
    pub intact: bool,
    /// The signature covers the whole file.
    pub covers_whole_file: bool,
    /// The certificate chain to a trusted root, signer first; empty when untrusted.
    pub chain: Vec<String>,
    pub reason: Option<String>,
    pub location: Option<String>,
    /// `ETSI.CAdES.detached` or `adbe.pkcs7.detached`.
    pub sub_filter: String,
}

impl SignatureView {
    fn from_report(report: &SignatureReport) -> Self {
        let sound = report.intact && report.signature_valid;
        let trusted = matches!(report.trust, Trust::Trusted { .. })
            && report.timestamp.as_ref().is_none_or(|t| t.valid);
        let verdict = match (sound, trusted, report.covers_whole_file) {
            (false, _, _) => Verdict::Broken,
            (true, false, _) => Verdict::Untrusted,
            (true, true, false) => Verdict::ValidWithLaterChanges,
            (true, true, true) => Verdict::Valid,
        };
        SignatureView {
            verdict,
            signer: report.signer.as_ref().map(|s| s.common_name.clone()),
            issuer: report.signer.as_ref().map(|s| s.issuer.clone()),
            serial: report.signer.as_ref().map(|s| s.serial.clone()),
            signed_at: report.signing_time(),
            timestamped: report.timestamp.as_ref().is_some_and(|t| t.valid),
            intact: report.intact,
            covers_whole_file: report.covers_whole_file,
            chain: match &report.trust {
                Trust::Trusted { path } => path.clone(),
                Trust::Untrusted(_) => Vec::new(),
            },
            reason: report.reason.clone(),
            location: report.location.clone(),
            sub_filter: report.sub_filter.clone(),
        }
    }
}

/// Checking signatures costs a visitor's request little and the server more: per address,
/// as many as lookups.
const VERIFY_PREFIX: &str = "verify:";

impl App {
    /// Sets what the installation trusts (and, later, signs with).
    pub fn with_signatures(mut self, signatures: Signatures) -> Self {
        self.signatures = Arc::new(signatures);
        self
    }

    /// How many roots the installation trusts (the page says so when none).
    pub fn trusted_roots(&self) -> usize {
        self.signatures.trust.len()
    }

    /// Every signature in an uploaded PDF, in file order (empty: the file has none). Anyone may
    /// ask; not a PDF, empty or larger than an attachment may be is refused with the field
    /// `file`, and visitors are limited per address like the public lookup.
    pub fn verify_signatures(&self, actor: &Actor, pdf: &[u8]) -> AppResult<Vec<SignatureView>> {
        if !is_accountable(actor) {
            let client = format!("{VERIFY_PREFIX}{}", actor.ip.as_deref().unwrap_or("-"));
            if !self.lookup_limiter.allow(&client, self.now()) {
                return Err(AppError::RateLimited);
            }
        }
        if pdf.is_empty() {
            return Err(AppError::invalid("file", "error-file-missing"));
        }
        if u64::try_from(pdf.len()).unwrap_or(u64::MAX) > self.settings.max_attachment_bytes {
            return Err(AppError::invalid("file", "error-signature-file-too-large"));
        }
        // A PDF may have a little junk before its header (ISO 32000-1 §7.5.2 allows readers to
        // look within the first 1024 bytes).
        let head = &pdf[..pdf.len().min(1024)];
        if !head.windows(5).any(|w| w == b"%PDF-") {
            return Err(AppError::invalid("file", "error-signature-not-pdf"));
        }
        Ok(verify_pdf(pdf, &self.signatures.trust)
            .iter()
            .map(SignatureView::from_report)
            .collect())
    }
}

/// Officials are accountable and share an office address (a desk checks many files): they are
/// not counted against the per-address limit.
fn is_accountable(actor: &Actor) -> bool {
    matches!(actor.principal, Principal::Official { .. })
}
