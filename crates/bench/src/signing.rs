//! The signing phase of `motcua bench`: PAdES signatures on PDFs our renderer makes, per
//! document, on one core and on all of them, beside the raw primitives they cannot avoid.
//!
//! Two documents: a one-page Mẫu 01 receipt and a Mẫu 07 register (sổ theo dõi) of about ten
//! pages. Operations, each `iterations` times: B-B with an RSA-2048 and with a P-256 software
//! key, B-T (RSA-2048 plus an RFC 3161 token from the local timestamp simulator over loopback
//! HTTP, which runs in this process and so shares its cores), a second signature (P-256 seal)
//! added as an incremental update to the RSA-signed file, and `verify_pdf` of one and of two
//! signatures (chain to the test root, timestamps checked). The baselines: one raw RSA-2048 and
//! one raw P-256 signature of a 32-byte digest, and a SHA-256 of the whole file — what any
//! signature or check of that file must at least do. The phase needs no database.

use crate::stats::Latency;
use anyhow::{Context as _, anyhow};
use motcua_render::{
    Applicant, CopyKind, DocumentRenderer, Fee, FormDocument, Header, Receipt, ReceivedDocument,
    RegisterEntry, TrackingBook, TrackingRow, TypstRenderer,
};
use motcua_signing::simulator::pki::TestPki;
use motcua_signing::simulator::tsa::TsaSimulator;
use motcua_signing::tsa::TsaClient;
use motcua_signing::verify::{TrustStore, verify_pdf};
use motcua_signing::{PdfSigner, SignRequest, keys::SoftwareKey};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use time::macros::{date, datetime};

/// What to run.
#[derive(Debug, Clone)]
pub struct SigningOptions {
    /// Documents per operation and mode.
    pub iterations: usize,
    /// Threads for the "all cores" figures (default: the machine's CPUs).
    pub threads: usize,
    /// Rows of the Mẫu 07 register (about 11 rows a page).
    pub register_rows: u32,
}

impl Default for SigningOptions {
    fn default() -> Self {
        SigningOptions {
            iterations: 200,
            threads: std::thread::available_parallelism().map_or(1, usize::from),
            register_rows: 110,
        }
    }
}

/// A PDF the phase signs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SampleDocument {
    pub name: String,
    pub bytes: usize,
    pub pages: usize,
    /// SHA-256 of the whole file (the raw baseline of every operation on it).
    pub sha256: Latency,
}

/// One operation on one document.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SigningRow {
    pub operation: String,
    pub document: String,
    /// One document at a time on one thread.
    pub one_core: Latency,
    /// `threads` threads taking documents from one counter (`per_second` is the throughput).
    pub all_cores: Latency,
    /// The raw primitives the operation cannot avoid (signature(s) of a digest and SHA-256(s)
    /// of the file), in ms at p50.
    pub raw_ms: f64,
    /// raw ÷ one-core p50: the share of the time that is the unavoidable cryptography.
    pub raw_share: f64,
    /// The output (or the checked file) has the expected number of signatures and every one
    /// is intact, sound and trusted.
    pub valid: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SigningReport {
    pub iterations: usize,
    pub threads: usize,
    pub documents: Vec<SampleDocument>,
    pub raw_rsa_sign: Latency,
    pub raw_p256_sign: Latency,
    pub rows: Vec<SigningRow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    SignRsa,
    SignP256,
    SignRsaTimestamped,
    SecondSignature,
    VerifyOne,
    VerifyTwo,
}

impl Operation {
    const ALL: [Operation; 6] = [
        Operation::SignRsa,
        Operation::SignP256,
        Operation::SignRsaTimestamped,
        Operation::SecondSignature,
        Operation::VerifyOne,
        Operation::VerifyTwo,
    ];

    fn label(self) -> &'static str {
        match self {
            Operation::SignRsa => "sign B-B RSA-2048",
            Operation::SignP256 => "sign B-B P-256",
            Operation::SignRsaTimestamped => "sign B-T RSA-2048 + TSA",
            Operation::SecondSignature => "add 2nd signature (P-256)",
            Operation::VerifyOne => "verify 1 signature",
            Operation::VerifyTwo => "verify 2 signatures",
        }
    }

    /// Signatures in the output (sign) or in the checked file (verify).
    fn signatures(self) -> usize {
        match self {
            Operation::SecondSignature | Operation::VerifyTwo => 2,
            _ => 1,
        }
    }
}

struct Setup {
    signer: PdfSigner,
    rsa: SoftwareKey,
    p256: SoftwareKey,
    tsa: TsaClient,
    trust: TrustStore,
    /// The rendered documents, then each signed once (RSA, B-T) and twice (+ P-256).
    pdfs: Vec<Vec<u8>>,
    once: Vec<Vec<u8>>,
    twice: Vec<Vec<u8>>,
}

fn request() -> SignRequest {
    let mut r = SignRequest::new(
        time::OffsetDateTime::now_utc().to_offset(motcua_domain::calendar::VIETNAM_OFFSET),
    );
    r.reason = Some("Phê duyệt kết quả giải quyết".into());
    r.location = Some("Phường Ninh Kiều, thành phố Cần Thơ".into());
    r
}

impl Setup {
    /// Runs the operation once; returns the number of valid signatures in what it produced or
    /// checked (sign operations are not verified here: that is the caller's choice).
    async fn run(
        &self,
        operation: Operation,
        document: usize,
        check: bool,
    ) -> anyhow::Result<usize> {
        let signed = match operation {
            Operation::SignRsa => {
                self.signer
                    .sign(&self.pdfs[document], &request(), &self.rsa, None)
                    .await?
            }
            Operation::SignP256 => {
                self.signer
                    .sign(&self.pdfs[document], &request(), &self.p256, None)
                    .await?
            }
            Operation::SignRsaTimestamped => {
                self.signer
                    .sign(&self.pdfs[document], &request(), &self.rsa, Some(&self.tsa))
                    .await?
            }
            Operation::SecondSignature => {
                self.signer
                    .sign(&self.once[document], &request(), &self.p256, None)
                    .await?
            }
            Operation::VerifyOne => return Ok(valid(&self.once[document], &self.trust)),
            Operation::VerifyTwo => return Ok(valid(&self.twice[document], &self.trust)),
        };
        Ok(if check {
            valid(&signed, &self.trust)
        } else {
            usize::from(signed.len() > self.pdfs[document].len())
        })
    }
}

/// Valid signatures in the file, or 0 if any of them is not valid.
fn valid(pdf: &[u8], trust: &TrustStore) -> usize {
    let reports = verify_pdf(pdf, trust);
    if reports.iter().all(|r| r.is_valid()) {
        reports.len()
    } else {
        0
    }
}

fn header(number: Option<&str>) -> Header {
    Header {
        parent_body: Some("UBND thành phố Cần Thơ".into()),
        body: "UBND PHƯỜNG NINH KIỀU".into(),
        unit: Some("BỘ PHẬN MỘT CỬA".into()),
        place: "Cần Thơ".into(),
        date: date!(2026 - 01 - 05),
        number: number.map(str::to_owned),
    }
}

/// Mẫu 01 for a birth registration: one page.
fn receipt() -> FormDocument {
    FormDocument::Receipt(Receipt {
        header: header(Some("0001/TN-BPMC")),
        dossier_code: "000.00.30.H13-260105-0001".into(),
        applicant: Applicant {
            name: "Nguyễn Thị Thu Trang".into(),
            personal_id: Some("092******123".into()),
            address: "Số 12 đường Hai Bà Trưng, phường Ninh Kiều, thành phố Cần Thơ".into(),
            phone: Some("0912 345 678".into()),
            email: Some("thutrang.nguyen@example.vn".into()),
        },
        procedure_name: "Đăng ký khai sinh".into(),
        documents: vec![
            ReceivedDocument {
                name: "Tờ khai đăng ký khai sinh theo mẫu".into(),
                kind: CopyKind::Original,
                count: 1,
            },
            ReceivedDocument {
                name: "Giấy chứng sinh do Bệnh viện Đa khoa thành phố Cần Thơ cấp".into(),
                kind: CopyKind::Original,
                count: 1,
            },
            ReceivedDocument {
                name: "Giấy chứng nhận kết hôn của cha, mẹ".into(),
                kind: CopyKind::CertifiedCopy,
                count: 1,
            },
        ],
        sets: 1,
        processing_time: "Trong ngày làm việc".into(),
        received_at: datetime!(2026-01-05 08:30),
        appointment: datetime!(2026-01-06 14:00),
        result_delivery: "Bộ phận Một cửa UBND phường Ninh Kiều".into(),
        fees: vec![Fee {
            name: "Phí cấp bản sao trích lục khai sinh (02 bản)".into(),
            amount: 16_000,
        }],
        register: Some(RegisterEntry {
            book: "01/2026".into(),
            sequence: "0001".into(),
        }),
        receiving_officer: "Nguyễn Thị Thu Trang".into(),
        lookup_url: "https://dichvucong.cantho.gov.vn/tra-cuu/000.00.30.H13-260105-0001".into(),
    })
}

/// Mẫu 07, the register of dossiers, with `rows` lines (many pages).
fn register(rows: u32) -> FormDocument {
    let names = [
        "Nguyễn Thị Thu Trang",
        "Trần Quốc Vượng",
        "Nguyễn Thị Ngọc Hường",
        "Lê Văn Đức",
        "Phạm Thị Ánh Tuyết",
    ];
    let procedures = [
        "Đăng ký khai sinh",
        "Đăng ký kết hôn",
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
        "Đăng ký thường trú",
    ];
    let rows = (1..=rows)
        .map(|i| {
            let idx = i as usize;
            TrackingRow {
                sequence: i,
                dossier_code: format!("000.00.30.H13-260105-{i:04}"),
                procedure_name: procedures[idx % procedures.len()].into(),
                sets: 1,
                applicant_name: names[idx % names.len()].into(),
                address_phone: "Phường Ninh Kiều, TP Cần Thơ; 0912 345 678".into(),
                lead_agency: "UBND phường Ninh Kiều".into(),
                received_on: date!(2026 - 01 - 05),
                appointment_on: date!(2026 - 01 - 06),
                transferred_on: Some(date!(2026 - 01 - 05)),
                result_on: (i % 3 != 0).then_some(date!(2026 - 01 - 06)),
                returned_on: (i % 3 != 0).then_some(date!(2026 - 01 - 06)),
                note: if i % 7 == 0 {
                    "Bổ sung hồ sơ".into()
                } else {
                    String::new()
                },
            }
        })
        .collect();
    FormDocument::TrackingBook(TrackingBook {
        header: header(None),
        book: "01/2026".into(),
        period: "Năm 2026".into(),
        rows,
    })
}

/// Runs the phase. Progress goes to stderr.
///
/// # Errors
/// Rendering, the timestamp simulator or a signature fails outright.
pub async fn run(options: &SigningOptions) -> anyhow::Result<SigningReport> {
    let iterations = options.iterations.max(1);
    let threads = options.threads.max(1);
    eprintln!("[signing] test PKI, documents");
    let rows = options.register_rows.max(1);
    let (pki, rendered) = tokio::task::spawn_blocking(move || {
        let renderer = TypstRenderer::new();
        let pdfs = [
            ("Mẫu 01 receipt", receipt()),
            ("Mẫu 07 register", register(rows)),
        ]
        .into_iter()
        .map(|(name, form)| {
            let rendered = renderer.render_marked(&form)?;
            Ok((name, rendered.pdf, rendered.pages.unwrap_or(0)))
        })
        .collect::<Result<Vec<_>, motcua_render::RenderError>>();
        (TestPki::generate(), pdfs)
    })
    .await?;
    let rendered = rendered.map_err(|e| anyhow!("render: {e}"))?;
    let tsa = TsaSimulator::start(pki.key(&pki.tsa))
        .await
        .context("timestamp simulator")?;
    let mut trust = TrustStore::new();
    trust.add_der(&pki.root.cert)?;
    let mut setup = Setup {
        signer: PdfSigner::new(),
        rsa: pki.key(&pki.rsa_signer),
        p256: pki.key(&pki.p256_signer),
        tsa: TsaClient::new(tsa.url())?,
        trust,
        pdfs: rendered.iter().map(|(_, pdf, _)| pdf.clone()).collect(),
        once: Vec::new(),
        twice: Vec::new(),
    };
    for pdf in &setup.pdfs {
        let once = setup
            .signer
            .sign(pdf, &request(), &setup.rsa, Some(&setup.tsa))
            .await?;
        let twice = setup
            .signer
            .sign(&once, &request(), &setup.p256, Some(&setup.tsa))
            .await?;
        setup.once.push(once);
        setup.twice.push(twice);
    }
    let setup = Arc::new(setup);

    let mut report = SigningReport {
        iterations,
        threads,
        ..Default::default()
    };
    let digest: [u8; 32] = Sha256::digest(b"motcua").into();
    report.raw_rsa_sign = timed(iterations, || {
        setup.rsa.sign_digest_now(&digest).map(|_| ())
    })?;
    report.raw_p256_sign = timed(iterations, || {
        setup.p256.sign_digest_now(&digest).map(|_| ())
    })?;
    for (name, pdf, pages) in &rendered {
        report.documents.push(SampleDocument {
            name: (*name).to_owned(),
            bytes: pdf.len(),
            pages: *pages,
            sha256: timed(iterations, || {
                let _ = Sha256::digest(pdf);
                Ok::<(), std::convert::Infallible>(())
            })?,
        });
    }

    for (document, sample) in report.documents.clone().iter().enumerate() {
        for operation in Operation::ALL {
            eprintln!("[signing] {} — {}", operation.label(), sample.name);
            let one_core = one_core(&setup, operation, document, iterations).await?;
            let all_cores = all_cores(&setup, operation, document, iterations, threads).await?;
            let valid = setup.run(operation, document, true).await? == operation.signatures();
            let sign_ms = |op: Operation| match op {
                Operation::SignP256 | Operation::SecondSignature => report.raw_p256_sign.p50_ms,
                Operation::VerifyOne | Operation::VerifyTwo => 0.0,
                _ => report.raw_rsa_sign.p50_ms,
            };
            // A verification hashes the signed range once per signature.
            let hashes = match operation {
                Operation::VerifyTwo => 2.0,
                _ => 1.0,
            };
            let raw_ms = sign_ms(operation) + hashes * sample.sha256.p50_ms;
            report.rows.push(SigningRow {
                operation: operation.label().to_owned(),
                document: sample.name.clone(),
                raw_share: raw_ms / one_core.p50_ms.max(1e-9),
                raw_ms,
                one_core,
                all_cores,
                valid,
            });
        }
    }
    drop(tsa);
    Ok(report)
}

fn timed<E: std::fmt::Display>(
    iterations: usize,
    mut f: impl FnMut() -> Result<(), E>,
) -> anyhow::Result<Latency> {
    let mut samples = Vec::with_capacity(iterations);
    let started = Instant::now();
    for _ in 0..iterations {
        let start = Instant::now();
        f().map_err(|e| anyhow!("{e}"))?;
        samples.push(start.elapsed());
    }
    Ok(Latency::from_samples(samples, 0, started.elapsed()))
}

async fn one_core(
    setup: &Setup,
    operation: Operation,
    document: usize,
    iterations: usize,
) -> anyhow::Result<Latency> {
    let mut samples = Vec::with_capacity(iterations);
    let mut errors = 0;
    let started = Instant::now();
    for _ in 0..iterations {
        let start = Instant::now();
        match setup.run(operation, document, false).await {
            Ok(n) if n > 0 => samples.push(start.elapsed()),
            _ => errors += 1,
        }
    }
    Ok(Latency::from_samples(samples, errors, started.elapsed()))
}

/// `threads` OS threads, each with its own single-threaded runtime, take documents from one
/// counter until `iterations` are done.
async fn all_cores(
    setup: &Arc<Setup>,
    operation: Operation,
    document: usize,
    iterations: usize,
    threads: usize,
) -> anyhow::Result<Latency> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..threads {
        let setup = setup.clone();
        let next = next.clone();
        handles.push(tokio::task::spawn_blocking(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut samples: Vec<Duration> = Vec::new();
                let mut errors = 0usize;
                while next.fetch_add(1, Ordering::Relaxed) < iterations {
                    let start = Instant::now();
                    match setup.run(operation, document, false).await {
                        Ok(n) if n > 0 => samples.push(start.elapsed()),
                        _ => errors += 1,
                    }
                }
                anyhow::Ok((samples, errors))
            })
        }));
    }
    let (mut samples, mut errors) = (Vec::new(), 0);
    for handle in handles {
        let (s, e) = handle.await??;
        samples.extend(s);
        errors += e;
    }
    Ok(Latency::from_samples(samples, errors, started.elapsed()))
}

/// The phase as a table for the terminal.
pub fn table(report: &SigningReport) -> String {
    let mut out = format!(
        "\n== signing (PAdES; {} documents per figure; all cores = {} threads) ==\n",
        report.iterations, report.threads
    );
    out.push_str(&format!(
        "raw RSA-2048 signature of a digest  p50 {:.3} ms  ({:.0}/s)\n\
         raw P-256 signature of a digest     p50 {:.3} ms  ({:.0}/s)\n",
        report.raw_rsa_sign.p50_ms,
        report.raw_rsa_sign.per_second,
        report.raw_p256_sign.p50_ms,
        report.raw_p256_sign.per_second,
    ));
    for d in &report.documents {
        out.push_str(&format!(
            "{:<16} {} bytes, {} pages; SHA-256 of the file p50 {:.3} ms\n",
            d.name, d.bytes, d.pages, d.sha256.p50_ms
        ));
    }
    out.push_str(&format!(
        "{:<28} {:<16} {:>9} {:>9} {:>9} {:>11} {:>9} {:>8} {:>6}\n",
        "operation",
        "document",
        "p50 ms",
        "p99 ms",
        "docs/s",
        "all cores/s",
        "raw ms",
        "raw %",
        "valid"
    ));
    for r in &report.rows {
        out.push_str(&format!(
            "{:<28} {:<16} {:>9.2} {:>9.2} {:>9.0} {:>11.0} {:>9.3} {:>7.1}% {:>6}{}\n",
            r.operation,
            r.document,
            r.one_core.p50_ms,
            r.one_core.p99_ms,
            r.one_core.per_second,
            r.all_cores.per_second,
            r.raw_ms,
            r.raw_share * 100.0,
            if r.valid { "yes" } else { "NO" },
            if r.one_core.errors + r.all_cores.errors > 0 {
                format!("  ({} errors)", r.one_core.errors + r.all_cores.errors)
            } else {
                String::new()
            }
        ));
    }
    out
}
