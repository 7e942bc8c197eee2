//! `motcua bench`: per database, a fresh database with the demo and `dossiers` generated
//! dossiers, a real `motcua serve` process on loopback, and these phases measured over HTTP:
//!
//! 1. raw commit rate: one-row insert per transaction, `write_concurrency` tasks, same
//!    connection options as the store (measured from this process while the server idles);
//! 2. submit + receive: `write_concurrency` clients each submit a dossier as a citizen
//!    (session cookie + CSRF header) and receive it as the ward's reception desk (bearer
//!    token), with the server's normal durability; dossiers/s and the ratio to (1);
//! 3. public lookup by code and catalogue search: first closed-loop (`clients` clients firing
//!    back to back: the saturation throughput), then open-loop (the reported latency): requests
//!    on a Poisson schedule at a stated rate, at most `clients` in flight, each latency taken
//!    from its scheduled send time;
//! 4. the specialist's and the desk's work queues, one request at a time;
//! 5. the receipt PDF (Mẫu 01), one request at a time;
//! 6. the server's peak and current resident memory.

use crate::generate::{GenerateOptions, GenerateReport, generate};
use crate::server::{Memory, Server};
use crate::stats::{Latency, OpenLoop, poisson_schedule};
use anyhow::{Context, anyhow};
use motcua_app::demo::{DEMO_BIRTH_FORM, DEMO_CITIZENS, DEMO_PASSWORD};
use motcua_app::{Actor, App, AppSettings};
use motcua_store::Store;
use motcua_store::dossiers::DossierFilter;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Which databases to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BenchBackend {
    Sqlite,
    Postgres,
}

/// What to run.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// The `motcua` binary to start as the server.
    pub exe: PathBuf,
    pub backends: Vec<BenchBackend>,
    /// Admin URL of the PostgreSQL server (database `postgres_database` is created there).
    pub postgres_url: String,
    /// The scratch PostgreSQL database, dropped and recreated (`motcua_bench`).
    pub postgres_database: String,
    /// SQLite database and server logs go here.
    pub work_dir: PathBuf,
    /// Generated dossiers before measuring (1,000,000 for the published figures).
    pub dossiers: u64,
    /// Dossiers submitted and received in the throughput phase.
    pub writes: usize,
    pub write_concurrency: usize,
    /// Online payment attempts confirmed by signed gateway callbacks (then repeated).
    pub payments: usize,
    /// Notices queued and delivered by competing outbox workers.
    pub notifications: usize,
    /// Communes the throughput phase submits to, in turn (1: all to Ninh Kiều, the worst case
    /// for the per-agency day counter; more: a city's load spread over its communes, received
    /// by a desk official whose reception role covers the whole city).
    pub write_agencies: usize,
    /// Concurrent clients for lookup and search.
    pub clients: usize,
    /// Requests per read phase (lookup, search), closed-loop and open-loop each.
    pub requests: usize,
    /// Offered rate of the open-loop lookup phase, requests per second over all clients.
    pub lookup_rate: f64,
    /// Offered rate of the open-loop search phase.
    pub search_rate: f64,
    /// When set, both open-loop rates are this fraction of the phase's measured closed-loop
    /// (saturation) throughput instead.
    pub rate_fraction: Option<f64>,
    pub queue_iterations: usize,
    pub pdf_iterations: usize,
    /// Keep the databases afterwards (the SQLite file of a million dossiers is several GB).
    pub keep: bool,
    /// Official documents generated for the register search phase (0: no such phase).
    pub documents: u64,
    /// Concurrent clients of the register search, one figure per count.
    pub document_clients: Vec<usize>,
    /// Searches per client count (and for the raw query).
    pub document_requests: usize,
    /// Documents per figure in the signing phase.
    pub signing_iterations: usize,
    /// Threads of the signing phase's "all cores" figures.
    pub signing_threads: usize,
    pub phases: Phases,
}

/// Which groups of phases run.
#[derive(Debug, Clone, Copy)]
pub struct Phases {
    /// The one-stop phases: dossiers generated, writes, lookups, catalogue search, queues,
    /// receipt PDF, payments, outbox.
    pub core: bool,
    /// Official documents generated and the register search.
    pub documents: bool,
    /// PAdES signing and verification per document (once, not per database).
    pub signing: bool,
}

impl Default for Phases {
    fn default() -> Self {
        Phases {
            core: true,
            documents: true,
            signing: true,
        }
    }
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions {
            exe: PathBuf::from("motcua"),
            backends: vec![BenchBackend::Sqlite, BenchBackend::Postgres],
            postgres_url: "postgres://postgres@127.0.0.1:5432/postgres".into(),
            postgres_database: "motcua_bench".into(),
            work_dir: PathBuf::from("bench-out"),
            dossiers: 1_000_000,
            writes: 2_000,
            write_concurrency: 16,
            payments: 500,
            notifications: 20_000,
            write_agencies: 1,
            clients: 200,
            requests: 20_000,
            lookup_rate: 1_000.0,
            search_rate: 1_000.0,
            rate_fraction: None,
            queue_iterations: 300,
            pdf_iterations: 200,
            keep: false,
            documents: 1_000_000,
            document_clients: vec![1, 4, 16],
            document_requests: 2_000,
            signing_iterations: 200,
            signing_threads: std::thread::available_parallelism().map_or(1, usize::from),
            phases: Phases::default(),
        }
    }
}

/// Throughput of the durable write path against the database's raw commit rate.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Throughput {
    pub concurrency: usize,
    /// Agencies the dossiers were submitted to.
    pub agencies: usize,
    pub raw_commits: usize,
    pub raw_commits_per_second: f64,
    pub dossiers: usize,
    pub errors: usize,
    /// Submitted and received dossiers per second (two transactions each).
    pub dossiers_per_second: f64,
    /// dossiers/s ÷ raw commits/s (target ≥ 0.30).
    pub ratio: f64,
    pub submit: Latency,
    pub receive: Latency,
    /// Server CPU time (user + system) per submitted and received dossier, in ms.
    pub server_cpu_ms_per_dossier: f64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct QueueFigures {
    pub latency: Latency,
    /// Rows in one answer (a page holds 50 unless asked for up to 200).
    pub rows: usize,
    /// Dossiers in the database.
    pub total_dossiers: i64,
}

/// Everything measured on one database.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BackendReport {
    pub backend: String,
    pub durability: String,
    pub generated: GenerateReport,
    pub throughput: Throughput,
    /// Open-loop at a stated rate (the figure compared with the target).
    pub lookup: OpenLoop,
    /// Closed-loop, `clients` clients back to back: saturation throughput (`per_second`); its
    /// latencies are mostly queueing (Little's law).
    pub lookup_saturation: Latency,
    pub search: OpenLoop,
    pub search_saturation: Latency,
    /// Server CPU time per request in the closed-loop phases, in ms (the cost of one request,
    /// mostly independent of other load on the machine).
    pub lookup_cpu_ms: f64,
    pub search_cpu_ms: f64,
    pub queue_mine: QueueFigures,
    pub queue_receive: QueueFigures,
    /// The specialist's queue, second page (through the first page's `Link` cursor).
    pub queue_next_page: QueueFigures,
    /// Every open dossier of the ward searched by the start of a common name typed without
    /// marks ("nguyen van": thousands of matches at 1M, all counted).
    pub queue_search: QueueFigures,
    /// The same searched by a whole name ("tran thi my vy": the search a desk makes).
    pub queue_search_name: QueueFigures,
    /// Receipt PDFs after the first one (the server's template and layout caches warm).
    pub pdf: Latency,
    /// The first receipt PDF after the server started (templates compiled, fonts laid out).
    pub pdf_first_ms: f64,
    pub pdf_bytes: usize,
    pub memory: Memory,
    /// Verified VNPay confirmations of pending attempts through the server (each pays one
    /// attempt and enqueues its settlement in one transaction).
    pub payment_callbacks: Latency,
    /// The same confirmations again: answered "already confirmed", nothing written but the
    /// callback log.
    pub payment_repeats: Latency,
    /// The outbox delivering notices (see [`OutboxDelivery`]).
    pub outbox: OutboxDelivery,
    /// The written dossiers synced to the national portal's simulator (see [`NationalSyncDelivery`]).
    pub national_sync: NationalSyncDelivery,
    /// The report projections at scale (see [`ReportFigures`]).
    pub reports: ReportFigures,
    /// The database's plan for the specialist's queue (`EXPLAIN QUERY PLAN` / `EXPLAIN ANALYZE`).
    pub queue_plan: Vec<String>,
    pub clients: usize,
    /// Official documents generated for the register search.
    pub documents_generated: crate::documents::DocumentReport,
    /// The register search at scale (`None` when not run).
    pub register_search: Option<crate::documents::RegisterSearch>,
}

/// The machine the figures come from.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Machine {
    pub cpus: usize,
    pub cpu_model: String,
    pub memory_kib: u64,
    pub kernel: String,
    pub date: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct BenchReport {
    pub machine: Machine,
    pub backends: Vec<BackendReport>,
    /// Signing and verification per document (no database).
    pub signing: Option<crate::signing::SigningReport>,
}

pub fn machine() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    Machine {
        cpus: std::thread::available_parallelism().map_or(1, usize::from),
        cpu_model: cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|rest| rest.trim_start_matches([' ', '\t', ':']).trim().to_owned())
            .unwrap_or_default(),
        memory_kib: meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0),
        kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim()
            .to_owned(),
        date: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
    }
}

/// Runs every phase on every chosen database. Progress goes to stderr.
///
/// # Errors
/// A database or the server cannot be prepared or started, or a phase fails outright.
pub async fn run(options: &BenchOptions) -> anyhow::Result<BenchReport> {
    std::fs::create_dir_all(&options.work_dir)
        .with_context(|| format!("cannot create {}", options.work_dir.display()))?;
    let mut report = BenchReport {
        machine: machine(),
        backends: Vec::new(),
        signing: None,
    };
    if options.phases.signing {
        report.signing = Some(
            crate::signing::run(&crate::signing::SigningOptions {
                iterations: options.signing_iterations.max(1),
                threads: options.signing_threads.max(1),
                ..Default::default()
            })
            .await?,
        );
    }
    if options.phases.core || (options.phases.documents && options.documents > 0) {
        for backend in &options.backends {
            report.backends.push(run_backend(options, *backend).await?);
        }
    }
    Ok(report)
}

async fn run_backend(
    options: &BenchOptions,
    backend: BenchBackend,
) -> anyhow::Result<BackendReport> {
    let sqlite_dir = options.work_dir.join("sqlite");
    let url = match backend {
        BenchBackend::Sqlite => {
            let _ = std::fs::remove_dir_all(&sqlite_dir);
            std::fs::create_dir_all(&sqlite_dir)?;
            format!("sqlite://{}", sqlite_dir.join("motcua.db").display())
        }
        BenchBackend::Postgres => {
            Store::create_postgres_database(&options.postgres_url, &options.postgres_database, true)
                .await?
        }
    };
    let name = match backend {
        BenchBackend::Sqlite => "sqlite",
        BenchBackend::Postgres => "postgres",
    };
    eprintln!("[{name}] preparing {}", redact(&url));
    let store = Store::open(&url).await?;
    let app = App::new(store.clone(), AppSettings::default());
    let mut report = BackendReport {
        backend: name.into(),
        durability: store.durability().await?,
        clients: options.clients,
        ..Default::default()
    };
    let mut outcome = Ok(());
    if options.phases.core {
        outcome = core_phases(options, &app, &store, &url, name, &mut report).await;
    } else {
        app.load_demo().await.map_err(|e| anyhow!("demo: {e}"))?;
    }
    if outcome.is_ok() && options.documents > 0 && options.phases.documents {
        outcome = document_phases(options, &app, &store, &url, name, &mut report).await;
    }
    store.close().await;
    outcome?;
    if !options.keep {
        match backend {
            BenchBackend::Sqlite => {
                let _ = std::fs::remove_dir_all(&sqlite_dir);
            }
            BenchBackend::Postgres => {
                Store::drop_postgres_database(&options.postgres_url, &options.postgres_database)
                    .await?;
            }
        }
    }
    Ok(report)
}

/// The one-stop phases (dossiers generated, then measured through a server).
async fn core_phases(
    options: &BenchOptions,
    app: &App,
    store: &Store,
    url: &str,
    name: &str,
    report: &mut BackendReport,
) -> anyhow::Result<()> {
    let generate_options = GenerateOptions {
        dossiers: options.dossiers,
        ..Default::default()
    };
    let mut last_shown = Instant::now();
    let started = Instant::now();
    let mut progress = |done: u64, total: u64| {
        if last_shown.elapsed() > Duration::from_secs(10) || done == total {
            last_shown = Instant::now();
            eprintln!(
                "[{name}] generated {done}/{total} dossiers ({:.0}/s)",
                done as f64 / started.elapsed().as_secs_f64().max(1e-9)
            );
        }
    };
    let generated = if options.dossiers > 0 {
        generate(app, store, &generate_options, &mut progress).await?
    } else {
        app.load_demo().await.map_err(|e| anyhow!("demo: {e}"))?;
        GenerateReport::default()
    };

    // Credentials: API tokens for the ward's desk and specialist, sessions for the citizens.
    let system = Actor::system();
    let official_id = |username: &'static str| {
        let store = store.clone();
        async move { store.official_credentials(username).await.map(|c| c.id) }
    };
    let reception_id = official_id("tiepnhan.ninhkieu").await?;
    let specialist_id = official_id("chuyenvien.ninhkieu").await?;
    let token = |id| {
        let app = app.clone();
        let system = system.clone();
        async move {
            app.issue_api_token(&system, id, "bench", Some(1))
                .await
                .map_err(|e| anyhow!("token: {e}"))
        }
    };
    let (reception, write_agencies) = if options.write_agencies > 1 {
        let (id, agencies) = city_desk(store, options.write_agencies).await?;
        (token(id).await?, agencies)
    } else {
        (token(reception_id).await?, vec!["000.00.30.H13".to_owned()])
    };
    let specialist = token(specialist_id).await?;
    let mut sessions = Vec::new();
    for (personal_id, _, _, _) in DEMO_CITIZENS {
        let signed = app
            .citizen_sign_in(
                &Actor::anonymous(Some("127.0.0.1".into())),
                personal_id,
                DEMO_PASSWORD,
            )
            .await
            .map_err(|e| anyhow!("citizen sign-in: {e}"))?;
        sessions.push(signed.token);
    }
    let ward = store.get_unit_by_code("000.00.30.H13").await?;
    let mine_filter = DossierFilter {
        agency_paths: Some(vec![ward.path.clone()]),
        statuses: vec![2, 4],
        step_roles: vec!["specialist".into()],
        limit: 200,
        ..Default::default()
    };
    report.queue_plan = store.explain_dossier_queue(&mine_filter).await?;
    let total_dossiers = store.max_dossier_id().await?;
    let mut codes = generated.sample_codes.clone();
    report.generated = generated;

    let log = options.work_dir.join(format!("server-{name}.log"));
    eprintln!("[{name}] {} payment attempts", options.payments);
    let attempts = payable_attempts(app, store, options.payments).await?;
    let mut server = Server::start(&options.exe, url, &log).await?;
    eprintln!("[{name}] server pid {} at {}", server.pid(), server.base);
    let outcome = measure(
        options,
        store,
        &server,
        &reception,
        &specialist,
        &sessions,
        &write_agencies,
        &mut codes,
        report,
    )
    .await;
    if outcome.is_ok() && !attempts.is_empty() {
        eprintln!("[{name}] payment callbacks, {} attempts", attempts.len());
        let client = crate::http_client()
            .pool_max_idle_per_host(options.write_concurrency + 8)
            .timeout(Duration::from_secs(120))
            .build()?;
        let queries: Arc<Vec<String>> = Arc::new(
            attempts
                .iter()
                .enumerate()
                .map(|(i, (reference, amount))| signed_ipn(reference, *amount, i))
                .collect(),
        );
        report.payment_callbacks = callbacks(
            &client,
            &server.base,
            queries.clone(),
            options.write_concurrency,
            "\"RspCode\":\"00\"",
        )
        .await?;
        report.payment_repeats = callbacks(
            &client,
            &server.base,
            queries,
            options.write_concurrency,
            "\"RspCode\":\"02\"",
        )
        .await?;
    }
    report.memory = server.memory();
    server.stop().await;
    if outcome.is_ok() && options.notifications > 0 {
        eprintln!(
            "[{name}] outbox delivery, {} notices",
            options.notifications
        );
        report.outbox = outbox_delivery(app, store, options.notifications, 4).await?;
    }
    if outcome.is_ok() {
        eprintln!("[{name}] national portal sync of the written dossiers");
        report.national_sync = national_sync_delivery(app, store, 4).await?;
        eprintln!("[{name}] report projections: rebuild, verify, dashboards");
        report.reports = report_figures(app, store).await?;
    }
    report.queue_mine.total_dossiers = total_dossiers;
    report.queue_receive.total_dossiers = total_dossiers;
    report.queue_next_page.total_dossiers = total_dossiers;
    report.queue_search.total_dossiers = total_dossiers;
    report.queue_search_name.total_dossiers = total_dossiers;
    outcome
}

/// Official documents generated, then the register search measured through a fresh server.
async fn document_phases(
    options: &BenchOptions,
    app: &App,
    store: &Store,
    url: &str,
    name: &str,
    report: &mut BackendReport,
) -> anyhow::Result<()> {
    let mut last_shown = Instant::now();
    let started = Instant::now();
    let mut progress = |done: u64, total: u64| {
        if last_shown.elapsed() > Duration::from_secs(10) || done == total {
            last_shown = Instant::now();
            eprintln!(
                "[{name}] generated {done}/{total} documents ({:.0}/s)",
                done as f64 / started.elapsed().as_secs_f64().max(1e-9)
            );
        }
    };
    report.documents_generated = crate::documents::generate_documents(
        app,
        store,
        &crate::documents::DocumentOptions {
            documents: options.documents,
            ..Default::default()
        },
        &mut progress,
    )
    .await?;
    let staff = crate::documents::document_staff(app, store).await?;
    let token = app
        .issue_api_token(&Actor::system(), staff.clerk, "bench", Some(1))
        .await
        .map_err(|e| anyhow!("token: {e}"))?;
    let log = options
        .work_dir
        .join(format!("server-{name}-documents.log"));
    let mut server = Server::start(&options.exe, url, &log).await?;
    let most = options.document_clients.iter().copied().max().unwrap_or(1);
    let client = crate::http_client()
        .pool_max_idle_per_host(most + 8)
        .timeout(Duration::from_secs(120))
        .build()?;
    eprintln!(
        "[{name}] register search, {} requests at {:?} clients",
        options.document_requests, options.document_clients
    );
    let measured = crate::documents::measure_search(
        &client,
        &server.base,
        &token,
        store,
        &options.document_clients,
        options.document_requests.max(1),
    )
    .await;
    server.stop().await;
    report.register_search = Some(measured?);
    Ok(())
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters kept).
pub(crate) fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// What citizens type into the catalogue search (as `motcua catalogue bench-search`).
const QUERIES: &[&str] = &[
    "dang ky ket hon",
    "Đăng ký kết hôn",
    "khai sinh",
    "chung thuc ban sao",
    "chứng thực chữ ký",
    "giấy chứng nhận quyền sử dụng đất",
    "ho kinh doanh",
    "giay phep xay dung",
    "thuong tru",
    "tạm trú",
    "ly lich tu phap",
    "tro cap xa hoi",
    "dang k",
    "xac nhan tinh trang hon nhan",
    "",
];

#[allow(clippy::too_many_arguments)]
async fn measure(
    options: &BenchOptions,
    store: &Store,
    server: &Server,
    reception: &str,
    specialist: &str,
    sessions: &[String],
    agencies: &[String],
    codes: &mut Vec<String>,
    report: &mut BackendReport,
) -> anyhow::Result<()> {
    let name = report.backend.clone();
    let client = crate::http_client()
        .pool_max_idle_per_host(options.clients.max(options.write_concurrency) + 8)
        .timeout(Duration::from_secs(120))
        .build()?;
    let base = server.base.clone();

    // 1. Raw commits: same database, same durability, same concurrency, while the server idles.
    eprintln!("[{name}] raw commit rate");
    let probe = Store::connect(&store_url(
        store,
        &options.work_dir,
        &options.postgres_url,
        &options.postgres_database,
    ))
    .await?;
    probe.probe_prepare().await?;
    let window = Duration::from_secs(8);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..options.write_concurrency.max(1) {
        let probe = probe.clone();
        tasks.spawn(async move {
            let mut done = 0usize;
            let started = Instant::now();
            while started.elapsed() < window {
                probe.probe_commit(i64::try_from(done).unwrap_or(0)).await?;
                done += 1;
            }
            anyhow::Ok(done)
        });
    }
    let mut commits = 0;
    while let Some(done) = tasks.join_next().await {
        commits += done??;
    }
    let raw_wall = started.elapsed();
    probe.probe_finish().await?;
    probe.close().await;
    report.throughput.concurrency = options.write_concurrency.max(1);
    report.throughput.raw_commits = commits;
    report.throughput.raw_commits_per_second = commits as f64 / raw_wall.as_secs_f64();

    // 2. Submit + receive through the API.
    eprintln!("[{name}] submit + receive, {} dossiers", options.writes);
    let form: serde_json::Value = serde_json::from_str(DEMO_BIRTH_FORM)?;
    // One body per agency; dossier n goes to agency n mod the number of agencies.
    let submissions: Arc<Vec<String>> = Arc::new(
        agencies
            .iter()
            .map(|agency| {
                serde_json::json!({
                    "procedure_code": "1.001193",
                    "agency_code": agency,
                    "form": form,
                })
                .to_string()
            })
            .collect(),
    );
    report.throughput.agencies = agencies.len();
    let next = Arc::new(AtomicUsize::new(0));
    let cpu_before = server.cpu_seconds();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..options.write_concurrency.max(1) {
        let client = client.clone();
        let base = base.clone();
        let session = sessions[worker % sessions.len()].clone();
        let reception = reception.to_owned();
        let submissions = submissions.clone();
        let next = next.clone();
        let writes = options.writes;
        tasks.spawn(async move {
            let csrf = "b".repeat(40);
            let mut submits = Vec::new();
            let mut receives = Vec::new();
            let mut received = Vec::new();
            let mut errors = 0usize;
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= writes {
                    break;
                }
                let start = Instant::now();
                let answer = client
                    .post(format!("{base}/api/v1/dossiers"))
                    .header(
                        "cookie",
                        // Loopback counts as a secure context: the server uses `__Host-` names.
                        format!("__Host-motcua_session={session}; __Host-motcua_csrf={csrf}"),
                    )
                    .header("x-csrf-token", &csrf)
                    .header("content-type", "application/json")
                    .body(submissions[n % submissions.len()].clone())
                    .send()
                    .await;
                let id = match answer {
                    Ok(r) if r.status().as_u16() == 201 => {
                        let body: serde_json::Value = serde_json::from_slice(&r.bytes().await?)?;
                        body["id"].as_i64()
                    }
                    Ok(r) => {
                        if errors == 0 {
                            let status = r.status();
                            let body = r.text().await.unwrap_or_default();
                            eprintln!("submit refused: {status} {body}");
                        }
                        None
                    }
                    Err(error) => {
                        if errors == 0 {
                            eprintln!("submit failed: {error}");
                        }
                        None
                    }
                };
                submits.push(start.elapsed());
                let Some(id) = id else {
                    errors += 1;
                    continue;
                };
                let start = Instant::now();
                let answer = client
                    .post(format!("{base}/api/v1/dossiers/{id}/receive"))
                    .bearer_auth(&reception)
                    .send()
                    .await;
                match answer {
                    Ok(r) if r.status().is_success() => {
                        let body: serde_json::Value = serde_json::from_slice(&r.bytes().await?)?;
                        receives.push(start.elapsed());
                        if let Some(code) = body["code"].as_str() {
                            received.push((id, code.to_owned()));
                        }
                    }
                    _ => errors += 1,
                }
            }
            anyhow::Ok((submits, receives, received, errors))
        });
    }
    let (mut submits, mut receives, mut received, mut errors) =
        (Vec::new(), Vec::new(), Vec::new(), 0);
    while let Some(result) = tasks.join_next().await {
        let (s, r, d, e) = result??;
        submits.extend(s);
        receives.extend(r);
        received.extend(d);
        errors += e;
    }
    let wall = started.elapsed();
    let t = &mut report.throughput;
    t.dossiers = received.len();
    t.errors = errors;
    t.dossiers_per_second = received.len() as f64 / wall.as_secs_f64();
    t.ratio = t.dossiers_per_second / t.raw_commits_per_second.max(1e-9);
    t.submit = Latency::from_samples(submits, 0, wall);
    t.receive = Latency::from_samples(receives, 0, wall);
    t.server_cpu_ms_per_dossier = cpu_ms_per(server, cpu_before, received.len());
    codes.extend(received.iter().map(|(_, code)| code.clone()));
    anyhow::ensure!(!codes.is_empty(), "no dossier code to look up");

    // 3. Lookup and search: saturation (closed-loop), then latency at a stated rate (open-loop).
    let codes = Arc::new(codes.clone());
    let lookup_url: UrlOf = {
        let base = base.clone();
        let codes = codes.clone();
        Arc::new(move |i: usize| {
            format!("{base}/api/v1/lookup/{}", codes[(i * 7919) % codes.len()])
        })
    };
    let search_url: UrlOf = {
        let base = base.clone();
        Arc::new(move |i: usize| {
            format!(
                "{base}/api/v1/procedures?q={}",
                encode(QUERIES[i % QUERIES.len()])
            )
        })
    };
    eprintln!("[{name}] lookup, closed-loop, {} clients", options.clients);
    let cpu_before = server.cpu_seconds();
    report.lookup_saturation = concurrent(&client, options, lookup_url.clone()).await?;
    report.lookup_cpu_ms = cpu_ms_per(server, cpu_before, report.lookup_saturation.count);
    let rate = open_rate(options, options.lookup_rate, &report.lookup_saturation);
    eprintln!("[{name}] lookup, open-loop at {rate:.0} req/s");
    report.lookup = open_loop(&client, options, rate, 1, lookup_url).await?;
    eprintln!("[{name}] search, closed-loop, {} clients", options.clients);
    let cpu_before = server.cpu_seconds();
    report.search_saturation = concurrent(&client, options, search_url.clone()).await?;
    report.search_cpu_ms = cpu_ms_per(server, cpu_before, report.search_saturation.count);
    let rate = open_rate(options, options.search_rate, &report.search_saturation);
    eprintln!("[{name}] search, open-loop at {rate:.0} req/s");
    report.search = open_loop(&client, options, rate, 2, search_url).await?;

    // 4. Work queues, one request at a time.
    eprintln!("[{name}] work queues");
    report.queue_mine = sequential_queue(
        &client,
        &base,
        specialist,
        "queue=mine",
        options.queue_iterations,
    )
    .await?;
    report.queue_receive = sequential_queue(
        &client,
        &base,
        reception,
        "queue=receive",
        options.queue_iterations,
    )
    .await?;
    let first = client
        .get(format!("{base}/api/v1/dossiers?queue=mine"))
        .bearer_auth(specialist)
        .send()
        .await?;
    let next = first
        .headers()
        .get(reqwest::header::LINK)
        .and_then(|l| l.to_str().ok())
        .and_then(|l| l.split('?').nth(1))
        .and_then(|l| l.split('>').next())
        .map(str::to_owned);
    if let Some(next) = next {
        report.queue_next_page =
            sequential_queue(&client, &base, specialist, &next, options.queue_iterations).await?;
    }
    report.queue_search = sequential_queue(
        &client,
        &base,
        specialist,
        "queue=unit&q=nguyen+van",
        options.queue_iterations,
    )
    .await?;
    report.queue_search_name = sequential_queue(
        &client,
        &base,
        specialist,
        "queue=unit&q=tran+thi+my+vy",
        options.queue_iterations,
    )
    .await?;

    // 5. Receipt PDF of dossiers received in phase 2.
    eprintln!("[{name}] receipt PDF");
    let mut samples = Vec::new();
    let mut errors = 0;
    let mut started = Instant::now();
    // One more than asked: the first is reported on its own as the cold render.
    for i in 0..=options.pdf_iterations {
        let Some((id, _)) = received.get(i % received.len().max(1)) else {
            break;
        };
        let start = Instant::now();
        let answer = client
            .get(format!("{base}/api/v1/dossiers/{id}/forms/mau01.pdf"))
            .bearer_auth(reception)
            .send()
            .await?;
        let ok = answer.status().is_success();
        let bytes = answer.bytes().await?;
        if i == 0 {
            report.pdf_first_ms = start.elapsed().as_secs_f64() * 1000.0;
            started = Instant::now();
            if !ok {
                errors += 1;
            }
            continue;
        }
        if ok && bytes.starts_with(b"%PDF-") {
            samples.push(start.elapsed());
            report.pdf_bytes = bytes.len();
        } else {
            errors += 1;
        }
    }
    report.pdf = Latency::from_samples(samples, errors, started.elapsed());
    Ok(())
}

/// The URL of the database a store was opened on (the probe opens its own pool).
fn store_url(
    store: &Store,
    work_dir: &std::path::Path,
    postgres_url: &str,
    database: &str,
) -> String {
    match store.backend() {
        motcua_store::Backend::Sqlite => format!(
            "sqlite://{}",
            work_dir.join("sqlite").join("motcua.db").display()
        ),
        motcua_store::Backend::Postgres => {
            let base = postgres_url
                .split('?')
                .next()
                .unwrap_or(postgres_url)
                .rsplit_once('/')
                .map_or(postgres_url, |(base, _)| base);
            format!("{base}/{database}")
        }
    }
}

/// Server CPU milliseconds per request since `before` (0 when unknown).
fn cpu_ms_per(server: &Server, before: Option<f64>, requests: usize) -> f64 {
    match (before, server.cpu_seconds()) {
        (Some(before), Some(now)) if requests > 0 => (now - before) * 1000.0 / requests as f64,
        _ => 0.0,
    }
}

type UrlOf = Arc<dyn Fn(usize) -> String + Send + Sync>;

/// The open-loop rate of a phase: the stated one, or the fraction of its saturation throughput.
fn open_rate(options: &BenchOptions, stated: f64, saturation: &Latency) -> f64 {
    match options.rate_fraction {
        Some(fraction) => (saturation.per_second * fraction).max(1.0),
        None => stated.max(1.0),
    }
}

/// Open loop: `requests` GETs on a Poisson schedule of `rate` per second, taken in order by
/// `clients` client tasks. A client sleeps until its request's scheduled time; when every
/// client is busy the request leaves late, and the delay counts in its latency, which runs
/// from the scheduled time to the last byte (as wrk2 does, against coordinated omission).
async fn open_loop(
    client: &reqwest::Client,
    options: &BenchOptions,
    rate: f64,
    seed: u64,
    url: UrlOf,
) -> anyhow::Result<OpenLoop> {
    let schedule = Arc::new(poisson_schedule(options.requests, rate, seed));
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    // A little ahead, so that spawning the clients is not counted against the first requests.
    let start = tokio::time::Instant::now() + Duration::from_millis(50);
    for _ in 0..options.clients.max(1) {
        let client = client.clone();
        let url = url.clone();
        let next = next.clone();
        let schedule = schedule.clone();
        tasks.spawn(async move {
            let mut samples = Vec::new();
            let mut lags = Vec::new();
            let mut errors = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(offset) = schedule.get(i) else {
                    break;
                };
                let scheduled = start + *offset;
                tokio::time::sleep_until(scheduled).await;
                lags.push(tokio::time::Instant::now().saturating_duration_since(scheduled));
                match client.get(url(i)).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        samples.push(tokio::time::Instant::now() - scheduled);
                    }
                    _ => errors += 1,
                }
            }
            (samples, lags, errors)
        });
    }
    let (mut samples, mut lags, mut errors) = (Vec::new(), Vec::new(), 0);
    while let Some(result) = tasks.join_next().await {
        let (s, l, e) = result?;
        samples.extend(s);
        lags.extend(l);
        errors += e;
    }
    let wall = tokio::time::Instant::now().saturating_duration_since(start);
    Ok(OpenLoop::new(
        rate,
        options.clients.max(1),
        Latency::from_samples(samples, errors, wall),
        lags,
    ))
}

/// Closed loop: `requests` GETs from `clients` concurrent clients, each firing its next request
/// as soon as the previous answer arrives; `url(i)` names the i-th request.
async fn concurrent(
    client: &reqwest::Client,
    options: &BenchOptions,
    url: UrlOf,
) -> anyhow::Result<Latency> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    let started = Instant::now();
    for _ in 0..options.clients.max(1) {
        let client = client.clone();
        let url = url.clone();
        let next = next.clone();
        let total = options.requests;
        tasks.spawn(async move {
            let mut samples = Vec::new();
            let mut errors = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let start = Instant::now();
                match client.get(url(i)).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        samples.push(start.elapsed());
                    }
                    _ => errors += 1,
                }
            }
            (samples, errors)
        });
    }
    let (mut samples, mut errors) = (Vec::new(), 0);
    while let Some(result) = tasks.join_next().await {
        let (s, e) = result?;
        samples.extend(s);
        errors += e;
    }
    Ok(Latency::from_samples(samples, errors, started.elapsed()))
}

async fn sequential_queue(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    query: &str,
    iterations: usize,
) -> anyhow::Result<QueueFigures> {
    let mut samples = Vec::new();
    let mut errors = 0;
    let mut rows = 0;
    let started = Instant::now();
    for _ in 0..iterations.max(1) {
        let start = Instant::now();
        let answer = client
            .get(format!("{base}/api/v1/dossiers?{query}"))
            .bearer_auth(token)
            .send()
            .await?;
        let ok = answer.status().is_success();
        let bytes = answer.bytes().await?;
        if ok {
            samples.push(start.elapsed());
            rows = serde_json::from_slice::<Vec<serde_json::Value>>(&bytes)
                .map(|v| v.len())
                .unwrap_or(0);
        } else {
            errors += 1;
        }
    }
    Ok(QueueFigures {
        latency: Latency::from_samples(samples, errors, started.elapsed()),
        rows,
        total_dossiers: 0,
    })
}

/// The report as a table for the terminal, with the targets the issue sets.
pub fn table(report: &BenchReport) -> String {
    let m = &report.machine;
    let mut out = format!(
        "machine: {} CPUs ({}), {:.1} GiB RAM, Linux {}, {}\n",
        m.cpus,
        m.cpu_model,
        m.memory_kib as f64 / 1_048_576.0,
        m.kernel,
        m.date
    );
    let mark = |ok: bool| if ok { "ok" } else { "MISSED" };
    if let Some(signing) = &report.signing {
        out.push_str(&crate::signing::table(signing));
    }
    for b in &report.backends {
        let t = &b.throughput;
        if t.raw_commits == 0 {
            out.push_str(&format!("\n== {} ({}) ==\n", b.backend, b.durability));
            out.push_str(&register_table(b));
            continue;
        }
        out.push_str(&format!(
            "\n== {} ({}) ==\n\
             dossiers in database        {} (generated {} with {} events in {:.0} s, {:.0} dossiers/s)\n\
             raw commits                 {:.0}/s ({} tasks, one-row insert per transaction)\n\
             submit+receive              {:.1} dossiers/s ({} dossiers to {} agencies, {} errors; submit p50 {:.1} ms p99 {:.1} ms, receive p50 {:.1} ms p99 {:.1} ms; server CPU {:.2} ms/dossier)\n\
             ratio to raw commits        {:.1} %   target >= 30 %: {}\n\
             lookup by code (open loop)  p50 {:.2} ms  p99 {:.2} ms  offered {:.0} req/s (Poisson), served {:.0} req/s, up to {} clients, {} errors, send lag p99 {:.2} ms   target p99 < 5 ms: {}\n\
             lookup saturation (closed)  {:.0} req/s  ({} clients back to back; p50 {:.2} ms p99 {:.2} ms, queueing; server CPU {:.3} ms/request)\n\
             catalogue search (open)     p50 {:.2} ms  p99 {:.2} ms  offered {:.0} req/s (Poisson), served {:.0} req/s, up to {} clients, {} errors, send lag p99 {:.2} ms   target p99 < 20 ms: {}\n\
             search saturation (closed)  {:.0} req/s  ({} clients back to back; p50 {:.2} ms p99 {:.2} ms, queueing; server CPU {:.3} ms/request)\n\
             work queue (specialist)     p50 {:.2} ms  p99 {:.2} ms  ({} rows)   target p99 < 50 ms: {}\n\
             work queue (reception)      p50 {:.2} ms  p99 {:.2} ms  ({} rows)\n\
             queue next page (cursor)    p50 {:.2} ms  p99 {:.2} ms  ({} rows)\n\
             queue search by name start  p50 {:.2} ms  p99 {:.2} ms  ({} rows)\n\
             queue search by whole name  p50 {:.2} ms  p99 {:.2} ms  ({} rows)\n\
             receipt PDF (Mẫu 01)        p50 {:.1} ms  p99 {:.1} ms  ({} bytes, {} errors; first after start {:.1} ms)   target < 20 ms: {}\n\
             payment callbacks (VNPay)   {:.1} confirmed/s  p50 {:.2} ms  p99 {:.2} ms  ({} attempts, {} errors, {} concurrent; {:.1} % of raw commits)\n\
             repeated callbacks          {:.1} answered/s  p50 {:.2} ms  p99 {:.2} ms  ({} errors)\n\
             outbox delivery (notices)   {:.0} messages/s  batch p50 {:.2} ms  p99 {:.2} ms  ({} messages, {} workers, {} duplicates, {} undelivered; {:.1} % of raw commits)\n\
             server memory               peak {:.1} MiB, now {:.1} MiB\n",
            b.backend,
            b.durability,
            b.queue_mine.total_dossiers,
            b.generated.dossiers,
            b.generated.events,
            b.generated.seconds,
            b.generated.dossiers as f64 / b.generated.seconds.max(1e-9),
            t.raw_commits_per_second,
            t.concurrency,
            t.dossiers_per_second,
            t.dossiers,
            t.agencies,
            t.errors,
            t.submit.p50_ms,
            t.submit.p99_ms,
            t.receive.p50_ms,
            t.receive.p99_ms,
            t.server_cpu_ms_per_dossier,
            t.ratio * 100.0,
            mark(t.ratio >= 0.30),
            b.lookup.latency.p50_ms,
            b.lookup.latency.p99_ms,
            b.lookup.offered_per_second,
            b.lookup.latency.per_second,
            b.lookup.clients,
            b.lookup.latency.errors,
            b.lookup.send_lag_p99_ms,
            mark(b.lookup.latency.p99_ms < 5.0 && b.lookup.latency.errors == 0),
            b.lookup_saturation.per_second,
            b.clients,
            b.lookup_saturation.p50_ms,
            b.lookup_saturation.p99_ms,
            b.lookup_cpu_ms,
            b.search.latency.p50_ms,
            b.search.latency.p99_ms,
            b.search.offered_per_second,
            b.search.latency.per_second,
            b.search.clients,
            b.search.latency.errors,
            b.search.send_lag_p99_ms,
            mark(b.search.latency.p99_ms < 20.0 && b.search.latency.errors == 0),
            b.search_saturation.per_second,
            b.clients,
            b.search_saturation.p50_ms,
            b.search_saturation.p99_ms,
            b.search_cpu_ms,
            b.queue_mine.latency.p50_ms,
            b.queue_mine.latency.p99_ms,
            b.queue_mine.rows,
            mark(b.queue_mine.latency.p99_ms < 50.0),
            b.queue_receive.latency.p50_ms,
            b.queue_receive.latency.p99_ms,
            b.queue_receive.rows,
            b.queue_next_page.latency.p50_ms,
            b.queue_next_page.latency.p99_ms,
            b.queue_next_page.rows,
            b.queue_search.latency.p50_ms,
            b.queue_search.latency.p99_ms,
            b.queue_search.rows,
            b.queue_search_name.latency.p50_ms,
            b.queue_search_name.latency.p99_ms,
            b.queue_search_name.rows,
            b.pdf.p50_ms,
            b.pdf.p99_ms,
            b.pdf_bytes,
            b.pdf.errors,
            b.pdf_first_ms,
            mark(b.pdf.p99_ms < 20.0 && b.pdf.errors == 0),
            b.payment_callbacks.per_second,
            b.payment_callbacks.p50_ms,
            b.payment_callbacks.p99_ms,
            b.payment_callbacks.count,
            b.payment_callbacks.errors,
            t.concurrency,
            100.0 * b.payment_callbacks.per_second / t.raw_commits_per_second.max(1e-9),
            b.payment_repeats.per_second,
            b.payment_repeats.p50_ms,
            b.payment_repeats.p99_ms,
            b.payment_repeats.errors,
            b.outbox.per_second,
            b.outbox.batch.p50_ms,
            b.outbox.batch.p99_ms,
            b.outbox.messages,
            b.outbox.workers,
            b.outbox.duplicates,
            b.outbox.undelivered,
            100.0 * b.outbox.per_second / t.raw_commits_per_second.max(1e-9),
            b.memory.peak_rss_kib as f64 / 1024.0,
            b.memory.rss_kib as f64 / 1024.0,
        ));
        let n = &b.national_sync;
        out.push_str(&format!(
            "national portal sync        {:.1} dossiers/s  {:.0} requests/s  ({} dossiers, {} requests, {} workers, {} duplicate history lines, {} rows left)\n",
            n.dossiers_per_second,
            n.requests_per_second,
            n.dossiers,
            n.requests,
            n.workers,
            n.duplicate_lines,
            n.rows_left,
        ));
        let r = &b.reports;
        out.push_str(&format!(
            "report rebuild              {:.0} dossiers/s  ({} dossiers in {:.1} s; verify {:.1} s, {} counters differ; {} agency and {} procedure counter rows)\n",
            r.rebuild_dossiers_per_second,
            r.rebuilt_dossiers,
            r.rebuild_seconds,
            r.verify_seconds,
            r.differences,
            r.agency_rows,
            r.procedure_rows,
        ));
        for (label, l) in [
            ("dashboard, city, year", &r.dashboard_city),
            ("dashboard, one ward, year", &r.dashboard_ward),
            ("drill-down, city, page 1", &r.drill_city),
            ("raw GROUP BY over dossiers", &r.raw_group_by),
        ] {
            out.push_str(&format!(
                "{label:<28}p50 {:.2} ms  p99 {:.2} ms  ({} runs)\n",
                l.p50_ms, l.p99_ms, l.count
            ));
        }
        out.push_str("work-queue plan:\n");
        for line in &b.queue_plan {
            out.push_str(&format!("  {line}\n"));
        }
        out.push_str(&register_table(b));
    }
    out
}

/// The register search figures of one database (empty when the phase did not run).
fn register_table(b: &BackendReport) -> String {
    let Some(r) = &b.register_search else {
        return String::new();
    };
    let g = &b.documents_generated;
    let mut out = format!(
        "documents in database       {} (generated {} with {} events over {} bodies in {:.0} s, {:.0} documents/s)\n",
        r.documents,
        g.documents,
        g.events,
        g.bodies,
        g.seconds,
        g.documents as f64 / g.seconds.max(1e-9)
    );
    for (clients, l) in r.clients.iter().zip(&r.http) {
        out.push_str(&format!(
            "register search, {clients:>3} client(s)  p50 {:.2} ms  p99 {:.2} ms  {:.0} searches/s  ({} searches, {} errors; GET /api/v1/documents?q=)\n",
            l.p50_ms, l.p99_ms, l.per_second, l.count, l.errors
        ));
    }
    out.push_str(&format!(
        "register search, raw query  p50 {:.2} ms  p99 {:.2} ms  {:.0}/s one at a time; {:.0}/s at {} concurrent (p50 {:.2} ms p99 {:.2} ms); HTTP p50 = {:.1} × raw\n",
        r.raw.p50_ms,
        r.raw.p99_ms,
        r.raw.per_second,
        r.raw_concurrent.per_second,
        r.clients.iter().copied().max().unwrap_or(1),
        r.raw_concurrent.p50_ms,
        r.raw_concurrent.p99_ms,
        r.ratio_p50
    ));
    out.push_str(&format!(
        "rows per query (capped at 100): {:?}\nregister search plan ({:?}):\n",
        r.rows,
        crate::documents::DOCUMENT_QUERIES[0]
    ));
    for line in &r.plan {
        out.push_str(&format!("  {line}\n"));
    }
    out
}

/// A desk official whose reception role covers the whole city, and the codes of the first `n`
/// communes (agencies at commune level with a code): the write phase spread over a city.
async fn city_desk(store: &Store, n: usize) -> anyhow::Result<(i64, Vec<String>)> {
    let units = store.list_units().await?;
    let root = units
        .iter()
        .find(|u| u.parent_id.is_none())
        .ok_or_else(|| anyhow!("no root unit"))?;
    let agencies: Vec<String> = units
        .iter()
        .filter(|u| u.level == "commune" && u.kind == "agency")
        .filter_map(|u| u.code.clone())
        .take(n)
        .collect();
    anyhow::ensure!(!agencies.is_empty(), "no commune agency with a code");
    let username = "tiepnhan.bench";
    if let Ok(existing) = store.official_credentials(username).await {
        return Ok((existing.id, agencies));
    }
    let mut tx = store.begin().await?;
    let id = tx
        .insert_official(
            &motcua_store::people::OfficialInput {
                username: username.into(),
                full_name: "Bộ phận Một cửa (benchmark)".into(),
                position_id: None,
                unit_id: root.id,
                email: None,
                phone: None,
                employed_from: None,
                employed_to: None,
                active: true,
            },
            "!",
            0,
        )
        .await?;
    tx.assign_role(id, "reception", root.id, None, 0).await?;
    tx.commit().await?;
    Ok((id, agencies))
}

/// The VNPay terminal and secret the bench's server is started with (`Server::start`), so
/// the bench can sign callbacks as the gateway does.
pub const BENCH_VNPAY_TMN: &str = "BENCH001";
pub const BENCH_VNPAY_SECRET: &str = "BENCHSECRET0123456789ABCDEFGHIJK";

/// `n` pending VNPay attempts, each on its own request for civil-status extracts (paid at
/// submission) by the first demo citizen: their references and amounts.
async fn payable_attempts(
    app: &App,
    store: &Store,
    n: usize,
) -> anyhow::Result<Vec<(String, i64)>> {
    use motcua_payments::vnpay::{VnPay, VnPayConfig};
    let gateway = VnPay::new(VnPayConfig {
        tmn_code: BENCH_VNPAY_TMN.into(),
        hash_secret: BENCH_VNPAY_SECRET.into(),
        // Checkout builds the address locally: nothing is fetched from it.
        pay_url: "http://127.0.0.1:9/paymentv2/vpcpay.html".into(),
        api_url: "http://127.0.0.1:9/merchant_webapi/api/transaction".into(),
    })?;
    let app = app
        .clone()
        .with_gateways(motcua_app::payments::Gateways::new(vec![Arc::new(gateway)]));
    let citizen_id = store.citizen_credentials(DEMO_CITIZENS[0].0).await?.id;
    let citizen = Actor {
        principal: motcua_domain::authz::Principal::Citizen { citizen_id },
        ip: Some("127.0.0.1".into()),
    };
    let form = motcua_app::demo::demo_extract_form(2).map_err(|e| anyhow!("form: {e}"))?;
    let mut attempts = Vec::with_capacity(n);
    for _ in 0..n {
        let id = app
            .submit_dossier(
                &citizen,
                &motcua_app::dossiers::Submission {
                    procedure_code: "2.000635".into(),
                    agency_code: "000.00.30.H13".into(),
                    form: form.clone(),
                    attachments: Vec::new(),
                    delivery: Default::default(),
                    postal: Default::default(),
                },
            )
            .await
            .map_err(|e| anyhow!("submit: {e}"))?
            .id;
        app.start_online_payment(&citizen, id, motcua_app::payments::GatewayKind::VnPay)
            .await
            .map_err(|e| anyhow!("start payment: {e}"))?;
        let attempt = store
            .dossier_payments(id)
            .await?
            .pop()
            .ok_or_else(|| anyhow!("no attempt"))?;
        attempts.push((attempt.reference, attempt.amount_vnd));
    }
    Ok(attempts)
}

/// The IPN VNPay sends for a successful payment of `reference`, signed.
fn signed_ipn(reference: &str, amount_vnd: i64, number: usize) -> String {
    let amount = (amount_vnd * 100).to_string();
    let transaction = (14_000_000 + number).to_string();
    motcua_payments::vnpay::sign_params(
        BENCH_VNPAY_SECRET,
        [
            ("vnp_Amount", amount.as_str()),
            ("vnp_BankCode", "NCB"),
            ("vnp_BankTranNo", transaction.as_str()),
            ("vnp_CardType", "ATM"),
            ("vnp_OrderInfo", "Thanh toan ho so"),
            ("vnp_PayDate", "20261207091500"),
            ("vnp_ResponseCode", "00"),
            ("vnp_TmnCode", BENCH_VNPAY_TMN),
            ("vnp_TransactionNo", transaction.as_str()),
            ("vnp_TransactionStatus", "00"),
            ("vnp_TxnRef", reference),
        ],
    )
}

/// Sends every callback once with `concurrency` workers; a reply counts as an error unless
/// its body carries `expected` (`"RspCode":"00"` first, `"RspCode":"02"` for the repeats).
async fn callbacks(
    client: &reqwest::Client,
    base: &str,
    queries: Arc<Vec<String>>,
    concurrency: usize,
    expected: &'static str,
) -> anyhow::Result<Latency> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let client = client.clone();
        let queries = queries.clone();
        let next = next.clone();
        let url = format!("{base}/api/v1/payments/gateways/vnpay/confirm");
        tasks.spawn(async move {
            let mut samples = Vec::new();
            let mut errors = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(query) = queries.get(i) else { break };
                let sent = Instant::now();
                let ok = match client.get(format!("{url}?{query}")).send().await {
                    Ok(reply) => reply.text().await.is_ok_and(|body| body.contains(expected)),
                    Err(_) => false,
                };
                if ok {
                    samples.push(sent.elapsed());
                } else {
                    errors += 1;
                }
            }
            anyhow::Ok((samples, errors))
        });
    }
    let mut samples = Vec::new();
    let mut errors = 0;
    while let Some(done) = tasks.join_next().await {
        let (s, e) = done??;
        samples.extend(s);
        errors += e;
    }
    Ok(Latency::from_samples(samples, errors, started.elapsed()))
}

/// The national portal sync of the dossiers the write phases made (each submitted and received:
/// two steps, so an add, an update and two history lines): their `sync-national` rows waited
/// while the server ran without a portal; then competing workers in this process deliver them
/// to the portal's simulator over loopback HTTP. Duplicates are history lines the simulator
/// holds beyond the steps we have.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NationalSyncDelivery {
    pub dossiers: i64,
    pub workers: usize,
    pub dossiers_per_second: f64,
    pub requests: usize,
    pub requests_per_second: f64,
    pub duplicate_lines: i64,
    /// `sync-national` rows still waiting afterwards (failures included).
    pub rows_left: i64,
}

async fn national_sync_delivery(
    app: &App,
    store: &Store,
    workers: usize,
) -> anyhow::Result<NationalSyncDelivery> {
    let sim = motcua_national::simulator::start().await?;
    let portal = motcua_national::DvcqgClient::new(sim.config())?;
    let app = app.clone().with_national_portal(Arc::new(portal));
    let before = store.national_sync_counts(None).await?;
    let channels = motcua_app::notify::Channels::log_only();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..workers.max(1) {
        let app = app.clone();
        let channels = channels.clone();
        tasks.push(tokio::spawn(async move {
            let mut idle = 0;
            while idle < 3 {
                if app.deliver_outbox(&channels).await? == 0 {
                    idle += 1;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                } else {
                    idle = 0;
                }
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let wall = started.elapsed().as_secs_f64().max(1e-9);
    let after = store.national_sync_counts(None).await?;
    let requests = sim.requests().total();
    let mut held_lines = 0i64;
    let mut our_steps = 0i64;
    for code in sim.codes() {
        let Some(held) = sim.dossier(&code) else {
            continue;
        };
        held_lines += i64::try_from(held.history.len()).unwrap_or(0);
        if let Ok(row) = store.get_dossier_by_code(&code).await {
            our_steps += row.last_seq;
        }
    }
    let dossiers = after.in_sync - before.in_sync;
    Ok(NationalSyncDelivery {
        dossiers,
        workers: workers.max(1),
        dossiers_per_second: dossiers as f64 / wall,
        requests,
        requests_per_second: requests as f64 / wall,
        duplicate_lines: held_lines - our_steps,
        rows_left: store
            .outbox_counts(&motcua_store::outbox::OutboxScope {
                paths: None,
                unscoped: true,
            })
            .await?
            .into_iter()
            .find(|k| k.kind == "sync-national")
            .map_or(0, |k| k.pending),
    })
}

/// The outbox delivering notices: messages queued as decisions queue them (one row per
/// channel, a template and its values, rendered when sent), then delivered by competing
/// workers in this process through a channel that accepts at once and records each row, so
/// a message delivered twice, or one of ours never, is counted. Notices the throughput phase
/// left due are delivered (and counted in the rate) too.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OutboxDelivery {
    pub messages: usize,
    pub workers: usize,
    pub per_second: f64,
    /// One delivery round (claim, render, send, complete) of up to 50 messages.
    pub batch: Latency,
    pub duplicates: usize,
    pub undelivered: usize,
}

/// A channel that accepts at once and remembers which rows it was given.
#[derive(Default)]
struct CountingChannel {
    seen: std::sync::Mutex<std::collections::HashSet<i64>>,
    duplicates: std::sync::atomic::AtomicUsize,
}

impl motcua_app::notify::Notifier for CountingChannel {
    fn send<'a>(
        &'a self,
        message: &'a motcua_app::notify::Notification,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + Send + 'a>> {
        Box::pin(async move {
            let fresh = self
                .seen
                .lock()
                .map_err(|_| anyhow!("poisoned"))?
                .insert(message.outbox_id);
            if !fresh {
                self.duplicates
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Ok(())
        })
    }
}

async fn outbox_delivery(
    app: &App,
    store: &Store,
    messages: usize,
    workers: usize,
) -> anyhow::Result<OutboxDelivery> {
    let now = app.now_micros();
    let mut queued = 0;
    let mut ours = std::collections::HashSet::with_capacity(messages);
    while queued < messages {
        let mut tx = store.begin().await?;
        for i in queued..(queued + 500).min(messages) {
            let code = format!("000.00.30.H13-261207-{:04}", i % 10_000);
            let payload = serde_json::json!({
                "channel": "email", "to": format!("nguoi{i}@example.vn"), "template": "received",
                "lang": "vi", "vars": {
                    "code": code, "procedure": "Đăng ký khai sinh", "status": "Được tiếp nhận",
                    "appointment": "09/12/2026 16:30",
                    "link": format!("https://dichvucong.cantho.gov.vn/tra-cuu/{code}"),
                },
            });
            ours.insert(
                tx.enqueue_on_channel("notify", "email", &payload.to_string(), now, Some("/1/"))
                    .await?,
            );
        }
        tx.commit().await?;
        queued = (queued + 500).min(messages);
    }
    let counter = Arc::new(CountingChannel::default());
    let channels = motcua_app::notify::Channels {
        email: counter.clone(),
        sms: counter.clone(),
        zalo: counter.clone(),
        chat: None,
    };
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..workers.max(1) {
        let app = app.clone();
        let channels = channels.clone();
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut idle = 0;
            while idle < 3 {
                let round = Instant::now();
                let delivered = app.deliver_outbox(&channels).await?;
                samples.push(round.elapsed());
                if delivered == 0 {
                    idle += 1;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                } else {
                    idle = 0;
                }
            }
            anyhow::Ok(samples)
        }));
    }
    let mut samples = Vec::new();
    for task in tasks {
        samples.extend(task.await??);
    }
    let wall = started.elapsed();
    let seen = counter
        .seen
        .lock()
        .map_err(|_| anyhow!("poisoned"))?
        .clone();
    let delivered = seen.len();
    Ok(OutboxDelivery {
        messages: delivered,
        workers: workers.max(1),
        per_second: delivered as f64 / wall.as_secs_f64().max(1e-9),
        batch: Latency::from_samples(samples, 0, wall),
        duplicates: counter
            .duplicates
            .load(std::sync::atomic::Ordering::Relaxed),
        undelivered: ours.difference(&seen).count(),
    })
}

/// The report projections at scale: the generated dossiers were written in bulk (without the
/// live projection), so the phase rebuilds the projections (the figure an upgrade costs),
/// verifies them against a second full recomputation, then times the city's and one ward's
/// dashboard for the year against the least a report without projections reads (every
/// dossier grouped by agency and status, in the same run).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReportFigures {
    pub rebuilt_dossiers: i64,
    pub rebuild_seconds: f64,
    pub rebuild_dossiers_per_second: f64,
    pub verify_seconds: f64,
    /// Counter keys that differed between the rebuilt projections and a recomputation.
    pub differences: usize,
    pub agency_rows: usize,
    pub procedure_rows: usize,
    pub dashboard_city: Latency,
    pub dashboard_ward: Latency,
    /// The first page (50) of the dossiers received in the year, city-wide (drill-down).
    pub drill_city: Latency,
    pub raw_group_by: Latency,
}

async fn report_figures(app: &App, store: &Store) -> anyhow::Result<ReportFigures> {
    let started = Instant::now();
    let rebuilt = app
        .rebuild_reports(true)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let rebuild_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let verified = app
        .rebuild_reports(false)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let verify_seconds = started.elapsed().as_secs_f64();
    let counters = store.report_counters().await?;
    let system = motcua_app::Actor::system();
    let year = motcua_app::reports::ReportPeriod::year(app.today().year());
    let units = store.list_units().await?;
    let ward = units
        .iter()
        .filter(|u| u.kind == "agency" || u.code.is_some())
        .max_by_key(|u| u.path.matches('/').count())
        .map(|u| u.id);
    let timed = |samples: &mut Vec<Duration>, at: Instant| samples.push(at.elapsed());
    let (mut city, mut one, mut raw, mut drill) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let wall = Instant::now();
    for _ in 0..30 {
        let at = Instant::now();
        app.report_dashboard(&system, None, year, "vi")
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        timed(&mut city, at);
        let at = Instant::now();
        app.report_dashboard(&system, ward, year, "vi")
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        timed(&mut one, at);
    }
    let dashboards_wall = wall.elapsed();
    let wall = Instant::now();
    for _ in 0..30 {
        let at = Instant::now();
        app.report_drill_down(&system, None, year, "received", None, None, None, None)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        timed(&mut drill, at);
    }
    let drill_wall = wall.elapsed();
    let wall = Instant::now();
    for _ in 0..5 {
        let at = Instant::now();
        store.bench_raw_dossier_groups().await?;
        timed(&mut raw, at);
    }
    let raw_wall = wall.elapsed();
    Ok(ReportFigures {
        rebuilt_dossiers: rebuilt.dossiers,
        rebuild_seconds,
        rebuild_dossiers_per_second: rebuilt.dossiers as f64 / rebuild_seconds.max(1e-9),
        verify_seconds,
        differences: verified.differences,
        agency_rows: counters.agencies.len(),
        procedure_rows: counters.procedures.len(),
        dashboard_city: Latency::from_samples(city, 0, dashboards_wall),
        dashboard_ward: Latency::from_samples(one, 0, dashboards_wall),
        drill_city: Latency::from_samples(drill, 0, drill_wall),
        raw_group_by: Latency::from_samples(raw, 0, raw_wall),
    })
}
