//! `motcua catalogue …`: import and export of the procedure catalogue, and a search benchmark
//! that measures latency on whichever database is configured (the figure the catalogue issue
//! asks for: p50/p99 over the full catalogue, on SQLite and on PostgreSQL).

use anyhow::Context;
use clap::Subcommand;
use motcua_app::catalogue::SearchParams;
use motcua_app::catalogue_transfer::parse_catalogue;
use motcua_app::{Actor, App};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Subcommand)]
pub enum CatalogueCommand {
    /// Imports procedures from a JSON file (an array or one procedure) or from every `.json`
    /// file of a directory (e.g. `data/catalogue`).
    Import { path: PathBuf },
    /// Exports every published version as one JSON array.
    Export {
        /// Output file (default: standard output).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Measures search latency (p50/p99) on the configured database, loading the bundled
    /// catalogue first if the database has none.
    BenchSearch {
        #[arg(long, default_value_t = 2000)]
        iterations: usize,
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
    },
}

/// The JSON texts to import from `path`, in file-name order.
fn read_sources(path: &Path) -> anyhow::Result<Vec<(String, String)>> {
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|file| {
                let text = std::fs::read_to_string(&file)
                    .with_context(|| format!("cannot read {}", file.display()))?;
                Ok((file.display().to_string(), text))
            })
            .collect()
    } else {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Ok(vec![(path.display().to_string(), text)])
    }
}

pub async fn run(app: &App, command: CatalogueCommand) -> anyhow::Result<()> {
    let system = Actor::system();
    match command {
        CatalogueCommand::Import { path } => {
            let mut procedures = Vec::new();
            for (name, text) in read_sources(&path)? {
                let mut parsed = parse_catalogue(&text)
                    .map_err(crate::describe)
                    .with_context(|| format!("in {name}"))?;
                procedures.append(&mut parsed);
            }
            let report = app
                .import_procedures(&system, &procedures)
                .await
                .map_err(crate::describe)?;
            println!(
                "created {}, updated {}, unchanged {}, new drafts {}",
                report.created, report.updated, report.unchanged, report.drafted
            );
        }
        CatalogueCommand::Export { output } => {
            let text = app
                .export_catalogue(&system)
                .await
                .map_err(crate::describe)?;
            match output {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => print!("{text}"),
            }
        }
        CatalogueCommand::BenchSearch {
            iterations,
            concurrency,
        } => bench(app, iterations.max(1), concurrency.max(1)).await?,
    }
    Ok(())
}

/// What citizens type: with and without diacritics, upper case, NFD, partial words, filters.
const QUERIES: &[&str] = &[
    "dang ky ket hon",
    "Đăng ký kết hôn",
    "ĐĂNG KÝ KẾT HÔN",
    "ke\u{0302}\u{0301}t ho\u{0302}n",
    "ket hon",
    "khai sinh",
    "Đăng ký khai sinh",
    "chung thuc ban sao",
    "chứng thực chữ ký",
    "chuyen nhuong quyen su dung dat",
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

async fn bench(app: &App, iterations: usize, concurrency: usize) -> anyhow::Result<()> {
    let loaded = app
        .load_bundled_catalogue()
        .await
        .map_err(crate::describe)?;
    let total = app
        .procedure_version_count()
        .await
        .map_err(crate::describe)?;
    println!(
        "backend {}, {total} procedure versions ({loaded} loaded now), {iterations} searches, concurrency {concurrency}",
        app.backend_name()
    );
    // Warm-up: prepared statements and caches, as on a running server.
    for q in QUERIES {
        search(app, q).await?;
    }
    let per_task = iterations.div_ceil(concurrency);
    let mut tasks = tokio::task::JoinSet::new();
    let started = Instant::now();
    for worker in 0..concurrency {
        let app = app.clone();
        tasks.spawn(async move {
            let mut samples = Vec::with_capacity(per_task);
            for i in 0..per_task {
                let q = QUERIES[(worker * 7 + i) % QUERIES.len()];
                let start = Instant::now();
                search(&app, q).await?;
                samples.push(start.elapsed());
            }
            anyhow::Ok(samples)
        });
    }
    let mut samples: Vec<Duration> = Vec::with_capacity(iterations);
    while let Some(result) = tasks.join_next().await {
        samples.extend(result??);
    }
    let wall = started.elapsed();
    samples.sort();
    let pick = |p: f64| {
        let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
        samples[index.min(samples.len() - 1)]
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {:.0} searches/s",
        ms(pick(0.50)),
        ms(pick(0.90)),
        ms(pick(0.99)),
        ms(pick(1.0)),
        samples.len() as f64 / wall.as_secs_f64()
    );
    Ok(())
}

async fn search(app: &App, q: &str) -> anyhow::Result<()> {
    let result = app
        .search_procedures(&SearchParams {
            q: q.to_owned(),
            ..Default::default()
        })
        .await
        .map_err(crate::describe)?;
    if q == "dang ky ket hon" {
        anyhow::ensure!(
            result.items.first().map(|i| i.procedure.code.as_str()) == Some("1.000894"),
            "marriage registration is not first"
        );
    }
    Ok(())
}
