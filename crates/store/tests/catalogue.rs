//! The catalogue storage contract on SQLite and PostgreSQL: diacritic-insensitive search with
//! name matches first, filters and paging, and versions in force by date.

use motcua_domain::procedure::Procedure;
use motcua_domain::text::terms;
use motcua_store::catalogue::{CatalogueQuery, STATUS_DRAFT, STATUS_PUBLISHED};
use motcua_store::test_support::TestDatabase;
use motcua_store::{Backend, Store, StoreError};

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::run(motcua_store::Backend::Sqlite, super::$name).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::run(motcua_store::Backend::Postgres, super::$name).await } )* }
    };
}

contract!(
    search_ignores_diacritics_case_and_unicode_form,
    name_matches_rank_above_description_matches,
    filters_and_pages_narrow_the_results,
    versions_take_effect_on_their_date,
    drafts_are_not_public_and_versions_are_unique,
    searching_without_documents_finds_the_same_page,
);

async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let db = TestDatabase::new(backend).await;
    test(db.store.clone()).await;
    db.cleanup().await;
}

const MARRIAGE: &str = "1.000894";
const TODAY: &str = "2026-11-24";

fn catalogue() -> Vec<Procedure> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/catalogue");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("catalogue dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|path| {
            let text = std::fs::read_to_string(path).expect("read");
            serde_json::from_str::<Vec<Procedure>>(&text).expect("parse")
        })
        .collect()
}

async fn load(store: &Store) -> Vec<Procedure> {
    let all = catalogue();
    let mut tx = store.begin().await.expect("begin");
    for procedure in &all {
        tx.insert_procedure(procedure, STATUS_PUBLISHED, None, 1)
            .await
            .expect("insert");
    }
    tx.commit().await.expect("commit");
    all
}

fn query(q: &str) -> CatalogueQuery {
    CatalogueQuery {
        terms: terms(q),
        prefix_last: true,
        on: TODAY.into(),
        limit: 20,
        ..Default::default()
    }
}

async fn search_ignores_diacritics_case_and_unicode_form(store: Store) {
    load(&store).await;
    let nfd = unicode_nfd("Đăng ký kết hôn");
    assert_ne!(nfd, "Đăng ký kết hôn", "the NFD form differs in bytes");
    for q in [
        "dang ky ket hon",
        "Đăng ký kết hôn",
        "ket hon",
        nfd.as_str(),
        "ĐĂNG KÝ KẾT HÔN",
        "  đăng   ký kết-hôn ",
    ] {
        let page = store.search_procedures(&query(q)).await.expect("search");
        assert!(!page.hits.is_empty(), "{q}: no results");
        assert_eq!(page.hits[0].row.code, MARRIAGE, "{q}: {:?}", names(&page));
        assert!(page.hits[0].name_match);
    }
    // Whole syllables: "hon" must not find every "không".
    let page = store
        .search_procedures(&CatalogueQuery {
            prefix_last: false,
            ..query("khai sinh")
        })
        .await
        .expect("search");
    assert_eq!(page.hits[0].row.code, "1.001193", "{:?}", names(&page));
    let nothing = store
        .search_procedures(&query("xyzzy quux"))
        .await
        .expect("search");
    assert!(nothing.hits.is_empty());
    assert_eq!(nothing.total, 0);
    // Operators and quotes in the query are plain text, not syntax.
    for hostile in [
        "\"ket\" OR hon*",
        "ket AND NOT hon",
        "a & b | !c",
        "')--",
        "NEAR(ket hon)",
    ] {
        store
            .search_procedures(&query(hostile))
            .await
            .unwrap_or_else(|e| panic!("{hostile}: {e}"));
    }
}

fn unicode_nfd(text: &str) -> String {
    // Decomposes the Vietnamese letters used in the test query (the store tests avoid a
    // dependency on a normalisation crate; the domain tests cover NFD in general).
    text.replace('ă', "a\u{0306}")
        .replace('ý', "y\u{0301}")
        .replace('ế', "e\u{0302}\u{0301}")
        .replace('ô', "o\u{0302}")
}

fn names(page: &motcua_store::catalogue::CataloguePage) -> Vec<(String, bool)> {
    page.hits
        .iter()
        .map(|h| (h.row.name.clone(), h.name_match))
        .collect()
}

async fn name_matches_rank_above_description_matches(store: Store) {
    let all = load(&store).await;
    // A procedure that mentions marriage only in its description.
    let mut other = all
        .iter()
        .find(|p| p.code == "1.001193")
        .expect("birth")
        .clone();
    other.code = "9.999999".into();
    other.name = "Thủ tục thử nghiệm về hộ tịch".into();
    other.description = Some("Dành cho người đã đăng ký kết hôn ở nước ngoài.".into());
    let mut tx = store.begin().await.expect("begin");
    tx.insert_procedure(&other, STATUS_PUBLISHED, None, 1)
        .await
        .expect("insert");
    tx.commit().await.expect("commit");
    let page = store
        .search_procedures(&query("dang ky ket hon"))
        .await
        .expect("search");
    let position = |code: &str| page.hits.iter().position(|h| h.row.code == code);
    let description_only = position("9.999999").expect("description match found");
    assert!(!page.hits[description_only].name_match);
    assert!(position(MARRIAGE).expect("marriage") < description_only);
    let first_description = page.hits.iter().position(|h| !h.name_match).expect("some");
    assert!(
        page.hits[first_description..].iter().all(|h| !h.name_match),
        "name matches come first: {:?}",
        names(&page)
    );
}

async fn filters_and_pages_narrow_the_results(store: Store) {
    let all = load(&store).await;
    let everything = store
        .search_procedures(&CatalogueQuery {
            limit: 1000,
            ..query("")
        })
        .await
        .expect("all");
    assert_eq!(everything.total, all.len() as i64);
    let civil = store
        .search_procedures(&CatalogueQuery {
            sector: Some("ho-tich".into()),
            limit: 1000,
            ..query("")
        })
        .await
        .expect("sector");
    let expected = all.iter().filter(|p| p.sector.code == "ho-tich").count();
    assert_eq!(civil.total, expected as i64);
    assert!(civil.hits.iter().all(|h| h.row.sector_code == "ho-tich"));
    let commune_full = store
        .search_procedures(&CatalogueQuery {
            agency_kind: Some("commune_committee".into()),
            level: Some("commune".into()),
            online_level: Some("full".into()),
            limit: 1000,
            ..query("")
        })
        .await
        .expect("filters");
    let expected = all
        .iter()
        .filter(|p| {
            p.agency_kind.as_str() == "commune_committee"
                && p.level.as_str() == "commune"
                && p.online_level.as_str() == "full"
        })
        .count();
    assert_eq!(commune_full.total, expected as i64);
    let land = store
        .search_procedures(&CatalogueQuery {
            sector: Some("ho-tich".into()),
            ..query("dat dai chuyen nhuong")
        })
        .await
        .expect("filtered search");
    assert!(land.hits.iter().all(|h| h.row.sector_code == "ho-tich"));
    let first = store
        .search_procedures(&CatalogueQuery {
            limit: 10,
            offset: 0,
            ..query("")
        })
        .await
        .expect("page 1");
    let second = store
        .search_procedures(&CatalogueQuery {
            limit: 10,
            offset: 10,
            ..query("")
        })
        .await
        .expect("page 2");
    assert_eq!(first.hits.len(), 10);
    assert_eq!(second.total, all.len() as i64);
    assert!(
        first
            .hits
            .iter()
            .all(|a| second.hits.iter().all(|b| a.row.id != b.row.id))
    );
    let sectors = store.sector_counts(TODAY).await.expect("sectors");
    assert_eq!(
        sectors.iter().map(|s| s.count).sum::<i64>(),
        all.len() as i64
    );
    assert!(
        sectors
            .iter()
            .any(|s| s.key == "ho-tich" && s.label == "Hộ tịch")
    );
    let agencies = store.agency_counts(TODAY).await.expect("agencies");
    assert_eq!(
        agencies.iter().map(|s| s.count).sum::<i64>(),
        all.len() as i64
    );
}

async fn versions_take_effect_on_their_date(store: Store) {
    let all = load(&store).await;
    let v1 = all.iter().find(|p| p.code == MARRIAGE).expect("marriage");
    let mut v2 = v1.clone();
    v2.version = 2;
    v2.effective_from = time::macros::date!(2026 - 11 - 25);
    v2.name = "Đăng ký kết hôn (sửa đổi)".into();
    let mut tx = store.begin().await.expect("begin");
    tx.insert_procedure(&v2, STATUS_PUBLISHED, Some(7), 2)
        .await
        .expect("v2");
    tx.commit().await.expect("commit");
    let today = store
        .procedure_in_force(MARRIAGE, TODAY)
        .await
        .expect("today");
    assert_eq!(today.version, 1);
    let tomorrow = store
        .procedure_in_force(MARRIAGE, "2026-11-25")
        .await
        .expect("tomorrow");
    assert_eq!(tomorrow.version, 2);
    assert_eq!(tomorrow.procedure().expect("doc").name, v2.name);
    assert_eq!(
        store
            .procedure_version(MARRIAGE, 1)
            .await
            .expect("v1")
            .version,
        1,
        "the old version stays retrievable"
    );
    let page = store
        .search_procedures(&query("ket hon"))
        .await
        .expect("search today");
    assert_eq!(
        page.hits.iter().filter(|h| h.row.code == MARRIAGE).count(),
        1,
        "one version per procedure"
    );
    let marriage_today = page
        .hits
        .iter()
        .find(|h| h.row.code == MARRIAGE)
        .expect("found today");
    assert_eq!(marriage_today.row.version, 1);
    let later = store
        .search_procedures(&CatalogueQuery {
            on: "2026-12-01".into(),
            ..query("ket hon")
        })
        .await
        .expect("search later");
    let marriage_later = later
        .hits
        .iter()
        .find(|h| h.row.code == MARRIAGE)
        .expect("found later");
    assert_eq!(marriage_later.row.version, 2);
    assert!(matches!(
        store.procedure_in_force(MARRIAGE, "2020-01-01").await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store.procedure_versions(MARRIAGE).await.expect("all").len(),
        2
    );
}

async fn drafts_are_not_public_and_versions_are_unique(store: Store) {
    let all = catalogue();
    let marriage = all.iter().find(|p| p.code == MARRIAGE).expect("marriage");
    let mut tx = store.begin().await.expect("begin");
    let id = tx
        .insert_procedure(marriage, STATUS_DRAFT, None, 1)
        .await
        .expect("draft");
    tx.commit().await.expect("commit");
    assert!(
        store
            .search_procedures(&query("ket hon"))
            .await
            .expect("search")
            .hits
            .is_empty()
    );
    assert!(matches!(
        store.procedure_in_force(MARRIAGE, TODAY).await,
        Err(StoreError::NotFound)
    ));
    let mut tx = store.begin().await.expect("begin");
    assert!(matches!(
        tx.insert_procedure(marriage, STATUS_DRAFT, None, 1).await,
        Err(StoreError::Conflict(_))
    ));
    drop(tx);
    // Publishing through an update re-indexes the row.
    let mut renamed = marriage.clone();
    renamed.name = "Đăng ký kết hôn lưu động".into();
    let mut tx = store.begin().await.expect("begin");
    tx.update_procedure(id, &renamed, STATUS_PUBLISHED, Some(5))
        .await
        .expect("publish");
    tx.commit().await.expect("commit");
    let page = store
        .search_procedures(&query("luu dong"))
        .await
        .expect("search");
    assert_eq!(page.hits.len(), 1);
    assert_eq!(page.hits[0].row.published_at, Some(5));
    assert_eq!(store.count_procedures().await.expect("count"), 1);
}

/// The search used by the application (documents come from its cache of published versions)
/// returns exactly the page of the full search, only without the documents.
async fn searching_without_documents_finds_the_same_page(store: Store) {
    load(&store).await;
    for q in ["dang ky ket hon", "Chứng thực", "khai sinh", "xyzzy", ""] {
        let full = store.search_procedures(&query(q)).await.expect("search");
        let light = store
            .search_procedures_without_documents(&query(q))
            .await
            .expect("search without documents");
        assert_eq!(light.total, full.total, "{q}");
        assert_eq!(light.hits.len(), full.hits.len(), "{q}");
        for (light, full) in light.hits.iter().zip(&full.hits) {
            assert!(light.row.document.is_empty(), "{q}");
            assert!(!full.row.document.is_empty(), "{q}");
            assert_eq!(light.name_match, full.name_match, "{q}");
            let blank = motcua_store::catalogue::ProcedureRow {
                document: String::new(),
                ..full.row.clone()
            };
            assert_eq!(light.row, blank, "{q}");
        }
    }
    let everything = store
        .search_procedures_without_documents(&query(""))
        .await
        .expect("list");
    assert!(everything.total > 0);
}
