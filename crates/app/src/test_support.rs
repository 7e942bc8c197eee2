//! Shared setup for tests that drive dossiers through the use cases (app tests and the web
//! crate's HTTP tests): a migrated database with the Cần Thơ demo, a clock the test moves, the
//! demo accounts as actors, a complete birth-registration form, and the real PDF tools
//! (poppler's `pdftotext`/`pdfinfo`, `zbarimg`) to read what was rendered.
//!
//! Only compiled with the `test-support` feature.

use crate::dossiers::Submission;
use crate::{Actor, App, AppSettings};
use motcua_domain::authz::Principal;
use motcua_domain::procedure::FormValues;
use motcua_store::Backend;
use motcua_store::dossiers::DossierRow;
use motcua_store::test_support::TestDatabase;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use time::{Duration, OffsetDateTime};

/// Monday 7 December 2026, 08:30 in Vietnam: an ordinary working week (no holiday near).
pub const MONDAY_0830: OffsetDateTime = time::macros::datetime!(2026-12-07 08:30 +7);

/// The demo ward every helper works in (UBND phường Ninh Kiều).
pub const WARD: &str = "000.00.30.H13";

/// The demo citizen who owns the helper's dossiers, and a second one.
pub const CITIZEN: &str = "092095001234";
pub const OTHER_CITIZEN: &str = "092196005678";

/// A database with the demo loaded and an app whose clock only moves when the test says so.
pub struct Fixture {
    pub db: TestDatabase,
    pub app: App,
    clock: Arc<AtomicI64>,
}

impl Fixture {
    /// A fresh database on `backend`, the demo loaded at [`MONDAY_0830`].
    pub async fn new(backend: Backend) -> Fixture {
        let db = TestDatabase::new(backend).await;
        let clock = Arc::new(AtomicI64::new(motcua_store::micros(MONDAY_0830)));
        let reading = clock.clone();
        let app =
            App::new(db.store.clone(), AppSettings::default()).with_clock(Arc::new(move || {
                motcua_store::from_micros(reading.load(Ordering::SeqCst))
            }));
        app.load_demo().await.expect("demo loads");
        Fixture { db, app, clock }
    }

    /// Sets the clock.
    pub fn set(&self, at: OffsetDateTime) {
        self.clock.store(motcua_store::micros(at), Ordering::SeqCst);
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        self.clock.fetch_add(
            i64::try_from(by.whole_microseconds()).unwrap_or(0),
            Ordering::SeqCst,
        );
    }

    /// A demo official by username, with their roles.
    pub async fn official(&self, username: &str) -> Actor {
        official(&self.app, username).await
    }

    /// A demo citizen by personal identification number.
    pub async fn citizen(&self, personal_id: &str) -> Actor {
        citizen(&self.app, personal_id).await
    }

    /// [`CITIZEN`] submits a birth registration to [`WARD`] online (status 1).
    pub async fn submit(&self) -> DossierRow {
        let citizen = self.citizen(CITIZEN).await;
        let submitted = self
            .app
            .submit_dossier(
                &citizen,
                &Submission {
                    procedure_code: "1.001193".into(),
                    agency_code: WARD.into(),
                    form: birth_registration(),
                    attachments: Vec::new(),
                    delivery: Default::default(),
                    postal: Default::default(),
                },
            )
            .await
            .expect("submit");
        self.row(submitted.id).await
    }

    /// A submitted dossier received by the ward's desk (status 2, appointment set).
    pub async fn received(&self) -> DossierRow {
        let submitted = self.submit().await;
        let reception = self.official("tiepnhan.ninhkieu").await;
        self.app
            .receive_dossier(&reception, submitted.id)
            .await
            .expect("receive");
        self.row(submitted.id).await
    }

    /// A received dossier taken through the ward's workflow (specialist forwards, the leader
    /// approves, signs and resolves): its result waits at the desk (status 9).
    pub async fn resolved(&self) -> DossierRow {
        let received = self.received().await;
        resolve(&self.app, received.id).await;
        self.row(received.id).await
    }

    /// [`Fixture::resolved`], then returned by `method` at the counter or online (status 10).
    /// By post the desk needs the applicant's address and the dossier waits for the operator
    /// (see the postal tests).
    pub async fn returned(&self, method: motcua_domain::dossier::ReturnMethod) -> DossierRow {
        use motcua_domain::dossier::Command;
        let resolved = self.resolved().await;
        let reception = self.official("tiepnhan.ninhkieu").await;
        self.app
            .act_on_dossier(&reception, resolved.id, Command::ReturnResult { method })
            .await
            .expect("return");
        self.row(resolved.id).await
    }

    /// A dossier as stored, for tests that look at what the use cases wrote.
    pub async fn row(&self, id: i64) -> DossierRow {
        self.db.store.get_dossier(id).await.expect("dossier row")
    }

    /// Removes the database.
    pub async fn cleanup(self) {
        self.db.cleanup().await;
    }
}

/// Takes a received dossier of the ward through its workflow: the specialist forwards, the
/// leader approves, signs and resolves (status 9).
pub async fn resolve(app: &App, dossier_id: i64) {
    use motcua_domain::dossier::Command;
    let specialist = official(app, "chuyenvien.ninhkieu").await;
    let leader = official(app, "chutich.ninhkieu").await;
    let forward = Command::Forward {
        to_step: 1,
        assignee: None,
    };
    app.act_on_dossier(&specialist, dossier_id, forward)
        .await
        .expect("forward");
    for command in [Command::Approve, Command::Sign, Command::Resolve] {
        app.act_on_dossier(&leader, dossier_id, command)
            .await
            .expect("leader acts");
    }
}

/// A complete, valid birth-registration form (tờ khai đăng ký khai sinh) of the demo citizen.
pub fn birth_registration() -> FormValues {
    serde_json::from_str(crate::demo::DEMO_BIRTH_FORM).expect("demo form values")
}

/// Reading rendered PDFs with real tools.
pub mod pdf {
    use super::*;

    /// A5 portrait in points (148 × 210 mm).
    pub const A5: (f64, f64) = (419.53, 595.28);
    /// A4 landscape in points (297 × 210 mm).
    pub const A4_LANDSCAPE: (f64, f64) = (841.89, 595.28);

    /// Fails unless `tool` is installed; `.ci/setup-test-tools` installs it, tests never do.
    fn ensure_tool(tool: &str, package: &str) {
        let present = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        assert!(
            present,
            "{tool} is missing: the PDF checks need Debian's {package}; run `.ci/setup-test-tools` (as root) to install it"
        );
    }

    fn run(tool: &str, package: &str, args: &[&str]) -> String {
        ensure_tool(tool, package);
        let out = Command::new(tool)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{tool}: {e}"));
        assert!(
            out.status.success(),
            "{tool} {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("tool output is UTF-8")
    }

    /// Writes the PDF under `target/form-samples/<name>.pdf` (for a human to look at too).
    pub fn save(name: &str, bytes: &[u8]) -> std::path::PathBuf {
        assert!(bytes.starts_with(b"%PDF-"), "{name}: not a PDF");
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/form-samples");
        std::fs::create_dir_all(&dir).expect("create target/form-samples");
        let path = dir.join(format!("{name}.pdf"));
        std::fs::write(&path, bytes).expect("write sample");
        path
    }

    /// The text of a PDF, runs of whitespace collapsed so wrapped lines still match.
    pub fn text(name: &str, bytes: &[u8]) -> String {
        let path = save(name, bytes);
        let raw = run(
            "pdftotext",
            "poppler-utils",
            &["-enc", "UTF-8", path.to_str().expect("utf-8 path"), "-"],
        );
        raw.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// Width and height of the first page in points, from `pdfinfo`.
    pub fn page_size(name: &str, bytes: &[u8]) -> (f64, f64) {
        let path = save(name, bytes);
        let info = run(
            "pdfinfo",
            "poppler-utils",
            &[path.to_str().expect("utf-8 path")],
        );
        let field = info
            .lines()
            .find_map(|l| l.strip_prefix("Page size:"))
            .unwrap_or_else(|| panic!("pdfinfo has no page size:\n{info}"));
        let numbers: Vec<f64> = field
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        assert!(numbers.len() >= 2, "odd page size {field:?}");
        (numbers[0], numbers[1])
    }

    /// Whether two page sizes agree to a hundredth of a point.
    pub fn same_size(a: (f64, f64), b: (f64, f64)) -> bool {
        (a.0 - b.0).abs() < 0.01 && (a.1 - b.1).abs() < 0.01
    }

    /// The texts of the QR codes on the first page (`pdftoppm` at 200 dpi, then `zbarimg`).
    pub fn qr_codes(name: &str, bytes: &[u8]) -> Vec<String> {
        let path = save(name, bytes);
        let prefix = path.with_extension("");
        let prefix = prefix.to_str().expect("utf-8 path");
        run(
            "pdftoppm",
            "poppler-utils",
            &[
                "-r",
                "200",
                "-png",
                "-singlefile",
                "-f",
                "1",
                "-l",
                "1",
                path.to_str().expect("utf-8 path"),
                prefix,
            ],
        );
        let image = format!("{prefix}.png");
        run("zbarimg", "zbar-tools", &["--quiet", "--raw", &image])
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

/// A demo official of `app` by username, with their roles (tests that build their own `App`).
pub async fn official(app: &App, username: &str) -> Actor {
    let id = app
        .store
        .official_credentials(username)
        .await
        .expect("demo official")
        .id;
    Actor {
        principal: app
            .official_principal(id)
            .await
            .expect("principal")
            .expect("active"),
        ip: None,
    }
}

/// A demo citizen of `app` by personal identification number.
pub async fn citizen(app: &App, personal_id: &str) -> Actor {
    let id = app
        .store
        .citizen_credentials(personal_id)
        .await
        .expect("demo citizen")
        .id;
    Actor {
        principal: Principal::Citizen { citizen_id: id },
        ip: None,
    }
}
