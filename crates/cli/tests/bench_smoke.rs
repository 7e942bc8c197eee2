//! `motcua bench` end to end at a tiny size, so its phases cannot rot: official documents
//! generated and searched through a real server on each database (every query answers, the
//! server and the store agree), and PAdES signatures made and checked by the signing phase.
//! Figures are printed, never asserted.

use std::path::PathBuf;
use std::process::Command;

fn work_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("motcua-bench-smoke-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("work dir");
    dir
}

fn bench(dir: &PathBuf, args: &[&str]) -> serde_json::Value {
    let json = dir.join("bench.json");
    let out = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env("MOTCUA_LOG__LEVEL", "warn")
        .arg("bench")
        .args(args)
        .arg("--work-dir")
        .arg(dir.join("out"))
        .arg("--json")
        .arg(&json)
        .output()
        .expect("run motcua bench");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    println!("{text}");
    serde_json::from_str(&std::fs::read_to_string(&json).expect("figures")).expect("JSON")
}

fn check_register_search(report: &serde_json::Value, documents: i64) {
    let backends = report["backends"].as_array().expect("backends");
    assert_eq!(backends.len(), 1);
    let b = &backends[0];
    assert_eq!(b["documents_generated"]["documents"], documents);
    let statuses = b["documents_generated"]["by_status"]
        .as_object()
        .expect("statuses");
    // Five years of registers: old incoming documents are mostly done, outgoing distributed.
    for status in ["done", "distributed"] {
        assert!(statuses.contains_key(status), "{status} in {statuses:?}");
    }
    let search = &b["register_search"];
    assert_eq!(search["documents"], documents);
    let rows: Vec<i64> = search["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(serde_json::Value::as_i64)
        .collect();
    // Common words find documents; the page holds at most 100.
    assert!(rows.iter().any(|r| *r > 0), "{rows:?}");
    assert!(rows.iter().all(|r| *r <= 100), "{rows:?}");
    for figure in search["http"].as_array().expect("http") {
        assert_eq!(figure["errors"], 0, "{figure}");
        assert_eq!(figure["count"], 40, "{figure}");
    }
    assert_eq!(search["raw"]["count"], 40);
    assert!(!search["plan"].as_array().expect("plan").is_empty());
}

#[test]
fn register_search_and_signing_run_end_to_end_on_sqlite() {
    let dir = work_dir("sqlite");
    let report = bench(
        &dir,
        &[
            "--database",
            "sqlite",
            "--phases",
            "documents,signing",
            "--documents",
            "600",
            "--document-clients",
            "1,3",
            "--document-requests",
            "40",
            "--signing-iterations",
            "2",
            "--signing-threads",
            "2",
        ],
    );
    check_register_search(&report, 600);
    let signing = &report["signing"];
    let rows = signing["rows"].as_array().expect("signing rows");
    // Six operations on two documents, every output checked by our verifier.
    assert_eq!(rows.len(), 12);
    for row in rows {
        assert_eq!(row["valid"], true, "{row}");
        assert_eq!(row["one_core"]["errors"], 0, "{row}");
        assert_eq!(row["all_cores"]["errors"], 0, "{row}");
        assert_eq!(row["one_core"]["count"], 2, "{row}");
    }
    let documents = signing["documents"].as_array().expect("documents");
    assert_eq!(documents[0]["pages"], 1, "{documents:?}");
    assert!(
        documents[1]["pages"].as_i64().unwrap_or(0) >= 5,
        "{documents:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn register_search_runs_end_to_end_on_postgres() {
    let Ok(url) = std::env::var("MOTCUA_TEST_POSTGRES") else {
        eprintln!("MOTCUA_TEST_POSTGRES is not set: the PostgreSQL half is skipped");
        return;
    };
    let dir = work_dir("postgres");
    let database = format!("motcua_bench_smoke_{}", std::process::id());
    let report = bench(
        &dir,
        &[
            "--database",
            "postgres",
            "--postgres-url",
            &url,
            "--postgres-database",
            &database,
            "--phases",
            "documents",
            "--documents",
            "600",
            "--document-clients",
            "1,3",
            "--document-requests",
            "40",
        ],
    );
    check_register_search(&report, 600);
    let _ = std::fs::remove_dir_all(&dir);
}
