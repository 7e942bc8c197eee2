//! Digital signatures on PDFs (chữ ký số, SPEC §2.10): anyone checks a signed file.
//!
//! The cryptography is `motcua_signing`'s; this module decides what the installation trusts
//! (the roots it was given: the national public root CA and the government's specialised root
//! in production, the demo's own root with `serve --demo`), bounds the work a visitor may ask
//! for, and turns each signature's report into what a person needs to read: who signed, when,
//! whether the file changed afterwards, and whether the signer is trusted.

use crate::{Actor, App, AppError, AppResult};
use motcua_domain::authz::Principal;
use motcua_signing::Image;
use motcua_signing::keys::KeySource;
use motcua_signing::ltv::{Revocation, RevocationSource};
use motcua_signing::tsa::Timestamper;
use motcua_signing::verify::{SignatureReport, Trust, TrustStore, verify_pdf};
use std::sync::Arc;
use time::OffsetDateTime;

/// What the installation trusts and signs with.
#[derive(Default)]
pub struct Signatures {
    /// The roots a signer must chain to.
    pub trust: TrustStore,
    /// The agencies' seals (chữ ký số của cơ quan, tổ chức), by agency code. A dossier's result
    /// is signed with the seal of its agency or of the nearest unit above it that has one.
    pub seals: Vec<Seal>,
    /// The officials' personal keys (chữ ký số cá nhân), by user name: a leader signs an
    /// outgoing document with theirs before the clerk numbers and seals it.
    pub personal: Vec<PersonalKey>,
    /// A timestamp authority, so seals are PAdES B-T (the time is the authority's, not ours).
    pub timestamper: Option<Arc<dyn Timestamper>>,
    /// Where CRLs come from, so signatures are PAdES B-LT (with a timestamp authority): the
    /// chains and their CRLs travel in the file and it verifies after the certificates expire.
    pub revocation: Option<Arc<dyn RevocationSource>>,
}

impl std::fmt::Debug for Signatures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signatures")
            .field("trust", &self.trust)
            .field(
                "seals",
                &self.seals.iter().map(|s| &s.unit_code).collect::<Vec<_>>(),
            )
            .field(
                "personal",
                &self
                    .personal
                    .iter()
                    .map(|p| &p.username)
                    .collect::<Vec<_>>(),
            )
            .field("timestamper", &self.timestamper.is_some())
            .field("revocation", &self.revocation.is_some())
            .finish()
    }
}

/// One agency's seal: its certificate and a key that signs with it (a PKCS#12 file, an HSM or
/// the remote-signing gateway behind [`KeySource`]).
#[derive(Clone)]
pub struct Seal {
    /// The agency code (mã đơn vị, QCVN 102) of the unit that owns the seal.
    pub unit_code: String,
    pub key: Arc<dyn KeySource>,
    /// Hình ảnh con dấu (red, transparent PNG; NĐ 30/2020 Phụ lục I), drawn over the left
    /// third of the signer's image on a document; without it the seal signs invisibly.
    pub image: Option<Arc<Image>>,
}

/// One official's personal key and the image of their handwritten signature.
#[derive(Clone)]
pub struct PersonalKey {
    /// The official's user name.
    pub username: String,
    pub key: Arc<dyn KeySource>,
    /// Hình ảnh chữ ký (blue, transparent PNG; NĐ 30/2020 Phụ lục I), drawn between the
    /// signer's title and name; without it the signature is invisible.
    pub image: Option<Arc<Image>>,
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
    /// The signer's certificate by the CRLs the file carries (B-LT): `good`, `revoked`, or
    /// `unknown` when it carries none.
    pub revocation: &'static str,
}

impl SignatureView {
    fn from_report(report: &SignatureReport) -> Self {
        let sound = report.intact && report.signature_valid;
        let trusted = matches!(report.trust, Trust::Trusted { .. })
            && report.timestamp.as_ref().is_none_or(|t| t.valid)
            && report.revocation != Revocation::Revoked;
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
            revocation: match report.revocation {
                Revocation::Good => "good",
                Revocation::Revoked => "revoked",
                Revocation::Unknown => "unknown",
            },
        }
    }
}

/// A signing failure as the caller reads it: an unreachable signing service (remote key,
/// timestamp authority, CRL server) is a conflict to try again later, anything else a bug or a
/// configuration error. `what` names the signature in the log.
pub(crate) fn signing_error(what: &str, error: motcua_signing::SignError) -> AppError {
    match error {
        motcua_signing::SignError::Remote(detail) => {
            tracing::warn!(%detail, "a signing service did not answer ({what})");
            AppError::Conflict("error-sign-service-unavailable")
        }
        other => AppError::Internal(anyhow::anyhow!("{what}: {other}")),
    }
}

/// Whether the seal could sign this PDF (its structure is one our incremental update can
/// extend); the digest is computed and thrown away.
pub(crate) fn signable(seal: &Seal, pdf: &[u8]) -> bool {
    let request = motcua_signing::sign::SignRequest::new(OffsetDateTime::UNIX_EPOCH);
    motcua_signing::sign::PdfSigner::new()
        .prepare(pdf, &request, seal.key.certificate(), seal.key.chain())
        .is_ok()
}

/// Checking signatures costs a visitor's request little and the server more: per address,
/// as many as lookups.
const VERIFY_PREFIX: &str = "verify:";

impl App {
    /// Sets what the installation trusts and signs with.
    pub fn with_signatures(mut self, signatures: Signatures) -> Self {
        self.signatures = Arc::new(signatures);
        self
    }

    /// Whether results are sealed for real at the "sign" step (some agency has a seal). An
    /// installation without any only records the leader's decision, as paper offices do.
    pub fn seals_results(&self) -> bool {
        !self.signatures.seals.is_empty()
    }

    /// The seal that signs the results of the agency at `agency_path` (`/1/5/23/`): its own, or
    /// the nearest unit's above it. Reads the store: call before a write transaction.
    pub(crate) async fn seal_for(&self, agency_path: &str) -> AppResult<Option<Seal>> {
        if self.signatures.seals.is_empty() {
            return Ok(None);
        }
        let ids: Vec<i64> = agency_path
            .split('/')
            .filter_map(|part| part.parse().ok())
            .collect();
        for id in ids.iter().rev() {
            let unit = self.store.get_unit(*id).await?;
            if let Some(code) = unit.code.as_deref()
                && let Some(seal) = self.signatures.seals.iter().find(|s| s.unit_code == code)
            {
                return Ok(Some(seal.clone()));
            }
        }
        Ok(None)
    }

    /// Signs one PDF with a seal (PAdES, B-T when a timestamp authority is configured).
    pub(crate) async fn seal_pdf(
        &self,
        seal: &Seal,
        pdf: &[u8],
        reason: String,
        location: Option<String>,
    ) -> Result<Vec<u8>, motcua_signing::SignError> {
        let mut request = motcua_signing::sign::SignRequest::new(
            self.now()
                .to_offset(motcua_domain::calendar::VIETNAM_OFFSET),
        );
        request.reason = Some(reason);
        request.location = location;
        self.sign_pdf(pdf, &request, seal.key.as_ref()).await
    }

    /// Signs with the best level the installation is set up for: B-LT with a timestamp
    /// authority and a revocation source, B-T with a timestamp authority, else B-B.
    pub(crate) async fn sign_pdf(
        &self,
        pdf: &[u8],
        request: &motcua_signing::sign::SignRequest,
        key: &dyn KeySource,
    ) -> Result<Vec<u8>, motcua_signing::SignError> {
        let signer = motcua_signing::sign::PdfSigner::new();
        match (&self.signatures.timestamper, &self.signatures.revocation) {
            (Some(tsa), Some(revocation)) => {
                signer
                    .sign_lt(pdf, request, key, tsa.as_ref(), revocation.as_ref())
                    .await
            }
            (tsa, _) => signer.sign(pdf, request, key, tsa.as_deref()).await,
        }
    }

    /// Puts a signed PDF in the blob store; its SHA-256 and size, for the transaction that
    /// records it.
    pub(crate) async fn keep_signed_pdf(&self, signed: Vec<u8>) -> AppResult<(String, i64)> {
        let sha256 = motcua_blobs::sha256_hex(&signed);
        let size = i64::try_from(signed.len()).unwrap_or(i64::MAX);
        self.blobs
            .put(&sha256, signed.into())
            .await
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("a signed PDF")))?;
        Ok((sha256, size))
    }

    /// Every unit with an agency code, as (code, name): the demo gives each its own seal.
    pub async fn agency_codes(&self) -> AppResult<Vec<(String, String)>> {
        Ok(self
            .store
            .list_units()
            .await?
            .into_iter()
            .filter_map(|u| u.code.map(|code| (code, u.name)))
            .collect())
    }

    /// Every active official, as (user name, full name, unit name): the demo gives each a
    /// personal certificate.
    pub async fn signing_officials(&self) -> AppResult<Vec<(String, String, String)>> {
        Ok(self
            .store
            .list_officials(None)
            .await?
            .into_iter()
            .filter(|o| o.active)
            .map(|o| (o.username, o.full_name, o.unit_name))
            .collect())
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
        Ok(self.check_signatures(pdf))
    }

    /// Every signature in a PDF the installation holds, as a person reads it.
    pub(crate) fn check_signatures(&self, pdf: &[u8]) -> Vec<SignatureView> {
        verify_pdf(pdf, &self.signatures.trust)
            .iter()
            .map(SignatureView::from_report)
            .collect()
    }
}

/// Officials are accountable and share an office address (a desk checks many files): they are
/// not counted against the per-address limit.
fn is_accountable(actor: &Actor) -> bool {
    matches!(actor.principal, Principal::Official { .. })
}
