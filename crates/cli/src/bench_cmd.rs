//! `motcua demo generate` and `motcua bench`: thin wrappers over `motcua-bench`.

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use motcua_bench::documents::{DocumentOptions, generate_documents};
use motcua_bench::generate::{GenerateOptions, generate};
use motcua_bench::run::{BenchBackend, BenchOptions, Phases};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Subcommand)]
pub enum DemoCommand {
    /// Generates realistic dossiers (all statuses 1–10, verifying hash chains) and official
    /// documents (incoming and outgoing registers) across the demo agencies, loading the demo
    /// first if the database is empty. Do not run it beside a server that is taking
    /// submissions or registering documents.
    Generate {
        #[arg(long, default_value_t = 10_000)]
        dossiers: u64,
        /// Official documents (văn bản đến/đi) over the last five years.
        #[arg(long, default_value_t = 0)]
        documents: u64,
        /// Database URL (default: the configured one).
        #[arg(long)]
        database: Option<String>,
        /// Days of submissions, ending yesterday.
        #[arg(long, default_value_t = 365)]
        days: u32,
        /// Dossiers per transaction.
        #[arg(long, default_value_t = 5_000)]
        batch: usize,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Which {
    Sqlite,
    Postgres,
    Both,
}

#[derive(Args)]
pub struct BenchArgs {
    /// Which database(s) to measure.
    #[arg(long, value_enum, default_value = "both")]
    database: Which,
    /// PostgreSQL admin URL; a database `motcua_bench` is (re)created there.
    #[arg(
        long,
        env = "MOTCUA_TEST_POSTGRES",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    postgres_url: String,
    /// The scratch database created (dropped first) on that server.
    #[arg(long, default_value = "motcua_bench")]
    postgres_database: String,
    /// Dossiers generated before measuring.
    #[arg(long, default_value_t = 1_000_000)]
    dossiers: u64,
    /// Dossiers submitted and received in the throughput phase.
    #[arg(long, default_value_t = 2_000)]
    writes: usize,
    /// Concurrent clients of the throughput phase (and tasks of the raw commit loop).
    #[arg(long, default_value_t = 16)]
    write_concurrency: usize,
    /// Online payment attempts confirmed by signed VNPay callbacks (then each sent again).
    #[arg(long, default_value_t = 500)]
    payments: usize,
    /// Notices queued and then delivered by four competing outbox workers.
    #[arg(long, default_value_t = 20_000)]
    notifications: usize,
    /// Communes the throughput phase submits to in turn (1: all to one ward, the worst case
    /// for its day counter; e.g. 20: a city's load spread over its communes)
    #[arg(long, default_value_t = 1)]
    write_agencies: usize,
    /// Concurrent clients for lookup and search.
    #[arg(long, default_value_t = 200)]
    clients: usize,
    /// Requests per read phase (closed-loop and open-loop each).
    #[arg(long, default_value_t = 20_000)]
    requests: usize,
    /// Offered rate of the open-loop lookup phase (requests/s, Poisson arrivals, at most
    /// `--clients` in flight).
    #[arg(long, default_value_t = 1_000.0)]
    lookup_rate: f64,
    /// Offered rate of the open-loop catalogue search phase (requests/s).
    #[arg(long, default_value_t = 1_000.0)]
    search_rate: f64,
    /// Instead of the stated rates: this fraction of each phase's measured closed-loop
    /// (saturation) throughput, e.g. 0.5.
    #[arg(long)]
    rate_fraction: Option<f64>,
    #[arg(long, default_value_t = 300)]
    queue_iterations: usize,
    #[arg(long, default_value_t = 200)]
    pdf_iterations: usize,
    /// Where the SQLite database and the server logs go.
    #[arg(long, default_value = "bench-out")]
    work_dir: PathBuf,
    /// Writes the figures as JSON too.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Keeps the benchmark databases.
    #[arg(long)]
    keep: bool,
    /// The `motcua` binary to measure as the server (default: this one), e.g. an older build
    /// to compare against with the same client.
    #[arg(long)]
    server_exe: Option<PathBuf>,
    /// Official documents generated for the register search (0: no register search).
    #[arg(long, default_value_t = 1_000_000)]
    documents: u64,
    /// Concurrent clients of the register search, one figure each.
    #[arg(long, value_delimiter = ',', default_values_t = [1usize, 4, 16])]
    document_clients: Vec<usize>,
    /// Searches per client count.
    #[arg(long, default_value_t = 2_000)]
    document_requests: usize,
    /// Documents signed (or verified) per figure of the signing phase.
    #[arg(long, default_value_t = 200)]
    signing_iterations: usize,
    /// Threads of the signing phase's "all cores" figures (default: the CPUs).
    #[arg(long)]
    signing_threads: Option<usize>,
    /// Which phases run: `core` (dossiers: writes, lookups, catalogue search, queues, PDF,
    /// payments, outbox), `documents` (register search), `signing` (PAdES per document).
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Phase::Core, Phase::Documents, Phase::Signing])]
    phases: Vec<Phase>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Phase {
    Core,
    Documents,
    Signing,
}

pub async fn generate_command(command: DemoCommand, configured_url: String) -> anyhow::Result<()> {
    let DemoCommand::Generate {
        dossiers,
        documents,
        database,
        days,
        batch,
        seed,
    } = command;
    let url = database.unwrap_or(configured_url);
    let store = crate::open_store_at(&url).await?;
    let app = motcua_app::App::new(store.clone(), motcua_app::AppSettings::default());
    let options = GenerateOptions {
        dossiers,
        days: days.max(1),
        batch: batch.max(1),
        seed,
    };
    let started = Instant::now();
    let mut shown = Instant::now();
    let mut progress = |done: u64, total: u64| {
        if shown.elapsed().as_secs() >= 5 || done == total {
            shown = Instant::now();
            eprintln!(
                "{done}/{total} dossiers ({:.0}/s)",
                done as f64 / started.elapsed().as_secs_f64().max(1e-9)
            );
        }
    };
    if dossiers > 0 {
        let report = generate(&app, &store, &options, &mut progress).await?;
        println!(
            "generated {} dossiers with {} events in {:.1} s ({} agencies, {} procedures, {} citizens, {} officials created)",
            report.dossiers,
            report.events,
            report.seconds,
            report.agencies,
            report.procedures,
            report.citizens,
            report.officials_created
        );
        let by_status: Vec<String> = report
            .by_status
            .iter()
            .map(|(status, count)| format!("{status}: {count}"))
            .collect();
        println!("by status: {}", by_status.join(", "));
    }
    if documents > 0 {
        let started = Instant::now();
        let mut shown = Instant::now();
        let mut progress = |done: u64, total: u64| {
            if shown.elapsed().as_secs() >= 5 || done == total {
                shown = Instant::now();
                eprintln!(
                    "{done}/{total} documents ({:.0}/s)",
                    done as f64 / started.elapsed().as_secs_f64().max(1e-9)
                );
            }
        };
        let report = generate_documents(
            &app,
            &store,
            &DocumentOptions {
                documents,
                batch: batch.max(1),
                seed,
                ..Default::default()
            },
            &mut progress,
        )
        .await?;
        println!(
            "generated {} documents with {} events in {:.1} s ({} bodies)",
            report.documents, report.events, report.seconds, report.bodies
        );
        let by_status: Vec<String> = report
            .by_status
            .iter()
            .map(|(status, count)| format!("{status}: {count}"))
            .collect();
        println!("by status: {}", by_status.join(", "));
    }
    Ok(())
}

pub async fn bench_command(args: BenchArgs) -> anyhow::Result<()> {
    let backends = match args.database {
        Which::Sqlite => vec![BenchBackend::Sqlite],
        Which::Postgres => vec![BenchBackend::Postgres],
        Which::Both => vec![BenchBackend::Sqlite, BenchBackend::Postgres],
    };
    let options = BenchOptions {
        exe: match args.server_exe {
            Some(exe) => exe,
            None => std::env::current_exe().context("cannot find the motcua binary")?,
        },
        backends,
        postgres_url: args.postgres_url,
        postgres_database: args.postgres_database,
        work_dir: args.work_dir,
        dossiers: args.dossiers,
        writes: args.writes,
        write_concurrency: args.write_concurrency.max(1),
        payments: args.payments,
        notifications: args.notifications,
        write_agencies: args.write_agencies.max(1),
        clients: args.clients.max(1),
        requests: args.requests.max(1),
        lookup_rate: if args.lookup_rate.is_finite() {
            args.lookup_rate.max(1.0)
        } else {
            1_000.0
        },
        search_rate: if args.search_rate.is_finite() {
            args.search_rate.max(1.0)
        } else {
            1_000.0
        },
        rate_fraction: args.rate_fraction.filter(|f| f.is_finite() && *f > 0.0),
        queue_iterations: args.queue_iterations.max(1),
        pdf_iterations: args.pdf_iterations.max(1),
        keep: args.keep,
        documents: args.documents,
        document_clients: if args.document_clients.is_empty() {
            vec![1]
        } else {
            args.document_clients.iter().map(|c| (*c).max(1)).collect()
        },
        document_requests: args.document_requests.max(1),
        signing_iterations: args.signing_iterations.max(1),
        signing_threads: args
            .signing_threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
            .max(1),
        phases: Phases {
            core: args.phases.contains(&Phase::Core),
            documents: args.phases.contains(&Phase::Documents),
            signing: args.phases.contains(&Phase::Signing),
        },
    };
    let report = motcua_bench::run::run(&options).await?;
    print!("{}", motcua_bench::run::table(&report));
    if let Some(path) = args.json {
        std::fs::write(&path, serde_json::to_string_pretty(&report)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("figures written to {}", path.display());
    }
    Ok(())
}
