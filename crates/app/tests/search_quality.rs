//! Search quality over the bundled catalogue, on SQLite and PostgreSQL: the queries of
//! `data/search/quality.tsv` (typed as citizens type them: without marks, i/y either way, a typo,
//! everyday names), each with the procedure that must come first or among the first three.
//! Prints the share right and every miss, and holds the bar of at least 90 % first hits.

use motcua_app::catalogue::SearchParams;
use motcua_app::{App, AppSettings};
use motcua_store::Backend;
use motcua_store::test_support::TestDatabase;

const QUALITY: &str = include_str!("../../../data/search/quality.tsv");
/// The share of queries whose expected procedure must be where the list says.
const BAR: f64 = 0.90;

struct Case {
    query: String,
    code: String,
    within: usize,
}

fn cases() -> Vec<Case> {
    QUALITY
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), 3, "three tab-separated fields: {line:?}");
            Case {
                query: fields[0].to_owned(),
                code: fields[1].to_owned(),
                within: fields[2].parse().expect("1 or 3"),
            }
        })
        .collect()
}

async fn quality(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let app = App::new(db.store.clone(), AppSettings::default());
    assert!(app.load_bundled_catalogue().await.expect("catalogue") > 60);
    let cases = cases();
    assert!(
        cases.len() >= 60,
        "at least 60 queries, found {}",
        cases.len()
    );
    let mut first_hits = 0usize;
    let mut right = 0usize;
    let mut misses = Vec::new();
    for case in &cases {
        let found = app
            .search_procedures(&SearchParams {
                q: case.query.clone(),
                page: 1,
                per_page: 10,
                ..SearchParams::default()
            })
            .await
            .expect("search");
        let codes: Vec<&str> = found
            .items
            .iter()
            .map(|item| item.procedure.code.as_str())
            .collect();
        let position = codes.iter().position(|code| *code == case.code);
        if position == Some(0) {
            first_hits += 1;
        }
        if position.is_some_and(|p| p < case.within) {
            right += 1;
        } else {
            misses.push(format!(
                "  {:?}: expected {} within {}, got {:?}",
                case.query,
                case.code,
                case.within,
                &codes[..codes.len().min(3)]
            ));
        }
    }
    let share = right as f64 / cases.len() as f64;
    println!(
        "search quality on {backend:?}: {right}/{} right ({:.1} %), {first_hits} first hits\n{}",
        cases.len(),
        share * 100.0,
        misses.join("\n")
    );
    assert!(
        share >= BAR,
        "search quality {:.1} % is under {:.0} %:\n{}",
        share * 100.0,
        BAR * 100.0,
        misses.join("\n")
    );
}

#[tokio::test]
async fn sqlite() {
    quality(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres() {
    quality(Backend::Postgres).await;
}
